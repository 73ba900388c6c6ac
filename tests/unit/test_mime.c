/*
 * test_mime - the parse stage on small handmade messages (LF and CRLF): part
 * numbering, file names (RFC 2047, RFC 2231) as UTF-8, transfer decoding,
 * the byte ranges the rewriter splices by, uuencoded blocks as parts of
 * their own, and every ambiguity or limit as a finding.
 */
#include <glib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "mime.h"
#include "msg.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

/* A copy of text with every LF made CRLF when crlf is set. */
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

/* Parses len bytes of text (LF or CRLF) with a default config plus overrides. */
static struct sl_msg *parse_n(const char *text, size_t len, int crlf, const char *const *ov, size_t nov)
{
	struct sl_config *cfg = NULL;
	struct sl_mime *mi;
	struct sl_msg *m;
	char *why = NULL;
	size_t n;
	unsigned char *raw = with_eol(text, len, crlf, &n);

	if (sl_config_load(NULL, ov, nov, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	mi = sl_mime_new(cfg, &why);
	assert_non_null(mi);
	m = sl_msg_new_take(SL_CHANNEL_EMAIL, "test", raw, n);
	assert_int_equal(sl_mime_run(mi, m), SL_OK);
	sl_mime_free(mi);
	sl_config_unref(cfg);
	return m;
}

static struct sl_msg *parse(const char *text, int crlf)
{
	return parse_n(text, strlen(text), crlf, NULL, 0);
}

static struct sl_msg *parse_ov(const char *text, const char *o)
{
	const char *ov[] = { o };
	return parse_n(text, strlen(text), 0, ov, 1);
}

static const struct sl_part *part(const struct sl_msg *m, const char *id)
{
	int i = sl_msg_find_part(m, id);
	if (i < 0)
		fail_msg("no part %s", id);
	return &m->parts[i];
}

static int idx(const struct sl_msg *m, const char *id)
{
	int i = sl_msg_find_part(m, id);
	if (i < 0)
		fail_msg("no part %s", id);
	return i;
}

/* The part's data is exactly want. */
static void data_is(const struct sl_part *p, const void *want, size_t n)
{
	if (p->size != n || p->data == NULL || memcmp(p->data, want, n) != 0)
		fail_msg("part %s: %zu bytes '%.*s', expected %zu bytes '%.*s'", p->id, p->size,
			 (int)p->size, p->data ? (const char *)p->data : "", n, (int)n, (const char *)want);
	assert_int_equal(p->data_len, n);
}

/* The raw message at the part's header offset starts with header; its
 * encoded body is exactly body (with the message's line ends). */
static void ranges_are(const struct sl_msg *m, const char *id, const char *header, const char *body)
{
	const struct sl_part *p = part(m, id);
	size_t hl = strlen(header), bl, blen;
	unsigned char *b = with_eol(body, strlen(body), m->crlf, &bl);
	assert_true(p->hdr_start >= 0);
	assert_true((size_t)p->hdr_start + hl <= m->raw_len);
	if (memcmp(m->raw + p->hdr_start, header, hl) != 0)
		fail_msg("part %s: raw[hdr_start=%lld..] is '%.*s', expected '%s'", id,
			 (long long)p->hdr_start, (int)hl, m->raw + p->hdr_start, header);
	assert_true(p->body_start >= p->hdr_start);
	assert_true(p->body_end >= p->body_start);
	assert_true((size_t)p->body_end <= m->raw_len);
	blen = (size_t)(p->body_end - p->body_start);
	if (blen != bl || memcmp(m->raw + p->body_start, b, bl) != 0)
		fail_msg("part %s: raw[%lld..%lld] is '%.*s', expected '%s'", id, (long long)p->body_start,
			 (long long)p->body_end, (int)blen, m->raw + p->body_start, body);
	free(b);
}

static int count_findings(const struct sl_msg *m, enum sl_finding_kind k, const char *rule)
{
	size_t i;
	int n = 0;
	for (i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == k && strcmp(m->findings[i].rule, rule) == 0)
			n++;
	return n;
}

static void no_findings(const struct sl_msg *m)
{
	if (m->nfindings != 0)
		fail_msg("unexpected finding %s/%s on %d: %s", sl_finding_kind_name(m->findings[0].kind),
			 m->findings[0].rule, m->findings[0].part, m->findings[0].detail);
}

/* ---- numbering and ranges ----------------------------------------------- */

static const char single[] =
	"From: a@example.com\n"
	"Subject: hello\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"Hello there.\n"
	"Bye.\n";

static void check_single(int crlf)
{
	struct sl_msg *m = parse(single, crlf);
	const struct sl_part *p;
	no_findings(m);
	assert_int_equal(m->crlf, crlf);
	assert_int_equal(m->nparts, 1);
	p = part(m, "1");
	assert_int_equal(p->parent, -1);
	assert_int_equal(p->origin, SL_ORIGIN_MIME);
	assert_false(p->is_container);
	assert_false(p->is_attachment);
	assert_true(p->is_body_text);
	assert_string_equal(p->declared_type, "text/plain");
	assert_string_equal(p->charset, "us-ascii");
	/* The one part owns the whole header block. */
	assert_int_equal(p->hdr_start, 0);
	ranges_are(m, "1", "From: a@example.com", "Hello there.\nBye.\n");
	if (crlf)
		data_is(p, "Hello there.\r\nBye.\r\n", 20);
	else
		data_is(p, "Hello there.\nBye.\n", 18);
	assert_true(m->headers_end > 0);
	assert_int_equal(p->depth, 0);
	sl_msg_free(m);
}

static void test_single_part(void **state)
{
	check_single(0);
}

static void test_single_part_crlf(void **state)
{
	check_single(1);
}

static void test_no_content_type(void **state)
{
	struct sl_msg *m = parse("From: a\nSubject: s\n\nplain\n", 0);
	no_findings(m);
	assert_int_equal(m->nparts, 1);
	assert_string_equal(part(m, "1")->declared_type, "text/plain");
	assert_true(part(m, "1")->is_body_text);
	data_is(part(m, "1"), "plain\n", 6);
	sl_msg_free(m);
}

static const char nested[] =
	"From: a@example.com\n"
	"Subject: nested\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\n"
	"\n"
	"This is a preamble.\n"
	"--outer\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"first\n"
	"--outer\n"
	"Content-Type: multipart/alternative; boundary=inner\n"
	"\n"
	"--inner\n"
	"Content-Type: text/plain\n"
	"\n"
	"alt text\n"
	"--inner\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>alt html</p>\n"
	"--inner--\n"
	"\n"
	"--outer\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment; filename=\"data.bin\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"AAECAwQ=\n"
	"--outer--\n"
	"epilogue\n";

static void check_nested(int crlf)
{
	struct sl_msg *m = parse(nested, crlf);
	const struct sl_part *p;
	no_findings(m);
	assert_int_equal(m->crlf, crlf);
	/* 0 (mixed), 1, 2 (alternative), 2.1, 2.2, 3 */
	assert_int_equal(m->nparts, 6);
	p = part(m, "0");
	assert_true(p->is_container);
	assert_int_equal(p->parent, -1);
	assert_string_equal(p->declared_type, "multipart/mixed");
	assert_int_equal(p->hdr_start, 0);
	assert_int_equal(part(m, "1")->parent, idx(m, "0"));
	assert_int_equal(part(m, "2")->parent, idx(m, "0"));
	assert_int_equal(part(m, "3")->parent, idx(m, "0"));
	assert_true(part(m, "2")->is_container);
	assert_string_equal(part(m, "2")->declared_type, "multipart/alternative");
	assert_int_equal(part(m, "2.1")->parent, idx(m, "2"));
	assert_int_equal(part(m, "2.2")->parent, idx(m, "2"));
	assert_string_equal(part(m, "2.2")->declared_type, "text/html");
	assert_true(part(m, "2.2")->is_body_text);
	assert_int_equal(part(m, "2.2")->depth, 2);
	assert_false(part(m, "1")->is_container);

	ranges_are(m, "1", "Content-Type: text/plain; charset=utf-8", "first");
	ranges_are(m, "2.1", "Content-Type: text/plain", "alt text");
	ranges_are(m, "2.2", "Content-Type: text/html", "<p>alt html</p>");
	ranges_are(m, "3", "Content-Type: application/octet-stream", "AAECAwQ=");
	assert_int_equal(memcmp(m->raw + part(m, "2")->hdr_start, "Content-Type: multipart/alternative", 35), 0);

	data_is(part(m, "1"), "first", 5);
	data_is(part(m, "2.1"), "alt text", 8);
	data_is(part(m, "3"), "\0\1\2\3\4", 5);
	assert_true(part(m, "3")->is_attachment);
	assert_false(part(m, "3")->is_body_text);
	assert_string_equal(part(m, "3")->filename, "data.bin");
	assert_null(part(m, "3")->alt_filename);
	assert_string_equal(part(m, "3")->encoding, "base64");
	assert_string_equal(sl_msg_part_sha256(m, (int)(part(m, "3") - m->parts)),
			    "08bb5e5d6eaac1049ede0893d30ed022b1a4d9b5b48db414871f51c9cb35283d");
	sl_msg_free(m);
}

static void test_nested_multipart(void **state)
{
	check_nested(0);
}

static void test_nested_multipart_crlf(void **state)
{
	check_nested(1);
}

static const char forwarded[] =
	"From: a@example.com\n"
	"Subject: fwd\n"
	"Content-Type: multipart/mixed; boundary=B\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"\n"
	"see attached\n"
	"--B\n"
	"Content-Type: message/rfc822\n"
	"Content-Disposition: attachment\n"
	"\n"
	"From: c@example.com\n"
	"Subject: original\n"
	"Content-Type: multipart/mixed; boundary=C\n"
	"\n"
	"--C\n"
	"Content-Type: text/plain\n"
	"\n"
	"inner text\n"
	"--C\n"
	"Content-Type: application/pdf; name=\"in.pdf\"\n"
	"\n"
	"%PDF-1.4 inner\n"
	"--C--\n"
	"\n"
	"--B\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: simple\n"
	"\n"
	"just text\n"
	"--B--\n";

static void test_message_rfc822(void **state)
{
	struct sl_msg *m = parse(forwarded, 0);
	no_findings(m);
	assert_true(part(m, "2")->is_container);
	assert_string_equal(part(m, "2")->declared_type, "message/rfc822");
	/* message/rfc822 N: its content is N.1, N.2... */
	data_is(part(m, "2.1"), "inner text", 10);
	data_is(part(m, "2.2"), "%PDF-1.4 inner", 14);
	assert_non_null(part(m, "2.2")->filename);
	assert_string_equal(part(m, "2.2")->filename, "in.pdf"); /* the Content-Type name */
	assert_true(part(m, "2.2")->is_attachment);
	assert_int_equal(sl_msg_mime_ancestor(m, idx(m, "2.2")), idx(m, "2.2"));
	ranges_are(m, "2.2", "Content-Type: application/pdf", "%PDF-1.4 inner");
	/* 2.1's parent chain leads up to 2. */
	{
		int i = part(m, "2.1")->parent;
		while (i >= 0 && i != idx(m, "2"))
			i = m->parts[i].parent;
		assert_int_equal(i, idx(m, "2"));
	}
	/* A single-part message inside: 3.1. */
	assert_true(part(m, "3")->is_container);
	data_is(part(m, "3.1"), "just text", 9);
	assert_int_equal(sl_msg_find_part(m, "3.2"), -1);
	assert_int_equal(sl_msg_find_part(m, "4"), -1);
	sl_msg_free(m);
}

/* ---- names and decoding ------------------------------------------------- */

static const char names[] =
	"From: a\n"
	"Content-Type: multipart/mixed; boundary=N\n"
	"\n"
	"--N\n"
	"Content-Type: application/pdf\n"
	"Content-Disposition: attachment; filename=\"=?UTF-8?B?UmVjaG51bmcgZsO8ciBNw6RyeiAyMDI0LnBkZg==?=\"\n"
	"\n"
	"%PDF-1\n"
	"--N\n"
	"Content-Type: application/pdf\n"
	"Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%20Angebot.pdf\n"
	"\n"
	"%PDF-2\n"
	"--N\n"
	"Content-Type: application/pdf\n"
	"Content-Disposition: attachment; filename*=iso-8859-1''f%FCr.pdf\n"
	"\n"
	"%PDF-3\n"
	"--N\n"
	"Content-Type: application/pdf\n"
	"Content-Disposition: attachment;\n"
	" filename*0*=UTF-8''Stra%C3%9F;\n"
	" filename*1=\"e und Weg.pdf\"\n"
	"\n"
	"%PDF-4\n"
	"--N\n"
	"Content-Type: application/octet-stream; name=\"=?ISO-8859-1?Q?R=E9sum=E9.doc?=\"\n"
	"\n"
	"x\n"
	"--N\n"
	"Content-Type: application/octet-stream; name=\"shown.pdf\"\n"
	"Content-Disposition: attachment; filename=\"real.exe\"\n"
	"\n"
	"y\n"
	"--N\n"
	"Content-Type: application/octet-stream; name=\"same.txt\"\n"
	"Content-Disposition: inline; filename=\"same.txt\"\n"
	"\n"
	"z\n"
	"--N--\n";

static void test_filenames(void **state)
{
	struct sl_msg *m = parse(names, 0);
	no_findings(m);
	assert_string_equal(part(m, "1")->filename, "Rechnung f\xc3\xbcr M\xc3\xa4rz 2024.pdf");
	assert_string_equal(part(m, "2")->filename, "\xe2\x82\xac Angebot.pdf");
	assert_string_equal(part(m, "3")->filename, "f\xc3\xbcr.pdf");
	assert_string_equal(part(m, "4")->filename, "Stra\xc3\x9f" "e und Weg.pdf");
	/* Only a Content-Type name: it is the one name, still decoded. */
	{
		const struct sl_part *p = part(m, "5");
		const char *n = p->filename ? p->filename : p->alt_filename;
		assert_non_null(n);
		assert_string_equal(n, "R\xc3\xa9sum\xc3\xa9.doc");
		assert_true(p->is_attachment);
	}
	/* Both, different: both kept. */
	assert_string_equal(part(m, "6")->filename, "real.exe");
	assert_string_equal(part(m, "6")->alt_filename, "shown.pdf");
	/* Both, same: one. Inline with a name is still a file. */
	assert_string_equal(part(m, "7")->filename, "same.txt");
	assert_null(part(m, "7")->alt_filename);
	assert_true(part(m, "7")->is_attachment);
	assert_false(part(m, "7")->is_body_text);
	sl_msg_free(m);
}

static const char encodings[] =
	"From: a\n"
	"Content-Type: multipart/mixed; boundary=E\n"
	"\n"
	"--E\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: Quoted-Printable\n"
	"\n"
	"caf=C3=A9 a=3Db soft=\n"
	"break end\n"
	"--E\n"
	"Content-Type: application/octet-stream\n"
	"Content-Transfer-Encoding: BASE64\n"
	"\n"
	"AAEC\n"
	"AwQF\n"
	"BgcICQ==\n"
	"--E\n"
	"Content-Type: text/plain\n"
	"Content-Transfer-Encoding: 8bit\n"
	"\n"
	"gr\xc3\xbc\xc3\x9f" "e\n"
	"--E--\n";

static void check_encodings(int crlf)
{
	struct sl_msg *m = parse(encodings, crlf);
	const struct sl_part *p;
	no_findings(m);
	p = part(m, "1");
	assert_string_equal(p->encoding, "quoted-printable");
	assert_string_equal(p->charset, "utf-8");
	if (crlf)
		data_is(p, "caf\xc3\xa9 a=b soft" "break end", 23);
	else
		data_is(p, "caf\xc3\xa9 a=b soft" "break end", 23);
	ranges_are(m, "1", "Content-Type: text/plain; charset=utf-8",
		   "caf=C3=A9 a=3Db soft=\nbreak end");
	p = part(m, "2");
	assert_string_equal(p->encoding, "base64");
	data_is(p, "\0\1\2\3\4\5\6\7\10\11", 10);
	ranges_are(m, "2", "Content-Type: application/octet-stream", "AAEC\nAwQF\nBgcICQ==");
	p = part(m, "3");
	data_is(p, "gr\xc3\xbc\xc3\x9f" "e", 7);
	sl_msg_free(m);
}

static void test_encodings(void **state)
{
	check_encodings(0);
}

static void test_encodings_crlf(void **state)
{
	check_encodings(1);
}

/* ---- uuencode ----------------------------------------------------------- */

/* "\x7f" "ELF" + bytes 0..59, uuencoded by Python's binascii. */
static const char uu_text[] =
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

static void check_uu(int crlf)
{
	struct sl_msg *m = parse(uu_text, crlf);
	const struct sl_part *t, *u;
	unsigned char want[64];
	size_t i;
	const char *eol = crlf ? "\r\n" : "\n";
	char *block;

	want[0] = 0x7f, want[1] = 'E', want[2] = 'L', want[3] = 'F';
	for (i = 0; i < 60; i++)
		want[4 + i] = (unsigned char)i;
	t = part(m, "1");
	u = part(m, "1/1");
	assert_int_equal(u->origin, SL_ORIGIN_UUENCODE);
	assert_int_equal(u->parent, idx(m, "1"));
	assert_string_equal(u->filename, "x.bin");
	assert_true(u->is_attachment);
	data_is(u, want, sizeof(want));
	assert_int_equal(sl_msg_mime_ancestor(m, idx(m, "1/1")), idx(m, "1"));
	/* The span is the block in the text part's decoded data, begin to after end. */
	assert_true(u->span_begin < u->span_end);
	assert_true(u->span_end <= t->size);
	block = sl_xasprintf("begin 644 x.bin%s", eol);
	assert_int_equal(memcmp(t->data + u->span_begin, block, strlen(block)), 0);
	free(block);
	block = sl_xasprintf("end%s", eol);
	assert_int_equal(memcmp(t->data + u->span_end - strlen(block), block, strlen(block)), 0);
	free(block);
	assert_int_equal(u->span_begin, strlen("here it is") + strlen(eol));
	/* Not a MIME part: no raw ranges. */
	assert_int_equal(u->hdr_start, -1);
	assert_int_equal(u->body_start, -1);
	sl_msg_free(m);
}

static void test_uuencode_child(void **state)
{
	check_uu(0);
}

static void test_uuencode_child_crlf(void **state)
{
	check_uu(1);
}

/* ---- findings ----------------------------------------------------------- */

static void test_clean_has_no_findings(void **state)
{
	struct sl_msg *m = parse(forwarded, 1);
	no_findings(m);
	sl_msg_free(m);
}

static void test_two_content_types(void **state)
{
	struct sl_msg *m = parse("From: a\n"
				 "Content-Type: text/plain\n"
				 "Content-Type: text/html\n"
				 "\n"
				 "<b>hi</b>\n",
				 0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -2));
	sl_msg_free(m);

	/* In a part: the finding is on that part (or the message). */
	m = parse("From: a\n"
		  "Content-Type: multipart/mixed; boundary=X\n"
		  "\n"
		  "--X\n"
		  "Content-Type: text/plain\n"
		  "\n"
		  "ok\n"
		  "--X\n"
		  "Content-Type: application/pdf\n"
		  "Content-Type: application/x-msdownload\n"
		  "\n"
		  "MZ\n"
		  "--X--\n",
		  0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", idx(m, "2")) ||
		    sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -1));
	assert_false(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", idx(m, "1")));
	sl_msg_free(m);
}

static void test_two_transfer_encodings(void **state)
{
	struct sl_msg *m = parse("From: a\n"
				 "Content-Type: multipart/mixed; boundary=X\n"
				 "\n"
				 "--X\n"
				 "Content-Type: application/octet-stream\n"
				 "Content-Transfer-Encoding: base64\n"
				 "Content-Transfer-Encoding: 7bit\n"
				 "\n"
				 "TVo=\n"
				 "--X--\n",
				 0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -2));
	{
		size_t i;
		int named = 0;
		for (i = 0; i < m->nfindings; i++)
			if (strstr(m->findings[i].detail, "Content-Transfer-Encoding") != NULL)
				named = 1;
		assert_true(named);
	}
	sl_msg_free(m);
}

