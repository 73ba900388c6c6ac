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
 *
 * Form tokens: the continue button of a warning page posts one, so that
 * only a page sluice served for that link, recently, can continue to it:
 * base64url(expires: 8 bytes, big-endian unix seconds) '.' base64url of the
 * first 16 bytes of HMAC-SHA256(key, "sluice-continue" NUL || expires ||
 * link token). Its message starts with 's', a link token's with version 1:
 * one can never pass for the other.
 *
 * Logs name a token by its id: the first 16 hex digits of its SHA-256,
 * never the token itself (it holds the destination).
 */
#ifndef SL_SAFELINK_H
#define SL_SAFELINK_H

#include <stddef.h>
#include <stdint.h>

int sl_safelink_load_key(const char *path, unsigned char **key, size_t *keylen, char **why);

/* *out = "{base}/l/{token}" (base without trailing '/'); caller frees. */
int sl_safelink_wrap(const unsigned char *key, size_t keylen, const char *base, const char *url,
		     char **out);
/* Token only. */
int sl_safelink_token(const unsigned char *key, size_t keylen, const char *url, char **out);
/* Checks a token; on success *url is the original URL (caller frees); SL_EINVAL otherwise. */
int sl_safelink_verify(const unsigned char *key, size_t keylen, const char *token, char **url);

/* A form token for token valid until expires; caller frees. SL_EINVAL for a
 * short key or a token that is not one (wrong characters, too long). */
int sl_safelink_form_token(const unsigned char *key, size_t keylen, const char *token,
			   int64_t expires, char **out);
/* SL_OK when form was made for token with key and has not expired at now
 * (its expiry is after now); SL_EINVAL otherwise. Constant-time MAC check. */
int sl_safelink_form_verify(const unsigned char *key, size_t keylen, const char *token,
			    const char *form, int64_t now);
/* The id of token for logs (16 hex digits and a NUL). */
void sl_safelink_id(const char *token, char out[17]);

#endif
