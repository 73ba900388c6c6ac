/* notice - see notice.h. */
#include <glib.h>
#include <gmime/gmime.h>

#include "notice.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hdrblock.h"
#include "util.h"

#define MSG_ID_MAX 250 /* bytes of one msg-id, brackets included */

static GOnce gmime_once = G_ONCE_INIT;

static gpointer init_gmime(gpointer unused)
{
	g_mime_init();
	return NULL;
}

/* What the agent reads instead of a reference when nothing was kept (a dry run). */
#define NOT_KEPT "The original was not kept (dry run): there is nothing to release."

static const char *nl(const struct sl_msg *m)
{
	return m->crlf ? "\r\n" : "\n";
}

/* Appends prefix + escaped s + eol. */
static void add_escaped_line(struct sl_buf *b, const char *prefix, const char *s, size_t max, unsigned flags,
			     const char *eol)
{
	char *e = sl_escape_text_len(s, strlen(s), max, flags);
	sl_buf_printf(b, "%s%s%s", prefix, e, eol);
	free(e);
}

/* ---- the removal notice --------------------------------------------------- */

/* The body of the notice for target: its lines, escaped, each ended by eol. */
static char *removal_body(const struct sl_msg *m, int target, const char *ref, unsigned flags, const char *eol)
{
	const struct sl_part *p = &m->parts[target];
	const char *name = p->filename ? p->filename : p->alt_filename;
	struct sl_buf b;
	size_t i, nreasons = 0, more = 0;

	sl_buf_init(&b, 0);
	if (name != NULL) {
		char *e = sl_escape_text_len(name, strlen(name), SL_ESCAPE_NAME_MAX, flags);
		sl_buf_printf(&b, "sluice removed the attachment \"%s\" from this message.%s", e, eol);
		free(e);
	} else {
		sl_buf_printf(&b, "sluice removed a part from this message.%s", eol);
	}
	if (p->detected_desc != NULL)
		add_escaped_line(&b, "What it really is: ", p->detected_desc, SL_ESCAPE_DETAIL_MAX, flags, eol);
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		const struct sl_part *fp;
		char *why;
		if (f->part < 0 || f->action != SL_ACT_REMOVE || sl_msg_mime_ancestor(m, f->part) != target)
			continue;
		if (nreasons == SL_NOTICE_MAX_REASONS) {
			more++;
			continue;
		}
		nreasons++;
		fp = &m->parts[f->part];
		if (f->part != target)
			why = sl_xasprintf("inside it, %s: %s", fp->filename ? fp->filename : fp->id, f->detail);
		else
			why = sl_xstrdup(f->detail);
		add_escaped_line(&b, "Why: ", why, SL_ESCAPE_DETAIL_MAX, flags, eol);
		free(why);
	}
	if (more > 0)
		sl_buf_printf(&b, "Why: %zu more reasons (a supervisor sees them all).%s", more, eol);
	if (m->reference == NULL)
		sl_buf_printf(&b, "%s%s", NOT_KEPT, eol);
	else
		sl_buf_printf(&b, "Reference: %s/%s (a supervisor can look it up and release it).%s", ref, p->id,
			      eol);
	return sl_buf_take(&b);
}

static GMimeFormatOptions *format_for(const struct sl_msg *m)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, m->crlf ? GMIME_NEWLINE_FORMAT_DOS : GMIME_NEWLINE_FORMAT_UNIX);
	return fo;
}

/* A text/plain part holding UTF-8 text (LF line ends): 7bit when it is ASCII,
 * quoted-printable otherwise. */
