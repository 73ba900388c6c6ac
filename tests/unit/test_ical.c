/*
 * test_ical - the iCalendar reader: which properties and parameters are
 * given, how, unfolded and unescaped, and that the map sends every value
 * byte back to where it was written (folds and escapes included).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "ical.h"
#include "util.h"

struct item {
	enum sl_ical_kind kind;
	char *prop, *value, *written; /* written: the input at [map[0], map[len]) */
};

struct found {
	GArray *items;
	const char *src;
	size_t n;
	int stop_after;
};

static int on_value(void *ctx, enum sl_ical_kind kind, const char *prop, const char *v, size_t len,
		    const size_t *map)
{
	struct found *f = ctx;
	struct item it = { kind, g_strdup(prop), g_strndup(v, len), NULL };
	size_t i;

	assert_true(map[len] <= f->n);
	for (i = 0; i < len; i++) {
		assert_true(map[i] < f->n);
		assert_true(i == 0 || map[i] > map[i - 1]); /* written in order */
	}
	it.written = g_strndup(f->src + map[0], map[len] - map[0]);
	g_array_append_val(f->items, it);
	return f->stop_after > 0 && (int)f->items->len >= f->stop_after;
}

static struct found *scan(const char *s)
{
	struct found *f = g_new0(struct found, 1);
	f->items = g_array_new(FALSE, TRUE, sizeof(struct item));
	f->src = s;
	f->n = strlen(s);
	sl_ical_scan(s, f->n, on_value, f);
	return f;
}

static void found_free(struct found *f)
{
	guint i;
	for (i = 0; i < f->items->len; i++) {
		struct item *it = &g_array_index(f->items, struct item, i);
		g_free(it->prop);
		g_free(it->value);
		g_free(it->written);
	}
	g_array_free(f->items, TRUE);
	g_free(f);
}

static void check(const struct found *f, guint i, enum sl_ical_kind kind, const char *prop,
		  const char *value, const char *written)
{
	const struct item *it;
	if (i >= f->items->len)
		fail_msg("value %u missing (%u found), want %s", i, f->items->len, value);
	it = &g_array_index(f->items, struct item, i);
	assert_int_equal(it->kind, kind);
	assert_string_equal(it->prop, prop);
	assert_string_equal(it->value, value);
	assert_string_equal(it->written, written);
}

static void test_properties(void **state)
{
	struct found *f = scan("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\n"
			       "UID:1@x.test\r\nSUMMARY:Review https://s.test/\r\n"
			       "DESCRIPTION:Line one\\nJoin: https://d.test/a\\, then\\; go\\\\\r\n"
			       "location:Room 4\r\nURL;VALUE=URI:https://u.test/event\r\n"
			       "ATTACH;FMTTYPE=application/pdf:https://a.test/agenda.pdf\r\n"
			       "ATTACH;ENCODING=BASE64;VALUE=BINARY:aGVsbG8=\r\n"
			       "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://c.test/join\r\n"
			       "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.test/l/1\r\n"
			       "ORGANIZER;CN=Boss:mailto:boss@x.test\r\n"
			       "END:VEVENT\r\nEND:VCALENDAR\r\n");
	assert_int_equal(f->items->len, 7);
	check(f, 0, SL_ICAL_TEXT, "SUMMARY", "Review https://s.test/", "Review https://s.test/");
	check(f, 1, SL_ICAL_TEXT, "DESCRIPTION", "Line one\nJoin: https://d.test/a, then; go\\",
	      "Line one\\nJoin: https://d.test/a\\, then\\; go\\\\");
	check(f, 2, SL_ICAL_TEXT, "location", "Room 4", "Room 4");
	check(f, 3, SL_ICAL_URI, "URL", "https://u.test/event", "https://u.test/event");
	check(f, 4, SL_ICAL_URI, "ATTACH", "https://a.test/agenda.pdf", "https://a.test/agenda.pdf");
	check(f, 5, SL_ICAL_URI, "CONFERENCE", "https://c.test/join", "https://c.test/join");
	check(f, 6, SL_ICAL_URI, "X-MICROSOFT-SKYPETEAMSMEETINGURL", "https://teams.test/l/1",
	      "https://teams.test/l/1");
	found_free(f);
}

