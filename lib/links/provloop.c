/* provloop - see provloop.h. */
#include <glib.h>

#include "provloop.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define TIMEOUT_TEXT "no answer within the time budget"

struct xfer {
	struct sl_prov_loop *loop;
	CURL *easy;
	struct curl_slist *headers;
	struct sl_buf body;
	char *post; /* our copy: curl reads it while the request runs */
	char errbuf[CURL_ERROR_SIZE];
	sl_prov_http_cb cb;
	void *ctx;
};

struct dnsq {
	struct sl_prov_loop *loop;
	sl_prov_dns_cb cb;
	void *ctx;
};

struct sl_prov_loop {
	CURLM *multi;
	ares_channel dns;
	GPtrArray *xfers; /* struct xfer *, running */
	size_t ndns;      /* DNS queries waiting */
	size_t max_response;
	int64_t deadline;
};

static void global_init(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ares_library_init(ARES_LIB_INIT_ALL);
		g_once_init_leave(&once, 1);
	}
}

struct sl_prov_loop *sl_prov_loop_new(const struct sl_prov_loop_opts *o, char **why)
{
	struct sl_prov_loop *l = sl_xcalloc(1, sizeof(*l));
	struct ares_options ao;
	int rc;

	global_init();
	l->xfers = g_ptr_array_new();
	l->max_response = o->max_response;
	l->multi = curl_multi_init();
	if (l->multi == NULL) {
		*why = sl_xstrdup("libcurl: cannot create a multi handle");
		goto fail;
	}
	curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, o->max_connections);
	curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, o->max_connections * 4);
	curl_multi_setopt(l->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);

	memset(&ao, 0, sizeof(ao));
	ao.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	ao.timeout = o->dns_timeout_ms;
	ao.tries = 3;
	rc = ares_init_options(&l->dns, &ao, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		l->dns = NULL;
		*why = sl_xasprintf("c-ares: %s", ares_strerror(rc));
		goto fail;
	}
	if (o->dns_servers != NULL && *o->dns_servers != '\0') {
		rc = ares_set_servers_ports_csv(l->dns, o->dns_servers);
		if (rc != ARES_SUCCESS) {
			*why = sl_xasprintf("reputation.dns_servers: %s: %s", o->dns_servers,
					    ares_strerror(rc));
			goto fail;
		}
	}
	return l;
fail:
	return sl_prov_loop_free(l);
}

struct sl_prov_loop *sl_prov_loop_free(struct sl_prov_loop *l)
{
	if (l == NULL)
		return NULL;
	l->deadline = 0;
	sl_prov_loop_run(l); /* cancels anything left */
	if (l->dns != NULL)
		ares_destroy(l->dns);
	if (l->multi != NULL)
		curl_multi_cleanup(l->multi);
	g_ptr_array_free(l->xfers, TRUE);
	free(l);
	return NULL;
}

void sl_prov_loop_begin(struct sl_prov_loop *l, int64_t deadline_us)
{
	l->deadline = deadline_us;
}

/* ---- HTTP ---- */

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	if (sl_buf_add(&x->body, p, size * n) != SL_OK)
		return 0; /* past reputation.max_response_size: curl stops with a write error */
	return size * n;
}

static void xfer_free(struct xfer *x)
{
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	sl_buf_free(&x->body);
	free(x->post);
	free(x);
}

/* Takes x out of the loop and gives its callback the outcome. */
static void xfer_finish(struct xfer *x, CURLcode res, const char *error)
{
	struct sl_prov_http_reply r = {0};
	char *msg = NULL;

	curl_multi_remove_handle(x->loop->multi, x->easy);
	g_ptr_array_remove_fast(x->loop->xfers, x);
	if (error != NULL) {
		r.error = error;
	} else if (res == CURLE_WRITE_ERROR || res == CURLE_FILESIZE_EXCEEDED) {
		r.error = "reply larger than reputation.max_response_size";
	} else if (res != CURLE_OK) {
		msg = sl_xstrdup(x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(res));
		r.error = msg;
	} else {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
		r.body = x->body.data != NULL ? x->body.data : "";
		r.len = x->body.len;
	}
	x->cb(x->ctx, &r);
	free(msg);
	xfer_free(x);
}

