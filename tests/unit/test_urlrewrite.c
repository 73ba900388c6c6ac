/*
 * test_urlrewrite - the link disarmer: sl_url_defang on a table of URLs;
 * sl_urlrewrite_new's checks of safelinks.base_url and safelinks.key_file;
 * and sl_urlrewrite_edits on messages built by hand (text and HTML parts,
 * URLs with reputations and the policy's findings): wrapped links that verify
 * to the normalised URL, defanged text, href/action replaced by "#" with an
 * escaped title, meta refresh emptied, img/iframe/frame src emptied with a
 * title (issue 10: they were left alone), reasons with their hosts defanged,
 * links without a finding left alone, and converted parts rebuilt whole in
 * the charset they were read in (the <meta> one for HTML that declares
 * none); every link edited is recorded as disarmed, and one that cannot be
 * (an attachment, a range past the text, an overlap) is not, so that
 * sl_rewrite_email_check refuses the rewrite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "config.h"
#include "mime.h"
#include "msg.h"
#include "rewrite.h"
#include "safelink.h"
#include "urlrewrite.h"
#include "urls.h"
#include "util.h"

#define BASE "https://links.example.test"

/* ---- sl_url_defang ------------------------------------------------------ */

/* What a reader gets back from a defanged URL: [.] -> ., [:] -> :, and
 * hxxp/fxp -> http/ftp. Defanging must lose nothing else. */
static char *refang(const char *d)
{
	GString *s = g_string_new(NULL);
	while (*d) {
		if (strncmp(d, "[.]", 3) == 0)
			g_string_append_c(s, '.'), d += 3;
		else if (strncmp(d, "[:]", 3) == 0)
			g_string_append_c(s, ':'), d += 3;
		else if (g_ascii_strncasecmp(d, "hxxp", 4) == 0)
			g_string_append(s, "http"), d += 4;
		else if (g_ascii_strncasecmp(d, "fxp", 3) == 0)
			g_string_append(s, "ftp"), d += 3;
		else
			g_string_append_c(s, *d++);
	}
	return g_string_free(s, FALSE);
}

/* Nothing a linkifying client could take for a link: no "://", no bare dot,
 * no http scheme. */
static void assert_unclickable(const char *in, const char *d)
{
	const char *c;
	char *back;
	if (strstr(d, "://") != NULL)
		fail_msg("defang(%s) = %s: still has ://", in, d);
	for (c = d; *c; c++)
		if (*c == '.' && !(c > d && c[-1] == '[' && c[1] == ']'))
			fail_msg("defang(%s) = %s: a bare dot at %zu", in, d, (size_t)(c - d));
	for (c = d; *c; c++)
		if (g_ascii_strncasecmp(c, "http", 4) == 0)
			fail_msg("defang(%s) = %s: still says http", in, d);
	back = refang(d);
	if (g_ascii_strcasecmp(back, in) != 0)
		fail_msg("defang(%s) = %s reads back as %s", in, d, back);
	g_free(back);
}

static void test_defang_table(void **state)
{
	/* urlrewrite.h: hxxp, [:]//, [.] everywhere, URLs inside it too. */
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "http://evil.test/", "hxxp[:]//evil[.]test/" },
		{ "https://evil.test/path", "hxxps[:]//evil[.]test/path" },
		{ "ftp://files.evil.test/a.txt", "fxp[:]//files[.]evil[.]test/a[.]txt" },
		{ "https://a.b.evil.test/x.y/z.php?q=1.2&r=a.b#f.g",
		  "hxxps[:]//a[.]b[.]evil[.]test/x[.]y/z[.]php?q=1[.]2&r=a[.]b#f[.]g" },
		{ "http://evil.test?x=a.b", "hxxp[:]//evil[.]test?x=a[.]b" },
		/* A port's colon after a name is written like a scheme's. */
		{ "http://evil.test:8080/a", "hxxp[:]//evil[.]test[:]8080/a" },
		{ "https://192.0.2.66:443/x", "hxxps[:]//192[.]0[.]2[.]66:443/x" },
		/* No dots at all. */
		{ "http://localhost/x", "hxxp[:]//localhost/x" },
		/* Bare names as the URL stage finds them in text. */
		{ "phishing.test/login", "phishing[.]test/login" },
		{ "www.evil.test", "www[.]evil[.]test" },
		/* userinfo: the real host after '@' is disarmed too. */
		{ "https://bank.example@account-update.test/", "hxxps[:]//bank[.]example@account-update[.]test/" },
		/* A URL carried inside one (open redirect). */
		{ "http://redirect.test/r?u=http://phishing.test/x",
		  "hxxp[:]//redirect[.]test/r?u=hxxp[:]//phishing[.]test/x" },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = sl_url_defang(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("defang(%s) = %s, expected %s", cases[i].in, got, cases[i].out);
		assert_unclickable(cases[i].in, got);
		free(got);
	}
}

