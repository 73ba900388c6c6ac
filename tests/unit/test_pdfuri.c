/*
 * test_pdfuri - URI actions read from a PDF's bytes: literal strings with
 * escapes, hex strings, UTF-16BE with a byte-order mark, the byte range of
 * each string, an unterminated literal, and stopping on the callback's word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdfuri.h"
#include "util.h"

struct found {
	char *url[8];
	size_t start[8], srclen[8];
	int n, stop_after;
};

static int collect(void *ctx, const char *url, size_t len, size_t start, size_t srclen)
{
	struct found *f = ctx;
	if (f->n < 8) {
		f->url[f->n] = sl_xstrndup(url, len);
		f->start[f->n] = start;
		f->srclen[f->n] = srclen;
	}
	f->n++;
	return f->stop_after > 0 && f->n >= f->stop_after;
}

static void clear(struct found *f)
{
	int i;
	for (i = 0; i < f->n && i < 8; i++)
		free(f->url[i]);
}

static void test_literal_and_hex(void **state)
{
	const char pdf[] = "%PDF-1.4\n1 0 obj << /S /URI /URI (http://a.test/x\\(1\\)\\\\y) >>\n"
			   "2 0 obj << /URI <687474703A2F2F622E746573742F> >>\n"
			   "3 0 obj << /URI (\\150ttp://c.test/) >>\n";
	struct found f = { 0 };
	sl_pdf_uris((const unsigned char *)pdf, sizeof(pdf) - 1, collect, &f);
	assert_int_equal(f.n, 3);
	assert_string_equal(f.url[0], "http://a.test/x(1)\\y");
	assert_int_equal(pdf[f.start[0]], '(');
	assert_int_equal(pdf[f.start[0] + f.srclen[0] - 1], ')');
	assert_string_equal(f.url[1], "http://b.test/");
	assert_int_equal(pdf[f.start[1]], '<');
	assert_string_equal(f.url[2], "http://c.test/"); /* octal escape */
	clear(&f);
}

static void test_utf16_hex(void **state)
{
	/* FEFF then "http://d.test/" in UTF-16BE */
	const char *ascii = "http://d.test/";
	char pdf[256];
	size_t i, n;
	struct found f = { 0 };
	n = (size_t)snprintf(pdf, sizeof(pdf), "/URI <FEFF");
	for (i = 0; ascii[i]; i++)
		n += (size_t)snprintf(pdf + n, sizeof(pdf) - n, "00%02X", (unsigned char)ascii[i]);
	n += (size_t)snprintf(pdf + n, sizeof(pdf) - n, ">");
	sl_pdf_uris((const unsigned char *)pdf, n, collect, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.url[0], "http://d.test/");
	clear(&f);
}

static void test_unterminated_and_stop(void **state)
{
	const char bad[] = "/URI (http://e.test/ never closed /URI (http://f.test/)";
	const char many[] = "/URI (http://1.test/) /URI (http://2.test/) /URI (http://3.test/)";
	struct found f = { 0 }, g = { .stop_after = 2 };
	sl_pdf_uris((const unsigned char *)bad, sizeof(bad) - 1, collect, &f);
	assert_true(f.n <= 1); /* the rest is inside the open literal: bounded, no crash */
	clear(&f);
	sl_pdf_uris((const unsigned char *)many, sizeof(many) - 1, collect, &g);
	assert_int_equal(g.n, 2);
	clear(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_hex),
		cmocka_unit_test(test_utf16_hex),
		cmocka_unit_test(test_unterminated_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
