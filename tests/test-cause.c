/*
 * test-cause.c -- cause-*: the 案由 dictionaries (engine/cause.c), their storage
 * (storage/store-causes.c) and the record a case keeps of its cause.
 *
 * cause-1.x: the shipped dictionary of 苏医保督〔2024〕1号 loads as the document
 *   structures it (4 subject types, 9 causes, 35 situations numbered 1-35), and
 *   situations are found by id, with and without the dictionary's name.
 * cause-2.x: every load error is refused with its line, leaving the set as it
 *   was; the party's type is checked against the cause's subject type.
 * cause-3.x: the store keeps only dictionaries that load; a case opened under a
 *   cause carries it in its case.opened event, its fold and its snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/cause.h"
#include "core-helpers.h"
#include "task.h"

#define SHIPPED "workflows/causes/js-2024.yaml"

static cf_causes_t *load_shipped(void)
{
    size_t len;
    char *buf = cf_test_slurp(SHIPPED, &len);
    cf_causes_t *set = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_causes_new(&set), 0);
    if (cf_causes_load(set, buf, len, SHIPPED, &err) != 0)
        CF__FAIL("%s:%d:%d: %s", err.source, err.line, err.column, err.text);
    free(buf);
    return set;
}

/* A small valid dictionary, the base of the error cases. */
static const char small[] = "id: t\n"                          /* 1 */
                            "name: 测试\n"                     /* 2 */
                            "source: {document: 测试文号}\n"   /* 3 */
                            "subject_types:\n"                 /* 4 */
                            "  - {id: a, name: 甲}\n"          /* 5 */
                            "  - {id: b, name: 乙}\n"          /* 6 */
                            "causes:\n"                        /* 7 */
                            "  - id: c1\n"                     /* 8 */
                            "    subject: a\n"                 /* 9 */
                            "    name: 案由一\n"               /* 10 */
                            "    situations:\n"                /* 11 */
                            "      - {no: 1, text: 情形一}\n"  /* 12 */
                            "      - {no: 2, text: 情形二}\n"; /* 13 */

/* cause-1.1: the shipped file: one dictionary js-2024 citing 苏医保督〔2024〕1号,
 * noting that it was transcribed; 4 subject types with their ids and names; 9
 * causes, each of a declared subject type; 35 situations numbered 1..35, each
 * once. */
TEST_IMPL(cause_shipped)
{
    static const char *const ids[] = {"agency", "provider", "person", "other"};
    static const char *const names[] = {"经办机构", "定点医药机构", "自然人", "其他主体"};
    static const unsigned per_cause[] = {2, 8, 9, 7, 3, 3, 1, 1, 1};
    cf_causes_t *set = load_shipped();
    ASSERT_EQ(cf_causes_count(set), 1);
    const cf_cause_dict_t *d = cf_causes_dict(set, 0);
    ASSERT(cf_causes_dict(set, 1) == NULL);
    ASSERT_STR_EQ(d->id, "js-2024");
    ASSERT_STR_EQ(d->source->document, "苏医保督〔2024〕1号");
    ASSERT_STR_EQ(d->source->issuer, "江苏省医疗保障局");
    ASSERT_CONTAINS(d->source->note, "public restatement");
    ASSERT_EQ(d->subject_types_count, 4);
    for (unsigned i = 0; i < 4; i++) {
        ASSERT_STR_EQ(d->subject_types[i].id, ids[i]);
        ASSERT_STR_EQ(d->subject_types[i].name, names[i]);
    }
    ASSERT_EQ(d->causes_count, 9);
    int seen[36] = {0};
    unsigned total = 0;
    for (unsigned i = 0; i < d->causes_count; i++) {
        ASSERT(cf_cause_subject(d, d->causes[i].subject) != NULL);
        ASSERT_EQ(d->causes[i].situations_count, per_cause[i]);
        for (unsigned j = 0; j < d->causes[i].situations_count; j++, total++) {
            unsigned no = d->causes[i].situations[j].no;
            ASSERT(no >= 1 && no <= 35);
            ASSERT_EQ(seen[no]++, 0);
            ASSERT_EQ(no, total + 1); /* numbered in order through the causes */
        }
    }
    ASSERT_EQ(total, 35);
    cf_causes_free(set);
    return 0;
}

