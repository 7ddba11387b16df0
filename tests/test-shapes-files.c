/*
 * test-shapes-files.c -- shapes-*, continued from test-shapes.c (whose "why
 * generate" holds here too): real lists and the file formats a list comes in.
 *
 * shapes-5.*: real lists of other regions (tests/fixtures/real), recall printed;
 *             5.2: what real lists taught, each as a regression.
 * shapes-6.*: spreadsheets (.xlsx) and Word files (.docx) written with libzip.
 * shapes-7.*: PDF drawn with cairo + pango (Noto Sans CJK): its text layer read back.
 * shapes-8.*: .xls workbooks (BIFF8 in a compound file) written here, read with FreeXL.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <dirent.h>
#include <jansson.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "../importer/importer-int.h"
#include "../importer/importer.h"
#include "shapes-helpers.h"
#include "task.h"

/* ---- shapes-5: real lists of other regions, labelled by hand ---- */

/* s without blanks (a copy breaks names at a cell's width with spaces). */
static char *squeeze(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    for (const char *p = s; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            *q++ = *p;
    *q = '\0';
    return o;
}

typedef struct recall_s {
    int expected, once, types, checks, held;
} recall_t;

/* The fixture's own file in dir: NAME.* but NAME.expected (a list is kept in the
 * format it was published in: .txt for a copied page, .html, .docx, .xlsx, ...);
 * its path from the source tree into out. */
static int fixture_file(const char *dir, const char *base, char *out, size_t size)
{
    DIR *d = opendir(dir);
    ASSERT(d != NULL);
    size_t n = strlen(base);
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, base, n) == 0 && e->d_name[n] == '.' &&
            strcmp(e->d_name + n, ".expected") != 0) {
            int w = snprintf(out, size, "tests/fixtures/real/%s", e->d_name);
            found = w > 0 && (size_t)w < size;
        }
    closedir(d);
    return found;
}

/* 1 if matter m holds the check `key=value` of an .expected line: no (the 序号
 * printed, not inferred), sub (its 子项), law (a citation of that law), art (an
 * article of the law named by the last law= before it), wf (a workflow it maps
 * to). */
static int check_holds(json_t *m, const char *key, const char *value, const char *law)
{
    if (strcmp(key, "no") == 0)
        return json_integer_value(json_object_get(m, "number")) == atoi(value) &&
               !json_is_true(json_object_get(m, "number_inferred"));
    if (strcmp(key, "sub") == 0) {
        char *got = squeeze(json_string_value(json_object_get(m, "sub_item")));
        int same = strcmp(got, value) == 0;
        free(got);
        return same;
    }
    size_t i, k;
    json_t *v, *a;
    if (strcmp(key, "wf") == 0) {
        json_array_foreach(json_object_get(m, "workflows"), i, v) {
            if (strcmp(json_string_value(v), value) == 0)
                return 1;
        }
        return 0;
    }
    json_t *cites = json_object_get(json_object_get(m, "legal_basis"), "citations");
    json_array_foreach(cites, i, v) {
        const char *l = json_string_value(json_object_get(v, "law"));
        if (strcmp(key, "law") == 0 && strcmp(l, value) == 0)
            return 1;
        if (strcmp(key, "art") != 0 || !law || strcmp(l, law) != 0)
            continue;
        json_array_foreach(json_object_get(v, "articles"), k, a) {
            if (strcmp(json_string_value(a), value) == 0)
                return 1;
        }
    }
    return 0;
}

/* The checks after the power type on an .expected line (`<TAB>key=value`, see
 * README.md), against the matters named so: they hold if one matter holds them
 * all. Counts them into rc; prints those that do not hold. */
static void checks_hold(const char *base, const char *want, char *checks, json_t *matters,
                        recall_t *rc)
{
    int n = checks && *checks, any = 0;
    for (const char *c = n ? checks : ""; *c; c++)
        n += *c == '\t';
    if (n == 0)
        return;
    size_t i;
    json_t *m;
    json_array_foreach(matters, i, m) {
        char *got = squeeze(json_string_value(json_object_get(m, "name")));
        int named = strcmp(got, want) == 0, all = named;
        free(got);
        char *copy = strdup(checks), *save = NULL, law[256] = "";
        for (char *kv = strtok_r(copy, "\t", &save); all && kv; kv = strtok_r(NULL, "\t", &save)) {
            char *eq = strchr(kv, '=');
            ASSERT(eq != NULL);
            *eq = '\0';
            if (strcmp(kv, "law") == 0)
                snprintf(law, sizeof(law), "%s", eq + 1);
            all = check_holds(m, kv, eq + 1, law);
        }
        free(copy);
        any |= all;
    }
    rc->checks += n;
    rc->held += any ? n : 0;
    if (!any)
        fprintf(stderr, "real list %s: \"%s\": checks \"%s\" do not hold\n", base, want, checks);
}

/* How many lines of an .expected text name want (a list may print a matter
 * twice, under two headings: each is a matter, so "found once" means found as
 * many times as labelled). */
static int labelled_times(const char *expected, const char *want)
{
    char *t = strdup(expected), *save = NULL;
    int n = 0;
    for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(l, '\t');
        if (tab)
            *tab = '\0';
        char *s = squeeze(l);
        n += strcmp(s, want) == 0;
        free(s);
    }
    free(t);
    return n;
}

/* One fixture: NAME.* imported, NAME.expected lines `name<TAB>power type`, then
 * optional checks `<TAB>key=value` (check_holds). */
