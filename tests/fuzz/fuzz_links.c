/*
 * fuzz_links - libFuzzer harness for the link parsers the URL stage added:
 * CSS (css.h), iCalendar (ical.h), format=flowed (flowed.h), srcset lists
 * and base resolution (urlref.h) run on the input directly; then the input
 * is a whole message: MIME parse, the URL stage (header links, flowed
 * text, calendars), every header link judged malicious with a defang action,
 * and the header block copied through the header rewrite (hdrlinks.h).
 * Must never crash or leak; every range a parser gives must lie inside its
 * input and every map entry too; the rewritten header block must keep every
 * line end followed by a field or a continuation (no injected lines).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "css.h"
#include "flowed.h"
#include "hdrlinks.h"
#include "ical.h"
#include "mime.h"
#include "msg.h"
#include "urlref.h"
#include "urls.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_mime *mi;
static struct sl_urls *stage;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *ov[] = { "limits.mime_depth=12", "limits.max_parts=200",
				    "urls.max_urls=2000" };
	struct sl_config *cfg = NULL;
	char *why = NULL;

	sl_log_open("fuzz_links", 0, SL_LOG_ERR);
	if (sl_config_load(NULL, ov, 3, &cfg, &why) != SL_OK)
		abort();
	mi = sl_mime_new(cfg, &why);
	stage = sl_urls_new(cfg, &why);
	if (mi == NULL || stage == NULL)
		abort();
	sl_config_unref(cfg);
	return 0;
}

struct bound {
	size_t n;
};

static int on_css(void *ctx, const char *url, size_t len, size_t begin, size_t end)
{
	const struct bound *b = ctx;
	if (len == 0 || begin >= end || end > b->n)
		abort();
	(void)url;
	return 0;
}

static int on_ical(void *ctx, enum sl_ical_kind kind, const char *prop, const char *v, size_t len,
		   const size_t *map)
{
	const struct bound *b = ctx;
	size_t i;
	for (i = 0; i <= len; i++)
		if (map[i] > b->n || (i > 0 && map[i] < map[i - 1]))
			abort();
	(void)kind, (void)prop, (void)v;
	return 0;
}

static void parsers(const char *s, size_t n)
{
	struct bound b = { n };
	struct sl_buf out;
	size_t *map = NULL, pos = 0, lb, le, i;
	const char *nl;

	sl_css_urls(s, n, on_css, &b);
	sl_ical_scan(s, n, on_ical, &b);
	sl_flowed_unfold(s, n, n > 0 && (s[0] & 1), &out, &map);
	if (out.len > n || map[out.len] != n)
		abort();
	for (i = 0; i < out.len; i++)
		if (map[i] >= n || out.data[i] != s[map[i]])
			abort();
	sl_buf_free(&out);
	free(map);
	while (sl_url_list_next(s, n, &pos, n > 1 && (s[1] & 1), &lb, &le))
		if (lb >= le || le > n || pos > n)
			abort();
	/* first line: a base; the rest: a reference */
	nl = memchr(s, '\n', n);
	if (nl != NULL && memchr(s, '\0', n) == NULL) {
		char *base = g_strndup(s, (gsize)(nl - s));
		char *ref = g_strndup(nl + 1, n - (size_t)(nl - s) - 1);
		char *r = sl_url_resolve(base, ref);
		(void)sl_urlref_is_absolute(ref);
		free(r);
		g_free(ref);
		g_free(base);
	}
}

/* Each line end of the header block h[0, n) is followed by a field name
 * (something with a ':' on its line), a continuation, or the end. */
static int lines_sound(const char *h, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *eol = memchr(h + i, '\n', n - i);
		size_t e = eol != NULL ? (size_t)(eol - h) : n;
		if (e == i || (e == i + 1 && h[i] == '\r'))
			break; /* the blank line that ends the block */
		if (h[i] != ' ' && h[i] != '\t' && memchr(h + i, ':', e - i) == NULL)
			return 0;
		i = e + 1;
	}
	return 1;
}

static void message(const uint8_t *data, size_t size)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "fuzz", data, size);
	struct sl_buf out;
	size_t i, before;
	int flagged = 0;

	sl_mime_run(mi, m);
	if (sl_urls_run(stage, m) != 0)
		abort();
	for (i = 0; i < m->nurls; i++) {
		struct sl_url *u = &m->urls[i];
		if (u->context != SL_URLCTX_HEADER)
			continue;
		if (u->offset > size || u->length > size - u->offset)
			abort();
		u->reputation = SL_REP_MALICIOUS;
		if (!flagged) {
			sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", u->part, "fuzz");
			m->findings[m->nfindings - 1].action = SL_ACT_DEFANG;
			flagged = 1;
		}
	}
	if (flagged) {
		/* only fields that were sound before: the raw block may be anything */
		size_t end = m->headers_end > 0 && (size_t)m->headers_end <= size ? (size_t)m->headers_end : 0;
		before = lines_sound((const char *)data, end);
		sl_buf_init(&out, 0);
		sl_hdrlinks_copy(m, 0, end, &out);
		if (before && out.data != NULL && !lines_sound(out.data, out.len))
			abort();
		sl_buf_free(&out);
	}
	sl_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parsers((const char *)data, size);
	message(data, size);
	return 0;
}