static void test_unterminated_multipart(void **state)
{
	struct sl_msg *m = parse("From: a\n"
				 "Content-Type: multipart/mixed; boundary=X\n"
				 "\n"
				 "--X\n"
				 "Content-Type: text/plain\n"
				 "\n"
				 "hi\n"
				 "--X\n"
				 "Content-Type: text/plain\n"
				 "\n"
				 "more\n",
				 0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -2));
	sl_msg_free(m);

	/* The same, terminated: nothing. */
	m = parse("From: a\n"
		  "Content-Type: multipart/mixed; boundary=X\n"
		  "\n"
		  "--X\n"
		  "Content-Type: text/plain\n"
		  "\n"
		  "hi\n"
		  "--X--\n",
		  0);
	no_findings(m);
	sl_msg_free(m);

	/* An inner multipart without its end inside a terminated outer one. */
	m = parse("From: a\n"
		  "Content-Type: multipart/mixed; boundary=OUT\n"
		  "\n"
		  "--OUT\n"
		  "Content-Type: multipart/alternative; boundary=IN\n"
		  "\n"
		  "--IN\n"
		  "Content-Type: text/plain\n"
		  "\n"
		  "a\n"
		  "--OUT--\n",
		  0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -2));
	sl_msg_free(m);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "From: a\nContent-Type: text/plain\n\nh\0idden\n";
	struct sl_msg *m = parse_n(text, sizeof(text) - 1, 0, NULL, 0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -1));
	sl_msg_free(m);
}

