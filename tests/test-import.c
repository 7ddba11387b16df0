/*
 * test-import.c -- import-*: reading 权责清单 into matters.
 *
 * import-1.*: the five seeds in tests/fixtures/seeds, one per format and quirk; the
 *             counts were made by hand from the files, as each test says.
 * import-2.*: a small synthetic list in the same family (synonym labels, codes,
 *             HTML, two pages, a shifted row, a row without 序号).
 * import-3.*: damaged input: empty, binary, GBK, undecodable, truncated, no header.
 * import-4.*, the catalog, are in test-import-catalog.c.
 */
#include <jansson.h>

#include "../importer/importer-int.h"
#include "../importer/importer.h"
#include "import-helpers.h"
#include "task.h"

/* ---- helpers ---- */

static json_t *nth(const cf_import_result_t *r, int number)
{
    for (size_t i = 0; i < json_array_size(r->matters); i++) {
        json_t *m = json_array_get(r->matters, i);
        if (json_integer_value(json_object_get(m, "number")) == number)
            return m;
    }
    CF__FAIL("no matter numbered %d", number);
    return NULL;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long count(const cf_import_result_t *r, const char *type)
{
    return (long long)json_integer_value(json_object_get(r->by_power_type, type));
}

static int source_line(const json_t *m)
{
    return (int)json_integer_value(json_object_get(json_object_get(m, "source"), "line"));
}

static const json_t *step(const json_t *m, size_t i)
{
    return json_array_get(json_object_get(m, "responsibilities"), i);
}

static const char *situation(const json_t *m, size_t i)
{
    return json_string_value(json_array_get(json_object_get(m, "accountability"), i));
}

/* The first unplaced item at line (NULL if none). */
static const char *unplaced_at(const cf_import_result_t *r, int line)
{
    for (size_t i = 0; i < r->unplaced.items_count; i++)
        if (r->unplaced.items[i].line == line)
            return r->unplaced.items[i].text;
    return NULL;
}

static const char *repair_at(const cf_import_result_t *r, int line)
{
    for (size_t i = 0; i < r->repairs.items_count; i++)
        if (r->repairs.items[i].line == line)
            return r->repairs.items[i].text;
    return NULL;
}

/* Every matter has steps and situations, except those numbered in skip. */
static void assert_lists(const cf_import_result_t *r, const int *skip, size_t nskip)
{
    for (size_t i = 0; i < json_array_size(r->matters); i++) {
        json_t *m = json_array_get(r->matters, i);
        int n = (int)json_integer_value(json_object_get(m, "number")), skipped = 0;
        for (size_t k = 0; k < nskip; k++)
            skipped |= skip[k] == n;
        if (skipped)
            continue;
        if (!json_array_size(json_object_get(m, "responsibilities")) ||
            !json_array_size(json_object_get(m, "accountability")))
            CF__FAIL("matter %d (line %d) lacks responsibilities or accountability", n,
                     source_line(m));
    }
}

/* The time limit of m with this amount and unit, or NULL. */
static const json_t *limit(const json_t *m, long long amount, const char *unit)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(m, "time_limits"), i, t) {
        if (json_integer_value(json_object_get(t, "amount")) == amount &&
            strcmp(str(t, "unit"), unit) == 0)
            return t;
    }
    return NULL;
}

/* ---- import-1: the seeds ---- */

/* import-1.1: 000 (和布克赛尔, table, header on every page). Counted by hand: the
 * 序号 column holds 1..19; 16 is printed on line 38, the second half of a row
 * whose first half (line 35) has no 序号; lines 22 and 32 are page-broken halves
 * of rows 8 and 13 with an empty 序号. So 19 matters. */
