/*
 * lists.c -- the structure inside a cell: numbered lists (责任事项, 追责情形),
 * the laws and articles a legal basis cites, and statutory time limits.
 *
 * Numbered lists. Items are found by their markers counted in order: "1." then
 * "2." then "3." (also "1、", "1．", "(1)"/"（1）", and "（一）" when there are no
 * Arabic markers), each at the start of the text or after a blank or a clause
 * end. Counting in order is what keeps "第2条", "2倍", "6.5%" and a nested
 * "（一）…（二）" inside an item from splitting it. Text before the first marker
 * is a lead-in ("因不履行或不正确履行行政职责，有下列情形的…：", "直接实施责任：")
 * and is dropped. A responsibility item "3.审理审查阶段责任：…" gives step
 * "审理审查" and the text after the colon; an item without such a label has
 * step "". Lists written as labels only ("救助责任：… 保密责任：…") are split at
 * the labels.
 *
 * Citations. A law is a 《title》 whose title ends like a legal instrument (法,
 * 条例, 办法, 规定, 通知, ...), which leaves out documents such as 《行政处罚决定书》.
 * Its articles are the 第X条 right after the title (past a parenthesized date or
 * number), and those opening a later paragraph or sentence until the next law
 * that starts a paragraph. A law mentioned in the middle of quoted text is still
 * listed, with the articles right after it.
 *
 * Time limits. A number (digits or Chinese numerals) with a unit (日/天,
 * 个工作日, 小时, 个月, 自然日) counts when it reads as a period: followed by 内 (7日内送达)
 * or led by 不超过 / 期限 / 之日起, or alone in a 法定期限 cell. Dates (…年5月1日),
 * ordinals (第7日) and ranges (六个月以上一年以下, 3个月至12个月: sanctions, not
 * limits) are left out. The unit is kept as written (日 -> days even where the law
 * counts working days: the engine decides that).
 */
#include "importer-int.h"

#include <stdlib.h>
#include <string.h>

/* ---- numerals ---- */

static int cn_digit(unsigned cp)
{
    static const unsigned d[] = {0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
                                 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D};
    for (int i = 0; i < 10; i++)
        if (cp == d[i])
            return i;
    if (cp == 0x3007) /* 〇 */
        return 0;
    if (cp == 0x4E24) /* 两 */
        return 2;
    return -1;
}

/* Exported, documented in importer-int.h */
long cf__numeral(const char *s, size_t *used)
{
    const char *p = s;
    long v = 0;
    *used = 0;
    if (*p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9' && p - s < 9)
            v = v * 10 + (*p++ - '0');
        *used = (size_t)(p - s);
        return v;
    }
    long section = 0, num = 0;
    for (;;) {
        unsigned cp;
        int n = cf__u8_next(p, &cp), dg = cn_digit(cp);
        long unit = cp == 0x5341 ? 10 : cp == 0x767E ? 100 : cp == 0x5343 ? 1000 : 0;
        if (dg >= 0) {
            num = dg;
        } else if (unit) {
            section += (num ? num : (unit == 10 ? 1 : 0)) * unit;
            num = 0;
        } else if (cp == 0x4E07) { /* 万 */
            v += (section + num) * 10000;
            section = num = 0;
        } else {
            break;
        }
        p += n;
    }
    *used = (size_t)(p - s);
    return *used ? v + section + num : -1;
}

/* ---- numbered lists ---- */

/* 1 if position p (inside s) may start a list item: start, after a blank, a
 * clause end or a closing bracket. */
static int item_boundary(const char *s, const char *p)
{
    if (p == s)
        return 1;
    unsigned cp;
    cf__u8_prev(s, p, &cp);
    return cp == ' ' || cp == '\n' || cf__is_clause_end(cp) || cp == 0x3002 || cp == 0xFF09 ||
           cp == ')' || cp == 0x201D || cp == 0x300B;
}

/* A marker for item k at p in style st: 0 "k." / "k、" / "k．", 1 "(k)" / "（k）",
 * 2 "（一）". Returns its length, 0 if none. */
