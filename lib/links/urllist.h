/*
 * urllist - local URL reputation lists (blocklists, allowlists, shorteners,
 * protected names) loaded from files. Knows nothing of mail.
 *
 * File format, one entry a line, '#' starts a comment, blank lines ignored:
 *   example.test          the host and every subdomain of it
 *   =login.example.test   exactly this host, no subdomains
 *   192.0.2.7  2001:db8::1             an address
 *   198.51.100.0/24  2001:db8::/32     a CIDR range
 *   https://lnk.short.test/x7Kq2       a URL prefix (scheme://host/path...)
 * Hosts are compared after IDNA to ASCII and lower-casing.
 * Look-ups are hash look-ups per host label suffix, a radix/bit walk for CIDRs
 * and a hash on the host for URL prefixes: never a scan of the list.
 *
 * Errors: a missing or unreadable file is SL_EIO with the reason (a config
 * error for the caller); a bad line is reported through warn (file, line,
 * reason) and skipped.
 */
#ifndef SL_URLLIST_H
#define SL_URLLIST_H

#include <stddef.h>

#include "urlnorm.h"

struct sl_urllist;

typedef void (*sl_urllist_warn_fn)(void *ctx, const char *file, unsigned line, const char *reason);

struct sl_urllist *sl_urllist_new(void);
struct sl_urllist *sl_urllist_free(struct sl_urllist *l); /* returns NULL */

/* Adds every entry of path; label (e.g. the file's base name) is what matches report. */
int sl_urllist_load(struct sl_urllist *l, const char *path, sl_urllist_warn_fn warn, void *ctx,
		    char **why);
/* Adds one entry (same syntax as a line); SL_EPARSE with *why for a bad entry. */
int sl_urllist_add(struct sl_urllist *l, const char *entry, const char *label, char **why);

/* Matches a normalised URL; on a match returns 1 and sets *source to "label:entry"
 * (borrowed, valid while the list lives); 0 when nothing matches. */
int sl_urllist_match(const struct sl_urllist *l, const struct sl_url_norm *u, const char **source);
/* Matches a bare host name (ASCII, lower-case) against host entries only. */
int sl_urllist_match_host(const struct sl_urllist *l, const char *host, const char **source);

size_t sl_urllist_count(const struct sl_urllist *l);

#endif
