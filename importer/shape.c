/*
 * shape.c -- plain text in the shapes a copy gives, rewritten into the tab forms
 * the readers know, line for line (so every message keeps its line number).
 *
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
 */
#include "importer-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXCOLS 64

typedef struct shape_s {
    char **lines; /* each malloc'd, no line break */
    size_t n;
    const char *name;
} shape_t;

/* ---- helpers ---- */

static int tabs_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\t';
    return n;
}

static int set_line(shape_t *s, size_t i, cf__sb_t *b)
{
    char *t = cf__sb_take(b);
    if (!t)
        return CF_ENOMEM;
    free(s->lines[i]);
    s->lines[i] = t;
    return 0;
}

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

/* A known label, after normalization. */
static int known(const char *s, size_t n)
{
    char buf[256];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return cf__label_kind(buf) >= 0;
}

/* A word of the header words exactly (no suffix rule: 事项名称权力类型实施依据
 * ends in 依据 but is three words). */
static int word(const char *s, size_t n)
{
    char buf[256], norm[256];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    cf__label_norm(buf, norm, sizeof(norm));
    char f[256];
    return norm[0] &&
           (cf__label_word(norm) >= 0 || (cf__fold(norm, f, sizeof(f)) && cf__label_word(f) >= 0));
}

/* ---- pipes ---- */

static int pipes_in(const char *s)
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
        return set_line(s, i, &b);
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
    return set_line(s, i, &b);
}

/* Cells ended by a pipe in s ("a | b |" has 2). */
static size_t pipe_cells(const char *s)
{
    return (size_t)pipes_in(s);
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
    int rc = set_line(s, from, &b);
    for (size_t i = from + 1; !rc && i < to; i++) {
        cf__sb_t e = {0};
        rc = set_line(s, i, &e);
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

/* Copies of web tables broken at cell boundaries and inside cells: "序号 |",
 * "抽查" + "类别 |", a row's cells one per line. The header runs from the first
 * line naming a column to the first numbered row; a row runs until it has as
 * many cells as the header, or until a line opens a numbered row or is a row
 * of its own (half the header's cells or more: a row under merged cells). */
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
            k += known(cell, strlen(cell));
            free(cell);
            p = *q ? q + (*q == '|' ? 1 : 3) : q;
        }
        if (!k || !pipes_in(l)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < s->n && !numbered_pipe_row(s->lines[j]) && !cf__blank(s->lines[j]))
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

static int try_pipes(shape_t *s)
{
    size_t rows = 0;
    for (size_t i = 0; i < s->n; i++)
        rows += pipes_in(s->lines[i]) >= 2;
    if (rows < 2)
        return 0;
    int rc = logical_rows(s);
    for (size_t i = 0; !rc && i < s->n; i++)
        if (pipes_in(s->lines[i]) >= 2 ||
            (pipes_in(s->lines[i]) == 1 && numbered_pipe_row(s->lines[i])))
            rc = pipe_line(s, i);
    if (!rc)
        s->name = "pipes";
    return rc;
}

/* ---- aligned by blanks ---- */

typedef struct seg_s {
    const char *s;
    size_t n;
    int col; /* display column where it starts */
} seg_t;

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
        k += known(h[i].s, h[i].n);
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
    return set_line(s, i, &b);
}

static int try_aligned(shape_t *s)
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
        k += known(h[i].s, h[i].n);
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

/* Rows of cells separated by single blanks (a web page copied as text): a row
 * starts at a line led by its 序号; a following line without blanks continues
 * the last cell (a name wrapped in a narrow column), one with blanks adds its
 * tokens as cells. The row is written at its first line, tab-separated. */
static int try_spaced(shape_t *s)
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
            rc = set_line(s, open, &b);
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
            rc = set_line(s, i, &e);
        }
    }
    cf__sb_free(&b);
    if (!rc)
        s->name = "spaced";
    return rc;
}

/* ---- run together ---- */

/* Cuts a header line with no separators into known words, longest first.
 * Returns the number of words, 0 when the line is not wholly made of them. */
