/*
 * test_rewrite - the e-mail rewriter on messages parsed by the real parse
 * stage (LF and CRLF), with findings and actions set by hand: clean is
 * byte-identical, a removed part becomes a notice while every kept part's
 * bytes stay as they were, quarantine is a placeholder, reject is nothing,
 * text edits are re-encoded in the part's own transfer encoding, a removed
 * uuencoded block is cut out of its text, and parts inside a forwarded
 * message can go alone. Every output is parsed again to check it is a sound
 * message.
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
#include <gmime/gmime.h>

#include "config.h"
#include "hdrblock.h"
#include "mime.h"
#include "msg.h"
#include "rewrite.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

#define TEST_REF "SL-7KQ2-M9XD-4TJH-W8PR"

static unsigned char *with_eol(const char *text, size_t len, int crlf, size_t *outlen)
{
	struct sl_buf b;
	size_t i;
	sl_buf_init(&b, 0);
	for (i = 0; i < len; i++) {
		if (crlf && text[i] == '\n')
			sl_buf_add(&b, "\r", 1);
		sl_buf_add(&b, text + i, 1);
	}
	*outlen = b.len;
	if (b.data == NULL)
		return (unsigned char *)sl_xstrdup("");
	return (unsigned char *)sl_buf_take(&b);
}

/* Parses bytes (copied) with the real parse stage and a default config. */
static struct sl_msg *parse_bytes(const void *p, size_t n)
{
	struct sl_config *cfg = NULL;
	struct sl_mime *mi;
	struct sl_msg *m;
	char *why = NULL;
	unsigned char *raw = sl_xmalloc(n + 1);
	memcpy(raw, p, n);
	raw[n] = '\0';
	if (sl_config_load(NULL, NULL, 0, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	mi = sl_mime_new(cfg, &why);
	assert_non_null(mi);
	m = sl_msg_new_take(SL_CHANNEL_EMAIL, "test", raw, n);
	m->reference = sl_xstrdup(TEST_REF); /* kept, as a front end with a store does */
	assert_int_equal(sl_mime_run(mi, m), SL_OK);
	sl_mime_free(mi);
	sl_config_unref(cfg);
	return m;
}

static struct sl_msg *parse(const char *text, int crlf)
{
	size_t n;
	unsigned char *raw = with_eol(text, strlen(text), crlf, &n);
	struct sl_msg *m = parse_bytes(raw, n);
	free(raw);
	return m;
}

static int idx(const struct sl_msg *m, const char *id)
{
	int i = sl_msg_find_part(m, id);
	if (i < 0)
		fail_msg("no part %s", id);
	return i;
}

/* Marks part id for removal as the policy would. */
static void remove_part(struct sl_msg *m, const char *id, const char *why)
{
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", idx(m, id), "%s", why);
	m->findings[m->nfindings - 1].action = SL_ACT_REMOVE;
	m->verdict = SL_VERDICT_REWRITE;
}

struct out {
	unsigned char *p;
	size_t n;
};

static struct out rewrite(const struct sl_msg *m, const struct sl_edits *e)
{
	struct out o = { (unsigned char *)1, 1 };
	assert_int_equal(sl_rewrite_email(m, e, &o.p, &o.n), SL_OK);
	assert_non_null(o.p);
	return o;
}

static int has(const struct out *o, const char *s)
{
	return memmem(o->p, o->n, s, strlen(s)) != NULL;
}

static int has_bytes(const struct out *o, const void *p, size_t n)
{
	return n == 0 || memmem(o->p, o->n, p, n) != NULL;
}

/* The raw bytes of part id (headers and body) are in the output unchanged. */
static void kept(const struct sl_msg *m, const struct out *o, const char *id)
{
	const struct sl_part *p = &m->parts[idx(m, id)];
	assert_true(p->hdr_start > 0 && p->body_end > p->hdr_start);
	if (!has_bytes(o, m->raw + p->hdr_start, (size_t)(p->body_end - p->hdr_start)))
		fail_msg("part %s not kept byte for byte:\n%.*s\n--- in ---\n%.*s", id,
			 (int)(p->body_end - p->hdr_start), m->raw + p->hdr_start, (int)o->n, o->p);
}

/* The encoded body of part id is not in the output. */
static void gone(const struct sl_msg *m, const struct out *o, const char *id)
{
	const struct sl_part *p = &m->parts[idx(m, id)];
	assert_true(p->body_end > p->body_start);
	if (has_bytes(o, m->raw + p->body_start, (size_t)(p->body_end - p->body_start)))
		fail_msg("part %s still in the output:\n%.*s", id, (int)o->n, o->p);
}

/* Every line of a CRLF message ends in CRLF, of an LF one in a bare LF. */
static void eols_are(const struct out *o, int crlf)
{
	size_t i;
	for (i = 0; i < o->n; i++) {
		if (o->p[i] != '\n')
			continue;
		if (crlf && (i == 0 || o->p[i - 1] != '\r'))
			fail_msg("bare LF at %zu in a CRLF message:\n%.*s", i, (int)o->n, o->p);
		if (!crlf && i > 0 && o->p[i - 1] == '\r')
			fail_msg("CRLF at %zu in an LF message", i);
	}
}

static void starts_with(const struct out *o, const char *s)
{
	if (o->n < strlen(s) || memcmp(o->p, s, strlen(s)) != 0)
		fail_msg("output does not start with '%s':\n%.*s", s, (int)(o->n > 200 ? 200 : o->n), o->p);
}

/* The text of the header block (up to the first empty line) of o. */
static char *header_block(const struct out *o)
{
	const char *s = (const char *)o->p, *e = strstr(s, "\n\n"), *e2 = strstr(s, "\r\n\r\n");
	if (e2 != NULL && (e == NULL || e2 < e))
		e = e2;
	return sl_xstrndup(s, e ? (size_t)(e - s) : o->n);
}

static void no_structure_findings(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == SL_FIND_STRUCTURE || m->findings[i].kind == SL_FIND_LIMIT)
			fail_msg("output is not a sound message: %s", m->findings[i].detail);
}

/* ---- messages ----------------------------------------------------------- */

static const char mixed[] =
	"Return-Path: <a@example.com>\n"
	"From: Customer <a@example.com>\n"
	"To: agent@example.com\n"
	"Subject: the invoice\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed;\n"
	"\tboundary=\"BOUND\"\n"
	"Message-ID: <1@example.com>\n"
	"\n"
	"This is a multi-part message in MIME format.\n"
	"--BOUND\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Please find the invoice attached. Caf=C3=A9 cr=C3=A8me.\n"
	"Log in at http://evil.test/login to pay.\n"
	"--BOUND\n"
	"Content-Type: application/octet-stream; name=\"invoice.pdf.exe\"\n"
	"Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	"--BOUND\n"
	"Content-Type: application/pdf; name=\"real.pdf\"\n"
	"Content-Disposition: attachment; filename=\"real.pdf\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"JVBERi0xLjQKJcfsj6IK\n"
	"--BOUND--\n";

/* ---- verdicts ----------------------------------------------------------- */

static void check_clean(int crlf)
{
	struct sl_msg *m = parse(mixed, crlf);
	struct out o;
	m->verdict = SL_VERDICT_CLEAN;
	o = rewrite(m, NULL);
	assert_int_equal(o.n, m->raw_len);
	assert_memory_equal(o.p, m->raw, m->raw_len);
	free(o.p);
	sl_msg_free(m);
}

static void test_clean_identical(void **state)
{
	check_clean(0);
}

static void test_clean_identical_crlf(void **state)
{
	check_clean(1);
}

static void test_reference(void **state)
{
	struct sl_msg *m = parse(mixed, 0);
	char *ref = sl_msg_reference(m);
	assert_string_equal(ref, TEST_REF);
	free(ref);
	sl_msg_free(m);
}

/* A dry run (no store): no reference, and the notices say the original is gone. */
static void test_not_kept(void **state)
{
	struct sl_msg *m = parse(mixed, 0);
	char *ref;
	struct out o;

	free(m->reference);
	m->reference = NULL;
	ref = sl_msg_reference(m);
	assert_string_equal(ref, SL_REWRITE_NOT_KEPT);
	free(ref);
	remove_part(m, "2", "'invoice.pdf.exe' is a program");
	o = rewrite(m, NULL);
	assert_true(has(&o, "The original was not kept (dry run)"));
	assert_false(has(&o, "Reference: "));
	assert_false(has(&o, "release it"));
	free(o.p);
	m->verdict = SL_VERDICT_QUARANTINE;
	m->findings[0].action = SL_ACT_QUARANTINE;
	o = rewrite(m, NULL);
	assert_true(has(&o, "dry run: the original was not kept"));
	assert_false(has(&o, "it is in the quarantine"));
	assert_false(has(&o, "Reference: "));
	free(o.p);
	sl_msg_free(m);
}

static void check_remove_middle(int crlf)
{
	struct sl_msg *m = parse(mixed, crlf), *r;
	char *ref = sl_msg_reference(m), *want, *hb;
	struct out o;
	const struct sl_part *np;
	int i;

	remove_part(m, "2", "'invoice.pdf.exe' is a program");
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	want = sl_xasprintf("X-Sluice-Verdict: rewrite (%s)%s", ref, crlf ? "\r\n" : "\n");
	starts_with(&o, want);
	free(want);
	/* Everything but part 2 is as it was: the header block, the preamble,
	 * parts 1 and 3 with their headers, the closing delimiter. */
	hb = sl_xstrndup((const char *)m->raw, (size_t)(m->parts[idx(m, "1")].hdr_start));
	assert_true(has(&o, hb));
	free(hb);
	kept(m, &o, "1");
	kept(m, &o, "3");
	assert_true(has(&o, "--BOUND--"));
	gone(m, &o, "2");
	assert_false(has(&o, "name=\"invoice.pdf.exe\""));
	/* The notice names the file (defanged: ".exe" could be read as a TLD)
	 * and the reference of the part. */
	assert_false(has(&o, "invoice.pdf.exe"));
	assert_true(has(&o, "\"invoice[.]pdf[.]exe\""));
	assert_true(has(&o, "Why: 'invoice[.]pdf[.]exe' is a program"));
	want = sl_xasprintf("Reference: %s/2", ref);
	assert_true(has(&o, want));
	free(want);

	/* The result is a sound message with the notice as text/plain part 2. */
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	i = idx(r, "2");
	np = &r->parts[i];
	assert_string_equal(np->declared_type, "text/plain");
	assert_null(np->filename);
	assert_null(np->alt_filename);
	assert_false(np->is_attachment);
	assert_non_null(memmem(np->data, np->size, "Reference: SL-7KQ2", 18));
	assert_non_null(memmem(np->data, np->size, "invoice[.]pdf[.]exe", 19));
	assert_int_equal(r->parts[idx(r, "1")].size, m->parts[idx(m, "1")].size);
	assert_memory_equal(r->parts[idx(r, "3")].data, m->parts[idx(m, "3")].data, m->parts[idx(m, "3")].size);
	assert_int_equal(sl_msg_find_part(r, "4"), -1);
	sl_msg_free(r);
	free(o.p);
	free(ref);
	sl_msg_free(m);
}

static void test_remove_part(void **state)
{
	check_remove_middle(0);
}

static void test_remove_part_crlf(void **state)
{
	check_remove_middle(1);
}

static void check_quarantine(int crlf)
{
	struct sl_msg *m = parse(mixed, crlf), *r;
	char *ref = sl_msg_reference(m), *hb;
	struct out o;

	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "two Content-Type headers");
	m->findings[0].action = SL_ACT_QUARANTINE;
	m->verdict = SL_VERDICT_QUARANTINE;
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	starts_with(&o, "X-Sluice-Verdict: quarantine (");
	hb = header_block(&o);
	assert_non_null(strstr(hb, "Subject: the invoice"));
	assert_non_null(strstr(hb, "From: Customer <a@example.com>"));
	assert_non_null(strstr(hb, "To: agent@example.com"));
	assert_non_null(strstr(hb, "Message-Id: <1@example.com>"));
	/* The original Content-Type, folded line included, is gone. */
	assert_null(strstr(hb, "multipart/mixed"));
	assert_null(strstr(hb, "boundary"));
	free(hb);
	assert_false(has(&o, "BOUND"));
	gone(m, &o, "2");
	gone(m, &o, "3");
	assert_true(has(&o, ref));
	assert_true(has(&o, "Reference: " TEST_REF));
	assert_true(has(&o, "two Content-Type headers"));

	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(r->nparts, 1);
	assert_string_equal(r->parts[0].declared_type, "text/plain");
	assert_non_null(memmem(r->parts[0].data, r->parts[0].size, ref, strlen(ref)));
	sl_msg_free(r);
	free(o.p);
	free(ref);
	sl_msg_free(m);
}

