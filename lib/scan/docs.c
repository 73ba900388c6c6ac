/* docs - see docs.h. */
#include <glib.h>

#include "docs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ooxml.h"
#include "pdf.h"
#include "sandbox.h"
#include "urlrewrite.h"

#define MAX_ANSWER (16u * 1024 * 1024) /* a PDF worker's report; more is a limit */

struct sl_docs {
	struct sl_sandbox_limits lim;
	size_t max_objects;
	struct sl_ooxml_limits zip;
	size_t max_urls;
};

/* ---- reports -------------------------------------------------------------- */

static void report_add(struct sl_doc_report *r, const char *rule, char *text)
{
	char *key = g_strconcat(rule, "\n", text, NULL);
	if (r->seen == NULL)
		r->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!g_hash_table_add(r->seen, key)) {
		free(text);
		return;
	}
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 8;
		r->v = sl_xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	r->v[r->n].rule = sl_xstrdup(rule);
	r->v[r->n].text = text;
	r->n++;
}

void sl_doc_report_add(struct sl_doc_report *r, const char *rule, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = sl_xstrdup("?");
	va_end(ap);
	report_add(r, rule, text);
}

const char *sl_doc_report_find(const struct sl_doc_report *r, const char *rule, const char *text)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0 && (text == NULL || strcmp(r->v[i].text, text) == 0))
			return r->v[i].text;
	return NULL;
}

size_t sl_doc_report_count(const struct sl_doc_report *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += strcmp(r->v[i].rule, rule) == 0;
	return n;
}

void sl_doc_report_clear(struct sl_doc_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].rule);
		free(r->v[i].text);
	}
	free(r->v);
	if (r->seen != NULL)
		g_hash_table_destroy(r->seen);
	memset(r, 0, sizeof(*r));
}

void sl_doc_report_pack(const struct sl_doc_report *r, struct sl_buf *out)
{
	for (size_t i = 0; i < r->n; i++) {
		sl_buf_add(out, r->v[i].rule, strlen(r->v[i].rule) + 1);
		sl_buf_add(out, r->v[i].text, strlen(r->v[i].text) + 1);
	}
}

int sl_doc_report_unpack(const char *p, size_t n, struct sl_doc_report *r)
{
	const char *e = p + n;
	while (p < e) {
		const char *rule = p, *text, *end = memchr(p, '\0', (size_t)(e - p));
		if (end == NULL)
			return SL_EPARSE;
		text = end + 1;
		end = text < e ? memchr(text, '\0', (size_t)(e - text)) : NULL;
		if (end == NULL)
			return SL_EPARSE;
		report_add(r, rule, sl_xstrdup(text));
		p = end + 1;
	}
	return SL_OK;
}

