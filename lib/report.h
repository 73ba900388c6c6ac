/*
 * report - the JSON view of a scanned message, as DESIGN.md's contract for
 * `sluicectl scan --json` says: file, channel, verdict, findings, parts, urls.
 * Containers (multipart, message/rfc822) are not listed as parts.
 */
#ifndef SL_REPORT_H
#define SL_REPORT_H

#include "msg.h"

/* One line of JSON (no newline); caller frees. */
char *sl_report_json(const struct sl_msg *m, const char *file);

#endif
