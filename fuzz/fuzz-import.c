/*
 * fuzz-import.c -- the 权责清单 importer (cf_import_text).
 *
 * Input: the bytes of one list, as `caseflow import FILE` reads them (any
 * encoding, any format). The first byte, when the input is long enough, also
 * picks the options: bit 0 an explicit id prefix, bit 1 an explicit agency (the
 * byte stays part of the text: the importer must cope with whatever leads).
 *
 * Properties checked, for a list that imports:
 *   - the result has at least one matter, a format and an encoding (importer.h);
 *   - every matter is an object with a string id and name;
 *   - its catalog (cf_catalog_dump) loads back (cf_catalog_load) equal to the
 *     matters: what `caseflow import` writes, `caseflow catalog load` must read
 *     (tests/test-import.c import_catalog_roundtrip checks the same on the seeds).
 * On failure the result must be left untouched (still zero).
 */
#include "fuzz.h"

#include <jansson.h>
#include <string.h>

#include "catalog.h"
#include "importer.h"

static void roundtrip(const json_t *matters)
{
    char *yaml = NULL;
    size_t len = 0;
    cf_error_t err;
    int rc = cf_catalog_dump(matters, NULL, &yaml, &len, &err);
    if (rc == CF_ENOMEM)
        return;
    CF_FUZZ_CHECK(rc == 0);
    json_t *back = NULL;
    rc = cf_catalog_load(yaml, len, "fuzz-catalog.yaml", &back, &err);
    if (rc != 0)
        fprintf(stderr, "catalog of the import does not load: line %d: %s\n", err.line, err.text);
    CF_FUZZ_CHECK(rc == 0);
    CF_FUZZ_CHECK(json_equal(matters, back));
    json_decref(back);
    free(yaml);
}

/* Exported, documented in fuzz.h */
int cf_fuzz_import(const uint8_t *data, size_t size)
{
    cf_import_opts_t opts = {0};
    if (size > 8 && (data[0] & 1))
        opts.prefix = "fz";
    if (size > 8 && (data[0] & 2))
        opts.agency = "某县医疗保障局";
    cf_import_result_t r, zero;
    memset(&r, 0, sizeof(r));
    memset(&zero, 0, sizeof(zero));
    cf_error_t err;
    int rc = cf_import_text((const char *)data, size, "fuzz/list.txt", &opts, &r, &err);
    if (rc != 0) {
        CF_FUZZ_CHECK(memcmp(&r, &zero, sizeof(r)) == 0);
        return 0;
    }
    CF_FUZZ_CHECK(json_array_size(r.matters) > 0);
    CF_FUZZ_CHECK(r.format != NULL && r.encoding != NULL);
    size_t i;
    json_t *m;
    json_array_foreach(r.matters, i, m) {
        CF_FUZZ_CHECK(json_is_object(m));
        CF_FUZZ_CHECK(json_is_string(json_object_get(m, "id")));
        CF_FUZZ_CHECK(json_is_string(json_object_get(m, "name")));
    }
    roundtrip(r.matters);
    cf_import_result_free(&r);
    return 0;
}

CF_FUZZ_ENTRY(cf_fuzz_import)
