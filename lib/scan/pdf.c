/* pdf - see pdf.h. */
#include <glib.h>

#include "pdf.h"

#include <qpdf/qpdf-c.h>
#include <stdlib.h>
#include <string.h>

#include "filetype.h"
#include "textconv.h"
#include "util.h"

#define JS_BENIGN_MAX 65536 /* a longer script is not "only printing" */
#define JS_DEPTH 8          /* nesting of literal arrays and objects in its arguments */
#define WORK_PER_OBJECT 16  /* children looked at per object allowed */

/* How a dictionary was reached: decides when an action in it runs. */
enum ctx {
	C_NONE,   /* an ordinary key */
	C_CLICK,  /* /A, or a mouse or keyboard entry of /AA */
	C_AUTO,   /* /OpenAction, the other /AA entries, /Next of those */
	C_AA,     /* the /AA dictionary itself */
	C_JSTREE, /* the /Names /JavaScript tree: document-level scripts */
};

struct frame {
	qpdf_oh oh;
	enum ctx ctx;
	enum qpdf_object_type_e type; /* ot_array, ot_dictionary or ot_stream */
};

struct walk {
	qpdf_data q;
	struct sl_doc_report *r;
	GHashTable *seen;  /* object id, generation and ctx of indirect objects visited */
	GArray *stack;     /* struct frame */
	size_t visited, work, max_objects;
	char *error;       /* the first error qpdf reported while walking */
	int stop;
};

/* Takes qpdf's pending error into w->error; 1 when there was one. */
static int failed(struct walk *w)
{
	qpdf_error e;
	if (!qpdf_has_error(w->q))
		return 0;
	e = qpdf_get_error(w->q);
	if (w->error == NULL)
		w->error = sl_xstrdup(e != NULL ? qpdf_get_error_full_text(w->q, e) : "unknown error");
	return 1;
}

static qpdf_oh get(struct walk *w, qpdf_oh dict, const char *key)
{
	qpdf_oh v = qpdf_oh_get_key(w->q, dict, key);
	failed(w);
	return v;
}

static char *name_of(struct walk *w, qpdf_oh dict, const char *key)
{
	qpdf_oh v = get(w, dict, key);
	char *s = NULL;
	if (qpdf_oh_is_name(w->q, v))
		s = sl_xstrdup(qpdf_oh_get_name(w->q, v));
	qpdf_oh_release(w->q, v);
	return s;
}

/* The type of v (resolved) when it holds other objects, else ot_null. One
 * call of qpdf's C API, not three: each costs more than the test itself. */
static enum qpdf_object_type_e container_type(struct walk *w, qpdf_oh v)
{
	enum qpdf_object_type_e t = qpdf_oh_get_type_code(w->q, v);
	failed(w);
	return t == ot_array || t == ot_dictionary || t == ot_stream ? t : ot_null;
}

/* Bytes as UTF-8: UTF-16BE with a byte-order mark, UTF-8 as it is, else latin1. */
static char *as_utf8(const char *s, size_t n, size_t *len)
{
	char *u = NULL;
	if (n >= 2 && (unsigned char)s[0] == 0xFE && (unsigned char)s[1] == 0xFF)
		sl_text_to_utf8(s + 2, n - 2, "UTF-16BE", &u, len);
	else if (sl_text_valid_utf8(s, n)) {
		u = sl_xstrndup(s, n);
		*len = n;
	} else
		sl_text_to_utf8(s, n, "ISO-8859-1", &u, len);
	return u;
}

/* A stream's data, decoded (every filter but the lossy image ones); raw when
 * no filter of qpdf applies, since a reader cannot decode it either. A
 * stream that does not decode is reported unreadable: SL_EPARSE. */
static int stream_data(struct walk *w, qpdf_oh st, unsigned char **buf, size_t *n)
{
	QPDF_BOOL filtered = QPDF_FALSE;
	*buf = NULL;
	*n = 0;
	if (qpdf_oh_get_stream_data(w->q, st, qpdf_dl_specialized, &filtered, buf, n) & QPDF_ERRORS) {
		failed(w);
		free(*buf);
		*buf = NULL;
		sl_doc_report_add(w->r, "document_unreadable", "PDF with a stream that cannot be decoded");
		return SL_EPARSE;
	}
	return SL_OK;
}

