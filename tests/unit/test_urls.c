/*
 * test_urls - the URL stage on hand-built messages: each test makes an sl_msg
 * with one or more parts (declared type, charset, decoded bytes), runs the
 * stage and checks every URL found: the URL, its context, its byte range in
 * the part's text (the bytes there must be what was written) and shown_as.
 * Also the limits (max_urls, max_url_length, nesting), bad bytes, and inputs
 * that would make a careless pattern or parser slow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <glib.h>

#include "config.h"
#include "msg.h"
#include "urls.h"
#include "util.h"

static struct sl_urls *new_stage(const char *const *ov, size_t nov)
{
	struct sl_config *cfg = NULL;
	struct sl_urls *u;
	char *why = NULL;

	assert_int_equal(sl_config_load(NULL, ov, nov, &cfg, &why), SL_OK);
	u = sl_urls_new(cfg, &why);
	if (u == NULL)
		fail_msg("sl_urls_new: %s", why);
	sl_config_unref(cfg);
	return u;
}

static int add_part(struct sl_msg *m, const char *type, const char *charset, const void *p,
		    size_t n)
{
	char id[16];
	unsigned char *d = sl_xmalloc(n + 1);
	int i;

	snprintf(id, sizeof(id), "%zu", m->nparts + 1);
	i = sl_msg_add_part(m, -1, id, SL_ORIGIN_MIME);
	memcpy(d, p, n);
	d[n] = 0;
	sl_msg_part_take_data(m, i, d, n);
	m->parts[i].declared_type = type != NULL ? sl_xstrdup(type) : NULL;
	m->parts[i].charset = charset != NULL ? sl_xstrdup(charset) : NULL;
	m->parts[i].is_body_text = 1;
	return i;
}

/* Runs a default stage over one part. */
static struct sl_msg *run1(const char *type, const char *charset, const void *p, size_t n)
{
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);

	add_part(m, type, charset, p, n);
	assert_int_equal(sl_urls_run(u, m), 0);
	sl_urls_free(u);
	return m;
}

static struct sl_msg *run_str(const char *type, const char *s)
{
	return run1(type, NULL, s, strlen(s));
}

/* URL i is url, in ctx, and the part's text at its range is written. */
static void check(const struct sl_msg *m, size_t i, const char *url, enum sl_url_context ctx,
		  const char *written)
{
	const struct sl_url *x;
	const struct sl_part *p;

	if (i >= m->nurls)
		fail_msg("url %zu missing (%zu found), want %s", i, m->nurls, url);
	x = &m->urls[i];
	p = &m->parts[x->part];
	assert_string_equal(x->url, url);
	assert_int_equal(x->context, ctx);
	assert_true(x->offset + x->length <= p->text_len);
	if (written != NULL) {
		assert_int_equal(x->length, strlen(written));
		assert_memory_equal(p->text + x->offset, written, x->length);
	}
}

static void check_text(const struct sl_msg *m, size_t i, const char *url)
{
	check(m, i, url, SL_URLCTX_TEXT, url);
}

/* ---- plain text ---- */

static void test_text_schemes(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "Visit https://example.com/a?b=c#d and www.example.org or\r\n"
				   "example.co.uk/login today; also FTP://files.test/x and\n"
				   "http:\\\\back.test\\slash, hxxp://nope.test/ too. Or www.end.test.");
	assert_int_equal(m->nurls, 6);
	check_text(m, 0, "https://example.com/a?b=c#d");
	check_text(m, 1, "www.example.org");
	check_text(m, 2, "example.co.uk/login");
	check_text(m, 3, "FTP://files.test/x");
	check_text(m, 4, "http:\\\\back.test\\slash");
	check_text(m, 5, "www.end.test");
	assert_null(m->urls[0].shown_as);
	assert_null(m->parts[0].text_owned);
	assert_ptr_equal(m->parts[0].text, (const char *)m->parts[0].data);
	sl_msg_free(m);
}

