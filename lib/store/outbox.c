/* outbox - see outbox.h. */
#include <glib.h>

#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* inbox.c: gives back the rows of an earlier run (the same columns). */
int sl_wa_release_owner_of(struct sl_store *st, const char *table, const char *node, char **why);

/* ---- queueing ---------------------------------------------------------------- */

int sl_outbox_put_tx(struct sl_store_tx *tx, const struct sl_outbox_msg *m, int64_t now_ms,
		     int *inserted, char **why)
{
	struct sl_sqlval p[7] = {sl_sql_text(m->key),   sl_sql_text(m->kind),
				 sl_sql_text(m->ref),   sl_sql_text(m->delivery_id),
				 sl_sql_int(now_ms),    sl_sql_blob(m->body ? m->body : "", m->len),
				 sl_sql_text("pending")};
	int64_t changes = 0;
	int rc = sl_store_exec(tx,
			       "INSERT INTO wa_outbox (item_key, kind, ref, delivery_id, created, "
			       "state, body, next_at) "
			       "VALUES ($1, $2, CAST($3 AS TEXT), $4, $5, $7, $6, $5) ON CONFLICT "
			       "(item_key) DO NOTHING",
			       p, 7, NULL, NULL, &changes, why);
	if (inserted != NULL)
		*inserted = rc == SL_OK && changes > 0;
	return rc;
}

struct put_ctx {
	const struct sl_outbox_msg *m;
	int64_t now;
	int *inserted;
};

static int put_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct put_ctx *c = ctx;
	return sl_outbox_put_tx(tx, c->m, c->now, c->inserted, why);
}

int sl_outbox_put(struct sl_store *st, const struct sl_outbox_msg *m, int64_t now_ms, int *inserted,
		  char **why)
{
	struct put_ctx c = {m, now_ms, inserted};
	return sl_store_tx(st, put_fn, &c, why);
}

static int one_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	*(int *)ctx = 1;
	return 0;
}

int sl_outbox_has(struct sl_store *st, const char *key, int *has, char **why)
{
	struct sl_sqlval p[1] = {sl_sql_text(key)};
	*has = 0;
	return sl_store_query(st, "SELECT 1 FROM wa_outbox WHERE item_key = $1", p, 1, one_row, has,
			      why);
}

/* ---- the sender ------------------------------------------------------------- */

static int row_of(void *ctx, const struct sl_sqlval *c, size_t n)
{
	GArray *a = ctx;
	struct sl_outbox_row r = {0};
	if (n < 6)
		return SL_EINVAL;
	r.id = c[0].i;
	r.key = sl_sql_strdup(&c[1]);
	r.delivery_id = sl_sql_strdup(&c[2]);
	r.len = c[3].n;
	r.body = sl_xmalloc(r.len + 1);
	memcpy(r.body, c[3].p ? c[3].p : "", r.len);
	r.body[r.len] = '\0';
	r.attempts = c[4].i;
	r.created = c[5].i;
	g_array_append_val(a, r);
	return 0;
}

struct take_ctx {
	const char *owner;
	int64_t now, lease;
	size_t max;
	GArray *rows;
};

static void clear_rows(GArray *a)
{
	size_t i;
	for (i = 0; i < a->len; i++) {
		struct sl_outbox_row *r = &g_array_index(a, struct sl_outbox_row, i);
		free(r->key);
		free(r->delivery_id);
		free(r->body);
	}
	g_array_set_size(a, 0);
}

static int take_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct take_ctx *c = ctx;
	struct sl_sqlval p[4] = {sl_sql_text(c->owner), sl_sql_int(c->now + c->lease),
				 sl_sql_int(c->now), sl_sql_int((int64_t)c->max)};
	clear_rows(c->rows);
	return sl_store_exec(
	    tx,
	    "UPDATE wa_outbox SET taken_by = $1, taken_until = $2 "
	    "WHERE id IN (SELECT id FROM wa_outbox WHERE state = 'pending' AND next_at <= $3 "
	    "AND taken_until < $3 ORDER BY id LIMIT $4) "
	    "AND state = 'pending' AND taken_until < $3 "
	    "RETURNING id, item_key, delivery_id, body, attempts, created",
	    p, 4, row_of, c->rows, NULL, why);
}

