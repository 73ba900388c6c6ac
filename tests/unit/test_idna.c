/*
 * test_idna - idna.c: the browser settings of UTS #46 (non-transitional,
 * CheckHyphens off, CheckBidi and CheckJoiners on, STD3 rules off, no DNS
 * lengths), no transitional fallback, the other readings of a name, the
 * lenient mapping, and the same answers from several threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "idna.h"
#include "util.h"

struct row {
	const char *in;
	const char *out; /* NULL: must fail */
	unsigned errors; /* SL_IDNA_* class when it fails */
};

static const struct row rows[] = {
    {"b\xc3\xbc"
     "cher.de",
     "xn--bcher-kva.de", 0},
    {"B\xc3\x9c"
     "CHER.DE",
     "xn--bcher-kva.de", 0},
    /* deviation characters are kept (non-transitional) */
    {"fa\xc3\x9f.de", "xn--fa-hia.de", 0},
    {"\xe2\x99\xa5.fa\xc3\x9f.de", "xn--g6h.xn--fa-hia.de", 0},
    {"\xe2\x99\xa5.paypa\xcf\x82.com", "xn--g6h.xn--paypa-ede.com", 0},
    {"\xf0\x9f\x92\xa9.la", "xn--ls8h.la", 0},
    /* mapped or dropped */
    {"ex\xc2\xad"
     "ample.com",
     "example.com", 0},
    {"example\xe2\x80\x8b.com", "example.com", 0},
    {"example\xef\xbc\x8e"
     "com",
     "example.com", 0},
    {"example\xe3\x80\x82"
     "com",
     "example.com", 0},
    {"\xef\xbd\x85\xef\xbd\x98.com", "ex.com", 0},
    /* CheckHyphens off, no DNS lengths, STD3 off (the URL parser checks those bytes) */
    {"-x-.com", "-x-.com", 0},
    {"ab--c.com", "ab--c.com", 0},
    {"-\xe2\x99\xa5.com", "xn----n3p.com", 0},
    {"a..b", "a..b", 0},
    {".", ".", 0},
    {"x.com.", "x.com.", 0},
    {"a_b<c>.com", "a_b<c>.com", 0},
    {"\xc2\xad", "", 0},
    {"xn--zca.de", "xn--zca.de", 0},
    {"XN--ZCA.de", "xn--zca.de", 0},
    /* failures: no fallback */
    {"a\xe2\x80\x8d"
     "b.com",
     NULL, SL_IDNA_JOINER},
    {"a\xe2\x80\x8c"
     "b.com",
     NULL, SL_IDNA_JOINER},
    {"1a.\xd7\x90", NULL, SL_IDNA_BIDI},
    {"xn--a.com", NULL, SL_IDNA_PUNYCODE},
    {"xn--ab-.com", NULL, SL_IDNA_PUNYCODE},
    {"xn--1ug.example", NULL, SL_IDNA_JOINER},
    {"\xcc\x81"
     "a.com",
     NULL, SL_IDNA_MARK},
    {"a\xe1\xa0\x8e"
     "b.com",
     NULL, SL_IDNA_DISALLOWED},
    {"a\xff.com", NULL, SL_IDNA_DISALLOWED},
};

static void test_to_ascii(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = NULL;
		const char *why = NULL;
		unsigned e = 0;
		int rc = sl_idna_to_ascii(rows[i].in, strlen(rows[i].in), &out, &e, &why);
		if (rows[i].out == NULL) {
			if (rc != SL_EPARSE || out != NULL || why == NULL || e != rows[i].errors)
				fail_msg("%s: rc %d, out %s, errors 0x%x, want failure 0x%x",
					 rows[i].in, rc, out ? out : "(null)", e, rows[i].errors);
			/* the reason names its class again (url_probe sorts failures so) */
			assert_int_equal(sl_idna_error_class(why), rows[i].errors);
			continue;
		}
		if (rc != SL_OK || strcmp(out, rows[i].out) != 0)
			fail_msg("%s: rc %d (%s), out \"%s\", want \"%s\"", rows[i].in, rc,
				 why ? why : "", out ? out : "(null)", rows[i].out);
		free(out);
	}
}

/* NUL bytes are data: a name holding one never maps to a shorter one. */
static void test_nul(void **state)
{
	char *out = NULL;
	(void)state;
	assert_int_equal(sl_idna_error_class("not a reason of idna.c"), 0);
	assert_int_equal(sl_idna_error_class(NULL), 0);
	assert_int_equal(sl_idna_to_ascii("a\0b\xc3\xbc", 5, &out, NULL, NULL), SL_EPARSE);
	assert_null(out);
}

