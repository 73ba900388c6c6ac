/* wa_workers - see webhook.h. This file: the door's state, its secrets, the
 * workers (inbox -> scan -> quarantine + outbox) and the sender (outbox ->
 * platform). */
#include <glib.h>

#include "webhook.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inbox.h"
#include "outbox.h"
#include "secret.h"
#include "util.h"
#include "wa_deliver.h"
#include "wa_media.h"
#include "wa_process.h"

#define WORKER_BATCH 16     /* inbox rows a worker takes at once */
#define RETRY_SCAN_MS 60000 /* a row whose scan could not run waits this long */
#define PURGE_EVERY_MS 3600000
#define BACKGROUND_NICE 5 /* workers and sender, against the webhook's threads */

struct sl_whatsapp {
	struct sl_whatsapp_secrets sec;
	char *path;
	size_t max_body;
	struct sl_daemon *d;
	struct sl_store *st;
	struct sl_inbox *inbox;
	struct sl_wa_graph *graph;
	struct sl_wa_deliver *deliver;
	GThread **workers;
	size_t nworkers;
	GThread *sender;
	int stop;
	GMutex lock;
	GCond kick;
	int kicked;
	char owner[160]; /* node/boot: whose leases these are */
	int64_t lease_ms;
	struct sl_whatsapp_counters c;
};

/* ---- set-up ---------------------------------------------------------------- */

static void secrets_free(struct sl_whatsapp_secrets *s)
{
	s->app_secret = sl_secret_free(s->app_secret);
	s->verify_token = sl_secret_free(s->verify_token);
	s->access_token = sl_secret_free(s->access_token);
	s->downstream_secret = sl_secret_free(s->downstream_secret);
}

static void door_free(struct sl_whatsapp *w)
{
	if (w == NULL)
		return;
	secrets_free(&w->sec);
	sl_wa_graph_free(w->graph);
	sl_wa_deliver_free(w->deliver);
	g_mutex_clear(&w->lock);
	g_cond_clear(&w->kick);
	free(w->workers);
	free(w->path);
	free(w);
}

int sl_whatsapp_prepare(const struct sl_config *cfg, struct sl_whatsapp **out, char **why)
{
	struct sl_whatsapp *w;
	const char *path = sl_config_str(cfg, "whatsapp.path");
	int rc = SL_ECONFIG;

	*out = NULL;
	if (*sl_config_str(cfg, "whatsapp.downstream_url") == '\0')
		return SL_OK; /* the door is off */
	if (*sl_config_str(cfg, "http.listen") == '\0') {
		*why = sl_xstrdup("whatsapp.downstream_url is set but http.listen is not: Meta "
				  "could not reach the "
				  "webhook");
		return SL_ECONFIG;
	}
	if (path[0] != '/' || strpbrk(path, "?# \t") != NULL) {
		*why = sl_xasprintf(
		    "whatsapp.path: expected a path such as /webhook/whatsapp, got '%s'", path);
		return SL_ECONFIG;
	}
	w = sl_xcalloc(1, sizeof(*w));
	g_mutex_init(&w->lock);
	g_cond_init(&w->kick);
	w->path = sl_xstrdup(path);
	w->max_body = (size_t)sl_config_int(cfg, "whatsapp.max_payload_size");
	if (sl_secret_read_pair(cfg, "whatsapp.app_secret", &w->sec.app_secret, why) != SL_OK ||
	    sl_secret_read_pair(cfg, "whatsapp.verify_token", &w->sec.verify_token, why) != SL_OK ||
	    sl_secret_read_pair(cfg, "whatsapp.access_token", &w->sec.access_token, why) != SL_OK ||
	    sl_secret_read_pair(cfg, "whatsapp.downstream_secret", &w->sec.downstream_secret,
				why) != SL_OK)
		goto fail;
	if (w->sec.app_secret == NULL) {
		*why = sl_xstrdup(
		    "whatsapp.app_secret_file: needed to check Meta's X-Hub-Signature-256 (the app "
		    "secret of the Meta app)");
		goto fail;
	}
	if (w->sec.verify_token == NULL)
		sl_log(SL_LOG_WARNING, "whatsapp.verify_token is not set: Meta's verification "
				       "request will be refused");
	if (sl_wa_graph_new(cfg, w->sec.access_token, &w->graph, why) != SL_OK ||
	    sl_wa_deliver_new(cfg, w->sec.downstream_secret, &w->deliver, why) != SL_OK)
		goto fail;
	w->nworkers = (size_t)sl_config_int(cfg, "whatsapp.workers");
	w->lease_ms = sl_config_int(cfg, "whatsapp.worker_lease") * 1000;
	*out = w;
	return SL_OK;
fail:
	door_free(w);
	return rc;
}

