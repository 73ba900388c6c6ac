/*
 * release_smtp - sl_relay_send (release.h): one SMTP transaction with libcurl.
 *
 * The data goes as given (the caller puts CRLF line ends on it; curl does the
 * dot-stuffing). curl refuses the whole transaction when the relay refuses any
 * recipient (no CURLOPT_MAIL_RCPT_ALLOWFAILS), so a release reaches all of
 * them or none. The relay's last answer line is kept for people: "250 2.0.0
 * Ok: queued as 4Q...", "550 5.1.1 <x@y>: Recipient address rejected".
 * Only smtp:// and smtps:// are spoken; no redirects exist in SMTP.
 */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "util.h"

struct upload {
	const unsigned char *p;
	size_t len, pos;
};

static size_t reader(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nitems;
	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(buf, u->p + u->pos, n);
	u->pos += n;
	return n;
}

struct answers {
	char last[512];    /* the last line the server sent */
	char refusal[512]; /* the last 4xx/5xx line (curl says QUIT after it) */
};

static void keep_line(char *dst, size_t dstsz, const char *p, size_t n)
{
	size_t i;
	if (n >= dstsz)
		n = dstsz - 1;
	for (i = 0; i < n; i++)
		dst[i] = ((unsigned char)p[i] < ' ' || p[i] == 0x7f) ? ' ' : p[i];
	dst[n] = '\0';
}

static int debug(CURL *c, curl_infotype type, char *data, size_t size, void *ctx)
{
	struct answers *a = ctx;
	size_t n = size;
	(void)c;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n == 0)
		return 0;
	keep_line(a->last, sizeof(a->last), data, n);
	if (data[0] == '4' || data[0] == '5')
		keep_line(a->refusal, sizeof(a->refusal), data, n);
	return 0;
}

int sl_relay_send(const char *relay, const char *helo, const char *from, char *const *rcpts,
		  const unsigned char *data, size_t len, int timeout, struct sl_relay_result *result)
{
	CURL *c = curl_easy_init();
	struct curl_slist *list = NULL;
	struct upload u = { data, len, 0 };
	struct answers ans = { "", "" };
	char err[CURL_ERROR_SIZE] = "", *url = NULL, *mfrom = NULL;
	const char *after_scheme;
	long code = 0;
	CURLcode rc;
	size_t i;

	memset(result, 0, sizeof(*result));
	if (c == NULL) {
		snprintf(result->answer, sizeof(result->answer), "cannot start libcurl");
		return SL_ETEMP;
	}
	/* smtp://host:port/EHLO-NAME: curl takes the path as its EHLO name */
	after_scheme = strstr(relay, "://");
	if (after_scheme != NULL && strchr(after_scheme + 3, '/') == NULL)
		url = sl_xasprintf("%s/%s", relay, helo && *helo ? helo : "localhost");
	else
		url = sl_xstrdup(relay);
	mfrom = sl_xasprintf("<%s>", from ? from : "");
	for (i = 0; rcpts != NULL && rcpts[i] != NULL; i++) {
		char *r = sl_xasprintf("<%s>", rcpts[i]);
		list = curl_slist_append(list, r);
		free(r);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, list);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, reader);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(timeout < 10 ? timeout : 10));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L); /* for the debug callback only */
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &ans);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		result->accepted = 1;
		snprintf(result->answer, sizeof(result->answer), "%s", ans.last);
	} else if (ans.refusal[0] != '\0') {
		result->refused = 1;
		snprintf(result->answer, sizeof(result->answer), "%s", ans.refusal);
	} else {
		/* unreachable, timed out, or it hung up: curl's reason, not the greeting */
		snprintf(result->answer, sizeof(result->answer), "%s", err[0] ? err : curl_easy_strerror(rc));
	}
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	free(url);
	free(mfrom);
	return result->accepted ? SL_OK : SL_ETEMP;
}
