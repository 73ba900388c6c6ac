/*
 * test_util - the mail-free helpers: the capped sl_buf (add, printf, take,
 * the cap itself and that a refused add leaves the data alone), sl_read_file
 * (a missing file, a directory, a file over the limit, an empty file, NUL
 * bytes), sl_sha256_hex on the FIPS 180-2 vectors, sl_b64_value in both
 * alphabets, sl_base64_decode (RFC 4648 vectors, line breaks, junk, missing
 * padding), sl_strerror for every code, and the x-allocators.
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

#include "util.h"

/* ---- sl_buf ------------------------------------------------------------- */

static void test_buf_add_and_nul(void **state)
{
	struct sl_buf b;
	size_t i;
	(void)state;

	sl_buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(sl_buf_add(&b, "abc", 3), SL_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "abc", 4); /* NUL-terminated past len */
	assert_int_equal(sl_buf_addstr(&b, "def"), SL_OK);
	assert_string_equal(b.data, "abcdef");
	/* Adding nothing is fine and keeps the NUL. */
	assert_int_equal(sl_buf_add(&b, NULL, 0), SL_OK);
	assert_string_equal(b.data, "abcdef");
	/* Bytes with NULs inside, and growth past the first allocation. */
	assert_int_equal(sl_buf_add(&b, "x\0y", 3), SL_OK);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data + 6, "x\0y", 4);
	for (i = 0; i < 1000; i++)
		assert_int_equal(sl_buf_add(&b, "0123456789", 10), SL_OK);
	assert_int_equal(b.len, 9 + 10000);
	assert_true(b.alloc > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + b.len - 10, "0123456789", 10);
	sl_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	/* Free twice is harmless. */
	sl_buf_free(&b);
}

