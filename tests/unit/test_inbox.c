/*
 * test_inbox - the WhatsApp webhook's durable inbox (lib/store/inbox.c) on
 * SQLite and PostgreSQL: payloads kept byte for byte and in order; many
 * threads putting at once are committed in fewer transactions than payloads
 * (group commit) and every one of them is there; rows taken with a lease
 * are not taken again until it runs out, several takers never share a row,
 * a restarted gateway gets its earlier run's rows back at once; a payload is
 * gone once done; with an owner, rows are handed to waiting workers in
 * memory as they are committed, taken already.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glib.h>
#include <libpq-fe.h>
#include <pthread.h>

#include "inbox.h"
#include "config.h"
#include "store.h"
#define STORE_TEST_NAME "test_inbox"
#include "store_test.h"
#include "util.h"

static void put_ok(struct sl_inbox *ib, const char *s)
{
	char *why = NULL;
	if (sl_inbox_put(ib, s, strlen(s), &why) != SL_OK)
		fail_msg("put: %s", why);
}

static int64_t count(struct sl_store *st)
{
	int64_t n = -1;
	char *why = NULL;
	if (sl_inbox_count(st, &n, &why) != SL_OK)
		fail_msg("count: %s", why);
	return n;
}

static int done_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	return sl_inbox_done_tx(tx, *(int64_t *)ctx, why);
}

static void test_put_take_done(void **state)
{
	struct env *e = *state;
	struct sl_inbox *ib = NULL;
	struct sl_inbox_row *rows = NULL;
	size_t n = 0;
	char *why = NULL;
	int64_t now = sl_now_ms();
	static const char bin[] = "{\"a\":\"\xc3\xa9\"}\x00tail";

	assert_int_equal(sl_inbox_new(e->st, NULL, 0, &ib, &why), SL_OK);
	put_ok(ib, "{\"n\":1}");
	put_ok(ib, "{\"n\":2}");
	assert_int_equal(sl_inbox_put(ib, bin, sizeof(bin) - 1, &why), SL_OK);
	assert_int_equal(count(e->st), 3);

	assert_int_equal(sl_inbox_take(e->st, "test-gw/1", now, 60000, 10, &rows, &n, &why), SL_OK);
	assert_int_equal(n, 3);
	assert_string_equal((char *)rows[0].body, "{\"n\":1}");
	assert_string_equal((char *)rows[1].body, "{\"n\":2}");
	assert_int_equal(rows[2].len, sizeof(bin) - 1);
	assert_memory_equal(rows[2].body, bin, sizeof(bin) - 1);
	assert_true(rows[0].id < rows[1].id);
	assert_int_equal(rows[0].attempts, 1);
	/* leased: nobody takes them until the lease runs out */
	{
		struct sl_inbox_row *again = NULL;
		size_t m = 9;
		assert_int_equal(
		    sl_inbox_take(e->st, "test-gw/2", now + 1000, 60000, 10, &again, &m, &why),
		    SL_OK);
		assert_int_equal(m, 0);
		sl_inbox_rows_free(again, m);
		assert_int_equal(
		    sl_inbox_take(e->st, "test-gw/2", now + 61000, 60000, 2, &again, &m, &why),
		    SL_OK);
		assert_int_equal(m, 2); /* at most max */
		assert_int_equal(again[0].attempts, 2);
		sl_inbox_rows_free(again, m);
	}
	assert_int_equal(sl_store_tx(e->st, done_fn, &rows[0].id, &why), SL_OK);
	assert_int_equal(count(e->st), 2);
	sl_inbox_rows_free(rows, n);
	sl_inbox_free(ib);
}

struct putter {
	struct sl_inbox *ib;
	int base, n;
};

static void *put_many(void *arg)
{
	struct putter *p = arg;
	int i;
	for (i = 0; i < p->n; i++) {
		char *s = sl_xasprintf("{\"t\":%d,\"i\":%d}", p->base, i);
		char *why = NULL;
		if (sl_inbox_put(p->ib, s, strlen(s), &why) != SL_OK) {
			fprintf(stderr, "put: %s\n", why);
			abort();
		}
		free(s);
	}
	return NULL;
}

