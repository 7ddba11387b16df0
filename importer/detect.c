/*
 * detect.c -- the document as a whole: which format its lines are in, what its
 * title says (how many matters, which agency), and the record list the readers
 * fill.
 *
 * Format detection counts line shapes instead of trusting a file extension or a
 * first line: a "card" line is `N<TAB>label<TAB>value` with a known label; a
 * "table" has a row with three or more known column labels; a "fields" document
 * has lines led by one tab whose text is a known label. Cards are tried first
 * because a short table row ("7<TAB>医疗保险稽核<TAB>...") could look like a card
 * line; a table row has more than two tabs, a card line exactly two.
 *
 * Truncation is judged here for all formats the same way: the last record is
 * smaller than every other one and the file does not end with a line break. A
 * cut that happens to fall at a line break, or inside a last cell, is not
 * detectable from the text alone; the cost of a stricter rule (say, "any short
 * last record") would be refusing honest lists whose last row leaves a column
 * empty.
 */
#include "importer-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- records ---- */

/* Exported, documented in importer-int.h */
int cf__record_add(cf__record_t *r, int kind, const char *label, const char *text, int line)
{
    if (r->fields_count == r->fields_cap) {
        size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
        cf__field_t *f = realloc(r->fields, cap * sizeof(*f));
        if (!f)
            return CF_ENOMEM;
        r->fields = f;
        r->fields_cap = cap;
    }
    cf__field_t *f = &r->fields[r->fields_count];
    f->kind = kind;
    f->label = strdup(label ? label : "");
    f->text = strdup(text ? text : "");
    f->line = line;
    if (!f->label || !f->text) {
        free(f->label);
        free(f->text);
        return CF_ENOMEM;
    }
    r->fields_count++;
    return 0;
}

/* Exported, documented in importer-int.h */
cf__field_t *cf__record_get(const cf__record_t *r, int kind)
{
    for (size_t i = 0; i < r->fields_count; i++)
        if (r->fields[i].kind == kind)
            return &r->fields[i];
    return NULL;
}

/* Exported, documented in importer-int.h */
size_t cf__record_filled(const cf__record_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->fields_count; i++)
        n += !cf__blank(r->fields[i].text);
    return n;
}

/* Exported, documented in importer-int.h */
void cf__record_free(cf__record_t *r)
{
    for (size_t i = 0; i < r->fields_count; i++) {
        free(r->fields[i].label);
        free(r->fields[i].text);
    }
    free(r->fields);
    memset(r, 0, sizeof(*r));
}

/* Exported, documented in importer-int.h */
cf__record_t *cf__doc_record(cf__doc_t *d, int line)
{
    if (d->records_count == d->records_cap) {
        size_t cap = d->records_cap ? d->records_cap * 2 : 32;
        cf__record_t *r = realloc(d->records, cap * sizeof(*r));
        if (!r)
            return NULL;
        d->records = r;
        d->records_cap = cap;
    }
    cf__record_t *r = &d->records[d->records_count++];
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->section = d->section;
    return r;
}

/* Exported, documented in importer-int.h */
int cf__parse_number(const char *text, int *number)
{
    const char *s = text + strspn(text, " \t");
    int v = 0, digits = 0;
    for (;; digits++) {
        if (digits > 4)
            return 0;
        if (*s >= '0' && *s <= '9') {
            v = v * 10 + (*s++ - '0');
        } else if (cf__starts(s, "\xEF\xBC") && (unsigned char)s[2] >= 0x90 &&
                   (unsigned char)s[2] <= 0x99) { /* full-width ０-９ */
            v = v * 10 + ((unsigned char)s[2] - 0x90);
            s += 3;
        } else {
            break;
        }
    }
    if (digits == 0 || digits > 4)
        return 0;
    if (*s == '.' || *s == ')')
        s++;
    else if (cf__starts(s, "、") || cf__starts(s, "．"))
        s += 3;
    if (!cf__blank(s))
        return 0;
    *number = v;
    return 1;
}

/* Exported, documented in importer-int.h */
int cf__parse_sub_number(const char *text, int *number, int *sub)
{
    static const char *const seps[] = {"-", "－", "—", "–", ".", "．", "_"};
    const char *s = text + strspn(text, " \t");
    size_t digits = strspn(s, "0123456789");
    if (digits == 0 || digits > 4)
        return 0;
    const char *p = s + digits;
    size_t k = 0;
    while (k < sizeof(seps) / sizeof(seps[0]) && !cf__starts(p, seps[k]))
        k++;
    if (k == sizeof(seps) / sizeof(seps[0]))
        return 0;
    p += strlen(seps[k]);
    int m;
    if (!isdigit((unsigned char)*p) || !cf__parse_number(p, &m) || m == 0)
        return 0; /* "3-" or "3-a": no 子项 number ("3." is a plain 序号) */
    int n;
    char head[8];
    memcpy(head, s, digits);
    head[digits] = '\0';
    if (!cf__parse_number(head, &n))
        return 0;
    *number = n;
    *sub = m;
    return 1;
}

