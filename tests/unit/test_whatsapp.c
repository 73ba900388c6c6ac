/*
 * test_whatsapp - the webhook payload and the mapping of a message to an
 * sl_msg (lib/channels/whatsapp.c): what is refused (400), the items and
 * their keys, every text field of every message type as a text part (and
 * what is not text), every media type as a part with its fetched bytes or a
 * media_unscanned finding (fetch failure, too large, no id, no source),
 * unknown types, the field limit, the one-message payload, the kept
 * original, the delivery id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msg.h"
#include "util.h"
#include "whatsapp.h"

static struct sl_config *cfg;

static int setup(void **state)
{
	static const char *ov[] = {"whatsapp.max_sticker_size=2k"};
	char *why = NULL;
	return sl_config_load(NULL, ov, 1, &cfg, &why) != SL_OK;
}

static int teardown(void **state)
{
	sl_config_unref(cfg);
	return 0;
}

/* A payload of one message (JSON text of the message object). */
static char *one(const char *msg)
{
	return g_strdup_printf(
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"42\",\"changes\":[{"
	    "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
	    "\"display_phone_number\":\"15550001111\",\"phone_number_id\":\"99\"},\"contacts\":[{"
	    "\"profile\":{\"name\":\"Ann "
	    "Example\"},\"wa_id\":\"16505551234\"}],\"messages\":[%s]}}]}]}",
	    msg);
}

static struct sl_wa_payload *parse_ok(const char *body)
{
	struct sl_wa_payload *p = NULL;
	char *why = NULL;
	if (sl_wa_payload_parse(body, strlen(body), &p, &why) != SL_OK)
		fail_msg("parse: %s", why);
	return p;
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "not json",
	    "[1,2]",
	    "{\"object\":\"page\",\"entry\":[]}",
	    "{\"object\":\"whatsapp_business_account\"}",
	    "{\"object\":\"whatsapp_business_account\",\"entry\":{}}",
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
	    "\"messages\"}]}]}",
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
	    "\"messages\","
	    "\"value\":{\"messages\":[1]}}]}]}",
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
	    "\"messages\","
	    "\"value\":{\"messages\":{}}}]}]}",
	    "{\"object\":\"whatsapp_business_account\",\"object\":\"whatsapp_business_account\","
	    "\"entry\":[]}",
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[\"x\"]}",
	    NULL,
	};
	size_t i;
	for (i = 0; bad[i] != NULL; i++) {
		struct sl_wa_payload *p = NULL;
		char *why = NULL;
		if (sl_wa_payload_parse(bad[i], strlen(bad[i]), &p, &why) != SL_EPARSE)
			fail_msg("accepted: %s", bad[i]);
		assert_null(p);
		assert_non_null(why);
		free(why);
	}
}

