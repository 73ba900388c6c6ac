/*
 * urlnorm - resolves a URL the way a browser would (WHATWG URL host parsing)
 * before anything judges it. Knows nothing of mail.
 *
 * Input: the URL as found (after HTML entity and transfer decoding), with or
 * without scheme ("www.example.com/x" becomes http://www.example.com/x and
 * gets SL_URL_NO_SCHEME). Output: an sl_url_norm the caller owns (clear it
 * with sl_url_norm_clear).
 *
 * What it does: lower-cases scheme and host; in special schemes (http, https,
 * ftp, ws, wss, file) treats '\' as '/'; strips and records userinfo;
 * percent-decodes the host; maps IDNs to ASCII (libidn2, UTS#46 non-transitional)
 * and keeps the Unicode form; turns IPv4 written in decimal, hex, octal or
 * short forms (http://3232235777/, 0xC0.0xA8.1.1, 192.168.257) into a dotted
 * quad; parses [IPv6]; drops default ports and trailing dots; finds the
 * registrable domain with libpsl. Opaque schemes (javascript:, data:, mailto:,
 * tel:, ...) are recorded with SL_URL_OPAQUE and no host.
 * Where parsers disagree (e.g. "http://good.test\@evil.test/": WHATWG sees host
 * good.test, other parsers see evil.test behind userinfo) alt_host names the
 * other plausible destination, so that callers judge both.
 *
 * A blob: URL is opaque but its alt_host is the host of the URL it wraps;
 * file: URLs without a host (file:///x, file://localhost/x) have host "".
 * The input is length-delimited (NUL bytes are data); output strings never
 * contain NUL bytes (percent-encoded in paths, an error in hosts).
 *
 * Limits: input longer than max_len is SL_ETOOBIG. Errors: SL_EPARSE with a
 * reason in *why (caller frees; why may be NULL) for anything that is not a
 * URL. On error *out is left cleared.
 */
#ifndef SL_URLNORM_H
#define SL_URLNORM_H

#include <stddef.h>

enum {
	SL_URL_NO_SCHEME = 1 << 0,    /* scheme was missing and http was assumed */
	SL_URL_SPECIAL = 1 << 1,      /* http, https, ftp, ws, wss, file */
	SL_URL_OPAQUE = 1 << 2,       /* javascript:, data:, mailto:, tel:, ... (no host) */
	SL_URL_USERINFO = 1 << 3,     /* user[:password]@ was present */
	SL_URL_IP = 1 << 4,           /* host is an IPv4 or IPv6 literal */
	SL_URL_IP_OBFUSCATED = 1 << 5,/* IPv4 not written as a plain dotted quad */
	SL_URL_IDN = 1 << 6,          /* host had non-ASCII labels or xn-- labels */
	SL_URL_BACKSLASH = 1 << 7,    /* backslashes were read as slashes */
	SL_URL_PERCENT_HOST = 1 << 8, /* host was percent-encoded */
	SL_URL_TRAILING_DOT = 1 << 9, /* host ended in a dot */
	SL_URL_PORT = 1 << 10,        /* a non-default port was given */
};

struct sl_url_norm {
	char *url;          /* normalised URL, serialised */
	char *scheme;       /* lower-case, without ':' */
	char *userinfo;     /* as found (not decoded), or NULL */
	char *host;         /* ASCII: A-labels, dotted quad, or "[v6]"; NULL for opaque */
	char *host_unicode; /* U-label form when SL_URL_IDN, else NULL */
	char *registrable;  /* registrable domain (libpsl), NULL for IPs/opaque */
	int port;           /* -1 when default or absent */
	char *path;         /* path + query + fragment, starts with '/' for special schemes */
	char *alt_host;     /* the other plausible host where parsers disagree, else NULL */
	unsigned flags;
};

int sl_url_normalize(const char *in, size_t len, size_t max_len, struct sl_url_norm *out,
		     char **why);
void sl_url_norm_clear(struct sl_url_norm *u);

#endif
