/* metrics - see metrics.h. */
#include <glib.h>

#include "metrics.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPPED "sluice_metrics_dropped_total"
#define MAX_LABELS 8

static const double default_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					 0.25,  0.5,    1,     2.5,  5,     10};

struct metric;

struct series {
	const struct metric *m; /* its metric (immutable once declared) */
	char *labels;           /* canonical: in declared order, "a=x,b=y" */
	uint64_t count;         /* counters; histograms: observations */
	uint64_t bits;          /* gauges: the value; histograms: the sum (double bits) */
	uint64_t *bucket;       /* histograms: per bucket, not cumulative (nbuckets + 1) */
};

struct metric {
	char *name;
	enum sl_metric_type type;
	char *help;
	char *labelnames[MAX_LABELS];
	size_t nlabels;
	double bucket[SL_METRICS_MAX_BUCKETS];
	size_t nbuckets;
	GHashTable *series; /* canonical labels -> struct series */
};

static GRWLock lock;
static GHashTable *metrics; /* name -> struct metric */
static uint64_t dropped;

static int name_ok(const char *s, int colon)
{
	if (s == NULL || *s == '\0' || g_ascii_isdigit(*s))
		return 0;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '_' && !(colon && *s == ':'))
			return 0;
	return 1;
}

static void series_free(gpointer p)
{
	struct series *s = p;
	free(s->labels);
	free(s->bucket);
	free(s);
}

static void metric_free(gpointer p)
{
	struct metric *m = p;
	free(m->name);
	free(m->help);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labelnames[i]);
	g_hash_table_destroy(m->series);
	free(m);
}

/* Splits "a,b" into names; -1 when one is not a label name. */
static int split_names(const char *labels, char **out, size_t *n)
{
	gchar **v = g_strsplit(labels != NULL ? labels : "", ",", -1);
	int rc = 0;

	*n = 0;
	for (size_t i = 0; v[i] != NULL && rc == 0; i++) {
		const char *l = g_strstrip(v[i]);
		if (*l == '\0' && v[1] == NULL)
			break; /* "" : no labels */
		if (*n >= MAX_LABELS || !name_ok(l, 0) || g_str_has_prefix(l, "__"))
			rc = -1;
		else
			out[(*n)++] = sl_xstrdup(l);
	}
	g_strfreev(v);
	if (rc != 0) {
		for (size_t i = 0; i < *n; i++)
			free(out[i]);
		*n = 0;
	}
	return rc;
}

/* The write lock is held. */
static int declare_locked(const char *name, enum sl_metric_type type, const char *help,
			  const char *labels, const double *buckets, size_t nbuckets)
{
	struct metric *m;

	if (metrics == NULL)
		metrics = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, metric_free);
	m = g_hash_table_lookup(metrics, name);
	if (m != NULL)
		return m->type == type ? SL_OK : SL_ECONFLICT;
	if (!name_ok(name, 1))
		return SL_EINVAL;
	if (buckets == NULL) {
		buckets = default_buckets;
		nbuckets = G_N_ELEMENTS(default_buckets);
	}
	if (type == SL_METRIC_HISTOGRAM) {
		if (nbuckets == 0 || nbuckets > SL_METRICS_MAX_BUCKETS)
			return SL_EINVAL;
		for (size_t i = 0; i < nbuckets; i++)
			if (isnan(buckets[i]) || isinf(buckets[i]) ||
			    (i > 0 && buckets[i] <= buckets[i - 1]))
				return SL_EINVAL;
	}
	m = sl_xcalloc(1, sizeof(*m));
	if (split_names(labels, m->labelnames, &m->nlabels) != 0) {
		free(m);
		return SL_EINVAL;
	}
	m->name = sl_xstrdup(name);
	m->type = type;
	m->help = sl_xstrdup(help != NULL ? help : "(not described)");
	if (type == SL_METRIC_HISTOGRAM) {
		memcpy(m->bucket, buckets, nbuckets * sizeof(double));
		m->nbuckets = nbuckets;
	}
	m->series = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, series_free);
	g_hash_table_insert(metrics, m->name, m);
	return SL_OK;
}

int sl_metrics_declare(const char *name, enum sl_metric_type type, const char *help,
		       const char *labels, const double *buckets, size_t nbuckets)
{
	int rc;
	g_rw_lock_writer_lock(&lock);
	rc = declare_locked(name, type, help, labels, buckets, nbuckets);
	g_rw_lock_writer_unlock(&lock);
	return rc;
}

/*
 * "b=y,a=x" -> "a=x,b=y" in m's declared order; NULL when a name is not
 * declared, is missing or comes twice, or a value holds ',' or '='.
 */
