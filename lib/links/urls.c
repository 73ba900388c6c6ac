/* urls - see urls.h. */
#include "urls.h"
#include "textconv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gumbo.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util.h"

#define MATCH_LIMIT 1000000u  /* PCRE2 steps per match attempt; patterns are linear */
#define SHOWN_NODES 4096      /* nodes walked for one anchor's text */
#define SHOWN_BYTES 65536     /* source bytes read for one anchor's text */

/*
 * U: a character that may be part of a URL in text: not space, not a control,
 * not <>"` and not the quotes and CJK punctuation that people put around URLs.
 * D: a domain label character. LABELS: labels each followed by a dot and
 * another label, so that the last one is left for T, the top-level domain
 * (alphabetic, or an A-label) and a trailing dot is not taken. Each alternative starts only where no word, dot or slash precedes
 * it and scans its token once (possessive), so a search is linear.
 */
#define U "[^\\s\\p{Z}\\p{Cc}<>\"`\\x{2018}\\x{2019}\\x{201C}\\x{201D}\\x{00AB}\\x{00BB}" \
	  "\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}\\x{3000}-\\x{303F}\\x{FF01}\\x{FF08}\\x{FF09}" \
	  "\\x{FF0C}\\x{FF0E}\\x{FF1A}\\x{FF1B}\\x{FF1F}\\x{FFFD}]"
#define D "[\\p{L}\\p{N}]"
#define T "(?:\\p{L}{2,63}+|xn--[a-z0-9-]{1,59}+)(?![\\p{L}\\p{N}-])"
#define LABELS "(?:" D "[\\p{L}\\p{N}-]*+\\.(?=" D "))"
#define NOTAFTER "(?<![\\p{L}\\p{N}._@/\\\\-])"
static const char url_pattern[] =
	"(?:https?|ftp):(?://|\\\\\\\\)" U "++"
	"|" NOTAFTER "www\\d{0,3}\\." LABELS "*+" T "(?::\\d{1,5}+)?+(?:[/?#]" U "*+)?+"
	"|" NOTAFTER LABELS "++" T "(?::\\d{1,5}+)?+/" U "*+";

struct sl_urls {
	pcre2_code *re;
	pcre2_match_context *mctx;
	size_t max_url_length;
	size_t max_urls;
	size_t max_html_depth;
};

/* One run: everything mutable lives here, on the caller's stack. */
struct run {
	const struct sl_urls *u;
	struct sl_msg *m;
	pcre2_match_data *md;
	GHashTable *seen;   /* attribute offsets recorded in the current HTML part */
	GPtrArray *walk;    /* scratch stack for anchor text */
	int stopped;        /* urls.max_urls reached */
};

enum part_kind { KIND_NONE, KIND_PLAIN, KIND_HTML };

struct sl_urls *sl_urls_new(const struct sl_config *cfg, char **why)
{
	struct sl_urls *u = sl_xcalloc(1, sizeof(*u));
	int err = 0;
	PCRE2_SIZE erroff = 0;
	PCRE2_UCHAR msg[256];

	u->max_url_length = (size_t)sl_config_int(cfg, "urls.max_url_length");
	u->max_urls = (size_t)sl_config_int(cfg, "urls.max_urls");
	u->max_html_depth = (size_t)sl_config_int(cfg, "urls.max_html_depth");
	u->re = pcre2_compile((PCRE2_SPTR)url_pattern, PCRE2_ZERO_TERMINATED,
			      PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF, &err,
			      &erroff, NULL);
	if (u->re == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		if (why != NULL)
			*why = sl_xasprintf("urls: pattern at offset %zu: %s", (size_t)erroff,
					    (const char *)msg);
		goto fail;
	}
	/* JIT is an optimisation: without it (no executable memory) we still work. */
	(void)pcre2_jit_compile(u->re, PCRE2_JIT_COMPLETE);
	u->mctx = pcre2_match_context_create(NULL);
	if (u->mctx == NULL) {
		if (why != NULL)
			*why = sl_xstrdup("urls: cannot allocate a PCRE2 match context");
		goto fail;
	}
	pcre2_set_match_limit(u->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(u->mctx, MATCH_LIMIT);
	return u;
fail:
	return sl_urls_free(u);
}

struct sl_urls *sl_urls_free(struct sl_urls *u)
{
	if (u == NULL)
		return NULL;
	pcre2_match_context_free(u->mctx);
	pcre2_code_free(u->re);
	free(u);
	return NULL;
}

/* ---- recording ---------------------------------------------------------- */

/* Records url (len bytes, no NUL inside) unless a limit says otherwise.
 * Returns 0, or SL_ETOOBIG once urls.max_urls is reached (the run stops). */
static int add(struct run *r, int part, const char *url, size_t len, size_t off, size_t srclen,
	       enum sl_url_context ctx, const char *shown)
{
	char *fixed = NULL, *copy;

