/*
 * ical - the values of an iCalendar object (RFC 5545) that a calendar client
 * shows or follows, for the URL stage. Knows nothing of mail.
 *
 * Content lines are unfolded (a line end followed by one blank or tab is
 * removed; bare LF is accepted as a line end) and split into name,
 * parameters and value. Given to the callback:
 *   SL_ICAL_TEXT  DESCRIPTION, SUMMARY, LOCATION, COMMENT, CONTACT, RESOURCES
 *                 and X-ALT-DESC unless it is HTML: TEXT unescaped (\n \N
 *                 \, \; \\)
 *   SL_ICAL_HTML  X-ALT-DESC;FMTTYPE=text/html: unescaped, to be read as HTML
 *   SL_ICAL_URI   URL, ATTACH (not inline binary), CONFERENCE, IMAGE, SOURCE,
 *                 TZURL, any X- property whose name ends in URL or URI, and the
 *                 ALTREP parameter of any property (quotes removed): the value
 *                 as written
 * Property names are matched in any case. The value comes with a map:
 * map[i] is the byte offset in the input of value byte i, map[len] the offset
 * just past the value's last byte, so a URL found at [b, e) of the value was
 * written at [map[b], map[e]) of the input (folds and escapes inside it
 * included). value and map are valid during the call only.
 *
 * Linear in the input; allocates at most the length of the longest logical
 * line (value and map). The callback returns nonzero to stop.
 */
#ifndef SL_ICAL_H
#define SL_ICAL_H

#include <stddef.h>

enum sl_ical_kind { SL_ICAL_TEXT, SL_ICAL_HTML, SL_ICAL_URI };

typedef int (*sl_ical_cb)(void *ctx, enum sl_ical_kind kind, const char *prop, const char *value,
			  size_t len, const size_t *map);

void sl_ical_scan(const char *s, size_t n, sl_ical_cb cb, void *ctx);

/* 1 when s starts (after a byte-order mark and blank lines) with BEGIN:VCALENDAR. */
int sl_ical_is(const char *s, size_t n);

#endif
