/* textconv - see textconv.h. */
#include <glib.h>

#include "textconv.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Valid UTF-8 where NUL bytes are allowed (g_utf8_validate stops at NUL). */
int sl_text_valid_utf8(const char *p, size_t n)
{
	const char *end = p + n;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *stop = nul != NULL ? nul : end;
		if (!g_utf8_validate_len(p, (gsize)(stop - p), NULL))
			return 0;
		p = nul != NULL ? nul + 1 : end;
	}
	return 1;
}

static int has_prefix(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (g_ascii_strncasecmp(s, *list, strlen(*list)) == 0)
			return 1;
	return 0;
}

/* Charsets where ASCII bytes do not always mean ASCII characters. */
static int ascii_compatible(const char *cs)
{
	static const char *const not_ascii[] = {
		"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4", "utf-7",
		"utf7", "unicode", "iso-2022", "csiso2022", "hz", "ebcdic", "cp037", "ibm037",
		"cp500", "ibm500", "cp875", "cp1026", "ibm1026", "ibm1047", "cp114", "ibm114", NULL
	};
	return !has_prefix(cs, not_ascii);
}

/* Lower-case charset name without quotes and spaces, mapped to a name iconv knows. */
static char *charset_name(const char *cs)
{
	static const char *const alias[][2] = {
		{ "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" }, { "x-sjis", "SHIFT_JIS" },
		{ "shift-jis", "SHIFT_JIS" }, { "gb2312", "GBK" }, { "x-gbk", "GBK" },
		{ "iso-8859-8-i", "ISO-8859-8" }, { "x-mac-roman", "MACINTOSH" },
		{ "unicode-1-1-utf-7", "UTF-7" }, { "utf8", "UTF-8" }, { "x-user-defined", "ISO-8859-1" },
		{ "unicode", "UTF-16LE" },
		/* 8-bit text labelled ASCII or latin1 is windows-1252, as browsers read it */
		{ "us-ascii", "WINDOWS-1252" }, { "ascii", "WINDOWS-1252" },
		{ "ansi_x3.4-1968", "WINDOWS-1252" }, { "iso-8859-1", "WINDOWS-1252" },
		{ "latin1", "WINDOWS-1252" },
	};
	GString *s = g_string_new(NULL);
	size_t i;

	for (; *cs != '\0' && s->len < 64; cs++)
		if (*cs != '"' && *cs != '\'' && !g_ascii_isspace(*cs))
			g_string_append_c(s, g_ascii_tolower(*cs));
	for (i = 0; i < G_N_ELEMENTS(alias); i++)
		if (strcmp(s->str, alias[i][0]) == 0)
			g_string_assign(s, alias[i][1]);
	return g_string_free(s, FALSE);
}

static size_t unit_size(const char *cs)
{
	static const char *const two[] = { "utf-16", "utf16", "ucs-2", "ucs2", "unicode", NULL };
	static const char *const four[] = { "utf-32", "utf32", "ucs-4", "ucs4", NULL };
	char *l = g_ascii_strdown(cs, -1);
	size_t n = has_prefix(l, two) ? 2 : has_prefix(l, four) ? 4 : 1;
	g_free(l);
	return n;
}

/* Converts [p, p+n) from charset from to UTF-8; invalid input becomes U+FFFD,
 * an unknown charset is read as latin1. Never fails; *out is malloc'd. */
void sl_text_to_utf8(const char *p, size_t n, const char *from, char **out, size_t *outlen)
{
	static const char repl[] = "\xEF\xBF\xBD";
	GIConv cd = g_iconv_open("UTF-8", from);
	size_t unit = unit_size(from);
	struct sl_buf b;
	gchar *in = (gchar *)p;
	gsize inleft = n;
	char tmp[4096];

	if (cd == (GIConv)-1) {
		cd = g_iconv_open("UTF-8", "ISO-8859-1");
		unit = 1;
	}
	sl_buf_init(&b, 0);
	if (cd == (GIConv)-1) { /* no iconv at all: keep ASCII, replace the rest */
		for (; inleft > 0; in++, inleft--) {
			if ((unsigned char)*in < 0x80)
				sl_buf_add(&b, in, 1);
			else
				sl_buf_add(&b, repl, 3);
		}
		goto out;
	}
	while (inleft > 0) {
		gchar *o = tmp;
		gsize oleft = sizeof(tmp);
		gsize rc = g_iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;

		sl_buf_add(&b, tmp, (size_t)(o - tmp));
		if (rc != (gsize)-1)
			continue;
		if (e == E2BIG)
			continue;
		/* EILSEQ, EINVAL (truncated at the end) or anything else: one unit is bad. */
		sl_buf_add(&b, repl, 3);
		g_iconv(cd, NULL, NULL, NULL, NULL);
		if (inleft <= unit)
			break;
		in += unit;
		inleft -= unit;
	}
	{
		gchar *o = tmp;
		gsize oleft = sizeof(tmp);
		g_iconv(cd, NULL, NULL, &o, &oleft);
		sl_buf_add(&b, tmp, (size_t)(o - tmp));
	}
	g_iconv_close(cd);
out:
	*outlen = b.len;
	*out = b.data != NULL ? sl_buf_take(&b) : sl_xstrdup("");
}

