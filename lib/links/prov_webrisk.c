/* prov_webrisk - see prov_webrisk.h. */
#include <glib.h>

#include "prov_webrisk.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct webrisk {
	const struct sl_config *cfg; /* borrowed from the set, which holds a reference */
	char *base;
	int allow_http;
	char *key;
};

char *sl_webrisk_request(const char *base, const char *key, char *const *types, const char *uri)
{
	GString *s = g_string_new(base);
	char *e, *r;

	g_string_append(s, "/v1/uris:search?");
	for (size_t i = 0; types != NULL && types[i] != NULL; i++) {
		e = g_uri_escape_string(types[i], NULL, FALSE);
		g_string_append_printf(s, "threatTypes=%s&", e);
		g_free(e);
	}
	e = g_uri_escape_string(uri, NULL, FALSE);
	g_string_append_printf(s, "uri=%s", e);
	g_free(e);
	e = g_uri_escape_string(key, NULL, FALSE);
	g_string_append_printf(s, "&key=%s", e);
	g_free(e);
	r = sl_xstrdup(s->str);
	g_string_free(s, TRUE);
	return r;
}

void sl_webrisk_answer(const struct sl_config *cfg, const struct sl_prov_http_reply *r,
		       struct sl_prov_query *q, int64_t now)
{
	json_t *j = NULL, *threat, *types;
	const char *worst = NULL, *expire;
	enum sl_url_rep v = SL_REP_UNKNOWN;
	int64_t ttl = -1;

	if (r->error != NULL) {
		sl_prov_failed(q, "%s", r->error);
		return;
	}
	if (r->status != 200) {
		char *e = sl_prov_http_error(r);
		sl_prov_failed(q, "%s", e);
		free(e);
		return;
	}
	j = json_loadb(r->body, r->len, 0, NULL);
	if (!json_is_object(j)) {
		sl_prov_failed(q, "unreadable reply (not a JSON object)");
		goto out;
	}
	threat = json_object_get(j, "threat");
	if (threat == NULL || json_is_null(threat)) {
		sl_prov_not_listed(q, -1);
		goto out;
	}
	types = json_object_get(threat, "threatTypes");
	if (!json_is_object(threat) || (types != NULL && !json_is_array(types))) {
		sl_prov_failed(q, "unreadable reply (threat is not a ThreatUri)");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(types); i++) {
		const char *t = json_string_value(json_array_get(types, i));
		enum sl_url_rep tv;
		if (t == NULL || *t == '\0' || strcmp(t, "THREAT_TYPE_UNSPECIFIED") == 0)
			continue;
		tv = sl_prov_threat_verdict(cfg, t);
		if (tv > v) {
			v = tv;
			worst = t;
		}
	}
	if (worst == NULL) {
		sl_prov_not_listed(q, -1);
		goto out;
	}
	expire = json_string_value(json_object_get(threat, "expireTime"));
	if (expire != NULL) {
		GDateTime *d = g_date_time_new_from_iso8601(expire, NULL);
		if (d != NULL) {
			ttl = MAX(0, g_date_time_to_unix(d) - now);
			g_date_time_unref(d);
		}
	}
	sl_prov_listed(q, v, worst, worst, ttl);
out:
	json_decref(j);
}

static void on_reply(void *ctx, const struct sl_prov_http_reply *r)
{
	struct sl_prov_query *q = ctx;
	const struct webrisk *w = q->priv;
	sl_webrisk_answer(w->cfg, r, q, g_get_real_time() / G_USEC_PER_SEC);
}

static void start(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q, size_t n)
{
	struct webrisk *w = state;
	char *const *types = sl_config_list(w->cfg, "reputation.webrisk_threat_types");

	for (size_t i = 0; i < n; i++) {
		char *url = sl_webrisk_request(w->base, w->key, types, q[i]->key);
		q[i]->priv = w;
		sl_prov_loop_http(loop, url, w->allow_http, NULL, NULL, 0, on_reply, q[i]);
		free(url);
	}
}

static void destroy(void *state)
{
	struct webrisk *w = state;
	free(w->base);
	if (w->key != NULL)
		explicit_bzero(w->key, strlen(w->key));
	free(w->key);
	free(w);
}

static const struct sl_provider_ops ops = {
    .kind = "webrisk",
    .label = "Google Web Risk",
    .scopes = SL_PROV_URL,
    .start = start,
    .free = destroy,
};

int sl_webrisk_create(const struct sl_config *cfg, struct sl_providers *p, char **why)
{
	struct webrisk *w;
	char *const *types = sl_config_list(cfg, "reputation.webrisk_threat_types");

	if (*sl_config_str(cfg, "reputation.webrisk_url") == '\0')
		return SL_OK;
	w = sl_xcalloc(1, sizeof(*w));
	w->cfg = sl_providers_config(p);
	if (sl_prov_endpoint(cfg, "reputation.webrisk", "reputation.webrisk", &w->base,
			     &w->allow_http, &w->key, why) != SL_OK)
		goto fail;
	if (types == NULL || types[0] == NULL) {
		*why = sl_xstrdup("reputation.webrisk_threat_types: name at least one threat type");
		goto fail;
	}
	sl_providers_add(p, "webrisk", &ops, w);
	return SL_OK;
fail:
	destroy(w);
	return SL_ECONFIG;
}