/* levels nested multiparts around one text leaf (leaf at depth `levels`). */
static char *nest(int levels)
{
	struct sl_buf b;
	int i;
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\nSubject: deep\n");
	for (i = 0; i < levels; i++) {
		if (i > 0)
			sl_buf_printf(&b, "--b%d\n", i - 1);
		sl_buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n", i);
	}
	sl_buf_printf(&b, "--b%d\nContent-Type: text/plain\n\ndeep leaf\n", levels - 1);
	for (i = levels - 1; i >= 0; i--)
		sl_buf_printf(&b, "--b%d--\n", i);
	return sl_buf_take(&b);
}

static void test_depth_limit(void **state)
{
	char *ok = nest(5), *deep = nest(6);
	struct sl_msg *m = parse_ov(ok, "limits.mime_depth=5");
	const struct sl_part *leaf;
	no_findings(m);
	leaf = part(m, "1.1.1.1.1");
	data_is(leaf, "deep leaf", 9);
	sl_msg_free(m);

	m = parse_ov(deep, "limits.mime_depth=5");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	assert_int_equal(count_findings(m, SL_FIND_LIMIT, "limit"), 1);
	assert_int_equal(sl_msg_find_part(m, "1.1.1.1.1.1"), -1);
	sl_msg_free(m);

	/* The default (20) lets 6 levels through. */
	m = parse(deep, 0);
	no_findings(m);
	sl_msg_free(m);
	free(ok);
	free(deep);
}

