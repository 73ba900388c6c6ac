/*
 * test_store - the quarantine store, the same tests on both backends:
 * SQLite in a temporary data_dir, and a real PostgreSQL (the CTest fixture
 * "pg" starts a throwaway cluster, tests/pg.sh; SLUICE_PG_STATE names it).
 *
 * Schema migrations (fresh, again, newer than known), items and their bytes
 * round trip (binary, invalid UTF-8), list filters, delete, release claims
 * (one winner, leases, interrupted releases), expiry (bytes go, audit stays,
 * the audit is append-only), writers in several threads and in two
 * processes, a writer killed inside a transaction and a writer killed at a
 * random moment during large writes (the old or the new state, never half an
 * item), reopening after those crashes, and on PostgreSQL a connection the
 * server dropped (the store retries on a fresh one); a released message's
 * pass through the milter, once per release header (threads racing for it,
 * a replay refused and audited, a deleted item refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glib.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "store.h"
#define STORE_TEST_NAME "test_store"
#include "store_test.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

static char *const rcpts2[] = { "agent@example.com", "desk@example.com", NULL };

static void fill(struct sl_item *it, const char *sender, const char *subject, int64_t received)
{
	memset(it, 0, sizeof(*it));
	sl_ref_new(it->ref);
	it->channel = SL_CHANNEL_EMAIL;
	it->received = received;
	it->sender = (char *)sender;
	it->recipients = (char **)rcpts2;
	it->subject = (char *)subject;
	it->msg_id = "4QabcD";
	it->verdict = SL_VERDICT_QUARANTINE;
	it->report = "{\"verdict\":\"quarantine\",\"findings\":[{\"kind\":\"structure\"}]}";
	it->expires = received + 30 * 86400;
}

static void put(struct sl_store *st, struct sl_item *it, const char *orig, const char *rew)
{
	char *why = NULL;
	if (sl_store_put(st, it, (const unsigned char *)orig, strlen(orig), (const unsigned char *)rew,
			 rew ? strlen(rew) : 0, "test", &why) != SL_OK)
		fail_msg("put: %s", why);
}

static size_t count(struct sl_store *st, int status)
{
	struct sl_item_filter f = { status, -1, NULL, 0, 100000 };
	struct sl_item **v = NULL;
	size_t n = 0;
	char *why = NULL;
	if (sl_store_list(st, &f, &v, &n, &why) != SL_OK)
		fail_msg("list: %s", why);
	sl_items_free(v, n);
	return n;
}

static size_t audit_count(struct sl_store *st, const char *ref, const char *action)
{
	struct sl_audit *a = NULL;
	size_t n = 0, i, k = 0;
	char *why = NULL;
	if (sl_store_audit_list(st, ref, 0, &a, &n, &why) != SL_OK)
		fail_msg("audit: %s", why);
	for (i = 0; i < n; i++)
		if (action == NULL || strcmp(a[i].action, action) == 0)
			k++;
	sl_audit_free(a, n);
	return k;
}

/* ---- tests -------------------------------------------------------------- */

static int bump_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	return sl_store_exec(tx, "INSERT INTO sluice_schema (version, name, applied_at) VALUES (999, 'future', 0)",
			     NULL, 0, NULL, NULL, NULL, why);
}

static void test_migrations(void **state)
{
	struct env *e = *state;
	struct sl_store *again, *st = NULL;
	int have = 0, latest = 0;
	char *why = NULL;

	assert_int_equal(sl_store_schema(e->st, &have, &latest, &why), SL_OK);
	assert_true(latest >= 1);
	assert_int_equal(have, latest);
	again = open_store(e); /* nothing to do the second time */
	assert_int_equal(sl_store_schema(again, &have, &latest, &why), SL_OK);
	assert_int_equal(have, latest);
	sl_store_close(again);
	assert_non_null(strstr(sl_store_describe(e->st), e->backend));
	assert_string_equal(sl_store_node(e->st), "test-gw");

	/* a database from a newer sluice is refused, not "migrated" */
	assert_int_equal(sl_store_tx(e->st, bump_fn, NULL, &why), SL_OK);
	assert_int_equal(sl_store_open(e->cfg, NULL, &st, &why), SL_ECONFIG);
	assert_null(st);
	assert_non_null(strstr(why, "newer than this sluice knows"));
	free(why);
}

