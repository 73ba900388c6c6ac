/*
 * urls_test.h - helpers shared by the URL stage's tests (test_urls.c,
 * test_htmllinks.c): a stage from overrides, messages of hand-built parts,
 * and a check that a URL was recorded with its context and the exact bytes
 * of its range.
 */
#ifndef URLS_TEST_H
#define URLS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "config.h"
#include "msg.h"
#include "urls.h"
#include "util.h"

static inline struct sl_urls *new_stage(const char *const *ov, size_t nov)
{
	struct sl_config *cfg = NULL;
	struct sl_urls *u;
	char *why = NULL;

	assert_int_equal(sl_config_load(NULL, ov, nov, &cfg, &why), SL_OK);
	u = sl_urls_new(cfg, &why);
	if (u == NULL)
		fail_msg("sl_urls_new: %s", why);
	sl_config_unref(cfg);
	return u;
}

static inline int add_part(struct sl_msg *m, const char *type, const char *charset, const void *p,
		    size_t n)
{
	char id[16];
	unsigned char *d = sl_xmalloc(n + 1);
	int i;

	snprintf(id, sizeof(id), "%zu", m->nparts + 1);
	i = sl_msg_add_part(m, -1, id, SL_ORIGIN_MIME);
	memcpy(d, p, n);
	d[n] = 0;
	sl_msg_part_take_data(m, i, d, n);
	m->parts[i].declared_type = type != NULL ? sl_xstrdup(type) : NULL;
	m->parts[i].charset = charset != NULL ? sl_xstrdup(charset) : NULL;
	m->parts[i].is_body_text = 1;
	return i;
}

/* Runs a default stage over one part. */
static inline struct sl_msg *run1(const char *type, const char *charset, const void *p, size_t n)
{
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);

	add_part(m, type, charset, p, n);
	assert_int_equal(sl_urls_run(u, m), 0);
	sl_urls_free(u);
	return m;
}

static inline struct sl_msg *run_str(const char *type, const char *s)
{
	return run1(type, NULL, s, strlen(s));
}

/* URL i is url, in ctx, and the part's text at its range is written. */
static inline void check(const struct sl_msg *m, size_t i, const char *url, enum sl_url_context ctx,
		  const char *written)
{
	const struct sl_url *x;
	const struct sl_part *p;

	if (i >= m->nurls)
		fail_msg("url %zu missing (%zu found), want %s", i, m->nurls, url);
	x = &m->urls[i];
	p = &m->parts[x->part];
	assert_string_equal(x->url, url);
	assert_int_equal(x->context, ctx);
	assert_true(x->offset + x->length <= p->text_len);
	if (written != NULL) {
		assert_int_equal(x->length, strlen(written));
		assert_memory_equal(p->text + x->offset, written, x->length);
	}
}

static inline void check_text(const struct sl_msg *m, size_t i, const char *url)
{
	check(m, i, url, SL_URLCTX_TEXT, url);
}

#endif