/* message/rfc822 nesting counts as nesting too. */
static void test_depth_limit_rfc822(void **state)
{
	struct sl_buf b;
	struct sl_msg *m;
	int i;
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\n");
	for (i = 0; i < 8; i++)
		sl_buf_addstr(&b, "Content-Type: message/rfc822\n\nFrom: b\n");
	sl_buf_addstr(&b, "Content-Type: text/plain\n\nbottom\n");
	m = parse_ov(b.data, "limits.mime_depth=5");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	sl_msg_free(m);
	sl_buf_free(&b);
}

static void test_max_parts(void **state)
{
	struct sl_buf b;
	struct sl_msg *m;
	int i;
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\nContent-Type: multipart/mixed; boundary=X\n\n");
	for (i = 0; i < 6; i++)
		sl_buf_printf(&b, "--X\nContent-Type: text/plain\n\np%d\n", i);
	sl_buf_addstr(&b, "--X--\n");
	m = parse_ov(b.data, "limits.max_parts=7");
	no_findings(m); /* 1 container + 6 leaves */
	assert_int_equal(m->nparts, 7);
	sl_msg_free(m);
	m = parse_ov(b.data, "limits.max_parts=3");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	assert_int_equal(count_findings(m, SL_FIND_LIMIT, "limit"), 1);
	assert_true(m->nparts <= 3);
	sl_msg_free(m);
	sl_buf_free(&b);
}

