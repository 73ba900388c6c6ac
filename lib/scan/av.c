/* av - see av.h. */
#include <glib.h>

#include "av.h"

#include <clamav.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "layers.h"
#include "util.h"

struct sl_av {
	uint64_t scan_ns;     /* time spent inside libclamav, all threads (for benchmarks) */
	struct cl_engine *engine;
	struct cl_scan_options opts;
	unsigned sigs;
	size_t head_bytes;    /* bytes of an archive member kept for libmagic */
	size_t max_members;
};

/* One scan: the layers it shows go to ls. */
struct scan {
	struct sl_av *av;
	struct sl_msg *m;
	struct sl_layers *ls;   /* NULL: nobody listens (sl_av_scan_buffer, residue scans) */
};

static GOnce cl_once = G_ONCE_INIT;

/* libclamav's own messages go to our log, not to stderr. */
static void on_clamav_msg(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
	char *line = g_strchomp(g_strdup(msg));
	sl_log(severity == CL_MSG_ERROR ? SL_LOG_WARNING : SL_LOG_DEBUG, "libclamav: %s", line);
	g_free(line);
}

static gpointer init_clamav(gpointer unused)
{
	cl_error_t rc = cl_init(CL_INIT_DEFAULT);
	cl_set_clcb_msg(on_clamav_msg);
	return GINT_TO_POINTER(rc == CL_SUCCESS ? 1 : -1);
}

/* Does dir hold any ClamAV database file? (/var/lib/clamav may exist empty.) */
static int has_databases(const char *dir)
{
	static const char *const exts[] = { ".cvd", ".cld", ".cud", ".hdb", ".hsb", ".hdu", ".hsu",
		".mdb", ".msb", ".mdu", ".msu", ".ndb", ".ndu", ".ldb", ".ldu", ".idb", ".cdb", ".cfg",
		".ign", ".ign2", ".fp", ".sfp", ".pdb", ".gdb", ".wdb", ".ftm", ".crb", ".yar", ".yara",
		".cbc", ".pwdb", ".info", NULL };
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int found = 0;
	if (d == NULL)
		return 0;
	while (!found && (name = g_dir_read_name(d)) != NULL) {
		size_t i;
		for (i = 0; exts[i] != NULL; i++)
			if (g_str_has_suffix(name, exts[i]) && strcmp(exts[i], ".info") != 0)
				found = 1;
	}
	g_dir_close(d);
	return found;
}

static cl_error_t on_inspect(int fd, const char *type, const char **ancestors, size_t parent_size,
			     const char *file_name, size_t file_size, const char *buf,
			     uint32_t level, uint32_t attrs, void *ctx)
{
	struct scan *s = ctx;
	if (s != NULL && s->ls != NULL)
		sl_layers_open(s->ls, type, file_name, file_size, buf, level, attrs);
	return CL_CLEAN;
}

static cl_error_t on_post(int fd, int result, const char *virname, void *ctx)
{
	struct scan *s = ctx;
	if (s != NULL && s->ls != NULL)
		sl_layers_close(s->ls);
	return CL_CLEAN; /* do not override */
}

static void on_virus(int fd, const char *virname, void *ctx)
{
	struct scan *s = ctx;
	if (s != NULL && s->ls != NULL)
		sl_layers_detection(s->ls, virname);
}

struct sl_av *sl_av_new(const struct sl_config *cfg, char **why)
{
	struct sl_av *av = sl_xcalloc(1, sizeof(*av));
	char *const *dirs = sl_config_list(cfg, "clamav.database_dirs");
	cl_error_t rc;
	size_t i;
	unsigned heur = 0;

