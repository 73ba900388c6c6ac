/*
 * reputation - the stage that judges every URL the urls stage found: local
 * lists (blocklist, allowlist, shorteners, protected names) and heuristics
 * for links that lie about where they go. It reads msg->urls and adds to
 * them; it never rewrites or follows a link.
 *
 * For each sl_url it sets (replacing what was there):
 *   normalized   the URL as a browser resolves it (urlnorm), NULL when it
 *                does not parse
 *   reputation   malicious (a blocklisted destination), suspicious (a
 *                heuristic), clean (allowlisted) or unknown
 *   source       "blocklist.txt:entry", "allowlist.txt:entry",
 *                "open_redirect:blocklist.txt:entry", "heuristic:NAME", or a
 *                live provider's ("webrisk:SOCIAL_ENGINEERING", provider.h)
 *   reason       for people, when suspicious or malicious
 * and adds one SL_FIND_URL finding per distinct (part, normalised URL) that
 * ends suspicious or malicious: rule "url_malicious", "url_suspicious", or
 * "url_in_attachment" for URLs inside attachments; URLs of img/iframe src are
 * judged but only a malicious one makes a finding. Heuristics, what they
 * flag and what they leave alone: signatures/urls/README.md.
 *
 * Ownership: sl_reputation_new() loads every list file named by
 * urls.blocklist_files, urls.allowlist_files, urls.shortener_files and
 * urls.protected_files, and opens one ICU spoof checker; the sl_reputation
 * owns them and borrows nothing from the config after new returns.
 * Threads: after new, the object is read-only: sl_reputation_run() may run on
 * many messages at once (hash look-ups, libpsl, and ICU uspoof calls on a
 * const checker, which ICU documents as thread safe).
 *
 * Destinations: every host a click may open is judged (urlnorm's host and
 * alt_host[], a handler's target); a URL that does not parse, or is longer
 * than urls.max_url_length, is still looked up by the hosts its text names
 * (urlhost's lenient reading) and is malicious when one is blocklisted.
 *
 * Live providers (provider.h), when configured, are asked about every URL
 * the lists did not decide (neither blocklisted nor allowlisted), all at
 * once within reputation.time_budget_ms; a listing makes the URL malicious
 * or suspicious, anything else leaves it as the lists and heuristics said.
 *
 * Limits: URLs longer than urls.max_url_length are not parsed further and are
 * suspicious; at most SL_REPUTATION_MAX_EMBEDDED URLs carried inside one
 * URL's path and query (as written, percent-decoded once and twice) are
 * judged, out of at most four times as many candidates.
 *
 * Errors: new returns NULL with *why (caller frees), e.g.
 * "urls.blocklist_files: /x/blocklist.txt: No such file or directory"; a bad
 * line in a list file is logged (file:line) and skipped. run returns 0; it
 * fails on no message.
 */
#ifndef SL_REPUTATION_H
#define SL_REPUTATION_H

#include "config.h"
#include "msg.h"

#define SL_REPUTATION_MAX_EMBEDDED 8

struct sl_reputation;
struct sl_providers;

struct sl_reputation *sl_reputation_new(const struct sl_config *cfg, char **why);
int sl_reputation_run(struct sl_reputation *r, struct sl_msg *m);
struct sl_reputation *sl_reputation_free(struct sl_reputation *r); /* returns NULL */
/* One link judged alone, as a click on it is (safe links, at click time):
 * the same lists, heuristics, cache and live providers as the links of a
 * message, the link taken as the href of one (a link that does not parse is
 * judged as the stage judges it). *rep gets the verdict; *source and
 * *reason (caller frees) the list, heuristic or provider that decided and
 * why, NULL when clean or unknown without one. id names the click in logs. */
int sl_reputation_judge_url(struct sl_reputation *r, const char *url, const char *id,
			    enum sl_url_rep *rep, char **source, char **reason);
/* The live providers (provider.h), for /metrics and /healthz; NULL when none. */
struct sl_providers *sl_reputation_providers(const struct sl_reputation *r);

#endif
