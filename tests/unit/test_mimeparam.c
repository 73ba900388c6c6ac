/*
 * test_mimeparam - header values read as the permissive readers read them:
 * transfer encodings that are almost a token, every reading of a file name
 * (RFC 2231 with a broken prefix, continuations, comments, a missing
 * semicolon, encoded words, 8-bit bytes) and of a boundary, the media type
 * before the parameters, and lenient RFC 2047 decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mimeparam.h"
#include "util.h"

#define MAXR 16

struct r {
	char *v[MAXR];
	size_t n;
};

static void readings(struct r *r, const char *value, const char *param)
{
	r->n = sl_mimeparam_readings(value, param, r->v, MAXR);
}

static void clear(struct r *r)
{
	while (r->n > 0)
		free(r->v[--r->n]);
}

static int has(const struct r *r, const char *want)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i], want) == 0)
			return 1;
	return 0;
}

static void expect_reading(const char *value, const char *param, const char *want)
{
	struct r r;
	size_t i;
	readings(&r, value, param);
	if (!has(&r, want)) {
		for (i = 0; i < r.n; i++)
			fprintf(stderr, "  reading %zu: [%s]\n", i, r.v[i]);
		fail_msg("%s in [%s]: no reading [%s]", param, value, want);
	}
	clear(&r);
}

static void test_cte(void **state)
{
	static const struct {
		const char *value;
		enum sl_cte want;
	} cases[] = {
		{ "base64", SL_CTE_BASE64 },
		{ " BASE64 ", SL_CTE_BASE64 },
		{ "base64;", SL_CTE_BASE64 },
		{ "base64(c)", SL_CTE_BASE64 },
		{ "base64; x=y", SL_CTE_BASE64 },
		{ "x-base64", SL_CTE_BASE64 },
		{ "\"base64\"", SL_CTE_BASE64 },
		{ "(comment) base64", SL_CTE_BASE64 },
		{ "=?us-ascii?q?base64?=", SL_CTE_BASE64 },
		{ "quoted-printable", SL_CTE_QP },
		{ "Quoted-Printable;", SL_CTE_QP },
		{ "uuencode", SL_CTE_UUENCODE },
		{ "x-uuencode", SL_CTE_UUENCODE },
		{ "uue", SL_CTE_UUENCODE },
		{ "x-uue", SL_CTE_UUENCODE },
		{ "7bit", SL_CTE_IDENTITY },
		{ "8bit", SL_CTE_IDENTITY },
		{ "binary", SL_CTE_IDENTITY },
		{ ".base64", SL_CTE_BASE64 },		 /* ripmime: "base64" anywhere */
		{ "7bit base64", SL_CTE_BASE64 },
		{ "\fbase64", SL_CTE_BASE64 },
		{ "7bit (base64)", SL_CTE_BASE64 },
		{ "ba(x)se64", SL_CTE_BASE64 },
		{ "quoted-printable-base64", SL_CTE_BASE64 }, /* base64 first, as ripmime */
		{ "base-64", SL_CTE_IDENTITY },
		{ "", SL_CTE_IDENTITY },
		{ NULL, SL_CTE_IDENTITY },
	};
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (sl_mimeparam_cte(cases[i].value) != cases[i].want)
			fail_msg("CTE [%s]: %d, expected %d", cases[i].value ? cases[i].value : "NULL",
				 sl_mimeparam_cte(cases[i].value), cases[i].want);
	assert_string_equal(sl_mimeparam_cte_name(SL_CTE_BASE64), "base64");
	assert_string_equal(sl_mimeparam_cte_name(SL_CTE_QP), "quoted-printable");
	assert_string_equal(sl_mimeparam_cte_name(SL_CTE_UUENCODE), "uuencode");
	assert_null(sl_mimeparam_cte_name(SL_CTE_IDENTITY));
}

