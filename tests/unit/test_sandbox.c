/*
 * test_sandbox - worker processes bounded in time and memory: this test
 * program is its own worker (a constructor below serves the jobs when started
 * as "--sluice-worker NAME"). A worker answers and is reused, also by
 * another thread once the first is done with it (workers wait in one pool,
 * not per thread), replaced when it was killed while idle; two jobs at once
 * get two workers; a job past the time limit is killed
 * and the next job gets a fresh worker; a crash is reported as such; an
 * allocation past the memory budget fails inside the worker; an answer
 * past the output limit is refused; a worker that grew by more than half its
 * budget is replaced after its answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <glib.h>

#include "sandbox.h"
#include "util.h"

static int echo_job(uint64_t param, const unsigned char *in, size_t n, struct sl_buf *out)
{
	sl_buf_printf(out, "%ld:", (long)getpid());
	sl_buf_add(out, in, n);
	return (int)param;
}

static int sleep_job(uint64_t param, const unsigned char *in, size_t n, struct sl_buf *out)
{
	sleep(60);
	return SL_OK;
}

/* Waits param milliseconds, then answers with its pid. */
static int slow_job(uint64_t param, const unsigned char *in, size_t n, struct sl_buf *out)
{
	g_usleep((gulong)param * 1000);
	sl_buf_printf(out, "%ld", (long)getpid());
	return SL_OK;
}

static int crash_job(uint64_t param, const unsigned char *in, size_t n, struct sl_buf *out)
{
	abort();
}

static char *kept; /* what alloc_job keeps, so that the worker stays grown */

/* Allocates and touches param bytes; keeps them when the input says "keep". */
static int alloc_job(uint64_t param, const unsigned char *in, size_t n, struct sl_buf *out)
{
	char *p = malloc(param);
	if (p == NULL)
		return SL_ETOOBIG;
	memset(p, 1, param);
	sl_buf_printf(out, "%ld", (long)getpid());
	if (n == 4 && memcmp(in, "keep", 4) == 0)
		kept = p;
	else
		free(p);
	return SL_OK;
}

__attribute__((constructor)) static void workers(int argc, char **argv, char **envp)
{
	if (sl_sandbox_is_worker(argc, argv, "test-echo"))
		sl_sandbox_serve(echo_job);
	if (sl_sandbox_is_worker(argc, argv, "test-sleep"))
		sl_sandbox_serve(sleep_job);
	if (sl_sandbox_is_worker(argc, argv, "test-slow"))
		sl_sandbox_serve(slow_job);
	if (sl_sandbox_is_worker(argc, argv, "test-crash"))
		sl_sandbox_serve(crash_job);
	if (sl_sandbox_is_worker(argc, argv, "test-alloc"))
		sl_sandbox_serve(alloc_job);
}

static const struct sl_sandbox_limits lim = { 10000, 64 << 20, 1 << 20 };

/* Runs the echo job; returns the worker's pid. */
static long echo(const char *text)
{
	struct sl_buf out;
	char *why = NULL, *colon;
	int job_rc = -1;
	long pid;
	sl_buf_init(&out, 0);
	if (sl_sandbox_run("test-echo", &lim, 0, text, strlen(text), &out, &job_rc, &why) != SL_OK)
		fail_msg("echo: %s", why);
	assert_int_equal(job_rc, SL_OK);
	colon = strchr(out.data, ':');
	assert_non_null(colon);
	assert_string_equal(colon + 1, text);
	pid = strtol(out.data, NULL, 10);
	assert_true(pid > 0 && pid != (long)getpid());
	sl_buf_free(&out);
	return pid;
}

static void test_echo_reused(void **state)
{
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0;
	long a = echo("hello"), b = echo("again");
	assert_int_equal(a, b); /* the worker is kept */

	/* The job's own return code comes back. */
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-echo", &lim, (uint64_t)(uint32_t)SL_EPARSE, "x", 1, &out,
					&job_rc, &why), SL_OK);
	assert_int_equal(job_rc, SL_EPARSE);
	sl_buf_free(&out);
	/* Binary input, NUL bytes included, and an empty one. */
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-echo", &lim, 0, "a\0b", 3, &out, &job_rc, &why), SL_OK);
	assert_memory_equal(strchr(out.data, ':') + 1, "a\0b", 3);
	sl_buf_free(&out);
	assert_int_equal(echo(""), a);
}

/* A worker killed while it waits (the OOM killer, an operator): the next job
 * goes to a fresh one instead of failing. */
