/* htmllinks - see htmllinks.h. */
#include <glib.h>

#include "htmllinks.h"

#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "css.h"
#include "urlref.h"
#include "urls.h"
#include "util.h"

#define SHOWN_NODES 4096  /* nodes walked for one anchor's text */
#define SHOWN_BYTES 65536 /* source bytes read for one anchor's text */

/* The document being walked: its source and where that was written. */
struct doc {
	const char *src;
	size_t n;
	struct sl_textpos pos;
};

/* An attribute's value as written: [off, end) in the part's text (quotes
 * included), and its inner bytes (quotes excluded) with their position. */
struct rawval {
	size_t off, end;
	const char *in;
	size_t inlen;
	struct sl_textpos inpos;
};

enum akind {
	A_NONE,
	A_HREF,     /* a link: single URL, shown_as from the anchor */
	A_FORM,
	A_SRC,
	A_REFRESH,
	A_BASE,
	A_SRCSET,   /* srcset list: commas and descriptors */
	A_BLANKS,   /* ping, archive: blank-separated list */
	A_CSS,
	A_MAYBE_CSS,/* any other attribute: CSS when it holds a '(' */
	A_SRCDOC,
	A_ANIMATE,  /* SVG animate/set to, from, values, by */
};

/* The context of an attribute that holds one URL. */
static const enum sl_url_context single_ctx[] = {
	[A_HREF] = SL_URLCTX_HREF, [A_FORM] = SL_URLCTX_FORM, [A_SRC] = SL_URLCTX_SRC,
	[A_REFRESH] = SL_URLCTX_META_REFRESH, [A_BASE] = SL_URLCTX_BASE,
};

/* ---- text ----------------------------------------------------------------- */

/* Decodes the character references people write in text and attributes
 * (&amp; &lt; &gt; &quot; &apos; &nbsp; and numeric ones) of s[0, n) into out,
 * with map[i] = where out byte i was written (n+1 entries). */
static void decode_entities(const char *s, size_t n, struct sl_textpos pos, struct sl_buf *out,
			    size_t **mapp)
{
	static const struct {
		const char *name;
		const char *utf8;
	} ent[] = { { "amp", "&" },   { "lt", "<" },	   { "gt", ">" },
		    { "quot", "\"" }, { "apos", "'" }, { "nbsp", "\xC2\xA0" } };
	/* a reference never decodes to more bytes than it is written with */
	size_t *map = sl_xmalloc((n + 1) * sizeof(*map));
	size_t i = 0, k;

	sl_buf_init(out, 0);
	while (i < n) {
		char u8[8];
		size_t ulen = 0, adv = 1;

		if (s[i] == '&' && i + 2 < n && s[i + 1] == '#') {
			size_t j = i + 2;
			int hex = j < n && (s[j] == 'x' || s[j] == 'X');
			gunichar c = 0;
			size_t digits = 0;
			if (hex)
				j++;
			for (; j < n && (hex ? g_ascii_isxdigit(s[j]) : g_ascii_isdigit(s[j])); j++) {
				if (c < 0x110000)
					c = c * (hex ? 16 : 10) +
					    (gunichar)(hex ? g_ascii_xdigit_value(s[j]) : s[j] - '0');
				digits++;
			}
			if (digits > 0) {
				if (j < n && s[j] == ';')
					j++;
				if (c == 0 || c >= 0x110000 || (c >= 0xD800 && c < 0xE000))
					c = 0xFFFD;
				ulen = (size_t)g_unichar_to_utf8(c, u8);
				adv = j - i;
			}
		} else if (s[i] == '&') {
			for (k = 0; k < G_N_ELEMENTS(ent); k++) {
				size_t l = strlen(ent[k].name);
				if (i + 1 + l <= n && memcmp(s + i + 1, ent[k].name, l) == 0) {
					ulen = strlen(ent[k].utf8);
					memcpy(u8, ent[k].utf8, ulen);
					adv = 1 + l + (i + 1 + l < n && s[i + 1 + l] == ';');
					break;
				}
			}
		}
		if (ulen == 0) {
			u8[0] = s[i];
			ulen = 1;
			adv = 1;
		}
		for (k = 0; k < ulen; k++)
			map[out->len + k] = sl_textpos_at(pos, i);
		sl_buf_add(out, u8, ulen);
		i += adv;
	}
	map[out->len] = sl_textpos_at(pos, n);
	*mapp = map;
}

