/*
 * test_provider - unit tests for lib/links/provider.c with providers made by the
 * test: one that answers at once from the key ("bad" listed malicious, "meh"
 * suspicious, "fail" failing, "skip" skipped, the rest not listed), and one
 * that asks a server that never answers. Dedupe by URL and host, hits with
 * their sources, the cache, the budget, backoff after failures, the
 * look-up limit, counters; and the helpers for keys and base URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "provcache.h"
#include "provider.h"
#include "repcache.h"
#include "store.h"
#include "util.h"

static char *dir;
static int starts;       /* calls of start (atomic: test_threads) */
static gsize questions;   /* queries given to start */

static struct sl_config *cfg_with(const char *const *extra, size_t n)
{
	const char *ov[16];
	char *dd = g_strdup_printf("general.data_dir=%s", dir);
	struct sl_config *c = NULL;
	char *why = NULL;
	size_t k = 0;

	ov[k++] = dd;
	ov[k++] = "reputation.cache_persist=false";
	for (size_t i = 0; i < n && k < 16; i++)
		ov[k++] = extra[i];
	if (sl_config_load(NULL, ov, k, &c, &why) != SL_OK)
		fail_msg("%s", why);
	g_free(dd);
	return c;
}

/* ---- the providers of the test ---- */

static void echo_start(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q,
		       size_t n)
{
	g_atomic_int_inc(&starts);
	__atomic_add_fetch(&questions, n, __ATOMIC_RELAXED);
	for (size_t i = 0; i < n; i++) {
		const char *k = q[i]->key;
		assert_non_null(q[i]->host);
		if (strstr(k, "bad") != NULL)
			sl_prov_listed(q[i], SL_REP_MALICIOUS, "BAD", "bad thing", 60);
		else if (strstr(k, "meh") != NULL)
			sl_prov_listed(q[i], SL_REP_SUSPICIOUS, "MEH", NULL, -1);
		else if (strstr(k, "fail") != NULL)
			sl_prov_failed(q[i], "it broke");
		else if (strstr(k, "skip") != NULL)
			sl_prov_skip(q[i]);
		else
			sl_prov_not_listed(q[i], -1);
	}
}

static const struct sl_provider_ops echo_ops = {"echo", "Echo", SL_PROV_URL | SL_PROV_HOST,
						echo_start, NULL};
static const struct sl_provider_ops echo_url_ops = {"echo", "Echo", SL_PROV_URL, echo_start, NULL};

/* A server that accepts connections and never answers: the listen backlog. */
static int hang_fd, hang_port;
static char hang_url[64];

static void ignore_reply(void *ctx, const struct sl_prov_http_reply *r)
{
	struct sl_prov_query *q = ctx;
	sl_prov_failed(q, "%s", r->error != NULL ? r->error : "answered?");
}

static void never_start(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q,
			size_t n)
{
	g_atomic_int_inc(&starts);
	__atomic_add_fetch(&questions, n, __ATOMIC_RELAXED);
	for (size_t i = 0; i < n; i++)
		sl_prov_loop_http(loop, hang_url, 1, NULL, NULL, 0, ignore_reply, q[i]);
}

static const struct sl_provider_ops never_ops = {"never", "Never", SL_PROV_URL, never_start, NULL};

static int setup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);

	dir = g_dir_make_tmp("test_provider_XXXXXX", NULL);
	hang_fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(hang_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(hang_fd, 128), 0);
	getsockname(hang_fd, (struct sockaddr *)&a, &len);
	hang_port = ntohs(a.sin_port);
	snprintf(hang_url, sizeof(hang_url), "http://127.0.0.1:%d/", hang_port);
	return 0;
}

static int teardown(void **state)
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
	close(hang_fd);
	return 0;
}

static struct sl_providers *set_with(struct sl_config *c, const struct sl_provider_ops *ops)
{
	struct sl_providers *p = NULL;
	char *why = NULL;
	if (sl_providers_empty(c, &p, &why) != SL_OK)
		fail_msg("%s", why);
	sl_providers_add(p, ops->kind, ops, NULL);
	starts = 0;
	questions = 0;
	return p;
}

