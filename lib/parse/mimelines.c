/* mimelines - see mimelines.h. */
#include <glib.h>

#include "mimelines.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "util.h"

static size_t field_name(const unsigned char *p, size_t n);

/* GMime's blanks after a delimiter: \f and \v are not among them. */
static int is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int all_lwsp(const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!is_lwsp(p[i]))
			return 0;
	return 1;
}

/* The line t[0..n) starts with s[0..len) in any case. */
static int starts_ci(const unsigned char *t, size_t n, const char *s, size_t len)
{
	return len > 0 && n >= len && g_ascii_strncasecmp((const char *)t, s, len) == 0;
}

static size_t cut(size_t len)
{
	return len > SL_MIMELINES_BOUNDARY_MAX ? SL_MIMELINES_BOUNDARY_MAX : len;
}

/* The text t[0..n) after "--" starts with one of the readings other than
 * skip (compared without case, each cut at the RFC maximum). */
static int starts_with_reading(const unsigned char *t, size_t n, char *const *readings,
			       size_t nreadings, const char *skip)
{
	size_t k;
	for (k = 0; k < nreadings; k++)
		if ((skip == NULL || strcmp(readings[k], skip) != 0) &&
		    starts_ci(t, n, readings[k], cut(strlen(readings[k]))))
			return 1;
	return 0;
}

/*
 * The next "--" in buf[pos, to) that follows `after` (a line start: LF, or
 * `from` itself), or NULL. Found by its '-': base64 bodies, most of the bytes
 * of a message, hold none, so a line-by-line walk would cost far more.
 */
static const unsigned char *next_dashes(const unsigned char *buf, size_t from, size_t pos,
					size_t to, unsigned char after)
{
	const unsigned char *p = buf + pos, *end = buf + to;
	while (p < end && (p = memchr(p, '-', (size_t)(end - p))) != NULL) {
		if (end - p >= 2 && p[1] == '-' &&
		    (after == '\n' ? (p == buf + from || p[-1] == '\n')
				   : (p > buf + from && p[-1] == after)))
			return p;
		p++;
	}
	return NULL;
}

/* The line t[0..n) is `b` (any case) followed only by blanks or by "--" and blanks. */
static int boundary_line(const unsigned char *t, size_t n, const char *b)
{
	size_t blen = strlen(b);
	if (blen == 0 || n < blen || g_ascii_strncasecmp((const char *)t, b, blen) != 0)
		return 0;
	t += blen;
	n -= blen;
	if (n >= 2 && t[0] == '-' && t[1] == '-') {
		t += 2;
		n -= 2;
	}
	return all_lwsp(t, n);
}

/*
 * The first line of buf[from, to) that starts with one '-' and has the
 * boundary (or a reading of it) one to three bytes in, alone on the line or
 * closed ("-Xyz", "-)-Xyz", "- Xyz--"): ripmime and ClamAV take it for a
 * delimiter, GMime does not. -1 when there is none.
 */
static int64_t one_dash_delimiter(const unsigned char *buf, size_t from, size_t to,
				  const char *boundary, char *const *readings, size_t nreadings)
{
	const unsigned char *p = buf + from, *end = buf + to;
	while (p < end && (p = memchr(p, '-', (size_t)(end - p))) != NULL) {
		if ((p == buf + from || p[-1] == '\n') && (end - p < 2 || p[1] != '-')) {
			const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
			size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p), off, k;
			for (off = 1; off <= 3 && off < n; off++) {
				if (boundary_line(p + off, n - off, boundary))
					return (int64_t)(p - buf);
				for (k = 0; k < nreadings; k++)
					if (boundary_line(p + off, n - off, readings[k]))
						return (int64_t)(p - buf);
			}
		}
		p++;
	}
	return -1;
}

