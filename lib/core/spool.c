/* spool - see spool.h. */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct sl_spool {
	char *dir;
	size_t mem_max, max;
	unsigned char *mem;   /* the bytes while they are in memory */
	size_t len, alloc;
	int fd;               /* -1: in memory */
	void *map;            /* sl_spool_map of the file, or NULL */
	size_t maplen;
	int broken;           /* an add failed: refuse until reset */
};

struct sl_spool *sl_spool_new(const char *dir, size_t mem_max, size_t max)
{
	struct sl_spool *s = sl_xcalloc(1, sizeof(*s));
	s->dir = sl_xstrdup(dir);
	s->mem_max = mem_max;
	s->max = max;
	s->fd = -1;
	return s;
}

static void unmap(struct sl_spool *s)
{
	if (s->map != NULL)
		munmap(s->map, s->maplen);
	s->map = NULL;
	s->maplen = 0;
}

void sl_spool_reset(struct sl_spool *s)
{
	unmap(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->len = 0;
	s->broken = 0;
}

struct sl_spool *sl_spool_free(struct sl_spool *s)
{
	if (s == NULL)
		return NULL;
	sl_spool_reset(s);
	free(s->mem);
	free(s->dir);
	free(s);
	return NULL;
}

size_t sl_spool_len(const struct sl_spool *s)
{
	return s->len;
}

int sl_spool_in_file(const struct sl_spool *s)
{
	return s->fd >= 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* An unnamed file in dir, holding what memory held. */
static int to_file(struct sl_spool *s, char **why)
{
	int fd;
	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
		*why = sl_xasprintf("spool: cannot create %s: %s", s->dir, strerror(errno));
		return SL_EIO;
	}
	fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char *path = sl_xasprintf("%s/msg.XXXXXX", s->dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
		free(path);
	}
	if (fd < 0) {
		*why = sl_xasprintf("spool: cannot create a file in %s: %s", s->dir, strerror(errno));
		return SL_EIO;
	}
	if (write_all(fd, s->mem, s->len) != 0) {
		*why = sl_xasprintf("spool: cannot write to %s: %s", s->dir, strerror(errno));
		close(fd);
		return SL_EIO;
	}
	s->fd = fd;
	if (s->alloc > s->mem_max) { /* keep what a next message may use */
		free(s->mem);
		s->mem = NULL;
		s->alloc = 0;
	}
	return SL_OK;
}

int sl_spool_add(struct sl_spool *s, const void *p, size_t n, char **why)
{
	int rc;
	if (s->broken) {
		*why = sl_xstrdup("spool: an earlier write failed");
		return SL_EIO;
	}
	if (n > s->max - s->len) {
		*why = sl_xasprintf("spool: the message is larger than %zu bytes", s->max);
		return SL_ETOOBIG;
	}
	if (n == 0)
		return SL_OK;
	unmap(s);
	if (s->fd < 0 && s->len + n > s->mem_max) {
		rc = to_file(s, why);
		if (rc != SL_OK) {
			s->broken = 1;
			return rc;
		}
	}
	if (s->fd >= 0) {
		if (write_all(s->fd, p, n) != 0) {
			*why = sl_xasprintf("spool: cannot write to %s: %s", s->dir, strerror(errno));
			s->broken = 1;
			return SL_EIO;
		}
	} else {
		if (s->len + n > s->alloc) {
			size_t a = s->alloc ? s->alloc : 16384;
			while (a < s->len + n)
				a *= 2;
			if (a > s->mem_max)
				a = s->mem_max;
			s->mem = sl_xrealloc(s->mem, a);
			s->alloc = a;
		}
		memcpy(s->mem + s->len, p, n);
	}
	s->len += n;
	return SL_OK;
}

int sl_spool_map(struct sl_spool *s, const unsigned char **p, size_t *len, char **why)
{
	*len = s->len;
	if (s->fd < 0) {
		*p = s->mem != NULL ? s->mem : (const unsigned char *)"";
		return SL_OK;
	}
	if (s->map == NULL) {
		void *m = mmap(NULL, s->len, PROT_READ, MAP_PRIVATE, s->fd, 0);
		if (m == MAP_FAILED) {
			*why = sl_xasprintf("spool: cannot map the message: %s", strerror(errno));
			return SL_EIO;
		}
		s->map = m;
		s->maplen = s->len;
	}
	*p = s->map;
	return SL_OK;
}
