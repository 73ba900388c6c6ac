/* ctl_quarantine - see ctl_quarantine.h. */
#include <glib.h>
#include <jansson.h>

#include "ctl_quarantine.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_client.h"
#include "cli.h"
#include "config.h"
#include "release.h"
#include "store.h"
#include "util.h"

static const char usage_text[] =
	"usage: sluicectl quarantine COMMAND [--config FILE] [-o section.key=value]...\n"
	"\n"
	"  list [--status held|released|deleted|expired] [--channel email|whatsapp]\n"
	"       [--sender TEXT] [--since WHEN] [--limit N] [--json]\n"
	"                              items, newest first; WHEN is 2026-12-01,\n"
	"                              2026-12-01T10:00:00Z, or an age such as 3d, 12h, 30m\n"
	"  show REF [--json | --raw]   one item: what was found, its parts, its audit trail;\n"
	"                              --raw writes the original message to standard output\n"
	"  release REF --reason TEXT [--to ADDRESS]... [--json]\n"
	"                              send the original on, byte for byte, to its recipients\n"
	"                              (or to --to); at most once\n"
	"  delete REF --reason TEXT [--json]\n"
	"                              remove the original (the record and audit stay)\n"
	"  purge                       remove the originals past quarantine.retention_days now\n"
	"\n"
	"They ask sluiced over admin.socket; only root and members of\n"
	"admin.supervisor_group are answered. REF is SL-XXXX-XXXX-XXXX-XXXX, in any case.\n"
	"Exit status: 0 done, 1 refused (the reason is printed), 2 error.\n";

/* ---- shared ---------------------------------------------------------------- */

struct ctx {
	const char *prog;
	struct sl_cli cli;
	struct sl_config *cfg;
	char *socket;
	long timeout;
};

static int setup(struct ctx *c)
{
	const char *s;
	c->cfg = sl_cli_load(&c->cli, c->prog);
	if (c->cfg == NULL)
		return -1;
	s = sl_config_str(c->cfg, "admin.socket");
	c->socket = *s ? sl_xstrdup(s) : g_build_filename(sl_config_str(c->cfg, "general.data_dir"), "admin.sock", NULL);
	/* a release waits for the relay: give the daemon its time and some */
	c->timeout = (long)sl_config_int(c->cfg, "release.timeout") + 30;
	return 0;
}

static void teardown(struct ctx *c)
{
	sl_config_unref(c->cfg);
	g_free(c->socket);
	sl_cli_free(&c->cli);
}

/* Control characters and the like from senders never reach the terminal. */
static char *safe(const char *s)
{
	struct sl_buf b;
	const char *p;
	sl_buf_init(&b, 0);
	for (p = s ? s : ""; *p;) {
		gunichar u = g_utf8_get_char_validated(p, -1);
		const char *next;
		if (u == (gunichar)-1 || u == (gunichar)-2) {
			sl_buf_printf(&b, "\\x%02x", (unsigned char)*p);
			p++;
			continue;
		}
		next = g_utf8_next_char(p);
		if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || (u >= 0x202a && u <= 0x202e) ||
		    (u >= 0x2066 && u <= 0x2069))
			sl_buf_printf(&b, "\\u%04x", (unsigned)u);
		else
			sl_buf_add(&b, p, (size_t)(next - p));
		p = next;
	}
	sl_buf_addstr(&b, "");
	return sl_buf_take(&b);
}