static int cmp_row(const void *a, const void *b)
{
	const struct sl_outbox_row *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int sl_outbox_take(struct sl_store *st, const char *owner, int64_t now_ms, int64_t lease_ms,
		   size_t max, struct sl_outbox_row **rows, size_t *n, char **why)
{
	struct take_ctx c = {owner, now_ms, lease_ms, max,
			     g_array_new(FALSE, TRUE, sizeof(struct sl_outbox_row))};
	int rc = sl_store_tx(st, take_fn, &c, why);
	if (rc != SL_OK) {
		clear_rows(c.rows);
		g_array_free(c.rows, TRUE);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	g_array_sort(c.rows, cmp_row); /* RETURNING has no order: first queued, first sent */
	*n = c.rows->len;
	*rows = (struct sl_outbox_row *)g_array_free(c.rows, FALSE);
	return SL_OK;
}

void sl_outbox_rows_free(struct sl_outbox_row *rows, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(rows[i].key);
		free(rows[i].delivery_id);
		free(rows[i].body);
	}
	g_free(rows);
}

/* The wait before attempt number `failed` + 1: min x 2^(failed-1), capped,
 * with up to a tenth either way so that rows that failed together spread. */
static int64_t backoff(const struct sl_outbox_policy *p, int64_t failed)
{
	int64_t d = p->retry_min_ms;
	int64_t jitter;
	while (--failed > 0 && d < p->retry_max_ms)
		d *= 2;
	if (d > p->retry_max_ms)
		d = p->retry_max_ms;
	jitter = d / 10;
	if (jitter > 0)
		d += (int64_t)g_random_int_range(
			 0, (gint32)(2 * (jitter < G_MAXINT32 / 2 ? jitter : G_MAXINT32 / 2))) -
		     jitter;
	return d;
}

struct settle_ctx {
	const struct sl_outbox_result *r;
	size_t n;
	const struct sl_outbox_policy *p;
	int64_t now;
	unsigned char *dead;
};

static int settle_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct settle_ctx *c = ctx;
	size_t i;
	memset(c->dead, 0, c->n ? c->n : 1);
	for (i = 0; i < c->n && c->r != NULL; i++) {
		const struct sl_outbox_result *x = &c->r[i];
		int rc;
		if (x->ok) {
			struct sl_sqlval p[2] = {sl_sql_int(x->row->id), sl_sql_int(c->now)};
			rc = sl_store_exec(tx,
					   "UPDATE wa_outbox SET state = 'sent', body = NULL, "
					   "done_at = $2, taken_by = NULL, "
					   "taken_until = 0, last_error = NULL WHERE id = $1",
					   p, 2, NULL, NULL, NULL, why);
		} else {
			int64_t failed = x->row->attempts + 1;
			int give_up = c->now - x->row->created >= c->p->window_ms ||
				      (c->p->max_attempts > 0 && failed >= c->p->max_attempts);
			char *err = sl_clip(x->error ? x->error : "failed", 500);
			struct sl_sqlval p[5] = {sl_sql_int(x->row->id), sl_sql_int(failed),
						 sl_sql_int(c->now + backoff(c->p, failed)),
						 sl_sql_text(err),
						 give_up ? sl_sql_int(c->now) : sl_sql_text(NULL)};
			rc = sl_store_exec(tx,
					   give_up
					       ? "UPDATE wa_outbox SET attempts = $2, next_at = "
						 "$3, last_error = $4, "
						 "state = 'dead', done_at = $5, taken_by = NULL, "
						 "taken_until = 0 WHERE id = $1"
					       : "UPDATE wa_outbox SET attempts = $2, next_at = "
						 "$3, last_error = $4, "
						 "taken_by = NULL, taken_until = 0 WHERE id = $1",
					   p, give_up ? 5 : 4, NULL, NULL, NULL, why);
			c->dead[i] = give_up;
			free(err);
		}
		if (rc != SL_OK)
			return rc;
	}
	return SL_OK;
}

int sl_outbox_settle(struct sl_store *st, const struct sl_outbox_result *r, size_t n,
		     const struct sl_outbox_policy *p, int64_t now_ms, size_t *dead, char **why)
{
	struct settle_ctx c = {r, n, p, now_ms, sl_xcalloc(n ? n : 1, 1)};
	size_t i, k = 0;
	int rc = sl_store_tx(st, settle_fn, &c, why);
	for (i = 0; rc == SL_OK && i < n; i++) {
		struct sl_audit a = {0};
		char *detail, *w = NULL;
		if (!c.dead[i])
			continue;
		k++;
		detail = sl_xasprintf(
		    "outbox %lld (%s, delivery %s) given up after %lld attempts: %s",
		    (long long)r[i].row->id, r[i].row->key, r[i].row->delivery_id,
		    (long long)r[i].row->attempts + 1, r[i].error ? r[i].error : "failed");
		a.actor = "sluiced (outbox)";
		a.action = "dead-letter";
		a.outcome = "failed: the platform did not take it";
		a.detail = detail;
		if (sl_store_audit(st, &a, &w) != SL_OK)
			sl_log(SL_LOG_ERR, "outbox: cannot audit a dead letter: %s", w);
		sl_log(SL_LOG_ERR, "outbox: %s; `sluicectl outbox retry %lld` sends it again",
		       detail, (long long)r[i].row->id);
		free(w);
		free(detail);
	}
	if (dead != NULL)
		*dead = k;
	free(c.dead);
	return rc;
}

static int int_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	*(int64_t *)ctx = n > 0 && c[0].type == SL_SQL_INT ? c[0].i : -1;
	return 0;
}

int sl_outbox_next_due(struct sl_store *st, int64_t now_ms, int64_t *at_ms, char **why)
{
	struct sl_sqlval p[1] = {sl_sql_int(now_ms)};
	*at_ms = -1;
	return sl_store_query(
	    st, "SELECT min(next_at) FROM wa_outbox WHERE state = 'pending' AND taken_until < $1",
	    p, 1, int_row, at_ms, why);
}

