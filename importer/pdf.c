/*
 * pdf.c -- a PDF with a text layer: its tables rebuilt from where the text sits
 * on the page, written as tab-separated rows for the table reader.
 *
 * A PDF has no table, only characters placed at positions. poppler-glib gives
 * each character of a page with its box (poppler_page_get_text_layout). From
 * those boxes:
 *   lines      characters whose vertical centres lie within half a character's
 *              height of each other, per page, ordered left to right;
 *   fragments  a line cut where a character starts more than 0.4 of a
 *              character's width after the end of the one before it, blanks
 *              not counted (a cell's padding; a blank inside a cell is a
 *              quarter of a width);
 *   columns    the left edges where fragments start again and again (a cell's
 *              text is left-aligned, so every wrapped line of it starts at its
 *              column): edges within 0.6 of a character's width are one, and
 *              one where two fragments or more start, crossed by fewer
 *              fragments than start there, is a column; or, when they find no
 *              more columns than these, the spans between gutters (x ranges the
 *              lines of two fragments or more leave empty): a table whose cells
 *              are centred (Word's and WPS's 居中) starts each line of a cell at
 *              its own x, and has no steady left edge (gutter_columns);
 *              lines above the table's first line of two fragments (a date, a
 *              notice) are text, not rows;
 *   rows       consecutive lines of the grid, cut where the vertical gap is
 *              wider than the gap between wrapped lines of a cell by half a
 *              character's width (a row's padding), where the first column starts a
 *              new 序号 while the row has one; at a page break unless the first
 *              line of the new page leaves the first column empty under a row
 *              that has one: that is the row going on over the page, its cut
 *              name and cut 权力类型 joined again (a row of merged cells printed
 *              at the top of a page is taken for a continuation too);
 *   cells      the fragments of a row in one column, joined line after line as
 *              one cell wrapped over several lines: nothing between the lines
 *              but the blank a line ends with (or one between Latin words).
 * A line that is not on the grid (a title centred over the table, a paragraph
 * spanning columns, a page number) is written as it is, without tabs, so the
 * readers treat it as text around the list.
 *
 * Recognized by content: "%PDF-" within the first 1024 bytes (as the format
 * allows). A PDF without any text (a scan) is refused: no OCR here.
 *
 * Rejected: `pdftotext -layout` (a second process and a layout that pads with
 * blanks, which the aligned reader would then have to undo, losing the wrapped
 * lines of narrow columns) and poppler's own reading order (it reads a wide
 * column's block before the narrow one beside it). Cost: a column is found by a
 * steady left edge or by a gutter beside it; two columns whose text touches in
 * more than a tenth of the table's lines (no padding between them) are one.
 */
#include "importer-int.h"

#include <ctype.h>
#include <poppler.h>
#include <stdlib.h>
#include <string.h>

#define MAXCOLS 64

typedef struct glyph_s {
    double x1, y1, x2, y2;
    char ch[8];
    int space;
} glyph_t;

typedef struct frag_s {
    double x1, x2;
    cf__sb_t text;
    int col; /* column index, -1 when off the grid */
} frag_t;

typedef struct pline_s {
    double top, bottom, h, yc;
    int page;
    frag_t *frags;
    size_t nfrags;
} pline_t;

typedef struct pdoc_s {
    pline_t *lines;
    size_t n, cap;
    int oom;
    double em; /* a character's width (see glyph_em) */
} pdoc_t;

/* Exported, documented in importer-int.h */
int cf__is_pdf(const char *buf, size_t len)
{
    size_t n = len < 1024 ? len : 1024;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(buf + i, "%PDF-", 5) == 0)
            return 1;
    return 0;
}

/* ---- characters into lines and fragments ---- */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int by_y(const void *a, const void *b)
{
    const glyph_t *x = a, *y = b;
    double ca = (x->y1 + x->y2) / 2, cb = (y->y1 + y->y2) / 2;
    return ca < cb ? -1 : ca > cb ? 1 : (x->x1 < y->x1 ? -1 : x->x1 > y->x1);
}

static int by_x(const void *a, const void *b)
{
    const glyph_t *x = a, *y = b;
    return x->x1 < y->x1 ? -1 : x->x1 > y->x1;
}

