/*
 * office.c -- spreadsheets (.xlsx) and Word files (.docx): their tables as
 * tab-separated rows, the paragraphs around them as lines, so the table reader
 * reads them like any list.
 *
 * Both are zip archives of XML (Office Open XML). Recognized by content: the
 * bytes start with a zip local header and the archive holds
 * xl/worksheets/sheet*.xml or word/document.xml. libzip opens the archive from
 * memory; libxml2 reads each part (no network, no entities, no DTD: a part with a
 * <!DOCTYPE> is not read, see read_part).
 *
 * xlsx: every worksheet, in the order of their part numbers, one after the other
 * (a blank line between two: the table reader takes a repeated header row as the
 * same table going on). Cells are placed by their reference (`C7`), so an
 * empty cell left out of the XML stays an empty cell; text comes from the shared
 * strings (`t="s"`), inline strings or the value itself. A merged range
 * (`<mergeCell ref="A3:A5"/>`) shares its top-left value down its rows (cells
 * merged across rows belong to each row) and leaves the columns to its right
 * empty (a title across the table stays one cell).
 * docx: the body's paragraphs and tables in order. A table cell spanning
 * columns (`gridSpan`) leaves the columns after it empty; one continuing a
 * vertical merge (`vMerge` without "restart") takes the text of the cell above.
 * A cell's paragraphs are joined with <p> marks the cell cleaner turns into
 * line breaks.
 *
 * Rejected: converting with LibreOffice (far too heavy for a library call and
 * for CI) and reading the XML with a scanner of our own (namespaces, entities
 * and CDATA make that fragile). Cost: sheets are taken in the order of their part
 * numbers, not of the workbook's tabs (they differ only when tabs were moved), and
 * hidden sheets are read too. Line numbers in messages are those of the rewritten
 * text, a sheet's row R its line R (rows are placed by reference, empty ones kept),
 * so the caller adds the sheet's name (its tab, from xl/workbook.xml through
 * xl/_rels/workbook.xml.rels) and row from where each sheet begins (cf__sheets_t).
 */
#include "importer-int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define MAXCOLS 64
#define MAXROWS 100000
#define MAXPART (64u << 20) /* a part larger than this is not read */

/* ---- archive ---- */

static zip_t *open_zip(const char *buf, size_t len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z && src)
        zip_source_free(src);
    zip_error_fini(&ze);
    return z;
}

/* The part's XML, parsed; NULL if absent, unreadable, or declaring a DTD. Office
 * Open XML parts never carry a <!DOCTYPE> (ECMA-376 Part 2 forbids DTDs), so one that
 * does is hostile: its entities, nested ("billion laughs"), would expand without bound
 * when the text is read (xmlNodeGetContent walks entity references; XML_PARSE_HUGE,
 * kept for large sheets, turns off libxml2's own amplification check), and an
 * external one would read a file (XXE). Entities are never substituted
 * (no XML_PARSE_NOENT) nor DTDs loaded (no XML_PARSE_DTDLOAD), and never from the
 * network (XML_PARSE_NONET). */
static xmlDocPtr read_part(zip_t *z, const char *name)
{
    zip_stat_t st;
    if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > MAXPART)
        return NULL;
    zip_file_t *f = zip_fopen(z, name, 0);
    char *data = f ? malloc(st.size + 1) : NULL;
    zip_int64_t got = data ? zip_fread(f, data, st.size) : -1;
    if (f)
        zip_fclose(f);
    xmlDocPtr doc = NULL;
    if (got == (zip_int64_t)st.size)
        doc = xmlReadMemory(data, (int)st.size, name, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_HUGE);
    free(data);
    if (doc && (doc->intSubset || doc->extSubset)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

static int named(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

/* Text of every <t> under n (w:t in Word, t in Excel), in order. */
static void texts(const xmlNode *n, cf__sb_t *b)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (named(c, "t")) {
            xmlChar *s = xmlNodeGetContent(c);
            if (s)
                for (const char *p = (const char *)s; *p; p++)
                    cf__sb_adds(b, *p == '\n'                 ? "<p>"
                                   : *p == '\t' || *p == '\r' ? " "
                                                              : (char[]){*p, 0});
            xmlFree(s);
        } else if (named(c, "tab")) {
            cf__sb_adds(b, " ");
        } else if (named(c, "br")) {
            cf__sb_adds(b, "<p>");
        } else if (!named(c, "rPh") && !named(c, "tbl")) { /* rPh: phonetic hints */
            texts(c, b);
        }
    }
}

