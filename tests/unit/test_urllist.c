/*
 * test_urllist - unit tests for lib/links/urllist.c. The sl_url_norm values are
 * built by hand so that these tests do not depend on urlnorm.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "urllist.h"
#include "util.h"

/* ---- helpers ---- */

struct warned {
	unsigned lines[32];
	char *reasons[32];
	char *file;
	size_t n;
};

static void warn_cb(void *ctx, const char *file, unsigned line, const char *reason)
{
	struct warned *w = ctx;
	if (w->n < 32) {
		w->lines[w->n] = line;
		w->reasons[w->n] = g_strdup(reason);
		g_free(w->file);
		w->file = g_strdup(file);
		w->n++;
	}
}

static void warned_clear(struct warned *w)
{
	for (size_t i = 0; i < w->n; i++)
		g_free(w->reasons[i]);
	g_free(w->file);
	memset(w, 0, sizeof(*w));
}

/* Writes text to a new file "<dir>/<name>"; returns its path (g_free it). */
static char *write_list(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static char *tmpdir(void)
{
	char *d = g_dir_make_tmp("test_urllist_XXXXXX", NULL);
	assert_non_null(d);
	return d;
}

static void rmdir_all(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d != NULL && (n = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, n, NULL);
		unlink(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	rmdir(dir);
	g_free(dir);
}

/* A hand-made normalised URL. Strings are borrowed (const casts only). */
static struct sl_url_norm mk(const char *scheme, const char *host, const char *path)
{
	struct sl_url_norm u;
	memset(&u, 0, sizeof(u));
	u.scheme = (char *)scheme;
	u.host = (char *)host;
	u.path = (char *)(path ? path : "/");
	u.port = -1;
	if (host != NULL && (host[0] == '[' || strspn(host, "0123456789.") == strlen(host)))
		u.flags |= SL_URL_IP;
	return u;
}

static const char *m(const struct sl_urllist *l, const char *scheme, const char *host,
		     const char *path)
{
	struct sl_url_norm u = mk(scheme, host, path);
	const char *src = (const char *)0x1;
	int r = sl_urllist_match(l, &u, &src);
	if (r == 0) {
		assert_null(src);
		return NULL;
	}
	assert_int_equal(r, 1);
	assert_non_null(src);
	return src;
}

static void add_ok(struct sl_urllist *l, const char *entry, const char *label)
{
	char *why = NULL;
	int rc = sl_urllist_add(l, entry, label, &why);
	if (rc != SL_OK)
		fail_msg("add \"%s\": %s", entry, why ? why : "?");
	assert_null(why);
}

static void add_bad(struct sl_urllist *l, const char *entry)
{
	char *why = NULL;
	int rc = sl_urllist_add(l, entry, "t", &why);
	if (rc != SL_EPARSE)
		fail_msg("add \"%s\" should fail, got %d", entry, rc);
	assert_non_null(why);
	free(why);
}

/* ---- host entries ---- */

static void test_subdomains(void **state)
{
	struct sl_urllist *l = sl_urllist_new();
	const char *src = NULL;

	add_ok(l, "evil.test", "block.txt");
	add_ok(l, "  Phish.Example.  ", "block.txt");
	assert_int_equal(sl_urllist_count(l), 2);

	assert_string_equal(m(l, "http", "evil.test", "/"), "block.txt:evil.test");
	assert_string_equal(m(l, "https", "a.b.evil.test", "/x"), "block.txt:evil.test");
	assert_string_equal(m(l, "https", "www.phish.example", "/"), "block.txt:Phish.Example.");
	assert_null(m(l, "http", "notevil.test", "/"));
	assert_null(m(l, "http", "evil.test.example.org", "/"));
	assert_null(m(l, "http", "test", "/"));
	assert_null(m(l, "http", "example", "/"));

	assert_int_equal(sl_urllist_match_host(l, "x.evil.test", &src), 1);
	assert_string_equal(src, "block.txt:evil.test");
	/* Tolerant of a trailing dot and upper case in the query. */
	assert_int_equal(sl_urllist_match_host(l, "X.EVIL.TEST.", &src), 1);
	assert_int_equal(sl_urllist_match_host(l, "good.test", &src), 0);
	assert_null(src);

	/* A duplicate keeps the first source and is not counted again. */
	add_ok(l, "evil.test", "other.txt");
	assert_int_equal(sl_urllist_count(l), 2);
	assert_string_equal(m(l, "http", "evil.test", "/"), "block.txt:evil.test");

	/* Opaque URLs (no host) never match. */
	{
		struct sl_url_norm u = mk("javascript", NULL, "alert(1)");
		u.flags = SL_URL_OPAQUE;
		assert_int_equal(sl_urllist_match(l, &u, &src), 0);
	}
	sl_urllist_free(l);
}

static void test_exact(void **state)
{
	struct sl_urllist *l = sl_urllist_new();
	const char *src = NULL;

	add_ok(l, "=login.example.test", "allow");
	assert_string_equal(m(l, "https", "login.example.test", "/"), "allow:=login.example.test");
	assert_null(m(l, "https", "a.login.example.test", "/"));
	assert_null(m(l, "https", "example.test", "/"));
	assert_int_equal(sl_urllist_match_host(l, "login.example.test", &src), 1);
	assert_int_equal(sl_urllist_match_host(l, "x.login.example.test", &src), 0);

	/* Exact wins over a suffix entry on the same host; both co-exist. */
	add_ok(l, "example.test", "allow");
	assert_string_equal(m(l, "https", "login.example.test", "/"), "allow:=login.example.test");
	assert_string_equal(m(l, "https", "a.login.example.test", "/"), "allow:example.test");
	add_bad(l, "=");
	add_bad(l, "=bad host");
	sl_urllist_free(l);
}

static void test_idn(void **state)
{
	struct sl_urllist *l = sl_urllist_new();
	const char *src = NULL;

	add_ok(l, "bücher.example", "idn");
	add_ok(l, "=ПРИМЕР.test", "idn");
	assert_string_equal(m(l, "http", "xn--bcher-kva.example", "/"), "idn:bücher.example");
	assert_string_equal(m(l, "http", "shop.xn--bcher-kva.example", "/"), "idn:bücher.example");
	assert_int_equal(sl_urllist_match_host(l, "xn--e1afmkfd.test", &src), 1);
	assert_string_equal(src, "idn:=ПРИМЕР.test");
	assert_null(m(l, "http", "bucher.example", "/"));
	/* A punycode entry is taken as written. */
	add_ok(l, "xn--80ak6aa92e.test", "idn");
	assert_non_null(m(l, "http", "xn--80ak6aa92e.test", "/"));
	/* Invalid UTF-8 and disallowed code points are bad lines. */
	add_bad(l, "b\xfc" "cher.example");
	add_bad(l, "a\xe2\x80\x8b\xe2\x98\x83\xef\xbf\xbf.test");
	/* Entries are mapped as browsers map names: symbols are fine, ß stays ß,
	 * a joiner where CheckJoiners forbids it is a bad line. */
	add_ok(l, "\xe2\x99\xa5.example", "idn");
	assert_string_equal(m(l, "http", "a.xn--g6h.example", "/"), "idn:\xe2\x99\xa5.example");
	add_ok(l, "fa\xc3\x9f.example", "idn");
	assert_string_equal(m(l, "http", "xn--fa-hia.example", "/"), "idn:fa\xc3\x9f.example");
	assert_null(m(l, "http", "fass.example", "/"));
	add_bad(l, "a\xe2\x80\x8d" "b.example");
	sl_urllist_free(l);
}

static void test_bad_hosts(void **state)
{
	struct sl_urllist *l = sl_urllist_new();

	add_bad(l, "exa mple.test");
	add_bad(l, "exa$mple.test");
	add_bad(l, "a..b.test");
	add_bad(l, ".test");
	add_bad(l, "*.example.test");
	add_bad(l, "192.0.2.300");       /* numeric last label: an IPv4 that is wrong */
	add_bad(l, "example.test:8080"); /* ports belong to URL prefixes */
	add_bad(l, "example.test/path"); /* URL prefixes need their scheme */
	{
		char label[70];
		memset(label, 'a', 64);
		strcpy(label + 64, ".test");
		add_bad(l, label);
	}
	assert_int_equal(sl_urllist_count(l), 0);
	sl_urllist_free(l);
}

/* ---- addresses ---- */

static void test_ipv4(void **state)
{
	struct sl_urllist *l = sl_urllist_new();

	add_ok(l, "192.0.2.7", "ip");
	add_ok(l, "198.51.100.0/24", "ip");
	add_ok(l, "203.0.113.9/32", "ip");
	add_ok(l, "10.0.0.0/8", "ip");
	add_ok(l, "172.16.5.4/12", "ip"); /* host bits are masked off */
	assert_int_equal(sl_urllist_count(l), 5);

	assert_string_equal(m(l, "http", "192.0.2.7", "/"), "ip:192.0.2.7");
	assert_null(m(l, "http", "192.0.2.8", "/"));
	assert_string_equal(m(l, "http", "198.51.100.200", "/"), "ip:198.51.100.0/24");
	assert_null(m(l, "http", "198.51.101.1", "/"));
	assert_string_equal(m(l, "http", "203.0.113.9", "/"), "ip:203.0.113.9/32");
	assert_null(m(l, "http", "203.0.113.8", "/"));
	assert_string_equal(m(l, "http", "10.255.1.2", "/"), "ip:10.0.0.0/8");
	assert_null(m(l, "http", "11.0.0.1", "/"));
	assert_string_equal(m(l, "http", "172.31.255.255", "/"), "ip:172.16.5.4/12");
	assert_null(m(l, "http", "172.32.0.0", "/"));
	/* IPv4-mapped IPv6 reaches the same machine. */
	assert_string_equal(m(l, "http", "[::ffff:192.0.2.7]", "/"), "ip:192.0.2.7");
	/* Address entries do not match names, and are not host entries. */
	assert_null(m(l, "http", "192.0.2.7.example", "/"));

	/* Longest prefix wins. */
	add_ok(l, "10.1.0.0/16", "more");
	assert_string_equal(m(l, "http", "10.1.2.3", "/"), "more:10.1.0.0/16");
	assert_string_equal(m(l, "http", "10.2.2.3", "/"), "ip:10.0.0.0/8");

	/* /0 matches every IPv4 address but no IPv6 one. */
	assert_null(m(l, "http", "8.8.8.8", "/"));
	add_ok(l, "0.0.0.0/0", "all");
	assert_string_equal(m(l, "http", "8.8.8.8", "/"), "all:0.0.0.0/0");
	assert_null(m(l, "http", "[2001:db8::1]", "/"));
	assert_null(m(l, "http", "example.test", "/"));

	add_bad(l, "192.0.2.0/33");
	add_bad(l, "192.0.2.0/");
	add_bad(l, "192.0.2.0/-1");
	add_bad(l, "192.0.2.0/2x");
	add_bad(l, "192.0.2.0/0024");
	add_bad(l, "192.0.2/24");
	add_bad(l, "256.0.2.1");
	add_bad(l, "192.0.2.1/24/3");
	sl_urllist_free(l);
}

static void test_ipv6(void **state)
{
	struct sl_urllist *l = sl_urllist_new();

	add_ok(l, "2001:db8::1", "v6");
	add_ok(l, "2001:db8:ffff::/48", "v6");
	add_ok(l, "3fff::/20", "v6");
	add_ok(l, "[2001:db8:1::5]", "v6");
	add_ok(l, "2001:db8:2::9/128", "v6");

	assert_string_equal(m(l, "http", "[2001:db8::1]", "/"), "v6:2001:db8::1");
	assert_null(m(l, "http", "[2001:db8::2]", "/"));
	assert_string_equal(m(l, "http", "[2001:db8:ffff:12::1]", "/"), "v6:2001:db8:ffff::/48");
	assert_null(m(l, "http", "[2001:db8:fffe::1]", "/"));
	assert_string_equal(m(l, "http", "[3fff:fff::1]", "/"), "v6:3fff::/20");
	assert_null(m(l, "http", "[3fff:1000::1]", "/"));
	assert_string_equal(m(l, "http", "[2001:db8:1::5]", "/"), "v6:[2001:db8:1::5]");
	/* Another spelling of the same address. */
	assert_string_equal(m(l, "http", "[2001:0db8:0002:0000::0009]", "/"), "v6:2001:db8:2::9/128");

	/* A /32 covering the documentation range. */
	assert_null(m(l, "http", "[2001:db8:abcd::1]", "/"));
	add_ok(l, "2001:db8::/32", "doc");
	assert_string_equal(m(l, "http", "[2001:db8:abcd::1]", "/"), "doc:2001:db8::/32");
	assert_string_equal(m(l, "http", "[2001:db8::1]", "/"), "v6:2001:db8::1");
	assert_null(m(l, "http", "[2001:db9::1]", "/"));
	/* IPv4 entries do not catch IPv6 addresses and the reverse. */
	assert_null(m(l, "http", "32.1.13.184", "/"));

	add_ok(l, "::/0", "all6");
	assert_string_equal(m(l, "http", "[fe80::1]", "/"), "all6:::/0");
	assert_null(m(l, "http", "192.0.2.1", "/"));

	add_bad(l, "2001:db8::/129");
	add_bad(l, "2001:db8:::1");
	add_bad(l, "2001:db8::g");
	add_bad(l, "[2001:db8::1");
	sl_urllist_free(l);
}

/* ---- URL prefixes ---- */

static void test_url_prefix(void **state)
{
	struct sl_urllist *l = sl_urllist_new();
	const char *src = NULL;

	add_ok(l, "https://lnk.short.test/x7Kq2", "short");
	add_ok(l, "HTTP://Files.Example.Test/pub/", "short");
	add_ok(l, "https://whole.example.test", "short");
	add_ok(l, "https://ports.example.test:8443/a", "short");
	add_ok(l, "https://dflt.example.test:443/b", "short");
	add_ok(l, "http://192.0.2.55/x", "short");
	add_ok(l, "http://[2001:DB8::55]/y", "short");

	assert_string_equal(m(l, "https", "lnk.short.test", "/x7Kq2"),
			    "short:https://lnk.short.test/x7Kq2");
	assert_string_equal(m(l, "https", "lnk.short.test", "/x7Kq2?utm=1"),
			    "short:https://lnk.short.test/x7Kq2");
	assert_null(m(l, "https", "lnk.short.test", "/x7Kq"));
	assert_null(m(l, "https", "lnk.short.test", "/X7KQ2")); /* paths are case-sensitive */
	assert_null(m(l, "http", "lnk.short.test", "/x7Kq2"));  /* other scheme */
	assert_null(m(l, "https", "a.lnk.short.test", "/x7Kq2")); /* host is exact */

	assert_non_null(m(l, "http", "files.example.test", "/pub/a.zip"));
	assert_null(m(l, "http", "files.example.test", "/pub"));
	assert_non_null(m(l, "https", "whole.example.test", "/"));
	assert_non_null(m(l, "https", "whole.example.test", "/anything"));

	{
		struct sl_url_norm u = mk("https", "ports.example.test", "/a/b");
		assert_int_equal(sl_urllist_match(l, &u, &src), 0);
		u.port = 8443;
		assert_int_equal(sl_urllist_match(l, &u, &src), 1);
		assert_string_equal(src, "short:https://ports.example.test:8443/a");
	}
	assert_non_null(m(l, "https", "dflt.example.test", "/b"));
	assert_non_null(m(l, "http", "192.0.2.55", "/x1"));
	assert_null(m(l, "http", "192.0.2.55", "/"));
	assert_non_null(m(l, "http", "[2001:db8::55]", "/y"));
	assert_non_null(m(l, "http", "[2001:DB8:0:0::55]", "/y"));
	add_ok(l, "http://[::ffff:192.0.2.56]/z", "short");
	assert_non_null(m(l, "http", "[::ffff:c000:238]", "/z")); /* WHATWG's spelling */

	/* URL prefixes are not host entries. */
	assert_int_equal(sl_urllist_match_host(l, "lnk.short.test", &src), 0);

	add_bad(l, "://nohost.test/");
	add_bad(l, "https:///path");
	add_bad(l, "https://user@host.test/");
	add_bad(l, "https://bad_h$st.test/");
	add_bad(l, "https://host.test:99999/");
	add_bad(l, "https://host.test:/");
	add_bad(l, "https://[2001:db8::1/");
	add_bad(l, "1ttp://host.test/");
	sl_urllist_free(l);
}

/* ---- files ---- */

static void test_file_comments_and_bad_lines(void **state)
{
	char *dir = tmpdir();
	char *path = write_list(dir, "block.txt",
				"\xef\xbb\xbf# a header comment\n"  /* 1 */
				"\n"                                /* 2 */
				"   evil.test   # trailing comment\n" /* 3 */
				"\t=exact.test\t\r\n"               /* 4 */
				"bad host.test\n"                   /* 5 */
				"    # indented comment\n"          /* 6 */
				"192.0.2.0/40\n"                    /* 7 */
				"198.51.100.0/24\n"                 /* 8 */
				"999.1.1.1\n"                       /* 9 */
				"hash#inside.test\n"                /* 10 */
				"https://lnk.short.test/p#frag\n"   /* 11 */
				"last.test");                       /* 12, no newline */
	struct sl_urllist *l = sl_urllist_new();
	struct warned w;
	char *why = NULL;
	const char *src = NULL;

	memset(&w, 0, sizeof(w));
	assert_int_equal(sl_urllist_load(l, path, warn_cb, &w, &why), SL_OK);
	assert_null(why);
	assert_int_equal(w.n, 4);
	assert_int_equal(sl_urllist_count(l), 5);
	assert_int_equal(w.lines[0], 5);
	assert_int_equal(w.lines[1], 7);
	assert_int_equal(w.lines[2], 9);
	assert_int_equal(w.lines[3], 10);
	assert_string_equal(w.file, path);
	assert_non_null(strstr(w.reasons[1], "prefix"));

	assert_string_equal(m(l, "http", "www.evil.test", "/"), "block.txt:evil.test");
	assert_string_equal(m(l, "http", "exact.test", "/"), "block.txt:=exact.test");
	assert_string_equal(m(l, "http", "198.51.100.3", "/"), "block.txt:198.51.100.0/24");
	assert_string_equal(m(l, "https", "lnk.short.test", "/p#frag"),
			    "block.txt:https://lnk.short.test/p#frag");
	assert_int_equal(sl_urllist_match_host(l, "last.test", &src), 1);
	assert_string_equal(src, "block.txt:last.test");
	assert_int_equal(sl_urllist_match_host(l, "host.test", &src), 0);
	assert_int_equal(sl_urllist_match_host(l, "inside.test", &src), 0);

	warned_clear(&w);
	sl_urllist_free(l);
	unlink(path);
	g_free(path);
	rmdir_all(dir);
}

static void test_two_entries_on_a_line(void **state)
{
	char *dir = tmpdir();
	char *path = write_list(dir, "x.txt", "a.test b.test\n");
	struct sl_urllist *l = sl_urllist_new();
	struct warned w;
	char *why = NULL;

	memset(&w, 0, sizeof(w));
	assert_int_equal(sl_urllist_load(l, path, warn_cb, &w, &why), SL_OK);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lines[0], 1);
	assert_int_equal(sl_urllist_count(l), 0);
	warned_clear(&w);
	sl_urllist_free(l);
	g_free(path);
	rmdir_all(dir);
}

static void test_missing_file(void **state)
{
	struct sl_urllist *l = sl_urllist_new();
	char *why = NULL;
	const char *p = "/nonexistent/sluice/urllist-missing.txt";

	assert_int_equal(sl_urllist_load(l, p, warn_cb, NULL, &why), SL_EIO);
	assert_non_null(why);
	assert_string_equal(why, "/nonexistent/sluice/urllist-missing.txt: No such file or directory");
	free(why);
	sl_urllist_free(l);
}

static void test_big_list(void **state)
{
	char *dir = tmpdir();
	GString *s = g_string_new("# generated\n");
	char *path;
	struct sl_urllist *l = sl_urllist_new();
	struct warned w;
	char *why = NULL;
	const char *src = NULL;

	for (unsigned i = 0; i < 10000; i++) {
		switch (i % 4) {
		case 0: g_string_append_printf(s, "host%u.example.test\n", i); break;
		case 1: g_string_append_printf(s, "=exact%u.example.test\n", i); break;
		case 2: g_string_append_printf(s, "10.%u.%u.0/24\n", (i >> 8) & 255, i & 255); break;
		case 3: g_string_append_printf(s, "https://s%u.short.test/p%u\n", i % 97, i); break;
		}
	}
	path = write_list(dir, "big.txt", s->str);
	g_string_free(s, TRUE);

	memset(&w, 0, sizeof(w));
	assert_int_equal(sl_urllist_load(l, path, warn_cb, &w, &why), SL_OK);
	assert_int_equal(w.n, 0);
	assert_int_equal(sl_urllist_count(l), 10000);

	for (unsigned i = 0; i < 10000; i++) {
		char host[64], path2[32], want[160];
		switch (i % 4) {
		case 0:
			snprintf(host, sizeof(host), "www.host%u.example.test", i);
			snprintf(want, sizeof(want), "big.txt:host%u.example.test", i);
			assert_string_equal(m(l, "http", host, "/"), want);
			break;
		case 1:
			snprintf(host, sizeof(host), "exact%u.example.test", i);
			assert_int_equal(sl_urllist_match_host(l, host, &src), 1);
			snprintf(host, sizeof(host), "a.exact%u.example.test", i);
			assert_int_equal(sl_urllist_match_host(l, host, &src), 0);
			break;
		case 2:
			snprintf(host, sizeof(host), "10.%u.%u.77", (i >> 8) & 255, i & 255);
			assert_non_null(m(l, "http", host, "/"));
			break;
		case 3:
			snprintf(host, sizeof(host), "s%u.short.test", i % 97);
			snprintf(path2, sizeof(path2), "/p%u", i);
			snprintf(want, sizeof(want), "big.txt:https://%s%s", host, path2);
			assert_string_equal(m(l, "https", host, path2), want);
			break;
		}
	}
	assert_null(m(l, "http", "host1.example.test", "/"));
	assert_null(m(l, "http", "example.test", "/"));
	assert_null(m(l, "http", "11.0.0.1", "/"));
	assert_null(m(l, "https", "s3.short.test", "/q"));

	warned_clear(&w);
	sl_urllist_free(l);
	g_free(path);
	rmdir_all(dir);
}

/* The project's own list files load without a warning. */
static void test_shipped_lists(void **state)
{
	static const char *names[] = { "blocklist.txt", "allowlist.txt", "shorteners.txt",
				       "protected.txt" };
	const char *srcdir = getenv("SLUICE_SOURCE_DIR");
	char *base = srcdir ? g_strdup(srcdir) : g_get_current_dir();

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *p = g_build_filename(base, "signatures", "urls", names[i], NULL);
		struct sl_urllist *l;
		struct warned w;
		char *why = NULL;

		if (!g_file_test(p, G_FILE_TEST_EXISTS)) {
			g_free(p);
			continue; /* run from elsewhere: nothing to check */
		}
		l = sl_urllist_new();
		memset(&w, 0, sizeof(w));
		assert_int_equal(sl_urllist_load(l, p, warn_cb, &w, &why), SL_OK);
		if (w.n != 0)
			fail_msg("%s:%u: %s", p, w.lines[0], w.reasons[0]);
		assert_true(sl_urllist_count(l) > 0);
		if (strcmp(names[i], "shorteners.txt") == 0) {
			const char *src = NULL;
			assert_int_equal(sl_urllist_match_host(l, "bit.ly", &src), 1);
			assert_string_equal(src, "shorteners.txt:bit.ly");
			assert_int_equal(sl_urllist_match_host(l, "t.co", &src), 1);
		}
		warned_clear(&w);
		sl_urllist_free(l);
		g_free(p);
	}
	g_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subdomains),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_bad_hosts),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_url_prefix),
		cmocka_unit_test(test_file_comments_and_bad_lines),
		cmocka_unit_test(test_two_entries_on_a_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_big_list),
		cmocka_unit_test(test_shipped_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
