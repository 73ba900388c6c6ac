/* wa_rewrite - see wa_rewrite.h. */
#include <glib.h>

#include "wa_rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "notice.h"
#include "util.h"

/* ---- the sluice object ------------------------------------------------------ */

static json_t *findings_json(const struct sl_msg *m, json_t *sluice)
{
	json_t *a = json_array();
	size_t i, more = 0;
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		char *d;
		if (json_array_size(a) == SL_WA_MAX_FINDINGS) {
			more++;
			continue;
		}
		d = sl_escape_text(f->detail, SL_ESCAPE_DETAIL_MAX);
		json_array_append_new(a,
				      json_pack("{s:s,s:s,s:s?,s:s,s:s}", "kind",
						sl_finding_kind_name(f->kind), "rule", f->rule,
						"part", f->part >= 0 ? m->parts[f->part].id : NULL,
						"action", sl_action_name(f->action), "detail", d));
		free(d);
	}
	if (more > 0)
		json_object_set_new(sluice, "more_findings", json_integer((json_int_t)more));
	return a;
}

static json_t *sluice_object(const struct sl_msg *m, const char *verdict, const char *delivery_id)
{
	json_t *s = json_object();
	json_object_set_new(s, "verdict", json_string(verdict));
	json_object_set_new(s, "reference", m->reference ? json_string(m->reference) : json_null());
	json_object_set_new(s, "findings", findings_json(m, s));
	json_object_set_new(s, "withheld", json_array());
	json_object_set_new(s, "delivery_id", json_string(delivery_id ? delivery_id : ""));
	return s;
}

/* ---- fields ------------------------------------------------------------------- */

/* Replaces the value at f's path with v (taken). */
static int set_field(const struct sl_wa_field *f, json_t *msg, json_t *contact, json_t *v)
{
	json_t *parent = sl_wa_field_parent(f, msg, contact);
	const struct sl_wa_step *last;
	if (v == NULL || parent == NULL || f->depth == 0) {
		json_decref(v);
		return SL_EINVAL;
	}
	last = &f->path[f->depth - 1];
	if (last->key != NULL)
		return json_object_set_new(parent, last->key, v) == 0 ? SL_OK : SL_EINVAL;
	return json_array_set_new(parent, last->index, v) == 0 ? SL_OK : SL_EINVAL;
}

static int cmp_edit_ptr(const void *a, const void *b)
{
	const struct sl_text_edit *x = *(const struct sl_text_edit *const *)a,
				  *y = *(const struct sl_text_edit *const *)b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* The text of part p with its n edits (sorted) carried out; NULL when an edit
 * does not fit (outside the text, overlapping the one before). */
static char *edited(const struct sl_part *p, const struct sl_text_edit *const *v, size_t n,
		    size_t *len)
{
	struct sl_buf b;
	size_t at = 0, i;
	sl_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (v[i]->begin < at || v[i]->end < v[i]->begin || v[i]->end > p->size) {
			sl_buf_free(&b);
			return NULL;
		}
		sl_buf_add(&b, p->data + at, v[i]->begin - at);
		sl_buf_add(&b, v[i]->replacement, v[i]->replacement_len);
		at = v[i]->end;
	}
	sl_buf_add(&b, p->data + at, p->size - at);
	*len = b.len;
	sl_buf_addstr(&b, "");
	return sl_buf_take(&b);
}

/* removed[i]: part i goes (a removal finding on it or inside it) or, for a
 * media object, was never scanned. */
static unsigned char *removed_parts(const struct sl_wa_msg *wm)
{
	unsigned char *removed = sl_rewrite_removed(wm->m);
	size_t i;
	for (i = 0; i < wm->nfields; i++)
		if (wm->fields[i].media_type != NULL &&
		    wm->m->parts[wm->fields[i].part].data == NULL)
			removed[wm->fields[i].part] = 1; /* never passed on unscanned */
	return removed;
}

static int has_caption(const char *type)
{
	return strcmp(type, "image") == 0 || strcmp(type, "video") == 0 ||
	       strcmp(type, "document") == 0;
}

/* The message with its removals and edits carried out; sluice gets
 * "withheld" and "notice". */