TEST_IMPL(import_seed_000_table)
{
    cf_import_result_t r = ti_import_file(SEEDS "000_b75d44ba1ac919f2.txt");
    ASSERT_STR_EQ(r.format, "table");
    ASSERT_EQ(json_array_size(r.matters), 19);
    ASSERT_EQ(count(&r, "行政处罚"), 5);
    ASSERT_EQ(count(&r, "行政强制"), 1);
    ASSERT_EQ(count(&r, "行政检查"), 9);
    ASSERT_EQ(count(&r, "行政奖励"), 1);
    ASSERT_EQ(count(&r, "行政确认"), 1);
    ASSERT_EQ(count(&r, "行政给付"), 1);
    ASSERT_EQ(count(&r, "其他行政权力"), 1);
    /* row 8 (line 19) continued on line 22: its basis and 追责对象 grew */
    json_t *m8 = nth(&r, 8);
    ASSERT_EQ(source_line(m8), 19);
    ASSERT_CONTAINS(str(json_object_get(m8, "legal_basis"), "text"),
                    "第二十三条第一款第四项：组织拟订药品、医用耗材价格和医疗服务项目、医疗服务设施"
                    "收费等政策并监督实施");
    ASSERT_CONTAINS(
        json_string_value(json_object_get(json_object_get(m8, "extra"), "追责对象范围")),
        "法定代表人或分管领导");
    ASSERT_CONTAINS(repair_at(&r, 22), "continues 序号 8");
    /* row 13 continued on line 32: situations 5 and 6 come from the next page */
    json_t *m13 = nth(&r, 13);
    ASSERT_EQ(json_array_size(json_object_get(m13, "accountability")), 6);
    ASSERT_STR_EQ(situation(m13, 5), "其他违反法律法规规章文件规定的行为");
    ASSERT_STR_EQ(str(step(m13, 1), "text"),
                  "加强与相关主管部门的沟通协调，开展联合检查，避免多头执法、执法扰民等现象");
    /* row 16: first half without 序号 (line 35), 序号 and rest on line 38 */
    json_t *m16 = nth(&r, 16);
    ASSERT_EQ(source_line(m16), 35);
    ASSERT(!json_object_get(m16, "number_inferred"));
    ASSERT_STR_EQ(str(m16, "power_type"), "行政奖励");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(m16, "extra"), "部门职责")),
                  "负责县市区级对举报欺诈骗取医疗保障基金行为的奖励");
    ASSERT_EQ(json_array_size(json_object_get(m16, "accountability")), 6);
    ASSERT_CONTAINS(unplaced_at(&r, 35), "行政检查"); /* the conflicting half is reported */
    /* HTML is gone from the basis; citations found */
    json_t *m1 = nth(&r, 1);
    ASSERT(!strstr(str(json_object_get(m1, "legal_basis"), "text"), "<p>"));
    json_t *c0 =
        json_array_get(json_object_get(json_object_get(m1, "legal_basis"), "citations"), 0);
    ASSERT_STR_EQ(str(c0, "law"), "中华人民共和国社会保险法");
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(c0, "articles"), 0)),
                  "第八十七条");
    int none[] = {0};
    assert_lists(&r, none, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-1.2: 001 (玉门, table whose rows 4-8 lack three columns). Counted by
 * hand: 序号 1..17 on lines 6-8, 13-17, 22-26, 31-34. */
TEST_IMPL(import_seed_001_shifted)
{
    cf_import_result_t r = ti_import_file(SEEDS "001_5077d0db05537362.txt");
    ASSERT_EQ(json_array_size(r.matters), 17);
    ASSERT_EQ(count(&r, "行政处罚"), 6);
    ASSERT_EQ(count(&r, "行政强制"), 1);
    ASSERT_EQ(count(&r, "行政给付"), 1);
    ASSERT_EQ(count(&r, "行政奖励"), 1);
    ASSERT_EQ(count(&r, "行政确认"), 3);
    ASSERT_EQ(count(&r, "行政监督"), 4);
    ASSERT_EQ(count(&r, "其他行政权力"), 1);
    for (int line = 13; line <= 17; line++)
        ASSERT_CONTAINS(repair_at(&r, line), "cells put back");
    json_t *m4 = nth(&r, 4);
    ASSERT_EQ(source_line(m4), 13);
    ASSERT_STR_EQ(str(m4, "power_type"), "行政处罚");
    ASSERT_STR_EQ(str(m4, "agency"), "玉门市医疗保障局");
    ASSERT_STR_EQ(str(m4, "unit"), "基金财务和综合监督股");
    ASSERT_STR_EQ(str(m4, "sub_item"), "");
    json_t *c0 =
        json_array_get(json_object_get(json_object_get(m4, "legal_basis"), "citations"), 0);
    ASSERT_STR_EQ(str(c0, "law"), "中华人民共和国社会保险法");
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(c0, "articles"), 0)),
                  "第八十六条");
    ASSERT_STR_EQ(str(step(m4, 0), "step"), "立案");
    ASSERT_STR_EQ(str(step(m4, 1), "step"), "调查");
    ASSERT_STR_EQ(situation(m4, 0), "没有法律和事实依据实施行政处罚的");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(m4, "extra"), "责任事项依据")),
                  "《中华人民共和国行政处罚法》");
    ASSERT_STR_EQ(str(nth(&r, 7), "power_type"), "行政强制");
    ASSERT_STR_EQ(str(step(nth(&r, 8), 0), "step"), "救助");
    ASSERT_STR_EQ(str(step(nth(&r, 8), 1), "step"), "保密");
    int none[] = {0};
    assert_lists(&r, none, 0);
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-1.3: 002 (辛集, one field per line). The title says 共5类、17项. */
TEST_IMPL(import_seed_002_fields)
{
    cf_import_result_t r = ti_import_file(SEEDS "002_bfc965a2dc764a55.txt");
    ASSERT_STR_EQ(r.format, "fields");
    ASSERT_EQ(r.declared_count, 17);
    ASSERT_EQ(json_array_size(r.matters), 17);
    ASSERT_EQ(json_object_size(r.by_power_type), 5);
    ASSERT_EQ(count(&r, "行政处罚"), 7);
    ASSERT_EQ(count(&r, "行政强制"), 1);
    ASSERT_EQ(count(&r, "行政给付"), 1);
    ASSERT_EQ(count(&r, "行政检查"), 7);
    ASSERT_EQ(count(&r, "行政确认"), 1);
    for (int n = 6; n <= 10; n++) /* records without 序号 (lines 241, 281, ...) */
        ASSERT(json_is_true(json_object_get(nth(&r, n), "number_inferred")));
    json_t *m1 = nth(&r, 1);
    static const char *const steps[] = {"立案", "调查取证", "审理审查", "告知", "决定",
                                        "送达", "执行",     "归档",     ""};
    ASSERT_EQ(json_array_size(json_object_get(m1, "responsibilities")), 9);
    for (size_t i = 0; i < 9; i++)
        ASSERT_STR_EQ(str(step(m1, i), "step"), steps[i]);
    ASSERT_STR_EQ(str(step(m1, 5), "text"), "行政处罚决定书应在7日内送达当事人");
    ASSERT_STR_EQ(situation(m1, 0), "没有法律法规和事实依据实施行政处罚的");
    ASSERT_EQ(json_array_size(json_object_get(m1, "accountability")), 9);
    for (int n = 1; n <= 7; n++) { /* 7日内送达 in every 行政处罚 record */
        const json_t *t = limit(nth(&r, n), 7, "days");
        ASSERT(t);
        ASSERT_CONTAINS(str(t, "text"), "7日内送达");
        ASSERT_STR_EQ(str(t, "from"), "responsibilities");
    }
    ASSERT(limit(nth(&r, 8), 24, "hours")); /* 二十四小时内 */
    ASSERT_STR_EQ(str(nth(&r, 9), "name"), "生育保险待遇核准支付（生育津贴给付）");
    ASSERT_STR_EQ(str(nth(&r, 1), "agency"), "辛集市医疗保障局");
    int none[] = {0};
    assert_lists(&r, none, 0);
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-1.4: 003 (通化, cards). Counted by hand: 16 lines "1<TAB>序号<TAB>N",
 * N = 1..16. */
TEST_IMPL(import_seed_003_cards)
{
    cf_import_result_t r = ti_import_file(SEEDS "003_75e85e84c1617e8e.txt");
    ASSERT_STR_EQ(r.format, "cards");
    ASSERT_EQ(json_array_size(r.matters), 16);
    ASSERT_EQ(count(&r, "行政处罚"), 7); /* 1-5, and 6-7 行政检查和行政处罚 */
    ASSERT_EQ(count(&r, "行政检查"), 9); /* 6-14 */
    ASSERT_EQ(count(&r, "行政强制"), 1);
    ASSERT_EQ(count(&r, "其他行政权力"), 1); /* 16: 其他行政职权 */
    json_t *m6 = nth(&r, 6);
    ASSERT_EQ(json_array_size(json_object_get(m6, "power_types")), 2);
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(m6, "workflows"), 0)),
                  "inspection");
    /* card 1: steps 5-10 come from the continuation line (line 13, led by two tabs) */
    json_t *m1 = nth(&r, 1);
    ASSERT_EQ(json_array_size(json_object_get(m1, "responsibilities")), 10);
    ASSERT_STR_EQ(str(step(m1, 4), "step"), "决定");
    ASSERT_CONTAINS(str(step(m1, 4), "text"), "依法需要给予行政处罚的");
    ASSERT_STR_EQ(str(step(m1, 9), "step"), "其他");
    ASSERT_STR_EQ(str(m1, "unit"), "通化市医疗保障局基金监管科"); /* label 承办公室 */
    /* card 2: a continuation that resumes mid-sentence joins without a break */
    ASSERT_CONTAINS(str(step(nth(&r, 6), 4), "text"), "诉讼的途径和期限");
    const json_t *t = limit(nth(&r, 15), 24, "hours");
    ASSERT(t);
    ASSERT_CONTAINS(str(t, "text"), "24 小时内");
    ASSERT_STR_EQ(situation(nth(&r, 15), 4),
                  "在查封、扣押法定期间不作出处理决定或者未依法及时解除查封、扣押的");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(m1, "extra"), "监督电话")),
                  "0435-3917006");
    int none[] = {0};
    assert_lists(&r, none, 0);
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-1.5: 004 (generic list, two-row header, page 2 rows lack 3 columns).
 * Counted by hand: 序号 1..17 on lines 9-15 and 17-26; the title's 类(17)项 agrees. */
