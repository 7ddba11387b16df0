/*
 * test-shapes.c -- shapes-*: the generator. Each of the five seeds is imported
 * from its published form, then rendered again in every plain-text shape a copy
 * gives (pipes, Markdown, aligned, run together, one cell per line, one field
 * per line, numbered cards, prose around it, a header broken mid-row, GBK), and
 * each rendering must give the same catalog: the same matters in the same order,
 * the same names and power types, and (where the shape keeps the text whole) the
 * same time limits.
 *
 * Why generate instead of committing fixtures: the shapes are many and the seeds
 * five, and a rendering made from what the importer read is a check that holds
 * whatever the seed looks like. The renderer is deliberately plain (one row per
 * matter, the cells of a few columns); the hard cases of real lists (page
 * breaks, shifted cells) are the seeds' own tests (test-import.c).
 *
 * shapes-1.*: one test per shape, all five seeds in each.
 * shapes-2.*: headers as data (a bureau's words), section headings, merged cells.
 * shapes-3.*: web pages. shapes-4.*: traditional characters, pinyin noise.
 * The real lists of other regions and the file formats (shapes-5.* to shapes-8.*:
 * spreadsheets, Word, PDF, .xls) are in test-shapes-files.c; the seeds as rows of
 * cells and the catalog check both use, in shapes-helpers.c.
 */
#include <iconv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../importer/importer-int.h"
#include "../importer/importer.h"
#include "shapes-helpers.h"
#include "task.h"

/* Changes every cell of t: traditional characters, or pinyin notes. */
static int traditional, pinyin;

static char *noisy(const char *s)
{
    cf__sb_t b = {0};
    for (const char *p = s; *p;) {
        unsigned cp;
        int n = cf__u8_next(p, &cp);
        cf__sb_add(&b, p, (size_t)n);
        p += n;
        if (cp == 0x533B) /* 医 */
            cf__sb_adds(&b, "(yī)");
        else if (cp == 0x7406) /* 理 */
            cf__sb_adds(&b, "（lǐ）");
    }
    return cf__sb_take(&b);
}

static void transform(table_t *t)
{
    for (size_t i = 0; i < t->rows; i++)
        for (int c = 0; c < COLS; c++) {
            char *x = traditional ? cf__opencc("s2t.json", t->cells[i][c]) : NULL;
            if (traditional && !x)
                CF__FAIL("OpenCC's s2t.json is missing (Debian libopencc-data)");
            if (x) {
                free(t->cells[i][c]);
                t->cells[i][c] = x;
            }
        }
}

/* Renders every seed with fn and checks the catalog. */
static void each_seed(void (*fn)(const table_t *, cf__sb_t *), const char *shape, int limits)
{
    for (size_t s = 0; s < sizeof(ts_seeds) / sizeof(ts_seeds[0]); s++) {
        table_t t;
        ts_load(&t, ts_seeds[s]);
        transform(&t);
        cf__sb_t b = {0};
        fn(&t, &b);
        char *text = cf__sb_take(&b);
        if (pinyin) { /* the names compared are the rendered ones, without the noise */
            char *n = noisy(text);
            free(text);
            text = n;
        }
        char what[128];
        if (getenv("CF_SHAPES_DUMP")) { /* to look at a rendering: CF_SHAPES_DUMP=DIR */
            char path[512];
            snprintf(path, sizeof(path), "%s/%s-%zu.txt", getenv("CF_SHAPES_DUMP"), shape, s);
            FILE *f = fopen(path, "wb");
            if (f)
                fputs(text, f), fclose(f);
        }
        snprintf(what, sizeof(what), "%s (%s)", ts_seeds[s] + strlen("tests/fixtures/seeds/"),
                 shape);
        ts_same_catalog(&t, text, strlen(text), what, limits);
        free(text);
        ts_unload(&t);
    }
}

/* ---- renderers ---- */

static void row_sep(const table_t *t, cf__sb_t *b, size_t r, const char *lead, const char *sep,
                    const char *tail)
{
    cf__sb_adds(b, lead);
    for (int c = 0; c < COLS; c++) {
        if (c)
            cf__sb_adds(b, sep);
        cf__sb_adds(b, t ? t->cells[r][c] : ts_header[c]);
    }
    cf__sb_adds(b, tail);
}

static void title(cf__sb_t *b)
{
    cf__sb_adds(b, "某市医疗保障局权责清单\n\n");
}

