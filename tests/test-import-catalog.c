/*
 * test-import-catalog.c -- import-4.*: the catalog (importer/catalog.c) the importer's
 * matters are written into.
 *
 * import-4.*: write -> load round trip, malformed catalogs, merging.
 */
#include <jansson.h>

#include "../importer/catalog.h"
#include "../importer/importer-int.h"
#include "import-helpers.h"
#include "task.h"

static json_t *all_seeds(void)
{
    static const char *const seeds[] = {"000_b75d44ba1ac919f2.txt", "001_5077d0db05537362.txt",
                                        "002_bfc965a2dc764a55.txt", "003_75e85e84c1617e8e.txt",
                                        "004_e6509d409e33aba2.txt"};
    json_t *all = json_array();
    for (size_t i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof(path), SEEDS "%s", seeds[i]);
        cf_import_result_t r = ti_import_file(path);
        ASSERT_EQ(cf_catalog_append(all, r.matters, NULL), 0);
        cf_import_result_free(&r);
    }
    return all;
}

/* import-4.1: the five seeds written as one catalog and read back are equal;
 * text YAML would misread (yes, "- x", "a: b", 12, quotes, newlines) survives. */
TEST_IMPL(import_catalog_roundtrip)
{
    json_t *all = all_seeds();
    ASSERT_EQ(json_array_size(all), 86);
    json_t *odd = json_deep_copy(json_array_get(all, 0));
    json_object_set_new(odd, "id", json_string("odd-1"));
    json_object_set_new(odd, "name", json_string("yes"));
    json_object_set_new(odd, "sub_item", json_string("- x: \"y\" # z\n  second line  "));
    json_object_set_new(odd, "code", json_string("012"));
    json_object_set_new(odd, "unit", json_string("a: b"));
    json_object_set_new(odd, "agency", json_string(""));
    json_array_append_new(all, odd);
    char *yaml;
    size_t len;
    cf_error_t err;
    ASSERT_EQ(cf_catalog_dump(all, NULL, &yaml, &len, &err), 0);
    json_t *back = NULL;
    ASSERT_EQ(cf_catalog_load(yaml, len, "all.yaml", &back, &err), 0);
    ASSERT(json_equal(all, back));
    json_decref(back);
    free(yaml);
    json_decref(all);
    return 0;
}

/* Loads text that must fail with code at line, its message containing what. */
static int count_matter(void *ctx, json_t *m)
{
    ASSERT(json_is_object(m));
    return ++*(int *)ctx == 1000 ? 77 : 0; /* a callback may stop the load */
}

/* The same refusal whole (cf_catalog_load) and one matter at a time
 * (cf_catalog_each, located by its second reading). */
static void expect_bad_catalog(const char *text, int code, int line, const char *what)
{
    json_t *out = (json_t *)0x1;
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf_catalog_load(text, strlen(text), "c.yaml", &out, &err), code);
    ASSERT(out == (json_t *)0x1);
    ASSERT_EQ(err.line, line);
    ASSERT_CONTAINS(err.text, what);
    int n = 0;
    cf_error_clear(&err);
    ASSERT_EQ(cf_catalog_each(text, strlen(text), "c.yaml", count_matter, &n, &err), code);
    ASSERT_EQ(err.line, line);
    ASSERT_CONTAINS(err.text, what);
}

#define MATTER_HEAD                                                                                \
    "catalog: 1\nmatters:\n- id: a-001\n  name: x\n  power_type: 行政处罚\n"                   \
    "  power_types: [行政处罚]\n  workflows: [penalty-general]\n"                              \
    "  source: {file: f.txt, line: 3}\n"