TEST_IMPL(import_seed_004_two_row_header)
{
    cf_import_result_t r = ti_import_file(SEEDS "004_e6509d409e33aba2.txt");
    ASSERT_EQ(json_array_size(r.matters), 17);
    ASSERT_EQ(r.declared_count, 17);
    ASSERT_EQ(count(&r, "行政处罚"), 6);
    ASSERT_EQ(count(&r, "行政给付"), 1);
    ASSERT_EQ(count(&r, "行政检查"), 7);
    ASSERT_EQ(count(&r, "行政奖励"), 1);
    ASSERT_EQ(count(&r, "其他行政权力"), 1); /* 其他类 */
    ASSERT_EQ(count(&r, "行政执行"), 1);     /* not a type we know: counted as written */
    ASSERT(unplaced_at(&r, 8) == NULL);      /* the header's second row is not data */
    ASSERT_CONTAINS(unplaced_at(&r, 17), "行政执行");
    json_t *m8 = nth(&r, 8);
    ASSERT_EQ(json_array_size(json_object_get(m8, "workflows")), 0);
    const json_t *t = limit(m8, 15, "working_days");
    ASSERT(t);
    ASSERT_STR_EQ(str(t, "text"), "不超过15个工作日");
    ASSERT_STR_EQ(str(t, "from"), "time_limit");
    ASSERT_STR_EQ(str(m8, "unit"), "医疗保障服务中心");
    ASSERT(limit(nth(&r, 7), 30, "working_days"));           /* in the shifted 受理条件 cell */
    ASSERT_STR_EQ(str(step(nth(&r, 7), 0), "step"), "受理"); /* moved back from 追责情形 */
    ASSERT_STR_EQ(str(step(nth(&r, 16), 0), "step"), "受理认定");
    ASSERT_STR_EQ(str(step(nth(&r, 17), 0), "step"), "纳入共享平台");
    int skip[] = {7, 8}; /* rows 7 and 8 have no 追责情形 in the file */
    assert_lists(&r, skip, 2);
    cf_import_result_free(&r);
    return 0;
}

