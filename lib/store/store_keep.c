/*
 * store_keep - the front ends' way into the quarantine (store.h, "for the
 * front ends"): a reference for a scanned message, then one call that keeps
 * it with what describes it.
 *
 * What the envelope does not say is taken from the message's top header
 * block: the sender from From, the recipients from To and Cc (RFC 5322
 * address lists, groups too, via GMime), the subject from Subject (RFC 2047
 * decoded). Headers are read up to limits.header_size; at most
 * MAX_RECIPIENTS addresses are kept.
 */
#include <glib.h>
#include <gmime/gmime.h>

#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "util.h"

#define MAX_RECIPIENTS 100
#define MAX_SUBJECT 300

static GOnce gmime_once = G_ONCE_INIT;

static gpointer init_gmime(gpointer unused)
{
	(void)unused;
	g_mime_init(); /* counted: the parse stage's call and ours pair up */
	return NULL;
}

void sl_store_reference(struct sl_msg *m)
{
	char ref[SL_REF_LEN + 1];
	if (m->reference != NULL)
		return;
	sl_ref_new(ref);
	m->reference = sl_xstrdup(ref);
}

/* The unfolded value of the first header field called name, or NULL. */
static char *header(const struct sl_msg *m, size_t cap, const char *name)
{
	const unsigned char *p = m->raw, *end = m->raw + (m->raw_len < cap ? m->raw_len : cap);
	size_t nl = strlen(name);
	while (p < end) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (len == 0 || (len == 1 && p[0] == '\r'))
			break; /* end of the header block */
		if (len > nl && p[nl] == ':' && g_ascii_strncasecmp((const char *)p, name, nl) == 0) {
			struct sl_buf b;
			const unsigned char *q = p + nl + 1;
			sl_buf_init(&b, cap);
			for (;;) {
				const unsigned char *e = memchr(q, '\n', (size_t)(end - q));
				size_t l = e ? (size_t)(e - q) : (size_t)(end - q);
				if (l > 0 && q[l - 1] == '\r')
					l--;
				sl_buf_add(&b, q, l);
				if (e == NULL || e + 1 >= end || (e[1] != ' ' && e[1] != '\t'))
					break;
				q = e + 1;
			}
			sl_buf_addstr(&b, "");
			return g_strstrip(sl_buf_take(&b));
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return NULL;
}

static void add_addresses(InternetAddressList *l, GPtrArray *out)
{
	int i, n = l ? internet_address_list_length(l) : 0;
	for (i = 0; i < n && out->len < MAX_RECIPIENTS; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr != NULL && *addr)
				g_ptr_array_add(out, g_strdup(addr));
		} else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			add_addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out);
		}
	}
}

static void addresses_of(const struct sl_msg *m, size_t cap, const char *name, GPtrArray *out)
{
	char *v = header(m, cap, name);
	InternetAddressList *l;
	if (v == NULL)
		return;
	l = internet_address_list_parse(NULL, v);
	add_addresses(l, out);
	if (l != NULL)
		g_object_unref(l);
	free(v);
}

/* An item being kept: the row and the strings it points to. */
struct keep {
	struct sl_item it;
	GPtrArray *rcpts;
	char *sender, *subject, *report;
	const unsigned char *original;
	size_t olen;
};

static int keep_prepare(struct keep *k, const struct sl_config *cfg, struct sl_msg *m, const struct sl_envelope *env,
			char **why)
{
	struct sl_envelope none = { 0 };
	size_t cap = (size_t)sl_config_int(cfg, "limits.header_size") * 4;
	char *clipped;

	memset(k, 0, sizeof(*k));
	g_once(&gmime_once, init_gmime, NULL);
	if (env == NULL)
		env = &none;
	if (m->reference == NULL) {
		*why = sl_xstrdup("store: the message has no reference (sl_store_reference before the rewrite)");
		return SL_EINVAL;
	}
	k->rcpts = g_ptr_array_new_with_free_func(g_free);
	if (env->sender != NULL) {
		k->sender = sl_xstrdup(env->sender);
	} else if (m->channel == SL_CHANNEL_EMAIL) {
		GPtrArray *from = g_ptr_array_new_with_free_func(g_free);
		addresses_of(m, cap, "From", from);
		k->sender = sl_xstrdup(from->len ? g_ptr_array_index(from, 0) : "");
		g_ptr_array_free(from, TRUE);
	} else {
		k->sender = sl_xstrdup("");
	}
	if (env->recipients != NULL) {
		size_t i;
		for (i = 0; env->recipients[i] != NULL && k->rcpts->len < MAX_RECIPIENTS; i++)
			g_ptr_array_add(k->rcpts, g_strdup(env->recipients[i]));
	} else if (m->channel == SL_CHANNEL_EMAIL) {
		addresses_of(m, cap, "To", k->rcpts);
		addresses_of(m, cap, "Cc", k->rcpts);
	}
	g_ptr_array_add(k->rcpts, NULL);
	if (env->subject != NULL) {
		k->subject = sl_xstrdup(env->subject);
	} else if (m->channel == SL_CHANNEL_EMAIL) {
		char *raw = header(m, cap, "Subject");
		char *dec = raw ? g_mime_utils_header_decode_text(NULL, raw) : NULL;
		k->subject = sl_xstrdup(dec ? dec : (raw ? raw : ""));
		g_free(dec);
		free(raw);
	} else {
		k->subject = sl_msg_first_line(m); /* a WhatsApp message has no subject */
	}
	clipped = sl_clip(k->subject, MAX_SUBJECT);
	free(k->subject);
	k->subject = clipped;
	k->report = sl_report_json(m, m->id);

	g_strlcpy(k->it.ref, m->reference, sizeof(k->it.ref));
	k->it.channel = m->channel;
	k->it.received = (int64_t)time(NULL);
	k->it.sender = k->sender;
	k->it.recipients = (char **)k->rcpts->pdata;
	k->it.subject = k->subject;
	k->it.msg_id = (char *)(env->msg_id ? env->msg_id : m->id);
	k->it.verdict = m->verdict;
	k->it.report = k->report;
	k->it.expires = k->it.received + sl_config_int(cfg, "quarantine.retention_days") * 86400;
	k->original = env->original != NULL ? env->original : m->raw;
	k->olen = env->original != NULL ? env->original_len : m->raw_len;
	return SL_OK;
}

static void keep_clear(struct keep *k)
{
	free(k->sender);
	free(k->subject);
	free(k->report);
	if (k->rcpts != NULL)
		g_ptr_array_free(k->rcpts, TRUE);
}

int sl_store_keep(struct sl_store *st, const struct sl_config *cfg, struct sl_msg *m, const struct sl_envelope *env,
		  const unsigned char *rewritten, size_t rlen, const char *actor, char **why)
{
	struct keep k;
	int rc = keep_prepare(&k, cfg, m, env, why);
	if (rc == SL_OK)
		rc = sl_store_put(st, &k.it, k.original, k.olen, rewritten, rlen, actor, why);
	keep_clear(&k);
	return rc;
}

int sl_store_keep_tx(struct sl_store_tx *tx, const struct sl_config *cfg, struct sl_msg *m,
		     const struct sl_envelope *env, const unsigned char *rewritten, size_t rlen, const char *actor,
		     char **why)
{
	struct keep k;
	int rc = keep_prepare(&k, cfg, m, env, why);
	if (rc == SL_OK)
		rc = sl_store_put_tx(tx, &k.it, k.original, k.olen, rewritten, rlen, actor, why);
	keep_clear(&k);
	return rc;
}
