/*
 * safelink - see safelink.h.
 *
 * Contract details beyond the header:
 * - Only http:// and https:// URLs (scheme case-insensitive) are wrapped or
 *   accepted on verification, and never one with a control character, space
 *   or DEL (it would end up in a Location header). Anything else is
 *   SL_EINVAL, so a token can never turn into a javascript: or data: redirect.
 * - URLs longer than SL_SAFELINK_MAX_URL bytes are SL_ETOOBIG on wrapping;
 *   longer tokens are refused on verification before any decoding.
 * - base64url is the RFC 4648 section 5 alphabet without padding; decoding
 *   refuses '=', any other character, impossible lengths and non-zero unused
 *   bits, so every token has exactly one spelling.
 * - Keys: the file's bytes are the key (one trailing newline dropped), from
 *   SL_SAFELINK_MIN_KEY to SL_SAFELINK_MAX_KEY bytes. The returned key is the
 *   caller's (free it, ideally after explicit_bzero). Keys shorter than
 *   SL_SAFELINK_MIN_KEY are refused by every function here (SL_EINVAL).
 * - The MAC check compares all 16 bytes without an early exit.
 */
#include "safelink.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define SL_SAFELINK_VERSION 1
#define SL_SAFELINK_MAC_LEN 16
#define SL_SAFELINK_MIN_KEY 32
#define SL_SAFELINK_MAX_KEY 4096
#define SL_SAFELINK_MAX_URL 8192
/* base64url of version + URL, '.', base64url of the MAC. */
#define SL_SAFELINK_MAX_TOKEN ((SL_SAFELINK_MAX_URL + 1 + 2) / 3 * 4 + 1 + 22)

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes n bytes without padding; the result is NUL-terminated, caller frees. */
static char *b64url_encode(const unsigned char *p, size_t n)
{
	char *out = sl_xmalloc(n / 3 * 4 + 4 + 1);
	char *o = out;
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
		*o++ = b64url[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
	}
	*o = '\0';
	return out;
}

/* Decodes [s, s+n); *out (caller frees) gets *outlen bytes plus a NUL. */
static int b64url_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	*out = NULL;
	*outlen = 0;
	if (n % 4 == 1)
		return SL_EINVAL;
	buf = sl_xmalloc(n / 4 * 3 + 3 + 1);
	for (size_t i = 0; i < n; i++) {
		int v = sl_b64_value((unsigned char)s[i], 1);
		if (v < 0) {
			free(buf);
			return SL_EINVAL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) { /* unused low bits must be zero: one spelling per token */
		free(buf);
		return SL_EINVAL;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return SL_OK;
}

static void mac16(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t n,
		  unsigned char out[SL_SAFELINK_MAC_LEN])
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, keylen);
	guint8 full[32];
	gsize len = sizeof(full);

	g_hmac_update(h, msg, (gssize)n);
	g_hmac_get_digest(h, full, &len);
	g_hmac_unref(h);
	memcpy(out, full, SL_SAFELINK_MAC_LEN);
	explicit_bzero(full, sizeof(full));
}