static void test_text_not_urls(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "e.g. this, i.e. that; see file.txt and version 1.2.3 or 1.2.3/4,\n"
				   "a.b, readme, user@example.com, first.last@example.com/x, x.y.z,\n"
				   "example.com5/x, www.a.b.c. www.example.c0m\n"
				   "x.thisisaverylongnamethatisnotatldbecauseitislongerthansixtythreeletters/x\n"
				   "http:// and https:// alone, .com/, -.com/, www. and www.x");
	assert_int_equal(m->nurls, 0);
	sl_msg_free(m);
}

static void test_text_punctuation(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "See http://x.test/a. Or (http://x.test/b), 'http://x.test/c'!\n"
				   "<https://x.test/d> and \"www.x.test/e\"; [http://x.test/f]?\n"
				   "http://x.test/g?... end: http://x.test/h:");
	assert_int_equal(m->nurls, 8);
	check_text(m, 0, "http://x.test/a");
	check_text(m, 1, "http://x.test/b");
	check_text(m, 2, "http://x.test/c");
	check_text(m, 3, "https://x.test/d");
	check_text(m, 4, "www.x.test/e");
	check_text(m, 5, "http://x.test/f");
	check_text(m, 6, "http://x.test/g");
	check_text(m, 7, "http://x.test/h");
	sl_msg_free(m);
}

static void test_text_parens(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "https://en.wikipedia.org/wiki/Foo_(bar) and "
				   "(see https://en.wikipedia.org/wiki/Foo_(bar)). "
				   "[link](http://md.test/x) {http://b.test/{y}}");
	assert_int_equal(m->nurls, 4);
	check_text(m, 0, "https://en.wikipedia.org/wiki/Foo_(bar)");
	check_text(m, 1, "https://en.wikipedia.org/wiki/Foo_(bar)");
	check_text(m, 2, "http://md.test/x");
	check_text(m, 3, "http://b.test/{y}");
	sl_msg_free(m);
}

static void test_text_qp_decoded(void **state)
{
	/* "http://x.test/a=3Db?c=3D1" after quoted-printable decoding, soft breaks gone */
	struct sl_msg *m = run_str("text/plain", "Line one\r\nclick http://x.test/a=b?c=1\r\nbye\r\n");
	assert_int_equal(m->nurls, 1);
	check_text(m, 0, "http://x.test/a=b?c=1");
	assert_int_equal(m->urls[0].offset, strlen("Line one\r\nclick "));
	sl_msg_free(m);
}

static void test_text_unicode(void **state)
{
	/* IDN host, non-ASCII path, smart quotes and a CJK full stop around URLs */
	struct sl_msg *m = run_str("text/plain",
				   "\xE2\x80\x9Chttp://b\xC3\xBC" "cher.test/\xC3\xA9t\xC3\xA9\xE2\x80\x9D "
				   "\xE8\xA6\x8B http://x.test/p\xE3\x80\x82"
				   "\xC2\xA0www.y.test\xC2\xA0");
	assert_int_equal(m->nurls, 3);
	check_text(m, 0, "http://b\xC3\xBC" "cher.test/\xC3\xA9t\xC3\xA9");
	check_text(m, 1, "http://x.test/p");
	check_text(m, 2, "www.y.test");
	sl_msg_free(m);
}

static void test_text_windows1252(void **state)
{
	const char in[] = "Caf\xE9 \x93http://x.test/a\x94 \x80 www.y.test/b";
	struct sl_msg *m = run1("text/plain", "windows-1252", in, sizeof(in) - 1);
	const struct sl_part *p = &m->parts[0];

	assert_non_null(p->text_owned);
	assert_ptr_equal(p->text, p->text_owned);
	assert_string_equal(p->text, "Caf\xC3\xA9 \xE2\x80\x9Chttp://x.test/a\xE2\x80\x9D \xE2\x82\xAC "
				     "www.y.test/b");
	assert_int_equal(m->nurls, 2);
	check_text(m, 0, "http://x.test/a");
	assert_int_equal(m->urls[0].offset, strlen("Caf\xC3\xA9 \xE2\x80\x9C"));
	check_text(m, 1, "www.y.test/b");
	sl_msg_free(m);
}

