/* msg - see msg.h. */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct sl_msg *sl_msg_new(enum sl_channel ch, const char *id, const unsigned char *raw, size_t len)
{
	struct sl_msg *m = sl_xcalloc(1, sizeof(*m));
	m->channel = ch;
	m->id = sl_xstrdup(id ? id : "-");
	m->raw = raw;
	m->raw_len = len;
	m->headers_end = -1;
	return m;
}

struct sl_msg *sl_msg_new_take(enum sl_channel ch, const char *id, unsigned char *raw, size_t len)
{
	struct sl_msg *m = sl_msg_new(ch, id, raw, len);
	m->raw_owned = raw;
	return m;
}

struct sl_msg *sl_msg_free(struct sl_msg *m)
{
	size_t i;
	if (m == NULL)
		return NULL;
	if (m->mime_state != NULL && m->mime_state_free != NULL)
		m->mime_state_free(m->mime_state);
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		free(p->id);
		free(p->declared_type);
		free(p->filename);
		free(p->alt_filename);
		while (p->nnames > 0)
			free(p->names[--p->nnames]);
		free(p->names);
		free(p->charset);
		free(p->encoding);
		free(p->detected_type);
		free(p->detected_desc);
		free(p->data);
		free(p->av_name);
		free(p->text_owned);
		free(p->text_charset);
	}
	free(m->parts);
	for (i = 0; i < m->nurls; i++) {
		free(m->urls[i].url);
		free(m->urls[i].normalized);
		free(m->urls[i].shown_as);
		free(m->urls[i].source);
		free(m->urls[i].reason);
	}
	free(m->urls);
	for (i = 0; i < m->nfindings; i++) {
		free(m->findings[i].rule);
		free(m->findings[i].detail);
	}
	free(m->findings);
	free(m->raw_owned);
	free(m->reference);
	free(m->id);
	free(m);
	return NULL;
}

int sl_msg_add_url(struct sl_msg *m, int part, const char *url, size_t offset, size_t length,
		   enum sl_url_context ctx, const char *shown_as)
{
	struct sl_url *u;
	if (m->nurls == m->aurls) {
		m->aurls = m->aurls ? m->aurls * 2 : 16;
		m->urls = sl_xrealloc(m->urls, m->aurls * sizeof(*m->urls));
	}
	u = &m->urls[m->nurls];
	memset(u, 0, sizeof(*u));
	u->url = sl_xstrdup(url);
	u->part = part;
	u->offset = offset;
	u->length = length;
	u->context = ctx;
	u->shown_as = shown_as ? sl_xstrdup(shown_as) : NULL;
	u->reputation = SL_REP_UNKNOWN;
	return (int)m->nurls++;
}

int sl_url_context_loads(enum sl_url_context c)
{
	return c == SL_URLCTX_SRC || c == SL_URLCTX_SRCSET || c == SL_URLCTX_CSS || c == SL_URLCTX_BASE;
}

const char *sl_url_rep_name(enum sl_url_rep r)
{
	static const char *n[] = { "unknown", "clean", "suspicious", "malicious" };
	return n[r];
}

static void flag_with(struct sl_url *u, enum sl_url_rep rep, const char *source, char *reason)
{
	if (reason == NULL)
		reason = sl_xstrdup("?");
	if (rep > u->reputation) {
		free(u->source);
		free(u->reason);
		u->reputation = rep;
		u->source = sl_xstrdup(source);
		u->reason = reason;
		reason = NULL;
	} else if (rep == u->reputation && rep == SL_REP_SUSPICIOUS && u->reason != NULL) {
		char *both = sl_xasprintf("%s; %s", u->reason, reason);
		free(u->reason);
		u->reason = both;
	}
	free(reason);
}

void sl_url_flag(struct sl_url *u, enum sl_url_rep rep, const char *source, const char *fmt, ...)
{
	va_list ap;
	char *reason = NULL;
	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		reason = NULL;
	va_end(ap);
	flag_with(u, rep, source, reason);
}

void sl_url_suspicious(struct sl_url *u, const char *heuristic, const char *fmt, ...)
{
	va_list ap;
	char *reason = NULL, *source = sl_xasprintf("heuristic:%s", heuristic);
	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		reason = NULL;
	va_end(ap);
	flag_with(u, SL_REP_SUSPICIOUS, source, reason);
	free(source);
}

const char *sl_url_rule(const struct sl_url *u)
{
	if (u->reputation < SL_REP_SUSPICIOUS)
		return NULL;
	if (u->context == SL_URLCTX_ATTACHMENT)
		return "url_in_attachment";
	return u->reputation == SL_REP_MALICIOUS ? "url_malicious" : "url_suspicious";
}

