/*
 * test_av - the antivirus stage with the project's own signatures
 * (signatures/: EICAR by hash and by body): engine creation (signatures
 * counted; no databases, or a broken one, refused with a reason naming
 * clamav.database_dirs), sl_av_scan_buffer, and sl_av_run after the MIME stage
 * on corpus messages (tests/data/email) and messages built here: detections on
 * the right part, archive members as parts of their own, one pass that matches
 * every leaf, the preamble that only ClamAV sees, TNEF without duplicate ids,
 * encrypted archives, the member limit, and ClamAV's type of a PDF part;
 * detections explained by bytes, never by a decoy's name; programs embedded
 * in documents; archives ClamAV opens or cannot; scan limits that always
 * mark the message incomplete (layers.c has its own tests).
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
#include <glib/gstdio.h>

#include "av.h"
#include "config.h"
#include "mime.h"
#include "msg.h"
#include "util.h"

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static const char *src_dir(void)
{
	const char *s = getenv("SLUICE_SOURCE_DIR");
	return s != NULL ? s : SLUICE_SOURCE_DIR;
}

/* A config with the project's signatures only, plus extra overrides. */
static struct sl_config *config_with(const char *const *extra, size_t nextra)
{
	const char *ov[8];
	char *db = g_strdup_printf("clamav.database_dirs=%s/signatures", src_dir());
	struct sl_config *cfg = NULL;
	char *why = NULL;
	size_t i, n = 0;

	ov[n++] = db;
	for (i = 0; i < nextra && n < 8; i++)
		ov[n++] = extra[i];
	if (sl_config_load(NULL, ov, n, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	g_free(db);
	return cfg;
}

struct fixture {
	struct sl_config *cfg;
	struct sl_mime *mime;
	struct sl_av *av;
};

static int setup_with(void **state, const char *const *extra, size_t nextra)
{
	struct fixture *f = sl_xcalloc(1, sizeof(*f));
	char *why = NULL;
	f->cfg = config_with(extra, nextra);
	f->mime = sl_mime_new(f->cfg, &why);
	if (f->mime == NULL)
		fail_msg("sl_mime_new: %s", why);
	f->av = sl_av_new(f->cfg, &why);
	if (f->av == NULL)
		fail_msg("sl_av_new: %s", why);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL, 0);
}

static int setup_one_member(void **state)
{
	static const char *const extra[] = { "limits.max_extracted_files=1" };
	return setup_with(state, extra, 1);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sl_av_free(f->av);
	sl_mime_free(f->mime);
	sl_config_unref(f->cfg);
	free(f);
	return 0;
}

/* Reads a corpus message into a new sl_msg that owns the bytes. */
static struct sl_msg *load_eml(const char *name)
{
	char *path = g_strdup_printf("%s/tests/data/email/%s", src_dir(), name);
	char *data = NULL, *why = NULL;
	size_t len = 0;
	if (sl_read_file(path, 64 << 20, &data, &len, &why) != SL_OK)
		fail_msg("%s", why);
	g_free(path);
	return sl_msg_new_take(SL_CHANNEL_EMAIL, name, (unsigned char *)data, len);
}

static void scan(struct fixture *f, struct sl_msg *m)
{
	assert_int_equal(sl_mime_run(f->mime, m), SL_OK);
	assert_int_equal(sl_av_run(f->av, m), SL_OK);
}

static struct sl_msg *scan_eml(struct fixture *f, const char *name)
{
	struct sl_msg *m = load_eml(name);
	scan(f, m);
	return m;
}

static int part_of(const struct sl_msg *m, const char *id)
{
	int i = sl_msg_find_part(m, id);
	if (i < 0)
		fail_msg("%s: no part %s", m->id, id);
	return i;
}

static size_t count_findings(const struct sl_msg *m, enum sl_finding_kind kind)
{
	size_t i, n = 0;
	for (i = 0; i < m->nfindings; i++)
		n += m->findings[i].kind == kind;
	return n;
}

static void dump(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nparts; i++)
		print_message("  part %s (%s) file=%s scanned=%d av=%s\n", m->parts[i].id,
			      m->parts[i].declared_type ? m->parts[i].declared_type : "-",
			      m->parts[i].filename ? m->parts[i].filename : "-", m->parts[i].av_scanned,
			      m->parts[i].av_name ? m->parts[i].av_name : "-");
	for (i = 0; i < m->nfindings; i++)
		print_message("  finding %s/%s part %d: %s\n", sl_finding_kind_name(m->findings[i].kind),
			      m->findings[i].rule, m->findings[i].part, m->findings[i].detail);
}

