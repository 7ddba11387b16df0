/*
 * guard.h -- the guard expression language (docs/workflow-language.md, "Guards").
 *
 * A guard is a small boolean expression over a case's facts, used by transitions to
 * branch (`hearing_requested == true`) and by rules to check legality
 * (`distinct(officers, "cert") >= 2`). This module compiles the text once into a tree
 * (cf_guard_compile), lists the facts and actions it names so a validator can check
 * them against the workflow (cf_guard_refs), evaluates it against a case's facts
 * (cf_guard_eval) and prints it back in canonical form (cf_guard_format). Pure: no
 * I/O, no clock reads; the case history is reached only through the callbacks in
 * cf_guard_env_t.
 *
 * The language, loosest binding first:
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | cmp
 *   cmp     := unary (('=='|'!='|'<'|'<='|'>'|'>=') unary)?     -- never chained
 *   unary   := '-' unary | primary
 *   primary := NUMBER | STRING | 'true' | 'false' | 'actor' | 'role' | '(' expr ')'
 *            | FACT | FUNC '(' args ')'
 * NUMBER is digits with an optional '.' and digits (at most 15 significant digits and
 * 15 after the point; a minus sign is the unary operator);
 * STRING is double-quoted UTF-8 with the escapes \" and \\ only; FACT is
 * [a-z_][a-z0-9_]* other than the keywords and, or, not, true, false, actor, role
 * (so a fact cannot be named after a keyword). Whitespace (space, tab, CR, LF) may
 * appear between any two tokens. The functions:
 *   has(fact)                     bool: the fact is present (JSON null counts as absent)
 *   done(action)                  bool: env->done says the action was taken
 *   done(action, since)           bool: env->done says the action was taken after the
 *                                 last `since` (as done(action) when `since` never was)
 *   count(fact)                   number: items of an array fact; 0 if absent
 *   distinct(fact, "field")       number: distinct non-null values of `field` over the
 *                                 array's object items (json_equal); 0 if absent
 *   contains(fact, "field", actor | "name")
 *                                 bool: some object item's `field` is a string equal
 *                                 to the actor's name (or to the literal)
 *   lowest(fact)                  number: env->lowest; absent when it has none
 *   elapsed(clock)                bool: env->elapsed says the period of the named clock
 *                                 has run out by the time of the action (the clock was
 *                                 started and its deadline, as extended, has passed);
 *                                 the engine counts it, so the guard needs no calendar
 *   elapsed(clock, date)          bool: as elapsed(clock), judged on the day the date
 *                                 fact holds (env->elapsed_on: the deadline had passed
 *                                 by that day's end); as elapsed(clock) when the case
 *                                 does not hold the fact
 *   running(clock)                bool: env->running says the clock runs and has not
 *                                 run out (a party's window still open)
 *   total(fact)                   number: env->total, the sum of the fact's values
 *   owed(fact, clock)             number: env->owed, the amount plus its surcharge
 *   waited(fact, N, "unit")       bool: env->waited says a waiting period of N "days" or
 *                                 "working_days" counted from the date the fact holds
 *                                 ("YYYY-MM-DD"; that day not counted) had run in full
 *                                 before the day of the action; false when the fact is
 *                                 absent or not a string. N is a whole number literal
 *                                 0..100000, the unit a string literal, one of the two
 *                                 (a "no sooner than N days after" rule: 稽核 notice)
 *   waited(fact, N, "unit", until) the same, before the day the date fact `until` holds
 *                                 instead of the action's (a hearing set at least 7
 *                                 working days after its notice); false when either
 *                                 fact is absent
 *
 * Values and truth. Every expression evaluates to a number, a string, a bool, or
 * "absent". A comparison holds only when both sides are present and of the same type:
 * numbers compare numerically, strings bytewise (so `<` is lexicographic order of the
 * UTF-8 bytes), bools only with == and !=. Otherwise the comparison is FALSE -- for
 * every operator including != -- so with x absent both `x < 3` and `x >= 3` are false
 * and `not (x < 3)` is TRUE; write `has(x) and not (x < 3)` when absence must fail.
 * A fact holding an array or object, count/distinct of a fact that is not an array,
 * and `actor`/`role` when the env gives none are all "absent" in this sense. A value
 * used as a condition (operand of and/or/not, or the whole guard) holds iff it is the
 * bool true; a bare fact therefore holds iff it is the JSON true.
 *
 * Static checks at compile time: a number or string (a literal, count/distinct/lowest,
 * unary minus, actor, role) used as a condition, a comparison of two sides whose types
 * are both known and differ (`count(x) == "2"`), an ordering of bools
 * (`has(x) < true`), and unary minus on a non-number are compile errors.
 */
