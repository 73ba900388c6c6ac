/*
 * test_hdrlinks - which header texts a reader sees (Subject, display names,
 * RFC 2047 decoded; not List-Unsubscribe, not addresses), and the rewrite of
 * a field that holds a bad link: defanged, re-encoded, folded with the
 * message's line ends, no header injection, the same whether the header
 * block is copied whole or a line at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "config.h"
#include "hdrlinks.h"
#include "msg.h"
#include "util.h"

struct seen {
	GPtrArray *texts;  /* decoded texts */
	GPtrArray *fields; /* raw field of each */
	const struct sl_msg *m;
};

static int on_text(void *ctx, const char *text, size_t len, size_t begin, size_t end)
{
	struct seen *s = ctx;
	assert_true(begin < end && end <= s->m->raw_len);
	assert_int_equal(strlen(text), len);
	assert_true(g_utf8_validate(text, (gssize)len, NULL));
	g_ptr_array_add(s->texts, g_strstrip(g_strndup(text, len)));
	g_ptr_array_add(s->fields, g_strndup((const char *)s->m->raw + begin, end - begin));
	return 0;
}

static struct seen *find(const struct sl_msg *m)
{
	struct seen *s = g_new0(struct seen, 1);
	s->texts = g_ptr_array_new_with_free_func(g_free);
	s->fields = g_ptr_array_new_with_free_func(g_free);
	s->m = m;
	sl_hdrlinks_find(m, on_text, s);
	return s;
}

static void seen_free(struct seen *s)
{
	g_ptr_array_free(s->texts, TRUE);
	g_ptr_array_free(s->fields, TRUE);
	g_free(s);
}

static struct sl_msg *msg(const char *raw)
{
	return sl_msg_new(SL_CHANNEL_EMAIL, "t", (const unsigned char *)raw, strlen(raw));
}

static void test_find(void **state)
{
	struct sl_msg *m = msg("Received: from x by y; https://recv.test/\r\n"
			       "From: =?utf-8?q?Support_https=3A=2F=2Fevil=2Etest=2Fhelp?= <s@ok.test>\r\n"
			       "To: \"Ann https://to.test/\" <a@ok.test>, Bob <b@ok.test>,\r\n"
			       "  Team: c@ok.test, \"d https://member.test/\" <d@ok.test>;\r\n"
			       "Subject: =?iso-8859-1?q?Caf=E9?= see\r\n https://subj.test/x\r\n"
			       "List-Unsubscribe: <https://unsub.test/>\r\n"
			       "Reply-To: https://reply.test/login\r\n"
			       "Cc: plain@ok.test\r\n"
			       "\r\n"
			       "Subject: https://body.test/\r\n");
	struct seen *s = find(m);

	assert_int_equal(s->texts->len, 5);
	assert_string_equal(g_ptr_array_index(s->texts, 0), "Support https://evil.test/help <s@ok.test>");
	assert_true(g_str_has_prefix(g_ptr_array_index(s->fields, 0), "From: =?utf-8?q?Support"));
	assert_true(g_str_has_suffix(g_ptr_array_index(s->fields, 0), "<s@ok.test>"));
	/* the To field is one range, its folded line included */
	assert_non_null(strstr(g_ptr_array_index(s->texts, 1), "\"Ann https://to.test/\" <a@ok.test>"));
	assert_non_null(strstr(g_ptr_array_index(s->texts, 1), "\"d https://member.test/\" <d@ok.test>;"));
	assert_true(g_str_has_suffix(g_ptr_array_index(s->fields, 1), "<d@ok.test>;"));
	assert_string_equal(g_ptr_array_index(s->texts, 2), "Caf\xC3\xA9 see https://subj.test/x");
	assert_string_equal(g_ptr_array_index(s->fields, 2),
			    "Subject: =?iso-8859-1?q?Caf=E9?= see\r\n https://subj.test/x");
	/* GMime reads it as a group named "https"; a reader sees the link */
	assert_string_equal(g_ptr_array_index(s->texts, 3), "https://reply.test/login");
	assert_string_equal(g_ptr_array_index(s->texts, 4), "plain@ok.test");
	seen_free(s);
	sl_msg_free(m);

	/* WhatsApp messages and messages without raw bytes have no headers */
	m = sl_msg_new(SL_CHANNEL_WHATSAPP, "t", (const unsigned char *)"Subject: https://x.test/\n\n", 26);
	s = find(m);
	assert_int_equal(s->texts->len, 0);
	seen_free(s);
	sl_msg_free(m);
}

