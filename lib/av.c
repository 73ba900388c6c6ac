/* av - see av.h. */
#include <glib.h>

#include "av.h"

#include <clamav.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

struct sl_av {
	uint64_t scan_ns;     /* time spent inside libclamav, all threads (for benchmarks) */
	struct cl_engine *engine;
	struct cl_scan_options opts;
	unsigned sigs;
	size_t head_bytes;    /* bytes of an archive member kept for libmagic */
	size_t max_members;
};

/* One layer ClamAV showed us during a scan. */
struct layer {
	int parent;       /* index in layers, -1 for the top */
	unsigned level;
	char *type;       /* CL_TYPE_* */
	char *name;
	size_t size;
	unsigned attrs;
	int part;         /* index in msg->parts when mapped, else -1 */
	int member;       /* inside a container that is one of our parts (or a member) */
	char *virname;    /* first detection on this layer itself */
	unsigned char *head;
	size_t head_len;
	char sha256[65];
};

struct scan {
	struct sl_av *av;
	struct sl_msg *m;
	GArray *layers;   /* struct layer */
	GArray *stack;    /* int: open layers */
	int base_part;    /* part the top layer is, or -1 for the raw message */
	int failed;
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

static int is_container_type(const char *t)
{
	static const char *const types[] = {
		"CL_TYPE_ZIP", "CL_TYPE_ZIPSFX", "CL_TYPE_RAR", "CL_TYPE_RARSFX", "CL_TYPE_7Z",
		"CL_TYPE_7ZSFX", "CL_TYPE_ARJ", "CL_TYPE_ARJSFX", "CL_TYPE_MSCAB", "CL_TYPE_CABSFX",
		"CL_TYPE_GZ", "CL_TYPE_BZ", "CL_TYPE_XZ", "CL_TYPE_POSIX_TAR", "CL_TYPE_OLD_TAR",
		"CL_TYPE_CPIO_OLD", "CL_TYPE_CPIO_ODC", "CL_TYPE_CPIO_NEWC", "CL_TYPE_CPIO_CRC",
		"CL_TYPE_ISO9660", "CL_TYPE_UDF", "CL_TYPE_DMG", "CL_TYPE_XAR", "CL_TYPE_EGG",
		"CL_TYPE_EGGSFX", "CL_TYPE_TNEF", "CL_TYPE_MSCHM", "CL_TYPE_ALZ", "CL_TYPE_LHA_LZH",
		"CL_TYPE_AUTOIT", "CL_TYPE_NULSFT", "CL_TYPE_MHTML", "CL_TYPE_GPT", "CL_TYPE_MBR",
		"CL_TYPE_APM", NULL,
	};
	size_t i;
	for (i = 0; types[i] != NULL; i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

/* ClamAV hands text parts over with its own line ends: the same text, as far
 * as signatures go, when the bytes agree but for CRs and trailing newlines. */
static int same_text(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < an && a[i] == '\r')
			i++;
		while (j < bn && b[j] == '\r')
			j++;
		if (i == an || j == bn)
			break;
		if (a[i] != b[j])
			return 0;
		i++, j++;
	}
	for (; i < an; i++)
		if (a[i] != '\r' && a[i] != '\n')
			return 0;
	for (; j < bn; j++)
		if (b[j] != '\r' && b[j] != '\n')
			return 0;
	return 1;
}

static int is_text_part(const struct sl_part *p)
{
	return p->declared_type != NULL && strncmp(p->declared_type, "text/", 5) == 0;
}

/* ClamAV types the bytes it scans by their magic: where its type is
 * unambiguous the type stage need not ask libmagic again. */
static const char *mime_of_cltype(const char *t)
{
	static const struct {
		const char *cl, *mime;
	} map[] = {
		{ "CL_TYPE_PDF", "application/pdf" },
		{ "CL_TYPE_PNG", "image/png" },
		{ "CL_TYPE_JPEG", "image/jpeg" },
		{ "CL_TYPE_GIF", "image/gif" },
		{ "CL_TYPE_TIFF", "image/tiff" },
		{ "CL_TYPE_MSEXE", "application/vnd.microsoft.portable-executable" },
		{ "CL_TYPE_ELF", "application/x-executable" },
		{ "CL_TYPE_MACHO", "application/x-mach-binary" },
		{ "CL_TYPE_MACHO_UNIBIN", "application/x-mach-binary" },
		{ "CL_TYPE_OOXML_WORD", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "CL_TYPE_OOXML_XL", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "CL_TYPE_OOXML_PPT", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ "CL_TYPE_ZIP", "application/zip" },
		{ "CL_TYPE_ISO9660", "application/x-iso9660-image" },
		{ "CL_TYPE_RAR", "application/x-rar" },
		{ "CL_TYPE_7Z", "application/x-7z-compressed" },
		{ "CL_TYPE_GZ", "application/gzip" },
		{ "CL_TYPE_BZ", "application/x-bzip2" },
		{ "CL_TYPE_XZ", "application/x-xz" },
		{ "CL_TYPE_MSCAB", "application/vnd.ms-cab-compressed" },
		{ "CL_TYPE_TNEF", "application/vnd.ms-tnef" },
	};
	size_t i;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(t, map[i].cl) == 0)
			return map[i].mime;
	return NULL;
}

