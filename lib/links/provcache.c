/* provcache - see provcache.h. */
#include <glib.h>
#include <glib/gstdio.h>

#include "provcache.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define FILE_MAGIC "sluice-reputation-cache"
#define FILE_VERSION 1
#define LINE_MAX_BYTES 16384 /* longer lines are not ours: skipped */

struct entry {
	char *k;     /* provider '\x1f' scope '\x1f' key: the hash key */
	size_t plen; /* bytes of provider in k */
	int listed;
	enum sl_url_rep verdict;
	char *detail;
	char *category;
	int64_t expires;
	GList link; /* position in the LRU queue (head: most recent) */
};

struct sl_provcache {
	GMutex lock;
	GHashTable *map; /* k -> struct entry (owned) */
	GQueue lru;
	size_t capacity;
	struct sl_provcache_store *store;
	uint64_t hits, misses, evictions;
	/* shared caches (sl_provcache_open) */
	char *path;
	int refs;
};

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

static void put_locked(struct sl_provcache *c, const struct sl_provcache_entry *in, int64_t now)
{
	struct entry *e;

	if (c->capacity == 0 || in->expires <= now)
		return;
	e = sl_xcalloc(1, sizeof(*e));
	e->k = make_key(in->provider, in->scope, in->key);
	e->plen = strlen(in->provider);
	e->listed = in->listed != 0;
	e->verdict = in->listed ? in->verdict : SL_REP_UNKNOWN;
	e->detail = sl_xstrdup(in->listed && in->detail != NULL ? in->detail : "");
	e->category = sl_xstrdup(in->listed && in->category != NULL ? in->category : "");
	e->expires = in->expires;
	e->link.data = e;
	{
		struct entry *old = g_hash_table_lookup(c->map, e->k);
		if (old != NULL)
			remove_entry(c, old);
	}
	g_hash_table_insert(c->map, e->k, e);
	g_queue_push_head_link(&c->lru, &e->link);
	while (c->lru.length > c->capacity) {
		struct entry *last = c->lru.tail->data;
		remove_entry(c, last);
		c->evictions++;
	}
}

static void load_add(void *arg, const struct sl_provcache_entry *e)
{
	struct sl_provcache *c = arg;
	put_locked(c, e, (int64_t)time(NULL));
}

struct sl_provcache *sl_provcache_new(size_t capacity, struct sl_provcache_store *store)
{
	struct sl_provcache *c = sl_xcalloc(1, sizeof(*c));
	char *why = NULL;

	g_mutex_init(&c->lock);
	c->map = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	g_queue_init(&c->lru);
	c->capacity = capacity;
	c->store = store;
	if (store != NULL && capacity > 0) {
		g_mutex_lock(&c->lock);
		if (store->load(store->ctx, load_add, c, &why) != SL_OK) {
			sl_log(SL_LOG_WARNING, "reputation cache: %s (starting empty)",
			       why ? why : "load failed");
			free(why);
		}
		g_mutex_unlock(&c->lock);
	}
	return c;
}

struct sl_provcache *sl_provcache_free(struct sl_provcache *c)
{
	if (c == NULL)
		return NULL;
	sl_provcache_save(c);
	if (c->store != NULL && c->store->free != NULL)
		c->store->free(c->store->ctx);
	free(c->store);
	g_hash_table_destroy(c->map);
	g_mutex_clear(&c->lock);
	free(c->path);
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
	put_locked(c, e, now);
	g_mutex_unlock(&c->lock);
}

