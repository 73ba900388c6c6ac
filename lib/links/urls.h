/*
 * urls - the URL stage: every URL a person could click, or a client could
 * load, in a message, with where it was written, so that the reputation
 * stage can judge it and a rewriter can replace it in place.
 *
 * Where it looks:
 *   headers     Subject and the display names of From, Sender, Reply-To, To,
 *               Cc of the top-level header block, RFC 2047 decoded
 *               (hdrlinks.h): text links, SL_URLCTX_HEADER, the range is the
 *               whole field in msg->raw, the part is the one that owns the
 *               header block.
 *   text/plain  body parts (declared type); format=flowed text is unfolded
 *               first (flowed.h), so a link wrapped across lines is read
 *               whole and its range spans the soft line breaks.
 *   HTML        text/html body parts and HTML files (detected type, or named
 *               .htm/.html): htmllinks.h says what is recorded.
 *   SVG         image/svg+xml files and parts: as HTML, every URL in
 *               SL_URLCTX_ATTACHMENT (an image is not edited; the policy
 *               decides about the file).
 *   calendar    text/calendar parts and .ics files (ical.h): text links in
 *               DESCRIPTION, SUMMARY, LOCATION..., URL/ATTACH/CONFERENCE
 *               values, ALTREP, HTML in X-ALT-DESC. In a body part
 *               SL_URLCTX_CALENDAR (edited in place), in a file
 *               SL_URLCTX_ATTACHMENT.
 * Plain-text attachments (CSV exports, logs) are data, not read for links.
 * Links inside PDFs and Office files come from the docs stage (docs.h),
 * which runs before this one.
 *
 * Text: each part read gets part->text/text_len, its content as UTF-8
 * (textconv.h); ranges are byte ranges in part->text unless said otherwise.
 *
 * Links typed as text: URLs with a scheme that reaches the network
 * (http, https, ftp, file, smb, webdav, ldap, ... with "//" or "\\"),
 * schemes that open a program (search-ms:, search:, ms-msdt:, ms-word:ofe|u|...
 * and every other ms-*: handler, mk:@MSITStore:, its:), UNC paths
 * (\\host\share\x.lnk, \\host@SSL@443\DavWWWRoot\x, \\host.example),
 * www. names without a scheme, and bare names with an alphabetic TLD followed
 * by a path ("example.co.uk/login"; never "e.g.", "file.txt" or "1.2.3").
 * A host may hold zero-width characters, soft hyphens and (after a scheme
 * or www) ideographic or full-width dots: browsers drop or map them, so they
 * never cut a URL short. Trailing . , ; : ! ? ' " *, invisible characters and
 * ideographic full stops are trimmed as mail clients do, as is a closing
 * ) ] } that has no opening partner in the URL. The URL is recorded as
 * written; urlnorm.h decides where it goes.
 *
 * Limits and findings:
 *   urls.max_url_length  a longer URL is recorded whole all the same: the
 *                        reputation stage calls it suspicious without parsing
 *                        it, and the rewriter needs its place to disarm it.
 *   urls.max_urls        more URLs in the message (long ones count too): the
 *                        stage stops and adds limit/"limit"; incomplete.
 *   urls.max_html_depth  see htmllinks.h.
 *   urls.match_limit     PCRE2 steps for one search; a search stopped by it
 *                        (or by any other PCRE2 match error) adds
 *                        limit/"limit" and marks the message incomplete.
 * Everything is linear in the input: the patterns use possessive quantifiers,
 * and each byte is searched once.
 *
 * Not done: the headers of attached messages; VML links.
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