static char *canonical(const struct metric *m, const char *labels)
{
	const char *val[MAX_LABELS] = {0};
	size_t vlen[MAX_LABELS] = {0};
	const char *p = labels != NULL ? labels : "";
	GString *out;

	while (*p != '\0') {
		const char *end = p + strcspn(p, ","), *eq = memchr(p, '=', (size_t)(end - p));
		size_t i;
		if (eq == NULL)
			return NULL;
		for (i = 0; i < m->nlabels; i++)
			if (strlen(m->labelnames[i]) == (size_t)(eq - p) &&
			    memcmp(m->labelnames[i], p, (size_t)(eq - p)) == 0)
				break;
		if (i == m->nlabels || val[i] != NULL ||
		    memchr(eq + 1, '=', (size_t)(end - eq - 1)))
			return NULL;
		val[i] = eq + 1;
		vlen[i] = (size_t)(end - eq - 1);
		p = *end == ',' ? end + 1 : end;
	}
	out = g_string_new(NULL);
	for (size_t i = 0; i < m->nlabels; i++) {
		if (val[i] == NULL) {
			g_string_free(out, TRUE);
			return NULL;
		}
		if (i > 0)
			g_string_append_c(out, ',');
		g_string_append_printf(out, "%s=%.*s", m->labelnames[i], (int)vlen[i], val[i]);
	}
	{
		char *r = sl_xstrdup(out->str);
		g_string_free(out, TRUE);
		return r;
	}
}

/* The label names of "a=x,b=y", for a metric declared on the fly. */
static char *names_of(const char *labels)
{
	gchar **v = g_strsplit(labels != NULL ? labels : "", ",", -1);
	GString *s = g_string_new(NULL);
	char *r;
	for (size_t i = 0; v[i] != NULL; i++) {
		char *eq = strchr(v[i], '=');
		if (eq != NULL)
			*eq = '\0';
		if (*v[i] == '\0')
			continue;
		if (s->len > 0)
			g_string_append_c(s, ',');
		g_string_append(s, v[i]);
	}
	r = sl_xstrdup(s->str);
	g_string_free(s, TRUE);
	g_strfreev(v);
	return r;
}

/* The series of name{labels}, created when new; NULL when it cannot be
 * recorded (then counted as dropped). Series are never freed but by
 * sl_metrics_reset(), so the pointer stays good after the lock. */
static struct series *find(const char *name, enum sl_metric_type type, const char *labels)
{
	struct metric *m;
	struct series *s = NULL;
	char *key = NULL;

	g_rw_lock_reader_lock(&lock);
	m = metrics != NULL ? g_hash_table_lookup(metrics, name) : NULL;
	if (m != NULL &&
	    (m->type == type || (type == SL_METRIC_COUNTER && m->type == SL_METRIC_GAUGE))) {
		key = canonical(m, labels);
		if (key != NULL)
			s = g_hash_table_lookup(m->series, key);
	}
	g_rw_lock_reader_unlock(&lock);
	if (s != NULL) {
		free(key);
		return s;
	}

	g_rw_lock_writer_lock(&lock);
	if (m == NULL) {
		char *names = names_of(labels);
		declare_locked(name, type, NULL, names, NULL, 0);
		free(names);
		m = metrics != NULL ? g_hash_table_lookup(metrics, name) : NULL;
		free(key);
		key = m != NULL ? canonical(m, labels) : NULL;
	}
	if (m != NULL && key != NULL &&
	    (m->type == type || (type == SL_METRIC_COUNTER && m->type == SL_METRIC_GAUGE))) {
		s = g_hash_table_lookup(m->series, key);
		if (s == NULL && g_hash_table_size(m->series) < SL_METRICS_MAX_SERIES) {
			s = sl_xcalloc(1, sizeof(*s));
			s->m = m;
			s->labels = key;
			key = NULL;
			if (m->type == SL_METRIC_HISTOGRAM)
				s->bucket = sl_xcalloc(m->nbuckets + 1, sizeof(uint64_t));
			g_hash_table_insert(m->series, s->labels, s);
		}
	}
	g_rw_lock_writer_unlock(&lock);
	free(key);
	if (s == NULL)
		__atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
	return s;
}

static double bits_double(uint64_t b)
{
	double d;
	memcpy(&d, &b, sizeof(d));
	return d;
}

static uint64_t double_bits(double d)
{
	uint64_t b;
	memcpy(&b, &d, sizeof(b));
	return b;
}