int sl_outbox_release_owner(struct sl_store *st, const char *node, char **why)
{
	return sl_wa_release_owner_of(st, "wa_outbox", node, why);
}

struct purge_ctx {
	int64_t before;
	int64_t changes;
};

static int purge_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct purge_ctx *c = ctx;
	struct sl_sqlval p[1] = {sl_sql_int(c->before)};
	return sl_store_exec(tx, "DELETE FROM wa_outbox WHERE state = 'sent' AND done_at < $1", p,
			     1, NULL, NULL, &c->changes, why);
}

int sl_outbox_purge(struct sl_store *st, int64_t before_ms, size_t *n, char **why)
{
	struct purge_ctx c = {before_ms, 0};
	int rc = sl_store_tx(st, purge_fn, &c, why);
	if (n != NULL)
		*n = (size_t)c.changes;
	return rc;
}

/* ---- supervisors ------------------------------------------------------------ */

static int entry_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	GArray *a = ctx;
	struct sl_outbox_entry e = {0};
	if (n < 11)
		return SL_EINVAL;
	e.id = c[0].i;
	e.key = sl_sql_strdup(&c[1]);
	e.kind = sl_sql_strdup(&c[2]);
	e.ref = sl_sql_strdup(&c[3]);
	e.state = sl_sql_strdup(&c[4]);
	e.delivery_id = sl_sql_strdup(&c[5]);
	e.last_error = sl_sql_strdup(&c[6]);
	e.created = c[7].i;
	e.attempts = c[8].i;
	e.next_at = c[9].i;
	e.done_at = c[10].type == SL_SQL_INT ? c[10].i : 0;
	g_array_append_val(a, e);
	return 0;
}

int sl_outbox_list(struct sl_store *st, const char *state, int64_t limit,
		   struct sl_outbox_entry **out, size_t *n, char **why)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct sl_outbox_entry));
	struct sl_sqlval p[2] = {sl_sql_text(state), sl_sql_int(limit > 0 ? limit : 1000)};
	int rc =
	    sl_store_query(st,
			   "SELECT id, item_key, kind, ref, state, delivery_id, last_error, "
			   "created, attempts, next_at, "
			   "done_at FROM wa_outbox WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) "
			   "ORDER BY id DESC LIMIT $2",
			   p, 2, entry_row, a, why);
	*n = a->len;
	*out = (struct sl_outbox_entry *)g_array_free(a, FALSE);
	if (rc != SL_OK) {
		sl_outbox_entries_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void sl_outbox_entries_free(struct sl_outbox_entry *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].kind);
		free(v[i].ref);
		free(v[i].state);
		free(v[i].delivery_id);
		free(v[i].last_error);
	}
	g_free(v);
}

struct retry_ctx {
	int64_t id, now, changes;
	char *state;
};

static int state_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct retry_ctx *r = ctx;
	free(r->state);
	r->state = n > 0 ? sl_sql_strdup(&c[0]) : NULL;
	return 0;
}

static int retry_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct retry_ctx *c = ctx;
	struct sl_sqlval p[2] = {sl_sql_int(c->id), sl_sql_int(c->now)};
	int rc = sl_store_exec(tx, "SELECT state FROM wa_outbox WHERE id = $1", p, 1, state_row, c,
			       NULL, why);
	if (rc != SL_OK)
		return rc;
	if (c->state == NULL) {
		*why = sl_xasprintf("no outbox row %lld", (long long)c->id);
		return SL_ENOTFOUND;
	}
	if (strcmp(c->state, "dead") != 0) {
		*why = sl_xasprintf(
		    "outbox row %lld is %s, not a dead letter: the sender %s", (long long)c->id,
		    c->state, strcmp(c->state, "sent") == 0 ? "delivered it" : "is still trying");
		return SL_ECONFLICT;
	}
	return sl_store_exec(
	    tx,
	    "UPDATE wa_outbox SET state = 'pending', attempts = 0, created = $2, next_at = $2, "
	    "done_at = NULL, taken_by = NULL, taken_until = 0 WHERE id = $1 AND state = 'dead'",
	    p, 2, NULL, NULL, &c->changes, why);
}

int sl_outbox_retry(struct sl_store *st, int64_t id, int64_t now_ms, const char *actor, char **why)
{
	struct retry_ctx c = {id, now_ms, 0, NULL};
	struct sl_audit a = {0};
	char *detail = sl_xasprintf("outbox %lld", (long long)id), *w = NULL;
	int rc = sl_store_tx(st, retry_fn, &c, why);
	char *outcome = rc == SL_OK ? sl_xstrdup("ok")
				    : sl_xasprintf("refused: %s", *why ? *why : sl_strerror(rc));
	a.actor = (char *)actor;
	a.action = "outbox-retry";
	a.outcome = outcome;
	a.detail = detail;
	if (sl_store_audit(st, &a, &w) != SL_OK)
		sl_log(SL_LOG_ERR, "outbox: cannot audit a retry: %s", w);
	free(outcome);
	free(w);
	free(detail);
	free(c.state);
	return rc;
}
