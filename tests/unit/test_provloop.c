/*
 * test_provloop - unit tests for lib/links/provloop.c against tiny servers on
 * loopback made by the test: an HTTP server that answers once, a listener
 * that never accepts (the connection opens, nothing answers), a closed
 * port, a DNS responder that says NXDOMAIN and one that stays silent. The
 * deadline must end every wait, and each request gets one callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ares.h>
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "provloop.h"
#include "util.h"

/* ---- servers ---- */

static int listen_tcp(int *port, int backlog)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int bind_udp(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

struct http_server {
	int fd;
	const char *reply;
	size_t reply_len;
	char request[4096]; /* what came */
};

/* Accepts one connection, reads the request (headers and a Content-Length
 * body), sends the reply, closes. */
static void *http_once(void *arg)
{
	struct http_server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	size_t n = 0;
	char *end;

	if (c < 0)
		return NULL;
	for (;;) {
		ssize_t r = read(c, s->request + n, sizeof(s->request) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		s->request[n] = '\0';
		end = strstr(s->request, "\r\n\r\n");
		if (end != NULL) {
			const char *cl = strcasestr(s->request, "Content-Length:");
			size_t want = cl != NULL ? strtoul(cl + 15, NULL, 10) : 0;
			if (n - (size_t)(end + 4 - s->request) >= want)
				break;
		}
	}
	(void)!write(c, s->reply, s->reply_len);
	close(c);
	return NULL;
}

/* Answers one DNS query with NXDOMAIN. */
static void *dns_nxdomain(void *arg)
{
	int fd = *(int *)arg;
	unsigned char buf[512];
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl);
	if (n < 12)
		return NULL;
	buf[2] = 0x81; /* QR, RD */
	buf[3] = 0x83; /* RA, NXDOMAIN */
	memset(buf + 6, 0, 6);
	sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, pl);
	return NULL;
}

/* ---- callbacks ---- */

struct got {
	int calls;
	long status;
	char body[8192];
	char error[256];
	int dns_status;
	int64_t at;
};

static void on_http(void *ctx, const struct sl_prov_http_reply *r)
{
	struct got *g = ctx;
	g->calls++;
	g->status = r->status;
	g->at = g_get_monotonic_time();
	g_strlcpy(g->body, r->body != NULL ? r->body : "", sizeof(g->body));
	g_strlcpy(g->error, r->error != NULL ? r->error : "", sizeof(g->error));
}

static void on_dns(void *ctx, int status, const unsigned char *abuf, int alen, const char *error)
{
	struct got *g = ctx;
	g->calls++;
	g->dns_status = status;
	g->at = g_get_monotonic_time();
	g_strlcpy(g->error, error != NULL ? error : "", sizeof(g->error));
}

static struct sl_prov_loop *loop_with(const char *dns, size_t max_response)
{
	struct sl_prov_loop_opts o = {4, max_response, dns, 100};
	char *why = NULL;
	struct sl_prov_loop *l = sl_prov_loop_new(&o, &why);
	if (l == NULL)
		fail_msg("%s", why);
	return l;
}

/* ---- tests ---- */

static void test_http_reply(void **state)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Content-Length: 12\r\nConnection: close\r\n\r\n{\"ok\": true}";
	struct http_server s = {.reply = reply, .reply_len = sizeof(reply) - 1};
	const char *const headers[] = {"Auth-Key: secret", NULL};
	struct sl_prov_loop *l = loop_with(NULL, 1024 * 1024);
	struct got g = {0};
	pthread_t t;
	int port;
	char *url;

	s.fd = listen_tcp(&port, 4);
	pthread_create(&t, NULL, http_once, &s);
	url = sl_xasprintf("http://127.0.0.1:%d/v1/url/", port);
	sl_prov_loop_begin(l, g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
	sl_prov_loop_http(l, url, 1, headers, "url=x", 5, on_http, &g);
	sl_prov_loop_run(l);
	pthread_join(t, NULL);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.error, "");
	assert_int_equal(g.status, 200);
	assert_string_equal(g.body, "{\"ok\": true}");
	assert_non_null(strstr(s.request, "POST /v1/url/ HTTP/1.1\r\n"));
	assert_non_null(strstr(s.request, "\r\nAuth-Key: secret\r\n"));
	assert_non_null(strstr(s.request, "\r\nUser-Agent: sluice/"));
	assert_non_null(strstr(s.request, "\r\n\r\nurl=x"));
	assert_null(strstr(s.request, "Expect:"));
	free(url);
	close(s.fd);
	sl_prov_loop_free(l);
}