/* Where s (inside the document) starts, or 0 when it is not inside it. */
static int inside(const struct doc *d, const char *p, size_t len)
{
	return p != NULL && p >= d->src && len <= d->n && (size_t)(p - d->src) <= d->n - len;
}

/* Text found in the document at p: the plain-text finder over its source
 * bytes, character references decoded. */
static void text_at(struct sl_linkscan *r, const struct doc *d, const char *p, size_t len)
{
	struct sl_textpos pos = sl_textpos_from(d->pos, (size_t)(p - d->src));

	if (memchr(p, '&', len) == NULL) {
		sl_linkscan_text(r, p, len, pos);
	} else {
		struct sl_buf dec;
		size_t *map = NULL;
		decode_entities(p, len, pos, &dec, &map);
		sl_linkscan_text(r, dec.data, dec.len, (struct sl_textpos){ map, 0 });
		sl_buf_free(&dec);
		free(map);
	}
}

static int invisible_tag(GumboTag t)
{
	return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_TITLE ||
	       t == GUMBO_TAG_TEXTAREA || t == GUMBO_TAG_TEMPLATE;
}

static void push_children(GPtrArray *st, const GumboVector *v)
{
	unsigned i;
	for (i = v->length; i > 0; i--)
		g_ptr_array_add(st, v->data[i - 1]);
}

/* Appends text to b with runs of white space collapsed to one space. */
static void append_collapsed(struct sl_buf *b, const char *t, size_t *budget)
{
	const char *p = t;
	while (*p != '\0' && b->len <= SL_URLS_SHOWN_MAX && *budget > 0) {
		gunichar c = g_utf8_get_char_validated(p, -1);
		const char *next;
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			p++;
			(*budget)--;
			continue;
		}
		next = g_utf8_next_char(p);
		if ((size_t)(next - p) >= *budget)
			*budget = 0;
		else
			*budget -= (size_t)(next - p);
		if (g_unichar_isspace(c) || c == 0xA0) {
			if (b->len > 0 && b->data[b->len - 1] != ' ')
				sl_buf_add(b, " ", 1);
		} else {
			sl_buf_add(b, p, (size_t)(next - p));
		}
		p = next;
	}
}

/* The visible text of an anchor: collapsed, trimmed, at most SL_URLS_SHOWN_MAX
 * bytes (cut at a character boundary), or NULL when there is none. */
static char *anchor_text(struct sl_linkscan *r, const GumboNode *a)
{
	struct sl_buf b;
	size_t nodes = 0, budget = SHOWN_BYTES;
	GPtrArray *st = r->walk;

	sl_buf_init(&b, 0);
	g_ptr_array_set_size(st, 0);
	push_children(st, &a->v.element.children);
	while (st->len > 0 && b.len <= SL_URLS_SHOWN_MAX && nodes++ < SHOWN_NODES && budget > 0) {
		const GumboNode *n = g_ptr_array_steal_index(st, st->len - 1);
		if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
		    n->type == GUMBO_NODE_CDATA)
			append_collapsed(&b, n->v.text.text, &budget);
		else if (n->type == GUMBO_NODE_ELEMENT && !invisible_tag(n->v.element.tag))
			push_children(st, &n->v.element.children);
	}
	g_ptr_array_set_size(st, 0);
	if (b.len > SL_URLS_SHOWN_MAX) {
		b.len = SL_URLS_SHOWN_MAX;
		while (b.len > 0 && ((unsigned char)b.data[b.len] & 0xC0) == 0x80)
			b.len--;
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.len--;
	if (b.len == 0 || b.data == NULL) {
		sl_buf_free(&b);
		return NULL;
	}
	b.data[b.len] = '\0';
	return sl_buf_take(&b);
}

