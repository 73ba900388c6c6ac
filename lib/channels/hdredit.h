/*
 * hdredit - a message's header block as a mail server shows it to a milter,
 * and the edits that turn it into another one.
 *
 * A milter never sees the header block as bytes: the mail server hands it
 * over field by field, a name and a value, and takes changes back the same
 * way (change or delete the Nth field of a name, insert a field at a
 * position, add one at the end). This module is that translation, with no
 * milter library in it (the milter front end calls it; tests call it
 * directly):
 *
 *  sl_hdr_field_line  the field as it stood in the message: "name:value"
 *                     and CRLF, every line end of a folded value as CRLF.
 *                     Postfix hands folded values with bare LF inside and,
 *                     with SMFIP_HDR_LEADSPC (milter protocol 6), the blanks
 *                     after the colon as they were; without that option one
 *                     space is assumed.
 *  sl_hdr_diff        the edits that turn the fields the milter saw into the
 *                     header block of a whole new message (the rewriter's
 *                     output or a placeholder), in the order they must be
 *                     applied: changes, then deletions (each name's highest
 *                     index first: a deletion renumbers the later fields of
 *                     its name, as Postfix and Sendmail count them), then
 *                     insertions at the top, then additions at the end.
 *
 * Matching: the Nth field of a name (ASCII case-insensitive, as the mail
 * servers compare names) in the old block stands for the Nth of that name in
 * the new one: equal values stay, different ones change, old ones past the
 * new count go, new ones past the old count come (at the top when they come
 * before every field that stays, else at the end). Fields named X-Sluice-*
 * are never matched: incoming ones are always deleted (a sender cannot forge
 * a verdict), the new message's are always inserted. Names in `keep` are
 * never changed or deleted (trace fields under a placeholder).
 *
 * Values in edits are what follows the colon, blanks included, with folds as
 * LF + blank (both servers take that). Nothing here fails; results are
 * malloc'd and freed with sl_hdr_ops_clear.
 */
#ifndef SL_HDREDIT_H
#define SL_HDREDIT_H

#include <stddef.h>

#include "util.h"

/* One field as the mail server showed it (borrowed bytes). */
struct sl_hdr_field {
	const char *name;
	size_t name_len;
	const char *value; /* after the colon; folds as LF or CRLF */
	size_t value_len;
};

/* Appends "name:value\r\n" to out (lead_space 0: "name: value\r\n" with the
 * value's leading blanks dropped); bare LFs in value become CRLF. Returns
 * what sl_buf_add returns (SL_ETOOBIG past out's cap). */
int sl_hdr_field_line(const char *name, const char *value, int lead_space, struct sl_buf *out);

enum sl_hdr_op_kind {
	SL_HDR_CHANGE, /* the index-th field named name gets value */
	SL_HDR_DELETE, /* the index-th field named name goes */
	SL_HDR_INSERT, /* a field at position index from the top (0: first) */
	SL_HDR_ADD,    /* a field at the end */
};

struct sl_hdr_op {
	enum sl_hdr_op_kind kind;
	char *name;
	int index;     /* CHANGE, DELETE: 1-based among the fields of name; INSERT: 0-based position */
	char *value;   /* CHANGE, INSERT, ADD; NULL for DELETE */
};

struct sl_hdr_ops {
	struct sl_hdr_op *v;
	size_t n, alloc;
};

/* The edits from orig[0..norig) to the header block of msg[0..len) (up to
 * its first empty line); keep: NULL-terminated names, or NULL. */
void sl_hdr_diff(const struct sl_hdr_field *orig, size_t norig, const unsigned char *msg, size_t len,
		 const char *const *keep, struct sl_hdr_ops *out);
void sl_hdr_ops_clear(struct sl_hdr_ops *o);

#endif
