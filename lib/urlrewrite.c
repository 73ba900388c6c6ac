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

static void html_escape(struct sl_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sl_buf_addstr(b, "&amp;"); break;
		case '<': sl_buf_addstr(b, "&lt;"); break;
		case '>': sl_buf_addstr(b, "&gt;"); break;
		case '"': sl_buf_addstr(b, "&quot;"); break;
		case '\'': sl_buf_addstr(b, "&#39;"); break;
		default: sl_buf_add(b, s, 1);
		}
	}
}

/* The action the policy chose for URLs of this reputation in this part. */
static enum sl_action action_for(const struct sl_msg *m, const struct sl_url *u)
{
	const char *rule = u->reputation == SL_REP_MALICIOUS ? "url_malicious" : "url_suspicious";
	size_t i;
	if (u->reputation != SL_REP_MALICIOUS && u->reputation != SL_REP_SUSPICIOUS)
		return SL_ACT_NONE;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->kind == SL_FIND_URL && f->part == u->part && strcmp(f->rule, rule) == 0)
			return f->action;
	}
	return SL_ACT_NONE;
}

/* The new text for one link, or NULL to leave it. */
static char *replacement(const struct sl_urlrewrite *ur, const struct sl_url *u, enum sl_action act)
{
	const char *target = u->normalized ? u->normalized : u->url;
	const char *why = u->reason ? u->reason : (u->reputation == SL_REP_MALICIOUS ? "listed as malicious" : "looks deceptive");
	char *wrapped = NULL, *r = NULL;
	struct sl_buf b;

	if (act == SL_ACT_WRAP && ur->base != NULL && u->normalized != NULL &&
	    (g_str_has_prefix(u->normalized, "http://") || g_str_has_prefix(u->normalized, "https://")))
		sl_safelink_wrap(ur->key, ur->keylen, ur->base, u->normalized, &wrapped);
	sl_buf_init(&b, 0);
	switch (u->context) {
	case SL_URLCTX_TEXT:
		if (wrapped != NULL) {
			sl_buf_addstr(&b, wrapped);
		} else {
			char *d = sl_url_defang(u->url);
			sl_buf_printf(&b, "%s [link disabled by sluice: %s]", d, why);
			free(d);
		}
		break;
	case SL_URLCTX_HREF:
	case SL_URLCTX_FORM:
		sl_buf_addstr(&b, "\"");
		if (wrapped != NULL)
			html_escape(&b, wrapped);
		else
			sl_buf_addstr(&b, "#");
		sl_buf_addstr(&b, "\" title=\"");
		{
			char *d = sl_url_defang(target);
			char *t = sl_xasprintf("%s by sluice: %s (%s)", wrapped ? "Link checked" : "Link disabled", why, d);
			html_escape(&b, t);
			free(t);
			free(d);
		}
		sl_buf_addstr(&b, "\"");
		break;
	case SL_URLCTX_META_REFRESH:
		sl_buf_addstr(&b, "\"\"");
		break;
	case SL_URLCTX_SRC:
	case SL_URLCTX_ATTACHMENT:
		break;
	}
	free(wrapped);
	if (b.len > 0)
		r = sl_buf_take(&b);
	sl_buf_free(&b);
	return r;
}

static int cmp_off(const void *a, const void *b)
{
	const struct sl_text_edit *x = a, *y = b;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

int sl_urlrewrite_edits(const struct sl_urlrewrite *ur, const struct sl_msg *m, struct sl_edits *out)
{
	size_t i, pi;
	for (pi = 0; pi < m->nparts; pi++) {
		const struct sl_part *p = &m->parts[pi];
		struct sl_edits mine = { 0 };
		if (p->text == NULL)
			continue;
		for (i = 0; i < m->nurls; i++) {
			const struct sl_url *u = &m->urls[i];
			enum sl_action act;
			char *r;
			if (u->part != (int)pi || u->offset + u->length > p->text_len)
				continue;
			act = action_for(m, u);
			if (act != SL_ACT_DEFANG && act != SL_ACT_WRAP)
				continue;
			r = replacement(ur, u, act);
			if (r == NULL)
				continue;
			sl_edits_add(&mine, (int)pi, u->offset, u->offset + u->length, r);
			free(r);
		}
		if (mine.n == 0)
			continue;
		if (p->text_owned == NULL) {
			/* text is the decoded bytes: edit them in place. */
			for (i = 0; i < mine.n; i++)
				sl_edits_add_bytes(out, mine.v[i].part, mine.v[i].begin, mine.v[i].end,
						   mine.v[i].replacement, mine.v[i].replacement_len);
		} else {
			/* Converted text: rebuild it, turn it back into the part's own
			 * charset (and byte-order mark) whole. */
			struct sl_buf b;
			size_t at = 0;
			char *back = NULL;
			size_t backlen = 0;
			qsort(mine.v, mine.n, sizeof(*mine.v), cmp_off);
			sl_buf_init(&b, 0);
			for (i = 0; i < mine.n; i++) {
				if (mine.v[i].begin < at)
					continue;
				sl_buf_add(&b, p->text + at, mine.v[i].begin - at);
				sl_buf_add(&b, mine.v[i].replacement, mine.v[i].replacement_len);
				at = mine.v[i].end;
			}
			sl_buf_add(&b, p->text + at, p->text_len - at);
			if (sl_text_back(p, b.data, b.len, &back, &backlen) != SL_OK)
				/* the charset has no way back: UTF-8 rather than the bad link */
				sl_edits_add_bytes(out, (int)pi, 0, p->size, b.data, b.len);
			else
				sl_edits_add_bytes(out, (int)pi, 0, p->size, back, backlen);
			free(back);
			sl_buf_free(&b);
		}
		sl_edits_clear(&mine);
	}
	return SL_OK;
}
