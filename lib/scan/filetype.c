/* filetype - see filetype.h. */
#include <glib.h>

#include "filetype.h"

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct sl_filetype {
	char *magic_files;    /* ':'-separated, NULL for the system database */
	size_t magic_bytes;
	GMutex lock;          /* guards idle */
	GSList *idle;         /* struct handles not in use by any thread */
	gint opened;          /* sets opened so far (atomic) */
};

/* One set of libmagic handles: used by one thread at a time. */
struct handles {
	magic_t mime, desc;
	magic_t text; /* built-in tests only: tells text from binary, quickly */
	magic_t text_desc; /* the same, as a description ("ASCII text, with CRLF ...") */
};

static void handles_free(gpointer p)
{
	struct handles *t = p;
	if (t->mime)
		magic_close(t->mime);
	if (t->desc)
		magic_close(t->desc);
	if (t->text)
		magic_close(t->text);
	if (t->text_desc)
		magic_close(t->text_desc);
	free(t);
}

static magic_t open_magic(const char *files, int flags, char **why)
{
	/* Tests whose answers we never use cost the most on large text parts. */
	magic_t m = magic_open(flags | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ENCODING |
			       MAGIC_NO_CHECK_CSV | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_APPTYPE | MAGIC_ERROR);
	if (m == NULL) {
		*why = sl_xasprintf("libmagic: cannot open");
		return NULL;
	}
	if (magic_load(m, files) != 0) {
		*why = sl_xasprintf("libmagic: %s", magic_error(m));
		magic_close(m);
		return NULL;
	}
	return m;
}

/* A new set of handles, or NULL (*why says why). */
static struct handles *handles_open(struct sl_filetype *ft, char **why)
{
	struct handles *t = sl_xcalloc(1, sizeof(*t));
	if ((t->mime = open_magic(ft->magic_files, MAGIC_MIME_TYPE, why)) == NULL ||
	    (t->desc = open_magic(ft->magic_files, MAGIC_NONE, why)) == NULL ||
	    (t->text = open_magic(ft->magic_files, MAGIC_MIME_TYPE | MAGIC_NO_CHECK_SOFT, why)) == NULL ||
	    (t->text_desc = open_magic(ft->magic_files, MAGIC_NO_CHECK_SOFT, why)) == NULL) {
		handles_free(t);
		return NULL;
	}
	g_atomic_int_inc(&ft->opened);
	return t;
}

/*
 * Handles for one run: an idle set, else a new one. libmagic's handles are
 * not shared between threads, and loading a set costs about half a
 * millisecond (four loads of the compiled database): they are kept per
 * engine, not per thread (libmilter's pool ends and starts threads as the
 * load changes), and there are never more sets than runs at once.
 */
static struct handles *handles_take(struct sl_filetype *ft, char **why)
{
	struct handles *t = NULL;
	g_mutex_lock(&ft->lock);
	if (ft->idle != NULL) {
		t = ft->idle->data;
		ft->idle = g_slist_delete_link(ft->idle, ft->idle);
	}
	g_mutex_unlock(&ft->lock);
	return t != NULL ? t : handles_open(ft, why);
}

static void handles_give_back(struct sl_filetype *ft, struct handles *t)
{
	g_mutex_lock(&ft->lock);
	ft->idle = g_slist_prepend(ft->idle, t);
	g_mutex_unlock(&ft->lock);
}

struct sl_filetype *sl_filetype_new(const struct sl_config *cfg, char **why)
{
	struct sl_filetype *ft = sl_xcalloc(1, sizeof(*ft));
	char *const *files = sl_config_list(cfg, "filetype.magic_files");
	struct handles *t;
	if (files != NULL && files[0] != NULL) {
		gchar *j = g_strjoinv(":", (gchar **)files);
		ft->magic_files = sl_xstrdup(j);
		g_free(j);
	}
	ft->magic_bytes = (size_t)sl_config_int(cfg, "filetype.magic_bytes");
	g_mutex_init(&ft->lock);
	/* The first set now: a broken magic file is a start-up error. */
	t = handles_open(ft, why);
	if (t == NULL)
		return sl_filetype_free(ft);
	ft->idle = g_slist_prepend(NULL, t);
	return ft;
}

unsigned sl_filetype_handle_sets(struct sl_filetype *ft)
{
	return (unsigned)g_atomic_int_get(&ft->opened);
}

struct sl_filetype *sl_filetype_free(struct sl_filetype *ft)
{
	if (ft == NULL)
		return NULL;
	g_slist_free_full(ft->idle, handles_free);
	g_mutex_clear(&ft->lock);
	free(ft->magic_files);
	free(ft);
	return NULL;
}

