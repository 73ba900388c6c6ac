/* prov_urlhaus - see prov_urlhaus.h. */
#include <glib.h>

#include "prov_urlhaus.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct urlhaus {
	char *url_endpoint, *host_endpoint;
	int allow_http;
	char *auth_header; /* "Auth-Key: KEY" */
	struct sl_urlhaus_map map;
};

/* The reply's JSON object and query_status; NULL after answering q with a failure. */
static json_t *reply_json(const struct sl_prov_http_reply *r, struct sl_prov_query *q,
			  const char **status)
{
	json_t *j;

	if (r->error != NULL) {
		sl_prov_failed(q, "%s", r->error);
		return NULL;
	}
	j = json_loadb(r->body, r->len, 0, NULL);
	*status = json_string_value(json_object_get(j, "query_status"));
	if (*status == NULL) {
		char *e = r->status != 200 ? sl_prov_http_error(r) : NULL;
		sl_prov_failed(q, "%s", e != NULL ? e : "unreadable reply (no query_status)");
		free(e);
		json_decref(j);
		return NULL;
	}
	if (strcmp(*status, "ok") != 0 && strcmp(*status, "no_results") != 0) {
		if (strcmp(*status, "unknown_auth_key") == 0)
			sl_prov_failed(q, "the Auth-Key was refused (unknown_auth_key)");
		else
			sl_prov_failed(q, "query_status %.40s (HTTP %ld)", *status, r->status);
		json_decref(j);
		return NULL;
	}
	return j;
}

void sl_urlhaus_answer_url(const struct sl_urlhaus_map *m, const struct sl_prov_http_reply *r,
			   struct sl_prov_query *q)
{
	const char *status = NULL, *us, *threat;
	json_t *j = reply_json(r, q, &status);
	enum sl_url_rep v;
	char *detail, *cat;

	if (j == NULL)
		return;
	if (strcmp(status, "no_results") == 0) {
		sl_prov_not_listed(q, -1);
		goto out;
	}
	us = json_string_value(json_object_get(j, "url_status"));
	threat = json_string_value(json_object_get(j, "threat"));
	if (us == NULL || *us == '\0')
		us = "unknown";
	if (threat == NULL || *threat == '\0')
		threat = "malware";
	v = strcmp(us, "online") == 0 ? SL_REP_MALICIOUS : m->offline;
	if (v == SL_REP_UNKNOWN) {
		sl_prov_not_listed(q, -1);
		goto out;
	}
	detail = sl_xasprintf("%.40s/%.20s", threat, us);
	cat = sl_xasprintf("%.40s (%.20s)", threat, us);
	sl_prov_listed(q, v, detail, cat, -1);
	free(detail);
	free(cat);
out:
	json_decref(j);
}

void sl_urlhaus_answer_host(const struct sl_urlhaus_map *m, const struct sl_prov_http_reply *r,
			    struct sl_prov_query *q)
{
	const char *status = NULL;
	json_t *j = reply_json(r, q, &status), *urls;
	size_t online = 0;

	if (j == NULL)
		return;
	urls = json_object_get(j, "urls");
	for (size_t i = 0; i < json_array_size(urls); i++) {
		const char *us =
		    json_string_value(json_object_get(json_array_get(urls, i), "url_status"));
		if (us != NULL && strcmp(us, "online") == 0)
			online++;
	}
	if (strcmp(status, "ok") == 0 && online > 0 && m->host_online != SL_REP_UNKNOWN) {
		char *cat = sl_xasprintf("a malware host (%zu URL%s online)", online,
					 online == 1 ? "" : "s");
		sl_prov_listed(q, m->host_online, "host_online", cat, -1);
		free(cat);
	} else {
		sl_prov_not_listed(q, -1);
	}
	json_decref(j);
}

static void on_reply(void *ctx, const struct sl_prov_http_reply *r)
{
	struct sl_prov_query *q = ctx;
	const struct urlhaus *u = q->priv;
	if (q->scope == SL_PROV_URL)
		sl_urlhaus_answer_url(&u->map, r, q);
	else
		sl_urlhaus_answer_host(&u->map, r, q);
}

static void start(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q, size_t n)
{
	struct urlhaus *u = state;
	const char *headers[] = {u->auth_header, NULL};

	for (size_t i = 0; i < n; i++) {
		int url = q[i]->scope == SL_PROV_URL;
		char *e, *body;
		if (!url && (u->map.host_online == SL_REP_UNKNOWN || q[i]->host[0] == '[')) {
			sl_prov_skip(q[i]); /* host look-ups off; IPv6 hosts are not in URLhaus */
			continue;
		}
		e = g_uri_escape_string(q[i]->key, NULL, FALSE);
		body = sl_xasprintf("%s=%s", url ? "url" : "host", e);
		q[i]->priv = u;
		sl_prov_loop_http(loop, url ? u->url_endpoint : u->host_endpoint, u->allow_http,
				  headers, body, strlen(body), on_reply, q[i]);
		free(body);
		g_free(e);
	}
}

static void destroy(void *state)
{
	struct urlhaus *u = state;
	free(u->url_endpoint);
	free(u->host_endpoint);
	if (u->auth_header != NULL)
		explicit_bzero(u->auth_header, strlen(u->auth_header));
	free(u->auth_header);
	free(u);
}

static const struct sl_provider_ops ops = {
    .kind = "urlhaus",
    .label = "URLhaus",
    .scopes = SL_PROV_URL | SL_PROV_HOST,
    .start = start,
    .free = destroy,
};

static int parse_map(const struct sl_config *cfg, const char *key, enum sl_url_rep *out, char **why)
{
	const char *v = sl_config_str(cfg, key);
	if (strcmp(v, "malicious") == 0)
		*out = SL_REP_MALICIOUS;
	else if (strcmp(v, "suspicious") == 0)
		*out = SL_REP_SUSPICIOUS;
	else if (strcmp(v, "none") == 0)
		*out = SL_REP_UNKNOWN;
	else {
		*why = sl_xasprintf("%s: expected malicious, suspicious or none, got '%s'", key, v);
		return SL_ECONFIG;
	}
	return SL_OK;
}

int sl_urlhaus_create(const struct sl_config *cfg, struct sl_providers *p, char **why)
{
	struct urlhaus *u;
	char *base = NULL, *key = NULL;
	int rc = SL_ECONFIG;

	if (*sl_config_str(cfg, "reputation.urlhaus_url") == '\0')
		return SL_OK;
	u = sl_xcalloc(1, sizeof(*u));
	if (parse_map(cfg, "reputation.urlhaus_offline", &u->map.offline, why) != SL_OK ||
	    parse_map(cfg, "reputation.urlhaus_host", &u->map.host_online, why) != SL_OK ||
	    sl_prov_endpoint(cfg, "reputation.urlhaus", "reputation.urlhaus_auth", &base,
			     &u->allow_http, &key, why) != SL_OK)
		goto out;
	u->url_endpoint = sl_xasprintf("%s/v1/url/", base);
	u->host_endpoint = sl_xasprintf("%s/v1/host/", base);
	u->auth_header = sl_xasprintf("Auth-Key: %s", key);
	sl_providers_add(p, "urlhaus", &ops, u);
	u = NULL;
	rc = SL_OK;
out:
	if (u != NULL)
		destroy(u);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(base);
	return rc;
}
