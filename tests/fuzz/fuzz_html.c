/*
 * fuzz_html - libFuzzer harness for the urls stage: the input becomes a
 * text/html part, a text/plain part, a text/calendar part, an SVG and an
 * .ics attachment and a PDF attachment of one message (the first byte picks
 * the declared charset), and the stage runs over it. Must never crash, leak,
 * or record a URL whose range lies outside its part's text (data for PDFs),
 * whose string is not UTF-8, or whose shown_as is too long.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "msg.h"
#include "urls.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_urls *stage;

static int add(struct sl_msg *m, const char *id, const char *type, const char *cs,
	       const uint8_t *p, size_t n)
{
	unsigned char *d = sl_xmalloc(n + 1);
	int i = sl_msg_add_part(m, -1, id, SL_ORIGIN_MIME);

	memcpy(d, p, n);
	sl_msg_part_take_data(m, i, d, n);
	m->parts[i].declared_type = sl_xstrdup(type);
	m->parts[i].charset = cs != NULL ? sl_xstrdup(cs) : NULL;
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "windows-1252", "utf-16le",
						"utf-16", "shift_jis", "iso-2022-jp", "koi8-r",
						"x-bogus", "us-ascii" };
	const char *cs;
	struct sl_msg *m;
	size_t i;
	int pdf;

	if (stage == NULL) {
		struct sl_config *cfg = NULL;
		const char *ov[] = { "urls.max_urls=2000", "urls.max_url_length=2048" };
		char *why = NULL;
		if (sl_config_load(NULL, ov, 2, &cfg, &why) != SL_OK)
			abort();
		stage = sl_urls_new(cfg, &why);
		if (stage == NULL)
			abort();
		sl_config_unref(cfg);
	}
	cs = size > 0 ? charsets[data[0] % G_N_ELEMENTS(charsets)] : NULL;
	m = sl_msg_new(SL_CHANNEL_EMAIL, "fuzz", data, size);
	add(m, "1", "text/html", cs, data, size);
	add(m, "2", "text/plain", cs, data, size);
	add(m, "3", "text/calendar", cs, data, size);
	pdf = add(m, "4", "image/svg+xml", cs, data, size);
	m->parts[pdf].is_attachment = 1;
	m->parts[pdf].detected_type = sl_xstrdup("image/svg+xml");
	pdf = add(m, "5", "text/calendar", cs, data, size);
	m->parts[pdf].is_attachment = 1;
	m->parts[pdf].detected_type = sl_xstrdup("text/calendar");
	pdf = add(m, "6", "application/pdf", NULL, data, size);
	m->parts[pdf].is_attachment = 1;
	m->parts[pdf].detected_type = sl_xstrdup("application/pdf");
	if (sl_urls_run(stage, m) != 0)
		abort();
	for (i = 0; i < m->nurls; i++) {
		const struct sl_url *u = &m->urls[i];
		const struct sl_part *p = &m->parts[u->part];
		size_t lim = p->text == NULL ? p->data_len : p->text_len; /* PDFs: data */
		if (u->url == NULL || u->offset > lim || u->length > lim - u->offset)
			abort();
		/* Over-long URLs are recorded whole (for the rewriter); converted text
		 * is at most 3 bytes a byte (U+FFFD), plus a little. */
		if (!g_utf8_validate(u->url, -1, NULL) || strlen(u->url) > 3 * size + 16)
			abort();
		if (u->shown_as != NULL &&
		    (strlen(u->shown_as) > SL_URLS_SHOWN_MAX || !g_utf8_validate(u->shown_as, -1, NULL)))
			abort();
	}
	if (m->nurls > 2000)
		abort();
	sl_msg_free(m);
	return 0;
}