static void test_items(void **state)
{
	const char *body =
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
	    "\"field\":\"messages\","
	    "\"value\":{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"profile\":{\"name\":"
	    "\"A\"},\"wa_id\":\"7\"}],"
	    "\"messages\":[{\"from\":\"7\",\"id\":\"wamid.A\",\"type\":\"text\",\"text\":{\"body\":"
	    "\"hi\"}},"
	    "{\"from\":\"8\",\"id\":\"wamid.B\",\"type\":\"text\",\"text\":{\"body\":\"yo\"}}],"
	    "\"statuses\":[{\"id\":\"wamid.S\",\"status\":\"read\",\"timestamp\":\"5\"},{\"id\":"
	    "\"a:b\",\"status\":\"x\"}],"
	    "\"errors\":[{\"code\":131000}]}}]},"
	    "{\"id\":\"2\",\"changes\":[{\"field\":\"account_update\",\"value\":{\"event\":\"X\"}},"
	    "{\"field\":\"history\",\"value\":{\"history\":[{\"threads\":[{\"messages\":[]}]}]}}]}]"
	    "}";
	struct sl_wa_payload *p = parse_ok(body);
	char id[33], id2[33];

	assert_int_equal(p->nitems, 7);
	assert_int_equal(p->items[0].kind, SL_WA_MESSAGE);
	assert_string_equal(p->items[0].key, "wa:wamid.A");
	assert_non_null(p->items[0].contact);
	assert_null(p->items[1].contact); /* no contact for wa_id 8 */
	assert_int_equal(p->items[2].kind, SL_WA_STATUS);
	assert_string_equal(p->items[2].key, "status:wamid.S:read:5");
	/* a ':' or a missing part would make keys ambiguous: hashed */
	assert_non_null(strstr(p->items[3].key, "status-sha:"));
	assert_int_equal(p->items[4].kind, SL_WA_ERRORS);
	assert_non_null(strstr(p->items[4].key, "errors:"));
	assert_int_equal(p->items[5].kind, SL_WA_OTHER);
	assert_non_null(strstr(p->items[5].key, "other:"));
	assert_int_equal(p->items[6].kind, SL_WA_DROPPED);
	assert_string_equal(sl_wa_kind_name(SL_WA_DROPPED), "dropped");
	sl_wa_delivery_id(p->items[0].key, id);
	sl_wa_delivery_id("wa:wamid.A", id2);
	assert_int_equal(strlen(id), 32);
	assert_string_equal(id, id2);
	sl_wa_delivery_id(p->items[1].key, id2);
	assert_string_not_equal(id, id2);
	/* the one-item payload: Meta's shape, the item and its contact only */
	{
		json_t *o = sl_wa_item_payload(&p->items[0], json_deep_copy(p->items[0].object),
					       json_deep_copy(p->items[0].contact));
		json_t *v = json_object_get(
		    json_array_get(
			json_object_get(json_array_get(json_object_get(o, "entry"), 0), "changes"),
			0),
		    "value");
		assert_string_equal(json_string_value(json_object_get(o, "object")),
				    "whatsapp_business_account");
		assert_int_equal(json_array_size(json_object_get(v, "messages")), 1);
		assert_int_equal(json_array_size(json_object_get(v, "contacts")), 1);
		assert_null(json_object_get(v, "statuses"));
		json_decref(o);
		o = sl_wa_item_payload(&p->items[2], json_deep_copy(p->items[2].object), NULL);
		v = json_object_get(
		    json_array_get(
			json_object_get(json_array_get(json_object_get(o, "entry"), 0), "changes"),
			0),
		    "value");
		assert_true(json_equal(json_array_get(json_object_get(v, "statuses"), 0),
				       p->items[2].object));
		assert_null(json_object_get(v, "messages"));
		json_decref(o);
	}
	sl_wa_payload_free(p);
}

/* ---- mapping ---- */

struct fake_fetch {
	int calls;
	int fail; /* 0 ok, 1 error, 2 too big */
};

static int fake(void *ctx, const char *type, const char *id, const json_t *media, size_t cap,
		struct sl_wa_fetched *out, char **why)
{
	struct fake_fetch *f = ctx;
	f->calls++;
	if (f->fail == 1) {
		*why = sl_xstrdup("HTTP 404: the media has expired or does not exist");
		return SL_EINVAL;
	}
	if (f->fail == 2)
		return SL_ETOOBIG;
	out->data = (unsigned char *)sl_xasprintf("bytes of %s %s", type, id);
	out->len = strlen((char *)out->data);
	return SL_OK;
}

static struct sl_wa_msg *map(const char *msg, struct fake_fetch *f, struct sl_wa_payload **pl)
{
	char *body = one(msg), *why = NULL;
	struct sl_wa_msg *wm = NULL;
	*pl = parse_ok(body);
	g_free(body);
	assert_int_equal((*pl)->items[0].kind, SL_WA_MESSAGE);
	if (sl_wa_msg_new(&(*pl)->items[0], cfg, f ? fake : NULL, f, &wm, &why) != SL_OK)
		fail_msg("map: %s", why);
	return wm;
}

static const struct sl_part *part(const struct sl_wa_msg *wm, const char *id)
{
	int i = sl_msg_find_part(wm->m, id);
	if (i < 0)
		return NULL;
	return &wm->m->parts[i];
}

