/*
 * textconv - a part's content as UTF-8 text, and back.
 *
 * sl_text_view() sets part->text/text_len: when the bytes already are valid
 * UTF-8 (NUL bytes allowed) and the declared charset is absent or
 * ASCII-compatible, text points at part->data (text_owned NULL) so offsets in
 * text are offsets in the decoded bytes. Otherwise the bytes are converted
 * into text_owned from their charset: a UTF-16 byte-order mark wins (text_bom
 * records it), then the declared charset, then for HTML a <meta> charset,
 * else windows-1252; a name iconv does not know is read as latin1; bytes
 * invalid in their charset become U+FFFD. text_charset records what was used.
 *
 * sl_text_back() turns (edited) UTF-8 text into the bytes of the part's own
 * encoding again: the same charset, the same byte-order mark. Characters the
 * charset cannot hold become '?'.
 */
#ifndef SL_TEXTCONV_H
#define SL_TEXTCONV_H

#include <stddef.h>

#include "msg.h"

void sl_text_view(struct sl_part *p, int html);
int sl_text_back(const struct sl_part *p, const char *utf8, size_t len, char **out, size_t *outlen);

/* Valid UTF-8 where NUL bytes are allowed (g_utf8_validate stops at NUL). */
int sl_text_valid_utf8(const char *p, size_t n);
/* Bytes in charset `from` to UTF-8 (malloc'd, NUL-terminated); never fails. */
void sl_text_to_utf8(const char *p, size_t n, const char *from, char **out, size_t *outlen);

#endif
