/*
 * urllist - see urllist.h.
 *
 * Storage (all owned by the list, freed by sl_urllist_free):
 *   sources   every "label:entry" string handed out by the match functions;
 *             the tables below only borrow them.
 *   hosts     host -> source, for "host and subdomains" entries; a query walks
 *             the label suffixes of its host (a.b.c, b.c, c), longest first.
 *   exact     host -> source, for "=host" entries.
 *   nets      (family, prefix length, masked address) -> source; a query masks
 *             its address once per prefix length in use (at most 33 or 129
 *             hash look-ups), longest prefix first.
 *   prefixes  host -> GPtrArray of struct prefix (scheme, port, path prefix);
 *             only the entries of the query's own host are compared.
 * Duplicates keep the first entry (and its source) and are not counted again.
 *
 * Parsing: an entry whose last label is all digits (or 0x...) is taken as an
 * IPv4 address, so "192.0.2.300" is a bad line rather than a host that can
 * never match. A CIDR with host bits set is masked to its network. URL prefix
 * entries compare the scheme, the host exactly, the port (default ports
 * dropped) and the start of the path (case-sensitive, as written).
 * Limits: a file of at most SL_URLLIST_MAX_FILE bytes, entries of at most
 * SL_URLLIST_MAX_ENTRY bytes.
 */
#include <glib.h>

#include "urllist.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idna.h"
#include "util.h"

#define SL_URLLIST_MAX_FILE ((size_t)256 * 1024 * 1024)
#define SL_URLLIST_MAX_ENTRY 4096u
#define HOST_MAX 253u
#define LABEL_MAX 63u

struct net_key {
	uint8_t family; /* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16]; /* masked to plen; v4 uses the first 4 bytes */
};

struct prefix {
	char *scheme;
	int port; /* -1: default */
	char *path; /* may be "" (the whole host) */
	const char *source;
};

struct sl_urllist {
	GPtrArray *sources;
	GHashTable *hosts;
	GHashTable *exact;
	GHashTable *nets;
	GHashTable *prefixes;
	uint8_t v4_plens[33]; /* 1 where some entry has that prefix length */
	uint8_t v6_plens[129];
	size_t count;
};

/* ---- keys and tables ---- */

static guint net_hash(gconstpointer p)
{
	const uint8_t *b = p;
	guint32 h = 2166136261u;
	for (size_t i = 0; i < sizeof(struct net_key); i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static gboolean net_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(struct net_key)) == 0;
}

static void prefix_free(gpointer p)
{
	struct prefix *x = p;
	g_free(x->scheme);
	g_free(x->path);
	g_free(x);
}

static void prefix_array_free(gpointer p)
{
	g_ptr_array_unref(p);
}

struct sl_urllist *sl_urllist_new(void)
{
	struct sl_urllist *l = sl_xcalloc(1, sizeof(*l));
	l->sources = g_ptr_array_new_with_free_func(g_free);
	l->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->exact = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->nets = g_hash_table_new_full(net_hash, net_equal, g_free, NULL);
	l->prefixes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, prefix_array_free);
	return l;
}

struct sl_urllist *sl_urllist_free(struct sl_urllist *l)
{
	if (l == NULL)
		return NULL;
	g_hash_table_destroy(l->prefixes);
	g_hash_table_destroy(l->nets);
	g_hash_table_destroy(l->exact);
	g_hash_table_destroy(l->hosts);
	g_ptr_array_unref(l->sources);
	free(l);
	return NULL;
}

size_t sl_urllist_count(const struct sl_urllist *l)
{
	return l->count;
}

static const char *add_source(struct sl_urllist *l, const char *label, const char *entry)
{
	char *s = g_strdup_printf("%s:%s", label, entry);
	g_ptr_array_add(l->sources, s);
	return s;
}

/* ---- addresses ---- */

static void mask_addr(uint8_t *addr, unsigned nbytes, unsigned plen)
{
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned bit = i * 8;
		if (bit >= plen)
			addr[i] = 0;
		else if (plen - bit < 8)
			addr[i] &= (uint8_t)(0xffu << (8 - (plen - bit)));
	}
}

