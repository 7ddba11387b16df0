/*
 * classify.c -- what a header label means and what a cell looks like.
 *
 * Two vocabularies meet here. Header labels (序号, 权利事项名称, 承办公室, ...) map
 * to field kinds through the words of headers.txt (headers.c); a label is compared with its blanks
 * and parenthesized notes removed, so "行使主体 (所属部门)" and "行使主体（所属部门）" are the same
 * label. Cell text maps to a class (a power type, an agency name ending in 局, a legal basis with
 * 《…》, a numbered responsibility list, ...), and cf__score() says how well a class fits a kind.
 * The table reader uses the scores to put the cells of a row that lost a column back in their
 * places, and the field reader to notice a record that starts without its 序号.
 *
 * Design: classes are decided by a fixed order of cheap tests on the cleaned
 * text, the most specific first (a 序号 before a power type before a phone
 * number, a responsibility list before an accountability list before a legal
 * basis). Rejected: a learned or weighted classifier, which would be opaque to
 * the people who must fix a list it misreads. The cost is that the tests encode
 * what real lists look like; they are written for the family of 医保 lists, and
 * a cell no test recognizes is plain text, which fits most columns a little and
 * no column strongly, so it never forces a realignment.
 */
#include "importer-int.h"

#include <stdlib.h>
#include <string.h>

/* ---- labels ---- */

/* Characters a label is compared without: blanks, line breaks, a colon after the
 * label (事项名称：), Markdown emphasis (**事项名称**). */
static int dropped(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == 0x3000 || cp == 0xA0 || cp == '\n' || cp == '\r' ||
           cp == '*' || cp == ':' || cp == 0xFF1A || cp == 0xFF0A;
}

/* Exported, documented in importer-int.h */
void cf__label_norm(const char *s, char *out, size_t size)
{
    size_t o = 0;
    int depth = 0;
    while (*s && o + 5 < size) {
        unsigned cp;
        int n = cf__u8_next(s, &cp);
        const char *gt = cp == '<' ? strchr(s, '>') : NULL;
        if (gt && gt - s <= 8) { /* a tag inside a header cell: 权力<br>类型 */
            s = gt + 1;
            continue;
        }
        if (cp == '(' || cp == 0xFF08)
            depth++;
        else if ((cp == ')' || cp == 0xFF09) && depth > 0)
            depth--;
        else if (!depth && !dropped(cp) && cp >= 0xFF01 && cp <= 0xFF5E)
            out[o++] = (char)(cp - 0xFEE0); /* full-width letters and digits */
        else if (!depth && !dropped(cp))
            memcpy(out + o, s, (size_t)n), o += (size_t)n;
        s += n;
    }
    out[o] = '\0';
}

/* Exported, documented in importer-int.h */
int cf__label_kind(const char *label)
{
    /* Normalized only as far as 106 bytes: a label cut short there (101 bytes or more)
     * has more than 24 code points, as the whole would (a cell's text, left at once). */
    char l[256];
    cf__label_norm(label, l, 106);
    if (!l[0] || cf__u8_count(l) > 24) /* a cell's text, not a label: no lookup */
        return -1;
    int kind = cf__label_word(l);
    if (kind >= 0)
        return kind;
    if (cf__u8_count(l) > 12)
        return -1;
    char f[256];
    if (cf__fold(l, f, sizeof(f))) { /* 權力類型 is 权力类型 */
        memcpy(l, f, strlen(f) + 1);
        if ((kind = cf__label_word(l)) >= 0)
            return kind;
    }
    if (cf__ends(l, "依据"))
        return strstr(l, "责任") ? CF__K_RESP_BASIS
               : strstr(l, "追") ? CF__K_ACC_BASIS
                                 : CF__K_BASIS;
    if (cf__ends(l, "电话"))
        return CF__K_PHONE;
    if (cf__ends(l, "编码"))
        return strstr(l, "子项") ? CF__K_SUB_CODE : CF__K_CODE;
    if (cf__ends(l, "主体"))
        return CF__K_AGENCY;
    if (cf__ends(l, "期限") || cf__ends(l, "时限"))
        return CF__K_TIME_LIMIT;
    return -1;
}

/* ---- power types ---- */

const char *const cf__power_names[CF__POWER_TYPES] = {
    "行政处罚", "行政强制", "行政检查", "行政给付",
    "行政确认", "行政奖励", "行政监督", "其他行政权力",
};