/* ---- attributes ----------------------------------------------------------- */

static const char *skip_ws(const char *p)
{
	while (*p != '\0' && g_ascii_isspace(*p))
		p++;
	return p;
}

/* The URL in a meta refresh content ("5; url='https://x'"), or NULL. Caller frees. */
static char *refresh_url(const char *c)
{
	const char *p = skip_ws(c), *e;
	char q;

	while (g_ascii_isdigit(*p) || *p == '.')
		p++;
	p = skip_ws(p);
	if (*p != ';' && *p != ',')
		return NULL;
	p = skip_ws(p + 1);
	if (g_ascii_strncasecmp(p, "url", 3) == 0 && *skip_ws(p + 3) == '=')
		p = skip_ws(skip_ws(p + 3) + 1);
	q = *p == '"' || *p == '\'' ? *p++ : '\0';
	e = q != '\0' ? strchr(p, q) : NULL;
	if (e == NULL)
		e = p + strlen(p);
	while (e > p && g_ascii_isspace(e[-1]))
		e--;
	return e > p ? sl_xstrndup(p, (size_t)(e - p)) : NULL;
}

/* Where a's value was written; 0 when gumbo has no source for it. */
static int raw_value(const struct doc *d, const GumboAttribute *a, struct rawval *rv)
{
	const char *ov = a->original_value.data;
	size_t ol = a->original_value.length;

	if (ol == 0 || !inside(d, ov, ol))
		return 0;
	rv->off = sl_textpos_at(d->pos, (size_t)(ov - d->src));
	rv->end = sl_textpos_at(d->pos, (size_t)(ov - d->src) + ol);
	rv->in = ov;
	rv->inlen = ol;
	if (ov[0] == '"' || ov[0] == '\'') {
		rv->in++;
		rv->inlen -= ol >= 2 && ov[ol - 1] == ov[0] ? 2 : 1;
	}
	rv->inpos = sl_textpos_from(d->pos, (size_t)(rv->in - d->src));
	return 1;
}

/* First time this attribute is seen in the part? (gumbo's reconstructed
 * formatting elements share their original's attributes) */
static int first_time(struct sl_linkscan *r, size_t off)
{
	return g_hash_table_add(r->seen, GSIZE_TO_POINTER(off + 1));
}

/* Records url (a reference as written), resolved against the document's base. */
static void add_ref(struct sl_linkscan *r, const char *url, size_t len, size_t off, size_t end,
		    enum sl_url_context ctx, const char *shown)
{
	char *ref = NULL, *abs = NULL;

	if (r->base_url != NULL) {
		ref = sl_xstrndup(url, len);
		if (!sl_urlref_is_absolute(ref))
			abs = sl_url_resolve(r->base_url, ref);
	}
	if (abs != NULL)
		sl_linkscan_add(r, abs, strlen(abs), off, end, ctx, shown);
	else
		sl_linkscan_add(r, url, len, off, end, ctx, shown);
	free(abs);
	free(ref);
}

/* A reference without a base that goes nowhere: empty or "#fragment". */
static int nowhere(const struct sl_linkscan *r, const char *v, size_t len)
{
	return r->base_url == NULL && (len == 0 || v[0] == '#');
}

/* An attribute that holds one URL. */
static void attr_single(struct sl_linkscan *r, const struct doc *d, const GumboAttribute *a,
			enum sl_url_context ctx, const GumboNode *anchor)
{
	struct rawval rv;
	const char *v, *ve;
	char *url = NULL, *shown = NULL;

	if (a->value == NULL || !raw_value(d, a, &rv))
		return;
	if (ctx == SL_URLCTX_META_REFRESH) {
		url = refresh_url(a->value);
		if (url == NULL)
			return;
		v = url;
		ve = v + strlen(v);
	} else {
		v = skip_ws(a->value);
		ve = v + strlen(v);
		while (ve > v && g_ascii_isspace(ve[-1]))
			ve--;
	}
	if (!nowhere(r, v, (size_t)(ve - v)) && first_time(r, rv.off)) {
		if (anchor != NULL)
			shown = anchor_text(r, anchor);
		add_ref(r, v, (size_t)(ve - v), rv.off, rv.end, ctx, shown);
	}
	free(shown);
	free(url);
}

