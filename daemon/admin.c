/* admin - see admin.h. */
#include <glib.h>

#include "admin.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outbox.h"
#include "release.h"
#include "util.h"

#define MAX_LIST 10000

/* ---- who is asking ------------------------------------------------------ */

struct caller {
	char name[64];   /* user name, or "uid N" */
	char actor[96];  /* "alice (uid 1001)": for the audit trail */
};

static int in_group(const char *user, gid_t primary, const char *group)
{
	struct group gr, *g = NULL;
	char buf[16384];
	gid_t groups[256];
	int n = 256, i;
	if (*group == '\0' || getgrnam_r(group, &gr, buf, sizeof(buf), &g) != 0 || g == NULL)
		return 0;
	if (primary == g->gr_gid)
		return 1;
	if (getgrouplist(user, primary, groups, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == g->gr_gid)
			return 1;
	return 0;
}

static void audit_denied(struct sl_daemon *d, struct sl_http_request *rq, const char *actor, const char *outcome)
{
	struct sl_audit a = { 0 };
	char *detail = sl_xasprintf("%s %s", sl_http_method(rq), sl_http_path(rq)), *why = NULL;
	char ref[SL_REF_LEN + 1];
	const char *items = "/v1/items/";
	/* the item it was about, when the path names one: it shows in its trail */
	if (strncmp(sl_http_path(rq), items, strlen(items)) == 0) {
		char *seg = sl_xstrndup(sl_http_path(rq) + strlen(items), strcspn(sl_http_path(rq) + strlen(items), "/"));
		if (sl_ref_parse(seg, ref, &why) == SL_OK)
			a.ref = ref;
		free(seg);
		free(why);
		why = NULL;
	}
	a.actor = (char *)actor;
	a.action = "denied";
	a.outcome = (char *)outcome;
	a.detail = detail;
	if (sl_store_audit(sl_daemon_store(d), &a, &why) != SL_OK)
		sl_log(SL_LOG_ERR, "admin: cannot audit a refusal of %s: %s", actor, why);
	free(why);
	free(detail);
}

/* 1 when the caller may act; otherwise the reply (403) is made and audited. */
static int authorize(struct sl_daemon *d, struct sl_http_request *rq, struct sl_http_response *rs, struct caller *c)
{
	const struct sl_peer *p = sl_http_peer(rq);
	struct sl_engine *eng;
	struct passwd pw, *pwp = NULL;
	char buf[16384];
	const char *group;
	int ok;

	if (!p->has_cred) {
		audit_denied(d, rq, p->addr[0] ? p->addr : "unknown", "refused: caller unknown (not a unix socket)");
		sl_http_reply_error(rs, 403, "refused: the admin socket answers local users only");
		return 0;
	}
	if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp != NULL)
		snprintf(c->name, sizeof(c->name), "%s", pw.pw_name);
	else
		snprintf(c->name, sizeof(c->name), "uid%u", (unsigned)p->uid);
	snprintf(c->actor, sizeof(c->actor), "%s (uid %u)", c->name, (unsigned)p->uid);
	if (p->uid == 0)
		return 1;
	eng = sl_daemon_engine(d);
	group = sl_config_str(sl_engine_config(eng), "admin.supervisor_group");
	ok = pwp != NULL && in_group(pw.pw_name, pw.pw_gid, group);
	if (!ok) {
		char *o = sl_xasprintf("refused: not root and not in the group %s", group);
		audit_denied(d, rq, c->actor, o);
		sl_http_reply_error(rs, 403,
				    "refused: %s is not a supervisor (only root and members of the group %s may "
				    "use the quarantine); this attempt was recorded",
				    c->actor, group);
		free(o);
	}
	sl_engine_unref(eng);
	return ok;
}

/* ---- JSON of items -------------------------------------------------------- */

