/*
 * provider - see provider.h for the contract.
 *
 * One lookup: the batch is deduped into unique URLs and unique hosts; each
 * provider gets one query per URL and/or host it answers (a row of queries
 * per provider); the cache answers what it can; every provider's remaining
 * queries start on one loop at once; the loop runs to the deadline; answers
 * go to the cache and the counters; the hits are read back per batch item.
 */
#include <glib.h>

#include "provider.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prov_dnsbl.h"
#include "prov_safebrowsing.h"
#include "prov_urlhaus.h"
#include "prov_webrisk.h"
#include "provcache.h"
#include "secret.h"
#include "urlnorm.h"
#include "util.h"

const double sl_prov_latency_bounds[SL_PROV_LATENCY_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, G_MAXDOUBLE,
};

/* Every provider module, in the order they are built. */
static int (*const creators[])(const struct sl_config *, struct sl_providers *, char **) = {
    sl_webrisk_create,
    sl_safebrowsing_create,
    sl_urlhaus_create,
    sl_dnsbl_create,
};

struct instance {
	char *name;
	const struct sl_provider_ops *ops;
	void *state;
	GMutex lock; /* everything below */
	struct sl_prov_stats st;
	unsigned failed_rounds; /* batches in a row with failures and no answer */
	int64_t down_until;     /* unix seconds; backing off before it */
	int64_t last_report;    /* unix seconds of the last failure logged */
	uint64_t unreported;    /* failures since */
	int64_t last_limit_report;
};

struct sl_providers {
	struct sl_config *cfg;
	GPtrArray *inst; /* struct instance * */
	struct sl_provcache *cache;
	int cache_persist; /* reputation.cache_persist: through the process's hook */
	size_t cache_entries;
	GMutex pool_lock;
	GPtrArray *pool; /* idle struct sl_prov_loop * */
	struct sl_prov_loop_opts loop_opts;
	char *dns_servers;
	int64_t budget_us;
	size_t max_lookups;
	int64_t positive_ttl, negative_ttl, max_ttl;
	unsigned failures_before_backoff;
	int64_t backoff, log_interval;
};

/* ---- answers ---- */

static void answered(struct sl_prov_query *q)
{
	q->answered_us = g_get_monotonic_time();
}

void sl_prov_listed(struct sl_prov_query *q, enum sl_url_rep verdict, const char *detail,
		    const char *category, int64_t ttl)
{
	verdict = verdict >= SL_REP_MALICIOUS ? SL_REP_MALICIOUS : SL_REP_SUSPICIOUS;
	if (q->status != SL_PROV_PENDING && !(q->status == SL_PROV_LISTED && verdict > q->verdict))
		return;
	free(q->detail);
	free(q->category);
	q->status = SL_PROV_LISTED;
	q->verdict = verdict;
	q->detail = sl_xstrdup(detail != NULL ? detail : "");
	q->category = sl_xstrdup(category != NULL ? category : q->detail);
	q->ttl = ttl;
	answered(q);
}

void sl_prov_not_listed(struct sl_prov_query *q, int64_t ttl)
{
	if (q->status != SL_PROV_PENDING)
		return;
	q->status = SL_PROV_NOT_LISTED;
	q->ttl = ttl;
	answered(q);
}

void sl_prov_failed(struct sl_prov_query *q, const char *fmt, ...)
{
	va_list ap;
	char *e = NULL;

	if (q->status != SL_PROV_PENDING)
		return;
	va_start(ap, fmt);
	if (vasprintf(&e, fmt, ap) < 0)
		e = NULL;
	va_end(ap);
	q->status = SL_PROV_FAILED;
	q->error = e != NULL ? e : sl_xstrdup("?");
	answered(q);
}

void sl_prov_skip(struct sl_prov_query *q)
{
	if (q->status == SL_PROV_PENDING)
		q->status = SL_PROV_SKIPPED;
}

static void query_clear(struct sl_prov_query *q)
{
	free(q->detail);
	free(q->category);
	free(q->error);
}

/* ---- the set ---- */