/* The type a segment of a power-type cell names: 0..7, -1 for a segment shaped
 * like a type but not one of ours ("行政执行", "公共服务"), -2 for anything else. */
static int segment_type(const char *s, size_t n)
{
    static const char *const keys[] = {"处罚", "强制", "检查", "给付", "确认", "奖励", "监督"};
    char seg[64];
    if (n == 0 || n >= sizeof(seg))
        return -2;
    memcpy(seg, s, n);
    seg[n] = '\0';
    for (const char *p = seg; *p;) {
        unsigned cp;
        p += cf__u8_next(p, &cp);
        if (!cf__is_han(cp))
            return -2;
    }
    size_t chars = cf__u8_count(seg);
    if ((cf__starts(seg, "其他") || cf__starts(seg, "其它")) && chars <= 6)
        return 7;
    /* a kind many lists have that is no power of ours: kept in its column, reported */
    if (!strcmp(seg, "公共服务") || !strcmp(seg, "公共服务事项"))
        return -1;
    /* the short forms of an 执法类别 column: 处罚, 检查类 */
    for (int i = 0; (chars == 2 || (chars == 3 && cf__ends(seg, "类"))) && i < 7; i++)
        if (cf__starts(seg, keys[i]))
            return i;
    /* an inspection plan's 事项类别: 一般检查事项, 重点检查事项 (a class of 行政检查) */
    static const char *const grades[] = {"一般", "重点", "专项"};
    for (int g = 0; chars == 6 && g < 3; g++)
        if (cf__starts(seg, grades[g]) && cf__ends(seg, "事项"))
            for (int i = 0; i < 7; i++)
                if (cf__starts(seg + strlen(grades[g]), keys[i]))
                    return i;
    if (!cf__starts(seg, "行政") || chars < 4 || chars > 8)
        return -2;
    for (int i = 0; i < 7; i++)
        if (cf__starts(seg + strlen("行政"), keys[i]))
            return i;
    return -1;
}

/* Calls fn for each segment of text split at 和、及与/,， and blanks; stops and
 * returns 0 as soon as a segment is not type-shaped; else returns 1. */
static int each_segment(const char *text, void (*fn)(int type, void *ctx), void *ctx)
{
    static const char *const seps[] = {"和", "、", "及", "与", "/", ",", "，", " ", "；", ";"};
    const char *p = text, *start = text;
    int any = 0;
    for (;;) {
        size_t sl = 0;
        for (size_t i = 0; *p && i < sizeof(seps) / sizeof(seps[0]) && !sl; i++)
            if (cf__starts(p, seps[i]))
                sl = strlen(seps[i]);
        if (!*p || sl) {
            if (p > start) {
                int t = segment_type(start, (size_t)(p - start));
                if (t == -2)
                    return 0;
                fn(t, ctx);
                any = 1;
            }
            if (!*p)
                return any;
            p += sl;
            start = p;
        } else {
            unsigned cp;
            p += cf__u8_next(p, &cp);
        }
    }
}

/* text without its notes in parentheses, into buf: 行政给付（医疗救助） is 行政给付 (a
 * note may hold a separator: （医疗救助、临时救助）). text itself when it has none. */
static const char *without_notes(const char *text, char *buf, size_t size)
{
    if (!strstr(text, "（") && !strchr(text, '('))
        return text;
    size_t o = 0;
    int depth = 0;
    for (const char *p = text; *p && o + 1 < size;) {
        int open = cf__starts(p, "（") ? 3 : *p == '(';
        int close = cf__starts(p, "）") ? 3 : *p == ')';
        if (open || close) {
            depth += open ? 1 : depth > 0 ? -1 : 0;
            p += open ? open : close;
            continue;
        }
        if (depth == 0)
            buf[o++] = *p;
        p++;
    }
    buf[o] = '\0';
    return buf;
}

static void add_bit(int type, void *ctx)
{
    if (type >= 0)
        *(unsigned *)ctx |= 1u << type;
}