/* A virus finding on part id (its index), or a failure with the message dumped. */
static void want_virus_on(const struct sl_msg *m, const char *id)
{
	int i = part_of(m, id);
	if (!sl_msg_has_finding(m, SL_FIND_VIRUS, "virus", i)) {
		dump(m);
		fail_msg("%s: no virus finding on part %s", m->id, id);
	}
}

/* ---- engine creation ---------------------------------------------------- */

static void test_new_with_project_signatures(void **state)
{
	struct fixture *f = *state;
	assert_true(sl_av_signatures(f->av) > 0);
	/* The scan clock starts at zero for a new engine (no timing beyond that). */
	assert_int_equal(sl_av_scan_ns(f->av), 0);
}

static void expect_refused(const char *dirs, const char *must_name)
{
	char *ov = g_strdup_printf("clamav.database_dirs=%s", dirs);
	const char *ovs[] = { ov };
	struct sl_config *cfg = NULL;
	struct sl_av *av;
	char *why = NULL;

	if (sl_config_load(NULL, ovs, 1, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	av = sl_av_new(cfg, &why);
	assert_null(av);
	assert_non_null(why);
	if (strstr(why, "clamav.database_dirs") == NULL)
		fail_msg("reason does not name clamav.database_dirs: %s", why);
	if (must_name != NULL && strstr(why, must_name) == NULL)
		fail_msg("reason does not name %s: %s", must_name, why);
	free(why);
	sl_config_unref(cfg);
	g_free(ov);
}

static void test_new_without_signatures(void **state)
{
	char *dir = g_dir_make_tmp("sluice-test-av-XXXXXX", NULL);
	char *missing = g_build_filename(dir, "missing", NULL);
	char *both = g_strdup_printf("%s;%s", dir, missing);
	(void)state;

	assert_non_null(dir);
	expect_refused(dir, NULL);     /* an empty folder */
	expect_refused(missing, NULL); /* a folder that is not there */
	expect_refused(both, NULL);

	g_rmdir(dir);
	g_free(both);
	g_free(missing);
	g_free(dir);
}

static void test_new_with_broken_database(void **state)
{
	char *dir = g_dir_make_tmp("sluice-test-av-XXXXXX", NULL);
	char *bad = g_build_filename(dir, "broken.ndb", NULL);
	(void)state;

	assert_true(g_file_set_contents(bad, "this is not a signature\n", -1, NULL));
	expect_refused(dir, dir);
	g_unlink(bad);
	g_rmdir(dir);
	g_free(bad);
	g_free(dir);
}

/* ---- sl_av_scan_buffer -------------------------------------------------- */

static void test_scan_buffer(void **state)
{
	struct fixture *f = *state;
	const char *vir = "unset";
	static const char clean[] = "Dear customer, your invoice is attached.\r\n";
	char *wrapped;

	assert_int_equal(sl_av_scan_buffer(f->av, eicar, strlen(eicar), &vir), 1);
	assert_non_null(vir);
	assert_non_null(strstr(vir, "EICAR"));

	/* The body signature catches it wherever it sits. */
	wrapped = g_strdup_printf("some text before\n%s\nand after\n", eicar);
	vir = NULL;
	assert_int_equal(sl_av_scan_buffer(f->av, wrapped, strlen(wrapped), &vir), 1);
	assert_non_null(vir);
	g_free(wrapped);

	vir = "unset";
	assert_int_equal(sl_av_scan_buffer(f->av, clean, strlen(clean), &vir), 0);
	assert_null(vir);
	vir = "unset";
	assert_int_equal(sl_av_scan_buffer(f->av, "", 0, &vir), 0);
	assert_null(vir);
}

/* ---- sl_av_run on messages ---------------------------------------------- */

static void test_eicar_base64(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "virus_eicar_base64.eml");
	int p2 = part_of(m, "2");

	want_virus_on(m, "2");
	assert_non_null(m->parts[p2].av_name);
	assert_non_null(strstr(m->parts[p2].av_name, "EICAR"));
	/* The text part is clean, and nothing is unexplained. */
	assert_null(m->parts[part_of(m, "1")].av_name);
	assert_false(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1));
	assert_int_equal(count_findings(m, SL_FIND_VIRUS), 1);
	assert_false(m->incomplete);
	sl_msg_free(m);
}

