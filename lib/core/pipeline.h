/*
 * pipeline - the engine: one config snapshot, the stages built from it, and
 * the policy, loaded once per process and shared by every thread.
 *
 * The stages are a table (pipeline.c): each has new/run/free and adds
 * findings to the message; none acts. Adding a stage is one row there.
 * sl_engine_scan() runs every stage, then the policy, on one sl_msg, and
 * records it in the process's metrics (metrics.h): sluice_messages_total by
 * channel and verdict ("tempfail" when the scan could not finish),
 * sluice_findings_total by kind and rule, sluice_scan_seconds by channel.
 * The front ends record nothing of that themselves.
 *
 * An engine is reference-counted and immutable: a reload builds a new engine
 * and swaps it in; in-flight messages finish on the old one. A reload that
 * fails keeps the old engine.
 *
 * Errors: sl_engine_new returns SL_ECONFIG/SL_ENGINE with *why for people;
 * sl_engine_scan returns SL_ETEMP when a stage could not finish (the front end
 * tempfails: the sender's MTA or Meta retries).
 */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"
#include "rewrite.h"

struct sl_engine;
struct sl_urlrewrite;
struct sl_linkpages;

int sl_engine_new(struct sl_config *cfg, struct sl_engine **out, char **why);
struct sl_engine *sl_engine_ref(struct sl_engine *e);
struct sl_engine *sl_engine_unref(struct sl_engine *e);
const struct sl_config *sl_engine_config(const struct sl_engine *e);
/* The quarantine placeholder's template (notice.placeholder_template), for
 * the doors that write a placeholder of their own (notice.h). */
struct sl_notice_template;
const struct sl_notice_template *sl_engine_placeholder(const struct sl_engine *e);
/* The stage state by name ("av", ...), for tools and benchmarks; NULL if absent. */
void *sl_engine_stage(const struct sl_engine *e, const char *name);
/* The link rewriter (its safe-link base and key) and the safe-link pages
 * (linkpage.h; NULL when safelinks.base_url is not set): the redirector
 * judges clicks with the engine of the moment. */
const struct sl_urlrewrite *sl_engine_urlrewrite(const struct sl_engine *e);
const struct sl_linkpages *sl_engine_linkpages(const struct sl_engine *e);

int sl_engine_scan(struct sl_engine *e, struct sl_msg *m);
/* Name of stage i and the time spent in it so far (all threads); NULL past the last. */
const char *sl_engine_stage_time(const struct sl_engine *e, size_t i, uint64_t *ns);

/* What the agent receives by e-mail after a scan (rewrite.h): the policy's
 * removals plus the links the URL rewriter disarms. *out NULL for reject. */
int sl_engine_rewrite_email(const struct sl_engine *e, const struct sl_msg *m, unsigned char **out,
			    size_t *outlen);

/* The text edits that disarm m's bad links (urlrewrite.h), for a rewriter
 * of another channel (WhatsApp: wa_rewrite.h). Nothing for a message whose
 * verdict is not rewrite. Caller clears out. */
void sl_engine_link_edits(const struct sl_engine *e, const struct sl_msg *m, struct sl_edits *out);

/* One key=value log line for the message (no bodies, no secrets); caller frees. */
char *sl_msg_log_line(const struct sl_msg *m, double ms);

#endif
