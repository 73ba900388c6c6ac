/*
 * wa_media - fetching the media of a WhatsApp message (sl_wa_fetch_fn,
 * whatsapp.h): from Meta's Graph API in the daemon, from a directory offline.
 *
 * The Graph API, as Meta documents it:
 *   1. GET {whatsapp.graph_base}/{whatsapp.graph_version}/{MEDIA_ID} with
 *      "Authorization: Bearer {whatsapp.access_token}" answers
 *      {"messaging_product": "whatsapp", "url": "...", "mime_type": "...",
 *       "sha256": "...", "file_size": "...", "id": "..."}; 404 when the media
 *      has expired (webhook media ids last 7 days) or does not exist.
 *   2. GET url with the same bearer token answers the bytes (the url lasts
 *      5 minutes).
 * What sluice holds to:
 *  - the media id is digits, letters, '_', '-' and '.' only (no path games);
 *  - the url's host must be one of whatsapp.media_hosts ("host", or
 *    "*.domain" for its subdomains), https only -- plain http only to
 *    127.0.0.0/8 with general.allow_insecure_loopback (tests) -- no user
 *    name or password in it;
 *  - the host is resolved once and every address must be a public unicast
 *    one (no loopback, private, link-local, CGNAT, multicast, reserved,
 *    IPv4-mapped or NAT64 forms of those) -- or, for the loopback case,
 *    127.0.0.0/8 -- and the connection is pinned to it (CURLOPT_RESOLVE):
 *    a DNS answer cannot send the bearer token or the request elsewhere;
 *  - no redirects are followed (a 3xx is a failure), no proxy from the
 *    environment is used;
 *  - whatsapp.max_<type>_size caps the download (the declared file_size is
 *    checked first: nothing past the cap is fetched);
 *  - the bytes must match the sha256 of the Graph API's answer (hex or
 *    base64, as Meta writes either), and the webhook's when it has one;
 *  - each request within whatsapp.media_timeout; transient failures (no
 *    answer, 5xx, 429) are tried whatsapp.media_attempts times with 1 s, 2 s,
 *    4 s... between them; a 4xx, a refused host or a wrong hash are final.
 * A failure is a sentence for people (*why); the message is then delivered
 * with the media withheld and marked unscanned (whatsapp.h).
 *
 * Offline (sluicectl scan --media-dir DIR): the bytes of MEDIA_ID are the
 * file DIR/MEDIA_ID, checked against the webhook's sha256 when it has one.
 *
 * Threads: an sl_wa_graph is read-only after sl_wa_graph_new; fetches from
 * several threads at once are fine (one curl handle each).
 */
#ifndef SL_WA_MEDIA_H
#define SL_WA_MEDIA_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "whatsapp.h"

struct sl_wa_graph;

/* access_token: the secret already read (the daemon reads it as root). */
int sl_wa_graph_new(const struct sl_config *cfg, const char *access_token, struct sl_wa_graph **out,
		    char **why);
struct sl_wa_graph *sl_wa_graph_free(struct sl_wa_graph *g);

/* sl_wa_fetch_fn over the Graph API; ctx is an sl_wa_graph. */
int sl_wa_graph_fetch(void *ctx, const char *media_type, const char *media_id, const json_t *media,
		      size_t cap, struct sl_wa_fetched *out, char **why);

/* sl_wa_fetch_fn over a directory; ctx is the directory's path (char *). */
int sl_wa_dir_fetch(void *ctx, const char *media_type, const char *media_id, const json_t *media,
		    size_t cap, struct sl_wa_fetched *out, char **why);

/* ---- the rules, for tests ------------------------------------------------- */

/* 1 when id is a media id sluice asks for (1-128 of [0-9A-Za-z_.-], not "." or ".."). */
int sl_wa_media_id_ok(const char *id);
/* Checks a media url against the rules above; *host (caller frees) and *port
 * are what to connect to, *loopback whether it is the test case. */
int sl_wa_media_url_check(const struct sl_wa_graph *g, const char *url, char **host, unsigned *port,
			  int *loopback, char **why);
/* 1 when a is a public unicast address (IPv4 or IPv6). */
int sl_wa_addr_public(const struct sockaddr *a);
/* 1 when hex (64 hex digits) is the SHA-256 that expect names, written in hex
 * or base64. */
int sl_wa_sha256_matches(const char *expect, const char *hex);

#endif