static void test_quarantine_placeholder(void **state)
{
	check_quarantine(0);
}

static void test_quarantine_placeholder_crlf(void **state)
{
	check_quarantine(1);
}

static void test_reject_is_nothing(void **state)
{
	struct sl_msg *m = parse(mixed, 0);
	unsigned char *out = (unsigned char *)1;
	size_t n = 1;
	sl_msg_add_finding(m, SL_FIND_VIRUS, "virus", 2, "Eicar");
	m->findings[0].action = SL_ACT_REJECT;
	m->verdict = SL_VERDICT_REJECT;
	assert_int_equal(sl_rewrite_email(m, NULL, &out, &n), SL_OK);
	assert_null(out);
	assert_int_equal(n, 0);
	sl_msg_free(m);
}

/* ---- a single-part message that is the attachment ----------------------- */

static const char single_exe[] =
	"From: x@example.com\n"
	"Subject: payload\n"
	"MIME-Version: 1.0\n"
	"Content-Type: application/x-msdownload; name=\"a.exe\"\n"
	"Content-Disposition: attachment; filename=\"a.exe\"\n"
	"Content-Transfer-Encoding: base64\n"
	"X-Mailer: test\n"
	"\n"
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";

static void check_single(int crlf)
{
	struct sl_msg *m = parse(single_exe, crlf), *r;
	char *ref = sl_msg_reference(m), *hb, *want;
	struct out o;

	assert_int_equal(m->nparts, 1);
	remove_part(m, "1", "'a.exe' is a program");
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	starts_with(&o, "X-Sluice-Verdict: rewrite (");
	hb = header_block(&o);
	assert_non_null(strstr(hb, "Subject: payload"));
	assert_non_null(strstr(hb, "From: x@example.com"));
	assert_non_null(strstr(hb, "X-Mailer: test"));
	assert_null(strstr(hb, "x-msdownload"));
	assert_null(strstr(hb, "base64"));
	free(hb);
	gone(m, &o, "1");
	assert_true(has(&o, "a[.]exe"));
	want = sl_xasprintf("Reference: %s/1", ref);
	assert_true(has(&o, want));
	free(want);

	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(r->nparts, 1);
	assert_string_equal(r->parts[0].declared_type, "text/plain");
	assert_null(r->parts[0].filename);
	assert_non_null(memmem(r->parts[0].data, r->parts[0].size, "Reference: SL-7KQ2", 18));
	/* One MIME-Version, not two. */
	{
		const char *p = (const char *)o.p;
		int n = 0;
		while ((p = strstr(p, "MIME-Version:")) != NULL)
			n++, p++;
		assert_int_equal(n, 1);
	}
	sl_msg_free(r);
	free(o.p);
	free(ref);
	sl_msg_free(m);
}