static int rewrite_fields(const struct sl_wa_msg *wm, const struct sl_edits *edits, const char *ref,
			  json_t *msg, json_t *contact, json_t *sluice, char **why)
{
	const struct sl_msg *m = wm->m;
	unsigned char *removed = removed_parts(wm);
	int *field_of = sl_xmalloc((m->nparts ? m->nparts : 1) * sizeof(int));
	const struct sl_text_edit **v = sl_xcalloc(edits && edits->n ? edits->n : 1, sizeof(*v));
	json_t *withheld = json_array();
	struct sl_buf notices;
	size_t i, n = 0, k = 0;
	int rc = SL_OK;

	sl_buf_init(&notices, 0);
	for (i = 0; i < m->nparts; i++)
		field_of[i] = -1;
	for (i = 0; i < wm->nfields; i++)
		field_of[wm->fields[i].part] = (int)i;
	/* every edit on a text field that stays; one on anything else is a
	 * rewrite we cannot make */
	for (i = 0; edits != NULL && i < edits->n; i++) {
		const struct sl_text_edit *e = &edits->v[i];
		if (e->part < 0 || (size_t)e->part >= m->nparts) {
			*why = sl_xasprintf(
			    "an edit names part %d, which the message does not have", e->part);
			rc = SL_EINVAL;
			goto out;
		}
		if (sl_rewrite_gone(m, removed, e->part))
			continue;
		if (field_of[e->part] < 0 || wm->fields[field_of[e->part]].media_type != NULL) {
			*why = sl_xasprintf("part %s is not a text field that can be edited",
					    m->parts[e->part].id);
			rc = SL_EINVAL;
			goto out;
		}
		v[n++] = e;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_edit_ptr);
	for (i = 0; i < wm->nfields && rc == SL_OK; i++) {
		const struct sl_wa_field *f = &wm->fields[i];
		const struct sl_part *p = &m->parts[f->part];
		size_t first = k, len = 0;
		char *text = NULL;
		while (k < n && v[k]->part < f->part)
			k++;
		first = k;
		while (k < n && v[k]->part == f->part)
			k++;
		if (f->media_type != NULL) {
			json_t *obj = sl_wa_field_get(f, msg, contact);
			if (!removed[f->part])
				continue;
			json_object_del(obj, "id");
			json_object_del(obj, "url");
			json_object_del(obj, "link");
			json_array_append_new(
			    withheld, json_string(f->media_id ? f->media_id : f->media_type));
			text = sl_notice_removed_text(m, f->part, ref);
			if (notices.len > 0)
				sl_buf_addstr(&notices, "\n");
			sl_buf_addstr(&notices, text);
			free(text);
			continue;
		}
		if (removed[f->part]) {
			text = sl_notice_removed_text(m, f->part, ref);
			len = strlen(text);
		} else if (k > first) {
			text = edited(p, v + first, k - first, &len);
			if (text == NULL) {
				*why = sl_xasprintf("the edits of field %s do not fit it", p->id);
				rc = SL_EINVAL;
				break;
			}
		} else {
			continue;
		}
		if (set_field(f, msg, contact, json_stringn(text, len)) != SL_OK) {
			*why = sl_xasprintf(
			    "field %s cannot be rewritten (not valid UTF-8 once edited)", p->id);
			rc = SL_EINVAL;
		}
		free(text);
	}
	if (rc != SL_OK)
		goto out;
	if (notices.len > 0) {
		/* the notice goes where the file would have been shown */
		json_t *media = json_object_get(msg, wm->type);
		json_object_set_new(sluice, "notice", json_string(notices.data));
		if (has_caption(wm->type) && json_is_object(media) &&
		    json_object_get(media, "id") == NULL) {
			const char *cap = json_string_value(json_object_get(media, "caption"));
			char *c = cap != NULL && *cap ? sl_xasprintf("%s\n\n%s", cap, notices.data)
						      : sl_xstrdup(notices.data);
			json_object_set_new(media, "caption", json_string(c));
			free(c);
		}
	}
	json_object_set(sluice, "withheld", withheld);
out:
	json_decref(withheld);
	sl_buf_free(&notices);
	free(v);
	free(field_of);
	free(removed);
	return rc;
}

/* ---- the placeholder ---------------------------------------------------------- */

static json_t *placeholder(const struct sl_wa_msg *wm, const char *ref, json_t **contact)
{
	json_t *msg = json_object(), *x;
	const char *ts = json_string_value(json_object_get(wm->message, "timestamp"));
	char when[32] = "", *who = sl_wa_sender(wm), *body;
	static const char *const kept[] = {"from", "id", "timestamp", "context", NULL};
	size_t i;

	for (i = 0; kept[i] != NULL; i++) {
		x = json_object_get(wm->message, kept[i]);
		if (x != NULL)
			json_object_set_new(msg, kept[i], json_deep_copy(x));
	}
	if (ts != NULL && g_ascii_isdigit(ts[0]))
		sl_time_iso(g_ascii_strtoll(ts, NULL, 10), when);
	if (wm->placeholder != NULL && wm->m->reference != NULL) {
		/* the template every door shares (notice.placeholder_template) */
		struct sl_notice_fields f = { 0 };
		char *first = sl_msg_first_line(wm->m), *subject = NULL;
		f.sender = who;
		f.subject = *first ? first : (subject = sl_xasprintf("(a %s message)", *wm->type ? wm->type : "WhatsApp"));
		f.date = when;
		f.reference = ref;
		body = sl_notice_render(wm->placeholder, wm->m, &f);
		free(subject);
		free(first);
	} else {
		body = sl_notice_held_text(wm->m, ref, who, when);
	}
	json_object_set_new(msg, "type", json_string("text"));
	json_object_set_new(msg, "text", json_pack("{s:s}", "body", body));
	free(body);
	free(who);
	*contact = NULL;
	if (wm->contact != NULL) {
		const char *name = json_string_value(
		    json_object_get(json_object_get(wm->contact, "profile"), "name"));
		char *e = sl_escape_text(name ? name : "", SL_ESCAPE_NAME_MAX);
		*contact = json_object();
		json_object_set_new(*contact, "profile", json_pack("{s:s}", "name", e));
		x = json_object_get(wm->contact, "wa_id");
		if (x != NULL)
			json_object_set_new(*contact, "wa_id", json_deep_copy(x));
		free(e);
	}
	return msg;
}