/* The attribute's inner bytes decoded, with their map (caller frees both). */
static void decoded_value(const struct rawval *rv, struct sl_buf *dec, size_t **map)
{
	decode_entities(rv->in, rv->inlen, rv->inpos, dec, map);
}

/* srcset, ping, archive: every URL of the list. */
static void attr_list(struct sl_linkscan *r, const struct doc *d, const GumboAttribute *a, int commas)
{
	struct rawval rv;
	struct sl_buf dec;
	size_t *map = NULL, pos = 0, b, e;

	if (!raw_value(d, a, &rv) || !first_time(r, rv.off))
		return;
	decoded_value(&rv, &dec, &map);
	while (!r->stopped && sl_url_list_next(dec.data, dec.len, &pos, commas, &b, &e))
		if (!nowhere(r, dec.data + b, e - b))
			add_ref(r, dec.data + b, e - b, map[b], map[e], SL_URLCTX_SRCSET, NULL);
	sl_buf_free(&dec);
	free(map);
}

struct css_ctx {
	struct sl_linkscan *r;
	struct sl_textpos pos;
};

static int on_css_url(void *ctx, const char *url, size_t len, size_t begin, size_t end)
{
	struct css_ctx *c = ctx;
	if (!nowhere(c->r, url, len))
		add_ref(c->r, url, len, sl_textpos_at(c->pos, begin), sl_textpos_at(c->pos, end),
			SL_URLCTX_CSS, NULL);
	return c->r->stopped;
}

/* CSS written at s[0, n) (character references already decoded, or none). */
static void css_at(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos)
{
	struct css_ctx c = { r, pos };
	sl_css_urls(s, n, on_css_url, &c);
}

static void attr_css(struct sl_linkscan *r, const struct doc *d, const GumboAttribute *a)
{
	struct rawval rv;
	struct sl_buf dec;
	size_t *map = NULL;

	/* the value as gumbo decoded it: "u&#114;l(" is "url(" there too */
	if (a->value == NULL || !sl_css_may_load(a->value, strlen(a->value)))
		return;
	if (!raw_value(d, a, &rv) || !first_time(r, rv.off))
		return;
	decoded_value(&rv, &dec, &map);
	css_at(r, dec.data != NULL ? dec.data : "", dec.len, (struct sl_textpos){ map, 0 });
	sl_buf_free(&dec);
	free(map);
}

static void links_in(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos);

/* <iframe srcdoc="...">: a document of its own; its links share the
 * attribute's range, since they cannot be edited inside it one by one. */
static void attr_srcdoc(struct sl_linkscan *r, const struct doc *d, const GumboAttribute *a)
{
	struct rawval rv;
	struct sl_buf dec;
	size_t *map = NULL;
	int ctx = r->ctx, whole = r->whole, nested = r->html_nested;
	size_t woff = r->whole_off, wlen = r->whole_len;

	if (r->html_nested || !raw_value(d, a, &rv) || !first_time(r, rv.off))
		return;
	decoded_value(&rv, &dec, &map);
	if (ctx < 0)
		r->ctx = SL_URLCTX_SRCDOC;
	if (!whole) {
		r->whole = 1;
		r->whole_off = rv.off;
		r->whole_len = rv.end - rv.off;
	}
	r->html_nested = 1;
	links_in(r, dec.data != NULL ? dec.data : "", dec.len, (struct sl_textpos){ map, 0 });
	r->ctx = ctx;
	r->whole = whole;
	r->whole_off = woff;
	r->whole_len = wlen;
	r->html_nested = nested;
	sl_buf_free(&dec);
	free(map);
}