static void r_pipes(const table_t *t, cf__sb_t *b)
{
    title(b);
    row_sep(NULL, b, 0, "", " | ", " | \n");
    for (size_t r = 0; r < t->rows; r++)
        row_sep(t, b, r, "", " | ", " |  |\n");
}

static void r_markdown(const table_t *t, cf__sb_t *b)
{
    title(b);
    row_sep(NULL, b, 0, "| ", " | ", " |\n");
    cf__sb_adds(b, "|---|---|:---:|---|---|---|\n");
    for (size_t r = 0; r < t->rows; r++)
        row_sep(t, b, r, "| ", " | ", " |\n");
}

static int display_width(const char *s)
{
    int w = 0;
    for (const char *p = s; *p;) {
        unsigned cp;
        p += cf__u8_next(p, &cp);
        w += cp >= 0x1100 ? 2 : 1;
    }
    return w;
}

static void r_aligned(const table_t *t, cf__sb_t *b)
{
    int w[COLS];
    for (int c = 0; c < COLS; c++) {
        w[c] = display_width(ts_header[c]);
        for (size_t r = 0; r < t->rows; r++)
            if (display_width(t->cells[r][c]) > w[c])
                w[c] = display_width(t->cells[r][c]);
    }
    title(b);
    for (size_t r = 0; r <= t->rows; r++) {
        for (int c = 0; c < COLS; c++) {
            const char *s = r ? t->cells[r - 1][c] : ts_header[c];
            cf__sb_adds(b, s);
            for (int k = display_width(s); c + 1 < COLS && k < w[c] + 2; k++)
                cf__sb_adds(b, " ");
        }
        cf__sb_adds(b, "\n");
    }
}

static void r_together(const table_t *t, cf__sb_t *b)
{
    title(b);
    row_sep(NULL, b, 0, "", "", "\n");
    for (size_t r = 0; r < t->rows; r++)
        row_sep(t, b, r, "", "", "\n");
}

static void r_cells(const table_t *t, cf__sb_t *b)
{
    title(b);
    for (int c = 0; c < COLS; c++)
        cf__sb_adds(b, ts_header[c]), cf__sb_adds(b, "\n");
    for (size_t r = 0; r < t->rows; r++)
        for (int c = 0; c < COLS; c++)
            cf__sb_adds(b, t->cells[r][c]), cf__sb_adds(b, "\n");
}

static void r_labeled(const table_t *t, cf__sb_t *b)
{
    title(b);
    for (size_t r = 0; r < t->rows; r++) {
        for (int c = 0; c < COLS; c++) {
            cf__sb_adds(b, ts_header[c]);
            cf__sb_adds(b, "：");
            cf__sb_adds(b, t->cells[r][c]);
            cf__sb_adds(b, "\n");
        }
        cf__sb_adds(b, "\n");
    }
}

static void r_numbered(const table_t *t, cf__sb_t *b)
{
    title(b);
    for (size_t r = 0; r < t->rows; r++) {
        cf__sb_adds(b, t->cells[r][0]);
        cf__sb_adds(b, "、");
        cf__sb_adds(b, t->cells[r][1]);
        cf__sb_adds(b, "\n");
        for (int c = 2; c < COLS; c++) {
            cf__sb_adds(b, ts_header[c]);
            cf__sb_adds(b, "：");
            cf__sb_adds(b, t->cells[r][c]);
            cf__sb_adds(b, "\n");
        }
    }
}

static void r_prose(const table_t *t, cf__sb_t *b)
{
    cf__sb_adds(b, "根据《关于推行地方各级政府工作部门权力清单制度的指导意见》，现将我局权责清单"
                   "公布如下，接受社会监督。\n\n");
    row_sep(NULL, b, 0, "", "\t", "\n");
    for (size_t r = 0; r < t->rows; r++)
        row_sep(t, b, r, "", "\t", "\n");
    cf__sb_adds(b,
                "\n主办单位：某市人民政府办公室  网站标识码：1234000001  ICP备案号：12345678号\n");
}

static void r_broken(const table_t *t, cf__sb_t *b)
{
    title(b);
    cf__sb_adds(b, "序号\t事项名称\t权力\n类型\t实施依据\t责任事项\t追责情形\t法定期限\n");
    for (size_t r = 0; r < t->rows; r++)
        row_sep(t, b, r, "", "\t", "\n");
}

/* ---- shapes-1: every shape, every seed ---- */

TEST_IMPL(shapes_pipes)
{
    each_seed(r_pipes, "pipes", 1);
    return 0;
}

TEST_IMPL(shapes_markdown)
{
    each_seed(r_markdown, "markdown", 1);
    return 0;
}

