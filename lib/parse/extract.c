/*
 * extract - see extract.h for the contract.
 *
 * Both extractors collect what they find in a local list and append it to the
 * caller's list in one step at the end, whatever the result, so that a limit
 * or a parse error still hands over every file completed before it.
 *
 * uuencode: the text is walked line by line once (memchr for the line ends);
 * a block is scanned from its "begin" line until its "end" (or "====") line,
 * a new "begin" line, UU_MAX_BAD_LINES undecodable lines in a row, or the end
 * of the text. Searching resumes where the block ended, so no line is looked
 * at more than twice.
 *
 * TNEF: attributes are read front to back; every length is checked against
 * what is left before it is used. Attachment bytes are kept as borrowed spans
 * into the input until the attachment is complete, then copied once.
 */
#include "extract.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NAME_MAX_BYTES 1024   /* longer file names are cut (at a UTF-8 boundary) */
#define UU_MAX_BAD_LINES 8    /* undecodable lines in a row that end a block */

/* Files found by one call; appended to the caller's list at the end. */
struct found {
	struct sl_extracted *v;
	size_t n, alloc;
	size_t max_files, max_bytes;
	size_t bytes; /* decoded bytes of the files in v and of the one being built */
};

/* The decoded bytes of the file being built. */
struct fbuf {
	unsigned char *data;
	size_t len, alloc;
};

static void set_why(char **why, char *msg)
{
	if (why != NULL && *why == NULL)
		*why = msg;
	else
		free(msg);
}

