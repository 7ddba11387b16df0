/*
 * html.c -- a saved web page: its <table>s rewritten as tab-separated rows, the
 * text around them as lines, so the table reader reads a page like any list.
 *
 * Recognized by content, not by name: the bytes (after blanks and a BOM) start
 * with '<' and hold a <table, <html or <tr tag. libxml2's HTML parser reads the
 * page (it takes the charset from <meta>, GBK included, and forgives the tag
 * soup bureau sites publish). Each table that holds no other table is laid
 * out on a grid: a cell with rowspan="n" fills its column in the n rows below
 * it, one with colspan="m" takes m columns, its text in the first and the
 * others left empty (a heading across the table stays one cell, and a header
 * cell over two columns names the first). Rows become lines, cells are joined
 * with tabs; a cell's own line breaks (<br>, <p>) become <p> marks the cell
 * cleaner already turns into line breaks. A nested table is read on its own and
 * the cell that held it keeps its text before and after. Text outside tables
 * (a notice before, a site footer after) becomes lines of its own, which the
 * readers take as titles or report as unplaced.
 *
 * Rejected: stripping tags with a scanner (rowspan would be lost, and with it
 * the cells merged across rows), and a DOM walk per format (one grid serves
 * HTML, and the same TSV feeds every reader). Cost: line numbers in messages are
 * those of the rewritten text (one line per table row), not of the HTML source.
 */
#include "importer-int.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAXCOLS 64
#define MAXROWS 20000

typedef struct grid_s {
    char **cells; /* rows x MAXCOLS, NULL = empty */
    size_t rows;
    size_t cap;
} grid_t;

static int is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, name) == 0;
}

static int has_table(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is(c, "table") || (c->type == XML_ELEMENT_NODE && has_table(c)))
            return 1;
    return 0;
}

/* The text of n, tables inside it left out; <br> and block ends as <p>. */
static void text_of(const xmlNode *n, cf__sb_t *b)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            for (const char *p = (const char *)c->content; p && *p; p++)
                cf__sb_add(b, *p == '\t' || *p == '\n' || *p == '\r' ? " " : p, 1);
        } else if (is(c, "br")) {
            cf__sb_adds(b, "<p>");
        } else if (c->type == XML_ELEMENT_NODE && !is(c, "table") && !is(c, "script") &&
                   !is(c, "style")) {
            int block = is(c, "p") || is(c, "div") || is(c, "li");
            if (block)
                cf__sb_adds(b, "<p>");
            text_of(c, b);
        }
    }
}

static int grid_row(grid_t *g, size_t r)
{
    if (r >= MAXROWS)
        return CF_EPARSE;
    while (g->rows <= r) {
        if (g->rows == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 64;
            char **c = realloc(g->cells, cap * MAXCOLS * sizeof(char *));
            if (!c)
                return CF_ENOMEM;
            g->cells = c;
            g->cap = cap;
        }
        memset(&g->cells[g->rows * MAXCOLS], 0, MAXCOLS * sizeof(char *));
        g->rows++;
    }
    return 0;
}

static long span(const xmlNode *td, const char *attr)
{
    xmlChar *v = xmlGetProp(td, (const xmlChar *)attr);
    long n = v ? strtol((const char *)v, NULL, 10) : 1;
    xmlFree(v);
    return n < 1 ? 1 : n > 500 ? 500 : n;
}

/* text without the <p> marks and blanks at its ends, in place: a cell's text
 * wrapped in <p> or <div> (most bureau sites write every cell so) starts with a
 * block, which is no line break inside the cell; left there, the mark counted as
 * text when a short label was measured (抽查事项(内容) of a header's second row). */
static void trim_marks(char *text)
{
    char *p = text, *e;
    for (;;) {
        p += strspn(p, " ");
        if (strncmp(p, "<p>", 3) != 0)
            break;
        p += 3;
    }
    memmove(text, p, strlen(p) + 1);
    for (e = text + strlen(text); e > text;) {
        if (e[-1] == ' ')
            e--;
        else if (e - text >= 3 && strncmp(e - 3, "<p>", 3) == 0)
            e -= 3;
        else
            break;
    }
    *e = '\0';
}

/* Places one cell at row r, the first free column; fills its spans. */
static int place(grid_t *g, size_t r, const xmlNode *td)
{
    size_t c = 0;
    while (c < MAXCOLS && g->cells[r * MAXCOLS + c])
        c++;
    if (c >= MAXCOLS)
        return 0;
    cf__sb_t b = {0};
    text_of(td, &b);
    char *text = cf__sb_take(&b);
    if (!text)
        return CF_ENOMEM;
    trim_marks(text);
    long rs = span(td, "rowspan"), cs = span(td, "colspan");
    int rc = 0;
    for (long i = 0; !rc && i < rs; i++) {
        if ((rc = grid_row(g, r + (size_t)i)) != 0)
            break;
        for (long j = 0; j < cs && c + (size_t)j < MAXCOLS; j++) {
            char **slot = &g->cells[(r + (size_t)i) * MAXCOLS + c + (size_t)j];
            if (*slot)
                continue;
            /* a row span repeats the text (merged cells are shared); a column
             * span leaves the extra columns empty but taken */
            *slot = strdup(j == 0 ? text : "");
            if (!*slot)
                rc = CF_ENOMEM;
        }
    }
    free(text);
    return rc;
}

static void rows_of(const xmlNode *n, const xmlNode ***out, size_t *count, size_t cap)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is(c, "tr")) {
            if (*count < cap)
                (*out)[(*count)++] = c;
        } else if (is(c, "thead") || is(c, "tbody") || is(c, "tfoot")) {
            rows_of(c, out, count, cap);
        }
    }
}

