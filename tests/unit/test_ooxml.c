/*
 * test_ooxml - external relationships of Office packages and links of ODF,
 * from files written by tests/data/gen_corpus.py (tests/data/payloads/docs
 * and docs-limits): an external hyperlink (a link, no finding), a remote
 * attachedTemplate, an oleObject to mhtml:, a frame on a UNC path, an
 * external target beside the document (nothing), Word fields (INCLUDEPICTURE
 * split over runs, HYPERLINK, DDEAUTO, PAGE), ODF text:a and a linked
 * section, UTF-16 relationships, a damaged part, a zip that is no document,
 * bytes that are no zip, and the limits: member count (read from the end of
 * central directory before libzip opens it), part size and inflation ratio.
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
#include "ooxml.h"
#include "util.h"

static const struct sl_ooxml_limits defaults = { 10000, 32 << 20, 200 };

static const char *src_dir(void)
{
	const char *s = getenv("SLUICE_SOURCE_DIR");
	return s != NULL ? s : SLUICE_SOURCE_DIR;
}

static char *load(const char *dir, const char *name, size_t *len)
{
	char *path = g_strdup_printf("%s/tests/data/payloads/%s/%s", src_dir(), dir, name);
	char *data = NULL, *why = NULL;
	if (sl_read_file(path, 16 << 20, &data, len, &why) != SL_OK)
		fail_msg("%s", why);
	g_free(path);
	return data;
}

static int read_doc(const char *dir, const char *name, const struct sl_ooxml_limits *lim, int office,
		    struct sl_doc_report *r)
{
	size_t len = 0;
	char *data = load(dir, name, &len);
	int rc = sl_ooxml_read((const unsigned char *)data, len, lim, office, r);
	free(data);
	return rc;
}

/* The text of the one item with this rule, or NULL. */
static const char *only(const struct sl_doc_report *r, const char *rule)
{
	assert_true(sl_doc_report_count(r, rule) <= 1);
	return sl_doc_report_find(r, rule, NULL);
}

static void test_hyperlink(void **state)
{
	struct sl_doc_report r = { 0 };
	assert_int_equal(read_doc("docs", "hyperlink_blocklisted.docx", &defaults, 1, &r), 1);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://credential-harvest.example/office/login?user=mark"));
	assert_int_equal(r.n, 1); /* a hyperlink is a link, not remote content */
	sl_doc_report_clear(&r);

	assert_int_equal(read_doc("docs", "benign_link.docx", &defaults, 1, &r), 1);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://www.example.com/help/returns"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);
}

