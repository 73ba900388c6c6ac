/* util - see util.h. */
#include "util.h"

#include <errno.h>
#include <glib.h>

#include <clamav.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

const char *sl_strerror(int err)
{
	switch (err) {
	case SL_OK: return "success";
	case SL_ENOMEM: return "out of memory";
	case SL_EINVAL: return "invalid argument";
	case SL_EIO: return "input/output error";
	case SL_ETOOBIG: return "limit exceeded";
	case SL_EPARSE: return "parse error";
	case SL_ECONFIG: return "configuration error";
	case SL_ENGINE: return "engine error";
	case SL_ENOTFOUND: return "not found";
	case SL_ETEMP: return "temporary failure";
	case SL_ECONFLICT: return "not possible in the current state";
	case SL_EPERM: return "not permitted";
	}
	return "unknown error";
}

static void oom(size_t n)
{
	fprintf(stderr, "sluice: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

void *sl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *sl_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

char *sl_xstrdup(const char *s)
{
	return sl_xstrndup(s, strlen(s));
}

char *sl_xstrndup(const char *s, size_t n)
{
	char *p = sl_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	return s;
}

void sl_buf_init(struct sl_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

int sl_buf_add(struct sl_buf *b, const void *p, size_t n)
{
	if (b->cap && (n > b->cap || b->len > b->cap - n))
		return SL_ETOOBIG;
	if (b->len + n + 1 > b->alloc) {
		size_t want = b->alloc ? b->alloc : 256;
		while (want < b->len + n + 1)
			want *= 2;
		b->data = sl_xrealloc(b->data, want);
		b->alloc = want;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SL_OK;
}

int sl_buf_addstr(struct sl_buf *b, const char *s)
{
	return sl_buf_add(b, s, strlen(s));
}

int sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n, rc;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	rc = sl_buf_add(b, s, (size_t)n);
	free(s);
	return rc;
}

char *sl_buf_take(struct sl_buf *b)
{
	char *p = b->data ? b->data : sl_xstrdup("");
	b->data = NULL;
	b->len = b->alloc = 0;
	return p;
}

void sl_buf_free(struct sl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

int sl_is_ascii(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

char *sl_clip(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return sl_xstrdup(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return sl_xasprintf("%.*s...", (int)n, s);
}

int sl_read_file(const char *path, size_t max, char **out, size_t *outlen, char **why)
{
	FILE *f = NULL;
	struct stat st;
	char *data = NULL;
	size_t n = 0;
	int rc = SL_EIO;

	*out = NULL;
	*outlen = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		*why = sl_xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = sl_xasprintf("%s: not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		*why = sl_xasprintf("%s: %lld bytes is more than the limit of %zu",
				    path, (long long)st.st_size, max);
		rc = SL_ETOOBIG;
		goto out;
	}
	data = sl_xmalloc((size_t)st.st_size + 1);
	n = fread(data, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		*why = sl_xasprintf("%s: read error: %s", path, strerror(errno));
		goto out;
	}
	data[n] = '\0';
	*out = data;
	*outlen = n;
	data = NULL;
	rc = SL_OK;
out:
	free(data);
	if (f != NULL)
		fclose(f);
	return rc;
}

int sl_b64_value(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* Four tables, one per position in a group, each holding its sextet already
 * shifted into place; B64_BAD marks a byte outside the alphabet. */
#define B64_BAD 0x80000000u
static uint32_t b64d[4][256];

static gpointer b64_init(gpointer unused)
{
	int c;
	for (c = 0; c < 256; c++) {
		int v = sl_b64_value((unsigned char)c, 0);
		b64d[0][c] = v < 0 ? B64_BAD : (uint32_t)v << 18;
		b64d[1][c] = v < 0 ? B64_BAD : (uint32_t)v << 12;
		b64d[2][c] = v < 0 ? B64_BAD : (uint32_t)v << 6;
		b64d[3][c] = v < 0 ? B64_BAD : (uint32_t)v;
	}
	return NULL;
}

size_t sl_base64_decode(const char *in, size_t len, unsigned char *out)
{
	static GOnce once = G_ONCE_INIT;
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	unsigned char *o = out;
	uint32_t acc = 0;
	int n = 0;

	g_once(&once, b64_init, NULL);
	/* Whole groups of four while the input is clean (the usual case); out
	 * has room for the fourth byte each 32-bit store writes. */
	while (end - p >= 4) {
		uint32_t v = b64d[0][p[0]] | b64d[1][p[1]] | b64d[2][p[2]] | b64d[3][p[3]];
		uint32_t be;
		if (v & B64_BAD)
			break;
		be = __builtin_bswap32(v << 8);
		memcpy(o, &be, 4);
		o += 3;
		p += 4;
		/* A line break after a whole group: skip it and stay in the fast loop. */
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
	}
	for (; p < end; p++) {
		uint32_t v = b64d[3][*p];
		if (v & B64_BAD)
			continue;
		acc = acc << 6 | v;
		if (++n == 4) {
			o[0] = (unsigned char)(acc >> 16);
			o[1] = (unsigned char)(acc >> 8);
			o[2] = (unsigned char)acc;
			o += 3;
			n = 0;
			acc = 0;
		}
	}
	if (n == 2) {
		*o++ = (unsigned char)(acc >> 4);
	} else if (n == 3) {
		*o++ = (unsigned char)(acc >> 10);
		*o++ = (unsigned char)(acc >> 2);
	}
	return (size_t)(o - out);
}

void sl_sha256_hex(const void *p, size_t n, char out[65])
{
	/* libclamav's hash goes through OpenSSL (SHA extensions where the CPU has
	 * them): several times faster than GChecksum on large attachments. */
	unsigned char md[32];
	unsigned int mdlen = sizeof(md);
	static const char hex[] = "0123456789abcdef";
	size_t i;
	if (cl_hash_data("sha256", p, n, md, &mdlen) == NULL || mdlen != 32) {
		GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(c, p, (gssize)n);
		g_strlcpy(out, g_checksum_get_string(c), 65);
		g_checksum_free(c);
		return;
	}
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static int log_syslog;
static enum sl_log_level log_max = SL_LOG_INFO;
static const char *log_ident = "sluice";

void sl_log_open(const char *ident, int use_syslog, enum sl_log_level max)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_max = max;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void sl_log(enum sl_log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "notice", "info", "debug" };
	va_list ap;
	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(prio[lvl], fmt, ap);
	} else {
		fprintf(stderr, "%s: %s: ", log_ident, name[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

int sl_memeq_consttime(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

void sl_random(void *p, size_t n)
{
	unsigned char *o = p;
	while (n > 0) {
		ssize_t r = getrandom(o, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "sluice: getrandom: %s\n", strerror(errno));
			abort();
		}
		o += r;
		n -= (size_t)r;
	}
}

void sl_time_iso(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

int64_t sl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