static void recall_file(const char *dir, const char *base, recall_t *rc)
{
    char path[1024];
    ASSERT(fixture_file(dir, base, path, sizeof(path)));
    size_t len;
    char *buf = cf_test_slurp(path, &len);
    cf_import_result_t r;
    cf_error_t err;
    int ok = cf_import_text(buf, len, path, NULL, &r, &err) == 0;
    free(buf);
    if (!ok)
        fprintf(stderr, "real list %s: not imported: %s\n", base, err.text);
    int w = snprintf(path, sizeof(path), "tests/fixtures/real/%s.expected", base);
    ASSERT(w > 0 && (size_t)w < sizeof(path));
    char *exp = cf_test_slurp(path, NULL), *copy = strdup(exp), *lsave = NULL;
    for (char *line = strtok_r(exp, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
        char *tab = strchr(line, '\t');
        ASSERT(tab != NULL);
        *tab = '\0';
        char *checks = strchr(tab + 1, '\t');
        if (checks)
            *checks++ = '\0';
        char *want = squeeze(line), folded[256];
        int labelled = labelled_times(copy, want);
        const char *type = cf__fold(tab + 1, folded, sizeof(folded)) ? folded : tab + 1;
        int n = 0, typed = 0, none = strcmp(type, "-") == 0; /* "-": a type of none of ours */
        for (size_t i = 0; ok && i < json_array_size(r.matters); i++) {
            json_t *m = json_array_get(r.matters, i);
            char *got = squeeze(json_string_value(json_object_get(m, "name")));
            if (strcmp(got, want) == 0) {
                n++;
                size_t k;
                json_t *t, *types = json_object_get(m, "power_types");
                typed |= none && json_array_size(types) == 0;
                json_array_foreach(types, k, t) {
                    typed |= strcmp(json_string_value(t), type) == 0;
                }
            }
            free(got);
        }
        rc->expected++;
        rc->once += n == labelled;
        rc->types += n == labelled && typed;
        if (n != labelled || !typed)
            fprintf(stderr, "real list %s: \"%s\" found %d time(s), labelled %d%s\n", base, line, n,
                    labelled, n == labelled && !typed ? ", power type differs" : "");
        checks_hold(base, want, checks, ok ? r.matters : NULL, rc); /* none hold unread */
        free(want);
    }
    free(exp);
    free(copy);
    if (ok)
        cf_import_result_free(&r);
}

/* Every tests/fixtures/real/NAME.expected: the importer's recall on lists it was
 * not written against, printed; the aim is 95%. */
TEST_IMPL(shapes_real_recall)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/real", CF_SOURCE_DIR);
    DIR *d = opendir(dir);
    ASSERT(d != NULL);
    recall_t rc = {0};
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 9 || strcmp(e->d_name + n - 9, ".expected") != 0)
            continue;
        char base[256];
        snprintf(base, sizeof(base), "%.*s", (int)(n - 9), e->d_name);
        recall_file(dir, base, &rc);
        files++;
    }
    closedir(d);
    ASSERT(files >= 10);
    fprintf(stderr,
            "real lists: %d files, %d matters labelled by hand: found once %d (%.0f%%), names "
            "%d (%.0f%%), power types %d (%.0f%%)\n",
            files, rc.expected, rc.once, 100.0 * rc.once / rc.expected, rc.once,
            100.0 * rc.once / rc.expected, rc.types, 100.0 * rc.types / rc.expected);
    fprintf(stderr, "real lists: checks of 序号, 子项, law, article and workflow: %d of %d hold\n",
            rc.held, rc.checks);
    ASSERT(rc.once * 100 >= rc.expected * 95);
    ASSERT(rc.types * 100 >= rc.expected * 95);
    ASSERT_EQ(rc.held, rc.checks); /* each checked by hand: every one holds */
    return 0;
}

/* ---- shapes-6: spreadsheets and Word files, written with libzip ---- */

static void xml_escaped(cf__sb_t *b, const char *s)
{
    for (; *s; s++)
        cf__sb_adds(b, *s == '<'   ? "&lt;"
                       : *s == '>' ? "&gt;"
                       : *s == '&' ? "&amp;"
                                   : (char[]){*s, 0});
}

