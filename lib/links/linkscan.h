/*
 * linkscan - internal to the URL stage (urls.c and htmllinks.c): one run
 * over one message, and where the text being searched was written.
 *
 * A searched buffer is often not the part's text itself but a decoded copy
 * (HTML entities, iCalendar folds and escapes, format=flowed soft breaks): an
 * sl_textpos says where each of its bytes sits in the part's text, so that
 * what is recorded is always a range of the part's text.
 *
 * Overrides, for text whose links must all be recorded the same way: ctx >= 0
 * gives every URL found that context (calendar parts, SVG and .ics files);
 * whole gives every URL found the range [whole_off, whole_off + whole_len)
 * (a header field, an iframe srcdoc attribute). Callers set and restore them.
 */
#ifndef SL_LINKSCAN_H
#define SL_LINKSCAN_H

#include <stddef.h>

#include <glib.h>

#include "msg.h"

struct sl_textpos {
	const size_t *map; /* map[i]: where byte i was written; n+1 entries. NULL: base + i */
	size_t base;
};

static inline size_t sl_textpos_at(struct sl_textpos p, size_t i)
{
	return p.map != NULL ? p.map[i] : p.base + i;
}

/* The position of a buffer that starts at byte i of this one. */
static inline struct sl_textpos sl_textpos_from(struct sl_textpos p, size_t i)
{
	struct sl_textpos q = { p.map != NULL ? p.map + i : NULL, p.base + i };
	return q;
}

struct sl_linkscan {
	struct sl_msg *m;
	int part;              /* the part being searched */
	int ctx;               /* -1, or the context every URL found gets */
	int whole;             /* every URL found gets [whole_off, whole_off + whole_len) */
	size_t whole_off, whole_len;
	const char *base_url;  /* the HTML document's <base href>, absolute, or NULL */
	int html_nested;       /* inside a conditional comment or a srcdoc document */
	size_t max_html_depth; /* urls.max_html_depth */
	GHashTable *seen;      /* attribute offsets recorded in the current HTML part */
	GPtrArray *walk;       /* scratch stack for anchor text */
	int stopped;           /* urls.max_urls reached */
	void *priv;            /* urls.c's own state (patterns, match data, limits) */
};

/* Records url (len bytes) found at [off, end) of the part's text, overrides
 * applied. Returns 0, or SL_ETOOBIG once urls.max_urls is reached (the run
 * stops; later calls do nothing). */
int sl_linkscan_add(struct sl_linkscan *r, const char *url, size_t len, size_t off, size_t end,
		    enum sl_url_context ctx, const char *shown);

/* Finds URLs typed as text in s[0, n) (SL_URLCTX_TEXT). */
void sl_linkscan_text(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos);

#endif