static void test_http_too_big(void **state)
{
	char reply[3000];
	struct http_server s;
	struct sl_prov_loop *l = loop_with(NULL, 1024);
	struct got g = {0};
	pthread_t t;
	int port, n;
	char *url;

	n = snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n");
	memset(reply + n, 'x', 2000);
	s = (struct http_server){.reply = reply, .reply_len = (size_t)n + 2000};
	s.fd = listen_tcp(&port, 4);
	pthread_create(&t, NULL, http_once, &s);
	url = sl_xasprintf("http://127.0.0.1:%d/", port);
	sl_prov_loop_begin(l, g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
	sl_prov_loop_http(l, url, 1, NULL, NULL, 0, on_http, &g);
	sl_prov_loop_run(l);
	pthread_join(t, NULL);
	assert_int_equal(g.calls, 1);
	assert_non_null(strstr(g.error, "reputation.max_response_size"));
	free(url);
	close(s.fd);
	sl_prov_loop_free(l);
}

static void test_https_only_and_refused(void **state)
{
	struct sl_prov_loop *l = loop_with(NULL, 1024);
	struct got plain = {0}, refused = {0};
	int64_t t0 = g_get_monotonic_time();
	int port, fd = listen_tcp(&port, 1);
	char *url = sl_xasprintf("http://127.0.0.1:%d/", port);

	close(fd); /* nothing listens there now */
	sl_prov_loop_begin(l, t0 + 5 * G_USEC_PER_SEC);
	/* plain http is refused unless the caller allowed it */
	sl_prov_loop_http(l, "http://127.0.0.1:1/", 0, NULL, NULL, 0, on_http, &plain);
	sl_prov_loop_http(l, url, 1, NULL, NULL, 0, on_http, &refused);
	sl_prov_loop_run(l);
	assert_int_equal(plain.calls, 1);
	assert_string_not_equal(plain.error, "");
	assert_int_equal(refused.calls, 1);
	assert_string_not_equal(refused.error, "");
	assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC); /* no waiting for errors */
	free(url);
	sl_prov_loop_free(l);
}

static void test_deadline(void **state)
{
	int dport, hport, hfd = listen_tcp(&hport, 64), dfd = bind_udp(&dport);
	char *dns = sl_xasprintf("127.0.0.1:%d", dport);
	char *url = sl_xasprintf("http://127.0.0.1:%d/", hport);
	struct sl_prov_loop *l = loop_with(dns, 1024);
	struct got g[20] = {{0}}, d = {0};
	int64_t t0 = g_get_monotonic_time(), budget = 400000, elapsed;

	/* twenty requests to a server that never answers, one silent DNS query */
	sl_prov_loop_begin(l, t0 + budget);
	for (int i = 0; i < 20; i++)
		sl_prov_loop_http(l, url, 1, NULL, NULL, 0, on_http, &g[i]);
	sl_prov_loop_dns_a(l, "silent.example.test", on_dns, &d);
	sl_prov_loop_run(l);
	elapsed = g_get_monotonic_time() - t0;
	assert_true(elapsed >= budget);
	assert_true(elapsed < budget + 1500000);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(g[i].calls, 1);
		assert_string_equal(g[i].error, "no answer within the time budget");
		assert_true(g[i].at >= t0 + budget);
	}
	assert_int_equal(d.calls, 1);
	assert_string_equal(d.error, "no answer within the time budget");

	/* the loop is reusable after a deadline */
	memset(g, 0, sizeof(g));
	t0 = g_get_monotonic_time();
	sl_prov_loop_begin(l, t0 + 100000);
	sl_prov_loop_http(l, url, 1, NULL, NULL, 0, on_http, &g[0]);
	sl_prov_loop_run(l);
	assert_int_equal(g[0].calls, 1);
	/* a request started past the deadline fails at once */
	sl_prov_loop_http(l, url, 1, NULL, NULL, 0, on_http, &g[1]);
	assert_int_equal(g[1].calls, 1);
	free(url);
	free(dns);
	close(hfd);
	close(dfd);
	sl_prov_loop_free(l);
}

static void test_dns_nxdomain(void **state)
{
	int port, fd = bind_udp(&port);
	char *dns = sl_xasprintf("127.0.0.1:%d", port);
	struct sl_prov_loop *l = loop_with(dns, 1024);
	struct got g = {0};
	pthread_t t;

	pthread_create(&t, NULL, dns_nxdomain, &fd);
	sl_prov_loop_begin(l, g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
	sl_prov_loop_dns_a(l, "nothing.example.test", on_dns, &g);
	sl_prov_loop_run(l);
	pthread_join(t, NULL);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.dns_status, ARES_ENOTFOUND);
	assert_string_equal(g.error, ""); /* NXDOMAIN is an answer, not an error */
	free(dns);
	close(fd);
	sl_prov_loop_free(l);
}

static void test_bad_dns_servers(void **state)
{
	struct sl_prov_loop_opts o = {4, 1024, "not an address", 100};
	char *why = NULL;
	assert_null(sl_prov_loop_new(&o, &why));
	assert_non_null(strstr(why, "reputation.dns_servers"));
	free(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_reply),
	    cmocka_unit_test(test_http_too_big),
	    cmocka_unit_test(test_https_only_and_refused),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_dns_nxdomain),
	    cmocka_unit_test(test_bad_dns_servers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
