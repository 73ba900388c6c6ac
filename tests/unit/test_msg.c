/*
 * test_msg - the message model: parts, URLs and findings are appended and
 * found again, part ids and parents, the MIME ancestor of extracted files,
 * sha256 of the decoded bytes, the finding look-up with its part wildcard,
 * and the names of verdicts, kinds and actions (they are the JSON contract).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"
#include "util.h"

static const unsigned char raw[] = "Subject: x\n\nbody\n";

static struct sl_msg *new_msg(void)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "q1", raw, sizeof(raw) - 1);
	assert_non_null(m);
	return m;
}

static void test_new_and_free(void **state)
{
	struct sl_msg *m = new_msg();
	assert_int_equal(m->channel, SL_CHANNEL_EMAIL);
	assert_string_equal(m->id, "q1");
	assert_ptr_equal(m->raw, raw);
	assert_int_equal(m->raw_len, sizeof(raw) - 1);
	assert_null(m->raw_owned);
	assert_int_equal(m->headers_end, -1);
	assert_int_equal(m->nparts, 0);
	assert_int_equal(m->nfindings, 0);
	assert_int_equal(m->nurls, 0);
	assert_int_equal(m->verdict, SL_VERDICT_CLEAN);
	assert_null(sl_msg_free(m));
	assert_null(sl_msg_free(NULL));

	/* A NULL id becomes "-" for the logs. */
	m = sl_msg_new(SL_CHANNEL_WHATSAPP, NULL, raw, 0);
	assert_string_equal(m->id, "-");
	assert_int_equal(m->channel, SL_CHANNEL_WHATSAPP);
	sl_msg_free(m);
}

static void test_new_take_owns_raw(void **state)
{
	unsigned char *r = (unsigned char *)sl_xstrdup("From: a\n\nb\n");
	struct sl_msg *m = sl_msg_new_take(SL_CHANNEL_EMAIL, "t", r, strlen((char *)r));
	assert_ptr_equal(m->raw, r);
	assert_ptr_equal(m->raw_owned, r);
	sl_msg_free(m); /* frees r: ASan's leak check proves it */
}

static void test_parts_ids_parents_depth(void **state)
{
	struct sl_msg *m = new_msg();
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	int a = sl_msg_add_part(m, top, "1", SL_ORIGIN_MIME);
	int b = sl_msg_add_part(m, top, "2", SL_ORIGIN_MIME);
	int c = sl_msg_add_part(m, b, "2.1", SL_ORIGIN_MIME);
	int d = sl_msg_add_part(m, a, "1/1", SL_ORIGIN_UUENCODE);
	int i;
	char id[16];

	assert_int_equal(top, 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 3);
	assert_int_equal(d, 4);
	assert_int_equal(m->nparts, 5);
	assert_int_equal(m->parts[top].parent, -1);
	assert_int_equal(m->parts[c].parent, b);
	assert_int_equal(m->parts[top].depth, 0);
	assert_int_equal(m->parts[a].depth, 1);
	assert_int_equal(m->parts[c].depth, 2);
	assert_int_equal(m->parts[d].origin, SL_ORIGIN_UUENCODE);
	/* Byte ranges unknown until the parser sets them. */
	assert_int_equal(m->parts[c].hdr_start, -1);
	assert_int_equal(m->parts[c].body_start, -1);
	assert_int_equal(m->parts[c].body_end, -1);
	assert_null(m->parts[c].data);

	assert_int_equal(sl_msg_find_part(m, "0"), top);
	assert_int_equal(sl_msg_find_part(m, "2.1"), c);
	assert_int_equal(sl_msg_find_part(m, "1/1"), d);
	assert_int_equal(sl_msg_find_part(m, "2.2"), -1);
	assert_int_equal(sl_msg_find_part(m, "2."), -1);
	assert_int_equal(sl_msg_find_part(m, ""), -1);

	/* The id is copied. */
	strcpy(id, "3");
	i = sl_msg_add_part(m, top, id, SL_ORIGIN_MIME);
	strcpy(id, "x");
	assert_string_equal(m->parts[i].id, "3");

	/* Growth past the first allocation keeps earlier parts intact. */
	for (i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "9.%d", i);
		assert_int_equal(sl_msg_add_part(m, c, id, SL_ORIGIN_MIME), 6 + i);
	}
	assert_string_equal(m->parts[c].id, "2.1");
	assert_int_equal(sl_msg_find_part(m, "9.99"), 105);
	assert_int_equal(m->parts[105].depth, 3);
	sl_msg_free(m);
}