static void test_group_commit(void **state)
{
	struct env *e = *state;
	struct sl_inbox *ib = NULL;
	struct sl_inbox_stats s;
	pthread_t th[16];
	struct putter p[16];
	char *why = NULL;
	int i;

	assert_int_equal(sl_inbox_new(e->st, NULL, 0, &ib, &why), SL_OK);
	for (i = 0; i < 16; i++) {
		p[i] = (struct putter){ib, i, 50};
		assert_int_equal(pthread_create(&th[i], NULL, put_many, &p[i]), 0);
	}
	for (i = 0; i < 16; i++)
		pthread_join(th[i], NULL);
	sl_inbox_stats(ib, &s);
	assert_int_equal(s.payloads, 800);
	assert_int_equal(s.failed, 0);
	assert_true(s.commits < 800); /* waiting requests share a commit */
	assert_true(s.largest > 1);
	assert_int_equal(count(e->st), 800);
	print_message("  800 payloads from 16 threads in %llu commits (largest %llu)\n",
		      (unsigned long long)s.commits, (unsigned long long)s.largest);
	sl_inbox_free(ib);
}

struct taker {
	struct sl_store *st;
	char owner[32];
	GArray *ids;
};

static void *take_all(void *arg)
{
	struct taker *t = arg;
	for (;;) {
		struct sl_inbox_row *rows = NULL;
		size_t n = 0, i;
		char *why = NULL;
		if (sl_inbox_take(t->st, t->owner, sl_now_ms(), 600000, 3, &rows, &n, &why) !=
		    SL_OK) {
			free(why);
			continue; /* busy: again */
		}
		for (i = 0; i < n; i++)
			g_array_append_val(t->ids, rows[i].id);
		sl_inbox_rows_free(rows, n);
		if (n == 0)
			return NULL;
	}
}

