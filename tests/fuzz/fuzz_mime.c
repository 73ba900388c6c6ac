/*
 * fuzz_mime - libFuzzer harness over the parse + type + policy + rewrite
 * path: any bytes as a message. Half the inputs also have every leaf marked
 * for removal so that the splicing rewriter runs on whatever the parser made
 * of them. ClamAV is left out (its engine is not ours to fuzz, and it would
 * slow the harness a hundredfold).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "filetype.h"
#include "mime.h"
#include "msg.h"
#include "policy.h"
#include "rewrite.h"
#include "util.h"

static struct sl_config *cfg;
static struct sl_mime *mi;
static struct sl_filetype *ft;
static struct sl_policy *pol;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *ov[] = { "limits.mime_depth=12", "limits.max_parts=200" };
	char *why = NULL;
	sl_log_open("fuzz_mime", 0, SL_LOG_ERR);
	if (sl_config_load(NULL, ov, 2, &cfg, &why) != SL_OK)
		abort();
	mi = sl_mime_new(cfg, &why);
	ft = sl_filetype_new(cfg, &why);
	pol = sl_policy_new(cfg, &why);
	if (mi == NULL || ft == NULL || pol == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "fuzz", data, size);
	unsigned char *out = NULL;
	size_t outlen = 0, i, n;

	sl_mime_run(mi, m);
	sl_filetype_run(ft, m);
	if (size > 0 && (data[size - 1] & 1)) {
		n = m->nparts;
		for (i = 0; i < n; i++)
			if (!m->parts[i].is_container)
				sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", (int)i, "fuzz");
	}
	sl_policy_run(pol, m);
	if (m->verdict == SL_VERDICT_QUARANTINE && (size & 2))
		m->verdict = SL_VERDICT_REWRITE; /* exercise the splicer on broken input too */
	sl_rewrite_email(m, NULL, &out, &outlen);
	if (m->verdict == SL_VERDICT_CLEAN && (outlen != size || (size && memcmp(out, data, size) != 0)))
		abort(); /* a clean message must pass byte-identical */
	free(out);
	sl_msg_free(m);
	return 0;
}
