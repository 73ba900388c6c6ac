/*
 * test_docs - the document stage on messages built here: which parts it
 * reads (PDF and Office packages by content, never by declared type or name,
 * never text meant to be read, archive members only when held whole), PDFs
 * read in the worker process (findings and links with SL_URLCTX_ATTACHMENT on
 * the right part), a decompression bomb stopped by docs.max_parse_memory (a
 * limit finding, the message incomplete), urls.max_urls shared with the other
 * links, every file of the Debian clamav-testfiles package through the stage
 * and both readers without a crash (clam.pdf's embedded clam.exe flagged),
 * and the helpers: report packing, quoting for notices, remote targets.
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

#include "config.h"
#include "docs.h"
#include "filetype.h"
#include "msg.h"
#include "ooxml.h"
#include "pdf.h"
#include "util.h"

#define TESTFILES "/usr/share/clamav-testfiles"

static const char *src_dir(void)
{
	const char *s = getenv("SLUICE_SOURCE_DIR");
	return s != NULL ? s : SLUICE_SOURCE_DIR;
}

static unsigned char *load(const char *path, size_t *len)
{
	char *data = NULL, *why = NULL;
	char *full = path[0] == '/' ? g_strdup(path) : g_strdup_printf("%s/tests/data/payloads/%s", src_dir(), path);
	if (sl_read_file(full, 64 << 20, &data, len, &why) != SL_OK)
		fail_msg("%s", why);
	g_free(full);
	return (unsigned char *)data;
}

static struct sl_docs *docs_with(const char *const *ov, size_t n)
{
	struct sl_config *cfg = NULL;
	struct sl_docs *d;
	char *why = NULL;
	if (sl_config_load(NULL, ov, n, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	d = sl_docs_new(cfg, &why);
	assert_non_null(d);
	sl_config_unref(cfg);
	return d;
}

static const unsigned char raw[] = "Subject: x\n\nbody\n";

/* A message with a text body "1"; add attachments with attach(). */
static struct sl_msg *new_msg(void)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "docs", raw, sizeof(raw) - 1);
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME), b;
	m->parts[top].is_container = 1;
	b = sl_msg_add_part(m, top, "1", SL_ORIGIN_MIME);
	/* Text people read is never a document, whatever its first bytes say. */
	sl_msg_part_take_data(m, b, (unsigned char *)sl_xstrdup("%PDF-1.4 is how a PDF starts"), 28);
	m->parts[b].is_body_text = 1;
	return m;
}

static int attach(struct sl_msg *m, const char *id, const char *payload, const char *detected)
{
	size_t len = 0;
	unsigned char *data = load(payload, &len);
	int i = sl_msg_add_part(m, 0, id, SL_ORIGIN_MIME);
	sl_msg_part_take_data(m, i, data, len);
	m->parts[i].is_attachment = 1;
	m->parts[i].detected_type = detected ? sl_xstrdup(detected) : NULL;
	return i;
}

static const struct sl_finding *finding(const struct sl_msg *m, const char *rule, int part)
{
	for (size_t i = 0; i < m->nfindings; i++)
		if (strcmp(m->findings[i].rule, rule) == 0 && m->findings[i].part == part)
			return &m->findings[i];
	return NULL;
}

static void dump(const struct sl_msg *m)
{
	for (size_t i = 0; i < m->nfindings; i++)
		print_message("  finding %s@%d: %s\n", m->findings[i].rule, m->findings[i].part,
			      m->findings[i].detail);
	for (size_t i = 0; i < m->nurls; i++)
		print_message("  url %s@%d\n", m->urls[i].url, m->urls[i].part);
}

static void test_pdf_in_worker(void **state)
{
	struct sl_docs *d = docs_with(NULL, 0);
	struct sl_msg *m = new_msg();
	int a = attach(m, "2", "docs/launch_unc.pdf", "application/pdf");
	int b = attach(m, "3", "docs/uri_objstm.pdf", "application/pdf");
	const struct sl_finding *f;

	assert_int_equal(sl_docs_run(d, m), SL_OK);
	f = finding(m, "pdf_launch", a);
	assert_non_null(f);
	assert_int_equal(f->kind, SL_FIND_FILETYPE);
	assert_int_equal(m->nurls, 1);
	assert_string_equal(m->urls[0].url, "https://malware.invalid/pdf/objstm-statement.exe");
	assert_int_equal(m->urls[0].part, b);
	assert_int_equal(m->urls[0].context, SL_URLCTX_ATTACHMENT);
	assert_false(m->incomplete);
	if (m->nfindings != 1)
		dump(m);
	assert_int_equal(m->nfindings, 1); /* the body that mentions %PDF- was not read */
	sl_msg_free(m);
	sl_docs_free(d);
}

