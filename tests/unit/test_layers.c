/*
 * test_layers - ClamAV's layers as a second parse, fed by hand the way
 * libclamav's callbacks show them (type, name, bytes, level, attributes):
 * layers that are our parts (bytes, line ends, below a part only its own
 * descendants, never below a member) and the names ClamAV reads for them,
 * members of archives and what is
 * dangerous at any depth becoming parts, programs inside documents
 * (embedded_executable, an OLE Package by its name too), what a program
 * holds left to the program, content only ClamAV's parse saw
 * (unexplained_layer; ClamAV's own copies and normalised layers are not),
 * detections explained by layer identity only (a decoy with the same name
 * explains nothing), detections in the raw message's own bytes left to av.c,
 * scan limits (also one hit before any layer opened) and the member limit
 * marking the message incomplete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clamav.h>

#include "layers.h"
#include "msg.h"
#include "util.h"

static const unsigned char raw[] = "From: a\n\nx\n";
static unsigned char pe[256];

static void make_pe(void)
{
	memset(pe, 0, sizeof(pe));
	pe[0] = 'M', pe[1] = 'Z';
	pe[60] = 0x80;
	memcpy(pe + 0x80, "PE\0\0\x4c\x01", 6);
}

/* A multipart message: part "1" a text body, more parts added by add(). */
static struct sl_msg *new_msg(void)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "layers", raw, sizeof(raw) - 1);
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	m->parts[top].is_container = 1;
	m->parts[top].declared_type = sl_xstrdup("multipart/mixed");
	return m;
}

static int add(struct sl_msg *m, const char *declared, const char *filename, const void *p, size_t n)
{
	char id[16];
	int i;
	unsigned char *d = sl_xmalloc(n + 1);
	snprintf(id, sizeof(id), "%zu", m->nparts);
	i = sl_msg_add_part(m, 0, id, SL_ORIGIN_MIME);
	m->parts[i].declared_type = sl_xstrdup(declared);
	m->parts[i].filename = filename ? sl_xstrdup(filename) : NULL;
	memcpy(d, p, n);
	d[n] = '\0';
	sl_msg_part_take_data(m, i, d, n);
	return i;
}

/* Opens a layer with the bytes of a C string. */
static void open_s(struct sl_layers *ls, const char *type, const char *name, const char *s, unsigned level)
{
	sl_layers_open(ls, type, name, strlen(s), s, level, 0);
}

/* The layers of a scan of m's raw message, its top layer open. */
static struct sl_layers *start(struct sl_msg *m, size_t max_members)
{
	struct sl_layers *ls = sl_layers_new(m, -1, 65536, max_members);
	open_s(ls, "CL_TYPE_MAIL", "msg", (const char *)raw, 0);
	return ls;
}

static void dump(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nparts; i++)
		print_message("  part %s origin %d file=%s scanned=%d\n", m->parts[i].id, m->parts[i].origin,
			      m->parts[i].filename ? m->parts[i].filename : "-", m->parts[i].av_scanned);
	for (i = 0; i < m->nfindings; i++)
		print_message("  finding %s/%s part %d: %s\n", sl_finding_kind_name(m->findings[i].kind),
			      m->findings[i].rule, m->findings[i].part, m->findings[i].detail);
}

static void want(const struct sl_msg *m, enum sl_finding_kind k, const char *rule, int part)
{
	if (!sl_msg_has_finding(m, k, rule, part)) {
		dump(m);
		fail_msg("no %s/%s on part %d", sl_finding_kind_name(k), rule, part);
	}
}

static void want_no_findings(const struct sl_msg *m)
{
	if (m->nfindings != 0) {
		dump(m);
		fail_msg("%zu findings, expected none", m->nfindings);
	}
}

static size_t count_rule(const struct sl_msg *m, const char *rule)
{
	size_t i, n = 0;
	for (i = 0; i < m->nfindings; i++)
		n += strcmp(m->findings[i].rule, rule) == 0;
	return n;
}