/* Parses "a.b.c.d" or "v6" (brackets allowed for v6) into key->family/addr. */
static int parse_addr(const char *s, size_t len, struct net_key *key)
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
		if (len >= sizeof(buf))
			return SL_EPARSE;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, key->addr) != 1)
			return SL_EPARSE;
		key->family = 6;
		return SL_OK;
	}
	if (len >= sizeof(buf))
		return SL_EPARSE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, key->addr) == 1) {
		key->family = 4;
		return SL_OK;
	}
	if (inet_pton(AF_INET6, buf, key->addr) == 1) {
		key->family = 6;
		return SL_OK;
	}
	return SL_EPARSE;
}

static int add_net(struct sl_urllist *l, const char *entry, const char *label, char **why)
{
	struct net_key key;
	const char *slash = strchr(entry, '/');
	size_t alen = slash ? (size_t)(slash - entry) : strlen(entry);
	unsigned max, plen;
	uint8_t *used;

	memset(&key, 0, sizeof(key));
	if (parse_addr(entry, alen, &key) != SL_OK) {
		if (slash != NULL && strchr(entry, ':') == NULL)
			*why = sl_xasprintf("not a valid IP address or CIDR: %s (a URL prefix needs "
					    "its scheme: https://...)", entry);
		else
			*why = sl_xasprintf("not a valid IP address: %.*s", (int)alen, entry);
		return SL_EPARSE;
	}
	max = key.family == 4 ? 32 : 128;
	plen = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;
		if (*p == '\0' || strlen(p) > 3) {
			*why = sl_xasprintf("bad CIDR prefix length \"%s\"", p);
			return SL_EPARSE;
		}
		for (; *p; p++) {
			if (*p < '0' || *p > '9') {
				*why = sl_xasprintf("bad CIDR prefix length \"%s\"", slash + 1);
				return SL_EPARSE;
			}
			v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > max) {
			*why = sl_xasprintf("CIDR prefix length /%u is more than %u", v, max);
			return SL_EPARSE;
		}
		plen = v;
	}
	key.plen = (uint8_t)plen;
	mask_addr(key.addr, 16, plen);
	if (g_hash_table_contains(l->nets, &key))
		return SL_OK;
	g_hash_table_insert(l->nets, g_memdup2(&key, sizeof(key)),
			    (gpointer)add_source(l, label, entry));
	used = key.family == 4 ? l->v4_plens : l->v6_plens;
	used[plen] = 1;
	l->count++;
	return SL_OK;
}

static const char *match_net(const struct sl_urllist *l, const struct net_key *addr)
{
	const uint8_t *used = addr->family == 4 ? l->v4_plens : l->v6_plens;
	int max = addr->family == 4 ? 32 : 128;

	for (int plen = max; plen >= 0; plen--) {
		struct net_key key;
		const char *src;
		if (used[plen] == 0)
			continue;
		key = *addr;
		key.plen = (uint8_t)plen;
		mask_addr(key.addr, 16, (unsigned)plen);
		src = g_hash_table_lookup(l->nets, &key);
		if (src != NULL)
			return src;
	}
	return NULL;
}

/* ---- host names ---- */

static int is_host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* True when the last label is numeric: WHATWG then parses the host as IPv4. */
static int last_label_numeric(const char *h)
{
	const char *last = strrchr(h, '.');
	const char *p = last ? last + 1 : h;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; *p; p++)
			if (!g_ascii_isxdigit(*p))
				return 0;
		return 1;
	}
	if (*p == '\0')
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/*
 * Turns a host as written into the compared form: IDNA to ASCII as browsers
 * map it (idna.c), lower-case,
 * no trailing dot, checked for length and characters. *out is g_malloc'd.
 */
static int host_to_ascii(const char *in, size_t len, char **out, char **why)
{
	char *h = g_strndup(in, len);
	int rc = SL_EPARSE;
	int ascii = 1;
	size_t n, lab;

	*out = NULL;
	for (const char *p = h; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = 0;
	if (!ascii) {
		char *a = NULL;
		const char *reason = NULL;
		if (!g_utf8_validate(h, -1, NULL)) {
			*why = sl_xasprintf("host is not valid UTF-8");
			goto out;
		}
		if (sl_idna_to_ascii(h, strlen(h), &a, NULL, &reason) != SL_OK) {
			*why = sl_xasprintf("host \"%s\" is not a valid IDN: %s", h, reason);
			goto out;
		}
		g_free(h);
		h = g_strdup(a);
		free(a);
	}
	for (char *p = h; *p; p++)
		*p = g_ascii_tolower(*p);
	n = strlen(h);
	if (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
	if (n == 0) {
		*why = sl_xasprintf("empty host");
		goto out;
	}
	if (n > HOST_MAX) {
		*why = sl_xasprintf("host is longer than %u characters", HOST_MAX);
		goto out;
	}
	lab = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '.' || c == '\0') {
			if (lab == 0) {
				*why = sl_xasprintf("empty label in host \"%s\"", h);
				goto out;
			}
			if (lab > LABEL_MAX) {
				*why = sl_xasprintf("label longer than %u characters in host \"%s\"",
						    LABEL_MAX, h);
				goto out;
			}
			lab = 0;
			continue;
		}
		if (!is_host_char(c)) {
			*why = sl_xasprintf("invalid character '%c' (0x%02x) in host \"%s\"",
					    g_ascii_isprint(c) ? c : '?', c, h);
			goto out;
		}
		lab++;
	}
	if (last_label_numeric(h)) {
		*why = sl_xasprintf("not a valid IP address: %s", h);
		goto out;
	}
	*out = h;
	h = NULL;
	rc = SL_OK;
out:
	g_free(h);
	return rc;
}

