/*
 * test_urlnorm - urlnorm against a table of tricky inputs: each row is one
 * input and everything the normaliser must make of it (every output field is
 * compared, NULL meaning "must be NULL"), plus tests for length-delimited
 * input with NUL bytes, the size limit and clearing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "urlnorm.h"
#include "util.h"

#define NOPORT 0 /* in the table: port must be -1 */
#define BAD(s) {.in = (s), .rc = SL_EPARSE}

struct row {
	const char *in;
	int rc;
	const char *url;
	const char *host;
	const char *host_unicode;
	const char *registrable;
	int port;
	const char *path;
	const char *userinfo;
	const char *alt_host;
	unsigned flags;
};

#define SP SL_URL_SPECIAL
#define NS (SL_URL_NO_SCHEME | SL_URL_SPECIAL)
#define IP4 (SL_URL_SPECIAL | SL_URL_IP | SL_URL_IP_OBFUSCATED)

static const struct row rows[] = {
	/* missing scheme */
	{"www.example.com/x", 0, "http://www.example.com/x", "www.example.com", NULL, "example.com",
	 NOPORT, "/x", NULL, NULL, NS},
	{"example.co.uk/path", 0, "http://example.co.uk/path", "example.co.uk", NULL,
	 "example.co.uk", NOPORT, "/path", NULL, NULL, NS},
	{"//proto.example/x", 0, "http://proto.example/x", "proto.example", NULL, "proto.example",
	 NOPORT, "/x", NULL, NULL, NS},
	{"example.com:8080/x", 0, "http://example.com:8080/x", "example.com", NULL, "example.com",
	 8080, "/x", NULL, NULL, NS | SL_URL_PORT},
	{"localhost:8080", 0, "http://localhost:8080/", "localhost", NULL, NULL, 8080, "/", NULL,
	 NULL, NS | SL_URL_PORT},
	/* case, whitespace, controls */
	{"HTTP://WWW.Example.COM/A/B", 0, "http://www.example.com/A/B", "www.example.com", NULL,
	 "example.com", NOPORT, "/A/B", NULL, NULL, SP},
	{" \x01 http://ex\tam\nple.com/a\rb \x1f", 0, "http://example.com/ab", "example.com", NULL,
	 "example.com", NOPORT, "/ab", NULL, NULL, SP},
	{"https:example.com", 0, "https://example.com/", "example.com", NULL, "example.com", NOPORT,
	 "/", NULL, NULL, SP},
	/* backslashes and the parser disagreement */
	{"http://good.test\\@evil.test/", 0, "http://good.test/@evil.test/", "good.test", NULL,
	 "good.test", NOPORT, "/@evil.test/", NULL, "evil.test", SP | SL_URL_BACKSLASH},
	{"https://bank.example.com\\@evil.test:8443/login", 0,
	 "https://bank.example.com/@evil.test:8443/login", "bank.example.com", NULL, "example.com",
	 NOPORT, "/@evil.test:8443/login", NULL, "evil.test", SP | SL_URL_BACKSLASH},
	{"http://GOOD.test\\evil@x.test/", 0, "http://good.test/evil@x.test/", "good.test", NULL,
	 "good.test", NOPORT, "/evil@x.test/", NULL, "x.test", SP | SL_URL_BACKSLASH},
	{"http:\\\\evil.test\\a\\b?x\\y#z", 0, "http://evil.test/a/b?x\\y#z", "evil.test", NULL,
	 "evil.test", NOPORT, "/a/b?x\\y#z", NULL, NULL, SP | SL_URL_BACKSLASH},
	/* userinfo */
	{"http://user:pass@host/", 0, "http://host/", "host", NULL, NULL, NOPORT, "/", "user:pass",
	 NULL, SP | SL_URL_USERINFO},
	{"https://bank.example@evil.test/", 0, "https://evil.test/", "evil.test", NULL, "evil.test",
	 NOPORT, "/", "bank.example", NULL, SP | SL_URL_USERINFO},
	{"http://a@b@c.test/", 0, "http://c.test/", "c.test", NULL, "c.test", NOPORT, "/", "a@b",
	 NULL, SP | SL_URL_USERINFO},
	{"HTTPS://@evil.test", 0, "https://evil.test/", "evil.test", NULL, "evil.test", NOPORT, "/",
	 "", NULL, SP | SL_URL_USERINFO},
	{"http://evil.test%2F@good.test/", 0, "http://good.test/", "good.test", NULL, "good.test",
	 NOPORT, "/", "evil.test%2F", "evil.test", SP | SL_URL_USERINFO},
	{"http://a:b@evil.test%2f@good.test/", 0, "http://good.test/", "good.test", NULL,
	 "good.test", NOPORT, "/", "a:b@evil.test%2f", "evil.test", SP | SL_URL_USERINFO},
	{"http://good.test%3Fx@good.test/", 0, "http://good.test/", "good.test", NULL, "good.test",
	 NOPORT, "/", "good.test%3Fx", NULL, SP | SL_URL_USERINFO},
	{"user@example.com", 0, "http://example.com/", "example.com", NULL, "example.com", NOPORT,
	 "/", "user", NULL, NS | SL_URL_USERINFO},
	/* IPv4 in all its disguises */
	{"http://3232235777/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://0xC0A80101/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://0300.0250.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://0xC0.0xA8.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://192.168.257/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://127.1/", 0, "http://127.0.0.1/", "127.0.0.1", NULL, NULL, NOPORT, "/", NULL, NULL,
	 IP4},
	{"http://0x/", 0, "http://0.0.0.0/", "0.0.0.0", NULL, NULL, NOPORT, "/", NULL, NULL, IP4},
	{"http://4294967295/", 0, "http://255.255.255.255/", "255.255.255.255", NULL, NULL, NOPORT,
	 "/", NULL, NULL, IP4},
	{"http://%31%39%32.168.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT,
	 "/", NULL, NULL, IP4 | SL_URL_PERCENT_HOST},
	{"http://\xef\xbc\x91\xef\xbc\x99\xef\xbc\x92.168.1.1/", 0, "http://192.168.1.1/",
	 "192.168.1.1", NULL, NULL, NOPORT, "/", NULL, NULL, IP4},
	{"http://192.168.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, SP | SL_URL_IP},
	{"http://192.168.1.1./", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, SP | SL_URL_IP | SL_URL_TRAILING_DOT},
	BAD("http://1.2.3.4.5/"),
	BAD("http://256.1.1.1/"),
	BAD("http://4294967296/"),
	BAD("http://09.1.1.1/"),
	BAD("http://1.0x1000000/"),
	{"http://a.0x1g/", 0, "http://a.0x1g/", "a.0x1g", NULL, "a.0x1g", NOPORT, "/", NULL, NULL,
	 SP},
	/* IPv6 */
	{"http://[::1]/", 0, "http://[::1]/", "[::1]", NULL, NULL, NOPORT, "/", NULL, NULL,
	 SP | SL_URL_IP},
	{"http://[::1]:8080/x", 0, "http://[::1]:8080/x", "[::1]", NULL, NULL, 8080, "/x", NULL,
	 NULL, SP | SL_URL_IP | SL_URL_PORT},
	{"https://[2001:DB8:0:0:0:0:0:1]:443/", 0, "https://[2001:db8::1]/", "[2001:db8::1]", NULL,
	 NULL, NOPORT, "/", NULL, NULL, SP | SL_URL_IP},
	{"http://[0:0:0:0:0:0:0:0]/", 0, "http://[::]/", "[::]", NULL, NULL, NOPORT, "/", NULL,
	 NULL, SP | SL_URL_IP},
	BAD("http://[::1/"),
	BAD("http://[::1]x/"),
	BAD("http://[1:2:3:4:5:6:7:8:9]/"),
	BAD("http://[fe80::1%25eth0]/"),
	/* ports */
	{"http://host:8080/", 0, "http://host:8080/", "host", NULL, NULL, 8080, "/", NULL, NULL,
	 SP | SL_URL_PORT},
	{"http://host:443/", 0, "http://host:443/", "host", NULL, NULL, 443, "/", NULL, NULL,
	 SP | SL_URL_PORT},
	{"https://host:0443/", 0, "https://host/", "host", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"ws://host:80/", 0, "ws://host/", "host", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"ftp://host:21/", 0, "ftp://host/", "host", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"http://host:/x", 0, "http://host/x", "host", NULL, NULL, NOPORT, "/x", NULL, NULL, SP},
	{"http://host:65535/", 0, "http://host:65535/", "host", NULL, NULL, 65535, "/", NULL, NULL,
	 SP | SL_URL_PORT},
	BAD("http://host:65536/"),
	BAD("http://host:8a/"),
	BAD("http://host:-1/"),
	BAD("http://host:99999999999999999999999/"),
	/* IDN */
	{"http://h\xc3\xa1\xc4\x8dky.cz/", 0, "http://xn--hky-ela4t.cz/", "xn--hky-ela4t.cz",
	 "h\xc3\xa1\xc4\x8dky.cz", "xn--hky-ela4t.cz", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84/", 0,
	 "http://xn--e1afmkfd.xn--p1ai/", "xn--e1afmkfd.xn--p1ai",
	 "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
	 "xn--e1afmkfd.xn--p1ai", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"https://stra\xc3\x9f" "e.de/", 0, "https://xn--strae-oqa.de/", "xn--strae-oqa.de",
	 "stra\xc3\x9f" "e.de", "xn--strae-oqa.de", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://\xcf\x80\xce\xb1\xcf\x81\xce\xac\xce\xb4\xce\xb5\xce\xb9\xce\xb3\xce\xbc\xce\xb1."
	 "\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae/",
	 0, "http://xn--hxajbheg2az3al.xn--jxalpdlp/", "xn--hxajbheg2az3al.xn--jxalpdlp",
	 "\xcf\x80\xce\xb1\xcf\x81\xce\xac\xce\xb4\xce\xb5\xce\xb9\xce\xb3\xce\xbc\xce\xb1."
	 "\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae",
	 "xn--hxajbheg2az3al.xn--jxalpdlp", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88/", 0,
	 "http://xn--r8jz45g.xn--zckzah/", "xn--r8jz45g.xn--zckzah",
	 "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", "xn--r8jz45g.xn--zckzah",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://XN--E1AFMKFD.xn--P1AI/", 0, "http://xn--e1afmkfd.xn--p1ai/",
	 "xn--e1afmkfd.xn--p1ai",
	 "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
	 "xn--e1afmkfd.xn--p1ai", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://B\xc3\xbc" "cher.example.co.uk/", 0, "http://xn--bcher-kva.example.co.uk/",
	 "xn--bcher-kva.example.co.uk", "b\xc3\xbc" "cher.example.co.uk", "example.co.uk", NOPORT,
	 "/", NULL, NULL, SP | SL_URL_IDN},
	/* fullwidth letters and ideographic full stop */
	{"http://\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90\xef\xbd\x8c\xef\xbd\x85"
	 "\xe3\x80\x82" "com/",
	 0, "http://example.com/", "example.com", "example.com", "example.com", NOPORT, "/", NULL,
	 NULL, SP | SL_URL_IDN},
	/* emoji: fails non-transitional, passes transitional */
	{"http://xn--ls8h.la/", 0, "http://xn--ls8h.la/", "xn--ls8h.la", "\xf0\x9f\x92\xa9.la",
	 "xn--ls8h.la", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	BAD("http://xn--zz.com/"),
	BAD("http://a\xff.com/"),
	/* percent-encoded host, forbidden code points, trailing dots */
	{"http://%65xample.COM/", 0, "http://example.com/", "example.com", NULL, "example.com",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_PERCENT_HOST},
	{"http://EXAMPLE.com../", 0, "http://example.com/", "example.com", NULL, "example.com",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_TRAILING_DOT},
	BAD("http://exa mple.com/"),
	BAD("http://exa<mple.com/"),
	BAD("http://a%zz.com/"),
	BAD("http://a%2fb.com/"),
	BAD("http://ex%00ample.com/"),
	BAD("http://\xef\xbc\x8f" "evil.test/"), /* fullwidth solidus maps to '/' */
	/* empty hosts */
	BAD("http://"),
	BAD("http://@/x"),
	BAD("http://user@"),
	BAD("http://:80/"),
	BAD("http://./"),
	BAD("http:"),
	{"http:///x.test/y", 0, "http://x.test/y", "x.test", NULL, "x.test", NOPORT, "/y", NULL,
	 NULL, SP},
	/* paths */
	{"http://example.com", 0, "http://example.com/", "example.com", NULL, "example.com", NOPORT,
	 "/", NULL, NULL, SP},
	{"http://example.com?q", 0, "http://example.com/?q", "example.com", NULL, "example.com",
	 NOPORT, "/?q", NULL, NULL, SP},
	{"http://example.com/a/./b/../c/%2e%2E/d?q=1 2#f g", 0, "http://example.com/a/d?q=1%202#f%20g",
	 "example.com", NULL, "example.com", NOPORT, "/a/d?q=1%202#f%20g", NULL, NULL, SP},
	{"http://example.com/a/..", 0, "http://example.com/", "example.com", NULL, "example.com",
	 NOPORT, "/", NULL, NULL, SP},
	{"http://x.com/\xc3\xbc?\xc3\xbc#\xc3\xbc", 0, "http://x.com/%C3%BC?%C3%BC#%C3%BC", "x.com",
	 NULL, "x.com", NOPORT, "/%C3%BC?%C3%BC#%C3%BC", NULL, NULL, SP},
	/* file */
	{"file:///etc/passwd", 0, "file:///etc/passwd", "", NULL, NULL, NOPORT, "/etc/passwd", NULL,
	 NULL, SP},
	{"file://localhost/etc/x", 0, "file:///etc/x", "", NULL, NULL, NOPORT, "/etc/x", NULL, NULL,
	 SP},
	{"FILE://Server/share", 0, "file://server/share", "server", NULL, NULL, NOPORT, "/share",
	 NULL, NULL, SP},
	/* opaque schemes */
	{"javascript:alert(1)", 0, "javascript:alert(1)", NULL, NULL, NULL, NOPORT, "alert(1)",
	 NULL, NULL, SL_URL_OPAQUE},
	{" JaVa\tScRiPt:alert(1)", 0, "javascript:alert(1)", NULL, NULL, NULL, NOPORT, "alert(1)",
	 NULL, NULL, SL_URL_OPAQUE},
	{"javascript://%0aalert(1)", 0, "javascript://%0aalert(1)", NULL, NULL, NULL, NOPORT,
	 "//%0aalert(1)", NULL, NULL, SL_URL_OPAQUE},
	{"data:text/html;base64,PHNjcmlwdD4=", 0, "data:text/html;base64,PHNjcmlwdD4=", NULL, NULL,
	 NULL, NOPORT, "text/html;base64,PHNjcmlwdD4=", NULL, NULL, SL_URL_OPAQUE},
	{"DATA:text/html,<b>\x01x", 0, "data:text/html,<b>%01x", NULL, NULL, NULL, NOPORT,
	 "text/html,<b>%01x", NULL, NULL, SL_URL_OPAQUE},
	{"mailto:a@b.test", 0, "mailto:a@b.test", NULL, NULL, NULL, NOPORT, "a@b.test", NULL, NULL,
	 SL_URL_OPAQUE},
	{"tel:+123", 0, "tel:+123", NULL, NULL, NULL, NOPORT, "+123", NULL, NULL, SL_URL_OPAQUE},
	{"VBScript:msgbox", 0, "vbscript:msgbox", NULL, NULL, NULL, NOPORT, "msgbox", NULL, NULL,
	 SL_URL_OPAQUE},
	{"blob:https://evil.test/uuid", 0, "blob:https://evil.test/uuid", NULL, NULL, NULL, NOPORT,
	 "https://evil.test/uuid", NULL, "evil.test", SL_URL_OPAQUE},
	/* other non-special schemes with an authority */
	{"intent://Evil.test/#Intent;end", 0, "intent://evil.test/#Intent;end", "evil.test", NULL,
	 "evil.test", NOPORT, "/#Intent;end", NULL, NULL, 0},
	/* garbage */
	BAD(""),
	BAD(" \t\n "),
	BAD("/relative/path"),
	BAD("?q=1"),
	BAD("::::"),
	BAD("http://["),
	BAD("%%%"),
	BAD("hello world"),
};

static void expect_str(const char *what, const char *in, const char *want, const char *got)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		fail_msg("%s: %s: want \"%s\", got \"%s\"", in, what, want ? want : "(null)",
			 got ? got : "(null)");
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct sl_url_norm u;
		char *why = NULL;
		int rc = sl_url_normalize(r->in, strlen(r->in), 8192, &u, &why);
		if (rc != r->rc)
			fail_msg("%s: rc %d, want %d (%s)", r->in, rc, r->rc, why ? why : "");
		if (rc < 0) {
			assert_non_null(why);
			assert_null(u.url);
			assert_null(u.host);
			assert_null(u.scheme);
			free(why);
			continue;
		}
		assert_null(why);
		expect_str("url", r->in, r->url, u.url);
		expect_str("host", r->in, r->host, u.host);
		expect_str("host_unicode", r->in, r->host_unicode, u.host_unicode);
		expect_str("registrable", r->in, r->registrable, u.registrable);
		expect_str("path", r->in, r->path, u.path);
		expect_str("userinfo", r->in, r->userinfo, u.userinfo);
		expect_str("alt_host", r->in, r->alt_host, u.alt_host);
		if (u.port != (r->port == NOPORT ? -1 : r->port))
			fail_msg("%s: port %d, want %d", r->in, u.port, r->port);
		if (u.flags != r->flags)
			fail_msg("%s: flags 0x%x, want 0x%x", r->in, u.flags, r->flags);
		assert_non_null(u.scheme);
		assert_int_equal(strncmp(u.url, u.scheme, strlen(u.scheme)), 0);
		sl_url_norm_clear(&u);
		assert_null(u.url);
		assert_int_equal(u.port, -1);
	}
}

