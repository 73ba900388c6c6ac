/*
 * test_urlref - relative references resolved against a base as a browser
 * resolves them (the host they reach is what matters), and the URL lists of
 * srcset, ping and archive split as the HTML standard splits them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "urlref.h"
#include "util.h"

static void resolves(const char *base, const char *ref, const char *want)
{
	char *got = sl_url_resolve(base, ref);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_resolve(void **state)
{
	const char *b = "https://evil.test/app/page.html?q=1#top";

	resolves(b, "login", "https://evil.test/app/login");
	resolves(b, "./a/../b", "https://evil.test/app/./a/../b");
	resolves(b, "/root", "https://evil.test/root");
	resolves(b, "//other.test/x", "https://other.test/x");
	resolves(b, "?z=2", "https://evil.test/app/page.html?z=2");
	resolves(b, "#frag", "https://evil.test/app/page.html?q=1#frag");
	resolves(b, "", "https://evil.test/app/page.html?q=1");
	resolves(b, "https://abs.test/", "https://abs.test/");
	resolves(b, "mailto:x@y.test", "mailto:x@y.test");
	/* browsers drop tabs and line ends anywhere, C0 and blanks at the ends */
	resolves(b, " \t/ro\not\r\n ", "https://evil.test/root");
	resolves(b, "\x01//c0.test/", "https://c0.test/");
	/* backslashes are slashes in special schemes */
	resolves(b, "\\\\bs.test\\x", "https:\\\\bs.test\\x");
	resolves(b, "\\x", "https://evil.test\\x");
	resolves("foo://h.test/a/b", "\\\\x", "foo://h.test/a/\\\\x");
	/* a base without a path, with a port and userinfo */
	resolves("https://u:p@h.test:8443", "x", "https://u:p@h.test:8443/x");
	resolves("http://h.test?q", "x", "http://h.test/x");
	/* no usable base */
	resolves("/relative/base", "x", NULL);
	resolves("mailto:a@b.test", "x", NULL);
	resolves("", "x", NULL);
	assert_true(sl_urlref_is_absolute(" JavaScript:x"));
	assert_true(sl_urlref_is_absolute("ms-msdt:/id"));
	assert_false(sl_urlref_is_absolute("//h.test/"));
	assert_false(sl_urlref_is_absolute("a/b:c"));
	assert_false(sl_urlref_is_absolute("1x:y"));
}

/* The items of a list, joined with '|'. */
static char *items(const char *s, int commas)
{
	GString *g = g_string_new("");
	size_t pos = 0, b, e, n = strlen(s);
	while (sl_url_list_next(s, n, &pos, commas, &b, &e)) {
		assert_true(b < e && e <= n && pos <= n);
		if (g->len > 0)
			g_string_append_c(g, '|');
		g_string_append_len(g, s + b, (gssize)(e - b));
	}
	assert_int_equal(pos, n);
	return g_string_free(g, FALSE);
}

static void test_lists(void **state)
{
	static const struct {
		const char *in;
		int commas;
		const char *want;
	} cases[] = {
		{ "a.png 1x, b.png 2x", 1, "a.png|b.png" },
		/* a URL is all up to a blank: commas inside stay, trailing ones go */
		{ " a.png,b.png,, c.png 100w ", 1, "a.png,b.png|c.png" },
		{ "a.png, b.png", 1, "a.png|b.png" },
		{ "https://x.test/a,b.png 1x", 1, "https://x.test/a,b.png" },
		{ "a.png (w, h) 1x, b.png", 1, "a.png|b.png" },
		{ "data:image/png;base64,AAA 1x, b.png 2x", 1, "data:image/png;base64,AAA|b.png" },
		{ ",,,", 1, "" },
		{ "", 1, "" },
		{ "https://p.test/1 https://p.test/2\thttps://p.test/3", 0, "https://p.test/1|https://p.test/2|https://p.test/3" },
		{ "a.jar,b.jar c.jar", 0, "a.jar,b.jar|c.jar" },
	};
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(cases); k++) {
		char *got = items(cases[k].in, cases[k].commas);
		assert_string_equal(got, cases[k].want);
		g_free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
