/*
 * test_wa_media - fetching WhatsApp media (lib/channels/wa_media.c): the
 * rules (media ids, media hosts, https or the loopback test case, public
 * addresses, sha256 in hex or base64) and the whole fetch against a small
 * HTTP server in the test on 127.0.0.1 playing the Graph API: the bearer
 * token on both requests, the bytes, 404 for expired media, a redirect
 * refused, a wrong hash, file_size and the download past the cap, a media
 * host not listed, 5xx tried again. Offline: a media directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <glib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "wa_media.h"

/* ---- the rules ---- */

static struct sl_wa_graph *graph(const char *base, const char *hosts, int loopback,
				 const char *extra)
{
	char *ov[6];
	const char *cov[6];
	struct sl_config *c = NULL;
	struct sl_wa_graph *g = NULL;
	char *why = NULL;
	size_t n = 0, i;
	ov[n++] = g_strdup_printf("whatsapp.graph_base=%s", base);
	ov[n++] = g_strdup_printf("whatsapp.media_hosts=%s", hosts);
	ov[n++] =
	    g_strdup_printf("general.allow_insecure_loopback=%s", loopback ? "true" : "false");
	ov[n++] = g_strdup("whatsapp.media_attempts=2");
	if (extra != NULL)
		ov[n++] = g_strdup(extra);
	for (i = 0; i < n; i++)
		cov[i] = ov[i];
	if (sl_config_load(NULL, cov, n, &c, &why) != SL_OK)
		fail_msg("%s", why);
	if (sl_wa_graph_new(c, "TOKEN-1", &g, &why) != SL_OK)
		fail_msg("%s", why);
	for (i = 0; i < n; i++)
		g_free(ov[i]);
	sl_config_unref(c);
	return g;
}

static void test_ids(void **state)
{
	assert_true(sl_wa_media_id_ok("1234567890"));
	assert_true(sl_wa_media_id_ok("abc_DEF-1.2"));
	assert_false(sl_wa_media_id_ok(""));
	assert_false(sl_wa_media_id_ok(".."));
	assert_false(sl_wa_media_id_ok("1/../2"));
	assert_false(sl_wa_media_id_ok("1?x=2"));
	assert_false(sl_wa_media_id_ok(NULL));
}

static void url_ok(struct sl_wa_graph *g, const char *url, const char *host, unsigned port,
		   int loopback)
{
	char *h = NULL, *why = NULL;
	unsigned p = 0;
	int lb = -1;
	if (sl_wa_media_url_check(g, url, &h, &p, &lb, &why) != SL_OK)
		fail_msg("%s refused: %s", url, why);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
	assert_int_equal(lb, loopback);
	free(h);
}

static void url_bad(struct sl_wa_graph *g, const char *url, const char *says)
{
	char *h = NULL, *why = NULL;
	unsigned p = 0;
	int lb = 0;
	if (sl_wa_media_url_check(g, url, &h, &p, &lb, &why) == SL_OK)
		fail_msg("%s accepted", url);
	if (strstr(why, says) == NULL)
		fail_msg("%s: '%s' does not say '%s'", url, why, says);
	assert_null(h);
	free(why);
}

static void test_urls(void **state)
{
	struct sl_wa_graph *g =
	    graph("https://graph.facebook.com", "lookaside.fbsbx.com;*.cdn.test", 0, NULL);
	url_ok(g, "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2",
	       "lookaside.fbsbx.com", 443, 0);
	url_ok(g, "https://LOOKASIDE.fbsbx.com:8443/x", "LOOKASIDE.fbsbx.com", 8443, 0);
	url_ok(g, "https://a.b.cdn.test/x", "a.b.cdn.test", 443, 0);
	url_bad(g, "https://cdn.test/x",
		"not in whatsapp.media_hosts"); /* *.x is subdomains only */
	url_bad(g, "https://lookaside.fbsbx.com.evil.test/x", "not in whatsapp.media_hosts");
	url_bad(g, "https://evil.test/lookaside.fbsbx.com", "not in whatsapp.media_hosts");
	url_bad(g, "http://lookaside.fbsbx.com/x", "not https");
	url_bad(g, "ftp://lookaside.fbsbx.com/x", "not https");
	url_bad(g, "https://user:pw@lookaside.fbsbx.com/x", "user name or password");
	url_bad(g, "not a url", "not a URL");
	sl_wa_graph_free(g);
	/* plain http only to 127/8, only with the test switch */
	g = graph("http://127.0.0.1:9", "127.0.0.1;127.0.0.2;localhost", 1, NULL);
	url_ok(g, "http://127.0.0.1:8080/m", "127.0.0.1", 8080, 1);
	url_bad(g, "http://localhost:8080/m", "not https");
	sl_wa_graph_free(g);
	g = graph("https://graph.test", "127.0.0.1", 0, NULL);
	url_bad(g, "http://127.0.0.1:8080/m", "not https");
	sl_wa_graph_free(g);
}

