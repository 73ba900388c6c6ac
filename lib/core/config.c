/* config - see config.h. */
#include <glib.h>

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "util.h"

enum ktype { K_STR, K_PATH, K_PATHLIST, K_INT, K_SIZE, K_BOOL, K_ACTION, K_LIST, K_LOGLEVEL, K_CHOICE, K_MODE };

struct key {
	const char *name; /* "section.key" */
	enum ktype type;
	const char *def;
	int64_t min, max; /* K_INT, K_SIZE */
};

#define KiB 1024LL
#define MiB (1024LL * 1024)
#define GiB (1024LL * 1024 * 1024)

/* The schema: every key sluice knows. Documented in conf/sluice.conf. */
static const struct key schema[] = {
	{ "general.base_dir", K_PATH, ".", 0, 0 },
	{ "general.data_dir", K_PATH, "var", 0, 0 },
	{ "general.max_message_size", K_SIZE, "64M", 1024, 4 * GiB },
	{ "general.log_level", K_LOGLEVEL, "info", 0, 0 },
	{ "general.user", K_STR, "sluice", 0, 0 },
	{ "general.allow_insecure_loopback", K_BOOL, "false", 0, 0 },
	{ "general.node_name", K_STR, "", 0, 0 },

	{ "limits.header_size", K_SIZE, "100k", 1024, 64 * MiB },
	{ "limits.mime_depth", K_INT, "20", 1, 1000 },
	{ "limits.max_parts", K_INT, "1000", 1, 1000000 },
	{ "limits.max_extracted_files", K_INT, "1000", 1, 1000000 },
	{ "limits.max_extracted_size", K_SIZE, "256M", 1024, 16 * GiB },

	{ "clamav.database_dirs", K_PATHLIST, "signatures;/var/lib/clamav", 0, 0 },
	{ "clamav.max_scansize", K_SIZE, "400M", 1 * MiB, 4 * GiB },
	{ "clamav.max_filesize", K_SIZE, "100M", 1 * MiB, 4 * GiB },
	{ "clamav.max_recursion", K_INT, "17", 1, 100 },
	{ "clamav.max_files", K_INT, "10000", 1, 1000000 },
	{ "clamav.max_scantime", K_INT, "120000", 1000, 3600000 },
	{ "clamav.alert_broken_executables", K_BOOL, "true", 0, 0 },
	{ "clamav.alert_encrypted", K_BOOL, "true", 0, 0 },
	{ "clamav.alert_macros", K_BOOL, "true", 0, 0 },
	{ "clamav.alert_exceeds_max", K_BOOL, "true", 0, 0 },
	{ "clamav.tmp_dir", K_PATH, "", 0, 0 },

	{ "filetype.magic_bytes", K_SIZE, "64k", 40 * KiB, 64 * MiB },
	{ "filetype.magic_files", K_PATHLIST, "", 0, 0 },

	{ "policy.virus", K_ACTION, "remove", 0, 0 },
	{ "policy.executable", K_ACTION, "remove", 0, 0 },
	{ "policy.script", K_ACTION, "remove", 0, 0 },
	{ "policy.shortcut", K_ACTION, "remove", 0, 0 },
	{ "policy.disk_image", K_ACTION, "remove", 0, 0 },
	{ "policy.onenote", K_ACTION, "remove", 0, 0 },
	{ "policy.installer", K_ACTION, "remove", 0, 0 },
	{ "policy.office_macro", K_ACTION, "remove", 0, 0 },
	{ "policy.html_attachment", K_ACTION, "remove", 0, 0 },
	{ "policy.encrypted_archive", K_ACTION, "remove", 0, 0 },
	{ "policy.unreadable_archive", K_ACTION, "remove", 0, 0 },
	{ "policy.embedded_executable", K_ACTION, "remove", 0, 0 },
	{ "policy.double_extension", K_ACTION, "remove", 0, 0 },
	{ "policy.bidi_filename", K_ACTION, "remove", 0, 0 },
	{ "policy.type_mismatch", K_ACTION, "remove", 0, 0 },
	{ "policy.heuristic", K_ACTION, "remove", 0, 0 },
	{ "policy.structure", K_ACTION, "quarantine", 0, 0 },
	{ "policy.limit", K_ACTION, "quarantine", 0, 0 },
	{ "policy.unexplained_detection", K_ACTION, "quarantine", 0, 0 },
	{ "policy.unexplained_layer", K_ACTION, "quarantine", 0, 0 },
	{ "policy.url_malicious", K_ACTION, "defang", 0, 0 },
	{ "policy.url_suspicious", K_ACTION, "wrap", 0, 0 },
	{ "policy.url_in_attachment", K_ACTION, "remove", 0, 0 },
	{ "policy.pdf_launch", K_ACTION, "remove", 0, 0 },
	{ "policy.pdf_remote_file", K_ACTION, "remove", 0, 0 },
	{ "policy.pdf_javascript", K_ACTION, "remove", 0, 0 },
	{ "policy.office_remote_content", K_ACTION, "remove", 0, 0 },
	{ "policy.document_unreadable", K_ACTION, "remove", 0, 0 },
	{ "policy.media_unscanned", K_ACTION, "remove", 0, 0 },

	{ "docs.max_parse_time", K_INT, "10000", 100, 600000 },
	{ "docs.max_parse_memory", K_SIZE, "256M", 16 * MiB, 16 * GiB },
	{ "docs.max_pdf_objects", K_INT, "500000", 100, 100000000 },
	{ "docs.max_zip_members", K_INT, "10000", 10, 10000000 },
	{ "docs.max_xml_size", K_SIZE, "32M", 64 * KiB, 4 * GiB },
	{ "docs.max_zip_ratio", K_INT, "200", 10, 1000000 },

	{ "urls.blocklist_files", K_PATHLIST, "signatures/urls/blocklist.txt", 0, 0 },
	{ "urls.allowlist_files", K_PATHLIST, "signatures/urls/allowlist.txt", 0, 0 },
	{ "urls.shortener_files", K_PATHLIST, "signatures/urls/shorteners.txt", 0, 0 },
	{ "urls.protected_files", K_PATHLIST, "signatures/urls/protected.txt", 0, 0 },
	{ "urls.max_url_length", K_INT, "8192", 64, 1000000 },
	{ "urls.max_urls", K_INT, "10000", 1, 10000000 },
	{ "urls.max_html_depth", K_INT, "1000", 16, 100000 },
	{ "urls.match_limit", K_INT, "1000000", 1, 1000000000 },

	{ "reputation.time_budget_ms", K_INT, "1500", 50, 60000 },
	{ "reputation.max_lookups", K_INT, "100", 1, 100000 },
	{ "reputation.max_connections", K_INT, "8", 1, 256 },
	{ "reputation.max_response_size", K_SIZE, "1M", 4 * KiB, 64 * MiB },
	{ "reputation.cache_entries", K_INT, "100000", 0, 100000000 },
	{ "reputation.cache_persist", K_BOOL, "true", 0, 0 },
	{ "reputation.cache_purge_interval", K_INT, "3600", 60, 7 * 86400 },
	{ "reputation.cache_negative_ttl", K_INT, "900", 0, 86400 },
	{ "reputation.cache_positive_ttl", K_INT, "1800", 0, 604800 },
	{ "reputation.cache_max_ttl", K_INT, "86400", 1, 604800 },
	{ "reputation.failures_before_backoff", K_INT, "3", 1, 1000 },
	{ "reputation.backoff", K_INT, "30", 0, 3600 },
	{ "reputation.error_log_interval", K_INT, "300", 1, 86400 },
	{ "reputation.urlhaus_url", K_STR, "", 0, 0 },
	{ "reputation.urlhaus_auth_key", K_STR, "", 0, 0 },
	{ "reputation.urlhaus_auth_key_file", K_PATH, "", 0, 0 },
	{ "reputation.urlhaus_offline", K_STR, "suspicious", 0, 0 },
	{ "reputation.urlhaus_host", K_STR, "suspicious", 0, 0 },
	{ "reputation.webrisk_url", K_STR, "", 0, 0 },
	{ "reputation.webrisk_key", K_STR, "", 0, 0 },
	{ "reputation.webrisk_key_file", K_PATH, "", 0, 0 },
	{ "reputation.webrisk_threat_types", K_LIST, "MALWARE;SOCIAL_ENGINEERING;UNWANTED_SOFTWARE", 0, 0 },
	{ "reputation.safebrowsing_url", K_STR, "", 0, 0 },
	{ "reputation.safebrowsing_key", K_STR, "", 0, 0 },
	{ "reputation.safebrowsing_key_file", K_PATH, "", 0, 0 },
	{ "reputation.safebrowsing_threat_types", K_LIST,
	  "MALWARE;SOCIAL_ENGINEERING;UNWANTED_SOFTWARE;POTENTIALLY_HARMFUL_APPLICATION", 0, 0 },
	{ "reputation.safebrowsing_client_id", K_STR, "sluice", 0, 0 },
	{ "reputation.suspicious_threat_types", K_LIST, "UNWANTED_SOFTWARE;POTENTIALLY_HARMFUL_APPLICATION", 0, 0 },
	{ "reputation.dnsbl_zones", K_LIST, "", 0, 0 },
	{ "reputation.dnsbl_codes", K_LIST, "", 0, 0 },
	{ "reputation.dns_servers", K_LIST, "", 0, 0 },

	{ "safelinks.base_url", K_STR, "", 0, 0 },
	{ "safelinks.key_file", K_PATH, "", 0, 0 },
	{ "safelinks.language", K_STR, "en", 0, 0 },
	{ "safelinks.template_dir", K_PATH, "conf/safelinks", 0, 0 },
	{ "safelinks.unknown", K_CHOICE, "redirect", 0, 0 },
	{ "safelinks.form_lifetime", K_INT, "600", 30, 86400 },

	{ "http.listen", K_STR, "", 0, 0 },
	{ "http.max_connections", K_INT, "256", 4, 100000 },
	{ "http.max_request_size", K_SIZE, "64k", 1024, 64 * MiB },
	{ "http.metrics_allow", K_LIST, "127.0.0.0/8;::1", 0, 0 },

	{ "store.backend", K_CHOICE, "sqlite", 0, 0 },
	{ "store.dsn", K_STR, "", 0, 0 },
	{ "store.password_file", K_PATH, "", 0, 0 },
	{ "store.max_connections", K_INT, "8", 1, 256 },
	{ "store.timeout", K_INT, "10", 1, 3600 },

	{ "quarantine.retention_days", K_INT, "30", 1, 36500 },
	{ "quarantine.purge_interval", K_INT, "86400", 1, 31 * 86400 },

	{ "admin.socket", K_PATH, "", 0, 0 },
	{ "admin.socket_mode", K_MODE, "0666", 0, 0777 },
	{ "admin.supervisor_group", K_STR, "sluice-supervisors", 0, 0 },
	{ "admin.max_request_size", K_SIZE, "64k", 1024, 16 * MiB },

	{ "release.relay", K_STR, "smtp://127.0.0.1:25", 0, 0 },
	{ "release.key_file", K_PATH, "", 0, 0 },
	{ "release.timeout", K_INT, "60", 1, 3600 },

	{ "http.tls_cert_file", K_PATH, "", 0, 0 },
	{ "http.tls_key_file", K_PATH, "", 0, 0 },
	{ "http.timeout", K_INT, "30", 1, 3600 },

	{ "whatsapp.path", K_STR, "/webhook/whatsapp", 0, 0 },
	{ "whatsapp.app_secret", K_STR, "", 0, 0 },
	{ "whatsapp.app_secret_file", K_PATH, "", 0, 0 },
	{ "whatsapp.verify_token", K_STR, "", 0, 0 },
	{ "whatsapp.verify_token_file", K_PATH, "", 0, 0 },
	{ "whatsapp.access_token", K_STR, "", 0, 0 },
	{ "whatsapp.access_token_file", K_PATH, "", 0, 0 },
	{ "whatsapp.graph_base", K_STR, "https://graph.facebook.com", 0, 0 },
	{ "whatsapp.graph_version", K_STR, "v21.0", 0, 0 },
	{ "whatsapp.media_hosts", K_LIST, "lookaside.fbsbx.com", 0, 0 },
	{ "whatsapp.downstream_url", K_STR, "", 0, 0 },
	{ "whatsapp.downstream_secret", K_STR, "", 0, 0 },
	{ "whatsapp.downstream_secret_file", K_PATH, "", 0, 0 },
	{ "whatsapp.max_payload_size", K_SIZE, "3M", 1 * KiB, 64 * MiB },
	{ "whatsapp.max_fields", K_INT, "1000", 1, 1000000 },
	{ "whatsapp.max_image_size", K_SIZE, "5M", 1 * KiB, 4 * GiB },
	{ "whatsapp.max_video_size", K_SIZE, "16M", 1 * KiB, 4 * GiB },
	{ "whatsapp.max_audio_size", K_SIZE, "16M", 1 * KiB, 4 * GiB },
	{ "whatsapp.max_document_size", K_SIZE, "100M", 1 * KiB, 4 * GiB },
	{ "whatsapp.max_sticker_size", K_SIZE, "500k", 1 * KiB, 4 * GiB },
	{ "whatsapp.media_timeout", K_INT, "60", 1, 3600 },
	{ "whatsapp.media_attempts", K_INT, "3", 1, 20 },
	{ "whatsapp.workers", K_INT, "2", 1, 256 },
	{ "whatsapp.worker_lease", K_INT, "600", 10, 86400 },
	{ "whatsapp.retry_days", K_INT, "7", 1, 365 },
	{ "whatsapp.max_attempts", K_INT, "0", 0, 1000000 },
	{ "whatsapp.retry_min_interval", K_INT, "1", 1, 86400 },
	{ "whatsapp.retry_max_interval", K_INT, "900", 1, 86400 },
	{ "whatsapp.downstream_timeout", K_INT, "15", 1, 3600 },
	{ "whatsapp.downstream_connections", K_INT, "8", 1, 256 },

	{ "milter.socket", K_STR, "", 0, 0 },
	{ "milter.socket_mode", K_MODE, "0660", 0, 0777 },
	{ "milter.socket_group", K_STR, "postfix", 0, 0 },
	{ "milter.timeout", K_INT, "600", 5, 86400 },
	{ "milter.backlog", K_INT, "128", 1, 65535 },
	{ "milter.spool_memory", K_SIZE, "1M", 0, 1 * GiB },
	{ "milter.max_header_fields", K_INT, "10000", 100, 10000000 },
	{ "milter.fail_open", K_BOOL, "false", 0, 0 },
	{ "milter.on_reject", K_CHOICE, "reject", 0, 0 },
	{ "milter.on_quarantine", K_CHOICE, "placeholder", 0, 0 },
	{ "milter.shutdown_timeout", K_INT, "30", 0, 3600 },

	{ "notice.placeholder_template", K_PATH, "", 0, 0 },
	{ "notice.contact", K_STR, "To have it delivered, ask a supervisor to release it and quote the reference.", 0, 0 },
};