/* import-4.2: malformed catalogs are refused with the line. */
TEST_IMPL(import_catalog_errors)
{
    json_t *ok = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_catalog_load(MATTER_HEAD, strlen(MATTER_HEAD), "c.yaml", &ok, &err), 0);
    ASSERT_EQ(json_array_size(ok), 1);
    json_decref(ok);
    expect_bad_catalog("catalog: 1\nmatters: [\n  {id: a\n", CF_EPARSE, 4, "");
    expect_bad_catalog("- 1\n", CF_EINVALID, 1, "not a catalog");
    expect_bad_catalog(MATTER_HEAD "  colour: red\n", CF_EINVALID, 9, "unknown key 'colour'");
    expect_bad_catalog(MATTER_HEAD "  number: many\n", CF_EINVALID, 9, "must be an integer");
    expect_bad_catalog(MATTER_HEAD "- id: a-001\n  name: y\n  power_type: 行政检查\n"
                                   "  power_types: [行政检查]\n  workflows: [inspection]\n"
                                   "  source: {file: f.txt, line: 4}\n",
                       CF_EINVALID, 9, "duplicate id 'a-001'");
    expect_bad_catalog("catalog: 1\nmatters:\n- id: a\n  name: x\n  power_type: t\n"
                       "  power_types: [行政许可]\n  workflows: []\n  source: {file: f, line: 1}\n",
                       CF_EINVALID, 6, "行政许可");
    expect_bad_catalog(MATTER_HEAD "  time_limits:\n  - {text: t, amount: 0, unit: days}\n",
                       CF_EINVALID, 10, "amount must be > 0");
    expect_bad_catalog("catalog: 1\nmatters:\n- id: 甲\n  name: x\n  power_type: t\n"
                       "  power_types: []\n  workflows: []\n  source: {file: f, line: 1}\n",
                       CF_EINVALID, 3, "must be ASCII");
    expect_bad_catalog("catalog: 1\nx: &a [1]\nmatters: *a\n", CF_EINVALID, 2, "aliases");
    expect_bad_catalog("catalog: 2\nmatters: []\n", CF_EINVALID, 1, "version");
    expect_bad_catalog("catalog: 1\nmatters:\n- 3\n", CF_EINVALID, 3, "must be a mapping");
    /* streamed: every matter to the callback, which may stop the load */
    int n = 0;
    ASSERT_EQ(cf_catalog_each(MATTER_HEAD, strlen(MATTER_HEAD), "c.yaml", count_matter, &n, &err),
              0);
    ASSERT_EQ(n, 1);
    cf__sb_t big = {0};
    cf__sb_adds(&big, "catalog: 1\nmatters:\n");
    for (int i = 0; i < 1500; i++) {
        char m[256];
        snprintf(m, sizeof(m),
                 "- id: a-%d\n  name: x\n  power_type: 行政处罚\n  power_types: [行政处罚]\n"
                 "  workflows: [penalty-general]\n  source: {file: f.txt, line: %d}\n",
                 i, i + 1);
        cf__sb_adds(&big, m);
    }
    n = 0;
    ASSERT_EQ(cf_catalog_each(big.s, big.len, "c.yaml", count_matter, &n, &err), 77);
    ASSERT_EQ(n, 1000);
    cf__sb_free(&big);
    return 0;
}

/* import-4.3: merging the same document twice renames the second ids. */
TEST_IMPL(import_catalog_append)
{
    cf_import_result_t a = ti_import_file("tests/fixtures/import/synonyms.txt");
    cf_import_result_t b = ti_import_file("tests/fixtures/import/synonyms.txt");
    json_t *all = json_array();
    cf_errlist_t notes = {0};
    ASSERT_EQ(cf_catalog_append(all, a.matters, &notes), 0);
    ASSERT_EQ(notes.items_count, 0);
    ASSERT_EQ(cf_catalog_append(all, b.matters, &notes), 0);
    ASSERT_EQ(json_array_size(all), 8);
    ASSERT_EQ(notes.items_count, 4);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(all, 4), "id")),
                  "330217001000-2");
    ASSERT_CONTAINS(notes.items[0].text, "330217001000-2");
    cf_errlist_free(&notes);
    json_decref(all);
    cf_import_result_free(&a);
    cf_import_result_free(&b);
    return 0;
}
