/*
 * test_htmllinks - what the URL stage records from HTML and SVG (htmllinks.h):
 * every attribute that navigates or loads with its context and the exact
 * bytes of its range, CSS url()s, srcset candidates, relative links resolved
 * against <base href>, srcdoc documents, SVG links and SVG files, anchor
 * text, the nesting limit, and bad input.
 */
#include "urls_test.h"


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

	assert_int_equal(m->nurls, 11);
	check(m, 0, "http://r.test/go", SL_URLCTX_META_REFRESH, "\"0; URL='http://r.test/go'\"");
	check(m, 1, "http://css.test/", SL_URLCTX_CSS, "url(http://css.test/)");
	check(m, 2, "https://f.test/post", SL_URLCTX_FORM, "\"https://f.test/post\"");
	check(m, 3, "/other", SL_URLCTX_FORM, "/other");
	check(m, 4, "http://i.test/p.png", SL_URLCTX_SRC, "\"http://i.test/p.png\"");
	check(m, 5, "//if.test/", SL_URLCTX_SRC, "'//if.test/'");
	check(m, 6, "http://area.test/", SL_URLCTX_HREF, "\"http://area.test/\"");
	check(m, 7, "mailto:a@b.test?subject=x", SL_URLCTX_HREF, NULL);
	assert_string_equal(m->urls[7].shown_as, "mail");
	check(m, 8, "javascript:alert(1)", SL_URLCTX_HREF, "\"javascript:alert(1)\"");
	assert_null(m->urls[8].shown_as);
	check(m, 9, "cid:1", SL_URLCTX_SRC, "\"cid:1\"");
	check(m, 10, "http://big.test/", SL_URLCTX_HREF, NULL);
	assert_null(m->urls[10].shown_as);
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


/* ---- every attribute that navigates or loads ---- */

static void test_html_loading_attributes(void **state)
{
	const char *h = "<html manifest=\"https://m.test/app.manifest\"><head>"
			"<link rel=stylesheet href=\"https://l.test/s.css\">"
			"<link rel=preload as=image imagesrcset=\"https://l.test/a.png 1x\"></head>"
			"<body background=\"https://bg.test/b.png\">"
			"<video poster='https://v.test/p.jpg' src=https://v.test/v.mp4></video>"
			"<object data=\"https://o.test/o.swf\" codebase=\"https://o.test/cb/\" "
			"archive=\"https://o.test/a.jar https://o.test/b.jar\">"
			"<param name=Movie value=\"https://o.test/m.swf\"><param name=quality value=high></object>"
			"<embed src=\"https://e.test/e.swf\"><blockquote cite=\"https://c.test/q\">q</blockquote>"
			"<img src=\"https://i.test/1.png\" srcset=\"https://i.test/1.png 1x, "
			"https://i.test/2.png&#x20;2x,https://i.test/3.png 3x\" longdesc=\"https://i.test/d\">"
			"<a href=\"https://a.test/\" ping=\"https://p.test/1 https://p.test/2\">a</a>"
			"<menuitem icon=\"https://ic.test/i.png\"></menuitem>"
			"<form action=\"https://f.test/\"><input type=image src=\"https://f.test/b.png\" "
			"formaction=\"https://f.test/alt\"></form>"
			"<table><tr><td background=\"https://td.test/x.gif\">x</td></tr></table>"
			"<p onclick=\"location='https://js.test/'\" title=\"(https://t.test/)\">p</p></body></html>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 26);
	check(m, 0, "https://m.test/app.manifest", SL_URLCTX_SRC, "\"https://m.test/app.manifest\"");
	check(m, 1, "https://l.test/s.css", SL_URLCTX_SRC, "\"https://l.test/s.css\"");
	check(m, 2, "https://l.test/a.png", SL_URLCTX_SRCSET, "https://l.test/a.png");
	check(m, 3, "https://bg.test/b.png", SL_URLCTX_SRC, "\"https://bg.test/b.png\"");
	check(m, 4, "https://v.test/p.jpg", SL_URLCTX_SRC, "'https://v.test/p.jpg'");
	check(m, 5, "https://v.test/v.mp4", SL_URLCTX_SRC, "https://v.test/v.mp4");
	check(m, 6, "https://o.test/o.swf", SL_URLCTX_SRC, "\"https://o.test/o.swf\"");
	check(m, 7, "https://o.test/cb/", SL_URLCTX_SRC, "\"https://o.test/cb/\"");
	check(m, 8, "https://o.test/a.jar", SL_URLCTX_SRCSET, "https://o.test/a.jar");
	check(m, 9, "https://o.test/b.jar", SL_URLCTX_SRCSET, "https://o.test/b.jar");
	check(m, 10, "https://o.test/m.swf", SL_URLCTX_SRC, "\"https://o.test/m.swf\"");
	check(m, 11, "https://e.test/e.swf", SL_URLCTX_SRC, "\"https://e.test/e.swf\"");
	check(m, 12, "https://c.test/q", SL_URLCTX_SRC, "\"https://c.test/q\"");
	check(m, 13, "https://i.test/1.png", SL_URLCTX_SRC, "\"https://i.test/1.png\"");
	check(m, 14, "https://i.test/1.png", SL_URLCTX_SRCSET, "https://i.test/1.png");
	/* an entity-coded blank ends a candidate's URL like a blank */
	check(m, 15, "https://i.test/2.png", SL_URLCTX_SRCSET, "https://i.test/2.png");
	check(m, 16, "https://i.test/3.png", SL_URLCTX_SRCSET, "https://i.test/3.png");
	check(m, 17, "https://i.test/d", SL_URLCTX_SRC, "\"https://i.test/d\"");
	check(m, 18, "https://a.test/", SL_URLCTX_HREF, "\"https://a.test/\"");
	check(m, 19, "https://p.test/1", SL_URLCTX_SRCSET, "https://p.test/1");
	check(m, 20, "https://p.test/2", SL_URLCTX_SRCSET, "https://p.test/2");
	check(m, 21, "https://ic.test/i.png", SL_URLCTX_SRC, "\"https://ic.test/i.png\"");
	check(m, 22, "https://f.test/", SL_URLCTX_FORM, "\"https://f.test/\"");
	check(m, 23, "https://f.test/b.png", SL_URLCTX_SRC, "\"https://f.test/b.png\"");
	check(m, 24, "https://f.test/alt", SL_URLCTX_FORM, "\"https://f.test/alt\"");
	check(m, 25, "https://td.test/x.gif", SL_URLCTX_SRC, "\"https://td.test/x.gif\"");
	sl_msg_free(m);
}