/* SVG <animate attributeName="href" values="a;b">: each value is a link. */
static void attr_animate(struct sl_linkscan *r, const struct doc *d, const GumboAttribute *a)
{
	struct rawval rv;
	char **items;
	size_t k;

	if (a->value == NULL || !raw_value(d, a, &rv) || !first_time(r, rv.off))
		return;
	items = g_strsplit(a->value, ";", 64);
	for (k = 0; items[k] != NULL && !r->stopped; k++) {
		char *v = g_strstrip(items[k]);
		if (!nowhere(r, v, strlen(v)))
			add_ref(r, v, strlen(v), rv.off, rv.end, SL_URLCTX_HREF, NULL);
	}
	g_strfreev(items);
}

static int attr_is(const GumboElement *el, const char *name, const char *const *values)
{
	const GumboAttribute *a = gumbo_get_attribute(&el->attributes, name);
	size_t k;
	if (a == NULL || a->value == NULL)
		return 0;
	for (k = 0; values[k] != NULL; k++)
		if (g_ascii_strcasecmp(skip_ws(a->value), values[k]) == 0)
			return 1;
	return 0;
}

/* What attribute `name` of el holds. */
static enum akind classify(const GumboElement *el, const char *name)
{
	static const char *const loads[] = { "poster", "background", "codebase", "cite", "longdesc",
					     "lowsrc", "dynsrc", "manifest", "icon", NULL };
	static const char *const refresh[] = { "refresh", NULL };
	static const char *const param[] = { "movie", "src", "url", "filename", "href", "data",
					     "source", "code", NULL };
	static const char *const hrefs[] = { "href", "xlink:href", NULL };
	GumboTag t = el->tag;
	size_t k;

	if (strcmp(name, "href") == 0 || strcmp(name, "xlink:href") == 0) {
		if (t == GUMBO_TAG_A || t == GUMBO_TAG_AREA)
			return A_HREF;
		return t == GUMBO_TAG_BASE ? A_BASE : A_SRC;
	}
	if (strcmp(name, "src") == 0)
		return A_SRC;
	if (strcmp(name, "style") == 0)
		return A_CSS;
	if (strcmp(name, "srcset") == 0 || strcmp(name, "imagesrcset") == 0)
		return A_SRCSET;
	if (strcmp(name, "ping") == 0 || strcmp(name, "archive") == 0)
		return A_BLANKS;
	if (strcmp(name, "formaction") == 0 || (strcmp(name, "action") == 0 && t == GUMBO_TAG_FORM))
		return A_FORM;
	if (strcmp(name, "data") == 0 && t == GUMBO_TAG_OBJECT)
		return A_SRC;
	if (strcmp(name, "srcdoc") == 0 && t == GUMBO_TAG_IFRAME)
		return A_SRCDOC;
	if (strcmp(name, "content") == 0 && t == GUMBO_TAG_META)
		return attr_is(el, "http-equiv", refresh) ? A_REFRESH : A_NONE;
	if (strcmp(name, "value") == 0 && t == GUMBO_TAG_PARAM)
		return attr_is(el, "name", param) ? A_SRC : A_NONE;
	if (el->tag_namespace == GUMBO_NAMESPACE_SVG &&
	    (strcmp(name, "to") == 0 || strcmp(name, "from") == 0 || strcmp(name, "values") == 0 ||
	     strcmp(name, "by") == 0))
		return attr_is(el, "attributeName", hrefs) ? A_ANIMATE : A_NONE;
	for (k = 0; loads[k] != NULL; k++)
		if (strcmp(name, loads[k]) == 0)
			return A_SRC;
	if (name[0] == 'o' && name[1] == 'n')
		return A_NONE; /* event handlers: script, not CSS */
	return A_MAYBE_CSS;
}

