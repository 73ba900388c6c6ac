/* wa_media - see wa_media.h. */
#include <glib.h>

#include "wa_media.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider.h" /* sl_prov_base_url */
#include "util.h"

#define META_MAX (64 * 1024) /* bytes of a Graph API answer about one media */

struct sl_wa_graph {
	char *base; /* graph_base without its trailing '/' */
	char *version;
	char *auth;          /* "Authorization: Bearer ..." */
	char **hosts;        /* whatsapp.media_hosts */
	int allow_loopback;  /* general.allow_insecure_loopback */
	int allow_http_base; /* the Graph API base is plain http on 127.0.0.0/8 */
	long timeout;
	int attempts;
};

/* ---- set-up --------------------------------------------------------------- */

static int version_ok(const char *v)
{
	size_t i;
	if (v[0] != 'v' || !g_ascii_isdigit(v[1]))
		return 0;
	for (i = 1; v[i]; i++)
		if (!g_ascii_isdigit(v[i]) && v[i] != '.')
			return 0;
	return i < 16;
}

int sl_wa_graph_new(const struct sl_config *cfg, const char *access_token, struct sl_wa_graph **out,
		    char **why)
{
	struct sl_wa_graph *g = sl_xcalloc(1, sizeof(*g));
	const char *version = sl_config_str(cfg, "whatsapp.graph_version");
	char *const *hosts = sl_config_list(cfg, "whatsapp.media_hosts");
	size_t i, n = 0;

	*out = NULL;
	if (sl_prov_base_url(cfg, "whatsapp.graph_base", &g->base, &g->allow_http_base, why) !=
	    SL_OK)
		goto fail;
	if (!version_ok(version)) {
		*why = sl_xasprintf(
		    "whatsapp.graph_version: expected a Graph API version such as v21.0, got '%s'",
		    version);
		goto fail;
	}
	if (access_token == NULL || *access_token == '\0') {
		*why = sl_xstrdup("whatsapp.access_token_file: the Graph API needs an access token "
				  "to fetch media");
		goto fail;
	}
	while (hosts != NULL && hosts[n] != NULL)
		n++;
	if (n == 0) {
		*why = sl_xstrdup("whatsapp.media_hosts: no host to download media from");
		goto fail;
	}
	g->hosts = sl_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		g->hosts[i] = g_ascii_strdown(hosts[i], -1);
	g->version = sl_xstrdup(version);
	g->auth = sl_xasprintf("Authorization: Bearer %s", access_token);
	g->allow_loopback = sl_config_bool(cfg, "general.allow_insecure_loopback");
	g->timeout = (long)sl_config_int(cfg, "whatsapp.media_timeout");
	g->attempts = (int)sl_config_int(cfg, "whatsapp.media_attempts");
	*out = g;
	return SL_OK;
fail:
	sl_wa_graph_free(g);
	return SL_ECONFIG;
}

struct sl_wa_graph *sl_wa_graph_free(struct sl_wa_graph *g)
{
	size_t i;
	if (g == NULL)
		return NULL;
	for (i = 0; g->hosts != NULL && g->hosts[i] != NULL; i++)
		g_free(g->hosts[i]);
	free(g->hosts);
	if (g->auth != NULL) {
		explicit_bzero(g->auth, strlen(g->auth));
		free(g->auth);
	}
	free(g->base);
	free(g->version);
	free(g);
	return NULL;
}

/* ---- the rules ------------------------------------------------------------- */

