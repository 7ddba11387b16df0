/*
 * table.c -- the "table" format: tab-separated rows under a header row.
 *
 * What PDF and web-page converters do to these tables, and what this file does
 * about it:
 *   - The header repeats at the top of every page (and a page title above it):
 *     a row whose cells are known labels is a header; one equal to the current
 *     header is skipped, a different one replaces it.
 *   - The header spans two rows (事项名称 over 项目 | 子项): a row right below the
 *     header with an empty first cell and only short label-like cells refines the
 *     labels of the columns (an empty label takes the lower one; an unknown upper
 *     label joined with the lower one may make a known label).
 *   - A row broken by a page break continues on the next page in a row with an
 *     empty 序号 (and usually an empty 事项名称); or, when the converter put the
 *     序号 on the second half, the first half has no 序号 and the second repeats
 *     the number inferred for the first. Such rows are merged into the record,
 *     cell by cell: text cells are joined, one-token cells (权力类型, 主体) are
 *     kept when equal and reported as a conflict when not, the half carrying the
 *     printed 序号 winning.
 *   - Cells merged across rows (a 权力类型 or 依据 printed once for several
 *     rows): a row without 序号 but with a name of its own is its own matter
 *     and takes the merged cells' values from the row above; a row without a
 *     name continues the row above. A printed 序号 equal to the record's
 *     inferred one merges only at the top of a page (the converter put the
 *     number on the second half of a broken row).
 *   - A heading line naming a power type (一、行政处罚) sets the type of the
 *     rows below it that have no 权力类型 of their own (detect.c); so does a
 *     workbook's tab (行政处罚(48)), each sheet a table of its own (sheet_start).
 *   - A 权力类型 merged down rows that a page break splits is printed on the first
 *     page only: the numbered rows at the next page's top take it down, reported.
 *   - A title in one cell right above a header is the title, not the first half
 *     of a header broken over two lines; an empty row is nothing.
 *   - A row lacks one or more columns, so its later cells sit to the left: the
 *     row's non-empty cells are aligned to the columns, in order, maximizing how
 *     well each cell's class fits its column's kind (classify.c), by dynamic
 *     programming; the realignment is used only when it is clearly better
 *     (RETHRESH) than leaving the cells where they are.
 *
 * Alternatives rejected: fixed per-file column maps (they fit five files, not the
 * family); shifting a short row right by the count of missing cells (the missing
 * columns are not always at the same place: a row of 004 lacks 子项 and 实施主体,
 * a row of 001 lacks three columns after the name). Cost: the alignment is
 * O(cells x columns) per row, trivial at these sizes, and rests on the class
 * scores being right.
 *
 * Map (each part starts with a "----" comment): rows and headers (labels, a header's
 * second row, repeated headers); alignment (a short row's cells to their columns);
 * records (rows broken by a page or merged down a column, joined into matters); the
 * reader (cf__read_table and the lines it reports).
 */
#include "importer-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCOLS    64
#define BONUS      1   /* a cell staying in its own column */
#define DROP_EMPTY -1  /* leaving out a placeholder such as 无 */
#define DROP_TEXT  -12 /* leaving out real text (reported) */
#define RETHRESH   6   /* half points a realignment must gain */
#define LIKE       6   /* bytes a cell must share with the one above (two Han characters) */
#define LIKE_BONUS 3   /* a cell that starts as the one above it in the column did */

typedef struct row_s {
    char *buf;
    char **cells;
    size_t n;
} row_t;

typedef struct table_s {
    cf__doc_t *d;
    int kinds[MAXCOLS];
    char *labels[MAXCOLS];
    size_t ncols;
    char *sig;     /* the header's labels, to recognize its repeats */
    int page_top;  /* the next data row starts a page */
    long cur;      /* index of the current record, -1 if none */
    size_t *sizes; /* cells of every data row, for truncation */
    size_t rows;
    int last_line;
    int header_line;              /* line of the header being set, for --explain */
    int type_run;                 /* rows taking the 权力类型 merged across a page break */
    int section_top;              /* a heading (一、行政处罚) since the last data row */
    size_t sheet;                 /* the workbook's sheets begun (d->sheets) */
    char prev[MAXCOLS][LIKE + 1]; /* each column's start in the row above */
} table_t;

/* ---- rows and headers ---- */