static json_t *time_or_null(int64_t t)
{
	char s[32];
	if (t <= 0)
		return json_null();
	sl_time_iso(t, s);
	return json_string(s);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* report[key] when it is an array (a new reference), else []. */
static json_t *array_of(json_t *report, const char *key)
{
	json_t *a = report ? json_object_get(report, key) : NULL;
	return json_is_array(a) ? json_incref(a) : json_array();
}

static json_t *item_json(const struct sl_item *it, int full, int64_t now)
{
	json_t *o = json_object(), *r = json_array(), *report = json_loads(it->report, 0, NULL);
	size_t i;

	for (i = 0; it->recipients != NULL && it->recipients[i] != NULL; i++)
		json_array_append_new(r, json_string(it->recipients[i]));
	json_object_set_new(o, "reference", json_string(it->ref));
	json_object_set_new(o, "status", json_string(sl_item_status_name(it->status)));
	json_object_set_new(o, "channel", json_string(sl_channel_name(it->channel)));
	json_object_set_new(o, "sender", json_string(it->sender));
	json_object_set_new(o, "recipients", r);
	json_object_set_new(o, "subject", json_string(it->subject));
	json_object_set_new(o, "verdict", json_string(sl_verdict_name(it->verdict)));
	json_object_set_new(o, "findings", array_of(report, "findings"));
	json_object_set_new(o, "received", time_or_null(it->received));
	json_object_set_new(o, "expires", time_or_null(it->expires));
	json_object_set_new(o, "gateway", json_string(it->gateway));
	json_object_set_new(o, "message_id", json_string(it->msg_id));
	json_object_set_new(o, "size", json_integer(it->original_size));
	json_object_set_new(o, "sha256", json_string(it->original_sha256));
	json_object_set_new(o, "rewritten", json_boolean(it->rewritten_size >= 0));
	json_object_set_new(o, "status_at", time_or_null(it->status_at));
	json_object_set_new(o, "status_by", str_or_null(it->status_by));
	json_object_set_new(o, "status_reason", str_or_null(it->status_reason));
	json_object_set_new(o, "purged", time_or_null(it->purged_at));
	if (it->claim_by != NULL && it->status == SL_ITEM_HELD)
		json_object_set_new(o, "release", json_pack("{s:s,s:o,s:b}", "by", it->claim_by, "since",
							    time_or_null(it->claim_at), "interrupted",
							    it->claim_until < now));
	else
		json_object_set_new(o, "release", json_null());
	if (full) {
		json_object_set_new(o, "parts", array_of(report, "parts"));
		json_object_set_new(o, "urls", array_of(report, "urls"));
	}
	json_decref(report);
	return o;
}

static json_t *audit_json(const struct sl_audit *a, size_t n)
{
	json_t *arr = json_array();
	size_t i;
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "at", time_or_null(a[i].at));
		json_object_set_new(o, "actor", json_string(a[i].actor));
		json_object_set_new(o, "action", json_string(a[i].action));
		json_object_set_new(o, "reason", str_or_null(a[i].reason));
		json_object_set_new(o, "outcome", json_string(a[i].outcome));
		json_object_set_new(o, "detail", str_or_null(a[i].detail));
		json_object_set_new(o, "gateway", json_string(a[i].gateway));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ---- answers -------------------------------------------------------------- */

static unsigned status_for(int rc)
{
	switch (rc) {
	case SL_OK: return 200;
	case SL_ENOTFOUND: return 404;
	case SL_ECONFLICT: return 409;
	case SL_EPERM: return 403;
	case SL_EINVAL: return 422;
	case SL_ETEMP: return 503;
	}
	return 500;
}

static void store_error(struct sl_http_response *rs, int rc, const char *why)
{
	sl_http_reply_error(rs, status_for(rc), "%s", why ? why : sl_strerror(rc));
}

/* The reference in a path segment, canonical; else a 400 is made. */
static int ref_from(const char *seg, size_t len, char out[SL_REF_LEN + 1], struct sl_http_response *rs)
{
	char *s = sl_xstrndup(seg, len), *why = NULL;
	int ok = sl_ref_parse(s, out, &why) == SL_OK;
	if (!ok)
		sl_http_reply_error(rs, 400, "%s", why);
	free(why);
	free(s);
	return ok;
}

static void h_list(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	struct sl_item_filter f = { -1, -1, NULL, 0, 1000 };
	struct sl_item **v = NULL;
	const char *s;
	size_t n = 0, i;
	char *why = NULL;
	json_t *arr;
	int rc;

	if (!authorize(d, rq, rs, &c))
		return;
	s = sl_http_arg(rq, "status");
	if (s != NULL && *s) {
		enum sl_item_status st;
		if (sl_item_status_parse(s, &st) != SL_OK) {
			sl_http_reply_error(rs, 400, "status: expected held, released, deleted or expired, got '%s'", s);
			return;
		}
		f.status = (int)st;
	}
	s = sl_http_arg(rq, "channel");
	if (s != NULL && *s) {
		enum sl_channel ch;
		if (sl_channel_parse(s, &ch) != SL_OK) {
			sl_http_reply_error(rs, 400, "channel: expected email or whatsapp, got '%s'", s);
			return;
		}
		f.channel = (int)ch;
	}
	f.sender = sl_http_arg(rq, "sender");
	s = sl_http_arg(rq, "since");
	if (s != NULL && *s) {
		char *end = NULL;
		f.since = strtoll(s, &end, 10);
		if (*end != '\0' || f.since < 0) {
			sl_http_reply_error(rs, 400, "since: expected unix seconds, got '%s'", s);
			return;
		}
	}
	s = sl_http_arg(rq, "limit");
	if (s != NULL && *s) {
		char *end = NULL;
		f.limit = strtoll(s, &end, 10);
		if (*end != '\0' || f.limit < 1 || f.limit > MAX_LIST) {
			sl_http_reply_error(rs, 400, "limit: expected 1 to %d, got '%s'", MAX_LIST, s);
			return;
		}
	}
	rc = sl_store_list(sl_daemon_store(d), &f, &v, &n, &why);
	if (rc != SL_OK) {
		store_error(rs, rc, why);
		free(why);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, item_json(v[i], 0, (int64_t)time(NULL)));
	sl_items_free(v, n);
	sl_http_reply_json(rs, 200, arr);
}

static void show(struct sl_daemon *d, struct caller *c, const char *ref, int raw, struct sl_http_response *rs)
{
	struct sl_store *st = sl_daemon_store(d);
	struct sl_item *it = NULL;
	struct sl_audit *a = NULL;
	size_t n = 0;
	char *why = NULL;
	int rc = sl_store_get(st, ref, &it, &why);
	json_t *o;

	if (rc != SL_OK)
		goto fail;
	if (raw) {
		unsigned char *data = NULL;
		size_t len = 0;
		struct sl_audit au = { 0 };
		rc = sl_store_bytes(st, ref, 0, &data, &len, &why);
		if (rc != SL_OK)
			goto fail;
		au.actor = c->actor;
		au.action = "show-raw";
		au.ref = (char *)ref;
		au.outcome = "ok";
		rc = sl_store_audit(st, &au, &why);
		if (rc != SL_OK) { /* no unaudited look at an original */
			free(data);
			goto fail;
		}
		sl_http_reply(rs, 200, "message/rfc822", data, len);
		sl_item_free(it);
		return;
	}
	rc = sl_store_audit_list(st, ref, 0, &a, &n, &why);
	if (rc != SL_OK)
		goto fail;
	o = item_json(it, 1, (int64_t)time(NULL));
	json_object_set_new(o, "audit", audit_json(a, n));
	sl_audit_free(a, n);
	sl_item_free(it);
	sl_http_reply_json(rs, 200, o);
	return;
fail:
	store_error(rs, rc, why);
	free(why);
	sl_item_free(it);
}

static void h_item_get(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	const char *sub = sl_http_subpath(rq), *slash = strchr(sub, '/');
	char ref[SL_REF_LEN + 1];

	if (!authorize(d, rq, rs, &c))
		return;
	if (slash != NULL && strcmp(slash, "/raw") != 0) {
		sl_http_reply_error(rs, 404, "no such resource: %s", sl_http_path(rq));
		return;
	}
	if (!ref_from(sub, slash ? (size_t)(slash - sub) : strlen(sub), ref, rs))
		return;
	show(d, &c, ref, slash != NULL, rs);
}

static const char *json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void release(struct sl_daemon *d, struct caller *c, const char *ref, json_t *body,
		    struct sl_http_response *rs)
{
	json_t *to = json_object_get(body, "to");
	char **addrs = NULL, *msg = NULL;
	size_t i, n = 0;
	int rc;
	enum sl_relay_outcome relay = SL_RELAY_NONE;
	struct sl_engine *eng;
	const unsigned char *key;
	size_t keylen;
	struct sl_release_req rq;

	if (to != NULL && !json_is_array(to)) {
		sl_http_reply_error(rs, 400, "to: expected a list of addresses");
		return;
	}
	n = to ? json_array_size(to) : 0;
	addrs = sl_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(to, i));
		if (s == NULL) {
			sl_http_reply_error(rs, 400, "to: expected a list of addresses");
			free(addrs);
			return;
		}
		addrs[i] = (char *)s;
	}
	eng = sl_daemon_engine(d);
	key = sl_daemon_release_key(d, &keylen);
	rq.ref = ref;
	rq.actor = c->actor;
	rq.by = c->name;
	rq.reason = json_str(body, "reason");
	rq.to = n ? addrs : NULL;
	rc = sl_release_run(sl_daemon_store(d), sl_engine_config(eng), key, keylen, &rq, &msg, &relay);
	sl_engine_unref(eng);
	free(addrs);
	if (rc == SL_OK) {
		sl_http_reply_json(rs, 200, json_pack("{s:s,s:s,s:s}", "reference", ref, "status", "released",
						      "message", msg));
	} else if (relay != SL_RELAY_NONE) {
		sl_http_reply_json(rs, 502, json_pack("{s:s,s:b}", "error", msg, "refused", relay == SL_RELAY_REFUSED));
	} else {
		sl_http_reply_error(rs, status_for(rc), "%s", msg ? msg : sl_strerror(rc));
	}
	free(msg);
}

