/*
 * notice - the texts sluice writes into what an agent receives by e-mail:
 *
 *  sl_notice_part         the text/plain part that stands in for a removed
 *                         one: the file's name, what it really is, why it went,
 *                         the reference a supervisor looks up
 *  sl_notice_uuencode     the line that replaces a removed uuencoded file
 *                         inside its text part
 *  sl_notice_placeholder  the message that stands in for a quarantined one,
 *                         its text from a template (below)
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
 * The placeholder's text comes from a template (notice.placeholder_template,
 * conf/placeholder.txt; the built-in one is the same text): UTF-8 text with
 * the placeholders {sender} {subject} {date} {reasons} {reference} {contact}
 * ("{{" and "}}" are a literal "{" and "}"), parsed once when the engine loads (pipeline.h) and
 * shared read-only by every thread and every door: the e-mail placeholder
 * here, the WhatsApp one through sl_notice_render() with that door's own
 * fields. Every value put in goes through sl_escape_text (one line, capped,
 * defanged); {reasons} is one escaped "- ..." line per finding whose action
 * is not none. A template must name {reference}. A dry run (no reference:
 * nothing was kept) writes a fixed text saying so instead.
 *
 * Lines end as the message's do (msg->crlf). Results are malloc'd; caller
 * frees. Nothing here fails but loading a template (SL_ECONFIG, *why with
 * the file and the line).
 */
#ifndef SL_NOTICE_H
#define SL_NOTICE_H

#include <stddef.h>

#include "config.h"
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

struct sl_notice_template;

/* The placeholder message for m (verdict quarantine), X-Sluice-Verdict first,
 * its text from tpl (NULL: the built-in template). */
char *sl_notice_placeholder_with(const struct sl_msg *m, const struct sl_notice_template *tpl, const char *ref,
				 size_t *len);
/* The same with the built-in template. */
char *sl_notice_placeholder(const struct sl_msg *m, const char *ref, size_t *len);

/* ---- texts for other channels (WhatsApp: wa_rewrite.h) ---------------------
 * Plain UTF-8 text with "\n" line ends, escaped as above. */

/* What stands in for a removed or withheld part target (a media object, a
 * text field): the same lines as the body of sl_notice_part. */
char *sl_notice_removed_text(const struct sl_msg *m, int target, const char *ref);

/* What stands in for a held message: who wrote (escaped here) and when, that
 * it is held, why (the findings) and the reference. */
char *sl_notice_held_text(const struct sl_msg *m, const char *ref, const char *who, const char *when);
/* ---- the placeholder template --------------------------------------------- */

/* Loads notice.placeholder_template (the built-in template when empty) with
 * notice.contact. SL_ECONFIG with *why naming the file (and line). */
int sl_notice_template_load(const struct sl_config *cfg, struct sl_notice_template **out, char **why);
/* Parses a template from text (at most 64 KiB of UTF-8); file names it in
 * errors; contact is what {contact} stands for. */
int sl_notice_template_parse(const char *text, size_t len, const char *file, const char *contact,
			     struct sl_notice_template **out, char **why);
struct sl_notice_template *sl_notice_template_free(struct sl_notice_template *t); /* returns NULL */

/* The values a door puts in (raw: rendering escapes them); NULL or "" is
 * written "(none)". {reasons} comes from m's findings, {contact} from the
 * template. */
struct sl_notice_fields {
	const char *sender;    /* e-mail: From as "Name <addr>"; WhatsApp: the profile name and number */
	const char *subject;   /* e-mail: the decoded Subject; WhatsApp: the first line */
	const char *date;      /* when it was sent, for people */
	const char *reference; /* the quarantine reference */
};

/* The template filled in for m: UTF-8 text, LF line ends. */
char *sl_notice_render(const struct sl_notice_template *t, const struct sl_msg *m,
		       const struct sl_notice_fields *f);

#endif
