/* admin_client - see admin_client.h. */
#include "admin_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_REPLY (512 * 1024 * 1024) /* an original of up to general.max_message_size, and then some */

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct sl_buf *b = ctx;
	return sl_buf_add(b, p, size * n) == SL_OK ? size * n : 0;
}

int sl_admin_call(const char *socket_path, const char *method, const char *path, const char *body, long timeout,
		  struct sl_admin_reply *r, char **why)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct sl_buf b;
	char err[CURL_ERROR_SIZE] = "", *url;
	CURLcode rc;
	long oserr = 0;

	memset(r, 0, sizeof(*r));
	if (c == NULL) {
		*why = sl_xstrdup("cannot start libcurl");
		return SL_EIO;
	}
	sl_buf_init(&b, MAX_REPLY);
	url = sl_xasprintf("http://sluiced%s", path); /* the host is a name only: the socket decides */
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == EACCES)
			*why = sl_xasprintf("%s: permission denied: only root and the supervisors may use the "
					    "quarantine commands",
					    socket_path);
		else if (oserr == ENOENT || oserr == ECONNREFUSED)
			*why = sl_xasprintf("cannot reach sluiced on %s (%s): is it running, and is admin.socket "
					    "the same in its configuration?",
					    socket_path, strerror((int)oserr));
		else
			*why = sl_xasprintf("%s: %s", socket_path, err[0] ? err : curl_easy_strerror(rc));
		sl_buf_free(&b);
		free(url);
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(c);
		return SL_EIO;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	sl_buf_add(&b, "", 0);
	r->len = b.len;
	r->body = b.data ? sl_buf_take(&b) : sl_xstrdup("");
	sl_buf_free(&b);
	free(url);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return SL_OK;
}

void sl_admin_reply_clear(struct sl_admin_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
