/*
 * store_test - what the unit tests of the store's tables share: databases of
 * their own on the PostgreSQL cluster of the CTest fixture "pg" (tests/pg.sh;
 * SLUICE_PG_STATE names its state file). Include after cmocka.h, glib.h and
 * libpq-fe.h.
 */
#ifndef SL_STORE_TEST_H
#define SL_STORE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *pg_admin_dsn(void)
{
	const char *state = getenv("SLUICE_PG_STATE");
	char *text = NULL, *why = NULL, *line, *dsn = NULL;
	size_t len;
	if (state == NULL || sl_read_file(state, 4096, &text, &len, &why) != SL_OK) {
		fprintf(stderr, "PostgreSQL tests need the CTest fixture 'pg' (SLUICE_PG_STATE=%s: %s)\n",
			state ? state : "unset", why ? why : "");
		free(why);
		return NULL;
	}
	line = strstr(text, "dsn=");
	if (line != NULL) {
		char *eol = strchr(line, '\n');
		dsn = sl_xstrndup(line + 4, eol ? (size_t)(eol - line - 4) : strlen(line + 4));
	}
	free(text);
	return dsn;
}

/* A fresh database NAME on the fixture's cluster; its connection string. */
static char *pg_fresh_db(const char *name)
{
	char *admin = pg_admin_dsn(), *sql, *dsn;
	PGconn *c;
	PGresult *r;
	if (admin == NULL)
		return NULL;
	c = PQconnectdb(admin);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot reach the test cluster: %s", PQerrorMessage(c));
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	sql = sl_xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	PQclear(PQexec(c, sql));
	free(sql);
	/* template0: nobody connects to it, so tests creating databases at once do not collide */
	sql = sl_xasprintf("CREATE DATABASE %s TEMPLATE template0", name);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("CREATE DATABASE: %s", PQerrorMessage(c));
	PQclear(r);
	free(sql);
	PQfinish(c);
	/* the admin DSN names dbname=postgres: a later dbname wins in libpq */
	dsn = sl_xasprintf("%s dbname=%s", admin, name);
	free(admin);
	return dsn;
}

#endif
