/*
 * webhook - the WhatsApp door of sluiced: Meta's webhook on the public HTTP
 * listener (webhook.c), and the threads that take it from there (wa_workers.c).
 *
 *   GET  {whatsapp.path}?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C
 *        200 with C as the body when T is whatsapp.verify_token; else 403
 *   POST {whatsapp.path}
 *        X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with
 *        whatsapp.app_secret>, compared in constant time: else 401; a body
 *        over whatsapp.max_payload_size: 413 (before it is read); not JSON or
 *        not a whatsapp_business_account notification (whatsapp.h): 400;
 *        else the raw body goes to the inbox (inbox.h: on disk, group
 *        commits) and only then 200; a store that cannot take it: 503 (Meta
 *        sends it again).
 *
 * After the 200 everything is asynchronous: whatsapp.workers threads take
 * inbox rows, run each item through wa_process.h (media from the Graph API,
 * wa_media.h), and in one transaction per batch keep what is not clean in
 * the quarantine, queue one downstream payload per item in the outbox and
 * remove the rows; a message already queued (Meta's retries, a row taken
 * again after a crash) is skipped. One sender thread POSTs due outbox rows
 * (wa_deliver.h) and records the outcomes (outbox.h: retries, dead letters).
 * A row whose scan could not run is tried again a minute later.
 *
 * The door is on when whatsapp.downstream_url is set; it then needs
 * whatsapp.app_secret, whatsapp.downstream_secret and whatsapp.access_token
 * (each inline or *_file, lib/core/secret.h) and http.listen. Secrets are
 * read while sluiced is root (sl_whatsapp_prepare); the whatsapp.* keys and
 * the secrets take a restart to change, the engine (policy, lists, limits)
 * follows reloads.
 *
 * Counters (for /metrics, wired by the lead): sl_whatsapp_counters.
 */
#ifndef SL_WEBHOOK_H
#define SL_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "http.h"

struct sl_whatsapp;

/* As root: reads and checks the secrets and keys. *out is NULL (and the
 * return SL_OK) when the door is off. */
int sl_whatsapp_prepare(const struct sl_config *cfg, struct sl_whatsapp **out, char **why);
/* After root is given up and the store is open: inbox writer, workers, sender. */
int sl_whatsapp_start(struct sl_whatsapp *w, struct sl_daemon *d, char **why);
/* Stops the threads (work in hand finishes) and frees; NULL is fine. */
void sl_whatsapp_stop(struct sl_whatsapp *w);
/* The largest request body the public listener must take. */
size_t sl_whatsapp_max_body(const struct sl_whatsapp *w);

/* Appends the webhook's routes to out (room for max); returns how many. */
size_t sl_webhook_routes(struct sl_daemon *d, struct sl_http_route *out, size_t max);

struct sl_whatsapp_counters {
	uint64_t received;     /* POSTs with a good signature, kept in the inbox */
	uint64_t unauthorized; /* 401: missing or wrong signature */
	uint64_t malformed;    /* 400 */
	uint64_t unavailable;  /* 503: the inbox could not keep it */
	uint64_t verified;     /* GET handshakes answered */
	uint64_t refused;      /* GET handshakes refused (403) */
	uint64_t messages;     /* messages scanned */
	uint64_t duplicates;   /* items already queued (Meta's retries) */
	uint64_t dropped;   /* changes not forwarded (they carry messages sluice does not scan) */
	uint64_t delivered; /* outbox rows the platform took */
	uint64_t retried;   /* failed attempts that will be tried again */
	uint64_t dead;      /* dead letters */
};
void sl_whatsapp_counters(struct sl_whatsapp *w, struct sl_whatsapp_counters *out);

/* ---- between webhook.c and wa_workers.c ------------------------------------ */

struct sl_whatsapp_secrets {
	char *app_secret, *verify_token, *access_token, *downstream_secret;
};
struct sl_inbox *sl_whatsapp_inbox(struct sl_whatsapp *w);
const char *sl_whatsapp_path(const struct sl_whatsapp *w);
const struct sl_whatsapp_secrets *sl_whatsapp_secrets(const struct sl_whatsapp *w);
struct sl_whatsapp_counters *
sl_whatsapp_count(struct sl_whatsapp *w); /* atomics: __atomic_add_fetch */

#endif
