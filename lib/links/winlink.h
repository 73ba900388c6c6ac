/*
 * winlink - the ways Windows opens a place that are no web URL: UNC paths,
 * WebDAV host forms, file-share schemes and the protocol handlers that start
 * a program. Knows nothing of mail; urlnorm uses it to find the host such a
 * link reaches, reputation to judge it.
 *
 *   UNC        \\host\share\..., \\?\UNC\host\share\..., \\.\UNC\host\...
 *              (\\?\C:\... and \\.\pipe\... are local: no host)
 *   WebDAV     host@SSL, host@SSL@port, host@port in a UNC host: Windows'
 *              WebDAV client fetches https://host:port/ (http without SSL)
 *   shares     smb:, cifs:, nfs:, afp:, dav:, davs:, webdav:, webdavs:
 *   handlers   search-ms: and search: (Windows Search shows a location,
 *              "crumb=location:\\host\share" or "subquery=..."), ms-msdt:
 *              (the support diagnostic tool, CVE-2022-30190), the Office
 *              handlers ms-word: ms-excel: ms-powerpoint: ms-visio: ms-access:
 *              ms-project: ms-publisher: ms-infopath: ms-spd:
 *              ("ms-word:ofe|u|https://host/doc.docx" opens that document),
 *              ms-appinstaller: ("?source=https://host/x.appinstaller")
 *
 * All functions are pure (no state, any thread). Strings returned are
 * malloc'd; the caller frees.
 */
#ifndef SL_WINLINK_H
#define SL_WINLINK_H

#include <stddef.h>

enum sl_winlink_handler {
	SL_WINLINK_NONE = 0,
	SL_WINLINK_SEARCH,
	SL_WINLINK_MSDT,
	SL_WINLINK_OFFICE,
	SL_WINLINK_APPINSTALLER,
};

/* The handler a lower-case scheme starts, or SL_WINLINK_NONE. */
enum sl_winlink_handler sl_winlink_handler(const char *scheme);
/* For people: "Windows Search", "the Microsoft support diagnostic tool", ... */
const char *sl_winlink_handler_name(enum sl_winlink_handler h);

/* The location a handler link opens, decoded the way the handler decodes it,
 * from rest (what follows "scheme:"); NULL when it names none. */
char *sl_winlink_target(enum sl_winlink_handler h, const char *rest, size_t n);

/* 1 for a lower-case scheme that reaches a file share (smb, cifs, ...). */
int sl_winlink_share_scheme(const char *scheme);

/* A WebDAV host form in [host, host+n): returns 1 and sets *namelen (the
 * host name before '@'), *port (-1 when none given) and *ssl; 0 otherwise. */
int sl_winlink_webdav(const char *host, size_t n, size_t *namelen, int *port, int *ssl);

/* A UNC path: in starts with two backslashes. Sets [*hs, *he) to the host
 * text (empty for local device paths) and *rest to where the path after it
 * starts. Returns 0, or -1 when in is no UNC path. */
int sl_winlink_unc(const char *in, size_t n, size_t *hs, size_t *he, size_t *rest);

#endif
