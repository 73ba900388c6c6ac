/* repcache - see repcache.h. */
#include <glib.h>

#include "repcache.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Rows per INSERT: one statement (one parse, one round trip) for several
 * answers, 8 parameters each; the PostgreSQL driver takes at most 32
 * parameters a statement (store_pg.c). */
#define ROWS_PER_INSERT 4

static const char upsert_head[] =
    "INSERT INTO reputation_cache (provider, scope, key, listed, verdict, detail, category, "
    "expires) VALUES ";
static const char upsert_tail[] =
    " ON CONFLICT (provider, scope, key) DO UPDATE SET listed = excluded.listed, "
    "verdict = excluded.verdict, detail = excluded.detail, category = excluded.category, "
    "expires = excluded.expires";

static const char load_sql[] =
    "SELECT provider, scope, key, listed, verdict, detail, category, expires "
    "FROM reputation_cache WHERE expires > $1 ORDER BY expires DESC LIMIT $2";

/* ---- load ---- */

struct load_ctx {
	void (*add)(void *, const struct sl_provcache_entry *);
	void *arg;
	size_t bad;
};

static int load_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct load_ctx *l = ctx;
	char *v[8] = {0};
	struct sl_provcache_entry e = {0};

	if (n != 8 || c[3].type != SL_SQL_INT || c[7].type != SL_SQL_INT) {
		l->bad++;
		return 0;
	}
	for (size_t i = 0; i < 8; i++)
		if (i != 3 && i != 7)
			v[i] = sl_sql_strdup(&c[i]);
	e.provider = v[0];
	e.scope = v[1] != NULL && strcmp(v[1], "host") == 0 ? 'h' : 'u';
	e.key = v[2];
	e.listed = c[3].i != 0;
	e.verdict =
	    v[4] != NULL && strcmp(v[4], "malicious") == 0 ? SL_REP_MALICIOUS : SL_REP_SUSPICIOUS;
	e.detail = v[5];
	e.category = v[6];
	e.expires = c[7].i;
	/* a listing without a verdict the cache knows is not ours to guess */
	if (e.provider == NULL || e.key == NULL || v[1] == NULL ||
	    (e.listed &&
	     (v[4] == NULL || (strcmp(v[4], "malicious") != 0 && strcmp(v[4], "suspicious") != 0))))
		l->bad++;
	else
		l->add(l->arg, &e);
	for (size_t i = 0; i < 8; i++)
		free(v[i]);
	return 0;
}

static int rc_load(void *ctx, int64_t now, size_t max,
		   void (*add)(void *, const struct sl_provcache_entry *), void *arg, char **why)
{
	struct sl_store *st = ctx;
	struct load_ctx l = {add, arg, 0};
	struct sl_sqlval p[2] = {sl_sql_int(now), sl_sql_int((int64_t)MIN(max, (size_t)INT64_MAX))};
	int rc = sl_store_query(st, load_sql, p, 2, load_row, &l, why);

	if (rc == SL_OK && l.bad > 0)
		sl_log(SL_LOG_WARNING,
		       "reputation cache: %zu unreadable row(s) in the store skipped", l.bad);
	return rc;
}

/* ---- put ---- */

struct put_ctx {
	const struct sl_provcache_entry *const *e;
	size_t n;
};

/* Valid UTF-8 clipped to SL_REPCACHE_MAX_TEXT (caller frees). */
static char *text(const char *s)
{
	gchar *v = g_utf8_make_valid(s != NULL ? s : "", -1);
	char *c = sl_clip(v, SL_REPCACHE_MAX_TEXT);
	g_free(v);
	return c;
}

/* The entries of a batch that can be stored, the last answer for each key
 * only (PostgreSQL refuses to update one row twice in one statement). */
static GPtrArray *storable(const struct put_ctx *pc)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *out = g_ptr_array_new();

	for (size_t i = pc->n; i-- > 0;) {
		const struct sl_provcache_entry *e = pc->e[i];
		size_t klen = strlen(e->key);
		if (klen > SL_REPCACHE_MAX_KEY || !g_utf8_validate(e->key, (gssize)klen, NULL))
			continue; /* memory only */
		if (!g_hash_table_add(
			seen, g_strdup_printf("%s\x1f%c\x1f%s", e->provider, e->scope, e->key)))
			continue;
		g_ptr_array_add(out, (gpointer)e);
	}
	g_hash_table_destroy(seen);
	return out;
}