static int split_row(const char *text, row_t *r)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == '\t';
    r->buf = strdup(text);
    r->cells = malloc(n * sizeof(char *));
    if (!r->buf || !r->cells) {
        free(r->buf);
        free(r->cells);
        return CF_ENOMEM;
    }
    r->n = 0;
    for (char *p = r->buf;;) {
        r->cells[r->n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return 0;
}

static void free_row(row_t *r)
{
    free(r->buf);
    free(r->cells);
    memset(r, 0, sizeof(*r));
}

static int is_header(const row_t *r)
{
    int known = 0, filled = 0, number;
    for (size_t i = 0; i < r->n; i++) {
        filled += !cf__blank(r->cells[i]);
        known += cf__label_kind(r->cells[i]) >= 0;
    }
    return known >= 3 && known * 2 >= filled && !cf__parse_number(r->cells[0], &number);
}

/* 1 if cell i of the sub-row r repeats the header's cell above it: a label merged
 * down both rows (序号, 权力类型), shared down by a spreadsheet's merged range. */
static int repeats_above(const row_t *h, const row_t *r, size_t i)
{
    return i < h->n && !cf__blank(r->cells[i]) && strcmp(h->cells[i], r->cells[i]) == 0;
}

/* The second row of a two-row header below h: empty first cell (or the one above
 * repeated), short cells that are labels themselves (子项) or complete the label
 * above them (权力 + 类型); the cells that repeat the one above do not count. */
static int is_subheader(const row_t *h, const row_t *r)
{
    int filled = 0, known = 0;
    if (!cf__blank(r->cells[0]) && !repeats_above(h, r, 0))
        return 0;
    for (size_t i = 1; i < r->n; i++) {
        if (cf__blank(r->cells[i]) || repeats_above(h, r, i))
            continue;
        int cls = cf__classify(r->cells[i]);
        if (cf__u8_count(r->cells[i]) > 8 || (cls != CF__C_TEXT && cls != CF__C_AGENCY))
            return 0;
        filled++;
        char both[512];
        snprintf(both, sizeof(both), "%s%s", i < h->n ? h->cells[i] : "", r->cells[i]);
        known += cf__label_kind(r->cells[i]) >= 0 || cf__label_kind(both) >= 0;
    }
    return filled > 0 && known > 0;
}

/* The label and kind of column i from the header row h and the sub-row s. */
static int column_label(const row_t *h, const row_t *s, size_t i, char *out, size_t size)
{
    const char *top = i < h->n ? h->cells[i] : "";
    const char *low = s && i < s->n && !repeats_above(h, s, i) ? s->cells[i] : "";
    char both[512];
    if (cf__blank(top)) {
        cf__label_norm(low, out, size);
        return cf__label_kind(low);
    }
    cf__label_norm(top, out, size);
    int kind = cf__label_kind(top);
    /* 事项名称 over 主项 | 子项 (the name merged over both): the 子项 is the sub-row's */
    if (kind == CF__K_NAME && !cf__blank(low) && cf__label_kind(low) == CF__K_SUB_ITEM) {
        cf__label_norm(low, out, size);
        return CF__K_SUB_ITEM;
    }
    if (kind < 0 && !cf__blank(low)) {
        snprintf(both, sizeof(both), "%s%s", top, low);
        if (cf__label_kind(both) >= 0) {
            cf__label_norm(both, out, size);
            kind = cf__label_kind(both);
        }
    }
    return kind;
}

/* For --explain: each column's label and what it was taken for, one item each. */
static int explain_header(table_t *t)
{
    cf__doc_t *d = t->d;
    int rc = cf_errlist_add(d->explain, d->source, t->header_line, 0, "header row: %zu columns",
                            t->ncols);
    for (size_t i = 0; !rc && i < t->ncols; i++)
        rc = cf_errlist_add(d->explain, d->source, t->header_line, 0, "  column %zu \"%s\" -> %s",
                            i + 1, t->labels[i],
                            t->kinds[i] == CF__K_OTHER ? "kept in extra under its label"
                                                       : cf__kind_name(t->kinds[i]));
    return rc ? CF_ENOMEM : 0;
}

/* The unit a 法定期限 column's header gives in parentheses (法定期限（工作日）) is kept
 * in its label, after the normalized words: the cells under it may be bare numbers
 * ("20"), whose unit only the label says (cf__time_limit_bare). */
static void keep_unit(const row_t *h, const row_t *s, size_t i, char *label, size_t size)
{
    const char *raw = i < h->n && !cf__blank(h->cells[i]) ? h->cells[i]
                      : s && i < s->n                     ? s->cells[i]
                                                          : "";
    const char *p = strstr(raw, "（"), *a = strchr(raw, '(');
    if (!p || (a && a < p))
        p = a;
    const char *e = p ? strpbrk(p, ")\n") : NULL, *w = p ? strstr(p, "）") : NULL;
    if (w && (!e || w < e))
        e = w + strlen("）");
    else if (e && *e == ')')
        e++;
    else
        return;
    size_t n = (size_t)(e - p), l = strlen(label);
    char group[64];
    if (n >= sizeof(group) || l + n >= size)
        return;
    memcpy(group, p, n);
    group[n] = '\0';
    if (strstr(group, "日") || strstr(group, "天") || strstr(group, "时") || strstr(group, "時") ||
        strstr(group, "月"))
        memcpy(label + l, group, n + 1);
}

static int set_header(table_t *t, const row_t *h, const row_t *s)
{
    size_t n = h->n > (s ? s->n : 0) ? h->n : s->n;
    cf__sb_t sig = {0};
    if (n > MAXCOLS)
        n = MAXCOLS;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->labels[i]);
    t->ncols = 0;
    for (size_t i = 0; i < n; i++) {
        char label[256];
        int kind = column_label(h, s, i, label, sizeof(label));
        t->kinds[i] = kind < 0 ? CF__K_OTHER : kind;
        cf__sb_adds(&sig, label);
        cf__sb_adds(&sig, "|");
        if (kind == CF__K_TIME_LIMIT)
            keep_unit(h, s, i, label, sizeof(label));
        t->labels[i] = strdup(label[0] ? label : "");
        if (!t->labels[i])
            return CF_ENOMEM;
        t->ncols = i + 1;
    }
    if (explain_header(t))
        return cf__sb_free(&sig), CF_ENOMEM;
    free(t->sig);
    t->sig = cf__sb_take(&sig);
    return t->sig ? 0 : CF_ENOMEM;
}

