/* ical - see ical.h. */
#include <glib.h>

#include "ical.h"

#include <string.h>

#include "util.h"

#define PROP_MAX 64 /* longer property names are not ones we read */

struct line {
	char *b;     /* the unfolded logical line */
	size_t *map; /* input offset of each byte; map[len] = offset of its line end */
	size_t len, alloc;
};

/* Room for one more byte and the end entry of the map. */
static void line_room(struct line *l)
{
	if (l->len + 2 > l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 256;
		l->b = sl_xrealloc(l->b, l->alloc);
		l->map = sl_xrealloc(l->map, l->alloc * sizeof(*l->map));
	}
}

static void line_put(struct line *l, char c, size_t at)
{
	line_room(l);
	l->b[l->len] = c;
	l->map[l->len++] = at;
}

static void line_end(struct line *l, size_t at)
{
	line_room(l);
	l->map[l->len] = at;
}

/* Reads the logical line that starts at i into l; returns where the next starts. */
static size_t unfold(const char *s, size_t n, size_t i, struct line *l)
{
	l->len = 0;
	while (i < n) {
		size_t e = i;
		if (s[i] != '\r' && s[i] != '\n') {
			line_put(l, s[i], i);
			i++;
			continue;
		}
		if (s[e] == '\r' && e + 1 < n && s[e + 1] == '\n')
			e++;
		e++; /* past the line end */
		if (e < n && (s[e] == ' ' || s[e] == '\t')) {
			i = e + 1; /* a fold: line end and one blank go */
			continue;
		}
		line_end(l, i);
		return e;
	}
	line_end(l, n);
	return n;
}

static int name_is(const char *p, size_t len, const char *want)
{
	return strlen(want) == len && g_ascii_strncasecmp(p, want, len) == 0;
}

static int ends_with_ci(const char *p, size_t len, const char *suffix)
{
	size_t k = strlen(suffix);
	return len >= k && g_ascii_strncasecmp(p + len - k, suffix, k) == 0;
}

static int text_prop(const char *p, size_t len)
{
	static const char *const names[] = { "DESCRIPTION", "SUMMARY", "LOCATION", "COMMENT",
					     "CONTACT", "RESOURCES", "X-ALT-DESC" };
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(names); k++)
		if (name_is(p, len, names[k]))
			return 1;
	return 0;
}

static int uri_prop(const char *p, size_t len)
{
	static const char *const names[] = { "URL", "ATTACH", "CONFERENCE", "IMAGE", "SOURCE",
					     "TZURL" };
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(names); k++)
		if (name_is(p, len, names[k]))
			return 1;
	return len > 2 && g_ascii_strncasecmp(p, "X-", 2) == 0 &&
	       (ends_with_ci(p, len, "URL") || ends_with_ci(p, len, "URI"));
}

/* Unescapes TEXT l->b[from, l->len) into out/omap (RFC 5545 3.3.11). */
static void unescape(const struct line *l, size_t from, struct line *out)
{
	size_t i = from;

	out->len = 0;
	while (i < l->len) {
		char c = l->b[i];
		if (c == '\\' && i + 1 < l->len) {
			char d = l->b[i + 1];
			if (d == 'n' || d == 'N')
				c = '\n';
			else if (d == '\\' || d == ',' || d == ';')
				c = d;
			else
				d = 0;
			if (d != 0) {
				line_put(out, c, l->map[i]);
				i += 2;
				continue;
			}
		}
		line_put(out, c, l->map[i]);
		i++;
	}
	line_end(out, l->map[l->len]);
}

static int give(sl_ical_cb cb, void *ctx, enum sl_ical_kind kind, const char *prop, const char *v,
		size_t len, const size_t *map)
{
	if (len == 0)
		return 0;
	return cb(ctx, kind, prop, v, len, map);
}

/* One logical line: returns nonzero when the callback says stop. */
static int content_line(struct line *l, struct line *tmp, sl_ical_cb cb, void *ctx)
{
	const char *b = l->b;
	size_t i = 0, nlen, vstart;
	char prop[PROP_MAX + 1];
	int html = 0, binary = 0;

	while (i < l->len && (g_ascii_isalnum(b[i]) || b[i] == '-'))
		i++;
	nlen = i;
	if (nlen == 0 || nlen > PROP_MAX)
		return 0;
	memcpy(prop, b, nlen);
	prop[nlen] = '\0';
	/* parameters: ;NAME=VALUE[,VALUE]... with quoted values */
	while (i < l->len && b[i] == ';') {
		size_t pn = ++i, pe, vb, ve;
		while (i < l->len && b[i] != '=' && b[i] != ':' && b[i] != ';')
			i++;
		pe = i;
		if (i >= l->len || b[i] != '=')
			continue;
		do {
			i++;
			vb = i;
			if (i < l->len && b[i] == '"') {
				vb = ++i;
				while (i < l->len && b[i] != '"')
					i++;
				ve = i;
				if (i < l->len)
					i++;
			} else {
				while (i < l->len && b[i] != ',' && b[i] != ';' && b[i] != ':')
					i++;
				ve = i;
			}
			if (name_is(b + pn, pe - pn, "FMTTYPE"))
				html = name_is(b + vb, ve - vb, "text/html");
			else if (name_is(b + pn, pe - pn, "VALUE"))
				binary = binary || name_is(b + vb, ve - vb, "BINARY");
			else if (name_is(b + pn, pe - pn, "ENCODING"))
				binary = binary || name_is(b + vb, ve - vb, "BASE64");
			else if (name_is(b + pn, pe - pn, "ALTREP") &&
				 give(cb, ctx, SL_ICAL_URI, prop, b + vb, ve - vb, l->map + vb) != 0)
				return 1;
		} while (i < l->len && b[i] == ',');
	}
	if (i >= l->len || b[i] != ':')
		return 0;
	vstart = i + 1;
	if (uri_prop(prop, nlen)) {
		if (binary)
			return 0;
		return give(cb, ctx, SL_ICAL_URI, prop, b + vstart, l->len - vstart, l->map + vstart);
	}
	if (!text_prop(prop, nlen))
		return 0;
	unescape(l, vstart, tmp);
	return give(cb, ctx, html && name_is(prop, nlen, "X-ALT-DESC") ? SL_ICAL_HTML : SL_ICAL_TEXT,
		    prop, tmp->b, tmp->len, tmp->map);
}

void sl_ical_scan(const char *s, size_t n, sl_ical_cb cb, void *ctx)
{
	struct line l = { 0 }, tmp = { 0 };
	size_t i = 0;

	while (i < n) {
		i = unfold(s, n, i, &l);
		if (l.len > 0 && content_line(&l, &tmp, cb, ctx) != 0)
			break;
	}
	free(l.b);
	free(l.map);
	free(tmp.b);
	free(tmp.map);
}

int sl_ical_is(const char *s, size_t n)
{
	size_t i = 0;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && g_ascii_isspace(s[i]))
		i++;
	return n - i >= 15 && g_ascii_strncasecmp(s + i, "BEGIN:VCALENDAR", 15) == 0;
}