static void delete_item(struct sl_daemon *d, struct caller *c, const char *ref, json_t *body,
			struct sl_http_response *rs)
{
	const char *reason = json_str(body, "reason");
	char *why = NULL;
	gchar *r = g_strstrip(g_strdup(reason ? reason : ""));
	int rc;

	if (*r == '\0') {
		g_free(r);
		sl_http_reply_error(rs, 422, "a deletion needs a reason (--reason TEXT): it goes into the audit trail");
		return;
	}
	rc = sl_store_delete(sl_daemon_store(d), ref, c->actor, r, NULL, &why);
	if (rc == SL_OK) {
		sl_log(SL_LOG_NOTICE, "delete ref=%s by=\"%s\"", ref, c->actor);
		sl_http_reply_json(rs, 200, json_pack("{s:s,s:s}", "reference", ref, "status", "deleted"));
	} else {
		if (rc == SL_ECONFLICT || rc == SL_ENOTFOUND) {
			struct sl_audit a = { 0 };
			char *o = sl_xasprintf("refused: %s", why), *w2 = NULL;
			a.actor = c->actor;
			a.action = "delete";
			a.ref = (char *)ref;
			a.reason = r;
			a.outcome = o;
			if (sl_store_audit(sl_daemon_store(d), &a, &w2) != SL_OK)
				sl_log(SL_LOG_ERR, "admin: cannot audit a refused deletion: %s", w2);
			free(w2);
			free(o);
		}
		store_error(rs, rc, why);
	}
	free(why);
	g_free(r);
}

