/*
 * whatsapp - the WhatsApp Cloud API's webhook payload and the sl_msg of each
 * of its messages (the door's mapping; the JSON rewriter is wa_rewrite.h,
 * media downloads wa_media.h).
 *
 * A payload is Meta's notification object:
 *   {"object": "whatsapp_business_account",
 *    "entry": [{"id": WABA_ID, "changes": [{"field": "messages",
 *      "value": {"messaging_product": "whatsapp", "metadata": {...},
 *                "contacts": [...], "messages": [...], "statuses": [...],
 *                "errors": [...]}}]}]}
 * sl_wa_payload_parse() checks that shape (anything else is SL_EPARSE: the
 * webhook answers 400) and lists its items, each to be handed on on its own:
 *   SL_WA_MESSAGE  one of value.messages[]: scanned, rewritten
 *   SL_WA_STATUS   one of value.statuses[]: forwarded untouched
 *   SL_WA_ERRORS   value.errors[] (Meta's own errors): forwarded untouched
 *   SL_WA_OTHER    a change of another field (account updates, template
 *                  status...): forwarded untouched, unless it carries a
 *                  "messages" member anywhere (history sync, echoes): sluice
 *                  does not scan those, so they are not forwarded at all
 *                  (SL_WA_DROPPED, logged and counted by the caller)
 * Each item has a key that names it across Meta's retries (the outbox's
 * unique key: a duplicate is delivered once): "wa:WAMID",
 * "status:ID:STATUS:TIMESTAMP", "errors:SHA256", "other:SHA256".
 *
 * A message becomes an sl_msg (sl_wa_msg_new), channel whatsapp, id the
 * wamid, raw the one-message payload (sl_wa_item_payload) as JSON:
 *  - every string of the message that a person reads is a text part
 *    (SL_ORIGIN_FIELD, text/plain, UTF-8, is_body_text): text.body,
 *    captions, document.filename, interactive reply titles and descriptions,
 *    button text and payload, every string of contacts[] (names, urls,
 *    emails, addresses...), location name/address/url, reaction emoji,
 *    order text, system body, referral headline/body/urls, and the sender's
 *    profile name from value.contacts[] ("contact.profile.name"). Part ids
 *    are the JSON paths: "text.body", "contacts.0.urls.0.url". Identifiers
 *    and machine values are not text: id, from, timestamp, type, wa_id,
 *    mime_type, sha256, *_id, context, errors, identity, numbers, booleans.
 *  - each media object (image, video, audio, document, sticker) is a part
 *    of its own (id "image"...; declared type its mime_type; a document's
 *    filename is its file name) holding the downloaded bytes, fetched
 *    through a sl_wa_fetch_fn within whatsapp.max_<type>_size. Media that
 *    could not be fetched, was larger than the cap or did not match its
 *    sha256 has no bytes and a media_unscanned finding (limit or
 *    structure): the rewriter withholds it whatever the policy says.
 *  - a message type sluice does not know is a structure finding (held):
 *    what the platform would show of it was not judged.
 *  - more than whatsapp.max_fields text parts is a limit finding (held).
 *
 * Ownership: a payload owns its JSON; items borrow from it. An sl_wa_msg
 * owns its sl_msg and its copies of the message and contact; it borrows its
 * item (the payload must outlive it). Errors: SL_EPARSE with *why.
 */
#ifndef SL_WHATSAPP_H
#define SL_WHATSAPP_H

#include <jansson.h>
#include <stddef.h>

#include "config.h"
#include "msg.h"

enum sl_wa_kind { SL_WA_MESSAGE, SL_WA_STATUS, SL_WA_ERRORS, SL_WA_OTHER, SL_WA_DROPPED };

#define SL_WA_KEY_MAX 300

struct sl_wa_item {
	enum sl_wa_kind kind;
	json_t *entry;   /* entry[i] (borrowed) */
	json_t *change;  /* entry[i].changes[j] (borrowed) */
	json_t *value;   /* its value (borrowed) */
	json_t *object;  /* the message, status or errors array; the change for OTHER */
	json_t *contact; /* value.contacts[] whose wa_id is the message's from, or NULL */
	char key[SL_WA_KEY_MAX + 1];
};

struct sl_wa_payload {
	json_t *root;
	struct sl_wa_item *items;
	size_t nitems;
};

/* Parses and checks a webhook body (SL_EPARSE: not JSON, duplicate keys, not
 * a whatsapp_business_account object, entry not a list, a change or message
 * that is not an object). */