static int add_host(struct sl_urllist *l, GHashTable *t, const char *name, size_t len,
		    const char *entry, const char *label, char **why)
{
	char *h = NULL;
	int rc = host_to_ascii(name, len, &h, why);
	if (rc != SL_OK)
		return rc;
	if (g_hash_table_contains(t, h)) {
		g_free(h);
		return SL_OK;
	}
	g_hash_table_insert(t, h, (gpointer)add_source(l, label, entry));
	l->count++;
	return SL_OK;
}

/* Copies host lower-cased and without a trailing dot into buf (g_malloc'd if big). */
static char *host_key(const char *host, char *buf, size_t bufsize)
{
	size_t n = strlen(host);
	char *k;
	if (n > 0 && host[n - 1] == '.')
		n--;
	k = n < bufsize ? buf : g_malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		k[i] = g_ascii_tolower(host[i]);
	k[n] = '\0';
	return k;
}

static const char *match_hostname(const struct sl_urllist *l, const char *host)
{
	char buf[HOST_MAX + 2];
	char *k = host_key(host, buf, sizeof(buf));
	const char *src = NULL;

	if (*k == '\0')
		goto out;
	src = g_hash_table_lookup(l->exact, k);
	if (src != NULL)
		goto out;
	for (const char *p = k; p != NULL; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		src = g_hash_table_lookup(l->hosts, p);
		if (src != NULL)
			goto out;
	}
out:
	if (k != buf)
		g_free(k);
	return src;
}

/* ---- URL prefixes ---- */

static int default_port(const char *scheme, int port)
{
	if ((strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0) && port == 80)
		return -1;
	if ((strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0) && port == 443)
		return -1;
	if (strcmp(scheme, "ftp") == 0 && port == 21)
		return -1;
	return port;
}

