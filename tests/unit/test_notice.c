/*
 * test_notice - what sluice writes, on messages built by hand: the removal
 * notice as a MIME entity (us-ascii 7bit or UTF-8 quoted-printable, inline,
 * X-Sluice-Removed, the message's line ends) or as a bare ASCII body; names,
 * descriptions and details escaped and defanged; reasons capped; the
 * uuencode note in ASCII; the placeholder with and without the fields a
 * message should have, its "Why:" lines capped, and Message-ID kept only when
 * it is one valid msg-id (a table of valid and invalid ones).
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

#include "hdrblock.h"
#include "msg.h"
#include "notice.h"
#include "util.h"

static struct sl_msg *hand(const char *raw, int crlf)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "hand", (const unsigned char *)raw, strlen(raw));
	m->crlf = crlf;
	m->reference = sl_xstrdup("SL-TEST"); /* the original was kept (store.h) */
	return m;
}

static int add_part(struct sl_msg *m, int parent, const char *id, const char *filename, const char *desc)
{
	int i = sl_msg_add_part(m, parent, id, parent < 0 ? SL_ORIGIN_MIME : SL_ORIGIN_ARCHIVE);
	if (filename != NULL)
		m->parts[i].filename = sl_xstrdup(filename);
	if (desc != NULL)
		m->parts[i].detected_desc = sl_xstrdup(desc);
	return i;
}

static void add_finding(struct sl_msg *m, int part, enum sl_action act, const char *detail)
{
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", part, "%s", detail);
	m->findings[m->nfindings - 1].action = act;
}

static void no_bare_lf(const char *s)
{
	const char *p;
	for (p = s; (p = strchr(p, '\n')) != NULL; p++)
		if (p == s || p[-1] != '\r')
			fail_msg("a bare LF in a CRLF notice:\n%s", s);
}

static void test_part_ascii(void **state)
{
	struct sl_msg *m = hand("", 1);
	int i = add_part(m, -1, "2", "invoice.pdf.exe", "PE32 executable (GUI) Intel 80386, for MS Windows");
	char *s;
	(void)state;

	add_finding(m, i, SL_ACT_REMOVE, "'invoice.pdf.exe' is a program");
	add_finding(m, i, SL_ACT_NONE, "not a reason: no action");
	s = sl_notice_part(m, i, "SL-0123456789abcdef", 1);
	no_bare_lf(s);
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=us-ascii\r\n"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: 7bit\r\n"));
	assert_non_null(strstr(s, "Content-Disposition: inline\r\n"));
	assert_non_null(strstr(s, "X-Sluice-Removed: SL-0123456789abcdef/2\r\n\r\n"));
	assert_non_null(strstr(s, "sluice removed the attachment \"invoice[.]pdf[.]exe\" from this message.\r\n"));
	assert_non_null(strstr(s, "What it really is: PE32 executable (GUI) Intel 80386, for MS Windows\r\n"));
	assert_non_null(strstr(s, "Why: 'invoice[.]pdf[.]exe' is a program\r\n"));
	assert_null(strstr(s, "not a reason"));
	assert_non_null(strstr(s, "Reference: SL-0123456789abcdef/2 (a supervisor"));
	free(s);
	sl_msg_free(m);
}

/* The body of a notice entity, quoted-printable decoded (a test's decoder:
 * soft breaks and =XX). */
static char *qp_body(const char *s)
{
	const char *p = strstr(s, "\n\n");
	GString *g = g_string_new(NULL);
	assert_non_null(p);
	for (p += 2; *p; p++) {
		if (p[0] == '=' && p[1] == '\n') {
			p++;
		} else if (p[0] == '=' && g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
			g_string_append_c(g, (char)(g_ascii_xdigit_value(p[1]) * 16 + g_ascii_xdigit_value(p[2])));
			p += 2;
		} else {
			g_string_append_c(g, *p);
		}
	}
	return g_string_free(g, FALSE);
}

static void test_part_utf8_and_members(void **state)
{
	struct sl_msg *m = hand("", 0);
	int i = add_part(m, -1, "2", "Gr\xc3\xb6\xc3\x9f" "e.zip", "Zip archive data");
	int k = add_part(m, i, "2/1", "run\r\nContent-Type: text/html\r\n\r\n<b>x</b>.js", NULL);
	char *s, *body;
	(void)state;

	add_finding(m, k, SL_ACT_REMOVE, "a script");
	s = sl_notice_part(m, i, "SL-1", 1);
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=utf-8\n"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: quoted-printable\n"));
	assert_null(strstr(s, "\nContent-Type: text/html"));
	body = qp_body(s);
	assert_non_null(strstr(body, "sluice removed the attachment \"Gr\xc3\xb6\xc3\x9f" "e[.]zip\""));
	/* The member's name: one line, every hidden character shown, no markup. */
	if (strstr(body, "Why: inside it, run[U+000D][U+000A]Content-Type: text/html[U+000D][U+000A][U+000D][U+000A]"
			 "\xe2\x80\xb9" "b\xe2\x80\xbax\xe2\x80\xb9/b\xe2\x80\xba.js: a script\n") == NULL)
		fail_msg("body:\n%s", body);
	g_free(body);
	free(s);
	/* Without headers: an ASCII body only. */
	s = sl_notice_part(m, i, "SL-1", 0);
	assert_true(sl_is_ascii(s, strlen(s)));
	assert_true(strncmp(s, "sluice removed the attachment \"Gr[U+00F6][U+00DF]e[.]zip\"", 57) == 0);
	assert_null(strstr(s, "Content-Type: text/plain"));
	free(s);
	sl_msg_free(m);
}

