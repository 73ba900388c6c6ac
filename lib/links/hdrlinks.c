/* hdrlinks - see hdrlinks.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "hdrlinks.h"

#include <stdlib.h>
#include <string.h>

#include "urlrewrite.h"

enum kind { K_NONE, K_TEXT, K_ADDR };

/* A header field in msg->raw: name at begin, ':' at colon, last line ends at end. */
struct field {
	size_t begin, colon, end;
};

struct todo {
	size_t begin, end;
};

static GOnce gmime_once = G_ONCE_INIT;

static gpointer init_gmime(gpointer unused)
{
	g_mime_init();
	return NULL;
}

/* Offset of the blank line that ends the top header block (raw_len without one). */
static size_t block_end(const struct sl_msg *m)
{
	const char *s = (const char *)m->raw;
	size_t i = 0;

	while (i < m->raw_len) {
		const char *eol = memchr(s + i, '\n', m->raw_len - i);
		if (s[i] == '\n' || (s[i] == '\r' && i + 1 < m->raw_len && s[i + 1] == '\n'))
			return i;
		if (eol == NULL)
			break;
		i = (size_t)(eol - s) + 1;
	}
	return m->raw_len;
}

/* End of the text of the line that starts at i (line end excluded), and where the next starts. */
static size_t line_text_end(const char *s, size_t i, size_t end, size_t *next)
{
	const char *eol = memchr(s + i, '\n', end - i);
	size_t e = eol != NULL ? (size_t)(eol - s) : end;

	*next = eol != NULL ? e + 1 : end;
	if (e > i && s[e - 1] == '\r')
		e--;
	return e;
}

/* The next field at or after *i, before end. */
static int next_field(const struct sl_msg *m, size_t *i, size_t end, struct field *f)
{
	const char *s = (const char *)m->raw;

	while (*i < end) {
		size_t next, te = line_text_end(s, *i, end, &next);
		const char *colon = memchr(s + *i, ':', te - *i);
		if (s[*i] == ' ' || s[*i] == '\t' || colon == NULL) {
			*i = next;
			continue;
		}
		f->begin = *i;
		f->colon = (size_t)(colon - s);
		f->end = te;
		while (next < end && (s[next] == ' ' || s[next] == '\t'))
			f->end = line_text_end(s, next, end, &next);
		*i = next;
		return 1;
	}
	return 0;
}

static enum kind field_kind(const char *name, size_t len)
{
	static const char *const addr[] = { "From", "Sender", "Reply-To", "To", "Cc" };
	size_t k;

	if (len == 7 && g_ascii_strncasecmp(name, "Subject", 7) == 0)
		return K_TEXT;
	for (k = 0; k < G_N_ELEMENTS(addr); k++)
		if (strlen(addr[k]) == len && g_ascii_strncasecmp(name, addr[k], len) == 0)
			return K_ADDR;
	return K_NONE;
}

/* The field's value unfolded, or NULL. */
static char *field_value(const struct sl_msg *m, const struct field *f)
{
	char *v = g_strndup((const char *)m->raw + f->colon + 1, f->end - f->colon - 1);
	char *u = g_mime_utils_header_unfold(v);
	g_free(v);
	return u;
}

/* Decoded header text as valid UTF-8 without control characters. */
static char *decoded_text(const char *value)
{
	char *d = g_mime_utils_header_decode_text(NULL, value);
	char *t = g_utf8_make_valid(d != NULL ? d : "", -1), *p;
	g_free(d);
	for (p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = ' ';
	return t;
}

void sl_hdrlinks_find(const struct sl_msg *m, sl_hdrlinks_cb cb, void *ctx)
{
	struct field f;
	size_t i = 0, end;

	if (m->raw == NULL || m->channel != SL_CHANNEL_EMAIL)
		return;
	g_once(&gmime_once, init_gmime, NULL);
	end = block_end(m);
	while (next_field(m, &i, end, &f)) {
		char *v, *t;
		int stop;

		if (field_kind((const char *)m->raw + f.begin, f.colon - f.begin) == K_NONE)
			continue;
		/* An address field as a reader shows it: names and addresses, RFC
		 * 2047 decoded (what GMime would make of "https://x" as an address
		 * list is a group named "https", which a reader shows as text). */
		v = field_value(m, &f);
		t = decoded_text(v);
		stop = cb(ctx, t, strlen(t), f.begin, f.end);
		g_free(t);
		g_free(v);
		if (stop)
			break;
	}
}

/* ---- the rewrite ---------------------------------------------------------- */

/* Does the policy act on this header link? */
static int to_disarm(const struct sl_msg *m, const struct sl_url *u)
{
	const char *rule = u->reputation == SL_REP_MALICIOUS ? "url_malicious" : "url_suspicious";
	size_t i;

	if (u->context != SL_URLCTX_HEADER || u->reputation < SL_REP_SUSPICIOUS)
		return 0;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->kind == SL_FIND_URL && f->part == u->part && strcmp(f->rule, rule) == 0)
			return f->action != SL_ACT_NONE;
	}
	return 0;
}

