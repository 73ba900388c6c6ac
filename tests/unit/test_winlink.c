/*
 * test_winlink - winlink.c: which schemes start a program or reach a share,
 * the location a handler link opens, WebDAV host forms and UNC paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "winlink.h"

static void test_schemes(void **state)
{
	(void)state;
	assert_int_equal(sl_winlink_handler("search-ms"), SL_WINLINK_SEARCH);
	assert_int_equal(sl_winlink_handler("search"), SL_WINLINK_SEARCH);
	assert_int_equal(sl_winlink_handler("ms-msdt"), SL_WINLINK_MSDT);
	assert_int_equal(sl_winlink_handler("ms-word"), SL_WINLINK_OFFICE);
	assert_int_equal(sl_winlink_handler("ms-excel"), SL_WINLINK_OFFICE);
	assert_int_equal(sl_winlink_handler("ms-powerpoint"), SL_WINLINK_OFFICE);
	assert_int_equal(sl_winlink_handler("ms-appinstaller"), SL_WINLINK_APPINSTALLER);
	assert_int_equal(sl_winlink_handler("https"), SL_WINLINK_NONE);
	assert_int_equal(sl_winlink_handler("ms-settings"), SL_WINLINK_NONE);
	assert_true(sl_winlink_share_scheme("smb"));
	assert_true(sl_winlink_share_scheme("webdavs"));
	assert_false(sl_winlink_share_scheme("file")); /* a special scheme, judged by its host */
	assert_false(sl_winlink_share_scheme("https"));
	assert_non_null(strstr(sl_winlink_handler_name(SL_WINLINK_MSDT), "ms-msdt"));
	assert_string_equal(sl_winlink_handler_name(SL_WINLINK_SEARCH), "Windows Search");
}

static void test_targets(void **state)
{
	static const struct {
		enum sl_winlink_handler h;
		const char *rest;
		const char *target;
	} rows[] = {
	    {SL_WINLINK_SEARCH, "query=x&crumb=location:%5C%5Chost%40SSL%5Cs&displayname=y",
	     "\\\\host@SSL\\s"},
	    {SL_WINLINK_SEARCH, "crumb=LOCATION:%255C%255Chost%255Cs", "\\\\host\\s"},
	    {SL_WINLINK_SEARCH, "query=x&crumb=location:\\\\host\\s", "\\\\host\\s"},
	    {SL_WINLINK_SEARCH, "subquery=\\\\host\\q.search-ms", "\\\\host\\q.search-ms"},
	    {SL_WINLINK_SEARCH, "query=location:", NULL},
	    {SL_WINLINK_SEARCH, "query=x", NULL},
	    {SL_WINLINK_OFFICE, "ofe|u|https://host/d.docx", "https://host/d.docx"},
	    {SL_WINLINK_OFFICE, "nft|U|https://host/t.dotx|s|https://other/",
	     "https://host/t.dotx"},
	    {SL_WINLINK_OFFICE, "https://host/d.docx", "https://host/d.docx"},
	    {SL_WINLINK_OFFICE, "ofe|x|y", NULL},
	    {SL_WINLINK_APPINSTALLER, "?source=https%3A%2F%2Fhost%2Fa", "https://host/a"},
	    {SL_WINLINK_APPINSTALLER, "?other=1", NULL},
	    {SL_WINLINK_MSDT, "/id PCWDiagnostic /param \"x=\\\\host\\s\"", NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *t = sl_winlink_target(rows[i].h, rows[i].rest, strlen(rows[i].rest));
		if ((t == NULL) != (rows[i].target == NULL) ||
		    (t != NULL && strcmp(t, rows[i].target) != 0))
			fail_msg("%s: target %s, want %s", rows[i].rest, t ? t : "(null)",
				 rows[i].target ? rows[i].target : "(null)");
		free(t);
	}
}

static void test_webdav(void **state)
{
	size_t nl;
	int port, ssl;
	(void)state;
	assert_int_equal(sl_winlink_webdav("host@SSL", 8, &nl, &port, &ssl), 1);
	assert_int_equal(nl, 4);
	assert_int_equal(port, -1);
	assert_int_equal(ssl, 1);
	assert_int_equal(sl_winlink_webdav("host@ssl@8443", 13, &nl, &port, &ssl), 1);
	assert_int_equal(port, 8443);
	assert_int_equal(ssl, 1);
	assert_int_equal(sl_winlink_webdav("host@80", 7, &nl, &port, &ssl), 1);
	assert_int_equal(port, 80);
	assert_int_equal(ssl, 0);
	assert_int_equal(sl_winlink_webdav("host", 4, &nl, &port, &ssl), 0);
	assert_int_equal(sl_winlink_webdav("user@host", 9, &nl, &port, &ssl), 0);
	assert_int_equal(sl_winlink_webdav("host@SSLx", 9, &nl, &port, &ssl), 0);
	assert_int_equal(sl_winlink_webdav("host@99999", 10, &nl, &port, &ssl), 0);
	assert_int_equal(sl_winlink_webdav("@SSL", 4, &nl, &port, &ssl), 0);
}

static void test_unc(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *host;
		const char *rest;
	} rows[] = {
	    {"\\\\host\\share\\x", 0, "host", "\\share\\x"},
	    {"\\\\host", 0, "host", ""},
	    {"\\\\host@SSL\\DavWWWRoot", 0, "host@SSL", "\\DavWWWRoot"},
	    {"\\\\?\\UNC\\host\\share", 0, "host", "\\share"},
	    {"\\\\.\\unc\\host\\share", 0, "host", "\\share"},
	    {"\\\\?\\C:\\Windows", 0, "", "C:\\Windows"},
	    {"\\\\.\\pipe\\x", 0, "", "pipe\\x"},
	    {"\\\\\\host", -1, NULL, NULL},
	    {"\\host", -1, NULL, NULL},
	    {"//host/share", -1, NULL, NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t hs, he, rest, n = strlen(rows[i].in);
		int rc = sl_winlink_unc(rows[i].in, n, &hs, &he, &rest);
		assert_int_equal(rc, rows[i].rc);
		if (rc < 0)
			continue;
		if (he - hs != strlen(rows[i].host) ||
		    memcmp(rows[i].in + hs, rows[i].host, he - hs) != 0 ||
		    strcmp(rows[i].in + rest, rows[i].rest) != 0)
			fail_msg("%s: host \"%.*s\" rest \"%s\"", rows[i].in, (int)(he - hs),
				 rows[i].in + hs, rows[i].in + rest);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schemes),
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_webdav),
	    cmocka_unit_test(test_unc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