static void test_buf_cap(void **state)
{
	struct sl_buf b;
	char big[64];
	(void)state;

	memset(big, 'z', sizeof(big));
	sl_buf_init(&b, 10);
	assert_int_equal(sl_buf_add(&b, "0123456", 7), SL_OK);
	/* 7 + 4 > 10: refused, and the data is what it was. */
	assert_int_equal(sl_buf_add(&b, "abcd", 4), SL_ETOOBIG);
	assert_int_equal(b.len, 7);
	assert_string_equal(b.data, "0123456");
	/* Exactly up to the cap is allowed. */
	assert_int_equal(sl_buf_add(&b, "abc", 3), SL_OK);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456abc");
	/* Not one byte more. */
	assert_int_equal(sl_buf_add(&b, "x", 1), SL_ETOOBIG);
	assert_int_equal(sl_buf_addstr(&b, "x"), SL_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456abc");
	/* Adding nothing at the cap is fine. */
	assert_int_equal(sl_buf_add(&b, "", 0), SL_OK);
	sl_buf_free(&b);

	/* A single add larger than the cap (no wrap-around of len + n). */
	sl_buf_init(&b, 10);
	assert_int_equal(sl_buf_add(&b, big, sizeof(big)), SL_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(sl_buf_add(&b, big, SIZE_MAX), SL_ETOOBIG);
	assert_int_equal(b.len, 0);
	sl_buf_free(&b);

	/* printf respects the cap too. */
	sl_buf_init(&b, 8);
	assert_int_equal(sl_buf_printf(&b, "%d-%s", 42, "ab"), SL_OK);
	assert_string_equal(b.data, "42-ab");
	assert_int_equal(sl_buf_printf(&b, "%s", "long!"), SL_ETOOBIG);
	assert_string_equal(b.data, "42-ab");
	assert_int_equal(b.len, 5);
	sl_buf_free(&b);
}

static void test_buf_printf(void **state)
{
	struct sl_buf b;
	char *s;
	(void)state;

	sl_buf_init(&b, 0);
	assert_int_equal(sl_buf_printf(&b, "id=%s n=%zu", "Q1", (size_t)3), SL_OK);
	assert_int_equal(sl_buf_printf(&b, " %.1f%%", 12.25), SL_OK);
	assert_string_equal(b.data, "id=Q1 n=3 12.2%");
	assert_int_equal(b.len, strlen("id=Q1 n=3 12.2%"));
	/* An empty format adds nothing. */
	assert_int_equal(sl_buf_printf(&b, "%s", ""), SL_OK);
	assert_int_equal(b.len, strlen("id=Q1 n=3 12.2%"));
	/* Long output (past vasprintf's and sl_buf's first guesses). */
	s = g_strnfill(5000, 'q');
	assert_int_equal(sl_buf_printf(&b, "[%s]", s), SL_OK);
	assert_int_equal(b.len, strlen("id=Q1 n=3 12.2%") + 5002);
	assert_int_equal(b.data[b.len - 1], ']');
	g_free(s);
	sl_buf_free(&b);
}

static void test_buf_take(void **state)
{
	struct sl_buf b;
	char *s;
	(void)state;

	sl_buf_init(&b, 100);
	/* Taking an empty buffer gives an empty string, not NULL. */
	s = sl_buf_take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	assert_int_equal(sl_buf_addstr(&b, "hello"), SL_OK);
	s = sl_buf_take(&b);
	assert_string_equal(s, "hello");
	/* b is reset: empty, owns nothing, can be used again with its cap. */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	assert_int_equal(sl_buf_addstr(&b, "again"), SL_OK);
	assert_string_equal(b.data, "again");
	assert_string_equal(s, "hello"); /* the taken string is independent */
	free(s);
	sl_buf_free(&b);
}

/* ---- sl_read_file ------------------------------------------------------- */

static char *tmpdir_new(void)
{
	GError *err = NULL;
	char *d = g_dir_make_tmp("sluice-test-util-XXXXXX", &err);
	if (d == NULL)
		fail_msg("g_dir_make_tmp: %s", err->message);
	return d;
}

static void test_read_file(void **state)
{
	char *dir = tmpdir_new();
	char *path = g_build_filename(dir, "f.bin", NULL);
	char *missing = g_build_filename(dir, "no-such-file", NULL);
	char *empty = g_build_filename(dir, "empty", NULL);
	char *out = (char *)0x1, *why = NULL;
	size_t len = 99;
	static const char content[] = "line one\nx\0y\n";
	(void)state;

	assert_true(g_file_set_contents(path, content, sizeof(content) - 1, NULL));
	assert_true(g_file_set_contents(empty, "", 0, NULL));

	/* A whole file, NUL-terminated, NUL bytes inside kept. */
	assert_int_equal(sl_read_file(path, 1024, &out, &len, &why), SL_OK);
	assert_int_equal(len, sizeof(content) - 1);
	assert_memory_equal(out, content, sizeof(content)); /* includes the final NUL */
	free(out);

	/* Exactly max bytes is fine. */
	assert_int_equal(sl_read_file(path, sizeof(content) - 1, &out, &len, &why), SL_OK);
	assert_int_equal(len, sizeof(content) - 1);
	free(out);

	/* An empty file: "" and 0. */
	assert_int_equal(sl_read_file(empty, 10, &out, &len, &why), SL_OK);
	assert_non_null(out);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);

	/* Missing: a reason that names the path and says why. */
	why = NULL;
	assert_int_equal(sl_read_file(missing, 1024, &out, &len, &why), SL_EIO);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, missing));
	assert_non_null(strstr(why, "No such file"));
	free(why);

	/* A directory is not read. */
	why = NULL;
	out = (char *)0x1;
	assert_true(sl_read_file(dir, 1024, &out, &len, &why) < 0);
	assert_null(out);
	assert_non_null(why);
	assert_non_null(strstr(why, dir));
	free(why);

	/* Over max: SL_ETOOBIG with a reason naming the file and the limit. */
	why = NULL;
	out = (char *)0x1;
	assert_int_equal(sl_read_file(path, 5, &out, &len, &why), SL_ETOOBIG);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "5"));
	free(why);

	g_unlink(path);
	g_unlink(empty);
	g_rmdir(dir);
	g_free(path);
	g_free(missing);
	g_free(empty);
	g_free(dir);
}

/* ---- sl_sha256_hex ------------------------------------------------------ */

static void test_sha256(void **state)
{
	char out[65];
	char *million;
	(void)state;

	memset(out, 'X', sizeof(out));
	sl_sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sl_sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sl_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a' (FIPS 180-2 appendix B.3). */
	million = g_strnfill(1000000, 'a');
	sl_sha256_hex(million, 1000000, out);
	assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	g_free(million);
	/* Only n bytes count: the same prefix of a longer buffer. */
	sl_sha256_hex("abcdef", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(out), 64);
}

/* ---- sl_b64_value ------------------------------------------------------- */