/* Finds the leaf part with exactly these bytes that no layer has claimed yet,
 * under part `under` when it is not -1. */
static int match_part(struct sl_msg *m, const char *buf, size_t size, int under)
{
	size_t i;
	for (i = 0; i < m->nparts; i++) {
		struct sl_part *p = &m->parts[i];
		int text = 0;
		if (p->is_container || p->av_scanned || p->data == NULL || p->origin == SL_ORIGIN_ARCHIVE)
			continue;
		if (p->size != size) {
			/* CRLF text seen with LF: at most one byte more per line, plus a newline. */
			if (!is_text_part(p) || size > p->size + 2 || size + p->size / 2 < p->size)
				continue;
			text = 1;
		}
		if (under >= 0) {
			int a = p->parent;
			while (a >= 0 && a != under)
				a = m->parts[a].parent;
			if (a != under)
				continue;
		}
		if (text ? same_text(p->data, p->size, (const unsigned char *)buf, size)
			 : memcmp(p->data, buf, size) == 0)
			return (int)i;
		if (!text && is_text_part(p) && same_text(p->data, p->size, (const unsigned char *)buf, size))
			return (int)i;
	}
	return -1;
}

static cl_error_t on_inspect(int fd, const char *type, const char **ancestors, size_t parent_size,
			     const char *file_name, size_t file_size, const char *buf,
			     uint32_t level, uint32_t attrs, void *ctx)
{
	struct scan *s = ctx;
	struct layer l = { 0 };

	if (s == NULL)
		return CL_CLEAN;
	/* Close layers the scan has left (post-scan pops them too). */
	while (s->stack->len > 0 &&
	       g_array_index(s->layers, struct layer, g_array_index(s->stack, int, s->stack->len - 1)).level >= level)
		g_array_set_size(s->stack, s->stack->len - 1);
	l.parent = s->stack->len ? g_array_index(s->stack, int, s->stack->len - 1) : -1;
	l.level = level;
	l.type = sl_xstrdup(type ? type : "CL_TYPE_ANY");
	l.name = file_name ? sl_xstrdup(file_name) : NULL;
	l.size = file_size;
	l.attrs = attrs;
	l.part = -1;
	if (level == 0) {
		l.part = s->base_part;
		if (l.part >= 0)
			s->m->parts[l.part].av_type = mime_of_cltype(l.type);
	} else if (buf != NULL) {
		int under = l.parent >= 0 ? g_array_index(s->layers, struct layer, l.parent).part : -1;
		/* A layer with the bytes of one of our parts is that part: compare
		 * bytes (sizes first), no hashing. */
		/* Below a part, only its own descendants: a member of a zip must not
		 * claim a later attachment that happens to hold the same bytes. */
		l.part = match_part(s->m, buf, file_size, under);
		if (l.part >= 0) {
			s->m->parts[l.part].av_scanned = 1;
			s->m->parts[l.part].av_type = mime_of_cltype(l.type);
		} else if (l.parent >= 0) {
			const struct layer *pl = &g_array_index(s->layers, struct layer, l.parent);
			l.member = is_container_type(pl->type) && (pl->part >= 0 || pl->member);
		}
		if (l.member) {
			/* An archive member: keep a head for libmagic and its hash. */
			l.head_len = file_size < s->av->head_bytes ? file_size : s->av->head_bytes;
			l.head = sl_xmalloc(l.head_len + 1);
			memcpy(l.head, buf, l.head_len);
			sl_sha256_hex(buf, file_size, l.sha256);
		}
	}
	g_array_append_val(s->layers, l);
	{
		int idx = (int)s->layers->len - 1;
		g_array_append_val(s->stack, idx);
	}
	return CL_CLEAN;
}

