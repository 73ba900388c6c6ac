/*
 * fuzz_extract - libFuzzer harness for lib/parse/extract.c: the input is fed to the
 * uuencode scanner as text and to the TNEF parser as a stream. Inputs without
 * the TNEF signature are also parsed with one put in front, so that the
 * fuzzer reaches the attribute and MAPI property code without a seed corpus.
 * Small limits make the SL_ETOOBIG paths reachable too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_tnef(const unsigned char *p, size_t n, size_t max_files, size_t max_bytes)
{
	struct sl_extract_list l = { 0 };
	char *why = NULL;

	sl_tnef_extract(p, n, max_files, max_bytes, &l, &why);
	free(why);
	sl_extract_list_clear(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char head[6] = { 0x78, 0x9F, 0x3E, 0x22, 0x01, 0x00 };
	struct sl_extract_list l = { 0 };
	char *why = NULL;
	unsigned char *p;

	sl_uu_extract((const char *)data, size, 16, 1 << 20, &l, &why);
	free(why);
	why = NULL;
	sl_extract_list_clear(&l);
	sl_uu_extract((const char *)data, size, 2, 64, &l, &why);
	free(why);
	sl_extract_list_clear(&l);

	run_tnef(data, size, 16, 1 << 20);
	if (!sl_tnef_is(data, size)) {
		p = sl_xmalloc(size + sizeof(head));
		memcpy(p, head, sizeof(head));
		if (size > 0)
			memcpy(p + sizeof(head), data, size);
		run_tnef(p, size + sizeof(head), 16, 1 << 20);
		run_tnef(p, size + sizeof(head), 2, 64);
		free(p);
	}
	return 0;
}
