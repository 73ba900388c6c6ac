/*
 * pdfuri - the links of a PDF's URI actions, read cheaply from its bytes:
 * "/URI (literal string)" with every escape, and "/URI <hex string>",
 * UTF-16BE strings with a byte-order mark included; control bytes in a URL
 * become %XX. Linear in the input; an unterminated literal ends the search.
 *
 * Not done: objects inside compressed streams or object streams are not
 * inflated, "/URI 12 0 R" references and names with #xx escapes are not
 * followed.
 */
#ifndef SL_PDFURI_H
#define SL_PDFURI_H

#include <stddef.h>

/* Called for each URL (UTF-8, len bytes) found at [start, start + srclen) of
 * the PDF; returns non-zero to stop the search. */
typedef int (*sl_pdf_uri_fn)(void *ctx, const char *url, size_t len, size_t start, size_t srclen);

void sl_pdf_uris(const unsigned char *s, size_t n, sl_pdf_uri_fn fn, void *ctx);

#endif
