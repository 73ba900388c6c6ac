/* pdfuri - see pdfuri.h. */
#include <glib.h>

#include "pdfuri.h"

#include <stdlib.h>
#include <string.h>

#include "textconv.h"
#include "util.h"

static int pdf_space(unsigned char c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/* Reads a literal string at s[*i] == '('; on success *i is past ')' and the
 * bytes are in out (which stops growing at its cap). Returns 0 or SL_EPARSE. */
static int pdf_literal(const unsigned char *s, size_t n, size_t *i, struct sl_buf *out)
{
	size_t k = *i + 1;
	int depth = 1;

	while (k < n) {
		unsigned char c = s[k++], o;
		if (c == '\\') {
			if (k >= n)
				break;
			c = s[k++];
			switch (c) {
			case 'n': o = '\n'; break;
			case 'r': o = '\r'; break;
			case 't': o = '\t'; break;
			case 'b': o = '\b'; break;
			case 'f': o = '\f'; break;
			case '\r':
				if (k < n && s[k] == '\n')
					k++;
				continue;
			case '\n':
				continue;
			default:
				if (c >= '0' && c <= '7') {
					unsigned v = c - '0', d;
					for (d = 1; d < 3 && k < n && s[k] >= '0' && s[k] <= '7'; d++)
						v = v * 8 + (unsigned)(s[k++] - '0');
					o = (unsigned char)v;
				} else {
					o = c; /* \( \) \\ and unknown escapes */
				}
			}
			sl_buf_add(out, &o, 1);
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0) {
			*i = k;
			return 0;
		}
		sl_buf_add(out, &c, 1);
	}
	return SL_EPARSE;
}

/* Reads a hex string at s[*i] == '<'. Returns 0 or SL_EPARSE. */
static int pdf_hex(const unsigned char *s, size_t n, size_t *i, struct sl_buf *out)
{
	size_t k = *i + 1;
	int hi = -1;

	for (; k < n && s[k] != '>'; k++) {
		if (pdf_space(s[k]))
			continue;
		if (!g_ascii_isxdigit(s[k]))
			return SL_EPARSE;
		if (hi < 0) {
			hi = g_ascii_xdigit_value(s[k]);
		} else {
			unsigned char c = (unsigned char)(hi << 4 | g_ascii_xdigit_value(s[k]));
			sl_buf_add(out, &c, 1);
			hi = -1;
		}
	}
	if (k >= n)
		return SL_EPARSE;
	if (hi >= 0) {
		unsigned char c = (unsigned char)(hi << 4);
		sl_buf_add(out, &c, 1);
	}
	*i = k + 1;
	return 0;
}

/* A PDF string as a URL: UTF-16BE with BOM or PDFDocEncoding (as latin1) to
 * UTF-8; control bytes percent-encoded so the URL is one C string. */
static char *pdf_url(const struct sl_buf *b, size_t *len)
{
	char *u8 = NULL;
	size_t n = 0, i;
	struct sl_buf o;

	if (b->len >= 2 && (unsigned char)b->data[0] == 0xFE && (unsigned char)b->data[1] == 0xFF)
		sl_text_to_utf8(b->data + 2, b->len - 2, "UTF-16BE", &u8, &n);
	else if (sl_text_valid_utf8(b->data, b->len)) {
		u8 = sl_xstrndup(b->data, b->len);
		n = b->len;
	} else
		sl_text_to_utf8(b->data, b->len, "ISO-8859-1", &u8, &n);
	sl_buf_init(&o, 0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u8[i];
		if (c < 0x20 || c == 0x7F)
			sl_buf_printf(&o, "%%%02X", c);
		else
			sl_buf_add(&o, &u8[i], 1);
	}
	free(u8);
	*len = o.len;
	return o.data != NULL ? sl_buf_take(&o) : sl_xstrdup("");
}

void sl_pdf_uris(const unsigned char *s, size_t n, sl_pdf_uri_fn fn, void *ctx)
{
	size_t i = 0;

	int stop = 0;

	while (i < n && !stop) {
		const unsigned char *hit = memmem(s + i, n - i, "/URI", 4);
		struct sl_buf b;
		size_t start, len = 0;
		char *url;
		int rc;

		if (hit == NULL)
			break;
		i = (size_t)(hit - s) + 4;
		while (i < n && pdf_space(s[i]))
			i++;
		if (i >= n)
			break;
		if (s[i] != '(' && (s[i] != '<' || (i + 1 < n && s[i + 1] == '<')))
			continue;
		start = i;
		sl_buf_init(&b, 0);
		rc = s[i] == '(' ? pdf_literal(s, n, &i, &b) : pdf_hex(s, n, &i, &b);
		if (rc != 0) {
			sl_buf_free(&b);
			if (s[start] == '(')
				break; /* unterminated literal: the rest is inside it */
			i = start + 1;
			continue;
		}
		if (b.len > 0) {
			url = pdf_url(&b, &len);
			stop = fn(ctx, url, len, start, i - start);
			free(url);
		}
		sl_buf_free(&b);
	}
}
