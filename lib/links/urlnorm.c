/*
 * urlnorm - see urlnorm.h for the contract.
 *
 * The parser follows the WHATWG URL Standard where a browser's reading
 * decides where a click goes (scheme, authority split, host parser, IPv4
 * parser, dot segments), and deviates where the caller is better served:
 *  - a missing scheme means http ("www.example.com/x", "host:8080/x");
 *  - trailing dots of the host are removed (flagged; urlhost.c);
 *  - non-special schemes with "//" get their host through the same domain
 *    processing as special ones (so that "intent://evil.test/" is judged);
 *  - a UNC path is read as Windows reads it (winlink.c), and handler schemes
 *    that start a program name the URL they open (target).
 * The host itself is urlhost.c's job, IDNA idna.c's, Windows' forms
 * winlink.c's. All input is taken as bytes with an explicit length: NUL
 * bytes are data. Output strings never contain NUL bytes: in paths and
 * userinfo they are percent-encoded, in hosts they are an error.
 */
#include "urlnorm.h"

#include "urlhost.h"
#include "util.h"
#include "winlink.h"

#include <libpsl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schemes whose content is never an authority, even when it starts with "//". */
static const char *const opaque_schemes[] = {
	"javascript", "data", "mailto", "tel", "about", "blob", "vbscript",
};

static const struct {
	const char *name;
	int port; /* default port, -1 for none */
} special_schemes[] = {
	{"http", 80}, {"https", 443}, {"ftp", 21}, {"ws", 80}, {"wss", 443}, {"file", -1},
};

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void lower_str(char *s)
{
	for (; *s; s++)
		*s = lower(*s);
}

static const char *memchr_any(const char *p, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(set, p[i]) != NULL && p[i] != '\0')
			return p + i;
	return NULL;
}

/* The last c in [p, p+n), or NULL (memrchr is a GNU extension). */
static const char *last_byte(const char *p, char c, size_t n)
{
	while (n > 0) {
		n--;
		if (p[n] == c)
			return p + n;
	}
	return NULL;
}

static int special_index(const char *scheme)
{
	for (size_t i = 0; i < sizeof(special_schemes) / sizeof(special_schemes[0]); i++)
		if (strcmp(scheme, special_schemes[i].name) == 0)
			return (int)i;
	return -1;
}

static bool is_opaque_scheme(const char *scheme)
{
	for (size_t i = 0; i < sizeof(opaque_schemes) / sizeof(opaque_schemes[0]); i++)
		if (strcmp(scheme, opaque_schemes[i]) == 0)
			return true;
	return false;
}

/* Percent-encode sets (WHATWG), as predicates on one byte. */
enum pct_set { SET_C0, SET_FRAGMENT, SET_QUERY, SET_SPECIAL_QUERY, SET_PATH, SET_USERINFO };

static bool in_set(unsigned char c, enum pct_set set)
{
	if (set == SET_USERINFO)
		return c <= 0x20 || c == 0x7f;
	if (c < 0x20 || c > 0x7e)
		return true;
	switch (set) {
	case SET_C0:
		return false;
	case SET_FRAGMENT:
		return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
	case SET_SPECIAL_QUERY:
		if (c == '\'')
			return true;
		/* fall through */
	case SET_QUERY:
		return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
	case SET_PATH:
		return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>' || c == '?' ||
		       c == '`' || c == '{' || c == '}';
	case SET_USERINFO:
		break;
	}
	return false;
}

/* Appends [p, p+n) to dst (room for 3n bytes) percent-encoding the set; returns the end. */
static char *pct_encode(char *dst, const char *p, size_t n, enum pct_set set)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (in_set(c, set)) {
			*dst++ = '%';
			*dst++ = hex[c >> 4];
			*dst++ = hex[c & 15];
		} else {
			*dst++ = (char)c;
		}
	}
	*dst = '\0';
	return dst;
}

static char *pct_encode_dup(const char *p, size_t n, enum pct_set set)
{
	char *s = sl_xmalloc(3 * n + 1);
	pct_encode(s, p, n, set);
	return s;
}