static void test_eicar_zip_in_zip(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "virus_eicar_zip_in_zip.eml");
	int zip = part_of(m, "2"), inner, deepest;
	size_t i;

	/* doklady.zip holds precti.txt and archiv.zip, which holds eicar.com:
	 * the members are 2/1, 2/2 and 2/2/1. */
	inner = part_of(m, "2/2");
	deepest = part_of(m, "2/2/1");
	assert_int_equal(m->parts[inner].parent, zip);
	assert_int_equal(m->parts[deepest].parent, inner);
	assert_int_equal(m->parts[inner].origin, SL_ORIGIN_ARCHIVE);
	assert_int_equal(m->parts[deepest].origin, SL_ORIGIN_ARCHIVE);
	assert_string_equal(m->parts[inner].filename, "archiv.zip");
	assert_string_equal(m->parts[deepest].filename, "eicar.com");
	assert_string_equal(m->parts[part_of(m, "2/1")].filename, "precti.txt");
	assert_int_equal(m->parts[deepest].size, strlen(eicar));
	assert_true(m->parts[deepest].data_len <= m->parts[deepest].size);
	assert_memory_equal(m->parts[deepest].data, eicar, m->parts[deepest].data_len);
	assert_true(m->parts[deepest].is_attachment);
	assert_true(m->parts[deepest].av_scanned);
	/* The member's hash was recorded while its whole bytes were at hand. */
	{
		char want[65];
		sl_sha256_hex(eicar, strlen(eicar), want);
		assert_string_equal(sl_msg_part_sha256(m, deepest), want);
	}

	/* The detection is on the deepest member only, not repeated on its containers. */
	want_virus_on(m, "2/2/1");
	assert_non_null(m->parts[deepest].av_name);
	assert_false(sl_msg_has_finding(m, SL_FIND_VIRUS, "virus", zip));
	assert_false(sl_msg_has_finding(m, SL_FIND_VIRUS, "virus", inner));
	assert_int_equal(count_findings(m, SL_FIND_VIRUS), 1);
	assert_false(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1));
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].origin == SL_ORIGIN_ARCHIVE)
			assert_true(strncmp(m->parts[i].id, "2/", 2) == 0);
	sl_msg_free(m);
}

static void test_clean_pdf_one_pass(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "clean_pdf_invoice.eml");
	int pdf = part_of(m, "2");
	size_t i, leaves = 0;

	if (m->nfindings != 0) {
		dump(m);
		fail_msg("clean message has findings");
	}
	for (i = 0; i < m->nparts; i++) {
		if (m->parts[i].is_container)
			continue;
		leaves++;
		if (!m->parts[i].av_scanned)
			fail_msg("leaf %s was not scanned", m->parts[i].id);
		assert_null(m->parts[i].av_name);
		/* Every leaf matched a layer of the raw scan: nothing was added. */
		assert_int_equal(m->parts[i].origin, SL_ORIGIN_MIME);
	}
	assert_int_equal(leaves, 2);
	/* ClamAV's own typing of the PDF. */
	assert_non_null(m->parts[pdf].av_type);
	assert_string_equal(m->parts[pdf].av_type, "application/pdf");
	assert_null(m->parts[part_of(m, "1")].av_type);
	sl_msg_free(m);
}

static void test_preamble_unexplained(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "hidden_eicar_preamble_plain.eml");
	size_t i;

	if (!sl_msg_has_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1)) {
		dump(m);
		fail_msg("no unexplained_detection for EICAR in the preamble");
	}
	for (i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == SL_FIND_STRUCTURE)
			assert_non_null(strstr(m->findings[i].detail, "EICAR"));
	/* No part holds it. */
	for (i = 0; i < m->nparts; i++)
		assert_null(m->parts[i].av_name);
	assert_int_equal(count_findings(m, SL_FIND_VIRUS), 0);
	sl_msg_free(m);
}

static void test_tnef_unique_ids(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "virus_eicar_tnef.eml");
	size_t i, j, tnef = 0;

	for (i = 0; i < m->nparts; i++) {
		tnef += m->parts[i].origin == SL_ORIGIN_TNEF;
		for (j = 0; j < i; j++)
			if (strcmp(m->parts[i].id, m->parts[j].id) == 0) {
				dump(m);
				fail_msg("part id %s twice", m->parts[i].id);
			}
	}
	/* Our own TNEF unpacking made the children; ClamAV's view added none. */
	assert_true(tnef >= 1);
	for (i = 0; i < m->nparts; i++)
		assert_int_not_equal(m->parts[i].origin, SL_ORIGIN_ARCHIVE);
	/* And EICAR inside is found, on winmail.dat or below it. */
	{
		int p2 = part_of(m, "2"), found = 0;
		for (i = 0; i < m->nfindings; i++) {
			int p = m->findings[i].part;
			if (m->findings[i].kind != SL_FIND_VIRUS || p < 0)
				continue;
			if (p == p2 || m->parts[p].parent == p2)
				found = 1;
		}
		assert_true(found);
	}
	sl_msg_free(m);
}

