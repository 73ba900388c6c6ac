/*
 * filetype - the type stage: what each part really is, by content, and the
 * file-name tricks around it.
 *
 * For every part with bytes (MIME leaves, extracted files, archive members)
 * libmagic gives the MIME type and description (from the system database
 * plus filetype.magic_files; libmagic's handles are kept per engine, one set
 * per run in progress, and a run that cannot get a set fails with SL_ETEMP);
 * content cues libmagic lacks
 * (OneNote, VHD/VHDX, Mach-O fat, HTA, encoded scripts, VBA in OLE2/OOXML) are
 * checked here. Each part gets a category, and dangerous ones a finding:
 *   filetype/executable  PE, ELF, Mach-O by content
 *   filetype/script      js jse vbs vbe ps1 bat cmd hta wsf scr ... by name or content
 *   filetype/shortcut    lnk, url (by content or name)
 *   filetype/disk_image  iso img vhd vhdx (ISO 9660/UDF by content)
 *   filetype/onenote     .one by its GUID header
 *   filetype/installer   msi and friends
 *   filetype/office_macro  VBA project inside OLE2 or OOXML
 *   filetype/html_attachment  HTML or SVG sent as a file
 *   filetype/unreadable_archive  an archive nobody could open
 *   filename/double_extension, filename/bidi_filename, filename/type_mismatch
 */
#ifndef SL_FILETYPE_H
#define SL_FILETYPE_H

#include "config.h"
#include "msg.h"

struct sl_filetype;

struct sl_filetype *sl_filetype_new(const struct sl_config *cfg, char **why);
struct sl_filetype *sl_filetype_free(struct sl_filetype *ft);
int sl_filetype_run(struct sl_filetype *ft, struct sl_msg *m);

/* How many sets of libmagic handles ft has opened so far (no more than
 * runs were ever in progress at once); for tests. */
unsigned sl_filetype_handle_sets(struct sl_filetype *ft);

/* The category of bytes with a name, or NULL; exposed for tests. */
const char *sl_filetype_category(const char *mime, const char *desc, const unsigned char *p,
				 size_t n, size_t full_size, const char *filename);

#endif