static pline_t *new_line(pdoc_t *d)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        pline_t *l = realloc(d->lines, cap * sizeof(*l));
        if (!l)
            return d->oom = 1, NULL;
        d->lines = l;
        d->cap = cap;
    }
    pline_t *l = &d->lines[d->n++];
    memset(l, 0, sizeof(*l));
    return l;
}

/* The width of a character of the page's text: the median distance from one
 * character to the next on a line (Han characters, one em apart, outnumber
 * digits and Latin letters in these lists). The boxes' heights are the font's
 * line box, far taller than a character, so gaps are measured against this.
 * g is sorted by line, then x. */
static double glyph_em(const glyph_t *g, size_t n)
{
    double *w = malloc((n ? n : 1) * sizeof(double)), em = 10;
    size_t k = 0;
    for (size_t i = 1; w && i < n; i++) {
        double dx = g[i].x1 - g[i - 1].x1, h = g[i].y2 - g[i].y1;
        double dy = (g[i].y1 + g[i].y2) / 2 - (g[i - 1].y1 + g[i - 1].y2) / 2;
        if (!g[i].space && !g[i - 1].space && dx > 0 && dx < h && dy < 0.5 * h && dy > -0.5 * h)
            w[k++] = dx;
    }
    if (k) {
        qsort(w, k, sizeof(double), dbl_cmp);
        em = w[k / 2];
    }
    free(w);
    return em > 0.5 ? em : 10;
}

/* Cuts the glyphs of one line (sorted by x) into fragments. */
static void cut_line(pdoc_t *d, glyph_t *g, size_t n, int page)
{
    size_t solid = 0;
    double hsum = 0;
    for (size_t i = 0; i < n; i++)
        if (!g[i].space)
            solid++, hsum += g[i].y2 - g[i].y1;
    if (!solid)
        return;
    pline_t *l = new_line(d);
    if (!l)
        return;
    l->page = page;
    l->h = hsum / (double)solid;
    l->top = 1e9, l->bottom = -1e9;
    l->frags = calloc(n, sizeof(frag_t));
    if (!l->frags) {
        d->oom = 1;
        return;
    }
    frag_t *f = NULL;
    double last_x2 = 0, em = glyph_em(g, n); /* a title's larger characters */
    em = em > d->em ? em : d->em;
    for (size_t i = 0; i < n; i++) {
        if (g[i].space) {
            if (f)
                cf__sb_adds(&f->text, " ");
            continue;
        }
        if (!f || g[i].x1 - last_x2 > 0.4 * em) {
            if (f) { /* trailing blanks of the fragment before */
                while (f->text.len && f->text.s[f->text.len - 1] == ' ')
                    f->text.s[--f->text.len] = '\0';
            }
            f = &l->frags[l->nfrags++];
            f->x1 = g[i].x1;
            f->col = -1;
        }
        cf__sb_adds(&f->text, g[i].ch);
        f->x2 = g[i].x2;
        last_x2 = g[i].x2;
        l->top = g[i].y1 < l->top ? g[i].y1 : l->top;
        l->bottom = g[i].y2 > l->bottom ? g[i].y2 : l->bottom;
    }
    while (f && f->text.len > 1 && f->text.s[f->text.len - 1] == ' ' &&
           f->text.s[f->text.len - 2] == ' ')
        f->text.s[--f->text.len] = '\0'; /* one blank at the end of a line is kept */
    l->yc = (l->top + l->bottom) / 2;
    for (size_t i = 0; i < l->nfrags; i++)
        d->oom |= l->frags[i].text.oom;
}