/* Accounts n more decoded bytes against max_bytes and stores them. */
static int fbuf_add(struct found *f, struct fbuf *b, const unsigned char *p, size_t n)
{
	size_t want;

	if (n == 0)
		return SL_OK;
	if (n > f->max_bytes - f->bytes)
		return SL_ETOOBIG;
	f->bytes += n;
	if (n > b->alloc - b->len) {
		want = b->alloc ? b->alloc : 256;
		while (want - b->len < n)
			want *= 2;
		b->data = sl_xrealloc(b->data, want);
		b->alloc = want;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return SL_OK;
}

/* Cuts s (NUL-terminated, UTF-8 or not) to at most NAME_MAX_BYTES bytes. */
static void cut_name(char *s)
{
	size_t n = strlen(s);

	if (n <= NAME_MAX_BYTES)
		return;
	n = NAME_MAX_BYTES;
	while (n > NAME_MAX_BYTES - 3 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--; /* not inside a UTF-8 sequence, when it is UTF-8 */
	s[n] = '\0';
}

/*
 * Adds a file; takes name and the data of b (b is reset). The bytes were
 * already counted by fbuf_add. SL_ETOOBIG when max_files is reached: the file
 * is then dropped.
 */
static int found_take(struct found *f, char *name, struct fbuf *b, size_t begin, size_t end)
{
	struct sl_extracted *e;

	if (f->n >= f->max_files) {
		free(name);
		free(b->data);
		f->bytes -= b->len;
		memset(b, 0, sizeof(*b));
		return SL_ETOOBIG;
	}
	if (f->n == f->alloc) {
		f->alloc = f->alloc ? f->alloc * 2 : 4;
		f->v = sl_xrealloc(f->v, f->alloc * sizeof(*f->v));
	}
	if (name != NULL)
		cut_name(name);
	e = &f->v[f->n++];
	e->name = name;
	e->data = b->data != NULL ? b->data : sl_xmalloc(1);
	e->len = b->len;
	e->begin = begin;
	e->end = end;
	memset(b, 0, sizeof(*b));
	return SL_OK;
}

/* Appends everything found to out and empties f. */
static void found_flush(struct found *f, struct sl_extract_list *out)
{
	if (f->n > 0) {
		out->v = sl_xrealloc(out->v, (out->n + f->n) * sizeof(*out->v));
		memcpy(out->v + out->n, f->v, f->n * sizeof(*f->v));
		out->n += f->n;
	}
	free(f->v);
	f->v = NULL;
	f->n = f->alloc = 0;
}

void sl_extract_list_clear(struct sl_extract_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].data);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- uuencode ---------------------------------------------------------- */

struct line {
	size_t start; /* offset of the first byte */
	size_t len;   /* length without the CR LF or LF */
	size_t next;  /* offset just after the line end */
};

static void next_line(const char *t, size_t len, size_t off, struct line *l)
{
	const char *nl = memchr(t + off, '\n', len - off);
	size_t e = nl != NULL ? (size_t)(nl - t) : len;

	l->start = off;
	l->next = nl != NULL ? e + 1 : len;
	if (e > off && t[e - 1] == '\r')
		e--;
	l->len = e - off;
}

enum uu_kind { UU_NONE, UU_CLASSIC, UU_BASE64 };

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The blanks permissive readers allow in a begin line. */
static int uu_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/*
 * "begin[-base64] <octal mode> <name>": the kind, and the name (may be empty).
 * Read as the most permissive decoders read it: "begin" in any case, then
 * blanks (tabs, form feeds too) before the mode, which may be anything
 * ("-644", "6x4": ripmime decodes both) or missing. What follows decides:
 * only lines that decode make a file.
 */
static enum uu_kind parse_begin(const char *s, size_t n, const char **name, size_t *namelen)
{
	enum uu_kind kind;
	size_t i, mode = 0;

	if (n < 6 || (s[0] != 'b' && s[0] != 'B'))
		return UU_NONE;
	if (n >= 13 && g_ascii_strncasecmp(s, "begin-base64", 12) == 0 && uu_blank(s[12])) {
		kind = UU_BASE64;
		i = 13;
	} else if (g_ascii_strncasecmp(s, "begin", 5) == 0 && uu_blank(s[5])) {
		kind = UU_CLASSIC;
		i = 6;
	} else {
		return UU_NONE;
	}
	while (i < n && uu_blank(s[i]))
		i++;
	while (i < n && !uu_blank(s[i]) && mode < 16) {
		i++;
		mode++;
	}
	if (i < n && !uu_blank(s[i]))
		return UU_NONE; /* a long word after "begin": prose */
	while (i < n && uu_blank(s[i]))
		i++;
	*name = s + i;
	*namelen = n - i;
	return kind;
}

int sl_uu_maybe(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p != NULL && end - p >= 6) {
		if ((p[0] == 'b' || p[0] == 'B') && g_ascii_strncasecmp(p, "begin", 5) == 0 &&
		    (uu_blank(p[5]) || p[5] == '-'))
			return 1;
		p = memchr(p, '\n', (size_t)(end - p));
		if (p != NULL)
			p++;
	}
	return 0;
}

/* s[0..n) is `word` followed only by blanks. */
static int is_word_line(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word), i;

	if (n < w || g_ascii_strncasecmp(s, word, w) != 0)
		return 0;
	for (i = w; i < n; i++)
		if (!is_blank(s[i]))
			return 0;
	return 1;
}

/* LINE_DIRTY: decoded, but with characters outside the alphabet: counted as
 * a bad line for the end of the block. */
enum { LINE_BAD = -1, LINE_TERM = 0, LINE_DATA = 1, LINE_DIRTY = 2 };

/*
 * One classic line: the first character gives the byte count, each 4
 * characters give 3 bytes. Characters missing at the end (stripped trailing
 * spaces) count as zero bits; characters past the count are ignored.
 * Characters outside the alphabet are decoded as their low 6 bits, as ripmime
 * and Python's uu fallback do: a line with one stray byte must not be
 * dropped and shift the rest of the file (LINE_DIRTY).
 */
