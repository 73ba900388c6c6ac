/* mime - see mime.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "mime.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "util.h"

struct sl_mime {
	int max_depth;
	size_t max_parts;
	size_t header_size;
	size_t max_files;
	size_t max_bytes;
};

struct walk {
	struct sl_mime *mi;
	struct sl_msg *m;
	size_t nparts;
	int depth_noted, parts_noted;
};

static GOnce gmime_once = G_ONCE_INIT;

static gpointer init_gmime(gpointer unused)
{
	g_mime_init();
	return NULL;
}

struct sl_mime *sl_mime_new(const struct sl_config *cfg, char **why)
{
	struct sl_mime *mi = sl_xcalloc(1, sizeof(*mi));
	g_once(&gmime_once, init_gmime, NULL);
	mi->max_depth = (int)sl_config_int(cfg, "limits.mime_depth");
	mi->max_parts = (size_t)sl_config_int(cfg, "limits.max_parts");
	mi->header_size = (size_t)sl_config_int(cfg, "limits.header_size");
	mi->max_files = (size_t)sl_config_int(cfg, "limits.max_extracted_files");
	mi->max_bytes = (size_t)sl_config_int(cfg, "limits.max_extracted_size");
	return mi;
}

struct sl_mime *sl_mime_free(struct sl_mime *mi)
{
	free(mi);
	return NULL;
}

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct sl_msg *m = data;
	const char *what = NULL;
	enum sl_finding_kind kind = SL_FIND_STRUCTURE;
	const char *rule = "structure";

	switch (code) {
	case GMIME_CRIT_CONFLICTING_HEADER: what = "conflicting header"; break;
	case GMIME_CRIT_CONFLICTING_PARAMETER: what = "conflicting header parameter"; break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: what = "multipart without a boundary"; break;
	case GMIME_CRIT_INVALID_HEADER_NAME: what = "invalid header name"; break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: what = "part without headers or content"; break;
	case GMIME_WARN_MALFORMED_MULTIPART: what = "multipart with no parts"; break;
	case GMIME_WARN_TRUNCATED_MESSAGE: what = "truncated message"; break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		what = "MIME nesting deeper than the parser allows";
		kind = SL_FIND_LIMIT;
		rule = "limit";
		m->incomplete = 1;
		break;
	default:
		return; /* cosmetic: 8-bit headers, bad RFC 2047 words, address lists */
	}
	if (sl_msg_has_finding(m, kind, rule, -1) && m->nfindings > 64)
		return;
	sl_msg_add_finding(m, kind, rule, -1, "%s at byte %lld%s%s", what, (long long)offset,
			   item ? ": " : "", item ? item : "");
}

static char *lower(const char *s)
{
	char *r = g_ascii_strdown(s, -1);
	char *x = sl_xstrdup(r);
	g_free(r);
	return x;
}

/* Counts headers named name in obj's header list; checks field sizes. */
static void check_headers(struct walk *w, GMimeObject *obj, int part)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0;
	int nct = 0, ncte = 0;

	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		if (g_ascii_strcasecmp(name, "Content-Type") == 0)
			nct++;
		else if (g_ascii_strcasecmp(name, "Content-Transfer-Encoding") == 0)
			ncte++;
		if (raw != NULL && strlen(raw) + strlen(name) > w->mi->header_size &&
		    !sl_msg_has_finding(w->m, SL_FIND_LIMIT, "limit", part))
			sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", part,
					   "header %s is %zu bytes, more than limits.header_size (%zu)", name,
					   strlen(raw), w->mi->header_size);
	}
	if (nct > 1)
		sl_msg_add_finding(w->m, SL_FIND_STRUCTURE, "structure", part,
				   "%d Content-Type headers: readers disagree on which counts", nct);
	if (ncte > 1)
		sl_msg_add_finding(w->m, SL_FIND_STRUCTURE, "structure", part,
				   "%d Content-Transfer-Encoding headers: readers disagree on which counts", ncte);
}

static int64_t header_start(GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	if (hl == NULL || g_mime_header_list_get_count(hl) == 0)
		return -1;
	return g_mime_header_get_offset(g_mime_header_list_get_header_at(hl, 0));
}

static char *child_id(const char *prefix, int n)
{
	return *prefix ? sl_xasprintf("%s.%d", prefix, n) : sl_xasprintf("%d", n);
}