static void element(struct sl_linkscan *r, const struct doc *d, const GumboNode *node)
{
	const GumboElement *el = &node->v.element;
	unsigned i;

	for (i = 0; i < el->attributes.length && !r->stopped; i++) {
		const GumboAttribute *a = el->attributes.data[i];
		enum akind k = classify(el, a->name);
		switch (k) {
		case A_HREF:
		case A_FORM:
		case A_SRC:
		case A_REFRESH:
		case A_BASE:
			attr_single(r, d, a, single_ctx[k], k == A_HREF ? node : NULL);
			break;
		case A_SRCSET:
			attr_list(r, d, a, 1);
			break;
		case A_BLANKS:
			attr_list(r, d, a, 0);
			break;
		case A_CSS:
			attr_css(r, d, a);
			break;
		case A_MAYBE_CSS:
			if (a->value != NULL && strchr(a->value, '(') != NULL)
				attr_css(r, d, a); /* fill="url(...)" and the like */
			break;
		case A_SRCDOC:
			attr_srcdoc(r, d, a);
			break;
		case A_ANIMATE:
			attr_animate(r, d, a);
			break;
		case A_NONE:
			break;
		}
	}
	if (el->tag == GUMBO_TAG_STYLE) {
		/* the style sheet: raw text in HTML, ordinary text (references) in SVG */
		for (i = 0; i < el->children.length && !r->stopped; i++) {
			const GumboNode *c = el->children.data[i];
			const GumboStringPiece *t = &c->v.text.original_text;
			if (c->type != GUMBO_NODE_TEXT && c->type != GUMBO_NODE_WHITESPACE &&
			    c->type != GUMBO_NODE_CDATA)
				continue;
			if (!inside(d, t->data, t->length) || !sl_css_may_load(t->data, t->length))
				continue;
			if (el->tag_namespace == GUMBO_NAMESPACE_HTML || memchr(t->data, '&', t->length) == NULL) {
				css_at(r, t->data, t->length,
				       sl_textpos_from(d->pos, (size_t)(t->data - d->src)));
			} else {
				struct sl_buf dec;
				size_t *map = NULL;
				decode_entities(t->data, t->length,
						sl_textpos_from(d->pos, (size_t)(t->data - d->src)), &dec, &map);
				css_at(r, dec.data != NULL ? dec.data : "", dec.len, (struct sl_textpos){ map, 0 });
				sl_buf_free(&dec);
				free(map);
			}
		}
	}
}

/* ---- the document --------------------------------------------------------- */

/* <!--[if mso]> ... <![endif]-->: Outlook renders what is inside. */
static void comment(struct sl_linkscan *r, const struct doc *d, const GumboText *t)
{
	const char *p = t->original_text.data;
	size_t len = t->original_text.length;
	int nested = r->html_nested;

	if (r->html_nested || !inside(d, p, len))
		return;
	if (len < 4 + 3 || memcmp(p, "<!--", 4) != 0 || g_ascii_strncasecmp(p + 4, "[if", 3) != 0)
		return;
	if (memcmp(p + len - 3, "-->", 3) == 0)
		len -= 3;
	r->html_nested = 1;
	links_in(r, p + 4, len - 4, sl_textpos_from(d->pos, (size_t)(p + 4 - d->src)));
	r->html_nested = nested;
}

/*
 * Estimated element depth of the document, to keep gumbo off inputs whose
 * parse cost would be depth times tags. Follows start and end tags with a
 * stack of tag ids, treating void and self-closing elements and those whose
 * start closes an open one of the same kind (p, li, td, a...) as not nesting;
 * stops counting past limit. Linear.
 */
