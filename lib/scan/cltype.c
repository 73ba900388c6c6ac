/* cltype - see cltype.h. */
#include "cltype.h"

#include <stddef.h>
#include <string.h>

enum { ARCHIVE = 1, DOCUMENT = 2 };

/* ARCHIVE: formats whose members are files a person can take out. Installers,
 * help files and web archives are judged whole (what they hold that is
 * dangerous by itself still shows as a layer of its own). */

/* CL_TYPE_MSEXE, _ELF and _MACHO have no category here on purpose: ClamAV
 * also gives MSEXE to streams that merely hold a program further in (an OLE
 * Package stream); the bytes decide (sl_filetype_category), and the program
 * itself comes as the layer below. */
static const struct cltype {
	const char *cl, *mime, *category;
	unsigned flags;
} types[] = {
	{ "CL_TYPE_PDF", "application/pdf", "document", DOCUMENT },
	{ "CL_TYPE_PNG", "image/png", NULL, 0 },
	{ "CL_TYPE_JPEG", "image/jpeg", NULL, 0 },
	{ "CL_TYPE_GIF", "image/gif", NULL, 0 },
	{ "CL_TYPE_TIFF", "image/tiff", NULL, 0 },
	{ "CL_TYPE_MSEXE", "application/vnd.microsoft.portable-executable", NULL, 0 },
	{ "CL_TYPE_ELF", "application/x-executable", NULL, 0 },
	{ "CL_TYPE_MACHO", "application/x-mach-binary", NULL, 0 },
	{ "CL_TYPE_MACHO_UNIBIN", "application/x-mach-binary", NULL, 0 },
	{ "CL_TYPE_OOXML_WORD", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	  "document", DOCUMENT },
	{ "CL_TYPE_OOXML_XL", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	  "document", DOCUMENT },
	{ "CL_TYPE_OOXML_PPT", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	  "document", DOCUMENT },
	{ "CL_TYPE_OOXML_HWP", NULL, "document", DOCUMENT },
	{ "CL_TYPE_XML_WORD", NULL, "document", DOCUMENT },
	{ "CL_TYPE_XML_XL", NULL, "document", DOCUMENT },
	{ "CL_TYPE_XML_HWP", NULL, "document", DOCUMENT },
	{ "CL_TYPE_HWP3", NULL, "document", DOCUMENT },
	{ "CL_TYPE_HWPOLE2", NULL, "document", DOCUMENT },
	/* OLE2 is also MSI: libmagic tells those apart, so no MIME type here. */
	{ "CL_TYPE_MSOLE2", NULL, "document", DOCUMENT },
	{ "CL_TYPE_MSWORD", NULL, "document", DOCUMENT },
	{ "CL_TYPE_MSXL", NULL, "document", DOCUMENT },
	{ "CL_TYPE_MSPPT", NULL, "document", DOCUMENT },
	{ "CL_TYPE_RTF", NULL, "document", DOCUMENT },
	{ "CL_TYPE_PS", NULL, "document", DOCUMENT },
	{ "CL_TYPE_XDP", NULL, "document", DOCUMENT },
	{ "CL_TYPE_ONENOTE", NULL, "onenote", DOCUMENT },
	{ "CL_TYPE_ZIP", "application/zip", "archive", ARCHIVE },
	{ "CL_TYPE_ZIPSFX", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_RAR", "application/x-rar", "archive", ARCHIVE },
	{ "CL_TYPE_RARSFX", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_7Z", "application/x-7z-compressed", "archive", ARCHIVE },
	{ "CL_TYPE_7ZSFX", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_ARJ", "application/x-arj", "archive", ARCHIVE },
	{ "CL_TYPE_ARJSFX", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_MSCAB", "application/vnd.ms-cab-compressed", "archive", ARCHIVE },
	{ "CL_TYPE_CABSFX", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_EGG", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_EGGSFX", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_ALZ", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_LHA_LZH", "application/x-lzh-compressed", "archive", ARCHIVE },
	{ "CL_TYPE_GZ", "application/gzip", "archive", ARCHIVE },
	{ "CL_TYPE_BZ", "application/x-bzip2", "archive", ARCHIVE },
	{ "CL_TYPE_XZ", "application/x-xz", "archive", ARCHIVE },
	{ "CL_TYPE_POSIX_TAR", "application/x-tar", "archive", ARCHIVE },
	{ "CL_TYPE_OLD_TAR", "application/x-tar", "archive", ARCHIVE },
	{ "CL_TYPE_CPIO_OLD", "application/x-cpio", "archive", ARCHIVE },
	{ "CL_TYPE_CPIO_ODC", "application/x-cpio", "archive", ARCHIVE },
	{ "CL_TYPE_CPIO_NEWC", "application/x-cpio", "archive", ARCHIVE },
	{ "CL_TYPE_CPIO_CRC", "application/x-cpio", "archive", ARCHIVE },
	{ "CL_TYPE_XAR", "application/x-xar", "archive", ARCHIVE },
	{ "CL_TYPE_MSSZDD", "application/x-ms-compress-szdd", "archive", ARCHIVE },
	{ "CL_TYPE_BINHEX", "application/mac-binhex40", "archive", ARCHIVE },
	{ "CL_TYPE_UUENCODED", NULL, "archive", ARCHIVE },
	{ "CL_TYPE_TNEF", "application/vnd.ms-tnef", "archive", ARCHIVE },
	{ "CL_TYPE_ISO9660", "application/x-iso9660-image", "disk_image", ARCHIVE },
	{ "CL_TYPE_UDF", NULL, "disk_image", ARCHIVE },
	{ "CL_TYPE_DMG", NULL, "disk_image", ARCHIVE },
	{ "CL_TYPE_GPT", NULL, "disk_image", ARCHIVE },
	{ "CL_TYPE_MBR", NULL, "disk_image", ARCHIVE },
	{ "CL_TYPE_APM", NULL, "disk_image", ARCHIVE },
	{ "CL_TYPE_PART_HFSPLUS", NULL, "disk_image", ARCHIVE },
	{ "CL_TYPE_SIS", "application/vnd.symbian.install", "installer", 0 },
	{ "CL_TYPE_NULSFT", NULL, "installer", 0 },
	{ "CL_TYPE_ISHIELD_MSI", NULL, "installer", 0 },
	{ "CL_TYPE_AUTOIT", NULL, "script", 0 },
	{ "CL_TYPE_MSCHM", "application/vnd.ms-htmlhelp", "script", 0 },
	{ "CL_TYPE_SCRENC", NULL, "script", 0 },
	{ "CL_TYPE_LNK", "application/x-ms-shortcut", "shortcut", 0 },
	{ "CL_TYPE_MHTML", NULL, "html", 0 },
	{ "CL_TYPE_HTML", NULL, "html", 0 },
	{ "CL_TYPE_HTML_UTF16", NULL, "html", 0 },
	{ "CL_TYPE_MAIL", NULL, "mail", 0 },
};

static const struct cltype *find(const char *t)
{
	size_t i;
	if (t == NULL || strncmp(t, "CL_TYPE_", 8) != 0)
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t + 8, types[i].cl + 8) == 0)
			return &types[i];
	return NULL;
}

const char *sl_cltype_mime(const char *t)
{
	const struct cltype *c = find(t);
	return c ? c->mime : NULL;
}

const char *sl_cltype_category(const char *t)
{
	const struct cltype *c = find(t);
	return c ? c->category : NULL;
}

int sl_cltype_is_archive(const char *t)
{
	const struct cltype *c = find(t);
	return c != NULL && (c->flags & ARCHIVE) != 0;
}

int sl_cltype_is_document(const char *t)
{
	const struct cltype *c = find(t);
	return c != NULL && (c->flags & DOCUMENT) != 0;
}
