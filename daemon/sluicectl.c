/*
 * sluicectl - the command line of sluice.
 *
 *   sluicectl scan [--config FILE] [-o k=v]... [--channel email|whatsapp]
 *                  [--media-dir DIR] [--json] [--output FILE | --output-dir DIR] [--no-store]
 *                  FILE...
 *   sluicectl config check [--config FILE] [-o k=v]... [--dump]
 *   sluicectl link decode [--config FILE] [-o k=v]... URL|TOKEN
 *   sluicectl quarantine list|show|release|delete|purge ...   (ctl_quarantine.h)
 *   sluicectl outbox list|retry ...                             (ctl_quarantine.h)
 *   sluicectl reload
 *   sluicectl store init
 *
 * scan runs the whole pipeline offline with the daemon's engine and policy,
 * and keeps what it does not pass untouched in the quarantine store of the
 * configuration (general.data_dir / store.*), like the daemon, so that
 * replayed messages can be released; --no-store is a dry run.
 * Exit status: 0 clean, 1 something was found, 2 error (one line on stderr).
 */
#include <glib.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "config.h"
#include "ctl_quarantine.h"
#include "ctl_scan_wa.h"
#include "msg.h"
#include "pipeline.h"
#include "repcache.h"
#include "report.h"
#include "rewrite.h"
#include "safelink.h"
#include "store.h"
#include "util.h"

static const char *prog = "sluicectl";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluicectl COMMAND [OPTIONS]\n"
		"\n"
		"commands:\n"
		"  scan [OPTIONS] FILE...   run the pipeline on message files, offline\n"
		"  config check [--dump]    check the configuration (and print it)\n"
		"  link decode URL|TOKEN    show where a wrapped link goes (checks its signature)\n"
		"  quarantine list|show|release|delete|purge\n"
		"                           find, inspect and release what sluice held (see\n"
		"                           sluicectl quarantine --help); asks sluiced\n"
		"  outbox list|retry        what sluiced hands to the WhatsApp platform, dead letters\n"
		"                           sent again (see sluicectl outbox --help); asks sluiced\n"
		"  reload                   make sluiced reload its configuration\n"
		"  store init               create or update the quarantine store's schema\n"
		"\n"
		"options for every command:\n"
		"  --config FILE            configuration file (default %s)\n"
		"  -o section.key=value     override one key; may be repeated\n"
		"  --help                   this text\n"
		"\n"
		"options for scan:\n"
		"  --channel email|whatsapp the channel the input came from (default email);\n"
		"                           whatsapp: each FILE is a Cloud API webhook payload\n"
		"  --media-dir DIR          whatsapp: the media of a message are DIR/<media-id>\n"
		"  --json                   one JSON object per input, one per line\n"
		"  --output FILE            write what the agent would receive (one input only;\n"
		"                           '-' for standard output)\n"
		"  --output-dir DIR         the same for each input, as DIR/<its file name>\n"
		"  --no-store               dry run: keep nothing in the quarantine (the JSON\n"
		"                           reference is null; notices say nothing was kept)\n"
		"\n"
		"exit status of scan: 0 clean, 1 something was found, 2 error\n",
		sl_cli_default_config());
}

static int write_file(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (n && fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "%s: %s: write error: %s\n", prog, path, strerror(errno));
		if (f != stdout)
			fclose(f);
		return -1;
	}
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The WhatsApp channel (ctl_scan_wa.h): each payload file in turn. */
static int scan_whatsapp(struct sl_engine *eng, struct sl_store *store, char **files, int nfiles,
			 const char *media_dir, int json, const char *output)
{
	FILE *out = NULL;
	int i, status = 0;
	if (output != NULL) {
		out = strcmp(output, "-") == 0 ? stdout : fopen(output, "w");
		if (out == NULL) {
			fprintf(stderr, "%s: %s: %s\n", prog, output, strerror(errno));
			return 2;
		}
	}
	for (i = 0; i < nfiles; i++) {
		int s = sl_ctl_scan_whatsapp(prog, eng, store, files[i], media_dir, json, out);
		if (s > status)
			status = s;
	}
	fflush(stdout);
	if (out != NULL && out != stdout && fclose(out) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, output, strerror(errno));
		status = 2;
	}
	return status;
}

