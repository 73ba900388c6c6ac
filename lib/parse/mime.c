/* mime - see mime.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "mime.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "mimelines.h"
#include "mimeparam.h"
#include "util.h"

struct sl_mime {
	int max_depth;
	size_t max_parts;
	size_t header_size;
	size_t max_files;
	size_t max_bytes;
};

/* One buffer GMime parses: the raw message, or the decoded content of a part
 * that holds a message or a mailbox. Offsets GMime reports are into it. */
struct buf {
	const unsigned char *p;
	size_t len;
	enum sl_part_origin origin; /* of the parts found in it */
	int host;                   /* the part whose content it is, -1 for the message */
	int quoted;                 /* mail quoted in text (a bounce): often cut short, so a
				     * missing end is no finding; its parts are judged */
	GArray *hdr_blocks;         /* [start, end) pairs of its header blocks (size_t) */
	GArray *odd_scanned;        /* ends of the header blocks check_odd_fields read */
};

struct walk {
	struct sl_mime *mi;
	struct sl_msg *m;
	struct buf *b;
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

/* A structure finding, at most one per part and reason kind beyond 64 findings. */
static void structure(struct walk *w, int part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void structure(struct walk *w, int part, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	if (w->m->nfindings > 64 && sl_msg_has_finding(w->m, SL_FIND_STRUCTURE, "structure", part))
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (w->b->host >= 0)
		sl_msg_add_finding(w->m, SL_FIND_STRUCTURE, "structure", part,
				   "in the message inside part %s: %s", w->m->parts[w->b->host].id,
				   s ? s : "malformed");
	else
		sl_msg_add_finding(w->m, SL_FIND_STRUCTURE, "structure", part, "%s",
				   s ? s : "malformed");
	free(s);
}

/* A name parameter ("name", "filename*0*"...): every reading of it is judged
 * by the type stage, so GMime's failing to read one is not a finding. */
static int is_name_param(const char *item)
{
	size_t n;
	if (item == NULL)
		return 0;
	n = strcspn(item, "*");
	return (n == 4 && g_ascii_strncasecmp(item, "name", 4) == 0) ||
	       (n == 8 && g_ascii_strncasecmp(item, "filename", 8) == 0);
}

/*
 * GMime's warnings. A warning about a header or structure that a reader
 * could read differently is a structure finding. The ones left out are read
 * alike by the readers of tests/integration/differential.py (its cosmetic_*,
 * name_* and control_* cases): duplicated identical parameters, 8-bit bytes
 * and broken RFC 2047 words in headers (names and boundaries they carry are
 * judged in every reading, see decode_leaf and walk_multipart), address
 * lists, a part whose headers end at a delimiter, and duplicated headers
 * that do not change how the message is read (check_headers judges those
 * that do).
 */
static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct walk *w = data;
	const char *what = NULL;

	switch (code) {
	case GMIME_CRIT_CONFLICTING_PARAMETER:
		what = "conflicting header parameter";
		break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		what = "multipart without a boundary";
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
		what = "invalid header name";
		break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		what = "part without headers or content";
		break;
	case GMIME_WARN_MALFORMED_MULTIPART:
		what = "multipart with no parts";
		break;
	case GMIME_WARN_TRUNCATED_MESSAGE:
		/* text/rfc822-headers and friends: a header block alone is whole;
		 * mail quoted in text is often cut short (its parts are judged). */
		if (w->b->quoted || (w->b->host >= 0 && offset < 0 &&
				     sl_mimelines_block_end(w->b->p, w->b->len, 0) == w->b->len))
			return;
		what = "truncated message";
		break;
	case GMIME_WARN_MALFORMED_MESSAGE:
		what = "malformed message";
		break;
	case GMIME_WARN_INVALID_PARAMETER:
		if (is_name_param(item))
			return;
		what = "header parameter GMime cannot read";
		break;
	case GMIME_WARN_INVALID_CONTENT_TYPE: {
		/* GMime makes it an application/octet-stream leaf; readers may still
		 * split a multipart or parse a message. A leaf stays a leaf for all
		 * of them, and its names are judged from the raw header. */
		char *t = sl_mimeparam_type(item);
		int splits = strncmp(t, "multipart", 9) == 0 || strncmp(t, "message", 7) == 0 ||
			     (item != NULL && strstr(item, "oundary") != NULL);
		free(t);
		if (!splits)
			return;
		what = "Content-Type GMime cannot read, which other readers may split into parts";
		break;
	}
	case GMIME_CRIT_NESTING_OVERFLOW:
		if (!sl_msg_has_finding(w->m, SL_FIND_LIMIT, "limit", w->b->host))
			sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", w->b->host,
					   "MIME nesting deeper than the parser allows");
		w->m->incomplete = 1;
		return;
	default:
		return;
	}
	/* The item (a "header name", a parameter) is the sender's bytes: the
	 * offset finds the place, and a finding's detail goes into the
	 * placeholder, which must hold none of them (quoted lines carried an
	 * EICAR string, and base64 that ClamAV read back as a message). */
	structure(w, w->b->host, "%s at byte %lld", what, (long long)offset);
}

static char *lower(const char *s)
{
	char *r = g_ascii_strdown(s, -1);
	char *x = sl_xstrdup(r);
	g_free(r);
	return x;
}

