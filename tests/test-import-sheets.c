/*
 * test-import-sheets.c -- import-2.2d: a problem in an .xls workbook names the sheet and
 * the row as Excel shows them. The sheets are laid one after the other into one page of
 * text (importer/xls.c), so a message said "line 9" of that page: no place a handler
 * finds in Excel once the list is kept over several sheets. Now " (sheet 'NAME', row R)"
 * follows. The fixture is made by tests/fixtures/import/make-sheets.py (python3-xlwt):
 * an empty cover, a sheet of penalties, then a sheet of checks whose rows 3 and 4 have
 * no power type and an unknown one. cfb10 and cfb10b: the compound-file reader on files
 * made here, cfb10b one over 6.8 MB whose FAT is found through the DIFAT chain, and a
 * looping chain refused (an .xls saying so).
 */
#include <stdlib.h>
#include <string.h>

#include "../importer/importer-int.h"
#include "import-helpers.h"
#include "task.h"

/* The first problem of list whose text holds needle, or NULL. */
static const cf_error_t *problem(const cf_errlist_t *list, const char *needle)
{
    for (size_t i = 0; i < list->items_count; i++)
        if (strstr(list->items[i].text, needle))
            return &list->items[i];
    return NULL;
}

/* Both fixtures' second sheet: rows 3 and 4 (no power type, an unknown one) are named by
 * sheet and row, and keep the page's line. Row 3's type is the sheet's tab (行政检查),
 * as a section heading gives it (lists11), said among the repairs. */
static void check_unplaced_rows(const cf_import_result_t *r)
{
    const cf_error_t *none = problem(&r->repairs, "权力类型 empty: 行政检查");
    const cf_error_t *unknown = problem(&r->unplaced, "行政乱来");
    ASSERT(none != NULL && unknown != NULL);
    ASSERT_CONTAINS(none->text, "(sheet '行政检查', row 3)");
    ASSERT_CONTAINS(unknown->text, "(sheet '行政检查', row 4)");
    ASSERT_EQ(unknown->line, none->line + 1); /* the page's line is kept as it was */
}

TEST_IMPL(import_sheets_row)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/sheets-problem.xls");
    ASSERT_EQ(json_array_size(r.matters), 5);
    check_unplaced_rows(&r);
    /* A repair on that row says where too, and so does the header's explanation. */
    const cf_error_t *repaired = problem(&r.repairs, "cells put back");
    ASSERT(repaired != NULL);
    ASSERT_CONTAINS(repaired->text, "(sheet '行政检查', row 3)");
    ASSERT(problem(&r.explain, "header row: 7 columns (sheet '行政处罚', row 1)") != NULL);
    /* Text that is no workbook names no sheet. */
    cf_import_result_free(&r);
    r = ti_import_file("tests/fixtures/seeds/000_b75d44ba1ac919f2.txt");
    for (size_t i = 0; i < r.explain.items_count; i++)
        ASSERT(strstr(r.explain.items[i].text, "(sheet ") == NULL);
    cf_import_result_free(&r);
    return 0;
}

/* import-2.2e: the same for an .xlsx (was: only the line of the text the sheets were laid
 * into). The tab's name is xl/workbook.xml's <sheet name> whose r:id
 * xl/_rels/workbook.xml.rels points at the part; the row is the cells' reference. The
 * fixture is made by tests/fixtures/import/make-sheets-xlsx.py: a sheet of penalties,
 * then a sheet of checks whose rows 3 and 4 have no power type and an unknown one. */
TEST_IMPL(import_sheets_row_xlsx)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/sheets-problem.xlsx");
    ASSERT_EQ(json_array_size(r.matters), 4);
    check_unplaced_rows(&r);
    ASSERT(problem(&r.explain, "(sheet '行政处罚', row 1)") != NULL);
    cf_import_result_free(&r);
    /* A workbook whose tabs are not named (no xl/workbook.xml sheets) names no sheet. */
    r = ti_import_file("tests/fixtures/import/sheets.xlsx");
    for (size_t i = 0; i < r.explain.items_count; i++)
        ASSERT(strstr(r.explain.items[i].text, "(sheet ") == NULL);
    cf_import_result_free(&r);
    return 0;
}

/* import-2.2f: a U+0000 inside a cell's text of an .xls, or in a sheet's name, is a
 * space; the text after it is kept (FreeXL's C strings ended there: "……条例》" without
 * 第四十一条, the name without its parenthesis). The fixtures are made by
 * tests/fixtures/import/make-xls-nul.py: row 2 in LABEL records, row 3 in the shared
 * strings (SST), the last of them split over a CONTINUE record just before its NUL; the
 * workbook stream in regular sectors, and in the mini stream (a workbook under 4 KiB). */