static void text_is(const struct sl_wa_msg *wm, const char *id, const char *text)
{
	const struct sl_part *p = part(wm, id);
	if (p == NULL)
		fail_msg("no part %s", id);
	assert_int_equal(p->origin, SL_ORIGIN_FIELD);
	assert_true(p->is_body_text);
	assert_string_equal(p->declared_type, "text/plain");
	assert_int_equal(p->size, strlen(text));
	assert_memory_equal(p->data, text, p->size);
}

static void no_part(const struct sl_wa_msg *wm, const char *id)
{
	if (part(wm, id) != NULL)
		fail_msg("part %s should not be text", id);
}

static void test_text_fields(void **state)
{
	struct sl_wa_payload *pl;
	struct sl_wa_msg *wm = map(
	    "{\"from\":\"16505551234\",\"id\":\"wamid.1\",\"timestamp\":\"17\",\"type\":\"text\","
	    "\"context\":{\"from\":\"x\",\"id\":\"wamid.0\"},\"text\":{\"body\":\"hello\"},"
	    "\"identity\":{\"hash\":\"h\"},\"referral\":{\"source_url\":\"https://ad.test/1\","
	    "\"source_id\":\"9\",\"source_type\":\"ad\",\"headline\":\"H\",\"body\":\"B\"}}",
	    NULL, &pl);
	text_is(wm, "text.body", "hello");
	text_is(wm, "referral.source_url", "https://ad.test/1");
	text_is(wm, "referral.headline", "H");
	text_is(wm, "referral.body", "B");
	text_is(wm, "contact.profile.name", "Ann Example");
	no_part(wm, "from");
	no_part(wm, "id");
	no_part(wm, "timestamp");
	no_part(wm, "type");
	no_part(wm, "context.id");
	no_part(wm, "identity.hash");
	no_part(wm, "referral.source_id");
	no_part(wm, "contact.wa_id");
	assert_string_equal(wm->m->id, "wamid.1");
	assert_int_equal(wm->m->channel, SL_CHANNEL_WHATSAPP);
	assert_int_equal(wm->m->nfindings, 0);
	assert_false(sl_msg_is_mime(wm->m));
	{
		char *who = sl_wa_sender(wm);
		assert_string_equal(who, "Ann Example (+16505551234)");
		free(who);
	}
	/* the message's raw form is its one-message payload */
	assert_non_null(strstr((const char *)wm->m->raw, "\"wamid.1\""));
	assert_non_null(strstr((const char *)wm->m->raw, "whatsapp_business_account"));
	sl_wa_msg_free(wm);
	sl_wa_payload_free(pl);
}