int sl_provcache_save(struct sl_provcache *c)
{
	const struct sl_provcache_entry **v = NULL;
	struct sl_provcache_entry *ev = NULL;
	char **provs = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	char *why = NULL;
	int rc = SL_OK;

	if (c->store == NULL || c->capacity == 0)
		return SL_OK;
	g_mutex_lock(&c->lock);
	ev = sl_xcalloc(c->lru.length + 1, sizeof(*ev));
	v = sl_xcalloc(c->lru.length + 1, sizeof(*v));
	provs = sl_xcalloc(c->lru.length + 1, sizeof(*provs));
	/* oldest first, so that a load in file order keeps the recency order */
	for (GList *l = c->lru.tail; l != NULL; l = l->prev) {
		struct entry *e = l->data;
		if (e->expires <= now)
			continue;
		provs[n] = sl_xstrndup(e->k, e->plen);
		ev[n].provider = provs[n];
		ev[n].scope = e->k[e->plen + 1];
		ev[n].key = e->k + e->plen + 3;
		ev[n].listed = e->listed;
		ev[n].verdict = e->verdict;
		ev[n].detail = e->detail;
		ev[n].category = e->category;
		ev[n].expires = e->expires;
		v[n] = &ev[n];
		n++;
	}
	rc = c->store->save(c->store->ctx, v, n, &why);
	g_mutex_unlock(&c->lock);
	if (rc != SL_OK) {
		sl_log(SL_LOG_WARNING, "reputation cache: %s", why ? why : "save failed");
		free(why);
	}
	for (size_t i = 0; i < n; i++)
		free(provs[i]);
	free(provs);
	free(v);
	free(ev);
	return rc;
}

void sl_provcache_stats(struct sl_provcache *c, struct sl_provcache_stats *out)
{
	g_mutex_lock(&c->lock);
	out->entries = c->lru.length;
	out->capacity = c->capacity;
	out->hits = c->hits;
	out->misses = c->misses;
	out->evictions = c->evictions;
	g_mutex_unlock(&c->lock);
}

/* ---- shared caches ---- */

static GMutex registry_lock;
static GHashTable *registry; /* path ("" for memory only) -> struct sl_provcache */

struct sl_provcache *sl_provcache_open(const char *path, size_t capacity)
{
	const char *name = path != NULL ? path : "";
	struct sl_provcache *c;

	g_mutex_lock(&registry_lock);
	if (registry == NULL)
		registry = g_hash_table_new(g_str_hash, g_str_equal);
	c = g_hash_table_lookup(registry, name);
	if (c != NULL) {
		c->refs++;
		g_mutex_lock(&c->lock);
		c->capacity = capacity;
		while (c->lru.length > c->capacity)
			remove_entry(c, c->lru.tail->data);
		g_mutex_unlock(&c->lock);
	} else {
		c = sl_provcache_new(capacity, path != NULL ? sl_provcache_file_store(path) : NULL);
		c->path = sl_xstrdup(name);
		c->refs = 1;
		g_hash_table_insert(registry, c->path, c);
	}
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
	if (last)
		g_hash_table_remove(registry, c->path);
	g_mutex_unlock(&registry_lock);
	if (last)
		sl_provcache_free(c);
	return NULL;
}

/* ---- the file store ---- */

struct file_store {
	char *path;
};

static int parse_verdict(const char *s, enum sl_url_rep *out)
{
	if (strcmp(s, "malicious") == 0)
		*out = SL_REP_MALICIOUS;
	else if (strcmp(s, "suspicious") == 0)
		*out = SL_REP_SUSPICIOUS;
	else
		return -1;
	return 0;
}

/* One line: {"p":..,"s":"u"|"h","k":..,"l":0|1,"v":..,"d":..,"c":..,"e":unix}. */
static int parse_line(const char *line, size_t len,
		      void (*add)(void *, const struct sl_provcache_entry *), void *arg)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	const char *p, *s, *k, *v = "", *d = "", *cat = "";
	json_int_t l, e;
	struct sl_provcache_entry en = {0};
	int rc = -1;

	if (o == NULL)
		return -1;
	if (json_unpack(o, "{s:s, s:s, s:s, s:I, s:I, s?:s, s?:s, s?:s}", "p", &p, "s", &s, "k", &k,
			"l", &l, "e", &e, "v", &v, "d", &d, "c", &cat) != 0)
		goto out;
	if ((strcmp(s, "u") != 0 && strcmp(s, "h") != 0) || *p == '\0' || *k == '\0')
		goto out;
	en.provider = p;
	en.scope = s[0];
	en.key = k;
	en.listed = l != 0;
	en.expires = (int64_t)e;
	if (en.listed && parse_verdict(v, &en.verdict) != 0)
		goto out;
	en.detail = d;
	en.category = cat;
	add(arg, &en);
	rc = 0;