static int find_member(const struct sl_msg *m, int parent)
{
	size_t i;
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].parent == parent && m->parts[i].origin == SL_ORIGIN_ARCHIVE)
			return (int)i;
	return -1;
}

/* ---- layers that are our parts ------------------------------------------ */

static void test_maps_parts(void **state)
{
	struct sl_msg *m = new_msg();
	int t = add(m, "text/plain", NULL, "line one\r\nline two\r\n", 20);
	int pdf = add(m, "application/pdf", "a.pdf", "%PDF-1.4 x", 10);
	struct sl_layers *ls;
	(void)state;

	ls = start(m, 100);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "textportion", "line one\nline two\n", 1); /* LF: same text */
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_PDF", "a.pdf", "%PDF-1.4 x", 1);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "-", "BT /F1 12 Tf ET", 2); /* a stream: nothing to say */
	sl_layers_digest(ls);
	assert_true(m->parts[t].av_scanned);
	assert_true(m->parts[pdf].av_scanned);
	assert_string_equal(m->parts[pdf].av_type, "application/pdf");
	assert_int_equal(m->nparts, 3);
	want_no_findings(m);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* An 8bit attachment that is not text: ClamAV's copy differs in line ends. */
static void test_maps_binary_sent_as_lines(void **state)
{
	struct sl_msg *m = new_msg();
	int a = add(m, "application/octet-stream", "t.dat", "abc\r\ndef\r\n", 10);
	struct sl_layers *ls;
	(void)state;
	m->parts[a].encoding = sl_xstrdup("8bit");
	ls = start(m, 100);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "t.dat", "abc\ndef\n", 1);
	sl_layers_detection(ls, "Test.Sig");
	sl_layers_digest(ls);
	assert_true(m->parts[a].av_scanned);
	want(m, SL_FIND_VIRUS, "virus", a);
	assert_int_equal(count_rule(m, "unexplained_detection"), 0);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* The name ClamAV's parse reads for a part is one a reader may show. */
static void test_names_clamav_reads(void **state)
{
	struct sl_msg *m = new_msg();
	int lost = add(m, "application/octet-stream", NULL, "var a = 1;\n", 11);
	int same = add(m, "application/octet-stream", "b.js", "var b = 2;\n", 11);
	int plain = add(m, "application/octet-stream", "c.txt", "var c = 3;\n", 11);
	struct sl_layers *ls = start(m, 100);
	(void)state;
	open_s(ls, "CL_TYPE_TEXT_ASCII", "invoice.js", "var a = 1;\n", 1);
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "b.js", "var b = 2;\n", 1);
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "attachment", "var c = 3;\n", 1);
	sl_layers_digest(ls);
	want(m, SL_FIND_FILETYPE, "script", lost);
	assert_non_null(strstr(m->findings[0].detail, "invoice.js"));
	/* Our own name is the type stage's to judge; ClamAV's placeholders are no names. */
	assert_false(sl_msg_has_finding(m, SL_FIND_FILETYPE, "script", same));
	assert_false(sl_msg_has_finding(m, SL_FIND_FILETYPE, "script", plain));
	assert_int_equal(m->nfindings, 1);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* ---- inside a part: members, programs anywhere, embedded ----------------- */

