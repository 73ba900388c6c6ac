/*
 * mimelines - the raw lines of a MIME message as the most permissive common
 * readers see them: where a multipart's delimiters are, which lines are
 * almost delimiters, where a lone CR breaks a line for some readers, and a
 * quoted-printable decoder that strips transport padding the way RFC 2045
 * asks (GMime keeps "= " as text).
 *
 * GMime is strict: a delimiter is "--boundary" followed only by blanks, a
 * line ends at LF. Other readers take "--boundary" as a prefix of a line
 * (RFC 2046 tells implementors to), compare boundaries without case, cut
 * long boundaries, or end lines at a lone CR. The parse stage uses these
 * functions to find the lines where such readings part.
 *
 * Functions work on borrowed buffers, never allocate except where they
 * return memory (caller frees), and are linear in the bytes they look at.
 */
#ifndef SL_MIMELINES_H
#define SL_MIMELINES_H

#include <stddef.h>
#include <stdint.h>

#include "mimeparam.h"

/* Longest boundary RFC 2046 allows; readers may cut longer ones there. */
#define SL_MIMELINES_BOUNDARY_MAX 70

struct sl_delim_scan {
	int64_t close_start; /* first byte of the closing delimiter line, -1 none */
	int64_t close_end;   /* just after that line */
	int64_t near;        /* first line some reader takes as a delimiter and GMime
			      * does not (a prefix, another case, a cut or otherwise
			      * read boundary, a delimiter followed by \f or \v, one
			      * dash and a byte or two before the boundary), -1 none */
	int64_t reopened;    /* first delimiter line after the closing one, -1 none */
};

/* Scans the lines of buf[from, to) for delimiters of `boundary` (GMime's
 * reading) and of its other readings (readings[0..n), may be 0). Lines
 * start after an LF (and at `from`). */
void sl_mimelines_delimiters(const unsigned char *buf, size_t from, size_t to, const char *boundary,
			     char *const *readings, size_t nreadings, struct sl_delim_scan *out);

/* Offset of the first line of buf[from, to) that starts with "--" and one of
 * the readings (without case, cut at the RFC maximum), or -1. */
int64_t sl_mimelines_find_delimiter(const unsigned char *buf, size_t from, size_t to,
				    char *const *readings, size_t nreadings);

/*
 * Text that holds MIME parts, as ripmime reads it: a line "--B" directly
 * followed by a Content-* field is a delimiter of a multipart it makes up
 * (a lost Content-Type, a bounce quoting the returned message: munpack does
 * the same), and a paragraph that holds a Content-* field is peeled off as the
 * headers of a part. Returns the message ripmime reads there, malloc'd with
 * its length in *len: the content under a made-up multipart/mixed header with
 * boundary B (printable ASCII or 8-bit bytes without quotes or backslashes,
 * at most 200 bytes; an 8-bit B is replaced by an ASCII one in the lines
 * that start with "--B"), or else the first such paragraph's header fields (and their folded
 * lines), a blank line and all that follows the paragraph. NULL when there is
 * neither. Binary content is read the same way (ripmime reads lines of
 * anything).
 */
unsigned char *sl_mimelines_quoted_mail(const unsigned char *p, size_t n, size_t *len);

/* Offset of the first CR in buf[from, to) that is not followed by LF, or -1.
 * With dashes set, only such a CR that is followed by "--" counts (a hidden
 * delimiter line for readers that end lines at a lone CR). */
int64_t sl_mimelines_lone_cr(const unsigned char *buf, size_t from, size_t to, int dashes);

/* Where the header block that starts at `from` ends: the offset just after
 * its empty line, or len when there is none. */
size_t sl_mimelines_block_end(const unsigned char *buf, size_t len, size_t from);

/* 1 when a quoted-printable body has a line whose '=' is followed only by
 * blanks: a soft line break with transport padding that GMime keeps as text. */
int sl_mimelines_qp_padded(const unsigned char *p, size_t n);

/* Decodes quoted-printable as RFC 2045 6.7 asks: trailing blanks of each
 * line dropped, "=" at the end of a line a soft break, "=XX" (either case) a
 * byte, any other '=' kept. *out is malloc'd (NUL past the end); returns its
 * length. */
size_t sl_mimelines_qp_decode(const unsigned char *p, size_t n, unsigned char **out);

/* Decodes a body as a permissive reader does for transfer encoding cte:
 * base64 from the raw bytes (characters outside the alphabet skipped),
 * quoted-printable by sl_mimelines_qp_decode (or NULL when qp_done says
 * GMime's decoding already is that reading, no padded soft break being
 * there), uuencode ("uue" and friends) as the first file of the body with
 * *name set to its name (caller frees). NULL for SL_CTE_IDENTITY or a body
 * with nothing to decode; else malloc'd with a NUL past *len. */
unsigned char *sl_mimelines_decode(enum sl_cte cte, int qp_done, const unsigned char *body,
				   size_t n, size_t *len, char **name);

enum sl_mail_kind { SL_MAIL_NONE, SL_MAIL_MESSAGE, SL_MAIL_MBOX };

/* What makes a part's content a message: a part declared as one needs only a
 * header line first; an attachment two header fields that mail has (a file
 * that merely starts with "Key: value" is no message). */
enum sl_mail_evidence { SL_MAIL_DECLARED, SL_MAIL_ATTACHED };

/* Does p[0..n) hold a message a reader would parse: a header block, after an
 * mbox "From " line (which makes it a mailbox)? */
enum sl_mail_kind sl_mimelines_mail_kind(const unsigned char *p, size_t n,
					 enum sl_mail_evidence ev);

/* The fields that decide how a part is read, in the order of
 * sl_mimelines_odd_field's `which`. */
#define SL_MIMELINES_READING_FIELDS {"content-type", "content-transfer-encoding", "content-disposition"}

/*
 * A line of the header block buf[*pos, to) whose field name holds one of the
 * reading fields without being it ("X-Content-Type", "Content-Type)",
 * "XContent-Disposition", or the name with a blank instead of the colon):
 * ripmime takes such a line for that field. Folded lines are skipped.
 * Returns 1 and sets *which (index in SL_MIMELINES_READING_FIELDS) and the
 * value (the rest of the line after the colon or blank, trimmed, without
 * folded lines) in value[0..*vlen); *pos moves past the line. Returns 0 at
 * the end of the block (the first empty line).
 */
int sl_mimelines_odd_field(const unsigned char *buf, size_t *pos, size_t to, int *which,
			   const unsigned char **value, size_t *vlen);

#endif
