/*
 * store - see store.h. This file: opening by config, the connection pool,
 * transactions with one retry on a broken connection, schema migrations,
 * the password file, parameter helpers. Items and audit rows: store_items.c.
 */
#include <glib.h>

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct sl_store {
	const struct sl_store_driver *drv;
	struct sl_store_params params;
	char *sqlite_path, *dsn, *password;
	char *describe;
	char *node;
	GMutex lock;
	GCond idle_cond;
	GMutex write_lock;         /* one_writer drivers: this process's writers in turn, */
	GCond write_cond;          /* the urgent ones (sl_store_tx_urgent) first */
	int writing, urgent_waiting;
	void **idle;               /* idle connections */
	size_t nidle, open, max;
};

static size_t nmigrations(const struct sl_store_driver *d)
{
	size_t n = 0;
	while (d->migrations[n].version != 0)
		n++;
	return n;
}

struct sl_store_tx {
	struct sl_store *st;
	void *conn;
};

/* ---- the pool ----------------------------------------------------------- */

static int acquire(struct sl_store *st, void **conn, char **why)
{
	int rc;
	g_mutex_lock(&st->lock);
	for (;;) {
		if (st->nidle > 0) {
			*conn = st->idle[--st->nidle];
			g_mutex_unlock(&st->lock);
			return SL_OK;
		}
		if (st->open < st->max)
			break;
		g_cond_wait(&st->idle_cond, &st->lock);
	}
	st->open++;
	g_mutex_unlock(&st->lock);
	rc = st->drv->connect(&st->params, conn, why);
	if (rc != SL_OK) {
		g_mutex_lock(&st->lock);
		st->open--;
		g_cond_signal(&st->idle_cond);
		g_mutex_unlock(&st->lock);
	}
	return rc;
}

/* Gives a connection back; one that broke is closed instead. */
static void release(struct sl_store *st, void *conn)
{
	int keep = st->drv->usable(conn);
	if (!keep)
		st->drv->disconnect(conn);
	g_mutex_lock(&st->lock);
	if (keep)
		st->idle[st->nidle++] = conn;
	else
		st->open--;
	g_cond_signal(&st->idle_cond);
	g_mutex_unlock(&st->lock);
}

/* ---- transactions ------------------------------------------------------- */

static int run_tx(struct sl_store *st, void *conn, const char *lock_sql,
		  int (*fn)(struct sl_store_tx *, void *, char **), void *ctx, char **why)
{
	struct sl_store_tx tx = { st, conn };
	int rc = st->drv->exec(conn, st->drv->begin_write, NULL, 0, NULL, NULL, NULL, why);
	if (rc != SL_OK)
		return rc;
	if (lock_sql != NULL)
		rc = st->drv->exec(conn, lock_sql, NULL, 0, NULL, NULL, NULL, why);
	if (rc == SL_OK)
		rc = fn(&tx, ctx, why);
	if (rc == SL_OK)
		rc = st->drv->exec(conn, "COMMIT", NULL, 0, NULL, NULL, NULL, why);
	if (rc != SL_OK && st->drv->usable(conn)) {
		char *ignored = NULL;
		st->drv->exec(conn, "ROLLBACK", NULL, 0, NULL, NULL, NULL, &ignored);
		free(ignored);
	}
	return rc;
}

/* Closes every idle connection: when one broke, the others were opened to
 * the same server and are most likely broken too (a restart, a failover). */
static void drop_idle(struct sl_store *st)
{
	void **v;
	size_t n;
	g_mutex_lock(&st->lock);
	n = st->nidle;
	v = sl_xcalloc(n + 1, sizeof(void *));
	memcpy(v, st->idle, n * sizeof(void *));
	st->nidle = 0;
	st->open -= n;
	g_cond_broadcast(&st->idle_cond);
	g_mutex_unlock(&st->lock);
	for (size_t i = 0; i < n; i++)
		st->drv->disconnect(v[i]);
	free(v);
}

/* Runs fn on a pooled connection; once more on a fresh one when the first
 * broke (the server went away): the idle ones go then too, or the retry
 * would take one of them. Busy and disk errors are not retried: they have
 * already waited, or will not go away. */