TEST_IMPL(shapes_aligned)
{
    each_seed(r_aligned, "aligned", 1);
    return 0;
}

TEST_IMPL(shapes_together)
{
    each_seed(r_together, "run together", 0);
    return 0;
}

TEST_IMPL(shapes_cells)
{
    each_seed(r_cells, "one cell per line", 1);
    return 0;
}

TEST_IMPL(shapes_labeled)
{
    each_seed(r_labeled, "one field per line", 1);
    return 0;
}

TEST_IMPL(shapes_numbered)
{
    each_seed(r_numbered, "numbered cards", 1);
    return 0;
}

TEST_IMPL(shapes_prose)
{
    each_seed(r_prose, "notice and footer", 1);
    return 0;
}

TEST_IMPL(shapes_broken_header)
{
    each_seed(r_broken, "header broken mid-row", 1);
    return 0;
}

static void r_gbk(const table_t *t, cf__sb_t *b)
{
    cf__sb_t u = {0};
    r_pipes(t, &u);
    char *in = cf__sb_take(&u), *ip = in;
    size_t il = strlen(in), ol = il * 2 + 1;
    char *out = malloc(ol), *op = out;
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    ASSERT(cd != (iconv_t)-1);
    ASSERT(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    cf__sb_add(b, out, (size_t)(op - out));
    free(in);
    free(out);
}

TEST_IMPL(shapes_gbk)
{
    each_seed(r_gbk, "GBK pipes", 1);
    return 0;
}

/* ---- shapes-2: headers as data, sections, merged cells, other lists ---- */

static const char *mstr(const cf_import_result_t *r, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(r->matters, i), key));
}

/* A bureau's own word for the name column, added from a headers file; a broken
 * headers file adds nothing and names its line. */
TEST_IMPL(shapes_headers_data)
{
    const char *list = "序号\t监管项目称谓\t权力类型\t实施依据\n"
                       "1\t对定点医药机构的监督检查\t行政检查\t《医疗保障基金使用监督管理条例》\n"
                       "2\t对骗保行为的处罚\t行政处罚\t《中华人民共和国社会保险法》第八十七条\n";
    cf_import_result_t r;
    cf_error_t err;
    ASSERT_EQ(cf_import_text(list, strlen(list), "x.txt", NULL, &r, &err), CF_EPARSE);
    const char *bad = "# a bureau's words\nname: 监管项目称谓\ncolour: 颜色\n";
    ASSERT_EQ(cf_import_headers_add(bad, strlen(bad), "mine.txt", &err), CF_EPARSE);
    ASSERT_EQ(err.line, 3);
    ASSERT_STR_EQ(err.source, "mine.txt");
    ASSERT_EQ(cf_import_text(list, strlen(list), "x.txt", NULL, &r, &err), CF_EPARSE);
    const char *good = "# a bureau's words\nname: 监管项目称谓，监管事项称谓\n";
    ASSERT_EQ(cf_import_headers_add(good, strlen(good), "mine.txt", &err), 0);
    r = ts_import_str(list);
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(mstr(&r, 0, "name"), "对定点医药机构的监督检查");
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政处罚");
    cf_import_result_free(&r);
    return 0;
}

/* Run together with the header wrapped over three lines and the power type before
 * the name (建平县, tests/fixtures/real/jianping.txt): read as one header, each name cut
 * where its basis starts. A file with no matter says where its first problem is. */
TEST_IMPL(shapes_wrapped_together)
{
    const char *list =
        "某县医疗保障局权责清单\n"
        "序号项目\n"
        "类型\n"
        "项目名称设定依据主管部门责任事项备注\n"
        "主项子项\n"
        "1行政处罚对骗取医疗保障基金的处罚【法律】《中华人民共和国社会保险法》第八十八条\n"
        "2行政检查对定点医药机构的监督检查【行政法规】《医疗保障基金使用监督管理条例》\n";
    cf_import_result_t r = ts_import_str(list);
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(mstr(&r, 0, "name"), "对骗取医疗保障基金的处罚");
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政处罚");
    ASSERT_STR_EQ(mstr(&r, 1, "name"), "对定点医药机构的监督检查");
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政检查");
    cf_import_result_free(&r);
    const char *none = "序号\t事项名称\t权力类型\n1\t\t行政处罚\n";
    cf_error_t err;
    ASSERT_EQ(cf_import_text(none, strlen(none), "x.txt", NULL, &r, &err), CF_EPARSE);
    ASSERT(strstr(err.text, "the first, line 2: ") != NULL);
    ASSERT_EQ(err.line, 2);
    return 0;
}

