/*
 * milter - sluiced's e-mail door: the libmilter front end, and the only file
 * with smfi_* calls.
 *
 * Postfix (smtpd_milters) or Sendmail (INPUT_MAIL_FILTER) hands every
 * message over milter.socket. Per connection a context (smfi_setpriv) holds
 * the client's address and a spool; per message the engine of the moment
 * (referenced at MAIL FROM, so that a reload never changes a message half
 * way), the envelope, and the bytes rebuilt as they arrived: each header
 * field as it stood (hdredit.h) and the body chunks, in memory up to
 * milter.spool_memory and in an unnamed file under DATA_DIR/spool beyond
 * (spool.h), capped by general.max_message_size ("552 5.3.4" as soon as the
 * size is known to be too large). At the end of the message the pipeline
 * runs on it and the verdict is applied:
 *
 *   clean       X-Sluice-Verdict: clean at the top, body untouched
 *   rewrite     the body replaced and the header block edited into the
 *               rewritten message's (hdredit.h); the original kept in the
 *               quarantine with its reference
 *   quarantine  milter.on_quarantine: placeholder (the rewriter's placeholder
 *               in its place: its header fields and body, the trace fields
 *               and Authentication-Results kept; the original in the
 *               quarantine) or hold (the mail server's hold queue, untouched)
 *   reject      milter.on_reject: reject ("550 5.7.1" with a reason the
 *               sender understands, nothing kept) or quarantine
 *   error       "451 4.7.1" (engine failure, quarantine not writable, spool
 *               full), or with milter.fail_open accepted with
 *               "X-Sluice-Verdict: unchecked"
 *
 * Every incoming X-Sluice-* field is deleted. A message carrying a release
 * header that verifies (release.h) passes untouched but for the verdict, once
 * per release header (store.h: sl_store_release_pass); a forged, altered or
 * replayed one is logged and scanned like any other. One log line per
 * message (mail facility): the queue id (macro i), client, sender,
 * recipients, authenticated user, verdict, action, reference, findings, ms.
 *
 * Threads: libmilter runs the callbacks on its own threads (a pool in
 * Debian's build); one engine and one store serve them all. smfi_main runs in
 * a thread of its own started by sl_milter_start. libmilter's own signal
 * thread also waits for HUP, TERM and INT: sluiced's main thread takes them
 * first as long as it is waiting in sigtimedwait (the kernel offers a signal
 * to the main thread first), which is why sluiced does its reloads and
 * purges in another thread. Should libmilter take one anyway, its listener
 * stops; this module notices and sends TERM to the main thread, and sluiced
 * exits with status 1 once the messages in flight are done (systemd starts it
 * again).
 */
#ifndef SL_MILTER_H
#define SL_MILTER_H

#include <stdint.h>

#include "config.h"

struct sl_daemon;

/* Registers the filter and opens milter.socket: call it while still root
 * (a unix socket gets general.user, milter.socket_group and
 * milter.socket_mode). *enabled is 0 when milter.socket is "none". */
int sl_milter_open(const struct sl_config *cfg, int *enabled, char **why);
/* Serves the socket in a thread of its own over d's engine and store. */
int sl_milter_start(struct sl_daemon *d, char **why);
/* A new message gets "451 4.3.2"; waits up to timeout seconds for the
 * messages in flight; then the listener stops. Returns how many were still
 * in flight (their callbacks may still run: do not free the engine or the
 * store then). */
unsigned sl_milter_stop(int timeout);
/* 1 while the listener serves. */
int sl_milter_running(void);
/* 1 when the listener stopped without sl_milter_stop (see above). */
int sl_milter_failed(void);

/* What the door counted since start (the engine counts verdicts itself). */
struct sl_milter_counters {
	uint64_t messages;     /* ends of message handled */
	uint64_t tempfails;    /* 451/4xx answered */
	uint64_t rejects;      /* 5xx answered (verdicts and size) */
	uint64_t released;     /* release headers that passed */
	uint64_t replays;      /* release headers refused (forged, altered, replayed) */
	uint64_t in_flight;    /* messages between MAIL FROM and their end */
};
void sl_milter_counters(struct sl_milter_counters *c);

#endif