/* The raw value of obj's first header called name, or NULL. */
static const char *raw_header(GMimeObject *obj, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
	return h ? g_mime_header_get_raw_value(h) : NULL;
}

/* Headers that decide how a message is read: two that differ are ambiguity.
 * Duplicated address, subject or date headers are not (real mail has them). */
static const char *const reading_headers[] = {"Content-Type", "Content-Transfer-Encoding",
					      "Content-Disposition", "MIME-Version", NULL};

static int same_value(const char *a, const char *b)
{
	char *x = g_strstrip(g_strdup(a ? a : "")), *y = g_strstrip(g_strdup(b ? b : ""));
	int r = g_ascii_strcasecmp(x, y) == 0;
	g_free(x);
	g_free(y);
	return r;
}

/* A value with a quote or comment left open: where its parameters are
 * differs between readers (RFC 2045 puts the rest inside; GMime and ClamAV
 * each recover their own way). */
static int unbalanced(const char *v)
{
	int quoted = 0, depth = 0;
	for (; v != NULL && *v; v++) {
		if (*v == '\\' && v[1] != '\0')
			v++;
		else if (*v == '"' && depth == 0)
			quoted = !quoted;
		else if (!quoted && *v == '(')
			depth++;
		else if (!quoted && *v == ')' && depth > 0)
			depth--;
	}
	return quoted || depth > 0;
}

/* Duplicated reading headers and field sizes of obj's header list. */
static void check_headers(struct walk *w, GMimeObject *obj, int part)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, k, n = hl ? g_mime_header_list_get_count(hl) : 0;
	const char *first[4] = {NULL, NULL, NULL, NULL};
	int count[4] = {0, 0, 0, 0}, differ[4] = {0, 0, 0, 0};

	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		for (k = 0; reading_headers[k] != NULL; k++) {
			if (g_ascii_strcasecmp(name, reading_headers[k]) != 0)
				continue;
			if (count[k]++ == 0)
				first[k] = raw;
			else if (!same_value(first[k], raw))
				differ[k] = 1;
		}
		if (raw != NULL && strlen(raw) + strlen(name) > w->mi->header_size &&
		    !sl_msg_has_finding(w->m, SL_FIND_LIMIT, "limit", part))
			sl_msg_add_finding(
			    w->m, SL_FIND_LIMIT, "limit", part,
			    "header %s is %zu bytes, more than limits.header_size (%zu)", name,
			    strlen(raw), w->mi->header_size);
	}
	for (k = 0; reading_headers[k] != NULL; k++)
		if (differ[k])
			structure(w, part,
				  "%d %s headers that differ: readers disagree on which counts",
				  count[k], reading_headers[k]);
}

static int64_t header_start(GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	if (hl == NULL || g_mime_header_list_get_count(hl) == 0)
		return -1;
	return g_mime_header_get_offset(g_mime_header_list_get_header_at(hl, 0));
}

/* The media type of a Content-Type value is a multipart or a message. */
static int holds_parts(const char *value)
{
	char *t = value ? sl_mimeparam_type(value) : NULL;
	int r = t != NULL && (strncmp(t, "multipart/", 10) == 0 || strncmp(t, "message/", 8) == 0);
	free(t);
	return r;
}

/*
 * Fields named almost like a field that decides how the part is read
 * ("X-Content-Type", "Content-Transfer-Encoding)", a name without its colon:
 * sl_mimelines_odd_field), which ripmime takes for that field. The names they
 * give are part's names, judged like its own; one that would read the part
 * otherwise -- another transfer encoding, a multipart or a message where the
 * real field says something else -- is ambiguity. Each header block once: a
 * message's block also holds its body part's fields.
 */
static void check_odd_fields(struct walk *w, GMimeObject *obj, int part, int64_t start)
{
	static const char *const canon[] = {"Content-Type", "Content-Transfer-Encoding",
					    "Content-Disposition"};
	static const char *const params[2] = {"filename", "name"};
	const unsigned char *v;
	size_t pos, to, vlen, k, n, i;
	int which;

	if (start < 0 || (size_t)start >= w->b->len)
		return;
	pos = (size_t)start;
	to = sl_mimelines_block_end(w->b->p, w->b->len, pos);
	for (k = 0; k < w->b->odd_scanned->len; k++)
		if (g_array_index(w->b->odd_scanned, size_t, k) == to)
			return;
	g_array_append_val(w->b->odd_scanned, to);
	while (sl_mimelines_odd_field(w->b->p, &pos, to, &which, &v, &vlen)) {
		char *val = sl_xstrndup((const char *)v, vlen);
		const char *real = raw_header(obj, canon[which]);
		char *r[SL_PART_MAX_NAMES];
		/* Only a reading that finds more: another encoding, or parts where
		 * the real field has none ("X-Content-Type-Options: nosniff" on a
		 * multipart finds fewer). */
		if (which == 1 ? sl_mimeparam_cte(val) != sl_mimeparam_cte(real)
			       : which == 0 && holds_parts(val) && !holds_parts(real))
			structure(w, part,
				  "a field named almost %s (some readers take it for that field) "
				  "reads the part otherwise",
				  canon[which]);
		if (which != 1 && part >= 0)
			for (k = 0; k < 2; k++) {
				n = sl_mimeparam_readings(val, params[k], r, SL_PART_MAX_NAMES);
				for (i = 0; i < n; i++) {
					sl_msg_part_add_name(w->m, part, r[i]);
					free(r[i]);
				}
			}
		free(val);
	}
}

