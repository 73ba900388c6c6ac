/*
 * test_pdf - links and active content read from PDFs with qpdf, in this
 * process (the stage runs the same code in a worker: test_docs). The PDFs
 * are written by tests/data/gen_corpus.py into tests/data/payloads/docs:
 * a URI action inside a compressed object stream, a compressed annotation
 * with #-escaped names and a hex URI in another object, URI strings in
 * every form (escapes, octal, UTF-16, NUL, indirect), Launch to a UNC path,
 * GoToR to a URL and to a UNC path (and to a local file: no finding),
 * OpenAction JavaScript from a Flate stream, document-level JavaScript chained
 * by /Next, JavaScript on a click (no finding), embedded files typed by
 * content (a PE named readme.txt), by name (.vbs) and a harmless CSV, an
 * ordinary invoice that prints on open (no finding), a PDF that needs a
 * password, one that is not a PDF, a damaged object stream, the object
 * limit, clam.pdf of the Debian
 * clamav-testfiles package, and which scripts count as harmless.
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

#include "docs.h"
#include "pdf.h"
#include "util.h"

static const char *src_dir(void)
{
	const char *s = getenv("SLUICE_SOURCE_DIR");
	return s != NULL ? s : SLUICE_SOURCE_DIR;
}

/* Reads tests/data/payloads/docs/NAME (or an absolute path) into r. */
static void read_pdf(const char *name, size_t max_objects, struct sl_doc_report *r)
{
	char *path = name[0] == '/' ? g_strdup(name) : g_strdup_printf("%s/tests/data/payloads/docs/%s", src_dir(), name);
	char *data = NULL, *why = NULL;
	size_t len = 0;
	if (sl_read_file(path, 16 << 20, &data, &len, &why) != SL_OK)
		fail_msg("%s", why);
	assert_int_equal(sl_pdf_read((const unsigned char *)data, len, max_objects, r), SL_OK);
	free(data);
	g_free(path);
}

/* The text of the one item with this rule, or NULL. */
static const char *only(const struct sl_doc_report *r, const char *rule)
{
	assert_true(sl_doc_report_count(r, rule) <= 1);
	return sl_doc_report_find(r, rule, NULL);
}

static void dump(const struct sl_doc_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		print_message("  %s: %s\n", r->v[i].rule, r->v[i].text);
}

static void test_uri_in_object_stream(void **state)
{
	struct sl_doc_report r = { 0 };
	read_pdf("uri_objstm.pdf", 1000, &r);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://malware.invalid/pdf/objstm-statement.exe"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);
	/* The old byte scanner's view: the URL is not in the file's bytes at all. */
	{
		char *path = g_strdup_printf("%s/tests/data/payloads/docs/uri_objstm.pdf", src_dir());
		char *data = NULL, *why = NULL;
		size_t len = 0;
		assert_int_equal(sl_read_file(path, 1 << 20, &data, &len, &why), SL_OK);
		assert_null(memmem(data, len, "malware.invalid", 15));
		assert_null(memmem(data, len, "/URI", 4));
		free(data);
		g_free(path);
	}
}

static void test_uri_in_flate_annotation(void **state)
{
	struct sl_doc_report r = { 0 };
	read_pdf("uri_flate_annot.pdf", 1000, &r);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://phishing.test/pdf/verify-account"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);
}

static void test_uri_forms(void **state)
{
	struct sl_doc_report r = { 0 };
	read_pdf("uri_escapes.pdf", 1000, &r);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://p.test/a(1)\\bAc"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://u.t/"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://p.test/%00z"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://p.test/indirect"));
	if (r.n != 4)
		dump(&r);
	assert_int_equal(r.n, 4);
	sl_doc_report_clear(&r);
}

static void test_launch_unc(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;
	read_pdf("launch_unc.pdf", 1000, &r);
	t = only(&r, "pdf_launch");
	assert_non_null(t);
	/* the target, with its parameters, exact (notices defang it) */
	assert_non_null(strstr(t, "\\\\fileshare.evil.test\\pub\\update.exe /silent"));
	assert_non_null(strstr(t, "on a click"));
	sl_doc_report_clear(&r);
}

