/* ctl_scan_wa - see ctl_scan_wa.h. */
#include "ctl_scan_wa.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "util.h"
#include "wa_media.h"
#include "wa_process.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The scan report of a message with its wamid. */
static void print_report(struct sl_msg *m, const char *file)
{
	char *r = sl_report_json(m, file), *s;
	json_t *j = json_loads(r, 0, NULL);
	json_object_set_new(j, "message", json_string(m->id));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	puts(s ? s : r);
	free(s);
	json_decref(j);
	free(r);
}

static int keep(const char *prog, struct sl_store *store, struct sl_engine *eng,
		struct sl_wa_done *d, const char *file)
{
	struct sl_wa_envelope env;
	char *why = NULL, *actor = sl_xasprintf("sluicectl scan (uid %u)", (unsigned)getuid());
	int rc;
	sl_wa_envelope_init(&env, d);
	rc = sl_store_keep(store, sl_engine_config(eng), d->wm->m, &env.env,
			   (const unsigned char *)d->body, d->body_len, actor, &why);
	if (rc != SL_OK)
		fprintf(stderr, "%s: %s: message %s not kept in the quarantine: %s\n", prog, file,
			d->wm->m->id, why);
	sl_wa_envelope_clear(&env);
	free(actor);
	free(why);
	return rc;
}

int sl_ctl_scan_whatsapp(const char *prog, struct sl_engine *eng, struct sl_store *store,
			 const char *file, const char *media_dir, int json, FILE *output)
{
	const struct sl_config *cfg = sl_engine_config(eng);
	struct sl_wa_payload *pl = NULL;
	char *data = NULL, *why = NULL;
	size_t len = 0, i;
	int status = 0;

	if (sl_read_file(file, (size_t)sl_config_int(cfg, "whatsapp.max_payload_size"), &data, &len,
			 &why) != SL_OK) {
		fprintf(stderr, "%s: %s\n", prog, why);
		free(why);
		return 2;
	}
	if (sl_wa_payload_parse(data, len, &pl, &why) != SL_OK) {
		fprintf(stderr, "%s: %s: not a WhatsApp webhook payload: %s\n", prog, file, why);
		free(why);
		free(data);
		return 2;
	}
	for (i = 0; i < pl->nitems; i++) {
		const struct sl_wa_item *it = &pl->items[i];
		struct sl_wa_done d;
		double t0 = now_ms();
		int rc;

		if (it->kind == SL_WA_DROPPED) {
			fprintf(stderr,
				"%s: %s: a change of field \"%s\" carries messages sluice does not "
				"scan: "
				"not forwarded\n",
				prog, file,
				json_string_value(json_object_get(it->change, "field")));
			continue;
		}
		rc = sl_wa_process(eng, it, sl_wa_dir_fetch, (void *)media_dir, store != NULL, &d,
				   &why);
		if (rc != SL_OK) {
			fprintf(stderr, "%s: %s: item %zu (%s): %s\n", prog, file, i,
				sl_wa_kind_name(it->kind), why ? why : sl_strerror(rc));
			free(why);
			why = NULL;
			status = 2;
			continue;
		}
		if (d.wm != NULL) {
			struct sl_msg *m = d.wm->m;
			if (store != NULL && m->verdict != SL_VERDICT_CLEAN &&
			    keep(prog, store, eng, &d, file) != SL_OK) {
				status = 2;
				sl_wa_done_clear(&d);
				continue;
			}
			if (json) {
				print_report(m, file);
			} else {
				char *line = sl_msg_log_line(m, now_ms() - t0);
				printf("%s%s%s\n", line, m->reference ? " ref=" : "",
				       m->reference ? m->reference : "");
				free(line);
			}
			if (m->verdict != SL_VERDICT_CLEAN && status == 0)
				status = 1;
		}
		if (output != NULL)
			fprintf(output, "%s\n", d.body);
		sl_wa_done_clear(&d);
	}
	sl_wa_payload_free(pl);
	free(data);
	return status;
}