static int emit_table(const xmlNode *t, cf__sb_t *out)
{
    const xmlNode **trs = malloc(MAXROWS * sizeof(*trs));
    size_t ntr = 0;
    grid_t g = {0};
    int rc = trs ? 0 : CF_ENOMEM;
    if (!rc)
        rows_of(t, &trs, &ntr, MAXROWS);
    for (size_t r = 0; !rc && r < ntr; r++) {
        rc = grid_row(&g, r);
        for (const xmlNode *td = trs[r]->children; !rc && td; td = td->next)
            if (is(td, "td") || is(td, "th"))
                rc = place(&g, r, td);
    }
    for (size_t r = 0; !rc && r < g.rows; r++) {
        size_t last = 0;
        for (size_t c = 0; c < MAXCOLS; c++)
            if (g.cells[r * MAXCOLS + c])
                last = c + 1;
        for (size_t c = 0; c < last; c++) {
            if (c)
                cf__sb_adds(out, "\t");
            const char *s = g.cells[r * MAXCOLS + c];
            cf__sb_adds(out, s ? s : "");
        }
        cf__sb_adds(out, "\n");
    }
    for (size_t i = 0; i < g.rows * MAXCOLS; i++)
        free(g.cells[i]);
    free(g.cells);
    free(trs);
    return rc == CF_EPARSE ? 0 : rc;
}

/* Walks the page: tables without tables inside are emitted as grids; the text
 * of everything else as lines. */
static int walk(const xmlNode *n, cf__sb_t *out)
{
    int rc = 0;
    for (const xmlNode *c = n->children; !rc && c; c = c->next) {
        if (is(c, "script") || is(c, "style") || is(c, "head"))
            continue;
        if (is(c, "table") && !has_table(c)) {
            cf__sb_adds(out, "\n");
            rc = emit_table(c, out);
            cf__sb_adds(out, "\n");
        } else if (c->type == XML_ELEMENT_NODE) {
            int block = !is(c, "span") && !is(c, "a") && !is(c, "b") && !is(c, "strong") &&
                        !is(c, "font") && !is(c, "em") && !is(c, "i");
            rc = walk(c, out);
            if (block)
                cf__sb_adds(out, "\n");
        } else if (c->type == XML_TEXT_NODE && c->content) {
            for (const char *p = (const char *)c->content; *p; p++)
                cf__sb_add(out, *p == '\t' || *p == '\r' ? " " : p, 1);
        }
    }
    return rc;
}

/* Exported, documented in importer-int.h */
int cf__is_html(const char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    if (i >= len || buf[i] != '<')
        return 0;
    size_t n = len - i < 4096 ? len - i : 4096;
    for (size_t k = i; k + 6 <= i + n; k++)
        if (!strncasecmp(buf + k, "<table", 6) || !strncasecmp(buf + k, "<html", 5) ||
            !strncasecmp(buf + k, "<tr", 3) || !strncasecmp(buf + k, "<!doctype", 9))
            return 1;
    return 0;
}

/* 1 if buf[0..len) is UTF-8 (each lead byte followed by its continuation bytes). */
static int is_utf8(const unsigned char *b, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = b[i] < 0x80             ? 0
                   : (b[i] & 0xe0) == 0xc0 ? 1
                   : (b[i] & 0xf0) == 0xe0 ? 2
                   : (b[i] & 0xf8) == 0xf0 ? 3
                                           : 4;
        if (n == 4 || (n && b[i] < 0xc2) || i + n >= len)
            return 0;
        for (size_t k = 1; k <= n; k++)
            if ((b[i + k] & 0xc0) != 0x80)
                return 0;
        i += n + 1;
    }
    return 1;
}

/* The encoding to read the page in. Pages are saved and re-saved, and their <meta>
 * does not always follow: bytes that are UTF-8 are read as UTF-8 whatever the <meta>
 * says (GBK text is almost never valid UTF-8); bytes that are not, under a <meta> that
 * says UTF-8, GB2312, GBK or GB18030, or under none, as GB18030 (GBK's superset: a
 * page that says gb2312 often holds GBK's characters, 醫 among them, as browsers
 * allow); else NULL: libxml2 follows the <meta> (Big5, say). Was: the <meta>
 * alone, so a UTF-8 page keeping charset="gbk" was read as GBK, libxml2 printed
 * "encoding error" on standard error, and the import failed as "unrecognized layout". */
static const char *page_encoding(const char *buf, size_t len)
{
    if (is_utf8((const unsigned char *)buf, len))
        return "UTF-8";
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i + 7 < n; i++)
        if (!strncasecmp(buf + i, "charset", 7)) {
            const char *v = buf + i + 7, *end = buf + n;
            while (v < end && (*v == ' ' || *v == '=' || *v == '"' || *v == '\''))
                v++;
            return end - v >= 2 && (!strncasecmp(v, "utf", 3) || !strncasecmp(v, "gb", 2))
                       ? "GB18030"
                       : NULL;
        }
    return "GB18030";
}

/* Exported, documented in importer-int.h */
int cf__html_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err)
{
    if (len > 0x7fffffff)
        return cf_error_set(err, CF_EPARSE, source, 0, 0, "web page too large");
    htmlDocPtr doc = htmlReadMemory(buf, (int)len, source, page_encoding(buf, len),
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        return cf_error_set(err, CF_EPARSE, source, 0, 0, "a web page libxml2 cannot read");
    }
    cf__sb_t out = {0};
    int rc = walk((const xmlNode *)doc, &out);
    xmlFreeDoc(doc);
    char *t = cf__sb_take(&out);
    if (rc || !t) {
        free(t);
        return cf_error_set(err, CF_ENOMEM, source, 0, 0, "out of memory");
    }
    *text = t;
    return 0;
}
