/*
 * wa_process - one item of a WhatsApp webhook payload, made ready for the
 * platform: what the daemon's workers and `sluicectl scan --channel
 * whatsapp` both do, so that offline replays behave as the daemon does.
 *
 * A message: its sl_msg with the media fetched (whatsapp.h), the scan
 * (sl_engine_scan; reject is held like quarantine, WhatsApp cannot refuse),
 * a quarantine reference when it is not clean and will be kept, the rewrite
 * (wa_rewrite.h; one that cannot be carried out in full holds the message),
 * and the original to keep (sl_wa_original). The caller keeps the original
 * and queues the downstream body -- the daemon in one transaction
 * (outbox.h), so that a message is either kept and queued or neither.
 * Anything else (statuses, Meta's errors, other fields) is forwarded as it
 * came, in a one-item payload.
 *
 * Errors: SL_ETEMP when the scan could not run (the item is tried again
 * later); SL_EPARSE for an item that is not one (a bug upstream).
 */
#ifndef SL_WA_PROCESS_H
#define SL_WA_PROCESS_H

#include <stddef.h>

#include "pipeline.h"
#include "store.h"
#include "whatsapp.h"

struct sl_wa_done {
	struct sl_wa_msg *wm; /* the scanned message (NULL for anything else) */
	char *body;           /* the downstream payload (JSON) */
	size_t body_len;
	char *original; /* what the quarantine keeps, or NULL (clean) */
	size_t original_len;
	char delivery_id[33]; /* X-Sluice-Delivery-Id (sl_wa_delivery_id of the key) */
};

/* keeping: the original will be kept (a reference is made for the notices);
 * without, notices say that nothing was kept (a dry run). */
int sl_wa_process(struct sl_engine *e, const struct sl_wa_item *it, sl_wa_fetch_fn fetch,
		  void *fetch_ctx, int keeping, struct sl_wa_done *out, char **why);
void sl_wa_done_clear(struct sl_wa_done *d);

/* The quarantine's envelope of a processed message: sender "Name (+from)",
 * the business number as recipient, the wamid, the original to keep
 * (borrowed from d); strings live in e until sl_wa_envelope_clear. */
struct sl_wa_envelope {
	struct sl_envelope env;
	char *sender;
	char *rcpt[2];
};
void sl_wa_envelope_init(struct sl_wa_envelope *e, const struct sl_wa_done *d);
void sl_wa_envelope_clear(struct sl_wa_envelope *e);

#endif
