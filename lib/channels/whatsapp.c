/* whatsapp - see whatsapp.h. */
#include <glib.h>

#include "whatsapp.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- the payload ----------------------------------------------------------- */

const char *sl_wa_kind_name(enum sl_wa_kind k)
{
	static const char *const n[] = {"message", "status", "errors", "other", "dropped"};
	return n[k];
}

/* A JSON scalar as text ("" for anything else); caller frees. */
static char *scalar_text(const json_t *v)
{
	if (json_is_string(v))
		return sl_xstrndup(json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return sl_xasprintf("%lld", (long long)json_integer_value(v));
	return sl_xstrdup("");
}

/* The SHA-256 (hex) of a JSON value's compact form, keys sorted. */
static void json_sha256(const json_t *v, char out[65])
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	sl_sha256_hex(s ? s : "", s ? strlen(s) : 0, out);
	free(s);
}

/* A key of prefix + the parts, or prefix-sha + a hash of v when too long or
 * when a part holds a ':' (the key must name one thing only). */
static void make_key(char out[SL_WA_KEY_MAX + 1], const char *prefix, char *const *parts, size_t n,
		     const json_t *v)
{
	struct sl_buf b;
	size_t i;
	int ok = 1;
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, prefix);
	for (i = 0; i < n; i++) {
		ok &= parts[i][0] != '\0' && strchr(parts[i], ':') == NULL;
		sl_buf_printf(&b, ":%s", parts[i]);
	}
	if (ok && b.len <= SL_WA_KEY_MAX) {
		memcpy(out, b.data, b.len + 1);
	} else {
		char sha[65];
		json_sha256(v, sha);
		snprintf(out, SL_WA_KEY_MAX + 1, "%s-sha:%s", prefix, sha);
	}
	sl_buf_free(&b);
}

/* 1 when v holds a member called name at any depth. */
static int holds_member(const json_t *v, const char *name, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (depth > 64)
		return 1; /* deeper than any payload Meta sends: assume the worst */
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
		{
			if (strcmp(k, name) == 0 || holds_member(x, name, depth + 1))
				return 1;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (holds_member(x, name, depth + 1))
				return 1;
		}
	}
	return 0;
}

static struct sl_wa_item *add_item(GArray *items, enum sl_wa_kind kind, json_t *entry,
				   json_t *change, json_t *value, json_t *object)
{
	struct sl_wa_item it = {0};
	it.kind = kind;
	it.entry = entry;
	it.change = change;
	it.value = value;
	it.object = object;
	g_array_append_val(items, it);
	return &g_array_index(items, struct sl_wa_item, items->len - 1);
}

static json_t *contact_of(json_t *value, json_t *message)
{
	json_t *contacts = json_object_get(value, "contacts"), *c;
	const char *from = json_string_value(json_object_get(message, "from"));
	size_t i;
	if (from == NULL || !json_is_array(contacts))
		return NULL;
	json_array_foreach(contacts, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "wa_id"));
		if (json_is_object(c) && id != NULL && strcmp(id, from) == 0)
			return c;
	}
	return NULL;
}

static int list_messages(GArray *items, json_t *entry, json_t *change, json_t *value, char **why)
{
	json_t *msgs = json_object_get(value, "messages"),
	       *sts = json_object_get(value, "statuses");
	json_t *errs = json_object_get(value, "errors"), *x;
	const char *entry_id = json_string_value(json_object_get(entry, "id"));
	size_t i;

	if ((msgs != NULL && !json_is_array(msgs)) || (sts != NULL && !json_is_array(sts)) ||
	    (errs != NULL && !json_is_array(errs))) {
		*why = sl_xstrdup("value.messages, value.statuses and value.errors must be lists");
		return SL_EPARSE;
	}
	json_array_foreach(msgs, i, x)
	{
		struct sl_wa_item *it;
		char *id;
		if (!json_is_object(x)) {
			*why = sl_xasprintf("value.messages[%zu] is not an object", i);
			return SL_EPARSE;
		}
		it = add_item(items, SL_WA_MESSAGE, entry, change, value, x);
		it->contact = contact_of(value, x);
		id = scalar_text(json_object_get(x, "id"));
		make_key(it->key, "wa", &id, 1, x);
		free(id);
	}
	json_array_foreach(sts, i, x)
	{
		struct sl_wa_item *it;
		char *parts[3];
		size_t k;
		if (!json_is_object(x)) {
			*why = sl_xasprintf("value.statuses[%zu] is not an object", i);
			return SL_EPARSE;
		}
		it = add_item(items, SL_WA_STATUS, entry, change, value, x);
		parts[0] = scalar_text(json_object_get(x, "id"));
		parts[1] = scalar_text(json_object_get(x, "status"));
		parts[2] = scalar_text(json_object_get(x, "timestamp"));
		make_key(it->key, "status", parts, 3, x);
		for (k = 0; k < 3; k++)
			free(parts[k]);
	}
	if (errs != NULL && json_array_size(errs) > 0) {
		struct sl_wa_item *it = add_item(items, SL_WA_ERRORS, entry, change, value, errs);
		char sha[65], *p = sha;
		json_t *both =
		    json_pack("{s:s,s:O}", "entry", entry_id ? entry_id : "", "errors", errs);
		json_sha256(both, sha);
		json_decref(both);
		make_key(it->key, "errors", &p, 1, errs);
	}
	return SL_OK;
}