void sl_mimelines_delimiters(const unsigned char *buf, size_t from, size_t to, const char *boundary,
			     char *const *readings, size_t nreadings, struct sl_delim_scan *out)
{
	int64_t one;
	size_t blen = strlen(boundary), pos = from;
	const unsigned char *line;

	out->close_start = out->close_end = out->near = out->reopened = -1;
	while ((line = next_dashes(buf, from, pos, to, '\n')) != NULL) {
		const unsigned char *eol = memchr(line, '\n', (size_t)(buf + to - line));
		size_t llen = eol ? (size_t)(eol - line) : (size_t)(buf + to - line);
		size_t at = (size_t)(line - buf), next = at + llen + (eol ? 1 : 0);
		const unsigned char *t = line + 2;
		size_t tl = llen - 2;
		int same = tl >= blen && memcmp(t, boundary, blen) == 0, near = 0;
		int close = same && tl >= blen + 2 && t[blen] == '-' && t[blen + 1] == '-' &&
			    all_lwsp(t + blen + 2, tl - blen - 2);
		int open = same && !close && all_lwsp(t + blen, tl - blen);

		if (close) {
			if (out->close_start < 0) {
				out->close_start = (int64_t)at;
				out->close_end = (int64_t)next;
			} else if (out->reopened < 0) {
				out->reopened = (int64_t)at;
			}
		} else if (open) {
			if (out->close_start >= 0 && out->reopened < 0)
				out->reopened = (int64_t)at;
		} else {
			near = starts_ci(t, tl, boundary, cut(blen)) ||
			       starts_with_reading(t, tl, readings, nreadings, boundary);
		}
		if (near && out->near < 0)
			out->near = (int64_t)at;
		pos = next;
	}
	one = one_dash_delimiter(buf, from, to, boundary, readings, nreadings);
	if (one >= 0 && (out->near < 0 || one < out->near))
		out->near = one;
}

int64_t sl_mimelines_find_delimiter(const unsigned char *buf, size_t from, size_t to,
				    char *const *readings, size_t nreadings)
{
	size_t pos = from;
	const unsigned char *line;
	while ((line = next_dashes(buf, from, pos, to, '\n')) != NULL) {
		const unsigned char *eol = memchr(line, '\n', (size_t)(buf + to - line));
		size_t llen = eol ? (size_t)(eol - line) : (size_t)(buf + to - line);
		if (starts_with_reading(line + 2, llen - 2, readings, nreadings, NULL))
			return (int64_t)(line - buf);
		pos = (size_t)(line - buf) + llen;
	}
	return -1;
}

/* Line l[0..n) is "--B" (B printable ASCII or 8-bit bytes -- ripmime compares
 * bytes -- without quotes or backslashes, at most 200 bytes, no closing
 * "--"): the length of B, else 0. */
