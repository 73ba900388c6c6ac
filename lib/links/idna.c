/*
 * idna - see idna.h for the contract.
 *
 * Why ICU's uidna and not libidn2: browsers are the reference for where a
 * click goes, and Chromium maps names with exactly this ICU API and these
 * options; libidn2 rejects symbols and emoji that browsers accept (♥, 💩),
 * which made the old code retry in transitional mode and judge "faß.de" as
 * "fass.de". ICU reports every UTS #46 rule as a separate error bit, so the
 * WHATWG settings (CheckHyphens and the DNS length checks off) are a mask.
 *
 * Four UIDNA objects, opened once under g_once: the browser's (non-
 * transitional, CheckBidi, CheckJoiners), the transitional one (the older
 * programs' reading), and both without the bidi and joiner checks for the
 * lenient mapping. If ICU cannot open them (no data), every name fails with
 * SL_IDNA_OTHER: the callers treat that like any unparsable host.
 */
#include <glib.h>
#include <unicode/uchar.h>
#include <unicode/uidna.h>

#include "idna.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* What WHATWG's settings do not check: hyphen positions and DNS lengths. */
#define IGNORED_ERRORS                                                                             \
	(UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | \
	 UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4)

/* Errors after which ICU's output holds U+FFFD or an undecodable label. */
#define SEVERE_ERRORS                                                                              \
	(UIDNA_ERROR_LEADING_COMBINING_MARK | UIDNA_ERROR_DISALLOWED | UIDNA_ERROR_PUNYCODE |      \
	 UIDNA_ERROR_LABEL_HAS_DOT | UIDNA_ERROR_INVALID_ACE_LABEL)

#define STACK_OUT 512 /* bytes of output tried on the stack before the heap */

struct idna {
	UIDNA *browser;
	UIDNA *transitional;
	UIDNA *relaxed;
	UIDNA *relaxed_transitional;
	char version[16];
};

static struct idna idna;
static gsize idna_once;

static UIDNA *open_uts46(uint32_t options)
{
	UErrorCode st = U_ZERO_ERROR;
	UIDNA *u = uidna_openUTS46(options, &st);
	if (U_FAILURE(st)) {
		sl_log(SL_LOG_ERR, "idna: ICU cannot open UTS #46 processing: %s", u_errorName(st));
		return NULL;
	}
	return u;
}

/* The process-wide objects; never closed (they live as long as the process). */
static const struct idna *get(void)
{
	if (g_once_init_enter(&idna_once)) {
		UVersionInfo v;
		idna.browser =
		    open_uts46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE |
			       UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ);
		idna.transitional = open_uts46(UIDNA_DEFAULT);
		idna.relaxed =
		    open_uts46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE);
		idna.relaxed_transitional = idna.transitional;
		u_getUnicodeVersion(v);
		snprintf(idna.version, sizeof(idna.version), "%u.%u", v[0], v[1]);
		g_once_init_leave(&idna_once, 1);
	}
	return &idna;
}

const char *sl_idna_unicode_version(void)
{
	return get()->version;
}

enum op { NAME_TO_ASCII, NAME_TO_UNICODE, LABEL_TO_ASCII };

/*
 * One ICU call on [in, in+n); *out is malloc'd (it may be empty), *errors
 * ICU's error bits. Returns -1 when ICU itself fails (no object, overflow,
 * a NUL in the output).
 */
static int run(const UIDNA *u, enum op op, const char *in, size_t n, char **out, uint32_t *errors)
{
	char stack[STACK_OUT], *buf = stack;
	int32_t cap = (int32_t)sizeof(stack), len = 0;
	int rc = -1;

	*out = NULL;
	*errors = 0;
	if (u == NULL || n > (size_t)INT32_MAX / 8)
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		UIDNAInfo info = UIDNA_INFO_INITIALIZER;
		UErrorCode st = U_ZERO_ERROR;
		if (op == NAME_TO_ASCII)
			len = uidna_nameToASCII_UTF8(u, in, (int32_t)n, buf, cap, &info, &st);
		else if (op == NAME_TO_UNICODE)
			len = uidna_nameToUnicodeUTF8(u, in, (int32_t)n, buf, cap, &info, &st);
		else
			len = uidna_labelToASCII_UTF8(u, in, (int32_t)n, buf, cap, &info, &st);
		if (st == U_BUFFER_OVERFLOW_ERROR && attempt == 0 && len > 0) {
			cap = len + 1;
			buf = sl_xmalloc((size_t)cap);
			continue;
		}
		if (U_FAILURE(st) || len < 0 || len > cap)
			goto out;
		*errors = info.errors;
		break;
	}
	if (memchr(buf, '\0', (size_t)len) != NULL)
		goto out;
	*out = sl_xstrndup(buf, (size_t)len);
	rc = 0;