int sl_wa_media_id_ok(const char *id)
{
	size_t i;
	if (id == NULL || id[0] == '\0' || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return 0;
	for (i = 0; id[i]; i++)
		if (!g_ascii_isalnum(id[i]) && id[i] != '_' && id[i] != '-' && id[i] != '.')
			return 0;
	return i <= 128;
}

static int host_listed(const struct sl_wa_graph *g, const char *host)
{
	size_t i, hl = strlen(host);
	for (i = 0; g->hosts[i] != NULL; i++) {
		const char *h = g->hosts[i];
		if (h[0] == '*' && h[1] == '.') {
			size_t sl = strlen(h + 1); /* ".domain" */
			if (hl > sl && g_ascii_strcasecmp(host + hl - sl, h + 1) == 0)
				return 1;
		} else if (g_ascii_strcasecmp(host, h) == 0) {
			return 1;
		}
	}
	return 0;
}

static int ipv4_loopback(const char *host)
{
	struct in_addr a;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int sl_wa_media_url_check(const struct sl_wa_graph *g, const char *url, char **host, unsigned *port,
			  int *loopback, char **why)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *user = NULL, *pw = NULL, *p = NULL;
	int rc = SL_EINVAL, https;

	*host = NULL;
	*port = 0;
	*loopback = 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		*why = sl_xstrdup("the media url is not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK) {
		*why = sl_xstrdup("the media url carries a user name or password");
		goto out;
	}
	https = g_ascii_strcasecmp(scheme, "https") == 0;
	if (!host_listed(g, h)) {
		char *c = sl_clip(h, 100);
		*why = sl_xasprintf("the media url's host %s is not in whatsapp.media_hosts", c);
		free(c);
		goto out;
	}
	*loopback = g->allow_loopback && ipv4_loopback(h);
	if (!https && !(*loopback && g_ascii_strcasecmp(scheme, "http") == 0)) {
		*why = sl_xstrdup("the media url is not https (plain http only to 127.0.0.0/8 with "
				  "general.allow_insecure_loopback)");
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT);
	*port = p != NULL ? (unsigned)strtoul(p, NULL, 10) : (https ? 443 : 80);
	*host = sl_xstrdup(h);
	rc = SL_OK;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(user);
	curl_free(pw);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

static int v4_public(uint32_t a)
{
	uint8_t b0 = a >> 24, b1 = (a >> 16) & 0xff;
	if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224)
		return 0; /* this network, private, loopback, multicast, reserved, broadcast */
	if (b0 == 100 && (b1 & 0xc0) == 64)
		return 0; /* 100.64.0.0/10 shared (CGNAT) */
	if (b0 == 169 && b1 == 254)
		return 0; /* link-local (cloud metadata services live here) */
	if (b0 == 172 && (b1 & 0xf0) == 16)
		return 0;
	if (b0 == 192 && b1 == 168)
		return 0;
	if (b0 == 192 && b1 == 0 && ((a >> 8) & 0xff) == 0)
		return 0; /* 192.0.0.0/24 protocol assignments */
	if (b0 == 198 && (b1 & 0xfe) == 18)
		return 0; /* 198.18.0.0/15 benchmarking */
	return 1;
}

int sl_wa_addr_public(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
			return v4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
					 (uint32_t)b[14] << 8 | b[15]);
		if ((b[0] & 0xe0) != 0x20)
			return 0; /* only 2000::/3 is global unicast */
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
			return 0; /* documentation */
		if (b[0] == 0x20 && b[1] == 0x02)
			return 0; /* 6to4: an IPv4 address of any kind inside */
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
			return 0; /* Teredo */
		return 1;
	}
	return 0;
}