/* Writes the parts (name, text pairs) into a zip at path; returns its bytes. */
static char *zip_parts(const char *const *names, char **texts, size_t n, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/office.zip", cf_test_tmpdir());
    int zerr;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ASSERT(z != NULL);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(z, texts[i], strlen(texts[i]), 0);
        ASSERT(src != NULL);
        ASSERT(zip_file_add(z, names[i], src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    ASSERT(zip_close(z) == 0);
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size);
    ASSERT(fread(buf, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* Rows sharing a power type with the row above: how many follow row r. */
static size_t same_type_run(const table_t *t, size_t r)
{
    size_t span = 1;
    while (r + span < t->rows && strcmp(t->cells[r + span][2], t->cells[r][2]) == 0)
        span++;
    return span;
}

/* A workbook: a title merged across the table, the header, the rows with the
 * power type merged down the rows that share it, shared strings. */
static char *render_xlsx(const table_t *t, size_t *len)
{
    cf__sb_t sheet = {0}, strings = {0}, merges = {0};
    size_t ns = 0;
    cf__sb_adds(&sheet, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://"
                        "schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
    cf__sb_adds(&strings, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://"
                          "schemas.openxmlformats.org/spreadsheetml/2006/main\">");
    cf__sb_adds(&merges, "<mergeCells><mergeCell ref=\"A1:G1\"/>");
    size_t run_end = 0;
    for (size_t r = 0; r < t->rows + 2; r++) {
        char buf[96];
        snprintf(buf, sizeof(buf), "<row r=\"%zu\">", r + 1);
        cf__sb_adds(&sheet, buf);
        for (int c = 0; c < (r == 0 ? 1 : COLS); c++) {
            const char *text = r == 0   ? "某市医疗保障局权责清单"
                               : r == 1 ? ts_header[c]
                                        : t->cells[r - 2][c];
            if (r >= 2 && c == 2 && r - 2 < run_end)
                continue; /* under the merged cell above */
            if (r >= 2 && c == 2) {
                size_t span = same_type_run(t, r - 2);
                run_end = r - 2 + span;
                if (span > 1) {
                    snprintf(buf, sizeof(buf), "<mergeCell ref=\"C%zu:C%zu\"/>", r + 1, r + span);
                    cf__sb_adds(&merges, buf);
                }
            }
            snprintf(buf, sizeof(buf), "<c r=\"%c%zu\" t=\"s\"><v>%zu</v></c>", 'A' + c, r + 1,
                     ns++);
            cf__sb_adds(&sheet, buf);
            cf__sb_adds(&strings, "<si><t>");
            xml_escaped(&strings, text);
            cf__sb_adds(&strings, "</t></si>");
        }
        cf__sb_adds(&sheet, "</row>");
    }
    cf__sb_adds(&merges, "</mergeCells>");
    cf__sb_adds(&sheet, "</sheetData>");
    char *m = cf__sb_take(&merges);
    cf__sb_adds(&sheet, m);
    free(m);
    cf__sb_adds(&sheet, "</worksheet>");
    cf__sb_adds(&strings, "</sst>");
    static const char *const names[] = {"[Content_Types].xml", "xl/workbook.xml",
                                        "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"};
    char *texts[4] = {strdup("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
                             "openxmlformats.org/package/2006/content-types\"/>"),
                      strdup("<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas."
                             "openxmlformats.org/spreadsheetml/2006/main\"><sheets><sheet "
                             "name=\"权责清单\" sheetId=\"1\"/></sheets></workbook>"),
                      cf__sb_take(&sheet), cf__sb_take(&strings)};
    char *zip = zip_parts(names, texts, 4, len);
    for (int i = 0; i < 4; i++)
        free(texts[i]);
    return zip;
}

static void w_cell(cf__sb_t *b, const char *text, const char *props)
{
    cf__sb_adds(b, "<w:tc>");
    if (props)
        cf__sb_adds(b, props);
    cf__sb_adds(b, "<w:p><w:r><w:t xml:space=\"preserve\">");
    xml_escaped(b, text);
    cf__sb_adds(b, "</w:t></w:r></w:p></w:tc>");
}

/* A Word file: a notice paragraph, a table with a title row spanning the
 * columns, the power type merged down (vMerge), a closing paragraph. */
static char *render_docx(const table_t *t, size_t *len)
{
    cf__sb_t b = {0};
    cf__sb_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://"
                    "schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                    "<w:p><w:r><w:t>现将我局权责清单公布如下。</w:t></w:r></w:p><w:tbl><w:tr>");
    w_cell(&b, "某市医疗保障局权责清单", "<w:tcPr><w:gridSpan w:val=\"7\"/></w:tcPr>");
    cf__sb_adds(&b, "</w:tr><w:tr>");
    for (int c = 0; c < COLS; c++)
        w_cell(&b, ts_header[c], NULL);
    cf__sb_adds(&b, "</w:tr>");
    size_t run_end = 0;
    for (size_t r = 0; r < t->rows; r++) {
        cf__sb_adds(&b, "<w:tr>");
        for (int c = 0; c < COLS; c++) {
            const char *props = NULL;
            if (c == 2 && r < run_end) {
                props = "<w:tcPr><w:vMerge/></w:tcPr>";
            } else if (c == 2) {
                run_end = r + same_type_run(t, r);
                props = run_end > r + 1 ? "<w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>" : NULL;
            }
            w_cell(&b,
                   c == 2 && r < run_end && props && !strstr(props, "restart") ? ""
                                                                               : t->cells[r][c],
                   props);
        }
        cf__sb_adds(&b, "</w:tr>");
    }
    cf__sb_adds(&b, "</w:tbl><w:p><w:r><w:t>某市医疗保障局 2024年</w:t></w:r></w:p>"
                    "</w:body></w:document>");
    static const char *const names[] = {"[Content_Types].xml", "word/document.xml"};
    char *texts[2] = {strdup("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
                             "openxmlformats.org/package/2006/content-types\"/>"),
                      cf__sb_take(&b)};
    char *zip = zip_parts(names, texts, 2, len);
    free(texts[0]);
    free(texts[1]);
    return zip;
}

static void each_seed_binary(char *(*fn)(const table_t *, size_t *), const char *shape)
{
    for (size_t s = 0; s < sizeof(ts_seeds) / sizeof(ts_seeds[0]); s++) {
        table_t t;
        ts_load(&t, ts_seeds[s]);
        size_t len;
        char *bytes = fn(&t, &len);
        char what[128];
        if (getenv("CF_SHAPES_DUMP")) { /* CF_SHAPES_DUMP=DIR: the rendered files */
            char path[512];
            snprintf(path, sizeof(path), "%s/%s-%zu.%s", getenv("CF_SHAPES_DUMP"), shape, s, shape);
            FILE *f = fopen(path, "wb");
            if (f)
                fwrite(bytes, 1, len, f), fclose(f);
        }
        snprintf(what, sizeof(what), "%s (%s)", ts_seeds[s] + strlen("tests/fixtures/seeds/"),
                 shape);
        ts_same_catalog(&t, bytes, len, what, 1);
        free(bytes);
        ts_unload(&t);
    }
}

TEST_IMPL(shapes_xlsx)
{
    each_seed_binary(render_xlsx, "xlsx");
    return 0;
}

TEST_IMPL(shapes_docx)
{
    each_seed_binary(render_docx, "docx");
    return 0;
}

/* lists11: a Word file whose list is two tables, the second after a page break
 * (a paragraph holding only <w:br w:type="page"/>), the header repeated: both rows
 * read, and the break is no line of text left unread. */
TEST_IMPL(shapes_docx_page_break)
{
    static const char *const row = "<w:tr><w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>"
                                   "<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>"
                                   "<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>"
                                   "<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc></w:tr>";
    char head[1024], r1[1024], r2[1024];
    snprintf(head, sizeof(head), row, "序号", "事项名称", "权力类型", "实施依据");
    snprintf(r1, sizeof(r1), row, "1", "对骗取医保基金行为的处罚", "行政处罚",
             "《医疗保障基金使用监督管理条例》第四十条");
    snprintf(r2, sizeof(r2), row, "2", "对定点医药机构的监督检查", "行政检查",
             "《医疗保障基金使用监督管理条例》第二十二条");
    cf__sb_t b = {0};
    cf__sb_adds(&b, "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats."
                    "org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>某市医疗保障局权责清单"
                    "</w:t></w:r></w:p><w:tbl>");
    cf__sb_adds(&b, head);
    cf__sb_adds(&b, r1);
    cf__sb_adds(&b, "</w:tbl><w:p><w:r><w:br w:type=\"page\"/></w:r></w:p><w:tbl>");
    cf__sb_adds(&b, head);
    cf__sb_adds(&b, r2);
    cf__sb_adds(&b, "</w:tbl><w:sectPr/></w:body></w:document>");
    static const char *const names[] = {"[Content_Types].xml", "word/document.xml"};
    char *texts[2] = {strdup("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
                             "openxmlformats.org/package/2006/content-types\"/>"),
                      cf__sb_take(&b)};
    size_t len;
    char *zip = zip_parts(names, texts, 2, &len);
    cf_import_result_t r;
    cf_error_t err;
    ASSERT_EQ(cf_import_text(zip, len, "break.docx", NULL, &r, &err), 0);
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_EQ(r.unplaced.items_count, 0);
    ASSERT_EQ(r.unread_lines, 0);
    cf_import_result_free(&r);
    free(zip);
    free(texts[0]);
    free(texts[1]);
    return 0;
}

/* A worksheet part of rows, inline strings, each row's cells separated by '|'. */
static char *sheet_part(const char *const *rows, size_t n)
{
    cf__sb_t b = {0};
    cf__sb_adds(&b, "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats."
                    "org/spreadsheetml/2006/main\"><sheetData>");
    for (size_t r = 0; r < n; r++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "<row r=\"%zu\">", r + 1);
        cf__sb_adds(&b, buf);
        char *copy = strdup(rows[r]), *save = NULL;
        int c = 0;
        for (char *cell = strtok_r(copy, "|", &save); cell; cell = strtok_r(NULL, "|", &save)) {
            snprintf(buf, sizeof(buf), "<c r=\"%c%zu\" t=\"inlineStr\"><is><t>", 'A' + c++, r + 1);
            cf__sb_adds(&b, buf);
            cf__sb_adds(&b, cell);
            cf__sb_adds(&b, "</t></is></c>");
        }
        free(copy);
        cf__sb_adds(&b, "</row>");
    }
    cf__sb_adds(&b, "</sheetData></worksheet>");
    return cf__sb_take(&b);
}

/* lists11: a workbook kept one sheet per power type, the type only on the tab
 * (行政处罚(2), 行政检查), each sheet numbering its rows from 1, a last tab of 公共服务:
 * each tab's rows take its type (said), and a sheet's row 1 is no continuation of the
 * last sheet's row 1 (it was merged into it, 公共服务 and all). */
TEST_IMPL(shapes_xlsx_sheet_tabs)
{
    static const char *const penalties[] = {
        "序号|事项名称|权力类型|实施依据",
        "1|对定点医药机构造成医疗保障基金损失的处罚|行政处罚|"
        "《医疗保障基金使用监督管理条例》第三十八条",
        "2|对骗取医疗保障基金支出的处罚||《医疗保障基金使用监督管理条例》第四十条"};
    static const char *const checks[] = {
        "序号|事项名称|权力类型|实施依据",
        "1|对定点医药机构医疗保障基金使用情况的检查||《医疗保障基金使用监督管理条例》第二十七条"};
    static const char *const services[] = {"序号|事项名称|权力类型|实施依据",
                                           "1|基本医疗保险参保信息查询||《社会保险法》第七十四条"};
    static const char *const names[] = {"[Content_Types].xml",        "xl/workbook.xml",
                                        "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
                                        "xl/worksheets/sheet2.xml",   "xl/worksheets/sheet3.xml"};
    char *texts[6] = {
        strdup("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
               "package/2006/content-types\"/>"),
        strdup("<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/"
               "spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/"
               "officeDocument/2006/relationships\"><sheets><sheet name=\"行政处罚(2)\" "
               "sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"行政检查\" sheetId=\"2\" "
               "r:id=\"rId2\"/><sheet name=\"公共服务\" sheetId=\"3\" r:id=\"rId3\"/>"
               "</sheets></workbook>"),
        strdup("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats."
               "org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"ws\" "
               "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"ws\" "
               "Target=\"worksheets/sheet2.xml\"/><Relationship Id=\"rId3\" Type=\"ws\" "
               "Target=\"worksheets/sheet3.xml\"/></Relationships>"),
        sheet_part(penalties, 3),
        sheet_part(checks, 2),
        sheet_part(services, 2)};
    size_t len;
    char *zip = zip_parts(names, texts, 6, &len);
    cf_import_result_t r;
    cf_error_t err;
    ASSERT_EQ(cf_import_text(zip, len, "tabs.xlsx", NULL, &r, &err), 0);
    ASSERT_EQ(json_array_size(r.matters), 4);
    static const char *const want[] = {"行政处罚", "行政处罚", "行政检查", ""};
    for (size_t i = 0; i < 4; i++) {
        json_t *m = json_array_get(r.matters, i);
        ASSERT_STR_EQ(json_string_value(json_object_get(m, "power_type")), want[i]);
    }
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(r.matters, 2), "name")),
                  "对定点医药机构医疗保障基金使用情况的检查");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(r.matters, 3), "name")),
                  "基本医疗保险参保信息查询");
    int said = 0;
    for (size_t i = 0; i < r.repairs.items_count; i++)
        said += strstr(r.repairs.items[i].text, "sheet's tab") != NULL;
    ASSERT_EQ(said, 2);
    cf_import_result_free(&r);
    free(zip);
    for (int i = 0; i < 6; i++)
        free(texts[i]);
    return 0;
}

