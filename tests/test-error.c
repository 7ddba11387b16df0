/*
 * test-error.c -- error-*: codes, names and located errors.
 */
#include "../engine/error.h"
#include "task.h"

/* error-1.1: every code has a distinct name and message; cf_error_set fills the
 * location and returns the code. */
TEST_IMPL(error_names)
{
    ASSERT_STR_EQ(cf_errname(CF_ECONFLICT), "ECONFLICT");
    ASSERT_STR_EQ(cf_strerror(CF_ERANGE), "date outside the loaded calendar");
    ASSERT_STR_EQ(cf_errname(-999), "EUNKNOWN");
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf_error_set(&err, CF_EPARSE, "a.yaml", 3, 7, "bad %s", "thing"), CF_EPARSE);
    ASSERT_EQ(err.line, 3);
    ASSERT_EQ(err.column, 7);
    ASSERT_STR_EQ(err.source, "a.yaml");
    ASSERT_STR_EQ(err.text, "bad thing");
    ASSERT_EQ(cf_error_set(NULL, CF_EIO, NULL, 0, 0, "x"), CF_EIO);
    cf_errlist_t list = {0};
    for (int i = 0; i < 20; i++)
        ASSERT_EQ(cf_errlist_add(&list, "w.yaml", i + 1, 1, "problem %d", i), 0);
    ASSERT_EQ(list.items_count, 20);
    ASSERT_STR_EQ(list.items[19].text, "problem 19");
    cf_errlist_free(&list);
    ASSERT_EQ(list.items_count, 0);
    return 0;
}