static GMimePart *text_part(const char *text)
{
	size_t len = strlen(text);
	int ascii = sl_is_ascii(text, len);
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(GMIME_PART(tp), dw);
	g_mime_text_part_set_charset(tp, ascii ? "us-ascii" : "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(tp), ascii ? GMIME_CONTENT_ENCODING_7BIT
								 : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(dw);
	g_object_unref(st);
	return GMIME_PART(tp);
}

char *sl_notice_part(const struct sl_msg *m, int target, const char *ref, int with_headers)
{
	GMimeFormatOptions *fo;
	GMimePart *part;
	char *body, *hdr, *s, *r;

	if (!with_headers)
		return removal_body(m, target, ref, SL_ESCAPE_ASCII, nl(m));
	g_once(&gmime_once, init_gmime, NULL);
	body = removal_body(m, target, ref, 0, "\n"); /* GMime writes the message's line ends */
	part = text_part(body);
	g_mime_object_set_disposition(GMIME_OBJECT(part), "inline");
	hdr = sl_xasprintf("%s/%s", ref, m->parts[target].id);
	g_mime_object_append_header(GMIME_OBJECT(part), "X-Sluice-Removed", hdr, NULL);
	fo = format_for(m);
	s = g_mime_object_to_string(GMIME_OBJECT(part), fo);
	r = sl_xstrdup(s);
	g_free(s);
	g_mime_format_options_free(fo);
	g_object_unref(part);
	free(hdr);
	free(body);
	return r;
}

char *sl_notice_uuencode(const struct sl_msg *m, int uu, const char *detail, const char *ref)
{
	const struct sl_part *u = &m->parts[uu];
	char *name = sl_escape_text_len(u->filename ? u->filename : "", u->filename ? strlen(u->filename) : 0,
					SL_ESCAPE_NAME_MAX, SL_ESCAPE_ASCII);
	char *why = sl_escape_text_len(detail, strlen(detail), SL_ESCAPE_DETAIL_MAX, SL_ESCAPE_ASCII);
	char *r = m->reference == NULL
			  ? sl_xasprintf("[sluice removed the uuencoded file \"%s\": %s. %s]%s", name, why, NOT_KEPT, nl(m))
			  : sl_xasprintf("[sluice removed the uuencoded file \"%s\": %s. Reference: %s/%s]%s", name, why,
					 ref, u->id, nl(m));
	free(name);
	free(why);
	return r;
}

/* ---- the placeholder ------------------------------------------------------ */

static int atext(unsigned char c)
{
	return g_ascii_isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Length of 1*atext *("." 1*atext) at p, 0 if none. */
static size_t dot_atom(const char *p)
{
	size_t n = 0;
	for (;;) {
		size_t start = n;
		while (atext((unsigned char)p[n]))
			n++;
		if (n == start)
			return 0;
		if (p[n] != '.' || !atext((unsigned char)p[n + 1]))
			return n;
		n++;
	}
}

/* Length of the msg-id at p: "<" dot-atom-text "@" (dot-atom-text or
 * no-fold-literal) ">" (RFC 5322 3.6.4, no obsolete forms), at most
 * MSG_ID_MAX bytes; 0 when there is none. */
static size_t msg_id_len(const char *p)
{
	size_t n = 1, k;
	if (p[0] != '<')
		return 0;
	k = dot_atom(p + n);
	if (k == 0 || p[n + k] != '@')
		return 0;
	n += k + 1;
	if (p[n] == '[') {
		for (n++; p[n] >= 33 && p[n] <= 126 && p[n] != '[' && p[n] != ']' && p[n] != '\\'; n++)
			;
		if (p[n] != ']')
			return 0;
		n++;
	} else {
		k = dot_atom(p + n);
		if (k == 0)
			return 0;
		n += k;
	}
	if (p[n] != '>')
		return 0;
	n++;
	return n <= MSG_ID_MAX ? n : 0;
}

/* The valid msg-ids of a field value, blank-separated; past max, the first
 * one and the last max-1 ones. Anything else in the value is dropped. NULL
 * when none is valid. */
static char *msg_ids(const char *v, size_t max)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	struct sl_buf b;
	size_t i;

	while (v != NULL && *v) {
		size_t n;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			break;
		n = msg_id_len(v);
		if (n > 0 && (v[n] == '\0' || v[n] == ' ' || v[n] == '\t' || v[n] == '<')) {
			g_ptr_array_add(ids, g_strndup(v, n));
			v += n;
			continue;
		}
		while (*v && *v != ' ' && *v != '\t')
			v++; /* not a msg-id: skip the word */
	}
	sl_buf_init(&b, 0);
	for (i = 0; i < ids->len; i++) {
		if (ids->len > max && i > 0 && i < ids->len - (max - 1))
			continue;
		if (b.len)
			sl_buf_addstr(&b, " ");
		sl_buf_addstr(&b, g_ptr_array_index(ids, i));
	}
	g_ptr_array_free(ids, TRUE);
	if (b.len == 0) {
		sl_buf_free(&b);
		return NULL;
	}
	return sl_buf_take(&b);
}

/* An address sluice writes as it is: local@domain in letters, digits and the
 * atext specials (UTF-8 allowed), one '@', no quoting, comments or literals. */
static int plain_addr(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	const unsigned char *p;
	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL || strlen(a) > 254 ||
	    !g_utf8_validate(a, -1, NULL))
		return 0;
	for (p = (const unsigned char *)a; *p; p++)
		if (*p < 0x80 && *p != '@' && *p != '.' && !atext(*p))
			return 0;
	return a[0] != '.' && at[-1] != '.' && at[1] != '.';
}