/* Exported, documented in importer-int.h */
unsigned cf__power_mask(const char *text, int *looks)
{
    unsigned mask = 0;
    /* a legal basis, a list: not a power type (counted, not cleaned: most cells asked
     * about are long legal texts; the clean text's length below says the same) */
    if (cf__clean_longer(text, 24)) {
        if (looks)
            *looks = 0;
        return 0;
    }
    char *c = cf__clean(text, 0), f[256], n[256];
    const char *t = c ? without_notes(c, n, sizeof(n)) : NULL;
    int shaped = c && cf__u8_count(c) <= 24 && each_segment(t, add_bit, &mask);
    if (c && cf__u8_count(c) <= 24 && (!shaped || !mask) && cf__fold(t, f, sizeof(f))) {
        mask = 0; /* 行政處罰 is 行政处罚 */
        shaped = each_segment(f, add_bit, &mask);
    }
    free(c);
    if (looks)
        *looks = shaped;
    return shaped ? mask : 0;
}

static void append_type(int type, void *ctx)
{
    json_t *arr = ctx;
    if (type < 0)
        return;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(json_string_value(json_array_get(arr, i)), cf__power_names[type]) == 0)
            return;
    json_array_append_new(arr, json_string(cf__power_names[type]));
}

/* Exported, documented in importer.h */
json_t *cf_import_power_types(const char *text)
{
    json_t *arr = json_array();
    char *c = cf__clean(text ? text : "", 0);
    if (!arr || !c) {
        json_decref(arr);
        free(c);
        return NULL;
    }
    char f[256], n[256];
    const char *t = without_notes(c, n, sizeof(n));
    if (cf__u8_count(c) <= 24)
        each_segment(cf__fold(t, f, sizeof(f)) ? f : t, append_type, arr); /* 行政處罰 */
    free(c);
    return arr;
}

/* Exported, documented in importer.h */
json_t *cf_import_workflows(const char *power_type)
{
    static const char *const ids[CF__POWER_TYPES][2] = {
        {"penalty-general", "penalty-summary"},
        {"coercion", NULL},
        {"inspection", NULL},
        {"benefit", NULL},
        {"confirmation", NULL},
        {"reward", NULL},
        {"supervision", NULL},
        {"other-power", NULL},
    };
    json_t *arr = json_array();
    for (int i = 0; arr && power_type && i < CF__POWER_TYPES; i++)
        if (strcmp(power_type, cf__power_names[i]) == 0)
            for (int k = 0; k < 2 && ids[i][k]; k++)
                json_array_append_new(arr, json_string(ids[i][k]));
    return arr;
}

/* ---- cell classes ---- */

/* Exported, documented in importer-int.h */
int cf__placeholder(const char *text)
{
    static const char *const ph[] = {"无", "无。", "无明确规定", "无明确规定。", "暂无",  "/",
                                     "-",  "—",    "－",         "空",           "不涉及"};
    for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
        if (strcmp(text, ph[i]) == 0)
            return 1;
    return 0;
}

/* 1 if s holds 第<numeral>条. */
static int has_article(const char *s)
{
    for (const char *p = strstr(s, "第"); p; p = strstr(p + 1, "第")) {
        size_t used;
        if (cf__numeral(p + strlen("第"), &used) >= 0 && cf__starts(p + strlen("第") + used, "条"))
            return 1;
    }
    return 0;
}

/* Skips a list marker ("1." "1、" "1．" "（1）") and blanks at s. */
static const char *skip_marker(const char *s)
{
    size_t d = strspn(s, "0123456789");
    if (d && d < 3 && (s[d] == '.' || s[d] == ')'))
        s += d + 1;
    else if (d && d < 3 && (cf__starts(s + d, "、") || cf__starts(s + d, "．")))
        s += d + 3;
    return s + strspn(s, " ");
}

/* A short Han label, then 责任： or 阶段责任：, at s (after a list marker). */
static int resp_label(const char *s)
{
    s = skip_marker(s);
    for (int chars = 0; *s && chars <= 14; chars++) {
        if (cf__starts(s, "责任：") || cf__starts(s, "责任:"))
            return chars >= 1;
        unsigned cp;
        int n = cf__u8_next(s, &cp);
        if (!cf__is_han(cp))
            return 0;
        s += n;
    }
    return 0;
}

static int any_of(const char *s, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(s, words[i]))
            return 1;
    return 0;
}

static int ends_any(const char *s, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cf__ends(s, words[i]))
            return 1;
    return 0;
}

