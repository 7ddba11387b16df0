/*
 * shape.c -- plain text in the shapes a copy gives, rewritten into the tab forms
 * the readers know, line for line (so every message keeps its line number).
 *
 *   csv       comma-separated values under a header of known words, cells quoted
 *             `"…"` (RFC 4180), a quoted cell's line breaks kept as "<p>"
 *   pipes     `序号 | 事项名称 | 权力类型 |` and Markdown tables (`|---|`):
 *             cells split at `|` (or `｜`), trimmed; separator rows dropped
 *   aligned   cells aligned by runs of blanks under a header whose words are
 *             known: each run of two or more blanks (or an ideographic space)
 *             ends a cell, and a cell goes to the column whose start (in display
 *             width, a Han character counting two) is nearest at its left, so
 *             empty cells stay empty and an indented line continues the row
 *   together  no separators at all: a header line that is nothing but known
 *             words run together, rows `1对…的处罚行政处罚《…》…`; a row is cut
 *             at its 序号 and at the first power type, the rest of it going to
 *             the next column (realigned by content later)
 *   cells     one cell per line under a header of one word per line: every line
 *             from the header on is led by a tab (the "fields" form)
 *   labeled   one field per line, `事项名称：…`, records one after the other
 *             (numbered or not): rewritten as cards, `N<TAB>label<TAB>value`,
 *             a card starting again where a label comes back; lines that are not
 *             fields continue the value above
 *   broken    a tab header broken in the middle of a row (`…<TAB>权力` then
 *             `类型<TAB>…`): the two lines joined, the second left blank
 * A document already in tab form is left as it is (but for a broken header).
 *
 * Design: shape first, then read with one set of readers, rather than a reader
 * per shape: the readers hold the hard parts (page breaks, merged rows, cells
 * put back in their columns) and every shape gets them. Rejected: guessing the
 * shape from a file name, and splitting aligned text on single blanks (names
 * contain none, but legal bases and responsibility texts do). Cost: a shape is
 * judged on the header words (headers.txt), so a list with a header nobody has
 * named stays unread and is refused with its lines, as before.
 *
 * The shapes are files of their own, one concern each, sharing shape_t and the
 * label test through shape-int.h: shape-csv.c, shape-pipes.c, shape-blanks.c
 * (aligned and single blanks), shape-together.c, shape-labeled.c; this file keeps
 * what they share, the two small shapes (cells, broken), and the pass that tries
 * them in order; shape-headerless.c reads lists with no header at all (cf__headerless).
 * Split because the whole was 1,185 lines of six concerns; the cost is one
 * internal header and try functions that are no longer static.
 */
#include "shape-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static int tabs_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\t';
    return n;
}

/* Exported, documented in shape-int.h */
int cf__shape_set_line(shape_t *s, size_t i, cf__sb_t *b)
{
    char *t = cf__sb_take(b);
    if (!t)
        return CF_ENOMEM;
    free(s->lines[i]);
    s->lines[i] = t;
    return 0;
}

/* Exported, documented in shape-int.h */
int cf__shape_known(const char *s, size_t n)
{
    char buf[256];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return cf__label_kind(buf) >= 0;
}

/* ---- one cell per line ---- */

static int try_cells(shape_t *s)
{
    size_t run = 0, at = 0;
    for (size_t i = 0; i < s->n && run < 3; i++) {
        const char *l = s->lines[i];
        if (cf__blank(l))
            continue;
        if (strchr(l, '\t') || !cf__shape_known(l, strlen(l)) || cf__u8_count(l) > 16) {
            run = 0;
            continue;
        }
        if (run++ == 0)
            at = i;
    }
    if (run < 3)
        return 0;
    for (size_t i = at; i < s->n; i++) {
        if (cf__blank(s->lines[i]))
            continue;
        cf__sb_t b = {0};
        cf__sb_adds(&b, "\t");
        cf__sb_adds(&b, s->lines[i] + strspn(s->lines[i], " "));
        int rc = cf__shape_set_line(s, i, &b);
        if (rc)
            return rc;
    }
    s->name = "cells";
    return 0;
}