/* ---- import-2: the family ---- */

/* import-2.1: synonym labels (权利事项名称, 事项类别, 处罚依据, 承办公室, 实施主体),
 * official codes as ids, HTML entities, a combined power type, Chinese numerals,
 * a repeated header with a continuation row, a row lacking two columns and a row
 * without 序号. */
TEST_IMPL(import_family_synonyms)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/synonyms.txt");
    ASSERT_EQ(json_array_size(r.matters), 4);
    ASSERT_EQ(r.declared_count, 4);
    json_t *m1 = nth(&r, 1), *m2 = nth(&r, 2), *m3 = nth(&r, 3), *m4 = nth(&r, 4);
    ASSERT_STR_EQ(str(m1, "id"), "330217001000");
    ASSERT_STR_EQ(str(m1, "code"), "330217001000");
    ASSERT_EQ(json_array_size(json_object_get(m1, "power_types")), 2);
    ASSERT_EQ(json_array_size(json_object_get(m1, "workflows")), 3);
    ASSERT_STR_EQ(str(step(m1, 0), "text"), "依法开展检查&记录");
    ASSERT_STR_EQ(str(json_object_get(m1, "legal_basis"), "text"),
                  "《中华人民共和国社会保险法》第八十七条、第八十八条\n"
                  "《医疗保障基金使用监督管理条例》第三十八条");
    json_t *c0 =
        json_array_get(json_object_get(json_object_get(m1, "legal_basis"), "citations"), 0);
    ASSERT_EQ(json_array_size(json_object_get(c0, "articles")), 2);
    ASSERT_STR_EQ(situation(m1, 1), "徇私舞弊的");
    ASSERT(limit(m1, 7, "days"));
    ASSERT_STR_EQ(str(m2, "sub_item"), "门诊救助");
    ASSERT_STR_EQ(str(m2, "unit"), "医疗保障科");
    ASSERT_STR_EQ(str(limit(m2, 15, "working_days"), "from"), "time_limit");
    ASSERT_STR_EQ(str(m3, "id"), "synonyms-003");
    ASSERT_STR_EQ(str(m3, "power_type"), "其他类");
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(m3, "power_types"), 0)),
                  "其他行政权力");
    ASSERT_EQ(json_array_size(json_object_get(m3, "responsibilities")), 2); /* + next page */
    ASSERT_STR_EQ(str(step(m3, 1), "step"), "公开");
    ASSERT(limit(m3, 3, "months"));
    ASSERT(json_is_true(json_object_get(m4, "number_inferred")));
    ASSERT_STR_EQ(str(m4, "agency"), "某市医疗保障局");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-2.1b: a 主项 whose 子项 follow on rows of their own (name and 权力类型 merged)
 * numbers its 子项 row as itself, so the next printed 序号 keeps its id (was: the 子项
 * row took 2, and row 2 became sub-items-002-2); a 权力类型 that is none of ours
 * (行政裁决, and 公共服务 in a row that lost its last cells) stays in its column and is
 * reported with the row's line and the column's label (was: 公共服务 moved to 子项名称,
 * "no 权力类型"). */