/* The power type from section headings; a column the words do not know is kept
 * under its own header. */
TEST_IMPL(shapes_sections)
{
    cf_import_result_t r =
        ts_import_str("某县医疗保障局行政执法事项清单\n"
                      "序号\t执法事项名称\t执法依据\t裁量基准\n"
                      "一、行政处罚（2项）\n"
                      "1\t对骗取医疗保障基金的处罚\t《医疗保障基金使用监督管理条例》"
                      "第四十条\t按骗取金额分档\n"
                      "2\t对定点医药机构违规的处罚\t《医疗保障基金使用监督管理条例》"
                      "第三十八条\t\n"
                      "二、行政检查\n"
                      "3\t对定点医药机构的检查\t《医疗保障基金使用监督管理条例》"
                      "第二十七条\t\n");
    ASSERT_EQ(json_array_size(r.matters), 3);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政处罚");
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政处罚");
    ASSERT_STR_EQ(mstr(&r, 2, "power_type"), "行政检查");
    json_t *extra = json_object_get(json_array_get(r.matters, 0), "extra");
    ASSERT_STR_EQ(json_string_value(json_object_get(extra, "裁量基准")), "按骗取金额分档");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* lists7: a 两轻一免 list (盘锦, tests/fixtures/real/panjin.txt) in traditional
 * characters: no power-type column, but its 违法事实 and 裁量基准 columns make each
 * row a 行政处罚; 《…條例》第三十八條 is a citation; the agency is the title's 局. */
TEST_IMPL(shapes_lenient_list)
{
    cf_import_result_t r =
        ts_import_str("盤錦市醫療保障局免于處罰事項清單(2022版)\n"
                      "序號 | 行政權力名稱 | 法律依據 | 違法事實性質和情節 | 行政裁量權基準 |\n"
                      "1 | 對定點醫藥機構未建立醫療保障基金使用內部管理制度的處罰 | "
                      "《醫療保障基金使用監督管理條例》第三十八條第一款第二項 | "
                      "未建立內部管理制度。 | 首次違反的,責令改正。 |\n");
    ASSERT_EQ(json_array_size(r.matters), 1);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政处罚");
    ASSERT_STR_EQ(mstr(&r, 0, "agency"), "盘锦市医疗保障局");
    json_t *cites =
        json_object_get(json_object_get(json_array_get(r.matters, 0), "legal_basis"), "citations");
    ASSERT_EQ(json_array_size(cites), 1);
    json_t *c = json_array_get(cites, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(c, "law")), "醫療保障基金使用監督管理條例");
    ASSERT_EQ(json_array_size(json_object_get(c, "articles")), 1);
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(c, "articles"), 0)),
                  "第三十八條第一款第二項");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    /* a notice's title names the bureau after 关于印发 */
    r = ts_import_str("关于印发某市医疗保障局权责清单的通知\n"
                      "序号\t事项名称\t权力类型\n1\t对骗保行为的处罚\t行政处罚\n");
    ASSERT_STR_EQ(mstr(&r, 0, "agency"), "某市医疗保障局");
    cf_import_result_free(&r);
    return 0;
}

/* lists10: a page's metadata names the issuer, not the list's agency: 咸宁
 * (ybj.xianning.gov.cn/xxgk/zc/wjzl/202311/t20231102_3339440.shtml) prints
 * "发文单位: 咸宁市医疗保障局办公室" before its title; the office issues the bureau's
 * notice and holds no powers, the agency is the bureau. A site's host (主办单位) is none,
 * and a title labelled "名称:" still names the bureau after its 关于印发. */
TEST_IMPL(shapes_issuer_office)
{
    static const char rows[] = "序号 | 权利类型 | 审核 事项 | 审核依据 |\n"
                               "1 | 行政处罚 | 对不办理医疗保险和生育保险登记的处罚 | "
                               "《中华人民共和国社会保险法》第八十四条 |\n";
    char text[1024];
    snprintf(text, sizeof(text), "%s%s",
             "主题分类: 政务公开 发文单位: 咸宁市医疗保障局办公室\n"
             "名       称: 关于印发咸宁市医疗保障局重大行政执法决定法制审核目录清单的通知 "
             "发布日期: 2023年11月02日\n",
             rows);
    cf_import_result_t r = ts_import_str(text);
    ASSERT_EQ(json_array_size(r.matters), 1);
    ASSERT_STR_EQ(mstr(&r, 0, "agency"), "咸宁市医疗保障局");
    cf_import_result_free(&r);
    snprintf(text, sizeof(text), "%s%s",
             "主办单位：某市人民政府办公室\n"
             "名       称: 关于印发某县医疗保障局重大行政执法决定法制审核目录清单的通知\n",
             rows);
    r = ts_import_str(text);
    ASSERT_EQ(json_array_size(r.matters), 1);
    ASSERT_STR_EQ(mstr(&r, 0, "agency"), "某县医疗保障局");
    cf_import_result_free(&r);
    return 0;
}

