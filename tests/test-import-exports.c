/*
 * test-import-exports.c -- import-5.*: lists as other regions' systems export them
 * (tests/fixtures/import/make-exports.py writes the files): CSV in UTF-8 with a byte
 * order mark and in GBK, cells quoted over several lines; Excel's Unicode text
 * (tab-separated UTF-16, with and without its mark, and cut short); a 子项 numbered
 * "3-1" under its 主项; a title merged across the columns; notes and a total under the
 * rows. Each was refused ("unrecognized layout", "binary file") or misread before.
 */
#include <jansson.h>
#include <string.h>

#include "../importer/importer.h"
#include "task.h"

#define DIR "tests/fixtures/import/"

static int import_path(const char *relpath, cf_import_result_t *r, cf_error_t *err)
{
    size_t len;
    char *buf = cf_test_slurp(relpath, &len);
    cf_error_clear(err);
    int rc = cf_import_text(buf, len, relpath, NULL, r, err);
    free(buf);
    return rc;
}

static json_t *by_id(const cf_import_result_t *r, const char *id)
{
    for (size_t i = 0; i < json_array_size(r->matters); i++) {
        json_t *m = json_array_get(r->matters, i);
        if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0)
            return m;
    }
    CF__FAIL("no matter %s", id);
    return NULL;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Whether some unplaced item at line says what. */
static int unplaced_says(const cf_import_result_t *r, int line, const char *what)
{
    for (size_t i = 0; i < r->unplaced.items_count; i++)
        if (r->unplaced.items[i].line == line && strstr(r->unplaced.items[i].text, what))
            return 1;
    return 0;
}

/* No matter's name starts with prefix (a note or a total read as a matter). */
static void no_name_starts(const cf_import_result_t *r, const char *prefix)
{
    for (size_t i = 0; i < json_array_size(r->matters); i++) {
        const char *name = str(json_array_get(r->matters, i), "name");
        if (strncmp(name, prefix, strlen(prefix)) == 0)
            CF__FAIL("a matter named %s", name);
    }
}

/* The six matters of the list make-exports.py writes, however it was saved. */
static void check_list(const cf_import_result_t *r, int note_line)
{
    ASSERT_EQ(json_array_size(r->matters), 6);
    json_t *m = by_id(r, "330217001000");
    ASSERT_STR_EQ(str(m, "power_type"), "行政处罚");
    /* the responsibilities and accountability were one quoted cell over three lines */
    ASSERT_EQ(json_array_size(json_object_get(m, "responsibilities")), 2);
    ASSERT_EQ(json_array_size(json_object_get(m, "accountability")), 2);
    ASSERT(strstr(str(by_id(r, "330217002000"), "name"), "\"双随机、一公开\"") != NULL);
    /* "3-1" and "3-2": 子项 of 3, its name shared, not rows whose cells slid left */
    for (int k = 1; k <= 2; k++) {
        char id[32];
        snprintf(id, sizeof(id), "33021700300%d", k);
        m = by_id(r, id);
        ASSERT_STR_EQ(str(m, "name"), "医疗保障基金使用情况的监督检查");
        ASSERT_STR_EQ(str(m, "sub_item"), k == 1 ? "对定点医药机构的检查" : "对参保人员的检查");
        ASSERT_STR_EQ(str(m, "power_type"), "行政检查");
        ASSERT_EQ(json_integer_value(json_object_get(m, "number")), 3);
    }
    ASSERT(unplaced_says(r, note_line, "a note"));
    no_name_starts(r, "注");
}

/* import-5.1: CSV, UTF-8 with a byte order mark, quoted cells over lines. */
TEST_IMPL(import_export_csv)
{
    cf_import_result_t r;
    cf_error_t err;
    if (import_path(DIR "export-bom.csv", &r, &err) != 0)
        CF__FAIL("%s:%d: %s", err.source, err.line, err.text);
    ASSERT_STR_EQ(r.shape, "csv");
    ASSERT_STR_EQ(r.encoding, "UTF-8");
    check_list(&r, 12);
    ASSERT_EQ(r.unread_lines, 0);
    cf_import_result_free(&r);
    return 0;
}

/* import-5.2: CSV in GBK: a header over two rows, "1-2" with its 主项's name left
 * empty, a total and a note of two cells under the rows, the title's count. */
