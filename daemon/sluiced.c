/*
 * sluiced - the sluice daemon.
 *
 * Start: load the engine (config, ClamAV, libmagic, PCRE2); read the secrets
 * that root may read (store.password_file, release.key_file, the WhatsApp
 * secrets, the TLS key of http.listen); bind the admin socket (owner:
 * general.user, group: admin.supervisor_group, mode admin.socket_mode), the
 * public listener (http.listen) and the milter socket; give up root; open
 * the quarantine store (migrating its schema) and connect the reputation
 * cache to it (repcache.h); create the release key under data_dir when none
 * is configured; serve the admin socket (daemon/admin.c over daemon/http.c,
 * threads of its own); start the WhatsApp door's threads (webhook.h); serve
 * the public routes on http.listen: the webhook (webhook.c), safe links
 * (safelinks.c), /healthz and /metrics (health.c); log "ready".
 *
 * The milter (daemon/milter.c: libmilter's smfi_main in a thread of its own)
 * opens milter.socket while still root and serves once the store is open,
 * beside the admin server, over the same sl_daemon (daemon.h).
 *
 * The main thread then only waits for signals (and pings systemd's
 * watchdog): HUP asks the housekeeping thread for a reload of the
 * configuration and the engine (a reload that fails keeps the running one;
 * messages and requests in flight finish on the engine they started with),
 * TERM/INT stop: no new connections or messages, those in flight finish (up
 * to milter.shutdown_timeout and release.timeout), then exit. The
 * housekeeping thread also removes expired originals at start and every
 * quarantine.purge_interval. Nothing slow runs on the main thread: while it
 * waits in sigtimedwait the kernel gives it the signals first, not to
 * libmilter's own signal thread, which would stop the milter on a HUP
 * (milter.h). systemd (Type=notify) hears READY, RELOADING, STOPPING and
 * WATCHDOG (only while the milter serves).
 */
#include <glib.h>

#include <curl/curl.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "cidr.h"
#include "webhook.h"
#include "cli.h"
#include "health.h"
#include "config.h"
#include "daemon.h"
#include "http.h"
#include "milter.h"
#include "pipeline.h"
#include "release.h"
#include "repcache.h"
#include "safelinks.h"
#include "store.h"
#include "util.h"

static const char *prog = "sluiced";

struct sl_daemon {
	GMutex lock;          /* guards eng */
	GMutex reload_lock;   /* one reload at a time (signal or admin socket) */
	struct sl_engine *eng;
	struct sl_store *store;
	unsigned char *key;
	size_t keylen;
	const struct sl_cli *cli;
	struct sl_whatsapp *wa;       /* the WhatsApp door, or NULL (webhook.h) */
	struct sl_http *public_http;  /* http.listen, or NULL */
};

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
		sl_cli_default_config());
}

/* ---- the shared state (daemon.h) ----------------------------------------- */

struct sl_engine *sl_daemon_engine(struct sl_daemon *d)
{
	struct sl_engine *e;
	g_mutex_lock(&d->lock);
	e = sl_engine_ref(d->eng);
	g_mutex_unlock(&d->lock);
	return e;
}

struct sl_store *sl_daemon_store(struct sl_daemon *d)
{
	return d->store;
}

struct sl_whatsapp *sl_daemon_whatsapp(struct sl_daemon *d)
{
	return d->wa;
}

const unsigned char *sl_daemon_release_key(struct sl_daemon *d, size_t *len)
{
	*len = d->keylen;
	return d->key;
}

static struct sl_engine *load(const struct sl_cli *cli, char **why)
{
	struct sl_config *cfg;
	struct sl_engine *eng = NULL;
	char *w = NULL;
	cfg = sl_cli_load(cli, prog); /* prints the reason on stderr */
	if (cfg == NULL) {
		*why = sl_xstrdup("the configuration does not load (see the log or stderr)");
		return NULL;
	}
	if (sl_engine_new(cfg, &eng, &w) != SL_OK) {
		*why = w ? w : sl_xstrdup("cannot load the engine");
		eng = NULL;
	} else {
		free(w);
	}
	sl_config_unref(cfg);
	return eng;
}

