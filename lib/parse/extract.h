/*
 * extract - files hidden inside other parts that are not MIME parts of their
 * own: uuencoded blocks inside text, and the attachments of a TNEF
 * (winmail.dat) blob. Each found file becomes an sl_extracted the caller owns.
 *
 * Limits: at most max_files files and max_bytes decoded bytes in all; past
 * either the functions stop and return SL_ETOOBIG with what they found so far.
 * Malformed input is SL_EPARSE with a reason; never a crash, never unbounded
 * work (linear in the input).
 *
 * Found files are appended to *out (start it as {0}); on any result, errors
 * included, *out holds every file completed before the stop, and the caller
 * frees it with sl_extract_list_clear(). The limits count only what one call
 * adds; 0 means none allowed. A file cut by max_bytes is dropped, not kept
 * truncated. *why (may be NULL) is set only on an error, caller frees.
 * uuencode: SL_EPARSE only when "begin" lines were seen and none of them held
 * decodable data; a block without "end" ends after its last encoded line.
 * TNEF: SL_EPARSE for a damaged stream or MAPI property list, with the
 * attachments read up to the damage in *out; checksums are not enforced. An
 * embedded message comes out as a file whose data is TNEF again (sl_tnef_is);
 * recursing is the caller's choice, with its own depth limit.
 */
#ifndef SL_EXTRACT_H
#define SL_EXTRACT_H

#include <stddef.h>

struct sl_extracted {
	char *name;          /* file name as given (may be NULL), UTF-8 where known */
	unsigned char *data; /* decoded bytes */
	size_t len;
	size_t begin, end;   /* uuencode: byte range of the block ("begin" line to after "end") in the text */
};

struct sl_extract_list {
	struct sl_extracted *v;
	size_t n;
};

/* Finds "begin NNN name" ... "end" blocks in text[0..len). "begin" and "end"
 * are matched in any case and may be followed by tabs, as permissive
 * decoders (ripmime) read them. */
int sl_uu_extract(const char *text, size_t len, size_t max_files, size_t max_bytes,
		  struct sl_extract_list *out, char **why);

/* 1 when some line of text[0..len) starts with "begin" (any case) and a
 * blank or "-": a quick test before sl_uu_extract. */
int sl_uu_maybe(const char *text, size_t len);

/* Parses a TNEF stream (signature 0x223E9F78) and returns its attachments. */
int sl_tnef_extract(const unsigned char *p, size_t len, size_t max_files, size_t max_bytes,
		    struct sl_extract_list *out, char **why);

/* Returns non-zero when p starts with the TNEF signature. */
int sl_tnef_is(const unsigned char *p, size_t len);

void sl_extract_list_clear(struct sl_extract_list *l);

#endif