static int add_prefix(struct sl_urllist *l, const char *entry, const char *label, char **why)
{
	const char *sep = strstr(entry, "://");
	const char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *colon = NULL;
	struct prefix *x = NULL;
	char *host = NULL;
	GPtrArray *arr;
	int rc = SL_EPARSE;

	x = g_new0(struct prefix, 1);
	x->port = -1;
	if (sep == entry) {
		*why = sl_xasprintf("URL prefix without a scheme");
		goto out;
	}
	for (const char *p = entry; p < sep; p++) {
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != '-' && *p != '.') {
			*why = sl_xasprintf("invalid character in URL scheme");
			goto out;
		}
	}
	if (!g_ascii_isalpha(entry[0])) {
		*why = sl_xasprintf("URL scheme must start with a letter");
		goto out;
	}
	x->scheme = g_ascii_strdown(entry, sep - entry);
	if (memchr(auth, '@', alen) != NULL) {
		*why = sl_xasprintf("user information is not allowed in a URL prefix");
		goto out;
	}
	if (alen > 0 && auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);
		if (close == NULL) {
			*why = sl_xasprintf("unterminated [IPv6] host");
			goto out;
		}
		if (close + 1 < auth + alen)
			colon = close + 1;
	} else {
		colon = memchr(auth, ':', alen);
	}
	if (colon != NULL) {
		const char *p = colon + 1;
		long v = 0;
		if (*colon != ':' || p == auth + alen) {
			*why = sl_xasprintf("bad port in URL prefix");
			goto out;
		}
		for (; p < auth + alen; p++) {
			if (*p < '0' || *p > '9' || v > 65535) {
				*why = sl_xasprintf("bad port in URL prefix");
				goto out;
			}
			v = v * 10 + (*p - '0');
		}
		if (v > 65535) {
			*why = sl_xasprintf("bad port in URL prefix");
			goto out;
		}
		x->port = default_port(x->scheme, (int)v);
	}
	{
		size_t hlen = colon ? (size_t)(colon - auth) : alen;
		struct net_key k;
		if (hlen == 0) {
			*why = sl_xasprintf("URL prefix without a host");
			goto out;
		}
		memset(&k, 0, sizeof(k));
		if (auth[0] == '[') {
			char txt[INET6_ADDRSTRLEN];
			if (parse_addr(auth, hlen, &k) != SL_OK || k.family != 6) {
				*why = sl_xasprintf("not a valid IPv6 address: %.*s", (int)hlen, auth);
				goto out;
			}
			inet_ntop(AF_INET6, k.addr, txt, sizeof(txt));
			host = g_strdup_printf("[%s]", txt);
		} else if (parse_addr(auth, hlen, &k) == SL_OK && k.family == 4) {
			host = g_strndup(auth, hlen);
		} else {
			rc = host_to_ascii(auth, hlen, &host, why);
			if (rc != SL_OK)
				goto out;
		}
	}
	x->path = g_strdup(auth + alen);
	arr = g_hash_table_lookup(l->prefixes, host);
	if (arr == NULL) {
		arr = g_ptr_array_new_with_free_func(prefix_free);
		g_hash_table_insert(l->prefixes, host, arr);
		host = NULL;
	}
	for (guint i = 0; i < arr->len; i++) {
		struct prefix *o = arr->pdata[i];
		if (o->port == x->port && strcmp(o->scheme, x->scheme) == 0 &&
		    strcmp(o->path, x->path) == 0) {
			rc = SL_OK;
			goto out;
		}
	}
	x->source = add_source(l, label, entry);
	g_ptr_array_add(arr, x);
	x = NULL;
	l->count++;
	rc = SL_OK;
out:
	g_free(host);
	if (x != NULL)
		prefix_free(x);
	return rc;
}

static const char *match_prefix(const struct sl_urllist *l, const struct sl_url_norm *u)
{
	char buf[HOST_MAX + 2];
	char *k;
	GPtrArray *arr;
	const char *src = NULL;
	const char *path = u->path ? u->path : "";
	size_t best = 0;

	if (g_hash_table_size(l->prefixes) == 0 || u->scheme == NULL)
		return NULL;
	k = host_key(u->host, buf, sizeof(buf));
	if (k[0] == '[') {
		/* Entries hold IPv6 hosts as inet_ntop writes them; so must the query. */
		struct net_key a;
		char txt[INET6_ADDRSTRLEN];
		memset(&a, 0, sizeof(a));
		if (parse_addr(k, strlen(k), &a) == SL_OK && a.family == 6 &&
		    inet_ntop(AF_INET6, a.addr, txt, sizeof(txt)) != NULL &&
		    strlen(txt) + 2 < sizeof(buf)) {
			if (k != buf)
				g_free(k);
			k = buf;
			snprintf(buf, sizeof(buf), "[%s]", txt);
		}
	}
	arr = g_hash_table_lookup(l->prefixes, k);
	/* The longest matching prefix names the match. */
	for (guint i = 0; arr != NULL && i < arr->len; i++) {
		const struct prefix *x = arr->pdata[i];
		size_t plen = strlen(x->path);
		if (g_ascii_strcasecmp(x->scheme, u->scheme) != 0)
			continue;
		if (x->port != default_port(x->scheme, u->port))
			continue;
		if (strncmp(path, x->path, plen) != 0)
			continue;
		if (src == NULL || plen > best) {
			src = x->source;
			best = plen;
		}
	}
	if (k != buf)
		g_free(k);
	return src;
}

/* ---- entries and files ---- */

