/*
 * urlhost - the host of a URL: the WHATWG URL Standard's host parser for
 * special schemes (domains through IDNA, IPv4 in every notation, IPv6), and
 * a lenient reading for links that parser refuses. Knows nothing of mail.
 *
 * sl_url_host_parse: raw is the host text as written between the userinfo
 * and the port (percent-encoded, any case, possibly "[v6]"). The result is
 * what a browser opens, with two deliberate differences (documented in
 * signatures/urls/README.md): trailing dots are removed (SL_URL_TRAILING_DOT;
 * a host of dots only is kept as written) and domain names carry the hosts
 * other readers make of them (alt, see sl_idna_alternatives). flags gains
 * SL_URL_IP, SL_URL_IP_OBFUSCATED, SL_URL_IDN, SL_URL_PERCENT_HOST and
 * SL_URL_TRAILING_DOT (urlnorm.h).
 *
 * sl_url_lenient_hosts: for a link nothing parses, the hosts it may name:
 * the text after the first "//" (or "\\", or the whole text for "www.")
 * up to the first / ? # \ or blank; each piece around '@' (user names and
 * WebDAV "@SSL" suffixes alike), without a port or trailing dots, percent-
 * decoded once, lower-cased, label by label in its ASCII form as far as IDNA
 * allows (non-transitional and transitional), full-width and ideographic
 * dots read as dots. It never fails; it may find nothing.
 *
 * Ownership: results are malloc'd; sl_url_host_clear frees a result and
 * leaves it cleared. Errors: SL_EPARSE with *why (malloc'd, may be NULL).
 */
#ifndef SL_URLHOST_H
#define SL_URLHOST_H

#include <stddef.h>

#define SL_URLHOST_ALT_MAX 3

struct sl_url_host {
	char *host;                    /* ASCII, lower-case; "[v6]" for IPv6 */
	char *unicode;                 /* Unicode form of an IDN, else NULL */
	char *alt[SL_URLHOST_ALT_MAX]; /* hosts other IDNA readings give */
	size_t nalt;
	unsigned flags;       /* SL_URL_* of urlnorm.h */
	unsigned idna_errors; /* SL_IDNA_* when IDNA refused the name */
};

int sl_url_host_parse(const char *raw, size_t n, struct sl_url_host *out, char **why);
void sl_url_host_clear(struct sl_url_host *h);

size_t sl_url_lenient_hosts(const char *in, size_t n, char **hosts, size_t max);

/* [in, in+len) as URL parsers read it: leading and trailing C0 controls and
 * spaces removed, tabs and newlines removed anywhere. *outlen is its length. */
char *sl_url_clean(const char *in, size_t len, size_t *outlen);

/* Percent-decodes [p, p+n) into a new buffer of *outlen bytes (NULs kept);
 * *changed tells whether anything was encoded. */
char *sl_url_pct_decode(const char *p, size_t n, size_t *outlen, int *changed);

#endif
