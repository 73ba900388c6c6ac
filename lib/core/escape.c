/* escape - see escape.h. */
#include <glib.h>

#include "escape.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- characters ----------------------------------------------------------- */

/* Characters never written as they are: controls, line and paragraph
 * separators, formatting characters (bidi controls, zero-width characters,
 * the soft hyphen, tags), anything unassigned or private, and the letters and
 * marks that render as nothing (Hangul fillers, the combining grapheme
 * joiner, variation selectors). */
static int hidden_char(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONTROL:
	case G_UNICODE_FORMAT:
	case G_UNICODE_LINE_SEPARATOR:
	case G_UNICODE_PARAGRAPH_SEPARATOR:
	case G_UNICODE_SURROGATE:
	case G_UNICODE_UNASSIGNED:
	case G_UNICODE_PRIVATE_USE:
		return 1;
	default:
		break;
	}
	return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
	       c == 0x3164 || c == 0xFFA0 || (c >= 0x180B && c <= 0x180F) ||
	       (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
}

/* The character at p (at most n bytes): its value and length; an invalid or
 * truncated sequence is one byte of value (gunichar)-1. */
static gunichar char_at(const char *p, size_t n, size_t *len)
{
	gunichar c;
	if ((unsigned char)*p < 0x80) {
		*len = 1;
		return (unsigned char)*p;
	}
	c = g_utf8_get_char_validated(p, (gssize)n);
	if (c == (gunichar)-1 || c == (gunichar)-2) {
		*len = 1;
		return (gunichar)-1;
	}
	*len = (size_t)(g_utf8_next_char(p) - p);
	return c;
}

static void add_char(struct sl_buf *b, gunichar c)
{
	char u[8];
	sl_buf_add(b, u, (size_t)g_unichar_to_utf8(c, u));
}

/* ---- defanging ------------------------------------------------------------ */

/* Length of the dot at p: '.', U+3002, U+FF0E, U+FF61 (IDNA maps all four
 * to a dot); 0 when there is none. */
static size_t dot_len(const char *p, size_t n)
{
	if (*p == '.')
		return 1;
	if (n >= 3 && (memcmp(p, "\xe3\x80\x82", 3) == 0 || memcmp(p, "\xef\xbc\x8e", 3) == 0 ||
		       memcmp(p, "\xef\xbd\xa1", 3) == 0))
		return 3;
	return 0;
}

/* A character of a host label: letters, digits, '-', '_', marks, and the
 * invisible characters browsers drop from host names. */
static int label_char(gunichar c)
{
	if (c < 0x80)
		return g_ascii_isalnum((int)c) || c == '-' || c == '_';
	if (c == (gunichar)-1)
		return 0;
	return g_unichar_isalnum(c) || g_unichar_ismark(c) || g_unichar_type(c) == G_UNICODE_FORMAT;
}

static int scheme_char(char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '-' || c == '.';
}

static int space_at(const char *p, size_t n)
{
	size_t len;
	gunichar c = char_at(p, n, &len);
	return c != (gunichar)-1 && (g_unichar_isspace(c) || c == 0);
}

/* End of the token of label characters and dots that starts at i. */
static size_t token_end(const char *s, size_t n, size_t i)
{
	while (i < n) {
		size_t len, d = dot_len(s + i, n - i);
		if (d > 0) {
			i += d;
			continue;
		}
		if (!label_char(char_at(s + i, n - i, &len)))
			break;
		i += len;
	}
	return i;
}

static int numeric_label(const char *s, size_t n)
{
	size_t i = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < n && g_ascii_isxdigit(s[i]); i++)
			;
		return i == n;
	}
	for (; i < n && g_ascii_isdigit(s[i]); i++)
		;
	return n > 0 && i == n;
}

/* A last label that a linkifier could take for a top-level domain: it starts
 * with two letters (any script), or it is an A-label. Broader than any TLD
 * list on purpose: new TLDs come every year, and a label like "test1" may be
 * read as "test" followed by something else. */
static int tld_like(const char *s, size_t n)
{
	size_t i = 0, count = 0, len;
	if (n > 4 && g_ascii_strncasecmp(s, "xn--", 4) == 0)
		return 1;
	while (i < n && count < 2) {
		gunichar c = char_at(s + i, n - i, &len);
		if (c == (gunichar)-1 || !g_unichar_isalpha(c))
			return 0;
		count++;
		i += len;
	}
	return count == 2;
}

