/*
 * linkpage - the pages of the safe-link redirector: a link blocked, a
 * warning with a continue button, a link that is not valid. Built from
 * templates in the contact center's language:
 *
 *   {safelinks.template_dir}/{safelinks.language}/block.html
 *                                                 /warn.html
 *                                                 /invalid.html
 *
 * (conf/safelinks/en and conf/safelinks/de are shipped). A template is plain
 * HTML with placeholders {{name}}:
 *   destination  where the link goes: one line, every host and URL in it
 *                defanged (hxxps[:]//evil[.]test/...), never a link
 *   host         the destination's host, defanged
 *   reason       why it was blocked or is suspicious, defanged
 *   source       the list, heuristic or service that decided
 *   click_id     the click's id (the log line names it; for support)
 *   form_action  (warn) where the continue form posts: the link's own path
 *   form_token   (warn) the form token that lets it continue (safelink.h)
 *   lifetime     (warn) minutes the continue button works
 * Every value is HTML-escaped (& < > " '); destination, host, reason and
 * source go through sl_escape_text() first (escape.h: one line, invisible
 * and bidi characters shown, hosts and URLs defanged).
 *
 * Loading checks what a page may hold, so that the pages work without
 * JavaScript, load nothing and link nowhere (a link-preview bot that follows
 * every URL of the page finds none): no <script>, <link>, <base>, <iframe>,
 * <frame>, <object>, <embed>, <img>, <svg>, <a>, no meta http-equiv, no src=,
 * href=, srcset=, action= other than {{form_action}}, style= or on...=
 * attributes, no url( or @import; no placeholder the page does not know or
 * inside <style>; warn.html must post {{form_token}} to {{form_action}}
 * (method="post"). An error names the file and line.
 *
 * The <style> elements are hashed for the page's Content-Security-Policy:
 *   default-src 'none'; style-src 'sha256-...'; base-uri 'none';
 *   frame-ancestors 'none'
 * form-action is left out on purpose: browsers apply it to the redirect that
 * follows the continue form's POST, and that redirect leaves for the
 * destination.
 *
 * Ownership: the pages own their templates; render returns malloc'd HTML.
 * Threads: read-only after new. Errors: new returns NULL with *why.
 */
#ifndef SL_LINKPAGE_H
#define SL_LINKPAGE_H

#include <stddef.h>

#include "config.h"

enum sl_linkpage { SL_PAGE_BLOCK, SL_PAGE_WARN, SL_PAGE_INVALID };

struct sl_linkpages;

/* The values of one page; NULL is "". */
struct sl_linkpage_vars {
	const char *destination;
	const char *host;
	const char *reason;
	const char *source;
	const char *click_id;
	const char *form_action;
	const char *form_token;
	int lifetime; /* minutes */
};

struct sl_linkpages *sl_linkpages_new(const struct sl_config *cfg, char **why);
struct sl_linkpages *sl_linkpages_free(struct sl_linkpages *p); /* returns NULL */

/* The page with v filled in (caller frees); *len its length. */
char *sl_linkpages_render(const struct sl_linkpages *p, enum sl_linkpage page,
			  const struct sl_linkpage_vars *v, size_t *len);
/* The page's Content-Security-Policy header value (borrowed). */
const char *sl_linkpages_csp(const struct sl_linkpages *p, enum sl_linkpage page);
/* The language the pages are in (safelinks.language; borrowed). */
const char *sl_linkpages_language(const struct sl_linkpages *p);

#endif