/* Notes obj's header block for the lone-CR check; returns where its body starts (-1 unknown). */
static int64_t note_header_block(struct walk *w, GMimeObject *obj)
{
	int64_t s = header_start(obj);
	size_t range[2];
	if (s < 0 || (size_t)s >= w->b->len)
		return -1;
	range[0] = (size_t)s;
	range[1] = sl_mimelines_block_end(w->b->p, w->b->len, (size_t)s);
	g_array_append_vals(w->b->hdr_blocks, range, 2);
	return (int64_t)range[1];
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
	if (p->charset == NULL) {
		/* A Content-Type GMime could not read loses its parameters; readers
		 * still decode the text by its charset. */
		const char *raw = raw_header(obj, "Content-Type");
		char *r[1];
		if (raw != NULL && strstr(raw, "harset") != NULL &&
		    sl_mimeparam_readings(raw, "charset", r, 1) == 1)
			p->charset = r[0];
	}
	p->hdr_start = header_start(obj);
}

static int add_walk_part(struct walk *w, int parent, const char *id)
{
	if (w->nparts >= w->mi->max_parts) {
		if (!w->parts_noted)
			sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", -1,
					   "more than %zu MIME parts (limits.max_parts)",
					   w->mi->max_parts);
		w->parts_noted = 1;
		w->m->incomplete = 1;
		return -1;
	}
	w->nparts++;
	return sl_msg_add_part(w->m, parent, id, w->b->origin);
}

/* Every name a reader could show for the part: Content-Disposition filename
 * and Content-Type name (both parameters in both headers, for readers that
 * mix them up), raw and decoded, in all their readings. */
static void collect_names(struct walk *w, int idx, GMimeObject *obj)
{
	const char *hdrs[2] = {raw_header(obj, "Content-Disposition"),
			       raw_header(obj, "Content-Type")};
	static const char *const params[2] = {"filename", "name"};
	char *r[SL_PART_MAX_NAMES];
	size_t h, k, n, i;
	for (h = 0; h < 2; h++) {
		if (hdrs[h] == NULL) /* parameter names in any case: "FILENAME=" */
			continue;
		for (k = 0; k < 2; k++) {
			n = sl_mimeparam_readings(hdrs[h], params[k], r, SL_PART_MAX_NAMES);
			for (i = 0; i < n; i++) {
				sl_msg_part_add_name(w->m, idx, r[i]);
				free(r[i]);
			}
		}
	}
}

