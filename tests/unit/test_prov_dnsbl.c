/*
 * test_prov_dnsbl - unit tests for lib/links/prov_dnsbl.c: zone entries and code
 * mappings from the config, the DBL / SURBL / URIBL return codes, the
 * codes that are never a listing (127.255.255.x, outside 127/8, unknown,
 * error), and the names asked (domain, full host, reversed IPv4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "prov_dnsbl.h"
#include "util.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static struct sl_dnsbl_zone *zone(const char *spec, const char *codes)
{
	char **c = codes != NULL ? g_strsplit(codes, ";", -1) : NULL;
	struct sl_dnsbl_zone *z = NULL;
	char *why = NULL;
	if (sl_dnsbl_zone_new(spec, c, &z, &why) != SL_OK)
		fail_msg("%s: %s", spec, why);
	g_strfreev(c);
	return z;
}

static char *zone_error(const char *spec, const char *codes)
{
	char **c = codes != NULL ? g_strsplit(codes, ";", -1) : NULL;
	struct sl_dnsbl_zone *z = NULL;
	char *why = NULL;
	assert_int_equal(sl_dnsbl_zone_new(spec, c, &z, &why), SL_ECONFIG);
	assert_null(z);
	g_strfreev(c);
	return why;
}

static enum sl_dnsbl_outcome judge1(const struct sl_dnsbl_zone *z, uint32_t a, enum sl_url_rep *v,
				    const char **cat)
{
	uint32_t code;
	const char *err, *c;
	enum sl_url_rep vv;
	enum sl_dnsbl_outcome o =
	    sl_dnsbl_judge(z, &a, 1, v != NULL ? v : &vv, cat != NULL ? cat : &c, &code, &err);
	if (o == SL_DNSBL_ERROR)
		assert_non_null(err);
	return o;
}

static void test_dbl(void **state)
{
	struct sl_dnsbl_zone *z = zone("dbl.example.test", NULL);
	enum sl_url_rep v;
	const char *cat;

	assert_string_equal(sl_dnsbl_zone_name(z), "dbl.example.test");
	assert_int_equal(judge1(z, A(127, 0, 1, 4), &v, &cat), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_MALICIOUS);
	assert_string_equal(cat, "phishing");
	assert_int_equal(judge1(z, A(127, 0, 1, 2), &v, &cat), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_SUSPICIOUS);
	assert_string_equal(cat, "spam");
	assert_int_equal(judge1(z, A(127, 0, 1, 5), &v, NULL), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_MALICIOUS);
	assert_int_equal(judge1(z, A(127, 0, 1, 106), &v, NULL), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_MALICIOUS);
	assert_int_equal(judge1(z, A(127, 0, 1, 103), &v, NULL), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_SUSPICIOUS);
	/* never a listing */
	assert_int_equal(judge1(z, A(127, 255, 255, 252), NULL, NULL), SL_DNSBL_ERROR);
	assert_int_equal(judge1(z, A(127, 255, 255, 254), NULL, NULL), SL_DNSBL_ERROR);
	assert_int_equal(judge1(z, A(127, 255, 255, 255), NULL, NULL), SL_DNSBL_ERROR);
	assert_int_equal(judge1(z, A(127, 0, 1, 255), NULL, NULL), SL_DNSBL_ERROR); /* IP queries */
	assert_int_equal(judge1(z, A(127, 0, 1, 77), NULL, NULL), SL_DNSBL_ERROR);  /* unknown */
	assert_int_equal(judge1(z, A(127, 0, 0, 1), NULL, NULL), SL_DNSBL_ERROR);
	assert_int_equal(judge1(z, A(198, 51, 100, 7), NULL, NULL), SL_DNSBL_ERROR); /* hijack */
	/* an error among listings spoils the answer */
	{
		uint32_t both[2] = {A(127, 0, 1, 4), A(127, 255, 255, 254)};
		uint32_t code;
		const char *err, *c;
		assert_int_equal(sl_dnsbl_judge(z, both, 2, &v, &c, &code, &err), SL_DNSBL_ERROR);
		assert_int_equal(code, both[1]);
	}
	/* the worst of several codes */
	{
		uint32_t two[2] = {A(127, 0, 1, 2), A(127, 0, 1, 5)};
		uint32_t code;
		const char *err, *c;
		assert_int_equal(sl_dnsbl_judge(z, two, 2, &v, &c, &code, &err), SL_DNSBL_LISTED);
		assert_int_equal(v, SL_REP_MALICIOUS);
		assert_int_equal(code, two[1]);
	}
	sl_dnsbl_zone_free(z);
}