/* s made safe, cut to width characters (and padded to it when pad). */
static char *cell(const char *s, long width, int pad)
{
	char *v = safe(s);
	long n = g_utf8_strlen(v, -1);
	GString *g = g_string_new(NULL);
	char *r;
	if (n > width) {
		const char *cut = g_utf8_offset_to_pointer(v, width - 1);
		g_string_append_len(g, v, cut - v);
		g_string_append(g, "~");
	} else {
		g_string_append(g, v);
		while (pad && n++ < width)
			g_string_append_c(g, ' ');
	}
	free(v);
	r = sl_xstrdup(g->str);
	g_string_free(g, TRUE);
	return r;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void print_safe(const char *label, const char *value)
{
	char *v = safe(value);
	printf("%-12s%s\n", label, v);
	free(v);
}

/* Exit status of an answer: 0 done, 1 refused, 2 error; prints why. */
static int outcome(struct ctx *c, const struct sl_admin_reply *r, json_t *j)
{
	const char *err = j ? json_string_value(json_object_get(j, "error")) : NULL;
	char *e;
	int code;
	if (r->status >= 200 && r->status < 300)
		return 0;
	switch (r->status) {
	case 403:
	case 404:
	case 409:
	case 422:
		code = 1;
		break;
	case 502:
		code = json_is_true(json_object_get(j, "refused")) ? 1 : 2;
		break;
	default:
		code = 2;
	}
	e = safe(err ? err : "sluiced gave an answer without a reason");
	fprintf(stderr, "%s: %s\n", c->prog, e);
	free(e);
	return code;
}

/* One request; *j gets the JSON answer (may be NULL). Returns the exit status. */
static int call(struct ctx *c, const char *method, const char *path, json_t *body, json_t **j,
		struct sl_admin_reply *out)
{
	struct sl_admin_reply r;
	char *why = NULL, *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc = sl_admin_call(c->socket, method, path, b, c->timeout, &r, &why);
	int status;
	free(b);
	*j = NULL;
	if (rc != SL_OK) {
		fprintf(stderr, "%s: %s\n", c->prog, why);
		free(why);
		return 2;
	}
	*j = json_loadb(r.body, r.len, 0, NULL);
	status = outcome(c, &r, *j);
	if (out != NULL)
		*out = r;
	else
		sl_admin_reply_clear(&r);
	return status;
}

/* Options every subcommand takes; returns 1 when consumed, -1 on error. */
static int common_option(struct ctx *c, int argc, char **argv, int *i)
{
	int r = sl_cli_option(&c->cli, argc, argv, i);
	if (r < 0)
		fprintf(stderr, "%s: %s needs a value\n", c->prog, argv[*i]);
	return r;
}

static int blank(const char *s)
{
	for (; s != NULL && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

static int parse_since(const char *s, int64_t *out)
{
	char *end = NULL;
	long long n = strtoll(s, &end, 10);
	GTimeZone *utc;
	GDateTime *dt;
	if (end != s && n >= 0 && end[0] != '\0' && end[1] == '\0' && strchr("smhd", end[0])) {
		static const int unit[] = { 1, 60, 3600, 86400 };
		*out = (int64_t)time(NULL) - n * unit[strchr("smhd", end[0]) - "smhd"];
		return 0;
	}
	utc = g_time_zone_new_utc();
	if (strlen(s) == 10) {
		gchar *full = g_strdup_printf("%sT00:00:00Z", s);
		dt = g_date_time_new_from_iso8601(full, utc);
		g_free(full);
	} else {
		dt = g_date_time_new_from_iso8601(s, utc);
	}
	g_time_zone_unref(utc);
	if (dt == NULL)
		return -1;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

static char *escape_arg(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *r = sl_xstrdup(e ? e : "");
	curl_free(e);
	return r;
}

/* ---- list ------------------------------------------------------------------ */

static void print_table(json_t *arr)
{
	size_t i;
	json_t *it;
	if (json_array_size(arr) == 0) {
		printf("no items\n");
		return;
	}
	printf("%-22s  %-8s  %-8s  %-20s  %-28s  %s\n", "REFERENCE", "STATUS", "CHANNEL", "RECEIVED", "SENDER",
	       "SUBJECT");
	json_array_foreach(arr, i, it) {
		char *sender = cell(jstr(it, "sender"), 28, 1), *subject = cell(jstr(it, "subject"), 50, 0);
		printf("%-22s  %-8s  %-8s  %-20s  %s  %s\n", jstr(it, "reference"), jstr(it, "status"),
		       jstr(it, "channel"), jstr(it, "received"), sender, subject);
		free(sender);
		free(subject);
	}
}

/* A list command: --KEY VALUE options (KEY one of keys; --since takes a date
 * or an age) into the query of path, --json or print's table. */
static int list_cmd(struct ctx *c, int argc, char **argv, const char *what, const char *path,
		    const char *const *keys, void (*print)(json_t *))
{
	GString *q = g_string_new(path);
	int json = 0, i, status = 2;
	json_t *j = NULL;

	g_string_append_c(q, '?');
	for (i = 0; i < argc; i++) {
		int r = common_option(c, argc, argv, &i);
		const char *key = NULL;
		size_t k;
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		for (k = 0; keys[k] != NULL && key == NULL; k++)
			if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, keys[k]) == 0)
				key = keys[k];
		if (key == NULL || i + 1 >= argc) {
			fprintf(stderr, "%s: %s: %s %s\n", c->prog, what, argv[i],
				key ? "needs a value" : "is not an option of list (see --help)");
			goto out;
		}
		i++;
		if (strcmp(key, "since") == 0) {
			int64_t t;
			if (parse_since(argv[i], &t) != 0) {
				fprintf(stderr, "%s: --since: '%s' is not a date (2026-12-01, 2026-12-01T10:00:00Z) "
					"or an age (3d, 12h, 30m)\n", c->prog, argv[i]);
				goto out;
			}
			g_string_append_printf(q, "since=%lld&", (long long)t);
		} else {
			char *e = escape_arg(argv[i]);
			g_string_append_printf(q, "%s=%s&", key, e);
			free(e);
		}
	}
	if (setup(c) != 0)
		goto out;
	status = call(c, "GET", q->str, NULL, &j, NULL);
	if (status == 0) {
		if (json) {
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			puts(s ? s : "[]");
			free(s);
		} else {
			print(j);
		}
	}
out:
	json_decref(j);
	g_string_free(q, TRUE);
	return status;
}

static int cmd_list(struct ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "status", "channel", "sender", "since", "limit", NULL };
	return list_cmd(c, argc, argv, "quarantine list", "/v1/items", keys, print_table);
}

/* ---- show ------------------------------------------------------------------ */

static void print_item(json_t *o)
{
	json_t *a, *e;
	size_t i;
	GString *rc = g_string_new(NULL);
	print_safe("Reference:", jstr(o, "reference"));
	printf("%-12s%s", "Status:", jstr(o, "status"));
	if (json_is_string(json_object_get(o, "status_at"))) {
		char *by = safe(jstr(o, "status_by")), *why = safe(jstr(o, "status_reason"));
		printf(" at %s by %s%s%s", jstr(o, "status_at"), by, *why ? ": " : "", why);
		free(by);
		free(why);
	}
	printf("\n");
	if (json_is_object(json_object_get(o, "release"))) {
		json_t *r = json_object_get(o, "release");
		char *by = safe(jstr(r, "by"));
		printf("%-12s%s by %s since %s\n", "Release:",
		       json_is_true(json_object_get(r, "interrupted")) ? "interrupted" : "under way", by, jstr(r, "since"));
		free(by);
	}
	print_safe("Channel:", jstr(o, "channel"));
	printf("%-12s%s on %s (%s)\n", "Received:", jstr(o, "received"), jstr(o, "gateway"), jstr(o, "message_id"));
	printf("%-12s%s%s%s\n", "Expires:", jstr(o, "expires"), json_is_string(json_object_get(o, "purged")) ? "; original removed " : "",
	       json_is_string(json_object_get(o, "purged")) ? jstr(o, "purged") : "");
	print_safe("From:", jstr(o, "sender"));
	json_array_foreach(json_object_get(o, "recipients"), i, e)
		g_string_append_printf(rc, "%s%s", i ? ", " : "", json_string_value(e) ? json_string_value(e) : "");
	print_safe("To:", rc->str);
	g_string_free(rc, TRUE);
	print_safe("Subject:", jstr(o, "subject"));
	print_safe("Verdict:", jstr(o, "verdict"));
	printf("%-12s%lld bytes, sha256 %s%s\n", "Original:", (long long)json_integer_value(json_object_get(o, "size")),
	       jstr(o, "sha256"), json_is_true(json_object_get(o, "rewritten")) ? " (a rewritten copy is kept too)" : "");
	a = json_object_get(o, "findings");
	printf("Findings:\n");
	if (json_array_size(a) == 0)
		printf("  (none)\n");
	json_array_foreach(a, i, e) {
		char *d = safe(jstr(e, "detail"));
		printf("  - %s%s%s: %s -> %s\n", jstr(e, "kind"), json_is_string(json_object_get(e, "part")) ? " in part " : "",
		       json_is_string(json_object_get(e, "part")) ? jstr(e, "part") : "", d, jstr(e, "action"));
		free(d);
	}
	a = json_object_get(o, "parts");
	if (json_array_size(a) > 0)
		printf("Parts:\n");
	json_array_foreach(a, i, e) {
		char *name = safe(jstr(e, "filename"));
		printf("  %-8s %-30s %-30s %10lld  %s\n", jstr(e, "id"), jstr(e, "declared_type"), jstr(e, "detected_type"),
		       (long long)json_integer_value(json_object_get(e, "size")), name);
		free(name);
	}
	a = json_object_get(o, "audit");
	printf("Audit trail:\n");
	json_array_foreach(a, i, e) {
		char *actor = safe(jstr(e, "actor")), *reason = safe(jstr(e, "reason")), *outc = safe(jstr(e, "outcome")),
		     *det = safe(jstr(e, "detail"));
		printf("  %s  %-10s %s by %s on %s%s%s%s%s%s\n", jstr(e, "at"), jstr(e, "action"), outc, actor,
		       jstr(e, "gateway"), *reason ? "; reason: " : "", reason, *det ? " (" : "", det, *det ? ")" : "");
		free(actor);
		free(reason);
		free(outc);
		free(det);
	}
}

/* REF from the command line: canonical, or an error message (exit 2). */
static int ref_arg(struct ctx *c, const char *in, char out[SL_REF_LEN + 1])
{
	char *why = NULL;
	if (in == NULL) {
		fprintf(stderr, "%s: a reference is needed (SL-XXXX-XXXX-XXXX-XXXX)\n", c->prog);
		return -1;
	}
	if (sl_ref_parse(in, out, &why) != SL_OK) {
		char *s = safe(in);
		fprintf(stderr, "%s: '%s' is %s\n", c->prog, s, why);
		free(s);
		free(why);
		return -1;
	}
	return 0;
}

static int cmd_show(struct ctx *c, int argc, char **argv)
{
	const char *in = NULL;
	char ref[SL_REF_LEN + 1], *path;
	int json = 0, raw = 0, i, status = 2;
	json_t *j = NULL;
	struct sl_admin_reply r = { 0 };

	for (i = 0; i < argc; i++) {
		int o = common_option(c, argc, argv, &i);
		if (o < 0)
			return 2;
		if (o > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--raw") == 0)
			raw = 1;
		else if (argv[i][0] == '-' || in != NULL) {
			fprintf(stderr, "%s: quarantine show: unexpected %s (see --help)\n", c->prog, argv[i]);
			return 2;
		} else
			in = argv[i];
	}
	if (json && raw) {
		fprintf(stderr, "%s: quarantine show: --json or --raw, not both\n", c->prog);
		return 2;
	}
	if (ref_arg(c, in, ref) != 0 || setup(c) != 0)
		return 2;
	path = sl_xasprintf("/v1/items/%s%s", ref, raw ? "/raw" : "");
	status = call(c, "GET", path, NULL, &j, raw ? &r : NULL);
	free(path);
	if (status == 0 && raw) {
		if (r.len && fwrite(r.body, 1, r.len, stdout) != r.len) {
			fprintf(stderr, "%s: write error\n", c->prog);
			status = 2;
		}
	} else if (status == 0 && json) {
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s ? s : "{}");
		free(s);
	} else if (status == 0) {
		print_item(j);
	}
	sl_admin_reply_clear(&r);
	json_decref(j);
	return status;
}

/* ---- release, delete, purge ------------------------------------------------ */

static int cmd_act(struct ctx *c, const char *action, int argc, char **argv)
{
	const char *in = NULL, *reason = NULL;
	char ref[SL_REF_LEN + 1], *path;
	json_t *to = json_array(), *body, *j = NULL;
	int json = 0, i, status = 2, is_release = strcmp(action, "release") == 0;

	for (i = 0; i < argc; i++) {
		int o = common_option(c, argc, argv, &i);
		if (o < 0)
			goto out;
		if (o > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
		} else if (is_release && strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			json_array_append_new(to, json_string(argv[++i]));
		} else if (argv[i][0] == '-' || in != NULL) {
			fprintf(stderr, "%s: quarantine %s: unexpected %s%s (see --help)\n", c->prog, action, argv[i],
				argv[i][0] == '-' && i + 1 >= argc ? " (a value is missing?)" : "");
			goto out;
		} else {
			in = argv[i];
		}
	}
	if (ref_arg(c, in, ref) != 0)
		goto out;
	if (blank(reason)) {
		fprintf(stderr, "%s: quarantine %s: --reason TEXT is required (it goes into the audit trail)\n",
			c->prog, action);
		goto out;
	}
	for (i = 0; (size_t)i < json_array_size(to); i++) {
		const char *a = json_string_value(json_array_get(to, (size_t)i));
		if (a == NULL || !sl_release_address_ok(a)) {
			char *sa = safe(a);
			fprintf(stderr, "%s: --to: '%s' is not an e-mail address\n", c->prog, sa);
			free(sa);
			goto out;
		}
	}
	if (!g_utf8_validate(reason, -1, NULL)) {
		fprintf(stderr, "%s: --reason: not valid UTF-8\n", c->prog);
		goto out;
	}
	if (setup(c) != 0)
		goto out;
	body = json_pack("{s:s}", "reason", reason);
	if (json_array_size(to) > 0)
		json_object_set(body, "to", to);
	path = sl_xasprintf("/v1/items/%s/%s", ref, action);
	status = call(c, "POST", path, body, &j, NULL);
	free(path);
	json_decref(body);
	if (status == 0 && json) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		puts(s ? s : "{}");
		free(s);
	} else if (status == 0) {
		const char *m = json_string_value(json_object_get(j, "message"));
		char *sm = safe(m ? m : "");
		if (m != NULL)
			printf("%s\n", sm);
		else
			printf("%s %s\n", jstr(j, "status"), ref);
		free(sm);
	}
out:
	json_decref(j);
	json_decref(to);
	return status;
}

