/* milter - see milter.h. */
#include <glib.h>

#include "milter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "hdrblock.h"
#include "hdredit.h"
#include "pipeline.h"
#include "release.h"
#include "rewrite.h"
#include "spool.h"
#include "store.h"
#include "util.h"

#define ACTOR "sluiced milter"
#define MAX_RCPTS_KEPT 100 /* recipients kept with a quarantined item (all are counted) */

/* ---- the state of the door ------------------------------------------------ */

static struct {
	struct sl_daemon *d;
	char *conn;              /* milter.socket as libmilter takes it */
	char *unix_path;         /* the socket's path when it is a unix socket */
	GThread *thread;         /* runs smfi_main */
	pthread_t main_thread;   /* told when the listener stops by itself */
	GMutex lock;             /* guards stopping and in_flight (static: no init) */
	GCond drained;
	int stopping;
	unsigned in_flight;
	volatile int running, failed, stop_requested;
	uint64_t messages, tempfails, rejects, released, replays;
} door;

static void count(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

void sl_milter_counters(struct sl_milter_counters *c)
{
	c->messages = __atomic_load_n(&door.messages, __ATOMIC_RELAXED);
	c->tempfails = __atomic_load_n(&door.tempfails, __ATOMIC_RELAXED);
	c->rejects = __atomic_load_n(&door.rejects, __ATOMIC_RELAXED);
	c->released = __atomic_load_n(&door.released, __ATOMIC_RELAXED);
	c->replays = __atomic_load_n(&door.replays, __ATOMIC_RELAXED);
	g_mutex_lock(&door.lock);
	c->in_flight = door.in_flight;
	g_mutex_unlock(&door.lock);
}

int sl_milter_running(void)
{
	return door.running;
}

int sl_milter_failed(void)
{
	return door.failed;
}

/* ---- per connection, per message ------------------------------------------ */

/* A header field: offsets in the spool of its name and its value (CRLF folds). */
struct fld {
	size_t name_off, name_len, value_off, value_len;
};

/* What ended a message before its end (answered at the next reply). */
enum early { EARLY_NONE, EARLY_TOO_BIG, EARLY_TOO_MANY_FIELDS, EARLY_SPOOL };

struct msgctx {
	int active;                /* between MAIL FROM and the end: counted in flight */
	struct sl_engine *eng;
	char *sender, *auth;
	char *rcpts[MAX_RCPTS_KEPT + 1];
	size_t nrcpt;
	GArray *fields;            /* struct fld */
	size_t max_fields;
	int saw_release;           /* an X-Sluice-Release field came */
	enum early early;
	char *why;                 /* for the log, with EARLY_SPOOL */
};

struct conn {
	char addr[INET6_ADDRSTRLEN + 8];
	int lead_space;            /* SMFIP_HDR_LEADSPC negotiated */
	int nr_conn, nr_hdr, nr_rcpt; /* no replies for these */
	struct sl_spool *spool;
	size_t spool_mem, spool_max;
	struct sl_buf line;        /* one field line at a time */
	struct msgctx m;
};

static struct conn *conn_of(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL) {
		c = sl_xcalloc(1, sizeof(*c));
		g_strlcpy(c->addr, "unknown", sizeof(c->addr));
		sl_buf_init(&c->line, 0);
		smfi_setpriv(ctx, c);
	}
	return c;
}

/* Ends the message: no longer in flight, its engine let go. */
static void end_message(struct conn *c)
{
	struct msgctx *m = &c->m;
	size_t i;
	if (!m->active)
		return;
	sl_engine_unref(m->eng);
	free(m->sender);
	free(m->auth);
	free(m->why);
	for (i = 0; i < m->nrcpt && i < MAX_RCPTS_KEPT; i++)
		free(m->rcpts[i]);
	if (m->fields != NULL)
		g_array_unref(m->fields);
	memset(m, 0, sizeof(*m));
	if (c->spool != NULL)
		sl_spool_reset(c->spool);
	g_mutex_lock(&door.lock);
	door.in_flight--;
	g_cond_broadcast(&door.drained);
	g_mutex_unlock(&door.lock);
}

/* An address without its angle brackets. */
static char *bare_address(const char *a)
{
	size_t n;
	if (a == NULL)
		return sl_xstrdup("");
	n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>')
		return sl_xstrndup(a + 1, n - 2);
	return sl_xstrdup(a);
}

