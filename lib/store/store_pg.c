/*
 * store_pg - the PostgreSQL driver of the store (store_driver.h), over libpq.
 *
 * store.dsn is a libpq connection string or URI; a password in it is refused
 * (it would show in process lists and logs): it comes from
 * store.password_file. Each connection sets lock_timeout to store.timeout and
 * statement_timeout to ten times that, so a stuck database turns into a
 * temporary failure instead of a hung thread. Parameters and results travel
 * in binary (bytea as it is, no hex doubling). Migrations hold an advisory
 * lock so that gateways starting together migrate once.
 *
 * A connection whose server went away (restart, failover) reports SL_ETEMP
 * and is no longer usable: the store opens a fresh one and tries the
 * transaction again once.
 */
#include <libpq-fe.h>

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_driver.h"
#include "util.h"

/* Type OIDs (pg_type.h is a server header). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_NAME 19
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_VARCHAR 1043
#define OID_BPCHAR 1042

static char *clean_message(const char *m)
{
	char *s = sl_xstrdup(m && *m ? m : "no message");
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return s;
}

static int pg_check(const struct sl_store_params *p, char **why)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(p->dsn, &err), *o;
	int rc = SL_OK;
	if (opts == NULL) {
		char *m = clean_message(err);
		*why = sl_xasprintf("store.dsn: %s", m);
		free(m);
		PQfreemem(err);
		return SL_ECONFIG;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && *o->val) {
			*why = sl_xstrdup("store.dsn holds a password: put it in store.password_file "
					  "(owner-only permissions) instead");
			rc = SL_ECONFIG;
		}
	}
	PQconninfoFree(opts);
	return rc;
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs ("relation already exists, skipping") are not errors */
}

static int pg_connect(const struct sl_store_params *p, void **conn, char **why)
{
	char timeout[32], settings[128];
	const char *keys[6], *vals[6];
	int n = 0;
	PGconn *c;

	*conn = NULL;
	snprintf(timeout, sizeof(timeout), "%d", p->timeout_ms / 1000 > 2 ? p->timeout_ms / 1000 : 2);
	snprintf(settings, sizeof(settings), "-c lock_timeout=%d -c statement_timeout=%d", p->timeout_ms,
		 p->timeout_ms * 10);
	keys[n] = "dbname", vals[n++] = p->dsn; /* expanded: the whole connection string */
	keys[n] = "connect_timeout", vals[n++] = timeout;
	keys[n] = "fallback_application_name", vals[n++] = "sluice";
	keys[n] = "options", vals[n++] = settings;
	if (p->password != NULL)
		keys[n] = "password", vals[n++] = p->password;
	keys[n] = NULL, vals[n] = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		char *m = clean_message(c ? PQerrorMessage(c) : "out of memory");
		*why = sl_xasprintf("cannot connect to PostgreSQL: %s", m);
		free(m);
		PQfinish(c);
		return SL_ETEMP;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	*conn = c;
	return SL_OK;
}

static void pg_disconnect(void *conn)
{
	PQfinish(conn);
}

static int pg_usable(void *conn)
{
	return PQstatus(conn) == CONNECTION_OK;
}

/* SL_* for a failed result. */
static int map_error(PGconn *c, PGresult *r, char **why)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
	int rc = SL_EINVAL;
	if (why != NULL && *why == NULL) {
		char *m = clean_message(msg);
		*why = sl_xasprintf("postgresql: %s", m);
		free(m);
	}
	if (PQstatus(c) != CONNECTION_OK || state == NULL)
		return SL_ETEMP;
	if (strcmp(state, "23505") == 0)
		rc = SL_ECONFLICT; /* unique violation */
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 || strcmp(state, "40001") == 0 ||
		 strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		rc = SL_ETEMP; /* connection, shutdown, serialization, deadlock, lock or statement timeout */
	else if (strncmp(state, "53", 2) == 0 || strncmp(state, "58", 2) == 0)
		rc = SL_EIO; /* disk full, out of memory, I/O error */
	return rc;
}

static int pg_script(void *conn, const char *sql, char **why)
{
	PGresult *r = PQexec(conn, sql);
	int rc = SL_OK;
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
		rc = map_error(conn, r, why);
	PQclear(r);
	return rc;
}

static int64_t be_int(const char *p, int len)
{
	uint64_t v = 0;
	int i;
	for (i = 0; i < len; i++)
		v = v << 8 | (unsigned char)p[i];
	if (len < 8 && len > 0 && (v >> (len * 8 - 1)) & 1)
		v |= ~0ULL << (len * 8); /* sign-extend int2/int4 */
	return (int64_t)v;
}