static void decode_leaf(struct walk *w, int idx, GMimePart *part)
{
	struct sl_part *p = &w->m->parts[idx];
	GMimeObject *obj = (GMimeObject *)part;
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *src, *out;
	GByteArray *ba;
	GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
	enum sl_cte cte = sl_mimeparam_cte(raw_header(obj, "Content-Transfer-Encoding"));
	const char *fn = g_mime_part_get_filename(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *name = ct ? g_mime_content_type_get_parameter(ct, "name") : NULL;
	const char *disp = g_mime_object_get_disposition(obj);
	char *uuname = NULL;

	if (cte != SL_CTE_IDENTITY)
		p->encoding = sl_xstrdup(sl_mimeparam_cte_name(cte));
	else if (enc != GMIME_CONTENT_ENCODING_DEFAULT)
		p->encoding = lower(g_mime_content_encoding_to_string(enc));
	if (fn != NULL && *fn != '\0')
		p->filename = sl_xstrdup(fn);
	if (name != NULL && *name != '\0' &&
	    (p->filename == NULL || strcmp(name, p->filename) != 0))
		p->alt_filename = sl_xstrdup(name);
	collect_names(w, idx, obj);
	p = &w->m->parts[idx];
	if (disp == NULL) {
		char *t = sl_mimeparam_type(raw_header(obj, "Content-Disposition"));
		if (strncmp(t, "attachment", 10) == 0)
			disp = "attachment";
		free(t);
	}
	if (dw == NULL) {
		sl_msg_part_take_data(w->m, idx, (unsigned char *)sl_xstrdup(""), 0);
		goto names;
	}
	src = g_mime_data_wrapper_get_stream(dw);
	if (src != NULL) {
		p->body_start = src->bound_start;
		p->body_end = src->bound_end;
		if (p->body_end < 0)
			p->body_end = (int64_t)w->b->len;
	}
	if (p->body_start >= 0 && p->body_end >= p->body_start &&
	    (size_t)p->body_end <= w->b->len) {
		size_t len = 0;
		unsigned char *data = sl_mimelines_decode(
		    cte, enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, w->b->p + p->body_start,
		    (size_t)(p->body_end - p->body_start), &len, &uuname);
		if (data != NULL) {
			sl_msg_part_take_data(w->m, idx, data, len);
			goto names;
		}
	}
	/* The content is what GMime decodes: its encoding is the one a rewrite
	 * writes the part back in and the one that says whether the raw body is
	 * the content. (A near-token GMime does not know, "uue", leaves the body
	 * as it is: the uuencoded blocks in it are found as blocks of text.) */
	free(p->encoding);
	p->encoding = enc != GMIME_CONTENT_ENCODING_DEFAULT ? lower(g_mime_content_encoding_to_string(enc)) : NULL;
	/* Sized for the decoded content up front: no regrowing copies of large parts. */
	{
		size_t enc_len = p->body_end > p->body_start && p->body_start >= 0
				     ? (size_t)(p->body_end - p->body_start)
				     : 0;
		out = g_mime_stream_mem_new_with_byte_array(
		    g_byte_array_sized_new((guint)(enc_len + 16)));
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
names:
	if (uuname != NULL) {
		sl_msg_part_add_name(w->m, idx, uuname);
		free(uuname);
	}
	p = &w->m->parts[idx];
	/* No name GMime could read: the first reading stands for it in reports. */
	if (p->filename == NULL && p->alt_filename == NULL && p->nnames > 0) {
		p->filename = p->names[0];
		memmove(p->names, p->names + 1, --p->nnames * sizeof(*p->names));
	}
	p->is_attachment = p->filename != NULL || p->alt_filename != NULL || p->nnames > 0 ||
			   (disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0);
	p->is_body_text = !p->is_attachment && p->declared_type != NULL &&
			  (strcmp(p->declared_type, "text/plain") == 0 ||
			   strcmp(p->declared_type, "text/html") == 0);
}

static void walk_object(struct walk *w, GMimeObject *obj, int parent, const char *id, int depth,
			size_t end);

/* Past limits.mime_depth: a finding, and the message is not looked at further. */
static int too_deep(struct walk *w, int idx, int depth)
{
	if (depth < w->mi->max_depth)
		return 0;
	if (!w->depth_noted)
		sl_msg_add_finding(w->m, SL_FIND_LIMIT, "limit", idx,
				   "MIME nesting deeper than %d (limits.mime_depth)",
				   w->mi->max_depth);
	w->depth_noted = 1;
	w->m->incomplete = 1;
	return 1;
}

static int blank(const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!g_ascii_isspace(p[i]))
			return 0;
	return 1;
}

/*
 * The delimiter lines of multipart idx in its region [body, end): a line
 * another reader takes as a delimiter (a prefix or case variant of the
 * boundary, \f or \v after it, the boundary cut at 70 characters or read
 * from its parameter another way: unquoted blanks, RFC 2231 continuations,
 * an encoded word, a comment), delimiters after the closing one, and no
 * closing one at all are structure findings: readers see other parts than
 * we do. Returns where the multipart's content ends for its children.
 */
static size_t check_delimiters(struct walk *w, GMimeObject *obj, int idx, const char *boundary,
			       size_t body, size_t end, size_t *epilogue)
{
	const char *raw = raw_header(obj, "Content-Type");
	char *r[SL_PART_MAX_NAMES];
	size_t n = raw ? sl_mimeparam_readings(raw, "boundary", r, SL_PART_MAX_NAMES) : 0, i;
	struct sl_delim_scan s;

	sl_mimelines_delimiters(w->b->p, body, end, boundary, r, n, &s);
	if (s.near >= 0)
		structure(w, idx,
			  "a line at byte %lld is a delimiter of this multipart to some readers "
			  "but not to GMime: they see other parts",
			  (long long)s.near);
	if (s.reopened >= 0)
		structure(w, idx,
			  "a delimiter line at byte %lld comes after the closing one: some readers "
			  "show parts there",
			  (long long)s.reopened);
	/* No content at all (the headers of a bounced message in a report):
	 * nothing can hide after a closing delimiter that is not there; mail
	 * quoted in a bounce is often cut short, and its parts are judged. */
	if (s.close_start < 0 && !w->b->quoted && !blank(w->b->p + body, end - body))
		structure(w, idx,
			  "multipart without its closing boundary: the message may be truncated "
			  "or hide content after it");
	for (i = 0; i < n; i++)
		free(r[i]);
	*epilogue = s.close_end >= 0 ? (size_t)s.close_end : end;
	return s.close_start >= 0 ? (size_t)s.close_start : end;
}

/* A leaf with a boundary parameter and delimiter lines of it: GMime keeps
 * it whole (its type is no multipart to GMime: "multi-part/mixed"), ripmime
 * splits any part with a boundary. */
static void check_leaf_boundary(struct walk *w, int idx, GMimeObject *obj)
{
	const struct sl_part *p = &w->m->parts[idx];
	const char *raw = raw_header(obj, "Content-Type");
	char *r[SL_PART_MAX_NAMES];
	size_t n, i;
	int64_t at;
	if (raw == NULL || strstr(raw, "oundary") == NULL || p->body_start < 0 ||
	    p->body_end < p->body_start)
		return;
	n = sl_mimeparam_readings(raw, "boundary", r, SL_PART_MAX_NAMES);
	at = sl_mimelines_find_delimiter(w->b->p, (size_t)p->body_start, (size_t)p->body_end, r, n);
	if (at >= 0)
		structure(w, idx,
			  "a part that is not a multipart to GMime has a boundary and a delimiter "
			  "line at byte %lld: some readers split it",
			  (long long)at);
	for (i = 0; i < n; i++)
		free(r[i]);
}

/* A multipart as part `id`; its children are numbered below `prefix`
 * ("" at the top: 1, 2...; "2": 2.1, 2.2...). */
static void parse_buffer(struct walk *w, const unsigned char *p, size_t len, int host, int depth,
			 enum sl_mail_kind kind, int quoted);

/* The start of the line before the one that starts at pos (> 0). */
static size_t line_before(const unsigned char *p, size_t pos)
{
	size_t k = pos - 1; /* the LF that ends that line */
	while (k > 0 && p[k - 1] != '\n')
		k--;
	return k;
}

/*
 * A multipart with a transfer encoding (RFC 2045 allows none) is one encoded
 * file to ripmime, saved under the multipart's name: that reading is a part
 * of its own below the multipart (id N/whole), decoded and judged. Text, as
 * a quoted-printable multipart of real mail decodes to, is no finding.
 */
static void multipart_as_file(struct walk *w, GMimeObject *obj, int idx, const char *id,
			      size_t body, size_t end)
{
	enum sl_cte cte = sl_mimeparam_cte(raw_header(obj, "Content-Transfer-Encoding"));
	unsigned char *data;
	char *uuname = NULL, *cid;
	size_t len = 0, k;
	int c;

	if (cte == SL_CTE_IDENTITY)
		return;
	data = sl_mimelines_decode(cte, 0, w->b->p + body, end - body, &len, &uuname);
	if (data == NULL) {
		free(uuname);
		return;
	}
	cid = sl_xasprintf("%s/whole", id);
	c = add_walk_part(w, idx, cid);
	free(cid);
	if (c < 0) {
		free(data);
		free(uuname);
		return;
	}
	sl_msg_part_take_data(w->m, c, data, len);
	w->m->parts[c].declared_type = sl_xstrdup("application/octet-stream");
	w->m->parts[c].encoding = sl_xstrdup(sl_mimeparam_cte_name(cte));
	w->m->parts[c].is_attachment = 1;
	for (k = 0; k < w->m->parts[idx].nnames; k++)
		sl_msg_part_add_name(w->m, c, w->m->parts[idx].names[k]);
	if (uuname != NULL)
		sl_msg_part_add_name(w->m, c, uuname);
	free(uuname);
	{
		struct sl_part *p = &w->m->parts[c];
		if (p->nnames > 0) {
			p->filename = p->names[0];
			memmove(p->names, p->names + 1, --p->nnames * sizeof(*p->names));
		}
	}
}

/*
 * Where the part before `next` ends: the start of the delimiter line before
 * next's header block, or before the blank line that starts a part without
 * headers; `end` when that cannot be told.
 */
static size_t part_end(struct walk *w, GMimeObject *next, size_t end)
{
	const unsigned char *p = w->b->p;
	int64_t hs = header_start(next);
	size_t k;
	if (hs < 0 && GMIME_IS_PART(next)) {
		GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(next));
		GMimeStream *st = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
		hs = st ? st->bound_start : -1;
		if (hs > 1 && (size_t)hs <= end) {
			k = line_before(p, (size_t)hs); /* the blank line */
			if (k > 1 && (p[k] == '\n' || p[k] == '\r')) {
				size_t d = line_before(p, k);
				if (p[d] == '-' && p[d + 1] == '-')
					return d;
			}
			return end;
		}
	}
	if (hs > 1 && (size_t)hs <= end)
		return line_before(p, (size_t)hs);
	return end;
}

