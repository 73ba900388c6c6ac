/*
 * prov_webrisk - Google Web Risk, the commercial counterpart of Safe
 * Browsing: one GET {reputation.webrisk_url}/v1/uris:search per URL, with
 * the URL in `uri`, each of reputation.webrisk_threat_types as a repeated
 * `threatTypes` and the API key in `key` (reputation.webrisk_key_file).
 *
 * Reply: {} when the URL is on none of the lists; else
 * {"threat": {"threatTypes": ["SOCIAL_ENGINEERING", ...], "expireTime":
 * "2024-01-01T00:00:00.000Z"}}: listed, the worst of the types deciding
 * (reputation.suspicious_threat_types are suspicious, the others
 * malicious), cached until expireTime. Any other status (400, 403, 429,
 * 5xx) or an unreadable body is a failure: unknown.
 *
 * Source: "webrisk:TYPE". Enabled when reputation.webrisk_url is set; the
 * key is then required.
 */
#ifndef SL_PROV_WEBRISK_H
#define SL_PROV_WEBRISK_H

#include <stdint.h>

#include "config.h"
#include "provider.h"

/* Adds the provider to p when configured; SL_ECONFIG with *why otherwise. */
int sl_webrisk_create(const struct sl_config *cfg, struct sl_providers *p, char **why);

/* The request URL for uri (caller frees). */
char *sl_webrisk_request(const char *base, const char *key, char *const *types, const char *uri);
/* Answers q from a reply; now (unix seconds) turns expireTime into a lifetime. */
void sl_webrisk_answer(const struct sl_config *cfg, const struct sl_prov_http_reply *r,
		       struct sl_prov_query *q, int64_t now);

#endif
