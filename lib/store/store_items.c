/*
 * store_items - items, their bytes and the audit trail (store.h), as SQL both
 * backends speak. Every change of state is one conditional UPDATE inside a
 * write transaction together with its audit row: two gateways acting on one
 * item at the same moment cannot both succeed, and no change goes unaudited.
 */
#include <glib.h>
#include <jansson.h>

#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define ITEM_COLUMNS                                                                                   \
	"ref, channel, received, sender, recipients, subject, msg_id, gateway, verdict, report, status, " \
	"expires, status_at, status_by, status_reason, original_size, original_sha256, rewritten_size, "  \
	"purged_at, claim_by, claim_at, claim_until"
#define NITEM_COLUMNS 22

#define DEFAULT_LIMIT 1000
#define MAX_TEXT 4000 /* longest sender, subject, reason... kept */

static const char *const status_names[] = { "held", "released", "deleted", "expired" };

const char *sl_item_status_name(enum sl_item_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "?";
}

int sl_item_status_parse(const char *s, enum sl_item_status *out)
{
	unsigned i;
	for (i = 0; i < 4; i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum sl_item_status)i;
			return SL_OK;
		}
	return SL_EINVAL;
}

const char *sl_channel_name(enum sl_channel c)
{
	return c == SL_CHANNEL_WHATSAPP ? "whatsapp" : "email";
}

int sl_channel_parse(const char *s, enum sl_channel *out)
{
	if (strcmp(s, "email") == 0)
		*out = SL_CHANNEL_EMAIL;
	else if (strcmp(s, "whatsapp") == 0)
		*out = SL_CHANNEL_WHATSAPP;
	else
		return SL_EINVAL;
	return SL_OK;
}

int sl_verdict_parse(const char *s, enum sl_verdict *out)
{
	int v;
	for (v = SL_VERDICT_CLEAN; v <= SL_VERDICT_REJECT; v++)
		if (strcmp(s, sl_verdict_name((enum sl_verdict)v)) == 0) {
			*out = (enum sl_verdict)v;
			return SL_OK;
		}
	return SL_EINVAL;
}

/* Valid UTF-8, clipped: what the database may hold (caller frees). */
static char *text(const char *s)
{
	gchar *v = g_utf8_make_valid(s ? s : "", -1);
	char *c = sl_clip(v, MAX_TEXT);
	g_free(v);
	return c;
}

/* ---- reading rows ------------------------------------------------------- */

static char *col_str(const struct sl_sqlval *c)
{
	char *s = sl_sql_strdup(c);
	return s ? s : sl_xstrdup("");
}

static char *col_str_or_null(const struct sl_sqlval *c)
{
	return sl_sql_strdup(c);
}

static int64_t col_int(const struct sl_sqlval *c)
{
	return c->type == SL_SQL_INT ? c->i : 0;
}

static char **recipients_decode(const char *j)
{
	json_t *a = json_loads(j, 0, NULL);
	size_t i, n = json_is_array(a) ? json_array_size(a) : 0, k = 0;
	char **v = sl_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s != NULL)
			v[k++] = sl_xstrdup(s);
	}
	json_decref(a);
	return v;
}

static char *recipients_encode(char *const *v)
{
	json_t *a = json_array();
	char *s, *r;
	size_t i;
	for (i = 0; v != NULL && v[i] != NULL; i++) {
		char *t = text(v[i]);
		json_array_append_new(a, json_string(t));
		free(t);
	}
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	r = sl_xstrdup(s ? s : "[]");
	free(s);
	return r;
}

static struct sl_item *item_from_row(const struct sl_sqlval *c, size_t n)
{
	struct sl_item *it = sl_xcalloc(1, sizeof(*it));
	char *s;
	enum sl_item_status st = SL_ITEM_HELD;
	enum sl_verdict v = SL_VERDICT_QUARANTINE;
	enum sl_channel ch = SL_CHANNEL_EMAIL;

