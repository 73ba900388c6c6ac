/* rewrite - see rewrite.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "hdrblock.h"
#include "hdrlinks.h"
#include "mimelines.h"
#include "notice.h"
#include "util.h"

/* ---- edits ---------------------------------------------------------------- */

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

void sl_edits_disarm(struct sl_edits *e, size_t url)
{
	if (e->ndisarmed == e->adisarmed) {
		e->adisarmed = e->adisarmed ? e->adisarmed * 2 : 8;
		e->disarmed = sl_xrealloc(e->disarmed, e->adisarmed * sizeof(*e->disarmed));
	}
	e->disarmed[e->ndisarmed++] = url;
}

int sl_edits_disarms(const struct sl_edits *e, size_t url)
{
	size_t i;
	for (i = 0; e != NULL && i < e->ndisarmed; i++)
		if (e->disarmed[i] == url)
			return 1;
	return 0;
}

void sl_edits_clear(struct sl_edits *e)
{
	size_t i;
	for (i = 0; i < e->n; i++)
		free(e->v[i].replacement);
	free(e->v);
	free(e->disarmed);
	memset(e, 0, sizeof(*e));
}

static int cmp_edit(const void *a, const void *b)
{
	const struct sl_text_edit *x = a, *y = b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

char *sl_msg_reference(const struct sl_msg *m)
{
	return sl_xstrdup(m->reference ? m->reference : SL_REWRITE_NOT_KEPT);
}

static const char *nl(const struct sl_msg *m)
{
	return m->crlf ? "\r\n" : "\n";
}

/* ---- the top header block ------------------------------------------------- */

static int own_name(const char *name, size_t len)
{
	return len >= 9 && g_ascii_strncasecmp(name, "X-Sluice-", 9) == 0;
}

int sl_is_own_header(const char *name)
{
	return own_name(name, strlen(name));
}

static int own_field(const struct sl_msg *m, const struct sl_hdr_item *it)
{
	return it->is_field && own_name((const char *)m->raw + it->start, it->name_len);
}

static int content_field(const struct sl_msg *m, const struct sl_hdr_item *it)
{
	size_t pos = it->start, vlen;
	const unsigned char *v;
	int which;
	return sl_hdr_is(m->raw, it, "Content-Type") || sl_hdr_is(m->raw, it, "Content-Transfer-Encoding") ||
	       sl_hdr_is(m->raw, it, "Content-Disposition") || sl_hdr_is(m->raw, it, "MIME-Version") ||
	       /* a field some readers take for one ("Content-Content-Disposition") */
	       sl_mimelines_odd_field(m->raw, &pos, it->end, &which, &v, &vlen);
}

/* A splice: raw[start, end) becomes repl. */
struct splice {
	size_t start, end;
	char *repl;
	size_t repl_len;
};

/* Deletes every incoming X-Sluice-* field of the top header block. */
static void drop_own_headers(const struct sl_msg *m, GArray *splices)
{
	size_t bs, end = sl_hdr_block_end(m->raw, m->raw_len, &bs), pos = 0;
	struct sl_hdr_item it;
	while (sl_hdr_next(m->raw, end, &pos, &it)) {
		struct splice s = { it.start, it.end, NULL, 0 };
		if (own_field(m, &it))
			g_array_append_val(splices, s);
	}
}

/* The top header block (without its blank line), less incoming X-Sluice-*
 * fields and, unless keep_content, the fields that describe the body. */
static void copy_headers(const struct sl_msg *m, struct sl_buf *b, int keep_content)
{
	size_t bs, end = sl_hdr_block_end(m->raw, m->raw_len, &bs), pos = sl_hdr_mbox_line(m->raw, m->raw_len);
	struct sl_hdr_item it;
	while (sl_hdr_next(m->raw, end, &pos, &it))
		if (!own_field(m, &it) && (keep_content || !content_field(m, &it)))
			sl_hdrlinks_copy(m, it.start, it.end, b); /* header links disarmed */
}

/* Our verdict field, on top of the header block: after a leading mbox
 * "From " line, which it writes first. */
static void verdict_header(const struct sl_msg *m, struct sl_buf *b, const char *ref)
{
	sl_buf_add(b, m->raw, sl_hdr_mbox_line(m->raw, m->raw_len));
	sl_buf_printf(b, "X-Sluice-Verdict: %s (%s)%s", sl_verdict_name(m->verdict), ref, nl(m));
}

/* ---- splicing ------------------------------------------------------------- */

static int cmp_splice(const void *a, const void *b)
{
	const struct splice *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end; /* the outer one first */
}

/* The raw message with the splices carried out. A splice inside one already
 * made (a part of a removed container) is moot; one that overlaps another
 * only in part is a broken invariant: SL_EINVAL, never half a part. */
static int apply_splices(const struct sl_msg *m, GArray *splices, size_t pos, struct sl_buf *b)
{
	size_t i;
	g_array_sort(splices, cmp_splice);
	for (i = 0; i < splices->len; i++) {
		const struct splice *s = &g_array_index(splices, struct splice, i);
		if (s->start < pos) {
			if (s->end <= pos)
				continue;
			return SL_EINVAL;
		}
		sl_hdrlinks_copy(m, pos, s->start, b); /* header links disarmed */
		sl_buf_add(b, s->repl, s->repl_len);
		pos = s->end;
	}
	sl_hdrlinks_copy(m, pos, m->raw_len, b);
	return SL_OK;
}

/* Re-encodes decoded bytes with the part's transfer encoding and the
 * message's newlines. A quoted-printable line never starts with '-': the
 * encoder breaks lines where it likes, and "--" + a boundary there would end
 * the part ("-" and a byte or two before it, for some readers). */
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
			int line_start = i == 0 || buf[i - 1] == '\n';
			if (buf[i] == '\n' && m->crlf && (i == 0 || buf[i - 1] != '\r'))
				sl_buf_add(out, "\r\n", 2);
			else if (enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE && line_start && buf[i] == '-')
				sl_buf_add(out, "=2D", 3);
			else
				sl_buf_add(out, buf + i, 1);
		}
		free(buf);
	} else {
		sl_buf_add(out, data, len);
	}
}

