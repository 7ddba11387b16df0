/*
 * guard-eval.c -- evaluating a compiled guard against a case's facts (cf_guard_eval).
 * The tree comes from guard.c through guard-int.h; the rules for values, absence and
 * truth are in guard.h.
 *
 * Design. eval() walks the tree directly and yields a value_t: a small tagged value
 * (absent, bool, number, string) passed by value, whose strings are borrowed from the
 * tree, the env or the facts. Evaluation therefore allocates nothing and cannot fail
 * except through the env's callbacks (done, lowest, elapsed, waited ...), whose errors
 * pass straight up; and since
 * the tree is never written, one guard may be evaluated from several threads at once.
 * `and`/`or` are n-ary nodes that stop at the first decisive operand, and every other
 * nesting is bounded by the parser (MAX_DEPTH in guard.c), so the recursion is bounded
 * whatever the text. A comparison reduces both sides to one three-way outcome and a
 * per-operator bit table decides, so all six operators share one code path; an absent
 * side or a type mismatch (possible because facts are untyped until run time) makes
 * every comparison false, including !=.
 *
 * Alternatives rejected: compiling the tree to bytecode for a stack machine (guards
 * are a few nodes and run once per action, so the speed is not needed and it would be
 * a second representation to keep in step with the format); evaluating to json_t
 * values (an allocation per node and an ENOMEM path in every operator).
 *
 * Costs: distinct() compares each item with every earlier one, O(n^2) json_equal
 * calls. List facts hold a handful of officers or parties; a hash set is not worth it.
 * Fact lookups are not cached, so a fact named twice is looked up twice (a jansson
 * hash lookup each time).
 */
#include "guard-int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef enum vt_e { V_ABSENT, V_BOOL, V_NUM, V_STR } vt_t;

typedef struct value_s {
    vt_t t;
    int b;         /* V_BOOL */
    double n;      /* V_NUM */
    const char *s; /* V_STR, borrowed from the tree, the env or the facts */
    size_t len;
} value_t;

static const value_t absent = {V_ABSENT, 0, 0.0, NULL, 0};

static value_t v_bool(int b)
{
    return (value_t){.t = V_BOOL, .b = b != 0};
}

static value_t v_num(double n)
{
    return isnan(n) ? absent : (value_t){.t = V_NUM, .n = n};
}

static value_t v_str(const char *s)
{
    return s ? (value_t){.t = V_STR, .s = s, .len = strlen(s)} : absent;
}

static int is_true(value_t v)
{
    return v.t == V_BOOL && v.b;
}

/* The fact's JSON value; NULL when absent (JSON null counts as absent). Borrowed. */
static const json_t *fact(const cf_guard_env_t *env, const char *name)
{
    const json_t *j = env->facts ? json_object_get(env->facts, name) : NULL;
    return json_is_null(j) ? NULL : j;
}

/* A scalar JSON value as a guard value; arrays and objects are absent. */
static value_t from_json(const json_t *j)
{
    if (json_is_number(j))
        return v_num(json_number_value(j));
    if (json_is_string(j))
        return (value_t){.t = V_STR, .s = json_string_value(j), .len = json_string_length(j)};
    return json_is_boolean(j) ? v_bool(json_is_true(j)) : absent;
}

/* Item i's `field`, if the item is an object with a non-null field. Borrowed. */
static const json_t *item_field(const json_t *arr, size_t i, const char *field)
{
    const json_t *item = json_array_get(arr, i);
    const json_t *v = json_is_object(item) ? json_object_get(item, field) : NULL;
    return json_is_null(v) ? NULL : v;
}

