/*
 * test_release - the signed release header and the release itself.
 *
 * Header: signs and verifies on LF and CRLF messages, across the trip through
 * an MTA (CRLF on the wire, a Received header on top, a folded header,
 * trailing blank lines); fails for a changed byte of the body or of a header
 * field, a changed ref/by/at, a wrong key, a truncated message, a malformed
 * or missing header. The key file: created once (0600), refused when others
 * can read it. sl_release_run against a small SMTP server written here (an
 * ephemeral port on 127.0.0.1): released once with the header on top and the
 * body byte for byte; a second release refused with who and when; a refused
 * recipient and an unreachable relay leave the item held with the relay's
 * answer; bad requests; WhatsApp items refused; an interrupted earlier
 * release reported; every outcome in the audit trail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <glib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "outbox.h"
#include "release.h"
#include "store.h"
#include "util.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef-test-key";
#define KEYLEN (sizeof(key) - 1)

static const char msg_lf[] = "From: Customer <c@example.net>\n"
			     "To: agent@example.com\n"
			     "Subject: invoice\n"
			     "\n"
			     "Hello,\n"
			     ".a line with a dot\n"
			     "bye\n";

static char *crlf(const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b, 0);
	for (; *s; s++) {
		if (*s == '\n')
			sl_buf_add(&b, "\r", 1);
		sl_buf_add(&b, s, 1);
	}
	return sl_buf_take(&b);
}

/* header + message as one buffer */
static char *released(const char *ref, const char *by, int64_t at, const char *m)
{
	char *h = sl_release_header(key, KEYLEN, ref, by, at, (const unsigned char *)m, strlen(m));
	char *all = sl_xasprintf("%s%s", h, m);
	free(h);
	return all;
}

static int verify(const char *m, struct sl_release_info *info)
{
	return sl_release_verify(key, KEYLEN, (const unsigned char *)m, strlen(m), info);
}

static void test_header_roundtrip(void **state)
{
	struct sl_release_info info;
	char *m = released("SL-7KQ2-M9XD-4TJH-W8PR", "alice", 1765065600, msg_lf), *c, *w;
	(void)state;

	assert_true(g_str_has_prefix(m, "X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=alice; at=1765065600; mac="));
	assert_non_null(strstr(m, "\nFrom: Customer")); /* LF message, LF header */
	assert_int_equal(verify(m, &info), SL_OK);
	assert_string_equal(info.ref, "SL-7KQ2-M9XD-4TJH-W8PR");
	assert_string_equal(info.by, "alice");
	assert_int_equal(info.at, 1765065600);

	/* the trip through an MTA: CRLF, a Received header above, blank lines at the end */
	c = crlf(m);
	assert_int_equal(verify(c, NULL), SL_OK);
	w = sl_xasprintf("Received: from gw by mx; Mon, 7 Dec 2026 00:00:00 +0000\r\n%s\r\n\r\n", c);
	assert_int_equal(verify(w, NULL), SL_OK);
	free(w);
	free(c);
	free(m);

	/* signed as CRLF, read as LF */
	c = crlf(msg_lf);
	m = released("SL-7KQ2-M9XD-4TJH-W8PR", "root", 1, c);
	assert_non_null(strstr(m, "mac="));
	assert_non_null(strstr(m, "\r\nFrom:")); /* CRLF message, CRLF header */
	{
		gchar **parts = g_strsplit(m, "\r\n", -1);
		gchar *lf = g_strjoinv("\n", parts);
		assert_int_equal(verify(lf, NULL), SL_OK);
		g_free(lf);
		g_strfreev(parts);
	}
	free(m);
	free(c);

	/* a folded header still verifies */
	m = released("SL-7KQ2-M9XD-4TJH-W8PR", "alice", 5, msg_lf);
	{
		char *mac = strstr(m, " mac="), *f;
		f = sl_xasprintf("%.*s\n\t%s", (int)(mac - m), m, mac + 1);
		assert_int_equal(verify(f, NULL), SL_OK);
		free(f);
	}
	free(m);

	/* who is reduced to safe characters */
	m = released("SL-7KQ2-M9XD-4TJH-W8PR", "evil\r\nBcc: x; mac=", 5, msg_lf);
	assert_non_null(strstr(m, "by=evil__Bcc__x__mac_;"));
	assert_int_equal(verify(m, &info), SL_OK);
	free(m);
}