void sl_prov_loop_http(struct sl_prov_loop *l, const char *url, int allow_http,
		       const char *const *headers, const char *post, size_t postlen,
		       sl_prov_http_cb cb, void *ctx)
{
	struct xfer *x = sl_xcalloc(1, sizeof(*x));
	int64_t left_ms = (l->deadline - g_get_monotonic_time()) / 1000;
	struct sl_prov_http_reply r = {0};
	CURL *e;

	x->loop = l;
	x->cb = cb;
	x->ctx = ctx;
	sl_buf_init(&x->body, l->max_response);
	e = x->easy = curl_easy_init();
	if (e == NULL || left_ms <= 0) {
		r.error = e == NULL ? "libcurl: cannot create a handle" : TIMEOUT_TEXT;
		cb(ctx, &r);
		xfer_free(x);
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, allow_http ? "http,https" : "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* The loop's deadline ends the request; curl's own timeout is the
	 * backstop a little later, so that a timeout is always ours to report. */
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left_ms + 250);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)left_ms + 250);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)l->max_response);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice/" SLUICE_VERSION);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		x->headers = curl_slist_append(x->headers, headers[i]);
	if (post != NULL) {
		x->post = sl_xmalloc(postlen + 1);
		memcpy(x->post, post, postlen);
		x->post[postlen] = '\0';
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->post);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)postlen);
		/* no "Expect: 100-continue" round trip */
		x->headers = curl_slist_append(x->headers, "Expect:");
	}
	if (x->headers != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	g_ptr_array_add(l->xfers, x);
	if (curl_multi_add_handle(l->multi, e) != CURLM_OK) {
		g_ptr_array_remove_fast(l->xfers, x);
		r.error = "libcurl: cannot start the request";
		cb(ctx, &r);
		xfer_free(x);
	}
}

static void http_drain(struct sl_prov_loop *l)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
		struct xfer *x = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		xfer_finish(x, m->data.result, NULL);
	}
}

/* ---- DNS ---- */

static void on_dns(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dnsq *q = arg;
	const char *err = NULL;

	q->loop->ndns--;
	if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
		err = TIMEOUT_TEXT;
	else if (status != ARES_SUCCESS && status != ARES_ENOTFOUND && status != ARES_ENODATA)
		err = ares_strerror(status);
	q->cb(q->ctx, status, status == ARES_SUCCESS ? abuf : NULL,
	      status == ARES_SUCCESS ? alen : 0, err);
	free(q);
}

void sl_prov_loop_dns_a(struct sl_prov_loop *l, const char *name, sl_prov_dns_cb cb, void *ctx)
{
	struct dnsq *q = sl_xcalloc(1, sizeof(*q));
	q->loop = l;
	q->cb = cb;
	q->ctx = ctx;
	l->ndns++; /* before the call: c-ares may answer at once */
	ares_query(l->dns, name, ns_c_in, ns_t_a, on_dns, q);
}

/* ---- the loop ---- */

void sl_prov_loop_run(struct sl_prov_loop *l)
{
	for (;;) {
		struct curl_waitfd wfd[ARES_GETSOCK_MAXNUM];
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		unsigned nw = 0;
		int running = 0, bits, timeout_ms;
		int64_t now;

		if (l->xfers->len > 0) {
			curl_multi_perform(l->multi, &running);
			http_drain(l);
		}
		if (l->xfers->len == 0 && l->ndns == 0)
			return;
		now = g_get_monotonic_time();
		if (now >= l->deadline)
			break;
		timeout_ms = (int)((l->deadline - now + 999) / 1000);
		bits = l->ndns > 0 ? ares_getsock(l->dns, socks, ARES_GETSOCK_MAXNUM) : 0;
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;
			/* c-ares's own macros shift a signed 1 into the sign bit */
			if (((unsigned)bits >> i) & 1u)
				ev |= CURL_WAIT_POLLIN;
			if (((unsigned)bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u)
				ev |= CURL_WAIT_POLLOUT;
			if (ev == 0)
				continue;
			wfd[nw].fd = socks[i];
			wfd[nw].events = ev;
			wfd[nw].revents = 0;
			nw++;
		}
		if (l->ndns > 0) {
			struct timeval tv, *tvp = ares_timeout(l->dns, NULL, &tv);
			if (tvp != NULL) {
				int t = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
				if (t < timeout_ms)
					timeout_ms = t;
			}
		}
		curl_multi_poll(l->multi, wfd, nw, timeout_ms, NULL);
		if (l->ndns > 0) {
			for (unsigned i = 0; i < nw; i++) {
				if (wfd[i].revents == 0)
					continue;
				ares_process_fd(
				    l->dns,
				    (wfd[i].revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI))
					? wfd[i].fd
					: ARES_SOCKET_BAD,
				    (wfd[i].revents & CURL_WAIT_POLLOUT) ? wfd[i].fd
									 : ARES_SOCKET_BAD);
			}
			ares_process_fd(l->dns, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
		}
	}
	/* The deadline: whatever is still waiting gets no more time. */
	while (l->xfers->len > 0)
		xfer_finish(g_ptr_array_index(l->xfers, l->xfers->len - 1), CURLE_OK, TIMEOUT_TEXT);
	if (l->ndns > 0)
		ares_cancel(l->dns);
}
