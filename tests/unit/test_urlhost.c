/*
 * test_urlhost - the WHATWG host parser of urlhost.c on its own (domains,
 * IPv4 in every notation, IPv6 and its serialisation, flags, the IDNA error
 * class of a refused name) and the lenient reading of links that do not
 * parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idna.h"
#include "urlhost.h"
#include "urlnorm.h"
#include "util.h"

#define IP SL_URL_IP
#define OBF (SL_URL_IP | SL_URL_IP_OBFUSCATED)

static const struct {
	const char *raw;
	const char *host; /* NULL: must fail */
	unsigned flags;
} rows[] = {
    {"Example.COM", "example.com", 0},
    {"example.com.", "example.com", SL_URL_TRAILING_DOT},
    {".", ".", 0},
    {"..", "..", 0},
    {"foo.09..", "foo.09", SL_URL_TRAILING_DOT},
    {"foo.09", NULL, 0},
    {"%65xample.com", "example.com", SL_URL_PERCENT_HOST},
    {"a%2Eb.test", "a.b.test", SL_URL_PERCENT_HOST},
    {"a%25b.test", NULL, 0},
    {"a%00b.test", NULL, 0},
    {"", NULL, 0},
    {"%C2%AD", NULL, 0},
    /* IPv4: every notation the URL Standard reads */
    {"192.0.2.1", "192.0.2.1", IP},
    {"192.0.2.1.", "192.0.2.1", IP | SL_URL_TRAILING_DOT},
    {"3221225985", "192.0.2.1", OBF},
    {"0xC0000201", "192.0.2.1", OBF},
    {"0300.0.02.01", "192.0.2.1", OBF},
    {"0xc0.0.0x2.1", "192.0.2.1", OBF},
    {"192.0.513", "192.0.2.1", OBF},
    {"192.513", "192.0.2.1", OBF},
    {"0x", "0.0.0.0", OBF},
    {"0x.0x.0x", "0.0.0.0", OBF},
    {"1.2.3.4..", "1.2.3.4", OBF | SL_URL_TRAILING_DOT},
    {"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.1", "127.0.0.1", OBF},
    {"4294967296", NULL, 0},
    {"1.2.3.256", NULL, 0},
    {"1.2.3.4.5", NULL, 0},
    {"08.1.1.1", NULL, 0},
    {"a.b.c.0x", NULL, 0},
    {"0x1g.test", "0x1g.test", 0},
    /* IPv6: parsed and serialised as the URL Standard does */
    {"[::1]", "[::1]", IP},
    {"[0:0:0:0:0:0:0:1]", "[::1]", IP},
    {"[2001:DB8::0:1]", "[2001:db8::1]", IP},
    {"[1:0:0:2:0:0:0:3]", "[1:0:0:2::3]", IP},
    {"[1:0:0:0:2:0:0:3]", "[1::2:0:0:3]", IP},
    {"[::ffff:192.0.2.1]", "[::ffff:c000:201]", IP},
    {"[::192.0.2.1]", "[::c000:201]", IP},
    {"[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7:8]", IP},
    {"[::]", "[::]", IP},
    {"[::1", NULL, 0},
    {"[:1]", NULL, 0},
    {"[1:2:3:4:5:6:7:8:9]", NULL, 0},
    {"[1::2::3]", NULL, 0},
    {"[::1.2.3.04]", NULL, 0},
    {"[::1.2.3.256]", NULL, 0},
    {"[1:2:3:4:5:6:7:1.2.3.4]", NULL, 0},
    {"[12345::]", NULL, 0},
    {"[::1%25eth0]", NULL, 0},
    /* names */
    {"b\xc3\xbc"
     "cher.de",
     "xn--bcher-kva.de", SL_URL_IDN},
    {"xn--bcher-kva.de", "xn--bcher-kva.de", SL_URL_IDN},
    {"a<b.test", NULL, 0},
    {"a b.test", NULL, 0},
    {"a\xef\xbc\x8f"
     "b.test",
     NULL, 0}, /* full-width solidus maps to '/' */
    {"-x-.test", "-x-.test", 0},
    {"a_b.test", "a_b.test", 0},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sl_url_host h;
		char *why = NULL;
		int rc = sl_url_host_parse(rows[i].raw, strlen(rows[i].raw), &h, &why);
		if (rows[i].host == NULL) {
			if (rc != SL_EPARSE || h.host != NULL || why == NULL)
				fail_msg("%s: rc %d, host %s; want a failure", rows[i].raw, rc,
					 h.host ? h.host : "(null)");
			free(why);
			continue;
		}
		if (rc != SL_OK || strcmp(h.host, rows[i].host) != 0 || h.flags != rows[i].flags)
			fail_msg("%s: rc %d (%s), host %s flags 0x%x; want %s 0x%x", rows[i].raw,
				 rc, why ? why : "", h.host ? h.host : "(null)", h.flags,
				 rows[i].host, rows[i].flags);
		sl_url_host_clear(&h);
		assert_null(h.host);
	}
}

