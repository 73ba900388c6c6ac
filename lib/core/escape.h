/*
 * escape - makes sender-controlled strings safe to write into the text that
 * sluice generates: removal notices, the quarantine placeholder and its header
 * fields, "Why:" lines, the reasons and title attributes of disarmed links.
 *
 * sl_escape_text() is the one escaping helper for every such string (file
 * names, archive member names, finding details, header fields, link reasons).
 * Its result is one line of valid UTF-8 that
 *  - has no control characters (C0, DEL, C1), no line or paragraph separators
 *    and no invisible or bidirectional formatting characters (zero-width
 *    characters, soft hyphen, RLO...): each is written "[U+XXXX]", so the
 *    text reads in the order it is stored and shows what was hidden;
 *  - has no invalid UTF-8 (each bad byte becomes U+FFFD);
 *  - cannot become markup if it is ever shown as HTML ('<' and '>' become
 *    U+2039 and U+203A);
 *  - has no "--" (the second '-' becomes U+2010), so that no line can start a
 *    MIME boundary wherever an encoder or a folder breaks it, and no "=?"
 *    (written "=[?]"), so that no RFC 2047 encoded word hides text in a
 *    header field;
 *  - has every host-like or URL-like token defanged (sl_defang_text);
 *  - is at most max bytes, cut on a character boundary with "..." marking a
 *    cut (max 0: no cap).
 * With SL_ESCAPE_ASCII every character past U+007E is written "[U+XXXX]" too
 * (and '<', '>' as "[<]", "[>]", the second '-' of "--" as "[-]"), for text
 * spliced into content whose charset sluice does not choose.
 *
 * sl_defang_text() writes every host-like or URL-like token so that no
 * linkifier (mail clients, chat tools) takes it for a link:
 *   a URL (scheme ':' ...)       hxxps[:]//evil[.]test/a[.]b  (as sl_url_defang)
 *   a host (label '.' tld)       evil[.]test: a label after the first
 *                                starts with two letters or is an A-label,
 *                                whatever any TLD list says (file[.]zip too)
 *   a dotted-quad address        192[.]0[.]2[.]66
 *   a UNC path                   [\]\server[.]test\share
 * Full-width and ideographic dots count as dots. Everything else is unchanged.
 * The JSON report and the logs keep the exact form: defang only at the point
 * of writing what an agent sees.
 *
 * sl_url_defang() defangs one whole URL: hxxp/fxp for the scheme and for any
 * "http" inside, "[:]" for the scheme's colon and every "://", "[.]" for every
 * dot.
 *
 * All results are malloc'd (caller frees); none of these fail.
 */
#ifndef SL_ESCAPE_H
#define SL_ESCAPE_H

#include <stddef.h>

#define SL_ESCAPE_ASCII 1u

/* Caps for the strings sluice writes: a file name, a finding detail or
 * reason. Presentation only: the JSON report and the quarantine keep the
 * full values, and lines stay far below RFC 5322's 998 bytes. */
#define SL_ESCAPE_NAME_MAX 200
#define SL_ESCAPE_DETAIL_MAX 400

char *sl_escape_text(const char *s, size_t max);
/* The same over s[0..len) (may hold NUL bytes), with SL_ESCAPE_* flags. */
char *sl_escape_text_len(const char *s, size_t len, size_t max, unsigned flags);

char *sl_defang_text(const char *s);
char *sl_url_defang(const char *url);

struct sl_buf;
/* Appends s to b with & < > " ' written as HTML character references: safe
 * in HTML text and in a quoted attribute value. */
void sl_html_escape(struct sl_buf *b, const char *s);

#endif