static size_t marker_at(const char *p, int st, long k)
{
    size_t used, open = 0;
    if (st > 0)
        open = *p == '(' ? 1 : cf__starts(p, "（") ? strlen("（") : 0;
    if (st > 0 && !open)
        return 0;
    const char *q = p + open;
    if ((st < 2) != (*q >= '0' && *q <= '9'))
        return 0;
    if (cf__numeral(q, &used) != k)
        return 0;
    q += used;
    if (st == 0) {
        if (*q == '.' && !(q[1] >= '0' && q[1] <= '9'))
            return (size_t)(q + 1 - p);
        if (cf__starts(q, "、") || cf__starts(q, "．"))
            return (size_t)(q + 3 - p);
        return 0;
    }
    if (*q == ')')
        return (size_t)(q + 1 - p);
    return cf__starts(q, "）") ? (size_t)(q + strlen("）") - p) : 0;
}

/* Finds item k in style st at or after from; OUT *len the marker's length. */
static const char *find_item(const char *s, const char *from, int st, long k, size_t *len)
{
    for (const char *p = from; *p;) {
        if (item_boundary(s, p) && (*len = marker_at(p, st, k)) > 0)
            return p;
        unsigned cp;
        p += cf__u8_next(p, &cp);
    }
    return NULL;
}

/* A copy of s[0..n) without blanks and closing punctuation at either end, with
 * line breaks as spaces. */
static char *item_text(const char *s, size_t n)
{
    static const char *const tail[] = {"；", "。", "，", "、", ";", ",", " ", "\n"};
    char *t = cf__strndup_trim(s, n);
    if (!t)
        return NULL;
    for (char *p = t; *p; p++)
        if (*p == '\n')
            *p = ' ';
    if (cf__ends(t, "责任：") || cf__ends(t, "责任:")) { /* a heading left dangling */
        char *cut = strrchr(t, ' ');
        for (char *q = strstr(t, "。"); q; q = strstr(q + 1, "。"))
            if (!cut || q > cut)
                cut = q + strlen("。") - 1;
        if (cut)
            cut[1] = '\0';
    }
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
            if (*t && cf__ends(t, tail[i])) {
                t[strlen(t) - strlen(tail[i])] = '\0';
                again = 1;
            }
    }
    return t;
}

/* The label of a responsibility item ("立案阶段责任：…"): OUT *step (new string,
 * suffix 阶段责任/责任/阶段 removed) and returns where its text starts. */
static const char *resp_step(const char *s, char **step)
{
    const char *p = s + strspn(s, " ");
    for (int chars = 0; *p && chars <= 12; chars++) {
        size_t colon = cf__starts(p, "：") ? strlen("：") : *p == ':' ? 1 : 0;
        if (colon && chars > 0) {
            char *l = cf__strndup_trim(s, (size_t)(p - s));
            static const char *const sfx[] = {"阶段责任", "责任", "阶段"};
            for (size_t i = 0; l && i < 3; i++)
                if (cf__ends(l, sfx[i]) && strlen(l) > strlen(sfx[i]))
                    l[strlen(l) - strlen(sfx[i])] = '\0';
            if (l && strcmp(l, "责任") == 0)
                l[0] = '\0';
            *step = l;
            return p + colon;
        }
        unsigned cp;
        int n = cf__u8_next(p, &cp);
        if (!cf__is_han(cp))
            break;
        p += n;
    }
    *step = strdup("");
    return s;
}

static int add_item(json_t *arr, const char *s, size_t n, int resp)
{
    char *step = NULL, *text;
    char *whole = cf__strndup_trim(s, n);
    if (!whole)
        return CF_ENOMEM;
    const char *body = resp ? resp_step(whole, &step) : whole;
    text = item_text(body, strlen(body));
    int rc = CF_ENOMEM;
    if (text && (!resp || step)) {
        rc = 0;
        if (*text || (step && *step))
            rc = json_array_append_new(arr,
                                       resp ? json_pack("{s:s, s:s}", "step", step, "text", text)
                                            : json_string(text))
                     ? CF_ENOMEM
                     : 0;
    }
    free(step);
    free(text);
    free(whole);
    return rc;
}

/* Item starts of an unnumbered list of labels ("救助责任：… 保密责任：…"). */
static size_t label_starts(const char *s, const char **starts, size_t max)
{
    size_t n = 0;
    for (const char *p = s; *p && n < max;) {
        const char *q = p;
        int chars = 0;
        unsigned cp;
        while (*q && cf__u8_next(q, &cp) && cf__is_han(cp) && chars < 12 && !cf__starts(q, "责任"))
            q += cf__u8_next(q, &cp), chars++;
        if (item_boundary(s, p) && chars > 0 && (cf__starts(q, "责任：") || cf__starts(q, "责任:")))
            starts[n++] = p;
        p += cf__u8_next(p, &cp);
    }
    return n;
}

