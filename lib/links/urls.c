/* urls - see urls.h. */
#include <glib.h>

#include "urls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "flowed.h"
#include "hdrlinks.h"
#include "htmllinks.h"
#include "ical.h"
#include "linkscan.h"
#include "textconv.h"
#include "util.h"

/*
 * The pattern for URLs typed as text. Each alternative starts only where no
 * word, dot or slash precedes it and scans its token once (possessive), so a
 * search is linear.
 *
 * X: what never belongs to a URL in text: space, controls, <>"` and the
 *    quotes and CJK punctuation that people put around URLs. Zero-width
 *    characters and soft hyphens do belong (browsers drop them from hosts:
 *    "evil\u200B.example" goes to evil.example).
 * U: a URL character. A: a character of a URL's authority: U, but not / \ ? #,
 *    and the ideographic and full-width full stops that browsers read as dots
 *    in host names (in paths they end a sentence).
 * D: a label's first character; LC: a label character; LABELS: labels each
 *    followed by a dot and another label, so that the last one is left for T,
 *    the top-level domain (letters, or an A-label); a trailing dot is not
 *    taken. WDOT: a dot after "www", which may be a full-width one.
 */
#define X "\\s\\p{Z}\\p{Cc}<>\"`\\x{2018}\\x{2019}\\x{201C}\\x{201D}\\x{00AB}\\x{00BB}" \
	  "\\x{FF01}\\x{FF08}\\x{FF09}\\x{FF0C}\\x{FF1A}\\x{FF1B}\\x{FF1F}\\x{FFFD}"
#define U "[^" X "\\x{3000}-\\x{303F}\\x{FF0E}]"
#define A "[^" X "/\\\\?#\\x{3000}\\x{3001}\\x{3003}-\\x{303F}]"
#define D "[\\p{L}\\p{N}]"
#define LC "[\\p{L}\\p{N}\\p{M}\\p{Cf}-]"
#define T "\\p{L}[\\p{L}\\p{M}\\p{Cf}]{1,62}+(?!" LC ")|xn--[a-z0-9-]{1,59}+(?!" LC ")"
#define LABELS(dot) "(?:" D LC "*+" dot "(?=" D "))"
#define WDOT "[.\\x{3002}\\x{FF0E}\\x{FF61}]"
/* Where a link may start: not inside a word, a name or a number. The
 * alternatives that begin with a letter share this one test (a test per
 * alternative at every position was most of the search's cost). */
#define WORDSTART "(?<![\\p{L}\\p{N}.-])"
#define PORT "(?::\\d{1,5}+)?+"
/* schemes written with "//" that reach the network or run something */
#define NETSCHEMES "ftps|sftp|file|smb|cifs|nfs|afp|webdavs?|davs?|ldaps?|telnet|ssh|rdp|vnc|" \
		   "webcals?|feed|wss?|itms-services|ircs?|gopher|vscode(?:-insiders)?"
static const char url_pattern[] =
	/* scheme://authority/path (a backslash pair as written by Windows users) */
	"(?:https?|ftp):(?://|\\\\\\\\)" A "*+" U "*+"
	/* UNC paths: \\host\share\x.lnk, \\host@SSL@443\DavWWWRoot\x; \\host.example alone */
	"|\\\\\\\\(?<![\\p{L}\\p{N}\\\\/:]\\\\\\\\)(?:" LABELS("\\.") "++(?:" T ")(?:@SSL)?+(?:@\\d{1,5}+)?+"
	"(?:\\\\" U "*+)?+|[\\p{L}\\p{N}\\p{M}\\p{Cf}_.-]++(?:@SSL)?+(?:@\\d{1,5}+)?+\\\\" U "*+)"
	"|" WORDSTART "(?:"
	/* other schemes that reach the network, and those that open a program:
	 * search-ms:, ms-msdt:, ms-word:ofe|u|..., mk:@MSITStore: */
	"(?<!\\+)(?=[a-z0-9-]{2,44}+:)(?:(?:" NETSCHEMES "):(?://|\\\\\\\\)" A "*+" U "*+|file:/" U "++"
	"|(?:search(?:-ms)?:(?=[a-z]{1,30}+=)|ms-[a-z0-9][a-z0-9-]{1,40}+:|mk:@MSITStore:"
	"|mhtml:(?=file:|https?:)|ms-its:|its:(?=[a-z]:|\\\\\\\\))" U "++)"
	"|(?<![_@/\\\\])(?:"
	/* www.example.com, also with ideographic full stops */
	"www\\d{0,3}" WDOT LABELS(WDOT) "*+(?:" T ")" PORT "(?:[/?#]" U "*+)?+"
	/* example.co.uk/login: a bare name counts only with a path */
	"|" LABELS("\\.") "++(?:" T ")" PORT "/" U "*+))";