/* The glyphs of one page, grouped into lines. */
static void page_lines(pdoc_t *d, glyph_t *g, size_t n, int page)
{
    qsort(g, n, sizeof(*g), by_y);
    size_t *ends = malloc((n ? n : 1) * sizeof(size_t)), nl = 0;
    if (!ends) {
        d->oom = 1;
        return;
    }
    for (size_t start = 0; start < n;) {
        double yc = (g[start].y1 + g[start].y2) / 2, h = g[start].y2 - g[start].y1;
        size_t end = start + 1;
        while (end < n && (g[end].y1 + g[end].y2) / 2 - yc < 0.5 * (h > 1 ? h : 1))
            end++;
        qsort(g + start, end - start, sizeof(*g), by_x);
        ends[nl++] = end;
        start = end;
    }
    if (!d->em || n >= 50) /* a page of text, not a page number alone */
        d->em = glyph_em(g, n);
    for (size_t i = 0, start = 0; i < nl; start = ends[i++])
        cut_line(d, g + start, ends[i] - start, page);
    free(ends);
}

/* Reads the characters and their boxes of every page. Returns 0, CF_EPARSE (not
 * a PDF poppler can open, encrypted) or CF_ENOMEM. */
static int read_pages(const char *buf, size_t len, const char *source, pdoc_t *d, cf_error_t *err)
{
    GError *ge = NULL;
    GBytes *bytes = g_bytes_new(buf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &ge);
    g_bytes_unref(bytes);
    if (!doc) {
        int rc = cf_error_set(err, CF_EPARSE, source, 0, 0, "a PDF that cannot be read: %s",
                              ge && ge->message ? ge->message : "unknown error");
        if (ge)
            g_error_free(ge);
        return rc;
    }
    int pages = poppler_document_get_n_pages(doc);
    for (int p = 0; p < pages && !d->oom; p++) {
        PopplerPage *page = poppler_document_get_page(doc, p);
        char *text = page ? poppler_page_get_text(page) : NULL;
        PopplerRectangle *rects = NULL;
        guint nr = 0;
        if (text && poppler_page_get_text_layout(page, &rects, &nr) && nr) {
            glyph_t *g = malloc(nr * sizeof(*g));
            size_t n = 0;
            const char *s = text;
            for (guint i = 0; g && i < nr && *s; i++) {
                unsigned cp;
                int k = cf__u8_next(s, &cp);
                if (cp != '\n' && cp != '\r' && k < 8) {
                    glyph_t *x = &g[n++];
                    x->x1 = rects[i].x1, x->y1 = rects[i].y1;
                    x->x2 = rects[i].x2, x->y2 = rects[i].y2;
                    memcpy(x->ch, s, (size_t)k);
                    x->ch[k] = '\0';
                    x->space = cp == ' ' || cp == '\t' || cp == 0x3000 || cp == 0xA0;
                }
                s += k;
            }
            if (!g)
                d->oom = 1;
            else
                page_lines(d, g, n, p);
            free(g);
        }
        g_free(rects);
        g_free(text);
        if (page)
            g_object_unref(page);
    }
    g_object_unref(doc);
    return d->oom ? CF_ENOMEM : 0;
}

/* ---- the grid ---- */

/* How many fragments run across the edge x (start before it, end after it):
 * a column's edge is crossed by nothing but a title or a notice; a page number
 * or a centred heading repeated on every page is crossed by the lines of the
 * column it sits in. */
static size_t crossed(const pdoc_t *d, double x, double tol)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->lines[i].nfrags; j++)
            n += d->lines[i].frags[j].x1 < x - tol && d->lines[i].frags[j].x2 > x + tol;
    return n;
}

/* The left edges where fragments start on many lines. OUT starts (sorted).
 * Returns how many. */
static size_t columns(const pdoc_t *d, double tol, double *starts)
{
    size_t total = 0;
    for (size_t i = 0; i < d->n; i++)
        total += d->lines[i].nfrags;
    double *x = malloc((total ? total : 1) * sizeof(double));
    if (!x)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->lines[i].nfrags; j++)
            x[k++] = d->lines[i].frags[j].x1;
    qsort(x, k, sizeof(double), dbl_cmp);
    size_t nc = 0;
    for (size_t i = 0; i < k && nc < MAXCOLS;) {
        size_t j = i + 1;
        while (j < k && x[j] - x[j - 1] <= tol)
            j++;
        if (j - i >= 2 && crossed(d, x[i], tol) < j - i)
            starts[nc++] = x[i];
        i = j;
    }
    free(x);
    return nc;
}

