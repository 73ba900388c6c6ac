/* release_wa - releasing a WhatsApp item (release.h: sl_release_whatsapp). */
#include "release.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outbox.h"
#include "util.h"
#include "wa_rewrite.h"
#include "whatsapp.h"

int sl_release_whatsapp(struct sl_store *st, const struct sl_config *cfg, const char *ref,
			const struct sl_release_req *rq, char **message)
{
	char token[SL_REF_LEN + 1], delivery[33], *why = NULL, *key = NULL, *body = NULL,
						  *detail = NULL;
	struct sl_item *it = NULL;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	json_t *payload = NULL;
	int rc, inserted = 0;
	int64_t now = (int64_t)time(NULL);

	if (rq->to != NULL && rq->to[0] != NULL)
		return sl_release_refuse(
		    st, ref, rq, SL_EINVAL,
		    sl_xasprintf("%s is a WhatsApp message: it goes to the platform "
				 "(whatsapp.downstream_url), --to is for e-mail",
				 ref),
		    message);
	if (*sl_config_str(cfg, "whatsapp.downstream_url") == '\0')
		return sl_release_refuse(
		    st, ref, rq, SL_EINVAL,
		    sl_xasprintf("%s: whatsapp.downstream_url is not set: nowhere to release it to",
				 ref),
		    message);
	rc = sl_store_claim(st, ref, rq->actor, sl_config_int(cfg, "release.timeout") * 2 + 60,
			    token, &it, &why);
	if (rc == SL_ECONFLICT) {
		sl_item_free(it);
		return sl_release_refuse(st, ref, rq, rc, why, message);
	}
	if (rc != SL_OK) {
		*message = why;
		why = NULL;
		goto out;
	}
	rc = sl_store_bytes(st, ref, 0, &raw, &rawlen, &why);
	key = sl_xasprintf("release:%s", ref);
	sl_wa_delivery_id(key, delivery);
	if (rc == SL_OK)
		rc = sl_wa_release_payload(raw, rawlen, ref, rq->by, rq->reason, now, delivery,
					   &payload, &why);
	if (rc == SL_OK) {
		struct sl_outbox_msg m = {key, "release", ref, delivery, NULL, 0};
		body = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
		m.body = body;
		m.len = strlen(body);
		rc = sl_outbox_put(st, &m, sl_now_ms(), &inserted, &why);
	}
	if (rc != SL_OK) {
		char *o = sl_xasprintf("failed: %s", why ? why : sl_strerror(rc)), *w2 = NULL;
		sl_store_claim_drop(st, ref, token, rq->actor, rq->reason, o, &w2);
		free(o);
		free(w2);
		*message = sl_xasprintf("%s was not released: %s. It is still held.", ref,
					why ? why : sl_strerror(rc));
		goto out;
	}
	/* a release interrupted after it queued the message finds it queued: once */
	detail = sl_xasprintf("to the platform through the outbox (delivery %s)%s", delivery,
			      inserted ? "" : "; an interrupted release had queued it already");
	rc = sl_store_claim_done(st, ref, token, rq->actor, rq->reason, detail, &why);
	if (rc != SL_OK) {
		*message = sl_xasprintf(
		    "%s is queued for the platform (delivery %s) but the release could not be "
		    "recorded: %s. It will show as held with an interrupted release.",
		    ref, delivery, why);
		goto out;
	}
	*message = sl_xasprintf(
	    "released %s: queued for the platform (delivery %s); the outbox delivers it%s", ref,
	    delivery, inserted ? "." : " (an interrupted release had queued it already).");
	sl_log(SL_LOG_NOTICE, "release ref=%s by=\"%s\" channel=whatsapp delivery=%s", ref,
	       rq->actor, delivery);
out:
	free(why);
	free(detail);
	free(key);
	free(body);
	free(raw);
	json_decref(payload);
	sl_item_free(it);
	return rc;
}