struct sl_urls {
	pcre2_code *re;
	pcre2_match_context *mctx;
	size_t max_url_length;
	size_t max_urls;
	size_t max_html_depth;
	size_t match_limit;
};

/* urls.c's part of a run (linkscan.h: sl_linkscan.priv). */
struct priv {
	const struct sl_urls *u;
	pcre2_match_data *md;
	int error_noted; /* a match error was reported */
};

enum part_kind { KIND_NONE, KIND_PLAIN, KIND_HTML, KIND_SVG, KIND_CALENDAR };

struct sl_urls *sl_urls_new(const struct sl_config *cfg, char **why)
{
	struct sl_urls *u = sl_xcalloc(1, sizeof(*u));
	int err = 0;
	PCRE2_SIZE erroff = 0;
	PCRE2_UCHAR msg[256];

	u->max_url_length = (size_t)sl_config_int(cfg, "urls.max_url_length");
	u->max_urls = (size_t)sl_config_int(cfg, "urls.max_urls");
	u->max_html_depth = (size_t)sl_config_int(cfg, "urls.max_html_depth");
	u->match_limit = (size_t)sl_config_int(cfg, "urls.match_limit");
	u->re = pcre2_compile((PCRE2_SPTR)url_pattern, PCRE2_ZERO_TERMINATED,
			      PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF, &err,
			      &erroff, NULL);
	if (u->re == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		if (why != NULL)
			*why = sl_xasprintf("urls: pattern at offset %zu: %s", (size_t)erroff,
					    (const char *)msg);
		goto fail;
	}
	/* JIT is an optimisation: without it (no executable memory) we still work. */
	(void)pcre2_jit_compile(u->re, PCRE2_JIT_COMPLETE);
	u->mctx = pcre2_match_context_create(NULL);
	if (u->mctx == NULL) {
		if (why != NULL)
			*why = sl_xstrdup("urls: cannot allocate a PCRE2 match context");
		goto fail;
	}
	pcre2_set_match_limit(u->mctx, (uint32_t)u->match_limit);
	pcre2_set_depth_limit(u->mctx, (uint32_t)u->match_limit);
	return u;
fail:
	return sl_urls_free(u);
}

struct sl_urls *sl_urls_free(struct sl_urls *u)
{
	if (u == NULL)
		return NULL;
	pcre2_match_context_free(u->mctx);
	pcre2_code_free(u->re);
	free(u);
	return NULL;
}

/* ---- recording ---------------------------------------------------------- */

int sl_linkscan_add(struct sl_linkscan *r, const char *url, size_t len, size_t off, size_t end,
		    enum sl_url_context ctx, const char *shown)
{
	const struct priv *pv = r->priv;
	char *fixed = NULL, *copy;

	if (r->stopped)
		return SL_ETOOBIG;
	if (r->m->nurls >= pv->u->max_urls) {
		sl_msg_add_finding(r->m, SL_FIND_LIMIT, "limit", r->part,
				   "more than %zu URLs in the message (urls.max_urls): the rest were "
				   "not examined",
				   pv->u->max_urls);
		r->stopped = 1;
		r->m->incomplete = 1; /* links left unjudged: never delivered as is */
		return SL_ETOOBIG;
	}
	if (r->ctx >= 0)
		ctx = (enum sl_url_context)r->ctx;
	if (r->whole) {
		off = r->whole_off;
		end = r->whole_off + r->whole_len;
	}
	/* gumbo can decode a huge numeric reference into invalid UTF-8 */
	if (!g_utf8_validate_len(url, len, NULL)) {
		fixed = g_utf8_make_valid(url, (gssize)len);
		url = fixed;
		len = strlen(fixed);
	}
	/* A URL past urls.max_url_length is recorded all the same: the reputation
	 * stage judges it suspicious without parsing it, and the rewriter needs its
	 * place to disarm it. */
	copy = sl_xstrndup(url, len);
	sl_msg_add_url(r->m, r->part, copy, off, end - off, ctx, shown);
	free(copy);
	g_free(fixed);
	return 0;
}

