/*
 * shape-labeled.c -- the "labeled" shape of shape.c: one field per line,
 * `事项名称：…`, records one after the other (numbered or not), rewritten as cards
 * `N<TAB>label<TAB>value`, a card starting again where a label comes back; lines
 * that are not fields continue the value above.
 *
 * Why a file: records, not rows: headings, loose labels and where a card starts
 * are its own questions, shared with no table shape.
 */
#include "shape-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- one field per line ---- */

/* Loose fields (a page that prints `职权类型 行政给付` and `职权依据` alone on a
 * line, its value below): set while cf__shape_try_labeled() reads such a document. */
static int loose;

/* The loose forms of a field line: `label value` (one run of blanks after a known
 * label, the value not itself led by a label: a header row is not a field) or a
 * known label alone (OUT *value at its end). Returns 1 for `label value`, 2 for a
 * label alone, 0 otherwise. */
static int labeled_loose(const char *p, size_t *ln, const char **value)
{
    size_t n = strcspn(p, " \t");
    if (n == 0 || n > 60 || !cf__shape_known(p, n) || cf__u8_count(p) > 400)
        return 0;
    const char *v = p + n;
    v += strspn(v, " \t");
    *ln = n;
    *value = v;
    if (!*v)
        return 2;
    size_t vn = strcspn(v, " \t");
    return cf__shape_known(v, vn) ? 0 : 1;
}

/* A line `label：value` with a known label: OUT label length and value start. */
static int labeled(const char *l, size_t *ln, const char **value)
{
    const char *p = l + strspn(l, " \t");
    const char *c1 = strstr(p, "："), *c2 = strchr(p, ':');
    const char *c = c1 && (!c2 || c1 < c2) ? c1 : c2;
    if ((!c || !cf__shape_known(p, (size_t)(c - p))) && loose)
        return labeled_loose(p, ln, value) != 0;
    if (!c || c == p || cf__u8_count(p) < 2)
        return 0;
    size_t n = (size_t)(c - p);
    if (n > 60 || !cf__shape_known(p, n))
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
    return cf__shape_set_line(s, i, &b);
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

/* Exported, documented in shape-int.h */
int cf__shape_try_labeled(shape_t *s)
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
        if ((rc = cf__shape_set_line(s, i, &b)) != 0)
            return loose = 0, rc;
    }
    s->name = loose ? "labeled by blanks" : "labeled";
    loose = 0;
    return 0;
}
