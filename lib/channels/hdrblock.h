/*
 * hdrblock - the top-level header block of a raw RFC 5322 message, line by
 * line and field by field, for the code that copies it (rewrite.c) and the
 * code that reads the fields identifying a message (notice.c).
 *
 * The block ends at the first empty line, or at the end of the message when
 * there is none. It is cut into items: a header field (its first line and
 * every folded line after it) or a line that is no header field at all
 * (kept so that a copy loses nothing; the parse stage reports such lines).
 * A field name is printable ASCII up to the colon; blanks before the colon
 * (obsolete syntax) are not part of the name.
 *
 * Nothing here allocates except sl_hdr_value(); nothing fails.
 */
#ifndef SL_HDRBLOCK_H
#define SL_HDRBLOCK_H

#include <stddef.h>

struct sl_hdr_item {
	size_t start, end;   /* its bytes in raw, line ends included */
	int is_field;        /* 0: a line that is no header field */
	size_t name_len;     /* the name is raw[start, start + name_len) */
	size_t value_start;  /* after the colon */
	size_t value_end;    /* before the last line end */
};

/* Offset of the blank line that ends the header block (raw_len when there is
 * none); *body_start is where the body begins, after that line. */
size_t sl_hdr_block_end(const unsigned char *raw, size_t len, size_t *body_start);

/* Length of an mbox "From " separator line at the very start of raw (its
 * line end included), or 0. Readers take it for no header; a copy keeps it
 * first, or it becomes a bad header line under what we add on top. */
size_t sl_hdr_mbox_line(const unsigned char *raw, size_t len);

/* The item at *pos (start with 0) in a block ending at end: 1 and *pos moved
 * past it, or 0 when the block is done. */
int sl_hdr_next(const unsigned char *raw, size_t end, size_t *pos, struct sl_hdr_item *it);

/* 1 when the item is a field named name (ASCII case-insensitive). */
int sl_hdr_is(const unsigned char *raw, const struct sl_hdr_item *it, const char *name);

/* The unfolded value of the first field named name in the top header block,
 * surrounding blanks trimmed, or NULL; caller frees. Not decoded. */
char *sl_hdr_value(const unsigned char *raw, size_t len, const char *name);

#endif