int sl_wa_payload_parse(const char *body, size_t len, struct sl_wa_payload **out, char **why)
{
	json_error_t err;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err), *entries, *entry;
	GArray *items = g_array_new(FALSE, TRUE, sizeof(struct sl_wa_item));
	const char *obj;
	size_t i;
	int rc = SL_EPARSE;

	*out = NULL;
	if (root == NULL) {
		*why = sl_xasprintf("not JSON: %s (line %d, column %d)", err.text, err.line,
				    err.column);
		goto out;
	}
	obj = json_string_value(json_object_get(root, "object"));
	if (!json_is_object(root) || obj == NULL || strcmp(obj, "whatsapp_business_account") != 0) {
		*why = sl_xstrdup(
		    "not a WhatsApp notification: \"object\" is not \"whatsapp_business_account\"");
		goto out;
	}
	entries = json_object_get(root, "entry");
	if (!json_is_array(entries)) {
		*why = sl_xstrdup("\"entry\" is not a list");
		goto out;
	}
	json_array_foreach(entries, i, entry)
	{
		json_t *changes = json_object_get(entry, "changes"), *change;
		size_t j;
		if (!json_is_object(entry) || (changes != NULL && !json_is_array(changes))) {
			*why =
			    sl_xasprintf("entry[%zu] is not an object with a list of changes", i);
			goto out;
		}
		json_array_foreach(changes, j, change)
		{
			json_t *value = json_object_get(change, "value");
			const char *field = json_string_value(json_object_get(change, "field"));
			if (!json_is_object(change) || !json_is_object(value)) {
				*why = sl_xasprintf("entry[%zu].changes[%zu] has no value object",
						    i, j);
				goto out;
			}
			if (field != NULL && strcmp(field, "messages") == 0) {
				if (list_messages(items, entry, change, value, why) != SL_OK)
					goto out;
			} else {
				/* history sync and echoes carry messages: never
				 * forwarded unscanned */
				enum sl_wa_kind k = holds_member(value, "messages", 0)
							? SL_WA_DROPPED
							: SL_WA_OTHER;
				struct sl_wa_item *it =
				    add_item(items, k, entry, change, value, change);
				char sha[65], *p = sha;
				json_t *both =
				    json_pack("{s:O?,s:O}", "entry", json_object_get(entry, "id"),
					      "change", change);
				json_sha256(both, sha);
				json_decref(both);
				make_key(it->key, "other", &p, 1, change);
			}
		}
	}
	*out = sl_xcalloc(1, sizeof(**out));
	(*out)->root = root;
	root = NULL;
	(*out)->nitems = items->len;
	(*out)->items = (struct sl_wa_item *)g_array_free(items, FALSE);
	items = NULL;
	rc = SL_OK;
out:
	if (items != NULL)
		g_array_free(items, TRUE);
	json_decref(root);
	return rc;
}

struct sl_wa_payload *sl_wa_payload_free(struct sl_wa_payload *p)
{
	if (p == NULL)
		return NULL;
	g_free(p->items);
	json_decref(p->root);
	free(p);
	return NULL;
}