static char *join_servers(char *const *list, char **why)
{
	GString *s = g_string_new(NULL);
	char *r;

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		const char *e = list[i];
		char host[64];
		unsigned char buf[16];
		const char *colon;
		size_t hl;
		int ok;

		if (e[0] == '[') {
			const char *close = strchr(e, ']');
			hl = close != NULL ? (size_t)(close - e - 1) : 0;
			ok = close != NULL && hl < sizeof(host) &&
			     (close[1] == '\0' || close[1] == ':');
			if (ok) {
				memcpy(host, e + 1, hl);
				host[hl] = '\0';
				ok = inet_pton(AF_INET6, host, buf) == 1;
			}
		} else {
			colon = strchr(e, ':');
			hl = colon != NULL ? (size_t)(colon - e) : strlen(e);
			ok = hl < sizeof(host);
			if (ok) {
				memcpy(host, e, hl);
				host[hl] = '\0';
				ok = inet_pton(AF_INET, host, buf) == 1;
			}
		}
		if (!ok) {
			*why =
			    sl_xasprintf("reputation.dns_servers: '%s' is not an address (1.2.3.4, "
					 "1.2.3.4:5353 or [::1]:53)",
					 e);
			g_string_free(s, TRUE);
			return NULL;
		}
		if (s->len > 0)
			g_string_append_c(s, ',');
		g_string_append(s, e);
	}
	r = sl_xstrdup(s->str);
	g_string_free(s, TRUE);
	return r;
}

int sl_providers_empty(const struct sl_config *cfg, struct sl_providers **out, char **why)
{
	struct sl_providers *p = sl_xcalloc(1, sizeof(*p));
	int64_t budget_ms = sl_config_int(cfg, "reputation.time_budget_ms");

	*out = NULL;
	p->cfg = sl_config_ref((struct sl_config *)cfg);
	p->inst = g_ptr_array_new();
	p->pool = g_ptr_array_new();
	g_mutex_init(&p->pool_lock);
	p->dns_servers = join_servers(sl_config_list(cfg, "reputation.dns_servers"), why);
	if (p->dns_servers == NULL) {
		sl_providers_free(p);
		return SL_ECONFIG;
	}
	p->budget_us = budget_ms * 1000;
	p->loop_opts.max_connections = (long)sl_config_int(cfg, "reputation.max_connections");
	p->loop_opts.max_response = (size_t)sl_config_int(cfg, "reputation.max_response_size");
	p->loop_opts.dns_servers = p->dns_servers;
	p->loop_opts.dns_timeout_ms = (int)MAX(50, budget_ms / 4);
	p->max_lookups = (size_t)sl_config_int(cfg, "reputation.max_lookups");
	p->positive_ttl = sl_config_int(cfg, "reputation.cache_positive_ttl");
	p->negative_ttl = sl_config_int(cfg, "reputation.cache_negative_ttl");
	p->max_ttl = sl_config_int(cfg, "reputation.cache_max_ttl");
	p->failures_before_backoff =
	    (unsigned)sl_config_int(cfg, "reputation.failures_before_backoff");
	p->backoff = sl_config_int(cfg, "reputation.backoff");
	p->log_interval = sl_config_int(cfg, "reputation.error_log_interval");
	p->cache_entries = (size_t)sl_config_int(cfg, "reputation.cache_entries");
	p->cache_persist = sl_config_bool(cfg, "reputation.cache_persist");
	*out = p;
	return SL_OK;
}

void sl_providers_add(struct sl_providers *p, const char *name, const struct sl_provider_ops *ops,
		      void *state)
{
	struct instance *in = sl_xcalloc(1, sizeof(*in));
	in->name = sl_xstrdup(name);
	in->ops = ops;
	in->state = state;
	g_mutex_init(&in->lock);
	g_ptr_array_add(p->inst, in);
	/* The cache opens with the first provider: a set that asks no one never
	 * touches the saved answers. */
	if (p->cache == NULL)
		p->cache = sl_provcache_open(p->cache_entries, p->cache_persist);
}

int sl_providers_new(const struct sl_config *cfg, struct sl_providers **out, char **why)
{
	struct sl_providers *p = NULL;
	int rc = sl_providers_empty(cfg, &p, why);

	*out = NULL;
	if (rc != SL_OK)
		return rc;
	for (size_t i = 0; i < G_N_ELEMENTS(creators); i++) {
		rc = creators[i](cfg, p, why);
		if (rc != SL_OK) {
			sl_providers_free(p);
			return rc;
		}
	}
	if (p->inst->len == 0) {
		sl_providers_free(p);
		return SL_OK;
	}
	*out = p;
	return SL_OK;
}

