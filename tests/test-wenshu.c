/*
 * test-wenshu.c -- wenshu-*: 文书 filled from a case (engine/wenshu.c,
 * wenshu-fill.c). The PDF itself is tested from the command line
 * (tests/cli/doc.sh), where pdftotext reads it back.
 *
 * wenshu-1.x: amounts in capitals and figures, yuan to fen, dates in Chinese.
 * wenshu-2.x: templates load, or are refused with what is wrong; the shipped
 *   ones check clean against penalty-general, and a fact the workflow lacks is
 *   reported.
 * wenshu-3.x: filling: every placeholder kind; when/unless; facts as text; a case lacking
 *   facts is refused naming each one, and the output is left untouched.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/wenshu.h"
#include "core-helpers.h"
#include "task.h"

/* wenshu-1.1: capitals, with the cases that go wrong in naive code. */
TEST_IMPL(wenshu_capitals)
{
    static const struct {
        int64_t fen;
        const char *text;
    } cases[] = {
        {0, "零元整"},
        {1005, "壹拾元零伍分"},              /* 10.05 */
        {10000000000LL, "壹亿元整"},         /* 100,000,000.00 */
        {2000000, "贰万元整"},               /* 20,000 */
        {10001000, "壹拾万零壹拾元整"},      /* 100,010 */
        {100100, "壹仟零壹元整"},            /* 1,001 */
        {50, "伍角整"},                      /* 0.50 */
        {5, "伍分"},                         /* 0.05 */
        {120, "壹元贰角整"},                 /* 1.20 */
        {123, "壹元贰角叁分"},               /* 1.23 */
        {100000000100LL, "壹拾亿零壹元整"},  /* 1,000,000,001 */
        {10200000000LL, "壹亿零贰佰万元整"}, /* 102,000,000 */
        {11000000000LL, "壹亿壹仟万元整"},   /* 110,000,000 */
        {100000000000000LL, "壹万亿元整"},   /* 10^12 */
        {100000000, "壹佰万元整"},           /* 1,000,000 */
    };
    char out[160];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ASSERT_EQ(cf_wenshu_capitals(cases[i].fen, out, sizeof(out)), 0);
        ASSERT_STR_EQ(out, cases[i].text);
    }
    ASSERT_EQ(cf_wenshu_capitals(-1, out, sizeof(out)), CF_EINVAL);
    ASSERT_STR_EQ(out, "");
    ASSERT_EQ(cf_wenshu_capitals(2000000, out, 8), CF_EINVAL); /* 贰万元整 needs 13 bytes */
    ASSERT_STR_EQ(out, "");
    return 0;
}

/* wenshu-1.2: figures, and yuan as JSON to fen. */
TEST_IMPL(wenshu_figures_fen)
{
    char out[32];
    cf_wenshu_figures(2000000, out, sizeof(out));
    ASSERT_STR_EQ(out, "20,000.00");
    cf_wenshu_figures(10000000000LL, out, sizeof(out));
    ASSERT_STR_EQ(out, "100,000,000.00");
    cf_wenshu_figures(1005, out, sizeof(out));
    ASSERT_STR_EQ(out, "10.05");
    cf_wenshu_figures(0, out, sizeof(out));
    ASSERT_STR_EQ(out, "0.00");
    int64_t fen = 7;
    json_t *v = json_real(10.05);
    ASSERT_EQ(cf_wenshu_fen(v, &fen), 0);
    ASSERT_EQ(fen, 1005);
    json_decref(v);
    v = json_integer(20000);
    ASSERT_EQ(cf_wenshu_fen(v, &fen), 0);
    ASSERT_EQ(fen, 2000000);
    json_decref(v);
    fen = 7;
    v = json_integer(-1);
    ASSERT_EQ(cf_wenshu_fen(v, &fen), CF_EINVAL);
    json_decref(v);
    v = json_string("二万");
    ASSERT_EQ(cf_wenshu_fen(v, &fen), CF_EINVAL);
    json_decref(v);
    v = json_string("10.05x");
    ASSERT_EQ(cf_wenshu_fen(v, &fen), CF_EINVAL);
    json_decref(v);
    ASSERT_EQ(fen, 7);        /* untouched on failure */
    v = json_string("10.05"); /* as --fact gives it */
    ASSERT_EQ(cf_wenshu_fen(v, &fen), 0);
    ASSERT_EQ(fen, 1005);
    json_decref(v);
    return 0;
}

