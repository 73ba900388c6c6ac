/*
 * winlink - see winlink.h for the contract.
 */
#include "winlink.h"

#include "urlhost.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const office_schemes[] = {
    "ms-word",    "ms-excel",     "ms-powerpoint", "ms-visio", "ms-access",
    "ms-project", "ms-publisher", "ms-infopath",   "ms-spd",
};

static const char *const share_schemes[] = {
    "smb", "cifs", "nfs", "afp", "dav", "davs", "webdav", "webdavs",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

enum sl_winlink_handler sl_winlink_handler(const char *scheme)
{
	if (strcmp(scheme, "search-ms") == 0 || strcmp(scheme, "search") == 0)
		return SL_WINLINK_SEARCH;
	if (strcmp(scheme, "ms-msdt") == 0)
		return SL_WINLINK_MSDT;
	if (strcmp(scheme, "ms-appinstaller") == 0)
		return SL_WINLINK_APPINSTALLER;
	for (size_t i = 0; i < N_OF(office_schemes); i++)
		if (strcmp(scheme, office_schemes[i]) == 0)
			return SL_WINLINK_OFFICE;
	return SL_WINLINK_NONE;
}

const char *sl_winlink_handler_name(enum sl_winlink_handler h)
{
	switch (h) {
	case SL_WINLINK_SEARCH:
		return "Windows Search";
	case SL_WINLINK_MSDT:
		return "the Microsoft support diagnostic tool (ms-msdt)";
	case SL_WINLINK_OFFICE:
		return "an Office application";
	case SL_WINLINK_APPINSTALLER:
		return "the Windows app installer";
	case SL_WINLINK_NONE:
		break;
	}
	return "a program";
}

int sl_winlink_share_scheme(const char *scheme)
{
	for (size_t i = 0; i < N_OF(share_schemes); i++)
		if (strcmp(scheme, share_schemes[i]) == 0)
			return 1;
	return 0;
}

/* The value after the first key (case-insensitive) in s, up to the next '&'. */
static char *param(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k <= n; i++) {
		if (strncasecmp(s + i, key, k) != 0)
			continue;
		if (i > 0 && strchr("&?=:,;", s[i - 1]) == NULL)
			continue;
		const char *v = s + i + k;
		const char *e = memchr(v, '&', n - i - k);
		size_t vn = e != NULL ? (size_t)(e - v) : n - i - k;
		if (vn > 0)
			return sl_xstrndup(v, vn);
	}
	return NULL;
}

/* Percent-decodes s while it still holds an escape, at most twice more. */
static char *decode_more(char *s)
{
	for (int i = 0; i < 2 && s != NULL && strchr(s, '%') != NULL; i++) {
		size_t len;
		int changed;
		char *d = sl_url_pct_decode(s, strlen(s), &len, &changed);
		if (!changed || memchr(d, '\0', len) != NULL) {
			free(d);
			break;
		}
		free(s);
		s = d;
	}
	return s;
}

char *sl_winlink_target(enum sl_winlink_handler h, const char *rest, size_t n)
{
	char *dec = NULL, *v = NULL;
	size_t len;
	int changed;

	switch (h) {
	case SL_WINLINK_SEARCH:
		/* the whole query is percent-encoded once, its values often twice */
		dec = sl_url_pct_decode(rest, n, &len, &changed);
		v = param(dec, len, "location:");
		if (v == NULL)
			v = param(dec, len, "subquery=");
		free(dec);
		return decode_more(v);
	case SL_WINLINK_APPINSTALLER:
		return decode_more(param(rest, n, "source="));
	case SL_WINLINK_OFFICE: {
		/* "ofe|u|URL", "nft|u|URL|s|URL", or the short form "URL" */
		const char *u = NULL;
		for (size_t i = 0; i + 3 <= n && u == NULL; i++)
			if (rest[i] == '|' && (rest[i + 1] == 'u' || rest[i + 1] == 'U') &&
			    rest[i + 2] == '|')
				u = rest + i + 3;
		if (u == NULL)
			return memchr(rest, '|', n) == NULL && memchr(rest, ':', n) != NULL
				   ? sl_xstrndup(rest, n)
				   : NULL;
		const char *e = memchr(u, '|', n - (size_t)(u - rest));
		return sl_xstrndup(u, e != NULL ? (size_t)(e - u) : n - (size_t)(u - rest));
	}
	case SL_WINLINK_MSDT:
	case SL_WINLINK_NONE:
		break;
	}
	return NULL;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int port_of(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v <= 65535 ? v : -1;
}

int sl_winlink_webdav(const char *host, size_t n, size_t *namelen, int *port, int *ssl)
{
	const char *at = memchr(host, '@', n), *s;
	size_t sn;

	if (at == NULL || at == host)
		return 0;
	s = at + 1;
	sn = n - (size_t)(s - host);
	*namelen = (size_t)(at - host);
	*port = -1;
	*ssl = 0;
	if (sn >= 3 && strncasecmp(s, "ssl", 3) == 0) {
		*ssl = 1;
		s += 3;
		sn -= 3;
		if (sn == 0)
			return 1;
		if (s[0] != '@')
			return 0;
		s++;
		sn--;
	}
	if (!all_digits(s, sn))
		return 0;
	*port = port_of(s, sn);
	return *port >= 0;
}

int sl_winlink_unc(const char *in, size_t n, size_t *hs, size_t *he, size_t *rest)
{
	size_t i = 2;

	if (n < 3 || in[0] != '\\' || in[1] != '\\' || in[2] == '\\' || in[2] == '/')
		return -1;
	/* Win32 namespaces: \\?\ and \\.\ are local unless followed by UNC\ */
	if (n >= 4 && (in[2] == '?' || in[2] == '.') && (in[3] == '\\' || in[3] == '/')) {
		if (n >= 8 && strncasecmp(in + 4, "unc", 3) == 0 &&
		    (in[7] == '\\' || in[7] == '/')) {
			i = 8;
		} else {
			*hs = *he = 4;
			*rest = 4;
			return 0;
		}
	}
	*hs = i;
	while (i < n && in[i] != '\\' && in[i] != '/' && in[i] != '?' && in[i] != '#')
		i++;
	*he = i;
	*rest = i;
	return 0;
}
