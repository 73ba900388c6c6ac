/*
 * test_urls - the URL stage on hand-built messages: each test makes an sl_msg
 * with one or more parts (declared type, charset, decoded bytes), runs the
 * stage and checks every URL found: the URL, its context, its byte range in
 * the part's text (the bytes there must be what was written) and shown_as.
 * Links in text of every scheme that reaches the network or runs something
 * (UNC paths, file:, smb:, search-ms:, ms-msdt:...), hosts with invisible
 * characters, calendar parts and files, format=flowed text and header fields
 * (whole messages through the MIME stage). Also the limits (max_urls,
 * max_url_length, match_limit), bad bytes, and inputs that would make a
 * careless pattern or parser slow. HTML and SVG: test_htmllinks.c.
 */
#include <time.h>

#include <gmime/gmime.h>

#include "mime.h"
#include "urls_test.h"

/* ---- plain text ---- */

static void test_text_schemes(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "Visit https://example.com/a?b=c#d and www.example.org or\r\n"
				   "example.co.uk/login today; also FTP://files.test/x and\n"
				   "http:\\\\back.test\\slash, hxxp://nope.test/ too. Or www.end.test.");
	assert_int_equal(m->nurls, 6);
	check_text(m, 0, "https://example.com/a?b=c#d");
	check_text(m, 1, "www.example.org");
	check_text(m, 2, "example.co.uk/login");
	check_text(m, 3, "FTP://files.test/x");
	check_text(m, 4, "http:\\\\back.test\\slash");
	check_text(m, 5, "www.end.test");
	assert_null(m->urls[0].shown_as);
	assert_null(m->parts[0].text_owned);
	assert_ptr_equal(m->parts[0].text, (const char *)m->parts[0].data);
	sl_msg_free(m);
}

static void test_text_not_urls(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "e.g. this, i.e. that; see file.txt and version 1.2.3 or 1.2.3/4,\n"
				   "a.b, readme, user@example.com, first.last@example.com/x, x.y.z,\n"
				   "example.com5/x, www.a.b.c. www.example.c0m\n"
				   "x.thisisaverylongnamethatisnotatldbecauseitislongerthansixtythreeletters/x\n"
				   "http:// and https:// alone, .com/, -.com/, www. and www.x");
	assert_int_equal(m->nurls, 0);
	sl_msg_free(m);
}

static void test_text_punctuation(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "See http://x.test/a. Or (http://x.test/b), 'http://x.test/c'!\n"
				   "<https://x.test/d> and \"www.x.test/e\"; [http://x.test/f]?\n"
				   "http://x.test/g?... end: http://x.test/h:");
	assert_int_equal(m->nurls, 8);
	check_text(m, 0, "http://x.test/a");
	check_text(m, 1, "http://x.test/b");
	check_text(m, 2, "http://x.test/c");
	check_text(m, 3, "https://x.test/d");
	check_text(m, 4, "www.x.test/e");
	check_text(m, 5, "http://x.test/f");
	check_text(m, 6, "http://x.test/g");
	check_text(m, 7, "http://x.test/h");
	sl_msg_free(m);
}

static void test_text_parens(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "https://en.wikipedia.org/wiki/Foo_(bar) and "
				   "(see https://en.wikipedia.org/wiki/Foo_(bar)). "
				   "[link](http://md.test/x) {http://b.test/{y}}");
	assert_int_equal(m->nurls, 4);
	check_text(m, 0, "https://en.wikipedia.org/wiki/Foo_(bar)");
	check_text(m, 1, "https://en.wikipedia.org/wiki/Foo_(bar)");
	check_text(m, 2, "http://md.test/x");
	check_text(m, 3, "http://b.test/{y}");
	sl_msg_free(m);
}

static void test_text_qp_decoded(void **state)
{
	/* "http://x.test/a=3Db?c=3D1" after quoted-printable decoding, soft breaks gone */
	struct sl_msg *m = run_str("text/plain", "Line one\r\nclick http://x.test/a=b?c=1\r\nbye\r\n");
	assert_int_equal(m->nurls, 1);
	check_text(m, 0, "http://x.test/a=b?c=1");
	assert_int_equal(m->urls[0].offset, strlen("Line one\r\nclick "));
	sl_msg_free(m);
}

