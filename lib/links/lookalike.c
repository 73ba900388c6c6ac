/* lookalike - see lookalike.h. */
#include <glib.h>
#include <libpsl.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "lookalike.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idna.h"
#include "util.h"

#define PROTECTED_FILE_MAX ((size_t)64 * 1024 * 1024)
#define MAX_SUB_LABELS 32    /* subdomain labels examined for brand names */

struct brand {
	char *domain;  /* registrable domain, ASCII ("paypal.com") */
	char *label;   /* its first label, Unicode ("paypal") */
	char *udomain; /* the domain in Unicode */
};

struct sl_lookalike {
	USpoofChecker *spoof;
	GPtrArray *brands;         /* owns struct brand */
	GHashTable *brand_domains; /* registrable -> brand (keys borrowed from brands) */
	GHashTable *brand_skels;   /* skeleton of label -> brand (keys owned) */
	GHashTable *brand_fulls;   /* skeleton of domain, no marks -> brand (keys owned) */
	char *ascii_skel[128];     /* skeleton of one ASCII char; NULL: ask ICU */
};

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
static char *skeleton(const struct sl_lookalike *r, const char *s, int strip)
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
static int ascii_table(struct sl_lookalike *r, char **why)
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
		if (sl_is_ascii(buf, (size_t)n))
			r->ascii_skel[c] = sl_xstrdup(buf);
	}
	return SL_OK;
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
static void add_brand(struct sl_lookalike *r, const char *host)
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
	u8 = sl_idna_to_unicode(reg);
	b->udomain = u8 != NULL ? u8 : sl_xstrdup(reg);
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
	if (sl_is_ascii(s, strlen(s))) {
		h = sl_xstrdup(s);
	} else {
		if (sl_idna_to_ascii(s, strlen(s), &h, NULL, NULL) != SL_OK)
			return NULL; /* urllist has warned about it */
	}
	for (char *p = h; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	e = h + strlen(h);
	while (e > h && e[-1] == '.')
		*--e = '\0';
	return h;
}

static int load_brands(struct sl_lookalike *r, const struct sl_config *cfg, char **why)
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

	if (!sl_is_ascii(tld, strlen(tld))) {
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

static void idn_label(const struct sl_lookalike *r, struct sl_url *u, const char *label,
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
		sl_url_suspicious(u, "idn_spoof",
			   "the name part \"%s\" mixes %s letters, which browsers show as punycode",
			   label, names);
	} else if (res & USPOOF_MIXED_NUMBERS) {
		sl_url_suspicious(u, "idn_spoof", "the name part \"%s\" mixes digits of different scripts",
			   label);
	} else if (res & USPOOF_INVISIBLE) {
		sl_url_suspicious(u, "idn_spoof", "the name part \"%s\" hides invisible or stacked marks",
			   label);
	} else if (sc.n == 1 && sc.s[0] != USCRIPT_LATIN && !tld_of_script(tld, sc.s[0])) {
		sk = skeleton(r, label, 0);
		if (sk != NULL && latin_word(sk))
			sl_url_suspicious(u, "idn_spoof",
				   "the name part \"%s\" is written in %s letters that all look like "
				   "Latin ones (it reads \"%s\"), under a domain ending that is not %s",
				   label, names, sk, names);
	}
	free(sk);
	free(names);
}

/* Mixed scripts and whole-script look-alikes, label by label (IDN hosts only). */
static void check_idn(const struct sl_lookalike *r, struct sl_url *u, const struct sl_url_norm *n)
{
	const char *h = n->host_unicode, *tld;

	if (h == NULL || !(n->flags & SL_URL_IDN))
		return;
	tld = strrchr(h, '.');
	tld = tld != NULL ? tld + 1 : h;
	for (const char *p = h; *p != '\0';) {
		size_t len = strcspn(p, ".");
		if (!sl_is_ascii(p, len)) {
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
static void check_lookalike(const struct sl_lookalike *r, struct sl_url *u,
			    const struct sl_url_norm *n)
{
	char *udomain = NULL, *label = NULL, *sk = NULL;
	const struct brand *b;

	if (n->registrable == NULL || g_hash_table_size(r->brand_domains) == 0)
		return;
	udomain = sl_idna_to_unicode(n->registrable);
	if (udomain == NULL)
		udomain = sl_xstrdup(n->registrable);
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
		sl_url_suspicious(u, (n->flags & SL_URL_IDN) ? "idn_spoof" : "lookalike",
			   "the name %s looks like %s but is another domain",
			   n->host_unicode != NULL ? n->host_unicode : n->host, b->udomain);
	free(sk);
	free(label);
	free(udomain);
}

/* A protected domain written in front of another registrable domain. */
static void check_brand_in_subdomain(const struct sl_lookalike *r, struct sl_url *u,
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
		sl_url_suspicious(u, "brand_in_subdomain",
			   "the name %s starts with %s, but the site is %s", n->host, found->domain,
			   n->registrable);
	free(sub);
}

struct sl_lookalike *sl_lookalike_new(const struct sl_config *cfg, char **why)
{
	struct sl_lookalike *r = sl_xcalloc(1, sizeof(*r));
	UErrorCode st = U_ZERO_ERROR;

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
	if (load_brands(r, cfg, why) != SL_OK)
		goto fail;
	return r;
fail:
	return sl_lookalike_free(r);
}

struct sl_lookalike *sl_lookalike_free(struct sl_lookalike *r)
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
	free(r);
	return NULL;
}

void sl_lookalike_check(const struct sl_lookalike *r, struct sl_url *u, const struct sl_url_norm *n,
			int genuine)
{
	if (!genuine && !(n->flags & SL_URL_IP)) {
		check_lookalike(r, u, n);
		check_brand_in_subdomain(r, u, n);
	}
	check_idn(r, u, n);
}