static void add_double(uint64_t *bits, double v)
{
	uint64_t old = __atomic_load_n(bits, __ATOMIC_RELAXED), new;
	do {
		new = double_bits(bits_double(old) + v);
	} while (
	    !__atomic_compare_exchange_n(bits, &old, new, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

void sl_metrics_inc(const char *name, const char *labels, uint64_t n)
{
	struct series *s = find(name, SL_METRIC_COUNTER, labels);
	if (s == NULL)
		return;
	if (s->m->type == SL_METRIC_GAUGE) /* a gauge counted up: its value is a double */
		add_double(&s->bits, (double)n);
	else
		__atomic_add_fetch(&s->count, n, __ATOMIC_RELAXED);
}

void sl_metrics_set(const char *name, const char *labels, double v)
{
	struct series *s = find(name, SL_METRIC_GAUGE, labels);
	if (s != NULL)
		__atomic_store_n(&s->bits, double_bits(v), __ATOMIC_RELAXED);
}

void sl_metrics_observe(const char *name, const char *labels, double v)
{
	struct series *s = find(name, SL_METRIC_HISTOGRAM, labels);
	size_t b = 0;

	if (s == NULL || isnan(v))
		return;
	while (b < s->m->nbuckets && v > s->m->bucket[b])
		b++;
	__atomic_add_fetch(&s->bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
	add_double(&s->bits, v);
}

double sl_metrics_value(const char *name, const char *labels)
{
	struct metric *m;
	double v = 0;

	g_rw_lock_reader_lock(&lock);
	m = metrics != NULL ? g_hash_table_lookup(metrics, name) : NULL;
	if (m != NULL) {
		char *key = canonical(m, labels);
		struct series *s = key != NULL ? g_hash_table_lookup(m->series, key) : NULL;
		if (s != NULL)
			v = m->type == SL_METRIC_GAUGE
				? bits_double(__atomic_load_n(&s->bits, __ATOMIC_RELAXED))
				: (double)__atomic_load_n(&s->count, __ATOMIC_RELAXED);
		free(key);
	}
	g_rw_lock_reader_unlock(&lock);
	return v;
}

/* ---- the text format ---- */

static const char *type_name(enum sl_metric_type t)
{
	return t == SL_METRIC_COUNTER ? "counter" : t == SL_METRIC_GAUGE ? "gauge" : "histogram";
}

/* The shortest of %.15g and %.17g that reads back as v, in the C locale. */
static void add_number(struct sl_buf *b, double v)
{
	char s[G_ASCII_DTOSTR_BUF_SIZE];
	if (isnan(v))
		sl_buf_addstr(b, "NaN");
	else if (isinf(v) || v >= DBL_MAX || v <= -DBL_MAX)
		sl_buf_addstr(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		sl_buf_printf(b, "%.0f", v);
	else if (g_ascii_strtod(g_ascii_formatd(s, sizeof(s), "%.15g", v), NULL) == v)
		sl_buf_addstr(b, s);
	else
		sl_buf_addstr(b, g_ascii_formatd(s, sizeof(s), "%.17g", v));
}

/* HELP text: backslash and line feed escaped. */
static void add_help(struct sl_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			sl_buf_addstr(b, "\\\\");
		else if (*s == '\n')
			sl_buf_addstr(b, "\\n");
		else
			sl_buf_add(b, s, 1);
	}
}

/* {a="x",b="y"[,extra]} from "a=x,b=y"; nothing when both are empty. */
static void add_labels(struct sl_buf *b, const char *labels, const char *extra)
{
	const char *p = labels != NULL ? labels : "";
	int any = 0;

	if (*p == '\0' && extra == NULL)
		return;
	sl_buf_addstr(b, "{");
	while (*p != '\0') {
		const char *end = p + strcspn(p, ","), *eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			if (any++)
				sl_buf_addstr(b, ",");
			sl_buf_add(b, p, (size_t)(eq - p));
			sl_buf_addstr(b, "=\"");
			for (const char *c = eq + 1; c < end; c++) {
				if (*c == '\\')
					sl_buf_addstr(b, "\\\\");
				else if (*c == '"')
					sl_buf_addstr(b, "\\\"");
				else if (*c == '\n')
					sl_buf_addstr(b, "\\n");
				else
					sl_buf_add(b, c, 1);
			}
			sl_buf_addstr(b, "\"");
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (extra != NULL) {
		if (any)
			sl_buf_addstr(b, ",");
		sl_buf_addstr(b, extra);
	}
	sl_buf_addstr(b, "}");
}

void sl_metrics_family(struct sl_buf *b, const char *name, enum sl_metric_type type,
		       const char *help)
{
	sl_buf_printf(b, "# HELP %s ", name);
	add_help(b, help != NULL ? help : "(not described)");
	sl_buf_printf(b, "\n# TYPE %s %s\n", name, type_name(type));
}

void sl_metrics_sample(struct sl_buf *b, const char *name, const char *labels, double v)
{
	sl_buf_addstr(b, name);
	add_labels(b, labels, NULL);
	sl_buf_addstr(b, " ");
	add_number(b, v);
	sl_buf_addstr(b, "\n");
}

void sl_metrics_histogram(struct sl_buf *b, const char *name, const char *labels,
			  const double *bounds, const uint64_t *counts, size_t n, double sum)
{
	uint64_t cum = 0;
	char *bucket = sl_xasprintf("%s_bucket", name);

	for (size_t i = 0; i < n; i++) {
		int inf = isinf(bounds[i]) || bounds[i] >= DBL_MAX;
		struct sl_buf le;
		cum += counts[i];
		if (inf)
			continue; /* the +Inf line below counts it */
		sl_buf_init(&le, 0);
		sl_buf_addstr(&le, "le=\"");
		add_number(&le, bounds[i]);
		sl_buf_addstr(&le, "\"");
		sl_buf_addstr(b, bucket);
		add_labels(b, labels, le.data);
		sl_buf_printf(b, " %llu\n", (unsigned long long)cum);
		sl_buf_free(&le);
	}
	sl_buf_addstr(b, bucket);
	add_labels(b, labels, "le=\"+Inf\"");
	sl_buf_printf(b, " %llu\n", (unsigned long long)cum);
	free(bucket);
	bucket = sl_xasprintf("%s_sum", name);
	sl_metrics_sample(b, bucket, labels, sum);
	free(bucket);
	bucket = sl_xasprintf("%s_count", name);
	sl_metrics_sample(b, bucket, labels, (double)cum);
	free(bucket);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_metric(struct sl_buf *b, const struct metric *m)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	sl_metrics_family(b, m->name, m->type, m->help);
	g_hash_table_iter_init(&it, m->series);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, cmp_str);
	for (guint i = 0; i < keys->len; i++) {
		const struct series *s = g_hash_table_lookup(m->series, keys->pdata[i]);
		if (m->type == SL_METRIC_COUNTER) {
			sl_metrics_sample(b, m->name, s->labels,
					  (double)__atomic_load_n(&s->count, __ATOMIC_RELAXED));
		} else if (m->type == SL_METRIC_GAUGE) {
			sl_metrics_sample(b, m->name, s->labels,
					  bits_double(__atomic_load_n(&s->bits, __ATOMIC_RELAXED)));
		} else {
			uint64_t counts[SL_METRICS_MAX_BUCKETS + 1];
			double bounds[SL_METRICS_MAX_BUCKETS + 1];
			for (size_t j = 0; j <= m->nbuckets; j++) {
				counts[j] = __atomic_load_n(&s->bucket[j], __ATOMIC_RELAXED);
				bounds[j] = j < m->nbuckets ? m->bucket[j] : INFINITY;
			}
			sl_metrics_histogram(
			    b, m->name, s->labels, bounds, counts, m->nbuckets + 1,
			    bits_double(__atomic_load_n(&s->bits, __ATOMIC_RELAXED)));
		}
	}
	g_ptr_array_free(keys, TRUE);
}

void sl_metrics_write(struct sl_buf *b)
{
	GPtrArray *names = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_rw_lock_reader_lock(&lock);
	if (metrics != NULL) {
		g_hash_table_iter_init(&it, metrics);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_ptr_array_add(names, k);
	}
	g_ptr_array_sort(names, cmp_str);
	for (guint i = 0; i < names->len; i++)
		write_metric(b, g_hash_table_lookup(metrics, names->pdata[i]));
	g_rw_lock_reader_unlock(&lock);
	g_ptr_array_free(names, TRUE);
	sl_metrics_family(b, DROPPED, SL_METRIC_COUNTER,
			  "Recordings not kept: too many series, or a bad name or label");
	sl_metrics_sample(b, DROPPED, "", (double)__atomic_load_n(&dropped, __ATOMIC_RELAXED));
}

void sl_metrics_reset(void)
{
	g_rw_lock_writer_lock(&lock);
	if (metrics != NULL)
		g_hash_table_destroy(metrics);
	metrics = NULL;
	__atomic_store_n(&dropped, 0, __ATOMIC_RELAXED);
	g_rw_lock_writer_unlock(&lock);
}