#define NSCHEMA (sizeof(schema) / sizeof(schema[0]))

/* The values a K_CHOICE key takes, '|'-separated. */
static const struct {
	const char *key, *choices;
} choice_lists[] = {
	{ "store.backend", "sqlite|postgresql" },
	{ "safelinks.unknown", "redirect|warn" },
	{ "milter.on_reject", "reject|quarantine" },
	{ "milter.on_quarantine", "placeholder|hold" },
};

static const char *choices_of(const char *key)
{
	size_t i;
	for (i = 0; i < sizeof(choice_lists) / sizeof(choice_lists[0]); i++)
		if (strcmp(choice_lists[i].key, key) == 0)
			return choice_lists[i].choices;
	return "";
}

struct value {
	char *str;    /* effective string (paths absolute) */
	int64_t num;  /* K_INT, K_SIZE, K_BOOL, K_ACTION */
	char **list;  /* K_PATHLIST, K_LIST */
};

struct sl_config {
	int refs;
	char *file;
	struct value v[NSCHEMA];
};

static int key_index(const char *name)
{
	size_t i;
	for (i = 0; i < NSCHEMA; i++)
		if (strcmp(schema[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int section_known(const char *section)
{
	size_t i, n = strlen(section);
	for (i = 0; i < NSCHEMA; i++)
		if (strncmp(schema[i].name, section, n) == 0 && schema[i].name[n] == '.')
			return 1;
	return 0;
}

/* Finds the line of "[section]" (key NULL) or of "key =" inside that section. */
static unsigned find_line(const char *text, const char *section, const char *key)
{
	unsigned line = 1, found = 0;
	int in_section = 0;
	const char *p = text;
	size_t slen = strlen(section), klen = key ? strlen(key) : 0;

	while (p != NULL && *p) {
		const char *eol = strchr(p, '\n');
		const char *s = p;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			in_section = strncmp(s + 1, section, slen) == 0 && s[1 + slen] == ']';
			if (in_section && key == NULL)
				return line;
		} else if (in_section && key != NULL && strncmp(s, key, klen) == 0) {
			const char *t = s + klen;
			while (*t == ' ' || *t == '\t')
				t++;
			if (*t == '=')
				found = line; /* the last one wins, as in GKeyFile */
		}
		if (eol == NULL)
			break;
		p = eol + 1;
		line++;
	}
	return found;
}

static char *where(const char *file, unsigned line)
{
	if (file == NULL)
		return sl_xstrdup("-o");
	if (line)
		return sl_xasprintf("%s:%u", file, line);
	return sl_xstrdup(file);
}

static int parse_size(const char *s, int64_t *out)
{
	char *end = NULL;
	long long n;
	int64_t mult = 1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = KiB, end++;
	else if (*end == 'm' || *end == 'M')
		mult = MiB, end++;
	else if (*end == 'g' || *end == 'G')
		mult = GiB, end++;
	if (*end != '\0' || n > INT64_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

static char *resolve_path(const char *base, const char *p)
{
	if (*p == '\0' || g_path_is_absolute(p) || base == NULL)
		return sl_xstrdup(p);
	{
		gchar *j = g_build_filename(base, p, NULL);
		gchar *c = g_canonicalize_filename(j, NULL);
		char *r = sl_xstrdup(c);
		g_free(j);
		g_free(c);
		return r;
	}
}

static void value_clear(struct value *v)
{
	free(v->str);
	v->str = NULL;
	if (v->list != NULL)
		g_strfreev(v->list);
	v->list = NULL;
}

/* Checks and stores raw for key k; base resolves relative paths (NULL: cwd). */
static int set_value(struct sl_config *c, size_t k, const char *raw, const char *base,
		     const char *loc, char **why)
{
	const struct key *key = &schema[k];
	struct value nv = { 0 };
	gchar *stripped = g_strstrip(g_strdup(raw));
	int rc = SL_ECONFIG;

	switch (key->type) {
	case K_STR:
		nv.str = sl_xstrdup(stripped);
		break;
	case K_PATH:
		nv.str = resolve_path(base, stripped);
		break;
	case K_PATHLIST:
	case K_LIST: {
		gchar **parts = g_strsplit(stripped, ";", -1);
		GPtrArray *a = g_ptr_array_new();
		size_t i;
		for (i = 0; parts[i] != NULL; i++) {
			gchar *e = g_strstrip(parts[i]);
			if (*e == '\0')
				continue;
			if (key->type == K_PATHLIST) {
				char *r = resolve_path(base, e);
				g_ptr_array_add(a, g_strdup(r));
				free(r);
			} else {
				g_ptr_array_add(a, g_strdup(e));
			}
		}
		g_ptr_array_add(a, NULL);
		nv.list = (char **)g_ptr_array_free(a, FALSE);
		g_strfreev(parts);
		nv.str = sl_xstrdup(stripped);
		break;
	}
	case K_INT:
	case K_SIZE: {
		int64_t n = 0;
		int bad;
		if (key->type == K_SIZE) {
			bad = parse_size(stripped, &n) != 0;
		} else {
			char *end = NULL;
			errno = 0;
			n = strtoll(stripped, &end, 10);
			bad = errno != 0 || end == stripped || *end != '\0';
		}
		if (bad || n < key->min || n > key->max) {
			*why = sl_xasprintf("%s: %s: expected %s between %lld and %lld, got '%s'", loc,
					    key->name, key->type == K_SIZE ? "a size (bytes, or with k/M/G)" : "an integer",
					    (long long)key->min, (long long)key->max, stripped);
			goto out;
		}
		nv.num = n;
		nv.str = sl_xstrdup(stripped);
		break;
	}
	case K_BOOL:
		if (g_ascii_strcasecmp(stripped, "true") == 0 || strcmp(stripped, "yes") == 0 ||
		    strcmp(stripped, "1") == 0) {
			nv.num = 1;
		} else if (g_ascii_strcasecmp(stripped, "false") == 0 || strcmp(stripped, "no") == 0 ||
			   strcmp(stripped, "0") == 0) {
			nv.num = 0;
		} else {
			*why = sl_xasprintf("%s: %s: expected true or false, got '%s'", loc, key->name, stripped);
			goto out;
		}
		nv.str = sl_xstrdup(nv.num ? "true" : "false");
		break;
	case K_LOGLEVEL: {
		static const char *const levels[] = { "error", "warning", "notice", "info", "debug", NULL };
		size_t l;
		for (l = 0; levels[l] != NULL && strcmp(levels[l], stripped) != 0; l++)
			;
		if (levels[l] == NULL) {
			*why = sl_xasprintf("%s: %s: expected one of error, warning, notice, info, debug, got '%s'",
					    loc, key->name, stripped);
			goto out;
		}
		nv.num = (int64_t)l; /* enum sl_log_level order */
		nv.str = sl_xstrdup(stripped);
		break;
	}
	case K_CHOICE: {
		gchar **opts = g_strsplit(choices_of(key->name), "|", -1);
		int ok = g_strv_contains((const gchar *const *)opts, stripped);
		if (!ok) {
			gchar *list = g_strjoinv(", ", opts);
			*why = sl_xasprintf("%s: %s: expected one of %s, got '%s'", loc, key->name, list, stripped);
			g_free(list);
		}
		g_strfreev(opts);
		if (!ok)
			goto out;
		nv.str = sl_xstrdup(stripped);
		break;
	}
	case K_MODE: {
		char *end = NULL;
		long m;
		errno = 0;
		m = strtol(stripped, &end, 8);
		if (errno != 0 || end == stripped || *end != '\0' || m < key->min || m > key->max) {
			*why = sl_xasprintf("%s: %s: expected an octal file mode such as 0660, got '%s'", loc,
					    key->name, stripped);
			goto out;
		}
		nv.num = m;
		nv.str = sl_xasprintf("0%03lo", m);
		break;
	}
	case K_ACTION: {
		enum sl_action a;
		if (sl_action_parse(stripped, &a) != SL_OK) {
			*why = sl_xasprintf("%s: %s: expected one of none, remove, defang, wrap, quarantine, "
					    "reject, got '%s'", loc, key->name, stripped);
			goto out;
		}
		nv.num = a;
		nv.str = sl_xstrdup(stripped);
		break;
	}
	}
	value_clear(&c->v[k]);
	c->v[k] = nv;
	memset(&nv, 0, sizeof(nv));
	rc = SL_OK;
out:
	value_clear(&nv);
	g_free(stripped);
	return rc;
}

static int load_file(struct sl_config *c, const char *path, char **why)
{
	GKeyFile *kf = g_key_file_new();
	GError *err = NULL;
	gchar *text = NULL, **groups = NULL, *dir = NULL, *base = NULL;
	char *loc = NULL;
	int rc = SL_ECONFIG;
	size_t i, j;
	int bk = key_index("general.base_dir");

	if (!g_file_get_contents(path, &text, NULL, &err)) {
		*why = sl_xasprintf("%s: %s", path, err->message);
		goto out;
	}
	if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &err)) {
		*why = sl_xasprintf("%s: %s", path, err->message);
		goto out;
	}
	/* base_dir first: other relative paths depend on it. */
	dir = g_path_get_dirname(path);
	{
		gchar *abs = g_canonicalize_filename(dir, NULL);
		g_free(dir);
		dir = abs;
	}
	base = g_key_file_get_value(kf, "general", "base_dir", NULL);
	loc = where(path, find_line(text, "general", "base_dir"));
	if (set_value(c, (size_t)bk, base ? base : ".", dir, loc, why) != SL_OK)
		goto out;
	free(loc);
	loc = NULL;

	groups = g_key_file_get_groups(kf, NULL);
	for (i = 0; groups[i] != NULL; i++) {
		gchar **keys = NULL;
		if (!section_known(groups[i])) {
			free(loc);
			loc = where(path, find_line(text, groups[i], NULL));
			*why = sl_xasprintf("%s: [%s]: unknown section", loc, groups[i]);
			goto out;
		}
		keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
		for (j = 0; keys != NULL && keys[j] != NULL; j++) {
			char *name = sl_xasprintf("%s.%s", groups[i], keys[j]);
			int k = key_index(name);
			gchar *val;
			int src;
			free(loc);
			loc = where(path, find_line(text, groups[i], keys[j]));
			if (k < 0) {
				*why = sl_xasprintf("%s: %s: unknown key", loc, name);
				free(name);
				g_strfreev(keys);
				goto out;
			}
			free(name);
			if (k == bk)
				continue;
			val = g_key_file_get_value(kf, groups[i], keys[j], NULL);
			src = set_value(c, (size_t)k, val ? val : "", c->v[bk].str, loc, why);
			g_free(val);
			if (src != SL_OK) {
				g_strfreev(keys);
				goto out;
			}
		}
		g_strfreev(keys);
	}
	rc = SL_OK;
out:
	if (err != NULL)
		g_error_free(err);
	free(loc);
	g_free(base);
	g_free(dir);
	g_strfreev(groups);
	g_free(text);
	g_key_file_free(kf);
	return rc;
}

int sl_config_load(const char *path, const char *const *overrides, size_t noverrides,
		   struct sl_config **out, char **why)
{
	struct sl_config *c = sl_xcalloc(1, sizeof(*c));
	char cwd[PATH_MAX];
	const char *defbase;
	size_t i;
	int rc = SL_ECONFIG;

	*out = NULL;
	c->refs = 1;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "/");
	/* Defaults: relative default paths resolve against the config's base
	 * (or, with no file, the working directory). */
	defbase = cwd;
	for (i = 0; i < NSCHEMA; i++) {
		if (set_value(c, i, schema[i].def, defbase, "default", why) != SL_OK)
			goto out; /* a broken default is a bug, but report it */
	}
	if (path != NULL) {
		c->file = sl_xstrdup(path);
		if (load_file(c, path, why) != SL_OK)
			goto out;
		/* Re-resolve defaults that were not set in the file against base_dir. */
		{
			GKeyFile *kf = g_key_file_new();
			if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
				for (i = 0; i < NSCHEMA; i++) {
					gchar *sec, *dot;
					if (schema[i].type != K_PATH && schema[i].type != K_PATHLIST)
						continue;
					if (strcmp(schema[i].name, "general.base_dir") == 0)
						continue;
					sec = g_strdup(schema[i].name);
					dot = strchr(sec, '.');
					*dot = '\0';
					if (!g_key_file_has_key(kf, sec, dot + 1, NULL))
						set_value(c, i, schema[i].def, c->v[key_index("general.base_dir")].str,
							  "default", why);
					g_free(sec);
				}
			}
			g_key_file_free(kf);
		}
	}
	for (i = 0; i < noverrides; i++) {
		const char *eq = strchr(overrides[i], '=');
		char *name;
		int k;
		if (eq == NULL) {
			*why = sl_xasprintf("-o %s: expected section.key=value", overrides[i]);
			goto out;
		}
		name = sl_xstrndup(overrides[i], (size_t)(eq - overrides[i]));
		g_strstrip(name);
		k = key_index(name);
		if (k < 0) {
			*why = sl_xasprintf("-o %s: unknown key", name);
			free(name);
			goto out;
		}
		free(name);
		if (set_value(c, (size_t)k, eq + 1, cwd, "-o", why) != SL_OK)
			goto out;
	}
	*out = c;
	c = NULL;
	rc = SL_OK;
out:
	sl_config_unref(c);
	return rc;
}

struct sl_config *sl_config_ref(struct sl_config *c)
{
	g_atomic_int_inc(&c->refs);
	return c;
}

struct sl_config *sl_config_unref(struct sl_config *c)
{
	size_t i;
	if (c == NULL || !g_atomic_int_dec_and_test(&c->refs))
		return NULL;
	for (i = 0; i < NSCHEMA; i++)
		value_clear(&c->v[i]);
	free(c->file);
	free(c);
	return NULL;
}

static const struct value *get(const struct sl_config *c, const char *key)
{
	int k = key_index(key);
	if (k < 0) {
		sl_log(SL_LOG_ERR, "internal error: config key %s is not in the schema", key);
		abort();
	}
	return &c->v[k];
}

const char *sl_config_str(const struct sl_config *c, const char *key)
{
	return get(c, key)->str;
}

int64_t sl_config_int(const struct sl_config *c, const char *key)
{
	return get(c, key)->num;
}

int sl_config_bool(const struct sl_config *c, const char *key)
{
	return get(c, key)->num != 0;
}

char *const *sl_config_list(const struct sl_config *c, const char *key)
{
	return get(c, key)->list;
}

const char *sl_config_file(const struct sl_config *c)
{
	return c->file;
}

/* Keys whose values are secrets: never printed. */
static int secret_key(const char *name)
{
	size_t n = strlen(name);
	return (n > 4 && strcmp(name + n - 4, "_key") == 0) ||
	       (n > 7 && strcmp(name + n - 7, "_secret") == 0) ||
	       (n > 6 && strcmp(name + n - 6, "_token") == 0);
}

void sl_config_dump(const struct sl_config *c, void (*line)(void *, const char *), void *ctx)
{
	size_t i;
	for (i = 0; i < NSCHEMA; i++) {
		const char *v = c->v[i].str ? c->v[i].str : "";
		char *s = sl_xasprintf("%s = %s", schema[i].name,
				       *v != '\0' && secret_key(schema[i].name) ? "(secret, not shown)" : v);
		line(ctx, s);
		free(s);
	}
}