static size_t delimiter_like(const unsigned char *l, size_t n)
{
	size_t i;
	if (n < 3 || l[0] != '-' || l[1] != '-')
		return 0;
	while (n > 2 && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	for (i = 2; i < n; i++)
		if (l[i] < 0x20 || l[i] == 0x7f || l[i] == '"' || l[i] == '\\')
			return 0;
	if (n - 2 > 200 || (n >= 4 && l[n - 1] == '-' && l[n - 2] == '-'))
		return 0;
	return n - 2;
}

/* The line l[0..n) is a Content-* header field, or one ripmime takes for
 * one ("X-Content-Type: ...", sl_mimelines_odd_field). */
static int content_field(const unsigned char *l, size_t n)
{
	size_t pos = 0, vlen;
	const unsigned char *v;
	int which;
	if (n >= 8 && g_ascii_strncasecmp((const char *)l, "content-", 8) == 0 && field_name(l, n) > 0)
		return 1;
	return sl_mimelines_odd_field(l, &pos, n, &which, &v, &vlen);
}

unsigned char *sl_mimelines_quoted_mail(const unsigned char *p, size_t n, size_t *len)
{
	size_t pos = 0, para = 0, peel = 0, blen = 0, end, k;
	const unsigned char *bnd = NULL, *prev = NULL;
	size_t prevlen = 0;
	int found = 0;
	struct sl_buf b;

	/* Binary content too: ripmime reads lines of anything, NULs and all. */
	while (pos < n) {
		const unsigned char *l = p + pos, *eol = memchr(l, '\n', n - pos);
		size_t ll = eol ? (size_t)(eol - l) : n - pos;
		if (ll == 0 || (ll == 1 && l[0] == '\r')) {
			para = pos + ll + 1;
		} else if (content_field(l, ll)) {
			if (prev != NULL && (blen = delimiter_like(prev, prevlen)) > 0) {
				bnd = prev + 2;
				break; /* a delimiter line, then part headers */
			}
			if (!found)
				peel = para;
			found = 1;
		}
		prev = l;
		prevlen = ll;
		pos += ll + (eol ? 1 : 0);
	}
	sl_buf_init(&b, 0);
	if (bnd != NULL) {
		/* The boundary ripmime and munpack guess: split the whole content. */
		size_t i;
		int eight = 0;
		for (i = 0; i < blen; i++)
			eight |= bnd[i] >= 0x80;
		if (found)
			/* The Content-* fields of a paragraph before the delimiter,
			 * which ripmime reads as the headers of what it splits: kept
			 * under another name, they are read as fields named almost
			 * like them (their names judged, another type a finding). */
			for (k = peel, end = sl_mimelines_block_end(p, n, peel); k < end && p + k < bnd;) {
				const unsigned char *eol = memchr(p + k, '\n', end - k);
				size_t l = eol ? (size_t)(eol - (p + k)) + 1 : end - k;
				if (content_field(p + k, l)) {
					sl_buf_addstr(&b, "X-Quoted-");
					sl_buf_add(&b, p + k, l);
					if (eol == NULL)
						sl_buf_add(&b, "\n", 1);
				}
				k += l;
			}
		if (!eight) {
			sl_buf_addstr(&b, "Content-Type: multipart/mixed; boundary=\"");
			sl_buf_add(&b, bnd, blen);
			sl_buf_addstr(&b, "\"\n\n");
			sl_buf_add(&b, p, n);
		} else {
			/* GMime reads an 8-bit boundary parameter as text (converted
			 * to UTF-8): it would no longer match the lines' bytes. The
			 * lines that start with "--B" get an ASCII boundary instead. */
			static const char subst[] = "sluice-8bit-boundary";
			sl_buf_addstr(&b, "Content-Type: multipart/mixed; boundary=\"");
			sl_buf_addstr(&b, subst);
			sl_buf_addstr(&b, "\"\n\n");
			for (k = 0; k < n;) {
				const unsigned char *eol = memchr(p + k, '\n', n - k);
				size_t l = eol ? (size_t)(eol - (p + k)) + 1 : n - k;
				if (l >= blen + 2 && p[k] == '-' && p[k + 1] == '-' &&
				    memcmp(p + k + 2, bnd, blen) == 0) {
					sl_buf_addstr(&b, "--");
					sl_buf_addstr(&b, subst);
					sl_buf_add(&b, p + k + 2 + blen, l - 2 - blen);
				} else {
					sl_buf_add(&b, p + k, l);
				}
				k += l;
			}
		}
	} else if (found) {
		/* The paragraph ripmime peels off as the headers of a part: its
		 * field lines. The body starts after the paragraph, or for readers
		 * that end headers at the first line that is no field (munpack) at
		 * such a line after the first field: then from there. */
		size_t body = 0;
		int fields = 0;
		end = sl_mimelines_block_end(p, n, peel);
		for (k = peel; k < end;) {
			const unsigned char *eol = memchr(p + k, '\n', end - k);
			size_t l = eol ? (size_t)(eol - (p + k)) + 1 : end - k;
			size_t at = k;
			int w, odd, blank_line = l == 1 || (l == 2 && p[k] == '\r');
			const unsigned char *v;
			size_t vl;
			/* A Content-* name without its colon is a field to ripmime too. */
			odd = sl_mimelines_odd_field(p, &at, k + l, &w, &v, &vl);
			if (field_name(p + k, l) > 0 || odd) {
				sl_buf_add(&b, p + k, l);
				fields = 1;
			} else if ((p[k] == ' ' || p[k] == '\t') && b.len > 0) {
				sl_buf_add(&b, p + k, l);
			} else if (fields && !blank_line && body == 0) {
				body = k;
			}
			k += l;
		}
		sl_buf_add(&b, "\n", 1);
		if (body == 0)
			body = end;
		sl_buf_add(&b, p + body, n - body);
	} else {
		return NULL;
	}
	*len = b.len;
	return (unsigned char *)sl_buf_take(&b);
}

int64_t sl_mimelines_lone_cr(const unsigned char *buf, size_t from, size_t to, int dashes)
{
	const unsigned char *p = buf + from, *end = buf + to;
	if (dashes) {
		/* A CR followed by "--" is lone by construction. */
		p = next_dashes(buf, from, from, to, '\r');
		return p != NULL ? (int64_t)(p - 1 - buf) : -1;
	}
	while (p < end && (p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] != '\n')
			return (int64_t)(p - buf);
		p++;
	}
	return -1;
}