/* The input is length-delimited: NUL bytes are data, not terminators. */
static void test_nul_bytes(void **state)
{
	static const char in_path[] = "http://example.com/a\0b";
	static const char in_host[] = "http://exa\0mple.com/";
	static const char in_edges[] = "\0\0http://example.com/\0";
	static const char in_scheme[] = "java\0script:alert(1)";
	struct sl_url_norm u;
	char *why = NULL;
	(void)state;

	assert_int_equal(sl_url_normalize(in_path, sizeof(in_path) - 1, 100, &u, &why), 0);
	assert_string_equal(u.url, "http://example.com/a%00b");
	sl_url_norm_clear(&u);

	assert_int_equal(sl_url_normalize(in_host, sizeof(in_host) - 1, 100, &u, &why), SL_EPARSE);
	assert_non_null(why);
	free(why);

	assert_int_equal(sl_url_normalize(in_edges, sizeof(in_edges) - 1, 100, &u, &why), 0);
	assert_string_equal(u.url, "http://example.com/");
	sl_url_norm_clear(&u);

	/* "java\0script:" is not the javascript scheme, and no host either */
	assert_int_equal(sl_url_normalize(in_scheme, sizeof(in_scheme) - 1, 100, &u, &why),
			 SL_EPARSE);
	free(why);

	/* only len bytes are read */
	assert_int_equal(sl_url_normalize("http://a.test/xyz", 13, 100, &u, &why), 0);
	assert_string_equal(u.url, "http://a.test/");
	sl_url_norm_clear(&u);
}

