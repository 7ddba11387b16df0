/*
 * shape-headerless.c -- lists with no header at all (cf__headerless): rows of
 * tab- or pipe-separated cells, told by a cell that is a power type, given the
 * header the readers expect.
 *
 * Why apart from shape.c: it is a second entry point, called when shaping found
 * no header, not one of the pass's shapes; it borrows two tests from them
 * (cf__shape_pipes_in, cf__shape_first_power).
 */
#include "shape-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- no header at all ---- */

/* The cell of a separated line that is a power type, by index; -1 if none. */
static int power_cell(char **cells, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (cf__u8_count(cells[i]) <= 24 && cf__power_mask(cells[i], NULL))
            return (int)i;
    return -1;
}

/* Splits line at tabs or pipes (whichever it has) into trimmed cells. */
static size_t cells_of(const char *line, char **out, size_t max)
{
    int pipes = !strchr(line, '\t');
    size_t n = 0;
    const char *p = line;
    if (pipes)
        p += strspn(p, " |");
    while (*p && n < max) {
        const char *q = p;
        while (*q && *q != '\t' && !(pipes && *q == '|'))
            q++;
        out[n++] = cf__strndup_trim(p, (size_t)(q - p));
        p = *q ? q + 1 : q;
    }
    return n;
}

/* One row of a list with no header: `N name type rest` in any separation. */
static int headerless_row(const char *line, cf__sb_t *b)
{
    const char *p = line + strspn(line, " |\t");
    size_t d = strspn(p, "0123456789");
    if (!d || d > 5 ||
        !(p[d] == ' ' || p[d] == '\t' || p[d] == '|' || cf__starts(p + d, "、") ||
          cf__starts(p + d, "．") || (p[d] == '.' && p[d + 1] != '\0')))
        return 0;
    if (strchr(line, '\t') || cf__shape_pipes_in(line) >= 2) {
        char *cells[MAXCOLS];
        size_t n = cells_of(line, cells, MAXCOLS);
        int oom = 0;
        for (size_t i = 0; i < n; i++)
            oom |= !cells[i];
        int pc = oom ? -1 : power_cell(cells, n), ok = pc > 1;
        if (ok) {
            cf__sb_add(b, p, d);
            cf__sb_adds(b, "\t");
            cf__sb_adds(b, cells[1]);
            cf__sb_adds(b, "\t");
            cf__sb_adds(b, cells[pc]);
            cf__sb_adds(b, "\t");
            for (size_t i = 2; i < n; i++)
                if (i != (size_t)pc)
                    cf__sb_adds(b, cells[i]), cf__sb_adds(b, " ");
        }
        for (size_t i = 0; i < n; i++)
            free(cells[i]);
        return oom ? -1 : ok;
    }
    const char *rest = p + d;
    rest += strspn(rest, " .、．");
    if (cf__starts(rest, "、") || cf__starts(rest, "．"))
        rest += 3;
    size_t plen = 0;
    const char *pw = cf__shape_first_power(rest, &plen);
    if (!pw || pw == rest || cf__u8_count(rest) < 4)
        return 0;
    char *name = cf__strndup_trim(rest, (size_t)(pw - rest));
    if (!name)
        return -1;
    cf__sb_add(b, p, d);
    cf__sb_adds(b, "\t");
    cf__sb_adds(b, name);
    cf__sb_adds(b, "\t");
    cf__sb_add(b, pw, plen);
    cf__sb_adds(b, "\t");
    cf__sb_adds(b, pw + plen + strspn(pw + plen, " "));
    free(name);
    return 1;
}

/* Exported, documented in importer-int.h */
int cf__headerless(char **text, int *rows)
{
    shape_t s = {0};
    size_t cap = 1;
    for (const char *p = *text; *p; p++)
        cap += *p == '\n';
    s.lines = calloc(cap, sizeof(char *));
    if (!s.lines)
        return CF_ENOMEM;
    int rc = 0, in = 0;
    for (const char *p = *text; s.n < cap;) {
        size_t n = strcspn(p, "\n");
        if ((s.lines[s.n] = malloc(n + 1)) == NULL) {
            rc = CF_ENOMEM;
            break;
        }
        memcpy(s.lines[s.n], p, n);
        s.lines[s.n++][n] = '\0';
        if (!p[n])
            break;
        p += n + 1;
    }
    *rows = 0;
    for (size_t i = 0; !rc && i < s.n; i++) {
        cf__sb_t b = {0};
        int r = headerless_row(s.lines[i], &b);
        if (r < 0) {
            rc = CF_ENOMEM;
        } else if (r) {
            (*rows)++;
            in = 1;
            rc = cf__shape_set_line(&s, i, &b);
        } else if (in && !cf__blank(s.lines[i]) && !strchr(s.lines[i], '\t')) {
            cf__sb_free(&b); /* a line of the row above: its last cell goes on */
            cf__sb_adds(&b, "\t\t\t");
            cf__sb_adds(&b, s.lines[i]);
            rc = cf__shape_set_line(&s, i, &b);
        } else {
            cf__sb_free(&b);
        }
    }
    cf__sb_t out = {0};
    for (size_t i = 0; !rc && i < s.n; i++) {
        cf__sb_adds(&out, s.lines[i]);
        cf__sb_adds(&out, "\n");
    }
    char *t = rc ? NULL : cf__sb_take(&out);
    if (!rc && !t)
        rc = CF_ENOMEM;
    if (!rc && *rows) {
        free(*text);
        *text = t;
    } else {
        free(t);
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.lines[i]);
    free(s.lines);
    return rc;
}
