/*
 * fuzz-catalog.c -- the catalog loader (cf_catalog_load).
 *
 * Input: the bytes of a catalog file, as `caseflow catalog load FILE` reads it.
 *
 * Properties checked: on failure *matters is untouched and err has a message;
 * a catalog that loads dumps (cf_catalog_dump) and loads back equal, so a
 * catalog rewritten by the tools means what it meant.
 */
#include "fuzz.h"

#include <jansson.h>
#include <string.h>

#include "catalog.h"

/* Exported, documented in fuzz.h */
int cf_fuzz_catalog(const uint8_t *data, size_t size)
{
    json_t *const untouched = (json_t *)&size; /* never dereferenced */
    json_t *matters = untouched;
    cf_error_t err;
    cf_error_clear(&err);
    int rc = cf_catalog_load((const char *)data, size, "fuzz.yaml", &matters, &err);
    if (rc != 0) {
        CF_FUZZ_CHECK(matters == untouched);
        CF_FUZZ_CHECK(err.text[0] != '\0');
        return 0;
    }
    CF_FUZZ_CHECK(json_is_array(matters));
    char *yaml = NULL;
    size_t len = 0;
    rc = cf_catalog_dump(matters, NULL, &yaml, &len, &err);
    CF_FUZZ_CHECK(rc == 0 || rc == CF_ENOMEM);
    if (rc == 0) {
        json_t *back = NULL;
        rc = cf_catalog_load(yaml, len, "fuzz-dump.yaml", &back, &err);
        if (rc != 0)
            fprintf(stderr, "dumped catalog does not load: line %d: %s\n", err.line, err.text);
        CF_FUZZ_CHECK(rc == 0);
        CF_FUZZ_CHECK(json_equal(matters, back));
        json_decref(back);
        free(yaml);
    }
    json_decref(matters);
    return 0;
}

CF_FUZZ_ENTRY(cf_fuzz_catalog)