static void test_html_css(void **state)
{
	const char *h = "<style>@import 'https://s.test/i.css';\n"
			".a{background:url(https://s.test/a.png)} /* url(https://no.test/) */</style>"
			"<div style=\"background:url(&quot;https://st.test/d.png&quot;) no-repeat; color:red\">d</div>"
			"<div style='background-image:\\75 rl(https://st.test/esc.png)'>e</div>"
			"<div style=\"color:rgb(1,2,3);width:calc(1px + 2px)\">none</div>"
			"<svg><rect fill=\"url(https://svg.test/g.svg#g)\" stroke=\"url(#local)\"/>"
			"<style>.b{mask:url(https://svg.test/m&amp;.svg)}</style></svg>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 6);
	check(m, 0, "https://s.test/i.css", SL_URLCTX_CSS, "'https://s.test/i.css'");
	check(m, 1, "https://s.test/a.png", SL_URLCTX_CSS, "url(https://s.test/a.png)");
	check(m, 2, "https://st.test/d.png", SL_URLCTX_CSS, "url(&quot;https://st.test/d.png&quot;)");
	check(m, 3, "https://st.test/esc.png", SL_URLCTX_CSS, "\\75 rl(https://st.test/esc.png)");
	check(m, 4, "https://svg.test/g.svg#g", SL_URLCTX_CSS, "url(https://svg.test/g.svg#g)");
	/* in SVG, <style> holds ordinary text: references are decoded */
	check(m, 5, "https://svg.test/m&.svg", SL_URLCTX_CSS, "url(https://svg.test/m&amp;.svg)");
	sl_msg_free(m);
}

static void test_html_svg_links(void **state)
{
	const char *h = "<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
			"<a xlink:href=\"https://x.test/a\"><text>click me</text></a>"
			"<a href=\"https://x.test/b\"><text>b</text></a>"
			"<image href=\"https://x.test/i.png\"/><use xlink:href=\"https://x.test/u.svg#s\"/>"
			"<a><animate attributeName=\"href\" values=\"https://x.test/v1;javascript:alert(1)\"/>"
			"<set attributeName=\"xlink:href\" to=\"https://x.test/to\"/><text>t</text></a>"
			"<animate attributeName=\"width\" values=\"1;2\"/></svg>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 7);
	check(m, 0, "https://x.test/a", SL_URLCTX_HREF, "\"https://x.test/a\"");
	assert_string_equal(m->urls[0].shown_as, "click me");
	check(m, 1, "https://x.test/b", SL_URLCTX_HREF, "\"https://x.test/b\"");
	check(m, 2, "https://x.test/i.png", SL_URLCTX_SRC, "\"https://x.test/i.png\"");
	check(m, 3, "https://x.test/u.svg#s", SL_URLCTX_SRC, "\"https://x.test/u.svg#s\"");
	check(m, 4, "https://x.test/v1", SL_URLCTX_HREF, "\"https://x.test/v1;javascript:alert(1)\"");
	check(m, 5, "javascript:alert(1)", SL_URLCTX_HREF, "\"https://x.test/v1;javascript:alert(1)\"");
	check(m, 6, "https://x.test/to", SL_URLCTX_HREF, "\"https://x.test/to\"");
	sl_msg_free(m);
}

