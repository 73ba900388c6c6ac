/*
 * test_provcache - unit tests for lib/links/provcache.c: lifetimes, the size
 * bound (least recently used out), persistence through a hook (loaded at
 * start, answers written by the writer thread in batches, expired ones
 * neither loaded nor written, a failing store leaves the cache working) and
 * the process's shared cache with the hook connected later.
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
	struct sl_provcache *c = sl_provcache_new(10, NULL, 0);
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
	struct sl_provcache *c = sl_provcache_new(3, NULL, 0);
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
	c = sl_provcache_new(0, NULL, 0);
	{
		struct sl_provcache_entry e = entry("p", 'h', "k1", 0, 5000);
		sl_provcache_put(c, &e, 1000);
	}
	assert_false(has(c, "p", 'h', "k1", 1000, NULL));
	sl_provcache_free(c);
}

/* ---- a persistence hook in memory, counting its calls ---- */

struct fake {
	GHashTable *rows; /* "provider|scope|key" -> struct row */
	int loads, puts, purges;
	size_t last_max;
	int fail; /* put and purge fail */
	GMutex lock;
};

struct row {
	char *prov, *key, *detail, *cat;
	char scope;
	int listed;
	enum sl_url_rep verdict;
	int64_t expires;
};

static void row_free(gpointer p)
{
	struct row *r = p;
	free(r->prov);
	free(r->key);
	free(r->detail);
	free(r->cat);
	free(r);
}

static int fake_load(void *ctx, int64_t now, size_t max,
		     void (*add)(void *, const struct sl_provcache_entry *), void *arg, char **why)
{
	struct fake *f = ctx;
	GHashTableIter it;
	gpointer v;
	g_mutex_lock(&f->lock);
	f->loads++;
	f->last_max = max;
	g_hash_table_iter_init(&it, f->rows);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct row *r = v;
		struct sl_provcache_entry e = {r->prov,    r->scope,  r->key, r->listed,
					       r->verdict, r->detail, r->cat, r->expires};
		if (r->expires > now)
			add(arg, &e);
	}
	g_mutex_unlock(&f->lock);
	return SL_OK;
}

static int fake_put(void *ctx, const struct sl_provcache_entry *const *e, size_t n, char **why)
{
	struct fake *f = ctx;
	g_mutex_lock(&f->lock);
	f->puts++;
	if (f->fail) {
		g_mutex_unlock(&f->lock);
		*why = sl_xstrdup("the disk is full");
		return SL_EIO;
	}
	for (size_t i = 0; i < n; i++) {
		struct row *r = sl_xcalloc(1, sizeof(*r));
		r->prov = sl_xstrdup(e[i]->provider);
		r->key = sl_xstrdup(e[i]->key);
		r->detail = sl_xstrdup(e[i]->detail);
		r->cat = sl_xstrdup(e[i]->category);
		r->scope = e[i]->scope;
		r->listed = e[i]->listed;
		r->verdict = e[i]->verdict;
		r->expires = e[i]->expires;
		g_hash_table_replace(f->rows,
				     g_strdup_printf("%s|%c|%s", r->prov, r->scope, r->key), r);
	}
	g_mutex_unlock(&f->lock);
	return SL_OK;
}

static gboolean expired(gpointer k, gpointer v, gpointer now)
{
	return ((struct row *)v)->expires <= *(int64_t *)now;
}

static int fake_purge(void *ctx, int64_t now, size_t *removed, char **why)
{
	struct fake *f = ctx;
	g_mutex_lock(&f->lock);
	f->purges++;
	*removed = f->fail ? 0 : g_hash_table_foreach_remove(f->rows, expired, &now);
	g_mutex_unlock(&f->lock);
	if (f->fail)
		*why = sl_xstrdup("the disk is full");
	return f->fail ? SL_EIO : SL_OK;
}

static struct fake *fake_new(void)
{
	struct fake *f = sl_xcalloc(1, sizeof(*f));
	f->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, row_free);
	g_mutex_init(&f->lock);
	return f;
}

static void fake_free(struct fake *f)
{
	g_hash_table_destroy(f->rows);
	g_mutex_clear(&f->lock);
	free(f);
}

static int fake_count(struct fake *f)
{
	int n;
	g_mutex_lock(&f->lock);
	n = (int)g_hash_table_size(f->rows);
	g_mutex_unlock(&f->lock);
	return n;
}

/* A hook over f (f stays the test's: free does nothing). */
static struct sl_provcache_store *hook(struct fake *f)
{
	struct sl_provcache_store *s = sl_xcalloc(1, sizeof(*s));
	s->ctx = f;
	s->load = fake_load;
	s->put = fake_put;
	s->purge = fake_purge;
	return s;
}