#ifndef CF_GUARD_H
#define CF_GUARD_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* ------------------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------------------ */

/* A compiled expression (its syntax tree). Immutable after compile, so one compiled
 * guard may be evaluated from several threads at once. */
typedef struct cf_guard_s cf_guard_t;

/* What a name reported by cf_guard_refs is: a fact (a bare name or a function's fact
 * argument), an action (the argument of done), a clock (the argument of elapsed,
 * running and owed) or a fact that must hold a date (the first argument of waited). */
typedef enum cf_guard_ref_kind_e {
    CF_GUARD_REF_FACT,
    CF_GUARD_REF_ACTION,
    CF_GUARD_REF_CLOCK,
    CF_GUARD_REF_DATE
} cf_guard_ref_kind_t;

/* Called once per reference. `name` is borrowed, valid only during the call; `column`
 * is 1-based, counted as in cf_guard_compile. */
typedef void (*cf_guard_ref_cb)(void *ctx, cf_guard_ref_kind_t kind, const char *name, int column);

/* What an evaluation reads. Every member may be NULL/absent unless the expression
 * needs it (see cf_guard_eval). All pointers are borrowed for the call. */
typedef struct cf_guard_env_s {
    const json_t *facts; /* object: fact id -> value (number, string, true/false, or array
                            of objects for list facts); NULL = no facts; JSON null =
                            absent */
    const char *actor;   /* the acting person's name (for `actor`); NULL = absent */
    const char *role;    /* the acting role (for `role`); NULL = absent */
    /* 1 if the action was taken on the case (before or now), 0 if not, or a negative
     * CF_E* code, which cf_guard_eval returns unchanged. since (NULL: none): only a
     * taking after the last taking of that action counts (all count when it never was). */
    int (*done)(void *ctx, const char *action, const char *since);
    /* 0 and *out = the lowest numeric value the fact ever had; CF_ENOTFOUND if it never
     * had one (lowest(...) is then absent); any other negative CF_E* code is returned
     * unchanged by cf_guard_eval. */
    int (*lowest)(void *ctx, const char *fact, double *out);
    /* 1 if the clock is running (or paused) and its deadline has not passed at the
     * instant the guard is evaluated for, 0 if not (never started, stopped, or run out),
     * or a negative CF_E* code, which cf_guard_eval returns unchanged. */
    int (*running)(void *ctx, const char *clock);
    /* 0 and *out = the sum of every value the fact was given on the case (a ledger:
     * each payment recorded as a new value), in yuan for amounts; CF_ENOTFOUND if it
     * never had one (total(...) is then absent); other errors are returned unchanged. */
    int (*total)(void *ctx, const char *fact, double *out);
    /* 0 and *out = the amount fact's current value plus the late-payment surcharge
     * (行政处罚法 第七十二条) accrued on it since clock's deadline, in yuan;
     * CF_ENOTFOUND if the fact is absent; other errors are returned unchanged. */
    int (*owed)(void *ctx, const char *fact, const char *clock, double *out);
    void *ctx; /* passed to every callback */
    /* 1 if the period of the clock named has run out by the time of the action, 0 if
     * not (never started, not yet run out, or paused), or a negative CF_E* code, which
     * cf_guard_eval returns unchanged. */
    int (*elapsed)(void *ctx, const char *clock);
    /* 1 if a period of `amount` units ("days" or "working_days") counted from `date`
     * (the text of a date fact, "YYYY-MM-DD"; that day not counted) ended before the
     * day of the action -- or, when `until` is not NULL, before the day that date text
     * names (waited's 4th argument) -- 0 if not (or a text is not a date), or a negative
     * CF_E* code, which cf_guard_eval returns unchanged. */
    int (*waited)(void *ctx, const char *date, long amount, const char *unit, const char *until);
    /* elapsed(clock, date) when the case holds the date fact: 1 if the clock was started
     * and its deadline had passed by the end of the day `date` names ("YYYY-MM-DD": the
     * postmark of a party's act posted within its period, 民事诉讼法 第八十五条第四款), 0 if
     * not (or the text is not a date), or a negative CF_E* code. Without the fact,
     * env->elapsed is asked instead. */
    int (*elapsed_on)(void *ctx, const char *clock, const char *date);
} cf_guard_env_t;

