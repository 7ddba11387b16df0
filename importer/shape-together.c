/*
 * shape-together.c -- the "together" shape of shape.c: no separators at all, a
 * header line that is nothing but known words run together, rows
 * `1对…的处罚行政处罚《…》…` cut at their 序号 and at the first power type, the
 * rest going to the next column (realigned by content later). A header wrapped
 * over lines (序号项目 / 类型 / 项目名称设定依据…, a cell broken at its width) is read
 * as one when the lines joined make a header of more words than its last line.
 *
 * Why a file: it is the one shape read by content rather than by separators (the
 * header words exactly, the power-type names), and cf__shape_first_power serves
 * shape-headerless.c too.
 */
#include "shape-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- run together ---- */

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

/* Exported, documented in shape-int.h */
const char *cf__shape_first_power(const char *s, size_t *len)
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
    const char *pw = d ? cf__shape_first_power(p + d, &plen) : NULL;
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
    const char *pw = cf__shape_first_power(p + d, &plen);
    for (int more = 1; pw && more;) { /* combined: 行政检查和行政处罚 */
        const char *e = pw + plen, *j = NULL;
        size_t l2 = 0;
        more = 0;
        for (int k = 0; k < 4 && !more; k++) {
            static const char *const conj[] = {"和", "、", "及", "与"};
            if (cf__starts(e, conj[k]) && (j = cf__shape_first_power(e + 3, &l2)) == e + 3)
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
        } else if (kinds[c] == CF__K_NAME && pw && pw < rest && c + 1 < nh &&
                   kinds[c + 1] == CF__K_BASIS && strstr(rest, "【")) {
            /* the name after the power type (项目类型项目名称设定依据): up to the basis */
            const char *basis = strstr(rest, "【");
            cf__sb_add(&b, rest, (size_t)(basis - rest));
            rest = basis;
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
    return cf__shape_set_line(s, i, &b);
}

/* A header wrapped over lines (a cell broken at its width: 序号项目 / 类型 /
 * 项目名称设定依据…): lines at-k..at joined (k 1 to 3), when they make a header of
 * more than nh words, into *joined (free()) cut as one header. Returns the number of
 * its words and sets *k, or 0. */
static size_t wrapped_header(const shape_t *s, size_t at, size_t nh, seg_t *h, char **joined,
                             size_t *k)
{
    for (*k = 3; *k >= 1; (*k)--) {
        if (*k > at)
            continue;
        cf__sb_t b = {0};
        int ok = 1;
        for (size_t j = at - *k; j <= at && ok; j++) {
            const char *l = s->lines[j];
            ok = !strchr(l, '\t') && !cf__blank(l) && strlen(l) <= 200;
            cf__sb_adds(&b, l + strspn(l, " "));
        }
        seg_t w[MAXCOLS];
        size_t n = ok && b.s ? together_header(b.s, w, MAXCOLS) : 0;
        if (n > nh) {
            memcpy(h, w, n * sizeof(*w));
            *joined = b.s;
            return n;
        }
        free(b.s);
    }
    return 0;
}

/* Exported, documented in shape-int.h */
int cf__shape_try_together(shape_t *s)
{
    seg_t h[MAXCOLS];
    size_t nh = 0, at = 0, k = 0;
    char *joined = NULL;
    for (size_t i = 0; i < s->n && !nh; i++)
        if (!strchr(s->lines[i], '\t') && (nh = together_header(s->lines[i], h, MAXCOLS)) < 3)
            nh = 0;
        else if (nh)
            at = i;
    if (!nh)
        return 0;
    size_t wrapped = wrapped_header(s, at, nh, h, &joined, &k);
    nh = wrapped ? wrapped : nh;
    for (size_t j = at - k; wrapped && j < at; j++) /* the header's first lines: read as one */
        s->lines[j][0] = '\0';
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
    int rc = cf__shape_set_line(s, at, &b);
    free(joined);
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