static void test_names(void **state)
{
	/* plain, quoted, RFC 2231 good and broken */
	expect_reading("attachment; filename=\"invoice.pdf\"", "filename", "invoice.pdf");
	expect_reading("attachment; filename*=UTF-8'invoice.js", "filename", "invoice.js");
	/* Punctuation between the name and its section: ripmime joins it. */
	expect_reading("attachment; filename*0*=UTF-8''invoice; filename/*1=.js", "filename", "invoice.js");
	expect_reading("attachment; filename.=a.js", "filename", "a.js");
	expect_reading("attachment; filename*=UTF-8'invoice.js", "filename", "UTF-8'invoice.js");
	expect_reading("attachment; filename*=''invoice.js", "filename", "invoice.js");
	expect_reading("attachment; filename*=UTF-8''invoice%2Ejs", "filename", "invoice.js");
	expect_reading("attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.txt", "filename", "R\xc3\xa9sum\xc3\xa9.txt");
	/* comments kept and dropped, blanks */
	expect_reading("attachment; filename=\"invoice.js (.txt)\"", "filename", "invoice.js (.txt)");
	expect_reading("attachment; filename=\"invoice.js (.txt)\"", "filename", "invoice.js");
	expect_reading("attachment; filename=invoice.js(.txt)", "filename", "invoice.js");
	/* a missing semicolon, two values */
	expect_reading("attachment filename=\"invoice.js\"", "filename", "invoice.js");
	expect_reading("attachment; filename=a.txt; filename=b.js", "filename", "a.txt");
	expect_reading("attachment; filename=a.txt; filename=b.js", "filename", "b.js");
	/* continuations joined, and the first alone */
	expect_reading("attachment; filename*0=\"invoice\"; filename*1=\".js\"", "filename", "invoice.js");
	expect_reading("attachment; filename*0=\"invoice\"; filename*1=\".js\"", "filename", "invoice");
	expect_reading("attachment; filename*1=.js; filename*0*=UTF-8''invoice", "filename", "invoice.js");
	/* encoded words, with and without padding, unquoted */
	expect_reading("attachment; filename=\"=?utf-8?B?aW52b2ljZS5qcw==?=\"", "filename", "invoice.js");
	expect_reading("attachment; filename=\"=?utf-8?B?aW52b2ljZS5qcw?=\"", "filename", "invoice.js");
	expect_reading("attachment; filename==?utf-8?Q?invoice=2Ejs?=", "filename", "invoice.js");
	/* a lone CR ends the value for some readers */
	expect_reading("attachment; filename=\"invoice.js\r.txt\"", "filename", "invoice.js");
	/* 8-bit bytes: UTF-8 as it is, else Latin-1 */
	expect_reading("attachment; filename=\"f\xe4ktura.js\"", "filename", "f\xc3\xa4ktura.js");
	/* 8-bit or control bytes after the name of a continuation: a reader that
	 * matches the name as a prefix joins it (GMime drops it) */
	expect_reading("attachment; filename*0=invoice; filename\xae\xae*1=.js", "filename", "invoice.js");
	expect_reading("attachment; filename*0*=UTF-8''a; filename\x01*1*=%2Ejs", "filename", "a.js");
	/* "name" is not found inside "filename" */
	{
		struct r r;
		readings(&r, "attachment; filename=a.txt", "name");
		assert_int_equal(r.n, 0);
		readings(&r, "application/octet-stream; name=\"x.js\"; filename=y.txt", "name");
		assert_true(has(&r, "x.js"));
		assert_false(has(&r, "y.txt"));
		clear(&r);
		readings(&r, NULL, "name");
		assert_int_equal(r.n, 0);
		readings(&r, "application/octet-stream", "name");
		assert_int_equal(r.n, 0);
	}
}

