/*
 * fuzz_layers - libFuzzer harness for lib/scan/layers.c: the input is a message of
 * a few parts (their bytes from the input) and a stream of what libclamav's
 * callbacks could report about it: layers opening at any level with any
 * type, name, attributes and bytes (some copies of a part's bytes, so that
 * mapping is reached), layers closing, detections (limits among them),
 * scans starting again on a part, digests between. Nothing may crash, leak
 * or read out of bounds, and member parts never outnumber the limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "msg.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {
	"CL_TYPE_MAIL", "CL_TYPE_TEXT_ASCII", "CL_TYPE_HTML", "CL_TYPE_ZIP", "CL_TYPE_MSEXE",
	"CL_TYPE_PDF", "CL_TYPE_MSOLE2", "CL_TYPE_OOXML_WORD", "CL_TYPE_BINARY_DATA", "CL_TYPE_LNK",
	"CL_TYPE_POSIX_TAR", "CL_TYPE_GZ", "CL_TYPE_SIS", "CL_TYPE_RTF", "CL_TYPE_ANY", NULL,
};
static const char *const names[] = {
	NULL, "-", "invoice.js", "a.exe", "x.tar.zst", "attachment", "clamav-1.tmp", "doc.pdf",
	"word/embeddings/oleObject1.bin", "page.html",
};
static const char *const virnames[] = {
	"Test.Sig", "Heuristics.Limits.Exceeded.MaxRecursion", "Heuristics.Encrypted.Zip",
	"Test.Other",
};

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct in *in)
{
	unsigned v;
	if (in->n == 0)
		return 0;
	v = in->p[0];
	in->p++, in->n--;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char raw[] = "From: a\n\nx\n";
	struct in in = { data, size };
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "fuzz", raw, sizeof(raw) - 1);
	struct sl_layers *ls;
	unsigned nparts = take(&in) % 4 + 1, i, ops = 0;
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	size_t members = 0, k;

	m->parts[top].is_container = 1;
	for (i = 0; i < nparts; i++) {
		char id[8];
		size_t len = take(&in);
		unsigned char *d;
		int p;
		if (len > in.n)
			len = in.n;
		d = sl_xmalloc(len + 1);
		memcpy(d, in.p, len);
		in.p += len, in.n -= len;
		id[0] = (char)('1' + i), id[1] = '\0';
		p = sl_msg_add_part(m, top, id, SL_ORIGIN_MIME);
		m->parts[p].declared_type = sl_xstrdup(i % 2 ? "application/octet-stream" : "text/plain");
		sl_msg_part_take_data(m, p, d, len);
	}
	ls = sl_layers_new(m, -1, 4096, 8);
	while (in.n > 0 && ops++ < 400) {
		unsigned op = take(&in);
		switch (op % 5) {
		case 0:
		case 1: {
			unsigned level = take(&in) % 6, t = take(&in), a = take(&in), copy = take(&in);
			const char *type = types[t % (sizeof(types) / sizeof(types[0]) - 1)];
			const char *name = names[(t >> 4) % (sizeof(names) / sizeof(names[0]))];
			if (copy % 4 == 0 && copy / 4 % nparts + 1 < m->nparts) {
				const struct sl_part *p = &m->parts[copy / 4 % nparts + 1];
				sl_layers_open(ls, type, name, p->size, (const char *)p->data, level, a & 1);
			} else {
				size_t len = take(&in);
				if (len > in.n)
					len = in.n;
				sl_layers_open(ls, type, name, len, a & 2 ? NULL : (const char *)in.p, level, a & 1);
				in.p += len, in.n -= len;
			}
			break;
		}
		case 2:
			sl_layers_close(ls);
			break;
		case 3:
			sl_layers_detection(ls, virnames[take(&in) % 4]);
			break;
		default: {
			unsigned base = take(&in) % (nparts + 1); /* 0: the raw message again */
			if (op & 0x80)
				sl_layers_final_detection(ls, virnames[take(&in) % 4]);
			sl_layers_digest(ls);
			sl_layers_reset(ls, base == 0 ? -1 : (int)base);
			break;
		}
		}
	}
	sl_layers_digest(ls);
	for (k = 0; k < m->nparts; k++)
		members += m->parts[k].origin == SL_ORIGIN_ARCHIVE;
	if (members > 8)
		abort();
	sl_layers_free(ls);
	sl_msg_free(m);
	return 0;
}