static void test_single_part_removed(void **state)
{
	check_single(0);
}

static void test_single_part_removed_crlf(void **state)
{
	check_single(1);
}

/* ---- text edits --------------------------------------------------------- */

static const char edits_msg[] =
	"From: a@example.com\n"
	"Subject: links\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/alternative; boundary=\"ALT\"\n"
	"\n"
	"--ALT\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Caf=C3=A9: log in at http://evil.test/login to pay, a=3Db.\n"
	"Second line.\n"
	"--ALT\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"VmlzaXQgaHR0cDovL2V2aWwudGVzdC9sb2dpbiBub3cuClRoYW5rcywgQm9iCg==\n"
	"--ALT\n"
	"Content-Type: text/html; charset=utf-8\n"
	"\n"
	"<p>untouched</p>\n"
	"--ALT--\n";

/* Replaces the first needle in part id's decoded data with repl; returns the
 * expected decoded content after the edit. */
static char *edit_first(struct sl_msg *m, struct sl_edits *e, const char *id, const char *needle,
			const char *repl, size_t *outlen)
{
	const struct sl_part *p = &m->parts[idx(m, id)];
	const unsigned char *at = memmem(p->data, p->size, needle, strlen(needle));
	size_t b, n = strlen(needle);
	struct sl_buf want;
	assert_non_null(at);
	b = (size_t)(at - p->data);
	sl_edits_add(e, idx(m, id), b, b + n, repl);
	sl_buf_init(&want, 0);
	sl_buf_add(&want, p->data, b);
	sl_buf_addstr(&want, repl);
	sl_buf_add(&want, p->data + b + n, p->size - b - n);
	*outlen = want.len;
	return sl_buf_take(&want);
}

static void check_edits(int crlf)
{
	struct sl_msg *m = parse(edits_msg, crlf), *r;
	struct sl_edits e = { 0 };
	struct out o;
	size_t qn, bn;
	char *q, *b;
	const struct sl_part *rp;
	const char *eol = crlf ? "\r\n" : "\n";

	q = edit_first(m, &e, "1", "http://evil.test/login", "hxxp://evil[.]test/login", &qn);
	b = edit_first(m, &e, "2", "http://evil.test/login", "[link removed: \xc3\xa9vil]", &bn);
	m->verdict = SL_VERDICT_REWRITE;
	o = rewrite(m, &e);
	eols_are(&o, crlf);
	starts_with(&o, "X-Sluice-Verdict: rewrite (");
	kept(m, &o, "3");
	assert_false(has(&o, "http://evil.test"));

	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	/* Same structure, same encodings, decoded content = the edited text. */
	rp = &r->parts[idx(r, "1")];
	assert_non_null(rp->encoding);
	assert_string_equal(rp->encoding, "quoted-printable");
	if (rp->size != qn || memcmp(rp->data, q, qn) != 0)
		fail_msg("QP part decodes to\n[%.*s]\nexpected\n[%.*s]", (int)rp->size, rp->data, (int)qn, q);
	rp = &r->parts[idx(r, "2")];
	assert_non_null(rp->encoding);
	assert_string_equal(rp->encoding, "base64");
	if (rp->size != bn || memcmp(rp->data, b, bn) != 0)
		fail_msg("base64 part decodes to\n[%.*s]\nexpected\n[%.*s]", (int)rp->size, rp->data, (int)bn, b);
	/* The QP body is still QP: the é stays encoded, no raw 8-bit bytes. */
	{
		const struct sl_part *p1 = &r->parts[idx(r, "1")];
		const unsigned char *s = r->raw + p1->body_start, *end = r->raw + p1->body_end;
		assert_non_null(memmem(s, (size_t)(end - s), "=C3=A9", 6));
		for (; s < end; s++)
			assert_true(*s < 0x80);
	}
	assert_memory_equal(r->parts[idx(r, "3")].data, "<p>untouched</p>", 16);
	(void)eol;
	sl_msg_free(r);
	free(o.p);
	free(q);
	free(b);
	sl_edits_clear(&e);
	sl_msg_free(m);
}

static void test_text_edits(void **state)
{
	check_edits(0);
}

static void test_text_edits_crlf(void **state)
{
	check_edits(1);
}

/* A single-part message whose text is edited. */
static void test_text_edit_single_part(void **state)
{
	static const char text[] = "From: a\n"
				   "Subject: s\n"
				   "Content-Type: text/plain\n"
				   "Content-Transfer-Encoding: base64\n"
				   "\n"
				   "VmlzaXQgaHR0cDovL2V2aWwudGVzdC9sb2dpbiBub3cuClRoYW5rcywgQm9iCg==\n";
	struct sl_msg *m = parse(text, 0), *r;
	struct sl_edits e = { 0 };
	struct out o;
	size_t n;
	char *want = edit_first(m, &e, "1", "http://evil.test/login", "(link removed)", &n);
	char *hb;
	m->verdict = SL_VERDICT_REWRITE;
	o = rewrite(m, &e);
	starts_with(&o, "X-Sluice-Verdict: rewrite (");
	hb = header_block(&o);
	assert_non_null(strstr(hb, "Subject: s"));
	assert_non_null(strstr(hb, "Content-Transfer-Encoding: base64"));
	free(hb);
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(r->parts[0].size, n);
	assert_memory_equal(r->parts[0].data, want, n);
	sl_msg_free(r);
	free(o.p);
	free(want);
	sl_edits_clear(&e);
	sl_msg_free(m);
}

/* ---- uuencode ----------------------------------------------------------- */

static const char uu_single[] =
	"From: a\n"
	"Subject: uu\n"
	"Content-Type: text/plain\n"
	"\n"
	"here it is\n"
	"begin 644 x.bin\n"
	"M?T5,1@ ! @,$!08'\" D*\"PP-#@\\0$1(3%!46%Q@9&AL<'1X?(\"$B(R0E)B<H\n"
	"3*2HK+\"TN+S Q,C,T-38W.#DZ.P  \n"
	"`\n"
	"end\n"
	"bye\n";

static const char uu_multi[] =
	"From: a\n"
	"Subject: uu\n"
	"Content-Type: multipart/mixed; boundary=U\n"
	"\n"
	"--U\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"here it is=3A\n"
	"begin 644 x.bin\n"
	"M?T5,1@ ! @,$!08'\" D*\"PP-#@\\0$1(3%!46%Q@9&AL<'1X?(\"$B(R0E)B<H\n"
	"3*2HK+\"TN+S Q,C,T-38W.#DZ.P  \n"
	"`\n"
	"end\n"
	"bye\n"
	"--U\n"
	"Content-Type: text/plain\n"
	"\n"
	"second\n"
	"--U--\n";

