/*
 * css - the URLs a browser loads from CSS text: a style sheet in <style>, a
 * style attribute, an SVG presentation attribute (fill="url(...)"). Knows
 * nothing of mail or HTML.
 *
 * Found, in the order written:
 *   url(x), url("x"), url('x')   the function name may be written with CSS
 *                                escapes (\75 rl(...)) and in any case, as
 *                                browsers read it
 *   @import "x"                  the string after @import (url() is found
 *                                as above)
 *   image-set("x" 1x, ...)       the strings inside image-set() and
 *                                -webkit-image-set(), which load like url()
 * The URL is given decoded (CSS escapes resolved: \3a becomes ':') and
 * trimmed of white space; empty URLs are not given. Its range [begin, end) is
 * the token to replace to disarm it: for url(...) from the first byte of the
 * function name to its closing ')' (or the end of input when there is none),
 * for a string the string with its quotes. Writing "url()" over the range
 * disarms it in every place it can stand.
 *
 * Comments are skipped; a url() whose unquoted value holds a quote, '(' or a
 * control character is invalid for browsers and not given. Linear in the
 * input; allocates at most the size of the longest URL. The callback returns
 * nonzero to stop.
 */
#ifndef SL_CSS_H
#define SL_CSS_H

#include <stddef.h>

typedef int (*sl_css_url_cb)(void *ctx, const char *url, size_t len, size_t begin, size_t end);

void sl_css_urls(const char *s, size_t n, sl_css_url_cb cb, void *ctx);

/* 0 when CSS text s[0, n) cannot load anything: it holds no "url" and no
 * "image-set" (in any case), no '@' and no '\\' (an escape may spell a name).
 * A quick test before the tokenizer: most style attributes fail it. */
int sl_css_may_load(const char *s, size_t n);

#endif
