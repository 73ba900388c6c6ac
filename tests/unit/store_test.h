/*
 * store_test - what the unit tests of the store's tables share: databases of
 * their own on the PostgreSQL cluster of the CTest fixture "pg" (tests/pg.sh;
 * SLUICE_PG_STATE names its state file), and a store of each backend per
 * test (setup_sqlite, setup_pg, teardown: struct env in *state). Define
 * STORE_TEST_NAME (names the databases and folders) and include after
 * cmocka.h, glib.h and libpq-fe.h.
 */
#ifndef SL_STORE_TEST_H
#define SL_STORE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "config.h"
#include "store.h"
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

struct env {
	const char *backend;
	char *dir;        /* data_dir */
	char *dsn;        /* postgresql */
	struct sl_config *cfg;
	struct sl_store *st;
};

static struct sl_config *config(struct env *e, const char *extra)
{
	struct sl_config *cfg = NULL;
	char *why = NULL;
	char *o[6];
	size_t n = 0;
	o[n++] = sl_xasprintf("general.data_dir=%s", e->dir);
	o[n++] = sl_xasprintf("store.backend=%s", e->backend);
	o[n++] = sl_xasprintf("store.dsn=%s", e->dsn ? e->dsn : "");
	o[n++] = sl_xstrdup("store.timeout=20");
	o[n++] = sl_xstrdup("general.node_name=test-gw");
	if (extra != NULL)
		o[n++] = sl_xstrdup(extra);
	if (sl_config_load(NULL, (const char *const *)o, n, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	while (n > 0)
		free(o[--n]);
	return cfg;
}

static struct sl_store *open_store(struct env *e)
{
	struct sl_store *st = NULL;
	char *why = NULL;
	if (sl_store_open(e->cfg, NULL, &st, &why) != SL_OK)
		fail_msg("open (%s): %s", e->backend, why);
	return st;
}

static int setup(void **state, const char *backend)
{
	struct env *e = sl_xcalloc(1, sizeof(*e));
	static int serial;
	e->backend = backend;
	e->dir = g_dir_make_tmp("sluice-" STORE_TEST_NAME "-XXXXXX", NULL);
	if (strcmp(backend, "postgresql") == 0) {
		char name[64];
		snprintf(name, sizeof(name), "%s_%d_%d", STORE_TEST_NAME, (int)getpid(), serial);
		e->dsn = pg_fresh_db(name);
		if (e->dsn == NULL)
			return -1;
	}
	serial++;
	e->cfg = config(e, NULL);
	e->st = open_store(e);
	*state = e;
	return 0;
}

static int setup_sqlite(void **state)
{
	return setup(state, "sqlite");
}

static int setup_pg(void **state)
{
	return setup(state, "postgresql");
}

static int teardown(void **state)
{
	struct env *e = *state;
	char *cmd;
	if (e == NULL)
		return 0;
	sl_store_close(e->st);
	sl_config_unref(e->cfg);
	cmd = sl_xasprintf("rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", e->dir);
	free(cmd);
	g_free(e->dir);
	free(e->dsn);
	free(e);
	return 0;
}

#endif