struct sl_providers *sl_providers_free(struct sl_providers *p)
{
	if (p == NULL)
		return NULL;
	for (guint i = 0; i < p->inst->len; i++) {
		struct instance *in = g_ptr_array_index(p->inst, i);
		if (in->ops->free != NULL)
			in->ops->free(in->state);
		g_mutex_clear(&in->lock);
		free(in->name);
		free(in);
	}
	g_ptr_array_free(p->inst, TRUE);
	for (guint i = 0; i < p->pool->len; i++)
		sl_prov_loop_free(g_ptr_array_index(p->pool, i));
	g_ptr_array_free(p->pool, TRUE);
	g_mutex_clear(&p->pool_lock);
	sl_provcache_close(p->cache);
	free(p->dns_servers);
	sl_config_unref(p->cfg);
	free(p);
	return NULL;
}

const struct sl_config *sl_providers_config(const struct sl_providers *p)
{
	return p->cfg;
}

/* ---- batches ---- */

struct item {
	size_t tag;
	char *url;      /* normalised; NULL when only hosts are judged */
	char *host[2];  /* host and extra host, NULL when absent */
	char *domain;   /* registrable domain of host[0], or NULL */
	int is_ip;      /* host[0] is an address */
	size_t uidx;    /* index in the unique URLs, or (size_t)-1 */
	size_t hidx[2]; /* indices in the unique hosts */
	size_t unanswered;
};

struct target {
	char *key;    /* URL or host (borrowed from an item) */
	char *host;   /* the host (borrowed) */
	char *domain; /* owned, or NULL */
	int is_ip;
};

struct sl_prov_batch {
	GArray *items; /* struct item */
	GArray *hits;  /* struct sl_prov_hit (strings owned) */
};

struct sl_prov_batch *sl_prov_batch_new(void)
{
	struct sl_prov_batch *b = sl_xcalloc(1, sizeof(*b));
	b->items = g_array_new(FALSE, TRUE, sizeof(struct item));
	b->hits = g_array_new(FALSE, TRUE, sizeof(struct sl_prov_hit));
	return b;
}

static void hits_clear(struct sl_prov_batch *b)
{
	for (guint i = 0; i < b->hits->len; i++) {
		struct sl_prov_hit *h = &g_array_index(b->hits, struct sl_prov_hit, i);
		free((char *)h->source);
		free((char *)h->reason);
	}
	g_array_set_size(b->hits, 0);
}

struct sl_prov_batch *sl_prov_batch_free(struct sl_prov_batch *b)
{
	if (b == NULL)
		return NULL;
	for (guint i = 0; i < b->items->len; i++) {
		struct item *it = &g_array_index(b->items, struct item, i);
		free(it->url);
		free(it->host[0]);
		free(it->host[1]);
		free(it->domain);
	}
	hits_clear(b);
	g_array_free(b->items, TRUE);
	g_array_free(b->hits, TRUE);
	free(b);
	return NULL;
}

/* A host providers can ask about: not empty, no port, ASCII. */
static int host_usable(const char *h)
{
	return h != NULL && h[0] != '\0' && sl_is_ascii(h, strlen(h));
}

int sl_prov_batch_add(struct sl_prov_batch *b, size_t tag, const char *url, const char *extra_host)
{
	struct sl_url_norm n;
	struct item it = {0};

	if (url == NULL || sl_url_normalize(url, strlen(url), strlen(url) + 1, &n, NULL) != SL_OK)
		return SL_EINVAL;
	it.tag = tag;
	if (strcmp(n.scheme, "http") == 0 || strcmp(n.scheme, "https") == 0)
		it.url = sl_xstrdup(n.url);
	if (host_usable(n.host)) {
		it.host[0] = sl_xstrdup(n.host);
		it.domain = n.registrable != NULL ? sl_xstrdup(n.registrable) : NULL;
		it.is_ip = (n.flags & SL_URL_IP) != 0;
	}
	if (host_usable(extra_host) && (it.host[0] == NULL || strcmp(extra_host, it.host[0]) != 0))
		it.host[it.host[0] != NULL ? 1 : 0] = g_ascii_strdown(extra_host, -1);
	sl_url_norm_clear(&n);
	if (it.url == NULL && it.host[0] == NULL)
		return SL_EINVAL;
	g_array_append_val(b->items, it);
	return SL_OK;
}

