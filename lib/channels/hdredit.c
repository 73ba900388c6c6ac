/* hdredit - see hdredit.h. */
#include <glib.h>

#include "hdredit.h"

#include <stdlib.h>
#include <string.h>

#include "hdrblock.h"
#include "rewrite.h"

int sl_hdr_field_line(const char *name, const char *value, int lead_space, struct sl_buf *out)
{
	size_t i, start = 0, n = strlen(value);
	int rc = sl_buf_addstr(out, name);
	if (rc == SL_OK)
		rc = sl_buf_add(out, lead_space ? ":" : ": ", lead_space ? 1 : 2);
	if (!lead_space)
		while (start < n && (value[start] == ' ' || value[start] == '\t'))
			start++;
	for (i = start; i < n && rc == SL_OK; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) {
			rc = sl_buf_add(out, value + start, i - start);
			if (rc == SL_OK)
				rc = sl_buf_add(out, "\r\n", 2);
			start = i + 1;
		}
	}
	if (rc == SL_OK)
		rc = sl_buf_add(out, value + start, n - start);
	if (rc == SL_OK)
		rc = sl_buf_add(out, "\r\n", 2);
	return rc;
}

/* ---- the edits ------------------------------------------------------------ */

/* A field of either block: its name, its value with folds as LF. */
struct field {
	char *name;
	char *key;    /* the name in lower case */
	char *value;
	int own;      /* X-Sluice-* */
	int matched;  /* (new fields) stands for an old one */
};

/* value[0..len) with every CRLF as LF. */
static char *lf_value(const char *v, size_t len)
{
	char *r = sl_xmalloc(len + 1);
	size_t i, o = 0;
	for (i = 0; i < len; i++)
		if (!(v[i] == '\r' && i + 1 < len && v[i + 1] == '\n'))
			r[o++] = v[i];
	r[o] = '\0';
	return r;
}

static void field_init(struct field *f, const char *name, size_t nlen, const char *value, size_t vlen)
{
	f->name = sl_xstrndup(name, nlen);
	f->key = g_ascii_strdown(f->name, -1);
	f->value = lf_value(value, vlen);
	f->own = sl_is_own_header(f->name);
	f->matched = 0;
}

static void field_clear(struct field *f)
{
	free(f->name);
	g_free(f->key);
	free(f->value);
}

static void add_op(struct sl_hdr_ops *o, enum sl_hdr_op_kind kind, const char *name, int index, const char *value)
{
	struct sl_hdr_op *op;
	if (o->n == o->alloc) {
		o->alloc = o->alloc ? o->alloc * 2 : 8;
		o->v = sl_xrealloc(o->v, o->alloc * sizeof(*o->v));
	}
	op = &o->v[o->n++];
	op->kind = kind;
	op->name = sl_xstrdup(name);
	op->index = index;
	op->value = value != NULL ? sl_xstrdup(value) : NULL;
}

static int kept(const char *const *keep, const char *name)
{
	size_t i;
	for (i = 0; keep != NULL && keep[i] != NULL; i++)
		if (g_ascii_strcasecmp(keep[i], name) == 0)
			return 1;
	return 0;
}

/* A deletion waiting for its turn: name's index-th field. */
struct del {
	const char *name, *key;
	int index;
	size_t order; /* first appearance of the name, to keep the output stable */
};

static int cmp_del(const void *a, const void *b)
{
	const struct del *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return y->index - x->index; /* highest index first */
}

