/* safelinks - see safelinks.h. */
#include <glib.h>

#include "safelinks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linkpage.h"
#include "metrics.h"
#include "pipeline.h"
#include "reputation.h"
#include "safelink.h"
#include "urlnorm.h"
#include "urlrewrite.h"
#include "util.h"

#define TOKEN_MAX 12000 /* longer than any token sluice makes (safelink.c) */

/* "{path of safelinks.base_url}/l/", fixed at start (static: it outlives
 * the server, and nothing is left to free at exit). */
static char prefix[1024];

static const char clicks[] = "sluice_safelink_clicks_total";

static void declare(void)
{
	sl_metrics_declare(clicks, SL_METRIC_COUNTER,
			   "Clicks on wrapped links, by the verdict at click time (invalid: a "
			   "token that does not verify) and what was done (redirect, warn, "
			   "block, continue, refuse)",
			   "verdict,action", NULL, 0);
}

/* One click's state, from the request to the answer. */
struct click {
	struct sl_engine *eng;
	const struct sl_linkpages *pages;
	const unsigned char *key;
	size_t keylen;
	const char *token;
	char id[17];
	char *url;
	char *host;
	enum sl_url_rep rep;
	char *source, *reason;
};

static void click_clear(struct click *c)
{
	free(c->url);
	free(c->host);
	free(c->source);
	free(c->reason);
	sl_engine_unref(c->eng);
}

static void security_headers(struct sl_http_response *rs)
{
	sl_http_add_header(rs, "X-Frame-Options", "DENY");
	sl_http_add_header(rs, "Referrer-Policy", "no-referrer");
	sl_http_add_header(rs, "X-Robots-Tag", "noindex, nofollow");
}

static void page(struct sl_http_response *rs, const struct click *c, unsigned status,
		 enum sl_linkpage which, const char *form_token, int lifetime)
{
	struct sl_linkpage_vars v = {0};
	char *action = sl_xasprintf("%s%s", prefix, c->token != NULL ? c->token : "");
	size_t len = 0;
	char *html;

	v.destination = c->url;
	v.host = c->host;
	v.reason = c->reason;
	v.source = c->source;
	v.click_id = c->id;
	v.form_action = action;
	v.form_token = form_token;
	v.lifetime = lifetime;
	html = sl_linkpages_render(c->pages, which, &v, &len);
	sl_http_reply(rs, status, "text/html; charset=utf-8", html, len);
	sl_http_add_header(rs, "Content-Security-Policy", sl_linkpages_csp(c->pages, which));
	security_headers(rs);
	free(action);
}

static void redirect(struct sl_http_response *rs, unsigned status, const char *url)
{
	static const char body[] = "Redirecting.\n";
	sl_http_reply(rs, status, "text/plain; charset=utf-8", sl_xstrdup(body), sizeof(body) - 1);
	sl_http_add_header(rs, "Location", url);
	security_headers(rs);
}

static void log_click(const struct click *c, const char *verdict, const char *action)
{
	char at[32], *labels = sl_xasprintf("verdict=%s,action=%s", verdict, action);

	sl_time_iso((int64_t)time(NULL), at);
	sl_log(SL_LOG_NOTICE, "safelink click at=%s id=%s verdict=%s action=%s host=%s source=%s",
	       at, c->id, verdict, action, c->host != NULL ? c->host : "-",
	       c->source != NULL ? c->source : "-");
	sl_metrics_inc(clicks, labels, 1);
	free(labels);
}

/* The engine, key and pages of the moment, and the token checked: 0, or the
 * answer is given (400 invalid, 503 not configured). */
static int open_click(struct sl_daemon *d, struct sl_http_request *rq, struct sl_http_response *rs,
		      struct click *c)
{
	const struct sl_urlrewrite *ur;
	const char *tok = sl_http_subpath(rq);
	size_t n = strnlen(tok, TOKEN_MAX + 1);

	memset(c, 0, sizeof(*c));
	c->eng = sl_daemon_engine(d);
	ur = sl_engine_urlrewrite(c->eng);
	c->key = sl_urlrewrite_key(ur, &c->keylen);
	c->pages = sl_engine_linkpages(c->eng);
	if (c->key == NULL || c->pages == NULL) {
		sl_http_reply_error(rs, 503, "safe links are not configured (safelinks.base_url)");
		return -1;
	}
	/* one path segment of token characters, or it is not ours */
	sl_safelink_id(n <= TOKEN_MAX ? tok : "", c->id);
	if (n == 0 || n > TOKEN_MAX ||
	    strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789-_.") != n ||
	    sl_safelink_verify(c->key, c->keylen, tok, &c->url) != SL_OK) {
		page(rs, c, 400, SL_PAGE_INVALID, NULL, 0);
		log_click(c, "invalid", "refuse");
		return -1;
	}
	c->token = tok;
	{
		struct sl_url_norm u;
		if (sl_url_normalize(c->url, strlen(c->url), strlen(c->url) + 1, &u, NULL) ==
		    SL_OK) {
			/* the ASCII form: an IDN look-alike shows as what it is */
			c->host = sl_xstrdup(u.host != NULL ? u.host : "");
			sl_url_norm_clear(&u);
		}
	}
	return 0;
}