TEST_IMPL(import_sheets_xls_nul)
{
    static const char *const files[] = {"tests/fixtures/import/xls-nul.xls",
                                        "tests/fixtures/import/xls-nul-mini.xls"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        cf_import_result_t r = ti_import_file(files[i]);
        ASSERT_EQ(json_array_size(r.matters), 2);
        json_t *a = json_array_get(r.matters, 0), *b = json_array_get(r.matters, 1);
        ASSERT_STR_EQ(json_string_value(json_object_get(a, "name")),
                      "对医疗保险经办机构骗取基金支出的处罚 （含其他情形）");
        const char *basis =
            json_string_value(json_object_get(json_object_get(b, "legal_basis"), "text"));
        ASSERT_STR_EQ(basis, "《医疗保障基金使用监督管理条例》 第四十一条");
        ASSERT(problem(&r.explain, "(sheet '行政 处罚', row 1)") != NULL);
        cf_import_result_free(&r);
    }
    return 0;
}

/* lists10: a list published as a Word 97-2003 file (.doc) is read (was refused: "read
 * once saved as .docx"). tests/fixtures/import/word97.doc is written by LibreOffice from
 * word97.html (rows of 咸宁's list): a title paragraph, a row merged across the table
 * (the count), a cell of two paragraphs, an empty cell, a power type merged down two rows
 * (the third row takes it), a note after the table. A damaged one is refused, saying so. */
TEST_IMPL(import_doc_word97)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/import/word97.doc");
    ASSERT_EQ(json_array_size(r.matters), 3);
    ASSERT_EQ(r.declared_count, 3);
    static const char *const names[] = {"对不办理医疗保险和生育保险登记的处罚",
                                        "对用人单位逾期仍未缴纳或者补足社会保险费的划拨",
                                        "对未按时足额缴纳社会保险费的用人单位加收滞纳金"};
    static const char *const types[] = {"行政处罚", "行政强制", "行政强制"};
    for (size_t i = 0; i < 3; i++) {
        json_t *m = json_array_get(r.matters, i);
        ASSERT_STR_EQ(json_string_value(json_object_get(m, "name")), names[i]);
        ASSERT_STR_EQ(json_string_value(json_object_get(m, "power_type")), types[i]);
        ASSERT_STR_EQ(json_string_value(json_object_get(m, "agency")), "咸宁市医疗保障局");
        json_t *tl = json_object_get(m, "time_limits");
        ASSERT_EQ(json_array_size(tl), 1);
        ASSERT_EQ(json_integer_value(json_object_get(json_array_get(tl, 0), "amount")), 10);
    }
    const char *basis = json_string_value(
        json_object_get(json_object_get(json_array_get(r.matters, 0), "legal_basis"), "text"));
    ASSERT_STR_EQ(basis, "《中华人民共和国社会保险法》第八十四条\n用人单位不办理社会保险登记的,"
                         "由社会保险行政部门责令限期改正。");
    ASSERT(problem(&r.unplaced, "注：本清单") != NULL); /* the note: no matter */
    cf_import_result_free(&r);
    /* damaged: its text stream points out of the file */
    size_t len;
    char *buf = cf_test_slurp("tests/fixtures/import/word97.doc", &len);
    ASSERT(cf__is_doc(buf, len));
    cf_import_result_t bad;
    memset(&bad, 0x5A, sizeof(bad));
    cf_import_result_t before = bad;
    cf_error_t err;
    cf_error_clear(&err);
    size_t entry = 0; /* the WordDocument stream's first sector beyond the file */
    for (size_t i = 512; !entry && i + 128 <= len; i += 128)
        if (memcmp(buf + i, "W\0o\0r\0d\0D\0o\0c\0", 14) == 0)
            entry = i;
    ASSERT(entry > 0);
    memcpy(buf + entry + 0x74, "\x00\x00\x00\x10", 4);
    ASSERT(cf__is_doc(buf, len));
    ASSERT_EQ(cf_import_text(buf, len, "cut.doc", NULL, &bad, &err), CF_EPARSE);
    ASSERT(memcmp(&bad, &before, sizeof(bad)) == 0);
    ASSERT_CONTAINS(err.text, "Word 97-2003 file (.doc)");
    ASSERT_STR_EQ(err.source, "cut.doc");
    free(buf);
    return 0;
}

