/*
 * reputation - see reputation.h for the contract; signatures/urls/README.md
 * says what each heuristic flags, for people.
 *
 * Order of judgement for one URL (first decisive step wins):
 *   1. urlnorm: a link too long or not parsable is still looked up: the
 *      hosts it may name (urlhost's lenient reading) against the blocklist
 *      make it malicious; otherwise one that reaches the network or starts a
 *      program is suspicious;
 *   2. opaque schemes: mailto/tel are left unknown, script and data links in
 *      clickable places are suspicious; wrappers and handler schemes (blob:,
 *      search-ms:, ms-word:, ...) go on with the URL they open;
 *   3. lists: the blocklist on every plausible destination (host, every
 *      alt_host, the target of a handler, URLs carried in the path or query)
 *      makes it malicious; an allowlisted destination (all of them) makes it
 *      clean and ends the judgement, except for links that start a program
 *      or reach a file share, which are at least suspicious;
 *   4. heuristics, each of which can only make the URL suspicious. The first
 *      heuristic that fires names the source; every one adds to the reason.
 *
 * The IDN and look-alike heuristics live in lookalike.c.
 */
#include <glib.h>
#include <libpsl.h>

#include "reputation.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookalike.h"
#include "provider.h"
#include "urlhost.h"
#include "urllist.h"
#include "urlnorm.h"
#include "util.h"
#include "winlink.h"

#define DETAIL_URL_MAX 200   /* bytes of the URL quoted in a finding */
#define QUOTE_MAX 60         /* bytes of userinfo quoted in a reason */
#define LENIENT_MAX 6        /* hosts looked up for a link that does not parse */

struct sl_reputation {
	struct sl_urllist *block;
	struct sl_urllist *allow;
	struct sl_urllist *shorteners;
	struct sl_urllist *protect;
	struct sl_lookalike *lookalike;
	struct sl_providers *providers; /* live services; NULL when none is configured */
	size_t max_url_length;
};

/* URLs carried in another URL's path or query (open redirects, trackers). */
struct embedded {
	struct sl_url_norm u[SL_REPUTATION_MAX_EMBEDDED];
	size_t n;
};

/* ---- small helpers ---- */