/* ---- shapes-7: PDF, drawn with cairo + pango as a bureau's office suite prints ---- */

static cairo_status_t pdf_sink(void *closure, const unsigned char *data, unsigned int length)
{
    cf__sb_add(closure, (const char *)data, length);
    return CAIRO_STATUS_SUCCESS;
}

enum { PDF_W = 842, PDF_H = 595, PDF_M = 36 };
static const double pdf_cols[COLS] = {30, 110, 50, 170, 190, 150, 70};
#define PDF_PAD 4.0

static PangoLayout *cell_layout(cairo_t *cr, const char *text, double w, const char *font)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(l, text, -1);
    return l;
}

/* One table row (or the header, t NULL), line by line: a row too tall for what
 * is left of the page goes on over the next page, as office suites print. */
static void pdf_row(cairo_t *cr, const table_t *t, size_t r, double *y)
{
    PangoLayout *l[COLS];
    int lines = 0;
    for (int c = 0; c < COLS; c++) {
        l[c] = cell_layout(cr, t ? t->cells[r][c] : ts_header[c], pdf_cols[c] - 2 * PDF_PAD,
                           "Noto Sans CJK SC 8");
        int n = pango_layout_get_line_count(l[c]);
        lines = n > lines ? n : lines;
    }
    *y += PDF_PAD;
    cairo_move_to(cr, PDF_M, *y - PDF_PAD);
    cairo_line_to(cr, PDF_W - PDF_M, *y - PDF_PAD);
    cairo_stroke(cr);
    for (int k = 0; k < lines; k++) {
        PangoRectangle lr;
        pango_layout_line_get_pixel_extents(pango_layout_get_line_readonly(l[0], 0), NULL, &lr);
        double lh = lr.height * 1.15;
        if (*y + lh > PDF_H - PDF_M) {
            cairo_show_page(cr);
            *y = PDF_M;
        }
        double x = PDF_M;
        for (int c = 0; c < COLS; c++) {
            if (k < pango_layout_get_line_count(l[c])) {
                PangoLayoutLine *line = pango_layout_get_line_readonly(l[c], k);
                cairo_move_to(cr, x + PDF_PAD, *y - lr.y);
                pango_cairo_show_layout_line(cr, line);
            }
            x += pdf_cols[c];
        }
        *y += lh;
    }
    *y += PDF_PAD;
    for (int c = 0; c < COLS; c++)
        g_object_unref(l[c]);
}

