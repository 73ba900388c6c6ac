/*
 * store_sqlite - the SQLite driver of the store (store_driver.h).
 *
 * One file (data_dir/quarantine.db, mode 0600), WAL journal so that readers
 * never wait for the writer, synchronous = FULL so that a commit is on disk
 * when it returns (an item the milter accepted must survive a power cut),
 * foreign keys on, a busy timeout of store.timeout: writers from several
 * threads and processes queue instead of failing. Write transactions start
 * with BEGIN IMMEDIATE so that two writers never deadlock upgrading a read
 * lock. A crash mid-transaction leaves the database as it was before it
 * (SQLite's journal rolls it back on the next open).
 *
 * Each connection keeps its prepared statements (up to MAX_STMTS, keyed by
 * their text): compiling the SQL cost as much as writing the rows of a
 * quarantined message. A statement is taken out of the cache while it runs
 * (a row callback may run the same SQL again), reset and its bindings
 * cleared before it goes back, finalized before the connection closes.
 *
 * Started as root, a freshly created file is given to the owner of its
 * directory (the daemon's user), so that `sluicectl store init` or `scan`
 * run by root does not lock the daemon out. (SQLite gives its -wal and -shm
 * files the owner of the database file by itself.)
 */
#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_driver.h"
#include "util.h"

#define MAX_STMTS 64

/* A connection: the database and its prepared statements. */
struct sq_conn {
	sqlite3 *db;
	GHashTable *stmts; /* SQL text (owned) -> sqlite3_stmt * */
};

static void stmt_finalize(gpointer p)
{
	sqlite3_finalize(p);
}

static int map_error(sqlite3 *db, int code, const char *what, char **why)
{
	int primary = code & 0xff;
	int oserr = db ? sqlite3_system_errno(db) : 0;
	if (why != NULL && *why == NULL) {
		/* the system's reason says more than "disk I/O error" ("No space left on device") */
		if (oserr != 0 && (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_FULL))
			*why = sl_xasprintf("%s: %s (%s)", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(code),
					    strerror(oserr));
		else
			*why = sl_xasprintf("%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
	}
	switch (primary) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SL_ETEMP;
	case SQLITE_CONSTRAINT:
		return (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE) ? SL_ECONFLICT
												  : SL_EINVAL;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return SL_EIO;
	}
	return SL_EINVAL;
}

/* Creates the file with our mode (SQLite would use 0644) and the right owner. */
static int precreate(const char *path, char **why)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return SL_OK;
		*why = sl_xasprintf("%s: %s", path, strerror(errno));
		return SL_EIO;
	}
	if (geteuid() == 0) {
		gchar *dir = g_path_get_dirname(path);
		struct stat sb;
		if (stat(dir, &sb) == 0 && (sb.st_uid != 0 || sb.st_gid != 0) && fchown(fd, sb.st_uid, sb.st_gid) != 0)
			sl_log(SL_LOG_WARNING, "store: cannot give %s to uid %u: %s", path, (unsigned)sb.st_uid,
			       strerror(errno));
		g_free(dir);
	}
	close(fd);
	return SL_OK;
}

static int sq_connect(const struct sl_store_params *p, void **conn, char **why)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int rc, waited;

	*conn = NULL;
	rc = precreate(p->sqlite_path, why);
	if (rc != SL_OK)
		return rc;
	rc = sqlite3_open_v2(p->sqlite_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = map_error(db, rc, p->sqlite_path, why);
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, p->timeout_ms);
	sqlite3_extended_result_codes(db, 1);
	/* Switching a new file to WAL takes an exclusive lock for which SQLite
	 * does not call the busy handler: two processes opening a fresh store
	 * at once (sluiced and a sluicectl scan, two scans) wait here in turn
	 * for up to the busy timeout instead of failing. */
	for (waited = 0;; waited += 10) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
				  NULL, NULL, &err);
		sqlite3_free(err);
		err = NULL;
		if ((rc & 0xff) != SQLITE_BUSY || waited >= p->timeout_ms)
			break;
		g_usleep(10000);
	}
	if (rc != SQLITE_OK) {
		rc = map_error(db, rc, p->sqlite_path, why);
		sqlite3_close(db);
		return rc;
	}
	{
		struct sq_conn *c = sl_xcalloc(1, sizeof(*c));
		c->db = db;
		c->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, stmt_finalize);
		*conn = c;
	}
	return SL_OK;
}

static void sq_disconnect(void *conn)
{
	struct sq_conn *c = conn;
	if (c == NULL)
		return;
	g_hash_table_destroy(c->stmts); /* finalizes them: close_v2 would keep a zombie */
	sqlite3_close_v2(c->db);
	free(c);
}