static void test_config(void **state)
{
	struct sl_config *c = NULL;
	struct sl_wa_graph *g = NULL;
	char *why = NULL;
	const char *bad_base[] = {"whatsapp.graph_base=http://graph.facebook.com"};
	const char *bad_version[] = {"whatsapp.graph_version=21"};
	assert_int_equal(sl_config_load(NULL, bad_base, 1, &c, &why), SL_OK);
	assert_int_equal(sl_wa_graph_new(c, "t", &g, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "whatsapp.graph_base"));
	free(why);
	why = NULL;
	assert_int_equal(sl_wa_graph_new(c, "", &g, &why), SL_ECONFIG);
	free(why);
	why = NULL;
	sl_config_unref(c);
	assert_int_equal(sl_config_load(NULL, bad_version, 1, &c, &why), SL_OK);
	assert_int_equal(sl_wa_graph_new(c, "t", &g, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "whatsapp.graph_version"));
	free(why);
	why = NULL;
	sl_config_unref(c);
	assert_int_equal(sl_config_load(NULL, NULL, 0, &c, &why), SL_OK);
	assert_int_equal(sl_wa_graph_new(c, NULL, &g, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "access token"));
	free(why);
	sl_config_unref(c);
}

static int pub4(const char *a)
{
	struct sockaddr_in s = {0};
	s.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return sl_wa_addr_public((struct sockaddr *)&s);
}

static int pub6(const char *a)
{
	struct sockaddr_in6 s = {0};
	s.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return sl_wa_addr_public((struct sockaddr *)&s);
}

static void test_addresses(void **state)
{
	static const char *const private4[] = {
	    "0.0.0.0",        "10.1.2.3",    "127.0.0.1",  "169.254.169.254", "172.16.0.1",
	    "172.31.255.255", "192.168.1.1", "100.64.0.1", "224.0.0.1",       "255.255.255.255",
	    "198.18.0.1",     "192.0.0.8",   NULL};
	static const char *const public4[] = {"157.240.1.1", "8.8.8.8",   "172.32.0.1",
					      "100.128.0.1", "192.0.1.1", NULL};
	static const char *const private6[] = {"::1",
					       "::",
					       "fe80::1",
					       "fc00::1",
					       "fd12::1",
					       "ff02::1",
					       "::ffff:127.0.0.1",
					       "::ffff:10.0.0.1",
					       "64:ff9b::a00:1",
					       "2001:db8::1",
					       "2002:a00:1::1",
					       "2001::1",
					       NULL};
	static const char *const public6[] = {"2a03:2880:f003::1", "2606:4700::1",
					      "::ffff:157.240.1.1", NULL};
	size_t i;
	for (i = 0; private4[i] != NULL; i++)
		if (pub4(private4[i]))
			fail_msg("%s taken for public", private4[i]);
	for (i = 0; public4[i] != NULL; i++)
		if (!pub4(public4[i]))
			fail_msg("%s taken for private", public4[i]);
	for (i = 0; private6[i] != NULL; i++)
		if (pub6(private6[i]))
			fail_msg("%s taken for public", private6[i]);
	for (i = 0; public6[i] != NULL; i++)
		if (!pub6(public6[i]))
			fail_msg("%s taken for private", public6[i]);
}