static int with_conn(struct sl_store *st, int (*fn)(struct sl_store *, void *, void *, char **), void *ctx,
		     char **why)
{
	int attempt, rc = SL_ETEMP;
	for (attempt = 0; attempt < 2; attempt++) {
		void *conn = NULL;
		int broken;
		free(*why);
		*why = NULL;
		rc = acquire(st, &conn, why);
		if (rc != SL_OK)
			return rc;
		rc = fn(st, conn, ctx, why);
		broken = !st->drv->usable(conn);
		release(st, conn);
		if (rc == SL_OK || !broken)
			break;
		drop_idle(st);
	}
	return rc;
}

struct tx_call {
	const char *lock_sql;
	int (*fn)(struct sl_store_tx *, void *, char **);
	void *ctx;
	int urgent;
};

/* SQLite's busy handler sleeps 1, 2, 5 ... 100 ms between tries: threads of
 * one process that queue for the write lock here are woken as soon as it is
 * free, urgent ones first (other processes still meet the busy handler). */
static void writer_enter(struct sl_store *st, int urgent)
{
	g_mutex_lock(&st->write_lock);
	if (urgent) {
		st->urgent_waiting++;
		while (st->writing)
			g_cond_wait(&st->write_cond, &st->write_lock);
		st->urgent_waiting--;
	} else {
		while (st->writing || st->urgent_waiting > 0)
			g_cond_wait(&st->write_cond, &st->write_lock);
	}
	st->writing = 1;
	g_mutex_unlock(&st->write_lock);
}

static void writer_leave(struct sl_store *st)
{
	g_mutex_lock(&st->write_lock);
	st->writing = 0;
	g_cond_broadcast(&st->write_cond);
	g_mutex_unlock(&st->write_lock);
}

static int tx_on(struct sl_store *st, void *conn, void *ctx, char **why)
{
	struct tx_call *t = ctx;
	int rc;
	if (!st->drv->one_writer)
		return run_tx(st, conn, t->lock_sql, t->fn, t->ctx, why);
	writer_enter(st, t->urgent);
	rc = run_tx(st, conn, t->lock_sql, t->fn, t->ctx, why);
	writer_leave(st);
	return rc;
}

static int tx_locked(struct sl_store *st, const char *lock_sql, int (*fn)(struct sl_store_tx *, void *, char **),
		     void *ctx, int urgent, char **why)
{
	struct tx_call t = { lock_sql, fn, ctx, urgent };
	return with_conn(st, tx_on, &t, why);
}

int sl_store_tx(struct sl_store *st, int (*fn)(struct sl_store_tx *, void *, char **), void *ctx, char **why)
{
	return tx_locked(st, NULL, fn, ctx, 0, why);
}

int sl_store_tx_urgent(struct sl_store *st, int (*fn)(struct sl_store_tx *, void *, char **), void *ctx,
		       char **why)
{
	return tx_locked(st, NULL, fn, ctx, 1, why);
}

struct sl_store *sl_store_tx_store(struct sl_store_tx *tx)
{
	return tx->st;
}

int sl_store_exec(struct sl_store_tx *tx, const char *sql, const struct sl_sqlval *params, size_t nparams,
		  sl_sql_row_fn row, void *rowctx, int64_t *changes, char **why)
{
	return tx->st->drv->exec(tx->conn, sql, params, nparams, row, rowctx, changes, why);
}

struct query_call {
	const char *sql;
	const struct sl_sqlval *params;
	size_t nparams;
	sl_sql_row_fn row;
	void *rowctx;
};

static int query_on(struct sl_store *st, void *conn, void *ctx, char **why)
{
	struct query_call *q = ctx;
	return st->drv->exec(conn, q->sql, q->params, q->nparams, q->row, q->rowctx, NULL, why);
}

int sl_store_query(struct sl_store *st, const char *sql, const struct sl_sqlval *params, size_t nparams,
		   sl_sql_row_fn row, void *rowctx, char **why)
{
	struct query_call q = { sql, params, nparams, row, rowctx };
	return with_conn(st, query_on, &q, why);
}

/* ---- parameters --------------------------------------------------------- */

