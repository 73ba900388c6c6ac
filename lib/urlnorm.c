/*
 * urlnorm - see urlnorm.h for the contract.
 *
 * The parser follows the WHATWG URL Standard where a browser's reading
 * decides where a click goes (scheme, authority split, host parser, IPv4
 * parser, dot segments), and deviates where the caller is better served:
 *  - a missing scheme means http ("www.example.com/x", "host:8080/x");
 *  - trailing dots of the host are removed (flagged);
 *  - non-special schemes with "//" get their host through the same domain
 *    processing as special ones (so that "intent://evil.test/" is judged);
 *  - IPv6 addresses are re-serialised by inet_ntop (RFC 5952 text).
 * All input is taken as bytes with an explicit length: NUL bytes are data.
 * Output strings never contain NUL bytes: in paths and userinfo they are
 * percent-encoded, in hosts they are an error.
 */
#include "urlnorm.h"

#include "util.h"

#include <arpa/inet.h>
#include <idn2.h>
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

static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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

/* Percent-decodes [p, p+n) into a new buffer; *outlen is its length (may hold NULs). */
static char *pct_decode(const char *p, size_t n, size_t *outlen, bool *changed)
{
	char *s = sl_xmalloc(n + 1);
	size_t j = 0;
	*changed = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && hex_val((unsigned char)p[i + 1]) >= 0 &&
		    hex_val((unsigned char)p[i + 2]) >= 0) {
			s[j++] = (char)(hex_val((unsigned char)p[i + 1]) * 16 +
					hex_val((unsigned char)p[i + 2]));
			i += 2;
			*changed = true;
		} else {
			s[j++] = p[i];
		}
	}
	s[j] = '\0';
	*outlen = j;
	return s;
}

/* WHATWG "forbidden domain code point" (ASCII part; non-ASCII never reaches here). */
static bool forbidden_domain_byte(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return true;
	return strchr("#%/:<>?@[\\]^|", c) != NULL;
}

static bool has_xn_label(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		if ((i == 0 || s[i - 1] == '.') && lower(s[i]) == 'x' && lower(s[i + 1]) == 'n' &&
		    s[i + 2] == '-' && s[i + 3] == '-')
			return true;
	}
	return false;
}

/* Parses one IPv4 part (decimal, 0x hex, leading-0 octal). Values past 2^32 saturate. */
static int ipv4_number(const char *p, size_t n, uint64_t *out)
{
	unsigned radix = 10;
	uint64_t v = 0;
	if (n == 0)
		return SL_EPARSE;
	if (n >= 2 && p[0] == '0' && lower(p[1]) == 'x') {
		radix = 16;
		p += 2;
		n -= 2;
	} else if (n >= 2 && p[0] == '0') {
		radix = 8;
		p++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		int d = hex_val((unsigned char)p[i]);
		if (d < 0 || (unsigned)d >= radix)
			return SL_EPARSE;
		v = v * radix + (unsigned)d;
		if (v > 0xffffffffULL)
			v = 0x100000000ULL;
	}
	*out = v;
	return 0;
}

/* WHATWG "ends in a number": the last label is digits or 0x-hex. */
static bool ends_in_number(const char *s, size_t n)
{
	const char *dot = last_byte(s, '.', n);
	const char *last = dot ? dot + 1 : s;
	size_t ln = n - (size_t)(last - s);
	uint64_t v;
	bool digits = ln > 0;
	for (size_t i = 0; i < ln; i++)
		if (!is_digit((unsigned char)last[i]))
			digits = false;
	if (digits)
		return true;
	if (ln >= 2 && last[0] == '0' && lower(last[1]) == 'x')
		return ipv4_number(last, ln, &v) == 0;
	return false;
}

/* WHATWG IPv4 parser on a host without trailing dots: 1 to 4 parts. */
static int parse_ipv4(const char *s, size_t n, uint32_t *out)
{
	uint64_t parts[4];
	size_t np = 0, start = 0;
	uint64_t v;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (np == 4)
			return SL_EPARSE;
		if (ipv4_number(s + start, i - start, &parts[np]) < 0)
			return SL_EPARSE;
		np++;
		start = i + 1;
	}
	for (size_t i = 0; i + 1 < np; i++)
		if (parts[i] > 255)
			return SL_EPARSE;
	if (parts[np - 1] >= (1ULL << (8 * (5 - np))))
		return SL_EPARSE;
	v = parts[np - 1];
	for (size_t i = 0; i + 1 < np; i++)
		v += parts[i] << (8 * (3 - i));
	*out = (uint32_t)v;
	return 0;
}