/* The decoded content of part with its edits v[0..n) (sorted, checked)
 * carried out. */
static void edited_text(const struct sl_msg *m, int part, const struct sl_text_edit *v, size_t n,
			struct sl_buf *dec)
{
	const struct sl_part *p = &m->parts[part];
	size_t at = 0, i;
	sl_buf_init(dec, 0);
	for (i = 0; i < n; i++) {
		sl_buf_add(dec, p->data + at, v[i].begin - at);
		sl_buf_add(dec, v[i].replacement, v[i].replacement_len);
		at = v[i].end;
	}
	sl_buf_add(dec, p->data + at, p->size - at);
}

/* The same, re-encoded into out. */
static void edited_body(const struct sl_msg *m, int part, const struct sl_text_edit *v, size_t n,
			struct sl_buf *out)
{
	struct sl_buf dec;
	edited_text(m, part, v, n, &dec);
	encode_body(m, &m->parts[part], dec.data ? dec.data : "", dec.len, out);
	sl_buf_free(&dec);
}

/* ---- what a rewrite does, and whether it can ------------------------------ */

/* Can part i (a MIME entity) be cut out of the raw message? */
static int can_remove(const struct sl_msg *m, size_t i)
{
	const struct sl_part *p = &m->parts[i];
	size_t k;
	if (p->origin == SL_ORIGIN_FIELD)
		return 1; /* a WhatsApp field or media object: replaced whole by its rewriter */
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
	if (p->origin == SL_ORIGIN_FIELD) /* a text field, not a media object */
		return p->is_body_text && p->data != NULL && p->data_len == p->size;
	/* A uuencoded body (x-uuencode, or a near-token read so) is one file
	 * framed by begin/end lines that the encoder does not write: edited, it
	 * would not read back. Such a part goes whole, or the message is held. */
	if (p->encoding != NULL && g_mime_content_encoding_from_string(p->encoding) == GMIME_CONTENT_ENCODING_UUENCODE)
		return 0;
	return p->origin == SL_ORIGIN_MIME && p->data != NULL && p->data_len == p->size &&
	       (p->hdr_start == 0 || (p->body_start >= 0 && p->body_end >= p->body_start));
}

