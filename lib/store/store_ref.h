/*
 * store_ref - quarantine references: what a supervisor reads out over the phone.
 *
 * A reference is 80 random bits (getrandom) written in Crockford's base32 as
 * "SL-" and four groups of four symbols: SL-7KQ2-M9XD-4TJH-W8PR. The alphabet
 * 0-9 A-Z without I, L, O and U has no look-alike pairs.
 *
 * Parsing is forgiving the way Crockford's scheme is: case does not matter,
 * I and L read as 1, O as 0, hyphens and blanks are ignored, the "SL" prefix
 * is optional, and a part suffix ("/2.1", as notices print it) is dropped.
 * U and anything else outside the alphabet is refused, as is any count other
 * than 16 symbols. The result is always the canonical spelling above.
 */
#ifndef SL_STORE_REF_H
#define SL_STORE_REF_H

#include <stddef.h>

#define SL_REF_LEN 22 /* "SL-XXXX-XXXX-XXXX-XXXX" */

/* A fresh reference (NUL-terminated, SL_REF_LEN characters). */
void sl_ref_new(char out[SL_REF_LEN + 1]);

/* The canonical spelling of what a person typed; SL_EINVAL (with *why, caller
 * frees) when it cannot be a reference. */
int sl_ref_parse(const char *in, char out[SL_REF_LEN + 1], char **why);

#endif