static int starts_with_ci(const char *s, const char *prefix)
{
	return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- loading ---- */

static void warn_line(void *ctx, const char *file, unsigned line, const char *reason)
{
	sl_log(SL_LOG_WARNING, "%s:%u: %s (%s: line skipped)", file, line, reason,
	       (const char *)ctx);
}

/* One list from every file of key; NULL with *why when a file cannot be read. */
static struct sl_urllist *load_list(const struct sl_config *cfg, const char *key, char **why)
{
	char *const *files = sl_config_list(cfg, key);
	struct sl_urllist *l = sl_urllist_new();
	char *err = NULL;

	for (size_t i = 0; files != NULL && files[i] != NULL; i++) {
		if (sl_urllist_load(l, files[i], warn_line, (void *)key, &err) != SL_OK) {
			*why = sl_xasprintf("%s: %s", key, err ? err : files[i]);
			free(err);
			return sl_urllist_free(l);
		}
	}
	return l;
}

struct sl_reputation *sl_reputation_new(const struct sl_config *cfg, char **why)
{
	struct sl_reputation *r = sl_xcalloc(1, sizeof(*r));

	r->max_url_length = (size_t)sl_config_int(cfg, "urls.max_url_length");
	r->block = load_list(cfg, "urls.blocklist_files", why);
	if (r->block == NULL)
		goto fail;
	r->allow = load_list(cfg, "urls.allowlist_files", why);
	if (r->allow == NULL)
		goto fail;
	r->shorteners = load_list(cfg, "urls.shortener_files", why);
	if (r->shorteners == NULL)
		goto fail;
	r->protect = load_list(cfg, "urls.protected_files", why);
	if (r->protect == NULL)
		goto fail;
	r->lookalike = sl_lookalike_new(cfg, why);
	if (r->lookalike == NULL)
		goto fail;
	if (sl_providers_new(cfg, &r->providers, why) != SL_OK)
		goto fail;
	return r;
fail:
	return sl_reputation_free(r);
}

struct sl_reputation *sl_reputation_free(struct sl_reputation *r)
{
	if (r == NULL)
		return NULL;
	sl_providers_free(r->providers);
	sl_lookalike_free(r->lookalike);
	sl_urllist_free(r->protect);
	sl_urllist_free(r->shorteners);
	sl_urllist_free(r->allow);
	sl_urllist_free(r->block);
	free(r);
	return NULL;
}

/* ---- URLs inside URLs ---- */

/* Percent-decodes s once; NULL when nothing was encoded or a NUL came out. */
static char *pct_decode(const char *s)
{
	size_t len;
	int changed;
	char *o = sl_url_pct_decode(s, strlen(s), &len, &changed);

	if (!changed || memchr(o, '\0', len) != NULL) {
		free(o);
		return NULL;
	}
	return o;
}

static void embedded_scan(const struct sl_reputation *r, const char *text, struct embedded *e)
{
	const char *p = text;
	unsigned tries = 0;

	while (e->n < SL_REPUTATION_MAX_EMBEDDED && tries < 4 * SL_REPUTATION_MAX_EMBEDDED) {
		const char *end;
		size_t k;
		p = strcasestr(p, "http");
		if (p == NULL)
			return;
		if (!starts_with_ci(p, "http://") && !starts_with_ci(p, "https://")) {
			p += 4;
			continue;
		}
		tries++;
		end = p + strcspn(p, "&\"'<> \t\r\n");
		if (sl_url_normalize(p, (size_t)(end - p), r->max_url_length, &e->u[e->n], NULL) ==
		    SL_OK) {
			for (k = 0; k < e->n; k++)
				if (strcmp(e->u[k].host, e->u[e->n].host) == 0)
					break;
			if (k == e->n && e->u[e->n].host != NULL && e->u[e->n].host[0] != '\0')
				e->n++;
			else
				sl_url_norm_clear(&e->u[e->n]);
		}
		p = end;
	}
}

/* Collects URLs in the path/query, as written and percent-decoded once and twice. */
static void embedded_find(const struct sl_reputation *r, const struct sl_url_norm *n,
			  struct embedded *e)
{
	char *once = NULL, *twice = NULL;

	e->n = 0;
	if (n->path == NULL || (n->flags & SL_URL_OPAQUE))
		return;
	embedded_scan(r, n->path, e);
	once = pct_decode(n->path);
	if (once != NULL) {
		embedded_scan(r, once, e);
		twice = pct_decode(once);
		if (twice != NULL)
			embedded_scan(r, twice, e);
	}
	free(twice);
	free(once);
}

static void embedded_clear(struct embedded *e)
{
	for (size_t k = 0; k < e->n; k++)
		sl_url_norm_clear(&e->u[k]);
	e->n = 0;
}

/* ---- lists ---- */

/* Matches n as if its host were host (n->host or one of n->alt_host). */
static int list_match(const struct sl_urllist *l, const struct sl_url_norm *n, const char *host,
		      const char **src)
{
	struct sl_url_norm q;

	*src = NULL;
	if (host == NULL || host[0] == '\0')
		return 0;
	q = *n;
	if (host != n->host) {
		q.host = (char *)host;
		q.flags &= ~(unsigned)SL_URL_IP; /* urllist recognises addresses itself */
	}
	return sl_urllist_match(l, &q, src);
}

/* A bare host (no URL around it) against a list: names, addresses, CIDRs. */
static int host_match(const struct sl_urllist *l, const char *scheme, const char *host,
		      const char **src)
{
	struct sl_url_norm q;

	memset(&q, 0, sizeof(q));
	q.scheme = (char *)scheme;
	q.host = (char *)host;
	q.path = (char *)"";
	q.port = -1;
	return list_match(l, &q, host, src);
}

/* The blocklist on the hosts a link that does not parse may name; 1 when one is listed. */
static int judge_lenient(const struct sl_reputation *r, struct sl_url *u, const char *text,
			 size_t len, const char *what)
{
	char *hosts[LENIENT_MAX];
	size_t k = sl_url_lenient_hosts(text, len, hosts, LENIENT_MAX);
	int hit = 0;

	for (size_t i = 0; i < k; i++) {
		const char *src;
		if (!hit && host_match(r->block, "http", hosts[i], &src)) {
			sl_url_flag(u, SL_REP_MALICIOUS, src,
				    "%s names %s, which is on the blocklist (%s)", what, hosts[i], src);
			hit = 1;
		}
		free(hosts[i]);
	}
	return hit;
}

/* A blocklisted other destination of the link, in words that say whose reading it is. */
static void flag_alt(struct sl_url *u, unsigned char kind, const char *host, const char *src)
{
	switch (kind) {
	case SL_URL_ALT_IDNA:
		sl_url_flag(u, SL_REP_MALICIOUS, src,
			    "older programs or other Unicode versions read the name as %s, which is "
			    "on the blocklist (%s)", host, src);
		break;
	case SL_URL_ALT_TARGET:
		sl_url_flag(u, SL_REP_MALICIOUS, src,
			    "the link opens %s, which is on the blocklist (%s)", host, src);
		break;
	case SL_URL_ALT_WINDOWS:
		sl_url_flag(u, SL_REP_MALICIOUS, src,
			    "Windows opens the file share on %s, which is on the blocklist (%s)", host,
			    src);
		break;
	default:
		sl_url_flag(u, SL_REP_MALICIOUS, src,
			    "read another way, the link goes to %s, which is on the blocklist (%s)",
			    host, src);
		break;
	}
}

/* The URL a wrapper or handler opens, judged whole (URL prefixes too). */
static int judge_target(const struct sl_reputation *r, struct sl_url *u,
			const struct sl_url_norm *n)
{
	struct sl_url_norm t;
	const char *src;
	int hit = 0;

	if (n->target == NULL)
		return 0;
	if (sl_url_normalize(n->target, strlen(n->target), r->max_url_length, &t, NULL) != SL_OK)
		return judge_lenient(r, u, n->target, strlen(n->target), "the location it opens");
	if (list_match(r->block, &t, t.host, &src)) {
		sl_url_flag(u, SL_REP_MALICIOUS, src, "the link opens %s, which is on the blocklist (%s)",
			    t.host, src);
		hit = 1;
	}
	sl_url_norm_clear(&t);
	return hit;
}

/* Links the allowlist cannot make clean: they start a program or reach a share. */
static int never_clean(const struct sl_url_norm *n)
{
	return (n->flags & (SL_URL_HANDLER | SL_URL_SHARE)) != 0;
}

/* Blocklist on every destination, then the allowlist; 1 when that decided. */
static int judge_lists(const struct sl_reputation *r, struct sl_url *u, const struct sl_url_norm *n,
		       const struct embedded *e)
{
	const char *src, *first = NULL;
	int dests = 0, allowed = 0;

	if (list_match(r->block, n, n->host, &src)) {
		sl_url_flag(u, SL_REP_MALICIOUS, src, "the destination %s is on the blocklist (%s)", n->host,
		     src);
		return 1;
	}
	for (size_t k = 0; k < n->nalt; k++) {
		if (list_match(r->block, n, n->alt_host[k], &src)) {
			flag_alt(u, n->alt_kind[k], n->alt_host[k], src);
			return 1;
		}
	}
	if (judge_target(r, u, n))
		return 1;
	for (size_t k = 0; k < e->n; k++) {
		int hit = list_match(r->block, &e->u[k], e->u[k].host, &src);
		for (size_t j = 0; j < e->u[k].nalt && !hit; j++)
			hit = list_match(r->block, &e->u[k], e->u[k].alt_host[j], &src);
		if (hit) {
			char *s = sl_xasprintf("open_redirect:%s", src);
			sl_url_flag(u, SL_REP_MALICIOUS, s,
			     "the link passes the reader on to %s, which is on the blocklist (%s)",
			     e->u[k].host, src);
			free(s);
			return 1;
		}
	}
	if (never_clean(n))
		return 0;
	if (n->host != NULL && n->host[0] != '\0') {
		dests++;
		allowed += list_match(r->allow, n, n->host, &src);
		first = src;
	}
	for (size_t k = 0; k < n->nalt; k++) {
		dests++;
		allowed += list_match(r->allow, n, n->alt_host[k], &src);
		if (first == NULL)
			first = src;
	}
	if (dests > 0 && allowed == dests) {
		u->reputation = SL_REP_CLEAN;
		u->source = sl_xstrdup(first);
		return 1;
	}
	return 0;
}

/* ---- heuristics ---- */

/* True for a TLD that exists (public suffix list) or is reserved for tests. */
static int known_tld(const char *host)
{
	static const char *const reserved[] = { "test", "example", "invalid", "localhost" };
	const psl_ctx_t *psl = psl_builtin();
	const char *tld = strrchr(host, '.');

	tld = tld != NULL ? tld + 1 : host;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(tld, reserved[i]) == 0)
			return 1;
	return psl != NULL &&
	       psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

/* "name.name.tld" as typed: non-empty labels of letters, digits, '-' or non-ASCII,
 * the last one letters only (or an IDN). */
static int host_like(const char *s, size_t n)
{
	size_t labels = 0, lab = 0, last = 0;
	int tld_ok = 1;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';
		if (c == '.') {
			if (lab == 0)
				return 0;
			labels++;
			last = i - lab;
			lab = 0;
			continue;
		}
		if (!g_ascii_isalnum(c) && c != '-' && c < 0x80)
			return 0;
		lab++;
	}
	for (size_t i = last; i < n; i++)
		if (g_ascii_isdigit(s[i]) || s[i] == '-')
			tld_ok = 0;
	if (n - last >= 4 && g_ascii_strncasecmp(s + last, "xn--", 4) == 0)
		tld_ok = 1;
	return labels >= 2 && n - last >= 2 && tld_ok;
}

