/*
 * test_escape - the one escaping helper for sender-controlled strings and the
 * text defanger: control, invisible and bidi characters made visible,
 * invalid UTF-8 replaced, '<' '>' "--" "=?" neutralised, the length cap on a
 * character boundary, ASCII mode; hosts, URLs, addresses and UNC paths
 * defanged in free text while ordinary words, versions and times stay; and,
 * over random strings, the properties the rewriter relies on: one line,
 * valid UTF-8, no boundary or markup or encoded word, nothing a linkifier
 * would take, within the cap, and escaping twice changes nothing.
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

#include "escape.h"
#include "util.h"

static void expect_escape(const char *in, const char *want)
{
	char *got = sl_escape_text(in, 0);
	if (strcmp(got, want) != 0)
		fail_msg("escape(\"%s\") = \"%s\", expected \"%s\"", in, got, want);
	free(got);
}

static void expect_defang(const char *in, const char *want)
{
	char *got = sl_defang_text(in);
	if (strcmp(got, want) != 0)
		fail_msg("defang_text(\"%s\") = \"%s\", expected \"%s\"", in, got, want);
	free(got);
}

static void test_hidden_characters(void **state)
{
	char *got;
	(void)state;
	/* Line breaks, tabs, DEL, C1: visible, one line. */
	expect_escape("a\r\nb\tc\x7f" "d\xc2\x85" "e", "a[U+000D][U+000A]b[U+0009]c[U+007F]d[U+0085]e");
	/* Bidi override, zero-width space, soft hyphen, word joiner, BOM, line separator. */
	expect_escape("invoice\xe2\x80\xae" "fdp" "\xe2\x80\x8b" "x\xc2\xad" "y\xe2\x81\xa0" "z\xef\xbb\xbf" "w\xe2\x80\xa8" "v",
		      "invoice[U+202E]fdp[U+200B]x[U+00AD]y[U+2060]z[U+FEFF]w[U+2028]v");
	/* Hangul filler and a variation selector render as nothing. */
	expect_escape("a\xe3\x85\xa4" "b\xef\xb8\x8f" "c", "a[U+3164]b[U+FE0F]c");
	/* A NUL byte inside the string. */
	got = sl_escape_text_len("a\0b", 3, 0, 0);
	assert_string_equal(got, "a[U+0000]b");
	free(got);
	/* Leading and trailing blanks and line ends go. */
	expect_escape("  \r\nname.pdf\n", "name[.]pdf");
	/* Ordinary text in any script stays. */
	expect_escape("Rechnung März – Größe", "Rechnung März – Größe");
	expect_escape("注文番号 2024-118", "注文番号 2024-118");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect_escape("a\xff" "b\xc3", "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	/* Overlong '/' and a UTF-16 surrogate encoded in UTF-8. */
	expect_escape("\xc0\xaf" "x\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd" "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_markup_boundaries_encoded_words(void **state)
{
	(void)state;
	expect_escape("<a href=\"x\">Click</a>", "\xe2\x80\xb9" "a href=\"x\"\xe2\x80\xba" "Click\xe2\x80\xb9/a\xe2\x80\xba");
	/* No "--" anywhere: a boundary cannot start wherever a line breaks. */
	expect_escape("x--BOUND--", "x-\xe2\x80\x90" "BOUND-\xe2\x80\x90");
	expect_escape("a---b", "a-\xe2\x80\x90-b");
	expect_escape("a - b", "a - b");
	/* No encoded word for a mail client to decode. */
	expect_escape("=?utf-8?b?PHNjcmlwdD4=?=", "=[?]utf-8?b?PHNjcmlwdD4=[?]=");
}

static void test_ascii_mode(void **state)
{
	char *got;
	(void)state;
	got = sl_escape_text_len("Gr\xc3\xbc\xc3\x9f" "e <b>--x", strlen("Gr\xc3\xbc\xc3\x9f" "e <b>--x"), 0, SL_ESCAPE_ASCII);
	assert_string_equal(got, "Gr[U+00FC][U+00DF]e [<]b[>]-[-]x");
	free(got);
}

static void test_cap(void **state)
{
	char *got;
	size_t i;
	GString *s = g_string_new(NULL);
	(void)state;

	for (i = 0; i < 100; i++)
		g_string_append(s, "\xc3\xa9"); /* é: two bytes */
	got = sl_escape_text(s->str, 21);
	assert_true(strlen(got) <= 21);
	assert_true(g_str_has_suffix(got, "..."));
	assert_true(g_utf8_validate(got, -1, NULL));
	assert_int_equal(strlen(got), 18 + 3);
	free(got);
	/* Under the cap: no marker. */
	got = sl_escape_text("short", 21);
	assert_string_equal(got, "short");
	free(got);
	/* The cap counts what is written, escapes included. */
	got = sl_escape_text("\n\n\nabc\n\n\n\n\n", 12);
	assert_true(strlen(got) <= 12);
	free(got);
	g_string_free(s, TRUE);
}

static void test_defang_hosts_and_urls(void **state)
{
	(void)state;
	expect_defang("the destination phishing.test is on the blocklist (blocklist.txt:phishing.test): "
		      "https://phishing.test/login",
		      "the destination phishing[.]test is on the blocklist (blocklist[.]txt[:]phishing[.]test): "
		      "hxxps[:]//phishing[.]test/login");
	expect_defang("see www.evil.test or evil.test/login", "see www[.]evil[.]test or evil[.]test/login");
	/* A port's colon looks like a scheme's to a reader of text: "[:]" too. */
	expect_defang("HTTP://A.Evil.Test:8080/x.y?u=http://b.test", "hxxp[:]//A[.]Evil[.]Test[:]8080/x[.]y?u=hxxp[:]//b[.]test");
	expect_defang("ftp://files.evil.test/a", "fxp[:]//files[.]evil[.]test/a");
	/* A scheme-less "://" and the backslash form. */
	expect_defang("x ://evil.test/ http:\\\\evil.test\\", "x [:]//evil[.]test/ hxxp[:][\\]\\evil[.]test\\");
	/* Addresses: dotted quads, and a host after '@'. */
	expect_defang("from 192.0.2.66 to user@evil.test", "from 192[.]0[.]2[.]66 to user@evil[.]test");
	expect_defang("www.x 1.192.0.2.1", "www[.]x 1[.]192[.]0[.]2[.]1");
	/* Every scheme's colon: handlers a client may open. */
	expect_defang("mailto:x@evil.test ms-msdt:/id javascript:alert(1)",
		      "mailto[:]x@evil[.]test ms-msdt[:]/id javascript[:]alert(1)");
	/* UNC paths. */
	expect_defang("open \\\\evil.test\\share", "open [\\]\\evil[.]test\\share");
	/* Dots that IDNA maps: full-width, ideographic; IDN and A-label TLDs. */
	expect_defang("\xef\xbd\x85vil\xef\xbc\x8etest evil\xe3\x80\x82test", "\xef\xbd\x85vil[.]test evil[.]test");
	expect_defang("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84 xn--pypal-4ve.xn--p1ai",
		      "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80[.]\xd1\x80\xd1\x84 xn--pypal-4ve[.]xn--p1ai");
	/* File names are host-like when their extension could be a TLD. */
	expect_defang("report.zip invoice.pdf.exe", "report[.]zip invoice[.]pdf[.]exe");
	/* A label that only starts like a TLD, or one that is not the last. */
	expect_defang("evil.test1 evil.test.1 evil.test-x", "evil[.]test1 evil[.]test[.]1 evil[.]test-x");
	/* A sentence's full stop stays. */
	expect_defang("Go to evil.test.", "Go to evil[.]test.");
}

static void test_defang_leaves_words(void **state)
{
	(void)state;
	expect_defang("Reference: SL-0123456789abcdef/2 (a supervisor can look it up).",
		      "Reference: SL-0123456789abcdef/2 (a supervisor can look it up).");
	expect_defang("PDF document, version 1.4, v2.0, at 10:30, e.g. this", "PDF document, version 1.4, v2.0, at 10:30, e.g. this");
	expect_defang("Re: hello, C:\\temp", "Re: hello, C:\\temp");
	expect_defang("", "");
}

/* ---- properties over random strings ----------------------------------- */

/* A deliberately simple linkifier, independent of escape.c: a "://", a
 * "www." and a word character at a word start, a dot between a word character and two letters,
 * or a dotted quad are links. */
static const char *linkable(const char *s)
{
	size_t i, n = strlen(s);
	for (i = 0; i < n; i++) {
		if (strncmp(s + i, "://", 3) == 0)
			return s + i;
		if (g_ascii_strncasecmp(s + i, "www.", 4) == 0 && (i == 0 || !g_ascii_isalnum(s[i - 1])) &&
		    i + 4 < n && g_ascii_isalnum(s[i + 4]))
			return s + i;
		if (s[i] == '.' && i > 0 && (g_ascii_isalnum(s[i - 1]) || s[i - 1] == '-' || s[i - 1] == '_') &&
		    i + 2 < n && g_ascii_isalpha(s[i + 1]) && g_ascii_isalpha(s[i + 2]))
			return s + i;
	}
	for (i = 0; i < n; i++) {
		/* digits '.' digits '.' digits '.' digits */
		size_t j = i;
		int groups = 0;
		if (i > 0 && (g_ascii_isdigit(s[i - 1]) || s[i - 1] == '.'))
			continue;
		while (groups < 4 && j < n && g_ascii_isdigit(s[j])) {
			while (j < n && g_ascii_isdigit(s[j]))
				j++;
			groups++;
			if (groups < 4 && j < n && s[j] == '.')
				j++;
			else
				break;
		}
		if (groups == 4)
			return s + i;
	}
	return NULL;
}

static void check_escaped(const char *in, size_t inlen, const char *out, size_t max)
{
	const unsigned char *p;
	const char *l;
	if (!g_utf8_validate(out, -1, NULL))
		fail_msg("not UTF-8: %s", out);
	for (p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			fail_msg("byte 0x%02x in \"%s\"", *p, out);
	if (strstr(out, "--") != NULL || strstr(out, "=?") != NULL)
		fail_msg("\"--\" or \"=?\" in \"%s\"", out);
	if (strstr(out, "\xc2\x85") != NULL || strstr(out, "\xe2\x80\xa8") != NULL || strstr(out, "\xe2\x80\xae") != NULL)
		fail_msg("a line separator or bidi control in \"%s\"", out);
	if (max > 0 && strlen(out) > max)
		fail_msg("%zu bytes, cap %zu: \"%s\"", strlen(out), max, out);
	l = linkable(out);
	if (l != NULL)
		fail_msg("linkable at \"%s\" in \"%s\" (from %zu bytes)", l, out, inlen);
}

static void test_random_properties(void **state)
{
	static const char *const pieces[] = {
		"http", "https", "://", "www", ".", ".", ".", "test", "evil", "ab", "x", "-", "--", "=", "?", "<",
		">", "@", ":", "\\\\", "\r\n", "\n", "\t", " ", "\xe2\x80\xae", "\xc2\xad", "\xe2\x80\x8b", "\xef\xbc\x8e",
		"\xe3\x80\x82", "\xff", "\xc3", "\xc3\xa9", "192", "0", "1", "ftp", "mailto", "/", "\0", "[", "]",
	};
	GRand *r = g_rand_new_with_seed(20240304);
	int iter;
	(void)state;

	for (iter = 0; iter < 20000; iter++) {
		char buf[256];
		size_t len = 0, max = (size_t)g_rand_int_range(r, 0, 3) == 0 ? 0 : (size_t)g_rand_int_range(r, 4, 120);
		int k, np = g_rand_int_range(r, 1, 24);
		char *once, *twice;
		for (k = 0; k < np; k++) {
			const char *pc = pieces[g_rand_int_range(r, 0, (gint32)(sizeof(pieces) / sizeof(pieces[0])))];
			size_t pl = *pc ? strlen(pc) : 1;
			if (len + pl >= sizeof(buf))
				break;
			memcpy(buf + len, pc, pl);
			len += pl;
		}
		once = sl_escape_text_len(buf, len, max, 0);
		check_escaped(buf, len, once, max);
		if (max == 0) {
			/* Escaping escaped text changes nothing. */
			twice = sl_escape_text(once, 0);
			if (strcmp(once, twice) != 0)
				fail_msg("not idempotent: \"%s\" -> \"%s\"", once, twice);
			free(twice);
		}
		free(once);
	}
	g_rand_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hidden_characters),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_markup_boundaries_encoded_words),
		cmocka_unit_test(test_ascii_mode),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_defang_hosts_and_urls),
		cmocka_unit_test(test_defang_leaves_words),
		cmocka_unit_test(test_random_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
