/*
 * msg - the one message model of sluice, for both channels.
 *
 * An sl_msg owns everything of one message: the raw bytes (borrowed or owned),
 * a flat array of parts in tree order (each knows its parent), the URLs found
 * and the findings stages add. It is freed in one place, sl_msg_free().
 *
 * Part ids are IMAP-style: "1", "2.1"; a message/rfc822 part N has children
 * N.1, N.2; files found inside a part that are not MIME parts (uuencode
 * blocks, TNEF attachments, archive members, the messages of an attached
 * message or mailbox) are PARENT/1, PARENT/2...; the body parts of such a
 * message K are PARENT/K.1, PARENT/K.2 (PARENT/K.0 for a multipart body).
 *
 * Stages add findings with sl_msg_add_finding(); they never act. The policy
 * fills in each finding's action and the message's verdict.
 */
#ifndef SL_MSG_H
#define SL_MSG_H

#include <stddef.h>
#include <stdint.h>

enum sl_channel { SL_CHANNEL_EMAIL, SL_CHANNEL_WHATSAPP };

enum sl_verdict { SL_VERDICT_CLEAN, SL_VERDICT_REWRITE, SL_VERDICT_QUARANTINE, SL_VERDICT_REJECT };

enum sl_finding_kind {
	SL_FIND_VIRUS,
	SL_FIND_FILETYPE,
	SL_FIND_FILENAME,
	SL_FIND_URL,
	SL_FIND_STRUCTURE,
	SL_FIND_LIMIT,
	SL_FIND_PAN,
};

enum sl_action {
	SL_ACT_NONE,
	SL_ACT_REMOVE,
	SL_ACT_DEFANG,
	SL_ACT_WRAP,
	SL_ACT_QUARANTINE,
	SL_ACT_REJECT,
};

enum sl_part_origin {
	SL_ORIGIN_MIME,     /* a MIME entity of the message */
	SL_ORIGIN_UUENCODE, /* a uuencoded block inside a text part */
	SL_ORIGIN_TNEF,     /* an attachment inside winmail.dat */
	SL_ORIGIN_ARCHIVE,  /* a file inside a container, as ClamAV unpacked it */
	SL_ORIGIN_FIELD,    /* a text field or media object of a structured message (WhatsApp):
			       no bytes in raw; the channel's rewriter edits or replaces it whole */
	SL_ORIGIN_MAIL,     /* a part of a message or mailbox carried in another part's
			     * decoded content, parsed by the MIME stage */
};

struct sl_part {
	char *id;                 /* "1.2", "3/1" */
	int parent;               /* index in msg->parts, -1 for top */
	enum sl_part_origin origin;
	int depth;                /* MIME nesting depth (0 = top entity) */
	char *declared_type;      /* lower-case "type/subtype" as declared, or NULL */
	char *filename;           /* UTF-8 file name (RFC 2231/2047 decoded), or NULL */
	char *alt_filename;       /* Content-Type name when it differs from filename */
	char **names;             /* other names a reader could show (raw, decoded another
				   * way, comments kept or dropped), judged like filename */
	size_t nnames;
	char *charset;            /* declared charset, or NULL */
	char *encoding;           /* declared Content-Transfer-Encoding, lower-case, or NULL */
	int is_attachment;        /* disposition attachment or has a file name */
	int is_container;         /* multipart or message/rfc822: no bytes of its own */
	int is_body_text;         /* text/plain or text/html meant to be read, not a file */
	char *detected_type;      /* libmagic MIME type */
	char *detected_desc;      /* libmagic description */
	const char *category;     /* filetype category (static string) or NULL */
	int is_text;              /* the content is text (libmagic's built-in tests) */
	unsigned char *data;      /* decoded bytes (owned), NULL for containers */
	size_t data_len;          /* bytes held in data: size, or a head for archive members */
	size_t size;              /* real size of the decoded content */
	char sha256[65];          /* "" until sl_msg_part_sha256() computes it */
	/* Byte ranges in the raw message (MIME parts only; -1 when unknown). */
	int64_t hdr_start;        /* first byte of this entity's header block */
	int64_t body_start;       /* first byte of the (encoded) body */
	int64_t body_end;         /* one past the last byte of the body (a multipart:
				   * of its epilogue, up to the next delimiter) */
	/* uuencode children: the block's range inside the parent's decoded text. */
	size_t span_begin, span_end;
	/* The part's content as UTF-8 text (text and HTML parts, for the URL stages):
	 * text_owned is NULL when text is data itself (UTF-8/ASCII content), else
	 * the converted copy; offsets of URLs refer to text. */
	const char *text;
	size_t text_len;
	char *text_owned;
	char *text_charset;       /* the charset text_owned was converted from (textconv.h) */
	size_t text_bom;          /* bytes of byte-order mark before the converted text */
	char *av_name;            /* ClamAV detection on this part itself, or NULL */
	const char *av_type;      /* MIME type ClamAV's own typing proved (static), or NULL */
	int av_scanned;           /* ClamAV saw these bytes (directly or in the raw scan) */
};