static int uu_line(struct found *f, struct fbuf *b, const char *line, size_t n, int *rc)
{
	const unsigned char *s = (const unsigned char *)line;
	unsigned char out[64], c[4];
	size_t want, need, i, k, o = 0;
	int dirty = 0;

	if (n == 0)
		return LINE_TERM; /* a " " line whose space was stripped */
	if (s[0] < 0x20 || s[0] > 0x60)
		return LINE_BAD;
	want = (size_t)((s[0] - 0x20) & 63);
	if (want == 0)
		return LINE_TERM;
	if (n < 2)
		return LINE_BAD;
	need = (want + 2) / 3 * 4;
	for (i = 1; i <= need && i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x60)
			dirty = 1;
	for (i = 1; o < want; i += 4) {
		for (k = 0; k < 4; k++)
			c[k] = i + k < n ? (unsigned char)((s[i + k] - 0x20) & 63) : 0;
		out[o++] = (unsigned char)(c[0] << 2 | c[1] >> 4);
		if (o < want)
			out[o++] = (unsigned char)(c[1] << 4 | c[2] >> 2);
		if (o < want)
			out[o++] = (unsigned char)(c[2] << 6 | c[3]);
	}
	*rc = fbuf_add(f, b, out, want);
	return dirty ? LINE_DIRTY : LINE_DATA;
}

struct b64 {
	uint32_t acc;
	int bits;
};

/*
 * One begin-base64 line. Bits carry over from line to line; '=' ends the
 * group (leftover bits are dropped). A line with any other character than the
 * alphabet, '=' and trailing blanks is bad and decodes nothing.
 */
static int b64_line(struct found *f, struct fbuf *b, struct b64 *st, const char *line, size_t n,
		    int *rc)
{
	const unsigned char *s = (const unsigned char *)line;
	unsigned char out[192];
	size_t i, o = 0, end = n;
	int v;

	while (end > 0 && is_blank((char)s[end - 1]))
		end--;
	if (end == 0)
		return LINE_BAD;
	for (i = 0; i < end; i++)
		if (s[i] != '=' && sl_b64_value(s[i], 0) < 0)
			return LINE_BAD;
	for (i = 0; i < end; i++) {
		if (s[i] == '=') {
			st->acc = 0;
			st->bits = 0;
			break;
		}
		v = sl_b64_value(s[i], 0);
		st->acc = (st->acc << 6 | (uint32_t)v) & 0xFFFFFF;
		st->bits += 6;
		if (st->bits >= 8) {
			st->bits -= 8;
			out[o++] = (unsigned char)(st->acc >> st->bits);
		}
		if (o == sizeof(out)) {
			*rc = fbuf_add(f, b, out, o);
			if (*rc < 0)
				return LINE_DATA;
			o = 0;
		}
	}
	*rc = fbuf_add(f, b, out, o);
	return LINE_DATA;
}

/*
 * Scans the block whose header line is hl. Adds the file when the block holds
 * anything decodable (*valid set), and sets *resume to where searching goes on.
 */
/* s[0..n) (a begin line up to its name) has a digit. */
static int mode_has_digit(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (g_ascii_isdigit(s[i]))
			return 1;
	return 0;
}

static int uu_block(struct found *f, const char *t, size_t len, const struct line *hl,
		    enum uu_kind kind, const char *name, size_t namelen, int *valid, size_t *resume)
{
	struct fbuf b = { 0 };
	struct b64 st = { 0, 0 };
	struct line l, l2;
	size_t off = hl->next, end = hl->next, bad = 0;
	const char *s, *nm;
	size_t nml;
	int good = 0, closed = 0, emitted = 0, r, rc = SL_OK;