static void test_text_unicode(void **state)
{
	/* IDN host, non-ASCII path, smart quotes and a CJK full stop around URLs */
	struct sl_msg *m = run_str("text/plain",
				   "\xE2\x80\x9Chttp://b\xC3\xBC" "cher.test/\xC3\xA9t\xC3\xA9\xE2\x80\x9D "
				   "\xE8\xA6\x8B http://x.test/p\xE3\x80\x82"
				   "\xC2\xA0www.y.test\xC2\xA0");
	assert_int_equal(m->nurls, 3);
	check_text(m, 0, "http://b\xC3\xBC" "cher.test/\xC3\xA9t\xC3\xA9");
	check_text(m, 1, "http://x.test/p");
	check_text(m, 2, "www.y.test");
	sl_msg_free(m);
}

static void test_text_windows1252(void **state)
{
	const char in[] = "Caf\xE9 \x93http://x.test/a\x94 \x80 www.y.test/b";
	struct sl_msg *m = run1("text/plain", "windows-1252", in, sizeof(in) - 1);
	const struct sl_part *p = &m->parts[0];

	assert_non_null(p->text_owned);
	assert_ptr_equal(p->text, p->text_owned);
	assert_string_equal(p->text, "Caf\xC3\xA9 \xE2\x80\x9Chttp://x.test/a\xE2\x80\x9D \xE2\x82\xAC "
				     "www.y.test/b");
	assert_int_equal(m->nurls, 2);
	check_text(m, 0, "http://x.test/a");
	assert_int_equal(m->urls[0].offset, strlen("Caf\xC3\xA9 \xE2\x80\x9C"));
	check_text(m, 1, "www.y.test/b");
	sl_msg_free(m);
}