/* Exported, documented in importer-int.h */
int cf__doc_infer_numbers(cf__doc_t *d)
{
    int prev = 0;
    for (size_t i = 0; i < d->records_count; i++) {
        cf__record_t *r = &d->records[i];
        if (r->number > 0) {
            prev = r->number;
            continue;
        }
        r->number = prev + 1;
        r->number_inferred = 1;
        prev = r->number;
        if (cf_errlist_add(d->repairs, d->source, r->line, 0,
                           "record without 序号: numbered %d (after %d)", r->number, r->number - 1))
            return CF_ENOMEM;
    }
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__doc_truncated(const cf__doc_t *d, const size_t *sizes, size_t n, int line,
                      const char *parts, cf_error_t *err)
{
    if (n < 2 || d->ends_with_newline)
        return 0;
    size_t min = sizes[0];
    for (size_t i = 1; i + 1 < n; i++)
        if (sizes[i] < min)
            min = sizes[i];
    if (sizes[n - 1] >= min)
        return 0;
    return cf_error_set(err, CF_EPARSE, d->source, line, 0,
                        "truncated file: the last record has %zu %s where every other has at "
                        "least %zu, and the file ends without a line break",
                        sizes[n - 1], parts, min);
}

/* ---- format ---- */

static int tabs_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\t';
    return n;
}

/* A card line: N<TAB>label<TAB>value with a known label. */
static int card_line(const char *s)
{
    s += strspn(s, " ");
    size_t d = strspn(s, "0123456789");
    if (d == 0 || d > 3 || s[d] != '\t' || tabs_in(s) != 2)
        return 0;
    char label[256];
    const char *l = s + d + 1;
    size_t ln = strcspn(l, "\t");
    if (ln == 0 || ln >= sizeof(label))
        return 0;
    memcpy(label, l, ln);
    label[ln] = '\0';
    return cf__label_kind(label) >= 0;
}

/* Number of tab-separated cells of s that are known labels. */
static int known_cells(const char *s)
{
    int known = 0;
    char cell[256];
    while (*s) {
        size_t n = strcspn(s, "\t");
        if (n < sizeof(cell)) {
            memcpy(cell, s, n);
            cell[n] = '\0';
            known += cf__label_kind(cell) >= 0;
        }
        s += n + (s[n] == '\t');
    }
    return known;
}

/* Exported, documented in importer-int.h */
char *cf__join_rows(const char *a, const char *b)
{
    cf__sb_t sb = {0};
    while (*a || *b) {
        size_t na = strcspn(a, "\t"), nb = strcspn(b, "\t");
        cf__sb_add(&sb, a, na);
        cf__sb_add(&sb, b, nb);
        a += na + (a[na] == '\t');
        b += nb + (b[nb] == '\t');
        if (*a || *b)
            cf__sb_adds(&sb, "\t");
    }
    return cf__sb_take(&sb);
}

/* 1 if line i, alone or joined with line i + 1, names three or more columns. */
static int header_at(const cf__doc_t *d, size_t i)
{
    if (known_cells(d->lines[i].text) >= 3)
        return 1;
    if (i + 1 >= d->lines_count || tabs_in(d->lines[i + 1].text) < 3)
        return 0;
    char *j = cf__join_rows(d->lines[i].text, d->lines[i + 1].text);
    int known = j ? known_cells(j) : 0;
    free(j);
    return known >= 3;
}

/* Exported, documented in importer-int.h */
int cf__detect(const cf__doc_t *d)
{
    if (d->preset_header)
        return CF__FMT_TABLE;
    int cards = 0, header = 0, fields = 0, tables = 0;
    for (size_t i = 0; i < d->lines_count; i++) {
        const char *s = d->lines[i].text;
        const char *t = s + strspn(s, " ");
        int tabs = tabs_in(s);
        if (card_line(s))
            cards++;
        else if (tabs >= 3 && ++tables && header_at(d, i))
            header = 1;
        else if (tabs == 2 && known_cells(s) >= 3)
            header = 1; /* a list of three columns, each a known label (序号 事项名称 依据) */
        else if (*t == '\t' && tabs == 1 && cf__label_kind(t + 1) >= 0)
            fields++;
    }
    if (cards >= 3 && cards >= tables)
        return CF__FMT_CARDS;
    if (header)
        return CF__FMT_TABLE;
    if (fields >= 3)
        return CF__FMT_FIELDS;
    return CF__FMT_NONE;
}

/* ---- title ---- */

