/* prov_safebrowsing - see prov_safebrowsing.h. */
#include <glib.h>

#include "prov_safebrowsing.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct safebrowsing {
	const struct sl_config *cfg;
	char *url; /* base/v4/threatMatches:find?key=KEY */
	int allow_http;
};

/* One request: the queries it carries. */
struct request {
	struct safebrowsing *sb;
	struct sl_prov_query **q;
	size_t n;
};

char *sl_safebrowsing_body(const char *client_id, char *const *types,
			   struct sl_prov_query *const *q, size_t n)
{
	json_t *tt = json_array(), *entries = json_array(), *o;
	char *s = NULL;

	for (size_t i = 0; types != NULL && types[i] != NULL; i++)
		json_array_append_new(tt, json_string(types[i]));
	for (size_t i = 0; i < n; i++) {
		json_t *u = json_string(q[i]->key);
		if (u == NULL) {
			json_decref(tt);
			json_decref(entries);
			return NULL;
		}
		json_array_append_new(entries, json_pack("{s:o}", "url", u));
	}
	o = json_pack("{s:{s:s, s:s}, s:{s:o, s:[s], s:[s], s:o}}", "client", "clientId", client_id,
		      "clientVersion", SLUICE_VERSION, "threatInfo", "threatTypes", tt,
		      "platformTypes", "ANY_PLATFORM", "threatEntryTypes", "URL", "threatEntries",
		      entries);
	if (o != NULL) {
		char *d = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		s = d != NULL ? sl_xstrdup(d) : NULL;
		free(d);
	}
	json_decref(o);
	return s;
}

void sl_safebrowsing_answer(const struct sl_config *cfg, const struct sl_prov_http_reply *r,
			    struct sl_prov_query *const *q, size_t n)
{
	json_t *j = NULL, *matches;
	GHashTable *byurl = NULL;
	const char **type = NULL;
	enum sl_url_rep *v = NULL;
	int64_t *ttl = NULL;
	char *err = NULL;

	if (r->error != NULL) {
		err = sl_xstrdup(r->error);
		goto fail;
	}
	if (r->status != 200) {
		err = sl_prov_http_error(r);
		goto fail;
	}
	j = json_loadb(r->body, r->len, 0, NULL);
	matches = json_object_get(j, "matches");
	if (!json_is_object(j) || (matches != NULL && !json_is_array(matches))) {
		err = sl_xstrdup("unreadable reply (not a threatMatches response)");
		goto fail;
	}
	byurl = g_hash_table_new(g_str_hash, g_str_equal);
	type = sl_xcalloc(n + 1, sizeof(*type));
	v = sl_xcalloc(n + 1, sizeof(*v));
	ttl = sl_xcalloc(n + 1, sizeof(*ttl));
	for (size_t i = 0; i < n; i++) {
		g_hash_table_insert(byurl, (gpointer)q[i]->key, GSIZE_TO_POINTER(i + 1));
		ttl[i] = -1;
	}
	for (size_t k = 0; k < json_array_size(matches); k++) {
		json_t *m = json_array_get(matches, k);
		const char *t = json_string_value(json_object_get(m, "threatType"));
		const char *u =
		    json_string_value(json_object_get(json_object_get(m, "threat"), "url"));
		const char *cd = json_string_value(json_object_get(m, "cacheDuration"));
		size_t i = GPOINTER_TO_SIZE(u != NULL ? g_hash_table_lookup(byurl, u) : NULL);
		enum sl_url_rep tv;
		int64_t d;

		if (i == 0 || t == NULL || *t == '\0' || strcmp(t, "THREAT_TYPE_UNSPECIFIED") == 0)
			continue; /* not one of ours, or nothing said */
		i--;
		tv = sl_prov_threat_verdict(cfg, t);
		if (tv > v[i]) {
			v[i] = tv;
			type[i] = t;
		}
		d = sl_prov_parse_duration(cd);
		if (d >= 0 && (ttl[i] < 0 || d < ttl[i]))
			ttl[i] = d;
	}
	for (size_t i = 0; i < n; i++) {
		if (type[i] != NULL)
			sl_prov_listed(q[i], v[i], type[i], type[i], ttl[i]);
		else
			sl_prov_not_listed(q[i], -1);
	}
	goto out;
fail:
	for (size_t i = 0; i < n; i++)
		sl_prov_failed(q[i], "%s", err);
out:
	free(err);
	free(type);
	free(v);
	free(ttl);
	if (byurl != NULL)
		g_hash_table_destroy(byurl);
	json_decref(j);
}