/* Exported, documented in importer-int.h */
json_t *cf__split_list(const char *clean, int resp)
{
    json_t *arr = json_array();
    const char *starts[128];
    size_t lens[128], n = 0;
    for (int st = 0; arr && st < 3 && n == 0; st++)
        for (const char *p = clean;
             n < 128 && (p = find_item(clean, p, st, (long)n + 1, &lens[n])) != NULL;
             p += lens[n++])
            starts[n] = p;
    if (arr && n == 0 && resp && (n = label_starts(clean, starts, 128)) > 0)
        memset(lens, 0, sizeof(lens));
    if (arr && n == 0) {
        starts[0] = clean;
        lens[0] = 0;
        n = 1;
    }
    for (size_t i = 0; arr && i < n; i++) {
        const char *b = starts[i] + lens[i];
        const char *e = i + 1 < n ? starts[i + 1] : b + strlen(b);
        if (add_item(arr, b, (size_t)(e - b), resp)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ---- citations ---- */

static int law_title(const char *t)
{
    static const char *const sfx[] = {"法",   "条例", "规定", "办法", "细则", "决定",
                                      "通知", "意见", "规范", "方案", "规则", "解释",
                                      "纲要", "制度", "措施", "标准", "目录", "守则"};
    char c[512];
    snprintf(c, sizeof(c), "%s", t);
    /* "…规范（试行）" is judged by "…规范" */
    while (cf__ends(c, "）") || cf__ends(c, ")")) {
        char *cut = strrchr(c, '(');
        for (char *p = strstr(c, "（"); p; p = strstr(p + 1, "（"))
            if (!cut || p > cut)
                cut = p;
        if (!cut || cut == c)
            break;
        *cut = '\0';
    }
    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
        if (cf__ends(c, sfx[i]))
            return 1;
    /* 《…條例》 of a list in traditional characters is judged folded (only then: a
     * fold of every title cost 0.2% of an import) */
    char f[512];
    if (!cf__fold(c, f, sizeof(f)))
        return 0;
    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
        if (cf__ends(f, sfx[i]))
            return 1;
    return 0;
}

/* Skips blanks, parenthesized groups and separators after a title. */
static const char *skip_aside(const char *p)
{
    for (;;) {
        p += strspn(p, " ,\n");
        if (cf__starts(p, "，") || cf__starts(p, "、")) {
            p += 3;
        } else if (*p == '(' || cf__starts(p, "（")) {
            /* an unclosed group ends at the line break */
            int depth = 0;
            do {
                unsigned cp;
                depth += *p == '(' || cf__starts(p, "（");
                depth -= *p == ')' || cf__starts(p, "）");
                p += cf__u8_next(p, &cp);
            } while (*p && *p != '\n' && depth > 0);
        } else {
            return p;
        }
    }
}

/* One article reference at p: "第八十七条", "三十八条", "第二十三条第一款第四项".
 * Appends it (normalized to start with 第) to arts; returns its length or 0. */
static size_t article_at(const char *p, json_t *arts)
{
    const char *q = p + (cf__starts(p, "第") ? strlen("第") : 0);
    size_t used;
    /* 條 and 項 of a list in traditional characters are 条 and 项 (each 3 bytes) */
    if (cf__numeral(q, &used) < 0 || !(cf__starts(q + used, "条") || cf__starts(q + used, "條")))
        return 0;
    q += used + strlen("条");
    for (;;) {
        const char *r = cf__starts(q, "第") ? q + strlen("第") : NULL;
        if (!r || cf__numeral(r, &used) < 0 ||
            !(cf__starts(r + used, "款") || cf__starts(r + used, "项") ||
              cf__starts(r + used, "項")))
            break;
        q = r + used + strlen("款");
    }
    char buf[128];
    snprintf(buf, sizeof(buf), "%s%.*s", cf__starts(p, "第") ? "" : "第", (int)(q - p), p);
    for (size_t i = 0; i < json_array_size(arts); i++)
        if (strcmp(json_string_value(json_array_get(arts, i)), buf) == 0)
            return (size_t)(q - p);
    json_array_append_new(arts, json_string(buf));
    return (size_t)(q - p);
}

/* Articles in a row at p: "第二条、第三条", "第三十七条、三十八条、四十条". */
static void article_run(const char *p, json_t *arts)
{
    for (;;) {
        if (cf__starts(p, "第")) { /* a chapter heading before the article */
            size_t used;
            const char *q = p + strlen("第");
            if (cf__numeral(q, &used) >= 0 &&
                (cf__starts(q + used, "章") || cf__starts(q + used, "节"))) {
                p = q + used + strlen("章");
                for (int i = 0; i < 10 && *p && !cf__starts(p, "第"); i++) {
                    unsigned cp;
                    int n = cf__u8_next(p, &cp);
                    if (!cf__is_han(cp))
                        break;
                    p += n;
                }
            }
        }
        size_t n = article_at(p, arts);
        if (!n)
            return;
        p += n;
        p += strspn(p, " ,");
        if (cf__starts(p, "、") || cf__starts(p, "，") || cf__starts(p, "和") ||
            cf__starts(p, "及"))
            p += 3;
    }
}

/* 1 if the 《 at p opens a new paragraph of the basis. */
static int strong_start(const char *s, const char *p)
{
    while (p > s && p[-1] == ' ')
        p--;
    if (p == s)
        return 1;
    unsigned cp;
    int n = cf__u8_prev(s, p, &cp);
    if (cp == '\n' || cp == 0x3011 || cp == 0x3002 || cp == 0xFF1B || cp == ';')
        return 1; /* 】 。 ； */
    const char *q = p - n;
    return (cp == '.' || cp == 0x3001 || cp == 0xFF0E) && q > s && q[-1] >= '0' && q[-1] <= '9';
}

static json_t *law_entry(json_t *cites, const char *title)
{
    for (size_t i = 0; i < json_array_size(cites); i++) {
        json_t *c = json_array_get(cites, i);
        if (strcmp(json_string_value(json_object_get(c, "law")), title) == 0)
            return json_object_get(c, "articles");
    }
    json_t *c = json_pack("{s:s, s:[]}", "law", title, "articles");
    if (!c || json_array_append_new(cites, c))
        return NULL;
    return json_object_get(c, "articles");
}

/* Articles opening a sentence or paragraph in [p, end). */
static void later_articles(const char *p, const char *end, json_t *arts)
{
    while (p < end && *p) {
        unsigned cp;
        int n = cf__u8_next(p, &cp);
        p += n;
        if (cp == '\n' || cp == 0x3002 || cp == 0xFF1B) {
            const char *q = p + strspn(p, " ");
            if (cf__starts(q, "第"))
                article_run(q, arts);
        }
    }
}

/* Exported, documented in importer-int.h */
json_t *cf__citations(const char *clean)
{
    json_t *cites = json_array();
    const char *open = "《", *close = "》";
    for (const char *p = strstr(clean, open); cites && p;) {
        const char *t = p + strlen(open), *e = strstr(t, close);
        if (!e)
            break;
        const char *next = strstr(e, open);
        while (next && !strong_start(clean, next))
            next = strstr(next + 1, open);
        char title[512];
        snprintf(title, sizeof(title), "%.*s", (int)(e - t), t);
        if (law_title(title) && !strstr(title, open)) {
            json_t *arts = law_entry(cites, title);
            if (!arts) {
                json_decref(cites);
                return NULL;
            }
            const char *h = skip_aside(e + strlen(close));
            article_run(h, arts);
            if (strong_start(clean, p)) /* not a law merely mentioned in quoted text */
                later_articles(h, next && next > h ? next : h + strlen(h), arts);
        }
        p = strstr(e, open);
    }
    return cites;
}

/* ---- time limits ---- */

static const struct {
    const char *word, *unit;
} units[] = {{"个工作日", "working_days"},
             {"工作日", "working_days"},
             {"个小时", "hours"},
             {"小时", "hours"},
             {"个月", "months"},
             /* 自然日 is how lists say calendar days ("30个自然日", "90 自然日") */
             {"个自然日", "days"},
             {"自然日", "days"},
             {"日", "days"},
             {"天", "days"},
             /* as printed in traditional characters */
             {"個工作日", "working_days"},
             {"個自然日", "days"},
             {"個小時", "hours"},
             {"小時", "hours"},
             {"個月", "months"}};

/* 1 if one of words ends just before p (within s). */
static int led_by(const char *s, const char *p, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(words[i]);
        if ((size_t)(p - s) >= l && memcmp(p - l, words[i], l) == 0)
            return 1;
    }
    return 0;
}

/* The period starting at the numeral p (value v, used bytes), or 0. OUT *unit,
 * *start, *end of its text. */
static int period_at(const char *s, const char *p, size_t used, int whole, const char **unit,
                     const char **start, const char **end)
{
    static const char *const lead[] = {"不超过", "不得超过", "不超出", "期限",
                                       "时限",   "之日起",   "起"};
    static const char *const date[] = {"第", "年", "月", ".", "%"};
    const char *q = p + used;
    if (*p >= '0' && *p <= '9')
        q += strspn(q, " ");
    size_t k = 0, ul = 0;
    for (; k < sizeof(units) / sizeof(units[0]); k++)
        if (cf__starts(q, units[k].word)) {
            ul = strlen(units[k].word);
            break;
        }
    if (!ul || led_by(s, p, date, 5))
        return 0;
    const char *a = q + ul;
    if (cf__starts(a, "以上") || cf__starts(a, "以下") || cf__starts(a, "至") ||
        cf__starts(a, "到") || *a == '-' || cf__starts(a, "起"))
        return 0;
    int within = cf__starts(a, "内") || cf__starts(a, "以内") || cf__starts(a, "內") ||
                 cf__starts(a, "以內");
    const char *b = p;
    for (size_t i = 0; i < 3 && b == p; i++)
        if (led_by(s, p, &lead[i], 1))
            b = p - strlen(lead[i]);
    if (!within && b == p && !led_by(s, p, lead, 7) && !(whole && cf__u8_count(s) <= 20))
        return 0;
    const char *e = a;
    for (int chars = 0; *e && chars < 20; chars++) {
        unsigned cp;
        int n = cf__u8_next(e, &cp);
        if (cf__is_clause_end(cp) || cp == 0x3002 || cp == '\n' || cp == ' ' || cp == 0xFF08 ||
            cp == '(')
            break;
        e += n;
    }
    *unit = units[k].unit;
    *start = b;
    *end = e;
    return 1;
}

static int add_limit(json_t *arr, const char *text, long amount, const char *unit, const char *from)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *t = json_array_get(arr, i);
        if (strcmp(json_string_value(json_object_get(t, "text")), text) == 0 &&
            json_integer_value(json_object_get(t, "amount")) == amount &&
            strcmp(json_string_value(json_object_get(t, "unit")), unit) == 0)
            return 0;
    }
    json_t *t = json_pack("{s:s, s:I, s:s, s:s}", "text", text, "amount", (json_int_t)amount,
                          "unit", unit, "from", from);
    return t && json_array_append_new(arr, t) == 0 ? 0 : CF_ENOMEM;
}

