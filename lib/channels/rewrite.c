/* rewrite - see rewrite.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "hdrlinks.h"
#include "util.h"

void sl_edits_add_bytes(struct sl_edits *e, int part, size_t begin, size_t end, const char *p, size_t n)
{
	if (e->n == e->alloc) {
		e->alloc = e->alloc ? e->alloc * 2 : 8;
		e->v = sl_xrealloc(e->v, e->alloc * sizeof(*e->v));
	}
	e->v[e->n].part = part;
	e->v[e->n].begin = begin;
	e->v[e->n].end = end;
	e->v[e->n].replacement = sl_xstrndup(p, n);
	e->v[e->n].replacement_len = n;
	e->n++;
}

void sl_edits_add(struct sl_edits *e, int part, size_t begin, size_t end, const char *replacement)
{
	sl_edits_add_bytes(e, part, begin, end, replacement, strlen(replacement));
}

void sl_edits_clear(struct sl_edits *e)
{
	size_t i;
	for (i = 0; i < e->n; i++)
		free(e->v[i].replacement);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

char *sl_msg_reference(const struct sl_msg *m)
{
	return sl_xstrdup(m->reference ? m->reference : SL_REWRITE_NOT_KEPT);
}

/* The sentence that tells the agent where the original is (part id or NULL). */
static char *where_kept(const struct sl_msg *m, const char *ref, const char *part)
{
	if (m->reference == NULL)
		return sl_xstrdup("The original was not kept (dry run): there is nothing to release.");
	if (part == NULL)
		return sl_xasprintf("Reference: %s", ref);
	return sl_xasprintf("Reference: %s/%s (a supervisor can look it up and release it).", ref, part);
}

/* A splice: raw[start, end) becomes repl. */
struct splice {
	size_t start, end;
	char *repl;
	size_t repl_len;
};

static int cmp_splice(const void *a, const void *b)
{
	const struct splice *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static const char *nl(const struct sl_msg *m)
{
	return m->crlf ? "\r\n" : "\n";
}

/* Why part i goes: the details of its findings, joined. */
static char *reasons(const struct sl_msg *m, int target)
{
	struct sl_buf b;
	size_t i;
	sl_buf_init(&b, 0);
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->part < 0 || sl_msg_mime_ancestor(m, f->part) != target || f->action != SL_ACT_REMOVE)
			continue;
		if (b.len)
			sl_buf_addstr(&b, "; ");
		if (f->part != target)
			sl_buf_printf(&b, "inside it, %s: ", m->parts[f->part].filename ? m->parts[f->part].filename : m->parts[f->part].id);
		sl_buf_addstr(&b, f->detail);
	}
	return sl_buf_take(&b);
}

/* Lines of a notice, each ended with the message's newline. */
static void add_line(struct sl_buf *b, const struct sl_msg *m, const char *s)
{
	sl_buf_addstr(b, s);
	sl_buf_addstr(b, nl(m));
}

/* The text/plain part that stands in for a removed one (headers + body). */
static char *notice_part(const struct sl_msg *m, int target, const char *ref, int with_headers)
{
	const struct sl_part *p = &m->parts[target];
	struct sl_buf body, out;
	char *why = reasons(m, target), *line;
	const char *name = p->filename ? p->filename : p->alt_filename;

	sl_buf_init(&body, 0);
	line = sl_xasprintf("sluice removed %s%s%s from this message.", name ? "the attachment \"" : "a part",
			    name ? name : "", name ? "\"" : "");
	add_line(&body, m, line);
	free(line);
	if (p->detected_desc != NULL) {
		line = sl_xasprintf("What it really is: %s", p->detected_desc);
		add_line(&body, m, line);
		free(line);
	}
	line = sl_xasprintf("Why: %s", why);
	add_line(&body, m, line);
	free(line);
	line = where_kept(m, ref, p->id);
	add_line(&body, m, line);
	free(line);
	free(why);

	sl_buf_init(&out, 0);
	if (with_headers) {
		int ascii = sl_is_ascii(body.data, body.len);
		sl_buf_printf(&out, "Content-Type: text/plain; charset=%s%s", ascii ? "us-ascii" : "utf-8", nl(m));
		sl_buf_printf(&out, "Content-Transfer-Encoding: %s%s", ascii ? "7bit" : "8bit", nl(m));
		sl_buf_printf(&out, "Content-Disposition: inline%s", nl(m));
		sl_buf_printf(&out, "X-Sluice-Removed: %s/%s%s%s", ref, p->id, nl(m), nl(m));
	}
	sl_buf_add(&out, body.data, body.len);
	sl_buf_free(&body);
	return sl_buf_take(&out);
}