/* ---- a tab header broken in the middle of a row ---- */

static int try_broken(shape_t *s)
{
    for (size_t i = 0; i + 1 < s->n; i++) {
        const char *a = s->lines[i], *b = s->lines[i + 1];
        if (tabs_in(a) < 2 || !*b || strchr(a, '\t') == NULL)
            continue;
        const char *last = strrchr(a, '\t') + 1;
        size_t fl = strcspn(b, "\t");
        char both[512];
        if (strlen(last) + fl >= sizeof(both) || cf__shape_known(last, strlen(last)))
            continue;
        snprintf(both, sizeof(both), "%s%.*s", last, (int)fl, b);
        if (!cf__shape_known(both, strlen(both)))
            continue;
        int k = 0;
        for (const char *p = a; *p;) {
            size_t n = strcspn(p, "\t");
            k += cf__shape_known(p, n);
            p += n + (p[n] == '\t');
        }
        if (k < 2)
            continue;
        cf__sb_t sb = {0};
        cf__sb_adds(&sb, a);
        cf__sb_adds(&sb, b);
        int rc = cf__shape_set_line(s, i, &sb);
        cf__sb_t empty = {0};
        if (!rc)
            rc = cf__shape_set_line(s, i + 1, &empty);
        if (rc)
            return rc;
        s->name = "broken header";
    }
    return 0;
}

/* ---- the pass ---- */

static int tab_shaped(const shape_t *s)
{
    size_t rows = 0;
    for (size_t i = 0; i < s->n; i++)
        rows += tabs_in(s->lines[i]) >= 1;
    return rows >= 3;
}

static int pass(shape_t *s)
{
    int rc = cf__shape_try_csv(s);
    if (!rc && !s->name)
        rc = cf__shape_try_pipes(s);
    if (!rc && !s->name && tab_shaped(s))
        return try_broken(s);
    if (!rc && !s->name)
        rc = cf__shape_try_labeled(s);
    if (!rc && !s->name)
        rc = try_cells(s);
    if (!rc && !s->name)
        rc = cf__shape_try_aligned(s);
    if (!rc && !s->name)
        rc = cf__shape_try_together(s);
    if (!rc && !s->name)
        rc = cf__shape_try_spaced(s);
    return rc;
}

/* Exported, documented in importer-int.h */
int cf__reshape(char **text, const char **shape)
{
    shape_t s = {0};
    size_t cap = 1;
    for (const char *p = *text; *p; p++)
        cap += *p == '\n';
    s.lines = calloc(cap, sizeof(char *));
    int rc = s.lines ? 0 : CF_ENOMEM;
    for (const char *p = *text; !rc && s.n < cap;) {
        size_t n = strcspn(p, "\n");
        size_t m = n && p[n - 1] == '\r' ? n - 1 : n;
        if ((s.lines[s.n] = malloc(m + 1)) == NULL) {
            rc = CF_ENOMEM;
            break;
        }
        memcpy(s.lines[s.n], p, m);
        s.lines[s.n++][m] = '\0';
        if (!p[n])
            break;
        p += n + 1;
    }
    if (!rc)
        rc = pass(&s);
    if (!rc && s.name) {
        cf__sb_t b = {0};
        for (size_t i = 0; i < s.n; i++) {
            cf__sb_adds(&b, s.lines[i]);
            if (i + 1 < s.n)
                cf__sb_adds(&b, "\n");
        }
        size_t tl = strlen(*text);
        if (tl && (*text)[tl - 1] == '\n')
            cf__sb_adds(&b, "\n");
        char *t = cf__sb_take(&b);
        if (t) {
            free(*text);
            *text = t;
            *shape = s.name;
        } else {
            rc = CF_ENOMEM;
        }
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.lines[i]);
    free(s.lines);
    return rc;
}
