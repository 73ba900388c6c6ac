/*
 * test_notice - what sluice writes, on messages built by hand: the removal
 * notice as a MIME entity (us-ascii 7bit or UTF-8 quoted-printable, inline,
 * X-Sluice-Removed, the message's line ends) or as a bare ASCII body; names,
 * descriptions and details escaped and defanged; reasons capped; the
 * uuencode note in ASCII; the placeholder with and without the fields a
 * message should have, its "Why:" lines capped, and Message-ID kept only when
 * it is one valid msg-id (a table of valid and invalid ones); the
 * placeholder template (notice.placeholder_template): the built-in text is
 * conf/placeholder.txt, every value put in is escaped and defanged, a
 * template with an unknown placeholder or without {reference} is refused
 * with the file and the line.
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
	printf("%s\n", s);
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

static struct sl_notice_template *template_of(const char *text, const char *contact)
{
	struct sl_notice_template *t = NULL;
	char *why = NULL;
	if (sl_notice_template_parse(text, strlen(text), "t.txt", contact, &t, &why) != SL_OK)
		fail_msg("template refused: %s", why);
	return t;
}

static char *template_error(const char *text, size_t len)
{
	struct sl_notice_template *t = NULL;
	char *why = NULL;
	assert_int_equal(sl_notice_template_parse(text, len, "t.txt", "", &t, &why), SL_ECONFIG);
	assert_null(t);
	assert_non_null(why);
	return why;
}

/* The text a template gives for m (the placeholder's body before its
 * transfer encoding). */
static char *render(const struct sl_notice_template *t, const struct sl_msg *m, const char *ref)
{
	struct sl_notice_fields f = { "Anna Nowak <anna@example.net>", "Faktura 7/2024", "Tue, 02 Jan 2024", ref };
	return sl_notice_render(t, m, &f);
}

/* The built-in template is conf/placeholder.txt, as loaded through the config. */
static void test_template_builtin_is_the_file(void **state)
{
	static const char raw[] = "From: Anna Nowak <anna@example.net>\nSubject: Faktura 7/2024\n"
				  "Date: Tue, 02 Jan 2024 10:00:00 +0100\nMessage-ID: <a@example.net>\n\nbody\n";
	struct sl_msg *m = hand(raw, 0);
	struct sl_config *cfg = NULL;
	struct sl_notice_template *t = NULL;
	char *ov = g_strdup_printf("notice.placeholder_template=%s/conf/placeholder.txt", SLUICE_SOURCE_DIR);
	const char *ovs[] = { ov, "notice.contact=" };
	char *why = NULL, *a, *b;
	size_t la, lb;
	(void)state;

	if (sl_config_load(NULL, ovs, 2, &cfg, &why) != SL_OK)
		fail_msg("%s", why);
	if (sl_notice_template_load(cfg, &t, &why) != SL_OK)
		fail_msg("%s", why);
	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "two Content-Type fields");
	m->findings[0].action = SL_ACT_QUARANTINE;
	m->verdict = SL_VERDICT_QUARANTINE;
	a = sl_notice_placeholder_with(m, t, "SL-3", &la);
	b = sl_notice_placeholder(m, "SL-3", &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	/* The original's Date, in the header and in the text. */
	assert_non_null(strstr(a, "\nDate: Tue, 02 Jan 2024 10:00:00 +0100\n\nWhy:\n- two Content-Type fields\n\n"
				  "Reference: SL-3\n"));
	free(a);
	free(b);
	a = render(t, m, "SL-3");
	assert_string_equal(a, "sluice held this message for review: it is in the quarantine, unchanged.\n"
			       "A supervisor can release it after checking it.\n\n"
			       "From: Anna Nowak \xe2\x80\xb9"
			       "anna@example[.]net\xe2\x80\xba\n"
			       "Subject: Faktura 7/2024\nDate: Tue, 02 Jan 2024\n\n"
			       "Why:\n- two Content-Type fields\n\nReference: SL-3\n\n");
	free(a);
	sl_notice_template_free(t);
	sl_config_unref(cfg);
	g_free(ov);
	sl_msg_free(m);
}