/* The columns as the spans between gutters: x ranges, half a character wide or
 * more, that the fragments of the lines of two or more fragments (a table's lines;
 * a title or a notice is one) leave empty, but for a tenth of those lines (a cell
 * merged across columns, a row of labels over a group: allowed). Found where the left edges
 * are not steady: a table whose cells are centred (Word's and WPS's 居中, common in
 * these lists) starts each line of a cell at its own x. OUT starts: where each
 * column begins, the middle of the emptiest part of the gutter before it (the first
 * one: the table's left end); returns how many columns. */
static size_t gutter_pass(const pdoc_t *d, long allowed, double *starts)
{
    size_t total = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->lines[i].nfrags >= 2)
            total += d->lines[i].nfrags;
    double *ev = malloc((total ? total : 1) * 4 * sizeof(double)); /* (x, +1 / -1) pairs */
    if (!ev)
        return 0;
    size_t k = 0, nc = 0;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; d->lines[i].nfrags >= 2 && j < d->lines[i].nfrags; j++) {
            ev[k++] = d->lines[i].frags[j].x1, ev[k++] = 1;
            ev[k++] = d->lines[i].frags[j].x2, ev[k++] = -1;
        }
    qsort(ev, k / 2, 2 * sizeof(double), dbl_cmp);
    long cover = 0, best = 0;
    int in = 0;                           /* in a gutter */
    double from = -1, mid = 0, width = 0; /* where it began; its emptiest, widest stretch */
    for (size_t i = 0; i < k && nc < MAXCOLS; i += 2) {
        cover += (long)ev[i + 1];
        if (cover > allowed && !nc)
            starts[nc++] = ev[i] - 1; /* the table's left end */
        if (cover > allowed && in && ev[i] - from >= 0.5 * d->em)
            starts[nc++] = mid;
        in = cover > allowed ? 0 : in || nc;
        if (in && from < 0)
            from = ev[i], best = cover + 1, width = 0;
        if (!in)
            from = -1;
        if (in && i + 2 < k && ev[i + 2] > ev[i]) {
            double w = ev[i + 2] - ev[i];
            if (cover < best || (cover == best && w > width))
                best = cover, width = w, mid = ev[i] + w / 2;
        }
    }
    free(ev);
    return nc;
}

/* Puts each fragment in its column (-1: off the grid). Returns 1 when the line
 * is on the grid: every fragment starts at a column and none spans the start of
 * the next column. */
static int place(pline_t *l, const double *starts, size_t nc, double tol)
{
    int on = l->nfrags > 0;
    for (size_t j = 0; j < l->nfrags; j++) {
        frag_t *f = &l->frags[j];
        int c = -1;
        for (size_t k = 0; k < nc; k++)
            if (starts[k] <= f->x1 + tol)
                c = (int)k;
        f->col = c;
        if (c < 0 || f->x1 - starts[c] > tol || ((size_t)c + 1 < nc && f->x2 > starts[c + 1] + tol))
            on = 0;
    }
    return on;
}

/* The columns of gutter_pass, once letting a tenth of the lines cross a gutter and
 * once none (a column whose only text is its label, 备注 over empty cells, is covered
 * by no more lines than a label crossing a gutter): their starts together. */
static size_t gutter_columns(const pdoc_t *d, double *starts)
{
    size_t multi = 0, na, nb, n = 0;
    for (size_t i = 0; i < d->n; i++)
        multi += d->lines[i].nfrags >= 2;
    double a[MAXCOLS], b[MAXCOLS];
    na = gutter_pass(d, (long)(multi / 10), a);
    nb = gutter_pass(d, 0, b);
    for (size_t i = 0, j = 0; (i < na || j < nb) && n < MAXCOLS;) {
        double x = j >= nb || (i < na && a[i] <= b[j]) ? a[i++] : b[j++];
        if (!n || x - starts[n - 1] >= 0.5 * d->em)
            starts[n++] = x;
    }
    return n;
}

/* place() for the columns of gutter_columns: each fragment between the middles of
 * the gutters on either side. */