static void test_header_tampering(void **state)
{
	char *m = released("SL-7KQ2-M9XD-4TJH-W8PR", "alice", 1765065600, msg_lf), *t;
	size_t i, n = strlen(m), hdr = (size_t)(strchr(m, '\n') - m) + 1;
	(void)state;

	/* every single changed byte after the header fails (line ends aside) */
	for (i = hdr; i < n; i++) {
		if (m[i] == '\n')
			continue;
		t = sl_xstrdup(m);
		t[i] ^= 0x20;
		if (verify(t, NULL) != SL_EINVAL)
			fail_msg("byte %zu changed ('%c') still verifies", i, m[i]);
		free(t);
	}
	/* a line added or removed */
	t = sl_xasprintf("%sP.S. wire the money\n", m);
	assert_int_equal(verify(t, NULL), SL_EINVAL);
	free(t);
	t = sl_xstrndup(m, n - 4);
	assert_int_equal(verify(t, NULL), SL_EINVAL);
	free(t);
	/* the header's own claims */
	{
		static const char *const from[] = { "by=alice", "at=1765065600", "ref=SL-7KQ2", "v=1" };
		static const char *const to[] = { "by=alicf", "at=1765065601", "ref=SL-7KQ3", "v=2" };
		for (i = 0; i < 4; i++) {
			gchar **p = g_strsplit(m, from[i], 2);
			gchar *j = g_strjoinv(to[i], p);
			assert_int_equal(verify(j, NULL), SL_EINVAL);
			g_free(j);
			g_strfreev(p);
		}
	}
	/* another key */
	assert_int_equal(sl_release_verify((const unsigned char *)"another key, 32 bytes or more....", 33,
					   (const unsigned char *)m, n, NULL),
			 SL_EINVAL);
	/* a forged header above ours is what counts: it fails */
	t = sl_xasprintf("X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=x; at=1; "
			 "mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
			 m);
	assert_int_equal(verify(t, NULL), SL_EINVAL);
	free(t);
	free(m);

	/* malformed and missing headers */
	assert_int_equal(verify(msg_lf, NULL), SL_ENOTFOUND);
	{
		static const char *const bad[] = {
			"X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=a; at=1\n\nx\n",
			"X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=a; at=1; mac=!!\n\nx\n",
			"X-Sluice-Release: v=1; ref=nope; by=a; at=1; mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nx\n",
			"X-Sluice-Release: v=1; ref=sl-7kq2-m9xd-4tjh-w8pr; by=a; at=1; "
			"mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nx\n",
			"X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=a b; at=1; "
			"mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nx\n",
			"X-Sluice-Release: v=1; ref=SL-7KQ2-M9XD-4TJH-W8PR; by=a; at=-1; "
			"mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nx\n",
			"X-Sluice-Release\n\nx\n",
			"X-Sluice-Release:",
			NULL,
		};
		for (i = 0; bad[i] != NULL; i++)
			if (verify(bad[i], NULL) == SL_OK)
				fail_msg("bad header %zu accepted", i);
	}
	/* a release header in the body is not one */
	assert_int_equal(verify("Subject: x\n\nX-Sluice-Release: v=1\n", NULL), SL_ENOTFOUND);
	assert_int_equal(sl_release_verify(key, KEYLEN, (const unsigned char *)"", 0, NULL), SL_ENOTFOUND);
}