static int add_entry(struct sl_urllist *l, const char *entry, const char *label, char **why)
{
	size_t n = strlen(entry);

	if (n == 0) {
		*why = sl_xasprintf("empty entry");
		return SL_EPARSE;
	}
	if (n > SL_URLLIST_MAX_ENTRY) {
		*why = sl_xasprintf("entry longer than %u bytes", SL_URLLIST_MAX_ENTRY);
		return SL_EPARSE;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)entry[i];
		if (c <= 0x20 || c == 0x7f) {
			*why = sl_xasprintf("whitespace or control character inside the entry "
					    "(one entry a line)");
			return SL_EPARSE;
		}
	}
	if (strstr(entry, "://") != NULL)
		return add_prefix(l, entry, label, why);
	if (entry[0] == '=')
		return add_host(l, l->exact, entry + 1, n - 1, entry, label, why);
	if (entry[0] == '[' || strchr(entry, ':') != NULL || strchr(entry, '/') != NULL)
		return add_net(l, entry, label, why);
	{
		struct net_key k;
		memset(&k, 0, sizeof(k));
		if (parse_addr(entry, n, &k) == SL_OK)
			return add_net(l, entry, label, why);
	}
	return add_host(l, l->hosts, entry, n, entry, label, why);
}

int sl_urllist_add(struct sl_urllist *l, const char *entry, const char *label, char **why)
{
	char *e = g_strstrip(g_strdup(entry));
	int rc = add_entry(l, e, label ? label : "", why);
	g_free(e);
	return rc;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int sl_urllist_load(struct sl_urllist *l, const char *path, sl_urllist_warn_fn warn, void *ctx,
		    char **why)
{
	char *data = NULL;
	char *label = NULL;
	size_t len = 0, pos = 0;
	unsigned lineno = 0;
	int rc;

	rc = sl_read_file(path, SL_URLLIST_MAX_FILE, &data, &len, why);
	if (rc != SL_OK)
		goto out;
	label = g_path_get_basename(path);
	while (pos < len) {
		char *line = data + pos;
		char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		char *start, *end, *reason = NULL;

		pos += llen + (nl ? 1 : 0);
		lineno++;
		line[llen] = '\0';
		if (memchr(line, '\0', llen) != NULL) {
			reason = sl_xasprintf("NUL byte in line");
			goto bad;
		}
		if (lineno == 1 && llen >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3; /* UTF-8 byte order mark */
			llen -= 3;
		}
		/* A comment starts at a '#' that opens the line or follows whitespace. */
		for (size_t i = 0; i < llen; i++) {
			if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) {
				line[i] = '\0';
				break;
			}
		}
		start = line;
		while (is_space(*start))
			start++;
		end = start + strlen(start);
		while (end > start && is_space(end[-1]))
			end--;
		*end = '\0';
		if (*start == '\0')
			continue;
		if (add_entry(l, start, label, &reason) == SL_OK)
			continue;
bad:
		if (warn != NULL)
			warn(ctx, path, lineno, reason);
		else
			sl_log(SL_LOG_WARNING, "%s:%u: %s (line skipped)", path, lineno, reason);
		free(reason);
	}
	rc = SL_OK;
out:
	g_free(label);
	free(data);
	return rc;
}

/* ---- look-ups ---- */

/* Parses a URL host that is an IP literal ("192.0.2.1" or "[2001:db8::1]"). */
static int host_addr(const char *host, struct net_key *k)
{
	size_t n = strlen(host);
	memset(k, 0, sizeof(*k));
	if (n > 0 && host[0] == '[')
		return parse_addr(host, n, k);
	if (parse_addr(host, n, k) == SL_OK && k->family == 4)
		return SL_OK;
	return SL_EPARSE;
}

int sl_urllist_match(const struct sl_urllist *l, const struct sl_url_norm *u, const char **source)
{
	struct net_key k;
	const char *src = NULL;

	*source = NULL;
	if (u == NULL || u->host == NULL || u->host[0] == '\0')
		return 0;
	src = match_prefix(l, u);
	if (src == NULL && host_addr(u->host, &k) == SL_OK) {
		src = match_net(l, &k);
		/* ::ffff:a.b.c.d reaches a.b.c.d: judge it by the IPv4 entries too. */
		if (src == NULL && k.family == 6) {
			static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
			if (memcmp(k.addr, mapped, sizeof(mapped)) == 0) {
				struct net_key v4;
				memset(&v4, 0, sizeof(v4));
				v4.family = 4;
				memcpy(v4.addr, k.addr + 12, 4);
				src = match_net(l, &v4);
			}
		}
	} else if (src == NULL && !(u->flags & SL_URL_IP)) {
		src = match_hostname(l, u->host);
	}
	*source = src;
	return src != NULL;
}

int sl_urllist_match_host(const struct sl_urllist *l, const char *host, const char **source)
{
	const char *src = NULL;

	*source = NULL;
	if (host != NULL)
		src = match_hostname(l, host);
	*source = src;
	return src != NULL;
}