	if (n < NITEM_COLUMNS)
		return sl_item_free(it);
	s = col_str(&c[0]);
	g_strlcpy(it->ref, s, sizeof(it->ref));
	free(s);
	s = col_str(&c[1]);
	sl_channel_parse(s, &ch);
	it->channel = ch;
	free(s);
	it->received = col_int(&c[2]);
	it->sender = col_str(&c[3]);
	s = col_str(&c[4]);
	it->recipients = recipients_decode(s);
	free(s);
	it->subject = col_str(&c[5]);
	it->msg_id = col_str(&c[6]);
	it->gateway = col_str(&c[7]);
	s = col_str(&c[8]);
	sl_verdict_parse(s, &v);
	it->verdict = v;
	free(s);
	it->report = col_str(&c[9]);
	s = col_str(&c[10]);
	sl_item_status_parse(s, &st);
	it->status = st;
	free(s);
	it->expires = col_int(&c[11]);
	it->status_at = col_int(&c[12]);
	it->status_by = col_str_or_null(&c[13]);
	it->status_reason = col_str_or_null(&c[14]);
	it->original_size = col_int(&c[15]);
	s = col_str(&c[16]);
	g_strlcpy(it->original_sha256, s, sizeof(it->original_sha256));
	free(s);
	it->rewritten_size = c[17].type == SL_SQL_NULL ? -1 : col_int(&c[17]);
	it->purged_at = col_int(&c[18]);
	it->claim_by = col_str_or_null(&c[19]);
	it->claim_at = col_int(&c[20]);
	it->claim_until = col_int(&c[21]);
	return it;
}

struct item_rows {
	struct sl_item **v;
	size_t n, alloc;
};

static int item_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct item_rows *r = ctx;
	struct sl_item *it = item_from_row(c, n);
	if (it == NULL)
		return SL_EINVAL;
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 16;
		r->v = sl_xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	r->v[r->n++] = it;
	return 0;
}

struct sl_item *sl_item_free(struct sl_item *it)
{
	size_t i;
	if (it == NULL)
		return NULL;
	free(it->sender);
	for (i = 0; it->recipients != NULL && it->recipients[i] != NULL; i++)
		free(it->recipients[i]);
	free(it->recipients);
	free(it->subject);
	free(it->msg_id);
	free(it->gateway);
	free(it->report);
	free(it->status_by);
	free(it->status_reason);
	free(it->claim_by);
	free(it);
	return NULL;
}

void sl_items_free(struct sl_item **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		sl_item_free(v[i]);
	free(v);
}

/* The item ref inside a transaction; SL_ENOTFOUND when there is none. */
static int tx_get(struct sl_store_tx *tx, const char *ref, struct sl_item **out, char **why)
{
	struct item_rows r = { 0 };
	struct sl_sqlval p[1] = { sl_sql_text(ref) };
	int rc = sl_store_exec(tx, "SELECT " ITEM_COLUMNS " FROM items WHERE ref = $1", p, 1, item_row, &r, NULL, why);
	*out = NULL;
	if (rc == SL_OK && r.n == 0) {
		*why = sl_xasprintf("no item %s in the quarantine", ref);
		rc = SL_ENOTFOUND;
	}
	if (rc == SL_OK) {
		*out = r.v[0];
		r.v[0] = NULL;
	}
	sl_items_free(r.v, r.n);
	return rc;
}

/* ---- audit -------------------------------------------------------------- */

static int tx_audit(struct sl_store_tx *tx, const struct sl_audit *a, const char *node, char **why)
{
	char *actor = text(a->actor), *action = text(a->action), *outcome = text(a->outcome);
	char *reason = a->reason ? text(a->reason) : NULL, *detail = a->detail ? text(a->detail) : NULL;
	char *gw = text(a->gateway ? a->gateway : node);
	struct sl_sqlval p[8] = { sl_sql_int(a->at ? a->at : (int64_t)time(NULL)),
				  sl_sql_text(actor),
				  sl_sql_text(action),
				  sl_sql_text(a->ref),
				  sl_sql_text(reason),
				  sl_sql_text(outcome),
				  sl_sql_text(detail),
				  sl_sql_text(gw) };
	int rc = sl_store_exec(tx,
			       "INSERT INTO audit (at, actor, action, ref, reason, outcome, detail, gateway) "
			       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			       p, 8, NULL, NULL, NULL, why);
	free(actor);
	free(action);
	free(outcome);
	free(reason);
	free(detail);
	free(gw);
	return rc;
}

