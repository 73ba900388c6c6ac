/*
 * docs - the document stage: links and active content inside PDFs and
 * Office files, which the text and HTML stages cannot see.
 *
 * Which parts: every part with its bytes in full (MIME leaves, extracted
 * files, archive members held whole) that is a PDF or an OOXML/ODF package
 * by content: its detected type or ClamAV's (av_type), or "%PDF-" in its
 * first 1024 bytes (where readers look for it). The declared type and the
 * file name play no part. Text meant to be read is never looked at.
 *
 * PDF (pdf.c, qpdf) runs in a worker process (sandbox.c), bounded by
 * docs.max_parse_time and docs.max_parse_memory; OOXML and ODF (ooxml.c,
 * libzip + GMarkup) run here, bounded by their own limits.
 *
 * What comes out:
 *   links    every URI, SubmitForm and remote file target of a PDF, URLs in
 *            its JavaScript, external relationships of OOXML and xlink:href
 *            of ODF become URLs of the part with SL_URLCTX_ATTACHMENT: the
 *            reputation stage judges them and policy.url_in_attachment
 *            decides (they cannot be edited in place). urls.max_urls counts
 *            them with all other links of the message.
 *   findings (kind filetype, the part as the place)
 *     pdf_launch               a Launch action (runs or opens a file)
 *     pdf_remote_file          GoToR, GoToE or ImportData to a remote or UNC file
 *     pdf_javascript           JavaScript that runs without a click (OpenAction,
 *                              document, page and annotation triggers, field
 *                              format/calculate, document-level scripts), unless
 *                              it only prints or calls Acrobat's AF* formatters
 *     embedded_executable      a PDF embedded file that is a program, script,
 *                              shortcut, installer, disk image or OneNote file
 *                              (by content and name): the rule the av stage
 *                              uses for programs ClamAV finds inside documents
 *     office_remote_content    an OOXML relationship other than a hyperlink
 *                              (attachedTemplate, oleObject, frame,
 *                              subDocument, ...) or an ODF link other than an
 *                              anchor that loads something from outside
 *     office_macro             a Word field that starts a program (DDE, DDEAUTO)
 *     document_unreadable      a PDF or package that cannot be parsed
 *     encrypted_archive        a PDF that needs a password
 *   limits   (kind limit, rule "limit"; the message is marked incomplete)
 *            a worker that ran past its time or memory, or died; a document
 *            past docs.max_pdf_objects, docs.max_zip_members,
 *            docs.max_xml_size or docs.max_zip_ratio.
 *
 * Readers report through an sl_doc_report: a list of (rule, text) items;
 * rule SL_DOC_LINK means text is a URL, other rules are finding rules (text
 * the detail) or "limit". The report travels from the PDF worker as
 * NUL-separated pairs.
 *
 * Threads: an sl_docs is immutable after sl_docs_new; sl_docs_run may be
 * called from any number of threads at once (one PDF worker per thread).
 * Errors: sl_docs_run returns 0: what goes wrong with a document is a finding.
 */
#ifndef SL_DOCS_H
#define SL_DOCS_H

#include <stddef.h>

#include "config.h"
#include "msg.h"
#include "util.h"

#define SL_DOC_LINK "link"
#define SL_DOC_DETAIL_MAX 200 /* bytes of document text quoted in a detail */

struct sl_doc_item {
	char *rule;
	char *text;
};

struct sl_doc_report {
	struct sl_doc_item *v;
	size_t n, alloc;
	void *seen; /* GHashTable of "rule\0text": each item once */
};

/* Adds an item unless the same one is there already. */
void sl_doc_report_add(struct sl_doc_report *r, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The text of the first item with rule (and this text, unless NULL), or NULL. */
const char *sl_doc_report_find(const struct sl_doc_report *r, const char *rule, const char *text);
size_t sl_doc_report_count(const struct sl_doc_report *r, const char *rule);
void sl_doc_report_clear(struct sl_doc_report *r);
/* rule\0text\0 for each item, appended to out. */
void sl_doc_report_pack(const struct sl_doc_report *r, struct sl_buf *out);
/* The reverse; SL_EPARSE when p is not a whole number of pairs. */
int sl_doc_report_unpack(const char *p, size_t n, struct sl_doc_report *r);

/* Document text fit for a detail: control characters as '?', at most
 * SL_DOC_DETAIL_MAX bytes; links stay exact (the JSON report keeps them),
 * notices defang them when they write them (escape.h). */
char *sl_doc_quote(const char *s);
/* 1 when a file name or URL names something outside the local machine: a
 * UNC path (\\host, //host), or a scheme other than file: with no host. */
int sl_doc_remote(const char *target);
/* 1 when s starts with a URI scheme ("https:", "mhtml:"; not a drive "C:"). */
int sl_doc_has_scheme(const char *s);

struct sl_docs;

struct sl_docs *sl_docs_new(const struct sl_config *cfg, char **why);
struct sl_docs *sl_docs_free(struct sl_docs *d); /* returns NULL */
int sl_docs_run(struct sl_docs *d, struct sl_msg *m);

#endif