/* A message with one HEADER link per (field start, url), flagged malicious,
 * and its url_malicious finding with action act. */
static void flag(struct sl_msg *m, const char *field, const char *url, enum sl_action act)
{
	const char *p = strstr((const char *)m->raw, field);
	const char *e = p;
	int u;

	assert_non_null(p);
	/* the field's end: the end of its last line */
	for (;;) {
		e = strchr(e, '\n');
		if (e == NULL || (e[1] != ' ' && e[1] != '\t'))
			break;
		e++;
	}
	if (e == NULL)
		e = p + strlen(p);
	if (e > p && e[-1] == '\r')
		e--;
	if (m->nparts == 0)
		sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	u = sl_msg_add_url(m, 0, url, (size_t)(p - (const char *)m->raw), (size_t)(e - p),
			   SL_URLCTX_HEADER, NULL);
	m->urls[u].reputation = SL_REP_MALICIOUS;
	if (!sl_msg_has_finding(m, SL_FIND_URL, "url_malicious", 0)) {
		sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", 0, "bad");
		m->findings[m->nfindings - 1].action = act;
	}
}

static char *copy_whole(const struct sl_msg *m)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	sl_hdrlinks_copy(m, 0, m->raw_len, &b);
	return sl_buf_take(&b);
}

/* The same, a line at a time, as a line-based header copy calls it. */
static char *copy_lines(const struct sl_msg *m)
{
	struct sl_buf b;
	size_t i = 0;
	sl_buf_init(&b, 0);
	while (i < m->raw_len) {
		const char *eol = memchr(m->raw + i, '\n', m->raw_len - i);
		size_t next = eol != NULL ? (size_t)(eol - (const char *)m->raw) + 1 : m->raw_len;
		sl_hdrlinks_copy(m, i, next, &b);
		i = next;
	}
	return sl_buf_take(&b);
}