/* Keys that only a restart applies. */
static const char *const fixed_keys[] = { "general.data_dir", "general.user", "store.backend", "store.dsn",
					  "store.password_file", "admin.socket", "admin.socket_mode",
					  "release.key_file", "http.listen", "http.tls_cert_file", "http.tls_key_file",
					  "http.max_connections", "safelinks.base_url", "milter.socket", "milter.socket_mode",
					  "milter.socket_group", "milter.timeout", "milter.backlog", "whatsapp.path",
					  "whatsapp.app_secret_file", "whatsapp.verify_token_file", "whatsapp.access_token_file",
					  "whatsapp.downstream_secret_file", "whatsapp.downstream_url", "whatsapp.graph_base",
					  "whatsapp.graph_version", "whatsapp.media_hosts", "whatsapp.workers", NULL };

int sl_daemon_reload(struct sl_daemon *d, char **why)
{
	struct sl_engine *fresh, *old;
	size_t i;
	g_mutex_lock(&d->reload_lock);
	fresh = load(d->cli, why);
	if (fresh == NULL) {
		sl_log(SL_LOG_ERR, "reload failed: keeping the running configuration: %s", *why);
		g_mutex_unlock(&d->reload_lock);
		return SL_ECONFIG;
	}
	g_mutex_lock(&d->lock);
	old = d->eng;
	d->eng = fresh;
	g_mutex_unlock(&d->lock);
	for (i = 0; fixed_keys[i] != NULL; i++)
		if (strcmp(sl_config_str(sl_engine_config(old), fixed_keys[i]),
			   sl_config_str(sl_engine_config(fresh), fixed_keys[i])) != 0)
			sl_log(SL_LOG_WARNING, "reload: %s changed; it takes effect at the next restart", fixed_keys[i]);
	sl_engine_unref(old);
	g_mutex_unlock(&d->reload_lock);
	sl_log(SL_LOG_NOTICE, "reloaded");
	return SL_OK;
}

int sl_daemon_purge(struct sl_daemon *d, size_t *count, char **why)
{
	int rc = sl_store_expire(d->store, (int64_t)time(NULL), "sluiced (expiry)", count, why);
	if (rc == SL_OK && *count > 0)
		sl_log(SL_LOG_NOTICE, "expiry: removed the originals of %zu item(s)", *count);
	return rc;
}

/* ---- start ----------------------------------------------------------------- */

/* Root gives up root: data_dir and what sluice keeps there go to the
 * configured user, then setgid/setuid. */
