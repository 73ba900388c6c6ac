/*
 * test_lookalike - the IDN and look-alike heuristics on their own: a
 * Cyrillic or digit look-alike of a protected name, a protected name in front
 * of another site, mixed scripts in one label, and the names that must stay
 * unflagged (single-script IDNs under their own TLD, the genuine site, the
 * same name under another suffix).
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

#include "config.h"
#include "lookalike.h"
#include "msg.h"
#include "urlnorm.h"
#include "util.h"

static struct sl_lookalike *la;
static char *dir;

static int setup(void **state)
{
	char *file, *ov, *why = NULL;
	const char *ovs[1];
	struct sl_config *cfg = NULL;
	dir = g_dir_make_tmp("sluice-test-lookalike-XXXXXX", NULL);
	file = g_build_filename(dir, "protected.txt", NULL);
	g_file_set_contents(file, "# brands\npaypal.com\ngoogle.com\nexample-bank.test\n", -1, NULL);
	ov = g_strdup_printf("urls.protected_files=%s", file);
	ovs[0] = ov;
	if (sl_config_load(NULL, ovs, 1, &cfg, &why) != SL_OK)
		fail_msg("config: %s", why);
	la = sl_lookalike_new(cfg, &why);
	if (la == NULL)
		fail_msg("sl_lookalike_new: %s", why);
	sl_config_unref(cfg);
	unlink(file);
	g_free(file);
	g_free(ov);
	return 0;
}

static int teardown(void **state)
{
	la = sl_lookalike_free(la);
	rmdir(dir);
	g_free(dir);
	return 0;
}

/* The reputation one URL gets from the checks (genuine: host is protected). */
static enum sl_url_rep judge(const char *url, int genuine, char **source)
{
	struct sl_url u = { 0 };
	struct sl_url_norm n = { 0 };
	char *why = NULL;
	enum sl_url_rep rep;
	if (sl_url_normalize(url, strlen(url), 8192, &n, &why) != SL_OK)
		fail_msg("normalize %s: %s", url, why);
	sl_lookalike_check(la, &u, &n, genuine);
	rep = u.reputation;
	*source = u.source ? sl_xstrdup(u.source) : NULL;
	free(u.source);
	free(u.reason);
	sl_url_norm_clear(&n);
	return rep;
}

static void expect(const char *url, int genuine, enum sl_url_rep want, const char *source)
{
	char *src = NULL;
	enum sl_url_rep got = judge(url, genuine, &src);
	if (got != want || (source != NULL && (src == NULL || strcmp(src, source) != 0)))
		fail_msg("%s: got %s (%s), want %s (%s)", url, sl_url_rep_name(got), src ? src : "-",
			 sl_url_rep_name(want), source ? source : "-");
	free(src);
}

static void test_lookalikes(void **state)
{
	expect("https://p\xd0\xb0ypal.com/signin", 0, SL_REP_SUSPICIOUS, NULL); /* Cyrillic a */
	expect("https://g00gle.com/", 0, SL_REP_SUSPICIOUS, "heuristic:lookalike");
	expect("https://paypal.com.secure-login.test/", 0, SL_REP_SUSPICIOUS, "heuristic:brand_in_subdomain");
}

static void test_left_alone(void **state)
{
	expect("https://paypal.com/", 1, SL_REP_UNKNOWN, NULL);                     /* the genuine site */
	expect("https://h\xc3\xa1\xc4\x8dky.cz/", 0, SL_REP_UNKNOWN, NULL);         /* Czech */
	expect("https://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84/", 0,
	       SL_REP_UNKNOWN, NULL);                                               /* пример.рф */
	expect("https://b\xc3\xbc" "cher.de/", 0, SL_REP_UNKNOWN, NULL);            /* German */
	expect("https://www.example.org/", 0, SL_REP_UNKNOWN, NULL);
}

static void test_mixed_scripts(void **state)
{
	/* Latin + Cyrillic in one label, nothing to do with a protected name. */
	expect("https://shop\xd1\x81ity.com/", 0, SL_REP_SUSPICIOUS, "heuristic:idn_spoof");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookalikes),
		cmocka_unit_test(test_left_alone),
		cmocka_unit_test(test_mixed_scripts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