size_t sl_whatsapp_max_body(const struct sl_whatsapp *w)
{
	return w->max_body;
}

struct sl_inbox *sl_whatsapp_inbox(struct sl_whatsapp *w)
{
	return w->inbox;
}

const struct sl_whatsapp_secrets *sl_whatsapp_secrets(const struct sl_whatsapp *w)
{
	return &w->sec;
}

const char *sl_whatsapp_path(const struct sl_whatsapp *w)
{
	return w->path;
}

struct sl_whatsapp_counters *sl_whatsapp_count(struct sl_whatsapp *w)
{
	return &w->c;
}

void sl_whatsapp_counters(struct sl_whatsapp *w, struct sl_whatsapp_counters *out)
{
	uint64_t *src = (uint64_t *)&w->c, *dst = (uint64_t *)out;
	size_t i;
	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static int stopping(struct sl_whatsapp *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

static void add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static void kick_sender(struct sl_whatsapp *w)
{
	g_mutex_lock(&w->lock);
	w->kicked = 1;
	g_cond_signal(&w->kick);
	g_mutex_unlock(&w->lock);
}

/* ---- workers ------------------------------------------------------------------ */

/* One item made ready, waiting for the batch's commit. */
struct ready {
	struct sl_wa_done done;
	const struct sl_wa_item *item;
	int inserted; /* set by the commit */
	double ms;
};

struct row_work {
	const struct sl_inbox_row *row;
	struct sl_wa_payload *pl;
	GArray *ready; /* struct ready */
	int ok;        /* every item made ready: commit it */
};

struct commit_ctx {
	struct sl_whatsapp *w;
	const struct sl_config *cfg;
	struct row_work *v;
	size_t n;
};

static int commit_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct commit_ctx *c = ctx;
	size_t i, k;
	int64_t now = sl_now_ms();
	for (i = 0; i < c->n; i++) {
		struct row_work *rw = &c->v[i];
		int rc;
		if (!rw->ok)
			continue;
		for (k = 0; k < rw->ready->len; k++) {
			struct ready *r = &g_array_index(rw->ready, struct ready, k);
			struct sl_wa_done *d = &r->done;
			struct sl_outbox_msg m = {r->item->key,
						  sl_wa_kind_name(r->item->kind),
						  d->wm && d->wm->m->reference ? d->wm->m->reference
									       : NULL,
						  d->delivery_id,
						  d->body,
						  d->body_len};
			r->inserted = 0;
			rc = sl_outbox_put_tx(tx, &m, now, &r->inserted, why);
			if (rc == SL_OK && r->inserted && d->original != NULL) {
				/* kept and queued together, or neither */
				struct sl_wa_envelope env;
				sl_wa_envelope_init(&env, d);
				rc = sl_store_keep_tx(tx, c->cfg, d->wm->m, &env.env,
						      (const unsigned char *)d->body, d->body_len,
						      "sluiced (whatsapp)", why);
				sl_wa_envelope_clear(&env);
			}
			if (rc != SL_OK)
				return rc;
		}
		rc = sl_inbox_done_tx(tx, rw->row->id, why);
		if (rc != SL_OK)
			return rc;
	}
	return SL_OK;
}

static double now_mono_ms(void)
{
	return (double)g_get_monotonic_time() / 1000.0;
}

/* Makes every item of one row ready; 0 when the row must wait (a scan that
 * could not run). */
static int prepare_row(struct sl_whatsapp *w, struct sl_engine *e, struct row_work *rw)
{
	char *why = NULL;
	size_t i;
	if (sl_wa_payload_parse((const char *)rw->row->body, rw->row->len, &rw->pl, &why) !=
	    SL_OK) {
		/* checked by the same parser before the 200: a row from another version */
		sl_log(SL_LOG_ERR, "whatsapp: inbox row %lld is not a notification (%s): removed",
		       (long long)rw->row->id, why);
		free(why);
		return 1;
	}
	for (i = 0; i < rw->pl->nitems; i++) {
		const struct sl_wa_item *it = &rw->pl->items[i];
		struct ready r = {0};
		int has = 0, rc;
		double t0 = now_mono_ms();
		if (it->kind == SL_WA_DROPPED) {
			add(&w->c.dropped, 1);
			sl_log(SL_LOG_WARNING,
			       "whatsapp: a change of field \"%s\" carries messages sluice does "
			       "not scan: not forwarded",
			       json_string_value(json_object_get(it->change, "field")));
			continue;
		}
		if (sl_outbox_has(w->st, it->key, &has, &why) == SL_OK && has) {
			add(&w->c.duplicates, 1);
			sl_log(SL_LOG_INFO, "whatsapp: %s already queued: a duplicate, skipped",
			       it->key);
			continue;
		}
		free(why);
		why = NULL;
		rc = sl_wa_process(e, it, sl_wa_graph_fetch, w->graph, 1, &r.done, &why);
		if (rc != SL_OK) {
			/* the row stays: nothing of it is lost, it is tried again later */
			sl_log(rc == SL_ETEMP ? SL_LOG_WARNING : SL_LOG_ERR,
			       "whatsapp: inbox row %lld, %s: %s; tried again in %d s",
			       (long long)rw->row->id, it->key, why ? why : sl_strerror(rc),
			       RETRY_SCAN_MS / 1000);
			free(why);
			return 0;
		}
		r.item = it;
		r.ms = now_mono_ms() - t0;
		g_array_append_val(rw->ready, r);
	}
	return 1;
}

static void log_ready(struct sl_whatsapp *w, const struct ready *r)
{
	if (!r->inserted) {
		add(&w->c.duplicates, 1);
		return;
	}
	if (r->done.wm != NULL) {
		const struct sl_msg *m = r->done.wm->m;
		char *line = sl_msg_log_line(m, r->ms);
		add(&w->c.messages, 1);
		sl_log(SL_LOG_INFO, "%s%s%s delivery=%s", line, m->reference ? " ref=" : "",
		       m->reference ? m->reference : "", r->done.delivery_id);
		free(line);
	}
}

static void work_batch(struct sl_whatsapp *w, struct sl_engine *e, struct sl_inbox_row *rows,
		       size_t n)
{
	struct row_work *v = sl_xcalloc(n, sizeof(*v));
	struct commit_ctx c = {w, sl_engine_config(e), v, n};
	char *why = NULL;
	size_t i, k;
	int rc;

	for (i = 0; i < n; i++) {
		v[i].row = &rows[i];
		v[i].ready = g_array_new(FALSE, TRUE, sizeof(struct ready));
		v[i].ok = prepare_row(w, e, &v[i]);
		if (!v[i].ok && sl_inbox_postpone(w->st, rows[i].id, sl_now_ms() + RETRY_SCAN_MS,
						  &why) != SL_OK) {
			sl_log(SL_LOG_ERR, "whatsapp: inbox row %lld: %s", (long long)rows[i].id,
			       why);
			free(why);
			why = NULL;
		}
	}
	rc = sl_store_tx(w->st, commit_fn, &c, &why);
	if (rc != SL_OK) {
		/* nothing of the batch was kept or queued: the rows are taken again */
		sl_log(SL_LOG_ERR, "whatsapp: %zu inbox row(s) not done (tried again in %d s): %s",
		       n, RETRY_SCAN_MS / 1000, why);
		for (i = 0; i < n; i++) {
			char *w2 = NULL;
			if (v[i].ok && sl_inbox_postpone(w->st, rows[i].id,
							 sl_now_ms() + RETRY_SCAN_MS, &w2) != SL_OK)
				sl_log(SL_LOG_ERR, "whatsapp: inbox row %lld: %s",
				       (long long)rows[i].id, w2);
			free(w2);
		}
		free(why);
	} else {
		for (i = 0; i < n; i++)
			for (k = 0; v[i].ok && k < v[i].ready->len; k++)
				log_ready(w, &g_array_index(v[i].ready, struct ready, k));
		kick_sender(w);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < v[i].ready->len; k++)
			sl_wa_done_clear(&g_array_index(v[i].ready, struct ready, k).done);
		g_array_free(v[i].ready, TRUE);
		sl_wa_payload_free(v[i].pl);
	}
	free(v);
}

