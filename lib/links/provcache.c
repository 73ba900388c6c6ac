/*
 * provcache - see provcache.h.
 *
 * Memory: a hash of entries with an LRU queue, under the cache's mutex.
 * Persistence: a writer (the hook, a queue of copied entries and the thread
 * that writes them in batches and purges the store); lock order: the cache's
 * mutex, then the writer's. The writer never takes the cache's mutex.
 */
#include <glib.h>

#include "provcache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct entry {
	char *k; /* provider '\x1f' scope '\x1f' key: the hash key */
	int listed;
	enum sl_url_rep verdict;
	char *detail;
	char *category;
	int64_t expires;
	GList link; /* position in the LRU queue (head: most recent) */
};

/* An answer waiting for the store (strings owned). */
struct pending {
	struct sl_provcache_entry e;
};

struct writer {
	struct sl_provcache_store *store; /* owned */
	int64_t purge_interval;
	GMutex lock; /* everything below */
	GCond cond;
	GQueue queue;     /* struct pending * */
	int64_t first_us; /* monotonic time the oldest queued answer came */
	int busy;         /* a batch is being written */
	int stop;
	uint64_t written, unwritten;
	int64_t last_log;
	uint64_t unlogged;
	GThread *thread;
};

struct sl_provcache {
	GMutex lock;
	GHashTable *map; /* k -> struct entry (owned) */
	GQueue lru;
	size_t capacity;
	int persist;      /* shared cache: written to the process's hook */
	struct writer *w; /* NULL: memory only */
	int own_writer;   /* sl_provcache_new's: freed with the cache */
	uint64_t hits, misses, evictions, loaded;
	int refs; /* the shared cache */
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- the writer ---- */

static struct pending *pending_new(const struct sl_provcache_entry *in)
{
	struct pending *p = sl_xcalloc(1, sizeof(*p));
	p->e = *in;
	p->e.provider = sl_xstrdup(in->provider);
	p->e.key = sl_xstrdup(in->key);
	p->e.detail = sl_xstrdup(in->detail != NULL ? in->detail : "");
	p->e.category = sl_xstrdup(in->category != NULL ? in->category : "");
	return p;
}

static void pending_free(struct pending *p)
{
	free((char *)p->e.provider);
	free((char *)p->e.key);
	free((char *)p->e.detail);
	free((char *)p->e.category);
	free(p);
}

/* Logs a failure of the store at most once per SL_PROVCACHE_LOG_INTERVAL;
 * the writer's lock is held. */
static void report_locked(struct writer *w, const char *what, const char *why, uint64_t lost)
{
	int64_t now = now_s();
	w->unlogged += lost;
	if (now - w->last_log < SL_PROVCACHE_LOG_INTERVAL && w->last_log != 0)
		return;
	sl_log(SL_LOG_WARNING,
	       "reputation cache: %s: %s (%llu answer(s) not kept in the store since the last "
	       "report; the cache goes on in memory)",
	       what, why != NULL ? why : "failed", (unsigned long long)w->unlogged);
	w->last_log = now;
	w->unlogged = 0;
}

static gpointer writer_main(gpointer arg)
{
	struct writer *w = arg;
	/* the first purge follows the first batch written: a process whose cache
	 * never answers anything (no service configured) never writes */
	int64_t next_purge = -1;

	g_mutex_lock(&w->lock);
	for (;;) {
		int64_t now = now_s();
		if (w->purge_interval > 0 && next_purge >= 0 && now >= next_purge &&
		    w->store->purge != NULL) {
			size_t removed = 0;
			char *why = NULL;
			int rc;
			next_purge = now + w->purge_interval;
			g_mutex_unlock(&w->lock);
			rc = w->store->purge(w->store->ctx, now, &removed, &why);
			g_mutex_lock(&w->lock);
			if (rc != SL_OK)
				report_locked(w, "removing expired answers", why, 0);
			else if (removed > 0)
				sl_log(SL_LOG_INFO,
				       "reputation cache: %zu expired answer(s) removed from the "
				       "store",
				       removed);
			free(why);
			continue;
		}
		if (w->queue.length > 0 && w->queue.length < SL_PROVCACHE_BATCH && !w->stop &&
		    g_get_monotonic_time() < w->first_us + SL_PROVCACHE_LINGER_MS * 1000) {
			/* a message's answers come together: one commit for them */
			g_cond_wait_until(&w->cond, &w->lock,
					  w->first_us + SL_PROVCACHE_LINGER_MS * 1000);
			continue;
		}
		if (w->queue.length == 0) {
			if (w->stop)
				break;
			if (w->purge_interval > 0 && next_purge >= 0)
				g_cond_wait_until(&w->cond, &w->lock,
						  g_get_monotonic_time() +
						      (next_purge - now) * G_USEC_PER_SEC);
			else
				g_cond_wait(&w->cond, &w->lock);
			continue;
		}
		{
			size_t n = MIN(w->queue.length, (size_t)SL_PROVCACHE_BATCH);
			struct pending **batch = sl_xcalloc(n, sizeof(*batch));
			const struct sl_provcache_entry **ev = sl_xcalloc(n, sizeof(*ev));
			char *why = NULL;
			int rc;
			for (size_t i = 0; i < n; i++) {
				batch[i] = g_queue_pop_head(&w->queue);
				ev[i] = &batch[i]->e;
			}
			w->busy = 1;
			g_mutex_unlock(&w->lock);
			rc = w->store->put(w->store->ctx, ev, n, &why);
			g_mutex_lock(&w->lock);
			w->busy = 0;
			if (next_purge < 0)
				next_purge = 0;
			if (rc == SL_OK) {
				w->written += n;
			} else {
				w->unwritten += n;
				report_locked(w, "writing to the store", why, n);
			}
			free(why);
			for (size_t i = 0; i < n; i++)
				pending_free(batch[i]);
			free(batch);
			free(ev);
			if (w->queue.length > 0)
				w->first_us = g_get_monotonic_time();
			g_cond_broadcast(&w->cond); /* flush() waits for this */
		}
	}
	g_mutex_unlock(&w->lock);
	return NULL;
}

static struct writer *writer_new(struct sl_provcache_store *store, int64_t purge_interval)
{
	struct writer *w = sl_xcalloc(1, sizeof(*w));
	w->store = store;
	w->purge_interval = purge_interval;
	g_mutex_init(&w->lock);
	g_cond_init(&w->cond);
	g_queue_init(&w->queue);
	return w;
}

static void writer_start(struct writer *w)
{
	w->thread = g_thread_new("provcache", writer_main, w);
}

static void writer_enqueue(struct writer *w, const struct sl_provcache_entry *e)
{
	g_mutex_lock(&w->lock);
	if (w->queue.length >= SL_PROVCACHE_QUEUE_MAX) {
		w->unwritten++;
		report_locked(w, "too many answers waiting for the store",
			      "the store is slow or down", 1);
	} else {
		if (w->queue.length == 0)
			w->first_us = g_get_monotonic_time();
		g_queue_push_tail(&w->queue, pending_new(e));
		if (w->queue.length == 1 || w->queue.length >= SL_PROVCACHE_BATCH)
			g_cond_broadcast(&w->cond);
	}
	g_mutex_unlock(&w->lock);
}

static void writer_flush(struct writer *w)
{
	g_mutex_lock(&w->lock);
	while (w->thread != NULL && (w->queue.length > 0 || w->busy))
		g_cond_wait(&w->cond, &w->lock);
	g_mutex_unlock(&w->lock);
}

/* Writes what is queued, stops the thread, frees the hook. */
static void writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	if (w->thread != NULL) {
		g_mutex_lock(&w->lock);
		w->stop = 1;
		g_cond_broadcast(&w->cond);
		g_mutex_unlock(&w->lock);
		g_thread_join(w->thread);
	}
	while (w->queue.length > 0)
		pending_free(g_queue_pop_head(&w->queue));
	if (w->store->free != NULL)
		w->store->free(w->store->ctx);
	free(w->store);
	g_mutex_clear(&w->lock);
	g_cond_clear(&w->cond);
	free(w);
}