static size_t html_depth(const char *s, size_t n, size_t limit)
{
	static const GumboTag flat[] = {
		GUMBO_TAG_AREA, GUMBO_TAG_BASE, GUMBO_TAG_BR, GUMBO_TAG_COL, GUMBO_TAG_EMBED,
		GUMBO_TAG_HR, GUMBO_TAG_IMG, GUMBO_TAG_INPUT, GUMBO_TAG_LINK, GUMBO_TAG_META,
		GUMBO_TAG_PARAM, GUMBO_TAG_SOURCE, GUMBO_TAG_TRACK, GUMBO_TAG_WBR, GUMBO_TAG_KEYGEN,
		GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_FRAME, GUMBO_TAG_IMAGE,
		GUMBO_TAG_MENUITEM, GUMBO_TAG_P, GUMBO_TAG_LI, GUMBO_TAG_DT, GUMBO_TAG_DD,
		GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_OPTION, GUMBO_TAG_OPTGROUP,
		GUMBO_TAG_RB, GUMBO_TAG_RP, GUMBO_TAG_RT, GUMBO_TAG_RTC, GUMBO_TAG_TBODY,
		GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT, GUMBO_TAG_COLGROUP, GUMBO_TAG_CAPTION,
		GUMBO_TAG_HTML, GUMBO_TAG_HEAD, GUMBO_TAG_BODY, GUMBO_TAG_A, GUMBO_TAG_NOBR,
		GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6,
		GUMBO_TAG_FORM, GUMBO_TAG_BUTTON,
	};
	unsigned char isflat[GUMBO_TAG_LAST + 1] = { 0 };
	size_t count[GUMBO_TAG_LAST + 1] = { 0 };
	GumboTag *stack = sl_xmalloc((limit + 1) * sizeof(*stack));
	size_t depth = 0, max = 0, i = 0, k;

	for (k = 0; k < G_N_ELEMENTS(flat); k++)
		isflat[flat[k]] = 1;
	while (i < n && max <= limit) {
		const char *lt = memchr(s + i, '<', n - i);
		char name[16];
		size_t j, l = 0;
		int end;
		GumboTag tag;

		if (lt == NULL)
			break;
		i = (size_t)(lt - s) + 1;
		if (n - i >= 3 && memcmp(s + i, "!--", 3) == 0) {
			const char *c = memmem(s + i + 3, n - i - 3, "-->", 3);
			if (c == NULL)
				break;
			i = (size_t)(c - s) + 3;
			continue;
		}
		end = i < n && s[i] == '/';
		j = i + (size_t)end;
		if (j >= n || !g_ascii_isalpha(s[j]))
			continue;
		for (; j < n && (g_ascii_isalnum(s[j]) || s[j] == '-'); j++)
			if (l < sizeof(name) - 1)
				name[l++] = g_ascii_tolower(s[j]);
		name[l] = '\0';
		tag = gumbo_tag_enum(name);
		/* to the end of the tag, over quoted attribute values */
		{
			char q = '\0';
			for (; j < n && (q != '\0' || s[j] != '>'); j++)
				if (q != '\0' && s[j] == q)
					q = '\0';
				else if (q == '\0' && (s[j] == '"' || s[j] == '\''))
					q = s[j];
			if (j >= n)
				break;
		}
		i = j + 1;
		if (end) {
			if (tag == GUMBO_TAG_UNKNOWN || count[tag] == 0)
				continue;
			while (depth > 0) {
				GumboTag t = stack[--depth];
				count[t]--;
				if (t == tag)
					break;
			}
			continue;
		}
		if (tag != GUMBO_TAG_UNKNOWN && isflat[tag])
			continue;
		if (j > 0 && s[j - 1] == '/')
			continue;
		if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEXTAREA ||
		    tag == GUMBO_TAG_TITLE || tag == GUMBO_TAG_XMP || tag == GUMBO_TAG_PLAINTEXT) {
			/* raw text: skip to its end tag */
			size_t nl = strlen(name);
			while (i < n) {
				const char *c = memchr(s + i, '<', n - i);
				if (c == NULL) {
					i = n;
					break;
				}
				i = (size_t)(c - s) + 1;
				if (i < n && s[i] == '/' && n - i - 1 >= nl &&
				    g_ascii_strncasecmp(s + i + 1, name, nl) == 0)
					break;
			}
			continue;
		}
		stack[depth++] = tag;
		count[tag]++;
		if (depth > max)
			max = depth;
	}
	free(stack);
	return max;
}

/* Is there a "<base" tag in the source at all? (most mail has none) */
static int has_base_tag(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p < end) {
		p = memchr(p, '<', (size_t)(end - p));
		if (p == NULL || end - p < 6)
			return 0;
		p++;
		if (g_ascii_strncasecmp(p, "base", 4) == 0 && (g_ascii_isspace(p[4]) || p[4] == '/' || p[4] == '>'))
			return 1;
	}
	return 0;
}

/* The document's base URL: the first <base href> in tree order, resolved
 * against the base it inherits (a srcdoc document's parent); a scheme-relative
 * one takes https, as in a web mail client. NULL when there is none. */