static void test_hashes(void **state)
{
	char hex[65];
	sl_sha256_hex("abc", 3, hex);
	assert_true(sl_wa_sha256_matches(hex, hex));
	assert_true(sl_wa_sha256_matches(
	    "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", hex));
	assert_true(sl_wa_sha256_matches("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", hex));
	assert_true(sl_wa_sha256_matches("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0", hex));
	assert_false(sl_wa_sha256_matches("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFb0=", hex));
	assert_false(sl_wa_sha256_matches("00", hex));
	assert_false(sl_wa_sha256_matches(NULL, hex));
	assert_false(sl_wa_sha256_matches(
	    "zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex));
}

/* ---- a Graph API on loopback ---- */

struct server {
	int fd;
	unsigned port;
	pthread_t th;
	int auth_ok, requests, stop;
	int fail_first; /* answer 503 to the first metadata request */
	GMutex lock;
};

static struct server srv;

static const char media_bytes[] = "%PDF-1.4 not really a pdf\n";

static void answer(int c, const char *status, const char *ctype, const char *body, size_t len,
		   const char *extra)
{
	char *h = g_strdup_printf(
	    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
	    status, ctype, len, extra ? extra : "");
	if (write(c, h, strlen(h)) < 0 || (len && write(c, body, len) < 0))
		fprintf(stderr, "write failed\n");
	g_free(h);
}

static void *serve(void *arg)
{
	char sha[65];
	sl_sha256_hex(media_bytes, strlen(media_bytes), sha);
	for (;;) {
		char req[4096] = "", path[512] = "", *meta;
		ssize_t n;
		int c = accept(srv.fd, NULL, NULL);
		if (c < 0 || srv.stop) {
			if (c >= 0)
				close(c);
			return NULL;
		}
		n = read(c, req, sizeof(req) - 1);
		if (n <= 0 || sscanf(req, "GET %511s", path) != 1) {
			close(c);
			continue;
		}
		g_mutex_lock(&srv.lock);
		srv.requests++;
		if (strstr(req, "Authorization: Bearer TOKEN-1\r\n") != NULL)
			srv.auth_ok++;
		g_mutex_unlock(&srv.lock);
		if (strcmp(path, "/v21.0/good") == 0 || strcmp(path, "/v21.0/badhash") == 0 ||
		    strcmp(path, "/v21.0/redirect") == 0 || strcmp(path, "/v21.0/big") == 0 ||
		    strcmp(path, "/v21.0/bigbody") == 0 || strcmp(path, "/v21.0/elsewhere") == 0 ||
		    strcmp(path, "/v21.0/flaky") == 0) {
			const char *id = path + 7;
			if (strcmp(id, "flaky") == 0 && srv.fail_first-- > 0) {
				answer(c, "503 Service Unavailable", "application/json", "{}", 2,
				       NULL);
				close(c);
				continue;
			}
			meta = g_strdup_printf(
			    "{\"messaging_product\":\"whatsapp\",\"url\":\"http://%s:%u/media/"
			    "%s\",\"mime_type\":\"application/pdf\","
			    "\"sha256\":\"%s\",\"file_size\":%s,\"id\":\"%s\"}",
			    strcmp(id, "elsewhere") == 0 ? "127.0.0.2" : "127.0.0.1", srv.port, id,
			    strcmp(id, "badhash") == 0
				? "0000000000000000000000000000000000000000000000000000000000000000"
				: sha,
			    strcmp(id, "big") == 0 ? "\"99999999\"" : "27", id);
			answer(c, "200 OK", "application/json", meta, strlen(meta), NULL);
			g_free(meta);
		} else if (strcmp(path, "/media/redirect") == 0) {
			answer(c, "302 Found", "text/plain", "", 0,
			       "Location: http://127.0.0.1:1/x\r\n");
		} else if (strcmp(path, "/media/bigbody") == 0) {
			char *big = g_malloc0(5000);
			memset(big, 'A', 4999);
			answer(c, "200 OK", "application/pdf", big, 4999, NULL);
			g_free(big);
		} else if (strncmp(path, "/media/", 7) == 0) {
			answer(c, "200 OK", "application/pdf", media_bytes, strlen(media_bytes),
			       NULL);
		} else {
			static const char e[] =
			    "{\"error\":{\"message\":\"Unsupported get request.\",\"code\":100}}";
			answer(c, "404 Not Found", "application/json", e, strlen(e), NULL);
		}
		close(c);
	}
}

static int server_start(void **state)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	memset(&srv, 0, sizeof(srv));
	g_mutex_init(&srv.lock);
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(srv.fd, 16) != 0)
		return 1;
	getsockname(srv.fd, (struct sockaddr *)&a, &len);
	srv.port = ntohs(a.sin_port);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return pthread_create(&srv.th, NULL, serve, NULL);
}

static int server_stop(void **state)
{
	srv.stop = 1;
	shutdown(srv.fd, SHUT_RDWR);
	close(srv.fd);
	pthread_join(srv.th, NULL);
	curl_global_cleanup();
	return 0;
}