	while (off < len) {
		next_line(t, len, off, &l);
		s = t + l.start;
		if (parse_begin(s, l.len, &nm, &nml) != UU_NONE)
			break;
		if (kind == UU_CLASSIC && is_word_line(s, l.len, "end")) {
			end = l.next;
			closed = 1;
			break;
		}
		if (kind == UU_BASE64 && is_word_line(s, l.len, "====")) {
			end = l.next;
			closed = 1;
			break;
		}
		if (kind == UU_CLASSIC)
			r = uu_line(f, &b, s, l.len, &rc);
		else
			r = b64_line(f, &b, &st, s, l.len, &rc);
		if (rc < 0)
			goto out;
		off = l.next;
		if (r == LINE_TERM) {
			l2.len = 0;
			if (l.next < len)
				next_line(t, len, l.next, &l2);
			if (l2.len > 0 && is_word_line(t + l2.start, l2.len, "end")) {
				end = l2.next;
				closed = 1;
				break;
			}
			if (good) {
				end = l.next; /* terminator without "end" */
				break;
			}
			r = LINE_BAD; /* a blank line before any data */
		}
		if (r == LINE_BAD || r == LINE_DIRTY) {
			/* The block's range (cut out by the rewriter) ends at its last
			 * clean line: without the "begin" line, nothing reads the rest. */
			emitted |= r == LINE_DIRTY;
			if (++bad >= UU_MAX_BAD_LINES)
				break;
			continue;
		}
		bad = 0;
		good = 1;
		end = l.next;
	}
	*valid = good || closed || emitted;
	if (!*valid) {
		*resume = hl->next;
		/* ripmime saves a file under the begin line's name even with no
		 * data after it: an empty file, judged by that name (when the
		 * mode has a digit: "begin the day" in prose is no file). */
		if (namelen > 0 && mode_has_digit(t + hl->start, (size_t)(name - (t + hl->start))))
			rc = found_take(f, sl_xstrndup(name, namelen), &b, hl->start, hl->next);
		goto out;
	}
	*resume = end;
	rc = found_take(f, namelen > 0 ? sl_xstrndup(name, namelen) : NULL, &b, hl->start, end);
out:
	if (b.data != NULL) {
		f->bytes -= b.len;
		free(b.data);
	}
	return rc;
}

int sl_uu_extract(const char *text, size_t len, size_t max_files, size_t max_bytes,
		  struct sl_extract_list *out, char **why)
{
	struct found f = { .max_files = max_files, .max_bytes = max_bytes };
	struct line l;
	enum uu_kind kind;
	const char *name;
	size_t namelen, off = 0, resume = 0, invalid = 0;
	int valid = 0, rc = SL_OK;

	if (text == NULL && len > 0)
		return SL_EINVAL;
	while (off < len) {
		next_line(text, len, off, &l);
		kind = parse_begin(text + l.start, l.len, &name, &namelen);
		if (kind == UU_NONE) {
			off = l.next;
			continue;
		}
		rc = uu_block(&f, text, len, &l, kind, name, namelen, &valid, &resume);
		if (rc == SL_ETOOBIG) {
			set_why(why, sl_xasprintf("uuencode: block at offset %zu is past the limit of "
						  "%zu files or %zu bytes", l.start, max_files, max_bytes));
			goto out;
		}
		if (rc < 0)
			goto out;
		if (!valid)
			invalid++;
		off = resume;
	}
	if (f.n == 0 && invalid > 0) {
		rc = SL_EPARSE;
		set_why(why, sl_xasprintf("uuencode: %zu 'begin' line(s) without decodable data",
					  invalid));
	}
out:
	found_flush(&f, out);
	return rc;
}

/* ---- TNEF -------------------------------------------------------------- */

#define TNEF_SIGNATURE 0x223E9F78u
#define ATT_ATTACH_RENDDATA 0x00069002u
#define ATT_ATTACH_TITLE 0x00018010u
#define ATT_ATTACH_DATA 0x0006800Fu
#define ATT_ATTACHMENT 0x00069005u
#define ATT_OEM_CODEPAGE 0x00069007u

#define PID_ATTACH_DATA 0x3701u       /* PidTagAttachDataBinary / ...DataObject */
#define PID_ATTACH_FILENAME 0x3704u   /* 8.3 name */
#define PID_ATTACH_LONG_FILENAME 0x3707u