static void test_put_get(void **state)
{
	struct env *e = *state;
	struct sl_item it, *got = NULL;
	unsigned char bin[300], *data = NULL;
	size_t len = 0, i;
	char *why = NULL, sha[65];
	int64_t now = (int64_t)time(NULL);

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7); /* NUL bytes, high bytes */
	fill(&it, "Customer <c@example.net>", "Rechnung \xff\xfe broken", now);
	assert_int_equal(sl_store_put(e->st, &it, bin, sizeof(bin), (const unsigned char *)"rewritten", 9, "test", &why),
			 SL_OK);
	assert_int_equal(sl_store_get(e->st, it.ref, &got, &why), SL_OK);
	assert_string_equal(got->ref, it.ref);
	assert_int_equal(got->channel, SL_CHANNEL_EMAIL);
	assert_int_equal(got->received, now);
	assert_string_equal(got->sender, "Customer <c@example.net>");
	assert_string_equal(got->recipients[0], "agent@example.com");
	assert_string_equal(got->recipients[1], "desk@example.com");
	assert_null(got->recipients[2]);
	assert_true(g_utf8_validate(got->subject, -1, NULL)); /* stored as valid UTF-8 */
	assert_non_null(strstr(got->subject, "Rechnung"));
	assert_string_equal(got->msg_id, "4QabcD");
	assert_string_equal(got->gateway, "test-gw");
	assert_int_equal(got->verdict, SL_VERDICT_QUARANTINE);
	assert_non_null(strstr(got->report, "structure"));
	assert_int_equal(got->status, SL_ITEM_HELD);
	assert_int_equal(got->expires, now + 30 * 86400);
	assert_int_equal(got->original_size, sizeof(bin));
	sl_sha256_hex(bin, sizeof(bin), sha);
	assert_string_equal(got->original_sha256, sha);
	assert_int_equal(got->rewritten_size, 9);
	assert_int_equal(got->purged_at, 0);
	assert_null(got->claim_by);
	sl_item_free(got);

	assert_int_equal(sl_store_bytes(e->st, it.ref, 0, &data, &len, &why), SL_OK);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(data, bin, sizeof(bin));
	free(data);
	assert_int_equal(sl_store_bytes(e->st, it.ref, 1, &data, &len, &why), SL_OK);
	assert_int_equal(len, 9);
	assert_memory_equal(data, "rewritten", 9);
	free(data);
	assert_int_equal(audit_count(e->st, it.ref, "keep"), 1);

	/* the same put again (a commit whose answer was lost): fine, once */
	assert_int_equal(sl_store_put(e->st, &it, bin, sizeof(bin), NULL, 0, "test", &why), SL_OK);
	assert_int_equal(count(e->st, -1), 1);
	/* the same reference with other bytes: a collision, refused */
	assert_int_equal(sl_store_put(e->st, &it, (const unsigned char *)"x", 1, NULL, 0, "test", &why), SL_ECONFLICT);
	free(why);
	why = NULL;

	/* no rewritten copy; unknown references; a reference not canonical */
	fill(&it, "a@b.test", "s", now);
	put(e->st, &it, "orig", NULL);
	assert_int_equal(sl_store_bytes(e->st, it.ref, 1, &data, &len, &why), SL_ENOTFOUND);
	free(why);
	why = NULL;
	assert_int_equal(sl_store_get(e->st, "SL-0000-0000-0000-0000", &got, &why), SL_ENOTFOUND);
	assert_non_null(strstr(why, "SL-0000-0000-0000-0000"));
	free(why);
	why = NULL;
	strcpy(it.ref, "sl-0000-0000-0000-000o");
	assert_int_equal(sl_store_put(e->st, &it, (const unsigned char *)"x", 1, NULL, 0, "t", &why), SL_EINVAL);
	free(why);
}

static void test_list(void **state)
{
	struct env *e = *state;
	struct sl_item it, **v = NULL;
	struct sl_item_filter f = { -1, -1, NULL, 0, 0 };
	size_t n = 0;
	char *why = NULL, first[SL_REF_LEN + 1];
	int64_t t0 = 1700000000;

	fill(&it, "alice@example.net", "one", t0);
	memcpy(first, it.ref, sizeof(first));
	put(e->st, &it, "1", NULL);
	fill(&it, "Bob_100%@Example.ORG", "two", t0 + 10);
	put(e->st, &it, "2", NULL);
	fill(&it, "carol@example.net", "three", t0 + 20);
	it.channel = SL_CHANNEL_WHATSAPP;
	put(e->st, &it, "3", NULL);

	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->subject, "three"); /* newest first */
	assert_string_equal(v[2]->subject, "one");
	sl_items_free(v, n);

	f.channel = SL_CHANNEL_WHATSAPP;
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->sender, "carol@example.net");
	sl_items_free(v, n);
	f.channel = -1;

	f.sender = "EXAMPLE.NET"; /* case-insensitive substring */
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 2);
	sl_items_free(v, n);
	f.sender = "_100%@"; /* LIKE wildcards are literal */
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 1);
	sl_items_free(v, n);
	f.sender = "b%e"; /* would match Bob...Example with a live % */
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 0);
	sl_items_free(v, n);
	f.sender = NULL;

	f.since = t0 + 10;
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 2);
	sl_items_free(v, n);
	f.since = 0;
	f.limit = 1;
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 1);
	sl_items_free(v, n);
	f.limit = 0;

	assert_int_equal(sl_store_delete(e->st, first, "sup", "spam", NULL, &why), SL_OK);
	f.status = SL_ITEM_HELD;
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 2);
	sl_items_free(v, n);
	f.status = SL_ITEM_DELETED;
	assert_int_equal(sl_store_list(e->st, &f, &v, &n, &why), SL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->ref, first);
	sl_items_free(v, n);
}

