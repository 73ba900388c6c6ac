/* wa_process - see wa_process.h. */
#include "wa_process.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wa_rewrite.h"

static char *dump(json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *r;
	*len = s ? strlen(s) : 0;
	r = sl_xstrndup(s ? s : "", *len);
	free(s);
	return r;
}

int sl_wa_process(struct sl_engine *e, const struct sl_wa_item *it, sl_wa_fetch_fn fetch,
		  void *fetch_ctx, int keeping, struct sl_wa_done *out, char **why)
{
	struct sl_edits edits = {0};
	struct sl_wa_msg *wm = NULL;
	json_t *payload = NULL;
	char *w = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	sl_wa_delivery_id(it->key, out->delivery_id);
	if (it->kind != SL_WA_MESSAGE) {
		/* statuses, Meta's errors, other fields: as they came */
		payload = sl_wa_item_payload(it, json_deep_copy(it->object), NULL);
		out->body = dump(payload, &out->body_len);
		json_decref(payload);
		return SL_OK;
	}
	rc = sl_wa_msg_new(it, sl_engine_config(e), fetch, fetch_ctx, &wm, why);
	if (rc != SL_OK)
		return rc;
	wm->placeholder = sl_engine_placeholder(e); /* the operator's text, as for e-mail */
	rc = sl_engine_scan(e, wm->m);
	if (rc != SL_OK) {
		*why = sl_xasprintf("the scan could not run: %s", sl_strerror(rc));
		sl_wa_msg_free(wm);
		return SL_ETEMP;
	}
	if (wm->m->verdict == SL_VERDICT_REJECT)
		wm->m->verdict =
		    SL_VERDICT_QUARANTINE; /* the webhook answered long ago: held, never lost */
	if (wm->m->verdict == SL_VERDICT_CLEAN && sl_wa_unscanned(wm))
		wm->m->verdict =
		    SL_VERDICT_REWRITE; /* policy.media_unscanned = none: withheld all the same */
	if (keeping && wm->m->verdict != SL_VERDICT_CLEAN)
		sl_store_reference(wm->m);
	sl_engine_link_edits(e, wm->m, &edits);
	rc = sl_wa_rewrite(wm, &edits, out->delivery_id, &payload, &w);
	if (rc != SL_OK) {
		/* never a partial rewrite: the message is held, the agent sees a placeholder */
		sl_log(SL_LOG_WARNING, "id=%s whatsapp: rewrite failed, held instead: %s",
		       wm->m->id, w);
		sl_wa_hold(wm, w);
		if (keeping)
			sl_store_reference(wm->m);
		rc = sl_wa_rewrite(wm, NULL, out->delivery_id, &payload, why);
	}
	sl_edits_clear(&edits);
	free(w);
	if (rc != SL_OK) {
		sl_wa_msg_free(wm);
		return rc;
	}
	out->body = dump(payload, &out->body_len);
	json_decref(payload);
	if (wm->m->verdict != SL_VERDICT_CLEAN)
		out->original = sl_wa_original(wm, &out->original_len);
	out->wm = wm;
	return SL_OK;
}

void sl_wa_done_clear(struct sl_wa_done *d)
{
	sl_wa_msg_free(d->wm);
	free(d->body);
	free(d->original);
	memset(d, 0, sizeof(*d));
}

void sl_wa_envelope_init(struct sl_wa_envelope *e, const struct sl_wa_done *d)
{
	const char *biz = NULL;
	memset(e, 0, sizeof(*e));
	if (d->wm != NULL) {
		biz = json_string_value(json_object_get(
		    json_object_get(d->wm->item->value, "metadata"), "display_phone_number"));
		e->sender = sl_wa_sender(d->wm);
		e->env.msg_id = d->wm->m->id;
	}
	e->rcpt[0] = sl_xasprintf("+%s", biz ? biz : "?");
	e->env.sender = e->sender;
	e->env.recipients = e->rcpt;
	e->env.original = (const unsigned char *)d->original;
	e->env.original_len = d->original_len;
}

void sl_wa_envelope_clear(struct sl_wa_envelope *e)
{
	free(e->sender);
	free(e->rcpt[0]);
	memset(e, 0, sizeof(*e));
}