static void test_defang_properties(void **state)
{
	/* Whatever the spelling: unclickable, and a reader loses nothing. */
	static const char *const urls[] = {
		"HTTP://Evil.Test/A.B",
		"HTTPS://EVIL.TEST/",
		"Ftp://x.test/f.zip",
		"https://user.name:pw@evil.test:8443/p.a.t.h?q=1.2#frag.x",
		"www.evil.test/go?u=https://x.test/",
		"phishing.test/login?next=http://a.test/?u=https://b.test/c.d",
		"http://[2001:db8::1]/x.y",
		"https://xn--pypal-4ve.com/signin",
		"http:evil.test",
		"http://a.test/%68ttp://b.test/",
	};
	size_t i;
	char *d;
	(void)state;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		d = sl_url_defang(urls[i]);
		assert_unclickable(urls[i], d);
		free(d);
	}
	/* Upper-case schemes become hxxp too. */
	d = sl_url_defang("HTTPS://EVIL.TEST/");
	assert_true(g_ascii_strncasecmp(d, "hxxps[:]//", 10) == 0);
	free(d);
	/* Any scheme's colon: a client may open a handler for it. */
	d = sl_url_defang("mailto:someone");
	assert_string_equal(d, "mailto[:]someone");
	free(d);
	d = sl_url_defang("");
	assert_string_equal(d, "");
	free(d);
}

/* ---- sl_urlrewrite_new -------------------------------------------------- */

struct keyfix {
	char *dir;
	char *key;       /* 0600, 40 bytes */
	char *open_key;  /* 0644 */
};

static struct keyfix keys;

static int setup_keys(void **state)
{
	static const char k[] = "0123456789abcdef0123456789abcdef-sluice!";
	(void)state;
	keys.dir = g_dir_make_tmp("sluice-test-urlrewrite-XXXXXX", NULL);
	if (keys.dir == NULL)
		return -1;
	keys.key = g_build_filename(keys.dir, "key", NULL);
	keys.open_key = g_build_filename(keys.dir, "open_key", NULL);
	if (!g_file_set_contents(keys.key, k, -1, NULL) || !g_file_set_contents(keys.open_key, k, -1, NULL))
		return -1;
	if (g_chmod(keys.key, 0600) != 0 || g_chmod(keys.open_key, 0644) != 0)
		return -1;
	return 0;
}

static int teardown_keys(void **state)
{
	(void)state;
	g_unlink(keys.key);
	g_unlink(keys.open_key);
	g_rmdir(keys.dir);
	g_free(keys.key);
	g_free(keys.open_key);
	g_free(keys.dir);
	return 0;
}