/* ---- memory ---- */

static void entry_free(gpointer p)
{
	struct entry *e = p;
	free(e->k);
	free(e->detail);
	free(e->category);
	free(e);
}

static char *make_key(const char *provider, char scope, const char *key)
{
	return sl_xasprintf("%s\x1f%c\x1f%s", provider, scope, key);
}

/* Drops e from map and queue; the lock is held. */
static void remove_entry(struct sl_provcache *c, struct entry *e)
{
	g_queue_unlink(&c->lru, &e->link);
	g_hash_table_remove(c->map, e->k);
}

static void evict_locked(struct sl_provcache *c)
{
	while (c->lru.length > c->capacity) {
		remove_entry(c, c->lru.tail->data);
		c->evictions++;
	}
}

/* Keeps in; 1 when kept. The lock is held. */
static int put_locked(struct sl_provcache *c, const struct sl_provcache_entry *in, int64_t now)
{
	struct entry *e, *old;

	if (c->capacity == 0 || in->expires <= now)
		return 0;
	e = sl_xcalloc(1, sizeof(*e));
	e->k = make_key(in->provider, in->scope, in->key);
	e->listed = in->listed != 0;
	e->verdict = in->listed ? in->verdict : SL_REP_UNKNOWN;
	e->detail = sl_xstrdup(in->listed && in->detail != NULL ? in->detail : "");
	e->category = sl_xstrdup(in->listed && in->category != NULL ? in->category : "");
	e->expires = in->expires;
	e->link.data = e;
	old = g_hash_table_lookup(c->map, e->k);
	if (old != NULL)
		remove_entry(c, old);
	g_hash_table_insert(c->map, e->k, e);
	g_queue_push_head_link(&c->lru, &e->link);
	evict_locked(c);
	return 1;
}

