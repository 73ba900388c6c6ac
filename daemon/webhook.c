/* webhook - see webhook.h. This file: the routes (the handshake and the
 * notifications). The threads behind them: wa_workers.c. */
#include <glib.h>

#include "webhook.h"

#include <stdlib.h>
#include <string.h>

#include "inbox.h"
#include "util.h"
#include "whatsapp.h"

#define CHALLENGE_MAX 256 /* Meta's hub.challenge is a number; nothing longer is answered */

static void count(struct sl_whatsapp *w, uint64_t *field)
{
	(void)w;
	__atomic_add_fetch(field, 1, __ATOMIC_RELAXED);
}

/* GET: Meta's verification request when the webhook is registered. */
static void h_verify(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_whatsapp *w = ctx;
	const struct sl_whatsapp_secrets *s = sl_whatsapp_secrets(w);
	const char *mode = sl_http_arg(rq, "hub.mode"),
		   *token = sl_http_arg(rq, "hub.verify_token");
	const char *challenge = sl_http_arg(rq, "hub.challenge");
	size_t n = token ? strlen(token) : 0;

	if (mode == NULL || strcmp(mode, "subscribe") != 0 || s->verify_token == NULL ||
	    token == NULL || n != strlen(s->verify_token) ||
	    !sl_memeq_consttime(token, s->verify_token, n) || challenge == NULL ||
	    *challenge == '\0' || strlen(challenge) > CHALLENGE_MAX) {
		count(w, &sl_whatsapp_count(w)->refused);
		sl_log(SL_LOG_WARNING, "whatsapp: verification request refused (mode %s, %s token)",
		       mode && strcmp(mode, "subscribe") == 0 ? "subscribe" : "not subscribe",
		       token == NULL ? "no" : "a wrong or unset");
		sl_http_reply_error(rs, 403, "verification refused");
		return;
	}
	count(w, &sl_whatsapp_count(w)->verified);
	sl_log(SL_LOG_NOTICE, "whatsapp: webhook verified by Meta's handshake");
	sl_http_reply(rs, 200, "text/plain", sl_xstrdup(challenge), strlen(challenge));
}

/* POST: a notification. Verified, checked, on disk, then 200. */
static void h_receive(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_whatsapp *w = ctx;
	const struct sl_whatsapp_secrets *s = sl_whatsapp_secrets(w);
	size_t len;
	const unsigned char *body = sl_http_body(rq, &len);
	struct sl_wa_payload *pl = NULL;
	char *why = NULL;

	if (!sl_wa_signature_ok(s->app_secret, body, len,
				sl_http_header(rq, "X-Hub-Signature-256"))) {
		count(w, &sl_whatsapp_count(w)->unauthorized);
		sl_log(SL_LOG_WARNING,
		       "whatsapp: a POST from %s without a valid X-Hub-Signature-256 refused",
		       sl_http_peer(rq)->addr);
		sl_http_reply_error(rs, 401,
				    "X-Hub-Signature-256 is missing or does not match the body");
		return;
	}
	if (sl_wa_payload_parse((const char *)body, len, &pl, &why) != SL_OK) {
		count(w, &sl_whatsapp_count(w)->malformed);
		sl_log(SL_LOG_WARNING,
		       "whatsapp: a signed POST that is not a notification refused: %s", why);
		sl_http_reply_error(rs, 400, "%s", why);
		free(why);
		return;
	}
	sl_wa_payload_free(pl);
	if (sl_inbox_put(sl_whatsapp_inbox(w), body, len, &why) != SL_OK) {
		count(w, &sl_whatsapp_count(w)->unavailable);
		sl_http_reply_error(rs, 503,
				    "the notification could not be kept; send it again: %s", why);
		free(why);
		return;
	}
	count(w, &sl_whatsapp_count(w)->received);
	sl_http_reply(rs, 200, "application/json", sl_xstrdup("{}\n"), 3);
}

size_t sl_webhook_routes(struct sl_daemon *d, struct sl_http_route *out, size_t max)
{
	struct sl_whatsapp *w = sl_daemon_whatsapp(d);
	if (w == NULL || max < 2)
		return 0;
	out[0] = (struct sl_http_route){"GET", sl_whatsapp_path(w), h_verify, w, 0};
	out[1] = (struct sl_http_route){"POST", sl_whatsapp_path(w), h_receive, w, sl_whatsapp_max_body(w)};
	return 2;
}