TEST_IMPL(import_export_csv_gbk)
{
    cf_import_result_t r;
    cf_error_t err;
    if (import_path(DIR "export-gbk.csv", &r, &err) != 0)
        CF__FAIL("%s:%d: %s", err.source, err.line, err.text);
    ASSERT_STR_EQ(r.encoding, "GB18030");
    ASSERT_EQ(json_array_size(r.matters), 3);
    ASSERT_EQ(r.declared_count, 3);
    json_t *sub = by_id(&r, "export-gbk-001-2");
    ASSERT_STR_EQ(str(sub, "name"), "对定点医药机构违法行为的处罚");
    ASSERT_STR_EQ(str(sub, "sub_item"), "对分解住院的处罚");
    ASSERT_STR_EQ(str(by_id(&r, "export-gbk-002"), "power_type"), "行政检查");
    ASSERT(unplaced_says(&r, 7, "a total"));
    ASSERT(unplaced_says(&r, 8, "a note"));
    no_name_starts(&r, "合计");
    no_name_starts(&r, "填表说明");
    for (size_t i = 0; i < r.unplaced.items_count; i++)
        ASSERT(strstr(r.unplaced.items[i].text, "says it lists") == NULL);
    cf_import_result_free(&r);
    return 0;
}

/* import-5.3: Excel's Unicode text: UTF-16LE with its mark (and the title merged over
 * the columns, "title<TAB><TAB>…", once joined to the header), and without it. */
TEST_IMPL(import_export_unicode_text)
{
    static const struct {
        const char *file;
        int note_line;
    } files[] = {{DIR "export-unicode.txt", 12}, {DIR "export-unicode-nomark.txt", 11}};
    for (size_t i = 0; i < 2; i++) {
        cf_import_result_t r;
        cf_error_t err;
        if (import_path(files[i].file, &r, &err) != 0)
            CF__FAIL("%s:%d: %s", err.source, err.line, err.text);
        ASSERT_STR_EQ(r.encoding, "UTF-16LE");
        ASSERT_STR_EQ(r.shape, "quoted tabs");
        check_list(&r, files[i].note_line);
        cf_import_result_free(&r);
    }
    return 0;
}

/* import-5.4: UTF-16 cut in its last character: refused, naming the file, the line and
 * the offset; not "binary file". A BOM before bytes with no line break in UTF-16 is not
 * taken for UTF-16 (undecodable.txt stays "not UTF-8"). */
TEST_IMPL(import_export_unicode_cut)
{
    cf_import_result_t r;
    memset(&r, 0x5A, sizeof(r));
    cf_import_result_t before = r;
    cf_error_t err;
    ASSERT_EQ(import_path(DIR "export-unicode-cut.txt", &r, &err), CF_EPARSE);
    ASSERT(memcmp(&r, &before, sizeof(r)) == 0);
    ASSERT_STR_EQ(err.source, DIR "export-unicode-cut.txt");
    ASSERT_EQ(err.line, 11);
    ASSERT_CONTAINS(err.text, "UTF-16LE text with an invalid or cut sequence at byte offset");
    ASSERT_EQ(import_path(DIR "undecodable.txt", &r, &err), CF_EPARSE);
    ASSERT_CONTAINS(err.text, "not UTF-8");
    return 0;
}

/* import-5.5: a CSV cell that starts with a quote it never closes (or closes mid-cell,
 * "双随机"抽查) is text: it does not swallow the rows after it. */
TEST_IMPL(import_export_csv_loose_quotes)
{
    static const char text[] = "序号,事项名称,权力类型,实施依据\r\n"
                               "1,\"双随机\"抽查的检查,行政检查,《条例》第二十七条\r\n"
                               "2,\"对未闭合名称的处罚,行政处罚,《条例》第三十八条\r\n"
                               "3,对第三项的检查,行政检查,《条例》第二十二条\r\n";
    cf_import_result_t r;
    cf_error_t err;
    cf_error_clear(&err);
    if (cf_import_text(text, sizeof(text) - 1, "loose.csv", NULL, &r, &err) != 0)
        CF__FAIL("%d: %s", err.line, err.text);
    ASSERT_EQ(json_array_size(r.matters), 3);
    ASSERT_STR_EQ(str(by_id(&r, "loose-001"), "name"), "\"双随机\"抽查的检查");
    ASSERT_STR_EQ(str(by_id(&r, "loose-002"), "name"), "\"对未闭合名称的处罚");
    ASSERT_STR_EQ(str(by_id(&r, "loose-003"), "power_type"), "行政检查");
    cf_import_result_free(&r);
    return 0;
}
