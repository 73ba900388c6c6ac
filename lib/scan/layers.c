/* layers - see layers.h. */
#include <glib.h>

#include "layers.h"

#include <clamav.h>
#include <stdlib.h>
#include <string.h>

#include "cltype.h"
#include "filetype.h"
#include "util.h"

/* One layer ClamAV showed during a scan. */
struct layer {
	int parent;       /* index in layers, -1 for the top */
	unsigned level;
	char *type;       /* CL_TYPE_* */
	char *name;
	size_t size;
	unsigned attrs;
	int part;         /* index in msg->parts when mapped (or made a member), else -1 */
	int inside;       /* nearest ancestor layer that is a part or a member, else -1 */
	int dup;          /* a part with these bytes but for line breaks (ClamAV's second copy), or
			   * for HTML a text part that holds them, else -1 */
	int own_children; /* mapped to a part whose files we unpacked ourselves (TNEF, uuencode) */
	int member;       /* becomes a part of its own below the part it is inside */
	int embedded;     /* a program, script or shortcut inside a document */
	int unexplained;  /* reported as content no part of ours accounts for */
	const char *category; /* typing by bytes and ClamAV's type (static), or NULL */
	char *virname;    /* first detection on this layer itself */
	unsigned char *head;
	size_t head_len;
	char sha256[65];
};

struct sl_layers {
	struct sl_msg *m;
	GArray *layers;   /* struct layer */
	GArray *stack;    /* int: open layers */
	int base_part;    /* part the top layer is, or -1 for the raw message */
	size_t head_bytes, max_members;
	size_t heads;     /* member heads kept, all scans */
	size_t members;   /* member parts made, all scans */
	int limit_noted;
	unsigned within_tries;  /* searches for HTML inside our text parts (bounded work) */
	char *top_virname;
	char *whole_virname;    /* a detection before any layer opened (a file past a size limit) */
};

#define MAX_WITHIN 16

#define L(ls, i) (&g_array_index((ls)->layers, struct layer, (i)))

/* Categories that make a layer inside a part a part of its own. */
static int promotes(const char *c)
{
	static const char *const set[] = { "executable", "script", "shortcut", "installer", "disk_image",
					   "onenote", "archive", NULL };
	size_t i;
	for (i = 0; c != NULL && set[i] != NULL; i++)
		if (strcmp(c, set[i]) == 0)
			return 1;
	return 0;
}

/* Those that, inside a document, make it a document that embeds a program. */
static int embeds(const char *c)
{
	return c != NULL && (strcmp(c, "executable") == 0 || strcmp(c, "script") == 0 ||
			     strcmp(c, "shortcut") == 0);
}

/* Those that no part of ours may leave unaccounted for. */
static int must_explain(const char *c)
{
	return promotes(c) || (c != NULL && (strcmp(c, "html") == 0 || strcmp(c, "document") == 0));
}

static const char *what_is(const char *c)
{
	static const char *const names[][2] = {
		{ "executable", "a program" }, { "script", "a script" }, { "shortcut", "a shortcut" },
		{ "installer", "an installer" }, { "disk_image", "a disk image" },
		{ "onenote", "a OneNote notebook" }, { "archive", "an archive" }, { "html", "HTML" },
		{ "document", "a document" },
	};
	size_t i;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(c, names[i][0]) == 0)
			return names[i][1];
	return c;
}

/* ClamAV hands text parts over with its own line ends: the same text, as far
 * as signatures go, when the bytes agree but for CRs and trailing newlines. */
static int same_text(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < an && a[i] == '\r')
			i++;
		while (j < bn && b[j] == '\r')
			j++;
		if (i == an || j == bn)
			break;
		if (a[i] != b[j])
			return 0;
		i++, j++;
	}
	for (; i < an; i++)
		if (a[i] != '\r' && a[i] != '\n')
			return 0;
	for (; j < bn; j++)
		if (b[j] != '\r' && b[j] != '\n')
			return 0;
	return 1;
}