static void test_archive_members(void **state)
{
	struct sl_msg *m = new_msg();
	int zip = add(m, "application/zip", "a.zip", "PK\3\4zipbytes", 12);
	int later = add(m, "text/plain", "same.txt", "hello\n", 6);
	struct sl_layers *ls;
	int mem, inner;
	(void)state;

	ls = start(m, 100);
	open_s(ls, "CL_TYPE_ZIP", "a.zip", "PK\3\4zipbytes", 1);
	open_s(ls, "CL_TYPE_ZIP", "inner.zip", "PK\3\4inner", 2);
	/* A member of a member, with the bytes of the later MIME part: it is not that part. */
	open_s(ls, "CL_TYPE_TEXT_ASCII", "same.txt", "hello\n", 3);
	sl_layers_digest(ls);
	mem = find_member(m, zip);
	assert_true(mem >= 0);
	assert_string_equal(m->parts[mem].id, "1/1");
	assert_string_equal(m->parts[mem].filename, "inner.zip");
	inner = find_member(m, mem);
	assert_true(inner >= 0);
	assert_string_equal(m->parts[inner].id, "1/1/1");
	assert_int_equal(m->parts[inner].size, 6);
	assert_memory_equal(m->parts[inner].data, "hello\n", 6);
	assert_string_not_equal(sl_msg_part_sha256(m, inner), "");
	assert_false(m->parts[later].av_scanned);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* A program anywhere below a part (here below ClamAV's mail layer of an
 * attached mailbox, and below a normalised HTML layer) is a part of its own;
 * text below them is not. */
static void test_program_at_any_depth(void **state)
{
	struct sl_msg *m = new_msg();
	int box = add(m, "application/octet-stream", "box.mbox", "From x\nmailbox", 14);
	int html = add(m, "text/html", "p.html", "<a href=data:x>", 15);
	struct sl_layers *ls;
	int a, b;
	(void)state;

	ls = start(m, 100);
	open_s(ls, "CL_TYPE_MAIL", "box.mbox", "From x\nmailbox", 1);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "textportion", "hello", 2);
	sl_layers_close(ls);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "run.exe", sizeof(pe), (const char *)pe, 2, 0);
	sl_layers_close(ls);
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_HTML", "p.html", "<a href=data:x>", 1);
	sl_layers_open(ls, "CL_TYPE_MAIL", "norm", 4, "data", 2, LAYER_ATTRIBUTES_NORMALIZED);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "attachment", sizeof(pe), (const char *)pe, 3, 0);
	sl_layers_digest(ls);
	a = find_member(m, box);
	b = find_member(m, html);
	assert_true(a >= 0 && b >= 0);
	assert_string_equal(m->parts[a].filename, "run.exe");
	assert_string_equal(m->parts[a].av_type, "application/vnd.microsoft.portable-executable");
	assert_string_equal(m->parts[b].filename, "attachment");
	assert_int_equal(m->nparts, 5); /* the text of the mailbox is no part */
	want_no_findings(m);             /* the type stage judges the members */
	sl_layers_free(ls);
	sl_msg_free(m);
}