/* The text of a string, or of a stream decoded, as UTF-8; NULL when v is neither
 * or the stream cannot be decoded (reported). */
static char *text_of(struct walk *w, qpdf_oh v, size_t *len)
{
	*len = 0;
	if (qpdf_oh_is_string(w->q, v)) {
		const char *s = qpdf_oh_get_binary_string_value(w->q, v, len);
		if (failed(w) || s == NULL)
			return NULL;
		return as_utf8(s, *len, len);
	}
	if (qpdf_oh_is_stream(w->q, v)) {
		unsigned char *buf = NULL;
		size_t n = 0;
		char *u;
		if (stream_data(w, v, &buf, &n) != SL_OK)
			return NULL;
		u = as_utf8((const char *)buf, n, len);
		free(buf);
		return u;
	}
	return NULL;
}

/* A URL as found: control bytes as %XX so that it is one C string. */
static void add_link(struct walk *w, const char *s, size_t n)
{
	struct sl_buf b;
	size_t i;
	sl_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			sl_buf_printf(&b, "%%%02X", c);
		else
			sl_buf_add(&b, &s[i], 1);
	}
	if (b.data != NULL && *g_strstrip(b.data) != '\0')
		sl_doc_report_add(w->r, SL_DOC_LINK, "%s", b.data);
	sl_buf_free(&b);
}

/* The file a file specification names: a string, or a dictionary's /UF, /F,
 * /Unix, /DOS or /Mac; *url when the dictionary says /FS /URL. */
static char *filespec(struct walk *w, qpdf_oh fs, int *url)
{
	static const char *const keys[] = { "/UF", "/F", "/Unix", "/DOS", "/Mac", NULL };
	size_t n, i;
	char *t = NULL;

	*url = 0;
	if (qpdf_oh_is_string(w->q, fs))
		return text_of(w, fs, &n);
	if (!qpdf_oh_is_dictionary(w->q, fs))
		return NULL;
	{
		char *kind = name_of(w, fs, "/FS");
		*url = kind != NULL && strcmp(kind, "/URL") == 0;
		free(kind);
	}
	for (i = 0; keys[i] != NULL && t == NULL; i++) {
		qpdf_oh v = get(w, fs, keys[i]);
		if (qpdf_oh_is_string(w->q, v))
			t = text_of(w, v, &n);
		qpdf_oh_release(w->q, v);
	}
	return t;
}

static char *filespec_at(struct walk *w, qpdf_oh dict, const char *key, int *url)
{
	qpdf_oh v = get(w, dict, key);
	char *t = filespec(w, v, url);
	qpdf_oh_release(w->q, v);
	return t;
}

static void launch(struct walk *w, qpdf_oh a, const char *when)
{
	static const char *const others[] = { "/Win", "/Unix", "/Mac", NULL };
	int url = 0;
	char *t = filespec_at(w, a, "/F", &url), *q;
	size_t i;

	for (i = 0; others[i] != NULL && t == NULL; i++) {
		qpdf_oh v = get(w, a, others[i]);
		if (qpdf_oh_is_dictionary(w->q, v)) {
			/* /Win << /F (file) /P (parameters) >> */
			qpdf_oh f = get(w, v, "/F"), p = get(w, v, "/P");
			size_t n;
			char *file = qpdf_oh_is_string(w->q, f) ? text_of(w, f, &n) : NULL;
			char *par = qpdf_oh_is_string(w->q, p) ? text_of(w, p, &n) : NULL;
			if (file != NULL)
				t = par != NULL ? sl_xasprintf("%s %s", file, par) : sl_xstrdup(file);
			free(file);
			free(par);
			qpdf_oh_release(w->q, f);
			qpdf_oh_release(w->q, p);
		} else {
			t = filespec(w, v, &url);
		}
		qpdf_oh_release(w->q, v);
	}
	q = sl_doc_quote(t != NULL ? t : "(no target)");
	sl_doc_report_add(w->r, "pdf_launch", "PDF with a Launch action %s: it opens or runs %s", when, q);
	if (t != NULL && (url || sl_doc_has_scheme(t)))
		add_link(w, t, strlen(t));
	free(q);
	free(t);
}