static void test_charsets(void **state)
{
	/* latin1 declared but valid UTF-8: used as is; unknown charset: latin1 */
	const char utf[] = "\xC3\xA9 http://x.test/";
	const char lat[] = "\xE9 http://x.test/";
	struct sl_msg *m = run1("text/plain", "iso-8859-1", utf, sizeof(utf) - 1);
	assert_null(m->parts[0].text_owned);
	check_text(m, 0, "http://x.test/");
	sl_msg_free(m);
	m = run1("text/plain", "\"x-no-such-charset\"", lat, sizeof(lat) - 1);
	assert_string_equal(m->parts[0].text, "\xC3\xA9 http://x.test/");
	check_text(m, 0, "http://x.test/");
	sl_msg_free(m);
	/* 8-bit bytes labelled us-ascii: read as windows-1252 */
	m = run1("text/plain", "us-ascii", "\x93http://a.test/\x94 \xE9", 18);
	assert_string_equal(m->parts[0].text, "\xE2\x80\x9Chttp://a.test/\xE2\x80\x9D \xC3\xA9");
	check_text(m, 0, "http://a.test/");
	sl_msg_free(m);
	/* KOI8-R and Shift_JIS */
	m = run1("text/plain", "koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4 http://k.test/", 21);
	assert_string_equal(m->parts[0].text,
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 http://k.test/");
	check_text(m, 0, "http://k.test/");
	sl_msg_free(m);
	m = run1("text/plain", "Shift_JIS", "\x82\xA0 http://s.test/", 17);
	assert_string_equal(m->parts[0].text, "\xE3\x81\x82 http://s.test/");
	check_text(m, 0, "http://s.test/");
	sl_msg_free(m);
}

static void test_invalid_utf8_and_nul(void **state)
{
	const char in[] = "\xFF\xFE\xFD bad \xC3 http://x.test/a\xC0\xAF b\0c http://y.test/\0z";
	struct sl_msg *m = run1("text/plain", "utf-8", in + 3, sizeof(in) - 4);
	const struct sl_part *p = &m->parts[0];

	assert_non_null(p->text_owned);
	assert_non_null(memmem(p->text, p->text_len, "\xEF\xBF\xBD", 3)); /* U+FFFD */
	assert_non_null(memchr(p->text, '\0', p->text_len));             /* NULs kept */
	assert_int_equal(m->nurls, 2);
	check_text(m, 0, "http://x.test/a");
	check_text(m, 1, "http://y.test/");
	sl_msg_free(m);
	/* valid UTF-8 with NUL bytes: used as is */
	m = run1("text/plain", NULL, "a\0http://n.test/\0", 17);
	assert_null(m->parts[0].text_owned);
	assert_int_equal(m->nurls, 1);
	check_text(m, 0, "http://n.test/");
	sl_msg_free(m);
	/* no charset, invalid UTF-8: windows-1252 */
	m = run1(NULL, NULL, "\x93http://q.test/\x94", 16);
	assert_int_equal(m->nurls, 1);
	check_text(m, 0, "http://q.test/");
	sl_msg_free(m);
}

static void test_long_lines_bounded(void **state)
{
	static const char *const pat[] = { "a", "a.", "a.b", "www.", "http:", "x-", "1.",
					   "a.bc/", "\xC3\xA9.", "(", "a@b." };
	size_t n = 1 << 20, i, k;
	struct sl_urls *u = new_stage(NULL, 0);
	clock_t t0 = clock();

	for (k = 0; k < G_N_ELEMENTS(pat); k++) {
		size_t pl = strlen(pat[k]);
		char *buf = sl_xmalloc(n);
		struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
		int pi;

		for (i = 0; i < n; i++)
			buf[i] = pat[k][i % pl];
		pi = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
		sl_msg_part_take_data(m, pi, (unsigned char *)buf, n);
		m->parts[pi].declared_type = sl_xstrdup("text/plain");
		assert_int_equal(sl_urls_run(u, m), 0);
		/* only "a.bc/a.bc/..." and "www.www...." are URLs: one, too long, recorded whole for
		 * the reputation stage to judge and the rewriter to disarm */
		if (strcmp(pat[k], "a.bc/") == 0 || strcmp(pat[k], "www.") == 0) {
			assert_int_equal(m->nurls, 1);
			assert_true(m->urls[0].length >= n - 1);
		} else {
			assert_int_equal(m->nurls, 0);
		}
		sl_msg_free(m);
	}
	sl_urls_free(u);
	(void)t0; /* speed is the benchmark's business, not a test's */
}

static void test_max_url_length(void **state)
{
	const char *ov[] = { "urls.max_url_length=64" };
	struct sl_urls *u = new_stage(ov, 1);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	GString *s = g_string_new("short http://x.test/ok and http://x.test/");

	while (s->len < strlen("short http://x.test/ok and ") + 76)
		g_string_append_c(s, 'a');
	add_part(m, "text/plain", NULL, s->str, s->len);
	g_string_free(s, TRUE);
	assert_int_equal(sl_urls_run(u, m), 0);
	/* the long one is recorded whole (reputation judges it, the rewriter disarms it) */
	assert_int_equal(m->nurls, 2);
	check_text(m, 0, "http://x.test/ok");
	assert_int_equal(m->urls[1].length, 76);
	sl_msg_free(m);
	sl_urls_free(u);
}

/* ---- HTML ---- */

static void test_html_href_entities(void **state)
{
	const char *h = "<p>Hi <a class=x href=\"http://x.test/?a=1&amp;b=&#x2F;c\">"
			"click\n  &amp;   <b>go</b> </a> and <A HREF='  https://y.test/  '>y</A>"
			"<a href=http://z.test/u>z</a><a href=\"#top\">top</a><a href=\"\">e</a>"
			"<a name=n>no href</a>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 3);
	check(m, 0, "http://x.test/?a=1&b=/c", SL_URLCTX_HREF, "\"http://x.test/?a=1&amp;b=&#x2F;c\"");
	assert_string_equal(m->urls[0].shown_as, "click & go");
	check(m, 1, "https://y.test/", SL_URLCTX_HREF, "'  https://y.test/  '");
	assert_string_equal(m->urls[1].shown_as, "y");
	check(m, 2, "http://z.test/u", SL_URLCTX_HREF, "http://z.test/u");
	sl_msg_free(m);
}

static void test_html_contexts(void **state)
{
	const char *h = "<html><head><meta http-equiv=\"Refresh\" content=\"0; URL='http://r.test/go'\">"
			"<title>http://title.test/no</title><style>a{background:url(http://css.test/)}"
			"</style><script>var u='http://js.test/x';</script></head><body>"
			"<form action=\"https://f.test/post\"><input type=submit formaction=/other>"
			"</form><img src=\"http://i.test/p.png\" alt=x><iframe src='//if.test/'></iframe>"
			"<map><area href=\"http://area.test/\" alt=a></map>"
			"<a href=\"mailto:a@b.test?subject=x\">mail</a>"
			"<a href=\"javascript:alert(1)\"><img src=\"cid:1\"></a>"
			"<a href=\"http://big.test/\">" "</a></body></html>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 10);
	check(m, 0, "http://r.test/go", SL_URLCTX_META_REFRESH, "\"0; URL='http://r.test/go'\"");
	check(m, 1, "https://f.test/post", SL_URLCTX_FORM, "\"https://f.test/post\"");
	check(m, 2, "/other", SL_URLCTX_FORM, "/other");
	check(m, 3, "http://i.test/p.png", SL_URLCTX_SRC, "\"http://i.test/p.png\"");
	check(m, 4, "//if.test/", SL_URLCTX_SRC, "'//if.test/'");
	check(m, 5, "http://area.test/", SL_URLCTX_HREF, "\"http://area.test/\"");
	check(m, 6, "mailto:a@b.test?subject=x", SL_URLCTX_HREF, NULL);
	assert_string_equal(m->urls[6].shown_as, "mail");
	check(m, 7, "javascript:alert(1)", SL_URLCTX_HREF, "\"javascript:alert(1)\"");
	assert_null(m->urls[7].shown_as);
	check(m, 8, "cid:1", SL_URLCTX_SRC, "\"cid:1\"");
	check(m, 9, "http://big.test/", SL_URLCTX_HREF, NULL);
	assert_null(m->urls[9].shown_as);
	sl_msg_free(m);
}

static void test_html_text_nodes(void **state)
{
	const char *h = "<div>Go to http://t.test/?a=1&amp;b=2 now, or <b>www.w.test</b>."
			"<a href=\"http://a.test/\">http://inside.test/</a></div>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 3);
	check(m, 0, "http://t.test/?a=1&b=2", SL_URLCTX_TEXT, "http://t.test/?a=1&amp;b=2");
	check(m, 1, "www.w.test", SL_URLCTX_TEXT, "www.w.test");
	check(m, 2, "http://a.test/", SL_URLCTX_HREF, "\"http://a.test/\"");
	assert_string_equal(m->urls[2].shown_as, "http://inside.test/");
	sl_msg_free(m);
}

static void test_html_shown_as_truncated(void **state)
{
	GString *h = g_string_new("<a href=\"http://x.test/\">");
	struct sl_msg *m;
	int i;

	for (i = 0; i < 150; i++)
		g_string_append(h, " \xC3\xA9 "); /* 3 bytes after collapsing */
	g_string_append(h, "</a>");
	m = run_str("text/html", h->str);
	assert_int_equal(m->nurls, 1);
	assert_true(strlen(m->urls[0].shown_as) <= SL_URLS_SHOWN_MAX);
	assert_true(strlen(m->urls[0].shown_as) >= SL_URLS_SHOWN_MAX - 3);
	assert_true(g_utf8_validate(m->urls[0].shown_as, -1, NULL));
	assert_true(g_str_has_prefix(m->urls[0].shown_as, "\xC3\xA9 \xC3\xA9"));
	sl_msg_free(m);
	g_string_free(h, TRUE);
}

static void test_html_utf16le_bom(void **state)
{
	const char *h = "<p>\xC3\xA9t\xC3\xA9 <a href=\"https://u16.test/x\">\xE2\x82\xAC link</a> "
			"www.plain16.test</p>";
	gsize n = 0;
	gchar *u16 = g_convert(h, -1, "UTF-16LE", "UTF-8", NULL, &n, NULL);
	char *in = sl_xmalloc(n + 2);
	struct sl_msg *m;

	in[0] = (char)0xFF;
	in[1] = (char)0xFE;
	memcpy(in + 2, u16, n);
	m = run1("text/html", NULL, in, n + 2);
	assert_non_null(m->parts[0].text_owned);
	assert_string_equal(m->parts[0].text, h);
	assert_int_equal(m->nurls, 2);
	check(m, 0, "https://u16.test/x", SL_URLCTX_HREF, "\"https://u16.test/x\"");
	assert_string_equal(m->urls[0].shown_as, "\xE2\x82\xAC link");
	check(m, 1, "www.plain16.test", SL_URLCTX_TEXT, "www.plain16.test");
	sl_msg_free(m);
	/* declared utf-16le without BOM */
	m = run1("text/html", "UTF-16LE", u16, n);
	assert_int_equal(m->nurls, 2);
	check(m, 0, "https://u16.test/x", SL_URLCTX_HREF, "\"https://u16.test/x\"");
	sl_msg_free(m);
	g_free(u16);
	free(in);
}

static void test_html_meta_charset(void **state)
{
	const char h[] = "<meta charset=\"windows-1251\"><a href=\"http://c.test/\">\xCF\xF0\xE8</a>";
	struct sl_msg *m = run1("text/html", NULL, h, sizeof(h) - 1);

	assert_int_equal(m->nurls, 1);
	assert_string_equal(m->urls[0].shown_as, "\xD0\x9F\xD1\x80\xD0\xB8");
	sl_msg_free(m);
}

static void test_html_unterminated(void **state)
{
	struct sl_msg *m = run_str("text/html", "<html><body><a href=\"http://x.test/");
	size_t i;

	/* a tag cut off by the end of input is dropped by browsers too */
	for (i = 0; i < m->nurls; i++)
		assert_true(m->urls[i].offset + m->urls[i].length <= m->parts[0].text_len);
	sl_msg_free(m);
	m = run_str("text/html", "<div><a href=\"http://x.test/\">click <b>here");
	assert_int_equal(m->nurls, 1);
	check(m, 0, "http://x.test/", SL_URLCTX_HREF, "\"http://x.test/\"");
	assert_string_equal(m->urls[0].shown_as, "click here");
	sl_msg_free(m);
	m = run_str("text/html", "<a href='http://x.test/'<p>http://y.test/<!-- unterminated");
	for (i = 0; i < m->nurls; i++)
		assert_true(m->urls[i].offset + m->urls[i].length <= m->parts[0].text_len);
	sl_msg_free(m);
}

static void test_html_bad_references(void **state)
{
	/* gumbo turns a huge numeric reference into invalid UTF-8: the URL must not be */
	struct sl_msg *m = run_str("text/html", "<a href=\"http://x.test/&#5555555555555555555;\">x</a>"
						"<a href=\"http://y.test/&#0;&#xD800;&bogus;\">y</a>");
	size_t i;

	assert_int_equal(m->nurls, 2);
	for (i = 0; i < m->nurls; i++)
		assert_true(g_utf8_validate(m->urls[i].url, -1, NULL));
	assert_true(g_str_has_prefix(m->urls[0].url, "http://x.test/"));
	sl_msg_free(m);
}

static void test_html_misnested_once(void **state)
{
	/* the parser clones <a> into the <div>: one URL, not two */
	struct sl_msg *m = run_str("text/html", "<a href=\"http://x.test/\">a<div>b</a>c</div>");
	assert_int_equal(m->nurls, 1);
	sl_msg_free(m);
}

static void test_html_conditional_comment(void **state)
{
	const char *h = "<p>x</p><!--[if mso]><a href=\"http://mso.test/\">outlook</a><![endif]-->"
			"<!-- http://comment.test/ -->";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 1);
	check(m, 0, "http://mso.test/", SL_URLCTX_HREF, "\"http://mso.test/\"");
	assert_string_equal(m->urls[0].shown_as, "outlook");
	sl_msg_free(m);
}

