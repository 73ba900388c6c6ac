/*
 * repcache - the quarantine store as the reputation cache's persistence
 * (provcache.h's hook): table reputation_cache (migration 0002), the same SQL
 * on SQLite and PostgreSQL, so that gateways sharing a PostgreSQL store
 * start with each other's answers.
 *
 *   load   SELECT of the rows that live at now, longest-lived first, at most max
 *   put    one transaction of upserts (INSERT ... ON CONFLICT DO UPDATE,
 *          many rows a statement; of several answers for one key in a batch
 *          the last is kept)
 *   purge  DELETE of the rows expired at now
 *
 * Entries whose key is longer than SL_REPCACHE_MAX_KEY bytes (PostgreSQL's
 * B-tree keeps index rows under ~2.7 kB) or not valid UTF-8 are not written:
 * they stay in memory only. Texts are clipped to SL_REPCACHE_MAX_TEXT bytes.
 *
 * Ownership: the hook borrows st, which must outlive it (the front ends
 * disconnect it with sl_provcache_persist(NULL, 0) before sl_store_close).
 * Errors: the store's (store.h), with *why.
 */
#ifndef SL_REPCACHE_H
#define SL_REPCACHE_H

#include "provcache.h"
#include "store.h"

#define SL_REPCACHE_MAX_KEY 2000
#define SL_REPCACHE_MAX_TEXT 400

/* A hook over st for sl_provcache_persist()/sl_provcache_new() (caller owns
 * it until it hands it over). */
struct sl_provcache_store *sl_repcache_store(struct sl_store *st);

/* What a front end with a store calls: connects the process's reputation
 * cache to st (loading its live answers; expired rows removed every
 * reputation.cache_purge_interval seconds), and disconnects it (what is
 * queued is written first) before it closes st. */
void sl_repcache_connect(struct sl_store *st, const struct sl_config *cfg);
void sl_repcache_disconnect(void);

#endif