static size_t together_header(const char *line, seg_t *out, size_t max)
{
    size_t k = 0;
    const char *p = line + strspn(line, " ");
    while (*p && *p != ' ' && k < max) {
        size_t best = 0;
        for (const char *q = p; *q && *q != ' ' && q - p < 48;) {
            unsigned cp;
            q += cf__u8_next(q, &cp);
            if (word(p, (size_t)(q - p)))
                best = (size_t)(q - p);
        }
        if (!best)
            return 0;
        out[k++] = (seg_t){p, best, 0};
        p += best;
        if (*p == ' ' && !cf__blank(p)) /* words apart: not run together */
            return 0;
    }
    return cf__blank(p) ? k : 0;
}

/* The first power type written in s (its start and length), by the names of
 * cf__power_names and the 其他 forms. */
static const char *first_power(const char *s, size_t *len)
{
    static const char *const extra[] = {"其他行政职权", "其他类", "行政裁决", "行政征收"};
    const char *best = NULL;
    for (int i = 0; i < CF__POWER_TYPES + 4; i++) {
        const char *w = i < CF__POWER_TYPES ? cf__power_names[i] : extra[i - CF__POWER_TYPES];
        const char *f = strstr(s, w);
        if (f && (!best || f < best || (f == best && strlen(w) > *len)))
            best = f, *len = strlen(w);
    }
    if (best)
        return best;
    /* A type we do not know (行政执行), shaped like one: 行政 + two Han characters
     * right before the legal basis (【 《) or a numbered list. */
    for (const char *f = strstr(s, "行政"); f; f = strstr(f + 3, "行政")) {
        unsigned a, b;
        const char *q = f + 6;
        if (!*q || !*(q + cf__u8_next(q, &a)))
            break;
        q += cf__u8_next(q, &a);
        q += cf__u8_next(q, &b);
        if (cf__is_han(a) && cf__is_han(b) &&
            (cf__starts(q, "【") || cf__starts(q, "《") || (*q >= '1' && *q <= '9') || !*q)) {
            *len = (size_t)(q - f);
            return f;
        }
    }
    return NULL;
}

/* The 序号 leading a run-together row: digits, or the stars a mirror site
 * writes in place of digits ("*对…"). OUT *masked: 1 for stars. Returns its
 * length, 0 when the line does not start a row. */
static size_t together_number(const char *p, int *masked)
{
    size_t d = strspn(p, "0123456789");
    *masked = 0;
    if (!d && (d = strspn(p, "*")) > 0)
        *masked = 1;
    return d && d <= 4 ? d : 0;
}

/* The text of a row before its power type (after the 序号), or NULL. */
static const char *before_power(const char *line, size_t *len)
{
    const char *p = line + strspn(line, " ");
    int masked;
    size_t d = together_number(p, &masked), plen = 0;
    const char *pw = d ? first_power(p + d, &plen) : NULL;
    if (!pw)
        return NULL;
    *len = (size_t)(pw - (p + d));
    return p + d;
}

/* Columns between the name and the power type (责任科室 in 事项名称责任科室执法类型)
 * cannot be cut from the name by their words; a short value such a column has
 * in every row (基金监管科) can: the longest text that ends every row's part
 * before its power type, when there are two rows or more. Returns its length in
 * bytes (on a character boundary), 0 if none. */
static size_t common_tail(const shape_t *s, size_t from)
{
    const char *first = NULL;
    size_t flen = 0, tail = SIZE_MAX, rows = 0;
    for (size_t i = from; i < s->n; i++) {
        size_t len;
        const char *t = before_power(s->lines[i], &len);
        if (!t)
            continue;
        rows++;
        if (!first) {
            first = t, flen = len, tail = len;
            continue;
        }
        size_t k = 0;
        while (k < tail && k < len && first[flen - 1 - k] == t[len - 1 - k])
            k++;
        tail = k;
    }
    if (rows < 2 || tail == SIZE_MAX)
        return 0;
    while (tail && ((unsigned char)first[flen - tail] & 0xC0) == 0x80)
        tail--;                                 /* whole characters only */
    return tail >= 6 && tail < flen ? tail : 0; /* two Han characters at least */
}

