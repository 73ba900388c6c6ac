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
 * Persistence goes through a hook (struct sl_provcache_store: load every
 * entry at open, replace them all at save) so that the store can take it
 * over. The one implemented here is a file, one JSON object a line, written
 * atomically (temporary file, fsync, rename, fsync of the folder), mode 0600:
 * it holds URLs customers were sent. Expired entries are dropped at load and
 * at save; unreadable lines are skipped.
 *
 * Sharing: sl_provcache_open() returns the one cache of a path (reference
 * counted), so that an engine reload keeps its cache warm without reading
 * the file again; the last sl_provcache_close() saves and frees it.
 *
 * Threads: every call takes the cache's mutex; sl_provcache_save() holds it
 * while it writes (call it off the message path).
 *
 * Errors: load and save problems are logged (warning) and never stop the
 * cache: it works in memory only.
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

/* The persistence hook. load calls add for every stored entry; save replaces
 * what is stored by e[0..n). Both return 0 or SL_E* with *why (caller frees). */
struct sl_provcache_store {
	void *ctx;
	int (*load)(void *ctx, void (*add)(void *arg, const struct sl_provcache_entry *e),
		    void *arg, char **why);
	int (*save)(void *ctx, const struct sl_provcache_entry *const *e, size_t n, char **why);
	void (*free)(void *ctx);
};

/* A cache with its own store (taken; NULL: memory only); loads it now. */
struct sl_provcache *sl_provcache_new(size_t capacity, struct sl_provcache_store *store);
struct sl_provcache *sl_provcache_free(struct sl_provcache *c); /* saves first; returns NULL */

/* The shared cache persisted in file path (NULL: memory only, shared too);
 * capacity replaces the running one's. Pair with sl_provcache_close(). */
struct sl_provcache *sl_provcache_open(const char *path, size_t capacity);
struct sl_provcache *sl_provcache_close(struct sl_provcache *c); /* returns NULL */

/* The file store (the hook's implementation until the store takes over). */
struct sl_provcache_store *sl_provcache_file_store(const char *path);

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
/* Adds or replaces e (copied); ignored when e->expires <= now. */
void sl_provcache_put(struct sl_provcache *c, const struct sl_provcache_entry *e, int64_t now);

/* Writes the live entries through the store now. */
int sl_provcache_save(struct sl_provcache *c);

struct sl_provcache_stats {
	size_t entries, capacity;
	uint64_t hits, misses, evictions;
};
void sl_provcache_stats(struct sl_provcache *c, struct sl_provcache_stats *out);

#endif
