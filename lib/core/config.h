/*
 * config - sluice.conf: a GKeyFile checked against one schema table.
 *
 * Every key sluice knows is a row of the schema (section, key, type, default,
 * bounds); the embedded defaults are the schema's defaults, so a config file
 * only lists what differs. A file or -o override naming an unknown section or
 * key, or a value of the wrong type or out of bounds, is refused with the
 * file, the line (where known) and the key: "sluice.conf:12: limits.mime_depth:
 * expected an integer between 1 and 1000, got 'deep'".
 *
 * Relative paths in the file resolve against general.base_dir, itself relative
 * to the directory holding the file; relative paths in -o overrides resolve
 * against the working directory. Paths are absolute after loading.
 *
 * A loaded sl_config is an immutable, reference-counted snapshot: a reload
 * builds a new one and swaps it; one that fails to load leaves the old one.
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct sl_config;

/* Loads path (NULL: defaults only) and applies overrides ("section.key=value").
 * On error returns SL_ECONFIG with *why (caller frees) naming file/line/key. */
int sl_config_load(const char *path, const char *const *overrides, size_t noverrides,
		   struct sl_config **out, char **why);
struct sl_config *sl_config_ref(struct sl_config *c);
struct sl_config *sl_config_unref(struct sl_config *c); /* returns NULL */

/* Typed reads of "section.key"; the key must be in the schema (abort otherwise:
 * a programming error). Strings are borrowed from the snapshot. */
const char *sl_config_str(const struct sl_config *c, const char *key);
int64_t sl_config_int(const struct sl_config *c, const char *key);
int sl_config_bool(const struct sl_config *c, const char *key);
/* A ';'-separated list; returns a NULL-terminated borrowed vector. */
char *const *sl_config_list(const struct sl_config *c, const char *key);

const char *sl_config_file(const struct sl_config *c); /* NULL for defaults only */

/* Writes every key with its effective value, "section.key = value" lines;
 * secrets (keys ending in _key, _secret or _token) are not shown. */
void sl_config_dump(const struct sl_config *c, void (*line)(void *, const char *), void *ctx);

#endif