static void expect_found(const cf_causes_t *set, const char *id, const char *subject,
                         const char *cause, unsigned no, const char *text)
{
    cf_cause_ref_t ref;
    cf_error_t err;
    if (cf_causes_lookup(set, id, &ref, &err) != 0)
        CF__FAIL("lookup %s: %s", id, err.text);
    ASSERT_STR_EQ(ref.subject->id, subject);
    ASSERT_STR_EQ(ref.cause->id, cause);
    ASSERT_EQ(ref.situation->no, no);
    ASSERT_STR_EQ(ref.situation->text, text);
    ASSERT_STR_EQ(ref.cause->subject, ref.subject->id);
}

static void expect_missing(const cf_causes_t *set, const char *id, int code, const char *words)
{
    cf_cause_ref_t ref, before;
    cf_error_t err;
    memset(&ref, 0x5a, sizeof(ref));
    before = ref;
    ASSERT_EQ(cf_causes_lookup(set, id, &ref, &err), code);
    ASSERT_CONTAINS(err.text, words);
    ASSERT(memcmp(&ref, &before, sizeof(ref)) == 0); /* untouched */
}

/* cause-1.2: situations by "dictionary:number" and by the bare number while one
 * dictionary is loaded; unknown ids are not found; with a second dictionary the
 * bare number is ambiguous and the qualified ids still resolve. */
TEST_IMPL(cause_lookup)
{
    cf_causes_t *set = load_shipped();
    cf_error_t err;
    expect_found(set, "js-2024:14", "provider", "provider-fund-use", 14,
                 "串换药品、医用耗材、诊疗项目和服务设施");
    expect_found(set, "14", "provider", "provider-fund-use", 14,
                 "串换药品、医用耗材、诊疗项目和服务设施");
    expect_found(set, "js-2024:1", "agency", "agency-fraud", 1,
                 "通过伪造、变造、隐匿、涂改、销毁医学文书、医学证明、会计凭证、电子信息等有关资"
                 "料或者虚构医药服务项目等方式，骗取医疗保障基金支出");
    expect_found(set, "27", "person", "person-fund-use", 27,
                 "将本人的医疗保障凭证交由他人冒名使用");
    expect_found(set, "34", "person", "person-assistance-fraud", 34,
                 "采取虚报、隐瞒、伪造等手段，骗取社会救助资金、物资或者服务");
    expect_found(set, "js-2024:35", "other", "other-fraud", 35,
                 "医药企业、用人单位等以欺诈、伪造证明材料或者其他手段骗取医疗保障基金支出");
    expect_missing(set, "36", CF_ENOTFOUND, "no 案由 (违法情形) '36' in dictionary 'js-2024'");
    expect_missing(set, "js-2024:0", CF_ENOTFOUND, "'0'");
    expect_missing(set, "js-2024:", CF_ENOTFOUND, "''");
    expect_missing(set, "js-2024:1x", CF_ENOTFOUND, "'1x'");
    expect_missing(set, "-1", CF_ENOTFOUND, "'-1'");
    expect_missing(set, "", CF_ENOTFOUND, "''");
    expect_missing(set, "zj-2024:1", CF_ENOTFOUND, "no 案由 dictionary 'zj-2024' is loaded");
    /* A second dictionary: the bare number no longer says which. */
    ASSERT_EQ(cf_causes_load(set, small, strlen(small), "t.yaml", &err), 0);
    ASSERT_EQ(cf_causes_count(set), 2);
    expect_missing(set, "14", CF_EINVAL, "ambiguous");
    expect_found(set, "js-2024:14", "provider", "provider-fund-use", 14,
                 "串换药品、医用耗材、诊疗项目和服务设施");
    expect_found(set, "t:2", "a", "c1", 2, "情形二");
    expect_missing(set, "t:14", CF_ENOTFOUND, "'14' in dictionary 't'");
    cf_causes_free(set);
    /* None loaded. */
    ASSERT_EQ(cf_causes_new(&set), 0);
    expect_missing(set, "14", CF_ENOTFOUND, "no 案由 dictionary is loaded");
    cf_causes_free(set);
    return 0;
}

