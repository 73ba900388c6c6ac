/*
 * test_safelink - unit tests for lib/links/safelink.c: round trips, every kind of
 * tampering, key files and their modes, and URLs that must never come back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safelink.h"
#include "util.h"

static const unsigned char key1[] = "0123456789abcdef0123456789ABCDEF-key-one";
static const unsigned char key2[] = "0123456789abcdef0123456789ABCDEF-key-two";
#define K1 key1, sizeof(key1) - 1
#define K2 key2, sizeof(key2) - 1

/* base64url without padding, via GLib's base64 (independent of safelink.c). */
static char *to_b64url(const void *p, size_t n)
{
	char *s = g_base64_encode(p, n);
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '=')
			continue;
		*w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
	}
	*w = '\0';
	return s;
}

static guchar *from_b64url(const char *s, size_t n, gsize *outlen)
{
	GString *t = g_string_new_len(s, (gssize)n);
	guchar *out;
	for (size_t i = 0; i < t->len; i++)
		t->str[i] = t->str[i] == '-' ? '+' : t->str[i] == '_' ? '/' : t->str[i];
	while (t->len % 4)
		g_string_append_c(t, '=');
	out = g_base64_decode(t->str, outlen);
	g_string_free(t, TRUE);
	return out;
}

/* A token built by hand (base64 via GLib, then made url-safe), so that the
 * verifier can be shown things the wrapper refuses to make. */
static char *forge(const unsigned char *key, size_t keylen, unsigned version, const char *url)
{
	size_t n = strlen(url);
	guchar *msg = g_malloc(n + 1);
	guint8 mac[32];
	gsize maclen = sizeof(mac);
	GHmac *h;
	gchar *a, *b, *tok;

	msg[0] = (guchar)version;
	memcpy(msg + 1, url, n);
	h = g_hmac_new(G_CHECKSUM_SHA256, key, keylen);
	g_hmac_update(h, msg, (gssize)(n + 1));
	g_hmac_get_digest(h, mac, &maclen);
	g_hmac_unref(h);
	a = to_b64url(msg, n + 1);
	b = to_b64url(mac, 16);
	tok = g_strdup_printf("%s.%s", a, b);
	g_free(a);
	g_free(b);
	g_free(msg);
	return tok;
}

static int verify(const unsigned char *key, size_t keylen, const char *tok)
{
	char *url = (char *)0x1;
	int rc = sl_safelink_verify(key, keylen, tok, &url);
	if (rc == SL_OK) {
		assert_non_null(url);
		free(url);
	} else {
		assert_null(url);
	}
	return rc;
}

static void test_round_trip(void **state)
{
	static const char *urls[] = {
		"https://example.test/",
		"http://a.test",
		"https://example.test/path?q=1&r=%20x#frag",
		"HTTPS://EXAMPLE.TEST/upper",
		"https://xn--bcher-kva.example/\xc3\xbc", /* bytes >= 0x80 are kept */
		"https://e.test/ab",                      /* lengths 0, 1, 2 mod 3 */
		"https://e.test/abc",
		"https://e.test/abcd",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(urls); i++) {
		char *tok = NULL, *url = NULL;
		assert_int_equal(sl_safelink_token(K1, urls[i], &tok), SL_OK);
		assert_null(strchr(tok, '='));
		assert_null(strchr(tok, '+'));
		assert_null(strchr(tok, '/'));
		assert_int_equal(sl_safelink_verify(K1, tok, &url), SL_OK);
		assert_string_equal(url, urls[i]);
		free(url);
		/* The hand-made encoding agrees with ours. */
		{
			char *f = forge(K1, 1, urls[i]);
			assert_string_equal(f, tok);
			g_free(f);
		}
		free(tok);
	}
}