/* ------------------------------------------------------------------------------------
 * Prototypes
 * ------------------------------------------------------------------------------------ */

/* Compiles `text` (NUL-terminated UTF-8).
 * Returns:
 *   0           *out = a new guard, owned by the caller (free with cf_guard_free);
 *   CF_EPARSE   the text is not a valid guard: err->column = the 1-based column where it
 *               went wrong and err->text a message that names the problem and repeats
 *               the column ("expected ')' at column 14 (found end of input)",
 *               "unknown function 'foo' at column 1"); err->line is 0 and err->source
 *               empty, because the caller knows where the guard itself sits. Columns
 *               count characters (UTF-8 code points), not bytes, from the start of the
 *               text; a newline counts as one column. The empty (or all-blank) text,
 *               trailing input, and nesting of parentheses/not/unary minus deeper than
 *               64 are errors too;
 *   CF_ENOMEM   out of memory (err->column 0);
 *   CF_EINVAL   text or out is NULL (err untouched).
 * On every failure *out is untouched and nothing is leaked. err may be NULL. */
int cf_guard_compile(const char *text, cf_guard_t **out, cf_error_t *err);

/* Frees a guard from cf_guard_compile. NULL is a no-op. */
void cf_guard_free(cf_guard_t *g);

/* Calls cb(ctx, kind, name, column) for every fact name and every action name (inside
 * done(...)) the expression references, in source order, once per occurrence (a name
 * used twice is reported twice, with each column). */
void cf_guard_refs(const cf_guard_t *g, cf_guard_ref_cb cb, void *ctx);

/* Evaluates g against env.
 * Returns:
 *   0          *result = 1 if the guard holds, 0 if not;
 *   CF_EINVAL  g, env or result is NULL, env->facts is neither NULL nor an object, or
 *              the expression uses done(...) and env->done is NULL, or lowest(...) and
 *              env->lowest is NULL, or elapsed/running/total/owed/waited(...) and its
 *              callback is NULL (checked before evaluating, so it does not depend on
 *              short-circuiting);
 *   other      a negative code returned by a callback (other than CF_ENOTFOUND from
 *              lowest, total and owed), passed through.
 * On failure *result is untouched. Evaluation short-circuits and/or from the left, so
 * a callback may not be called for every reference. */
int cf_guard_eval(const cf_guard_t *g, const cf_guard_env_t *env, int *result);

/* Writes the canonical text of g into out (at most size bytes including the NUL; out
 * may be NULL when size is 0) and returns the length the full text has, like snprintf:
 * the output is complete iff the return value < size. The canonical text has single
 * spaces around binary operators and after commas and `not`, parentheses where the tree
 * needs them and around a comparison under `not` ("not (x < 3)"), numbers without
 * redundant zeros, and strings re-escaped; compiling it gives a guard that evaluates
 * the same and formats to the same text. */
int cf_guard_format(const cf_guard_t *g, char *out, size_t size);

/* 1 for a code point that shows nothing between the characters of a name or a number as
 * typed: spaces (ASCII, no-break, the ideographic U+3000 and the typographic ones), and
 * invisible format characters (soft hyphen, zero-width, bidirectional controls, word
 * joiner, BOM). The guard's comparisons leave them out (distinct(), contains()), and a
 * text of nothing else is blank (cf_text_blank, engine.h). */
int cf_guard_invisible(unsigned cp);

#endif