/* 1 if h repeats the current header. */
static int same_header(const table_t *t, const row_t *h)
{
    cf__sb_t sig = {0};
    for (size_t i = 0; i < h->n && i < MAXCOLS; i++) {
        char label[256];
        cf__label_norm(h->cells[i], label, sizeof(label));
        cf__sb_adds(&sig, label);
        cf__sb_adds(&sig, "|");
    }
    char *s = cf__sb_take(&sig);
    int same = s && t->sig && cf__starts(t->sig, s);
    free(s);
    return same;
}

/* ---- alignment ---- */

typedef struct cells_s {
    size_t n;
    size_t orig[MAXCOLS * 2];
    int cls[MAXCOLS * 2];
    int place[MAXCOLS * 2]; /* column, or -1 when left out */
} cells_t;

static int drop_score(int cls)
{
    return cls == CF__C_PLACEHOLDER ? DROP_EMPTY : DROP_TEXT;
}

/* A cell in a column under a cell that starts the same way (全市定点医疗机构 under
 * 全市定点零售药店): the rows of a column resemble each other. This tells the cells
 * of a row that lost a merged cell (a group label spanning rows, dropped by a copy
 * of the page) from those that stayed, where their classes are alike (text). */
static int like_above(const table_t *t, size_t j, const char *cell)
{
    return t->prev[j][0] && strncmp(t->prev[j], cell, LIKE) == 0 ? LIKE_BONUS : 0;
}

/* Best order-preserving placement of the cells in the columns; returns its score
 * and fills c->place. */
static int best_alignment(const table_t *t, const row_t *r, cells_t *c)
{
    int f[MAXCOLS * 2 + 1][MAXCOLS + 1];
    unsigned char ch[MAXCOLS * 2 + 1][MAXCOLS + 1];
    size_t m = t->ncols, n = c->n;
    for (size_t i = n + 1; i-- > 0;)
        for (size_t j = m + 1; j-- > 0;) {
            if (i == n) {
                f[i][j] = 0;
                continue;
            }
            int best = drop_score(c->cls[i]) + f[i + 1][j], choice = 0;
            if (j < m) {
                int v = cf__score(t->kinds[j], c->cls[i]) + (c->orig[i] == j ? BONUS : 0) +
                        like_above(t, j, r->cells[c->orig[i]]) + f[i + 1][j + 1];
                if (v >= best)
                    best = v, choice = 2;
                if (f[i][j + 1] > best)
                    best = f[i][j + 1], choice = 1;
            }
            f[i][j] = best;
            ch[i][j] = (unsigned char)choice;
        }
    for (size_t i = 0, j = 0; i < n;) {
        if (ch[i][j] == 2)
            c->place[i++] = (int)j++;
        else if (ch[i][j] == 1)
            j++;
        else
            c->place[i++] = -1;
    }
    return f[0][0];
}

static int identity(const table_t *t, const row_t *r, cells_t *c)
{
    int score = 0;
    for (size_t i = 0; i < c->n; i++) {
        c->place[i] = c->orig[i] < t->ncols ? (int)c->orig[i] : -1;
        score += c->place[i] < 0 ? drop_score(c->cls[i])
                                 : cf__score(t->kinds[c->place[i]], c->cls[i]) + BONUS +
                                       like_above(t, c->orig[i], r->cells[c->orig[i]]);
    }
    return score;
}

/* Notes a realignment and reports the cells left out. */
static int report_alignment(table_t *t, const row_t *r, const cells_t *c, int line, int realigned)
{
    cf__sb_t note = {0};
    char ex[160];
    int shown = 0, rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const char *cell = r->cells[c->orig[i]];
        if (c->place[i] < 0 && c->cls[i] != CF__C_PLACEHOLDER)
            rc = cf_errlist_add(t->d->unplaced, t->d->source, line, (int)c->orig[i] + 1,
                                "cell %zu fits no column: \"%s\"", c->orig[i] + 1,
                                cf__excerpt(cell, 40, ex, sizeof(ex)));
        if (realigned && c->place[i] >= 0 && (size_t)c->place[i] != c->orig[i] && shown++ < 4) {
            cf__sb_adds(&note, shown > 1 ? ", " : "");
            cf__sb_adds(&note, cf__excerpt(cell, 12, ex, sizeof(ex)));
            cf__sb_adds(&note, " -> ");
            cf__sb_adds(&note, t->labels[c->place[i]][0] ? t->labels[c->place[i]] : "?");
        }
    }
    char *s = cf__sb_take(&note);
    if (!rc && s && realigned)
        rc = cf_errlist_add(t->d->repairs, t->d->source, line, 0,
                            "row lacks columns; cells put back by content: %s%s", s,
                            shown > 4 ? ", ..." : "");
    free(s);
    return rc ? rc : s ? 0 : CF_ENOMEM;
}

/* Places the row's cells in the columns: out[j] is the text of column j (borrowed
 * from r, "" when empty). */
static int align(table_t *t, const row_t *r, int line, const char **out)
{
    cells_t c;
    c.n = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (cf__blank(r->cells[i]))
            continue;
        if (c.n == MAXCOLS * 2) { /* far more cells than any header has columns */
            char ex[160];
            if (cf_errlist_add(t->d->unplaced, t->d->source, line, (int)i + 1,
                               "cell %zu fits no column: \"%s\"", i + 1,
                               cf__excerpt(r->cells[i], 40, ex, sizeof(ex))))
                return CF_ENOMEM;
            continue;
        }
        c.orig[c.n] = i;
        c.cls[c.n++] = cf__classify(r->cells[i]);
    }
    int realigned = 0;
    int base = identity(t, r, &c);
    cells_t best = c;
    if (best_alignment(t, r, &best) - base >= RETHRESH) {
        c = best;
        realigned = 1;
    }
    for (size_t j = 0; j < t->ncols; j++)
        out[j] = "";
    for (size_t i = 0; i < c.n; i++)
        if (c.place[i] >= 0)
            out[c.place[i]] = r->cells[c.orig[i]];
    for (size_t j = 0; j < t->ncols; j++) { /* its start only; a short cell is like nothing */
        size_t n = strnlen(out[j], LIKE);
        memcpy(t->prev[j], out[j], n == LIKE ? LIKE : 0);
        t->prev[j][n == LIKE ? LIKE : 0] = '\0';
    }
    return report_alignment(t, r, &c, line, realigned);
}