/* ---- plain text ----------------------------------------------------------- */

/* Length of an invisible or sentence-ending character that ends s[b, e) (a
 * zero-width space, soft hyphen, byte-order mark, ideographic full stop), or 0. */
static size_t trailing_mark(const char *s, size_t b, size_t e)
{
	static const char *const marks[] = { "\xE2\x80\x8B", "\xE2\x80\x8C", "\xE2\x80\x8D",
					     "\xE2\x81\xA0", "\xEF\xBB\xBF", "\xC2\xAD",
					     "\xE3\x80\x82", "\xEF\xBC\x8E", "\xEF\xBD\xA1" };
	size_t k;
	for (k = 0; k < G_N_ELEMENTS(marks); k++) {
		size_t l = strlen(marks[k]);
		if (e - b >= l && memcmp(s + e - l, marks[k], l) == 0)
			return l;
	}
	return 0;
}

/* Drops what mail clients do not take as part of a URL at its end. */
static size_t trim_end(const char *s, size_t b, size_t e)
{
	long paren = 0, bracket = 0, brace = 0;
	size_t i;

	for (i = b; i < e; i++) {
		paren += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
		bracket += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
		brace += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
	}
	while (e > b) {
		char c = s[e - 1];
		size_t mark = trailing_mark(s, b, e);
		if (mark > 0) {
			e -= mark;
		} else if (strchr(".,;:!?'\"*", c) != NULL) {
			e--;
		} else if (c == ')' && paren < 0) {
			e--;
			paren++;
		} else if (c == ']' && bracket < 0) {
			e--;
			bracket++;
		} else if (c == '}' && brace < 0) {
			e--;
			brace++;
		} else {
			break;
		}
	}
	return e;
}

/* Length of "scheme://" (or "scheme:\\") when s starts with one, else 0. */
static size_t scheme_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i > 0 && i + 3 <= n && s[i] == ':' && (s[i + 1] == '/' || s[i + 1] == '\\') &&
	    s[i + 2] == s[i + 1])
		return i + 3;
	return 0;
}

/* A search stopped by a PCRE2 error (match limit, JIT stack): links may be
 * missed, so the message is incomplete. Reported once a message. */
static void match_error(struct sl_linkscan *r, int rc)
{
	struct priv *pv = r->priv;
	PCRE2_UCHAR msg[128];

	r->m->incomplete = 1;
	if (pv->error_noted)
		return;
	pv->error_noted = 1;
	pcre2_get_error_message(rc, msg, sizeof(msg));
	sl_msg_add_finding(r->m, SL_FIND_LIMIT, "limit", r->part,
			   "the search for links stopped (%s; urls.match_limit %zu): links may be missed",
			   (const char *)msg, pv->u->match_limit);
}

/* Every URL the pattern finds holds a ':' (a scheme), a '\\' (UNC) or a dot
 * (ASCII, or an ideographic or full-width one, whose UTF-8 starts with E3 or
 * EF): text without any of them needs no search. Most text nodes of a
 * newsletter are like that. */
static int may_hold_url(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' || c == ':' || c == '\\' || c == 0xE3 || c == 0xEF)
			return 1;
	}
	return 0;
}