/* GoToR, GoToE, ImportData, SubmitForm: the file or URL of /F. */
static void target(struct walk *w, qpdf_oh a, const char *s, const char *when)
{
	int url = 0;
	char *t = filespec_at(w, a, "/F", &url);
	if (t == NULL)
		return;
	if (strcmp(s, "/SubmitForm") != 0 && sl_doc_remote(t)) {
		char *q = sl_doc_quote(t);
		sl_doc_report_add(w->r, "pdf_remote_file", "PDF with a %s action %s: it opens the remote file %s",
				  s + 1, when, q);
		free(q);
	}
	if (url || sl_doc_has_scheme(t) || sl_doc_remote(t))
		add_link(w, t, strlen(t));
	free(t);
}

/* http(s) URLs written in a script (app.launchURL("..."), ...). */
static void js_links(struct walk *w, const char *s, size_t n)
{
	size_t i = 0;
	while (i + 7 < n) {
		size_t k = i;
		if (g_ascii_strncasecmp(s + i, "http://", 7) != 0 &&
		    (i + 8 > n || g_ascii_strncasecmp(s + i, "https://", 8) != 0)) {
			i++;
			continue;
		}
		while (k < n && (unsigned char)s[k] > 0x20 && s[k] != 0x7F && strchr("'\"`<>()\\", s[k]) == NULL)
			k++;
		add_link(w, s + i, k - i);
		i = k;
	}
}

static void script(struct walk *w, qpdf_oh js, int autorun)
{
	size_t n;
	char *s = text_of(w, js, &n);
	if (s == NULL) {
		if (autorun)
			sl_doc_report_add(w->r, "pdf_javascript",
					  "PDF with JavaScript that runs when it is opened and cannot be read");
		return;
	}
	if (autorun && !sl_pdf_js_benign(s, n))
		sl_doc_report_add(w->r, "pdf_javascript",
				  "PDF with JavaScript that runs when it is opened (%zu bytes, more than printing "
				  "or formatting fields)", n);
	js_links(w, s, n);
	free(s);
}

static void action(struct walk *w, qpdf_oh a, const char *s, enum ctx ctx)
{
	int autorun = ctx == C_AUTO || ctx == C_JSTREE;
	const char *when = autorun ? "that runs when it is opened" : "on a click";
	qpdf_oh js;

	if (strcmp(s, "/URI") == 0) {
		qpdf_oh v = get(w, a, "/URI");
		size_t n;
		char *u = qpdf_oh_is_string(w->q, v) ? text_of(w, v, &n) : NULL;
		if (u != NULL)
			add_link(w, u, n);
		free(u);
		qpdf_oh_release(w->q, v);
	} else if (strcmp(s, "/Launch") == 0) {
		launch(w, a, when);
	} else if (strcmp(s, "/GoToR") == 0 || strcmp(s, "/GoToE") == 0 || strcmp(s, "/ImportData") == 0 ||
		   strcmp(s, "/SubmitForm") == 0) {
		target(w, a, s, when);
	}
	/* JavaScript actions, and any other action that carries a script (Rendition). */
	js = get(w, a, "/JS");
	if (qpdf_oh_is_string(w->q, js) || qpdf_oh_is_stream(w->q, js))
		script(w, js, autorun);
	qpdf_oh_release(w->q, js);
}

/* What an embedded file of category cat is, for people; NULL when it may stay. */
static const char *dangerous(const char *cat)
{
	static const char *const cats[][2] = {
		{ "executable", "a program" }, { "script", "a script" }, { "shortcut", "a shortcut" },
		{ "installer", "an installer" }, { "disk_image", "a disk image" },
		{ "onenote", "a OneNote notebook" },
	};
	for (size_t i = 0; cat != NULL && i < sizeof(cats) / sizeof(cats[0]); i++)
		if (strcmp(cat, cats[i][0]) == 0)
			return cats[i][1];
	return NULL;
}

