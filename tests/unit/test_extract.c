/*
 * test_extract - uuencode and TNEF extraction. The samples are built here by
 * small encoders (uuencode lines, TNEF attributes, MAPI property lists) so
 * that each test states exactly the bytes it feeds in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract.h"
#include "util.h"

#define BIG 100000000u

/* ---- builders ---------------------------------------------------------- */

static void put8(struct sl_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	assert_int_equal(sl_buf_add(b, &c, 1), SL_OK);
}

static void put16(struct sl_buf *b, unsigned v)
{
	put8(b, v & 0xFF);
	put8(b, v >> 8 & 0xFF);
}

static void put32(struct sl_buf *b, uint32_t v)
{
	put16(b, v & 0xFFFF);
	put16(b, v >> 16);
}

static void putn(struct sl_buf *b, const void *p, size_t n)
{
	assert_int_equal(sl_buf_add(b, p, n), SL_OK);
}

static void pad4(struct sl_buf *b, size_t n)
{
	while (n++ % 4)
		put8(b, 0);
}

/* uuencodes data as lines of up to 45 bytes, with `eol` line ends. */
static void uu_encode(struct sl_buf *b, const char *name, const void *data, size_t n,
		      const char *eol, int terminator, int end)
{
	const unsigned char *p = data;
	size_t i, k, chunk;
	unsigned char g[3];

	assert_int_equal(sl_buf_printf(b, "begin 644 %s%s", name, eol), SL_OK);
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 45 ? n - i : 45;
		put8(b, 32 + (unsigned)chunk);
		for (k = 0; k < chunk; k += 3) {
			g[0] = p[i + k];
			g[1] = k + 1 < chunk ? p[i + k + 1] : 0;
			g[2] = k + 2 < chunk ? p[i + k + 2] : 0;
			/* '`' for zero, as most encoders do */
			put8(b, (g[0] >> 2) ? 32 + (g[0] >> 2) : '`');
			put8(b, ((g[0] << 4 | g[1] >> 4) & 63) ? 32 + ((g[0] << 4 | g[1] >> 4) & 63) : '`');
			put8(b, ((g[1] << 2 | g[2] >> 6) & 63) ? 32 + ((g[1] << 2 | g[2] >> 6) & 63) : '`');
			put8(b, (g[2] & 63) ? 32 + (g[2] & 63) : '`');
		}
		sl_buf_addstr(b, eol);
	}
	if (terminator) {
		sl_buf_addstr(b, "`");
		sl_buf_addstr(b, eol);
	}
	if (end) {
		sl_buf_addstr(b, "end");
		sl_buf_addstr(b, eol);
	}
}

static void tnef_start(struct sl_buf *b)
{
	sl_buf_init(b, 0);
	put32(b, 0x223E9F78u);
	put16(b, 0x0001);
}

static void tnef_attr_sum(struct sl_buf *b, unsigned level, uint32_t id, const void *data,
			  size_t n, int good_sum)
{
	const unsigned char *p = data;
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += p[i];
	put8(b, level);
	put32(b, id);
	put32(b, (uint32_t)n);
	putn(b, data, n);
	put16(b, good_sum ? sum & 0xFFFF : (sum + 1) & 0xFFFF);
}

static void tnef_attr(struct sl_buf *b, unsigned level, uint32_t id, const void *data, size_t n)
{
	tnef_attr_sum(b, level, id, data, n, 1);
}

#define ATT_RENDDATA 0x00069002u
#define ATT_TITLE 0x00018010u
#define ATT_DATA 0x0006800Fu
#define ATT_ATTACHMENT 0x00069005u
#define ATT_OEM_CODEPAGE 0x00069007u
#define ATT_TNEF_VERSION 0x00089006u

static void tnef_msg_head(struct sl_buf *b, uint32_t codepage)
{
	unsigned char v[4] = { 0, 0, 1, 0 };
	unsigned char cp[8] = { 0 };

	tnef_attr(b, 1, ATT_TNEF_VERSION, v, 4);
	cp[0] = codepage & 0xFF;
	cp[1] = codepage >> 8 & 0xFF;
	tnef_attr(b, 1, ATT_OEM_CODEPAGE, cp, 8);
}

