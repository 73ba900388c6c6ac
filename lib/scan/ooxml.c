/* ooxml - see ooxml.h. */
#include <glib.h>

#include "ooxml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "util.h"

#define RATIO_FLOOR (1024 * 1024) /* members smaller than this are never bombs */
#define FIELD_MAX 4096            /* bytes of one Word field instruction kept */

struct xml {
	struct sl_doc_report *r;
	int odf;
	int in_instr;       /* inside w:instrText */
	int in_field;       /* between a field's begin and its separate/end */
	struct sl_buf field; /* the instruction of the field being read */
};

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* The most entries any end-of-central-directory record in the tail declares
 * (zip64 records followed), or -1 when there is none. */
static int64_t declared_entries(const unsigned char *p, size_t n)
{
	size_t lo = n > 65557 ? n - 65557 : 0, i;
	int64_t most = -1;

	if (n < 22)
		return -1;
	for (i = n - 22 + 1; i-- > lo;) {
		uint64_t total;
		if (memcmp(p + i, "PK\5\6", 4) != 0)
			continue;
		total = le(p + i + 10, 2);
		if (total == 0xFFFF && i >= 20 && memcmp(p + i - 20, "PK\6\7", 4) == 0) {
			uint64_t off = le(p + i - 20 + 8, 8);
			if (off < n && n - off >= 56 && memcmp(p + off, "PK\6\6", 4) == 0)
				total = le(p + off + 32, 8);
		}
		if (total > INT64_MAX)
			total = INT64_MAX;
		if ((int64_t)total > most)
			most = (int64_t)total;
	}
	return most;
}

static const char *local_name(const char *s)
{
	const char *c = strrchr(s, ':');
	return c != NULL ? c + 1 : s;
}

/* Names something outside the package and the folder it was saved in: a URI,
 * a UNC path, a drive path. ("/word/document.xml" is a part name.) */
static int outside(const char *t)
{
	return sl_doc_has_scheme(t) || sl_doc_remote(t) || (g_ascii_isalpha(t[0]) && t[1] == ':');
}

static void external(struct xml *x, const char *kind, int link, const char *target)
{
	if (sl_doc_has_scheme(target) || sl_doc_remote(target))
		sl_doc_report_add(x->r, SL_DOC_LINK, "%s", target);
	if (!link) {
		char *q = sl_doc_quote(target);
		sl_doc_report_add(x->r, "office_remote_content",
				  "Office document that loads content from outside when it opens (%s): %s",
				  kind, q);
		free(q);
	}
}

/* A Word field instruction: INCLUDEPICTURE, INCLUDETEXT, LINK and IMPORT
 * load their target when the document is opened or updated, HYPERLINK is a
 * link, DDE and DDEAUTO start a program (macros without a macro project). */
static void field_done(struct xml *x, const char *instr)
{
	static const char *const loads[] = { "INCLUDEPICTURE", "INCLUDETEXT", "LINK", "IMPORT", NULL };
	char word[32], *target = NULL;
	const char *p = instr, *q;
	size_t n = 0, i;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	while (p[n] != '\0' && !g_ascii_isspace(p[n]) && n + 1 < sizeof(word)) {
		word[n] = g_ascii_toupper(p[n]);
		n++;
	}
	word[n] = '\0';
	for (q = p + n; g_ascii_isspace(*q); q++)
		;
	if (*q == '"') {
		const char *e = strchr(q + 1, '"');
		target = e != NULL ? sl_xstrndup(q + 1, (size_t)(e - q - 1)) : sl_xstrdup(q + 1);
	} else {
		size_t k = 0;
		while (q[k] != '\0' && !g_ascii_isspace(q[k]))
			k++;
		target = sl_xstrndup(q, k);
	}
	if (strcmp(word, "DDE") == 0 || strcmp(word, "DDEAUTO") == 0) {
		char *quoted = sl_doc_quote(p);
		sl_doc_report_add(x->r, "office_macro", "Office document with a %s field that starts a program: %s",
				  word, quoted);
		free(quoted);
	} else if (outside(target)) {
		int link = strcmp(word, "HYPERLINK") == 0;
		for (i = 0; loads[i] != NULL && !link; i++)
			if (strcmp(word, loads[i]) == 0)
				break;
		if (link || loads[i] != NULL)
			external(x, word, link, target);
	}
	free(target);
}