/* End of the top header block: offset of the blank line's first byte. */
static size_t header_block_end(const struct sl_msg *m, size_t *body_start)
{
	const unsigned char *p = m->raw, *end = m->raw + m->raw_len;
	const unsigned char *line = p;
	while (line < end) {
		const unsigned char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t len = eol ? (size_t)(eol - line) : (size_t)(end - line);
		if (len == 0 || (len == 1 && line[0] == '\r')) {
			*body_start = eol ? (size_t)(eol + 1 - p) : m->raw_len;
			return (size_t)(line - p);
		}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	*body_start = m->raw_len;
	return m->raw_len;
}

static int is_content_header(const unsigned char *line, size_t len)
{
	static const char *const names[] = { "content-type:", "content-transfer-encoding:",
					     "content-disposition:", "mime-version:", NULL };
	size_t i;
	for (i = 0; names[i] != NULL; i++) {
		size_t n = strlen(names[i]);
		if (len >= n && g_ascii_strncasecmp((const char *)line, names[i], n) == 0)
			return 1;
	}
	return 0;
}

/* The top header block without the header fields for which drop() is true. */
static void copy_headers(const struct sl_msg *m, struct sl_buf *b, int keep_content)
{
	size_t bs, he = header_block_end(m, &bs);
	const unsigned char *p = m->raw, *line = m->raw, *end = m->raw + he;
	int dropping = 0;
	while (line < end) {
		const unsigned char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t len = eol ? (size_t)(eol + 1 - line) : (size_t)(end - line);
		if (line[0] != ' ' && line[0] != '\t')
			dropping = !keep_content && is_content_header(line, len);
		if (!dropping) /* header links disarmed (hdrlinks.h) */
			sl_hdrlinks_copy(m, (size_t)(line - p), (size_t)(line - p) + len, b);
		line += len;
	}
	(void)p;
}

static void verdict_header(const struct sl_msg *m, struct sl_buf *b, const char *ref)
{
	sl_buf_printf(b, "X-Sluice-Verdict: %s (%s)%s", sl_verdict_name(m->verdict), ref, nl(m));
}

static void placeholder(const struct sl_msg *m, const char *ref, struct sl_buf *b)
{
	size_t i;
	verdict_header(m, b, ref);
	copy_headers(m, b, 0);
	sl_buf_printf(b, "MIME-Version: 1.0%s", nl(m));
	sl_buf_printf(b, "Content-Type: text/plain; charset=utf-8%s", nl(m));
	sl_buf_printf(b, "Content-Transfer-Encoding: 8bit%s%s", nl(m), nl(m));
	add_line(b, m, m->reference ? "sluice held this message for review: it is in the quarantine, unchanged."
				    : "sluice held this message for review (dry run: the original was not kept).");
	add_line(b, m, "A supervisor can release it after checking it.");
	add_line(b, m, "");
	add_line(b, m, "Why:");
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->action == SL_ACT_NONE)
			continue;
		if (f->part >= 0)
			sl_buf_printf(b, "- part %s: %s%s", m->parts[f->part].id, f->detail, nl(m));
		else
			sl_buf_printf(b, "- %s%s", f->detail, nl(m));
	}
	add_line(b, m, "");
	{
		char *line = where_kept(m, ref, NULL);
		add_line(b, m, line);
		free(line);
	}
}