static int has_hit(const struct sl_prov_batch *b, size_t tag, enum sl_url_rep v, const char *source,
		   const char *reason)
{
	for (size_t i = 0; i < sl_prov_batch_nhits(b); i++) {
		const struct sl_prov_hit *h = sl_prov_batch_hit(b, i);
		if (h->tag == tag && h->verdict == v && strcmp(h->source, source) == 0 &&
		    (reason == NULL || strcmp(h->reason, reason) == 0))
			return 1;
	}
	return 0;
}

/* ---- tests ---- */

static void test_batch(void **state)
{
	struct sl_prov_batch *b = sl_prov_batch_new();
	assert_int_equal(sl_prov_batch_add(b, 0, "mailto:someone@example.test", NULL), SL_EINVAL);
	assert_int_equal(sl_prov_batch_add(b, 0, "javascript:alert(1)", NULL), SL_EINVAL);
	assert_int_equal(sl_prov_batch_add(b, 0, NULL, NULL), SL_EINVAL);
	assert_int_equal(sl_prov_batch_add(b, 0, "http://a.test/", NULL), SL_OK);
	assert_int_equal(sl_prov_batch_add(b, 1, "ftp://files.test/x", NULL),
			 SL_OK); /* host only */
	assert_int_equal(sl_prov_batch_add(b, 2, "file:///etc/passwd", NULL), SL_EINVAL);
	sl_prov_batch_free(b);
}

static void test_hits_and_dedupe(void **state)
{
	struct sl_config *c = cfg_with(NULL, 0);
	struct sl_providers *p = set_with(c, &echo_ops);
	struct sl_prov_batch *b = sl_prov_batch_new();
	struct sl_prov_stats st;

	sl_prov_batch_add(b, 0, "http://bad.test/1", NULL);
	sl_prov_batch_add(b, 1, "http://bad.test/1", NULL); /* the same URL again */
	sl_prov_batch_add(b, 2, "http://ok.test/", NULL);
	sl_prov_batch_add(b, 3, "http://meh.test/", "bad-alt.test");
	sl_prov_batch_add(b, 4, "ftp://fail.test/", NULL);
	sl_prov_batch_add(b, 5, "https://ok.test/other", NULL); /* a known host */
	assert_int_equal(sl_providers_lookup(p, b, "msg1"), SL_OK);
	assert_int_equal(starts, 1);
	/* URLs: bad.test/1, ok.test/, meh.test/, ok.test/other; hosts: bad.test,
	 * ok.test, meh.test, bad-alt.test, fail.test */
	assert_int_equal(questions, 9);
	assert_true(
	    has_hit(b, 0, SL_REP_MALICIOUS, "echo:BAD", "Echo lists the link as bad thing"));
	assert_true(has_hit(b, 0, SL_REP_MALICIOUS, "echo:BAD",
			    "Echo lists the host bad.test as bad thing"));
	assert_true(has_hit(b, 1, SL_REP_MALICIOUS, "echo:BAD", NULL));
	assert_true(has_hit(b, 3, SL_REP_SUSPICIOUS, "echo:MEH", "Echo lists the link as MEH"));
	assert_true(has_hit(b, 3, SL_REP_MALICIOUS, "echo:BAD",
			    "Echo lists the host bad-alt.test as bad thing"));
	assert_int_equal(sl_prov_batch_nhits(b),
			 7); /* tags 0 and 1: URL and host; tag 3: URL, host, alt */
	assert_int_equal(sl_prov_batch_unanswered(b, 4), 1);
	assert_int_equal(sl_prov_batch_unanswered(b, 2), 0);
	sl_providers_stats(p, 0, &st);
	assert_string_equal(st.name, "echo");
	assert_int_equal(st.asked, 9);
	assert_int_equal(st.listed, 5);
	assert_int_equal(st.not_listed, 3);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.timeouts, 0);
	assert_string_equal(st.last_error, "it broke");
	assert_int_equal(st.down, 0);
	{
		uint64_t answers = 0;
		for (int i = 0; i < SL_PROV_LATENCY_BUCKETS; i++)
			answers += st.latency[i];
		assert_int_equal(answers, 9);
	}

	/* the same batch again: everything from the cache but the failure */
	assert_int_equal(sl_providers_lookup(p, b, "msg2"), SL_OK);
	assert_int_equal(starts, 2);
	assert_int_equal(questions, 10);
	assert_int_equal(sl_prov_batch_nhits(b), 7);
	sl_providers_stats(p, 0, &st);
	assert_int_equal(st.cache_hits, 8);
	{
		struct sl_provcache_stats cs;
		sl_providers_cache_stats(p, &cs);
		assert_int_equal(cs.entries, 8);
		assert_int_equal(cs.hits, 8);
	}
	sl_prov_batch_free(b);
	sl_providers_free(p);
	sl_config_unref(c);
}

