/*
 * release - letting a quarantined message out, once, on a supervisor's word.
 *
 * The signed release header. A released e-mail is re-sent byte for byte as it
 * arrived, with one header on top:
 *
 *   X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=alice; at=1765065600;
 *    mac=<base64url of HMAC-SHA256>
 *
 * (one line; folded here). The MAC covers "sluice-release/1", the reference,
 * who released it, when, and the original message: every byte after the
 * header, with line ends read as LF whatever they were (CRLF on the wire, LF in
 * a queue file) and empty lines at the end ignored, so that the trip through
 * an MTA does not break it but any other change does. Trace headers an MTA
 * puts above it (Received) are not covered. The milter (issue 7) calls
 * sl_release_verify() on what it received and lets a message whose MAC holds
 * pass once; an altered, forged or truncated one fails and is scanned like
 * any other.
 *
 * The key: release.key_file (owner-only, >= 32 bytes, as safelink.h), or when
 * unset data_dir/release.key, 32 random bytes written once (mode 0600) by the
 * first sluiced that needs it. Several gateways that release each other's
 * mail must share one key file.
 *
 * The release itself (sl_release_run): claim the item (store.h: atomic, so
 * two gateways cannot both send it), hand it to the channel's sender (e-mail:
 * SMTP through release.relay; WhatsApp: the outbox, release_wa.c), then
 * record it released -- for e-mail only when the relay accepted every
 * recipient. A refusal or timeout gives
 * the claim back: the item stays held and the caller gets the relay's answer.
 * A gateway that dies between the relay's acceptance and the record leaves
 * the claim to run out (release.timeout x 2 + 60 s); the next release of that
 * item is allowed and says that an earlier attempt was interrupted and the
 * message may already have gone out: never silently twice, never stuck.
 */
#ifndef SL_RELEASE_H
#define SL_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define SL_RELEASE_HEADER "X-Sluice-Release"
#define SL_RELEASE_KEY_MIN 32

/* Reads release.key_file, or data_dir/release.key (created when create is
 * set and it does not exist yet). *key is the caller's (free it after
 * explicit_bzero). SL_ECONFIG with *why on a bad file or mode. */
int sl_release_key_load(const struct sl_config *cfg, int create, unsigned char **key, size_t *keylen,
			char **why);

/* The header line to put on top of raw (ends with raw's own line end: CRLF
 * when raw uses CRLF). by is reduced to [A-Za-z0-9._@+-] (others become '_'),
 * at most 64 bytes. Caller frees. */
char *sl_release_header(const unsigned char *key, size_t keylen, const char *ref, const char *by, int64_t at,
			const unsigned char *raw, size_t len);

struct sl_release_info {
	char ref[SL_REF_LEN + 1];
	char by[65];
	int64_t at;
};

/* Checks a message as received: SL_OK when its first X-Sluice-Release header
 * carries a MAC that holds for it (info, may be NULL, says what it claims);
 * SL_ENOTFOUND when it has none; SL_EINVAL when it is malformed, forged or
 * the message was changed. Constant-time in the MAC comparison. */
int sl_release_verify(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t len,
		      struct sl_release_info *info);

/* ---- sending ------------------------------------------------------------ */

struct sl_relay_result {
	int accepted;      /* every recipient and the data were accepted */
	int refused;       /* the relay answered with a refusal (else: unreachable, timeout) */
	char answer[512];  /* the relay's last answer or curl's reason, for people */
};

/* Sends data over SMTP to relay (smtp://host:port or smtps://...), envelope
 * from (may be "": null sender) to rcpts (NULL-terminated), within timeout
 * seconds. Returns SL_OK when accepted, SL_ETEMP otherwise (result says why). */
int sl_relay_send(const char *relay, const char *helo, const char *from, char *const *rcpts,
		  const unsigned char *data, size_t len, int timeout, struct sl_relay_result *result);

/* ---- the whole release --------------------------------------------------- */

struct sl_release_req {
	const char *ref;           /* as typed: parsed here */
	const char *actor;         /* "alice (uid 1001)": for the audit trail */
	const char *by;            /* "alice": for the header */
	const char *reason;        /* required */
	char *const *to;           /* NULL-terminated, or NULL: the original recipients */
};

enum sl_relay_outcome {
	SL_RELAY_NONE,        /* the relay was not asked (or took it) */
	SL_RELAY_UNREACHABLE, /* no answer, timeout, hung up */
	SL_RELAY_REFUSED,     /* it answered with a refusal */
};

/* Releases one item (see above). SL_OK released; SL_EINVAL bad request
 * (malformed reference, no reason, bad address, channel not supported);
 * SL_ENOTFOUND; SL_ECONFLICT already released/deleted/expired or being
 * released (with when and by whom); SL_ETEMP with *relay set: the relay
 * refused it or could not be reached (still held; *message has its answer);
 * other codes: the store failed. *message (caller frees) is always set, for
 * people. Every outcome is audited. */
int sl_release_run(struct sl_store *st, const struct sl_config *cfg, const unsigned char *key, size_t keylen,
		   const struct sl_release_req *rq, char **message, enum sl_relay_outcome *relay);

/* The WhatsApp release (release_wa.c): the kept original, with released_by,
 * into the outbox under the key "release:REF" (wa_rewrite.h), in one
 * transaction; an interrupted earlier release that already queued it is
 * found by that key, so the platform gets it once. Same returns as
 * sl_release_run; --to is refused (the platform is whatsapp.downstream_url). */
int sl_release_whatsapp(struct sl_store *st, const struct sl_config *cfg, const char *ref,
			const struct sl_release_req *rq, char **message);
/* Refuses with rc: *message = text (taken), an audit row "refused: text". */
int sl_release_refuse(struct sl_store *st, const char *ref, const struct sl_release_req *rq, int rc, char *text,
		      char **message);

/* 1 when addr is one plain address we can put in RCPT TO (no spaces,
 * brackets, controls; one '@' with text on both sides; at most 254 bytes). */
int sl_release_address_ok(const char *addr);

#endif