	if (GPOINTER_TO_INT(g_once(&cl_once, init_clamav, NULL)) != 1) {
		*why = sl_xasprintf("libclamav failed to initialise");
		goto fail;
	}
	av->engine = cl_engine_new();
	if (av->engine == NULL) {
		*why = sl_xasprintf("libclamav: cannot create an engine");
		goto fail;
	}
	cl_engine_set_num(av->engine, CL_ENGINE_MAX_SCANSIZE, sl_config_int(cfg, "clamav.max_scansize"));
	cl_engine_set_num(av->engine, CL_ENGINE_MAX_FILESIZE, sl_config_int(cfg, "clamav.max_filesize"));
	cl_engine_set_num(av->engine, CL_ENGINE_MAX_RECURSION, sl_config_int(cfg, "clamav.max_recursion"));
	cl_engine_set_num(av->engine, CL_ENGINE_MAX_FILES, sl_config_int(cfg, "clamav.max_files"));
	cl_engine_set_num(av->engine, CL_ENGINE_MAX_SCANTIME, sl_config_int(cfg, "clamav.max_scantime"));
	cl_engine_set_num(av->engine, CL_ENGINE_DISABLE_CACHE, 1);
	{
		/* Where libclamav writes what it takes apart (each MIME part, each
		 * member): a tmpfs makes its many short-lived files cheap. */
		const char *tmp = sl_config_str(cfg, "clamav.tmp_dir");
		struct stat st;
		if (*tmp != '\0') {
			if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode)) {
				*why = sl_xasprintf("clamav.tmp_dir: %s is not a directory", tmp);
				goto fail;
			}
			if (cl_engine_set_str(av->engine, CL_ENGINE_TMPDIR, tmp) != CL_SUCCESS) {
				*why = sl_xasprintf("clamav.tmp_dir: libclamav refused %s", tmp);
				goto fail;
			}
		}
	}

	for (i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		struct stat st;
		unsigned n = 0;
		if (stat(dirs[i], &st) != 0 || (S_ISDIR(st.st_mode) && !has_databases(dirs[i]))) {
			/* /var/lib/clamav is optional: load it when it holds databases. */
			sl_log(SL_LOG_INFO, "clamav: %s has no databases, skipped", dirs[i]);
			continue;
		}
		rc = cl_load(dirs[i], av->engine, &n, CL_DB_STDOPT);
		if (rc != CL_SUCCESS) {
			*why = sl_xasprintf("clamav.database_dirs: %s: %s", dirs[i], cl_strerror(rc));
			goto fail;
		}
		av->sigs += n;
	}
	if (av->sigs == 0) {
		*why = sl_xasprintf("clamav.database_dirs: no signatures found in any of the directories");
		goto fail;
	}
	rc = cl_engine_compile(av->engine);
	if (rc != CL_SUCCESS) {
		*why = sl_xasprintf("clamav: cannot compile the engine: %s", cl_strerror(rc));
		goto fail;
	}
	cl_engine_set_clcb_file_inspection(av->engine, on_inspect);
	cl_engine_set_clcb_post_scan(av->engine, on_post);
	cl_engine_set_clcb_virus_found(av->engine, on_virus);

	/* Heuristic alerts (encrypted archives, macros) are reported at the layer
	 * that raised them, like signatures, not only at the end of the scan. */
	av->opts.general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS |
			   CL_SCAN_GENERAL_HEURISTIC_PRECEDENCE;
	av->opts.parse = CL_SCAN_PARSE_ARCHIVE | CL_SCAN_PARSE_ELF | CL_SCAN_PARSE_PDF |
			 CL_SCAN_PARSE_SWF | CL_SCAN_PARSE_HWP3 | CL_SCAN_PARSE_XMLDOCS |
			 CL_SCAN_PARSE_MAIL | CL_SCAN_PARSE_OLE2 | CL_SCAN_PARSE_HTML | CL_SCAN_PARSE_PE |
			 CL_SCAN_PARSE_ONENOTE;
	if (sl_config_bool(cfg, "clamav.alert_broken_executables"))
		heur |= CL_SCAN_HEURISTIC_BROKEN;
	if (sl_config_bool(cfg, "clamav.alert_encrypted"))
		heur |= CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE | CL_SCAN_HEURISTIC_ENCRYPTED_DOC;
	if (sl_config_bool(cfg, "clamav.alert_macros"))
		heur |= CL_SCAN_HEURISTIC_MACROS;
	/* A limit that stops ClamAV looking is how sluice learns that part of a
	 * message went unscanned: always asked for (the message is then
	 * incomplete, never delivered as is), whatever clamav.alert_exceeds_max says. */
	if (!sl_config_bool(cfg, "clamav.alert_exceeds_max"))
		sl_log(SL_LOG_WARNING, "clamav.alert_exceeds_max = false is ignored: a message ClamAV "
				       "could not scan in full is never delivered as is");
	heur |= CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	av->opts.heuristic = heur;
	av->head_bytes = (size_t)sl_config_int(cfg, "filetype.magic_bytes");
	av->max_members = (size_t)sl_config_int(cfg, "limits.max_extracted_files");
	return av;