static int is_text_part(const struct sl_part *p)
{
	return p->declared_type != NULL && strncmp(p->declared_type, "text/", 5) == 0;
}

/* A part sent as lines (text, or any part not in base64): ClamAV's copy of
 * it may differ in line ends only. */
static int sent_as_lines(const struct sl_part *p)
{
	return is_text_part(p) || (p->origin == SL_ORIGIN_MIME && (p->encoding == NULL ||
		strcmp(p->encoding, "base64") != 0));
}

/* The leaf part no layer has claimed yet with exactly these bytes (text:
 * but for CRs and trailing newlines), under part `under` when it is not -1.
 * Sizes first, no hashing. */
static int match_part(struct sl_msg *m, const char *buf, size_t size, int under)
{
	size_t i;
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		int text = 0;
		if (p->is_container || p->av_scanned || p->data == NULL || p->origin == SL_ORIGIN_ARCHIVE)
			continue;
		if (p->size != size) {
			/* CRLF text seen with LF: at most one byte more per line, plus a newline. */
			if (!sent_as_lines(p) || size > p->size + 2 || size + p->size / 2 < p->size)
				continue;
			text = 1;
		}
		if (under >= 0) {
			int a = p->parent;
			while (a >= 0 && a != under)
				a = m->parts[a].parent;
			if (a != under)
				continue;
		}
		if (text ? same_text(p->data, p->size, (const unsigned char *)buf, size)
			 : memcmp(p->data, buf, size) == 0)
			return (int)i;
		if (!text && sent_as_lines(p) && same_text(p->data, p->size, (const unsigned char *)buf, size))
			return (int)i;
	}
	return -1;
}

/* The same bytes but for line breaks anywhere (ClamAV's second copy of the
 * HTML of a multipart/related keeps quoted-printable soft breaks as newlines). */
static int same_but_breaks(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < an && (a[i] == '\r' || a[i] == '\n'))
			i++;
		while (j < bn && (b[j] == '\r' || b[j] == '\n'))
			j++;
		if (i == an || j == bn)
			return i == an && j == bn;
		if (a[i] != b[j])
			return 0;
		i++, j++;
	}
}

/* A part (claimed or not) whose bytes these are but for line breaks. */
static int match_copy(const struct sl_msg *m, const char *buf, size_t size)
{
	size_t i;
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		if (p->is_container || p->data == NULL || p->origin == SL_ORIGIN_ARCHIVE ||
		    size > 2 * p->size + 2 || 2 * size + 2 < p->size)
			continue;
		if (same_but_breaks(p->data, p->size, (const unsigned char *)buf, size))
			return (int)i;
	}
	return -1;
}

/* Bytes without their line breaks (a copy, malloc'd). */
static unsigned char *without_breaks(const unsigned char *p, size_t n, size_t *out)
{
	unsigned char *r = sl_xmalloc(n + 1);
	size_t i, k = 0;
	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			r[k++] = p[i];
	*out = k;
	return r;
}

/* A part of ours that holds these bytes (line breaks aside) within its own:
 * ClamAV cut HTML out of a text/html body that holds more than that HTML. */
static int match_within(const struct sl_msg *m, const char *buf, size_t size)
{
	size_t i, nn, hn;
	unsigned char *needle = without_breaks((const unsigned char *)buf, size, &nn);
	int found = -1;
	for (i = 0; i < m->nparts && found < 0 && nn > 0; i++) {
		const struct sl_part *p = &m->parts[i];
		unsigned char *hay;
		if (p->is_container || p->data == NULL || p->data_len != p->size || p->size < size ||
		    !is_text_part(p))
			continue;
		hay = without_breaks(p->data, p->size, &hn);
		if (memmem(hay, hn, needle, nn) != NULL)
			found = (int)i;
		free(hay);
	}
	free(needle);
	return found;
}

/* Parts whose contents we unpacked ourselves (TNEF, uuencode) need no
 * second, differently cut view of the same files from ClamAV. */