static void walk_multipart(struct walk *w, GMimeObject *obj, int parent, const char *id,
			   const char *prefix, int depth, size_t end)
{
	GMimeMultipart *mp = GMIME_MULTIPART(obj);
	int i, n = g_mime_multipart_get_count(mp);
	int idx = add_walk_part(w, parent, id);
	/* The parameter as given: g_mime_multipart_get_boundary() makes one up
	 * when there is none, and re-encoding a hostile parameter list for it
	 * can take gigabytes (fuzz_links found one). */
	const char *boundary = g_mime_object_get_content_type_parameter(obj, "boundary");
	int64_t body;
	size_t end0 = end, epilogue = end;
	if (idx < 0)
		return;
	w->m->parts[idx].is_container = 1;
	set_common(w, idx, obj);
	check_headers(w, obj, idx);
	check_odd_fields(w, obj, idx, header_start(obj));
	if (unbalanced(raw_header(obj, "Content-Type")))
		structure(w, idx,
			  "its Content-Type leaves a quote or comment open: readers disagree on its "
			  "boundary and parts");
	/* A name on a multipart: some readers give it to one of its parts. */
	collect_names(w, idx, obj);
	body = note_header_block(w, obj);
	if (too_deep(w, idx, depth))
		return;
	if (boundary != NULL && body >= 0 && (size_t)body <= end)
		end = check_delimiters(w, obj, idx, boundary, (size_t)body, end, &epilogue);
	for (i = 0; i < n; i++) {
		char *cid = child_id(prefix, i + 1);
		size_t cend = end;
		/* A part ends where the delimiter line before the next one starts. */
		if (i + 1 < n)
			cend = part_end(w, g_mime_multipart_get_part(mp, i + 1), end);
		walk_object(w, g_mime_multipart_get_part(mp, i), idx, cid, depth + 1, cend);
		free(cid);
	}
	if (w->b->host < 0 && body >= 0)
		w->m->parts[idx].body_end = (int64_t)end0;
	if (body >= 0 && (size_t)body < end0)
		multipart_as_file(w, obj, idx, id, (size_t)body, end0);
	/* ripmime reads on after the closing delimiter: a paragraph there that
	 * holds part headers is a part to it, decoded and saved. */
	if (epilogue < end0 && !blank(w->b->p + epilogue, end0 - epilogue)) {
		size_t qlen = 0;
		unsigned char *quoted =
		    sl_mimelines_quoted_mail(w->b->p + epilogue, end0 - epilogue, &qlen);
		if (quoted != NULL && !too_deep(w, idx, depth))
			parse_buffer(w, quoted, qlen, idx, depth + 1, SL_MAIL_MESSAGE, 1);
		free(quoted);
	}
}

