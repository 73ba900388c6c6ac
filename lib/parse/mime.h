/*
 * mime - the parse stage: turns the raw RFC 5322 message of an sl_msg into
 * parts with GMime 3.
 *
 * Every leaf is decoded (base64, quoted-printable, uuencode CTE); multipart
 * and message/rfc822 are walked to limits.mime_depth; file names come
 * RFC 2047/2231-decoded from Content-Disposition filename and Content-Type
 * name (both kept when they differ). Uuencoded blocks inside text parts and
 * the attachments of TNEF (winmail.dat) parts become parts of their own.
 * Each MIME part records its byte ranges in the raw message so the rewriter
 * can splice the original bytes.
 *
 * Ambiguity is a finding, never a guess: two Content-Type or
 * Content-Transfer-Encoding headers, conflicting parameters (two boundaries),
 * a multipart without boundary or without its closing delimiter, invalid
 * header names, NUL bytes (structure/structure); nesting past
 * limits.mime_depth, more than limits.max_parts parts, a header field longer
 * than limits.header_size (limit/limit).
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