char *sl_doc_quote(const char *s)
{
	/* Exact (the JSON report keeps it): notices escape and defang it when
	 * they write it (escape.h). */
	char *c = sl_clip(s, SL_DOC_DETAIL_MAX);
	for (unsigned char *p = (unsigned char *)c; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			*p = '?';
	return c;
}

int sl_doc_has_scheme(const char *s)
{
	size_t i = 1;
	if (!g_ascii_isalpha(s[0]))
		return 0;
	while (g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')
		i++;
	return i >= 2 && s[i] == ':';
}

int sl_doc_remote(const char *t)
{
	size_t slashes = 0;
	while (*t == ' ' || *t == '\t')
		t++;
	if ((t[0] == '\\' || t[0] == '/') && (t[1] == '\\' || t[1] == '/'))
		return 1; /* \\host\share, //host/share */
	if (!sl_doc_has_scheme(t))
		return 0;
	if (g_ascii_strncasecmp(t, "file:", 5) != 0)
		return 1;
	/* file://host/x and file:////host/x reach a host; file:/x and file:///x do not */
	for (t += 5; t[slashes] == '/' || t[slashes] == '\\'; slashes++)
		;
	return slashes == 2 || slashes >= 4;
}

/* ---- the PDF worker ------------------------------------------------------- */

static int pdf_job(uint64_t max_objects, const unsigned char *in, size_t n, struct sl_buf *out)
{
	struct sl_doc_report r = { 0 };
	int rc = sl_pdf_read(in, n, (size_t)max_objects, &r);
	sl_doc_report_pack(&r, out);
	sl_doc_report_clear(&r);
	return rc;
}

/* A process started as "--sluice-worker pdf" (sandbox.h) serves PDF jobs only. */
__attribute__((constructor)) static void pdf_worker(int argc, char **argv, char **envp)
{
	if (sl_sandbox_is_worker(argc, argv, "pdf"))
		sl_sandbox_serve(pdf_job);
}

/* ---- the stage ------------------------------------------------------------ */

struct sl_docs *sl_docs_new(const struct sl_config *cfg, char **why)
{
	struct sl_docs *d = sl_xcalloc(1, sizeof(*d));
	d->lim.time_ms = (uint64_t)sl_config_int(cfg, "docs.max_parse_time");
	d->lim.memory = (uint64_t)sl_config_int(cfg, "docs.max_parse_memory");
	d->lim.max_output = MAX_ANSWER;
	d->max_objects = (size_t)sl_config_int(cfg, "docs.max_pdf_objects");
	d->zip.max_members = (size_t)sl_config_int(cfg, "docs.max_zip_members");
	d->zip.max_xml = (size_t)sl_config_int(cfg, "docs.max_xml_size");
	d->zip.max_ratio = (unsigned)sl_config_int(cfg, "docs.max_zip_ratio");
	d->max_urls = (size_t)sl_config_int(cfg, "urls.max_urls");
	return d;
}

struct sl_docs *sl_docs_free(struct sl_docs *d)
{
	free(d);
	return NULL;
}

enum doc_kind { DOC_NONE, DOC_PDF, DOC_ZIP, DOC_OFFICE };

static enum doc_kind kind_by_type(const char *t)
{
	if (t == NULL)
		return DOC_NONE;
	if (strcmp(t, "application/pdf") == 0)
		return DOC_PDF;
	if (g_str_has_prefix(t, "application/vnd.openxmlformats-officedocument.") ||
	    g_str_has_prefix(t, "application/vnd.oasis.opendocument.") ||
	    g_str_has_prefix(t, "application/vnd.ms-word.") || g_str_has_prefix(t, "application/vnd.ms-excel.") ||
	    g_str_has_prefix(t, "application/vnd.ms-powerpoint."))
		return DOC_OFFICE;
	if (strcmp(t, "application/zip") == 0 || strcmp(t, "application/x-zip-compressed") == 0)
		return DOC_ZIP;
	return DOC_NONE;
}

/* What a part is by its content; only parts we hold whole, never text to read. */
static enum doc_kind kind_of(const struct sl_part *p)
{
	enum doc_kind a, b;
	if (p->is_container || p->is_body_text || p->data == NULL || p->size == 0 || p->data_len != p->size)
		return DOC_NONE;
	a = kind_by_type(p->detected_type);
	b = kind_by_type(p->av_type);
	if (a == DOC_PDF || b == DOC_PDF ||
	    memmem(p->data, p->data_len < 1024 ? p->data_len : 1024, "%PDF-", 5) != NULL)
		return DOC_PDF;
	if (a == DOC_OFFICE || b == DOC_OFFICE)
		return p->size >= 4 && memcmp(p->data, "PK\3\4", 4) == 0 ? DOC_OFFICE : DOC_NONE;
	return a == DOC_ZIP || b == DOC_ZIP ? DOC_ZIP : DOC_NONE;
}

static void read_pdf(struct sl_docs *d, const struct sl_part *p, struct sl_doc_report *r)
{
	struct sl_buf out;
	char *why = NULL;
	int job_rc = 0, rc;

	sl_buf_init(&out, 0);
	rc = sl_sandbox_run("pdf", &d->lim, d->max_objects, p->data, p->size, &out, &job_rc, &why);
	if (rc == SL_OK && job_rc != SL_OK) {
		rc = job_rc;
		why = sl_xasprintf("the worker could not take it (%s)", sl_strerror(job_rc));
	}
	if (rc == SL_OK && sl_doc_report_unpack(out.data ? out.data : "", out.len, r) != SL_OK) {
		rc = SL_EPARSE;
		why = sl_xstrdup("the worker's answer is garbled");
	}
	if (rc != SL_OK)
		sl_doc_report_add(r, "limit", "PDF that could not be read within docs.max_parse_time and "
				  "docs.max_parse_memory: %s", why != NULL ? why : sl_strerror(rc));
	free(why);
	sl_buf_free(&out);
}

static int known_rule(const char *rule)
{
	static const char *const rules[] = { "pdf_launch", "pdf_remote_file", "pdf_javascript",
		"embedded_executable", "office_remote_content", "office_macro", "document_unreadable",
		"encrypted_archive", NULL };
	for (size_t i = 0; rules[i] != NULL; i++)
		if (strcmp(rule, rules[i]) == 0)
			return 1;
	return 0;
}

/* Turns what a reader found in part i into links and findings. */
static void apply(struct sl_docs *d, struct sl_msg *m, int i, const struct sl_doc_report *r)
{
	for (size_t k = 0; k < r->n; k++) {
		const char *rule = r->v[k].rule, *text = r->v[k].text;
		if (strcmp(rule, SL_DOC_LINK) == 0) {
			if (m->nurls >= d->max_urls) {
				if (!sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", i))
					sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", i,
							   "more than %zu URLs in the message (urls.max_urls): the rest "
							   "were not examined", d->max_urls);
				m->incomplete = 1;
				continue;
			}
			sl_msg_add_url(m, i, text, 0, 0, SL_URLCTX_ATTACHMENT, NULL);
		} else if (strcmp(rule, "limit") == 0 || !known_rule(rule)) {
			sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", i, "%s", text);
			m->incomplete = 1; /* not read in full: never delivered as is */
		} else if (!sl_msg_has_finding(m, SL_FIND_FILETYPE, rule, i)) {
			sl_msg_add_finding(m, SL_FIND_FILETYPE, rule, i, "%s", text);
		}
	}
}

int sl_docs_run(struct sl_docs *d, struct sl_msg *m)
{
	size_t i, n = m->nparts;
	for (i = 0; i < n; i++) {
		struct sl_part *p = &m->parts[i];
		struct sl_doc_report r = { 0 };
		enum doc_kind k = kind_of(p);
		if (k == DOC_NONE)
			continue;
		if (k == DOC_PDF)
			read_pdf(d, p, &r);
		else
			sl_ooxml_read(p->data, p->size, &d->zip, k == DOC_OFFICE, &r);
		apply(d, m, (int)i, &r);
		sl_doc_report_clear(&r);
	}
	return SL_OK;
}