/* Port text to number: digits only, at most 65535; empty means none (-1). */
static int parse_port(const char *p, size_t n, int *port, char **why)
{
	long v = 0;
	*port = -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			goto bad;
		v = v * 10 + (p[i] - '0');
		if (v > 65535)
			goto bad;
	}
	if (n > 0)
		*port = (int)v;
	return 0;
bad:
	if (why)
		*why = sl_xstrdup("invalid port");
	return SL_EPARSE;
}

/* Splits host[:port] at the first ':' outside brackets; *colon is NULL without port. */
static const char *split_port(const char *p, size_t n)
{
	bool brackets = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '[')
			brackets = true;
		else if (p[i] == ']')
			brackets = false;
		else if (p[i] == ':' && !brackets)
			return p + i;
	}
	return NULL;
}

static bool is_dot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') ||
	       (n == 3 && s[0] == '%' && s[1] == '2' && lower(s[2]) == 'e');
}

static bool is_dotdot(const char *s, size_t n)
{
	if (n < 2 || n > 6)
		return false;
	if (s[0] == '.')
		return is_dot(s + 1, n - 1);
	if (n >= 4 && is_dot(s, 3))
		return is_dot(s + 3, n - 3);
	return false;
}

/*
 * Path, query and fragment as the WHATWG path state leaves them: backslashes
 * are slashes in special schemes, "." and ".." segments are resolved and
 * each component is percent-encoded with its own set.
 */
static char *build_path(const char *p, size_t n, bool special, unsigned *flags)
{
	const char *q = memchr(p, '?', n), *h = memchr(p, '#', n);
	size_t plen, nseg = 0, maxseg = 1, qlen = 0;
	struct seg {
		const char *s;
		size_t n;
	} *segs;
	char *out, *o, *pp;

	if (h != NULL && q != NULL && q > h)
		q = NULL;
	plen = q ? (size_t)(q - p) : h ? (size_t)(h - p) : n;
	if (h != NULL && q != NULL)
		qlen = (size_t)(h - q);
	else if (q != NULL)
		qlen = n - (size_t)(q - p);

	pp = sl_xstrndup(p, plen);
	for (size_t i = 0; i < plen; i++) {
		if (special && pp[i] == '\\') {
			pp[i] = '/';
			*flags |= SL_URL_BACKSLASH;
		}
		if (pp[i] == '/')
			maxseg++;
	}
	segs = sl_xcalloc(maxseg, sizeof(*segs));
	if (plen > 0 || special) {
		size_t start = (plen > 0 && pp[0] == '/') ? 1 : 0;
		for (size_t i = start; i <= plen; i++) {
			bool last = (i == plen);
			if (!last && pp[i] != '/')
				continue;
			const char *s = pp + start;
			size_t sn = i - start;
			if (is_dotdot(s, sn)) {
				if (nseg > 0)
					nseg--;
				if (last)
					segs[nseg++] = (struct seg){pp, 0};
			} else if (is_dot(s, sn)) {
				if (last)
					segs[nseg++] = (struct seg){pp, 0};
			} else {
				segs[nseg++] = (struct seg){s, sn};
			}
			start = i + 1;
		}
	}

	out = sl_xmalloc(3 * n + 2 * maxseg + 2);
	o = out;
	*o = '\0';
	for (size_t i = 0; i < nseg; i++) {
		*o++ = '/';
		o = pct_encode(o, segs[i].s, segs[i].n, SET_PATH);
	}
	if (q != NULL) {
		*o++ = '?';
		o = pct_encode(o, q + 1, qlen - 1, special ? SET_SPECIAL_QUERY : SET_QUERY);
	}
	if (h != NULL) {
		*o++ = '#';
		o = pct_encode(o, h + 1, n - (size_t)(h - p) - 1, SET_FRAGMENT);
	}
	*o = '\0';
	free(segs);
	free(pp);
	return out;
}

