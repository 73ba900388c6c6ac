/*
 * mimeparam - see mimeparam.h.
 *
 * A parameter is found by its name wherever it stands in the value (a reader
 * that splits on ';' and one that searches for "filename=" both find it), its
 * value taken quoted or up to the next ';'. Each value then gives its
 * variants; every variant is made valid UTF-8, cut to SL_MIMEPARAM_MAX_VALUE
 * bytes and kept once. Work is linear in the value times the readings kept.
 */
#include <glib.h>

#include "mimeparam.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_SEGS 16

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_token_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*';
}

/* Valid UTF-8: as it is, else read as Latin-1; cut to the value limit. */
static char *to_utf8(const char *s, size_t n)
{
	char *r;
	if (n > SL_MIMEPARAM_MAX_VALUE)
		n = SL_MIMEPARAM_MAX_VALUE;
	if (g_utf8_validate(s, (gssize)n, NULL))
		return sl_xstrndup(s, n);
	{
		gchar *c = g_convert(s, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
		r = sl_xstrdup(c != NULL ? c : "");
		g_free(c);
	}
	return r;
}

struct readings {
	char **v;
	size_t n, max;
};

/* Keeps s[0..n) trimmed, when it is new and not empty. */
static void keep(struct readings *r, const char *s, size_t n)
{
	char *u;
	size_t i;
	while (n > 0 && (is_blank(*s) || *s == '\r' || *s == '\n')) {
		s++;
		n--;
	}
	while (n > 0 && (is_blank(s[n - 1]) || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 0 || r->n >= r->max)
		return;
	u = to_utf8(s, n);
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i], u) == 0) {
			free(u);
			return;
		}
	}
	if (*u == '\0') {
		free(u);
		return;
	}
	r->v[r->n++] = u;
}

static void keep_str(struct readings *r, const char *s)
{
	keep(r, s, strlen(s));
}

/* The byte two hex digits at p stand for, or -1. */
static int hex_pair(const char *p)
{
	int hi = g_ascii_xdigit_value(p[0]), lo = hi >= 0 ? g_ascii_xdigit_value(p[1]) : -1;
	return lo >= 0 ? hi << 4 | lo : -1;
}

/* %XX decoded; a '%' without two hex digits stays. */
static char *pct_decode(const char *s, size_t n)
{
	char *o = sl_xmalloc(n + 1);
	size_t i, k = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_pair(s + i + 1) >= 0) {
			o[k++] = (char)hex_pair(s + i + 1);
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	return o;
}

/* s without its comments "( ... )" (nested, backslash escapes). */
static char *drop_comments(const char *s)
{
	size_t n = strlen(s), i, k = 0;
	int depth = 0;
	char *o = sl_xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && depth > 0 && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '(') {
			depth++;
			continue;
		}
		if (s[i] == ')' && depth > 0) {
			depth--;
			continue;
		}
		if (depth == 0)
			o[k++] = s[i];
	}
	o[k] = '\0';
	return o;
}

char *sl_mimeparam_decode_words(const char *s)
{
	struct sl_buf b;
	const char *p = s;
	sl_buf_init(&b, 0);
	while (*p) {
		const char *w = strstr(p, "=?");
		const char *q1, *q2, *end;
		char *cs = NULL, *bytes = NULL;
		size_t blen = 0;
		if (w == NULL) {
			sl_buf_addstr(&b, p);
			break;
		}
		q1 = strchr(w + 2, '?');
		q2 = q1 ? strchr(q1 + 1, '?') : NULL;
		end = q2 ? strstr(q2 + 1, "?=") : NULL;
		if (q1 == NULL || q2 == NULL || end == NULL || q2 != q1 + 2) {
			sl_buf_add(&b, p, (size_t)(w - p) + 2);
			p = w + 2;
			continue;
		}
		/* Blanks between two encoded words are dropped (RFC 2047 6.2). */
		{
			const char *t = p;
			int only_blank = b.len > 0;
			for (t = p; t < w; t++)
				if (!is_blank(*t) && *t != '\r' && *t != '\n')
					only_blank = 0;
			if (!only_blank)
				sl_buf_add(&b, p, (size_t)(w - p));
		}
		cs = sl_xstrndup(w + 2, (size_t)(q1 - w - 2));
		{
			char *lang = strchr(cs, '*'); /* RFC 2231 language suffix */
			if (lang != NULL)
				*lang = '\0';
		}
		if (q1[1] == 'b' || q1[1] == 'B') {
			size_t n = (size_t)(end - q2 - 1);
			bytes = sl_xmalloc(n / 4 * 3 + 4);
			blen = sl_base64_decode(q2 + 1, n, (unsigned char *)bytes);
		} else if (q1[1] == 'q' || q1[1] == 'Q') {
			const char *t;
			bytes = sl_xmalloc((size_t)(end - q2) + 1);
			for (t = q2 + 1; t < end; t++) {
				if (*t == '_')
					bytes[blen++] = ' ';
				else if (*t == '=' && end - t > 2 && hex_pair(t + 1) >= 0) {
					bytes[blen++] = (char)hex_pair(t + 1);
					t += 2;
				} else {
					bytes[blen++] = *t;
				}
			}
		}
		if (bytes != NULL) {
			gchar *u = g_convert(bytes, (gssize)blen, "UTF-8", cs, NULL, NULL, NULL);
			if (u != NULL) {
				sl_buf_addstr(&b, u);
				g_free(u);
			} else {
				sl_buf_add(&b, bytes, blen); /* made UTF-8 by the caller */
			}
		} else {
			sl_buf_add(&b, w, (size_t)(end + 2 - w));
		}
		free(cs);
		free(bytes);
		p = end + 2;
	}
	{
		char *raw = sl_buf_take(&b);
		char *r = to_utf8(raw, strlen(raw));
		free(raw);
		return r;
	}
}