/* The verdict now: the engine's reputation stage on the one link. */
static void judge(struct click *c)
{
	struct sl_reputation *r = sl_engine_stage(c->eng, "reputation");
	c->rep = SL_REP_UNKNOWN;
	if (r != NULL)
		sl_reputation_judge_url(r, c->url, c->id, &c->rep, &c->source, &c->reason);
}

static void warn_page(struct sl_http_response *rs, const struct click *c, unsigned status)
{
	int64_t life = sl_config_int(sl_engine_config(c->eng), "safelinks.form_lifetime");
	char *form = NULL;

	if (sl_safelink_form_token(c->key, c->keylen, c->token, (int64_t)time(NULL) + life,
				   &form) != SL_OK) {
		sl_http_reply_error(rs, 500, "cannot make a form token");
		return;
	}
	page(rs, c, status, SL_PAGE_WARN, form, (int)((life + 59) / 60));
	free(form);
}

static void on_get(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct click c;
	const char *verdict;

	if (open_click(ctx, rq, rs, &c) != 0)
		goto out;
	judge(&c);
	verdict = sl_url_rep_name(c.rep);
	if (c.rep == SL_REP_MALICIOUS) {
		page(rs, &c, 403, SL_PAGE_BLOCK, NULL, 0);
		log_click(&c, verdict, "block");
	} else if (c.rep == SL_REP_SUSPICIOUS ||
		   (c.rep == SL_REP_UNKNOWN &&
		    strcmp(sl_config_str(sl_engine_config(c.eng), "safelinks.unknown"), "warn") ==
			0)) {
		warn_page(rs, &c, 200);
		log_click(&c, verdict, "warn");
	} else {
		redirect(rs, 302, c.url);
		log_click(&c, verdict, "redirect");
	}
out:
	click_clear(&c);
}

/* The form's fields; NULL when the body is not a form. */
static GHashTable *form_fields(struct sl_http_request *rq)
{
	size_t len = 0;
	const unsigned char *body = sl_http_body(rq, &len);
	return g_uri_parse_params((const char *)body, (gssize)len, "&", G_URI_PARAMS_WWW_FORM,
				  NULL);
}

static void on_post(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct click c;
	GHashTable *f = NULL;
	const char *form;

	if (open_click(ctx, rq, rs, &c) != 0)
		goto out;
	f = form_fields(rq);
	form = f != NULL ? g_hash_table_lookup(f, "form_token") : NULL;
	judge(&c);
	if (c.rep == SL_REP_MALICIOUS) {
		page(rs, &c, 403, SL_PAGE_BLOCK, NULL, 0);
		log_click(&c, sl_url_rep_name(c.rep), "block");
	} else if (form == NULL || sl_safelink_form_verify(c.key, c.keylen, c.token, form,
							   (int64_t)time(NULL)) != SL_OK) {
		/* expired, missing or made for another link: ask again */
		warn_page(rs, &c, 403);
		log_click(&c, sl_url_rep_name(c.rep), "refuse");
	} else {
		redirect(rs, 303, c.url);
		log_click(&c, sl_url_rep_name(c.rep), "continue");
	}
out:
	if (f != NULL)
		g_hash_table_unref(f);
	click_clear(&c);
}

/* The path of base ("https://links.example.com/sluice/" -> "/sluice"), or NULL. */
static char *base_path(const char *base)
{
	GUri *u = g_uri_parse(base, G_URI_FLAGS_NONE, NULL);
	char *p;
	size_t n;

	if (u == NULL)
		return NULL;
	p = sl_xstrdup(g_uri_get_path(u));
	g_uri_unref(u);
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

size_t sl_safelinks_routes(struct sl_daemon *d, struct sl_http_route *out, size_t max)
{
	struct sl_engine *e = sl_daemon_engine(d);
	const char *base = sl_urlrewrite_base(sl_engine_urlrewrite(e));
	char *path = base != NULL ? base_path(base) : NULL;
	size_t n = 0;

	declare();
	if (path == NULL || max < 2 || strlen(path) + 4 > sizeof(prefix)) {
		if (base != NULL)
			sl_log(SL_LOG_ERR, "safelinks.base_url: '%s': cannot serve its path", base);
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "%s/l/", path);
	out[n++] = (struct sl_http_route){"GET", prefix, on_get, d, 0};
	out[n++] = (struct sl_http_route){"POST", prefix, on_post, d, 0};
	sl_log(SL_LOG_INFO, "safe links: serving %s{token}", prefix);
out:
	free(path);
	sl_engine_unref(e);
	return n;
}
