/*
 * test_wa_deliver - the POSTs to the platform (lib/channels/wa_deliver.c)
 * against a small HTTP server in the test on 127.0.0.1: the body as sent,
 * application/json, X-Sluice-Signature-256 that checks with the secret,
 * X-Sluice-Delivery-Id and X-Sluice-Attempt; 2xx delivered, 503 and a
 * redirect not (with the status in the error), nobody listening not; many
 * POSTs in one batch; the configuration refused without a secret or with
 * plain http to a host that is not loopback.
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
#include "wa_deliver.h"
#include "whatsapp.h"

static struct {
	int fd;
	unsigned port;
	pthread_t th;
	int stop;
	GMutex lock;
	int requests, good_sig;
	char last_id[64], last_attempt[16], last_type[64];
	char last_body[256];
} srv;

static const char *header(const char *req, const char *name, char *out, size_t n)
{
	const char *p = strcasestr(req, name);
	size_t k;
	out[0] = '\0';
	if (p == NULL)
		return out;
	p += strlen(name);
	while (*p == ' ')
		p++;
	for (k = 0; k + 1 < n && p[k] && p[k] != '\r'; k++)
		out[k] = p[k];
	out[k] = '\0';
	return out;
}

static void *serve(void *arg)
{
	for (;;) {
		char req[8192], sig[128], len[32], path[128] = "";
		const char *body;
		ssize_t n, got = 0;
		const char *answer;
		int c = accept(srv.fd, NULL, NULL);
		if (c < 0 || srv.stop) {
			if (c >= 0)
				close(c);
			return NULL;
		}
		/* headers and the (small) body */
		while (got < (ssize_t)sizeof(req) - 1 &&
		       (n = read(c, req + got, sizeof(req) - 1 - (size_t)got)) > 0) {
			got += n;
			req[got] = '\0';
			body = strstr(req, "\r\n\r\n");
			if (body != NULL &&
			    (size_t)(got - (body + 4 - req)) >=
				(size_t)atoi(header(req, "Content-Length:", len, sizeof(len))))
				break;
		}
		req[got] = '\0';
		body = strstr(req, "\r\n\r\n");
		body = body ? body + 4 : "";
		sscanf(req, "POST %127s", path);
		g_mutex_lock(&srv.lock);
		srv.requests++;
		srv.good_sig +=
		    sl_wa_signature_ok("s3cret", body, strlen(body),
				       header(req, "X-Sluice-Signature-256:", sig, sizeof(sig)));
		header(req, "X-Sluice-Delivery-Id:", srv.last_id, sizeof(srv.last_id));
		header(req, "X-Sluice-Attempt:", srv.last_attempt, sizeof(srv.last_attempt));
		header(req, "Content-Type:", srv.last_type, sizeof(srv.last_type));
		g_strlcpy(srv.last_body, body, sizeof(srv.last_body));
		g_mutex_unlock(&srv.lock);
		if (strcmp(path, "/down") == 0)
			answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: "
				 "11\r\nConnection: close\r\n\r\nmaintenance";
		else if (strcmp(path, "/moved") == 0)
			answer =
			    "HTTP/1.1 301 Moved\r\nLocation: "
			    "http://127.0.0.1:1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		else
			answer =
			    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
		if (write(c, answer, strlen(answer)) < 0)
			fprintf(stderr, "write failed\n");
		close(c);
	}
}

static int setup(void **state)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	g_mutex_init(&srv.lock);
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(srv.fd, 64) != 0)
		return 1;
	getsockname(srv.fd, (struct sockaddr *)&a, &len);
	srv.port = ntohs(a.sin_port);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return pthread_create(&srv.th, NULL, serve, NULL);
}

static int teardown(void **state)
{
	srv.stop = 1;
	shutdown(srv.fd, SHUT_RDWR);
	close(srv.fd);
	pthread_join(srv.th, NULL);
	curl_global_cleanup();
	return 0;
}

static struct sl_wa_deliver *deliver(const char *url, const char *secret, int loopback, int *rc,
				     char **why)
{
	char *ov[3];
	struct sl_config *c = NULL;
	struct sl_wa_deliver *d = NULL;
	ov[0] = g_strdup_printf("whatsapp.downstream_url=%s", url);
	ov[1] = g_strdup_printf("general.allow_insecure_loopback=%s", loopback ? "true" : "false");
	ov[2] = g_strdup("whatsapp.downstream_connections=3");
	assert_int_equal(sl_config_load(NULL, (const char *const *)ov, 3, &c, why), SL_OK);
	*rc = sl_wa_deliver_new(c, secret, &d, why);
	sl_config_unref(c);
	g_free(ov[0]);
	g_free(ov[1]);
	g_free(ov[2]);
	return d;
}