/* A title centred over the table, a notice across it, the header, the rows,
 * pages broken inside rows. */
static char *render_pdf(const table_t *t, size_t *len)
{
    cf__sb_t b = {0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_sink, &b, PDF_W, PDF_H);
    cairo_t *cr = cairo_create(s);
    cairo_set_line_width(cr, 0.5);
    PangoLayout *title =
        cell_layout(cr, "某市医疗保障局权责清单", PDF_W - 2 * PDF_M, "Noto Sans CJK SC Bold 14");
    pango_layout_set_alignment(title, PANGO_ALIGN_CENTER);
    cairo_move_to(cr, PDF_M, PDF_M);
    pango_cairo_show_layout(cr, title);
    g_object_unref(title);
    PangoLayout *notice = cell_layout(
        cr, "根据有关规定，现将我局权责清单公布如下，接受社会监督。本清单自公布之日起施行。",
        PDF_W - 2 * PDF_M, "Noto Sans CJK SC 9");
    cairo_move_to(cr, PDF_M, PDF_M + 30);
    pango_cairo_show_layout(cr, notice);
    g_object_unref(notice);
    double y = PDF_M + 56;
    pdf_row(cr, NULL, 0, &y);
    for (size_t r = 0; r < t->rows; r++)
        pdf_row(cr, t, r, &y);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    *len = b.len;
    return cf__sb_take(&b);
}

TEST_IMPL(shapes_pdf)
{
    each_seed_binary(render_pdf, "pdf");
    /* no text layer: refused, saying why */
    cf__sb_t b = {0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_sink, &b, PDF_W, PDF_H);
    cairo_t *cr = cairo_create(s);
    cairo_rectangle(cr, 10, 10, 100, 100);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    cf_import_result_t r;
    cf_error_t err;
    memset(&r, 0x5a, sizeof(r));
    ASSERT_EQ(cf_import_text(b.s, b.len, "scan.pdf", NULL, &r, &err), CF_EPARSE);
    ASSERT(strstr(err.text, "text layer") != NULL);
    ASSERT_EQ(((unsigned char *)&r)[0], 0x5a); /* untouched */
    cf__sb_free(&b);
    return 0;
}

/* ---- shapes-8: .xls (BIFF8 in an OLE2 compound file), written by hand ---- */