static struct sl_config *config_for(const char *dir, const char *extra1, const char *extra2)
{
	struct sl_config *cfg = NULL;
	char *why = NULL, *o[4];
	size_t n = 0;
	o[n++] = sl_xasprintf("general.data_dir=%s", dir);
	o[n++] = sl_xstrdup("general.node_name=gw1");
	if (extra1)
		o[n++] = sl_xstrdup(extra1);
	if (extra2)
		o[n++] = sl_xstrdup(extra2);
	if (sl_config_load(NULL, (const char *const *)o, n, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	while (n > 0)
		free(o[--n]);
	return cfg;
}

static void rmtree(char *dir)
{
	char *cmd = sl_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	g_free(dir);
}

static void test_key(void **state)
{
	gchar *dir = g_dir_make_tmp("sluice-rel-XXXXXX", NULL), *path = g_build_filename(dir, "release.key", NULL);
	struct sl_config *cfg = config_for(dir, NULL, NULL);
	unsigned char *k1 = NULL, *k2 = NULL;
	size_t l1 = 0, l2 = 0;
	char *why = NULL, *o;
	struct stat sb;
	(void)state;

	/* not there and not to be created: an error */
	assert_int_equal(sl_release_key_load(cfg, 0, &k1, &l1, &why), SL_ECONFIG);
	free(why);
	why = NULL;
	assert_int_equal(sl_release_key_load(cfg, 1, &k1, &l1, &why), SL_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_true(l1 >= SL_RELEASE_KEY_MIN);
	assert_int_equal(sl_release_key_load(cfg, 1, &k2, &l2, &why), SL_OK); /* once: the same key */
	assert_int_equal(l1, l2);
	assert_memory_equal(k1, k2, l1);
	free(k1);
	free(k2);
	sl_config_unref(cfg);

	/* release.key_file others can read: refused */
	chmod(path, 0644);
	o = sl_xasprintf("release.key_file=%s", path);
	cfg = config_for(dir, o, NULL);
	assert_int_equal(sl_release_key_load(cfg, 1, &k1, &l1, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "release.key_file"));
	free(why);
	sl_config_unref(cfg);
	free(o);
	g_free(path);
	rmtree(dir);
}

static void test_addresses(void **state)
{
	(void)state;
	assert_true(sl_release_address_ok("agent@example.com"));
	assert_true(sl_release_address_ok("a.b+c@sub.example.co.uk"));
	assert_false(sl_release_address_ok(""));
	assert_false(sl_release_address_ok("agent"));
	assert_false(sl_release_address_ok("@example.com"));
	assert_false(sl_release_address_ok("agent@"));
	assert_false(sl_release_address_ok("a@b@c"));
	assert_false(sl_release_address_ok("a b@c"));
	assert_false(sl_release_address_ok("<a@b>"));
	assert_false(sl_release_address_ok("a@b>\r\nRCPT TO:<x@y"));
	assert_false(sl_release_address_ok("a@b,c@d"));
}

/* ---- a small SMTP server ------------------------------------------------- */

struct smtp {
	int fd, port;
	pthread_t th;
	int refuse_rcpt;      /* answer 550 to RCPT */
	GString *data;        /* what DATA carried, all messages */
	int messages;
	char *rcpts;          /* "a,b," */
	char *from;
};

static int readline(int fd, GString *line)
{
	char c;
	g_string_truncate(line, 0);
	while (read(fd, &c, 1) == 1) {
		g_string_append_c(line, c);
		if (c == '\n')
			return 1;
	}
	return line->len > 0;
}

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		perror("smtp write");
}

static void *smtp_main(void *arg)
{
	struct smtp *s = arg;
	GString *line = g_string_new(NULL), *rc = g_string_new(NULL);
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		say(c, "220 test ESMTP\r\n");
		while (readline(c, line)) {
			if (g_ascii_strncasecmp(line->str, "EHLO", 4) == 0) {
				say(c, "250-test\r\n250 8BITMIME\r\n");
			} else if (g_ascii_strncasecmp(line->str, "MAIL FROM:", 10) == 0) {
				g_free(s->from);
				s->from = g_strstrip(g_strdup(line->str + 10));
				g_string_truncate(rc, 0);
				say(c, "250 2.1.0 Ok\r\n");
			} else if (g_ascii_strncasecmp(line->str, "RCPT TO:", 8) == 0) {
				if (s->refuse_rcpt) {
					say(c, "550 5.1.1 <nobody@example.com>: Recipient address rejected\r\n");
				} else {
					gchar *r = g_strstrip(g_strdup(line->str + 8));
					g_string_append_printf(rc, "%s,", r);
					g_free(r);
					say(c, "250 2.1.5 Ok\r\n");
				}
			} else if (g_ascii_strncasecmp(line->str, "DATA", 4) == 0) {
				say(c, "354 go ahead\r\n");
				while (readline(c, line) && strcmp(line->str, ".\r\n") != 0)
					g_string_append(s->data, line->str[0] == '.' ? line->str + 1 : line->str);
				s->messages++;
				g_free(s->rcpts);
				s->rcpts = g_strdup(rc->str);
				say(c, "250 2.0.0 Ok: queued as TEST1\r\n");
			} else if (g_ascii_strncasecmp(line->str, "QUIT", 4) == 0) {
				say(c, "221 bye\r\n");
				break;
			} else {
				say(c, "250 ok\r\n");
			}
		}
		close(c);
	}
	g_string_free(line, TRUE);
	g_string_free(rc, TRUE);
	return NULL;
}

static void smtp_start(struct smtp *s)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0; /* the kernel picks a free port */
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 4), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	s->data = g_string_new(NULL);
	pthread_create(&s->th, NULL, smtp_main, s);
}