TEST_IMPL(import_family_sub_items)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/sub-items.txt");
    ASSERT_EQ(json_array_size(r.matters), 5);
    json_t *s1 = json_array_get(r.matters, 0), *s2 = json_array_get(r.matters, 1);
    ASSERT_STR_EQ(str(s1, "id"), "sub-items-001");
    ASSERT_STR_EQ(str(s2, "id"), "sub-items-001-2");
    ASSERT_EQ(json_integer_value(json_object_get(s2, "number")), 1);
    ASSERT_STR_EQ(str(s2, "name"), str(s1, "name"));
    ASSERT_STR_EQ(str(s2, "sub_item"), "2.对定点医药机构串换药品的处罚");
    ASSERT_STR_EQ(str(s2, "power_type"), "行政处罚");
    ASSERT_CONTAINS(repair_at(&r, 4), "子项 row without 序号: numbered 1");
    ASSERT_STR_EQ(str(json_array_get(r.matters, 2), "id"), "sub-items-002");
    json_t *m3 = json_array_get(r.matters, 3), *m4 = json_array_get(r.matters, 4);
    ASSERT_STR_EQ(str(m3, "power_type"), "行政裁决");
    ASSERT_STR_EQ(str(m4, "power_type"), "公共服务");
    ASSERT_STR_EQ(str(m4, "sub_item"), "");
    ASSERT_EQ(json_array_size(json_object_get(m4, "workflows")), 0);
    ASSERT_CONTAINS(unplaced_at(&r, 6), "unknown 权力类型 \"行政裁决\" (column 职权类别)");
    ASSERT_CONTAINS(unplaced_at(&r, 7), "unknown 权力类型 \"公共服务\" (column 职权类别)");
    ASSERT_EQ(r.unplaced.items_count, 2);
    cf_import_result_free(&r);
    return 0;
}

/* import-2.1c: a two-row header whose cells are merged down both rows (序号, 权力类别
 * ...) and across (权力事项 over 主项 | 子项), as a spreadsheet gives it (the merged
 * value down its rows) and as a converter that fills merged cells both ways gives it
 * (every cell repeated): the second row is the sub-row, 主项 the name and 子项 the
 * sub-item (was: "no matters found", every record without 事项名称). */
TEST_IMPL(import_family_two_row_header)
{
    static const char *const files[] = {"tests/fixtures/import/two-row-header.xlsx",
                                        "tests/fixtures/import/two-row-header.txt"};
    for (size_t i = 0; i < 2; i++) {
        cf_import_result_t r = ti_import_file(files[i]);
        ASSERT_EQ(json_array_size(r.matters), 3);
        json_t *m1 = nth(&r, 1), *m2 = nth(&r, 2), *m3 = json_array_get(r.matters, 2);
        ASSERT_STR_EQ(str(m1, "name"), str(m2, "name"));
        ASSERT_CONTAINS(str(m1, "name"), "违反医疗保障基金使用规定行为的");
        ASSERT_STR_EQ(str(m1, "sub_item"), "对定点医药机构分解住院的处罚");
        ASSERT_STR_EQ(str(m2, "sub_item"), "对定点医药机构串换药品的处罚");
        ASSERT_STR_EQ(str(m2, "power_type"), "行政处罚");
        ASSERT_STR_EQ(str(m3, "name"), "医疗保障基金使用监督检查");
        ASSERT_STR_EQ(str(m3, "sub_item"), "");
        ASSERT_STR_EQ(str(m3, "power_type"), "行政检查");
        ASSERT_EQ(r.unplaced.items_count, 0);
        cf_import_result_free(&r);
    }
    return 0;
}