/* A refused name says which IDNA rule refused it; why may be NULL. */
static void test_idna_errors(void **state)
{
	struct sl_url_host h;
	(void)state;
	assert_int_equal(sl_url_host_parse("1a.\xd7\x90", 5, &h, NULL), SL_EPARSE);
	assert_int_equal(h.idna_errors, SL_IDNA_BIDI);
	assert_int_equal(sl_url_host_parse("a\xe2\x80\x8d"
					   "b",
					   5, &h, NULL),
			 SL_EPARSE);
	assert_int_equal(h.idna_errors, SL_IDNA_JOINER);
	assert_int_equal(sl_url_host_parse("xn--ab-", 7, &h, NULL), SL_EPARSE);
	assert_int_equal(h.idna_errors, SL_IDNA_PUNYCODE);
	assert_int_equal(sl_url_host_parse("a<b", 3, &h, NULL), SL_EPARSE);
	assert_int_equal(h.idna_errors, 0);
}

/* IDN names carry their Unicode form and the other readings of them. */
static void test_unicode_and_alternatives(void **state)
{
	struct sl_url_host h;
	(void)state;
	assert_int_equal(sl_url_host_parse("FA%C3%9F.de.", 12, &h, NULL), SL_OK);
	assert_string_equal(h.host, "xn--fa-hia.de");
	assert_string_equal(h.unicode, "fa\xc3\x9f.de");
	assert_int_equal(h.nalt, 1);
	assert_string_equal(h.alt[0], "fass.de");
	assert_int_equal(h.flags, SL_URL_IDN | SL_URL_PERCENT_HOST | SL_URL_TRAILING_DOT);
	sl_url_host_clear(&h);
}

/* The hosts a link nothing parses may name (urlhost's lenient reading). */
static void test_lenient_hosts(void **state)
{
	static const struct {
		const char *in;
		const char *hosts; /* in order, space-separated */
	} lenient[] = {
	    {"https://evil.test:99999/login", "evil.test"},
	    {"wss://user@Evil.Test:bad/x", "user evil.test"},
	    {"http://a\xe2\x80\x8d"
	     "b.evil.test/",
	     "xn--ab-m1t.evil.test ab.evil.test"},
	    {"http://xn--ab-.evil.test./x", "xn--ab-.evil.test"},
	    {"http://evil\xef\xbc\x8etest\xe3\x80\x82:1/", "evil.test"},
	    {"http://%65vil.test%00/", "evil.test"},
	    {"ftp:\\\\evil.test@SSL\\x", "evil.test ssl"},
	    {"www.evil.test:x/y", "www.evil.test"},
	    {"http://[1:2:3/", "[1:2:3"},
	    {"http://[1::2]:99999/", "[1::2]"},
	    {"no host here", ""},
	    {"mailto:a@b.test", ""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(lenient) / sizeof(lenient[0]); i++) {
		char *h[6], got[512] = "";
		size_t k = sl_url_lenient_hosts(lenient[i].in, strlen(lenient[i].in), h, 6);
		for (size_t j = 0; j < k; j++) {
			if (j > 0)
				strcat(got, " ");
			strncat(got, h[j], sizeof(got) - strlen(got) - 2);
			free(h[j]);
		}
		if (strcmp(got, lenient[i].hosts) != 0)
			fail_msg("%s: lenient hosts \"%s\", want \"%s\"", lenient[i].in, got,
				 lenient[i].hosts);
	}
}

/* Percent-decoding keeps NUL bytes and says whether anything was encoded. */
static void test_pct_decode(void **state)
{
	size_t n;
	int changed;
	char *s;
	(void)state;
	s = sl_url_pct_decode("a%41%00%zz%4", 12, &n, &changed);
	assert_int_equal(n, 8);
	assert_memory_equal(s, "aA\0%zz%4", 8);
	assert_true(changed);
	free(s);
	s = sl_url_pct_decode("plain", 5, &n, &changed);
	assert_false(changed);
	assert_string_equal(s, "plain");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_idna_errors),
	    cmocka_unit_test(test_unicode_and_alternatives),
	    cmocka_unit_test(test_lenient_hosts),
	    cmocka_unit_test(test_pct_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