/* wenshu-1.3: dates as a document writes them. */
TEST_IMPL(wenshu_date)
{
    char out[64];
    cf_wenshu_date((cf_date_t){2025, 9, 30}, out, sizeof(out));
    ASSERT_STR_EQ(out, "二〇二五年九月三十日");
    cf_wenshu_date((cf_date_t){2026, 1, 1}, out, sizeof(out));
    ASSERT_STR_EQ(out, "二〇二六年一月一日");
    cf_wenshu_date((cf_date_t){2025, 12, 11}, out, sizeof(out));
    ASSERT_STR_EQ(out, "二〇二五年十二月十一日");
    cf_wenshu_date((cf_date_t){2030, 10, 20}, out, sizeof(out));
    ASSERT_STR_EQ(out, "二〇三〇年十月二十日");
    cf_wenshu_date((cf_date_t){2025, 3, 31}, out, sizeof(out));
    ASSERT_STR_EQ(out, "二〇二五年三月三十一日");
    return 0;
}

static cf_wenshu_tpl_t *tpl_of(const char *text)
{
    cf_wenshu_tpl_t *t = NULL;
    cf_error_t err;
    if (cf_wenshu_tpl_load(text, strlen(text), "t.yaml", &t, &err) != 0)
        CF__FAIL("%s:%d: %s", err.source, err.line, err.text);
    return t;
}

/* wenshu-2.1: what a template may not be. */
TEST_IMPL(wenshu_load_errors)
{
    static const struct {
        const char *yaml, *says;
    } bad[] = {
        {"name: a\ntitle: A\nblocks:\n  - {para: x, heading: y}\n", "exactly one of"},
        {"name: a\ntitle: A\nblocks:\n  - {para: \"{{fact.x\"}\n", "not closed"},
        {"name: a\ntitle: A\nlayout: grid\nblocks:\n  - {para: x}\n", "neither letter nor form"},
        {"name: a\ntitle: A\nblocks:\n  - {para: x, value: y}\n", "value goes with field"},
        {"name: a\nblocks:\n  - {para: x}\n", "title"},
        {"name: a\ntitle: A\nblocks:\n  - {paragraph: x}\n", "paragraph"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cf_wenshu_tpl_t *t = (cf_wenshu_tpl_t *)1;
        cf_error_t err;
        int rc = cf_wenshu_tpl_load(bad[i].yaml, strlen(bad[i].yaml), "t.yaml", &t, &err);
        ASSERT(rc == CF_EINVALID || rc == CF_EPARSE);
        ASSERT(t == (cf_wenshu_tpl_t *)1);
        ASSERT_CONTAINS(err.text, bad[i].says);
    }
    return 0;
}

/* wenshu-2.2: every shipped template loads and checks clean against
 * penalty-general; one naming a fact the workflow lacks does not. */
TEST_IMPL(wenshu_shipped_check)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    DIR *d = opendir(CF_SOURCE_DIR "/workflows/templates");
    ASSERT(d);
    struct dirent *e;
    int templates = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0 ||
            strcmp(e->d_name, "bureau.yaml") == 0)
            continue;
        char path[512], *buf = NULL;
        snprintf(path, sizeof(path), "%s/workflows/templates/%s", CF_SOURCE_DIR, e->d_name);
        size_t len;
        buf = cf_test_slurp(path + strlen(CF_SOURCE_DIR) + 1, &len);
        cf_wenshu_tpl_t *t = NULL;
        cf_error_t err;
        if (cf_wenshu_tpl_load(buf, len, path, &t, &err) != 0)
            CF__FAIL("%s: %s", path, err.text);
        cf_errlist_t problems = {0};
        ASSERT_EQ(cf_wenshu_check(t, wf, path, &problems), 0);
        ASSERT(strncmp(e->d_name, t->name, strlen(t->name)) == 0); /* named after its file */
        cf_errlist_free(&problems);
        cf_wenshu_tpl_free(t);
        free(buf);
        templates++;
    }
    closedir(d);
    ASSERT(templates >= 7);
    cf_wenshu_tpl_t *t =
        tpl_of("name: a\ntitle: A\nblocks:\n"
               "  - {para: \"{{fact.no_such}} {{party.nmae}} {{fact.fine|cny}}\"}\n"
               "  - {para: x, when: penalty}\n"
               "  - {para: \"{{basis.no_action}}\"}\n");
    cf_errlist_t problems = {0};
    ASSERT_EQ(cf_wenshu_check(t, wf, "t.yaml", &problems), 5);
    ASSERT_CONTAINS(problems.items[0].text, "fact 'no_such' is not a fact of workflow");
    ASSERT_CONTAINS(problems.items[1].text, "unknown placeholder {{party.nmae}}");
    ASSERT_CONTAINS(problems.items[2].text, "unknown placeholder {{fact.fine|cny}}");
    ASSERT_CONTAINS(problems.items[3].text, "when 'penalty' is not a bool fact");
    ASSERT_CONTAINS(problems.items[4].text, "no action 'no_action'");
    cf_errlist_free(&problems);
    cf_wenshu_tpl_free(t);
    cf_workflow_free(wf);
    return 0;
}