/* Adds host (taken) as another destination of kind, unless it is empty, the host or known. */
static void add_alt(struct sl_url_norm *u, char *host, enum sl_url_alt_kind kind)
{
	bool known = host == NULL || host[0] == '\0' || u->nalt >= SL_URL_ALT_MAX ||
		     (u->host != NULL && strcmp(u->host, host) == 0);
	for (size_t i = 0; i < u->nalt && !known; i++)
		known = strcmp(u->alt_host[i], host) == 0;
	if (known) {
		free(host);
		return;
	}
	u->alt_host[u->nalt] = host;
	u->alt_kind[u->nalt] = (unsigned char)kind;
	u->nalt++;
}

/* Parses a host into u (host, host_unicode, flags) and keeps its IDNA alternatives. */
static int set_host(struct sl_url_norm *u, const char *raw, size_t n, char **why)
{
	struct sl_url_host h;
	int rc = sl_url_host_parse(raw, n, &h, why);
	if (rc < 0)
		return rc;
	u->host = h.host;
	u->host_unicode = h.unicode;
	u->flags |= h.flags;
	for (size_t i = 0; i < h.nalt; i++)
		add_alt(u, h.alt[i], SL_URL_ALT_IDNA);
	return 0;
}

/* Adds the host of raw (and its IDNA alternatives) as destinations of kind. */
static void add_alt_host(struct sl_url_norm *u, const char *raw, size_t n,
			 enum sl_url_alt_kind kind)
{
	struct sl_url_host h;
	if (sl_url_host_parse(raw, n, &h, NULL) < 0)
		return;
	add_alt(u, h.host, kind);
	for (size_t i = 0; i < h.nalt; i++)
		add_alt(u, h.alt[i], kind);
	free(h.unicode);
}

/*
 * Where another parser reads a different host: an RFC 3986 parser does not
 * end the authority at '\' ("http://good.test\@evil.test/"), and a parser
 * that percent-decodes first ends it at an encoded delimiter in the
 * userinfo ("http://evil.test%2F@good.test/").
 */
static void alternative_host(struct sl_url_norm *u, const char *auth, size_t avail,
			     const char *userinfo, size_t ulen)
{
	const char *end = memchr_any(auth, avail, "/?#");
	size_t alen = end ? (size_t)(end - auth) : avail;
	const char *bs = memchr(auth, '\\', alen);
	const char *hp = NULL, *colon;
	char *dec = NULL;
	size_t hn = 0, declen;
	int changed;

	if (bs != NULL && memchr(bs, '@', alen - (size_t)(bs - auth)) != NULL) {
		const char *at = last_byte(auth, '@', alen);
		hp = at + 1;
		hn = alen - (size_t)(hp - auth);
	} else if (userinfo != NULL && ulen > 0) {
		const char *cut, *at;
		dec = sl_url_pct_decode(userinfo, ulen, &declen, &changed);
		cut = memchr_any(dec, declen, "/\\?#");
		if (!changed || cut == NULL)
			goto out;
		/* only when the delimiter came from a %-escape: the raw text has none */
		at = last_byte(dec, '@', (size_t)(cut - dec));
		hp = at ? at + 1 : dec;
		hn = (size_t)(cut - hp);
	} else {
		goto out;
	}
	colon = split_port(hp, hn);
	if (colon != NULL)
		hn = (size_t)(colon - hp);
	add_alt_host(u, hp, hn, SL_URL_ALT_PARSER);
out:
	free(dec);
}

void sl_url_norm_clear(struct sl_url_norm *u)
{
	if (u == NULL)
		return;
	free(u->url);
	free(u->scheme);
	free(u->userinfo);
	free(u->host);
	free(u->host_unicode);
	free(u->registrable);
	free(u->path);
	for (size_t i = 0; i < u->nalt; i++)
		free(u->alt_host[i]);
	free(u->target);
	memset(u, 0, sizeof(*u));
	u->port = -1;
}

static void set_registrable(struct sl_url_norm *u)
{
	const psl_ctx_t *psl = psl_builtin();
	const char *r;
	if (psl == NULL || u->host == NULL || u->host[0] == '\0' || (u->flags & SL_URL_IP))
		return;
	r = psl_registrable_domain(psl, u->host);
	if (r != NULL)
		u->registrable = sl_xstrdup(r);
}

