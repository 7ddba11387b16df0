/*
 * shape-csv.c -- the "csv" shape of shape.c: a list saved as comma-separated values
 * (Excel's 另存为 CSV, a government data portal's 下载 CSV), in UTF-8 with or without a
 * byte order mark or in GBK (cf__decode has converted it), cells quoted the RFC 4180
 * way: `"…"` around a cell holding a comma, a quote (doubled, `""`) or line breaks.
 *
 * Found by its header: a line without tabs whose comma-separated cells include at
 * least two known labels (headers.txt), the first of them within its first three
 * cells. From that line on, each record is written as a tab row at the line where it
 * starts, so every message keeps its line: the line breaks inside a quoted cell
 * become "<p>" (what a spreadsheet's line break in a cell becomes in the other
 * readers), the lines the record ran over are left empty, and tabs inside a cell
 * become blanks. Lines above the header (a title) are left as they are.
 *
 * Why a file: a quoted cell may run over lines, so a record is not a line; that is
 * the whole of this shape and none of the others'. A quote left open at the end of
 * the text is closed there (a file cut short): its record is written as read.
 */
#include "shape-int.h"

#include <stdlib.h>
#include <string.h>

/* The cells of line l split at sep: how many are known labels, and OUT *first the
 * index of the first (-1 when none). Counts at most MAXCOLS cells. */
static int known_cells(const char *l, char sep, int *first)
{
    int known = 0, col = 0;
    const char seps[2] = {sep, '\0'};
    *first = -1;
    for (const char *p = l; col < MAXCOLS; col++) {
        size_t n = strcspn(p, seps);
        const char *c = p;
        size_t m = n;
        while (m && (*c == ' ' || *c == '"'))
            c++, m--;
        while (m && (c[m - 1] == ' ' || c[m - 1] == '"'))
            m--;
        if (cf__shape_known(c, m)) {
            known++;
            if (*first < 0)
                *first = col;
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    return known;
}

/* 1 when the quote at p (line i, a cell's first byte) closes: a '"' not doubled, then
 * sep or the end of a line, within CLOSE_LINES lines. A quote that never closes is
 * text ("双随机、一公开"抽查 starts with one), never a cell swallowing the rest. */
#define CLOSE_LINES 200
static int quote_closes(const shape_t *s, size_t i, const char *p, char sep)
{
    for (size_t k = i, seen = 0; k < s->n && seen < CLOSE_LINES; k++, seen++) {
        const char *q = k == i ? p + 1 : s->lines[k];
        for (; *q; q++) {
            if (*q != '"')
                continue;
            if (q[1] == '"') {
                q++;
                continue;
            }
            return q[1] == sep || q[1] == '\0';
        }
    }
    return 0;
}

/* The index of the header line and OUT *sep, or s->n when the text is not in this
 * shape: comma-separated under a header of known words; or tab-separated (Excel's
 * Unicode text) with a quoted cell that runs over lines, which only this shape reads. */
static size_t csv_header(const shape_t *s, char *sep)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *l = s->lines[i];
        int first;
        *sep = strchr(l, '\t') ? '\t' : ',';
        if (!strchr(l, *sep) || known_cells(l, *sep, &first) < 2 || first > 2)
            continue;
        if (*sep == ',')
            return i;
        for (size_t k = i + 1; k < s->n; k++)
            for (const char *c = s->lines[k]; c; c = strchr(c, '\t'), c = c ? c + 1 : NULL)
                if (*c == '"' && !strchr(c, '\t') && !strchr(c + 1, '"') &&
                    quote_closes(s, k, c, '\t'))
                    return i; /* a quoted cell left open at the end of its line */
        return s->n;
    }
    return s->n;
}

/* Reads the record starting at line *i into b as a tab row; *i is left at its last
 * line. A quoted cell's line breaks become "<p>", a tab in a cell a blank. */
static void csv_record(const shape_t *s, size_t *i, char sep, cf__sb_t *b)
{
    const char *p = s->lines[*i];
    int quoted = 0, start = 1; /* start: at the first byte of a cell */
    for (;;) {
        if (!*p) {
            if (!quoted || *i + 1 >= s->n)
                return; /* the record ends (an open quote at the end of the text too) */
            cf__sb_adds(b, "<p>");
            p = s->lines[++*i];
            continue;
        }
        if (quoted && *p == '"' && p[1] == '"') {
            cf__sb_adds(b, "\"");
            p += 2;
        } else if (*p == '"' && (quoted || (start && quote_closes(s, *i, p, sep)))) {
            quoted = !quoted;
            p++;
        } else if (!quoted && *p == sep) {
            cf__sb_adds(b, "\t");
            p++;
            start = 1;
            continue;
        } else {
            cf__sb_add(b, *p == '\t' ? " " : p, 1);
            p++;
        }
        start = 0;
    }
}

/* Exported, documented in shape-int.h */
int cf__shape_try_csv(shape_t *s)
{
    char sep;
    size_t h = csv_header(s, &sep);
    if (h == s->n)
        return 0;
    for (size_t i = h; i < s->n; i++) {
        size_t first = i;
        cf__sb_t b = {0};
        csv_record(s, &i, sep, &b);
        int rc = cf__shape_set_line(s, first, &b);
        for (size_t k = first + 1; !rc && k <= i; k++) {
            cf__sb_t empty = {0};
            rc = cf__shape_set_line(s, k, &empty);
        }
        if (rc)
            return rc;
    }
    s->name = sep == ',' ? "csv" : "quoted tabs";
    return 0;
}
