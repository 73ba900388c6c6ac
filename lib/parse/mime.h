/*
 * mime - the parse stage: turns the raw RFC 5322 message of an sl_msg into
 * parts with GMime 3.
 *
 * Every leaf is decoded (base64, quoted-printable, uuencode CTE); multipart
 * and message/rfc822 are walked to limits.mime_depth; file names come
 * RFC 2047/2231-decoded from Content-Disposition filename and Content-Type
 * name (both kept when they differ). Uuencoded blocks inside parts and the
 * attachments of TNEF (winmail.dat) parts become parts of their own. Each
 * MIME part records its byte ranges in the raw message so the rewriter can
 * splice the original bytes.
 *
 * sluice is not the program that shows the mail, so every message is read at
 * least as suspiciously as any common reader would read it (Python's email,
 * ripmime, munpack, neomutt; tests/integration/differential.py):
 *  - every name a reader could show goes into sl_part.names (raw, decoded,
 *    broken RFC 2231, comments kept and dropped, after a missing ';', lost
 *    with a Content-Type GMime cannot read), for the type stage to judge;
 *  - a transfer encoding that is almost a token ("base64;", "x-uue") and a
 *    quoted-printable soft break with padding are decoded the permissive way;
 *  - a leaf that holds mail (every message/\* type, text/rfc822-headers, a
 *    base64 message/rfc822, an attached message or mailbox, content holding
 *    MIME parts with no multipart around them, a paragraph of part headers
 *    in text) is parsed as mail, recursively within limits.mime_depth: its
 *    parts (origin SL_ORIGIN_MAIL, ids HOST/1.N) are removed by removing the
 *    leaf that holds them;
 *  - uuencode opened with "BEGIN", "begin<TAB>" or a mode that is not octal is
 *    decoded, in any part, stray bytes in its lines as ripmime decodes them.
 *
 * Ambiguity is a finding, never a guess (structure/structure): headers that
 * decide how a part is read (Content-Type, Content-Transfer-Encoding,
 * Content-Disposition, MIME-Version) repeated with different values, a
 * multipart without boundary or without its closing delimiter, a line some
 * reader takes as a delimiter and GMime does not (a prefix or case variant of
 * the boundary, \f or \v after it, a cut long boundary, a boundary read
 * another way from its parameter), delimiters after the closing one, a lone
 * CR in a header block or before "--", a leaf with delimiter lines of its
 * boundary parameter, a message part with an encoding only some readers
 * decode, NUL bytes, and every GMime warning about a header or structure
 * except those the differential test shows read alike (see on_warning).
 * Duplicated To, Cc, Subject or Date headers are no finding. Nesting past
 * limits.mime_depth, more than limits.max_parts parts, a header field longer
 * than limits.header_size, and the uuencode/TNEF limits
 * (limits.max_extracted_*) are limit/limit findings and leave the message
 * incomplete.
 */
#ifndef SL_MIME_H
#define SL_MIME_H

#include "config.h"
#include "msg.h"

struct sl_mime;

struct sl_mime *sl_mime_new(const struct sl_config *cfg, char **why);
struct sl_mime *sl_mime_free(struct sl_mime *mi);
int sl_mime_run(struct sl_mime *mi, struct sl_msg *m);

#endif