static void test_charsets(void **state)
{
	/* latin1 declared but valid UTF-8: used as is; unknown charset: latin1 */
	const char utf[] = "\xC3\xA9 http://x.test/";
	const char lat[] = "\xE9 http://x.test/";
	struct sl_msg *m = run1("text/plain", "iso-8859-1", utf, sizeof(utf) - 1);
	assert_null(m->parts[0].text_owned);
	check_text(m, 0, "http://x.test/");
	sl_msg_free(m);
	m = run1("text/plain", "\"x-no-such-charset\"", lat, sizeof(lat) - 1);
	assert_string_equal(m->parts[0].text, "\xC3\xA9 http://x.test/");
	check_text(m, 0, "http://x.test/");
	sl_msg_free(m);
	/* 8-bit bytes labelled us-ascii: read as windows-1252 */
	m = run1("text/plain", "us-ascii", "\x93http://a.test/\x94 \xE9", 18);
	assert_string_equal(m->parts[0].text, "\xE2\x80\x9Chttp://a.test/\xE2\x80\x9D \xC3\xA9");
	check_text(m, 0, "http://a.test/");
	sl_msg_free(m);
	/* KOI8-R and Shift_JIS */
	m = run1("text/plain", "koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4 http://k.test/", 21);
	assert_string_equal(m->parts[0].text,
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 http://k.test/");
	check_text(m, 0, "http://k.test/");
	sl_msg_free(m);
	m = run1("text/plain", "Shift_JIS", "\x82\xA0 http://s.test/", 17);
	assert_string_equal(m->parts[0].text, "\xE3\x81\x82 http://s.test/");
	check_text(m, 0, "http://s.test/");
	sl_msg_free(m);
}

static void test_invalid_utf8_and_nul(void **state)
{
	const char in[] = "\xFF\xFE\xFD bad \xC3 http://x.test/a\xC0\xAF b\0c http://y.test/\0z";
	struct sl_msg *m = run1("text/plain", "utf-8", in + 3, sizeof(in) - 4);
	const struct sl_part *p = &m->parts[0];

	assert_non_null(p->text_owned);
	assert_non_null(memmem(p->text, p->text_len, "\xEF\xBF\xBD", 3)); /* U+FFFD */
	assert_non_null(memchr(p->text, '\0', p->text_len));             /* NULs kept */
	assert_int_equal(m->nurls, 2);
	check_text(m, 0, "http://x.test/a");
	check_text(m, 1, "http://y.test/");
	sl_msg_free(m);
	/* valid UTF-8 with NUL bytes: used as is */
	m = run1("text/plain", NULL, "a\0http://n.test/\0", 17);
	assert_null(m->parts[0].text_owned);
	assert_int_equal(m->nurls, 1);
	check_text(m, 0, "http://n.test/");
	sl_msg_free(m);
	/* no charset, invalid UTF-8: windows-1252 */
	m = run1(NULL, NULL, "\x93http://q.test/\x94", 16);
	assert_int_equal(m->nurls, 1);
	check_text(m, 0, "http://q.test/");
	sl_msg_free(m);
}

static void test_long_lines_bounded(void **state)
{
	static const char *const pat[] = { "a", "a.", "a.b", "www.", "http:", "x-", "1.",
					   "a.bc/", "\xC3\xA9.", "(", "a@b." };
	size_t n = 1 << 20, i, k;
	struct sl_urls *u = new_stage(NULL, 0);
	clock_t t0 = clock();

	for (k = 0; k < G_N_ELEMENTS(pat); k++) {
		size_t pl = strlen(pat[k]);
		char *buf = sl_xmalloc(n);
		struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
		int pi;

		for (i = 0; i < n; i++)
			buf[i] = pat[k][i % pl];
		pi = sl_msg_add_part(m, -1, "1", SL_ORIGIN_MIME);
		sl_msg_part_take_data(m, pi, (unsigned char *)buf, n);
		m->parts[pi].declared_type = sl_xstrdup("text/plain");
		assert_int_equal(sl_urls_run(u, m), 0);
		/* only "a.bc/a.bc/..." and "www.www...." are URLs: one, too long, recorded whole for
		 * the reputation stage to judge and the rewriter to disarm */
		if (strcmp(pat[k], "a.bc/") == 0 || strcmp(pat[k], "www.") == 0) {
			assert_int_equal(m->nurls, 1);
			assert_true(m->urls[0].length >= n - 1);
		} else {
			assert_int_equal(m->nurls, 0);
		}
		sl_msg_free(m);
	}
	sl_urls_free(u);
	(void)t0; /* speed is the benchmark's business, not a test's */
}

static void test_max_url_length(void **state)
{
	const char *ov[] = { "urls.max_url_length=64" };
	struct sl_urls *u = new_stage(ov, 1);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	GString *s = g_string_new("short http://x.test/ok and http://x.test/");

	while (s->len < strlen("short http://x.test/ok and ") + 76)
		g_string_append_c(s, 'a');
	add_part(m, "text/plain", NULL, s->str, s->len);
	g_string_free(s, TRUE);
	assert_int_equal(sl_urls_run(u, m), 0);
	/* the long one is recorded whole (reputation judges it, the rewriter disarms it) */
	assert_int_equal(m->nurls, 2);
	check_text(m, 0, "http://x.test/ok");
	assert_int_equal(m->urls[1].length, 76);
	sl_msg_free(m);
	sl_urls_free(u);
}

static void test_text_network_schemes(void **state)
{
	struct sl_msg *m = run_str("text/plain",
				   "Open \\\\files.evil.test\\share\\invoice.lnk or \\\\10.0.0.1\\c$\\x, "
				   "\\\\dav.evil.test@SSL@443\\DavWWWRoot\\doc.url and \\\\bare.evil.test.\n"
				   "file://evil.test/share/x.exe file:///C:/Users/x.hta smb://evil.test/s "
				   "webdav://evil.test/w sftp://evil.test/f webcal://evil.test/c.ics\n"
				   "search-ms:query=invoice&crumb=location:\\\\evil.test\\s "
				   "SEARCH:query=x&crumb=location:\\\\evil.test\\t "
				   "ms-msdt:/id PCWDiagnostic ms-word:ofe|u|https://evil.test/d.docx "
				   "ms-excel:ofv|u|https://evil.test/x.xlsx ms-appinstaller:?source=https://evil.test/a.msix "
				   "mk:@MSITStore:\\\\evil.test\\h.chm::/x.htm ms-officecmd:%7B%7D.\n");
	assert_int_equal(m->nurls, 18);
	check_text(m, 0, "\\\\files.evil.test\\share\\invoice.lnk");
	check_text(m, 1, "\\\\10.0.0.1\\c$\\x");
	check_text(m, 2, "\\\\dav.evil.test@SSL@443\\DavWWWRoot\\doc.url");
	check_text(m, 3, "\\\\bare.evil.test");
	check_text(m, 4, "file://evil.test/share/x.exe");
	check_text(m, 5, "file:///C:/Users/x.hta");
	check_text(m, 6, "smb://evil.test/s");
	check_text(m, 7, "webdav://evil.test/w");
	check_text(m, 8, "sftp://evil.test/f");
	check_text(m, 9, "webcal://evil.test/c.ics");
	check_text(m, 10, "search-ms:query=invoice&crumb=location:\\\\evil.test\\s");
	check_text(m, 11, "SEARCH:query=x&crumb=location:\\\\evil.test\\t");
	check_text(m, 12, "ms-msdt:/id");
	check_text(m, 13, "ms-word:ofe|u|https://evil.test/d.docx");
	check_text(m, 14, "ms-excel:ofv|u|https://evil.test/x.xlsx");
	check_text(m, 15, "ms-appinstaller:?source=https://evil.test/a.msix");
	check_text(m, 16, "mk:@MSITStore:\\\\evil.test\\h.chm::/x.htm");
	check_text(m, 17, "ms-officecmd:%7B%7D");
	sl_msg_free(m);
}

static void test_text_schemes_not_urls(void **state)
{
	/* words before a colon, escapes in code, a scheme inside a word */
	struct sl_msg *m = run_str("text/plain",
				   "Note: see Re: and Subject:x. research:query=1 ms-word: the file\n"
				   "printf(\"\\\\n\") C:\\\\Users\\\\x \\\\\\\\ x\\\\y search:nothing its:x\n"
				   "xsmb://no.test/ a+file:///no ms-:x mk:x");
	assert_int_equal(m->nurls, 0);
	sl_msg_free(m);
}

static void test_text_invisible_in_host(void **state)
{
	/* zero-width characters, soft hyphens and full-width dots never cut a host short */
	struct sl_msg *m = run_str("text/plain",
				   "a https://evil\xE2\x80\x8B.example/x b www.evil\xC2\xAD" "bank.example c "
				   "evil\xE2\x80\x8C" ".example/login d http://evil\xEF\xBC\x8E" "example/p "
				   "e www\xE3\x80\x82" "evil\xE3\x80\x82" "example f https://x.test/y\xE2\x80\x8B "
				   "g http://ja.test/p\xE3\x80\x82\xE6\xAC\xA1 h https://evil\xEF\xBB\xBF.example/\n");
	assert_int_equal(m->nurls, 8);
	check_text(m, 0, "https://evil\xE2\x80\x8B.example/x");
	check_text(m, 1, "www.evil\xC2\xAD" "bank.example");
	check_text(m, 2, "evil\xE2\x80\x8C" ".example/login");
	check_text(m, 3, "http://evil\xEF\xBC\x8E" "example/p");
	check_text(m, 4, "www\xE3\x80\x82" "evil\xE3\x80\x82" "example");
	/* at the end they are trimmed, as is a sentence's ideographic full stop */
	check_text(m, 5, "https://x.test/y");
	check_text(m, 6, "http://ja.test/p");
	check_text(m, 7, "https://evil\xEF\xBB\xBF.example/");
	sl_msg_free(m);
}

static void test_match_error_incomplete(void **state)
{
	/* a search that PCRE2 stops (here: a match limit of 1) leaves links
	 * unseen: a limit finding, and the message is never delivered as is */
	const char *ov[] = { "urls.match_limit=1" };
	struct sl_urls *u = new_stage(ov, 1);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	const char *t = "see https://x.test/a and https://x.test/b";

	add_part(m, "text/plain", NULL, t, strlen(t));
	add_part(m, "text/plain", NULL, t, strlen(t));
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_true(m->incomplete);
	assert_true(sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", 0));
	assert_int_equal(m->nfindings, 1); /* reported once */
	sl_msg_free(m);
	sl_urls_free(u);
	/* the default limit is never reached by a search of ordinary mail */
	m = run_str("text/plain", t);
	assert_false(m->incomplete);
	assert_int_equal(m->nurls, 2);
	sl_msg_free(m);
}

/* ---- calendars ---- */

static const char ics[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
			  "SUMMARY:Review\r\nDESCRIPTION:Join: https://meet.te\r\n st/j?id=1\\, or dial in.\r\n"
			  "LOCATION;ALTREP=\"https://room.test/4\":Room 4\r\nURL:https://event.test/e\r\n"
			  "X-ALT-DESC;FMTTYPE=text/html:<a href=\"https://html.test/\">Join</a>\r\n"
			  "ORGANIZER:mailto:boss@x.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static void test_calendar_body(void **state)
{
	struct sl_msg *m = run_str("text/calendar", ics);

	assert_int_equal(m->nurls, 4);
	/* the range spans the fold: the rewriter edits the part in place */
	check(m, 0, "https://meet.test/j?id=1", SL_URLCTX_CALENDAR, "https://meet.te\r\n st/j?id=1");
	check(m, 1, "https://room.test/4", SL_URLCTX_CALENDAR, "https://room.test/4");
	check(m, 2, "https://event.test/e", SL_URLCTX_CALENDAR, "https://event.test/e");
	check(m, 3, "https://html.test/", SL_URLCTX_CALENDAR, "\"https://html.test/\"");
	assert_string_equal(m->urls[3].shown_as, "Join");
	sl_msg_free(m);
}

static void test_calendar_file(void **state)
{
	/* an .ics file: found by content, type or name; never edited */
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	int a = add_part(m, "application/octet-stream", NULL, ics, strlen(ics));
	int b = add_part(m, "application/octet-stream", NULL, ics, strlen(ics));
	int c = add_part(m, "text/calendar", NULL, ics, strlen(ics));
	size_t k;

	m->parts[a].is_attachment = 1;
	m->parts[a].detected_type = sl_xstrdup("text/calendar");
	m->parts[b].is_attachment = 1;
	m->parts[b].filename = sl_xstrdup("invite.ICS");
	m->parts[b].detected_type = sl_xstrdup("text/plain");
	m->parts[c].is_attachment = 1;
	m->parts[c].detected_type = sl_xstrdup("application/zip"); /* says calendar, is not */
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_int_equal(m->nurls, 8);
	for (k = 0; k < m->nurls; k++) {
		assert_int_equal(m->urls[k].context, SL_URLCTX_ATTACHMENT);
		assert_int_equal(m->urls[k].part, k < 4 ? a : b);
	}
	sl_msg_free(m);
	sl_urls_free(u);
}

/* ---- whole messages: headers and format=flowed ---- */

static struct sl_msg *scan_raw(const char *raw)
{
	struct sl_config *cfg = NULL;
	struct sl_mime *mi;
	struct sl_urls *u = new_stage(NULL, 0);
	char *why = NULL;
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", (const unsigned char *)raw, strlen(raw));

	assert_int_equal(sl_config_load(NULL, NULL, 0, &cfg, &why), SL_OK);
	mi = sl_mime_new(cfg, &why);
	assert_int_equal(sl_mime_run(mi, m), SL_OK);
	assert_int_equal(sl_urls_run(u, m), 0);
	sl_mime_free(mi);
	sl_urls_free(u);
	sl_config_unref(cfg);
	return m;
}

static void test_flowed(void **state)
{
	const char *raw = "From: a@x.test\r\nMIME-Version: 1.0\r\n"
			  "Content-Type: text/plain; charset=us-ascii; format=flowed; delsp=yes\r\n\r\n"
			  "Please log in at https://phishing.te \r\nst/login to keep your\r\n"
			  "> quoted https://q.te \r\n> st/x and\r\n"
			  "-- \r\nhttps://sig.test/\r\n";
	struct sl_msg *m = scan_raw(raw);

	assert_int_equal(m->nurls, 3);
	check(m, 0, "https://phishing.test/login", SL_URLCTX_TEXT, "https://phishing.te \r\nst/login");
	check(m, 1, "https://q.test/x", SL_URLCTX_TEXT, "https://q.te \r\n> st/x");
	check(m, 2, "https://sig.test/", SL_URLCTX_TEXT, "https://sig.test/");
	sl_msg_free(m);
	/* delsp=no: a reader shows the host cut at the blank, and so do we */
	m = scan_raw("Content-Type: text/plain; format=flowed\n\nat https://phishing.te \nst/login\n");
	assert_int_equal(m->nurls, 1);
	check(m, 0, "https://phishing.te", SL_URLCTX_TEXT, "https://phishing.te");
	sl_msg_free(m);
	/* not flowed: the line end ends the link */
	m = scan_raw("Content-Type: text/plain\n\nat https://phishing.te \nst/login\n");
	assert_int_equal(m->nurls, 1);
	check(m, 0, "https://phishing.te", SL_URLCTX_TEXT, "https://phishing.te");
	sl_msg_free(m);
}

static void test_headers(void **state)
{
	const char *raw = "From: =?utf-8?q?PayPal_https=3A=2F=2Fevil=2Etest=2Fpay?= <pp@x.test>\r\n"
			  "To: agent@cc.test\r\nList-Unsubscribe: <https://unsub.test/u>\r\n"
			  "Subject: Invoice\r\n www.evil.test/inv ready\r\n"
			  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
			  "--b\r\nContent-Type: text/plain\r\n\r\nbody https://body.test/\r\n--b--\r\n";
	struct sl_msg *m = scan_raw(raw);
	const char *from = strstr(raw, "From:"), *subj = strstr(raw, "Subject:");
	int top = sl_msg_find_part(m, "0");

	assert_int_equal(m->nurls, 3);
	assert_string_equal(m->urls[0].url, "https://evil.test/pay");
	assert_int_equal(m->urls[0].context, SL_URLCTX_HEADER);
	assert_int_equal(m->urls[0].part, top);
	assert_int_equal(m->urls[0].offset, (size_t)(from - raw));
	assert_int_equal(m->urls[0].length, strlen("From: =?utf-8?q?PayPal_https=3A=2F=2Fevil=2Etest=2Fpay?= <pp@x.test>"));
	assert_string_equal(m->urls[1].url, "www.evil.test/inv");
	assert_int_equal(m->urls[1].context, SL_URLCTX_HEADER);
	assert_int_equal(m->urls[1].offset, (size_t)(subj - raw));
	assert_int_equal(m->urls[1].length, strlen("Subject: Invoice\r\n www.evil.test/inv ready"));
	check(m, 2, "https://body.test/", SL_URLCTX_TEXT, "https://body.test/");
	sl_msg_free(m);
}

/* ---- PDF ---- */

/* Links inside PDFs are the docs stage's (test_docs, test_pdf): this stage
 * does not read them, not even a /URI in plain sight. */
static void test_pdf_uri(void **state)
{
	const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Annot /A << /S /URI /URI "
			   "(http://p.test/a) >> >>\nendobj\n";
	struct sl_urls *u = new_stage(NULL, 0);
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
	int p = add_part(m, "application/pdf", NULL, pdf, sizeof(pdf) - 1);

	m->parts[p].is_attachment = 1;
	m->parts[p].detected_type = sl_xstrdup("application/pdf");
	assert_int_equal(sl_urls_run(u, m), 0);
	assert_null(m->parts[p].text);
	assert_int_equal(m->nurls, 0);
	sl_msg_free(m);
	sl_urls_free(u);
}

/* ---- one stage, many threads ---- */

static gpointer thread_run(gpointer data)
{
	struct sl_urls *u = data;
	const char *h = "<p>a <a href=\"http://a.test/\">x</a> http://b.test/ www.c.test</p>";
	const char *t = "x http://d.test/ (www.e.test/y) z";
	int i;

	for (i = 0; i < 300; i++) {
		struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "t", NULL, 0);
		add_part(m, "text/html", NULL, h, strlen(h));
		add_part(m, "text/plain", NULL, t, strlen(t));
		if (sl_urls_run(u, m) != 0 || m->nurls != 5 || strcmp(m->urls[4].url, "www.e.test/y") != 0)
			return GINT_TO_POINTER(1);
		sl_msg_free(m);
	}
	return GINT_TO_POINTER(0);
}

static void test_threads(void **state)
{
	struct sl_urls *u = new_stage(NULL, 0);
	GThread *th[4];
	int i;

	for (i = 0; i < 4; i++)
		th[i] = g_thread_new("urls", thread_run, u);
	for (i = 0; i < 4; i++)
		assert_int_equal(GPOINTER_TO_INT(g_thread_join(th[i])), 0);
	sl_urls_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_schemes),
		cmocka_unit_test(test_text_not_urls),
		cmocka_unit_test(test_text_punctuation),
		cmocka_unit_test(test_text_parens),
		cmocka_unit_test(test_text_qp_decoded),
		cmocka_unit_test(test_text_unicode),
		cmocka_unit_test(test_text_windows1252),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_invalid_utf8_and_nul),
		cmocka_unit_test(test_long_lines_bounded),
		cmocka_unit_test(test_max_url_length),
		cmocka_unit_test(test_text_network_schemes),
		cmocka_unit_test(test_text_schemes_not_urls),
		cmocka_unit_test(test_text_invisible_in_host),
		cmocka_unit_test(test_match_error_incomplete),
		cmocka_unit_test(test_calendar_body),
		cmocka_unit_test(test_calendar_file),
		cmocka_unit_test(test_flowed),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_pdf_uri),
		cmocka_unit_test(test_threads),
	};
	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