/* ---- records ---- */

static const char *column_text(const table_t *t, const char **texts, int kind)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (t->kinds[j] == kind && !cf__blank(texts[j]))
            return texts[j];
    return "";
}

/* A row without 序号 but with a name of its own is its own matter under cells
 * merged across rows (权力类型, 依据, 主体 printed once for several rows): its
 * empty cells of those kinds take the values of the row above. */
static int share_merged(table_t *t, const cf__record_t *above, cf__record_t *r, int line)
{
    static const int kinds[] = {CF__K_NAME,   CF__K_POWER, CF__K_BASIS,
                                CF__K_AGENCY, CF__K_UNIT,  CF__K_LEVEL};
    int shared = 0;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        cf__field_t *f = cf__record_get(r, kinds[k]), *a = cf__record_get(above, kinds[k]);
        if (!f || !a || !cf__blank(f->text) || cf__blank(a->text))
            continue;
        char *x = strdup(a->text);
        if (!x)
            return CF_ENOMEM;
        free(f->text);
        f->text = x;
        shared++;
    }
    if (!shared)
        return 0;
    return cf_errlist_add(t->d->repairs, t->d->source, line, 0,
                          "row %d shares %d merged cell(s) with the row above", r->number, shared);
}

/* A 权力类型 merged down rows that a page break splits: a PDF or Word copy prints
 * it once, on the first page, and the rows under the repeated header have the
 * cell empty. A numbered row at the top of a page (or one continuing such a run),
 * with a power column but no type of its own, under a record that has one, takes
 * it; reported. A row with a type of its own ends the run. Only at a page's top:
 * an empty type amid a page is a gap, and reported as such (matter.c). */
static int share_type_across_page(table_t *t, long above, int page_top)
{
    cf__record_t *r = &t->d->records[t->cur];
    cf__field_t *f = cf__record_get(r, CF__K_POWER);
    const cf__field_t *a = above >= 0 ? cf__record_get(&t->d->records[above], CF__K_POWER) : NULL;
    if (!f || !cf__blank(f->text)) {
        t->type_run = 0;
        return 0;
    }
    if (!a || cf__blank(a->text) || !(page_top || t->type_run))
        return 0;
    char *x = strdup(a->text);
    if (!x)
        return CF_ENOMEM;
    free(f->text);
    f->text = x;
    t->type_run = 1;
    return cf_errlist_add(t->d->repairs, t->d->source, r->line, 0,
                          "%s empty in row %d below a page break: \"%s\" of row %d above, a cell "
                          "merged across the page",
                          f->label, r->number, x, t->d->records[above].number);
}

static int new_record(table_t *t, const char **texts, int line, int number)
{
    cf__doc_t *d = t->d;
    int prev = t->cur >= 0 ? d->records[t->cur].number : 0;
    cf__record_t *r = cf__doc_record(d, line);
    if (!r)
        return CF_ENOMEM;
    t->cur = (long)d->records_count - 1;
    for (size_t j = 0; j < t->ncols; j++)
        if (cf__record_add(r, t->kinds[j], t->labels[j], texts[j], line))
            return CF_ENOMEM;
    r->number = number;
    if (number > 0)
        return 0;
    /* A 子项 of the 主项 above (its name merged, a 子项 of its own; or a name that is only
     * "子项：…") shares the 主项's 序号: numbered as the next one, it would take the id of
     * the row printed with it. */
    const cf__field_t *name = cf__record_get(r, CF__K_NAME),
                      *sub = cf__record_get(r, CF__K_SUB_ITEM);
    int sub_row = t->cur > 0 && prev > 0 && name &&
                  ((cf__blank(name->text) && sub && !cf__blank(sub->text)) ||
                   cf__starts(name->text, "子项：") || cf__starts(name->text, "子项:"));
    r->number = sub_row ? prev : prev + 1;
    r->number_inferred = 1;
    if (cf_errlist_add(d->repairs, d->source, line, 0,
                       sub_row ? "子项 row without 序号: numbered %d, as its 主项 above"
                               : "row without 序号: numbered %d",
                       r->number))
        return CF_ENOMEM;
    return t->cur > 0 ? share_merged(t, &d->records[t->cur - 1], r, line) : 0;
}

/* Merges one cell of a continuation row into field f. number_wins: the new row
 * carries the printed 序号 and the record's was inferred. */
