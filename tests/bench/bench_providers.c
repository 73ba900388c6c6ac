/*
 * bench_providers - what live reputation look-ups cost a message.
 *
 *   bench_providers [--config FILE] [-n LINKS] [-r ROUNDS] [--budget MS] [--stored N]
 *
 * Starts two servers on loopback inside the process: one that accepts
 * connections and never answers, and one that answers every Web Risk
 * uris:search with {} (not listed) over keep-alive connections. Then the
 * reputation stage (local lists, heuristics, providers) runs on messages of
 * LINKS distinct links:
 *   silent   Web Risk pointed at the server that never answers: each message
 *            takes about the budget, however many links it has;
 *   cold     the answering server, new links every message: all look-ups
 *            at once over the reused connections;
 *   warm     the same message again and again: every answer from the cache;
 *   local    the same message with no provider configured: the floor.
 * Then the same with the cache in the store (SQLite in a temporary
 * data_dir, repcache.h), as sluiced runs it:
 *   cold+store   new links every message, the answers written by the
 *                cache's writer thread (the message does not wait for it);
 *   load         a restart: STORED answers (default 10 000, --stored) read
 *                back when the store is connected;
 *   restart      the first message after the restart, every answer from
 *                what was loaded, and then the warm steady state.
 * It prints milliseconds per message and microseconds per link, and
 * asserts nothing (not a test: CTest label bench).
 */
#include <glib.h>

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "msg.h"
#include "provcache.h"
#include "provider.h"
#include "repcache.h"
#include "reputation.h"
#include "store.h"
#include "util.h"

static int listen_loopback(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 512) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &n) != 0) {
		perror("bench_providers: listen");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* One keep-alive connection: every request gets "{}". */
static void *serve_conn(void *arg)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Content-Length: 2\r\n\r\n{}";
	int c = (int)(intptr_t)arg;
	char buf[16384];
	size_t have = 0;

	for (;;) {
		char *end;
		ssize_t r = read(c, buf + have, sizeof(buf) - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) != NULL) { /* GET: no body */
			size_t used = (size_t)(end + 4 - buf);
			if (write(c, reply, sizeof(reply) - 1) < 0)
				goto out;
			memmove(buf, buf + used, have - used + 1);
			have -= used;
		}
		if (have == sizeof(buf) - 1)
			break;
	}
out:
	close(c);
	return NULL;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	for (;;) {
		pthread_t t;
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)c);
		pthread_detach(t);
	}
	return NULL;
}

static struct sl_msg *message(int links, int gen)
{
	static const char text[] = "links";
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "bench", NULL, 0);
	int p = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
	m->parts[p].declared_type = sl_xstrdup("text/plain");
	m->parts[p].is_body_text = 1;
	m->parts[p].text = text;
	m->parts[p].text_len = sizeof(text) - 1;
	for (int i = 0; i < links; i++) {
		char *u =
		    sl_xasprintf("https://www.shop%d-%d.example.com/offer/%d?ref=mail", gen, i, i);
		sl_msg_add_url(m, p, u, 0, 0, SL_URLCTX_HREF, NULL);
		free(u);
	}
	return m;
}

static struct sl_reputation *stage(const char *conf, const char *const *ov, size_t n)
{
	struct sl_config *cfg = NULL;
	struct sl_reputation *r;
	char *why = NULL;
	if (sl_config_load(conf, ov, n, &cfg, &why) != SL_OK ||
	    (r = sl_reputation_new(cfg, &why)) == NULL) {
		fprintf(stderr, "bench_providers: %s\n", why);
		exit(2);
	}
	sl_config_unref(cfg);
	return r;
}

/* Runs rounds messages through r; returns milliseconds per message. */
static double run(struct sl_reputation *r, int links, int rounds, int fresh, int *gen)
{
	int64_t t0, total = 0;
	for (int i = 0; i < rounds; i++) {
		struct sl_msg *m = message(links, fresh ? (*gen)++ : 0);
		t0 = g_get_monotonic_time();
		sl_reputation_run(r, m);
		total += g_get_monotonic_time() - t0;
		sl_msg_free(m);
	}
	return (double)total / rounds / 1000.0;
}

