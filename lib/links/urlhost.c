/*
 * urlhost - see urlhost.h for the contract.
 *
 * The host parser follows the WHATWG URL Standard step by step: percent-
 * decode, domain to ASCII (the ASCII fast path, else idna.c), forbidden
 * domain code points, "ends in a number" and then the IPv4 parser, or the
 * IPv6 parser and serialiser for "[...]". Only after that are trailing dots
 * removed, so "foo.09.." stays a name (it does not end in a number) as it
 * does in a browser.
 */
#include "urlhost.h"

#include "idna.h"
#include "urlnorm.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void set_why(char **why, char *s)
{
	if (why != NULL)
		*why = s;
	else
		free(s);
}

char *sl_url_pct_decode(const char *p, size_t n, size_t *outlen, int *changed)
{
	char *s = sl_xmalloc(n + 1);
	size_t j = 0;
	*changed = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && hex_val((unsigned char)p[i + 1]) >= 0 &&
		    hex_val((unsigned char)p[i + 2]) >= 0) {
			s[j++] = (char)(hex_val((unsigned char)p[i + 1]) * 16 +
					hex_val((unsigned char)p[i + 2]));
			i += 2;
			*changed = 1;
		} else {
			s[j++] = p[i];
		}
	}
	s[j] = '\0';
	*outlen = j;
	return s;
}

/* WHATWG "forbidden domain code point" (the ASCII ones; domain to ASCII left no others). */
static bool forbidden_domain_byte(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return true;
	return strchr("#%/:<>?@[\\]^|", c) != NULL;
}

/* ---- IPv4 ---- */

/* WHATWG IPv4 number parser: decimal, 0x hex, leading-0 octal; "0x" is 0.
 * Values past 2^32 saturate (they fail later anyway). */
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

/* [s, s+n) without one trailing empty label (the standard removes one). */
static size_t drop_one_empty(const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '.' && n > 1)
		return n - 1;
	return n;
}

/* WHATWG "ends in a number". */
static bool ends_in_number(const char *s, size_t n)
{
	const char *last;
	size_t ln;
	uint64_t v;
	bool digits;

	if (n > 0 && s[n - 1] == '.') {
		if (n == 1)
			return false;
		n--;
	}
	last = s + n;
	while (last > s && last[-1] != '.')
		last--;
	ln = n - (size_t)(last - s);
	digits = ln > 0;
	for (size_t i = 0; i < ln; i++)
		if (last[i] < '0' || last[i] > '9')
			digits = false;
	return digits || ipv4_number(last, ln, &v) == 0;
}