out:
	json_decref(o);
	return rc;
}

static int file_load(void *ctx, void (*add)(void *, const struct sl_provcache_entry *), void *arg,
		     char **why)
{
	struct file_store *fs = ctx;
	FILE *f = fopen(fs->path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0, bad = 0;
	int rc = SL_OK;

	if (f == NULL) {
		if (errno == ENOENT)
			return SL_OK; /* nothing saved yet */
		*why = sl_xasprintf("%s: %s", fs->path, strerror(errno));
		return SL_EIO;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > LINE_MAX_BYTES) {
			bad++;
			continue;
		}
		if (lineno == 1) {
			json_t *h = json_loadb(line, (size_t)n, 0, NULL);
			json_int_t ver = 0;
			int ok = h != NULL && json_unpack(h, "{s:I}", FILE_MAGIC, &ver) == 0 &&
				 ver == FILE_VERSION;
			json_decref(h);
			if (!ok) {
				*why =
				    sl_xasprintf("%s: not a sluice reputation cache (version %d)",
						 fs->path, FILE_VERSION);
				rc = SL_EPARSE;
				break;
			}
			continue;
		}
		if (parse_line(line, (size_t)n, add, arg) != 0)
			bad++;
	}
	if (rc == SL_OK && bad > 0)
		sl_log(SL_LOG_WARNING, "reputation cache: %s: %u unreadable lines skipped",
		       fs->path, bad);
	free(line);
	fclose(f);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int file_save(void *ctx, const struct sl_provcache_entry *const *e, size_t n, char **why)
{
	struct file_store *fs = ctx;
	char *dir = g_path_get_dirname(fs->path);
	char *tmp = sl_xasprintf("%s.XXXXXX", fs->path);
	struct sl_buf b;
	int fd = -1, dfd = -1, rc = SL_EIO;

	sl_buf_init(&b, 0);
	if (g_mkdir_with_parents(dir, 0750) != 0) {
		*why = sl_xasprintf("%s: %s", dir, strerror(errno));
		goto out;
	}
	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = sl_xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	sl_buf_printf(&b, "{\"%s\": %d}\n", FILE_MAGIC, FILE_VERSION);
	for (size_t i = 0; i < n; i++) {
		json_t *o =
		    json_pack("{s:s, s:s%, s:s, s:i, s:s, s:s, s:s, s:I}", "p", e[i]->provider, "s",
			      &e[i]->scope, (size_t)1, "k", e[i]->key, "l", e[i]->listed ? 1 : 0,
			      "v", e[i]->listed ? sl_url_rep_name(e[i]->verdict) : "", "d",
			      e[i]->detail ? e[i]->detail : "", "c",
			      e[i]->category ? e[i]->category : "", "e", (json_int_t)e[i]->expires);
		char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s != NULL) {
			sl_buf_addstr(&b, s);
			sl_buf_add(&b, "\n", 1);
		}
		free(s);
		json_decref(o);
	}
	if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		*why = sl_xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		*why = sl_xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, fs->path) != 0) {
		*why = sl_xasprintf("%s: %s", fs->path, strerror(errno));
		goto out;
	}
	/* the rename itself must reach the disk too */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	rc = SL_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (rc != SL_OK)
		(void)g_unlink(tmp);
	sl_buf_free(&b);
	free(tmp);
	g_free(dir);
	return rc;
}

static void file_free(void *ctx)
{
	struct file_store *fs = ctx;
	free(fs->path);
	free(fs);
}

struct sl_provcache_store *sl_provcache_file_store(const char *path)
{
	struct sl_provcache_store *s = sl_xcalloc(1, sizeof(*s));
	struct file_store *fs = sl_xcalloc(1, sizeof(*fs));
	fs->path = sl_xstrdup(path);
	s->ctx = fs;
	s->load = file_load;
	s->save = file_save;
	s->free = file_free;
	return s;
}