static void test_delete(void **state)
{
	struct env *e = *state;
	struct sl_item it, *now = NULL;
	unsigned char *data = NULL;
	size_t len;
	char *why = NULL;

	fill(&it, "a@b.test", "s", (int64_t)time(NULL));
	put(e->st, &it, "original bytes", "rewritten");
	assert_int_equal(sl_store_delete(e->st, it.ref, "alice (uid 1001)", "spam", &now, &why), SL_OK);
	assert_non_null(now);
	sl_item_free(now);
	assert_int_equal(sl_store_get(e->st, it.ref, &now, &why), SL_OK);
	assert_int_equal(now->status, SL_ITEM_DELETED);
	assert_string_equal(now->status_by, "alice (uid 1001)");
	assert_string_equal(now->status_reason, "spam");
	assert_true(now->purged_at > 0);
	sl_item_free(now);
	assert_int_equal(sl_store_bytes(e->st, it.ref, 0, &data, &len, &why), SL_ENOTFOUND);
	free(why);
	why = NULL;

	/* again: refused, with when and by whom */
	assert_int_equal(sl_store_delete(e->st, it.ref, "bob", "again", &now, &why), SL_ECONFLICT);
	assert_non_null(strstr(why, "already deleted at "));
	assert_non_null(strstr(why, "by alice (uid 1001)"));
	assert_int_equal(now->status, SL_ITEM_DELETED);
	sl_item_free(now);
	free(why);
	why = NULL;
	assert_int_equal(sl_store_delete(e->st, "SL-0000-0000-0000-0001", "bob", "x", &now, &why), SL_ENOTFOUND);
	assert_null(now);
	free(why);
	assert_int_equal(audit_count(e->st, it.ref, "delete"), 1);
}

static void test_claims(void **state)
{
	struct env *e = *state;
	struct sl_item it, *now = NULL;
	char tok[SL_REF_LEN + 1], tok2[SL_REF_LEN + 1], *why = NULL;

	fill(&it, "a@b.test", "s", (int64_t)time(NULL));
	put(e->st, &it, "orig", NULL);
	assert_int_equal(sl_store_claim(e->st, it.ref, "alice", 300, tok, &now, &why), SL_OK);
	assert_null(now->claim_by); /* as found: nobody had tried before */
	sl_item_free(now);
	/* a second claim while the first is live: refused, naming the first */
	assert_int_equal(sl_store_claim(e->st, it.ref, "bob", 300, tok2, &now, &why), SL_ECONFLICT);
	assert_non_null(strstr(why, "being released by alice"));
	sl_item_free(now);
	free(why);
	why = NULL;
	/* nor can it be deleted meanwhile */
	assert_int_equal(sl_store_delete(e->st, it.ref, "bob", "x", NULL, &why), SL_ECONFLICT);
	free(why);
	why = NULL;
	/* the relay refused: the claim goes back, the item is held */
	assert_int_equal(sl_store_claim_drop(e->st, it.ref, tok, "alice", "ok by phone", "failed: 550 no", &why), SL_OK);
	assert_int_equal(sl_store_get(e->st, it.ref, &now, &why), SL_OK);
	assert_int_equal(now->status, SL_ITEM_HELD);
	assert_null(now->claim_by);
	sl_item_free(now);
	/* bob now; done: released */
	assert_int_equal(sl_store_claim(e->st, it.ref, "bob", 300, tok2, NULL, &why), SL_OK);
	assert_int_equal(sl_store_claim_done(e->st, it.ref, tok2, "bob", "checked", "to x via y: 250 ok", &why), SL_OK);
	assert_int_equal(sl_store_get(e->st, it.ref, &now, &why), SL_OK);
	assert_int_equal(now->status, SL_ITEM_RELEASED);
	assert_string_equal(now->status_by, "bob");
	assert_null(now->claim_by);
	sl_item_free(now);
	/* a second release: refused with the time and who */
	assert_int_equal(sl_store_claim(e->st, it.ref, "carol", 300, tok, &now, &why), SL_ECONFLICT);
	assert_non_null(strstr(why, "already released at "));
	assert_non_null(strstr(why, "by bob"));
	assert_int_equal(now->status, SL_ITEM_RELEASED);
	sl_item_free(now);
	free(why);
	why = NULL;
	/* the audit tells the story: a failed attempt, then a release */
	assert_int_equal(audit_count(e->st, it.ref, "release"), 2);

	/* an interrupted release: the lease ran out (a gateway died mid-send) */
	fill(&it, "a@b.test", "s2", (int64_t)time(NULL));
	put(e->st, &it, "orig2", NULL);
	assert_int_equal(sl_store_claim(e->st, it.ref, "dave", -10, tok, NULL, &why), SL_OK);
	assert_int_equal(sl_store_claim(e->st, it.ref, "erin", 300, tok2, &now, &why), SL_OK);
	assert_non_null(now->claim_by); /* the next claim sees the interrupted one */
	assert_string_equal(now->claim_by, "dave");
	sl_item_free(now);
	/* dave's late "done" must not undo erin's claim silently: it records
	 * the release (the message went out) and says the item had changed */
	assert_int_equal(sl_store_claim_done(e->st, it.ref, tok, "dave", "late", NULL, &why), SL_OK);
	assert_int_equal(sl_store_get(e->st, it.ref, &now, &why), SL_OK);
	assert_int_equal(now->status, SL_ITEM_RELEASED);
	sl_item_free(now);
}

