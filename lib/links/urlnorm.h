/*
 * urlnorm - resolves a URL the way a browser would (WHATWG URL host parsing)
 * before anything judges it, and names every other host a click on it may
 * reach. Knows nothing of mail.
 *
 * Input: the URL as found (after HTML entity and transfer decoding), with or
 * without scheme ("www.example.com/x" becomes http://www.example.com/x and
 * gets SL_URL_NO_SCHEME), or a UNC path ("\\host\share", read as the file:
 * URL Windows makes of it). Output: an sl_url_norm the caller owns (clear it
 * with sl_url_norm_clear).
 *
 * What it does: lower-cases scheme and host; in special schemes (http, https,
 * ftp, ws, wss, file) treats '\' as '/'; strips and records userinfo;
 * parses the host as urlhost.c does (percent-decoding, IDNA the way browsers
 * map names - UTS #46 non-transitional through ICU -, IPv4 in decimal, hex,
 * octal or short forms, [IPv6]); drops default ports and trailing dots;
 * finds the registrable domain with libpsl. Opaque schemes (javascript:,
 * data:, mailto:, tel:, ...) are recorded with SL_URL_OPAQUE and no host.
 *
 * Other destinations: alt_host[0..nalt) names every other host the same
 * link may open, with its kind (alt_kind):
 *   SL_URL_ALT_PARSER   another parser splits the authority elsewhere
 *                       ("http://good.test\@evil.test/": evil.test; a "%2F"
 *                       in the userinfo)
 *   SL_URL_ALT_IDNA     older programs (transitional: faß.de as fass.de) or
 *                       other Unicode versions (ẞ as "ss" or as ß) map the
 *                       name to another host
 *   SL_URL_ALT_TARGET   a wrapper or handler scheme opens another URL: blob:,
 *                       search-ms: locations, ms-word:ofe|u|URL, ... (target
 *                       holds that URL normalised, or as written when it does
 *                       not parse; the link itself is opaque)
 *   SL_URL_ALT_WINDOWS  Windows reads "file:////host/share" as \\host\share
 * so that callers judge all of them. Handler schemes that start a program
 * (winlink.h) get SL_URL_HANDLER and handler; links that reach a file share
 * (file://host, UNC, smb:, WebDAV) get SL_URL_SHARE.
 *
 * A file: URL without a host (file:///x, file://localhost/x) has host "".
 * The input is length-delimited (NUL bytes are data); output strings never
 * contain NUL bytes (percent-encoded in paths, an error in hosts).
 *
 * Limits: input longer than max_len is SL_ETOOBIG. Errors: SL_EPARSE with a
 * reason in *why (caller frees; why may be NULL) for anything that is not a
 * URL. On error *out is left cleared; sl_url_lenient_hosts (urlhost.h) then
 * still names the hosts such a link may reach.
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
	SL_URL_HANDLER = 1 << 11,     /* a scheme that starts a program (winlink.h) */
	SL_URL_SHARE = 1 << 12,       /* reaches a file share: file://host, UNC, smb:, WebDAV */
	SL_URL_UNC = 1 << 13,         /* written as a UNC path (\\host\share) */
	SL_URL_WEBDAV = 1 << 14,      /* a WebDAV host form (host@SSL, host@port) */
};

#define SL_URL_ALT_MAX 6

enum sl_url_alt_kind {
	SL_URL_ALT_PARSER,
	SL_URL_ALT_IDNA,
	SL_URL_ALT_TARGET,
	SL_URL_ALT_WINDOWS,
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
	char *alt_host[SL_URL_ALT_MAX];      /* other hosts the link may open (see above) */
	unsigned char alt_kind[SL_URL_ALT_MAX]; /* enum sl_url_alt_kind of each */
	size_t nalt;
	char *target;       /* the URL a wrapper or handler scheme opens, else NULL */
	int handler;        /* enum sl_winlink_handler, 0 for none */
	unsigned flags;
};

int sl_url_normalize(const char *in, size_t len, size_t max_len, struct sl_url_norm *out,
		     char **why);
void sl_url_norm_clear(struct sl_url_norm *u);

#endif