/* ---- the grid both formats fill ---- */

typedef struct grid_s {
    char **cells; /* rows x MAXCOLS */
    size_t rows;
} grid_t;

static char **cell(grid_t *g, size_t r, size_t c)
{
    if (r >= MAXROWS || c >= MAXCOLS)
        return NULL;
    if (r >= g->rows) {
        size_t n = r + 64;
        char **x = realloc(g->cells, n * MAXCOLS * sizeof(char *));
        if (!x)
            return NULL;
        memset(x + g->rows * MAXCOLS, 0, (n - g->rows) * MAXCOLS * sizeof(char *));
        g->cells = x;
        g->rows = n;
    }
    return &g->cells[r * MAXCOLS + c];
}

static int set_cell(grid_t *g, size_t r, size_t c, const char *text)
{
    char **slot = cell(g, r, c);
    if (!slot)
        return r >= MAXROWS || c >= MAXCOLS ? 0 : CF_ENOMEM;
    char *t = strdup(text);
    if (!t)
        return CF_ENOMEM;
    free(*slot);
    *slot = t;
    return 0;
}

/* Rows [from, to) as tab-separated lines. */
static void emit(const grid_t *g, size_t from, size_t to, cf__sb_t *out)
{
    for (size_t r = from; r < to && r < g->rows; r++) {
        size_t last = 0;
        for (size_t c = 0; c < MAXCOLS; c++)
            if (g->cells[r * MAXCOLS + c])
                last = c + 1;
        for (size_t c = 0; c < last; c++) {
            const char *s = g->cells[r * MAXCOLS + c];
            cf__sb_adds(out, c ? "\t" : "");
            cf__sb_adds(out, s ? s : "");
        }
        cf__sb_adds(out, "\n");
    }
}

static void grid_free(grid_t *g)
{
    for (size_t i = 0; i < g->rows * MAXCOLS; i++)
        free(g->cells[i]);
    free(g->cells);
    memset(g, 0, sizeof(*g));
}

/* ---- xlsx ---- */

/* "AB12" -> column 27 (0-based), row 11; returns 0 if not a reference. */
static int ref(const char *s, size_t *row, size_t *col)
{
    size_t c = 0, r = 0;
    const char *p = s;
    for (; *p >= 'A' && *p <= 'Z'; p++)
        c = c * 26 + (size_t)(*p - 'A' + 1);
    for (; *p >= '0' && *p <= '9'; p++)
        r = r * 10 + (size_t)(*p - '0');
    if (!c || !r || *p)
        return 0;
    *row = r - 1;
    *col = c - 1;
    return 1;
}

static char **shared_strings(zip_t *z, size_t *n)
{
    *n = 0;
    xmlDocPtr doc = read_part(z, "xl/sharedStrings.xml");
    if (!doc)
        return NULL;
    size_t cap = 0;
    char **out = NULL;
    for (xmlNode *si = xmlDocGetRootElement(doc)->children; si; si = si->next) {
        if (!named(si, "si"))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            char **x = realloc(out, cap * sizeof(char *));
            if (!x)
                break;
            out = x;
        }
        cf__sb_t b = {0};
        texts(si, &b);
        out[(*n)++] = cf__sb_take(&b);
    }
    xmlFreeDoc(doc);
    return out;
}