/* Where a URL was found: decides how it can be rewritten. Ranges are in the
 * part's text (sl_part.text) unless said otherwise; "attribute value" means the
 * value as written in the source, with its quotes when it has them. */
enum sl_url_context {
	SL_URLCTX_TEXT,         /* plain text: the URL itself at [offset, offset+length) */
	SL_URLCTX_HREF,         /* HTML/SVG link (a/area href, xlink:href, SVG animate to/values
				   of href): the attribute value */
	SL_URLCTX_FORM,         /* HTML form action, button/input formaction: attribute value */
	SL_URLCTX_SRC,          /* a URL the document loads (src, poster, background, object data,
				   embed src, link href, codebase, cite, manifest, icon, SVG href
				   of anything but a, param value): the attribute value */
	SL_URLCTX_META_REFRESH, /* HTML meta http-equiv=refresh: the content attribute value */
	SL_URLCTX_ATTACHMENT,   /* inside an attachment that cannot be edited in place (PDF /URI:
				   range in sl_part.data; .ics and SVG files: range in text) */
	SL_URLCTX_SRCSET,       /* one URL of a list attribute (srcset/imagesrcset candidate, ping,
				   archive): the URL alone as written, no quotes, no descriptor;
				   disarm with a token holding no blank, comma or quote */
	SL_URLCTX_CSS,          /* CSS in a style attribute, a <style> element or an SVG
				   presentation attribute: url(...) from its name to its ')', or
				   the string of @import "..." / image-set("...") with its quotes;
				   "url()" disarms any of them */
	SL_URLCTX_BASE,         /* <base href>: the attribute value; relative links were
				   resolved against it and are judged on their own */
	SL_URLCTX_SRCDOC,       /* a link inside an iframe srcdoc document: the whole srcdoc
				   attribute value (several URLs share it; "" disarms them all) */
	SL_URLCTX_CALENDAR,     /* a text/calendar body part (iCalendar): the link as written,
				   folds and escapes included (a text URL, a URI or ALTREP
				   value; in X-ALT-DESC HTML an attribute value with its
				   quotes or a CSS url()); a disarmed form must stay inside one
				   value: no CR, LF, ',', ';', '\\', quotes or blanks */
	SL_URLCTX_HEADER,       /* a header field a client displays (Subject, display names):
				   range in msg->raw, the whole field (name to last line, without
				   the line end); rewritten by hdrlinks.h, never by text edits */
};

/* 1 for contexts where the document loads the URL without a click (images,
 * style sheets, frames, base): judged like SRC, a finding only when malicious. */
int sl_url_context_loads(enum sl_url_context c);

enum sl_url_rep { SL_REP_UNKNOWN, SL_REP_CLEAN, SL_REP_SUSPICIOUS, SL_REP_MALICIOUS };

struct sl_url {
	char *url;        /* as found, after entity and transfer decoding (UTF-8) */
	char *normalized; /* as a browser resolves it, or NULL when it does not parse */
	int part;         /* index in msg->parts */
	size_t offset;    /* byte range in the part's text (sl_part.text) to replace */
	size_t length;
	enum sl_url_context context;
	char *shown_as;   /* text shown for it (anchor text), or NULL */
	enum sl_url_rep reputation;
	char *source;     /* which list or heuristic decided, or NULL */
	char *reason;     /* for people, when not clean/unknown */
};

struct sl_finding {
	enum sl_finding_kind kind;
	char *rule;       /* policy key that decides its action, e.g. "executable" */
	int part;         /* index in msg->parts, -1 for the whole message */
	char *detail;     /* for people */
	enum sl_action action;
};