fail:
	sl_av_free(av);
	return NULL;
}

struct sl_av *sl_av_free(struct sl_av *av)
{
	if (av == NULL)
		return NULL;
	if (av->engine != NULL)
		cl_engine_free(av->engine);
	free(av);
	return NULL;
}

uint64_t sl_av_scan_ns(const struct sl_av *av)
{
	return __atomic_load_n(&av->scan_ns, __ATOMIC_RELAXED);
}

unsigned sl_av_signatures(const struct sl_av *av)
{
	return av->sigs;
}

static int do_scan(struct scan *s, const void *p, size_t n, const char *name, const char **virname)
{
	cl_fmap_t *map = cl_fmap_open_memory(p, n);
	const char *vn = NULL;
	unsigned long scanned = 0;
	cl_error_t rc;
	struct timespec t0, t1;

	if (virname != NULL)
		*virname = NULL;
	if (map == NULL)
		return SL_ETEMP;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cl_scanmap_callback(map, name, &vn, &scanned, s->av->engine, &s->av->opts, s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	__atomic_add_fetch(&s->av->scan_ns,
			   (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)),
			   __ATOMIC_RELAXED);
	cl_fmap_close(map);
	if (rc != CL_CLEAN && rc != CL_VIRUS) {
		sl_log(SL_LOG_WARNING, "id=%s clamav: %s", s->m ? s->m->id : "-", cl_strerror(rc));
		return SL_ETEMP;
	}
	if (rc == CL_VIRUS && vn != NULL && s->ls != NULL)
		sl_layers_final_detection(s->ls, vn); /* never dropped */
	if (virname != NULL && rc == CL_VIRUS)
		*virname = vn;
	return SL_OK;
}

int sl_av_scan_buffer(struct sl_av *av, const void *p, size_t n, const char **virname)
{
	cl_fmap_t *map = cl_fmap_open_memory(p, n);
	unsigned long scanned = 0;
	cl_error_t rc;
	*virname = NULL;
	if (map == NULL)
		return SL_ETEMP;
	rc = cl_scanmap_callback(map, NULL, virname, &scanned, av->engine, &av->opts, NULL);
	cl_fmap_close(map);
	if (rc == CL_VIRUS)
		return 1;
	return rc == CL_CLEAN ? 0 : SL_ETEMP;
}

static int is_leaf_with_body(const struct sl_part *p, size_t raw_len)
{
	return p->origin == SL_ORIGIN_MIME && !p->is_container && p->body_start >= 0 &&
	       p->body_end >= p->body_start && (size_t)p->body_end <= raw_len;
}

/* A part whose raw body is not its decoded bytes (base64, quoted-printable...). */
static int is_encoded(const struct sl_part *p)
{
	return p->encoding != NULL && strcmp(p->encoding, "7bit") != 0 && strcmp(p->encoding, "8bit") != 0 &&
	       strcmp(p->encoding, "binary") != 0;
}

/*
 * A detection in the raw message's own bytes (ClamAV matches the message as
 * text before it parses it) says "somewhere in here". It is explained by
 * bytes: the message with the body of every part blanked out must be clean
 * (else the match is outside every part: a preamble, a header, a stretch
 * only ClamAV's parse cuts out), and a part must carry a detection, in its
 * decoded bytes or, for an encoded part, in its raw body (a reader that does
 * not decode it sees those). A detection name seen elsewhere explains nothing.
 */