static int together_line(shape_t *s, size_t i, const int *kinds, size_t nh, size_t tail)
{
    const char *p = s->lines[i] + strspn(s->lines[i], " ");
    int masked;
    size_t d = together_number(p, &masked);
    if (!d || kinds[0] != CF__K_NUMBER)
        return 0;
    size_t plen = 0;
    const char *pw = first_power(p + d, &plen);
    for (int more = 1; pw && more;) { /* combined: 行政检查和行政处罚 */
        const char *e = pw + plen, *j = NULL;
        size_t l2 = 0;
        more = 0;
        for (int k = 0; k < 4 && !more; k++) {
            static const char *const conj[] = {"和", "、", "及", "与"};
            if (cf__starts(e, conj[k]) && (j = first_power(e + 3, &l2)) == e + 3)
                plen += 3 + l2, more = 1;
        }
    }
    cf__sb_t b = {0};
    if (!masked) /* stars: no 序号 (inferred) */
        cf__sb_add(&b, p, d);
    const char *rest = p + d;
    rest += strspn(rest, ".、 ");
    size_t between = pw && tail && (size_t)(pw - rest) > tail ? tail : 0;
    for (size_t c = 1; c < nh; c++) {
        cf__sb_adds(&b, "\t");
        if (kinds[c] == CF__K_POWER && pw && pw >= rest) {
            cf__sb_add(&b, pw, plen);
            rest = pw + plen;
        } else if (kinds[c] == CF__K_NAME && pw && pw > rest) {
            cf__sb_add(&b, rest, (size_t)(pw - between - rest));
            rest = pw - between;
        } else if (between && rest == pw - between) { /* the column between */
            cf__sb_add(&b, rest, between);
            rest = pw;
        } else if (pw && rest == pw && kinds[c] != CF__K_POWER) {
            /* another column before the power type: empty */
        } else if (kinds[c] != CF__K_POWER &&
                   (c + 1 == nh || kinds[c + 1] != CF__K_POWER || !pw || pw < rest)) {
            cf__sb_adds(&b, rest); /* the rest of the row: realigned by content later */
            rest += strlen(rest);
        }
    }
    return set_line(s, i, &b);
}

static int try_together(shape_t *s)
{
    seg_t h[MAXCOLS];
    size_t nh = 0, at = 0;
    for (size_t i = 0; i < s->n && !nh; i++)
        if (!strchr(s->lines[i], '\t') && (nh = together_header(s->lines[i], h, MAXCOLS)) < 3)
            nh = 0;
        else if (nh)
            at = i;
    if (!nh)
        return 0;
    int kinds[MAXCOLS];
    cf__sb_t b = {0};
    for (size_t c = 0; c < nh; c++) {
        char l[256];
        snprintf(l, sizeof(l), "%.*s", (int)h[c].n, h[c].s);
        kinds[c] = cf__label_kind(l);
        if (c)
            cf__sb_adds(&b, "\t");
        cf__sb_add(&b, h[c].s, h[c].n);
    }
    int rc = set_line(s, at, &b);
    size_t name = 0, power = 0;
    for (size_t c = 0; c < nh; c++) {
        name = kinds[c] == CF__K_NAME && !name ? c : name;
        power = kinds[c] == CF__K_POWER && !power ? c : power;
    }
    size_t tail = name && power > name + 1 ? common_tail(s, at + 1) : 0;
    for (size_t i = at + 1; !rc && i < s->n; i++)
        rc = together_line(s, i, kinds, nh, tail);
    s->name = "together";
    return rc;
}

/* ---- one cell per line ---- */

