/*
 * test_repcache - the quarantine store as the reputation cache's persistence
 * (lib/store/repcache.c), the same tests on SQLite and on PostgreSQL (the
 * CTest fixture "pg"): rows written as answers come and read back by "the
 * next process" (a second store on the same database, as a second gateway
 * would open it), upserts replace, expired rows are neither loaded nor kept
 * (purge), the longest-lived load first when the cache is smaller, keys too
 * long or not UTF-8 stay in memory, a listing with a verdict the cache does
 * not know is skipped at load, and the writer's batches are transactions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glib.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "provcache.h"
#include "repcache.h"
#include "store.h"
#define STORE_TEST_NAME "test_repcache"
#include "store_test.h"
#include "util.h"

static struct sl_provcache_entry entry(const char *prov, char scope, const char *key, int listed,
				       int64_t expires)
{
	struct sl_provcache_entry e = {prov,
				       scope,
				       key,
				       listed,
				       listed ? SL_REP_MALICIOUS : SL_REP_UNKNOWN,
				       listed ? "SOCIAL_ENGINEERING" : "",
				       listed ? "phishing" : "",
				       expires};
	return e;
}

static int count_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	*(int64_t *)ctx = n > 0 && c[0].type == SL_SQL_INT ? c[0].i : -1;
	return 0;
}

static int64_t rows(struct env *e)
{
	int64_t n = -1;
	char *why = NULL;
	if (sl_store_query(e->st, "SELECT count(*) FROM reputation_cache", NULL, 0, count_row, &n,
			   &why) != SL_OK)
		fail_msg("count: %s", why);
	return n;
}

static int has(struct sl_provcache *c, const char *prov, char scope, const char *key, int64_t now,
	       struct sl_provcache_hit *out)
{
	struct sl_provcache_hit h;
	if (!sl_provcache_get(c, prov, scope, key, now, &h))
		return 0;
	if (out != NULL) {
		*out = h;
	} else {
		free(h.detail);
		free(h.category);
	}
	return 1;
}

static void test_round_trip(void **state)
{
	struct env *e = *state;
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *c = sl_provcache_new(100, sl_repcache_store(e->st), 3600);
	struct sl_provcache_entry en;
	struct sl_provcache_hit h;
	struct sl_store *other;
	char *longkey = g_strnfill(SL_REPCACHE_MAX_KEY + 10, 'a');

	en = entry("webrisk", 'u', "https://a.test/p?q='x';--\"ü", 1, now + 600);
	sl_provcache_put(c, &en, now);
	en = entry("dbl:dbl.example.test", 'h', "evil.test", 0, now + 600);
	sl_provcache_put(c, &en, now);
	en = entry("webrisk", 'u', longkey, 1, now + 600); /* memory only */
	sl_provcache_put(c, &en, now);
	en = entry("webrisk", 'u', "https://bad-utf8.test/\xff", 1, now + 600);
	sl_provcache_put(c, &en, now);
	/* a newer answer replaces the older one */
	en = entry("urlhaus", 'h', "flip.test", 1, now + 100);
	sl_provcache_put(c, &en, now);
	en = entry("urlhaus", 'h', "flip.test", 0, now + 900);
	sl_provcache_put(c, &en, now);
	sl_provcache_free(c);
	assert_int_equal(rows(e), 3);

	/* the next process (or another gateway): its own store on the same database */
	other = open_store(e);
	c = sl_provcache_new(100, sl_repcache_store(other), 3600);
	assert_true(has(c, "webrisk", 'u', "https://a.test/p?q='x';--\"ü", now, &h));
	assert_int_equal(h.listed, 1);
	assert_int_equal(h.verdict, SL_REP_MALICIOUS);
	assert_string_equal(h.detail, "SOCIAL_ENGINEERING");
	assert_string_equal(h.category, "phishing");
	assert_int_equal(h.expires, now + 600);
	free(h.detail);
	free(h.category);
	assert_true(has(c, "dbl:dbl.example.test", 'h', "evil.test", now, &h));
	assert_int_equal(h.listed, 0);
	assert_string_equal(h.detail, "");
	free(h.detail);
	free(h.category);
	assert_true(has(c, "urlhaus", 'h', "flip.test", now, &h));
	assert_int_equal(h.listed, 0);
	assert_int_equal(h.expires, now + 900);
	free(h.detail);
	free(h.category);
	assert_false(has(c, "webrisk", 'u', longkey, now, NULL));
	assert_false(has(c, "urlhaus", 'u', "flip.test", now, NULL)); /* the scope counts */
	sl_provcache_free(c);
	sl_store_close(other);
	g_free(longkey);
}

static int exec_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	return sl_store_exec(tx, ctx, NULL, 0, NULL, NULL, NULL, why);
}

static void exec_sql(struct env *e, const char *sql)
{
	char *why = NULL;
	if (sl_store_tx(e->st, exec_fn, (void *)sql, &why) != SL_OK)
		fail_msg("%s: %s", sql, why);
}

