/*
 * fields.c -- the two line-oriented formats: "fields" (one field per line) and
 * "cards" (one labeled line per field, one card per matter).
 *
 * FIELDS. A table flattened by a converter: each cell becomes a line led by a
 * tab (more cells on one line are more tabs), a cell spanning several lines
 * continues on lines without a tab, and blank lines separate both records and
 * paragraphs inside a cell, so they mean nothing. The header is the first run
 * of cells that are all known labels. Records are cut by content, not by count:
 *   - a 序号 starts a record;
 *   - a power type (or another 序号) met after the record has passed that
 *     column starts a record that lacks its 序号 (numbered later, and noted);
 *   - any other cell goes to the next column, or further right when it fits a
 *     later column clearly better (a record that lacks a middle field);
 *   - an empty cell (a line that is only a tab) just takes the next column.
 * Rejected: cutting at blank lines (they also separate paragraphs of a cell)
 * and counting cells (records lack their 序号 or 备注).
 *
 * CARDS. Lines `N<TAB>label<TAB>value`; a card starts again at N = 1 (or when N
 * does not grow, or at a second 序号); lines led by tabs continue the value
 * above. Labels are mapped one by one (they vary from card to card: 处罚依据,
 * 设定依据, 强制依据 are all the legal basis), so no header is needed.
 *
 * Page titles between records, in both formats, are recognized as titles
 * (detect.c) and skipped; any other stray line is reported as unplaced.
 */
#include "importer-int.h"

#include <stdlib.h>
#include <string.h>

#define MAXCOLS 64

/* ---- fields ---- */

typedef struct fields_s {
    cf__doc_t *d;
    int kinds[MAXCOLS];
    char *labels[MAXCOLS];
    size_t ncols;
    int header_done;
    long cur;   /* current record, -1 if none */
    size_t col; /* next column of the current record */
} fields_t;

/* Appends a continuation line to the last field of the current record. */
static int continue_field(cf__doc_t *d, long cur, const char *text)
{
    if (cur < 0 || cf__blank(text))
        return 0;
    cf__record_t *r = &d->records[cur];
    if (!r->fields_count)
        return 0;
    cf__field_t *f = &r->fields[r->fields_count - 1];
    char *j = cf__join(f->text, text);
    if (!j)
        return CF_ENOMEM;
    free(f->text);
    f->text = j;
    return 0;
}

static long column_of(const fields_t *s, int kind)
{
    for (size_t j = 0; j < s->ncols; j++)
        if (s->kinds[j] == kind)
            return (long)j;
    return -1;
}

/* The column a cell of class cls goes to, from s->col on: the next one unless a
 * later one fits better by more than the columns skipped. */
static size_t next_column(const fields_t *s, int cls)
{
    size_t best = s->col;
    int best_v = cf__score(s->kinds[s->col], cls);
    for (size_t j = s->col + 1; j < s->ncols; j++) {
        int v = cf__score(s->kinds[j], cls) - 2 * (int)(j - s->col);
        if (v > best_v)
            best = j, best_v = v;
    }
    return best;
}

static int start_record(fields_t *s, int line)
{
    if (!cf__doc_record(s->d, line))
        return CF_ENOMEM;
    s->cur = (long)s->d->records_count - 1;
    s->col = 0;
    return 0;
}

/* Places one cell of a record. */
static int place_cell(fields_t *s, const char *text, int line)
{
    int cls = cf__classify(text), number = 0;
    long restart = -1;
    if (cls == CF__C_NUMBER || cls == CF__C_POWER) {
        long j = column_of(s, cls == CF__C_NUMBER ? CF__K_NUMBER : CF__K_POWER);
        if (j >= 0 && (s->cur < 0 || (size_t)j < s->col || cls == CF__C_NUMBER))
            restart = j;
    }
    if (cls == CF__C_EMPTY && (s->cur < 0 || s->col >= s->ncols))
        return 0;
    int placed = restart >= 0; /* a 序号 or a power type: its own column */
    if (!placed && (s->cur < 0 || s->col >= s->ncols))
        restart = 0; /* the record is full: a new one, the cell where it fits best */
    if (restart >= 0) {
        int rc = start_record(s, line);
        if (rc)
            return rc;
        s->col = (size_t)restart;
    }
    size_t j = cls == CF__C_EMPTY || placed ? s->col : next_column(s, cls);
    cf__record_t *r = &s->d->records[s->cur];
    if (s->kinds[j] == CF__K_NUMBER && cf__parse_number(text, &number))
        r->number = number;
    s->col = j + 1;
    return cf__record_add(r, s->kinds[j], s->labels[j], text, line);
}

/* A header cell; returns 1 if text was taken as one. */
static int header_cell(fields_t *s, const char *text)
{
    int kind = cf__label_kind(text);
    char label[256];
    if (kind < 0 || s->ncols == MAXCOLS)
        return 0;
    cf__label_norm(text, label, sizeof(label));
    for (size_t j = 0; s->header_done && j < s->ncols; j++)
        if (strcmp(s->labels[j], label) == 0)
            return 1; /* a repeated header cell: skip it */
    if (s->header_done)
        return 0;
    s->labels[s->ncols] = strdup(label);
    if (!s->labels[s->ncols])
        return -1;
    s->kinds[s->ncols++] = kind;
    return 1;
}

static int field_cell(fields_t *s, const cf__line_t *l, const char *text)
{
    int h = cf__blank(text) ? 0 : header_cell(s, text);
    if (h < 0)
        return CF_ENOMEM;
    if (h)
        return 0;
    if (!s->header_done && s->ncols < 3) {
        for (size_t j = 0; j < s->ncols; j++)
            free(s->labels[j]);
        s->ncols = 0;
        return cf__blank(text) ? 0 : cf__doc_unplaced_line(s->d, l, "field before the header");
    }
    s->header_done = 1;
    return place_cell(s, text, l->no);
}

