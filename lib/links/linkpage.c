/* linkpage - see linkpage.h. */
#include <glib.h>

#include "linkpage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

#define TEMPLATE_MAX (256 * 1024) /* bytes of one template */
#define VALUE_MAX 2000            /* bytes of one text value shown */

enum var {
	V_DESTINATION,
	V_HOST,
	V_REASON,
	V_SOURCE,
	V_CLICK_ID,
	V_FORM_ACTION,
	V_FORM_TOKEN,
	V_LIFETIME,
	NVARS
};

static const struct {
	const char *name;
	int text;       /* sender-influenced text: sl_escape_text() first */
	unsigned pages; /* bit per enum sl_linkpage where it may appear */
} vars[NVARS] = {
    [V_DESTINATION] = {"destination", 1, 7},
    [V_HOST] = {"host", 1, 7},
    [V_REASON] = {"reason", 1, 7},
    [V_SOURCE] = {"source", 1, 7},
    [V_CLICK_ID] = {"click_id", 0, 7},
    [V_FORM_ACTION] = {"form_action", 0, 1u << SL_PAGE_WARN},
    [V_FORM_TOKEN] = {"form_token", 0, 1u << SL_PAGE_WARN},
    [V_LIFETIME] = {"lifetime", 0, 1u << SL_PAGE_WARN},
};

static const char *const files[] = {"block.html", "warn.html", "invalid.html"};
#define NPAGES 3

/* A template: literal text and placeholders, in order. */
struct seg {
	char *text; /* literal, or NULL for a placeholder */
	enum var var;
};

struct page {
	GArray *segs; /* struct seg */
	char *csp;
};

struct sl_linkpages {
	struct page page[NPAGES];
	char *language;
};

/* Elements and attributes a page may not have (see linkpage.h), and CSS
 * that loads. Matched case-insensitively. */
static const char forbidden_re[] =
    "<\\s*(script|link|base|i?frame|object|embed|img|svg|a|audio|video|source|track|picture|"
    "applet|portal|input\\s[^>]*type\\s*=\\s*[\"']?image)[\\s/>]"
    "|[\\s\"'/](src|href|srcset|style|poster|background|formaction|ping|data|on[a-z]+)\\s*="
    "|http-equiv|url\\s*\\(|@import|image-set\\s*\\(|expression\\s*\\(|javascript:";