static int explain_top_detection(struct scan *s, const char *top)
{
	struct sl_msg *m = s->m;
	unsigned char *rest = sl_xmalloc(m->raw_len + 1);
	const char *vn = NULL;
	size_t i, k;
	int rc, carried = 0;

	memcpy(rest, m->raw, m->raw_len);
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		if (!is_leaf_with_body(p, m->raw_len))
			continue;
		for (k = (size_t)p->body_start; k < (size_t)p->body_end; k++)
			if (rest[k] != '\r' && rest[k] != '\n')
				rest[k] = ' ';
	}
	rc = do_scan(s, rest, m->raw_len, m->id, &vn);
	free(rest);
	if (rc != SL_OK)
		return rc;
	if (vn != NULL) {
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1,
				   "the antivirus found %s in the message outside every part our parse found", vn);
		return SL_OK;
	}
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		if (p->av_name == NULL && is_leaf_with_body(p, m->raw_len) && is_encoded(p)) {
			rc = do_scan(s, m->raw + p->body_start, (size_t)(p->body_end - p->body_start), p->filename, &vn);
			if (rc != SL_OK)
				return rc;
			if (vn != NULL) {
				p->av_name = sl_xstrdup(vn);
				sl_msg_add_finding(m, SL_FIND_VIRUS, "virus", (int)i, "virus in the encoded body (%s)", vn);
			}
		}
		carried |= p->av_name != NULL;
	}
	if (!carried)
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1,
				   "the antivirus found %s in the message, and no part our parse found carries it", top);
	return SL_OK;
}

/*
 * The text fields of a message whose front end built its parts (WhatsApp:
 * text.body, captions, names...) are scanned in one pass, one field a line
 * apart: a text message is one ClamAV scan, not one per field (each scan
 * costs ClamAV a temporary directory). Only when that pass detects something
 * are the fields scanned one by one, which names the field that carries it;
 * a match no field holds alone (one that only the joined text shows, across
 * two fields the platform shows apart) is no finding. The fields are marked
 * scanned either way.
 */
static int scan_text_fields(struct scan *s)
{
	struct sl_msg *m = s->m;
	struct scan quiet = *s;
	struct sl_buf b;
	const char *vn = NULL;
	size_t i;
	int rc, n = 0;

	quiet.ls = NULL;
	sl_buf_init(&b, 0);
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		if (p->origin != SL_ORIGIN_FIELD || !p->is_body_text || p->data == NULL || p->av_scanned)
			continue;
		sl_buf_add(&b, p->data, p->size);
		sl_buf_add(&b, "\n", 1);
		n++;
	}
	rc = n > 0 ? do_scan(&quiet, b.data, b.len, m->id, &vn) : SL_OK;
	sl_buf_free(&b);
	if (rc != SL_OK || vn != NULL)
		return rc; /* one by one below, with their layers */
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		if (p->origin == SL_ORIGIN_FIELD && p->is_body_text && p->data != NULL)
			p->av_scanned = 1;
	}
	return SL_OK;
}

int sl_av_run(struct sl_av *av, struct sl_msg *m)
{
	struct scan s = { 0 };
	char *top = NULL;
	size_t i, nparts;
	int rc = SL_OK;

	s.av = av;
	s.m = m;
	s.ls = sl_layers_new(m, -1, av->head_bytes, av->max_members);

	/* A MIME message is scanned whole first: ClamAV's own MIME engine is the
	 * second opinion on our parse. A message whose front end built the parts
	 * (WhatsApp: text fields and downloaded media) has no second encoding of
	 * them to read: each part is scanned on its own below. */
	if (sl_msg_is_mime(m)) {
		rc = do_scan(&s, m->raw, m->raw_len, m->id, NULL);
		if (rc != SL_OK)
			goto out;
		sl_layers_digest(s.ls);
		if (sl_layers_top_detection(s.ls) != NULL)
			top = sl_xstrdup(sl_layers_top_detection(s.ls));
	} else {
		rc = scan_text_fields(&s);
		if (rc != SL_OK)
			goto out;
	}

	/* Leaf parts ClamAV decoded differently (or not at all): scan them now. */
	nparts = m->nparts;
	for (i = 0; i < nparts; i++) {
		struct sl_part *p = &m->parts[i];
		if (p->is_container || p->av_scanned || p->data == NULL || p->origin == SL_ORIGIN_ARCHIVE)
			continue;
		if (sl_msg_is_mime(m))
			sl_log(SL_LOG_DEBUG, "id=%s av: part %s scanned on its own (ClamAV decoded it differently)",
			       m->id, p->id);
		sl_layers_reset(s.ls, (int)i);
		rc = do_scan(&s, p->data, p->size, p->filename, NULL);
		if (rc != SL_OK)
			goto out;
		p->av_scanned = 1;
		sl_layers_digest(s.ls);
	}
	if (top != NULL) {
		struct scan quiet = s;
		quiet.ls = NULL;
		rc = explain_top_detection(&quiet, top);
	}
out:
	free(top);
	sl_layers_free(s.ls);
	return rc;
}