static void test_encrypted_zip(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "zip_encrypted.eml");
	int zip = part_of(m, "2");

	/* BUG: lib/scan/av.c:270 (on_virus) drops the detection. ClamAV reports
	 * heuristic detections (Heuristics.Encrypted.Zip, .Limits.Exceeded,
	 * OLE2 macros, ...) only at the end of the scan unless
	 * CL_SCAN_GENERAL_HEURISTIC_PRECEDENCE is set, by which time post-scan
	 * has emptied the layer stack, so on_virus returns early; do_scan ignores
	 * the virname cl_scanmap_callback returns as well. sl_av_scan_buffer on
	 * the same zip says Heuristics.Encrypted.Zip. Fix: add
	 * CL_SCAN_GENERAL_HEURISTIC_PRECEDENCE to av->opts.general (av.c:340), so
	 * the heuristic is reported while its layer is open (then it lands on part
	 * 2 as filetype/encrypted_archive); and in do_scan, when rc == CL_VIRUS
	 * but no layer took a name, add the detection to the top layer rather
	 * than losing it. */
	int found = sl_msg_has_finding(m, SL_FIND_FILETYPE, "encrypted_archive", zip);
	if (!found)
		dump(m);
	sl_msg_free(m); /* before failing: no leak report on top of the failure */
	if (!found)
		fail_msg("no filetype/encrypted_archive on the encrypted zip (part 2)");
}

static void test_member_limit(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "clean_zip_two_pdfs.eml");
	int zip = part_of(m, "2");
	size_t i, members = 0;

	for (i = 0; i < m->nparts; i++)
		members += m->parts[i].origin == SL_ORIGIN_ARCHIVE;
	assert_int_equal(members, 1);
	if (!sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", zip)) {
		dump(m);
		fail_msg("no limit finding with limits.max_extracted_files=1");
	}
	assert_true(m->incomplete); /* members left unjudged: never delivered as is */
	for (i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == SL_FIND_LIMIT)
			assert_non_null(strstr(m->findings[i].detail, "limits.max_extracted_files"));
	sl_msg_free(m);
}

static void test_two_pdfs_members(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "clean_zip_two_pdfs.eml");
	int a = part_of(m, "2/1"), b = part_of(m, "2/2");

	/* Without the limit both PDFs are parts, typed by ClamAV, and clean. */
	assert_int_equal(m->nfindings, 0);
	assert_int_equal(m->parts[a].origin, SL_ORIGIN_ARCHIVE);
	assert_int_equal(m->parts[b].origin, SL_ORIGIN_ARCHIVE);
	assert_non_null(m->parts[a].filename);
	assert_non_null(m->parts[b].filename);
	assert_string_not_equal(m->parts[a].filename, m->parts[b].filename);
	assert_string_equal(m->parts[a].av_type, "application/pdf");
	assert_string_equal(m->parts[b].av_type, "application/pdf");
	assert_memory_equal(m->parts[a].data, "%PDF", 4);
	sl_msg_free(m);
}

/* Base64 of n bytes in 76-column lines. */
static char *b64_lines(const void *p, size_t n)
{
	char *flat = g_base64_encode(p, n);
	GString *s = g_string_new(NULL);
	size_t i, len = strlen(flat);
	for (i = 0; i < len; i += 76) {
		g_string_append_len(s, flat + i, (gssize)(len - i < 76 ? len - i : 76));
		g_string_append_c(s, '\n');
	}
	g_free(flat);
	return g_string_free(s, FALSE);
}