/* A value for the log: printable ASCII without blanks, quotes or '=', capped. */
static void log_value(struct sl_buf *b, const char *key, const char *v)
{
	size_t i;
	sl_buf_printf(b, " %s=", key);
	if (v == NULL || *v == '\0') {
		sl_buf_addstr(b, "-");
		return;
	}
	for (i = 0; v[i] && i < 256; i++) {
		unsigned char ch = (unsigned char)v[i];
		char out = ch > ' ' && ch < 0x7f && ch != '"' && ch != '=' && ch != '\\' ? (char)ch : '?';
		sl_buf_add(b, &out, 1);
	}
	if (v[i])
		sl_buf_addstr(b, "...");
}

/* The part of the log line that the door knows (after the engine's). */
static void log_envelope(struct sl_buf *b, const struct conn *c)
{
	log_value(b, "client", c->addr);
	log_value(b, "from", c->m.sender);
	sl_buf_printf(b, " rcpts=%zu", c->m.nrcpt);
	log_value(b, "auth", c->m.auth);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static const char *queue_id(SMFICTX *ctx)
{
	const char *i = smfi_getsymval(ctx, "i");
	return i != NULL && *i ? i : "NOQUEUE";
}

/* One line for a message that ended before its scan. */
static void log_early(SMFICTX *ctx, struct conn *c, const char *action, const char *reason)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	sl_buf_printf(&b, "id=%s channel=email verdict=none", queue_id(ctx));
	log_envelope(&b, c);
	sl_buf_printf(&b, " action=%s reason=\"%s\"", action, reason);
	sl_log(SL_LOG_INFO, "%s", b.data);
	sl_buf_free(&b);
}

/* ---- answers ---------------------------------------------------------------- */

static sfsistat tempfail(SMFICTX *ctx, const char *xcode, const char *text)
{
	count(&door.tempfails);
	smfi_setreply(ctx, "451", (char *)xcode, (char *)text);
	return SMFIS_TEMPFAIL;
}

static sfsistat reject(SMFICTX *ctx, const char *code, const char *xcode, const char *text)
{
	count(&door.rejects);
	smfi_setreply(ctx, (char *)code, (char *)xcode, (char *)text);
	return SMFIS_REJECT;
}

#define TEMP_TEXT "Temporary failure while checking the message; please try again later"
#define TOO_BIG_TEXT "Message size exceeds the limit of this server"

/* The answer to a message that ended early (size, fields, spool). */
static sfsistat answer_early(SMFICTX *ctx, struct conn *c)
{
	sfsistat r;
	switch (c->m.early) {
	case EARLY_TOO_BIG:
		log_early(ctx, c, "reject", "larger than general.max_message_size");
		r = reject(ctx, "552", "5.3.4", TOO_BIG_TEXT);
		break;
	case EARLY_TOO_MANY_FIELDS:
		log_early(ctx, c, "reject", "more header fields than milter.max_header_fields");
		r = reject(ctx, "552", "5.3.4", "Message header has too many fields");
		break;
	default:
		sl_log(SL_LOG_ERR, "id=%s spool: %s", queue_id(ctx), c->m.why ? c->m.why : "failed");
		log_early(ctx, c, "tempfail", "spool");
		r = tempfail(ctx, "4.7.1", TEMP_TEXT);
		break;
	}
	end_message(c);
	return r;
}