static void test_embedded_in_document(void **state)
{
	static const char pkg[] = "\x40\0\0\0\x02\0invoice.js\0C:\\x\\invoice.js\0\0\0\x03\0";
	struct sl_msg *m = new_msg();
	int pdf = add(m, "application/pdf", "a.pdf", "%PDF-1.7 with a program", 23);
	int doc = add(m, "application/msword", "b.doc", "\xd0\xcf\x11\xe0 ole", 8);
	int zip = add(m, "application/zip", "c.zip", "PK\3\4 docx inside", 16);
	int img = add(m, "application/pdf", "d.pdf", "%PDF-1.7 with an image", 22);
	struct sl_layers *ls;
	int docx;
	(void)state;

	ls = start(m, 100);
	open_s(ls, "CL_TYPE_PDF", "a.pdf", "%PDF-1.7 with a program", 1);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "-", sizeof(pe), (const char *)pe, 2, 0);
	sl_layers_close(ls);
	sl_layers_close(ls);
	/* An OLE Package stream whose names say script (its payload is plain text). */
	open_s(ls, "CL_TYPE_MSOLE2", "b.doc", "\xd0\xcf\x11\xe0 ole", 1);
	sl_layers_open(ls, "CL_TYPE_BINARY_DATA", "e74f_1", sizeof(pkg) - 1, pkg, 2, 0);
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "-", "var s = 1;", 2);
	sl_layers_close(ls);
	sl_layers_close(ls);
	/* zip > docx > program: the docx member embeds it. */
	open_s(ls, "CL_TYPE_ZIP", "c.zip", "PK\3\4 docx inside", 1);
	open_s(ls, "CL_TYPE_OOXML_WORD", "r.docx", "PK\3\4 docx", 2);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "word/document.xml", "<?xml version=\"1.0\"?><w:document/>", 3);
	sl_layers_close(ls);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "word/embeddings/x.exe", sizeof(pe), (const char *)pe, 3, 0);
	sl_layers_close(ls);
	sl_layers_close(ls);
	sl_layers_close(ls);
	/* Images in documents are what documents hold. */
	open_s(ls, "CL_TYPE_PDF", "d.pdf", "%PDF-1.7 with an image", 1);
	open_s(ls, "CL_TYPE_PNG", "-", "\x89PNG\r\n\x1a\n....", 2);
	sl_layers_digest(ls);

	want(m, SL_FIND_FILETYPE, "embedded_executable", pdf);
	want(m, SL_FIND_FILETYPE, "embedded_executable", doc);
	assert_int_equal(find_member(m, pdf), -1); /* a finding on the document, not a part */
	assert_int_equal(find_member(m, doc), -1);
	docx = find_member(m, zip);
	assert_true(docx >= 0);
	want(m, SL_FIND_FILETYPE, "embedded_executable", docx);
	assert_int_equal(find_member(m, docx), -1); /* the xml is no part, nor the program */
	assert_false(sl_msg_has_finding(m, SL_FIND_FILETYPE, "embedded_executable", img));
	assert_int_equal(find_member(m, img), -1);
	assert_int_equal(count_rule(m, "embedded_executable"), 3);
	assert_non_null(strstr(m->findings[0].detail, "a program"));
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* What a program holds (an unpacked copy, an installer's payload) is the program's. */
static void test_inside_program(void **state)
{
	struct sl_msg *m = new_msg();
	int exe = add(m, "application/octet-stream", "setup.exe", pe, sizeof(pe));
	struct sl_layers *ls;
	(void)state;
	ls = start(m, 100);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "setup.exe", sizeof(pe), (const char *)pe, 1, 0);
	open_s(ls, "CL_TYPE_MSCAB", "-", "MSCF\0\0\0\0 cab", 2);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "payload.exe", sizeof(pe), (const char *)pe, 3, 0);
	sl_layers_digest(ls);
	assert_true(m->parts[exe].av_scanned);
	assert_int_equal(find_member(m, exe), -1);
	want_no_findings(m);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* ---- under no part ------------------------------------------------------ */

static void test_unexplained_layer(void **state)
{
	struct sl_msg *m = new_msg();
	struct sl_layers *ls;
	(void)state;
	add(m, "text/plain", NULL, "hello\n", 6);
	ls = start(m, 100);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "textportion", "hello\n", 1);
	sl_layers_close(ls);
	/* A zip only ClamAV's parse cut out, with a program inside: one finding. */
	open_s(ls, "CL_TYPE_ZIP", "hidden.zip", "PK\3\4hidden", 1);
	sl_layers_open(ls, "CL_TYPE_MSEXE", "x.exe", sizeof(pe), (const char *)pe, 2, 0);
	sl_layers_digest(ls);
	want(m, SL_FIND_STRUCTURE, "unexplained_layer", -1);
	assert_int_equal(count_rule(m, "unexplained_layer"), 1);
	assert_non_null(strstr(m->findings[0].detail, "hidden.zip"));
	assert_int_equal(m->nparts, 2); /* nothing to hang a part on */
	sl_layers_free(ls);
	sl_msg_free(m);

	/* A script by its name, alone. */
	m = new_msg();
	ls = start(m, 100);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "invoice.js", "var s = 1;\n", 1);
	sl_layers_digest(ls);
	want(m, SL_FIND_STRUCTURE, "unexplained_layer", -1);
	sl_layers_free(ls);
	sl_msg_free(m);
}

