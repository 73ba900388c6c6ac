/*
 * store - the quarantine: every message sluice did not deliver untouched,
 * kept with what was found in it, findable by reference, releasable once,
 * and an append-only audit trail of who did what.
 *
 * One interface, two backends chosen by store.backend (store_driver.h):
 *  - sqlite      (default) one file, data_dir/quarantine.db, WAL, synchronous
 *                commits: nothing to set up; several processes of one host.
 *  - postgresql  store.dsn (+ store.password_file): one quarantine for several
 *                gateways. The bytes are in the database (bytea), so every
 *                gateway reaches every item.
 * The bytes of an item (original and rewritten copy) are in the database with
 * both backends, written in the same transaction as the item: an item is there
 * whole or not at all, whatever crashes when.
 *
 * The schema is versioned: lib/store/migrations/<backend>/NNNN_name.sql, embedded at
 * build time, applied in order by sl_store_open() (sluicectl store init, the
 * daemon's start, sluicectl scan) under a lock, each in a transaction. A
 * database newer than this sluice is refused. A new table is one migration
 * per backend plus its functions over sl_store_tx()/sl_store_exec().
 *
 * Threads: a store is shared; it keeps a pool of connections (one per thread
 * at a time, at most store.max_connections). A connection that broke (the
 * database restarted) is dropped and the transaction tried once more on a
 * fresh one.
 *
 * Life of an item: held -> released | deleted | expired; released -> deleted
 * | expired (the bytes go, the row and the audit stay). A release claims a
 * held item first (sl_store_claim: atomic, at most one claim at a time, with
 * a lease), sends it, then records it (sl_store_claim_done) or gives the claim
 * back (sl_store_claim_drop). A claim whose lease ran out (a gateway crashed
 * while releasing) no longer blocks the item; the next claim reports it so
 * that the supervisor knows the relay may already have the message.
 *
 * Errors: 0 or SL_E*, *why for people (caller frees): SL_ENOTFOUND no such
 * item; SL_ECONFLICT not in a state that allows it (*now tells which);
 * SL_ETEMP the database is busy or unreachable (try again, nothing was
 * written); SL_EIO the disk refused (full, read-only); SL_ECONFIG bad keys.
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"
#include "store_driver.h"
#include "store_ref.h"

struct sl_store;
struct sl_store_tx;

enum sl_item_status { SL_ITEM_HELD, SL_ITEM_RELEASED, SL_ITEM_DELETED, SL_ITEM_EXPIRED };

struct sl_item {
	char ref[SL_REF_LEN + 1];
	enum sl_channel channel;
	int64_t received;          /* unix seconds */
	char *sender;              /* envelope sender (or From address); "" unknown */
	char **recipients;         /* NULL-terminated; envelope recipients (or To/Cc) */
	char *subject;             /* subject, or a message's first line; UTF-8, clipped */
	char *msg_id;              /* queue id, file name or webhook message id */
	char *gateway;             /* general.node_name of the sluice that kept it */
	enum sl_verdict verdict;
	char *report;              /* JSON object as `sluicectl scan --json` prints it */
	enum sl_item_status status;
	int64_t expires;           /* the bytes go after this */
	int64_t status_at;         /* last change of status (0: never changed) */
	char *status_by, *status_reason;
	int64_t original_size;
	char original_sha256[65];
	int64_t rewritten_size;    /* -1: no rewritten copy */
	int64_t purged_at;         /* when the bytes were removed; 0: still there */
	char *claim_by;            /* a release under way (or interrupted), or NULL */
	int64_t claim_at, claim_until;
};

struct sl_item_filter {
	int status;                /* enum sl_item_status, or -1 for any */
	int channel;               /* enum sl_channel, or -1 */
	const char *sender;        /* substring, case-insensitive, or NULL */
	int64_t since;             /* received at or after (0: any) */
	int64_t limit;             /* most items, newest first (0: 1000) */
};

struct sl_audit {
	int64_t id;
	int64_t at;
	char *actor;               /* "alice (uid 1001)", "sluiced", ... */
	char *action;              /* keep, release, delete, expire, show-raw, denied, ... */
	char *ref;                 /* or NULL */
	char *reason;              /* as the supervisor gave it, or NULL */
	char *outcome;             /* "ok", "refused: ...", "failed: ..." */
	char *detail;              /* or NULL */
	char *gateway;
};

/* Opens the store store.backend names and brings its schema up to date.
 * password: the PostgreSQL password already read (the daemon reads secrets
 * before giving up root), or NULL to read store.password_file here. */