/* Copies the mailboxes of src (groups flattened) whose addresses are plain,
 * with escaped display names, into dst. */
static void copy_mailboxes(InternetAddressList *src, InternetAddressList *dst, int *count)
{
	int i, n = internet_address_list_length(src);
	for (i = 0; i < n && *count < SL_NOTICE_MAX_ADDRESSES; i++) {
		InternetAddress *a = internet_address_list_get_address(src, i);
		const char *addr, *name;
		char *esc = NULL;
		InternetAddress *mb;
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			copy_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), dst, count);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		if (!plain_addr(addr))
			continue;
		name = internet_address_get_name(a);
		if (name != NULL && *name != '\0')
			esc = sl_escape_text(name, SL_ESCAPE_NAME_MAX);
		mb = internet_address_mailbox_new(esc != NULL && *esc != '\0' ? esc : NULL, addr);
		internet_address_list_add(dst, mb);
		g_object_unref(mb);
		free(esc);
		(*count)++;
	}
}

static void set_addresses(GMimeMessage *msg, const struct sl_msg *m, const char *field, GMimeAddressType type)
{
	char *v = sl_hdr_value(m->raw, m->raw_len, field);
	InternetAddressList *l;
	int count = 0;
	if (v == NULL)
		return;
	l = internet_address_list_parse(NULL, v);
	if (l != NULL) {
		copy_mailboxes(l, g_mime_message_get_addresses(msg, type), &count);
		g_object_unref(l);
	}
	free(v);
}

static void set_msg_ids(GMimeMessage *msg, const struct sl_msg *m, const char *field, size_t max)
{
	char *v = sl_hdr_value(m->raw, m->raw_len, field);
	char *ids = msg_ids(v, max);
	if (ids != NULL)
		g_mime_object_append_header(GMIME_OBJECT(msg), field, ids, NULL);
	free(ids);
	free(v);
}

/* The identifying header fields of m, parsed, decoded and sanitised. */
static void set_identity(GMimeMessage *msg, const struct sl_msg *m)
{
	char *v;
	GDateTime *date = NULL;

	set_addresses(msg, m, "From", GMIME_ADDRESS_TYPE_FROM);
	set_addresses(msg, m, "Reply-To", GMIME_ADDRESS_TYPE_REPLY_TO);
	set_addresses(msg, m, "To", GMIME_ADDRESS_TYPE_TO);
	set_addresses(msg, m, "Cc", GMIME_ADDRESS_TYPE_CC);
	v = sl_hdr_value(m->raw, m->raw_len, "Subject");
	if (v != NULL) {
		char *dec = g_mime_utils_header_decode_text(NULL, v);
		char *esc = sl_escape_text(dec ? dec : v, SL_ESCAPE_NAME_MAX);
		g_mime_message_set_subject(msg, esc, "utf-8");
		free(esc);
		g_free(dec);
		free(v);
	}
	v = sl_hdr_value(m->raw, m->raw_len, "Date");
	if (v != NULL)
		date = g_mime_utils_header_decode_date(v);
	free(v);
	if (date == NULL)
		date = g_date_time_new_now_utc();
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	/* Exactly one valid msg-id, or no Message-ID at all. */
	v = sl_hdr_value(m->raw, m->raw_len, "Message-ID");
	if (v != NULL && *v != '\0' && msg_id_len(v) == strlen(v)) {
		v[strlen(v) - 1] = '\0';
		g_mime_message_set_message_id(msg, v + 1);
	}
	free(v);
	set_msg_ids(msg, m, "In-Reply-To", SL_NOTICE_MAX_REFERENCES);
	set_msg_ids(msg, m, "References", SL_NOTICE_MAX_REFERENCES);
}

/* ---- the placeholder template -------------------------------------------- */

