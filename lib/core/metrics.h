/*
 * metrics - the process-wide counters of sluice, for /metrics (Prometheus
 * text exposition format, version 0.0.4).
 *
 * One registry per process, outside every engine: counters survive engine
 * reloads (a reload must not look like a restart to Prometheus). A metric is
 * a name, a type (counter, gauge, histogram), a help text, its label names
 * and, for histograms, fixed bucket bounds; a series is one set of label
 * values. Modules declare what they record once (sl_metrics_declare, at
 * start; declaring again is harmless) and then count by name:
 *
 *     sl_metrics_inc("sluice_messages_total", "channel=email,verdict=clean", 1);
 *     sl_metrics_observe("sluice_scan_seconds", "channel=email", 0.012);
 *
 * Labels are "name=value" pairs separated by ',', the names as declared, in
 * any order; values come from small fixed sets chosen by the code (verdicts,
 * channels, finding kinds, provider names from the config), never from what
 * a sender wrote: they may not contain ',' or '='. A metric holds at most
 * SL_METRICS_MAX_SERIES series; what goes past that, a name or label that is
 * not well-formed, or labels other than the declared ones, is not recorded
 * and is counted in sluice_metrics_dropped_total instead (never an abort). A
 * metric used before it is declared is declared on the fly (help "(not
 * described)", the labels of that first use, default buckets).
 *
 * Threads: every function may be called from any thread. Recording takes a
 * read lock and one atomic add (a new series takes the write lock once).
 *
 * Values computed when scraped (provider stats, the quarantine's size) are
 * written with sl_metrics_family()/sl_metrics_sample()/sl_metrics_histogram()
 * so that the format and its escaping live in one place.
 */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum sl_metric_type { SL_METRIC_COUNTER, SL_METRIC_GAUGE, SL_METRIC_HISTOGRAM };

#define SL_METRICS_MAX_SERIES 256
#define SL_METRICS_MAX_BUCKETS 24

/* Declares a metric. labels: the label names, ',' separated, "" for none.
 * buckets: a histogram's upper bounds, strictly ascending, without +Inf
 * (NULL: the default seconds buckets, 1 ms to 10 s). SL_EINVAL for a name,
 * label or bucket list that is not well-formed; the first declaration of a
 * name wins (a second one with another type is SL_ECONFLICT). */
int sl_metrics_declare(const char *name, enum sl_metric_type type, const char *help,
		       const char *labels, const double *buckets, size_t nbuckets);

/* Counters (and gauges): adds n to the series of labels. */
void sl_metrics_inc(const char *name, const char *labels, uint64_t n);
/* Gauges: sets the series of labels to v. */
void sl_metrics_set(const char *name, const char *labels, double v);
/* Histograms: counts v in its bucket and adds it to the sum. */
void sl_metrics_observe(const char *name, const char *labels, double v);

/* The value of a counter or gauge series (0 when it has none); tests. */
double sl_metrics_value(const char *name, const char *labels);

/* Appends every metric of the registry to b, in the text format, sorted by
 * name and labels. */
void sl_metrics_write(struct sl_buf *b);

/* ---- values computed at scrape time ---- */

/* "# HELP name help" and "# TYPE name type" lines. */
void sl_metrics_family(struct sl_buf *b, const char *name, enum sl_metric_type type,
		       const char *help);
/* One sample line: name{labels} value. labels as above ("" for none); values
 * are escaped here (backslash, double quote, line feed). */
void sl_metrics_sample(struct sl_buf *b, const char *name, const char *labels, double v);
/* The sample lines of one histogram series: counts[i] observations at or
 * under bounds[i] (not cumulative; the last bound may be +Inf or not given),
 * written as cumulative _bucket lines with le="...", then _sum and _count. */
void sl_metrics_histogram(struct sl_buf *b, const char *name, const char *labels,
			  const double *bounds, const uint64_t *counts, size_t n, double sum);

/* Forgets every metric (unit tests). */
void sl_metrics_reset(void);

#endif