static void test_too_big(void **state)
{
	size_t n = 10000;
	char *big = malloc(n + 1);
	struct sl_url_norm u;
	char *why = NULL;
	(void)state;

	assert_non_null(big);
	memcpy(big, "http://example.com/", 19);
	memset(big + 19, 'a', n - 19);
	big[n] = '\0';
	assert_int_equal(sl_url_normalize(big, n, 8192, &u, &why), SL_ETOOBIG);
	assert_non_null(why);
	assert_null(u.url);
	free(why);
	why = NULL;
	assert_int_equal(sl_url_normalize(big, n, n, &u, &why), 0);
	assert_int_equal(strlen(u.url), n);
	sl_url_norm_clear(&u);
	/* why may be NULL */
	assert_int_equal(sl_url_normalize(big, n, 10, &u, NULL), SL_ETOOBIG);
	assert_int_equal(sl_url_normalize("http://", 7, 10, &u, NULL), SL_EPARSE);
	free(big);
}

static void test_clear(void **state)
{
	struct sl_url_norm u;
	(void)state;
	assert_int_equal(sl_url_normalize("https://u@x.example.org:8443/p", 30, 100, &u, NULL), 0);
	assert_string_equal(u.url, "https://x.example.org:8443/p");
	assert_string_equal(u.scheme, "https");
	sl_url_norm_clear(&u);
	sl_url_norm_clear(&u); /* twice is harmless */
	sl_url_norm_clear(NULL);
	assert_null(u.host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
