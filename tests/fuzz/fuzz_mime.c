/*
 * fuzz_mime - libFuzzer harness over the parse + type + policy + rewrite
 * path: any bytes as a message. Half the inputs also have every leaf marked
 * for removal so that the splicing rewriter runs on whatever the parser made
 * of them. ClamAV is left out (its engine is not ours to fuzz, and it would
 * slow the harness a hundredfold).
 *
 * What must hold (issue 10: sluice's own output rescans clean):
 *  - clean: the output is the input less the X-Sluice-* fields of its top
 *    header block (an independent implementation here), byte for byte;
 *  - quarantine: the placeholder parses as one text/plain part, with no
 *    structure or limit finding, and the policy finds it clean;
 *  - rewrite (as the policy decided it; a rewrite the check refuses is a
 *    quarantine, as in sl_engine_scan): the output parses without structure
 *    or limit findings, the policy finds it clean, and it holds exactly the
 *    parts announced: each kept MIME leaf under its id with the same decoded
 *    bytes (or, for a text part that lost a uuencoded file, sluice's note in
 *    it), each removed part a text/plain notice under its id, nothing else;
 *  - rewrite and quarantine outputs start with our X-Sluice-Verdict and carry
 *    no other X-Sluice-* field on top (but the notice's own X-Sluice-Removed
 *    when the whole body was removed).
 * Inputs whose quarantine is turned into a rewrite to exercise the splicer on
 * broken structure are only required not to crash.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "filetype.h"
#include "hdrblock.h"
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

/* Is the line [p, p+n) an X-Sluice-* field: the prefix, field-name
 * characters, blanks, a colon? */
static int own_line(const uint8_t *p, size_t n)
{
	static const char pre[] = "x-sluice-";
	size_t i;
	if (n < sizeof(pre) - 1)
		return 0;
	for (i = 0; i < sizeof(pre) - 1; i++)
		if (tolower(p[i]) != pre[i])
			return 0;
	while (i < n && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

/* Is the line [p, p+n) (its '\n' included) the empty line that ends a header block? */
static int empty_line(const uint8_t *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\n')
		n--;
	return n == 0 || (n == 1 && p[0] == '\r');
}

/* data less the X-Sluice-* fields (and their folded lines) before the first
 * empty line. */
static struct sl_buf strip_own(const uint8_t *data, size_t size)
{
	struct sl_buf b;
	size_t i = 0;
	int dropping = 0, in_headers = 1;
	sl_buf_init(&b, 0);
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t j = nl ? (size_t)(nl - data) + 1 : size, len = j - i;
		if (in_headers && empty_line(data + i, len))
			in_headers = 0;
		if (in_headers && data[i] != ' ' && data[i] != '\t')
			dropping = own_line(data + i, len);
		if (!in_headers || !dropping)
			sl_buf_add(&b, data + i, len);
		i = j;
	}
	return b;
}

/* The top header block of a rewrite or a placeholder starts with our
 * X-Sluice-Verdict, and holds no other X-Sluice-* field but, when the whole
 * body was removed, the notice's X-Sluice-Removed: 1 when so. */
static int own_fields_ok(const unsigned char *out, size_t n)
{
	size_t i = sl_hdr_mbox_line(out, n); /* an mbox "From " line stays first */
	int verdicts = 0, others = 0;
	if (n - i < 18 || memcmp(out + i, "X-Sluice-Verdict: ", 18) != 0)
		return 0;
	while (i < n) {
		const unsigned char *nl = memchr(out + i, '\n', n - i);
		size_t j = nl ? (size_t)(nl - out) + 1 : n;
		if (empty_line(out + i, j - i))
			break;
		if (own_line(out + i, j - i)) {
			if (j - i >= 17 && memcmp(out + i, "X-Sluice-Verdict:", 17) == 0)
				verdicts++;
			else if ((j - i >= 21 && memcmp(out + i, "X-Sluice-Removed: SL-", 21) == 0) ||
				 (j - i >= 27 && memcmp(out + i, "X-Sluice-Removed: " SL_REWRITE_NOT_KEPT "/", 27) == 0))
				others++; /* the reference, or "not-kept" in a dry run (no reference here) */
			else
				return 0;
		}
		i = j;
	}
	return verdicts == 1 && others <= 1;
}

static struct sl_msg *rescan(const unsigned char *out, size_t n)
{
	struct sl_msg *r = sl_msg_new(SL_CHANNEL_EMAIL, "fuzz-out", out, n);
	size_t i;
	sl_mime_run(mi, r);
	sl_filetype_run(ft, r);
	sl_policy_run(pol, r);
	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].kind == SL_FIND_STRUCTURE || r->findings[i].kind == SL_FIND_LIMIT)
			abort(); /* sluice's own output is a sound message */
	if (r->verdict != SL_VERDICT_CLEAN)
		abort(); /* and nothing in it is bad */
	return r;
}

static int starts(const struct sl_part *p, const char *s)
{
	return p->data != NULL && p->size >= strlen(s) && memcmp(p->data, s, strlen(s)) == 0;
}

