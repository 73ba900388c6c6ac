/* release - see release.h. This file: the key, the header, its verification,
 * and sl_release_run. SMTP: release_smtp.c. */
#include <glib.h>

#include "release.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safelink.h"
#include "util.h"

#define MAC_LEN 32
#define MAC_B64_LEN 43 /* base64url of 32 bytes, no padding */
#define MAX_BY 64
#define MAX_HEADER 4096

/* ---- the key ------------------------------------------------------------ */

/* Writes 32 random bytes (as hex) to path once: a temporary file, fsync, then
 * link(2), which fails when another process got there first -- theirs wins. */
static int create_key(const char *path, char **why)
{
	gchar *dir = g_path_get_dirname(path);
	gchar *tmp = g_build_filename(dir, ".release.key.XXXXXX", NULL);
	unsigned char raw[32];
	char hex[2 * sizeof(raw) + 2];
	int fd = -1, rc = SL_EIO;
	size_t i;

	sl_random(raw, sizeof(raw));
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[2 * sizeof(raw)] = '\n';
	hex[2 * sizeof(raw) + 1] = '\0';
	fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = sl_xasprintf("%s: cannot create the release key: %s", dir, strerror(errno));
		goto out;
	}
	if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) || fsync(fd) != 0) {
		*why = sl_xasprintf("%s: cannot write the release key: %s", tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) != 0 && errno != EEXIST) {
		*why = sl_xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	rc = SL_OK;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(hex, sizeof(hex));
	g_free(tmp);
	g_free(dir);
	return rc;
}

int sl_release_key_load(const struct sl_config *cfg, int create, unsigned char **key, size_t *keylen, char **why)
{
	const char *file = sl_config_str(cfg, "release.key_file");
	gchar *path = NULL;
	char *w = NULL;
	int rc;

	*key = NULL;
	*keylen = 0;
	if (*file != '\0') {
		rc = sl_safelink_load_key(file, key, keylen, &w);
		if (rc != SL_OK)
			*why = sl_xasprintf("release.key_file: %s", w ? w : file);
		free(w);
		return rc == SL_OK ? SL_OK : SL_ECONFIG;
	}
	path = g_build_filename(sl_config_str(cfg, "general.data_dir"), "release.key", NULL);
	if (create && access(path, F_OK) != 0) {
		rc = create_key(path, why);
		if (rc != SL_OK)
			goto out;
		sl_log(SL_LOG_NOTICE, "release: created the release key %s", path);
	}
	rc = sl_safelink_load_key(path, key, keylen, &w);
	if (rc != SL_OK) {
		*why = sl_xasprintf("release key: %s", w ? w : path);
		rc = SL_ECONFIG;
	}
	free(w);
out:
	g_free(path);
	return rc;
}

/* ---- the MAC ------------------------------------------------------------ */

static void mac(const unsigned char *key, size_t keylen, const char *ref, const char *by, int64_t at,
		const unsigned char *body, size_t len, unsigned char out[MAC_LEN])
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, keylen);
	char *head = sl_xasprintf("sluice-release/1\n%s\n%s\n%lld\n", ref, by, (long long)at);
	gsize n = MAC_LEN;
	size_t end = len, i, start = 0;

	g_hmac_update(h, (const guchar *)head, (gssize)strlen(head));
	/* line ends as LF, empty lines at the end ignored */
	while (end > 0 && (body[end - 1] == '\n' || body[end - 1] == '\r'))
		end--;
	for (i = 0; i < end; i++) {
		if (body[i] == '\r' && i + 1 < end && body[i + 1] == '\n') {
			g_hmac_update(h, body + start, (gssize)(i - start));
			start = i + 1;
		}
	}
	g_hmac_update(h, body + start, (gssize)(end - start));
	g_hmac_update(h, (const guchar *)"\n", 1);
	g_hmac_get_digest(h, out, &n);
	g_hmac_unref(h);
	free(head);
}

static void clean_by(const char *by, char out[MAX_BY + 1])
{
	size_t i;
	for (i = 0; by != NULL && by[i] && i < MAX_BY; i++) {
		unsigned char c = (unsigned char)by[i];
		out[i] = (char)((isascii(c) && (isalnum(c) || strchr("._@+-", c))) ? c : '_');
	}
	if (i == 0)
		out[i++] = '_';
	out[i] = '\0';
}

static void b64url(const unsigned char *p, size_t n, char *out, size_t outsz)
{
	gchar *b = g_base64_encode(p, n);
	size_t i, o = 0;
	for (i = 0; b[i] && b[i] != '=' && o + 1 < outsz; i++)
		out[o++] = b[i] == '+' ? '-' : b[i] == '/' ? '_' : b[i];
	out[o] = '\0';
	g_free(b);
}