static int tamper_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	return sl_store_exec(tx, (const char *)ctx, NULL, 0, NULL, NULL, NULL, why);
}

static void test_expire(void **state)
{
	struct env *e = *state;
	struct sl_item it, *now = NULL;
	char old_held[SL_REF_LEN + 1], old_released[SL_REF_LEN + 1], fresh[SL_REF_LEN + 1], tok[SL_REF_LEN + 1];
	char *why = NULL;
	unsigned char *data = NULL;
	size_t len, n = 0, audit_before;
	int64_t t = (int64_t)time(NULL);

	fill(&it, "a@b.test", "old", t - 40 * 86400);
	it.expires = t - 10 * 86400;
	memcpy(old_held, it.ref, sizeof(old_held));
	put(e->st, &it, "old held", NULL);
	fill(&it, "a@b.test", "old released", t - 40 * 86400);
	it.expires = t - 10;
	memcpy(old_released, it.ref, sizeof(old_released));
	put(e->st, &it, "old released", NULL);
	assert_int_equal(sl_store_claim(e->st, old_released, "x", 60, tok, NULL, &why), SL_OK);
	assert_int_equal(sl_store_claim_done(e->st, old_released, tok, "x", "r", NULL, &why), SL_OK);
	fill(&it, "a@b.test", "fresh", t);
	memcpy(fresh, it.ref, sizeof(fresh));
	put(e->st, &it, "fresh", NULL);
	audit_before = audit_count(e->st, NULL, NULL);

	assert_int_equal(sl_store_expire(e->st, t, "sluiced", &n, &why), SL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(sl_store_get(e->st, old_held, &now, &why), SL_OK);
	assert_int_equal(now->status, SL_ITEM_EXPIRED);
	assert_true(now->purged_at > 0);
	sl_item_free(now);
	assert_int_equal(sl_store_get(e->st, old_released, &now, &why), SL_OK);
	assert_int_equal(now->status, SL_ITEM_RELEASED); /* what happened stays */
	assert_true(now->purged_at > 0);
	sl_item_free(now);
	assert_int_equal(sl_store_bytes(e->st, old_held, 0, &data, &len, &why), SL_ENOTFOUND);
	free(why);
	why = NULL;
	assert_int_equal(sl_store_bytes(e->st, fresh, 0, &data, &len, &why), SL_OK);
	free(data);
	/* audit rows stay, and two more tell of the expiry */
	assert_int_equal(audit_count(e->st, NULL, NULL), audit_before + 2);
	assert_int_equal(audit_count(e->st, old_held, "keep"), 1);
	/* a second run finds nothing */
	assert_int_equal(sl_store_expire(e->st, t, "sluiced", &n, &why), SL_OK);
	assert_int_equal(n, 0);

	/* the audit trail is append-only, whoever asks */
	assert_int_not_equal(sl_store_tx(e->st, tamper_fn, "UPDATE audit SET actor = 'nobody'", &why), SL_OK);
	assert_non_null(strstr(why, "append-only"));
	free(why);
	why = NULL;
	assert_int_not_equal(sl_store_tx(e->st, tamper_fn, "DELETE FROM audit", &why), SL_OK);
	free(why);
	assert_int_equal(audit_count(e->st, NULL, NULL), audit_before + 2);
}

/* ---- concurrency -------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 25

struct worker {
	struct sl_store *st;
	int id, failures;
	char tok[SL_REF_LEN + 1];
	const char *ref;
	int won;
};

static void *writer(void *arg)
{
	struct worker *w = arg;
	int i;
	for (i = 0; i < PER_THREAD; i++) {
		struct sl_item it;
		char *why = NULL, subject[32];
		snprintf(subject, sizeof(subject), "t%d-%d", w->id, i);
		fill(&it, "w@example.com", subject, (int64_t)time(NULL));
		if (sl_store_put(w->st, &it, (const unsigned char *)subject, strlen(subject), NULL, 0, "w", &why) != SL_OK) {
			fprintf(stderr, "writer %d: %s\n", w->id, why);
			w->failures++;
		}
		free(why);
	}
	return NULL;
}

static void *claimer(void *arg)
{
	struct worker *w = arg;
	char *why = NULL, actor[16];
	snprintf(actor, sizeof(actor), "c%d", w->id);
	w->won = sl_store_claim(w->st, w->ref, actor, 300, w->tok, NULL, &why) == SL_OK;
	free(why);
	return NULL;
}

static void test_threads(void **state)
{
	struct env *e = *state;
	pthread_t th[THREADS];
	struct worker w[THREADS];
	struct sl_item it;
	int i, wins = 0;

	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].st = e->st;
		w[i].id = i;
		pthread_create(&th[i], NULL, writer, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(count(e->st, SL_ITEM_HELD), THREADS * PER_THREAD);

	/* four supervisors release the same item at once: one claim wins */
	fill(&it, "a@b.test", "contested", (int64_t)time(NULL));
	put(e->st, &it, "contested", NULL);
	for (i = 0; i < THREADS; i++) {
		w[i].ref = it.ref;
		pthread_create(&th[i], NULL, claimer, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		wins += w[i].won;
	}
	assert_int_equal(wins, 1);
}

/* Two processes, each with its own store (own connections), write at once;
 * then they race for one claim. */
static void test_processes(void **state)
{
	struct env *e = *state;
	struct sl_item it;
	pid_t pid[2];
	int i, status, wins = 0;
	char path[2][PATH_MAX];

	fill(&it, "a@b.test", "contested", (int64_t)time(NULL));
	put(e->st, &it, "contested", NULL);
	for (i = 0; i < 2; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/won.%d", e->dir, i);
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			struct sl_store *st = NULL;
			struct worker w = { 0 };
			char *why = NULL, tok[SL_REF_LEN + 1];
			if (sl_store_open(e->cfg, NULL, &st, &why) != SL_OK) {
				fprintf(stderr, "child: %s\n", why);
				_exit(3);
			}
			w.st = st;
			w.id = 10 + i;
			writer(&w);
			if (sl_store_claim(st, it.ref, i ? "p1" : "p0", 300, tok, NULL, &why) == SL_OK) {
				FILE *f = fopen(path[i], "w");
				if (f)
					fclose(f);
			}
			sl_store_close(st);
			_exit(w.failures ? 1 : 0);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		wins += access(path[i], F_OK) == 0;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(count(e->st, SL_ITEM_HELD), 2 * PER_THREAD + 1);
}

/* Several processes opening a store nobody has created yet (sluiced starting
 * while an operator runs a scan; two scans): each waits for the other to
 * create the schema, none fails with "database is locked". */
static void test_fresh_open_race(void **state)
{
	struct env *e = *state, f = *e;
	pid_t pid[8];
	int i, status, go[2];
	struct sl_store *st;

	f.dir = g_strdup_printf("%s/fresh", e->dir);
	assert_int_equal(g_mkdir_with_parents(f.dir, 0700), 0);
	f.dsn = NULL;
	if (e->dsn != NULL) {
		char name[64];
		snprintf(name, sizeof(name), "%s_fresh_%d", STORE_TEST_NAME, (int)getpid());
		f.dsn = pg_fresh_db(name);
		assert_non_null(f.dsn);
	}
	f.cfg = config(&f, NULL);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < 8; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			struct sl_item it;
			char *why = NULL, c;
			close(go[1]);
			/* all start together: the pipe's end is their signal */
			if (read(go[0], &c, 1) != 0)
				_exit(4);
			st = NULL;
			if (sl_store_open(f.cfg, NULL, &st, &why) != SL_OK) {
				fprintf(stderr, "child %d: %s\n", i, why);
				_exit(3);
			}
			fill(&it, "a@b.test", "race", (int64_t)time(NULL));
			put(st, &it, "race", NULL);
			sl_store_close(st);
			_exit(0);
		}
	}
	close(go[0]);
	g_usleep(100000);
	close(go[1]);
	for (i = 0; i < 8; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	st = open_store(&f);
	assert_int_equal(count(st, SL_ITEM_HELD), 8);
	sl_store_close(st);
	sl_config_unref(f.cfg);
	g_free(f.dir);
	free(f.dsn);
}

/* ---- crashes ------------------------------------------------------------ */

static int die_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	const struct sl_item *it = ctx;
	struct sl_sqlval p[2] = { sl_sql_text(it->ref), sl_sql_text("never") };
	/* half of an item: the row without its bytes, then the process dies */
	sl_store_exec(tx,
		      "INSERT INTO items (ref, channel, received, sender, recipients, subject, msg_id, gateway, "
		      "verdict, report, status, expires, original_size, original_sha256) VALUES ($1, 'email', 0, "
		      "'', '[]', $2, '', '', 'quarantine', '{}', 'held', 0, 0, '')",
		      p, 2, NULL, NULL, NULL, why);
	kill(getpid(), SIGKILL);
	return SL_OK;
}

