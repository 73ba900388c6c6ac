/* http - see http.h. */
#include <glib.h>
#include <microhttpd.h>

#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct sl_http {
	struct MHD_Daemon *mhd;
	const struct sl_http_route *routes;
	size_t nroutes;
	struct sl_http_opts o;
	int active;          /* requests between their first byte and their completion */
	char *name;
};

struct sl_http_request {
	struct MHD_Connection *conn;
	const char *method, *path, *subpath;
	struct sl_buf body;
	int too_big;
	int answered;
	struct sl_peer peer;
};

struct sl_http_response {
	unsigned status;
	char *ctype;
	void *body;
	size_t len;
	GPtrArray *headers; /* name, value, name, value... */
};

/* ---- listening sockets --------------------------------------------------- */

int sl_http_listen_unix(const char *path, unsigned mode, uid_t uid, gid_t gid, int *fd, char **why)
{
	struct sockaddr_un a = { 0 };
	struct stat sb;
	mode_t old;
	int s = -1;

	*fd = -1;
	if (strlen(path) >= sizeof(a.sun_path)) {
		*why = sl_xasprintf("%s: a unix socket path is at most %zu bytes", path, sizeof(a.sun_path) - 1);
		return SL_ECONFIG;
	}
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			*why = sl_xasprintf("%s exists and is not a socket", path);
			return SL_ECONFIG;
		}
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(s);
			*why = sl_xasprintf("%s: another server answers on it (is sluiced already running?)", path);
			return SL_ECONFIG;
		}
		if (s >= 0)
			close(s);
		unlink(path); /* stale: left by a server that died */
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*why = sl_xasprintf("socket: %s", strerror(errno));
		return SL_EIO;
	}
	old = umask(0177); /* born 0600: never more open than asked, not even for a moment */
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		umask(old);
		*why = sl_xasprintf("%s: bind: %s", path, strerror(errno));
		close(s);
		return SL_EIO;
	}
	umask(old);
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0) {
		*why = sl_xasprintf("%s: chown: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, (mode_t)mode) != 0) {
		*why = sl_xasprintf("%s: chmod: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(s, 64) != 0) {
		*why = sl_xasprintf("%s: listen: %s", path, strerror(errno));
		goto fail;
	}
	*fd = s;
	return SL_OK;
fail:
	close(s);
	unlink(path);
	return SL_EIO;
}

int sl_http_listen_tcp(const char *hostport, int *fd, char **why)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char *host = NULL;
	const char *port;
	int s = -1, one = 1, rc;

	*fd = -1;
	if (hostport[0] == '[') {
		const char *close_br = strchr(hostport, ']');
		if (close_br == NULL || close_br[1] != ':') {
			*why = sl_xasprintf("'%s': expected [address]:port", hostport);
			return SL_ECONFIG;
		}
		host = sl_xstrndup(hostport + 1, (size_t)(close_br - hostport - 1));
		port = close_br + 2;
	} else {
		const char *colon = strrchr(hostport, ':');
		if (colon == NULL) {
			*why = sl_xasprintf("'%s': expected address:port", hostport);
			return SL_ECONFIG;
		}
		host = sl_xstrndup(hostport, (size_t)(colon - hostport));
		port = colon + 1;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		*why = sl_xasprintf("'%s': %s", hostport, gai_strerror(rc));
		free(host);
		return SL_ECONFIG;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0)
			continue;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, 128) == 0)
			break;
		close(s);
		s = -1;
	}
	if (s < 0)
		*why = sl_xasprintf("%s: cannot listen: %s", hostport, strerror(errno));
	freeaddrinfo(res);
	free(host);
	if (s < 0)
		return SL_EIO;
	*fd = s;
	return SL_OK;
}

/* ---- requests ------------------------------------------------------------ */

static void peer_of(struct MHD_Connection *conn, struct sl_peer *p)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(p, 0, sizeof(*p));
	if (ci != NULL && getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred) && cred.pid > 0) {
		p->has_cred = 1;
		p->pid = cred.pid;
		p->uid = cred.uid;
		p->gid = cred.gid;
		snprintf(p->addr, sizeof(p->addr), "unix");
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, p->addr, sizeof(p->addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, p->addr, sizeof(p->addr));
	}
}

