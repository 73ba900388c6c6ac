/* health - see health.h. */
#include <glib.h>

#include "health.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cidr.h"
#include "metrics.h"
#include "pipeline.h"
#include "provcache.h"
#include "provider.h"
#include "reputation.h"
#include "store.h"
#include "urlrewrite.h"
#include "util.h"

/* The WhatsApp door's queues (migration 0004): outbox rows by state, and
 * the payloads the webhook kept that no worker has finished yet. */
#define OUTBOX_SQL "SELECT state, count(*) FROM wa_outbox WHERE state <> 'sent' GROUP BY state"
#define INBOX_SQL "SELECT count(*) FROM wa_inbox"

/* ---- who may ask ---- */

/* 1 when the peer may see these; else the 403 is given. */
static int allowed(struct sl_daemon *d, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_engine *e = sl_daemon_engine(d);
	const struct sl_peer *p = sl_http_peer(rq);
	int ok = sl_cidr_match(p->addr, sl_config_list(sl_engine_config(e), "http.metrics_allow"));
	sl_engine_unref(e);
	if (!ok)
		sl_http_reply_error(rs, 403, "%s is not in http.metrics_allow", p->addr);
	return ok;
}

static struct sl_providers *providers_of(struct sl_engine *e)
{
	struct sl_reputation *r = sl_engine_stage(e, "reputation");
	return r != NULL ? sl_reputation_providers(r) : NULL;
}

/* ---- /healthz ---- */

static int health_write(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct sl_store *st = ctx;
	struct sl_sqlval p[2] = {sl_sql_text(sl_store_node(st)), sl_sql_int((int64_t)time(NULL))};
	return sl_store_exec(tx,
			     "INSERT INTO health_checks (node, checked_at) VALUES ($1, $2) "
			     "ON CONFLICT (node) DO UPDATE SET checked_at = excluded.checked_at",
			     p, 2, NULL, NULL, NULL, why);
}

static const char *provider_state(const struct sl_prov_stats *s)
{
	if (s->down)
		return "down";
	if (s->last_ok == 0 && s->last_failure == 0)
		return "idle";
	return s->last_failure > s->last_ok ? "failing" : "up";
}

static void on_healthz(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct sl_engine *e;
	struct sl_store *st = sl_daemon_store(d);
	struct sl_providers *pv;
	json_t *j, *store, *provs = json_array();
	char *why = NULL;
	int writable = 0, healthy;

	if (!allowed(d, rq, rs)) {
		json_decref(provs);
		return;
	}
	e = sl_daemon_engine(d);
	j = json_object();
	json_object_set_new(j, "engine",
			    json_pack("{s:b, s:b}", "loaded", e != NULL, "safelinks",
				      e != NULL && sl_engine_linkpages(e) != NULL));
	store = json_object();
	json_object_set_new(store, "backend", json_string(st != NULL ? sl_store_describe(st) : ""));
	if (st != NULL)
		writable = sl_store_tx(st, health_write, st, &why) == SL_OK;
	json_object_set_new(store, "writable", json_boolean(writable));
	if (!writable) {
		gchar *v = g_utf8_make_valid(why != NULL ? why : "no store", -1);
		json_object_set_new(store, "error", json_string(v));
		g_free(v);
	}
	json_object_set_new(j, "store", store);
	pv = e != NULL ? providers_of(e) : NULL;
	for (size_t i = 0; pv != NULL && i < sl_providers_count(pv); i++) {
		struct sl_prov_stats s;
		gchar *err;
		sl_providers_stats(pv, i, &s);
		err = g_utf8_make_valid(s.last_error, -1);
		json_array_append_new(provs,
				      json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", s.name,
						"state", provider_state(&s), "last_ok",
						(json_int_t)s.last_ok, "last_failure",
						(json_int_t)s.last_failure, "last_error", err));
		g_free(err);
	}
	json_object_set_new(j, "providers", provs);
	if (pv != NULL) {
		struct sl_provcache_stats cs;
		sl_providers_cache_stats(pv, &cs);
		json_object_set_new(j, "reputation_cache",
				    json_pack("{s:I, s:b}", "entries", (json_int_t)cs.entries,
					      "persisted", cs.persisted));
	}
	healthy = e != NULL && writable;
	json_object_set_new(j, "status", json_string(healthy ? "ok" : "failing"));
	sl_http_reply_json(rs, healthy ? 200 : 503, j);
	if (!healthy)
		sl_log(SL_LOG_WARNING, "healthz: failing: %s", why != NULL ? why : "no engine");
	free(why);
	sl_engine_unref(e);
}