static int sq_script(void *conn, const char *sql, char **why)
{
	struct sq_conn *c = conn;
	char *err = NULL;
	int rc;
	/* a script may change the schema: statements recompile by themselves, but
	 * there is no need to keep what was prepared for the old one */
	g_hash_table_remove_all(c->stmts);
	rc = sqlite3_exec(c->db, sql, NULL, NULL, &err);
	sqlite3_free(err);
	return rc == SQLITE_OK ? SL_OK : map_error(c->db, rc, "sqlite", why);
}

static int bind(sqlite3_stmt *s, const struct sl_sqlval *params, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		char name[24];
		int idx, rc;
		snprintf(name, sizeof(name), "$%zu", i + 1);
		idx = sqlite3_bind_parameter_index(s, name);
		if (idx == 0)
			continue; /* not used by this statement */
		switch (params[i].type) {
		case SL_SQL_NULL:
			rc = sqlite3_bind_null(s, idx);
			break;
		case SL_SQL_INT:
			rc = sqlite3_bind_int64(s, idx, params[i].i);
			break;
		case SL_SQL_TEXT:
			rc = sqlite3_bind_text64(s, idx, params[i].p, params[i].n, SQLITE_STATIC, SQLITE_UTF8);
			break;
		default:
			rc = sqlite3_bind_blob64(s, idx, params[i].p ? params[i].p : "", params[i].n, SQLITE_STATIC);
			break;
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

#define MAXCOLS 64

static int sq_exec(void *conn, const char *sql, const struct sl_sqlval *params, size_t nparams, sl_sql_row_fn row,
		   void *ctx, int64_t *changes, char **why)
{
	struct sq_conn *c = conn;
	sqlite3 *db = c->db;
	sqlite3_stmt *s = g_hash_table_lookup(c->stmts, sql);
	int rc = SQLITE_OK;
	int out = SL_OK;

	if (changes != NULL)
		*changes = 0;
	if (s != NULL) {
		gpointer key = NULL;
		g_hash_table_steal_extended(c->stmts, sql, &key, NULL); /* ours while it runs */
		g_free(key);
	} else
		rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK)
		return map_error(db, rc, "sqlite", why);
	rc = bind(s, params, nparams);
	if (rc != SQLITE_OK) {
		out = map_error(db, rc, "sqlite", why);
		goto done;
	}
	for (;;) {
		struct sl_sqlval cols[MAXCOLS];
		int n, i;
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			out = map_error(db, rc, "sqlite", why);
			goto done;
		}
		if (row == NULL)
			continue;
		n = sqlite3_column_count(s);
		if (n > MAXCOLS)
			n = MAXCOLS;
		for (i = 0; i < n; i++) {
			memset(&cols[i], 0, sizeof(cols[i]));
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER:
				cols[i].type = SL_SQL_INT;
				cols[i].i = sqlite3_column_int64(s, i);
				break;
			case SQLITE_TEXT:
				cols[i].type = SL_SQL_TEXT;
				cols[i].p = sqlite3_column_text(s, i);
				cols[i].n = (size_t)sqlite3_column_bytes(s, i);
				break;
			case SQLITE_BLOB:
				cols[i].type = SL_SQL_BLOB;
				cols[i].p = sqlite3_column_blob(s, i);
				cols[i].n = (size_t)sqlite3_column_bytes(s, i);
				break;
			case SQLITE_FLOAT:
				cols[i].type = SL_SQL_INT;
				cols[i].i = (int64_t)sqlite3_column_double(s, i);
				break;
			default:
				cols[i].type = SL_SQL_NULL;
				break;
			}
		}
		out = row(ctx, cols, (size_t)n);
		if (out != 0)
			goto done;
	}
	if (changes != NULL)
		*changes = sqlite3_changes64(db);
done:
	/* back to the cache, reset (no lock held) and with no pointer into the
	 * caller's memory; the cache is bounded, and a statement the same SQL
	 * put there meanwhile (a row callback) is kept instead */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (g_hash_table_size(c->stmts) < MAX_STMTS && !g_hash_table_contains(c->stmts, sql))
		g_hash_table_insert(c->stmts, g_strdup(sql), s);
	else
		sqlite3_finalize(s);
	return out;
}

static int sq_usable(void *conn)
{
	return conn != NULL;
}

const struct sl_store_driver sl_store_sqlite = {
	.name = "sqlite",
	.check = NULL,
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.script = sq_script,
	.exec = sq_exec,
	.usable = sq_usable,
	.begin_write = "BEGIN IMMEDIATE",
	.one_writer = 1,
	.schema_lock = NULL,
	.migrations = sl_migrations_sqlite,
};
