/*
 * safelink - tokens for wrapped links: {base}/l/{token}, where the token
 * carries the original URL and an HMAC-SHA256 over it with a secret key, so
 * that the redirector (a later front end) sends people only to URLs sluice
 * itself wrapped: no open redirect.
 *
 * Token: base64url (no padding) of  version(1 byte = 1) || url bytes,
 * then '.', then base64url of the first 16 bytes of
 * HMAC-SHA256(key, version || url). Verification is constant-time.
 *
 * Keys come only from a file readable by its owner alone (mode 0600 or 0400);
 * a key file that group or others can read is refused. At least 32 bytes.
 */
#ifndef SL_SAFELINK_H
#define SL_SAFELINK_H

#include <stddef.h>

int sl_safelink_load_key(const char *path, unsigned char **key, size_t *keylen, char **why);

/* *out = "{base}/l/{token}" (base without trailing '/'); caller frees. */
int sl_safelink_wrap(const unsigned char *key, size_t keylen, const char *base, const char *url,
		     char **out);
/* Token only. */
int sl_safelink_token(const unsigned char *key, size_t keylen, const char *url, char **out);
/* Checks a token; on success *url is the original URL (caller frees); SL_EINVAL otherwise. */
int sl_safelink_verify(const unsigned char *key, size_t keylen, const char *token, char **url);

#endif