static void smtp_stop(struct smtp *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->th, NULL);
	g_string_free(s->data, TRUE);
	g_free(s->rcpts);
	g_free(s->from);
}

/* ---- the release --------------------------------------------------------- */

struct rig {
	gchar *dir;
	struct sl_config *cfg;
	struct sl_store *st;
	struct smtp smtp;
};

static void rig_up(struct rig *r, const char *relay_override)
{
	char *relay, *why = NULL;
	smtp_start(&r->smtp);
	r->dir = g_dir_make_tmp("sluice-rel-XXXXXX", NULL);
	relay = relay_override ? sl_xstrdup(relay_override)
			       : sl_xasprintf("release.relay=smtp://127.0.0.1:%d", r->smtp.port);
	r->cfg = config_for(r->dir, relay, "release.timeout=5");
	free(relay);
	if (sl_store_open(r->cfg, NULL, &r->st, &why) != SL_OK)
		fail_msg("store: %s", why);
}

static void rig_down(struct rig *r)
{
	sl_store_close(r->st);
	sl_config_unref(r->cfg);
	smtp_stop(&r->smtp);
	rmtree(r->dir);
}

static char *const rcpts[] = { "agent@example.com", "desk@example.com", NULL };

static void keep(struct rig *r, struct sl_item *it, enum sl_channel ch, const char *raw)
{
	char *why = NULL;
	memset(it, 0, sizeof(*it));
	sl_ref_new(it->ref);
	it->channel = ch;
	it->received = (int64_t)time(NULL);
	it->sender = "c@example.net";
	it->recipients = (char **)rcpts;
	it->subject = "invoice";
	it->msg_id = "q1";
	it->verdict = SL_VERDICT_QUARANTINE;
	it->report = "{}";
	it->expires = it->received + 86400;
	if (sl_store_put(r->st, it, (const unsigned char *)raw, strlen(raw), NULL, 0, "test", &why) != SL_OK)
		fail_msg("put: %s", why);
}

static int run(struct rig *r, const char *ref, const char *reason, char *const *to, char **msg,
	       enum sl_relay_outcome *refused)
{
	struct sl_release_req rq = { ref, "alice (uid 1001)", "alice", reason, to };
	return sl_release_run(r->st, r->cfg, key, KEYLEN, &rq, msg, refused);
}

static enum sl_item_status status_of(struct rig *r, const char *ref)
{
	struct sl_item *it = NULL;
	char *why = NULL;
	enum sl_item_status s;
	if (sl_store_get(r->st, ref, &it, &why) != SL_OK)
		fail_msg("get: %s", why);
	s = it->status;
	sl_item_free(it);
	return s;
}