/* ---- callbacks up to the end of the message --------------------------------- */

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			     unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY;
	const unsigned long steps = SMFIP_HDR_LEADSPC | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA |
				    SMFIP_NR_CONN | SMFIP_NR_RCPT | SMFIP_NR_HDR;
	struct conn *c = conn_of(ctx);
	(void)f2;
	(void)f3;
	if ((f0 & need) != need) {
		sl_log(SL_LOG_ERR, "milter: the mail server does not offer adding, changing and deleting header "
		       "fields and replacing the body (actions 0x%lx): refusing the connection", f0);
		return SMFIS_REJECT;
	}
	*pf0 = f0 & (need | SMFIF_QUARANTINE);
	*pf1 = f1 & steps;
	*pf2 = 0;
	*pf3 = 0;
	c->lead_space = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->nr_conn = (*pf1 & SMFIP_NR_CONN) != 0;
	c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	c->nr_rcpt = (*pf1 & SMFIP_NR_RCPT) != 0;
	if (!c->lead_space)
		sl_log(SL_LOG_DEBUG, "milter: the mail server does not keep the blanks after header colons "
		       "(SMFIP_HDR_LEADSPC): one space is assumed");
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct conn *c = conn_of(ctx);
	(void)host;
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, c->addr, sizeof(c->addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, c->addr, sizeof(c->addr));
	else
		g_strlcpy(c->addr, "local", sizeof(c->addr));
	return c->nr_conn ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);
	struct msgctx *m = &c->m;
	const struct sl_config *cfg;
	const char *auth;
	size_t mem, max, i;

	end_message(c); /* a message the server never ended (no abort seen) */
	g_mutex_lock(&door.lock);
	if (door.stopping) {
		g_mutex_unlock(&door.lock);
		return tempfail(ctx, "4.3.2", "Mail filter shutting down; please try again later");
	}
	door.in_flight++;
	g_mutex_unlock(&door.lock);
	m->active = 1;
	m->eng = sl_daemon_engine(door.d);
	cfg = sl_engine_config(m->eng);
	m->sender = bare_address(argv[0]);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	m->auth = auth != NULL ? sl_xstrdup(auth) : NULL;
	m->fields = g_array_new(FALSE, FALSE, sizeof(struct fld));
	m->max_fields = (size_t)sl_config_int(cfg, "milter.max_header_fields");
	mem = (size_t)sl_config_int(cfg, "milter.spool_memory");
	max = (size_t)sl_config_int(cfg, "general.max_message_size");
	if (c->spool == NULL || c->spool_mem != mem || c->spool_max != max) {
		gchar *dir = g_build_filename(sl_config_str(cfg, "general.data_dir"), "spool", NULL);
		sl_spool_free(c->spool);
		c->spool = sl_spool_new(dir, mem, max);
		c->spool_mem = mem;
		c->spool_max = max;
		g_free(dir);
	}
	/* SIZE= tells early what the data would tell late. */
	for (i = 1; argv[i] != NULL; i++) {
		if (g_ascii_strncasecmp(argv[i], "SIZE=", 5) == 0) {
			unsigned long long n = g_ascii_strtoull(argv[i] + 5, NULL, 10);
			if (n > max) {
				m->early = EARLY_TOO_BIG;
				return answer_early(ctx, c);
			}
		}
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);
	if (c->m.active) {
		if (c->m.nrcpt < MAX_RCPTS_KEPT)
			c->m.rcpts[c->m.nrcpt] = bare_address(argv[0]);
		c->m.nrcpt++;
	}
	return c->nr_rcpt ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_of(ctx);
	struct msgctx *m = &c->m;
	struct fld f;
	int rc;
	if (!m->active || m->early != EARLY_NONE)
		goto out;
	if (m->fields->len >= m->max_fields) {
		m->early = EARLY_TOO_MANY_FIELDS;
		goto out;
	}
	c->line.len = 0;
	sl_hdr_field_line(name, value ? value : "", c->lead_space, &c->line);
	f.name_off = sl_spool_len(c->spool);
	f.name_len = strlen(name);
	f.value_off = f.name_off + f.name_len + 1;
	f.value_len = c->line.len - f.name_len - 1 - 2;
	rc = sl_spool_add(c->spool, c->line.data, c->line.len, &m->why);
	if (rc != SL_OK) {
		m->early = rc == SL_ETOOBIG ? EARLY_TOO_BIG : EARLY_SPOOL;
		goto out;
	}
	g_array_append_val(m->fields, f);
	if (g_ascii_strcasecmp(name, SL_RELEASE_HEADER) == 0)
		m->saw_release = 1;
out:
	return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	struct msgctx *m = &c->m;
	int rc;
	if (!m->active)
		return SMFIS_CONTINUE;
	if (m->early == EARLY_NONE) {
		rc = sl_spool_add(c->spool, "\r\n", 2, &m->why);
		if (rc != SL_OK)
			m->early = rc == SL_ETOOBIG ? EARLY_TOO_BIG : EARLY_SPOOL;
	}
	return m->early != EARLY_NONE ? answer_early(ctx, c) : SMFIS_CONTINUE;
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct conn *c = conn_of(ctx);
	struct msgctx *m = &c->m;
	int rc;
	if (!m->active)
		return SMFIS_CONTINUE;
	rc = sl_spool_add(c->spool, p, n, &m->why);
	if (rc != SL_OK) {
		m->early = rc == SL_ETOOBIG ? EARLY_TOO_BIG : EARLY_SPOOL;
		return answer_early(ctx, c);
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c != NULL && c->m.active) {
		log_early(ctx, c, "aborted", "the mail server ended the message before its end");
		end_message(c);
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->m.active) {
		log_early(ctx, c, "aborted", "the connection closed before the end of the message");
		end_message(c);
	}
	sl_spool_free(c->spool);
	sl_buf_free(&c->line);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* ---- applying a verdict ------------------------------------------------------ */