static void check_placeholder(const unsigned char *out, size_t n)
{
	struct sl_msg *r = rescan(out, n);
	if (r->nparts != 1 || r->parts[0].declared_type == NULL ||
	    strcmp(r->parts[0].declared_type, "text/plain") != 0 || !starts(&r->parts[0], "sluice held"))
		abort();
	sl_msg_free(r);
}

/* The MIME part of m removed by the rewrite that contains i, or -1. */
static int removed_around(const struct sl_msg *m, const unsigned char *removed, int i)
{
	for (; i >= 0; i = m->parts[i].parent)
		if (removed[i])
			return i;
	return -1;
}

static void check_rewrite(const struct sl_msg *m, const unsigned char *out, size_t n)
{
	struct sl_msg *r = rescan(out, n);
	unsigned char *removed = calloc(m->nparts + 1, 1), *edited = calloc(m->nparts + 1, 1);
	size_t i;

	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		if (f->action != SL_ACT_REMOVE || f->part < 0)
			continue;
		if (m->parts[f->part].origin == SL_ORIGIN_UUENCODE)
			edited[m->parts[f->part].parent] = 1;
		else
			removed[sl_msg_mime_ancestor(m, f->part)] = 1;
	}
	/* A removed top-level multipart: the whole message went, headers and a
	 * notice (a name on the multipart some readers give to a part). */
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].origin == SL_ORIGIN_MIME && m->parts[i].hdr_start == 0 &&
		    m->parts[i].is_container && removed[i]) {
			if (r->nparts != 1 || !starts(&r->parts[0], "sluice removed"))
				abort();
			goto done;
		}
	/* Every MIME leaf of the output was announced. */
	for (i = 0; i < r->nparts; i++) {
		const struct sl_part *q = &r->parts[i];
		int k;
		if (q->is_container || q->origin != SL_ORIGIN_MIME)
			continue;
		k = sl_msg_find_part(m, q->id);
		if (k < 0)
			abort(); /* a part the input did not have */
		if (removed[k]) {
			if (q->declared_type == NULL || strcmp(q->declared_type, "text/plain") != 0 ||
			    !starts(q, "sluice removed"))
				abort();
		} else if (removed_around(m, removed, k) >= 0 || m->parts[k].is_container) {
			abort(); /* a part of something removed, or a container become a leaf */
		} else if (edited[k]) {
			if (q->data == NULL || memmem(q->data, q->size, "[sluice removed the uuencoded file", 34) == NULL)
				abort();
		} else if (q->size != m->parts[k].size || (q->size > 0 && memcmp(q->data, m->parts[k].data, q->size) != 0)) {
			abort(); /* a kept part changed */
		}
	}
	/* Every kept MIME leaf and every removed part is in the output. */
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		int there;
		if (p->origin != SL_ORIGIN_MIME || (p->is_container && !removed[i]))
			continue;
		if (!removed[i] && removed_around(m, removed, (int)i) >= 0)
			continue;
		if (p->parent >= 0 && removed_around(m, removed, p->parent) >= 0)
			continue; /* removed, and inside a part removed whole: gone with it */
		there = sl_msg_find_part(r, p->id);
		if (there < 0 || r->parts[there].is_container)
			abort();
	}
done:
	free(removed);
	free(edited);
	sl_msg_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "fuzz", data, size);
	m->reference = sl_xstrdup("SL-FUZZ-0000-0000-0000"); /* as a door sets it (store.h) */
	unsigned char *out = NULL;
	size_t outlen = 0, i, n;
	int forced = 0, rc;
	char *why = NULL;

	sl_mime_run(mi, m);
	sl_filetype_run(ft, m);
	if (size > 0 && (data[size - 1] & 1)) {
		n = m->nparts;
		for (i = 0; i < n; i++)
			if (!m->parts[i].is_container)
				sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", (int)i, "fuzz");
	}
	sl_policy_run(pol, m);
	if (m->verdict == SL_VERDICT_QUARANTINE && (size & 2)) {
		m->verdict = SL_VERDICT_REWRITE; /* exercise the splicer on broken input too */
		forced = 1;
	} else if (m->verdict == SL_VERDICT_REWRITE && sl_rewrite_email_check(m, NULL, &why) != SL_OK) {
		m->verdict = SL_VERDICT_QUARANTINE; /* as sl_engine_scan does */
	}
	free(why);
	rc = sl_rewrite_email(m, NULL, &out, &outlen);
	if (m->verdict == SL_VERDICT_CLEAN) {
		struct sl_buf want = strip_own(data, size);
		if (rc != SL_OK || outlen != want.len || (want.len && memcmp(out, want.data, want.len) != 0))
			abort(); /* a clean message passes byte for byte, but for X-Sluice-* fields */
		sl_buf_free(&want);
	} else if (!forced && m->verdict == SL_VERDICT_QUARANTINE) {
		if (rc != SL_OK || !own_fields_ok(out, outlen))
			abort();
		check_placeholder(out, outlen);
	} else if (!forced && m->verdict == SL_VERDICT_REWRITE) {
		if (rc != SL_OK || !own_fields_ok(out, outlen))
			abort();
		check_rewrite(m, out, outlen);
	}
	free(out);
	sl_msg_free(m);
	return 0;
}
