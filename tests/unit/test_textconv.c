/*
 * test_textconv - a part's content as UTF-8 and back: the view points at the
 * bytes when they are UTF-8 already, converts otherwise (declared charset,
 * byte-order mark, <meta>, windows-1252), and sl_text_back returns bytes in
 * the part's own charset with its byte-order mark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "textconv.h"
#include "util.h"

static struct sl_msg *one_part(const char *charset, const void *bytes, size_t n)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	int i = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	unsigned char *d = sl_xmalloc(n + 1);
	memcpy(d, bytes, n);
	d[n] = 0;
	sl_msg_part_take_data(m, i, d, n);
	if (charset != NULL)
		m->parts[i].charset = sl_xstrdup(charset);
	return m;
}

static void test_utf8_is_a_view(void **state)
{
	const char *s = "Dobr\xc3\xbd den, http://x.test/";
	struct sl_msg *m = one_part("utf-8", s, strlen(s));
	struct sl_part *p = &m->parts[0];
	sl_text_view(p, 0);
	assert_ptr_equal(p->text, (const char *)p->data); /* offsets are offsets in the bytes */
	assert_null(p->text_owned);
	assert_int_equal(p->text_len, strlen(s));
	sl_msg_free(m);
}

static void test_latin2_round_trip(void **state)
{
	const char s[] = "P\xf8\xedli\xb9 \xbelu\xbbou\xe8k\xfd k\xf9\xf2 http://x.test/"; /* iso-8859-2 */
	struct sl_msg *m = one_part("iso-8859-2", s, sizeof(s) - 1);
	struct sl_part *p = &m->parts[0];
	char *back = NULL;
	size_t backlen = 0;
	sl_text_view(p, 0);
	assert_non_null(p->text_owned);
	assert_non_null(strstr(p->text, "P\xc5\x99\xc3\xadli\xc5\xa1")); /* "Příliš" in UTF-8 */
	assert_int_equal(sl_text_back(p, p->text, p->text_len, &back, &backlen), SL_OK);
	assert_int_equal(backlen, sizeof(s) - 1);
	assert_memory_equal(back, s, backlen);
	free(back);
	sl_msg_free(m);
}

static void test_utf16_bom_without_charset(void **state)
{
	/* BOM + "<a href=x>é</a>" in UTF-16LE, no charset declared. */
	const char *ascii = "<a href=x>";
	unsigned char buf[64];
	size_t n = 0, i;
	char *back = NULL;
	size_t backlen = 0;
	struct sl_msg *m;
	struct sl_part *p;

	buf[n++] = 0xff;
	buf[n++] = 0xfe;
	for (i = 0; ascii[i]; i++) {
		buf[n++] = (unsigned char)ascii[i];
		buf[n++] = 0;
	}
	buf[n++] = 0xe9;
	buf[n++] = 0;
	m = one_part(NULL, buf, n);
	p = &m->parts[0];
	sl_text_view(p, 1);
	assert_non_null(p->text_owned);
	assert_string_equal(p->text, "<a href=x>\xc3\xa9");
	assert_int_equal(p->text_bom, 2);
	/* Back: the same BOM, UTF-16LE again (not windows-1252). */
	assert_int_equal(sl_text_back(p, p->text, p->text_len, &back, &backlen), SL_OK);
	assert_int_equal(backlen, n);
	assert_memory_equal(back, buf, n);
	free(back);
	sl_msg_free(m);
}

static void test_meta_charset_and_fallback(void **state)
{
	const char html[] = "<meta charset=\"koi8-r\"><p>\xf0\xd2\xc9\xd7\xc5\xd4</p>";
	const char plain[] = "caf\xe9 http://x.test/"; /* no charset, not UTF-8 */
	struct sl_msg *m = one_part(NULL, html, sizeof(html) - 1);
	sl_text_view(&m->parts[0], 1);
	assert_non_null(strstr(m->parts[0].text, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82")); /* Привет */
	sl_msg_free(m);
	m = one_part(NULL, plain, sizeof(plain) - 1);
	sl_text_view(&m->parts[0], 0);
	assert_string_equal(m->parts[0].text, "caf\xc3\xa9 http://x.test/"); /* windows-1252 */
	sl_msg_free(m);
}

static void test_invalid_bytes_never_fail(void **state)
{
	const char bad[] = "\xff\xfe\xfd\x80 text \x00 more";
	struct sl_msg *m = one_part("utf-8", bad + 3, sizeof(bad) - 4);
	sl_text_view(&m->parts[0], 0);
	assert_non_null(m->parts[0].text);
	assert_true(sl_text_valid_utf8(m->parts[0].text, m->parts[0].text_len));
	sl_msg_free(m);
	m = one_part("no-such-charset-x", "abc\xe9", 4);
	sl_text_view(&m->parts[0], 0);
	assert_string_equal(m->parts[0].text, "abc\xc3\xa9"); /* unknown name: latin1 */
	sl_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_is_a_view),
		cmocka_unit_test(test_latin2_round_trip),
		cmocka_unit_test(test_utf16_bom_without_charset),
		cmocka_unit_test(test_meta_charset_and_fallback),
		cmocka_unit_test(test_invalid_bytes_never_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