static void load_add(void *arg, const struct sl_provcache_entry *e)
{
	struct sl_provcache *c = arg;
	g_mutex_lock(&c->lock);
	if (put_locked(c, e, now_s()))
		c->loaded++;
	g_mutex_unlock(&c->lock);
}

/* Reads w's live entries into c. */
static void load_from(struct sl_provcache *c, struct writer *w)
{
	char *why = NULL;
	size_t max;

	g_mutex_lock(&c->lock);
	max = c->capacity;
	g_mutex_unlock(&c->lock);
	if (max == 0)
		return;
	if (w->store->load(w->store->ctx, now_s(), max, load_add, c, &why) != SL_OK)
		sl_log(SL_LOG_WARNING,
		       "reputation cache: loading from the store: %s (starting empty)",
		       why ? why : "failed");
	free(why);
}

static struct sl_provcache *cache_new(size_t capacity)
{
	struct sl_provcache *c = sl_xcalloc(1, sizeof(*c));
	g_mutex_init(&c->lock);
	c->map = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	g_queue_init(&c->lru);
	c->capacity = capacity;
	return c;
}

struct sl_provcache *sl_provcache_new(size_t capacity, struct sl_provcache_store *store,
				      int64_t purge_interval)
{
	struct sl_provcache *c = cache_new(capacity);

	if (store != NULL) {
		c->w = writer_new(store, purge_interval);
		c->own_writer = 1;
		c->persist = 1;
		load_from(c, c->w);
		writer_start(c->w);
	}
	return c;
}

struct sl_provcache *sl_provcache_free(struct sl_provcache *c)
{
	if (c == NULL)
		return NULL;
	if (c->own_writer)
		writer_free(c->w);
	g_hash_table_destroy(c->map);
	g_mutex_clear(&c->lock);
	free(c);
	return NULL;
}