/* lists10: 广州市医疗保障局's 抽查事项清单 as a mirror's copy gives it
 * (tests/fixtures/real/guangzhou.txt): 抽查项目 over 抽查类别 | 抽查事项 printed as
 * a second row of only those two labels; the 抽查类别 merged down two rows is
 * missing from the second (its cells sit one column left, the name and the
 * 检查对象 both plain text: the 检查对象 like the one above tells them apart);
 * 事项类别 一般检查事项 / 重点检查事项 are classes of 行政检查. */
TEST_IMPL(shapes_group_subheader)
{
    cf_import_result_t r = ts_import_str(
        "序号 | 抽查项目 | 检查对象 | 事项类别 | 检查比例 | 检查主体 | 检查依据 |\n"
        "抽查类别 | 抽查事项(内容) |\n"
        "1 | 定点零售药店医疗保障基金使用监督管理 | 定点零售药店医疗保障基金使用内部管理制度的检查 "
        "| "
        "全市定点零售药店 | 一般检查事项 | 2% | 广州市医疗保障局 | "
        "《医疗保障基金使用监督管理条例》第十四条 |\n"
        "2 | 定点零售药店医疗保障基金规范使用的检查 | 全市定点零售药店 | 重点检查事项 | 不低于1% | "
        "广州市医疗保障局 | 《医疗保障基金使用监督管理条例》第十五条 |\n");
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(mstr(&r, 0, "name"), "定点零售药店医疗保障基金使用内部管理制度的检查");
    ASSERT_STR_EQ(mstr(&r, 1, "name"), "定点零售药店医疗保障基金规范使用的检查");
    for (size_t i = 0; i < 2; i++) {
        json_t *pt = json_object_get(json_array_get(r.matters, i), "power_types");
        ASSERT_EQ(json_array_size(pt), 1);
        ASSERT_STR_EQ(json_string_value(json_array_get(pt, 0)), "行政检查");
        ASSERT_STR_EQ(mstr(&r, i, "agency"), "广州市医疗保障局");
    }
    json_t *x = json_object_get(json_array_get(r.matters, 0), "extra");
    ASSERT_STR_EQ(json_string_value(json_object_get(x, "抽查类别")),
                  "定点零售药店医疗保障基金使用监督管理");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* lists10: a list without a power-type column: the one type its title names
 * (行政检查事项清单), else the form of each name (对…的处罚, 对…的检查, …待遇给付), noted
 * as a repair; a name of no such form stays without a type, reported; an empty cell of
 * a power-type column is reported, not guessed. The lists here have three columns, each
 * a known label: a header of three (was refused, a header needed four cells). */
TEST_IMPL(shapes_power_from_title_name)
{
    cf_import_result_t r =
        ts_import_str("某县医疗保障局行政检查事项清单\n序号\t事项名称\t实施依据\n"
                      "1\t对定点医药机构医疗保障基金使用情况的监督\t《医疗保障基金使用监督管理条例"
                      "》第二十七条\n");
    ASSERT_EQ(json_array_size(r.matters), 1);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政检查");
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    r = ts_import_str("某县医疗保障局权责清单\n序号\t事项名称\t实施依据\n"
                      "1\t对定点医药机构违规使用医疗保障基金的处罚\t《条例》第三十八条\n"
                      "2\t对用人单位缴纳生育保险费情况的检查\t《社会保险法》第七十九条\n"
                      "3\t医疗救助待遇给付（含临时救助）\t《社会救助暂行办法》第二十八条\n"
                      "4\t医疗保障政策咨询\t《社会保险法》第七条\n");
    ASSERT_EQ(json_array_size(r.matters), 4);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政处罚");
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政检查");
    ASSERT_STR_EQ(mstr(&r, 2, "power_type"), "行政给付");
    ASSERT_STR_EQ(mstr(&r, 3, "power_type"), "");
    ASSERT_EQ(r.unplaced.items_count, 1);
    ASSERT_CONTAINS(r.unplaced.items[0].text, "no 权力类型");
    int said = 0;
    for (size_t i = 0; i < r.repairs.items_count; i++)
        said += strstr(r.repairs.items[i].text, "as the matter's name says") != NULL;
    ASSERT_EQ(said, 3);
    cf_import_result_free(&r);
    r = ts_import_str("序号\t事项名称\t权力类型\t实施依据\n"
                      "1\t对定点医药机构违规使用医疗保障基金的处罚\t\t《条例》第三十八条\n");
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "");
    ASSERT_EQ(r.unplaced.items_count, 1);
    cf_import_result_free(&r);
    return 0;
}

