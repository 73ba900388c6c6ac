/*
 * test_linkpage - unit tests for lib/links/linkpage.c: the shipped English
 * and German pages load and render; every value is escaped (markup, quotes,
 * bidi controls) and hosts and URLs in text values are defanged; the CSP
 * carries the hash of each <style>; templates that would load, link, run
 * script, post elsewhere, or name an unknown placeholder are refused with
 * file and line; a language tag cannot leave the template folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "linkpage.h"
#include "util.h"

static const char *src(void)
{
	const char *s = getenv("SLUICE_SOURCE_DIR");
	return s != NULL ? s : SLUICE_SOURCE_DIR;
}

static struct sl_config *cfg_for(const char *dir, const char *lang)
{
	char *o[2];
	struct sl_config *c = NULL;
	char *why = NULL;

	o[0] = g_strdup_printf("safelinks.template_dir=%s", dir);
	o[1] = g_strdup_printf("safelinks.language=%s", lang);
	if (sl_config_load(NULL, (const char *const *)o, 2, &c, &why) != SL_OK)
		fail_msg("%s", why);
	g_free(o[0]);
	g_free(o[1]);
	return c;
}

static struct sl_linkpages *shipped(const char *lang)
{
	char *dir = g_build_filename(src(), "conf", "safelinks", NULL);
	struct sl_config *c = cfg_for(dir, lang);
	char *why = NULL;
	struct sl_linkpages *p = sl_linkpages_new(c, &why);
	if (p == NULL)
		fail_msg("%s", why);
	sl_config_unref(c);
	g_free(dir);
	return p;
}

static const struct sl_linkpage_vars hostile = {
    .destination = "https://evil.test/a?b=<script>alert(1)</script>&c=\"x\"'\xe2\x80\xae",
    .host = "evil.test",
    .reason = "the destination evil.test is on the blocklist (blocklist.txt:evil.test)",
    .source = "blocklist.txt:evil.test",
    .click_id = "0123456789abcdef",
    .form_action = "/l/AQ.x\"><b>",
    .form_token = "AAAA.BBBB",
    .lifetime = 10,
};

static void test_shipped(void **state)
{
	const char *langs[] = {"en", "de"};
	for (size_t l = 0; l < 2; l++) {
		struct sl_linkpages *p = shipped(langs[l]);
		char *lang_attr = g_strdup_printf("<html lang=\"%s\">", langs[l]);
		assert_string_equal(sl_linkpages_language(p), langs[l]);
		for (int page = SL_PAGE_BLOCK; page <= SL_PAGE_INVALID; page++) {
			size_t len = 0;
			char *h = sl_linkpages_render(p, (enum sl_linkpage)page, &hostile, &len);
			const char *csp = sl_linkpages_csp(p, (enum sl_linkpage)page);
			assert_int_equal(strlen(h), len);
			assert_non_null(strstr(h, lang_attr));
			assert_non_null(strstr(h, "<h1>"));
			assert_non_null(strstr(h, "0123456789abcdef"));
			/* nothing of the values became markup or left its quotes */
			assert_null(strstr(h, "<script"));
			assert_null(strstr(h, "<b>"));
			assert_null(strstr(h, "\"x\""));
			assert_null(strstr(h, "\xe2\x80\xae"));
			assert_null(strstr(h, "https://evil.test"));
			assert_null(strstr(h, "evil.test"));
			assert_null(strstr(h, "href="));
			assert_true(
			    g_str_has_prefix(csp, "default-src 'none'; style-src 'sha256-"));
			assert_non_null(strstr(csp, "base-uri 'none'; frame-ancestors 'none'"));
			assert_null(strstr(csp, "unsafe"));
			if (page != SL_PAGE_INVALID) {
				assert_non_null(strstr(h, "hxxps[:]//evil[.]test/a?b="));
				assert_non_null(strstr(h, "[U+202E]"));
			}
			if (page == SL_PAGE_WARN) {
				assert_non_null(strstr(h, "method=\"post\""));
				assert_non_null(strstr(h, "action=\"/l/AQ.x&quot;&gt;&lt;b&gt;\""));
				assert_non_null(strstr(h, "value=\"AAAA.BBBB\""));
			}
			free(h);
		}
		g_free(lang_attr);
		sl_linkpages_free(p);
	}
}

/* The CSP hash is the SHA-256 of the <style> element's content. */
static void test_csp_hash(void **state)
{
	char *dir = g_dir_make_tmp("test_linkpage_XXXXXX", NULL);
	char *en = g_build_filename(dir, "en", NULL);
	const char *style = "p{color:red}";
	const char *pages[] = {"block.html", "warn.html", "invalid.html"};
	struct sl_config *c;
	struct sl_linkpages *p;
	char *why = NULL, *want;
	gchar *b64;
	guint8 d[32];
	gsize dl = sizeof(d);
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);

	g_mkdir_with_parents(en, 0700);
	for (int i = 0; i < 3; i++) {
		char *f = g_build_filename(en, pages[i], NULL);
		char *t = g_strdup_printf(
		    "<html lang=\"en\"><style>%s</style><style>b{}</style>%s</html>", style,
		    i == 1 ? "<form method=\"post\" action=\"{{form_action}}\"><input type=hidden "
			     "name=form_token value=\"{{form_token}}\"></form>"
			   : "");
		assert_true(g_file_set_contents(f, t, -1, NULL));
		g_free(f);
		g_free(t);
	}
	c = cfg_for(dir, "en");
	p = sl_linkpages_new(c, &why);
	if (p == NULL)
		fail_msg("%s", why);
	g_checksum_update(ck, (const guchar *)style, -1);
	g_checksum_get_digest(ck, d, &dl);
	b64 = g_base64_encode(d, dl);
	want = g_strdup_printf("style-src 'sha256-%s' 'sha256-", b64);
	assert_non_null(strstr(sl_linkpages_csp(p, SL_PAGE_BLOCK), want));
	sl_linkpages_free(p);
	sl_config_unref(c);
	g_checksum_free(ck);
	g_free(b64);
	g_free(want);
	for (int i = 0; i < 3; i++) {
		char *f = g_build_filename(en, pages[i], NULL);
		g_unlink(f);
		g_free(f);
	}
	g_rmdir(en);
	g_rmdir(dir);
	g_free(en);
	g_free(dir);
}