/* 1 if s has no clause punctuation (a name, not a sentence). */
static int no_clauses(const char *s)
{
    while (*s) {
        unsigned cp;
        s += cf__u8_next(s, &cp);
        if (cf__is_clause_end(cp) || cp == 0x3002)
            return 0;
    }
    return 1;
}

static int classify_short(const char *c, size_t chars)
{
    static const char *const units[] = {"股", "科", "室", "处", "中心", "大队", "站", "所", "组"};
    static const char *const agencies[] = {"局",   "委员会", "委",   "厅",
                                           "政府", "机构",   "部门", "办公室"};
    static const char *const domain[] = {"医疗", "医保", "保障", "社保"};
    if (chars <= 30 && strstr(c, "级") &&
        (strstr(c, "、") || cf__ends(c, "级") || cf__ends(c, "级机构") || cf__ends(c, "级部门")))
        return CF__C_LEVEL;
    if (chars <= 40 && no_clauses(c) && ends_any(c, units, 9))
        return CF__C_UNIT;
    if (chars <= 40 && no_clauses(c) && ends_any(c, agencies, 8))
        return CF__C_AGENCY;
    if (chars <= 4 && no_clauses(c) && any_of(c, domain, 4))
        return CF__C_AGENCY; /* a fragment of an agency's name ("医疗") */
    return -1;
}

/* A telephone number: 7 to 13 digits with a leading 0, a dash or parentheses. */
static int is_phone(const char *c)
{
    size_t digits = 0;
    for (const char *p = c; *p; p++)
        digits += *p >= '0' && *p <= '9';
    return digits >= 7 && digits <= 13 && strspn(c, "0123456789-() ") == strlen(c) &&
           (c[0] == '0' || c[0] == '(' || strchr(c, '-'));
}

