/*
 * test_secret - the secrets of the configuration (lib/core/secret.c), with
 * the WhatsApp keys: a file others can read is refused, 0640 and 0600 are
 * fine, surrounding blanks go; an inline secret only in a configuration
 * file others cannot read; both set, neither set, blanks and control
 * characters inside; wiping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "secret.h"
#include "util.h"

static char *dir;

static int setup(void **state)
{
	dir = g_dir_make_tmp("sluice-secret-XXXXXX", NULL);
	return dir == NULL;
}

static int teardown(void **state)
{
	gchar *cmd = g_strdup_printf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	g_free(cmd);
	g_free(dir);
	return 0;
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static struct sl_config *load(const char *file, const char *ov1, const char *ov2)
{
	const char *ov[2];
	size_t n = 0;
	struct sl_config *c = NULL;
	char *why = NULL;
	if (ov1 != NULL)
		ov[n++] = ov1;
	if (ov2 != NULL)
		ov[n++] = ov2;
	if (sl_config_load(file, ov, n, &c, &why) != SL_OK)
		fail_msg("%s", why);
	return c;
}

static int read_secret(struct sl_config *c, char **out, char **why)
{
	*out = NULL;
	*why = NULL;
	return sl_secret_read_pair(c, "whatsapp.app_secret", out, why);
}

static void test_files(void **state)
{
	char *good = write_file("good", "  s3cret-value\n", 0640),
	     *open_file = write_file("open", "x\n", 0644);
	char *empty = write_file("empty", "\n", 0600),
	     *spaced = write_file("spaced", "two words\n", 0600);
	char *ov = g_strdup_printf("whatsapp.app_secret_file=%s", good), *why, *s;
	struct sl_config *c = load(NULL, ov, NULL);

	assert_int_equal(read_secret(c, &s, &why), SL_OK);
	assert_string_equal(s, "s3cret-value");
	s = sl_secret_free(s);
	assert_null(s);
	sl_config_unref(c);
	g_free(ov);

	ov = g_strdup_printf("whatsapp.app_secret_file=%s", open_file);
	c = load(NULL, ov, NULL);
	assert_int_equal(read_secret(c, &s, &why), SL_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(why, "whatsapp.app_secret_file"));
	assert_non_null(strstr(why, "lets others read"));
	free(why);
	sl_config_unref(c);
	g_free(ov);

	ov = g_strdup_printf("whatsapp.app_secret_file=%s", empty);
	c = load(NULL, ov, NULL);
	assert_int_equal(read_secret(c, &s, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "empty"));
	free(why);
	sl_config_unref(c);
	g_free(ov);

	ov = g_strdup_printf("whatsapp.app_secret_file=%s", spaced);
	c = load(NULL, ov, NULL);
	assert_int_equal(read_secret(c, &s, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "spaces"));
	free(why);
	sl_config_unref(c);
	g_free(ov);

	ov = g_strdup_printf("whatsapp.app_secret_file=%s/none", dir);
	c = load(NULL, ov, NULL);
	assert_int_equal(read_secret(c, &s, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "No such file"));
	free(why);
	sl_config_unref(c);
	g_free(ov);

	g_free(good);
	g_free(open_file);
	g_free(empty);
	g_free(spaced);
}

static void test_inline(void **state)
{
	char *conf = write_file("sluice.conf", "[whatsapp]\napp_secret = inline-one\n", 0644), *why,
	     *s;
	char *file = write_file("f", "from-file\n", 0600), *ov;
	struct sl_config *c = load(conf, NULL, NULL);

	/* a conf others may read would show the secret */
	assert_int_equal(read_secret(c, &s, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "readable by others"));
	free(why);
	assert_int_equal(chmod(conf, 0640), 0);
	assert_int_equal(read_secret(c, &s, &why), SL_OK);
	assert_string_equal(s, "inline-one");
	sl_secret_free(s);
	sl_config_unref(c);

	/* both: one place only */
	ov = g_strdup_printf("whatsapp.app_secret_file=%s", file);
	c = load(conf, ov, NULL);
	assert_int_equal(read_secret(c, &s, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "both set"));
	free(why);
	sl_config_unref(c);
	g_free(ov);

	/* neither: no secret, no error */
	c = load(NULL, NULL, NULL);
	assert_int_equal(read_secret(c, &s, &why), SL_OK);
	assert_null(s);
	sl_config_unref(c);

	/* an override has no file to be read from */
	c = load(NULL, "whatsapp.verify_token=tok\x01x", NULL);
	s = NULL;
	why = NULL;
	assert_int_equal(sl_secret_read_pair(c, "whatsapp.verify_token", &s, &why), SL_ECONFIG);
	assert_non_null(strstr(why, "control characters"));
	free(why);
	sl_config_unref(c);
	g_free(conf);
	g_free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inline, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