/* No Debian tool at hand writes .xls from C, so this writes the smallest
 * workbook FreeXL reads: a compound file (512-byte sectors, one FAT, a
 * directory of Root Entry and "Workbook") holding a BIFF8 stream: globals (BOF,
 * CODEPAGE 1200, BOUNDSHEET, EOF), then one sheet (BOF, DIMENSIONS, a LABEL
 * record per cell with its text in UTF-16LE, EOF). Layout as in Microsoft's
 * [MS-CFB] and [MS-XLS]. */

static void le16(cf__sb_t *b, unsigned v)
{
    char c[2] = {(char)(v & 0xFF), (char)((v >> 8) & 0xFF)};
    cf__sb_add(b, c, 2);
}

static void le32(cf__sb_t *b, unsigned long v)
{
    le16(b, (unsigned)(v & 0xFFFF));
    le16(b, (unsigned)((v >> 16) & 0xFFFF));
}

static void biff(cf__sb_t *b, unsigned type, const cf__sb_t *data)
{
    le16(b, type);
    le16(b, (unsigned)data->len);
    if (data->len)
        cf__sb_add(b, data->s, data->len);
}

/* A LABEL record: row, column, the text as UTF-16LE (at most 4000 units, the
 * record's limit being 8224 bytes). */
static void label(cf__sb_t *b, unsigned row, unsigned col, const char *text)
{
    cf__sb_t d = {0}, u = {0};
    unsigned units = 0;
    if (!*text)
        return; /* an empty cell is no record (Excel writes none, or a BLANK) */
    for (const char *p = text; *p && units < 4000;) {
        unsigned cp;
        p += cf__u8_next(p, &cp);
        if (cp >= 0x10000) { /* a surrogate pair */
            cp -= 0x10000;
            le16(&u, 0xD800 + (cp >> 10));
            le16(&u, 0xDC00 + (cp & 0x3FF));
            units += 2;
        } else {
            le16(&u, cp);
            units++;
        }
    }
    le16(&d, row);
    le16(&d, col);
    le16(&d, 15); /* the default cell format */
    le16(&d, units);
    cf__sb_add(&d, "\x01", 1); /* fHighByte: 16-bit characters */
    if (u.len)
        cf__sb_add(&d, u.s, u.len);
    biff(b, 0x0204, &d);
    cf__sb_free(&d);
    cf__sb_free(&u);
}

static void bof(cf__sb_t *b, unsigned kind)
{
    cf__sb_t d = {0};
    le16(&d, 0x0600); /* BIFF8 */
    le16(&d, kind);   /* 5: globals, 0x10: worksheet */
    le16(&d, 0x0DBB);
    le16(&d, 0x07CC);
    le32(&d, 0);
    le32(&d, 6);
    biff(b, 0x0809, &d);
    cf__sb_free(&d);
}

/* The BIFF8 stream: a title row, the header, the rows. */
static void workbook_stream(const table_t *t, cf__sb_t *w)
{
    cf__sb_t d = {0}, empty = {0};
    bof(w, 5);
    le16(&d, 1200);
    biff(w, 0x0042, &d); /* CODEPAGE: UTF-16 */
    d.len = 0;
    size_t at = w->len + 4; /* BOUNDSHEET: the sheet's offset, patched below */
    le32(&d, 0);
    cf__sb_add(&d, "\0\0\x06\0Sheet1", 10);
    biff(w, 0x0085, &d);
    biff(w, 0x000A, &empty);
    size_t sheet = w->len;
    for (int k = 0; k < 4; k++)
        w->s[at + (size_t)k] = (char)((sheet >> (8 * k)) & 0xFF);
    bof(w, 0x10);
    d.len = 0;
    le32(&d, 0);
    le32(&d, t->rows + 2);
    le16(&d, 0);
    le16(&d, COLS);
    le16(&d, 0);
    biff(w, 0x0200, &d); /* DIMENSIONS */
    label(w, 0, 0, "某市医疗保障局权责清单");
    for (int c = 0; c < COLS; c++)
        label(w, 1, (unsigned)c, ts_header[c]);
    for (size_t r = 0; r < t->rows; r++)
        for (int c = 0; c < COLS; c++)
            label(w, (unsigned)r + 2, (unsigned)c, t->cells[r][c]);
    biff(w, 0x000A, &empty);
    cf__sb_free(&d);
}

/* The compound file: the stream in sectors 0..n-1, the directory in sector n,
 * the FAT after it. */
