/* wa_deliver - see wa_deliver.h. */
#include <glib.h>

#include "wa_deliver.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h" /* sl_prov_base_url */
#include "util.h"
#include "whatsapp.h"

#define ANSWER_MAX 4096 /* bytes of the platform's answer kept for the log */

struct sl_wa_deliver {
	CURLM *multi;
	char *url;
	char *secret;
	int allow_http;
	long timeout;
	size_t parallel;
};

int sl_wa_deliver_new(const struct sl_config *cfg, const char *secret, struct sl_wa_deliver **out,
		      char **why)
{
	struct sl_wa_deliver *d = sl_xcalloc(1, sizeof(*d));
	*out = NULL;
	if (sl_prov_base_url(cfg, "whatsapp.downstream_url", &d->url, &d->allow_http, why) != SL_OK)
		goto fail;
	if (secret == NULL || *secret == '\0') {
		*why = sl_xstrdup("whatsapp.downstream_secret_file: the platform needs a secret to "
				  "check what sluice "
				  "sends (X-Sluice-Signature-256)");
		goto fail;
	}
	d->secret = sl_xstrdup(secret);
	d->timeout = (long)sl_config_int(cfg, "whatsapp.downstream_timeout");
	d->parallel = (size_t)sl_config_int(cfg, "whatsapp.downstream_connections");
	d->multi = curl_multi_init();
	if (d->multi == NULL) {
		*why = sl_xstrdup("curl: cannot create a multi handle");
		goto fail;
	}
	curl_multi_setopt(d->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)d->parallel);
	*out = d;
	return SL_OK;
fail:
	sl_wa_deliver_free(d);
	return SL_ECONFIG;
}

struct sl_wa_deliver *sl_wa_deliver_free(struct sl_wa_deliver *d)
{
	if (d == NULL)
		return NULL;
	if (d->multi != NULL)
		curl_multi_cleanup(d->multi);
	if (d->secret != NULL) {
		explicit_bzero(d->secret, strlen(d->secret));
		free(d->secret);
	}
	free(d->url);
	free(d);
	return NULL;
}

struct one {
	struct sl_wa_post *p;
	CURL *e;
	struct curl_slist *hdr;
	struct sl_buf answer;
	char err[CURL_ERROR_SIZE];
};

static size_t keep_answer(char *p, size_t size, size_t n, void *ctx)
{
	struct one *o = ctx;
	(void)sl_buf_add(&o->answer, p, o->answer.len + size * n <= ANSWER_MAX ? size * n : 0);
	return size * n; /* the rest is read and dropped */
}

static void start(struct sl_wa_deliver *d, struct one *o)
{
	char *sig = sl_wa_signature(d->secret, o->p->body, o->p->len), *h;
	o->e = curl_easy_init();
	o->err[0] = '\0';
	sl_buf_init(&o->answer, ANSWER_MAX + 1);
	o->hdr = curl_slist_append(NULL, "Content-Type: application/json");
	h = sl_xasprintf("X-Sluice-Signature-256: %s", sig);
	o->hdr = curl_slist_append(o->hdr, h);
	free(h);
	h = sl_xasprintf("X-Sluice-Delivery-Id: %s", o->p->delivery_id);
	o->hdr = curl_slist_append(o->hdr, h);
	free(h);
	h = sl_xasprintf("X-Sluice-Attempt: %ld", o->p->attempt);
	o->hdr = curl_slist_append(o->hdr, h);
	free(h);
	o->hdr = curl_slist_append(o->hdr, "Expect:");
	free(sig);
	curl_easy_setopt(o->e, CURLOPT_URL, d->url);
	curl_easy_setopt(o->e, CURLOPT_HTTPHEADER, o->hdr);
	curl_easy_setopt(o->e, CURLOPT_POST, 1L);
	curl_easy_setopt(o->e, CURLOPT_POSTFIELDS, o->p->body);
	curl_easy_setopt(o->e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->p->len);
	curl_easy_setopt(o->e, CURLOPT_PROTOCOLS_STR, d->allow_http ? "http,https" : "https");
	curl_easy_setopt(o->e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(o->e, CURLOPT_PROXY, "");
	curl_easy_setopt(o->e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(o->e, CURLOPT_TIMEOUT, d->timeout);
	curl_easy_setopt(o->e, CURLOPT_CONNECTTIMEOUT, d->timeout < 10 ? d->timeout : 10L);
	curl_easy_setopt(o->e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(o->e, CURLOPT_USERAGENT, "sluice/" SLUICE_VERSION);
	curl_easy_setopt(o->e, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(o->e, CURLOPT_WRITEDATA, o);
	curl_easy_setopt(o->e, CURLOPT_ERRORBUFFER, o->err);
	curl_easy_setopt(o->e, CURLOPT_PRIVATE, o);
	curl_multi_add_handle(d->multi, o->e);
}

static void finish(struct sl_wa_deliver *d, struct one *o, CURLcode rc)
{
	struct sl_wa_post *p = o->p;
	long code = 0;
	curl_easy_getinfo(o->e, CURLINFO_RESPONSE_CODE, &code);
	p->status = code;
	p->ok = rc == CURLE_OK && code >= 200 && code < 300;
	if (rc != CURLE_OK) {
		snprintf(p->error, sizeof(p->error), "%s",
			 o->err[0] ? o->err : curl_easy_strerror(rc));
	} else if (!p->ok) {
		char *a = sl_clip(o->answer.data ? o->answer.data : "", 120);
		char *c;
		for (c = a; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
		snprintf(p->error, sizeof(p->error), "HTTP %ld%s%s", code, *a ? ": " : "", a);
		free(a);
	}
	curl_multi_remove_handle(d->multi, o->e);
	curl_easy_cleanup(o->e);
	curl_slist_free_all(o->hdr);
	sl_buf_free(&o->answer);
	o->e = NULL;
}

void sl_wa_deliver_posts(struct sl_wa_deliver *d, struct sl_wa_post *p, size_t n)
{
	struct one *v = sl_xcalloc(n ? n : 1, sizeof(*v));
	size_t next = 0, running = 0, i;

	for (i = 0; i < n; i++) {
		v[i].p = &p[i];
		p[i].ok = 0;
		p[i].status = 0;
		p[i].error[0] = '\0';
	}
	while (next < n || running > 0) {
		int still = 0, left = 0;
		CURLMsg *msg;
		while (next < n && running < d->parallel) {
			start(d, &v[next++]);
			running++;
		}
		curl_multi_perform(d->multi, &still);
		while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
			struct one *o = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&o);
			finish(d, o, msg->data.result);
			running--;
		}
		if (running > 0)
			curl_multi_poll(d->multi, NULL, 0, 200, NULL);
	}
	free(v);
}