static void test_wrap(void **state)
{
	char *out = NULL, *tok = NULL;

	assert_int_equal(sl_safelink_wrap(K1, "https://links.example.test", "https://a.test/x", &out),
			 SL_OK);
	assert_int_equal(sl_safelink_token(K1, "https://a.test/x", &tok), SL_OK);
	{
		char *want = g_strdup_printf("https://links.example.test/l/%s", tok);
		assert_string_equal(out, want);
		g_free(want);
	}
	free(out);
	/* A trailing '/' on the base does not double. */
	assert_int_equal(sl_safelink_wrap(K1, "https://links.example.test/", "https://a.test/x", &out),
			 SL_OK);
	assert_non_null(strstr(out, ".test/l/"));
	free(out);
	free(tok);
}

static void test_tampered_url(void **state)
{
	char *tok = NULL;
	unsigned char *raw;
	gsize rawlen;
	char *b64, *bad;
	const char *dot;

	assert_int_equal(sl_safelink_token(K1, "https://good.example.test/pay", &tok), SL_OK);
	/* Flip one byte of the URL, re-encode, keep the MAC. */
	dot = strchr(tok, '.');
	raw = from_b64url(tok, (size_t)(dot - tok), &rawlen);
	assert_int_equal(raw[0], 1);
	raw[10] ^= 0x01;
	b64 = to_b64url(raw, rawlen);
	bad = g_strdup_printf("%s%s", b64, dot);
	assert_int_equal(verify(K1, bad), SL_EINVAL);
	g_free(bad);
	g_free(b64);
	g_free(raw);

	/* Changing one character of the encoded URL part fails as well. */
	bad = g_strdup(tok);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(K1, bad), SL_EINVAL);
	g_free(bad);
	free(tok);
}

static void test_tampered_mac(void **state)
{
	char *tok = NULL;
	size_t n;

	assert_int_equal(sl_safelink_token(K1, "https://good.example.test/", &tok), SL_OK);
	n = strlen(tok);
	for (size_t i = strchr(tok, '.') - tok + 1; i < n; i++) {
		char *bad = g_strdup(tok);
		bad[i] = bad[i] == 'Q' ? 'R' : 'Q';
		assert_int_equal(verify(K1, bad), SL_EINVAL);
		g_free(bad);
	}
	/* Last MAC character with only its unused low bits changed: not canonical. */
	{
		char *bad = g_strdup(tok);
		char *last = bad + n - 1;
		const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		int v = (int)(strchr(alpha, *last) - alpha);
		*last = alpha[v ^ 1];
		assert_int_equal(verify(K1, bad), SL_EINVAL);
		g_free(bad);
	}
	free(tok);
}

static void test_truncated(void **state)
{
	char *tok = NULL;
	size_t n;

	assert_int_equal(sl_safelink_token(K1, "https://good.example.test/abc", &tok), SL_OK);
	n = strlen(tok);
	for (size_t cut = 0; cut < n; cut++) {
		char *bad = g_strndup(tok, cut);
		assert_int_equal(verify(K1, bad), SL_EINVAL);
		g_free(bad);
	}
	/* Extra characters after the MAC. */
	{
		char *bad = g_strdup_printf("%sAA", tok);
		assert_int_equal(verify(K1, bad), SL_EINVAL);
		g_free(bad);
		bad = g_strdup_printf("%s.", tok);
		assert_int_equal(verify(K1, bad), SL_EINVAL);
		g_free(bad);
	}
	free(tok);
}

static void test_wrong_key(void **state)
{
	char *tok = NULL;

	assert_int_equal(sl_safelink_token(K1, "https://good.example.test/", &tok), SL_OK);
	assert_int_equal(verify(K2, tok), SL_EINVAL);
	/* A key that is a prefix of the real one. */
	assert_int_equal(verify(key1, sizeof(key1) - 2, tok), SL_EINVAL);
	/* Short keys are refused outright. */
	assert_int_equal(verify(key1, 31, tok), SL_EINVAL);
	{
		char *t = NULL;
		assert_int_equal(sl_safelink_token(key1, 31, "https://a.test/", &t), SL_EINVAL);
		assert_null(t);
	}
	free(tok);
}

