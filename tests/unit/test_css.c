/*
 * test_css - the CSS URL finder: every form of url(), @import and
 * image-set() browsers load, escapes decoded, and the ranges the rewriter
 * replaces; what browsers do not load (comments, bad urls, dimensions) is
 * not reported; long or hostile inputs stay linear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "css.h"
#include "util.h"

struct found {
	GPtrArray *urls;   /* char * */
	GPtrArray *ranges; /* the source text of each range */
	const char *src;
	int stop_after;
};

static int on_url(void *ctx, const char *url, size_t len, size_t begin, size_t end)
{
	struct found *f = ctx;
	assert_true(begin < end);
	g_ptr_array_add(f->urls, g_strndup(url, len));
	g_ptr_array_add(f->ranges, g_strndup(f->src + begin, end - begin));
	return f->stop_after > 0 && (int)f->urls->len >= f->stop_after;
}

static struct found *scan(const char *css)
{
	struct found *f = g_new0(struct found, 1);
	f->urls = g_ptr_array_new_with_free_func(g_free);
	f->ranges = g_ptr_array_new_with_free_func(g_free);
	f->src = css;
	sl_css_urls(css, strlen(css), on_url, f);
	return f;
}

static void found_free(struct found *f)
{
	g_ptr_array_free(f->urls, TRUE);
	g_ptr_array_free(f->ranges, TRUE);
	g_free(f);
}

static void check(const struct found *f, guint i, const char *url, const char *range)
{
	if (i >= f->urls->len)
		fail_msg("url %u missing (%u found), want %s", i, f->urls->len, url);
	assert_string_equal(g_ptr_array_index(f->urls, i), url);
	assert_string_equal(g_ptr_array_index(f->ranges, i), range);
}

static void test_url_forms(void **state)
{
	struct found *f = scan("a{background:url(https://u.test/a.png) no-repeat}"
			       "b{background-image:URL( \"https://u.test/b.png\" )}"
			       "c{background:url('https://u.test/c.png')}"
			       "d{background:url(  https://u.test/d.png  )}"
			       "@font-face{src:url(https://u.test/f.woff) format(\"woff\")}");
	assert_int_equal(f->urls->len, 5);
	check(f, 0, "https://u.test/a.png", "url(https://u.test/a.png)");
	check(f, 1, "https://u.test/b.png", "URL( \"https://u.test/b.png\" )");
	check(f, 2, "https://u.test/c.png", "url('https://u.test/c.png')");
	check(f, 3, "https://u.test/d.png", "url(  https://u.test/d.png  )");
	check(f, 4, "https://u.test/f.woff", "url(https://u.test/f.woff)");
	found_free(f);
}

static void test_import_and_image_set(void **state)
{
	struct found *f = scan("@import \"https://i.test/a.css\";\n@IMPORT 'https://i.test/b.css' screen;"
			       "@import url(https://i.test/c.css);"
			       "x{content:\"https://not.test/\"}"
			       "y{background:image-set(\"https://s.test/1x.png\" 1x, 'https://s.test/2x.png' 2x)}"
			       "z{background:-webkit-image-set(url(https://s.test/w.png) 1x)}"
			       "q{font-family:\"https://font.test/\"}");
	assert_int_equal(f->urls->len, 6);
	check(f, 0, "https://i.test/a.css", "\"https://i.test/a.css\"");
	check(f, 1, "https://i.test/b.css", "'https://i.test/b.css'");
	check(f, 2, "https://i.test/c.css", "url(https://i.test/c.css)");
	check(f, 3, "https://s.test/1x.png", "\"https://s.test/1x.png\"");
	check(f, 4, "https://s.test/2x.png", "'https://s.test/2x.png'");
	check(f, 5, "https://s.test/w.png", "url(https://s.test/w.png)");
	found_free(f);
}

