/*
 * sluiced - the sluice daemon.
 *
 * Today it loads the engine (config, ClamAV, libmagic, PCRE2) once, reports
 * readiness and waits; SIGTERM/SIGINT stop it cleanly, SIGHUP reloads the
 * configuration and engine (a reload that fails keeps the running engine).
 * The milter, HTTP and admin front ends attach to this engine in later work.
 */
#include <glib.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "pipeline.h"
#include "util.h"

static const char *prog = "sluiced";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluiced [--config FILE] [-o section.key=value]... [--foreground] [--stderr]\n"
		"\n"
		"  --config FILE          configuration file (default %s)\n"
		"  -o section.key=value   override one key; may be repeated\n"
		"  --stderr               log to standard error instead of syslog (mail facility)\n"
		"  --check                load everything, then exit (0 when it would start)\n"
		"  --help                 this text\n"
		"\n"
		"Signals: TERM or INT stop, HUP reloads the configuration.\n",
		SLUICE_DEFAULT_CONFIG);
}

/* Root gives up root: data_dir goes to the configured user, then setgid/setuid. */
static int drop_privileges(const struct sl_config *cfg)
{
	const char *user = sl_config_str(cfg, "general.user");
	const char *dd = sl_config_str(cfg, "general.data_dir");
	struct passwd *pw;
	if (geteuid() != 0)
		return 0;
	if (*user == '\0') {
		fprintf(stderr, "%s: general.user: refusing to run as root without a user to switch to\n", prog);
		return -1;
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		fprintf(stderr, "%s: general.user: no such user '%s'\n", prog, user);
		return -1;
	}
	if (chown(dd, pw->pw_uid, pw->pw_gid) != 0) {
		fprintf(stderr, "%s: general.data_dir: chown %s: %s\n", prog, dd, strerror(errno));
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "%s: cannot switch to user %s: %s\n", prog, user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) { /* must be impossible now */
		fprintf(stderr, "%s: still root after switching users\n", prog);
		return -1;
	}
	sl_log(SL_LOG_INFO, "running as user %s", user);
	return 0;
}

static struct sl_engine *load(const struct sl_cli *cli)
{
	struct sl_config *cfg = sl_cli_load(cli, prog);
	struct sl_engine *eng = NULL;
	char *why = NULL;
	if (cfg == NULL)
		return NULL;
	if (sl_engine_new(cfg, &eng, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "cannot load the engine: %s", why ? why : "?");
		fprintf(stderr, "%s: %s\n", prog, why ? why : "cannot load the engine");
		eng = NULL;
	}
	free(why);
	sl_config_unref(cfg);
	return eng;
}

int main(int argc, char **argv)
{
	struct sl_cli cli = { 0 };
	struct sl_engine *eng = NULL;
	int use_syslog = 1, check = 0, i, sig, status = 0;
	sigset_t set;

	for (i = 1; i < argc; i++) {
		int r = sl_cli_option(&cli, argc, argv, &i);
		if (r < 0) {
			fprintf(stderr, "%s: %s needs a value\n", prog, argv[i]);
			return 2;
		}
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--stderr") == 0) {
			use_syslog = 0;
		} else if (strcmp(argv[i], "--foreground") == 0) {
			/* always in the foreground: systemd supervises it */
		} else if (strcmp(argv[i], "--check") == 0) {
			check = 1;
		} else {
			fprintf(stderr, "%s: unknown option %s (see --help)\n", prog, argv[i]);
			return 2;
		}
	}
	sl_log_open(prog, use_syslog, SL_LOG_INFO);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	eng = load(&cli);
	if (eng == NULL) {
		sl_cli_free(&cli);
		return 2;
	}
	sl_log_open(prog, use_syslog, (enum sl_log_level)sl_config_int(sl_engine_config(eng), "general.log_level"));
	{
		const struct sl_config *cfg = sl_engine_config(eng);
		const char *dd = sl_config_str(cfg, "general.data_dir");
		if (g_mkdir_with_parents(dd, 0750) != 0) {
			sl_log(SL_LOG_ERR, "general.data_dir: cannot create %s", dd);
			fprintf(stderr, "%s: general.data_dir: cannot create %s\n", prog, dd);
			sl_engine_unref(eng);
			sl_cli_free(&cli);
			return 2;
		}
		if (drop_privileges(cfg) != 0) {
			sl_engine_unref(eng);
			sl_cli_free(&cli);
			return 2;
		}
		sl_log(SL_LOG_NOTICE, "ready config=%s data_dir=%s version=%s",
		       sl_config_file(cfg) ? sl_config_file(cfg) : "(defaults)", dd, SLUICE_VERSION);
	}
	if (check)
		goto out;
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			struct sl_engine *fresh = load(&cli);
			if (fresh == NULL) {
				sl_log(SL_LOG_ERR, "reload failed: keeping the running configuration");
				continue;
			}
			sl_engine_unref(eng);
			eng = fresh;
			sl_log(SL_LOG_NOTICE, "reloaded");
			continue;
		}
		sl_log(SL_LOG_NOTICE, "stopping on signal %d", sig);
		break;
	}
out:
	sl_engine_unref(eng);
	sl_cli_free(&cli);
	return status;
}