static void test_bad_base64(void **state)
{
	char *tok = NULL;
	static const char *bad[] = {
		"",
		".",
		"AWh0dHBzOi8vYS50ZXN0Lw",           /* no MAC part */
		"AWh0dHBz+i8vYS50ZXN0Lw.AAAAAAAAAAAAAAAAAAAAAA",
		"AWh0dHBzOi8vYS50ZXN0Lw==.AAAAAAAAAAAAAAAAAAAAAA",
		"AWh0dHBzOi8vYS50ZXN0Lw.AAAAAAAAAAAAAAAAAAAAAA==",
		"AWh0dHBz Oi8vYS50ZXN0Lw.AAAAAAAAAAAAAAAAAAAAAA",
		"AWh0dHBzOi8vYS50ZXN0L.AAAAAAAAAAAAAAAAAAAAAA", /* length 1 mod 4 */
		"AWh0dHBzOi8vYS50ZXN0Lw.AAAAAAAAAAAAAAAAAAAAA",
		"A.B.C",
		"\xc3\xa9.AAAAAAAAAAAAAAAAAAAAAA",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_int_equal(verify(K1, bad[i]), SL_EINVAL);

	/* A real token with one character replaced by one outside the alphabet. */
	assert_int_equal(sl_safelink_token(K1, "https://a.test/", &tok), SL_OK);
	{
		char *t = g_strdup(tok);
		t[3] = '/';
		assert_int_equal(verify(K1, t), SL_EINVAL);
		t[3] = '+';
		assert_int_equal(verify(K1, t), SL_EINVAL);
		g_free(t);
	}
	free(tok);
	assert_int_equal(verify(K1, NULL), SL_EINVAL);

	/* Spellings a lenient decoder would accept with the MAC still valid:
	 * padding, and unused low bits set in the last character. */
	assert_int_equal(sl_safelink_token(K1, "https://a.test/", &tok), SL_OK);
	{
		const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *dot = strchr(tok, '.');
		size_t ulen = (size_t)(dot - tok);
		char *t;
		assert_int_equal(ulen % 4, 2); /* 16 bytes: 4 unused bits at the end */
		assert_int_equal(verify(K1, tok), SL_OK);
		t = g_strdup_printf("%.*s==%s", (int)ulen, tok, dot);
		assert_int_equal(verify(K1, t), SL_EINVAL);
		g_free(t);
		t = g_strdup_printf("%s==", tok);
		assert_int_equal(verify(K1, t), SL_EINVAL);
		g_free(t);
		t = g_strdup(tok);
		t[ulen - 1] = alpha[(strchr(alpha, t[ulen - 1]) - alpha) ^ 1];
		assert_int_equal(verify(K1, t), SL_EINVAL);
		g_free(t);
	}
	free(tok);
}

static void test_bad_urls(void **state)
{
	static const char *never[] = {
		"javascript:alert(1)",
		"JavaScript://%0aalert(1)",
		"data:text/html,<script>alert(1)</script>",
		"file:///etc/passwd",
		"ftp://a.test/",
		"//evil.test/",
		"http://",
		"https://a.test/\r\nSet-Cookie: x=1",
		"https://a.test/ space",
		"https://a.test/\x7f",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(never); i++) {
		char *tok = NULL, *f;
		/* The wrapper refuses to make them ... */
		assert_int_equal(sl_safelink_token(K1, never[i], &tok), SL_EINVAL);
		assert_null(tok);
		/* ... and the verifier refuses them even with a valid MAC. */
		f = forge(K1, 1, never[i]);
		assert_int_equal(verify(K1, f), SL_EINVAL);
		g_free(f);
	}
	/* A URL with a NUL byte inside it, validly signed. */
	{
		static const unsigned char msg[] = "\x01https://a.test/\0.evil.test";
		guint8 mac[32];
		gsize maclen = sizeof(mac);
		GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key1, sizeof(key1) - 1);
		gchar *a, *b, *t;
		g_hmac_update(h, msg, sizeof(msg) - 1);
		g_hmac_get_digest(h, mac, &maclen);
		g_hmac_unref(h);
		a = to_b64url(msg, sizeof(msg) - 1);
		b = to_b64url(mac, 16);
		t = g_strdup_printf("%s.%s", a, b);
		assert_int_equal(verify(K1, t), SL_EINVAL);
		g_free(t);
		g_free(a);
		g_free(b);
	}
	/* Too long to wrap. */
	{
		GString *s = g_string_new("https://a.test/");
		char *tok = NULL;
		while (s->len <= 8192)
			g_string_append(s, "aaaaaaaaaaaaaaaa");
		assert_int_equal(sl_safelink_token(K1, s->str, &tok), SL_ETOOBIG);
		g_string_free(s, TRUE);
	}
}

