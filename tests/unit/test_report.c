/*
 * test_report - the JSON of `sluicectl scan --json`: parsed back with
 * jansson, it has file/channel/verdict/findings/parts/urls as DESIGN.md
 * lists them, containers are not parts, and bytes that are not UTF-8 (file
 * names from the wire) do not break the JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "msg.h"
#include "report.h"
#include "util.h"

static const unsigned char raw[] = "Subject: x\n\nbody\n";

static json_t *parse(const char *s)
{
	json_error_t err;
	json_t *j;
	assert_non_null(s);
	assert_null(strchr(s, '\n')); /* one line */
	j = json_loads(s, 0, &err);
	if (j == NULL)
		fail_msg("not JSON (%s at %d): %s", err.text, err.position, s);
	assert_true(json_is_object(j));
	return j;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		fail_msg("no key %s", key);
	if (json_is_null(v))
		return NULL;
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void set_data(struct sl_msg *m, int i, const char *s)
{
	sl_msg_part_take_data(m, i, (unsigned char *)sl_xstrdup(s), strlen(s));
}

/* multipart/mixed: text (1), exe (2), message/rfc822 (3) holding a pdf (3.1) */
static struct sl_msg *sample(void)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "q", raw, sizeof(raw) - 1);
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	int t = sl_msg_add_part(m, top, "1", SL_ORIGIN_MIME);
	int x = sl_msg_add_part(m, top, "2", SL_ORIGIN_MIME);
	int r = sl_msg_add_part(m, top, "3", SL_ORIGIN_MIME);
	int pdf = sl_msg_add_part(m, r, "3.1", SL_ORIGIN_MIME);
	int u;

	m->parts[top].is_container = 1;
	m->parts[top].declared_type = sl_xstrdup("multipart/mixed");
	m->parts[r].is_container = 1;
	m->parts[r].declared_type = sl_xstrdup("message/rfc822");
	m->parts[t].declared_type = sl_xstrdup("text/plain");
	m->parts[t].detected_type = sl_xstrdup("text/plain");
	set_data(m, t, "see http://evil.test/x");
	m->parts[x].declared_type = sl_xstrdup("application/pdf");
	m->parts[x].detected_type = sl_xstrdup("application/x-dosexec");
	m->parts[x].filename = sl_xstrdup("invoice.pdf.exe");
	set_data(m, x, "MZ....");
	m->parts[pdf].declared_type = sl_xstrdup("application/pdf");
	m->parts[pdf].alt_filename = sl_xstrdup("only-in-name.pdf");
	set_data(m, pdf, "%PDF-1.4");

	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", x, "'invoice.pdf.exe' is a program");
	m->findings[0].action = SL_ACT_REMOVE;
	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "two Content-Type headers");
	m->findings[1].action = SL_ACT_QUARANTINE;
	u = sl_msg_add_url(m, t, "http://evil.test/x", 4, 18, SL_URLCTX_TEXT, NULL);
	m->urls[u].normalized = sl_xstrdup("http://evil.test/x");
	m->urls[u].reputation = SL_REP_MALICIOUS;
	m->urls[u].source = sl_xstrdup("blocklist");
	u = sl_msg_add_url(m, pdf, "HTTP://Good.test", 0, 16, SL_URLCTX_ATTACHMENT, "Good");
	m->verdict = SL_VERDICT_QUARANTINE;
	return m;
}

static void test_shape(void **state)
{
	struct sl_msg *m = sample();
	char *s = sl_report_json(m, "in/sample.eml");
	json_t *j = parse(s), *a, *e;
	size_t i;

	assert_string_equal(str(j, "file"), "in/sample.eml");
	assert_string_equal(str(j, "channel"), "email");
	assert_string_equal(str(j, "verdict"), "quarantine");
	/* not kept (a dry run): the key is there, null */
	assert_non_null(json_object_get(j, "reference"));
	assert_true(json_is_null(json_object_get(j, "reference")));
	json_decref(j);
	free(s);
	m->reference = sl_xstrdup("SL-7KQ2-M9XD-4TJH-W8PR");
	s = sl_report_json(m, "in/sample.eml");
	j = parse(s);
	assert_string_equal(str(j, "reference"), "SL-7KQ2-M9XD-4TJH-W8PR");

	a = json_object_get(j, "findings");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	e = json_array_get(a, 0);
	assert_string_equal(str(e, "kind"), "filetype");
	assert_string_equal(str(e, "part"), "2");
	assert_string_equal(str(e, "detail"), "'invoice.pdf.exe' is a program");
	assert_string_equal(str(e, "action"), "remove");
	e = json_array_get(a, 1);
	assert_string_equal(str(e, "kind"), "structure");
	assert_null(str(e, "part")); /* the whole message */
	assert_string_equal(str(e, "action"), "quarantine");

	/* Leaves only: 0 (multipart) and 3 (message/rfc822) are containers. */
	a = json_object_get(j, "parts");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 3);
	{
		const char *ids[] = { "1", "2", "3.1" };
		for (i = 0; i < 3; i++)
			assert_string_equal(str(json_array_get(a, i), "id"), ids[i]);
	}
	e = json_array_get(a, 1);
	assert_string_equal(str(e, "declared_type"), "application/pdf");
	assert_string_equal(str(e, "detected_type"), "application/x-dosexec");
	assert_string_equal(str(e, "filename"), "invoice.pdf.exe");
	assert_true(json_is_integer(json_object_get(e, "size")));
	assert_int_equal(json_integer_value(json_object_get(e, "size")), 6);
	assert_string_equal(str(e, "sha256"), sl_msg_part_sha256(m, 2));
	assert_int_equal(strlen(str(e, "sha256")), 64);
	e = json_array_get(a, 0);
	assert_null(str(e, "filename"));
	assert_int_equal(json_integer_value(json_object_get(e, "size")), 22);
	/* No Content-Disposition name: the Content-Type name stands in. */
	e = json_array_get(a, 2);
	assert_string_equal(str(e, "filename"), "only-in-name.pdf");
	assert_null(str(e, "detected_type"));

	a = json_object_get(j, "urls");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	e = json_array_get(a, 0);
	assert_string_equal(str(e, "url"), "http://evil.test/x");
	assert_string_equal(str(e, "part"), "1");
	assert_null(str(e, "shown_as"));
	assert_string_equal(str(e, "reputation"), "malicious");
	assert_string_equal(str(e, "source"), "blocklist");
	e = json_array_get(a, 1);
	assert_string_equal(str(e, "url"), "HTTP://Good.test"); /* not normalised: as found */
	assert_string_equal(str(e, "part"), "3.1");
	assert_string_equal(str(e, "shown_as"), "Good");
	assert_string_equal(str(e, "reputation"), "unknown");
	assert_null(str(e, "source"));

	json_decref(j);
	free(s);
	sl_msg_free(m);
}