static int drop_privileges(const struct sl_config *cfg)
{
	static const char *const kept[] = { "quarantine.db", "quarantine.db-wal", "quarantine.db-shm",
					    "release.key", NULL };
	const char *user = sl_config_str(cfg, "general.user");
	const char *dd = sl_config_str(cfg, "general.data_dir");
	struct passwd *pw;
	size_t i;
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
	for (i = 0; kept[i] != NULL; i++) {
		gchar *p = g_build_filename(dd, kept[i], NULL);
		struct stat sb;
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid != pw->pw_uid &&
		    chown(p, pw->pw_uid, pw->pw_gid) != 0)
			sl_log(SL_LOG_WARNING, "chown %s: %s", p, strerror(errno));
		g_free(p);
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

/* admin.socket, or data_dir/admin.sock; caller frees. */
static char *admin_path(const struct sl_config *cfg)
{
	const char *p = sl_config_str(cfg, "admin.socket");
	if (*p != '\0')
		return sl_xstrdup(p);
	return g_build_filename(sl_config_str(cfg, "general.data_dir"), "admin.sock", NULL);
}

/* Binds the admin socket while still root: owner general.user, group
 * admin.supervisor_group (when it exists), mode admin.socket_mode. */
static int bind_admin(const struct sl_config *cfg, const char *path, int *fd)
{
	const char *group = sl_config_str(cfg, "admin.supervisor_group");
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct group *g = *group ? getgrnam(group) : NULL;
	char *why = NULL;
	gchar *dir = g_path_get_dirname(path);
	struct stat sb;

	if (g != NULL)
		gid = g->gr_gid;
	else
		sl_log(SL_LOG_WARNING, "admin.supervisor_group: no group '%s' on this system: only root may use the "
		       "quarantine commands", group);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(sl_config_str(cfg, "general.user"));
		if (pw != NULL)
			uid = pw->pw_uid;
	} else if (gid != (gid_t)-1 && getegid() != gid) {
		int i, n = getgroups(0, NULL);
		gid_t *gs = sl_xcalloc((size_t)(n > 0 ? n : 1), sizeof(gid_t));
		int member = 0;
		n = getgroups(n, gs);
		for (i = 0; i < n; i++)
			member |= gs[i] == gid;
		free(gs);
		if (!member)
			gid = (gid_t)-1; /* not ours to give: the mode decides */
	}
	if (g_mkdir_with_parents(dir, 0755) != 0)
		sl_log(SL_LOG_WARNING, "admin.socket: cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &sb) == 0 && !(sb.st_mode & S_IXOTH))
		sl_log(SL_LOG_WARNING, "admin.socket: %s is not searchable by others (mode %03o): supervisors who are "
		       "not root cannot reach the socket", dir, (unsigned)(sb.st_mode & 0777));
	g_free(dir);
	if (sl_http_listen_unix(path, (unsigned)sl_config_int(cfg, "admin.socket_mode"), uid, gid, fd, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "admin.socket: %s", why);
		fprintf(stderr, "%s: admin.socket: %s\n", prog, why);
		free(why);
		return -1;
	}
	return 0;
}

/* Secrets root can read but the daemon's user may not: read them first. */
static int read_secrets(const struct sl_config *cfg, char **password, unsigned char **key, size_t *keylen)
{
	char *why = NULL;
	if (strcmp(sl_config_str(cfg, "store.backend"), "postgresql") == 0 &&
	    sl_store_read_password(cfg, password, &why) != SL_OK)
		goto fail;
	if (*sl_config_str(cfg, "release.key_file") != '\0' && sl_release_key_load(cfg, 0, key, keylen, &why) != SL_OK)
		goto fail;
	return 0;
fail:
	sl_log(SL_LOG_ERR, "%s", why);
	fprintf(stderr, "%s: %s\n", prog, why);
	free(why);
	return -1;
}

/* ---- the public HTTP listener (http.listen) ------------------------------ */

/* Every public route: the webhook, safe links, /healthz, /metrics. Static:
 * the server borrows it until it stops. */
#define MAX_PUBLIC_ROUTES 32
static struct sl_http_route public_routes[MAX_PUBLIC_ROUTES];

struct public_http {
	int fd;
	char *cert, *key; /* PEM, read while root */
};

/* A PEM file for the listener; a key that others may read is refused. */
static int read_pem(const char *name, const char *path, int secret, char **out)
{
	struct stat sb;
	size_t len = 0;
	char *why = NULL;
	if (secret && (stat(path, &sb) != 0 || (sb.st_mode & 007))) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, name, path,
			errno ? strerror(errno) : "others may read the private key; chmod 640 it");
		sl_log(SL_LOG_ERR, "%s: %s: not readable or readable by others", name, path);
		return -1;
	}
	if (sl_read_file(path, 1 << 20, out, &len, &why) != SL_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, why);
		sl_log(SL_LOG_ERR, "%s: %s", name, why);
		free(why);
		return -1;
	}
	return 0;
}

/* While root: binds http.listen (a port under 1024 is allowed then) and
 * reads its TLS files; ph->fd stays -1 when it is not set. */
static int bind_public_http(const struct sl_config *cfg, struct public_http *ph)
{
	const char *listen_on = sl_config_str(cfg, "http.listen");
	const char *cert = sl_config_str(cfg, "http.tls_cert_file"), *key = sl_config_str(cfg, "http.tls_key_file");
	char *why = NULL;
	ph->fd = -1;
	if (*listen_on == '\0')
		return 0;
	if ((*cert == '\0') != (*key == '\0')) {
		fprintf(stderr, "%s: http.tls_cert_file and http.tls_key_file go together\n", prog);
		return -1;
	}
	errno = 0;
	if (*cert != '\0' && (read_pem("http.tls_cert_file", cert, 0, &ph->cert) != 0 ||
			       read_pem("http.tls_key_file", key, 1, &ph->key) != 0))
		return -1;
	if (sl_http_listen_tcp(listen_on, &ph->fd, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "http.listen: %s", why);
		fprintf(stderr, "%s: http.listen: %s\n", prog, why);
		free(why);
		return -1;
	}
	return 0;
}

