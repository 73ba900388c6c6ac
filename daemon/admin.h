/*
 * admin - the supervisors' socket (admin.socket): the quarantine over HTTP/1.1
 * with JSON, for `sluicectl quarantine` and `sluicectl reload`.
 *
 *   GET  /v1/items?status=&channel=&sender=&since=&limit=   list (newest first)
 *   GET  /v1/items/REF                  one item, its findings, parts and audit trail
 *   GET  /v1/items/REF/raw              the original bytes (audited)
 *   POST /v1/items/REF/release          {"reason": "...", "to": ["addr", ...]}
 *   POST /v1/items/REF/delete           {"reason": "..."}
 *   POST /v1/purge                      remove expired originals now
 *   POST /v1/reload                     reload configuration and engine
 *   GET  /v1/outbox?state=&limit=       the WhatsApp outbox (outbox.h), newest first
 *   POST /v1/outbox/ID/retry            send a dead letter again
 *
 * Who may: the caller is known by SO_PEERCRED, never by what it says; root and
 * members of admin.supervisor_group (read at each request, so a reload
 * applies) are answered, anyone else gets 403 and an audit row "denied".
 * Answers: 200 done; 400 malformed request; 403 not a supervisor; 404 no such
 * item; 409 not in a state that allows it (already released, ...); 422
 * refused (release not supported for the channel, no recipients); 502 the
 * relay refused or could not be reached ("refused": true/false); 503 the
 * store is unavailable; 500 anything else. Errors are {"error": "..."}.
 */
#ifndef SL_ADMIN_H
#define SL_ADMIN_H

#include <stddef.h>

#include "daemon.h"
#include "http.h"

/* The routes to serve on the admin socket; they point into d. */
const struct sl_http_route *sl_admin_routes(struct sl_daemon *d, size_t *n);

#endif