int sl_hdrlinks_rewrites(const struct sl_msg *m, size_t begin)
{
	size_t i;
	for (i = 0; i < m->nurls; i++)
		if (m->urls[i].offset == begin && to_disarm(m, &m->urls[i]))
			return 1;
	return 0;
}

/* sl_url_defang() leaves the colon of schemes other than http and ftp. */
static char *defang(const char *url)
{
	char *d = sl_url_defang(url), *r;
	size_t k = 0;

	while (g_ascii_isalnum(d[k]) || d[k] == '+' || d[k] == '-' || d[k] == '.')
		k++;
	if (k == 0 || d[k] != ':')
		return d;
	r = sl_xasprintf("%.*s[:]%s", (int)k, d, d + k + 1);
	free(d);
	return r;
}

/* text with every bad link of the field at begin defanged; NULL when none is in it. */
static char *disarm_text(const struct sl_msg *m, size_t begin, const char *text)
{
	char *cur = g_strdup(text);
	int changed = 0;
	size_t i;

	for (i = 0; i < m->nurls; i++) {
		const struct sl_url *u = &m->urls[i];
		char *d, **pieces;
		if (u->offset != begin || !to_disarm(m, u) || *u->url == '\0' || strstr(cur, u->url) == NULL)
			continue;
		d = defang(u->url);
		pieces = g_strsplit(cur, u->url, -1);
		g_free(cur);
		cur = g_strjoinv(d, pieces);
		g_strfreev(pieces);
		free(d);
		changed = 1;
	}
	if (!changed) {
		g_free(cur);
		return NULL;
	}
	return cur;
}

static int disarm_names(const struct sl_msg *m, size_t begin, InternetAddressList *list)
{
	int k, n = internet_address_list_length(list), changed = 0;

	for (k = 0; k < n; k++) {
		InternetAddress *ia = internet_address_list_get_address(list, k);
		const char *name = internet_address_get_name(ia);
		if (name != NULL && *name != '\0') {
			char *t = decoded_text(name), *d = disarm_text(m, begin, t);
			if (d != NULL) {
				internet_address_set_name(ia, d);
				changed = 1;
			}
			g_free(d);
			g_free(t);
		}
		if (INTERNET_ADDRESS_IS_GROUP(ia))
			changed |= disarm_names(m, begin,
						internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
	}
	return changed;
}

/* A folded header is safe when every line end is followed by a blank. */
static int folded_safely(const char *h)
{
	const char *p;
	for (p = h; *p; p++)
		if ((*p == '\n' || *p == '\r') && p[1] != '\0' && p[1] != '\n' && p[1] != ' ' && p[1] != '\t')
			return 0;
	return 1;
}

/* Is text in one of the display names of list (groups included)? */
static int in_names(InternetAddressList *list, const char *text)
{
	int k, n = internet_address_list_length(list);

	for (k = 0; k < n; k++) {
		InternetAddress *ia = internet_address_list_get_address(list, k);
		const char *name = internet_address_get_name(ia);
		if (name != NULL && strstr(name, text) != NULL)
			return 1;
		if (INTERNET_ADDRESS_IS_GROUP(ia) &&
		    in_names(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), text))
			return 1;
	}
	return 0;
}

/* Are all the bad links of the field at begin in display names of list? */
static int all_in_names(const struct sl_msg *m, size_t begin, InternetAddressList *list)
{
	size_t i;
	for (i = 0; i < m->nurls; i++) {
		const struct sl_url *u = &m->urls[i];
		if (u->offset == begin && to_disarm(m, u) && !in_names(list, u->url))
			return 0;
	}
	return 1;
}