static int has_own_children(const struct sl_msg *m, int part)
{
	size_t k;
	for (k = 0; k < m->nparts; k++)
		if (m->parts[k].parent == part &&
		    (m->parts[k].origin == SL_ORIGIN_TNEF || m->parts[k].origin == SL_ORIGIN_UUENCODE))
			return 1;
	return 0;
}

/* An OLE Package stream (Ole10Native): a 32-bit size, the value 2, then the
 * label and the original path of the embedded file, NUL-terminated. What
 * those names make it (a script, a shortcut...), or NULL. */
static const char *package_category(const unsigned char *p, size_t n)
{
	size_t i = 6, k;
	if (n < 8 || p[4] != 2 || p[5] != 0)
		return NULL;
	for (k = 0; k < 2; k++) {
		size_t start = i;
		char *name;
		const char *c;
		while (i < n && i - start < 1024 && p[i] != 0)
			i++;
		if (i >= n || p[i] != 0)
			return NULL;
		name = sl_xstrndup((const char *)p + start, i - start);
		c = sl_filetype_category(NULL, NULL, NULL, 0, 0, name);
		free(name);
		if (promotes(c))
			return c;
		i++;
	}
	return NULL;
}

/* What a layer is, from its bytes (head of n bytes of size), its name and
 * ClamAV's type: no libmagic (the bytes ClamAV types are most of what it
 * shows, and most of it is text). */
static const char *layer_category(const struct layer *l, const struct layer *parent,
				  const unsigned char *p, size_t n)
{
	const char *c = sl_filetype_category(NULL, NULL, p, n, l->size, l->name);
	const char *t = sl_cltype_category(l->type);
	if (!promotes(c) && parent != NULL && strcmp(parent->type, "CL_TYPE_MSOLE2") == 0) {
		const char *pkg = package_category(p, n);
		if (pkg != NULL)
			c = pkg;
	}
	if (promotes(c))
		return c;
	if (t != NULL)
		return t;
	if (c != NULL && strcmp(c, "ole2") == 0)
		return "document";
	return c; /* "html" by name, or NULL */
}

struct sl_layers *sl_layers_new(struct sl_msg *m, int base_part, size_t head_bytes, size_t max_members)
{
	struct sl_layers *ls = sl_xcalloc(1, sizeof(*ls));
	ls->m = m;
	ls->layers = g_array_new(FALSE, TRUE, sizeof(struct layer));
	ls->stack = g_array_new(FALSE, TRUE, sizeof(int));
	ls->base_part = base_part;
	ls->head_bytes = head_bytes;
	ls->max_members = max_members;
	return ls;
}

void sl_layers_reset(struct sl_layers *ls, int base_part)
{
	guint i;
	for (i = 0; i < ls->layers->len; i++) {
		struct layer *l = L(ls, i);
		free(l->type);
		free(l->name);
		free(l->virname);
		free(l->head);
	}
	g_array_set_size(ls->layers, 0);
	g_array_set_size(ls->stack, 0);
	ls->base_part = base_part;
	free(ls->whole_virname);
	ls->whole_virname = NULL;
}

struct sl_layers *sl_layers_free(struct sl_layers *ls)
{
	if (ls == NULL)
		return NULL;
	sl_layers_reset(ls, -1);
	g_array_free(ls->layers, TRUE);
	g_array_free(ls->stack, TRUE);
	free(ls->top_virname);
	free(ls->whole_virname);
	free(ls);
	return NULL;
}

/* The nearest layer from i upwards that is one of our parts or a member. */
static int inside_of(const struct sl_layers *ls, int i)
{
	for (; i >= 0; i = L(ls, i)->parent)
		if (L(ls, i)->part >= 0 || L(ls, i)->member)
			return i;
	return -1;
}