static void test_mime_ancestor(void **state)
{
	struct sl_msg *m = new_msg();
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	int text = sl_msg_add_part(m, top, "1", SL_ORIGIN_MIME);
	int uu = sl_msg_add_part(m, text, "1/1", SL_ORIGIN_UUENCODE);
	int zip = sl_msg_add_part(m, top, "2", SL_ORIGIN_MIME);
	int mem = sl_msg_add_part(m, zip, "2/1", SL_ORIGIN_ARCHIVE);
	int memmem_ = sl_msg_add_part(m, mem, "2/1/1", SL_ORIGIN_ARCHIVE);
	int tnef = sl_msg_add_part(m, top, "3", SL_ORIGIN_MIME);
	int att = sl_msg_add_part(m, tnef, "3/1", SL_ORIGIN_TNEF);

	assert_int_equal(sl_msg_mime_ancestor(m, text), text);
	assert_int_equal(sl_msg_mime_ancestor(m, top), top);
	assert_int_equal(sl_msg_mime_ancestor(m, uu), text);
	assert_int_equal(sl_msg_mime_ancestor(m, mem), zip);
	assert_int_equal(sl_msg_mime_ancestor(m, memmem_), zip);
	assert_int_equal(sl_msg_mime_ancestor(m, att), tnef);
	assert_int_equal(sl_msg_mime_ancestor(m, -1), -1);
	sl_msg_free(m);
}

/* Other names a reader could show: kept once, never the filename again, capped. */
static void test_part_names(void **state)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", (const unsigned char *)"x", 1);
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME), i;
	char n[16];
	m->parts[p].filename = sl_xstrdup("a.txt");
	sl_msg_part_add_name(m, p, "a.txt");
	sl_msg_part_add_name(m, p, "");
	sl_msg_part_add_name(m, p, NULL);
	sl_msg_part_add_name(m, p, "a.js");
	sl_msg_part_add_name(m, p, "a.js");
	assert_int_equal(m->parts[p].nnames, 1);
	assert_string_equal(m->parts[p].names[0], "a.js");
	for (i = 0; i < 40; i++) {
		snprintf(n, sizeof(n), "n%d", i);
		sl_msg_part_add_name(m, p, n);
	}
	assert_int_equal(m->parts[p].nnames, SL_PART_MAX_NAMES);
	sl_msg_free(m);
}