static void check_uu(const char *text, int crlf, const char *lead, int multi)
{
	struct sl_msg *m = parse(text, crlf), *r;
	struct out o;
	const struct sl_part *t;
	const char *eol = crlf ? "\r\n" : "\n";
	char *s;
	int i;

	i = idx(m, "1/1");
	assert_int_equal(m->parts[i].origin, SL_ORIGIN_UUENCODE);
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", i, "'x.bin' is a program (ELF)");
	m->findings[0].action = SL_ACT_REMOVE;
	m->verdict = SL_VERDICT_REWRITE;
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	starts_with(&o, "X-Sluice-Verdict: rewrite (");
	assert_false(has(&o, "begin 644"));
	assert_false(has(&o, "M?T5,1@"));
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	/* The block is cut, the text around it stays, the file is gone. */
	assert_int_equal(sl_msg_find_part(r, "1/1"), -1);
	t = &r->parts[idx(r, "1")];
	s = sl_xasprintf("%s%s", lead, eol);
	if (memmem(t->data, t->size, s, strlen(s)) == NULL)
		fail_msg("text part lost '%s':\n[%.*s]\n--- output ---\n%.*s", lead, (int)t->size, t->data,
			 (int)o.n, o.p);
	free(s);
	s = sl_xasprintf("%sbye", eol); /* the last line break belongs to the boundary */
	if (memmem(t->data, t->size, s, strlen(s)) == NULL)
		fail_msg("text part lost 'bye':\n[%.*s]\n--- output ---\n%.*s", (int)t->size, t->data,
			 (int)o.n, o.p);
	free(s);
	assert_non_null(memmem(t->data, t->size, "\"x[.]bin\"", 9));
	assert_non_null(memmem(t->data, t->size, "Reference: SL-7KQ2", 18));
	assert_null(memmem(t->data, t->size, "begin 644", 9));
	if (multi) {
		kept(m, &o, "2");
		assert_string_equal(t->encoding, "quoted-printable");
	}
	sl_msg_free(r);
	free(o.p);
	sl_msg_free(m);
}

static void test_uuencode_removed_single(void **state)
{
	check_uu(uu_single, 0, "here it is", 0);
}

static void test_uuencode_removed_single_crlf(void **state)
{
	check_uu(uu_single, 1, "here it is", 0);
}

static void test_uuencode_removed_multipart(void **state)
{
	check_uu(uu_multi, 0, "here it is:", 1);
}

static void test_uuencode_removed_multipart_crlf(void **state)
{
	check_uu(uu_multi, 1, "here it is:", 1);
}

/* Found by fuzz_mime: a part sent uuencoded (here as the near-token "uue")
 * whose decoded text holds another uuencoded file. Cutting that file would
 * mean writing the part back uuencoded, without the begin/end lines the
 * encoder does not write: it would not read back. Refused: the scan holds it. */
static void test_uuencoded_part_not_edited(void **state)
{
	/* "here\nbegin 644 x.bin\nM...\n`\nend\nbye\n" uuencoded as one file */
	static const char inner[] = "here\nbegin 644 x.bin\n"
				    "M?T5,1@ ! @,$!08'\" D*\"PP-#@\\0$1(3%!46%Q@9&AL<'1X?(\"$B(R0E)B<H\n"
				    "`\nend\nbye\n";
	struct sl_buf b;
	struct sl_msg *m;
	char *why = NULL, *enc;
	unsigned char *out = NULL;
	size_t n = 0, i, k;
	int u;

	/* uuencode inner by hand: 45 bytes a line */
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\nSubject: uu\nContent-Type: text/plain\nContent-Transfer-Encoding: uue\n\n"
			  "begin 644 note.txt\n");
	for (i = 0; i < sizeof(inner) - 1; i += 45) {
		size_t len = sizeof(inner) - 1 - i < 45 ? sizeof(inner) - 1 - i : 45;
		char c = (char)(32 + len);
		sl_buf_add(&b, &c, 1);
		for (k = 0; k < len; k += 3) {
			unsigned char x[3] = { 0, 0, 0 };
			char q[4];
			size_t j;
			for (j = 0; j < 3 && k + j < len; j++)
				x[j] = (unsigned char)inner[i + k + j];
			q[0] = (char)(32 + (x[0] >> 2));
			q[1] = (char)(32 + (((x[0] & 3) << 4) | (x[1] >> 4)));
			q[2] = (char)(32 + (((x[1] & 15) << 2) | (x[2] >> 6)));
			q[3] = (char)(32 + (x[2] & 63));
			for (j = 0; j < 4; j++)
				if (q[j] == ' ')
					q[j] = '`';
			sl_buf_add(&b, q, 4);
		}
		sl_buf_add(&b, "\n", 1);
	}
	sl_buf_addstr(&b, "`\nend\n");
	enc = sl_buf_take(&b);
	m = parse(enc, 0);
	free(enc);
	assert_string_equal(m->parts[idx(m, "1")].encoding, "uuencode");
	assert_non_null(memmem(m->parts[idx(m, "1")].data, m->parts[idx(m, "1")].size, "begin 644 x.bin", 15));
	u = idx(m, "1/1");
	assert_int_equal(m->parts[u].origin, SL_ORIGIN_UUENCODE);
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", u, "'x.bin' is a program (ELF)");
	m->findings[0].action = SL_ACT_REMOVE;
	m->verdict = SL_VERDICT_REWRITE;
	assert_int_equal(sl_rewrite_email_check(m, NULL, &why), SL_EINVAL);
	free(why);
	assert_int_equal(sl_rewrite_email(m, NULL, &out, &n), SL_EINVAL);
	assert_null(out);
	sl_msg_free(m);
}

/* Found by fuzz_mime: a "begin" line the parse stage passed over (another
 * block began before its data) makes a file of the signature line once the
 * second block is cut out. The rewrite is refused (the scan quarantines). */
static const char uu_orphan[] =
	"From: a\n"
	"Subject: uu\n"
	"Content-Type: text/plain\n"
	"\n"
	"here it is\n"
	"begin 644 first.com\n"
	"this line is not uuencoded at all\n"
	"begin 644 x.bin\n"
	"M?T5,1@ ! @,$!08'\" D*\"PP-#@\\0$1(3%!46%Q@9&AL<'1X?(\"$B(R0E)B<H\n"
	"`\n"
	"end\n"
	"\n"
	"--\n"
	"Bob\n";

static void test_uuencode_cut_refused_when_it_makes_a_file(void **state)
{
	struct sl_msg *m = parse(uu_orphan, 0);
	char *why = NULL;
	unsigned char *out = NULL;
	size_t n = 0;
	int u = idx(m, "1/2");

	/* The first begin has no data: ripmime still saves an empty first.com,
	 * so it is a file (judged by its name). */
	assert_string_equal(m->parts[idx(m, "1/1")].filename, "first.com");
	assert_int_equal(m->parts[idx(m, "1/1")].size, 0);
	assert_string_equal(m->parts[u].filename, "x.bin");
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", u, "'x.bin' is a program");
	m->findings[0].action = SL_ACT_REMOVE;
	m->verdict = SL_VERDICT_REWRITE;
	assert_int_equal(sl_rewrite_email_check(m, NULL, &why), SL_EINVAL);
	assert_non_null(strstr(why, "part 1 would hold other uuencoded data"));
	free(why);
	assert_int_equal(sl_rewrite_email(m, NULL, &out, &n), SL_EINVAL);
	assert_null(out);
	sl_msg_free(m);
}