/* attAttachRenddata (14 bytes of rendering info), title and data. */
static void tnef_file(struct sl_buf *b, const char *title, const void *data, size_t n)
{
	unsigned char rend[14] = { 1, 0, 0xFF, 0xFF, 0xFF, 0xFF };

	tnef_attr(b, 2, ATT_RENDDATA, rend, sizeof(rend));
	if (title != NULL)
		tnef_attr(b, 2, ATT_TITLE, title, strlen(title) + 1);
	if (data != NULL)
		tnef_attr(b, 2, ATT_DATA, data, n);
}

/* MAPI property values for an attAttachment list. */
static void mapi_fixed32(struct sl_buf *m, uint32_t tag, uint32_t v)
{
	put32(m, tag);
	put32(m, v);
}

static void mapi_var(struct sl_buf *m, uint32_t tag, const void *v, size_t n)
{
	put32(m, tag);
	put32(m, 1);
	put32(m, (uint32_t)n);
	putn(m, v, n);
	pad4(m, n);
}

/* UTF-8 (BMP plus 4-byte sequences) to UTF-16LE with a NUL unit. */
static void mapi_unicode(struct sl_buf *m, uint32_t tag, const char *utf8)
{
	struct sl_buf u;
	const unsigned char *s = (const unsigned char *)utf8;
	uint32_t c;

	sl_buf_init(&u, 0);
	while (*s) {
		if (*s < 0x80) {
			c = *s++;
		} else if (*s < 0xE0) {
			c = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
			s += 2;
		} else if (*s < 0xF0) {
			c = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
			s += 3;
		} else {
			c = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
			    (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
			s += 4;
		}
		if (c >= 0x10000) {
			c -= 0x10000;
			put16(&u, 0xD800 | c >> 10);
			put16(&u, 0xDC00 | (c & 0x3FF));
		} else {
			put16(&u, c);
		}
	}
	put16(&u, 0);
	mapi_var(m, tag, u.data, u.len);
	sl_buf_free(&u);
}

static void mapi_list(struct sl_buf *m, uint32_t count)
{
	sl_buf_init(m, 0);
	put32(m, count);
}

static const unsigned char *U(const struct sl_buf *b)
{
	return (const unsigned char *)b->data;
}

/* ---- uuencode ---------------------------------------------------------- */

static void test_uu_known(void **state)
{
	const char *t = "Hi,\nbegin 644 cat.txt\n#0V%T\n`\nend\nbye\n";
	struct sl_extract_list l = { 0 };
	char *why = NULL;

	assert_int_equal(sl_uu_extract(t, strlen(t), 10, BIG, &l, &why), SL_OK);
	assert_null(why);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "cat.txt");
	assert_int_equal(l.v[0].len, 3);
	assert_memory_equal(l.v[0].data, "Cat", 3);
	assert_int_equal(l.v[0].begin, 4);
	assert_int_equal(l.v[0].end, strlen(t) - 4);
	sl_extract_list_clear(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void test_uu_roundtrip(void **state)
{
	unsigned char data[1000];
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	size_t i, pre;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 3));
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "some text\n");
	pre = b.len;
	uu_encode(&b, "my file name.bin", data, sizeof(data), "\n", 1, 1);
	i = b.len;
	sl_buf_addstr(&b, "trailer\n");
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "my file name.bin");
	assert_int_equal(l.v[0].len, sizeof(data));
	assert_memory_equal(l.v[0].data, data, sizeof(data));
	assert_int_equal(l.v[0].begin, pre);
	assert_int_equal(l.v[0].end, i);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);
}