static int cmd_purge(struct ctx *c, int argc, char **argv)
{
	json_t *j = NULL;
	int i, status;
	for (i = 0; i < argc; i++) {
		int o = common_option(c, argc, argv, &i);
		if (o < 0)
			return 2;
		if (o == 0) {
			fprintf(stderr, "%s: quarantine purge: unexpected %s\n", c->prog, argv[i]);
			return 2;
		}
	}
	if (setup(c) != 0)
		return 2;
	status = call(c, "POST", "/v1/purge", NULL, &j, NULL);
	if (status == 0)
		printf("removed the originals of %lld expired item(s)\n",
		       (long long)json_integer_value(json_object_get(j, "expired")));
	json_decref(j);
	return status;
}

int sl_ctl_quarantine(const char *prog, int argc, char **argv)
{
	struct ctx c = { 0 };
	int status;
	c.prog = prog;
	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(usage_text, argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[0], "list") == 0)
		status = cmd_list(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "show") == 0)
		status = cmd_show(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "release") == 0 || strcmp(argv[0], "delete") == 0)
		status = cmd_act(&c, argv[0], argc - 1, argv + 1);
	else if (strcmp(argv[0], "purge") == 0)
		status = cmd_purge(&c, argc - 1, argv + 1);
	else {
		fprintf(stderr, "%s: quarantine: unknown command '%s' (list, show, release, delete, purge)\n", prog,
			argv[0]);
		status = 2;
	}
	teardown(&c);
	return status;
}

