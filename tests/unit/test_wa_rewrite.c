/*
 * test_wa_rewrite - the WhatsApp rewriter (lib/channels/wa_rewrite.c) on
 * messages mapped by whatsapp.c, with findings and edits set by the test (no
 * engine): clean is the input plus "sluice"; every text field takes its edits
 * (text.body, captions, filename, contact urls, location, reply titles,
 * button text, the sender's profile name); every media type is withheld when
 * removed or unscanned (id and url gone, a notice, the caption for types
 * that have one); a removed text field is a notice; a held message is a
 * placeholder with escaped names; what cannot be carried out is refused;
 * details are defanged; a release payload carries released_by and the media.
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
#include "rewrite.h"
#include "util.h"
#include "wa_rewrite.h"
#include "whatsapp.h"

static struct sl_config *cfg;

static int setup(void **state)
{
	char *why = NULL;
	return sl_config_load(NULL, NULL, 0, &cfg, &why) != SL_OK;
}

static int teardown(void **state)
{
	sl_config_unref(cfg);
	return 0;
}

static int fetch_ok(void *ctx, const char *type, const char *id, const json_t *media, size_t cap,
		    struct sl_wa_fetched *out, char **why)
{
	if (ctx != NULL) { /* fail */
		*why = sl_xstrdup("HTTP 404");
		return SL_EINVAL;
	}
	out->data = (unsigned char *)sl_xstrdup("MZ...");
	out->len = 5;
	return SL_OK;
}

struct t {
	struct sl_wa_payload *pl;
	struct sl_wa_msg *wm;
	json_t *out;
};

static void map(struct t *t, const char *msg, const char *name, int fail)
{
	char *body = g_strdup_printf(
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"42\",\"changes\":[{"
	    "\"field\":\"messages\","
	    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":\"9\"}"
	    ",\"contacts\":[{"
	    "\"profile\":{\"name\":\"%s\"},\"wa_id\":\"16505551234\"}],\"messages\":[%s]}}]}]}",
	    name, msg);
	char *why = NULL;
	memset(t, 0, sizeof(*t));
	assert_int_equal(sl_wa_payload_parse(body, strlen(body), &t->pl, &why), SL_OK);
	assert_int_equal(
	    sl_wa_msg_new(&t->pl->items[0], cfg, fetch_ok, fail ? (void *)1 : NULL, &t->wm, &why),
	    SL_OK);
	g_free(body);
}

static void done(struct t *t)
{
	json_decref(t->out);
	sl_wa_msg_free(t->wm);
	sl_wa_payload_free(t->pl);
}

static int pidx(const struct t *t, const char *id)
{
	int i = sl_msg_find_part(t->wm->m, id);
	if (i < 0)
		fail_msg("no part %s", id);
	return i;
}

/* A finding with its action, as the policy would set it. */
static void finding(struct t *t, enum sl_finding_kind k, const char *rule, const char *part,
		    enum sl_action a, const char *detail)
{
	struct sl_msg *m = t->wm->m;
	sl_msg_add_finding(m, k, rule, part ? pidx(t, part) : -1, "%s", detail);
	m->findings[m->nfindings - 1].action = a;
	if (a == SL_ACT_QUARANTINE && m->verdict < SL_VERDICT_QUARANTINE)
		m->verdict = SL_VERDICT_QUARANTINE;
	else if (a != SL_ACT_NONE && m->verdict < SL_VERDICT_REWRITE)
		m->verdict = SL_VERDICT_REWRITE;
}

static json_t *rewrite(struct t *t, const struct sl_edits *e, int want)
{
	char *why = NULL;
	int rc = sl_wa_rewrite(t->wm, e, "0123456789abcdef0123456789abcdef", &t->out, &why);
	if (rc != want)
		fail_msg("sl_wa_rewrite: %d (%s), expected %d", rc, why ? why : "", want);
	free(why);
	if (t->out == NULL)
		return NULL;
	return json_object_get(
	    json_array_get(
		json_object_get(json_array_get(json_object_get(t->out, "entry"), 0), "changes"), 0),
	    "value");
}

