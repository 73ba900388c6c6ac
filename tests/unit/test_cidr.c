/*
 * test_cidr - unit tests for lib/core/cidr.c: addresses and blocks of both
 * families, IPv4-mapped IPv6, prefixes that do not end on a byte, bad
 * entries (never a match), bad addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cidr.h"

static void test_match(void **state)
{
	char *const local[] = {"127.0.0.0/8", "::1", NULL};
	char *const nets[] = {"10.0.0.0/8", "192.168.4.0/22", "fd00::/8", "203.0.113.7", NULL};
	char *const bad[] = {"10.0.0.0/33", "10.0.0.0/",   "10.0.0/8", "example.test",
			     "::1/129",     "10.0.0.0/8x", "",         NULL};
	char *const all4[] = {"0.0.0.0/0", NULL};

	assert_true(sl_cidr_match("127.0.0.1", local));
	assert_true(sl_cidr_match("127.255.1.2", local));
	assert_true(sl_cidr_match("::1", local));
	assert_true(sl_cidr_match("::ffff:127.0.0.1", local)); /* mapped */
	assert_false(sl_cidr_match("128.0.0.1", local));
	assert_false(sl_cidr_match("::2", local));

	assert_true(sl_cidr_match("10.200.3.4", nets));
	assert_true(sl_cidr_match("192.168.7.255", nets)); /* /22: 4.0 to 7.255 */
	assert_false(sl_cidr_match("192.168.8.0", nets));
	assert_false(sl_cidr_match("192.168.3.255", nets));
	assert_true(sl_cidr_match("fd12:3456::1", nets));
	assert_false(sl_cidr_match("fe80::1", nets));
	assert_true(sl_cidr_match("203.0.113.7", nets));
	assert_false(sl_cidr_match("203.0.113.8", nets));

	for (int i = 0; bad[i] != NULL; i++)
		assert_false(sl_cidr_valid(bad[i]));
	assert_false(sl_cidr_match("10.0.0.1", bad));
	assert_true(sl_cidr_valid("10.0.0.0/8"));
	assert_true(sl_cidr_valid("::1"));

	assert_true(sl_cidr_match("8.8.8.8", all4));
	assert_false(sl_cidr_match("2001:db8::1", all4)); /* IPv4 blocks hold no IPv6 */
	assert_false(sl_cidr_match("not an address", all4));
	assert_false(sl_cidr_match(NULL, all4));
	assert_false(sl_cidr_match("", all4));
	assert_false(sl_cidr_match("10.0.0.1", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