int sl_store_tx_audit(struct sl_store_tx *tx, struct sl_store *st, const struct sl_audit *a, char **why)
{
	return tx_audit(tx, a, sl_store_node(st), why);
}

struct audit_ctx {
	struct sl_store *st;
	const struct sl_audit *a;
};

static int audit_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct audit_ctx *c = ctx;
	return tx_audit(tx, c->a, sl_store_node(c->st), why);
}

int sl_store_audit(struct sl_store *st, const struct sl_audit *a, char **why)
{
	struct audit_ctx c = { st, a };
	return sl_store_tx(st, audit_fn, &c, why);
}

struct audit_rows {
	struct sl_audit *v;
	size_t n, alloc;
};

static int audit_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct audit_rows *r = ctx;
	struct sl_audit *a;
	if (n < 9)
		return SL_EINVAL;
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 16;
		r->v = sl_xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	a = &r->v[r->n++];
	a->id = col_int(&c[0]);
	a->at = col_int(&c[1]);
	a->actor = col_str(&c[2]);
	a->action = col_str(&c[3]);
	a->ref = col_str_or_null(&c[4]);
	a->reason = col_str_or_null(&c[5]);
	a->outcome = col_str(&c[6]);
	a->detail = col_str_or_null(&c[7]);
	a->gateway = col_str(&c[8]);
	return 0;
}

int sl_store_audit_list(struct sl_store *st, const char *ref, int64_t limit, struct sl_audit **out, size_t *n,
			char **why)
{
	struct audit_rows r = { 0 };
	struct sl_sqlval p[2] = { sl_sql_text(ref), sl_sql_int(limit > 0 ? limit : DEFAULT_LIMIT) };
	int rc = sl_store_query(st,
				"SELECT id, at, actor, action, ref, reason, outcome, detail, gateway FROM audit "
				"WHERE (CAST($1 AS TEXT) IS NULL OR ref = $1) ORDER BY id LIMIT $2",
				p, 2, audit_row, &r, why);
	if (rc != SL_OK) {
		sl_audit_free(r.v, r.n);
		r.v = NULL;
		r.n = 0;
	}
	*out = r.v;
	*n = r.n;
	return rc;
}

void sl_audit_free(struct sl_audit *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(v[i].actor);
		free(v[i].action);
		free(v[i].ref);
		free(v[i].reason);
		free(v[i].outcome);
		free(v[i].detail);
		free(v[i].gateway);
	}
	free(v);
}

/* ---- put, get, list, bytes ---------------------------------------------- */

struct put_ctx {
	struct sl_store *st;
	const struct sl_item *it;
	const unsigned char *orig, *rew;
	size_t olen, rlen;
	const char *actor;
	char sha[65];
};