	if (r->stopped)
		return SL_ETOOBIG;
	if (r->m->nurls >= r->u->max_urls) {
		sl_msg_add_finding(r->m, SL_FIND_LIMIT, "limit", part,
				   "more than %zu URLs in the message (urls.max_urls): the rest were "
				   "not examined",
				   r->u->max_urls);
		r->stopped = 1;
		r->m->incomplete = 1; /* links left unjudged: never delivered as is */
		return SL_ETOOBIG;
	}
	/* gumbo can decode a huge numeric reference into invalid UTF-8 */
	if (!g_utf8_validate_len(url, len, NULL)) {
		fixed = g_utf8_make_valid(url, (gssize)len);
		url = fixed;
		len = strlen(fixed);
	}
	/* A URL past urls.max_url_length is recorded all the same: the reputation
	 * stage judges it suspicious without parsing it, and the rewriter needs its
	 * place to disarm it. */
	copy = sl_xstrndup(url, len);
	sl_msg_add_url(r->m, part, copy, off, srclen, ctx, shown);
	free(copy);
	g_free(fixed);
	return 0;
}

/* ---- plain text ----------------------------------------------------------- */

/* Drops what mail clients do not take as part of a URL at its end. */
static size_t trim_end(const char *s, size_t b, size_t e)
{
	long paren = 0, bracket = 0, brace = 0;
	size_t i;

	for (i = b; i < e; i++) {
		paren += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
		bracket += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
		brace += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
	}
	while (e > b) {
		char c = s[e - 1];
		if (strchr(".,;:!?'\"*", c) != NULL) {
			e--;
		} else if (c == ')' && paren < 0) {
			e--;
			paren++;
		} else if (c == ']' && bracket < 0) {
			e--;
			bracket++;
		} else if (c == '}' && brace < 0) {
			e--;
			brace++;
		} else {
			break;
		}
	}
	return e;
}

/* Length of the scheme prefix ("http://") when s starts with one, else 0. */
static size_t scheme_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && i < 6 && g_ascii_isalpha(s[i]))
		i++;
	if (i + 3 <= n && s[i] == ':' && (s[i + 1] == '/' || s[i + 1] == '\\'))
		return i + 3;
	return 0;
}

/*
 * Finds URLs in [s, s+n). Offsets: base + i when map is NULL, else map[i]
 * (map has n+1 entries: the source offset of each byte of s, for text that
 * was entity-decoded). Stops when the run stops.
 */
static void find_text(struct run *r, int part, const char *s, size_t n, size_t base,
		      const size_t *map)
{
	PCRE2_SIZE start = 0;

	while (start < n && !r->stopped) {
		int rc = pcre2_match(r->u->re, (PCRE2_SPTR)s, n, start, 0, r->md, r->u->mctx);
		PCRE2_SIZE *ov;
		size_t b, e, sl, off, end;

		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			/* Match limit or similar: skip this token, never loop. */
			start++;
			while (start < n && !g_ascii_isspace(s[start]))
				start++;
			continue;
		}
		ov = pcre2_get_ovector_pointer(r->md);
		b = ov[0];
		e = ov[1];
		start = e > start ? e : start + 1;
		e = trim_end(s, b, e);
		sl = scheme_len(s + b, e - b);
		if (e <= b || (sl > 0 && e - b <= sl))
			continue;
		off = map != NULL ? map[b] : base + b;
		end = map != NULL ? map[e] : base + e;
		add(r, part, s + b, e - b, off, end - off, SL_URLCTX_TEXT, NULL);
	}
}

/* ---- HTML ----------------------------------------------------------------- */

/* Decodes the character references people write in text around URLs
 * (&amp; &lt; &gt; &quot; &apos; &nbsp; and numeric ones) into out, with
 * map[i] = source offset (plus base) of out byte i; map[len] = base + n. */