static void on_reply(void *ctx, const struct sl_prov_http_reply *r)
{
	struct request *rq = ctx;
	sl_safebrowsing_answer(rq->sb->cfg, r, rq->q, rq->n);
	free(rq->q);
	free(rq);
}

static void start(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q, size_t n)
{
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	struct safebrowsing *sb = state;
	char *const *types = sl_config_list(sb->cfg, "reputation.safebrowsing_threat_types");
	const char *client = sl_config_str(sb->cfg, "reputation.safebrowsing_client_id");

	for (size_t off = 0; off < n; off += SL_SAFEBROWSING_BATCH) {
		struct request *rq = sl_xcalloc(1, sizeof(*rq));
		char *body;

		rq->sb = sb;
		rq->n = MIN(n - off, (size_t)SL_SAFEBROWSING_BATCH);
		rq->q = sl_xcalloc(rq->n, sizeof(*rq->q));
		memcpy(rq->q, q + off, rq->n * sizeof(*rq->q));
		body = sl_safebrowsing_body(client, types, rq->q, rq->n);
		if (body == NULL) {
			for (size_t i = 0; i < rq->n; i++)
				sl_prov_failed(rq->q[i], "a URL of the batch is not UTF-8");
			free(rq->q);
			free(rq);
			continue;
		}
		sl_prov_loop_http(loop, sb->url, sb->allow_http, headers, body, strlen(body),
				  on_reply, rq);
		free(body);
	}
}

static void destroy(void *state)
{
	struct safebrowsing *sb = state;
	if (sb->url != NULL)
		explicit_bzero(sb->url, strlen(sb->url));
	free(sb->url);
	free(sb);
}

static const struct sl_provider_ops ops = {
    .kind = "safebrowsing",
    .label = "Google Safe Browsing",
    .scopes = SL_PROV_URL,
    .start = start,
    .free = destroy,
};

int sl_safebrowsing_create(const struct sl_config *cfg, struct sl_providers *p, char **why)
{
	struct safebrowsing *sb;
	char *base = NULL, *key = NULL, *ekey;
	char *const *types = sl_config_list(cfg, "reputation.safebrowsing_threat_types");
	int rc = SL_ECONFIG;

	if (*sl_config_str(cfg, "reputation.safebrowsing_url") == '\0')
		return SL_OK;
	sb = sl_xcalloc(1, sizeof(*sb));
	sb->cfg = sl_providers_config(p);
	if (sl_prov_endpoint(cfg, "reputation.safebrowsing", "reputation.safebrowsing", &base,
			     &sb->allow_http, &key, why) != SL_OK)
		goto out;
	if (types == NULL || types[0] == NULL) {
		*why = sl_xstrdup(
		    "reputation.safebrowsing_threat_types: name at least one threat type");
		goto out;
	}
	ekey = g_uri_escape_string(key, NULL, FALSE);
	sb->url = sl_xasprintf("%s/v4/threatMatches:find?key=%s", base, ekey);
	explicit_bzero(ekey, strlen(ekey));
	g_free(ekey);
	sl_providers_add(p, "safebrowsing", &ops, sb);
	sb = NULL;
	rc = SL_OK;
out:
	if (sb != NULL)
		destroy(sb);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(base);
	return rc;
}