/* One occurrence of the parameter: its section (-1 none), extended ("*"). */
struct seg {
	int section;
	int ext;
	char *value; /* unquoted (backslash escapes resolved) */
	char *raw;   /* as it stands, up to ';' (quotes kept) */
};

/* Parses the value at s (after '=' and blanks); returns where it ends. */
static const char *take_value(const char *s, struct seg *g)
{
	const char *p = s;
	if (*p == '"') {
		struct sl_buf b;
		sl_buf_init(&b, 0);
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			sl_buf_add(&b, p, 1);
		}
		g->value = sl_buf_take(&b);
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ';')
			p++;
		g->value = sl_xstrndup(s, (size_t)(p - s));
	}
	{
		const char *e = p;
		while (*e && *e != ';')
			e++;
		g->raw = sl_xstrndup(s, (size_t)(e - s));
	}
	return p;
}

/* Finds every "param[*N][*] = value" in v. */
static size_t find_segs(const char *v, const char *param, struct seg *segs, size_t max)
{
	size_t plen = strlen(param), n = 0;
	const char *p = v;
	while (n < max && *p) {
		const char *q;
		struct seg g = {-1, 0, NULL, NULL};
		/* case-insensitive search for param */
		while (*p && (g_ascii_strncasecmp(p, param, plen) != 0 ||
			      (p > v && is_token_char((unsigned char)p[-1]))))
			p++;
		if (*p == '\0')
			break;
		q = p + plen;
		/* Bytes no parameter name may hold right after it ("filename\xae*7*"):
		 * a reader that matches the name as a prefix takes them as part of
		 * the name, so this is a reading of param too. */
		while (*q && ((unsigned char)*q >= 0x80 ||
			      ((unsigned char)*q < 0x20 && *q != '\r' && *q != '\n' && *q != '\t')))
			q++;
		/* ... and punctuation ("filename/" then "*1=.js": ripmime joins it as section 1). */
		{
			const char *j = q;
			while (j - q < 4 && *j > 0x20 && *j < 0x7f && !g_ascii_isalnum(*j) && *j != '*' &&
			       *j != '=' && *j != ';' && *j != '"' && *j != '\'')
				j++;
			if (*j == '*' || *j == '=')
				q = j;
		}
		if (*q == '*') {
			q++;
			if (g_ascii_isdigit(*q)) {
				int sec = 0;
				while (g_ascii_isdigit(*q)) {
					if (sec < 1000)
						sec = sec * 10 + (*q - '0');
					q++;
				}
				g.section = sec;
				if (*q == '*') {
					g.ext = 1;
					q++;
				}
			} else {
				g.ext = 1;
			}
		}
		while (is_blank(*q) || *q == '\r' || *q == '\n')
			q++;
		if (*q != '=') {
			p++;
			continue;
		}
		q++;
		while (is_blank(*q) || *q == '\r' || *q == '\n')
			q++;
		p = take_value(q, &g);
		segs[n++] = g;
	}
	return n;
}

/* RFC 2231 value: charset'language'%XX text; a broken prefix is read both ways. */
static void ext_variants(struct readings *r, const char *v)
{
	const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
	char *d;
	if (q2 != NULL) {
		d = pct_decode(q2 + 1, strlen(q2 + 1));
		keep_str(r, d);
		free(d);
	}
	if (q1 != NULL) {
		d = pct_decode(q1 + 1, strlen(q1 + 1));
		keep_str(r, d);
		free(d);
	}
	d = pct_decode(v, strlen(v));
	keep_str(r, d);
	free(d);
}

static void variants(struct readings *r, const char *v, int ext)
{
	size_t first = r->n, i, n;
	char *c;
	keep_str(r, v);
	n = strcspn(v, " \t\r\n");
	keep(r, v, n);
	n = strcspn(v, "\r\n");
	keep(r, v, n);
	c = drop_comments(v);
	keep_str(r, c);
	free(c);
	n = strcspn(v, "(");
	keep(r, v, n);
	if (ext)
		ext_variants(r, v);
	for (i = first; i < r->n; i++) {
		if (strstr(r->v[i], "=?") != NULL) {
			c = sl_mimeparam_decode_words(r->v[i]);
			keep_str(r, c);
			free(c);
		}
	}
}

