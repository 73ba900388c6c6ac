/*
 * av - the antivirus stage: libclamav, one compiled engine per sl_av shared
 * by every thread (swapped whole on reload by building a new sl_av).
 *
 * One scan per message, of the whole raw message: ClamAV's own MIME engine is
 * the second opinion on our parse. Its callbacks show every layer it decodes
 * (MIME parts, archive members, files inside documents, ...); layers.c maps
 * them to our parts by their bytes, makes parts of what is inside them,
 * types the rest and turns what only ClamAV's parse saw into findings (see
 * layers.h). Leaf parts ClamAV did not decode the way we did are scanned on
 * their own.
 * A message whose front end built the parts (WhatsApp: sl_msg_is_mime() is
 * 0) has no raw form to scan: its text fields are scanned together in one
 * pass (one by one only when that pass detects something, to name the
 * field), each other part on its own, and what ClamAV unpacks from a part is
 * typed below it the same way.
 *
 * A detection in the raw message's own bytes is explained by bytes: the
 * message with every part's body blanked out is scanned again, and a match
 * there (a preamble, a header) is "unexplained_detection" (quarantine); so is
 * one that no part carries, decoded or, for encoded parts, in its raw body.
 *
 * ClamAV heuristics become findings of their own kind: encrypted archives and
 * documents (filetype/encrypted_archive), Office macros (filetype/office_macro),
 * exceeded scan limits (limit/limit; always asked for, and the message is then
 * incomplete), others (virus/heuristic).
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