/* The fields as the mail server showed them, over the mapped spool. */
static struct sl_hdr_field *fields_of(const struct msgctx *m, const unsigned char *raw)
{
	struct sl_hdr_field *f = sl_xcalloc(m->fields->len ? m->fields->len : 1, sizeof(*f));
	guint i;
	for (i = 0; i < m->fields->len; i++) {
		const struct fld *x = &g_array_index(m->fields, struct fld, i);
		f[i].name = (const char *)raw + x->name_off;
		f[i].name_len = x->name_len;
		f[i].value = (const char *)raw + x->value_off;
		f[i].value_len = x->value_len;
	}
	return f;
}

/* Carries the edits out (the server applies them only with the final
 * accept: a failure here ends in a temporary failure, nothing half done). */
static int apply_edits(SMFICTX *ctx, const struct conn *c, const struct sl_hdr_ops *ops)
{
	size_t i;
	for (i = 0; i < ops->n; i++) {
		const struct sl_hdr_op *op = &ops->v[i];
		char *v = op->value;
		int r = MI_FAILURE;
		if (v != NULL && !c->lead_space)
			while (*v == ' ' || *v == '\t')
				v++; /* the server puts ": " itself */
		switch (op->kind) {
		case SL_HDR_CHANGE: r = smfi_chgheader(ctx, op->name, op->index, v); break;
		case SL_HDR_DELETE: r = smfi_chgheader(ctx, op->name, op->index, NULL); break;
		case SL_HDR_INSERT: r = smfi_insheader(ctx, op->index, op->name, v); break;
		case SL_HDR_ADD: r = smfi_addheader(ctx, op->name, v); break;
		}
		if (r != MI_SUCCESS)
			return SL_EIO;
	}
	return SL_OK;
}

/* Header edits from what the server showed to the header block of msg
 * (keep: names left alone), and msg's body for the old one when body. */
static int become(SMFICTX *ctx, const struct conn *c, const unsigned char *raw, const unsigned char *msg,
		  size_t len, const char *const *keep, int body)
{
	struct sl_hdr_field *f = fields_of(&c->m, raw);
	struct sl_hdr_ops ops = { 0 };
	size_t bs, off;
	int rc;
	sl_hdr_diff(f, c->m.fields->len, msg, len, keep, &ops);
	rc = apply_edits(ctx, c, &ops);
	sl_hdr_ops_clear(&ops);
	free(f);
	if (rc != SL_OK || !body)
		return rc;
	sl_hdr_block_end(msg, len, &bs);
	off = bs;
	do { /* an empty body is one empty replacement */
		size_t n = len - off < 65536 ? len - off : 65536;
		if (smfi_replacebody(ctx, (unsigned char *)msg + off, (int)n) != MI_SUCCESS)
			return SL_EIO;
		off += n;
	} while (off < len);
	return SL_OK;
}

/* The header block the server's own shows plus ours on top: the original
 * fields but sluice's own (keep_release: but the release header). */
static char *own_block(const struct conn *c, const unsigned char *raw, const char *verdict, int keep_release,
		       size_t *len)
{
	struct sl_buf b;
	guint i;
	sl_buf_init(&b, 0);
	sl_buf_printf(&b, "X-Sluice-Verdict: %s\r\n", verdict);
	for (i = 0; i < c->m.fields->len; i++) {
		const struct fld *x = &g_array_index(c->m.fields, struct fld, i);
		const char *name = (const char *)raw + x->name_off;
		int own = x->name_len >= 9 && g_ascii_strncasecmp(name, "X-Sluice-", 9) == 0;
		int rel = x->name_len == strlen(SL_RELEASE_HEADER) &&
			  g_ascii_strncasecmp(name, SL_RELEASE_HEADER, x->name_len) == 0;
		if (!own || (keep_release && rel))
			sl_buf_add(&b, name, x->value_off + x->value_len + 2 - x->name_off);
	}
	sl_buf_addstr(&b, "\r\n");
	*len = b.len;
	return sl_buf_take(&b);
}