static void test_html_max_urls(void **state)
{
	GString *h = g_string_new("<html><body>");
	struct sl_urls *u = new_stage((const char *const[]){ "urls.max_urls=10000" }, 1);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	int i;

	for (i = 0; i < 100000; i++)
		g_string_append_printf(h, "<a href=\"http://h%d.test/\">l%d</a>\n", i, i);
	add_part(m, "text/html", NULL, h->str, h->len);
	add_part(m, "text/plain", NULL, "http://later.test/", 18);
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_int_equal(m->nurls, 10000);
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", 0));
	assert_true(m->incomplete); /* links left unjudged: never delivered as is */
	assert_int_equal(m->nfindings, 1);
	check(m, 9999, "http://h9999.test/", SL_URLCTX_HREF, "\"http://h9999.test/\"");
	/* text is still set on the part the stage did not search */
	assert_non_null(m->parts[1].text);
	sl_msg_free(m);
	sl_urls_free(u);
	g_string_free(h, TRUE);
}

static void test_html_deep(void **state)
{
	GString *h = g_string_new("<a href=\"http://deep.test/\">x</a>");
	struct sl_msg *m;
	int i;

	for (i = 0; i < 100000; i++)
		g_string_append(h, "<div>");
	g_string_append(h, "http://in.test/");
	m = run_str("text/html", h->str);
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", 0));
	assert_int_equal(m->nurls, 2);
	check(m, 0, "http://deep.test/", SL_URLCTX_TEXT, "http://deep.test/");
	check(m, 1, "http://in.test/", SL_URLCTX_TEXT, "http://in.test/");
	sl_msg_free(m);
	g_string_free(h, TRUE);
	/* wide but shallow, with self-closing and void elements: parsed */
	h = g_string_new("");
	for (i = 0; i < 5000; i++)
		g_string_append(h, "<div><p>a<br><img src=x.png><svg><path/></svg></div><li>b<td>c");
	g_string_append(h, "<a href=\"http://ok.test/\">ok</a>");
	m = run_str("text/html", h->str);
	assert_int_equal(m->nfindings, 0);
	assert_int_equal(m->nurls, 5001);
	check(m, 5000, "http://ok.test/", SL_URLCTX_HREF, "\"http://ok.test/\"");
	sl_msg_free(m);
	g_string_free(h, TRUE);
}