static int normalize(const char *in, size_t len, size_t max_len, struct sl_url_norm *out,
		     char **why, int depth);

/*
 * The URL a wrapper (blob:) or handler scheme opens: normalised when it
 * parses, its hosts added as SL_URL_ALT_TARGET; as written when it does not.
 * A share it reaches makes the link reach it too.
 */
static void set_target(struct sl_url_norm *u, const char *t, size_t n, int depth)
{
	struct sl_url_norm inner;

	if (depth > 0 || n == 0)
		return;
	if (normalize(t, n, n, &inner, NULL, depth + 1) < 0) {
		u->target = pct_encode_dup(t, n, SET_C0);
		return;
	}
	if (!(inner.flags & SL_URL_NO_SCHEME) && !(inner.flags & SL_URL_OPAQUE)) {
		u->target = inner.url;
		inner.url = NULL;
		add_alt(u, inner.host, SL_URL_ALT_TARGET);
		inner.host = NULL;
		for (size_t i = 0; i < inner.nalt; i++) {
			add_alt(u, inner.alt_host[i], SL_URL_ALT_TARGET);
			inner.alt_host[i] = NULL;
		}
		u->flags |= inner.flags & (SL_URL_SHARE | SL_URL_WEBDAV);
	}
	sl_url_norm_clear(&inner);
}

/* "scheme:rest" with no authority: the rest is kept with controls encoded. */
static int parse_opaque(struct sl_url_norm *u, const char *rest, size_t n, int depth)
{
	enum sl_winlink_handler h = sl_winlink_handler(u->scheme);

	u->flags |= SL_URL_OPAQUE;
	u->path = pct_encode_dup(rest, n, SET_C0);
	u->url = sl_xasprintf("%s:%s", u->scheme, u->path);
	if (h != SL_WINLINK_NONE) {
		char *t = sl_winlink_target(h, rest, n);
		u->flags |= SL_URL_HANDLER;
		u->handler = (int)h;
		if (t != NULL)
			set_target(u, t, strlen(t), depth);
		free(t);
	} else if (strcmp(u->scheme, "blob") == 0) {
		/* a blob: URL runs in the origin of the URL it wraps */
		set_target(u, rest, n, depth);
	}
	return 0;
}

/* The path after a host, as a special scheme's path (always starting with '/'). */
static void set_file_path(struct sl_url_norm *u, const char *p, size_t n)
{
	u->path = build_path(p, n, true, &u->flags);
	if (u->path[0] != '/') {
		char *s = sl_xasprintf("/%s", u->path);
		free(u->path);
		u->path = s;
	}
}

/*
 * file: URLs: an optional host after "//", never userinfo or port. Where
 * that host is empty and more slashes follow ("file:////host/share"),
 * browsers open a local path but Windows opens the share on host.
 */
static int parse_file(struct sl_url_norm *u, const char *p, size_t n, char **why)
{
	size_t i = 0, hs, he;
	int rc;
	if (n >= 2 && (p[0] == '/' || p[0] == '\\') && (p[1] == '/' || p[1] == '\\')) {
		if (p[0] == '\\' || p[1] == '\\')
			u->flags |= SL_URL_BACKSLASH;
		hs = he = 2;
		while (he < n && p[he] != '/' && p[he] != '\\' && p[he] != '?' && p[he] != '#')
			he++;
		bool drive = he - hs == 2 && is_alpha((unsigned char)p[hs]) &&
			     (p[hs + 1] == ':' || p[hs + 1] == '|');
		if (he > hs && !drive) {
			rc = set_host(u, p + hs, he - hs, why);
			if (rc < 0)
				return rc;
			if (strcmp(u->host, "localhost") == 0)
				u->host[0] = '\0';
		}
		if (he == hs) {
			size_t ws = hs, we;
			while (ws < n && (p[ws] == '/' || p[ws] == '\\'))
				ws++;
			we = ws;
			while (we < n && p[we] != '/' && p[we] != '\\' && p[we] != '?' &&
			       p[we] != '#')
				we++;
			if (ws - hs >= 2 && we > ws)
				add_alt_host(u, p + ws, we - ws, SL_URL_ALT_WINDOWS);
		}
		i = drive ? hs : he;
	}
	if (u->host == NULL)
		u->host = sl_xstrdup("");
	if (u->host[0] != '\0' || u->nalt > 0)
		u->flags |= SL_URL_SHARE;
	set_file_path(u, p + i, n - i);
	return 0;
}

