/*
 * guard-int.h -- what guard.c (compile), guard-format.c (refs, format) and
 * guard-eval.c (evaluation) share: the syntax tree a compiled guard is made of. Not public: guard.h
 * keeps cf_guard_t opaque, so the tree can change without touching any caller.
 *
 * Invariants the parser establishes and every walk relies on:
 *  - `and`/`or` chains are one n-ary node (kids_count >= 2), never a deep binary tree;
 *    every other way to nest (parentheses, `not`, unary minus) is at most MAX_DEPTH
 *    (64, guard.c) levels, so recursion over the tree is bounded.
 *  - Kinds are checked at compile time: K_NOT and K_NEG have one kid, K_CMP two, and
 *    a K_CALL has exactly its function's arity, with kid 0 a K_FACT or K_ACTION leaf,
 *    kid 1 (distinct, contains) a K_STR and kid 2 (contains) a K_STR or K_ACTOR;
 *    elapsed's one kid is a K_CLOCK leaf, and optionally a 2nd, a K_DATE leaf (the
 *    day it is judged on); waited's kids are a K_DATE leaf, a K_NUM
 *    holding a whole number 0..WAITED_MAX and a K_STR "days" or "working_days", and
 *    optionally a 4th, a K_DATE leaf (the day counted to).
 *  - The tree is immutable after cf_guard_compile.
 */
#ifndef CF_GUARD_INT_H
#define CF_GUARD_INT_H

#include <stddef.h>

#include "guard.h"

/* clang-format off */
typedef enum kind_e {
    K_OR, K_AND, K_NOT, K_CMP, K_NEG, K_CALL,                     /* inner nodes */
    K_NUM, K_STR, K_BOOL, K_ACTOR, K_ROLE, K_FACT, K_ACTION,      /* leaves */
    K_CLOCK,                                                      /* leaf: elapsed()'s, running()'s ... */
    K_DATE                                                        /* leaf: waited()'s date fact */
} kind_t;
/* clang-format on */

/* The largest N of waited(fact, N, "unit"): CF_PERIOD_AMOUNT_MAX (period.h). */
#define WAITED_MAX 100000

/* Static type: what a node evaluates to when present. T_ANY is a fact's value. */
typedef enum type_e { T_ANY, T_BOOL, T_NUM, T_STR } type_t;

/* Comparison operators, in the order of their tokens in guard.c's lexer. */
typedef enum op_e { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } op_t;

/* The functions; guard.c's table fns[] is indexed by these. */
typedef enum fn_e {
    FN_HAS,
    FN_DONE,
    FN_COUNT,
    FN_DISTINCT,
    FN_CONTAINS,
    FN_LOWEST,
    FN_ELAPSED, /* added after the others, so their numbers stay */
    FN_RUNNING,
    FN_TOTAL,
    FN_OWED,
    FN_WAITED
} fn_t;

typedef struct node_s node_t;
struct node_s {
    kind_t kind;
    type_t type;
    int column; /* 1-based, in characters */
    int op;     /* op_t for K_CMP, fn_t for K_CALL */
    double num; /* K_NUM: the value */
    char *str;  /* leaves: K_STR the decoded bytes, K_NUM the canonical spelling, the
                   others the name or keyword as written. NUL-terminated */
    size_t len; /* bytes in str */
    node_t **kids;
    size_t kids_count;
    size_t kids_cap;
};

struct cf_guard_s {
    node_t *root;
    int needs_done;       /* the tree calls done() */
    int needs_lowest;     /* the tree calls lowest() */
    int needs_elapsed;    /* the tree calls elapsed() */
    int needs_running;    /* the tree calls running() */
    int needs_total;      /* the tree calls total() */
    int needs_owed;       /* the tree calls owed() */
    int needs_waited;     /* the tree calls waited() */
    int needs_elapsed_on; /* the tree calls elapsed(clock, date) */
};

/* The spelling of operator op (an op_t) and the name of function fn (a fn_t), from
 * guard.c's tables (guard-format.c prints with them). Static strings. */
const char *cf__guard_op_text(int op);
const char *cf__guard_fn_name(int fn);

#endif