/*
 * The destination anchor text claims, when it shows a web address: a token
 * with a scheme or "www.", or a bare domain when that is the whole text.
 * Returns 1 and fills *out (caller clears) when it does.
 */
static int shown_destination(const struct sl_reputation *r, const char *text,
			     struct sl_url_norm *out)
{
	gchar **tok = g_strsplit_set(text, " \t\r\n\f\v", -1);
	size_t ntok = 0;
	int found = 0;

	for (size_t i = 0; tok[i] != NULL; i++)
		if (tok[i][0] != '\0')
			ntok++;
	for (size_t i = 0; tok[i] != NULL && !found; i++) {
		char *t = tok[i], *e = t + strlen(t), *h;
		const char *sep;
		int scheme, www;
		size_t hlen;

		while (*t != '\0' && strchr("(<[{\"'", *t) != NULL)
			t++;
		while (e > t && strchr(")>]}\"'.,;:!?", e[-1]) != NULL)
			*--e = '\0';
		if (*t == '\0' || strchr(t, '@') != NULL)
			continue;
		sep = strstr(t, "://");
		scheme = sep != NULL && sep > t;
		for (const char *p = t; scheme && p < sep; p++)
			if (!g_ascii_isalpha(*p))
				scheme = 0;
		www = starts_with_ci(t, "www.");
		if (!scheme && !www && ntok != 1)
			continue;
		if (!scheme && sep != NULL)
			continue;
		h = scheme ? (char *)sep + 3 : t;
		hlen = strcspn(h, "/?#:\\");
		if (!host_like(h, hlen))
			continue;
		if (sl_url_normalize(t, strlen(t), r->max_url_length, out, NULL) != SL_OK)
			continue;
		if (out->host == NULL || out->host[0] == '\0' || !known_tld(out->host)) {
			sl_url_norm_clear(out);
			continue;
		}
		found = 1;
	}
	g_strfreev(tok);
	return found;
}

