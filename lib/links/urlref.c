/* urlref - see urlref.h. */
#include <glib.h>

#include "urlref.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int html_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* ref without tab/CR/LF anywhere and without C0/blank at its ends. */
static char *clean(const char *ref)
{
	size_t n = strlen(ref), b = 0, e = n, k;
	struct sl_buf out;

	while (b < e && (unsigned char)ref[b] <= 0x20)
		b++;
	while (e > b && (unsigned char)ref[e - 1] <= 0x20)
		e--;
	sl_buf_init(&out, 0);
	for (k = b; k < e; k++)
		if (ref[k] != '\t' && ref[k] != '\n' && ref[k] != '\r')
			sl_buf_add(&out, ref + k, 1);
	return sl_buf_take(&out);
}

/* Length of "scheme:" at the start of s, 0 when there is none. */
static size_t scheme_end(const char *s)
{
	size_t k = 0;
	if (!g_ascii_isalpha(s[0]))
		return 0;
	while (g_ascii_isalnum(s[k]) || s[k] == '+' || s[k] == '-' || s[k] == '.')
		k++;
	return s[k] == ':' ? k + 1 : 0;
}

int sl_urlref_is_absolute(const char *ref)
{
	char *c = clean(ref);
	int r = scheme_end(c) > 0;
	free(c);
	return r;
}

static int special(const char *s, size_t len)
{
	static const char *const names[] = { "http:", "https:", "ftp:", "ws:", "wss:", "file:" };
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(names); k++)
		if (strlen(names[k]) == len && g_ascii_strncasecmp(s, names[k], len) == 0)
			return 1;
	return 0;
}

char *sl_url_resolve(const char *base, const char *ref)
{
	size_t bs = scheme_end(base), auth_end, path_end, k;
	char *r = NULL, *c;
	int sp;

	if (bs == 0 || base[bs] != '/' || base[bs + 1] != '/')
		return NULL;
	sp = special(base, bs);
#define SLASH(ch) ((ch) == '/' || (sp && (ch) == '\\'))
	/* authority: up to the first of / ? # (and \ in special schemes) */
	for (auth_end = bs + 2; base[auth_end] != '\0' && !SLASH(base[auth_end]) && base[auth_end] != '?' &&
				base[auth_end] != '#';
	     auth_end++)
		;
	for (path_end = auth_end; base[path_end] != '\0' && base[path_end] != '?' && base[path_end] != '#';
	     path_end++)
		;
	c = clean(ref);
	if (scheme_end(c) > 0) {
		r = sl_xstrdup(c);
	} else if (SLASH(c[0]) && SLASH(c[1])) {
		r = sl_xasprintf("%.*s%s", (int)bs, base, c);
	} else if (SLASH(c[0])) {
		r = sl_xasprintf("%.*s%s", (int)auth_end, base, c);
	} else if (c[0] == '?') {
		r = sl_xasprintf("%.*s%s", (int)path_end, base, c);
	} else if (c[0] == '#' || c[0] == '\0') {
		for (k = path_end; base[k] != '\0' && base[k] != '#'; k++)
			;
		r = sl_xasprintf("%.*s%s", (int)k, base, c);
	} else {
		/* the base's path up to and including its last slash */
		size_t last = auth_end;
		for (k = auth_end; k < path_end; k++)
			if (SLASH(base[k]))
				last = k + 1;
		if (last == auth_end)
			r = sl_xasprintf("%.*s/%s", (int)auth_end, base, c);
		else
			r = sl_xasprintf("%.*s%s", (int)last, base, c);
	}
#undef SLASH
	free(c);
	return r;
}

int sl_url_list_next(const char *s, size_t n, size_t *pos, int commas, size_t *b, size_t *e)
{
	size_t i = *pos;

	for (;;) {
		while (i < n && (html_space(s[i]) || (commas && s[i] == ',')))
			i++;
		if (i >= n) {
			*pos = n;
			return 0;
		}
		*b = i;
		while (i < n && !html_space(s[i]))
			i++;
		*e = i;
		if (commas && *e > *b && s[*e - 1] == ',') {
			/* "a.png," : the commas end the candidate, no descriptors */
			while (*e > *b && s[*e - 1] == ',')
				(*e)--;
		} else if (commas) {
			/* descriptors up to a comma outside parentheses */
			int paren = 0;
			while (i < n && (paren || s[i] != ',')) {
				if (s[i] == '(')
					paren = 1;
				else if (s[i] == ')')
					paren = 0;
				i++;
			}
		}
		if (*e > *b) {
			*pos = i;
			return 1;
		}
	}
}