/* After root is given up: serves every front end's routes on ph->fd (taken). */
static int start_public_http(struct sl_daemon *d, const struct sl_config *cfg, struct public_http *ph)
{
	struct sl_http_opts o = { 0 };
	size_t n = 0;
	char *why = NULL;
	int rc;
	char *const *allow = sl_config_list(cfg, "http.metrics_allow");
	if (ph->fd < 0)
		return 0;
	for (size_t i = 0; allow != NULL && allow[i] != NULL; i++)
		if (!sl_cidr_valid(allow[i])) {
			sl_log(SL_LOG_ERR, "http.metrics_allow: '%s' is not an address or CIDR block", allow[i]);
			fprintf(stderr, "%s: http.metrics_allow: '%s' is not an address or CIDR block\n", prog,
				allow[i]);
			return -1;
		}
	n += sl_webhook_routes(d, public_routes + n, MAX_PUBLIC_ROUTES - n);
	n += sl_safelinks_routes(d, public_routes + n, MAX_PUBLIC_ROUTES - n);
	n += sl_metrics_routes(d, public_routes + n, MAX_PUBLIC_ROUTES - n);
	o.max_body = (size_t)sl_config_int(cfg, "http.max_request_size"); /* the webhook's route says its own */
	o.timeout = (unsigned)sl_config_int(cfg, "http.timeout");
	o.max_connections = (unsigned)sl_config_int(cfg, "http.max_connections");
	o.threads = 0; /* a thread per connection: a webhook POST waits for its commit, a click for the services */
	o.grace = 10;
	o.name = "http";
	o.tls_cert = ph->cert;
	o.tls_key = ph->key;
	rc = sl_http_start(ph->fd, public_routes, n, &o, &d->public_http, &why);
	ph->fd = -1; /* the server's now */
	if (rc != SL_OK) {
		sl_log(SL_LOG_ERR, "http.listen: %s", why);
		fprintf(stderr, "%s: http.listen: %s\n", prog, why);
		free(why);
		return -1;
	}
	sl_log(SL_LOG_NOTICE, "public HTTP on %s%s (%zu routes)", sl_config_str(cfg, "http.listen"),
	       ph->cert != NULL ? " (TLS)" : "", n);
	return 0;
}

/* While root: the WhatsApp door's secrets (webhook.h); off without whatsapp.downstream_url. */
static int prepare_whatsapp(struct sl_daemon *d, const struct sl_config *cfg)
{
	char *why = NULL;
	if (sl_whatsapp_prepare(cfg, &d->wa, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "%s", why);
		fprintf(stderr, "%s: %s\n", prog, why);
		free(why);
		return -1;
	}
	return 0;
}

/* After the store is open: the inbox writer, the workers, the sender. */
static int start_whatsapp(struct sl_daemon *d)
{
	char *why = NULL;
	if (d->wa == NULL)
		return 0;
	if (sl_whatsapp_start(d->wa, d, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "whatsapp: %s", why);
		fprintf(stderr, "%s: whatsapp: %s\n", prog, why);
		free(why);
		return -1;
	}
	return 0;
}