static int same_site(const struct sl_url_norm *a, const struct sl_url_norm *b)
{
	if (a->registrable != NULL && b->registrable != NULL)
		return strcmp(a->registrable, b->registrable) == 0;
	return a->host != NULL && b->host != NULL && strcmp(a->host, b->host) == 0;
}

/* Anchor text that shows one web address on a link to another site. */
static void check_anchor(const struct sl_reputation *r, struct sl_url *u, const struct sl_url_norm *n,
			 const struct embedded *e)
{
	struct sl_url_norm shown;
	int ok;

	if (u->shown_as == NULL || !shown_destination(r, u->shown_as, &shown))
		return;
	ok = same_site(&shown, n);
	/* a tracking redirect that carries the shown address goes there */
	for (size_t k = 0; k < e->n && !ok; k++)
		ok = same_site(&shown, &e->u[k]);
	if (!ok)
		sl_url_suspicious(u, "anchor_mismatch", "the text shows %s but the link goes to %s",
			   shown.host_unicode != NULL ? shown.host_unicode : shown.host,
			   n->host_unicode != NULL ? n->host_unicode : n->host);
	sl_url_norm_clear(&shown);
}

/* The host a share or handler link reaches: its own, else the first other one. */
static const char *reached_host(const struct sl_url_norm *n)
{
	if (n->host != NULL && n->host[0] != '\0')
		return n->host;
	return n->nalt > 0 ? n->alt_host[0] : NULL;
}