unsigned char *sl_rewrite_removed(const struct sl_msg *m)
{
	unsigned char *removed = sl_xcalloc(m->nparts ? m->nparts : 1, 1);
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		int t;
		if (f->action != SL_ACT_REMOVE || f->part < 0 || m->parts[f->part].origin == SL_ORIGIN_UUENCODE)
			continue;
		t = sl_msg_mime_ancestor(m, f->part);
		if (t >= 0)
			removed[t] = 1;
	}
	return removed;
}

int sl_rewrite_gone(const struct sl_msg *m, const unsigned char *removed, int i)
{
	for (; i >= 0; i = m->parts[i].parent)
		if (removed[i])
			return 1;
	return 0;
}

/* Every text edit the rewrite makes, sorted: the notes that replace removed
 * uuencoded files, then extra's; edits of parts that go anyway are left out. */
static void gather_edits(const struct sl_msg *m, const struct sl_edits *extra, const char *ref,
			 const unsigned char *removed, struct sl_edits *out)
{
	unsigned char *done = sl_xcalloc(m->nparts ? m->nparts : 1, 1);
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		const struct sl_part *u;
		char *note;
		if (f->action != SL_ACT_REMOVE || f->part < 0 || m->parts[f->part].origin != SL_ORIGIN_UUENCODE)
			continue;
		u = &m->parts[f->part];
		if (done[f->part] || sl_rewrite_gone(m, removed, u->parent))
			continue;
		done[f->part] = 1;
		note = sl_notice_uuencode(m, f->part, f->detail, ref);
		sl_edits_add(out, u->parent, u->span_begin, u->span_end, note);
		free(note);
	}
	for (i = 0; extra != NULL && i < extra->n; i++) {
		const struct sl_text_edit *e = &extra->v[i];
		if (e->part >= 0 && (size_t)e->part < m->nparts && sl_rewrite_gone(m, removed, e->part))
			continue;
		sl_edits_add_bytes(out, e->part, e->begin, e->end, e->replacement, e->replacement_len);
	}
	if (out->n > 0)
		qsort(out->v, out->n, sizeof(*out->v), cmp_edit);
	free(done);
}

/* Each edit is on a part whose text can be replaced, inside it, and no two
 * edits of a part overlap (neither could be carried out without losing the
 * other: a link inside a removed uuencoded block, say). */
static int check_edits(const struct sl_msg *m, const struct sl_edits *e, char **why)
{
	size_t i;
	for (i = 0; i < e->n; i++) {
		const struct sl_text_edit *x = &e->v[i];
		if (x->part < 0 || (size_t)x->part >= m->nparts) {
			*why = sl_xasprintf("an edit names part %d, which the message does not have", x->part);
			return SL_EINVAL;
		}
		if (!can_edit(m, x->part)) {
			*why = sl_xasprintf("the text of part %s cannot be rewritten in place", m->parts[x->part].id);
			return SL_EINVAL;
		}
		if (x->begin > x->end || x->end > m->parts[x->part].size) {
			*why = sl_xasprintf("an edit of part %s falls outside it", m->parts[x->part].id);
			return SL_EINVAL;
		}
		if (i > 0 && e->v[i - 1].part == x->part && x->begin < e->v[i - 1].end) {
			*why = sl_xasprintf("two edits of part %s overlap", m->parts[x->part].id);
			return SL_EINVAL;
		}
	}
	return SL_OK;
}

/* A text part that loses uuencoded files must hold, once edited, exactly the
 * uuencoded files it keeps: cutting a block changes the lines around the
 * others, and a "begin" line the parse stage passed over (another began
 * before its data) could make a file of what now follows it. */