static struct sl_config *config_of(const char *base, const char *keyfile)
{
	char *ov[2] = { NULL, NULL };
	size_t n = 0;
	struct sl_config *cfg = NULL;
	char *why = NULL;
	if (base != NULL)
		ov[n++] = g_strdup_printf("safelinks.base_url=%s", base);
	if (keyfile != NULL)
		ov[n++] = g_strdup_printf("safelinks.key_file=%s", keyfile);
	if (sl_config_load(NULL, (const char *const *)ov, n, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	while (n > 0)
		g_free(ov[--n]);
	return cfg;
}

static void expect_new_refused(const char *base, const char *keyfile, const char *must_say)
{
	struct sl_config *cfg = config_of(base, keyfile);
	char *why = NULL;
	struct sl_urlrewrite *ur = sl_urlrewrite_new(cfg, &why);
	if (ur != NULL)
		fail_msg("sl_urlrewrite_new accepted base %s key %s", base ? base : "-", keyfile ? keyfile : "-");
	assert_non_null(why);
	if (strstr(why, must_say) == NULL)
		fail_msg("reason '%s' does not say '%s'", why, must_say);
	free(why);
	sl_config_unref(cfg);
}

static void test_new_checks(void **state)
{
	struct sl_config *cfg;
	struct sl_urlrewrite *ur;
	char *why = NULL;
	char *missing = g_build_filename(keys.dir, "missing", NULL);
	(void)state;

	expect_new_refused(BASE, NULL, "safelinks.key_file");
	expect_new_refused("ftp://links.example.test", keys.key, "safelinks.base_url");
	expect_new_refused("links.example.test", keys.key, "safelinks.base_url");
	expect_new_refused(BASE, keys.open_key, "safelinks.key_file");
	expect_new_refused(BASE, missing, "safelinks.key_file");

	/* No base URL: fine (links are defanged instead of wrapped). */
	cfg = config_of(NULL, NULL);
	ur = sl_urlrewrite_new(cfg, &why);
	assert_non_null(ur);
	assert_null(sl_urlrewrite_free(ur));
	sl_config_unref(cfg);

	/* A base and an owner-only key of 40 bytes: fine. */
	cfg = config_of(BASE, keys.key);
	ur = sl_urlrewrite_new(cfg, &why);
	if (ur == NULL)
		fail_msg("sl_urlrewrite_new: %s", why);
	assert_null(sl_urlrewrite_free(ur));
	sl_config_unref(cfg);
	assert_null(sl_urlrewrite_free(NULL));
	g_free(missing);
}

/* ---- edits on messages built by hand ------------------------------------ */

static int add_text_part(struct sl_msg *m, const char *id, const char *type, const char *text)
{
	int i = sl_msg_add_part(m, -1, id, SL_ORIGIN_MIME);
	struct sl_part *p = &m->parts[i];
	size_t n = strlen(text);
	sl_msg_part_take_data(m, i, (unsigned char *)sl_xstrndup(text, n), n);
	p = &m->parts[i];
	p->declared_type = sl_xstrdup(type);
	p->is_body_text = 1;
	p->text = (const char *)p->data; /* UTF-8 content: text is data */
	p->text_len = n;
	p->text_owned = NULL;
	return i;
}

/* Adds the URL written as `written` (found in the part's text) with reputation rep. */
static int add_url(struct sl_msg *m, int part, const char *written, const char *url, enum sl_url_context ctx,
		   enum sl_url_rep rep, const char *reason)
{
	const char *at = strstr(m->parts[part].text, written);
	int u;
	if (at == NULL)
		fail_msg("'%s' is not in part %d", written, part);
	u = sl_msg_add_url(m, part, url, (size_t)(at - m->parts[part].text), strlen(written), ctx, NULL);
	m->urls[u].normalized = sl_xstrdup(url);
	m->urls[u].reputation = rep;
	m->urls[u].reason = reason ? sl_xstrdup(reason) : NULL;
	return u;
}

static void add_url_finding(struct sl_msg *m, int part, const char *rule, enum sl_action act)
{
	sl_msg_add_finding(m, SL_FIND_URL, rule, part, "test finding");
	m->findings[m->nfindings - 1].action = act;
}

/* The edit of part at begin, or NULL. */
static const struct sl_text_edit *edit_at(const struct sl_edits *e, int part, size_t begin)
{
	size_t i;
	for (i = 0; i < e->n; i++)
		if (e->v[i].part == part && e->v[i].begin == begin)
			return &e->v[i];
	return NULL;
}

static size_t edits_of(const struct sl_edits *e, int part)
{
	size_t i, n = 0;
	for (i = 0; i < e->n; i++)
		n += e->v[i].part == part;
	return n;
}

static char *edit_str(const struct sl_text_edit *t)
{
	return sl_xstrndup(t->replacement, t->replacement_len);
}

/* sl_rewrite_email_check refuses the rewrite, saying must_say. */
static void check_refused(const struct sl_msg *m, const struct sl_edits *e, const char *must_say)
{
	char *why = NULL;
	assert_int_equal(sl_rewrite_email_check(m, e, &why), SL_EINVAL);
	if (why == NULL || strstr(why, must_say) == NULL)
		fail_msg("refused because '%s', expected '%s'", why ? why : "(null)", must_say);
	free(why);
}

static const char text_body[] = "Hello,\nplease see http://evil.test/a.b?x=1 and http://bad.test/x.\n"
				"Also http://fine.test/ is fine.\n";
static const char html_body[] = "<html><head><meta http-equiv=\"refresh\" content=\"0; url=http://bad.test/m\"></head>"
				"<body><a href=\"http://bad.test/h\">Click here</a>"
				"<form action=\"http://bad.test/f\"><input></form>"
				"<img src=\"http://bad.test/i.png\">"
				"<a href='http://odd.test/w'>Wrapped</a></body></html>";

struct hand {
	struct sl_msg *m;
	int text, html, other;
	int u_wrap, u_defang, u_unknown, u_href, u_form, u_src, u_meta, u_hwrap, u_other;
};

static void build_hand(struct hand *h)
{
	static const char raw[] = "From: a@customer.example\n\n(built by hand)\n";
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "hand", (const unsigned char *)raw, sizeof(raw) - 1);
	h->m = m;
	h->text = add_text_part(m, "1", "text/plain", text_body);
	h->html = add_text_part(m, "2", "text/html", html_body);
	h->other = add_text_part(m, "3", "text/plain", "listed: http://bad.test/o here\n");

	h->u_wrap = add_url(m, h->text, "http://evil.test/a.b?x=1", "http://evil.test/a.b?x=1", SL_URLCTX_TEXT,
			    SL_REP_SUSPICIOUS, "looks odd");
	h->u_defang = add_url(m, h->text, "http://bad.test/x", "http://bad.test/x", SL_URLCTX_TEXT, SL_REP_MALICIOUS,
			      "the destination bad.test is on the blocklist (list.txt:bad.test)");
	h->u_unknown = add_url(m, h->text, "http://fine.test/", "http://fine.test/", SL_URLCTX_TEXT, SL_REP_UNKNOWN,
			       NULL);
	h->u_meta = add_url(m, h->html, "\"0; url=http://bad.test/m\"", "http://bad.test/m", SL_URLCTX_META_REFRESH,
			    SL_REP_MALICIOUS, NULL);
	h->u_href = add_url(m, h->html, "\"http://bad.test/h\"", "http://bad.test/h", SL_URLCTX_HREF, SL_REP_MALICIOUS,
			    "listed as \"bad\" <x> & 'y'");
	h->u_form = add_url(m, h->html, "\"http://bad.test/f\"", "http://bad.test/f", SL_URLCTX_FORM,
			    SL_REP_MALICIOUS, NULL);
	h->u_src = add_url(m, h->html, "\"http://bad.test/i.png\"", "http://bad.test/i.png", SL_URLCTX_SRC,
			   SL_REP_MALICIOUS, NULL);
	h->u_hwrap = add_url(m, h->html, "'http://odd.test/w'", "http://odd.test/w", SL_URLCTX_HREF,
			     SL_REP_SUSPICIOUS, NULL);
	/* Malicious, but the policy made no finding for its part. */
	h->u_other = add_url(m, h->other, "http://bad.test/o", "http://bad.test/o", SL_URLCTX_TEXT, SL_REP_MALICIOUS,
			     NULL);

	add_url_finding(m, h->text, "url_suspicious", SL_ACT_WRAP);
	add_url_finding(m, h->text, "url_malicious", SL_ACT_DEFANG);
	add_url_finding(m, h->html, "url_malicious", SL_ACT_DEFANG);
	add_url_finding(m, h->html, "url_suspicious", SL_ACT_WRAP);
}

static const struct sl_text_edit *edit_for(const struct hand *h, const struct sl_edits *e, int u)
{
	const struct sl_url *url = &h->m->urls[u];
	const struct sl_text_edit *t = edit_at(e, url->part, url->offset);
	if (t != NULL)
		assert_int_equal(t->end, url->offset + url->length);
	return t;
}

static void test_edits_with_safelinks(void **state)
{
	struct sl_config *cfg = config_of(BASE, keys.key);
	struct sl_urlrewrite *ur;
	struct sl_edits e = { 0 };
	struct hand h;
	const struct sl_text_edit *t;
	unsigned char *key = NULL;
	size_t keylen = 0;
	char *why = NULL, *s, *url = NULL;
	(void)state;

	ur = sl_urlrewrite_new(cfg, &why);
	if (ur == NULL)
		fail_msg("sl_urlrewrite_new: %s", why);
	if (sl_safelink_load_key(keys.key, &key, &keylen, &why) != SL_OK)
		fail_msg("key: %s", why);
	build_hand(&h);
	assert_int_equal(sl_urlrewrite_edits(ur, h.m, &e), SL_OK);

	/* Text, wrap: {base}/l/{token}, and the token verifies to the normalised URL. */
	t = edit_for(&h, &e, h.u_wrap);
	assert_non_null(t);
	s = edit_str(t);
	assert_true(g_str_has_prefix(s, BASE "/l/"));
	assert_int_equal(sl_safelink_verify(key, keylen, s + strlen(BASE "/l/"), &url), SL_OK);
	assert_string_equal(url, h.m->urls[h.u_wrap].normalized);
	free(url);
	free(s);

	/* Text, defang: readable, not clickable, with the reason, whose hosts
	 * are defanged too (issue 10 section 1). */
	t = edit_for(&h, &e, h.u_defang);
	assert_non_null(t);
	s = edit_str(t);
	assert_string_equal(s, "hxxp[:]//bad[.]test/x [link disabled by sluice: the destination bad[.]test is "
			       "on the blocklist (list[.]txt[:]bad[.]test)]");
	free(s);

	/* No reputation: no edit. */
	assert_null(edit_for(&h, &e, h.u_unknown));
	assert_int_equal(edits_of(&e, h.text), 2);

	/* HREF, defang: "#" and a title with the reason escaped (no markup,
	 * sl_escape_text) and HTML-escaped. */
	t = edit_for(&h, &e, h.u_href);
	assert_non_null(t);
	s = edit_str(t);
	assert_true(g_str_has_prefix(s, "\"#\" title=\""));
	assert_non_null(strstr(s, "listed as &quot;bad&quot; \xe2\x80\xb9x\xe2\x80\xba &amp; &#39;y&#39;"));
	assert_non_null(strstr(s, "hxxp[:]//bad[.]test/h"));
	assert_null(strstr(s, "http://"));
	assert_true(g_str_has_suffix(s, "\""));
	/* Exactly four quotes: the value's and the title's. */
	{
		size_t q = 0;
		const char *c;
		for (c = s; *c; c++)
			q += *c == '"';
		assert_int_equal(q, 4);
	}
	free(s);

	/* FORM action, defang: the same. */
	t = edit_for(&h, &e, h.u_form);
	assert_non_null(t);
	s = edit_str(t);
	assert_true(g_str_has_prefix(s, "\"#\" title=\""));
	assert_non_null(strstr(s, "listed as malicious"));
	free(s);

	/* META refresh: loses its URL. */
	t = edit_for(&h, &e, h.u_meta);
	assert_non_null(t);
	s = edit_str(t);
	assert_string_equal(s, "\"\"");
	free(s);

	/* img src: emptied, with a title; never wrapped (it would load by itself). */
	t = edit_for(&h, &e, h.u_src);
	assert_non_null(t);
	s = edit_str(t);
	assert_string_equal(s, "\"\" title=\"Content blocked by sluice: listed as malicious (hxxp[:]//bad[.]test/i[.]png)\"");
	free(s);

	/* HREF, wrap: the safe link in the attribute, with a title. */
	t = edit_for(&h, &e, h.u_hwrap);
	assert_non_null(t);
	s = edit_str(t);
	assert_true(g_str_has_prefix(s, "\"" BASE "/l/"));
	assert_non_null(strstr(s, "\" title=\"Link checked by sluice: "));
	{
		char *tok = s + strlen("\"" BASE "/l/");
		char *end = strchr(tok, '"');
		assert_non_null(end);
		*end = '\0';
		assert_int_equal(sl_safelink_verify(key, keylen, tok, &url), SL_OK);
		assert_string_equal(url, "http://odd.test/w");
		free(url);
	}
	free(s);
	assert_int_equal(edits_of(&e, h.html), 5);

	/* A malicious URL in a part the policy made no finding for: no edit. */
	assert_null(edit_for(&h, &e, h.u_other));
	assert_int_equal(edits_of(&e, h.other), 0);
	assert_int_equal(e.n, 7);

	/* Every link edited is recorded as disarmed, and only those. */
	assert_int_equal(e.ndisarmed, 7);
	assert_true(sl_edits_disarms(&e, (size_t)h.u_wrap));
	assert_true(sl_edits_disarms(&e, (size_t)h.u_defang));
	assert_true(sl_edits_disarms(&e, (size_t)h.u_src));
	assert_true(sl_edits_disarms(&e, (size_t)h.u_meta));
	assert_false(sl_edits_disarms(&e, (size_t)h.u_unknown));
	assert_false(sl_edits_disarms(&e, (size_t)h.u_other));

	sl_edits_clear(&e);
	sl_msg_free(h.m);
	free(key);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

static void test_edits_without_safelinks(void **state)
{
	struct sl_config *cfg = config_of(NULL, NULL);
	struct sl_urlrewrite *ur;
	struct sl_edits e = { 0 };
	struct hand h;
	const struct sl_text_edit *t;
	char *why = NULL, *s;
	(void)state;

	ur = sl_urlrewrite_new(cfg, &why);
	assert_non_null(ur);
	build_hand(&h);
	assert_int_equal(sl_urlrewrite_edits(ur, h.m, &e), SL_OK);
	/* Wrap without a base URL: defanged instead. */
	t = edit_for(&h, &e, h.u_wrap);
	assert_non_null(t);
	s = edit_str(t);
	assert_string_equal(s, "hxxp[:]//evil[.]test/a[.]b?x=1 [link disabled by sluice: looks odd]");
	free(s);
	t = edit_for(&h, &e, h.u_hwrap);
	assert_non_null(t);
	s = edit_str(t);
	assert_true(g_str_has_prefix(s, "\"#\" title=\"Link disabled by sluice: looks deceptive"));
	free(s);
	sl_edits_clear(&e);
	sl_msg_free(h.m);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

static void test_wrap_needs_normalized_http(void **state)
{
	struct sl_config *cfg = config_of(BASE, keys.key);
	struct sl_urlrewrite *ur;
	struct sl_edits e = { 0 };
	struct sl_msg *m;
	const struct sl_text_edit *t;
	char *why = NULL, *s;
	int p, u1, u2;
	(void)state;

	ur = sl_urlrewrite_new(cfg, &why);
	assert_non_null(ur);
	m = sl_msg_new(SL_CHANNEL_WHATSAPP, "wa", (const unsigned char *)"", 0);
	p = add_text_part(m, "1", "text/plain", "a ftp://files.odd.test/x and http://un.parse.test/y");
	u1 = add_url(m, p, "ftp://files.odd.test/x", "ftp://files.odd.test/x", SL_URLCTX_TEXT, SL_REP_SUSPICIOUS,
		     NULL);
	u2 = add_url(m, p, "http://un.parse.test/y", "http://un.parse.test/y", SL_URLCTX_TEXT, SL_REP_SUSPICIOUS,
		     NULL);
	free(m->urls[u2].normalized);
	m->urls[u2].normalized = NULL; /* did not parse */
	add_url_finding(m, p, "url_suspicious", SL_ACT_WRAP);
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	/* Neither can be a safe link: both are defanged. */
	t = edit_at(&e, p, m->urls[u1].offset);
	assert_non_null(t);
	s = edit_str(t);
	assert_string_equal(s, "fxp[:]//files[.]odd[.]test/x [link disabled by sluice: looks deceptive]");
	free(s);
	t = edit_at(&e, p, m->urls[u2].offset);
	assert_non_null(t);
	s = edit_str(t);
	assert_true(g_str_has_prefix(s, "hxxp[:]//un[.]parse[.]test/y [link disabled by sluice: "));
	free(s);
	sl_edits_clear(&e);
	sl_msg_free(m);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

static void test_converted_part_rebuilt_whole(void **state)
{
	/* iso-8859-2: ý = 0xFD, ž = 0xBE. */
	static const char latin2[] = "Dobr\xfd den, \xbe http://bad.test/z konec\n";
	static const char utf8[] = "Dobr\xc3\xbd den, \xc5\xbe http://bad.test/z konec\n";
	static const char want[] = "Dobr\xfd den, \xbe hxxp[:]//bad[.]test/z [link disabled by sluice: listed] konec\n";
	struct sl_config *cfg = config_of(NULL, NULL);
	struct sl_urlrewrite *ur = sl_urlrewrite_new(cfg, NULL);
	struct sl_edits e = { 0 };
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "latin2", (const unsigned char *)"", 0);
	struct sl_part *p;
	int i;
	(void)state;

	assert_non_null(ur);
	i = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	sl_msg_part_take_data(m, i, (unsigned char *)sl_xstrndup(latin2, sizeof(latin2) - 1), sizeof(latin2) - 1);
	p = &m->parts[i];
	p->declared_type = sl_xstrdup("text/plain");
	p->charset = sl_xstrdup("iso-8859-2");
	p->is_body_text = 1;
	/* As sl_text_view() leaves a converted part (textconv.h). */
	p->text_charset = sl_xstrdup("ISO-8859-2");
	p->text_owned = sl_xstrdup(utf8);
	p->text = p->text_owned;
	p->text_len = sizeof(utf8) - 1;
	add_url(m, i, "http://bad.test/z", "http://bad.test/z", SL_URLCTX_TEXT, SL_REP_MALICIOUS, "listed");
	add_url_finding(m, i, "url_malicious", SL_ACT_DEFANG);

	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].part, i);
	assert_int_equal(e.v[0].begin, 0);
	assert_int_equal(e.v[0].end, sizeof(latin2) - 1);
	assert_int_equal(e.v[0].replacement_len, sizeof(want) - 1);
	assert_memory_equal(e.v[0].replacement, want, sizeof(want) - 1);
	sl_edits_clear(&e);
	sl_msg_free(m);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

static void test_meta_charset_part_rebuilt_in_its_charset(void **state)
{
	/* HTML without a declared charset that names iso-8859-2 in <meta>; the
	 * URL stage reads it as iso-8859-2 (urls.h). ř = 0xF8, ž = 0xBE. */
	static const char html[] = "<html><head><meta charset=\"iso-8859-2\"></head><body>"
				   "P\xf8\xedli\xb9 \xbelu\xbbou\xe8k\xfd <a href=\"http://phishing.test/p\">k\xf9\xf2</a>"
				   "</body></html>\n";
	struct sl_config *cfg = config_of(NULL, NULL);
	struct sl_urlrewrite *ur = sl_urlrewrite_new(cfg, NULL);
	struct sl_urls *urls = sl_urls_new(cfg, NULL);
	struct sl_edits e = { 0 };
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "meta", (const unsigned char *)"", 0);
	const char *before = "\"#\" title=";
	char *got, *conv;
	size_t u;
	int i;
	(void)state;

	assert_non_null(ur);
	assert_non_null(urls);
	i = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	sl_msg_part_take_data(m, i, (unsigned char *)sl_xstrndup(html, sizeof(html) - 1), sizeof(html) - 1);
	m->parts[i].declared_type = sl_xstrdup("text/html");
	m->parts[i].is_body_text = 1;
	assert_int_equal(sl_urls_run(urls, m), SL_OK);
	assert_non_null(m->parts[i].text_owned); /* converted from iso-8859-2 */
	assert_non_null(strstr(m->parts[i].text, "\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd"));
	for (u = 0; u < m->nurls; u++)
		if (m->urls[u].context == SL_URLCTX_HREF) {
			m->urls[u].reputation = SL_REP_MALICIOUS;
			m->urls[u].normalized = sl_xstrdup(m->urls[u].url);
		}
	add_url_finding(m, i, "url_malicious", SL_ACT_DEFANG);
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].begin, 0);
	assert_int_equal(e.v[0].end, sizeof(html) - 1);
	got = sl_xstrndup(e.v[0].replacement, e.v[0].replacement_len);
	assert_non_null(strstr(got, before));
	/* Rebuilt in the charset the URL stage read it in (text_charset), not in
	 * p->charset (none) or windows-1252, so only the link changes. */
	conv = g_convert(e.v[0].replacement, (gssize)e.v[0].replacement_len, "UTF-8", "ISO-8859-2", NULL, NULL, NULL);
	if (strstr(got, "P\xf8\xedli\xb9 \xbelu\xbbou\xe8k\xfd ") == NULL) {
		print_message("got: %s\n", conv ? conv : "(not iso-8859-2)");
		fail_msg("the part was not rebuilt in iso-8859-2, the charset it was read in");
	}
	assert_non_null(strstr(got, "k\xf9\xf2</a>"));
	g_free(conv);
	free(got);
	sl_edits_clear(&e);
	sl_msg_free(m);
	sl_urls_free(urls);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