/* Links that start a program or reach a file share: at least suspicious. */
static void judge_windows(struct sl_url *u, const struct sl_url_norm *n)
{
	const char *h = reached_host(n);

	if (n->flags & SL_URL_HANDLER) {
		if (n->handler == SL_WINLINK_MSDT)
			sl_url_suspicious(u, "handler_link",
					  "the link starts %s, which has been used to run code on "
					  "the reader's computer",
					  sl_winlink_handler_name(SL_WINLINK_MSDT));
		else if (h != NULL)
			sl_url_suspicious(u, "handler_link",
					  "the link starts %s on the reader's computer, which opens "
					  "what %s serves",
					  sl_winlink_handler_name(n->handler), h);
		else
			sl_url_suspicious(u, "handler_link",
					  "the link starts %s on the reader's computer",
					  sl_winlink_handler_name(n->handler));
	}
	if ((n->flags & SL_URL_SHARE) && h != NULL)
		sl_url_suspicious(u, "file_link",
				  (n->flags & SL_URL_WEBDAV)
					  ? "the link opens a WebDAV share on %s (Windows fetches "
					    "and shows its files as local ones)"
					  : "the link opens a file share on %s (Windows sends the "
					    "reader's credentials there)",
				  h);
}

static void judge_heuristics(const struct sl_reputation *r, struct sl_url *u,
			     const struct sl_url_norm *n, const struct embedded *e)
{
	const char *src;
	int genuine;

	judge_windows(u, n);
	if (n->host == NULL || n->host[0] == '\0')
		return;
	if (n->flags & SL_URL_IP)
		sl_url_suspicious(u, "ip_literal",
			   (n->flags & SL_URL_IP_OBFUSCATED)
				   ? "the link goes to an IP address written in an obfuscated form (%s)"
				   : "the link goes to a bare IP address (%s), not to a name",
			   n->host);
	if (n->flags & SL_URL_USERINFO) {
		char *ui = sl_clip(n->userinfo != NULL ? n->userinfo : "", QUOTE_MAX);
		sl_url_suspicious(u, "userinfo",
			   "the text before '@' (\"%s\") is not where the link goes: it opens %s", ui,
			   n->host);
		free(ui);
	}
	for (size_t k = 0; k < n->nalt; k++)
		if (n->alt_kind[k] == SL_URL_ALT_PARSER)
			sl_url_suspicious(u, "ambiguous_host",
				   "programs disagree on where the link goes (%s or %s)", n->host,
				   n->alt_host[k]);
	genuine = sl_urllist_match_host(r->protect, n->host, &src);
	sl_lookalike_check(r->lookalike, u, n, genuine);
	check_anchor(r, u, n, e);
	if (sl_urllist_match(r->shorteners, n, &src))
		sl_url_suspicious(u, "shortener", "link shortener hides the destination (%s)", n->host);
}