/* lists7: a 法定期限 column whose header gives the unit (法定期限（工作日）, 承诺期限(天))
 * over bare numbers: the periods in that unit; one without a unit says nothing. */
TEST_IMPL(shapes_limit_unit_label)
{
    cf_import_result_t r =
        ts_import_str("序号\t事项名称\t权力类型\t法定期限（工作日）\t承诺期限(天)\t办理时限\n"
                      "1\t医疗救助待遇给付\t行政给付\t20\t十\t5\n");
    ASSERT_EQ(json_array_size(r.matters), 1);
    json_t *tl = json_object_get(json_array_get(r.matters, 0), "time_limits");
    ASSERT_EQ(json_array_size(tl), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(tl, 0), "unit")),
                  "working_days");
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(tl, 0), "amount")), 20);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(tl, 1), "unit")), "days");
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(tl, 1), "amount")), 10);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(tl, 1), "from")), "time_limit");
    cf_import_result_free(&r);
    return 0;
}

/* lists7: labels of other regions' lists: 权力事项类型 is the power type; 山东's
 * 责任清单 prints 追责依据及追责情形 (the situations with their basis: read as the
 * situations), 责任事项及依据 likewise the steps; 问责依据 is the basis of
 * accountability, not the matter's legal basis. */
TEST_IMPL(shapes_combined_labels)
{
    cf_import_result_t r = ts_import_str(
        "序号\t权力事项名称\t权力事项类型\t实施依据\t责任事项及依据\t追责依据及追责情形\t问责依据\n"
        "1\t对骗取医疗保障基金的处罚\t行政处罚\t《医疗保障基金使用监督管理条例》第四十条\t"
        "1.立案责任：审查。2.调查责任：取证。\t1.没有法律依据的；2.违反程序的。\t"
        "《行政机关公务员处分条例》\n");
    ASSERT_EQ(json_array_size(r.matters), 1);
    json_t *m = json_array_get(r.matters, 0);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政处罚");
    ASSERT_EQ(json_array_size(json_object_get(m, "responsibilities")), 2);
    ASSERT_EQ(json_array_size(json_object_get(m, "accountability")), 2);
    json_t *cites = json_object_get(json_object_get(m, "legal_basis"), "citations");
    ASSERT_EQ(json_array_size(cites), 1);
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}

/* An inspection plan (抽查事项, 检查对象, 抽查比例) gives 行政检查 matters; a 法制审核
 * catalogue takes its types from 权利类型. */
TEST_IMPL(shapes_other_lists)
{
    cf_import_result_t r = ts_import_str("2024年度双随机一公开抽查事项清单\n"
                                         "序号 | 抽查事项 | 检查对象 | 抽查比例 | 抽查依据 |\n"
                                         "1 | 定点医疗机构医保基金使用情况 | 定点医疗机构 | 5% | "
                                         "《医疗保障基金使用监督管理条例》 |\n"
                                         "2 | 定点零售药店医保基金使用情况 | 定点零售药店 | 5% | "
                                         "《医疗保障基金使用监督管理条例》 |\n");
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政检查");
    ASSERT_STR_EQ(mstr(&r, 1, "name"), "定点零售药店医保基金使用情况");
    json_t *extra = json_object_get(json_array_get(r.matters, 1), "extra");
    ASSERT_STR_EQ(json_string_value(json_object_get(extra, "抽查比例")), "5%");
    cf_import_result_free(&r);
    r = ts_import_str("重大执法决定法制审核目录清单\n"
                      "序号\t审核事项\t权利类型\t审核依据\n"
                      "1\t较大数额罚款\t行政处罚\t《重大行政执法决定法制审核办法》\n"
                      "2\t查封扣押财物\t行政强制\t《中华人民共和国行政强制法》\n");
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政强制");
    cf_import_result_free(&r);
    /* cells separated by single blanks, rows numbered "1、", a cell's own
     * numbered lines after its row */
    r = ts_import_str(
        "某县医疗保障局行政执法事项清单\n"
        "序号 执法事项名称 执法类别 执法依据 追责情形\n"
        "1、 对骗取医疗保障基金的处罚 行政处罚 《医疗保障基金使用监督管理条例》第四十条 "
        "有下列情形的，追究责任：\n"
        "1. 不依法处理举报的；\n"
        "2. 违反法定程序的。\n"
        "2、 对定点医药机构的监督检查 行政检查 《医疗保障基金使用监督管理条例》第二十七条 "
        "同上\n");
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(mstr(&r, 0, "name"), "对骗取医疗保障基金的处罚");
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政检查");
    ASSERT_STR_EQ(r.shape, "spaced");
    cf_import_result_free(&r);
    /* an 执法事项清单 whose 执法类别 uses the short forms (检查, 处罚类) */
    r = ts_import_str("序号\t执法事项\t执法类别\t执法依据\n"
                      "1\t对定点医药机构的检查\t检查\t《医疗保障基金使用监督管理条例》第二十七条\n"
                      "2\t对骗保行为的处罚\t处罚类\t《中华人民共和国社会保险法》第八十八条\n");
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_STR_EQ(json_string_value(json_array_get(
                      json_object_get(json_array_get(r.matters, 0), "power_types"), 0)),
                  "行政检查");
    ASSERT_STR_EQ(json_string_value(json_array_get(
                      json_object_get(json_array_get(r.matters, 1), "power_types"), 0)),
                  "行政处罚");
    cf_import_result_free(&r);
    return 0;
}