json_t *sl_wa_item_payload(const struct sl_wa_item *it, json_t *object, json_t *contact)
{
	json_t *change, *entry = json_object(), *root = json_object();
	json_t *id = json_object_get(it->entry, "id");

	if (it->kind == SL_WA_OTHER || it->kind == SL_WA_DROPPED) {
		change = object;
	} else {
		json_t *value = json_object(),
		       *mp = json_object_get(it->value, "messaging_product");
		json_t *meta = json_object_get(it->value, "metadata");
		json_object_set_new(value, "messaging_product",
				    mp ? json_deep_copy(mp) : json_string("whatsapp"));
		if (meta != NULL)
			json_object_set_new(value, "metadata", json_deep_copy(meta));
		if (it->kind == SL_WA_MESSAGE) {
			if (contact != NULL)
				json_object_set_new(value, "contacts", json_pack("[o]", contact));
			json_object_set_new(value, "messages", json_pack("[o]", object));
		} else if (it->kind == SL_WA_STATUS) {
			json_object_set_new(value, "statuses", json_pack("[o]", object));
		} else {
			json_object_set_new(value, "errors", object);
		}
		change = json_pack("{s:s,s:o}", "field", "messages", "value", value);
	}
	if (id != NULL)
		json_object_set_new(entry, "id", json_deep_copy(id));
	json_object_set_new(entry, "changes", json_pack("[o]", change));
	json_object_set_new(root, "object", json_string("whatsapp_business_account"));
	json_object_set_new(root, "entry", json_pack("[o]", entry));
	return root;
}

void sl_wa_delivery_id(const char *key, char out[33])
{
	char sha[65];
	sl_sha256_hex(key, strlen(key), sha);
	memcpy(out, sha, 32);
	out[32] = '\0';
}

char *sl_wa_signature(const char *secret, const void *body, size_t len)
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret));
	char *r;
	g_hmac_update(h, body, (gssize)len);
	r = sl_xasprintf("sha256=%s", g_hmac_get_string(h));
	g_hmac_unref(h);
	return r;
}

int sl_wa_signature_ok(const char *secret, const void *body, size_t len, const char *header)
{
	char *want, got[72];
	size_t i, n;
	int ok;
	if (secret == NULL || *secret == '\0' || header == NULL)
		return 0;
	n = strlen(header);
	if (n != 71 || g_ascii_strncasecmp(header, "sha256=", 7) != 0)
		return 0;
	for (i = 0; i < n; i++)
		got[i] = i < 7 ? "sha256="[i] : g_ascii_tolower(header[i]);
	got[n] = '\0';
	want = sl_wa_signature(secret, body, len);
	ok = strlen(want) == n && sl_memeq_consttime(want, got, n);
	explicit_bzero(want, strlen(want));
	free(want);
	return ok;
}

/* ---- a message as an sl_msg ------------------------------------------------ */

/* Message types sluice knows: each field of them is read below. */
static const char *const known_types[] = {
    "text",     "image",       "video",       "audio",           "document", "sticker",
    "location", "contacts",    "interactive", "button",          "reaction", "order",
    "system",   "unsupported", "unknown",     "request_welcome", NULL,
};

static const char *const media_types[] = {"image", "video", "audio", "document", "sticker", NULL};

/* Members that are identifiers or machine values, never text people read. */
static const char *const not_text[] = {
    "id",
    "from",
    "timestamp",
    "type",
    "wa_id",
    "mime_type",
    "sha256",
    "message_id",
    "messsage_id",
    "catalog_id",
    "product_retailer_id",
    "currency",
    "ctwa_clid",
    "source_id",
    "source_type",
    "media_type",
    "new_wa_id",
    "customer",
    "hash",
    "identity_key_hash",
    "group_id",
    "recipient_id",
    "status",
    "messaging_product",
    NULL,
};

/* Subtrees of Meta's own bookkeeping (ids, flags, error codes). */
static const char *const not_read[] = {"context", "errors", "identity", NULL};

/* Members of a media object that are not text (its url is Meta's download link). */
static const char *const media_not_text[] = {"id", "url", "mime_type", "sha256", "file_size", NULL};

static int in_list(const char *const *l, const char *s)
{
	size_t i;
	for (i = 0; l[i] != NULL; i++)
		if (strcmp(l[i], s) == 0)
			return 1;
	return 0;
}

/* The media type a member of a message names ("image"...), or NULL. */
static const char *media_name(const char *k)
{
	size_t i;
	for (i = 0; media_types[i] != NULL; i++)
		if (strcmp(media_types[i], k) == 0)
			return media_types[i];
	return NULL;
}

struct build {
	struct sl_wa_msg *wm;
	GArray *fields; /* struct sl_wa_field */
	GArray *media;  /* struct sl_wa_fetched, parallel to fields */
	GArray *path;   /* struct sl_wa_step, borrowed keys */
	size_t max_fields;
	int over; /* past max_fields */
	const struct sl_config *cfg;
	sl_wa_fetch_fn fetch;
	void *fetch_ctx;
};