static int fields_line(fields_t *s, const cf__line_t *l)
{
    const char *tab = strchr(l->text, '\t');
    if (!tab) {
        if (cf__blank(l->text) || cf__doc_title_repeat(s->d, l->text))
            return 0;
        int sec = s->cur < 0 || s->d->records[s->cur].fields_count
                      ? cf__doc_section(s->d, l->text, l->no)
                      : 0;
        if (sec)
            return sec < 0 ? CF_ENOMEM : 0;
        if (s->cur >= 0)
            return continue_field(s->d, s->cur, l->text);
        return cf__doc_title(s->d, l->text) ? 0
                                            : cf__doc_unplaced_line(s->d, l,
                                                                    "text before "
                                                                    "the records");
    }
    char *copy = strdup(l->text);
    if (!copy)
        return CF_ENOMEM;
    char *p = copy + (tab - l->text);
    *p++ = '\0';
    int rc = continue_field(s->d, s->cur, copy);
    for (char *next; !rc && p; p = next) {
        next = strchr(p, '\t');
        if (next)
            *next++ = '\0';
        rc = field_cell(s, l, p);
    }
    free(copy);
    return rc;
}

/* Exported, documented in importer-int.h */
int cf__read_fields(cf__doc_t *d, cf_error_t *err)
{
    fields_t s;
    memset(&s, 0, sizeof(s));
    s.d = d;
    s.cur = -1;
    int rc = 0;
    for (size_t i = 0; i < d->lines_count && !rc; i++)
        rc = fields_line(&s, &d->lines[i]);
    if (!rc && !s.header_done)
        rc = cf_error_set(err, CF_EPARSE, d->source, 0, 0,
                          "no header: expected lines naming the fields (序号, 权力类型, "
                          "权力事项, ...) before the records");
    size_t *sizes = rc ? NULL : malloc((d->records_count + 1) * sizeof(*sizes));
    if (!rc && !sizes)
        rc = CF_ENOMEM;
    for (size_t i = 0; !rc && i < d->records_count; i++)
        sizes[i] = d->records[i].fields_count;
    if (!rc && d->records_count)
        rc = cf__doc_truncated(d, sizes, d->records_count, d->records[d->records_count - 1].line,
                               "fields", err);
    free(sizes);
    for (size_t j = 0; j < s.ncols; j++)
        free(s.labels[j]);
    return rc;
}

/* ---- cards ---- */

/* Parses "N<TAB>label<TAB>value" in place. Returns 1 and the parts, else 0. */
static int card_parts(char *s, int *n, char **label, char **value)
{
    s += strspn(s, " ");
    size_t d = strspn(s, "0123456789");
    if (d == 0 || d > 3 || s[d] != '\t')
        return 0;
    *n = atoi(s);
    *label = s + d + 1;
    char *t = strchr(*label, '\t');
    *value = t ? t + 1 : *label + strlen(*label);
    if (t)
        *t = '\0';
    return cf__label_kind(*label) >= 0 || (t && !cf__blank(*label) && strlen(*label) < 64);
}

static int card_line(cf__doc_t *d, const cf__line_t *l, int *last_n)
{
    char *copy = strdup(l->text), *label, *value, norm[256];
    int n, rc = 0;
    if (!copy)
        return CF_ENOMEM;
    card_parts(copy, &n, &label, &value);
    int kind = cf__label_kind(label);
    cf__record_t *r = d->records_count ? &d->records[d->records_count - 1] : NULL;
    if (!r || n == 1 || n <= *last_n || (kind == CF__K_NUMBER && cf__record_get(r, kind))) {
        r = cf__doc_record(d, l->no);
        rc = r ? 0 : CF_ENOMEM;
    }
    *last_n = n;
    cf__label_norm(label, norm, sizeof(norm));
    if (!rc)
        rc = cf__record_add(r, kind < 0 ? CF__K_OTHER : kind, norm, value, l->no);
    if (!rc && kind == CF__K_NUMBER)
        cf__parse_number(value, &r->number);
    free(copy);
    return rc;
}

/* Exported, documented in importer-int.h */
int cf__read_cards(cf__doc_t *d, cf_error_t *err)
{
    int last_n = 0, rc = 0;
    for (size_t i = 0; i < d->lines_count && !rc; i++) {
        const cf__line_t *l = &d->lines[i];
        char *copy = strdup(l->text), *label, *value;
        int n;
        if (!copy)
            return CF_ENOMEM;
        int card = card_parts(copy, &n, &label, &value);
        free(copy);
        if (card)
            rc = card_line(d, l, &last_n);
        else if (l->text[0] == '\t' && d->records_count)
            rc = continue_field(d, (long)d->records_count - 1, l->text);
        else if (!cf__blank(l->text) && (rc = cf__doc_section(d, l->text, l->no)) != 0)
            rc = rc < 0 ? CF_ENOMEM : 0;
        else if (!cf__blank(l->text) && !cf__doc_title(d, l->text))
            rc = cf__doc_unplaced_line(
                d, l, d->records_count ? "line outside the cards" : "text before the first card");
    }
    if (rc || !d->records_count)
        return rc;
    size_t *sizes = malloc(d->records_count * sizeof(*sizes));
    if (!sizes)
        return CF_ENOMEM;
    for (size_t i = 0; i < d->records_count; i++)
        sizes[i] = d->records[i].fields_count;
    rc = cf__doc_truncated(d, sizes, d->records_count, d->records[d->records_count - 1].line,
                           "fields", err);
    free(sizes);
    return rc;
}
