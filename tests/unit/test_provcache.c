/*
 * test_provcache - unit tests for lib/links/provcache.c: lifetimes, the size
 * bound (least recently used out), the file store (atomic, 0600, expired
 * entries dropped, bad lines skipped) and the shared caches of a path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "provcache.h"
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

static int has(struct sl_provcache *c, const char *prov, char scope, const char *key, int64_t now,
	       int *listed)
{
	struct sl_provcache_hit h;
	if (!sl_provcache_get(c, prov, scope, key, now, &h))
		return 0;
	if (listed != NULL)
		*listed = h.listed;
	free(h.detail);
	free(h.category);
	return 1;
}

static void test_lifetimes(void **state)
{
	struct sl_provcache *c = sl_provcache_new(10, NULL);
	struct sl_provcache_entry e = entry("webrisk", 'u', "https://a.test/", 1, 1100);
	struct sl_provcache_hit h;
	int listed = -1;

	sl_provcache_put(c, &e, 1000);
	assert_true(sl_provcache_get(c, "webrisk", 'u', "https://a.test/", 1000, &h));
	assert_int_equal(h.listed, 1);
	assert_int_equal(h.verdict, SL_REP_MALICIOUS);
	assert_string_equal(h.detail, "SOCIAL_ENGINEERING");
	assert_string_equal(h.category, "phishing");
	assert_int_equal(h.expires, 1100);
	free(h.detail);
	free(h.category);
	/* other provider, other scope: misses */
	assert_false(has(c, "urlhaus", 'u', "https://a.test/", 1000, NULL));
	assert_false(has(c, "webrisk", 'h', "https://a.test/", 1000, NULL));
	/* at its expiry second it is gone, and stays gone */
	assert_false(has(c, "webrisk", 'u', "https://a.test/", 1100, NULL));
	assert_false(has(c, "webrisk", 'u', "https://a.test/", 1000, NULL));
	/* negative answers are kept too */
	e = entry("webrisk", 'u', "https://b.test/", 0, 2000);
	sl_provcache_put(c, &e, 1000);
	assert_true(has(c, "webrisk", 'u', "https://b.test/", 1999, &listed));
	assert_int_equal(listed, 0);
	/* an answer already expired is not stored */
	e = entry("webrisk", 'u', "https://c.test/", 1, 1000);
	sl_provcache_put(c, &e, 1000);
	assert_false(has(c, "webrisk", 'u', "https://c.test/", 999, NULL));
	/* a newer answer replaces the old one */
	e = entry("webrisk", 'u', "https://b.test/", 1, 3000);
	sl_provcache_put(c, &e, 1000);
	assert_true(has(c, "webrisk", 'u', "https://b.test/", 2500, &listed));
	assert_int_equal(listed, 1);
	sl_provcache_free(c);
}

static void test_bound(void **state)
{
	struct sl_provcache *c = sl_provcache_new(3, NULL);
	struct sl_provcache_stats st;
	const char *keys[] = {"k1", "k2", "k3", "k4"};

	for (int i = 0; i < 3; i++) {
		struct sl_provcache_entry e = entry("p", 'h', keys[i], 0, 5000);
		sl_provcache_put(c, &e, 1000);
	}
	/* k1 used recently: k2 is the least recently used when k4 comes */
	assert_true(has(c, "p", 'h', "k1", 1000, NULL));
	{
		struct sl_provcache_entry e = entry("p", 'h', "k4", 0, 5000);
		sl_provcache_put(c, &e, 1000);
	}
	assert_true(has(c, "p", 'h', "k1", 1000, NULL));
	assert_false(has(c, "p", 'h', "k2", 1000, NULL));
	assert_true(has(c, "p", 'h', "k3", 1000, NULL));
	assert_true(has(c, "p", 'h', "k4", 1000, NULL));
	sl_provcache_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.capacity, 3);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.hits, 4);
	assert_int_equal(st.misses, 1);
	sl_provcache_free(c);

	/* capacity 0 keeps nothing */
	c = sl_provcache_new(0, NULL);
	{
		struct sl_provcache_entry e = entry("p", 'h', "k1", 0, 5000);
		sl_provcache_put(c, &e, 1000);
	}
	assert_false(has(c, "p", 'h', "k1", 1000, NULL));
	sl_provcache_free(c);
}

static char *tmpdir(void)
{
	char *d = g_dir_make_tmp("test_provcache_XXXXXX", NULL);
	assert_non_null(d);
	return d;
}

