/*
 * daemon - what sluiced's front ends share (sluiced.c owns it): the engine
 * of the moment, the quarantine store, the release key, and reloading.
 *
 * The engine (and the config snapshot inside it) is swapped whole on reload;
 * a front end takes a reference for the duration of one request or message
 * (sl_daemon_engine) so that work in flight finishes on the engine it
 * started with. The store, the release key and the listening sockets are
 * fixed at start: changing store.*, admin.socket or release.key_file takes a
 * restart (a reload says so in the log).
 */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H

#include <stddef.h>

#include "pipeline.h"
#include "store.h"

struct sl_daemon;
struct sl_whatsapp;

/* The current engine, referenced: sl_engine_unref() it when done. */
struct sl_engine *sl_daemon_engine(struct sl_daemon *d);
struct sl_store *sl_daemon_store(struct sl_daemon *d);
const unsigned char *sl_daemon_release_key(struct sl_daemon *d, size_t *len);
/* Reloads the configuration and the engine; a failure keeps the running one
 * (SL_ECONFIG with *why). Serialised: one reload at a time. */
int sl_daemon_reload(struct sl_daemon *d, char **why);
/* Removes expired originals now; *count gets how many. */
int sl_daemon_purge(struct sl_daemon *d, size_t *count, char **why);
/* The WhatsApp door (webhook.h), or NULL when it is off. */
struct sl_whatsapp *sl_daemon_whatsapp(struct sl_daemon *d);

#endif