/* Field text, each run of white space as one blank (so that padding cannot
 * push the target past the cap), cut at FIELD_MAX. */
static void on_text(GMarkupParseContext *c, const gchar *text, gsize len, gpointer data, GError **err)
{
	struct xml *x = data;
	gsize i;
	if (!x->in_instr || !x->in_field)
		return;
	for (i = 0; i < len; i++) {
		char ch = g_ascii_isspace(text[i]) ? ' ' : text[i];
		if (ch == ' ' && x->field.len > 0 && x->field.data[x->field.len - 1] == ' ')
			continue;
		if (sl_buf_add(&x->field, &ch, 1) != SL_OK)
			return;
	}
}

static void on_end(GMarkupParseContext *c, const gchar *element, gpointer data, GError **err)
{
	struct xml *x = data;
	if (strcmp(local_name(element), "instrText") == 0)
		x->in_instr = 0;
}

static void word_field(struct xml *x, const char *el, const gchar **names, const gchar **values)
{
	size_t i;
	for (i = 0; names[i] != NULL; i++) {
		const char *a = local_name(names[i]);
		if (strcmp(el, "fldSimple") == 0 && strcmp(a, "instr") == 0) {
			field_done(x, values[i]);
		} else if (strcmp(el, "fldChar") == 0 && strcmp(a, "fldCharType") == 0) {
			if (strcmp(values[i], "begin") == 0 && !x->in_field) {
				x->in_field = 1;
				x->field.len = 0;
			} else if (strcmp(values[i], "begin") != 0 && x->in_field) {
				x->in_field = 0;
				sl_buf_add(&x->field, "", 0);
				field_done(x, x->field.data ? x->field.data : "");
			}
		}
	}
	if (strcmp(el, "instrText") == 0)
		x->in_instr = 1;
}

static void on_start(GMarkupParseContext *c, const gchar *element, const gchar **names,
		     const gchar **values, gpointer data, GError **err)
{
	struct xml *x = data;
	const char *el = local_name(element);
	size_t i;

	if (!x->odf) {
		const char *type = "", *target = NULL;
		if (strcmp(el, "Relationship") != 0) {
			word_field(x, el, names, values);
			return;
		}
		for (i = 0; names[i] != NULL; i++) {
			const char *a = local_name(names[i]);
			if (strcmp(a, "Type") == 0)
				type = values[i];
			else if (strcmp(a, "Target") == 0)
				target = values[i];
		}
		/* TargetMode="External" with a relative target names a file beside the
		 * document, which is not there when an agent opens an attachment: what
		 * matters is where the target points, whatever the mode says. */
		if (target != NULL && outside(target)) {
			const char *kind = strrchr(type, '/') != NULL ? strrchr(type, '/') + 1 : type;
			external(x, *kind ? kind : "no type", strcmp(kind, "hyperlink") == 0, target);
		}
		return;
	}
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(local_name(names[i]), "href") != 0 || !outside(values[i]))
			continue;
		external(x, element, strcmp(el, "a") == 0, values[i]);
	}
}

