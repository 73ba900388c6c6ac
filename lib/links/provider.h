/*
 * provider - live URL reputation services behind one small interface: Google
 * Web Risk (prov_webrisk.c), Google Safe Browsing v4 Lookup
 * (prov_safebrowsing.c), abuse.ch URLhaus (prov_urlhaus.c) and DNS
 * blocklists of the Spamhaus DBL / SURBL / URIBL kind (prov_dnsbl.c).
 *
 * A provider instance has a name ("webrisk", "dbl:dbl.spamhaus.org"), ops
 * (struct sl_provider_ops: which scopes it answers, how it starts look-ups on
 * a loop) and state. It is asked about queries: a URL (scope SL_PROV_URL:
 * the normalised http(s) URL) or a host (SL_PROV_HOST: the ASCII host, with
 * its registrable domain). Each query gets one answer: listed (a verdict,
 * malicious or suspicious, a detail for the source, a category for people,
 * a cache lifetime), not listed (a lifetime too), failed, or skipped.
 *
 * sl_providers_lookup() judges a batch (the URLs of one message, or the one
 * URL clicked): it dedupes the batch by normalised URL and by host, answers
 * what it can from the cache (provcache.h), asks every provider for the rest
 * at once on one loop (provloop.h) within reputation.time_budget_ms for the
 * whole batch, caches the answers (negative ones too), and lists the hits:
 * each (tag, verdict, source, reason) a provider listed. A provider that is
 * down, slow or answering errors leaves its share unknown: it never holds
 * the batch past the budget; its failures are counted, logged once per
 * reputation.error_log_interval, and after reputation.failures_before_backoff
 * failed batches in a row it is left alone for reputation.backoff seconds.
 *
 * Sources name the provider: "webrisk:SOCIAL_ENGINEERING",
 * "safebrowsing:MALWARE", "urlhaus:malware_download/online",
 * "urlhaus:host_online", "dbl:dbl.example.test=127.0.1.4".
 *
 * Nothing is asked unless configured: with no provider URL, key or zone set,
 * sl_providers_new() returns no providers (NULL) and nothing touches the
 * network. Keys come from files readable by owner and group only
 * (reputation.*_key_file); a key written in sluice.conf itself is refused
 * when others may read that file.
 *
 * Threads: after new, sl_providers_lookup() may run on many threads at once
 * (loops come from a pool, counters and state are under a mutex, the cache
 * has its own). Stats are read with sl_providers_stats() (for /metrics and
 * /healthz).
 *
 * Errors: new returns SL_ECONFIG with *why naming the key; lookup returns 0
 * (a failure is an unknown answer, never an error of the message).
 */
#ifndef SL_PROVIDER_H
#define SL_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"
#include "provloop.h"

struct sl_providers;
struct sl_prov_batch;

enum sl_prov_scope { SL_PROV_URL = 1, SL_PROV_HOST = 2 };

enum sl_prov_status {
	SL_PROV_PENDING, /* not answered (yet): at the end of a lookup, a timeout */
	SL_PROV_NOT_LISTED,
	SL_PROV_LISTED,
	SL_PROV_FAILED,  /* the provider could not answer: unknown */
	SL_PROV_SKIPPED, /* not asked (a provider that cannot look such a thing up) */
};

/* One question to one provider; the provider answers with sl_prov_*() below. */
struct sl_prov_query {
	enum sl_prov_scope scope;
	const char *key;    /* SL_PROV_URL: the normalised URL; SL_PROV_HOST: the host */
	const char *host;   /* the host (for URLs too) */
	const char *domain; /* the registrable domain of host, or NULL (IPs) */
	int is_ip;          /* host is an IPv4 literal (dotted quad) or "[IPv6]" */
	/* the answer */
	enum sl_prov_status status;
	enum sl_url_rep verdict;       /* LISTED: SL_REP_SUSPICIOUS or SL_REP_MALICIOUS */
	char *detail;                  /* LISTED: source detail ("SOCIAL_ENGINEERING") */
	char *category;                /* LISTED: for people ("phishing") */
	int64_t ttl;                   /* seconds the answer may be kept */
	char *error;                   /* FAILED: for the log */
	int64_t asked_us, answered_us; /* monotonic, for the latency */
	void *priv;                    /* the provider's, for the duration of one lookup */
};

/* ttl < 0: the configured default (reputation.cache_positive_ttl for
 * listings, reputation.cache_negative_ttl otherwise). A listing with a
 * worse verdict replaces an earlier one; otherwise the first answer stays. */
void sl_prov_listed(struct sl_prov_query *q, enum sl_url_rep verdict, const char *detail,
		    const char *category, int64_t ttl);