static void test_uu_two_blocks_crlf(void **state)
{
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	const char *second = "second file contents, a bit longer than one line of forty-five bytes";
	size_t b1, e1, b2, e2;

	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "Hello\r\n\r\n");
	b1 = b.len;
	uu_encode(&b, "a.exe", "MZ\x90\x00\x03", 5, "\r\n", 1, 1);
	e1 = b.len;
	sl_buf_addstr(&b, "between\r\n");
	b2 = b.len;
	uu_encode(&b, "b c.txt", second, strlen(second), "\r\n", 1, 1);
	e2 = b.len;
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "a.exe");
	assert_int_equal(l.v[0].len, 5);
	assert_memory_equal(l.v[0].data, "MZ\x90\x00\x03", 5);
	assert_int_equal(l.v[0].begin, b1);
	assert_int_equal(l.v[0].end, e1);
	assert_string_equal(l.v[1].name, "b c.txt");
	assert_int_equal(l.v[1].len, strlen(second));
	assert_memory_equal(l.v[1].data, "second file contents", 20);
	assert_int_equal(l.v[1].begin, b2);
	assert_int_equal(l.v[1].end, e2);
	/* appends to what the list holds */
	assert_int_equal(sl_uu_extract(b.data, b1 + 1, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 4);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);
}

static void test_uu_missing_end(void **state)
{
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	size_t last;

	/* no terminator and no "end": the block ends after the last encoded line */
	sl_buf_init(&b, 0);
	uu_encode(&b, "x", "abcdef", 6, "\n", 0, 0);
	last = b.len;
	sl_buf_addstr(&b, "thanks for your attention, regards\n");
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 6);
	assert_memory_equal(l.v[0].data, "abcdef", 6);
	assert_int_equal(l.v[0].begin, 0);
	assert_int_equal(l.v[0].end, last);
	sl_extract_list_clear(&l);

	/* at the very end of the text without a final newline */
	assert_int_equal(sl_uu_extract(b.data, last - 1, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 6);
	assert_int_equal(l.v[0].end, last - 1);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);

	/* terminator but no "end": the terminator belongs to the block */
	sl_buf_init(&b, 0);
	uu_encode(&b, "x", "abcdef", 6, "\n", 1, 0);
	last = b.len;
	sl_buf_addstr(&b, "more\n");
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].end, last);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);

	/* "end" right after the data */
	sl_buf_init(&b, 0);
	uu_encode(&b, "x", "abcdef", 6, "\n", 0, 1);
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].end, b.len);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);
}

