/*
 * wenshu.c -- amounts and dates in the form a 文书 writes them, and loading
 * templates and the bureau file (wenshu.h). Filling is wenshu-fill.c.
 *
 * Capitals follow the banks' rule for writing amounts (the one every 决定书
 * copies): digits 零壹贰叁肆伍陆柒捌玖 with 拾佰仟 inside each group of four,
 * groups named 万, 亿, 万亿; one 零 stands for any run of zeros between two
 * written digits (壹拾万零壹拾元), a leading ten is written 壹拾 (never 拾
 * alone: it could be altered); an amount ending at 元 or 角 ends with 整, one
 * ending at 分 does not; 零 before 分 when 角 is zero (壹拾元零伍分). The
 * alternative, a table of special cases, was rejected: the rule above is short
 * and the tests pin the cases that go wrong (0, 10.05, 100,000,000.00).
 *
 * Templates load with libcyaml, as workflows do; block kinds are separate
 * optional keys (heading: ..., para: ...) rather than a kind: field, so a
 * template reads like the document it describes.
 */
#include "wenshu.h"

#include <cyaml/cyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cyaml-err.h"

/* ---- amounts ------------------------------------------------------------------ */

static const char *const DIGIT[] = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};
static const char *const INNER[] = {"", "拾", "佰", "仟"};
static const char *const GROUP[] = {"", "万", "亿", "万亿"};

typedef struct out_s {
    char *p;
    size_t size, len;
    int full;
} out_t;

static void put(out_t *o, const char *s)
{
    size_t n = strlen(s);
    if (o->len + n + 1 > o->size) {
        o->full = 1;
        return;
    }
    memcpy(o->p + o->len, s, n + 1);
    o->len += n;
}

/* Writes one group of four digits (g > 0); *zero says a 零 is owed before the
 * next digit written, *any that something was written before. */
static void put_group(out_t *o, unsigned g, int *zero, int *any)
{
    for (int pos = 3; pos >= 0; pos--) {
        unsigned d = g / (pos == 3 ? 1000 : pos == 2 ? 100 : pos == 1 ? 10 : 1) % 10;
        if (d == 0) {
            *zero = *any;
            continue;
        }
        if (*zero)
            put(o, "零");
        put(o, DIGIT[d]);
        put(o, INNER[pos]);
        *zero = 0;
        *any = 1;
    }
}

/* Exported, documented in wenshu.h */
int cf_wenshu_capitals(int64_t fen, char *out, size_t size)
{
    if (size)
        out[0] = '\0';
    if (fen < 0 || fen >= 1000000000000000000LL || size == 0)
        return CF_EINVAL;
    out_t o = {out, size, 0, 0};
    int64_t yuan = fen / 100;
    unsigned jiao = (unsigned)(fen / 10 % 10), f = (unsigned)(fen % 10);
    int zero = 0, any = 0;
    for (int gi = 3; gi >= 0; gi--) {
        int64_t div = 1;
        for (int k = 0; k < gi; k++)
            div *= 10000;
        unsigned g = (unsigned)(yuan / div % 10000);
        if (g == 0) {
            zero = any;
            continue;
        }
        put_group(&o, g, &zero, &any);
        put(&o, GROUP[gi]);
    }
    if (any)
        put(&o, "元");
    if (jiao) {
        put(&o, DIGIT[jiao]);
        put(&o, "角");
    }
    if (f) {
        if (any && !jiao)
            put(&o, "零");
        put(&o, DIGIT[f]);
        put(&o, "分");
    } else if (!any && !jiao)
        put(&o, "零元整");
    else
        put(&o, "整");
    if (o.full) {
        out[0] = '\0';
        return CF_EINVAL;
    }
    return 0;
}

/* Exported, documented in wenshu.h */
void cf_wenshu_figures(int64_t fen, char *out, size_t size)
{
    char digits[32], grouped[48];
    unsigned long long a = fen < 0 ? (unsigned long long)-(fen + 1) + 1 : (unsigned long long)fen;
    int n = snprintf(digits, sizeof(digits), "%llu", a / 100);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[k++] = ',';
        grouped[k++] = digits[i];
    }
    grouped[k] = '\0';
    snprintf(out, size, "%s%s.%02llu", fen < 0 ? "-" : "", grouped, a % 100);
}