void sl_prov_not_listed(struct sl_prov_query *q, int64_t ttl);
void sl_prov_failed(struct sl_prov_query *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sl_prov_skip(struct sl_prov_query *q);

struct sl_provider_ops {
	const char *kind;  /* source prefix: "webrisk", "safebrowsing", "urlhaus", "dbl" */
	const char *label; /* for people: "Google Web Risk" */
	unsigned scopes;   /* SL_PROV_URL | SL_PROV_HOST */
	/* Starts look-ups of q[0..n) on loop (none of them answered from the
	 * cache); callbacks answer them while the loop runs. */
	void (*start)(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q,
		      size_t n);
	void (*free)(void *state);
};

/* Builds every configured provider. *out is NULL when none is configured. */
int sl_providers_new(const struct sl_config *cfg, struct sl_providers **out, char **why);
struct sl_providers *sl_providers_free(struct sl_providers *p); /* returns NULL */

/* An empty set with cfg's budget, limits and cache; providers are added with
 * sl_providers_add() (sl_providers_new uses it; tests add their own). */
int sl_providers_empty(const struct sl_config *cfg, struct sl_providers **out, char **why);
/* Takes state (freed with ops->free). name: the instance name (copied). */
void sl_providers_add(struct sl_providers *p, const char *name, const struct sl_provider_ops *ops,
		      void *state);

/* Settings the provider modules read while building themselves. */
const struct sl_config *sl_providers_config(const struct sl_providers *p);

/* ---- batches ---- */

struct sl_prov_batch *sl_prov_batch_new(void);
struct sl_prov_batch *sl_prov_batch_free(struct sl_prov_batch *b); /* returns NULL */
/* Adds a URL to judge with the caller's tag (e.g. its index in msg->urls).
 * url: normalised (urlnorm.h); extra_host: a second host to judge (the other
 * reading of an ambiguous URL), or NULL. Hosts are judged for any scheme with
 * a host, URLs for http and https. SL_EINVAL when there is nothing to ask. */
int sl_prov_batch_add(struct sl_prov_batch *b, size_t tag, const char *url, const char *extra_host);

int sl_providers_lookup(struct sl_providers *p, struct sl_prov_batch *b, const char *id);

/* After lookup: what the providers listed. Strings belong to the batch. */
struct sl_prov_hit {
	size_t tag;
	enum sl_url_rep verdict;
	const char *source; /* "webrisk:SOCIAL_ENGINEERING" */
	const char *reason; /* "Google Web Risk lists the link as SOCIAL_ENGINEERING" */
};
size_t sl_prov_batch_nhits(const struct sl_prov_batch *b);
const struct sl_prov_hit *sl_prov_batch_hit(const struct sl_prov_batch *b, size_t i);
/* How many provider answers for tag were missing (failed, timed out, skipped). */
size_t sl_prov_batch_unanswered(const struct sl_prov_batch *b, size_t tag);

/* ---- state, for /metrics and /healthz ---- */

#define SL_PROV_LATENCY_BUCKETS 10
/* Upper bounds (seconds) of the latency histogram buckets; the last is +Inf. */
extern const double sl_prov_latency_bounds[SL_PROV_LATENCY_BUCKETS];

struct sl_prov_stats {
	const char *name; /* borrowed from the set */
	const char *kind;
	int down;       /* backing off after failures */
	uint64_t asked; /* queries sent */
	uint64_t listed, not_listed, failed, timeouts, skipped, cache_hits;
	uint64_t latency[SL_PROV_LATENCY_BUCKETS]; /* answers by latency, not cumulative */
	double latency_sum;                        /* seconds */
	int64_t last_ok, last_failure;             /* unix seconds, 0: never */
	char last_error[160];
};
size_t sl_providers_count(const struct sl_providers *p);
/* Copies the stats of provider i (0 <= i < count). */
void sl_providers_stats(struct sl_providers *p, size_t i, struct sl_prov_stats *out);
/* The cache's counters (provcache.h). */
struct sl_provcache_stats;
void sl_providers_cache_stats(struct sl_providers *p, struct sl_provcache_stats *out);

/* ---- helpers for the provider modules ---- */

/* The key of prefix: "<prefix>_key" or the file "<prefix>_key_file" (one of
 * the two; a file others may read, or an inline key in a conf others may
 * read, is refused). *key NULL when neither is set. */
int sl_prov_read_key(const struct sl_config *cfg, const char *prefix, char **key, char **why);
/* Checks an API base URL of config key `key`: https, or http to 127.0.0.0/8
 * with general.allow_insecure_loopback. *allow_http says which. The base is
 * returned without its trailing '/' (caller frees). */
int sl_prov_base_url(const struct sl_config *cfg, const char *key, char **base, int *allow_http,
		     char **why);
/* Both of a service: the base URL of "<prefix>_url" (sl_prov_base_url) and
 * the key of "<keyprefix>_key[_file]" (sl_prov_read_key), which must be set
 * when the URL is. */
int sl_prov_endpoint(const struct sl_config *cfg, const char *prefix, const char *keyprefix,
		     char **base, int *allow_http, char **key, char **why);
/* The verdict of a Google threat type: suspicious when listed in
 * reputation.suspicious_threat_types, else malicious. */
enum sl_url_rep sl_prov_threat_verdict(const struct sl_config *cfg, const char *type);
/* "300s", "3.5s" -> whole seconds (rounded down); -1 when not a duration. */
int64_t sl_prov_parse_duration(const char *s);
/* An HTTP reply that is not 200, for the log: "HTTP 429: Quota exceeded". */
char *sl_prov_http_error(const struct sl_prov_http_reply *r);

#endif