enum tpl_field { F_TEXT, F_SENDER, F_SUBJECT, F_DATE, F_REASONS, F_REFERENCE, F_CONTACT };

static const char *const field_names[] = { NULL, "sender", "subject", "date", "reasons", "reference", "contact" };

struct tpl_piece {
	enum tpl_field field;
	char *text; /* F_TEXT only */
};

struct sl_notice_template {
	struct tpl_piece *v;
	size_t n;
	char *contact;
};

/* The built-in template: conf/placeholder.txt holds the same text (a unit
 * test keeps the two equal). */
static const char builtin_template[] =
	"sluice held this message for review: it is in the quarantine, unchanged.\n"
	"A supervisor can release it after checking it.\n"
	"\n"
	"From: {sender}\n"
	"Subject: {subject}\n"
	"Date: {date}\n"
	"\n"
	"Why:\n"
	"{reasons}\n"
	"\n"
	"Reference: {reference}\n"
	"{contact}\n";

#define TEMPLATE_MAX (64 * 1024)

static void add_piece(GArray *a, enum tpl_field f, const char *text, size_t len)
{
	struct tpl_piece pc = { f, NULL };
	if (f == F_TEXT) {
		if (len == 0)
			return;
		pc.text = sl_xstrndup(text, len);
	}
	g_array_append_val(a, pc);
}

int sl_notice_template_parse(const char *text, size_t len, const char *file, const char *contact,
			     struct sl_notice_template **out, char **why)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct tpl_piece));
	struct sl_buf lit;
	size_t i = 0;
	unsigned line = 1;
	int has_ref = 0, rc = SL_ECONFIG;

	*out = NULL;
	sl_buf_init(&lit, 0);
	if (len > TEMPLATE_MAX) {
		*why = sl_xasprintf("%s: the placeholder template is larger than %d bytes", file, TEMPLATE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL || !g_utf8_validate(text, (gssize)len, NULL)) {
		*why = sl_xasprintf("%s: the placeholder template is not UTF-8 text", file);
		goto out;
	}
	while (i < len) {
		char c = text[i];
		if (c == '\r' && i + 1 < len && text[i + 1] == '\n') {
			i++; /* CRLF -> LF: the writer chooses the line ends */
			continue;
		}
		if (c == '\n')
			line++;
		if ((c == '{' || c == '}') && i + 1 < len && text[i + 1] == c) {
			sl_buf_add(&lit, &c, 1); /* "{{" and "}}" */
			i += 2;
			continue;
		}
		if (c == '{') {
			const char *close = memchr(text + i, '}', len - i);
			size_t k, nlen = close ? (size_t)(close - (text + i + 1)) : 0;
			enum tpl_field f = F_TEXT;
			for (k = 1; close != NULL && k < G_N_ELEMENTS(field_names); k++)
				if (strlen(field_names[k]) == nlen && memcmp(field_names[k], text + i + 1, nlen) == 0)
					f = (enum tpl_field)k;
			if (f == F_TEXT) {
				char *shown = sl_escape_text_len(text + i, close ? nlen + 2 : 1, 60, 0);
				*why = sl_xasprintf("%s:%u: unknown placeholder %s (known: {sender} {subject} {date} "
						    "{reasons} {reference} {contact}; write {{ for a '{' and }} for a '}')",
						    file, line, shown);
				free(shown);
				goto out;
			}
			add_piece(a, F_TEXT, lit.data, lit.len);
			lit.len = 0;
			add_piece(a, f, NULL, 0);
			has_ref |= f == F_REFERENCE;
			i += nlen + 2;
			continue;
		}
		sl_buf_add(&lit, &c, 1);
		i++;
	}
	if (!has_ref) {
		*why = sl_xasprintf("%s: the placeholder template must name {reference}: it is how a supervisor "
				    "finds the original", file);
		goto out;
	}
	add_piece(a, F_TEXT, lit.data, lit.len);
	*out = sl_xcalloc(1, sizeof(**out));
	(*out)->n = a->len;
	(*out)->v = (struct tpl_piece *)(void *)g_array_free(a, FALSE);
	(*out)->contact = sl_xstrdup(contact ? contact : "");
	a = NULL;
	rc = SL_OK;
out:
	if (a != NULL) {
		for (i = 0; i < a->len; i++)
			free(g_array_index(a, struct tpl_piece, i).text);
		g_array_free(a, TRUE);
	}
	sl_buf_free(&lit);
	return rc;
}