#define PT_STRING8 0x001Eu
#define PT_UNICODE 0x001Fu
#define PT_BINARY 0x0102u
#define PT_OBJECT 0x000Du
#define PT_SVREID 0x00FBu
#define MV_FLAG 0x1000u

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* A borrowed range of the input. */
struct span {
	const unsigned char *p;
	size_t n;
	int set;
	int unicode; /* UTF-16LE rather than 8-bit */
};

struct tnef_att {
	int open;
	struct span data, title, longname, shortname;
};

/* 8-bit text in the given Windows code page to UTF-8 (Latin-1 when unknown). */
static char *cp_to_utf8(const unsigned char *p, size_t n, uint32_t codepage)
{
	const unsigned char *z = memchr(p, '\0', n);
	char cs[32], *s;
	size_t i, o = 0, ascii = 1;

	if (z != NULL)
		n = (size_t)(z - p);
	if (n > 4 * NAME_MAX_BYTES)
		n = 4 * NAME_MAX_BYTES;
	for (i = 0; i < n; i++)
		if (p[i] >= 0x80)
			ascii = 0;
	if (ascii || (codepage == 65001 && g_utf8_validate((const char *)p, (gssize)n, NULL)))
		return sl_xstrndup((const char *)p, n);
	if (codepage != 0 && codepage != 65001) {
		snprintf(cs, sizeof(cs), "CP%u", (unsigned)codepage);
		s = g_convert((const char *)p, (gssize)n, "UTF-8", cs, NULL, NULL, NULL);
		if (s != NULL) {
			char *r = sl_xstrdup(s);
			g_free(s);
			return r;
		}
	}
	s = sl_xmalloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		if (p[i] < 0x80) {
			s[o++] = (char)p[i];
		} else {
			s[o++] = (char)(0xC0 | p[i] >> 6);
			s[o++] = (char)(0x80 | (p[i] & 0x3F));
		}
	}
	s[o] = '\0';
	return s;
}