/* A file specification with /EF: type each embedded file. */
static void embedded(struct walk *w, qpdf_oh fs)
{
	static const char *const keys[] = { "/F", "/UF", "/DOS", "/Unix", "/Mac", NULL };
	qpdf_oh ef = get(w, fs, "/EF");
	int url, last = -1;
	char *name = filespec(w, fs, &url);
	size_t i;

	for (i = 0; keys[i] != NULL && qpdf_oh_is_dictionary(w->q, ef); i++) {
		qpdf_oh st = get(w, ef, keys[i]);
		unsigned char *buf = NULL;
		size_t n = 0;
		int id = qpdf_oh_get_object_id(w->q, st);
		const char *cat;

		if (!qpdf_oh_is_stream(w->q, st) || (id > 0 && id == last)) {
			qpdf_oh_release(w->q, st);
			continue;
		}
		last = id;
		if (stream_data(w, st, &buf, &n) == SL_OK) {
			cat = dangerous(sl_filetype_category(NULL, NULL, buf, n, n, name));
			if (cat != NULL) {
				char *q = sl_doc_quote(name != NULL ? name : "(no name)");
				sl_doc_report_add(w->r, "embedded_executable",
						  "PDF with an embedded file %s (%zu bytes) that is %s", q, n, cat);
				free(q);
			}
		}
		free(buf);
		qpdf_oh_release(w->q, st);
	}
	qpdf_oh_release(w->q, ef);
	free(name);
}

static enum ctx edge(enum ctx ctx, const char *key)
{
	static const char *const by_hand[] = { "/E", "/X", "/D", "/U", "/Fo", "/Bl", "/K", "/V", NULL };
	size_t i;
	if (ctx == C_AA) {
		for (i = 0; by_hand[i] != NULL; i++)
			if (strcmp(key, by_hand[i]) == 0)
				return C_CLICK;
		return C_AUTO;
	}
	if (strcmp(key, "/OpenAction") == 0)
		return C_AUTO;
	if (strcmp(key, "/AA") == 0)
		return C_AA;
	if (strcmp(key, "/A") == 0)
		return C_CLICK;
	if (strcmp(key, "/Next") == 0)
		return ctx == C_JSTREE ? C_AUTO : ctx;
	if (strcmp(key, "/JavaScript") == 0)
		return C_JSTREE;
	if (ctx == C_JSTREE && (strcmp(key, "/Kids") == 0 || strcmp(key, "/Names") == 0))
		return C_JSTREE;
	return C_NONE;
}

/* Queues v when it is a container, releases it otherwise. */
static void push(struct walk *w, qpdf_oh v, enum ctx ctx)
{
	struct frame f = { v, ctx, ot_null };
	if (++w->work > w->max_objects * WORK_PER_OBJECT && !w->stop) {
		sl_doc_report_add(w->r, "limit", "PDF with more than %zu objects (docs.max_pdf_objects)",
				  w->max_objects);
		w->stop = 1;
	}
	if (w->stop || (f.type = container_type(w, v)) == ot_null) {
		qpdf_oh_release(w->q, v);
		return;
	}
	g_array_append_val(w->stack, f);
}

static void visit(struct walk *w, struct frame f)
{
	qpdf_data q = w->q;
	int id = qpdf_oh_get_object_id(q, f.oh);
	qpdf_oh dict;
	GPtrArray *keys;
	char *s;
	guint i;
	int has_s = 0, has_ef = 0;

	if (id > 0) {
		gint64 k = (gint64)id << 19 | (gint64)(qpdf_oh_get_generation(q, f.oh) & 0xffff) << 3 | f.ctx;
		if (g_hash_table_contains(w->seen, &k))
			return;
		g_hash_table_add(w->seen, g_memdup2(&k, sizeof(k)));
	}
	if (++w->visited > w->max_objects) {
		sl_doc_report_add(w->r, "limit", "PDF with more than %zu objects (docs.max_pdf_objects)",
				  w->max_objects);
		w->stop = 1;
		return;
	}
	if (f.type == ot_array) {
		int n = qpdf_oh_get_array_n_items(q, f.oh);
		for (int k = n - 1; k >= 0 && !w->stop; k--)
			push(w, qpdf_oh_get_array_item(q, f.oh, k), f.ctx);
		failed(w);
		return;
	}
	dict = f.type == ot_stream ? qpdf_oh_get_dict(q, f.oh) : f.oh;
	/* One key iteration at a time in qpdf's C API: take the names first
	 * (qpdf lists the keys whose values are not null, as it answers has_key). */
	keys = g_ptr_array_new_with_free_func(free);
	qpdf_oh_begin_dict_key_iter(q, dict);
	while (qpdf_oh_dict_more_keys(q)) {
		const char *k = qpdf_oh_dict_next_key(q);
		has_s |= strcmp(k, "/S") == 0;
		has_ef |= strcmp(k, "/EF") == 0;
		g_ptr_array_add(keys, sl_xstrdup(k));
	}
	failed(w);
	s = has_s ? name_of(w, dict, "/S") : NULL;
	if (s != NULL)
		action(w, dict, s, f.ctx);
	free(s);
	if (has_ef)
		embedded(w, dict);
	for (i = keys->len; i > 0 && !w->stop; i--) {
		const char *k = g_ptr_array_index(keys, i - 1);
		push(w, get(w, dict, k), edge(f.ctx, k));
	}
	g_ptr_array_free(keys, TRUE);
	if (dict != f.oh)
		qpdf_oh_release(q, dict);
}