static void test_html_base(void **state)
{
	/* the first <base href> counts for the whole document, links before it too */
	const char *h = "<a href=\"early\">e</a><head><base href=\"https://evil.test/dir/page?q\">"
			"<base href=\"https://second.test/\"></head>"
			"<a href=\"login\">l</a><a href=\"/root\">r</a><a href=\"//other.test/x\">o</a>"
			"<a href=\"#frag\">f</a><a href=\"?z\">z</a><a href=\"https://abs.test/\">a</a>"
			"<img srcset=\"img/1.png 1x\"><div style=\"background:url(bg.png)\"></div>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 11);
	check(m, 0, "https://evil.test/dir/early", SL_URLCTX_HREF, "\"early\"");
	check(m, 1, "https://evil.test/dir/page?q", SL_URLCTX_BASE, "\"https://evil.test/dir/page?q\"");
	check(m, 2, "https://second.test/", SL_URLCTX_BASE, "\"https://second.test/\"");
	check(m, 3, "https://evil.test/dir/login", SL_URLCTX_HREF, "\"login\"");
	check(m, 4, "https://evil.test/root", SL_URLCTX_HREF, "\"/root\"");
	check(m, 5, "https://other.test/x", SL_URLCTX_HREF, "\"//other.test/x\"");
	/* with a base, a fragment-only link goes to the base */
	check(m, 6, "https://evil.test/dir/page?q#frag", SL_URLCTX_HREF, "\"#frag\"");
	check(m, 7, "https://evil.test/dir/page?z", SL_URLCTX_HREF, "\"?z\"");
	check(m, 8, "https://abs.test/", SL_URLCTX_HREF, "\"https://abs.test/\"");
	check(m, 9, "https://evil.test/dir/img/1.png", SL_URLCTX_SRCSET, "img/1.png");
	check(m, 10, "https://evil.test/dir/bg.png", SL_URLCTX_CSS, "url(bg.png)");
	sl_msg_free(m);

	/* a scheme-relative base takes https; a relative one is no base */
	m = run_str("text/html", "<base href=\"//sr.test/b/\"><a href=\"x\">x</a>");
	assert_int_equal(m->nurls, 2);
	check(m, 1, "https://sr.test/b/x", SL_URLCTX_HREF, "\"x\"");
	sl_msg_free(m);
	m = run_str("text/html", "<base href=\"/rel/\"><a href=\"x\">x</a><a href=\"#top\">t</a>");
	assert_int_equal(m->nurls, 2);
	check(m, 0, "/rel/", SL_URLCTX_BASE, "\"/rel/\"");
	check(m, 1, "x", SL_URLCTX_HREF, "\"x\"");
	sl_msg_free(m);
}

static void test_html_scheme_relative_and_schemes(void **state)
{
	const char *h = "<a href=\"//evil.test/x\">s</a><a href=\"\\\\evil.test\\share\\a.lnk\">u</a>"
			"<a href=\"search-ms:query=x&amp;crumb=location:\\\\evil.test\\s\">q</a>"
			"<a href=\"ms-msdt:/id PCWDiagnostic /skip force\">m</a>"
			"<a href=\"ms-word:ofe|u|https://evil.test/d.docx\">w</a>"
			"<p>Open \\\\evil.test\\share\\x.lnk or file:///C:/x.hta or ms-appinstaller:?source=https://evil.test/a</p>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 8);
	check(m, 0, "//evil.test/x", SL_URLCTX_HREF, "\"//evil.test/x\"");
	check(m, 1, "\\\\evil.test\\share\\a.lnk", SL_URLCTX_HREF, NULL);
	check(m, 2, "search-ms:query=x&crumb=location:\\\\evil.test\\s", SL_URLCTX_HREF, NULL);
	check(m, 3, "ms-msdt:/id PCWDiagnostic /skip force", SL_URLCTX_HREF, NULL);
	check(m, 4, "ms-word:ofe|u|https://evil.test/d.docx", SL_URLCTX_HREF, NULL);
	check(m, 5, "\\\\evil.test\\share\\x.lnk", SL_URLCTX_TEXT, "\\\\evil.test\\share\\x.lnk");
	check(m, 6, "file:///C:/x.hta", SL_URLCTX_TEXT, "file:///C:/x.hta");
	check(m, 7, "ms-appinstaller:?source=https://evil.test/a", SL_URLCTX_TEXT,
	      "ms-appinstaller:?source=https://evil.test/a");
	sl_msg_free(m);
}