/* import-2.1d: a name that carries its 子项 after a label (主项：A 子项：B, the way a Word
 * cell of two paragraphs reads) is the name A with the 子项 B; a row whose name is only
 * 子项：C, without 序号, is a 子项 of that 主项 and shares its 序号; 子项：D with no 主项
 * above is a matter named D (was: the whole text as the name, and the row under it
 * numbered 2, taking the next row's id). */
TEST_IMPL(import_family_sub_labels)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/sub-labels.txt");
    ASSERT_EQ(json_array_size(r.matters), 4);
    json_t *m[4];
    for (size_t i = 0; i < 4; i++)
        m[i] = json_array_get(r.matters, i);
    ASSERT_STR_EQ(str(m[0], "name"), "对违反医疗保障基金使用规定的处罚");
    ASSERT_STR_EQ(str(m[0], "sub_item"), "对定点医药机构分解住院的处罚");
    ASSERT_STR_EQ(str(m[1], "name"), "对违反医疗保障基金使用规定的处罚");
    ASSERT_STR_EQ(str(m[1], "sub_item"), "对定点医药机构串换药品的处罚");
    ASSERT_EQ(json_integer_value(json_object_get(m[1], "number")), 1);
    ASSERT_STR_EQ(str(m[1], "power_type"), "行政处罚");
    ASSERT_STR_EQ(str(m[2], "id"), "sub-labels-002");
    ASSERT_STR_EQ(str(m[3], "name"), "医保信用评价");
    ASSERT_STR_EQ(str(m[3], "sub_item"), "");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-2.2: a header whose labels are split over two rows (事项 over 名称, 权力
 * over 类型), and a 序号 in full-width digits. */
TEST_IMPL(import_family_split_header)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/split-header.txt");
    ASSERT_STR_EQ(r.format, "table");
    ASSERT_EQ(json_array_size(r.matters), 2);
    json_t *m2 = nth(&r, 2);
    ASSERT_STR_EQ(str(m2, "name"), "医疗救助对象确认");
    ASSERT_STR_EQ(str(m2, "power_type"), "行政确认");
    ASSERT_STR_EQ(str(step(m2, 0), "step"), "受理");
    ASSERT_STR_EQ(situation(nth(&r, 1), 0), "违法实施处罚的");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-2.2b: a workbook (.xls or .xlsx) keeping its list over several sheets, one per
 * power type, after an empty cover sheet: every sheet is read, in order (was: the first
 * sheet alone, so "empty file", and a list whose first sheet held matters lost the rest
 * in silence). A later sheet that cannot be read refuses the whole file, naming it.
 * The files are made by tests/fixtures/import/make-sheets.py (python3-xlwt). */
TEST_IMPL(import_family_sheets)
{
    static const char *const files[] = {"tests/fixtures/import/sheets.xls",
                                        "tests/fixtures/import/sheets.xlsx"};
    for (size_t i = 0; i < 2; i++) {
        cf_import_result_t r = ti_import_file(files[i]);
        ASSERT_EQ(json_array_size(r.matters), 3);
        ASSERT_CONTAINS(str(nth(&r, 1), "name"), "伪造证明材料");
        ASSERT_CONTAINS(str(nth(&r, 2), "name"), "参保人员");
        json_t *last = json_array_get(r.matters, 2); /* the sheets' order kept */
        ASSERT_CONTAINS(str(last, "name"), "检查");
        ASSERT_STR_EQ(str(last, "power_type"), "行政检查");
        ASSERT_EQ(r.unplaced.items_count, 0);
        cf_import_result_free(&r);
    }
    size_t len;
    char *buf = cf_test_slurp("tests/fixtures/import/sheets-dtd.xlsx", &len);
    cf_import_result_t r, untouched;
    memset(&r, 0x5a, sizeof(r));
    memcpy(&untouched, &r, sizeof(r));
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf_import_text(buf, len, "sheets-dtd.xlsx", NULL, &r, &err), CF_EPARSE);
    ASSERT_STR_EQ(err.source, "sheets-dtd.xlsx");
    ASSERT_CONTAINS(err.text, "sheet2.xml");
    ASSERT_CONTAINS(err.text, "DTD");
    ASSERT(memcmp(&r, &untouched, sizeof(r)) == 0);
    free(buf);
    return 0;
}

/* import-2.2c: a web page whose <meta> names the wrong charset: saved as UTF-8 keeping
 * charset="gbk", GBK under charset="utf-8", GBK's characters (醫, 檢) under
 * charset="gb2312", as browsers forgive. Each is read by its bytes (was: by the <meta>
 * alone: "a table with no recognizable header", libxml2 printing "encoding error"). */