static unsigned line_of(const char *text, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

static void page_clear(struct page *p)
{
	if (p->segs != NULL) {
		for (guint i = 0; i < p->segs->len; i++)
			free(g_array_index(p->segs, struct seg, i).text);
		g_array_free(p->segs, TRUE);
	}
	free(p->csp);
	memset(p, 0, sizeof(*p));
}

/* Checks the elements and attributes of text; SL_ECONFIG with *why. */
static int check_content(const char *path, const char *text, enum sl_linkpage which, char **why)
{
	GRegex *re = g_regex_new(forbidden_re, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
	GRegex *act = g_regex_new("[\\s\"'/]action\\s*=\\s*(\"\\{\\{form_action\\}\\}\")?",
				  G_REGEX_CASELESS, 0, NULL);
	GMatchInfo *mi = NULL;
	int rc = SL_OK;

	if (g_regex_match(re, text, 0, &mi)) {
		int start = 0, end = 0;
		gchar *what = g_match_info_fetch(mi, 0);
		g_match_info_fetch_pos(mi, 0, &start, &end);
		g_strstrip(what);
		*why = sl_xasprintf("%s:%u: '%s' is not allowed in a safe-link page (it would load "
				    "or link something, or need JavaScript)",
				    path, line_of(text, (size_t)start), what);
		g_free(what);
		rc = SL_ECONFIG;
	}
	g_match_info_free(mi);
	mi = NULL;
	if (rc == SL_OK && g_regex_match(act, text, 0, &mi)) {
		do {
			gchar *ok = g_match_info_fetch(mi, 1);
			int start = 0, end = 0;
			g_match_info_fetch_pos(mi, 0, &start, &end);
			if (ok == NULL || *ok == '\0') {
				*why = sl_xasprintf("%s:%u: a form may only post to "
						    "action=\"{{form_action}}\"",
						    path, line_of(text, (size_t)start));
				rc = SL_ECONFIG;
			}
			g_free(ok);
		} while (rc == SL_OK && g_match_info_next(mi, NULL));
	}
	g_match_info_free(mi);
	if (rc == SL_OK && which == SL_PAGE_WARN &&
	    (strstr(text, "{{form_action}}") == NULL || strstr(text, "{{form_token}}") == NULL ||
	     !g_regex_match_simple("method\\s*=\\s*\"?post", text, G_REGEX_CASELESS, 0))) {
		*why = sl_xasprintf("%s: the warning page needs a form with method=\"post\" "
				    "action=\"{{form_action}}\" that sends {{form_token}}",
				    path);
		rc = SL_ECONFIG;
	}
	g_regex_unref(re);
	g_regex_unref(act);
	return rc;
}

/* 'sha256-...' of every <style> element's content; SL_ECONFIG when one
 * holds a placeholder or is not closed. */
static int style_hashes(const char *path, const char *text, GString *csp, char **why)
{
	const char *p = text;
	int n = 0;

	for (;;) {
		const char *open = strcasestr(p, "<style"), *body, *close;
		GChecksum *ck;
		guint8 digest[32];
		gsize dl = sizeof(digest);
		gchar *b64;

		if (open == NULL)
			break;
		body = strchr(open, '>');
		close = body != NULL ? strcasestr(body, "</style") : NULL;
		if (close == NULL) {
			*why = sl_xasprintf("%s:%u: <style> is not closed", path,
					    line_of(text, (size_t)(open - text)));
			return SL_ECONFIG;
		}
		body++;
		if (g_strstr_len(body, close - body, "{{") != NULL) {
			*why = sl_xasprintf("%s:%u: no placeholders inside <style>", path,
					    line_of(text, (size_t)(body - text)));
			return SL_ECONFIG;
		}
		ck = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(ck, (const guchar *)body, close - body);
		g_checksum_get_digest(ck, digest, &dl);
		g_checksum_free(ck);
		b64 = g_base64_encode(digest, dl);
		g_string_append_printf(csp, "%s'sha256-%s'", n++ ? " " : "; style-src ", b64);
		g_free(b64);
		p = close;
	}
	return SL_OK;
}

/* Splits text into literals and placeholders. */
static int compile(const char *path, const char *text, enum sl_linkpage which, struct page *pg,
		   char **why)
{
	const char *p = text;

	pg->segs = g_array_new(FALSE, TRUE, sizeof(struct seg));
	for (;;) {
		const char *open = strstr(p, "{{"), *close;
		struct seg s = {0};
		size_t i;

		if (open == NULL) {
			s.text = sl_xstrdup(p);
			g_array_append_val(pg->segs, s);
			return SL_OK;
		}
		s.text = sl_xstrndup(p, (size_t)(open - p));
		g_array_append_val(pg->segs, s);
		close = strstr(open + 2, "}}");
		for (i = 0; close != NULL && i < NVARS; i++)
			if ((size_t)(close - open - 2) == strlen(vars[i].name) &&
			    memcmp(open + 2, vars[i].name, strlen(vars[i].name)) == 0)
				break;
		if (close == NULL || i == NVARS || !(vars[i].pages & (1u << which))) {
			int n = close != NULL && close - open < 40 ? (int)(close - open + 2) : 12;
			*why = sl_xasprintf(
			    "%s:%u: unknown placeholder '%.*s' (this page knows: "
			    "destination, host, reason, source, click_id%s)",
			    path, line_of(text, (size_t)(open - text)), n, open,
			    which == SL_PAGE_WARN ? ", form_action, form_token, lifetime" : "");
			return SL_ECONFIG;
		}
		s.text = NULL;
		s.var = (enum var)i;
		g_array_append_val(pg->segs, s);
		p = close + 2;
	}
}

static int load_page(const char *dir, enum sl_linkpage which, struct page *pg, char **why)
{
	char *path = g_build_filename(dir, files[which], NULL);
	char *text = NULL, *err = NULL;
	size_t len = 0;
	GString *csp = g_string_new("default-src 'none'");
	int rc = sl_read_file(path, TEMPLATE_MAX, &text, &len, &err);

	if (rc != SL_OK) {
		*why = sl_xasprintf("safelinks.template_dir: %s", err != NULL ? err : path);
		rc = SL_ECONFIG;
		goto out;
	}
	if (strlen(text) != len || !g_utf8_validate(text, (gssize)len, NULL)) {
		*why = sl_xasprintf("%s: not UTF-8 text", path);
		rc = SL_ECONFIG;
		goto out;
	}
	rc = check_content(path, text, which, why);
	if (rc == SL_OK)
		rc = style_hashes(path, text, csp, why);
	if (rc == SL_OK)
		rc = compile(path, text, which, pg, why);
	if (rc == SL_OK) {
		g_string_append(csp, "; base-uri 'none'; frame-ancestors 'none'");
		pg->csp = sl_xstrdup(csp->str);
	}
out:
	g_string_free(csp, TRUE);
	free(err);
	free(text);
	g_free(path);
	return rc;
}

static int language_ok(const char *l)
{
	size_t n = strlen(l);
	if (n < 2 || n > 16 || !g_ascii_isalpha(l[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(l[i]) && l[i] != '-')
			return 0;
	return 1;
}

struct sl_linkpages *sl_linkpages_new(const struct sl_config *cfg, char **why)
{
	struct sl_linkpages *p = sl_xcalloc(1, sizeof(*p));
	const char *lang = sl_config_str(cfg, "safelinks.language");
	char *dir = NULL;

	if (!language_ok(lang)) {
		*why = sl_xasprintf(
		    "safelinks.language: '%s' is not a language tag (en, de, pt-BR)", lang);
		goto fail;
	}
	p->language = sl_xstrdup(lang);
	dir = g_build_filename(sl_config_str(cfg, "safelinks.template_dir"), lang, NULL);
	for (int i = 0; i < NPAGES; i++)
		if (load_page(dir, (enum sl_linkpage)i, &p->page[i], why) != SL_OK)
			goto fail;
	g_free(dir);
	return p;
fail:
	g_free(dir);
	return sl_linkpages_free(p);
}

struct sl_linkpages *sl_linkpages_free(struct sl_linkpages *p)
{
	if (p == NULL)
		return NULL;
	for (int i = 0; i < NPAGES; i++)
		page_clear(&p->page[i]);
	free(p->language);
	free(p);
	return NULL;
}

char *sl_linkpages_render(const struct sl_linkpages *p, enum sl_linkpage page,
			  const struct sl_linkpage_vars *v, size_t *len)
{
	const struct page *pg = &p->page[page];
	char lifetime[24];
	const char *val[NVARS];
	struct sl_buf b;

	snprintf(lifetime, sizeof(lifetime), "%d", v->lifetime);
	val[V_DESTINATION] = v->destination;
	val[V_HOST] = v->host;
	val[V_REASON] = v->reason;
	val[V_SOURCE] = v->source;
	val[V_CLICK_ID] = v->click_id;
	val[V_FORM_ACTION] = v->form_action;
	val[V_FORM_TOKEN] = v->form_token;
	val[V_LIFETIME] = lifetime;
	sl_buf_init(&b, 0);
	for (guint i = 0; i < pg->segs->len; i++) {
		const struct seg *s = &g_array_index(pg->segs, struct seg, i);
		const char *x;
		if (s->text != NULL) {
			sl_buf_addstr(&b, s->text);
			continue;
		}
		x = val[s->var] != NULL ? val[s->var] : "";
		if (vars[s->var].text) {
			char *e = sl_escape_text(x, VALUE_MAX);
			sl_html_escape(&b, e);
			free(e);
		} else {
			sl_html_escape(&b, x);
		}
	}
	*len = b.len;
	return sl_buf_take(&b);
}

const char *sl_linkpages_csp(const struct sl_linkpages *p, enum sl_linkpage page)
{
	return p->page[page].csp;
}

const char *sl_linkpages_language(const struct sl_linkpages *p)
{
	return p->language;
}