static void test_html_srcdoc(void **state)
{
	const char *h = "<iframe srcdoc=\"&lt;a href='https://sd.test/a'&gt;x&lt;/a&gt; https://sd.test/t "
			"&lt;iframe srcdoc='&amp;lt;a href=https://deeper.test/&amp;gt;'&gt;\"></iframe>";
	const char *attr = strstr(h, "\"&lt;");
	struct sl_msg *m = run_str("text/html", h);
	size_t k;

	/* one level deep: the srcdoc inside srcdoc is not read */
	assert_int_equal(m->nurls, 2);
	assert_string_equal(m->urls[0].url, "https://sd.test/a");
	assert_string_equal(m->urls[1].url, "https://sd.test/t");
	for (k = 0; k < m->nurls; k++) {
		assert_int_equal(m->urls[k].context, SL_URLCTX_SRCDOC);
		assert_int_equal(m->urls[k].offset, (size_t)(attr - h));
		assert_int_equal(m->urls[k].length, strlen(attr) - strlen("></iframe>"));
	}
	sl_msg_free(m);
}

static void test_html_svg_file(void **state)
{
	/* an SVG image file: its links are judged; it is not edited */
	const char *svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
			  "xmlns:xlink=\"http://www.w3.org/1999/xlink\"><a xlink:href=\"https://svg.test/x\">"
			  "<text>Open invoice</text></a><script>location='https://js.test/'</script></svg>";
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	int a = add_part(m, "image/svg+xml", NULL, svg, strlen(svg));
	int b = add_part(m, "application/octet-stream", NULL, svg, strlen(svg));

	m->parts[a].is_attachment = 1;
	m->parts[a].detected_type = sl_xstrdup("image/svg+xml");
	m->parts[b].is_attachment = 1;
	m->parts[b].filename = sl_xstrdup("scan.SVG");
	m->parts[b].detected_type = sl_xstrdup("text/xml");
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_int_equal(m->nurls, 2);
	check(m, 0, "https://svg.test/x", SL_URLCTX_ATTACHMENT, "\"https://svg.test/x\"");
	assert_string_equal(m->urls[0].shown_as, "Open invoice");
	assert_int_equal(m->urls[1].part, b);
	assert_int_equal(m->urls[1].context, SL_URLCTX_ATTACHMENT);
	sl_msg_free(m);
	sl_urls_free(u);
}

static void test_html_clean_newsletter(void **state)
{
	/* a newsletter's images, CSS and links: found, nothing more */
	const char *h = "<!DOCTYPE html><html><head><style>body{margin:0;font-family:Arial}"
			".btn{background:#06c;color:#fff}@media (max-width:600px){.col{width:100%}}</style>"
			"</head><body style=\"margin:0;padding:0\"><table width=\"100%\" style=\"border-collapse:collapse\">"
			"<tr><td style=\"background-color:rgb(240,240,240);padding:10px\">"
			"<img src=\"https://cdn.shop.test/logo.png\" width=\"120\" alt=\"Shop (logo)\" "
			"style=\"display:block\"></td></tr><tr><td>Prices from 9.99 EUR: see "
			"<a href=\"https://click.shop.test/c/1?u=https%3A%2F%2Fshop.test%2F\" class=\"btn\">the shop</a>."
			"</td></tr></table></body></html>";
	struct sl_msg *m = run_str("text/html", h);

	assert_int_equal(m->nurls, 2);
	check(m, 0, "https://cdn.shop.test/logo.png", SL_URLCTX_SRC, NULL);
	check(m, 1, "https://click.shop.test/c/1?u=https%3A%2F%2Fshop.test%2F", SL_URLCTX_HREF, NULL);
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
		cmocka_unit_test(test_html_loading_attributes),
		cmocka_unit_test(test_html_css),
		cmocka_unit_test(test_html_svg_links),
		cmocka_unit_test(test_html_base),
		cmocka_unit_test(test_html_scheme_relative_and_schemes),
		cmocka_unit_test(test_html_srcdoc),
		cmocka_unit_test(test_html_svg_file),
		cmocka_unit_test(test_html_clean_newsletter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