static json_t *msg_of(json_t *v)
{
	return json_array_get(json_object_get(v, "messages"), 0);
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(o, a);
	if (b != NULL)
		x = json_object_get(x, b);
	return json_string_value(x);
}

static void test_clean(void **state)
{
	struct t t;
	json_t *v, *m, *plain;
	map(&t,
	    "{\"from\":\"16505551234\",\"id\":\"w1\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}",
	    "Ann", 0);
	v = rewrite(&t, NULL, SL_OK);
	m = msg_of(v);
	plain = json_deep_copy(m);
	json_object_del(plain, "sluice");
	assert_true(json_equal(plain, t.pl->items[0].object));
	assert_true(
	    json_equal(json_array_get(json_object_get(v, "contacts"), 0), t.pl->items[0].contact));
	assert_string_equal(str_at(m, "sluice", "verdict"), "clean");
	assert_true(json_is_null(json_object_get(json_object_get(m, "sluice"), "reference")));
	assert_string_equal(str_at(m, "sluice", "delivery_id"), "0123456789abcdef0123456789abcdef");
	assert_int_equal(json_array_size(json_object_get(json_object_get(m, "sluice"), "findings")),
			 0);
	assert_string_equal(json_string_value(json_object_get(t.out, "object")),
			    "whatsapp_business_account");
	json_decref(plain);
	done(&t);
}

/* Every kind of text field takes the URL rewriter's edits. */
static void test_edits_every_field(void **state)
{
	static const struct {
		const char *msg;
		const char *part;
		const char *a, *b; /* where the edited text is in the output */
		int in_contact;
	} cases[] = {
	    {"\"type\":\"text\",\"text\":{\"body\":\"go EVIL now\"}", "text.body", "text", "body",
	     0},
	    {"\"type\":\"image\",\"image\":{\"id\":\"5\",\"caption\":\"go EVIL now\"}",
	     "image.caption", "image", "caption", 0},
	    {"\"type\":\"video\",\"video\":{\"id\":\"5\",\"caption\":\"go EVIL now\"}",
	     "video.caption", "video", "caption", 0},
	    {"\"type\":\"document\",\"document\":{\"id\":\"5\",\"filename\":\"go EVIL now\"}",
	     "document.filename", "document", "filename", 0},
	    {"\"type\":\"location\",\"location\":{\"url\":\"go EVIL now\"}", "location.url",
	     "location", "url", 0},
	    {"\"type\":\"location\",\"location\":{\"address\":\"go EVIL now\"}", "location.address",
	     "location", "address", 0},
	    {"\"type\":\"button\",\"button\":{\"text\":\"go EVIL now\",\"payload\":\"p\"}",
	     "button.text", "button", "text", 0},
	    {"\"type\":\"reaction\",\"reaction\":{\"emoji\":\"go EVIL now\"}", "reaction.emoji",
	     "reaction", "emoji", 0},
	    {"\"type\":\"text\",\"text\":{\"body\":\"x\"}", "contact.profile.name", "profile",
	     "name", 1},
	};
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct t t;
		struct sl_edits e = {0};
		char *msg =
		    g_strdup_printf("{\"from\":\"16505551234\",\"id\":\"w\",%s}", cases[i].msg);
		json_t *v, *m;
		int p;
		map(&t, msg, "go EVIL now", 0);
		p = pidx(&t, cases[i].part);
		sl_edits_add(&e, p, 3, 7, "hxxps[:]//evil[.]test");
		t.wm->m->verdict = SL_VERDICT_REWRITE;
		v = rewrite(&t, &e, SL_OK);
		m = cases[i].in_contact ? json_array_get(json_object_get(v, "contacts"), 0)
					: msg_of(v);
		assert_string_equal(str_at(m, cases[i].a, cases[i].b),
				    "go hxxps[:]//evil[.]test now");
		/* media stay where nothing removed them */
		if (json_object_get(msg_of(v), "image") != NULL)
			assert_string_equal(str_at(msg_of(v), "image", "id"), "5");
		sl_edits_clear(&e);
		done(&t);
		g_free(msg);
	}
	/* a list inside the message: contacts[0].urls[0].url */
	{
		struct t t;
		struct sl_edits e = {0};
		json_t *v;
		map(&t,
		    "{\"from\":\"1\",\"id\":\"w\",\"type\":\"contacts\",\"contacts\":[{\"urls\":[{"
		    "\"url\":\"EVIL\"}]}]}",
		    "Ann", 0);
		sl_edits_add(&e, pidx(&t, "contacts.0.urls.0.url"), 0, 4, "safe");
		t.wm->m->verdict = SL_VERDICT_REWRITE;
		v = rewrite(&t, &e, SL_OK);
		assert_string_equal(
		    json_string_value(json_object_get(
			json_array_get(
			    json_object_get(
				json_array_get(json_object_get(msg_of(v), "contacts"), 0), "urls"),
			    0),
			"url")),
		    "safe");
		sl_edits_clear(&e);
		done(&t);
	}
}

