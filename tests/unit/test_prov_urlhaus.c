/*
 * test_prov_urlhaus - unit tests for lib/links/prov_urlhaus.c: URL and host
 * replies of the URLhaus API v1 (query_status ok, no_results and the error
 * statuses; url_status online, offline, unknown) and how they map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "prov_urlhaus.h"
#include "util.h"

static const struct sl_urlhaus_map defaults = {SL_REP_SUSPICIOUS, SL_REP_SUSPICIOUS};

static struct sl_prov_query q;

static void reply(enum sl_prov_scope scope, const struct sl_urlhaus_map *m, long status,
		  const char *body)
{
	struct sl_prov_http_reply r = {status, body, strlen(body), NULL};
	free(q.detail);
	free(q.category);
	free(q.error);
	memset(&q, 0, sizeof(q));
	q.scope = scope;
	q.key = scope == SL_PROV_URL ? "http://a.test/x.exe" : "a.test";
	if (scope == SL_PROV_URL)
		sl_urlhaus_answer_url(m, &r, &q);
	else
		sl_urlhaus_answer_host(m, &r, &q);
}

#define url_reply(m, status, body) reply(SL_PROV_URL, m, status, body)
#define host_reply(m, status, body) reply(SL_PROV_HOST, m, status, body)

static void test_url(void **state)
{
	struct sl_urlhaus_map off_none = {SL_REP_UNKNOWN, SL_REP_SUSPICIOUS};

	url_reply(
	    &defaults, 200,
	    "{\"query_status\": \"ok\", \"id\": \"1\", \"url\": \"http://a.test/x.exe\", "
	    "\"url_status\": \"online\", \"threat\": \"malware_download\", \"tags\": [\"elf\"]}");
	assert_int_equal(q.status, SL_PROV_LISTED);
	assert_int_equal(q.verdict, SL_REP_MALICIOUS);
	assert_string_equal(q.detail, "malware_download/online");
	assert_string_equal(q.category, "malware_download (online)");
	assert_int_equal(q.ttl, -1);

	url_reply(&defaults, 200,
		  "{\"query_status\": \"ok\", \"url_status\": \"offline\", \"threat\": "
		  "\"malware_download\"}");
	assert_int_equal(q.status, SL_PROV_LISTED);
	assert_int_equal(q.verdict, SL_REP_SUSPICIOUS);
	assert_string_equal(q.detail, "malware_download/offline");
	url_reply(&off_none, 200, "{\"query_status\": \"ok\", \"url_status\": \"offline\"}");
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
	/* no status or threat given: treated like offline, named "unknown"/"malware" */
	url_reply(&defaults, 200, "{\"query_status\": \"ok\"}");
	assert_int_equal(q.verdict, SL_REP_SUSPICIOUS);
	assert_string_equal(q.detail, "malware/unknown");

	url_reply(&defaults, 200, "{\"query_status\": \"no_results\"}");
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
}

static void test_errors(void **state)
{
	url_reply(&defaults, 401, "{\"query_status\": \"unknown_auth_key\"}");
	assert_int_equal(q.status, SL_PROV_FAILED);
	assert_non_null(strstr(q.error, "Auth-Key"));
	url_reply(&defaults, 200, "{\"query_status\": \"invalid_url\"}");
	assert_int_equal(q.status, SL_PROV_FAILED);
	assert_string_equal(q.error, "query_status invalid_url (HTTP 200)");
	url_reply(&defaults, 200, "{\"query_status\": \"http_post_expected\"}");
	assert_int_equal(q.status, SL_PROV_FAILED);
	url_reply(&defaults, 500, "Internal Server Error");
	assert_int_equal(q.status, SL_PROV_FAILED);
	assert_string_equal(q.error, "HTTP 500");
	url_reply(&defaults, 200, "{\"url_status\": \"online\"}");
	assert_int_equal(q.status, SL_PROV_FAILED);
	url_reply(&defaults, 200, "");
	assert_int_equal(q.status, SL_PROV_FAILED);
	host_reply(&defaults, 200, "{\"query_status\": \"invalid_host\"}");
	assert_int_equal(q.status, SL_PROV_FAILED);
}

static void test_host(void **state)
{
	struct sl_urlhaus_map host_mal = {SL_REP_SUSPICIOUS, SL_REP_MALICIOUS};
	static const char listed[] =
	    "{\"query_status\": \"ok\", \"host\": \"a.test\", \"url_count\": \"3\", "
	    "\"urls\": [{\"url\": \"http://a.test/1\", \"url_status\": \"online\"}, "
	    "{\"url\": \"http://a.test/2\", \"url_status\": \"offline\"}, "
	    "{\"url\": \"http://a.test/3\", \"url_status\": \"online\"}]}";

	host_reply(&defaults, 200, listed);
	assert_int_equal(q.status, SL_PROV_LISTED);
	assert_int_equal(q.verdict, SL_REP_SUSPICIOUS);
	assert_string_equal(q.detail, "host_online");
	assert_string_equal(q.category, "a malware host (2 URLs online)");
	host_reply(&host_mal, 200, listed);
	assert_int_equal(q.verdict, SL_REP_MALICIOUS);
	/* every URL offline: the host serves nothing now */
	host_reply(&defaults, 200,
		   "{\"query_status\": \"ok\", \"urls\": [{\"url_status\": \"offline\"}]}");
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
	host_reply(&defaults, 200, "{\"query_status\": \"no_results\"}");
	assert_int_equal(q.status, SL_PROV_NOT_LISTED);
	free(q.detail);
	free(q.category);
	free(q.error);
	memset(&q, 0, sizeof(q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