static struct sl_msg *zip_and_plain(struct fixture *f, int zip_first)
{
	struct sl_msg *src = scan_eml(f, "virus_eicar_zip.eml");
	int zi = part_of(src, "2");
	char *zip64 = b64_lines(src->parts[zi].data, src->parts[zi].size);
	char *eic64 = b64_lines(eicar, strlen(eicar));
	char *zpart = g_strdup_printf("Content-Type: application/zip; name=\"a.zip\"\n"
				      "Content-Disposition: attachment; filename=\"a.zip\"\n"
				      "Content-Transfer-Encoding: base64\n\n%s",
				      zip64);
	char *epart = g_strdup_printf("Content-Type: application/octet-stream; name=\"eicar.com\"\n"
				      "Content-Disposition: attachment; filename=\"eicar.com\"\n"
				      "Content-Transfer-Encoding: base64\n\n%s",
				      eic64);
	char *raw = g_strdup_printf("From: a@customer.example\nTo: b@contact-center.example\nSubject: t\n"
				    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BB\"\n\n"
				    "--BB\nContent-Type: text/plain\n\nhello\n--BB\n%s--BB\n%s--BB--\n",
				    zip_first ? zpart : epart, zip_first ? epart : zpart);
	struct sl_msg *m = sl_msg_new_take(SL_CHANNEL_EMAIL, zip_first ? "zip-then-plain" : "plain-then-zip",
					   (unsigned char *)sl_xstrdup(raw), strlen(raw));
	g_free(raw);
	g_free(zpart);
	g_free(epart);
	g_free(zip64);
	g_free(eic64);
	sl_msg_free(src);
	scan(f, m);
	return m;
}

/* Is there a virus finding on part idx or on a part below it? */
static int virus_at_or_below(const struct sl_msg *m, int idx)
{
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		int p = m->findings[i].part;
		if (m->findings[i].kind != SL_FIND_VIRUS)
			continue;
		while (p >= 0 && p != idx)
			p = m->parts[p].parent;
		if (p == idx)
			return 1;
	}
	return 0;
}

static void test_zip_member_same_bytes_as_later_part(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = zip_and_plain(f, 0);

	/* eicar.com first, then a zip that also holds eicar.com: both are found. */
	assert_true(virus_at_or_below(m, part_of(m, "2")));
	assert_true(virus_at_or_below(m, part_of(m, "3")));
	sl_msg_free(m);

	/* BUG: lib/scan/av.c:232-233 (on_inspect). With the zip first, its member
	 * eicar.com does not match under the zip's part, so match_part() is asked
	 * again with under = -1 and claims the *later* MIME part 3 (same bytes,
	 * not yet scanned). The member never becomes 2/N, the detection lands on
	 * part 3, and the zip (part 2) carries no finding at all: the pipeline
	 * removes part 3 and delivers the zip with EICAR inside. Fix: retry
	 * without `under` only when the parent layer maps to no part and is no
	 * member (i.e. never give a layer inside a known container to a part
	 * outside it): `if (l.part < 0 && s->base_part < 0 && under < 0 &&
	 * !parent_is_member)`, which makes the retry a no-op and can be dropped. */
	m = zip_and_plain(f, 1);
	{
		int zip_found = virus_at_or_below(m, part_of(m, "2"));
		int plain_found = virus_at_or_below(m, part_of(m, "3"));
		if (!zip_found)
			dump(m);
		sl_msg_free(m);
		if (!zip_found)
			fail_msg("the zip (part 2) holding EICAR has no virus finding");
		assert_true(plain_found);
	}
}

/* Is there an ARCHIVE-origin part directly below part idx? */
static int has_member(const struct sl_msg *m, int idx)
{
	size_t i;
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].parent == idx && m->parts[i].origin == SL_ORIGIN_ARCHIVE)
			return 1;
	return 0;
}

/* EICAR in the preamble (only ClamAV's parse sees it) and the same EICAR in
 * part 2: part 2's detection does not explain the preamble's. */
static void test_decoy_explains_nothing(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "virus_eicar_decoy_preamble.eml");
	want_virus_on(m, "2");
	if (!sl_msg_has_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1)) {
		dump(m);
		fail_msg("the decoy in part 2 explained the EICAR in the preamble");
	}
	sl_msg_free(m);
}

/* The same 8bit EICAR alone: ClamAV matches it in the raw message too, and
 * part 2 holds those bytes (the rest of the message is clean). */
static void test_raw_match_explained_by_bytes(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "virus_eicar_8bit.eml");
	want_virus_on(m, "2");
	assert_int_equal(count_findings(m, SL_FIND_STRUCTURE), 0);
	sl_msg_free(m);
}