int sl_msg_add_part(struct sl_msg *m, int parent, const char *id, enum sl_part_origin origin)
{
	struct sl_part *p;
	if (m->nparts == m->aparts) {
		m->aparts = m->aparts ? m->aparts * 2 : 16;
		m->parts = sl_xrealloc(m->parts, m->aparts * sizeof(*m->parts));
	}
	p = &m->parts[m->nparts];
	memset(p, 0, sizeof(*p));
	p->id = sl_xstrdup(id);
	p->parent = parent;
	p->origin = origin;
	p->hdr_start = p->body_start = p->body_end = -1;
	p->depth = parent >= 0 ? m->parts[parent].depth + 1 : 0;
	return (int)m->nparts++;
}

void sl_msg_part_add_name(struct sl_msg *m, int i, const char *name)
{
	struct sl_part *p = &m->parts[i];
	size_t k;
	if (name == NULL || *name == '\0' || p->nnames >= SL_PART_MAX_NAMES)
		return;
	if ((p->filename != NULL && strcmp(p->filename, name) == 0) ||
	    (p->alt_filename != NULL && strcmp(p->alt_filename, name) == 0))
		return;
	for (k = 0; k < p->nnames; k++)
		if (strcmp(p->names[k], name) == 0)
			return;
	p->names = sl_xrealloc(p->names, (p->nnames + 1) * sizeof(*p->names));
	p->names[p->nnames++] = sl_xstrdup(name);
}

void sl_msg_part_take_data(struct sl_msg *m, int i, unsigned char *data, size_t len)
{
	struct sl_part *p = &m->parts[i];
	free(p->data);
	p->data = data;
	p->data_len = len;
	p->size = len;
	p->sha256[0] = '\0';
}

const char *sl_msg_part_sha256(struct sl_msg *m, int i)
{
	struct sl_part *p = &m->parts[i];
	if (p->sha256[0] == '\0' && !p->is_container && p->data_len == p->size)
		sl_sha256_hex(p->data ? (const void *)p->data : "", p->size, p->sha256);
	return p->sha256;
}

void sl_msg_add_finding(struct sl_msg *m, enum sl_finding_kind kind, const char *rule, int part,
			const char *fmt, ...)
{
	struct sl_finding *f;
	va_list ap;
	char *detail = NULL;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = sl_xstrdup("?");
	va_end(ap);
	if (m->nfindings == m->afindings) {
		m->afindings = m->afindings ? m->afindings * 2 : 8;
		m->findings = sl_xrealloc(m->findings, m->afindings * sizeof(*m->findings));
	}
	f = &m->findings[m->nfindings++];
	f->kind = kind;
	f->rule = sl_xstrdup(rule);
	f->part = part;
	f->detail = detail;
	f->action = SL_ACT_NONE;
}

int sl_msg_has_finding(const struct sl_msg *m, enum sl_finding_kind kind, const char *rule, int part)
{
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->kind == kind && (rule == NULL || strcmp(f->rule, rule) == 0) &&
		    (part < -1 || f->part == part))
			return 1;
	}
	return 0;
}

int sl_msg_find_part(const struct sl_msg *m, const char *id)
{
	size_t i;
	for (i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].id, id) == 0)
			return (int)i;
	return -1;
}

char *sl_msg_first_line(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		if (p->text != NULL && p->text_len > 0) {
			size_t n = strcspn(p->text, "\r\n");
			return sl_xstrndup(p->text, n < p->text_len ? n : p->text_len);
		}
	}
	return sl_xstrdup("");
}

int sl_msg_mime_ancestor(const struct sl_msg *m, int i)
{
	while (i >= 0 && m->parts[i].origin != SL_ORIGIN_MIME && m->parts[i].origin != SL_ORIGIN_FIELD)
		i = m->parts[i].parent;
	return i;
}

int sl_msg_is_mime(const struct sl_msg *m)
{
	return m->channel == SL_CHANNEL_EMAIL;
}

const char *sl_verdict_name(enum sl_verdict v)
{
	static const char *n[] = { "clean", "rewrite", "quarantine", "reject" };
	return n[v];
}

const char *sl_finding_kind_name(enum sl_finding_kind k)
{
	static const char *n[] = { "virus", "filetype", "filename", "url", "structure", "limit", "pan" };
	return n[k];
}

static const char *action_names[] = { "none", "remove", "defang", "wrap", "quarantine", "reject" };

const char *sl_action_name(enum sl_action a)
{
	return action_names[a];
}

int sl_action_parse(const char *s, enum sl_action *out)
{
	size_t i;
	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (strcmp(s, action_names[i]) == 0) {
			*out = (enum sl_action)i;
			return SL_OK;
		}
	}
	return SL_EINVAL;
}