/* ---- /metrics ---- */

static void provider_metrics(struct sl_buf *b, struct sl_providers *pv)
{
	static const char *const results[] = {"listed",  "not_listed", "failed",
					      "timeout", "skipped",    "cached"};
	size_t n = pv != NULL ? sl_providers_count(pv) : 0;
	struct sl_prov_stats *s = sl_xcalloc(n + 1, sizeof(*s));

	for (size_t i = 0; i < n; i++)
		sl_providers_stats(pv, i, &s[i]);
	sl_metrics_family(b, "sluice_provider_lookups_total", SL_METRIC_COUNTER,
			  "Look-ups of the live reputation services by result (cached: answered "
			  "from the cache); reset when a reload rebuilds the services");
	for (size_t i = 0; i < n; i++) {
		const uint64_t v[] = {s[i].listed,   s[i].not_listed, s[i].failed,
				      s[i].timeouts, s[i].skipped,    s[i].cache_hits};
		for (size_t k = 0; k < G_N_ELEMENTS(results); k++) {
			char *l = sl_xasprintf("provider=%s,result=%s", s[i].name, results[k]);
			sl_metrics_sample(b, "sluice_provider_lookups_total", l, (double)v[k]);
			free(l);
		}
	}
	sl_metrics_family(b, "sluice_provider_latency_seconds", SL_METRIC_HISTOGRAM,
			  "Time from question to answer of the live reputation services");
	for (size_t i = 0; i < n; i++) {
		char *l = sl_xasprintf("provider=%s", s[i].name);
		sl_metrics_histogram(b, "sluice_provider_latency_seconds", l,
				     sl_prov_latency_bounds, s[i].latency, SL_PROV_LATENCY_BUCKETS,
				     s[i].latency_sum);
		free(l);
	}
	sl_metrics_family(b, "sluice_provider_up", SL_METRIC_GAUGE,
			  "1 unless the service is left alone after failures (backing off)");
	for (size_t i = 0; i < n; i++) {
		char *l = sl_xasprintf("provider=%s", s[i].name);
		sl_metrics_sample(b, "sluice_provider_up", l, s[i].down ? 0 : 1);
		free(l);
	}
	free(s);
}

static void cache_metrics(struct sl_buf *b, struct sl_providers *pv)
{
	struct sl_provcache_stats c = {0};
	static const struct {
		const char *name, *help;
		enum sl_metric_type type;
	} m[] = {
	    {"sluice_reputation_cache_entries", "Answers of the reputation services in memory",
	     SL_METRIC_GAUGE},
	    {"sluice_reputation_cache_hits_total", "Look-ups answered from the cache",
	     SL_METRIC_COUNTER},
	    {"sluice_reputation_cache_misses_total", "Look-ups the cache could not answer",
	     SL_METRIC_COUNTER},
	    {"sluice_reputation_cache_evictions_total",
	     "Answers dropped for room (reputation.cache_entries)", SL_METRIC_COUNTER},
	    {"sluice_reputation_cache_loaded_total", "Answers read from the store at start",
	     SL_METRIC_COUNTER},
	};

	if (pv == NULL)
		return;
	sl_providers_cache_stats(pv, &c);
	{
		const double v[] = {(double)c.entries, (double)c.hits, (double)c.misses,
				    (double)c.evictions, (double)c.loaded};
		for (size_t i = 0; i < G_N_ELEMENTS(m); i++) {
			sl_metrics_family(b, m[i].name, m[i].type, m[i].help);
			sl_metrics_sample(b, m[i].name, "", v[i]);
		}
	}
	sl_metrics_family(b, "sluice_reputation_cache_store_writes_total", SL_METRIC_COUNTER,
			  "Answers written to the store, or not (the store failed, the queue "
			  "was full)");
	sl_metrics_sample(b, "sluice_reputation_cache_store_writes_total", "result=written",
			  (double)c.written);
	sl_metrics_sample(b, "sluice_reputation_cache_store_writes_total", "result=unwritten",
			  (double)c.unwritten);
}

struct qrow {
	double items[4];
	double held_bytes;
};