/* Is the token [s, s+n) (labels and dots) a host name or an address? A host
 * when it has "www." or any label after the first could be a
 * top-level domain (a linkifier may stop before a label it does not like:
 * "evil.test.1"); an address when four labels or more are numbers. */
static int host_like(const char *s, size_t n)
{
	size_t i = 0, labels = 0, numeric = 0;
	int tld = 0, www = 0;
	while (i < n) {
		size_t start = i, d = 0;
		while (i < n && (d = dot_len(s + i, n - i)) == 0)
			i++;
		if (i > start) {
			if (labels > 0 && tld_like(s + start, i - start))
				tld = 1;
			/* "www." as a linkifier sees it: after any non-word character */
			if (d > 0 && i - start >= 3 && g_ascii_strncasecmp(s + i - 3, "www", 3) == 0 &&
			    (i - start == 3 || !g_ascii_isalnum(s[i - 4])))
				www = 1;
			labels++;
			numeric += numeric_label(s + start, i - start);
		}
		i += d;
	}
	return (labels >= 2 && (tld || www)) || numeric >= 4;
}

/* Writes the token with every dot that stands between two labels as "[.]". */
static void defang_host(struct sl_buf *b, const char *s, size_t n)
{
	size_t i = 0, d;
	while (i < n) {
		d = dot_len(s + i, n - i);
		if (d > 0 && i > 0 && i + d < n && dot_len(s + i + d, n - i - d) == 0) {
			sl_buf_add(b, "[.]", 3);
			i += d;
		} else {
			sl_buf_add(b, s + i, d > 0 ? d : 1);
			i += d > 0 ? d : 1;
		}
	}
}

/* Is the token [i, j) followed by a scheme's colon: its last label (the
 * whole token when it has no dot) starts with an ASCII letter and holds
 * letters, digits, '+', '-', '.' only, two characters at least (not a drive
 * letter), and after the colon comes something that is not a blank ("Re: x"
 * is no URL)? The last label, so that a token cut by "[.]" decides the same. */
static int scheme_colon(const char *s, size_t n, size_t i, size_t j)
{
	size_t k = j;
	if (j + 1 >= n || s[j] != ':' || space_at(s + j + 1, n - j - 1))
		return 0;
	while (k > i && dot_len(s + k - 1, 1) == 0 && ((unsigned char)s[k - 1] & 0xc0) != 0x80)
		k--;
	if (j - k < 2 || !g_ascii_isalpha(s[k]))
		return 0;
	for (; k < j; k++)
		if (!scheme_char(s[k]) || s[k] == '.')
			return 0;
	return 1;
}

/* Writes a token inside a URL: every dot "[.]", every "http" "hxxp", an
 * "ftp" that ends the token "fxp". */
static void defang_url_token(struct sl_buf *b, const char *s, size_t n)
{
	size_t i = 0, d;
	while (i < n) {
		if (n - i >= 4 && g_ascii_strncasecmp(s + i, "http", 4) == 0) {
			sl_buf_add(b, "hxxp", 4);
			i += 4;
		} else if (n - i == 3 && g_ascii_strncasecmp(s + i, "ftp", 3) == 0) {
			sl_buf_add(b, "fxp", 3);
			i += 3;
		} else if ((d = dot_len(s + i, n - i)) > 0) {
			sl_buf_add(b, "[.]", 3);
			i += d;
		} else {
			sl_buf_add(b, s + i, 1);
			i++;
		}
	}
}

/*
 * The defanger. Text is read as tokens (labels and dots) and the characters
 * between them. A URL starts at a scheme and its colon, or at a bare "://";
 * it runs to the next blank (whole: to the end). Inside a URL every token is
 * written as defang_url_token() says; outside, host-like tokens have their
 * inner dots defanged. Everywhere, a scheme's colon and the colon of "://"
 * or ":\\" become "[:]", and the "\\" of a UNC path "[\]\". What is written
 * holds nothing that this function would change again.
 */