void sl_hdr_diff(const struct sl_hdr_field *orig, size_t norig, const unsigned char *msg, size_t len,
		 const char *const *keep, struct sl_hdr_ops *out)
{
	struct field *o = sl_xcalloc(norig ? norig : 1, sizeof(*o)), *nw = NULL;
	size_t nnew = 0, anew = 0, i, bs, end = sl_hdr_block_end(msg, len, &bs), pos = 0, ndel = 0, pos_top = 0;
	GHashTable *by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* key -> occurrences so far (old) */
	GHashTable *first = g_hash_table_new(g_str_hash, g_str_equal); /* key -> first old position + 1 */
	struct del *dels = sl_xcalloc(norig ? norig : 1, sizeof(*dels));
	struct sl_hdr_item it;
	int any_matched = 0;

	for (i = 0; i < norig; i++)
		field_init(&o[i], orig[i].name, orig[i].name_len, orig[i].value, orig[i].value_len);
	while (sl_hdr_next(msg, end, &pos, &it)) {
		GArray *list;
		if (!it.is_field)
			continue; /* no field: the mail server could not carry it either */
		if (nnew == anew) {
			anew = anew ? anew * 2 : 16;
			nw = sl_xrealloc(nw, anew * sizeof(*nw));
		}
		field_init(&nw[nnew], (const char *)msg + it.start, it.name_len, (const char *)msg + it.value_start,
			   it.value_end - it.value_start);
		if (!nw[nnew].own) {
			list = g_hash_table_lookup(by_name, nw[nnew].key);
			if (list == NULL) {
				list = g_array_new(FALSE, FALSE, sizeof(size_t));
				g_hash_table_insert(by_name, nw[nnew].key, list);
			}
			g_array_append_val(list, nnew);
		}
		nnew++;
	}

	/* Old fields: the Nth of a name stands for the Nth of that name in the new block. */
	for (i = 0; i < norig; i++) {
		int k = GPOINTER_TO_INT(g_hash_table_lookup(seen, o[i].key)) + 1;
		GArray *list = o[i].own ? NULL : g_hash_table_lookup(by_name, o[i].key);
		g_hash_table_insert(seen, o[i].key, GINT_TO_POINTER(k));
		if (!g_hash_table_contains(first, o[i].key))
			g_hash_table_insert(first, o[i].key, GSIZE_TO_POINTER(i + 1));
		if (list != NULL && (guint)k <= list->len) {
			struct field *n = &nw[g_array_index(list, size_t, (guint)k - 1)];
			n->matched = 1;
			any_matched = 1;
			if (strcmp(n->value, o[i].value) != 0 && !kept(keep, o[i].name))
				add_op(out, SL_HDR_CHANGE, o[i].name, k, n->value);
		} else if (o[i].own || !kept(keep, o[i].name)) {
			dels[ndel].name = o[i].name;
			dels[ndel].key = o[i].key;
			dels[ndel].index = k;
			dels[ndel].order = GPOINTER_TO_SIZE(g_hash_table_lookup(first, o[i].key));
			ndel++;
		}
	}
	if (ndel > 0)
		qsort(dels, ndel, sizeof(*dels), cmp_del);
	for (i = 0; i < ndel; i++)
		add_op(out, SL_HDR_DELETE, dels[i].name, dels[i].index, NULL);

	/* New fields that stand for no old one: at the top when they come before
	 * the first field that stays (sluice's own always), else at the end. */
	{
		int passed = 0;
		for (i = 0; i < nnew && !passed; i++) {
			passed = nw[i].matched;
			if (!passed && (nw[i].own || any_matched)) {
				add_op(out, SL_HDR_INSERT, nw[i].name, (int)pos_top++, nw[i].value);
				nw[i].matched = 1; /* done */
			}
		}
		for (i = 0; i < nnew; i++)
			if (!nw[i].matched)
				add_op(out, SL_HDR_ADD, nw[i].name, 0, nw[i].value);
	}

	g_hash_table_destroy(first);
	g_hash_table_destroy(seen);
	g_hash_table_destroy(by_name);
	for (i = 0; i < norig; i++)
		field_clear(&o[i]);
	for (i = 0; i < nnew; i++)
		field_clear(&nw[i]);
	free(o);
	free(nw);
	free(dels);
}

void sl_hdr_ops_clear(struct sl_hdr_ops *o)
{
	size_t i;
	for (i = 0; i < o->n; i++) {
		free(o->v[i].name);
		free(o->v[i].value);
	}
	free(o->v);
	memset(o, 0, sizeof(*o));
}