static void test_escapes(void **state)
{
	/* a function name and a URL spelt with escapes are what browsers read */
	struct found *f = scan("a{background:\\75 rl(https\\3a //e.test/x)}"
			       "b{background:u\\RL(\"https://e.test/\\79\")}"
			       "c{background:url(https://e.test/a\\)b)}"
			       "d{background:url(\"https://e.test/line\\\ncont\")}"
			       "@\\69mport \"https://e.test/imp.css\";");
	assert_int_equal(f->urls->len, 5);
	check(f, 0, "https://e.test/x", "\\75 rl(https\\3a //e.test/x)");
	check(f, 1, "https://e.test/y", "u\\RL(\"https://e.test/\\79\")");
	check(f, 2, "https://e.test/a)b", "url(https://e.test/a\\)b)");
	check(f, 3, "https://e.test/linecont", "url(\"https://e.test/line\\\ncont\")");
	check(f, 4, "https://e.test/imp.css", "\"https://e.test/imp.css\"");
	found_free(f);
}

static void test_not_loaded(void **state)
{
	/* comments, bad urls, empty ones, dimensions, other functions, bad strings */
	struct found *f = scan("/* url(https://c.test/) */a{width:calc(1px + 2px)}"
			       "b{background:url(https://bad.test/a b)}"
			       "c{background:url(https://bad.test/\"q)}"
			       "d{background:url()} e{background:url('')}"
			       "f{width:1url(https://dim.test/)}"
			       "g{background:attr(url)}"
			       "@import \"https://bad.test/\nx\";"
			       "h{color:rgb(1,2,3)}");
	assert_int_equal(f->urls->len, 0);
	found_free(f);
}

static void test_unterminated(void **state)
{
	struct found *f = scan("a{background:url(https://end.test/x");
	assert_int_equal(f->urls->len, 1);
	check(f, 0, "https://end.test/x", "url(https://end.test/x");
	found_free(f);
	f = scan("a{background:url(\"https://end.test/y");
	assert_int_equal(f->urls->len, 1);
	check(f, 0, "https://end.test/y", "url(\"https://end.test/y");
	found_free(f);
	f = scan("a{b:\\");
	assert_int_equal(f->urls->len, 0);
	found_free(f);
	f = scan("@import '");
	assert_int_equal(f->urls->len, 0);
	found_free(f);
}

static void test_stop(void **state)
{
	struct found *f = g_new0(struct found, 1);
	const char *css = "a{b:url(x1)}c{d:url(x2)}e{f:url(x3)}";

	f->urls = g_ptr_array_new_with_free_func(g_free);
	f->ranges = g_ptr_array_new_with_free_func(g_free);
	f->src = css;
	f->stop_after = 2;
	sl_css_urls(css, strlen(css), on_url, f);
	assert_int_equal(f->urls->len, 2);
	found_free(f);
}

static int may_load(const char *s)
{
	return sl_css_may_load(s, strlen(s));
}

static void test_may_load(void **state)
{
	assert_false(may_load("color:#333;font-size:14px;width:calc(100% - 2px)"));
	assert_true(may_load("background:URL(x)"));
	assert_true(may_load("background:\\75 rl(x)"));
	assert_true(may_load("@import 'x'"));
	assert_true(may_load("b:Image-Set('x' 1x)"));
	assert_false(may_load(""));
}

static void test_hostile_linear(void **state)
{
	/* long runs of what the tokenizer looks at: each finishes at once */
	static const char *const unit[] = { "url(", "\\", "(", "@import ", "'", "/*", "image-set(",
					    "u\\rl(", "1" };
	size_t n = 1 << 20, k, i;

	for (k = 0; k < G_N_ELEMENTS(unit); k++) {
		size_t ul = strlen(unit[k]);
		char *buf = sl_xmalloc(n + 1);
		struct found *f;
		for (i = 0; i < n; i++)
			buf[i] = unit[k][i % ul];
		buf[n] = '\0';
		f = scan(buf);
		assert_true(f->urls->len < n);
		found_free(f);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_forms),   cmocka_unit_test(test_import_and_image_set),
		cmocka_unit_test(test_escapes),     cmocka_unit_test(test_not_loaded),
		cmocka_unit_test(test_unterminated), cmocka_unit_test(test_stop),
		cmocka_unit_test(test_may_load),    cmocka_unit_test(test_hostile_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
