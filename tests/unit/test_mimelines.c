/*
 * test_mimelines - raw lines as the permissive readers see them: delimiter
 * lines GMime takes and the ones only other readers take (prefix, case, \f
 * and \v, a long boundary cut, another reading of the parameter, delimiters
 * after the closing one), lone CRs, the end of a header block, quoted-
 * printable with padded soft breaks, the permissive decoders and whether a
 * part's content is mail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mimelines.h"
#include "util.h"

static void scan(const char *text, const char *boundary, char *const *readings, size_t n,
		 struct sl_delim_scan *s)
{
	sl_mimelines_delimiters((const unsigned char *)text, 0, strlen(text), boundary, readings, n, s);
}

static void test_delimiters_exact(void **state)
{
	struct sl_delim_scan s;
	const char *t = "pre\n--X\nbody\n--X \t\r\nbody\n--X--\nepilogue\n";
	scan(t, "X", NULL, 0, &s);
	assert_int_equal(s.near, -1);
	assert_int_equal(s.reopened, -1);
	assert_int_equal(s.close_start, strstr(t, "--X--") - t);
	assert_int_equal(s.close_end, strstr(t, "epilogue") - t);
	/* No close at all. */
	scan("--X\nbody\n", "X", NULL, 0, &s);
	assert_int_equal(s.close_start, -1);
	/* A closing delimiter at the very end without a newline. */
	scan("--X\nbody\n--X--", "X", NULL, 0, &s);
	assert_int_equal(s.close_start, 9);
}

/* Each line of lines[0..n), put between two parts of multipart X, is a
 * near delimiter (at byte 6) or, with want -1, none. */
static void near_lines(const char *const *lines, size_t n, int64_t want)
{
	struct sl_delim_scan s;
	size_t i;
	for (i = 0; i < n; i++) {
		char *t = sl_xasprintf("--X\na\n%s\nb\n--X--\n", lines[i]);
		scan(t, "X", NULL, 0, &s);
		if (s.near != want)
			fail_msg("[%s]: near at %lld, expected %lld", lines[i], (long long)s.near, (long long)want);
		free(t);
	}
}

static void test_delimiters_near(void **state)
{
	static const char *const near[] = { "--X\f", "--X\v", "--Xfoo", "--x", "--X--x", "--x--" };
	struct sl_delim_scan s;
	char *long_b = sl_xmalloc(301), *text;
	near_lines(near, sizeof(near) / sizeof(near[0]), 6);
	/* A 300-character boundary: readers that cut it at 70 see a delimiter. */
	memset(long_b, 'B', 300);
	long_b[300] = '\0';
	text = sl_xasprintf("--%s\na\n--%.70sZ\nb\n--%s--\n", long_b, long_b, long_b);
	scan(text, long_b, NULL, 0, &s);
	assert_true(s.near > 0);
	free(text);
	free(long_b);
	/* Another reading of the parameter ("a" for GMime's "a b"). */
	{
		char *r[] = { "a b", "a" };
		scan("--a\nx\n--a--\n", "a b", r, 2, &s);
		assert_int_equal(s.near, 0);
		/* a reading that is the boundary itself finds nothing */
		scan("--a b\nx\n--a b--\n", "a b", r, 1, &s);
		assert_int_equal(s.near, -1);
		assert_int_equal(s.close_start, 8);
	}
}

static void test_delimiters_after_close(void **state)
{
	struct sl_delim_scan s;
	scan("--X\na\n--X--\n--X\nhidden\n--X--\n", "X", NULL, 0, &s);
	assert_int_equal(s.close_start, 6);
	assert_int_equal(s.reopened, 12);
	scan("--X\na\n--X--\n--X--\n", "X", NULL, 0, &s);
	assert_int_equal(s.reopened, 12);
}

static void test_find_delimiter(void **state)
{
	char *r[] = { "--961284236552522269" };
	const char *t = "<html>\n----961284236552522269\nContent-Type: text/html\n";
	assert_int_equal(sl_mimelines_find_delimiter((const unsigned char *)t, 0, strlen(t), r, 1), 7);
	assert_int_equal(sl_mimelines_find_delimiter((const unsigned char *)t, 0, 7, r, 1), -1);
	assert_int_equal(sl_mimelines_find_delimiter((const unsigned char *)t, 0, strlen(t), r, 0), -1);
}