static void decode_entities(const char *s, size_t n, size_t base, struct sl_buf *out, size_t **mapp)
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
			map[out->len + k] = base + i;
		sl_buf_add(out, u8, ulen);
		i += adv;
	}
	map[out->len] = base + n;
	*mapp = map;
}

/* A text node outside <a>: the plain-text finder over its source bytes. */
static void html_text(struct run *r, int part, const char *src, size_t n, size_t base,
		      const GumboText *t)
{
	const char *p = t->original_text.data;
	size_t len = t->original_text.length;

	if (p == NULL || p < src || len > n || (size_t)(p - src) > n - len)
		return;
	if (memchr(p, '&', len) == NULL) {
		find_text(r, part, p, len, base + (size_t)(p - src), NULL);
	} else {
		struct sl_buf dec;
		size_t *map = NULL;
		decode_entities(p, len, base + (size_t)(p - src), &dec, &map);
		find_text(r, part, dec.data, dec.len, 0, map);
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
static char *anchor_text(struct run *r, const GumboNode *a)
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

/* Records the URL in attribute name of el, if it has a usable one. */
static void html_attr(struct run *r, int part, const char *src, size_t n, size_t base,
		      const GumboElement *el, const char *name, enum sl_url_context ctx,
		      const GumboNode *anchor)
{
	const GumboAttribute *a = gumbo_get_attribute(&el->attributes, name);
	const char *v, *ve, *ov;
	char *url = NULL, *shown = NULL;
	size_t off, ol;

	if (a == NULL || a->value == NULL)
		return;
	ov = a->original_value.data;
	ol = a->original_value.length;
	if (ov == NULL || ol == 0 || ov < src || ol > n || (size_t)(ov - src) > n - ol)
		return;
	off = base + (size_t)(ov - src);
	/* Reconstructed formatting elements share their original's attributes. */
	if (g_hash_table_contains(r->seen, GSIZE_TO_POINTER(off + 1)))
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
		if (ve == v || *v == '#')
			return;
	}
	g_hash_table_add(r->seen, GSIZE_TO_POINTER(off + 1));
	if (anchor != NULL)
		shown = anchor_text(r, anchor);
	add(r, part, v, (size_t)(ve - v), off, ol, ctx, shown);
	free(shown);
	free(url);
}

static void html_element(struct run *r, int part, const char *src, size_t n, size_t base,
			 const GumboNode *node)
{
	const GumboElement *el = &node->v.element;
	const GumboAttribute *he;

	switch (el->tag) {
	case GUMBO_TAG_A:
	case GUMBO_TAG_AREA:
		html_attr(r, part, src, n, base, el, "href", SL_URLCTX_HREF, node);
		break;
	case GUMBO_TAG_FORM:
		html_attr(r, part, src, n, base, el, "action", SL_URLCTX_FORM, NULL);
		break;
	case GUMBO_TAG_BUTTON:
	case GUMBO_TAG_INPUT:
		html_attr(r, part, src, n, base, el, "formaction", SL_URLCTX_FORM, NULL);
		break;
	case GUMBO_TAG_IMG:
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_FRAME:
		html_attr(r, part, src, n, base, el, "src", SL_URLCTX_SRC, NULL);
		break;
	case GUMBO_TAG_META:
		he = gumbo_get_attribute(&el->attributes, "http-equiv");
		if (he != NULL && g_ascii_strcasecmp(he->value, "refresh") == 0)
			html_attr(r, part, src, n, base, el, "content", SL_URLCTX_META_REFRESH, NULL);
		break;
	default:
		break;
	}
}

static void scan_html(struct run *r, int part, const char *src, size_t n, size_t base, int nested);

/* <!--[if mso]> ... <![endif]-->: Outlook renders what is inside. */
static void html_comment(struct run *r, int part, const char *src, size_t n, size_t base,
			 const GumboText *t)
{
	const char *p = t->original_text.data;
	size_t len = t->original_text.length;

	if (p == NULL || p < src || len > n || (size_t)(p - src) > n - len)
		return;
	if (len < 4 + 3 || memcmp(p, "<!--", 4) != 0 || g_ascii_strncasecmp(p + 4, "[if", 3) != 0)
		return;
	if (len >= 7 && memcmp(p + len - 3, "-->", 3) == 0)
		len -= 3;
	scan_html(r, part, p + 4, len - 4, base + (size_t)(p + 4 - src), 1);
}

struct frame {
	const GumboNode *node;
	int in_a;
};

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

/* Parses [src, src+n) with gumbo and records what can be clicked in it.
 * Offsets are base + position in src. nested: inside a conditional comment. */
static void scan_html(struct run *r, int part, const char *src, size_t n, size_t base, int nested)
{
	GumboOptions opt = kGumboDefaultOptions;
	GumboOutput *out = NULL;
	struct frame *st = NULL;
	size_t nst = 0, ast = 0, depth;

	depth = html_depth(src, n, r->u->max_html_depth);
	if (depth > r->u->max_html_depth) {
		sl_msg_add_finding(r->m, SL_FIND_LIMIT, "limit", part,
				   "HTML nested more than %zu elements deep (urls.max_html_depth): searched as text",
				   r->u->max_html_depth);
		find_text(r, part, src, n, base, NULL);
		return;
	}
	opt.max_errors = 0;
	out = gumbo_parse_with_options(&opt, src, n);
	if (out == NULL) {
		find_text(r, part, src, n, base, NULL);
		return;
	}
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
			html_element(r, part, src, n, base, f.node);
			if (invisible_tag(f.node->v.element.tag))
				break;
			in_a = in_a || f.node->v.element.tag == GUMBO_TAG_A;
			kids = &f.node->v.element.children;
			break;
		case GUMBO_NODE_TEXT:
			if (!in_a)
				html_text(r, part, src, n, base, &f.node->v.text);
			break;
		case GUMBO_NODE_COMMENT:
			if (!nested)
				html_comment(r, part, src, n, base, &f.node->v.text);
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
	free(st);
	gumbo_destroy_output(&opt, out);
}

/* ---- the stage ------------------------------------------------------------ */

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && g_ascii_strcasecmp(s + a - b, suffix) == 0;
}

