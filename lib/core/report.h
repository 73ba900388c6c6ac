/*
 * report - the JSON view of a scanned message, as DESIGN.md's contract for
 * `sluicectl scan --json` says: file, channel, verdict, findings, parts, urls.
 * Containers (multipart, message/rfc822) are not listed as parts.
 */
#ifndef SL_REPORT_H
#define SL_REPORT_H

#include "msg.h"

/* One line of JSON (no newline); caller frees. */
/* Computes the parts' hashes it reports (sl_msg_part_sha256), hence not const. */
char *sl_report_json(struct sl_msg *m, const char *file);

#endif