struct sl_sqlval sl_sql_int(int64_t v)
{
	struct sl_sqlval x = { SL_SQL_INT, v, NULL, 0 };
	return x;
}

struct sl_sqlval sl_sql_text(const char *s)
{
	struct sl_sqlval x = { s ? SL_SQL_TEXT : SL_SQL_NULL, 0, s, s ? strlen(s) : 0 };
	return x;
}

struct sl_sqlval sl_sql_blob(const void *p, size_t n)
{
	struct sl_sqlval x = { p ? SL_SQL_BLOB : SL_SQL_NULL, 0, p, n };
	return x;
}

char *sl_sql_strdup(const struct sl_sqlval *v)
{
	if (v->type == SL_SQL_TEXT || v->type == SL_SQL_BLOB)
		return sl_xstrndup(v->p, v->n);
	if (v->type == SL_SQL_INT)
		return sl_xasprintf("%lld", (long long)v->i);
	return NULL;
}

/* ---- migrations --------------------------------------------------------- */

static int int_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	int64_t *v = ctx;
	if (n >= 1 && c[0].type == SL_SQL_INT)
		*v = c[0].i;
	return 0;
}

static int current_version(struct sl_store_tx *tx, int64_t *v, char **why)
{
	*v = 0;
	return sl_store_exec(tx, "SELECT max(version) FROM sluice_schema", NULL, 0, int_row, v, NULL, why);
}

static int migrate_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	const struct sl_store_driver *d = tx->st->drv;
	int64_t have = 0;
	size_t i;
	int rc = d->script(tx->conn,
			   "CREATE TABLE IF NOT EXISTS sluice_schema (version BIGINT PRIMARY KEY, "
			   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
			   why);
	if (rc == SL_OK)
		rc = current_version(tx, &have, why);
	if (rc != SL_OK)
		return rc;
	if (have > (int64_t)nmigrations(d)) {
		*why = sl_xasprintf("the database's schema is version %lld, newer than this sluice knows (%zu): "
				    "upgrade sluice", (long long)have, nmigrations(d));
		return SL_ECONFIG;
	}
	for (i = (size_t)have; d->migrations[i].version != 0; i++) {
		const struct sl_migration *m = &d->migrations[i];
		struct sl_sqlval p[3] = { sl_sql_int(m->version), sl_sql_text(m->name), sl_sql_int(time(NULL)) };
		rc = d->script(tx->conn, m->sql, why);
		if (rc != SL_OK) {
			char *w = sl_xasprintf("migration %d (%s): %s", m->version, m->name, *why ? *why : "failed");
			free(*why);
			*why = w;
			return rc;
		}
		rc = sl_store_exec(tx, "INSERT INTO sluice_schema (version, name, applied_at) VALUES ($1, $2, $3)",
				   p, 3, NULL, NULL, NULL, why);
		if (rc != SL_OK)
			return rc;
		sl_log(SL_LOG_NOTICE, "store: schema migrated to version %d (%s)", m->version, m->name);
	}
	return SL_OK;
}

static int migrate(struct sl_store *st, char **why)
{
	return tx_locked(st, st->drv->schema_lock, migrate_fn, NULL, 0, why);
}

int sl_store_schema(struct sl_store *st, int *have, int *latest, char **why)
{
	int64_t v = 0;
	int rc = sl_store_query(st, "SELECT max(version) FROM sluice_schema", NULL, 0, int_row, &v, why);
	*have = (int)v;
	*latest = (int)nmigrations(st->drv);
	return rc;
}

/* ---- opening ------------------------------------------------------------ */