/* qpdf turns what goes wrong inside an object stream into a warning and the
 * objects into null: they were not seen, so the document was not read in full. */
static void check_warnings(struct walk *w)
{
	int memory = 0, lost = 0;
	while (qpdf_more_warnings(w->q)) {
		const char *t = qpdf_get_error_full_text(w->q, qpdf_next_warning(w->q));
		if (t == NULL)
			continue;
		if (strstr(t, "bad_alloc") != NULL && !memory++) {
			sl_doc_report_add(w->r, "limit", "PDF that needs more memory than docs.max_parse_memory");
		} else if ((strstr(t, "error decoding stream data") != NULL ||
			    strstr(t, "unfilterable stream") != NULL) && !lost++) {
			char *q = sl_doc_quote(t);
			sl_doc_report_add(w->r, "document_unreadable", "PDF with objects that cannot be decoded: %s", q);
			free(q);
		}
	}
}

static void report_error(struct sl_doc_report *r, const char *text)
{
	char *q;
	if (strstr(text, "bad_alloc") != NULL) {
		sl_doc_report_add(r, "limit", "PDF that needs more memory than docs.max_parse_memory");
		return;
	}
	q = sl_doc_quote(text);
	sl_doc_report_add(r, "document_unreadable", "PDF that cannot be read: %s", q);
	free(q);
}

int sl_pdf_read(const unsigned char *pdf, size_t n, size_t max_objects, struct sl_doc_report *r)
{
	struct walk w = { 0 };

	w.q = qpdf_init();
	w.r = r;
	w.max_objects = max_objects;
	qpdf_silence_errors(w.q);
	qpdf_set_suppress_warnings(w.q, QPDF_TRUE);
	if (qpdf_read_memory(w.q, "document", (const char *)pdf, n, "") & QPDF_ERRORS) {
		qpdf_error e = qpdf_get_error(w.q);
		if (e != NULL && qpdf_get_error_code(w.q, e) == qpdf_e_password)
			sl_doc_report_add(r, "encrypted_archive",
					  "PDF encrypted with a password: its content cannot be checked");
		else
			report_error(r, e != NULL ? qpdf_get_error_full_text(w.q, e) : "unknown error");
		goto out;
	}
	w.seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	w.stack = g_array_new(FALSE, FALSE, sizeof(struct frame));
	push(&w, qpdf_get_trailer(w.q), C_NONE);
	while (w.stack->len > 0) {
		struct frame f = g_array_index(w.stack, struct frame, w.stack->len - 1);
		g_array_set_size(w.stack, w.stack->len - 1);
		if (!w.stop)
			visit(&w, f);
		qpdf_oh_release(w.q, f.oh);
	}
	if (w.error != NULL)
		report_error(r, w.error);
	check_warnings(&w);
	g_array_free(w.stack, TRUE);
	g_hash_table_destroy(w.seen);
out:
	free(w.error);
	qpdf_cleanup(&w.q);
	return SL_OK;
}

/* ---- is a script harmless? ------------------------------------------------ */

struct js {
	const char *p, *e;
};

