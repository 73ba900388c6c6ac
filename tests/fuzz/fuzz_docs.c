/*
 * fuzz_docs - libFuzzer harness for the document readers, in this process
 * (the stage runs the PDF reader in a worker; here the fuzzer sees its
 * coverage): any bytes as a PDF (lib/scan/pdf.c with qpdf), as an OOXML/ODF
 * package (lib/scan/ooxml.c with libzip and GMarkup) with small limits so that
 * the limit paths are reached, and as a script for the "only prints" test.
 * What the PDF reader reports must survive the worker's packing unchanged.
 * Seeded from tests/data/payloads/docs (run_fuzzer.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docs.h"
#include "ooxml.h"
#include "pdf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sl_ooxml_limits lim = { 64, 1 << 20, 200 };
	struct sl_doc_report r = { 0 }, back = { 0 };
	struct sl_buf b;
	size_t i;

	sl_pdf_read(data, size, 2000, &r);
	sl_buf_init(&b, 0);
	sl_doc_report_pack(&r, &b);
	if (sl_doc_report_unpack(b.data ? b.data : "", b.len, &back) != SL_OK || back.n != r.n)
		abort();
	for (i = 0; i < r.n; i++)
		if (strcmp(r.v[i].rule, back.v[i].rule) != 0 || strcmp(r.v[i].text, back.v[i].text) != 0)
			abort();
	sl_buf_free(&b);
	sl_doc_report_clear(&back);
	sl_doc_report_clear(&r);

	sl_ooxml_read(data, size, &lim, 1, &r);
	sl_doc_report_clear(&r);

	sl_pdf_js_benign((const char *)data, size);
	return 0;
}