static void test_media_withheld(void **state)
{
	static const char *const types[] = {"image", "video", "audio", "document", "sticker"};
	size_t i;
	for (i = 0; i < 5; i++) {
		int fail;
		for (fail = 0; fail < 2; fail++) {
			struct t t;
			char *msg = g_strdup_printf(
			    "{\"from\":\"1\",\"id\":\"w\",\"type\":\"%s\",\"%s\":{\"id\":\"77\","
			    "\"url\":\"https://lookaside.test/x\",\"mime_type\":\"image/png\","
			    "\"caption\":\"look\"}}",
			    types[i], types[i]);
			json_t *v, *m, *media;
			const char *cap;
			map(&t, msg, "Ann", fail);
			t.wm->m->reference = sl_xstrdup("SL-AAAA-BBBB-CCCC-DDDD");
			if (!fail) {
				finding(&t, SL_FIND_FILETYPE, "executable", types[i], SL_ACT_REMOVE,
					"'x' is a program");
			} else {
				/* the policy's default for media_unscanned */
				t.wm->m->findings[0].action = SL_ACT_REMOVE;
				t.wm->m->verdict = SL_VERDICT_REWRITE;
			}
			v = rewrite(&t, NULL, SL_OK);
			m = msg_of(v);
			media = json_object_get(m, types[i]);
			assert_null(json_object_get(media, "id"));
			assert_null(json_object_get(media, "url"));
			assert_string_equal(json_string_value(json_object_get(media, "mime_type")),
					    "image/png");
			assert_string_equal(
			    json_string_value(json_array_get(
				json_object_get(json_object_get(m, "sluice"), "withheld"), 0)),
			    "77");
			assert_non_null(
			    strstr(str_at(m, "sluice", "notice"), "SL-AAAA-BBBB-CCCC-DDDD/"));
			assert_non_null(strstr(str_at(m, "sluice", "notice"),
					       fail ? "HTTP 404" : "is a program"));
			assert_string_equal(str_at(m, "sluice", "reference"),
					    "SL-AAAA-BBBB-CCCC-DDDD");
			cap = json_string_value(json_object_get(media, "caption"));
			if (strcmp(types[i], "audio") == 0 || strcmp(types[i], "sticker") == 0) {
				assert_string_equal(cap,
						    "look"); /* no caption to show a notice in */
			} else {
				assert_non_null(strstr(cap, "look\n\nsluice removed"));
			}
			done(&t);
			g_free(msg);
		}
	}
}