/* UTF-16LE (up to a NUL unit) to UTF-8; unpaired surrogates become U+FFFD. */
static char *utf16le_to_utf8(const unsigned char *p, size_t n)
{
	size_t units = n / 2, i, o = 0;
	uint32_t c, lo;
	char *s;

	if (units > 4 * NAME_MAX_BYTES)
		units = 4 * NAME_MAX_BYTES;
	s = sl_xmalloc(units * 3 + 1);
	for (i = 0; i < units; i++) {
		c = rd16(p + 2 * i);
		if (c == 0)
			break;
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
			lo = rd16(p + 2 * i + 2);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			}
		}
		if (c >= 0xD800 && c <= 0xDFFF)
			c = 0xFFFD;
		if (c < 0x80) {
			s[o++] = (char)c;
		} else if (c < 0x800) {
			s[o++] = (char)(0xC0 | c >> 6);
			s[o++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			s[o++] = (char)(0xE0 | c >> 12);
			s[o++] = (char)(0x80 | (c >> 6 & 0x3F));
			s[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			/* a pair: two units in, four bytes out */
			s[o++] = (char)(0xF0 | c >> 18);
			s[o++] = (char)(0x80 | (c >> 12 & 0x3F));
			s[o++] = (char)(0x80 | (c >> 6 & 0x3F));
			s[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	s[o] = '\0';
	return s;
}

static char *span_name(const struct span *sp, uint32_t codepage)
{
	char *s;

	if (!sp->set)
		return NULL;
	s = sp->unicode ? utf16le_to_utf8(sp->p, sp->n) : cp_to_utf8(sp->p, sp->n, codepage);
	if (s[0] == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Size of one value of a fixed-size property type; 0 variable, -1 unknown. */
static int fixed_size(uint32_t type)
{
	switch (type) {
	case 0x0002: /* PT_I2, padded */
	case 0x0003: /* PT_LONG */
	case 0x0004: /* PT_R4 */
	case 0x000A: /* PT_ERROR */
	case 0x000B: /* PT_BOOLEAN, padded */
		return 4;
	case 0x0005: /* PT_DOUBLE */
	case 0x0006: /* PT_CURRENCY */
	case 0x0007: /* PT_APPTIME */
	case 0x0014: /* PT_I8 */
	case 0x0040: /* PT_SYSTIME */
		return 8;
	case 0x0048: /* PT_CLSID */
		return 16;
	case PT_STRING8:
	case PT_UNICODE:
	case PT_BINARY:
	case PT_OBJECT:
	case PT_SVREID:
		return 0;
	}
	return -1;
}

/* The single value of a variable-size property we want. */
static void mapi_value(struct tnef_att *a, uint32_t id, uint32_t type, const unsigned char *v,
		       size_t n)
{
	struct span *sp = NULL;

	if (id == PID_ATTACH_LONG_FILENAME)
		sp = &a->longname;
	else if (id == PID_ATTACH_FILENAME)
		sp = &a->shortname;
	if (sp != NULL && (type == PT_UNICODE || type == PT_STRING8)) {
		sp->p = v;
		sp->n = n;
		sp->set = 1;
		sp->unicode = type == PT_UNICODE;
		return;
	}
	if (id != PID_ATTACH_DATA || a->data.set)
		return;
	if (type == PT_BINARY) {
		a->data.p = v;
		a->data.n = n;
		a->data.set = 1;
	} else if (type == PT_OBJECT && n >= 16) {
		/* an interface id, then the object: an embedded message is TNEF again */
		a->data.p = v + 16;
		a->data.n = n - 16;
		a->data.set = 1;
	}
}

/* An attAttachment MAPI property list: count, then tag [name] value(s). */
static int mapi_props(struct tnef_att *a, const unsigned char *p, size_t n)
{
	size_t off = 4, count, nvals, i, v, vlen, skip;
	uint32_t tag, type, id, kind;
	int fixed;

	if (n < 4)
		return SL_EPARSE;
	count = rd32(p);
	for (i = 0; i < count; i++) {
		if (n - off < 4)
			return SL_EPARSE;
		tag = rd32(p + off);
		off += 4;
		type = tag & 0xFFFF;
		id = tag >> 16;
		if (id >= 0x8000) { /* named property: GUID, kind, id or name */
			if (n - off < 24)
				return SL_EPARSE;
			kind = rd32(p + off + 16);
			off += 20;
			if (kind == 0) {
				off += 4;
			} else if (kind == 1) {
				skip = rd32(p + off);
				off += 4;
				if (skip > n - off)
					return SL_EPARSE;
				off += skip;
				skip = pad4(skip);
				off += skip < n - off ? skip : n - off;
			} else {
				return SL_EPARSE;
			}
		}
		fixed = fixed_size(type & ~MV_FLAG);
		if (fixed < 0)
			return SL_EPARSE;
		nvals = 1;
		if ((type & MV_FLAG) || fixed == 0) {
			if (n - off < 4)
				return SL_EPARSE;
			nvals = rd32(p + off);
			off += 4;
		}
		for (v = 0; v < nvals; v++) {
			if (fixed > 0) {
				if ((size_t)fixed > n - off)
					return SL_EPARSE;
				off += (size_t)fixed;
				continue;
			}
			if (n - off < 4)
				return SL_EPARSE;
			vlen = rd32(p + off);
			off += 4;
			if (vlen > n - off)
				return SL_EPARSE;
			if (v == 0 && !(type & MV_FLAG))
				mapi_value(a, id, type, p + off, vlen);
			off += vlen;
			skip = pad4(vlen);
			off += skip < n - off ? skip : n - off;
		}
	}
	return SL_OK;
}

/* Completes the open attachment: long name, else title, else 8.3 property. */
static int tnef_emit(struct found *f, struct tnef_att *a, uint32_t codepage)
{
	struct fbuf b = { 0 };
	char *name;
	int rc;

	if (!a->open)
		return SL_OK;
	name = span_name(&a->longname, codepage);
	if (name == NULL)
		name = span_name(&a->title, codepage);
	if (name == NULL)
		name = span_name(&a->shortname, codepage);
	rc = a->data.set ? fbuf_add(f, &b, a->data.p, a->data.n) : SL_OK;
	if (rc < 0) {
		free(name);
		goto out;
	}
	rc = found_take(f, name, &b, 0, 0);
out:
	memset(a, 0, sizeof(*a));
	return rc;
}

int sl_tnef_is(const unsigned char *p, size_t len)
{
	return p != NULL && len >= 4 && rd32(p) == TNEF_SIGNATURE;
}

int sl_tnef_extract(const unsigned char *p, size_t len, size_t max_files, size_t max_bytes,
		    struct sl_extract_list *out, char **why)
{
	struct found f = { .max_files = max_files, .max_bytes = max_bytes };
	struct tnef_att a;
	const unsigned char *data;
	size_t off = 6, at, alen, i;
	uint32_t id, codepage = 0;
	unsigned level;
	int rc = SL_OK, badprops = 0;

	memset(&a, 0, sizeof(a));
	if (!sl_tnef_is(p, len) || len < 6) {
		rc = SL_EPARSE;
		set_why(why, sl_xasprintf("tnef: no TNEF signature"));
		goto out;
	}
	while (off < len) {
		at = off;
		if (len - off < 9) {
			for (i = off; i < len && p[i] == 0; i++)
				;
			if (i == len)
				break; /* zero padding at the end */
			rc = SL_EPARSE;
			set_why(why, sl_xasprintf("tnef: truncated attribute at offset %zu", at));
			goto out;
		}
		level = p[off];
		id = rd32(p + off + 1);
		alen = rd32(p + off + 5);
		off += 9;
		if (alen > len - off || len - off - alen < 2) {
			rc = SL_EPARSE;
			set_why(why, sl_xasprintf("tnef: attribute 0x%08x at offset %zu: length %zu is "
						  "past the end", (unsigned)id, at, alen));
			goto out;
		}
		if (level != 1 && level != 2) {
			rc = SL_EPARSE;
			set_why(why, sl_xasprintf("tnef: bad attribute level %u at offset %zu", level, at));
			goto out;
		}
		data = p + off;
		off += alen + 2; /* the checksum is not checked: a mismatch is tolerated */

		switch (id) {
		case ATT_OEM_CODEPAGE:
			if (alen >= 4)
				codepage = rd32(data);
			break;
		case ATT_ATTACH_RENDDATA:
			rc = tnef_emit(&f, &a, codepage);
			if (rc < 0)
				goto toobig;
			a.open = 1;
			break;
		case ATT_ATTACH_TITLE:
			a.open = 1;
			a.title = (struct span){ data, alen, 1, 0 };
			break;
		case ATT_ATTACH_DATA:
			a.open = 1;
			a.data = (struct span){ data, alen, 1, 0 };
			break;
		case ATT_ATTACHMENT:
			a.open = 1;
			if (mapi_props(&a, data, alen) < 0)
				badprops++;
			break;
		default:
			break;
		}
	}
	rc = tnef_emit(&f, &a, codepage);
	if (rc < 0)
		goto toobig;
	if (badprops > 0) {
		rc = SL_EPARSE;
		set_why(why, sl_xasprintf("tnef: %d malformed MAPI property list(s)", badprops));
	}
	goto out;
toobig:
	set_why(why, sl_xasprintf("tnef: attachment %zu is past the limit of %zu files or %zu bytes",
				  f.n + 1, max_files, max_bytes));
out:
	if (rc == SL_EPARSE)
		tnef_emit(&f, &a, codepage); /* keep what the stream held before the damage */
	found_flush(&f, out);
	return rc;
}
