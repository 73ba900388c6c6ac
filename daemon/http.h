/*
 * http - the HTTP server of sluiced over libmicrohttpd: the only file with
 * MHD_* calls. Front ends (the admin socket today; the WhatsApp webhook, safe
 * links, /healthz and /metrics later) register a table of routes and get
 * whole requests: method, path, query arguments, headers, a body capped at
 * max_body, and for unix sockets the caller's credentials (SO_PEERCRED).
 *
 * Listening sockets are made first (sl_http_listen_unix/_tcp, while sluiced is
 * still root, so that a socket can be given its owner, group and mode), the
 * server started on them later (after dropping root). One server per socket.
 *
 * Routes: method (NULL: any) and path, exact, or a prefix when it ends in
 * '/' (the handler reads the rest with sl_http_subpath). First match wins. A
 * path no route knows is 404; a known path with another method is 405; a body
 * whose Content-Length is over max_body is 413 before any of it is read; a
 * chunked body that grows past it closes the connection.
 *
 * TLS: with tls_cert and tls_key (PEM, read by the caller while it was
 * root) the server speaks HTTPS only (libmicrohttpd over GnuTLS).
 *
 * Handlers run in the server's threads (one per connection, or a pool) and
 * may block (a release waits for the SMTP relay). sl_http_stop() stops
 * accepting, lets requests in flight finish (up to a grace period), then
 * stops. Responses never carry a cache and are marked nosniff.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct sl_http;
struct sl_http_request;
struct sl_http_response;

struct sl_peer {
	int has_cred;       /* unix socket: pid/uid/gid are the caller's */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char addr[64];      /* TCP: the client's address */
};

typedef void (*sl_http_handler)(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs);

struct sl_http_route {
	const char *method; /* "GET", "POST", or NULL for any */
	const char *path;   /* "/v1/purge" exact, "/v1/items/" prefix */
	sl_http_handler fn;
	void *ctx;
	size_t max_body;    /* 0: the server's max_body (a webhook takes larger bodies than a form) */
};

struct sl_http_opts {
	size_t max_body;            /* bytes; larger is 413 */
	unsigned timeout;           /* seconds a connection may stay idle */
	unsigned max_connections;
	unsigned threads;           /* 0: a thread per connection; else a pool of this many */
	unsigned grace;             /* seconds sl_http_stop waits for requests in flight */
	const char *name;           /* for logs: "admin", "http" */
	const char *tls_cert;       /* PEM certificate chain: serve HTTPS (with tls_key); NULL: HTTP */
	const char *tls_key;        /* PEM private key */
};

/* A listening unix socket at path: a stale socket file is replaced, one a
 * live server answers on is refused. Owner and group set when not -1, then
 * mode. */
int sl_http_listen_unix(const char *path, unsigned mode, uid_t uid, gid_t gid, int *fd, char **why);
/* A listening TCP socket on "host:port" ("127.0.0.1:8025", "[::1]:8025"). */
int sl_http_listen_tcp(const char *hostport, int *fd, char **why);

/* Serves fd (the server owns it from now on, also on failure). routes and
 * what they point to must outlive the server. */
int sl_http_start(int fd, const struct sl_http_route *routes, size_t nroutes, const struct sl_http_opts *o,
		  struct sl_http **out, char **why);
struct sl_http *sl_http_stop(struct sl_http *h); /* returns NULL */

/* ---- inside a handler --------------------------------------------------- */

const char *sl_http_method(const struct sl_http_request *rq);
const char *sl_http_path(const struct sl_http_request *rq);
/* The path after the matched prefix ("" for an exact match). */
const char *sl_http_subpath(const struct sl_http_request *rq);
/* A query argument or header, or NULL (borrowed for the handler's call). */
const char *sl_http_arg(struct sl_http_request *rq, const char *name);
const char *sl_http_header(struct sl_http_request *rq, const char *name);
const unsigned char *sl_http_body(const struct sl_http_request *rq, size_t *len);
/* The body as a JSON object, or NULL (then the reply is already a 400). */
json_t *sl_http_body_json(struct sl_http_request *rq, struct sl_http_response *rs);
const struct sl_peer *sl_http_peer(const struct sl_http_request *rq);

/* Sets the response; the last call wins. body is taken (malloc'd). */
void sl_http_reply(struct sl_http_response *rs, unsigned status, const char *ctype, void *body, size_t len);
void sl_http_reply_json(struct sl_http_response *rs, unsigned status, json_t *j); /* takes j */
/* {"error": "..."} */
void sl_http_reply_error(struct sl_http_response *rs, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sl_http_add_header(struct sl_http_response *rs, const char *name, const char *value);

#endif
