/*
 * test_reputation - unit tests for lib/links/reputation.c: list files written to a
 * temporary folder, a config pointing at them (sl_config_load overrides), and
 * messages built by hand with one text part and the URLs under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "msg.h"
#include "reputation.h"
#include "util.h"

static const char blocklist[] =
	"# test blocklist\n"
	"phishing.test\n"
	"=login.bank-example.test\n"
	"198.51.100.0/24\n"
	"both.test\n"
	"192.0.2.300\n" /* a bad line: logged and skipped */
	"fa\xc3\x9f.test\n"       /* faß.test, stored as xn--fa-hia.test */
	"paypa\xcf\x82.test\n"    /* paypaς.test */
	"https://files.example.test/payload/\n";

static const char allowlist[] =
	"example-contact-center.test\n"
	"both.test\n"
	"stra\xc3\x9f" "e.test\n" /* straße.test alone */
	"wei\xc3\x9f.test\n"      /* weiß.test and its "ss" spelling */
	"weiss.test\n";

static const char shorteners[] = "bit.ly\ntinyurl.com\n";

static const char protected_names[] =
	"paypal.com\n"
	"apple.com\n"
	"google.com\n"
	"microsoft.com\n"
	"mybank.test\n";

struct fixture {
	char *dir;
	struct sl_config *cfg;
	struct sl_reputation *rep;
};