size_t sl_mimelines_block_end(const unsigned char *buf, size_t len, size_t from)
{
	size_t pos = from;
	while (pos < len) {
		const unsigned char *eol = memchr(buf + pos, '\n', len - pos);
		size_t llen = eol ? (size_t)(eol - (buf + pos)) : len - pos;
		if (eol == NULL)
			return len;
		if (llen == 0 || (llen == 1 && buf[pos] == '\r'))
			return pos + llen + 1;
		pos += llen + 1;
	}
	return len;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

int sl_mimelines_qp_padded(const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;
	while (q < end && (q = memchr(q, '=', (size_t)(end - q))) != NULL) {
		const unsigned char *r = q + 1;
		if (r < end && is_blank(*r)) {
			while (r < end && is_blank(*r))
				r++;
			if (r == end || *r == '\n' || (*r == '\r' && r + 1 < end && r[1] == '\n'))
				return 1;
		}
		q++;
	}
	return 0;
}

size_t sl_mimelines_qp_decode(const unsigned char *p, size_t n, unsigned char **out)
{
	unsigned char *o = sl_xmalloc(n + 1);
	size_t pos = 0, k = 0;

	while (pos < n) {
		const unsigned char *line = p + pos, *eol = memchr(line, '\n', n - pos);
		size_t llen = eol ? (size_t)(eol - line) : n - pos, nl = eol ? 1 : 0, i;
		if (llen > 0 && line[llen - 1] == '\r' && eol != NULL) {
			llen--;
			nl++;
		}
		while (llen > 0 && is_blank(line[llen - 1]))
			llen--; /* transport padding */
		for (i = 0; i < llen; i++) {
			if (line[i] == '=' && i + 1 == llen) {
				nl = 0; /* soft line break */
				break;
			}
			int hi = i + 2 < llen ? g_ascii_xdigit_value(line[i + 1]) : -1;
			int lo = hi >= 0 ? g_ascii_xdigit_value(line[i + 2]) : -1;
			if (line[i] == '=' && lo >= 0) {
				o[k++] = (unsigned char)(hi << 4 | lo);
				i += 2;
			} else {
				o[k++] = line[i];
			}
		}
		if (nl) {
			memcpy(o + k, line + (eol - line) + 1 - nl, nl);
			k += nl;
		}
		pos += (eol ? (size_t)(eol - line) + 1 : n - pos);
	}
	o[k] = '\0';
	*out = o;
	return k;
}

/* Length of the header field name that starts line p[0..n) ("Name:"), 0 if none. */
static size_t field_name(const unsigned char *p, size_t n)
{
	size_t i = 0, len;
	while (i < n && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	len = i;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':' ? len : 0;
}

/* A field mail has. */
static int known_field(const unsigned char *p, size_t len)
{
	static const char *const mail[] = {"from",
					   "to",
					   "cc",
					   "subject",
					   "date",
					   "message-id",
					   "received",
					   "return-path",
					   "reply-to",
					   "sender",
					   "mime-version",
					   "content-type",
					   "content-transfer-encoding",
					   NULL};
	size_t k;
	for (k = 0; mail[k] != NULL; k++)
		if (strlen(mail[k]) == len &&
		    g_ascii_strncasecmp((const char *)p, mail[k], len) == 0)
			return 1;
	return 0;
}

enum sl_mail_kind sl_mimelines_mail_kind(const unsigned char *p, size_t n, enum sl_mail_evidence ev)
{
	enum sl_mail_kind kind = SL_MAIL_MESSAGE;
	size_t pos = 0, lines = 0, hits = 0;

	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		const unsigned char *nl = memchr(p, '\n', n);
		if (nl == NULL)
			return SL_MAIL_NONE;
		pos = (size_t)(nl - p) + 1;
		kind = SL_MAIL_MBOX;
	}
	while (pos < n && lines < 64) {
		const unsigned char *line = p + pos, *nl = memchr(line, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - line) : n - pos, f;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if (line[0] != ' ' && line[0] != '\t') {
			f = field_name(line, len);
			if (f == 0)
				break;
			hits += (size_t)known_field(line, f);
		} else if (lines == 0) {
			break;
		}
		lines++;
		pos += nl ? (size_t)(nl - line) + 1 : n - pos;
		if (ev == SL_MAIL_DECLARED)
			break; /* a header line first is enough */
	}
	if (lines == 0)
		return SL_MAIL_NONE;
	if (ev == SL_MAIL_DECLARED)
		return kind;
	return hits >= 2 ? kind : SL_MAIL_NONE;
}

unsigned char *sl_mimelines_decode(enum sl_cte cte, int qp_done, const unsigned char *body,
				   size_t n, size_t *len, char **name)
{
	unsigned char *data = NULL;
	*name = NULL;
	switch (cte) {
	case SL_CTE_BASE64:
		/* From the raw bytes (GMime's decoder goes a byte at a time and was
		 * most of the parse stage's cost on large attachments). */
		data = sl_xmalloc(n / 4 * 3 + 4);
		*len = sl_base64_decode((const char *)body, n, data);
		data[*len] = '\0';
		return data;
	case SL_CTE_QP:
		/* GMime keeps "= " (a soft break with transport padding) as text. */
		if (qp_done && !sl_mimelines_qp_padded(body, n))
			return NULL;
		*len = sl_mimelines_qp_decode(body, n, &data);
		return data;
	case SL_CTE_UUENCODE: {
		/* "uue" and friends: the body is one uuencoded file. */
		struct sl_extract_list l = {0};
		sl_uu_extract((const char *)body, n, 1, n + 1, &l, NULL);
		if (l.n > 0) {
			data = l.v[0].data;
			*len = l.v[0].len;
			*name = l.v[0].name;
			l.v[0].data = NULL;
			l.v[0].name = NULL;
			data = sl_xrealloc(data, *len + 1);
			data[*len] = '\0';
		}
		sl_extract_list_clear(&l);
		return data;
	}
	case SL_CTE_IDENTITY:
		break;
	}
	return NULL;
}

/* needle (lower case) occurs in t[0..n) without case. */
static int contains_ci(const unsigned char *t, size_t n, const char *needle)
{
	size_t k, len = strlen(needle);
	for (k = 0; k + len <= n; k++)
		if (g_ascii_strncasecmp((const char *)t + k, needle, len) == 0)
			return 1;
	return 0;
}

int sl_mimelines_odd_field(const unsigned char *buf, size_t *pos, size_t to, int *which,
			   const unsigned char **value, size_t *vlen)
{
	static const char *const fields[] = SL_MIMELINES_READING_FIELDS;
	while (*pos < to) {
		const unsigned char *l = buf + *pos, *eol = memchr(l, '\n', to - *pos);
		size_t n = eol ? (size_t)(eol - l) : to - *pos, name = 0, k;
		*pos += eol ? n + 1 : n;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n == 0)
			return 0; /* the blank line that ends the block */
		if (l[0] == ' ' || l[0] == '\t')
			continue; /* a folded line */
		while (name < n && l[name] != ':' && l[name] != ' ' && l[name] != '\t')
			name++;
		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			size_t flen = strlen(fields[k]), v = name;
			if (!contains_ci(l, name, fields[k]))
				continue;
			if (name == flen) {
				/* The field itself ("Content-Type:", "Content-Type :"). */
				while (v < n && (l[v] == ' ' || l[v] == '\t'))
					v++;
				if (v < n && l[v] == ':')
					break;
			}
			if (v < n && l[v] == ':')
				v++;
			while (v < n && (l[v] == ' ' || l[v] == '\t' || l[v] == ':'))
				v++;
			while (n > v && (l[n - 1] == ' ' || l[n - 1] == '\t'))
				n--;
			*which = (int)k;
			*value = l + v;
			*vlen = n - v;
			return 1;
		}
	}
	return 0;
}
