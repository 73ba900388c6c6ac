/*
 * urlref - URL references as HTML writes them: resolving a relative reference
 * against a document's base URL, and reading the URL lists of srcset, ping
 * and archive. Knows nothing of mail; no normalisation (urlnorm.h does that).
 *
 * sl_url_resolve(): what a browser (WHATWG URL) makes of ref in a document
 * whose base is base, for the part that decides where it goes: ASCII tab and
 * line ends are removed and leading/trailing C0 controls and blanks trimmed;
 * a reference with a scheme is returned as written (trimmed); "//host/x" takes
 * the base's scheme; "/x" the base's scheme and authority; "?q" and "#f" the
 * base up to its query or fragment, "" the base without its fragment;
 * anything else replaces the base's last path segment. In the special
 * schemes (http, https, ftp, ws, wss, file) a backslash counts as a slash,
 * as browsers count it. Returns NULL when base
 * is not an absolute hierarchical URL ("scheme://..."). Caller frees.
 *
 * sl_urlref_is_absolute(): ref (trimmed) starts with a scheme and ':'.
 *
 * sl_url_list_next(): the next URL of a srcset-like list in s[*pos, n) (HTML
 * "parse a srcset attribute": candidates separated by commas, a URL ends at
 * a blank; trailing commas of a URL are not part of it; the descriptors that
 * follow a URL are skipped up to the next comma outside parentheses). With
 * commas = 0 the list is separated by blanks only (ping, archive). Returns 1
 * with [*b, *e) the URL, 0 at the end. Linear over the whole list.
 */
#ifndef SL_URLREF_H
#define SL_URLREF_H

#include <stddef.h>

char *sl_url_resolve(const char *base, const char *ref);
int sl_urlref_is_absolute(const char *ref);
int sl_url_list_next(const char *s, size_t n, size_t *pos, int commas, size_t *b, size_t *e);

#endif