static void check_whole(struct sl_store *st)
{
	struct sl_item_filter f = { -1, -1, NULL, 0, 100000 };
	struct sl_item **v = NULL;
	size_t n = 0, i;
	char *why = NULL;
	assert_int_equal(sl_store_list(st, &f, &v, &n, &why), SL_OK);
	for (i = 0; i < n; i++) {
		unsigned char *data = NULL;
		size_t len = 0;
		char sha[65];
		if (sl_store_bytes(st, v[i]->ref, 0, &data, &len, &why) != SL_OK)
			fail_msg("%s: an item without its bytes: %s", v[i]->ref, why);
		sl_sha256_hex(data, len, sha);
		assert_string_equal(sha, v[i]->original_sha256);
		free(data);
	}
	sl_items_free(v, n);
}

static void test_killed_writer(void **state)
{
	struct env *e = *state;
	struct sl_item it, *got = NULL;
	struct sl_store *st;
	char *why = NULL;
	pid_t pid;
	int status, round;

	/* killed inside a transaction: nothing of it is there afterwards */
	fill(&it, "a@b.test", "half", 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sl_store *cst = NULL;
		if (sl_store_open(e->cfg, NULL, &cst, &why) != SL_OK)
			_exit(3);
		sl_store_tx(cst, die_fn, &it, &why);
		_exit(4); /* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	st = open_store(e); /* reopen after the crash */
	assert_int_equal(sl_store_get(st, it.ref, &got, &why), SL_ENOTFOUND);
	free(why);
	why = NULL;
	check_whole(st);
	sl_store_close(st);

	/* killed at some moment while writing large items, three times over:
	 * after its first item is in, at a random point of the following ones */
	for (round = 0; round < 3; round++) {
		int fds[2];
		char b;
		struct pollfd pfd;
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct sl_store *cst = NULL;
			size_t size = 512 * 1024;
			unsigned char *big = sl_xmalloc(size);
			close(fds[0]);
			if (sl_store_open(e->cfg, NULL, &cst, &why) != SL_OK)
				_exit(3);
			for (;;) {
				struct sl_item w;
				sl_random(big, size);
				fill(&w, "k@example.com", "big", (int64_t)time(NULL));
				if (sl_store_put(cst, &w, big, size, big, size / 2, "killed", &why) != SL_OK)
					_exit(5);
				if (write(fds[1], "x", 1) != 1)
					_exit(6);
			}
		}
		close(fds[1]);
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		assert_int_equal(poll(&pfd, 1, 60000), 1);
		assert_int_equal(read(fds[0], &b, 1), 1);
		{
			unsigned r;
			sl_random(&r, sizeof(r));
			usleep(r % 100000);
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		close(fds[0]);
		st = open_store(e);
		check_whole(st);
		/* and it still takes writes */
		fill(&it, "a@b.test", "after", (int64_t)time(NULL));
		put(st, &it, "after the crash", NULL);
		sl_store_close(st);
	}
	assert_true(count(e->st, -1) >= 6); /* 3 "after" + at least one big one a round */
}

static int count_rows(void *ctx, const struct sl_sqlval *c, size_t n)
{
	return 0;
}

/* A read on a second connection while the first is in a transaction. */
static int nested_read(struct sl_store_tx *tx, void *ctx, char **why)
{
	return sl_store_query(ctx, "SELECT count(*) FROM items", NULL, 0, count_rows, NULL, why);
}

/* Statements a connection keeps prepared: the same SQL run again from a row
 * callback of itself (on the same connection), and more distinct statements
 * than the cache holds, twice over, all give their rows. */
#define NESTED_SQL "SELECT version FROM sluice_schema"

struct nest {
	struct sl_store_tx *tx;
	int outer, inner, single;
};

static int inner_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	((struct nest *)ctx)->inner++;
	return 0;
}