/* Issue 10: a blocklisted iframe or img src was reported as defanged and
 * left as it was. Parsed by the real URL stage, the edits empty every src,
 * the check passes, and the rewritten message keeps no trace of the hosts. */
static void test_src_disarmed(void **state)
{
	static const char raw[] = "From: a@example.test\nSubject: iframe\nMIME-Version: 1.0\n"
				  "Content-Type: text/html; charset=utf-8\n\n"
				  "<p>Hello</p><iframe src=\"https://phishing.test/login\" width=\"600\"></iframe>"
				  "<img src=https://malware.invalid/pixel.gif alt=x><iframe src='http://evil.test/f'></iframe>\n";
	struct sl_config *cfg = config_of(NULL, NULL);
	struct sl_urlrewrite *ur = sl_urlrewrite_new(cfg, NULL);
	struct sl_urls *urls = sl_urls_new(cfg, NULL);
	struct sl_mime *mi = sl_mime_new(cfg, NULL);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "src", (const unsigned char *)raw, sizeof(raw) - 1);
	struct sl_edits e = { 0 };
	unsigned char *out = NULL;
	size_t u, outlen = 0, nsrc = 0;
	char *why = NULL, *o;
	(void)state;

	assert_int_equal(sl_mime_run(mi, m), SL_OK);
	assert_int_equal(sl_urls_run(urls, m), SL_OK);
	for (u = 0; u < m->nurls; u++) {
		assert_int_equal(m->urls[u].context, SL_URLCTX_SRC);
		m->urls[u].reputation = SL_REP_MALICIOUS;
		m->urls[u].reason = sl_xasprintf("the destination %s is on the blocklist", m->urls[u].url);
		nsrc++;
	}
	assert_int_equal(nsrc, 3);
	add_url_finding(m, 0, "url_malicious", SL_ACT_DEFANG);
	m->verdict = SL_VERDICT_REWRITE;
	/* Without the edits, the finding is not carried out: refused. */
	check_refused(m, NULL, "could not be disarmed");
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 3);
	for (u = 0; u < m->nurls; u++)
		assert_true(sl_edits_disarms(&e, u));
	if (sl_rewrite_email_check(m, &e, &why) != SL_OK)
		fail_msg("check: %s", why);
	assert_int_equal(sl_rewrite_email(m, &e, &out, &outlen), SL_OK);
	o = sl_xstrndup((const char *)out, outlen);
	assert_null(strstr(o, "phishing.test"));
	assert_null(strstr(o, "malware.invalid"));
	assert_null(strstr(o, "evil.test"));
	assert_non_null(strstr(o, "<iframe src=\"\" title=\"Content blocked by sluice: "));
	assert_non_null(strstr(o, "<img src=\"\" title=\""));
	assert_non_null(strstr(o, "<iframe src=\"\" title=\"Content blocked by sluice: the destination hxxp[:]//evil[.]test/f"));
	assert_non_null(strstr(o, "width=\"600\""));
	assert_non_null(strstr(o, " alt=x>"));
	assert_non_null(strstr(o, "hxxps[:]//phishing[.]test/login"));
	free(o);
	free(out);
	sl_edits_clear(&e);
	sl_msg_free(m);
	sl_mime_free(mi);
	sl_urls_free(urls);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