static void test_version(void **state)
{
	char *f = forge(K1, 2, "https://a.test/");
	assert_int_equal(verify(K1, f), SL_EINVAL);
	g_free(f);
	f = forge(K1, 0, "https://a.test/");
	assert_int_equal(verify(K1, f), SL_EINVAL);
	g_free(f);
	f = forge(K1, 1, "https://a.test/");
	assert_int_equal(verify(K1, f), SL_OK);
	g_free(f);
}

/* ---- key files ---- */

static char *key_file(const char *text, size_t len, mode_t mode)
{
	char *path = NULL;
	int fd = g_file_open_tmp("test_safelink_key_XXXXXX", &path, NULL);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_key_modes(void **state)
{
	const char *k = "this is a 32+ byte key for the safelink tests\n";
	char *path;
	unsigned char *key = NULL;
	size_t keylen = 0;
	char *why = NULL;

	path = key_file(k, strlen(k), 0644);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_ECONFIG);
	assert_null(key);
	assert_non_null(why);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "0644"));
	free(why);
	why = NULL;

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "0640"));
	free(why);
	why = NULL;

	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_OK);
	assert_null(why);
	assert_int_equal(keylen, strlen(k) - 1); /* the newline is not part of the key */
	assert_memory_equal(key, k, keylen);
	free(key);
	key = NULL;

	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_OK);
	/* A key from the file wraps and verifies. */
	{
		char *tok = NULL, *url = NULL;
		assert_int_equal(sl_safelink_token(key, keylen, "https://a.test/", &tok), SL_OK);
		assert_int_equal(sl_safelink_verify(key, keylen, tok, &url), SL_OK);
		assert_string_equal(url, "https://a.test/");
		free(url);
		free(tok);
	}
	free(key);
	key = NULL;
	unlink(path);
	g_free(path);
}

static void test_key_sizes(void **state)
{
	char *path;
	unsigned char *key = NULL;
	size_t keylen = 0;
	char *why = NULL;
	char big[4100];

	/* 31 bytes plus a newline: too short. */
	path = key_file("0123456789012345678901234567890\n", 32, 0600);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_ECONFIG);
	assert_null(key);
	assert_non_null(strstr(why, "31 bytes"));
	free(why);
	why = NULL;
	unlink(path);
	g_free(path);

	/* Exactly 32 bytes, no newline: accepted. */
	path = key_file("01234567890123456789012345678901", 32, 0600);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_OK);
	assert_int_equal(keylen, 32);
	free(key);
	key = NULL;
	unlink(path);
	g_free(path);

	/* Empty file. */
	path = key_file("", 0, 0600);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_ECONFIG);
	free(why);
	why = NULL;
	unlink(path);
	g_free(path);

	/* 4096 bytes and a newline: the largest key. 4097 bytes: refused. */
	memset(big, 'k', sizeof(big));
	big[4096] = '\n';
	path = key_file(big, 4097, 0600);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_OK);
	assert_int_equal(keylen, 4096);
	free(key);
	key = NULL;
	unlink(path);
	g_free(path);
	path = key_file(big, 4100, 0600);
	assert_int_equal(sl_safelink_load_key(path, &key, &keylen, &why), SL_ETOOBIG);
	assert_null(key);
	free(why);
	why = NULL;
	unlink(path);
	g_free(path);

	/* Missing file. */
	assert_int_equal(sl_safelink_load_key("/nonexistent/sluice.key", &key, &keylen, &why),
			 SL_EIO);
	assert_string_equal(why, "/nonexistent/sluice.key: No such file or directory");
	free(why);
}