static int merge_cell(table_t *t, cf__field_t *f, const char *text, int line, int number_wins)
{
    char a[160], b[160];
    if (cf__blank(text))
        return 0;
    if (cf__blank(f->text) || !cf__kind_atomic(f->kind)) {
        char *tail = cf__strndup_trim(text, strlen(text));
        int repeated = tail && !cf__blank(f->text) && cf__ends(f->text, tail);
        free(tail);
        if (repeated) /* the converter printed the tail twice, once per page */
            return 0;
        char *j = cf__blank(f->text) ? strdup(text) : cf__join(f->text, text);
        if (!j)
            return CF_ENOMEM;
        free(f->text);
        f->text = j;
        return 0;
    }
    char *x = cf__clean(f->text, 0), *y = cf__clean(text, 0);
    int same = x && y && strcmp(x, y) == 0, rc = 0;
    if (x && y && !same) {
        const char *kept = number_wins ? y : x, *lost = number_wins ? x : y;
        rc = cf_errlist_add(t->d->unplaced, t->d->source, number_wins ? f->line : line, 0,
                            "%s \"%s\" conflicts with \"%s\" in a row continued across a page; "
                            "kept \"%s\"",
                            f->label, cf__excerpt(lost, 30, a, sizeof(a)),
                            cf__excerpt(kept, 30, b, sizeof(b)), b);
        char *n = !rc && number_wins ? strdup(text) : NULL;
        if (n) {
            free(f->text);
            f->text = n;
            f->line = line;
        } else if (!rc && number_wins) {
            rc = CF_ENOMEM;
        }
    }
    free(x);
    free(y);
    return x && y ? rc : CF_ENOMEM;
}

static int merge_row(table_t *t, const char **texts, int line, int number)
{
    cf__record_t *r = &t->d->records[t->cur];
    int number_wins = number > 0 && r->number_inferred;
    for (size_t j = 0; j < t->ncols && j < r->fields_count; j++) {
        if (r->fields[j].kind == CF__K_NUMBER)
            continue;
        int rc = merge_cell(t, &r->fields[j], texts[j], line, number_wins);
        if (rc)
            return rc;
    }
    if (number_wins) {
        r->number_inferred = 0;
        cf__field_t *f = cf__record_get(r, CF__K_NUMBER);
        char *n = f ? strdup(column_text(t, texts, CF__K_NUMBER)) : NULL;
        if (f && n) {
            free(f->text);
            f->text = n;
        }
    }
    return cf_errlist_add(t->d->repairs, t->d->source, line, 0,
                          "row continues 序号 %d (line %d) across a page break; merged", r->number,
                          r->line);
}

/* A row under cells merged across rows, copied without their empty places (a
 * pipe or blank-separated copy drops them): no 序号, its first cell is text, it
 * has fewer cells than the header but half of them or more. Its cells are the
 * columns from the name's on, in order. Returns 1 and fills out, else 0. */
static int merged_left(table_t *t, const row_t *row, int line, const char **out)
{
    size_t filled = 0, name = t->ncols;
    int n;
    for (size_t i = 0; i < row->n; i++)
        filled += !cf__blank(row->cells[i]);
    for (size_t j = 0; j < t->ncols && name == t->ncols; j++)
        if (t->kinds[j] == CF__K_NAME)
            name = j;
    if (name == 0 || name == t->ncols || row->n == 0 || cf__blank(row->cells[0]) ||
        cf__parse_number(row->cells[0], &n) || cf__parse_sub_number(row->cells[0], &n, &n) ||
        filled >= t->ncols || filled * 2 < t->ncols || filled > t->ncols - name)
        return 0;
    for (size_t j = 0; j < t->ncols; j++)
        out[j] = "";
    for (size_t i = 0, j = name; i < row->n && j < t->ncols; i++)
        if (!cf__blank(row->cells[i]))
            out[j++] = row->cells[i];
    return cf_errlist_add(t->d->repairs, t->d->source, line, 0,
                          "row without 序号 under merged cells: its cells taken from column %zu "
                          "(%s) on",
                          name + 1, t->labels[name])
               ? -1
               : 1;
}

/* Column i of a label spanning i and i + 1 (子项 over its number | its name, as a
 * PDF or a converter gives it: the label over one column, the other blank or the
 * label repeated): 1, OUT *lab the labelled one. */
static int spanned(const table_t *t, size_t i, size_t *lab)
{
    int blank_a = !t->labels[i][0], blank_b = !t->labels[i + 1][0];
    if (blank_a && t->kinds[i + 1] != CF__K_OTHER)
        return *lab = i + 1, 1;
    if ((blank_b || strcmp(t->labels[i], t->labels[i + 1]) == 0) && t->kinds[i] != CF__K_OTHER)
        return *lab = i, 1;
    return 0;
}

/* A table with no 序号 column but a label spanning two columns, one of which holds a
 * number in the first data row: that one is the 序号 (of the 子项 the label names),
 * the other the label's column. Said by --explain. Returns 0 or CF_ENOMEM. */
static int number_under_span(table_t *t, const row_t *row, int line)
{
    int n;
    for (size_t i = 0; i < t->ncols; i++)
        if (t->kinds[i] == CF__K_NUMBER)
            return 0;
    for (size_t i = 0, lab; i + 1 < t->ncols && i + 1 < row->n; i++) {
        if (!spanned(t, i, &lab))
            continue;
        size_t num = cf__parse_number(row->cells[i], &n)       ? i
                     : cf__parse_number(row->cells[i + 1], &n) ? i + 1
                                                               : SIZE_MAX;
        if (num == SIZE_MAX)
            continue;
        size_t other = num == i ? i + 1 : i;
        char *label = strdup(t->labels[lab]), *no = strdup("序号");
        if (!label || !no)
            return free(label), free(no), CF_ENOMEM;
        t->kinds[other] = t->kinds[lab];
        t->kinds[num] = CF__K_NUMBER;
        free(t->labels[other]);
        free(t->labels[num]);
        t->labels[other] = label;
        t->labels[num] = no;
        return cf_errlist_add(t->d->explain, t->d->source, line, 0,
                              "column %zu, under \"%s\" spanning two columns, holds its 序号",
                              num + 1, label)
                   ? CF_ENOMEM
                   : 0;
    }
    return 0;
}