static void set_common(struct walk *w, int idx, GMimeObject *obj)
{
	struct sl_part *p = &w->m->parts[idx];
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *cs;
	if (ct != NULL) {
		char *mt = g_mime_content_type_get_mime_type(ct);
		p->declared_type = lower(mt);
		g_free(mt);
		cs = g_mime_content_type_get_parameter(ct, "charset");
		if (cs != NULL)
			p->charset = sl_xstrdup(cs);
	}
	p->hdr_start = header_start(obj);
}

static int add_walk_part(struct walk *w, int parent, const char *id)
{
	if (w->nparts >= w->mi->max_parts) {
		if (!w->parts_noted)
			sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", -1,
					   "more than %zu MIME parts (limits.max_parts)", w->mi->max_parts);
		w->parts_noted = 1;
		w->m->incomplete = 1;
		return -1;
	}
	w->nparts++;
	return sl_msg_add_part(w->m, parent, id, SL_ORIGIN_MIME);
}

static void decode_leaf(struct walk *w, int idx, GMimePart *part)
{
	struct sl_part *p = &w->m->parts[idx];
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *src, *out;
	GByteArray *ba;
	GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
	const char *fn = g_mime_part_get_filename(part);
	GMimeContentType *ct = g_mime_object_get_content_type((GMimeObject *)part);
	const char *name = ct ? g_mime_content_type_get_parameter(ct, "name") : NULL;
	const char *disp = g_mime_object_get_disposition((GMimeObject *)part);

	if (enc != GMIME_CONTENT_ENCODING_DEFAULT)
		p->encoding = lower(g_mime_content_encoding_to_string(enc));
	if (fn != NULL)
		p->filename = sl_xstrdup(fn);
	if (name != NULL && (fn == NULL || strcmp(name, fn) != 0))
		p->alt_filename = sl_xstrdup(name);
	p->is_attachment = fn != NULL || name != NULL ||
			   (disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0);
	p->is_body_text = !p->is_attachment && p->declared_type != NULL &&
			  (strcmp(p->declared_type, "text/plain") == 0 ||
			   strcmp(p->declared_type, "text/html") == 0);
	if (dw == NULL) {
		sl_msg_part_take_data(w->m, idx, (unsigned char *)sl_xstrdup(""), 0);
		return;
	}
	src = g_mime_data_wrapper_get_stream(dw);
	if (src != NULL) {
		p->body_start = src->bound_start;
		p->body_end = src->bound_end;
		if (p->body_end < 0)
			p->body_end = (int64_t)w->m->raw_len;
	}
	if (enc == GMIME_CONTENT_ENCODING_BASE64 && p->body_start >= 0 && p->body_end >= p->body_start &&
	    (size_t)p->body_end <= w->m->raw_len) {
		/* Base64 straight from the raw bytes: GMime's decoder goes a byte at a
		 * time and was most of this stage's cost on large attachments. */
		size_t elen = (size_t)(p->body_end - p->body_start);
		unsigned char *data = sl_xmalloc(elen / 4 * 3 + 4);
		size_t len = sl_base64_decode((const char *)w->m->raw + p->body_start, elen, data);
		data[len] = '\0';
		sl_msg_part_take_data(w->m, idx, data, len);
		return;
	}
	/* Sized for the decoded content up front: no regrowing copies of large parts. */
	{
		size_t enc_len = p->body_end > p->body_start && p->body_start >= 0
					 ? (size_t)(p->body_end - p->body_start) : 0;
		out = g_mime_stream_mem_new_with_byte_array(g_byte_array_sized_new((guint)(enc_len + 16)));
	}
	g_mime_data_wrapper_write_to_stream(dw, out);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	g_object_unref(out);
	{
		size_t len = ba->len;
		unsigned char *data;
		g_byte_array_append(ba, (const guint8 *)"", 1); /* NUL past the end for text use */
		data = (unsigned char *)g_byte_array_free(ba, FALSE);
		sl_msg_part_take_data(w->m, idx, data, len);
	}
}

/* The closing delimiter "--boundary--" must follow; without it readers disagree
 * on where the last part ends. */
