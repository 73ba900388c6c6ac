/*
 * provloop - one event loop for the live look-ups of one message: HTTP
 * requests on a libcurl multi handle and DNS A queries on a c-ares channel,
 * waited on together (curl_multi_poll with c-ares's sockets as extra
 * descriptors) until everything has answered or the deadline has passed.
 *
 * Why one loop on the caller's thread, not a thread per provider: the
 * budget is one deadline for the whole message, and one poll over every
 * socket keeps it exactly, with nothing left running after it (what the
 * deadline cuts off is cancelled, not abandoned to a thread). Messages
 * already run on many threads, so no thread of ours waits on another.
 *
 * A loop is reused message after message (provider.c keeps a pool): the
 * multi handle keeps its connection cache, so HTTPS connections to the
 * providers stay open between messages, and the channel keeps its sockets.
 * One loop is used by one thread at a time.
 *
 * Every HTTP request has a timeout (the time left to the deadline), TLS
 * verification on, no redirects, https only (plain http only when the caller
 * says the URL was allowed: loopback under general.allow_insecure_loopback),
 * and a cap on the reply size. Callbacks run inside sl_prov_loop_run() (or
 * at once when a request cannot be started); each request gets exactly one.
 */
#ifndef SL_PROVLOOP_H
#define SL_PROVLOOP_H

#include <stddef.h>
#include <stdint.h>

struct sl_prov_loop;

struct sl_prov_loop_opts {
	long max_connections;    /* per host (reputation.max_connections) */
	size_t max_response;     /* bytes of one reply (reputation.max_response_size) */
	const char *dns_servers; /* c-ares "ip:port,..." or NULL for the system's */
	int dns_timeout_ms;      /* first try of a DNS query; later tries double it */
};

/* NULL with *why (caller frees) when libcurl or c-ares cannot start. */
struct sl_prov_loop *sl_prov_loop_new(const struct sl_prov_loop_opts *o, char **why);
struct sl_prov_loop *sl_prov_loop_free(struct sl_prov_loop *l); /* returns NULL */

/* Sets the deadline (g_get_monotonic_time() microseconds) of the next run. */
void sl_prov_loop_begin(struct sl_prov_loop *l, int64_t deadline_us);

/* What an HTTP request got: error is NULL when a reply came (any status). */
struct sl_prov_http_reply {
	long status;
	const char *body; /* NUL-terminated */
	size_t len;
	const char *error;
};
typedef void (*sl_prov_http_cb)(void *ctx, const struct sl_prov_http_reply *r);

/* GET url (post NULL) or POST post[0..postlen); headers NULL-terminated
 * "Name: value" lines or NULL. */
void sl_prov_loop_http(struct sl_prov_loop *l, const char *url, int allow_http,
		       const char *const *headers, const char *post, size_t postlen,
		       sl_prov_http_cb cb, void *ctx);

/* status is a c-ares code (ARES_SUCCESS, ARES_ENOTFOUND for NXDOMAIN, ...);
 * abuf the answer (ARES_SUCCESS only); error names the failure for people. */
typedef void (*sl_prov_dns_cb)(void *ctx, int status, const unsigned char *abuf, int alen,
			       const char *error);
void sl_prov_loop_dns_a(struct sl_prov_loop *l, const char *name, sl_prov_dns_cb cb, void *ctx);

/* Runs until every request answered or the deadline passed; what is still
 * waiting then is cancelled with error "no answer within the time budget". */
void sl_prov_loop_run(struct sl_prov_loop *l);

#endif