static enum part_kind part_kind(const struct sl_part *p)
{
	int file = p->is_attachment || p->origin != SL_ORIGIN_MIME;
	const char *type = file && p->detected_type != NULL ? p->detected_type : p->declared_type;
	const char *fn = p->filename;

	if (p->is_container || p->data == NULL || p->data_len == 0)
		return KIND_NONE;
	if (type == NULL && !file)
		type = "text/plain"; /* RFC 2045 default */
	if (type == NULL)
		return KIND_NONE;
	if (strcmp(type, "text/html") == 0 || strcmp(type, "application/xhtml+xml") == 0)
		return KIND_HTML;
	if (fn != NULL && (ends_with_ci(fn, ".htm") || ends_with_ci(fn, ".html") ||
			   ends_with_ci(fn, ".xhtml") || ends_with_ci(fn, ".shtml")) &&
	    g_str_has_prefix(type, "text/"))
		return KIND_HTML;
	/* Plain text is read where people read it, in the message; a text file
	 * sent as an attachment (a CSV export, a log) is data, and scanning
	 * megabytes of it for links would cost more than the whole AV scan. */
	if (strcmp(type, "text/plain") == 0 && !file)
		return KIND_PLAIN;
	return KIND_NONE;
}

int sl_urls_run(struct sl_urls *u, struct sl_msg *m)
{
	struct run r = { .u = u, .m = m };
	size_t i;
	int rc = 0;

	r.md = pcre2_match_data_create_from_pattern(u->re, NULL);
	if (r.md == NULL) {
		rc = SL_ENGINE;
		goto out;
	}
	r.seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	r.walk = g_ptr_array_new();
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		enum part_kind k = part_kind(p);

		if (k == KIND_NONE)
			continue;
		sl_text_view(p, k == KIND_HTML);
		if (r.stopped)
			continue; /* text is still set for the rewriters */
		if (k == KIND_HTML) {
			g_hash_table_remove_all(r.seen);
			scan_html(&r, (int)i, p->text, p->text_len, 0, 0);
		} else {
			find_text(&r, (int)i, p->text, p->text_len, 0, NULL);
		}
	}
out:
	if (r.walk != NULL)
		g_ptr_array_free(r.walk, TRUE);
	if (r.seen != NULL)
		g_hash_table_destroy(r.seen);
	pcre2_match_data_free(r.md);
	return rc;
}