size_t sl_prov_batch_nhits(const struct sl_prov_batch *b)
{
	return b->hits->len;
}

const struct sl_prov_hit *sl_prov_batch_hit(const struct sl_prov_batch *b, size_t i)
{
	return &g_array_index(b->hits, struct sl_prov_hit, i);
}

size_t sl_prov_batch_unanswered(const struct sl_prov_batch *b, size_t tag)
{
	size_t n = 0;
	for (guint i = 0; i < b->items->len; i++) {
		const struct item *it = &g_array_index(b->items, struct item, i);
		if (it->tag == tag)
			n += it->unanswered;
	}
	return n;
}

/* ---- one lookup ---- */

/* Fills a target's host facts from a URL or a bare host. */
static void target_facts(struct target *t, const char *host)
{
	struct sl_url_norm n;
	char *u = sl_xasprintf("http://%s/", host);

	t->host = (char *)host;
	if (sl_url_normalize(u, strlen(u), strlen(u) + 1, &n, NULL) == SL_OK) {
		t->is_ip = (n.flags & SL_URL_IP) != 0;
		t->domain = n.registrable != NULL ? sl_xstrdup(n.registrable) : NULL;
		sl_url_norm_clear(&n);
	} else {
		t->is_ip = host[0] == '[';
	}
	free(u);
}

/* The index of key in targets, added when new; it (when not NULL) gives the
 * host's facts, else they are worked out. */
static size_t add_target(GArray *targets, GHashTable *seen, char *key, const char *host,
			 const struct item *it)
{
	gpointer v;
	struct target t = {0};

	if (g_hash_table_lookup_extended(seen, key, NULL, &v))
		return GPOINTER_TO_SIZE(v);
	t.key = key;
	if (it != NULL) {
		t.host = it->host[0] != NULL ? it->host[0] : (char *)"";
		t.domain = it->domain != NULL ? sl_xstrdup(it->domain) : NULL;
		t.is_ip = it->is_ip;
	} else {
		target_facts(&t, host);
	}
	g_array_append_val(targets, t);
	g_hash_table_insert(seen, key, GSIZE_TO_POINTER(targets->len - 1));
	return targets->len - 1;
}

static struct sl_prov_loop *pool_get(struct sl_providers *p, char **why)
{
	struct sl_prov_loop *l = NULL;
	g_mutex_lock(&p->pool_lock);
	if (p->pool->len > 0)
		l = g_ptr_array_steal_index_fast(p->pool, p->pool->len - 1);
	g_mutex_unlock(&p->pool_lock);
	if (l == NULL)
		l = sl_prov_loop_new(&p->loop_opts, why);
	return l;
}

static void pool_put(struct sl_providers *p, struct sl_prov_loop *l)
{
	g_mutex_lock(&p->pool_lock);
	g_ptr_array_add(p->pool, l);
	g_mutex_unlock(&p->pool_lock);
}

static int64_t now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static int64_t resolve_ttl(const struct sl_providers *p, const struct sl_prov_query *q)
{
	int64_t t = q->ttl;
	if (t < 0)
		t = q->status == SL_PROV_LISTED ? p->positive_ttl : p->negative_ttl;
	return MIN(t, p->max_ttl);
}

static void latency_add(struct sl_prov_stats *st, double s)
{
	size_t b = 0;
	while (b + 1 < SL_PROV_LATENCY_BUCKETS && s > sl_prov_latency_bounds[b])
		b++;
	st->latency[b]++;
	st->latency_sum += s;
}