/* mailto:, javascript:, data: ...; 1 when the judgement is complete. */
static int judge_opaque(struct sl_url *u, const struct sl_url_norm *n)
{
	const char *s = n->scheme;

	if (strcmp(s, "mailto") == 0 || strcmp(s, "tel") == 0 || strcmp(s, "sms") == 0)
		return 1;
	if (strcmp(s, "javascript") == 0 || strcmp(s, "vbscript") == 0) {
		if (u->context != SL_URLCTX_TEXT)
			sl_url_suspicious(u, "script_link",
				   "script link: clicking runs %s code instead of opening a page", s);
		return 1;
	}
	if (strcmp(s, "data") == 0) {
		if (sl_url_context_loads(u->context) && starts_with_ci(n->path, "image/"))
			return 1;
		if (u->context != SL_URLCTX_TEXT)
			sl_url_suspicious(u, "script_link",
				   "script link: a data: link carries its own page, which can run "
				   "scripts or imitate a site");
		return 1;
	}
	/* handlers and blob: are judged by what they open */
	return !(n->flags & SL_URL_HANDLER) && n->nalt == 0 && n->target == NULL;
}

/*
 * True for a link text that reaches the network or starts a program when
 * clicked: a scheme of a special, share or handler kind, an authority
 * ("x://", "//host"), a UNC path or a "www." name.
 */
static int reaches_network(const char *url)
{
	static const char *const schemes[] = { "http", "https", "ws", "wss", "ftp", "file" };
	const char *p = url;
	char scheme[32];
	size_t k = 0;

	while (*p != '\0' && (unsigned char)*p <= 0x20)
		p++;
	if (starts_with_ci(p, "www.") || ((p[0] == '/' || p[0] == '\\') &&
					  (p[1] == '/' || p[1] == '\\')))
		return 1;
	while (k + 1 < sizeof(scheme) && (g_ascii_isalnum(p[k]) || p[k] == '+' || p[k] == '-' ||
					  p[k] == '.')) {
		scheme[k] = g_ascii_tolower(p[k]);
		k++;
	}
	scheme[k] = '\0';
	if (k == 0 || p[k] != ':')
		return 0;
	if (p[k + 1] == '/' && p[k + 2] == '/')
		return 1;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strcmp(scheme, schemes[i]) == 0)
			return 1;
	return sl_winlink_share_scheme(scheme) || sl_winlink_handler(scheme) != SL_WINLINK_NONE;
}

/* Judges one URL; sets normalized, reputation, source and reason. */
static void judge(const struct sl_reputation *r, struct sl_url *u)
{
	struct sl_url_norm n;
	struct embedded e;
	char *why = NULL;
	size_t len = strlen(u->url);
	int rc;

	e.n = 0;
	free(u->normalized);
	free(u->source);
	free(u->reason);
	u->normalized = u->source = u->reason = NULL;
	u->reputation = SL_REP_UNKNOWN;

	rc = sl_url_normalize(u->url, len, r->max_url_length, &n, &why);
	if (rc != SL_OK) {
		/* a blocklisted host is malicious whatever the parser thinks */
		if (judge_lenient(r, u, u->url, len, "the link does not parse, but it"))
			goto out;
		if (rc == SL_ETOOBIG)
			sl_url_suspicious(u, "too_long",
					  "the link is longer than %zu bytes (urls.max_url_length)",
					  r->max_url_length);
		else if (reaches_network(u->url))
			sl_url_suspicious(u, "unparsable",
					  "the link is not a valid address (%s): browsers and other "
					  "programs may read it differently",
					  why != NULL ? why : "parse error");
		goto out;
	}
	u->normalized = sl_xstrdup(n.url);
	if ((n.flags & SL_URL_OPAQUE) && judge_opaque(u, &n))
		goto out;
	embedded_find(r, &n, &e);
	if (judge_lists(r, u, &n, &e))
		goto out;
	judge_heuristics(r, u, &n, &e);
out:
	embedded_clear(&e);
	sl_url_norm_clear(&n);
	free(why);
}

