/*
 * test_flowed - format=flowed unfolding (RFC 3676) with delsp=yes and no,
 * quote depths, space-stuffing and the signature line; the map must send
 * every output byte back to the same byte of the input. And the reading of
 * format/delsp from a part's own Content-Type field in the raw message.
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
#include "flowed.h"
#include "mime.h"
#include "msg.h"
#include "util.h"

/* Unfolds s and checks the map: each output byte is the input byte it names. */
static char *unfold(const char *s, int delsp)
{
	struct sl_buf out;
	size_t *map = NULL, i, n = strlen(s);
	char *r;

	sl_flowed_unfold(s, n, delsp, &out, &map);
	assert_true(out.len <= n);
	for (i = 0; i < out.len; i++) {
		assert_true(map[i] < n);
		assert_int_equal(out.data[i], s[map[i]]);
		assert_true(i == 0 || map[i] > map[i - 1]);
	}
	assert_int_equal(map[out.len], n);
	r = g_strndup(out.data != NULL ? out.data : "", out.len);
	sl_buf_free(&out);
	free(map);
	return r;
}

static void expect(const char *in, int delsp, const char *want)
{
	char *got = unfold(in, delsp);
	assert_string_equal(got, want);
	g_free(got);
}

static void test_delsp(void **state)
{
	/* the reproducer's shape: a link wrapped inside its host name */
	expect("Log in at https://phishing.te \r\nst/login today.\r\n", 1,
	       "Log in at https://phishing.test/login today.\r\n");
	/* delsp=no: the blank stays, the link ends where a reader ends it */
	expect("Log in at https://phishing.te \r\nst/login today.\r\n", 0,
	       "Log in at https://phishing.te st/login today.\r\n");
	/* LF line ends, several soft breaks in a row, a hard one after */
	expect("a \nb \nc\nd\n", 1, "abc\nd\n");
	expect("a \nb \nc\nd\n", 0, "a b c\nd\n");
}

static void test_quotes_and_stuffing(void **state)
{
	/* same depth joins (the next line's quote marks and stuffing go) */
	expect("> see https://q.te \r\n> st/x\r\n", 1, "> see https://q.test/x\r\n");
	/* a different depth does not join: the soft break is a hard one */
	expect("> a \r\n>> b\r\nc\r\n", 1, "> a \r\n>> b\r\nc\r\n");
	/* space-stuffing: a joined line loses one leading blank, a second stays;
	 * a paragraph's first line is kept as written */
	expect(" From here\r\n  two\r\n", 1, " From here\r\n  two\r\n");
	expect("x \r\n  y\r\n", 1, "x y\r\n");
	expect("x \r\n y\r\n", 0, "x y\r\n");
	/* the signature separator is never flowed */
	expect("-- \r\nsig\r\n", 1, "-- \r\nsig\r\n");
	expect("> -- \r\n> sig\r\n", 1, "> -- \r\n> sig\r\n");
	/* a flowed last line has nothing to join */
	expect("end \r\n", 1, "end \r\n");
	expect("end ", 1, "end ");
	expect("", 1, "");
}

static void test_long(void **state)
{
	/* 1 MiB of soft breaks and quote marks: linear */
	GString *s = g_string_new("");
	char *r;
	while (s->len < (1 << 20))
		g_string_append(s, ">>> x \r\n");
	r = unfold(s->str, 1);
	assert_true(strlen(r) < s->len);
	g_free(r);
	g_string_free(s, TRUE);
}

/* ---- format and delsp from the raw message ---- */

static struct sl_msg *parse(const char *raw)
{
	struct sl_config *cfg = NULL;
	struct sl_mime *mi;
	char *why = NULL;
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", (const unsigned char *)raw, strlen(raw));

	assert_int_equal(sl_config_load(NULL, NULL, 0, &cfg, &why), SL_OK);
	mi = sl_mime_new(cfg, &why);
	assert_int_equal(sl_mime_run(mi, m), SL_OK);
	sl_mime_free(mi);
	sl_config_unref(cfg);
	return m;
}

static void test_params(void **state)
{
	struct sl_msg *m;
	int delsp = -1, i;

	m = parse("From: a@b.test\r\nContent-Type: text/plain; charset=utf-8;\r\n"
		  " format=Flowed; DelSp=\"yes\"\r\n\r\nbody \r\ntext\r\n");
	i = sl_msg_find_part(m, "1");
	assert_true(sl_flowed_params(m, &m->parts[i], &delsp));
	assert_int_equal(delsp, 1);
	sl_msg_free(m);

	m = parse("From: a@b.test\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
		  "--b\nContent-Type: text/plain; format=flowed\n\nx \ny\n"
		  "--b\nContent-Type: text/plain; format=fixed; delsp=yes\n\nz\n"
		  "--b\nContent-Type: text/html; format=flowed\n\n<p>h</p>\n--b--\n");
	assert_true(sl_flowed_params(m, &m->parts[sl_msg_find_part(m, "1")], &delsp));
	assert_int_equal(delsp, 0);
	assert_false(sl_flowed_params(m, &m->parts[sl_msg_find_part(m, "2")], &delsp));
	assert_int_equal(delsp, 0);
	assert_false(sl_flowed_params(m, &m->parts[sl_msg_find_part(m, "3")], &delsp));
	/* the multipart's own header block says nothing of format */
	assert_false(sl_flowed_params(m, &m->parts[sl_msg_find_part(m, "0")], &delsp));
	sl_msg_free(m);

	/* no header block of its own (a WhatsApp text) */
	m = sl_msg_new(SL_CHANNEL_WHATSAPP, "t", NULL, 0);
	i = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	m->parts[i].declared_type = sl_xstrdup("text/plain");
	assert_false(sl_flowed_params(m, &m->parts[i], &delsp));
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delsp),
		cmocka_unit_test(test_quotes_and_stuffing),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_params),
	};
	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
