/*
 * test_prov_webrisk - unit tests for lib/links/prov_webrisk.c: the uris:search
 * request (repeated threatTypes, escaped uri and key) and every kind of
 * reply: nothing found, a threat with its expireTime, several types, error
 * statuses, unreadable bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "prov_webrisk.h"
#include "util.h"

static struct sl_config *cfg;

static int setup(void **state)
{
	char *why = NULL;
	if (sl_config_load(NULL, NULL, 0, &cfg, &why) != SL_OK)
		fail_msg("%s", why);
	return 0;
}

static int teardown(void **state)
{
	sl_config_unref(cfg);
	return 0;
}

static void clear(struct sl_prov_query *q)
{
	free(q->detail);
	free(q->category);
	free(q->error);
	memset(q, 0, sizeof(*q));
}

/* Answers a fresh query with (status, body). */
static void answer(struct sl_prov_query *q, long status, const char *body, int64_t now)
{
	struct sl_prov_http_reply r = {status, body, strlen(body), NULL};
	memset(q, 0, sizeof(*q));
	q->scope = SL_PROV_URL;
	q->key = "https://x.test/";
	sl_webrisk_answer(cfg, &r, q, now);
}

static void test_request(void **state)
{
	char *types[] = {"MALWARE", "SOCIAL_ENGINEERING", NULL};
	char *u = sl_webrisk_request("https://webrisk.googleapis.com", "k&y=1", types,
				     "http://a.test/p?x=1&y=ü#f");
	assert_string_equal(
	    u,
	    "https://webrisk.googleapis.com/v1/uris:search?threatTypes=MALWARE&"
	    "threatTypes=SOCIAL_ENGINEERING&uri=http%3A%2F%2Fa.test%2Fp%3Fx%3D1%26y%3D%C3%BC%23f&"
	    "key=k%26y%3D1");
	free(u);
}

static void test_not_listed(void **state)
{
	struct sl_prov_query q;

	answer(&q, 200, "{}", 1000);
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
	assert_int_equal(q.ttl, -1); /* the configured negative lifetime */
	clear(&q);
	answer(&q, 200, "{\"threat\": null}", 1000);
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
	clear(&q);
	answer(&q, 200, "{\"threat\": {\"threatTypes\": []}}", 1000);
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
	clear(&q);
}

static void test_listed(void **state)
{
	struct sl_prov_query q;
	/* 2024-01-01T00:05:00Z is 1704067500 */
	answer(&q, 200,
	       "{\"threat\": {\"threatTypes\": [\"SOCIAL_ENGINEERING\"], "
	       "\"expireTime\": \"2024-01-01T00:05:00.123456789Z\"}}",
	       1704067200);
	assert_int_equal(q.status, SL_PROV_LISTED);
	assert_int_equal(q.verdict, SL_REP_MALICIOUS);
	assert_string_equal(q.detail, "SOCIAL_ENGINEERING");
	assert_int_equal(q.ttl, 300);
	clear(&q);

	/* the worst type decides; unwanted software alone is suspicious */
	answer(&q, 200, "{\"threat\": {\"threatTypes\": [\"UNWANTED_SOFTWARE\", \"MALWARE\"]}}", 0);
	assert_int_equal(q.verdict, SL_REP_MALICIOUS);
	assert_string_equal(q.detail, "MALWARE");
	assert_int_equal(q.ttl, -1); /* no expireTime: the configured default */
	clear(&q);
	answer(&q, 200, "{\"threat\": {\"threatTypes\": [\"UNWANTED_SOFTWARE\"]}}", 0);
	assert_int_equal(q.status, SL_PROV_LISTED);
	assert_int_equal(q.verdict, SL_REP_SUSPICIOUS);
	clear(&q);

	/* an expireTime already past: listed, kept for no time */
	answer(&q, 200,
	       "{\"threat\": {\"threatTypes\": [\"MALWARE\"], \"expireTime\": "
	       "\"2020-01-01T00:00:00Z\"}}",
	       1704067200);
	assert_int_equal(q.status, SL_PROV_LISTED);
	assert_int_equal(q.ttl, 0);
	clear(&q);
}

static void test_errors(void **state)
{
	struct sl_prov_query q;
	struct sl_prov_http_reply r = {0, NULL, 0, "Connection refused"};

	answer(&q, 429,
	       "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded\", \"status\": "
	       "\"RESOURCE_EXHAUSTED\"}}",
	       0);
	assert_int_equal(q.status, SL_PROV_FAILED);
	assert_string_equal(q.error, "HTTP 429: Quota exceeded");
	clear(&q);
	answer(&q, 503, "upstream \x01 down", 0);
	assert_int_equal(q.status, SL_PROV_FAILED);
	assert_string_equal(q.error, "HTTP 503");
	clear(&q);
	answer(&q, 200, "", 0);
	assert_int_equal(q.status, SL_PROV_FAILED);
	clear(&q);
	answer(&q, 200, "[1,2]", 0);
	assert_int_equal(q.status, SL_PROV_FAILED);
	clear(&q);
	answer(&q, 200, "{\"threat\": \"MALWARE\"}", 0);
	assert_int_equal(q.status, SL_PROV_FAILED);
	clear(&q);
	q.key = "https://x.test/";
	sl_webrisk_answer(cfg, &r, &q, 0);
	assert_int_equal(q.status, SL_PROV_FAILED);
	assert_string_equal(q.error, "Connection refused");
	clear(&q);
}

static void test_config(void **state)
{
	const char *ov[] = {"reputation.webrisk_url=https://webrisk.example",
			    "reputation.webrisk_threat_types="};
	struct sl_config *c = NULL;
	struct sl_providers *p = NULL;
	char *why = NULL;

	/* a URL without a key is refused, naming the key to set */
	assert_int_equal(sl_config_load(NULL, ov, 1, &c, &why), SL_OK);
	assert_int_equal(sl_providers_new(c, &p, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "reputation.webrisk_key_file"));
	free(why);
	why = NULL;
	sl_config_unref(c);
	/* no threat types */
	{
		const char *ov2[] = {ov[0], ov[1], "reputation.webrisk_key=abc"};
		assert_int_equal(sl_config_load(NULL, ov2, 3, &c, &why), SL_OK);
		assert_int_equal(sl_providers_new(c, &p, &why), SL_ECONFIG);
		assert_non_null(strstr(why, "reputation.webrisk_threat_types"));
		free(why);
		sl_config_unref(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request), cmocka_unit_test(test_not_listed),
	    cmocka_unit_test(test_listed),  cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