static void check_terminated(struct walk *w, GMimeMultipart *mp, int idx)
{
	const char *b = g_mime_multipart_get_boundary(mp);
	char *delim;
	const struct sl_part *p = &w->m->parts[idx];
	size_t from = p->hdr_start > 0 ? (size_t)p->hdr_start : 0, k;
	if (b == NULL)
		return;
	/* The delimiter follows the last part: search from the end of the last body
	 * already seen below this multipart, not from its start. */
	for (k = (size_t)idx + 1; k < w->m->nparts; k++)
		if (w->m->parts[k].body_end > 0 && (size_t)w->m->parts[k].body_end > from)
			from = (size_t)w->m->parts[k].body_end;
	if (from > w->m->raw_len)
		from = w->m->raw_len;
	delim = sl_xasprintf("--%s--", b);
	if (memmem(w->m->raw + from, w->m->raw_len - from, delim, strlen(delim)) == NULL)
		sl_msg_add_finding(w->m, SL_FIND_STRUCTURE, "structure", idx,
				   "multipart without its closing boundary: the message may be truncated "
				   "or hide content after it");
	free(delim);
}

static void walk_object(struct walk *w, GMimeObject *obj, int parent, const char *id, int depth);

/* Past limits.mime_depth: a finding, and the message is not looked at further. */
static int too_deep(struct walk *w, int idx, int depth)
{
	if (depth < w->mi->max_depth)
		return 0;
	if (!w->depth_noted)
		sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", idx,
				   "MIME nesting deeper than %d (limits.mime_depth)", w->mi->max_depth);
	w->depth_noted = 1;
	w->m->incomplete = 1;
	return 1;
}

/* A multipart as part `id`; its children are numbered below `prefix`
 * ("" at the top: 1, 2...; "2": 2.1, 2.2...). */
static void walk_multipart(struct walk *w, GMimeObject *obj, int parent, const char *id,
			   const char *prefix, int depth)
{
	GMimeMultipart *mp = GMIME_MULTIPART(obj);
	int i, n = g_mime_multipart_get_count(mp);
	int idx = add_walk_part(w, parent, id);
	if (idx < 0)
		return;
	w->m->parts[idx].is_container = 1;
	set_common(w, idx, obj);
	check_headers(w, obj, idx);
	if (too_deep(w, idx, depth))
		return;
	for (i = 0; i < n; i++) {
		char *cid = child_id(prefix, i + 1);
		walk_object(w, g_mime_multipart_get_part(mp, i), idx, cid, depth + 1);
		free(cid);
	}
	check_terminated(w, mp, idx);
}

/* The body of a message (top level or message/rfc822 part `prefix`): a
 * multipart is an unnumbered container (id "0" / "N.0"), a single part is
 * prefix.1. */
static void walk_body(struct walk *w, GMimeObject *body, int parent, const char *prefix, int depth)
{
	char *cid;
	if (body == NULL)
		return;
	if (GMIME_IS_MULTIPART(body)) {
		cid = *prefix ? sl_xasprintf("%s.0", prefix) : sl_xstrdup("0");
		walk_multipart(w, body, parent, cid, prefix, depth);
	} else {
		cid = child_id(prefix, 1);
		walk_object(w, body, parent, cid, depth);
	}
	free(cid);
}

static void walk_object(struct walk *w, GMimeObject *obj, int parent, const char *id, int depth)
{
	int idx;
	if (GMIME_IS_MULTIPART(obj)) {
		/* A multipart inside a multipart takes the number; its children go below. */
		walk_multipart(w, obj, parent, id, id, depth);
		return;
	}
	idx = add_walk_part(w, parent, id);
	if (idx < 0)
		return;
	set_common(w, idx, obj);
	check_headers(w, obj, idx);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		w->m->parts[idx].is_container = 1;
		if (inner == NULL)
			return;
		check_headers(w, GMIME_OBJECT(inner), idx);
		if (too_deep(w, idx, depth))
			return;
		walk_body(w, g_mime_message_get_mime_part(inner), idx, id, depth + 1);
		return;
	}
	if (GMIME_IS_PART(obj))
		decode_leaf(w, idx, GMIME_PART(obj));
}

static void add_extracted(struct walk *w, int parent, struct sl_extract_list *l,
			  enum sl_part_origin origin)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		struct sl_extracted *e = &l->v[i];
		char *id = sl_xasprintf("%s/%zu", w->m->parts[parent].id, i + 1);
		int idx = sl_msg_add_part(w->m, parent, id, origin);
		struct sl_part *p = &w->m->parts[idx];
		free(id);
		p->filename = e->name;
		e->name = NULL;
		p->is_attachment = 1;
		p->span_begin = e->begin;
		p->span_end = e->end;
		sl_msg_part_take_data(w->m, idx, e->data, e->len);
		e->data = NULL;
	}
}