static int cmd_scan(int argc, char **argv)
{
	struct sl_cli cli = { 0 };
	struct sl_config *cfg = NULL;
	struct sl_engine *eng = NULL;
	const char *output = NULL, *output_dir = NULL, *media_dir = NULL;
	struct sl_store *store = NULL;
	int json = 0, status = 0, i, nfiles = 0, no_store = 0;
	enum sl_channel channel = SL_CHANNEL_EMAIL;
	char *why = NULL;
	char **files = sl_xcalloc((size_t)argc + 1, sizeof(char *));

	for (i = 0; i < argc; i++) {
		int r = sl_cli_option(&cli, argc, argv, &i);
		if (r < 0) {
			fprintf(stderr, "%s: %s needs a value\n", prog, argv[i]);
			status = 2;
			goto out;
		}
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--no-store") == 0) {
			no_store = 1;
		} else if (strcmp(argv[i], "--output") == 0 && i + 1 < argc) {
			output = argv[++i];
		} else if (strcmp(argv[i], "--media-dir") == 0 && i + 1 < argc) {
			media_dir = argv[++i];
		} else if (strcmp(argv[i], "--output-dir") == 0 && i + 1 < argc) {
			output_dir = argv[++i];
		} else if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "email") == 0) {
				channel = SL_CHANNEL_EMAIL;
			} else if (strcmp(argv[i], "whatsapp") == 0) {
				channel = SL_CHANNEL_WHATSAPP;
			} else {
				fprintf(stderr, "%s: --channel: expected email or whatsapp, got '%s'\n", prog, argv[i]);
				status = 2;
				goto out;
			}
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "%s: unknown option %s (see --help)\n", prog, argv[i]);
			status = 2;
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (nfiles == 0) {
		fprintf(stderr, "%s: scan: no input files (see --help)\n", prog);
		status = 2;
		goto out;
	}
	if (output != NULL && output_dir != NULL) {
		fprintf(stderr, "%s: --output and --output-dir exclude each other\n", prog);
		status = 2;
		goto out;
	}
	if (output != NULL && nfiles > 1) {
		fprintf(stderr, "%s: --output takes one input file, got %d\n", prog, nfiles);
		status = 2;
		goto out;
	}
	cfg = sl_cli_load(&cli, prog);
	if (cfg == NULL) {
		status = 2;
		goto out;
	}
	if (sl_engine_new(cfg, &eng, &why) != SL_OK) {
		fprintf(stderr, "%s: %s\n", prog, why ? why : "cannot load the engine");
		status = 2;
		goto out;
	}
	if (!no_store && sl_store_open(cfg, NULL, &store, &why) != SL_OK) {
		fprintf(stderr, "%s: cannot open the quarantine: %s (--no-store for a dry run)\n", prog, why);
		status = 2;
		goto out;
	}
	if (media_dir != NULL && channel != SL_CHANNEL_WHATSAPP) {
		fprintf(stderr, "%s: --media-dir is for --channel whatsapp\n", prog);
		status = 2;
		goto out;
	}
	if (output_dir != NULL && channel == SL_CHANNEL_WHATSAPP) {
		fprintf(stderr, "%s: --output-dir is for e-mail; --output FILE writes the WhatsApp payloads\n", prog);
		status = 2;
		goto out;
	}
	if (store != NULL)
		sl_repcache_connect(store, cfg); /* answers of earlier runs; new ones kept */
	if (channel == SL_CHANNEL_WHATSAPP) {
		status = scan_whatsapp(eng, store, files, nfiles, media_dir, json, output);
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		char *data = NULL, *actor;
		size_t len = 0;
		struct sl_msg *m;
		unsigned char *out = NULL;
		size_t outlen = 0;
		double t0 = now_ms();
		int rc, rewritten;

		free(why);
		why = NULL;
		/* Read a little past the limit: the pipeline reports it as a finding. */
		rc = sl_read_file(files[i], (size_t)sl_config_int(cfg, "general.max_message_size") + 1, &data, &len, &why);
		if (rc != SL_OK) {
			fprintf(stderr, "%s: %s\n", prog, why);
			status = 2;
			continue;
		}
		m = sl_msg_new_take(channel, files[i], (unsigned char *)data, len);
		rc = sl_engine_scan(eng, m);
		if (rc != SL_OK) {
			fprintf(stderr, "%s: %s: scan failed: %s (temporary failure)\n", prog, files[i], sl_strerror(rc));
			status = 2;
			sl_msg_free(m);
			continue;
		}
		/* What the agent would receive names the reference it is kept under:
		 * the reference first, then the rewrite, then both into the store. */
		if (store != NULL && m->verdict != SL_VERDICT_CLEAN)
			sl_store_reference(m);
		rewritten = 1;
		if (output != NULL || output_dir != NULL || (store != NULL && m->verdict != SL_VERDICT_CLEAN))
			rewritten = sl_engine_rewrite_email(eng, m, &out, &outlen) == SL_OK;
		if (store != NULL && m->verdict != SL_VERDICT_CLEAN) {
			actor = sl_xasprintf("sluicectl scan (uid %u)", (unsigned)getuid());
			rc = sl_store_keep(store, cfg, m, NULL, rewritten && m->verdict == SL_VERDICT_REWRITE ? out : NULL,
					   outlen, actor, &why);
			free(actor);
			if (rc != SL_OK) {
				fprintf(stderr, "%s: %s: not kept in the quarantine: %s\n", prog, files[i], why);
				status = 2;
				free(out);
				sl_msg_free(m);
				continue;
			}
		}
		if (json) {
			char *j = sl_report_json(m, files[i]);
			puts(j);
			free(j);
		} else {
			char *line = sl_msg_log_line(m, now_ms() - t0);
			printf("%s%s%s\n", line, m->reference ? " ref=" : "", m->reference ? m->reference : "");
			free(line);
		}
		if (output != NULL || output_dir != NULL) {
			char *path = output != NULL ? sl_xstrdup(output) : NULL;
			if (path == NULL) {
				gchar *base = g_path_get_basename(files[i]), *p = g_build_filename(output_dir, base, NULL);
				path = sl_xstrdup(p);
				g_free(base);
				g_free(p);
			}
			if (!rewritten) {
				fprintf(stderr, "%s: %s: the rewrite could not be carried out; nothing written\n",
					prog, files[i]);
				status = 2;
			} else if (out != NULL && write_file(path, out, outlen) != 0)
				status = 2;
			else if (out == NULL)
				fprintf(stderr, "%s: %s: rejected: nothing would reach the agent, %s not written\n",
					prog, files[i], path);
			free(path);
		}
		free(out);
		if (m->verdict != SL_VERDICT_CLEAN && status == 0)
			status = 1;
		sl_msg_free(m);
	}
	fflush(stdout);