int sl_notice_template_load(const struct sl_config *cfg, struct sl_notice_template **out, char **why)
{
	const char *path = sl_config_str(cfg, "notice.placeholder_template");
	const char *contact = sl_config_str(cfg, "notice.contact");
	char *text = NULL, *w = NULL;
	size_t len = 0;
	int rc;
	if (*path == '\0')
		return sl_notice_template_parse(builtin_template, strlen(builtin_template), "(built-in template)",
						contact, out, why);
	rc = sl_read_file(path, TEMPLATE_MAX, &text, &len, &w);
	if (rc != SL_OK) {
		*out = NULL;
		*why = sl_xasprintf("notice.placeholder_template: %s", w ? w : sl_strerror(rc));
		free(w);
		return SL_ECONFIG;
	}
	rc = sl_notice_template_parse(text, len, path, contact, out, why);
	free(text);
	return rc;
}

struct sl_notice_template *sl_notice_template_free(struct sl_notice_template *t)
{
	size_t i;
	if (t == NULL)
		return NULL;
	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	free(t->contact);
	free(t);
	return NULL;
}

/* The built-in template for callers without a config (tests, fuzzers): no
 * contact line of the operator's. */
static struct sl_notice_template *builtin_with_contact(void)
{
	struct sl_notice_template *t = NULL;
	char *why = NULL;
	if (sl_notice_template_parse(builtin_template, strlen(builtin_template), "(built-in template)",
				     "", &t, &why) != SL_OK)
		abort(); /* the built-in text is ours: a broken invariant */
	return t;
}

/* "- part 1.2: why" lines, escaped, capped, joined by LF (no LF at the end). */
static char *reasons_text(const struct sl_msg *m)
{
	struct sl_buf b;
	size_t i, n = 0, more = 0;

	sl_buf_init(&b, 0);
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		char *e;
		if (f->action == SL_ACT_NONE)
			continue;
		if (n == SL_NOTICE_MAX_FINDINGS) {
			more++;
			continue;
		}
		n++;
		e = sl_escape_text(f->detail, SL_ESCAPE_DETAIL_MAX);
		if (f->part >= 0)
			sl_buf_printf(&b, "%s- part %s: %s", b.len ? "\n" : "", m->parts[f->part].id, e);
		else
			sl_buf_printf(&b, "%s- %s", b.len ? "\n" : "", e);
		free(e);
	}
	if (more > 0)
		sl_buf_printf(&b, "%s- %zu more (a supervisor sees them all)", b.len ? "\n" : "", more);
	if (b.len == 0)
		sl_buf_addstr(&b, "- (no reason was recorded)");
	return sl_buf_take(&b);
}

char *sl_notice_render(const struct sl_notice_template *t, const struct sl_msg *m,
		       const struct sl_notice_fields *f)
{
	struct sl_buf b;
	size_t i;
	sl_buf_init(&b, 0);
	for (i = 0; i < t->n; i++) {
		const char *v = NULL;
		char *e;
		switch (t->v[i].field) {
		case F_TEXT:
			sl_buf_addstr(&b, t->v[i].text);
			continue;
		case F_REASONS:
			e = reasons_text(m);
			sl_buf_addstr(&b, e);
			free(e);
			continue;
		case F_SENDER: v = f->sender; break;
		case F_SUBJECT: v = f->subject; break;
		case F_DATE: v = f->date; break;
		case F_REFERENCE: v = f->reference; break;
		case F_CONTACT:
			if (*t->contact == '\0')
				continue; /* the operator has nothing to add */
			v = t->contact;
			break;
		}
		e = sl_escape_text(v != NULL && *v != '\0' ? v : "(none)", SL_ESCAPE_DETAIL_MAX);
		sl_buf_addstr(&b, e);
		free(e);
	}
	return sl_buf_take(&b);
}

/* The first mailbox of From as "Name <addr>" or "addr", or NULL. */
static char *first_sender(const struct sl_msg *m)
{
	char *v = sl_hdr_value(m->raw, m->raw_len, "From"), *r = NULL;
	InternetAddressList *l = v ? internet_address_list_parse(NULL, v) : NULL;
	int i, n = l ? internet_address_list_length(l) : 0;
	for (i = 0; i < n && r == NULL; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		const char *addr, *name;
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		name = internet_address_get_name(a);
		if (addr == NULL || *addr == '\0')
			continue;
		r = name != NULL && *name ? sl_xasprintf("%s <%s>", name, addr) : sl_xstrdup(addr);
	}
	if (l != NULL)
		g_object_unref(l);
	free(v);
	return r;
}

