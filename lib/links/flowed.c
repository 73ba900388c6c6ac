/* flowed - see flowed.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "flowed.h"

#include <stdlib.h>
#include <string.h>

static void put(struct sl_buf *out, size_t *map, const char *s, size_t from, size_t to)
{
	size_t k;
	for (k = from; k < to; k++)
		map[out->len + k - from] = k;
	sl_buf_add(out, s + from, to - from);
}

static size_t quote_depth(const char *s, size_t i, size_t end)
{
	size_t d = 0;
	while (i + d < end && s[i + d] == '>')
		d++;
	return d;
}

void sl_flowed_unfold(const char *s, size_t n, int delsp, struct sl_buf *out, size_t **mapp)
{
	size_t *map = sl_xmalloc((n + 1) * sizeof(*map));
	size_t i = 0;
	int joining = 0; /* the line before was flowed into this one */

	sl_buf_init(out, 0);
	while (i < n) {
		const char *eol = memchr(s + i, '\n', n - i);
		size_t next = eol != NULL ? (size_t)(eol - s) + 1 : n;
		size_t le = eol != NULL ? (size_t)(eol - s) : n; /* end of the line's text */
		size_t depth, body, to;
		int stuffed, flowed;

		if (le > i && s[le - 1] == '\r')
			le--;
		depth = quote_depth(s, i, le);
		stuffed = i + depth < le && s[i + depth] == ' ';
		body = i + depth + (size_t)stuffed;
		flowed = le > body && s[le - 1] == ' ' && !(le - body == 3 && memcmp(s + body, "-- ", 3) == 0);
		/* joined only to a next line of the same quote depth */
		if (flowed && (next >= n || quote_depth(s, next, n) != depth))
			flowed = 0;
		to = flowed && delsp ? le - 1 : le;
		/* a paragraph's first line is kept as written; the lines joined to it
		 * lose their quote marks and stuffing blank */
		put(out, map, s, joining ? body : i, to);
		if (!flowed)
			put(out, map, s, le, next); /* a hard line end */
		joining = flowed;
		i = next;
	}
	map[out->len] = n;
	*mapp = map;
}

/* The value of the first Content-Type field in raw[from, to), unfolded, or NULL. */
static char *content_type_field(const unsigned char *raw, size_t from, size_t to)
{
	const char *s = (const char *)raw;
	size_t i = from;

	while (i < to) {
		const char *eol = memchr(s + i, '\n', to - i);
		size_t next = eol != NULL ? (size_t)(eol - s) + 1 : to;
		if (to - i >= 13 && g_ascii_strncasecmp(s + i, "content-type:", 13) == 0) {
			size_t end = next;
			char *v, *u;
			while (end < to && (s[end] == ' ' || s[end] == '\t')) {
				eol = memchr(s + end, '\n', to - end);
				end = eol != NULL ? (size_t)(eol - s) + 1 : to;
			}
			v = g_strndup(s + i + 13, end - i - 13);
			u = g_mime_utils_header_unfold(v);
			g_free(v);
			return u;
		}
		i = next;
	}
	return NULL;
}

int sl_flowed_params(const struct sl_msg *m, const struct sl_part *p, int *delsp)
{
	GMimeContentType *ct;
	const char *fmt, *ds;
	char *value;
	int flowed = 0;

	*delsp = 0;
	if (m->raw == NULL || p->origin != SL_ORIGIN_MIME || p->hdr_start < 0 || p->body_start < 0 ||
	    p->hdr_start >= p->body_start || (size_t)p->body_start > m->raw_len ||
	    p->declared_type == NULL || strcmp(p->declared_type, "text/plain") != 0)
		return 0;
	value = content_type_field(m->raw, (size_t)p->hdr_start, (size_t)p->body_start);
	if (value == NULL || strcasestr(value, "flowed") == NULL) {
		g_free(value); /* most text is not flowed: no need to parse */
		return 0;
	}
	ct = g_mime_content_type_parse(NULL, value);
	g_free(value);
	if (ct == NULL)
		return 0;
	fmt = g_mime_content_type_get_parameter(ct, "format");
	ds = g_mime_content_type_get_parameter(ct, "delsp");
	flowed = fmt != NULL && g_ascii_strcasecmp(fmt, "flowed") == 0;
	*delsp = flowed && ds != NULL && g_ascii_strcasecmp(ds, "yes") == 0;
	g_object_unref(ct);
	return flowed;
}