int sl_store_read_password(const struct sl_config *cfg, char **out, char **why)
{
	const char *path = sl_config_str(cfg, "store.password_file");
	struct stat sb;
	char *data = NULL;
	size_t len = 0;
	int fd, rc = SL_ECONFIG;

	*out = NULL;
	if (*path == '\0')
		return SL_OK;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*why = sl_xasprintf("store.password_file: %s: %s", path, strerror(errno));
		return SL_ECONFIG;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*why = sl_xasprintf("store.password_file: %s: not a regular file", path);
		goto out;
	}
	if (sb.st_mode & 077) {
		*why = sl_xasprintf("store.password_file: %s: mode %03o lets others read it; "
				    "chmod 600 it (owner only)", path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	close(fd);
	fd = -1;
	if (sl_read_file(path, 4096, &data, &len, why) != SL_OK)
		goto out;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (memchr(data, '\n', len) != NULL || strlen(data) != len) {
		*why = sl_xasprintf("store.password_file: %s: expected one line", path);
		goto out;
	}
	if (len > 0) {
		*out = data;
		data = NULL;
	}
	rc = SL_OK;
out:
	if (data != NULL) {
		explicit_bzero(data, len);
		free(data);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int sl_store_open(const struct sl_config *cfg, const char *password, struct sl_store **out, char **why)
{
	struct sl_store *st = sl_xcalloc(1, sizeof(*st));
	const char *backend = sl_config_str(cfg, "store.backend");
	const char *node = sl_config_str(cfg, "general.node_name");
	int rc = SL_ECONFIG;

	*out = NULL;
	g_mutex_init(&st->lock);
	g_mutex_init(&st->write_lock);
	g_cond_init(&st->write_cond);
	g_cond_init(&st->idle_cond);
	st->max = (size_t)sl_config_int(cfg, "store.max_connections");
	st->idle = sl_xcalloc(st->max, sizeof(void *));
	st->params.timeout_ms = (int)sl_config_int(cfg, "store.timeout") * 1000;
	if (*node == '\0') {
		char host[256] = "";
		if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
			strcpy(host, "localhost");
		st->node = sl_xstrdup(host);
	} else {
		st->node = sl_xstrdup(node);
	}
	if (strcmp(backend, "sqlite") == 0) {
		const char *dd = sl_config_str(cfg, "general.data_dir");
		st->drv = &sl_store_sqlite;
		if (g_mkdir_with_parents(dd, 0711) != 0) {
			*why = sl_xasprintf("general.data_dir: cannot create %s: %s", dd, strerror(errno));
			rc = SL_EIO;
			goto out;
		}
		st->sqlite_path = g_build_filename(dd, "quarantine.db", NULL);
		st->params.sqlite_path = st->sqlite_path;
		st->describe = sl_xasprintf("sqlite %s", st->sqlite_path);
	} else {
		const char *dsn = sl_config_str(cfg, "store.dsn");
		st->drv = &sl_store_postgresql;
		if (*dsn == '\0') {
			*why = sl_xstrdup("store.backend = postgresql needs store.dsn (a libpq connection string)");
			goto out;
		}
		st->dsn = sl_xstrdup(dsn);
		if (password != NULL)
			st->password = sl_xstrdup(password);
		else if (sl_store_read_password(cfg, &st->password, why) != SL_OK)
			goto out;
		st->params.dsn = st->dsn;
		st->params.password = st->password;
		if (st->drv->check != NULL && st->drv->check(&st->params, why) != SL_OK)
			goto out;
		st->describe = sl_xasprintf("postgresql %s", st->dsn);
	}
	rc = migrate(st, why);
	if (rc != SL_OK) {
		char *w = sl_xasprintf("store (%s): %s", st->describe, *why ? *why : sl_strerror(rc));
		free(*why);
		*why = w;
		goto out;
	}
	*out = st;
	st = NULL;
out:
	sl_store_close(st);
	return rc;
}

struct sl_store *sl_store_close(struct sl_store *st)
{
	size_t i;
	if (st == NULL)
		return NULL;
	for (i = 0; i < st->nidle; i++)
		st->drv->disconnect(st->idle[i]);
	free(st->idle);
	g_mutex_clear(&st->lock);
	g_mutex_clear(&st->write_lock);
	g_cond_clear(&st->write_cond);
	g_cond_clear(&st->idle_cond);
	g_free(st->sqlite_path);
	free(st->dsn);
	if (st->password != NULL) {
		explicit_bzero(st->password, strlen(st->password));
		free(st->password);
	}
	free(st->describe);
	free(st->node);
	free(st);
	return NULL;
}

const char *sl_store_describe(const struct sl_store *st)
{
	return st->describe;
}

const char *sl_store_node(const struct sl_store *st)
{
	return st->node;
}
