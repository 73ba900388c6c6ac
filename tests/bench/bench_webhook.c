/*
 * bench_webhook - the WhatsApp door's load client (not a test; run by
 * scripts/bench_webhook.sh against a running sluiced).
 *
 * It signs N text-only notifications (each a new wamid, about 700 bytes,
 * X-Hub-Signature-256 with the app secret), POSTs them to the webhook with
 * C transfers in flight (libcurl multi, connections kept alive), and times
 * each from its first byte to the webhook's 200 -- the acknowledgement,
 * given after the payload is on disk. It plays the platform too: an HTTP
 * server in this process (libmicrohttpd) on --downstream-port that counts
 * sluice's POSTs, checks their X-Sluice-Signature-256, and notes when the
 * last one came, for the end-to-end rate.
 *
 *   bench_webhook --url URL --app-secret S --downstream-port P --downstream-secret D
 *                 [-n N] [-c C] [--cacert FILE] [--wait SECONDS]
 *
 * Prints: acknowledged payloads per second, p50/p90/p99/max of the
 * acknowledgement, refusals, then deliveries per second from the first POST
 * to the last delivery, and how many arrived with a good signature.
 */
#include <glib.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "whatsapp.h"

static struct {
	gint received, good_sig;
	gint64 last_us;
	const char *secret;
} platform;

static double now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

struct upload {
	GString *body;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	struct upload *u = *state;
	struct MHD_Response *r;
	enum MHD_Result ok;
	if (u == NULL) {
		u = g_new0(struct upload, 1);
		u->body = g_string_new(NULL);
		*state = u;
		return MHD_YES;
	}
	if (*size > 0) {
		g_string_append_len(u->body, data, (gssize)*size);
		*size = 0;
		return MHD_YES;
	}
	if (sl_wa_signature_ok(
		platform.secret, u->body->str, u->body->len,
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sluice-Signature-256")))
		g_atomic_int_inc(&platform.good_sig);
	g_atomic_int_inc(&platform.received);
	__atomic_store_n(&platform.last_us, g_get_monotonic_time(), __ATOMIC_RELAXED);
	r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	ok = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode t)
{
	struct upload *u = *state;
	if (u != NULL) {
		g_string_free(u->body, TRUE);
		g_free(u);
	}
	*state = NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct post {
	char *body;
	struct curl_slist *hdr;
	double ms;
	long status;
};

static size_t discard(char *p, size_t s, size_t n, void *ctx)
{
	return s * n;
}

static CURL *easy_for(const char *url, const char *cacert, struct post *p)
{
	CURL *e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(p->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->hdr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	if (cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, cacert);
	return e;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *secret = NULL, *cacert = NULL;
	int n = 5000, conc = 64, port = 0, wait = 120, i, next = 0, running = 0, refused = 0;
	struct post *posts;
	double *lat, t0, t1, first = 0;
	struct MHD_Daemon *mhd;
	CURLM *multi;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--app-secret") == 0 && i + 1 < argc)
			secret = argv[++i];
		else if (strcmp(argv[i], "--downstream-secret") == 0 && i + 1 < argc)
			platform.secret = argv[++i];
		else if (strcmp(argv[i], "--downstream-port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
			cacert = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conc = atoi(argv[++i]);
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
			wait = atoi(argv[++i]);
		else {
			fprintf(stderr,
				"usage: bench_webhook --url URL --app-secret S --downstream-port P "
				"--downstream-secret D [-n N] [-c C] [--cacert FILE] [--wait S]\n");
			return 2;
		}
	}
	if (url == NULL || secret == NULL || platform.secret == NULL || port <= 0 || n <= 0 ||
	    conc <= 0) {
		fprintf(stderr, "bench_webhook: --url, --app-secret, --downstream-port and "
				"--downstream-secret are needed\n");
		return 2;
	}
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_INTERNAL_THREAD,
			       (uint16_t)port, NULL, NULL, on_request, NULL,
			       MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			       MHD_OPTION_CONNECTION_LIMIT, 1024, MHD_OPTION_END);
	if (mhd == NULL) {
		fprintf(stderr, "bench_webhook: cannot listen on port %d\n", port);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	posts = g_new0(struct post, n);
	lat = g_new0(double, n);
	for (i = 0; i < n; i++) {
		char *sig, *h;
		posts[i].body = g_strdup_printf(
		    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":"
		    "\"102290129340398\",\"changes\":[{"
		    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_"
		    "number\":"
		    "\"15550783881\",\"phone_number_id\":\"106540352242922\"},\"contacts\":[{"
		    "\"profile\":{\"name\":"
		    "\"Bench Customer "
		    "%d\"},\"wa_id\":\"1650555%04d\"}],\"messages\":[{\"from\":\"1650555%04d\","
		    "\"id\":\"wamid.bench.%d.%ld\",\"timestamp\":\"1765065600\",\"type\":\"text\","
		    "\"text\":{\"body\":"
		    "\"Hello, my order %d has not arrived yet and the tracking page says it left "
		    "the depot three "
		    "days ago. Could you please check where it is? Thank "
		    "you!\"}}]},\"field\":\"messages\"}]}]}",
		    i, i % 10000, i % 10000, i, (long)time(NULL), i);
		sig = sl_wa_signature(secret, posts[i].body, strlen(posts[i].body));
		h = g_strdup_printf("X-Hub-Signature-256: %s", sig);
		posts[i].hdr = curl_slist_append(NULL, "Content-Type: application/json");
		posts[i].hdr = curl_slist_append(posts[i].hdr, h);
		posts[i].hdr = curl_slist_append(posts[i].hdr, "Expect:");
		free(sig);
		g_free(h);
	}
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conc);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
	t0 = now_s();
	while (next < n || running > 0) {
		int still = 0, left = 0;
		CURLMsg *msg;
		while (next < n && running < conc) {
			curl_multi_add_handle(multi, easy_for(url, cacert, &posts[next++]));
			running++;
		}
		curl_multi_perform(multi, &still);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct post *p = NULL;
			curl_off_t total = 0;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &p->status);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME_T, &total);
			p->ms = (double)total / 1000.0;
			if (msg->data.result != CURLE_OK || p->status != 200)
				refused++;
			curl_multi_remove_handle(multi, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			running--;
		}
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	t1 = now_s();
	for (i = 0; i < n; i++)
		lat[i] = posts[i].ms;
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("acknowledged: %d payloads in %.2f s = %.0f /s with %d in flight; refused or "
	       "failed: %d\n",
	       n, t1 - t0, n / (t1 - t0), conc, refused);
	printf("ack latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", lat[n / 2],
	       lat[n * 9 / 10], lat[(size_t)((double)n * 0.99)], lat[n - 1]);
	fflush(stdout);
	first = t0;
	{
		double end = now_s() + wait;
		while (g_atomic_int_get(&platform.received) < n - refused && now_s() < end)
			usleep(50000);
	}
	{
		int got = g_atomic_int_get(&platform.received);
		double last = (double)__atomic_load_n(&platform.last_us, __ATOMIC_RELAXED) / 1e6;
		printf("delivered: %d of %d in %.2f s from the first POST = %.0f /s end to end; "
		       "good signatures: %d\n",
		       got, n - refused, last - first, got / (last - first),
		       g_atomic_int_get(&platform.good_sig));
	}
	curl_multi_cleanup(multi);
	for (i = 0; i < n; i++) {
		g_free(posts[i].body);
		curl_slist_free_all(posts[i].hdr);
	}
	g_free(posts);
	g_free(lat);
	MHD_stop_daemon(mhd);
	curl_global_cleanup();
	return 0;
}
