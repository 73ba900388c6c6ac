/*
 * test_outbox - what goes to the platform (lib/store/outbox.c) on SQLite and
 * PostgreSQL: a key is queued once; due rows are taken in order with a
 * lease; a success removes the body and keeps the key; failures back off
 * exponentially (within the jitter) up to the cap; past max_attempts or the
 * retry window a row is a dead letter with an audit row; supervisors list
 * rows and send a dead letter again (others refused, audited); the next due
 * time; an earlier run's rows given back; sent rows purged after the window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glib.h>
#include <libpq-fe.h>

#include "outbox.h"
#include "config.h"
#include "store.h"
#define STORE_TEST_NAME "test_outbox"
#include "store_test.h"
#include "util.h"

static void queue(struct sl_store *st, const char *key, int64_t now, int want_inserted)
{
	struct sl_outbox_msg m = {key, "message", NULL, "d0", "{\"x\":1}", 7};
	char *why = NULL;
	int inserted = -1;
	if (sl_outbox_put(st, &m, now, &inserted, &why) != SL_OK)
		fail_msg("put: %s", why);
	assert_int_equal(inserted, want_inserted);
}

static struct sl_outbox_row *take(struct sl_store *st, int64_t now, size_t max, size_t *n)
{
	struct sl_outbox_row *rows = NULL;
	char *why = NULL;
	if (sl_outbox_take(st, "test-gw/1", now, 30000, max, &rows, n, &why) != SL_OK)
		fail_msg("take: %s", why);
	return rows;
}

static const char *state_of(struct sl_store *st, int64_t id, struct sl_outbox_entry **keep,
			    size_t *nkeep)
{
	size_t i;
	char *why = NULL;
	if (*keep != NULL)
		sl_outbox_entries_free(*keep, *nkeep);
	assert_int_equal(sl_outbox_list(st, NULL, 0, keep, nkeep, &why), SL_OK);
	for (i = 0; i < *nkeep; i++)
		if ((*keep)[i].id == id)
			return (*keep)[i].state;
	return NULL;
}

static const struct sl_outbox_policy policy = {1000, 8000, 7LL * 86400 * 1000, 0};

static void test_once_and_sent(void **state)
{
	struct env *e = *state;
	int64_t now = sl_now_ms();
	struct sl_outbox_row *rows;
	struct sl_outbox_result r;
	struct sl_outbox_entry *list = NULL;
	size_t n = 0, nl = 0;
	int has = 0;
	char *why = NULL;

	queue(e->st, "wa:A", now, 1);
	queue(e->st, "wa:A", now, 0); /* Meta's retry: once */
	queue(e->st, "wa:B", now, 1);
	assert_int_equal(sl_outbox_has(e->st, "wa:A", &has, &why), SL_OK);
	assert_true(has);
	assert_int_equal(sl_outbox_has(e->st, "wa:C", &has, &why), SL_OK);
	assert_false(has);

	rows = take(e->st, now, 1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].key, "wa:A"); /* first queued, first sent */
	assert_string_equal((char *)rows[0].body, "{\"x\":1}");
	assert_string_equal(rows[0].delivery_id, "d0");
	{
		size_t m = 0;
		struct sl_outbox_row *more = take(e->st, now, 10, &m);
		assert_int_equal(m, 1); /* A is leased */
		assert_string_equal(more[0].key, "wa:B");
		sl_outbox_rows_free(more, m);
	}
	r = (struct sl_outbox_result){&rows[0], 1, NULL};
	assert_int_equal(sl_outbox_settle(e->st, &r, 1, &policy, now, NULL, &why), SL_OK);
	assert_string_equal(state_of(e->st, rows[0].id, &list, &nl), "sent");
	queue(e->st, "wa:A", now, 0); /* sent rows keep their key */
	/* nothing more to take once sent, not even after its lease */
	{
		size_t m = 9;
		struct sl_outbox_row *more = take(e->st, now + 60000, 10, &m);
		size_t i;
		for (i = 0; i < m; i++)
			assert_string_not_equal(more[i].key, "wa:A");
		sl_outbox_rows_free(more, m);
	}
	/* purged after the window */
	{
		size_t purged = 0;
		assert_int_equal(sl_outbox_purge(e->st, now - 1, &purged, &why), SL_OK);
		assert_int_equal(purged, 0);
		assert_int_equal(sl_outbox_purge(e->st, now + 1, &purged, &why), SL_OK);
		assert_int_equal(purged, 1);
		assert_int_equal(sl_outbox_has(e->st, "wa:A", &has, &why), SL_OK);
		assert_false(has);
	}
	sl_outbox_entries_free(list, nl);
	sl_outbox_rows_free(rows, n);
}