/* The message as it is but for X-Sluice-* fields, with this verdict. */
static int mark(SMFICTX *ctx, const struct conn *c, const unsigned char *raw, const char *verdict,
		int keep_release)
{
	size_t len;
	char *blk = own_block(c, raw, verdict, keep_release, &len);
	int rc = become(ctx, c, raw, (const unsigned char *)blk, len, NULL, 0);
	free(blk);
	return rc;
}

/* A reason for a refused message that its sender understands: no names of
 * signatures, hosts or rules. */
static const char *reject_text(const struct sl_msg *m)
{
	size_t i;
	for (i = 0; i < m->nfindings; i++) {
		if (m->findings[i].action != SL_ACT_REJECT)
			continue;
		switch (m->findings[i].kind) {
		case SL_FIND_VIRUS: return "This message was refused: it carries a virus or other malware";
		case SL_FIND_FILETYPE:
		case SL_FIND_FILENAME: return "This message was refused: it carries a kind of file that is not accepted here";
		case SL_FIND_URL: return "This message was refused: it links to a site known to be dangerous";
		case SL_FIND_STRUCTURE: return "This message was refused: its format cannot be read safely";
		case SL_FIND_LIMIT: return "This message was refused: it is too large or too complex to be checked";
		case SL_FIND_PAN:
			return "This message was refused: it contains payment card numbers, which must not be sent by e-mail";
		}
	}
	return "This message was refused by the recipient's content policy";
}

/* Trace fields and the verifier's results stay above a placeholder. */
static const char *const placeholder_keeps[] = { "Received", "Received-SPF", "Return-Path",
						 "Authentication-Results", NULL };

struct outcome {
	const char *action;  /* for the log */
	sfsistat reply;
	int error;           /* an internal error: 451 or fail_open */
	char *why;           /* of the error, for the log */
};

static void failed(struct outcome *o, const char *what, const char *why)
{
	o->error = 1;
	free(o->why);
	o->why = sl_xasprintf("%s: %s", what, why ? why : "failed");
}

/* Keeps the original (and the rewritten copy) and makes the message what
 * the agent gets. */
static void deliver_changed(SMFICTX *ctx, struct conn *c, struct sl_msg *m, const unsigned char *raw,
			    struct outcome *o)
{
	struct sl_engine *eng = c->m.eng;
	const struct sl_config *cfg = sl_engine_config(eng);
	struct sl_envelope env = { c->m.sender, c->m.rcpts, NULL, m->id, NULL, 0 };
	unsigned char *out = NULL;
	size_t outlen = 0;
	char *why = NULL;
	int rc;

	sl_store_reference(m);
	rc = sl_engine_rewrite_email(eng, m, &out, &outlen);
	if (rc != SL_OK && m->verdict == SL_VERDICT_REWRITE) {
		/* never a rewrite that leaves what it should remove: hold it whole */
		sl_log(SL_LOG_WARNING, "id=%s the rewrite could not be carried out: quarantined instead", m->id);
		m->verdict = SL_VERDICT_QUARANTINE;
		rc = sl_engine_rewrite_email(eng, m, &out, &outlen);
	}
	if (rc != SL_OK || out == NULL) {
		failed(o, "rewrite", sl_strerror(rc));
		goto out;
	}
	rc = sl_store_keep(sl_daemon_store(door.d), cfg, m, &env, m->verdict == SL_VERDICT_REWRITE ? out : NULL,
			   outlen, ACTOR, &why);
	if (rc != SL_OK) {
		failed(o, "quarantine", why);
		goto out;
	}
	rc = become(ctx, c, raw, out, outlen, m->verdict == SL_VERDICT_REWRITE ? NULL : placeholder_keeps, 1);
	if (rc != SL_OK) {
		failed(o, "milter", "the mail server refused a change");
		goto out;
	}
	o->action = m->verdict == SL_VERDICT_REWRITE ? "rewrite" : "placeholder";
	o->reply = SMFIS_ACCEPT;
out:
	free(out);
	free(why);
}