static void test_bits(void **state)
{
	struct sl_dnsbl_zone *s = zone("multi.surbl.test surbl", NULL);
	struct sl_dnsbl_zone *u = zone("multi.uribl.test uribl", NULL);
	enum sl_url_rep v;
	const char *cat;

	assert_int_equal(judge1(s, A(127, 0, 0, 8), &v, &cat), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_MALICIOUS);
	assert_string_equal(cat, "phishing");
	assert_int_equal(judge1(s, A(127, 0, 0, 64), &v, NULL), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_SUSPICIOUS);
	assert_int_equal(judge1(s, A(127, 0, 0, 80), &v, &cat), SL_DNSBL_LISTED); /* 16 + 64 */
	assert_int_equal(v, SL_REP_MALICIOUS);
	assert_string_equal(cat, "malware");
	assert_int_equal(judge1(s, A(127, 0, 0, 4), NULL, NULL), SL_DNSBL_NOT_LISTED); /* DM */
	assert_int_equal(judge1(s, A(127, 0, 0, 36), NULL, NULL),
			 SL_DNSBL_NOT_LISTED);                                    /* DM + CT */
	assert_int_equal(judge1(s, A(127, 0, 0, 1), NULL, NULL), SL_DNSBL_ERROR); /* blocked */
	assert_int_equal(judge1(s, A(127, 0, 0, 2), NULL, NULL), SL_DNSBL_ERROR); /* unknown bit */
	assert_int_equal(judge1(s, A(127, 255, 255, 8), NULL, NULL), SL_DNSBL_ERROR);
	assert_int_equal(judge1(u, A(127, 0, 0, 2), &v, &cat), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_SUSPICIOUS);
	assert_string_equal(cat, "black");
	assert_int_equal(judge1(u, A(127, 0, 0, 4), NULL, NULL), SL_DNSBL_NOT_LISTED); /* grey */
	assert_int_equal(judge1(u, A(127, 0, 0, 1), NULL, NULL), SL_DNSBL_ERROR);
	sl_dnsbl_zone_free(s);
	sl_dnsbl_zone_free(u);
}

static void test_custom_codes(void **state)
{
	/* the zone's own codes win over the style's; other zones' are ignored */
	struct sl_dnsbl_zone *z =
	    zone("DBL.Example.Test", "dbl.example.test 127.0.1.2 none spam;"
				     "dbl.example.test 127.0.1.77 malicious new_code;"
				     "other.test 127.0.1.4 none");
	struct sl_dnsbl_zone *c =
	    zone("rbl.example.test custom both",
		 "rbl.example.test &2 malicious listed;rbl.example.test &4 error "
		 "blocked;rbl.example.test 127.0.0.9 suspicious nine");
	enum sl_url_rep v;
	const char *cat;

	assert_string_equal(sl_dnsbl_zone_name(z), "dbl.example.test");
	assert_int_equal(judge1(z, A(127, 0, 1, 2), NULL, NULL), SL_DNSBL_NOT_LISTED);
	assert_int_equal(judge1(z, A(127, 0, 1, 77), &v, &cat), SL_DNSBL_LISTED);
	assert_string_equal(cat, "new_code");
	assert_int_equal(judge1(z, A(127, 0, 1, 4), &v, NULL), SL_DNSBL_LISTED);
	assert_int_equal(v, SL_REP_MALICIOUS);
	assert_int_equal(judge1(c, A(127, 0, 0, 2), &v, NULL), SL_DNSBL_LISTED);
	assert_int_equal(judge1(c, A(127, 0, 0, 6), NULL, NULL), SL_DNSBL_ERROR);
	assert_int_equal(judge1(c, A(127, 0, 0, 9), &v, &cat), SL_DNSBL_LISTED); /* exact first */
	assert_int_equal(v, SL_REP_SUSPICIOUS);
	sl_dnsbl_zone_free(z);
	sl_dnsbl_zone_free(c);
}

static void test_bad_entries(void **state)
{
	char *why;

	why = zone_error("dbl.example.test fancy", NULL);
	assert_non_null(strstr(why, "unknown style 'fancy'"));
	free(why);
	why = zone_error("dbl.example.test dbl everything", NULL);
	assert_non_null(strstr(why, "targets are domains, ips or both"));
	free(why);
	why = zone_error("dbl..test", NULL);
	assert_non_null(strstr(why, "reputation.dnsbl_zones"));
	free(why);
	why = zone_error("rbl.test custom", NULL);
	assert_non_null(strstr(why, "needs its codes"));
	free(why);
	why = zone_error("rbl.test custom", "rbl.test 10.0.0.2 malicious");
	assert_non_null(strstr(why, "reputation.dnsbl_codes"));
	free(why);
	why = zone_error("rbl.test custom", "rbl.test &256 malicious");
	assert_non_null(strstr(why, "&1 to &255"));
	free(why);
	why = zone_error("rbl.test custom", "rbl.test 127.0.0.2 evil");
	assert_non_null(strstr(why, "malicious, suspicious, none or error"));
	free(why);
	why = zone_error("rbl.test custom", "rbl.test 127.0.0.2");
	assert_non_null(strstr(why, "CODE VERDICT"));
	free(why);
}