static int cmp_section(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->section - y->section;
}

size_t sl_mimeparam_readings(const char *value, const char *param, char **out, size_t max)
{
	struct readings r = {out, 0, max};
	struct seg segs[MAX_SEGS];
	size_t nseg, i, nsec = 0;
	char *v;

	if (value == NULL || max == 0)
		return 0;
	v = sl_xstrndup(value, strnlen(value, 8 * SL_MIMEPARAM_MAX_VALUE));
	nseg = find_segs(v, param, segs, MAX_SEGS);
	for (i = 0; i < nseg; i++) {
		if (segs[i].section >= 0) {
			nsec++;
			continue;
		}
		variants(&r, segs[i].value, segs[i].ext);
		if (strcmp(segs[i].raw, segs[i].value) != 0)
			variants(&r, segs[i].raw, 0);
	}
	if (nsec > 0) {
		struct seg *s = sl_xcalloc(nsec, sizeof(*s));
		struct sl_buf j, jraw;
		size_t k = 0;
		for (i = 0; i < nseg; i++)
			if (segs[i].section >= 0)
				s[k++] = segs[i];
		qsort(s, nsec, sizeof(*s), cmp_section);
		sl_buf_init(&j, 0);
		sl_buf_init(&jraw, 0);
		for (i = 0; i < nsec; i++) {
			const char *t = s[i].value;
			if (s[i].ext) {
				char *d;
				if (i == 0 && s[i].section == 0) {
					const char *q1 = strchr(t, '\''),
						   *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
					if (q2 != NULL)
						t = q2 + 1;
				}
				d = pct_decode(t, strlen(t));
				sl_buf_addstr(&j, d);
				free(d);
			} else {
				sl_buf_addstr(&j, t);
			}
			sl_buf_addstr(&jraw, s[i].value);
		}
		{
			char *js = sl_buf_take(&j), *jr = sl_buf_take(&jraw);
			variants(&r, js, 0);
			variants(&r, jr, 0);
			variants(&r, s[0].value, s[0].ext);
			free(js);
			free(jr);
		}
		free(s);
	}
	for (i = 0; i < nseg; i++) {
		free(segs[i].value);
		free(segs[i].raw);
	}
	free(v);
	return r.n;
}

char *sl_mimeparam_type(const char *value)
{
	char *c, *t, *o;
	size_t n, i, k = 0;
	if (value == NULL)
		return sl_xstrdup("");
	n = strcspn(value, ";");
	t = sl_xstrndup(value, n < SL_MIMEPARAM_MAX_VALUE ? n : SL_MIMEPARAM_MAX_VALUE);
	c = drop_comments(t);
	o = sl_xmalloc(strlen(c) + 1);
	for (i = 0; c[i]; i++)
		if (!is_blank(c[i]) && c[i] != '"' && c[i] != '\r' && c[i] != '\n')
			o[k++] = (char)g_ascii_tolower(c[i]);
	o[k] = '\0';
	free(c);
	free(t);
	return o;
}

/* word (lower-case ASCII) occurs in s, in any case. */
static int contains_ci(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; *s; s++)
		if (g_ascii_strncasecmp(s, word, n) == 0)
			return 1;
	return 0;
}

enum sl_cte sl_mimeparam_cte(const char *value)
{
	/* In this order: ripmime looks for "base64" anywhere in the value first
	 * (".base64", "7bit base64", "quoted-printable-base64" are base64 to it);
	 * with and without comments ("7bit (base64)", "ba(x)se64"). */
	static const struct {
		const char *word;
		enum sl_cte cte;
	} known[] = {
	    {"base64", SL_CTE_BASE64},
	    {"quoted-printable", SL_CTE_QP},
	    {"uue", SL_CTE_UUENCODE}, /* uue, x-uue, uuencode, x-uuencode */
	};
	char *dec = NULL, *c;
	enum sl_cte r = SL_CTE_IDENTITY;
	size_t i;

	if (value == NULL)
		return r;
	if (strstr(value, "=?") != NULL)
		value = dec = sl_mimeparam_decode_words(value);
	c = drop_comments(value);
	for (i = 0; i < G_N_ELEMENTS(known); i++) {
		if (contains_ci(value, known[i].word) || contains_ci(c, known[i].word)) {
			r = known[i].cte;
			break;
		}
	}
	free(c);
	free(dec);
	return r;
}

const char *sl_mimeparam_cte_name(enum sl_cte cte)
{
	switch (cte) {
	case SL_CTE_BASE64:
		return "base64";
	case SL_CTE_QP:
		return "quoted-printable";
	case SL_CTE_UUENCODE:
		return "uuencode";
	case SL_CTE_IDENTITY:
		break;
	}
	return NULL;
}
