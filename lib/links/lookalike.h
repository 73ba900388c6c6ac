/*
 * lookalike - names made to pass for others: the IDN and look-alike checks of
 * the reputation stage, and the protected names they guard.
 *
 * Look-alike names: two UTS #39 skeletons (ICU, ASCII then lower-cased) of
 * each protected registrable domain are computed once: of its first label
 * ("g00gle", "pаypal" meet "google", "paypal" under any suffix), and of the
 * whole domain with combining marks removed ("pàypal.com" meets "paypal.com",
 * while the Swedish "äpple.se" does not meet "apple.com"). A URL's registrable
 * domain is looked up by the same skeletons; the same name under another
 * suffix ("paypal.de") is no look-alike. Skeletons of ASCII text are built
 * from a per-character table filled from ICU at start-up, so only IDN names
 * call into ICU per URL.
 *
 * Mixed scripts follow what Chromium shows as punycode: ICU's restriction
 * level HIGHLY_RESTRICTIVE per label (one script plus Common/Inherited, or
 * Latin with Han+Hiragana+Katakana, Han+Bopomofo or Han+Hangul), mixed digit
 * systems, invisible characters; and whole-script confusables: a label in one
 * non-Latin script whose skeleton is plain Latin letters, unless the TLD is
 * of that script (its own IDN TLD, or a ccTLD of a country writing it).
 *
 * The checker is read-only after sl_lookalike_new: ICU documents the const
 * spoof-checker functions as thread-safe, so one serves every thread.
 */
#ifndef SL_LOOKALIKE_H
#define SL_LOOKALIKE_H

#include "config.h"
#include "msg.h"
#include "urlnorm.h"

struct sl_lookalike;

/* Loads urls.protected_files; NULL with *why when a file cannot be read or ICU fails. */
struct sl_lookalike *sl_lookalike_new(const struct sl_config *cfg, char **why);
struct sl_lookalike *sl_lookalike_free(struct sl_lookalike *la); /* returns NULL */

/* The heuristics idn_spoof, lookalike and brand_in_subdomain on one URL (the
 * last two only when the host is not a protected name itself: genuine). */
void sl_lookalike_check(const struct sl_lookalike *la, struct sl_url *u, const struct sl_url_norm *n,
			int genuine);

#endif
