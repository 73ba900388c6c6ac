/*
 * store_pass - the once-only pass of a released message (store.h,
 * sl_store_release_pass): one row per release header in release_passes,
 * inserted with ON CONFLICT DO NOTHING in the transaction that also checks
 * the item and writes the audit row. Two milters (threads, processes or
 * gateways on one PostgreSQL) seeing the same header race on the primary key;
 * exactly one inserts.
 */
#include <glib.h>

#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct pass_ctx {
	struct sl_store *st;
	const char *ref, *by, *msg_id, *actor;
	int64_t at, now;
	int found, passed;
	char *status;   /* the item's status */
	char *refused;  /* why it did not pass, for people */
};

static int status_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct pass_ctx *p = ctx;
	p->found = 1;
	free(p->status);
	p->status = n > 0 ? sl_sql_strdup(&c[0]) : NULL;
	return 0;
}

static int earlier_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct pass_ctx *p = ctx;
	char when[32];
	char *gw = sl_sql_strdup(&c[1]), *id = sl_sql_strdup(&c[2]);
	sl_time_iso(c[0].i, when);
	free(p->refused);
	p->refused = sl_xasprintf("the release header of %s already let a message pass at %s on %s (queue id %s): "
				  "a replay",
				  p->ref, when, gw ? gw : "?", id ? id : "?");
	free(gw);
	free(id);
	return 0;
}

static int audit(struct sl_store_tx *tx, struct pass_ctx *p, const char *outcome, char **why)
{
	struct sl_audit a = { 0 };
	char when[32];
	char *detail;
	int rc;
	sl_time_iso(p->at, when);
	detail = sl_xasprintf("queue id %s; released by %s at %s", p->msg_id, p->by, when);
	a.at = p->now;
	a.actor = (char *)p->actor;
	a.action = "release-pass";
	a.ref = (char *)p->ref;
	a.outcome = (char *)outcome;
	a.detail = detail;
	rc = sl_store_tx_audit(tx, p->st, &a, why);
	free(detail);
	return rc;
}

static int pass_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct pass_ctx *p = ctx;
	struct sl_sqlval k[1] = { sl_sql_text(p->ref) };
	struct sl_sqlval v[6] = { sl_sql_text(p->ref),	  sl_sql_int(p->at),	 sl_sql_text(p->by),
				  sl_sql_int(p->now),	  sl_sql_text(p->msg_id), sl_sql_text(sl_store_node(p->st)) };
	int64_t changes = 0;
	int rc;
	char *o;

	p->found = p->passed = 0;
	free(p->refused);
	p->refused = NULL;
	rc = sl_store_exec(tx, "SELECT status FROM items WHERE ref = $1", k, 1, status_row, p, NULL, why);
	if (rc != SL_OK)
		return rc;
	if (!p->found) {
		*why = sl_xasprintf("no item %s in the quarantine", p->ref);
		return SL_ENOTFOUND;
	}
	if (p->status != NULL && (strcmp(p->status, "deleted") == 0 || strcmp(p->status, "expired") == 0)) {
		p->refused = sl_xasprintf("%s was %s: its release header no longer lets a message pass", p->ref,
					  p->status);
	} else {
		rc = sl_store_exec(tx,
				   "INSERT INTO release_passes (ref, released_at, released_by, passed_at, msg_id, gateway) "
				   "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
				   v, 6, NULL, NULL, &changes, why);
		if (rc != SL_OK)
			return rc;
		if (changes == 1) {
			p->passed = 1;
			return audit(tx, p, "ok", why);
		}
		rc = sl_store_exec(tx, "SELECT passed_at, gateway, msg_id FROM release_passes WHERE ref = $1 "
				       "AND released_at = $2",
				   v, 2, earlier_row, p, NULL, why);
		if (rc != SL_OK)
			return rc;
		if (p->refused == NULL)
			p->refused = sl_xasprintf("the release header of %s already let a message pass", p->ref);
	}
	o = sl_xasprintf("refused: %s", p->refused);
	rc = audit(tx, p, o, why);
	free(o);
	return rc;
}

int sl_store_release_pass(struct sl_store *st, const char *ref, int64_t at, const char *by, const char *msg_id,
			  const char *actor, char **why)
{
	struct pass_ctx p = { 0 };
	int rc;
	p.st = st;
	p.ref = ref;
	p.at = at;
	p.by = by ? by : "";
	p.msg_id = msg_id && *msg_id ? msg_id : "unknown";
	p.actor = actor;
	p.now = (int64_t)time(NULL);
	rc = sl_store_tx(st, pass_fn, &p, why);
	if (rc == SL_OK && !p.passed) {
		*why = p.refused;
		p.refused = NULL;
		rc = SL_ECONFLICT;
	}
	free(p.refused);
	free(p.status);
	return rc;
}