static int parse_ipv6(const char *raw, size_t n, char **host, char **why)
{
	char tmp[64], text[INET6_ADDRSTRLEN];
	struct in6_addr a;
	/* raw is "[...]" */
	if (n < 3 || raw[n - 1] != ']' || n - 2 >= sizeof(tmp) || memchr(raw, '\0', n) != NULL)
		goto bad;
	memcpy(tmp, raw + 1, n - 2);
	tmp[n - 2] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		goto bad;
	if (inet_ntop(AF_INET6, &a, text, sizeof(text)) == NULL)
		goto bad;
	*host = sl_xasprintf("[%s]", text);
	return 0;
bad:
	if (why)
		*why = sl_xstrdup("invalid IPv6 address");
	return SL_EPARSE;
}

/* Domain to ASCII (UTS#46): lower-casing alone for plain ASCII, else libidn2. */
static int domain_to_ascii(const char *dec, char **ascii, char **why)
{
	uint8_t *res = NULL;
	int rc;
	rc = idn2_lookup_u8((const uint8_t *)dec, &res, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		idn2_free(res);
		res = NULL;
		rc = idn2_lookup_u8((const uint8_t *)dec, &res, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
	}
	if (rc != IDN2_OK) {
		idn2_free(res);
		if (why)
			*why = sl_xasprintf("IDNA: %s", idn2_strerror(rc));
		return SL_EPARSE;
	}
	*ascii = sl_xstrdup((const char *)res);
	idn2_free(res);
	lower_str(*ascii);
	return 0;
}

/*
 * The WHATWG host parser for one host (without port). On success *host is the
 * ASCII host, *unicode the U-label form (IDN only, else NULL); *flags gains
 * SL_URL_IP, SL_URL_IP_OBFUSCATED, SL_URL_IDN, SL_URL_PERCENT_HOST and
 * SL_URL_TRAILING_DOT as they apply.
 */
static int parse_host(const char *raw, size_t n, char **host, char **unicode, unsigned *flags,
		      char **why)
{
	char *dec = NULL, *ascii = NULL, *u8 = NULL;
	size_t declen, alen, rawlen;
	bool changed, nonascii = false;
	uint32_t ip;
	int rc;

	*host = NULL;
	*unicode = NULL;
	if (n == 0) {
		if (why)
			*why = sl_xstrdup("empty host");
		return SL_EPARSE;
	}
	if (raw[0] == '[') {
		rc = parse_ipv6(raw, n, host, why);
		if (rc == 0)
			*flags |= SL_URL_IP;
		return rc;
	}
	dec = pct_decode(raw, n, &declen, &changed);
	if (changed)
		*flags |= SL_URL_PERCENT_HOST;
	for (size_t i = 0; i < declen; i++) {
		if (dec[i] == '\0') {
			if (why)
				*why = sl_xstrdup("NUL byte in host");
			rc = SL_EPARSE;
			goto out;
		}
		if ((unsigned char)dec[i] >= 0x80)
			nonascii = true;
	}
	if (!nonascii && !has_xn_label(dec, declen)) {
		ascii = sl_xstrdup(dec);
		lower_str(ascii);
	} else {
		rc = domain_to_ascii(dec, &ascii, why);
		if (rc < 0)
			goto out;
	}
	alen = strlen(ascii);
	for (size_t i = 0; i < alen; i++) {
		if (forbidden_domain_byte((unsigned char)ascii[i])) {
			if (why)
				*why = sl_xasprintf("forbidden code point 0x%02x in host",
						    (unsigned char)ascii[i]);
			rc = SL_EPARSE;
			goto out;
		}
	}
	if (alen > 0 && ascii[alen - 1] == '.') {
		*flags |= SL_URL_TRAILING_DOT;
		while (alen > 0 && ascii[alen - 1] == '.')
			ascii[--alen] = '\0';
	}
	if (alen == 0) {
		if (why)
			*why = sl_xstrdup("empty host");
		rc = SL_EPARSE;
		goto out;
	}
	if (ends_in_number(ascii, alen)) {
		if (parse_ipv4(ascii, alen, &ip) < 0) {
			if (why)
				*why = sl_xstrdup("invalid IPv4 address");
			rc = SL_EPARSE;
			goto out;
		}
		free(ascii);
		ascii = sl_xasprintf("%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
				     ip & 255);
		*flags |= SL_URL_IP;
		rawlen = n;
		while (rawlen > 0 && raw[rawlen - 1] == '.')
			rawlen--;
		if (rawlen != strlen(ascii) || memcmp(raw, ascii, rawlen) != 0)
			*flags |= SL_URL_IP_OBFUSCATED;
		*host = ascii;
		ascii = NULL;
		rc = 0;
		goto out;
	}
	if (nonascii || has_xn_label(ascii, alen)) {
		*flags |= SL_URL_IDN;
		if (idn2_to_unicode_8z8z(ascii, &u8, 0) == IDN2_OK && u8 != NULL)
			*unicode = sl_xstrdup(u8);
		idn2_free(u8);
	}
	*host = ascii;
	ascii = NULL;
	rc = 0;
out:
	free(ascii);
	free(dec);
	return rc;
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

/*
 * Where another parser reads a different host: an RFC 3986 parser does not
 * end the authority at '\' ("http://good.test\@evil.test/"), and a parser
 * that percent-decodes first ends it at an encoded delimiter in the
 * userinfo ("http://evil.test%2F@good.test/"). Returns the other host or NULL.
 */
static char *alternative_host(const char *auth, size_t avail, const char *userinfo, size_t ulen,
			      const char *host)
{
	const char *end = memchr_any(auth, avail, "/?#");
	size_t alen = end ? (size_t)(end - auth) : avail;
	const char *bs = memchr(auth, '\\', alen);
	const char *hp = NULL, *colon;
	char *dec = NULL, *alt = NULL, *uni = NULL;
	size_t hn = 0, declen;
	unsigned scratch = 0;
	bool changed;

	if (bs != NULL && memchr(bs, '@', alen - (size_t)(bs - auth)) != NULL) {
		const char *at = last_byte(auth, '@', alen);
		hp = at + 1;
		hn = alen - (size_t)(hp - auth);
	} else if (userinfo != NULL && ulen > 0) {
		const char *cut, *at;
		dec = pct_decode(userinfo, ulen, &declen, &changed);
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
	if (parse_host(hp, hn, &alt, &uni, &scratch, NULL) < 0)
		goto out;
	if (host != NULL && strcmp(alt, host) == 0) {
		free(alt);
		alt = NULL;
	}
out:
	free(uni);
	free(dec);
	return alt;
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
	free(u->alt_host);
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

/* "scheme:rest" with no authority: the rest is kept with controls encoded. */
static int normalize(const char *in, size_t len, size_t max_len, struct sl_url_norm *out,
		     char **why, int depth);

static int parse_opaque(struct sl_url_norm *u, const char *rest, size_t n, int depth)
{
	struct sl_url_norm inner;
	u->flags |= SL_URL_OPAQUE;
	u->path = pct_encode_dup(rest, n, SET_C0);
	u->url = sl_xasprintf("%s:%s", u->scheme, u->path);
	/* a blob: URL runs in the origin of the URL it wraps */
	if (depth == 0 && strcmp(u->scheme, "blob") == 0 &&
	    normalize(rest, n, n, &inner, NULL, depth + 1) == 0) {
		if (inner.host != NULL && inner.host[0] != '\0' && !(inner.flags & SL_URL_NO_SCHEME)) {
			u->alt_host = inner.host;
			inner.host = NULL;
		}
		sl_url_norm_clear(&inner);
	}
	return 0;
}

/* file: URLs: an optional host after "//", never userinfo or port. */
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
			rc = parse_host(p + hs, he - hs, &u->host, &u->host_unicode, &u->flags, why);
			if (rc < 0)
				return rc;
			if (strcmp(u->host, "localhost") == 0)
				u->host[0] = '\0';
		}
		i = drive ? hs : he;
	}
	if (u->host == NULL)
		u->host = sl_xstrdup("");
	u->path = build_path(p + i, n - i, true, &u->flags);
	if (u->path[0] != '/') {
		char *s = sl_xasprintf("/%s", u->path);
		free(u->path);
		u->path = s;
	}
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
	rc = parse_host(hp, hn, &u->host, &u->host_unicode, &u->flags, why);
	if (rc < 0)
		return rc;
	if (u->port >= 0 && u->port == default_port)
		u->port = -1;
	if (u->port >= 0)
		u->flags |= SL_URL_PORT;
	u->path = build_path(p + ae, n - ae, special, &u->flags);
	if (special)
		u->alt_host = alternative_host(auth, n - i, ui, ulen, u->host);
	return 0;
}

/* Leading/trailing C0 controls and spaces go, tabs and newlines anywhere. */
static char *clean_input(const char *in, size_t len, size_t *outlen)
{
	size_t b = 0, e = len, j = 0;
	char *s;
	while (b < e && (unsigned char)in[b] <= 0x20)
		b++;
	while (e > b && (unsigned char)in[e - 1] <= 0x20)
		e--;
	s = sl_xmalloc(e - b + 1);
	for (size_t i = b; i < e; i++)
		if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
			s[j++] = in[i];
	s[j] = '\0';
	*outlen = j;
	return s;
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
	s = clean_input(in ? in : "", len, &n);
	if (n == 0) {
		if (why)
			*why = sl_xstrdup("empty URL");
		rc = SL_EPARSE;
		goto out;
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
	} else if (!is_opaque_scheme(out->scheme) && rest >= 2 && s[i] == '/' && s[i + 1] == '/') {
		rc = parse_hierarchical(out, s + i, rest, false, -1, why);
	} else {
		rc = parse_opaque(out, s + i, rest, depth);
		goto out;
	}
	if (rc < 0)
		goto out;

	if (out->port >= 0)
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