static void test_lone_cr(void **state)
{
	const unsigned char *a = (const unsigned char *)"A: b\r\nC: d\rE: f\r\n";
	const unsigned char *b = (const unsigned char *)"text\r\n--X\r\nmore\r--X\rhidden\r\n";
	assert_int_equal(sl_mimelines_lone_cr(a, 0, strlen((const char *)a), 0), 10);
	assert_int_equal(sl_mimelines_lone_cr(a, 0, 10, 0), -1);
	assert_int_equal(sl_mimelines_lone_cr(a, 0, strlen((const char *)a), 1), -1);
	assert_int_equal(sl_mimelines_lone_cr(b, 0, strlen((const char *)b), 1), 15);
	/* a CR at the very end hides nothing */
	assert_int_equal(sl_mimelines_lone_cr((const unsigned char *)"x\r", 0, 2, 0), -1);
}

static void test_block_end(void **state)
{
	const unsigned char *a = (const unsigned char *)"A: b\nC: d\n\nbody";
	const unsigned char *b = (const unsigned char *)"A: b\r\n\r\nbody";
	const unsigned char *c = (const unsigned char *)"A: b\nno blank line";
	assert_int_equal(sl_mimelines_block_end(a, strlen((const char *)a), 0), 11);
	assert_int_equal(sl_mimelines_block_end(b, strlen((const char *)b), 0), 8);
	assert_int_equal(sl_mimelines_block_end(c, strlen((const char *)c), 0), strlen((const char *)c));
	assert_int_equal(sl_mimelines_block_end(a, strlen((const char *)a), 5), 11);
}

static void qp_is(const char *in, const char *want)
{
	unsigned char *out = NULL;
	size_t n = sl_mimelines_qp_decode((const unsigned char *)in, strlen(in), &out);
	if (n != strlen(want) || memcmp(out, want, n) != 0)
		fail_msg("QP [%s]: [%.*s], expected [%s]", in, (int)n, out, want);
	free(out);
}

static void test_qp(void **state)
{
	assert_true(sl_mimelines_qp_padded((const unsigned char *)"= \nabc", 6));
	assert_true(sl_mimelines_qp_padded((const unsigned char *)"ab=\t \r\ncd", 9));
	assert_true(sl_mimelines_qp_padded((const unsigned char *)"ab= ", 4));
	assert_false(sl_mimelines_qp_padded((const unsigned char *)"a = b\nc=\nd", 10));
	assert_false(sl_mimelines_qp_padded((const unsigned char *)"a=3D b", 6));
	qp_is("= \n=7FELF", "\x7f" "ELF");
	qp_is("=\t\t\r\n=7fELF", "\x7f" "ELF");
	qp_is("line one =\nstill one\n", "line one still one\n");
	qp_is("a  \t\r\nb", "a\r\nb");
	qp_is("caf=C3=A9 =3D x=zz =", "caf\xc3\xa9 = x=zz ");
	qp_is("", "");
}

static void decode_is(enum sl_cte cte, int qp_done, const char *in, const char *want, const char *name)
{
	size_t len = 0;
	char *nm = NULL;
	unsigned char *d = sl_mimelines_decode(cte, qp_done, (const unsigned char *)in, strlen(in), &len, &nm);
	if (want == NULL) {
		assert_null(d);
		return;
	}
	assert_non_null(d);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(d, want, len);
	assert_int_equal(d[len], '\0');
	if (name != NULL)
		assert_string_equal(nm, name);
	else
		assert_null(nm);
	free(d);
	free(nm);
}

static void test_decode(void **state)
{
	decode_is(SL_CTE_BASE64, 0, "SGVsbG8s\nIHdvcmxk\n", "Hello, world", NULL);
	decode_is(SL_CTE_QP, 0, "a=3Db", "a=b", NULL);
	decode_is(SL_CTE_QP, 1, "a=3Db", NULL, NULL);	     /* GMime's reading is the same */
	decode_is(SL_CTE_QP, 1, "= \na=3Db", "a=b", NULL); /* it is not */
	decode_is(SL_CTE_UUENCODE, 0, "begin 644 r.exe\n&2&5L;&\\L\n`\nend\n", "Hello,", "r.exe");
	decode_is(SL_CTE_UUENCODE, 0, "no uuencode here\n", NULL, NULL);
	decode_is(SL_CTE_IDENTITY, 0, "text", NULL, NULL);
}

static void kind_is(const char *text, enum sl_mail_evidence ev, enum sl_mail_kind want)
{
	enum sl_mail_kind k = sl_mimelines_mail_kind((const unsigned char *)text, strlen(text), ev);
	if (k != want)
		fail_msg("[%.40s] evidence %d: kind %d, expected %d", text, ev, k, want);
}

