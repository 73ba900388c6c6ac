/*
 * test_hdrblock - the top header block read field by field: where it ends
 * (blank line, CRLF blank line, none at all), folded lines belonging to their
 * field, lines that are no field kept as items of their own, the obsolete
 * blank before the colon, names compared without case, and first values
 * unfolded and trimmed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hdrblock.h"

#define U(s) ((const unsigned char *)(s))

static void test_block_end(void **state)
{
	static const char lf[] = "A: 1\nB: 2\n\nbody\n";
	static const char crlf[] = "A: 1\r\nB: 2\r\n\r\nbody\r\n";
	static const char none[] = "A: 1\nB: 2\n<html>\n";
	static const char empty_first[] = "\nbody";
	size_t bs = 0;
	(void)state;

	assert_int_equal(sl_hdr_block_end(U(lf), strlen(lf), &bs), 10);
	assert_int_equal(bs, 11);
	assert_int_equal(sl_hdr_block_end(U(crlf), strlen(crlf), &bs), 12);
	assert_int_equal(bs, 14);
	assert_int_equal(sl_hdr_block_end(U(none), strlen(none), &bs), strlen(none));
	assert_int_equal(bs, strlen(none));
	assert_int_equal(sl_hdr_block_end(U(empty_first), strlen(empty_first), &bs), 0);
	assert_int_equal(bs, 1);
	assert_int_equal(sl_hdr_block_end(U(""), 0, &bs), 0);
	assert_int_equal(bs, 0);
}

static void test_items(void **state)
{
	static const char raw[] = "Subject: a\r\n\tb\r\n"
				  "X-Odd : obsolete\n"
				  "<html>no field\n"
				  " orphan continuation\n"
				  "Empty:\n"
				  "Last: x";
	size_t end = strlen(raw), pos = 0;
	struct sl_hdr_item it;
	(void)state;

	assert_true(sl_hdr_next(U(raw), end, &pos, &it));
	assert_true(it.is_field);
	assert_int_equal(it.start, 0);
	assert_int_equal(it.end, 16);
	assert_int_equal(it.name_len, 7);
	assert_true(sl_hdr_is(U(raw), &it, "subject"));
	assert_false(sl_hdr_is(U(raw), &it, "Subjec"));
	assert_memory_equal(raw + it.value_start, " a\r\n\tb", it.value_end - it.value_start);

	assert_true(sl_hdr_next(U(raw), end, &pos, &it));
	assert_true(it.is_field);
	assert_true(sl_hdr_is(U(raw), &it, "X-Odd"));
	assert_memory_equal(raw + it.value_start, " obsolete", it.value_end - it.value_start);

	assert_true(sl_hdr_next(U(raw), end, &pos, &it));
	assert_false(it.is_field);
	assert_false(sl_hdr_is(U(raw), &it, "<html>no field"));
	assert_memory_equal(raw + it.start, "<html>no field\n", it.end - it.start);

	assert_true(sl_hdr_next(U(raw), end, &pos, &it));
	assert_false(it.is_field);
	assert_memory_equal(raw + it.start, " orphan continuation\n", it.end - it.start);

	assert_true(sl_hdr_next(U(raw), end, &pos, &it));
	assert_true(sl_hdr_is(U(raw), &it, "Empty"));
	assert_int_equal(it.value_end, it.value_start);

	assert_true(sl_hdr_next(U(raw), end, &pos, &it));
	assert_true(sl_hdr_is(U(raw), &it, "Last"));
	assert_int_equal(it.end, end);
	assert_memory_equal(raw + it.value_start, " x", 2);
	assert_false(sl_hdr_next(U(raw), end, &pos, &it));
}

static void test_value(void **state)
{
	static const char raw[] = "From: a@example.com\r\n"
				  "Subject:  first\r\n  folded  \r\n"
				  "subject: second\r\n"
				  "\r\n"
				  "To: not a header, the body\r\n";
	char *v;
	(void)state;

	v = sl_hdr_value(U(raw), strlen(raw), "SUBJECT");
	assert_string_equal(v, "first  folded");
	free(v);
	v = sl_hdr_value(U(raw), strlen(raw), "From");
	assert_string_equal(v, "a@example.com");
	free(v);
	/* Past the blank line is body. */
	assert_null(sl_hdr_value(U(raw), strlen(raw), "To"));
	assert_null(sl_hdr_value(U(""), 0, "From"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_end),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