static int put_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct put_ctx *c = ctx;
	const struct sl_item *it = c->it;
	char *sender = text(it->sender), *subject = text(it->subject), *msg_id = text(it->msg_id);
	char *report = text(it->report ? it->report : "{}"), *rcpts = recipients_encode(it->recipients);
	char *gw = text(it->gateway ? it->gateway : sl_store_node(c->st));
	char *detail = sl_xasprintf("%s %s, %zu bytes, sha256 %s", sl_channel_name(it->channel),
				    sl_verdict_name(it->verdict), c->olen, c->sha);
	struct sl_sqlval p[15] = {
		sl_sql_text(it->ref),
		sl_sql_text(sl_channel_name(it->channel)),
		sl_sql_int(it->received),
		sl_sql_text(sender),
		sl_sql_text(rcpts),
		sl_sql_text(subject),
		sl_sql_text(msg_id),
		sl_sql_text(gw),
		sl_sql_text(sl_verdict_name(it->verdict)),
		sl_sql_text(report),
		sl_sql_text("held"),
		sl_sql_int(it->expires),
		sl_sql_int((int64_t)c->olen),
		sl_sql_text(c->sha),
		c->rew ? sl_sql_int((int64_t)c->rlen) : sl_sql_text(NULL),
	};
	struct sl_sqlval d[3] = { sl_sql_text(it->ref), sl_sql_blob(c->orig ? (const void *)c->orig : "", c->olen),
				  c->rew ? sl_sql_blob(c->rew, c->rlen) : sl_sql_text(NULL) };
	struct sl_audit a = { 0 };
	int rc;

	/* a NULL parameter has no type of its own on PostgreSQL: CAST gives it one */
	rc = sl_store_exec(tx,
			   "INSERT INTO items (ref, channel, received, sender, recipients, subject, msg_id, gateway, "
			   "verdict, report, status, expires, original_size, original_sha256, rewritten_size) "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, CAST($15 AS BIGINT))",
			   p, 15, NULL, NULL, NULL, why);
	if (rc == SL_OK)
		rc = sl_store_exec(tx, "INSERT INTO item_data (ref, original, rewritten) VALUES ($1, $2, $3)", d, 3,
				   NULL, NULL, NULL, why);
	if (rc == SL_OK) {
		a.at = it->received;
		a.actor = (char *)c->actor;
		a.action = "keep";
		a.ref = (char *)it->ref;
		a.outcome = "ok";
		a.detail = detail;
		rc = tx_audit(tx, &a, sl_store_node(c->st), why);
	}
	free(sender);
	free(subject);
	free(msg_id);
	free(report);
	free(rcpts);
	free(gw);
	free(detail);
	return rc;
}

static int canonical_ref(const char *ref, char **why)
{
	char check[SL_REF_LEN + 1];
	char *w = NULL;
	if (sl_ref_parse(ref, check, &w) != SL_OK || strcmp(check, ref) != 0) {
		*why = sl_xasprintf("store: '%s' is not a reference in canonical form", ref);
		free(w);
		return SL_EINVAL;
	}
	return SL_OK;
}

int sl_store_put_tx(struct sl_store_tx *tx, const struct sl_item *it, const unsigned char *original, size_t olen,
		    const unsigned char *rewritten, size_t rlen, const char *actor, char **why)
{
	struct put_ctx c = { sl_store_tx_store(tx), it, original, rewritten, olen, rlen, actor, "" };
	if (canonical_ref(it->ref, why) != SL_OK)
		return SL_EINVAL;
	sl_sha256_hex(original ? (const void *)original : "", olen, c.sha);
	return put_fn(tx, &c, why);
}

int sl_store_put(struct sl_store *st, const struct sl_item *it, const unsigned char *original, size_t olen,
		 const unsigned char *rewritten, size_t rlen, const char *actor, char **why)
{
	struct put_ctx c = { st, it, original, rewritten, olen, rlen, actor, "" };
	int rc;

	if (canonical_ref(it->ref, why) != SL_OK)
		return SL_EINVAL;
	sl_sha256_hex(original ? (const void *)original : "", olen, c.sha);
	rc = sl_store_tx(st, put_fn, &c, why);
	if (rc == SL_ECONFLICT) {
		/* Already there: the same bytes mean an earlier commit whose answer was
		 * lost with the connection; anything else is a reference collision. */
		struct sl_item *have = NULL;
		char *w2 = NULL;
		if (sl_store_get(st, it->ref, &have, &w2) == SL_OK && strcmp(have->original_sha256, c.sha) == 0) {
			free(*why);
			*why = NULL;
			rc = SL_OK;
		}
		sl_item_free(have);
		free(w2);
	}
	return rc;
}