/* A UNC path (\\host\share\...), as the file: URL Windows reads it as. */
static int parse_unc(struct sl_url_norm *u, const char *s, size_t n, char **why)
{
	size_t hs, he, rest, namelen;
	int port, ssl, rc;

	if (sl_winlink_unc(s, n, &hs, &he, &rest) < 0) {
		if (why)
			*why = sl_xstrdup("not a UNC path");
		return SL_EPARSE;
	}
	u->scheme = sl_xstrdup("file");
	u->flags |= SL_URL_SPECIAL | SL_URL_UNC | SL_URL_BACKSLASH;
	if (he > hs) {
		size_t hn = he - hs;
		if (sl_winlink_webdav(s + hs, hn, &namelen, &port, &ssl)) {
			hn = namelen;
			u->flags |= SL_URL_WEBDAV;
			u->port = port;
			if (port >= 0)
				u->flags |= SL_URL_PORT;
		}
		rc = set_host(u, s + hs, hn, why);
		if (rc < 0)
			return rc;
		u->flags |= SL_URL_SHARE;
	} else {
		u->host = sl_xstrdup("");
	}
	set_file_path(u, s + rest, n - rest);
	return 0;
}

/* Everything after "scheme:" of a URL with an authority. */
static int parse_hierarchical(struct sl_url_norm *u, const char *p, size_t n, bool special,
			      int default_port, char **why)
{
	size_t i = 0, ae, ulen = 0;
	const char *at, *hp, *colon, *auth, *ui = NULL;
	size_t hn;
	int rc;

	while (i < n && (p[i] == '/' || (special && p[i] == '\\'))) {
		if (p[i] == '\\')
			u->flags |= SL_URL_BACKSLASH;
		i++;
	}
	auth = p + i;
	ae = i;
	while (ae < n && p[ae] != '/' && p[ae] != '?' && p[ae] != '#' &&
	       !(special && p[ae] == '\\'))
		ae++;
	if (ae < n && p[ae] == '\\')
		u->flags |= SL_URL_BACKSLASH;
	at = last_byte(auth, '@', ae - i);
	hp = auth;
	if (at != NULL) {
		ui = auth;
		ulen = (size_t)(at - auth);
		u->flags |= SL_URL_USERINFO;
		u->userinfo = pct_encode_dup(ui, ulen, SET_USERINFO);
		hp = at + 1;
	}
	hn = (size_t)(p + ae - hp);
	colon = split_port(hp, hn);
	if (colon != NULL) {
		rc = parse_port(colon + 1, (size_t)(hp + hn - colon - 1), &u->port, why);
		if (rc < 0)
			return rc;
		hn = (size_t)(colon - hp);
	}
	rc = set_host(u, hp, hn, why);
	if (rc < 0)
		return rc;
	if (u->port >= 0 && u->port == default_port)
		u->port = -1;
	if (u->port >= 0)
		u->flags |= SL_URL_PORT;
	u->path = build_path(p + ae, n - ae, special, &u->flags);
	if (special)
		alternative_host(u, auth, n - i, ui, ulen);
	if (sl_winlink_share_scheme(u->scheme) && u->host[0] != '\0')
		u->flags |= SL_URL_SHARE;
	return 0;
}

/* "host:8080" and "host:8080/x" are a host with a port, not a scheme "host". */
static bool looks_like_port(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_digit((unsigned char)p[i]))
		i++;
	return i > 0 && (i == n || p[i] == '/' || p[i] == '\\' || p[i] == '?' || p[i] == '#');
}