static int sheet_cell(grid_t *g, const xmlNode *c, char **strings, size_t nstrings)
{
    xmlChar *r = xmlGetProp(c, (const xmlChar *)"r"), *t = xmlGetProp(c, (const xmlChar *)"t");
    size_t row, col;
    int rc = 0;
    if (r && ref((const char *)r, &row, &col)) {
        cf__sb_t b = {0};
        for (const xmlNode *v = c->children; v; v = v->next) {
            if (named(v, "is")) {
                texts(v, &b);
            } else if (named(v, "v")) {
                xmlChar *s = xmlNodeGetContent(v);
                if (s && t && !strcmp((const char *)t, "s")) {
                    size_t k = (size_t)strtoul((const char *)s, NULL, 10);
                    cf__sb_adds(&b, k < nstrings && strings[k] ? strings[k] : "");
                } else if (s) {
                    cf__sb_adds(&b, (const char *)s);
                }
                xmlFree(s);
            }
        }
        char *text = cf__sb_take(&b);
        rc = text ? set_cell(g, row, col, text) : CF_ENOMEM;
        free(text);
    }
    xmlFree(r);
    xmlFree(t);
    return rc;
}

/* <mergeCell ref="A3:B5">: the top-left value down the rows; columns to its
 * right left empty (but present). */
static int merge(grid_t *g, const char *range)
{
    char a[32], b[32];
    const char *colon = strchr(range, ':');
    size_t r0, c0, r1, c1;
    if (!colon || (size_t)(colon - range) >= sizeof(a) || strlen(colon + 1) >= sizeof(b))
        return 0;
    memcpy(a, range, (size_t)(colon - range));
    a[colon - range] = '\0';
    strcpy(b, colon + 1);
    if (!ref(a, &r0, &c0) || !ref(b, &r1, &c1) || r1 < r0 || c1 < c0 || r1 - r0 > 5000)
        return 0;
    char **top = cell(g, r0, c0);
    const char *v = top && *top ? *top : "";
    char *copy = strdup(v);
    int rc = copy ? 0 : CF_ENOMEM;
    for (size_t r = r0; !rc && r <= r1; r++)
        for (size_t c = c0; !rc && c <= c1 && c < MAXCOLS; c++)
            if (r != r0 || c != c0)
                rc = set_cell(g, r, c, c == c0 ? copy : "");
    free(copy);
    return rc;
}

/* One worksheet, the part name, as tab-separated rows appended to out: 0, CF_EPARSE
 * when the part cannot be read, CF_ENOMEM. */
static int read_sheet(zip_t *z, const char *name, char **strings, size_t nstrings, cf__sb_t *out)
{
    xmlDocPtr doc = read_part(z, name);
    grid_t g = {0};
    int rc = doc ? 0 : CF_EPARSE;
    for (xmlNode *n = doc ? xmlDocGetRootElement(doc)->children : NULL; !rc && n; n = n->next) {
        if (named(n, "sheetData")) {
            for (xmlNode *row = n->children; !rc && row; row = row->next)
                for (xmlNode *c = named(row, "row") ? row->children : NULL; !rc && c; c = c->next)
                    if (named(c, "c"))
                        rc = sheet_cell(&g, c, strings, nstrings);
        } else if (named(n, "mergeCells")) {
            for (xmlNode *m = n->children; !rc && m; m = m->next) {
                xmlChar *r = named(m, "mergeCell") ? xmlGetProp(m, (const xmlChar *)"ref") : NULL;
                if (r)
                    rc = merge(&g, (const char *)r);
                xmlFree(r);
            }
        }
    }
    if (!rc)
        emit(&g, 0, g.rows, out);
    grid_free(&g);
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}