/* ---- the WhatsApp outbox ---------------------------------------------------- */

static const char outbox_usage[] =
	"usage: sluicectl outbox COMMAND [--config FILE] [-o section.key=value]...\n"
	"\n"
	"  list [--state pending|sent|dead] [--limit N] [--json]\n"
	"                              what sluiced hands to the platform (whatsapp.downstream_url),\n"
	"                              newest first: pending (being tried), sent, dead (given up\n"
	"                              after whatsapp.retry_days or whatsapp.max_attempts)\n"
	"  retry ID                    send a dead letter again (its retry window starts again)\n"
	"\n"
	"They ask sluiced over admin.socket, like `sluicectl quarantine`.\n"
	"Exit status: 0 done, 1 refused (the reason is printed), 2 error.\n";

static void print_outbox(json_t *arr)
{
	size_t i;
	json_t *it;
	if (json_array_size(arr) == 0) {
		printf("no rows\n");
		return;
	}
	printf("%-7s  %-7s  %-8s  %-3s  %-20s  %-20s  %-34s  %s\n", "ID", "STATE", "KIND", "TRY", "CREATED",
	       "NEXT/DONE", "KEY", "LAST ERROR");
	json_array_foreach(arr, i, it) {
		char *key = cell(jstr(it, "key"), 34, 1), *err = cell(jstr(it, "last_error"), 60, 0);
		const char *when = json_is_string(json_object_get(it, "next_attempt")) ? jstr(it, "next_attempt")
										 : jstr(it, "done");
		printf("%-7lld  %-7s  %-8s  %-3lld  %-20s  %-20s  %s  %s\n",
		       (long long)json_integer_value(json_object_get(it, "id")), jstr(it, "state"), jstr(it, "kind"),
		       (long long)json_integer_value(json_object_get(it, "attempts")), jstr(it, "created"), when, key,
		       err);
		free(key);
		free(err);
	}
}