static void apply_verdict(SMFICTX *ctx, struct conn *c, struct sl_msg *m, const unsigned char *raw,
			  struct outcome *o)
{
	const struct sl_config *cfg = sl_engine_config(c->m.eng);
	if (m->verdict == SL_VERDICT_REJECT && strcmp(sl_config_str(cfg, "milter.on_reject"), "quarantine") == 0)
		m->verdict = SL_VERDICT_QUARANTINE; /* the sender is not told; a supervisor decides */
	switch (m->verdict) {
	case SL_VERDICT_CLEAN:
		if (mark(ctx, c, raw, "clean", 0) != SL_OK) {
			failed(o, "milter", "the mail server refused a change");
			return;
		}
		o->action = "accept";
		o->reply = SMFIS_ACCEPT;
		return;
	case SL_VERDICT_REJECT:
		o->action = "reject";
		o->reply = reject(ctx, "550", "5.7.1", reject_text(m));
		return;
	case SL_VERDICT_QUARANTINE:
		if (strcmp(sl_config_str(cfg, "milter.on_quarantine"), "hold") == 0) {
			if (mark(ctx, c, raw, "quarantine (held by the mail server)", 0) != SL_OK ||
			    smfi_quarantine(ctx, "sluice: held for review") != MI_SUCCESS) {
				failed(o, "milter", "the mail server refused to hold the message");
				return;
			}
			o->action = "hold";
			o->reply = SMFIS_ACCEPT;
			return;
		}
		/* fall through */
	case SL_VERDICT_REWRITE:
		deliver_changed(ctx, c, m, raw, o);
		return;
	}
}

/* A message with a release header: SL_OK when it passed (edits made),
 * SL_ENOTFOUND when it is to be scanned, other codes for a store failure. */
static int release_pass(SMFICTX *ctx, struct conn *c, struct sl_msg *m, const unsigned char *raw, size_t len,
			struct outcome *o)
{
	struct sl_release_info info;
	size_t keylen = 0;
	const unsigned char *key = sl_daemon_release_key(door.d, &keylen);
	char *why = NULL, *verdict;
	int rc = sl_release_verify(key, keylen, raw, len, &info);

	if (rc != SL_OK) {
		count(&door.replays);
		sl_log(SL_LOG_WARNING, "id=%s release header that does not verify (forged, altered or another "
		       "key's): scanned like any other message", m->id);
		return SL_ENOTFOUND;
	}
	rc = sl_store_release_pass(sl_daemon_store(door.d), info.ref, info.at, info.by, m->id, ACTOR, &why);
	if (rc == SL_ECONFLICT || rc == SL_ENOTFOUND) {
		count(&door.replays);
		sl_log(SL_LOG_WARNING, "id=%s ref=%s release header refused: %s: scanned like any other message", m->id,
		       info.ref, why);
		free(why);
		return SL_ENOTFOUND;
	}
	if (rc != SL_OK) {
		failed(o, "quarantine", why);
		free(why);
		return rc;
	}
	verdict = sl_xasprintf("released (%s by %s)", info.ref, info.by);
	if (mark(ctx, c, raw, verdict, 1) != SL_OK) {
		failed(o, "milter", "the mail server refused a change");
		free(verdict);
		return SL_EIO;
	}
	free(verdict);
	count(&door.released);
	m->reference = sl_xstrdup(info.ref);
	o->action = "released";
	o->reply = SMFIS_ACCEPT;
	return SL_OK;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	const unsigned char *raw = NULL;
	size_t len = 0;
	struct sl_msg *m = NULL;
	struct outcome o = { "none", SMFIS_ACCEPT, 0, NULL };
	struct sl_buf line;
	char *why = NULL, *engine_line;
	double t0 = now_ms();
	int rc, scanned = 0;
	sfsistat r;

