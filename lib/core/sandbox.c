/* sandbox - see sandbox.h. */
#include <glib.h>

#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKER_FLAG "--sluice-worker"
#define REQ 24          /* request header: u64 length, u64 memory, u64 parameter */
#define ANS 16          /* answer header: i32 rc, u32 flags, u64 length */
#define F_EXITING 1u    /* answer flag: the worker ends after this job */

extern char **environ;

/* ---- the worker ----------------------------------------------------------- */

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The kernel's count of this process's data pages (what RLIMIT_DATA limits,
 * plus the stack), in bytes; 0 when unknown. statm: one short line, cheap. */
static uint64_t data_bytes(void)
{
	char line[256];
	unsigned long long f[6] = { 0 };
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	if (sscanf(line, "%llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]) != 6)
		return 0;
	return (uint64_t)f[5] * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Reads or writes all n bytes on a blocking descriptor; -1 on EOF or error. */
static int full(int fd, void *p, size_t n, int writing)
{
	unsigned char *c = p;
	while (n > 0) {
		ssize_t r = writing ? write(fd, c, n) : read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int sl_sandbox_is_worker(int argc, char **argv, const char *name)
{
	return argc == 3 && argv != NULL && strcmp(argv[1], WORKER_FLAG) == 0 && strcmp(argv[2], name) == 0;
}

void sl_sandbox_serve(sl_sandbox_job job)
{
	unsigned char hdr[REQ];
	uint64_t base;

	/* Nothing of the caller's but the socket on stdin. */
	if (close_range(3, ~0u, 0) != 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	base = data_bytes();
	for (;;) {
		struct rlimit rl;
		struct sl_buf out;
		unsigned char *in;
		uint64_t len, mem, param, now;
		unsigned flags = 0;
		int rc;

		if (full(0, hdr, REQ, 0) != 0)
			_exit(0); /* the caller went away */
		len = get64(hdr);
		mem = get64(hdr + 8);
		param = get64(hdr + 16);
		now = data_bytes();
		if (getrlimit(RLIMIT_DATA, &rl) == 0 && now > 0) {
			/* The soft limit moves with each job: what we use now plus its budget. */
			rl.rlim_cur = now + mem < rl.rlim_max ? now + mem : rl.rlim_max;
			if (setrlimit(RLIMIT_DATA, &rl) != 0)
				_exit(3);
		}
		in = malloc(len ? len : 1);
		if (in == NULL) {
			rc = SL_ETOOBIG;
			/* drain the request so that the answer lines up */
			for (unsigned char sink[4096]; len > 0;) {
				size_t k = len < sizeof(sink) ? (size_t)len : sizeof(sink);
				if (full(0, sink, k, 0) != 0)
					_exit(0);
				len -= k;
			}
			sl_buf_init(&out, 0);
		} else {
			if (full(0, in, len, 0) != 0)
				_exit(0);
			sl_buf_init(&out, 0);
			rc = job(param, in, len, &out);
			free(in);
		}
		if (base > 0 && data_bytes() > base + mem / 2) {
			malloc_trim(0);
			if (data_bytes() > base + mem / 2)
				flags |= F_EXITING; /* grown: a fresh worker for the next job */
		}
		put64(hdr, (uint64_t)(uint32_t)rc | (uint64_t)flags << 32);
		put64(hdr + 8, out.len);
		if (full(0, hdr, ANS, 1) != 0 || full(0, out.data ? out.data : (char *)"", out.len, 1) != 0)
			_exit(0);
		sl_buf_free(&out);
		if (flags & F_EXITING)
			_exit(0);
	}
}

/* ---- the caller --------------------------------------------------------- */

struct worker {
	pid_t pid;
	int fd;
	char *name;
};

/* Ends a worker: close its socket (it exits on EOF), kill it when asked, reap it.
 * Returns its wait status. */
static int worker_end(struct worker *w, int kill_it)
{
	int st = 0;
	if (w->pid <= 0)
		return 0;
	if (kill_it)
		kill(w->pid, SIGKILL);
	close(w->fd);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	w->fd = -1;
	return st;
}

static void worker_free(struct worker *w)
{
	worker_end(w, 0);
	free(w->name);
	free(w);
}

/* Idle workers, shared by every thread: a job takes one and gives it back.
 * Not kept per thread: a thread pool that starts and ends threads as the
 * load changes (libmilter's) would start a worker (an exec of the whole
 * program, tens of milliseconds) again and again. At most POOL_IDLE_MAX wait;
 * more are ended when they come back. */
#define POOL_IDLE_MAX 16

static GMutex pool_lock;
static struct worker *pool[POOL_IDLE_MAX];
static size_t pool_n;

static struct worker *pool_take(const char *name)
{
	struct worker *w = NULL, *stale = NULL;
	size_t i;
	g_mutex_lock(&pool_lock);
	for (i = pool_n; i-- > 0;) {
		if (strcmp(pool[i]->name, name) == 0) {
			w = pool[i];
			pool[i] = pool[--pool_n];
			break;
		}
	}
	if (w == NULL && pool_n == POOL_IDLE_MAX) {
		stale = pool[0]; /* another job's kind: make room */
		pool[0] = pool[--pool_n];
	}
	g_mutex_unlock(&pool_lock);
	if (stale != NULL)
		worker_free(stale);
	if (w == NULL) {
		w = sl_xcalloc(1, sizeof(*w));
		w->fd = -1;
	}
	return w;
}

static void pool_give(struct worker *w)
{
	if (w->pid > 0) {
		g_mutex_lock(&pool_lock);
		if (pool_n < POOL_IDLE_MAX) {
			pool[pool_n++] = w;
			w = NULL;
		}
		g_mutex_unlock(&pool_lock);
	}
	if (w != NULL)
		worker_free(w);
}

#if defined(__SANITIZE_ADDRESS__)
#define SL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_ASAN 1
#endif
#endif

/* The worker's environment. Under AddressSanitizer (tests), a failed
 * allocation aborts by default; the worker is told to return NULL instead,
 * as malloc does in a production build, so that tests see what production
 * does when a job hits its memory limit. */
static char **worker_env(void)
{
#ifdef SL_ASAN
	GStrv env = g_get_environ();
	const char *old = g_environ_getenv(env, "ASAN_OPTIONS");
	char *opts = g_strdup_printf("%s%sallocator_may_return_null=1", old ? old : "", old && *old ? ":" : "");
	env = g_environ_setenv(env, "ASAN_OPTIONS", opts, TRUE);
	g_free(opts);
	return env;
#else
	return g_strdupv(environ);
#endif
}

static int worker_start(struct worker *w, const char *name, char **why)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "sluice-worker", WORKER_FLAG, (char *)name, NULL };
	char **env;
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		*why = sl_xasprintf("cannot make a socket pair for the %s worker: %s", name, strerror(errno));
		return SL_EIO;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0); /* dup2 clears close-on-exec */
	env = worker_env();
	rc = posix_spawn(&w->pid, "/proc/self/exe", &fa, NULL, argv, env);
	g_strfreev(env);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		w->pid = 0;
		*why = sl_xasprintf("cannot start the %s worker: %s", name, strerror(rc));
		return SL_EIO;
	}
	w->fd = sv[0];
	free(w->name);
	w->name = sl_xstrdup(name);
	return SL_OK;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Moves n bytes to (sending) or from the worker before the deadline.
 * Returns 0, SL_ETOOBIG at the deadline, SL_EIO when the worker is gone. */
static int xfer(int fd, int sending, void *p, size_t n, int64_t deadline)
{
	unsigned char *c = p;
	while (n > 0) {
		struct pollfd pf = { fd, sending ? POLLOUT : POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t r;
		if (left <= 0)
			return SL_ETOOBIG;
		r = poll(&pf, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return SL_EIO;
		if (r == 0)
			return SL_ETOOBIG;
		r = sending ? send(fd, c, n, MSG_NOSIGNAL) : recv(fd, c, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return SL_EIO;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static char *describe_end(const char *name, int st)
{
	if (WIFSIGNALED(st))
		return sl_xasprintf("the %s worker died (signal %d)", name, WTERMSIG(st));
	return sl_xasprintf("the %s worker ended (exit status %d)", name, WEXITSTATUS(st));
}

/* One job on worker w (taken from the pool, or fresh); see sl_sandbox_run. */
static int run_on(struct worker *w, const char *name, const struct sl_sandbox_limits *lim, uint64_t param,
		  const void *in, size_t n, struct sl_buf *out, int *job_rc, char **why)
{
	unsigned char hdr[REQ];
	int64_t deadline = now_ms() + (int64_t)lim->time_ms;
	uint64_t len, word;
	int rc;

	if (w->pid > 0) {
		/* An idle worker never speaks first: anything readable is its end
		 * (killed while idle), and the job goes to a fresh one. */
		struct pollfd pf = { w->fd, POLLIN, 0 };
		if (poll(&pf, 1, 0) != 0)
			worker_end(w, 1);
	}
	if (w->pid <= 0 && (rc = worker_start(w, name, why)) != SL_OK)
		return rc;
	put64(hdr, n);
	put64(hdr + 8, lim->memory);
	put64(hdr + 16, param);
	rc = xfer(w->fd, 1, hdr, REQ, deadline);
	if (rc == 0)
		rc = xfer(w->fd, 1, (void *)in, n, deadline);
	if (rc == 0)
		rc = xfer(w->fd, 0, hdr, ANS, deadline);
	if (rc == SL_ETOOBIG) {
		worker_end(w, 1);
		*why = sl_xasprintf("the %s worker took longer than %" PRIu64 " ms", name, lim->time_ms);
		return SL_ETOOBIG;
	}
	if (rc != 0) {
		*why = describe_end(name, worker_end(w, 1));
		return SL_ENGINE;
	}
	word = get64(hdr);
	len = get64(hdr + 8);
	if (len > lim->max_output) {
		worker_end(w, 1);
		*why = sl_xasprintf("the %s worker answered more than %zu bytes", name, lim->max_output);
		return SL_ETOOBIG;
	}
	{
		unsigned char *body = sl_xmalloc(len ? (size_t)len : 1);
		rc = xfer(w->fd, 0, body, (size_t)len, deadline);
		if (rc == 0)
			sl_buf_add(out, body, (size_t)len);
		free(body);
	}
	if (rc != 0) {
		if (rc == SL_ETOOBIG) {
			worker_end(w, 1);
			*why = sl_xasprintf("the %s worker took longer than %" PRIu64 " ms", name, lim->time_ms);
			return SL_ETOOBIG;
		}
		*why = describe_end(name, worker_end(w, 1));
		return SL_ENGINE;
	}
	*job_rc = (int)(int32_t)(uint32_t)(word & 0xffffffffu);
	if ((word >> 32) & F_EXITING)
		worker_end(w, 0);
	return SL_OK;
}

int sl_sandbox_run(const char *name, const struct sl_sandbox_limits *lim, uint64_t param, const void *in,
		   size_t n, struct sl_buf *out, int *job_rc, char **why)
{
	struct worker *w = pool_take(name);
	int rc;
	*job_rc = 0;
	rc = run_on(w, name, lim, param, in, n, out, job_rc, why);
	pool_give(w); /* a worker that ended is freed, a live one waits for the next job */
	return rc;
}