out:
	free(why);
	free(files);
	if (store != NULL)
		sl_repcache_disconnect();
	sl_store_close(store);
	sl_engine_unref(eng);
	sl_config_unref(cfg);
	sl_cli_free(&cli);
	return status;
}

static void print_line(void *ctx, const char *s)
{
	puts(s);
}

static int cmd_config(int argc, char **argv)
{
	struct sl_cli cli = { 0 };
	struct sl_config *cfg;
	int dump = 0, i, status = 0;

	if (argc < 1 || strcmp(argv[0], "check") != 0) {
		if (argc >= 1 && strcmp(argv[0], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "%s: usage: sluicectl config check [--config FILE] [-o k=v]... [--dump]\n", prog);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		int r = sl_cli_option(&cli, argc, argv, &i);
		if (r < 0) {
			fprintf(stderr, "%s: %s needs a value\n", prog, argv[i]);
			sl_cli_free(&cli);
			return 2;
		}
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--dump") == 0) {
			dump = 1;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			sl_cli_free(&cli);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown option %s\n", prog, argv[i]);
			sl_cli_free(&cli);
			return 2;
		}
	}
	cfg = sl_cli_load(&cli, prog);
	if (cfg == NULL) {
		status = 2;
	} else {
		struct sl_engine *eng = NULL;
		char *why = NULL;
		/* A config is good when the engine it describes loads. */
		if (sl_engine_new(cfg, &eng, &why) != SL_OK) {
			fprintf(stderr, "%s: %s\n", prog, why ? why : "engine failed to load");
			status = 2;
		} else if (dump) {
			sl_config_dump(cfg, print_line, NULL);
		} else {
			printf("%s: ok\n", sl_config_file(cfg) ? sl_config_file(cfg) : "(defaults)");
		}
		free(why);
		sl_engine_unref(eng);
	}
	sl_config_unref(cfg);
	sl_cli_free(&cli);
	return status;
}

