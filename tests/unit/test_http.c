/*
 * test_http - daemon/http.c, sluiced's HTTP layer over libmicrohttpd, driven
 * by libcurl over a unix socket and over TCP on an ephemeral port.
 *
 * Listening sockets: the mode asked for, a stale socket file replaced, a live
 * one and a non-socket refused. Routes: exact and prefix paths, 404 and 405,
 * query arguments and headers, the body whole, a body over the cap 413, a
 * body that is not JSON 400, the caller's credentials on a unix socket (and
 * none, but an address, over TCP). Stopping lets a request in flight finish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <glib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "util.h"

/* ---- handlers ------------------------------------------------------------ */

static void h_exact(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	const char *a = sl_http_arg(rq, "q"), *h = sl_http_header(rq, "X-Test");
	(void)ctx;
	sl_http_reply_json(rs, 200, json_pack("{s:s,s:s,s:s}", "q", a ? a : "", "h", h ? h : "", "path",
					      sl_http_path(rq)));
}

static void h_prefix(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	(void)ctx;
	sl_http_reply_json(rs, 200, json_pack("{s:s}", "sub", sl_http_subpath(rq)));
}

static void h_echo(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	size_t n;
	const unsigned char *b = sl_http_body(rq, &n);
	void *copy = sl_xmalloc(n ? n : 1);
	(void)ctx;
	memcpy(copy, b, n);
	sl_http_reply(rs, 201, "application/octet-stream", copy, n);
	sl_http_add_header(rs, "X-Echo", "yes");
}

static void h_json(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	json_t *j = sl_http_body_json(rq, rs);
	(void)ctx;
	if (j == NULL)
		return;
	sl_http_reply_json(rs, 200, json_pack("{s:o}", "got", json_incref(json_object_get(j, "x"))));
	json_decref(j);
}

static void h_peer(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	const struct sl_peer *p = sl_http_peer(rq);
	(void)ctx;
	sl_http_reply_json(rs, 200, json_pack("{s:b,s:i,s:i,s:s}", "cred", p->has_cred, "uid", (int)p->uid, "pid",
					      (int)p->pid, "addr", p->addr));
}

static void h_slow(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	(void)ctx;
	(void)rq;
	usleep(800000);
	sl_http_reply_json(rs, 200, json_pack("{s:b}", "finished", 1));
}

static const struct sl_http_route routes[] = {
	{ "GET", "/exact", h_exact, NULL, 0 },
	{ "GET", "/items/", h_prefix, NULL, 0 },
	{ "POST", "/echo", h_echo, NULL, 0 },
	{ "POST", "/bigecho", h_echo, NULL, 4096 }, /* takes more than the server's 1024 */
	{ "POST", "/json", h_json, NULL, 0 },
	{ NULL, "/peer", h_peer, NULL, 0 },
	{ "GET", "/slow", h_slow, NULL, 0 },
};

/* ---- a client -------------------------------------------------------------- */

struct reply {
	long status;
	GString *body;
	GString *headers;
};

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	g_string_append_len(ctx, p, (gssize)(size * n));
	return size * n;
}