static void test_post(void **state)
{
	char *url = g_strdup_printf("http://127.0.0.1:%u/hook", srv.port), *why = NULL;
	int rc;
	struct sl_wa_deliver *d = deliver(url, "s3cret", 1, &rc, &why);
	struct sl_wa_post p = {"0123456789abcdef0123456789abcdef", "{\"a\":1}", 7, 2, 0, 0, ""};
	assert_int_equal(rc, SL_OK);
	sl_wa_deliver_posts(d, &p, 1);
	assert_true(p.ok);
	assert_int_equal(p.status, 200);
	assert_int_equal(srv.requests, 1);
	assert_int_equal(srv.good_sig, 1);
	assert_string_equal(srv.last_id, "0123456789abcdef0123456789abcdef");
	assert_string_equal(srv.last_attempt, "2");
	assert_string_equal(srv.last_type, "application/json");
	assert_string_equal(srv.last_body, "{\"a\":1}");
	sl_wa_deliver_free(d);
	g_free(url);
}

static void test_failures(void **state)
{
	char *down = g_strdup_printf("http://127.0.0.1:%u/down", srv.port);
	char *moved = g_strdup_printf("http://127.0.0.1:%u/moved", srv.port), *why = NULL;
	int rc, before;
	struct sl_wa_deliver *d = deliver(down, "s3cret", 1, &rc, &why);
	struct sl_wa_post p = {"id", "{}", 2, 1, 0, 0, ""};
	sl_wa_deliver_posts(d, &p, 1);
	assert_false(p.ok);
	assert_int_equal(p.status, 503);
	assert_non_null(strstr(p.error, "HTTP 503: maintenance"));
	sl_wa_deliver_free(d);
	d = deliver(moved, "s3cret", 1, &rc, &why);
	before = srv.requests;
	sl_wa_deliver_posts(d, &p, 1);
	assert_false(p.ok);
	assert_int_equal(p.status, 301);
	assert_int_equal(srv.requests, before + 1); /* not followed */
	sl_wa_deliver_free(d);
	d = deliver("http://127.0.0.1:1/hook", "s3cret", 1, &rc, &why);
	sl_wa_deliver_posts(d, &p, 1);
	assert_false(p.ok);
	assert_int_equal(p.status, 0);
	assert_true(p.error[0] != '\0');
	sl_wa_deliver_free(d);
	g_free(down);
	g_free(moved);
}

static void test_batch(void **state)
{
	char *url = g_strdup_printf("http://127.0.0.1:%u/hook", srv.port), *why = NULL;
	int rc, before = srv.requests, sigs = srv.good_sig;
	struct sl_wa_deliver *d = deliver(url, "s3cret", 1, &rc, &why);
	struct sl_wa_post p[10];
	char bodies[10][16];
	size_t i;
	for (i = 0; i < 10; i++) {
		snprintf(bodies[i], sizeof(bodies[i]), "{\"n\":%zu}", i);
		p[i] = (struct sl_wa_post){"id", bodies[i], strlen(bodies[i]), 1, 0, 0, ""};
	}
	sl_wa_deliver_posts(d, p, 10);
	for (i = 0; i < 10; i++)
		assert_true(p[i].ok);
	assert_int_equal(srv.requests, before + 10);
	assert_int_equal(srv.good_sig, sigs + 10);
	sl_wa_deliver_free(d);
	g_free(url);
}

static void test_config(void **state)
{
	char *why = NULL;
	int rc;
	assert_null(deliver("http://platform.example/hook", "s", 1, &rc, &why));
	assert_int_equal(rc, SL_ECONFIG);
	assert_non_null(strstr(why, "whatsapp.downstream_url"));
	free(why);
	why = NULL;
	assert_null(
	    deliver("http://127.0.0.1:9/hook", "s", 0, &rc, &why)); /* without the test switch */
	assert_int_equal(rc, SL_ECONFIG);
	free(why);
	why = NULL;
	assert_null(deliver("https://platform.example/hook", NULL, 0, &rc, &why));
	assert_non_null(strstr(why, "downstream_secret"));
	free(why);
	why = NULL;
	{
		struct sl_wa_deliver *ok =
		    deliver("https://platform.example/hook", "s", 0, &rc, &why);
		assert_non_null(ok);
		sl_wa_deliver_free(ok);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_post),
	    cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
