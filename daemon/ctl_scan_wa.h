/*
 * ctl_scan_wa - `sluicectl scan --channel whatsapp [--media-dir DIR]
 * [--json] [--output FILE] [--no-store] payload.json`: a webhook payload run
 * through the daemon's own steps (wa_process.h), offline. The media of a
 * message come from DIR/<media-id> instead of the Graph API (checked against
 * the message's sha256 when it has one); without --media-dir, or with no
 * such file, a media is unscanned and withheld, as when the Graph API fails.
 *
 * --json prints one object per message of the payload (the scan report of
 * DESIGN.md, plus "message": the wamid); without it, one log line each.
 * --output writes what the platform would receive: one downstream payload
 * per item (messages rewritten, statuses as they came), one per line.
 * What is not clean is kept in the quarantine unless --no-store.
 * Returns the exit status contribution: 0 clean, 1 found, 2 error.
 */
#ifndef SL_CTL_SCAN_WA_H
#define SL_CTL_SCAN_WA_H

#include <stdio.h>

#include "pipeline.h"
#include "store.h"

int sl_ctl_scan_whatsapp(const char *prog, struct sl_engine *eng, struct sl_store *store,
			 const char *file, const char *media_dir, int json, FILE *output);

#endif
