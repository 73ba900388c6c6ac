/*
 * url_probe - the sluice side of the differential URL test
 * (test_url_oracle.sh): reads inputs, one a line, hex-encoded (so that any
 * byte, NUL and newlines included, can be an input), and writes for each one
 * JSON line with what sl_url_normalize makes of it:
 *
 *   {"ok": true, "scheme": "...", "host": "...", "alt": ["...", ...],
 *    "alt_kind": [0, ...], "flags": N}
 *   {"ok": false, "why": "...", "idna": N, "lenient": ["...", ...],
 *    "unassigned": true|false}
 *
 * idna is the SL_IDNA_* class when IDNA refused the host, lenient the hosts
 * urlhost's lenient reading finds (what reputation looks up instead), and
 * unassigned whether the input, percent-decoded, holds a code point the
 * linked ICU does not know (newer than its Unicode version). The first line
 * is {"unicode": "15.0"}. One process for all inputs; it exits 0 at EOF.
 */
#include <glib.h>
#include <jansson.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idna.h"
#include "urlhost.h"
#include "urlnorm.h"
#include "util.h"

#define PROBE_MAX (1024 * 1024)

/* Decodes a hex line in place; returns the byte count or -1. */
static long unhex(char *s)
{
	size_t n = strcspn(s, "\r\n");
	if (n % 2 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int a = g_ascii_xdigit_value(s[i]), b = g_ascii_xdigit_value(s[i + 1]);
		if (a < 0 || b < 0)
			return -1;
		s[i / 2] = (char)(a * 16 + b);
	}
	return (long)(n / 2);
}

/* A code point the linked ICU does not know, in the input percent-decoded once. */
static int has_unassigned(const char *in, size_t n)
{
	size_t len;
	int changed, found = 0;
	char *d = sl_url_pct_decode(in, n, &len, &changed);
	int32_t i = 0;
	while (i < (int32_t)len && !found) {
		UChar32 c;
		U8_NEXT(d, i, (int32_t)len, c);
		if (c >= 0 && !u_isdefined(c) && !(c >= 0xFDD0 && c <= 0xFDEF) &&
		    (c & 0xFFFE) != 0xFFFE)
			found = 1;
	}
	free(d);
	return found;
}

/* JSON string of possibly invalid UTF-8: bytes >= 0x80 of a bad sequence as U+FFFD. */
static json_t *str(const char *s)
{
	json_t *j = json_string(s);
	if (j == NULL) {
		char *c = sl_xstrdup(s);
		for (char *p = c; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(c);
		free(c);
	}
	return j;
}

static json_t *probe(const char *in, size_t n)
{
	struct sl_url_norm u;
	char *why = NULL;
	json_t *o = json_object();
	int rc = sl_url_normalize(in, n, PROBE_MAX, &u, &why);

	json_object_set_new(o, "ok", json_boolean(rc == SL_OK));
	if (rc == SL_OK) {
		json_t *alt = json_array(), *kind = json_array();
		json_object_set_new(o, "scheme", str(u.scheme));
		json_object_set_new(o, "host", u.host != NULL ? str(u.host) : json_null());
		json_object_set_new(o, "unicode",
				    u.host_unicode != NULL ? str(u.host_unicode) : json_null());
		for (size_t i = 0; i < u.nalt; i++) {
			json_array_append_new(alt, str(u.alt_host[i]));
			json_array_append_new(kind, json_integer(u.alt_kind[i]));
		}
		json_object_set_new(o, "alt", alt);
		json_object_set_new(o, "alt_kind", kind);
		json_object_set_new(o, "flags", json_integer(u.flags));
	} else {
		char *hosts[6];
		size_t k = sl_url_lenient_hosts(in, n, hosts, 6);
		json_t *len = json_array();
		for (size_t i = 0; i < k; i++) {
			json_array_append_new(len, str(hosts[i]));
			free(hosts[i]);
		}
		json_object_set_new(o, "why", str(why != NULL ? why : ""));
		json_object_set_new(o, "idna", json_integer(sl_idna_error_class(why)));
		json_object_set_new(o, "lenient", len);
		json_object_set_new(o, "unassigned", json_boolean(has_unassigned(in, n)));
	}
	free(why);
	sl_url_norm_clear(&u);
	return o;
}

static void emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	json_decref(o);
}

int main(void)
{
	size_t cap = 2 * PROBE_MAX + 4;
	char *line = sl_xmalloc(cap);
	json_t *meta = json_object();

	json_object_set_new(meta, "unicode", json_string(sl_idna_unicode_version()));
	emit(meta);
	while (fgets(line, (int)cap, stdin) != NULL) {
		long n = unhex(line);
		if (n < 0) {
			json_t *o = json_object();
			json_object_set_new(o, "error", json_string("bad hex line"));
			emit(o);
			continue;
		}
		emit(probe(line, (size_t)n));
	}
	free(line);
	return 0;
}
