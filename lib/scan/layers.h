/*
 * layers - ClamAV's view of a message, used as a second parse.
 *
 * av.c feeds in what libclamav's callbacks show during one scan (every layer
 * it decodes: MIME parts, archive members, files inside documents, its own
 * normalised copies), and sl_layers_digest() turns that into parts and
 * findings of the message:
 *
 *  - A layer with the bytes of one of our parts *is* that part (compared by
 *    bytes, CRLF-insensitive for text; below a part only its own
 *    descendants). The part is marked scanned and gets ClamAV's type; a
 *    name ClamAV reads for it that ours did not, and that makes it a
 *    script, shortcut, disk image, OneNote or installer, is that finding.
 *  - Every other layer (normalised copies aside) is typed by its bytes and
 *    ClamAV's type (sl_filetype_category, sl_cltype_category), whatever
 *    its parent:
 *     . inside a part: every member of an archive, and anything that is a
 *       program, script, shortcut, installer, disk image, OneNote or archive
 *       at any depth, becomes a part of its own (PARENT/N, origin ARCHIVE)
 *       that the type stage judges; a program, script or shortcut whose
 *       nearest container is a document (PDF, RTF, OLE2, OOXML, ...) is a
 *       filetype/embedded_executable finding on the part that holds it;
 *       what a program holds (unpacked sections, resources) is the program's.
 *     . under no part: only ClamAV's parse saw it. A program, script,
 *       shortcut, installer, disk image, OneNote, archive, HTML or document
 *       layer is a structure/unexplained_layer finding (quarantine), unless
 *       it is ClamAV's second copy of a part we have (same bytes) and
 *       harmless.
 *  - A detection goes to the deepest layer that is a part; one on a layer
 *    under no part is structure/unexplained_detection, explained by layer
 *    identity only (never by a detection name elsewhere). A detection in the
 *    raw message's own bytes (the top layer of the whole-message scan) is
 *    left to av.c (sl_layers_top_detection), which explains it by bytes.
 *  - Heuristics.Limits.Exceeded anywhere marks the message incomplete, also
 *    when ClamAV refuses the whole file before it shows a layer (past
 *    clamav.max_filesize or max_scansize): the limit is then on the part
 *    scanned, or on the message.
 *
 * Limits: member parts and the heads kept for them stop at
 * limits.max_extracted_files (a limit finding, message incomplete); a member
 * keeps filetype.magic_bytes of its bytes and its SHA-256.
 * Ownership: struct sl_layers borrows the message; parts it adds belong to
 * the message.
 */
#ifndef SL_LAYERS_H
#define SL_LAYERS_H

#include <stddef.h>

#include "msg.h"

struct sl_layers;

/* One scan's layers: of the raw message (base_part -1) or of part base_part. */
struct sl_layers *sl_layers_new(struct sl_msg *m, int base_part, size_t head_bytes, size_t max_members);
struct sl_layers *sl_layers_free(struct sl_layers *ls);
/* Starts another scan with the same message and the same member budget. */
void sl_layers_reset(struct sl_layers *ls, int base_part);

/* libclamav's callbacks: a layer opens (buf: its bytes, or NULL), the scan of
 * the innermost open layer ends, a detection on the innermost open layer. */
void sl_layers_open(struct sl_layers *ls, const char *type, const char *name, size_t size,
		    const char *buf, unsigned level, unsigned attrs);
void sl_layers_close(struct sl_layers *ls);
void sl_layers_detection(struct sl_layers *ls, const char *virname);
/* A detection libclamav returned that no callback saw: the top layer's. */
void sl_layers_final_detection(struct sl_layers *ls, const char *virname);

/* Parts and findings from what was seen; once per scan. */
void sl_layers_digest(struct sl_layers *ls);
/* A detection in the raw message's own bytes (not in a decoded layer), or NULL. */
const char *sl_layers_top_detection(const struct sl_layers *ls);

/* Adds the finding for a ClamAV detection on part (virus, heuristic,
 * encrypted, macro, limit); shared with av.c. */
void sl_layers_add_detection(struct sl_msg *m, int part, const char *virname);

#endif
