/*
 * sandbox - runs a parser we do not trust with our memory in a worker
 * process of its own, bounded in time and memory.
 *
 * A worker is this very program started again (/proc/self/exe) with the
 * arguments "--sluice-worker NAME": a constructor of the module that owns the
 * job (docs.c for "pdf") sees them with sl_sandbox_is_worker() and calls
 * sl_sandbox_serve(), which never returns. Exec, not fork: a fork of a
 * threaded process may inherit locks held by other threads (malloc's, the
 * sanitizers'); a fresh process has none, and the same binary means no
 * helper path to configure and no version skew after an upgrade.
 *
 * Idle workers wait in one pool for the whole process (at most 16): a job
 * takes one of its kind, or starts one, and gives it back after (a worker the
 * job killed is not given back). So the exec is paid once per job running at
 * the same time, not per document and not per thread: libmilter's worker
 * pool ends and starts threads as the load changes.
 *
 * Limits, per job:
 *   memory  the worker lowers its own RLIMIT_DATA to what it uses between
 *           jobs plus this budget before it reads the job; an allocation past
 *           it fails (C++ code sees std::bad_alloc). After a job that left
 *           the worker grown by more than half the budget, it exits and the
 *           next job starts a fresh one.
 *   time    the caller waits at most this long for the answer, then kills
 *           the worker (SIGKILL) and reaps it.
 *   output  an answer larger than this kills the worker too.
 *
 * Errors of sl_sandbox_run: SL_OK when the job ran (its own return code in
 * *job_rc, its output in out); SL_ETOOBIG when it ran past the time or output
 * limit; SL_ENGINE when the worker died during the job (a crash, an abort);
 * SL_EIO when no worker could be started or talked to. *why (caller frees)
 * says which, for people.
 *
 * Threads: sl_sandbox_run may be called from any number of threads at once;
 * jobs running at once use different workers.
 */
#ifndef SL_SANDBOX_H
#define SL_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct sl_sandbox_limits {
	uint64_t time_ms;   /* wall clock for one job, from sending to the last byte back */
	uint64_t memory;    /* bytes the worker may allocate for one job, its input included */
	size_t max_output;  /* largest answer accepted */
};

/* A job: reads in[0..n) (param is the caller's, e.g. a limit of its own),
 * appends its answer to out, returns 0 or SL_E*. */
typedef int (*sl_sandbox_job)(uint64_t param, const unsigned char *in, size_t n, struct sl_buf *out);

/* Runs job name on in[0..n) in this thread's worker; the answer is appended to out. */
int sl_sandbox_run(const char *name, const struct sl_sandbox_limits *lim, uint64_t param, const void *in,
		   size_t n, struct sl_buf *out, int *job_rc, char **why);

/* For a constructor: is this process the worker for name? */
int sl_sandbox_is_worker(int argc, char **argv, const char *name);
/* The worker's loop over stdin; ends the process (exit 0) when the caller goes away. */
void sl_sandbox_serve(sl_sandbox_job job) __attribute__((noreturn));

#endif