static char *dotted_quad(uint32_t ip)
{
	return sl_xasprintf("%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* WHATWG IPv4 parser. */
static int parse_ipv4(const char *s, size_t n, uint32_t *out)
{
	uint64_t parts[4], v;
	size_t np = 0, start = 0;

	n = drop_one_empty(s, n);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (np == 4 || ipv4_number(s + start, i - start, &parts[np]) < 0)
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

/* ---- IPv6 ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* WHATWG IPv6 parser on the text between the brackets. */
static int parse_ipv6(const char *s, size_t n, uint16_t a[8])
{
	size_t p = 0;
	int piece = 0, compress = -1;

	memset(a, 0, 8 * sizeof(a[0]));
#define C (p < n ? (unsigned char)s[p] : 0)
	if (C == ':') {
		if (p + 1 >= n || s[p + 1] != ':')
			return SL_EPARSE;
		p += 2;
		piece++;
		compress = piece;
	}
	while (p < n) {
		unsigned value = 0, length = 0;
		if (piece == 8)
			return SL_EPARSE;
		if (C == ':') {
			if (compress >= 0)
				return SL_EPARSE;
			p++;
			piece++;
			compress = piece;
			continue;
		}
		while (length < 4 && p < n && hex_val(C) >= 0) {
			value = value * 16 + (unsigned)hex_val(C);
			p++;
			length++;
		}
		if (p < n && C == '.') {
			int seen = 0;
			if (length == 0)
				return SL_EPARSE;
			p -= length;
			if (piece > 6)
				return SL_EPARSE;
			while (p < n) {
				int v4 = -1;
				if (seen > 0) {
					if (C == '.' && seen < 4)
						p++;
					else
						return SL_EPARSE;
				}
				if (p >= n || !is_digit(C))
					return SL_EPARSE;
				while (p < n && is_digit(C)) {
					int d = C - '0';
					if (v4 < 0)
						v4 = d;
					else if (v4 == 0)
						return SL_EPARSE;
					else
						v4 = v4 * 10 + d;
					if (v4 > 255)
						return SL_EPARSE;
					p++;
				}
				a[piece] = (uint16_t)(a[piece] * 0x100 + v4);
				seen++;
				if (seen == 2 || seen == 4)
					piece++;
			}
			if (seen != 4)
				return SL_EPARSE;
			break;
		} else if (p < n && C == ':') {
			p++;
			if (p >= n)
				return SL_EPARSE;
		} else if (p < n) {
			return SL_EPARSE;
		}
		a[piece] = (uint16_t)value;
		piece++;
	}
#undef C
	if (compress >= 0) {
		int swaps = piece - compress;
		piece = 7;
		while (piece != 0 && swaps > 0) {
			uint16_t t = a[piece];
			a[piece] = a[compress + swaps - 1];
			a[compress + swaps - 1] = t;
			piece--;
			swaps--;
		}
	} else if (piece != 8) {
		return SL_EPARSE;
	}
	return 0;
}

/* WHATWG IPv6 serialiser, in brackets: the first longest run of 2+ zero pieces is "::". */
static char *serialize_ipv6(const uint16_t a[8])
{
	char out[64], *o = out;
	int best = -1, bestlen = 1;
	bool ignore0 = false;

	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	*o++ = '[';
	for (int i = 0; i < 8; i++) {
		if (ignore0 && a[i] == 0)
			continue;
		ignore0 = false;
		if (best == i) {
			o += sprintf(o, "%s", i == 0 ? "::" : ":");
			ignore0 = true;
			continue;
		}
		o += sprintf(o, "%x", a[i]);
		if (i != 7)
			*o++ = ':';
	}
	*o++ = ']';
	*o = '\0';
	return sl_xstrdup(out);
}

/* ---- domains ---- */

void sl_url_host_clear(struct sl_url_host *h)
{
	if (h == NULL)
		return;
	free(h->host);
	free(h->unicode);
	for (size_t i = 0; i < h->nalt; i++)
		free(h->alt[i]);
	memset(h, 0, sizeof(*h));
}

/* Removes trailing dots from s in place unless nothing else is left; true if some went. */
static bool strip_trailing_dots(char *s)
{
	size_t n = strlen(s), k = n;
	while (k > 0 && s[k - 1] == '.')
		k--;
	if (k == 0 || k == n)
		return false;
	s[k] = '\0';
	return true;
}

/* The other IDNA readings of dec, with the same treatment of trailing dots. */
static void add_alternatives(struct sl_url_host *h, const char *dec, size_t n)
{
	char *alts[SL_URLHOST_ALT_MAX];
	size_t k = sl_idna_alternatives(dec, n, h->host, alts, SL_URLHOST_ALT_MAX);

	for (size_t i = 0; i < k; i++) {
		bool dup = false;
		strip_trailing_dots(alts[i]);
		dup = strcmp(alts[i], h->host) == 0;
		for (size_t j = 0; j < h->nalt && !dup; j++)
			dup = strcmp(alts[i], h->alt[j]) == 0;
		for (const char *p = alts[i]; *p != '\0' && !dup; p++)
			dup = forbidden_domain_byte((unsigned char)*p);
		if (dup)
			free(alts[i]);
		else
			h->alt[h->nalt++] = alts[i];
	}
}

int sl_url_host_parse(const char *raw, size_t n, struct sl_url_host *out, char **why)
{
	char *dec = NULL, *ascii = NULL;
	size_t declen, alen, rawlen;
	int changed, rc = SL_EPARSE;
	bool nonascii;
	uint32_t ip;

	memset(out, 0, sizeof(*out));
	if (why != NULL)
		*why = NULL;
	if (n == 0) {
		set_why(why, sl_xstrdup("empty host"));
		return SL_EPARSE;
	}
	if (raw[0] == '[') {
		uint16_t a[8];
		if (n < 2 || raw[n - 1] != ']' || parse_ipv6(raw + 1, n - 2, a) < 0) {
			set_why(why, sl_xstrdup("invalid IPv6 address"));
			return SL_EPARSE;
		}
		out->host = serialize_ipv6(a);
		out->flags |= SL_URL_IP;
		return 0;
	}
	dec = sl_url_pct_decode(raw, n, &declen, &changed);
	if (changed)
		out->flags |= SL_URL_PERCENT_HOST;
	if (memchr(dec, '\0', declen) != NULL) {
		set_why(why, sl_xstrdup("NUL byte in host"));
		goto out;
	}
	nonascii = !sl_is_ascii(dec, declen);
	if (!nonascii && !sl_idna_has_ace_label(dec, declen)) {
		ascii = sl_xstrdup(dec);
		for (char *p = ascii; *p != '\0'; p++)
			*p = lower(*p);
	} else {
		const char *reason = NULL;
		if (sl_idna_to_ascii(dec, declen, &ascii, &out->idna_errors, &reason) < 0) {
			set_why(why, sl_xstrdup(reason));
			goto out;
		}
	}
	alen = strlen(ascii);
	for (size_t i = 0; i < alen; i++) {
		if (forbidden_domain_byte((unsigned char)ascii[i])) {
			set_why(why, sl_xasprintf("forbidden code point 0x%02x in host",
						  (unsigned char)ascii[i]));
			goto out;
		}
	}
	if (alen == 0) {
		set_why(why, sl_xstrdup("empty host"));
		goto out;
	}
	if (ends_in_number(ascii, alen)) {
		if (parse_ipv4(ascii, alen, &ip) < 0) {
			set_why(why, sl_xstrdup("invalid IPv4 address"));
			goto out;
		}
		free(ascii);
		ascii = dotted_quad(ip);
		out->flags |= SL_URL_IP;
		if (n > 0 && raw[n - 1] == '.')
			out->flags |= SL_URL_TRAILING_DOT;
		rawlen = drop_one_empty(raw, n);
		if (rawlen != strlen(ascii) || memcmp(raw, ascii, rawlen) != 0)
			out->flags |= SL_URL_IP_OBFUSCATED;
		out->host = ascii;
		ascii = NULL;
		rc = 0;
		goto out;
	}
	if (strip_trailing_dots(ascii)) {
		out->flags |= SL_URL_TRAILING_DOT;
		/* "1.2.3.4.." is a name to the standard, an address once the dots are gone */
		alen = strlen(ascii);
		if (ends_in_number(ascii, alen) && parse_ipv4(ascii, alen, &ip) == 0) {
			out->flags |= SL_URL_IP | SL_URL_IP_OBFUSCATED;
			out->host = dotted_quad(ip);
			rc = 0;
			goto out;
		}
	}
	out->host = ascii;
	ascii = NULL;
	if (nonascii || sl_idna_has_ace_label(out->host, strlen(out->host))) {
		out->flags |= SL_URL_IDN;
		out->unicode = sl_idna_to_unicode(out->host);
		add_alternatives(out, dec, declen);
	}
	rc = 0;
out:
	free(ascii);
	free(dec);
	if (rc < 0) {
		unsigned e = out->idna_errors;
		sl_url_host_clear(out);
		out->idna_errors = e;
	}
	return rc;
}

/* ---- lenient hosts ---- */

char *sl_url_clean(const char *in, size_t len, size_t *outlen)
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

static bool stop_byte(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("/?#\\", c) != NULL;
}

/* One piece of an authority: port and trailing dots off, decoded, in ASCII as far as it goes. */
static size_t lenient_piece(const char *p, size_t n, char **hosts, size_t k, size_t max)
{
	const char *cut = n > 0 && p[0] == '[' ? memchr(p, ']', n) : memchr(p, ':', n);
	char *dec;
	size_t declen;
	int changed;

	if (cut != NULL) /* a port, valid or not, goes */
		n = (size_t)(cut - p) + (p[0] == '[' ? 1 : 0);
	dec = sl_url_pct_decode(p, n, &declen, &changed);
	for (int tr = 0; tr < 2 && k < max; tr++) {
		char *h = sl_idna_lenient(dec, declen, tr);
		struct sl_url_host x;
		bool dup;
		size_t hl = strlen(h);
		while (hl > 1 && h[hl - 1] == '.')
			h[--hl] = '\0';
		/* what the host parser takes, it writes as it does ("0xc0.0.2.1" is 192.0.2.1) */
		if (hl > 0 && sl_url_host_parse(h, hl, &x, NULL) == 0) {
			free(h);
			h = x.host;
			x.host = NULL;
			sl_url_host_clear(&x);
		}
		dup = h[0] == '\0';
		for (size_t i = 0; i < k && !dup; i++)
			dup = strcmp(hosts[i], h) == 0;
		if (dup)
			free(h);
		else
			hosts[k++] = h;
	}
	free(dec);
	return k;
}

size_t sl_url_lenient_hosts(const char *text, size_t len, char **hosts, size_t max)
{
	size_t n, s, e, k = 0;
	char *in = sl_url_clean(text, len, &n);

	s = n;
	for (size_t i = 0; i + 1 < n; i++) {
		if ((in[i] == '/' || in[i] == '\\') && (in[i + 1] == '/' || in[i + 1] == '\\')) {
			s = i;
			break;
		}
	}
	if (s < n) {
		while (s < n && (in[s] == '/' || in[s] == '\\'))
			s++;
	} else if (n >= 4 && lower(in[0]) == 'w' && lower(in[1]) == 'w' && lower(in[2]) == 'w' &&
		   in[3] == '.') {
		s = 0;
	}
	e = s;
	while (e < n && !stop_byte((unsigned char)in[e]))
		e++;
	while (s < e && k < max) {
		const char *at = memchr(in + s, '@', e - s);
		size_t pe = at != NULL ? (size_t)(at - in) : e;
		k = lenient_piece(in + s, pe - s, hosts, k, max);
		s = pe + 1;
	}
	free(in);
	return k;
}