/* The body of a message (top level or message/rfc822 part `prefix`): a
 * multipart is an unnumbered container (id "0" / "N.0"), a single part is
 * prefix.1. */
static void walk_body(struct walk *w, GMimeObject *body, int parent, const char *prefix, int depth,
		      size_t end)
{
	char *cid;
	if (body == NULL)
		return;
	if (GMIME_IS_MULTIPART(body)) {
		cid = *prefix ? sl_xasprintf("%s.0", prefix) : sl_xstrdup("0");
		walk_multipart(w, body, parent, cid, prefix, depth, end);
	} else {
		cid = child_id(prefix, 1);
		walk_object(w, body, parent, cid, depth, end);
	}
	free(cid);
}

/*
 * A leaf that holds a message or a mailbox -- any message/\* type,
 * text/rfc822-headers, a base64 message/rfc822 GMime left whole, an attached
 * .eml or mailbox -- is parsed as mail, so that what it carries becomes parts
 * the type stage judges: Python parses every message/\* part as a message,
 * ripmime decodes encoded ones, a person opens the attached mail. ripmime
 * also splits content that holds MIME parts with no multipart around them at
 * the boundary it guesses (a lost Content-Type, a bounce quoting the returned
 * message), and peels a paragraph of text that holds part headers off as a
 * part of its own (sl_mimelines_quoted_mail): such content is parsed the same
 * way, as quoted mail.
 */
/*
 * The body of a decoded part as it stands is another reading: a reader that
 * does not apply the encoding (a "base64;" on a message part whose
 * Content-Type it could not read, a body that is no base64 at all) reads the
 * mail or the MIME parts written there. Header fields need a colon: encoded
 * bodies, base64 above all, have none and are passed over at memchr's speed.
 */
static void parse_raw_if_mail(struct walk *w, int idx, int depth, int declared)
{
	const struct sl_part *p = &w->m->parts[idx];
	const unsigned char *raw;
	unsigned char *quoted;
	size_t rlen, qlen = 0;
	enum sl_mail_kind kind;

	/* Base64 and uuencode only: a quoted-printable body reads as its own
	 * text already, and its soft breaks put any words at a line start. */
	if (p->encoding == NULL || (strcmp(p->encoding, "base64") != 0 && strstr(p->encoding, "uu") == NULL) ||
	    p->body_start < 0 || p->body_end <= p->body_start || (size_t)p->body_end > w->b->len)
		return;
	raw = w->b->p + p->body_start;
	rlen = (size_t)(p->body_end - p->body_start);
	if (memchr(raw, ':', rlen) == NULL || too_deep(w, idx, depth))
		return;
	kind = sl_mimelines_mail_kind(raw, rlen, declared ? SL_MAIL_DECLARED : SL_MAIL_ATTACHED);
	if (kind != SL_MAIL_NONE) {
		parse_buffer(w, raw, rlen, idx, depth + 1, kind, 0);
		return;
	}
	quoted = sl_mimelines_quoted_mail(raw, rlen, &qlen);
	if (quoted != NULL)
		parse_buffer(w, quoted, qlen, idx, depth + 1, SL_MAIL_MESSAGE, 1);
	free(quoted);
}

static void parse_if_mail(struct walk *w, int idx, int depth)
{
	struct sl_part *p = &w->m->parts[idx];
	const char *t = p->declared_type ? p->declared_type : "";
	int declared = strncmp(t, "message/", 8) == 0 || strcmp(t, "text/rfc822-headers") == 0;
	enum sl_mail_kind kind = SL_MAIL_NONE;
	unsigned char *quoted;
	size_t qlen = 0;

	if (p->data == NULL || p->size == 0) {
		parse_raw_if_mail(w, idx, depth, declared);
		return;
	}
	if (declared || !p->is_body_text)
		kind = sl_mimelines_mail_kind(p->data, p->size,
					      declared ? SL_MAIL_DECLARED : SL_MAIL_ATTACHED);
	if (kind != SL_MAIL_NONE) {
		if (!too_deep(w, idx, depth))
			parse_buffer(w, p->data, p->size, idx, depth + 1, kind, 0);
	} else {
		quoted = sl_mimelines_quoted_mail(p->data, p->size, &qlen);
		if (quoted != NULL && !too_deep(w, idx, depth))
			parse_buffer(w, quoted, qlen, idx, depth + 1, SL_MAIL_MESSAGE, 1);
		free(quoted);
	}
	parse_raw_if_mail(w, idx, depth, declared);
}