/* The acknowledgement comes first (Meta waits for it, and retries what is
 * slow); scanning and delivering may lag behind a burst: the workers and the
 * sender run a few nice steps below the webhook's threads. */
static void lower_priority(void)
{
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), BACKGROUND_NICE) != 0)
		sl_log(SL_LOG_DEBUG, "whatsapp: cannot lower a thread's priority: %s",
		       strerror(errno));
}

static gpointer worker(gpointer arg)
{
	struct sl_whatsapp *w = arg;
	lower_priority();
	while (!stopping(w)) {
		struct sl_inbox_row *rows = NULL;
		size_t n = sl_inbox_next(w->inbox, WORKER_BATCH, 1000, &rows);
		char *why = NULL;
		struct sl_engine *e;
		if (n == 0 && stopping(w))
			break;
		/* nothing new: rows nobody holds (an earlier run's, past the memory queue) */
		if (n == 0 && sl_inbox_take(w->st, w->owner, sl_now_ms(), w->lease_ms, WORKER_BATCH,
					    &rows, &n, &why) != SL_OK) {
			sl_log(SL_LOG_ERR, "whatsapp: cannot take inbox rows: %s", why);
			free(why);
			g_usleep(G_USEC_PER_SEC);
			continue;
		}
		if (n > 0) {
			e = sl_daemon_engine(w->d);
			work_batch(w, e, rows, n);
			sl_engine_unref(e);
		}
		sl_inbox_rows_free(rows, n);
	}
	return NULL;
}

