/* css - see css.h. A small subset of the CSS Syntax tokenizer: enough to
 * tell url() functions, strings and at-keywords apart, the way browsers do. */
#include <glib.h>

#include "css.h"

#include <string.h>

#include "util.h"

#define NAME_MAX_BYTES 32 /* function and at-keyword names we compare are short */

struct scan {
	const char *s;
	size_t n;
	struct sl_buf out; /* the URL being decoded */
	sl_css_url_cb cb;
	void *ctx;
	int stop;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_nl(char c)
{
	return c == '\n' || c == '\r' || c == '\f';
}

static int name_start(unsigned char c)
{
	return g_ascii_isalpha(c) || c == '_' || c >= 0x80;
}

static int name_char(unsigned char c)
{
	return name_start(c) || g_ascii_isdigit(c) || c == '-';
}

/* A backslash at i that starts an escape (not one before a line end). */
static int valid_escape(const struct scan *sc, size_t i)
{
	return i < sc->n && sc->s[i] == '\\' && (i + 1 >= sc->n || !is_nl(sc->s[i + 1]));
}

/* An identifier starts at i. */
static int ident_start(const struct scan *sc, size_t i)
{
	const unsigned char *s = (const unsigned char *)sc->s;
	if (i >= sc->n)
		return 0;
	if (name_start(s[i]) || valid_escape(sc, i))
		return 1;
	return s[i] == '-' && i + 1 < sc->n &&
	       (name_start(s[i + 1]) || s[i + 1] == '-' || valid_escape(sc, i + 1));
}

/* Consumes the escape whose backslash is at i; appends what it stands for to
 * out (when not NULL). Returns the index after it. */
static size_t escape(const struct scan *sc, size_t i, struct sl_buf *out)
{
	const char *s = sc->s;
	size_t j = i + 1, k = 0;
	gunichar c = 0;
	char u8[6];

	if (j >= sc->n) {
		if (out != NULL)
			sl_buf_add(out, "\xEF\xBF\xBD", 3);
		return j;
	}
	while (j < sc->n && k < 6 && g_ascii_isxdigit(s[j])) {
		c = c * 16 + (gunichar)g_ascii_xdigit_value(s[j]);
		j++;
		k++;
	}
	if (k == 0) {
		if (out != NULL)
			sl_buf_add(out, s + j, 1);
		return j + 1;
	}
	if (j < sc->n && is_ws(s[j]))
		j += s[j] == '\r' && j + 1 < sc->n && s[j + 1] == '\n' ? 2 : 1;
	if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
		c = 0xFFFD;
	if (out != NULL)
		sl_buf_add(out, u8, (size_t)g_unichar_to_utf8(c, u8));
	return j;
}

/* Consumes a name at i, lower-cased (ASCII) into nm when it fits. */
static size_t name(const struct scan *sc, size_t i, char nm[NAME_MAX_BYTES + 1])
{
	struct sl_buf b;

	sl_buf_init(&b, 0);
	while (i < sc->n) {
		struct sl_buf *keep = b.len <= NAME_MAX_BYTES ? &b : NULL;
		if (valid_escape(sc, i)) {
			i = escape(sc, i, keep);
		} else if (name_char((unsigned char)sc->s[i])) {
			if (keep != NULL)
				sl_buf_add(keep, sc->s + i, 1);
			i++;
		} else {
			break;
		}
	}
	if (b.len <= NAME_MAX_BYTES && b.data != NULL) {
		size_t k;
		for (k = 0; k < b.len; k++)
			nm[k] = g_ascii_tolower(b.data[k]);
		nm[b.len] = '\0';
	} else {
		nm[0] = '\0';
	}
	sl_buf_free(&b);
	return i;
}

static void emit(struct scan *sc, size_t begin, size_t end)
{
	const char *p = sc->out.data;
	size_t len = sc->out.len;

	if (p == NULL)
		return;
	while (len > 0 && is_ws(*p))
		p++, len--;
	while (len > 0 && is_ws(p[len - 1]))
		len--;
	if (len > 0 && sc->cb(sc->ctx, p, len, begin, end) != 0)
		sc->stop = 1;
}

/* Consumes the string whose quote is at i into out. Returns the index after
 * it; *bad when a line end cut it short (browsers drop such a string). */
static size_t string(struct scan *sc, size_t i, int *bad)
{
	const char *s = sc->s;
	char q = s[i];
	size_t j = i + 1;

	*bad = 0;
	sc->out.len = 0;
	while (j < sc->n) {
		char c = s[j];
		if (c == q)
			return j + 1;
		if (is_nl(c)) {
			*bad = 1;
			return j;
		}
		if (c == '\\') {
			if (j + 1 >= sc->n)
				j++;
			else if (is_nl(s[j + 1]))
				j += s[j + 1] == '\r' && j + 2 < sc->n && s[j + 2] == '\n' ? 3 : 2;
			else
				j = escape(sc, j, &sc->out);
			continue;
		}
		sl_buf_add(&sc->out, s + j, 1);
		j++;
	}
	return j;
}

static int bad_url_char(unsigned char c)
{
	return c == '"' || c == '\'' || c == '(' || c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
	       c == 0x7F;
}

/* url( at i (the '(' after the name that starts at begin): records the URL.
 * Returns the index after the function. */
static size_t url_function(struct scan *sc, size_t begin, size_t i)
{
	const char *s = sc->s;
	size_t j = i + 1;
	int bad = 0;

	while (j < sc->n && is_ws(s[j]))
		j++;
	if (j < sc->n && (s[j] == '"' || s[j] == '\'')) {
		j = string(sc, j, &bad);
		while (j < sc->n && is_ws(s[j]))
			j++;
		if (!bad && (j >= sc->n || s[j] == ')')) {
			j = j < sc->n ? j + 1 : j;
			emit(sc, begin, j);
		}
		return j;
	}
	sc->out.len = 0;
	while (j < sc->n) {
		unsigned char c = (unsigned char)s[j];
		if (c == ')') {
			emit(sc, begin, j + 1);
			return j + 1;
		}
		if (is_ws((char)c)) {
			while (j < sc->n && is_ws(s[j]))
				j++;
			if (j >= sc->n || s[j] == ')') {
				j = j < sc->n ? j + 1 : j;
				emit(sc, begin, j);
				return j;
			}
			break;
		}
		if (c == '\\' && valid_escape(sc, j)) {
			j = escape(sc, j, &sc->out);
			continue;
		}
		if (c == '\\' || bad_url_char(c))
			break;
		sl_buf_add(&sc->out, s + j, 1);
		j++;
	}
	if (j >= sc->n) {
		emit(sc, begin, j); /* the end of input closes it */
		return j;
	}
	/* A bad url: browsers skip to its ')' and load nothing. */
	while (j < sc->n && s[j] != ')')
		j = valid_escape(sc, j) ? escape(sc, j, NULL) : j + 1;
	return j < sc->n ? j + 1 : j;
}

void sl_css_urls(const char *s, size_t n, sl_css_url_cb cb, void *ctx)
{
	struct scan sc = { .s = s, .n = n, .cb = cb, .ctx = ctx };
	size_t i = 0, depth = 0, imageset = 0; /* imageset: depth of an open image-set(), or 0 */
	int import = 0;
	char nm[NAME_MAX_BYTES + 1];

	sl_buf_init(&sc.out, 0);
	while (i < n && !sc.stop) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *e = i + 2 < n ? memmem(s + i + 2, n - i - 2, "*/", 2) : NULL;
			i = e != NULL ? (size_t)(e - s) + 2 : n;
		} else if (c == '"' || c == '\'') {
			size_t b = i;
			int bad;
			i = string(&sc, i, &bad);
			if (!bad && (import || (imageset > 0 && depth == imageset)))
				emit(&sc, b, i);
			import = 0;
		} else if (c == '@') {
			nm[0] = '\0';
			i = ident_start(&sc, i + 1) ? name(&sc, i + 1, nm) : i + 1;
			import = strcmp(nm, "import") == 0;
		} else if (g_ascii_isdigit(c) || (c == '.' && i + 1 < n && g_ascii_isdigit(s[i + 1]))) {
			/* a number and its unit: "1url(" is a dimension, not a function */
			while (i < n && (g_ascii_isdigit(s[i]) || s[i] == '.'))
				i++;
			if (ident_start(&sc, i))
				i = name(&sc, i, nm);
		} else if (ident_start(&sc, i)) {
			size_t b = i;
			i = name(&sc, i, nm);
			if (i < n && s[i] == '(') {
				if (strcmp(nm, "url") == 0) {
					i = url_function(&sc, b, i);
					import = 0;
					continue;
				}
				depth++;
				i++;
				if (imageset == 0 &&
				    (strcmp(nm, "image-set") == 0 || strcmp(nm, "-webkit-image-set") == 0))
					imageset = depth;
			}
		} else if (c == '(') {
			depth++;
			i++;
		} else if (c == ')') {
			if (imageset > 0 && depth == imageset)
				imageset = 0;
			depth -= depth > 0;
			i++;
		} else {
			if (c == ';' || c == '{' || c == '}')
				import = 0;
			i += c == '\\' ? 2 : 1; /* a backslash before a line end: both skipped */
		}
	}
	sl_buf_free(&sc.out);
}

static int has_ci(const char *s, size_t n, const char *w)
{
	size_t k, l = strlen(w);
	for (k = 0; k + l <= n; k++)
		if (g_ascii_tolower(s[k]) == w[0] && g_ascii_strncasecmp(s + k, w, l) == 0)
			return 1;
	return 0;
}

int sl_css_may_load(const char *s, size_t n)
{
	return memchr(s, '@', n) != NULL || memchr(s, '\\', n) != NULL || has_ci(s, n, "url") ||
	       has_ci(s, n, "image-set");
}