/* Is a layer between l and the part it is inside (that part included) a program? */
static int inside_program(const struct sl_layers *ls, const struct layer *l)
{
	int a;
	for (a = l->parent; a >= 0; a = L(ls, a)->parent) {
		const char *c = L(ls, a)->category;
		if (c != NULL && strcmp(c, "executable") == 0)
			return 1;
		if (a == l->inside)
			break;
	}
	return 0;
}

/* Is the nearest container of l, up to the part it is inside, a document
 * (not an archive or a message)? */
static int in_document(const struct sl_layers *ls, const struct layer *l)
{
	int a;
	for (a = l->parent; a >= 0; a = L(ls, a)->parent) {
		const struct layer *c = L(ls, a);
		if (sl_cltype_is_document(c->type))
			return 1;
		if (sl_cltype_is_archive(c->type) || strcmp(c->type, "CL_TYPE_MAIL") == 0 || a == l->inside)
			return 0;
	}
	return 0;
}

/* Decides what an unmatched layer inside a part becomes. */
static void classify_inside(struct sl_layers *ls, struct layer *l)
{
	const struct layer *pl = L(ls, l->parent);
	if (inside_program(ls, l))
		return; /* a program's own sections and resources: the program is judged */
	if (promotes(l->category)) {
		if (embeds(l->category) && in_document(ls, l))
			l->embedded = 1;
		else
			l->member = 1;
	} else if (sl_cltype_is_archive(pl->type) && (pl->part >= 0 || pl->member) && !pl->own_children) {
		l->member = 1; /* every member of an archive is typed by the type stage */
	}
}

void sl_layers_open(struct sl_layers *ls, const char *type, const char *name, size_t size,
		    const char *buf, unsigned level, unsigned attrs)
{
	struct sl_msg *m = ls->m;
	struct layer l = { 0 };
	size_t hn = buf != NULL ? (size < ls->head_bytes ? size : ls->head_bytes) : 0;
	int idx;

	/* Close layers the scan has left (post-scan pops them too). */
	while (ls->stack->len > 0 &&
	       L(ls, g_array_index(ls->stack, int, ls->stack->len - 1))->level >= level)
		g_array_set_size(ls->stack, ls->stack->len - 1);
	l.parent = ls->stack->len ? g_array_index(ls->stack, int, ls->stack->len - 1) : -1;
	l.level = level;
	l.type = sl_xstrdup(type ? type : "CL_TYPE_ANY");
	l.name = name ? sl_xstrdup(name) : NULL;
	l.size = size;
	l.attrs = attrs;
	l.part = l.inside = l.dup = -1;
	if (level == 0) {
		l.part = ls->base_part;
		if (l.part >= 0) {
			m->parts[l.part].av_type = sl_cltype_mime(l.type);
			if (buf != NULL)
				l.category = layer_category(&l, NULL, (const unsigned char *)buf, hn);
		}
	} else {
		const struct layer *in;
		l.inside = inside_of(ls, l.parent);
		in = l.inside >= 0 ? L(ls, l.inside) : NULL;
		/* Below a part, only its own descendants: a member of a zip must not
		 * claim a later attachment that happens to hold the same bytes; below
		 * a member, nothing (members are never MIME parts). */
		if (buf != NULL && (in == NULL || in->part >= 0))
			l.part = match_part(m, buf, size, in ? in->part : -1);
		if (buf != NULL && !(attrs & LAYER_ATTRIBUTES_NORMALIZED))
			l.category = layer_category(&l, l.parent >= 0 ? L(ls, l.parent) : NULL,
						    (const unsigned char *)buf, hn);
		if (l.part >= 0) {
			m->parts[l.part].av_scanned = 1;
			m->parts[l.part].av_type = sl_cltype_mime(l.type);
			if (sl_cltype_is_archive(l.type))
				l.own_children = has_own_children(m, l.part);
		} else if (buf != NULL && !(attrs & LAYER_ATTRIBUTES_NORMALIZED)) {
			if (in != NULL)
				classify_inside(ls, &l);
			else if (must_explain(l.category) && !promotes(l.category)) {
				l.dup = match_copy(m, buf, size);
				if (l.dup < 0 && strcmp(l.category, "html") == 0 && ls->within_tries < MAX_WITHIN) {
					ls->within_tries++;
					l.dup = match_within(m, buf, size);
				}
			}
			if (l.member && ls->heads < ls->max_members) {
				/* A head for the type stage and the hash while the bytes are here. */
				l.head_len = hn;
				l.head = sl_xmalloc(hn + 1);
				memcpy(l.head, buf, hn);
				sl_sha256_hex(buf, size, l.sha256);
				ls->heads++;
			}
		}
	}
	g_array_append_val(ls->layers, l);
	idx = (int)ls->layers->len - 1;
	g_array_append_val(ls->stack, idx);
}