int sl_store_open(const struct sl_config *cfg, const char *password, struct sl_store **out, char **why);
struct sl_store *sl_store_close(struct sl_store *st); /* returns NULL */
/* "sqlite /var/lib/sluice/quarantine.db", "postgresql dbname=... host=..." (no secrets). */
const char *sl_store_describe(const struct sl_store *st);
const char *sl_store_node(const struct sl_store *st); /* general.node_name, or the host name */
/* The schema version in the database and the newest this build knows. */
int sl_store_schema(struct sl_store *st, int *have, int *latest, char **why);

/* Reads store.password_file: owner-only permissions (no group or other
 * bits), one line. *out NULL when the key is empty. */
int sl_store_read_password(const struct sl_config *cfg, char **out, char **why);

/* ---- items -------------------------------------------------------------- */

/* Keeps an item with its bytes (rewritten may be NULL) and an audit row
 * "keep" by actor. it->status, status_*, purged_at and claim_* are ignored.
 * Text fields are stored as valid UTF-8 (other bytes become U+FFFD). */
int sl_store_put(struct sl_store *st, const struct sl_item *it, const unsigned char *original, size_t olen,
		 const unsigned char *rewritten, size_t rlen, const char *actor, char **why);
/* The same inside the caller's transaction: SL_ECONFLICT when the reference
 * is taken (the transaction should then be rolled back). */
int sl_store_put_tx(struct sl_store_tx *tx, const struct sl_item *it, const unsigned char *original, size_t olen,
		    const unsigned char *rewritten, size_t rlen, const char *actor, char **why);
/* The store a transaction belongs to. */
struct sl_store *sl_store_tx_store(struct sl_store_tx *tx);
int sl_store_get(struct sl_store *st, const char *ref, struct sl_item **out, char **why);
int sl_store_list(struct sl_store *st, const struct sl_item_filter *f, struct sl_item ***out, size_t *n,
		  char **why);
/* The original (rewritten = 0) or rewritten copy; SL_ENOTFOUND when the item
 * has none (never rewritten, or deleted/expired). */
int sl_store_bytes(struct sl_store *st, const char *ref, int rewritten, unsigned char **data, size_t *len,
		   char **why);
struct sl_item *sl_item_free(struct sl_item *it);
void sl_items_free(struct sl_item **v, size_t n);

/* Deletes a held or released item's bytes: status deleted, audit row. A
 * claimed item (release under way) is SL_ECONFLICT; *now (may be NULL) gets
 * the item as it is afterwards, or as it was when refused. */
int sl_store_delete(struct sl_store *st, const char *ref, const char *actor, const char *reason,
		    struct sl_item **now, char **why);

/* Claims a held item for release until now + lease seconds. token (filled
 * in) identifies the claim. SL_ECONFLICT when it is not held or another
 * claim is live; *now (may be NULL) gets the item as it was when claimed or
 * refused: its claim_* fields tell of an interrupted earlier release. */
int sl_store_claim(struct sl_store *st, const char *ref, const char *actor, int64_t lease,
		   char token[SL_REF_LEN + 1], struct sl_item **now, char **why);
/* The claimed release went out: status released, by actor, with an audit row. */
int sl_store_claim_done(struct sl_store *st, const char *ref, const char *token, const char *actor,
			const char *reason, const char *detail, char **why);
/* The claimed release did not go out: the item is held again, audit row with
 * the outcome ("failed: relay said ..."). */
int sl_store_claim_drop(struct sl_store *st, const char *ref, const char *token, const char *actor,
			const char *reason, const char *outcome, char **why);

/* Removes the bytes of every item whose expiry is before now; held items
 * become expired; one audit row each. *count (may be NULL) gets how many. */
int sl_store_expire(struct sl_store *st, int64_t now, const char *actor, size_t *count, char **why);

/* ---- audit -------------------------------------------------------------- */

/* Appends one row (a->id, a->at and a->gateway are filled in when 0/NULL). */
int sl_store_audit(struct sl_store *st, const struct sl_audit *a, char **why);
/* Rows for ref (NULL: all), oldest first, at most limit (0: 1000). */
int sl_store_audit_list(struct sl_store *st, const char *ref, int64_t limit, struct sl_audit **out,
			size_t *n, char **why);
void sl_audit_free(struct sl_audit *v, size_t n);

/* ---- for the front ends -------------------------------------------------- */