static char *render_xls(const table_t *t, size_t *len)
{
    cf__sb_t w = {0}, f = {0};
    workbook_stream(t, &w);
    size_t size = w.len;
    ASSERT(size >= 4096); /* else it would belong in the mini stream */
    while (w.len % 512)
        cf__sb_add(&w, "", 1);
    unsigned n = (unsigned)(w.len / 512), fats = 1;
    while (fats * 128 < n + 1 + fats)
        fats++;
    ASSERT(fats <= 109);
    /* header */
    cf__sb_add(&f, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    for (int i = 0; i < 4; i++)
        le32(&f, 0); /* CLSID */
    le16(&f, 0x003E);
    le16(&f, 0x0003);
    le16(&f, 0xFFFE);
    le16(&f, 9); /* 512-byte sectors */
    le16(&f, 6);
    for (int i = 0; i < 6; i++)
        cf__sb_add(&f, "", 1);
    le32(&f, 0);            /* directory sectors (0 for version 3) */
    le32(&f, fats);         /* FAT sectors */
    le32(&f, n);            /* first directory sector */
    le32(&f, 0);            /* transaction */
    le32(&f, 4096);         /* mini stream cutoff */
    le32(&f, 0xFFFFFFFEul); /* no mini FAT */
    le32(&f, 0);
    le32(&f, 0xFFFFFFFEul); /* no DIFAT sectors */
    le32(&f, 0);
    for (unsigned i = 0; i < 109; i++)
        le32(&f, i < fats ? n + 1 + i : 0xFFFFFFFFul);
    cf__sb_add(&f, w.s, w.len);
    /* directory: Root Entry, Workbook, two unused */
    static const char *const names[2] = {"Root Entry", "Workbook"};
    for (int e = 0; e < 4; e++) {
        size_t start = f.len;
        const char *nm = e < 2 ? names[e] : "";
        for (const char *p = nm; *p; p++)
            le16(&f, (unsigned char)*p);
        while (f.len < start + 64)
            cf__sb_add(&f, "", 1);
        le16(&f, e < 2 ? (unsigned)(strlen(nm) + 1) * 2 : 0);
        cf__sb_add(&f, e == 0 ? "\x05" : e == 1 ? "\x02" : "\x00", 1); /* type */
        cf__sb_add(&f, e < 2 ? "\x01" : "\x00", 1);                    /* black */
        le32(&f, 0xFFFFFFFFul);                                        /* left */
        le32(&f, 0xFFFFFFFFul);                                        /* right */
        le32(&f, e == 0 ? 1 : 0xFFFFFFFFul);                           /* child */
        while (f.len < start + 116)
            cf__sb_add(&f, "", 1);           /* CLSID, state, times */
        le32(&f, e == 1 ? 0 : 0xFFFFFFFEul); /* start sector */
        le32(&f, e == 1 ? (unsigned long)size : 0);
        le32(&f, 0);
    }
    /* FAT */
    for (unsigned i = 0; i < fats * 128; i++)
        le32(&f, i + 1 < n          ? i + 1
                 : i + 1 == n       ? 0xFFFFFFFEul
                 : i == n           ? 0xFFFFFFFEul
                 : i < n + 1 + fats ? 0xFFFFFFFDul
                                    : 0xFFFFFFFFul);
    cf__sb_free(&w);
    *len = f.len;
    return cf__sb_take(&f);
}

TEST_IMPL(shapes_xls)
{
    each_seed_binary(render_xls, "xls");
    /* an OLE2 file without a workbook (a Word .doc) is not taken for one */
    ASSERT_EQ(cf__is_xls("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8), 0);
    /* a damaged workbook: refused, saying what, the result untouched */
    table_t t;
    ts_load(&t, ts_seeds[0]);
    size_t len;
    char *x = render_xls(&t, &len);
    ASSERT_EQ(cf__is_xls(x, len), 1);
    memset(x + 30, 0x7F, 20); /* sector sizes and the FAT's place */
    cf_import_result_t r;
    cf_error_t err;
    memset(&r, 0x5a, sizeof(r));
    ASSERT_EQ(cf_import_text(x, len, "bad.xls", NULL, &r, &err), CF_EPARSE);
    ASSERT(strstr(err.text, ".xls") != NULL);
    ASSERT_EQ(((unsigned char *)&r)[0], 0x5a);
    free(x);
    ts_unload(&t);
    return 0;
}

/* ---- shapes-5.2: what real lists taught, each as a regression ---- */

/* A notice's sentence that names a number of 项 (三项制度) is no count of the
 * list; 共N项 in a long line still is. */
TEST_IMPL(shapes_declared_count)
{
    static const char *const table = "序号\t事项名称\t权力类型\t实施依据\n"
                                     "1\t对骗保行为的处罚\t行政处罚\t《条例》第四十条\n";
    char text[1024];
    snprintf(text, sizeof(text),
             "为贯彻落实行政执法三项制度，进一步推动全面依法行政，根据有关规定，市医疗保障局研究"
             "制定了目录清单，现印发给你们，请认真遵照执行。\n%s",
             table);
    cf_import_result_t r = ts_import_str(text);
    ASSERT_EQ(r.declared_count, 0);
    cf_import_result_free(&r);
    snprintf(text, sizeof(text),
             "根据有关规定，现将我局权责清单公布如下，共1项，请社会各界监督，如有意见请在公示期内"
             "向我局反映，联系电话见本页下方。\n%s",
             table);
    r = ts_import_str(text);
    ASSERT_EQ(r.declared_count, 1);
    cf_import_result_free(&r);
    /* lists10: a note counting each type before the whole (北京怀柔's 权力清单,
     * bjhr.gov.cn/zt/xzzfxxgs/ztqzfbm/bjhrwjw/qzqdwjw/qlqdwjw/202507/t20250710_4145946.html):
     * the whole is after 共, not the first type's count */
    snprintf(text, sizeof(text),
             "| 注:本表含行政许可(37项)、行政确认(11项)、行政处罚(624项),共737项。 | |||\n%s",
             table);
    r = ts_import_str(text);
    ASSERT_EQ(r.declared_count, 737);
    cf_import_result_free(&r);
    /* lists11: 咸宁's notice as its web page prints it, one long sentence citing
     * 《中华人民共和国行政处罚法》 beside 三项制度: the 共 of 共和国 states no count */
    snprintf(text, sizeof(text),
             "为贯落实行政执法三项制度，进一步推动全面依法行政，根据《中华人民共和国行政处罚法》"
             "《医疗保障行政处罚程序暂行规定》等规定，市医疗保障局研究制定了目录清单，现印发给你们"
             "。\n%s",
             table);
    r = ts_import_str(text);
    ASSERT_EQ(r.declared_count, 0);
    cf_import_result_free(&r);
    /* a count stated after 共 and a few words, in a sentence as long */
    snprintf(text, sizeof(text),
             "根据《中华人民共和国社会保险法》等法律法规，经梳理审核，本局权责清单共梳理行政权力事"
             "项1项，"
             "现予公布，请社会各界予以监督，如有意见请在公示期内向我局反映。\n%s",
             table);
    r = ts_import_str(text);
    ASSERT_EQ(r.declared_count, 1);
    cf_import_result_free(&r);
    return 0;
}

/* lists11: a sheet saved as text, its title in one cell merged across (济源's
 * 行政检查事项, which names no 清单) right above the header: the title, not the
 * header's first half (joined, it made the 序号 column's label and every 序号 was
 * inferred). 序号 alone over a header's second row is still the header's part. */
TEST_IMPL(shapes_title_above_header)
{
    cf_import_result_t r =
        ts_import_str("济源市医疗保障局行政检查事项\t\t\t\n序号\t事项名称\t执法类型\t实施依据\n"
                      "1\t对定点零售药店的医保协议履行情况进行监督\t行政检查\t《零售药店医疗保障定"
                      "点管理暂行办法》"
                      "第四十三条\n2\t对生育保险基金的管理使用情况进行监督检查\t行政检查\t《河南省"
                      "职工生育保险办法》"
                      "第十条\n");
    ASSERT_EQ(json_array_size(r.matters), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *m = json_array_get(r.matters, i);
        ASSERT_EQ(json_integer_value(json_object_get(m, "number")), (json_int_t)i + 1);
        ASSERT(!json_is_true(json_object_get(m, "number_inferred")));
        ASSERT(json_object_get(json_object_get(m, "extra"), "济源市医疗保障局行政检查事项序号") ==
               NULL);
    }
    cf_import_result_free(&r);
    r = ts_import_str(
        "序号\t\t\t\n\t事项名称\t权力类型\t实施依据\n"
        "7\t对骗取医保基金行为的处罚\t行政处罚\t《医疗保障基金使用监督管理条例》第四十条\n");
    ASSERT_EQ(json_array_size(r.matters), 1);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(r.matters, 0), "number")), 7);
    cf_import_result_free(&r);
    return 0;
}