static void test_take_data_sha256(void **state)
{
	struct sl_msg *m = new_msg();
	int i = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	unsigned char *d = (unsigned char *)sl_xstrdup("abc");

	sl_msg_part_take_data(m, i, d, 3);
	assert_ptr_equal(m->parts[i].data, d);
	assert_int_equal(m->parts[i].data_len, 3);
	assert_int_equal(m->parts[i].size, 3);
	assert_string_equal(sl_msg_part_sha256(m, i),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	/* Replacing data frees the old bytes and recomputes the hash. */
	sl_msg_part_take_data(m, i, (unsigned char *)sl_xstrdup(""), 0);
	assert_int_equal(m->parts[i].size, 0);
	assert_string_equal(sl_msg_part_sha256(m, i),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* NULL data: the hash of nothing. */
	sl_msg_part_take_data(m, i, NULL, 0);
	assert_null(m->parts[i].data);
	assert_string_equal(sl_msg_part_sha256(m, i),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* Bytes with NULs are hashed whole, not as a string. */
	{
		unsigned char *z = sl_xmalloc(2);
		z[0] = 0;
		z[1] = 'a';
		sl_msg_part_take_data(m, i, z, 2);
		assert_string_not_equal(sl_msg_part_sha256(m, i),
					"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		assert_int_equal(strlen(sl_msg_part_sha256(m, i)), 64);
	}
	sl_msg_free(m);
}

static void test_urls(void **state)
{
	struct sl_msg *m = new_msg();
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	char url[64] = "http://example.com/";
	int u0 = sl_msg_add_url(m, p, url, 5, 19, SL_URLCTX_TEXT, NULL);
	int u1 = sl_msg_add_url(m, p, "https://x.test/", 40, 22, SL_URLCTX_HREF, "click here");
	int i;

	url[0] = 'X'; /* copied */
	assert_int_equal(u0, 0);
	assert_int_equal(u1, 1);
	assert_int_equal(m->nurls, 2);
	assert_string_equal(m->urls[0].url, "http://example.com/");
	assert_int_equal(m->urls[0].part, p);
	assert_int_equal(m->urls[0].offset, 5);
	assert_int_equal(m->urls[0].length, 19);
	assert_int_equal(m->urls[0].context, SL_URLCTX_TEXT);
	assert_null(m->urls[0].shown_as);
	assert_null(m->urls[0].normalized);
	assert_int_equal(m->urls[0].reputation, SL_REP_UNKNOWN);
	assert_string_equal(m->urls[1].shown_as, "click here");
	assert_int_equal(m->urls[1].context, SL_URLCTX_HREF);
	for (i = 0; i < 40; i++)
		assert_int_equal(sl_msg_add_url(m, p, "http://a/", 0, 9, SL_URLCTX_TEXT, "a"), 2 + i);
	assert_string_equal(m->urls[1].url, "https://x.test/");

	assert_string_equal(sl_url_rep_name(SL_REP_UNKNOWN), "unknown");
	assert_string_equal(sl_url_rep_name(SL_REP_CLEAN), "clean");
	assert_string_equal(sl_url_rep_name(SL_REP_SUSPICIOUS), "suspicious");
	assert_string_equal(sl_url_rep_name(SL_REP_MALICIOUS), "malicious");
	sl_msg_free(m);
}

static void test_findings(void **state)
{
	struct sl_msg *m = new_msg();
	int p1 = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	int p2 = sl_msg_add_part(m, -1, "2", SL_ORIGIN_MIME);
	int i;

	assert_false(sl_msg_has_finding(m, SL_FIND_VIRUS, NULL, -2));
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", p2, "'%s' is %s (%d)", "a.exe", "a program", 7);
	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "two Content-Type headers");
	assert_int_equal(m->nfindings, 2);
	assert_int_equal(m->findings[0].kind, SL_FIND_FILETYPE);
	assert_string_equal(m->findings[0].rule, "executable");
	assert_int_equal(m->findings[0].part, p2);
	assert_string_equal(m->findings[0].detail, "'a.exe' is a program (7)");
	assert_int_equal(m->findings[0].action, SL_ACT_NONE);
	assert_int_equal(m->findings[1].part, -1);

	/* Exact part. */
	assert_true(sl_msg_has_finding(m, SL_FIND_FILETYPE, "executable", p2));
	assert_false(sl_msg_has_finding(m, SL_FIND_FILETYPE, "executable", p1));
	assert_false(sl_msg_has_finding(m, SL_FIND_FILETYPE, "executable", -1));
	/* Rule NULL: any rule of that kind. */
	assert_true(sl_msg_has_finding(m, SL_FIND_FILETYPE, NULL, p2));
	assert_false(sl_msg_has_finding(m, SL_FIND_FILETYPE, "script", p2));
	/* Kind must match. */
	assert_false(sl_msg_has_finding(m, SL_FIND_VIRUS, "executable", p2));
	/* -1 is the whole message, not a wildcard. */
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", -1));
	assert_false(sl_msg_has_finding(m, SL_FIND_STRUCTURE, "structure", p1));
	/* -2 (anything below -1): any part, whole message included. */
	assert_true(sl_msg_has_finding(m, SL_FIND_FILETYPE, "executable", -2));
	assert_true(sl_msg_has_finding(m, SL_FIND_STRUCTURE, NULL, -2));
	assert_false(sl_msg_has_finding(m, SL_FIND_LIMIT, NULL, -2));

	for (i = 0; i < 50; i++)
		sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", p1, "u%d", i);
	assert_int_equal(m->nfindings, 52);
	assert_string_equal(m->findings[51].detail, "u49");
	assert_string_equal(m->findings[0].detail, "'a.exe' is a program (7)");
	sl_msg_free(m);
}

static void test_names(void **state)
{
	assert_string_equal(sl_verdict_name(SL_VERDICT_CLEAN), "clean");
	assert_string_equal(sl_verdict_name(SL_VERDICT_REWRITE), "rewrite");
	assert_string_equal(sl_verdict_name(SL_VERDICT_QUARANTINE), "quarantine");
	assert_string_equal(sl_verdict_name(SL_VERDICT_REJECT), "reject");

	assert_string_equal(sl_finding_kind_name(SL_FIND_VIRUS), "virus");
	assert_string_equal(sl_finding_kind_name(SL_FIND_FILETYPE), "filetype");
	assert_string_equal(sl_finding_kind_name(SL_FIND_FILENAME), "filename");
	assert_string_equal(sl_finding_kind_name(SL_FIND_URL), "url");
	assert_string_equal(sl_finding_kind_name(SL_FIND_STRUCTURE), "structure");
	assert_string_equal(sl_finding_kind_name(SL_FIND_LIMIT), "limit");
	assert_string_equal(sl_finding_kind_name(SL_FIND_PAN), "pan");

	assert_string_equal(sl_action_name(SL_ACT_NONE), "none");
	assert_string_equal(sl_action_name(SL_ACT_REMOVE), "remove");
	assert_string_equal(sl_action_name(SL_ACT_DEFANG), "defang");
	assert_string_equal(sl_action_name(SL_ACT_WRAP), "wrap");
	assert_string_equal(sl_action_name(SL_ACT_QUARANTINE), "quarantine");
	assert_string_equal(sl_action_name(SL_ACT_REJECT), "reject");
}

static void test_action_parse(void **state)
{
	static const struct {
		const char *s;
		enum sl_action a;
	} ok[] = {
		{ "none", SL_ACT_NONE },       { "remove", SL_ACT_REMOVE },
		{ "defang", SL_ACT_DEFANG },   { "wrap", SL_ACT_WRAP },
		{ "quarantine", SL_ACT_QUARANTINE }, { "reject", SL_ACT_REJECT },
	};
	static const char *const bad[] = { "", "delete", "removed", "remov", " remove", "reject ", NULL };
	enum sl_action a;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		a = (enum sl_action)99;
		assert_int_equal(sl_action_parse(ok[i].s, &a), SL_OK);
		assert_int_equal(a, ok[i].a);
		/* Round trip with the names. */
		assert_string_equal(sl_action_name(a), ok[i].s);
	}
	for (i = 0; bad[i] != NULL; i++) {
		a = SL_ACT_REJECT;
		assert_int_equal(sl_action_parse(bad[i], &a), SL_EINVAL);
		assert_int_equal(a, SL_ACT_REJECT); /* untouched on error */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_free),
		cmocka_unit_test(test_new_take_owns_raw),
		cmocka_unit_test(test_parts_ids_parents_depth),
		cmocka_unit_test(test_mime_ancestor),
		cmocka_unit_test(test_part_names),
		cmocka_unit_test(test_take_data_sha256),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_action_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