/* Unscanned media go whatever the policy says of media_unscanned. */
static void test_unscanned_whatever_policy(void **state)
{
	struct t t;
	json_t *v;
	map(&t, "{\"from\":\"1\",\"id\":\"w\",\"type\":\"image\",\"image\":{\"id\":\"77\"}}", "Ann",
	    1);
	assert_int_equal(t.wm->m->findings[0].action, SL_ACT_NONE);
	assert_true(sl_wa_unscanned(t.wm));
	t.wm->m->verdict = SL_VERDICT_CLEAN; /* policy.media_unscanned = none */
	v = rewrite(&t, NULL, SL_OK);
	assert_string_equal(str_at(msg_of(v), "sluice", "verdict"), "rewrite");
	assert_null(json_object_get(json_object_get(msg_of(v), "image"), "id"));
	assert_non_null(str_at(msg_of(v), "sluice", "notice"));
	done(&t);
}

static void test_text_removed(void **state)
{
	struct t t;
	json_t *v;
	map(&t, "{\"from\":\"1\",\"id\":\"w\",\"type\":\"text\",\"text\":{\"body\":\"X5O!P%@AP\"}}",
	    "Ann", 0);
	finding(&t, SL_FIND_VIRUS, "virus", "text.body", SL_ACT_REMOVE, "Eicar-Signature");
	v = rewrite(&t, NULL, SL_OK);
	assert_non_null(strstr(str_at(msg_of(v), "text", "body"), "sluice removed"));
	assert_null(strstr(str_at(msg_of(v), "text", "body"), "X5O"));
	done(&t);
}

static void test_placeholder(void **state)
{
	struct t t;
	json_t *v, *m, *c;
	const char *body;
	map(&t,
	    "{\"from\":\"16505551234\",\"id\":\"wamid.Q\",\"timestamp\":\"1765065600\",\"type\":"
	    "\"document\","
	    "\"context\":{\"id\":\"wamid.P\"},\"document\":{\"id\":\"5\",\"filename\":\"a.pdf\"}}",
	    "Mal https://phishing.test/x", 0);
	t.wm->m->reference = sl_xstrdup("SL-AAAA-BBBB-CCCC-DDDD");
	finding(&t, SL_FIND_STRUCTURE, "structure", NULL, SL_ACT_QUARANTINE,
		"see https://phishing.test/y");
	v = rewrite(&t, NULL, SL_OK);
	m = msg_of(v);
	assert_string_equal(str_at(m, "type", NULL), "text");
	assert_string_equal(str_at(m, "id", NULL), "wamid.Q");
	assert_string_equal(str_at(m, "from", NULL), "16505551234");
	assert_string_equal(str_at(m, "timestamp", NULL), "1765065600");
	assert_string_equal(str_at(m, "context", "id"), "wamid.P");
	assert_null(json_object_get(m, "document"));
	body = str_at(m, "text", "body");
	assert_non_null(strstr(body, "2025-12-07T00:00:00Z"));
	assert_non_null(strstr(body, "Reference: SL-AAAA-BBBB-CCCC-DDDD"));
	assert_non_null(strstr(body, "held"));
	assert_null(strstr(body, "https://phishing.test")); /* names and details defanged */
	assert_non_null(strstr(body, "hxxps[:]//phishing[.]test"));
	assert_string_equal(str_at(m, "sluice", "verdict"), "quarantine");
	assert_string_equal(str_at(m, "sluice", "original_type"), "document");
	assert_null(
	    strstr(json_string_value(json_object_get(
		       json_array_get(json_object_get(json_object_get(m, "sluice"), "findings"), 0),
		       "detail")),
		   "https://"));
	c = json_array_get(json_object_get(v, "contacts"), 0);
	assert_null(strstr(str_at(c, "profile", "name"), "https://phishing.test"));
	assert_string_equal(str_at(c, "wa_id", NULL), "16505551234");
	done(&t);

	/* a message whose rewrite failed is held the same way */
	map(&t, "{\"from\":\"1\",\"id\":\"w\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}", "Ann",
	    0);
	sl_wa_hold(t.wm, "because");
	assert_int_equal(t.wm->m->verdict, SL_VERDICT_QUARANTINE);
	v = rewrite(&t, NULL, SL_OK);
	assert_non_null(strstr(str_at(msg_of(v), "text", "body"), "because"));
	done(&t);
}