/* ---- the sender ------------------------------------------------------------------ */

static void policy_of(const struct sl_config *cfg, struct sl_outbox_policy *p)
{
	p->retry_min_ms = sl_config_int(cfg, "whatsapp.retry_min_interval") * 1000;
	p->retry_max_ms = sl_config_int(cfg, "whatsapp.retry_max_interval") * 1000;
	if (p->retry_max_ms < p->retry_min_ms)
		p->retry_max_ms = p->retry_min_ms;
	p->window_ms = sl_config_int(cfg, "whatsapp.retry_days") * 86400 * 1000;
	p->max_attempts = sl_config_int(cfg, "whatsapp.max_attempts");
}

/* Sends one batch of due rows; 0 when there was none. */
static size_t send_batch(struct sl_whatsapp *w, const struct sl_config *cfg)
{
	size_t max = (size_t)sl_config_int(cfg, "whatsapp.downstream_connections") * 4, n = 0, i,
	       dead = 0;
	int64_t lease = (sl_config_int(cfg, "whatsapp.downstream_timeout") * 2 + 30) * 1000;
	struct sl_outbox_row *rows = NULL;
	struct sl_outbox_policy pol;
	char *why = NULL;

	if (sl_outbox_take(w->st, w->owner, sl_now_ms(), lease, max, &rows, &n, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "whatsapp: cannot take outbox rows: %s", why);
		free(why);
		return 0;
	}
	if (n > 0) {
		struct sl_wa_post *posts = sl_xcalloc(n, sizeof(*posts));
		struct sl_outbox_result *res = sl_xcalloc(n, sizeof(*res));
		size_t ok = 0;
		for (i = 0; i < n; i++)
			posts[i] = (struct sl_wa_post){rows[i].delivery_id,
						       rows[i].body,
						       rows[i].len,
						       rows[i].attempts + 1,
						       0,
						       0,
						       ""};
		sl_wa_deliver_posts(w->deliver, posts, n);
		for (i = 0; i < n; i++) {
			res[i] = (struct sl_outbox_result){&rows[i], posts[i].ok, posts[i].error};
			ok += posts[i].ok;
			if (posts[i].ok)
				sl_log(SL_LOG_DEBUG, "whatsapp: delivered %s delivery=%s",
				       rows[i].key, rows[i].delivery_id);
			else
				sl_log(SL_LOG_WARNING, "whatsapp: %s delivery=%s attempt %lld: %s",
				       rows[i].key, rows[i].delivery_id,
				       (long long)rows[i].attempts + 1, posts[i].error);
		}
		policy_of(cfg, &pol);
		if (sl_outbox_settle(w->st, res, n, &pol, sl_now_ms(), &dead, &why) != SL_OK) {
			/* the leases run out and the rows go again, with their delivery ids */
			sl_log(SL_LOG_ERR, "whatsapp: cannot record %zu delivery outcome(s): %s", n,
			       why);
			free(why);
		} else {
			add(&w->c.delivered, ok);
			add(&w->c.dead, dead);
			add(&w->c.retried, n - ok - dead);
		}
		free(posts);
		free(res);
	}
	sl_outbox_rows_free(rows, n);
	return n;
}