/* Two links over the same bytes cannot both be replaced: the second is left
 * undisarmed (never a silent skip that passes the check). */
static void test_overlap_left_undisarmed(void **state)
{
	struct sl_config *cfg = config_of(NULL, NULL);
	struct sl_urlrewrite *ur = sl_urlrewrite_new(cfg, NULL);
	struct sl_edits e = { 0 };
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "overlap", (const unsigned char *)"", 0);
	int i, a, b;
	(void)state;

	i = add_text_part(m, "1", "text/plain", "go to http://bad.test/x/y now\n");
	m->parts[i].hdr_start = 0;
	m->parts[i].body_start = 0;
	m->parts[i].body_end = 0;
	a = add_url(m, i, "http://bad.test/x/y", "http://bad.test/x/y", SL_URLCTX_TEXT, SL_REP_MALICIOUS, NULL);
	b = add_url(m, i, "bad.test/x", "http://bad.test/x", SL_URLCTX_TEXT, SL_REP_MALICIOUS, NULL);
	add_url_finding(m, i, "url_malicious", SL_ACT_DEFANG);
	m->verdict = SL_VERDICT_REWRITE;
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 1);
	assert_true(sl_edits_disarms(&e, (size_t)a));
	assert_false(sl_edits_disarms(&e, (size_t)b));
	check_refused(m, &e, "could not be disarmed");
	sl_edits_clear(&e);
	sl_msg_free(m);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