static int data_row(table_t *t, const row_t *row, int line)
{
    const char *texts[MAXCOLS];
    if (number_under_span(t, row, line))
        return CF_ENOMEM;
    int merged = merged_left(t, row, line, texts);
    if (merged < 0)
        return CF_ENOMEM;
    int rc = merged ? 0 : align(t, row, line, texts), number = 0;
    if (rc)
        return rc;
    const char *printed = column_text(t, texts, CF__K_NUMBER);
    int subno = 0, numbered = cf__parse_number(printed, &number) ||
                              cf__parse_sub_number(printed, &number, &subno);
    int has_name = !cf__blank(column_text(t, texts, CF__K_NAME));
    int has_power = !cf__blank(column_text(t, texts, CF__K_POWER));
    int continues = 0;
    if (t->cur >= 0) {
        const cf__record_t *cur = &t->d->records[t->cur];
        const cf__field_t *sub = cf__record_get(cur, CF__K_SUB_ITEM);
        /* a 子项 of its own under the 主项 above (its name merged): its own matter */
        int own_sub = !has_name && !t->page_top && sub && !cf__blank(sub->text) &&
                      !cf__blank(column_text(t, texts, CF__K_SUB_ITEM));
        if (numbered)
            continues = number == cur->number && t->page_top;
        else
            continues = !own_sub && (!has_name || (t->page_top && !has_power));
    }
    int page_top = t->page_top && !t->section_top;
    t->page_top = 0;
    t->section_top = 0;
    if (continues)
        return merge_row(t, texts, line, numbered ? number : 0);
    long above = t->cur;
    int rc2 = new_record(t, texts, line, numbered ? number : 0);
    if (!rc2 && numbered && !subno)
        rc2 = share_type_across_page(t, above, page_top);
    /* "3-1" under 3: a 子项 of its own, printed without the 主项's merged cells; so is a
     * 子项 numbered on its own (4 under 3) under the 主项 merged down its 子项 */
    const cf__field_t *up =
        above >= 0 ? cf__record_get(&t->d->records[above], CF__K_SUB_ITEM) : NULL;
    int own_numbered = numbered && !subno && !has_name && up && !cf__blank(up->text) &&
                       !cf__blank(column_text(t, texts, CF__K_SUB_ITEM));
    if (!rc2 && above >= 0 && ((subno && t->d->records[above].number == number) || own_numbered))
        rc2 = share_merged(t, &t->d->records[above], &t->d->records[t->cur], line);
    return rc2;
}

/* ---- the reader ---- */

/* The column of h a compact sub-row (compact_subheader) splits: the first label
 * after 序号 that begins as the sub-row's first cell does (抽查项目 over 抽查类别 |
 * 抽查事项), else the name column (事项名称 over 主项 | 子项); -1 if none. */
static int group_column(const row_t *h, const row_t *s)
{
    unsigned a, b;
    int len = cf__u8_next(s->cells[0], &a);
    for (size_t i = 1; i < h->n; i++)
        if (cf__u8_next(h->cells[i], &b) == len && a == b && cf__label_kind(h->cells[i]) < 0)
            return (int)i;
    for (size_t i = 1; i < h->n; i++)
        if (cf__label_kind(h->cells[i]) == CF__K_NAME)
            return (int)i;
    return -1;
}

/* A web page copied as text drops the cells a two-row header merges down (序号,
 * 检查对象 over both rows) and the span of the group label above: the second row
 * is then only the group's labels, from the first cell ("抽查类别 | 抽查事项(内容)"
 * under "序号 | 抽查项目 | 检查对象 | ..."). Two or more short label-like cells, at
 * least one a known label, fewer than the header's, no 序号: the header h is
 * rewritten in *out with the group's cell replaced by them. 1 if so, 0 if not, or
 * CF_ENOMEM. */
static int compact_subheader(const row_t *h, const row_t *s, row_t *out)
{
    size_t k = s->n;
    while (k > 0 && cf__blank(s->cells[k - 1]))
        k--;
    if (k < 2 || k >= h->n || cf__parse_number(s->cells[0], &(int){0}))
        return 0;
    int known = 0;
    for (size_t i = 0; i < k; i++) {
        int cls = cf__classify(s->cells[i]);
        if (cf__blank(s->cells[i]) || cf__u8_count(s->cells[i]) > 12 ||
            (cls != CF__C_TEXT && cls != CF__C_AGENCY))
            return 0;
        known += cf__label_kind(s->cells[i]) >= 0;
    }
    int g = known ? group_column(h, s) : -1;
    if (g < 0)
        return 0;
    cf__sb_t sb = {0};
    for (size_t i = 0; i < h->n; i++) {
        for (size_t j = 0; j < ((int)i == g ? k : 1); j++) {
            if (sb.len)
                cf__sb_adds(&sb, "\t");
            cf__sb_adds(&sb, (int)i == g ? s->cells[j] : h->cells[i]);
        }
    }
    char *text = cf__sb_take(&sb);
    int rc = text ? split_row(text, out) : CF_ENOMEM;
    free(text);
    return rc ? rc : 1;
}

/* A header row (a repeat is skipped); takes the row below it too when that
 * refines the labels. *i advances past the rows used. */
