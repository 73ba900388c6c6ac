/*
 * util - things every module of libsluice needs and that know nothing of mail:
 * error codes, aborting allocators, a capped growable buffer, logging.
 *
 * Errors: functions return 0 or a negative SL_E* code; sl_strerror() names it.
 * Allocation failure aborts (x-prefixed helpers): it is a broken invariant for
 * a daemon sized for its limits, never a per-message condition.
 * sl_buf: a byte buffer that refuses to grow past its cap (SL_ETOOBIG) so that
 * no input can make a module allocate without bound.
 */
#ifndef SL_UTIL_H
#define SL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SL_OK = 0,
	SL_ENOMEM = -1,   /* allocation failed (only where not aborting) */
	SL_EINVAL = -2,   /* bad argument or value */
	SL_EIO = -3,      /* read/write failure, errno-style reason in the message */
	SL_ETOOBIG = -4,  /* a configured limit was reached */
	SL_EPARSE = -5,   /* input could not be parsed */
	SL_ECONFIG = -6,  /* configuration error */
	SL_ENGINE = -7,   /* an engine (ClamAV, libmagic, PCRE2) failed */
	SL_ENOTFOUND = -8,
	SL_ETEMP = -9,    /* temporary failure: try again later */
	SL_ECONFLICT = -10, /* the object is not in a state that allows it (already released, ...) */
	SL_EPERM = -11,   /* the caller may not do this */
};

const char *sl_strerror(int err);

void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t n, size_t size);
void *sl_xrealloc(void *p, size_t n);
char *sl_xstrdup(const char *s);
char *sl_xstrndup(const char *s, size_t n);
char *sl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a cap. Always NUL-terminated past len. */
struct sl_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* 0: no cap */
};

void sl_buf_init(struct sl_buf *b, size_t cap);
int sl_buf_add(struct sl_buf *b, const void *p, size_t n); /* SL_ETOOBIG past cap */
int sl_buf_addstr(struct sl_buf *b, const char *s);
int sl_buf_printf(struct sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sl_buf_take(struct sl_buf *b); /* hands the data over; b is reset */
void sl_buf_free(struct sl_buf *b);

/* 1 when s[0..n) has no byte >= 0x80. */
int sl_is_ascii(const char *s, size_t n);
/* A copy of s cut to at most max bytes on a UTF-8 boundary, "..." marking a cut. */
char *sl_clip(const char *s, size_t max);

/* Reads a whole file up to max bytes. *out is NUL-terminated; SL_ETOOBIG past max. */
int sl_read_file(const char *path, size_t max, char **out, size_t *outlen, char **why);

/* Value of a base64 digit (0..63), -1 for anything else; url selects the
 * RFC 4648 URL-safe alphabet ('-', '_' for '+', '/'). */
int sl_b64_value(unsigned char c, int url);

/* Decodes MIME base64 (RFC 2045: characters outside the alphabet, line
 * breaks and '=' padding are skipped; a trailing partial group yields the
 * whole bytes it holds) into out, which must hold len / 4 * 3 + 4 bytes.
 * Returns the number of bytes written. Table-driven, a few instructions a
 * byte: large attachments are decoded once per message. */
size_t sl_base64_decode(const char *in, size_t len, unsigned char *out);

/* 1 when a[0..n) equals b[0..n), in time that depends on n only (MACs). */
int sl_memeq_consttime(const void *a, const void *b, size_t n);

/* Fills p with n bytes from the kernel's random source (getrandom); aborts
 * when it cannot: keys and references must never be guessable. */
void sl_random(void *p, size_t n);

/* Milliseconds since the epoch (the wall clock). */
int64_t sl_now_ms(void);

/* A unix time as ISO 8601 in UTC: "2026-12-07T00:15:42Z". */
void sl_time_iso(int64_t t, char out[32]);

/* Lower-case hex of a SHA-256 over [p, p+n): 65 bytes with NUL. */
void sl_sha256_hex(const void *p, size_t n, char out[65]);

/* Logging: to stderr (tools) or syslog mail facility (daemon). */
enum sl_log_level { SL_LOG_ERR, SL_LOG_WARNING, SL_LOG_NOTICE, SL_LOG_INFO, SL_LOG_DEBUG };
void sl_log_open(const char *ident, int use_syslog, enum sl_log_level max);
void sl_log(enum sl_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