static void test_html_attachment_by_type(void **state)
{
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	const char *h = "<a href=\"http://att.test/\">x</a>";
	int a, b, c;

	a = add_part(m, "application/octet-stream", NULL, h, strlen(h));
	m->parts[a].is_attachment = 1;
	m->parts[a].detected_type = sl_xstrdup("text/html");
	b = add_part(m, "application/octet-stream", NULL, h, strlen(h));
	m->parts[b].is_attachment = 1;
	m->parts[b].filename = sl_xstrdup("invoice.HTM");
	m->parts[b].detected_type = sl_xstrdup("text/plain");
	c = add_part(m, "text/html", NULL, h, strlen(h)); /* says HTML, is a PNG */
	m->parts[c].is_attachment = 1;
	m->parts[c].detected_type = sl_xstrdup("image/png");
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_int_equal(m->nurls, 2);
	assert_int_equal(m->urls[0].part, a);
	assert_int_equal(m->urls[1].part, b);
	assert_null(m->parts[c].text);
	sl_msg_free(m);
	sl_urls_free(u);
}

/* ---- PDF ---- */

/* Links inside PDFs are the docs stage's (test_docs, test_pdf): this stage
 * does not read them, not even a /URI in plain sight. */
static void test_pdf_uri(void **state)
{
	const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Annot /A << /S /URI /URI "
			   "(http://p.test/a) >> >>\nendobj\n";
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	int p = add_part(m, "application/pdf", NULL, pdf, sizeof(pdf) - 1);

	m->parts[p].is_attachment = 1;
	m->parts[p].detected_type = sl_xstrdup("application/pdf");
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_null(m->parts[p].text);
	assert_int_equal(m->nurls, 0);
	sl_msg_free(m);
	sl_urls_free(u);
}

