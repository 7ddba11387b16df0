/*
 * shape-pipes.c -- the "pipes" shape of shape.c: `序号 | 事项名称 | 权力类型 |`
 * and Markdown tables (`|---|`), cells split at `|` (or `｜`) and trimmed,
 * separator rows dropped, a row broken over several lines joined back.
 *
 * Why a file: pipes are the one shape with its own notion of a logical row (a
 * cell's text may run over lines until the pipe that closes it), and that is
 * most of its length; the other shapes share none of it. See shape.c for the
 * design of shaping as a whole.
 */
#include "shape-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- pipes ---- */

/* Exported, documented in shape-int.h */
int cf__shape_pipes_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '|')
            n++;
        else if (cf__starts(s, "｜"))
            n++, s += 2;
    return n;
}

/* 1 for a Markdown separator row: only | - : and blanks. */
static int md_rule(const char *s)
{
    return strspn(s, "|-: \t") == strlen(s) && strchr(s, '-');
}

static int pipe_line(shape_t *s, size_t i)
{
    const char *p = s->lines[i];
    cf__sb_t b = {0};
    if (md_rule(p))
        return cf__shape_set_line(s, i, &b);
    p += strspn(p, " \t");
    if (*p == '|')
        p++;
    else if (cf__starts(p, "｜"))
        p += 3;
    int first = 1;
    while (*p) {
        const char *q = p;
        while (*q && *q != '|' && !cf__starts(q, "｜"))
            q++;
        char *cell = cf__strndup_trim(p, (size_t)(q - p));
        if (!cell)
            return cf__sb_free(&b), CF_ENOMEM;
        if (!first)
            cf__sb_adds(&b, "\t");
        cf__sb_adds(&b, cell);
        free(cell);
        first = 0;
        if (!*q)
            break;
        p = q + (*q == '|' ? 1 : 3);
        if (cf__blank(p)) /* the closing pipe */
            break;
    }
    return cf__shape_set_line(s, i, &b);
}

/* Cells ended by a pipe in s ("a | b |" has 2). */
static size_t pipe_cells(const char *s)
{
    return (size_t)cf__shape_pipes_in(s);
}

/* A line that opens a numbered row: "3 | ..." or "| 3 | ...". */
static int numbered_pipe_row(const char *s)
{
    s += strspn(s, " |");
    size_t d = strspn(s, "0123456789");
    if (!d || d > 5)
        return 0;
    s += d;
    s += strspn(s, " ");
    return *s == '|' || cf__starts(s, "｜");
}

/* Joins the physical lines [from, to) into one logical row at line from (the
 * others left blank): a line without a pipe continues the cell it is in. */
static int join_logical(shape_t *s, size_t from, size_t to)
{
    if (to <= from + 1)
        return 0;
    cf__sb_t b = {0};
    for (size_t i = from; i < to; i++) {
        const char *l = s->lines[i];
        cf__sb_adds(&b, l + (i > from ? strspn(l, " ") : 0));
        size_t n = strlen(l);
        while (n && l[n - 1] == ' ')
            n--;
        if (i + 1 < to && n && l[n - 1] == '|')
            cf__sb_adds(&b, " ");
    }
    int rc = cf__shape_set_line(s, from, &b);
    for (size_t i = from + 1; !rc && i < to; i++) {
        cf__sb_t e = {0};
        rc = cf__shape_set_line(s, i, &e);
    }
    return rc;
}

/* 1 when line b closes a cell that line a left open: a ends without a pipe and b
 * starts with one ("1 | 行政处罚 | 对…的处罚" then "| 《…》 | …"): a cell broken by
 * a line break, whatever the number of cells b holds. */
static int cell_closed_by(const char *a, const char *b)
{
    size_t n = strlen(a);
    while (n && (a[n - 1] == ' ' || a[n - 1] == '\t'))
        n--;
    b += strspn(b, " \t");
    int a_open = n && a[n - 1] != '|' && !(n >= 3 && cf__starts(a + n - 3, "｜"));
    return a_open && (*b == '|' || cf__starts(b, "｜"));
}

/* 1 when s ends with the pipe that closes its last cell. */
static int closed(const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n && (s[n - 1] == '|' || (n >= 3 && cf__starts(s + n - 3, "｜")));
}

/* Copies of web tables broken at cell boundaries and inside cells: "序号 |",
 * "抽查" + "类别 |", a row's cells one per line. The header runs from the first
 * line naming a column to the first numbered row; a row runs until it has as
 * many cells as the header, or until a line opens a numbered row or is a row
 * of its own (half the header's cells or more: a row under merged cells). A
 * header line naming three columns and closed by its pipe, followed by a closed
 * line, is a row of its own: the second row of a two-row header (table.c). */
static int logical_rows(shape_t *s)
{
    size_t i = 0, ncols = 0;
    while (i < s->n && !ncols) {
        char *l = s->lines[i];
        size_t k = 0;
        for (const char *p = l; *p;) { /* a known label among its cells? */
            const char *q = p;
            while (*q && *q != '|' && !cf__starts(q, "｜"))
                q++;
            char *cell = cf__strndup_trim(p, (size_t)(q - p));
            if (!cell)
                return CF_ENOMEM;
            k += cf__shape_known(cell, strlen(cell));
            free(cell);
            p = *q ? q + (*q == '|' ? 1 : 3) : q;
        }
        if (!k || !cf__shape_pipes_in(l)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < s->n && !numbered_pipe_row(s->lines[j]) && !cf__blank(s->lines[j]) &&
               !(k >= 3 && closed(s->lines[j - 1]) && closed(s->lines[j])))
            j++;
        int rc = join_logical(s, i, j);
        if (rc)
            return rc;
        ncols = pipe_cells(s->lines[i]);
        i = j;
    }
    while (i < s->n) {
        if (cf__blank(s->lines[i]) || !strchr(s->lines[i], '|')) {
            i++;
            continue;
        }
        size_t j = i + 1, cells = pipe_cells(s->lines[i]);
        while (
            j < s->n && cells < ncols && !numbered_pipe_row(s->lines[j]) &&
            !cf__blank(s->lines[j]) &&
            (pipe_cells(s->lines[j]) * 2 < ncols || cell_closed_by(s->lines[j - 1], s->lines[j]))) {
            cells += pipe_cells(s->lines[j]);
            j++;
        }
        int rc = join_logical(s, i, j);
        if (rc)
            return rc;
        i = j;
    }
    return 0;
}

/* Exported, documented in shape-int.h */
int cf__shape_try_pipes(shape_t *s)
{
    size_t rows = 0;
    for (size_t i = 0; i < s->n; i++)
        rows += cf__shape_pipes_in(s->lines[i]) >= 2;
    if (rows < 2)
        return 0;
    int rc = logical_rows(s);
    for (size_t i = 0; !rc && i < s->n; i++)
        if (cf__shape_pipes_in(s->lines[i]) >= 2 ||
            (cf__shape_pipes_in(s->lines[i]) == 1 && numbered_pipe_row(s->lines[i])))
            rc = pipe_line(s, i);
    if (!rc)
        s->name = "pipes";
    return rc;
}