static char *write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void rmdir_all(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d != NULL && (n = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, n, NULL);
		unlink(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	rmdir(dir);
	g_free(dir);
}

/* A config whose list keys point to the fixture's files, plus extra overrides. */
static struct sl_config *make_config(const char *dir, const char *extra)
{
	char *b = g_build_filename(dir, "blocklist.txt", NULL);
	char *a = g_build_filename(dir, "allowlist.txt", NULL);
	char *s = g_build_filename(dir, "shorteners.txt", NULL);
	char *p = g_build_filename(dir, "protected.txt", NULL);
	char *ov[5];
	size_t n = 4;
	struct sl_config *cfg = NULL;
	char *why = NULL;

	ov[0] = g_strdup_printf("urls.blocklist_files=%s", b);
	ov[1] = g_strdup_printf("urls.allowlist_files=%s", a);
	ov[2] = g_strdup_printf("urls.shortener_files=%s", s);
	ov[3] = g_strdup_printf("urls.protected_files=%s", p);
	if (extra != NULL)
		ov[n++] = g_strdup(extra);
	if (sl_config_load(NULL, (const char *const *)ov, n, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	for (size_t i = 0; i < n; i++)
		g_free(ov[i]);
	g_free(b);
	g_free(a);
	g_free(s);
	g_free(p);
	return cfg;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *why = NULL;

	f->dir = g_dir_make_tmp("test_reputation_XXXXXX", NULL);
	assert_non_null(f->dir);
	g_free(write_file(f->dir, "blocklist.txt", blocklist));
	g_free(write_file(f->dir, "allowlist.txt", allowlist));
	g_free(write_file(f->dir, "shorteners.txt", shorteners));
	g_free(write_file(f->dir, "protected.txt", protected_names));
	f->cfg = make_config(f->dir, NULL);
	f->rep = sl_reputation_new(f->cfg, &why);
	if (f->rep == NULL)
		fail_msg("sl_reputation_new: %s", why);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sl_reputation_free(f->rep);
	sl_config_unref(f->cfg);
	rmdir_all(f->dir);
	free(f);
	return 0;
}

/* A message with one HTML body part "1" (index 0). */
static struct sl_msg *new_msg(void)
{
	static const char text[] = "<p>links</p>";
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "test", NULL, 0);
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	m->parts[p].declared_type = sl_xstrdup("text/html");
	m->parts[p].is_body_text = 1;
	m->parts[p].text = text;
	m->parts[p].text_len = sizeof(text) - 1;
	return m;
}

static void add_url(struct sl_msg *m, int part, const char *url, enum sl_url_context ctx,
		    const char *shown)
{
	sl_msg_add_url(m, part, url, 0, strlen(url), ctx, shown);
}

/* ---- the table ---- */

#define HREF SL_URLCTX_HREF
#define TEXT SL_URLCTX_TEXT

struct row {
	const char *url;
	enum sl_url_context ctx;
	const char *shown;
	enum sl_url_rep rep;
	const char *source;  /* exact source, NULL: none expected */
	const char *reason;  /* substring of the reason, or NULL */
};

static const struct row rows[] = {
	/* lists */
	{ "https://phishing.test/login", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", "blocklist" },
	{ "http://www.sub.Phishing.test./x", TEXT, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://login.bank-example.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:=login.bank-example.test", NULL },
	{ "https://www.bank-example.test/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://files.example.test/payload/x.exe", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:https://files.example.test/payload/", NULL },
	{ "https://portal.example-contact-center.test/help", HREF, NULL, SL_REP_CLEAN,
	  "allowlist.txt:example-contact-center.test", NULL },
	{ "https://both.test/", HREF, NULL, SL_REP_MALICIOUS, "blocklist.txt:both.test", NULL },
	{ "http://3325256769/", HREF, NULL, SL_REP_MALICIOUS, "blocklist.txt:198.51.100.0/24",
	  NULL },
	/* userinfo and parser confusion */
	{ "https://bank.example@evil.test/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:userinfo",
	  "bank.example" },
	{ "http://good.test\\@phishing.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", "read another way" },
	{ "http://good.test\\@other.test/", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:ambiguous_host", "other.test" },
	/* IP literals */
	{ "http://192.0.2.10/admin", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:ip_literal",
	  "bare IP address" },
	{ "http://0xC0.0x00.0x02.0x0A/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:ip_literal",
	  "obfuscated" },
	/* IDN: confusables, mixed scripts, legitimate names */
	{ "https://p\xd0\xb0ypal.com/signin", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:idn_spoof", "looks like paypal.com" },
	{ "https://b\xd0\xb0nk-online.test/", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:idn_spoof", "mixes Latin and Cyrillic" },
	{ "https://\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.com/", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:idn_spoof", "look like Latin" },
	{ "https://paypa1.com/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:lookalike",
	  "looks like paypal.com" },
	{ "https://g00gle.com/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:lookalike",
	  "google.com" },
	{ "https://h\xc3\xa1\xc4\x8dky.cz/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84/", HREF, NULL,
	  SL_REP_UNKNOWN, NULL, NULL },
	{ "https://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.com/", HREF, NULL,
	  SL_REP_UNKNOWN, NULL, NULL },
	{ "https://b\xc3\xbc" "cher.de/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://xn--bcher-kva.de/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" "abc.jp/", HREF, NULL, SL_REP_UNKNOWN,
	  NULL, NULL },
	{ "https://paypal.de/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://p\xc3\xa0ypal.com/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:idn_spoof",
	  "looks like paypal.com" },
	{ "https://\xc3\xa4pple.se/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://p\xd0\xb0ypal.de/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:idn_spoof",
	  "looks like paypal.com" },
	{ "https://www.paypal.com/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	/* brand names in front of another domain */
	{ "https://paypal.com.secure-login.test/", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:brand_in_subdomain", "paypal.com" },
	{ "https://www-paypal-com.verify.test/", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:brand_in_subdomain", NULL },
	{ "https://paypal.secure-login.test/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	/* anchor text */
	{ "https://evil.test/login", HREF, "www.mybank.test", SL_REP_SUSPICIOUS,
	  "heuristic:anchor_mismatch", "www.mybank.test" },
	{ "https://evil.test/login", HREF, "  https://mybank.test/login. ", SL_REP_SUSPICIOUS,
	  "heuristic:anchor_mismatch", NULL },
	{ "https://evil.test/login", HREF, "Log in at www.mybank.test now", SL_REP_SUSPICIOUS,
	  "heuristic:anchor_mismatch", NULL },
	{ "https://secure.mybank.test/login", HREF, "www.mybank.test", SL_REP_UNKNOWN, NULL, NULL },
	{ "https://click.tracker.test/r?u=https%3A%2F%2Fshop.test%2Fsale", HREF, "Read more",
	  SL_REP_UNKNOWN, NULL, NULL },
	{ "https://click.tracker.test/r?u=https%3A%2F%2Fshop.test%2Fsale", HREF,
	  "www.shop.test", SL_REP_UNKNOWN, NULL, NULL },
	{ "https://click.tracker.test/u/1234", HREF, "Unsubscribe", SL_REP_UNKNOWN, NULL, NULL },
	{ "https://click.tracker.test/u/1234", HREF, "Click here", SL_REP_UNKNOWN, NULL, NULL },
	{ "https://docs.tracker.test/x", HREF, "setup.notaTLD", SL_REP_UNKNOWN, NULL, NULL },
	{ "https://docs.tracker.test/x", HREF, "See version 1.2.3", SL_REP_UNKNOWN, NULL, NULL },
	{ "https://docs.tracker.test/x", HREF, "help@mybank.test", SL_REP_UNKNOWN, NULL, NULL },
	/* open redirects */
	{ "https://www.google.com/url?q=https%3A%2F%2Fphishing.test%2Fx", HREF, NULL,
	  SL_REP_MALICIOUS, "open_redirect:blocklist.txt:phishing.test", "phishing.test" },
	{ "https://r.tracker.test/go?to=https%253A%252F%252Flogin.bank-example.test%252F", HREF,
	  NULL, SL_REP_MALICIOUS, "open_redirect:blocklist.txt:=login.bank-example.test", NULL },
	{ "https://r.tracker.test/go/https://phishing.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "open_redirect:blocklist.txt:phishing.test", NULL },
	{ "https://r.tracker.test/go?to=https%3A%2F%2Felsewhere.test%2F", HREF, NULL,
	  SL_REP_UNKNOWN, NULL, NULL },
	/* shorteners */
	{ "https://bit.ly/3xYzAb", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:shortener",
	  "link shortener hides the destination" },
	/* opaque schemes */
	{ "mailto:someone@phishing.test", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "tel:+15555550100", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "javascript:alert(document.cookie)", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:script_link", "script link" },
	{ "JavaScript:void(0)", SL_URLCTX_FORM, NULL, SL_REP_SUSPICIOUS, "heuristic:script_link",
	  NULL },
	{ "vbscript:msgbox(1)", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:script_link", NULL },
	{ "data:text/html;base64,PHNjcmlwdD4=", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:script_link", NULL },
	{ "data:image/png;base64,iVBORw0KGgo=", SL_URLCTX_SRC, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "javascript:alert(1)", TEXT, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "blob:https://phishing.test/1234-5678", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	/* IDNA: judged as the browser opens the name, and as older programs and other
	 * Unicode versions read it (issue 11: transitional fallback changed the site) */
	{ "https://\xe2\x99\xa5.fa\xc3\x9f.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:fa\xc3\x9f.test", "the destination xn--g6h.xn--fa-hia.test" },
	{ "https://\xe2\x99\xa5.fass.test/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://\xe2\x99\xa5.paypa\xcf\x82.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:paypa\xcf\x82.test", NULL },
	{ "https://\xe2\x99\xa5.paypa\xcf\x83.test/", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:idn_spoof", "Latin and Greek" },
	/* ẞ: "ss" up to Unicode 15.0, ß since 15.1: listed either way */
	{ "https://FA\xe1\xba\x9e.test/login", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:fa\xc3\x9f.test", NULL },
	{ "https://x.FA\xe1\xba\x9e.\xe2\x99\xa5.test/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	/* an allowlisted ß name is clean only when its "ss" reading is allowlisted too */
	{ "https://stra\xc3\x9f" "e.test/", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "https://wei\xc3\x9f.test/", HREF, NULL, SL_REP_CLEAN, "allowlist.txt:wei\xc3\x9f.test",
	  NULL },
	/* hosts written with what browsers drop or map still match (issue 10, 6) */
	{ "https://phish\xc2\xading.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://phishing\xe2\x80\x8b.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://phishing\xef\xbc\x8etest/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://phishing\xe3\x80\x82test/", TEXT, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://PHISHING.TEST..:8443/x", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://www.phishing.test.:443/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	/* a link nothing parses is still looked up: blocklisted is malicious */
	{ "https://phishing.test:99999/x", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", "does not parse" },
	{ "https://phish\xe2\x80\x8ding.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", "does not parse" },
	{ "http://xn--ab-.phishing.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "http://1a.\xd7\x90.phishing.test/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "wss://phishing.test:bad/", HREF, NULL, SL_REP_MALICIOUS, "blocklist.txt:phishing.test",
	  NULL },
	{ "http://bank.test%2F@phishing.test:x/", TEXT, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "https://198.51.100.9:99999/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:198.51.100.0/24", NULL },
	{ "https://3325256777:99999/", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:198.51.100.0/24", NULL },
	{ "file://phishing.test@SSL/x.exe", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "wss://unlisted.test:bad/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:unparsable", NULL },
	{ "ftp://[1:2:3/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:unparsable", NULL },
	{ "\\\\user@evil.test\\share", TEXT, NULL, SL_REP_SUSPICIOUS, "heuristic:unparsable",
	  NULL },
	{ "ms-word:ofe|u|https://phishing.test:99999/x", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", "the location it opens" },
	/* schemes that reach the network are judged like http */
	{ "wss://phishing.test/socket", HREF, NULL, SL_REP_MALICIOUS, "blocklist.txt:phishing.test",
	  NULL },
	{ "ws://198.51.100.7:8080/", HREF, NULL, SL_REP_MALICIOUS, "blocklist.txt:198.51.100.0/24",
	  NULL },
	{ "ftp://phishing.test/x.zip", TEXT, NULL, SL_REP_MALICIOUS, "blocklist.txt:phishing.test",
	  NULL },
	{ "file://phishing.test/share/x.lnk", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "file:////phishing.test/share/x.lnk", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", "Windows opens the file share on phishing.test" },
	{ "\\\\phishing.test\\share\\x.lnk", TEXT, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:phishing.test", NULL },
	{ "\\\\evil.test@SSL\\DavWWWRoot\\x.exe", TEXT, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:file_link", "WebDAV share on evil.test" },
	{ "smb://evil.test/share", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:file_link", NULL },
	{ "file://portal.example-contact-center.test/share", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:file_link", NULL },
	{ "file:///C:/Users/Public/report.pdf", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	/* handler schemes: judged by what they open, and at least suspicious */
	{ "search-ms:query=x&crumb=location:%5C%5Cphishing.test%40SSL%5Cs", HREF, NULL,
	  SL_REP_MALICIOUS, "blocklist.txt:phishing.test", "the link opens phishing.test" },
	{ "search-ms:query=x&crumb=location:%5C%5Cevil.test%40SSL%5Cs&displayname=Docs", HREF, NULL,
	  SL_REP_SUSPICIOUS, "heuristic:handler_link", "Windows Search" },
	{ "ms-msdt:/id PCWDiagnostic /skip force /param \"IT_BrowseForFile=x\"", HREF, NULL,
	  SL_REP_SUSPICIOUS, "heuristic:handler_link", "ms-msdt" },
	{ "ms-word:ofe|u|https://files.example.test/payload/doc.docx", HREF, NULL, SL_REP_MALICIOUS,
	  "blocklist.txt:https://files.example.test/payload/", NULL },
	{ "ms-excel:ofv|u|https://portal.example-contact-center.test/x.xlsx", HREF, NULL,
	  SL_REP_SUSPICIOUS, "heuristic:handler_link", "an Office application" },
	{ "ms-appinstaller:?source=https://phishing.test/a.appinstaller", HREF, NULL,
	  SL_REP_MALICIOUS, "blocklist.txt:phishing.test", NULL },
	/* other */
	{ "http://[1:2:3/", HREF, NULL, SL_REP_SUSPICIOUS, "heuristic:unparsable", NULL },
	{ "foo:bar", HREF, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "not a url at all", TEXT, NULL, SL_REP_UNKNOWN, NULL, NULL },
	{ "file://fileserver.evil.test/share/doc.lnk", HREF, NULL, SL_REP_SUSPICIOUS,
	  "heuristic:file_link", NULL },
	{ "https://www.example.org/page", HREF, "www.example.org", SL_REP_UNKNOWN, NULL, NULL },
};

static void check_row(struct sl_reputation *rep, const struct row *r)
{
	struct sl_msg *m = new_msg();
	const struct sl_url *u;
	const char *want_rule;
	int want_finding;

	add_url(m, 0, r->url, r->ctx, r->shown);
	assert_int_equal(sl_reputation_run(rep, m), SL_OK);
	u = &m->urls[0];
	if (u->reputation != r->rep)
		fail_msg("%s (shown \"%s\"): reputation %s, expected %s (source %s, reason %s)", r->url,
			 r->shown ? r->shown : "", sl_url_rep_name(u->reputation),
			 sl_url_rep_name(r->rep), u->source ? u->source : "-",
			 u->reason ? u->reason : "-");
	if (r->source == NULL) {
		if (u->source != NULL)
			fail_msg("%s: unexpected source %s", r->url, u->source);
	} else if (u->source == NULL || strcmp(u->source, r->source) != 0) {
		fail_msg("%s: source %s, expected %s (reason %s)", r->url,
			 u->source ? u->source : "(null)", r->source, u->reason ? u->reason : "-");
	}
	if (r->reason != NULL && (u->reason == NULL || strstr(u->reason, r->reason) == NULL))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", r->url, u->reason ? u->reason : "(null)",
			 r->reason);
	if (r->rep >= SL_REP_SUSPICIOUS)
		assert_non_null(u->reason);
	else
		assert_null(u->reason);

	want_finding = r->rep == SL_REP_MALICIOUS ||
		       (r->rep == SL_REP_SUSPICIOUS && r->ctx != SL_URLCTX_SRC);
	want_rule = r->rep == SL_REP_MALICIOUS ? "url_malicious" : "url_suspicious";
	if (want_finding) {
		assert_int_equal(m->nfindings, 1);
		assert_int_equal(m->findings[0].kind, SL_FIND_URL);
		assert_string_equal(m->findings[0].rule, want_rule);
		assert_int_equal(m->findings[0].part, 0);
		assert_non_null(strstr(m->findings[0].detail, u->reason));
	} else if (m->nfindings != 0) {
		fail_msg("%s: unexpected finding %s: %s", r->url, m->findings[0].rule,
			 m->findings[0].detail);
	}
	sl_msg_free(m);
}

static void test_table(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(f->rep, &rows[i]);
}

static void test_normalized(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = new_msg();

	add_url(m, 0, "HTTP://WWW.Example.ORG:80/a/../b", HREF, NULL);
	add_url(m, 0, "http://[1:2:3/", HREF, NULL);
	add_url(m, 0, "www.example.org/x", TEXT, NULL);
	assert_int_equal(sl_reputation_run(f->rep, m), SL_OK);
	assert_string_equal(m->urls[0].normalized, "http://www.example.org/b");
	assert_null(m->urls[1].normalized);
	assert_string_equal(m->urls[2].normalized, "http://www.example.org/x");
	/* running again replaces, never duplicates, what the stage set */
	assert_int_equal(sl_reputation_run(f->rep, m), SL_OK);
	assert_string_equal(m->urls[0].normalized, "http://www.example.org/b");
	sl_msg_free(m);
}

/* One finding per distinct normalised URL per part; img src only when malicious. */
static void test_findings_dedup(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = new_msg();
	int att = sl_msg_add_part(m, -1, "2", SL_ORIGIN_MIME);

	add_url(m, 0, "https://phishing.test/a", HREF, NULL);
	add_url(m, 0, "https://PHISHING.test/a", HREF, "here");
	add_url(m, 0, "https://phishing.test:443/a", TEXT, NULL);
	add_url(m, 0, "https://phishing.test/b", HREF, NULL);
	add_url(m, 0, "http://192.0.2.10/pixel.gif", SL_URLCTX_SRC, NULL);   /* suspicious: none */
	add_url(m, 0, "https://phishing.test/pixel.gif", SL_URLCTX_SRC, NULL); /* malicious */
	add_url(m, att, "https://phishing.test/a", SL_URLCTX_ATTACHMENT, NULL);
	add_url(m, att, "https://bit.ly/x", SL_URLCTX_ATTACHMENT, NULL);
	assert_int_equal(sl_reputation_run(f->rep, m), SL_OK);

	assert_int_equal(m->urls[4].reputation, SL_REP_SUSPICIOUS);
	assert_int_equal(m->nfindings, 5);
	assert_string_equal(m->findings[0].rule, "url_malicious");
	assert_non_null(strstr(m->findings[0].detail, "https://phishing.test/a"));
	assert_string_equal(m->findings[1].rule, "url_malicious");
	assert_non_null(strstr(m->findings[1].detail, "https://phishing.test/b"));
	assert_string_equal(m->findings[2].rule, "url_malicious");
	assert_non_null(strstr(m->findings[2].detail, "pixel.gif"));
	assert_string_equal(m->findings[3].rule, "url_in_attachment");
	assert_int_equal(m->findings[3].part, att);
	assert_string_equal(m->findings[4].rule, "url_in_attachment");
	assert_non_null(strstr(m->findings[4].detail, "shortener"));
	sl_msg_free(m);
}

static void test_detail_length(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = new_msg();
	GString *url = g_string_new("https://phishing.test/");

	for (int i = 0; i < 100; i++)
		g_string_append(url, "abcdefghij");
	add_url(m, 0, url->str, HREF, NULL);
	assert_int_equal(sl_reputation_run(f->rep, m), SL_OK);
	assert_int_equal(m->nfindings, 1);
	assert_true(strlen(m->findings[0].detail) < strlen(m->urls[0].reason) + 2 + 200 + 4);
	assert_non_null(strstr(m->findings[0].detail, "..."));
	g_string_free(url, TRUE);
	sl_msg_free(m);
}

static void test_too_long(void **state)
{
	struct fixture *f = *state;
	struct sl_config *cfg = make_config(f->dir, "urls.max_url_length=64");
	char *why = NULL;
	struct sl_reputation *rep = sl_reputation_new(cfg, &why);
	struct sl_msg *m = new_msg();

	assert_non_null(rep);
	add_url(m, 0, "https://example.org/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		HREF, NULL);
	add_url(m, 0, "https://example.org/short", HREF, NULL);
	assert_int_equal(sl_reputation_run(rep, m), SL_OK);
	assert_int_equal(m->urls[0].reputation, SL_REP_SUSPICIOUS);
	assert_string_equal(m->urls[0].source, "heuristic:too_long");
	assert_null(m->urls[0].normalized);
	assert_int_equal(m->urls[1].reputation, SL_REP_UNKNOWN);
	assert_int_equal(m->nfindings, 1);
	assert_string_equal(m->findings[0].rule, "url_suspicious");
	sl_msg_free(m);
	sl_reputation_free(rep);
	sl_config_unref(cfg);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct sl_config *cfg = make_config(f->dir, "urls.blocklist_files=/nonexistent/blocklist.txt");
	char *why = NULL;
	struct sl_reputation *rep = sl_reputation_new(cfg, &why);

	assert_null(rep);
	assert_non_null(why);
	assert_string_equal(why, "urls.blocklist_files: /nonexistent/blocklist.txt: "
				 "No such file or directory");
	free(why);
	sl_config_unref(cfg);

	cfg = make_config(f->dir, "urls.protected_files=/nonexistent/protected.txt");
	why = NULL;
	rep = sl_reputation_new(cfg, &why);
	assert_null(rep);
	assert_non_null(strstr(why, "urls.protected_files: /nonexistent/protected.txt"));
	free(why);
	sl_config_unref(cfg);
}

/* Several list files per key; an empty protected list turns the brand checks off. */
static void test_several_files(void **state)
{
	struct fixture *f = *state;
	char *extra = write_file(f->dir, "operator-block.txt", "evil.test\n");
	char *empty = write_file(f->dir, "empty.txt", "# nothing\n");
	char *b = g_build_filename(f->dir, "blocklist.txt", NULL);
	char *ov = g_strdup_printf("urls.blocklist_files=%s;%s", b, extra);
	struct sl_config *cfg = make_config(f->dir, ov);
	char *ov2 = g_strdup_printf("urls.protected_files=%s", empty);
	struct sl_config *cfg2 = make_config(f->dir, ov2);
	char *why = NULL;
	struct sl_reputation *rep = sl_reputation_new(cfg, &why);
	struct sl_reputation *rep2 = sl_reputation_new(cfg2, &why);
	struct sl_msg *m = new_msg();

	assert_non_null(rep);
	assert_non_null(rep2);
	add_url(m, 0, "https://www.evil.test/", HREF, NULL);
	add_url(m, 0, "https://phishing.test/", HREF, NULL);
	add_url(m, 0, "https://paypa1.com/", HREF, NULL);
	assert_int_equal(sl_reputation_run(rep, m), SL_OK);
	assert_string_equal(m->urls[0].source, "operator-block.txt:evil.test");
	assert_string_equal(m->urls[1].source, "blocklist.txt:phishing.test");
	assert_int_equal(m->urls[2].reputation, SL_REP_SUSPICIOUS);
	sl_msg_free(m);

	m = new_msg();
	add_url(m, 0, "https://paypa1.com/", HREF, NULL);
	assert_int_equal(sl_reputation_run(rep2, m), SL_OK);
	assert_int_equal(m->urls[0].reputation, SL_REP_UNKNOWN);
	sl_msg_free(m);

	sl_reputation_free(rep2);
	sl_reputation_free(rep);
	sl_config_unref(cfg2);
	sl_config_unref(cfg);
	g_free(ov2);
	g_free(ov);
	g_free(b);
	g_free(empty);
	g_free(extra);
}

/* The shipped lists load without bad lines and judge their own examples. */
static void test_shipped_lists(void **state)
{
	const char *src = getenv("SLUICE_SOURCE_DIR");
	char *dir, *ov[4], *why = NULL;
	struct sl_config *cfg = NULL;
	struct sl_reputation *rep;
	struct sl_msg *m;

	(void)state;
	if (src == NULL)
		src = SLUICE_SOURCE_DIR;
	dir = g_build_filename(src, "signatures", "urls", NULL);
	ov[0] = g_strdup_printf("urls.blocklist_files=%s/blocklist.txt", dir);
	ov[1] = g_strdup_printf("urls.allowlist_files=%s/allowlist.txt", dir);
	ov[2] = g_strdup_printf("urls.shortener_files=%s/shorteners.txt", dir);
	ov[3] = g_strdup_printf("urls.protected_files=%s/protected.txt", dir);
	if (sl_config_load(NULL, (const char *const *)ov, 4, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	rep = sl_reputation_new(cfg, &why);
	if (rep == NULL)
		fail_msg("sl_reputation_new: %s", why);
	m = new_msg();
	add_url(m, 0, "https://login.phishing.test/", HREF, NULL);
	add_url(m, 0, "https://bit.ly/abc", HREF, NULL);
	add_url(m, 0, "https://www.example-contact-center.test/", HREF, NULL);
	add_url(m, 0, "https://\xd0\xb0pple.com/", HREF, NULL);
	add_url(m, 0, "https://rnicrosoft.com/", HREF, NULL);
	add_url(m, 0, "https://login.microsoftonline.com/", HREF, NULL);
	assert_int_equal(sl_reputation_run(rep, m), SL_OK);
	assert_int_equal(m->urls[0].reputation, SL_REP_MALICIOUS);
	assert_int_equal(m->urls[1].reputation, SL_REP_SUSPICIOUS);
	assert_int_equal(m->urls[2].reputation, SL_REP_CLEAN);
	assert_int_equal(m->urls[3].reputation, SL_REP_SUSPICIOUS);
	assert_int_equal(m->urls[4].reputation, SL_REP_SUSPICIOUS);
	assert_string_equal(m->urls[4].source, "heuristic:lookalike");
	assert_int_equal(m->urls[5].reputation, SL_REP_UNKNOWN);
	sl_msg_free(m);
	sl_reputation_free(rep);
	sl_config_unref(cfg);
	for (int i = 0; i < 4; i++)
		g_free(ov[i]);
	g_free(dir);
}

/* One sl_reputation judged from several threads at once gives the same answers. */
static gpointer thread_main(gpointer p)
{
	struct sl_reputation *rep = p;
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct sl_msg *m = new_msg();
			add_url(m, 0, rows[i].url, rows[i].ctx, rows[i].shown);
			sl_reputation_run(rep, m);
			if (m->urls[0].reputation != rows[i].rep) {
				sl_msg_free(m);
				return GINT_TO_POINTER(1);
			}
			sl_msg_free(m);
		}
	}
	return GINT_TO_POINTER(0);
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	GThread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("rep", thread_main, f->rep);
	for (int i = 0; i < 4; i++)
		assert_int_equal(GPOINTER_TO_INT(g_thread_join(t[i])), 0);
}

/* A link judged alone, as at click time: the same verdicts as in a message. */
static void test_judge_url(void **state)
{
	struct fixture *f = *state;
	enum sl_url_rep rep;
	char *src = NULL, *why = NULL;

	assert_int_equal(sl_reputation_judge_url(f->rep, "https://www.phishing.test/login", "c1", &rep,
						 &src, &why),
			 SL_OK);
	assert_int_equal(rep, SL_REP_MALICIOUS);
	assert_string_equal(src, "blocklist.txt:phishing.test");
	assert_non_null(strstr(why, "on the blocklist"));
	free(src);
	free(why);
	assert_int_equal(sl_reputation_judge_url(f->rep, "https://bit.ly/x", "c2", &rep, &src, &why),
			 SL_OK);
	assert_int_equal(rep, SL_REP_SUSPICIOUS);
	assert_string_equal(src, "heuristic:shortener");
	free(src);
	free(why);
	assert_int_equal(sl_reputation_judge_url(f->rep, "https://example-contact-center.test/a",
						 "c3", &rep, &src, &why),
			 SL_OK);
	assert_int_equal(rep, SL_REP_CLEAN);
	free(src);
	free(why);
	assert_int_equal(sl_reputation_judge_url(f->rep, "https://shop.example.org/", "c4", &rep,
						 &src, &why),
			 SL_OK);
	assert_int_equal(rep, SL_REP_UNKNOWN);
	assert_null(src);
	assert_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_normalized),
		cmocka_unit_test(test_findings_dedup),
		cmocka_unit_test(test_detail_length),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_several_files),
		cmocka_unit_test(test_shipped_lists),
		cmocka_unit_test(test_threads),
		cmocka_unit_test_setup_teardown(test_judge_url, setup, teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