/* Counts, caches and logs what one provider answered in this lookup. */
static void settle(struct sl_providers *p, struct instance *in, struct sl_prov_query *qs, size_t nq,
		   int64_t deadline, const char *id)
{
	int64_t now = now_s();
	size_t asked = 0, ok = 0, failed = 0;
	const char *first_error = NULL;
	char *report = NULL;
	int recovered = 0, went_down = 0;

	for (size_t i = 0; i < nq; i++) {
		struct sl_prov_query *q = &qs[i];
		if (q->asked_us == 0)
			continue;
		asked++;
		if (q->status == SL_PROV_PENDING)
			sl_prov_failed(q, "no answer within the time budget");
		if (q->status == SL_PROV_LISTED || q->status == SL_PROV_NOT_LISTED) {
			struct sl_provcache_entry e = {
			    .provider = in->name,
			    .scope = q->scope == SL_PROV_URL ? 'u' : 'h',
			    .key = q->key,
			    .listed = q->status == SL_PROV_LISTED,
			    .verdict = q->verdict,
			    .detail = q->detail,
			    .category = q->category,
			};
			e.expires = now + resolve_ttl(p, q);
			sl_provcache_put(p->cache, &e, now);
			ok++;
		} else if (q->status == SL_PROV_FAILED) {
			failed++;
			if (first_error == NULL)
				first_error = q->error;
		}
	}
	g_mutex_lock(&in->lock);
	in->st.asked += asked;
	for (size_t i = 0; i < nq; i++) {
		struct sl_prov_query *q = &qs[i];
		if (q->asked_us == 0)
			continue;
		if (q->status == SL_PROV_LISTED)
			in->st.listed++;
		else if (q->status == SL_PROV_NOT_LISTED)
			in->st.not_listed++;
		else if (q->status == SL_PROV_FAILED && q->answered_us >= deadline)
			in->st.timeouts++;
		else if (q->status == SL_PROV_FAILED)
			in->st.failed++;
		else
			in->st.skipped++;
		if (q->answered_us > 0)
			latency_add(&in->st, (double)(q->answered_us - q->asked_us) / 1e6);
	}
	if (ok > 0) {
		in->st.last_ok = now;
		recovered = in->st.down || in->failed_rounds >= p->failures_before_backoff;
		in->st.down = 0;
		in->failed_rounds = 0;
	}
	if (failed > 0) {
		in->st.last_failure = now;
		g_strlcpy(in->st.last_error, first_error, sizeof(in->st.last_error));
		if (ok == 0 && ++in->failed_rounds >= p->failures_before_backoff &&
		    p->backoff > 0) {
			went_down = !in->st.down;
			in->st.down = 1;
			in->down_until = now + p->backoff;
		}
		if (now - in->last_report >= p->log_interval) {
			char *since =
			    in->unreported > 0
				? sl_xasprintf("; %" G_GUINT64_FORMAT " more since the last report",
					       in->unreported)
				: sl_xstrdup("");
			report = sl_xasprintf(
			    "reputation: %s: %s (%zu of %zu look-ups failed, message %s%s)%s",
			    in->name, first_error, failed, asked, id, since,
			    in->st.down ? "; not asked for a while" : "");
			free(since);
			in->last_report = now;
			in->unreported = 0;
		} else {
			in->unreported += failed;
		}
	}
	g_mutex_unlock(&in->lock);
	if (report != NULL)
		sl_log(SL_LOG_WARNING, "%s", report);
	else if (went_down)
		sl_log(SL_LOG_WARNING,
		       "reputation: %s: failing; not asked for %" G_GINT64_FORMAT " s", in->name,
		       p->backoff);
	if (recovered)
		sl_log(SL_LOG_NOTICE, "reputation: %s answers again", in->name);
	free(report);
}

/* Answers q from the cache; 1 when it could. */
static int from_cache(struct sl_providers *p, const struct instance *in, struct sl_prov_query *q,
		      int64_t now)
{
	struct sl_provcache_hit h;

	if (!sl_provcache_get(p->cache, in->name, q->scope == SL_PROV_URL ? 'u' : 'h', q->key, now,
			      &h))
		return 0;
	q->status = h.listed ? SL_PROV_LISTED : SL_PROV_NOT_LISTED;
	q->verdict = h.verdict;
	q->detail = h.detail;
	q->category = h.category;
	return 1;
}