static const cf_wenshu_bureau_t bureau = {"某市医疗保障局", "某医保", "某市人民政府",
                                          "某市某区人民法院"};

/* A case as the worked example leaves it after decide (no store needed). */
static void example_case(cf_case_t *c)
{
    ASSERT_EQ(cf_case_init(c), 0);
    c->id = 12;
    c->opened_at = cf_test_time("2025-09-01T09:00:00+08:00");
    json_decref(c->party);
    c->party = json_pack("{s:s, s:s}", "name", "某某大药房", "type", "定点医药机构");
    json_object_set_new(c->facts, "cause", json_string("骗取医保基金支出"));
    json_object_set_new(c->facts, "fine", json_integer(20000));
    json_object_set_new(c->facts, "hearing_eligible", json_false());
    json_object_set_new(c->facts, "officers",
                        json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "张三", "cert", "65010020001",
                                  "name", "王五", "cert", "65010020002"));
}

/* wenshu-3.1: every kind of placeholder, and when/unless. */
TEST_IMPL(wenshu_fill)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_case_t c;
    example_case(&c);
    json_t *events =
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "action", "file", "at", "2025-09-02T10:00:00+08:00",
                  "action", "decide", "at", "2025-09-30T10:00:00+08:00");
    json_t *extra = json_pack("{s:s}", "penalty", "罚款2万元");
    cf_wenshu_tpl_t *t =
        tpl_of("name: 行政处罚决定书\ntitle: 行政处罚决定书\n"
               "number: \"{{bureau.abbr}}罚〔{{case.year}}〕{{case.id}}号\"\n"
               "blocks:\n"
               "  - {field: 当事人, value: \"{{party.name}}（{{party.type}}）\"}\n"
               "  - {para: \"{{fact.penalty}}：{{fact.fine|yuan}}元（{{fact.fine|capitals}}）\"}\n"
               "  - {para: \"立案{{at.file}}，决定{{at.decide}}，{{number}}，{{date}}\"}\n"
               "  - {para: \"{{officers}}\"}\n"
               "  - {para: \"{{bureau.review_organ}} {{bureau.court}} {{cause}}\"}\n"
               "  - {para: \"依据{{basis.decide}}\"}\n"
               "  - {para: 听证, when: hearing_eligible}\n"
               "  - {para: 无听证, unless: hearing_eligible}\n"
               "  - {para: 要求, when: hearing_requested}\n"
               "  - {sign: 当事人签名}\n"
               "  - {seal: 印章}\n");
    cf_wenshu_input_t in = {.wf = wf,
                            .c = &c,
                            .events = events,
                            .extra = extra,
                            .bureau = &bureau,
                            .date = cf_test_time("2025-09-30T10:00:00+08:00")};
    cf_wenshu_doc_t doc;
    cf_error_t err;
    if (cf_wenshu_fill(t, &in, &doc, &err) != 0)
        CF__FAIL("%s", err.text);
    char *text = cf_wenshu_doc_text(&doc);
    ASSERT_STR_EQ(text, "某市医疗保障局\n行政处罚决定书\n某医保罚〔2025〕12号\n"
                        "当事人：某某大药房（定点医药机构）\n"
                        "罚款2万元：20,000.00元（贰万元整）\n"
                        "立案二〇二五年九月二日，决定二〇二五年九月三十日，某医保罚〔2025〕12号，"
                        "二〇二五年九月三十日\n"
                        "张三（执法证号：65010020001）、王五（执法证号：65010020002）\n"
                        "某市人民政府 某市某区人民法院 骗取医保基金支出\n"
                        "依据行政处罚法 第五十七条第一款第（一）项、第五十九条\n"
                        "无听证\n当事人签名：\n印章\n");
    ASSERT_EQ(doc.lines[0].kind, CF_WENSHU_FIELD);
    ASSERT_EQ(doc.lines[doc.lines_count - 2].kind, CF_WENSHU_SIGN);
    ASSERT_EQ(doc.lines[doc.lines_count - 1].kind, CF_WENSHU_SEAL);
    free(text);
    cf_wenshu_doc_dispose(&doc);
    cf_wenshu_tpl_free(t);
    json_decref(events);
    json_decref(extra);
    cf_case_dispose(&c);
    cf_workflow_free(wf);
    return 0;
}

/* wenshu-3.4: {{basis.ACTION}} leaves out the workflow's notes to its
 * readers -- "（条款待核）" where the article was not read in the law's text -- and
 * keeps every other parenthesis. */