static void walk_object(struct walk *w, GMimeObject *obj, int parent, const char *id, int depth,
			size_t end)
{
	int idx;
	if (GMIME_IS_MULTIPART(obj)) {
		/* A multipart inside a multipart takes the number; its children go below. */
		walk_multipart(w, obj, parent, id, id, depth, end);
		return;
	}
	idx = add_walk_part(w, parent, id);
	if (idx < 0)
		return;
	set_common(w, idx, obj);
	check_headers(w, obj, idx);
	check_odd_fields(w, obj, idx, header_start(obj));
	note_header_block(w, obj);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		w->m->parts[idx].is_container = 1;
		collect_names(w, idx, obj);
		/* GMime leaves a message part encoded with a token it knows whole (a
		 * leaf, decoded and parsed by parse_if_mail); one only permissive
		 * readers decode ("base64;") it parses as text. */
		if (sl_mimeparam_cte(raw_header(obj, "Content-Transfer-Encoding")) !=
		    SL_CTE_IDENTITY)
			structure(
			    w, idx,
			    "a message part with a transfer encoding only some readers decode");
		if (inner == NULL)
			return;
		check_headers(w, GMIME_OBJECT(inner), idx);
		check_odd_fields(w, GMIME_OBJECT(inner), idx, header_start(GMIME_OBJECT(inner)));
		collect_names(w, idx, GMIME_OBJECT(inner));
		note_header_block(w, GMIME_OBJECT(inner));
		if (too_deep(w, idx, depth))
			return;
		walk_body(w, g_mime_message_get_mime_part(inner), idx, id, depth + 1, end);
		return;
	}
	if (GMIME_IS_PART(obj)) {
		int64_t hs = w->m->parts[idx].hdr_start;
		if (hs >= 0 && (size_t)hs < end && sl_mimelines_block_end(w->b->p, w->b->len, (size_t)hs) > end)
			structure(w, idx,
				  "its header block runs into the next delimiter without the blank line "
				  "that ends it: readers disagree on where its content is");
		decode_leaf(w, idx, GMIME_PART(obj));
		check_leaf_boundary(w, idx, obj);
		parse_if_mail(w, idx, depth);
	}
}

/* Far more lines starting with "--" than limits.max_parts allows: a message
 * built to make parsers work (100 000 parts); refused before GMime builds a
 * tree of them all. */
static int too_many_delimiters(struct walk *w, const unsigned char *p, size_t len)
{
	size_t lines = 0, cap = 2 * w->mi->max_parts + 64;
	const unsigned char *q = p, *end = p + len;
	while (q < end && lines <= cap) {
		if (end - q >= 2 && q[0] == '-' && q[1] == '-')
			lines++;
		q = memchr(q, '\n', (size_t)(end - q));
		if (q == NULL)
			break;
		q++;
	}
	if (lines <= cap)
		return 0;
	sl_msg_add_finding(
	    w->m, SL_FIND_LIMIT, "limit", w->b->host,
	    "more than %zu boundary lines: more MIME parts than limits.max_parts (%zu)", cap,
	    w->mi->max_parts);
	w->m->incomplete = 1;
	return 1;
}

/* A lone CR ends a line for Python's email package and ripmime, not for
 * GMime: in a header block it can hide a header, before "--" a delimiter. */
static void check_lone_cr(struct walk *w)
{
	GArray *a = w->b->hdr_blocks;
	int64_t at = -1;
	guint i;
	for (i = 0; i + 1 < a->len && at < 0; i += 2)
		at = sl_mimelines_lone_cr(w->b->p, g_array_index(a, size_t, i),
					  g_array_index(a, size_t, i + 1), 0);
	if (at >= 0) {
		structure(w, w->b->host,
			  "a lone CR in a header block at byte %lld: some readers end the line "
			  "there and read another header",
			  (long long)at);
		return;
	}
	at = sl_mimelines_lone_cr(w->b->p, 0, w->b->len, 1);
	if (at >= 0)
		structure(w, w->b->host,
			  "a lone CR before \"--\" at byte %lld: some readers see a delimiter "
			  "line there",
			  (long long)at);
}

/*
 * Parses one buffer with GMime: the raw message (host -1), or the decoded
 * content of part host, holding one message or a mailbox. The messages of a
 * part are containers host/1, host/2... of origin SL_ORIGIN_MAIL; their
 * byte ranges are not the raw message's, so they are cleared: such parts are
 * removed by removing their host.
 */
static void parse_buffer(struct walk *w, const unsigned char *p, size_t len, int host, int depth,
			 enum sl_mail_kind kind, int quoted)
{
	struct buf b = {p,    len,    host < 0 ? SL_ORIGIN_MIME : SL_ORIGIN_MAIL,
			host, quoted, g_array_new(FALSE, FALSE, sizeof(size_t)),
			g_array_new(FALSE, FALSE, sizeof(size_t))};
	struct buf *saved = w->b;
	size_t first = w->m->nparts, i;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	int k;