int sl_store_get(struct sl_store *st, const char *ref, struct sl_item **out, char **why)
{
	struct item_rows r = { 0 };
	struct sl_sqlval p[1] = { sl_sql_text(ref) };
	int rc = sl_store_query(st, "SELECT " ITEM_COLUMNS " FROM items WHERE ref = $1", p, 1, item_row, &r, why);
	*out = NULL;
	if (rc == SL_OK && r.n == 0) {
		*why = sl_xasprintf("no item %s in the quarantine", ref);
		rc = SL_ENOTFOUND;
	}
	if (rc == SL_OK) {
		*out = r.v[0];
		r.v[0] = NULL;
	}
	sl_items_free(r.v, r.n);
	return rc;
}

int sl_store_list(struct sl_store *st, const struct sl_item_filter *f, struct sl_item ***out, size_t *n,
		  char **why)
{
	struct item_rows r = { 0 };
	char *pattern = NULL;
	struct sl_sqlval p[5];
	int rc;

	if (f->sender != NULL && *f->sender) {
		/* LIKE with its wildcards escaped; ASCII case folding as both databases do it */
		struct sl_buf b;
		gchar *low = g_ascii_strdown(f->sender, -1);
		const char *s;
		sl_buf_init(&b, 0);
		sl_buf_addstr(&b, "%");
		for (s = low; *s; s++) {
			if (*s == '%' || *s == '_' || *s == '\\')
				sl_buf_addstr(&b, "\\");
			sl_buf_add(&b, s, 1);
		}
		sl_buf_addstr(&b, "%");
		g_free(low);
		pattern = sl_buf_take(&b);
	}
	p[0] = sl_sql_text(f->status >= 0 ? sl_item_status_name((enum sl_item_status)f->status) : NULL);
	p[1] = sl_sql_text(f->channel >= 0 ? sl_channel_name((enum sl_channel)f->channel) : NULL);
	p[2] = sl_sql_text(pattern);
	p[3] = sl_sql_int(f->since);
	p[4] = sl_sql_int(f->limit > 0 ? f->limit : DEFAULT_LIMIT);
	rc = sl_store_query(st,
			    "SELECT " ITEM_COLUMNS " FROM items WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) "
			    "AND (CAST($2 AS TEXT) IS NULL OR channel = $2) "
			    "AND (CAST($3 AS TEXT) IS NULL OR lower(sender) LIKE $3 ESCAPE '\\') "
			    "AND received >= $4 ORDER BY received DESC, ref LIMIT $5",
			    p, 5, item_row, &r, why);
	free(pattern);
	if (rc != SL_OK) {
		sl_items_free(r.v, r.n);
		r.v = NULL;
		r.n = 0;
	}
	*out = r.v;
	*n = r.n;
	return rc;
}

struct bytes_ctx {
	unsigned char *data;
	size_t len;
	int found;
};

static int bytes_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct bytes_ctx *b = ctx;
	if (n < 1 || c[0].type == SL_SQL_NULL)
		return 0;
	b->data = sl_xmalloc(c[0].n + 1);
	memcpy(b->data, c[0].p, c[0].n);
	b->data[c[0].n] = '\0';
	b->len = c[0].n;
	b->found = 1;
	return 0;
}

int sl_store_bytes(struct sl_store *st, const char *ref, int rewritten, unsigned char **data, size_t *len,
		   char **why)
{
	struct bytes_ctx b = { 0 };
	struct sl_sqlval p[1] = { sl_sql_text(ref) };
	int rc = sl_store_query(st,
				rewritten ? "SELECT rewritten FROM item_data WHERE ref = $1"
					  : "SELECT original FROM item_data WHERE ref = $1",
				p, 1, bytes_row, &b, why);
	*data = NULL;
	*len = 0;
	if (rc == SL_OK && !b.found) {
		*why = sl_xasprintf("%s: no %s copy is kept (any more)", ref, rewritten ? "rewritten" : "original");
		rc = SL_ENOTFOUND;
	}
	if (rc == SL_OK) {
		*data = b.data;
		*len = b.len;
	} else {
		free(b.data);
	}
	return rc;
}