void sl_linkscan_text(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos)
{
	struct priv *pv = r->priv;
	PCRE2_SIZE start = 0;

	if (!may_hold_url(s, n))
		return;

	while (start < n && !r->stopped) {
		int rc = pcre2_match(pv->u->re, (PCRE2_SPTR)s, n, start, 0, pv->md, pv->u->mctx);
		PCRE2_SIZE *ov;
		size_t b, e, sl;

		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			match_error(r, rc);
			/* skip this token, never loop */
			start++;
			while (start < n && !g_ascii_isspace(s[start]))
				start++;
			continue;
		}
		ov = pcre2_get_ovector_pointer(pv->md);
		b = ov[0];
		e = ov[1];
		start = e > start ? e : start + 1;
		e = trim_end(s, b, e);
		sl = scheme_len(s + b, e - b);
		if (e <= b || (sl > 0 && e - b <= sl))
			continue;
		sl_linkscan_add(r, s + b, e - b, sl_textpos_at(pos, b), sl_textpos_at(pos, e), SL_URLCTX_TEXT,
				NULL);
	}
}

/* ---- calendars ------------------------------------------------------------ */

static int on_ical(void *ctx, enum sl_ical_kind kind, const char *prop, const char *v, size_t len,
		   const size_t *map)
{
	struct sl_linkscan *r = ctx;
	struct sl_textpos pos = { map, 0 };
	size_t b = 0, e = len;

	switch (kind) {
	case SL_ICAL_TEXT:
		sl_linkscan_text(r, v, len, pos);
		break;
	case SL_ICAL_HTML:
		sl_html_links(r, v, len, pos);
		break;
	case SL_ICAL_URI:
		while (b < e && g_ascii_isspace(v[b]))
			b++;
		while (e > b && g_ascii_isspace(v[e - 1]))
			e--;
		if (e > b && v[b] != '#')
			sl_linkscan_add(r, v + b, e - b, map[b], map[e], SL_URLCTX_CALENDAR, NULL);
		break;
	}
	return r->stopped;
}

/* ---- headers -------------------------------------------------------------- */

static int on_header(void *ctx, const char *text, size_t len, size_t begin, size_t end)
{
	struct sl_linkscan *r = ctx;

	r->whole = 1;
	r->whole_off = begin;
	r->whole_len = end - begin;
	sl_linkscan_text(r, text, len, (struct sl_textpos){ NULL, 0 });
	r->whole = 0;
	return r->stopped;
}

/* The part that owns the top-level header block, or -1. */
static int top_part(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].parent < 0 && m->parts[i].origin == SL_ORIGIN_MIME && m->parts[i].hdr_start == 0)
			return (int)i;
	return -1;
}

/* ---- the stage ------------------------------------------------------------ */

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && g_ascii_strcasecmp(s + a - b, suffix) == 0;
}

static int named(const char *fn, const char *const *exts)
{
	size_t k;
	for (k = 0; fn != NULL && exts[k] != NULL; k++)
		if (ends_with_ci(fn, exts[k]))
			return 1;
	return 0;
}

/* A file (an attachment, a member, a WhatsApp media object) rather than
 * text people read in the message (a MIME body, a WhatsApp text field). */
static int is_file(const struct sl_part *p)
{
	return p->is_attachment || (p->origin != SL_ORIGIN_MIME && p->origin != SL_ORIGIN_FIELD);
}

static enum part_kind part_kind(const struct sl_part *p)
{
	static const char *const html_ext[] = { ".htm", ".html", ".xhtml", ".shtml", NULL };
	static const char *const svg_ext[] = { ".svg", NULL };
	static const char *const ics_ext[] = { ".ics", ".ical", ".icalendar", ".ifb", ".vcs", NULL };
	int file = is_file(p);
	const char *type = file && p->detected_type != NULL ? p->detected_type : p->declared_type;
	const char *decl = p->declared_type != NULL ? p->declared_type : "";
	const char *fn = p->filename != NULL ? p->filename : p->alt_filename;
	int textual;