	w->b = &b;
	if (too_many_delimiters(w, p, len))
		goto out_nostream;
	{
		size_t top[2] = {0, sl_mimelines_block_end(p, len, 0)};
		g_array_append_vals(b.hdr_blocks, top, 2);
	}
	stream = g_mime_stream_mem_new_with_buffer((const char *)p, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser,
				 kind == SL_MAIL_MBOX ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, w);
	for (k = 1; !w->parts_noted; k++) {
		GMimeMessage *message = g_mime_parser_construct_message(parser, opts);
		if (message == NULL) {
			if (k == 1)
				structure(w, host,
					  "not a message: no header block could be parsed");
			break;
		}
		if (host < 0) {
			w->m->headers_end = g_mime_parser_get_headers_end(parser);
			size_t top_end = sl_mimelines_block_end(p, len, 0);
			check_headers(w, GMIME_OBJECT(message), -1);
			note_header_block(w, GMIME_OBJECT(message));
			/* The top-level block is read once, for the top part, below. */
			g_array_append_val(b.odd_scanned, top_end);
			walk_body(w, g_mime_message_get_mime_part(message), -1, "", depth, len);
			/* The top-level body owns the message's header block. */
			{
				int top = sl_msg_find_part(
				    w->m, w->m->nparts && w->m->parts[0].is_container ? "0" : "1");
				if (top >= 0) {
					w->m->parts[top].hdr_start = 0;
					g_array_set_size(b.odd_scanned, 0);
					check_odd_fields(w, GMIME_OBJECT(message), top, 0);
					/* GMime gives a Content-* field in another case
					 * ("cONTENT-dISPOSITION") to the message, not its body. */
					collect_names(w, top, GMIME_OBJECT(message));
				}
			}
		} else {
			char *id = sl_xasprintf("%s/%d", w->m->parts[host].id, k);
			int idx = add_walk_part(w, host, id);
			if (idx >= 0) {
				struct sl_part *c = &w->m->parts[idx];
				c->is_container = 1;
				c->declared_type = sl_xstrdup("message/rfc822");
				check_headers(w, GMIME_OBJECT(message), idx);
				check_odd_fields(w, GMIME_OBJECT(message), idx,
						 header_start(GMIME_OBJECT(message)));
				collect_names(w, idx, GMIME_OBJECT(message));
				note_header_block(w, GMIME_OBJECT(message));
				walk_body(w, g_mime_message_get_mime_part(message), idx, id, depth,
					  len);
			}
			free(id);
		}
		g_object_unref(message);
		if (kind != SL_MAIL_MBOX || g_mime_parser_eos(parser))
			break;
	}
	check_lone_cr(w);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(stream);
out_nostream:
	if (host >= 0)
		for (i = first; i < w->m->nparts; i++)
			w->m->parts[i].hdr_start = w->m->parts[i].body_start =
			    w->m->parts[i].body_end = -1;
	g_array_free(b.hdr_blocks, TRUE);
	g_array_free(b.odd_scanned, TRUE);
	w->b = saved;
}

/* The number of parts directly below part i. */
static size_t children(const struct sl_msg *m, size_t i)
{
	size_t k, n = 0;
	for (k = i + 1; k < m->nparts; k++)
		n += m->parts[k].parent == (int)i;
	return n;
}

static void add_extracted(struct walk *w, int parent, struct sl_extract_list *l,
			  enum sl_part_origin origin)
{
	size_t i, first = children(w->m, (size_t)parent) + 1;
	for (i = 0; i < l->n; i++) {
		struct sl_extracted *e = &l->v[i];
		char *id = sl_xasprintf("%s/%zu", w->m->parts[parent].id, first + i);
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

/* Uuencoded blocks in any part and TNEF attachments become parts. A limit
 * that stops the extraction leaves files unlooked at: the message is
 * incomplete, never delivered as is whatever policy.limit says. */
static void extract_children(struct walk *w)
{
	size_t i, n = w->m->nparts;
	for (i = 0; i < n; i++) {
		struct sl_part *p = &w->m->parts[i];
		struct sl_extract_list l = {0};
		char *why = NULL;
		int rc;
		if (p->is_container || p->data == NULL ||
		    (p->origin != SL_ORIGIN_MIME && p->origin != SL_ORIGIN_MAIL))
			continue;
		if (sl_tnef_is(p->data, p->size)) {
			rc = sl_tnef_extract(p->data, p->size, w->mi->max_files, w->mi->max_bytes,
					     &l, &why);
			if (rc == SL_EPARSE)
				sl_msg_add_finding(w->m, SL_FIND_FILETYPE, "unreadable_archive",
						   (int)i, "winmail.dat that cannot be read: %s",
						   why ? why : "malformed");
			add_extracted(w, (int)i, &l, SL_ORIGIN_TNEF);
		} else if (sl_uu_maybe((const char *)p->data, p->size)) {
			/* In any part, not only text: ripmime decodes them all. */
			rc = sl_uu_extract((const char *)p->data, p->size, w->mi->max_files,
					   w->mi->max_bytes, &l, &why);
			add_extracted(w, (int)i, &l, SL_ORIGIN_UUENCODE);
		} else {
			continue;
		}
		if (rc == SL_ETOOBIG) {
			sl_msg_add_finding(
			    w->m, SL_FIND_LIMIT, "limit", (int)i,
			    "too many or too large files inside (limits.max_extracted_*)");
			w->m->incomplete = 1;
		}
		free(why);
		sl_extract_list_clear(&l);
	}
}

int sl_mime_run(struct sl_mime *mi, struct sl_msg *m)
{
	struct walk w = {0};
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
			sl_msg_add_finding(
			    m, SL_FIND_STRUCTURE, "structure", -1,
			    "NUL byte at offset %zu: readers disagree on where text ends",
			    (size_t)(z - m->raw));
	}
	parse_buffer(&w, m->raw, m->raw_len, -1, 0, SL_MAIL_MESSAGE, 0);
	if (!m->incomplete)
		extract_children(&w);
	return SL_OK;
}
