/* inbox - see inbox.h. */
#include <glib.h>

#include "inbox.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct req {
	const void *body;
	size_t len;
	int done;
	GCond cond; /* its own: a commit wakes its requests, not every waiter */
	int rc;
	char *why;
	int64_t id; /* set by the commit */
	int handed; /* inserted taken, handed to the workers once committed */
};

struct sl_inbox {
	struct sl_store *st;
	char *owner; /* NULL: rows are not handed over */
	int64_t lease_ms;
	GMutex lock;
	GCond work;       /* the writer waits for requests */
	GCond fresh_cond; /* workers wait for rows */
	GQueue queue;     /* struct req *, for the writer */
	GQueue fresh;     /* struct sl_inbox_row *, committed, for the workers */
	size_t fresh_bytes;
	GThread *writer;
	int stop;
	struct sl_inbox_stats stats;
};

struct batch {
	struct req **v;
	size_t n;
	const char *node, *owner;
	int64_t now, lease;
};

/* Rows a statement inserts: the PostgreSQL driver binds at most 32
 * parameters, five of them shared by the rows. */
#define ROWS_PER_INSERT 27

static int id_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	int64_t id = n > 0 && c[0].type == SL_SQL_INT ? c[0].i : 0;
	g_array_append_val((GArray *)ctx, id);
	return 0;
}

static int cmp_id(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The rows of the batch, a few statements each (one round trip each to
 * PostgreSQL). The ids one statement gets are ascending in the order of its
 * VALUES (SQLite's rowids and PostgreSQL's sequence are handed out row by
 * row), so sorted they fall to the rows in turn. */
static int insert_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct batch *b = ctx;
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	size_t i = 0, k;
	int rc = SL_OK;
	while (i < b->n && rc == SL_OK) {
		int handed = b->v[i]->handed;
		struct sl_sqlval p[5 + ROWS_PER_INSERT];
		GString *sql =
		    g_string_new("INSERT INTO wa_inbox (received, gateway, body, taken_by, "
				 "taken_until, attempts) VALUES ");
		p[0] = sl_sql_int(b->now);
		p[1] = sl_sql_text(b->node);
		p[2] = sl_sql_text(handed ? b->owner : NULL);
		p[3] = sl_sql_int(handed ? b->now + b->lease : 0);
		p[4] = sl_sql_int(handed ? 1 : 0);
		for (k = 0; i + k < b->n && k < ROWS_PER_INSERT && b->v[i + k]->handed == handed;
		     k++) {
			p[5 + k] = sl_sql_blob(b->v[i + k]->body, b->v[i + k]->len);
			g_string_append_printf(sql, "%s($1, $2, $%zu, CAST($3 AS TEXT), $4, $5)",
					       k ? ", " : "", 6 + k);
		}
		g_string_append(sql, " RETURNING id");
		g_array_set_size(ids, 0);
		rc = sl_store_exec(tx, sql->str, p, 5 + k, id_row, ids, NULL, why);
		g_string_free(sql, TRUE);
		if (rc == SL_OK && ids->len != k) {
			*why = sl_xasprintf("inbox: %zu rows inserted, %u ids back", k, ids->len);
			rc = SL_EINVAL;
		}
		if (rc == SL_OK) {
			size_t n;
			g_array_sort(ids, cmp_id);
			for (n = 0; n < k; n++)
				b->v[i + n]->id = g_array_index(ids, int64_t, n);
		}
		i += k;
	}
	g_array_free(ids, TRUE);
	return rc;
}

/* Hands the committed rows of the batch to the workers (lock held). */
static void hand_over(struct sl_inbox *ib, struct batch *b)
{
	size_t i;
	for (i = 0; i < b->n; i++) {
		struct sl_inbox_row *row;
		if (!b->v[i]->handed)
			continue;
		row = sl_xcalloc(1, sizeof(*row));
		row->id = b->v[i]->id;
		row->len = b->v[i]->len;
		row->body = sl_xmalloc(row->len + 1);
		memcpy(row->body, b->v[i]->body, row->len);
		row->body[row->len] = '\0';
		row->attempts = 1;
		g_queue_push_tail(&ib->fresh, row);
		ib->fresh_bytes += row->len;
	}
	g_cond_broadcast(&ib->fresh_cond);
}