static void add_hit(struct sl_prov_batch *b, const struct instance *in, size_t tag,
		    const struct sl_prov_query *q)
{
	struct sl_prov_hit h = {0};
	h.tag = tag;
	h.verdict = q->verdict;
	h.source = sl_xasprintf("%s:%s", in->ops->kind, q->detail);
	if (q->scope == SL_PROV_URL)
		h.reason = sl_xasprintf("%s lists the link as %s", in->ops->label, q->category);
	else
		h.reason =
		    sl_xasprintf("%s lists the host %s as %s", in->ops->label, q->key, q->category);
	g_array_append_val(b->hits, h);
}

int sl_providers_lookup(struct sl_providers *p, struct sl_prov_batch *b, const char *id)
{
	GArray *urls = g_array_new(FALSE, TRUE, sizeof(struct target));
	GArray *hosts = g_array_new(FALSE, TRUE, sizeof(struct target));
	GHashTable *useen = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTable *hseen = g_hash_table_new(g_str_hash, g_str_equal);
	size_t ninst = p->inst->len;
	struct sl_prov_query **rows = sl_xcalloc(ninst + 1, sizeof(*rows));
	int64_t start = g_get_monotonic_time(), deadline = start + p->budget_us, now = now_s();
	struct sl_prov_loop *loop = NULL;
	char *loop_why = NULL;
	int any_pending = 0;

	id = id != NULL ? id : "-";
	hits_clear(b);
	/* unique URLs and hosts */
	for (guint i = 0; i < b->items->len; i++) {
		struct item *it = &g_array_index(b->items, struct item, i);
		it->uidx = it->hidx[0] = it->hidx[1] = (size_t)-1;
		it->unanswered = 0;
		if (it->url != NULL)
			it->uidx = add_target(urls, useen, it->url, NULL, it);
		if (it->host[0] != NULL)
			it->hidx[0] = add_target(hosts, hseen, it->host[0], NULL, it);
		if (it->host[1] != NULL)
			it->hidx[1] = add_target(hosts, hseen, it->host[1], it->host[1], NULL);
	}
	/* one row of queries per provider: the URLs, then the hosts */
	for (size_t i = 0; i < ninst; i++) {
		struct instance *in = g_ptr_array_index(p->inst, i);
		struct sl_prov_query *row = sl_xcalloc(urls->len + hosts->len + 1, sizeof(*row));
		int down;
		size_t asked = 0, cached = 0, limited = 0, backing = 0;

		rows[i] = row;
		g_mutex_lock(&in->lock);
		down = in->st.down && now < in->down_until;
		g_mutex_unlock(&in->lock);
		for (guint j = 0; j < urls->len + hosts->len; j++) {
			struct sl_prov_query *q = &row[j];
			const struct target *t =
			    j < urls->len ? &g_array_index(urls, struct target, j)
					  : &g_array_index(hosts, struct target, j - urls->len);
			q->scope = j < urls->len ? SL_PROV_URL : SL_PROV_HOST;
			q->key = t->key;
			q->host = t->host;
			q->domain = t->domain;
			q->is_ip = t->is_ip;
			q->ttl = -1;
			if (!(in->ops->scopes & q->scope) ||
			    (q->scope == SL_PROV_URL && !host_usable(q->host))) {
				q->status = SL_PROV_SKIPPED;
				q->key = NULL; /* not this provider's kind of question */
			} else if (from_cache(p, in, q, now)) {
				cached++;
			} else if (down) {
				sl_prov_failed(q, "backing off after failures");
				q->answered_us = 0; /* not asked */
				backing++;
			} else if (asked >= p->max_lookups) {
				q->status = SL_PROV_SKIPPED;
				limited++;
			} else {
				asked++;
			}
		}
		g_mutex_lock(&in->lock);
		in->st.cache_hits += cached;
		in->st.skipped += limited + backing;
		if (limited > 0 && now - in->last_limit_report >= p->log_interval) {
			in->last_limit_report = now;
			g_mutex_unlock(&in->lock);
			sl_log(SL_LOG_NOTICE,
			       "reputation: %s: message %s has more than %zu links to look up "
			       "(reputation.max_lookups): %zu left unknown",
			       in->name, id, p->max_lookups, limited);
		} else {
			g_mutex_unlock(&in->lock);
		}
		if (asked > 0)
			any_pending = 1;
	}
	if (any_pending) {
		loop = pool_get(p, &loop_why);
		if (loop != NULL)
			sl_prov_loop_begin(loop, deadline);
	}
	for (size_t i = 0; i < ninst && any_pending; i++) {
		struct instance *in = g_ptr_array_index(p->inst, i);
		struct sl_prov_query *row = rows[i];
		GPtrArray *pend = g_ptr_array_new();
		int64_t t0 = g_get_monotonic_time();
		for (guint j = 0; j < urls->len + hosts->len; j++)
			if (row[j].status == SL_PROV_PENDING && row[j].key != NULL) {
				row[j].asked_us = t0;
				g_ptr_array_add(pend, &row[j]);
			}
		if (pend->len > 0 && loop == NULL)
			for (guint j = 0; j < pend->len; j++)
				sl_prov_failed(g_ptr_array_index(pend, j), "%s", loop_why);
		else if (pend->len > 0)
			in->ops->start(in->state, loop, (struct sl_prov_query *const *)pend->pdata,
				       pend->len);
		g_ptr_array_free(pend, TRUE);
	}
	if (loop != NULL) {
		sl_prov_loop_run(loop);
		pool_put(p, loop);
	}
	/* settle, then read the hits item by item */
	for (size_t i = 0; i < ninst; i++)
		settle(p, g_ptr_array_index(p->inst, i), rows[i], urls->len + hosts->len, deadline,
		       id);
	for (guint k = 0; k < b->items->len; k++) {
		struct item *it = &g_array_index(b->items, struct item, k);
		for (size_t i = 0; i < ninst; i++) {
			const struct instance *in = g_ptr_array_index(p->inst, i);
			size_t idx[3] = {it->uidx, it->hidx[0], it->hidx[1]};
			for (int m = 0; m < 3; m++) {
				const struct sl_prov_query *q;
				if (idx[m] == (size_t)-1)
					continue;
				q = &rows[i][m == 0 ? idx[m] : urls->len + idx[m]];
				if (q->key == NULL)
					continue;
				if (q->status == SL_PROV_LISTED)
					add_hit(b, in, it->tag, q);
				else if (q->status != SL_PROV_NOT_LISTED)
					it->unanswered++;
			}
		}
	}
	sl_log(SL_LOG_DEBUG, "id=%s reputation live urls=%u hosts=%u hits=%u ms=%.1f", id,
	       urls->len, hosts->len, b->hits->len,
	       (double)(g_get_monotonic_time() - start) / 1000.0);

	for (size_t i = 0; i < ninst; i++) {
		for (guint j = 0; j < urls->len + hosts->len; j++)
			query_clear(&rows[i][j]);
		free(rows[i]);
	}
	free(rows);
	free(loop_why);
	for (guint j = 0; j < urls->len; j++)
		free(g_array_index(urls, struct target, j).domain);
	for (guint j = 0; j < hosts->len; j++)
		free(g_array_index(hosts, struct target, j).domain);
	g_array_free(urls, TRUE);
	g_array_free(hosts, TRUE);
	g_hash_table_destroy(useen);
	g_hash_table_destroy(hseen);
	return SL_OK;
}