/* ---- the rewriter ------------------------------------------------------------- */

int sl_wa_rewrite(const struct sl_wa_msg *wm, const struct sl_edits *edits, const char *delivery_id,
		  json_t **out, char **why)
{
	const struct sl_msg *m = wm->m;
	char *ref = sl_msg_reference(m);
	json_t *msg, *contact = NULL, *sluice;
	int rc = SL_OK;

	*out = NULL;
	if (m->verdict >= SL_VERDICT_QUARANTINE) {
		msg = placeholder(wm, ref, &contact);
		sluice = sluice_object(m, "quarantine", delivery_id);
		json_object_set_new(sluice, "original_type", json_string(wm->type));
	} else {
		/* media never scanned are withheld, whatever the verdict says */
		int rewrite = m->verdict == SL_VERDICT_REWRITE || sl_wa_unscanned(wm);
		msg = json_deep_copy(wm->message);
		contact = wm->contact ? json_deep_copy(wm->contact) : NULL;
		sluice = sluice_object(m, rewrite ? "rewrite" : "clean", delivery_id);
		if (rewrite)
			rc = rewrite_fields(wm, edits, ref, msg, contact, sluice, why);
	}
	if (rc != SL_OK) {
		json_decref(msg);
		json_decref(contact);
		json_decref(sluice);
		free(ref);
		return rc;
	}
	json_object_set_new(msg, "sluice", sluice);
	*out = sl_wa_item_payload(wm->item, msg, contact);
	free(ref);
	return SL_OK;
}

void sl_wa_hold(struct sl_wa_msg *wm, const char *why)
{
	struct sl_msg *m = wm->m;
	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1,
			   "the message cannot be rewritten safely: %s",
			   why ? why : "unknown reason");
	m->findings[m->nfindings - 1].action = SL_ACT_QUARANTINE;
	m->incomplete = 1;
	m->verdict = SL_VERDICT_QUARANTINE;
}

/* ---- releases ----------------------------------------------------------------- */

int sl_wa_release_payload(const unsigned char *original, size_t len, const char *ref,
			  const char *by, const char *reason, int64_t at, const char *delivery_id,
			  json_t **out, char **why)
{
	json_t *root = json_loadb((const char *)original, len, 0, NULL), *media, *msg, *sluice,
	       *list, *o;
	const char *id;
	char when[32], *ebv, *erv;

	*out = NULL;
	msg = json_array_get(
	    json_object_get(
		json_object_get(
		    json_array_get(
			json_object_get(json_array_get(json_object_get(root, "entry"), 0),
					"changes"),
			0),
		    "value"),
		"messages"),
	    0);
	if (!json_is_object(msg)) {
		*why = sl_xasprintf("%s: the kept original is not a WhatsApp message", ref);
		json_decref(root);
		return SL_EPARSE;
	}
	media = json_incref(json_object_get(root, "sluice_media"));
	json_object_del(root, "sluice_media");
	list = json_array();
	json_object_foreach(media, id, o)
	{
		json_t *item = json_deep_copy(o);
		json_object_set_new(item, "id", json_string(id));
		json_array_append_new(list, item);
	}
	json_decref(media);
	sl_time_iso(at, when);
	/* what a supervisor typed is written like any other text sluice adds */
	ebv = sl_escape_text(by ? by : "", SL_ESCAPE_NAME_MAX);
	erv = sl_escape_text(reason ? reason : "", SL_ESCAPE_DETAIL_MAX);
	sluice = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "verdict", "released", "reference", ref,
			   "released_by", ebv, "released_at", when, "reason", erv, "delivery_id",
			   delivery_id ? delivery_id : "", "media", list);
	free(ebv);
	free(erv);
	json_object_set_new(msg, "sluice", sluice);
	*out = root;
	return SL_OK;
}