static void h_item_post(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	const char *sub = sl_http_subpath(rq), *slash = strchr(sub, '/');
	char ref[SL_REF_LEN + 1];
	json_t *body;

	if (!authorize(d, rq, rs, &c))
		return;
	if (slash == NULL || (strcmp(slash, "/release") != 0 && strcmp(slash, "/delete") != 0)) {
		sl_http_reply_error(rs, 404, "no such action: %s (release or delete)", sl_http_path(rq));
		return;
	}
	if (!ref_from(sub, (size_t)(slash - sub), ref, rs))
		return;
	body = sl_http_body_json(rq, rs);
	if (body == NULL)
		return;
	if (strcmp(slash, "/release") == 0)
		release(d, &c, ref, body, rs);
	else
		delete_item(d, &c, ref, body, rs);
	json_decref(body);
}

static void h_purge(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	size_t n = 0;
	char *why = NULL;
	int rc;
	if (!authorize(d, rq, rs, &c))
		return;
	rc = sl_daemon_purge(d, &n, &why);
	if (rc != SL_OK) {
		store_error(rs, rc, why);
		free(why);
		return;
	}
	sl_log(SL_LOG_NOTICE, "purge by=\"%s\" expired=%zu", c.actor, n);
	sl_http_reply_json(rs, 200, json_pack("{s:I}", "expired", (json_int_t)n));
}