static void test_mail_kind(void **state)
{
	const char *mime = "From: a@b\nMIME-Version: 1.0\nContent-Type: text/plain\n\nhi\n";
	const char *plain = "From: a@b\nSubject: hi\nTo: c@d\n\nforwarded text\n";
	const char *kv = "Key: value\nOther: x\n\nbody\n";
	const char *mbox = "From a@b Mon Mar  4 09:00:00 2024\nFrom: a@b\nSubject: x\n\nbody\n";
	kind_is(mime, SL_MAIL_ATTACHED, SL_MAIL_MESSAGE);
	kind_is(plain, SL_MAIL_ATTACHED, SL_MAIL_MESSAGE);
	kind_is(kv, SL_MAIL_ATTACHED, SL_MAIL_NONE);
	kind_is(kv, SL_MAIL_DECLARED, SL_MAIL_MESSAGE);
	kind_is(mbox, SL_MAIL_ATTACHED, SL_MAIL_MBOX);
	kind_is("just text\nFrom: a\n", SL_MAIL_DECLARED, SL_MAIL_NONE);
	kind_is(" folded first\n", SL_MAIL_DECLARED, SL_MAIL_NONE);
	kind_is("From nothing", SL_MAIL_ATTACHED, SL_MAIL_NONE);
	kind_is("", SL_MAIL_DECLARED, SL_MAIL_NONE);
	kind_is("Subject : spaced\nFrom: x\n\n", SL_MAIL_ATTACHED, SL_MAIL_MESSAGE);
}

static void quoted_is(const char *in, const char *want)
{
	size_t len = 0;
	unsigned char *m = sl_mimelines_quoted_mail((const unsigned char *)in, strlen(in), &len);
	if (want == NULL) {
		if (m != NULL)
			fail_msg("[%s]: a part was peeled off: [%.*s]", in, (int)len, m);
		return;
	}
	if (m == NULL)
		fail_msg("[%s]: no part peeled off", in);
	if (len != strlen(want) || memcmp(m, want, len) != 0)
		fail_msg("[%s]: [%.*s], expected [%s]", in, (int)len, m, want);
	free(m);
}

/* ripmime's reading of text that holds part headers or MIME parts. */
static void test_quoted_part(void **state)
{
	quoted_is("Hello text\nContent-Disposition: attachment; filename=a.js\nContent-Transfer-Encoding: "
		  "base64\n\nYWJj\n",
		  "Content-Disposition: attachment; filename=a.js\nContent-Transfer-Encoding: base64\n\nYWJj\n");
	quoted_is("Dear customer,\n\nsee below\r\nContent-Type: text/plain;\r\n name=a.js\r\n\r\nbody",
		  "Content-Type: text/plain;\r\n name=a.js\r\n\nbody");
	quoted_is("From: a shop\nDate: today\n\nbye\n", NULL); /* a forward: only text */
	quoted_is("the content-type of it\n", NULL);		 /* not at a line start */
	quoted_is("Contents: x\n\nbody\n", NULL);
	quoted_is("\0Content-Type: x\n\n", NULL);
	/* NUL bytes do not stop ripmime */
	{
		static const char nul[] = "Subject:\0x\nContent-Type: a\n\nbody";
		size_t len = 0;
		unsigned char *m = sl_mimelines_quoted_mail((const unsigned char *)nul, sizeof(nul) - 1, &len);
		assert_non_null(m);
		assert_int_equal(len, sizeof(nul) - 1);
		assert_memory_equal(m, nul, len);
		free(m);
	}
	/* a delimiter line before part headers: the whole text split at it */
	quoted_is("see\n\n--Q\nContent-Type: text/plain\n\nx\n--Q--\n",
		  "Content-Type: multipart/mixed; boundary=\"Q\"\n\nsee\n\n--Q\nContent-Type: "
		  "text/plain\n\nx\n--Q--\n");
	/* ... even after a paragraph that would be peeled off */
	quoted_is("Content-Type: a\n\n--Q\r\nContent-Type: b\n",
		  "X-Quoted-Content-Type: a\nContent-Type: multipart/mixed; boundary=\"Q\"\n\n"
		  "Content-Type: a\n\n--Q\r\nContent-Type: b\n");
	/* not a boundary to guess: quotes, a closing line */
	quoted_is("--Q\"\nContent-Type: b\n", "Content-Type: b\n\n");
	quoted_is("--Q--\nContent-Type: b\n", "Content-Type: b\n\n");
	quoted_is("", NULL);
}