static void test_every_type(void **state)
{
	static const struct {
		const char *msg;
		const char *text[8]; /* id, value pairs */
		const char *not_text[4];
	} cases[] = {
	    {"\"type\":\"interactive\",\"interactive\":{\"type\":\"button_reply\",\"button_reply\":"
	     "{\"id\":\"b1\","
	     "\"title\":\"Yes\"}}",
	     {"interactive.button_reply.title", "Yes"},
	     {"interactive.button_reply.id", "interactive.type"}},
	    {"\"type\":\"interactive\",\"interactive\":{\"type\":\"list_reply\",\"list_reply\":{"
	     "\"id\":\"l\","
	     "\"title\":\"T\",\"description\":\"D\"}}",
	     {"interactive.list_reply.title", "T", "interactive.list_reply.description", "D"},
	     {"interactive.list_reply.id"}},
	    {"\"type\":\"interactive\",\"interactive\":{\"type\":\"nfm_reply\",\"nfm_reply\":{"
	     "\"name\":\"flow\","
	     "\"body\":\"Sent\",\"response_json\":\"{\\\"a\\\":\\\"https://x.test\\\"}\"}}",
	     {"interactive.nfm_reply.body", "Sent", "interactive.nfm_reply.response_json",
	      "{\"a\":\"https://x.test\"}"},
	     {NULL}},
	    {"\"type\":\"button\",\"button\":{\"payload\":\"P\",\"text\":\"Stop\"}",
	     {"button.text", "Stop", "button.payload", "P"},
	     {NULL}},
	    {"\"type\":\"location\",\"location\":{\"latitude\":1.5,\"longitude\":2,\"name\":\"N\","
	     "\"address\":\"A\","
	     "\"url\":\"https://maps.test/\"}",
	     {"location.name", "N", "location.address", "A", "location.url", "https://maps.test/"},
	     {"location.latitude"}},
	    {"\"type\":\"contacts\",\"contacts\":[{\"name\":{\"formatted_name\":\"F\"},\"urls\":[{"
	     "\"url\":\"https://c.test\","
	     "\"type\":\"WORK\"}],\"emails\":[{\"email\":\"e@x.test\"}],\"phones\":[{\"phone\":\"+"
	     "1\",\"wa_id\":\"1\"}],"
	     "\"org\":{\"company\":\"C\"}}]",
	     {"contacts.0.urls.0.url", "https://c.test", "contacts.0.name.formatted_name", "F",
	      "contacts.0.emails.0.email", "e@x.test", "contacts.0.org.company", "C"},
	     {"contacts.0.urls.0.type", "contacts.0.phones.0.wa_id"}},
	    {"\"type\":\"reaction\",\"reaction\":{\"message_id\":\"wamid.9\",\"emoji\":"
	     "\"\\ud83d\\udc4d\"}",
	     {"reaction.emoji", "\xf0\x9f\x91\x8d"},
	     {"reaction.message_id"}},
	    {"\"type\":\"order\",\"order\":{\"catalog_id\":\"c\",\"text\":\"O\",\"product_items\":["
	     "{"
	     "\"product_retailer_id\":\"p\",\"quantity\":1,\"currency\":\"EUR\"}]}",
	     {"order.text", "O"},
	     {"order.catalog_id", "order.product_items.0.currency"}},
	    {"\"type\":\"system\",\"system\":{\"body\":\"changed "
	     "number\",\"new_wa_id\":\"2\",\"type\":\"user_changed_number\"}",
	     {"system.body", "changed number"},
	     {"system.new_wa_id", "system.type"}},
	    {"\"type\":\"unsupported\",\"errors\":[{\"code\":131051,\"title\":\"Message type "
	     "unknown\"}]",
	     {NULL},
	     {"errors.0.title"}},
	};
	size_t i, k;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_wa_payload *pl;
		char *msg = g_strdup_printf(
		    "{\"from\":\"16505551234\",\"id\":\"w\",\"timestamp\":\"1\",%s}", cases[i].msg);
		struct sl_wa_msg *wm = map(msg, NULL, &pl);
		for (k = 0; k + 1 < 8 && cases[i].text[k] != NULL; k += 2)
			text_is(wm, cases[i].text[k], cases[i].text[k + 1]);
		for (k = 0; k < 4 && cases[i].not_text[k] != NULL; k++)
			no_part(wm, cases[i].not_text[k]);
		assert_false(
		    sl_msg_has_finding(wm->m, SL_FIND_STRUCTURE, NULL, -2)); /* a known type */
		sl_wa_msg_free(wm);
		sl_wa_payload_free(pl);
		g_free(msg);
	}
}