static char *placeholder_body(const struct sl_msg *m, const struct sl_notice_template *tpl, const char *ref,
			      GDateTime *date)
{
	struct sl_notice_template *builtin = NULL;
	struct sl_notice_fields f = { 0 };
	char *sender, *subject = NULL, *raw, *when, *body;

	if (m->reference == NULL) {
		/* A dry run: nothing to release, so no template (it names a reference). */
		char *reasons = reasons_text(m);
		body = sl_xasprintf("sluice held this message for review (dry run: the original was not kept).\n\n"
				    "Why:\n%s\n\n%s\n", reasons, NOT_KEPT);
		free(reasons);
		return body;
	}
	if (tpl == NULL)
		tpl = builtin = builtin_with_contact();
	sender = first_sender(m);
	raw = sl_hdr_value(m->raw, m->raw_len, "Subject");
	if (raw != NULL) {
		subject = g_mime_utils_header_decode_text(NULL, raw);
		free(raw);
	}
	when = date != NULL ? g_date_time_format(date, "%a, %d %b %Y %H:%M:%S %z") : NULL;
	f.sender = sender;
	f.subject = subject;
	f.date = when;
	f.reference = ref;
	body = sl_notice_render(tpl, m, &f);
	g_free(when);
	g_free(subject);
	free(sender);
	sl_notice_template_free(builtin);
	return body;
}

char *sl_notice_placeholder_with(const struct sl_msg *m, const struct sl_notice_template *tpl, const char *ref,
				 size_t *len)
{
	GMimeMessage *msg;
	GMimePart *part;
	GMimeFormatOptions *fo;
	GDateTime *date;
	char *body, *s, *r, *verdict;

	g_once(&gmime_once, init_gmime, NULL);
	msg = g_mime_message_new(FALSE);
	set_identity(msg, m);
	verdict = sl_xasprintf("%s (%s)", sl_verdict_name(m->verdict), ref);
	g_mime_object_prepend_header(GMIME_OBJECT(msg), "X-Sluice-Verdict", verdict, NULL);
	date = g_mime_message_get_date(msg); /* the original's when it parses */
	body = placeholder_body(m, tpl, ref, date);
	part = text_part(body);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	fo = format_for(m);
	s = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	*len = strlen(s);
	r = sl_xstrndup(s, *len);
	g_free(s);
	g_mime_format_options_free(fo);
	g_object_unref(part);
	g_object_unref(msg);
	free(body);
	free(verdict);
	return r;
}

char *sl_notice_placeholder(const struct sl_msg *m, const char *ref, size_t *len)
{
	return sl_notice_placeholder_with(m, NULL, ref, len);
}

/* ---- texts for other channels (WhatsApp) ----------------------------------- */

char *sl_notice_removed_text(const struct sl_msg *m, int target, const char *ref)
{
	return removal_body(m, target, ref, 0, "\n");
}

char *sl_notice_held_text(const struct sl_msg *m, const char *ref, const char *who, const char *when)
{
	struct sl_buf b;
	char *w = sl_escape_text(who ? who : "", SL_ESCAPE_NAME_MAX);
	char *t = sl_escape_text(when ? when : "", SL_ESCAPE_NAME_MAX);
	char *reasons = reasons_text(m);

	sl_buf_init(&b, 0);
	sl_buf_printf(&b, "%s wrote at %s. ", *w ? w : "The customer", *t ? t : "an unknown time");
	sl_buf_addstr(&b, m->reference != NULL
				  ? "sluice held the message for review: it is in the quarantine, unchanged.\n"
				    "A supervisor can release it after checking it; the customer is waiting for an "
				    "answer.\n"
				  : "sluice held the message for review (dry run: the original was not kept).\n");
	sl_buf_printf(&b, "\nWhy:\n%s\n", reasons);
	if (m->reference != NULL)
		sl_buf_printf(&b, "\nReference: %s\n", ref);
	else
		sl_buf_printf(&b, "\n%s\n", NOT_KEPT);
	free(reasons);
	free(w);
	free(t);
	return sl_buf_take(&b);
}
