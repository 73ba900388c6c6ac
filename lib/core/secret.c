/* secret - see secret.h. */
#include <glib.h>

#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int chars_ok(const char *k)
{
	for (const unsigned char *c = (const unsigned char *)k; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return 0;
	return 1;
}

static int read_file(const char *name, const char *path, char **out, char **why)
{
	struct stat st;
	char buf[SL_SECRET_MAX + 2];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = SL_ECONFIG;

	if (fd < 0) {
		*why = sl_xasprintf("%s: %s: %s", name, path, strerror(errno));
		return SL_ECONFIG;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = sl_xasprintf("%s: %s: not a regular file", name, path);
		goto out;
	}
	if (st.st_mode & 007) {
		*why = sl_xasprintf(
		    "%s: %s: mode %04o lets others read the key; it must be 0640 or 0600 "
		    "(chmod 640 %s)",
		    name, path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	g_strstrip(buf);
	if (n > SL_SECRET_MAX) {
		*why = sl_xasprintf("%s: %s: longer than %d bytes", name, path, SL_SECRET_MAX);
		goto out;
	}
	if (buf[0] == '\0' || !chars_ok(buf)) {
		*why = sl_xasprintf("%s: %s: %s", name, path,
				    buf[0] == '\0' ? "the file is empty"
						   : "the key has spaces or control characters");
		goto out;
	}
	*out = sl_xstrdup(buf);
	rc = SL_OK;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int sl_secret_read(const struct sl_config *cfg, const char *key, const char *file_key, char **out,
		   char **why)
{
	const char *inline_key = sl_config_str(cfg, key), *file = sl_config_str(cfg, file_key);
	const char *conf = sl_config_file(cfg);
	struct stat st;

	*out = NULL;
	if (*inline_key != '\0' && *file != '\0') {
		*why = sl_xasprintf("%s and %s are both set: keep the key in one place (the file)",
				    key, file_key);
		return SL_ECONFIG;
	}
	if (*file != '\0')
		return read_file(file_key, file, out, why);
	if (*inline_key == '\0')
		return SL_OK;
	if (conf != NULL && stat(conf, &st) == 0 && (st.st_mode & 007)) {
		*why =
		    sl_xasprintf("%s: %s is readable by others (mode %04o) and would show the key: "
				 "use %s (a file of mode 0640 or 0600) or chmod 640 %s",
				 key, conf, (unsigned)(st.st_mode & 07777), file_key, conf);
		return SL_ECONFIG;
	}
	if (!chars_ok(inline_key)) {
		*why = sl_xasprintf("%s: the key has spaces or control characters", key);
		return SL_ECONFIG;
	}
	*out = sl_xstrdup(inline_key);
	return SL_OK;
}

int sl_secret_read_pair(const struct sl_config *cfg, const char *prefix, char **out, char **why)
{
	char *file_key = sl_xasprintf("%s_file", prefix);
	int rc = sl_secret_read(cfg, prefix, file_key, out, why);
	free(file_key);
	return rc;
}

char *sl_secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
	return NULL;
}