static void test_header_size(void **state)
{
	struct sl_buf b;
	struct sl_msg *m;
	int i;

	/* A 2000-byte Subject in the top header block. */
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\nSubject: ");
	for (i = 0; i < 2000; i++)
		sl_buf_addstr(&b, "x");
	sl_buf_addstr(&b, "\nContent-Type: text/plain\n\nhi\n");
	m = parse_ov(b.data, "limits.header_size=1k");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	sl_msg_free(m);
	m = parse_ov(b.data, "limits.header_size=4k");
	no_findings(m);
	sl_msg_free(m);
	sl_buf_free(&b);

	/* A folded 3000-byte Content-Disposition in a part. */
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\nContent-Type: multipart/mixed; boundary=X\n\n--X\n"
			  "Content-Type: application/pdf\nContent-Disposition: attachment;\n");
	for (i = 0; i < 100; i++)
		sl_buf_printf(&b, " x%02d=\"aaaaaaaaaaaaaaaaaaaaaaaa\";\n", i);
	sl_buf_addstr(&b, " filename=\"a.pdf\"\n\n%PDF\n--X--\n");
	m = parse_ov(b.data, "limits.header_size=1k");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	sl_msg_free(m);
	sl_buf_free(&b);
}


/* ---- readings other readers take (issue 12) ------------------------------ */

static int has_structure(const struct sl_msg *m)
{
	return sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -2);
}

static int has_name(const struct sl_part *p, const char *name)
{
	size_t i;
	if ((p->filename && strcmp(p->filename, name) == 0) ||
	    (p->alt_filename && strcmp(p->alt_filename, name) == 0))
		return 1;
	for (i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i], name) == 0)
			return 1;
	return 0;
}

/* A message whose part 2 has these headers and this body. */
static struct sl_msg *with_part(const char *headers, const char *body, int crlf)
{
	char *t = sl_xasprintf("From: a@example.com\n"
			       "Content-Type: multipart/mixed; boundary=\"X\"\n"
			       "\n"
			       "--X\n"
			       "Content-Type: text/plain\n"
			       "\n"
			       "hi\n"
			       "--X\n"
			       "%s\n"
			       "\n"
			       "%s\n"
			       "--X--\n",
			       headers, body);
	struct sl_msg *m = parse(t, crlf);
	free(t);
	return m;
}

/* Only headers that change how the message is read are ambiguity when
 * repeated (issue 10, section 2). */