static void test_scopes_and_skips(void **state)
{
	struct sl_config *c = cfg_with(NULL, 0);
	struct sl_providers *p = set_with(c, &echo_url_ops);
	struct sl_prov_batch *b = sl_prov_batch_new();
	struct sl_prov_stats st;

	sl_prov_batch_add(b, 0, "ftp://bad.test/", NULL);   /* no URL question for ftp */
	sl_prov_batch_add(b, 1, "http://skip.test/", NULL); /* the provider cannot say */
	sl_providers_lookup(p, b, NULL);
	assert_int_equal(questions, 1);
	assert_int_equal(sl_prov_batch_nhits(b), 0);
	assert_int_equal(sl_prov_batch_unanswered(b, 0), 0); /* nobody was to be asked */
	assert_int_equal(sl_prov_batch_unanswered(b, 1), 1);
	sl_providers_stats(p, 0, &st);
	assert_int_equal(st.skipped, 1);
	sl_prov_batch_free(b);
	sl_providers_free(p);
	sl_config_unref(c);
}

static void test_budget_and_backoff(void **state)
{
	const char *ov[] = {"reputation.time_budget_ms=300", "reputation.failures_before_backoff=2",
			    "reputation.backoff=60"};
	struct sl_config *c = cfg_with(ov, 3);
	struct sl_providers *p = set_with(c, &never_ops);
	struct sl_prov_batch *b = sl_prov_batch_new();
	struct sl_prov_stats st;
	int64_t t0, el;

	for (int i = 0; i < 10; i++) {
		char *u = g_strdup_printf("http://link%d.test/", i);
		sl_prov_batch_add(b, (size_t)i, u, NULL);
		g_free(u);
	}
	for (int round = 0; round < 2; round++) {
		t0 = g_get_monotonic_time();
		sl_providers_lookup(p, b, "slow");
		el = g_get_monotonic_time() - t0;
		assert_true(el >= 300000);
		assert_true(el < 300000 + 1500000); /* the budget holds, whatever the server does */
		assert_int_equal(sl_prov_batch_nhits(b), 0);
		assert_int_equal(sl_prov_batch_unanswered(b, 3), 1);
	}
	assert_int_equal(starts, 2);
	sl_providers_stats(p, 0, &st);
	assert_int_equal(st.timeouts, 20);
	assert_int_equal(st.down, 1);
	assert_string_equal(st.last_error, "no answer within the time budget");
	/* backing off: not asked, no waiting */
	t0 = g_get_monotonic_time();
	sl_providers_lookup(p, b, "third");
	assert_true(g_get_monotonic_time() - t0 < 200000);
	assert_int_equal(starts, 2);
	assert_int_equal(sl_prov_batch_unanswered(b, 0), 1);
	sl_providers_stats(p, 0, &st);
	assert_int_equal(st.skipped, 10);
	sl_prov_batch_free(b);
	sl_providers_free(p);
	sl_config_unref(c);
}

static void test_max_lookups(void **state)
{
	const char *ov[] = {"reputation.max_lookups=3"};
	struct sl_config *c = cfg_with(ov, 1);
	struct sl_providers *p = set_with(c, &echo_url_ops);
	struct sl_prov_batch *b = sl_prov_batch_new();
	struct sl_prov_stats st;
	size_t unanswered = 0;

	for (int i = 0; i < 5; i++) {
		char *u = g_strdup_printf("http://bad%d.test/", i);
		sl_prov_batch_add(b, (size_t)i, u, NULL);
		g_free(u);
	}
	sl_providers_lookup(p, b, "many");
	assert_int_equal(questions, 3);
	assert_int_equal(sl_prov_batch_nhits(b), 3);
	for (int i = 0; i < 5; i++)
		unanswered += sl_prov_batch_unanswered(b, (size_t)i);
	assert_int_equal(unanswered, 2);
	sl_providers_stats(p, 0, &st);
	assert_int_equal(st.skipped, 2);
	sl_prov_batch_free(b);
	sl_providers_free(p);
	sl_config_unref(c);
}

