/*
 * test_urlnorm - urlnorm against a table of tricky inputs: each row is one
 * input and everything the normaliser must make of it (every output field is
 * compared, NULL meaning "must be NULL"), plus tests for length-delimited
 * input with NUL bytes, the size limit and clearing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "urlnorm.h"
#include "util.h"
#include "winlink.h"

#define NOPORT 0 /* in the table: port must be -1 */
#define BAD(s) {.in = (s), .rc = SL_EPARSE}

struct row {
	const char *in;
	int rc;
	const char *url;
	const char *host;
	const char *host_unicode;
	const char *registrable;
	int port;
	const char *path;
	const char *userinfo;
	const char *alt_host; /* alt_host[0]; the table's URLs have at most one */
	unsigned flags;
};

#define SP SL_URL_SPECIAL
#define NS (SL_URL_NO_SCHEME | SL_URL_SPECIAL)
#define IP4 (SL_URL_SPECIAL | SL_URL_IP | SL_URL_IP_OBFUSCATED)
#define HANDLER (SL_URL_OPAQUE | SL_URL_HANDLER)
#define UNC (SL_URL_SPECIAL | SL_URL_UNC | SL_URL_BACKSLASH | SL_URL_SHARE)

static const struct row rows[] = {
	/* missing scheme */
	{"www.example.com/x", 0, "http://www.example.com/x", "www.example.com", NULL, "example.com",
	 NOPORT, "/x", NULL, NULL, NS},
	{"example.co.uk/path", 0, "http://example.co.uk/path", "example.co.uk", NULL,
	 "example.co.uk", NOPORT, "/path", NULL, NULL, NS},
	{"//proto.example/x", 0, "http://proto.example/x", "proto.example", NULL, "proto.example",
	 NOPORT, "/x", NULL, NULL, NS},
	{"example.com:8080/x", 0, "http://example.com:8080/x", "example.com", NULL, "example.com",
	 8080, "/x", NULL, NULL, NS | SL_URL_PORT},
	{"localhost:8080", 0, "http://localhost:8080/", "localhost", NULL, NULL, 8080, "/", NULL,
	 NULL, NS | SL_URL_PORT},
	/* case, whitespace, controls */
	{"HTTP://WWW.Example.COM/A/B", 0, "http://www.example.com/A/B", "www.example.com", NULL,
	 "example.com", NOPORT, "/A/B", NULL, NULL, SP},
	{" \x01 http://ex\tam\nple.com/a\rb \x1f", 0, "http://example.com/ab", "example.com", NULL,
	 "example.com", NOPORT, "/ab", NULL, NULL, SP},
	{"https:example.com", 0, "https://example.com/", "example.com", NULL, "example.com", NOPORT,
	 "/", NULL, NULL, SP},
	/* backslashes and the parser disagreement */
	{"http://good.test\\@evil.test/", 0, "http://good.test/@evil.test/", "good.test", NULL,
	 "good.test", NOPORT, "/@evil.test/", NULL, "evil.test", SP | SL_URL_BACKSLASH},
	{"https://bank.example.com\\@evil.test:8443/login", 0,
	 "https://bank.example.com/@evil.test:8443/login", "bank.example.com", NULL, "example.com",
	 NOPORT, "/@evil.test:8443/login", NULL, "evil.test", SP | SL_URL_BACKSLASH},
	{"http://GOOD.test\\evil@x.test/", 0, "http://good.test/evil@x.test/", "good.test", NULL,
	 "good.test", NOPORT, "/evil@x.test/", NULL, "x.test", SP | SL_URL_BACKSLASH},
	{"http:\\\\evil.test\\a\\b?x\\y#z", 0, "http://evil.test/a/b?x\\y#z", "evil.test", NULL,
	 "evil.test", NOPORT, "/a/b?x\\y#z", NULL, NULL, SP | SL_URL_BACKSLASH},
	/* userinfo */
	{"http://user:pass@host/", 0, "http://host/", "host", NULL, NULL, NOPORT, "/", "user:pass",
	 NULL, SP | SL_URL_USERINFO},
	{"https://bank.example@evil.test/", 0, "https://evil.test/", "evil.test", NULL, "evil.test",
	 NOPORT, "/", "bank.example", NULL, SP | SL_URL_USERINFO},
	{"http://a@b@c.test/", 0, "http://c.test/", "c.test", NULL, "c.test", NOPORT, "/", "a@b",
	 NULL, SP | SL_URL_USERINFO},
	{"HTTPS://@evil.test", 0, "https://evil.test/", "evil.test", NULL, "evil.test", NOPORT, "/",
	 "", NULL, SP | SL_URL_USERINFO},
	{"http://evil.test%2F@good.test/", 0, "http://good.test/", "good.test", NULL, "good.test",
	 NOPORT, "/", "evil.test%2F", "evil.test", SP | SL_URL_USERINFO},
	{"http://a:b@evil.test%2f@good.test/", 0, "http://good.test/", "good.test", NULL,
	 "good.test", NOPORT, "/", "a:b@evil.test%2f", "evil.test", SP | SL_URL_USERINFO},
	{"http://good.test%3Fx@good.test/", 0, "http://good.test/", "good.test", NULL, "good.test",
	 NOPORT, "/", "good.test%3Fx", NULL, SP | SL_URL_USERINFO},
	{"user@example.com", 0, "http://example.com/", "example.com", NULL, "example.com", NOPORT,
	 "/", "user", NULL, NS | SL_URL_USERINFO},
	/* IPv4 in all its disguises */
	{"http://3232235777/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://0xC0A80101/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://0300.0250.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://0xC0.0xA8.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://192.168.257/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, IP4},
	{"http://127.1/", 0, "http://127.0.0.1/", "127.0.0.1", NULL, NULL, NOPORT, "/", NULL, NULL,
	 IP4},
	{"http://0x/", 0, "http://0.0.0.0/", "0.0.0.0", NULL, NULL, NOPORT, "/", NULL, NULL, IP4},
	{"http://4294967295/", 0, "http://255.255.255.255/", "255.255.255.255", NULL, NULL, NOPORT,
	 "/", NULL, NULL, IP4},
	{"http://%31%39%32.168.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT,
	 "/", NULL, NULL, IP4 | SL_URL_PERCENT_HOST},
	{"http://\xef\xbc\x91\xef\xbc\x99\xef\xbc\x92.168.1.1/", 0, "http://192.168.1.1/",
	 "192.168.1.1", NULL, NULL, NOPORT, "/", NULL, NULL, IP4},
	{"http://192.168.1.1/", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, SP | SL_URL_IP},
	{"http://192.168.1.1./", 0, "http://192.168.1.1/", "192.168.1.1", NULL, NULL, NOPORT, "/",
	 NULL, NULL, SP | SL_URL_IP | SL_URL_TRAILING_DOT},
	BAD("http://1.2.3.4.5/"),
	BAD("http://256.1.1.1/"),
	BAD("http://4294967296/"),
	BAD("http://09.1.1.1/"),
	BAD("http://1.0x1000000/"),
	{"http://a.0x1g/", 0, "http://a.0x1g/", "a.0x1g", NULL, "a.0x1g", NOPORT, "/", NULL, NULL,
	 SP},
	/* IPv6 */
	{"http://[::1]/", 0, "http://[::1]/", "[::1]", NULL, NULL, NOPORT, "/", NULL, NULL,
	 SP | SL_URL_IP},
	{"http://[::1]:8080/x", 0, "http://[::1]:8080/x", "[::1]", NULL, NULL, 8080, "/x", NULL,
	 NULL, SP | SL_URL_IP | SL_URL_PORT},
	{"https://[2001:DB8:0:0:0:0:0:1]:443/", 0, "https://[2001:db8::1]/", "[2001:db8::1]", NULL,
	 NULL, NOPORT, "/", NULL, NULL, SP | SL_URL_IP},
	{"http://[0:0:0:0:0:0:0:0]/", 0, "http://[::]/", "[::]", NULL, NULL, NOPORT, "/", NULL,
	 NULL, SP | SL_URL_IP},
	/* serialised as the URL Standard does, not as inet_ntop does */
	{"http://[::ffff:1.2.3.4]/", 0, "http://[::ffff:102:304]/", "[::ffff:102:304]", NULL, NULL,
	 NOPORT, "/", NULL, NULL, SP | SL_URL_IP},
	{"http://[1:0:0:2:0:0:0:3]/", 0, "http://[1:0:0:2::3]/", "[1:0:0:2::3]", NULL, NULL, NOPORT,
	 "/", NULL, NULL, SP | SL_URL_IP},
	{"http://[1:0::]/", 0, "http://[1::]/", "[1::]", NULL, NULL, NOPORT, "/", NULL, NULL,
	 SP | SL_URL_IP},
	{"http://[0:1:0:1:0:1:0:1]/", 0, "http://[0:1:0:1:0:1:0:1]/", "[0:1:0:1:0:1:0:1]", NULL, NULL,
	 NOPORT, "/", NULL, NULL, SP | SL_URL_IP},
	BAD("http://[::01.2.3.4]/"),
	BAD("http://[1:2:3:4:5:6:7::8]/"),
	BAD("http://[::1.2.3]/"),
	BAD("http://[::1/"),
	BAD("http://[::1]x/"),
	BAD("http://[1:2:3:4:5:6:7:8:9]/"),
	BAD("http://[fe80::1%25eth0]/"),
	/* ports */
	{"http://host:8080/", 0, "http://host:8080/", "host", NULL, NULL, 8080, "/", NULL, NULL,
	 SP | SL_URL_PORT},
	{"http://host:443/", 0, "http://host:443/", "host", NULL, NULL, 443, "/", NULL, NULL,
	 SP | SL_URL_PORT},
	{"https://host:0443/", 0, "https://host/", "host", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"ws://host:80/", 0, "ws://host/", "host", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"ftp://host:21/", 0, "ftp://host/", "host", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"http://host:/x", 0, "http://host/x", "host", NULL, NULL, NOPORT, "/x", NULL, NULL, SP},
	{"http://host:65535/", 0, "http://host:65535/", "host", NULL, NULL, 65535, "/", NULL, NULL,
	 SP | SL_URL_PORT},
	BAD("http://host:65536/"),
	BAD("http://host:8a/"),
	BAD("http://host:-1/"),
	BAD("http://host:99999999999999999999999/"),
	/* IDN */
	{"http://h\xc3\xa1\xc4\x8dky.cz/", 0, "http://xn--hky-ela4t.cz/", "xn--hky-ela4t.cz",
	 "h\xc3\xa1\xc4\x8dky.cz", "xn--hky-ela4t.cz", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84/", 0,
	 "http://xn--e1afmkfd.xn--p1ai/", "xn--e1afmkfd.xn--p1ai",
	 "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
	 "xn--e1afmkfd.xn--p1ai", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	/* ß is kept (non-transitional); older programs open the "ss" spelling */
	{"https://stra\xc3\x9f" "e.de/", 0, "https://xn--strae-oqa.de/", "xn--strae-oqa.de",
	 "stra\xc3\x9f" "e.de", "xn--strae-oqa.de", NOPORT, "/", NULL, "strasse.de",
	 SP | SL_URL_IDN},
	/* symbols no longer make the whole name fall back to transitional processing */
	{"https://\xe2\x99\xa5.fa\xc3\x9f.de/", 0, "https://xn--g6h.xn--fa-hia.de/",
	 "xn--g6h.xn--fa-hia.de", "\xe2\x99\xa5.fa\xc3\x9f.de", "xn--fa-hia.de", NOPORT, "/",
	 NULL, "xn--g6h.fass.de", SP | SL_URL_IDN},
	{"https://\xe2\x99\xa5.paypa\xcf\x82.com/", 0, "https://xn--g6h.xn--paypa-ede.com/",
	 "xn--g6h.xn--paypa-ede.com", "\xe2\x99\xa5.paypa\xcf\x82.com", "xn--paypa-ede.com",
	 NOPORT, "/", NULL, "xn--g6h.xn--paypa-kde.com", SP | SL_URL_IDN},
	{"http://xn--zca.de/", 0, "http://xn--zca.de/", "xn--zca.de", "\xc3\x9f.de", "xn--zca.de",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	/* what browsers drop or map: soft hyphen, zero-width space, full-width dot */
	{"http://ev\xc2\xadil.test/", 0, "http://evil.test/", "evil.test", "evil.test", "evil.test",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://evil\xe2\x80\x8b.test/", 0, "http://evil.test/", "evil.test", "evil.test",
	 "evil.test", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://evil\xef\xbc\x8etest:8080/", 0, "http://evil.test:8080/", "evil.test",
	 "evil.test", "evil.test", 8080, "/", NULL, NULL, SP | SL_URL_IDN | SL_URL_PORT},
	/* CheckJoiners and CheckBidi are on; Punycode of plain ASCII is refused */
	BAD("http://a\xe2\x80\x8d" "b.test/"),
	BAD("http://1a.\xd7\x90/"),
	BAD("http://xn--ab-.com/"),
	BAD("http://xn--a.com/"),
	/* CheckHyphens is off, DNS lengths are not checked */
	{"http://-a-.test/", 0, "http://-a-.test/", "-a-.test", NULL, "-a-.test", NOPORT, "/",
	 NULL, NULL, SP},
	{"http://ab--cd.test/", 0, "http://ab--cd.test/", "ab--cd.test", NULL, "ab--cd.test",
	 NOPORT, "/", NULL, NULL, SP},
	{"http://-\xe2\x99\xa5-.test/", 0, "http://xn-----t0x.test/", "xn-----t0x.test",
	 "-\xe2\x99\xa5-.test", "xn-----t0x.test", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://a..b.test/", 0, "http://a..b.test/", "a..b.test", NULL, "b.test", NOPORT, "/",
	 NULL, NULL, SP},
	{"http://\xcf\x80\xce\xb1\xcf\x81\xce\xac\xce\xb4\xce\xb5\xce\xb9\xce\xb3\xce\xbc\xce\xb1."
	 "\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae/",
	 0, "http://xn--hxajbheg2az3al.xn--jxalpdlp/", "xn--hxajbheg2az3al.xn--jxalpdlp",
	 "\xcf\x80\xce\xb1\xcf\x81\xce\xac\xce\xb4\xce\xb5\xce\xb9\xce\xb3\xce\xbc\xce\xb1."
	 "\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae",
	 "xn--hxajbheg2az3al.xn--jxalpdlp", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88/", 0,
	 "http://xn--r8jz45g.xn--zckzah/", "xn--r8jz45g.xn--zckzah",
	 "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", "xn--r8jz45g.xn--zckzah",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://XN--E1AFMKFD.xn--P1AI/", 0, "http://xn--e1afmkfd.xn--p1ai/",
	 "xn--e1afmkfd.xn--p1ai",
	 "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
	 "xn--e1afmkfd.xn--p1ai", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	{"http://B\xc3\xbc" "cher.example.co.uk/", 0, "http://xn--bcher-kva.example.co.uk/",
	 "xn--bcher-kva.example.co.uk", "b\xc3\xbc" "cher.example.co.uk", "example.co.uk", NOPORT,
	 "/", NULL, NULL, SP | SL_URL_IDN},
	/* fullwidth letters and ideographic full stop */
	{"http://\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90\xef\xbd\x8c\xef\xbd\x85"
	 "\xe3\x80\x82" "com/",
	 0, "http://example.com/", "example.com", "example.com", "example.com", NOPORT, "/", NULL,
	 NULL, SP | SL_URL_IDN},
	/* emoji: fails non-transitional, passes transitional */
	{"http://xn--ls8h.la/", 0, "http://xn--ls8h.la/", "xn--ls8h.la", "\xf0\x9f\x92\xa9.la",
	 "xn--ls8h.la", NOPORT, "/", NULL, NULL, SP | SL_URL_IDN},
	BAD("http://xn--zz.com/"),
	BAD("http://a\xff.com/"),
	/* percent-encoded host, forbidden code points, trailing dots */
	{"http://%65xample.COM/", 0, "http://example.com/", "example.com", NULL, "example.com",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_PERCENT_HOST},
	{"http://EXAMPLE.com../", 0, "http://example.com/", "example.com", NULL, "example.com",
	 NOPORT, "/", NULL, NULL, SP | SL_URL_TRAILING_DOT},
	BAD("http://exa mple.com/"),
	BAD("http://exa<mple.com/"),
	BAD("http://a%zz.com/"),
	BAD("http://a%2fb.com/"),
	BAD("http://ex%00ample.com/"),
	BAD("http://\xef\xbc\x8f" "evil.test/"), /* fullwidth solidus maps to '/' */
	/* empty hosts */
	BAD("http://"),
	BAD("http://@/x"),
	BAD("http://user@"),
	BAD("http://:80/"),
	{"http://./", 0, "http://./", ".", NULL, NULL, NOPORT, "/", NULL, NULL, SP},
	{"http://foo.09../", 0, "http://foo.09/", "foo.09", NULL, "foo.09", NOPORT, "/", NULL, NULL,
	 SP | SL_URL_TRAILING_DOT},
	{"http://1.2.3.4../", 0, "http://1.2.3.4/", "1.2.3.4", NULL, NULL, NOPORT, "/", NULL, NULL,
	 IP4 | SL_URL_TRAILING_DOT},
	BAD("http:"),
	{"http:///x.test/y", 0, "http://x.test/y", "x.test", NULL, "x.test", NOPORT, "/y", NULL,
	 NULL, SP},
	/* paths */
	{"http://example.com", 0, "http://example.com/", "example.com", NULL, "example.com", NOPORT,
	 "/", NULL, NULL, SP},
	{"http://example.com?q", 0, "http://example.com/?q", "example.com", NULL, "example.com",
	 NOPORT, "/?q", NULL, NULL, SP},
	{"http://example.com/a/./b/../c/%2e%2E/d?q=1 2#f g", 0, "http://example.com/a/d?q=1%202#f%20g",
	 "example.com", NULL, "example.com", NOPORT, "/a/d?q=1%202#f%20g", NULL, NULL, SP},
	{"http://example.com/a/..", 0, "http://example.com/", "example.com", NULL, "example.com",
	 NOPORT, "/", NULL, NULL, SP},
	{"http://x.com/\xc3\xbc?\xc3\xbc#\xc3\xbc", 0, "http://x.com/%C3%BC?%C3%BC#%C3%BC", "x.com",
	 NULL, "x.com", NOPORT, "/%C3%BC?%C3%BC#%C3%BC", NULL, NULL, SP},
	/* file */
	{"file:///etc/passwd", 0, "file:///etc/passwd", "", NULL, NULL, NOPORT, "/etc/passwd", NULL,
	 NULL, SP},
	{"file://localhost/etc/x", 0, "file:///etc/x", "", NULL, NULL, NOPORT, "/etc/x", NULL, NULL,
	 SP},
	{"FILE://Server/share", 0, "file://server/share", "server", NULL, NULL, NOPORT, "/share",
	 NULL, NULL, SP | SL_URL_SHARE},
	/* Windows reads four slashes as a UNC path; a browser as a local one */
	{"file:////evil.test/share", 0, "file:////evil.test/share", "", NULL, NULL, NOPORT,
	 "//evil.test/share", NULL, "evil.test", SP | SL_URL_SHARE},
	BAD("file://evil.test@SSL/x"),
	/* UNC paths and WebDAV forms, as Windows reads them */
	{"\\\\evil.test\\share\\doc.lnk", 0, "file://evil.test/share/doc.lnk", "evil.test",
	 NULL, "evil.test", NOPORT, "/share/doc.lnk", NULL, NULL, UNC},
	{"\\\\evil.test@SSL\\DavWWWRoot\\x.exe", 0, "file://evil.test/DavWWWRoot/x.exe",
	 "evil.test", NULL, "evil.test", NOPORT, "/DavWWWRoot/x.exe", NULL, NULL,
	 UNC | SL_URL_WEBDAV},
	{"\\\\evil.test@SSL@8443\\x", 0, "file://evil.test/x", "evil.test", NULL, "evil.test",
	 8443, "/x", NULL, NULL, UNC | SL_URL_WEBDAV | SL_URL_PORT},
	{"\\\\Evil.Test@8080\\x", 0, "file://evil.test/x", "evil.test", NULL, "evil.test", 8080,
	 "/x", NULL, NULL, UNC | SL_URL_WEBDAV | SL_URL_PORT},
	{"\\\\?\\UNC\\evil.test\\share", 0, "file://evil.test/share", "evil.test", NULL,
	 "evil.test", NOPORT, "/share", NULL, NULL, UNC},
	{"\\\\.\\pipe\\x", 0, "file:///pipe/x", "", NULL, NULL, NOPORT, "/pipe/x", NULL, NULL,
	 SP | SL_URL_UNC | SL_URL_BACKSLASH},
	BAD("\\\\user@evil.test\\share"),
	/* schemes that reach the network like http */
	{"wss://Evil.test:443/socket", 0, "wss://evil.test/socket", "evil.test", NULL, "evil.test",
	 NOPORT, "/socket", NULL, NULL, SP},
	{"ws://evil.test:8080/", 0, "ws://evil.test:8080/", "evil.test", NULL, "evil.test", 8080,
	 "/", NULL, NULL, SP | SL_URL_PORT},
	{"ftp://evil.test/x", 0, "ftp://evil.test/x", "evil.test", NULL, "evil.test", NOPORT, "/x",
	 NULL, NULL, SP},
	{"smb://evil.test/share", 0, "smb://evil.test/share", "evil.test", NULL, "evil.test",
	 NOPORT, "/share", NULL, NULL, SL_URL_SHARE},
	/* opaque schemes */
	{"javascript:alert(1)", 0, "javascript:alert(1)", NULL, NULL, NULL, NOPORT, "alert(1)",
	 NULL, NULL, SL_URL_OPAQUE},
	{" JaVa\tScRiPt:alert(1)", 0, "javascript:alert(1)", NULL, NULL, NULL, NOPORT, "alert(1)",
	 NULL, NULL, SL_URL_OPAQUE},
	{"javascript://%0aalert(1)", 0, "javascript://%0aalert(1)", NULL, NULL, NULL, NOPORT,
	 "//%0aalert(1)", NULL, NULL, SL_URL_OPAQUE},
	{"data:text/html;base64,PHNjcmlwdD4=", 0, "data:text/html;base64,PHNjcmlwdD4=", NULL, NULL,
	 NULL, NOPORT, "text/html;base64,PHNjcmlwdD4=", NULL, NULL, SL_URL_OPAQUE},
	{"DATA:text/html,<b>\x01x", 0, "data:text/html,<b>%01x", NULL, NULL, NULL, NOPORT,
	 "text/html,<b>%01x", NULL, NULL, SL_URL_OPAQUE},
	{"mailto:a@b.test", 0, "mailto:a@b.test", NULL, NULL, NULL, NOPORT, "a@b.test", NULL, NULL,
	 SL_URL_OPAQUE},
	{"tel:+123", 0, "tel:+123", NULL, NULL, NULL, NOPORT, "+123", NULL, NULL, SL_URL_OPAQUE},
	{"VBScript:msgbox", 0, "vbscript:msgbox", NULL, NULL, NULL, NOPORT, "msgbox", NULL, NULL,
	 SL_URL_OPAQUE},
	{"blob:https://evil.test/uuid", 0, "blob:https://evil.test/uuid", NULL, NULL, NULL, NOPORT,
	 "https://evil.test/uuid", NULL, "evil.test", SL_URL_OPAQUE},
	/* handler schemes that start a program: the host of what they open */
	{"search-ms:query=x&crumb=location:%5C%5Cevil.test%40SSL%5CDavWWWRoot&displayname=D", 0,
	 "search-ms:query=x&crumb=location:%5C%5Cevil.test%40SSL%5CDavWWWRoot&displayname=D", NULL,
	 NULL, NULL, NOPORT, "query=x&crumb=location:%5C%5Cevil.test%40SSL%5CDavWWWRoot&displayname=D",
	 NULL, "evil.test", HANDLER | SL_URL_SHARE | SL_URL_WEBDAV},
	{"ms-word:ofe|u|https://evil.test/doc.docx", 0, "ms-word:ofe|u|https://evil.test/doc.docx",
	 NULL, NULL, NULL, NOPORT, "ofe|u|https://evil.test/doc.docx", NULL, "evil.test", HANDLER},
	{"MS-Excel:https://evil.test/x.xlsx", 0, "ms-excel:https://evil.test/x.xlsx", NULL, NULL,
	 NULL, NOPORT, "https://evil.test/x.xlsx", NULL, "evil.test", HANDLER},
	{"ms-msdt:/id PCWDiagnostic /skip force", 0, "ms-msdt:/id PCWDiagnostic /skip force", NULL,
	 NULL, NULL, NOPORT, "/id PCWDiagnostic /skip force", NULL, NULL, HANDLER},
	{"ms-appinstaller:?source=https%3A%2F%2Fevil.test%2Fx.appinstaller", 0,
	 "ms-appinstaller:?source=https%3A%2F%2Fevil.test%2Fx.appinstaller", NULL, NULL, NULL,
	 NOPORT, "?source=https%3A%2F%2Fevil.test%2Fx.appinstaller", NULL, "evil.test", HANDLER},
	/* other non-special schemes with an authority */
	{"intent://Evil.test/#Intent;end", 0, "intent://evil.test/#Intent;end", "evil.test", NULL,
	 "evil.test", NOPORT, "/#Intent;end", NULL, NULL, 0},
	/* garbage */
	BAD(""),
	BAD(" \t\n "),
	BAD("/relative/path"),
	BAD("?q=1"),
	BAD("::::"),
	BAD("http://["),
	BAD("%%%"),
	BAD("hello world"),
};

static int mismatches;

static void expect_str(const char *what, const char *in, const char *want, const char *got)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0) {
		print_error("%s: %s: want \"%s\", got \"%s\"\n", in, what, want ? want : "(null)",
			    got ? got : "(null)");
		mismatches++;
	}
}

/* Every row is checked and every mismatch printed before the test fails. */
static void test_table(void **state)
{
	(void)state;
	mismatches = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct sl_url_norm u;
		char *why = NULL;
		int rc = sl_url_normalize(r->in, strlen(r->in), 8192, &u, &why);
		if (rc != r->rc) {
			print_error("%s: rc %d, want %d (%s)\n", r->in, rc, r->rc, why ? why : "");
			mismatches++;
			free(why);
			sl_url_norm_clear(&u);
			continue;
		}
		if (rc < 0) {
			assert_non_null(why);
			assert_null(u.url);
			assert_null(u.host);
			assert_null(u.scheme);
			free(why);
			continue;
		}
		assert_null(why);
		expect_str("url", r->in, r->url, u.url);
		expect_str("host", r->in, r->host, u.host);
		expect_str("host_unicode", r->in, r->host_unicode, u.host_unicode);
		expect_str("registrable", r->in, r->registrable, u.registrable);
		expect_str("path", r->in, r->path, u.path);
		expect_str("userinfo", r->in, r->userinfo, u.userinfo);
		expect_str("alt_host", r->in, r->alt_host, u.nalt > 0 ? u.alt_host[0] : NULL);
		if (u.nalt > 1) {
			print_error("%s: %zu other hosts, the table knows one\n", r->in, u.nalt);
			mismatches++;
		}
		if (u.port != (r->port == NOPORT ? -1 : r->port)) {
			print_error("%s: port %d, want %d\n", r->in, u.port, r->port);
			mismatches++;
		}
		if (u.flags != r->flags) {
			print_error("%s: flags 0x%x, want 0x%x\n", r->in, u.flags, r->flags);
			mismatches++;
		}
		assert_non_null(u.scheme);
		assert_int_equal(strncmp(u.url, u.scheme, strlen(u.scheme)), 0);
		sl_url_norm_clear(&u);
		assert_null(u.url);
		assert_int_equal(u.port, -1);
	}
	assert_int_equal(mismatches, 0);
}

/* Every host a link may open: host plus alt_host[], as a sorted, space-separated list. */
static char *destinations(const struct sl_url_norm *u, unsigned *kinds)
{
	const char *v[SL_URL_ALT_MAX + 1];
	size_t n = 0, len = 1;
	char *out;

	*kinds = 0;
	if (u->host != NULL && u->host[0] != '\0')
		v[n++] = u->host;
	for (size_t i = 0; i < u->nalt; i++) {
		v[n++] = u->alt_host[i];
		*kinds |= 1u << u->alt_kind[i];
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	return out;
}

#define K(kind) (1u << (kind))

/*
 * Links with several readings. The sets do not depend on the Unicode version
 * of the ICU at hand: which of "fass.de" and "xn--fa-hia.de" a ẞ-host gets as
 * its host depends on it (ICU 72, Unicode 15.0, maps ẞ to "ss"; 15.1 and
 * later to ß), but both are always judged.
 */
static void test_destinations(void **state)
{
	static const struct {
		const char *in;
		const char *all;  /* sorted */
		unsigned kinds;
	} dests[] = {
		{"https://fa\xe1\xba\x9e.de/", "fass.de xn--fa-hia.de", K(SL_URL_ALT_IDNA)},
		{"https://FA\xe1\xba\x9e.\xe2\x99\xa5.de/x", "fass.xn--g6h.de xn--fa-hia.xn--g6h.de",
		 K(SL_URL_ALT_IDNA)},
		{"https://\xe1\xba\x9e.de/", "ss.de xn--zca.de", K(SL_URL_ALT_IDNA)},
		{"https://\xe2\x99\xa5.fa\xc3\x9f.de/", "xn--g6h.fass.de xn--g6h.xn--fa-hia.de",
		 K(SL_URL_ALT_IDNA)},
		{"https://\xe2\x99\xa5.paypa\xcf\x82.com/",
		 "xn--g6h.xn--paypa-ede.com xn--g6h.xn--paypa-kde.com", K(SL_URL_ALT_IDNA)},
		/* a parser disagreement and an IDNA one in the same link */
		{"http://good.test\\@evil.fa\xc3\x9f.test/", "evil.fass.test evil.xn--fa-hia.test good.test",
		 K(SL_URL_ALT_PARSER)},
		/* ZWNJ after a virama is allowed by CheckJoiners; old programs drop it */
		{"https://\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8c\xe0\xa4\xb7.test/",
		 "xn--11b2ezc.test xn--11b2ezcs70k.test", K(SL_URL_ALT_IDNA)},
		{"https://b\xc3\xbc" "cher.de/", "xn--bcher-kva.de", 0},
		{"https://example.com/", "example.com", 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(dests) / sizeof(dests[0]); i++) {
		struct sl_url_norm u;
		unsigned kinds;
		char *all;
		char *why = NULL;
		if (sl_url_normalize(dests[i].in, strlen(dests[i].in), 8192, &u, &why) != SL_OK)
			fail_msg("%s: %s", dests[i].in, why);
		all = destinations(&u, &kinds);
		if (strcmp(all, dests[i].all) != 0 || kinds != dests[i].kinds)
			fail_msg("%s: destinations \"%s\" (kinds 0x%x), want \"%s\" (0x%x)", dests[i].in,
				 all, kinds, dests[i].all, dests[i].kinds);
		free(all);
		sl_url_norm_clear(&u);
	}
}

/* Wrappers and handler schemes: the URL they open and the program they start. */
static void test_targets(void **state)
{
	static const struct {
		const char *in;
		const char *target;
		int handler;
	} targets[] = {
		{"blob:https://evil.test/uuid", "https://evil.test/uuid", SL_WINLINK_NONE},
		{"search-ms:query=x&crumb=location:%5C%5Cevil.test%40SSL%5CDavWWWRoot",
		 "file://evil.test/DavWWWRoot", SL_WINLINK_SEARCH},
		/* values encoded twice, and the subquery form */
		{"search-ms:displayname=x&crumb=location:%255C%255Cevil.test%255Cs",
		 "file://evil.test/s", SL_WINLINK_SEARCH},
		{"search:subquery=%5C%5Cevil.test%5Cs%5Cq.search-ms", "file://evil.test/s/q.search-ms",
		 SL_WINLINK_SEARCH},
		{"search-ms:query=invoice", NULL, SL_WINLINK_SEARCH},
		{"ms-word:ofe|u|https://evil.test/doc.docx", "https://evil.test/doc.docx",
		 SL_WINLINK_OFFICE},
		{"ms-powerpoint:ofv|u|\\\\evil.test\\s\\p.pptx|s|https://x.test/",
		 "file://evil.test/s/p.pptx", SL_WINLINK_OFFICE},
		{"ms-excel:https://evil.test/x.xlsx", "https://evil.test/x.xlsx", SL_WINLINK_OFFICE},
		{"ms-appinstaller:?source=https://evil.test/a.appinstaller",
		 "https://evil.test/a.appinstaller", SL_WINLINK_APPINSTALLER},
		{"ms-msdt:/id PCWDiagnostic", NULL, SL_WINLINK_MSDT},
		/* a location that does not parse is kept as written, for a lenient look-up */
		{"ms-word:ofe|u|https://evil.test:99999/x", "https://evil.test:99999/x", SL_WINLINK_OFFICE},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct sl_url_norm u;
		char *why = NULL;
		if (sl_url_normalize(targets[i].in, strlen(targets[i].in), 8192, &u, &why) != SL_OK)
			fail_msg("%s: %s", targets[i].in, why);
		expect_str("target", targets[i].in, targets[i].target, u.target);
		assert_int_equal(u.handler, targets[i].handler);
		assert_true(u.flags & SL_URL_OPAQUE);
		assert_null(u.host);
		sl_url_norm_clear(&u);
	}
	assert_int_equal(mismatches, 0);
}

/* The input is length-delimited: NUL bytes are data, not terminators. */
static void test_nul_bytes(void **state)
{
	static const char in_path[] = "http://example.com/a\0b";
	static const char in_host[] = "http://exa\0mple.com/";
	static const char in_edges[] = "\0\0http://example.com/\0";
	static const char in_scheme[] = "java\0script:alert(1)";
	struct sl_url_norm u;
	char *why = NULL;
	(void)state;

	assert_int_equal(sl_url_normalize(in_path, sizeof(in_path) - 1, 100, &u, &why), 0);
	assert_string_equal(u.url, "http://example.com/a%00b");
	sl_url_norm_clear(&u);

	assert_int_equal(sl_url_normalize(in_host, sizeof(in_host) - 1, 100, &u, &why), SL_EPARSE);
	assert_non_null(why);
	free(why);

	assert_int_equal(sl_url_normalize(in_edges, sizeof(in_edges) - 1, 100, &u, &why), 0);
	assert_string_equal(u.url, "http://example.com/");
	sl_url_norm_clear(&u);

	/* "java\0script:" is not the javascript scheme, and no host either */
	assert_int_equal(sl_url_normalize(in_scheme, sizeof(in_scheme) - 1, 100, &u, &why),
			 SL_EPARSE);
	free(why);

	/* only len bytes are read */
	assert_int_equal(sl_url_normalize("http://a.test/xyz", 13, 100, &u, &why), 0);
	assert_string_equal(u.url, "http://a.test/");
	sl_url_norm_clear(&u);
}

static void test_too_big(void **state)
{
	size_t n = 10000;
	char *big = malloc(n + 1);
	struct sl_url_norm u;
	char *why = NULL;
	(void)state;

	assert_non_null(big);
	memcpy(big, "http://example.com/", 19);
	memset(big + 19, 'a', n - 19);
	big[n] = '\0';
	assert_int_equal(sl_url_normalize(big, n, 8192, &u, &why), SL_ETOOBIG);
	assert_non_null(why);
	assert_null(u.url);
	free(why);
	why = NULL;
	assert_int_equal(sl_url_normalize(big, n, n, &u, &why), 0);
	assert_int_equal(strlen(u.url), n);
	sl_url_norm_clear(&u);
	/* why may be NULL */
	assert_int_equal(sl_url_normalize(big, n, 10, &u, NULL), SL_ETOOBIG);
	assert_int_equal(sl_url_normalize("http://", 7, 10, &u, NULL), SL_EPARSE);
	free(big);
}

static void test_clear(void **state)
{
	struct sl_url_norm u;
	(void)state;
	assert_int_equal(sl_url_normalize("https://u@x.example.org:8443/p", 30, 100, &u, NULL), 0);
	assert_string_equal(u.url, "https://x.example.org:8443/p");
	assert_string_equal(u.scheme, "https");
	sl_url_norm_clear(&u);
	sl_url_norm_clear(&u); /* twice is harmless */
	sl_url_norm_clear(NULL);
	assert_null(u.host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_destinations),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