void sl_layers_close(struct sl_layers *ls)
{
	if (ls->stack->len > 0)
		g_array_set_size(ls->stack, ls->stack->len - 1);
}

void sl_layers_detection(struct sl_layers *ls, const char *virname)
{
	struct layer *l;
	int idx, a;
	if (ls->stack->len == 0) {
		/* ClamAV refused the whole file before it showed it (a size limit). */
		if (ls->layers->len == 0 && ls->whole_virname == NULL)
			ls->whole_virname = sl_xstrdup(virname);
		return;
	}
	idx = g_array_index(ls->stack, int, ls->stack->len - 1);
	l = L(ls, idx);
	/* A match in the raw message's own bytes is evidence of its own (av.c
	 * explains it by bytes); elsewhere ClamAV may repeat a child's detection
	 * on its ancestors: keep the deepest. */
	if (!(l->level == 0 && ls->base_part < 0)) {
		for (a = 0; a < (int)ls->layers->len; a++) {
			const struct layer *o = L(ls, a);
			int p;
			if (o->virname == NULL || strcmp(o->virname, virname) != 0)
				continue;
			for (p = o->parent; p >= 0; p = L(ls, p)->parent)
				if (p == idx)
					return;
		}
	}
	if (l->virname == NULL)
		l->virname = sl_xstrdup(virname);
}

void sl_layers_final_detection(struct sl_layers *ls, const char *virname)
{
	guint i;
	/* (ClamAV names only one of several matches here: any detection a
	 * callback saw accounts for it.) */
	if (ls->whole_virname != NULL)
		return;
	for (i = 0; i < ls->layers->len; i++)
		if (L(ls, i)->virname != NULL)
			return;
	if (ls->layers->len == 0)
		ls->whole_virname = sl_xstrdup(virname);
	else
		L(ls, 0)->virname = sl_xstrdup(virname);
}

const char *sl_layers_top_detection(const struct sl_layers *ls)
{
	return ls->top_virname;
}

void sl_layers_add_detection(struct sl_msg *m, int part, const char *virname)
{
	const char *rule = "virus";
	enum sl_finding_kind kind = SL_FIND_VIRUS;
	const char *what = "virus";

	if (strncmp(virname, "Heuristics.Encrypted", 20) == 0) {
		kind = SL_FIND_FILETYPE, rule = "encrypted_archive";
		what = "encrypted content that cannot be scanned";
	} else if (strstr(virname, "ContainsMacros") != NULL || strstr(virname, "Macro") != NULL) {
		kind = SL_FIND_FILETYPE, rule = "office_macro", what = "Office document with macros";
	} else if (strncmp(virname, "Heuristics.Limits.Exceeded", 26) == 0) {
		kind = SL_FIND_LIMIT, rule = "limit", what = "antivirus scan limit exceeded";
		m->incomplete = 1; /* part of it went unscanned */
	} else if (strncmp(virname, "Heuristics.", 11) == 0) {
		kind = SL_FIND_VIRUS, rule = "heuristic", what = "antivirus heuristic";
	}
	if (!sl_msg_has_finding(m, kind, rule, part))
		sl_msg_add_finding(m, kind, rule, part, "%s (%s)", what, virname);
}