static void test_duplicate_headers(void **state)
{
	struct sl_msg *m = parse("From: a@example.com\nTo: b@example.com\nTo: c@example.com\n"
				 "Cc: d@example.com\nCc: e@example.com\nSubject: one\nSubject: two\n"
				 "Content-Type: text/plain\nContent-Type: text/plain\n\nhi\n",
				 1);
	no_findings(m);
	sl_msg_free(m);
	m = with_part("Content-Type: application/octet-stream\n"
		      "Content-Disposition: attachment; filename=a.txt\n"
		      "Content-Disposition: attachment; filename=a.js",
		      "x", 0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", idx(m, "2")));
	sl_msg_free(m);
	m = parse("From: a\nMIME-Version: 1.0\nMIME-Version: 2.0\nContent-Type: text/plain\n\nhi\n", 0);
	assert_true(has_structure(m));
	sl_msg_free(m);
}

static void test_names_every_reading(void **state)
{
	struct sl_msg *m;
	int crlf;
	for (crlf = 0; crlf < 2; crlf++) {
		/* GMime drops the parameters of a type it cannot read; readers show the name. */
		m = with_part("Content-Type: application; name=\"invoice.js\"", "x", crlf);
		assert_true(has_name(part(m, "2"), "invoice.js"));
		assert_string_equal(part(m, "2")->filename, "invoice.js");
		assert_true(part(m, "2")->is_attachment);
		no_findings(m);
		sl_msg_free(m);
		/* A missing semicolon. */
		m = with_part("Content-Type: application/octet-stream\n"
			      "Content-Disposition: attachment filename=\"x.js\"",
			      "x", crlf);
		assert_true(has_name(part(m, "2"), "x.js"));
		sl_msg_free(m);
		/* RFC 2231 with a single quote: GMime's name is empty. */
		m = with_part("Content-Type: application/octet-stream\n"
			      "Content-Disposition: attachment; filename*=UTF-8'invoice.js",
			      "x", crlf);
		assert_true(has_name(part(m, "2"), "invoice.js"));
		sl_msg_free(m);
		/* A comment in the name. */
		m = with_part("Content-Type: application/octet-stream\n"
			      "Content-Disposition: attachment; filename=\"invoice.js (.txt)\"",
			      "x", crlf);
		assert_true(has_name(part(m, "2"), "invoice.js (.txt)"));
		assert_true(has_name(part(m, "2"), "invoice.js"));
		sl_msg_free(m);
	}
}

/* Readings found by mutating the differential test's cases: where ripmime
 * reads a part (or a name) GMime does not. */
static void test_ripmime_readings(void **state)
{
	struct sl_msg *m;
	int crlf, i, found;
	for (crlf = 0; crlf < 2; crlf++) {
		/* A field named almost Content-Transfer-Encoding: another reading. */
		m = with_part("Content-Type: application/octet-stream\nX-Content-Transfer-Encoding: base64",
			      "f0VMRgIB", crlf);
		assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", idx(m, "2")));
		sl_msg_free(m);
		m = with_part("Content-Type: application/octet-stream\nContent-Transfer-Encoding base64",
			      "f0VMRgIB", crlf);
		assert_true(has_structure(m));
		sl_msg_free(m);
		/* ... that agrees with the real field is no finding; its name is judged. */
		m = with_part("Content-Type: application/octet-stream\nX-Content-Type: "
			      "application/octet-stream; name=\"a.js\"\nContent-Transfer-Encoding: 7bit",
			      "x", crlf);
		assert_false(has_structure(m));
		assert_true(has_name(part(m, "2"), "a.js"));
		sl_msg_free(m);
		/* A name on the top-level multipart, in any case. */
		m = parse("From: a\ncONTENT-dISPOSITION: ATTACHMENT; FILENAME=\"A.JS\"\n"
			  "Content-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain\n\nhi\n--X--\n",
			  crlf);
		assert_true(part(m, "0")->is_container);
		assert_true(has_name(part(m, "0"), "A.JS"));
		sl_msg_free(m);
		/* A part after the closing delimiter is a part (ripmime saves it). */
		m = parse("From: a\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain\n\n"
			  "hi\n--X--\nthanks\nContent-Type: application/x; name=\"e.js\"\n\nWScript.Echo(1)\n",
			  crlf);
		for (i = 0, found = 0; i < (int)m->nparts; i++)
			found |= has_name(&m->parts[i], "e.js");
		assert_true(found);
		sl_msg_free(m);
		/* A multipart with a transfer encoding: one file to ripmime. */
		m = parse("From: a\nContent-Type: multipart/mixed; boundary=X\n"
			  "Content-Disposition: attachment; filename=r.dat\nContent-Transfer-Encoding: base64\n\n"
			  "f0VMRgIB\n", crlf);
		data_is(part(m, "0/whole"), "\x7f" "ELF\x02\x01", 6);
		assert_true(has_name(part(m, "0/whole"), "r.dat"));
		sl_msg_free(m);
		/* One dash before the boundary; headers that run into a delimiter. */
		m = parse("From: a\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain\n\n"
			  "hi\n-)-X\nContent-Type: text/plain\n\nho\n--X--\n", crlf);
		assert_true(has_structure(m));
		sl_msg_free(m);
		m = parse("From: a\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: application/x\n"
			  "Content-Transfer-Encoding: base64\n--X\n\nf0VMRgIB\n--X--\n", crlf);
		assert_true(has_structure(m));
		sl_msg_free(m);
		/* A multipart whose Content-Type leaves a comment or quote open;
		 * a closed comment is fine. */
		m = parse("From: a\nContent-Type: multipart/mix(ed; boundary=X\n\n--X\nContent-Type: text/plain\n\n"
			  "hi\n--X--\n", crlf);
		assert_true(has_structure(m));
		sl_msg_free(m);
		m = parse("From: a\nContent-Type: multipart/mixed (web form); boundary=\"X\"\n\n--X\n"
			  "Content-Type: text/plain\n\nhi\n--X--\n", crlf);
		no_findings(m);
		sl_msg_free(m);
		/* A field like Content-Type that finds fewer parts is no finding. */
		m = parse("From: a\nX-Content-Type-Options: nosniff\nContent-Type: multipart/mixed; boundary=X\n\n"
			  "--X\nContent-Type: text/plain\n\nhi\n--X--\n", crlf);
		no_findings(m);
		sl_msg_free(m);
		/* ... but not a quoted-printable one: its soft breaks put any words
		 * at a line start (sluice's own placeholders among them). */
		m = with_part("Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable",
			      "reason: a field =\nContent-Type:x; name=3D\"a.js\"\n\nand more", crlf);
		assert_int_equal(m->nparts, 3);
		sl_msg_free(m);
		/* The raw body of a decoded part that holds a message is read too. */
		m = with_part("Content-Type: message/foo\nContent-Transfer-Encoding: base64",
			      "From: x\nContent-Type: application/x; name=\"in.js\"\n\nWScript.Echo(1)", crlf);
		for (i = 0, found = 0; i < (int)m->nparts; i++)
			found |= has_name(&m->parts[i], "in.js");
		assert_true(found);
		sl_msg_free(m);
	}
}

static void test_invalid_types(void **state)
{
	/* A multipart GMime cannot read: readers split it. */
	struct sl_msg *m = parse("From: a\nContent-Type: multipart; boundary=X\n\n--X\n\nhi\n--X--\n", 0);
	assert_true(has_structure(m));
	sl_msg_free(m);
	/* A leaf stays a leaf, and keeps its charset for the text stages. */
	m = parse("From: a\nContent-Type: text; charset=iso-8859-1\n\ncaf\xe9\n", 0);
	no_findings(m);
	assert_string_equal(part(m, "1")->charset, "iso-8859-1");
	sl_msg_free(m);
	/* A leaf with a boundary and delimiter lines: ripmime splits it. */
	m = parse("From: a\nContent-Type: text/html; boundary=\"Y\"\n\n<p>\n--Y\nContent-Type: text/html\n\nx\n"
		  "--Y--\n",
		  0);
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", idx(m, "1")));
	sl_msg_free(m);
}

static void test_permissive_encodings(void **state)
{
	int crlf;
	for (crlf = 0; crlf < 2; crlf++) {
		struct sl_msg *m = with_part("Content-Type: application/octet-stream\n"
					     "Content-Transfer-Encoding: base64;",
					     "SGVsbG8s", crlf);
		data_is(part(m, "2"), "Hello,", 6);
		assert_string_equal(part(m, "2")->encoding, "base64");
		no_findings(m);
		sl_msg_free(m);
		m = with_part("Content-Type: application/octet-stream\nContent-Transfer-Encoding: uue",
			      "begin 644 r.exe\n&2&5L;&\\L\n`\nend", crlf);
		data_is(part(m, "2"), "Hello,", 6);
		assert_true(has_name(part(m, "2"), "r.exe"));
		sl_msg_free(m);
		m = with_part("Content-Type: application/octet-stream\n"
			      "Content-Transfer-Encoding: quoted-printable",
			      "= \n=7FELF", crlf);
		data_is(part(m, "2"), "\x7f" "ELF", 4);
		sl_msg_free(m);
		/* base64; on a message part: GMime parses the base64 text as headers. */
		m = with_part("Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable;",
			      "From: x\n\nhi", crlf);
		assert_true(has_structure(m));
		sl_msg_free(m);
	}
}

static void test_near_delimiters(void **state)
{
	static const char *const variants[] = {
		"--X\f\n", "--X\v\n", "--Xfoo\n", "--x\n",
	};
	size_t i;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char *t = sl_xasprintf("From: a\nContent-Type: multipart/mixed; boundary=\"X\"\n\n--X\n"
				       "Content-Type: text/plain\n\nhi\n%sContent-Type: text/plain\n\nx\n--X--\n",
				       variants[i]);
		struct sl_msg *m = parse(t, 0);
		if (!sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", idx(m, "0")))
			fail_msg("no finding for delimiter variant %zu", i);
		sl_msg_free(m);
		free(t);
	}
	{
		/* Parts after the closing delimiter. */
		struct sl_msg *m = parse("From: a\nContent-Type: multipart/mixed; boundary=\"X\"\n\n--X\n\nhi\n"
					 "--X--\n--X\nContent-Type: text/plain\n\nhidden\n--X--\n",
					 1);
		assert_true(has_structure(m));
		sl_msg_free(m);
		/* The boundary read another way: unquoted blank. */
		m = parse("From: a\nContent-Type: multipart/mixed; boundary=a b\n\n--a\n\nhi\n--a--\n", 0);
		assert_true(has_structure(m));
		sl_msg_free(m);
		/* Blanks after a delimiter are allowed: no finding. */
		m = parse("From: a\nContent-Type: multipart/mixed; boundary=\"X\"\n\n--X \t\n\nhi\n--X--  \n", 1);
		no_findings(m);
		sl_msg_free(m);
	}
}

static void test_lone_cr(void **state)
{
	struct sl_msg *m = with_part("Content-Type: application/octet-stream\r"
				     "Content-Transfer-Encoding: base64",
				     "TVo=", 0);
	assert_true(has_structure(m));
	sl_msg_free(m);
	m = with_part("Content-Type: text/plain", "hello\r--X\rContent-Type: text/plain\r\rhidden", 0);
	assert_true(has_structure(m));
	sl_msg_free(m);
	/* CR LF everywhere: nothing. */
	m = with_part("Content-Type: text/plain", "hello", 1);
	no_findings(m);
	sl_msg_free(m);
}

static const char inner_msg[] = "From: x@example.com\n"
				"MIME-Version: 1.0\n"
				"Content-Type: multipart/mixed; boundary=\"I\"\n"
				"\n"
				"--I\n"
				"Content-Type: text/plain\n"
				"\n"
				"inner\n"
				"--I\n"
				"Content-Type: application/octet-stream; name=\"r.exe\"\n"
				"Content-Transfer-Encoding: base64\n"
				"\n"
				"TVqQAAMAAAAEAAAA\n"
				"--I--";

static void check_inner(const struct sl_msg *m, const char *host)
{
	char *id = sl_xasprintf("%s/1.2", host);
	const struct sl_part *p = part(m, id);
	assert_int_equal(p->origin, SL_ORIGIN_MAIL);
	assert_string_equal(p->filename, "r.exe");
	data_is(p, "MZ\x90\0\x03\0\0\0\x04\0\0\0", 12);
	assert_int_equal(p->hdr_start, -1); /* not bytes of the raw message */
	assert_int_equal(p->body_start, -1);
	assert_int_equal(sl_msg_mime_ancestor(m, idx(m, id)), idx(m, host));
	free(id);
}

static void test_mail_in_parts(void **state)
{
	static const char *const types[] = {
		"message/partial; id=\"a\"; number=1; total=1", "message/x-rfc822", "message/delivery-status",
		"message/foo", "text/rfc822-headers",
	};
	size_t i;
	struct sl_msg *m;
	char *t;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		t = sl_xasprintf("Content-Type: %s", types[i]);
		m = with_part(t, inner_msg, (int)(i & 1));
		check_inner(m, "2");
		assert_true(part(m, "2/1")->is_container);
		no_findings(m);
		sl_msg_free(m);
		free(t);
	}
	/* base64 message/rfc822: GMime leaves it whole; decoded and parsed. */
	{
		gchar *b = g_base64_encode((const guchar *)inner_msg, strlen(inner_msg));
		m = with_part("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64", b, 0);
		check_inner(m, "2");
		sl_msg_free(m);
		g_free(b);
	}
	/* An attached mailbox: every message. */
	t = sl_xasprintf("From a@b Mon Mar  4 09:00:00 2024\n%s\nFrom c@d Mon Mar  4 09:00:00 2024\n"
			 "From: c@d\nSubject: two\n\nsecond\n",
			 inner_msg);
	m = with_part("Content-Type: application/octet-stream; name=\"box.mbox\"", t, 1);
	check_inner(m, "2");
	assert_true(part(m, "2/2")->is_container);
	sl_msg_free(m);
	free(t);
	/* A MIME message pasted into the text is parsed (ripmime does); a pasted
	 * forward is only text. */
	m = with_part("Content-Type: text/plain", inner_msg, 0);
	check_inner(m, "2");
	sl_msg_free(m);
	m = with_part("Content-Type: text/plain", "From: a@b\nSubject: fwd\nTo: c@d\n\nold text", 0);
	assert_int_equal(sl_msg_find_part(m, "2/1"), -1);
	no_findings(m);
	sl_msg_free(m);
	/* ripmime's reading of text whose first lines hold part headers. */
	m = with_part("Content-Type: text/plain",
		      "Hello\nContent-Disposition: attachment; filename=a.js\n"
		      "Content-Transfer-Encoding: base64\n\nYWJj",
		      1);
	assert_string_equal(part(m, "2/1.1")->filename, "a.js");
	data_is(part(m, "2/1.1"), "abc", 3);
	sl_msg_free(m);
	/* MIME parts in text with no multipart around them: split at the
	 * boundary ripmime guesses; a quoted message cut short is no finding. */
	m = with_part("Content-Type: text/plain",
		      "see below\n\n--Q\nContent-Type: application/octet-stream; name=\"r.exe\"\n"
		      "Content-Transfer-Encoding: base64\n\nTVqQ\n--Q\nContent-Type: text/plain\n\ncut",
		      0);
	assert_string_equal(part(m, "2/1.1")->filename, "r.exe");
	no_findings(m);
	sl_msg_free(m);
	/* A file that starts "Key: value" is no message. */
	m = with_part("Content-Type: application/octet-stream; name=\"a.cfg\"", "Key: value\nOther: x\n\nz", 0);
	assert_int_equal(sl_msg_find_part(m, "2/1"), -1);
	sl_msg_free(m);
	/* The headers of a bounced MIME message: no content, no closing delimiter needed. */
	m = with_part("Content-Type: text/rfc822-headers",
		      "From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"o\"", 1);
	no_findings(m);
	sl_msg_free(m);
}