static void test_refusals(void **state)
{
	struct t t;
	struct sl_edits e = {0};
	/* an edit on a media object */
	map(&t, "{\"from\":\"1\",\"id\":\"w\",\"type\":\"image\",\"image\":{\"id\":\"5\"}}", "Ann",
	    0);
	t.wm->m->verdict = SL_VERDICT_REWRITE;
	sl_edits_add(&e, pidx(&t, "image"), 0, 1, "x");
	assert_null(rewrite(&t, &e, SL_EINVAL));
	sl_edits_clear(&e);
	done(&t);
	/* overlapping edits, and an edit past the end */
	map(&t, "{\"from\":\"1\",\"id\":\"w\",\"type\":\"text\",\"text\":{\"body\":\"abcdef\"}}",
	    "Ann", 0);
	t.wm->m->verdict = SL_VERDICT_REWRITE;
	sl_edits_add(&e, pidx(&t, "text.body"), 0, 4, "x");
	sl_edits_add(&e, pidx(&t, "text.body"), 2, 5, "y");
	assert_null(rewrite(&t, &e, SL_EINVAL));
	sl_edits_clear(&e);
	sl_edits_add(&e, pidx(&t, "text.body"), 2, 50, "y");
	assert_null(rewrite(&t, &e, SL_EINVAL));
	sl_edits_clear(&e);
	/* an edit that would leave invalid UTF-8 */
	sl_edits_add(&e, pidx(&t, "text.body"), 0, 1, "\xff");
	assert_null(rewrite(&t, &e, SL_EINVAL));
	sl_edits_clear(&e);
	/* a part the message does not have */
	sl_edits_add(&e, 99, 0, 1, "y");
	assert_null(rewrite(&t, &e, SL_EINVAL));
	sl_edits_clear(&e);
	done(&t);
}

static void test_release(void **state)
{
	struct t t;
	size_t len;
	char *orig, *why = NULL;
	json_t *out = NULL, *m, *s;
	map(&t,
	    "{\"from\":\"1\",\"id\":\"wamid.R\",\"type\":\"document\",\"document\":{\"id\":\"5\","
	    "\"filename\":\"a\"}}",
	    "Ann", 0);
	orig = sl_wa_original(t.wm, &len);
	assert_int_equal(sl_wa_release_payload((unsigned char *)orig, len, "SL-AAAA-BBBB-CCCC-DDDD",
					       "alice", "checked https://phishing.test is gone",
					       1765065600, "d1", &out, &why),
			 SL_OK);
	assert_null(json_object_get(out, "sluice_media"));
	m = json_array_get(
	    json_object_get(
		json_object_get(
		    json_array_get(json_object_get(json_array_get(json_object_get(out, "entry"), 0),
						   "changes"),
				   0),
		    "value"),
		"messages"),
	    0);
	assert_string_equal(str_at(m, "document", "id"), "5");
	s = json_object_get(m, "sluice");
	assert_string_equal(str_at(s, "verdict", NULL), "released");
	assert_string_equal(str_at(s, "released_by", NULL), "alice");
	assert_string_equal(str_at(s, "released_at", NULL), "2025-12-07T00:00:00Z");
	assert_null(strstr(str_at(s, "reason", NULL), "https://"));
	assert_string_equal(
	    str_at(json_array_get(json_object_get(s, "media"), 0), "data_base64", NULL),
	    "TVouLi4=");
	assert_string_equal(str_at(json_array_get(json_object_get(s, "media"), 0), "id", NULL),
			    "5");
	json_decref(out);
	free(orig);
	assert_int_equal(
	    sl_wa_release_payload((unsigned char *)"{}", 2, "SL-X", "a", "r", 0, "d", &out, &why),
	    SL_EPARSE);
	free(why);
	done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean),          cmocka_unit_test(test_edits_every_field),
	    cmocka_unit_test(test_media_withheld), cmocka_unit_test(test_unscanned_whatever_policy),
	    cmocka_unit_test(test_text_removed),   cmocka_unit_test(test_placeholder),
	    cmocka_unit_test(test_refusals),       cmocka_unit_test(test_release),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