out:
	if (buf != stack)
		free(buf);
	return rc;
}

static void ascii_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Each class of failure, in order of precedence, with what it is called. */
static const struct {
	uint32_t icu;
	unsigned cls;
	const char *why;
} failures[] = {
    {UIDNA_ERROR_BIDI, SL_IDNA_BIDI, "IDNA: a label breaks the bidi rule (CheckBidi, RFC 5893)"},
    {UIDNA_ERROR_CONTEXTJ, SL_IDNA_JOINER,
     "IDNA: a zero-width joiner or non-joiner where CheckJoiners forbids it"},
    {UIDNA_ERROR_PUNYCODE | UIDNA_ERROR_INVALID_ACE_LABEL, SL_IDNA_PUNYCODE,
     "IDNA: an xn-- label that is not the Punycode of a valid label"},
    {UIDNA_ERROR_LEADING_COMBINING_MARK, SL_IDNA_MARK,
     "IDNA: a label starts with a combining mark"},
    {UIDNA_ERROR_DISALLOWED, SL_IDNA_DISALLOWED, "IDNA: a code point that UTS #46 disallows"},
    {0xffffffffu, SL_IDNA_OTHER, "IDNA: the name does not map"},
};

static unsigned classify(uint32_t e, const char **why)
{
	size_t i = 0;
	while ((e & failures[i].icu) == 0)
		i++;
	*why = failures[i].why;
	return failures[i].cls;
}

unsigned sl_idna_error_class(const char *why)
{
	for (size_t i = 0; why != NULL && i < sizeof(failures) / sizeof(failures[0]); i++)
		if (strcmp(why, failures[i].why) == 0)
			return failures[i].cls;
	return 0;
}

int sl_idna_to_ascii(const char *in, size_t n, char **out, unsigned *errors, const char **why)
{
	uint32_t e = 0;
	const char *dummy;

	*out = NULL;
	if (errors != NULL)
		*errors = 0;
	if (why == NULL)
		why = &dummy;
	if (run(get()->browser, NAME_TO_ASCII, in, n, out, &e) < 0) {
		*why = failures[sizeof(failures) / sizeof(failures[0]) - 1].why;
		if (errors != NULL)
			*errors = SL_IDNA_OTHER;
		return SL_EPARSE;
	}
	if ((e & ~(uint32_t)IGNORED_ERRORS) != 0) {
		unsigned c = classify(e, why);
		if (errors != NULL)
			*errors = c;
		free(*out);
		*out = NULL;
		return SL_EPARSE;
	}
	ascii_lower(*out);
	return SL_OK;
}

int sl_idna_has_ace_label(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if ((i == 0 || s[i - 1] == '.') && (s[i] == 'x' || s[i] == 'X') &&
		    (s[i + 1] == 'n' || s[i + 1] == 'N') && s[i + 2] == '-' && s[i + 3] == '-')
			return 1;
	return 0;
}

char *sl_idna_to_unicode(const char *ascii)
{
	size_t n = strlen(ascii);
	uint32_t e = 0;
	char *u = NULL;

	if (sl_is_ascii(ascii, n) && !sl_idna_has_ace_label(ascii, n)) {
		u = sl_xstrdup(ascii); /* nothing to decode: ICU would only lower-case it */
		ascii_lower(u);
		return u;
	}
	if (run(get()->browser, NAME_TO_UNICODE, ascii, n, &u, &e) < 0)
		return NULL;
	if ((e & ~(uint32_t)IGNORED_ERRORS) != 0) {
		free(u);
		return NULL;
	}
	return u;
}

static bool has(const char *in, size_t n, const char *seq)
{
	size_t k = strlen(seq);
	for (size_t i = 0; i + k <= n; i++)
		if (in[i] == seq[0] && memcmp(in + i, seq, k) == 0)
			return true;
	return false;
}

