/*
 * import.c -- cf_import_text(): one document from bytes to matters.
 *
 *   bytes --decode--> UTF-8 text --split--> lines --detect--> format
 *         --read (table.c | fields.c)--> records --infer 序号--> records
 *         --build (matter.c)--> matters (ids unique) + summary
 *
 * Failure is all-or-nothing: a document that cannot be read as a whole (empty,
 * binary, undecodable, truncated, no header, no matter) gives an error and no
 * result, so a caller can never mistake a broken file for a short list. Problems
 * that leave the rest readable (a stray line, a cell that fits no column, a
 * conflicting value in a merged row, an unknown power type) are reported in
 * `unplaced` and the import succeeds; whether those are fatal is the caller's
 * choice (`caseflow import --strict`).
 */
#include "importer-int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *format_name(int fmt)
{
    return fmt == CF__FMT_TABLE ? "table" : fmt == CF__FMT_FIELDS ? "fields" : "cards";
}

/* Exported, documented in importer.h */
char *cf_import_prefix(const char *source, char *out, size_t size)
{
    const char *base = source ? source : "input";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base), o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++) {
        char c = base[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (ok || (o && out[o - 1] != '-'))
            out[o++] = ok ? c : '-';
    }
    while (o && out[o - 1] == '-')
        o--;
    out[o] = '\0';
    if (!o) {
        uint32_t h = 2166136261u;
        for (const char *p = base; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        snprintf(out, size, "f%08x", (unsigned)h);
    }
    return out;
}

/* Exported, documented in importer.h */
void cf_import_result_free(cf_import_result_t *r)
{
    if (!r)
        return;
    json_decref(r->matters);
    json_decref(r->by_power_type);
    cf_errlist_free(&r->unplaced);
    cf_errlist_free(&r->repairs);
    cf_errlist_free(&r->explain);
    memset(r, 0, sizeof(*r));
}

static void doc_free(cf__doc_t *d)
{
    for (size_t i = 0; i < d->records_count; i++)
        cf__record_free(&d->records[i]);
    free(d->records);
    free(d->lines);
    free(d->title);
    free(d->title_agency);
    free(d->unread_lines);
}

/* Makes the matter's id unique among ids (an object used as a set). */
static int unique_id(cf__doc_t *d, json_t *m, json_t *ids)
{
    const char *id = json_string_value(json_object_get(m, "id"));
    char buf[300];
    snprintf(buf, sizeof(buf), "%s", id);
    for (int k = 2; json_object_get(ids, buf); k++)
        snprintf(buf, sizeof(buf), "%s-%d", id, k);
    if (strcmp(buf, id) != 0) {
        int line = (int)json_integer_value(json_object_get(json_object_get(m, "source"), "line"));
        if (cf_errlist_add(d->repairs, d->source, line, 0, "id %s is taken; this matter is %s", id,
                           buf) ||
            json_object_set_new(m, "id", json_string(buf)))
            return CF_ENOMEM;
    }
    return json_object_set_new(ids, buf, json_true()) ? CF_ENOMEM : 0;
}

static int count_types(json_t *by, json_t *m)
{
    json_t *types = json_object_get(m, "power_types");
    const char *pt = json_string_value(json_object_get(m, "power_type"));
    for (size_t i = 0; i <= json_array_size(types); i++) {
        const char *t = i < json_array_size(types) ? json_string_value(json_array_get(types, i))
                        : json_array_size(types)   ? NULL
                        : pt && *pt                ? pt
                                                   : "(none)";
        if (!t)
            continue;
        json_int_t n = json_integer_value(json_object_get(by, t));
        if (json_object_set_new(by, t, json_integer(n + 1)))
            return CF_ENOMEM;
    }
    return 0;
}

/* Reorders the counts: the normalized types in catalog order, then the rest. */
static int canonical_order(json_t **by)
{
    json_t *o = json_object();
    const char *k;
    json_t *v;
    for (int i = 0; o && i < CF__POWER_TYPES; i++)
        if ((v = json_object_get(*by, cf__power_names[i])) != NULL &&
            json_object_set(o, cf__power_names[i], v))
            json_decref(o), o = NULL;
    json_object_foreach(*by, k, v) {
        if (o && !json_object_get(o, k) && json_object_set(o, k, v))
            json_decref(o), o = NULL;
    }
    if (!o)
        return CF_ENOMEM;
    json_decref(*by);
    *by = o;
    return 0;
}

static int explain_matter(cf__doc_t *d, const cf__record_t *r, const json_t *m)
{
    char ex[160];
    const char *pt = json_string_value(json_object_get(m, "power_type"));
    return cf_errlist_add(
        d->explain, d->source, r->line, 0, "matter %s: %s \"%s\" (%s)%s",
        json_string_value(json_object_get(m, "id")), r->number_inferred ? "序号 inferred," : "row",
        cf__excerpt(json_string_value(json_object_get(m, "name")), 24, ex, sizeof(ex)),
        pt && *pt ? pt : "no power type", r->section ? ", from the heading" : "");
}

/* Builds the matters of d into out. */
static int build_all(cf__doc_t *d, const cf_import_opts_t *opts, cf_import_result_t *out)
{
    json_t *ids = json_object();
    int rc = ids ? 0 : CF_ENOMEM;
    for (size_t i = 0; !rc && i < d->records_count; i++) {
        int skip;
        json_t *m = cf__matter_build(d, &d->records[i], opts, &skip);
        if (!m) {
            rc = skip ? 0 : CF_ENOMEM;
            continue;
        }
        rc = unique_id(d, m, ids);
        if (!rc)
            rc = count_types(out->by_power_type, m);
        if (!rc)
            rc = explain_matter(d, &d->records[i], m);
        if (!rc && json_array_append(out->matters, m))
            rc = CF_ENOMEM;
        json_decref(m);
    }
    json_decref(ids);
    if (!rc)
        rc = canonical_order(&out->by_power_type);
    size_t n = json_array_size(out->matters);
    if (!rc && d->declared_count && (size_t)d->declared_count != n)
        rc = cf_errlist_add(d->unplaced, d->source, 0, 0,
                            "the document says it lists %d matters; found %zu", d->declared_count,
                            n);
    return rc;
}

static int read_doc(cf__doc_t *d, int fmt, cf_error_t *err)
{
    int rc = fmt == CF__FMT_TABLE    ? cf__read_table(d, err)
             : fmt == CF__FMT_FIELDS ? cf__read_fields(d, err)
                                     : cf__read_cards(d, err);
    return rc ? rc : cf__doc_infer_numbers(d);
}

static int no_format(const cf__doc_t *d, cf_error_t *err)
{
    for (size_t i = 0; i < d->lines_count; i++) {
        int tabs = 0;
        for (const char *p = d->lines[i].text; *p; p++)
            tabs += *p == '\t';
        if (tabs >= 3)
            return cf_error_set(err, CF_EPARSE, d->source, d->lines[i].no, 0,
                                "a table with no recognizable header: no row names three or more "
                                "columns (序号, 事项名称, 权力类型, 实施依据, 责任事项, ...) "
                                "before or after this first row");
    }
    return cf_error_set(err, CF_EPARSE, d->source, 0, 0,
                        "unrecognized layout: no header row naming the columns (序号, 事项名称, "
                        "权力类型, 实施依据, ...), no field lines led by a tab under such a "
                        "header, and no card lines (N<TAB>label<TAB>value)");
}

/* No header, no format: rows led by a 序号 and holding a power type are read
 * under a header of our own (a fragment of a list); else refused. */
static int headerless(cf__doc_t *d, char **text, cf_import_result_t *res, cf_error_t *err)
{
    cf__sb_t b = {0}; /* the lines again, joined (the split cut the text in place) */
    for (size_t i = 0; i < d->lines_count; i++) {
        cf__sb_adds(&b, d->lines[i].text);
        cf__sb_adds(&b, "\n");
    }
    char *t = cf__sb_take(&b);
    int rows = 0, rc = t ? cf__headerless(&t, &rows) : CF_ENOMEM;
    if (rc || !rows) {
        free(t);
        return rc ? rc : no_format(d, err);
    }
    free(d->lines);
    d->lines = NULL;
    d->lines_count = 0;
    free(*text);
    *text = t;
    rc = cf__split_lines(*text, &d->lines, &d->lines_count);
    d->preset_header = CF__HEADERLESS;
    if (!rc && cf_errlist_add(&res->explain, d->source, 0, 0,
                              "no header: %d row(s) led by a 序号 and holding a power type read "
                              "as 序号, 事项名称, 权力类型, the rest kept under 备注",
                              rows))
        rc = CF_ENOMEM;
    return rc;
}

/* Lines no reader could place that lie among the records: a notice before the
 * list or a site's footer after it is outside the list, not a region of it that
 * could not be read. */
static size_t unread_inside(const cf__doc_t *d)
{
    int first = 0, last = 0;
    for (size_t i = 0; i < d->records_count; i++) {
        int l = d->records[i].line;
        first = !first || l < first ? l : first;
        last = l > last ? l : last;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->unread_count; i++)
        n += d->unread_lines[i] > first && d->unread_lines[i] < last;
    return n;
}

/* What a container no reader takes is, as its error's text (was: "binary file: NUL
 * byte at offset 5", which says nothing of what to do); NULL for anything else. */
static const char *other_container(const char *buf, size_t len)
{
    if (len >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0)
        return "a zip archive that is neither a spreadsheet (.xlsx: xl/worksheets/sheetN.xml) "
               "nor a Word file (.docx: word/document.xml), or is damaged; an OpenDocument list "
               "(.ods, .odt) is read once saved as .xlsx or .docx";
    if (len >= 8 && memcmp(buf, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
        return "an Office 97-2003 file that is neither an .xls workbook nor a Word .doc (a "
               "PowerPoint file, say), or is damaged";
    return NULL;
}

/* A prefix for the matters' ids, when opts give one, must be ASCII letters, digits,
 * '-', '_' or '.': 0, or CF_EINVAL with err set. */
static int check_prefix(const cf_import_opts_t *opts, const char *source, cf_error_t *err)
{
    const char *ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    if (opts && opts->prefix &&
        (!*opts->prefix || strspn(opts->prefix, ascii) != strlen(opts->prefix)))
        return cf_error_set(err, CF_EINVAL, source, 0, 0,
                            "prefix '%s' must be ASCII letters, digits, '-', '_' or '.'",
                            opts->prefix);
    return 0;
}

/* Appends e's sheet and row to its text when its line falls in one of sheets. */
static void locate(const cf__sheets_t *sheets, cf_error_t *e)
{
    const cf__sheet_t *at = NULL;
    for (size_t k = 0; e->line > 0 && k < sheets->items_count; k++)
        if (sheets->items[k].line <= e->line)
            at = &sheets->items[k];
    if (!at || !at->name[0]) /* a sheet whose tab is not known: its row would mislead */
        return;
    size_t n = strlen(e->text);
    snprintf(e->text + n, sizeof(e->text) - n, " (sheet '%s', row %d)", at->name,
             e->line - at->line + 1);
    cf_utf8_clip(e->text);
}

/* Every problem of res, and err when the import failed (rc), that names a line of a
 * workbook's page also names the sheet and the row (a message about "line 37" of the
 * page a workbook's sheets were laid into is no place a handler can find in Excel). */
static void locate_all(const cf__sheets_t *sheets, cf_import_result_t *res, int rc, cf_error_t *err)
{
    cf_errlist_t *lists[] = {&res->unplaced, &res->repairs, &res->explain};
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
        for (size_t i = 0; i < lists[l]->items_count; i++)
            locate(sheets, &lists[l]->items[i]);
    if (rc && err)
        locate(sheets, err);
}

/* A container (a workbook, a Word file, a PDF, a web page) read into tab-separated rows:
 * OUT *page (malloc'd; left NULL for plain text), *kind, the shape its page is named
 * by ("xlsx", "docx", "pdf", "xls" or "html"), and *sheets, where a workbook's (.xls,
 * .xlsx) sheets begin in the page. A container no reader takes is refused (CF_EPARSE, err
 * set), as is what a reader cannot read. */
static int page_of(const char *buf, size_t len, const char *source, char **page, const char **kind,
                   cf__sheets_t *sheets, cf_error_t *err)
{
    int office = cf__office_kind(buf, len), pdf = !office && cf__is_pdf(buf, len);
    int xls = !office && !pdf && cf__is_xls(buf, len);
    int doc = !office && !pdf && !xls && cf__is_doc(buf, len);
    const char *other = office || pdf || xls || doc ? NULL : other_container(buf, len);
    *kind = office == 1   ? "xlsx"
            : office == 2 ? "docx"
            : pdf         ? "pdf"
            : xls         ? "xls"
            : doc         ? "doc"
                          : "html";
    return office                  ? cf__office_text(buf, len, office, source, page, sheets, err)
           : pdf                   ? cf__pdf_text(buf, len, source, page, err)
           : xls                   ? cf__xls_text(buf, len, source, page, sheets, err)
           : doc                   ? cf__doc_text(buf, len, source, page, err)
           : other                 ? cf_error_set(err, CF_EPARSE, source, 0, 0, "%s", other)
           : cf__is_html(buf, len) ? cf__html_text(buf, len, source, page, err)
                                   : 0;
}

/* buf (len bytes) decoded into UTF-8 *text (malloc'd), its pinyin notes removed and its
 * radicals read as ideographs, other shapes rewritten into tab form (OUT *shape:
 * which, or page_kind when the text came from a page of that kind, else NULL), and split
 * into d's lines; the repairs and the shape noted in res. */
static int doc_lines(cf__doc_t *d, const char *buf, size_t len, const char *page_kind, char **text,
                     const char **shape, cf_import_result_t *res, cf_error_t *err)
{
    int rc = cf__decode(buf, len, d->source, text, &res->encoding, err);
    size_t pinyin = !rc ? cf__strip_pinyin(*text) : 0;
    if (pinyin &&
        cf_errlist_add(&res->repairs, d->source, 0, 0,
                       "%zu pinyin note(s) after characters removed (監(jiān) -> 監)", pinyin))
        rc = CF_ENOMEM;
    size_t radicals = !rc ? cf__fold_radicals(*text) : 0;
    if (radicals && cf_errlist_add(&res->repairs, d->source, 0, 0,
                                   "%zu radical(s) or bracket(s) read as the characters they "
                                   "stand for (a PDF's ⼈ -> 人, 〈 -> 〈)",
                                   radicals))
        rc = CF_ENOMEM;
    if (!rc)
        rc = cf__reshape(text, shape);
    if (!rc && page_kind && !*shape)
        *shape = page_kind;
    if (!rc) {
        size_t tl = strlen(*text);
        d->ends_with_newline = tl && ((*text)[tl - 1] == '\n' || (*text)[tl - 1] == '\r');
        rc = cf__split_lines(*text, &d->lines, &d->lines_count);
    }
    if (!rc && *shape)
        rc = cf_errlist_add(&res->explain, d->source, 0, 0,
                            "shape: %s, rewritten into tab form line for line", *shape);
    return rc;
}

/* The format of d's lines (OUT *fmt): detected, or a table under a header of our own
 * (headerless: *text may be replaced), noted in res. */
static int doc_format(cf__doc_t *d, char **text, cf_import_result_t *res, int *fmt, cf_error_t *err)
{
    int rc = 0;
    if ((*fmt = cf__detect(d)) == CF__FMT_NONE)
        rc = headerless(d, text, res, err);
    if (!rc && *fmt == CF__FMT_NONE && d->preset_header)
        *fmt = CF__FMT_TABLE;
    if (!rc)
        rc = cf_errlist_add(&res->explain, d->source, 0, 0, "format: %s (%s)", format_name(*fmt),
                            res->encoding);
    return rc;
}

/* 0 when res has matters; else CF_EPARSE with err saying where the first problem was. */
static int found_any(const cf__doc_t *d, const cf_import_result_t *res, cf_error_t *err)
{
    if (json_array_size(res->matters) != 0)
        return 0;
    if (res->unplaced.items_count) {
        const cf_error_t *first = &res->unplaced.items[0]; /* freed with res: say where */
        return cf_error_set(err, CF_EPARSE, d->source, first->line, 0,
                            "no matters found (%zu records, %zu problems reported; the first, "
                            "line %d: %s)",
                            d->records_count, res->unplaced.items_count, first->line, first->text);
    }
    return cf_error_set(err, CF_EPARSE, d->source, 0, 0, "no matters found (%zu records)",
                        d->records_count);
}

/* Exported, documented in importer.h */
int cf_import_text(const char *buf, size_t len, const char *source, const cf_import_opts_t *opts,
                   cf_import_result_t *out, cf_error_t *err)
{
    if (!buf || !out)
        return cf_error_set(err, CF_EINVAL, source, 0, 0, "no input or no result");
    int rc = check_prefix(opts, source, err);
    if (rc)
        return rc;
    if (cf__readers_need(err) != 0) /* the readers and the folding: caseflow-docs.so */
        return CF_EIO;
    cf__doc_t d;
    cf_import_result_t res;
    memset(&d, 0, sizeof(d));
    memset(&res, 0, sizeof(res));
    d.source = source ? source : "input";
    d.unplaced = &res.unplaced;
    d.repairs = &res.repairs;
    d.explain = &res.explain;
    char *text = NULL, *page = NULL;
    const char *page_kind = NULL, *shape = NULL;
    int fmt = CF__FMT_NONE;
    cf__sheets_t sheets = {NULL, 0};
    rc = page_of(buf, len, d.source, &page, &page_kind, &sheets, err);
    d.sheets = &sheets;
    d.from_pdf = !rc && page && page_kind && strcmp(page_kind, "pdf") == 0;
    if (!rc && page) { /* a web page: its tables as tab-separated rows */
        buf = page;
        len = strlen(page);
    }
    if (!rc)
        rc = doc_lines(&d, buf, len, page ? page_kind : NULL, &text, &shape, &res, err);
    if (!rc)
        rc = doc_format(&d, &text, &res, &fmt, err);
    if (!rc)
        rc = read_doc(&d, fmt, err);
    res.matters = json_array();
    res.by_power_type = json_object();
    if (!rc && (!res.matters || !res.by_power_type))
        rc = CF_ENOMEM;
    if (!rc)
        rc = build_all(&d, opts, &res);
    if (!rc)
        rc = found_any(&d, &res, err);
    if (rc == CF_ENOMEM)
        cf_error_set(err, rc, d.source, 0, 0, "out of memory");
    locate_all(&sheets, &res, rc, err);
    free(sheets.items);
    if (!rc) {
        res.format = format_name(fmt);
        res.declared_count = d.declared_count;
        res.shape = shape;
        res.unread_lines = unread_inside(&d);
        *out = res;
    } else {
        cf_import_result_free(&res);
    }
    doc_free(&d);
    free(text);
    free(page);
    return rc;
}