/* 1 when every byte differs in nothing; runs through all n bytes. */
static int equal_ct(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* An http(s) URL with no control character, space or DEL. */
static int url_ok(const char *url, size_t n)
{
	if (!(n > 7 && g_ascii_strncasecmp(url, "http://", 7) == 0) &&
	    !(n > 8 && g_ascii_strncasecmp(url, "https://", 8) == 0))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

int sl_safelink_load_key(const char *path, unsigned char **key, size_t *keylen, char **why)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd = -1;
	int rc = SL_EIO;

	*key = NULL;
	*keylen = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = sl_xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		*why = sl_xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = sl_xasprintf("%s: the link key must be a regular file", path);
		rc = SL_ECONFIG;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		*why = sl_xasprintf("%s: mode %04o lets group or others read the link key; "
				    "it must be 0600 or 0400 (chmod 600 %s)",
				    path, (unsigned)(st.st_mode & 07777), path);
		rc = SL_ECONFIG;
		goto out;
	}
	/* Room for the largest key, a CR LF, and one byte more to see it is too big. */
	buf = sl_xmalloc(SL_SAFELINK_MAX_KEY + 3);
	while (n < SL_SAFELINK_MAX_KEY + 3) {
		ssize_t r = read(fd, buf + n, SL_SAFELINK_MAX_KEY + 3 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = sl_xasprintf("%s: read error: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	if (n > SL_SAFELINK_MAX_KEY) {
		*why = sl_xasprintf("%s: the link key is longer than %d bytes", path,
				    SL_SAFELINK_MAX_KEY);
		rc = SL_ETOOBIG;
		goto out;
	}
	if (n < SL_SAFELINK_MIN_KEY) {
		*why = sl_xasprintf("%s: the link key has %zu bytes, at least %d are needed "
				    "(e.g. head -c 48 /dev/urandom | base64 > %s)",
				    path, n, SL_SAFELINK_MIN_KEY, path);
		rc = SL_ECONFIG;
		goto out;
	}
	*key = sl_xmalloc(n);
	memcpy(*key, buf, n);
	*keylen = n;
	rc = SL_OK;
out:
	if (buf != NULL) {
		explicit_bzero(buf, SL_SAFELINK_MAX_KEY + 3);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int sl_safelink_token(const unsigned char *key, size_t keylen, const char *url, char **out)
{
	size_t n;
	unsigned char *msg = NULL;
	unsigned char mac[SL_SAFELINK_MAC_LEN];
	char *a = NULL, *b = NULL;

	*out = NULL;
	if (key == NULL || keylen < SL_SAFELINK_MIN_KEY || url == NULL)
		return SL_EINVAL;
	n = strlen(url);
	if (n > SL_SAFELINK_MAX_URL)
		return SL_ETOOBIG;
	if (!url_ok(url, n))
		return SL_EINVAL;
	msg = sl_xmalloc(n + 1);
	msg[0] = SL_SAFELINK_VERSION;
	memcpy(msg + 1, url, n);
	mac16(key, keylen, msg, n + 1, mac);
	a = b64url_encode(msg, n + 1);
	b = b64url_encode(mac, sizeof(mac));
	*out = sl_xasprintf("%s.%s", a, b);
	free(a);
	free(b);
	free(msg);
	return SL_OK;
}

int sl_safelink_wrap(const unsigned char *key, size_t keylen, const char *base, const char *url,
		     char **out)
{
	char *tok = NULL;
	size_t blen;
	int rc;

	*out = NULL;
	if (base == NULL)
		return SL_EINVAL;
	rc = sl_safelink_token(key, keylen, url, &tok);
	if (rc != SL_OK)
		return rc;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	*out = sl_xasprintf("%.*s/l/%s", (int)blen, base, tok);
	free(tok);
	return SL_OK;
}

int sl_safelink_verify(const unsigned char *key, size_t keylen, const char *token, char **url)
{
	const char *dot;
	size_t tlen;
	unsigned char *msg = NULL, *got = NULL;
	size_t msglen = 0, gotlen = 0;
	unsigned char want[SL_SAFELINK_MAC_LEN];
	int rc = SL_EINVAL;

	*url = NULL;
	if (key == NULL || keylen < SL_SAFELINK_MIN_KEY || token == NULL)
		goto out;
	tlen = strnlen(token, SL_SAFELINK_MAX_TOKEN + 1);
	if (tlen > SL_SAFELINK_MAX_TOKEN)
		goto out;
	dot = memchr(token, '.', tlen);
	if (dot == NULL)
		goto out;
	if (b64url_decode(token, (size_t)(dot - token), &msg, &msglen) != SL_OK)
		goto out;
	if (b64url_decode(dot + 1, tlen - (size_t)(dot + 1 - token), &got, &gotlen) != SL_OK)
		goto out;
	if (gotlen != SL_SAFELINK_MAC_LEN || msglen < 2)
		goto out;
	mac16(key, keylen, msg, msglen, want);
	if (!equal_ct(want, got, SL_SAFELINK_MAC_LEN))
		goto out;
	/* Authentic from here on; still only version 1 and only web URLs. */
	if (msg[0] != SL_SAFELINK_VERSION)
		goto out;
	if (memchr(msg + 1, '\0', msglen - 1) != NULL || !url_ok((char *)msg + 1, msglen - 1))
		goto out;
	*url = sl_xstrndup((char *)msg + 1, msglen - 1);
	rc = SL_OK;
out:
	free(msg);
	free(got);
	return rc;
}

/* ---- form tokens ---- */

#define FORM_DOMAIN "sluice-continue"

/* A link token's characters only, and not longer than one can be. */
static int token_ok(const char *t)
{
	size_t n = strnlen(t, SL_SAFELINK_MAX_TOKEN + 1);
	if (n == 0 || n > SL_SAFELINK_MAX_TOKEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (sl_b64_value((unsigned char)t[i], 1) < 0 && t[i] != '.')
			return 0;
	return 1;
}

static void form_mac(const unsigned char *key, size_t keylen, const char *token,
		     const unsigned char when[8], unsigned char out[SL_SAFELINK_MAC_LEN])
{
	size_t dl = sizeof(FORM_DOMAIN), tl = strlen(token);
	unsigned char *msg = sl_xmalloc(dl + 8 + tl);

	memcpy(msg, FORM_DOMAIN, dl); /* with its NUL */
	memcpy(msg + dl, when, 8);
	memcpy(msg + dl + 8, token, tl);
	mac16(key, keylen, msg, dl + 8 + tl, out);
	free(msg);
}

int sl_safelink_form_token(const unsigned char *key, size_t keylen, const char *token,
			   int64_t expires, char **out)
{
	unsigned char when[8], mac[SL_SAFELINK_MAC_LEN];
	char *a, *b;

	*out = NULL;
	if (key == NULL || keylen < SL_SAFELINK_MIN_KEY || token == NULL || !token_ok(token))
		return SL_EINVAL;
	for (int i = 0; i < 8; i++)
		when[i] = (unsigned char)((uint64_t)expires >> (56 - 8 * i));
	form_mac(key, keylen, token, when, mac);
	a = b64url_encode(when, sizeof(when));
	b = b64url_encode(mac, sizeof(mac));
	*out = sl_xasprintf("%s.%s", a, b);
	free(a);
	free(b);
	return SL_OK;
}

int sl_safelink_form_verify(const unsigned char *key, size_t keylen, const char *token,
			    const char *form, int64_t now)
{
	unsigned char want[SL_SAFELINK_MAC_LEN];
	unsigned char *when = NULL, *got = NULL;
	size_t wl = 0, gl = 0;
	const char *dot;
	uint64_t t = 0;
	int rc = SL_EINVAL;

	if (key == NULL || keylen < SL_SAFELINK_MIN_KEY || token == NULL || form == NULL ||
	    !token_ok(token) || strlen(form) > 64)
		return SL_EINVAL;
	dot = strchr(form, '.');
	if (dot == NULL || b64url_decode(form, (size_t)(dot - form), &when, &wl) != SL_OK ||
	    b64url_decode(dot + 1, strlen(dot + 1), &got, &gl) != SL_OK || wl != 8 ||
	    gl != SL_SAFELINK_MAC_LEN)
		goto out;
	form_mac(key, keylen, token, when, want);
	if (!equal_ct(want, got, SL_SAFELINK_MAC_LEN))
		goto out;
	for (int i = 0; i < 8; i++)
		t = t << 8 | when[i];
	if ((int64_t)t > now)
		rc = SL_OK;
out:
	free(when);
	free(got);
	return rc;
}

void sl_safelink_id(const char *token, char out[17])
{
	char hex[65];
	sl_sha256_hex(token, strlen(token), hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}