/* Every value is escaped and defanged: links, controls, markup; the contact too. */
static void test_template_values(void **state)
{
	static const char raw[] = "From: \"Support http://evil.example/login\" <x@evil.example>\n"
				  "Subject: =?utf-8?q?pay_now_at_www.evil.example=0D=0A--b=0D=0AX:_y?=\n\nbody\n";
	struct sl_msg *m = hand(raw, 1);
	struct sl_notice_template *t =
		template_of("{{literal}} {sender}|{subject}\r\n{reasons}\nRef {reference}. {contact}",
			    "call https://helpdesk.example/ticket");
	struct sl_notice_fields f = { 0 };
	char *s;
	size_t len;
	(void)state;

	sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", -1, "http://evil.example/x is on the blocklist");
	m->findings[0].action = SL_ACT_QUARANTINE;
	sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", -1, "not acted on");
	m->verdict = SL_VERDICT_QUARANTINE;
	/* The placeholder message fills the values in from the parsed header. */
	s = sl_notice_placeholder_with(m, t, "SL-9", &len);
	no_bare_lf(s);
	assert_null(strstr(s, "http://"));
	assert_null(strstr(s, "evil.example/"));
	assert_non_null(strstr(s, "\r\n\r\n{literal} Support hxxp[:]//evil[.]example/login =E2=80=B9x@evil[.]example="));
	free(s);
	/* What a door's fields become. */
	f.sender = "Support http://evil.example/login <x@evil.example>";
	f.subject = "pay now at www.evil.example\r\n--b\r\nX: y";
	f.reference = "SL-9";
	s = sl_notice_render(t, m, &f);
	assert_string_equal(s, "{literal} Support hxxp[:]//evil[.]example/login \xe2\x80\xb9x@evil[.]example\xe2\x80\xba|"
			       "pay now at www[.]evil[.]example[U+000D][U+000A]-\xe2\x80\x90" "b[U+000D][U+000A]X: y\n"
			       "- hxxp[:]//evil[.]example/x is on the blocklist\n"
			       "Ref SL-9. call hxxps[:]//helpdesk[.]example/ticket");
	free(s);
	/* What a door does not have is "(none)". */
	memset(&f, 0, sizeof(f));
	f.reference = "SL-10";
	s = sl_notice_render(t, m, &f);
	assert_non_null(strstr(s, "{literal} (none)|(none)\n- "));
	free(s);
	sl_notice_template_free(t);
	sl_msg_free(m);
}

static void test_template_errors(void **state)
{
	char *why;
	(void)state;
	why = template_error("Hello\nthere {sendr}\n{reference}", 28);
	assert_non_null(strstr(why, "t.txt:2: unknown placeholder {sendr}"));
	free(why);
	why = template_error("Why: {reasons}", 14);
	assert_non_null(strstr(why, "t.txt: the placeholder template must name {reference}"));
	free(why);
	why = template_error("{reference} {unterminated", 25);
	assert_non_null(strstr(why, "unknown placeholder {"));
	free(why);
	why = template_error("\xff{reference}", 12);
	assert_non_null(strstr(why, "not UTF-8 text"));
	free(why);
	why = template_error("{reference}\0x", 13);
	assert_non_null(strstr(why, "not UTF-8 text"));
	free(why);
	{
		struct sl_config *cfg = NULL;
		struct sl_notice_template *t = NULL;
		const char *ovs[] = { "notice.placeholder_template=/nonexistent/placeholder.txt" };
		assert_int_equal(sl_config_load(NULL, ovs, 1, &cfg, &why), SL_OK);
		assert_int_equal(sl_notice_template_load(cfg, &t, &why), SL_ECONFIG);
		assert_non_null(strstr(why, "notice.placeholder_template: "));
		assert_non_null(strstr(why, "/nonexistent/placeholder.txt"));
		free(why);
		sl_config_unref(cfg);
	}
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
		cmocka_unit_test(test_template_builtin_is_the_file),
		cmocka_unit_test(test_template_values),
		cmocka_unit_test(test_template_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
