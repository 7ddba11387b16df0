/*
 * test-session-key.c -- the key that signs the workbench's session cookies is made
 * with the database (migration 17, store-session.c), not by the first daemon to
 * start; the daemon's start-up path stays for a database without one.
 *
 * session-key-1: a new database holds a key of 64 lower-case hex digits; two new
 *                databases hold different keys; cf_store_session_key (what a daemon
 *                calls at start) gives the stored key, never its candidate.
 * session-key-2: an older database (the step before 17) gets a key when opened, and
 *                keeps the one a daemon made before; a database whose setting was
 *                deleted takes the daemon's candidate at start.
 * session-key-3: `caseflow migrate` (cf_store_copy) into a new database, which has
 *                a key of its own, carries the source's key over it; a target with
 *                any other setting is still refused as not empty.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core-helpers.h"
#include "store.h"
#include "task.h"

#define HEX64 65

static void key_of(cf_store_t *s, char key[HEX64])
{
    cf_error_t err;
    key[0] = '\0';
    if (cf_store_setting_get(s, CF_SETTING_SESSION_KEY, key, HEX64, &err) != 0)
        CF__FAIL("no session key: %s", err.text);
}

static int lower_hex64(const char *key)
{
    return strlen(key) == 64 && strspn(key, "0123456789abcdef") == 64;
}

static void sql(const char *path, const char *text)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, text, NULL, NULL, &msg) != 0)
        CF__FAIL("%s: %s", text, msg ? msg : "open");
    sqlite3_close(db);
}

/* Opens path (SQLite) with the store, and closes it: migrates. */
static void reopen(const char *path, char key[HEX64])
{
    cf_store_t *s;
    cf_error_t err;
    if (cf_store_open(path, &s, &err) != 0)
        CF__FAIL("open %s: %s", path, err.text);
    key_of(s, key);
    cf_store_close(s);
}

/* session-key-1 */
TEST_IMPL(session_key_1_made_with_database)
{
    cf_store_t *a = cf_test_store("session-key-a"), *b = cf_test_store("session-key-b");
    char ka[HEX64], kb[HEX64], got[HEX64];
    key_of(a, ka);
    key_of(b, kb);
    ASSERT(lower_hex64(ka));
    ASSERT(lower_hex64(kb));
    ASSERT(strcmp(ka, kb) != 0);
    cf_error_t err;
    char candidate[HEX64];
    memset(candidate, '0', 64);
    candidate[64] = '\0';
    ASSERT_EQ(cf_store_session_key(a, candidate, got, &err), 0);
    ASSERT(strcmp(got, ka) == 0);
    key_of(a, got);
    ASSERT(strcmp(got, ka) == 0); /* the candidate was not stored */
    cf_store_close(a);
    cf_store_close(b);
    return 0;
}

/* session-key-2 */
TEST_IMPL(session_key_2_older_database)
{
    CF_TEST_SQLITE_ONLY("rewinds the schema with PRAGMA user_version");
    char path[512], key[HEX64], rewind[256];
    cf_store_close(cf_test_store("session-key-old"));
    snprintf(path, sizeof(path), "%s/session-key-old.db", cf_test_tmpdir());
    reopen(path, key);
    /* session-key-2.1: the step before 17 had no key: opening makes one (rewound to 16:
     * step 18, the agency in every case key, and every later step run again on today's
     * tables as they are) */
    snprintf(rewind, sizeof(rewind),
             "DELETE FROM settings WHERE key = '" CF_SETTING_SESSION_KEY "'; "
             "PRAGMA user_version = %d",
             16);
    sql(path, cf_test_undo_19_sqlite);
    sql(path, rewind);
    char made[HEX64];
    reopen(path, made);
    ASSERT(lower_hex64(made));
    ASSERT(strcmp(made, key) != 0);
    /* session-key-2.2: a key a daemon made before 17 is kept */
    char daemon[HEX64];
    memset(daemon, 'a', 64);
    daemon[64] = '\0';
    snprintf(rewind, sizeof(rewind),
             "UPDATE settings SET value = '%s' WHERE key = '" CF_SETTING_SESSION_KEY "'; "
             "PRAGMA user_version = %d",
             daemon, 16);
    sql(path, cf_test_undo_19_sqlite);
    sql(path, rewind);
    reopen(path, key);
    ASSERT(strcmp(key, daemon) == 0);
    /* session-key-2.3: the setting deleted (every session ends): a daemon's candidate */
    sql(path, "DELETE FROM settings WHERE key = '" CF_SETTING_SESSION_KEY "'");
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(path, &s, &err), 0);
    char candidate[HEX64], got[HEX64];
    memset(candidate, 'b', 64);
    candidate[64] = '\0';
    ASSERT_EQ(cf_store_session_key(s, candidate, got, &err), 0);
    ASSERT(strcmp(got, candidate) == 0);
    cf_store_close(s);
    return 0;
}

/* session-key-3 */
TEST_IMPL(session_key_3_copy)
{
    char src[512], dst[512], key[HEX64], theirs[HEX64], got[HEX64];
    cf_error_t err;
    cf_store_t *from, *to;
    snprintf(src, sizeof(src), "%s/session-key-src.db", cf_test_tmpdir());
    remove(src);
    ASSERT_EQ(cf_store_open(src, &from, &err), 0); /* always SQLite: what migrate reads */
    ASSERT_EQ(cf_store_setting_set(from, CF_SETTING_NUMBER_PATTERN, "{seq}", &err), 0);
    key_of(from, key);
    ASSERT_EQ(cf_store_open(cf_test_db("session-key-dst", dst, sizeof(dst)), &to, &err), 0);
    key_of(to, theirs);
    ASSERT(strcmp(key, theirs) != 0);
    cf_store_copy_t out;
    ASSERT_EQ(cf_store_copy(from, to, &out, &err), 0);
    key_of(to, got);
    ASSERT(strcmp(got, key) == 0); /* sessions signed before the move stay valid */
    ASSERT_EQ(cf_store_setting_get(to, CF_SETTING_NUMBER_PATTERN, got, sizeof(got), &err), 0);
    ASSERT(strcmp(got, "{seq}") == 0);
    cf_store_close(to);
    /* session-key-3.2: a new target holding a setting besides its key is not new */
    ASSERT_EQ(cf_store_open(cf_test_db("session-key-dst2", dst, sizeof(dst)), &to, &err), 0);
    ASSERT_EQ(cf_store_setting_set(to, "other", "x", &err), 0);
    memset(&out, 0x5a, sizeof(out));
    ASSERT_EQ(cf_store_copy(from, to, &out, &err), CF_EEXIST);
    ASSERT(strstr(err.text, "table settings has rows"));
    ASSERT_EQ(((unsigned char *)&out)[0], 0x5a); /* untouched */
    cf_store_close(to);
    cf_store_close(from);
    return 0;
}