static int cmd_outbox_list(struct ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "state", "limit", NULL };
	return list_cmd(c, argc, argv, "outbox list", "/v1/outbox", keys, print_outbox);
}

static int cmd_outbox_retry(struct ctx *c, int argc, char **argv)
{
	const char *id = NULL;
	char *path, *end = NULL;
	json_t *j = NULL;
	int i, status;
	for (i = 0; i < argc; i++) {
		int o = common_option(c, argc, argv, &i);
		if (o < 0)
			return 2;
		if (o == 0 && id == NULL && argv[i][0] != '-') {
			id = argv[i];
		} else if (o == 0) {
			fprintf(stderr, "%s: outbox retry: unexpected %s\n", c->prog, argv[i]);
			return 2;
		}
	}
	if (id == NULL || strtoll(id, &end, 10) <= 0 || *end != '\0') {
		fprintf(stderr, "%s: outbox retry: give the ID of a dead letter (sluicectl outbox list --state dead)\n",
			c->prog);
		return 2;
	}
	if (setup(c) != 0)
		return 2;
	path = sl_xasprintf("/v1/outbox/%s/retry", id);
	status = call(c, "POST", path, NULL, &j, NULL);
	if (status == 0)
		printf("outbox row %s is pending again: the sender tries it now\n", id);
	free(path);
	json_decref(j);
	return status;
}