static int header_rows(table_t *t, size_t *i, const row_t *row)
{
    cf__doc_t *d = t->d;
    t->page_top = 1;
    if (t->ncols && same_header(t, row))
        return 0;
    t->header_line = d->lines[*i].no;
    row_t sub = {0};
    int rc = 0;
    row_t whole = {0};
    int compact = 0;
    if (*i + 1 < d->lines_count && (rc = split_row(d->lines[*i + 1].text, &sub)) == 0 &&
        is_subheader(row, &sub))
        ++*i;
    else {
        compact = rc ? 0 : compact_subheader(row, &sub, &whole);
        free_row(&sub);
        if (compact < 0)
            return compact;
        *i += compact;
    }
    rc = rc ? rc : set_header(t, compact ? &whole : row, sub.n ? &sub : NULL);
    free_row(&sub);
    free_row(&whole);
    return rc;
}

/* 1 when text is a note or a total printed under (or among) the rows: 注：…, 备注：…,
 * 说明：…, 填表说明…, 附注…, 合计, 共计… (a colon after 注 or 说明, so a name that starts
 * with the word does not count). */
static int is_note(const char *text)
{
    static const char *const marks[] = {
        "注：", "注:",    "备注：", "备注:", "说明：", "说明:", "填表说明",
        "附注", "注释：", "注释:",  "合计",  "总计",   "小计",  "共计"};
    const char *p = text + strspn(text, " \t");
    if (cf__starts(p, "注") && (p[3] >= '1' && p[3] <= '9')) /* 注1： */
        return 1;
    for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
        if (cf__starts(p, marks[k]))
            return 1;
    return 0;
}

/* 1 when row is a note or a total (is_note): its first cell with text, in the first two
 * columns, is one, and at most two more cells follow it (注： | 1.本清单…). */
static int note_row(const row_t *row)
{
    size_t filled = 0, first = row->n;
    for (size_t c = 0; c < row->n; c++)
        if (!cf__blank(row->cells[c])) {
            filled++;
            first = first < c ? first : c;
        }
    return filled > 0 && first <= 1 && filled <= 3 && is_note(row->cells[first]);
}

/* A sheet's or a page's title in one cell (merged across the columns) right above
 * a row that is a header by itself: "济源市医疗保障局行政检查事项" names no 清单 for
 * cf__doc_title to know it, and joined to the header as the half of a header broken
 * over two lines it made the 序号 column's label (every 序号 then inferred). Taken
 * as the title, said in --explain. 1 if so, 0 if not, -1 out of memory. */
static int title_above_header(table_t *t, size_t i, const row_t *row, size_t filled, size_t only)
{
    cf__doc_t *d = t->d;
    if (filled != 1 || only != 0 || row->n < 2 || i + 1 >= d->lines_count ||
        cf__u8_count(row->cells[0]) > 60 || cf__parse_number(row->cells[0], &(int){0}) ||
        cf__label_kind(row->cells[0]) >= 0) /* 序号 over a header's second row: its part */
        return 0;
    row_t next = {0};
    if (split_row(d->lines[i + 1].text, &next))
        return -1;
    int header = is_header(&next);
    free_row(&next);
    if (!header)
        return 0;
    cf__doc_title(d, row->cells[0]); /* the agency it may name */
    t->page_top = 1;
    return cf_errlist_add(d->explain, d->source, d->lines[i].no, 0,
                          "title above the header: \"%s\"", row->cells[0])
               ? -1
               : 1;
}

/* One line; *i may advance past a header's second row. */
static int table_line(table_t *t, size_t *i, row_t *row)
{
    cf__doc_t *d = t->d;
    const cf__line_t *l = &d->lines[*i];
    size_t filled = 0, only = 0;
    for (size_t c = 0; c < row->n; c++)
        if (!cf__blank(row->cells[c]))
            filled++, only = c;
    if (filled == 0 && row->n > 1) /* an empty row of a table (a spacer): nothing to read */
        return 0;
    int sec = filled == 1 ? cf__doc_section(d, row->cells[only], l->no) : 0;
    if (sec) { /* 一、行政处罚: a heading line, or a row whose one cell spans the table */
        t->page_top = 1;
        t->section_top = 1; /* the heading gives the type below, not the row above */
        t->type_run = 0;
        return sec < 0 ? CF_ENOMEM : 0;
    }
    if (filled == 1 && only == 0 && row->n > 1 && !t->ncols && cf__doc_title(d, row->cells[0])) {
        t->page_top = 1; /* a title merged across the columns: a sheet saved as text writes */
        return 0; /* "某市医疗保障局权责清单<TAB><TAB>…", not a header's first part */
    }
    if (t->ncols && note_row(row)) { /* 注：…, 合计 under the rows: no matter */
        t->page_top = 1;
        return cf__doc_unplaced_line(d, l, "a note or a total, not a matter");
    }
    if (row->n == 1) {
        if (cf__blank(l->text) || cf__doc_title(d, l->text)) {
            t->page_top = 1;
            return 0;
        }
        t->page_top = 1;
        return cf__doc_unplaced_line(
            d, l, t->ncols ? "line outside the table's columns" : "text before the table");
    }
    if (is_header(row))
        return header_rows(t, i, row);
    int titled = title_above_header(t, *i, row, filled, only);
    if (titled)
        return titled < 0 ? CF_ENOMEM : 0;
    if (*i + 1 < d->lines_count && !cf__parse_number(row->cells[0], &(int){0})) {
        char *j = cf__join_rows(l->text, d->lines[*i + 1].text);
        row_t joined = {0};
        int rc = j ? split_row(j, &joined) : CF_ENOMEM, split = !rc && is_header(&joined);
        free(j);
        if (split)
            ++*i;
        rc = rc ? rc : split ? header_rows(t, i, &joined) : 0;
        free_row(&joined);
        if (rc || split)
            return rc;
    }
    if (!t->ncols)
        return cf__doc_unplaced_line(d, l, "row before the table's header");
    size_t *s = realloc(t->sizes, (t->rows + 1) * sizeof(*s));
    if (!s)
        return CF_ENOMEM;
    t->sizes = s;
    t->sizes[t->rows++] = row->n;
    t->last_line = l->no;
    return data_row(t, row, l->no);
}

