/* pipeline - see pipeline.h. */
#include <glib.h>

#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "av.h"
#include "docs.h"
#include "filetype.h"
#include "linkpage.h"
#include "metrics.h"
#include "mime.h"
#include "notice.h"
#include "policy.h"
#include "reputation.h"
#include "rewrite.h"
#include "urlrewrite.h"
#include "urls.h"
#include "util.h"

/* Stage adapters: each module keeps its own typed API. */
#define STAGE(s)                                                                         \
	static void *s##_new_(const struct sl_config *c, char **why) { return sl_##s##_new(c, why); } \
	static int s##_run_(void *st, struct sl_msg *m) { return sl_##s##_run(st, m); }   \
	static void s##_free_(void *st) { sl_##s##_free(st); }

STAGE(mime)
STAGE(av)
STAGE(filetype)
STAGE(docs)
STAGE(urls)
STAGE(reputation)

struct stage {
	const char *name;
	void *(*create)(const struct sl_config *, char **);
	int (*run)(void *, struct sl_msg *);
	void (*destroy)(void *);
};

/* The order matters: av adds the archive members that filetype then judges;
 * docs reads the PDFs and Office files filetype typed; urls reads text and
 * HTML by the types filetype found; reputation judges what docs and urls
 * found. */
static const struct stage stages[] = {
	{ "mime", mime_new_, mime_run_, mime_free_ },
	{ "av", av_new_, av_run_, av_free_ },
	{ "filetype", filetype_new_, filetype_run_, filetype_free_ },
	{ "docs", docs_new_, docs_run_, docs_free_ },
	{ "urls", urls_new_, urls_run_, urls_free_ },
	{ "reputation", reputation_new_, reputation_run_, reputation_free_ },
};

#define NSTAGES (sizeof(stages) / sizeof(stages[0]))

struct sl_engine {
	uint64_t stage_ns[8];  /* time in each stage, all threads (benchmarks) */
	int refs;
	struct sl_config *cfg;
	void *state[NSTAGES];
	struct sl_policy *policy;
	struct sl_urlrewrite *urlrewrite;
	struct sl_linkpages *linkpages; /* NULL without safelinks.base_url */
	struct sl_notice_template *placeholder;
	size_t max_message;
};

/* What every scan records in the process's registry (metrics.h). */
static const double scan_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
				      1,     2.5,  5,     10,   30,  60};

static void declare_metrics(void)
{
	sl_metrics_declare("sluice_messages_total", SL_METRIC_COUNTER,
			   "Messages scanned, by channel and verdict (tempfail: the scan could "
			   "not finish)",
			   "channel,verdict", NULL, 0);
	sl_metrics_declare("sluice_findings_total", SL_METRIC_COUNTER,
			   "Findings, by kind and rule (the policy key that decides their action)",
			   "kind,rule", NULL, 0);
	sl_metrics_declare("sluice_scan_seconds", SL_METRIC_HISTOGRAM,
			   "Time to scan one message (every stage and the policy)", "channel",
			   scan_buckets, G_N_ELEMENTS(scan_buckets));
}

static void record(const struct sl_msg *m, int rc, double seconds)
{
	const char *ch = m->channel == SL_CHANNEL_WHATSAPP ? "whatsapp" : "email";
	char labels[96];
	size_t i;

	snprintf(labels, sizeof(labels), "channel=%s,verdict=%s", ch,
		 rc == SL_OK ? sl_verdict_name(m->verdict) : "tempfail");
	sl_metrics_inc("sluice_messages_total", labels, 1);
	for (i = 0; i < m->nfindings; i++) {
		char *l = sl_xasprintf("kind=%s,rule=%s", sl_finding_kind_name(m->findings[i].kind),
				       m->findings[i].rule);
		sl_metrics_inc("sluice_findings_total", l, 1);
		free(l);
	}
	snprintf(labels, sizeof(labels), "channel=%s", ch);
	sl_metrics_observe("sluice_scan_seconds", labels, seconds);
}

int sl_engine_new(struct sl_config *cfg, struct sl_engine **out, char **why)
{
	struct sl_engine *e = sl_xcalloc(1, sizeof(*e));
	size_t i;
	e->refs = 1;
	e->cfg = sl_config_ref(cfg);
	declare_metrics();
	e->max_message = (size_t)sl_config_int(cfg, "general.max_message_size");
	*out = NULL;
	for (i = 0; i < NSTAGES; i++) {
		e->state[i] = stages[i].create(cfg, why);
		if (e->state[i] == NULL) {
			sl_engine_unref(e);
			return SL_ECONFIG;
		}
	}
	e->policy = sl_policy_new(cfg, why);
	e->urlrewrite = sl_urlrewrite_new(cfg, why);
	if (e->urlrewrite == NULL || sl_notice_template_load(cfg, &e->placeholder, why) != SL_OK) {
		sl_engine_unref(e);
		return SL_ECONFIG;
	}
	if (sl_urlrewrite_base(e->urlrewrite) != NULL) {
		e->linkpages = sl_linkpages_new(cfg, why);
		if (e->linkpages == NULL) {
			sl_engine_unref(e);
			return SL_ECONFIG;
		}
	}
	*out = e;
	return SL_OK;
}

struct sl_engine *sl_engine_ref(struct sl_engine *e)
{
	g_atomic_int_inc(&e->refs);
	return e;
}

