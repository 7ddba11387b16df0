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
    X(guard_literals)                                                                              \
    X(guard_whitespace)                                                                            \
    X(guard_precedence)                                                                            \
    X(guard_compare_numbers)                                                                       \
    X(guard_compare_strings)                                                                       \
    X(guard_compare_bools)                                                                         \
    X(guard_absent_facts)                                                                          \
    X(guard_type_mismatch)                                                                         \
    X(guard_logic)                                                                                 \
    X(guard_actor_role)                                                                            \
    X(guard_fn_has_done)                                                                           \
    X(guard_fn_count_distinct)                                                                     \
    X(guard_fn_contains)                                                                           \
    X(guard_fn_lowest)                                                                             \
    X(guard_unary_minus)                                                                           \
    X(guard_err_syntax)                                                                            \
    X(guard_err_lexical)                                                                           \
    X(guard_err_calls)                                                                             \
    X(guard_err_types)                                                                             \
    X(guard_err_depth)                                                                             \
    X(guard_long_chain)                                                                            \
    X(guard_err_args)                                                                              \
    X(guard_refs)                                                                                  \
    X(guard_eval_env)                                                                              \
    X(guard_eval_callback_errors)                                                                  \
    X(guard_format_canonical)                                                                      \
    X(guard_format_roundtrip)                                                                      \
    X(guard_format_truncate)                                                                       \
    /* GUARD-TESTS */                                                                              \
    /* import-*: the 权责清单 importer (tests/test-import.c) */                                    \
    /* IMPORT-TESTS */                                                                             \
    /* workflow-*, engine-*, chain-*, store-*: core (tests/test-workflow.c ...) */                 \
    /* CORE-TESTS */