static void test_copies_and_normalised_layers(void **state)
{
	struct sl_msg *m = new_msg();
	int html = add(m, "text/html", NULL, "<html><body><p>Hello</p></body></html>\n", 39);
	struct sl_layers *ls;
	(void)state;
	add(m, "text/html", NULL, "head\n<html></html>\n--b--\n", 25);

	ls = start(m, 100);
	open_s(ls, "CL_TYPE_HTML", "textportion", "<html><body><p>Hello</p></body></html>\n", 1);
	sl_layers_close(ls);
	/* ClamAV's second copy of the HTML of a multipart/related, soft break kept. */
	open_s(ls, "CL_TYPE_HTML", "clamav-1.tmp", "<html><body><p>He\nllo</p></body></html>\n\n", 1);
	sl_layers_close(ls);
	/* HTML ClamAV cut out of a text/html body that holds more. */
	open_s(ls, "CL_TYPE_HTML", "clamav-2.tmp", "<html></html>\n--b--", 1);
	sl_layers_close(ls);
	/* Its normalised views. */
	sl_layers_open(ls, "CL_TYPE_HTML", "notags", 6, "Hello\n", 1, LAYER_ATTRIBUTES_NORMALIZED);
	sl_layers_digest(ls);
	assert_true(m->parts[html].av_scanned);
	want_no_findings(m);
	sl_layers_free(ls);
	sl_msg_free(m);

	/* HTML nobody has is unexplained. */
	m = new_msg();
	add(m, "text/plain", NULL, "hello\n", 6);
	ls = start(m, 100);
	open_s(ls, "CL_TYPE_HTML", "page.html", "<html><a href=x>y</a></html>", 1);
	sl_layers_digest(ls);
	want(m, SL_FIND_STRUCTURE, "unexplained_layer", -1);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* ---- detections ---------------------------------------------------------- */

static void test_detection_identity(void **state)
{
	struct sl_msg *m = new_msg();
	int vis = add(m, "text/plain", "test.txt", "VISIBLE-SIG\n", 12);
	struct sl_layers *ls;
	(void)state;
	ls = start(m, 100);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "test.txt", "VISIBLE-SIG\n", 1);
	sl_layers_detection(ls, "Test.Sig");
	sl_layers_close(ls);
	/* A part only ClamAV's parse found, with the same detection name: the
	 * visible part's detection does not explain it. */
	open_s(ls, "CL_TYPE_TEXT_ASCII", "hidden.txt", "HIDDEN SIG\n", 1);
	sl_layers_detection(ls, "Test.Sig");
	sl_layers_digest(ls);
	want(m, SL_FIND_VIRUS, "virus", vis);
	assert_string_equal(m->parts[vis].av_name, "Test.Sig");
	want(m, SL_FIND_STRUCTURE, "unexplained_detection", -1);
	assert_null(sl_layers_top_detection(ls));
	sl_layers_free(ls);
	sl_msg_free(m);
}

static void test_top_detection(void **state)
{
	struct sl_msg *m = new_msg();
	struct sl_layers *ls;
	(void)state;
	add(m, "text/plain", NULL, "hello\n", 6);
	ls = start(m, 100);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "textportion", "hello\n", 1);
	sl_layers_detection(ls, "Test.Sig");
	sl_layers_close(ls);
	/* The raw message's own bytes match too (after its children): evidence
	 * of its own, not a repeat of the child's. */
	sl_layers_detection(ls, "Test.Sig");
	sl_layers_digest(ls);
	assert_non_null(sl_layers_top_detection(ls));
	assert_string_equal(sl_layers_top_detection(ls), "Test.Sig");
	assert_int_equal(count_rule(m, "unexplained_detection"), 0);
	sl_layers_free(ls);
	sl_msg_free(m);

	/* A detection libclamav returned that no callback saw: the top layer's. */
	m = new_msg();
	ls = start(m, 100);
	sl_layers_close(ls);
	sl_layers_final_detection(ls, "Test.Late");
	sl_layers_digest(ls);
	assert_string_equal(sl_layers_top_detection(ls), "Test.Late");
	sl_layers_free(ls);
	sl_msg_free(m);
}