int sl_ctl_outbox(const char *prog, int argc, char **argv)
{
	struct ctx c = { 0 };
	int status;
	c.prog = prog;
	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
	    (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))) {
		fputs(outbox_usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (strcmp(argv[0], "list") == 0) {
		status = cmd_outbox_list(&c, argc - 1, argv + 1);
	} else if (strcmp(argv[0], "retry") == 0) {
		status = cmd_outbox_retry(&c, argc - 1, argv + 1);
	} else {
		fprintf(stderr, "%s: outbox: unknown command '%s' (list, retry)\n", prog, argv[0]);
		status = 2;
	}
	teardown(&c);
	return status;
}

int sl_ctl_reload(const char *prog, int argc, char **argv)
{
	struct ctx c = { 0 };
	json_t *j = NULL;
	int i, status = 2;
	c.prog = prog;
	for (i = 0; i < argc; i++) {
		int o = common_option(&c, argc, argv, &i);
		if (o < 0)
			goto out;
		if (o == 0) {
			if (strcmp(argv[i], "--help") == 0) {
				printf("usage: sluicectl reload [--config FILE] [-o k=v]...\n"
				       "asks sluiced to reload its configuration and engine (as SIGHUP does)\n");
				status = 0;
			} else {
				fprintf(stderr, "%s: reload: unexpected %s\n", prog, argv[i]);
			}
			goto out;
		}
	}
	if (setup(&c) != 0)
		goto out;
	status = call(&c, "POST", "/v1/reload", NULL, &j, NULL);
	if (status == 0)
		printf("reloaded\n");
out:
	json_decref(j);
	teardown(&c);
	return status;
}

int sl_ctl_store(const char *prog, int argc, char **argv)
{
	struct sl_cli cli = { 0 };
	struct sl_config *cfg = NULL;
	struct sl_store *st = NULL;
	char *why = NULL;
	int i, status = 2, have = 0, latest = 0;

	if (argc < 1 || strcmp(argv[0], "init") != 0) {
		int help = argc >= 1 && strcmp(argv[0], "--help") == 0;
		fprintf(help ? stdout : stderr,
			"usage: sluicectl store init [--config FILE] [-o k=v]...\n"
			"creates the quarantine store, or brings its schema up to date\n");
		return help ? 0 : 2;
	}
	for (i = 1; i < argc; i++) {
		int r = sl_cli_option(&cli, argc, argv, &i);
		if (r < 0 || r == 0) {
			fprintf(stderr, "%s: store init: %s %s\n", prog, argv[i], r < 0 ? "needs a value" : "is not an option");
			goto out;
		}
	}
	cfg = sl_cli_load(&cli, prog);
	if (cfg == NULL)
		goto out;
	if (sl_store_open(cfg, NULL, &st, &why) != SL_OK || sl_store_schema(st, &have, &latest, &why) != SL_OK) {
		fprintf(stderr, "%s: %s\n", prog, why);
		goto out;
	}
	printf("%s: schema version %d (current)\n", sl_store_describe(st), have);
	status = 0;
out:
	free(why);
	sl_store_close(st);
	sl_config_unref(cfg);
	sl_cli_free(&cli);
	return status;
}