static void test_expiry_and_order(void **state)
{
	struct env *e = *state;
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *c = sl_provcache_new(100, sl_repcache_store(e->st), 3600);
	struct sl_provcache_stats st;
	char *sql;

	for (int i = 1; i <= 5; i++) {
		char *k = g_strdup_printf("h%d.test", i);
		struct sl_provcache_entry en = entry("p", 'h', k, 0, now + 100 * i);
		sl_provcache_put(c, &en, now);
		g_free(k);
	}
	sl_provcache_free(c);
	/* rows that expired while nobody ran, and one a stranger wrote */
	sql =
	    g_strdup_printf("INSERT INTO reputation_cache VALUES ('p', 'host', 'old1.test', 0, '', "
			    "'', '', %lld), ('p', 'host', 'old2.test', 1, 'malicious', 'X', 'x', "
			    "%lld), ('p', 'host', 'odd.test', 1, '', '', '', %lld)",
			    (long long)now - 10, (long long)now, (long long)now + 50);
	exec_sql(e, sql);
	g_free(sql);
	assert_int_equal(rows(e), 8);

	/* a cache of 3: the three that live longest; never the expired ones;
	 * the listing without a verdict skipped; the writer purges after its
	 * first write */
	c = sl_provcache_new(3, sl_repcache_store(e->st), 3600);
	assert_false(has(c, "p", 'h', "old1.test", now - 20, NULL));
	assert_false(has(c, "p", 'h', "odd.test", now, NULL));
	assert_true(has(c, "p", 'h', "h5.test", now, NULL));
	assert_true(has(c, "p", 'h', "h4.test", now, NULL));
	assert_true(has(c, "p", 'h', "h3.test", now, NULL));
	assert_false(has(c, "p", 'h', "h2.test", now, NULL));
	sl_provcache_stats(c, &st);
	assert_int_equal(st.loaded, 3);
	sl_provcache_flush(c);
	assert_int_equal(rows(e), 8); /* nothing written yet: nothing purged */
	{
		struct sl_provcache_entry en = entry("p", 'h', "h6.test", 0, now + 600);
		sl_provcache_put(c, &en, now);
	}
	sl_provcache_free(c);
	assert_int_equal(rows(e), 7); /* h6 in, old1 and old2 (expires == now) purged */
}

/* A batch that fails is not half written: the store refuses a value. */
static void test_batch_is_one_transaction(void **state)
{
	struct env *e = *state;
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache_store *s = sl_repcache_store(e->st);
	struct sl_provcache_entry a = entry("p", 'h', "a.test", 0, now + 100);
	struct sl_provcache_entry b = entry("p", 'h', "b.test", 0, now + 100);
	const struct sl_provcache_entry *v[2] = {&a, &b};
	char *why = NULL;

	exec_sql(e, "CREATE TRIGGER no_b BEFORE INSERT ON reputation_cache "
		    "WHEN NEW.key = 'b.test' BEGIN SELECT RAISE(ABORT, 'no b'); END");
	assert_int_not_equal(s->put(s->ctx, v, 2, &why), SL_OK);
	assert_non_null(why);
	free(why);
	assert_int_equal(rows(e), 0);
	free(s);
}

/* A batch of more rows than one statement takes, and the same key twice in
 * one batch (PostgreSQL refuses to update a row twice in one statement):
 * every row stored, the last answer for a key kept. */
static void test_big_batch_and_duplicates(void **state)
{
	struct env *e = *state;
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache_store *s = sl_repcache_store(e->st);
	enum { N = 250 };
	struct sl_provcache_entry en[N + 2];
	const struct sl_provcache_entry *v[N + 2];
	char *keys[N];
	char *why = NULL;
	struct sl_provcache *c;
	struct sl_provcache_hit h;

	for (int i = 0; i < N; i++) {
		keys[i] = g_strdup_printf("h%d.test", i);
		en[i] = entry("p", 'h', keys[i], i % 3 == 0, now + 100 + i);
		v[i] = &en[i];
	}
	en[N] = entry("p", 'u', "https://twice.test/", 1, now + 100);
	en[N + 1] = entry("p", 'u', "https://twice.test/", 0, now + 700);
	v[N] = &en[N];
	v[N + 1] = &en[N + 1];
	if (s->put(s->ctx, v, N + 2, &why) != SL_OK)
		fail_msg("put: %s", why);
	assert_int_equal(rows(e), N + 1);
	c = sl_provcache_new(1000, sl_repcache_store(e->st), 3600);
	assert_true(has(c, "p", 'u', "https://twice.test/", now, &h));
	assert_int_equal(h.listed, 0);
	assert_int_equal(h.expires, now + 700);
	free(h.detail);
	free(h.category);
	assert_true(has(c, "p", 'h', "h248.test", now, &h));
	assert_int_equal(h.listed, 0);
	free(h.detail);
	free(h.category);
	assert_true(has(c, "p", 'h', "h3.test", now, &h));
	assert_int_equal(h.listed, 1);
	free(h.detail);
	free(h.category);
	sl_provcache_free(c);
	for (int i = 0; i < N; i++)
		g_free(keys[i]);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup_sqlite, teardown),
	    cmocka_unit_test_setup_teardown(test_expiry_and_order, setup_sqlite, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_is_one_transaction, setup_sqlite, teardown),
	    cmocka_unit_test_setup_teardown(test_big_batch_and_duplicates, setup_sqlite, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup_pg, teardown),
	    cmocka_unit_test_setup_teardown(test_big_batch_and_duplicates, setup_pg, teardown),
	    cmocka_unit_test_setup_teardown(test_expiry_and_order, setup_pg, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
