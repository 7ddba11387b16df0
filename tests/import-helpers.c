/*
 * import-helpers.c -- what the import-* tests share (import-helpers.h): a fixture file
 * imported.
 */
#include <stdlib.h>

#include "import-helpers.h"
#include "task.h"

/* Exported, documented in import-helpers.h */
cf_import_result_t ti_import_file(const char *relpath)
{
    size_t len;
    char *buf = cf_test_slurp(relpath, &len);
    cf_import_result_t r;
    cf_error_t err;
    cf_error_clear(&err);
    int rc = cf_import_text(buf, len, relpath, NULL, &r, &err);
    if (rc != 0)
        CF__FAIL("import %s: %s (line %d)", relpath, err.text, err.line);
    free(buf);
    return r;
}
