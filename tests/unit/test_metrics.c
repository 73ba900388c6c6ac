/*
 * test_metrics - unit tests for lib/core/metrics.c: counters by labels in any
 * order, gauges, histograms (cumulative buckets, sum, count), the text format
 * and its escaping, what is refused and counted as dropped, the series cap,
 * metrics used before they are declared, and counting from many threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

static char *text(void)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	sl_metrics_write(&b);
	return sl_buf_take(&b);
}

static int setup(void **state)
{
	sl_metrics_reset();
	return 0;
}

static void test_counter(void **state)
{
	char *t;

	assert_int_equal(sl_metrics_declare("sluice_messages_total", SL_METRIC_COUNTER,
					    "Messages scanned", "channel,verdict", NULL, 0),
			 SL_OK);
	/* a second declaration is harmless; another type is not */
	assert_int_equal(sl_metrics_declare("sluice_messages_total", SL_METRIC_COUNTER, "x",
					    "channel,verdict", NULL, 0),
			 SL_OK);
	assert_int_equal(
	    sl_metrics_declare("sluice_messages_total", SL_METRIC_GAUGE, "x", "", NULL, 0),
	    SL_ECONFLICT);
	sl_metrics_inc("sluice_messages_total", "channel=email,verdict=clean", 2);
	sl_metrics_inc("sluice_messages_total", "verdict=clean,channel=email", 1); /* any order */
	sl_metrics_inc("sluice_messages_total", "channel=whatsapp,verdict=reject", 1);
	assert_true(sl_metrics_value("sluice_messages_total", "channel=email,verdict=clean") == 3);
	assert_true(sl_metrics_value("sluice_messages_total", "verdict=reject,channel=whatsapp") ==
		    1);
	assert_true(sl_metrics_value("sluice_messages_total", "channel=email,verdict=reject") == 0);
	t = text();
	assert_non_null(
	    strstr(t, "# HELP sluice_messages_total Messages scanned\n"
		      "# TYPE sluice_messages_total counter\n"
		      "sluice_messages_total{channel=\"email\",verdict=\"clean\"} 3\n"
		      "sluice_messages_total{channel=\"whatsapp\",verdict=\"reject\"} 1\n"));
	assert_non_null(strstr(t, "sluice_metrics_dropped_total 0\n"));
	free(t);
}

static void test_refused(void **state)
{
	char *t;

	assert_int_equal(sl_metrics_declare("9bad", SL_METRIC_COUNTER, "", "", NULL, 0), SL_EINVAL);
	assert_int_equal(sl_metrics_declare("bad-name", SL_METRIC_COUNTER, "", "", NULL, 0),
			 SL_EINVAL);
	assert_int_equal(sl_metrics_declare("x_total", SL_METRIC_COUNTER, "", "a,__b", NULL, 0),
			 SL_EINVAL);
	assert_int_equal(sl_metrics_declare("x_total", SL_METRIC_COUNTER, "", "a-b", NULL, 0),
			 SL_EINVAL);
	{
		const double down[] = {1, 0.5};
		assert_int_equal(
		    sl_metrics_declare("h_seconds", SL_METRIC_HISTOGRAM, "", "", down, 2),
		    SL_EINVAL);
	}
	assert_int_equal(sl_metrics_declare("c_total", SL_METRIC_COUNTER, "c", "kind", NULL, 0),
			 SL_OK);
	sl_metrics_inc("c_total", "other=x", 1);       /* not a declared label */
	sl_metrics_inc("c_total", "", 1);              /* the label is missing */
	sl_metrics_inc("c_total", "kind=a,kind=b", 1); /* twice */
	sl_metrics_inc("c_total", "kind=a=b", 1);      /* '=' in a value */
	sl_metrics_observe("c_total", "kind=a", 1.0);  /* wrong type */
	sl_metrics_inc("bad name", "", 1);             /* not a name */
	assert_true(sl_metrics_value("sluice_metrics_dropped_total", "") == 0); /* not a metric */
	t = text();
	assert_non_null(strstr(t, "sluice_metrics_dropped_total 6\n"));
	assert_null(strstr(t, "c_total{"));
	free(t);
}

static void test_escaping(void **state)
{
	char *t;

	sl_metrics_declare("e_total", SL_METRIC_COUNTER, "a \\ help\nwith two lines", "provider",
			   NULL, 0);
	sl_metrics_inc("e_total", "provider=dbl:\"x\"\\y\nz", 1);
	t = text();
	assert_non_null(strstr(t, "# HELP e_total a \\\\ help\\nwith two lines\n"));
	assert_non_null(strstr(t, "e_total{provider=\"dbl:\\\"x\\\"\\\\y\\nz\"} 1\n"));
	free(t);
}

static void test_gauge(void **state)
{
	char *t;

	sl_metrics_declare("g_items", SL_METRIC_GAUGE, "g", "", NULL, 0);
	sl_metrics_set("g_items", "", 2.5);
	assert_true(sl_metrics_value("g_items", "") == 2.5);
	sl_metrics_inc("g_items", "", 2); /* counted up */
	assert_true(sl_metrics_value("g_items", "") == 4.5);
	t = text();
	assert_non_null(strstr(t, "# TYPE g_items gauge\ng_items 4.5\n"));
	free(t);
}

