/* cli - see cli.h. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int sl_cli_option(struct sl_cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
		if (*i + 1 >= argc)
			return -1;
		c->config_path = argv[++*i];
		return 1;
	}
	if (strncmp(a, "--config=", 9) == 0) {
		c->config_path = a + 9;
		return 1;
	}
	if (strcmp(a, "-o") == 0) {
		if (*i + 1 >= argc)
			return -1;
		c->overrides = sl_xrealloc(c->overrides, (c->noverrides + 1) * sizeof(*c->overrides));
		c->overrides[c->noverrides++] = argv[++*i];
		return 1;
	}
	return 0;
}

const char *sl_cli_default_config(void)
{
	return access(SLUICE_INSTALLED_CONFIG, F_OK) == 0 ? SLUICE_INSTALLED_CONFIG : SLUICE_SOURCE_CONFIG;
}

struct sl_config *sl_cli_load(const struct sl_cli *c, const char *prog)
{
	struct sl_config *cfg = NULL;
	char *why = NULL;
	const char *path = c->config_path ? c->config_path : sl_cli_default_config();
	if (sl_config_load(path, c->overrides, c->noverrides, &cfg, &why) != SL_OK) {
		fprintf(stderr, "%s: %s\n", prog, why ? why : "configuration error");
		free(why);
		return NULL;
	}
	return cfg;
}

void sl_cli_free(struct sl_cli *c)
{
	free(c->overrides);
	c->overrides = NULL;
	c->noverrides = 0;
}