/* Form tokens: bound to their link token and key, valid until their expiry,
 * one spelling, never usable as a link token (nor the other way round). */
static void test_form_tokens(void **state)
{
	char *t1 = NULL, *t2 = NULL, *f = NULL, *g = NULL, *url = NULL;
	char id[17], id2[17];

	assert_int_equal(sl_safelink_token(K1, "https://one.example/", &t1), SL_OK);
	assert_int_equal(sl_safelink_token(K1, "https://two.example/", &t2), SL_OK);
	assert_int_equal(sl_safelink_form_token(K1, t1, 1000, &f), SL_OK);
	assert_int_equal(sl_safelink_form_verify(K1, t1, f, 999), SL_OK);
	/* expired at its second, and after */
	assert_int_equal(sl_safelink_form_verify(K1, t1, f, 1000), SL_EINVAL);
	assert_int_equal(sl_safelink_form_verify(K1, t1, f, 5000), SL_EINVAL);
	/* another link, another key */
	assert_int_equal(sl_safelink_form_verify(K1, t2, f, 999), SL_EINVAL);
	assert_int_equal(sl_safelink_form_verify(K2, t1, f, 999), SL_EINVAL);
	/* a later expiry written into it: the MAC no longer holds */
	assert_int_equal(sl_safelink_form_token(K1, t1, 900000, &g), SL_OK);
	{
		char *forged = sl_xasprintf("%.*s%s", (int)(strchr(g, '.') - g), g, strchr(f, '.'));
		assert_int_equal(sl_safelink_form_verify(K1, t1, forged, 999), SL_EINVAL);
		free(forged);
		free(g);
	}
	/* the link token is no form token and the form token no link token */
	assert_int_equal(sl_safelink_form_verify(K1, t1, t1, 999), SL_EINVAL);
	assert_int_equal(sl_safelink_verify(K1, f, &url), SL_EINVAL);
	assert_null(url);
	/* garbage */
	assert_int_equal(sl_safelink_form_verify(K1, t1, "", 999), SL_EINVAL);
	assert_int_equal(sl_safelink_form_verify(K1, t1, ".", 999), SL_EINVAL);
	assert_int_equal(sl_safelink_form_verify(K1, t1, "AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", 999),
			 SL_EINVAL);
	assert_int_equal(sl_safelink_form_token(K1, "not a token", 1000, &g), SL_EINVAL);
	assert_int_equal(sl_safelink_form_verify(K1, "x/y", f, 999), SL_EINVAL);
	assert_int_equal(sl_safelink_form_token(key1, 8, t1, 1000, &g), SL_EINVAL); /* short key */
	assert_null(g);
	/* ids: 16 hex digits, the same for the same token, not the token */
	sl_safelink_id(t1, id);
	sl_safelink_id(t2, id2);
	assert_int_equal(strlen(id), 16);
	assert_string_not_equal(id, id2);
	assert_null(strstr(t1, id));
	free(t1);
	free(t2);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_tampered_url),
		cmocka_unit_test(test_tampered_mac),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_bad_base64),
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_key_modes),
		cmocka_unit_test(test_key_sizes),
		cmocka_unit_test(test_form_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