static struct reply req(const char *unix_path, const char *url, const char *method, const char *body, size_t blen,
			const char *header)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct reply r = { 0, g_string_new(NULL), g_string_new(NULL) };
	if (unix_path != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r.headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (header != NULL) {
		h = curl_slist_append(h, header);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}

static void reply_free(struct reply *r)
{
	g_string_free(r->body, TRUE);
	g_string_free(r->headers, TRUE);
}

struct env {
	gchar *dir, *path;
	struct sl_http *h;
};

static int setup(void **state)
{
	struct env *e = sl_xcalloc(1, sizeof(*e));
	struct sl_http_opts o = { 1024, 10, 16, 0, 5, "test", NULL, NULL };
	char *why = NULL;
	int fd;
	e->dir = g_dir_make_tmp("sluice-http-XXXXXX", NULL);
	e->path = g_build_filename(e->dir, "s.sock", NULL);
	if (sl_http_listen_unix(e->path, 0640, (uid_t)-1, (gid_t)-1, &fd, &why) != SL_OK)
		fail_msg("listen: %s", why);
	if (sl_http_start(fd, routes, sizeof(routes) / sizeof(routes[0]), &o, &e->h, &why) != SL_OK)
		fail_msg("start: %s", why);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	sl_http_stop(e->h);
	unlink(e->path);
	rmdir(e->dir);
	g_free(e->path);
	g_free(e->dir);
	free(e);
	return 0;
}

static void test_socket_file(void **state)
{
	struct env *e = *state;
	struct stat sb;
	char *why = NULL, *other;
	int fd;
	FILE *f;

	assert_int_equal(stat(e->path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0640);
	/* a live server answers on it: refused */
	assert_int_not_equal(sl_http_listen_unix(e->path, 0600, (uid_t)-1, (gid_t)-1, &fd, &why), SL_OK);
	assert_non_null(strstr(why, "already running"));
	free(why);
	why = NULL;
	/* a stale socket (its server gone) is replaced */
	other = g_build_filename(e->dir, "stale.sock", NULL);
	assert_int_equal(sl_http_listen_unix(other, 0600, (uid_t)-1, (gid_t)-1, &fd, &why), SL_OK);
	close(fd);
	assert_int_equal(sl_http_listen_unix(other, 0660, (uid_t)-1, (gid_t)-1, &fd, &why), SL_OK);
	assert_int_equal(stat(other, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	close(fd);
	unlink(other);
	/* a file that is not a socket is left alone */
	f = fopen(other, "w");
	fclose(f);
	assert_int_not_equal(sl_http_listen_unix(other, 0600, (uid_t)-1, (gid_t)-1, &fd, &why), SL_OK);
	assert_non_null(strstr(why, "not a socket"));
	free(why);
	why = NULL;
	unlink(other);
	g_free(other);
	/* a path longer than a sockaddr_un holds */
	other = g_strnfill(200, 'x');
	assert_int_not_equal(sl_http_listen_unix(other, 0600, (uid_t)-1, (gid_t)-1, &fd, &why), SL_OK);
	free(why);
	g_free(other);
}

static void test_routes(void **state)
{
	struct env *e = *state;
	struct reply r;
	char big[2000];

	r = req(e->path, "http://x/exact?q=a%20b", "GET", NULL, 0, "X-Test: hello");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body->str, "\"q\":\"a b\""));
	assert_non_null(strstr(r.body->str, "\"h\":\"hello\""));
	assert_non_null(strstr(r.headers->str, "application/json"));
	assert_non_null(strstr(r.headers->str, "Cache-Control: no-store"));
	assert_non_null(strstr(r.headers->str, "X-Content-Type-Options: nosniff"));
	reply_free(&r);

	r = req(e->path, "http://x/items/SL-1/raw", "GET", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body->str, "\"sub\":\"SL-1/raw\""));
	reply_free(&r);
	r = req(e->path, "http://x/items/", "GET", NULL, 0, NULL); /* a prefix needs something after it */
	assert_int_equal(r.status, 404);
	reply_free(&r);
	r = req(e->path, "http://x/nothing", "GET", NULL, 0, NULL);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body->str, "\"error\""));
	reply_free(&r);
	r = req(e->path, "http://x/exact", "POST", "x", 1, NULL);
	assert_int_equal(r.status, 405);
	reply_free(&r);
	r = req(e->path, "http://x/exact/more", "GET", NULL, 0, NULL); /* exact means exact */
	assert_int_equal(r.status, 404);
	reply_free(&r);

	/* bodies: whole, binary; over the cap 413 */
	r = req(e->path, "http://x/echo", "POST", "a\0b\xff", 4, NULL);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body->len, 4);
	assert_memory_equal(r.body->str, "a\0b\xff", 4);
	assert_non_null(strstr(r.headers->str, "X-Echo: yes"));
	reply_free(&r);
	memset(big, 'z', sizeof(big));
	r = req(e->path, "http://x/echo", "POST", big, sizeof(big), NULL);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	/* a route may take larger bodies than the server (the webhook) */
	r = req(e->path, "http://x/bigecho", "POST", big, sizeof(big), NULL);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body->len, sizeof(big));
	reply_free(&r);
	r = req(e->path, "http://x/bigecho", "POST", big, 1, "Content-Length: 5000");
	assert_int_equal(r.status, 413);
	reply_free(&r);
	/* chunked (no length said): dropped when it grows past the cap */
	r = req(e->path, "http://x/echo", "POST", big, sizeof(big), "Transfer-Encoding: chunked");
	assert_int_not_equal(r.status, 201);
	assert_int_equal(r.body->len, 0);
	reply_free(&r);
	r = req(e->path, "http://x/echo", "POST", big, 100, "Transfer-Encoding: chunked");
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body->len, 100);
	reply_free(&r);
	r = req(e->path, "http://x/json", "POST", "{\"x\": 5}", 8, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body->str, "\"got\":5"));
	reply_free(&r);
	r = req(e->path, "http://x/json", "POST", "not json", 8, NULL);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	r = req(e->path, "http://x/json", "POST", "[1]", 3, NULL);
	assert_int_equal(r.status, 400);
	reply_free(&r);
}