static void test_uu_tolerance(void **state)
{
	struct sl_extract_list l = { 0 };
	char *why = NULL;
	/* garbage line in the middle, a short line (trailing spaces stripped),
	 * an empty line as terminator, names with spaces, "end" with blanks */
	const char *t = "begin 0644  a  b .txt \n#0V%T\nthis is not data\n#0V%T\n"
			"&86)C  \n#\n\nend \t\n";
	const char *bad = "let us begin 644 plans\nbegin 644 minutes\nlater we will meet\n\n"
			  "and more\n";
	const char *empty = "begin 600 empty\n`\nend\n";
	const char *prose = "begin the day with a plan\nthen work\n";

	assert_int_equal(sl_uu_extract(t, strlen(t), 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "a  b .txt ");
	/* "Cat", "Cat", then "abc" and three zero bytes from the stripped
	 * tail; "#" alone is too short to be data */
	assert_int_equal(l.v[0].len, 12);
	assert_memory_equal(l.v[0].data, "CatCatabc\0\0\0", 12);
	assert_int_equal(l.v[0].end, strlen(t));
	sl_extract_list_clear(&l);

	/* A begin line with a mode and no data after it: ripmime still saves an
	 * empty file under its name, so it is one (judged by the name). */
	assert_int_equal(sl_uu_extract(bad, strlen(bad), 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "minutes");
	assert_int_equal(l.v[0].len, 0);
	assert_int_equal(l.v[0].begin, strlen("let us begin 644 plans\n"));
	assert_int_equal(l.v[0].end, strlen("let us begin 644 plans\nbegin 644 minutes\n"));
	sl_extract_list_clear(&l);
	/* Prose ("begin the day") has no mode: no file. */
	assert_int_equal(sl_uu_extract(prose, strlen(prose), 10, BIG, &l, &why), SL_EPARSE);
	assert_non_null(why);
	assert_int_equal(l.n, 0);
	free(why);
	why = NULL;

	assert_int_equal(sl_uu_extract(empty, strlen(empty), 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 0);
	assert_non_null(l.v[0].data);
	assert_int_equal(l.v[0].end, strlen(empty));
	sl_extract_list_clear(&l);

	/* no blocks at all */
	assert_int_equal(sl_uu_extract("just text\nend\n", 14, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(sl_uu_extract(NULL, 0, 10, BIG, &l, &why), SL_OK);
	assert_null(why);

	/* a header without a name, and a "begin" inside a block starts a new one */
	t = "begin 644\n#0V%T\nbegin 644 two\n#0V%T\n`\nend\n";
	assert_int_equal(sl_uu_extract(t, strlen(t), 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 2);
	assert_null(l.v[0].name);
	assert_int_equal(l.v[0].end, 16);
	assert_string_equal(l.v[1].name, "two");
	assert_int_equal(l.v[1].begin, 16);
	sl_extract_list_clear(&l);

	/* only garbage after begin: nothing decodable, an empty file named x */
	t = "begin 644 x\n\x01\x02\n~~~~\nabc\n";
	assert_int_equal(sl_uu_extract(t, strlen(t), 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "x");
	assert_int_equal(l.v[0].len, 0);
	sl_extract_list_clear(&l);

	/* bad headers are ignored; a mode that is not octal is not bad: ripmime
	 * decodes "begin 648" (the differential test's fuzzer found it) */
	t = "begin 648 x\n#0V%T\nbeginx 644 y\nbegin 1234567 z\nbegin 6a4 w\n";
	assert_int_equal(sl_uu_extract(t, strlen(t), 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 3); /* x with data; z and w empty (ripmime: "6x4") */
	assert_string_equal(l.v[0].name, "x");
	assert_int_equal(l.v[0].len, 3);
	assert_string_equal(l.v[1].name, "z");
	assert_string_equal(l.v[2].name, "w");
	assert_int_equal(l.v[2].len, 0);
	sl_extract_list_clear(&l);
}

static void test_uu_base64(void **state)
{
	struct sl_extract_list l = { 0 };
	const char *t = "x\nbegin-base64 644 b64 file.txt\nSGVsbG8s\nIHdvcmxkIQ==\n====\nafter\n";
	const char *t2 = "begin-base64 644 x\r\nSGVsbG8\r\n\r\nnot base64!\r\n";

	assert_int_equal(sl_uu_extract(t, strlen(t), 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "b64 file.txt");
	assert_int_equal(l.v[0].len, 13);
	assert_memory_equal(l.v[0].data, "Hello, world!", 13);
	assert_int_equal(l.v[0].begin, 2);
	assert_int_equal(l.v[0].end, strlen(t) - 6);
	sl_extract_list_clear(&l);

	assert_int_equal(sl_uu_extract(t2, strlen(t2), 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 5);
	assert_memory_equal(l.v[0].data, "Hello", 5);
	assert_int_equal(l.v[0].end, 29);
	sl_extract_list_clear(&l);
}

static void test_uu_limits(void **state)
{
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	char *why = NULL;
	int i;

	sl_buf_init(&b, 0);
	for (i = 0; i < 3; i++)
		uu_encode(&b, "f", "0123456789", 10, "\n", 1, 1);
	assert_int_equal(sl_uu_extract(b.data, b.len, 2, BIG, &l, &why), SL_ETOOBIG);
	assert_non_null(why);
	assert_int_equal(l.n, 2);
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);

	assert_int_equal(sl_uu_extract(b.data, b.len, 3, 30, &l, &why), SL_OK);
	assert_int_equal(l.n, 3);
	sl_extract_list_clear(&l);
	assert_int_equal(sl_uu_extract(b.data, b.len, 3, 25, &l, &why), SL_ETOOBIG);
	assert_int_equal(l.n, 2);
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);
	assert_int_equal(sl_uu_extract(b.data, b.len, 0, BIG, &l, &why), SL_ETOOBIG);
	assert_int_equal(l.n, 0);
	free(why);
	sl_buf_free(&b);
}

static void test_uu_huge_line(void **state)
{
	size_t n = 1024 * 1024, i;
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	char *why = NULL;

	/* a 1 MB line of valid characters inside a block: its count is 45 */
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "begin 644 big\n");
	put8(&b, 'M');
	for (i = 0; i < n; i++)
		put8(&b, '!' + (i % 60));
	sl_buf_addstr(&b, "\n`\nend\n");
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 45);
	assert_int_equal(l.v[0].end, b.len);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);

	/* a 1 MB line of text and a 1 MB name */
	sl_buf_init(&b, 0);
	for (i = 0; i < n; i++)
		put8(&b, 'a' + (i % 26));
	sl_buf_addstr(&b, "\nbegin 644 ");
	for (i = 0; i < n; i++)
		put8(&b, 'a' + (i % 26));
	sl_buf_addstr(&b, "\n#0V%T\n`\nend");
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_true(strlen(l.v[0].name) <= 1024);
	assert_int_equal(l.v[0].end, b.len);
	sl_extract_list_clear(&l);

	/* a 1 MB base64 line */
	sl_buf_free(&b);
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "begin-base64 644 big\n");
	for (i = 0; i < n; i++)
		put8(&b, 'A');
	sl_buf_addstr(&b, "\n====\n");
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, n / 4 * 3);
	sl_extract_list_clear(&l);
	assert_int_equal(sl_uu_extract(b.data, b.len, 10, 1000, &l, &why), SL_ETOOBIG);
	assert_int_equal(l.n, 0);
	free(why);
	sl_buf_free(&b);
}

static void test_uu_prefixes(void **state)
{
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	size_t i;
	char *why;

	/* every prefix of a mixed text: no crash, no leak, sane ranges */
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, "x\r\n");
	uu_encode(&b, "a b", "The quick brown fox jumps over the lazy dog, twice over.", 56, "\r\n",
		  1, 1);
	sl_buf_addstr(&b, "begin-base64 644 q\nSGVsbG8s\nIHdvcmxkIQ==\n====\n");
	for (i = 0; i <= b.len; i++) {
		why = NULL;
		int rc = sl_uu_extract(b.data, i, 10, BIG, &l, &why);
		assert_true(rc == SL_OK || rc == SL_EPARSE);
		for (size_t k = 0; k < l.n; k++) {
			assert_true(l.v[k].begin < l.v[k].end);
			assert_true(l.v[k].end <= i);
		}
		free(why);
		sl_extract_list_clear(&l);
	}
	sl_buf_free(&b);
}

/* "begin" in any case and with tabs, "END": read as ripmime reads them
 * (issue 12, section 4). */
static void test_uu_permissive_begin(void **state)
{
	static const char *const begins[] = { "BEGIN 644 a.exe", "begin\t644 a.exe", "Begin \t 0644 a.exe",
					      "begin 288 a.exe", "begin-BASE64\t644 a.exe" };
	size_t i;
	for (i = 0; i < 5; i++) {
		struct sl_buf b;
		struct sl_extract_list l = { 0 };
		char *why = NULL;
		sl_buf_init(&b, 0);
		sl_buf_printf(&b, "Hello\n%s\n", begins[i]);
		if (i == 4)
			sl_buf_addstr(&b, "SGVsbG8s\n====\n");
		else
			sl_buf_addstr(&b, "&2&5L;&\\L\n`\nEND\n"); /* "Hello," */
		assert_true(sl_uu_maybe(b.data, b.len));
		assert_int_equal(sl_uu_extract(b.data, b.len, 10, BIG, &l, &why), SL_OK);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0].name, "a.exe");
		assert_int_equal(l.v[0].len, 6);
		assert_memory_equal(l.v[0].data, "Hello,", 6);
		assert_int_equal(l.v[0].end, b.len); /* up to and with END */
		sl_extract_list_clear(&l);
		sl_buf_free(&b);
	}
	/* Not a begin line: no mode, or "begin" inside a word. */
	assert_false(sl_uu_maybe("beginning 644 x\n", 16));
	assert_false(sl_uu_maybe("we begin 644 x\n", 15));
	assert_true(sl_uu_maybe("x\r\nbegin 644 x\r\n", 18));
}