/* Exported, documented in wenshu.h */
int cf_wenshu_fen(const json_t *yuan, int64_t *fen)
{
    if (json_is_integer(yuan)) {
        json_int_t v = json_integer_value(yuan);
        if (v < 0 || v >= 10000000000000000LL)
            return CF_EINVAL;
        *fen = (int64_t)v * 100;
        return 0;
    }
    double v;
    if (json_is_string(yuan)) { /* as a command line gives it: "20000", "10.05" */
        const char *text = json_string_value(yuan);
        char *end;
        v = strtod(text, &end);
        if (end == text || *end != '\0')
            return CF_EINVAL;
    } else if (json_is_real(yuan))
        v = json_real_value(yuan);
    else
        return CF_EINVAL;
    if (!(v >= 0 && v < 1e16))
        return CF_EINVAL;
    *fen = (int64_t)(v * 100.0 + 0.5); /* v >= 0: rounds half up */
    return 0;
}

/* ---- dates -------------------------------------------------------------------- */

static const char *const NUM[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 1..31 as read aloud: 一 .. 十, 十一, 二十, 三十一. */
static void put_small(out_t *o, int n)
{
    if (n >= 20)
        put(o, NUM[n / 10]);
    if (n >= 10)
        put(o, "十");
    if (n % 10 || n < 10)
        put(o, NUM[n % 10]);
}

/* Exported, documented in wenshu.h */
void cf_wenshu_date(cf_date_t d, char *out, size_t size)
{
    char year[16];
    out_t o = {out, size, 0, 0};
    if (size)
        out[0] = '\0';
    snprintf(year, sizeof(year), "%04d", d.year);
    for (const char *p = year; *p >= '0' && *p <= '9'; p++)
        put(&o, NUM[*p - '0']);
    put(&o, "年");
    put_small(&o, d.month);
    put(&o, "月");
    put_small(&o, d.day);
    put(&o, "日");
}

/* ---- loading ------------------------------------------------------------------ */

#define STR(key, type, member)                                                                     \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, type, member, 0,         \
                           CYAML_UNLIMITED)

static const cyaml_schema_field_t block_fields[] = {
    STR("heading", cf_wenshu_block_t, heading), STR("para", cf_wenshu_block_t, para),
    STR("field", cf_wenshu_block_t, field),     STR("value", cf_wenshu_block_t, value),
    STR("right", cf_wenshu_block_t, right),     STR("seal", cf_wenshu_block_t, seal),
    STR("sign", cf_wenshu_block_t, sign),       STR("when", cf_wenshu_block_t, when),
    STR("unless", cf_wenshu_block_t, unless),   CYAML_FIELD_END,
};
static const cyaml_schema_value_t block_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wenshu_block_t, block_fields),
};
static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, CYAML_UNLIMITED),
};
static const cyaml_schema_field_t tpl_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, cf_wenshu_tpl_t, name, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("workflows", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, cf_wenshu_tpl_t,
                         workflows, &string_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("title", CYAML_FLAG_POINTER, cf_wenshu_tpl_t, title, 1, CYAML_UNLIMITED),
    STR("number", cf_wenshu_tpl_t, number),
    STR("layout", cf_wenshu_tpl_t, layout),
    CYAML_FIELD_SEQUENCE("blocks", CYAML_FLAG_POINTER, cf_wenshu_tpl_t, blocks, &block_entry, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t tpl_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, cf_wenshu_tpl_t, tpl_fields),
};

#define REQ(key, member)                                                                           \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, cf_wenshu_bureau_t, member, 1, CYAML_UNLIMITED)
static const cyaml_schema_field_t bureau_fields[] = {
    REQ("name", name),   REQ("abbr", abbr), REQ("review_organ", review_organ),
    REQ("court", court), CYAML_FIELD_END,
};
static const cyaml_schema_value_t bureau_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, cf_wenshu_bureau_t, bureau_fields),
};

/* The number of kinds block b sets (heading, para, field, right, seal, sign). */
static int kinds_of(const cf_wenshu_block_t *b)
{
    return !!b->heading + !!b->para + !!b->field + !!b->right + !!b->seal + !!b->sign;
}

/* 1 if every "{{" in text is closed by a "}}" before the next "{{". */
static int closed(const char *text)
{
    for (const char *p = text; p && (p = strstr(p, "{{")); p += 2) {
        const char *end = strstr(p + 2, "}}"), *next = strstr(p + 2, "{{");
        if (!end || (next && next < end))
            return 0;
    }
    return 1;
}