static void test_by_content(void **state)
{
	struct sl_docs *d = docs_with(NULL, 0);
	struct sl_msg *m = new_msg();
	size_t len = 0;
	unsigned char *pdf = load("docs/gotor_unc.pdf", &len), *junk;
	int a, b, c, i;

	/* libmagic calls it data: junk in front of %PDF- (readers skip it) */
	junk = sl_xmalloc(len + 100);
	memset(junk, 'x', 100);
	memcpy(junk + 100, pdf, len);
	i = sl_msg_add_part(m, 0, "2", SL_ORIGIN_MIME);
	sl_msg_part_take_data(m, i, junk, len + 100);
	m->parts[i].detected_type = sl_xstrdup("application/octet-stream");
	free(pdf);
	a = i;
	/* declared and named a PDF, typed as a Word document by content */
	b = attach(m, "3", "docs/remote_template.docx",
		   "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	m->parts[b].declared_type = sl_xstrdup("application/pdf");
	m->parts[b].filename = sl_xstrdup("statement.pdf");
	/* ClamAV's type alone is enough */
	c = attach(m, "4", "docs/embedded_pe.pdf", "application/octet-stream");
	m->parts[c].av_type = "application/pdf";

	assert_int_equal(sl_docs_run(d, m), SL_OK);
	assert_non_null(finding(m, "pdf_remote_file", a));
	assert_non_null(finding(m, "office_remote_content", b));
	assert_non_null(finding(m, "embedded_executable", c));
	sl_msg_free(m);
	sl_docs_free(d);
}

static void test_archive_members(void **state)
{
	struct sl_docs *d = docs_with(NULL, 0);
	struct sl_msg *m = new_msg();
	int zip = attach(m, "2", "docs/benign_link.docx", "application/zip"), whole, head;
	size_t len = 0;
	unsigned char *p = load("docs/openaction_js.pdf", &len);

	/* a member held whole is read ... */
	whole = sl_msg_add_part(m, zip, "2/1", SL_ORIGIN_ARCHIVE);
	sl_msg_part_take_data(m, whole, p, len);
	m->parts[whole].av_type = "application/pdf";
	/* ... one of which only the head is held is not (ClamAV scanned it whole) */
	head = sl_msg_add_part(m, zip, "2/2", SL_ORIGIN_ARCHIVE);
	p = load("docs/openaction_js.pdf", &len);
	sl_msg_part_take_data(m, head, p, len / 2);
	m->parts[head].size = len;
	m->parts[head].av_type = "application/pdf";

	assert_int_equal(sl_docs_run(d, m), SL_OK);
	assert_non_null(finding(m, "pdf_javascript", whole));
	assert_null(finding(m, "pdf_javascript", head));
	assert_null(finding(m, "document_unreadable", head));
	/* a zip holding a docx's files is a docx: its hyperlink is a link */
	assert_int_equal(m->nurls, 1);
	assert_int_equal(m->urls[0].part, zip);
	sl_msg_free(m);
	sl_docs_free(d);
}

static void test_memory_limit(void **state)
{
	static const char *const ov[] = { "docs.max_parse_memory=16M" };
	struct sl_docs *d = docs_with(ov, 1);
	struct sl_msg *m = new_msg();
	int a = attach(m, "2", "docs-limits/bomb.pdf", "application/pdf");
	const struct sl_finding *f;

	assert_int_equal(sl_docs_run(d, m), SL_OK);
	f = finding(m, "limit", a);
	if (f == NULL)
		dump(m);
	assert_non_null(f);
	assert_int_equal(f->kind, SL_FIND_LIMIT);
	assert_non_null(strstr(f->detail, "docs.max_parse_memory"));
	assert_true(m->incomplete);
	sl_msg_free(m);

	/* the next PDF in the same thread is read normally */
	m = new_msg();
	a = attach(m, "2", "docs/launch_unc.pdf", "application/pdf");
	assert_int_equal(sl_docs_run(d, m), SL_OK);
	assert_non_null(finding(m, "pdf_launch", a));
	assert_false(m->incomplete);
	sl_msg_free(m);
	sl_docs_free(d);
}

static void test_max_urls(void **state)
{
	static const char *const ov[] = { "urls.max_urls=1" };
	struct sl_docs *d = docs_with(ov, 1);
	struct sl_msg *m = new_msg();
	int b;
	attach(m, "2", "docs/invoice_print.pdf", "application/pdf");
	b = attach(m, "3", "docs/uri_flate_annot.pdf", "application/pdf");
	assert_int_equal(sl_docs_run(d, m), SL_OK);
	assert_int_equal(m->nurls, 1);
	assert_non_null(finding(m, "limit", b));
	assert_true(m->incomplete);
	sl_msg_free(m);
	sl_docs_free(d);
}

/* Every file of ClamAV's test package: through the stage (typed by
 * libmagic as the type stage would), and through both readers whatever
 * it is. Nothing crashes; clam.pdf's embedded executable is flagged. */
static void test_clamav_testfiles(void **state)
{
	struct sl_docs *d = docs_with(NULL, 0);
	struct sl_config *cfg = NULL;
	struct sl_filetype *ft;
	char *why = NULL;
	GDir *dir = g_dir_open(TESTFILES, 0, NULL);
	const char *name;
	int files = 0, pdf_flagged = 0;
	static const struct sl_ooxml_limits zl = { 10000, 32 << 20, 200 };

	if (dir == NULL)
		fail_msg("%s is missing: install clamav-testfiles (scripts/deps.sh test)", TESTFILES);
	assert_int_equal(sl_config_load(NULL, NULL, 0, &cfg, &why), SL_OK);
	ft = sl_filetype_new(cfg, &why);
	assert_non_null(ft);
	while ((name = g_dir_read_name(dir)) != NULL) {
		char *path = g_build_filename(TESTFILES, name, NULL);
		struct sl_msg *m = new_msg();
		struct sl_doc_report r = { 0 };
		size_t len = 0;
		unsigned char *data = load(path, &len);
		int i = sl_msg_add_part(m, 0, "2", SL_ORIGIN_MIME);

		sl_pdf_read(data, len, 100000, &r);
		sl_doc_report_clear(&r);
		sl_ooxml_read(data, len, &zl, 1, &r);
		sl_doc_report_clear(&r);
		sl_msg_part_take_data(m, i, data, len);
		m->parts[i].is_attachment = 1;
		m->parts[i].filename = sl_xstrdup(name);
		assert_int_equal(sl_filetype_run(ft, m), SL_OK);
		assert_int_equal(sl_docs_run(d, m), SL_OK);
		if (strcmp(name, "clam.pdf") == 0)
			pdf_flagged = finding(m, "embedded_executable", i) != NULL;
		sl_msg_free(m);
		g_free(path);
		files++;
	}
	g_dir_close(dir);
	assert_true(files >= 40);
	assert_true(pdf_flagged);
	sl_filetype_free(ft);
	sl_config_unref(cfg);
	sl_docs_free(d);
}

static void test_report(void **state)
{
	struct sl_doc_report r = { 0 }, back = { 0 };
	struct sl_buf b;

	sl_doc_report_add(&r, SL_DOC_LINK, "https://a.example/%d", 1);
	sl_doc_report_add(&r, SL_DOC_LINK, "https://a.example/%d", 1); /* once only */
	sl_doc_report_add(&r, "pdf_launch", "runs %s", "x");
	assert_int_equal(r.n, 2);
	assert_string_equal(sl_doc_report_find(&r, "pdf_launch", NULL), "runs x");
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://a.example/1"));
	assert_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://a.example/2"));
	assert_int_equal(sl_doc_report_count(&r, SL_DOC_LINK), 1);
	assert_null(sl_doc_report_find(&r, "limit", NULL));
	sl_buf_init(&b, 0);
	sl_doc_report_pack(&r, &b);
	assert_int_equal(sl_doc_report_unpack(b.data, b.len, &back), SL_OK);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.v[0].text, "https://a.example/1");
	assert_string_equal(back.v[1].rule, "pdf_launch");
	sl_doc_report_clear(&back);
	/* an answer cut anywhere is refused */
	for (size_t cut = 1; cut < b.len; cut++) {
		int rc = sl_doc_report_unpack(b.data, cut, &back);
		sl_doc_report_clear(&back);
		if (cut == strlen("link") + 1 + strlen("https://a.example/1") + 1)
			assert_int_equal(rc, SL_OK); /* one whole pair */
		else
			assert_int_equal(rc, SL_EPARSE);
	}
	sl_buf_free(&b);
	sl_doc_report_clear(&r);
}