static void test_empty_whatsapp(void **state)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_WHATSAPP, "wamid.x", raw, 0);
	char *s = sl_report_json(m, "payload.json");
	json_t *j = parse(s);
	assert_string_equal(str(j, "channel"), "whatsapp");
	assert_string_equal(str(j, "verdict"), "clean");
	assert_int_equal(json_array_size(json_object_get(j, "findings")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "parts")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "urls")), 0);
	assert_true(json_is_array(json_object_get(j, "parts")));
	json_decref(j);
	free(s);
	sl_msg_free(m);
}

static void test_verdict_names(void **state)
{
	static const char *const names[] = { "clean", "rewrite", "quarantine", "reject" };
	int v;
	for (v = SL_VERDICT_CLEAN; v <= SL_VERDICT_REJECT; v++) {
		struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "q", raw, 0);
		char *s;
		json_t *j;
		m->verdict = (enum sl_verdict)v;
		s = sl_report_json(m, "f");
		j = parse(s);
		assert_string_equal(str(j, "verdict"), names[v]);
		json_decref(j);
		free(s);
		sl_msg_free(m);
	}
}

static void test_invalid_utf8(void **state)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "q", raw, sizeof(raw) - 1);
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	char *s;
	json_t *j, *e;
	const char *fn;

	m->parts[p].declared_type = sl_xstrdup("application/octet-stream");
	m->parts[p].filename = sl_xstrdup("bad\xff\xfe name\xc3.pdf");
	set_data(m, p, "x");
	sl_msg_add_finding(m, SL_FIND_FILENAME, "double_extension", p, "file name '%s' is odd",
			   "bad\xff\xfe name\xc3.pdf");
	sl_msg_add_url(m, p, "http://\xe9vil.test/", 0, 5, SL_URLCTX_TEXT, "\x80shown");
	s = sl_report_json(m, "dir/\xff" "file.eml");
	j = parse(s);
	fn = str(json_array_get(json_object_get(j, "parts"), 0), "filename");
	assert_non_null(fn);
	/* What is valid survives around the replaced bytes. */
	assert_int_equal(strncmp(fn, "bad", 3), 0);
	assert_non_null(strstr(fn, "name"));
	assert_non_null(strstr(fn, ".pdf"));
	e = json_array_get(json_object_get(j, "findings"), 0);
	assert_non_null(strstr(str(e, "detail"), ".pdf' is odd"));
	e = json_array_get(json_object_get(j, "urls"), 0);
	assert_non_null(strstr(str(e, "url"), "vil.test/"));
	assert_non_null(strstr(str(e, "shown_as"), "shown"));
	assert_non_null(strstr(str(j, "file"), "file.eml"));
	json_decref(j);
	free(s);
	sl_msg_free(m);
}

/* Valid UTF-8 (RFC 2047/2231 names decode to it) passes through unchanged. */
static void test_utf8_kept(void **state)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "q", raw, sizeof(raw) - 1);
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	const char *name = "Rechnung f\xc3\xbcr M\xc3\xa4rz \xe2\x82\xac.pdf";
	char *s;
	json_t *j;
	m->parts[p].filename = sl_xstrdup(name);
	set_data(m, p, "x");
	s = sl_report_json(m, "a \"quoted\" \\ name.eml");
	j = parse(s);
	assert_string_equal(str(json_array_get(json_object_get(j, "parts"), 0), "filename"), name);
	assert_string_equal(str(j, "file"), "a \"quoted\" \\ name.eml");
	json_decref(j);
	free(s);
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_empty_whatsapp),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf8_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
