/*
 * safelinks - the safe-link redirector on sluiced's public HTTP listener
 * (http.listen): GET {path of safelinks.base_url}/l/{token} and the POST of
 * its continue button.
 *
 * A click: the token is verified (safelink.h) with the key of the engine of
 * the moment, else 400 and the "not valid" page: the redirector only ever
 * sends people where sluice itself wrapped a link (no open redirect: nothing
 * of the request but the token is used, and the token is one path segment
 * of base64url characters). The destination is then judged again, now,
 * through the engine's reputation stage (reputation.h: lists, heuristics,
 * the providers' cache and the providers), as the link of a message is:
 *   malicious         403, the block page: the destination (defanged text)
 *                     and why
 *   suspicious        200, the warning page: the destination as defanged
 *                     text and a continue button that POSTs a form token
 *                     bound to the link token and valid for
 *                     safelinks.form_lifetime seconds; nothing on the page
 *                     is a link, so a preview bot or mail scanner that
 *                     fetches every URL it finds never reaches the
 *                     destination
 *   clean, unknown    302 to the destination (unknown: the warning page
 *                     when safelinks.unknown = warn)
 * The POST checks the link token and the form token, judges again (a link
 * that turned malicious in between is blocked) and answers 303 to the
 * destination; a missing, expired or foreign form token gets the warning
 * page again (403) with a fresh one.
 *
 * Pages come from the engine's templates (linkpage.h) in the configured
 * language, with Content-Security-Policy (hashes of their styles, nothing
 * else allowed), X-Frame-Options DENY, Referrer-Policy no-referrer (also on
 * the redirects: the destination never sees the token), no caching.
 *
 * Every click is one log line and one count: time, the token's id (a hash,
 * never the token: it holds the destination), verdict, action, the host and
 * the deciding source; sluice_safelink_clicks_total{verdict,action}
 * (metrics.h).
 *
 * Routes are added only when safelinks.base_url is set at start; its path
 * is fixed until a restart (the key and pages follow reloads).
 */
#ifndef SL_SAFELINKS_H
#define SL_SAFELINKS_H

#include <stddef.h>

#include "daemon.h"
#include "http.h"

/* Appends this module's routes to out (room for max); returns how many. */
size_t sl_safelinks_routes(struct sl_daemon *d, struct sl_http_route *out, size_t max);

#endif