/* A member layer becomes a part below the part it is inside. */
static void make_member(struct sl_layers *ls, struct layer *l)
{
	struct sl_msg *m = ls->m;
	int pp = L(ls, l->inside)->part, idx;
	struct sl_part *p;
	size_t nchild = 0, k;
	char *id;

	if (pp < 0)
		return; /* what holds it was left out: the limit is noted already */
	if (l->head == NULL || ls->members >= ls->max_members) {
		if (!ls->limit_noted)
			sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", pp,
					   "more than %zu files inside attachments (limits.max_extracted_files)",
					   ls->max_members);
		ls->limit_noted = 1;
		m->incomplete = 1;
		return;
	}
	for (k = 0; k < m->nparts; k++)
		if (m->parts[k].parent == pp && m->parts[k].origin != SL_ORIGIN_MIME)
			nchild++;
	id = sl_xasprintf("%s/%zu", m->parts[pp].id, nchild + 1);
	idx = sl_msg_add_part(m, pp, id, SL_ORIGIN_ARCHIVE);
	free(id);
	p = &m->parts[idx];
	p->filename = l->name ? sl_xstrdup(l->name) : NULL;
	p->is_attachment = 1;
	p->data = l->head;
	p->data_len = l->head_len;
	p->size = l->size;
	p->av_scanned = 1;
	p->av_type = sl_cltype_mime(l->type);
	l->head = NULL;
	memcpy(p->sha256, l->sha256, sizeof(p->sha256));
	ls->members++;
	l->part = idx;
}

/* A name of ClamAV's worth showing: not its placeholders. */
static const char *shown_name(const struct layer *l)
{
	const char *n = l->name;
	if (n == NULL || strcmp(n, "-") == 0 || strcmp(n, "unknown") == 0 || strcmp(n, "attachment") == 0 ||
	    strcmp(n, "textportion") == 0 || strcmp(n, "mixedtextportion") == 0 ||
	    strcmp(n, "rfc2231failure") == 0 || strncmp(n, "clamav-", 7) == 0)
		return NULL;
	return n;
}

/* ClamAV's parse may read a part's name where ours read none, or another
 * one (an invalid Content-Type, a comment in the name): a reader may show
 * that name, and one that makes the part a script, shortcut, disk image,
 * OneNote or installer is judged as such. */
static void note_other_name(struct sl_layers *ls, const struct layer *l)
{
	struct sl_part *p = &ls->m->parts[l->part];
	const char *n = shown_name(l), *c;
	if (n == NULL || p->origin == SL_ORIGIN_ARCHIVE || (p->filename && strcmp(p->filename, n) == 0) ||
	    (p->alt_filename && strcmp(p->alt_filename, n) == 0))
		return;
	c = sl_filetype_category(NULL, NULL, NULL, 0, 0, n);
	if (!promotes(c) || strcmp(c, "archive") == 0 || strcmp(c, "executable") == 0 ||
	    sl_msg_has_finding(ls->m, SL_FIND_FILETYPE, c, l->part))
		return;
	sl_msg_add_finding(ls->m, SL_FIND_FILETYPE, c, l->part,
			   "the antivirus's parse of the message names this part '%s': %s", n, what_is(c));
}

static void note_embedded(struct sl_layers *ls, const struct layer *l)
{
	struct sl_msg *m = ls->m;
	int pp = L(ls, l->inside)->part;
	const char *n = shown_name(l);
	if (pp < 0 || sl_msg_has_finding(m, SL_FIND_FILETYPE, "embedded_executable", pp))
		return;
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "embedded_executable", pp,
			   "the document embeds %s%s%s%s (%s)", what_is(l->category), n ? " '" : "",
			   n ? n : "", n ? "'" : "", l->type);
}