static void defang(struct sl_buf *b, const char *s, size_t n, int whole)
{
	size_t i = 0;
	int in_url = whole;

	while (i < n) {
		size_t len, j, d;
		gunichar c = char_at(s + i, n - i, &len);

		if (label_char(c)) {
			/* Tokens are taken whole, so a label character here starts one. */
			j = token_end(s, n, i);
			if (scheme_colon(s, n, i, j))
				in_url = 1;
			if (in_url)
				defang_url_token(b, s + i, j - i);
			else if (host_like(s + i, j - i))
				defang_host(b, s + i, j - i);
			else
				sl_buf_add(b, s + i, j - i);
			if (scheme_colon(s, n, i, j)) {
				sl_buf_add(b, "[:]", 3);
				j++;
			}
			i = j;
		} else if (c == ':' && n - i >= 3 && (memcmp(s + i, "://", 3) == 0 || memcmp(s + i, ":\\\\", 3) == 0)) {
			sl_buf_add(b, "[:]", 3);
			in_url = 1;
			i++;
		} else if (c == '\\' && n - i >= 3 && s[i + 1] == '\\' && label_char(char_at(s + i + 2, n - i - 2, &d))) {
			sl_buf_addstr(b, "[\\]\\"); /* a UNC path: \\host\share */
			i += 2;
		} else if (in_url && (d = dot_len(s + i, n - i)) > 0) {
			sl_buf_add(b, "[.]", 3);
			i += d;
		} else {
			if (!whole && space_at(s + i, n - i))
				in_url = 0;
			sl_buf_add(b, s + i, len);
			i += len;
		}
	}
}

char *sl_url_defang(const char *url)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	defang(&b, url, strlen(url), 1);
	return sl_buf_take(&b);
}

char *sl_defang_text(const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	defang(&b, s, strlen(s), 0);
	return sl_buf_take(&b);
}

/* ---- escaping ------------------------------------------------------------- */

char *sl_escape_text(const char *s, size_t max)
{
	return sl_escape_text_len(s, strlen(s), max, 0);
}

/* Cuts s to at most max bytes on a character boundary, "..." marking a cut. */
static void clip(char *s, size_t max)
{
	size_t cut;
	if (max == 0 || strlen(s) <= max)
		return;
	cut = max >= 3 ? max - 3 : 0;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	s[cut] = '\0';
	if (max >= 3)
		memcpy(s + cut, "...", 4); /* strlen(s) > max: room for it */
}

char *sl_escape_text_len(const char *s, size_t len, size_t max, unsigned flags)
{
	const char *p = s, *end = s + len;
	int ascii = (flags & SL_ESCAPE_ASCII) != 0, prev_dash = 0, prev_eq = 0;
	struct sl_buf b;
	char *d;

	while (p < end && g_ascii_isspace(*p))
		p++;
	while (end > p && g_ascii_isspace(end[-1]))
		end--;
	sl_buf_init(&b, 0);
	while (p < end) {
		size_t n = 1;
		gunichar c = 0;
		int dash = 0, eq = 0;

		if (*p != '\0')
			c = char_at(p, (size_t)(end - p), &n);
		if (c == (gunichar)-1)
			c = 0xFFFD;
		if (c == '<') {
			sl_buf_addstr(&b, ascii ? "[<]" : "\xe2\x80\xb9");
		} else if (c == '>') {
			sl_buf_addstr(&b, ascii ? "[>]" : "\xe2\x80\xba");
		} else if (c == '-' && prev_dash) {
			sl_buf_addstr(&b, ascii ? "[-]" : "\xe2\x80\x90");
		} else if (c == '?' && prev_eq) {
			sl_buf_addstr(&b, "[?]");
		} else if (hidden_char(c) || (ascii && c > 0x7e)) {
			sl_buf_printf(&b, "[U+%04X]", (unsigned)c);
		} else {
			add_char(&b, c);
			dash = c == '-';
			eq = c == '=';
		}
		prev_dash = dash;
		prev_eq = eq;
		p += n;
	}
	d = sl_defang_text(b.data ? b.data : "");
	sl_buf_free(&b);
	clip(d, max);
	return d;
}

void sl_html_escape(struct sl_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sl_buf_addstr(b, "&amp;"); break;
		case '<': sl_buf_addstr(b, "&lt;"); break;
		case '>': sl_buf_addstr(b, "&gt;"); break;
		case '"': sl_buf_addstr(b, "&quot;"); break;
		case '\'': sl_buf_addstr(b, "&#39;"); break;
		default: sl_buf_add(b, s, 1);
		}
	}
}