static void test_no_text_no_edits(void **state)
{
	struct sl_config *cfg = config_of(NULL, NULL);
	struct sl_urlrewrite *ur = sl_urlrewrite_new(cfg, NULL);
	struct sl_edits e = { 0 };
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "empty", (const unsigned char *)"", 0);
	int i;
	(void)state;

	/* No parts at all. */
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 0);
	/* A part without text (an attachment): its URLs are not edited here,
	 * and not disarmed, so a defang finding on it cannot pass the check. */
	i = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	sl_msg_part_take_data(m, i, (unsigned char *)sl_xstrdup("%PDF /URI (http://bad.test/)"), 28);
	sl_msg_add_url(m, i, "http://bad.test/", 11, 16, SL_URLCTX_ATTACHMENT, NULL);
	m->urls[0].reputation = SL_REP_MALICIOUS;
	add_url_finding(m, i, "url_in_attachment", SL_ACT_DEFANG);
	m->verdict = SL_VERDICT_REWRITE;
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 0);
	assert_false(sl_edits_disarms(&e, 0));
	check_refused(m, &e, "could not be disarmed");
	/* A range past the end of the text is neither read nor disarmed. */
	m->parts[i].text = (const char *)m->parts[i].data;
	m->parts[i].text_len = 20;
	m->urls[0].context = SL_URLCTX_TEXT;
	free(m->findings[0].rule);
	m->findings[0].rule = sl_xstrdup("url_malicious");
	assert_int_equal(sl_urlrewrite_edits(ur, m, &e), SL_OK);
	assert_int_equal(e.n, 0);
	assert_false(sl_edits_disarms(&e, 0));
	check_refused(m, &e, "could not be disarmed");
	sl_msg_free(m);
	sl_urlrewrite_free(ur);
	sl_config_unref(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defang_table),
		cmocka_unit_test(test_defang_properties),
		cmocka_unit_test(test_new_checks),
		cmocka_unit_test(test_edits_with_safelinks),
		cmocka_unit_test(test_edits_without_safelinks),
		cmocka_unit_test(test_wrap_needs_normalized_http),
		cmocka_unit_test(test_converted_part_rebuilt_whole),
		cmocka_unit_test(test_meta_charset_part_rebuilt_in_its_charset),
		cmocka_unit_test(test_no_text_no_edits),
		cmocka_unit_test(test_src_disarmed),
		cmocka_unit_test(test_overlap_left_undisarmed),
	};
	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
