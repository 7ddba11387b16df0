/*
 * test-error.c -- error-*: codes, names and located errors.
 */
#include <jansson.h>
#include <string.h>

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

/* error-2.1 (issue 18 item 9): a message cut by its fixed-size buffer through a UTF-8
 * character is clipped back to the last whole character, so it stays valid UTF-8 and
 * renders in JSON; a whole text is left alone. */
TEST_IMPL(error_utf8_clip)
{
    char s[16];
    strcpy(s, "ab\xe6\x9c\x9f"); /* "ab期" whole */
    cf_utf8_clip(s);
    ASSERT_STR_EQ(s, "ab\xe6\x9c\x9f");
    strcpy(s, "ab\xe6\x9c"); /* cut after two of 期's three bytes */
    cf_utf8_clip(s);
    ASSERT_STR_EQ(s, "ab");
    strcpy(s, "ab\xe6");
    cf_utf8_clip(s);
    ASSERT_STR_EQ(s, "ab");
    cf_error_t err;
    char long_text[CF_ERROR_TEXT_MAX * 2];
    size_t n = 0;
    while (n + 3 < sizeof(long_text) - 1) {
        memcpy(long_text + n, "\xe6\x9c\x9f", 3);
        n += 3;
    }
    long_text[n] = '\0';
    cf_error_set(&err, CF_EINVALID, NULL, 0, 0, "x%s", long_text); /* 1 + 3k bytes: cut */
    json_t *j = json_string(err.text);
    ASSERT(j != NULL); /* valid UTF-8 */
    ASSERT(strlen(err.text) > CF_ERROR_TEXT_MAX - 4);
    json_decref(j);
    return 0;
}