int sl_provcache_get(struct sl_provcache *c, const char *provider, char scope, const char *key,
		     int64_t now, struct sl_provcache_hit *out)
{
	char *k = make_key(provider, scope, key);
	struct entry *e;
	int found = 0;

	g_mutex_lock(&c->lock);
	e = g_hash_table_lookup(c->map, k);
	if (e != NULL && e->expires <= now) {
		remove_entry(c, e);
		e = NULL;
	}
	if (e != NULL) {
		g_queue_unlink(&c->lru, &e->link);
		g_queue_push_head_link(&c->lru, &e->link);
		out->listed = e->listed;
		out->verdict = e->verdict;
		out->detail = sl_xstrdup(e->detail);
		out->category = sl_xstrdup(e->category);
		out->expires = e->expires;
		c->hits++;
		found = 1;
	} else {
		c->misses++;
	}
	g_mutex_unlock(&c->lock);
	free(k);
	return found;
}

void sl_provcache_put(struct sl_provcache *c, const struct sl_provcache_entry *e, int64_t now)
{
	g_mutex_lock(&c->lock);
	if (put_locked(c, e, now) && c->w != NULL)
		writer_enqueue(c->w, e);
	g_mutex_unlock(&c->lock);
}

void sl_provcache_flush(struct sl_provcache *c)
{
	struct writer *w;
	g_mutex_lock(&c->lock);
	w = c->w;
	g_mutex_unlock(&c->lock);
	/* a shared writer outlives this call: sl_provcache_persist() frees it
	 * only after flushing it itself */
	if (w != NULL)
		writer_flush(w);
}

void sl_provcache_stats(struct sl_provcache *c, struct sl_provcache_stats *out)
{
	memset(out, 0, sizeof(*out));
	g_mutex_lock(&c->lock);
	out->entries = c->lru.length;
	out->capacity = c->capacity;
	out->hits = c->hits;
	out->misses = c->misses;
	out->evictions = c->evictions;
	out->loaded = c->loaded;
	if (c->w != NULL) {
		g_mutex_lock(&c->w->lock);
		out->written = c->w->written;
		out->unwritten = c->w->unwritten;
		g_mutex_unlock(&c->w->lock);
		out->persisted = 1;
	}
	g_mutex_unlock(&c->lock);
}

/* ---- the process's shared cache and hook ---- */

static GMutex registry_lock;
static struct sl_provcache *shared;
static struct writer *hook;

/* Connects the shared cache to the hook as its persist flag says, loading
 * when it gets connected; the registry lock is held. */
static void connect_shared(void)
{
	struct writer *want;
	int fresh;

	g_mutex_lock(&shared->lock);
	want = shared->persist ? hook : NULL;
	fresh = want != NULL && shared->w != want;
	shared->w = want;
	g_mutex_unlock(&shared->lock);
	if (fresh)
		load_from(shared, want);
}

struct sl_provcache *sl_provcache_open(size_t capacity, int persist)
{
	struct sl_provcache *c;

	g_mutex_lock(&registry_lock);
	if (shared == NULL) {
		shared = cache_new(capacity);
		shared->refs = 0;
	}
	c = shared;
	c->refs++;
	g_mutex_lock(&c->lock);
	c->capacity = capacity;
	evict_locked(c);
	c->persist = persist != 0;
	g_mutex_unlock(&c->lock);
	connect_shared();
	g_mutex_unlock(&registry_lock);
	return c;
}

struct sl_provcache *sl_provcache_close(struct sl_provcache *c)
{
	int last;

	if (c == NULL)
		return NULL;
	g_mutex_lock(&registry_lock);
	last = --c->refs == 0;
	if (last && shared == c)
		shared = NULL;
	g_mutex_unlock(&registry_lock);
	if (last)
		sl_provcache_free(c); /* the hook stays: it is the process's */
	return NULL;
}

void sl_provcache_persist(struct sl_provcache_store *store, int64_t purge_interval)
{
	struct writer *old;

	g_mutex_lock(&registry_lock);
	old = hook;
	hook = store != NULL ? writer_new(store, purge_interval) : NULL;
	if (shared != NULL)
		connect_shared(); /* loads before the writer starts: one at a time at start */
	if (hook != NULL)
		writer_start(hook);
	g_mutex_unlock(&registry_lock);
	writer_free(old); /* nobody queues to it any more: written, then freed */
}