static void test_b64_value(void **state)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	int i, c;
	(void)state;

	for (i = 0; i < 64; i++) {
		assert_int_equal(sl_b64_value((unsigned char)std[i], 0), i);
		assert_int_equal(sl_b64_value((unsigned char)url[i], 1), i);
	}
	/* Each alphabet's two extra digits are not digits of the other. */
	assert_int_equal(sl_b64_value('+', 1), -1);
	assert_int_equal(sl_b64_value('/', 1), -1);
	assert_int_equal(sl_b64_value('-', 0), -1);
	assert_int_equal(sl_b64_value('_', 0), -1);
	/* Padding, whitespace, other ASCII and high bytes are not digits. */
	for (c = 0; c < 256; c++) {
		if (strchr(std, c) != NULL && c != 0)
			continue;
		if (c == '-' || c == '_')
			continue;
		assert_int_equal(sl_b64_value((unsigned char)c, 0), -1);
	}
	for (c = 0; c < 256; c++) {
		if (strchr(url, c) != NULL && c != 0)
			continue;
		if (c == '+' || c == '/')
			continue;
		assert_int_equal(sl_b64_value((unsigned char)c, 1), -1);
	}
	assert_int_equal(sl_b64_value('=', 0), -1);
	assert_int_equal(sl_b64_value('=', 1), -1);
	assert_int_equal(sl_b64_value(0xC3, 0), -1);
}

/* ---- sl_base64_decode --------------------------------------------------- */

/* Decodes s into a buffer of exactly the documented size (ASan sees any write
 * past it) and compares with want. */
static void b64_is(const char *s, const void *want, size_t wantlen)
{
	size_t len = strlen(s), n;
	unsigned char *out = sl_xmalloc(len / 4 * 3 + 4);
	n = sl_base64_decode(s, len, out);
	if (n != wantlen || (n > 0 && memcmp(out, want, n) != 0))
		fail_msg("base64 '%s': %zu bytes, expected %zu", s, n, wantlen);
	free(out);
}

/* Random bytes, encoded by GLib, folded into MIME lines (CRLF or LF, also at
 * odd places), decode to the same bytes. */
static void test_base64_random_round_trip(void **state)
{
	GRand *r = g_rand_new_with_seed(20261126);
	int round;
	for (round = 0; round < 200; round++) {
		size_t n = (size_t)g_rand_int_range(r, 0, 5000), i, k = 0;
		unsigned char *bytes = sl_xmalloc(n + 1);
		gchar *enc;
		GString *folded = g_string_new(NULL);
		unsigned char *out;
		size_t got;
		int width = round % 3 == 0 ? 76 : g_rand_int_range(r, 1, 100);
		for (i = 0; i < n; i++)
			bytes[i] = (unsigned char)g_rand_int(r);
		enc = g_base64_encode(bytes, n);
		for (i = 0; enc[i]; i++) {
			g_string_append_c(folded, enc[i]);
			if (++k == (size_t)width) {
				g_string_append(folded, round % 2 ? "\r\n" : "\n");
				k = 0;
			}
		}
		out = sl_xmalloc(folded->len / 4 * 3 + 4);
		got = sl_base64_decode(folded->str, folded->len, out);
		assert_int_equal(got, n);
		if (n)
			assert_memory_equal(out, bytes, n);
		free(out);
		g_string_free(folded, TRUE);
		g_free(enc);
		free(bytes);
	}
	g_rand_free(r);
}

static void test_base64_decode(void **state)
{
	unsigned char all[256];
	char *flat;
	GString *lines;
	size_t i;
	(void)state;

	/* RFC 4648 section 10. */
	b64_is("", "", 0);
	b64_is("Zg==", "f", 1);
	b64_is("Zm8=", "fo", 2);
	b64_is("Zm9v", "foo", 3);
	b64_is("Zm9vYg==", "foob", 4);
	b64_is("Zm9vYmE=", "fooba", 5);
	b64_is("Zm9vYmFy", "foobar", 6);
	/* Line breaks after whole groups and inside them, CRLF and LF. */
	b64_is("Zm9v\r\nYmFy\r\n", "foobar", 6);
	b64_is("Zm9vY\nmFy\n", "foobar", 6);
	b64_is("Z\r\nm\r\n9\r\nv", "foo", 3);
	/* Anything outside the alphabet is skipped (RFC 2045). */
	b64_is("Zm 9v*Ym\tFy!", "foobar", 6);
	b64_is("  Zm9vYmFy  ", "foobar", 6);
	/* The URL-safe digits are not MIME base64. */
	b64_is("-_-_Zm9v", "foo", 3);
	/* Missing padding: a trailing partial group gives its whole bytes. */
	b64_is("Zm9vYg", "foob", 4);
	b64_is("Zm9vYmE", "fooba", 5);
	b64_is("Zm9vY", "foo", 3); /* one digit holds no whole byte */
	b64_is("====", "", 0);

	/* Every byte value, in 76-column lines as mail carries it. */
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	flat = g_base64_encode(all, sizeof(all));
	lines = g_string_new(NULL);
	for (i = 0; i < strlen(flat); i += 76) {
		g_string_append_len(lines, flat + i, (gssize)MIN(76, strlen(flat) - i));
		g_string_append(lines, "\r\n");
	}
	b64_is(lines->str, all, sizeof(all));
	b64_is(flat, all, sizeof(all));
	g_string_free(lines, TRUE);
	g_free(flat);
}