/* Two files, one cut: the other is still there, found as before. */
static void test_uuencode_cut_keeps_the_other(void **state)
{
	static const char two[] =
		"From: a\n"
		"Subject: uu\n"
		"Content-Type: text/plain\n"
		"\n"
		"begin 644 bad.bin\n"
		"M?T5,1@ ! @,$!08'\" D*\"PP-#@\\0$1(3%!46%Q@9&AL<'1X?(\"$B(R0E)B<H\n"
		"`\n"
		"end\n"
		"and a good one\n"
		"begin 644 good.txt\n"
		"%:&5L;&\\*\n"
		"`\n"
		"end\n";
	struct sl_msg *m = parse(two, 0), *r;
	struct out o;
	char *why = NULL;
	int bad = idx(m, "1/1"), good = idx(m, "1/2");

	assert_string_equal(m->parts[bad].filename, "bad.bin");
	assert_string_equal(m->parts[good].filename, "good.txt");
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", bad, "a program");
	m->findings[0].action = SL_ACT_REMOVE;
	m->verdict = SL_VERDICT_REWRITE;
	if (sl_rewrite_email_check(m, NULL, &why) != SL_OK)
		fail_msg("refused: %s", why);
	o = rewrite(m, NULL);
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(sl_msg_find_part(r, "1/2"), -1);
	assert_string_equal(r->parts[idx(r, "1/1")].filename, "good.txt");
	assert_int_equal(r->parts[idx(r, "1/1")].size, m->parts[good].size);
	assert_memory_equal(r->parts[idx(r, "1/1")].data, m->parts[good].data, m->parts[good].size);
	sl_msg_free(r);
	free(o.p);
	sl_msg_free(m);
}

/* ---- inside a forwarded message ----------------------------------------- */

static const char forwarded[] =
	"From: a@example.com\n"
	"Subject: Fwd: order\n"
	"Content-Type: multipart/mixed; boundary=B\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"\n"
	"see the forwarded message\n"
	"--B\n"
	"Content-Type: message/rfc822\n"
	"Content-Disposition: attachment; filename=\"order.eml\"\n"
	"\n"
	"From: c@example.com\n"
	"Subject: order\n"
	"Content-Type: multipart/mixed; boundary=C\n"
	"\n"
	"--C\n"
	"Content-Type: text/plain\n"
	"\n"
	"inner text\n"
	"--C\n"
	"Content-Type: application/octet-stream; name=\"tool.scr\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	"--C--\n"
	"\n"
	"--B\n"
	"Content-Type: application/pdf; name=\"a.pdf\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"JVBERi0xLjQKJcfsj6IK\n"
	"--B--\n";

static void check_forwarded(int crlf)
{
	struct sl_msg *m = parse(forwarded, crlf), *r;
	struct out o;
	char *ref = sl_msg_reference(m), *want;

	remove_part(m, "2.2", "'tool.scr' is a program");
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	kept(m, &o, "1");
	kept(m, &o, "2.1");
	kept(m, &o, "3");
	gone(m, &o, "2.2");
	assert_true(has(&o, "Subject: order"));
	assert_true(has(&o, "tool[.]scr"));
	want = sl_xasprintf("Reference: %s/2.2", ref);
	assert_true(has(&o, want));
	free(want);
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_true(r->parts[idx(r, "2")].is_container);
	assert_string_equal(r->parts[idx(r, "2")].declared_type, "message/rfc822");
	assert_string_equal(r->parts[idx(r, "2.2")].declared_type, "text/plain");
	assert_non_null(memmem(r->parts[idx(r, "2.2")].data, r->parts[idx(r, "2.2")].size, "Reference: SL-7KQ2", 18));
	assert_memory_equal(r->parts[idx(r, "2.1")].data, "inner text", 10);
	sl_msg_free(r);
	free(o.p);
	free(ref);
	sl_msg_free(m);
}

static void test_removed_inside_rfc822(void **state)
{
	check_forwarded(0);
}

static void test_removed_inside_rfc822_crlf(void **state)
{
	check_forwarded(1);
}

/* Removal and text edits in one message. */
static void test_remove_and_edit(void **state)
{
	struct sl_msg *m = parse(mixed, 0), *r;
	struct sl_edits e = { 0 };
	struct out o;
	size_t n;
	char *want = edit_first(m, &e, "1", "http://evil.test/login", "hxxp://evil[.]test/login", &n);
	remove_part(m, "2", "'invoice.pdf.exe' is a program");
	o = rewrite(m, &e);
	gone(m, &o, "2");
	kept(m, &o, "3");
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(r->parts[idx(r, "1")].size, n);
	assert_memory_equal(r->parts[idx(r, "1")].data, want, n);
	assert_string_equal(r->parts[idx(r, "2")].declared_type, "text/plain");
	sl_msg_free(r);
	free(o.p);
	free(want);
	sl_edits_clear(&e);
	sl_msg_free(m);
}

/* BUG: rewrite.c:324 (sl_rewrite_email, the splice loop: "if (p->body_end < 0)
 * continue;") skips a removed part that is a container: multipart and
 * message/rfc822 parts have no body range of their own (mime.c sets only
 * hdr_start for them), so a "remove" on a forwarded message as a whole (or a
 * structure/limit finding on a multipart when policy.structure=remove) leaves
 * everything in place while the verdict says rewrite: delivered as is.
 * Expected: the container is cut from its hdr_start to the body_end of its
 * last descendant (or mime.c records body_start/body_end for containers). */
static void test_removed_container(void **state)
{
	struct sl_msg *m = parse(forwarded, 0), *r;
	struct out o;
	remove_part(m, "2", "the forwarded message holds a virus");
	o = rewrite(m, NULL);
	kept(m, &o, "1");
	kept(m, &o, "3");
	gone(m, &o, "2.1");
	gone(m, &o, "2.2");
	assert_false(has(&o, "Subject: order\n"));
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_string_equal(r->parts[idx(r, "2")].declared_type, "text/plain");
	sl_msg_free(r);
	free(o.p);
	sl_msg_free(m);
}

static void test_edits_helpers(void **state)
{
	struct sl_edits e = { 0 };
	int i;
	for (i = 0; i < 20; i++)
		sl_edits_add(&e, i, (size_t)i, (size_t)i + 1, "x");
	sl_edits_add_bytes(&e, 1, 0, 0, "a\0b", 3);
	assert_int_equal(e.n, 21);
	assert_int_equal(e.v[20].replacement_len, 3);
	assert_memory_equal(e.v[20].replacement, "a\0b", 3);
	assert_int_equal(e.v[19].part, 19);
	assert_string_equal(e.v[19].replacement, "x");
	sl_edits_clear(&e);
	assert_int_equal(e.n, 0);
	assert_null(e.v);
}

/* A removal or an edit that cannot be carried out on the raw bytes is refused
 * whole (no output), never done halfway: delivering the part it should have
 * removed would be the one thing worse than quarantine. */