static char *find_base(const GumboNode *root, const char *inherited)
{
	GPtrArray *st = g_ptr_array_new();
	char *base = NULL;

	g_ptr_array_add(st, (gpointer)root);
	while (st->len > 0 && base == NULL) {
		const GumboNode *n = g_ptr_array_steal_index(st, st->len - 1);
		const GumboVector *kids;
		if (n->type == GUMBO_NODE_DOCUMENT) {
			kids = &n->v.document.children;
		} else if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) {
			const GumboAttribute *a = n->v.element.tag == GUMBO_TAG_BASE
							  ? gumbo_get_attribute(&n->v.element.attributes, "href")
							  : NULL;
			if (a != NULL && a->value != NULL) {
				char *v = g_strstrip(g_strdup(a->value));
				if (sl_urlref_is_absolute(v))
					base = sl_xstrdup(v);
				else if (v[0] == '/' && v[1] == '/')
					base = sl_xasprintf("https:%s", v);
				else if (inherited != NULL)
					base = sl_url_resolve(inherited, v);
				g_free(v);
				break;
			}
			kids = &n->v.element.children;
		} else {
			continue;
		}
		push_children(st, kids);
	}
	g_ptr_array_free(st, TRUE);
	return base;
}

struct frame {
	const GumboNode *node;
	int in_a;
};

/* Parses [s, s+n) with gumbo and records what it navigates to or loads. */
static void links_in(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos)
{
	GumboOptions opt = kGumboDefaultOptions;
	GumboOutput *out = NULL;
	struct frame *st = NULL;
	size_t nst = 0, ast = 0, depth;
	struct doc d = { s, n, pos };
	const char *inherited = r->base_url;
	char *base = NULL;

	depth = html_depth(s, n, r->max_html_depth);
	if (depth > r->max_html_depth) {
		sl_msg_add_finding(r->m, SL_FIND_LIMIT, "limit", r->part,
				   "HTML nested more than %zu elements deep (urls.max_html_depth): searched as text",
				   r->max_html_depth);
		sl_linkscan_text(r, s, n, pos);
		return;
	}
	opt.max_errors = 0;
	out = gumbo_parse_with_options(&opt, s, n);
	if (out == NULL) {
		sl_linkscan_text(r, s, n, pos);
		return;
	}
	if (has_base_tag(s, n))
		base = find_base(out->document, inherited);
	if (base != NULL)
		r->base_url = base;
	ast = 64;
	st = sl_xmalloc(ast * sizeof(*st));
	st[nst++] = (struct frame){ out->document, 0 };
	while (nst > 0 && !r->stopped) {
		struct frame f = st[--nst];
		const GumboVector *kids = NULL;
		int in_a = f.in_a;
		unsigned i;

		switch (f.node->type) {
		case GUMBO_NODE_DOCUMENT:
			kids = &f.node->v.document.children;
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			element(r, &d, f.node);
			if (invisible_tag(f.node->v.element.tag))
				break;
			in_a = in_a || f.node->v.element.tag == GUMBO_TAG_A;
			kids = &f.node->v.element.children;
			break;
		case GUMBO_NODE_TEXT:
			if (!in_a && inside(&d, f.node->v.text.original_text.data,
					    f.node->v.text.original_text.length))
				text_at(r, &d, f.node->v.text.original_text.data,
					f.node->v.text.original_text.length);
			break;
		case GUMBO_NODE_COMMENT:
			comment(r, &d, &f.node->v.text);
			break;
		default:
			break;
		}
		if (kids == NULL)
			continue;
		if (nst + kids->length > ast) {
			while (nst + kids->length > ast)
				ast *= 2;
			st = sl_xrealloc(st, ast * sizeof(*st));
		}
		for (i = kids->length; i > 0; i--)
			st[nst++] = (struct frame){ kids->data[i - 1], in_a };
	}
	r->base_url = inherited;
	free(base);
	free(st);
	gumbo_destroy_output(&opt, out);
}

void sl_html_links(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos)
{
	links_in(r, s, n, pos);
}
