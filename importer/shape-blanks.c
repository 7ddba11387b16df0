/*
 * shape-blanks.c -- the shapes of shape.c cut at blanks: "aligned" (cells
 * aligned under a header of known words by runs of two or more blanks, each cell
 * going to the column whose start, in display width, is nearest at its left) and
 * text separated by single blanks.
 *
 * Why together and apart from the others: both cut a line into segments (seg_t)
 * at blanks and place them under a header; neither needs what pipes or labeled
 * fields do. Splitting aligned text on single blanks is tried last (the pass in
 * shape.c), since legal bases and responsibility texts contain blanks.
 */
#include "shape-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Display width of a code point: Han and full-width forms take two columns. */
static int width(unsigned cp)
{
    return cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                            (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                            (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                            (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000)
               ? 2
               : 1;
}

/* ---- aligned by blanks ---- */

/* Splits a line at runs of two or more blanks (an ideographic space counts as
 * two). Returns the number of segments (at most max). */
static size_t segments(const char *line, seg_t *out, size_t max)
{
    size_t k = 0;
    int col = 0, blanks = 2, start_col = 0;
    const char *start = NULL, *last = NULL;
    for (const char *p = line; *p;) {
        unsigned cp;
        int n = cf__u8_next(p, &cp);
        int w = cp == '\t' ? 4 : width(cp);
        if (cp == ' ' || cp == 0x3000 || cp == '\t' || cp == 0xA0) {
            blanks += cp == ' ' || cp == 0xA0 ? 1 : 2;
            if (blanks >= 2 && start && k < max) {
                out[k++] = (seg_t){start, (size_t)(last - start), start_col};
                start = NULL;
            }
        } else {
            if (!start) {
                start = p;
                start_col = col;
            }
            blanks = 0;
            last = p + n;
        }
        col += w;
        p += n;
    }
    if (start && k < max)
        out[k++] = (seg_t){start, (size_t)(last - start), start_col};
    return k;
}

static int aligned_header(const char *line, seg_t *h, size_t *nh)
{
    *nh = segments(line, h, MAXCOLS);
    size_t k = 0;
    for (size_t i = 0; i < *nh; i++)
        k += cf__shape_known(h[i].s, h[i].n);
    return *nh >= 3 && k >= 3 && k * 2 >= *nh;
}

static int aligned_line(shape_t *s, size_t i, const seg_t *h, size_t nh)
{
    seg_t g[MAXCOLS];
    size_t ng = segments(s->lines[i], g, MAXCOLS);
    const char *cells[MAXCOLS] = {0};
    size_t lens[MAXCOLS] = {0};
    size_t last = 0;
    for (size_t j = 0; j < ng; j++) {
        size_t c = 0;
        for (size_t k = 0; k < nh; k++) /* the column starting nearest at its left */
            if (h[k].col <= g[j].col + 1)
                c = k;
        if (j && c <= last && cells[last]) /* two cells in one column: keep order */
            c = last + 1 < nh ? last + 1 : last;
        if (cells[c]) { /* overflowed into a later column's start: append */
            lens[c] = (size_t)(g[j].s + g[j].n - cells[c]);
            continue;
        }
        cells[c] = g[j].s;
        lens[c] = g[j].n;
        last = c;
    }
    cf__sb_t b = {0};
    for (size_t c = 0; c < nh; c++) {
        if (c)
            cf__sb_adds(&b, "\t");
        if (cells[c])
            cf__sb_add(&b, cells[c], lens[c]);
    }
    return cf__shape_set_line(s, i, &b);
}

/* Exported, documented in shape-int.h */
int cf__shape_try_aligned(shape_t *s)
{
    seg_t h[MAXCOLS];
    size_t nh = 0, at = 0;
    int found = 0;
    for (size_t i = 0; i < s->n && !found; i++)
        if (!strchr(s->lines[i], '\t') && aligned_header(s->lines[i], h, &nh))
            found = 1, at = i;
    if (!found)
        return 0;
    for (size_t i = at; i < s->n; i++) {
        seg_t hh[MAXCOLS];
        size_t nhh;
        if (aligned_header(s->lines[i], hh, &nhh) && nhh >= 3) { /* a page's header */
            memcpy(h, hh, sizeof(hh[0]) * nhh);
            nh = nhh;
        }
        seg_t g[2];
        if (segments(s->lines[i], g, 2) >= 2 ||
            (segments(s->lines[i], g, 1) == 1 && g[0].col > 0)) {
            int rc = aligned_line(s, i, h, nh);
            if (rc)
                return rc;
        }
    }
    s->name = "aligned";
    return 0;
}

/* ---- separated by single blanks ---- */

/* Splits s at blanks (any run) into at most max tokens. */
static size_t tokens(const char *line, seg_t *out, size_t max)
{
    size_t k = 0;
    const char *p = line;
    while (*p && k < max) {
        while (*p == ' ' || *p == '\t' || cf__starts(p, "\xE3\x80\x80"))
            p += *p == ' ' || *p == '\t' ? 1 : 3;
        if (!*p)
            break;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t' && !cf__starts(q, "\xE3\x80\x80"))
            q++;
        out[k++] = (seg_t){p, (size_t)(q - p), 0};
        p = q;
    }
    return k;
}

static int spaced_header(const char *line, seg_t *h, size_t *nh)
{
    *nh = tokens(line, h, MAXCOLS);
    size_t k = 0;
    for (size_t i = 0; i < *nh; i++)
        k += cf__shape_known(h[i].s, h[i].n);
    return *nh >= 3 && k >= 3 && k * 2 >= *nh;
}

/* A row starts with its 序号 as the first token: digits alone, or "3." / "3、"
 * when a token of the line is a power type (a numbered line of a cell, "1. 不依法
 * 处理举报的", holds none). */
static int spaced_row_start(const char *line)
{
    seg_t t[MAXCOLS];
    size_t n = tokens(line, t, MAXCOLS);
    if (n < 2)
        return 0;
    size_t d = strspn(t[0].s, "0123456789");
    if (!d || d > 5)
        return 0;
    if (d == t[0].n)
        return 1;
    const char *e = t[0].s + d;
    size_t rest = t[0].n - d;
    if (!((rest == 1 && *e == '.') || (rest == 3 && (cf__starts(e, "、") || cf__starts(e, "．")))))
        return 0;
    for (size_t i = 1; i < n; i++) {
        char tok[96];
        if (t[i].n >= sizeof(tok))
            continue;
        memcpy(tok, t[i].s, t[i].n);
        tok[t[i].n] = '\0';
        if (cf__power_mask(tok, NULL))
            return 1;
    }
    return 0;
}

/* Exported, documented in shape-int.h */
int cf__shape_try_spaced(shape_t *s)
{
    seg_t h[MAXCOLS];
    size_t nh = 0, at = 0;
    int found = 0;
    for (size_t i = 0; i < s->n && !found; i++)
        if (!strchr(s->lines[i], '\t') && spaced_header(s->lines[i], h, &nh))
            found = 1, at = i;
    if (!found)
        return 0;
    int rc = 0;
    cf__sb_t b = {0};
    size_t open = SIZE_MAX; /* the line the current row is written at */
    for (size_t i = at; !rc && i <= s->n; i++) {
        int start = i < s->n && (i == at || spaced_row_start(s->lines[i]));
        if ((start || i == s->n) && open != SIZE_MAX) {
            rc = cf__shape_set_line(s, open, &b);
            b = (cf__sb_t){0};
            open = SIZE_MAX;
        }
        if (i == s->n || rc)
            break;
        const char *l = s->lines[i];
        seg_t t[MAXCOLS * 2];
        size_t nt = tokens(l, t, MAXCOLS * 2);
        if (!start && (open == SIZE_MAX || cf__blank(l)))
            continue;
        if (!start && nt == 1) {
            cf__sb_add(&b, t[0].s, t[0].n); /* continues the last cell */
        } else {
            for (size_t k = 0; k < nt; k++) {
                if (k || !start)
                    cf__sb_adds(&b, "\t");
                cf__sb_add(&b, t[k].s, t[k].n);
            }
        }
        if (start) {
            open = i;
        } else {
            cf__sb_t e = {0};
            rc = cf__shape_set_line(s, i, &e);
        }
    }
    cf__sb_free(&b);
    if (!rc)
        s->name = "spaced";
    return rc;
}