/* The code points of s, as cf__u8_count counts them, or max + 1 when there are more. */
static size_t count_upto(const char *s, size_t max)
{
    size_t n = 0;
    for (; *s && n <= max; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int classify_clean(const char *c)
{
    static const char *const acc[] = {"应承担相应", "承担相应的责任", "滥用职权", "玩忽职守",
                                      "徇私舞弊"};
    static const char *const subj[] = {"承办人",     "负责人",   "分管领导",
                                       "法定代表人", "执法人员", "工作人员"};
    size_t chars = count_upto(c, 120); /* compared with 120 at most below */
    int looks, number;
    if (!*c)
        return CF__C_EMPTY;
    if (cf__placeholder(c))
        return CF__C_PLACEHOLDER;
    if (cf__parse_number(c, &number) || cf__parse_sub_number(c, &number, &number))
        return CF__C_NUMBER; /* "3-1": a 子项's 序号 */
    cf__power_mask(c, &looks);
    if (looks)
        return CF__C_POWER;
    if (is_phone(c))
        return CF__C_PHONE;
    if (strlen(c) >= 4 && strpbrk(c, "0123456789") &&
        strspn(c, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.") == strlen(c))
        return CF__C_CODE;
    if (strstr(c, "阶段责任") || resp_label(c))
        return CF__C_RESP;
    if (cf__starts(c, "因不履行") || cf__starts(c, "因不正确履行") || any_of(c, acc, 5))
        return CF__C_ACC;
    const char *m = skip_marker(c);
    if (cf__starts(m, "【") || cf__starts(m, "《") || cf__starts(m, "根据《") ||
        (strstr(c, "《") && has_article(c)) || (cf__starts(m, "第") && has_article(m)))
        return CF__C_BASIS;
    char f[256]; /* 醫療機構 is 医疗机构: the short classes' words are simplified */
    int s = classify_short(chars <= 40 && cf__fold(c, f, sizeof(f)) ? f : c, chars);
    if (s >= 0)
        return s;
    if (chars <= 120 && any_of(c, subj, 6))
        return CF__C_ACC_SUBJECT;
    json_t *tl = json_array();
    int time = tl && chars <= 30 && cf__time_limits(tl, c, "x", 1) == 0 && json_array_size(tl);
    json_decref(tl);
    return time ? CF__C_TIME : CF__C_TEXT;
}

/* Exported, documented in importer-int.h */
int cf__classify(const char *cell)
{
    if (cf__blank(cell))
        return CF__C_EMPTY;
    char *c = cf__clean(cell, 0);
    if (!c)
        return CF__C_TEXT;
    int cls = classify_clean(c);
    free(c);
    return cls;
}

/* ---- scores ---- */

/* Scores, in half points, by kind (rows) and class (columns, in enum order:
 * EMPTY PLACEHOLDER NUMBER POWER CODE PHONE AGENCY UNIT LEVEL BASIS RESP ACC
 * ACC_SUBJECT TIME TEXT). */
static const signed char scores[CF__K_COUNT][CF__C_COUNT] = {
    /*              E  PH  NUM POW COD PHO AGE UNI LEV BAS RES ACC SUB TIM TXT */
    [CF__K_OTHER] = {0, 1, -4, -8, 0, 0, 0, 0, -1, -1, -4, -2, -1, 0, 0},
    [CF__K_NUMBER] = {0, -4, 8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8},
    [CF__K_NAME] = {0, -4, -6, -8, -4, -6, -2, -2, -4, -2, -6, -6, -4, -2, 4},
    [CF__K_SUB_ITEM] = {0, 1, -4, -8, -2, -4, -2, -2, -4, -4, -6, -6, -4, -2, 1},
    [CF__K_POWER] = {0, -4, -8, 10, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8},
    [CF__K_CODE] = {0, 1, 2, -8, 8, -6, -6, -6, -6, -6, -6, -6, -6, -6, -6},
    [CF__K_SUB_CODE] = {0, 1, 2, -8, 8, -6, -6, -6, -6, -6, -6, -6, -6, -6, -6},
    [CF__K_AGENCY] = {0, 0, -6, -8, -6, -6, 8, 2, -2, -6, -6, -6, -2, -6, -1},
    [CF__K_UNIT] = {0, 0, -6, -8, -6, -6, 4, 8, -2, -6, -6, -6, -2, -6, -1},
    [CF__K_LEVEL] = {0, 0, -6, -8, -6, -6, -2, -4, 8, -6, -6, -6, -6, -6, -1},
    [CF__K_BASIS] = {0, 0, -6, -8, -4, -6, -6, -6, -6, 6, -6, -2, -3, -1, 0},
    [CF__K_DUTY] = {0, 0, -6, -8, -4, -6, -3, -3, -4, -2, -2, -4, -2, -1, 2},
    [CF__K_RESP] = {0, 0, -6, -8, -6, -6, -6, -6, -6, -4, 8, -6, -4, -1, 0},
    [CF__K_RESP_BASIS] = {0, 0, -6, -8, -4, -6, -6, -6, -6, 6, -6, -2, -3, -1, 0},
    [CF__K_ACC_SUBJECT] = {0, 0, -6, -8, -4, -6, 0, -1, -4, -4, -6, -2, 6, -2, 0},
    [CF__K_ACC] = {0, 0, -6, -8, -6, -6, -6, -6, -6, -2, -6, 8, -2, -2, 0},
    [CF__K_ACC_BASIS] = {0, 1, -6, -8, -4, -6, -6, -6, -6, 6, -6, -1, -3, -1, 0},
    [CF__K_ACC_MODE] = {0, 1, -4, -8, -4, -4, -4, -4, -4, 0, -4, 2, -2, -2, 1},
    [CF__K_CONDITION] = {0, 1, -6, -8, -4, -4, -3, -3, -3, -2, -6, -4, -1, 2, 1},
    [CF__K_TIME_LIMIT] = {0, 1, -6, -8, -6, -6, -6, -6, -6, -6, -6, -6, -6, 6, -2},
    [CF__K_PHONE] = {0, 1, -6, -8, -2, 8, -6, -6, -6, -6, -6, -6, -6, -6, -2},
    [CF__K_NOTE] = {0, 1, -4, -8, 0, 0, 0, 0, -1, -1, -4, -2, -1, 0, 0},
};

/* Exported, documented in importer-int.h */
int cf__score(int kind, int cls)
{
    if (kind < 0 || kind >= CF__K_COUNT || cls < 0 || cls >= CF__C_COUNT)
        return 0;
    return scores[kind][cls];
}

/* Exported, documented in importer-int.h */
int cf__kind_atomic(int kind)
{
    switch (kind) {
    case CF__K_NUMBER:
    case CF__K_POWER:
    case CF__K_CODE:
    case CF__K_SUB_CODE:
    case CF__K_AGENCY:
    case CF__K_UNIT:
    case CF__K_LEVEL:
    case CF__K_PHONE:
        return 1;
    }
    return 0;
}
