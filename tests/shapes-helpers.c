/*
 * shapes-helpers.c -- what the shapes-* tests share (shapes-helpers.h): the five
 * seeds read into rows of cells, the check that a rendering gives the same catalog,
 * and an import of inline text.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../importer/importer-int.h"
#include "shapes-helpers.h"
#include "task.h"

/* Exported, documented in shapes-helpers.h */
const char *const ts_seeds[TS_SEEDS] = {"tests/fixtures/seeds/000_b75d44ba1ac919f2.txt",
                                        "tests/fixtures/seeds/001_5077d0db05537362.txt",
                                        "tests/fixtures/seeds/002_bfc965a2dc764a55.txt",
                                        "tests/fixtures/seeds/003_75e85e84c1617e8e.txt",
                                        "tests/fixtures/seeds/004_e6509d409e33aba2.txt"};

/* Exported, documented in shapes-helpers.h */
const char *const ts_header[COLS] = {"序号",     "事项名称", "权力类型", "实施依据",
                                     "责任事项", "追责情形", "法定期限"};

static char *flat(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    int blank = 0;
    for (const char *p = s; *p; p++) {
        int b = *p == '\n' || *p == ' ' || *p == '\t' || *p == '|' || *p == '\r';
        if (b && !blank)
            *q++ = ' ';
        else if (!b)
            *q++ = *p;
        blank = b;
    }
    *q = '\0';
    return o;
}

static char *joined(const json_t *arr, int resp)
{
    cf__sb_t b = {0};
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        char n[32];
        snprintf(n, sizeof(n), "%s%d.", i ? " " : "", (int)i + 1);
        cf__sb_adds(&b, n);
        if (resp) {
            cf__sb_adds(&b, json_string_value(json_object_get(v, "step")));
            cf__sb_adds(&b, "责任：");
            cf__sb_adds(&b, json_string_value(json_object_get(v, "text")));
        } else {
            cf__sb_adds(&b, json_string_value(v));
        }
    }
    char *s = cf__sb_take(&b), *f = flat(s);
    free(s);
    return f;
}

static char *limits_text(const json_t *arr)
{
    cf__sb_t b = {0};
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (i)
            cf__sb_adds(&b, "；");
        cf__sb_adds(&b, json_string_value(json_object_get(v, "text")));
    }
    char *s = cf__sb_take(&b), *f = flat(*s ? s : "无");
    free(s);
    return f;
}

/* Exported, documented in shapes-helpers.h */
void ts_load(table_t *t, const char *seed)
{
    size_t len;
    char *buf = cf_test_slurp(seed, &len);
    cf_import_result_t r;
    cf_error_t err;
    ASSERT_EQ(cf_import_text(buf, len, seed, NULL, &r, &err), 0);
    free(buf);
    memset(t, 0, sizeof(*t));
    t->matters = json_incref(r.matters);
    cf_import_result_free(&r);
    size_t i;
    json_t *m;
    json_array_foreach(t->matters, i, m) {
        char n[32];
        snprintf(n, sizeof(n), "%d", (int)i + 1);
        const char *pt = json_string_value(json_object_get(m, "power_type"));
        t->cells[i][0] = strdup(n);
        t->cells[i][1] = flat(json_string_value(json_object_get(m, "name")));
        t->cells[i][2] = flat(pt ? pt : "");
        const char *basis =
            json_string_value(json_object_get(json_object_get(m, "legal_basis"), "text"));
        t->cells[i][3] = flat(basis && *basis ? basis : "无");
        t->cells[i][4] = joined(json_object_get(m, "responsibilities"), 1);
        t->cells[i][5] = joined(json_object_get(m, "accountability"), 0);
        t->cells[i][6] = limits_text(json_object_get(m, "time_limits"));
        t->rows++;
    }
}

/* Exported, documented in shapes-helpers.h */
void ts_unload(table_t *t)
{
    for (size_t i = 0; i < t->rows; i++)
        for (int c = 0; c < COLS; c++)
            free(t->cells[i][c]);
    json_decref(t->matters);
}

/* Exported, documented in shapes-helpers.h */
void ts_same_catalog(const table_t *t, const char *text, size_t len, const char *what, int limits)
{
    cf_import_result_t r;
    cf_error_t err;
    cf_error_clear(&err);
    if (cf_import_text(text, len, what, NULL, &r, &err) != 0)
        CF__FAIL("%s: %s (line %d)", what, err.text, err.line);
    if (json_array_size(r.matters) != t->rows)
        CF__FAIL("%s: %zu matters, expected %zu", what, json_array_size(r.matters), t->rows);
    for (size_t i = 0; i < t->rows; i++) {
        json_t *a = json_array_get(t->matters, i), *b = json_array_get(r.matters, i);
        char *na = strdup(t->cells[i][1]); /* the name as rendered */
        char *nb = flat(json_string_value(json_object_get(b, "name")));
        if (strcmp(na, nb) != 0)
            CF__FAIL("%s: matter %zu is named \"%s\", expected \"%s\"", what, i + 1, nb, na);
        free(na);
        free(nb);
        if (!json_equal(json_object_get(a, "power_types"), json_object_get(b, "power_types")))
            CF__FAIL("%s: matter %zu has other power types", what, i + 1);
        json_t *la = json_object_get(a, "time_limits"), *lb = json_object_get(b, "time_limits");
        for (size_t k = 0; limits && k < json_array_size(la); k++) {
            json_t *x = json_array_get(la, k);
            int found = 0;
            for (size_t j = 0; j < json_array_size(lb) && !found; j++) {
                json_t *y = json_array_get(lb, j);
                found = json_equal(json_object_get(x, "amount"), json_object_get(y, "amount")) &&
                        json_equal(json_object_get(x, "unit"), json_object_get(y, "unit"));
            }
            if (!found)
                CF__FAIL("%s: matter %zu lost the time limit \"%s\"", what, i + 1,
                         json_string_value(json_object_get(x, "text")));
        }
    }
    cf_import_result_free(&r);
}

/* Exported, documented in shapes-helpers.h */
cf_import_result_t ts_import_str(const char *text)
{
    cf_import_result_t r;
    cf_error_t err;
    cf_error_clear(&err);
    if (cf_import_text(text, strlen(text), "inline.txt", NULL, &r, &err) != 0)
        CF__FAIL("import: %s (line %d)", err.text, err.line);
    return r;
}