static void rmdir_all(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d != NULL && (n = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, n, NULL);
		g_unlink(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
	g_free(dir);
}

static void test_file_store(void **state)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "sub", "cache.jsonl", NULL);
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *c = sl_provcache_new(100, sl_provcache_file_store(path));
	struct sl_provcache_entry e;
	struct sl_provcache_hit h;
	struct stat st;
	int listed = -1;

	/* keys with what a line format could trip on */
	e = entry("webrisk", 'u', "https://a.test/p?q=\"x\"\t\n\\ü", 1, now + 600);
	sl_provcache_put(c, &e, now);
	e = entry("dbl:dbl.example.test", 'h', "evil.test", 0, now + 600);
	sl_provcache_put(c, &e, now);
	/* stored while alive, expired by the time of the save: not written */
	e = entry("webrisk", 'u', "https://old.test/", 1, now - 5);
	sl_provcache_put(c, &e, now - 10);
	sl_provcache_free(c); /* saves; the folder is made */

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	c = sl_provcache_new(100, sl_provcache_file_store(path));
	assert_true(
	    sl_provcache_get(c, "webrisk", 'u', "https://a.test/p?q=\"x\"\t\n\\ü", now, &h));
	assert_int_equal(h.listed, 1);
	assert_int_equal(h.verdict, SL_REP_MALICIOUS);
	assert_string_equal(h.detail, "SOCIAL_ENGINEERING");
	assert_int_equal(h.expires, now + 600);
	free(h.detail);
	free(h.category);
	assert_true(has(c, "dbl:dbl.example.test", 'h', "evil.test", now, &listed));
	assert_int_equal(listed, 0);
	assert_false(has(c, "webrisk", 'u', "https://old.test/", now - 10, NULL));
	sl_provcache_free(c);

	/* bad lines are skipped, good ones kept */
	{
		char *text = g_strdup_printf(
		    "{\"sluice-reputation-cache\": 1}\n"
		    "not json\n"
		    "{\"p\":\"x\",\"s\":\"q\",\"k\":\"k\",\"l\":0,\"e\":%lld}\n"
		    "{\"p\":\"x\",\"s\":\"h\",\"k\":\"bad-verdict\",\"l\":1,\"v\":\"meh\",\"e\":%"
		    "lld}\n"
		    "{\"p\":\"x\",\"s\":\"h\",\"k\":\"good\",\"l\":1,\"v\":\"suspicious\",\"d\":"
		    "\"d\",\"c\":\"c\",\"e\":%lld}\n",
		    (long long)now + 100, (long long)now + 100, (long long)now + 100);
		assert_true(g_file_set_contents(path, text, -1, NULL));
		g_free(text);
	}
	c = sl_provcache_new(100, sl_provcache_file_store(path));
	assert_true(sl_provcache_get(c, "x", 'h', "good", now, &h));
	assert_int_equal(h.verdict, SL_REP_SUSPICIOUS);
	free(h.detail);
	free(h.category);
	assert_false(has(c, "x", 'h', "bad-verdict", now, NULL));
	{
		struct sl_provcache_stats s;
		sl_provcache_stats(c, &s);
		assert_int_equal(s.entries, 1);
	}
	sl_provcache_free(c);

	/* another file: refused, the cache starts empty and still works */
	assert_true(g_file_set_contents(path, "{\"something\": 2}\n{\"p\":\"x\"}\n", -1, NULL));
	c = sl_provcache_new(100, sl_provcache_file_store(path));
	assert_false(has(c, "x", 'h', "good", now, NULL));
	e = entry("x", 'h', "new", 0, now + 100);
	sl_provcache_put(c, &e, now);
	assert_true(has(c, "x", 'h', "new", now, NULL));
	sl_provcache_free(c);

	g_free(path);
	path = g_build_filename(dir, "sub", NULL);
	rmdir_all(path);
	path = NULL;
	rmdir_all(dir);
}

static void test_shared(void **state)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "cache.jsonl", NULL);
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *a = sl_provcache_open(path, 100), *b, *m1, *m2;
	struct sl_provcache_entry e = entry("p", 'h', "shared.test", 1, now + 100);

	b = sl_provcache_open(path, 50);
	assert_ptr_equal(a, b);
	sl_provcache_put(a, &e, now);
	sl_provcache_close(a);
	/* still open through b: not saved yet, still answering */
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_true(has(b, "p", 'h', "shared.test", now, NULL));
	sl_provcache_close(b);
	assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	/* opened again: loaded from the file */
	a = sl_provcache_open(path, 100);
	assert_true(has(a, "p", 'h', "shared.test", now, NULL));
	sl_provcache_close(a);
	/* memory-only caches are shared too */
	m1 = sl_provcache_open(NULL, 10);
	m2 = sl_provcache_open(NULL, 10);
	assert_ptr_equal(m1, m2);
	sl_provcache_close(m1);
	sl_provcache_close(m2);
	g_free(path);
	rmdir_all(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lifetimes),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_file_store),
	    cmocka_unit_test(test_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