/* ---- TNEF -------------------------------------------------------------- */

static void test_tnef_basic(void **state)
{
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	char *why = NULL;

	tnef_start(&b);
	tnef_msg_head(&b, 1252);
	tnef_file(&b, "REPORT.PDF", "%PDF-1.4 hello", 14);
	tnef_file(&b, "EMPTY.TXT", "", 0);
	assert_true(sl_tnef_is(U(&b), b.len));
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_OK);
	assert_null(why);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "REPORT.PDF");
	assert_int_equal(l.v[0].len, 14);
	assert_memory_equal(l.v[0].data, "%PDF-1.4 hello", 14);
	assert_string_equal(l.v[1].name, "EMPTY.TXT");
	assert_int_equal(l.v[1].len, 0);
	assert_non_null(l.v[1].data);
	sl_extract_list_clear(&l);

	/* bad checksums are tolerated; trailing zero padding too */
	sl_buf_free(&b);
	tnef_start(&b);
	tnef_attr(&b, 2, ATT_RENDDATA, "\1\0\0\0", 4);
	tnef_attr_sum(&b, 2, ATT_DATA, "abc", 3, 0);
	put32(&b, 0);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_null(l.v[0].name);
	assert_int_equal(l.v[0].len, 3);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);
}

static void test_tnef_long_name(void **state)
{
	struct sl_buf b, m;
	struct sl_extract_list l = { 0 };
	char *why = NULL;
	unsigned char guid[16] = { 1, 2, 3 };
	const char *lname = "R\xc3\xa9sum\xc3\xa9 long name \xf0\x9f\x98\x80.docx";

	/* a list with fixed, named, multi-valued and binary properties before the name */
	mapi_list(&m, 6);
	mapi_fixed32(&m, 0x0E200003u, 1234);     /* PidTagAttachSize */
	put32(&m, 0x80000003u);                  /* named, by id */
	putn(&m, guid, 16);
	put32(&m, 0);
	put32(&m, 0x8001);
	put32(&m, 7);
	put32(&m, 0x8001001Fu);                  /* named, by name */
	putn(&m, guid, 16);
	put32(&m, 1);
	put32(&m, 6);
	putn(&m, "x\0y\0\0\0", 6);
	pad4(&m, 6);
	put32(&m, 1);
	put32(&m, 2);
	putn(&m, "z\0", 2);
	pad4(&m, 2);
	put32(&m, 0x3713101Eu);                  /* multi-valued PT_STRING8 */
	put32(&m, 2);
	put32(&m, 3);
	putn(&m, "ab\0", 3);
	pad4(&m, 3);
	put32(&m, 5);
	putn(&m, "cdef\0", 5);
	pad4(&m, 5);
	mapi_var(&m, 0x37040102u, "xx", 2);      /* wrong type for a name: ignored */
	mapi_unicode(&m, 0x3707001Fu, lname);

	tnef_start(&b);
	tnef_msg_head(&b, 1252);
	tnef_file(&b, "RSUM~1.DOC", "DOCDATA", 7);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_OK);
	assert_null(why);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, lname);
	assert_int_equal(l.v[0].len, 7);
	assert_memory_equal(l.v[0].data, "DOCDATA", 7);
	sl_extract_list_clear(&l);
	sl_buf_free(&m);
	sl_buf_free(&b);

	/* PT_STRING8 long name in code page 1252, data only as a MAPI property */
	mapi_list(&m, 2);
	mapi_var(&m, 0x3707001Eu, "caf\xe9 menu.xls", 14);
	mapi_var(&m, 0x37010102u, "BINARYDATA", 10);
	tnef_start(&b);
	tnef_msg_head(&b, 1252);
	tnef_file(&b, NULL, NULL, 0);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "caf\xc3\xa9 menu.xls");
	assert_int_equal(l.v[0].len, 10);
	assert_memory_equal(l.v[0].data, "BINARYDATA", 10);
	sl_extract_list_clear(&l);
	sl_buf_free(&m);
	sl_buf_free(&b);

	/* an 8-bit title and a lone surrogate in the long name */
	mapi_list(&m, 1);
	mapi_var(&m, 0x3707001Fu, "a\0\x00\xd8" "b\0\0\0", 8);
	tnef_start(&b);
	tnef_msg_head(&b, 1252);
	tnef_file(&b, "\x80uro.txt", "e", 1);
	tnef_file(&b, "ignored.txt", "f", 1);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "\xe2\x82\xacuro.txt");
	assert_string_equal(l.v[1].name, "a\xef\xbf\xbd" "b");
	sl_extract_list_clear(&l);
	sl_buf_free(&m);
	sl_buf_free(&b);
}