/* Exported, documented in guard.h */
int cf_guard_invisible(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xa0 || cp == 0xad || cp == 0x61c || cp == 0x180e ||
           (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
           (cp >= 0x205f && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x3000 ||
           cp == 0xfeff;
}

/* The string s[0..len) (valid UTF-8, as jansson keeps it) folded into out (cap bytes) the
 * way two people would read it aloud: invisible code points dropped, full-width ASCII
 * (U+FF01..U+FF5E, "６５０１") as ASCII, ASCII letters in lower case. Returns the folded
 * length, or SIZE_MAX when it does not fit. So "65010020001", "６５０１００２０００１",
 * " 65010020001" and "65010020001<U+200B>" are one 执法证 number, "张三" and "张 三" one
 * name: without it, one officer listed twice with a number so varied made penalty-general's
 * two-officers rule hold (attack-12.9). */
static size_t fold(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t w = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        unsigned cp = c;
        if (w == 2 && i + 1 < len)
            cp = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
        else if (w == 3 && i + 2 < len)
            cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
        const char *from = s + i;
        i += w;
        if (cf_guard_invisible(cp))
            continue;
        char ascii = cp >= 0xff01 && cp <= 0xff5e ? (char)(cp - 0xfee0) : cp < 0x80 ? (char)cp : 0;
        size_t take = ascii ? 1 : w;
        if (n + take > cap || i > len)
            return SIZE_MAX;
        if (ascii)
            out[n] = ascii >= 'A' && ascii <= 'Z' ? (char)(ascii - 'A' + 'a') : ascii;
        else
            memcpy(out + n, from, w);
        n += take;
    }
    return n;
}

#define FOLD_MAX 256

/* 1 when texts a[0..la) and b[0..lb) fold to the same (fold()); a text too long to fold
 * is compared as it is. */
static int same_text(const char *a, size_t la, const char *b, size_t lb)
{
    char fa[FOLD_MAX], fb[FOLD_MAX];
    size_t na = fold(a, la, fa, sizeof(fa)), nb = fold(b, lb, fb, sizeof(fb));
    if (na == SIZE_MAX || nb == SIZE_MAX)
        return la == lb && memcmp(a, b, la) == 0;
    return na == nb && memcmp(fa, fb, na) == 0;
}

/* 1 when a and b are the same value: strings as same_text(), anything else json_equal. */
static int same(const json_t *a, const json_t *b)
{
    if (!json_is_string(a) || !json_is_string(b))
        return json_equal(a, b);
    return same_text(json_string_value(a), json_string_length(a), json_string_value(b),
                     json_string_length(b));
}

/* A string that folds to nothing ("", " ", a full-width "　", a zero-width space) is no
 * value: two officers, one with the 执法证 number "", are not two certificates. */
static int blank_string(const json_t *v)
{
    char f[FOLD_MAX];
    return json_is_string(v) &&
           fold(json_string_value(v), json_string_length(v), f, sizeof(f)) == 0;
}

static size_t distinct(const json_t *arr, const char *field)
{
    size_t n = 0, size = json_array_size(arr);
    for (size_t i = 0; i < size; i++) {
        const json_t *v = item_field(arr, i, field);
        size_t k = 0;
        if (blank_string(v))
            continue;
        while (v && k < i && !same(v, item_field(arr, k, field)))
            k++;
        n += v && k == i;
    }
    return n;
}

/* 1 when an item's field is who, compared as same() compares: the legal reviewer "张三"
 * is an officer listed as "张 三". */
static int contains(const json_t *arr, const char *field, const char *who)
{
    size_t size = json_array_size(arr), len = who ? strlen(who) : 0;
    for (size_t i = 0; who && i < size; i++) {
        const json_t *v = item_field(arr, i, field);
        if (json_is_string(v) && same_text(json_string_value(v), json_string_length(v), who, len))
            return 1;
    }
    return 0;
}

/* A function call. Returns 0 or the error of env->done / env->lowest. */
static int eval_call(const node_t *n, const cf_guard_env_t *env, value_t *v)
{
    const char *name = n->kids[0]->str;
    const json_t *j =
        n->op == FN_DONE || n->op == FN_LOWEST || n->op >= FN_ELAPSED ? NULL : fact(env, name);
    double d = 0;
    int rc = 0;
    if (n->op == FN_HAS) {
        *v = v_bool(j != NULL);
    } else if (n->op == FN_DONE) {
        rc = env->done(env->ctx, name, n->kids_count > 1 ? n->kids[1]->str : NULL);
        *v = v_bool(rc > 0);
    } else if (n->op == FN_ELAPSED) {
        /* elapsed(clock, date): judged on that day when the case holds the date (the
         * postmark of a party's act), else at the action, as elapsed(clock) */
        const json_t *on = n->kids_count > 1 ? fact(env, n->kids[1]->str) : NULL;
        rc = json_is_string(on) ? env->elapsed_on(env->ctx, name, json_string_value(on))
                                : env->elapsed(env->ctx, name);
        *v = v_bool(rc > 0);
    } else if (n->op == FN_TOTAL || n->op == FN_OWED) {
        rc = n->op == FN_TOTAL ? env->total(env->ctx, name, &d)
                               : env->owed(env->ctx, name, n->kids[1]->str, &d);
        *v = rc == 0 ? v_num(d) : absent;
        rc = rc == CF_ENOTFOUND ? 0 : rc;
    } else if (n->op == FN_WAITED) {
        const json_t *date = fact(env, name);
        const json_t *until = n->kids_count > 3 ? fact(env, n->kids[3]->str) : NULL;
        rc = json_is_string(date) && (n->kids_count < 4 || json_is_string(until))
                 ? env->waited(env->ctx, json_string_value(date), (long)n->kids[1]->num,
                               n->kids[2]->str, until ? json_string_value(until) : NULL)
                 : 0;
        *v = v_bool(rc > 0);
    } else if (n->op == FN_RUNNING) {
        rc = env->running(env->ctx, name);
        *v = v_bool(rc > 0);
    } else if (n->op == FN_COUNT || n->op == FN_DISTINCT) {
        *v = !j                  ? v_num(0)
             : !json_is_array(j) ? absent
             : n->op == FN_COUNT ? v_num((double)json_array_size(j))
                                 : v_num((double)distinct(j, n->kids[1]->str));
    } else if (n->op == FN_CONTAINS) {
        const node_t *who = n->kids[2];
        *v = v_bool(contains(j, n->kids[1]->str, who->kind == K_ACTOR ? env->actor : who->str));
    } else { /* FN_LOWEST */
        rc = env->lowest(env->ctx, name, &d);
        *v = rc == 0 ? v_num(d) : absent;
        rc = rc == CF_ENOTFOUND ? 0 : rc;
    }
    return rc < 0 ? rc : 0;
}

/* 1 if `a op b` holds: both present, same type, and bools only equal or not. */
static int compare(op_t op, value_t a, value_t b)
{
    /* For each op, the outcomes of the three-way comparison that make it hold:
     * bit 0 = less, bit 1 = equal, bit 2 = greater. */
    static const int holds[] = {
        [OP_EQ] = 2, [OP_NE] = 5, [OP_LT] = 1, [OP_LE] = 3, [OP_GT] = 4, [OP_GE] = 6};
    int c;
    if (a.t == V_ABSENT || a.t != b.t || (a.t == V_BOOL && op != OP_EQ && op != OP_NE))
        return 0;
    if (a.t == V_NUM) {
        c = (a.n > b.n) - (a.n < b.n);
    } else if (a.t == V_STR) {
        c = memcmp(a.s, b.s, a.len < b.len ? a.len : b.len);
        c = c ? (c > 0) - (c < 0) : (a.len > b.len) - (a.len < b.len);
    } else {
        c = a.b != b.b; /* "greater" stands for "different"; only == and != get here */
    }
    return (holds[op] >> (c + 1)) & 1;
}

/* A leaf's value. */
static value_t eval_leaf(const node_t *n, const cf_guard_env_t *env)
{
    switch (n->kind) {
    case K_NUM:
        return v_num(n->num);
    case K_STR:
        return (value_t){.t = V_STR, .s = n->str, .len = n->len};
    case K_BOOL:
        return v_bool(n->str[0] == 't');
    case K_ACTOR:
        return v_str(env->actor);
    case K_ROLE:
        return v_str(env->role);
    case K_FACT:
        return from_json(fact(env, n->str));
    default:
        return absent; /* K_ACTION, K_CLOCK, K_DATE are only ever arguments of a call */
    }
}

/* Evaluates n into *v. Returns 0 or a callback's error. Recursion is bounded by the
 * parser's nesting limit (see guard-int.h). */
static int eval(const node_t *n, const cf_guard_env_t *env, value_t *v)
{
    value_t a = absent, b = absent;
    int rc = 0;
    if (n->kind == K_OR || n->kind == K_AND) {
        int decisive = n->kind == K_OR; /* the operand value that decides the chain */
        *v = v_bool(!decisive);
        for (size_t i = 0; i < n->kids_count && !rc && is_true(*v) != decisive; i++)
            if (!(rc = eval(n->kids[i], env, &a)) && is_true(a) == decisive)
                *v = v_bool(decisive);
        return rc;
    }
    if (n->kind == K_CALL)
        return eval_call(n, env, v);
    if (n->kind > K_CALL) {
        *v = eval_leaf(n, env);
        return 0;
    }
    if ((rc = eval(n->kids[0], env, &a)) || (n->kind == K_CMP && (rc = eval(n->kids[1], env, &b))))
        return rc;
    *v = n->kind == K_NOT   ? v_bool(!is_true(a))
         : n->kind == K_CMP ? v_bool(compare((op_t)n->op, a, b))
         : a.t == V_NUM     ? v_num(-a.n) /* K_NEG */
                            : absent;
    return 0;
}

/* Exported, documented in guard.h */
int cf_guard_eval(const cf_guard_t *g, const cf_guard_env_t *env, int *result)
{
    if (!g || !env || !result || (env->facts && !json_is_object(env->facts)))
        return CF_EINVAL;
    if ((g->needs_done && !env->done) || (g->needs_lowest && !env->lowest) ||
        (g->needs_elapsed && !env->elapsed) || (g->needs_running && !env->running) ||
        (g->needs_total && !env->total) || (g->needs_owed && !env->owed) ||
        (g->needs_waited && !env->waited) || (g->needs_elapsed_on && !env->elapsed_on))
        return CF_EINVAL;
    value_t v;
    int rc = eval(g->root, env, &v);
    if (rc)
        return rc;
    *result = is_true(v);
    return 0;
}
