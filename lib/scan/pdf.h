/*
 * pdf - the links and active content of a PDF, read with qpdf.
 *
 * Why qpdf (its C API) and not poppler-glib: qpdf is a parser only (no
 * rendering, fonts or cairo to load), on OSS-Fuzz for years, and its C API
 * turns every C++ exception into an error code; it gives the raw object graph,
 * so every action is visible, including those poppler-glib does not expose
 * (GoToE, ImportData, SubmitForm, document and page /AA, the JavaScript name
 * tree); it reads cross-reference and object streams, repairs damaged files
 * as readers do and decrypts files protected by an owner password only.
 * One qpdf_data per call: calls on different threads share nothing. qpdf
 * 11.3 has no bound on what a compressed stream inflates to, so the stage
 * runs this in a worker process with a memory limit (sandbox.h).
 *
 * sl_pdf_read walks every object reachable from the trailer (each indirect
 * object once per context, at most max_objects containers) and reports to r
 * (docs.h):
 *   - each action (a dictionary with /S): URI, Launch, GoToR, GoToE,
 *     SubmitForm, ImportData, and /JS of any action. How an action is reached
 *     tells when it runs: /OpenAction, /AA entries other than mouse and
 *     keyboard events (E X D U Fo Bl K V), the /Names /JavaScript tree and
 *     /Next of those run by themselves; /A and the rest on a click.
 *   - each file specification with /EF: its embedded files, decoded and
 *     typed by content and name (filetype.h).
 * A document qpdf cannot open is "document_unreadable" (or
 * "encrypted_archive" when it needs a password); an error while walking, or
 * a stream qpdf could not decode (which it reports as a warning and reads as
 * null: object streams), makes it unreadable too, since what was not seen
 * may matter; running out of memory (std::bad_alloc inside qpdf, error or
 * warning) or past max_objects is "limit". Other warnings (a cross-reference
 * table rebuilt, as readers do) are not findings.
 *
 * Not done: XFA forms (scripts in XML), JavaScript of 3D annotations,
 * embedded PDFs are not opened in turn, relative URIs are not resolved
 * against the catalog's /URI /Base.
 */
#ifndef SL_PDF_H
#define SL_PDF_H

#include <stddef.h>

#include "docs.h"

int sl_pdf_read(const unsigned char *pdf, size_t n, size_t max_objects, struct sl_doc_report *r);

/* 1 when a script only prints (print(), this.print({...})) or calls
 * Acrobat's AF* field formatters, with literal arguments; exposed for tests. */
int sl_pdf_js_benign(const char *js, size_t n);

#endif