/* "text.body", "contacts.0.urls.0.url", "contact.profile.name" */
static char *path_id(const struct build *b, int in_contact)
{
	struct sl_buf s;
	size_t i;
	sl_buf_init(&s, 0);
	if (in_contact)
		sl_buf_addstr(&s, "contact");
	for (i = 0; i < b->path->len; i++) {
		const struct sl_wa_step *st = &g_array_index(b->path, struct sl_wa_step, i);
		if (s.len > 0)
			sl_buf_addstr(&s, ".");
		if (st->key != NULL)
			sl_buf_addstr(&s, st->key);
		else
			sl_buf_printf(&s, "%zu", st->index);
	}
	sl_buf_addstr(&s, "");
	return sl_buf_take(&s);
}

static struct sl_wa_field *new_field(struct build *b, int part, int in_contact)
{
	struct sl_wa_field f = {0};
	struct sl_wa_fetched none = {0};
	size_t i;
	f.part = part;
	f.in_contact = in_contact;
	f.depth = b->path->len;
	f.path = sl_xcalloc(f.depth ? f.depth : 1, sizeof(*f.path));
	for (i = 0; i < f.depth; i++) {
		const struct sl_wa_step *st = &g_array_index(b->path, struct sl_wa_step, i);
		f.path[i].key = st->key ? sl_xstrdup(st->key) : NULL;
		f.path[i].index = st->index;
	}
	g_array_append_val(b->fields, f);
	g_array_append_val(b->media, none);
	return &g_array_index(b->fields, struct sl_wa_field, b->fields->len - 1);
}

static void add_text(struct build *b, const json_t *v, int in_contact)
{
	struct sl_msg *m = b->wm->m;
	char *id;
	int idx;
	struct sl_part *p;
	if (json_string_length(v) == 0)
		return;
	if (b->fields->len >= b->max_fields) {
		b->over = 1;
		return;
	}
	id = path_id(b, in_contact);
	idx = sl_msg_add_part(m, -1, id, SL_ORIGIN_FIELD);
	free(id);
	p = &m->parts[idx];
	p->declared_type = sl_xstrdup("text/plain");
	p->charset = sl_xstrdup("utf-8");
	p->is_body_text = 1;
	sl_msg_part_take_data(
	    m, idx, (unsigned char *)sl_xstrndup(json_string_value(v), json_string_length(v)),
	    json_string_length(v));
	new_field(b, idx, in_contact);
}

static void push(struct build *b, const char *key, size_t index)
{
	struct sl_wa_step st = {(char *)key, index};
	g_array_append_val(b->path, st);
}

static void pop(struct build *b)
{
	g_array_set_size(b->path, b->path->len - 1);
}

/* Every text string under v (a member called key, NULL in a list). */
static void walk(struct build *b, const char *key, const json_t *v, int in_contact, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (key != NULL && (in_list(not_text, key) || in_list(not_read, key)))
		return;
	if (depth > 32) {
		b->over = 1; /* deeper than any message: not looked at, so held */
		return;
	}
	if (json_is_string(v)) {
		add_text(b, v, in_contact);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
		{
			push(b, k, 0);
			walk(b, k, x, in_contact, depth + 1);
			pop(b);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			push(b, NULL, i);
			walk(b, NULL, x, in_contact, depth + 1);
			pop(b);
		}
	}
}

static size_t cap_for(const struct sl_config *cfg, const char *type)
{
	char *key = sl_xasprintf("whatsapp.max_%s_size", type);
	size_t cap = (size_t)sl_config_int(cfg, key);
	free(key);
	return cap;
}

/* "image/jpeg" of "Image/JPEG; codecs=x", or NULL. */
static char *media_type_of(const json_t *media)
{
	const char *mt = json_string_value(json_object_get(media, "mime_type"));
	char *t;
	size_t n;
	if (mt == NULL)
		return NULL;
	n = strcspn(mt, "; \t");
	t = g_ascii_strdown(mt, (gssize)n);
	{
		char *r = sl_xstrdup(t);
		g_free(t);
		return r;
	}
}