char *sl_release_header(const unsigned char *key, size_t keylen, const char *ref, const char *by, int64_t at,
			const unsigned char *raw, size_t len)
{
	unsigned char m[MAC_LEN];
	char who[MAX_BY + 1], enc[MAC_B64_LEN + 4];
	const unsigned char *nl = memchr(raw, '\n', len);
	int crlf = nl != NULL && nl > raw && nl[-1] == '\r';

	clean_by(by, who);
	mac(key, keylen, ref, who, at, raw, len, m);
	b64url(m, sizeof(m), enc, sizeof(enc));
	explicit_bzero(m, sizeof(m));
	return sl_xasprintf("%s: v=1; ref=%s; by=%s; at=%lld; mac=%s%s", SL_RELEASE_HEADER, ref, who, (long long)at,
			    enc, crlf ? "\r\n" : "\n");
}

/* ---- verification ------------------------------------------------------- */

/* The value of "name=" in a "k=v; k=v" list (trimmed), copied to out. */
static int field(const char *list, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = list;
	while (*p) {
		const char *end = strchr(p, ';'), *v;
		size_t len;
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) > nl && g_ascii_strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
			v = p + nl + 1;
			len = (size_t)(end - v);
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len + 1 > outsz)
				return -1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return -1;
}

/* Finds the first X-Sluice-Release field of the top header block: its
 * unfolded value and where the message after it starts. */
static int find_header(const unsigned char *msg, size_t len, char **value, size_t *after)
{
	size_t pos = 0, hl = strlen(SL_RELEASE_HEADER);
	while (pos < len) {
		const unsigned char *eol = memchr(msg + pos, '\n', len - pos);
		size_t line_end = eol ? (size_t)(eol - msg) + 1 : len, content = line_end - pos;
		if (content <= 2 && (msg[pos] == '\n' || (msg[pos] == '\r' && content == 2 && msg[pos + 1] == '\n')))
			return SL_ENOTFOUND; /* end of the header block */
		if (content > hl && g_ascii_strncasecmp((const char *)msg + pos, SL_RELEASE_HEADER, hl) == 0 &&
		    (msg[pos + hl] == ':' || msg[pos + hl] == ' ' || msg[pos + hl] == '\t')) {
			struct sl_buf b;
			size_t e = line_end, i;
			/* continuation lines */
			while (e < len && (msg[e] == ' ' || msg[e] == '\t')) {
				const unsigned char *n2 = memchr(msg + e, '\n', len - e);
				e = n2 ? (size_t)(n2 - msg) + 1 : len;
			}
			if (e - pos > MAX_HEADER)
				return SL_EINVAL;
			sl_buf_init(&b, 0);
			for (i = pos + hl; i < e; i++)
				if (msg[i] != '\r' && msg[i] != '\n')
					sl_buf_add(&b, msg + i, 1);
			sl_buf_addstr(&b, "");
			{
				char *s = sl_buf_take(&b), *colon = s ? strchr(s, ':') : NULL;
				if (colon == NULL) {
					free(s);
					return SL_EINVAL;
				}
				memmove(s, colon + 1, strlen(colon + 1) + 1);
				*value = s;
			}
			*after = e;
			return SL_OK;
		}
		pos = line_end;
	}
	return SL_ENOTFOUND;
}

static int b64url_decode32(const char *s, unsigned char out[MAC_LEN])
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0;
	if (strlen(s) != MAC_B64_LEN)
		return -1;
	for (i = 0; s[i]; i++) {
		int v = sl_b64_value((unsigned char)s[i], 1);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == MAC_LEN)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == MAC_LEN && acc == 0 ? 0 : -1;
}

int sl_release_verify(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t len,
		      struct sl_release_info *info)
{
	char *value = NULL, *why = NULL, v[8], ref[64], canon[SL_REF_LEN + 1], by[MAX_BY + 2], who[MAX_BY + 1],
	     at[24], enc[MAC_B64_LEN + 2];
	unsigned char got[MAC_LEN], want[MAC_LEN];
	size_t after = 0, i;
	int rc = find_header(msg, len, &value, &after);
	long long when;
	char *end = NULL;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (rc != SL_OK)
		return rc;
	rc = SL_EINVAL;
	if (keylen < SL_RELEASE_KEY_MIN)
		goto out;
	if (field(value, "v", v, sizeof(v)) != 0 || strcmp(v, "1") != 0 || field(value, "ref", ref, sizeof(ref)) != 0 ||
	    field(value, "by", by, sizeof(by)) != 0 || field(value, "at", at, sizeof(at)) != 0 ||
	    field(value, "mac", enc, sizeof(enc)) != 0)
		goto out;
	if (sl_ref_parse(ref, canon, &why) != SL_OK || strcmp(canon, ref) != 0)
		goto out;
	clean_by(by, who);
	if (strcmp(who, by) != 0)
		goto out;
	for (i = 0; at[i]; i++)
		if (!isdigit((unsigned char)at[i]))
			goto out;
	errno = 0;
	when = strtoll(at, &end, 10);
	if (errno != 0 || *at == '\0' || *end != '\0')
		goto out;
	if (b64url_decode32(enc, got) != 0)
		goto out;
	mac(key, keylen, ref, by, (int64_t)when, msg + after, len - after, want);
	if (!sl_memeq_consttime(got, want, MAC_LEN))
		goto out;
	if (info != NULL) {
		memcpy(info->ref, canon, sizeof(info->ref));
		memcpy(info->by, who, strlen(who) + 1);
		info->at = (int64_t)when;
	}
	rc = SL_OK;
out:
	explicit_bzero(want, sizeof(want));
	free(why);
	free(value);
	return rc;
}