static void odd_is(const char *block, int which, const char *value)
{
	size_t pos = 0, vlen = 0;
	int w = -1;
	const unsigned char *v = NULL;
	int r = sl_mimelines_odd_field((const unsigned char *)block, &pos, strlen(block), &w, &v, &vlen);
	if (value == NULL) {
		if (r)
			fail_msg("[%s]: odd field %d found", block, w);
		return;
	}
	if (!r || w != which || vlen != strlen(value) || memcmp(v, value, vlen) != 0)
		fail_msg("[%s]: got %d/%d '%.*s', expected %d '%s'", block, r, w, (int)vlen,
			 v ? (const char *)v : "", which, value);
}

static void test_odd_fields(void **state)
{
	/* Named almost like a reading field: ripmime takes each for it. */
	odd_is("Content-Transfer-Encoding): base64\n\n", 1, "base64");
	odd_is("X-Content-Transfer-Encoding: base64\n", 1, "base64");
	odd_is("XContent-Transfer-Encoding: base64\n", 1, "base64");
	odd_is("\"Content-Transfer-Encoding: base64\n", 1, "base64");
	odd_is("Content-Transfer-Encoding base64\n", 1, "base64"); /* no colon */
	odd_is("X-Content-Type: application/x; name=\"a.js\"\r\n", 0, "application/x; name=\"a.js\"");
	odd_is("Content-Disposition.: attachment\n", 2, "attachment");
	odd_is("Subject: x\nFrom: y\nX-Content-Type: t\n\n", 0, "t");
	/* The fields themselves, folded lines, other fields: none. */
	odd_is("Content-Type: text/plain\nContent-Transfer-Encoding : base64\n", 0, NULL);
	odd_is("content-disposition: inline\n", 0, NULL);
	odd_is("Subject: x\n X-Content-Type: folded\n", 0, NULL);
	odd_is("Subject: Content-Type: x\n", 0, NULL);
	odd_is("X-Foo Content-Type: x\n", 0, NULL);
	/* The block ends at the blank line. */
	odd_is("Subject: x\n\nX-Content-Type: body\n", 0, NULL);
	odd_is("Subject: x\r\n\r\nX-Content-Type: body\r\n", 0, NULL);
}

static void test_delimiters_one_dash(void **state)
{
	static const char *const near[] = { "-X", "-)-X", "- X", "-xX--", "-X--" };
	static const char *const not[] = { "-abcX", "-)-XQ", "x--X", "-", "-)-Y" };
	struct sl_delim_scan s;
	near_lines(near, sizeof(near) / sizeof(near[0]), 6);
	near_lines(not, sizeof(not) / sizeof(not[0]), -1);
	/* Another reading of the boundary counts too. */
	{
		char *r[] = { "a" };
		scan("--a b\nx\n-)-a\n--a b--\n", "a b", r, 1, &s);
		assert_int_equal(s.near, 8);
	}
}

static void test_quoted_part_8bit_boundary(void **state)
{
	/* GMime would read the 8-bit parameter as UTF-8: the delimiter lines
	 * get an ASCII boundary instead, the rest stays byte for byte. */
	quoted_is("see\n--Q\xe9\nContent-Type: text/plain\n\nx\n--Q\xe9--\n",
		  "Content-Type: multipart/mixed; boundary=\"sluice-8bit-boundary\"\n\nsee\n"
		  "--sluice-8bit-boundary\nContent-Type: text/plain\n\nx\n--sluice-8bit-boundary--\n");
	/* A paragraph whose field ripmime takes for Content-Type is peeled too. */
	quoted_is("see\nX-Content-Type: a; name=\"x.js\"\n\nbody\n",
		  "X-Content-Type: a; name=\"x.js\"\n\nbody\n");
	/* A Content-* name without its colon stays among the peeled fields. */
	quoted_is("Hello\nContent-Type: application/x\nContent-Transfer-Encoding base64\nNote: y\n\nYWJj\n",
		  "Content-Type: application/x\nContent-Transfer-Encoding base64\nNote: y\n\nYWJj\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delimiters_exact),
		cmocka_unit_test(test_delimiters_near),
		cmocka_unit_test(test_delimiters_after_close),
		cmocka_unit_test(test_find_delimiter),
		cmocka_unit_test(test_lone_cr),
		cmocka_unit_test(test_block_end),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_mail_kind),
		cmocka_unit_test(test_quoted_part),
		cmocka_unit_test(test_odd_fields),
		cmocka_unit_test(test_delimiters_one_dash),
		cmocka_unit_test(test_quoted_part_8bit_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