static void test_part_caps(void **state)
{
	struct sl_msg *m = hand("", 0);
	int i = add_part(m, -1, "1", NULL, NULL), k;
	char *s, *long_name = g_strnfill(5000, 'a');
	(void)state;

	for (k = 0; k < SL_NOTICE_MAX_REASONS + 7; k++)
		add_finding(m, i, SL_ACT_REMOVE, long_name);
	s = sl_notice_part(m, i, "SL-1", 1);
	assert_non_null(strstr(s, "sluice removed a part from this message."));
	assert_non_null(strstr(s, "Why: 7 more reasons (a supervisor sees them all)."));
	/* Each reason is capped: no line near RFC 5322's limit. */
	{
		const char *p = s, *e;
		for (; (e = strchr(p, '\n')) != NULL; p = e + 1)
			assert_true(e - p < 500);
	}
	free(s);
	g_free(long_name);
	sl_msg_free(m);
}

static void test_uuencode_note(void **state)
{
	struct sl_msg *m = hand("", 1);
	int t = add_part(m, -1, "1", NULL, NULL);
	int u = sl_msg_add_part(m, t, "1/1", SL_ORIGIN_UUENCODE);
	char *s;
	(void)state;

	m->parts[u].filename = sl_xstrdup("fa\xc3\xa7tura.com");
	s = sl_notice_uuencode(m, u, "'fa\xc3\xa7tura.com' is a program <MZ>", "SL-2");
	assert_string_equal(s, "[sluice removed the uuencoded file \"fa[U+00E7]tura[.]com\": 'fa[U+00E7]tura[.]com' "
			       "is a program [<]MZ[>]. Reference: SL-2/1/1]\r\n");
	free(s);
	sl_msg_free(m);
}

static char *placeholder_header(const struct sl_msg *m, const char *name)
{
	size_t len;
	char *p = sl_notice_placeholder(m, "SL-3", &len), *v;
	v = sl_hdr_value((const unsigned char *)p, len, name);
	free(p);
	return v;
}

static void test_placeholder_minimal(void **state)
{
	struct sl_msg *m = hand("no header block at all", 0);
	size_t len, k;
	char *p, *v;
	(void)state;

	for (k = 0; k < SL_NOTICE_MAX_FINDINGS + 3; k++) {
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "finding %zu at www.evil.test", k);
		m->findings[k].action = SL_ACT_QUARANTINE;
	}
	m->verdict = SL_VERDICT_QUARANTINE;
	p = sl_notice_placeholder(m, "SL-3", &len);
	assert_int_equal(strlen(p), len);
	assert_true(strncmp(p, "X-Sluice-Verdict: quarantine (SL-3)\n", 36) == 0);
	/* A Date is always there (now, when the original has none that parses). */
	v = sl_hdr_value((const unsigned char *)p, len, "Date");
	assert_non_null(v);
	free(v);
	assert_null(sl_hdr_value((const unsigned char *)p, len, "From"));
	assert_null(sl_hdr_value((const unsigned char *)p, len, "Subject"));
	assert_null(strstr(p, "no header block at all"));
	assert_non_null(strstr(p, "- finding 0 at www[.]evil[.]test\n"));
	assert_null(strstr(p, "finding 50 "));
	assert_non_null(strstr(p, "- 3 more (a supervisor sees them all)\n"));
	assert_non_null(strstr(p, "\nReference: SL-3\n"));
	free(p);
	sl_msg_free(m);
}

static void test_msg_ids(void **state)
{
	static const struct {
		const char *in;
		int kept;
	} cases[] = {
		{ "<a.b@example.com>", 1 },
		{ "  <a@example.com>  ", 1 },
		{ "<a+b/c=d?e@[192.0.2.1]>", 1 },
		{ "<a b@example.com>", 0 },
		{ "<@example.com>", 0 },
		{ "<a@>", 0 },
		{ "<a..b@example.com>", 0 },
		{ "<.a@example.com>", 0 },
		{ "a@example.com", 0 },
		{ "<a@example.com> <b@example.com>", 0 },
		{ "<a@example.com>x", 0 },
		{ "<\"a\"@example.com>", 0 },
		{ "<a@exa mple.com>", 0 },
		{ "<a@[1.2\\.3]>", 0 },
		{ "", 0 }, /* found by fuzz_mime: v[strlen(v) - 1] with an empty value */
	};
	size_t i;
	char *xs = g_strnfill(300, 'x'), *long_id = g_strdup_printf("<%s@example.com>", xs);
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *raw = g_strdup_printf("From: a@example.com\nMessage-ID: %s\n\nbody\n", cases[i].in);
		struct sl_msg *m = hand(raw, 0);
		char *v = placeholder_header(m, "Message-ID");
		if (cases[i].kept && (v == NULL || strstr(cases[i].in, v) == NULL))
			fail_msg("Message-ID %s: written as %s", cases[i].in, v ? v : "(none)");
		if (!cases[i].kept && v != NULL)
			fail_msg("Message-ID %s: kept as %s", cases[i].in, v);
		free(v);
		sl_msg_free(m);
		g_free(raw);
	}
	{
		char *raw = g_strdup_printf("Message-ID: %s\n\n", long_id);
		struct sl_msg *m = hand(raw, 0);
		assert_null(placeholder_header(m, "Message-ID"));
		sl_msg_free(m);
		g_free(raw);
	}
	g_free(long_id);
	g_free(xs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_part_ascii),
		cmocka_unit_test(test_part_utf8_and_members),
		cmocka_unit_test(test_part_caps),
		cmocka_unit_test(test_uuencode_note),
		cmocka_unit_test(test_placeholder_minimal),
		cmocka_unit_test(test_msg_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