#define CAPITAL_SHARP_S "\xe1\xba\x9e" /* U+1E9E */

/* [in, in+n) with every U+1E9E replaced by rep. */
static char *replace_capital_sharp_s(const char *in, size_t n, const char *rep, size_t *outlen)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (i + 3 <= n && memcmp(in + i, CAPITAL_SHARP_S, 3) == 0) {
			sl_buf_addstr(&b, rep);
			i += 2;
		} else {
			sl_buf_add(&b, in + i, 1);
		}
	}
	*outlen = b.len;
	return sl_buf_take(&b);
}

/* Adds a (taken) to alts unless it is empty, host or already there. */
static size_t add_alt(char *a, const char *host, char **alts, size_t k, size_t max)
{
	if (a == NULL)
		return k;
	ascii_lower(a);
	if (k >= max || a[0] == '\0' || strcmp(a, host) == 0)
		goto drop;
	for (size_t i = 0; i < k; i++)
		if (strcmp(alts[i], a) == 0)
			goto drop;
	alts[k] = a;
	return k + 1;
drop:
	free(a);
	return k;
}

/* ToASCII with u, or NULL when it fails. */
static char *map_or_null(const UIDNA *u, const char *in, size_t n)
{
	uint32_t e = 0;
	char *a = NULL;
	if (run(u, NAME_TO_ASCII, in, n, &a, &e) < 0)
		return NULL;
	if ((e & ~(uint32_t)IGNORED_ERRORS) != 0) {
		free(a);
		return NULL;
	}
	return a;
}

size_t sl_idna_alternatives(const char *in, size_t n, const char *host, char **alts, size_t max)
{
	const struct idna *x;
	bool capital = has(in, n, CAPITAL_SHARP_S);
	bool deviation = capital || has(in, n, "\xc3\x9f") /* ß */ ||
			 has(in, n, "\xcf\x82") /* ς */ || has(in, n, "\xe2\x80\x8c") /* ZWNJ */ ||
			 has(in, n, "\xe2\x80\x8d") /* ZWJ */;
	size_t k = 0;

	if (!deviation)
		return 0;
	x = get();
	k = add_alt(map_or_null(x->transitional, in, n), host, alts, k, max);
	if (capital) {
		static const char *const reps[] = {"\xc3\x9f", "ss"};
		for (size_t i = 0; i < 2; i++) {
			size_t len;
			char *s = replace_capital_sharp_s(in, n, reps[i], &len);
			k = add_alt(map_or_null(x->browser, s, len), host, alts, k, max);
			free(s);
		}
	}
	return k;
}

/* Length of a label separator at in[i] (".", U+3002, U+FF0E, U+FF61), else 0. */
static size_t dot_at(const char *in, size_t n, size_t i)
{
	if (in[i] == '.')
		return 1;
	if (i + 3 <= n &&
	    (memcmp(in + i, "\xe3\x80\x82", 3) == 0 || memcmp(in + i, "\xef\xbc\x8e", 3) == 0 ||
	     memcmp(in + i, "\xef\xbd\xa1", 3) == 0))
		return 3;
	return 0;
}

char *sl_idna_lenient(const char *in, size_t n, int transitional)
{
	const struct idna *x = get();
	const UIDNA *u = transitional ? x->relaxed_transitional : x->relaxed;
	struct sl_buf b;
	size_t start = 0;

	sl_buf_init(&b, 0);
	for (size_t i = 0; i <= n; i++) {
		size_t d = i < n ? dot_at(in, n, i) : 1;
		const char *lab = in + start;
		size_t ln = i - start;
		char *a = NULL;
		uint32_t e = 0;

		if (d == 0)
			continue;
		if (!sl_is_ascii(lab, ln) && run(u, LABEL_TO_ASCII, lab, ln, &a, &e) == 0 &&
		    (e & (uint32_t)SEVERE_ERRORS) == 0) {
			sl_buf_addstr(&b, a);
		} else {
			for (size_t j = 0; j < ln; j++) {
				char c = lab[j];
				if (c >= 'A' && c <= 'Z')
					c = (char)(c - 'A' + 'a');
				if (c != '\0')
					sl_buf_add(&b, &c, 1);
			}
		}
		free(a);
		if (i < n)
			sl_buf_add(&b, ".", 1);
		i += d - 1;
		start = i + 1;
	}
	return sl_buf_take(&b);
}