static void test_folding(void **state)
{
	/* folds with a blank or a tab, CRLF or bare LF; the map spans the fold */
	struct found *f = scan("BEGIN:VEVENT\nDESCRIPTION:see https://fold.te\r\n st/path?a=1\r\n\tand more\n"
			       "UR\r\n L:https://u.\n test/x\r\nEND:VEVENT");
	assert_int_equal(f->items->len, 2);
	check(f, 0, SL_ICAL_TEXT, "DESCRIPTION", "see https://fold.test/path?a=1and more",
	      "see https://fold.te\r\n st/path?a=1\r\n\tand more");
	check(f, 1, SL_ICAL_URI, "URL", "https://u.test/x", "https://u.\n test/x");
	found_free(f);
}

static void test_html_and_altrep(void **state)
{
	struct found *f = scan("X-ALT-DESC;FMTTYPE=text/html:<a href=\"https://h.test/\">x</a>\\, y\r\n"
			       "X-ALT-DESC;FMTTYPE=text/plain:plain https://p.test/\r\n"
			       "LOCATION;ALTREP=\"https://alt.test/room\";LANGUAGE=en:Room\r\n"
			       "DESCRIPTION;ALTREP=\"cid:part1\",\"https://alt2.test/\":x\r\n");
	assert_int_equal(f->items->len, 7);
	check(f, 0, SL_ICAL_HTML, "X-ALT-DESC", "<a href=\"https://h.test/\">x</a>, y",
	      "<a href=\"https://h.test/\">x</a>\\, y");
	check(f, 1, SL_ICAL_TEXT, "X-ALT-DESC", "plain https://p.test/", "plain https://p.test/");
	check(f, 2, SL_ICAL_URI, "LOCATION", "https://alt.test/room", "https://alt.test/room");
	check(f, 3, SL_ICAL_TEXT, "LOCATION", "Room", "Room");
	check(f, 4, SL_ICAL_URI, "DESCRIPTION", "cid:part1", "cid:part1");
	check(f, 5, SL_ICAL_URI, "DESCRIPTION", "https://alt2.test/", "https://alt2.test/");
	check(f, 6, SL_ICAL_TEXT, "DESCRIPTION", "x", "x");
	found_free(f);
}

static void test_malformed(void **state)
{
	/* no colon, empty names, quotes left open, a lone fold, NULs: nothing crashes */
	static const char *const inputs[] = {
		"DESCRIPTION",
		":value",
		"DESCRIPTION;ALTREP=\"https://open.test/:x",
		" \r\n \r\n",
		"URL:",
		"DESCRIPTION:\\",
		"X-:https://x.test/",
		"URL;VALUE=BINARY:https://bin.test/",
	};
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(inputs); k++) {
		struct found *f = scan(inputs[k]);
		guint i;
		for (i = 0; i < f->items->len; i++)
			assert_string_not_equal(g_array_index(f->items, struct item, i).value,
						"https://bin.test/");
		found_free(f);
	}
	{
		const char s[] = "URL:https://n.test/\0x\r\nSUMMARY:a\0b";
		struct found *f = g_new0(struct found, 1);
		f->items = g_array_new(FALSE, TRUE, sizeof(struct item));
		f->src = s;
		f->n = sizeof(s) - 1;
		sl_ical_scan(s, f->n, on_value, f);
		assert_int_equal(f->items->len, 2);
		found_free(f);
	}
}

static int is_ical(const char *s)
{
	return sl_ical_is(s, strlen(s));
}

static void test_stop_and_detect(void **state)
{
	struct found *f = g_new0(struct found, 1);
	const char *s = "URL:a\r\nURL:b\r\nURL:c\r\n";

	f->items = g_array_new(FALSE, TRUE, sizeof(struct item));
	f->src = s;
	f->n = strlen(s);
	f->stop_after = 2;
	sl_ical_scan(s, f->n, on_value, f);
	assert_int_equal(f->items->len, 2);
	found_free(f);
	assert_true(is_ical("BEGIN:VCALENDAR\r\n"));
	assert_true(is_ical("\xEF\xBB\xBF\r\n begin:vcalendar"));
	assert_false(is_ical("BEGIN:VCARD\r\n"));
	assert_false(is_ical("BEGIN:VCAL"));
}

static void test_long_lines(void **state)
{
	/* one 1 MiB logical line of folds, one of escapes: linear, mapped */
	size_t n = 1 << 20, i;
	GString *s = g_string_new("DESCRIPTION:");
	struct found *f;

	for (i = 0; s->len < n; i++)
		g_string_append(s, i % 2 ? "\r\n x" : "\\n\\,");
	f = scan(s->str);
	assert_int_equal(f->items->len, 1);
	found_free(f);
	g_string_free(s, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_properties),     cmocka_unit_test(test_folding),
		cmocka_unit_test(test_html_and_altrep), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_stop_and_detect), cmocka_unit_test(test_long_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