/* The answers kept in the quarantine store (repcache.h) survive "a restart":
 * the set freed, the store disconnected (what is queued written) and opened
 * again; the new set asks nobody. */
static void test_persisted(void **state)
{
	const char *ov[] = {"reputation.cache_persist=true"};
	struct sl_config *c = cfg_with(ov, 1);
	struct sl_providers *p;
	struct sl_prov_batch *b = sl_prov_batch_new();
	struct sl_store *st = NULL;
	char *why = NULL;

	if (sl_store_open(c, NULL, &st, &why) != SL_OK)
		fail_msg("%s", why);
	sl_repcache_connect(st, c);
	p = set_with(c, &echo_ops);
	sl_prov_batch_add(b, 0, "http://bad.test/persist", NULL);
	sl_providers_lookup(p, b, NULL);
	assert_int_equal(questions, 2);
	sl_providers_free(p);
	sl_repcache_disconnect();
	sl_store_close(st);

	if (sl_store_open(c, NULL, &st, &why) != SL_OK)
		fail_msg("%s", why);
	sl_repcache_connect(st, c);
	p = set_with(c, &echo_ops);
	sl_providers_lookup(p, b, NULL);
	assert_int_equal(questions, 0);
	assert_int_equal(sl_prov_batch_nhits(b), 2);
	sl_providers_free(p);
	sl_repcache_disconnect();
	sl_store_close(st);
	sl_prov_batch_free(b);
	sl_config_unref(c);
}

struct worker {
	struct sl_providers *p;
	int n;
	int ok;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	w->ok = 1;
	for (int round = 0; round < 50; round++) {
		struct sl_prov_batch *b = sl_prov_batch_new();
		char *u1 = g_strdup_printf("http://bad%d-%d.test/", w->n, round % 7);
		char *u2 = g_strdup_printf("http://fine%d.test/", round % 5);
		sl_prov_batch_add(b, 0, u1, NULL);
		sl_prov_batch_add(b, 1, u2, NULL);
		sl_providers_lookup(w->p, b, "thread");
		/* URL and host of the first listed; nothing on the second */
		if (sl_prov_batch_nhits(b) != 2 || sl_prov_batch_hit(b, 0)->tag != 0 ||
		    sl_prov_batch_hit(b, 1)->tag != 0)
			w->ok = 0;
		g_free(u1);
		g_free(u2);
		sl_prov_batch_free(b);
	}
	return NULL;
}

/* Four threads share one set: the cache, counters and loops hold up. */
static void test_threads(void **state)
{
	struct sl_config *c = cfg_with(NULL, 0);
	struct sl_providers *p = set_with(c, &echo_ops);
	struct worker w[4];
	pthread_t t[4];
	struct sl_prov_stats st;

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ p, i, 0 };
		pthread_create(&t[i], NULL, worker, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(w[i].ok);
	}
	sl_providers_stats(p, 0, &st);
	assert_int_equal(st.asked + st.cache_hits, 4 * 50 * 4); /* 4 questions a batch */
	assert_true(st.cache_hits > 0);
	sl_providers_free(p);
	sl_config_unref(c);
}

static void test_none_configured(void **state)
{
	struct sl_config *c = cfg_with(NULL, 0);
	struct sl_providers *p = (struct sl_providers *)1;
	char *why = NULL;
	assert_int_equal(sl_providers_new(c, &p, &why), SL_OK);
	assert_null(p);
	sl_config_unref(c);
}

