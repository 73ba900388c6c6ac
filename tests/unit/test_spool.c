/*
 * test_spool - a message's bytes in memory, then in an unnamed file: the
 * same bytes come back whole (mapped) on either side of the switch, the cap
 * refuses without adding, reset drops the file and reuses memory, a spool
 * directory that cannot be written is a clear error (SL_EIO), and the file
 * leaves no name behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

static char *tmpdir(void)
{
	char *d = g_dir_make_tmp("test_spool.XXXXXX", NULL);
	assert_non_null(d);
	return d;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void add(struct sl_spool *s, const void *p, size_t n)
{
	char *why = NULL;
	if (sl_spool_add(s, p, n, &why) != SL_OK)
		fail_msg("add: %s", why);
}

static void test_memory_then_file(void **state)
{
	char *dir = tmpdir(), *sub = g_build_filename(dir, "spool", NULL), *why = NULL;
	struct sl_spool *s = sl_spool_new(sub, 100, 10000);
	unsigned char want[5000];
	const unsigned char *p;
	size_t len, i;
	(void)state;

	for (i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)(i * 7);
	add(s, want, 60);
	assert_false(sl_spool_in_file(s));
	assert_int_equal(sl_spool_map(s, &p, &len, &why), SL_OK);
	assert_int_equal(len, 60);
	assert_memory_equal(p, want, 60);
	add(s, want + 60, 40); /* exactly the memory cap */
	assert_false(sl_spool_in_file(s));
	add(s, want + 100, 1); /* one past it: a file, holding what memory held */
	assert_true(sl_spool_in_file(s));
	for (i = 101; i < sizeof(want); i += 999)
		add(s, want + i, i + 999 <= sizeof(want) ? 999 : sizeof(want) - i);
	assert_int_equal(sl_spool_len(s), sizeof(want));
	assert_int_equal(sl_spool_map(s, &p, &len, &why), SL_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(p, want, sizeof(want));
	assert_int_equal(entries(sub), 0); /* the file has no name */
	/* mapped, then more: the map is dropped and made again */
	add(s, "xyz", 3);
	assert_int_equal(sl_spool_map(s, &p, &len, &why), SL_OK);
	assert_int_equal(len, sizeof(want) + 3);
	assert_memory_equal(p + sizeof(want), "xyz", 3);
	/* reset: memory again for the next message */
	sl_spool_reset(s);
	assert_int_equal(sl_spool_len(s), 0);
	assert_false(sl_spool_in_file(s));
	add(s, "abc", 3);
	assert_int_equal(sl_spool_map(s, &p, &len, &why), SL_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "abc", 3);
	sl_spool_free(s);
	rmdir(sub);
	rmdir(dir);
	g_free(sub);
	g_free(dir);
}

static void test_cap(void **state)
{
	char *dir = tmpdir(), *why = NULL;
	struct sl_spool *s = sl_spool_new(dir, 10, 20);
	const unsigned char *p;
	size_t len;
	(void)state;

	add(s, "0123456789", 10);
	add(s, "01234", 5);
	assert_int_equal(sl_spool_add(s, "0123456789", 6, &why), SL_ETOOBIG);
	assert_non_null(strstr(why, "larger than 20 bytes"));
	free(why);
	why = NULL;
	assert_int_equal(sl_spool_len(s), 15); /* nothing of the refused piece */
	add(s, "56789", 5);                     /* up to the cap is fine */
	assert_int_equal(sl_spool_map(s, &p, &len, &why), SL_OK);
	assert_int_equal(len, 20);
	assert_memory_equal(p, "012345678901234" "56789", 20);
	sl_spool_free(s);
	/* nothing at all: an empty mapping */
	s = sl_spool_new(dir, 0, 20);
	assert_int_equal(sl_spool_map(s, &p, &len, &why), SL_OK);
	assert_int_equal(len, 0);
	sl_spool_free(s);
	rmdir(dir);
	g_free(dir);
}

static void test_unwritable(void **state)
{
	char *dir = tmpdir(), *sub = g_build_filename(dir, "ro", NULL), *why = NULL;
	struct sl_spool *s;
	(void)state;

	if (geteuid() == 0) {
		/* root writes anywhere: a path under a regular file fails for everyone */
		char *file = g_build_filename(dir, "file", NULL);
		FILE *f = fopen(file, "w");
		assert_non_null(f);
		fclose(f);
		g_free(sub);
		sub = g_build_filename(file, "spool", NULL);
		g_free(file);
	} else {
		assert_int_equal(mkdir(sub, 0500), 0);
	}
	s = sl_spool_new(sub, 4, 100);
	add(s, "abcd", 4);
	assert_int_equal(sl_spool_add(s, "e", 1, &why), SL_EIO);
	assert_non_null(strstr(why, "spool: cannot create"));
	free(why);
	why = NULL;
	/* broken until reset */
	assert_int_equal(sl_spool_add(s, "e", 1, &why), SL_EIO);
	free(why);
	why = NULL;
	sl_spool_reset(s);
	add(s, "ab", 2);
	sl_spool_free(s);
	{
		char *cmd = g_strdup_printf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
		g_free(cmd);
	}
	g_free(sub);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_then_file),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_unwritable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