static void js_space(struct js *j)
{
	while (j->p < j->e) {
		if (g_ascii_isspace(*j->p)) {
			j->p++;
		} else if (j->e - j->p >= 2 && j->p[0] == '/' && j->p[1] == '/') {
			while (j->p < j->e && *j->p != '\n' && *j->p != '\r')
				j->p++;
		} else if (j->e - j->p >= 2 && j->p[0] == '/' && j->p[1] == '*') {
			const char *end = g_strstr_len(j->p + 2, j->e - j->p - 2, "*/");
			j->p = end != NULL ? end + 2 : j->e;
		} else {
			break;
		}
	}
}

static int js_lit(struct js *j, char c)
{
	js_space(j);
	if (j->p < j->e && *j->p == c) {
		j->p++;
		return 1;
	}
	return 0;
}

static int js_ident(struct js *j, char *out, size_t outlen)
{
	size_t n = 0;
	js_space(j);
	if (j->p >= j->e || !(g_ascii_isalpha(*j->p) || *j->p == '_' || *j->p == '$'))
		return 0;
	while (j->p < j->e && (g_ascii_isalnum(*j->p) || *j->p == '_' || *j->p == '$')) {
		if (n + 1 >= outlen)
			return 0;
		out[n++] = *j->p++;
	}
	out[n] = '\0';
	return 1;
}

static int js_value(struct js *j, int depth);

/* value (, value)* then close; an empty list too. */
static int js_list(struct js *j, char close, int depth)
{
	if (js_lit(j, close))
		return 1;
	do {
		if (!js_value(j, depth))
			return 0;
	} while (js_lit(j, ','));
	return js_lit(j, close);
}

static int js_value(struct js *j, int depth)
{
	char id[32];
	js_space(j);
	if (j->p >= j->e || depth > JS_DEPTH)
		return 0;
	if (*j->p == '\'' || *j->p == '"') {
		char q = *j->p++;
		while (j->p < j->e && *j->p != q) {
			if (*j->p == '\n' || *j->p == '\r')
				return 0;
			if (*j->p == '\\' && ++j->p >= j->e)
				return 0;
			j->p++;
		}
		if (j->p >= j->e)
			return 0;
		j->p++;
		return 1;
	}
	if (g_ascii_isdigit(*j->p) || *j->p == '-' || *j->p == '+' || *j->p == '.') {
		j->p++;
		while (j->p < j->e && (g_ascii_isalnum(*j->p) || *j->p == '.'))
			j->p++;
		return 1;
	}
	if (js_lit(j, '['))
		return js_list(j, ']', depth + 1);
	if (js_lit(j, '{')) {
		if (js_lit(j, '}'))
			return 1;
		do {
			js_space(j);
			if (j->p < j->e && (*j->p == '\'' || *j->p == '"')) {
				if (!js_value(j, depth + 1))
					return 0;
			} else if (!js_ident(j, id, sizeof(id))) {
				return 0;
			}
			if (!js_lit(j, ':') || !js_value(j, depth + 1))
				return 0;
		} while (js_lit(j, ','));
		return js_lit(j, '}');
	}
	if (!js_ident(j, id, sizeof(id)))
		return 0;
	if (strcmp(id, "true") == 0 || strcmp(id, "false") == 0 || strcmp(id, "null") == 0)
		return 1;
	/* new Array(...) */
	return strcmp(id, "new") == 0 && js_ident(j, id, sizeof(id)) && strcmp(id, "Array") == 0 &&
	       js_lit(j, '(') && js_list(j, ')', depth + 1);
}

int sl_pdf_js_benign(const char *js, size_t n)
{
	struct js j = { js, js + n };
	char id[64];

	if (n > JS_BENIGN_MAX)
		return 0;
	for (;;) {
		while (js_lit(&j, ';'))
			;
		js_space(&j);
		if (j.p >= j.e)
			return 1;
		if (!js_ident(&j, id, sizeof(id)))
			return 0;
		if (strcmp(id, "this") == 0) {
			if (!js_lit(&j, '.') || !js_ident(&j, id, sizeof(id)) || strcmp(id, "print") != 0)
				return 0;
		} else if (strcmp(id, "print") != 0 &&
			   !(id[0] == 'A' && id[1] == 'F' && g_ascii_isupper(id[2]))) {
			return 0;
		}
		if (!js_lit(&j, '(') || !js_list(&j, ')', 0))
			return 0;
	}
}