static void test_release_once(void **state)
{
	struct rig r;
	struct sl_item it;
	struct sl_release_info info;
	char *msg = NULL, *want;
	enum sl_relay_outcome refused = SL_RELAY_NONE;
	struct sl_audit *a = NULL;
	size_t n = 0, i;
	char *why = NULL;
	(void)state;

	rig_up(&r, NULL);
	keep(&r, &it, SL_CHANNEL_EMAIL, msg_lf);
	assert_int_equal(run(&r, it.ref, "customer called, invoice is genuine", NULL, &msg, &refused), SL_OK);
	assert_non_null(strstr(msg, "released"));
	assert_non_null(strstr(msg, "agent@example.com, desk@example.com"));
	assert_non_null(strstr(msg, "queued as TEST1"));
	free(msg);
	assert_int_equal(r.smtp.messages, 1);
	assert_string_equal(r.smtp.rcpts, "<agent@example.com>,<desk@example.com>,");
	assert_string_equal(r.smtp.from, "<c@example.net>");
	/* on the wire: the header, then the original byte for byte (CRLF) */
	assert_true(g_str_has_prefix(r.smtp.data->str, "X-Sluice-Release: v=1; ref="));
	want = crlf(msg_lf);
	assert_string_equal(strchr(r.smtp.data->str, '\n') + 1, want);
	free(want);
	assert_int_equal(sl_release_verify(key, KEYLEN, (const unsigned char *)r.smtp.data->str, r.smtp.data->len, &info),
			 SL_OK);
	assert_string_equal(info.ref, it.ref);
	assert_string_equal(info.by, "alice");
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_RELEASED);

	/* the second time: refused, naming the first; nothing sent */
	assert_int_equal(run(&r, it.ref, "again", NULL, &msg, &refused), SL_ECONFLICT);
	assert_non_null(strstr(msg, "already released at "));
	assert_non_null(strstr(msg, "by alice (uid 1001)"));
	free(msg);
	assert_int_equal(r.smtp.messages, 1);

	/* the audit trail */
	assert_int_equal(sl_store_audit_list(r.st, it.ref, 0, &a, &n, &why), SL_OK);
	assert_int_equal(n, 3); /* keep, release ok, release refused */
	assert_string_equal(a[1].action, "release");
	assert_string_equal(a[1].outcome, "ok");
	assert_string_equal(a[1].actor, "alice (uid 1001)");
	assert_string_equal(a[1].reason, "customer called, invoice is genuine");
	assert_string_equal(a[1].gateway, "gw1");
	assert_true(g_str_has_prefix(a[2].outcome, "refused: "));
	for (i = 0; i < n; i++)
		assert_non_null(a[i].actor);
	sl_audit_free(a, n);

	/* --to instead of the original recipients */
	keep(&r, &it, SL_CHANNEL_EMAIL, msg_lf);
	{
		char *const to[] = { "supervisor@example.com", NULL };
		assert_int_equal(run(&r, it.ref, "check it myself", to, &msg, &refused), SL_OK);
		free(msg);
	}
	assert_string_equal(r.smtp.rcpts, "<supervisor@example.com>,");
	rig_down(&r);
}

