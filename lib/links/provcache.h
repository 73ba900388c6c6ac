/*
 * provcache - the answers of the live reputation providers (provider.h),
 * kept with their lifetimes: listings and "not listed" alike, in memory,
 * bounded, shared by every thread, and persisted so that a restart does not
 * ask again.
 *
 * An entry is (provider, scope, key) -> listed or not, the verdict, detail
 * and category of a listing, and the wall-clock second it expires. A get
 * past that second misses (and drops the entry). The cache holds at most
 * `capacity` entries (reputation.cache_entries); past that the least
 * recently used goes. Capacity 0 keeps nothing.
 *
 * Persistence goes through a hook, struct sl_provcache_store: load the live
 * entries, upsert a batch, delete the expired ones. libsluice does not know
 * who implements it: the front end that has a store connects one
 * (repcache.h: the quarantine store's reputation_cache table, SQLite or
 * PostgreSQL). With no hook the cache is memory only (`sluicectl scan
 * --no-store`, tests, benchmarks): a dry run writes nothing.
 * Entries are loaded when the hook is connected (or the cache opened with
 * one), the longest-lived first, at most capacity of them. New answers are
 * queued and written by a thread of the hook's own, in batches, as they
 * arrive (the first of a batch waits at most SL_PROVCACHE_LINGER_MS for the
 * rest, so that a message's answers cost one commit): a look-up never waits
 * for the database, and a database that is
 * slow or down costs the cache its persistence, never a message its budget.
 * The queue holds at most SL_PROVCACHE_QUEUE_MAX entries (more are dropped
 * and counted); a failed write is logged at most once per
 * SL_PROVCACHE_LOG_INTERVAL seconds. The same thread deletes expired
 * entries from the store after its first write and every purge interval
 * (a process that never writes, such as a scan with no service
 * configured, never touches the store). Disconnecting
 * (or freeing) writes what is queued first.
 *
 * Sharing: sl_provcache_open() returns the one cache of the process
 * (reference counted), so that an engine reload keeps its cache warm; the
 * last sl_provcache_close() frees it. sl_provcache_persist() connects the
 * process's hook: to the shared cache when it is open, and to the one that
 * opens later.
 *
 * Threads: every call may come from any thread; the cache's mutex guards
 * the memory, the hook's thread does the writing.
 *
 * Errors: load, write and purge problems are logged (warning) and never stop
 * the cache: it works in memory only.
 */
#ifndef SL_PROVCACHE_H
#define SL_PROVCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct sl_provcache;

/* One answer. Strings are borrowed in both directions. */
struct sl_provcache_entry {
	const char *provider; /* instance name, e.g. "webrisk", "dbl:dbl.example.test" */
	char scope;           /* 'u': a URL, 'h': a host */
	const char *key;      /* the normalised URL or the host */
	int listed;
	enum sl_url_rep verdict; /* listed: SL_REP_SUSPICIOUS or SL_REP_MALICIOUS */
	const char
	    *detail; /* listed: "SOCIAL_ENGINEERING", "dbl.example.test=127.0.1.4"; else "" */
	const char *category; /* listed: for people ("phish"); else "" */
	int64_t expires;      /* unix seconds */
};

#define SL_PROVCACHE_QUEUE_MAX 10000
#define SL_PROVCACHE_BATCH 500
#define SL_PROVCACHE_LINGER_MS 200
#define SL_PROVCACHE_LOG_INTERVAL 300

/* The persistence hook. Every function returns 0 or SL_E* with *why (caller
 * frees). load may run on one thread while put or purge run on the hook's
 * writer thread: the implementation must allow that (the store does). */
struct sl_provcache_store {
	void *ctx;
	/* Calls add for the entries that live at now, longest-lived first, at
	 * most max of them. */
	int (*load)(void *ctx, int64_t now, size_t max,
		    void (*add)(void *arg, const struct sl_provcache_entry *e), void *arg,
		    char **why);
	/* Adds or replaces e[0..n), all or none. */
	int (*put)(void *ctx, const struct sl_provcache_entry *const *e, size_t n, char **why);
	/* Deletes the entries expired at now; *removed gets how many. */
	int (*purge)(void *ctx, int64_t now, size_t *removed, char **why);
	void (*free)(void *ctx);
};

/* A cache of its own with store (taken; NULL: memory only), loaded now;
 * expired entries are purged from store every purge_interval seconds. */
struct sl_provcache *sl_provcache_new(size_t capacity, struct sl_provcache_store *store,
				      int64_t purge_interval);
struct sl_provcache *sl_provcache_free(struct sl_provcache *c); /* writes first; returns NULL */

/* The process's shared cache; capacity replaces the running one's; persist 0
 * keeps it out of the hook (reputation.cache_persist = false). Pair with
 * sl_provcache_close(). */
struct sl_provcache *sl_provcache_open(size_t capacity, int persist);
struct sl_provcache *sl_provcache_close(struct sl_provcache *c); /* returns NULL */

/* Connects the process's hook (taken; NULL disconnects): the shared cache
 * loads from it now or when it opens, and writes to it from then on. The
 * hook it replaces gets what is queued, then is freed. */
void sl_provcache_persist(struct sl_provcache_store *store, int64_t purge_interval);

/* Waits until every answer queued so far is written (or failed). */
void sl_provcache_flush(struct sl_provcache *c);

/* 1 and *out filled (strings copied: caller frees detail and category) when
 * an entry lives at now; 0 on a miss. */
struct sl_provcache_hit {
	int listed;
	enum sl_url_rep verdict;
	char *detail;
	char *category;
	int64_t expires;
};
int sl_provcache_get(struct sl_provcache *c, const char *provider, char scope, const char *key,
		     int64_t now, struct sl_provcache_hit *out);
/* Adds or replaces e (copied) and queues it for the store; ignored when
 * e->expires <= now. */
void sl_provcache_put(struct sl_provcache *c, const struct sl_provcache_entry *e, int64_t now);

struct sl_provcache_stats {
	size_t entries, capacity;
	uint64_t hits, misses, evictions;
	/* the store: entries loaded, written, not written (errors, a full queue) */
	uint64_t loaded, written, unwritten;
	int persisted; /* a hook is connected */
};
void sl_provcache_stats(struct sl_provcache *c, struct sl_provcache_stats *out);

#endif