/* One INSERT ... ON CONFLICT for e[0..n). */
static int upsert(struct sl_store_tx *tx, const struct sl_provcache_entry *const *e, size_t n,
		  char **why)
{
	GString *sql = g_string_new(upsert_head);
	struct sl_sqlval *p = sl_xcalloc(n * 8, sizeof(*p));
	char **owned = sl_xcalloc(n * 3, sizeof(char *));
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct sl_sqlval *v = &p[i * 8];
		owned[i * 3] = text(e[i]->provider);
		owned[i * 3 + 1] = text(e[i]->listed ? e[i]->detail : "");
		owned[i * 3 + 2] = text(e[i]->listed ? e[i]->category : "");
		v[0] = sl_sql_text(owned[i * 3]);
		v[1] = sl_sql_text(e[i]->scope == 'h' ? "host" : "url");
		v[2] = sl_sql_text(e[i]->key);
		v[3] = sl_sql_int(e[i]->listed ? 1 : 0);
		v[4] = sl_sql_text(!e[i]->listed                       ? ""
				   : e[i]->verdict >= SL_REP_MALICIOUS ? "malicious"
								       : "suspicious");
		v[5] = sl_sql_text(owned[i * 3 + 1]);
		v[6] = sl_sql_text(owned[i * 3 + 2]);
		v[7] = sl_sql_int(e[i]->expires);
		g_string_append_printf(sql, "%s($%zu, $%zu, $%zu, $%zu, $%zu, $%zu, $%zu, $%zu)",
				       i > 0 ? ", " : "", i * 8 + 1, i * 8 + 2, i * 8 + 3,
				       i * 8 + 4, i * 8 + 5, i * 8 + 6, i * 8 + 7, i * 8 + 8);
	}
	g_string_append(sql, upsert_tail);
	rc = sl_store_exec(tx, sql->str, p, n * 8, NULL, NULL, NULL, why);
	for (size_t i = 0; i < n * 3; i++)
		free(owned[i]);
	free(owned);
	free(p);
	g_string_free(sql, TRUE);
	return rc;
}

static int put_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	GPtrArray *rows = storable(ctx);
	int rc = SL_OK;

	for (guint i = 0; i < rows->len && rc == SL_OK; i += ROWS_PER_INSERT)
		rc = upsert(tx, (const struct sl_provcache_entry *const *)rows->pdata + i,
			    MIN(rows->len - i, (guint)ROWS_PER_INSERT), why);
	g_ptr_array_free(rows, TRUE);
	return rc;
}

static int rc_put(void *ctx, const struct sl_provcache_entry *const *e, size_t n, char **why)
{
	struct put_ctx pc = {e, n};
	return sl_store_tx(ctx, put_fn, &pc, why);
}

/* ---- purge ---- */

struct purge_ctx {
	int64_t now;
	int64_t removed;
};

static int purge_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct purge_ctx *pc = ctx;
	struct sl_sqlval p[1] = {sl_sql_int(pc->now)};
	return sl_store_exec(tx, "DELETE FROM reputation_cache WHERE expires <= $1", p, 1, NULL,
			     NULL, &pc->removed, why);
}

static int rc_purge(void *ctx, int64_t now, size_t *removed, char **why)
{
	struct purge_ctx pc = {now, 0};
	int rc = sl_store_tx(ctx, purge_fn, &pc, why);
	*removed = rc == SL_OK && pc.removed > 0 ? (size_t)pc.removed : 0;
	return rc;
}

struct sl_provcache_store *sl_repcache_store(struct sl_store *st)
{
	struct sl_provcache_store *s = sl_xcalloc(1, sizeof(*s));
	s->ctx = st;
	s->load = rc_load;
	s->put = rc_put;
	s->purge = rc_purge;
	s->free = NULL; /* the store is the front end's */
	return s;
}

void sl_repcache_connect(struct sl_store *st, const struct sl_config *cfg)
{
	sl_provcache_persist(sl_repcache_store(st),
			     sl_config_int(cfg, "reputation.cache_purge_interval"));
}

void sl_repcache_disconnect(void)
{
	sl_provcache_persist(NULL, 0);
}