static void test_embedded_in_documents(void **state)
{
	static const char *const files[] = { "embedded_exe_doc_package.eml", "embedded_js_doc_package.eml",
					     "embedded_exe_pdf.eml", "embedded_exe_docx_package.eml",
					     "embedded_exe_docx_raw.eml", NULL };
	struct fixture *f = *state;
	size_t i;
	for (i = 0; files[i] != NULL; i++) {
		struct sl_msg *m = scan_eml(f, files[i]);
		int doc = part_of(m, "2");
		if (!sl_msg_has_finding(m, SL_FIND_FILETYPE, "embedded_executable", doc)) {
			dump(m);
			fail_msg("%s: no embedded_executable on the document", files[i]);
		}
		assert_int_equal(count_findings(m, SL_FIND_STRUCTURE), 0);
		sl_msg_free(m);
	}
	/* Images and text files inside documents are what documents hold. */
	{
		struct sl_msg *m = scan_eml(f, "clean_docx_embedded_image.eml");
		assert_int_equal(m->nfindings, 0);
		assert_false(has_member(m, part_of(m, "2")));
		sl_msg_free(m);
		m = scan_eml(f, "clean_pdf_embedded_text.eml");
		assert_int_equal(m->nfindings, 0);
		sl_msg_free(m);
	}
}

/* ClamAV opens xz (the PE inside becomes a part to type), not zstd (no
 * members: the type stage calls it unreadable). */
static void test_archives_it_opens_or_not(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "archive_exe_tar_xz.eml");
	int exe = part_of(m, "2/1/2");
	assert_string_equal(m->parts[part_of(m, "2/1")].av_type, "application/x-tar");
	assert_string_equal(m->parts[exe].av_type, "application/vnd.microsoft.portable-executable");
	assert_memory_equal(m->parts[exe].data, "MZ", 2);
	sl_msg_free(m);
	m = scan_eml(f, "archive_tar_zst.eml");
	assert_false(has_member(m, part_of(m, "2")));
	assert_int_equal(m->nfindings, 0);
	sl_msg_free(m);
}

/* A scan limit ClamAV hits marks the message incomplete, even with
 * clamav.alert_exceeds_max = false. */
static void test_limit_always_incomplete(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "virus_eicar_zip_in_zip.eml");
	size_t i;
	int limit = 0;
	for (i = 0; i < m->nfindings; i++)
		limit |= m->findings[i].kind == SL_FIND_LIMIT;
	if (!limit || !m->incomplete)
		dump(m);
	assert_true(limit);
	assert_true(m->incomplete);
	sl_msg_free(m);
}

/* A message past clamav.max_filesize is refused by ClamAV before it shows a
 * single layer: still a limit, still incomplete. */
static void test_size_limit_incomplete(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "clean_csv_5mb.eml");
	int found = sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", -1);
	if (!found || !m->incomplete)
		dump(m);
	assert_true(found);
	assert_true(m->incomplete);
	sl_msg_free(m);
}

static int setup_small_files(void **state)
{
	static const char *const extra[] = { "clamav.max_filesize=1M" };
	return setup_with(state, extra, 1);
}

static int setup_shallow(void **state)
{
	static const char *const extra[] = { "clamav.max_recursion=2", "clamav.alert_exceeds_max=false" };
	return setup_with(state, extra, 2);
}

static void test_scan_ns_counts(void **state)
{
	struct fixture *f = *state;
	struct sl_msg *m = scan_eml(f, "clean_plain_text.eml");
	size_t i;
	/* The clock moves (no statement about how far). */
	assert_true(sl_av_scan_ns(f->av) > 0);
	assert_int_equal(m->nfindings, 0);
	for (i = 0; i < m->nparts; i++)
		if (!m->parts[i].is_container)
			assert_true(m->parts[i].av_scanned);
	sl_msg_free(m);
}

static void test_free_null(void **state)
{
	(void)state;
	assert_null(sl_av_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_with_project_signatures, setup, teardown),
		cmocka_unit_test(test_new_without_signatures),
		cmocka_unit_test(test_new_with_broken_database),
		cmocka_unit_test_setup_teardown(test_scan_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eicar_base64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eicar_zip_in_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_pdf_one_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preamble_unexplained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tnef_unique_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encrypted_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member_limit, setup_one_member, teardown),
		cmocka_unit_test_setup_teardown(test_two_pdfs_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zip_member_same_bytes_as_later_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoy_explains_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_match_explained_by_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_embedded_in_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archives_it_opens_or_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_always_incomplete, setup_shallow, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit_incomplete, setup_small_files, teardown),
		cmocka_unit_test_setup_teardown(test_scan_ns_counts, setup, teardown),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
