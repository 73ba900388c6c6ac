/*
 * idna - domain names between Unicode and ASCII the way browsers map them.
 * Knows nothing of URLs or mail.
 *
 * The mapping is UTS #46 through ICU's uidna (the library Chromium uses),
 * with the settings of the WHATWG URL Standard's "domain to ASCII": non-
 * transitional processing (ß, ς, ZWJ and ZWNJ are kept, never mapped to "ss",
 * "σ" or nothing), CheckHyphens off, CheckBidi and CheckJoiners on,
 * UseSTD3ASCIIRules off, no DNS length checks (empty and long labels pass).
 * There is no silent fallback to transitional processing: a name that fails
 * is an error. What other programs and other Unicode versions make of the
 * same name is asked for separately (sl_idna_alternatives), so that callers
 * can judge every host a click may reach.
 *
 * The ICU objects are opened once per process (uidna is thread-safe once
 * open); every function may be called from any number of threads. Input is
 * UTF-8 with an explicit length; ill-formed UTF-8 is an error (to_ascii) or
 * kept as bytes (lenient). Strings returned are malloc'd; the caller frees.
 *
 * Errors: sl_idna_to_ascii returns SL_EPARSE with *why, a static string
 * naming the rule that failed ("IDNA: the bidi rule ..."), and the error
 * classes in *errors (SL_IDNA_*, for callers that sort failures).
 */
#ifndef SL_IDNA_H
#define SL_IDNA_H

#include <stddef.h>

enum {
	SL_IDNA_DISALLOWED = 1 << 0, /* a code point UTS #46 disallows (or our Unicode lacks) */
	SL_IDNA_PUNYCODE = 1 << 1,   /* an xn-- label that is no valid Punycode of a valid label */
	SL_IDNA_BIDI = 1 << 2,       /* the bidi rule (RFC 5893), CheckBidi */
	SL_IDNA_JOINER = 1 << 3,     /* ZWJ/ZWNJ outside the contexts RFC 5892 allows */
	SL_IDNA_MARK = 1 << 4,       /* a label starts with a combining mark */
	SL_IDNA_OTHER = 1 << 5,      /* anything else ICU reports (or ICU unavailable) */
};

/* WHATWG domain to ASCII (beStrict false) of [in, in+n): *out is the ASCII
 * form, lower-case; it may be empty or hold characters the URL host parser
 * forbids afterwards (the caller checks those). */
int sl_idna_to_ascii(const char *in, size_t n, char **out, unsigned *errors, const char **why);

/* The SL_IDNA_* class a why string of sl_idna_to_ascii names, 0 for any other string. */
unsigned sl_idna_error_class(const char *why);

/* The Unicode form of an ASCII name (xn-- labels decoded), NULL when a label
 * does not decode to a valid one. */
char *sl_idna_to_unicode(const char *ascii);

/* Hosts other readers make of [in, in+n), the input of a to_ascii whose
 * result was host: transitional processing as older programs do it (ß to
 * "ss", ς to σ, joiners dropped), and U+1E9E ẞ both as "ss" (Unicode up to
 * 15.0) and as ß (15.1 and later). Stores at most max new malloc'd hosts,
 * none equal to host or to each other, in alts; returns how many. Costs
 * nothing unless the input holds one of those characters. */
size_t sl_idna_alternatives(const char *in, size_t n, const char *host, char **alts, size_t max);

/* As much ASCII as [in, in+n) gives when nothing may fail: label by label,
 * a label ICU maps without a severe error (bidi and joiner rules not
 * checked) becomes its ASCII form, others are kept as written, ASCII
 * lower-cased. transitional selects the older mapping (ß to "ss", joiners
 * dropped). Full-width and ideographic full stops separate labels too. */
char *sl_idna_lenient(const char *in, size_t n, int transitional);

/* 1 when some label of [s, s+n) starts with "xn--" in any case. */
int sl_idna_has_ace_label(const char *s, size_t n);

/* The Unicode version of the mapping tables in use ("15.0"). */
const char *sl_idna_unicode_version(void);

#endif