static void test_backoff_and_dead(void **state)
{
	struct env *e = *state;
	int64_t now = sl_now_ms(), t = now, at = 0;
	struct sl_outbox_policy p = policy;
	struct sl_outbox_entry *list = NULL;
	size_t nl = 0, dead = 9, i;
	char *why = NULL;
	int64_t expect[] = {1000, 2000, 4000, 8000, 8000};

	p.max_attempts = 6;
	queue(e->st, "wa:F", now, 1);
	for (i = 0; i < 5; i++) {
		size_t n = 0;
		struct sl_outbox_row *rows = take(e->st, t, 10, &n);
		struct sl_outbox_result r;
		int64_t wait;
		assert_int_equal(n, 1);
		assert_int_equal(rows[0].attempts, (int64_t)i);
		r = (struct sl_outbox_result){&rows[0], 0, "HTTP 503"};
		assert_int_equal(sl_outbox_settle(e->st, &r, 1, &p, t, &dead, &why), SL_OK);
		assert_int_equal(dead, 0);
		assert_int_equal(sl_outbox_next_due(e->st, t, &at, &why), SL_OK);
		wait = at - t;
		if (wait < expect[i] - expect[i] / 10 || wait > expect[i] + expect[i] / 10)
			fail_msg("attempt %zu: waits %lld ms, expected %lld +- 10%%", i + 1,
				 (long long)wait, (long long)expect[i]);
		/* not due before its time */
		{
			size_t m = 9;
			struct sl_outbox_row *none = take(e->st, at - 1, 10, &m);
			assert_int_equal(m, 0);
			sl_outbox_rows_free(none, m);
		}
		t = at;
		sl_outbox_rows_free(rows, n);
	}
	assert_string_equal(list == NULL ? "pending" : "x", "pending");
	/* the sixth failure is the last (max_attempts = 6): a dead letter */
	{
		size_t n = 0;
		struct sl_outbox_row *rows = take(e->st, t, 10, &n);
		struct sl_outbox_result r = {&rows[0], 0, "connection refused"};
		int64_t id = rows[0].id;
		struct sl_audit *a = NULL;
		size_t na = 0, k;
		int found = 0;
		assert_int_equal(sl_outbox_settle(e->st, &r, 1, &p, t, &dead, &why), SL_OK);
		assert_int_equal(dead, 1);
		assert_string_equal(state_of(e->st, id, &list, &nl), "dead");
		assert_int_equal(sl_outbox_next_due(e->st, t, &at, &why), SL_OK);
		assert_int_equal(at, -1);
		assert_int_equal(sl_store_audit_list(e->st, NULL, 0, &a, &na, &why), SL_OK);
		for (k = 0; k < na; k++)
			found |= strcmp(a[k].action, "dead-letter") == 0 &&
				 strstr(a[k].detail, "connection refused") != NULL;
		assert_true(found);
		sl_audit_free(a, na);
		/* a supervisor sends it again */
		assert_int_equal(sl_outbox_retry(e->st, id, t + 5, "alice (uid 1001)", &why),
				 SL_OK);
		assert_string_equal(state_of(e->st, id, &list, &nl), "pending");
		sl_outbox_rows_free(rows, n);
		rows = take(e->st, t + 5, 10, &n);
		assert_int_equal(n, 1);
		assert_int_equal(rows[0].attempts, 0);
		sl_outbox_rows_free(rows, n);
		/* only dead letters */
		assert_int_equal(sl_outbox_retry(e->st, id, t + 6, "alice", &why), SL_ECONFLICT);
		assert_non_null(strstr(why, "not a dead letter"));
		free(why);
		why = NULL;
		assert_int_equal(sl_outbox_retry(e->st, 999999, t + 6, "alice", &why),
				 SL_ENOTFOUND);
		free(why);
		why = NULL;
		assert_int_equal(sl_store_audit_list(e->st, NULL, 0, &a, &na, &why), SL_OK);
		found = 0;
		for (k = 0; k < na; k++)
			found += strcmp(a[k].action, "outbox-retry") == 0;
		assert_int_equal(found, 3); /* the retry and the two refusals */
		sl_audit_free(a, na);
	}
	/* the window: a row older than retry_days is given up at its next failure */
	{
		size_t n = 0;
		struct sl_outbox_row *rows;
		struct sl_outbox_result r;
		queue(e->st, "wa:G", now, 1);
		rows = take(e->st, now + p.window_ms, 10, &n);
		for (i = 0; i < n; i++)
			if (strcmp(rows[i].key, "wa:G") == 0)
				break;
		assert_true(i < n);
		r = (struct sl_outbox_result){&rows[i], 0, "HTTP 500"};
		assert_int_equal(
		    sl_outbox_settle(e->st, &r, 1, &policy, now + p.window_ms, &dead, &why), SL_OK);
		assert_int_equal(dead, 1);
		sl_outbox_rows_free(rows, n);
	}
	/* the list by state */
	{
		struct sl_outbox_entry *d = NULL;
		size_t nd = 0;
		assert_int_equal(sl_outbox_list(e->st, "dead", 0, &d, &nd, &why), SL_OK);
		assert_int_equal(nd, 1);
		assert_string_equal(d[0].key, "wa:G");
		assert_string_equal(d[0].last_error, "HTTP 500");
		sl_outbox_entries_free(d, nd);
	}
	sl_outbox_entries_free(list, nl);
}