static void test_release_refused(void **state)
{
	struct rig r;
	struct sl_item it;
	char *msg = NULL, *why = NULL;
	enum sl_relay_outcome refused = SL_RELAY_NONE;
	struct sl_audit *a = NULL;
	size_t n = 0;
	(void)state;

	/* the relay refuses a recipient: still held, with its answer */
	rig_up(&r, NULL);
	r.smtp.refuse_rcpt = 1;
	keep(&r, &it, SL_CHANNEL_EMAIL, msg_lf);
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_ETEMP);
	assert_int_equal(refused, SL_RELAY_REFUSED);
	if (strstr(msg, "550 5.1.1") == NULL)
		fail_msg("%s", msg);
	assert_non_null(strstr(msg, "still held"));
	free(msg);
	assert_int_equal(r.smtp.messages, 0);
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_HELD);
	assert_int_equal(sl_store_audit_list(r.st, it.ref, 0, &a, &n, &why), SL_OK);
	assert_int_equal(n, 2);
	assert_true(g_str_has_prefix(a[1].outcome, "failed: the relay refused it"));
	sl_audit_free(a, n);
	/* the relay takes it now: released (the claim was given back) */
	r.smtp.refuse_rcpt = 0;
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_OK);
	free(msg);
	assert_int_equal(r.smtp.messages, 1);

	/* bad requests */
	assert_int_equal(run(&r, "SL-1234", "ok", NULL, &msg, &refused), SL_EINVAL);
	assert_non_null(strstr(msg, "not a quarantine reference"));
	free(msg);
	assert_int_equal(run(&r, "SL-0000-0000-0000-0000", "ok", NULL, &msg, &refused), SL_ENOTFOUND);
	free(msg);
	keep(&r, &it, SL_CHANNEL_EMAIL, msg_lf);
	assert_int_equal(run(&r, it.ref, "  ", NULL, &msg, &refused), SL_EINVAL);
	assert_non_null(strstr(msg, "reason"));
	free(msg);
	assert_int_equal(run(&r, it.ref, NULL, NULL, &msg, &refused), SL_EINVAL);
	free(msg);
	{
		char *const to[] = { "not an address", NULL };
		assert_int_equal(run(&r, it.ref, "ok", to, &msg, &refused), SL_EINVAL);
		free(msg);
	}
	keep(&r, &it, SL_CHANNEL_WHATSAPP, "{}");
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_EINVAL);
	assert_non_null(strstr(msg, "whatsapp.downstream_url is not set"));
	free(msg);
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_HELD);
	assert_int_equal(r.smtp.messages, 1);
	rig_down(&r);

	/* nobody listens: still held, and the reason */
	rig_up(&r, "release.relay=smtp://127.0.0.1:1");
	keep(&r, &it, SL_CHANNEL_EMAIL, msg_lf);
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_ETEMP);
	assert_int_equal(refused, SL_RELAY_UNREACHABLE);
	assert_non_null(strstr(msg, "could not be reached"));
	assert_non_null(strstr(msg, "still held"));
	free(msg);
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_HELD);
	rig_down(&r);
}

static void test_release_interrupted(void **state)
{
	struct rig r;
	struct sl_item it;
	char tok[SL_REF_LEN + 1], *msg = NULL, *why = NULL;
	enum sl_relay_outcome refused;
	(void)state;

	rig_up(&r, NULL);
	keep(&r, &it, SL_CHANNEL_EMAIL, msg_lf);
	/* a gateway claimed it and died: its lease has run out */
	assert_int_equal(sl_store_claim(r.st, it.ref, "bob (uid 1002)", -1, tok, NULL, &why), SL_OK);
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_OK);
	assert_non_null(strstr(msg, "an earlier release by bob (uid 1002)"));
	assert_non_null(strstr(msg, "interrupted"));
	free(msg);
	assert_int_equal(r.smtp.messages, 1);
	rig_down(&r);
}

/* A WhatsApp item goes to the platform through the outbox, once: a second
 * release is refused, an interrupted one that had queued it queues nothing
 * more, --to is refused, an original that is not a message fails and stays
 * held. */
static const char wa_original[] =
	"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\","
	"\"value\":{\"messaging_product\":\"whatsapp\",\"messages\":[{\"from\":\"1555\",\"id\":\"wamid.R\","
	"\"type\":\"document\",\"document\":{\"id\":\"77\",\"filename\":\"a.pdf\"}}]}}]}],"
	"\"sluice_media\":{\"77\":{\"type\":\"document\",\"data_base64\":\"JVBERg==\"}}}";

