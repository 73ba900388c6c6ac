/* prov_dnsbl - see prov_dnsbl.h. */
#include <glib.h>

#include "prov_dnsbl.h"

#include <ares.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

enum kind { K_NONE, K_SUSPICIOUS, K_MALICIOUS, K_ERROR }; /* in order of precedence */

struct code {
	uint32_t addr; /* exact codes */
	unsigned mask; /* bit codes: last octet & mask; 0 for exact */
	enum kind kind;
	char *category;
};

struct sl_dnsbl_zone {
	char *name;
	int domains, ips, subdomains;
	GArray *codes; /* struct code: the zone's own (dnsbl_codes) first, then the style's */
};

/* Built-in mappings, written as dnsbl_codes entries without the zone. */
static const char *const style_dbl[] = {
    "127.0.1.2 suspicious spam",
    "127.0.1.4 malicious phishing",
    "127.0.1.5 malicious malware",
    "127.0.1.6 malicious botnet_c&c",
    "127.0.1.102 suspicious abused_legit_spam",
    "127.0.1.103 suspicious abused_redirector",
    "127.0.1.104 malicious abused_legit_phishing",
    "127.0.1.105 malicious abused_legit_malware",
    "127.0.1.106 malicious abused_legit_botnet_c&c",
    "127.0.1.255 error IP_queries_refused",
    NULL,
};
static const char *const style_surbl[] = {
    "127.0.0.1 error access_refused", "&4 none disposable_email",
    "&8 malicious phishing",          "&16 malicious malware",
    "&32 none click_tracker",         "&64 suspicious abuse",
    "&128 malicious cracked_site",    NULL,
};
static const char *const style_uribl[] = {
    "127.0.0.1 error query_refused",
    "&2 suspicious black",
    "&4 none grey",
    "&8 suspicious red",
    NULL,
};

static const struct {
	const char *name;
	const char *const *codes;
	int domains, ips, subdomains;
} styles[] = {
    {"dbl", style_dbl, 1, 0, 1},
    {"surbl", style_surbl, 1, 1, 0},
    {"uribl", style_uribl, 1, 0, 0},
    {"custom", NULL, 1, 0, 0},
};

/* "CODE VERDICT [CATEGORY]" (tok[0..n)). */
static int parse_code(char **tok, size_t n, struct code *c, char **why)
{
	static const char *const kinds[] = {"none", "suspicious", "malicious", "error"};
	struct in_addr a;
	size_t k;

	memset(c, 0, sizeof(*c));
	if (n < 2 || n > 3) {
		*why = sl_xstrdup("expected CODE VERDICT [CATEGORY]");
		return SL_ECONFIG;
	}
	if (tok[0][0] == '&') {
		char *end = NULL;
		unsigned long m = strtoul(tok[0] + 1, &end, 10);
		if (end == tok[0] + 1 || *end != '\0' || m == 0 || m > 255) {
			*why = sl_xasprintf("'%s': a bit code is &1 to &255", tok[0]);
			return SL_ECONFIG;
		}
		c->mask = (unsigned)m;
	} else if (inet_pton(AF_INET, tok[0], &a) == 1 && (ntohl(a.s_addr) >> 24) == 127) {
		c->addr = ntohl(a.s_addr);
	} else {
		*why =
		    sl_xasprintf("'%s': a code is an address in 127.0.0.0/8 or a bit (&8)", tok[0]);
		return SL_ECONFIG;
	}
	for (k = 0; k < G_N_ELEMENTS(kinds) && strcmp(kinds[k], tok[1]) != 0; k++)
		;
	if (k == G_N_ELEMENTS(kinds)) {
		*why = sl_xasprintf("'%s': the verdict is malicious, suspicious, none or error",
				    tok[1]);
		return SL_ECONFIG;
	}
	c->kind = (enum kind)k;
	c->category = sl_xstrdup(n == 3 ? tok[2] : tok[1]);
	return SL_OK;
}