/* Lower-case extension of name after the last dot (static buffer per call site). */
static void ext_of(const char *name, char *out, size_t outlen)
{
	const char *dot, *slash;
	size_t i;
	out[0] = '\0';
	if (name == NULL)
		return;
	slash = strrchr(name, '/');
	if (slash != NULL)
		name = slash + 1;
	slash = strrchr(name, '\\');
	if (slash != NULL)
		name = slash + 1;
	{
		/* Windows drops trailing spaces and dots: "evil.js." is evil.js. */
		size_t len = strlen(name);
		while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '.'))
			len--;
		dot = NULL;
		for (i = 0; i < len; i++)
			if (name[i] == '.')
				dot = name + i;
		if (dot == NULL || (size_t)(dot - name) + 1 >= len)
			return;
		for (i = 0; dot + 1 + i < name + len && i + 1 < outlen; i++)
			out[i] = (char)g_ascii_tolower(dot[1 + i]);
		out[i] = '\0';
	}
}

static int in_list(const char *ext, const char *const *list)
{
	size_t i;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(ext, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const script_exts[] = {
	"js", "jse", "vbs", "vbe", "ps1", "psm1", "psd1", "bat", "cmd", "hta", "wsf", "wsh", "wsc",
	"scr", "sct", "vb", "msh", "msh1", "msh2", "mshxml", "ps2", "ps2xml", "psc1", "psc2", "reg",
	"inf", "scf", "jar", "chm", "msc", "cpl", "com", "pif", "application", "appref-ms",
	"settingcontent-ms", "xll", "ws", NULL,
};
static const char *const exe_exts[] = { "exe", "dll", "sys", "drv", "ocx", "elf", "bin", "app", "so", "dylib", NULL };
static const char *const shortcut_exts[] = { "lnk", "url", "website", "library-ms", "searchconnector-ms", "desktop", NULL };
static const char *const image_exts[] = { "iso", "img", "vhd", "vhdx", "vmdk", "dmg", "udf", NULL };
static const char *const installer_exts[] = { "msi", "msp", "mst", "msix", "msixbundle", "appx", "appxbundle", NULL };
/* Compressed streams and archive formats ClamAV cannot open (it opens gzip,
 * bzip2, xz, zip, rar, 7z, tar, cpio, cab, arj and a few more): by name too,
 * so that one with broken magic is still an archive nobody could open. */
static const char *const compressed_exts[] = {
	"zst", "zstd", "tzst", "lz4", "tlz4", "lz", "tlz", "lzma", "tlzma", "xz", "txz", "lzo", "tzo",
	"lrz", "tlrz", "z", "taz", "br", "bz3", "ace", "zoo", "arc", "sit", "sitx", "zpaq", "sz", NULL,
};
static const char *const html_exts[] = { "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xht", NULL };
/* Extensions people open without a second thought: the bait of a double extension. */
static const char *const bait_exts[] = {
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "odt", "ods", "csv", "jpg",
	"jpeg", "png", "gif", "bmp", "tif", "tiff", "mp3", "mp4", "wav", "avi", "mov", "zip", "rar",
	"7z", "htm", "html", "eml", "msg", "ics", "xml", "json", "heic", "webp", NULL,
};

static int is_pe(const unsigned char *p, size_t n)
{
	uint32_t off;
	if (n < 64 || p[0] != 'M' || p[1] != 'Z')
		return 0;
	off = (uint32_t)p[60] | (uint32_t)p[61] << 8 | (uint32_t)p[62] << 16 | (uint32_t)p[63] << 24;
	if ((size_t)off + 4 <= n)
		return memcmp(p + off, "PE\0\0", 4) == 0;
	return 1; /* MZ with a header beyond what we hold: treat as executable */
}

static int is_macho(const unsigned char *p, size_t n)
{
	static const unsigned char m[][4] = {
		{ 0xfe, 0xed, 0xfa, 0xce }, { 0xfe, 0xed, 0xfa, 0xcf },
		{ 0xce, 0xfa, 0xed, 0xfe }, { 0xcf, 0xfa, 0xed, 0xfe },
	};
	size_t i;
	if (n < 8)
		return 0;
	for (i = 0; i < 4; i++)
		if (memcmp(p, m[i], 4) == 0)
			return 1;
	/* Fat binaries share 0xcafebabe with Java classes; Java has a version >= 45 there. */
	if (memcmp(p, "\xca\xfe\xba\xbe", 4) == 0) {
		uint32_t narch = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
		return narch > 0 && narch < 30;
	}
	return 0;
}

static int at(const unsigned char *p, size_t n, size_t off, const char *s, size_t len)
{
	return n >= off + len && memcmp(p + off, s, len) == 0;
}

static int starts_ci(const unsigned char *p, size_t n, const char *s)
{
	size_t i = 0, len = strlen(s);
	/* skip a BOM and leading white space */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return n - i >= len && g_ascii_strncasecmp((const char *)p + i, s, len) == 0;
}

/* s (lower case) anywhere in the first 64 KiB of p, ASCII case-insensitive
 * (a match starts before offset 65536). A first byte that is no letter is
 * found with memchr; a letter is compared before the rest: a call per
 * position made this a few per cent of a milter's CPU on ordinary mail. */
static int contains_ci(const unsigned char *p, size_t n, const char *s)
{
	size_t len = strlen(s), i, last;
	unsigned char c0 = (unsigned char)s[0];
	if (len == 0 || n < len)
		return 0;
	last = n - len < 65535 ? n - len : 65535; /* the last position a match may start at */
	if (!g_ascii_isalpha(c0)) {
		const unsigned char *q = p, *end = p + last + 1;
		while ((q = memchr(q, c0, (size_t)(end - q))) != NULL) {
			if (g_ascii_strncasecmp((const char *)q + 1, s + 1, len - 1) == 0)
				return 1;
			q++;
		}
		return 0;
	}
	for (i = 0; i <= last; i++)
		if ((p[i] | 0x20) == c0 && g_ascii_strncasecmp((const char *)p + i, s, len) == 0)
			return 1;
	return 0;
}

/* Text that uses what scripts run by Windows use to act on the machine:
 * Windows Script Host objects (JScript, VBScript), PowerShell's download and
 * run idioms. Read in one lower-cased copy of at most n bytes (up to a NUL):
 * a plain loop the compiler vectorises, then libc's strstr (GLib's
 * g_ascii_strdown cost as much as all the searches). */
static int runs_scripts(const unsigned char *p, size_t n)
{
	static const char *const cues[] = { "wscript.shell", "activexobject(", "wscript.createobject",
		"scripting.filesystemobject", "shell.application", "invoke-expression",
		"downloadstring(", "-encodedcommand", NULL };
	size_t len, i;
	char *low;
	int hit = 0;
	if (n < 12)
		return 0;
	len = strnlen((const char *)p, n);
	low = sl_xmalloc(len + 1);
	for (i = 0; i < len; i++)
		low[i] = (char)((unsigned char)(p[i] - 'A') < 26 ? p[i] | 0x20 : p[i]);
	low[len] = '\0';
	for (i = 0; cues[i] != NULL && !hit; i++)
		hit = strstr(low, cues[i]) != NULL;
	free(low);
	return hit;
}

/* Magic numbers of compressed streams and archives, at offset 0 unless said. */
static int is_compressed(const unsigned char *p, size_t n)
{
	static const struct {
		const char *magic;
		size_t len, off;
	} m[] = {
		{ "\x28\xb5\x2f\xfd", 4, 0 },             /* zstd frame */
		{ "\x04\x22\x4d\x18", 4, 0 },             /* lz4 frame */
		{ "\x02\x21\x4c\x18", 4, 0 },             /* lz4 legacy */
		{ "LZIP\x01", 5, 0 },                         /* lzip, version 1 */
		{ "\xfd" "7zXZ\0", 6, 0 },                   /* xz */
		{ "\x89LZO\0\r\n\x1a\n", 9, 0 },          /* lzop */
		{ "LRZI\0", 5, 0 },                           /* lrzip */
		{ "BZ3v1", 5, 0 },                            /* bzip3 */
		{ "\x1f\x9d", 2, 0 },                        /* compress (.Z) */
		{ "**ACE**", 7, 7 },                          /* ACE */
		{ "\xdc\xa7\xc4\xfd", 4, 20 },               /* zoo */
		{ "rLau", 4, 10 },                            /* StuffIt ("SIT!" at 0) */
		{ "StuffIt (c)1997-", 16, 0 },                /* StuffIt 5 */
		{ "\x5d\0\0\x80\0", 5, 0 },                /* lzma alone, the usual header */
	};
	size_t i;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (n >= m[i].off + m[i].len && memcmp(p + m[i].off, m[i].magic, m[i].len) == 0)
			return 1;
	/* 50 2a 4d 18 .. 5f 2a 4d 18: a zstd skippable frame */
	return n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

static const unsigned char onenote_guid[16] = { 0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d,
						0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3 };

/* The category an extension gives a file of text (scripts and the like are
 * text to libmagic), or NULL. */
static const char *category_by_ext(const char *ext)
{
	if (in_list(ext, script_exts))
		return "script";
	if (in_list(ext, shortcut_exts))
		return "shortcut";
	if (in_list(ext, image_exts))
		return "disk_image";
	if (strcmp(ext, "one") == 0 || strcmp(ext, "onepkg") == 0)
		return "onenote";
	if (in_list(ext, installer_exts))
		return "installer";
	return NULL;
}

const char *sl_filetype_category(const char *mime, const char *desc, const unsigned char *p,
				 size_t n, size_t full_size, const char *filename)
{
	char ext[32];
	mime = mime ? mime : "";
	desc = desc ? desc : "";
	ext_of(filename, ext, sizeof(ext));

	/* Content first: it cannot lie. */
	if (is_pe(p, n) || is_macho(p, n) || at(p, n, 0, "\x7f" "ELF", 4) ||
	    strstr(desc, "PE32") != NULL || strstr(desc, "Mach-O") != NULL ||
	    strncmp(desc, "ELF ", 4) == 0 || strcmp(mime, "application/x-dosexec") == 0 ||
	    strcmp(mime, "application/x-executable") == 0 || strcmp(mime, "application/x-mach-binary") == 0 ||
	    strcmp(mime, "application/x-pie-executable") == 0 || strcmp(mime, "application/x-sharedlib") == 0 ||
	    strcmp(mime, "application/vnd.microsoft.portable-executable") == 0)
		return "executable";
	if (at(p, n, 0, (const char *)onenote_guid, 16))
		return "onenote";
	if (at(p, n, 0, "L\0\0\0\x01\x14\x02\0", 8) || strcmp(mime, "application/x-ms-shortcut") == 0 ||
	    starts_ci(p, n, "[InternetShortcut]"))
		return "shortcut";
	if (at(p, n, 0x8001, "CD001", 5) || at(p, n, 0x8801, "CD001", 5) || at(p, n, 0x9001, "CD001", 5) ||
	    at(p, n, 0x8001, "BEA01", 5) || at(p, n, 0, "vhdxfile", 8) || at(p, n, 0, "conectix", 8) ||
	    (n == full_size && n >= 512 && memcmp(p + n - 512, "conectix", 8) == 0) ||
	    (n == full_size && n >= 512 && memcmp(p + n - 512, "koly", 4) == 0) ||
	    strcmp(mime, "application/x-iso9660-image") == 0 || strstr(desc, "ISO 9660") != NULL ||
	    strstr(desc, "UDF filesystem") != NULL)
		return "disk_image";
	if (strstr(desc, "MSI Installer") != NULL || strcmp(mime, "application/x-msi") == 0)
		return "installer";
	if (at(p, n, 0, "MSCF\0\0\0\0", 8) || is_compressed(p, n))
		return "archive"; /* Microsoft Cabinet: text/plain to libmagic 5.44 */
	if (strcmp(mime, "application/vnd.symbian.install") == 0)
		return "installer";
	if (strcmp(mime, "application/vnd.ms-htmlhelp") == 0)
		return "script"; /* compiled HTML help runs what it holds */
	if (starts_ci(p, n, "#!") || starts_ci(p, n, "#@~^") || contains_ci(p, n < 4096 ? n : 4096, "<hta:application"))
		return "script";
	/* Then names: scripts are text to libmagic. */
	if (ext[0]) {
		const char *by_name = category_by_ext(ext);
		if (by_name != NULL)
			return by_name;
		if (in_list(ext, compressed_exts))
			return "archive";
	}
	if (strcmp(mime, "text/html") == 0 || strcmp(mime, "image/svg+xml") == 0 ||
	    strcmp(mime, "application/xhtml+xml") == 0 || (ext[0] && in_list(ext, html_exts)))
		return "html";
	if (strcmp(mime, "application/zip") == 0 || strcmp(mime, "application/x-rar") == 0 ||
	    strcmp(mime, "application/vnd.rar") == 0 || strcmp(mime, "application/x-7z-compressed") == 0 ||
	    strcmp(mime, "application/x-tar") == 0 || strcmp(mime, "application/gzip") == 0 ||
	    strcmp(mime, "application/x-bzip2") == 0 || strcmp(mime, "application/x-xz") == 0 ||
	    strcmp(mime, "application/vnd.ms-cab-compressed") == 0 || strstr(desc, "Cabinet archive") != NULL ||
	    strcmp(mime, "application/x-arj") == 0 || strcmp(mime, "application/x-lzh-compressed") == 0 ||
	    strcmp(mime, "application/x-cpio") == 0 || strcmp(mime, "application/x-xar") == 0 ||
	    strcmp(mime, "application/x-ms-compress-szdd") == 0 || strcmp(mime, "application/zstd") == 0 ||
	    strcmp(mime, "application/x-lz4") == 0 || strcmp(mime, "application/x-lzip") == 0 ||
	    strcmp(mime, "application/x-lzma") == 0 || strcmp(mime, "application/x-lzop") == 0 ||
	    strcmp(mime, "application/x-compress") == 0 || strcmp(mime, "application/x-stuffit") == 0 ||
	    strcmp(mime, "application/x-ace-compressed") == 0 || strcmp(mime, "application/x-zoo") == 0)
		return "archive";
	if (at(p, n, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return "ole2";
	if (strncmp(mime, "application/vnd.openxmlformats", 30) == 0 ||
	    strncmp(mime, "application/vnd.ms-", 19) == 0 || strcmp(mime, "application/msword") == 0)
		return "office";
	return NULL;
}

/* Family of an extension and the detected types that fit it. */
struct family {
	const char *const *exts;
	const char *const *types; /* prefixes */
};

static const char *const f_pdf_e[] = { "pdf", NULL };
static const char *const f_pdf_t[] = { "application/pdf", NULL };
static const char *const f_img_e[] = { "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic", NULL };
static const char *const f_img_t[] = { "image/", NULL };
static const char *const f_ole_e[] = { "doc", "xls", "ppt", "msg", "dot", "xlt", "pot", NULL };
static const char *const f_ole_t[] = { "application/msword", "application/vnd.ms-", "application/x-ole-storage",
				       "application/cdfv2", "application/CDFV2", NULL };
static const char *const f_ooxml_e[] = { "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "dotx", "xltx", "odt", "ods", "odp", NULL };
static const char *const f_ooxml_t[] = { "application/vnd.", "application/zip", "application/x-zip", "application/octet-stream", NULL };
static const char *const f_zip_e[] = { "zip", NULL };
static const char *const f_zip_t[] = { "application/zip", "application/x-zip", NULL };
static const char *const f_text_e[] = { "txt", "csv", "tsv", "log", "ics", "vcf", NULL };
static const char *const f_text_t[] = { "text/", "application/csv", "application/json", "application/octet-stream", NULL };
static const char *const f_audio_e[] = { "mp3", "wav", "ogg", "m4a", "aac", "flac", "amr", "opus", NULL };
static const char *const f_audio_t[] = { "audio/", "video/", "application/octet-stream", NULL };
static const char *const f_video_e[] = { "mp4", "avi", "mov", "mkv", "webm", "3gp", NULL };
static const char *const f_video_t[] = { "video/", "audio/", "application/octet-stream", NULL };

static const struct family families[] = {
	{ f_pdf_e, f_pdf_t }, { f_img_e, f_img_t }, { f_ole_e, f_ole_t }, { f_ooxml_e, f_ooxml_t },
	{ f_zip_e, f_zip_t }, { f_text_e, f_text_t }, { f_audio_e, f_audio_t }, { f_video_e, f_video_t },
};

/* Does a declared or implied type fit what the content is? 1 yes, 0 no, -1 can't tell. */
static int fits(const struct family *f, const char *detected)
{
	size_t i;
	/* libmagic's "don't know" answers prove nothing. */
	if (strcmp(detected, "application/octet-stream") == 0 || strcmp(detected, "text/plain") == 0 ||
	    strcmp(detected, "application/x-empty") == 0 || strcmp(detected, "inode/x-empty") == 0)
		return f->types == f_text_t ? 1 : -1;
	for (i = 0; f->types[i] != NULL; i++)
		if (g_ascii_strncasecmp(detected, f->types[i], strlen(f->types[i])) == 0)
			return 1;
	return 0;
}

static const struct family *family_of_ext(const char *ext)
{
	size_t i;
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (in_list(ext, families[i].exts))
			return &families[i];
	return NULL;
}

static const struct family *family_of_type(const char *declared)
{
	if (declared == NULL)
		return NULL;
	if (strcmp(declared, "application/pdf") == 0)
		return &families[0];
	if (strncmp(declared, "image/", 6) == 0 && strcmp(declared, "image/svg+xml") != 0)
		return &families[1];
	if (strcmp(declared, "application/zip") == 0 || strcmp(declared, "application/x-zip-compressed") == 0)
		return &families[4];
	if (strncmp(declared, "audio/", 6) == 0)
		return &families[6];
	if (strncmp(declared, "video/", 6) == 0)
		return &families[7];
	return NULL;
}

static int has_bidi(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
			return 1;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			return 1;
		if (p[0] == 0xd8 && p[1] == 0x9c)
			return 1;
	}
	return 0;
}

static const char *what_is(const char *cat);

static int is_dangerous_ext(const char *ext)
{
	return in_list(ext, exe_exts) || in_list(ext, script_exts) || in_list(ext, shortcut_exts) ||
	       in_list(ext, image_exts) || in_list(ext, installer_exts) || strcmp(ext, "one") == 0 ||
	       in_list(ext, html_exts);
}

/*
 * What a name says a file is when it is opened, whatever its content: the
 * policy rule for its extension, or NULL. ".bin" is left out: it runs
 * nothing on a double click, and Outlook names every unnamed attachment
 * ATT00001.bin.
 */
static const char *rule_by_name(const char *ext)
{
	const char *cat = category_by_ext(ext);
	if (cat != NULL)
		return cat;
	if (in_list(ext, exe_exts) && strcmp(ext, "bin") != 0)
		return "executable";
	if (in_list(ext, html_exts))
		return "html_attachment";
	return NULL;
}

/* One name a reader could show for part i: direction tricks, a dangerous
 * extension (judged whatever the content looks like) and double extensions. */
static void check_name(struct sl_msg *m, int i, const char *name)
{
	char ext[32], inner[32];
	const char *dot, *rule;
	char *stem;

	if (name == NULL || *name == '\0')
		return;
	if (has_bidi(name) && !sl_msg_has_finding(m, SL_FIND_FILENAME, "bidi_filename", i))
		sl_msg_add_finding(m, SL_FIND_FILENAME, "bidi_filename", i,
				   "file name '%s' hides its real extension with a right-to-left or other "
				   "direction control character", name);
	ext_of(name, ext, sizeof(ext));
	if (!ext[0] || !is_dangerous_ext(ext)) {
		/* Junk after the extension that a reader drops or reads as the end
		 * of something else ("invoice.js?=", "invoice.js)", "invoice.js\""). */
		size_t len = strlen(name);
		char *t;
		while (len > 0 && !g_ascii_isalnum(name[len - 1]))
			len--;
		if (len == strlen(name) || len == 0)
			return;
		t = sl_xstrndup(name, len);
		ext_of(t, ext, sizeof(ext));
		free(t);
		if (!ext[0] || !is_dangerous_ext(ext))
			return;
	}
	rule = rule_by_name(ext);
	if (rule != NULL && !sl_msg_has_finding(m, SL_FIND_FILETYPE, rule, i) &&
	    !sl_msg_has_finding(m, SL_FIND_FILENAME, rule, i))
		sl_msg_add_finding(m, SL_FIND_FILENAME, rule, i,
				   "file name '%s' ends in .%s: opened, it is %s whatever its content", name, ext,
				   strcmp(rule, "html_attachment") == 0 ? "a web page" : what_is(rule));
	{
		size_t len = strlen(name);
		while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '.'))
			len--;
		dot = name + (len ? len - 1 : 0);
		while (dot > name && *dot != '.')
			dot--;
	}
	stem = sl_xstrndup(name, (size_t)(dot - name));
	g_strchomp(stem); /* "invoice.pdf      .exe" */
	ext_of(stem, inner, sizeof(inner));
	if (inner[0] && in_list(inner, bait_exts) &&
	    !sl_msg_has_finding(m, SL_FIND_FILENAME, "double_extension", i))
		sl_msg_add_finding(m, SL_FIND_FILENAME, "double_extension", i,
				   "file name '%s' looks like .%s but is .%s", name, inner, ext);
	free(stem);
}

/* The type of text content by its first bytes: markup and scripts, the rest plain. */
static const char *text_subtype(const unsigned char *p, size_t n)
{
	size_t lim = n < 1024 ? n : 1024;
	/* Formats that are text to libmagic's built-in tests but are not text. */
	if (at(p, n, 0, "%PDF-", 5) || (lim >= 5 && memmem(p, lim, "%PDF-", 5) != NULL))
		return "application/pdf";
	if (at(p, n, 0, "%!PS", 4))
		return "application/postscript";
	if (starts_ci(p, n, "[InternetShortcut]"))
		return "application/x-mswinurl";
	if (starts_ci(p, n, "BEGIN:VCALENDAR"))
		return "text/calendar";
	if (starts_ci(p, n, "BEGIN:VCARD"))
		return "text/vcard";
	if (starts_ci(p, n, "<!doctype html") || starts_ci(p, n, "<html") || starts_ci(p, n, "<head") ||
	    starts_ci(p, n, "<body") || starts_ci(p, n, "<script") || starts_ci(p, n, "<iframe") ||
	    starts_ci(p, n, "<meta") || starts_ci(p, n, "<!--") || contains_ci(p, lim, "<html"))
		return "text/html";
	if (starts_ci(p, n, "<svg") || (starts_ci(p, n, "<?xml") && contains_ci(p, lim, "<svg")))
		return "image/svg+xml";
	if (starts_ci(p, n, "<?xml"))
		return "text/xml";
	if (starts_ci(p, n, "#!"))
		return "text/x-shellscript";
	if (starts_ci(p, n, "{\\rtf"))
		return "text/rtf";
	return "text/plain";
}

/* libmagic's description of part p, computed on first use. */
static const char *describe(struct handles *t, struct sl_part *p, size_t n)
{
	if (p->detected_desc == NULL) {
		const char *r = magic_buffer(p->is_text ? t->text_desc : t->desc, p->data, n);
		p->detected_desc = sl_xstrdup(r ? r : "data");
	}
	return p->detected_desc ? p->detected_desc : (p->detected_type ? p->detected_type : "data");
}

static void check_mismatch(struct sl_msg *m, int i)
{
	struct sl_part *p = &m->parts[i];
	const char *names[2] = { p->filename, p->alt_filename };
	size_t k;
	if (p->detected_type == NULL)
		return;
	for (k = 0; k < 2; k++) {
		char ext[32];
		const struct family *f;
		ext_of(names[k], ext, sizeof(ext));
		f = ext[0] ? family_of_ext(ext) : NULL;
		if (f != NULL && fits(f, p->detected_type) == 0) {
			sl_msg_add_finding(m, SL_FIND_FILENAME, "type_mismatch", i,
					   "file name '%s' says .%s but the content is %s", names[k], ext,
					   p->detected_desc ? p->detected_desc : p->detected_type);
			return;
		}
	}
	{
		const struct family *f = family_of_type(p->declared_type);
		if (f != NULL && fits(f, p->detected_type) == 0)
			sl_msg_add_finding(m, SL_FIND_FILENAME, "type_mismatch", i,
					   "declared as %s but the content is %s", p->declared_type,
					   p->detected_desc ? p->detected_desc : p->detected_type);
	}
}

static const char *what_is(const char *cat)
{
	if (strcmp(cat, "executable") == 0) return "a program";
	if (strcmp(cat, "script") == 0) return "a script";
	if (strcmp(cat, "shortcut") == 0) return "a shortcut";
	if (strcmp(cat, "disk_image") == 0) return "a disk image";
	if (strcmp(cat, "onenote") == 0) return "a OneNote notebook";
	if (strcmp(cat, "installer") == 0) return "an installer";
	return cat;
}

static int has_utf16(const unsigned char *p, size_t n, const char *ascii)
{
	size_t len = strlen(ascii), i;
	unsigned char pat[64];
	if (len * 2 > sizeof(pat))
		return 0;
	for (i = 0; i < len; i++) {
		pat[2 * i] = (unsigned char)ascii[i];
		pat[2 * i + 1] = 0;
	}
	return memmem(p, n, pat, len * 2) != NULL;
}

int sl_filetype_run(struct sl_filetype *ft, struct sl_msg *m)
{
	char *why = NULL;
	struct handles *t = handles_take(ft, &why);
	size_t i;

	if (t == NULL) {
		sl_log(SL_LOG_WARNING, "id=%s filetype: %s", m->id, why);
		free(why);
		return SL_ETEMP; /* nothing typed: the message is not judged now */
	}

	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		/* The text people read needs only enough to tell text from binary. */
		size_t cap = p->is_body_text ? 8192 : ft->magic_bytes;
		size_t n = p->data_len < cap ? p->data_len : cap;
		const char *cat, *name, *r;
		size_t before = m->nfindings;

		if (p->is_container) {
			/* A name on a multipart or a forwarded message: readers that
			 * give it to the content they save (ripmime does) show it. */
			size_t j;
			for (j = 0; j < p->nnames; j++)
				check_name(m, (int)i, p->names[j]);
			continue;
		}
		if (p->data == NULL)
			continue;
		/* libmagic's built-in tests tell text from binary in microseconds; its
		 * rules cost about a millisecond a call on any text, however short.
		 * Text is typed by the few cues that matter here (HTML, SVG, scripts:
		 * text_subtype); binary content by the full rules, unless ClamAV's
		 * typing of the same bytes already proved it (av.c). Bytes with a NUL
		 * are not text to us whatever libmagic says: it is not asked. */
		r = memchr(p->data, '\0', n) == NULL ? magic_buffer(t->text, p->data, n) : NULL;
		if (r != NULL && strncmp(r, "text/", 5) == 0) {
			p->is_text = 1;
			p->detected_type = sl_xstrdup(p->is_body_text && p->declared_type ? p->declared_type
									  : text_subtype(p->data, n));
		} else if (p->av_type != NULL) {
			p->detected_type = sl_xstrdup(p->av_type);
		} else {
			r = magic_buffer(t->mime, p->data, n);
			p->detected_type = sl_xstrdup(r ? r : "application/octet-stream");
		}
		name = p->filename ? p->filename : p->alt_filename;
		cat = sl_filetype_category(p->detected_type, p->detected_desc, p->data, p->data_len, p->size, name);
		if (cat == NULL && p->alt_filename != NULL && p->filename != NULL)
			cat = sl_filetype_category(p->detected_type, p->detected_desc, p->data, p->data_len,
						   p->size, p->alt_filename);
		/* The text people read is not an attachment, whatever libmagic says of it. */
		if (cat != NULL && strcmp(cat, "html") == 0 && p->is_body_text)
			cat = NULL;
		/* A text file that drives Windows Script Host or PowerShell is a
		 * script whatever name we read for it: a reader may show another. */
		if (cat == NULL && p->is_text && !p->is_body_text && runs_scripts(p->data, n))
			cat = "script";
		p->category = cat;
		if (cat == NULL)
			goto names;
		if (strcmp(cat, "html") == 0) {
			sl_msg_add_finding(m, SL_FIND_FILETYPE, "html_attachment", (int)i,
					   "HTML sent as a file (%s): it opens in a browser, outside the mail "
					   "client's protection", name ? name : "no name");
		} else if (strcmp(cat, "archive") == 0) {
			/* An archive ClamAV could open shows members; one it could not is
			 * unreadable, an archive member (of which we hold a head) too. */
			size_t k;
			int members = 0;
			for (k = i + 1; k < m->nparts; k++)
				if (m->parts[k].parent == (int)i && m->parts[k].origin == SL_ORIGIN_ARCHIVE)
					members++;
			if (members == 0 &&
			    !sl_msg_has_finding(m, SL_FIND_FILETYPE, "encrypted_archive", (int)i) &&
			    !sl_msg_has_finding(m, SL_FIND_LIMIT, "limit", (int)i))
				sl_msg_add_finding(m, SL_FIND_FILETYPE, "unreadable_archive", (int)i,
						   "archive %s (%s) cannot be opened, so its contents cannot be checked",
						   name ? name : "", describe(t, p, n));
			if (p->data_len == p->size &&
			    (memmem(p->data, p->size, "vbaProject.bin", 14) != NULL ||
			     memmem(p->data, p->size, "xl/macrosheets/", 15) != NULL) &&
			    !sl_msg_has_finding(m, SL_FIND_FILETYPE, "office_macro", (int)i))
				sl_msg_add_finding(m, SL_FIND_FILETYPE, "office_macro", (int)i,
						   "Office document with macros (vbaProject.bin inside)");
		} else if (strcmp(cat, "ole2") == 0 || strcmp(cat, "office") == 0) {
			if ((has_utf16(p->data, p->data_len, "_VBA_PROJECT") ||
			     memmem(p->data, p->data_len, "vbaProject.bin", 14) != NULL) &&
			    !sl_msg_has_finding(m, SL_FIND_FILETYPE, "office_macro", (int)i))
				sl_msg_add_finding(m, SL_FIND_FILETYPE, "office_macro", (int)i,
						   "Office document with macros (VBA project inside)");
		} else {
			sl_msg_add_finding(m, SL_FIND_FILETYPE, cat, (int)i, "%s%s%s is %s (%s)",
					   name ? "'" : "", name ? name : "this part", name ? "'" : "",
					   what_is(cat), describe(t, p, n));
		}
names:
		check_name(m, (int)i, p->filename);
		if (p->alt_filename != NULL)
			check_name(m, (int)i, p->alt_filename);
		{
			size_t j;
			for (j = 0; j < p->nnames; j++)
				check_name(m, (int)i, p->names[j]);
		}
		check_mismatch(m, (int)i);
		/* The description is for people (notices, details): only where something was found. */
		if (m->nfindings > before)
			describe(t, p, n);
	}
	handles_give_back(ft, t);
	return SL_OK;
}