static int check_uu_cuts(const struct sl_msg *m, const struct sl_edits *e, char **why)
{
	unsigned char *cut = sl_xcalloc(m->nparts ? m->nparts : 1, 1);
	size_t i = 0, k;
	int rc = SL_OK;

	for (k = 0; k < m->nfindings; k++) {
		const struct sl_finding *f = &m->findings[k];
		if (f->action == SL_ACT_REMOVE && f->part >= 0 && m->parts[f->part].origin == SL_ORIGIN_UUENCODE)
			cut[f->part] = 1;
	}
	while (i < e->n && rc == SL_OK) {
		int part = e->v[i].part, cuts = 0, ok = 1;
		size_t first = i, kept = 0;
		struct sl_extract_list l = { 0 };
		struct sl_buf dec;
		while (i < e->n && e->v[i].part == part)
			i++;
		for (k = 0; k < m->nparts; k++)
			cuts |= m->parts[k].parent == part && cut[k];
		if (!cuts)
			continue;
		edited_text(m, part, e->v + first, i - first, &dec);
		sl_uu_extract(dec.data ? dec.data : "", dec.len, m->nparts + 1, dec.len + 1, &l, NULL);
		for (k = 0; k < m->nparts && ok; k++) {
			const struct sl_part *u = &m->parts[k];
			if (u->parent != part || u->origin != SL_ORIGIN_UUENCODE || cut[k])
				continue;
			ok = kept < l.n && l.v[kept].len == u->size &&
			     (u->size == 0 || memcmp(l.v[kept].data, u->data, u->size) == 0);
			kept++;
		}
		if (!ok || kept != l.n) {
			*why = sl_xasprintf("part %s would hold other uuencoded data once its file is cut out",
					    m->parts[part].id);
			rc = SL_EINVAL;
		}
		sl_extract_list_clear(&l);
		sl_buf_free(&dec);
	}
	free(cut);
	return rc;
}

/* Defang and wrap findings are carried out when their part goes anyway or
 * every link of the part that they cover (the same rule) was disarmed by an
 * edit, and each covers one link at least. Linear in findings and links:
 * (part, rule) pairs go through hash sets. */
static int check_links(const struct sl_msg *m, const struct sl_edits *extra, const unsigned char *removed,
		       char **why)
{
	GHashTable *wanted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *linked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	unsigned char *armed = sl_xcalloc(m->nurls ? m->nurls : 1, 1);
	size_t i;
	int rc = SL_OK;

	for (i = 0; extra != NULL && i < extra->ndisarmed; i++)
		if (extra->disarmed[i] < m->nurls)
			armed[extra->disarmed[i]] = 1;
	/* A header field with a bad link is written anew (hdrlinks.h). */
	for (i = 0; i < m->nurls; i++)
		if (m->urls[i].context == SL_URLCTX_HEADER && sl_hdrlinks_rewrites(m, m->urls[i].offset))
			armed[i] = 1;
	for (i = 0; i < m->nfindings && rc == SL_OK; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->action != SL_ACT_DEFANG && f->action != SL_ACT_WRAP)
			continue;
		if (f->part < 0) {
			*why = sl_xasprintf("a %s finding on the whole message names no link", f->rule);
			rc = SL_EINVAL;
		} else if (!sl_rewrite_gone(m, removed, f->part)) {
			g_hash_table_add(wanted, g_strdup_printf("%d %s", f->part, f->rule));
		}
	}
	for (i = 0; i < m->nurls && rc == SL_OK; i++) {
		const struct sl_url *u = &m->urls[i];
		const char *rule = sl_url_rule(u);
		char *key;
		if (rule == NULL)
			continue;
		key = g_strdup_printf("%d %s", u->part, rule);
		if (!armed[i] && g_hash_table_contains(wanted, key)) {
			char *url = sl_clip(u->url, 200);
			*why = sl_xasprintf("the link %s in part %s could not be disarmed", url, m->parts[u->part].id);
			free(url);
			rc = SL_EINVAL;
		}
		g_hash_table_add(linked, key);
	}
	for (i = 0; i < m->nfindings && rc == SL_OK; i++) {
		const struct sl_finding *f = &m->findings[i];
		char *key;
		if ((f->action != SL_ACT_DEFANG && f->action != SL_ACT_WRAP) || sl_rewrite_gone(m, removed, f->part))
			continue;
		key = g_strdup_printf("%d %s", f->part, f->rule);
		if (!g_hash_table_contains(linked, key)) {
			*why = sl_xasprintf("a %s finding on part %s names no link that can be disarmed", f->rule,
					    m->parts[f->part].id);
			rc = SL_EINVAL;
		}
		g_free(key);
	}
	free(armed);
	g_hash_table_destroy(linked);
	g_hash_table_destroy(wanted);
	return rc;
}

