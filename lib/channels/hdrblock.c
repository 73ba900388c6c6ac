/* hdrblock - see hdrblock.h. */
#include <glib.h>

#include "hdrblock.h"

#include <string.h>

#include "util.h"

size_t sl_hdr_block_end(const unsigned char *raw, size_t len, size_t *body_start)
{
	const unsigned char *end = raw + len, *line = raw;
	while (line < end) {
		const unsigned char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t n = eol ? (size_t)(eol - line) : (size_t)(end - line);
		if (n == 0 || (n == 1 && line[0] == '\r')) {
			*body_start = eol ? (size_t)(eol + 1 - raw) : len;
			return (size_t)(line - raw);
		}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	*body_start = len;
	return len;
}

/* One past the line that starts at pos (its '\n' included). */
static size_t line_end(const unsigned char *raw, size_t end, size_t pos)
{
	const unsigned char *eol = memchr(raw + pos, '\n', end - pos);
	return eol ? (size_t)(eol + 1 - raw) : end;
}

size_t sl_hdr_mbox_line(const unsigned char *raw, size_t len)
{
	if (len < 5 || memcmp(raw, "From ", 5) != 0)
		return 0;
	return line_end(raw, len, 0);
}

int sl_hdr_next(const unsigned char *raw, size_t end, size_t *pos, struct sl_hdr_item *it)
{
	size_t p = *pos, le, k;

	if (p >= end)
		return 0;
	memset(it, 0, sizeof(*it));
	it->start = p;
	le = line_end(raw, end, p);
	for (k = p; k < le && raw[k] > 32 && raw[k] < 127 && raw[k] != ':'; k++)
		;
	it->name_len = k - p;
	while (k < le && (raw[k] == ' ' || raw[k] == '\t'))
		k++;
	if (it->name_len > 0 && k < le && raw[k] == ':') {
		it->is_field = 1;
		it->value_start = k + 1;
		/* Folded lines belong to the field. */
		while (le < end && (raw[le] == ' ' || raw[le] == '\t'))
			le = line_end(raw, end, le);
	}
	it->end = le;
	k = le;
	if (k > p && raw[k - 1] == '\n')
		k--;
	if (k > p && raw[k - 1] == '\r')
		k--;
	it->value_end = it->is_field && k > it->value_start ? k : it->value_start;
	*pos = le;
	return 1;
}

int sl_hdr_is(const unsigned char *raw, const struct sl_hdr_item *it, const char *name)
{
	size_t n = strlen(name);
	return it->is_field && it->name_len == n && g_ascii_strncasecmp((const char *)raw + it->start, name, n) == 0;
}

char *sl_hdr_value(const unsigned char *raw, size_t len, const char *name)
{
	size_t bs, end = sl_hdr_block_end(raw, len, &bs), pos = 0, i;
	struct sl_hdr_item it;

	while (sl_hdr_next(raw, end, &pos, &it)) {
		struct sl_buf b;
		char *v;
		if (!sl_hdr_is(raw, &it, name))
			continue;
		sl_buf_init(&b, 0);
		for (i = it.value_start; i < it.value_end; i++)
			if (raw[i] != '\r' && raw[i] != '\n')
				sl_buf_add(&b, raw + i, 1);
		v = sl_buf_take(&b);
		g_strstrip(v);
		return v;
	}
	return NULL;
}