/* 0 no route, 1 match, 2 the path is known but not with this method. */
static int route_for(const struct sl_http *h, const char *method, const char *path, const struct sl_http_route **out,
		     const char **sub)
{
	size_t i;
	int known = 0;
	for (i = 0; i < h->nroutes; i++) {
		const struct sl_http_route *r = &h->routes[i];
		size_t n = strlen(r->path);
		int prefix = n > 0 && r->path[n - 1] == '/';
		int match = prefix ? strncmp(path, r->path, n) == 0 && path[n] != '\0' : strcmp(path, r->path) == 0;
		if (!match)
			continue;
		if (r->method != NULL && strcmp(r->method, method) != 0) {
			known = 1;
			continue;
		}
		*out = r;
		*sub = prefix ? path + n : "";
		return 1;
	}
	return known ? 2 : 0;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct sl_http_response *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t i;
	if (rs->status == 0)
		sl_http_reply_error(rs, 500, "the handler gave no answer");
	r = MHD_create_response_from_buffer(rs->len, rs->body ? rs->body : (void *)"",
					    rs->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	rs->body = NULL;
	if (r == NULL)
		return MHD_NO;
	if (rs->ctype != NULL)
		MHD_add_response_header(r, "Content-Type", rs->ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (i = 0; rs->headers != NULL && i + 1 < rs->headers->len; i += 2)
		MHD_add_response_header(r, g_ptr_array_index(rs->headers, i), g_ptr_array_index(rs->headers, i + 1));
	ok = MHD_queue_response(conn, rs->status, r);
	MHD_destroy_response(r);
	return ok;
}

static void response_clear(struct sl_http_response *rs)
{
	free(rs->ctype);
	free(rs->body);
	if (rs->headers != NULL)
		g_ptr_array_free(rs->headers, TRUE);
	memset(rs, 0, sizeof(*rs));
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct sl_http *h = cls;
	struct sl_http_request *rq = *con_cls;
	struct sl_http_response rs = { 0 };
	const struct sl_http_route *route = NULL;
	const char *sub = "";
	enum MHD_Result ok;
	int m;
	(void)version;

	if (rq == NULL) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		size_t max = h->o.max_body;
		if (route_for(h, method, url, &route, &sub) == 1 && route->max_body > 0)
			max = route->max_body;
		rq = sl_xcalloc(1, sizeof(*rq));
		rq->conn = conn;
		sl_buf_init(&rq->body, max);
		g_atomic_int_inc(&h->active);
		*con_cls = rq;
		if (cl != NULL && max > 0 && strtoull(cl, NULL, 10) > max) {
			/* refused before a byte of it is read */
			rq->answered = 1;
			sl_http_reply_error(&rs, 413, "the request body is larger than %zu bytes", max);
			ok = send_response(conn, &rs);
			response_clear(&rs);
			return ok;
		}
		return MHD_YES;
	}
	if (rq->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (sl_buf_add(&rq->body, upload, *upload_size) != SL_OK) {
			/* chunked, no length said: past the cap the connection is dropped */
			sl_log(SL_LOG_WARNING, "%s: %s %s: body over %zu bytes, connection closed", h->name, method, url,
			       rq->body.cap);
			return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	rq->method = method;
	rq->path = url;
	peer_of(conn, &rq->peer);
	m = route_for(h, method, url, &route, &sub);
	if (m == 0) {
		sl_http_reply_error(&rs, 404, "no such resource: %s", url);
	} else if (m == 2) {
		sl_http_reply_error(&rs, 405, "%s is not allowed on %s", method, url);
	} else {
		rq->subpath = sub;
		route->fn(route->ctx, rq, &rs);
	}
	rq->answered = 1;
	ok = send_response(conn, &rs);
	response_clear(&rs);
	return ok;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct sl_http *h = cls;
	struct sl_http_request *rq = *con_cls;
	(void)conn;
	(void)t;
	if (rq == NULL)
		return;
	sl_buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
	g_atomic_int_add(&h->active, -1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct sl_http *h = cls;
	char *s = g_strdup_vprintf(fmt, ap);
	g_strchomp(s);
	sl_log(SL_LOG_WARNING, "%s: %s", h->name, s);
	g_free(s);
}

int sl_http_start(int fd, const struct sl_http_route *routes, size_t nroutes, const struct sl_http_opts *o,
		  struct sl_http **out, char **why)
{
	struct sl_http *h = sl_xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[4];
	size_t n = 0;

	*out = NULL;
	h->routes = routes;
	h->nroutes = nroutes;
	h->o = *o;
	h->name = sl_xstrdup(o->name ? o->name : "http");
	if (o->threads == 0)
		flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL; /* poll: no FD_SETSIZE limit */
	else
		flags |= MHD_USE_AUTO;
	if (o->threads > 0)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL };
	if (o->tls_cert != NULL && o->tls_key != NULL) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key };
	}
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				  MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
				  MHD_OPTION_CONNECTION_TIMEOUT, o->timeout ? o->timeout : 30, MHD_OPTION_CONNECTION_LIMIT,
				  o->max_connections ? o->max_connections : 64, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (h->mhd == NULL) {
		*why = sl_xasprintf("%s: libmicrohttpd would not start", h->name);
		close(fd);
		free(h->name);
		free(h);
		return SL_EIO;
	}
	*out = h;
	return SL_OK;
}

struct sl_http *sl_http_stop(struct sl_http *h)
{
	struct timespec t0, t;
	int fd;
	if (h == NULL)
		return NULL;
	/* no new connections; requests under way get up to `grace` seconds */
	fd = MHD_quiesce_daemon(h->mhd);
	if (fd >= 0)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (g_atomic_int_get(&h->active) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= (time_t)h->o.grace) {
			sl_log(SL_LOG_WARNING, "%s: stopping with %d request(s) unfinished", h->name,
			       g_atomic_int_get(&h->active));
			break;
		}
		usleep(20000);
	}
	MHD_stop_daemon(h->mhd);
	free(h->name);
	free(h);
	return NULL;
}