static int addr_loopback(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET &&
	       (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
}

int sl_wa_sha256_matches(const char *expect, const char *hex)
{
	unsigned char want[32], have[32];
	size_t i, n = expect ? strlen(expect) : 0;
	if (hex == NULL || strlen(hex) != 64)
		return 0;
	for (i = 0; i < 32; i++)
		have[i] = (unsigned char)(g_ascii_xdigit_value(hex[2 * i]) << 4 |
					  g_ascii_xdigit_value(hex[2 * i + 1]));
	if (n == 64) {
		for (i = 0; i < 64; i++)
			if (!g_ascii_isxdigit(expect[i]))
				return 0;
		for (i = 0; i < 32; i++)
			want[i] = (unsigned char)(g_ascii_xdigit_value(expect[2 * i]) << 4 |
						  g_ascii_xdigit_value(expect[2 * i + 1]));
	} else if (n == 44 || n == 43) {
		unsigned char buf[44 / 4 * 3 + 4];
		for (i = 0; i < n; i++)
			if (sl_b64_value((unsigned char)expect[i], 0) < 0 &&
			    !(expect[i] == '=' && i >= 42))
				return 0;
		if (sl_base64_decode(expect, n, buf) != 32)
			return 0;
		memcpy(want, buf, 32);
	} else {
		return 0;
	}
	return sl_memeq_consttime(want, have, 32);
}

/* ---- HTTP ----------------------------------------------------------------- */

struct body {
	struct sl_buf b;
	int too_big; /* the cap stopped the transfer */
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	if (sl_buf_add(&b->b, p, size * n) != SL_OK) {
		b->too_big = 1;
		return 0; /* stops the transfer */
	}
	return size * n;
}

enum outcome { GOT, TRANSIENT, FINAL, TOO_BIG };

/* One GET of url with the bearer token (pinned to resolve when not NULL). */
static enum outcome get(const struct sl_wa_graph *g, const char *url, struct curl_slist *resolve,
			int allow_http, size_t cap, struct body *out, char **why)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char err[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;
	enum outcome o = FINAL;

	sl_buf_init(&out->b, cap);
	out->too_big = 0;
	if (c == NULL) {
		*why = sl_xstrdup("curl: cannot create a handle");
		return TRANSIENT;
	}
	hdr = curl_slist_append(hdr, g->auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, allow_http ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, g->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, g->timeout < 10 ? g->timeout : 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "sluice/" SLUICE_VERSION);
	if (resolve != NULL)
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (out->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		*why = sl_xasprintf("larger than %zu bytes", cap);
		o = TOO_BIG;
	} else if (rc != CURLE_OK) {
		*why = sl_xasprintf("%s", err[0] ? err : curl_easy_strerror(rc));
		o = TRANSIENT;
	} else if (code >= 300 && code < 400) {
		*why = sl_xasprintf("HTTP %ld: a redirect, which sluice does not follow", code);
	} else if (code == 404) {
		*why = sl_xstrdup("HTTP 404: the media has expired or does not exist");
	} else if (code == 429 || code >= 500) {
		*why = sl_xasprintf("HTTP %ld", code);
		o = TRANSIENT;
	} else if (code != 200) {
		*why = sl_xasprintf("HTTP %ld", code);
	} else {
		o = GOT;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	if (o != GOT)
		sl_buf_free(&out->b);
	return o;
}

/* Resolves host and pins it: every address must be public (or, for the
 * loopback test case, on 127.0.0.0/8). */
static int pin(const char *host, unsigned port, int loopback, struct curl_slist **resolve,
	       char **why)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char addr[INET6_ADDRSTRLEN] = "", *entry;
	int rc;

	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		*why = sl_xasprintf("the media host does not resolve: %s", gai_strerror(rc));
		return SL_ETEMP;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (loopback ? !addr_loopback(ai->ai_addr) : !sl_wa_addr_public(ai->ai_addr)) {
			*why = sl_xstrdup(
			    "the media host resolves to an address that is not public: refused");
			freeaddrinfo(res);
			return SL_EPERM;
		}
		if (addr[0] == '\0') {
			const void *a =
			    ai->ai_family == AF_INET
				? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
				: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
			inet_ntop(ai->ai_family, a, addr, sizeof(addr));
		}
	}
	freeaddrinfo(res);
	if (addr[0] == '\0') {
		*why = sl_xstrdup("the media host has no address");
		return SL_ETEMP;
	}
	entry = strchr(addr, ':') ? sl_xasprintf("%s:%u:[%s]", host, port, addr)
				  : sl_xasprintf("%s:%u:%s", host, port, addr);
	*resolve = curl_slist_append(NULL, entry);
	free(entry);
	return SL_OK;
}

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* One attempt of the whole fetch. */
static enum outcome fetch_once(const struct sl_wa_graph *g, const char *media_id,
			       const json_t *media, size_t cap, struct sl_wa_fetched *out,
			       char **why)
{
	struct body meta, data;
	struct curl_slist *resolve = NULL;
	json_t *j = NULL, *fs;
	char *url = sl_xasprintf("%s/%s/%s", g->base, g->version, media_id), *host = NULL,
	     *w = NULL, hex[65];
	const char *murl, *sha, *hook_sha;
	unsigned port = 0;
	int loopback = 0, prc;
	enum outcome o;

	o = get(g, url, NULL, g->allow_http_base, META_MAX, &meta, &w);
	if (o != GOT) {
		*why = sl_xasprintf("Graph API: %s", w);
		goto out;
	}
	o = FINAL;
	j = json_loadb(meta.b.data ? meta.b.data : "", meta.b.len, 0, NULL);
	sl_buf_free(&meta.b);
	murl = str_of(j, "url");
	sha = str_of(j, "sha256");
	if (murl == NULL || sha == NULL) {
		*why = sl_xstrdup("Graph API: the answer has no url or sha256");
		goto out;
	}
	fs = json_object_get(j, "file_size");
	if ((json_is_integer(fs) &&
	     (json_integer_value(fs) < 0 || (uint64_t)json_integer_value(fs) > cap)) ||
	    (json_is_string(fs) && g_ascii_strtoull(json_string_value(fs), NULL, 10) > cap)) {
		*why = sl_xasprintf("larger than %zu bytes (file_size)", cap);
		o = TOO_BIG;
		goto out;
	}
	if (sl_wa_media_url_check(g, murl, &host, &port, &loopback, why) != SL_OK)
		goto out;
	prc = pin(host, port, loopback, &resolve, why);
	if (prc != SL_OK) {
		o = prc == SL_ETEMP ? TRANSIENT : FINAL;
		goto out;
	}
	o = get(g, murl, resolve, loopback, cap, &data, &w);
	if (o != GOT) {
		*why = sl_xasprintf("media download: %s", w);
		goto out;
	}
	sl_sha256_hex(data.b.data ? data.b.data : "", data.b.len, hex);
	hook_sha = str_of(media, "sha256");
	if (!sl_wa_sha256_matches(sha, hex) ||
	    (hook_sha != NULL && !sl_wa_sha256_matches(hook_sha, hex))) {
		*why = sl_xasprintf("the downloaded bytes do not match their sha256 (got %s)", hex);
		sl_buf_free(&data.b);
		o = FINAL;
		goto out;
	}
	out->len = data.b.len;
	out->data = (unsigned char *)(data.b.data ? sl_buf_take(&data.b) : sl_xstrdup(""));
	o = GOT;
out:
	free(w);
	free(url);
	free(host);
	curl_slist_free_all(resolve);
	json_decref(j);
	return o;
}