/* A workbook's next sheet begins at line: a table of its own (a sheet numbering its
 * rows from 1 again is no continuation of the last sheet's row 1, nor does it share
 * its merged cells), and a tab named for a power type (行政处罚(48), 行政检查) is the
 * section heading of its rows; a tab named otherwise (公共服务) ends the section. */
static int sheet_start(table_t *t, int line)
{
    const cf__sheets_t *s = t->d->sheets;
    int rc = 0;
    while (!rc && s && t->sheet < s->items_count && s->items[t->sheet].line <= line) {
        if (t->sheet > 0) {
            t->cur = -1;
            t->type_run = 0;
            t->page_top = 1;
        }
        t->d->section = 0;
        rc = cf__doc_section(t->d, s->items[t->sheet].name, s->items[t->sheet].line) < 0 ? CF_ENOMEM
                                                                                         : 0;
        t->sheet++;
    }
    return rc;
}

/* Record j's field of kind k given the value of record from (a cell merged down
 * rows), reported. */
static int take_centred(cf__doc_t *d, size_t j, size_t from, int k)
{
    cf__field_t *f = cf__record_get(&d->records[j], k);
    const cf__field_t *a = cf__record_get(&d->records[from], k);
    char *x = strdup(a->text);
    if (!x)
        return CF_ENOMEM;
    free(f->text);
    f->text = x;
    return cf_errlist_add(d->repairs, d->source, d->records[j].line, 0,
                          "row %d: %s \"%s\" taken from row %d (a cell merged down rows, printed "
                          "once in their middle, as a PDF prints it)",
                          d->records[j].number, f->label, x, d->records[from].number)
               ? CF_ENOMEM
               : 0;
}

/* A PDF prints a cell merged down rows (a 权力类型, an agency, a level) once, in the
 * middle of the rows it spans: the value lands in the middle row, the rows above and
 * below have the cell empty. Each run of rows with the column empty (not under a
 * section heading, which gives their type) takes the value of the nearest row above
 * that has one for its upper half and of the nearest below for its lower half (the
 * value sits in the middle of its span); the first run takes the one below it, the
 * last the one above. */
static int spread_centred(cf__doc_t *d)
{
    static const int kinds[] = {CF__K_POWER, CF__K_AGENCY, CF__K_UNIT, CF__K_LEVEL};
    int rc = 0;
    for (size_t n = 0; !rc && n < sizeof(kinds) / sizeof(kinds[0]); n++) {
        int k = kinds[n];
        long above = -1;
        for (size_t i = 0; !rc && i < d->records_count; i++) {
            const cf__field_t *f = cf__record_get(&d->records[i], k);
            if (!f || !cf__blank(f->text) || d->records[i].section) {
                above = f && !cf__blank(f->text) ? (long)i : -1;
                continue;
            }
            size_t end = i; /* the run [i, end) of empty cells, the row at end below it */
            while (end < d->records_count && !d->records[end].section &&
                   cf__record_get(&d->records[end], k) &&
                   cf__blank(cf__record_get(&d->records[end], k)->text))
                end++;
            int below = end < d->records_count && cf__record_get(&d->records[end], k) &&
                        !d->records[end].section;
            for (size_t j = i; !rc && j < end && (above >= 0 || below); j++) {
                int up = above >= 0 && (!below || j - i < (end - i + 1) / 2);
                rc = take_centred(d, j, up ? (size_t)above : end, k);
            }
            i = end - 1;
            above = -1;
        }
    }
    return rc;
}

/* Exported, documented in importer-int.h */
int cf__read_table(cf__doc_t *d, cf_error_t *err)
{
    table_t t;
    memset(&t, 0, sizeof(t));
    t.d = d;
    t.cur = -1;
    int rc = 0;
    if (d->preset_header) { /* the text has none (cf__headerless) */
        row_t h;
        if ((rc = split_row(d->preset_header, &h)) == 0) {
            rc = set_header(&t, &h, NULL);
            free_row(&h);
        }
    }
    for (size_t i = 0; i < d->lines_count && !rc; i++) {
        row_t row;
        if ((rc = sheet_start(&t, d->lines[i].no)) != 0 ||
            (rc = split_row(d->lines[i].text, &row)) != 0)
            break;
        rc = table_line(&t, &i, &row);
        free_row(&row);
    }
    if (!rc && !t.ncols)
        rc = cf_error_set(err, CF_EPARSE, d->source, 0, 0,
                          "no header row: expected a row naming the columns (序号, 事项名称, "
                          "权力类型, 实施依据, ...)");
    if (!rc)
        rc = cf__doc_truncated(d, t.sizes, t.rows, t.last_line, "cells", err);
    if (!rc && d->from_pdf)
        rc = spread_centred(d);
    for (size_t j = 0; j < t.ncols; j++)
        free(t.labels[j]);
    free(t.sig);
    free(t.sizes);
    return rc;
}
