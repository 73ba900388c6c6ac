/*
 * cltype - what ClamAV's layer types tell: the CL_TYPE_* names its
 * file-inspection callback gives every layer it decodes (libclamav types a
 * layer by magic before it scans it).
 *
 * A table, no state. Names it does not know are "nothing proven" (NULL, 0),
 * never an error: the caller types such layers by their bytes.
 *
 *   sl_cltype_mime      the MIME type the type proves, for the type stage to
 *                       reuse instead of asking libmagic again (only where
 *                       the type is unambiguous)
 *   sl_cltype_category  the filetype-style category of the type: executable,
 *                       script, shortcut, installer, archive, disk_image,
 *                       onenote, html, document, mail, or NULL (text, images,
 *                       data)
 *   sl_cltype_is_archive   a container whose every member is a file of its own
 *                          (zip, tar, cab, ...: each member is typed)
 *   sl_cltype_is_document  a document that can embed files (PDF, RTF, OLE2,
 *                          OOXML, ...): an executable inside is "embedded"
 */
#ifndef SL_CLTYPE_H
#define SL_CLTYPE_H

const char *sl_cltype_mime(const char *t);
const char *sl_cltype_category(const char *t);
int sl_cltype_is_archive(const char *t);
int sl_cltype_is_document(const char *t);

#endif