static char *write_key(const char *name, const char *text, mode_t mode)
{
	char *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_keys(void **state)
{
	char *good = write_key("good.key", "abc123\n", 0640);
	char *open = write_key("open.key", "abc123\n", 0644);
	char *ctl = write_key("ctl.key", "abc 123\n", 0600);
	char *empty = write_key("empty.key", "\n", 0600);
	char *conf = write_key("sluice.conf", "[reputation]\nwebrisk_key = inline-key\n", 0644);
	char *o1 = g_strdup_printf("reputation.webrisk_key_file=%s", good);
	char *o2 = g_strdup_printf("reputation.webrisk_key_file=%s", open);
	char *o3 = g_strdup_printf("reputation.webrisk_key_file=%s", ctl);
	char *o4 = g_strdup_printf("reputation.webrisk_key_file=%s", empty);
	struct sl_config *c;
	char *key = NULL, *why = NULL;

	c = cfg_with((const char *const[]){o1}, 1);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_OK);
	assert_string_equal(key, "abc123");
	free(key);
	sl_config_unref(c);
	c = cfg_with((const char *const[]){o2}, 1);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "lets others read the key"));
	free(why);
	sl_config_unref(c);
	c = cfg_with((const char *const[]){o3}, 1);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "control characters"));
	free(why);
	sl_config_unref(c);
	c = cfg_with((const char *const[]){o4}, 1);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_ECONFIG);
	free(why);
	sl_config_unref(c);
	/* both places at once */
	c = cfg_with((const char *const[]){o1, "reputation.webrisk_key=x"}, 2);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "both set"));
	free(why);
	sl_config_unref(c);
	/* inline in a conf others can read: refused; 0640 is fine */
	assert_int_equal(sl_config_load(conf, NULL, 0, &c, &why), SL_OK);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "readable by others"));
	free(why);
	assert_int_equal(chmod(conf, 0640), 0);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_OK);
	assert_string_equal(key, "inline-key");
	free(key);
	sl_config_unref(c);
	/* nothing set: no key, no error */
	c = cfg_with(NULL, 0);
	assert_int_equal(sl_prov_read_key(c, "reputation.webrisk", &key, &why), SL_OK);
	assert_null(key);
	sl_config_unref(c);
	g_free(good);
	g_free(open);
	g_free(ctl);
	g_free(empty);
	g_free(conf);
	g_free(o1);
	g_free(o2);
	g_free(o3);
	g_free(o4);
}

static void base_url(const char *value, int loopback_ok, const char *want, int want_http)
{
	char *o1 = g_strdup_printf("reputation.webrisk_url=%s", value);
	const char *ov[] = {o1, loopback_ok ? "general.allow_insecure_loopback=true"
					    : "general.allow_insecure_loopback=false"};
	struct sl_config *c = cfg_with(ov, 2);
	char *base = NULL, *why = NULL;
	int http = -1, rc = sl_prov_base_url(c, "reputation.webrisk_url", &base, &http, &why);

	if (want != NULL) {
		if (rc != SL_OK)
			fail_msg("%s: %s", value, why);
		assert_string_equal(base, want);
		assert_int_equal(http, want_http);
	} else {
		assert_int_equal(rc, SL_ECONFIG);
		assert_non_null(strstr(why, "reputation.webrisk_url"));
		free(why);
	}
	free(base);
	sl_config_unref(c);
	g_free(o1);
}

static void test_base_url(void **state)
{
	base_url("https://webrisk.googleapis.com/", 0, "https://webrisk.googleapis.com", 0);
	base_url("https://proxy.example.test:8443/webrisk", 0,
		 "https://proxy.example.test:8443/webrisk", 0);
	base_url("http://127.0.0.1:8080", 0, NULL, 0); /* not without the switch */
	base_url("http://127.0.0.1:8080/", 1, "http://127.0.0.1:8080", 1);
	base_url("http://127.8.9.10:8080", 1, "http://127.8.9.10:8080", 1);
	base_url("http://192.0.2.1:8080", 1, NULL, 0); /* loopback only */
	base_url("http://localhost:8080", 1, NULL, 0); /* an address, not a name */
	base_url("ftp://webrisk.example.test", 1, NULL, 0);
	base_url("https://user:pw@webrisk.example.test", 0, NULL, 0);
	base_url("https://webrisk.example.test/?key=1", 0, NULL, 0);
	base_url("not a url", 0, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_hits_and_dedupe),
	    cmocka_unit_test(test_scopes_and_skips),
	    cmocka_unit_test(test_budget_and_backoff),
	    cmocka_unit_test(test_max_lookups),
	    cmocka_unit_test(test_persisted),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_none_configured),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_base_url),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