int sl_wa_payload_parse(const char *body, size_t len, struct sl_wa_payload **out, char **why);
struct sl_wa_payload *sl_wa_payload_free(struct sl_wa_payload *p);
const char *sl_wa_kind_name(enum sl_wa_kind k);

/* The one-item payload of it (Meta's shape, so that a platform reading
 * Meta's webhook reads ours): the entry id, the change's field, value with
 * messaging_product and metadata, and object (taken: a message, status or
 * errors array) in messages/statuses/errors, contact (taken, may be NULL) in
 * contacts. For OTHER, object is the change itself. */
json_t *sl_wa_item_payload(const struct sl_wa_item *it, json_t *object, json_t *contact);

/* The X-Sluice-Delivery-Id of an item key: 32 hex characters of its SHA-256. */
void sl_wa_delivery_id(const char *key, char out[33]);

/* Meta's X-Hub-Signature-256 and sluice's X-Sluice-Signature-256 alike:
 * "sha256=" + the lower-case hex HMAC-SHA256 of body with secret. */
char *sl_wa_signature(const char *secret, const void *body, size_t len);
/* 1 when header is that value for body (hex in either case), compared in
 * constant time. */
int sl_wa_signature_ok(const char *secret, const void *body, size_t len, const char *header);

/* ---- a message as an sl_msg ------------------------------------------------ */

struct sl_wa_fetched {
	unsigned char *data; /* malloc'd, the fetcher's result */
	size_t len;
};

/* Fetches media_id (a media object of type media_type: "image"...) within
 * cap bytes. SL_OK with out filled; SL_ETOOBIG past the cap; anything else
 * when it could not be fetched or verified, *why saying why (for people). */
typedef int (*sl_wa_fetch_fn)(void *ctx, const char *media_type, const char *media_id,
			      const json_t *media, size_t cap, struct sl_wa_fetched *out,
			      char **why);

/* One step of a JSON path: a member name, or an index when key is NULL. */
struct sl_wa_step {
	char *key;
	size_t index;
};

struct sl_wa_field {
	int part;       /* index in m->parts */
	int in_contact; /* the path starts at the contact, not the message */
	struct sl_wa_step *path;
	size_t depth;
	const char *media_type; /* a media object ("image"...), NULL for a text field */
	char *media_id;         /* its id, or NULL */
};

struct sl_notice_template;

struct sl_wa_msg {
	struct sl_msg *m;
	const struct sl_wa_item *item;
	json_t *message;  /* the message as received (a copy) */
	json_t *contact;  /* its contact as received (a copy), or NULL */
	const char *type; /* message.type (in message), or "" */
	struct sl_wa_field *fields;
	size_t nfields;
	struct sl_wa_fetched *media; /* parallel to fields: the bytes of media fields */
	/* notice.placeholder_template for a held message (borrowed from the
	 * engine), or NULL: the built-in WhatsApp text (sl_notice_held_text) */
	const struct sl_notice_template *placeholder;
};

/* Builds the sl_msg of a message item; fetch may be NULL (every media
 * unscanned). Errors: SL_EPARSE (the item is not a message object). */
int sl_wa_msg_new(const struct sl_wa_item *it, const struct sl_config *cfg, sl_wa_fetch_fn fetch,
		  void *fetch_ctx, struct sl_wa_msg **out, char **why);
struct sl_wa_msg *sl_wa_msg_free(struct sl_wa_msg *wm);

/* 1 when a media object of the message has no bytes (never fetched): it is
 * withheld whatever the policy says, so the message is never clean. */
int sl_wa_unscanned(const struct sl_wa_msg *wm);

/* The value at a field's path in the message (or contact) root, or NULL. */
json_t *sl_wa_field_get(const struct sl_wa_field *f, json_t *message, json_t *contact);
/* The object holding it and the step into it (for replacing or removing). */
json_t *sl_wa_field_parent(const struct sl_wa_field *f, json_t *message, json_t *contact);

/* Who wrote the message for people: "Ann (+15551234567)" (the profile name
 * as received; escape it before writing it anywhere). Caller frees. */
char *sl_wa_sender(const struct sl_wa_msg *wm);

/* What the quarantine keeps of the message: its one-message payload with
 * "sluice_media": {MEDIA_ID: {"type", "mime_type", "sha256", "file_size",
 * "data_base64"}} for the media fetched. Caller frees. */
char *sl_wa_original(const struct sl_wa_msg *wm, size_t *len);

#endif