/* The field at f written anew with its bad links defanged (no line end at its
 * end): an address field keeps its structure when the links were all in
 * display names; anything else becomes its decoded text, defanged. */
static char *rebuild(const struct sl_msg *m, const struct field *f)
{
	const char *name = (const char *)m->raw + f->begin;
	size_t nlen = f->colon - f->begin;
	GMimeFormatOptions *fo = g_mime_format_options_new();
	InternetAddressList *list = NULL;
	char *v = field_value(m, f), *hdr = NULL, *folded = NULL, *r;
	size_t len;

	g_mime_format_options_set_newline_format(fo, m->crlf ? GMIME_NEWLINE_FORMAT_DOS
							      : GMIME_NEWLINE_FORMAT_UNIX);
	if (field_kind(name, nlen) == K_ADDR)
		list = internet_address_list_parse(NULL, v);
	if (list != NULL && internet_address_list_length(list) > 0 && all_in_names(m, f->begin, list)) {
		/* GMime's own header writer: encoded words, folded between addresses */
		GString *g = g_string_new(NULL);
		disarm_names(m, f->begin, list);
		g_string_append_printf(g, "%.*s: ", (int)nlen, name);
		internet_address_list_encode(list, fo, g);
		hdr = g_strdup(g->str);
		folded = g_string_free(g, FALSE);
	} else {
		char *t = g_strstrip(decoded_text(v)), *d = disarm_text(m, f->begin, t);
		char *e = g_mime_utils_header_encode_text(fo, d != NULL ? d : t, NULL);
		hdr = g_strdup_printf("%.*s: %s", (int)nlen, name, e != NULL ? e : "");
		folded = g_mime_utils_unstructured_header_fold(NULL, fo, hdr);
		g_free(e);
		g_free(d);
		g_free(t);
	}
	if (folded == NULL || !folded_safely(folded)) {
		/* never: GMime folds with a blank after each line end; one line then */
		char *p;
		g_free(folded);
		folded = g_strdup(hdr);
		for (p = folded; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
	}
	len = strlen(folded);
	while (len > 0 && (folded[len - 1] == '\n' || folded[len - 1] == '\r'))
		len--;
	r = sl_xstrndup(folded, len);
	g_free(folded);
	g_free(hdr);
	g_free(v);
	if (list != NULL)
		g_object_unref(list);
	g_mime_format_options_free(fo);
	return r;
}

static int cmp_todo(const void *a, const void *b)
{
	const struct todo *x = a, *y = b;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

void sl_hdrlinks_copy(const struct sl_msg *m, size_t from, size_t to, struct sl_buf *out)
{
	GArray *todo = g_array_new(FALSE, FALSE, sizeof(struct todo));
	size_t i, pos = from;

	for (i = 0; i < m->nurls; i++) {
		const struct sl_url *u = &m->urls[i];
		struct todo t = { u->offset, u->offset + u->length };
		size_t k;
		int dup = 0;
		if (!to_disarm(m, u) || t.end > m->raw_len)
			continue;
		for (k = 0; k < todo->len && !dup; k++)
			dup = g_array_index(todo, struct todo, k).begin == t.begin;
		if (!dup)
			g_array_append_val(todo, t);
	}
	if (todo->len > 0)
		g_once(&gmime_once, init_gmime, NULL);
	g_array_sort(todo, cmp_todo);
	for (i = 0; i < todo->len; i++) {
		const struct todo *t = &g_array_index(todo, struct todo, i);
		if (t->end <= pos || t->begin >= to)
			continue;
		if (t->begin > pos)
			sl_buf_add(out, m->raw + pos, t->begin - pos);
		if (t->begin >= from) {
			struct field f = { t->begin, t->begin, t->end };
			const char *colon = memchr(m->raw + t->begin, ':', t->end - t->begin);
			if (colon != NULL) {
				char *r;
				f.colon = (size_t)((const unsigned char *)colon - m->raw);
				r = rebuild(m, &f);
				sl_buf_addstr(out, r);
				free(r);
			}
		}
		pos = t->end < to ? t->end : to;
	}
	if (to > pos)
		sl_buf_add(out, m->raw + pos, to - pos);
	g_array_free(todo, TRUE);
}