static void note_unexplained(struct sl_layers *ls, struct layer *l)
{
	const char *n = shown_name(l);
	int a;
	if (!must_explain(l->category))
		return;
	/* ClamAV shows some parts twice (the HTML of multipart/related): a copy
	 * of a part we judged, HTML or a document, is that part. */
	if (l->dup >= 0)
		return;
	for (a = l->parent; a >= 0; a = L(ls, a)->parent)
		if (L(ls, a)->unexplained)
			return; /* its container is reported */
	l->unexplained = 1;
	sl_msg_add_finding(ls->m, SL_FIND_STRUCTURE, "unexplained_layer", -1,
			   "the antivirus's parse of the message found %s%s%s%s (%s) that no part of our "
			   "parse accounts for", what_is(l->category), n ? " '" : "", n ? n : "", n ? "'" : "",
			   l->type);
}

static void note_detection(struct sl_layers *ls, guint i)
{
	struct sl_msg *m = ls->m;
	const struct layer *l = L(ls, i);
	int at = -1, p;
	for (p = (int)i; p >= 0; p = L(ls, p)->parent)
		if (L(ls, p)->part >= 0) {
			at = L(ls, p)->part;
			break;
		}
	if (at >= 0) {
		if (m->parts[at].av_name == NULL)
			m->parts[at].av_name = sl_xstrdup(l->virname);
		sl_layers_add_detection(m, at, l->virname);
	} else if (strncmp(l->virname, "Heuristics.Limits.Exceeded", 26) == 0) {
		sl_layers_add_detection(m, -1, l->virname); /* marks the message incomplete */
	} else if (l->level == 0 && ls->base_part < 0) {
		/* In the raw message's own bytes: explained by bytes or not at all (av.c). */
		if (ls->top_virname == NULL)
			ls->top_virname = sl_xstrdup(l->virname);
	} else {
		/* Only ClamAV's parse saw this layer: no part of ours is it. */
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1,
				   "the antivirus found %s where our parse of the message found no part",
				   l->virname);
	}
}

/* Names ClamAV saw below a part tell of VBA macros in OOXML and OLE2 files. */
static void note_macros(struct sl_layers *ls, const struct layer *l)
{
	const char *base;
	int p, at = -1;
	if (l->name == NULL)
		return;
	base = strrchr(l->name, '/');
	base = base ? base + 1 : l->name;
	if (g_ascii_strcasecmp(base, "vbaProject.bin") != 0 && g_ascii_strcasecmp(base, "_VBA_PROJECT") != 0 &&
	    g_ascii_strcasecmp(base, "vbaData.xml") != 0)
		return;
	for (p = l->parent; p >= 0; p = L(ls, p)->parent) {
		at = L(ls, p)->part;
		if (at >= 0)
			break;
	}
	if (at >= 0 && !sl_msg_has_finding(ls->m, SL_FIND_FILETYPE, "office_macro", at))
		sl_msg_add_finding(ls->m, SL_FIND_FILETYPE, "office_macro", at,
				   "Office document with macros (%s inside)", base);
}

void sl_layers_digest(struct sl_layers *ls)
{
	guint i;
	for (i = 0; i < ls->layers->len; i++) {
		struct layer *l = L(ls, i);
		if (l->part >= 0 && !l->member)
			note_other_name(ls, l);
		else if (l->member)
			make_member(ls, l);
		else if (l->embedded)
			note_embedded(ls, l);
		else if (l->part < 0 && l->inside < 0 && l->level > 0)
			note_unexplained(ls, l);
	}
	for (i = 0; i < ls->layers->len; i++) {
		if (L(ls, i)->virname != NULL)
			note_detection(ls, i);
		note_macros(ls, L(ls, i));
	}
	if (ls->whole_virname != NULL) {
		/* On the whole scanned object: the part, or the raw message. */
		if (ls->base_part >= 0 || strncmp(ls->whole_virname, "Heuristics.Limits.Exceeded", 26) == 0)
			sl_layers_add_detection(ls->m, ls->base_part, ls->whole_virname);
		else if (ls->top_virname == NULL)
			ls->top_virname = sl_xstrdup(ls->whole_virname);
	}
}