static int check_tpl(const cf_wenshu_tpl_t *t, const char *source, cf_error_t *err)
{
    if (t->layout && strcmp(t->layout, "letter") != 0 && strcmp(t->layout, "form") != 0)
        return cf_error_set(err, CF_EINVALID, source, 0, 0,
                            "layout '%s' is neither letter nor form", t->layout);
    if (!closed(t->number))
        return cf_error_set(err, CF_EINVALID, source, 0, 0, "number: a {{ is not closed");
    for (unsigned i = 0; i < t->blocks_count; i++) {
        const cf_wenshu_block_t *b = &t->blocks[i];
        if (kinds_of(b) != 1)
            return cf_error_set(err, CF_EINVALID, source, 0, 0,
                                "block %u: give exactly one of heading, para, field, right, seal, "
                                "sign",
                                i + 1);
        if (b->value && !b->field)
            return cf_error_set(err, CF_EINVALID, source, 0, 0,
                                "block %u: value goes with field only", i + 1);
        const char *texts[] = {b->heading, b->para, b->field, b->value, b->right, b->seal, b->sign};
        for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
            if (!closed(texts[k]))
                return cf_error_set(err, CF_EINVALID, source, 0, 0, "block %u: a {{ is not closed",
                                    i + 1);
    }
    return 0;
}

/* Exported, documented in wenshu.h */
int cf_wenshu_tpl_load(const char *buf, size_t len, const char *source, cf_wenshu_tpl_t **tpl,
                       cf_error_t *err)
{
    cf__cyaml_log_t log;
    cyaml_config_t cfg = cf__cyaml_config(&log);
    cf_wenshu_tpl_t *t = NULL;
    cyaml_err_t crc =
        cyaml_load_data((const uint8_t *)buf, len, &cfg, &tpl_schema, (cyaml_data_t **)&t, NULL);
    if (crc == CYAML_ERR_OOM)
        return CF_ENOMEM;
    if (crc != CYAML_OK)
        return cf__cyaml_error(&log, buf, len, source, "template", err);
    if (!t)
        return cf_error_set(err, CF_EPARSE, source, 1, 1, "template: the document is empty");
    int rc = check_tpl(t, source, err);
    if (rc != 0) {
        cf_wenshu_tpl_free(t);
        return rc;
    }
    *tpl = t;
    return 0;
}

/* Exported, documented in wenshu.h */
void cf_wenshu_tpl_free(cf_wenshu_tpl_t *tpl)
{
    if (!tpl)
        return;
    cyaml_config_t cfg = cf__cyaml_config(NULL);
    cyaml_free(&cfg, &tpl_schema, tpl, 0);
}

/* Exported, documented in wenshu.h */
int cf_wenshu_tpl_serves(const cf_wenshu_tpl_t *t, const char *workflow_id)
{
    for (unsigned i = 0; i < t->workflows_count; i++)
        if (strcmp(t->workflows[i], workflow_id) == 0)
            return 1;
    return t->workflows_count == 0;
}

/* Exported, documented in wenshu.h */
int cf_wenshu_bureau_load(const char *buf, size_t len, const char *source, cf_wenshu_bureau_t **b,
                          cf_error_t *err)
{
    cf__cyaml_log_t log;
    cyaml_config_t cfg = cf__cyaml_config(&log);
    cf_wenshu_bureau_t *out = NULL;
    cyaml_err_t crc = cyaml_load_data((const uint8_t *)buf, len, &cfg, &bureau_schema,
                                      (cyaml_data_t **)&out, NULL);
    if (crc == CYAML_ERR_OOM)
        return CF_ENOMEM;
    if (crc != CYAML_OK)
        return cf__cyaml_error(&log, buf, len, source, "bureau", err);
    if (!out)
        return cf_error_set(err, CF_EPARSE, source, 1, 1, "bureau: the document is empty");
    *b = out;
    return 0;
}

/* Exported, documented in wenshu.h */
void cf_wenshu_bureau_free(cf_wenshu_bureau_t *b)
{
    if (!b)
        return;
    cyaml_config_t cfg = cf__cyaml_config(NULL);
    cyaml_free(&cfg, &bureau_schema, b, 0);
}
