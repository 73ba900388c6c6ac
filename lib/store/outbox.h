/*
 * outbox - what goes to the contact-center platform (table wa_outbox): one
 * row per item (a scanned message, a status, a release), retried until the
 * platform takes it, across restarts.
 *
 * Exactly once: each row has a unique key (whatsapp.h: "wa:WAMID",
 * "status:...", "release:REF"); sl_outbox_put_tx inserts it only when the
 * key is new, in the caller's transaction (the worker's: the quarantine item
 * and the row commit together; a duplicate of a message Meta sent again is
 * neither kept nor queued a second time). Rows that were sent stay (without
 * their body) for whatsapp.retry_days + 1 days, as long as Meta may retry
 * a webhook, then sl_outbox_purge removes them.
 *
 * The sender takes due rows with a lease (sl_outbox_take), POSTs them, and
 * records each outcome (sl_outbox_settle): sent, or tried again after
 * retry_min x 2^(attempts-1), at most retry_max, give or take a tenth;
 * past the retry window or max_attempts the row is a dead letter (state
 * dead, an audit row "dead-letter"). A supervisor lists the rows
 * (sl_outbox_list) and sends a dead letter again (sl_outbox_retry: pending
 * now, the window starts again, an audit row). A crash between the
 * platform's 200 and sl_outbox_settle sends the row again with the same
 * delivery id: the platform can tell (README).
 *
 * Errors: SL_ETEMP, SL_EIO from the store; SL_ENOTFOUND, SL_ECONFLICT for
 * a retry of a row that is not there or not dead; *why for people.
 */
#ifndef SL_OUTBOX_H
#define SL_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct sl_outbox_msg {
	const char *key;  /* unique */
	const char *kind; /* message, status, errors, other, release */
	const char *ref;  /* the quarantine item, or NULL */
	const char *delivery_id;
	const void *body;
	size_t len;
};

/* Queues m unless its key is there; *inserted (may be NULL) says which. */
int sl_outbox_put_tx(struct sl_store_tx *tx, const struct sl_outbox_msg *m, int64_t now_ms,
		     int *inserted, char **why);
int sl_outbox_put(struct sl_store *st, const struct sl_outbox_msg *m, int64_t now_ms, int *inserted,
		  char **why);
/* 1 in *has when a row with this key exists (any state). */
int sl_outbox_has(struct sl_store *st, const char *key, int *has, char **why);

/* ---- the sender ------------------------------------------------------------- */

struct sl_outbox_row {
	int64_t id;
	char *key;
	char *delivery_id;
	unsigned char *body;
	size_t len;
	int64_t attempts; /* failed attempts so far */
	int64_t created;
};

int sl_outbox_take(struct sl_store *st, const char *owner, int64_t now_ms, int64_t lease_ms,
		   size_t max, struct sl_outbox_row **rows, size_t *n, char **why);
void sl_outbox_rows_free(struct sl_outbox_row *rows, size_t n);

struct sl_outbox_policy {
	int64_t retry_min_ms, retry_max_ms;
	int64_t window_ms;    /* whatsapp.retry_days */
	int64_t max_attempts; /* 0: only the window */
};

struct sl_outbox_result {
	const struct sl_outbox_row *row;
	int ok;            /* the platform took it */
	const char *error; /* else why not, for people */
};

/* Records n outcomes in one transaction; *dead (may be NULL) counts the
 * rows that became dead letters. */
int sl_outbox_settle(struct sl_store *st, const struct sl_outbox_result *r, size_t n,
		     const struct sl_outbox_policy *p, int64_t now_ms, size_t *dead, char **why);
/* The earliest next_at of a pending row nobody holds, or -1 when none. */
int sl_outbox_next_due(struct sl_store *st, int64_t now_ms, int64_t *at_ms, char **why);
/* Gives back rows an earlier run of this gateway held (see inbox.h). */
int sl_outbox_release_owner(struct sl_store *st, const char *node, char **why);
/* Removes sent rows done before before_ms. */
int sl_outbox_purge(struct sl_store *st, int64_t before_ms, size_t *n, char **why);

/* ---- supervisors ------------------------------------------------------------ */

struct sl_outbox_entry {
	int64_t id;
	char *key, *kind, *ref, *state, *delivery_id, *last_error;
	int64_t created, attempts, next_at, done_at;
};

/* Rows in state (NULL: any), newest first, at most limit (0: 1000). */
int sl_outbox_list(struct sl_store *st, const char *state, int64_t limit,
		   struct sl_outbox_entry **out, size_t *n, char **why);
void sl_outbox_entries_free(struct sl_outbox_entry *v, size_t n);
/* A dead letter sent again: pending now, attempts and window from zero. */
int sl_outbox_retry(struct sl_store *st, int64_t id, int64_t now_ms, const char *actor, char **why);

#endif