/* N of a part named xl/worksheets/sheetN.xml, or 0 for any other name. */
static unsigned long sheet_number(const char *name)
{
    static const char pre[] = "xl/worksheets/sheet";
    char *end;
    if (!name || strncmp(name, pre, sizeof(pre) - 1) != 0 || name[sizeof(pre) - 1] < '0' ||
        name[sizeof(pre) - 1] > '9')
        return 0;
    unsigned long n = strtoul(name + sizeof(pre) - 1, &end, 10);
    return strcmp(end, ".xml") == 0 ? n : 0;
}

/* The value of n's attribute local (in any namespace: r:id is transitional's or
 * strict's relationships namespace), or NULL; xmlFree it. */
static xmlChar *attr(const xmlNode *n, const char *local)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (!strcmp((const char *)a->name, local))
            return xmlNodeGetContent((const xmlNode *)a);
    return NULL;
}

/* The name on the tab of the worksheet part: the <Relationship> of rels whose Target
 * (relative to xl/ unless it starts with '/') is part gives the r:id of the <sheet>
 * of book naming it. Into name (size bytes, cut at a whole character); "" when not
 * found (no workbook.xml, no relationships). */
static void tab_name(xmlDocPtr book, xmlDocPtr rels, const char *part, char *name, size_t size)
{
    xmlChar *id = NULL;
    name[0] = '\0';
    for (xmlNode *r = rels ? xmlDocGetRootElement(rels)->children : NULL; r && !id; r = r->next) {
        xmlChar *target = named(r, "Relationship") ? attr(r, "Target") : NULL;
        const char *t = (const char *)target;
        if (t &&
            (t[0] == '/' ? !strcmp(t + 1, part) : !strncmp(part, "xl/", 3) && !strcmp(t, part + 3)))
            id = attr(r, "Id");
        xmlFree(target);
    }
    xmlNode *root = id && book ? xmlDocGetRootElement(book) : NULL,
            *sheets = root ? root->children : NULL;
    while (sheets && !named(sheets, "sheets"))
        sheets = sheets->next;
    for (xmlNode *sh = sheets ? sheets->children : NULL; sh && !name[0]; sh = sh->next) {
        xmlChar *rid = named(sh, "sheet") ? attr(sh, "id") : NULL, *tab = NULL;
        if (rid && !strcmp((const char *)rid, (const char *)id) && (tab = attr(sh, "name"))) {
            cf__u8_copy(name, size, (const char *)tab);
        }
        xmlFree(rid);
        xmlFree(tab);
    }
    xmlFree(id);
}

typedef struct sheet_ref_s {
    unsigned long number;
    zip_uint64_t index;
} sheet_ref_t;

static int by_number(const void *a, const void *b)
{
    unsigned long x = ((const sheet_ref_t *)a)->number, y = ((const sheet_ref_t *)b)->number;
    return x < y ? -1 : x > y;
}

/* Every worksheet, in the order of their part numbers (sheet1.xml, sheet2.xml, ...: a
 * list kept one sheet per power type is read whole), a blank line between two. Any
 * sheet that cannot be read fails the whole file (nothing half-read), and so do sheets
 * inflating past MAXPART together (one part's limit must not be multiplied by the
 * number of parts). OUT why (size bytes): the reason, for CF_EPARSE, naming the sheet;
 * *sheets (may be NULL): where each sheet begins in out, and its tab's name. */