static void test_media(void **state)
{
	static const char *const types[] = {"image", "video", "audio", "document", "sticker"};
	size_t i;
	for (i = 0; i < 5; i++) {
		struct fake_fetch f = {0};
		struct sl_wa_payload *pl;
		char *msg = g_strdup_printf(
		    "{\"from\":\"16505551234\",\"id\":\"w\",\"type\":\"%s\",\"%s\":{\"id\":\"55\","
		    "\"mime_type\":\"Application/PDF; "
		    "x=y\",\"sha256\":\"ab\",\"url\":\"https://m.test/\","
		    "\"caption\":\"cap\",\"filename\":\"a.pdf\"}}",
		    types[i], types[i]);
		struct sl_wa_msg *wm = map(msg, &f, &pl);
		const struct sl_part *p = part(wm, types[i]);
		char *want = g_strdup_printf("bytes of %s 55", types[i]);
		char *cap = g_strdup_printf("%s.caption", types[i]),
		     *fn = g_strdup_printf("%s.filename", types[i]);
		char *sha = g_strdup_printf("%s.sha256", types[i]),
		     *url = g_strdup_printf("%s.url", types[i]);
		assert_non_null(p);
		assert_int_equal(f.calls, 1);
		assert_int_equal(p->origin, SL_ORIGIN_FIELD);
		assert_true(p->is_attachment);
		assert_false(p->is_body_text);
		assert_string_equal(p->declared_type, "application/pdf");
		assert_string_equal(p->filename, "a.pdf");
		assert_int_equal(p->size, strlen(want));
		assert_memory_equal(p->data, want, p->size);
		text_is(wm, cap, "cap");
		text_is(wm, fn, "a.pdf");
		no_part(wm, sha);
		no_part(wm, url);
		assert_int_equal(wm->m->nfindings, 0);
		/* the kept original holds the bytes, base64 */
		{
			size_t len;
			char *orig = sl_wa_original(wm, &len);
			json_t *j = json_loads(orig, 0, NULL);
			json_t *m = json_object_get(json_object_get(j, "sluice_media"), "55");
			gchar *b64 = g_base64_encode((const guchar *)want, strlen(want));
			assert_non_null(m);
			assert_string_equal(json_string_value(json_object_get(m, "data_base64")),
					    b64);
			assert_string_equal(json_string_value(json_object_get(m, "type")),
					    types[i]);
			g_free(b64);
			json_decref(j);
			free(orig);
		}
		sl_wa_msg_free(wm);
		sl_wa_payload_free(pl);
		g_free(msg);
		g_free(want);
		g_free(cap);
		g_free(fn);
		g_free(sha);
		g_free(url);
	}
}

static void test_media_unscanned(void **state)
{
	static const struct {
		const char *media;
		int fail;
		int with_fetch;
		enum sl_finding_kind kind;
		const char *says;
	} cases[] = {
	    {"{\"id\":\"55\",\"mime_type\":\"image/png\"}", 1, 1, SL_FIND_STRUCTURE, "HTTP 404"},
	    {"{\"id\":\"55\",\"mime_type\":\"image/png\"}", 2, 1, SL_FIND_LIMIT,
	     "whatsapp.max_image_size"},
	    {"{\"mime_type\":\"image/png\"}", 0, 1, SL_FIND_STRUCTURE, "no media id"},
	    {"{\"id\":\"55\",\"mime_type\":\"image/png\"}", 0, 0, SL_FIND_STRUCTURE,
	     "no media source"},
	};
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_fetch f = {0, cases[i].fail};
		struct sl_wa_payload *pl;
		char *msg =
		    g_strdup_printf("{\"from\":\"1\",\"id\":\"w\",\"type\":\"image\",\"image\":%s}",
				    cases[i].media);
		struct sl_wa_msg *wm = map(msg, cases[i].with_fetch ? &f : NULL, &pl);
		const struct sl_part *p = part(wm, "image");
		assert_non_null(p);
		assert_null(p->data);
		assert_int_equal(wm->m->nfindings, 1);
		assert_int_equal(wm->m->findings[0].kind, cases[i].kind);
		assert_string_equal(wm->m->findings[0].rule, "media_unscanned");
		assert_int_equal(wm->m->findings[0].part, sl_msg_find_part(wm->m, "image"));
		if (strstr(wm->m->findings[0].detail, cases[i].says) == NULL)
			fail_msg("'%s' does not say '%s'", wm->m->findings[0].detail,
				 cases[i].says);
		assert_non_null(strstr(wm->m->findings[0].detail, "withheld"));
		sl_wa_msg_free(wm);
		sl_wa_payload_free(pl);
		g_free(msg);
	}
}