/* ---- handler helpers ------------------------------------------------------ */

const char *sl_http_method(const struct sl_http_request *rq)
{
	return rq->method;
}

const char *sl_http_path(const struct sl_http_request *rq)
{
	return rq->path;
}

const char *sl_http_subpath(const struct sl_http_request *rq)
{
	return rq->subpath ? rq->subpath : "";
}

const char *sl_http_arg(struct sl_http_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sl_http_header(struct sl_http_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const unsigned char *sl_http_body(const struct sl_http_request *rq, size_t *len)
{
	*len = rq->body.len;
	return (const unsigned char *)(rq->body.data ? rq->body.data : "");
}

json_t *sl_http_body_json(struct sl_http_request *rq, struct sl_http_response *rs)
{
	json_error_t err;
	size_t len;
	const unsigned char *b = sl_http_body(rq, &len);
	json_t *j = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		sl_http_reply_error(rs, 400, "the request body is not a JSON object%s%s", j ? "" : ": ",
				    j ? "" : err.text);
		return NULL;
	}
	return j;
}

const struct sl_peer *sl_http_peer(const struct sl_http_request *rq)
{
	return &rq->peer;
}

void sl_http_reply(struct sl_http_response *rs, unsigned status, const char *ctype, void *body, size_t len)
{
	free(rs->body);
	free(rs->ctype);
	rs->status = status;
	rs->ctype = ctype ? sl_xstrdup(ctype) : NULL;
	rs->body = body;
	rs->len = body ? len : 0;
}

void sl_http_reply_json(struct sl_http_response *rs, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n = s ? strlen(s) : 0;
	char *body = sl_xmalloc(n + 2);
	memcpy(body, s ? s : "", n);
	body[n] = '\n';
	body[n + 1] = '\0';
	free(s);
	json_decref(j);
	sl_http_reply(rs, status, "application/json", body, n + 1);
}

void sl_http_reply_error(struct sl_http_response *rs, unsigned status, const char *fmt, ...)
{
	va_list ap;
	gchar *msg, *valid;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	valid = g_utf8_make_valid(msg, -1);
	sl_http_reply_json(rs, status, json_pack("{s:s}", "error", valid));
	g_free(valid);
	g_free(msg);
}

void sl_http_add_header(struct sl_http_response *rs, const char *name, const char *value)
{
	if (rs->headers == NULL)
		rs->headers = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(rs->headers, g_strdup(name));
	g_ptr_array_add(rs->headers, g_strdup(value));
}