/* Re-encodes decoded bytes with the part's transfer encoding and the message's newlines. */
static void encode_body(const struct sl_msg *m, const struct sl_part *p, const char *data, size_t len,
			struct sl_buf *out)
{
	GMimeContentEncoding enc = p->encoding ? g_mime_content_encoding_from_string(p->encoding)
					       : GMIME_CONTENT_ENCODING_DEFAULT;
	if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		GMimeEncoding state;
		char *buf;
		size_t n, i;
		g_mime_encoding_init_encode(&state, enc);
		buf = sl_xmalloc(g_mime_encoding_outlen(&state, len) + 16);
		n = g_mime_encoding_flush(&state, data, len, buf);
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' && m->crlf && (i == 0 || buf[i - 1] != '\r'))
				sl_buf_add(out, "\r\n", 2);
			else
				sl_buf_add(out, buf + i, 1);
		}
		free(buf);
	} else {
		sl_buf_add(out, data, len);
	}
}

static int cmp_edit(const void *a, const void *b)
{
	const struct sl_text_edit *x = a, *y = b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Can part i (a MIME entity) be cut out of the raw message? */
static int can_remove(const struct sl_msg *m, size_t i)
{
	const struct sl_part *p = &m->parts[i];
	size_t k;
	if (p->hdr_start == 0)
		return 1; /* the whole body: headers + notice */
	if (!p->is_container)
		return p->body_end >= 0 && (p->hdr_start > 0 || p->body_start >= 0);
	if (p->hdr_start < 0)
		return 0;
	for (k = i + 1; k < m->nparts; k++) {
		int a = m->parts[k].parent;
		while (a >= 0 && a != (int)i)
			a = m->parts[a].parent;
		if (a == (int)i && m->parts[k].origin == SL_ORIGIN_MIME && m->parts[k].body_end >= 0)
			return 1;
	}
	return 0;
}

/* Can the text of part i be replaced (edited links, cut uuencode blocks)? */
static int can_edit(const struct sl_msg *m, int i)
{
	const struct sl_part *p = &m->parts[i];
	return p->origin == SL_ORIGIN_MIME && p->data != NULL && p->data_len == p->size &&
	       (p->hdr_start == 0 || (p->body_start >= 0 && p->body_end >= p->body_start));
}

int sl_rewrite_email_check(const struct sl_msg *m, const struct sl_edits *extra, char **why)
{
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		int t;
		if (f->action != SL_ACT_REMOVE || f->part < 0)
			continue;
		if (m->parts[f->part].origin == SL_ORIGIN_UUENCODE) {
			t = m->parts[f->part].parent;
			if (!can_edit(m, t)) {
				*why = sl_xasprintf("part %s cannot be re-encoded without its uuencoded file",
						    m->parts[t].id);
				return SL_EINVAL;
			}
			continue;
		}
		t = sl_msg_mime_ancestor(m, f->part);
		if (t < 0 || !can_remove(m, (size_t)t)) {
			*why = sl_xasprintf("part %s cannot be cut out of the message",
					    t >= 0 ? m->parts[t].id : m->parts[f->part].id);
			return SL_EINVAL;
		}
	}
	for (i = 0; extra != NULL && i < extra->n; i++) {
		if (!can_edit(m, extra->v[i].part)) {
			*why = sl_xasprintf("the links of part %s cannot be rewritten in place",
					    m->parts[extra->v[i].part].id);
			return SL_EINVAL;
		}
	}
	return SL_OK;
}

