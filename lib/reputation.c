/*
 * reputation - see reputation.h for the contract; signatures/urls/README.md
 * says what each heuristic flags, for people.
 *
 * Order of judgement for one URL (first decisive step wins):
 *   1. urlnorm: too long or not parsable (an http-looking one is suspicious);
 *   2. opaque schemes: mailto/tel are left unknown, script and data links in
 *      clickable places are suspicious;
 *   3. lists: the blocklist on every plausible destination (host, alt_host,
 *      URLs carried in the path or query) makes it malicious; an allowlisted
 *      destination (all of them) makes it clean and ends the judgement;
 *   4. heuristics, each of which can only make the URL suspicious. The first
 *      heuristic that fires names the source; every one adds to the reason.
 *
 * Look-alike names: two UTS #39 skeletons (ICU, ASCII then lower-cased) of
 * each protected registrable domain are computed once: of its first label
 * ("g00gle", "pаypal" meet "google", "paypal" under any suffix), and of the
 * whole domain with combining marks removed ("pàypal.com" meets "paypal.com",
 * while the Swedish "äpple.se" does not meet "apple.com"). A URL's registrable
 * domain is looked up by the same skeletons; the same name under another
 * suffix ("paypal.de") is no look-alike. Skeletons of ASCII text are built
 * from a per-character table filled from ICU at start-up (the skeleton of
 * ASCII text is the concatenation of its characters' prototypes), so only IDN
 * names call into ICU per URL.
 *
 * Mixed scripts follow what Chromium shows as punycode: ICU's restriction
 * level HIGHLY_RESTRICTIVE per label (one script plus Common/Inherited, or
 * Latin with Han+Hiragana+Katakana, Han+Bopomofo or Han+Hangul), mixed digit
 * systems, invisible characters; and whole-script confusables: a label in one
 * non-Latin script whose skeleton is plain Latin letters, unless the TLD is
 * of that script (its own IDN TLD, or a ccTLD of a country writing it).
 */
#include <glib.h>
/* idn2.h after glib.h: it redefines G_GNUC_DEPRECATED otherwise. */
#include <idn2.h>
#include <libpsl.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "reputation.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urllist.h"
#include "urlnorm.h"
#include "util.h"

#define PROTECTED_FILE_MAX ((size_t)64 * 1024 * 1024)
#define DETAIL_URL_MAX 200   /* bytes of the URL quoted in a finding */
#define QUOTE_MAX 60         /* bytes of userinfo quoted in a reason */
#define MAX_SUB_LABELS 32    /* subdomain labels examined for brand names */

struct brand {
	char *domain;  /* registrable domain, ASCII ("paypal.com") */
	char *label;   /* its first label, Unicode ("paypal") */
	char *udomain; /* the domain in Unicode */
};

struct sl_reputation {
	struct sl_urllist *block;
	struct sl_urllist *allow;
	struct sl_urllist *shorteners;
	struct sl_urllist *protect;
	USpoofChecker *spoof;
	GPtrArray *brands;         /* owns struct brand */
	GHashTable *brand_domains; /* registrable -> brand (keys borrowed from brands) */
	GHashTable *brand_skels;   /* skeleton of label -> brand (keys owned) */
	GHashTable *brand_fulls;   /* skeleton of domain, no marks -> brand (keys owned) */
	char *ascii_skel[128];     /* skeleton of one ASCII char; NULL: ask ICU */
	size_t max_url_length;
};

/* URLs carried in another URL's path or query (open redirects, trackers). */
struct embedded {
	struct sl_url_norm u[SL_REPUTATION_MAX_EMBEDDED];
	size_t n;
};

/* ---- small helpers ---- */