static void test_persisted(void **state)
{
	struct fake *f = fake_new();
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *c = sl_provcache_new(100, hook(f), 3600);
	struct sl_provcache_entry e;
	struct sl_provcache_hit h;
	struct sl_provcache_stats st;
	int listed = -1;

	assert_int_equal(f->loads, 1);
	assert_int_equal(f->last_max, 100);
	/* written as they come, by the writer */
	e = entry("webrisk", 'u', "https://a.test/p?q=\"x\"\t\n\\ü", 1, now + 600);
	sl_provcache_put(c, &e, now);
	e = entry("dbl:dbl.example.test", 'h', "evil.test", 0, now + 600);
	sl_provcache_put(c, &e, now);
	/* dead on arrival: neither kept nor written */
	e = entry("webrisk", 'u', "https://old.test/", 1, now - 5);
	sl_provcache_put(c, &e, now);
	sl_provcache_flush(c);
	assert_int_equal(fake_count(f), 2);
	sl_provcache_stats(c, &st);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.unwritten, 0);
	assert_true(st.persisted);
	sl_provcache_free(c);

	/* "a restart": read back; an expired row in the store is not loaded */
	{
		struct row *r = sl_xcalloc(1, sizeof(*r));
		r->prov = sl_xstrdup("webrisk");
		r->key = sl_xstrdup("https://gone.test/");
		r->detail = sl_xstrdup("");
		r->cat = sl_xstrdup("");
		r->scope = 'u';
		r->expires = now - 1;
		g_hash_table_replace(f->rows, g_strdup("gone"), r);
	}
	f->purges = 0;
	c = sl_provcache_new(100, hook(f), 3600);
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
	assert_false(has(c, "webrisk", 'u', "https://gone.test/", now, NULL));
	sl_provcache_stats(c, &st);
	assert_int_equal(st.loaded, 2);
	/* nothing written yet: the store was not purged */
	sl_provcache_flush(c);
	assert_int_equal(f->purges, 0);
	/* after the first write it is */
	e = entry("x", 'h', "one.test", 0, now + 100);
	sl_provcache_put(c, &e, now);
	sl_provcache_flush(c);
	sl_provcache_free(c);
	assert_true(f->purges >= 1);
	assert_int_equal(fake_count(f), 3); /* gone purged, one.test added */

	/* a failing store: the cache goes on in memory, the failures are counted */
	f->fail = 1;
	c = sl_provcache_new(100, hook(f), 3600);
	e = entry("x", 'h', "new.test", 0, now + 100);
	sl_provcache_put(c, &e, now);
	sl_provcache_flush(c);
	assert_true(has(c, "x", 'h', "new.test", now, NULL));
	sl_provcache_stats(c, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.unwritten, 1);
	sl_provcache_free(c);
	assert_int_equal(fake_count(f), 3);

	/* capacity 0 keeps nothing, loads nothing, writes nothing */
	f->fail = 0;
	f->loads = f->puts = 0;
	c = sl_provcache_new(0, hook(f), 3600);
	sl_provcache_put(c, &e, now);
	sl_provcache_flush(c);
	sl_provcache_free(c);
	assert_int_equal(f->loads, 0);
	assert_int_equal(f->puts, 0);
	fake_free(f);
}

/* Many answers at once: written in batches, every one of them. */
static void test_batches(void **state)
{
	struct fake *f = fake_new();
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *c = sl_provcache_new(5000, hook(f), 3600);

	for (int i = 0; i < 3 * SL_PROVCACHE_BATCH; i++) {
		char *k = g_strdup_printf("h%d.test", i);
		struct sl_provcache_entry e = entry("p", 'h', k, i & 1, now + 100);
		sl_provcache_put(c, &e, now);
		g_free(k);
	}
	sl_provcache_free(c); /* what is queued is written first */
	assert_int_equal(fake_count(f), 3 * SL_PROVCACHE_BATCH);
	assert_true(f->puts >= 3);
	fake_free(f);
}

static void test_shared(void **state)
{
	struct fake *f = fake_new();
	int64_t now = (int64_t)time(NULL);
	struct sl_provcache *a = sl_provcache_open(100, 1), *b;
	struct sl_provcache_entry e = entry("p", 'h', "shared.test", 1, now + 100);
	struct sl_provcache_stats st;

	b = sl_provcache_open(50, 1);
	assert_ptr_equal(a, b);
	sl_provcache_stats(a, &st);
	assert_int_equal(st.capacity, 50); /* the latest open's */
	assert_false(st.persisted);        /* no hook yet: memory only */
	sl_provcache_put(a, &e, now);
	/* the front end connects its store: what is there is loaded, what comes written */
	{
		struct row *r = sl_xcalloc(1, sizeof(*r));
		r->prov = sl_xstrdup("p");
		r->key = sl_xstrdup("earlier.test");
		r->detail = sl_xstrdup("");
		r->cat = sl_xstrdup("");
		r->scope = 'h';
		r->expires = now + 100;
		g_hash_table_replace(f->rows, g_strdup("earlier"), r);
	}
	sl_provcache_persist(hook(f), 3600);
	assert_int_equal(f->loads, 1);
	assert_true(has(b, "p", 'h', "earlier.test", now, NULL));
	e = entry("p", 'h', "later.test", 0, now + 100);
	sl_provcache_put(b, &e, now);
	sl_provcache_flush(b);
	assert_int_equal(fake_count(f), 2); /* earlier + later; shared.test came before */
	sl_provcache_close(a);
	sl_provcache_close(b);
	/* "a reload to a config that asks no one, then one that does": a new
	 * shared cache, loaded from the connected hook */
	a = sl_provcache_open(100, 1);
	assert_int_equal(f->loads, 2);
	assert_true(has(a, "p", 'h', "later.test", now, NULL));
	sl_provcache_close(a);
	/* reputation.cache_persist = false: not loaded, not written */
	a = sl_provcache_open(100, 0);
	assert_int_equal(f->loads, 2);
	e = entry("p", 'h', "private.test", 0, now + 100);
	sl_provcache_put(a, &e, now);
	sl_provcache_close(a);
	sl_provcache_persist(NULL, 0); /* disconnected: flushed and freed */
	assert_int_equal(fake_count(f), 2);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lifetimes), cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_persisted), cmocka_unit_test(test_batches),
	    cmocka_unit_test(test_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