static void test_to_unicode(void **state)
{
	char *u;
	(void)state;
	u = sl_idna_to_unicode("xn--g6h.xn--fa-hia.de");
	assert_string_equal(u, "\xe2\x99\xa5.fa\xc3\x9f.de");
	free(u);
	u = sl_idna_to_unicode("Example.COM");
	assert_string_equal(u, "example.com");
	free(u);
	assert_null(sl_idna_to_unicode("xn--a.com"));
	assert_null(sl_idna_to_unicode("xn--ab-.com"));
}

/* The other readings: transitional (older programs) and ẞ both ways. */
static void test_alternatives(void **state)
{
	char *alts[3];
	size_t k;
#define ALTS(in, host, max) sl_idna_alternatives(in, strlen(in), host, alts, max)
	(void)state;

	k = ALTS("fa\xc3\x9f.de", "xn--fa-hia.de", 3);
	assert_int_equal(k, 1);
	assert_string_equal(alts[0], "fass.de");
	free(alts[0]);

	k = ALTS("paypa\xcf\x82.com", "xn--paypa-ede.com", 3);
	assert_int_equal(k, 1);
	assert_string_equal(alts[0], "xn--paypa-kde.com");
	free(alts[0]);

	/* a joiner CheckJoiners refuses: older programs drop it */
	k = ALTS("a\xe2\x80\x8d"
		 "b.com",
		 "", 3);
	assert_int_equal(k, 1);
	assert_string_equal(alts[0], "ab.com");
	free(alts[0]);

	/* ẞ: whichever reading is the host, the other one is an alternative */
	{
		char *host = NULL;
		assert_int_equal(sl_idna_to_ascii("fa\xe1\xba\x9e.de", 8, &host, NULL, NULL),
				 SL_OK);
		k = ALTS("fa\xe1\xba\x9e.de", host, 3);
		assert_int_equal(k, 1);
		if (strcmp(host, "fass.de") == 0)
			assert_string_equal(alts[0], "xn--fa-hia.de");
		else
			assert_string_equal(alts[0], "fass.de");
		free(alts[0]);
		free(host);
	}

	/* nothing to say about other names, and max is kept */
	assert_int_equal(ALTS("b\xc3\xbc"
			      "cher.de",
			      "xn--bcher-kva.de", 3),
			 0);
	assert_int_equal(ALTS("fa\xc3\x9f.de", "xn--fa-hia.de", 0), 0);
#undef ALTS
}

static void test_lenient(void **state)
{
	char *s;
#define LENIENT(in, tr) sl_idna_lenient(in, strlen(in), tr)
	(void)state;
	s = LENIENT("a\xe2\x80\x8d"
		    "b.Evil\xef\xbc\x8etest",
		    0);
	assert_string_equal(s, "xn--ab-m1t.evil.test");
	free(s);
	s = LENIENT("a\xe2\x80\x8d"
		    "b.Evil\xef\xbc\x8etest",
		    1);
	assert_string_equal(s, "ab.evil.test");
	free(s);
	/* a label that maps with a severe error is kept as written */
	s = LENIENT("a\xe1\xa0\x8e"
		    "b.EVIL\xe3\x80\x82test",
		    0);
	assert_string_equal(s, "a\xe1\xa0\x8e"
			       "b.evil.test");
	free(s);
	s = sl_idna_lenient("", 0, 0);
	assert_string_equal(s, "");
	free(s);
#undef LENIENT
}

static void test_version(void **state)
{
	const char *v = sl_idna_unicode_version();
	(void)state;
	assert_non_null(v);
	assert_true(v[0] >= '1' && v[0] <= '9');
	assert_non_null(strchr(v, '.'));
}

static gpointer thread_main(gpointer p)
{
	(void)p;
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			char *out = NULL;
			int rc = sl_idna_to_ascii(rows[i].in, strlen(rows[i].in), &out, NULL, NULL);
			int ok = rows[i].out == NULL ? rc == SL_EPARSE
						     : rc == SL_OK && strcmp(out, rows[i].out) == 0;
			free(out);
			if (!ok)
				return GINT_TO_POINTER(1);
		}
	}
	return GINT_TO_POINTER(0);
}

/* The ICU objects are opened once, by whichever thread comes first. */
static void test_threads(void **state)
{
	GThread *t[4];
	(void)state;
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("idna", thread_main, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(GPOINTER_TO_INT(g_thread_join(t[i])), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads),      cmocka_unit_test(test_to_ascii),
	    cmocka_unit_test(test_nul),          cmocka_unit_test(test_to_unicode),
	    cmocka_unit_test(test_alternatives), cmocka_unit_test(test_lenient),
	    cmocka_unit_test(test_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