static gpointer writer(gpointer arg)
{
	struct sl_inbox *ib = arg;
	struct req **v = sl_xcalloc(SL_INBOX_MAX_BATCH, sizeof(*v));

	g_mutex_lock(&ib->lock);
	for (;;) {
		struct batch b = {v, 0, sl_store_node(ib->st), ib->owner, 0, ib->lease_ms};
		size_t bytes = 0, i;
		char *why = NULL;
		int rc;
		while (g_queue_is_empty(&ib->queue) && !ib->stop)
			g_cond_wait(&ib->work, &ib->lock);
		if (g_queue_is_empty(&ib->queue))
			break; /* stopping, nothing left */
		while (!g_queue_is_empty(&ib->queue) && b.n < SL_INBOX_MAX_BATCH) {
			struct req *r = g_queue_peek_head(&ib->queue);
			if (b.n > 0 && bytes + r->len > SL_INBOX_MAX_BATCH_BYTES)
				break;
			g_queue_pop_head(&ib->queue);
			/* taken and handed over while the workers keep up; else left free */
			r->handed = ib->owner != NULL &&
				    g_queue_get_length(&ib->fresh) + b.n < SL_INBOX_QUEUE_MAX &&
				    ib->fresh_bytes + bytes + r->len < SL_INBOX_QUEUE_BYTES;
			v[b.n++] = r;
			bytes += r->len;
		}
		g_mutex_unlock(&ib->lock);
		b.now = sl_now_ms();
		rc = sl_store_tx_urgent(ib->st, insert_fn, &b, &why); /* someone waits on each */
		if (rc != SL_OK)
			sl_log(SL_LOG_ERR, "inbox: %zu payload(s) not kept: %s", b.n,
			       why ? why : sl_strerror(rc));
		g_mutex_lock(&ib->lock);
		if (rc == SL_OK) {
			hand_over(ib, &b);
			ib->stats.payloads += b.n;
			ib->stats.commits++;
			if (b.n > ib->stats.largest)
				ib->stats.largest = b.n;
		} else {
			ib->stats.failed += b.n;
		}
		for (i = 0; i < b.n; i++) {
			v[i]->rc = rc;
			v[i]->why = rc != SL_OK ? sl_xstrdup(why ? why : sl_strerror(rc)) : NULL;
			v[i]->done = 1;
			g_cond_signal(&v[i]->cond);
		}
		free(why);
	}
	g_mutex_unlock(&ib->lock);
	free(v);
	return NULL;
}

int sl_inbox_new(struct sl_store *st, const char *owner, int64_t lease_ms, struct sl_inbox **out,
		 char **why)
{
	struct sl_inbox *ib = sl_xcalloc(1, sizeof(*ib));
	ib->st = st;
	ib->owner = owner ? sl_xstrdup(owner) : NULL;
	ib->lease_ms = lease_ms;
	g_mutex_init(&ib->lock);
	g_cond_init(&ib->work);
	g_cond_init(&ib->fresh_cond);
	g_queue_init(&ib->queue);
	g_queue_init(&ib->fresh);
	ib->writer = g_thread_try_new("sluice-inbox", writer, ib, NULL);
	if (ib->writer == NULL) {
		*why = sl_xstrdup("inbox: cannot start the writer thread");
		ib->stop = 1;
		sl_inbox_free(ib);
		*out = NULL;
		return SL_EIO;
	}
	*out = ib;
	return SL_OK;
}