static int place_span(pline_t *l, const double *starts, size_t nc)
{
    int on = l->nfrags > 0;
    for (size_t j = 0; j < l->nfrags; j++) {
        frag_t *f = &l->frags[j];
        f->col = -1;
        for (size_t k = 0; k < nc; k++)
            if (starts[k] <= f->x1)
                f->col = (int)k;
        on &= f->col >= 0 && ((size_t)f->col + 1 == nc || f->x2 < starts[f->col + 1]);
    }
    return on;
}

/* ---- rows ---- */

typedef struct row_s {
    char *cells[MAXCOLS];
    int used;
} row_t;

static int flush(row_t *r, size_t nc, cf__sb_t *out)
{
    if (!r->used)
        return 0;
    for (size_t c = 0; c < nc; c++) {
        if (c)
            cf__sb_adds(out, "\t");
        for (const char *p = r->cells[c]; p && *p; p++) /* a line break kept as <p> */
            cf__sb_adds(out, *p == '\n' ? "<p>" : *p == '\t' ? " " : (char[]){*p, 0});
        free(r->cells[c]);
        r->cells[c] = NULL;
    }
    cf__sb_adds(out, "\n");
    r->used = 0;
    return out->oom ? CF_ENOMEM : 0;
}

/* a continued by b on the next line of its cell: a line ends where the column
 * does, not where a word does, so nothing is put between them but a blank the
 * line ended with, or one between two Latin letters or digits. */
static char *wrap_join(const char *a, const char *b)
{
    size_t n = strlen(a);
    int latin = n && b[0] && ((unsigned char)a[n - 1] < 0x80 && isalnum((unsigned char)a[n - 1])) &&
                ((unsigned char)b[0] < 0x80 && isalnum((unsigned char)b[0]));
    cf__sb_t s = {0};
    cf__sb_adds(&s, a);
    if (n && a[n - 1] == ' ' && b[0] == ' ')
        b++;
    if (latin)
        cf__sb_adds(&s, " ");
    cf__sb_adds(&s, b);
    return cf__sb_take(&s);
}

static int add_cell(row_t *r, int c, const char *text, int same_line)
{
    char *j;
    if (!r->cells[c]) {
        j = strdup(text);
    } else if (same_line) {
        cf__sb_t b = {0};
        cf__sb_adds(&b, r->cells[c]);
        cf__sb_adds(&b, " ");
        cf__sb_adds(&b, text);
        j = cf__sb_take(&b);
    } else {
        j = wrap_join(r->cells[c], text);
    }
    if (!j)
        return CF_ENOMEM;
    free(r->cells[c]);
    r->cells[c] = j;
    r->used = 1;
    return 0;
}

/* The smallest vertical gap between consecutive lines of the grid that occurs
 * often (the 20th percentile): the leading of a wrapped cell. */
static double wrap_gap(const pdoc_t *d, const int *on)
{
    double *g = malloc((d->n ? d->n : 1) * sizeof(double));
    size_t k = 0;
    if (!g)
        return 0;
    for (size_t i = 1; i < d->n; i++)
        if (on[i] && on[i - 1] && d->lines[i].page == d->lines[i - 1].page)
            g[k++] = d->lines[i].top - d->lines[i - 1].bottom;
    qsort(g, k, sizeof(double), dbl_cmp);
    double v = k ? g[k / 5] : 0;
    free(g);
    return v;
}

/* OUT held[i]: 1 when line i and the one before it are in one row because a cell runs
 * from above line i to line i or below: the next line of a column comes within a line's
 * height and a bit (its glyphs' boxes are the font's line box) of the one before it,
 * the cell goes on, whatever lies between. Lines of one column are compared, not
 * consecutive lines: a cell centred down its row (Word's 垂直居中) puts its lines
 * between those of the cell beside it. */
static void held_lines(const pdoc_t *d, const int *on, int *held)
{
    long last[MAXCOLS];
    for (size_t c = 0; c < MAXCOLS; c++)
        last[c] = -1;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; on[i] && j < d->lines[i].nfrags; j++) {
            int c = d->lines[i].frags[j].col;
            const pline_t *p = last[c] >= 0 ? &d->lines[last[c]] : NULL;
            double h = p && p->h > d->lines[i].h ? p->h : d->lines[i].h;
            if (p && p != &d->lines[i] && p->page == d->lines[i].page &&
                d->lines[i].yc - p->yc <= 1.15 * h)
                for (size_t k = (size_t)last[c] + 1; k <= i; k++)
                    held[k] = 1;
            last[c] = (long)i;
        }
}

