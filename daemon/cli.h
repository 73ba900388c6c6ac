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

#ifndef SLUICE_DEFAULT_CONFIG
#define SLUICE_DEFAULT_CONFIG SLUICE_SOURCE_DIR "/conf/sluice.conf"
#endif

/* Consumes --config/-o at argv[*i]; returns 1 if it did, 0 if not, -1 on a missing value. */
int sl_cli_option(struct sl_cli *c, int argc, char **argv, int *i);
/* Loads the config; on error prints "PROG: reason" and returns NULL. */
struct sl_config *sl_cli_load(const struct sl_cli *c, const char *prog);
void sl_cli_free(struct sl_cli *c);

#endif
