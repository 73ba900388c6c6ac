/*
 * cli - what every sluice program shares on its command line: --config FILE
 * (default: the installed sluice.conf), any number of -o section.key=value,
 * --help. Loads the config snapshot; errors go to stderr with exit status 2.
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stddef.h>

#include "config.h"

struct sl_cli {
	const char *config_path;
	const char **overrides;
	size_t noverrides;
};

/* The configuration used without --config: the installed one
 * (SYSCONFDIR/sluice/sluice.conf, written by cmake --install) when it
 * exists, else the source tree's conf/sluice.conf (a build run in place). */
#define SLUICE_INSTALLED_CONFIG SLUICE_SYSCONF_DEFAULT
#define SLUICE_SOURCE_CONFIG SLUICE_SOURCE_DIR "/conf/sluice.conf"
const char *sl_cli_default_config(void);

/* Consumes --config/-o at argv[*i]; returns 1 if it did, 0 if not, -1 on a missing value. */
int sl_cli_option(struct sl_cli *c, int argc, char **argv, int *i);
/* Loads the config; on error prints "PROG: reason" and returns NULL. */
struct sl_config *sl_cli_load(const struct sl_cli *c, const char *prog);
void sl_cli_free(struct sl_cli *c);

#endif