static void test_impossible_rewrite_refused(void **state)
{
	struct sl_msg *m = parse(mixed, 0);
	struct sl_edits e = { 0 };
	unsigned char *out = (unsigned char *)1;
	size_t outlen = 1;
	char *why = NULL;
	int two = idx(m, "2");

	remove_part(m, "2", "a program");
	assert_int_equal(sl_rewrite_email_check(m, NULL, &why), SL_OK);
	m->parts[two].body_end = -1; /* its place in the raw message is unknown */
	m->parts[two].hdr_start = -1;
	m->parts[two].body_start = -1;
	assert_int_equal(sl_rewrite_email_check(m, NULL, &why), SL_EINVAL);
	assert_non_null(strstr(why, "part 2"));
	free(why);
	why = NULL;
	assert_int_equal(sl_rewrite_email(m, NULL, &out, &outlen), SL_EINVAL);
	assert_null(out);
	assert_int_equal(outlen, 0);

	/* The same for a text edit on a part whose body cannot be found. */
	m->findings[0].action = SL_ACT_NONE;
	sl_edits_add(&e, two, 0, 1, "x");
	assert_int_equal(sl_rewrite_email_check(m, &e, &why), SL_EINVAL);
	free(why);
	sl_edits_clear(&e);
	sl_msg_free(m);
}

/* ---- what sluice writes is escaped (issue 10) --------------------------- */

/* Lines of o that start with prefix. */
static int lines_starting(const struct out *o, const char *prefix)
{
	size_t i, n = 0, pl = strlen(prefix);
	for (i = 0; i + pl <= o->n; i++)
		if ((i == 0 || o->p[i - 1] == '\n') && memcmp(o->p + i, prefix, pl) == 0)
			n++;
	return n;
}

/* An RFC 2231 file name carrying CR LF, a boundary line, an HTML part and a
 * link: the notice that stands in for the part must not grow parts. */
static const char injected_name[] =
	"From: a@example.test\n"
	"To: b@example.test\n"
	"Subject: the report\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"SEP\"\n"
	"\n"
	"--SEP\n"
	"Content-Type: text/plain\n"
	"\n"
	"see attached\n"
	"--SEP\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment;\n"
	" filename*=utf-8''r%0D%0A--SEP%0D%0AContent-Type%3A%20text%2Fhtml%0D%0A%0D%0A%3Ca%20href%3D%22https%3A%2F%2Fphishing.test%2Fx%22%3Eopen%3C%2Fa%3E%0D%0A--SEP--%0D%0A%E2%80%AEtxt.cmd\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"QGVjaG8gb2ZmDQo=\n"
	"--SEP--\n";

static void check_injected_name(int crlf)
{
	struct sl_msg *m = parse(injected_name, crlf), *r;
	struct out o;
	const struct sl_part *np;
	char *why;
	size_t i;
	int two = idx(m, "2");

	assert_non_null(m->parts[two].filename);
	assert_non_null(strchr(m->parts[two].filename, '\n')); /* the parser decoded the CR LF */
	why = sl_xasprintf("'%s' is a script (DOS batch file)", m->parts[two].filename);
	remove_part(m, "2", why);
	free(why);
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	/* The two delimiters and the close of the original, nothing more. */
	assert_int_equal(lines_starting(&o, "--SEP"), 3);
	assert_false(has(&o, "phishing.test"));
	assert_false(has(&o, "<a href"));
	assert_false(has(&o, "\xe2\x80\xae"));
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	for (i = 0; i < r->nparts; i++)
		if (r->parts[i].declared_type != NULL)
			assert_string_not_equal(r->parts[i].declared_type, "text/html");
	assert_int_equal(sl_msg_find_part(r, "3"), -1);
	np = &r->parts[idx(r, "2")];
	assert_string_equal(np->declared_type, "text/plain");
	assert_null(np->filename);
	/* The name is there, escaped: every hidden character shown. */
	assert_non_null(memmem(np->data, np->size, "r[U+000D][U+000A]-", 18));
	assert_non_null(memmem(np->data, np->size, "[U+202E]txt[.]cmd", 17));
	assert_non_null(memmem(np->data, np->size, "hxxps[:]//phishing[.]test/x", 27));
	sl_msg_free(r);
	free(o.p);
	sl_msg_free(m);
}

static void test_injected_name(void **state)
{
	check_injected_name(0);
}

static void test_injected_name_crlf(void **state)
{
	check_injected_name(1);
}

/* The placeholder is built from parsed, decoded, sanitised fields: an
 * encoded Subject that carries CR LF, a header and markup; a display name
 * with a host; a group; an address that does not parse; a Message-ID that is
 * no msg-id; References with junk between the ids; and no blank line after
 * the header block, so that "headers" run to the end of the message. */
static const char hostile_headers[] =
	"From: =?utf-8?q?Support_team_www.evil.test?= <service@evil.test>\n"
	"To: agent@example.com, Team: x@example.com, y@example.com;\n"
	"Cc: \"Bad\" <bad>\n"
	"Subject: =?utf-8?b?SW52b2ljZQ0KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWwNCg0KPGI+aHR0cHM6Ly9waGlzaGluZy50ZXN0L3g8L2I+?=\n"
	"Date: Tue, 05 Mar 2024 14:02:31 +0100\n"
	"Message-ID: not-a-msg-id@example.com\n"
	"In-Reply-To: <prev.1@example.com>\n"
	"References: <a.1@example.com> junk <b.2@example.com> <bad id@example.com>\n"
	"Content-Type: text/plain\n"
	"<html><a href=\"https://phishing.test/y\">x</a>\n"
	"--BOUND\n";

static char *out_header(const struct out *o, const char *name)
{
	return sl_hdr_value(o->p, o->n, name);
}

static void check_hostile_placeholder(int crlf)
{
	struct sl_msg *m = parse(hostile_headers, crlf), *r;
	struct out o;
	char *v, *dec;
	size_t i;

	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "invalid header name at byte 400: %s",
			   "<html><a href=\"https://phishing.test/y\">x</a>\n");
	m->findings[m->nfindings - 1].action = SL_ACT_QUARANTINE;
	m->verdict = SL_VERDICT_QUARANTINE;
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	starts_with(&o, "X-Sluice-Verdict: quarantine (");
	/* Nothing of the original's bytes but what was parsed and escaped. */
	assert_false(has(&o, "phishing.test"));
	assert_false(has(&o, "evil.test\""));
	assert_false(has(&o, "<html>"));
	assert_false(has(&o, "--BOUND"));
	assert_int_equal(lines_starting(&o, "Content-Type:"), 1);
	for (i = 0; i < o.n; i++)
		assert_true(o.p[i] < 0x80); /* RFC 2047 headers, quoted-printable body */

	v = out_header(&o, "Subject");
	assert_non_null(v);
	dec = g_mime_utils_header_decode_text(NULL, v);
	if (strstr(dec, "Invoice[U+000D][U+000A]Content-Type: text/html[U+000D][U+000A][U+000D][U+000A]") == NULL ||
	    strstr(dec, "\xe2\x80\xb9" "b\xe2\x80\xbahxxps[:]//phishing[.]test/x") == NULL)
		fail_msg("Subject: %s", dec);
	g_free(dec);
	free(v);
	v = out_header(&o, "From");
	dec = g_mime_utils_header_decode_text(NULL, v);
	assert_non_null(strstr(dec, "Support team www[.]evil[.]test"));
	assert_non_null(strstr(dec, "<service@evil.test>"));
	g_free(dec);
	free(v);
	v = out_header(&o, "To");
	assert_string_equal(v, "agent@example.com, x@example.com, y@example.com");
	free(v);
	assert_null(out_header(&o, "Cc"));
	assert_null(out_header(&o, "Message-ID"));
	v = out_header(&o, "In-Reply-To");
	assert_string_equal(v, "<prev.1@example.com>");
	free(v);
	v = out_header(&o, "References");
	assert_string_equal(v, "<a.1@example.com> <b.2@example.com>");
	free(v);
	v = out_header(&o, "Date");
	assert_string_equal(v, "Tue, 05 Mar 2024 14:02:31 +0100");
	free(v);

	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(r->nparts, 1);
	assert_string_equal(r->parts[0].declared_type, "text/plain");
	assert_non_null(memmem(r->parts[0].data, r->parts[0].size, "\xe2\x80\xb9html\xe2\x80\xba", 10));
	assert_non_null(memmem(r->parts[0].data, r->parts[0].size, "hxxps[:]//phishing[.]test/y", 27));
	sl_msg_free(r);
	free(o.p);
	sl_msg_free(m);
}

