/*
 * admin_client - sluicectl's side of the admin socket (admin.h): one HTTP
 * request over the unix socket with libcurl, the answer whole.
 *
 * Transport problems (no socket, nobody listening, permission denied,
 * timeout) come back as SL_EIO with a sentence for people that names the
 * socket and what to check; any HTTP answer is SL_OK with its status.
 */
#ifndef SL_ADMIN_CLIENT_H
#define SL_ADMIN_CLIENT_H

#include <stddef.h>

struct sl_admin_reply {
	long status;   /* HTTP status */
	char *body;    /* NUL-terminated (may hold NULs before len) */
	size_t len;
};

/* method "GET"/"POST", path "/v1/items?...", body JSON or NULL; timeout in seconds. */
int sl_admin_call(const char *socket_path, const char *method, const char *path, const char *body, long timeout,
		  struct sl_admin_reply *r, char **why);
void sl_admin_reply_clear(struct sl_admin_reply *r);

#endif