#define MAXCOLS 64
#define MAXPARAMS 32

static int pg_exec(void *conn, const char *sql, const struct sl_sqlval *params, size_t nparams, sl_sql_row_fn row,
		   void *ctx, int64_t *changes, char **why)
{
	Oid types[MAXPARAMS];
	const char *values[MAXPARAMS];
	int lengths[MAXPARAMS], formats[MAXPARAMS];
	uint64_t ints[MAXPARAMS];
	PGresult *r;
	ExecStatusType s;
	size_t i;
	int rc = SL_OK, t, nt, nf;

	if (changes != NULL)
		*changes = 0;
	if (nparams > MAXPARAMS) {
		*why = sl_xasprintf("postgresql: %zu parameters (at most %d)", nparams, MAXPARAMS);
		return SL_EINVAL;
	}
	for (i = 0; i < nparams; i++) {
		const struct sl_sqlval *v = &params[i];
		types[i] = 0;
		values[i] = NULL;
		lengths[i] = 0;
		formats[i] = 0;
		switch (v->type) {
		case SL_SQL_NULL:
			break;
		case SL_SQL_INT:
			ints[i] = htobe64((uint64_t)v->i);
			types[i] = OID_INT8;
			values[i] = (const char *)&ints[i];
			lengths[i] = 8;
			formats[i] = 1;
			break;
		case SL_SQL_TEXT:
			types[i] = OID_TEXT;
			values[i] = v->p;
			break;
		case SL_SQL_BLOB:
			if (v->n > 0x7fffffff) {
				*why = sl_xasprintf("postgresql: a value of %zu bytes is too large", v->n);
				return SL_ETOOBIG;
			}
			types[i] = OID_BYTEA;
			values[i] = v->p ? v->p : "";
			lengths[i] = (int)v->n;
			formats[i] = 1;
			break;
		}
	}
	r = PQexecParams(conn, sql, (int)nparams, types, values, lengths, formats, 1);
	s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s == PGRES_COMMAND_OK) {
		if (changes != NULL)
			*changes = strtoll(PQcmdTuples(r), NULL, 10);
		goto out;
	}
	if (s != PGRES_TUPLES_OK) {
		rc = map_error(conn, r, why);
		goto out;
	}
	nt = PQntuples(r);
	nf = PQnfields(r);
	if (nf > MAXCOLS)
		nf = MAXCOLS;
	for (t = 0; t < nt && row != NULL; t++) {
		struct sl_sqlval cols[MAXCOLS];
		int f;
		for (f = 0; f < nf; f++) {
			const char *p = PQgetvalue(r, t, f);
			int len = PQgetlength(r, t, f);
			memset(&cols[f], 0, sizeof(cols[f]));
			if (PQgetisnull(r, t, f)) {
				cols[f].type = SL_SQL_NULL;
				continue;
			}
			switch (PQftype(r, f)) {
			case OID_INT8:
			case OID_INT4:
			case OID_INT2:
			case OID_BOOL:
				cols[f].type = SL_SQL_INT;
				cols[f].i = be_int(p, len);
				break;
			case OID_TEXT:
			case OID_VARCHAR:
			case OID_BPCHAR:
			case OID_NAME:
				/* libpq ends every value with a zero byte, binary ones too */
				cols[f].type = SL_SQL_TEXT;
				cols[f].p = p;
				cols[f].n = (size_t)len;
				break;
			case OID_BYTEA:
				cols[f].type = SL_SQL_BLOB;
				cols[f].p = p;
				cols[f].n = (size_t)len;
				break;
			default:
				*why = sl_xasprintf("postgresql: column %s has a type (oid %u) the store does not read",
						    PQfname(r, f), (unsigned)PQftype(r, f));
				rc = SL_EINVAL;
				goto out;
			}
		}
		rc = row(ctx, cols, (size_t)nf);
		if (rc != 0)
			goto out;
	}
out:
	PQclear(r);
	return rc;
}

const struct sl_store_driver sl_store_postgresql = {
	.name = "postgresql",
	.check = pg_check,
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.script = pg_script,
	.exec = pg_exec,
	.usable = pg_usable,
	.begin_write = "BEGIN",
	/* any constant: "sluice" in ASCII */
	.schema_lock = "SELECT pg_advisory_xact_lock(115108117105099101)",
	.migrations = sl_migrations_postgresql,
};
