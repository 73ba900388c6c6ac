/*
 * urls - the URL stage: every URL a person could click in a message, with
 * where it was written, so that the reputation stage can judge it and a
 * rewriter can replace it in place.
 *
 * Which parts: the message's text/plain and text/html body parts (declared
 * type), HTML files sent as attachments or found inside parts (detected type,
 * since the declared type is the sender's word; files named .htm/.html count
 * as HTML). Plain-text attachments (CSV exports, logs) are data, not read
 * for links. Links inside PDFs and Office files come from the docs stage
 * (docs.h), which runs before this one.
 *
 * Text: each text or HTML part gets part->text/text_len, its content as UTF-8.
 * When the bytes already are valid UTF-8 (NUL bytes allowed) and the declared
 * charset is absent or ASCII-compatible, text points at part->data and
 * text_owned stays NULL, so offsets are offsets in the decoded bytes. Else the
 * bytes are converted from the charset (a UTF-16 byte-order mark wins; HTML
 * without a declared charset may name one in <meta>; none at all, us-ascii
 * and iso-8859-1 mean windows-1252; a name iconv does not know means latin1)
 * into text_owned;
 * bytes that are invalid in their charset become U+FFFD. Conversion never fails.
 *
 * What is found (offset/length are a byte range in part->text):
 *   text/plain  URLs with scheme (http, https, ftp), www. names without one,
 *               and bare names with an alphabetic TLD followed by a path
 *               ("example.co.uk/login"; never "e.g.", "file.txt" or "1.2.3").
 *               Trailing . , ; : ! ? ' " * are trimmed as mail clients do, as
 *               is a closing ) ] } that has no opening partner in the URL.
 *               SL_URLCTX_TEXT; the range is the URL itself.
 *   text/html   (gumbo) a/area href (SL_URLCTX_HREF, shown_as = visible text,
 *               whitespace collapsed, at most SL_URLS_SHOWN_MAX bytes),
 *               form action and button/input formaction (SL_URLCTX_FORM),
 *               img/iframe/frame src (SL_URLCTX_SRC), meta refresh
 *               (SL_URLCTX_META_REFRESH). The range is the attribute value as
 *               written, with its quotes; the URL is the entity-decoded value,
 *               trimmed. Empty and "#fragment" values are skipped; mailto: and
 *               javascript: are kept. URLs typed as text outside <a> (not in
 *               script, style, title, textarea) are found as in plain text,
 *               entities decoded, with the range of their source bytes.
 *               Outlook conditional comments (<!--[if mso]>...<![endif]-->) are
 *               parsed as HTML too, since Outlook renders them.
 *
 * Limits and findings:
 *   urls.max_url_length  a longer URL is recorded whole all the same: the
 *                        reputation stage calls it suspicious without parsing
 *                        it, and the rewriter needs its place to disarm it.
 *   urls.max_urls        more URLs in the message (long ones count too): the
 *                        stage stops and adds limit/"limit".
 *   urls.max_html_depth  HTML whose elements would nest deeper is not given
 *                        to gumbo (whose cost grows with depth times tags):
 *                        a limit/"limit" finding, and the source is searched
 *                        as plain text instead (SL_URLCTX_TEXT ranges).
 * Everything is linear in the input: the patterns use possessive quantifiers
 * and a match limit, and each byte is searched once.
 *
 * Not done: iframe srcdoc, CSS url(), SVG
 * and VML links, and <base href> resolution are ignored; text parts that are
 * neither plain nor HTML (text/enriched, text/calendar) are not read.
 *
 * Threads: an sl_urls is immutable after sl_urls_new (compiled, JIT'ed
 * patterns); sl_urls_run may be called from any number of threads at once.
 * Errors: sl_urls_new returns NULL with *why (caller frees) when the patterns
 * do not compile; sl_urls_run returns 0, or SL_ENGINE when PCRE2 cannot
 * allocate its match data.
 */
#ifndef SL_URLS_H
#define SL_URLS_H

#include <stddef.h>

#include "config.h"
#include "msg.h"

#define SL_URLS_SHOWN_MAX 200      /* bytes of anchor text kept in shown_as */

struct sl_urls;

struct sl_urls *sl_urls_new(const struct sl_config *cfg, char **why);
struct sl_urls *sl_urls_free(struct sl_urls *u); /* returns NULL */
int sl_urls_run(struct sl_urls *u, struct sl_msg *m);

#endif