static int try_cells(shape_t *s)
{
    size_t run = 0, at = 0;
    for (size_t i = 0; i < s->n && run < 3; i++) {
        const char *l = s->lines[i];
        if (cf__blank(l))
            continue;
        if (strchr(l, '\t') || !known(l, strlen(l)) || cf__u8_count(l) > 16) {
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
        int rc = set_line(s, i, &b);
        if (rc)
            return rc;
    }
    s->name = "cells";
    return 0;
}

/* ---- one field per line ---- */

/* Loose fields (a page that prints `职权类型 行政给付` and `职权依据` alone on a
 * line, its value below): set while try_labeled() reads such a document. */
static int loose;

/* The loose forms of a field line: `label value` (one run of blanks after a known
 * label, the value not itself led by a label: a header row is not a field) or a
 * known label alone (OUT *value at its end). Returns 1 for `label value`, 2 for a
 * label alone, 0 otherwise. */
static int labeled_loose(const char *p, size_t *ln, const char **value)
{
    size_t n = strcspn(p, " \t");
    if (n == 0 || n > 60 || !known(p, n) || cf__u8_count(p) > 400)
        return 0;
    const char *v = p + n;
    v += strspn(v, " \t");
    *ln = n;
    *value = v;
    if (!*v)
        return 2;
    size_t vn = strcspn(v, " \t");
    return known(v, vn) ? 0 : 1;
}

/* A line `label：value` with a known label: OUT label length and value start. */
static int labeled(const char *l, size_t *ln, const char **value)
{
    const char *p = l + strspn(l, " \t");
    const char *c1 = strstr(p, "："), *c2 = strchr(p, ':');
    const char *c = c1 && (!c2 || c1 < c2) ? c1 : c2;
    if ((!c || !known(p, (size_t)(c - p))) && loose)
        return labeled_loose(p, ln, value) != 0;
    if (!c || c == p || cf__u8_count(p) < 2)
        return 0;
    size_t n = (size_t)(c - p);
    if (n > 60 || !known(p, n))
        return 0;
    *ln = n;
    *value = c + (c == c1 ? 3 : 1);
    *value += strspn(*value, " ");
    return 1;
}

/* A numbered heading that opens a record: "1." "1、" "（一）" "第1项", with or
 * without text after it. OUT *text: what follows the number. */
static int heading(const char *l, const char **text)
{
    const char *p = l + strspn(l, " ");
    size_t used = 0;
    int paren = cf__starts(p, "（") || *p == '(';
    if (paren)
        p += *p == '(' ? 1 : 3;
    if (cf__starts(p, "第"))
        p += 3;
    long v = cf__numeral(p, &used);
    if (v <= 0 || !used)
        return 0;
    p += used;
    if (cf__starts(p, "项"))
        p += 3;
    if (paren && (cf__starts(p, "）") || *p == ')'))
        p += *p == ')' ? 1 : 3;
    else if (*p == '.' || cf__starts(p, "、") || cf__starts(p, "．"))
        p += *p == '.' ? 1 : 3;
    else if (!paren && *p != ' ' && *p)
        return 0;
    *text = p + strspn(p, " ");
    /* 一、行政处罚 is a section heading (detect.c), not a record */
    return !(cf__u8_count(*text) <= 16 && cf__power_mask(*text, NULL) != 0);
}

/* 1 when a field line naming the matter (事项名称：…) follows line i before the
 * next heading. */
static int named_below(const shape_t *s, size_t i)
{
    for (size_t j = i + 1; j < s->n; j++) {
        const char *t, *v;
        size_t ln;
        if (heading(s->lines[j], &t))
            return 0;
        if (labeled(s->lines[j], &ln, &v)) {
            char lab[256];
            const char *p = s->lines[j] + strspn(s->lines[j], " \t");
            snprintf(lab, sizeof(lab), "%.*s", (int)ln, p);
            if (cf__label_kind(lab) == CF__K_NAME)
                return 1;
        }
    }
    return 0;
}

/* A heading opens a card: its number as 序号, or, when no field line below names
 * the matter, its text as the name (the 序号 then inferred). */
static int heading_line(shape_t *s, size_t i, const char *text, unsigned *seen)
{
    const char *p = s->lines[i] + strspn(s->lines[i], " ");
    p += cf__starts(p, "（") ? 3 : *p == '(';
    p += cf__starts(p, "第") ? 3 : 0;
    size_t used;
    char num[32];
    snprintf(num, sizeof(num), "%ld", cf__numeral(p, &used));
    cf__sb_t b = {0};
    *seen = 1u << CF__K_NUMBER;
    if (*text && !named_below(s, i)) {
        cf__sb_adds(&b, "1\t事项名称\t");
        cf__sb_adds(&b, text);
        *seen |= 1u << CF__K_NAME;
    } else {
        cf__sb_adds(&b, "1\t序号\t");
        cf__sb_adds(&b, num);
    }
    return set_line(s, i, &b);
}

/* The loose fields of a document: 1 when at least two `label value` lines and
 * three field lines in all name different kinds. */
static int loose_fields(const shape_t *s)
{
    size_t valued = 0, all = 0;
    unsigned kinds = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t ln;
        const char *v, *p = s->lines[i] + strspn(s->lines[i], " ");
        int f = strchr(p, '\t') ? 0 : labeled_loose(p, &ln, &v);
        if (!f)
            continue;
        char lab[256];
        snprintf(lab, sizeof(lab), "%.*s", (int)ln, p);
        int k = cf__label_kind(lab);
        if (k < 0 || k >= 32 || (kinds & (1u << k)))
            continue;
        kinds |= 1u << k;
        valued += f == 1;
        all++;
    }
    return valued >= 2 && all >= 3 && (kinds & (1u << CF__K_NAME));
}