/* The number of matters a title states: 共5类、17项 -> 17; 类(17)项 -> 17. A note that
 * counts each type before the whole (行政许可(37项)、行政确认(11项)…,共737项) states
 * the whole after its last 共. */
static int first_count(const char *s);

static int declared(const char *s)
{
    int whole = 0;
    for (const char *c = strstr(s, "共"); c; c = strstr(c + strlen("共"), "共")) {
        int n = first_count(c);
        whole = n ? n : whole;
    }
    return whole ? whole : first_count(s);
}

/* The first count of matters (N项, (N)项) in s, 0 if none. */
static int first_count(const char *s)
{
    for (const char *p = s; *p;) {
        size_t used;
        long v = cf__numeral(p, &used);
        if (v >= 0 && used) {
            const char *e = p + used;
            if (*e == ')')
                e++;
            else if (cf__starts(e, "）"))
                e += strlen("）");
            if (cf__starts(e, "项") && v > 0 && v < 100000)
                return (int)v;
            p += used;
            continue;
        }
        unsigned cp;
        p += cf__u8_next(p, &cp);
    }
    return 0;
}

/* A count stated as such in a sentence: N项 after 共 and at most a few Han
 * characters (共17项, 共计17项, 共梳理行政权力事项35项); 0 if none. A 共 elsewhere is no
 * statement of a count: 中华人民共和国 in a notice citing a law beside "三项制度" is
 * not a list of three. */
static int stated_count(const char *s)
{
    for (const char *c = strstr(s, "共"); c; c = strstr(c + strlen("共"), "共")) {
        const char *p = c + strlen("共");
        for (int k = 0; *p && k < 16; k++) {
            size_t used;
            long v = cf__numeral(p, &used);
            if (v > 0 && used && v < 100000 && cf__starts(p + used, "项"))
                return (int)v;
            unsigned cp;
            size_t n = (size_t)cf__u8_next(p, &cp);
            if (!cf__is_han(cp))
                break;
            p += n;
        }
    }
    return 0;
}

/* "X局" at the start of a title naming a list ("X局两轻一免清单", "X局行政权力事项清单",
 * "X局2023年度抽查工作计划"): X局, a name of Han characters only, else NULL. */
static char *bureau_title(const char *s)
{
    const char *j = strstr(s, "局");
    if (!j || j == s || !(strstr(j, "清单") || strstr(j, "目录") || strstr(j, "计划")))
        return NULL;
    const char *e = j + strlen("局");
    size_t n = 0;
    for (const char *p = s; p < e; n++) {
        unsigned cp;
        p += cf__u8_next(p, &cp);
        if (!cf__is_han(cp) || n >= 24)
            return NULL;
    }
    return strndup(s, (size_t)(e - s));
}

/* The value of "单位：X" in s: X up to the next blank (a page's metadata line runs on:
 * "发文单位: X局办公室 发布日期: …"), the bureau for its office (X局办公室 -> X局: the
 * general office issues the bureau's notices; it holds no powers), NULL when the label is
 * a site's host (主办单位：某市人民政府办公室 in a page's header or footer) or absent. */
static char *unit_agency(const char *s)
{
    const char *u = strstr(s, "单位：");
    size_t k = strlen("单位：");
    if (!u) {
        u = strstr(s, "单位:");
        k = strlen("单位:");
    }
    if (!u)
        return NULL;
    if (u - s >= 6 && (strncmp(u - 6, "主办", 6) == 0 || strncmp(u - 6, "承办", 6) == 0))
        return NULL;
    const char *v = u + k;
    v += strspn(v, " ");
    if (cf__starts(v, "　"))
        v += strlen("　");
    size_t n = strcspn(v, " \t");
    const char *w = strstr(v, "　");
    if (w && (size_t)(w - v) < n)
        n = (size_t)(w - v);
    char *a = cf__strndup_trim(v, n);
    if (a && cf__ends(a, "局办公室"))
        a[strlen(a) - strlen("办公室")] = '\0';
    return a;
}

/* 1 if s up to e (blanks before e aside) ends in a colon: "名       称: " */
static int labelled(const char *s, const char *e)
{
    while (e > s && e[-1] == ' ')
        e--;
    return (e - s >= 1 && e[-1] == ':') || (e - s >= 3 && strncmp(e - 3, "：", 3) == 0);
}

/* The agency a title names: "单位：X" -> X (unit_agency); "X权责清单" -> X when X ends
 * in 局; else "X局…清单" (bureau_title). */