static int outer_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	struct nest *x = ctx;
	char *why = NULL;
	x->outer++;
	if (sl_store_exec(x->tx, NESTED_SQL, NULL, 0, inner_row, x, NULL, &why) != SL_OK) {
		free(why);
		return -1;
	}
	return 0;
}

static int single_row(void *ctx, const struct sl_sqlval *c, size_t n)
{
	((struct nest *)ctx)->single++;
	return 0;
}

static int statements_fn(struct sl_store_tx *tx, void *ctx, char **why)
{
	struct nest *x = ctx;
	int rc, round, k;
	x->tx = tx;
	rc = sl_store_exec(tx, NESTED_SQL, NULL, 0, outer_row, x, NULL, why);
	for (round = 0; round < 2 && rc == SL_OK; round++)
		for (k = 0; k < 80 && rc == SL_OK; k++) {
			char *sql = sl_xasprintf("SELECT %d", k);
			rc = sl_store_exec(tx, sql, NULL, 0, single_row, x, NULL, why);
			free(sql);
		}
	return rc;
}

static void test_statements_reused(void **state)
{
	struct env *e = *state;
	struct nest x = { 0 };
	char *why = NULL;
	int pass;
	for (pass = 0; pass < 2; pass++) {
		memset(&x, 0, sizeof(x));
		assert_int_equal(sl_store_tx(e->st, statements_fn, &x, &why), SL_OK);
		assert_true(x.outer >= 1);
		assert_int_equal(x.inner, x.outer * x.outer);
		assert_int_equal(x.single, 160);
	}
}

/* PostgreSQL: the server drops our connections (restart, failover): the next
 * call opens a fresh one and goes through, however many dead ones the pool
 * held. */
static void test_dropped_connection(void **state)
{
	struct env *e = *state;
	struct sl_item it;
	PGconn *c;
	PGresult *r;
	char *dsn, *why = NULL;

	if (strcmp(e->backend, "postgresql") != 0)
		return;
	fill(&it, "a@b.test", "before", (int64_t)time(NULL));
	put(e->st, &it, "before", NULL); /* a pooled connection exists now */
	/* and a second one */
	assert_int_equal(sl_store_tx(e->st, nested_read, e->st, &why), SL_OK);
	dsn = sl_xstrdup(e->dsn);
	c = PQconnectdb(dsn);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_true(PQntuples(r) >= 1);
	PQclear(r);
	PQfinish(c);
	free(dsn);
	fill(&it, "a@b.test", "after", (int64_t)time(NULL));
	put(e->st, &it, "after", NULL);
	assert_int_equal(count(e->st, -1), 2);
}