static void test_remote_template(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;
	assert_int_equal(read_doc("docs", "remote_template.docx", &defaults, 1, &r), 1);
	t = only(&r, "office_remote_content");
	assert_non_null(t);
	assert_non_null(strstr(t, "attachedTemplate"));
	assert_non_null(strstr(t, "http://templates.evil.test/x.dotm"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://templates.evil.test/x.dotm"));
	sl_doc_report_clear(&r);
}

static void test_other_external(void **state)
{
	struct sl_doc_report r = { 0 };

	assert_int_equal(read_doc("docs", "oleobject_mhtml.docx", &defaults, 1, &r), 1);
	assert_non_null(strstr(only(&r, "office_remote_content"), "oleObject"));
	sl_doc_report_clear(&r);

	/* A frame on a file share; the internal image beside it is nothing. */
	assert_int_equal(read_doc("docs", "frame_unc.docx", &defaults, 1, &r), 1);
	assert_non_null(strstr(only(&r, "office_remote_content"), "frame"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "\\\\fileshare.evil.test\\pub\\frame.docx"));
	assert_int_equal(r.n, 2);
	sl_doc_report_clear(&r);

	/* External, but a file beside the document: nothing leaves the machine. */
	assert_int_equal(read_doc("docs", "relative_external.docx", &defaults, 1, &r), 1);
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);

	/* Relationships written in UTF-16 are read all the same. */
	assert_int_equal(read_doc("docs", "utf16_rels.docx", &defaults, 1, &r), 1);
	assert_non_null(only(&r, "office_remote_content"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://templates.evil.test/u.dotm"));
	sl_doc_report_clear(&r);
}

static void test_word_fields(void **state)
{
	struct sl_doc_report r = { 0 };
	const char *t;

	/* INCLUDEPICTURE split over runs and padded: remote content; HYPERLINK: a
	 * link; PAGE: nothing. */
	assert_int_equal(read_doc("docs", "fields.docx", &defaults, 1, &r), 1);
	t = only(&r, "office_remote_content");
	assert_non_null(t);
	assert_non_null(strstr(t, "INCLUDEPICTURE"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://tracker.evil.test/p.png"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://phishing.test/word-field"));
	assert_int_equal(r.n, 3);
	sl_doc_report_clear(&r);

	/* DDEAUTO starts a program: a macro without a macro project. */
	assert_int_equal(read_doc("docs", "dde.docx", &defaults, 1, &r), 1);
	t = only(&r, "office_macro");
	assert_non_null(t);
	assert_non_null(strstr(t, "DDEAUTO"));
	assert_non_null(strstr(t, "cmd.exe"));
	assert_int_equal(r.n, 1);
	sl_doc_report_clear(&r);
}

static void test_odf(void **state)
{
	struct sl_doc_report r = { 0 };
	assert_int_equal(read_doc("docs", "link.odt", &defaults, 1, &r), 1);
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "https://phishing.test/odt/login"));
	assert_non_null(sl_doc_report_find(&r, SL_DOC_LINK, "http://sections.evil.test/part.odt"));
	assert_non_null(strstr(only(&r, "office_remote_content"), "section-source"));
	assert_int_equal(r.n, 3);
	sl_doc_report_clear(&r);
}

static void test_unreadable(void **state)
{
	struct sl_doc_report r = { 0 };
	static const unsigned char junk[] = "PK\3\4 this is not a zip at all";
	size_t len = 0;
	char *zip;

	assert_int_equal(read_doc("docs", "bad_xml.docx", &defaults, 1, &r), 1);
	assert_non_null(strstr(only(&r, "document_unreadable"), "_rels/.rels"));
	sl_doc_report_clear(&r);

	/* Typed as an Office document by content but no zip: unreadable ... */
	assert_int_equal(sl_ooxml_read(junk, sizeof(junk) - 1, &defaults, 1, &r), 1);
	assert_non_null(only(&r, "document_unreadable"));
	sl_doc_report_clear(&r);
	/* ... an unreadable plain zip is the type stage's (unreadable_archive). */
	assert_int_equal(sl_ooxml_read(junk, sizeof(junk) - 1, &defaults, 0, &r), 0);
	assert_int_equal(r.n, 0);

	/* A zip that is neither OOXML nor ODF is not ours. */
	zip = load(".", "encrypted.zip", &len);
	assert_int_equal(sl_ooxml_read((const unsigned char *)zip, len, &defaults, 0, &r), 0);
	assert_int_equal(r.n, 0);
	free(zip);
}

static void test_limits(void **state)
{
	struct sl_doc_report r = { 0 };
	struct sl_ooxml_limits lim = defaults;

	lim.max_members = 10;
	assert_int_equal(read_doc("docs-limits", "many_members.docx", &lim, 1, &r), 1);
	assert_non_null(strstr(only(&r, "limit"), "docs.max_zip_members"));
	sl_doc_report_clear(&r);
	assert_int_equal(read_doc("docs-limits", "many_members.docx", &defaults, 1, &r), 1);
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);

	/* 2 MiB of blanks in a relationships part: a bomb by its ratio ... */
	assert_int_equal(read_doc("docs-limits", "ratio.docx", &defaults, 1, &r), 1);
	assert_non_null(strstr(only(&r, "limit"), "docs.max_zip_ratio"));
	sl_doc_report_clear(&r);
	/* ... and too large a part when the size limit is lower. */
	lim = defaults;
	lim.max_xml = 1 << 20;
	assert_int_equal(read_doc("docs-limits", "ratio.docx", &lim, 1, &r), 1);
	assert_non_null(strstr(only(&r, "limit"), "docs.max_xml_size"));
	sl_doc_report_clear(&r);
	lim = defaults;
	lim.max_ratio = 100000;
	assert_int_equal(read_doc("docs-limits", "ratio.docx", &lim, 1, &r), 1);
	assert_int_equal(r.n, 0);
	sl_doc_report_clear(&r);
}

/* The end of central directory says 65535 entries (zip64 says more): refused
 * before libzip allocates for them. */
static void test_declared_entries(void **state)
{
	struct sl_doc_report r = { 0 };
	unsigned char z[22 + 20 + 56] = { 0 };
	/* zip64 end of central directory record at 0, its locator at 56, EOCD at 76 */
	memcpy(z, "PK\6\6", 4);
	z[32] = 0x40, z[33] = 0x42, z[34] = 0x0f; /* 1 000 000 entries */
	memcpy(z + 56, "PK\6\7", 4);
	memcpy(z + 76, "PK\5\6", 4);
	z[76 + 10] = 0xff, z[76 + 11] = 0xff;
	assert_int_equal(sl_ooxml_read(z, sizeof(z), &defaults, 1, &r), 1);
	assert_non_null(strstr(only(&r, "limit"), "docs.max_zip_members"));
	sl_doc_report_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hyperlink),
		cmocka_unit_test(test_remote_template),
		cmocka_unit_test(test_other_external),
		cmocka_unit_test(test_word_fields),
		cmocka_unit_test(test_odf),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_declared_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