/* ---- sl_strerror -------------------------------------------------------- */

static void test_strerror(void **state)
{
	static const int codes[] = { SL_OK, SL_ENOMEM, SL_EINVAL, SL_EIO, SL_ETOOBIG, SL_EPARSE,
				     SL_ECONFIG, SL_ENGINE, SL_ENOTFOUND, SL_ETEMP,
				     SL_ECONFLICT, SL_EPERM };
	const char *unknown = sl_strerror(-1000);
	size_t i, j;
	(void)state;

	assert_non_null(unknown);
	assert_string_equal(sl_strerror(1), unknown);
	assert_string_equal(sl_strerror(-100), unknown);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = sl_strerror(codes[i]);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		if (strcmp(s, unknown) == 0)
			fail_msg("code %d has no name of its own", codes[i]);
		for (j = 0; j < i; j++)
			if (strcmp(s, sl_strerror(codes[j])) == 0)
				fail_msg("codes %d and %d share the name '%s'", codes[i], codes[j], s);
	}
	assert_string_equal(sl_strerror(SL_OK), "success");
	assert_string_equal(sl_strerror(SL_ETOOBIG), "limit exceeded");
	assert_string_equal(sl_strerror(SL_ETEMP), "temporary failure");
}

/* ---- constant-time compare, random bytes --------------------------------- */

static void test_memeq_random(void **state)
{
	unsigned char a[64], b[64], z[64] = { 0 };
	size_t i;
	(void)state;

	sl_random(a, sizeof(a));
	memcpy(b, a, sizeof(a));
	assert_true(sl_memeq_consttime(a, b, sizeof(a)));
	assert_true(sl_memeq_consttime(a, b, 0));
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		assert_false(sl_memeq_consttime(a, b, sizeof(a)));
		b[i] ^= 0x80;
	}
	/* 64 random bytes all zero: about 2^-512 */
	assert_false(sl_memeq_consttime(a, z, sizeof(a)));
	sl_random(b, sizeof(b));
	assert_false(sl_memeq_consttime(a, b, sizeof(a)));
}

/* ---- x-allocators ------------------------------------------------------- */

static void test_xalloc(void **state)
{
	char *s, *p;
	unsigned char *z;
	size_t i;
	(void)state;

	s = sl_xasprintf("%s=%d;%05.1f;%c%%", "key", -7, 3.14159, 'z');
	assert_string_equal(s, "key=-7;003.1;z%");
	free(s);
	s = sl_xasprintf("%s", "");
	assert_string_equal(s, "");
	free(s);
	p = g_strnfill(10000, 'k');
	s = sl_xasprintf("<%s>", p);
	assert_int_equal(strlen(s), 10002);
	free(s);
	g_free(p);

	s = sl_xstrdup("dup me");
	assert_string_equal(s, "dup me");
	free(s);
	s = sl_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = sl_xstrndup("a\0b", 3); /* copies n bytes, then a NUL */
	assert_memory_equal(s, "a\0b", 4);
	free(s);

	/* Zero sizes still give a pointer that can be freed. */
	p = sl_xmalloc(0);
	assert_non_null(p);
	free(p);
	z = sl_xcalloc(0, 8);
	assert_non_null(z);
	free(z);
	z = sl_xcalloc(16, 4);
	for (i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	z = sl_xrealloc(z, 4096);
	assert_int_equal(z[63], 0);
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_add_and_nul),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_take),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_b64_value),
		cmocka_unit_test(test_base64_decode),
		cmocka_unit_test(test_base64_random_round_trip),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_memeq_random),
		cmocka_unit_test(test_xalloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