/* ---- one stage, many threads ---- */

static gpointer thread_run(gpointer data)
{
	struct sl_urls *u = data;
	const char *h = "<p>a <a href=\"http://a.test/\">x</a> http://b.test/ www.c.test</p>";
	const char *t = "x http://d.test/ (www.e.test/y) z";
	int i;

	for (i = 0; i < 300; i++) {
		struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
		add_part(m, "text/html", NULL, h, strlen(h));
		add_part(m, "text/plain", NULL, t, strlen(t));
		if (sl_urls_run(u, m) != 0 || m->nurls != 5 || strcmp(m->urls[4].url, "www.e.test/y") != 0)
			return GINT_TO_POINTER(1);
		sl_msg_free(m);
	}
	return GINT_TO_POINTER(0);
}

static void test_threads(void **state)
{
	struct sl_urls *u = new_stage(NULL, 0);
	GThread *th[4];
	int i;

	for (i = 0; i < 4; i++)
		th[i] = g_thread_new("urls", thread_run, u);
	for (i = 0; i < 4; i++)
		assert_int_equal(GPOINTER_TO_INT(g_thread_join(th[i])), 0);
	sl_urls_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_schemes),
		cmocka_unit_test(test_text_not_urls),
		cmocka_unit_test(test_text_punctuation),
		cmocka_unit_test(test_text_parens),
		cmocka_unit_test(test_text_qp_decoded),
		cmocka_unit_test(test_text_unicode),
		cmocka_unit_test(test_text_windows1252),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_invalid_utf8_and_nul),
		cmocka_unit_test(test_long_lines_bounded),
		cmocka_unit_test(test_max_url_length),
		cmocka_unit_test(test_html_href_entities),
		cmocka_unit_test(test_html_contexts),
		cmocka_unit_test(test_html_text_nodes),
		cmocka_unit_test(test_html_shown_as_truncated),
		cmocka_unit_test(test_html_utf16le_bom),
		cmocka_unit_test(test_html_meta_charset),
		cmocka_unit_test(test_html_unterminated),
		cmocka_unit_test(test_html_bad_references),
		cmocka_unit_test(test_html_misnested_once),
		cmocka_unit_test(test_html_conditional_comment),
		cmocka_unit_test(test_html_max_urls),
		cmocka_unit_test(test_html_deep),
		cmocka_unit_test(test_html_attachment_by_type),
		cmocka_unit_test(test_pdf_uri),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