int sl_rewrite_email(const struct sl_msg *m, const struct sl_edits *extra, unsigned char **out,
		     size_t *outlen)
{
	struct sl_buf b;
	GArray *splices = g_array_new(FALSE, TRUE, sizeof(struct splice));
	char *ref = NULL;
	unsigned char *removed = NULL;
	struct sl_edits edits = { 0 };
	size_t i, pos;
	int whole_body = -1, rc = SL_OK;

	*out = NULL;
	*outlen = 0;
	sl_buf_init(&b, 0);
	if (m->verdict == SL_VERDICT_REJECT)
		goto out;
	if (m->verdict == SL_VERDICT_CLEAN) {
		sl_buf_add(&b, m->raw, m->raw_len);
		goto done;
	}
	ref = sl_msg_reference(m);
	if (m->verdict == SL_VERDICT_QUARANTINE) {
		placeholder(m, ref, &b);
		goto done;
	}
	{
		/* Never a "rewrite" that leaves what it should remove: the caller
		 * quarantines instead (sl_engine_scan checks this first). */
		char *why = NULL;
		if (sl_rewrite_email_check(m, extra, &why) != SL_OK) {
			sl_log(SL_LOG_WARNING, "id=%s rewrite impossible: %s", m->id, why);
			free(why);
			rc = SL_EINVAL;
			goto out;
		}
	}

	/* Which MIME parts go, which uuencoded blocks are cut out. */
	removed = sl_xcalloc(m->nparts ? m->nparts : 1, 1);
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		int t;
		if (f->action != SL_ACT_REMOVE || f->part < 0)
			continue;
		if (m->parts[f->part].origin == SL_ORIGIN_UUENCODE) {
			const struct sl_part *u = &m->parts[f->part];
			char *note;
			if (removed[f->part])
				continue;
			removed[f->part] = 1;
			{
				char *w = where_kept(m, ref, u->id);
				note = sl_xasprintf("[sluice removed the uuencoded file \"%s\": %s. %s]%s",
						    u->filename ? u->filename : "", f->detail, w, nl(m));
				free(w);
			}
			sl_edits_add(&edits, u->parent, u->span_begin, u->span_end, note);
			free(note);
			continue;
		}
		t = sl_msg_mime_ancestor(m, f->part);
		if (t >= 0)
			removed[t] = 1;
	}
	if (extra != NULL)
		for (i = 0; i < extra->n; i++)
			sl_edits_add_bytes(&edits, extra->v[i].part, extra->v[i].begin, extra->v[i].end,
					   extra->v[i].replacement, extra->v[i].replacement_len);

	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		struct splice s = { 0 };
		if (!removed[i] || p->origin != SL_ORIGIN_MIME)
			continue;
		if (p->hdr_start == 0) {
			whole_body = (int)i; /* the message is this one part */
			continue;
		}
		if (p->is_container) {
			/* A forwarded message or a multipart as a whole: up to the end
			 * of its last descendant. */
			size_t k;
			int64_t endpos = -1;
			for (k = i + 1; k < m->nparts; k++) {
				int a = m->parts[k].parent;
				while (a >= 0 && a != (int)i)
					a = m->parts[a].parent;
				if (a == (int)i && m->parts[k].origin == SL_ORIGIN_MIME && m->parts[k].body_end > endpos)
					endpos = m->parts[k].body_end;
			}
			s.start = (size_t)p->hdr_start;
			s.end = (size_t)endpos;
			s.repl = notice_part(m, (int)i, ref, 1);
			s.repl_len = strlen(s.repl);
			g_array_append_val(splices, s);
			continue;
		}
		if (p->hdr_start > 0) {
			s.start = (size_t)p->hdr_start;
			s.repl = notice_part(m, (int)i, ref, 1);
		} else {
			s.start = (size_t)p->body_start;
			s.repl = notice_part(m, (int)i, ref, 0);
		}
		s.end = (size_t)p->body_end;
		s.repl_len = strlen(s.repl);
		g_array_append_val(splices, s);
	}

	/* Text edits: per part, rebuild the decoded content and re-encode it. */
	if (edits.n > 0)
		qsort(edits.v, edits.n, sizeof(*edits.v), cmp_edit);
	for (i = 0; i < edits.n;) {
		int part = edits.v[i].part;
		const struct sl_part *p = &m->parts[part];
		struct sl_buf dec, enc;
		struct splice s = { 0 };
		size_t at = 0;
		sl_buf_init(&dec, 0);
		for (; i < edits.n && edits.v[i].part == part; i++) {
			const struct sl_text_edit *e = &edits.v[i];
			if (e->begin < at || e->end > p->size)
				continue; /* overlapping edit: the first one wins */
			sl_buf_add(&dec, p->data + at, e->begin - at);
			sl_buf_add(&dec, e->replacement, e->replacement_len);
			at = e->end;
		}
		sl_buf_add(&dec, p->data + at, p->size - at);
		if (removed[part] || p->hdr_start == 0) {
			/* A removed part needs no edits; the top single part is
			 * rebuilt below with its header block. */
			sl_buf_free(&dec);
			if (p->hdr_start == 0 && !removed[part])
				whole_body = -2 - part;
			continue;
		}
		sl_buf_init(&enc, 0);
		encode_body(m, p, dec.data ? dec.data : "", dec.len, &enc);
		sl_buf_free(&dec);
		s.start = (size_t)p->body_start;
		s.end = (size_t)p->body_end;
		s.repl_len = enc.len;
		s.repl = sl_buf_take(&enc);
		g_array_append_val(splices, s);
	}

	verdict_header(m, &b, ref);
	if (whole_body >= 0) {
		/* The whole message was the dangerous part: headers + notice. */
		char *notice = notice_part(m, whole_body, ref, 1);
		copy_headers(m, &b, 0);
		sl_buf_printf(&b, "MIME-Version: 1.0%s", nl(m));
		sl_buf_addstr(&b, notice);
		free(notice);
		goto done;
	}
	if (whole_body <= -2) {
		/* A single-part message whose text was edited. */
		int part = -2 - whole_body;
		const struct sl_part *p = &m->parts[part];
		struct sl_buf dec, enc;
		size_t at = 0, k, bs;
		header_block_end(m, &bs);
		sl_buf_init(&dec, 0);
		for (k = 0; k < edits.n; k++) {
			const struct sl_text_edit *e = &edits.v[k];
			if (e->part != part || e->begin < at || e->end > p->size)
				continue;
			sl_buf_add(&dec, p->data + at, e->begin - at);
			sl_buf_add(&dec, e->replacement, e->replacement_len);
			at = e->end;
		}
		sl_buf_add(&dec, p->data + at, p->size - at);
		sl_hdrlinks_copy(m, 0, bs, &b);
		sl_buf_init(&enc, 0);
		encode_body(m, p, dec.data ? dec.data : "", dec.len, &enc);
		sl_buf_add(&b, enc.data ? enc.data : "", enc.len);
		sl_buf_free(&dec);
		sl_buf_free(&enc);
		goto done;
	}
	g_array_sort(splices, cmp_splice);
	pos = 0;
	for (i = 0; i < splices->len; i++) {
		const struct splice *s = &g_array_index(splices, struct splice, i);
		if (s->start < pos)
			continue; /* inside something already replaced */
		sl_hdrlinks_copy(m, pos, s->start, &b);
		sl_buf_add(&b, s->repl, s->repl_len);
		pos = s->end;
	}
	sl_hdrlinks_copy(m, pos, m->raw_len, &b);
done:
	*outlen = b.len;
	*out = (unsigned char *)sl_buf_take(&b);
out:
	for (i = 0; i < splices->len; i++)
		free(g_array_index(splices, struct splice, i).repl);
	g_array_free(splices, TRUE);
	sl_edits_clear(&edits);
	free(removed);
	free(ref);
	sl_buf_free(&b);
	return rc;
}