static void test_restart_releases(void **state)
{
	struct env *e = *state;
	int64_t now = sl_now_ms();
	size_t n = 0;
	struct sl_outbox_row *rows;
	char *why = NULL;

	queue(e->st, "wa:R", now, 1);
	rows = take(e->st, now, 10, &n);
	assert_int_equal(n, 1);
	sl_outbox_rows_free(rows, n);
	rows = take(e->st, now, 10, &n);
	assert_int_equal(n, 0);
	sl_outbox_rows_free(rows, n);
	assert_int_equal(sl_outbox_release_owner(e->st, "test-gw", &why), SL_OK);
	rows = take(e->st, now, 10, &n);
	assert_int_equal(n, 1);
	sl_outbox_rows_free(rows, n);
}

#define BACKEND_TESTS(setup_fn)                                                                    \
	{                                                                                          \
		cmocka_unit_test_setup_teardown(test_once_and_sent, setup_fn, teardown),           \
		    cmocka_unit_test_setup_teardown(test_backoff_and_dead, setup_fn, teardown),    \
		    cmocka_unit_test_setup_teardown(test_restart_releases, setup_fn, teardown),    \
	}

int main(void)
{
	const struct CMUnitTest sqlite[] = BACKEND_TESTS(setup_sqlite);
	const struct CMUnitTest pg[] = BACKEND_TESTS(setup_pg);
	int failed = 0;
	sl_log_open("test_outbox", 0, SL_LOG_ERR);
	failed += cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
	failed += cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
	return failed;
}