/* ---- the whole release --------------------------------------------------- */

int sl_release_address_ok(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	size_t i, n = a ? strlen(a) : 0;
	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL || n > 254)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
		    c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

static char *join(char *const *v)
{
	struct sl_buf b;
	size_t i;
	sl_buf_init(&b, 0);
	for (i = 0; v != NULL && v[i] != NULL; i++)
		sl_buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
	sl_buf_addstr(&b, "");
	return sl_buf_take(&b);
}

/* LF -> CRLF where a CR is missing: what SMTP carries (the MAC does not mind). */
static unsigned char *wire(const char *header, const unsigned char *raw, size_t len, size_t *outlen)
{
	struct sl_buf b;
	size_t i, start = 0;
	sl_buf_init(&b, 0);
	sl_buf_addstr(&b, header);
	if (b.len >= 2 && b.data[b.len - 2] != '\r') { /* header ends "\n" only */
		b.len--;
		sl_buf_addstr(&b, "\r\n");
	}
	for (i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
			sl_buf_add(&b, raw + start, i - start);
			sl_buf_add(&b, "\r\n", 2);
			start = i + 1;
		}
	}
	sl_buf_add(&b, raw + start, len - start);
	*outlen = b.len;
	return (unsigned char *)sl_buf_take(&b);
}

static void audit_refusal(struct sl_store *st, const char *ref, const struct sl_release_req *rq,
			  const char *outcome)
{
	struct sl_audit a = { 0 };
	char *why = NULL;
	a.actor = (char *)rq->actor;
	a.action = "release";
	a.ref = (char *)ref;
	a.reason = (char *)rq->reason;
	a.outcome = (char *)outcome;
	if (sl_store_audit(st, &a, &why) != SL_OK)
		sl_log(SL_LOG_ERR, "audit: cannot record a refused release of %s: %s", ref ? ref : "-", why);
	free(why);
}

int sl_release_refuse(struct sl_store *st, const char *ref, const struct sl_release_req *rq, int rc, char *text,
		      char **message)
{
	char *o = sl_xasprintf("refused: %s", text);
	audit_refusal(st, ref, rq, o);
	free(o);
	*message = text;
	return rc;
}