static void test_tnef_embedded_object(void **state)
{
	struct sl_buf b, m;
	struct sl_extract_list l = { 0 };
	unsigned char obj[16 + 6] = { 0x07, 0x03, 0x02, 0 };

	memcpy(obj + 16, "\x78\x9f\x3e\x22\x01\x00", 6);
	mapi_list(&m, 1);
	mapi_var(&m, 0x3701000Du, obj, sizeof(obj));
	tnef_start(&b);
	tnef_file(&b, "MSG", NULL, 0);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, NULL), SL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 6);
	assert_true(sl_tnef_is(l.v[0].data, l.v[0].len));
	sl_extract_list_clear(&l);
	sl_buf_free(&m);
	sl_buf_free(&b);
}

static void test_tnef_malformed(void **state)
{
	struct sl_buf b, m;
	struct sl_extract_list l = { 0 };
	char *why = NULL;
	size_t i, full;

	assert_false(sl_tnef_is((const unsigned char *)"\x78\x9f\x3e", 3));
	assert_false(sl_tnef_is(NULL, 0));
	assert_int_equal(sl_tnef_extract((const unsigned char *)"PK\3\4abcdef", 10, 10, BIG, &l,
					 &why), SL_EPARSE);
	assert_non_null(why);
	free(why);
	why = NULL;

	tnef_start(&b);
	tnef_msg_head(&b, 1252);
	tnef_file(&b, "ONE.TXT", "first", 5);
	tnef_file(&b, "TWO.TXT", "second", 6);
	full = b.len;

	/* every truncation: never a crash, the first file once it is complete */
	for (i = 0; i < full; i++) {
		int rc = sl_tnef_extract(U(&b), i, 10, BIG, &l, &why);
		assert_true(rc == SL_OK || rc == SL_EPARSE);
		if (i >= full - (9 + 6 + 2) - (9 + 8 + 2) - (9 + 14 + 2) && i > 6)
			assert_true(l.n >= 1);
		if (l.n >= 1 && l.v[0].len > 0)
			assert_memory_equal(l.v[0].data, "first", 5);
		free(why);
		why = NULL;
		sl_extract_list_clear(&l);
	}

	/* a length that points past the end */
	sl_buf_free(&b);
	tnef_start(&b);
	tnef_file(&b, "ONE.TXT", "first", 5);
	put8(&b, 2);
	put32(&b, ATT_DATA);
	put32(&b, 0xFFFFFFF0u);
	putn(&b, "xyz", 3);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_EPARSE);
	assert_non_null(strstr(why, "past the end"));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "ONE.TXT");
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);

	/* a bad level byte */
	sl_buf_free(&b);
	tnef_start(&b);
	tnef_attr(&b, 7, ATT_DATA, "abc", 3);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_EPARSE);
	assert_int_equal(l.n, 0);
	free(why);
	why = NULL;

	/* a MAPI list with a count past its data and an unknown type: the
	 * attachment is kept with its title, the result says the list is bad */
	mapi_list(&m, 1000000);
	mapi_fixed32(&m, 0x0E200003u, 1);
	sl_buf_free(&b);
	tnef_start(&b);
	tnef_file(&b, "T.TXT", "data", 4);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	sl_buf_free(&m);
	mapi_list(&m, 2);
	mapi_fixed32(&m, 0x0E200999u, 1);
	mapi_unicode(&m, 0x3707001Fu, "never.exe");
	tnef_file(&b, "U.TXT", "data", 4);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	sl_buf_free(&m);
	mapi_list(&m, 1);
	put32(&m, 0x3707001Fu);
	put32(&m, 1);
	put32(&m, 0x7FFFFFFFu);
	tnef_file(&b, "V.TXT", "data", 4);
	tnef_attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, BIG, &l, &why), SL_EPARSE);
	assert_non_null(why);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].name, "T.TXT");
	assert_string_equal(l.v[1].name, "U.TXT");
	assert_string_equal(l.v[2].name, "V.TXT");
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);
	sl_buf_free(&m);

	/* random garbage after a signature */
	srand(1);
	for (i = 0; i < 2000; i++) {
		unsigned char g[200];
		size_t n = 6 + (size_t)rand() % (sizeof(g) - 6), k;
		memcpy(g, "\x78\x9f\x3e\x22\x01\x00", 6);
		for (k = 6; k < n; k++)
			g[k] = (unsigned char)(rand() % 4 == 0 ? rand() : rand() % 3);
		int rc = sl_tnef_extract(g, n, 10, BIG, &l, &why);
		assert_true(rc == SL_OK || rc == SL_EPARSE || rc == SL_ETOOBIG);
		free(why);
		why = NULL;
		sl_extract_list_clear(&l);
	}
	sl_buf_free(&b);
}