/* Writes the three pages with block.html = block (the others plain) and
 * returns why loading refuses them (NULL when it does not). */
static char *refusal(const char *block, const char *warn)
{
	char *dir = g_dir_make_tmp("test_linkpage_XXXXXX", NULL);
	char *en = g_build_filename(dir, "en", NULL);
	const char *names[] = {"block.html", "warn.html", "invalid.html"};
	const char *texts[] = {block,
			       warn != NULL ? warn
					    : "<form method=\"post\" action=\"{{form_action}}\">"
					      "<input name=\"form_token\" value=\"{{form_token}}\">"
					      "</form>",
			       "<p>invalid</p>"};
	struct sl_config *c;
	struct sl_linkpages *p;
	char *why = NULL;

	g_mkdir_with_parents(en, 0700);
	for (int i = 0; i < 3; i++) {
		char *f = g_build_filename(en, names[i], NULL);
		assert_true(g_file_set_contents(f, texts[i], -1, NULL));
		g_free(f);
	}
	c = cfg_for(dir, "en");
	p = sl_linkpages_new(c, &why);
	assert_true((p == NULL) == (why != NULL));
	sl_linkpages_free(p);
	sl_config_unref(c);
	for (int i = 0; i < 3; i++) {
		char *f = g_build_filename(en, names[i], NULL);
		g_unlink(f);
		g_free(f);
	}
	g_rmdir(en);
	g_rmdir(dir);
	g_free(en);
	g_free(dir);
	return why;
}

static void refused(const char *block, const char *warn, const char *says)
{
	char *why = refusal(block, warn);
	if (why == NULL)
		fail_msg("accepted: %s", block);
	if (strstr(why, says) == NULL)
		fail_msg("'%s' does not say '%s'", why, says);
	free(why);
}

static void test_refused(void **state)
{
	char *why =
	    refusal("<p>{{destination}} {{reason}}</p><abbr>x</abbr><address>y</address>", NULL);
	assert_null(why); /* a plain page, and elements that only start like <a */

	refused("<p>ok</p>\n<p>{{nosuch}}</p>", NULL,
		"block.html:2: unknown placeholder '{{nosuch}}'");
	refused("<p>{{form_token}}</p>", NULL, "unknown placeholder '{{form_token}}'");
	refused("<p>{{destination</p>", NULL, "unknown placeholder");
	refused("<script>alert(1)</script>", NULL, "'<script>' is not allowed");
	refused("<SCRIPT src=x></SCRIPT>", NULL, "is not allowed");
	refused("<p>go <a href=\"https://x.test/\">there</a></p>", NULL, "is not allowed");
	refused("<img alt=\"\" src=\"logo.png\">", NULL, "is not allowed");
	refused("<p style=\"color:red\">x</p>", NULL, "'style=' is not allowed");
	refused("<body onload=\"x()\">", NULL, "'onload=' is not allowed");
	refused("<style>body{background:url(https://x.test/a.png)}</style>", NULL,
		"'url(' is not allowed");
	refused("<style>@import 'x.css';</style>", NULL, "is not allowed");
	refused("<meta http-equiv=\"refresh\" content=\"0;url=https://x.test/\">", NULL,
		"is not allowed");
	refused("<link rel=\"stylesheet\" href=\"x.css\">", NULL, "is not allowed");
	refused("<iframe></iframe>", NULL, "is not allowed");
	refused("<style>p{} {{destination}}</style>", NULL, "no placeholders inside <style>");
	refused("<style>p{}", NULL, "<style> is not closed");
	refused("<form action=\"https://x.test/\" method=\"post\"></form>", NULL,
		"a form may only post to action=\"{{form_action}}\"");
	refused("<p>x</p>", "<p>no form</p>", "warn.html: the warning page needs a form");
	refused("<p>x</p>",
		"<form method=\"get\" action=\"{{form_action}}\"><input "
		"value=\"{{form_token}}\"></form>",
		"the warning page needs a form");
	refused("<p>\xff</p>", NULL, "not UTF-8");
}

static void test_language(void **state)
{
	char *dir = g_build_filename(src(), "conf", "safelinks", NULL);
	const char *bad[] = {"../en", "en/../de", "", "e", "en de"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct sl_config *c = cfg_for(dir, bad[i]);
		char *why = NULL;
		assert_null(sl_linkpages_new(c, &why));
		assert_non_null(strstr(why, "safelinks.language"));
		free(why);
		sl_config_unref(c);
	}
	{
		/* a language nobody wrote pages for: the missing file is named */
		struct sl_config *c = cfg_for(dir, "fr");
		char *why = NULL;
		assert_null(sl_linkpages_new(c, &why));
		assert_non_null(strstr(why, "safelinks.template_dir"));
		assert_non_null(strstr(why, "fr/block.html"));
		free(why);
		sl_config_unref(c);
	}
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped),
	    cmocka_unit_test(test_csp_hash),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_language),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