/* What the front end knows of a message beyond its bytes; NULL fields are
 * taken from the message (From; To and Cc; Subject; msg->id). */
struct sl_envelope {
	const char *sender;        /* MAIL FROM */
	char *const *recipients;   /* RCPT TO, NULL-terminated */
	const char *subject;       /* WhatsApp: a first line; e-mail: from the header */
	const char *msg_id;        /* queue id, wamid */
	const unsigned char *original; /* the bytes to keep (WhatsApp: the message and its
					* media), or NULL: msg->raw */
	size_t original_len;
};

/* Gives a scanned message a fresh reference (msg->reference) unless it has
 * one: call it before the rewrite, so that notices and placeholders name it. */
void sl_store_reference(struct sl_msg *m);
/* Keeps m (its raw bytes, its scan as JSON, the rewritten copy when there is
 * one) under m->reference, with an audit row by actor. The item expires
 * after quarantine.retention_days. A failure means nothing was kept: the
 * front end must not deliver a rewritten copy or placeholder naming it. */
int sl_store_keep(struct sl_store *st, const struct sl_config *cfg, struct sl_msg *m, const struct sl_envelope *env,
		  const unsigned char *rewritten, size_t rlen, const char *actor, char **why);
/* The same inside the caller's transaction (sl_store_tx), so that keeping a
 * message and what depends on it (the WhatsApp outbox row) commit together. */
int sl_store_keep_tx(struct sl_store_tx *tx, const struct sl_config *cfg, struct sl_msg *m,
		     const struct sl_envelope *env, const unsigned char *rewritten, size_t rlen, const char *actor,
		     char **why);

/* A released message came back through a milter with a valid release
 * header (release.h: reference ref, released by `by` at `at`): records that
 * it passed, once per release header across every gateway on this store
 * (table release_passes, migration 0002), with an audit row "release-pass"
 * by actor. SL_OK: let it pass. SL_ECONFLICT (*why for the log): this header
 * already passed (a replay), or the item was deleted or expired; the refusal
 * is audited too. SL_ENOTFOUND: no such item. Other codes: the store failed
 * (nothing recorded: a temporary failure). */
int sl_store_release_pass(struct sl_store *st, const char *ref, int64_t at, const char *by, const char *msg_id,
			  const char *actor, char **why);

/* ---- the names of things ------------------------------------------------ */

const char *sl_item_status_name(enum sl_item_status s);
int sl_item_status_parse(const char *s, enum sl_item_status *out);
int sl_channel_parse(const char *s, enum sl_channel *out);
const char *sl_channel_name(enum sl_channel c);
int sl_verdict_parse(const char *s, enum sl_verdict *out);

/* ---- for the modules that add tables ------------------------------------ */

/* Runs fn inside one write transaction on one connection: committed when fn
 * returns 0, rolled back otherwise (fn's code and *why are returned). Tried once more
 * on a fresh connection when the first one broke. fn must not keep anything
 * it would need to undo on a retry. */
int sl_store_tx(struct sl_store *st, int (*fn)(struct sl_store_tx *tx, void *ctx, char **why), void *ctx,
		char **why);
/* The same, going before this process's other writers that wait for the
 * write lock (SQLite takes one writer at a time): for work someone waits on,
 * such as the webhook's commits, while background writers queue behind. */
int sl_store_tx_urgent(struct sl_store *st, int (*fn)(struct sl_store_tx *tx, void *ctx, char **why), void *ctx,
		       char **why);
/* Appends an audit row inside fn's transaction (kept or undone with it). */
int sl_store_tx_audit(struct sl_store_tx *tx, struct sl_store *st, const struct sl_audit *a, char **why);
/* One statement inside fn ("$1", "$2" parameters); see store_driver.h. */
int sl_store_exec(struct sl_store_tx *tx, const char *sql, const struct sl_sqlval *params, size_t nparams,
		  sl_sql_row_fn row, void *rowctx, int64_t *changes, char **why);
/* One statement outside a transaction (reads). */
int sl_store_query(struct sl_store *st, const char *sql, const struct sl_sqlval *params, size_t nparams,
		   sl_sql_row_fn row, void *rowctx, char **why);

/* Parameter helpers. */
struct sl_sqlval sl_sql_int(int64_t v);
struct sl_sqlval sl_sql_text(const char *s); /* NULL: SQL NULL */
struct sl_sqlval sl_sql_blob(const void *p, size_t n);
/* A copy of a text column (NULL for SQL NULL). */
char *sl_sql_strdup(const struct sl_sqlval *v);

#endif