static int fetch(struct sl_wa_graph *g, const char *id, size_t cap, struct sl_wa_fetched *out,
		 char **why)
{
	json_t *media = json_object();
	int rc;
	*why = NULL;
	rc = sl_wa_graph_fetch(g, "document", id, media, cap, out, why);
	json_decref(media);
	return rc;
}

static void test_fetch(void **state)
{
	char *base = g_strdup_printf("http://127.0.0.1:%u", srv.port), *why;
	struct sl_wa_graph *g = graph(base, "127.0.0.1", 1, NULL);
	struct sl_wa_fetched f = {0};

	assert_int_equal(fetch(g, "good", 1000, &f, &why), SL_OK);
	assert_int_equal(f.len, strlen(media_bytes));
	assert_memory_equal(f.data, media_bytes, f.len);
	assert_int_equal(srv.requests, 2);
	assert_int_equal(srv.auth_ok, 2); /* the bearer token on both requests */
	free(f.data);
	f.data = NULL;

	assert_int_equal(fetch(g, "expired", 1000, &f, &why), SL_EINVAL);
	assert_non_null(strstr(why, "404"));
	free(why);
	assert_int_equal(fetch(g, "redirect", 1000, &f, &why), SL_EINVAL);
	assert_non_null(strstr(why, "redirect"));
	free(why);
	assert_int_equal(fetch(g, "badhash", 1000, &f, &why), SL_EINVAL);
	assert_non_null(strstr(why, "sha256"));
	free(why);
	assert_int_equal(fetch(g, "elsewhere", 1000, &f, &why), SL_EINVAL);
	assert_non_null(strstr(why, "whatsapp.media_hosts"));
	free(why);
	srv.requests = 0;
	assert_int_equal(fetch(g, "big", 1000, &f, &why), SL_ETOOBIG);
	assert_int_equal(srv.requests, 1); /* file_size said it: nothing downloaded */
	free(why);
	assert_int_equal(fetch(g, "bigbody", 1000, &f, &why), SL_ETOOBIG);
	free(why);
	assert_int_equal(fetch(g, "../etc", 1000, &f, &why), SL_EINVAL);
	free(why);
	/* a 5xx is tried again (whatsapp.media_attempts = 2) */
	srv.fail_first = 1;
	assert_int_equal(fetch(g, "flaky", 1000, &f, &why), SL_OK);
	free(f.data);
	f.data = NULL;
	srv.fail_first = 5;
	assert_int_equal(fetch(g, "flaky", 1000, &f, &why), SL_ETEMP);
	assert_non_null(strstr(why, "503"));
	free(why);
	sl_wa_graph_free(g);
	g_free(base);
}

static void test_dir(void **state)
{
	char *dir = g_dir_make_tmp("sluice-wa-XXXXXX", NULL),
	     *path = g_build_filename(dir, "77", NULL), *why = NULL;
	char sha[65];
	json_t *media;
	struct sl_wa_fetched f = {0};

	assert_true(g_file_set_contents(path, "hello", 5, NULL));
	sl_sha256_hex("hello", 5, sha);
	media = json_pack("{s:s}", "sha256", sha);
	assert_int_equal(sl_wa_dir_fetch(dir, "image", "77", media, 100, &f, &why), SL_OK);
	assert_memory_equal(f.data, "hello", 5);
	free(f.data);
	assert_int_equal(sl_wa_dir_fetch(dir, "image", "77", media, 3, &f, &why), SL_ETOOBIG);
	free(why);
	why = NULL;
	assert_int_equal(sl_wa_dir_fetch(dir, "image", "78", media, 100, &f, &why), SL_EIO);
	free(why);
	why = NULL;
	assert_int_equal(sl_wa_dir_fetch(dir, "image", "../77", media, 100, &f, &why), SL_EINVAL);
	free(why);
	why = NULL;
	assert_int_equal(sl_wa_dir_fetch(NULL, "image", "77", media, 100, &f, &why), SL_ENOTFOUND);
	free(why);
	why = NULL;
	json_decref(media);
	media = json_pack("{s:s}", "sha256",
			  "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(sl_wa_dir_fetch(dir, "image", "77", media, 100, &f, &why), SL_EINVAL);
	free(why);
	json_decref(media);
	unlink(path);
	rmdir(dir);
	g_free(path);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_config), cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_hashes), cmocka_unit_test(test_fetch),
	    cmocka_unit_test(test_dir),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