static int normalize(const char *in, size_t len, size_t max_len, struct sl_url_norm *out,
		     char **why, int depth)
{
	char *s = NULL;
	size_t n, i = 0, rest;
	int rc, sp;
	bool has_scheme = false;

	memset(out, 0, sizeof(*out));
	out->port = -1;
	if (why)
		*why = NULL;
	if (in == NULL && len > 0) {
		if (why)
			*why = sl_xstrdup("no input");
		return SL_EINVAL;
	}
	if (len > max_len) {
		if (why)
			*why = sl_xasprintf("URL of %zu bytes exceeds the limit of %zu", len, max_len);
		return SL_ETOOBIG;
	}
	s = sl_url_clean(in ? in : "", len, &n);
	if (n == 0) {
		if (why)
			*why = sl_xstrdup("empty URL");
		rc = SL_EPARSE;
		goto out;
	}
	if (n >= 3 && s[0] == '\\' && s[1] == '\\' && s[2] != '\\' && s[2] != '/') {
		rc = parse_unc(out, s, n, why);
		goto done;
	}

	if (is_alpha((unsigned char)s[0])) {
		i = 1;
		while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
				 s[i] == '+' || s[i] == '-' || s[i] == '.'))
			i++;
		if (i < n && s[i] == ':') {
			out->scheme = sl_xstrndup(s, i);
			lower_str(out->scheme);
			has_scheme = true;
		}
	}
	if (has_scheme && special_index(out->scheme) < 0 && !is_opaque_scheme(out->scheme) &&
	    sl_winlink_handler(out->scheme) == SL_WINLINK_NONE &&
	    (memchr(s, '.', i) != NULL || looks_like_port(s + i + 1, n - i - 1))) {
		free(out->scheme);
		out->scheme = NULL;
		has_scheme = false;
	}
	if (!has_scheme) {
		/* a relative reference is no URL: "/x", "?q", "#f" (but "//host" is) */
		bool slash0 = s[0] == '/' || s[0] == '\\';
		bool slash1 = n > 1 && (s[1] == '/' || s[1] == '\\');
		if ((slash0 && !slash1) || s[0] == '?' || s[0] == '#') {
			if (why)
				*why = sl_xstrdup("relative reference without scheme");
			rc = SL_EPARSE;
			goto out;
		}
		out->scheme = sl_xstrdup("http");
		out->flags |= SL_URL_NO_SCHEME;
		i = 0;
	} else {
		i++; /* past ':' */
	}
	rest = n - i;

	sp = special_index(out->scheme);
	if (sp >= 0) {
		out->flags |= SL_URL_SPECIAL;
		if (strcmp(out->scheme, "file") == 0)
			rc = parse_file(out, s + i, rest, why);
		else
			rc = parse_hierarchical(out, s + i, rest, true, special_schemes[sp].port,
						why);
	} else if (!is_opaque_scheme(out->scheme) &&
		   sl_winlink_handler(out->scheme) == SL_WINLINK_NONE && rest >= 2 &&
		   s[i] == '/' && s[i + 1] == '/') {
		rc = parse_hierarchical(out, s + i, rest, false, -1, why);
	} else {
		rc = parse_opaque(out, s + i, rest, depth);
		goto out;
	}
done:
	if (rc < 0)
		goto out;

	if (out->port >= 0 && strcmp(out->scheme, "file") != 0)
		out->url = sl_xasprintf("%s://%s:%d%s", out->scheme, out->host, out->port,
					out->path);
	else
		out->url = sl_xasprintf("%s://%s%s", out->scheme, out->host, out->path);
	set_registrable(out);
	rc = 0;
out:
	if (rc < 0) {
		if (why && *why == NULL)
			*why = sl_xstrdup(sl_strerror(rc));
		sl_url_norm_clear(out);
	}
	free(s);
	return rc;
}

int sl_url_normalize(const char *in, size_t len, size_t max_len, struct sl_url_norm *out,
		     char **why)
{
	return normalize(in, len, max_len, out, why, 0);
}