static void test_limits(void **state)
{
	struct sl_msg *m = new_msg();
	int zip = add(m, "application/zip", "a.zip", "PK\3\4zip", 7);
	struct sl_layers *ls;
	(void)state;
	ls = start(m, 1);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "hidden", "x", 1);
	sl_layers_detection(ls, "Heuristics.Limits.Exceeded.MaxRecursion");
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_ZIP", "a.zip", "PK\3\4zip", 1);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "one.txt", "one", 2);
	sl_layers_close(ls);
	open_s(ls, "CL_TYPE_TEXT_ASCII", "two.txt", "two", 2);
	sl_layers_digest(ls);
	assert_true(m->incomplete);
	want(m, SL_FIND_LIMIT, "limit", -1);  /* the scan limit, under no part */
	want(m, SL_FIND_LIMIT, "limit", zip); /* the second member */
	assert_int_equal(count_rule(m, "unexplained_detection"), 0);
	assert_true(find_member(m, zip) >= 0);
	assert_int_equal(m->nparts, 3);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* ClamAV refuses a file past a size limit before it shows any layer: the
 * limit is on the whole scanned object, the raw message or the part. */
static void test_limit_before_any_layer(void **state)
{
	struct sl_msg *m = new_msg();
	int big = add(m, "text/csv", "big.csv", "a;b\n", 4);
	struct sl_layers *ls = sl_layers_new(m, -1, 65536, 100);
	(void)state;
	sl_layers_detection(ls, "Heuristics.Limits.Exceeded.MaxFileSize");
	sl_layers_final_detection(ls, "Heuristics.Limits.Exceeded.MaxFileSize");
	sl_layers_digest(ls);
	assert_true(m->incomplete);
	want(m, SL_FIND_LIMIT, "limit", -1);
	assert_int_equal(m->nfindings, 1);
	sl_layers_reset(ls, big);
	sl_layers_final_detection(ls, "Heuristics.Limits.Exceeded.MaxScanSize");
	sl_layers_digest(ls);
	want(m, SL_FIND_LIMIT, "limit", big);
	sl_layers_free(ls);
	sl_msg_free(m);
}

/* A part scanned on its own: its layer 0 is the part. */
static void test_part_scan(void **state)
{
	struct sl_msg *m = new_msg();
	int doc = add(m, "application/msword", "x.doc", "\xd0\xcf\x11\xe0 doc", 8);
	struct sl_layers *ls = start(m, 100);
	(void)state;
	sl_layers_close(ls);
	sl_layers_reset(ls, doc); /* the next scan is of the part alone */
	open_s(ls, "CL_TYPE_MSOLE2", "x.doc", "\xd0\xcf\x11\xe0 doc", 0);
	sl_layers_detection(ls, "Test.OnDoc");
	sl_layers_open(ls, "CL_TYPE_LNK", "-", 8, "L\0\0\0\x01\x14\x02\0", 1, 0);
	sl_layers_digest(ls);
	want(m, SL_FIND_VIRUS, "virus", doc);
	want(m, SL_FIND_FILETYPE, "embedded_executable", doc);
	assert_null(sl_layers_top_detection(ls));
	sl_layers_free(ls);
	sl_msg_free(m);
}

static void test_free_null(void **state)
{
	(void)state;
	assert_null(sl_layers_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_parts),
		cmocka_unit_test(test_maps_binary_sent_as_lines),
		cmocka_unit_test(test_names_clamav_reads),
		cmocka_unit_test(test_archive_members),
		cmocka_unit_test(test_program_at_any_depth),
		cmocka_unit_test(test_embedded_in_document),
		cmocka_unit_test(test_inside_program),
		cmocka_unit_test(test_unexplained_layer),
		cmocka_unit_test(test_copies_and_normalised_layers),
		cmocka_unit_test(test_detection_identity),
		cmocka_unit_test(test_top_detection),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limit_before_any_layer),
		cmocka_unit_test(test_part_scan),
		cmocka_unit_test(test_free_null),
	};
	make_pe();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