static void test_mail_in_parts_depth(void **state)
{
	struct sl_buf b;
	struct sl_msg *m;
	int i;
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "From: a\nSubject: x\n\nthe end\n");
	for (i = 0; i < 6; i++) {
		gchar *enc = g_base64_encode((const guchar *)b.data, b.len);
		char *t = sl_xasprintf("From: a\nSubject: x\nContent-Type: message/rfc822\n"
				       "Content-Transfer-Encoding: base64\n\n%s\n",
				       enc);
		sl_buf_free(&b);
		sl_buf_init(&b, 0);
		sl_buf_addstr(&b, t);
		free(t);
		g_free(enc);
	}
	m = parse_ov(b.data, "limits.mime_depth=4");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	assert_true(m->incomplete);
	sl_msg_free(m);
	m = parse_ov(b.data, "limits.mime_depth=20");
	assert_false(m->incomplete);
	no_findings(m);
	sl_msg_free(m);
	sl_buf_free(&b);
}

/* A limit that stops uuencode extraction leaves the message incomplete,
 * whatever policy.limit says (issue 10, section 0). */
static void test_extract_limit_incomplete(void **state)
{
	const char *t = "From: a\nContent-Type: text/plain\n\nbegin 644 a.txt\n&2&5L;&\\L\n`\nend\n"
			"begin 644 b.bat\n&2&5L;&\\L\n`\nend\n";
	struct sl_msg *m = parse_ov(t, "limits.max_extracted_files=1");
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -2));
	assert_true(m->incomplete);
	sl_msg_free(m);
	m = parse_ov(t, "limits.max_extracted_files=2");
	assert_false(m->incomplete);
	assert_string_equal(part(m, "1/2")->filename, "b.bat");
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_single_part_crlf),
		cmocka_unit_test(test_no_content_type),
		cmocka_unit_test(test_nested_multipart),
		cmocka_unit_test(test_nested_multipart_crlf),
		cmocka_unit_test(test_message_rfc822),
		cmocka_unit_test(test_filenames),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_encodings_crlf),
		cmocka_unit_test(test_uuencode_child),
		cmocka_unit_test(test_uuencode_child_crlf),
		cmocka_unit_test(test_clean_has_no_findings),
		cmocka_unit_test(test_two_content_types),
		cmocka_unit_test(test_two_transfer_encodings),
		cmocka_unit_test(test_unterminated_multipart),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_limit_rfc822),
		cmocka_unit_test(test_max_parts),
		cmocka_unit_test(test_header_size),
		cmocka_unit_test(test_duplicate_headers),
		cmocka_unit_test(test_names_every_reading),
		cmocka_unit_test(test_invalid_types),
		cmocka_unit_test(test_ripmime_readings),
		cmocka_unit_test(test_permissive_encodings),
		cmocka_unit_test(test_near_delimiters),
		cmocka_unit_test(test_lone_cr),
		cmocka_unit_test(test_mail_in_parts),
		cmocka_unit_test(test_mail_in_parts_depth),
		cmocka_unit_test(test_extract_limit_incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
