/*
 * fuzz_whatsapp - libFuzzer harness over the WhatsApp door's parser, mapping
 * and rewriter (lib/channels/whatsapp.c, wa_rewrite.c): any bytes as a
 * webhook body. ClamAV and the other stages are left out (not ours to fuzz
 * here, and a hundred times slower); the harness plays the policy itself.
 *
 * For each message of a payload the parser accepts, what must hold:
 *  - the mapping's fields resolve to the strings the parts hold;
 *  - clean: the downstream message is the input plus "sluice", the contact
 *    the input's, and the payload parses again as one message of that id;
 *  - rewrite with every text field edited whole and every media removed:
 *    it is carried out (never refused), every edited field holds the edit,
 *    no media object keeps an id or url, and the output parses again;
 *  - quarantine: a text placeholder of the same id that parses again;
 *  - the kept original turns into a release payload that parses again.
 * Media "fetches" succeed for even ids' lengths and fail for odd ones, so
 * both paths run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msg.h"
#include "rewrite.h"
#include "util.h"
#include "wa_rewrite.h"
#include "whatsapp.h"

static struct sl_config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *ov[] = {"whatsapp.max_fields=200"};
	char *why = NULL;
	sl_log_open("fuzz_whatsapp", 0, SL_LOG_ERR);
	if (sl_config_load(NULL, ov, 1, &cfg, &why) != SL_OK)
		abort();
	return 0;
}

static int fetch(void *ctx, const char *type, const char *id, const json_t *media, size_t cap,
		 struct sl_wa_fetched *out, char **why)
{
	if (strlen(id) % 2) {
		*why = sl_xstrdup("HTTP 404");
		return SL_EINVAL;
	}
	out->data = (unsigned char *)sl_xasprintf("media %s", id);
	out->len = strlen((char *)out->data);
	return SL_OK;
}

/* The one message of a payload sluice wrote, parsed again: its id. */
static void reparse(json_t *payload, const char *want_id)
{
	char *s = json_dumps(payload, JSON_COMPACT), *why = NULL;
	struct sl_wa_payload *p = NULL;
	const char *id;
	if (s == NULL || sl_wa_payload_parse(s, strlen(s), &p, &why) != SL_OK)
		abort();
	if (p->nitems != 1 || p->items[0].kind != SL_WA_MESSAGE)
		abort();
	id = json_string_value(json_object_get(p->items[0].object, "id"));
	if ((want_id == NULL) != (id == NULL) || (id != NULL && strcmp(id, want_id) != 0))
		abort();
	sl_wa_payload_free(p);
	free(s);
}

static json_t *message_of(json_t *payload)
{
	return json_array_get(
	    json_object_get(
		json_object_get(
		    json_array_get(
			json_object_get(json_array_get(json_object_get(payload, "entry"), 0),
					"changes"),
			0),
		    "value"),
		"messages"),
	    0);
}

static void one(const struct sl_wa_item *it)
{
	struct sl_wa_msg *wm = NULL;
	struct sl_edits e = {0};
	json_t *out = NULL, *m;
	char *why = NULL, *orig;
	const char *id;
	size_t i, olen;

	if (sl_wa_msg_new(it, cfg, fetch, NULL, &wm, &why) != SL_OK)
		abort(); /* the parser said it is a message object */
	id = json_string_value(json_object_get(wm->message, "id"));
	for (i = 0; i < wm->nfields; i++) {
		const struct sl_wa_field *f = &wm->fields[i];
		const struct sl_part *p = &wm->m->parts[f->part];
		json_t *v = sl_wa_field_get(f, wm->message, wm->contact);
		if (f->media_type == NULL &&
		    (!json_is_string(v) || json_string_length(v) != p->size ||
		     memcmp(json_string_value(v), p->data, p->size)))
			abort();
		if (f->media_type != NULL && !json_is_object(v))
			abort();
	}

	/* clean: as received, plus "sluice" (unless a media was never fetched) */
	wm->m->verdict = SL_VERDICT_CLEAN;
	if (sl_wa_rewrite(wm, NULL, "d", &out, &why) != SL_OK)
		abort();
	m = json_deep_copy(message_of(out));
	if (json_object_get(m, "sluice") == NULL)
		abort();
	json_object_del(m, "sluice");
	if (!sl_wa_unscanned(wm) && !json_equal(m, wm->message))
		abort();
	json_decref(m);
	reparse(out, id);
	json_decref(out);

	/* rewrite: every text field edited whole, every media removed */
	for (i = 0; i < wm->nfields; i++) {
		const struct sl_wa_field *f = &wm->fields[i];
		if (f->media_type != NULL) {
			sl_msg_add_finding(wm->m, SL_FIND_FILETYPE, "executable", f->part, "x");
			wm->m->findings[wm->m->nfindings - 1].action = SL_ACT_REMOVE;
		} else {
			sl_edits_add(&e, f->part, 0, wm->m->parts[f->part].size, "EDITED");
		}
	}
	wm->m->verdict = SL_VERDICT_REWRITE;
	if (sl_wa_rewrite(wm, &e, "d", &out, &why) != SL_OK)
		abort();
	m = message_of(out);
	for (i = 0; i < wm->nfields; i++) {
		const struct sl_wa_field *f = &wm->fields[i];
		json_t *contact = json_array_get(
		    json_object_get(
			json_object_get(
			    json_array_get(
				json_object_get(json_array_get(json_object_get(out, "entry"), 0),
						"changes"),
				0),
			    "value"),
			"contacts"),
		    0);
		json_t *v = sl_wa_field_get(f, m, contact);
		if (f->media_type != NULL) {
			if (json_object_get(v, "id") != NULL || json_object_get(v, "url") != NULL)
				abort();
		} else if (v != NULL && !json_is_object(v) && !json_is_array(v)) {
			/* a field inside a withheld media object may be a caption with a notice
			 * after it */
			const char *s = json_string_value(v);
			if (s == NULL || strncmp(s, "EDITED", 6) != 0)
				abort();
		}
	}
	reparse(out, id);
	json_decref(out);
	sl_edits_clear(&e);

	/* quarantine: a placeholder */
	sl_wa_hold(wm, "fuzz");
	if (sl_wa_rewrite(wm, NULL, "d", &out, &why) != SL_OK)
		abort();
	m = message_of(out);
	if (strcmp(json_string_value(json_object_get(m, "type")), "text") != 0)
		abort();
	reparse(out, id);
	json_decref(out);

	/* what the quarantine keeps can be released */
	orig = sl_wa_original(wm, &olen);
	if (sl_wa_release_payload((unsigned char *)orig, olen, "SL-0000-0000-0000-0000", "fuzz",
				  "r", 0, "d", &out, &why) != SL_OK)
		abort();
	reparse(out, id);
	json_decref(out);
	free(orig);
	sl_wa_msg_free(wm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_wa_payload *p = NULL;
	char *why = NULL;
	size_t i;
	if (sl_wa_payload_parse((const char *)data, size, &p, &why) != SL_OK) {
		if (why == NULL)
			abort(); /* a refusal always says why */
		free(why);
		return 0;
	}
	for (i = 0; i < p->nitems; i++)
		if (p->items[i].kind == SL_WA_MESSAGE)
			one(&p->items[i]);
	sl_wa_payload_free(p);
	return 0;
}