int sl_rewrite_email_check(const struct sl_msg *m, const struct sl_edits *extra, char **why)
{
	unsigned char *removed = sl_rewrite_removed(m);
	struct sl_edits edits = { 0 };
	size_t i;
	int rc = SL_OK;

	for (i = 0; i < m->nfindings && rc == SL_OK; i++) {
		const struct sl_finding *f = &m->findings[i];
		int t;
		if (f->action != SL_ACT_REMOVE)
			continue;
		if (f->part < 0) {
			*why = sl_xasprintf("a removal finding names no part");
			rc = SL_EINVAL;
		} else if (m->parts[f->part].origin == SL_ORIGIN_UUENCODE) {
			continue; /* an edit of its text part: checked with the edits */
		} else if ((t = sl_msg_mime_ancestor(m, f->part)) < 0 || !can_remove(m, (size_t)t)) {
			*why = sl_xasprintf("part %s cannot be cut out of the message",
					    t >= 0 ? m->parts[t].id : m->parts[f->part].id);
			rc = SL_EINVAL;
		}
	}
	if (rc == SL_OK)
		rc = check_links(m, extra, removed, why);
	if (rc == SL_OK) {
		gather_edits(m, extra, "", removed, &edits);
		rc = check_edits(m, &edits, why);
	}
	if (rc == SL_OK)
		rc = check_uu_cuts(m, &edits, why);
	sl_edits_clear(&edits);
	free(removed);
	return rc;
}

/* ---- the rewriter --------------------------------------------------------- */

static void add_splice(GArray *splices, size_t start, size_t end, char *repl, size_t repl_len)
{
	struct splice s = { start, end, repl, repl_len };
	g_array_append_val(splices, s);
}

/* A rewrite of a multipart message (or of a single part that keeps its
 * place): the removed parts become notices, the edited parts their new
 * bodies, incoming X-Sluice-* fields go; everything else stays byte for byte. */
static int splice_rewrite(const struct sl_msg *m, const char *ref, const unsigned char *removed,
			  const struct sl_edits *edits, GArray *splices, struct sl_buf *b)
{
	size_t i, k;
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		char *notice;
		if (!removed[i] || p->origin != SL_ORIGIN_MIME)
			continue;
		if (p->is_container) {
			/* A forwarded message or a multipart as a whole: up to the end
			 * of its last descendant, or of a multipart's epilogue. */
			int64_t endpos = p->body_end;
			for (k = i + 1; k < m->nparts; k++) {
				int a = m->parts[k].parent;
				while (a >= 0 && a != (int)i)
					a = m->parts[a].parent;
				if (a == (int)i && m->parts[k].origin == SL_ORIGIN_MIME && m->parts[k].body_end > endpos)
					endpos = m->parts[k].body_end;
			}
			notice = sl_notice_part(m, (int)i, ref, 1);
			add_splice(splices, (size_t)p->hdr_start, (size_t)endpos, notice, strlen(notice));
		} else if (p->hdr_start > 0) {
			notice = sl_notice_part(m, (int)i, ref, 1);
			add_splice(splices, (size_t)p->hdr_start, (size_t)p->body_end, notice, strlen(notice));
		} else {
			notice = sl_notice_part(m, (int)i, ref, 0);
			add_splice(splices, (size_t)p->body_start, (size_t)p->body_end, notice, strlen(notice));
		}
	}
	for (i = 0; i < edits->n;) {
		int part = edits->v[i].part;
		struct sl_buf enc;
		size_t first = i, len;
		while (i < edits->n && edits->v[i].part == part)
			i++;
		sl_buf_init(&enc, 0);
		edited_body(m, part, edits->v + first, i - first, &enc);
		len = enc.len;
		add_splice(splices, (size_t)m->parts[part].body_start, (size_t)m->parts[part].body_end,
			   sl_buf_take(&enc), len);
	}
	verdict_header(m, b, ref);
	return apply_splices(m, splices, sl_hdr_mbox_line(m->raw, m->raw_len), b);
}