static int writes_rows(pdoc_t *d, cf__sb_t *out)
{
    double h = d->em, tol = 0.6 * h, starts[MAXCOLS], gstarts[MAXCOLS];
    size_t nc = columns(d, tol, starts), ng = gutter_columns(d, gstarts);
    int spans = ng >= 2 && ng >= nc; /* as many columns, whole: centred cells too */
    if (spans)
        memcpy(starts, gstarts, sizeof(starts)), nc = ng;
    int *on = calloc(d->n ? d->n : 1, sizeof(int)), *held = calloc(d->n ? d->n : 1, sizeof(int));
    if (!on || !held)
        return free(on), free(held), CF_ENOMEM;
    size_t top = 0; /* lines above the table's first (a date, a notice) are text */
    while (top < d->n && d->lines[top].nfrags < 2)
        top++;
    for (size_t i = top; i < d->n; i++)
        on[i] = nc >= 2 && (spans ? place_span(&d->lines[i], starts, nc)
                                  : place(&d->lines[i], starts, nc, tol));
    double gap = wrap_gap(d, on);
    held_lines(d, on, held);
    row_t r = {0};
    int rc = 0;
    for (size_t i = 0; !rc && i < d->n; i++) {
        pline_t *l = &d->lines[i];
        if (!on[i]) { /* text around the table, as it is */
            rc = flush(&r, nc, out);
            for (size_t j = 0; j < l->nfrags; j++) {
                if (j)
                    cf__sb_adds(out, " ");
                cf__sb_adds(out, l->frags[j].text.s ? l->frags[j].text.s : "");
            }
            cf__sb_adds(out, "\n");
            continue;
        }
        int number = 0, first = 0, dummy;
        for (size_t j = 0; j < l->nfrags; j++) {
            first |= l->frags[j].col == 0;
            if (l->frags[j].col == 0 && cf__parse_number(l->frags[j].text.s, &dummy))
                number = 1;
        }
        int page = i > 0 && l->page != d->lines[i - 1].page;
        int brk = i == 0 || !on[i - 1] || (page && (first || !r.cells[0])) ||
                  (!page && !held[i] && l->top - d->lines[i - 1].bottom > gap + 0.5 * h) ||
                  (number && r.cells[0]);
        if (brk)
            rc = flush(&r, nc, out);
        for (size_t j = 0; !rc && j < l->nfrags; j++) {
            int same = j > 0 && l->frags[j - 1].col == l->frags[j].col;
            rc = add_cell(&r, l->frags[j].col, l->frags[j].text.s ? l->frags[j].text.s : "", same);
        }
    }
    if (!rc)
        rc = flush(&r, nc, out);
    for (size_t c = 0; c < MAXCOLS; c++)
        free(r.cells[c]);
    free(on);
    free(held);
    return rc ? rc : out->oom ? CF_ENOMEM : 0;
}

static void pdoc_free(pdoc_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        for (size_t j = 0; j < d->lines[i].nfrags; j++)
            cf__sb_free(&d->lines[i].frags[j].text);
        free(d->lines[i].frags);
    }
    free(d->lines);
}

/* Exported, documented in importer-int.h */
int cf__pdf_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err)
{
    pdoc_t d = {0};
    int rc = read_pages(buf, len, source, &d, err);
    if (!rc && d.n == 0)
        rc = cf_error_set(err, CF_EPARSE, source, 0, 0,
                          "a PDF without a text layer (a scanned image?): no text to read");
    cf__sb_t out = {0};
    if (!rc)
        rc = writes_rows(&d, &out);
    if (!rc) {
        char *t = cf__sb_take(&out);
        if (!t)
            rc = CF_ENOMEM;
        else
            *text = t;
    } else {
        cf__sb_free(&out);
    }
    if (rc == CF_ENOMEM)
        cf_error_set(err, rc, source, 0, 0, "out of memory");
    pdoc_free(&d);
    return rc;
}
