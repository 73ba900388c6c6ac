/* urlrewrite - see urlrewrite.h. */
#include <glib.h>

#include "urlrewrite.h"

#include <stdlib.h>
#include <string.h>

#include "safelink.h"
#include "textconv.h"
#include "util.h"

struct sl_urlrewrite {
	char *base;          /* safe-link base URL, NULL: defang instead of wrap */
	unsigned char *key;
	size_t keylen;
};

struct sl_urlrewrite *sl_urlrewrite_new(const struct sl_config *cfg, char **why)
{
	struct sl_urlrewrite *ur = sl_xcalloc(1, sizeof(*ur));
	const char *base = sl_config_str(cfg, "safelinks.base_url");
	const char *keyfile = sl_config_str(cfg, "safelinks.key_file");

	if (*base != '\0') {
		char *kwhy = NULL;
		if (*keyfile == '\0') {
			*why = sl_xasprintf("safelinks.key_file: needed when safelinks.base_url is set");
			goto fail;
		}
		if (!g_str_has_prefix(base, "https://") && !g_str_has_prefix(base, "http://")) {
			*why = sl_xasprintf("safelinks.base_url: expected an http(s) URL, got '%s'", base);
			goto fail;
		}
		if (sl_safelink_load_key(keyfile, &ur->key, &ur->keylen, &kwhy) != SL_OK) {
			*why = sl_xasprintf("safelinks.key_file: %s", kwhy ? kwhy : keyfile);
			free(kwhy);
			goto fail;
		}
		ur->base = sl_xstrdup(base);
	}
	return ur;
fail:
	sl_urlrewrite_free(ur);
	return NULL;
}

struct sl_urlrewrite *sl_urlrewrite_free(struct sl_urlrewrite *ur)
{
	if (ur == NULL)
		return NULL;
	if (ur->key != NULL) {
		memset(ur->key, 0, ur->keylen);
		free(ur->key);
	}
	free(ur->base);
	free(ur);
	return NULL;
}

/* The action of the first finding of each (part, rule): "PART RULE" -> action + 1. */
static GHashTable *actions_of(const struct sl_msg *m)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		char *key;
		if (f->kind != SL_FIND_URL)
			continue;
		key = g_strdup_printf("%d %s", f->part, f->rule);
		if (g_hash_table_contains(h, key))
			g_free(key);
		else
			g_hash_table_insert(h, key, GINT_TO_POINTER((int)f->action + 1));
	}
	return h;
}

/* The action the policy chose for this URL's rule in its part. */
static enum sl_action action_for(GHashTable *acts, const struct sl_url *u)
{
	const char *rule = sl_url_rule(u);
	char *key;
	gpointer a;
	if (rule == NULL)
		return SL_ACT_NONE;
	key = g_strdup_printf("%d %s", u->part, rule);
	a = g_hash_table_lookup(acts, key);
	g_free(key);
	return a != NULL ? (enum sl_action)(GPOINTER_TO_INT(a) - 1) : SL_ACT_NONE;
}

/* ' title="WHAT by sluice: WHY (TARGET)"'; why and target come escaped. */
static void add_title(struct sl_buf *b, const char *what, const char *why, const char *target)
{
	char *t = sl_xasprintf("%s by sluice: %s (%s)", what, why, target);
	sl_buf_addstr(b, " title=\"");
	sl_html_escape(b, t);
	sl_buf_addstr(b, "\"");
	free(t);
}

/* The new text for one link, or NULL when its context cannot be edited
 * (a link inside an attachment: the policy removes the attachment). */
static char *replacement(const struct sl_urlrewrite *ur, const struct sl_url *u, enum sl_action act)
{
	char *wrapped = NULL, *r = NULL;
	char *why = sl_escape_text(u->reason ? u->reason
				   : (u->reputation == SL_REP_MALICIOUS ? "listed as malicious" : "looks deceptive"),
				   SL_ESCAPE_DETAIL_MAX);
	char *target = sl_escape_text(u->normalized ? u->normalized : u->url, SL_ESCAPE_DETAIL_MAX);
	struct sl_buf b;

	if (act == SL_ACT_WRAP && ur->base != NULL && u->normalized != NULL && u->context != SL_URLCTX_SRC &&
	    (g_str_has_prefix(u->normalized, "http://") || g_str_has_prefix(u->normalized, "https://")))
		sl_safelink_wrap(ur->key, ur->keylen, ur->base, u->normalized, &wrapped);
	sl_buf_init(&b, 0);
	switch (u->context) {
	case SL_URLCTX_TEXT:
		if (wrapped != NULL) {
			sl_buf_addstr(&b, wrapped);
		} else {
			char *d = sl_escape_text(u->url, SL_ESCAPE_DETAIL_MAX);
			sl_buf_printf(&b, "%s [link disabled by sluice: %s]", d, why);
			free(d);
		}
		break;
	case SL_URLCTX_HREF:
	case SL_URLCTX_FORM:
		sl_buf_addstr(&b, "\"");
		if (wrapped != NULL)
			sl_html_escape(&b, wrapped);
		else
			sl_buf_addstr(&b, "#");
		sl_buf_addstr(&b, "\"");
		add_title(&b, wrapped ? "Link checked" : "Link disabled", why, target);
		break;
	case SL_URLCTX_SRC:
		/* An image or frame loads by itself: never through the redirector. */
		sl_buf_addstr(&b, "\"\"");
		add_title(&b, "Content blocked", why, target);
		break;
	case SL_URLCTX_META_REFRESH:
		sl_buf_addstr(&b, "\"\"");
		break;
	case SL_URLCTX_SRCSET:
		sl_buf_addstr(&b, "about:blank"); /* a list item: no blank, comma or quote */
		break;
	case SL_URLCTX_CSS:
		sl_buf_addstr(&b, "url()");
		break;
	case SL_URLCTX_BASE:
	case SL_URLCTX_SRCDOC:
		sl_buf_addstr(&b, "\"\"");
		break;
	case SL_URLCTX_CALENDAR: {
		/* one iCalendar value: nothing that ends or splits it */
		char *d = sl_url_defang(u->normalized ? u->normalized : u->url), *c;
		for (c = d; *c; c++)
			if (strchr("\r\n,;\\\"'<>&` \t", *c) == NULL)
				sl_buf_add(&b, c, 1);
		free(d);
		break;
	}
	case SL_URLCTX_ATTACHMENT:
	case SL_URLCTX_HEADER: /* the header field is written anew (hdrlinks.h) */
		break;
	}
	free(wrapped);
	free(why);
	free(target);
	if (b.len > 0)
		r = sl_buf_take(&b);
	sl_buf_free(&b);
	return r;
}

