/*
 * notice - the texts sluice writes into what an agent receives by e-mail:
 *
 *  sl_notice_part         the text/plain part that stands in for a removed
 *                         one: the file's name, what it really is, why it went,
 *                         the reference a supervisor looks up
 *  sl_notice_uuencode     the line that replaces a removed uuencoded file
 *                         inside its text part
 *  sl_notice_placeholder  the message that stands in for a quarantined one
 *
 * Every sender-controlled string in them (file and member names, libmagic's
 * descriptions, finding details, header fields) goes through sl_escape_text
 * (escape.h): one line each, capped, nothing hidden, no markup, no boundary,
 * every host and URL defanged. The JSON report keeps the exact values.
 *
 * The placeholder is a new message built with GMime from the original's
 * parsed and decoded identifying fields, never from copied header bytes:
 * From, To, Cc, Reply-To (addresses that parse, display names escaped),
 * Subject (escaped), Date (the original's when it parses, else now), and
 * Message-ID, In-Reply-To, References only where they are syntactically valid
 * msg-ids (RFC 5322 3.6.4), so that mail clients thread it with the
 * conversation. GMime encodes (RFC 2047) and folds the header fields; the
 * body is UTF-8, quoted-printable when it is not ASCII.
 *
 * Lines end as the message's do (msg->crlf). Results are malloc'd; caller
 * frees. Nothing here fails.
 */
#ifndef SL_NOTICE_H
#define SL_NOTICE_H

#include <stddef.h>

#include "msg.h"

/* Caps on what one notice lists; the JSON report and the quarantine hold all. */
#define SL_NOTICE_MAX_REASONS 20   /* "Why:" lines of a removal notice */
#define SL_NOTICE_MAX_FINDINGS 50  /* "Why:" lines of a placeholder */
#define SL_NOTICE_MAX_ADDRESSES 50 /* addresses in each placeholder address field */
#define SL_NOTICE_MAX_REFERENCES 20 /* msg-ids kept in References (the first and the last ones) */

/* The notice for part target (a MIME entity) of m: with headers, a whole MIME
 * entity (Content-Type, Content-Transfer-Encoding, Content-Disposition inline,
 * X-Sluice-Removed: REF/ID, a blank line, the body); without, an ASCII body
 * only (for a part whose own headers stay and say nothing of the charset). */
char *sl_notice_part(const struct sl_msg *m, int target, const char *ref, int with_headers);

/* The ASCII line (with its line end) that replaces uuencoded part uu, removed
 * for detail. ASCII: it goes into text whose charset sluice did not choose. */
char *sl_notice_uuencode(const struct sl_msg *m, int uu, const char *detail, const char *ref);

/* The placeholder message for m (verdict quarantine), X-Sluice-Verdict first. */
char *sl_notice_placeholder(const struct sl_msg *m, const char *ref, size_t *len);

/* ---- texts for other channels (WhatsApp: wa_rewrite.h) ---------------------
 * Plain UTF-8 text with "\n" line ends, escaped as above. */

/* What stands in for a removed or withheld part target (a media object, a
 * text field): the same lines as the body of sl_notice_part. */
char *sl_notice_removed_text(const struct sl_msg *m, int target, const char *ref);

/* What stands in for a held message: who wrote (escaped here) and when, that
 * it is held, why (the findings) and the reference. */
char *sl_notice_held_text(const struct sl_msg *m, const char *ref, const char *who, const char *when);

#endif