static void forget(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ---- the milter (issue 7) ----------------------------------------------- */

static int milter_on;

/* Opens milter.socket while still root. */
static int bind_milter(const struct sl_config *cfg)
{
	char *why = NULL;
	if (sl_milter_open(cfg, &milter_on, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "%s", why);
		fprintf(stderr, "%s: %s\n", prog, why);
		free(why);
		return -1;
	}
	return 0;
}

static int start_milter(struct sl_daemon *d)
{
	char *why = NULL;
	if (!milter_on)
		return 0;
	if (sl_milter_start(d, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "%s", why);
		fprintf(stderr, "%s: %s\n", prog, why);
		free(why);
		return -1;
	}
	return 0;
}

/* Lets the messages in flight finish (milter.shutdown_timeout). Returns 0, or
 * -1 when some were still in flight: their threads still use the engine and
 * the store, so the process must exit without freeing them. */
static int stop_milter(struct sl_daemon *d)
{
	struct sl_engine *e;
	unsigned left;
	int timeout;
	if (!milter_on)
		return 0;
	e = sl_daemon_engine(d);
	timeout = (int)sl_config_int(sl_engine_config(e), "milter.shutdown_timeout");
	sl_engine_unref(e);
	left = sl_milter_stop(timeout);
	if (left > 0) {
		sl_log(SL_LOG_WARNING, "%u message(s) still in flight after milter.shutdown_timeout (%d s): exiting; "
		       "the mail server keeps them and tries again", left, timeout);
		return -1;
	}
	return 0;
}

/* systemd's watchdog: the interval to ping at (0: none), pinged only while
 * the milter serves. */
static uint64_t watchdog_usec(void)
{
	uint64_t usec = 0;
	return sd_watchdog_enabled(0, &usec) > 0 ? usec / 2 : 0;
}

static void watchdog_ping(void)
{
	if (!milter_on || sl_milter_running())
		sd_notify(0, "WATCHDOG=1");
}

/* ---- housekeeping: reloads and expiry, off the main thread ----------------- */

static struct {
	GThread *thread;
	GMutex lock;
	GCond cond;
	int reload, quit;
} keeper;

static gpointer housekeeper(gpointer arg)
{
	struct sl_daemon *d = arg;
	char *why = NULL;
	gint64 next_purge = g_get_monotonic_time();
	g_mutex_lock(&keeper.lock);
	while (!keeper.quit) {
		if (keeper.reload) {
			keeper.reload = 0;
			g_mutex_unlock(&keeper.lock);
			sd_notify(0, "RELOADING=1\nSTATUS=reloading");
			sl_daemon_reload(d, &why);
			sd_notifyf(0, "READY=1\nSTATUS=%s", why ? "reload failed: running the previous configuration"
							       : "serving");
			free(why);
			why = NULL;
			g_mutex_lock(&keeper.lock);
			continue;
		}
		if (g_get_monotonic_time() >= next_purge) {
			size_t n = 0;
			struct sl_engine *e;
			g_mutex_unlock(&keeper.lock);
			e = sl_daemon_engine(d);
			if (sl_daemon_purge(d, &n, &why) != SL_OK) {
				sl_log(SL_LOG_ERR, "expiry failed (tried again in a minute): %s", why);
				next_purge = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
			} else {
				next_purge = g_get_monotonic_time() +
					     sl_config_int(sl_engine_config(e), "quarantine.purge_interval") * G_TIME_SPAN_SECOND;
			}
			free(why);
			why = NULL;
			sl_engine_unref(e);
			g_mutex_lock(&keeper.lock);
			continue;
		}
		g_cond_wait_until(&keeper.cond, &keeper.lock, next_purge);
	}
	g_mutex_unlock(&keeper.lock);
	return NULL;
}

static void housekeeper_start(struct sl_daemon *d)
{
	keeper.thread = g_thread_new("housekeeping", housekeeper, d);
}

static void housekeeper_reload(void)
{
	g_mutex_lock(&keeper.lock);
	keeper.reload = 1;
	g_cond_signal(&keeper.cond);
	g_mutex_unlock(&keeper.lock);
}

static void housekeeper_stop(void)
{
	if (keeper.thread == NULL)
		return;
	g_mutex_lock(&keeper.lock);
	keeper.quit = 1;
	g_cond_signal(&keeper.cond);
	g_mutex_unlock(&keeper.lock);
	g_thread_join(keeper.thread);
	keeper.thread = NULL;
}

int main(int argc, char **argv)
{
	struct sl_cli cli = { 0 };
	struct sl_daemon d = { 0 };
	struct sl_http *admin = NULL;
	struct public_http ph = { -1, NULL, NULL };
	const struct sl_config *cfg;
	char *why = NULL, *password = NULL, *sock = NULL;
	int use_syslog = 1, check = 0, i, status = 2, afd = -1;
	sigset_t set;
	uint64_t wd;

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
	/* Before any thread exists: every thread inherits the mask, the main
	 * thread takes the signals in sigtimedwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_mutex_init(&d.lock);
	g_mutex_init(&d.reload_lock);
	d.cli = &cli;

	d.eng = load(&cli, &why);
	if (d.eng == NULL) {
		sl_log(SL_LOG_ERR, "cannot load the engine: %s", why);
		fprintf(stderr, "%s: %s\n", prog, why);
		goto out;
	}
	cfg = sl_engine_config(d.eng);
	sl_log_open(prog, use_syslog, (enum sl_log_level)sl_config_int(cfg, "general.log_level"));
	{
		const char *dd = sl_config_str(cfg, "general.data_dir");
		if (g_mkdir_with_parents(dd, 0711) != 0) {
			sl_log(SL_LOG_ERR, "general.data_dir: cannot create %s", dd);
			fprintf(stderr, "%s: general.data_dir: cannot create %s\n", prog, dd);
			goto out;
		}
	}
	if (!check) {
		if (read_secrets(cfg, &password, &d.key, &d.keylen) != 0)
			goto out;
		sock = admin_path(cfg);
		if (bind_admin(cfg, sock, &afd) != 0) {
			free(sock);
			sock = NULL;
			goto out;
		}
		if (bind_public_http(cfg, &ph) != 0)
			goto out;
		if (bind_milter(cfg) != 0)
			goto out;
	}
	if (prepare_whatsapp(&d, cfg) != 0)
		goto out;
	if (drop_privileges(cfg) != 0)
		goto out;
	if (check) {
		status = 0;
		goto out;
	}
	if (sl_store_open(cfg, password, &d.store, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "cannot open the quarantine: %s", why);
		fprintf(stderr, "%s: cannot open the quarantine: %s\n", prog, why);
		goto out;
	}
	sl_repcache_connect(d.store, cfg); /* the reputation cache: loaded, then kept in the store */
	if (d.key == NULL && sl_release_key_load(cfg, 1, &d.key, &d.keylen, &why) != SL_OK) {
		sl_log(SL_LOG_ERR, "%s", why);
		fprintf(stderr, "%s: %s\n", prog, why);
		goto out;
	}
	{
		size_t n;
		struct sl_http_opts o = { 0 };
		const struct sl_http_route *routes = sl_admin_routes(&d, &n);
		o.max_body = (size_t)sl_config_int(cfg, "admin.max_request_size");
		o.timeout = 30;
		o.max_connections = 32;
		o.threads = 0; /* a thread per connection: a release waits for the relay */
		o.grace = (unsigned)sl_config_int(cfg, "release.timeout") + 5;
		o.name = "admin";
		i = sl_http_start(afd, routes, n, &o, &admin, &why);
		afd = -1; /* the server's now */
		if (i != SL_OK) {
			sl_log(SL_LOG_ERR, "%s", why);
			fprintf(stderr, "%s: %s\n", prog, why);
			goto out;
		}
	}
	if (start_whatsapp(&d) != 0)
		goto out;
	if (start_public_http(&d, cfg, &ph) != 0)
		goto out;
	if (start_milter(&d) != 0)
		goto out;
	housekeeper_start(&d);
	sl_log(SL_LOG_NOTICE, "ready config=%s data_dir=%s store=\"%s\" admin=%s milter=%s whatsapp=%s version=%s",
	       sl_config_file(cfg) ? sl_config_file(cfg) : "(defaults)", sl_config_str(cfg, "general.data_dir"),
	       sl_store_describe(d.store), sock, milter_on ? "on" : "off", d.wa != NULL ? "on" : "off",
	       SLUICE_VERSION);
	sd_notify(0, "READY=1\nSTATUS=serving");
	wd = watchdog_usec();
	for (;;) {
		struct timespec ts = { wd ? (time_t)(wd / 1000000) : 3600, wd ? (long)(wd % 1000000) * 1000 : 0 };
		siginfo_t info;
		int sig = sigtimedwait(&set, &info, &ts);
		if (wd)
			watchdog_ping();
		if (sig < 0)
			continue; /* timeout (EAGAIN) or EINTR */
		if (sig == SIGHUP) {
			housekeeper_reload();
			continue;
		}
		sl_log(SL_LOG_NOTICE, "stopping on signal %d", sig);
		break;
	}
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	status = sl_milter_failed() ? 1 : 0;
	if (stop_milter(&d) != 0)
		_exit(status ? status : 1); /* threads still use the engine and the store */
	housekeeper_stop();
out:
	d.public_http = sl_http_stop(d.public_http);
	if (ph.fd >= 0)
		close(ph.fd);
	forget(ph.cert);
	forget(ph.key);
	sl_whatsapp_stop(d.wa);
	d.wa = NULL;
	admin = sl_http_stop(admin);
	if (afd >= 0)
		close(afd);
	if (sock != NULL) {
		unlink(sock);
		free(sock);
	}
	if (d.store != NULL)
		sl_repcache_disconnect(); /* what is queued is written before the store closes */
	sl_store_close(d.store);
	if (d.key != NULL) {
		explicit_bzero(d.key, d.keylen);
		free(d.key);
	}
	forget(password);
	free(why);
	sl_engine_unref(d.eng);
	g_mutex_clear(&d.lock);
	g_mutex_clear(&d.reload_lock);
	sl_cli_free(&cli);
	curl_global_cleanup();
	return status;
}