int sl_release_run(struct sl_store *st, const struct sl_config *cfg, const unsigned char *key, size_t keylen,
		   const struct sl_release_req *rq, char **message, enum sl_relay_outcome *relay)
{
	char ref[SL_REF_LEN + 1], token[SL_REF_LEN + 1], *why = NULL, *header = NULL, *rcpt_text = NULL,
	     *interrupted = NULL;
	struct sl_item *it = NULL;
	unsigned char *raw = NULL, *data = NULL;
	size_t rawlen = 0, datalen = 0, i;
	char *const *rcpts;
	struct sl_relay_result res;
	int rc, timeout = (int)sl_config_int(cfg, "release.timeout");

	*message = NULL;
	if (relay != NULL)
		*relay = SL_RELAY_NONE;
	if (sl_ref_parse(rq->ref ? rq->ref : "", ref, &why) != SL_OK) {
		*message = why;
		return SL_EINVAL;
	}
	{
		gchar *r = g_strstrip(g_strdup(rq->reason ? rq->reason : ""));
		int empty = *r == '\0';
		g_free(r);
		if (empty) {
			*message = sl_xstrdup("a release needs a reason (--reason TEXT): it goes into the audit trail");
			return SL_EINVAL;
		}
	}
	for (i = 0; rq->to != NULL && rq->to[i] != NULL; i++) {
		if (!sl_release_address_ok(rq->to[i])) {
			*message = sl_xasprintf("--to: '%s' is not an e-mail address", rq->to[i]);
			return SL_EINVAL;
		}
	}
	rc = sl_store_get(st, ref, &it, &why);
	if (rc == SL_ENOTFOUND)
		return sl_release_refuse(st, ref, rq, rc, why, message);
	if (rc != SL_OK) {
		*message = why;
		return rc;
	}
	if (it->channel == SL_CHANNEL_WHATSAPP) {
		free(why);
		rc = sl_release_whatsapp(st, cfg, ref, rq, message);
		goto out;
	}
	rcpts = rq->to != NULL && rq->to[0] != NULL ? rq->to : it->recipients;
	for (i = 0; rcpts != NULL && rcpts[i] != NULL; i++) {
		if (!sl_release_address_ok(rcpts[i])) {
			rc = sl_release_refuse(st, ref, rq, SL_EINVAL,
				     sl_xasprintf("%s: recipient '%s' is not an address the relay can take; "
						  "give --to ADDRESS",
						  ref, rcpts[i]),
				     message);
			goto out;
		}
	}
	if (rcpts == NULL || rcpts[0] == NULL) {
		rc = sl_release_refuse(st, ref, rq, SL_EINVAL,
			     sl_xasprintf("%s has no recipients on record: give --to ADDRESS", ref), message);
		goto out;
	}
	sl_item_free(it);
	it = NULL;
	rc = sl_store_claim(st, ref, rq->actor, (int64_t)timeout * 2 + 60, token, &it, &why);
	if (rc == SL_ECONFLICT) {
		rc = sl_release_refuse(st, ref, rq, rc, why, message);
		goto out;
	}
	if (rc != SL_OK) {
		*message = why;
		goto out;
	}
	if (it->claim_by != NULL) {
		char when[32];
		sl_time_iso(it->claim_at, when);
		interrupted = sl_xasprintf(" Note: an earlier release by %s at %s was interrupted; the relay may "
					   "already have delivered it once.",
					   it->claim_by, when);
	}
	if (rq->to == NULL || rq->to[0] == NULL)
		rcpts = it->recipients; /* it was replaced by the claim's copy */
	rc = sl_store_bytes(st, ref, 0, &raw, &rawlen, &why);
	if (rc != SL_OK) {
		char *o = sl_xasprintf("failed: %s", why);
		char *w2 = NULL;
		sl_store_claim_drop(st, ref, token, rq->actor, rq->reason, o, &w2);
		free(o);
		free(w2);
		*message = why;
		goto out;
	}
	header = sl_release_header(key, keylen, ref, rq->by, (int64_t)time(NULL), raw, rawlen);
	data = wire(header, raw, rawlen, &datalen);
	rcpt_text = join(rcpts);
	/* the original envelope sender, so that bounces reach the customer; a
	 * sender the relay could not parse becomes the null sender */
	sl_relay_send(sl_config_str(cfg, "release.relay"), sl_store_node(st),
		      sl_release_address_ok(it->sender) ? it->sender : "", rcpts, data, datalen, timeout, &res);
	if (!res.accepted) {
		char *o = sl_xasprintf("failed: %s %s: %s", res.refused ? "the relay refused it" : "the relay could not take it",
				       sl_config_str(cfg, "release.relay"), res.answer);
		char *w2 = NULL;
		if (sl_store_claim_drop(st, ref, token, rq->actor, rq->reason, o, &w2) != SL_OK)
			sl_log(SL_LOG_ERR, "release %s: cannot give the claim back (it runs out by itself): %s", ref, w2);
		free(w2);
		free(o);
		if (relay != NULL)
			*relay = res.refused ? SL_RELAY_REFUSED : SL_RELAY_UNREACHABLE;
		*message = sl_xasprintf("%s was not released: the relay %s %s: %s. It is still held.", ref,
					sl_config_str(cfg, "release.relay"),
					res.refused ? "refused it" : "could not be reached", res.answer);
		rc = SL_ETEMP;
		goto out;
	}
	{
		char *detail = sl_xasprintf("to %s via %s: %s%s", rcpt_text, sl_config_str(cfg, "release.relay"),
					    res.answer, interrupted ? " (after an interrupted release)" : "");
		rc = sl_store_claim_done(st, ref, token, rq->actor, rq->reason, detail, &why);
		free(detail);
	}
	if (rc != SL_OK) {
		*message = sl_xasprintf("%s was sent to %s (relay: %s) but the release could not be recorded: %s. "
					"It will show as held with an interrupted release.",
					ref, rcpt_text, res.answer, why);
		free(why);
		goto out;
	}
	*message = sl_xasprintf("released %s to %s (relay: %s).%s", ref, rcpt_text, res.answer,
				interrupted ? interrupted : "");
	sl_log(SL_LOG_NOTICE, "release ref=%s by=\"%s\" to=\"%s\" relay=\"%s\"", ref, rq->actor, rcpt_text,
	       res.answer);
out:
	sl_item_free(it);
	free(header);
	free(data);
	free(raw);
	free(rcpt_text);
	free(interrupted);
	return rc;
}
