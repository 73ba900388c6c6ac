/*
 * ooxml - the links and external content of Office Open XML (docx, xlsx,
 * pptx and their macro and template forms) and OpenDocument packages.
 *
 * The zip is read with libzip from the central directory, as Office reads
 * it: a well-kept library (on OSS-Fuzz) that inflates as it reads, so that
 * nothing is decompressed past what we ask for, and handles zip64 and data
 * descriptors that a hand-written reader would get wrong. Before libzip
 * builds its table of entries, the end-of-central-directory records are read
 * here (every candidate, zip64 too) so that a zip declaring millions of
 * entries is refused without allocating for them. XML is read with GMarkup
 * (GLib): no DTDs, no external or custom entities, no network.
 *
 * OOXML (a "[Content_Types].xml" member): every .rels member. A
 * Relationship whose Target points outside (a URI scheme, a UNC path, a
 * drive path; with or without TargetMode="External", since the target
 * decides where Office goes, and an external relative target names a file
 * beside the document that an opened attachment does not have) is reported
 * as a link, and when its type is anything but hyperlink (attachedTemplate,
 * oleObject, frame, subDocument, image, externalLinkPath, ...) as
 * office_remote_content: Office loads it when the document opens.
 * The parts directly under word/ (document.xml, headers, footers, notes)
 * are read for fields
 * (w:instrText between fldChar begin and separate, w:fldSimple): HYPERLINK
 * targets are links; INCLUDEPICTURE, INCLUDETEXT, LINK and IMPORT pointing
 * outside are office_remote_content too; DDE and DDEAUTO, which start a
 * program, are office_macro.
 * ODF (content.xml with a manifest or mimetype): content.xml and styles.xml;
 * xlink:href of a link element (text:a, draw:a) is a link, of any other
 * element (draw:image, draw:object, text:section-source, ...) pointing
 * outside the package office_remote_content as well.
 *
 * Limits (struct sl_ooxml_limits, from docs.*): more entries than
 * max_members, a member to read larger than max_xml, or one over 1 MiB that
 * inflates more than max_ratio times: a "limit" item, and the rest is not
 * read. A package we cannot open (or a member we cannot inflate or parse) is
 * "document_unreadable" when the content said it is an Office document
 * (office != 0); a zip that is neither OOXML nor ODF is not ours to judge.
 *
 * Not done: nested fields (the outer instruction is read up to the inner
 * one), Excel DDE formulas, embedded OLE objects and ActiveX controls inside
 * the package (ClamAV's layers), flat ODF XML.
 */
#ifndef SL_OOXML_H
#define SL_OOXML_H

#include <stddef.h>

#include "docs.h"

struct sl_ooxml_limits {
	size_t max_members;
	size_t max_xml;
	unsigned max_ratio;
};

/* Reads the package p[0..n) into r. Returns 1 when it is OOXML or ODF, else 0. */
int sl_ooxml_read(const unsigned char *p, size_t n, const struct sl_ooxml_limits *lim, int office,
		  struct sl_doc_report *r);

#endif