static int is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int starts_with_ci(const char *s, const char *prefix)
{
	return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* A copy of s cut to at most max bytes on a UTF-8 boundary, "..." marking a cut. */
static char *clip(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return sl_xstrdup(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return sl_xasprintf("%.*s...", (int)n, s);
}

/* Sets rep, source and reason when rep is worse than what the URL has; a
 * second suspicious heuristic adds its reason and keeps the first source. */
static void flag(struct sl_url *u, enum sl_url_rep rep, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void flag(struct sl_url *u, enum sl_url_rep rep, const char *source, const char *fmt, ...)
{
	va_list ap;
	char *reason = NULL;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		reason = NULL;
	va_end(ap);
	if (reason == NULL)
		reason = sl_xstrdup("?");
	if (rep > u->reputation) {
		free(u->source);
		free(u->reason);
		u->reputation = rep;
		u->source = sl_xstrdup(source);
		u->reason = reason;
		reason = NULL;
	} else if (rep == u->reputation && rep == SL_REP_SUSPICIOUS && u->reason != NULL) {
		char *both = sl_xasprintf("%s; %s", u->reason, reason);
		free(u->reason);
		u->reason = both;
	}
	free(reason);
}

static void suspicious(struct sl_url *u, const char *heuristic, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void suspicious(struct sl_url *u, const char *heuristic, const char *fmt, ...)
{
	va_list ap;
	char *reason = NULL, *source = sl_xasprintf("heuristic:%s", heuristic);

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		reason = NULL;
	va_end(ap);
	flag(u, SL_REP_SUSPICIOUS, source, "%s", reason ? reason : "?");
	free(reason);
	free(source);
}

/* ---- scripts and skeletons ---- */

struct scripts {
	UScriptCode s[4];
	int n;
};

/* The scripts of a UTF-8 label other than Common and Inherited (at most 4). */
static void label_scripts(const char *s, size_t len, struct scripts *out)
{
	const uint8_t *p = (const uint8_t *)s;
	int32_t i = 0, n = (int32_t)len;

	out->n = 0;
	while (i < n) {
		UChar32 c;
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode sc;
		int k;

		U8_NEXT(p, i, n, c);
		if (c < 0)
			continue;
		sc = uscript_getScript(c, &st);
		if (U_FAILURE(st) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED ||
		    sc == USCRIPT_UNKNOWN)
			continue;
		for (k = 0; k < out->n; k++)
			if (out->s[k] == sc)
				break;
		if (k == out->n && out->n < 4)
			out->s[out->n++] = sc;
	}
}

static int has_script(const struct scripts *sc, UScriptCode s)
{
	for (int k = 0; k < sc->n; k++)
		if (sc->s[k] == s)
			return 1;
	return 0;
}

/* "Latin and Cyrillic", "Latin, Greek and Cyrillic". Caller frees. */
static char *script_names(const struct scripts *sc)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	for (int k = 0; k < sc->n; k++) {
		if (k > 0)
			sl_buf_addstr(&b, k == sc->n - 1 ? " and " : ", ");
		sl_buf_addstr(&b, uscript_getName(sc->s[k]));
	}
	return sl_buf_take(&b);
}

/* Removes non-spacing marks from UTF-8 text of n bytes (in place, NUL-terminated). */
static void strip_marks(char *s, int32_t n)
{
	int32_t i = 0, o = 0;
	while (i < n) {
		int32_t start = i;
		UChar32 c;
		U8_NEXT((const uint8_t *)s, i, n, c);
		if (c >= 0 && u_charType(c) == U_NON_SPACING_MARK)
			continue;
		memmove(s + o, s + start, (size_t)(i - start));
		o += i - start;
	}
	s[o] = '\0';
}

/*
 * The skeleton of a name (UTS #39), then ASCII lower-cased: "paypa1" and
 * "pаypal" give "paypal"; with strip, combining marks go too ("pàypal").
 * NULL when ICU cannot make one (invalid UTF-8). Caller frees.
 */
static char *skeleton(const struct sl_reputation *r, const char *s, int strip)
{
	const unsigned char *p;
	char *out = NULL;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x80 || r->ascii_skel[*p] == NULL)
			break;
	if (*p == '\0') {
		struct sl_buf b;
		sl_buf_init(&b, 0);
		for (p = (const unsigned char *)s; *p != '\0'; p++)
			sl_buf_addstr(&b, r->ascii_skel[*p]);
		out = sl_buf_take(&b);
	} else {
		UErrorCode st = U_ZERO_ERROR;
		int32_t n, cap = 256;
		out = sl_xmalloc((size_t)cap + 1);
		n = uspoof_getSkeletonUTF8(r->spoof, 0, s, -1, out, cap, &st);
		if (st == U_BUFFER_OVERFLOW_ERROR && n > 0) {
			cap = n + 1;
			out = sl_xrealloc(out, (size_t)cap + 1);
			st = U_ZERO_ERROR;
			n = uspoof_getSkeletonUTF8(r->spoof, 0, s, -1, out, cap, &st);
		}
		if (U_FAILURE(st) || n < 0 || n > cap) {
			free(out);
			return NULL;
		}
		out[n] = '\0';
		if (strip)
			strip_marks(out, n);
	}
	for (char *q = out; *q != '\0'; q++)
		*q = g_ascii_tolower(*q);
	return out;
}

/* Fills the per-character skeleton table for printable ASCII. */
static int ascii_table(struct sl_reputation *r, char **why)
{
	for (int c = 0x21; c < 0x7f; c++) {
		char in[2] = { (char)c, '\0' }, buf[32];
		UErrorCode st = U_ZERO_ERROR;
		int32_t n = uspoof_getSkeletonUTF8(r->spoof, 0, in, -1, buf, (int32_t)sizeof(buf) - 1,
						   &st);
		if (U_FAILURE(st) || n < 0) {
			*why = sl_xasprintf("ICU: cannot compute a skeleton: %s", u_errorName(st));
			return SL_ENGINE;
		}
		buf[n] = '\0';
		if (is_ascii(buf, (size_t)n))
			r->ascii_skel[c] = sl_xstrdup(buf);
	}
	return SL_OK;
}

/* ---- loading ---- */

static void warn_line(void *ctx, const char *file, unsigned line, const char *reason)
{
	sl_log(SL_LOG_WARNING, "%s:%u: %s (%s: line skipped)", file, line, reason,
	       (const char *)ctx);
}

/* One list from every file of key; NULL with *why when a file cannot be read. */
static struct sl_urllist *load_list(const struct sl_config *cfg, const char *key, char **why)
{
	char *const *files = sl_config_list(cfg, key);
	struct sl_urllist *l = sl_urllist_new();
	char *err = NULL;

	for (size_t i = 0; files != NULL && files[i] != NULL; i++) {
		if (sl_urllist_load(l, files[i], warn_line, (void *)key, &err) != SL_OK) {
			*why = sl_xasprintf("%s: %s", key, err ? err : files[i]);
			free(err);
			return sl_urllist_free(l);
		}
	}
	return l;
}

static void brand_free(gpointer p)
{
	struct brand *b = p;
	free(b->domain);
	free(b->label);
	free(b->udomain);
	free(b);
}

/* Adds the registrable domain of one protected host entry (ASCII, lower-case). */
static void add_brand(struct sl_reputation *r, const char *host)
{
	const psl_ctx_t *psl = psl_builtin();
	const char *reg;
	struct brand *b;
	char *sk, *u8 = NULL;

	if (psl == NULL || strspn(host, "0123456789.") == strlen(host))
		return;
	reg = psl_registrable_domain(psl, host);
	if (reg == NULL || g_hash_table_contains(r->brand_domains, reg))
		return;
	b = sl_xcalloc(1, sizeof(*b));
	b->domain = sl_xstrdup(reg);
	if (idn2_to_unicode_8z8z(reg, &u8, 0) == IDN2_OK && u8 != NULL)
		b->udomain = sl_xstrdup(u8);
	else
		b->udomain = sl_xstrdup(reg);
	idn2_free(u8);
	b->label = sl_xstrndup(b->udomain, strcspn(b->udomain, "."));
	g_ptr_array_add(r->brands, b);
	g_hash_table_insert(r->brand_domains, b->domain, b);
	sk = skeleton(r, b->label, 0);
	if (sk != NULL && !g_hash_table_contains(r->brand_skels, sk))
		g_hash_table_insert(r->brand_skels, sk, b);
	else
		free(sk);
	sk = skeleton(r, b->udomain, 1);
	if (sk != NULL && !g_hash_table_contains(r->brand_fulls, sk))
		g_hash_table_insert(r->brand_fulls, sk, b);
	else
		free(sk);
}

/* The host of one protected-list line as urllist reads it, or NULL. */
static char *protected_host(char *line)
{
	char *s = line, *e;
	uint8_t *a = NULL;
	char *h = NULL;

	for (char *p = s; *p != '\0'; p++) {
		if (*p == '#' && (p == s || g_ascii_isspace(p[-1]))) {
			*p = '\0';
			break;
		}
	}
	s = g_strstrip(s);
	if (*s == '=')
		s++;
	if (*s == '\0' || strpbrk(s, ":/[ \t") != NULL)
		return NULL; /* addresses, CIDRs and URL prefixes name no brand */
	if (is_ascii(s, strlen(s))) {
		h = sl_xstrdup(s);
	} else {
		if (idn2_lookup_u8((const uint8_t *)s, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) !=
		    IDN2_OK) {
			idn2_free(a);
			return NULL; /* urllist has warned about it */
		}
		h = sl_xstrdup((const char *)a);
		idn2_free(a);
	}
	for (char *p = h; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	e = h + strlen(h);
	while (e > h && e[-1] == '.')
		*--e = '\0';
	return h;
}

static int load_brands(struct sl_reputation *r, const struct sl_config *cfg, char **why)
{
	char *const *files = sl_config_list(cfg, "urls.protected_files");
	char *data = NULL, *err = NULL;
	size_t len;
	int rc = SL_OK;

	for (size_t i = 0; files != NULL && files[i] != NULL; i++) {
		char *save = NULL;
		rc = sl_read_file(files[i], PROTECTED_FILE_MAX, &data, &len, &err);
		if (rc != SL_OK) {
			*why = sl_xasprintf("urls.protected_files: %s", err);
			goto out;
		}
		for (char *line = strtok_r(data, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *h = protected_host(line);
			if (h != NULL)
				add_brand(r, h);
			free(h);
		}
		free(data);
		data = NULL;
	}
out:
	free(err);
	free(data);
	return rc;
}

struct sl_reputation *sl_reputation_new(const struct sl_config *cfg, char **why)
{
	struct sl_reputation *r = sl_xcalloc(1, sizeof(*r));
	UErrorCode st = U_ZERO_ERROR;

	r->max_url_length = (size_t)sl_config_int(cfg, "urls.max_url_length");
	r->brands = g_ptr_array_new_with_free_func(brand_free);
	r->brand_domains = g_hash_table_new(g_str_hash, g_str_equal);
	r->brand_skels = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	r->brand_fulls = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	r->spoof = uspoof_open(&st);
	if (U_SUCCESS(st)) {
		uspoof_setRestrictionLevel(r->spoof, USPOOF_HIGHLY_RESTRICTIVE);
		uspoof_setChecks(r->spoof, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
					   USPOOF_MIXED_NUMBERS | USPOOF_CONFUSABLE, &st);
	}
	if (U_FAILURE(st)) {
		*why = sl_xasprintf("ICU: cannot open the spoof checker: %s", u_errorName(st));
		goto fail;
	}
	if (ascii_table(r, why) != SL_OK)
		goto fail;
	r->block = load_list(cfg, "urls.blocklist_files", why);
	if (r->block == NULL)
		goto fail;
	r->allow = load_list(cfg, "urls.allowlist_files", why);
	if (r->allow == NULL)
		goto fail;
	r->shorteners = load_list(cfg, "urls.shortener_files", why);
	if (r->shorteners == NULL)
		goto fail;
	r->protect = load_list(cfg, "urls.protected_files", why);
	if (r->protect == NULL)
		goto fail;
	if (load_brands(r, cfg, why) != SL_OK)
		goto fail;
	return r;
fail:
	return sl_reputation_free(r);
}

struct sl_reputation *sl_reputation_free(struct sl_reputation *r)
{
	if (r == NULL)
		return NULL;
	for (size_t c = 0; c < 128; c++)
		free(r->ascii_skel[c]);
	g_hash_table_destroy(r->brand_fulls);
	g_hash_table_destroy(r->brand_skels);
	g_hash_table_destroy(r->brand_domains);
	g_ptr_array_unref(r->brands);
	if (r->spoof != NULL)
		uspoof_close(r->spoof);
	sl_urllist_free(r->protect);
	sl_urllist_free(r->shorteners);
	sl_urllist_free(r->allow);
	sl_urllist_free(r->block);
	free(r);
	return NULL;
}

/* ---- URLs inside URLs ---- */

/* Percent-decodes s once; NULL when nothing was encoded. */
static char *pct_decode(const char *s)
{
	char *o = sl_xmalloc(strlen(s) + 1), *q = o;
	int changed = 0;

	for (const char *p = s; *p != '\0'; p++) {
		if (p[0] == '%' && g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
			*q++ = (char)(g_ascii_xdigit_value(p[1]) * 16 + g_ascii_xdigit_value(p[2]));
			p += 2;
			changed = 1;
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	if (!changed || memchr(o, '\0', (size_t)(q - o)) != NULL) {
		free(o);
		return NULL;
	}
	return o;
}

static void embedded_scan(const struct sl_reputation *r, const char *text, struct embedded *e)
{
	const char *p = text;
	unsigned tries = 0;

	while (e->n < SL_REPUTATION_MAX_EMBEDDED && tries < 4 * SL_REPUTATION_MAX_EMBEDDED) {
		const char *end;
		size_t k;
		p = strcasestr(p, "http");
		if (p == NULL)
			return;
		if (!starts_with_ci(p, "http://") && !starts_with_ci(p, "https://")) {
			p += 4;
			continue;
		}
		tries++;
		end = p + strcspn(p, "&\"'<> \t\r\n");
		if (sl_url_normalize(p, (size_t)(end - p), r->max_url_length, &e->u[e->n], NULL) ==
		    SL_OK) {
			for (k = 0; k < e->n; k++)
				if (strcmp(e->u[k].host, e->u[e->n].host) == 0)
					break;
			if (k == e->n && e->u[e->n].host != NULL && e->u[e->n].host[0] != '\0')
				e->n++;
			else
				sl_url_norm_clear(&e->u[e->n]);
		}
		p = end;
	}
}

/* Collects URLs in the path/query, as written and percent-decoded once and twice. */
static void embedded_find(const struct sl_reputation *r, const struct sl_url_norm *n,
			  struct embedded *e)
{
	char *once = NULL, *twice = NULL;

	e->n = 0;
	if (n->path == NULL || (n->flags & SL_URL_OPAQUE))
		return;
	embedded_scan(r, n->path, e);
	once = pct_decode(n->path);
	if (once != NULL) {
		embedded_scan(r, once, e);
		twice = pct_decode(once);
		if (twice != NULL)
			embedded_scan(r, twice, e);
	}
	free(twice);
	free(once);
}

static void embedded_clear(struct embedded *e)
{
	for (size_t k = 0; k < e->n; k++)
		sl_url_norm_clear(&e->u[k]);
	e->n = 0;
}

/* ---- lists ---- */

/* Matches n as if its host were host (n->host or n->alt_host). */
static int list_match(const struct sl_urllist *l, const struct sl_url_norm *n, const char *host,
		      const char **src)
{
	struct sl_url_norm q;

	*src = NULL;
	if (host == NULL || host[0] == '\0')
		return 0;
	q = *n;
	if (host != n->host) {
		q.host = (char *)host;
		q.flags &= ~(unsigned)SL_URL_IP; /* urllist recognises addresses itself */
	}
	return sl_urllist_match(l, &q, src);
}

/* Blocklist on every destination, then the allowlist; 1 when that decided. */
static int judge_lists(const struct sl_reputation *r, struct sl_url *u, const struct sl_url_norm *n,
		       const struct embedded *e)
{
	const char *src, *src2 = NULL;
	int dests = 0, allowed = 0;

	if (list_match(r->block, n, n->host, &src)) {
		flag(u, SL_REP_MALICIOUS, src, "the destination %s is on the blocklist (%s)", n->host,
		     src);
		return 1;
	}
	if (list_match(r->block, n, n->alt_host, &src)) {
		flag(u, SL_REP_MALICIOUS, src,
		     "read another way, the link goes to %s, which is on the blocklist (%s)",
		     n->alt_host, src);
		return 1;
	}
	for (size_t k = 0; k < e->n; k++) {
		if (list_match(r->block, &e->u[k], e->u[k].host, &src) ||
		    list_match(r->block, &e->u[k], e->u[k].alt_host, &src)) {
			char *s = sl_xasprintf("open_redirect:%s", src);
			flag(u, SL_REP_MALICIOUS, s,
			     "the link passes the reader on to %s, which is on the blocklist (%s)",
			     e->u[k].host, src);
			free(s);
			return 1;
		}
	}
	if (n->host != NULL && n->host[0] != '\0') {
		dests++;
		allowed += list_match(r->allow, n, n->host, &src);
	}
	if (n->alt_host != NULL) {
		dests++;
		allowed += list_match(r->allow, n, n->alt_host, &src2);
	}
	if (dests > 0 && allowed == dests) {
		u->reputation = SL_REP_CLEAN;
		u->source = sl_xstrdup(src != NULL ? src : src2);
		return 1;
	}
	return 0;
}

/* ---- heuristics ---- */

static int tld_of_script(const char *tld, UScriptCode script)
{
	static const struct {
		UScriptCode script;
		const char *tlds; /* ASCII ccTLDs of countries writing the script */
	} known[] = {
		{ USCRIPT_CYRILLIC, " ba bg by kg kz me mk mn rs ru su tj ua uz " },
		{ USCRIPT_GREEK, " cy gr " },
	};
	char key[16];

	if (!is_ascii(tld, strlen(tld))) {
		struct scripts sc;
		label_scripts(tld, strlen(tld), &sc);
		return has_script(&sc, script);
	}
	if (strlen(tld) + 3 > sizeof(key))
		return 0;
	snprintf(key, sizeof(key), " %s ", tld);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].script == script && strstr(known[i].tlds, key) != NULL)
			return 1;
	return 0;
}

/* Plain Latin letters, digits and hyphens, with at least one letter. */
static int latin_word(const char *s)
{
	int letter = 0;
	for (; *s != '\0'; s++) {
		if (g_ascii_islower(*s))
			letter = 1;
		else if (!g_ascii_isdigit(*s) && *s != '-')
			return 0;
	}
	return letter;
}

static void idn_label(const struct sl_reputation *r, struct sl_url *u, const char *label,
		      const char *tld)
{
	UErrorCode st = U_ZERO_ERROR;
	struct scripts sc;
	char *names = NULL, *sk = NULL;
	int32_t res = uspoof_check2UTF8(r->spoof, label, -1, NULL, &st);

	if (U_FAILURE(st))
		return;
	label_scripts(label, strlen(label), &sc);
	names = script_names(&sc);
	if (res & USPOOF_RESTRICTION_LEVEL) {
		suspicious(u, "idn_spoof",
			   "the name part \"%s\" mixes %s letters, which browsers show as punycode",
			   label, names);
	} else if (res & USPOOF_MIXED_NUMBERS) {
		suspicious(u, "idn_spoof", "the name part \"%s\" mixes digits of different scripts",
			   label);
	} else if (res & USPOOF_INVISIBLE) {
		suspicious(u, "idn_spoof", "the name part \"%s\" hides invisible or stacked marks",
			   label);
	} else if (sc.n == 1 && sc.s[0] != USCRIPT_LATIN && !tld_of_script(tld, sc.s[0])) {
		sk = skeleton(r, label, 0);
		if (sk != NULL && latin_word(sk))
			suspicious(u, "idn_spoof",
				   "the name part \"%s\" is written in %s letters that all look like "
				   "Latin ones (it reads \"%s\"), under a domain ending that is not %s",
				   label, names, sk, names);
	}
	free(sk);
	free(names);
}

/* Mixed scripts and whole-script look-alikes, label by label (IDN hosts only). */
static void check_idn(const struct sl_reputation *r, struct sl_url *u, const struct sl_url_norm *n)
{
	const char *h = n->host_unicode, *tld;

	if (h == NULL || !(n->flags & SL_URL_IDN))
		return;
	tld = strrchr(h, '.');
	tld = tld != NULL ? tld + 1 : h;
	for (const char *p = h; *p != '\0';) {
		size_t len = strcspn(p, ".");
		if (!is_ascii(p, len)) {
			char *label = sl_xstrndup(p, len);
			idn_label(r, u, label, tld);
			free(label);
		}
		p += len;
		if (*p == '.')
			p++;
	}
}

/* The registrable domain looks like a protected one but is not it. */
static void check_lookalike(const struct sl_reputation *r, struct sl_url *u,
			    const struct sl_url_norm *n)
{
	char *udomain = NULL, *label = NULL, *sk = NULL, *u8 = NULL;
	const struct brand *b;

	if (n->registrable == NULL || g_hash_table_size(r->brand_domains) == 0)
		return;
	if (idn2_to_unicode_8z8z(n->registrable, &u8, 0) == IDN2_OK && u8 != NULL)
		udomain = sl_xstrdup(u8);
	else
		udomain = sl_xstrdup(n->registrable);
	idn2_free(u8);
	label = sl_xstrndup(udomain, strcspn(udomain, "."));
	/* the first label: "paypa1", "pаypal" under any suffix */
	sk = skeleton(r, label, 0);
	b = sk != NULL ? g_hash_table_lookup(r->brand_skels, sk) : NULL;
	if (b != NULL && strcmp(b->label, label) == 0)
		b = NULL; /* the same name under another suffix */
	/* the whole domain without accents: "pàypal.com" */
	if (b == NULL) {
		free(sk);
		sk = skeleton(r, udomain, 1);
		b = sk != NULL ? g_hash_table_lookup(r->brand_fulls, sk) : NULL;
		if (b != NULL && strcmp(b->domain, n->registrable) == 0)
			b = NULL;
	}
	if (b != NULL)
		suspicious(u, (n->flags & SL_URL_IDN) ? "idn_spoof" : "lookalike",
			   "the name %s looks like %s but is another domain",
			   n->host_unicode != NULL ? n->host_unicode : n->host, b->udomain);
	free(sk);
	free(label);
	free(udomain);
}

/* A protected domain written in front of another registrable domain. */
static void check_brand_in_subdomain(const struct sl_reputation *r, struct sl_url *u,
				     const struct sl_url_norm *n)
{
	size_t hlen, rlen, start[MAX_SUB_LABELS], end[MAX_SUB_LABELS], nl = 0;
	const struct brand *found = NULL;
	char *sub;

	if (n->registrable == NULL || g_hash_table_size(r->brand_domains) == 0)
		return;
	hlen = strlen(n->host);
	rlen = strlen(n->registrable);
	if (hlen <= rlen + 1 || n->host[hlen - rlen - 1] != '.')
		return;
	/* "paypal-com-login" is read as "paypal.com.login" too */
	sub = sl_xstrndup(n->host, hlen - rlen - 1);
	for (char *p = sub; *p != '\0'; p++)
		if (*p == '-')
			*p = '.';
	for (size_t i = 0; sub[i] != '\0' && nl < MAX_SUB_LABELS;) {
		start[nl] = i;
		i += strcspn(sub + i, ".");
		end[nl++] = i;
		if (sub[i] == '.')
			i++;
	}
	for (size_t a = 0; a < nl && found == NULL; a++) {
		for (size_t z = a + 1; z < nl && found == NULL; z++) {
			char keep = sub[end[z]];
			sub[end[z]] = '\0';
			found = g_hash_table_lookup(r->brand_domains, sub + start[a]);
			sub[end[z]] = keep;
		}
	}
	if (found != NULL)
		suspicious(u, "brand_in_subdomain",
			   "the name %s starts with %s, but the site is %s", n->host, found->domain,
			   n->registrable);
	free(sub);
}

/* True for a TLD that exists (public suffix list) or is reserved for tests. */
static int known_tld(const char *host)
{
	static const char *const reserved[] = { "test", "example", "invalid", "localhost" };
	const psl_ctx_t *psl = psl_builtin();
	const char *tld = strrchr(host, '.');

	tld = tld != NULL ? tld + 1 : host;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(tld, reserved[i]) == 0)
			return 1;
	return psl != NULL &&
	       psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

/* "name.name.tld" as typed: non-empty labels of letters, digits, '-' or non-ASCII,
 * the last one letters only (or an IDN). */
static int host_like(const char *s, size_t n)
{
	size_t labels = 0, lab = 0, last = 0;
	int tld_ok = 1;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';
		if (c == '.') {
			if (lab == 0)
				return 0;
			labels++;
			last = i - lab;
			lab = 0;
			continue;
		}
		if (!g_ascii_isalnum(c) && c != '-' && c < 0x80)
			return 0;
		lab++;
	}
	for (size_t i = last; i < n; i++)
		if (g_ascii_isdigit(s[i]) || s[i] == '-')
			tld_ok = 0;
	if (n - last >= 4 && g_ascii_strncasecmp(s + last, "xn--", 4) == 0)
		tld_ok = 1;
	return labels >= 2 && n - last >= 2 && tld_ok;
}

/*
 * The destination anchor text claims, when it shows a web address: a token
 * with a scheme or "www.", or a bare domain when that is the whole text.
 * Returns 1 and fills *out (caller clears) when it does.
 */
static int shown_destination(const struct sl_reputation *r, const char *text,
			     struct sl_url_norm *out)
{
	gchar **tok = g_strsplit_set(text, " \t\r\n\f\v", -1);
	size_t ntok = 0;
	int found = 0;

	for (size_t i = 0; tok[i] != NULL; i++)
		if (tok[i][0] != '\0')
			ntok++;
	for (size_t i = 0; tok[i] != NULL && !found; i++) {
		char *t = tok[i], *e = t + strlen(t), *h;
		const char *sep;
		int scheme, www;
		size_t hlen;

		while (*t != '\0' && strchr("(<[{\"'", *t) != NULL)
			t++;
		while (e > t && strchr(")>]}\"'.,;:!?", e[-1]) != NULL)
			*--e = '\0';
		if (*t == '\0' || strchr(t, '@') != NULL)
			continue;
		sep = strstr(t, "://");
		scheme = sep != NULL && sep > t;
		for (const char *p = t; scheme && p < sep; p++)
			if (!g_ascii_isalpha(*p))
				scheme = 0;
		www = starts_with_ci(t, "www.");
		if (!scheme && !www && ntok != 1)
			continue;
		if (!scheme && sep != NULL)
			continue;
		h = scheme ? (char *)sep + 3 : t;
		hlen = strcspn(h, "/?#:\\");
		if (!host_like(h, hlen))
			continue;
		if (sl_url_normalize(t, strlen(t), r->max_url_length, out, NULL) != SL_OK)
			continue;
		if (out->host == NULL || out->host[0] == '\0' || !known_tld(out->host)) {
			sl_url_norm_clear(out);
			continue;
		}
		found = 1;
	}
	g_strfreev(tok);
	return found;
}

static int same_site(const struct sl_url_norm *a, const struct sl_url_norm *b)
{
	if (a->registrable != NULL && b->registrable != NULL)
		return strcmp(a->registrable, b->registrable) == 0;
	return a->host != NULL && b->host != NULL && strcmp(a->host, b->host) == 0;
}

/* Anchor text that shows one web address on a link to another site. */
static void check_anchor(const struct sl_reputation *r, struct sl_url *u, const struct sl_url_norm *n,
			 const struct embedded *e)
{
	struct sl_url_norm shown;
	int ok;

	if (u->shown_as == NULL || !shown_destination(r, u->shown_as, &shown))
		return;
	ok = same_site(&shown, n);
	/* a tracking redirect that carries the shown address goes there */
	for (size_t k = 0; k < e->n && !ok; k++)
		ok = same_site(&shown, &e->u[k]);
	if (!ok)
		suspicious(u, "anchor_mismatch", "the text shows %s but the link goes to %s",
			   shown.host_unicode != NULL ? shown.host_unicode : shown.host,
			   n->host_unicode != NULL ? n->host_unicode : n->host);
	sl_url_norm_clear(&shown);
}

static void judge_heuristics(const struct sl_reputation *r, struct sl_url *u,
			     const struct sl_url_norm *n, const struct embedded *e)
{
	const char *src;
	int genuine;

	if (n->host == NULL || n->host[0] == '\0')
		return;
	if (n->flags & SL_URL_IP)
		suspicious(u, "ip_literal",
			   (n->flags & SL_URL_IP_OBFUSCATED)
				   ? "the link goes to an IP address written in an obfuscated form (%s)"
				   : "the link goes to a bare IP address (%s), not to a name",
			   n->host);
	if (n->flags & SL_URL_USERINFO) {
		char *ui = clip(n->userinfo != NULL ? n->userinfo : "", QUOTE_MAX);
		suspicious(u, "userinfo",
			   "the text before '@' (\"%s\") is not where the link goes: it opens %s", ui,
			   n->host);
		free(ui);
	}
	if (n->alt_host != NULL)
		suspicious(u, "ambiguous_host",
			   "programs disagree on where the link goes (%s or %s)", n->host,
			   n->alt_host);
	genuine = sl_urllist_match_host(r->protect, n->host, &src);
	if (!genuine && !(n->flags & SL_URL_IP)) {
		check_lookalike(r, u, n);
		check_brand_in_subdomain(r, u, n);
	}
	check_idn(r, u, n);
	check_anchor(r, u, n, e);
	if (sl_urllist_match(r->shorteners, n, &src))
		suspicious(u, "shortener", "link shortener hides the destination (%s)", n->host);
	if (strcmp(n->scheme, "file") == 0)
		suspicious(u, "file_link",
			   "the link opens a file share on %s (Windows sends the reader's "
			   "credentials there)", n->host);
}

/* mailto:, javascript:, data: ...; 1 when the judgement is complete. */
static int judge_opaque(struct sl_url *u, const struct sl_url_norm *n)
{
	const char *s = n->scheme;

	if (strcmp(s, "mailto") == 0 || strcmp(s, "tel") == 0 || strcmp(s, "sms") == 0)
		return 1;
	if (strcmp(s, "javascript") == 0 || strcmp(s, "vbscript") == 0) {
		if (u->context != SL_URLCTX_TEXT)
			suspicious(u, "script_link",
				   "script link: clicking runs %s code instead of opening a page", s);
		return 1;
	}
	if (strcmp(s, "data") == 0) {
		if (u->context == SL_URLCTX_SRC && starts_with_ci(n->path, "image/"))
			return 1;
		if (u->context != SL_URLCTX_TEXT)
			suspicious(u, "script_link",
				   "script link: a data: link carries its own page, which can run "
				   "scripts or imitate a site");
		return 1;
	}
	return n->alt_host == NULL; /* blob: is judged by the URL it wraps */
}

/* Judges one URL; sets normalized, reputation, source and reason. */
static void judge(const struct sl_reputation *r, struct sl_url *u)
{
	struct sl_url_norm n;
	struct embedded e;
	char *why = NULL;
	int rc;

	e.n = 0;
	free(u->normalized);
	free(u->source);
	free(u->reason);
	u->normalized = u->source = u->reason = NULL;
	u->reputation = SL_REP_UNKNOWN;

	rc = sl_url_normalize(u->url, strlen(u->url), r->max_url_length, &n, &why);
	if (rc == SL_ETOOBIG) {
		suspicious(u, "too_long", "the link is longer than %zu bytes (urls.max_url_length)",
			   r->max_url_length);
		goto out;
	}
	if (rc != SL_OK) {
		if (starts_with_ci(u->url, "http:") || starts_with_ci(u->url, "https:") ||
		    starts_with_ci(u->url, "www."))
			suspicious(u, "unparsable", "the link is not a valid web address (%s)",
				   why != NULL ? why : "parse error");
		goto out;
	}
	u->normalized = sl_xstrdup(n.url);
	if ((n.flags & SL_URL_OPAQUE) && judge_opaque(u, &n))
		goto out;
	embedded_find(r, &n, &e);
	if (judge_lists(r, u, &n, &e))
		goto out;
	judge_heuristics(r, u, &n, &e);
out:
	embedded_clear(&e);
	sl_url_norm_clear(&n);
	free(why);
}

/* One finding per (part, URL) that ends suspicious or malicious. */
static void report(struct sl_msg *m, const struct sl_url *u, GHashTable *seen)
{
	const char *url = u->normalized != NULL ? u->normalized : u->url;
	const char *rule;
	char *key, *shown;

	if (u->reputation < SL_REP_SUSPICIOUS)
		return;
	if (u->context == SL_URLCTX_SRC && u->reputation != SL_REP_MALICIOUS)
		return;
	key = g_strdup_printf("%d %s", u->part, url);
	if (!g_hash_table_add(seen, key))
		return;
	if (u->context == SL_URLCTX_ATTACHMENT)
		rule = "url_in_attachment";
	else if (u->reputation == SL_REP_MALICIOUS)
		rule = "url_malicious";
	else
		rule = "url_suspicious";
	shown = clip(url, DETAIL_URL_MAX);
	sl_msg_add_finding(m, SL_FIND_URL, rule, u->part, "%s: %s",
			   u->reason != NULL ? u->reason : sl_url_rep_name(u->reputation), shown);
	free(shown);
}

int sl_reputation_run(struct sl_reputation *r, struct sl_msg *m)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (size_t i = 0; i < m->nurls; i++) {
		judge(r, &m->urls[i]);
		report(m, &m->urls[i], seen);
	}
	g_hash_table_destroy(seen);
	return SL_OK;
}