/* Exported, documented in importer-int.h */
int cf__time_limit_bare(json_t *arr, const char *clean, const char *label, const char *from)
{
    size_t used;
    long v = cf__numeral(clean, &used);
    if (v <= 0 || !label || clean[used + strspn(clean + used, " ")] != '\0')
        return 0;
    const char *paren = strstr(label, "（"), *ascii = strchr(label, '(');
    if (!paren || (ascii && ascii < paren))
        paren = ascii;
    for (size_t k = 0; paren && k < sizeof(units) / sizeof(units[0]); k++)
        if (strstr(paren, units[k].word)) {
            char *text = cf__strndup_trim(clean, strlen(clean));
            int rc = text ? add_limit(arr, text, v, units[k].unit, from) : CF_ENOMEM;
            free(text);
            return rc;
        }
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__time_limits(json_t *arr, const char *clean, const char *from, int whole)
{
    for (const char *p = clean; *p;) {
        size_t used;
        long v = cf__numeral(p, &used);
        const char *unit, *start, *end;
        if (v > 0 && period_at(clean, p, used, whole, &unit, &start, &end)) {
            char *text = cf__strndup_trim(start, (size_t)(end - start));
            int rc = text ? add_limit(arr, text, v, unit, from) : CF_ENOMEM;
            free(text);
            if (rc)
                return rc;
        }
        if (used) {
            p += used;
        } else {
            unsigned cp;
            p += cf__u8_next(p, &cp);
        }
    }
    return 0;
}