static void test_helpers(void **state)
{
	static const struct {
		const char *t;
		int remote, scheme;
	} cases[] = {
		{ "\\\\fileshare.evil.test\\pub\\x.exe", 1, 0 }, { "//host/share/x.pdf", 1, 0 },
		{ "\\/host/x", 1, 0 }, { "https://a.example/x", 1, 1 }, { "mhtml:http://a/x!y", 1, 1 },
		{ "smb://host/share", 1, 1 }, { "file://host/share/x", 1, 1 }, { "file:////host/x", 1, 1 },
		{ "file:///C:/Windows/x.exe", 0, 1 }, { "file:/etc/passwd", 0, 1 }, { "C:\\x.exe", 0, 0 },
		{ "report.pdf", 0, 0 }, { "/C/dir/x.pdf", 0, 0 }, { "", 0, 0 }, { " \\\\host\\x", 1, 0 },
		{ "a:b", 0, 0 }, { "ms-msdt:/id", 1, 1 },
	};
	char *q;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (sl_doc_remote(cases[i].t) != cases[i].remote)
			fail_msg("sl_doc_remote(%s) != %d", cases[i].t, cases[i].remote);
		if (sl_doc_has_scheme(cases[i].t) != cases[i].scheme)
			fail_msg("sl_doc_has_scheme(%s) != %d", cases[i].t, cases[i].scheme);
	}
	q = sl_doc_quote("https://evil.example/a\r\nContent-Type: text/html");
	assert_string_equal(q, "https://evil.example/a??Content-Type: text/html");
	free(q);
	{
		char big[1000];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		q = sl_doc_quote(big);
		assert_true(strlen(q) <= SL_DOC_DETAIL_MAX + 3);
		free(q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pdf_in_worker),
		cmocka_unit_test(test_by_content),
		cmocka_unit_test(test_archive_members),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_max_urls),
		cmocka_unit_test(test_clamav_testfiles),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