static void test_placeholder_from_parsed_fields(void **state)
{
	check_hostile_placeholder(0);
}

static void test_placeholder_from_parsed_fields_crlf(void **state)
{
	check_hostile_placeholder(1);
}

/* Valid ids are kept as they are, so the placeholder threads with the
 * conversation; a long References keeps its first id and its last ones. */
static void test_placeholder_threads(void **state)
{
	struct sl_buf b;
	struct sl_msg *m;
	struct out o;
	char *v;
	int i;

	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a@example.com\nSubject: Re: order\nMessage-ID: <m.1@mail.example.com>\n"
			  "In-Reply-To: <r.29@example.com>\nReferences:");
	for (i = 0; i < 30; i++)
		sl_buf_printf(&b, "\n <r.%d@example.com>", i);
	sl_buf_addstr(&b, "\n\nbody\n");
	m = parse(b.data, 0);
	sl_buf_free(&b);
	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "held");
	m->findings[0].action = SL_ACT_QUARANTINE;
	m->verdict = SL_VERDICT_QUARANTINE;
	o = rewrite(m, NULL);
	v = out_header(&o, "Message-ID");
	assert_string_equal(v, "<m.1@mail.example.com>");
	free(v);
	v = out_header(&o, "In-Reply-To");
	assert_string_equal(v, "<r.29@example.com>");
	free(v);
	v = out_header(&o, "References");
	assert_non_null(v);
	g_strdelimit(v, "\t", ' '); /* folded with tabs */
	assert_true(g_str_has_prefix(v, "<r.0@example.com> <r.11@example.com> "));
	assert_true(g_str_has_suffix(v, " <r.28@example.com> <r.29@example.com>"));
	assert_null(strstr(v, "<r.10@"));
	assert_null(strstr(v, "<r.1@"));
	free(v);
	free(o.p);
	sl_msg_free(m);
}

/* ---- incoming X-Sluice-* fields ----------------------------------------- */

static const char forged[] =
	"X-Sluice-Verdict: clean (SL-0000000000000000)\n"
	"From: a@example.com\n"
	"x-sluice-removed: nothing\n"
	"Subject: hi\n"
	"X-Sluice-Note: folded\n"
	" over two lines\n"
	"X-Sluiced: not ours\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"B\"\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"X-Sluice-Removed: a part header stays, with the part\n"
	"\n"
	"hello\n"
	"--B\n"
	"Content-Type: application/octet-stream; name=\"a.exe\"\n"
	"\n"
	"MZ\n"
	"--B--\n";

static const char forged_clean[] =
	"From: a@example.com\n"
	"Subject: hi\n"
	"X-Sluiced: not ours\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"B\"\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"X-Sluice-Removed: a part header stays, with the part\n"
	"\n"
	"hello\n"
	"--B\n"
	"Content-Type: application/octet-stream; name=\"a.exe\"\n"
	"\n"
	"MZ\n"
	"--B--\n";

static void check_forged(int crlf)
{
	struct sl_msg *m = parse(forged, crlf);
	struct out o;
	char *hb;
	size_t n;
	unsigned char *want = with_eol(forged_clean, strlen(forged_clean), crlf, &n);

	/* Clean: the input less the incoming fields of the top header block. */
	m->verdict = SL_VERDICT_CLEAN;
	o = rewrite(m, NULL);
	if (o.n != n || memcmp(o.p, want, n) != 0)
		fail_msg("clean output:\n%.*s", (int)o.n, o.p);
	free(o.p);
	/* Rewrite: one verdict, ours, at the top. */
	remove_part(m, "2", "a program");
	o = rewrite(m, NULL);
	hb = header_block(&o);
	starts_with(&o, "X-Sluice-Verdict: rewrite (SL-");
	assert_null(strstr(hb + 1, "X-Sluice-Verdict"));
	assert_null(strcasestr(hb, "x-sluice-removed: nothing"));
	assert_null(strstr(hb, "X-Sluice-Note"));
	assert_null(strstr(hb, "over two lines"));
	assert_non_null(strstr(hb, "X-Sluiced: not ours"));
	free(hb);
	kept(m, &o, "1");
	free(o.p);
	/* Quarantine: the placeholder has ours only. */
	m->findings[0].action = SL_ACT_QUARANTINE;
	m->verdict = SL_VERDICT_QUARANTINE;
	o = rewrite(m, NULL);
	assert_int_equal(lines_starting(&o, "X-Sluice-"), 1);
	assert_false(has(&o, "SL-0000000000000000"));
	free(o.p);
	free(want);
	sl_msg_free(m);
}

static void test_forged_headers_removed(void **state)
{
	check_forged(0);
}

static void test_forged_headers_removed_crlf(void **state)
{
	check_forged(1);
}

/* A message saved from an mbox starts with a "From " separator line. Our
 * verdict field goes under it: on top of it, the line would be a broken
 * header field in our own output (found by the parser differential on a
 * fuzzer's input). */
static void check_mbox_line(const char *text, const char *part, int crlf)
{
	char *src = sl_xasprintf("From customer@example.com Fri Mar  1 09:15:00 2024\n%s", text);
	struct sl_msg *m = parse(src, crlf), *r;
	struct out o;
	const char *eol = crlf ? "\r\n" : "\n";
	char *want;

	no_structure_findings(m);
	remove_part(m, part, "a program");
	o = rewrite(m, NULL);
	eols_are(&o, crlf);
	want = sl_xasprintf("From customer@example.com Fri Mar  1 09:15:00 2024%sX-Sluice-Verdict: rewrite (", eol);
	starts_with(&o, want);
	free(want);
	assert_int_equal(lines_starting(&o, "From "), 1);
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	sl_msg_free(r);
	free(o.p);
	sl_msg_free(m);
	free(src);
}

static void test_mbox_line_stays_first(void **state)
{
	int crlf;
	for (crlf = 0; crlf <= 1; crlf++) {
		check_mbox_line(mixed, "2", crlf);      /* parts spliced */
		check_mbox_line(single_exe, "1", crlf); /* headers copied, notice */
	}
}