static gpointer sender(gpointer arg)
{
	struct sl_whatsapp *w = arg;
	lower_priority();
	int64_t next_purge = sl_now_ms();
	while (!stopping(w)) {
		struct sl_engine *e = sl_daemon_engine(w->d);
		const struct sl_config *cfg = sl_engine_config(e);
		int64_t now = sl_now_ms(), due = -1;
		char *why = NULL;
		size_t sent = send_batch(w, cfg);
		if (now >= next_purge) {
			size_t purged = 0;
			int64_t keep =
			    (sl_config_int(cfg, "whatsapp.retry_days") + 1) * 86400 * 1000;
			if (sl_outbox_purge(w->st, now - keep, &purged, &why) != SL_OK)
				sl_log(SL_LOG_ERR, "whatsapp: outbox purge: %s", why);
			else if (purged > 0)
				sl_log(SL_LOG_INFO,
				       "whatsapp: %zu delivered outbox row(s) past the retry "
				       "window removed",
				       purged);
			free(why);
			why = NULL;
			next_purge = now + PURGE_EVERY_MS;
		}
		sl_engine_unref(e);
		if (sent > 0)
			continue;
		/* nothing due: sleep until the next row is, a worker kicks, or a second passes */
		if (sl_outbox_next_due(w->st, sl_now_ms(), &due, &why) != SL_OK) {
			free(why);
			due = -1;
		}
		g_mutex_lock(&w->lock);
		if (!w->kicked && !stopping(w)) {
			int64_t wait = due < 0 ? 1000 : due - sl_now_ms();
			if (wait > 1000)
				wait = 1000;
			if (wait > 0)
				g_cond_wait_until(&w->kick, &w->lock,
						  g_get_monotonic_time() + wait * 1000);
		}
		w->kicked = 0;
		g_mutex_unlock(&w->lock);
	}
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------- */

int sl_whatsapp_start(struct sl_whatsapp *w, struct sl_daemon *d, char **why)
{
	unsigned char boot[6];
	size_t i;
	w->d = d;
	w->st = sl_daemon_store(d);
	sl_random(boot, sizeof(boot));
	snprintf(w->owner, sizeof(w->owner), "%s/%02x%02x%02x%02x%02x%02x", sl_store_node(w->st),
		 boot[0], boot[1], boot[2], boot[3], boot[4], boot[5]);
	/* what an earlier run of this gateway held goes again at once */
	if (sl_inbox_release_owner(w->st, sl_store_node(w->st), why) != SL_OK ||
	    sl_outbox_release_owner(w->st, sl_store_node(w->st), why) != SL_OK)
		return SL_ETEMP;
	if (sl_inbox_new(w->st, w->owner, w->lease_ms, &w->inbox, why) != SL_OK)
		return SL_EIO;
	w->workers = sl_xcalloc(w->nworkers, sizeof(GThread *));
	for (i = 0; i < w->nworkers; i++)
		w->workers[i] = g_thread_new("sluice-wa-worker", worker, w);
	w->sender = g_thread_new("sluice-wa-sender", sender, w);
	sl_log(SL_LOG_NOTICE, "whatsapp: webhook on %s, %zu worker(s), platform %s", w->path,
	       w->nworkers, "whatsapp.downstream_url");
	return SL_OK;
}

void sl_whatsapp_stop(struct sl_whatsapp *w)
{
	size_t i;
	if (w == NULL)
		return;
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	if (w->inbox != NULL)
		sl_inbox_stop(w->inbox);
	kick_sender(w);
	for (i = 0; w->workers != NULL && i < w->nworkers; i++)
		if (w->workers[i] != NULL)
			g_thread_join(w->workers[i]);
	if (w->sender != NULL)
		g_thread_join(w->sender);
	w->inbox = sl_inbox_free(w->inbox);
	door_free(w);
}