/* The charset an HTML document names in its first 1024 bytes (<meta charset>
 * or http-equiv content), or NULL. Caller frees. */
static char *html_meta_charset(const char *p, size_t n)
{
	size_t lim = n < 1024 ? n : 1024, i, j;
	for (i = 0; i + 8 <= lim; i++) {
		if (g_ascii_strncasecmp(p + i, "charset=", 8) != 0)
			continue;
		i += 8;
		while (i < lim && (p[i] == '"' || p[i] == '\'' || p[i] == ' '))
			i++;
		for (j = i; j < lim && j - i < 40 && (g_ascii_isalnum(p[j]) || strchr("-_:.", p[j]) != NULL);
		     j++)
			;
		if (j > i)
			return sl_xstrndup(p + i, j - i);
		return NULL;
	}
	return NULL;
}

void sl_text_view(struct sl_part *p, int html)
{
	const char *d = (const char *)p->data;
	size_t n = p->data_len;
	char *cs = p->charset != NULL ? charset_name(p->charset) : NULL;
	char *from = NULL;

	free(p->text_owned);
	p->text_owned = NULL;
	free(p->text_charset);
	p->text_charset = NULL;
	p->text_bom = 0;
	if (n >= 2 && (unsigned char)d[0] == 0xFF && (unsigned char)d[1] == 0xFE) {
		from = sl_xstrdup("UTF-16LE");
		d += 2;
		n -= 2;
		p->text_bom = 2;
	} else if (n >= 2 && (unsigned char)d[0] == 0xFE && (unsigned char)d[1] == 0xFF) {
		from = sl_xstrdup("UTF-16BE");
		d += 2;
		n -= 2;
		p->text_bom = 2;
	} else if ((cs == NULL || ascii_compatible(cs)) && sl_text_valid_utf8(d, n)) {
		p->text = d;
		p->text_len = n;
		goto out;
	} else if (cs != NULL) {
		from = sl_xstrdup(cs);
	} else {
		char *meta = html ? html_meta_charset(d, n) : NULL;
		from = meta != NULL ? charset_name(meta) : sl_xstrdup("WINDOWS-1252");
		free(meta);
		/* HTML says a document that claims UTF-16 in <meta> without a BOM is not. */
		if (!ascii_compatible(from)) {
			free(from);
			from = sl_xstrdup("WINDOWS-1252");
		}
	}
	sl_text_to_utf8(d, n, from, &p->text_owned, &p->text_len);
	p->text = p->text_owned;
	p->text_charset = from;
	from = NULL;
out:
	free(from);
	g_free(cs);
}

int sl_text_back(const struct sl_part *p, const char *utf8, size_t len, char **out, size_t *outlen)
{
	gsize n = 0;
	gchar *conv;
	struct sl_buf b;

	*out = NULL;
	*outlen = 0;
	if (p->text_owned == NULL || p->text_charset == NULL) {
		/* The text was the bytes themselves. */
		*out = sl_xstrndup(utf8, len);
		*outlen = len;
		return SL_OK;
	}
	conv = g_convert_with_fallback(utf8, (gssize)len, p->text_charset, "UTF-8", "?", NULL, &n, NULL);
	if (conv == NULL)
		return SL_EINVAL;
	sl_buf_init(&b, 0);
	if (p->text_bom > 0 && p->data_len >= p->text_bom)
		sl_buf_add(&b, p->data, p->text_bom);
	sl_buf_add(&b, conv, n);
	g_free(conv);
	*outlen = b.len;
	*out = sl_buf_take(&b);
	return SL_OK;
}