/* ---- state ---- */

size_t sl_providers_count(const struct sl_providers *p)
{
	return p->inst->len;
}

void sl_providers_stats(struct sl_providers *p, size_t i, struct sl_prov_stats *out)
{
	struct instance *in = g_ptr_array_index(p->inst, i);
	g_mutex_lock(&in->lock);
	*out = in->st;
	if (out->down && now_s() >= in->down_until)
		out->down = 0; /* it will be asked again */
	g_mutex_unlock(&in->lock);
	out->name = in->name;
	out->kind = in->ops->kind;
}

void sl_providers_cache_stats(struct sl_providers *p, struct sl_provcache_stats *out)
{
	if (p->cache != NULL) {
		sl_provcache_stats(p->cache, out);
	} else {
		memset(out, 0, sizeof(*out));
	}
}

/* ---- helpers for the modules ---- */

int sl_prov_read_key(const struct sl_config *cfg, const char *prefix, char **key, char **why)
{
	char *kname = sl_xasprintf("%s_key", prefix), *fname = sl_xasprintf("%s_key_file", prefix);
	int rc = sl_secret_read(cfg, kname, fname, key, why);
	free(kname);
	free(fname);
	return rc;
}

int sl_prov_base_url(const struct sl_config *cfg, const char *key, char **base, int *allow_http,
		     char **why)
{
	const char *v = sl_config_str(cfg, key);
	GUri *u = g_uri_parse(v, G_URI_FLAGS_NONE, NULL);
	const char *scheme, *host;
	unsigned char a[4];
	int rc = SL_ECONFIG;
	size_t n;

	*base = NULL;
	*allow_http = 0;
	if (u == NULL || g_uri_get_host(u) == NULL || *g_uri_get_host(u) == '\0') {
		*why = sl_xasprintf("%s: '%s' is not an http(s) URL", key, v);
		goto out;
	}
	scheme = g_uri_get_scheme(u);
	host = g_uri_get_host(u);
	if (g_uri_get_userinfo(u) != NULL || g_uri_get_query(u) != NULL ||
	    g_uri_get_fragment(u) != NULL) {
		*why = sl_xasprintf("%s: give the API's base URL only (no user, query or fragment)",
				    key);
		goto out;
	}
	if (g_ascii_strcasecmp(scheme, "http") == 0) {
		if (!sl_config_bool(cfg, "general.allow_insecure_loopback") ||
		    inet_pton(AF_INET, host, a) != 1 || a[0] != 127) {
			*why = sl_xasprintf(
			    "%s: plain http is allowed only to 127.0.0.0/8 with "
			    "general.allow_insecure_loopback = true (tests); use https",
			    key);
			goto out;
		}
		*allow_http = 1;
	} else if (g_ascii_strcasecmp(scheme, "https") != 0) {
		*why = sl_xasprintf("%s: '%s' is not an https URL", key, v);
		goto out;
	}
	*base = sl_xstrdup(v);
	n = strlen(*base);
	while (n > 0 && (*base)[n - 1] == '/')
		(*base)[--n] = '\0';
	rc = SL_OK;
out:
	if (u != NULL)
		g_uri_unref(u);
	return rc;
}