/* A database that cannot be reached: a clear temporary failure. */
static void test_unreachable(void **state)
{
	struct env *e = *state;
	struct sl_config *cfg;
	struct sl_store *st = NULL;
	char *why = NULL, *saved = e->dsn, *dir = NULL;

	if (strcmp(e->backend, "postgresql") == 0) {
		dir = g_dir_make_tmp("sluice-nopg-XXXXXX", NULL);
		e->dsn = sl_xasprintf("host=%s user=sluice dbname=none connect_timeout=2", dir);
		cfg = config(e, NULL);
		free(e->dsn);
		e->dsn = saved;
		assert_int_equal(sl_store_open(cfg, NULL, &st, &why), SL_ETEMP);
		assert_non_null(strstr(why, "cannot connect to PostgreSQL"));
		rmdir(dir);
		g_free(dir);
		sl_config_unref(cfg);
		free(why);
		why = NULL;
		/* a password in the DSN is refused outright */
		e->dsn = sl_xasprintf("%s password=secret", saved);
		cfg = config(e, NULL);
		free(e->dsn);
		e->dsn = saved;
		assert_int_equal(sl_store_open(cfg, NULL, &st, &why), SL_ECONFIG);
		assert_non_null(strstr(why, "store.password_file"));
		assert_null(strstr(why, "secret"));
		sl_config_unref(cfg);
		free(why);
		return;
	}
	/* SQLite: a data_dir we cannot create */
	cfg = NULL;
	{
		char *o[2] = { "general.data_dir=/proc/sluice-cannot-be-here", "store.backend=sqlite" };
		assert_int_equal(sl_config_load(NULL, (const char *const *)o, 2, &cfg, &why), SL_OK);
	}
	assert_int_equal(sl_store_open(cfg, NULL, &st, &why), SL_EIO);
	assert_non_null(strstr(why, "sluice-cannot-be-here"));
	sl_config_unref(cfg);
	free(why);
}

/* The password file: owner-only or refused. */
static void test_password_file(void **state)
{
	struct env *e = *state;
	char *path = g_build_filename(e->dir, "pw", NULL), *o, *pw = NULL, *why = NULL;
	struct sl_config *cfg;

	assert_true(g_file_set_contents(path, "s3cret\n", -1, NULL));
	chmod(path, 0640);
	o = sl_xasprintf("store.password_file=%s", path);
	cfg = config(e, o);
	assert_int_equal(sl_store_read_password(cfg, &pw, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "chmod 600"));
	free(why);
	why = NULL;
	chmod(path, 0600);
	assert_int_equal(sl_store_read_password(cfg, &pw, &why), SL_OK);
	assert_string_equal(pw, "s3cret");
	free(pw);
	sl_config_unref(cfg);
	free(o);
	g_free(path);
}

static void test_refs(void **state)
{
	char a[SL_REF_LEN + 1], b[SL_REF_LEN + 1], *why = NULL;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int i;
	(void)state;

	for (i = 0; i < 2000; i++) {
		sl_ref_new(a);
		assert_int_equal(strlen(a), SL_REF_LEN);
		assert_true(g_regex_match_simple("^SL-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$", a, 0, 0));
		assert_false(g_hash_table_contains(seen, a));
		g_hash_table_add(seen, g_strdup(a));
		assert_int_equal(sl_ref_parse(a, b, &why), SL_OK);
		assert_string_equal(a, b);
	}
	g_hash_table_destroy(seen);
	/* how people type it */
	assert_int_equal(sl_ref_parse("sl-7kq2-m9xd-4tjh-w8pr", b, &why), SL_OK);
	assert_string_equal(b, "SL-7KQ2-M9XD-4TJH-W8PR");
	assert_int_equal(sl_ref_parse("  7KQ2 M9XD 4TJH W8PR\n", b, &why), SL_OK);
	assert_string_equal(b, "SL-7KQ2-M9XD-4TJH-W8PR");
	assert_int_equal(sl_ref_parse("SL7KQ2M9XD4TJHW8PR", b, &why), SL_OK);
	assert_string_equal(b, "SL-7KQ2-M9XD-4TJH-W8PR");
	assert_int_equal(sl_ref_parse("SL-0I1L-OoO0-0000-0000/2.1", b, &why), SL_OK); /* look-alikes, part suffix */
	assert_string_equal(b, "SL-0111-0000-0000-0000");
	{
		static const char *const bad[] = { "", "SL-", "SL-7KQ2-M9XD-4TJH", "SL-7KQ2-M9XD-4TJH-W8PR-XXXX",
						   "SL-7KQ2-M9XD-4TJH-W8PU", "SL-7KQ2-M9XD-4TJH-W8P!",
						   "'; DROP TABLE items; --", "SL-7KQ2-M9XD-4TJH-W8P\xc3\xa9", NULL };
		for (i = 0; bad[i] != NULL; i++) {
			if (sl_ref_parse(bad[i], b, &why) != SL_EINVAL)
				fail_msg("'%s' accepted as %s", bad[i], b);
			assert_non_null(strstr(why, "SL-7KQ2-M9XD-4TJH-W8PR"));
			free(why);
			why = NULL;
		}
	}
}

