/*
 * secret - reading the secrets of the configuration: API keys, tokens,
 * shared secrets (the reputation services' keys, the WhatsApp app secret,
 * access token, verify token and downstream secret).
 *
 * A secret has two keys: an inline one ("whatsapp.app_secret") and a file
 * one ("whatsapp.app_secret_file"); at most one of them may be set.
 *  - The file must be a regular file that others cannot read (mode 0640 or
 *    0600; no "other" bits), at most SL_SECRET_MAX bytes; the secret is its
 *    content without surrounding blanks and line ends.
 *  - An inline secret is accepted only when the configuration file itself is
 *    not readable by others (0640/0600): a world-readable sluice.conf would
 *    show it. (Overrides on the command line have no file: they are allowed,
 *    for tests; ps shows them, which the README says.)
 * Either way the secret is one token of printable ASCII (no blanks or
 * control characters).
 *
 * Errors: SL_ECONFIG with *why naming the key and the file. The result is
 * the caller's: wipe it (explicit_bzero) before freeing.
 */
#ifndef SL_SECRET_H
#define SL_SECRET_H

#include "config.h"

#define SL_SECRET_MAX 4096

/* Reads the secret of key (inline) or file_key (a file). *out NULL when
 * neither is set. */
int sl_secret_read(const struct sl_config *cfg, const char *key, const char *file_key, char **out,
		   char **why);

/* sl_secret_read(cfg, "<prefix>", "<prefix>_file", ...): the WhatsApp keys
 * ("whatsapp.app_secret" and "whatsapp.app_secret_file"). */
int sl_secret_read_pair(const struct sl_config *cfg, const char *prefix, char **out, char **why);

/* Frees a secret after wiping it; returns NULL. */
char *sl_secret_free(char *s);

#endif