int sl_prov_endpoint(const struct sl_config *cfg, const char *prefix, const char *keyprefix,
		     char **base, int *allow_http, char **key, char **why)
{
	char *urlkey = sl_xasprintf("%s_url", prefix);
	int rc = sl_prov_base_url(cfg, urlkey, base, allow_http, why);

	*key = NULL;
	if (rc == SL_OK)
		rc = sl_prov_read_key(cfg, keyprefix, key, why);
	if (rc == SL_OK && *key == NULL) {
		*why = sl_xasprintf("%s is set but no key: set %s_key_file", urlkey, keyprefix);
		rc = SL_ECONFIG;
	}
	if (rc != SL_OK) {
		free(*base);
		*base = NULL;
	}
	free(urlkey);
	return rc;
}

enum sl_url_rep sl_prov_threat_verdict(const struct sl_config *cfg, const char *type)
{
	char *const *l = sl_config_list(cfg, "reputation.suspicious_threat_types");
	for (size_t i = 0; l != NULL && l[i] != NULL; i++)
		if (strcmp(l[i], type) == 0)
			return SL_REP_SUSPICIOUS;
	return SL_REP_MALICIOUS;
}

int64_t sl_prov_parse_duration(const char *s)
{
	char *end = NULL;
	double d;

	if (s == NULL || !g_ascii_isdigit(s[0]))
		return -1;
	d = g_ascii_strtod(s, &end);
	if (end == NULL || strcmp(end, "s") != 0 || d < 0 || d > 1e12)
		return -1;
	return (int64_t)d;
}

char *sl_prov_http_error(const struct sl_prov_http_reply *r)
{
	json_t *j = json_loadb(r->body != NULL ? r->body : "", r->len, 0, NULL);
	const char *msg = NULL;
	char *clean, *out;

	if (j != NULL) {
		json_t *e = json_object_get(j, "error");
		if (json_is_object(e))
			msg = json_string_value(json_object_get(e, "message"));
		if (msg == NULL)
			msg = json_string_value(json_object_get(j, "query_status"));
	}
	clean = sl_clip(msg != NULL ? msg : "", 100);
	for (char *c = clean; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	out = *clean != '\0' ? sl_xasprintf("HTTP %ld: %s", r->status, clean)
			     : sl_xasprintf("HTTP %ld", r->status);
	free(clean);
	json_decref(j);
	return out;
}