TEST_IMPL(import_family_page_charset)
{
    static const char *const files[] = {"tests/fixtures/import/charset-utf8-says-gbk.html",
                                        "tests/fixtures/import/charset-gbk-says-utf8.html",
                                        "tests/fixtures/import/charset-gbk-says-gb2312.html"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        cf_import_result_t r = ti_import_file(files[i]);
        ASSERT_EQ(json_array_size(r.matters), 2);
        ASSERT_STR_EQ(str(nth(&r, 1), "name"), "对定点医药机构违反医疗保障基金使用规定的处罚");
        ASSERT_STR_EQ(str(nth(&r, 2), "name"), "對定點醫藥機構的檢查");
        ASSERT_STR_EQ(
            json_string_value(json_array_get(json_object_get(nth(&r, 2), "power_types"), 0)),
            "行政检查");
        cf_import_result_free(&r);
    }
    return 0;
}

/* import-2.3: options and small helpers: prefix, agency override, power types. */
TEST_IMPL(import_options)
{
    char p[64];
    ASSERT_STR_EQ(cf_import_prefix("shared/seeds/000_B75d.txt", p, sizeof(p)), "000-b75d");
    ASSERT(cf_import_prefix("清单.txt", p, sizeof(p))[0] == 'f'); /* f + 8 hex digits */
    ASSERT_EQ(strlen(p), 9);
    size_t len;
    char *buf = cf_test_slurp("tests/fixtures/import/synonyms.txt", &len);
    cf_import_opts_t o = {.prefix = "sy", .agency = "某县医疗保障局"};
    cf_import_result_t r;
    ASSERT_EQ(cf_import_text(buf, len, "x.txt", &o, &r, NULL), 0);
    json_t *m3 = nth(&r, 3);
    ASSERT_STR_EQ(str(m3, "id"), "sy-003");
    ASSERT_STR_EQ(str(m3, "agency"), "某县医疗保障局");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(m3, "extra"), "实施主体")),
                  "某市医疗保障局");
    cf_import_result_free(&r);
    cf_import_opts_t bad = {.prefix = "市"}; /* ids must be ASCII */
    ASSERT_EQ(cf_import_text(buf, len, "x.txt", &bad, &r, NULL), CF_EINVAL);
    free(buf);
    json_t *t = cf_import_power_types("行政检查和行政处罚");
    ASSERT_EQ(json_array_size(t), 2);
    ASSERT_STR_EQ(json_string_value(json_array_get(t, 0)), "行政检查");
    json_decref(t);
    t = cf_import_power_types("其他行政职权");
    ASSERT_STR_EQ(json_string_value(json_array_get(t, 0)), "其他行政权力");
    json_decref(t);
    t = cf_import_power_types("对医疗救助的监督检查"); /* a name, not a type */
    ASSERT_EQ(json_array_size(t), 0);
    json_decref(t);
    /* import-2.3b: 其它 is 其他; a note in parentheses is not part of the type, even
     * with a separator inside it; 公共服务 is shaped as a type, but not ours */
    static const char *const types[][2] = {{"其它行政权力", "其他行政权力"},
                                           {"行政给付（医疗救助、临时救助）", "行政给付"},
                                           {"其他行政权力(行政监督)", "其他行政权力"},
                                           {"（二）行政强制措施", "行政强制"}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        t = cf_import_power_types(types[i][0]);
        ASSERT_EQ(json_array_size(t), 1);
        ASSERT_STR_EQ(json_string_value(json_array_get(t, 0)), types[i][1]);
        json_decref(t);
    }
    int looks = 0;
    ASSERT_EQ(cf__power_mask("公共服务", &looks), 0u);
    ASSERT_EQ(looks, 1);
    ASSERT_EQ(cf__power_mask("（医疗救助）", &looks), 0u);
    ASSERT_EQ(looks, 0);
    t = cf_import_workflows("行政处罚");
    ASSERT_EQ(json_array_size(t), 2);
    ASSERT_STR_EQ(json_string_value(json_array_get(t, 1)), "penalty-summary");
    json_decref(t);
    return 0;
}

/* ---- import-3: damaged input ---- */

/* Imports a fixture that must fail with CF_EPARSE whose text contains what; the
 * result must be untouched. Returns the error's line. */