static int try_labeled(shape_t *s)
{
    size_t fields = 0;
    loose = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t ln;
        const char *v;
        fields += !strchr(s->lines[i], '\t') && labeled(s->lines[i], &ln, &v);
    }
    if (fields < 3 && !(loose = loose_fields(s)))
        return 0;
    unsigned seen = 0;
    int n = 0, started = 0, rc;
    for (size_t i = 0; i < s->n; i++) {
        const char *l = s->lines[i], *v, *text;
        size_t ln;
        cf__sb_t b = {0};
        char num[16];
        if (labeled(l, &ln, &v)) {
            char lab[256];
            snprintf(lab, sizeof(lab), "%.*s", (int)ln, l + strspn(l, " \t"));
            int k = cf__label_kind(lab);
            if (k >= 0 && k < 32 && (seen & (1u << k)) && k != CF__K_OTHER && k != CF__K_NOTE)
                n = 0, seen = 0; /* the label comes back: a new record */
            if (k >= 0 && k < 32)
                seen |= 1u << k;
            snprintf(num, sizeof(num), "%d", ++n);
            cf__sb_adds(&b, num);
            cf__sb_adds(&b, "\t");
            cf__sb_adds(&b, lab);
            cf__sb_adds(&b, "\t");
            cf__sb_adds(&b, v);
            started = 1;
        } else if (heading(l, &text) && cf__u8_count(l) < 200) {
            rc = heading_line(s, i, text, &seen);
            n = 1, started = 1;
            if (rc)
                return rc;
            continue;
        } else if (started && !cf__blank(l)) {
            cf__sb_adds(&b, "\t\t");
            cf__sb_adds(&b, l + strspn(l, " "));
        } else {
            continue;
        }
        if ((rc = set_line(s, i, &b)) != 0)
            return loose = 0, rc;
    }
    s->name = loose ? "labeled by blanks" : "labeled";
    loose = 0;
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
        if (strlen(last) + fl >= sizeof(both) || known(last, strlen(last)))
            continue;
        snprintf(both, sizeof(both), "%s%.*s", last, (int)fl, b);
        if (!known(both, strlen(both)))
            continue;
        int k = 0;
        for (const char *p = a; *p;) {
            size_t n = strcspn(p, "\t");
            k += known(p, n);
            p += n + (p[n] == '\t');
        }
        if (k < 2)
            continue;
        cf__sb_t sb = {0};
        cf__sb_adds(&sb, a);
        cf__sb_adds(&sb, b);
        int rc = set_line(s, i, &sb);
        cf__sb_t empty = {0};
        if (!rc)
            rc = set_line(s, i + 1, &empty);
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
    int rc = try_pipes(s);
    if (!rc && !s->name && tab_shaped(s))
        return try_broken(s);
    if (!rc && !s->name)
        rc = try_labeled(s);
    if (!rc && !s->name)
        rc = try_cells(s);
    if (!rc && !s->name)
        rc = try_aligned(s);
    if (!rc && !s->name)
        rc = try_together(s);
    if (!rc && !s->name)
        rc = try_spaced(s);
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
    if (strchr(line, '\t') || pipes_in(line) >= 2) {
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
    const char *pw = first_power(rest, &plen);
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
            rc = set_line(&s, i, &b);
        } else if (in && !cf__blank(s.lines[i]) && !strchr(s.lines[i], '\t')) {
            cf__sb_free(&b); /* a line of the row above: its last cell goes on */
            cf__sb_adds(&b, "\t\t\t");
            cf__sb_adds(&b, s.lines[i]);
            rc = set_line(&s, i, &b);
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
