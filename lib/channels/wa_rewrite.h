/*
 * wa_rewrite - the WhatsApp rewriter: what the contact-center platform
 * ("downstream") receives for one scanned message, built from the message
 * as received and the pipeline's result, in Meta's own webhook shape (a
 * one-message notification, sl_wa_item_payload), so that a platform that
 * reads Meta's webhook reads ours.
 *
 *  clean       the message and its contact exactly as received
 *  rewrite     the same, with every text field the findings name edited in
 *              place: bad links disarmed by the URL rewriter's edits
 *              (urlrewrite.h: defanged "hxxps[:]//evil[.]test [link disabled
 *              by sluice: ...]" or wrapped), a removed text field replaced by
 *              the removal notice; a removed or unscanned media object loses
 *              "id" and "url" (the platform cannot fetch the original from
 *              Meta) and the message gains a notice with the reference: in
 *              sluice.notice, and after the caption of an image, video or
 *              document (the agent sees it where the file would be)
 *  quarantine  a placeholder: a text message with the original's from, id,
 *  (reject)    timestamp and context (it threads with the conversation) whose
 *              body says who wrote, when, why it is held and the reference
 *              (notice.h: sl_notice_held_text); the contact's profile name
 *              escaped. WhatsApp cannot refuse a message after the webhook
 *              answered: reject is held like quarantine.
 * Every message carries "sluice": {"verdict", "reference" (or null),
 * "findings": [{"kind", "rule", "part", "action", "detail"}] (at most
 * SL_WA_MAX_FINDINGS, "more_findings" counts the rest), "withheld": [media
 * ids], "notice" (when there is one), "delivery_id", and for a placeholder
 * "original_type"}. Every text sluice writes there or into a field (details,
 * notices, names) goes through sl_escape_text: hosts and URLs defanged.
 *
 * A rewrite that cannot be carried out in full (an edit outside its field,
 * text that would not be valid UTF-8) is SL_EINVAL: the caller holds the
 * message instead (sl_wa_hold) -- never a partial rewrite.
 *
 * Released messages (sl_wa_release_payload): the original as kept
 * (whatsapp.h: sl_wa_original) without its "sluice_media", the message
 * unchanged, with "sluice": {"verdict": "released", "reference",
 * "released_by", "released_at", "reason", "delivery_id", "media": [{"id",
 * "type", "mime_type", "sha256", "file_size", "data_base64"}]}: the bytes sluice
 * scanned and kept, since Meta's media ids expire.
 */
#ifndef SL_WA_REWRITE_H
#define SL_WA_REWRITE_H

#include <jansson.h>
#include <stdint.h>

#include "rewrite.h"
#include "whatsapp.h"

#define SL_WA_MAX_FINDINGS 20

/* The downstream payload for wm after its scan (m->verdict, m->reference),
 * with the URL rewriter's edits. *out is new. */
int sl_wa_rewrite(const struct sl_wa_msg *wm, const struct sl_edits *edits, const char *delivery_id,
		  json_t **out, char **why);

/* Holds a message whose rewrite failed: a structure finding with why and
 * verdict quarantine (the rewrite's placeholder follows). */
void sl_wa_hold(struct sl_wa_msg *wm, const char *why);

/* The downstream payload of a released item from its kept original. */
int sl_wa_release_payload(const unsigned char *original, size_t len, const char *ref,
			  const char *by, const char *reason, int64_t at, const char *delivery_id,
			  json_t **out, char **why);

#endif
