/*
 * urlrewrite - disarms the links the policy says to defang or wrap, as text
 * edits (rewrite.h) on the parts' decoded content, channel-free: the e-mail
 * rewriter splices them into MIME, the WhatsApp rewriter into JSON.
 *
 *  defang, in text   hxxps[:]//evil[.]test/path [link disabled by sluice: REASON]
 *                    (readable, not clickable)
 *  defang, in HTML   href/action replaced by "#" with a title saying why; the
 *                    anchor text stays; img/iframe/frame src emptied ("") with
 *                    a title; meta refresh loses its URL
 *  wrap              the URL becomes {safelinks.base_url}/l/{token} (safelink.h);
 *                    without a base URL and key, links are defanged instead;
 *                    a src is never wrapped (it would load by itself), always
 *                    emptied
 *
 * Reasons and targets in what is written go through sl_escape_text
 * (escape.h): every host and URL in them is defanged. Each link an edit
 * disarms is recorded (sl_edits_disarm); a link that cannot be edited (its
 * context, its place, an overlap) is not, and sl_rewrite_email_check then
 * refuses the rewrite, so the scan quarantines the message. Links inside
 * attachments (PDF /URI) are the policy's business (url_in_attachment
 * removes the attachment). Parts whose text was converted to UTF-8 are
 * converted back to their charset whole; others are edited in place, so
 * every byte that is not a bad link stays as it was.
 */
#ifndef SL_URLREWRITE_H
#define SL_URLREWRITE_H

#include "config.h"
#include "escape.h" /* sl_url_defang */
#include "msg.h"
#include "rewrite.h"

struct sl_urlrewrite;

struct sl_urlrewrite *sl_urlrewrite_new(const struct sl_config *cfg, char **why);
struct sl_urlrewrite *sl_urlrewrite_free(struct sl_urlrewrite *ur);

/* Adds the edits for every bad link of m to out. */
int sl_urlrewrite_edits(const struct sl_urlrewrite *ur, const struct sl_msg *m, struct sl_edits *out);

/* The safe-link base URL and key (borrowed), NULL when links are defanged
 * instead of wrapped: the redirector checks its tokens with them. */
const char *sl_urlrewrite_base(const struct sl_urlrewrite *ur);
const unsigned char *sl_urlrewrite_key(const struct sl_urlrewrite *ur, size_t *len);


#endif