static void test_histogram(void **state)
{
	const double b[] = {0.01, 0.1, 1};
	char *t;

	assert_int_equal(sl_metrics_declare("h_seconds", SL_METRIC_HISTOGRAM, "h", "channel", b, 3),
			 SL_OK);
	sl_metrics_observe("h_seconds", "channel=email", 0.005);
	sl_metrics_observe("h_seconds", "channel=email", 0.01); /* on the bound: that bucket */
	sl_metrics_observe("h_seconds", "channel=email", 0.5);
	sl_metrics_observe("h_seconds", "channel=email", 7);
	sl_metrics_observe("h_seconds", "channel=email", NAN); /* ignored */
	t = text();
	assert_non_null(strstr(t, "# TYPE h_seconds histogram\n"
				  "h_seconds_bucket{channel=\"email\",le=\"0.01\"} 2\n"
				  "h_seconds_bucket{channel=\"email\",le=\"0.1\"} 2\n"
				  "h_seconds_bucket{channel=\"email\",le=\"1\"} 3\n"
				  "h_seconds_bucket{channel=\"email\",le=\"+Inf\"} 4\n"
				  "h_seconds_sum{channel=\"email\"} 7.515\n"
				  "h_seconds_count{channel=\"email\"} 4\n"));
	free(t);
}

static void test_scrape_helpers(void **state)
{
	const double bounds[] = {0.005, 0.01, G_MAXDOUBLE}; /* the last one is +Inf */
	const uint64_t counts[] = {1, 0, 2};
	struct sl_buf b;

	sl_buf_init(&b, 0);
	sl_metrics_family(&b, "p_seconds", SL_METRIC_HISTOGRAM, "latency");
	sl_metrics_histogram(&b, "p_seconds", "provider=webrisk", bounds, counts, 3, 1.25);
	sl_metrics_sample(&b, "p_up", "", 1);
	assert_string_equal(b.data, "# HELP p_seconds latency\n"
				    "# TYPE p_seconds histogram\n"
				    "p_seconds_bucket{provider=\"webrisk\",le=\"0.005\"} 1\n"
				    "p_seconds_bucket{provider=\"webrisk\",le=\"0.01\"} 1\n"
				    "p_seconds_bucket{provider=\"webrisk\",le=\"+Inf\"} 3\n"
				    "p_seconds_sum{provider=\"webrisk\"} 1.25\n"
				    "p_seconds_count{provider=\"webrisk\"} 3\n"
				    "p_up 1\n");
	sl_buf_free(&b);
	/* bounds without +Inf: the +Inf line is added */
	sl_buf_init(&b, 0);
	sl_metrics_histogram(&b, "q", "", bounds, counts, 2, 0);
	assert_string_equal(b.data, "q_bucket{le=\"0.005\"} 1\nq_bucket{le=\"0.01\"} 1\n"
				    "q_bucket{le=\"+Inf\"} 1\nq_sum 0\nq_count 1\n");
	sl_buf_free(&b);
}

static void test_undeclared(void **state)
{
	char *t;

	sl_metrics_inc("door_payloads_total", "result=ok", 3);
	sl_metrics_observe("door_seconds", "", 0.2);
	t = text();
	assert_non_null(strstr(t, "# HELP door_payloads_total (not described)\n"
				  "# TYPE door_payloads_total counter\n"
				  "door_payloads_total{result=\"ok\"} 3\n"));
	assert_non_null(strstr(t, "door_seconds_bucket{le=\"0.25\"} 1\n"));
	free(t);
}

static void test_series_cap(void **state)
{
	char l[32];
	char *t;

	sl_metrics_declare("many_total", SL_METRIC_COUNTER, "m", "n", NULL, 0);
	for (int i = 0; i < SL_METRICS_MAX_SERIES + 10; i++) {
		snprintf(l, sizeof(l), "n=%d", i);
		sl_metrics_inc("many_total", l, 1);
	}
	sl_metrics_inc("many_total", "n=0", 1); /* an existing series still counts */
	assert_true(sl_metrics_value("many_total", "n=0") == 2);
	t = text();
	assert_non_null(strstr(t, "sluice_metrics_dropped_total 10\n"));
	free(t);
}

#define THREADS 4
#define PER_THREAD 20000

static gpointer worker(gpointer arg)
{
	for (int i = 0; i < PER_THREAD; i++) {
		sl_metrics_inc("t_total", (i & 1) ? "x=a" : "x=b", 1);
		sl_metrics_observe("t_seconds", "", 0.001);
	}
	return NULL;
}

static void test_threads(void **state)
{
	GThread *t[THREADS];
	char *s;

	for (int i = 0; i < THREADS; i++)
		t[i] = g_thread_new("metrics", worker, NULL);
	for (int i = 0; i < THREADS; i++)
		g_thread_join(t[i]);
	assert_true(sl_metrics_value("t_total", "x=a") == THREADS * PER_THREAD / 2);
	assert_true(sl_metrics_value("t_total", "x=b") == THREADS * PER_THREAD / 2);
	s = text();
	assert_non_null(strstr(s, "t_seconds_count 80000\n"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_counter, setup),
	    cmocka_unit_test_setup(test_refused, setup),
	    cmocka_unit_test_setup(test_escaping, setup),
	    cmocka_unit_test_setup(test_gauge, setup),
	    cmocka_unit_test_setup(test_histogram, setup),
	    cmocka_unit_test_setup(test_scrape_helpers, setup),
	    cmocka_unit_test_setup(test_undeclared, setup),
	    cmocka_unit_test_setup(test_series_cap, setup),
	    cmocka_unit_test_setup(test_threads, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sl_metrics_reset();
	return rc;
}