struct sl_msg {
	enum sl_channel channel;
	char *id;                 /* queue id, file name or webhook id: for logs */
	const unsigned char *raw; /* the message as received */
	size_t raw_len;
	unsigned char *raw_owned; /* set when the message owns raw */
	struct sl_part *parts;
	size_t nparts, aparts;
	struct sl_url *urls;
	size_t nurls, aurls;
	struct sl_finding *findings;
	size_t nfindings, afindings;
	enum sl_verdict verdict;
	char *reference;          /* quarantine reference (store.h) once the original is
				   * kept; NULL when it is not (clean, or a dry run). Owned. */
	int incomplete;           /* a stage could not look at everything: never clean */
	int64_t headers_end;      /* end of the top-level header block, -1 unknown */
	int crlf;                 /* the message uses CRLF line ends */
	void *mime_state;         /* the MIME parser's tree (mime.c owns it) */
	void (*mime_state_free)(void *);
};

struct sl_msg *sl_msg_new(enum sl_channel ch, const char *id, const unsigned char *raw, size_t len);
/* Like sl_msg_new but the message takes ownership of raw (malloc'd). */
struct sl_msg *sl_msg_new_take(enum sl_channel ch, const char *id, unsigned char *raw, size_t len);
struct sl_msg *sl_msg_free(struct sl_msg *m); /* returns NULL */

/* Appends a URL found in part at [offset, offset+length) of its text; strings are copied.
 * Returns its index. */
int sl_msg_add_url(struct sl_msg *m, int part, const char *url, size_t offset, size_t length,
		   enum sl_url_context ctx, const char *shown_as);
const char *sl_url_rep_name(enum sl_url_rep r);
/* Sets a URL's reputation, source and reason when rep is worse than what it
 * has; a second suspicious verdict adds its reason and keeps the first source. */
void sl_url_flag(struct sl_url *u, enum sl_url_rep rep, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* sl_url_flag(SL_REP_SUSPICIOUS) with source "heuristic:NAME". */
void sl_url_suspicious(struct sl_url *u, const char *heuristic, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The policy rule of the finding a URL of this reputation and context gets:
 * "url_in_attachment", "url_malicious", "url_suspicious", or NULL when it is
 * neither malicious nor suspicious. */
const char *sl_url_rule(const struct sl_url *u);

/* Appends a part; the message copies strings. Returns its index. */
int sl_msg_add_part(struct sl_msg *m, int parent, const char *id, enum sl_part_origin origin);
/* Adds name to part i's other names unless it is empty or already known
 * (filename, alt_filename, names); copies it. At most SL_PART_MAX_NAMES. */
#define SL_PART_MAX_NAMES 16
void sl_msg_part_add_name(struct sl_msg *m, int i, const char *name);
/* Gives decoded bytes to part i (takes ownership) and sets its size. */
void sl_msg_part_take_data(struct sl_msg *m, int i, unsigned char *data, size_t len);
/* The SHA-256 (hex) of part i's content, computed on first use (most
 * messages never need it: hashing megabytes is not free). "" when only a head
 * of the content is held and the hash was not recorded. */
const char *sl_msg_part_sha256(struct sl_msg *m, int i);
/* Index of part whose id is id, or -1. */
int sl_msg_find_part(const struct sl_msg *m, const char *id);

void sl_msg_add_finding(struct sl_msg *m, enum sl_finding_kind kind, const char *rule, int part,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int sl_msg_has_finding(const struct sl_msg *m, enum sl_finding_kind kind, const char *rule, int part);

/* Index of the MIME entity or message field that contains part i (i itself
 * when it is one): what a removal cuts out or replaces. */
int sl_msg_mime_ancestor(const struct sl_msg *m, int i);

/* The first line of the first text part that has text (a WhatsApp message's
 * "subject"), as it is (escape it before writing it anywhere), or "".
 * Caller frees. */
char *sl_msg_first_line(const struct sl_msg *m);
/* 1 when the message is MIME (e-mail: parsed from raw, raw is scanned);
 * 0 when its front end built the parts (WhatsApp: fields and media). */
int sl_msg_is_mime(const struct sl_msg *m);

const char *sl_verdict_name(enum sl_verdict v);
const char *sl_finding_kind_name(enum sl_finding_kind k);
const char *sl_action_name(enum sl_action a);
int sl_action_parse(const char *s, enum sl_action *out);

#endif