static int quarantine_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct qrow *q = ctx;
	char *status = n >= 3 ? sl_sql_strdup(&c[0]) : NULL;
	enum sl_item_status s;
	if (status != NULL && sl_item_status_parse(status, &s) == SL_OK) {
		q->items[s] = c[1].type == SL_SQL_INT ? (double)c[1].i : 0;
		if (s == SL_ITEM_HELD && c[2].type == SL_SQL_INT)
			q->held_bytes = (double)c[2].i;
	}
	free(status);
	return 0;
}

static int count_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	*(double *)ctx = n > 0 && c[0].type == SL_SQL_INT ? (double)c[0].i : 0;
	return 0;
}

/* ctx: double[2], pending and dead */
static int outbox_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	double *v = ctx;
	char *state = n >= 2 ? sl_sql_strdup(&c[0]) : NULL;
	if (state != NULL && c[1].type == SL_SQL_INT)
		v[strcmp(state, "dead") == 0] = (double)c[1].i;
	free(state);
	return 0;
}

static void store_metrics(struct sl_buf *b, struct sl_store *st)
{
	struct qrow q = {{0}, 0};
	double outbox[2] = { 0, 0 }, inbox = 0;
	char *why = NULL;
	int up = st != NULL &&
		 sl_store_query(st,
				"SELECT status, count(*), CAST(COALESCE(sum(original_size), 0) AS "
				"BIGINT) FROM items GROUP BY status",
				NULL, 0, quarantine_row, &q, &why) == SL_OK;

	free(why);
	why = NULL;
	sl_metrics_family(b, "sluice_store_up", SL_METRIC_GAUGE,
			  "1 when the store answered this scrape's queries");
	sl_metrics_sample(b, "sluice_store_up", "", up);
	sl_metrics_family(b, "sluice_quarantine_items", SL_METRIC_GAUGE,
			  "Items in the quarantine store by status (all gateways sharing it)");
	for (int s = SL_ITEM_HELD; s <= SL_ITEM_EXPIRED && up; s++) {
		char *l = sl_xasprintf("status=%s", sl_item_status_name((enum sl_item_status)s));
		sl_metrics_sample(b, "sluice_quarantine_items", l, q.items[s]);
		free(l);
	}
	sl_metrics_family(b, "sluice_quarantine_held_bytes", SL_METRIC_GAUGE,
			  "Bytes of the originals held in the quarantine");
	if (up)
		sl_metrics_sample(b, "sluice_quarantine_held_bytes", "", q.held_bytes);
	if (up && (sl_store_query(st, OUTBOX_SQL, NULL, 0, outbox_row, outbox, &why) != SL_OK ||
		   sl_store_query(st, INBOX_SQL, NULL, 0, count_row, &inbox, &why) != SL_OK))
		up = 0;
	free(why);
	sl_metrics_family(b, "sluice_outbox_backlog", SL_METRIC_GAUGE,
			  "WhatsApp items waiting in the outbox for the platform (all gateways sharing the store)");
	sl_metrics_family(b, "sluice_outbox_dead", SL_METRIC_GAUGE,
			  "WhatsApp items the platform never took (dead letters: sluicectl outbox list --state dead)");
	sl_metrics_family(b, "sluice_inbox_backlog", SL_METRIC_GAUGE,
			  "Webhook payloads kept and acknowledged, not yet scanned");
	if (up) {
		sl_metrics_sample(b, "sluice_outbox_backlog", "", outbox[0]);
		sl_metrics_sample(b, "sluice_outbox_dead", "", outbox[1]);
		sl_metrics_sample(b, "sluice_inbox_backlog", "", inbox);
	}
}

static void on_metrics(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct sl_engine *e;
	struct sl_providers *pv;
	struct sl_buf b;

	if (!allowed(d, rq, rs))
		return;
	e = sl_daemon_engine(d);
	pv = providers_of(e);
	sl_buf_init(&b, 0);
	sl_metrics_write(&b);
	provider_metrics(&b, pv);
	cache_metrics(&b, pv);
	store_metrics(&b, sl_daemon_store(d));
	{
		size_t len = b.len;
		sl_http_reply(rs, 200, "text/plain; version=0.0.4; charset=utf-8", sl_buf_take(&b),
			      len);
	}
	sl_engine_unref(e);
}

size_t sl_metrics_routes(struct sl_daemon *d, struct sl_http_route *out, size_t max)
{
	size_t n = 0;
	if (max >= 2) {
		out[n++] = (struct sl_http_route){"GET", "/healthz", on_healthz, d, 0};
		out[n++] = (struct sl_http_route){"GET", "/metrics", on_metrics, d, 0};
	}
	return n;
}