/* Uuencoded blocks in text parts and TNEF attachments become parts. */
static void extract_children(struct walk *w)
{
	size_t i, n = w->m->nparts;
	for (i = 0; i < n; i++) {
		struct sl_part *p = &w->m->parts[i];
		struct sl_extract_list l = { 0 };
		char *why = NULL;
		int rc;
		if (p->is_container || p->data == NULL || p->origin != SL_ORIGIN_MIME)
			continue;
		if (sl_tnef_is(p->data, p->size)) {
			rc = sl_tnef_extract(p->data, p->size, w->mi->max_files, w->mi->max_bytes, &l, &why);
			if (rc == SL_EPARSE)
				sl_msg_add_finding(w->m, SL_FIND_FILETYPE, "unreadable_archive", (int)i,
						   "winmail.dat that cannot be read: %s", why ? why : "malformed");
			add_extracted(w, (int)i, &l, SL_ORIGIN_TNEF);
		} else if (p->declared_type != NULL && strncmp(p->declared_type, "text/", 5) == 0 &&
			   memmem(p->data, p->size, "begin", 5) != NULL) {
			rc = sl_uu_extract((const char *)p->data, p->size, w->mi->max_files, w->mi->max_bytes,
					   &l, &why);
			add_extracted(w, (int)i, &l, SL_ORIGIN_UUENCODE);
		} else {
			continue;
		}
		if (rc == SL_ETOOBIG)
			sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", (int)i,
					   "too many or too large files inside (limits.max_extracted_*)");
		free(why);
		sl_extract_list_clear(&l);
		p = &w->m->parts[i];
	}
}

int sl_mime_run(struct sl_mime *mi, struct sl_msg *m)
{
	struct walk w = { 0 };
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	GMimeMessage *message;
	const unsigned char *nl;

	w.mi = mi;
	w.m = m;
	if (!sl_msg_is_mime(m))
		return SL_OK; /* its front end built the parts (WhatsApp fields and media) */
	nl = memchr(m->raw, '\n', m->raw_len);
	m->crlf = nl != NULL && nl > m->raw && nl[-1] == '\r';
	{
		const unsigned char *z = memchr(m->raw, '\0', m->raw_len);
		if (z != NULL)
			sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1,
					   "NUL byte at offset %zu: readers disagree on where text ends",
					   (size_t)(z - m->raw));
	}
	/* Every MIME part starts on a line beginning with "--": far more such lines
	 * than limits.max_parts allows means a message built to make parsers work
	 * (100 000 parts); refuse it before GMime builds a tree of them all. */
	{
		size_t lines = 0, cap = 2 * mi->max_parts + 64;
		const unsigned char *q = m->raw, *end = m->raw + m->raw_len;
		while (q < end && lines <= cap) {
			if (end - q >= 2 && q[0] == '-' && q[1] == '-')
				lines++;
			q = memchr(q, '\n', (size_t)(end - q));
			if (q == NULL)
				break;
			q++;
		}
		if (lines > cap) {
			sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", -1,
					   "more than %zu boundary lines: more MIME parts than limits.max_parts (%zu)",
					   cap, mi->max_parts);
			m->incomplete = 1;
			return SL_OK;
		}
	}
	stream = g_mime_stream_mem_new_with_buffer((const char *)m->raw, m->raw_len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, m);
	message = g_mime_parser_construct_message(parser, opts);
	if (message == NULL) {
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1,
				   "not a message: no header block could be parsed");
		goto out;
	}
	m->headers_end = g_mime_parser_get_headers_end(parser);
	check_headers(&w, GMIME_OBJECT(message), -1);
	walk_body(&w, g_mime_message_get_mime_part(message), -1, "", 0);
	/* The top-level body owns the message's header block. */
	{
		int top = sl_msg_find_part(m, m->nparts && m->parts[0].is_container ? "0" : "1");
		if (top >= 0)
			m->parts[top].hdr_start = 0;
	}
	extract_children(&w);
	g_object_unref(message);
out:
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return SL_OK;
}