/* cfb10: the compound-file reader (importer/cfb.c) shared by the .doc and .xls readers,
 * on a file made here: a header, its FAT (sector 0), its directory (sector 1: the root
 * and a stream "S" of two sectors, 2 and 3). A loop in a chain, a sector past the file's
 * end, a name absent and a file that is no compound file are each refused, the outputs
 * untouched; a chain shorter than its stream is read as far as it goes, and has no
 * offsets to patch. */
#define CFB_LEN (512 * 5)

static void cfb_put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void cfb_name(unsigned char *e, const char *name, int type, uint32_t start, uint32_t size)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        e[2 * i] = (unsigned char)name[i];
    e[0x40] = (unsigned char)(2 * (n + 1));
    e[0x42] = (unsigned char)type;
    cfb_put32(e + 0x74, start);
    cfb_put32(e + 0x78, size);
}

static void cfb_make(unsigned char *f)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    memset(f, 0, CFB_LEN);
    memcpy(f, sig, 8);
    f[0x1E] = 9; /* 512-byte sectors */
    cfb_put32(f + 0x2C, 1);
    cfb_put32(f + 0x30, 1);
    cfb_put32(f + 0x38, 4096);
    cfb_put32(f + 0x3C, 0xFFFFFFFEu); /* no mini FAT */
    cfb_put32(f + 0x44, 0xFFFFFFFEu);
    memset(f + 0x50, 0xFF, 512 - 0x50);
    memset(f + 512, 0xFF, 512); /* the FAT: all free but */
    cfb_put32(f + 512, 0xFFFFFFFDu);
    cfb_put32(f + 512 + 4, 0xFFFFFFFEu);
    cfb_put32(f + 512 + 8, 3);
    cfb_put32(f + 512 + 12, 0xFFFFFFFEu);
    cfb_name(f + 1024, "Root Entry", 5, 0xFFFFFFFEu, 0);
    cfb_name(f + 1024 + 128, "S", 2, 2, 1000);
    for (size_t i = 1536; i < CFB_LEN; i++)
        f[i] = (unsigned char)(i * 7);
}

/* The stream "S" of f read: its code, *out untouched on failure. */
static int cfb_read_s(const unsigned char *f, size_t len, const char *name)
{
    cf__cfb_t c;
    unsigned char *out = (unsigned char *)"x";
    size_t out_len = 77;
    int rc = cf__cfb_open(&c, f, len);
    if (rc == 0) {
        rc = cf__cfb_read(&c, name, &out, &out_len);
        if (rc == 0) {
            ASSERT_EQ(out_len, 1000);
            ASSERT(memcmp(out, f + 1536, 1000) == 0);
            free(out);
        } else {
            ASSERT(out_len == 77 && out[0] == 'x');
        }
    }
    cf__cfb_close(&c);
    return rc;
}

TEST_IMPL(import_cfb_refused)
{
    unsigned char *f = malloc(CFB_LEN);
    ASSERT(f != NULL);
    cfb_make(f);
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), 0);
    cf__cfb_t c;
    size_t *where = NULL, n = 0, unit = 0, size = 0;
    ASSERT_EQ(cf__cfb_open(&c, f, CFB_LEN), 0);
    ASSERT_EQ(cf__cfb_where(&c, "S", &where, &n, &unit, &size), 0);
    ASSERT(n == 2 && unit == 512 && size == 1000 && where[0] == 1536 && where[1] == 2048);
    free(where);
    where = NULL;
    ASSERT_EQ(cf__cfb_where(&c, "T", &where, &n, &unit, &size), CF_ENOTFOUND);
    ASSERT(where == NULL && n == 2);
    cf__cfb_close(&c);
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S2"), CF_ENOTFOUND); /* a name absent */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, ""), CF_ENOTFOUND);
    cfb_put32(f + 512 + 8, 2); /* a loop: 2 -> 2 */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), CF_EPARSE);
    cfb_put32(f + 512 + 4, 1); /* the directory's chain loops on itself */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), CF_EPARSE);
    cfb_make(f);
    cfb_put32(f + 512 + 8, 100); /* a sector past the file's end */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), CF_EPARSE);
    cfb_make(f);
    ASSERT_EQ(cfb_read_s(f, CFB_LEN - 512, "S"), CF_EPARSE); /* the file cut short */
    cfb_put32(f + 1024 + 128 + 0x78, 1025); /* longer than its chain: no offsets, */
    ASSERT_EQ(cf__cfb_open(&c, f, CFB_LEN), 0);
    ASSERT_EQ(cf__cfb_where(&c, "S", &where, &n, &unit, &size), CF_EPARSE);
    ASSERT(where == NULL && n == 2);
    unsigned char *out = NULL;
    ASSERT_EQ(cf__cfb_read(&c, "S", &out, &n), 0); /* the bytes its chain holds */
    ASSERT(n == 1024 && memcmp(out, f + 1536, 1024) == 0);
    free(out);
    cf__cfb_close(&c);
    cfb_make(f);
    cfb_put32(f + 0x30, 7); /* the directory past the file's end */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), CF_EPARSE);
    cfb_make(f);
    cfb_put32(f + 0x4C, 0xFFFFFFFEu); /* no FAT sector */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), CF_EPARSE);
    cfb_make(f);
    f[0] = 0; /* no compound file */
    ASSERT_EQ(cfb_read_s(f, CFB_LEN, "S"), CF_EPARSE);
    ASSERT_EQ(cfb_read_s(f, 100, "S"), CF_EPARSE);
    free(f);
    return 0;
}