static double since_ms(int64_t t0)
{
	return (double)(g_get_monotonic_time() - t0) / 1000.0;
}

/* Fills the store with n answers of a provider nobody asks (the size of a
 * busy gateway's cache), through the hook, in batches. */
static void fill_store(struct sl_store *st, int n)
{
	struct sl_provcache_store *h = sl_repcache_store(st);
	int64_t expires = (int64_t)time(NULL) + 3600;
	char *why = NULL;

	for (int i = 0; i < n; i += SL_PROVCACHE_BATCH) {
		struct sl_provcache_entry e[SL_PROVCACHE_BATCH];
		const struct sl_provcache_entry *v[SL_PROVCACHE_BATCH];
		char *keys[SL_PROVCACHE_BATCH];
		int k = MIN(SL_PROVCACHE_BATCH, n - i);
		for (int j = 0; j < k; j++) {
			keys[j] = g_strdup_printf("https://stored%d.example.org/page", i + j);
			e[j] = (struct sl_provcache_entry){
			    "filler",         'u',       keys[j],   (i + j) % 7 == 0,
			    SL_REP_MALICIOUS, "MALWARE", "malware", expires};
			v[j] = &e[j];
		}
		if (h->put(h->ctx, v, (size_t)k, &why) != SL_OK) {
			fprintf(stderr, "bench_providers: filling the store: %s\n", why);
			exit(2);
		}
		for (int j = 0; j < k; j++)
			g_free(keys[j]);
	}
	free(h);
}

/* The cache in the store (SQLite in data_dir), as sluiced runs it. */
static void store_cases(const char *conf, const char *const *ov, size_t n, int links, int rounds,
			int stored, int *gen)
{
	struct sl_config *cfg = NULL;
	struct sl_store *st = NULL;
	struct sl_reputation *r;
	struct sl_provcache_stats cs;
	char *why = NULL;
	double ms;
	int64_t t0;

	if (sl_config_load(conf, ov, n, &cfg, &why) != SL_OK ||
	    sl_store_open(cfg, NULL, &st, &why) != SL_OK) {
		fprintf(stderr, "bench_providers: %s\n", why);
		exit(2);
	}
	printf("  with the cache in the store (SQLite):\n");
	sl_repcache_connect(st, cfg);
	r = stage(conf, ov, n);
	run(r, links, 1, 1, gen); /* connections opened */
	ms = run(r, links, rounds, 1, gen);
	printf(
	    "  cold+store       %8.2f ms a message, %7.1f us a link (answers written meanwhile)\n",
	    ms, ms * 1000 / links);
	run(r, links, 1, 0, gen); /* message 0's answers, to be found after the restart */
	sl_reputation_free(r);
	sl_repcache_disconnect(); /* what is queued is written: "sluiced stops" */
	fill_store(st, stored);

	r = stage(conf, ov, n); /* "sluiced starts again" */
	t0 = g_get_monotonic_time();
	sl_repcache_connect(st, cfg);
	ms = since_ms(t0);
	sl_providers_cache_stats(sl_reputation_providers(r), &cs);
	printf("  load             %8.1f ms for %llu answers (%.2f us each)\n", ms,
	       (unsigned long long)cs.loaded, cs.loaded ? ms * 1000 / (double)cs.loaded : 0);
	ms = run(r, links, 1, 0, gen);
	printf("  restart, first   %8.3f ms a message, %7.1f us a link (all from the store's "
	       "answers)\n",
	       ms, ms * 1000 / links);
	ms = run(r, links, rounds, 0, gen);
	printf("  restart, warm    %8.3f ms a message, %7.1f us a link\n", ms, ms * 1000 / links);
	sl_reputation_free(r);
	sl_repcache_disconnect();
	sl_store_close(st);
	sl_config_unref(cfg);
}