/* cause-2.1: every kind of load error, at its line; the set is left as it was. */
TEST_IMPL(cause_load_errors)
{
    static const struct {
        const char *text;
        int code;
        int line;
        const char *words;
    } bad[] = {
        /* schema (libcyaml) */
        {"id: u\nname: T\ncolour: red\n", CF_EPARSE, 3, "colour"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: a\n    name: N\n    situations:\n      - no: 1\n        text: T\n"
         "        txet: U\n",
         CF_EPARSE, 13, "Unexpected key: txet"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: a\n    name: N\n    situations:\n      - {no: x, text: T}\n",
         CF_EPARSE, 11, "x"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: a\n    name: N\n    situations: []\n",
         CF_EPARSE, 10, "Insufficient entries"},
        {"id: u\nname: T\nsource: {issuer: I}\n", CF_EPARSE, 3, "document"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types: [\n", CF_EPARSE, 5, "YAML"},
        /* checks (cause.c) */
        {"id: js 2024\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\n"
         "causes:\n  - {id: c, subject: a, name: N, situations: [{no: 1, text: T}]}\n",
         CF_EINVALID, 1, "dictionary id 'js 2024' may only use"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\n"
         "  - {id: a, name: 乙}\ncauses:\n  - {id: c, subject: a, name: N, situations: [{no: 1, "
         "text: T}]}\n",
         CF_EINVALID, 6, "subject type id 'a' is declared twice"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\n"
         "  - {id: b, name: 甲}\ncauses:\n  - {id: c, subject: a, name: N, situations: [{no: 1, "
         "text: T}]}\n",
         CF_EINVALID, 6, "subject type name '甲' is declared twice"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - {id: c, subject: a, name: N, situations: [{no: 1, text: T}]}\n"
         "  - {id: c, subject: a, name: M, situations: [{no: 2, text: T}]}\n",
         CF_EINVALID, 8, "cause id 'c' is used twice"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: z\n    name: N\n    situations: [{no: 1, text: T}]\n",
         CF_EINVALID, 8, "subject type 'z', which subject_types does not declare"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: 甲\n    name: N\n    situations: [{no: 1, text: T}]\n",
         CF_EINVALID, 8, "(give its id)"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: a\n    name: N\n    situations:\n      - {no: 1, text: T}\n"
         "  - id: d\n    subject: a\n    name: M\n    situations:\n      - {no: 2, text: T}\n"
         "      - {no: 1, text: U}\n",
         CF_EINVALID, 17, "situation 1 is numbered twice (also under cause 'c')"},
        {"id: u\nname: T\nsource: {document: D}\nsubject_types:\n  - {id: a, name: 甲}\ncauses:\n"
         "  - id: c\n    subject: a\n    name: N\n    situations:\n      - {no: 0, text: T}\n",
         CF_EINVALID, 11, "situation numbers start at 1"},
        /* the same dictionary twice */
        {small, CF_EINVALID, 1, "dictionary 't' is already loaded"},
    };
    cf_causes_t *set = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_causes_new(&set), 0);
    ASSERT_EQ(cf_causes_load(set, small, strlen(small), "t.yaml", &err), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cf_error_clear(&err);
        int rc = cf_causes_load(set, bad[i].text, strlen(bad[i].text), "bad.yaml", &err);
        if (rc != bad[i].code || err.line != bad[i].line || !strstr(err.text, bad[i].words))
            CF__FAIL("case %zu: got %d at line %d: %s", i, rc, err.line, err.text);
        ASSERT_STR_EQ(err.source, "bad.yaml");
        ASSERT_EQ(cf_causes_count(set), 1); /* unchanged */
    }
    cf_causes_free(set);
    return 0;
}

/* cause-2.2: the party must be of the cause's subject type, given by id or by
 * name; the refusal names both types and the document, in both languages. */
TEST_IMPL(cause_party)
{
    cf_causes_t *set = load_shipped();
    cf_cause_ref_t ref;
    cf_error_t err;
    ASSERT_EQ(cf_causes_lookup(set, "js-2024:14", &ref, &err), 0);
    ASSERT_EQ(cf_cause_check_party(&ref, "provider", &err), 0);
    ASSERT_EQ(cf_cause_check_party(&ref, "定点医药机构", &err), 0);
    ASSERT_EQ(cf_cause_check_party(&ref, "自然人", &err), CF_EREFUSED);
    ASSERT_CONTAINS(err.text, "当事人类别「自然人」与案由 js-2024:14（违反医疗保障基金使用规定）的"
                              "违法主体类别「定点医药机构」不一致（苏医保督〔2024〕1号）");
    ASSERT_CONTAINS(err.text, "the party's type 自然人 (person) is not the subject type of cause "
                              "js-2024:14, 定点医药机构 (provider) (苏医保督〔2024〕1号)");
    ASSERT_EQ(cf_cause_check_party(&ref, "organisation", &err), CF_EREFUSED);
    ASSERT_CONTAINS(err.text, "'organisation' is not a subject type of js-2024");
    ASSERT_EQ(cf_cause_check_party(&ref, NULL, &err), CF_EREFUSED);
    ASSERT_CONTAINS(err.text, "the party's type is not given");
    ASSERT_CONTAINS(err.text, "苏医保督〔2024〕1号");
    json_t *rec = cf_cause_ref_json(&ref);
    char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    ASSERT_STR_EQ(text, "{\"dictionary\":\"js-2024\",\"id\":\"provider-fund-use\",\"name\":"
                        "\"违反医疗保障基金使用规定\",\"situation\":14,\"subject\":{\"id\":"
                        "\"provider\",\"name\":\"定点医药机构\"},\"text\":\"串换药品、医用耗材、"
                        "诊疗项目和服务设施\"}");
    free(text);
    json_decref(rec);
    cf_causes_free(set);
    return 0;
}

/* cause-3.1: the store files a dictionary under its own id, replaces it when
 * stored again, and refuses (storing nothing) one that does not load. */
TEST_IMPL(cause_store)
{
    cf_store_t *s = cf_test_store("causes.db");
    cf_causes_t *set = NULL;
    cf_error_t err;
    char id[64] = "";
    size_t len;
    char *buf = cf_test_slurp(SHIPPED, &len);
    ASSERT_EQ(cf_store_causes_load(s, &set, &err), 0);
    ASSERT_EQ(cf_causes_count(set), 0);
    cf_causes_free(set);
    ASSERT_EQ(cf_store_causes_put(s, "id: t\n", 6, "x.yaml", id, sizeof(id), &err), CF_EPARSE);
    ASSERT_STR_EQ(id, ""); /* untouched */
    ASSERT_STR_EQ(err.source, "x.yaml");
    ASSERT_EQ(cf_store_causes_put(s, buf, len, SHIPPED, id, sizeof(id), &err), 0);
    ASSERT_STR_EQ(id, "js-2024");
    ASSERT_EQ(cf_store_causes_put(s, small, strlen(small), "t.yaml", id, sizeof(id), &err), 0);
    ASSERT_EQ(cf_store_causes_put(s, buf, len, SHIPPED, NULL, 0, &err), 0); /* replaces */
    ASSERT_EQ(cf_store_causes_load(s, &set, &err), 0);
    ASSERT_EQ(cf_causes_count(set), 2);
    ASSERT_STR_EQ(cf_causes_dict(set, 0)->id, "js-2024"); /* by id */
    ASSERT_STR_EQ(cf_causes_dict(set, 1)->id, "t");
    expect_found(set, "js-2024:20", "provider", "provider-fraud", 20,
                 "诱导、协助他人冒名或者虚假就医、购药");
    cf_causes_free(set);
    free(buf);
    cf_store_close(s);
    return 0;
}

/* cause-3.2: a case opened under a cause keeps the record in its case.opened
 * event, its fold and its snapshot (stored and read back); a case opened
 * without one has no "cause" anywhere, so older events and snapshots are read
 * as before. */
TEST_IMPL(cause_case_record)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("case.db");
    cf_causes_t *set = load_shipped();
    cf_cause_ref_t ref;
    cf_error_t err;
    ASSERT_EQ(cf_causes_lookup(set, "js-2024:31", &ref, &err), 0);
    json_t *rec = cf_cause_ref_json(&ref);
    json_t *party = json_pack("{s:s, s:s}", "name", "李某", "type", "自然人");
    ASSERT_EQ(cf_store_workflow_put(s, wf, NULL, NULL, &err), 0);
    for (int with = 1; with >= 0; with--) {
        cf_open_t req = {.actor = "张三",
                         .role = "handler",
                         .party = party,
                         .at = cf_test_time("2026-03-02T09:00:00+08:00"),
                         .cause = with ? rec : NULL};
        json_t *events = NULL;
        cf_case_t c, back;
        ASSERT_EQ(cf_engine_open(wf, cal, &req, &events, NULL), 0);
        json_t *opened = json_array_get(events, 0);
        ASSERT_EQ(json_equal(json_object_get(opened, "cause"), with ? rec : NULL), with);
        ASSERT_EQ(json_object_get(opened, "cause") != NULL, with);
        ASSERT_EQ(cf_case_init(&c), 0);
        ASSERT_EQ(cf_store_case_open(s, &c, events, &err), 0);
        ASSERT(with ? json_equal(c.cause, rec) : c.cause == NULL);
        ASSERT_EQ(cf_store_case_get(s, c.id, &back, &err), 0);
        ASSERT(with ? json_equal(back.cause, rec) : back.cause == NULL);
        json_t *snap = cf_case_to_json(&back);
        ASSERT_EQ(json_object_get(snap, "cause") != NULL, with);
        json_decref(snap);
        cf_case_dispose(&back);
        cf_case_dispose(&c);
        json_decref(events);
    }
    json_decref(party);
    json_decref(rec);
    cf_causes_free(set);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}