static void add_media(struct build *b, const char *type, const json_t *media)
{
	struct sl_wa_msg *wm = b->wm;
	struct sl_msg *m = wm->m;
	const char *id = json_string_value(json_object_get(media, "id"));
	const char *fn = json_string_value(json_object_get(media, "filename"));
	struct sl_wa_field *f;
	struct sl_part *p;
	struct sl_wa_fetched got = {0};
	size_t cap = cap_for(b->cfg, type);
	char *why = NULL;
	int idx, rc;
	const char *k;
	json_t *x;

	idx = sl_msg_add_part(m, -1, type, SL_ORIGIN_FIELD);
	p = &m->parts[idx];
	p->declared_type = media_type_of(media);
	p->filename = fn != NULL && *fn != '\0' ? sl_xstrdup(fn) : NULL;
	p->is_attachment = 1;
	f = new_field(b, idx, 0);
	f->media_type = type;
	f->media_id = id ? sl_xstrdup(id) : NULL;
	if (id == NULL || *id == '\0') {
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "media_unscanned", idx,
				   "the %s has no media id: it was not scanned and is withheld",
				   type);
	} else if (b->fetch == NULL) {
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "media_unscanned", idx,
				   "the %s could not be fetched (no media source): it was not "
				   "scanned and is withheld",
				   type);
	} else if ((rc = b->fetch(b->fetch_ctx, type, id, media, cap, &got, &why)) == SL_ETOOBIG) {
		sl_msg_add_finding(m, SL_FIND_LIMIT, "media_unscanned", idx,
				   "the %s is larger than whatsapp.max_%s_size (%zu bytes): it was "
				   "not scanned and is "
				   "withheld",
				   type, type, cap);
	} else if (rc != SL_OK) {
		sl_msg_add_finding(
		    m, SL_FIND_STRUCTURE, "media_unscanned", idx,
		    "the %s could not be fetched: %s; it was not scanned and is withheld", type,
		    why ? why : sl_strerror(rc));
	} else {
		/* the message keeps its own copy: the original keeps the fetcher's */
		unsigned char *copy = sl_xmalloc(got.len + 1);
		memcpy(copy, got.data, got.len);
		copy[got.len] = '\0';
		sl_msg_part_take_data(m, idx, copy, got.len);
		g_array_index(b->media, struct sl_wa_fetched, b->media->len - 1) = got;
		got.data = NULL;
	}
	free(got.data);
	free(why);
	/* its caption and file name are text people read */
	json_object_foreach((json_t *)media, k, x)
	{
		if (in_list(media_not_text, k))
			continue;
		push(b, k, 0);
		walk(b, k, x, 0, 2);
		pop(b);
	}
}

int sl_wa_msg_new(const struct sl_wa_item *it, const struct sl_config *cfg, sl_wa_fetch_fn fetch,
		  void *fetch_ctx, struct sl_wa_msg **out, char **why)
{
	struct sl_wa_msg *wm;
	struct build b = {0};
	const char *id, *k;
	json_t *payload, *x;
	char *raw;

	*out = NULL;
	if (it->kind != SL_WA_MESSAGE || !json_is_object(it->object)) {
		*why = sl_xstrdup("not a message");
		return SL_EPARSE;
	}
	wm = sl_xcalloc(1, sizeof(*wm));
	wm->item = it;
	wm->message = json_deep_copy(it->object);
	wm->contact = it->contact ? json_deep_copy(it->contact) : NULL;
	wm->type = json_string_value(json_object_get(wm->message, "type"));
	if (wm->type == NULL)
		wm->type = "";
	id = json_string_value(json_object_get(wm->message, "id"));
	payload = sl_wa_item_payload(it, json_deep_copy(wm->message),
				     wm->contact ? json_deep_copy(wm->contact) : NULL);
	raw = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(payload);
	wm->m =
	    sl_msg_new_take(SL_CHANNEL_WHATSAPP, id ? id : "-", (unsigned char *)raw, strlen(raw));
	wm->m->crlf = 0;

	b.wm = wm;
	b.fields = g_array_new(FALSE, TRUE, sizeof(struct sl_wa_field));
	b.media = g_array_new(FALSE, TRUE, sizeof(struct sl_wa_fetched));
	b.path = g_array_new(FALSE, TRUE, sizeof(struct sl_wa_step));
	b.max_fields = (size_t)sl_config_int(cfg, "whatsapp.max_fields");
	b.cfg = cfg;
	b.fetch = fetch;
	b.fetch_ctx = fetch_ctx;
	json_object_foreach(wm->message, k, x)
	{
		const char *media = media_name(k);
		push(&b, k, 0);
		if (media != NULL && json_is_object(x))
			add_media(&b, media, x);
		else
			walk(&b, k, x, 0, 1);
		pop(&b);
	}
	if (wm->contact != NULL)
		walk(&b, NULL, wm->contact, 1, 0);
	if (!in_list(known_types, wm->type))
		sl_msg_add_finding(wm->m, SL_FIND_STRUCTURE, "structure", -1,
				   "a WhatsApp message of type '%s', which sluice does not know: "
				   "what the platform "
				   "would show of it was not judged",
				   wm->type);
	if (b.over) {
		sl_msg_add_finding(
		    wm->m, SL_FIND_LIMIT, "limit", -1,
		    "more text fields than whatsapp.max_fields (%zu), or nested deeper than 32",
		    b.max_fields);
		wm->m->incomplete = 1;
	}
	wm->nfields = b.fields->len;
	wm->fields = (struct sl_wa_field *)g_array_free(b.fields, FALSE);
	wm->media = (struct sl_wa_fetched *)g_array_free(b.media, FALSE);
	g_array_free(b.path, TRUE);
	*out = wm;
	return SL_OK;
}