/* One finding per (part, URL) that ends suspicious or malicious. */
static void report(struct sl_msg *m, const struct sl_url *u, GHashTable *seen)
{
	const char *url = u->normalized != NULL ? u->normalized : u->url;
	const char *rule;
	char *key, *shown;

	if (u->reputation < SL_REP_SUSPICIOUS)
		return;
	if (sl_url_context_loads(u->context) && u->reputation != SL_REP_MALICIOUS)
		return;
	key = g_strdup_printf("%d %s", u->part, url);
	if (!g_hash_table_add(seen, key))
		return;
	if (u->context == SL_URLCTX_ATTACHMENT)
		rule = "url_in_attachment";
	else if (u->reputation == SL_REP_MALICIOUS)
		rule = "url_malicious";
	else
		rule = "url_suspicious";
	shown = sl_clip(url, DETAIL_URL_MAX);
	sl_msg_add_finding(m, SL_FIND_URL, rule, u->part, "%s: %s",
			   u->reason != NULL ? u->reason : sl_url_rep_name(u->reputation), shown);
	free(shown);
}

/* What the live providers are asked about one undecided URL: the URL (or
 * the URL a handler opens) with its other reading's host; for a link that
 * does not parse, the host its text names. */
static void live_add(const struct sl_reputation *r, struct sl_prov_batch *b, size_t i, const struct sl_url *u)
{
	struct sl_url_norm n, t;

	if (u->reputation == SL_REP_MALICIOUS || u->reputation == SL_REP_CLEAN)
		return;
	if (u->normalized == NULL) {
		char *hosts[LENIENT_MAX];
		size_t k = sl_url_lenient_hosts(u->url, strlen(u->url), hosts, LENIENT_MAX);
		if (k > 0) {
			char *url = sl_xasprintf("http://%s/", hosts[0]);
			sl_prov_batch_add(b, i, url, NULL);
			free(url);
		}
		for (size_t j = 0; j < k; j++)
			free(hosts[j]);
		return;
	}
	if (sl_url_normalize(u->url, strlen(u->url), r->max_url_length, &n, NULL) != SL_OK) {
		sl_prov_batch_add(b, i, u->normalized, NULL);
		return;
	}
	if (n.target != NULL &&
	    sl_url_normalize(n.target, strlen(n.target), r->max_url_length, &t, NULL) == SL_OK) {
		sl_prov_batch_add(b, i, t.url, t.nalt > 0 ? t.alt_host[0] : NULL);
		sl_url_norm_clear(&t);
	} else {
		sl_prov_batch_add(b, i, n.url, n.nalt > 0 ? n.alt_host[0] : NULL);
	}
	sl_url_norm_clear(&n);
}

/* The live providers (provider.h) for every URL the lists did not decide:
 * one batch for the message, within reputation.time_budget_ms. */
static void judge_live(struct sl_reputation *r, struct sl_msg *m)
{
	struct sl_prov_batch *b;

	if (r->providers == NULL)
		return;
	b = sl_prov_batch_new();
	for (size_t i = 0; i < m->nurls; i++)
		live_add(r, b, i, &m->urls[i]);
	sl_providers_lookup(r->providers, b, m->id);
	for (size_t k = 0; k < sl_prov_batch_nhits(b); k++) {
		const struct sl_prov_hit *h = sl_prov_batch_hit(b, k);
		sl_url_flag(&m->urls[h->tag], h->verdict, h->source, "%s", h->reason);
	}
	sl_prov_batch_free(b);
}

int sl_reputation_run(struct sl_reputation *r, struct sl_msg *m)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (size_t i = 0; i < m->nurls; i++)
		judge(r, &m->urls[i]);
	judge_live(r, m);
	for (size_t i = 0; i < m->nurls; i++)
		report(m, &m->urls[i], seen);
	g_hash_table_destroy(seen);
	return SL_OK;
}

int sl_reputation_judge_url(struct sl_reputation *r, const char *url, const char *id,
			    enum sl_url_rep *rep, char **source, char **reason)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, id != NULL ? id : "click", NULL, 0);
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	int u = sl_msg_add_url(m, p, url, 0, strlen(url), SL_URLCTX_HREF, NULL);
	int rc = sl_reputation_run(r, m);

	*rep = m->urls[u].reputation;
	*source = m->urls[u].source != NULL ? sl_xstrdup(m->urls[u].source) : NULL;
	*reason = m->urls[u].reason != NULL ? sl_xstrdup(m->urls[u].reason) : NULL;
	sl_msg_free(m);
	return rc;
}

struct sl_providers *sl_reputation_providers(const struct sl_reputation *r)
{
	return r->providers;
}
