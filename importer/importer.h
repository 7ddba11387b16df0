/*
 * importer.h -- reading a bureau's published 权责清单 (list of powers and
 * responsibilities) into matters for the catalog.
 *
 * The importer takes the text of one document (as a PDF or web-page converter
 * left it) and returns one matter object per 事项 it found, plus a report: the
 * format it recognized, counts by power type, what it repaired (rows merged
 * across pages, inferred 序号, cells put back in their columns) and every piece
 * of text it could not place, with its line. It never drops a row silently: what
 * does not become (part of) a matter is listed in `unplaced`.
 *
 * It does no I/O. The caller reads the file and passes the bytes; the catalog
 * (importer/catalog.h) is written and read as YAML text too.
 *
 * Formats, told by content (never by the file's name; docs/catalog.md has them all):
 *   a saved web page (html.c), an .xlsx or a .docx (office.c): their tables as
 *            tab-separated rows, merged cells shared down, the text around as lines;
 *   a PDF with a text layer (pdf.c, poppler-glib): tables rebuilt from the
 *            positions of the text; an .xls (xls.c, FreeXL): the first worksheet;
 *   plain text in the shapes a copy gives (shape.c): pipes and Markdown, aligned
 *            by blanks, single blanks, run together, one cell or one field per line,
 *            numbered cards, a header broken mid-row: rewritten line for line into
 *   "table"  tab-separated rows under a header row naming the columns (the words
 *            of importer/headers.txt, more with cf_import_headers_add()); the header
 *            may span two rows and may repeat on every page; a row broken by a page
 *            break continues in a row with an empty 序号 and name; a row without
 *            序号 but with its own name (or 子项) shares the merged cells above; a
 *            row may lack columns (its cells are put back by what they contain);
 *            section headings (一、行政处罚) give the power type of the rows below.
 *   "fields" one field per line, each led by a tab, in the order of a header
 *            given the same way; lines without a tab continue the field above;
 *            a record may lack its 序号 (inferred).
 *   "cards"  one card per matter, lines `N<TAB>label<TAB>value`; a line led by
 *            two tabs continues the value above; labels vary from card to card.
 *   no header at all: rows led by a 序号 and holding a power type.
 * Encoding: UTF-8 (a BOM is skipped); text that is not UTF-8 but decodes cleanly
 * as GB18030 (GBK) is converted; anything else is refused with its offset.
 * Traditional characters are folded to simplified for matching only (OpenCC);
 * a mirror site's pinyin after characters is removed.
 *
 * A matter object (the catalog's record; docs/catalog.md has every key):
 *   id, number, name, sub_item, power_type, power_types, code, agency, unit,
 *   legal_basis {text, citations [{law, articles}]}, responsibilities
 *   [{step, text}], accountability [text], time_limits [{text, amount, unit,
 *   from}], workflows [id], extra {label: text}, source {file, line}.
 */
#ifndef CF_IMPORTER_H
#define CF_IMPORTER_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* Options for one document. Every field may be NULL / 0. */
typedef struct cf_import_opts_s {
    /* Prefix of the ids of matters without an official 地方权力编码: ids are
     * "<prefix>-<序号 zero-padded to 3>". NULL: derived from the source name
     * (its basename without extension, lowercased, [a-z0-9-] only). */
    const char *prefix;
    /* The agency (行使主体) to record for every matter. The document's own value,
     * when different, is kept in the matter's `extra` under its label. NULL: the
     * document's value, else the agency its title names (单位：…, …局权责清单). */
    const char *agency;
} cf_import_opts_t;

/* The result of importing one document. Owned by the caller; release with
 * cf_import_result_free(). */