static void test_killed_while_idle(void **state)
{
	long a = echo("before"), b;
	assert_int_equal(kill((pid_t)a, SIGKILL), 0);
	g_usleep(100 * 1000);
	b = echo("after");
	assert_true(b != a);
}

static gpointer other_thread(gpointer p)
{
	return GINT_TO_POINTER((int)echo("from another thread"));
}

static gpointer slow_thread(gpointer p)
{
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0;
	long pid;
	sl_buf_init(&out, 0);
	if (sl_sandbox_run("test-slow", &lim, 400, "", 0, &out, &job_rc, &why) != SL_OK)
		fail_msg("slow: %s", why);
	pid = strtol(out.data, NULL, 10);
	sl_buf_free(&out);
	return GINT_TO_POINTER((int)pid);
}

/* Workers wait in one pool: a thread that ended leaves its worker to the
 * next (libmilter's pool ends and starts threads), and jobs at the same time
 * get workers of their own. */
static void test_pool(void **state)
{
	long mine = echo("main");
	GThread *t = g_thread_new("other", other_thread, NULL), *a, *b;
	long theirs = GPOINTER_TO_INT(g_thread_join(t)), pa, pb;
	assert_int_equal(theirs, mine);
	a = g_thread_new("slow-a", slow_thread, NULL);
	b = g_thread_new("slow-b", slow_thread, NULL);
	pa = GPOINTER_TO_INT(g_thread_join(a));
	pb = GPOINTER_TO_INT(g_thread_join(b));
	assert_true(pa > 0 && pb > 0);
	assert_true(pa != pb);
	/* both wait now; the next slow job takes one of them */
	t = g_thread_new("slow-c", slow_thread, NULL);
	theirs = GPOINTER_TO_INT(g_thread_join(t));
	assert_true(theirs == pa || theirs == pb);
}

static void test_time_limit(void **state)
{
	struct sl_sandbox_limits quick = lim;
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0;
	gint64 t0 = g_get_monotonic_time();

	quick.time_ms = 300;
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-sleep", &quick, 0, "z", 1, &out, &job_rc, &why), SL_ETOOBIG);
	assert_non_null(strstr(why, "longer than 300 ms"));
	assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
	free(why);
	sl_buf_free(&out);
	echo("after a timeout"); /* a fresh worker */
}

static void test_crash(void **state)
{
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0;
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-crash", &lim, 0, "z", 1, &out, &job_rc, &why), SL_ENGINE);
	assert_non_null(strstr(why, "signal 6"));
	free(why);
	sl_buf_free(&out);
	echo("after a crash");
}

static void test_memory_limit(void **state)
{
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0, rc;
	long a, b;

	/* Within the budget. */
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-alloc", &lim, 8 << 20, "free", 4, &out, &job_rc, &why), SL_OK);
	assert_int_equal(job_rc, SL_OK);
	sl_buf_free(&out);

	/* Four times the budget: the allocation fails (also under ASan: see sandbox.c). */
	sl_buf_init(&out, 0);
	rc = sl_sandbox_run("test-alloc", &lim, 256 << 20, "free", 4, &out, &job_rc, &why);
	assert_int_equal(rc, SL_OK);
	assert_int_equal(job_rc, SL_ETOOBIG);
	sl_buf_free(&out);

	/* A job that leaves the worker 40 MiB larger: the worker goes after answering. */
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-alloc", &lim, 40 << 20, "keep", 4, &out, &job_rc, &why), SL_OK);
	assert_int_equal(job_rc, SL_OK);
	a = strtol(out.data, NULL, 10);
	sl_buf_free(&out);
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-alloc", &lim, 1 << 20, "free", 4, &out, &job_rc, &why), SL_OK);
	b = strtol(out.data, NULL, 10);
	sl_buf_free(&out);
	assert_true(a > 0 && b > 0 && a != b);
	/* ... and one that frees what it took stays. */
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-alloc", &lim, 20 << 20, "free", 4, &out, &job_rc, &why), SL_OK);
	assert_int_equal(strtol(out.data, NULL, 10), b);
	sl_buf_free(&out);
}

static void test_output_limit(void **state)
{
	struct sl_sandbox_limits small = lim;
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0;
	small.max_output = 10;
	sl_buf_init(&out, 0);
	assert_int_equal(sl_sandbox_run("test-echo", &small, 0, "a long enough answer", 20, &out, &job_rc, &why),
			 SL_ETOOBIG);
	assert_non_null(strstr(why, "more than 10 bytes"));
	free(why);
	sl_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_reused),
		cmocka_unit_test(test_killed_while_idle),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_output_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
