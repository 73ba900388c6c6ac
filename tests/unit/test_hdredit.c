/*
 * test_hdredit - the header block through a milter's eyes: field lines
 * rebuilt as they stood (folds with bare LF as Postfix sends them, blanks
 * after the colon kept or one space assumed), and the edits from one header
 * block to another: nothing for the same block, a changed value, duplicate
 * names matched in order, deletions highest index first, X-Sluice-* always
 * deleted and always inserted at the top, kept trace fields under a
 * placeholder, new fields at the end, a block of nothing but new fields.
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

#include "hdredit.h"
#include "util.h"

static void test_field_line(void **state)
{
	struct sl_buf b;
	(void)state;
	sl_buf_init(&b, 0);
	assert_int_equal(sl_hdr_field_line("Subject", " hello\n  folded  line", 1, &b), SL_OK);
	assert_int_equal(sl_hdr_field_line("X-B", "nospace", 1, &b), SL_OK);
	assert_int_equal(sl_hdr_field_line("X-A", "\ttab\r\n\tcrlf already", 1, &b), SL_OK);
	assert_int_equal(sl_hdr_field_line("X-C", "", 1, &b), SL_OK);
	assert_int_equal(sl_hdr_field_line("X-D", "stripped by the server", 0, &b), SL_OK);
	assert_int_equal(sl_hdr_field_line("X-E", "  two", 0, &b), SL_OK);
	assert_string_equal(b.data, "Subject: hello\r\n  folded  line\r\n"
				    "X-B:nospace\r\n"
				    "X-A:\ttab\r\n\tcrlf already\r\n"
				    "X-C:\r\n"
				    "X-D: stripped by the server\r\n"
				    "X-E: two\r\n");
	sl_buf_free(&b);
	/* the cap of the buffer holds */
	sl_buf_init(&b, 10);
	assert_int_equal(sl_hdr_field_line("Subject", " a long value", 1, &b), SL_ETOOBIG);
	sl_buf_free(&b);
}

/* Fields from "Name:value" strings, as the milter saw them. */
static struct sl_hdr_field *fields(const char *const *v, size_t *n)
{
	struct sl_hdr_field *f;
	size_t i;
	for (*n = 0; v[*n] != NULL; (*n)++)
		;
	f = sl_xcalloc(*n ? *n : 1, sizeof(*f));
	for (i = 0; i < *n; i++) {
		const char *c = strchr(v[i], ':');
		f[i].name = v[i];
		f[i].name_len = (size_t)(c - v[i]);
		f[i].value = c + 1;
		f[i].value_len = strlen(c + 1);
	}
	return f;
}

/* The edits as text, one per line: "C name index value", "D name index",
 * "I index name value", "A name value" (LF in values as "\n"). */
static char *diff(const char *const *old, const char *msg, const char *const *keep)
{
	size_t n, i;
	struct sl_hdr_field *f = fields(old, &n);
	struct sl_hdr_ops ops = { 0 };
	GString *s = g_string_new("");
	char *r;
	sl_hdr_diff(f, n, (const unsigned char *)msg, strlen(msg), keep, &ops);
	for (i = 0; i < ops.n; i++) {
		const struct sl_hdr_op *op = &ops.v[i];
		gchar *v = op->value ? g_strescape(op->value, NULL) : NULL;
		switch (op->kind) {
		case SL_HDR_CHANGE: g_string_append_printf(s, "C %s %d %s\n", op->name, op->index, v); break;
		case SL_HDR_DELETE: g_string_append_printf(s, "D %s %d\n", op->name, op->index); break;
		case SL_HDR_INSERT: g_string_append_printf(s, "I %d %s %s\n", op->index, op->name, v); break;
		case SL_HDR_ADD: g_string_append_printf(s, "A %s %s\n", op->name, v); break;
		}
		g_free(v);
	}
	sl_hdr_ops_clear(&ops);
	free(f);
	r = sl_xstrdup(s->str);
	g_string_free(s, TRUE);
	return r;
}

static void expect(const char *const *old, const char *msg, const char *const *keep, const char *want)
{
	char *got = diff(old, msg, keep);
	if (strcmp(got, want) != 0)
		fail_msg("edits:\n%s\nwanted:\n%s", got, want);
	free(got);
}

static const char *const plain[] = { "Received: from a\n\tby b", "From: a@example.net", "Subject: hi",
				     "X-A: 1", "X-A: 2", NULL };