static int expect_failure(const char *relpath, const char *what)
{
    size_t len;
    char *buf = cf_test_slurp(relpath, &len);
    cf_import_result_t r;
    memset(&r, 0x5A, sizeof(r));
    cf_import_result_t before = r;
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf_import_text(buf, len, relpath, NULL, &r, &err), CF_EPARSE);
    ASSERT(memcmp(&r, &before, sizeof(r)) == 0);
    ASSERT_CONTAINS(err.text, what);
    ASSERT_STR_EQ(err.source, relpath);
    free(buf);
    return err.line;
}

/* import-3.1: empty and blank files. */
TEST_IMPL(import_bad_empty)
{
    expect_failure("tests/fixtures/import/empty.txt", "empty file");
    expect_failure("tests/fixtures/import/blank.txt", "empty file");
    return 0;
}

/* import-3.2: a binary file (NUL bytes) is named as such, with the offset. */
TEST_IMPL(import_bad_binary)
{
    expect_failure("tests/fixtures/import/binary.png", "binary file: NUL byte at offset 8");
    /* import-3.2b: a zip that is no .xlsx nor .docx (an .ods, a damaged one) and an Office
     * 97-2003 file that is neither .xls nor .doc say what they are and what to do (were:
     * "binary file: NUL byte at offset 5"). */
    static const struct {
        const char *bytes;
        size_t len;
        const char *what;
    } other[] = {
        {"PK\x03\x04\x14\0\0\0\0\0mimetypeapplication/vnd.oasis", 36, "saved as .xlsx or .docx"},
        {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 12,
         "neither an .xls workbook nor a Word .doc"},
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        cf_import_result_t r;
        memset(&r, 0x5A, sizeof(r));
        cf_import_result_t before = r;
        cf_error_t err;
        cf_error_clear(&err);
        ASSERT_EQ(cf_import_text(other[i].bytes, other[i].len, "list", NULL, &r, &err), CF_EPARSE);
        ASSERT(memcmp(&r, &before, sizeof(r)) == 0);
        ASSERT_CONTAINS(err.text, other[i].what);
        ASSERT_STR_EQ(err.source, "list");
    }
    return 0;
}

/* import-3.3: GBK text (tests/fixtures/import/gbk.txt: the first 55 lines of seed
 * 002 through iconv -t GBK) is converted and imported; bytes that are neither
 * UTF-8 nor GB18030 are refused with their offset. */
TEST_IMPL(import_bad_encoding)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/gbk.txt");
    ASSERT_STR_EQ(r.encoding, "GB18030");
    ASSERT_EQ(json_array_size(r.matters), 1);
    json_t *m = nth(&r, 1);
    ASSERT_STR_EQ(str(m, "power_type"), "行政处罚");
    ASSERT_STR_EQ(str(step(m, 0), "step"), "立案");
    ASSERT_CONTAINS(unplaced_at(&r, 0), "lists 17 matters; found 1"); /* an excerpt */
    cf_import_result_free(&r);
    ASSERT_EQ(expect_failure("tests/fixtures/import/undecodable.txt",
                             "not UTF-8 (invalid byte 0xFF at offset 0"),
              1);
    return 0;
}

/* import-3.4: truncated files: a table cut mid-row, cards cut mid-card, a
 * character cut in half. */
TEST_IMPL(import_bad_truncated)
{
    ASSERT_EQ(expect_failure("tests/fixtures/import/truncated-row.txt",
                             "truncated file: the last record has 5 cells"),
              7);
    ASSERT_EQ(expect_failure("tests/fixtures/import/truncated-card.txt",
                             "truncated file: the last record has 3 fields"),
              37);
    ASSERT_EQ(
        expect_failure("tests/fixtures/import/truncated-char.txt", "in the middle of a character"),
        10);
    return 0;
}

/* import-3.5: rows without a header row. */
TEST_IMPL(import_bad_no_header)
{
    /* rows of a list whose header was lost are read under a header of our own
     * (序号, 事项名称, 权力类型, the rest as 备注); a text with no list is refused */
    cf_import_result_t r = ti_import_file("tests/fixtures/import/noheader.txt");
    ASSERT(json_array_size(r.matters) >= 2);
    ASSERT_STR_EQ(str(json_array_get(r.matters, 0), "power_type"), "行政处罚");
    ASSERT_CONTAINS(str(json_array_get(r.matters, 1), "name"), "对参加药品采购投标的投标人");
    ASSERT_CONTAINS(r.explain.items[0].text, "no header:");
    cf_import_result_free(&r);
    expect_failure("tests/fixtures/import/prose.txt", "unrecognized layout");
    ASSERT_EQ(cf_import_text("just a line\n", 12, NULL, NULL, &r, NULL), CF_EPARSE);
    ASSERT_EQ(cf_import_text(NULL, 0, NULL, NULL, &r, NULL), CF_EINVAL);
    return 0;
}