static void test_tnef_limits(void **state)
{
	struct sl_buf b;
	struct sl_extract_list l = { 0 };
	char *why = NULL;

	tnef_start(&b);
	tnef_file(&b, "A", "0123456789", 10);
	tnef_file(&b, "B", "0123456789", 10);
	tnef_file(&b, "C", "0123456789", 10);
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 3, 30, &l, &why), SL_OK);
	assert_int_equal(l.n, 3);
	sl_extract_list_clear(&l);

	assert_int_equal(sl_tnef_extract(U(&b), b.len, 2, BIG, &l, &why), SL_ETOOBIG);
	assert_non_null(why);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].name, "B");
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);

	assert_int_equal(sl_tnef_extract(U(&b), b.len, 10, 29, &l, &why), SL_ETOOBIG);
	assert_int_equal(l.n, 2);
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);

	/* why may be NULL */
	assert_int_equal(sl_tnef_extract(U(&b), b.len, 1, BIG, &l, NULL), SL_ETOOBIG);
	assert_int_equal(l.n, 1);
	sl_extract_list_clear(&l);
	sl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uu_known),
		cmocka_unit_test(test_uu_roundtrip),
		cmocka_unit_test(test_uu_two_blocks_crlf),
		cmocka_unit_test(test_uu_missing_end),
		cmocka_unit_test(test_uu_tolerance),
		cmocka_unit_test(test_uu_base64),
		cmocka_unit_test(test_uu_limits),
		cmocka_unit_test(test_uu_huge_line),
		cmocka_unit_test(test_uu_prefixes),
		cmocka_unit_test(test_uu_permissive_begin),
		cmocka_unit_test(test_tnef_basic),
		cmocka_unit_test(test_tnef_long_name),
		cmocka_unit_test(test_tnef_embedded_object),
		cmocka_unit_test(test_tnef_malformed),
		cmocka_unit_test(test_tnef_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