int sl_wa_graph_fetch(void *ctx, const char *media_type, const char *media_id, const json_t *media,
		      size_t cap, struct sl_wa_fetched *out, char **why)
{
	const struct sl_wa_graph *g = ctx;
	int attempt;
	(void)media_type;

	out->data = NULL;
	out->len = 0;
	if (!sl_wa_media_id_ok(media_id)) {
		*why = sl_xstrdup("the media id has characters a Graph API id never has");
		return SL_EINVAL;
	}
	for (attempt = 0;; attempt++) {
		enum outcome o;
		free(*why);
		*why = NULL;
		o = fetch_once(g, media_id, media, cap, out, why);
		if (o == GOT)
			return SL_OK;
		if (o == TOO_BIG)
			return SL_ETOOBIG;
		if (o == FINAL || attempt + 1 >= g->attempts)
			return o == FINAL ? SL_EINVAL : SL_ETEMP;
		sleep(1u << (attempt < 5 ? attempt : 5));
	}
}

/* ---- offline ---------------------------------------------------------------- */

int sl_wa_dir_fetch(void *ctx, const char *media_type, const char *media_id, const json_t *media,
		    size_t cap, struct sl_wa_fetched *out, char **why)
{
	const char *dir = ctx, *sha = str_of(media, "sha256");
	char *path, *data = NULL, hex[65];
	size_t len = 0;
	int rc;
	(void)media_type;

	out->data = NULL;
	out->len = 0;
	if (dir == NULL) {
		*why = sl_xstrdup("no --media-dir to read media from");
		return SL_ENOTFOUND;
	}
	if (!sl_wa_media_id_ok(media_id)) {
		*why = sl_xstrdup("the media id has characters a Graph API id never has");
		return SL_EINVAL;
	}
	path = g_build_filename(dir, media_id, NULL);
	rc = sl_read_file(path, cap, &data, &len, why);
	g_free(path);
	if (rc != SL_OK)
		return rc;
	sl_sha256_hex(data, len, hex);
	if (sha != NULL && !sl_wa_sha256_matches(sha, hex)) {
		*why = sl_xasprintf("the file does not match the message's sha256 (got %s)", hex);
		free(data);
		return SL_EINVAL;
	}
	out->data = (unsigned char *)data;
	out->len = len;
	return SL_OK;
}