/* Every line end of s is the message's and a header never starts mid-field. */
static void check_lines(const char *s, int crlf)
{
	const char *p;
	for (p = s; *p; p++) {
		if (*p == '\n')
			assert_true(crlf ? p > s && p[-1] == '\r' : p == s || p[-1] != '\r');
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
}

static void test_rewrite_subject(void **state)
{
	const char *raw = "From: a@ok.test\r\nSubject: =?utf-8?q?Konto_gesperrt_=E2=9C=93_https=3A=2F=2Fevil=2Etest=2Flogin?=\r\n"
			  "\tnow\r\nTo: b@ok.test\r\n\r\nbody https://evil.test/login\r\n";
	struct sl_msg *m = msg(raw);
	char *whole, *lines, *dec;
	const char *subj;

	m->crlf = 1;
	flag(m, "Subject:", "https://evil.test/login", SL_ACT_DEFANG);
	assert_true(sl_hdrlinks_rewrites(m, (size_t)(strstr(raw, "Subject:") - raw)));
	assert_false(sl_hdrlinks_rewrites(m, 0));
	whole = copy_whole(m);
	lines = copy_lines(m);
	assert_string_equal(whole, lines);
	check_lines(whole, 1);
	/* the other fields and the body are untouched */
	assert_true(g_str_has_prefix(whole, "From: a@ok.test\r\nSubject: "));
	assert_non_null(strstr(whole, "\r\nTo: b@ok.test\r\n\r\nbody https://evil.test/login\r\n"));
	subj = strstr(whole, "Subject: ");
	{
		char *end = strstr(subj, "\r\nTo:"), *v = g_strndup(subj + 9, (gsize)(end - subj - 9));
		char *unf = g_mime_utils_header_unfold(v);
		dec = g_mime_utils_header_decode_text(NULL, unf);
		g_free(unf);
		g_free(v);
	}
	assert_string_equal(dec, "Konto gesperrt \xE2\x9C\x93 hxxps[:]//evil[.]test/login now");
	g_free(dec);
	free(whole);
	free(lines);
	sl_msg_free(m);
}

static void test_rewrite_display_name(void **state)
{
	const char *raw = "From: \"PayPal https://evil.test/x\" <svc@ok.test>\nTo: \"x\" <x@ok.test>\n"
			  "Subject: search-ms:query=a&crumb=location:\\\\evil.test\\s\n\nb\n";
	struct sl_msg *m = msg(raw);
	char *out;

	flag(m, "From:", "https://evil.test/x", SL_ACT_WRAP);
	flag(m, "Subject:", "search-ms:query=a&crumb=location:\\\\evil.test\\s", SL_ACT_WRAP);
	out = copy_whole(m);
	check_lines(out, 0);
	assert_non_null(strstr(out, "From: \"PayPal hxxps[:]//evil[.]test/x\" <svc@ok.test>\n"));
	/* another scheme's colon is bracketed too */
	assert_non_null(strstr(out, "Subject: search-ms[:]query=a&crumb=location"));
	assert_non_null(strstr(out, "evil[.]test\\s\n"));
	assert_null(strstr(out, "\\\\evil")); /* no live UNC path either */
	assert_null(strstr(out, "evil.test"));
	assert_non_null(strstr(out, "\nTo: \"x\" <x@ok.test>\n"));
	free(out);
	sl_msg_free(m);
}

static void test_rewrite_not_an_address(void **state)
{
	/* no address a parser can keep: the field becomes its defanged text */
	const char *raw = "Reply-To: https://evil.test/login\n\nb\n";
	struct sl_msg *m = msg(raw);
	char *out;

	flag(m, "Reply-To:", "https://evil.test/login", SL_ACT_DEFANG);
	out = copy_whole(m);
	assert_string_equal(out, "Reply-To: hxxps[:]//evil[.]test/login\n\nb\n");
	free(out);
	sl_msg_free(m);
}

static void test_no_injection(void **state)
{
	/* an encoded CR LF must not become a header of its own */
	const char *raw = "Subject: =?utf-8?q?https=3A=2F=2Fevil=2Etest=2F_=0D=0AX-Injected=3A_1?=\r\n\r\nb\r\n";
	struct sl_msg *m = msg(raw);
	char *out;

	m->crlf = 1;
	flag(m, "Subject:", "https://evil.test/", SL_ACT_DEFANG);
	out = copy_whole(m);
	check_lines(out, 1);
	assert_null(strstr(out, "\nX-Injected"));
	assert_null(strstr(out, "evil.test"));
	free(out);
	sl_msg_free(m);
}

static void test_policy_none_and_clean(void **state)
{
	const char *raw = "Subject: https://evil.test/\n\nb\n";
	struct sl_msg *m = msg(raw);
	char *out;

	/* the policy said none: copied as is */
	flag(m, "Subject:", "https://evil.test/", SL_ACT_NONE);
	out = copy_whole(m);
	assert_string_equal(out, raw);
	free(out);
	/* quarantine: the placeholder shows the field disarmed */
	m->findings[0].action = SL_ACT_QUARANTINE;
	out = copy_whole(m);
	assert_null(strstr(out, "https://evil.test/"));
	free(out);
	/* a clean link: copied as is */
	m->findings[0].action = SL_ACT_DEFANG;
	m->urls[0].reputation = SL_REP_UNKNOWN;
	out = copy_whole(m);
	assert_string_equal(out, raw);
	free(out);
	/* a part of the range only */
	m->urls[0].reputation = SL_REP_MALICIOUS;
	{
		struct sl_buf b;
		sl_buf_init(&b, 0);
		sl_hdrlinks_copy(m, 3, 8, &b); /* inside the field: nothing of it */
		assert_int_equal(b.len, 0);
		sl_hdrlinks_copy(m, 20, m->raw_len, &b); /* after it: the rest as is */
		assert_string_equal(b.data, raw + 27);
		sl_buf_free(&b);
	}
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_rewrite_subject),
		cmocka_unit_test(test_rewrite_display_name),
		cmocka_unit_test(test_rewrite_not_an_address),
		cmocka_unit_test(test_no_injection),
		cmocka_unit_test(test_policy_none_and_clean),
	};
	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