	if (p->is_container || p->data == NULL || p->data_len == 0)
		return KIND_NONE;
	if (type == NULL && !file)
		type = "text/plain"; /* RFC 2045 default */
	if (type == NULL)
		return KIND_NONE;
	textual = g_str_has_prefix(type, "text/") || strcmp(type, "application/xml") == 0;
	if (strcmp(type, "text/html") == 0 || strcmp(type, "application/xhtml+xml") == 0)
		return KIND_HTML;
	if (named(fn, html_ext) && g_str_has_prefix(type, "text/"))
		return KIND_HTML;
	/* SVG (an image that can hold links and scripts) and iCalendar: by
	 * content, or declared or named so when the content is text */
	if (strcmp(type, "image/svg+xml") == 0 ||
	    ((strcmp(decl, "image/svg+xml") == 0 || named(fn, svg_ext)) && textual))
		return KIND_SVG;
	if (strcmp(type, "text/calendar") == 0 ||
	    ((strcmp(decl, "text/calendar") == 0 || strcmp(decl, "application/ics") == 0 ||
	      named(fn, ics_ext) || (file && sl_ical_is((const char *)p->data, p->data_len))) &&
	     textual))
		return KIND_CALENDAR;
	/* Plain text is read where people read it, in the message; a text file
	 * sent as an attachment (a CSV export, a log) is data, and scanning
	 * megabytes of it for links would cost more than the whole AV scan. */
	if (strcmp(type, "text/plain") == 0 && !file)
		return KIND_PLAIN;
	return KIND_NONE;
}

static void scan_plain(struct sl_linkscan *r, struct sl_part *p)
{
	struct sl_buf u;
	size_t *map = NULL;
	int delsp = 0;

	if (!sl_flowed_params(r->m, p, &delsp)) {
		sl_linkscan_text(r, p->text, p->text_len, (struct sl_textpos){ NULL, 0 });
		return;
	}
	/* format=flowed: links as the reader sees them, soft line breaks joined */
	sl_flowed_unfold(p->text, p->text_len, delsp, &u, &map);
	sl_linkscan_text(r, u.data != NULL ? u.data : "", u.len, (struct sl_textpos){ map, 0 });
	sl_buf_free(&u);
	free(map);
}

static void scan_part(struct sl_linkscan *r, struct sl_part *p, enum part_kind k)
{
	int file = is_file(p);
	struct sl_textpos at0 = { NULL, 0 };

	r->ctx = -1;
	switch (k) {
	case KIND_PLAIN:
		scan_plain(r, p);
		break;
	case KIND_HTML:
		sl_html_links(r, p->text, p->text_len, at0);
		break;
	case KIND_SVG:
		/* an image file: its links cannot be edited safely (XML), the policy
		 * decides about the whole file (url_in_attachment) */
		r->ctx = SL_URLCTX_ATTACHMENT;
		sl_html_links(r, p->text, p->text_len, at0);
		break;
	case KIND_CALENDAR:
		/* an invitation in the body is edited in place; an .ics file is not */
		r->ctx = file ? SL_URLCTX_ATTACHMENT : SL_URLCTX_CALENDAR;
		sl_ical_scan(p->text, p->text_len, on_ical, r);
		break;
	case KIND_NONE:
		break;
	}
	r->ctx = -1;
}

int sl_urls_run(struct sl_urls *u, struct sl_msg *m)
{
	struct priv pv = { .u = u };
	struct sl_linkscan r = { .m = m, .ctx = -1, .max_html_depth = u->max_html_depth, .priv = &pv };
	size_t i;
	int rc = 0;

	pv.md = pcre2_match_data_create_from_pattern(u->re, NULL);
	if (pv.md == NULL) {
		rc = SL_ENGINE;
		goto out;
	}
	r.seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	r.walk = g_ptr_array_new();
	r.part = top_part(m);
	if (r.part >= 0) {
		r.ctx = SL_URLCTX_HEADER;
		sl_hdrlinks_find(m, on_header, &r);
		r.ctx = -1;
	}
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		enum part_kind k = part_kind(p);

		if (k == KIND_NONE)
			continue;
		r.part = (int)i;
		sl_text_view(p, k == KIND_HTML || k == KIND_SVG);
		if (r.stopped)
			continue; /* text is still set for the rewriters */
		g_hash_table_remove_all(r.seen);
		scan_part(&r, p, k);
	}
out:
	if (r.walk != NULL)
		g_ptr_array_free(r.walk, TRUE);
	if (r.seen != NULL)
		g_hash_table_destroy(r.seen);
	pcre2_match_data_free(pv.md);
	return rc;
}