/* Merged cells: a row without 序号 but with its own name is its own matter and
 * shares the merged cells above; one without a name continues the row above. */
TEST_IMPL(shapes_merged_cells)
{
    cf_import_result_t r =
        ts_import_str("序号\t权力类型\t事项名称\t实施依据\t责任事项\n"
                      "1\t行政处罚\t对骗取医保基金的处罚\t《中华人民共和国社会保险法》"
                      "第八十七条\t1.立案责任：发现违法行为，予以审查。\n"
                      "\t\t对伪造医疗文书的处罚\t\t1.立案责任：予以审查。\n"
                      "\t\t\t\t2.调查责任：全面调查取证。\n"
                      "2\t行政检查\t对定点医药机构的检查\t《医疗保障基金使用监督"
                      "管理条例》\t1.检查责任：依法检查。\n");
    ASSERT_EQ(json_array_size(r.matters), 3);
    ASSERT_STR_EQ(mstr(&r, 1, "name"), "对伪造医疗文书的处罚");
    ASSERT_STR_EQ(mstr(&r, 1, "power_type"), "行政处罚");
    json_t *m = json_array_get(r.matters, 1);
    ASSERT_CONTAINS(json_string_value(json_object_get(json_object_get(m, "legal_basis"), "text")),
                    "第八十七条");
    ASSERT_EQ(json_array_size(json_object_get(m, "responsibilities")), 2);
    ASSERT_STR_EQ(mstr(&r, 2, "power_type"), "行政检查");
    cf_import_result_free(&r);
    /* 主项 / 子项: each 子项 a matter under its 主项, whose name is merged */
    r = ts_import_str(
        "序号\t主项名称\t子项名称\t权力类型\t实施依据\n"
        "1\t对定点医药机构违法行为的处罚\t对违反服务协议的处罚\t行政处罚\t《条例》第三十八条\n"
        "\t\t对骗取基金支出的处罚\t\t《条例》第四十条\n"
        "\t\t对未按规定保管资料的处罚\t\t《条例》第三十九条\n"
        "2\t医疗保障基金使用情况检查\t\t行政检查\t《条例》第二十七条\n");
    ASSERT_EQ(json_array_size(r.matters), 4);
    ASSERT_STR_EQ(mstr(&r, 1, "name"), "对定点医药机构违法行为的处罚");
    ASSERT_STR_EQ(mstr(&r, 1, "sub_item"), "对骗取基金支出的处罚");
    ASSERT_STR_EQ(mstr(&r, 2, "sub_item"), "对未按规定保管资料的处罚");
    ASSERT_STR_EQ(mstr(&r, 2, "power_type"), "行政处罚");
    ASSERT_STR_EQ(mstr(&r, 3, "name"), "医疗保障基金使用情况检查");
    cf_import_result_free(&r);
    return 0;
}

/* ---- shapes-3: web pages ---- */

static void html_escaped(cf__sb_t *b, const char *s)
{
    for (; *s; s++)
        cf__sb_adds(b, *s == '<'   ? "&lt;"
                       : *s == '>' ? "&gt;"
                       : *s == '&' ? "&amp;"
                                   : (char[]){*s, 0});
}

