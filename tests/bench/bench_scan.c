/*
 * bench_scan - how fast the attachment pipeline is, beside the floor.
 *
 *   bench_scan [--config FILE] [-o k=v]... [-n N] [--exclude PREFIX] DIR|FILE...
 *
 * --exclude leaves out files whose name starts with PREFIX (the limit_* cases
 * are refused by our parse before ClamAV runs, so they would flatter sluice).
 *
 * Loads the engine once, reads every *.eml under the arguments into memory,
 * then for N rounds:
 *   floor     one cl_scanmap per message with the same engine and options,
 *             nothing else (what libclamav alone costs)
 *   pipeline  the whole pipeline per message (parse, ClamAV with layer
 *             mapping, types, policy)
 * and prints messages/s, MB/s, the ratio pipeline/floor and the share of the
 * pipeline's time spent outside libclamav. It asserts nothing.
 */
#include <glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "av.h"
#include "config.h"
#include "msg.h"
#include "pipeline.h"
#include "util.h"

struct input {
	char *path;
	char *data;
	size_t len;
};

static GArray *inputs;
static const char *exclude; /* base-name prefix of files to leave out */
static int pipeline_only;   /* skip the floor (for profiling) */

static void add_path(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		GDir *d = g_dir_open(path, 0, NULL);
		const char *n;
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
		guint i;
		if (d == NULL)
			return;
		for (n = g_dir_read_name(d); n != NULL; n = g_dir_read_name(d))
			g_ptr_array_add(names, g_build_filename(path, n, NULL));
		g_dir_close(d);
		g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
		for (i = 0; i < names->len; i++)
			add_path(g_ptr_array_index(names, i));
		g_ptr_array_free(names, TRUE);
		return;
	}
	if (exclude != NULL) {
		const char *base = strrchr(path, '/');
		if (g_str_has_prefix(base ? base + 1 : path, exclude))
			return;
	}
	if (g_str_has_suffix(path, ".eml")) {
		struct input in = { 0 };
		char *why = NULL;
		if (sl_read_file(path, (size_t)1 << 30, &in.data, &in.len, &why) != SL_OK) {
			fprintf(stderr, "bench_scan: %s\n", why);
			free(why);
			return;
		}
		in.path = sl_xstrdup(path);
		g_array_append_val(inputs, in);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	const char **ov = sl_xcalloc((size_t)argc, sizeof(char *));
	size_t nov = 0, total = 0, i;
	int n = 5, r;
	struct sl_config *cfg = NULL;
	struct sl_engine *eng = NULL;
	struct sl_av *av;
	char *why = NULL;
	double t0 = 0, floor_s, pipe_s;
	uint64_t ns0 = 0, ns1;

	inputs = g_array_new(FALSE, TRUE, sizeof(struct input));
	for (r = 1; r < argc; r++) {
		if (strcmp(argv[r], "--config") == 0 && r + 1 < argc)
			config = argv[++r];
		else if (strcmp(argv[r], "-o") == 0 && r + 1 < argc)
			ov[nov++] = argv[++r];
		else if (strcmp(argv[r], "--pipeline-only") == 0)
			pipeline_only = 1;
		else if (strcmp(argv[r], "--exclude") == 0 && r + 1 < argc)
			exclude = argv[++r];
		else if (strcmp(argv[r], "-n") == 0 && r + 1 < argc)
			n = atoi(argv[++r]);
		else if (strcmp(argv[r], "--help") == 0) {
			printf("usage: bench_scan [--config FILE] [-o k=v]... [-n ROUNDS] DIR|FILE...\n");
			return 0;
		} else
			add_path(argv[r]);
	}
	sl_log_open("bench_scan", 0, SL_LOG_WARNING);
	if (inputs->len == 0) {
		fprintf(stderr, "bench_scan: no .eml inputs\n");
		return 2;
	}
	if (sl_config_load(config, ov, nov, &cfg, &why) != SL_OK || sl_engine_new(cfg, &eng, &why) != SL_OK) {
		fprintf(stderr, "bench_scan: %s\n", why ? why : "?");
		return 2;
	}
	av = sl_engine_stage(eng, "av");
	for (i = 0; i < inputs->len; i++)
		total += g_array_index(inputs, struct input, i).len;

	/* Warm-up round, then the floor: one cl_scanmap per message. */
	for (r = 0; r <= (pipeline_only ? -1 : n); r++) {
		if (r == 1)
			t0 = now();
		for (i = 0; i < inputs->len; i++) {
			const struct input *in = &g_array_index(inputs, struct input, i);
			const char *v;
			sl_av_scan_buffer(av, in->data, in->len, &v);
		}
	}
	floor_s = now() - t0;

	for (r = 0; r <= n; r++) {
		if (r == 1) {
			t0 = now();
			ns0 = sl_av_scan_ns(av);
		}
		for (i = 0; i < inputs->len; i++) {
			const struct input *in = &g_array_index(inputs, struct input, i);
			struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, in->path, (const unsigned char *)in->data, in->len);
			sl_engine_scan(eng, m);
			sl_msg_free(m);
		}
	}
	pipe_s = now() - t0;
	ns1 = sl_av_scan_ns(av);

	{
		double msgs = (double)inputs->len * n, mb = (double)total * n / 1e6;
		double inside = (double)(ns1 - ns0) / 1e9;
		printf("corpus: %u messages, %.1f MB, %d rounds\n", inputs->len, total / 1e6, n);
		printf("floor    (cl_scanmap only): %8.1f msg/s %8.1f MB/s\n", msgs / floor_s, mb / floor_s);
		printf("pipeline (sluice)         : %8.1f msg/s %8.1f MB/s\n", msgs / pipe_s, mb / pipe_s);
		printf("pipeline rate / floor rate: %.2f\n", floor_s / pipe_s);
		printf("time outside libclamav    : %.1f %%\n", 100.0 * (pipe_s - inside) / pipe_s);
		{
			size_t k;
			uint64_t ns;
			const char *name;
			printf("time per stage (all rounds, warm-up included):");
			for (k = 0; (name = sl_engine_stage_time(eng, k, &ns)) != NULL; k++)
				printf(" %s=%.0fms", name, ns / 1e6);
			printf("\n");
		}
	}
	sl_engine_unref(eng);
	sl_config_unref(cfg);
	for (i = 0; i < inputs->len; i++) {
		free(g_array_index(inputs, struct input, i).path);
		free(g_array_index(inputs, struct input, i).data);
	}
	g_array_free(inputs, TRUE);
	free(ov);
	free(why);
	return 0;
}