int sl_rewrite_email(const struct sl_msg *m, const struct sl_edits *extra, unsigned char **out,
		     size_t *outlen)
{
	return sl_rewrite_email_with(m, extra, NULL, out, outlen);
}

int sl_rewrite_email_with(const struct sl_msg *m, const struct sl_edits *extra,
			  const struct sl_notice_template *placeholder, unsigned char **out, size_t *outlen)
{
	struct sl_buf b;
	GArray *splices = g_array_new(FALSE, TRUE, sizeof(struct splice));
	char *ref = NULL, *why = NULL;
	unsigned char *removed = NULL;
	struct sl_edits edits = { 0 };
	size_t i, bs, he;
	int top = -1, rc = SL_OK;

	*out = NULL;
	*outlen = 0;
	sl_buf_init(&b, 0);
	if (m->verdict == SL_VERDICT_REJECT)
		goto out;
	if (m->verdict == SL_VERDICT_CLEAN) {
		drop_own_headers(m, splices);
		rc = apply_splices(m, splices, 0, &b);
		goto done;
	}
	ref = sl_msg_reference(m);
	if (m->verdict == SL_VERDICT_QUARANTINE) {
		size_t len;
		char *p = sl_notice_placeholder_with(m, placeholder, ref, &len);
		sl_buf_add(&b, p, len);
		free(p);
		goto done;
	}
	/* Never a "rewrite" that leaves what it should remove: the caller
	 * quarantines instead (sl_engine_scan checks this first). */
	if (sl_rewrite_email_check(m, extra, &why) != SL_OK) {
		sl_log(SL_LOG_WARNING, "id=%s rewrite impossible: %s", m->id, why);
		rc = SL_EINVAL;
		goto out;
	}
	removed = sl_rewrite_removed(m);
	gather_edits(m, extra, ref, removed, &edits);
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].origin == SL_ORIGIN_MIME && m->parts[i].hdr_start == 0)
			top = (int)i;
	he = sl_hdr_block_end(m->raw, m->raw_len, &bs);
	if (top >= 0 && removed[top]) {
		/* The whole message was the dangerous part: headers + notice. */
		char *notice = sl_notice_part(m, top, ref, 1);
		verdict_header(m, &b, ref);
		copy_headers(m, &b, 0);
		sl_buf_printf(&b, "MIME-Version: 1.0%s", nl(m));
		sl_buf_addstr(&b, notice);
		free(notice);
	} else if (top >= 0 && !m->parts[top].is_container && edits.n > 0) {
		/* A single-part message whose text was edited: the one part there is. */
		if (edits.v[0].part != top || edits.v[edits.n - 1].part != top) {
			rc = SL_EINVAL;
			goto out;
		}
		verdict_header(m, &b, ref);
		copy_headers(m, &b, 1);
		sl_buf_add(&b, m->raw + he, bs - he);
		edited_body(m, top, edits.v, edits.n, &b);
	} else {
		drop_own_headers(m, splices);
		rc = splice_rewrite(m, ref, removed, &edits, splices, &b);
	}
done:
	if (rc == SL_OK) {
		*outlen = b.len;
		*out = (unsigned char *)sl_buf_take(&b);
	}
out:
	for (i = 0; i < splices->len; i++)
		free(g_array_index(splices, struct splice, i).repl);
	g_array_free(splices, TRUE);
	sl_edits_clear(&edits);
	free(removed);
	free(ref);
	free(why);
	sl_buf_free(&b);
	return rc;
}