	if (!c->m.active)
		return SMFIS_CONTINUE;
	if (c->m.early != EARLY_NONE)
		return answer_early(ctx, c);
	count(&door.messages);
	rc = sl_spool_map(c->spool, &raw, &len, &why);
	m = sl_msg_new(SL_CHANNEL_EMAIL, queue_id(ctx), raw, len);
	if (rc != SL_OK) {
		failed(&o, "spool", why);
		goto answer;
	}
	if (c->m.saw_release) {
		rc = release_pass(ctx, c, m, raw, len, &o);
		if (rc != SL_ENOTFOUND)
			goto answer;
	}
	rc = sl_engine_scan(c->m.eng, m);
	if (rc != SL_OK) {
		failed(&o, "scan", sl_strerror(rc));
		goto answer;
	}
	scanned = 1;
	apply_verdict(ctx, c, m, raw, &o);
answer:
	if (o.error) {
		const struct sl_config *cfg = sl_engine_config(c->m.eng);
		sl_log(SL_LOG_ERR, "id=%s %s", m->id, o.why);
		if (sl_config_bool(cfg, "milter.fail_open") && raw != NULL &&
		    mark(ctx, c, raw, "unchecked (temporary failure; milter.fail_open)", 0) == SL_OK) {
			o.action = "accept-unchecked";
			o.reply = SMFIS_ACCEPT;
		} else {
			o.action = "tempfail";
			o.reply = tempfail(ctx, "4.7.1", TEMP_TEXT);
		}
	}
	sl_buf_init(&line, 0);
	if (scanned) {
		engine_line = sl_msg_log_line(m, now_ms() - t0);
		sl_buf_addstr(&line, engine_line);
		free(engine_line);
	} else {
		sl_buf_printf(&line, "id=%s channel=email verdict=%s size=%zu ms=%.1f", m->id,
			      strcmp(o.action, "released") == 0 ? "released" : "none", len, now_ms() - t0);
	}
	log_envelope(&line, c);
	sl_buf_printf(&line, " action=%s", o.action);
	log_value(&line, "ref", m->reference);
	sl_log(o.error ? SL_LOG_WARNING : SL_LOG_INFO, "%s", line.data);
	sl_buf_free(&line);
	r = o.reply;
	free(o.why);
	free(why);
	sl_msg_free(m);
	end_message(c);
	return r;
}

/* ---- the listener ------------------------------------------------------------ */

static struct smfiDesc filter = {
	"sluice",
	SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
	cb_connect,
	NULL, /* helo */
	cb_envfrom,
	cb_envrcpt,
	cb_header,
	cb_eoh,
	cb_body,
	cb_eom,
	cb_abort,
	cb_close,
	NULL, /* unknown */
	NULL, /* data */
	cb_negotiate,
};

