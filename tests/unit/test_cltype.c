/*
 * test_cltype - ClamAV's layer types: the MIME types they prove (and those
 * they must not claim: OLE2 is also MSI, MZ is also an OLE Package stream),
 * their categories, which are archives (every member typed) and which are
 * documents (a program inside is embedded), and names it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cltype.h"

static void str_is(const char *got, const char *want, const char *what)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: %s, expected %s", what, got ? got : "NULL", want ? want : "NULL");
}

static void test_mime(void **state)
{
	(void)state;
	str_is(sl_cltype_mime("CL_TYPE_PDF"), "application/pdf", "PDF");
	str_is(sl_cltype_mime("CL_TYPE_MSEXE"), "application/vnd.microsoft.portable-executable", "PE");
	str_is(sl_cltype_mime("CL_TYPE_ZIP"), "application/zip", "zip");
	str_is(sl_cltype_mime("CL_TYPE_SIS"), "application/vnd.symbian.install", "SIS");
	str_is(sl_cltype_mime("CL_TYPE_LNK"), "application/x-ms-shortcut", "LNK");
	/* libmagic must still look at OLE2 (MSI or Word?) and at text. */
	str_is(sl_cltype_mime("CL_TYPE_MSOLE2"), NULL, "OLE2");
	str_is(sl_cltype_mime("CL_TYPE_TEXT_ASCII"), NULL, "text");
	str_is(sl_cltype_mime("CL_TYPE_HTML"), NULL, "HTML");
}

static void test_category(void **state)
{
	static const struct {
		const char *t, *cat;
	} cases[] = {
		{ "CL_TYPE_ZIP", "archive" }, { "CL_TYPE_RAR", "archive" }, { "CL_TYPE_7Z", "archive" },
		{ "CL_TYPE_ARJ", "archive" }, { "CL_TYPE_MSCAB", "archive" }, { "CL_TYPE_MSSZDD", "archive" },
		{ "CL_TYPE_BINHEX", "archive" }, { "CL_TYPE_CPIO_NEWC", "archive" }, { "CL_TYPE_XZ", "archive" },
		{ "CL_TYPE_SIS", "installer" }, { "CL_TYPE_NULSFT", "installer" },
		{ "CL_TYPE_MSCHM", "script" }, { "CL_TYPE_SCRENC", "script" }, { "CL_TYPE_LNK", "shortcut" },
		{ "CL_TYPE_ISO9660", "disk_image" }, { "CL_TYPE_DMG", "disk_image" },
		{ "CL_TYPE_ONENOTE", "onenote" }, { "CL_TYPE_HTML", "html" }, { "CL_TYPE_PDF", "document" },
		{ "CL_TYPE_RTF", "document" }, { "CL_TYPE_MSOLE2", "document" },
		{ "CL_TYPE_OOXML_WORD", "document" }, { "CL_TYPE_MAIL", "mail" },
		/* The bytes decide for programs (an OLE Package stream is MSEXE too). */
		{ "CL_TYPE_MSEXE", NULL }, { "CL_TYPE_ELF", NULL },
		{ "CL_TYPE_TEXT_ASCII", NULL }, { "CL_TYPE_BINARY_DATA", NULL }, { "CL_TYPE_PNG", NULL },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		str_is(sl_cltype_category(cases[i].t), cases[i].cat, cases[i].t);
}

static void test_archive_and_document(void **state)
{
	(void)state;
	assert_true(sl_cltype_is_archive("CL_TYPE_ZIP"));
	assert_true(sl_cltype_is_archive("CL_TYPE_POSIX_TAR"));
	assert_true(sl_cltype_is_archive("CL_TYPE_GZ"));
	assert_true(sl_cltype_is_archive("CL_TYPE_ISO9660"));
	assert_true(sl_cltype_is_archive("CL_TYPE_TNEF"));
	/* Judged whole: what they hold that is dangerous shows by itself. */
	assert_false(sl_cltype_is_archive("CL_TYPE_SIS"));
	assert_false(sl_cltype_is_archive("CL_TYPE_MSCHM"));
	assert_false(sl_cltype_is_archive("CL_TYPE_OOXML_WORD"));
	assert_false(sl_cltype_is_archive("CL_TYPE_MAIL"));
	assert_false(sl_cltype_is_archive("CL_TYPE_MSEXE"));

	assert_true(sl_cltype_is_document("CL_TYPE_PDF"));
	assert_true(sl_cltype_is_document("CL_TYPE_RTF"));
	assert_true(sl_cltype_is_document("CL_TYPE_MSOLE2"));
	assert_true(sl_cltype_is_document("CL_TYPE_OOXML_PPT"));
	assert_true(sl_cltype_is_document("CL_TYPE_ONENOTE"));
	assert_false(sl_cltype_is_document("CL_TYPE_ZIP"));
	assert_false(sl_cltype_is_document("CL_TYPE_HTML"));
	assert_false(sl_cltype_is_document("CL_TYPE_MAIL"));
}

static void test_unknown(void **state)
{
	(void)state;
	str_is(sl_cltype_mime(NULL), NULL, "NULL");
	str_is(sl_cltype_category(NULL), NULL, "NULL");
	str_is(sl_cltype_category("CL_TYPE_SOMETHING_NEW"), NULL, "a type of a later ClamAV");
	str_is(sl_cltype_category("ZIP"), NULL, "no prefix");
	str_is(sl_cltype_category("CL_TYPE_"), NULL, "prefix only");
	assert_false(sl_cltype_is_archive(NULL));
	assert_false(sl_cltype_is_document("CL_TYPE_SOMETHING_NEW"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_category),
		cmocka_unit_test(test_archive_and_document),
		cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