/* Parses one XML member; 0, or SL_EPARSE when it is not well-formed. */
static int parse_xml(struct xml *x, const char *p, size_t n)
{
	static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
	GMarkupParseContext *ctx;
	char *conv = NULL;
	int ok;

	if (n >= 2 && (((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) ||
		       ((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF))) {
		gsize got = 0;
		conv = g_convert(p + 2, (gssize)(n - 2), "UTF-8", (unsigned char)p[0] == 0xFF ? "UTF-16LE" : "UTF-16BE",
				 NULL, &got, NULL);
		if (conv == NULL)
			return SL_EPARSE;
		p = conv;
		n = got;
	} else if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	ctx = g_markup_parse_context_new(&parser, 0, x, NULL);
	ok = g_markup_parse_context_parse(ctx, p, (gssize)n, NULL) &&
	     g_markup_parse_context_end_parse(ctx, NULL);
	g_markup_parse_context_free(ctx);
	g_free(conv);
	return ok ? SL_OK : SL_EPARSE;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && g_ascii_strcasecmp(s + a - b, suffix) == 0;
}

/* A part of Word's text, where fields are: word/document.xml, headers, footers, notes. */
static int word_part(const char *name)
{
	return g_str_has_prefix(name, "word/") && strchr(name + 5, '/') == NULL && ends_with_ci(name, ".xml");
}

/* Reads member i whole into a new buffer. Returns 0, SL_ETOOBIG (reported) or SL_EPARSE. */
static int read_member(zip_t *z, zip_uint64_t i, const char *name, const struct sl_ooxml_limits *lim,
		       struct sl_doc_report *r, char **out, size_t *len)
{
	zip_stat_t st;
	zip_file_t *f;
	zip_int64_t got;
	char *q;

	if (zip_stat_index(z, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		return SL_EPARSE;
	q = sl_doc_quote(name);
	if (st.size > lim->max_xml) {
		sl_doc_report_add(r, "limit", "Office document part %s is larger than %zu bytes (docs.max_xml_size)",
				  q, lim->max_xml);
		free(q);
		return SL_ETOOBIG;
	}
	if (st.size > RATIO_FLOOR && (st.valid & ZIP_STAT_COMP_SIZE) &&
	    st.size / (st.comp_size ? st.comp_size : 1) > lim->max_ratio) {
		sl_doc_report_add(r, "limit", "Office document part %s inflates more than %u times "
				  "(docs.max_zip_ratio)", q, lim->max_ratio);
		free(q);
		return SL_ETOOBIG;
	}
	free(q);
	f = zip_fopen_index(z, i, 0);
	if (f == NULL)
		return SL_EPARSE;
	*out = sl_xmalloc((size_t)st.size + 1);
	got = zip_fread(f, *out, st.size);
	zip_fclose(f);
	if (got < 0 || (zip_uint64_t)got != st.size) {
		free(*out);
		*out = NULL;
		return SL_EPARSE;
	}
	(*out)[got] = '\0';
	*len = (size_t)got;
	return SL_OK;
}

int sl_ooxml_read(const unsigned char *p, size_t n, const struct sl_ooxml_limits *lim, int office,
		  struct sl_doc_report *r)
{
	zip_error_t ze;
	zip_source_t *src = NULL;
	zip_t *z = NULL;
	zip_int64_t count, i;
	int64_t declared = declared_entries(p, n);
	int ooxml = 0, odf = 0, manifest = 0, rc = 0;
	struct xml x = { .r = r };

	zip_error_init(&ze);
	if (declared > (int64_t)lim->max_members) {
		/* Counted before libzip allocates an entry for each. */
		sl_doc_report_add(r, "limit", "zip with more than %zu files (docs.max_zip_members)",
				  lim->max_members);
		rc = 1;
		goto out;
	}
	src = zip_source_buffer_create(p, n, 0, &ze);
	if (src != NULL)
		z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (z == NULL) {
		if (src != NULL)
			zip_source_free(src);
		if (office)
			sl_doc_report_add(r, "document_unreadable", "Office document whose zip cannot be read (%s)",
					  zip_error_strerror(&ze));
		rc = office;
		goto out;
	}
	count = zip_get_num_entries(z, 0);
	for (i = 0; i < count; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		if (name == NULL)
			continue;
		ooxml |= g_ascii_strcasecmp(name, "[Content_Types].xml") == 0;
		odf |= strcmp(name, "content.xml") == 0;
		manifest |= strcmp(name, "META-INF/manifest.xml") == 0 || strcmp(name, "mimetype") == 0;
	}
	odf = odf && manifest && !ooxml;
	if (!ooxml && !odf)
		goto out;
	rc = 1;
	x.odf = odf;
	sl_buf_init(&x.field, FIELD_MAX);
	for (i = 0; i < count; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		char *data = NULL, *q;
		size_t len = 0;
		int mrc;

		if (name == NULL || (ooxml && !ends_with_ci(name, ".rels") && !word_part(name)) ||
		    (odf && strcmp(name, "content.xml") != 0 && strcmp(name, "styles.xml") != 0))
			continue;
		x.in_instr = x.in_field = 0;
		mrc = read_member(z, (zip_uint64_t)i, name, lim, r, &data, &len);
		if (mrc == SL_ETOOBIG)
			break;
		if (mrc == SL_OK)
			mrc = parse_xml(&x, data, len);
		free(data);
		if (mrc != SL_OK) {
			q = sl_doc_quote(name);
			sl_doc_report_add(r, "document_unreadable", "Office document whose part %s cannot be read", q);
			free(q);
		}
	}
out:
	sl_buf_free(&x.field);
	if (z != NULL)
		zip_discard(z);
	zip_error_fini(&ze);
	return rc;
}