struct sl_engine *sl_engine_unref(struct sl_engine *e)
{
	size_t i;
	if (e == NULL || !g_atomic_int_dec_and_test(&e->refs))
		return NULL;
	for (i = 0; i < NSTAGES; i++)
		if (e->state[i] != NULL)
			stages[i].destroy(e->state[i]);
	sl_policy_free(e->policy);
	sl_urlrewrite_free(e->urlrewrite);
	sl_linkpages_free(e->linkpages);
	sl_notice_template_free(e->placeholder);
	sl_config_unref(e->cfg);
	free(e);
	return NULL;
}

const struct sl_config *sl_engine_config(const struct sl_engine *e)
{
	return e->cfg;
}

const struct sl_notice_template *sl_engine_placeholder(const struct sl_engine *e)
{
	return e->placeholder;
}

const char *sl_engine_stage_time(const struct sl_engine *e, size_t i, uint64_t *ns)
{
	if (i >= NSTAGES)
		return NULL;
	*ns = __atomic_load_n(&e->stage_ns[i], __ATOMIC_RELAXED);
	return stages[i].name;
}

const struct sl_urlrewrite *sl_engine_urlrewrite(const struct sl_engine *e)
{
	return e->urlrewrite;
}

const struct sl_linkpages *sl_engine_linkpages(const struct sl_engine *e)
{
	return e->linkpages;
}

void *sl_engine_stage(const struct sl_engine *e, const char *name)
{
	size_t i;
	for (i = 0; i < NSTAGES; i++)
		if (strcmp(stages[i].name, name) == 0)
			return e->state[i];
	return NULL;
}

static int scan(struct sl_engine *e, struct sl_msg *m)
{
	size_t i;
	int rc;
	if (m->raw_len > e->max_message) {
		sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", -1,
				   "message of %zu bytes is larger than general.max_message_size (%zu)",
				   m->raw_len, e->max_message);
		m->incomplete = 1; /* not scanned: never delivered as is, whatever policy.limit says */
		return sl_policy_run(e->policy, m);
	}
	for (i = 0; i < NSTAGES; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = stages[i].run(e->state[i], m);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		__atomic_add_fetch(&e->stage_ns[i],
				   (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)),
				   __ATOMIC_RELAXED);
		if (rc != SL_OK) {
			sl_log(SL_LOG_WARNING, "id=%s stage=%s error=\"%s\"", m->id, stages[i].name, sl_strerror(rc));
			return rc == SL_ETEMP ? SL_ETEMP : rc;
		}
		/* Past the structure limits the later stages would only be a way to make
		 * us (and ClamAV's own MIME parser) work without bound: the message goes
		 * to quarantine as it is. */
		if (m->incomplete)
			break;
	}
	rc = sl_policy_run(e->policy, m);
	if (rc == SL_OK && m->verdict == SL_VERDICT_REWRITE) {
		/* A rewrite that could not be carried out in full would deliver what it
		 * meant to remove: such a message goes to quarantine instead. */
		struct sl_edits edits = { 0 };
		char *why = NULL;
		sl_urlrewrite_edits(e->urlrewrite, m, &edits);
		if (sl_rewrite_email_check(m, &edits, &why) != SL_OK) {
			sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1,
					   "the message cannot be rewritten safely: %s", why);
			m->incomplete = 1; /* quarantined whatever policy.structure says */
			rc = sl_policy_run(e->policy, m);
		}
		free(why);
		sl_edits_clear(&edits);
	}
	return rc;
}

/* The stages and the policy; the message's counters recorded (metrics.h). */
int sl_engine_scan(struct sl_engine *e, struct sl_msg *m)
{
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = scan(e, m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	record(m, rc, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return rc;
}

int sl_engine_rewrite_email(const struct sl_engine *e, const struct sl_msg *m, unsigned char **out,
			    size_t *outlen)
{
	struct sl_edits edits = { 0 };
	int rc;
	sl_engine_link_edits(e, m, &edits);
	rc = sl_rewrite_email_with(m, &edits, e->placeholder, out, outlen);
	sl_edits_clear(&edits);
	return rc;
}

void sl_engine_link_edits(const struct sl_engine *e, const struct sl_msg *m, struct sl_edits *out)
{
	if (m->verdict == SL_VERDICT_REWRITE)
		sl_urlrewrite_edits(e->urlrewrite, m, out);
}

char *sl_msg_log_line(const struct sl_msg *m, double ms)
{
	struct sl_buf b;
	size_t i, nleaf = 0;
	sl_buf_init(&b, 0);
	for (i = 0; i < m->nparts; i++)
		if (!m->parts[i].is_container)
			nleaf++;
	sl_buf_printf(&b, "id=%s channel=%s verdict=%s size=%zu parts=%zu urls=%zu findings=%zu",
		      m->id, m->channel == SL_CHANNEL_EMAIL ? "email" : "whatsapp",
		      sl_verdict_name(m->verdict), m->raw_len, nleaf, m->nurls, m->nfindings);
	for (i = 0; i < m->nfindings && i < 8; i++) {
		const struct sl_finding *f = &m->findings[i];
		sl_buf_printf(&b, " finding=%s/%s@%s:%s", sl_finding_kind_name(f->kind), f->rule,
			      f->part >= 0 ? m->parts[f->part].id : "msg", sl_action_name(f->action));
	}
	sl_buf_printf(&b, " ms=%.1f", ms);
	return sl_buf_take(&b);
}