/* ---- changes of state --------------------------------------------------- */

/* Why an item is not in the state an action needs, for people. */
static char *state_text(const struct sl_item *it, int64_t now)
{
	char when[32];
	if (it->claim_by != NULL && it->claim_until >= now && it->status == SL_ITEM_HELD) {
		sl_time_iso(it->claim_at, when);
		return sl_xasprintf("%s is being released by %s (since %s)", it->ref, it->claim_by, when);
	}
	if (it->status == SL_ITEM_HELD)
		return sl_xasprintf("%s is held", it->ref);
	sl_time_iso(it->status_at, when);
	return sl_xasprintf("%s was already %s at %s by %s", it->ref, sl_item_status_name(it->status), when,
			    it->status_by ? it->status_by : "sluice");
}

struct change_ctx {
	struct sl_store *st;
	const char *ref, *actor, *reason, *token, *outcome, *detail;
	int64_t now, lease;
	struct sl_item *before;  /* the item when the transaction looked */
	int changed;             /* the conditional UPDATE touched it */
	char *refused;           /* why it did not, for people */
};

static void change_init(struct change_ctx *c, struct sl_store *st, const char *ref, const char *actor,
			const char *reason)
{
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->ref = ref;
	c->actor = actor;
	c->reason = reason;
	c->now = (int64_t)time(NULL);
}

/* The audit row of a change (action, outcome, detail) in its transaction. */
static int change_audit(struct sl_store_tx *tx, const struct change_ctx *c, const char *action, const char *outcome,
			const char *detail, char **why)
{
	struct sl_audit a = { 0 };
	a.at = c->now;
	a.actor = (char *)c->actor;
	a.action = (char *)action;
	a.ref = (char *)c->ref;
	a.reason = (char *)c->reason;
	a.outcome = (char *)outcome;
	a.detail = (char *)detail;
	return tx_audit(tx, &a, sl_store_node(c->st), why);
}

/* The conditional UPDATE touched nothing: say why, from the item as it is now
 * (another gateway may have changed it since this transaction first looked). */
static int refuse(struct sl_store_tx *tx, struct change_ctx *c)
{
	struct sl_item *fresh = NULL;
	char *ignored = NULL;
	if (tx_get(tx, c->ref, &fresh, &ignored) == SL_OK) {
		sl_item_free(c->before);
		c->before = fresh;
	}
	free(ignored);
	c->refused = state_text(c->before, c->now);
	return SL_OK; /* nothing to undo */
}

static int delete_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct change_ctx *c = ctx;
	struct sl_sqlval p[4] = { sl_sql_text(c->ref), sl_sql_int(c->now), sl_sql_text(c->actor),
				  sl_sql_text(c->reason) };
	int64_t n = 0;
	int rc = tx_get(tx, c->ref, &c->before, why);
	if (rc != SL_OK)
		return rc;
	rc = sl_store_exec(tx,
			   "UPDATE items SET status = 'deleted', status_at = $2, status_by = $3, status_reason = $4, "
			   "purged_at = $2 WHERE ref = $1 AND status IN ('held', 'released') "
			   "AND (claim_until IS NULL OR claim_until < $2)",
			   p, 4, NULL, NULL, &n, why);
	if (rc != SL_OK)
		return rc;
	if (n == 0)
		return refuse(tx, c);
	c->changed = 1;
	rc = sl_store_exec(tx, "DELETE FROM item_data WHERE ref = $1", p, 1, NULL, NULL, NULL, why);
	if (rc != SL_OK)
		return rc;
	return change_audit(tx, c, "delete", "ok", NULL, why);
}

/* Runs a state change; SL_ECONFLICT with *why when the item's state refused
 * it. *now (may be NULL) gets the item as the transaction last saw it. */
