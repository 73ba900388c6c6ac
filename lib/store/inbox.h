/*
 * inbox - the WhatsApp webhook's durable inbox (table wa_inbox): a payload
 * is on disk before the webhook answers 200, and everything after that is
 * asynchronous (workers take the rows, put what comes out of them in the
 * outbox, remove them).
 *
 * Group commit. sl_inbox_put() hands the payload to one writer thread and
 * waits; the writer commits whatever has arrived meanwhile in one
 * transaction (one fsync for SQLite, one round trip for PostgreSQL), then
 * wakes every waiter with the outcome. While a commit is on disk the next
 * requests gather, so the batch grows with the load by itself: at most
 * SL_INBOX_MAX_BATCH payloads or SL_INBOX_MAX_BATCH_BYTES a commit. A
 * failed commit fails each of its payloads (the webhook answers 503 and Meta
 * sends them again); nothing is answered before its commit returned.
 *
 * Handing rows over. The writer inserts a payload already taken by its own
 * gateway (owner, lease) and, once committed, hands it to the workers in
 * memory (sl_inbox_next): no second write to take it, so the workers do not
 * queue for the database's write lock behind the webhook. Past
 * SL_INBOX_QUEUE_MAX rows (or SL_INBOX_QUEUE_BYTES) waiting in memory, rows
 * are inserted free and wait for sl_inbox_take.
 *
 * Taking rows. Rows nobody holds -- left by a gateway that stopped, or past
 * the memory queue -- are taken up to n at once with a lease (sl_inbox_take:
 * one conditional update, so that two workers, or two gateways on one
 * PostgreSQL, never take the same row while its lease runs); a worker that
 * dies leaves its rows to the next taker when the lease runs out; a gateway
 * that restarts gives back at once the rows its earlier run had taken
 * (sl_inbox_release_owner: owners are "node/boot-id").
 *
 * Errors: SL_ETEMP (busy, database down), SL_EIO (disk), with *why.
 */
#ifndef SL_INBOX_H
#define SL_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SL_INBOX_MAX_BATCH 4096
#define SL_INBOX_MAX_BATCH_BYTES (32u << 20)
#define SL_INBOX_QUEUE_MAX 20000
#define SL_INBOX_QUEUE_BYTES (256u << 20)

struct sl_inbox;
struct sl_inbox_row;

/* Starts the writer thread over st (which must outlive the inbox). With an
 * owner, committed rows are taken by it for lease_ms and handed over by
 * sl_inbox_next; without (NULL), they are left for sl_inbox_take. */
int sl_inbox_new(struct sl_store *st, const char *owner, int64_t lease_ms, struct sl_inbox **out,
		 char **why);
/* Commits what is queued, stops the writer; returns NULL. */
struct sl_inbox *sl_inbox_free(struct sl_inbox *ib);

/* Keeps a payload (borrowed until it returns); returns once committed. */
int sl_inbox_put(struct sl_inbox *ib, const void *body, size_t len, char **why);

/* Up to max rows committed and not handed out yet, waiting up to timeout_ms
 * for one; 0 on the timeout or once sl_inbox_stop was called. *rows is
 * malloc'd (sl_inbox_rows_free). For workers. */
size_t sl_inbox_next(struct sl_inbox *ib, size_t max, int timeout_ms, struct sl_inbox_row **rows);
/* The door is stopping: sl_inbox_next returns 0 at once, sl_inbox_put
 * refuses (SL_ETEMP); what is queued is still committed. */
void sl_inbox_stop(struct sl_inbox *ib);

struct sl_inbox_stats {
	uint64_t payloads; /* committed */
	uint64_t commits;  /* transactions */
	uint64_t failed;   /* payloads whose commit failed */
	uint64_t largest;  /* most payloads in one commit */
	uint64_t queued;   /* rows waiting in memory for the workers */
};
void sl_inbox_stats(struct sl_inbox *ib, struct sl_inbox_stats *out);

/* ---- workers ---------------------------------------------------------------- */

struct sl_inbox_row {
	int64_t id;
	unsigned char *body;
	size_t len;
	int64_t attempts; /* takes so far, this one included */
};

/* Takes up to max rows free to take (oldest first) for owner until now +
 * lease_ms. *rows is malloc'd (sl_inbox_rows_free). */
int sl_inbox_take(struct sl_store *st, const char *owner, int64_t now_ms, int64_t lease_ms,
		  size_t max, struct sl_inbox_row **rows, size_t *n, char **why);
void sl_inbox_rows_free(struct sl_inbox_row *rows, size_t n);
/* Leaves a row alone until until_ms (its processing failed for now). */
int sl_inbox_postpone(struct sl_store *st, int64_t id, int64_t until_ms, char **why);
/* Removes a row, in the transaction that put what came out of it in the outbox. */
int sl_inbox_done_tx(struct sl_store_tx *tx, int64_t id, char **why);
/* Gives back the rows taken by an earlier run of this gateway: owners that
 * start with node + "/". */
int sl_inbox_release_owner(struct sl_store *st, const char *node, char **why);
/* Rows waiting (taken or not). */
int sl_inbox_count(struct sl_store *st, int64_t *n, char **why);

#endif
