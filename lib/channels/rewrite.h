/*
 * rewrite - the e-mail rewriter: carries out the policy's actions on the raw
 * message by splicing original bytes, so that every kept part stays
 * byte-identical (GMime's own write-out is not byte-exact).
 *
 *  clean       the input, unchanged but for incoming X-Sluice-* header
 *              fields, which are removed from the top header block
 *  rewrite     X-Sluice-Verdict header on top, incoming X-Sluice-* fields
 *              removed; each removed part replaced by a short text/plain part
 *              naming the file, what it really is, why it was removed and a
 *              reference a supervisor can look up (notice.h); a removed
 *              uuencoded block is cut out of its text part, which is
 *              re-encoded with its own transfer encoding and charset
 *  quarantine  a placeholder message built from the original's parsed and
 *              sanitised identifying fields, a notice and the reference
 *              (notice.h); the original waits in quarantine
 *  reject      nothing (*out is NULL)
 *
 * Only the top header block loses X-Sluice-* fields: part headers stay as
 * they are, so that kept parts (signed ones too) stay byte-identical.
 *
 * The reference of a message is msg->reference, set by the front end when
 * it keeps the original in the quarantine (store.h) before rewriting; of a
 * part, that plus "/" + the part id. Without one (a dry run) the notices say
 * that the original was not kept.
 *
 * Text edits (struct sl_text_edit) are the general tool: replace a byte range
 * of a part's decoded content; the URL rewriter uses them too, and records
 * which links its edits disarm (sl_edits_disarm).
 *
 * A rewrite is carried out in full or not at all: every finding whose action
 * is remove must have its part cut out, every defang/wrap finding must have
 * each of its links disarmed by an edit, and edits must fit their parts
 * without overlapping. sl_rewrite_email_check() says whether that holds
 * (the scan quarantines the message when it does not); sl_rewrite_email()
 * refuses (SL_EINVAL, no output) rather than skip anything.
 *
 * The check holds for both channels: a WhatsApp message's parts are fields
 * (SL_ORIGIN_FIELD), which its rewriter (wa_rewrite.h) can always replace
 * whole (a media object is withheld, a text field becomes a notice) and whose
 * text fields take the same edits as a MIME text part; a link it cannot edit
 * (in a media file) quarantines the message as it does for e-mail.
 */
#ifndef SL_REWRITE_H
#define SL_REWRITE_H

#include <stddef.h>

#include "msg.h"

struct sl_text_edit {
	int part;          /* index in msg->parts (a MIME leaf) */
	size_t begin, end; /* range in the part's decoded content */
	char *replacement; /* owned; may hold NUL bytes */
	size_t replacement_len;
};

struct sl_edits {
	struct sl_text_edit *v;
	size_t n, alloc;
	size_t *disarmed;  /* indexes in msg->urls that these edits make harmless */
	size_t ndisarmed, adisarmed;
};

void sl_edits_add(struct sl_edits *e, int part, size_t begin, size_t end, const char *replacement);
void sl_edits_add_bytes(struct sl_edits *e, int part, size_t begin, size_t end, const char *p, size_t n);
/* Records that the edits disarm msg->urls[url]. */
void sl_edits_disarm(struct sl_edits *e, size_t url);
int sl_edits_disarms(const struct sl_edits *e, size_t url);
void sl_edits_clear(struct sl_edits *e);

/* removed[i] (malloc'd, one byte a part): part i -- a MIME entity or a
 * WhatsApp field -- is cut out or replaced, for a removal finding on it or
 * inside it. */
unsigned char *sl_rewrite_removed(const struct sl_msg *m);
/* Nothing of part i reaches the agent: it or a part around it is removed. */
int sl_rewrite_gone(const struct sl_msg *m, const unsigned char *removed, int i);

/* What stands for the reference when the original was not kept. */
#define SL_REWRITE_NOT_KEPT "not-kept"

/* msg->reference, or SL_REWRITE_NOT_KEPT; caller frees. */
char *sl_msg_reference(const struct sl_msg *m);

/* 1 when a header field of this name is sluice's own (X-Sluice-*): incoming
 * ones are removed, by the rewriter here and by the milter. */
int sl_is_own_header(const char *name);

/* SL_OK when every removal, defang and wrap the message's findings ask for
 * is carried out by its removals and by the edits (extra: from other
 * rewriters, may be NULL); else SL_EINVAL and *why (caller frees). */
int sl_rewrite_email_check(const struct sl_msg *m, const struct sl_edits *extra, char **why);

/* Builds what the agent receives; extra holds text edits from other rewriters
 * (may be NULL). *out is malloc'd (NULL for reject). A rewrite that cannot be
 * carried out in full is SL_EINVAL with no output, never a partial one. */
int sl_rewrite_email(const struct sl_msg *m, const struct sl_edits *extra, unsigned char **out,
		     size_t *outlen);
/* The same with the quarantine placeholder's text from a template (notice.h;
 * NULL: the built-in one). */
struct sl_notice_template;
int sl_rewrite_email_with(const struct sl_msg *m, const struct sl_edits *extra,
			  const struct sl_notice_template *placeholder, unsigned char **out, size_t *outlen);

#endif