static void test_boundary(void **state)
{
	struct r r;
	expect_reading("multipart/mixed; boundary=a b", "boundary", "a");
	expect_reading("multipart/mixed; boundary=a b", "boundary", "a b");
	expect_reading("multipart/mixed; boundary=\"X \"", "boundary", "X");
	expect_reading("multipart/mixed; boundary*0=\"X\"; boundary*1=\"Y\"", "boundary", "XY");
	expect_reading("multipart/mixed; boundary*0=\"X\"; boundary*1=\"Y\"", "boundary", "X");
	expect_reading("multipart/mixed; boundary=\"=?us-ascii?Q?X?=\"", "boundary", "=?us-ascii?Q?X?=");
	expect_reading("multipart/mixed; boundary=\"=?us-ascii?Q?X?=\"", "boundary", "X");
	expect_reading("multipart/mixed (c; boundary=\"Y\"); boundary=\"X\"", "boundary", "Y");
	expect_reading("multipart/mixed (c; boundary=\"Y\"); boundary=\"X\"", "boundary", "X");
	/* the cap holds */
	r.n = sl_mimeparam_readings("b; boundary=a b c (d) e; boundary=f g; boundary*0=h; boundary*1=i",
				    "boundary", r.v, 3);
	assert_int_equal(r.n, 3);
	clear(&r);
}

static void test_type(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "Text/Plain; charset=us-ascii", "text/plain" },
		{ "application; name=\"invoice.js\"", "application" },
		{ "\"application/octet-stream\"", "application/octet-stream" },
		{ "multipart (comment) /mixed; boundary=X", "multipart/mixed" },
		{ "applic ation/octet-stream", "application/octet-stream" },
		{ "", "" },
		{ NULL, "" },
	};
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = sl_mimeparam_type(cases[i].value);
		if (strcmp(t, cases[i].want) != 0)
			fail_msg("type of [%s]: [%s], expected [%s]", cases[i].value ? cases[i].value : "NULL", t,
				 cases[i].want);
		free(t);
	}
}

static void test_decode_words(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "=?utf-8?B?aW52b2ljZS5qcw==?=", "invoice.js" },
		{ "=?utf-8?b?aW52b2ljZS5qcw?=", "invoice.js" },
		{ "=?iso-8859-1?Q?R=E9sum=E9_2024?=", "R\xc3\xa9sum\xc3\xa9 2024" },
		{ "a =?utf-8?Q?x?= =?utf-8?Q?y?= b", "a xy b" },
		{ "=?unknown-cs?Q?caf=E9?=", "caf\xc3\xa9" },
		{ "=?utf-8*en?Q?hi?=", "hi" },
		{ "no words here", "no words here" },
		{ "=?broken", "=?broken" },
		{ "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" },
	};
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = sl_mimeparam_decode_words(cases[i].in);
		if (strcmp(d, cases[i].want) != 0)
			fail_msg("decode [%s]: [%s], expected [%s]", cases[i].in, d, cases[i].want);
		free(d);
	}
}

/* Bad input: no crash, bounded output, every reading valid UTF-8. */
static void test_hostile(void **state)
{
	static const char *const values[] = {
		"filename=", "filename*", "filename*=", "filename*99999999999999=x", "filename=\"unterminated",
		"filename=\"a\\\"b\"", "((((filename=x", "filename=\xff\xfe\xfd", "=?=?=?=?", "filename=%", "filename*=%4",
		";;;;;;", "filename*0*='%%'", "filename = \"a\" ; filename = \"b\"",
	};
	size_t i, k;
	char *big = sl_xmalloc(100000);
	struct r r;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		readings(&r, values[i], "filename");
		for (k = 0; k < r.n; k++) {
			assert_true(strlen(r.v[k]) > 0);
			assert_true(strlen(r.v[k]) <= 4 * SL_MIMEPARAM_MAX_VALUE);
		}
		clear(&r);
		(void)sl_mimeparam_cte(values[i]);
		free(sl_mimeparam_type(values[i]));
		free(sl_mimeparam_decode_words(values[i]));
	}
	memset(big, 'a', 99999);
	big[99999] = '\0';
	memcpy(big, "filename=", 9);
	readings(&r, big, "filename");
	assert_true(r.n >= 1);
	assert_true(strlen(r.v[0]) <= SL_MIMEPARAM_MAX_VALUE);
	clear(&r);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cte),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_decode_words),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