typedef struct cf_import_result_s {
    json_t *matters;       /* array of matter objects, in document order */
    const char *format;    /* "table", "fields" or "cards" (static string): the reader
                              used, after any rewriting named by `shape` */
    const char *encoding;  /* "UTF-8", "GB18030", "UTF-16LE" or "UTF-16BE" (converted) (static) */
    int declared_count;    /* matters the document says it lists (共17项), 0 if it does not */
    json_t *by_power_type; /* object: normalized power type -> count; a matter whose
                              type is not recognized counts under the type as written */
    cf_errlist_t unplaced; /* text not placed in any matter, conflicts, unknown
                              power types, a count that does not match: each with
                              source and line */
    cf_errlist_t repairs;  /* what was repaired (merged rows, inferred 序号,
                              realigned cells), each with source and line */
    cf_errlist_t explain;  /* how the document was read, in order: the shape and
                              format found, each header (its line, each column's
                              kind), section headings, which line became which
                              matter */
    const char *shape;     /* what was rewritten before reading: "html", "xlsx", "docx",
                              "pdf", "xls",
                              "csv", "quoted tabs", "pipes", "aligned", "spaced", "labeled", ...; NULL
                              if     none (static) */
    size_t unread_lines;   /* lines among the matters (after the first, before the
                              last) that belong to none and are not a title or a
                              heading: a region that could not be read (each also in
                              unplaced); the import is partial. Text before the
                              list and after it (a notice, a site footer) is only
                              reported in unplaced */
} cf_import_result_t;

/* Imports one document.
 *   buf, len  the file's bytes (need not be NUL-terminated)
 *   source    the file name, used in ids (see opts->prefix), `source.file` and
 *             every message; NULL is taken as "input"
 *   opts      may be NULL
 *   out       OUT: filled on success
 * Returns:
 *   0          out holds at least one matter; out->unplaced may still list
 *              problems (the caller decides whether they are fatal).
 *   CF_EPARSE  the input is empty, binary (a NUL byte), neither UTF-8 nor
 *              GB18030, truncated (a last record cut short, or a character cut
 *              in half), has no recognizable header or format, or yields no
 *              matter; err says which, with line (and offset in the text).
 *   CF_EIO     an .xls could not be copied to a temporary file for FreeXL; or the
 *              document module (caseflow-docs.so: the format readers and the
 *              folding, docmod/docmod.h) is missing, err naming where it looked.
 *   CF_ENOMEM  out of memory.
 *   CF_EINVAL  out or buf is NULL, or opts->prefix is not [A-Za-z0-9._-]+.
 * On failure out is left untouched. */
int cf_import_text(const char *buf, size_t len, const char *source, const cf_import_opts_t *opts,
                   cf_import_result_t *out, cf_error_t *err);

/* Releases what a successful cf_import_text() put in r and zeroes it. NULL and an
 * already released result are accepted. */
void cf_import_result_free(cf_import_result_t *r);

/* The id prefix derived from a source name, as cf_import_text() uses it when
 * opts->prefix is NULL: "shared/seeds/000_b75d.txt" -> "000-b75d". A name with no
 * ASCII letter or digit gives "f" + 8 hex digits of its hash. Writes at most
 * size bytes (NUL included) to out and returns out. */
char *cf_import_prefix(const char *source, char *out, size_t size);

/* Adds the header words of a headers file (the format of importer/headers.txt:
 * lines `KIND[ POWERTYPE]: word, word`) to the built-in ones, for every later
 * import in this process; a word given again takes its new kind. text need not
 * be NUL-terminated. Returns 0; CF_EPARSE with err located (source, line) for a
 * line that is not of that form, and then no word of the file is added;
 * CF_EINVAL for a NULL text; CF_ENOMEM. Not safe while another thread imports. */
int cf_import_headers_add(const char *text, size_t len, const char *source, cf_error_t *err);

/* The normalized power types written in `text` ("行政检查和行政处罚" ->
 * ["行政检查", "行政处罚"]; "其他类", "其他行政职权" -> ["其他行政权力"]).
 * Returns a new array, empty when nothing is recognized; NULL on ENOMEM. */
json_t *cf_import_power_types(const char *text);

/* The workflow ids for a normalized power type ("行政处罚" ->
 * ["penalty-general", "penalty-summary"]). Returns a new array, empty for an
 * unknown type; NULL on ENOMEM. */
json_t *cf_import_workflows(const char *power_type);

#endif