/* cf__cfb_open's code on f; c closed again. */
static int cfb_open_rc(const unsigned char *f, size_t len)
{
    cf__cfb_t c;
    int rc = cf__cfb_open(&c, f, len);
    if (rc == 0)
        cf__cfb_close(&c);
    return rc;
}

/* cfb10b: a compound file over 6.8 MB, made here: more FAT sectors than the header's 109
 * DIFAT entries name, so the rest are found through the DIFAT chain (two DIFAT sectors),
 * and a stream whose sectors only the last FAT sector (named by the second DIFAT sector)
 * maps. Sectors: 0..239 the FAT, 240 and 241 the DIFAT, 242 the directory, the stream
 * "S" in the file's last 20 sectors (at 15 MB). */
#define DIFAT_FAT     240u              /* FAT sectors: 109 in the header, 127 + 4 in the DIFAT */
#define DIFAT_SECTORS (DIFAT_FAT * 128) /* what they map: the file's sectors */
#define DIFAT_LEN     (((size_t)DIFAT_SECTORS + 1) * 512)
#define DIFAT_S       (DIFAT_SECTORS - 20) /* the stream's first sector */

static unsigned char *sector(unsigned char *f, uint32_t s)
{
    return f + ((size_t)s + 1) * 512;
}

static void difat_make(unsigned char *f)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    memset(f, 0, DIFAT_LEN);
    memcpy(f, sig, 8);
    f[0x1E] = 9;
    cfb_put32(f + 0x2C, DIFAT_FAT);
    cfb_put32(f + 0x30, 242);
    cfb_put32(f + 0x38, 4096);
    cfb_put32(f + 0x3C, 0xFFFFFFFEu);
    cfb_put32(f + 0x44, 240); /* the DIFAT chain: 240 -> 241 -> end */
    cfb_put32(f + 0x48, 2);
    for (uint32_t i = 0; i < 109; i++)
        cfb_put32(f + 0x4C + 4 * i, i);
    memset(sector(f, 240), 0xFF, 1024);
    for (uint32_t i = 109; i < DIFAT_FAT; i++) /* 127 in the first, 4 in the second */
        cfb_put32(sector(f, i < 236 ? 240 : 241) + 4 * ((i - 109) % 127), i);
    cfb_put32(sector(f, 240) + 508, 241);
    cfb_put32(sector(f, 241) + 508, 0xFFFFFFFEu);
    memset(sector(f, 0), 0xFF, (size_t)DIFAT_FAT * 512); /* the FAT: free but */
    for (uint32_t s = 0; s < DIFAT_SECTORS; s++) {
        uint32_t v = s < DIFAT_FAT           ? 0xFFFFFFFDu /* FATSECT */
                     : s < 242               ? 0xFFFFFFFCu /* DIFSECT */
                     : s == 242              ? 0xFFFFFFFEu
                     : s < DIFAT_S           ? 0xFFFFFFFFu
                     : s + 1 < DIFAT_SECTORS ? s + 1
                                             : 0xFFFFFFFEu;
        cfb_put32(sector(f, s / 128) + 4 * (s % 128), v);
    }
    cfb_name(sector(f, 242), "Root Entry", 5, 0xFFFFFFFEu, 0);
    cfb_name(sector(f, 242) + 128, "S", 2, DIFAT_S, 10000);
    for (size_t i = 0; i < 20 * 512; i++)
        sector(f, DIFAT_S)[i] = (unsigned char)(i * 13 + 1);
}

