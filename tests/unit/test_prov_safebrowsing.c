/*
 * test_prov_safebrowsing - unit tests for lib/links/prov_safebrowsing.c: the
 * threatMatches:find body as the v4 Lookup API wants it, and replies with
 * matches for some URLs of a batch, several types for one URL, the
 * shortest cacheDuration, URLs we did not ask about, and failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "prov_safebrowsing.h"
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

#define N 3
static struct sl_prov_query qs[N];
static struct sl_prov_query *qp[N];

static void fresh(void)
{
	static const char *urls[N] = {"http://a.test/", "https://b.test/x", "http://c.test/"};
	for (int i = 0; i < N; i++) {
		free(qs[i].detail);
		free(qs[i].category);
		free(qs[i].error);
		memset(&qs[i], 0, sizeof(qs[i]));
		qs[i].scope = SL_PROV_URL;
		qs[i].key = urls[i];
		qp[i] = &qs[i];
	}
}

static void reply(long status, const char *body)
{
	struct sl_prov_http_reply r = {status, body, strlen(body), NULL};
	fresh();
	sl_safebrowsing_answer(cfg, &r, qp, N);
}

static void test_body(void **state)
{
	char *types[] = {"MALWARE", "SOCIAL_ENGINEERING", NULL};
	char *s;
	json_t *j, *ti;

	fresh();
	s = sl_safebrowsing_body("sluice", types, qp, N);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "client"), "clientId")), "sluice");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "client"), "clientVersion")),
	    SLUICE_VERSION);
	ti = json_object_get(j, "threatInfo");
	assert_int_equal(json_array_size(json_object_get(ti, "threatTypes")), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(ti, "threatTypes"), 1)),
	    "SOCIAL_ENGINEERING");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(ti, "platformTypes"), 0)),
	    "ANY_PLATFORM");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(ti, "threatEntryTypes"), 0)), "URL");
	assert_int_equal(json_array_size(json_object_get(ti, "threatEntries")), N);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(ti, "threatEntries"), 1), "url")),
			    "https://b.test/x");
	json_decref(j);
	free(s);

	/* a URL that is not UTF-8 cannot go into JSON */
	qs[1].key = "http://a.test/\xff";
	assert_null(sl_safebrowsing_body("sluice", types, qp, N));
}

static void test_matches(void **state)
{
	reply(200,
	      "{\"matches\": ["
	      "{\"threatType\": \"UNWANTED_SOFTWARE\", \"platformType\": \"ANY_PLATFORM\","
	      " \"threatEntryType\": \"URL\", \"threat\": {\"url\": \"https://b.test/x\"},"
	      " \"cacheDuration\": \"600s\"},"
	      "{\"threatType\": \"SOCIAL_ENGINEERING\", \"platformType\": \"WINDOWS\","
	      " \"threatEntryType\": \"URL\", \"threat\": {\"url\": \"https://b.test/x\"},"
	      " \"cacheDuration\": \"300.5s\"},"
	      "{\"threatType\": \"UNWANTED_SOFTWARE\", \"threat\": {\"url\": \"http://c.test/\"},"
	      " \"cacheDuration\": \"300s\"},"
	      "{\"threatType\": \"MALWARE\", \"threat\": {\"url\": \"http://never-asked.test/\"},"
	      " \"cacheDuration\": \"300s\"}]}");
	assert_int_equal(qs[0].status, SL_PROV_NOT_LISTED);
	assert_int_equal(qs[1].status, SL_PROV_LISTED);
	assert_int_equal(qs[1].verdict, SL_REP_MALICIOUS);
	assert_string_equal(qs[1].detail, "SOCIAL_ENGINEERING");
	assert_int_equal(qs[1].ttl, 300); /* the shortest duration of its matches */
	assert_int_equal(qs[2].status, SL_PROV_LISTED);
	assert_int_equal(qs[2].verdict, SL_REP_SUSPICIOUS);
	assert_string_equal(qs[2].detail, "UNWANTED_SOFTWARE");

	reply(200, "{}");
	for (int i = 0; i < N; i++) {
		assert_int_equal(qs[i].status, SL_PROV_NOT_LISTED);
		assert_int_equal(qs[i].ttl, -1);
	}
	reply(200, "{\"matches\": []}");
	assert_int_equal(qs[0].status, SL_PROV_NOT_LISTED);
	/* a match without a duration: the configured lifetime */
	reply(200, "{\"matches\": [{\"threatType\": \"MALWARE\", \"threat\": {\"url\": "
		   "\"http://a.test/\"}}]}");
	assert_int_equal(qs[0].status, SL_PROV_LISTED);
	assert_int_equal(qs[0].ttl, -1);
}

static void test_failures(void **state)
{
	reply(400, "{\"error\": {\"code\": 400, \"message\": \"API key not valid.\", \"status\": "
		   "\"INVALID_ARGUMENT\"}}");
	for (int i = 0; i < N; i++) {
		assert_int_equal(qs[i].status, SL_PROV_FAILED);
		assert_string_equal(qs[i].error, "HTTP 400: API key not valid.");
	}
	reply(200, "{\"matches\": {}}");
	assert_int_equal(qs[0].status, SL_PROV_FAILED);
	reply(200, "<html>");
	assert_int_equal(qs[2].status, SL_PROV_FAILED);
	fresh();
}

static void test_duration(void **state)
{
	assert_int_equal(sl_prov_parse_duration("300s"), 300);
	assert_int_equal(sl_prov_parse_duration("3.5s"), 3);
	assert_int_equal(sl_prov_parse_duration("0s"), 0);
	assert_int_equal(sl_prov_parse_duration("300"), -1);
	assert_int_equal(sl_prov_parse_duration("s"), -1);
	assert_int_equal(sl_prov_parse_duration("-5s"), -1);
	assert_int_equal(sl_prov_parse_duration("5ms"), -1);
	assert_int_equal(sl_prov_parse_duration(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_matches),
	    cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
