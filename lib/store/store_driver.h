/*
 * store_driver - what a database backend of the store provides (internal to
 * store*.c; front ends use store.h).
 *
 * A driver is a small struct of function pointers over one connection type,
 * in the manner of OpenSMTPD's queue and table backends: connect, run a
 * script, run one statement with parameters and hand each row to a callback.
 * Everything the store does with items and audit rows is SQL written once in
 * store_items.c in the subset both databases speak ("$1" parameters,
 * BIGINT unix times, ON CONFLICT); what differs between them (DDL, types,
 * locks) lives in the driver and in its migrations (lib/store/migrations/NAME/).
 *
 * Values: SL_SQL_TEXT is NUL-terminated valid UTF-8 without NUL bytes (the
 * store front makes it so); SL_SQL_BLOB is any bytes. Values handed to a row
 * callback are borrowed for the call.
 *
 * Errors: SL_ETEMP when trying again later may work (busy, connection lost,
 * serialization failure); SL_ECONFLICT for a unique-key violation; SL_EIO
 * when the disk refuses (full, read-only, I/O error); SL_EINVAL for anything
 * else (a bug: bad SQL). *why says what the database said.
 */
#ifndef SL_STORE_DRIVER_H
#define SL_STORE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

enum sl_sqltype { SL_SQL_NULL, SL_SQL_INT, SL_SQL_TEXT, SL_SQL_BLOB };

struct sl_sqlval {
	enum sl_sqltype type;
	int64_t i;      /* SL_SQL_INT */
	const void *p;  /* SL_SQL_TEXT (NUL-terminated), SL_SQL_BLOB */
	size_t n;       /* bytes at p (without the NUL) */
};

/* Returns 0 to go on, anything else stops the statement and is returned. */
typedef int (*sl_sql_row_fn)(void *ctx, const struct sl_sqlval *cols, size_t ncols);

struct sl_migration {
	int version;
	const char *name;
	const char *sql; /* one or more statements */
};

struct sl_store_params {
	const char *sqlite_path;  /* sqlite: the database file */
	const char *dsn;          /* postgresql: libpq connection string */
	const char *password;     /* postgresql: or NULL */
	int timeout_ms;           /* how long to wait for a lock or a connection */
};

struct sl_store_driver {
	const char *name;
	/* Refuses parameters that must not be used (a password in the DSN); may be NULL. */
	int (*check)(const struct sl_store_params *p, char **why);
	int (*connect)(const struct sl_store_params *p, void **conn, char **why);
	void (*disconnect)(void *conn);
	/* Statements without parameters or results (migrations). */
	int (*script)(void *conn, const char *sql, char **why);
	/* One statement; row may be NULL; *changes (may be NULL) gets the rows
	 * an INSERT/UPDATE/DELETE touched. */
	int (*exec)(void *conn, const char *sql, const struct sl_sqlval *params, size_t nparams,
		    sl_sql_row_fn row, void *ctx, int64_t *changes, char **why);
	/* 0 when the connection is gone for good (drop it, open another). */
	int (*usable)(void *conn);
	const char *begin_write;  /* starts a transaction that will write */
	int one_writer;           /* the database takes one writer at a time: the process
				     queues its own on a mutex (woken at once) rather than
				     in the database's busy handler (which sleeps and polls) */
	const char *schema_lock;  /* serialises migrations between processes, or NULL */
	const struct sl_migration *migrations; /* ends with a { 0, NULL, NULL } row */
};

extern const struct sl_store_driver sl_store_sqlite;
extern const struct sl_store_driver sl_store_postgresql;

/* Generated from lib/store/migrations/<driver>/NNNN_name.sql (store_migrations.c). */
extern const struct sl_migration sl_migrations_sqlite[];
extern const struct sl_migration sl_migrations_postgresql[];

#endif