static int zone_name_ok(const char *z)
{
	size_t n = strlen(z), lab = 0;
	if (n == 0 || n > 200 || z[0] == '.' || z[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (z[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (g_ascii_isalnum(z[i]) || z[i] == '-' || z[i] == '_') {
			if (++lab > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return 1;
}

struct sl_dnsbl_zone *sl_dnsbl_zone_free(struct sl_dnsbl_zone *z)
{
	if (z == NULL)
		return NULL;
	for (guint i = 0; z->codes != NULL && i < z->codes->len; i++)
		free(g_array_index(z->codes, struct code, i).category);
	if (z->codes != NULL)
		g_array_free(z->codes, TRUE);
	free(z->name);
	free(z);
	return NULL;
}

const char *sl_dnsbl_zone_name(const struct sl_dnsbl_zone *z)
{
	return z->name;
}

int sl_dnsbl_zone_new(const char *spec, char *const *codes, struct sl_dnsbl_zone **out, char **why)
{
	struct sl_dnsbl_zone *z = sl_xcalloc(1, sizeof(*z));
	gchar **tok = g_strsplit_set(spec, " \t", -1);
	char *t[4] = {0};
	size_t n = 0, s;
	char *err = NULL;
	int rc = SL_ECONFIG;

	*out = NULL;
	z->codes = g_array_new(FALSE, TRUE, sizeof(struct code));
	for (size_t i = 0; tok[i] != NULL; i++)
		if (tok[i][0] != '\0' && n < 4)
			t[n++] = tok[i];
	if (n == 0 || n > 3 || !zone_name_ok(t[0])) {
		*why = sl_xasprintf("reputation.dnsbl_zones: '%s': expected ZONE [STYLE [TARGETS]]",
				    spec);
		goto out;
	}
	z->name = g_ascii_strdown(t[0], -1);
	for (s = 0; s < G_N_ELEMENTS(styles) && strcmp(styles[s].name, n > 1 ? t[1] : "dbl") != 0;
	     s++)
		;
	if (s == G_N_ELEMENTS(styles)) {
		*why = sl_xasprintf(
		    "reputation.dnsbl_zones: %s: unknown style '%s' (dbl, surbl, uribl or "
		    "custom)",
		    z->name, t[1]);
		goto out;
	}
	z->domains = styles[s].domains;
	z->ips = styles[s].ips;
	z->subdomains = styles[s].subdomains;
	if (n > 2) {
		z->domains = strcmp(t[2], "domains") == 0 || strcmp(t[2], "both") == 0;
		z->ips = strcmp(t[2], "ips") == 0 || strcmp(t[2], "both") == 0;
		if (!z->domains && !z->ips) {
			*why = sl_xasprintf(
			    "reputation.dnsbl_zones: %s: targets are domains, ips or both, "
			    "not '%s'",
			    z->name, t[2]);
			goto out;
		}
	}
	/* the zone's own codes first: they win over the style's */
	for (size_t i = 0; codes != NULL && codes[i] != NULL; i++) {
		gchar **ct = g_strsplit_set(codes[i], " \t", -1);
		char *c[5] = {0};
		size_t cn = 0;
		struct code code;
		for (size_t k = 0; ct[k] != NULL; k++)
			if (ct[k][0] != '\0' && cn < 5)
				c[cn++] = ct[k];
		if (cn > 0 && g_ascii_strcasecmp(c[0], z->name) == 0) {
			if (parse_code(c + 1, cn - 1, &code, &err) != SL_OK) {
				*why =
				    sl_xasprintf("reputation.dnsbl_codes: '%s': %s", codes[i], err);
				g_strfreev(ct);
				goto out;
			}
			g_array_append_val(z->codes, code);
		}
		g_strfreev(ct);
	}
	for (size_t i = 0; styles[s].codes != NULL && styles[s].codes[i] != NULL; i++) {
		gchar **ct = g_strsplit(styles[s].codes[i], " ", -1);
		struct code code;
		if (parse_code(ct, g_strv_length(ct), &code, &err) != SL_OK)
			abort(); /* the built-in tables are wrong */
		g_array_append_val(z->codes, code);
		g_strfreev(ct);
	}
	if (z->codes->len == 0) {
		*why = sl_xasprintf("reputation.dnsbl_zones: %s: style custom needs its codes in "
				    "reputation.dnsbl_codes",
				    z->name);
		goto out;
	}
	*out = z;
	z = NULL;
	rc = SL_OK;
out:
	free(err);
	g_strfreev(tok);
	sl_dnsbl_zone_free(z);
	return rc;
}

/* One address: its kind, and the code that decided (NULL: unmapped). */
static enum kind judge_one(const struct sl_dnsbl_zone *z, uint32_t a, const struct code **by,
			   const char **error)
{
	unsigned char seen[256] = {0};
	enum kind k = K_NONE;

	*by = NULL;
	if ((a >> 24) != 127) {
		*error = "an answer outside 127.0.0.0/8 (does the resolver rewrite NXDOMAIN?)";
		return K_ERROR;
	}
	if ((a & 0xffffff00u) == 0x7fffff00u) {
		*error = "the blocklist's error code (public resolver, too many queries or a wrong "
			 "zone name)";
		return K_ERROR;
	}
	for (guint i = 0; i < z->codes->len; i++) {
		const struct code *c = &g_array_index(z->codes, struct code, i);
		if (c->mask == 0 && c->addr == a) {
			*by = c;
			if (c->kind == K_ERROR)
				*error = c->category;
			return c->kind;
		}
	}
	for (guint i = 0; i < z->codes->len; i++) {
		const struct code *c = &g_array_index(z->codes, struct code, i);
		if (c->mask == 0 || seen[c->mask] || ((a & 0xff) & c->mask) == 0)
			continue;
		seen[c->mask] = 1; /* a zone's own code for a bit hides the style's */
		if (*by == NULL || c->kind > k) {
			*by = c;
			k = c->kind;
		}
	}
	if (*by == NULL) {
		*error = "a return code the mapping does not know (reputation.dnsbl_codes)";
		return K_ERROR;
	}
	if (k == K_ERROR)
		*error = (*by)->category;
	return k;
}

enum sl_dnsbl_outcome sl_dnsbl_judge(const struct sl_dnsbl_zone *z, const uint32_t *addr, size_t n,
				     enum sl_url_rep *verdict, const char **category,
				     uint32_t *code, const char **error)
{
	enum kind worst = K_NONE;

	*verdict = SL_REP_UNKNOWN;
	*category = NULL;
	*error = NULL;
	*code = n > 0 ? addr[0] : 0;
	for (size_t i = 0; i < n; i++) {
		const struct code *by;
		const char *e = NULL;
		enum kind k = judge_one(z, addr[i], &by, &e);
		if (k == K_ERROR) {
			*error = e;
			*code = addr[i];
			return SL_DNSBL_ERROR; /* never a listing, whatever else came */
		}
		if (k > worst) {
			worst = k;
			*category = by->category;
			*code = addr[i];
		}
	}
	if (worst == K_NONE)
		return SL_DNSBL_NOT_LISTED;
	*verdict = worst == K_MALICIOUS ? SL_REP_MALICIOUS : SL_REP_SUSPICIOUS;
	return SL_DNSBL_LISTED;
}

size_t sl_dnsbl_names(const struct sl_dnsbl_zone *z, const char *host, const char *domain,
		      int is_ip, char *names[2])
{
	size_t n = 0;

	names[0] = names[1] = NULL;
	if (is_ip) {
		struct in_addr a;
		uint32_t h;
		if (!z->ips || inet_pton(AF_INET, host, &a) != 1)
			return 0; /* IPv6 is not asked */
		h = ntohl(a.s_addr);
		names[n++] = sl_xasprintf("%u.%u.%u.%u.%s", h & 0xff, (h >> 8) & 0xff,
					  (h >> 16) & 0xff, h >> 24, z->name);
		return n;
	}
	if (!z->domains)
		return 0;
	if (domain == NULL)
		domain = host;
	if (strlen(domain) + strlen(z->name) + 1 <= 253)
		names[n++] = sl_xasprintf("%s.%s", domain, z->name);
	if (z->subdomains && strcmp(host, domain) != 0 && strlen(host) + strlen(z->name) + 1 <= 253)
		names[n++] = sl_xasprintf("%s.%s", host, z->name);
	return n;
}

/* ---- the provider ---- */

/* One host's look-up: one or two names. */
struct lookup {
	const struct sl_dnsbl_zone *z;
	struct sl_prov_query *q;
	size_t pending;
	enum sl_url_rep verdict;
	const char *category;
	uint32_t code;
	int64_t ttl;
	char *error;
};

static void finish(struct lookup *lk)
{
	if (lk->verdict != SL_REP_UNKNOWN) {
		char *detail =
		    sl_xasprintf("%s=%u.%u.%u.%u", lk->z->name, lk->code >> 24,
				 (lk->code >> 16) & 0xff, (lk->code >> 8) & 0xff, lk->code & 0xff);
		char *cat = sl_xasprintf("%s (%s)", lk->category, detail);
		sl_prov_listed(lk->q, lk->verdict, detail, cat, lk->ttl);
		free(detail);
		free(cat);
	} else if (lk->error != NULL) {
		sl_prov_failed(lk->q, "%s", lk->error);
	} else {
		sl_prov_not_listed(lk->q, -1);
	}
	free(lk->error);
	free(lk);
}

static void on_answer(void *ctx, int status, const unsigned char *abuf, int alen, const char *error)
{
	struct lookup *lk = ctx;

	if (error != NULL) {
		if (lk->error == NULL)
			lk->error = sl_xstrdup(error);
	} else if (status == ARES_SUCCESS) {
		struct ares_addrttl at[16];
		uint32_t addr[16];
		int na = 16, rc = ares_parse_a_reply(abuf, alen, NULL, at, &na);
		if (rc == ARES_SUCCESS && na > 0) {
			enum sl_url_rep v;
			const char *cat, *e;
			uint32_t code;
			int64_t ttl = INT64_MAX;
			for (int i = 0; i < na; i++) {
				addr[i] = ntohl(at[i].ipaddr.s_addr);
				ttl = MIN(ttl, (int64_t)MAX(at[i].ttl, 0));
			}
			switch (sl_dnsbl_judge(lk->z, addr, (size_t)na, &v, &cat, &code, &e)) {
			case SL_DNSBL_LISTED:
				if (v > lk->verdict) {
					lk->verdict = v;
					lk->category = cat;
					lk->code = code;
					lk->ttl = ttl;
				}
				break;
			case SL_DNSBL_ERROR:
				if (lk->error == NULL)
					lk->error =
					    sl_xasprintf("returned %u.%u.%u.%u: %s", code >> 24,
							 (code >> 16) & 0xff, (code >> 8) & 0xff,
							 code & 0xff, e);
				break;
			case SL_DNSBL_NOT_LISTED:
				break;
			}
		} else if (rc != ARES_SUCCESS && rc != ARES_ENODATA && lk->error == NULL) {
			lk->error = sl_xasprintf("unreadable answer (%s)", ares_strerror(rc));
		}
	}
	if (--lk->pending == 0)
		finish(lk);
}

static void start(void *state, struct sl_prov_loop *loop, struct sl_prov_query *const *q, size_t n)
{
	const struct sl_dnsbl_zone *z = state;

	for (size_t i = 0; i < n; i++) {
		char *names[2];
		size_t nn = sl_dnsbl_names(z, q[i]->key, q[i]->domain, q[i]->is_ip, names);
		struct lookup *lk;
		if (nn == 0) {
			sl_prov_skip(q[i]);
			continue;
		}
		lk = sl_xcalloc(1, sizeof(*lk));
		lk->z = z;
		lk->q = q[i];
		lk->pending = nn;
		for (size_t k = 0; k < nn; k++) {
			sl_prov_loop_dns_a(loop, names[k], on_answer, lk);
			free(names[k]);
		}
	}
}

static void destroy(void *state)
{
	sl_dnsbl_zone_free(state);
}

static const struct sl_provider_ops ops = {
    .kind = "dbl",
    .label = "the DNS blocklist",
    .scopes = SL_PROV_HOST,
    .start = start,
    .free = destroy,
};

int sl_dnsbl_create(const struct sl_config *cfg, struct sl_providers *p, char **why)
{
	char *const *zones = sl_config_list(cfg, "reputation.dnsbl_zones");
	char *const *codes = sl_config_list(cfg, "reputation.dnsbl_codes");

	/* a code for a zone that is not asked is a typing error */
	for (size_t i = 0; codes != NULL && codes[i] != NULL; i++) {
		size_t k, len = strcspn(codes[i], " \t");
		for (k = 0; zones != NULL && zones[k] != NULL; k++)
			if (strncasecmp(zones[k], codes[i], len) == 0 &&
			    (zones[k][len] == '\0' || zones[k][len] == ' ' ||
			     zones[k][len] == '\t'))
				break;
		if (zones == NULL || zones[k] == NULL) {
			*why = sl_xasprintf("reputation.dnsbl_codes: '%s': the zone is not in "
					    "reputation.dnsbl_zones",
					    codes[i]);
			return SL_ECONFIG;
		}
	}
	for (size_t i = 0; zones != NULL && zones[i] != NULL; i++) {
		struct sl_dnsbl_zone *z;
		char *name;
		if (sl_dnsbl_zone_new(zones[i], codes, &z, why) != SL_OK)
			return SL_ECONFIG;
		name = sl_xasprintf("dbl:%s", z->name);
		sl_providers_add(p, name, &ops, z);
		free(name);
	}
	return SL_OK;
}