TEST_IMPL(wenshu_basis_notes)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_case_t c;
    example_case(&c);
    cf_wenshu_tpl_t *t = tpl_of("name: a\ntitle: A\nblocks:\n"
                                "  - {para: \"{{basis.add_officer}}\"}\n"
                                "  - {para: \"{{basis.terminate}}\"}\n");
    cf_wenshu_input_t in = {.wf = wf, .c = &c, .bureau = &bureau, .date = 1};
    cf_wenshu_doc_t doc;
    cf_error_t err;
    if (cf_wenshu_fill(t, &in, &doc, &err) != 0)
        CF__FAIL("%s", err.text);
    char *text = cf_wenshu_doc_text(&doc);
    ASSERT_STR_EQ(
        text, "某市医疗保障局\nA\n"
              "行政处罚法 第四十二条；医疗保障行政处罚程序暂行规定 第十六条\n"
              "医疗保障行政处罚程序暂行规定 第四十七条（终止调查的，解除已采取的行政强制措施）\n");
    ASSERT(strstr(text, "待核") == NULL);
    free(text);
    cf_wenshu_doc_dispose(&doc);
    cf_wenshu_tpl_free(t);
    cf_case_dispose(&c);
    cf_workflow_free(wf);
    return 0;
}

/* wenshu-3.2: a case lacking facts is refused naming every one (each once,
 * with its name from the workflow), and doc is left as it was. */
TEST_IMPL(wenshu_fill_missing)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_case_t c;
    example_case(&c);
    cf_wenshu_tpl_t *t =
        tpl_of("name: 行政处罚决定书\ntitle: 行政处罚决定书\nblocks:\n"
               "  - {para: \"{{fact.penalty}} {{fact.fine|capitals}}\"}\n"
               "  - {para: \"{{fact.penalty}} {{at.serve}} {{fact.findings}}\"}\n");
    cf_wenshu_input_t in = {.wf = wf, .c = &c, .bureau = &bureau, .date = 1};
    cf_wenshu_doc_t doc = {.title = (char *)"untouched"};
    cf_error_t err;
    ASSERT_EQ(cf_wenshu_fill(t, &in, &doc, &err), CF_EINVALID);
    ASSERT_STR_EQ(err.text, "行政处罚决定书 needs what the case lacks: fact.penalty (处罚内容), "
                            "at.serve, fact.findings (调查认定的违法事实)");
    ASSERT_STR_EQ(doc.title, "untouched");
    ASSERT(doc.lines == NULL);
    cf_wenshu_tpl_free(t);
    /* an unknown name is refused as such, not as missing */
    t = tpl_of("name: a\ntitle: A\nblocks:\n  - {para: \"{{party.nmae}}\"}\n");
    ASSERT_EQ(cf_wenshu_fill(t, &in, &doc, &err), CF_EINVALID);
    ASSERT_CONTAINS(err.text, "names what no template may: party.nmae");
    cf_wenshu_tpl_free(t);
    cf_case_dispose(&c);
    cf_workflow_free(wf);
    return 0;
}

/* wenshu-3.3: facts as a command line gives them (--fact, text) fill as the
 * typed values would: an amount, a bool for when, the officers' JSON list. */
TEST_IMPL(wenshu_fill_text_facts)
{
    cf_case_t c;
    example_case(&c);
    json_t *extra = json_pack("{s:s, s:s, s:s}", "fine", "10.05", "hearing_eligible", "true",
                              "officers", "[{\"name\":\"赵六\",\"cert\":\"65010020009\"}]");
    cf_wenshu_tpl_t *t = tpl_of("name: a\ntitle: A\nblocks:\n"
                                "  - {para: \"{{fact.fine|yuan}} {{fact.fine|capitals}}\"}\n"
                                "  - {para: \"{{officers}}\"}\n"
                                "  - {para: 听证, when: hearing_eligible}\n");
    cf_wenshu_input_t in = {.c = &c, .extra = extra, .bureau = &bureau, .date = 1};
    cf_wenshu_doc_t doc;
    cf_error_t err;
    if (cf_wenshu_fill(t, &in, &doc, &err) != 0)
        CF__FAIL("%s", err.text);
    char *text = cf_wenshu_doc_text(&doc);
    ASSERT_STR_EQ(text,
                  "某市医疗保障局\nA\n10.05 壹拾元零伍分\n赵六（执法证号：65010020009）\n听证\n");
    free(text);
    cf_wenshu_doc_dispose(&doc);
    cf_wenshu_tpl_free(t);
    json_decref(extra);
    cf_case_dispose(&c);
    return 0;
}
