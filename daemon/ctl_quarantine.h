/*
 * ctl_quarantine - sluicectl's quarantine, reload and store commands.
 *
 *   sluicectl quarantine list [--status S] [--channel C] [--sender TEXT]
 *                             [--since WHEN] [--limit N] [--json]
 *   sluicectl quarantine show REF [--json | --raw]
 *   sluicectl quarantine release REF --reason TEXT [--to ADDRESS]... [--json]
 *   sluicectl quarantine delete REF --reason TEXT [--json]
 *   sluicectl quarantine purge
 *   sluicectl outbox list [--state pending|sent|dead] [--limit N] [--json]
 *   sluicectl outbox retry ID
 *   sluicectl reload
 *   sluicectl store init
 *
 * quarantine, outbox and reload talk to sluiced over admin.socket (admin.h): they
 * never open the store, so supervisors need no access to the data. store
 * init opens the store itself (creates or migrates its schema): for the
 * service's user or root.
 *
 * Exit status: 0 done; 1 refused, with why (not a supervisor, no such item,
 * already released, the relay said no); 2 error (bad arguments, sluiced
 * unreachable, the store failed, the relay unreachable).
 */
#ifndef SL_CTL_QUARANTINE_H
#define SL_CTL_QUARANTINE_H

int sl_ctl_quarantine(const char *prog, int argc, char **argv);
int sl_ctl_outbox(const char *prog, int argc, char **argv);
int sl_ctl_reload(const char *prog, int argc, char **argv);
int sl_ctl_store(const char *prog, int argc, char **argv);

#endif