static int change(struct sl_store *st, struct change_ctx *c, int (*fn)(struct sl_store_tx *, void *, char **),
		  struct sl_item **now, char **why)
{
	int rc = sl_store_tx(st, fn, c, why);
	if (rc == SL_OK && !c->changed) {
		*why = c->refused;
		c->refused = NULL;
		rc = SL_ECONFLICT;
	}
	free(c->refused);
	if (now != NULL && rc != SL_ENOTFOUND) {
		*now = c->before;
		c->before = NULL;
	} else if (now != NULL) {
		*now = NULL;
	}
	sl_item_free(c->before);
	return rc;
}

int sl_store_delete(struct sl_store *st, const char *ref, const char *actor, const char *reason,
		    struct sl_item **now, char **why)
{
	struct change_ctx c;
	change_init(&c, st, ref, actor, reason);
	return change(st, &c, delete_fn, now, why);
}

static int claim_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct change_ctx *c = ctx;
	struct sl_sqlval p[5] = { sl_sql_text(c->ref), sl_sql_text(c->token), sl_sql_text(c->actor),
				  sl_sql_int(c->now), sl_sql_int(c->now + c->lease) };
	int64_t n = 0;
	int rc = tx_get(tx, c->ref, &c->before, why);
	if (rc != SL_OK)
		return rc;
	rc = sl_store_exec(tx,
			   "UPDATE items SET claim_token = $2, claim_by = $3, claim_at = $4, claim_until = $5 "
			   "WHERE ref = $1 AND status = 'held' AND (claim_until IS NULL OR claim_until < $4)",
			   p, 5, NULL, NULL, &n, why);
	if (rc != SL_OK)
		return rc;
	if (n == 0)
		return refuse(tx, c);
	c->changed = 1;
	return SL_OK;
}

int sl_store_claim(struct sl_store *st, const char *ref, const char *actor, int64_t lease,
		   char token[SL_REF_LEN + 1], struct sl_item **now, char **why)
{
	struct change_ctx c;
	sl_ref_new(token);
	change_init(&c, st, ref, actor, NULL);
	c.token = token;
	c.lease = lease;
	/* *now is the item as the claim found it (its claim_* tell of an
	 * interrupted release), not as it is with our claim on it */
	return change(st, &c, claim_fn, now, why);
}

static int done_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct change_ctx *c = ctx;
	struct sl_sqlval p[5] = { sl_sql_text(c->ref), sl_sql_text(c->token), sl_sql_int(c->now),
				  sl_sql_text(c->actor), sl_sql_text(c->reason) };
	char *detail = NULL;
	int64_t n = 0;
	int rc;

	/* The message went out: it is released, even when our claim ran out
	 * meanwhile (the detail says so: someone may be sending it again). */
	rc = sl_store_exec(tx,
			   "UPDATE items SET status = 'released', status_at = $3, status_by = $4, status_reason = $5, "
			   "claim_token = NULL, claim_by = NULL, claim_at = NULL, claim_until = NULL "
			   "WHERE ref = $1 AND status = 'held' AND claim_token = $2",
			   p, 5, NULL, NULL, &n, why);
	if (rc == SL_OK && n == 0) {
		detail = sl_xasprintf("%s%s(the claim had run out before the release was recorded)",
				      c->detail ? c->detail : "", c->detail ? " " : "");
		rc = sl_store_exec(tx,
				   "UPDATE items SET status = 'released', status_at = $3, status_by = $4, "
				   "status_reason = $5 WHERE ref = $1 AND status = 'held' AND $2 IS NOT NULL",
				   p, 5, NULL, NULL, &n, why);
	}
	if (rc != SL_OK)
		goto out;
	c->changed = 1;
	rc = change_audit(tx, c, "release", n > 0 ? "ok" : "ok (the item had changed meanwhile)",
			  detail ? detail : c->detail, why);
out:
	free(detail);
	return rc;
}

int sl_store_claim_done(struct sl_store *st, const char *ref, const char *token, const char *actor,
			const char *reason, const char *detail, char **why)
{
	struct change_ctx c;
	change_init(&c, st, ref, actor, reason);
	c.token = token;
	c.detail = detail;
	return sl_store_tx(st, done_fn, &c, why);
}

