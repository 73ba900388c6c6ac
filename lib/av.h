/*
 * av - the antivirus stage: libclamav, one compiled engine per sl_av shared
 * by every thread (swapped whole on reload by building a new sl_av).
 *
 * One scan per message, of the whole raw message: ClamAV's own MIME engine is
 * the second opinion on our parse. Its file-inspection callback shows every
 * layer it decodes (MIME parts, archive members, TNEF contents, ...); a layer
 * with the same bytes as one of our parts *is* that part, so the part is not
 * scanned again. Layers below a matched container become archive-member parts
 * (PARENT/1, ...). Leaf parts ClamAV did not decode the way we did are
 * scanned on their own. A detection is attributed to the deepest layer that
 * reported it; one that maps to no part and that no part explains is an
 * "unexplained_detection" structure finding (the message goes to quarantine).
 *
 * ClamAV heuristics become findings of their own kind: encrypted archives and
 * documents (filetype/encrypted_archive), Office macros (filetype/office_macro),
 * exceeded scan limits (limit/limit), others (virus/heuristic).
 *
 * The engine's clean-file cache is off: a cached container would hide its
 * members from the callback, and the policy needs them every time.
 *
 * Errors: SL_ECONFIG at creation (no signatures, bad database) with *why;
 * SL_ETEMP from run when ClamAV fails on a message (the caller tempfails).
 */
#ifndef SL_AV_H
#define SL_AV_H

#include <stdint.h>

#include "config.h"
#include "msg.h"

struct sl_av;

struct sl_av *sl_av_new(const struct sl_config *cfg, char **why);
struct sl_av *sl_av_free(struct sl_av *av);
int sl_av_run(struct sl_av *av, struct sl_msg *m);

/* Scans bytes on their own (for tools and benchmarks); *virname is static. */
int sl_av_scan_buffer(struct sl_av *av, const void *p, size_t n, const char **virname);
unsigned sl_av_signatures(const struct sl_av *av);
/* Nanoseconds spent inside libclamav by sl_av_run so far (all threads). */
uint64_t sl_av_scan_ns(const struct sl_av *av);

#endif