static void test_own_header_names(void **state)
{
	assert_true(sl_is_own_header("X-Sluice-Verdict"));
	assert_true(sl_is_own_header("x-sluice-removed"));
	assert_true(sl_is_own_header("X-SLUICE-Anything"));
	assert_false(sl_is_own_header("X-Sluice"));
	assert_false(sl_is_own_header("X-Sluiced"));
	assert_false(sl_is_own_header("Subject"));
	assert_false(sl_is_own_header(""));
}

/* ---- every finding carried out, or nothing (issue 10) ------------------- */

static void expect_refused(const struct sl_msg *m, const struct sl_edits *e, const char *must_say)
{
	char *why = NULL;
	unsigned char *out = (unsigned char *)1;
	size_t n = 1;
	assert_int_equal(sl_rewrite_email_check(m, e, &why), SL_EINVAL);
	if (why == NULL || strstr(why, must_say) == NULL)
		fail_msg("refused because '%s', expected '%s'", why ? why : "(null)", must_say);
	free(why);
	assert_int_equal(sl_rewrite_email(m, e, &out, &n), SL_EINVAL);
	assert_null(out);
	assert_int_equal(n, 0);
}

static void test_findings_need_edits(void **state)
{
	struct sl_msg *m = parse(mixed, 0);
	struct sl_edits e = { 0 };
	char *why = NULL;
	size_t n;
	char *want;
	int one = idx(m, "1"), u;

	/* A defang finding with no link of its rule in its part. */
	sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", one, "the destination evil.test is on the blocklist");
	m->findings[0].action = SL_ACT_DEFANG;
	m->verdict = SL_VERDICT_REWRITE;
	expect_refused(m, NULL, "names no link");
	/* The link, but no edit for it: the output would be the input. */
	u = sl_msg_add_url(m, one, "http://evil.test/login", 0, 0, SL_URLCTX_TEXT, NULL);
	m->urls[u].reputation = SL_REP_MALICIOUS;
	expect_refused(m, NULL, "could not be disarmed");
	want = edit_first(m, &e, "1", "http://evil.test/login", "hxxp[:]//evil[.]test/login", &n);
	expect_refused(m, &e, "could not be disarmed"); /* an edit that says nothing of the link */
	sl_edits_disarm(&e, (size_t)u);
	assert_int_equal(sl_rewrite_email_check(m, &e, &why), SL_OK);
	/* A removed part needs no edits for its links. */
	sl_edits_clear(&e);
	remove_part(m, "1", "a program");
	assert_int_equal(sl_rewrite_email_check(m, NULL, &why), SL_OK);
	free(want);
	sl_msg_free(m);
}

static void test_bad_edits_refused(void **state)
{
	struct sl_msg *m = parse(mixed, 0);
	struct sl_edits e = { 0 };
	int one = idx(m, "1");
	size_t size = m->parts[one].size;

	m->verdict = SL_VERDICT_REWRITE;
	sl_edits_add(&e, one, 10, 20, "a");
	sl_edits_add(&e, one, 15, 25, "b");
	expect_refused(m, &e, "overlap");
	sl_edits_clear(&e);
	sl_edits_add(&e, one, size - 1, size + 1, "a");
	expect_refused(m, &e, "outside");
	sl_edits_clear(&e);
	sl_edits_add(&e, 99, 0, 1, "a");
	expect_refused(m, &e, "does not have");
	sl_edits_clear(&e);
	/* Touching edits are fine. */
	sl_edits_add(&e, one, 10, 20, "a");
	sl_edits_add(&e, one, 20, 25, "b");
	{
		char *why = NULL;
		assert_int_equal(sl_rewrite_email_check(m, &e, &why), SL_OK);
	}
	sl_edits_clear(&e);
	sl_msg_free(m);
}

/* ---- re-encoded quoted-printable never starts a line with "--" ---------- */

static void test_qp_no_boundary_at_line_start(void **state)
{
	struct sl_buf b;
	struct sl_msg *m, *r;
	struct sl_edits e = { 0 };
	struct out o;
	size_t n;
	char *want;
	int k;

	/* Lines of every length around the encoder's line width, each ending
	 * in the boundary: wherever the encoder breaks, one lands on it. */
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"Q\"\n\n"
			  "--Q\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: quoted-printable\n\n"
			  "hello http://evil.test/ here\n");
	for (k = 60; k < 160; k++) {
		int j;
		for (j = 0; j < k; j++)
			sl_buf_addstr(&b, "x");
		sl_buf_addstr(&b, "=2D-Q--=\n=2D-Q\n");
	}
	sl_buf_addstr(&b, "--Q--\n");
	m = parse(b.data, 0);
	sl_buf_free(&b);
	want = edit_first(m, &e, "1", "http://evil.test/", "hxxp[:]//evil[.]test/", &n);
	m->verdict = SL_VERDICT_REWRITE;
	o = rewrite(m, &e);
	assert_int_equal(lines_starting(&o, "--Q"), 2);
	r = parse_bytes(o.p, o.n);
	no_structure_findings(r);
	assert_int_equal(r->nparts, m->nparts);
	assert_int_equal(r->parts[idx(r, "1")].size, n);
	assert_memory_equal(r->parts[idx(r, "1")].data, want, n);
	sl_msg_free(r);
	free(o.p);
	free(want);
	sl_edits_clear(&e);
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_identical),
		cmocka_unit_test(test_mbox_line_stays_first),
		cmocka_unit_test(test_impossible_rewrite_refused),
		cmocka_unit_test(test_clean_identical_crlf),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_not_kept),
		cmocka_unit_test(test_remove_part),
		cmocka_unit_test(test_remove_part_crlf),
		cmocka_unit_test(test_quarantine_placeholder),
		cmocka_unit_test(test_quarantine_placeholder_crlf),
		cmocka_unit_test(test_reject_is_nothing),
		cmocka_unit_test(test_single_part_removed),
		cmocka_unit_test(test_single_part_removed_crlf),
		cmocka_unit_test(test_text_edits),
		cmocka_unit_test(test_text_edits_crlf),
		cmocka_unit_test(test_text_edit_single_part),
		cmocka_unit_test(test_uuencode_removed_single),
		cmocka_unit_test(test_uuencode_removed_single_crlf),
		cmocka_unit_test(test_uuencode_removed_multipart),
		cmocka_unit_test(test_uuencode_removed_multipart_crlf),
		cmocka_unit_test(test_uuencoded_part_not_edited),
		cmocka_unit_test(test_uuencode_cut_refused_when_it_makes_a_file),
		cmocka_unit_test(test_uuencode_cut_keeps_the_other),
		cmocka_unit_test(test_removed_inside_rfc822),
		cmocka_unit_test(test_removed_inside_rfc822_crlf),
		cmocka_unit_test(test_remove_and_edit),
		cmocka_unit_test(test_removed_container),
		cmocka_unit_test(test_edits_helpers),
		cmocka_unit_test(test_injected_name),
		cmocka_unit_test(test_injected_name_crlf),
		cmocka_unit_test(test_placeholder_from_parsed_fields),
		cmocka_unit_test(test_placeholder_from_parsed_fields_crlf),
		cmocka_unit_test(test_placeholder_threads),
		cmocka_unit_test(test_forged_headers_removed),
		cmocka_unit_test(test_forged_headers_removed_crlf),
		cmocka_unit_test(test_own_header_names),
		cmocka_unit_test(test_findings_need_edits),
		cmocka_unit_test(test_bad_edits_refused),
		cmocka_unit_test(test_qp_no_boundary_at_line_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
