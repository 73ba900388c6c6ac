/*
 * htmllinks - every URL an HTML or SVG document navigates to or loads, for
 * the URL stage (urls.h says which parts are HTML or SVG). Parsed with gumbo,
 * as a browser parses it.
 *
 * Recorded (context in brackets; the range is the attribute value as written,
 * with its quotes, unless said otherwise):
 *   href of a and area, xlink:href of SVG a, the to/from/values of an SVG
 *   animate or set that changes href [HREF, shown_as = the anchor's visible
 *   text]; form action, button/input formaction [FORM]; src of any element,
 *   poster, background, object data, codebase, cite, longdesc, lowsrc,
 *   dynsrc, manifest, icon, link href, href and xlink:href of any SVG
 *   element but a, the value of a param named movie/src/url/filename/href/
 *   data/source [SRC]; meta http-equiv=refresh content [META_REFRESH];
 *   srcset and imagesrcset candidates, ping and archive list items
 *   [SRCSET: the URL alone]; url(), @import and image-set() in style
 *   attributes, <style> elements and any other attribute holding "url("
 *   [CSS: the url() token or string]; <base href> [BASE]; the links of an
 *   iframe srcdoc document [SRCDOC: the whole srcdoc attribute]; URLs typed
 *   as text outside links (not in script, style, title, textarea) [TEXT: the
 *   source bytes]. Outlook conditional comments (<!--[if mso]>...) are read
 *   as HTML too, since Outlook renders them.
 *
 * Values are entity-decoded and trimmed; empty and "#fragment" values are
 * skipped. Relative references are resolved as a browser resolves them
 * against the first <base href> of the document (urlref.h) and recorded
 * resolved; without a base they are recorded as written (scheme-relative
 * "//host/x" is judged as such by urlnorm).
 *
 * Limits: urls.max_html_depth (an HTML document whose elements would nest
 * deeper is not given to gumbo, whose cost grows with depth times tags: a
 * limit finding, and it is searched as plain text instead); srcdoc documents
 * and conditional comments are read one level deep.
 */
#ifndef SL_HTMLLINKS_H
#define SL_HTMLLINKS_H

#include <stddef.h>

#include "linkscan.h"

/* Records the links of the HTML (or SVG) document s[0, n). */
void sl_html_links(struct sl_linkscan *r, const char *s, size_t n, struct sl_textpos pos);

#endif