/* milter.socket as libmilter takes it; *path for a unix socket. NULL: none. */
static char *conn_spec(const struct sl_config *cfg, char **path, char **why)
{
	const char *s = sl_config_str(cfg, "milter.socket");
	*path = NULL;
	if (strcmp(s, "none") == 0)
		return NULL;
	if (*s == '\0')
		*path = g_build_filename(sl_config_str(cfg, "general.data_dir"), "milter.sock", NULL);
	else if (*s == '/')
		*path = g_strdup(s);
	else if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
		*path = g_strdup(strchr(s, ':') + 1);
	else if (strncmp(s, "inet:", 5) == 0 || strncmp(s, "inet6:", 6) == 0)
		return sl_xstrdup(s);
	else {
		*why = sl_xasprintf("milter.socket: expected unix:/path, inet:PORT@ADDRESS, inet6:PORT@ADDRESS or "
				    "none, got '%s'", s);
		return NULL;
	}
	if (**path != '/' || strlen(*path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		*why = sl_xasprintf("milter.socket: '%s' is not an absolute path of at most %zu bytes", *path,
				    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		g_free(*path);
		*path = NULL;
		return NULL;
	}
	return sl_xasprintf("unix:%s", *path);
}

/* A unix socket: owner general.user (when root), group milter.socket_group, mode. */
static void socket_access(const struct sl_config *cfg, const char *path)
{
	const char *group = sl_config_str(cfg, "milter.socket_group");
	struct group *g = *group ? getgrnam(group) : NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = g != NULL ? g->gr_gid : (gid_t)-1;
	if (*group && g == NULL)
		sl_log(SL_LOG_WARNING, "milter.socket_group: no group '%s' on this system: the mode decides who "
		       "may connect", group);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(sl_config_str(cfg, "general.user"));
		if (pw != NULL)
			uid = pw->pw_uid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0)
		sl_log(SL_LOG_WARNING, "milter.socket: chown %s: %s", path, strerror(errno));
	if (chmod(path, (mode_t)sl_config_int(cfg, "milter.socket_mode")) != 0)
		sl_log(SL_LOG_WARNING, "milter.socket: chmod %s: %s", path, strerror(errno));
}

int sl_milter_open(const struct sl_config *cfg, int *enabled, char **why)
{
	char *path = NULL;
	*enabled = 0;
	door.conn = conn_spec(cfg, &path, why);
	if (door.conn == NULL)
		return *why != NULL ? SL_ECONFIG : SL_OK;
	door.unix_path = path != NULL ? sl_xstrdup(path) : NULL;
	g_free(path);
	if (door.unix_path != NULL) {
		gchar *dir = g_path_get_dirname(door.unix_path);
		if (g_mkdir_with_parents(dir, 0755) != 0)
			sl_log(SL_LOG_WARNING, "milter.socket: cannot create %s: %s", dir, strerror(errno));
		g_free(dir);
	}
	if (smfi_register(filter) != MI_SUCCESS || smfi_setconn(door.conn) != MI_SUCCESS ||
	    smfi_settimeout((int)sl_config_int(cfg, "milter.timeout")) != MI_SUCCESS ||
	    smfi_setbacklog((int)sl_config_int(cfg, "milter.backlog")) != MI_SUCCESS) {
		*why = sl_xasprintf("milter.socket: libmilter refused %s", door.conn);
		return SL_ECONFIG;
	}
	if (smfi_opensocket(true) != MI_SUCCESS) {
		*why = sl_xasprintf("milter.socket: cannot listen on %s (in use, or no permission?)", door.conn);
		return SL_EIO;
	}
	if (door.unix_path != NULL)
		socket_access(cfg, door.unix_path);
	*enabled = 1;
	return SL_OK;
}

static gpointer listener(gpointer unused)
{
	int rc;
	(void)unused;
	rc = smfi_main();
	g_mutex_lock(&door.lock);
	door.running = 0;
	g_cond_broadcast(&door.drained);
	g_mutex_unlock(&door.lock);
	if (!door.stop_requested) {
		door.failed = 1;
		sl_log(SL_LOG_ERR, "milter: the listener stopped by itself (smfi_main returned %d; did libmilter take "
		       "a signal?): sluiced stops", rc);
		pthread_kill(door.main_thread, SIGTERM);
	}
	return NULL;
}

int sl_milter_start(struct sl_daemon *d, char **why)
{
	door.d = d;
	door.main_thread = pthread_self();
	door.running = 1;
	door.thread = g_thread_try_new("milter", listener, NULL, NULL);
	if (door.thread == NULL) {
		door.running = 0;
		*why = sl_xstrdup("milter: cannot start the listener thread");
		return SL_EIO;
	}
	return SL_OK;
}

/* smfi_stop() waits for the listener's mutex, which the listener holds
 * through each 5-second select (MI_CHK_TIME): it runs in a thread of its own. */
static gpointer stopper(gpointer unused)
{
	(void)unused;
	smfi_stop();
	return NULL;
}

/* The order matters. libmilter as Debian builds it (_FFR_WORKERS_POOL)
 * serves every session from a pool whose controller and workers quit on
 * smfi_stop() just like the listener: a message in flight would never get
 * its answer. So: first no new messages (451 at MAIL FROM, connections are
 * still accepted), then the messages in flight finish, and only then does
 * libmilter stop. Its listener notices that only at its next look (up to 5
 * s): rather than wait, sluiced exits once the messages are done (nothing of
 * libmilter's is left to finish; the socket is removed here). The callbacks
 * that may still run touch neither the engine nor the store: a message that
 * begins now is refused before it takes them. */
unsigned sl_milter_stop(int timeout)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout * G_TIME_SPAN_SECOND;
	unsigned left;
	g_mutex_lock(&door.lock);
	door.stopping = 1;
	if (door.in_flight > 0)
		sl_log(SL_LOG_NOTICE, "milter: stopping: waiting up to %d s for %u message(s) in flight", timeout,
		       door.in_flight);
	while (door.in_flight > 0 && g_cond_wait_until(&door.drained, &door.lock, deadline))
		;
	left = door.in_flight;
	if (door.thread != NULL) {
		gint64 grace = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
		GThread *t = g_thread_try_new("milter-stop", stopper, NULL, NULL);
		door.stop_requested = 1;
		if (t != NULL)
			g_thread_unref(t);
		while (door.running && g_cond_wait_until(&door.drained, &door.lock, grace))
			;
		if (!door.running)
			g_thread_join(door.thread);
		else
			g_thread_unref(door.thread); /* it ends with the process */
		door.thread = NULL;
		if (door.unix_path != NULL)
			unlink(door.unix_path);
		sl_log(SL_LOG_NOTICE, "milter: stopped (%u message(s) left in flight)", left);
	}
	g_mutex_unlock(&door.lock);
	return left;
}