/* One replacement of a part's text, and the link it disarms. */
struct repl {
	int part;
	size_t begin, end, url;
	char *text;
};

static int cmp_repl(const void *a, const void *b)
{
	const struct repl *x = a, *y = b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* The replacements for the bad links of m, by part and place; links that
 * cannot be replaced are left out (sl_rewrite_email_check finds them
 * undisarmed). */
static GArray *replacements(const struct sl_urlrewrite *ur, const struct sl_msg *m)
{
	GArray *v = g_array_new(FALSE, FALSE, sizeof(struct repl));
	GHashTable *acts = actions_of(m);
	size_t i;
	for (i = 0; i < m->nurls; i++) {
		const struct sl_url *u = &m->urls[i];
		const struct sl_part *p;
		enum sl_action act = action_for(acts, u);
		struct repl r;
		if (act != SL_ACT_DEFANG && act != SL_ACT_WRAP)
			continue;
		p = &m->parts[u->part];
		if (p->text == NULL || u->offset > p->text_len || u->length > p->text_len - u->offset)
			continue;
		r.text = replacement(ur, u, act);
		if (r.text == NULL)
			continue;
		r.part = u->part;
		r.begin = u->offset;
		r.end = u->offset + u->length;
		r.url = i;
		g_array_append_val(v, r);
	}
	g_hash_table_destroy(acts);
	g_array_sort(v, cmp_repl);
	return v;
}

/* Carries out the n replacements v of one part into out. */
static void edit_part(const struct sl_msg *m, const struct repl *v, size_t n, struct sl_edits *out)
{
	const struct sl_part *p = &m->parts[v[0].part];
	struct sl_buf b;
	size_t at = 0, i;

	sl_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0 && v[i].begin == v[i - 1].begin && v[i].end == v[i - 1].end && v[i].begin < at) {
			/* links sharing one range (every link of an iframe srcdoc is
			 * the whole attribute): the one replacement disarms them all */
			sl_edits_disarm(out, v[i].url);
			continue;
		}
		if (v[i].begin < at)
			continue; /* overlaps the one before: left undisarmed */
		if (p->text_owned == NULL) { /* text is the decoded bytes: edit them in place */
			sl_edits_add(out, v[i].part, v[i].begin, v[i].end, v[i].text);
		} else {
			sl_buf_add(&b, p->text + at, v[i].begin - at);
			sl_buf_addstr(&b, v[i].text);
		}
		at = v[i].end;
		sl_edits_disarm(out, v[i].url);
	}
	if (p->text_owned != NULL) {
		/* Converted text: rebuilt, turned back into the part's own
		 * charset (and byte-order mark) whole. */
		char *back = NULL;
		size_t backlen = 0;
		sl_buf_add(&b, p->text + at, p->text_len - at);
		if (sl_text_back(p, b.data, b.len, &back, &backlen) != SL_OK)
			/* the charset has no way back: UTF-8 rather than the bad link */
			sl_edits_add_bytes(out, v[0].part, 0, p->size, b.data, b.len);
		else
			sl_edits_add_bytes(out, v[0].part, 0, p->size, back, backlen);
		free(back);
	}
	sl_buf_free(&b);
}

int sl_urlrewrite_edits(const struct sl_urlrewrite *ur, const struct sl_msg *m, struct sl_edits *out)
{
	GArray *v = replacements(ur, m);
	size_t i = 0, first;
	while (i < v->len) {
		first = i;
		while (i < v->len && g_array_index(v, struct repl, i).part == g_array_index(v, struct repl, first).part)
			i++;
		edit_part(m, &g_array_index(v, struct repl, first), i - first, out);
	}
	for (i = 0; i < v->len; i++)
		free(g_array_index(v, struct repl, i).text);
	g_array_free(v, TRUE);
	return SL_OK;
}

const char *sl_urlrewrite_base(const struct sl_urlrewrite *ur)
{
	return ur->base;
}

const unsigned char *sl_urlrewrite_key(const struct sl_urlrewrite *ur, size_t *len)
{
	*len = ur->keylen;
	return ur->key;
}
