/*
 * test-list.h -- every test, declared and listed once. Groups by module; add a
 * test by adding one TEST_DECLARE and one TEST_ENTRY line in its group.
 */
#define TEST_GROUPS(X)                                                                             \
    /* error-*: error codes and located errors */                                                  \
    X(error_names)                                                                                 \
    /* time-*, calendar-*, period-*: legal periods (tests/test-period.c) */                        \
    /* PERIOD-TESTS */                                                                             \
    /* guard-*: the guard expression language (tests/test-guard.c) */                              \
    /* GUARD-TESTS */                                                                              \
    /* import-*: the 权责清单 importer (tests/test-import.c) */                                    \
    /* IMPORT-TESTS */                                                                             \
    /* workflow-*, engine-*, chain-*, store-*: core (tests/test-workflow.c ...) */                 \
    /* CORE-TESTS */