static void test_peer(void **state)
{
	struct env *e = *state;
	struct reply r = req(e->path, "http://x/peer", "GET", NULL, 0, NULL);
	char *want;
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body->str, "\"cred\":true"));
	want = sl_xasprintf("\"uid\":%d", (int)getuid());
	assert_non_null(strstr(r.body->str, want));
	free(want);
	want = sl_xasprintf("\"pid\":%d", (int)getpid()); /* curl runs in this process */
	assert_non_null(strstr(r.body->str, want));
	free(want);
	reply_free(&r);
}

static void test_tcp(void **state)
{
	struct sl_http *h = NULL;
	struct sl_http_opts o = { 1024, 10, 16, 2, 5, "tcp", NULL, NULL };
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct reply r;
	char *why = NULL, *url;
	int fd;
	(void)state;

	assert_int_equal(sl_http_listen_tcp("127.0.0.1:0", &fd, &why), SL_OK);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(sl_http_start(fd, routes, sizeof(routes) / sizeof(routes[0]), &o, &h, &why), SL_OK);
	url = sl_xasprintf("http://127.0.0.1:%d/peer", ntohs(a.sin_port));
	r = req(NULL, url, "GET", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body->str, "\"cred\":false"));
	assert_non_null(strstr(r.body->str, "\"addr\":\"127.0.0.1\""));
	reply_free(&r);
	free(url);
	sl_http_stop(h);
	assert_int_not_equal(sl_http_listen_tcp("no-port-here", &fd, &why), SL_OK);
	free(why);
	why = NULL;
	assert_int_not_equal(sl_http_listen_tcp("[::1", &fd, &why), SL_OK);
	free(why);
}

struct slow_call {
	const char *path;
	struct reply r;
};

static void *slow_main(void *arg)
{
	struct slow_call *c = arg;
	c->r = req(c->path, "http://x/slow", "GET", NULL, 0, NULL);
	return NULL;
}

static void test_stop_finishes_in_flight(void **state)
{
	struct env *e = *state;
	struct slow_call c = { e->path, { 0 } };
	pthread_t th;
	pthread_create(&th, NULL, slow_main, &c);
	usleep(300000); /* the request is in the handler now */
	e->h = sl_http_stop(e->h);
	pthread_join(th, NULL);
	assert_int_equal(c.r.status, 200);
	assert_non_null(strstr(c.r.body->str, "finished"));
	reply_free(&c.r);
	/* nobody answers any more */
	c.r = req(e->path, "http://x/exact", "GET", NULL, 0, NULL);
	assert_int_equal(c.r.status, 0);
	reply_free(&c.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer, setup, teardown),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test_setup_teardown(test_stop_finishes_in_flight, setup, teardown),
	};
	int rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sl_log_open("test_http", 0, SL_LOG_WARNING);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