static void test_gotor(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;

	read_pdf("gotor_remote.pdf", 1000, &r);
	t = only(&r, "pdf_remote_file");
	assert_non_null(t);
	assert_non_null(strstr(t, "GoToR"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://docs-share.evil.test/statement-2024.pdf"));
	sl_doc_report_clear(&r);

	/* A UNC path from the OpenAction: remote, and run on opening. */
	read_pdf("gotor_unc.pdf", 1000, &r);
	t = only(&r, "pdf_remote_file");
	assert_non_null(t);
	assert_non_null(strstr(t, "when it is opened"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "//fileshare.evil.test/pub/statement.pdf"));
	sl_doc_report_clear(&r);

	/* Another PDF beside this one: nothing leaves the machine. */
	read_pdf("gotor_local.pdf", 1000, &r);
	if (r.n != 0)
		dump(&r);
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);
}

static void test_javascript(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;

	read_pdf("openaction_js.pdf", 1000, &r);
	t = only(&r, "pdf_javascript");
	assert_non_null(t);
	assert_non_null(strstr(t, "when it is opened"));
	sl_doc_report_clear(&r);

	/* Document-level scripts run on opening; /Next chains along; the
	 * URL a script opens is a link. The first script only prints, the
	 * second does more. */
	read_pdf("names_js.pdf", 1000, &r);
	assert_non_null(only(&r, "pdf_javascript"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://phishing.test/pdf/js-redirect"));
	sl_doc_report_clear(&r);

	/* A script behind a link runs only on a click: no finding. */
	read_pdf("click_js.pdf", 1000, &r);
	assert_null(only(&r, "pdf_javascript"));
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);
}

static void test_embedded_files(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;

	/* By content: a PE that calls itself readme.txt. */
	read_pdf("embedded_pe.pdf", 1000, &r);
	t = only(&r, "embedded_executable");
	assert_non_null(t);
	assert_non_null(strstr(t, "readme.txt"));
	assert_non_null(strstr(t, "a program"));
	sl_doc_report_clear(&r);

	/* Behind an image filter qpdf does not decode (nor would a reader): the
	 * bytes as they are, still a PE; not "unreadable". */
	read_pdf("embedded_dct.pdf", 1000, &r);
	assert_non_null(only(&r, "embedded_executable"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);

	/* By name: a VBScript is text to any content test. */
	read_pdf("embedded_vbs.pdf", 1000, &r);
	t = only(&r, "embedded_executable");
	assert_non_null(t);
	assert_non_null(strstr(t, "a script"));
	sl_doc_report_clear(&r);

	/* Other embedded files stay allowed. */
	read_pdf("embedded_csv.pdf", 1000, &r);
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);
}

static void test_benign_invoice(void **state)
{
	struct sl_doc_report r = { 0 };
	read_pdf("invoice_print.pdf", 1000, &r);
	/* print on open is no finding; the shop link is reported for judging */
	if (r.n != 1)
		dump(&r);
	assert_int_equal(r.n, 1);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://www.example.com/orders/2024-118"));
	sl_doc_report_clear(&r);

	read_pdf("eicar_flate.pdf", 1000, &r); /* EICAR is ClamAV's business */
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);
}

static void test_unreadable(void **state)
{
	struct sl_doc_report r = { 0 };

	read_pdf("encrypted.pdf", 1000, &r);
	assert_non_null(only(&r, "encrypted_archive"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);

	read_pdf("broken.pdf", 1000, &r);
	assert_non_null(only(&r, "document_unreadable"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);

	/* An object stream that does not inflate: its objects were not seen. */
	read_pdf("objstm_damaged.pdf", 1000, &r);
	assert_non_null(only(&r, "document_unreadable"));
	assert_null(sl_doc_report_find(&r, SL_DOC_LINK, NULL));
	sl_doc_report_clear(&r);

	assert_int_equal(sl_pdf_read((const unsigned char *)"", 0, 1000, &r), SL_OK);
	assert_non_null(only(&r, "document_unreadable"));
	sl_doc_report_clear(&r);
}

static void test_object_limit(void **state)
{
	struct sl_doc_report r = { 0 };
	read_pdf("invoice_print.pdf", 5, &r);
	assert_non_null(only(&r, "limit"));
	assert_non_null(strstr(only(&r, "limit"), "docs.max_pdf_objects"));
	sl_doc_report_clear(&r);
}

/* ClamAV's own test PDF: a FileAttachment annotation holding clam.exe. */
static void test_clamav_testfile(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;
	if (!g_file_test("/usr/share/clamav-testfiles/clam.pdf", G_FILE_TEST_EXISTS))
		fail_msg("clamav-testfiles is not installed (scripts/deps.sh test)");
	read_pdf("/usr/share/clamav-testfiles/clam.pdf", 1000, &r);
	t = only(&r, "embedded_executable");
	assert_non_null(t);
	assert_non_null(strstr(t, "clam.exe"));
	sl_doc_report_clear(&r);
}

static void test_js_benign(void **state)
{
	static const char *const yes[] = {
		"",
		"print();",
		"this.print();",
		"this.print({bUI: true, bSilent: false, bShrinkToFit: true});",
		"  // print the invoice\n this.print(true) ; ",
		"/* Acrobat */ AFNumber_Format(2, 0, 0, 0, \"\\u20ac \", true);",
		"AFSimple_Calculate(\"SUM\", new Array (\"line1\", \"line2\"));",
		"AFDate_FormatEx('dd.mm.yyyy'); AFSpecial_Format(0);",
		"this.print({'bUI': false, nStart: -1, a: [1, 2, [3]]})",
	};
	static const char *const no[] = {
		"app.alert('x');",
		"this.print(); app.launchURL('https://phishing.test/');",
		"this.print(this.getPrintParams());",
		"event.value = 1;",
		"print(unescape('%u9090'));",
		"AFNumber_Format(eval('1'));",
		"var a = 1;",
		"this.print({bUI: true}",
		"this.print('unterminated);",
		"this.exportDataObject({cName: 'x', nLaunch: 2});",
		"AF(1);",
		"this.print({a: [[[[[[[[[[[1]]]]]]]]]]]});",
	};
	size_t i;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!sl_pdf_js_benign(yes[i], strlen(yes[i])))
			fail_msg("not benign: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (sl_pdf_js_benign(no[i], strlen(no[i])))
			fail_msg("benign: %s", no[i]);
	{
		/* long enough to hide anything: not benign, however it looks */
		size_t n = 70000, k;
		char *big = sl_xmalloc(n + 1);
		for (k = 0; k + 8 <= n; k += 8)
			memcpy(big + k, "print();", 8);
		big[k] = '\0';
		assert_false(sl_pdf_js_benign(big, k));
		free(big);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_in_object_stream),
		cmocka_unit_test(test_uri_in_flate_annotation),
		cmocka_unit_test(test_uri_forms),
		cmocka_unit_test(test_launch_unc),
		cmocka_unit_test(test_gotor),
		cmocka_unit_test(test_javascript),
		cmocka_unit_test(test_embedded_files),
		cmocka_unit_test(test_benign_invoice),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_object_limit),
		cmocka_unit_test(test_clamav_testfile),
		cmocka_unit_test(test_js_benign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