int main(int argc, char **argv)
{
	const char *conf = SLUICE_SOURCE_DIR "/conf/sluice.conf";
	int links = 50, rounds = 20, budget = 500, gen = 1, hport, aport, stored = 10000;
	char *dir = g_dir_make_tmp("bench_providers_XXXXXX", NULL);
	char *key = g_build_filename(dir, "key", NULL);
	pthread_t t;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			links = atoi(argv[++i]);
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc)
			budget = atoi(argv[++i]);
		else if (strcmp(argv[i], "--stored") == 0 && i + 1 < argc)
			stored = atoi(argv[++i]);
		else {
			fprintf(stderr,
				"usage: bench_providers [--config FILE] [-n LINKS] [-r ROUNDS] "
				"[--budget MS] [--stored N]\n");
			return 2;
		}
	}
	sl_log_open("bench_providers", 0, SL_LOG_ERR);
	if (!g_file_set_contents(key, "bench-key\n", -1, NULL) || chmod(key, 0600) != 0)
		return 2;
	int hang = listen_loopback(&hport); /* never accepted: connections wait in the backlog */
	int answer = listen_loopback(&aport);
	pthread_create(&t, NULL, serve, (void *)(intptr_t)answer);
	pthread_detach(t);

	{
		char *dd = g_strdup_printf("general.data_dir=%s", dir);
		char *kf = g_strdup_printf("reputation.webrisk_key_file=%s", key);
		char *bu = g_strdup_printf("reputation.time_budget_ms=%d", budget);
		char *silent = g_strdup_printf("reputation.webrisk_url=http://127.0.0.1:%d", hport);
		char *fast = g_strdup_printf("reputation.webrisk_url=http://127.0.0.1:%d", aport);
		const char *common[] = {dd,
					kf,
					bu,
					"general.allow_insecure_loopback=true",
					"reputation.cache_persist=false",
					"reputation.failures_before_backoff=1000",
					"reputation.max_lookups=100000",
					NULL};
		const char *ov[12];
		size_t n = 0;
		struct sl_reputation *r;
		double ms;

		for (n = 0; common[n] != NULL; n++)
			ov[n] = common[n];
		printf("bench_providers: %d links a message, budget %d ms, %d rounds\n", links,
		       budget, rounds);

		ov[n] = silent;
		r = stage(conf, ov, n + 1);
		ms = run(r, links, 3, 1, &gen);
		printf("  silent provider  %8.1f ms a message (the budget is %d ms)\n", ms, budget);
		sl_reputation_free(r);

		ov[n] = fast;
		r = stage(conf, ov, n + 1);
		run(r, links, 1, 1, &gen); /* connections opened */
		ms = run(r, links, rounds, 1, &gen);
		printf("  cold (asked)     %8.2f ms a message, %7.1f us a link\n", ms,
		       ms * 1000 / links);
		run(r, links, 1, 0, &gen); /* fills the cache for message 0 */
		ms = run(r, links, rounds, 0, &gen);
		printf("  warm (cached)    %8.3f ms a message, %7.1f us a link\n", ms,
		       ms * 1000 / links);
		sl_reputation_free(r);

		r = stage(conf, ov, n); /* no provider */
		ms = run(r, links, rounds, 0, &gen);
		printf("  local lists only %8.3f ms a message, %7.1f us a link\n", ms,
		       ms * 1000 / links);
		sl_reputation_free(r);

		ov[n] = fast;
		ov[n + 1] = "reputation.cache_persist=true";
		store_cases(conf, ov, n + 2, links, rounds, stored, &gen);
		g_free(dd);
		g_free(kf);
		g_free(bu);
		g_free(silent);
		g_free(fast);
	}
	close(hang);
	{
		GDir *dd = g_dir_open(dir, 0, NULL); /* the key and the store's files */
		const char *name;
		while (dd != NULL && (name = g_dir_read_name(dd)) != NULL) {
			char *p = g_build_filename(dir, name, NULL);
			g_unlink(p);
			g_free(p);
		}
		if (dd != NULL)
			g_dir_close(dd);
	}
	g_rmdir(dir);
	g_free(key);
	g_free(dir);
	return 0;
}