TEST_IMPL(import_cfb_difat)
{
    unsigned char *f = malloc(DIFAT_LEN), *out = NULL;
    ASSERT(f != NULL);
    difat_make(f);
    cf__cfb_t c;
    size_t *where = NULL, n = 0, unit = 0, size = 0;
    ASSERT(DIFAT_LEN > (size_t)109 * 128 * 512); /* past what the header's FAT sectors map */
    ASSERT_EQ(cf__cfb_open(&c, f, DIFAT_LEN), 0);
    ASSERT_EQ(cf__cfb_read(&c, "S", &out, &n), 0);
    ASSERT(n == 10000 && memcmp(out, sector(f, DIFAT_S), 10000) == 0);
    free(out);
    ASSERT_EQ(cf__cfb_where(&c, "S", &where, &n, &unit, &size), 0);
    ASSERT(n == 20 && unit == 512 && size == 10000);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(where[i], (size_t)(sector(f, DIFAT_S + (uint32_t)i) - f));
    free(where);
    cf__cfb_close(&c);
    /* the DIFAT chain looping (240 -> 240): refused, its FAT sectors not read again as
     * the last four */
    cfb_put32(sector(f, 240) + 508, 240);
    ASSERT_EQ(cfb_open_rc(f, DIFAT_LEN), CF_EPARSE);
    /* ... and as an .xls workbook, refused saying why before FreeXL reads it */
    cfb_name(sector(f, 242) + 128, "Workbook", 2, DIFAT_S, 10000);
    ASSERT(cf__is_xls((const char *)f, DIFAT_LEN));
    char *text = NULL;
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf__xls_text((const char *)f, DIFAT_LEN, "big.xls", &text, NULL, &err), CF_EPARSE);
    ASSERT(text == NULL);
    ASSERT_STR_EQ(err.source, "big.xls");
    ASSERT_CONTAINS(err.text, "compound file is damaged");
    ASSERT_CONTAINS(err.text, "DIFAT chain");
    difat_make(f); /* the same, whole: handed on to FreeXL (no worksheet in it) */
    cfb_name(sector(f, 242) + 128, "Workbook", 2, DIFAT_S, 10000);
    cf_error_clear(&err);
    ASSERT_EQ(cf__xls_text((const char *)f, DIFAT_LEN, "big.xls", &text, NULL, &err), CF_EPARSE);
    if (strstr(err.text, "compound file is damaged"))
        CF__FAIL("a whole compound file refused: %s", err.text);
    difat_make(f);
    cfb_put32(sector(f, 240) + 508, 0xFFFFFFFEu); /* ending before the last FAT sectors */
    ASSERT_EQ(cfb_open_rc(f, DIFAT_LEN), CF_EPARSE);
    difat_make(f);
    cfb_put32(f + 0x44, DIFAT_SECTORS + 5); /* outside the file */
    ASSERT_EQ(cfb_open_rc(f, DIFAT_LEN), CF_EPARSE);
    difat_make(f);
    cfb_put32(sector(f, 241), DIFAT_SECTORS + 5); /* naming a FAT sector outside the file */
    ASSERT_EQ(cfb_open_rc(f, DIFAT_LEN), CF_EPARSE);
    free(f);
    return 0;
}

/* lists12: two PDFs of tests/fixtures/real/ (make-real12.py), their layouts checked
 * beyond the matters: 辰溪's 備注, a column whose only text is its label, is a column of
 * its own (not joined to the label beside it); 巫溪's page numbers (`- 1 -`, centred under
 * the 设定依据 column) are not text of the row going on over the page. */
TEST_IMPL(import_pdf_real_layouts)
{
    cf_import_result_t r = ti_import_file("tests/fixtures/real/chenxi-pdf.pdf");
    ASSERT(problem(&r.explain, "header row: 11 columns") != NULL);
    ASSERT(problem(&r.explain, "column 11 \"備注\"") != NULL);
    cf_import_result_free(&r);
    r = ti_import_file("tests/fixtures/real/wuxi-pdf.pdf");
    ASSERT_EQ(json_array_size(r.matters), 1);
    json_t *basis = json_object_get(json_array_get(r.matters, 0), "legal_basis");
    const char *text = json_string_value(json_object_get(basis, "text"));
    ASSERT(text != NULL);
    ASSERT_CONTAINS(text, "打击报复举报人的"); /* the part on the second page */
    ASSERT(strstr(text, "-1-") == NULL && strstr(text, "- 1 -") == NULL);
    cf_import_result_free(&r);
    return 0;
}