struct sl_inbox *sl_inbox_free(struct sl_inbox *ib)
{
	struct sl_inbox_row *row;
	if (ib == NULL)
		return NULL;
	g_mutex_lock(&ib->lock);
	ib->stop = 1;
	g_cond_broadcast(&ib->work);
	g_cond_broadcast(&ib->fresh_cond);
	g_mutex_unlock(&ib->lock);
	if (ib->writer != NULL)
		g_thread_join(ib->writer);
	/* rows never handed out stay taken in the store until the next start gives them back */
	while ((row = g_queue_pop_head(&ib->fresh)) != NULL) {
		free(row->body);
		free(row);
	}
	g_mutex_clear(&ib->lock);
	g_cond_clear(&ib->work);
	g_cond_clear(&ib->fresh_cond);
	free(ib->owner);
	free(ib);
	return NULL;
}

int sl_inbox_put(struct sl_inbox *ib, const void *body, size_t len, char **why)
{
	struct req r = {.body = body, .len = len, .rc = SL_OK};
	g_cond_init(&r.cond);
	g_mutex_lock(&ib->lock);
	if (ib->stop) {
		g_cond_clear(&r.cond);
		g_mutex_unlock(&ib->lock);
		*why = sl_xstrdup("inbox: stopping");
		return SL_ETEMP;
	}
	g_queue_push_tail(&ib->queue, &r);
	g_cond_signal(&ib->work);
	while (!r.done)
		g_cond_wait(&r.cond, &ib->lock);
	g_mutex_unlock(&ib->lock);
	g_cond_clear(&r.cond);
	if (r.rc != SL_OK)
		*why = r.why;
	else
		free(r.why);
	return r.rc;
}

size_t sl_inbox_next(struct sl_inbox *ib, size_t max, int timeout_ms, struct sl_inbox_row **rows)
{
	gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	size_t n = 0;
	*rows = NULL;
	g_mutex_lock(&ib->lock);
	while (g_queue_is_empty(&ib->fresh) && !ib->stop)
		if (!g_cond_wait_until(&ib->fresh_cond, &ib->lock, until))
			break;
	if (!ib->stop && !g_queue_is_empty(&ib->fresh)) {
		*rows = g_new0(struct sl_inbox_row, max ? max : 1);
		while (n < max && !g_queue_is_empty(&ib->fresh)) {
			struct sl_inbox_row *row = g_queue_pop_head(&ib->fresh);
			(*rows)[n++] = *row;
			ib->fresh_bytes -= row->len;
			free(row);
		}
	}
	g_mutex_unlock(&ib->lock);
	return n;
}

void sl_inbox_stop(struct sl_inbox *ib)
{
	g_mutex_lock(&ib->lock);
	ib->stop = 1;
	g_cond_broadcast(&ib->fresh_cond);
	g_mutex_unlock(&ib->lock);
}

void sl_inbox_stats(struct sl_inbox *ib, struct sl_inbox_stats *out)
{
	g_mutex_lock(&ib->lock);
	*out = ib->stats;
	out->queued = g_queue_get_length(&ib->fresh);
	g_mutex_unlock(&ib->lock);
}

/* ---- workers ---------------------------------------------------------------- */

struct taken {
	GArray *rows;
};

static int taken_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct taken *t = ctx;
	struct sl_inbox_row r = {0};
	if (n < 3)
		return SL_EINVAL;
	r.id = c[0].i;
	r.len = c[1].n;
	r.body = sl_xmalloc(r.len + 1);
	memcpy(r.body, c[1].p ? c[1].p : "", r.len);
	r.body[r.len] = '\0';
	r.attempts = c[2].i;
	g_array_append_val(t->rows, r);
	return 0;
}

struct take_ctx {
	const char *owner;
	int64_t now, lease;
	size_t max;
	struct taken t;
};

