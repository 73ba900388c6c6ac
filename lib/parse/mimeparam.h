/*
 * mimeparam - MIME header values read the way the most permissive common
 * readers read them, so that the parse stage can judge every reading and not
 * only GMime's.
 *
 * Mail readers disagree on broken header values: Python's email package
 * splits parameters on ';' without knowing comments, neomutt decodes any
 * transfer encoding that starts with "base64", ripmime takes a file name
 * after a missing semicolon, munpack cuts long boundaries, GMime decodes
 * RFC 2047 words in a boundary and returns an empty name for a broken RFC 2231
 * value. These functions give every reading a common reader could take.
 *
 * All functions take a raw header value (the bytes after "Name:", folding and
 * 8-bit bytes included) and never fail; results are malloc'd UTF-8 (8-bit
 * text that is not UTF-8 is read as Latin-1), owned by the caller.
 * Limits: values are read up to SL_MIMEPARAM_MAX_VALUE bytes; at most `max`
 * readings are returned.
 */
#ifndef SL_MIMEPARAM_H
#define SL_MIMEPARAM_H

#include <stddef.h>

#define SL_MIMEPARAM_MAX_VALUE 1024

enum sl_cte {
	SL_CTE_IDENTITY, /* 7bit, 8bit, binary, absent or unknown: the bytes as they are */
	SL_CTE_BASE64,
	SL_CTE_QP,
	SL_CTE_UUENCODE,
};

/* The transfer encoding a permissive reader applies for this
 * Content-Transfer-Encoding value: comments dropped, RFC 2047 words decoded,
 * then "base64", "quoted-printable" and "uue" looked for anywhere in it, in
 * that order, as ripmime does ("base64;", "x-base64", ".base64", "7bit
 * base64", "uue" are all read as encodings). */
enum sl_cte sl_mimeparam_cte(const char *value);

/* The canonical name of an encoding ("base64", "quoted-printable",
 * "uuencode"), NULL for SL_CTE_IDENTITY. */
const char *sl_mimeparam_cte_name(enum sl_cte cte);

/* Every reading of parameter `param` (lower-case ASCII: "name", "filename",
 * "boundary", "charset") in a Content-Type or Content-Disposition value:
 * wherever "param=" or "param*...=" stands (after ';', blanks, a comment or
 * nothing), quoted or not; each value as it is, cut at the first blank or
 * line break, with comments dropped and kept, RFC 2047 words decoded,
 * RFC 2231 values decoded with a good or broken charset'language' prefix,
 * continuations joined and the first alone. Distinct non-empty readings are
 * stored in out[0..max) in the order found; returns how many. */
size_t sl_mimeparam_readings(const char *value, const char *param, char **out, size_t max);

/* The media type as a reader sees it: the text before the first ';' with
 * comments, quotes and blanks dropped, lower-case ("" when there is none). */
char *sl_mimeparam_type(const char *value);

/* RFC 2047 encoded words decoded leniently (missing padding, unknown
 * charsets read as Latin-1, words inside other text); the rest as it is. */
char *sl_mimeparam_decode_words(const char *s);

#endif