static cl_error_t on_post(int fd, int result, const char *virname, void *ctx)
{
	struct scan *s = ctx;
	if (s != NULL && s->stack->len > 0)
		g_array_set_size(s->stack, s->stack->len - 1);
	return CL_CLEAN; /* do not override */
}

static void on_virus(int fd, const char *virname, void *ctx)
{
	struct scan *s = ctx;
	struct layer *l;
	int idx, a;
	if (s == NULL || s->stack->len == 0)
		return;
	idx = g_array_index(s->stack, int, s->stack->len - 1);
	/* ClamAV repeats a child's detection on each ancestor: keep the deepest. */
	for (a = 0; a < (int)s->layers->len; a++) {
		const struct layer *o = &g_array_index(s->layers, struct layer, a);
		int p;
		if (o->virname == NULL || strcmp(o->virname, virname) != 0)
			continue;
		for (p = o->parent; p >= 0; p = g_array_index(s->layers, struct layer, p).parent)
			if (p == idx)
				return;
	}
	l = &g_array_index(s->layers, struct layer, idx);
	if (l->virname == NULL)
		l->virname = sl_xstrdup(virname);
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
	if (sl_config_bool(cfg, "clamav.alert_exceeds_max"))
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

static void scan_clear(struct scan *s)
{
	guint i;
	for (i = 0; i < s->layers->len; i++) {
		struct layer *l = &g_array_index(s->layers, struct layer, i);
		free(l->type);
		free(l->name);
		free(l->virname);
		free(l->head);
	}
	g_array_set_size(s->layers, 0);
	g_array_set_size(s->stack, 0);
}

static int do_scan(struct scan *s, const void *p, size_t n, const char *name)
{
	cl_fmap_t *map = cl_fmap_open_memory(p, n);
	const char *virname = NULL;
	unsigned long scanned = 0;
	cl_error_t rc;

	struct timespec t0, t1;
	if (map == NULL)
		return SL_ETEMP;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cl_scanmap_callback(map, name, &virname, &scanned, s->av->engine, &s->av->opts, s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	__atomic_add_fetch(&s->av->scan_ns,
			   (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)),
			   __ATOMIC_RELAXED);
	cl_fmap_close(map);
	if (rc != CL_CLEAN && rc != CL_VIRUS) {
		sl_log(SL_LOG_WARNING, "id=%s clamav: %s", s->m ? s->m->id : "-", cl_strerror(rc));
		return SL_ETEMP;
	}
	if (rc == CL_VIRUS && virname != NULL && s->layers->len > 0) {
		/* A detection no callback saw (reported at the end of the scan) belongs
		 * to the top layer: never dropped. */
		guint i;
		int seen = 0;
		/* (ClamAV names only one of several matches here: any detection a
		 * callback saw accounts for it.) */
		for (i = 0; i < s->layers->len && !seen; i++)
			seen = g_array_index(s->layers, struct layer, i).virname != NULL;
		if (!seen) {
			struct layer *top = &g_array_index(s->layers, struct layer, 0);
			if (top->virname == NULL)
				top->virname = sl_xstrdup(virname);
		}
	}
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

static void add_detection(struct sl_msg *m, int part, const char *virname)
{
	const char *rule = "virus";
	enum sl_finding_kind kind = SL_FIND_VIRUS;
	const char *what = "virus";

	if (strncmp(virname, "Heuristics.Encrypted", 20) == 0) {
		kind = SL_FIND_FILETYPE, rule = "encrypted_archive";
		what = "encrypted content that cannot be scanned";
	} else if (strstr(virname, "ContainsMacros") != NULL || strstr(virname, "Macro") != NULL) {
		kind = SL_FIND_FILETYPE, rule = "office_macro", what = "Office document with macros";
	} else if (strncmp(virname, "Heuristics.Limits.Exceeded", 26) == 0) {
		kind = SL_FIND_LIMIT, rule = "limit", what = "antivirus scan limit exceeded";
		m->incomplete = 1; /* part of it went unscanned */
	} else if (strncmp(virname, "Heuristics.", 11) == 0) {
		kind = SL_FIND_VIRUS, rule = "heuristic", what = "antivirus heuristic";
	}
	if (!sl_msg_has_finding(m, kind, rule, part))
		sl_msg_add_finding(m, kind, rule, part, "%s (%s)", what, virname);
}

/* Parts whose contents we unpacked ourselves (TNEF, uuencode) need no
 * second, differently cut view of the same files from ClamAV. */
static int has_own_children(const struct sl_msg *m, int part)
{
	size_t k;
	for (k = 0; k < m->nparts; k++)
		if (m->parts[k].parent == part &&
		    (m->parts[k].origin == SL_ORIGIN_TNEF || m->parts[k].origin == SL_ORIGIN_UUENCODE))
			return 1;
	return 0;
}

/* Turns the layers of one scan into parts and findings. */
static void digest(struct scan *s)
{
	struct sl_msg *m = s->m;
	guint i;
	size_t members = 0;
	int limit_noted = 0;

	for (i = 0; i < s->layers->len; i++) {
		struct layer *l = &g_array_index(s->layers, struct layer, i);
		const struct layer *pl = l->parent >= 0 ? &g_array_index(s->layers, struct layer, l->parent) : NULL;

		if (l->part < 0 && l->member && l->head != NULL && pl != NULL && pl->part >= 0 &&
		    !(l->attrs & LAYER_ATTRIBUTES_NORMALIZED) && !has_own_children(m, pl->part)) {
			/* A member of a container we know: a part of its own. */
			if (members >= s->av->max_members) {
				if (!limit_noted)
					sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", pl->part,
							   "more than %zu files inside attachments (limits.max_extracted_files)",
							   s->av->max_members);
				limit_noted = 1;
				m->incomplete = 1;
			} else {
				struct sl_part *pp;
				size_t nchild = 0, k;
				char *id;
				int idx;
				for (k = 0; k < m->nparts; k++)
					if (m->parts[k].parent == pl->part && m->parts[k].origin != SL_ORIGIN_MIME)
						nchild++;
				id = sl_xasprintf("%s/%zu", m->parts[pl->part].id, nchild + 1);
				idx = sl_msg_add_part(m, pl->part, id, SL_ORIGIN_ARCHIVE);
				free(id);
				pp = &m->parts[idx];
				pp->filename = l->name ? sl_xstrdup(l->name) : NULL;
				pp->is_attachment = 1;
				pp->data = l->head;
				pp->data_len = l->head_len;
				pp->size = l->size;
				pp->av_scanned = 1;
				pp->av_type = mime_of_cltype(l->type);
				l->head = NULL;
				memcpy(pp->sha256, l->sha256, sizeof(pp->sha256));
				members++;
				l->part = idx;
			}
		}
	}
	/* Detections: on the deepest layer that maps to a part. */
	for (i = 0; i < s->layers->len; i++) {
		const struct layer *l = &g_array_index(s->layers, struct layer, i);
		int at = -1, p;
		if (l->virname == NULL)
			continue;
		for (p = (int)i; p >= 0; p = g_array_index(s->layers, struct layer, p).parent) {
			at = g_array_index(s->layers, struct layer, p).part;
			if (at >= 0)
				break;
		}
		if (at >= 0) {
			if (m->parts[at].av_name == NULL)
				m->parts[at].av_name = sl_xstrdup(l->virname);
			add_detection(m, at, l->virname);
		} else {
			/* Only ClamAV's parse saw this; decided after the per-part scans. */
			sl_msg_add_finding(m, SL_FIND_STRUCTURE, "unexplained_detection", -1,
					   "the antivirus found %s where our parse of the message found no part",
					   l->virname);
		}
	}
}

/* Names ClamAV saw below part i tell of VBA macros in OOXML and OLE2 files. */
static void note_macros(struct scan *s)
{
	guint i;
	for (i = 0; i < s->layers->len; i++) {
		const struct layer *l = &g_array_index(s->layers, struct layer, i);
		int p, at = -1;
		const char *base;
		if (l->name == NULL)
			continue;
		base = strrchr(l->name, '/');
		base = base ? base + 1 : l->name;
		if (g_ascii_strcasecmp(base, "vbaProject.bin") != 0 &&
		    g_ascii_strcasecmp(base, "_VBA_PROJECT") != 0 && g_ascii_strcasecmp(base, "vbaData.xml") != 0)
			continue;
		for (p = l->parent; p >= 0; p = g_array_index(s->layers, struct layer, p).parent) {
			at = g_array_index(s->layers, struct layer, p).part;
			if (at >= 0)
				break;
		}
		if (at >= 0 && !sl_msg_has_finding(s->m, SL_FIND_FILETYPE, "office_macro", at))
			sl_msg_add_finding(s->m, SL_FIND_FILETYPE, "office_macro", at,
					   "Office document with macros (%s inside)", base);
	}
}

int sl_av_run(struct sl_av *av, struct sl_msg *m)
{
	struct scan s = { 0 };
	size_t i, nparts;
	int rc = SL_OK;

	s.av = av;
	s.m = m;
	s.layers = g_array_new(FALSE, TRUE, sizeof(struct layer));
	s.stack = g_array_new(FALSE, TRUE, sizeof(int));
	s.base_part = -1;

	rc = do_scan(&s, m->raw, m->raw_len, m->id);
	if (rc != SL_OK)
		goto out;
	digest(&s);
	note_macros(&s);
	scan_clear(&s);

	/* Leaf parts ClamAV decoded differently (or not at all): scan them now. */
	nparts = m->nparts;
	for (i = 0; i < nparts; i++) {
		struct sl_part *p = &m->parts[i];
		if (p->is_container || p->av_scanned || p->data == NULL || p->origin == SL_ORIGIN_ARCHIVE)
			continue;
		s.base_part = (int)i;
		sl_log(SL_LOG_DEBUG, "id=%s av: part %s scanned on its own (ClamAV decoded it differently)",
		       m->id, p->id);
		rc = do_scan(&s, p->data, p->size, p->filename);
		if (rc != SL_OK)
			goto out;
		p->av_scanned = 1;
		digest(&s);
		note_macros(&s);
		scan_clear(&s);
	}
	/* An unexplained detection is explained when a part carries the same name. */
	for (i = 0; i < m->nfindings; i++) {
		struct sl_finding *f = &m->findings[i];
		size_t k;
		if (f->kind != SL_FIND_STRUCTURE || strcmp(f->rule, "unexplained_detection") != 0)
			continue;
		for (k = 0; k < m->nparts; k++) {
			const char *v = m->parts[k].av_name;
			if (v != NULL && strstr(f->detail, v) != NULL) {
				f->kind = SL_FIND_VIRUS;
				free(f->rule);
				f->rule = sl_xstrdup("explained");
				break;
			}
		}
	}
	/* Drop explained duplicates. */
	{
		size_t w = 0;
		for (i = 0; i < m->nfindings; i++) {
			if (strcmp(m->findings[i].rule, "explained") == 0) {
				free(m->findings[i].rule);
				free(m->findings[i].detail);
				continue;
			}
			m->findings[w++] = m->findings[i];
		}
		m->nfindings = w;
	}
out:
	scan_clear(&s);
	g_array_free(s.layers, TRUE);
	g_array_free(s.stack, TRUE);
	return rc;
}