/* A saved page: notice before, a title row across the table (colspan), the
 * power type merged over the rows that share it (rowspan), a nested table in
 * the footer, <br> inside cells. */
static void r_html(const table_t *t, cf__sb_t *b)
{
    cf__sb_adds(b,
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>权责清单</title>"
                "<script>var x = '<td>';</script></head><body><div class=\"nav\">首页 &gt; "
                "政务公开</div><p>根据有关规定，现将我局权责清单公布如下。</p>"
                "<table border=\"1\"><tbody><tr><td colspan=\"7\">某市医疗保障局权责清单</td></tr>"
                "<tr>");
    for (int c = 0; c < COLS; c++)
        cf__sb_adds(b, "<th>"), cf__sb_adds(b, ts_header[c]), cf__sb_adds(b, "</th>");
    cf__sb_adds(b, "</tr>\n");
    for (size_t r = 0; r < t->rows; r++) {
        size_t span = 1;
        while (r + span < t->rows && strcmp(t->cells[r + span][2], t->cells[r][2]) == 0)
            span++;
        for (size_t k = 0; k < span; k++) {
            cf__sb_adds(b, "<tr>");
            for (int c = 0; c < COLS; c++) {
                if (c == 2 && k > 0)
                    continue;
                char open[64];
                snprintf(open, sizeof(open), c == 2 ? "<td rowspan=\"%zu\">" : "<td>", span);
                cf__sb_adds(b, open);
                html_escaped(b, t->cells[r + k][c]);
                cf__sb_adds(b, "</td>");
            }
            cf__sb_adds(b, "</tr>\n");
        }
        r += span - 1;
    }
    cf__sb_adds(b, "</tbody></table><table><tr><td>主办单位：某市人民政府办公室</td>"
                   "<td><table><tr><td>网站标识码 1234</td></tr></table></td></tr></table>"
                   "</body></html>\n");
}

TEST_IMPL(shapes_html)
{
    each_seed(r_html, "html", 1);
    /* header cells broken by <br> */
    cf_import_result_t r = ts_import_str(
        "<html><body><table><tr><td>序号</td><td>事项<br>名称</td><td>权力<br/>类型</td>"
        "<td>实施<br>依据</td></tr><tr><td>1</td><td>对骗保行为的处罚</td><td>行政处罚</td>"
        "<td>《中华人民共和国社会保险法》第八十八条</td></tr></table></body></html>\n");
    ASSERT_EQ(json_array_size(r.matters), 1);
    ASSERT_STR_EQ(mstr(&r, 0, "power_type"), "行政处罚");
    ASSERT_STR_EQ(r.shape, "html");
    cf_import_result_free(&r);
    return 0;
}

/* ---- shapes-4: characters ---- */

/* Traditional characters: header, power types and all (行政處罰); the catalog
 * keeps the names as published. */
TEST_IMPL(shapes_traditional)
{
    traditional = 1;
    each_seed(r_pipes, "traditional", 1);
    each_seed(r_labeled, "traditional fields", 1);
    traditional = 0;
    return 0;
}

/* A mirror site's pinyin after characters (醫(yī), 理（lǐ）) is removed. */
TEST_IMPL(shapes_pinyin)
{
    pinyin = 1;
    each_seed(r_markdown, "pinyin", 1);
    pinyin = 0;
    return 0;
}

/* shapes-4.3: the characters OpenCC changes are learned as strings ask for them
 * (fold.c): a string of characters learned unchanged is not folded, one with a
 * character learned changed is, the first time and after; a character first met
 * in a longer string folds alone too. */
TEST_IMPL(shapes_fold_learned)
{
    char f[256] = "untouched";
    ASSERT_EQ(cf__fold("行政处罚", f, sizeof(f)), 0);
    ASSERT_STR_EQ(f, "untouched");
    ASSERT_EQ(cf__fold("行政處罰", f, sizeof(f)), 1);
    ASSERT_STR_EQ(f, "行政处罚");
    ASSERT_EQ(cf__fold("行政處罰", f, sizeof(f)), 1);
    ASSERT_STR_EQ(f, "行政处罚");
    ASSERT_EQ(cf__fold("罰", f, sizeof(f)), 1);
    ASSERT_STR_EQ(f, "罚");
    ASSERT_EQ(cf__fold("行政处罚", f, sizeof(f)), 0);
    ASSERT_STR_EQ(f, "罚");
    return 0;
}