static int read_xlsx(zip_t *z, cf__sb_t *out, cf__sheets_t *sheets, char *why, size_t size)
{
    size_t nstrings, count = 0, total = 0;
    zip_int64_t entries = zip_get_num_entries(z, 0);
    sheet_ref_t *refs = entries > 0 ? calloc((size_t)entries, sizeof(*refs)) : NULL;
    for (zip_int64_t i = 0; refs && i < entries; i++) {
        unsigned long n = sheet_number(zip_get_name(z, (zip_uint64_t)i, 0));
        if (n)
            refs[count++] = (sheet_ref_t){n, (zip_uint64_t)i};
    }
    if (entries > 0 && !refs)
        return CF_ENOMEM;
    qsort(refs, count, sizeof(*refs), by_number);
    char **strings = shared_strings(z, &nstrings);
    int rc = count ? 0 : CF_EPARSE, line = 1;
    xmlDocPtr book = sheets ? read_part(z, "xl/workbook.xml") : NULL;
    xmlDocPtr rels = sheets ? read_part(z, "xl/_rels/workbook.xml.rels") : NULL;
    if (sheets && count && !(sheets->items = calloc(count, sizeof(*sheets->items))))
        rc = CF_ENOMEM;
    for (size_t i = 0; !rc && i < count; i++) {
        zip_stat_t st;
        if (zip_stat_index(z, refs[i].index, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
            total += st.size;
        const char *name = zip_get_name(z, refs[i].index, 0);
        if (total > MAXPART) {
            snprintf(why, size,
                     "a spreadsheet whose worksheets inflate past 64 MiB together "
                     "(at %s)",
                     name);
            rc = CF_EPARSE;
            break;
        }
        if (i)
            cf__sb_adds(out, "\n"), line++;
        if (sheets) {
            cf__sheet_t *sh = &sheets->items[sheets->items_count++];
            sh->line = line;
            tab_name(book, rels, name, sh->name, sizeof(sh->name));
        }
        size_t before = out->len;
        rc = read_sheet(z, name, strings, nstrings, out);
        for (size_t k = before; k < out->len; k++)
            line += out->s[k] == '\n';
        if (rc == CF_EPARSE)
            snprintf(why, size,
                     "worksheet %s cannot be read (larger than 64 MiB, not XML, or "
                     "declaring a DTD, <!DOCTYPE>, which is not read)",
                     name);
    }
    for (size_t i = 0; i < nstrings; i++)
        free(strings[i]);
    free(strings);
    free(refs);
    if (book)
        xmlFreeDoc(book);
    if (rels)
        xmlFreeDoc(rels);
    return rc;
}

/* ---- docx ---- */

static long attr_long(const xmlNode *n, const char *child, long dflt, int *present)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (named(c, child)) {
            if (present)
                *present = 1;
            xmlChar *v = xmlGetProp(c, (const xmlChar *)"val");
            long x = v ? strtol((const char *)v, NULL, 10) : dflt;
            if (v && !strcmp((const char *)v, "restart"))
                x = 1;
            xmlFree(v);
            return x;
        }
    return dflt;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

/* One <w:tc>: its paragraphs joined with <p>; OUT *span, *continues. */
static char *tc_text(const xmlNode *tc, long *span, int *continues)
{
    const xmlNode *pr = child(tc, "tcPr");
    *span = pr ? attr_long(pr, "gridSpan", 1, NULL) : 1;
    int vm = 0;
    long restart = pr ? attr_long(pr, "vMerge", 0, &vm) : 0;
    *continues = vm && restart != 1;
    cf__sb_t b = {0};
    int first = 1;
    for (const xmlNode *p = tc->children; p; p = p->next) {
        if (!named(p, "p") && !named(p, "tbl"))
            continue;
        if (!first)
            cf__sb_adds(&b, "<p>");
        texts(p, &b);
        first = 0;
    }
    return cf__sb_take(&b);
}

static int docx_table(const xmlNode *tbl, cf__sb_t *out)
{
    grid_t g = {0};
    size_t r = 0;
    int rc = 0;
    for (const xmlNode *tr = tbl->children; !rc && tr; tr = tr->next) {
        if (!named(tr, "tr"))
            continue;
        size_t c = 0;
        for (const xmlNode *tc = tr->children; !rc && tc; tc = tc->next) {
            if (!named(tc, "tc"))
                continue;
            long span;
            int cont;
            char *t = tc_text(tc, &span, &cont), *up = NULL;
            char **above = cont && r ? cell(&g, r - 1, c) : NULL;
            if (above && *above && !(up = strdup(*above))) /* copied: the grid may move */
                rc = CF_ENOMEM;
            if (!rc && !t)
                rc = CF_ENOMEM;
            else if (!rc)
                rc = set_cell(&g, r, c, up ? up : t);
            free(up);
            for (long k = 1; !rc && k < span && k < MAXCOLS; k++)
                rc = set_cell(&g, r, c + (size_t)k, "");
            c += span > 0 ? (size_t)span : 1;
            free(t);
        }
        r++;
    }
    if (!rc)
        emit(&g, 0, r, out);
    grid_free(&g);
    return rc;
}

/* A paragraph of the body as lines: its breaks (<w:br/>, a page's <w:br
 * w:type="page"/> between two tables of a list) are ends of lines here, not the
 * <p> marks of a cell, which outside a table were a line of text "<p>" reported
 * as unread. */
static int body_paragraph(const xmlNode *p, cf__sb_t *out)
{
    cf__sb_t b = {0};
    texts(p, &b);
    char *t = cf__sb_take(&b);
    if (!t)
        return CF_ENOMEM;
    for (const char *q = t; *q;) {
        if (strncmp(q, "<p>", 3) == 0) {
            cf__sb_adds(out, "\n");
            q += 3;
        } else {
            cf__sb_add(out, q++, 1);
        }
    }
    free(t);
    cf__sb_adds(out, "\n");
    return 0;
}

static int read_docx(zip_t *z, cf__sb_t *out)
{
    xmlDocPtr doc = read_part(z, "word/document.xml");
    if (!doc)
        return CF_EPARSE;
    const xmlNode *body = child(xmlDocGetRootElement(doc), "body");
    int rc = 0;
    for (const xmlNode *n = body ? body->children : NULL; !rc && n; n = n->next) {
        if (named(n, "tbl")) {
            rc = docx_table(n, out);
        } else if (named(n, "p")) {
            rc = body_paragraph(n, out);
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

/* ---- entry ---- */

/* Exported, documented in importer-int.h */
int cf__office_kind(const char *buf, size_t len)
{
    if (len < 30 || memcmp(buf, "PK\x03\x04", 4) != 0)
        return 0;
    zip_t *z = open_zip(buf, len);
    if (!z)
        return 0;
    int kind = zip_name_locate(z, "word/document.xml", 0) >= 0 ? 2 : 0;
    for (zip_int64_t i = 0; !kind && i < zip_get_num_entries(z, 0); i++) {
        const char *n = zip_get_name(z, (zip_uint64_t)i, 0);
        if (n && !strncmp(n, "xl/worksheets/sheet", 19))
            kind = 1;
    }
    zip_discard(z);
    return kind;
}

/* Exported, documented in importer-int.h */
int cf__office_text(const char *buf, size_t len, int kind, const char *source, char **text,
                    cf__sheets_t *sheets, cf_error_t *err)
{
    zip_t *z = open_zip(buf, len);
    if (!z)
        return cf_error_set(err, CF_EPARSE, source, 0, 0, "a zip archive libzip cannot open");
    cf__sb_t out = {0};
    char why[256] = "";
    int rc = kind == 1 ? read_xlsx(z, &out, sheets, why, sizeof(why)) : read_docx(z, &out);
    zip_discard(z);
    char *t = cf__sb_take(&out);
    if (!rc && !t)
        rc = CF_ENOMEM;
    if (rc) {
        free(t);
        if (sheets) {
            free(sheets->items);
            sheets->items = NULL;
            sheets->items_count = 0;
        }
        return cf_error_set(err, rc, source, 0, 0, "%s",
                            rc == CF_ENOMEM ? "out of memory"
                            : *why          ? why
                            : kind == 1     ? "a spreadsheet without a readable worksheet (a part "
                                              "declaring a DTD, <!DOCTYPE>, is not read)"
                                            : "a Word file without a readable document.xml (a part "
                                              "declaring a DTD, <!DOCTYPE>, is not read)");
    }
    *text = t;
    return 0;
}