static void test_names(void **state)
{
	struct sl_dnsbl_zone *dbl = zone("dbl.example.test", NULL);
	struct sl_dnsbl_zone *surbl = zone("multi.surbl.test surbl", NULL);
	struct sl_dnsbl_zone *ips =
	    zone("ips.example.test custom ips", "ips.example.test &2 malicious");
	char *n[2];
	char longhost[260];

	assert_int_equal(sl_dnsbl_names(dbl, "www.evil.test", "evil.test", 0, n), 2);
	assert_string_equal(n[0], "evil.test.dbl.example.test");
	assert_string_equal(n[1], "www.evil.test.dbl.example.test");
	free(n[0]);
	free(n[1]);
	assert_int_equal(sl_dnsbl_names(dbl, "evil.test", "evil.test", 0, n), 1);
	assert_string_equal(n[0], "evil.test.dbl.example.test");
	free(n[0]);
	assert_int_equal(sl_dnsbl_names(dbl, "192.0.2.10", NULL, 1, n),
			 0); /* the DBL lists no IPs */
	assert_int_equal(sl_dnsbl_names(surbl, "www.evil.test", "evil.test", 0, n), 1);
	assert_string_equal(n[0], "evil.test.multi.surbl.test");
	free(n[0]);
	assert_int_equal(sl_dnsbl_names(surbl, "192.0.2.10", NULL, 1, n), 1);
	assert_string_equal(n[0], "10.2.0.192.multi.surbl.test");
	free(n[0]);
	assert_int_equal(sl_dnsbl_names(surbl, "[2001:db8::1]", NULL, 1, n), 0);
	assert_int_equal(sl_dnsbl_names(ips, "evil.test", "evil.test", 0, n), 0);
	/* no registrable domain (a single label): the host itself */
	assert_int_equal(sl_dnsbl_names(surbl, "intranet", NULL, 0, n), 1);
	assert_string_equal(n[0], "intranet.multi.surbl.test");
	free(n[0]);
	/* a name DNS cannot carry is not asked */
	memset(longhost, 'a', 250);
	memcpy(longhost + 250, ".test", 6);
	assert_int_equal(sl_dnsbl_names(surbl, longhost, longhost, 0, n), 0);
	sl_dnsbl_zone_free(dbl);
	sl_dnsbl_zone_free(surbl);
	sl_dnsbl_zone_free(ips);
}

static void test_config(void **state)
{
	const char *ov[] = {"reputation.dnsbl_zones=dbl.example.test; multi.surbl.test surbl",
			    "reputation.dnsbl_codes=typo.example.test 127.0.0.2 malicious"};
	struct sl_config *c = NULL;
	struct sl_providers *p = NULL;
	struct sl_prov_stats st;
	char *why = NULL, *dir = g_dir_make_tmp("test_prov_dnsbl_XXXXXX", NULL);
	char *dd = g_strdup_printf("general.data_dir=%s", dir);
	const char *ov2[] = {ov[0], dd, "reputation.cache_persist=false"};

	/* a code for a zone nobody asks is a typing error */
	assert_int_equal(sl_config_load(NULL, ov, 2, &c, &why), SL_OK);
	assert_int_equal(sl_providers_new(c, &p, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "not in reputation.dnsbl_zones"));
	free(why);
	sl_config_unref(c);
	/* one provider per zone */
	assert_int_equal(sl_config_load(NULL, ov2, 3, &c, &why), SL_OK);
	assert_int_equal(sl_providers_new(c, &p, &why), SL_OK);
	assert_non_null(p);
	assert_int_equal(sl_providers_count(p), 2);
	sl_providers_stats(p, 1, &st);
	assert_string_equal(st.name, "dbl:multi.surbl.test");
	assert_string_equal(st.kind, "dbl");
	sl_providers_free(p);
	sl_config_unref(c);
	g_free(dd);
	g_rmdir(dir);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dbl),          cmocka_unit_test(test_bits),
	    cmocka_unit_test(test_custom_codes), cmocka_unit_test(test_bad_entries),
	    cmocka_unit_test(test_names),        cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