/* sluicectl link decode URL|TOKEN: where a wrapped link really goes, for a
 * supervisor asked about one; exit 1 when the signature does not hold. */
static int cmd_link(int argc, char **argv)
{
	struct sl_cli cli = { 0 };
	struct sl_config *cfg = NULL;
	const char *arg = NULL, *token, *keyfile;
	unsigned char *key = NULL;
	size_t keylen = 0;
	char *why = NULL, *url = NULL;
	int i, status = 2;

	if (argc < 1 || strcmp(argv[0], "decode") != 0) {
		fprintf(stderr, "%s: usage: sluicectl link decode [--config FILE] [-o k=v]... URL|TOKEN\n", prog);
		return argc >= 1 && strcmp(argv[0], "--help") == 0 ? 0 : 2;
	}
	for (i = 1; i < argc; i++) {
		int r = sl_cli_option(&cli, argc, argv, &i);
		if (r < 0) {
			fprintf(stderr, "%s: %s needs a value\n", prog, argv[i]);
			goto out;
		}
		if (r == 0) {
			if (strcmp(argv[i], "--help") == 0) {
				printf("usage: sluicectl link decode [--config FILE] [-o k=v]... URL|TOKEN\n");
				status = 0;
				goto out;
			}
			arg = argv[i];
		}
	}
	if (arg == NULL) {
		fprintf(stderr, "%s: link decode: no link given\n", prog);
		goto out;
	}
	cfg = sl_cli_load(&cli, prog);
	if (cfg == NULL)
		goto out;
	keyfile = sl_config_str(cfg, "safelinks.key_file");
	if (*keyfile == '\0') {
		fprintf(stderr, "%s: safelinks.key_file is not set: no wrapped links to decode\n", prog);
		goto out;
	}
	if (sl_safelink_load_key(keyfile, &key, &keylen, &why) != SL_OK) {
		fprintf(stderr, "%s: safelinks.key_file: %s\n", prog, why ? why : keyfile);
		goto out;
	}
	token = strstr(arg, "/l/");
	token = token ? token + 3 : arg;
	if (sl_safelink_verify(key, keylen, token, &url) != SL_OK) {
		fprintf(stderr, "%s: not a link sluice wrapped (bad or altered signature)\n", prog);
		status = 1;
		goto out;
	}
	printf("%s\n", url);
	status = 0;
out:
	if (key != NULL) {
		memset(key, 0, keylen);
		free(key);
	}
	free(url);
	free(why);
	sl_config_unref(cfg);
	sl_cli_free(&cli);
	return status;
}

static int finish(int status)
{
	curl_global_cleanup();
	return status;
}

int main(int argc, char **argv)
{
	sl_log_open(prog, 0, SL_LOG_WARNING);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc - 2, argv + 2);
	if (strcmp(argv[1], "config") == 0)
		return cmd_config(argc - 2, argv + 2);
	if (strcmp(argv[1], "link") == 0)
		return cmd_link(argc - 2, argv + 2);
	if (strcmp(argv[1], "quarantine") == 0)
		return finish(sl_ctl_quarantine(prog, argc - 2, argv + 2));
	if (strcmp(argv[1], "outbox") == 0)
		return finish(sl_ctl_outbox(prog, argc - 2, argv + 2));
	if (strcmp(argv[1], "reload") == 0)
		return finish(sl_ctl_reload(prog, argc - 2, argv + 2));
	if (strcmp(argv[1], "store") == 0)
		return sl_ctl_store(prog, argc - 2, argv + 2);
	fprintf(stderr, "%s: unknown command '%s' (see --help)\n", prog, argv[1]);
	return 2;
}