static void h_reload(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	char *why = NULL;
	if (!authorize(d, rq, rs, &c))
		return;
	sl_log(SL_LOG_NOTICE, "reload asked by %s", c.actor);
	if (sl_daemon_reload(d, &why) != SL_OK) {
		sl_http_reply_error(rs, 422, "reload failed, the running configuration stays: %s",
				    why ? why : "unknown error");
		free(why);
		return;
	}
	sl_http_reply_json(rs, 200, json_pack("{s:b}", "reloaded", 1));
}

/* ---- the WhatsApp outbox (outbox.h) ---------------------------------------- */

static json_t *outbox_json(const struct sl_outbox_entry *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "key", str_or_null(e->key));
	json_object_set_new(o, "kind", str_or_null(e->kind));
	json_object_set_new(o, "reference", str_or_null(e->ref));
	json_object_set_new(o, "state", str_or_null(e->state));
	json_object_set_new(o, "delivery_id", str_or_null(e->delivery_id));
	json_object_set_new(o, "created", time_or_null(e->created / 1000));
	json_object_set_new(o, "attempts", json_integer(e->attempts));
	json_object_set_new(o, "next_attempt",
			    strcmp(e->state ? e->state : "", "pending") == 0 ? time_or_null(e->next_at / 1000) : json_null());
	json_object_set_new(o, "done", time_or_null(e->done_at / 1000));
	json_object_set_new(o, "last_error", str_or_null(e->last_error));
	return o;
}

static void h_outbox_list(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	const char *state = sl_http_arg(rq, "state"), *limit = sl_http_arg(rq, "limit");
	struct sl_outbox_entry *v = NULL;
	size_t n = 0, i;
	char *why = NULL;
	json_t *a;
	int rc;
	if (!authorize(d, rq, rs, &c))
		return;
	if (state != NULL && strcmp(state, "pending") != 0 && strcmp(state, "sent") != 0 && strcmp(state, "dead") != 0) {
		sl_http_reply_error(rs, 400, "state: expected pending, sent or dead, got '%s'", state);
		return;
	}
	rc = sl_outbox_list(sl_daemon_store(d), state, limit ? g_ascii_strtoll(limit, NULL, 10) : 0, &v, &n, &why);
	if (rc != SL_OK) {
		store_error(rs, rc, why);
		free(why);
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, outbox_json(&v[i]));
	sl_outbox_entries_free(v, n);
	sl_http_reply_json(rs, 200, a);
}

static void h_outbox_post(void *ctx, struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_daemon *d = ctx;
	struct caller c;
	const char *sub = sl_http_subpath(rq);
	char *end = NULL, *why = NULL;
	long long id;
	int rc;
	if (!authorize(d, rq, rs, &c))
		return;
	id = strtoll(sub, &end, 10);
	if (end == sub || id <= 0 || strcmp(end, "/retry") != 0) {
		sl_http_reply_error(rs, 404, "no such action: %s (POST /v1/outbox/ID/retry)", sl_http_path(rq));
		return;
	}
	rc = sl_outbox_retry(sl_daemon_store(d), (int64_t)id, sl_now_ms(), c.actor, &why);
	if (rc != SL_OK) {
		store_error(rs, rc, why);
		free(why);
		return;
	}
	sl_log(SL_LOG_NOTICE, "outbox retry id=%lld by=\"%s\"", id, c.actor);
	sl_http_reply_json(rs, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "pending"));
}

const struct sl_http_route *sl_admin_routes(struct sl_daemon *d, size_t *n)
{
	static struct sl_http_route routes[] = {
		{ "GET", "/v1/items", h_list, NULL, 0 },
		{ "GET", "/v1/items/", h_item_get, NULL, 0 },
		{ "POST", "/v1/items/", h_item_post, NULL, 0 },
		{ "POST", "/v1/purge", h_purge, NULL, 0 },
		{ "POST", "/v1/reload", h_reload, NULL, 0 },
		{ "GET", "/v1/outbox", h_outbox_list, NULL, 0 },
		{ "POST", "/v1/outbox/", h_outbox_post, NULL, 0 },
	};
	size_t i;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		routes[i].ctx = d;
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