static void test_takers_share_nothing(void **state)
{
	struct env *e = *state;
	struct sl_inbox *ib = NULL;
	struct taker t[4];
	pthread_t th[4];
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	size_t total = 0;
	char *why = NULL;
	int i;

	assert_int_equal(sl_inbox_new(e->st, NULL, 0, &ib, &why), SL_OK);
	for (i = 0; i < 60; i++)
		put_ok(ib, "{}");
	for (i = 0; i < 4; i++) {
		t[i].st = e->st;
		snprintf(t[i].owner, sizeof(t[i].owner), "test-gw/%d", i);
		t[i].ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
		assert_int_equal(pthread_create(&th[i], NULL, take_all, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		size_t k;
		pthread_join(th[i], NULL);
		for (k = 0; k < t[i].ids->len; k++) {
			int64_t *id = &g_array_index(t[i].ids, int64_t, k);
			if (g_hash_table_contains(seen, id))
				fail_msg("row %lld taken twice", (long long)*id);
			g_hash_table_add(seen, id);
			total++;
		}
	}
	assert_int_equal(total, 60);
	g_hash_table_destroy(seen);
	for (i = 0; i < 4; i++)
		g_array_free(t[i].ids, TRUE);
	sl_inbox_free(ib);
}

static void test_restart_releases(void **state)
{
	struct env *e = *state;
	struct sl_inbox *ib = NULL;
	struct sl_inbox_row *rows = NULL;
	size_t n = 0;
	char *why = NULL;
	int64_t now = sl_now_ms();

	assert_int_equal(sl_inbox_new(e->st, NULL, 0, &ib, &why), SL_OK);
	put_ok(ib, "{\"x\":1}");
	assert_int_equal(sl_inbox_take(e->st, "test-gw/old-run", now, 600000, 10, &rows, &n, &why),
			 SL_OK);
	assert_int_equal(n, 1);
	sl_inbox_rows_free(rows, n);
	/* another gateway's rows stay its own */
	assert_int_equal(sl_inbox_release_owner(e->st, "test", &why), SL_OK);
	assert_int_equal(sl_inbox_take(e->st, "test-gw/new-run", now, 600000, 10, &rows, &n, &why),
			 SL_OK);
	assert_int_equal(n, 0);
	sl_inbox_rows_free(rows, n);
	assert_int_equal(sl_inbox_release_owner(e->st, "test-gw", &why), SL_OK);
	assert_int_equal(sl_inbox_take(e->st, "test-gw/new-run", now, 600000, 10, &rows, &n, &why),
			 SL_OK);
	assert_int_equal(n, 1);
	sl_inbox_rows_free(rows, n);
	sl_inbox_free(ib);
}

static int body_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	g_string_append_len(ctx, c[0].p, (gssize)c[0].n);
	return 0;
}

static gpointer later_put(gpointer arg)
{
	g_usleep(100000);
	put_ok(arg, "{\"late\":1}");
	return NULL;
}

/* With an owner, committed rows are handed to the workers in memory, taken
 * already: sl_inbox_take does not see them; stopping wakes the workers. */
static void test_hand_over(void **state)
{
	struct env *e = *state;
	struct sl_inbox *ib = NULL;
	struct sl_inbox_row *rows = NULL;
	gint64 t0;
	size_t n;
	char *why = NULL;
	GThread *th;

	assert_int_equal(sl_inbox_new(e->st, "test-gw/1", 600000, &ib, &why), SL_OK);
	t0 = g_get_monotonic_time();
	assert_int_equal(sl_inbox_next(ib, 10, 50, &rows), 0); /* nothing: the timeout */
	assert_true(g_get_monotonic_time() - t0 >= 45000);
	th = g_thread_new("put", later_put, ib);
	t0 = g_get_monotonic_time();
	n = sl_inbox_next(ib, 10, 10000, &rows);
	assert_true(g_get_monotonic_time() - t0 < 5000000); /* woken by the commit */
	assert_int_equal(n, 1);
	assert_string_equal((char *)rows[0].body, "{\"late\":1}");
	assert_true(rows[0].id > 0);
	g_thread_join(th);
	/* taken in the store already */
	{
		struct sl_inbox_row *taken = NULL;
		size_t m = 9;
		assert_int_equal(
		    sl_inbox_take(e->st, "test-gw/2", sl_now_ms(), 1000, 10, &taken, &m, &why),
		    SL_OK);
		assert_int_equal(m, 0);
		sl_inbox_rows_free(taken, m);
	}
	assert_int_equal(count(e->st), 1);
	sl_inbox_rows_free(rows, n);
	put_ok(ib, "{}");
	put_ok(ib, "{}");
	n = sl_inbox_next(ib, 1, 1000, &rows); /* at most max */
	assert_int_equal(n, 1);
	sl_inbox_rows_free(rows, n);
	/* many at once, several statements a commit: each row handed over under
	 * the id its own body has in the store */
	{
		pthread_t th2[8];
		struct putter p[8];
		size_t got = 0, k;
		int i;
		for (i = 0; i < 8; i++) {
			p[i] = (struct putter){ib, 100 + i, 10};
			assert_int_equal(pthread_create(&th2[i], NULL, put_many, &p[i]), 0);
		}
		for (i = 0; i < 8; i++)
			pthread_join(th2[i], NULL);
		while (got < 81) { /* the one left above and these 80 */
			n = sl_inbox_next(ib, 100, 2000, &rows);
			assert_true(n > 0);
			for (k = 0; k < n; k++) {
				struct sl_sqlval id = sl_sql_int(rows[k].id);
				GString *body = g_string_new(NULL);
				assert_int_equal(
				    sl_store_query(e->st, "SELECT body FROM wa_inbox WHERE id = $1",
						   &id, 1, body_row, body, &why),
				    SL_OK);
				assert_int_equal(body->len, rows[k].len);
				assert_memory_equal(body->str, rows[k].body, rows[k].len);
				g_string_free(body, TRUE);
			}
			got += n;
			sl_inbox_rows_free(rows, n);
		}
		assert_int_equal(got, 81);
	}
	sl_inbox_stop(ib);
	t0 = g_get_monotonic_time();
	assert_int_equal(sl_inbox_next(ib, 10, 10000, &rows), 0);
	assert_true(g_get_monotonic_time() - t0 < 5000000);
	assert_int_equal(sl_inbox_put(ib, "{}", 2, &why), SL_ETEMP);
	free(why);
	sl_inbox_free(ib);
}

#define BACKEND_TESTS(setup_fn)                                                                    \
	{                                                                                          \
		cmocka_unit_test_setup_teardown(test_put_take_done, setup_fn, teardown),           \
		    cmocka_unit_test_setup_teardown(test_group_commit, setup_fn, teardown),        \
		    cmocka_unit_test_setup_teardown(test_takers_share_nothing, setup_fn,           \
						    teardown),                                     \
		    cmocka_unit_test_setup_teardown(test_restart_releases, setup_fn, teardown),    \
		    cmocka_unit_test_setup_teardown(test_hand_over, setup_fn, teardown),           \
	}

int main(void)
{
	const struct CMUnitTest sqlite[] = BACKEND_TESTS(setup_sqlite);
	const struct CMUnitTest pg[] = BACKEND_TESTS(setup_pg);
	int failed = 0;
	sl_log_open("test_inbox", 0, SL_LOG_WARNING);
	failed += cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
	failed += cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
	return failed;
}
