/*
 * hdrlinks - links in the header fields a mail client displays, and the
 * rewrite of such a field when a link in it must be disarmed.
 *
 * Which fields: of the message's top-level header block, Subject, From,
 * Sender, Reply-To, To and Cc, as a reader sees them: unfolded and RFC 2047
 * decoded, display names with their addresses (a link can hide in a display
 * name, or in what is no address at all: "Reply-To: https://x" is a group
 * named "https" to a parser and text to a reader). List-Unsubscribe and the
 * like are not shown to the reader and are left alone; so are the headers of
 * attached messages.
 *
 * sl_hdrlinks_find() calls back once a field with its decoded text (UTF-8,
 * control characters turned to blanks) and the raw range of the field in
 * msg->raw: [begin, end) from the first byte of the field name to the end of
 * its last line, line end excluded. The URL stage records each link found in
 * it with SL_URLCTX_HEADER and that range.
 *
 * A header link cannot be edited in place (encoded words, folding), so the
 * field is written anew: sl_hdrlinks_copy() copies raw[from, to) and puts, in
 * place of each field that holds a link whose finding has an action (remove,
 * defang, wrap, or quarantine for the placeholder), the field rebuilt with
 * those links defanged (sl_url_defang, and the colon of any other scheme
 * bracketed: "search-ms[:]..."): an address field whose links were all in
 * display names keeps its addresses and structure, anything else becomes its
 * decoded text; control characters turned to blanks (no header can be
 * injected), RFC 2047-encoded where not ASCII, folded, with the message's
 * line ends. Bytes of such a field that lie in
 * [from, to) are dropped; its new form is written where the field begins, so
 * callers may copy a header block whole or a line at a time. The e-mail
 * rewriter copies the top header block through it.
 *
 * Needs GMime initialised (the MIME stage does it). No limits of its own: a
 * header field is at most limits.header_size bytes (the MIME stage).
 */
#ifndef SL_HDRLINKS_H
#define SL_HDRLINKS_H

#include <stddef.h>

#include "msg.h"
#include "util.h"

typedef int (*sl_hdrlinks_cb)(void *ctx, const char *text, size_t len, size_t begin, size_t end);

void sl_hdrlinks_find(const struct sl_msg *m, sl_hdrlinks_cb cb, void *ctx);

/* 1 when the field at raw offset begin will be rewritten by sl_hdrlinks_copy(). */
int sl_hdrlinks_rewrites(const struct sl_msg *m, size_t begin);

void sl_hdrlinks_copy(const struct sl_msg *m, size_t from, size_t to, struct sl_buf *out);

#endif