/* How many of r's repairs contain word. */
static int repairs_saying(const cf_import_result_t *r, const char *word)
{
    int n = 0;
    for (size_t i = 0; i < r->repairs.items_count; i++)
        n += strstr(r->repairs.items[i].text, word) != NULL;
    return n;
}

/* lists11, mutants of 可克达拉's list: the 类型 merged down three rows that a page
 * break splits (the header repeated; the type printed on the first page only); a
 * blank row among the rows; the type on a page of its own after a heading. */
TEST_IMPL(shapes_merged_type_pages)
{
    static const char *const head = "序号\t执法主体\t事项名称\t类型\t法律依据\n";
    char text[2048];
    snprintf(text, sizeof(text),
             "%s1\t医保局\t对用人单位未按时足额缴纳社会保险费限期缴纳、加收滞纳金\t行政强制\t"
             "《中华人民共和国社会保险法》第六十三条\n%s"
             "2\t医保局\t对逾期仍未缴纳或者补足社会保险费的用人单位划拨社会保险费\t\t"
             "《中华人民共和国社会保险法》第六十三条\n"
             "3\t医保局\t对可能被转移、隐匿或者灭失的资料予以封存\t\t"
             "《医疗保障基金使用监督管理条例》第二十七条\n"
             "4\t医保局\t对定点医药机构的监督检查\t行政检查\t《医疗保障基金使用监督管理条例》第二十"
             "二条\n"
             "5\t医保局\t对医疗救助基金使用的检查\t\t《社会救助暂行办法》第五十七条\n",
             head, head);
    cf_import_result_t r = ts_import_str(text);
    ASSERT_EQ(json_array_size(r.matters), 5);
    static const char *const want[] = {"行政强制", "行政强制", "行政强制", "行政检查", ""};
    for (size_t i = 0; i < 5; i++) {
        json_t *t = json_object_get(json_array_get(r.matters, i), "power_type");
        ASSERT_STR_EQ(json_string_value(t), want[i]);
    }
    /* taken across the page, reported; row 5 amid a page is a gap, not a merge */
    ASSERT_EQ(repairs_saying(&r, "merged across the page"), 2);
    cf_import_result_free(&r);

    /* a heading between the pages gives the type of the rows below it */
    snprintf(text, sizeof(text),
             "%s1\t医保局\t对骗取医保基金行为的处罚\t行政处罚\t《医疗保障基金使用监督管理条例》第四"
             "十条\n"
             "二、行政检查\n%s2\t医保局\t对定点医药机构的监督检查\t\t"
             "《医疗保障基金使用监督管理条例》第二十二条\n",
             head, head);
    r = ts_import_str(text);
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_EQ(repairs_saying(&r, "merged across the page"), 0);
    json_t *types = json_object_get(json_array_get(r.matters, 1), "power_types");
    ASSERT_STR_EQ(json_string_value(json_array_get(types, 0)), "行政检查");
    cf_import_result_free(&r);

    /* a blank row of the table (a spacer, as a sheet or a page leaves one): nothing
     * to read and nothing repaired */
    snprintf(text, sizeof(text),
             "%s1\t医保局\t对骗取医保基金行为的处罚\t行政处罚\t《医疗保障基金使用监督管理条例》第四"
             "十条\n"
             "\t\t\t\t\n"
             "2\t医保局\t对定点医药机构的监督检查\t行政检查\t《医疗保障基金使用监督管理条例》第二十"
             "二条\n",
             head);
    r = ts_import_str(text);
    ASSERT_EQ(json_array_size(r.matters), 2);
    ASSERT_EQ(r.repairs.items_count, 0);
    ASSERT_EQ(r.unplaced.items_count, 0);
    cf_import_result_free(&r);
    return 0;
}