static int drop_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct change_ctx *c = ctx;
	struct sl_sqlval p[2] = { sl_sql_text(c->ref), sl_sql_text(c->token) };
	int rc = sl_store_exec(tx,
			       "UPDATE items SET claim_token = NULL, claim_by = NULL, claim_at = NULL, "
			       "claim_until = NULL WHERE ref = $1 AND claim_token = $2",
			       p, 2, NULL, NULL, NULL, why);
	if (rc != SL_OK)
		return rc;
	return change_audit(tx, c, "release", c->outcome, NULL, why);
}

int sl_store_claim_drop(struct sl_store *st, const char *ref, const char *token, const char *actor,
			const char *reason, const char *outcome, char **why)
{
	struct change_ctx c;
	change_init(&c, st, ref, actor, reason);
	c.token = token;
	c.outcome = outcome;
	return sl_store_tx(st, drop_fn, &c, why);
}

/* ---- expiry ------------------------------------------------------------- */

#define EXPIRE_BATCH 200

struct ref_rows {
	char **v;
	size_t n;
};

static int ref_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct ref_rows *r = ctx;
	if (n < 1 || r->n == EXPIRE_BATCH)
		return 0;
	r->v[r->n++] = col_str(&c[0]);
	return 0;
}

struct expire_ctx {
	struct sl_store *st;
	int64_t now;
	const char *actor;
	size_t batch; /* items of this transaction */
	int more;
};

/* One batch per transaction: a large backlog never holds the lock for long. */
static int expire_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct expire_ctx *c = ctx;
	char *v[EXPIRE_BATCH];
	struct ref_rows r = { v, 0 };
	struct sl_sqlval q[2] = { sl_sql_int(c->now), sl_sql_int(EXPIRE_BATCH) };
	size_t i;
	int rc = sl_store_exec(tx,
			       "SELECT ref FROM items WHERE purged_at IS NULL AND expires < $1 "
			       "AND (claim_until IS NULL OR claim_until < $1) ORDER BY expires LIMIT $2",
			       q, 2, ref_row, &r, NULL, why);
	c->more = r.n == EXPIRE_BATCH;
	for (i = 0; rc == SL_OK && i < r.n; i++) {
		struct sl_sqlval p[2] = { sl_sql_text(v[i]), sl_sql_int(c->now) };
		struct sl_audit a = { 0 };
		rc = sl_store_exec(tx,
				   "UPDATE items SET purged_at = $2, status_at = CASE WHEN status = 'held' THEN $2 "
				   "ELSE status_at END, status_by = CASE WHEN status = 'held' THEN 'expiry' ELSE "
				   "status_by END, status = CASE WHEN status = 'held' THEN 'expired' ELSE status END "
				   "WHERE ref = $1",
				   p, 2, NULL, NULL, NULL, why);
		if (rc == SL_OK)
			rc = sl_store_exec(tx, "DELETE FROM item_data WHERE ref = $1", p, 1, NULL, NULL, NULL, why);
		if (rc != SL_OK)
			break;
		a.at = c->now;
		a.actor = (char *)c->actor;
		a.action = "expire";
		a.ref = v[i];
		a.outcome = "ok";
		a.detail = "quarantine.retention_days passed: the bytes were removed";
		rc = tx_audit(tx, &a, sl_store_node(c->st), why);
	}
	c->batch = r.n;
	for (i = 0; i < r.n; i++)
		free(v[i]);
	return rc;
}

int sl_store_expire(struct sl_store *st, int64_t now, const char *actor, size_t *count, char **why)
{
	struct expire_ctx c = { st, now, actor, 0, 0 };
	size_t done = 0;
	int rc;
	do {
		rc = sl_store_tx(st, expire_fn, &c, why);
		if (rc != SL_OK || c.batch == 0)
			break;
		done += c.batch;
	} while (c.more);
	if (count != NULL)
		*count = done;
	return rc;
}
