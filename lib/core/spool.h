/*
 * spool - one message's bytes as they arrive in pieces (a milter's header
 * fields and body chunks): in memory up to mem_max bytes, then in an
 * unlinked temporary file under dir (O_TMPFILE, or mkstemp + unlink where the
 * file system has no O_TMPFILE), read back whole with mmap. Nothing is left
 * on disk whatever happens to the process: the file has no name.
 *
 * Limits: at most max bytes in all (SL_ETOOBIG past it, nothing added);
 * memory grows by doubling up to mem_max. A spool is used by one thread at a
 * time; reset it between messages to reuse its memory.
 *
 * Errors: SL_ETOOBIG (max), SL_EIO with *why when the file cannot be made
 * or written (disk full, dir not writable): the caller's message is a
 * temporary failure. A failed add leaves the spool unusable until reset.
 */
#ifndef SL_SPOOL_H
#define SL_SPOOL_H

#include <stddef.h>

struct sl_spool;

/* dir is created (mode 0700) when the first file is needed. */
struct sl_spool *sl_spool_new(const char *dir, size_t mem_max, size_t max);
struct sl_spool *sl_spool_free(struct sl_spool *s); /* returns NULL */

int sl_spool_add(struct sl_spool *s, const void *p, size_t n, char **why);
size_t sl_spool_len(const struct sl_spool *s);
/* 1 when the bytes went to a file. */
int sl_spool_in_file(const struct sl_spool *s);
/* The whole content, contiguous and read-only, valid until the next add,
 * reset or free. */
int sl_spool_map(struct sl_spool *s, const unsigned char **p, size_t *len, char **why);
/* Empties the spool for the next message (drops the file and the mapping;
 * keeps memory up to mem_max for reuse). */
void sl_spool_reset(struct sl_spool *s);

#endif