static char *title_agency(const char *s)
{
    if (strstr(s, "单位：") || strstr(s, "单位:"))
        return unit_agency(s);
    /* a page's metadata labels its title: "名称: 关于印发…" */
    const char *g = strstr(s, "关于");
    if (g && g > s && labelled(s, g))
        s = g;
    /* a notice's title: "关于印发X局权责清单的通知" names X局 */
    if (cf__starts(s, "关于")) {
        s += strlen("关于");
        static const char *const verbs[] = {"印发", "公布", "公开", "调整", "发布"};
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
            if (cf__starts(s, verbs[i]))
                s += strlen(verbs[i]);
    }
    const char *q = strstr(s, "权责");
    if (!q)
        q = strstr(s, "权力清单");
    if (q && q > s) {
        char *a = cf__strndup_trim(s, (size_t)(q - s));
        if (a && cf__ends(a, "局"))
            return a;
        free(a);
    }
    return bureau_title(s);
}

/* Exported, documented in importer-int.h */
int cf__doc_title(cf__doc_t *d, const char *text)
{
    char *t = cf__clean(text, 0);
    if (!t || !*t) {
        free(t);
        return 0;
    }
    char f[256];
    if (cf__u8_count(t) <= 60 && cf__fold(t, f, sizeof(f))) { /* 清單 is 清单 */
        char *g = strdup(f);
        if (!g) {
            free(t);
            return 0;
        }
        free(t);
        t = g;
    }
    int count = declared(t), titled = 0;
    /* a count stated as such (共17项), or in a short line: "三项制度" in a notice's
     * sentence is no count of the list */
    if (count && !d->declared_count && (cf__u8_count(t) <= 60 || stated_count(t) == count))
        d->declared_count = count;
    if (!d->title_agency)
        d->title_agency = title_agency(t);
    if (d->title && strcmp(d->title, t) == 0)
        titled = 1;
    else if (cf__u8_count(t) <= 60 &&
             (strstr(t, "清单") || strstr(t, "目录") || cf__starts(t, "单位") || count))
        titled = 1; /* short: a title, not a footnote that mentions the list */
    if (titled && !d->title) {
        d->title = t;
        return 1;
    }
    free(t);
    return titled;
}

/* Exported, documented in importer-int.h */
int cf__doc_section(cf__doc_t *d, const char *text, int line)
{
    char *t = cf__clean(text, 0);
    if (!t)
        return -1;
    const char *p = t;
    size_t used = 0;
    int paren = cf__starts(p, "（") || *p == '(';
    p += paren ? (*p == '(' ? 1 : 3) : 0;
    if (cf__numeral(p, &used) > 0 && used) { /* 一、 (二) 3. */
        p += used;
        if (cf__starts(p, "、") || cf__starts(p, "）") || cf__starts(p, "．"))
            p += 3;
        else if (*p == '.' || *p == ')')
            p++;
    }
    p += strspn(p, " ");
    /* the type, up to a count or a note: 行政处罚（5项）, 行政检查类, 行政强制事项 */
    const char *e = p;
    while (*e && !cf__starts(e, "（") && *e != '(' && !cf__starts(e, "类") &&
           !cf__starts(e, "事项") && *e != ' ' && !(*e >= '0' && *e <= '9') && !cf__starts(e, "共"))
        e += cf__u8_next(e, &(unsigned){0});
    char type[64];
    int found = 0;
    if (e > p && (size_t)(e - p) < sizeof(type) && cf__u8_count(t) <= 24) {
        memcpy(type, p, (size_t)(e - p));
        type[e - p] = '\0';
        unsigned mask = cf__power_mask(type, NULL);
        for (int i = 0; i < CF__POWER_TYPES && !found; i++)
            if (mask == 1u << i)
                found = i + 1;
    }
    free(t);
    if (!found)
        return 0;
    d->section = found;
    if (d->explain && cf_errlist_add(d->explain, d->source, line, 0,
                                     "section heading: the matters below are %s unless a "
                                     "column says otherwise",
                                     cf__power_names[found - 1]))
        return -1;
    return 1;
}

/* Exported, documented in importer-int.h */
int cf__doc_title_repeat(const cf__doc_t *d, const char *text)
{
    if (!d->title)
        return 0;
    char *t = cf__clean(text, 0);
    int same = t && strcmp(t, d->title) == 0;
    free(t);
    return same;
}

/* Exported, documented in importer-int.h */
int cf__doc_unplaced_line(cf__doc_t *d, const cf__line_t *l, const char *why)
{
    char ex[160];
    if (d->unread_count == d->unread_cap) {
        size_t cap = d->unread_cap ? d->unread_cap * 2 : 16;
        int *x = realloc(d->unread_lines, cap * sizeof(*x));
        if (!x)
            return CF_ENOMEM;
        d->unread_lines = x;
        d->unread_cap = cap;
    }
    d->unread_lines[d->unread_count++] = l->no;
    return cf_errlist_add(d->unplaced, d->source, l->no, 0, "%s: \"%s\"", why,
                          cf__excerpt(l->text, 40, ex, sizeof(ex)));
}
