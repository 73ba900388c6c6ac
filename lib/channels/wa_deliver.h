/*
 * wa_deliver - the hand-off to the contact-center platform: each outbox row
 * POSTed to whatsapp.downstream_url.
 *
 * A POST carries the downstream payload (wa_rewrite.h) as application/json
 * and three header fields:
 *   X-Sluice-Signature-256: sha256=<hex of HMAC-SHA256(body, downstream_secret)>
 *     (the platform checks it as it would check Meta's X-Hub-Signature-256);
 *   X-Sluice-Delivery-Id: 32 hex characters, the same on every attempt of
 *     one item (the platform drops one it has seen: a gateway that dies
 *     between the platform's answer and recording it sends it again);
 *   X-Sluice-Attempt: 1, 2, ... for the platform's logs.
 * A 2xx answer is delivered; anything else (another status, no answer
 * within whatsapp.downstream_timeout, a redirect -- never followed) is a
 * failure the outbox tries again. https only, plain http only to 127.0.0.0/8
 * with general.allow_insecure_loopback (tests); no proxy from the
 * environment. Several POSTs run at once (whatsapp.downstream_connections),
 * connections are kept open between batches.
 *
 * Threads: an sl_wa_deliver belongs to one thread (the sender).
 */
#ifndef SL_WA_DELIVER_H
#define SL_WA_DELIVER_H

#include <stddef.h>

#include "config.h"

struct sl_wa_deliver;

/* secret: whatsapp.downstream_secret, already read. SL_ECONFIG with *why. */
int sl_wa_deliver_new(const struct sl_config *cfg, const char *secret, struct sl_wa_deliver **out,
		      char **why);
struct sl_wa_deliver *sl_wa_deliver_free(struct sl_wa_deliver *d);

struct sl_wa_post {
	const char *delivery_id;
	const void *body;
	size_t len;
	long attempt;    /* 1 for the first */
	int ok;          /* out: the platform answered 2xx */
	long status;     /* out: its HTTP status, 0 for none */
	char error[256]; /* out: why not, for people */
};

/* POSTs p[0..n), at most whatsapp.downstream_connections at a time; returns
 * when each has its outcome. */
void sl_wa_deliver_posts(struct sl_wa_deliver *d, struct sl_wa_post *p, size_t n);

#endif
