/*
 * flowed - text/plain; format=flowed (RFC 3676) as a reader shows it, for
 * the URL stage: links are looked for in the unfolded text, since a reader
 * joins a link that the sender's client wrapped across lines.
 *
 * sl_flowed_unfold(): a line (after its quote marks '>' and one
 * space-stuffing blank) that ends in a blank is flowed, unless it is the
 * signature separator "-- ": it is joined to the next line when that line
 * has the same quote depth; with delsp=yes the ending blank goes too. The
 * next line's quote marks and its stuffing blank are dropped; everything else
 * is kept as written (the first line of a paragraph with its quote marks and
 * stuffing blank, hard line ends). Unfolding only deletes bytes: map[i] is the offset in s of
 * output byte i, map[len] = n, so a link at [b, e) of the output was written
 * at [map[b], map[e]) of s, soft line breaks inside it included. Linear; the
 * output is never longer than the input.
 *
 * sl_flowed_params(): whether a MIME part is text/plain with format=flowed,
 * and its delsp, read from the part's own Content-Type field in the raw
 * message (the top-level header block for the message body). 0 for parts
 * that have no header block of their own (WhatsApp text, extracted files).
 * Needs GMime initialised (the MIME stage does it).
 */
#ifndef SL_FLOWED_H
#define SL_FLOWED_H

#include <stddef.h>

#include "msg.h"
#include "util.h"

/* out is initialised here; *map is malloc'd (caller frees). */
void sl_flowed_unfold(const char *s, size_t n, int delsp, struct sl_buf *out, size_t **map);

int sl_flowed_params(const struct sl_msg *m, const struct sl_part *p, int *delsp);

#endif