static size_t outbox_rows(struct rig *r, const char *ref, char **body)
{
	struct sl_outbox_entry *v = NULL;
	struct sl_outbox_row *rows = NULL;
	size_t n = 0, i, k = 0, nr = 0;
	char *why = NULL;
	assert_int_equal(sl_outbox_list(r->st, NULL, 0, &v, &n, &why), SL_OK);
	for (i = 0; i < n; i++)
		k += v[i].ref != NULL && strcmp(v[i].ref, ref) == 0 && strcmp(v[i].kind, "release") == 0;
	sl_outbox_entries_free(v, n);
	if (body != NULL) {
		assert_int_equal(sl_outbox_take(r->st, "t/1", sl_now_ms(), 1000, 10, &rows, &nr, &why), SL_OK);
		*body = nr > 0 ? sl_xstrdup((char *)rows[nr - 1].body) : NULL;
		sl_outbox_rows_free(rows, nr);
	}
	return k;
}

static void test_release_whatsapp(void **state)
{
	struct rig r;
	struct sl_item it;
	char tok[SL_REF_LEN + 1], *msg = NULL, *why = NULL, *body = NULL, *rkey;
	enum sl_relay_outcome refused;
	(void)state;

	smtp_start(&r.smtp);
	r.dir = g_dir_make_tmp("sluice-rel-XXXXXX", NULL);
	r.cfg = config_for(r.dir, "whatsapp.downstream_url=https://platform.example/hook", "release.timeout=5");
	assert_int_equal(sl_store_open(r.cfg, NULL, &r.st, &why), SL_OK);

	keep(&r, &it, SL_CHANNEL_WHATSAPP, wa_original);
	{
		char *const to[] = { "agent@example.com", NULL };
		assert_int_equal(run(&r, it.ref, "ok", to, &msg, &refused), SL_EINVAL);
		assert_non_null(strstr(msg, "--to is for e-mail"));
		free(msg);
	}
	assert_int_equal(run(&r, it.ref, "checked by phone", NULL, &msg, &refused), SL_OK);
	assert_non_null(strstr(msg, "queued for the platform"));
	free(msg);
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_RELEASED);
	assert_int_equal(outbox_rows(&r, it.ref, &body), 1);
	assert_non_null(strstr(body, "\"released_by\":\"alice\""));
	assert_non_null(strstr(body, "\"verdict\":\"released\""));
	assert_non_null(strstr(body, "\"wamid.R\""));
	assert_non_null(strstr(body, "\"data_base64\":\"JVBERg==\""));
	assert_null(strstr(body, "sluice_media"));
	free(body);
	assert_int_equal(run(&r, it.ref, "again", NULL, &msg, &refused), SL_ECONFLICT);
	free(msg);
	assert_int_equal(outbox_rows(&r, it.ref, NULL), 1);

	/* a gateway queued it, then died before recording the release: once */
	keep(&r, &it, SL_CHANNEL_WHATSAPP, wa_original);
	assert_int_equal(sl_store_claim(r.st, it.ref, "bob (uid 1002)", -1, tok, NULL, &why), SL_OK);
	rkey = sl_xasprintf("release:%s", it.ref);
	{
		struct sl_outbox_msg m = { rkey, "release", it.ref, "d", "{}", 2 };
		assert_int_equal(sl_outbox_put(r.st, &m, sl_now_ms(), NULL, &why), SL_OK);
	}
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_OK);
	assert_non_null(strstr(msg, "had queued it already"));
	free(msg);
	free(rkey);
	assert_int_equal(outbox_rows(&r, it.ref, NULL), 1);
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_RELEASED);

	/* an original that is not a message: nothing queued, still held */
	keep(&r, &it, SL_CHANNEL_WHATSAPP, "{}");
	assert_int_equal(run(&r, it.ref, "ok", NULL, &msg, &refused), SL_EPARSE);
	assert_non_null(strstr(msg, "still held"));
	free(msg);
	assert_int_equal(status_of(&r, it.ref), SL_ITEM_HELD);
	assert_int_equal(outbox_rows(&r, it.ref, NULL), 0);
	assert_int_equal(r.smtp.messages, 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_whatsapp),
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_tampering),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_release_once),
		cmocka_unit_test(test_release_refused),
		cmocka_unit_test(test_release_interrupted),
	};
	int rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sl_log_open("test_release", 0, SL_LOG_WARNING);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
