/*
 * prov_urlhaus - abuse.ch URLhaus (malware distribution URLs), API v1:
 *   POST {reputation.urlhaus_url}/v1/url/   form url=<the URL>
 *   POST {reputation.urlhaus_url}/v1/host/  form host=<the host>
 * each with the header "Auth-Key: KEY" (reputation.urlhaus_auth_key_file).
 *
 * Replies are JSON with a query_status: "ok" (found), "no_results" (not
 * listed), or an error ("invalid_url", "invalid_host", "unknown_auth_key"
 * (HTTP 401/403), "http_post_expected", ...), which is a failure: unknown.
 * A found URL has a url_status: "online" is malicious; "offline" (and
 * "unknown") are reputation.urlhaus_offline (suspicious by default: the URL
 * served malware, the server may come back). A found host is listed as
 * reputation.urlhaus_host (suspicious by default) when any of its URLs is
 * online, else not listed; reputation.urlhaus_host = none asks no hosts.
 * URLhaus gives no lifetime: reputation.cache_positive_ttl applies.
 *
 * Sources: "urlhaus:THREAT/URL_STATUS" (e.g. "urlhaus:malware_download/online")
 * and "urlhaus:host_online".
 */
#ifndef SL_PROV_URLHAUS_H
#define SL_PROV_URLHAUS_H

#include "config.h"
#include "provider.h"

int sl_urlhaus_create(const struct sl_config *cfg, struct sl_providers *p, char **why);

/* How listings map to verdicts (SL_REP_UNKNOWN: not a listing). */
struct sl_urlhaus_map {
	enum sl_url_rep offline;
	enum sl_url_rep host_online;
};
void sl_urlhaus_answer_url(const struct sl_urlhaus_map *m, const struct sl_prov_http_reply *r,
			   struct sl_prov_query *q);
void sl_urlhaus_answer_host(const struct sl_urlhaus_map *m, const struct sl_prov_http_reply *r,
			    struct sl_prov_query *q);

#endif
