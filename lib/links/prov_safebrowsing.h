/*
 * prov_safebrowsing - Google Safe Browsing v4 Lookup API. Its terms allow
 * non-commercial use only: a contact center wants Web Risk (prov_webrisk.c),
 * its commercial counterpart; this one is for trials and non-profits.
 *
 * One POST {reputation.safebrowsing_url}/v4/threatMatches:find?key=KEY per
 * 500 URLs (the API's batch limit), body
 *   {"client": {"clientId": reputation.safebrowsing_client_id,
 *               "clientVersion": sluice's version},
 *    "threatInfo": {"threatTypes": reputation.safebrowsing_threat_types,
 *                   "platformTypes": ["ANY_PLATFORM"],
 *                   "threatEntryTypes": ["URL"],
 *                   "threatEntries": [{"url": "..."}, ...]}}
 * Reply: {} when nothing matched; else {"matches": [{"threatType": ...,
 * "platformType": ..., "threatEntryType": "URL", "threat": {"url": ...},
 * "cacheDuration": "300s"}, ...]}. A URL with matches is listed (the worst
 * type decides, as for Web Risk) and cached for its shortest cacheDuration;
 * the others are not listed (cached for reputation.cache_negative_ttl). A
 * status other than 200 or an unreadable body fails the whole batch.
 *
 * Source: "safebrowsing:TYPE".
 */
#ifndef SL_PROV_SAFEBROWSING_H
#define SL_PROV_SAFEBROWSING_H

#include <stddef.h>

#include "config.h"
#include "provider.h"

#define SL_SAFEBROWSING_BATCH 500

int sl_safebrowsing_create(const struct sl_config *cfg, struct sl_providers *p, char **why);

/* The request body for q[0..n) (caller frees); NULL when a URL cannot be
 * written as JSON (not UTF-8). */
char *sl_safebrowsing_body(const char *client_id, char *const *types,
			   struct sl_prov_query *const *q, size_t n);
/* Answers q[0..n) from the reply. */
void sl_safebrowsing_answer(const struct sl_config *cfg, const struct sl_prov_http_reply *r,
			    struct sl_prov_query *const *q, size_t n);

#endif