static void test_unknown_and_limits(void **state)
{
	struct sl_wa_payload *pl;
	struct sl_wa_msg *wm = map(
	    "{\"from\":\"1\",\"id\":\"w\",\"type\":\"poll\",\"poll\":{\"q\":\"x\"}}", NULL, &pl);
	assert_true(sl_msg_has_finding(wm->m, SL_FIND_STRUCTURE, "structure", -1));
	text_is(wm, "poll.q", "x"); /* its strings are still read */
	sl_wa_msg_free(wm);
	sl_wa_payload_free(pl);

	wm =
	    map("{\"from\":\"1\",\"id\":\"w\",\"text\":{\"body\":\"x\"}}", NULL, &pl); /* no type */
	assert_true(sl_msg_has_finding(wm->m, SL_FIND_STRUCTURE, "structure", -1));
	sl_wa_msg_free(wm);
	sl_wa_payload_free(pl);

	/* more text fields than whatsapp.max_fields: held */
	{
		struct sl_config *small = NULL;
		const char *ov[] = {"whatsapp.max_fields=2"};
		char *why = NULL, *body = one("{\"from\":\"1\",\"id\":\"w\",\"type\":\"contacts\","
					      "\"contacts\":[{\"a\":\"1\","
					      "\"b\":\"2\",\"c\":\"3\"}]}");
		assert_int_equal(sl_config_load(NULL, ov, 1, &small, &why), SL_OK);
		pl = parse_ok(body);
		assert_int_equal(sl_wa_msg_new(&pl->items[0], small, NULL, NULL, &wm, &why), SL_OK);
		assert_true(sl_msg_has_finding(wm->m, SL_FIND_LIMIT, "limit", -1));
		assert_true(wm->m->incomplete);
		sl_wa_msg_free(wm);
		sl_wa_payload_free(pl);
		sl_config_unref(small);
		g_free(body);
	}
	/* not a message */
	{
		char *why = NULL;
		struct sl_wa_item it = {0};
		it.kind = SL_WA_STATUS;
		assert_int_equal(sl_wa_msg_new(&it, cfg, NULL, NULL, &wm, &why), SL_EPARSE);
		free(why);
	}
}

static void test_field_paths(void **state)
{
	struct sl_wa_payload *pl;
	struct sl_wa_msg *wm = map(
	    "{\"from\":\"1\",\"id\":\"w\",\"type\":\"contacts\",\"contacts\":[{\"urls\":[{\"url\":"
	    "\"https://c.test\"}]}]}",
	    NULL, &pl);
	size_t i;
	int seen = 0;
	for (i = 0; i < wm->nfields; i++) {
		const struct sl_wa_field *f = &wm->fields[i];
		json_t *v = sl_wa_field_get(f, wm->message, wm->contact);
		const struct sl_part *p = &wm->m->parts[f->part];
		assert_true(json_is_string(v));
		assert_memory_equal(json_string_value(v), p->data, p->size);
		seen += strcmp(p->id, "contacts.0.urls.0.url") == 0;
	}
	assert_int_equal(seen, 1);
	sl_wa_msg_free(wm);
	sl_wa_payload_free(pl);
}

static void test_signatures(void **state)
{
	/* HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"),
	 * a published test value */
	static const char body[] = "The quick brown fox jumps over the lazy dog";
	static const char want[] =
	    "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
	char *sig = sl_wa_signature("key", body, strlen(body));
	assert_string_equal(sig, want);
	free(sig);
	assert_true(sl_wa_signature_ok("key", body, strlen(body), want));
	assert_true(sl_wa_signature_ok(
	    "key", body, strlen(body),
	    "SHA256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8"));
	assert_false(sl_wa_signature_ok("key", body, strlen(body) - 1, want)); /* a changed body */
	assert_false(sl_wa_signature_ok("other", body, strlen(body), want));
	assert_false(sl_wa_signature_ok("key", body, strlen(body), want + 7)); /* no sha256= */
	assert_false(sl_wa_signature_ok("key", body, strlen(body),
					"sha1=f7bc83f430538424b13298e6aa6fb143ef4d59a1"));
	assert_false(sl_wa_signature_ok("key", body, strlen(body), ""));
	assert_false(sl_wa_signature_ok("key", body, strlen(body), NULL));
	assert_false(sl_wa_signature_ok("", body, strlen(body), want));
	assert_false(sl_wa_signature_ok(NULL, body, strlen(body), want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_items),
	    cmocka_unit_test(test_text_fields),
	    cmocka_unit_test(test_every_type),
	    cmocka_unit_test(test_media),
	    cmocka_unit_test(test_media_unscanned),
	    cmocka_unit_test(test_unknown_and_limits),
	    cmocka_unit_test(test_field_paths),
	    cmocka_unit_test(test_signatures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