struct sl_wa_msg *sl_wa_msg_free(struct sl_wa_msg *wm)
{
	size_t i, k;
	if (wm == NULL)
		return NULL;
	for (i = 0; i < wm->nfields; i++) {
		for (k = 0; k < wm->fields[i].depth; k++)
			free(wm->fields[i].path[k].key);
		free(wm->fields[i].path);
		free(wm->fields[i].media_id);
		free(wm->media[i].data);
	}
	free(wm->fields);
	free(wm->media);
	json_decref(wm->message);
	json_decref(wm->contact);
	sl_msg_free(wm->m);
	free(wm);
	return NULL;
}

int sl_wa_unscanned(const struct sl_wa_msg *wm)
{
	size_t i;
	for (i = 0; i < wm->nfields; i++)
		if (wm->fields[i].media_type != NULL &&
		    wm->m->parts[wm->fields[i].part].data == NULL)
			return 1;
	return 0;
}

static json_t *step(json_t *at, const struct sl_wa_step *s)
{
	return s->key != NULL ? json_object_get(at, s->key) : json_array_get(at, s->index);
}

json_t *sl_wa_field_parent(const struct sl_wa_field *f, json_t *message, json_t *contact)
{
	json_t *at = f->in_contact ? contact : message;
	size_t i;
	for (i = 0; at != NULL && i + 1 < f->depth; i++)
		at = step(at, &f->path[i]);
	return at;
}

json_t *sl_wa_field_get(const struct sl_wa_field *f, json_t *message, json_t *contact)
{
	json_t *parent = sl_wa_field_parent(f, message, contact);
	if (f->depth == 0)
		return f->in_contact ? contact : message;
	return parent != NULL ? step(parent, &f->path[f->depth - 1]) : NULL;
}

char *sl_wa_sender(const struct sl_wa_msg *wm)
{
	const char *from = json_string_value(json_object_get(wm->message, "from"));
	const char *name =
	    json_string_value(json_object_get(json_object_get(wm->contact, "profile"), "name"));
	if (name != NULL && *name != '\0')
		return sl_xasprintf("%s (+%s)", name, from ? from : "?");
	return sl_xasprintf("+%s", from ? from : "?");
}

char *sl_wa_original(const struct sl_wa_msg *wm, size_t *len)
{
	json_t *payload = sl_wa_item_payload(wm->item, json_deep_copy(wm->message),
					     wm->contact ? json_deep_copy(wm->contact) : NULL);
	json_t *media = json_object();
	char *s, *r;
	size_t i;

	for (i = 0; i < wm->nfields; i++) {
		const struct sl_wa_field *f = &wm->fields[i];
		json_t *obj, *o;
		gchar *b64;
		if (f->media_type == NULL || f->media_id == NULL || wm->media[i].data == NULL)
			continue;
		obj = sl_wa_field_get(f, wm->message, wm->contact);
		b64 = g_base64_encode(wm->media[i].data, wm->media[i].len);
		o = json_pack("{s:s,s:O?,s:O?,s:I,s:s}", "type", f->media_type, "mime_type",
			      json_object_get(obj, "mime_type"), "sha256",
			      json_object_get(obj, "sha256"), "file_size",
			      (json_int_t)wm->media[i].len, "data_base64", b64);
		g_free(b64);
		json_object_set_new(media, f->media_id, o);
	}
	json_object_set_new(payload, "sluice_media", media);
	s = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(payload);
	*len = strlen(s);
	r = sl_xstrndup(s, *len);
	free(s);
	return r;
}