static void test_same(void **state)
{
	(void)state;
	/* the same block, CRLF and folds as CRLF: nothing to do */
	expect(plain, "Received: from a\r\n\tby b\r\nFrom: a@example.net\r\nSubject: hi\r\nX-A: 1\r\nX-A: 2\r\n\r\nbody\r\n",
	       NULL, "");
}

static void test_clean_verdict(void **state)
{
	static const char *const old[] = { "X-Sluice-Verdict: clean", "From: a@example.net",
					   "x-sluice-verdict: clean (forged)", "Subject: hi", NULL };
	(void)state;
	/* the rewriter's clean output plus our verdict: forged ones go (highest
	 * index first), ours at the top */
	expect(old, "X-Sluice-Verdict: clean\r\nFrom: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n", NULL,
	       "D x-sluice-verdict 2\nD X-Sluice-Verdict 1\nI 0 X-Sluice-Verdict  clean\n");
}

static void test_rewrite(void **state)
{
	(void)state;
	/* a defanged Subject, a second X-A gone, the verdict on top, content fields changed */
	expect(plain,
	       "X-Sluice-Verdict: rewrite (SL-1)\r\nReceived: from a\r\n\tby b\r\nFrom: a@example.net\r\n"
	       "Subject: hi www[.]evil[.]test\r\nX-A: 1\r\nMIME-Version: 1.0\r\n\r\nbody\r\n",
	       NULL,
	       "C Subject 1  hi www[.]evil[.]test\nD X-A 2\nI 0 X-Sluice-Verdict  rewrite (SL-1)\n"
	       "A MIME-Version  1.0\n");
	/* duplicates matched in order: the second changes, the first stays */
	expect(plain, "Received: from a\r\n\tby b\r\nFrom: a@example.net\r\nSubject: hi\r\nX-A: 1\r\nx-a: two\r\n\r\n",
	       NULL, "C X-A 2  two\n");
	/* a folded new value: LF folds */
	expect(plain, "Received: from a\r\n\tby b\r\nFrom: a@example.net\r\nSubject: a\r\n b\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
	       NULL, "C Subject 1  a\\n b\n");
}

static void test_placeholder(void **state)
{
	static const char *const old[] = {
		"Return-Path: <x@evil.test>", "Received: from a", "Authentication-Results: mx; dkim=pass",
		"Received: from b", "DKIM-Signature: v=1; d=evil.test", "From: Eve <x@evil.test>",
		"Subject: invoice", "Content-Type: multipart/mixed; boundary=b", "X-Sluice-Verdict: clean", NULL
	};
	static const char *const keep[] = { "Received", "Return-Path", "Authentication-Results", NULL };
	(void)state;
	/* trace fields and Authentication-Results stay; the rest becomes the placeholder's */
	expect(old,
	       "X-Sluice-Verdict: quarantine (SL-2)\r\nFrom: Eve <x@evil.test>\r\nSubject: invoice\r\n"
	       "Date: Tue, 02 Jan 2024 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
	       "Content-Type: text/plain; charset=utf-8\r\n\r\nsluice held...\r\n",
	       keep,
	       "C Content-Type 1  text/plain; charset=utf-8\nD DKIM-Signature 1\nD X-Sluice-Verdict 1\n"
	       "I 0 X-Sluice-Verdict  quarantine (SL-2)\nA Date  Tue, 02 Jan 2024 10:00:00 +0100\n"
	       "A MIME-Version  1.0\n");
}

static void test_nothing_in_common(void **state)
{
	static const char *const old[] = { "Received: from a", "X-Junk: 1", NULL };
	static const char *const keep[] = { "Received", NULL };
	(void)state;
	/* no field stays: ours at the top, the others at the end */
	expect(old, "From: a@example.net\r\nX-Sluice-Verdict: quarantine\r\nSubject: s\r\n\r\n", keep,
	       "D X-Junk 1\nI 0 X-Sluice-Verdict  quarantine\nA From  a@example.net\nA Subject  s\n");
	/* no header block at all in the new message, nothing old */
	expect((const char *const[]){ NULL }, "\r\nbody\r\n", NULL, "");
	/* lines that are no fields are not carried */
	expect((const char *const[]){ NULL }, "not a field\r\nX-Sluice-Verdict: clean\r\n\r\n", NULL,
	       "I 0 X-Sluice-Verdict  clean\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_line),	cmocka_unit_test(test_same),
		cmocka_unit_test(test_clean_verdict),	cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_placeholder),	cmocka_unit_test(test_nothing_in_common),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