static int take_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct take_ctx *c = ctx;
	struct sl_sqlval p[4] = {sl_sql_text(c->owner), sl_sql_int(c->now + c->lease),
				 sl_sql_int(c->now), sl_sql_int((int64_t)c->max)};
	size_t i;
	/* a retry of the transaction starts again from nothing */
	for (i = 0; i < c->t.rows->len; i++)
		free(g_array_index(c->t.rows, struct sl_inbox_row, i).body);
	g_array_set_size(c->t.rows, 0);
	/* the outer condition is checked again on the row as it is when locked
	 * (PostgreSQL, READ COMMITTED): a row another taker got first is skipped */
	return sl_store_exec(
	    tx,
	    "UPDATE wa_inbox SET taken_by = $1, taken_until = $2, attempts = attempts + 1 "
	    "WHERE id IN (SELECT id FROM wa_inbox WHERE taken_until < $3 ORDER BY id LIMIT $4) "
	    "AND taken_until < $3 RETURNING id, body, attempts",
	    p, 4, taken_row, &c->t, NULL, why);
}

int sl_inbox_take(struct sl_store *st, const char *owner, int64_t now_ms, int64_t lease_ms,
		  size_t max, struct sl_inbox_row **rows, size_t *n, char **why)
{
	struct take_ctx c = {
	    owner, now_ms, lease_ms, max, {g_array_new(FALSE, TRUE, sizeof(struct sl_inbox_row))}};
	int rc = sl_store_tx(st, take_fn, &c, why);
	if (rc != SL_OK) {
		sl_inbox_rows_free((struct sl_inbox_row *)c.t.rows->data, c.t.rows->len);
		g_array_free(c.t.rows, FALSE);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	*n = c.t.rows->len;
	*rows = (struct sl_inbox_row *)g_array_free(c.t.rows, FALSE);
	return SL_OK;
}

void sl_inbox_rows_free(struct sl_inbox_row *rows, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(rows[i].body);
	g_free(rows);
}

struct postpone_ctx {
	int64_t id, until;
};

static int postpone_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct postpone_ctx *c = ctx;
	struct sl_sqlval p[2] = {sl_sql_int(c->id), sl_sql_int(c->until)};
	return sl_store_exec(tx, "UPDATE wa_inbox SET taken_until = $2 WHERE id = $1", p, 2, NULL,
			     NULL, NULL, why);
}

int sl_inbox_postpone(struct sl_store *st, int64_t id, int64_t until_ms, char **why)
{
	struct postpone_ctx c = {id, until_ms};
	return sl_store_tx(st, postpone_fn, &c, why);
}

int sl_inbox_done_tx(struct sl_store_tx *tx, int64_t id, char **why)
{
	struct sl_sqlval p[1] = {sl_sql_int(id)};
	return sl_store_exec(tx, "DELETE FROM wa_inbox WHERE id = $1", p, 1, NULL, NULL, NULL, why);
}

struct release_ctx {
	const char *table;
	const char *prefix;
};

static int release_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct release_ctx *c = ctx;
	struct sl_sqlval p[1] = {sl_sql_text(c->prefix)};
	char *sql =
	    sl_xasprintf("UPDATE %s SET taken_by = NULL, taken_until = 0 "
			 "WHERE taken_by IS NOT NULL AND substr(taken_by, 1, length($1)) = $1",
			 c->table);
	int rc = sl_store_exec(tx, sql, p, 1, NULL, NULL, NULL, why);
	free(sql);
	return rc;
}

/* Shared with outbox.c (the same columns). */
int sl_wa_release_owner_of(struct sl_store *st, const char *table, const char *node, char **why);

int sl_wa_release_owner_of(struct sl_store *st, const char *table, const char *node, char **why)
{
	char *prefix = sl_xasprintf("%s/", node);
	struct release_ctx c = {table, prefix};
	int rc = sl_store_tx(st, release_fn, &c, why);
	free(prefix);
	return rc;
}

int sl_inbox_release_owner(struct sl_store *st, const char *node, char **why)
{
	return sl_wa_release_owner_of(st, "wa_inbox", node, why);
}

static int count_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	*(int64_t *)ctx = n > 0 && c[0].type == SL_SQL_INT ? c[0].i : 0;
	return 0;
}

int sl_inbox_count(struct sl_store *st, int64_t *n, char **why)
{
	*n = 0;
	return sl_store_query(st, "SELECT count(*) FROM wa_inbox", NULL, 0, count_row, n, why);
}