struct passer {
	struct sl_store *st;
	const char *ref;
	int won, failed;
};

static void *passer(void *arg)
{
	struct passer *p = arg;
	char *why = NULL;
	int rc = sl_store_release_pass(p->st, p->ref, 1700000000, "alice", "QID", "sluiced milter", &why);
	p->won = rc == SL_OK;
	p->failed = rc != SL_OK && rc != SL_ECONFLICT;
	if (p->failed)
		fprintf(stderr, "release pass: %s\n", why);
	free(why);
	return NULL;
}

/* A release header lets one message pass, once: threads race, one wins; the
 * same header again is a replay (refused, audited); a new release of the
 * item (another at=) passes; a deleted item's header does not. */
static void test_release_pass(void **state)
{
	struct env *e = *state;
	struct sl_item it;
	pthread_t th[THREADS];
	struct passer p[THREADS];
	char *why = NULL;
	int i, wins = 0;

	fill(&it, "a@b.test", "released", (int64_t)time(NULL));
	put(e->st, &it, "orig", NULL);
	for (i = 0; i < THREADS; i++) {
		p[i].st = e->st;
		p[i].ref = it.ref;
		pthread_create(&th[i], NULL, passer, &p[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_false(p[i].failed);
		wins += p[i].won;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(sl_store_release_pass(e->st, it.ref, 1700000000, "alice", "QID2", "sluiced milter", &why),
			 SL_ECONFLICT);
	assert_non_null(strstr(why, "already let a message pass at "));
	assert_non_null(strstr(why, "on test-gw (queue id QID)"));
	free(why);
	why = NULL;
	assert_int_equal(audit_count(e->st, it.ref, "release-pass"), THREADS + 1);
	/* a second release of the item (the first never reached the agent) */
	assert_int_equal(sl_store_release_pass(e->st, it.ref, 1700000100, "bob", "QID3", "sluiced milter", &why),
			 SL_OK);
	/* no such item; a deleted one */
	assert_int_equal(sl_store_release_pass(e->st, "SL-0000-0000-0000-0000", 1, "x", "Q", "m", &why),
			 SL_ENOTFOUND);
	free(why);
	why = NULL;
	assert_int_equal(sl_store_delete(e->st, it.ref, "carol", "spam", NULL, &why), SL_OK);
	assert_int_equal(sl_store_release_pass(e->st, it.ref, 1700000200, "bob", "QID4", "sluiced milter", &why),
			 SL_ECONFLICT);
	assert_non_null(strstr(why, "was deleted"));
	free(why);
}

#define BACKEND_TESTS(setup_fn)                                                              \
	{                                                                                    \
		cmocka_unit_test_setup_teardown(test_migrations, setup_fn, teardown),        \
		cmocka_unit_test_setup_teardown(test_put_get, setup_fn, teardown),           \
		cmocka_unit_test_setup_teardown(test_list, setup_fn, teardown),              \
		cmocka_unit_test_setup_teardown(test_delete, setup_fn, teardown),            \
		cmocka_unit_test_setup_teardown(test_claims, setup_fn, teardown),            \
		cmocka_unit_test_setup_teardown(test_release_pass, setup_fn, teardown),      \
		cmocka_unit_test_setup_teardown(test_expire, setup_fn, teardown),            \
		cmocka_unit_test_setup_teardown(test_threads, setup_fn, teardown),           \
		cmocka_unit_test_setup_teardown(test_processes, setup_fn, teardown),         \
		cmocka_unit_test_setup_teardown(test_fresh_open_race, setup_fn, teardown),   \
		cmocka_unit_test_setup_teardown(test_killed_writer, setup_fn, teardown),     \
		cmocka_unit_test_setup_teardown(test_dropped_connection, setup_fn, teardown), \
		cmocka_unit_test_setup_teardown(test_statements_reused, setup_fn, teardown),  \
		cmocka_unit_test_setup_teardown(test_unreachable, setup_fn, teardown),       \
		cmocka_unit_test_setup_teardown(test_password_file, setup_fn, teardown),     \
	}

int main(void)
{
	const struct CMUnitTest common[] = { cmocka_unit_test(test_refs) };
	const struct CMUnitTest sqlite[] = BACKEND_TESTS(setup_sqlite);
	const struct CMUnitTest pg[] = BACKEND_TESTS(setup_pg);
	int failed = 0;
	sl_log_open("test_store", 0, SL_LOG_WARNING);
	failed += cmocka_run_group_tests_name("references", common, NULL, NULL);
	failed += cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
	failed += cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
	return failed;
}
