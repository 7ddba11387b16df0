/*
 * guard.c -- the guard expression language, front half: compile the text into a tree.
 * Listing the names it references and printing it back in canonical form are in
 * guard-format.c, evaluation in guard-eval.c; the tree they share is in guard-int.h;
 * the language and its contract are in guard.h.
 *
 * Why this shape. A guard is compiled once when a workflow is loaded and evaluated on
 * every action, so the text becomes a small tree (node_t) that the evaluator walks
 * without re-parsing. The parser is hand-written recursive descent, one function per
 * precedence level, because the grammar is tiny and a hand-written parser gives exact
 * columns and messages that name the problem in the author's terms ("unknown function
 * 'foo'", "expected ')'"); a generated parser (bison/lemon) would add a build step and
 * generic messages. The lexer keeps one token of lookahead and counts columns in
 * characters as it goes, so a guard full of Chinese strings reports the column an
 * editor shows, at no extra pass over the text. Formatting is the parser's inverse
 * (format then compile gives the same tree) and prints from its tables (function
 * names, operator spellings: cf__guard_fn_name, cf__guard_op_text); it has a file of
 * its own because it is a second concern, read without the lexer and grammar.
 *
 * Decisions and their costs:
 *  - `and`/`or` chains are n-ary nodes, not left-deep binary trees, so a hostile
 *    `a or a or ...` of any length does not make evaluation, formatting or freeing
 *    recurse deeply. Every other way to nest (parentheses, `not`, unary minus) counts
 *    against MAX_DEPTH while parsing, which bounds the recursion of every walk.
 *  - The first error wins. A lexing error turns the token into TK_ERR and records the
 *    message; the parser then fails on that token, and its own (less precise) message
 *    is dropped. This keeps error plumbing out of every grammar function.
 *  - Numbers are read by hand as mantissa / 10^scale with at most 15 digits each way:
 *    both are exact doubles, so the division is correctly rounded and the result does
 *    not depend on the C locale (strtod would). The node keeps the literal's canonical
 *    spelling, so formatting never prints a double. Amounts in enforcement never need
 *    more digits. Unary minus stays a node (`-3` is NEG(3)) rather than being folded.
 *  - Types are checked statically where they are known (literals, function results)
 *    so `count(x)` used as a condition or `count(x) == "2"` is a `workflow check`
 *    error, not a guard that silently never holds. Facts are untyped here (the
 *    validator knows their declared types), so at run time a type mismatch or an
 *    absent side makes a comparison false (guard-eval.c).
 *
 * Division map:
 *   1. Tables              the function table, operator spellings, node_free
 *   2. Lexer               next(): text -> tokens, columns, lexing errors
 *   3. Parser              parse_list / parse_not / parse_cmp / parse_unary / primary
 *   4. Compile             cf_guard_compile, cf_guard_free
 */
#include "guard-int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH  64 /* nested parentheses + not + unary minus */
#define MAX_DIGITS 15 /* significant digits, and digits after the point, of a number */

/* ====================================================================================
 * 1. Tables
 * ==================================================================================== */

static const char *const op_text[] = {"==", "!=", "<", "<=", ">", ">="};

/* What each argument position accepts. */
typedef enum arg_e { A_FACT, A_ACTION, A_FIELD, A_WHO, A_CLOCK, A_DATE, A_WHOLE, A_UNIT } arg_t;
static const char *const arg_want[] = {"a fact name",
                                       "an action name",
                                       "a field name in double quotes",
                                       "'actor' or a string",
                                       "a clock id",
                                       "a date fact name",
                                       "a whole number 0 to 100000",
                                       "\"days\", \"working_days\" or \"months\""};

static const struct fn_def_s {
    const char *name;
    int arity;     /* the arguments required */
    arg_t args[4]; /* past arity, optional ones (waited's `until` date) */
    type_t type;
} fns[] = {
    [FN_HAS] = {"has", 1, {A_FACT}, T_BOOL},
    [FN_DONE] = {"done", 1, {A_ACTION, A_ACTION}, T_BOOL},
    [FN_COUNT] = {"count", 1, {A_FACT}, T_NUM},
    [FN_DISTINCT] = {"distinct", 2, {A_FACT, A_FIELD}, T_NUM},
    [FN_CONTAINS] = {"contains", 3, {A_FACT, A_FIELD, A_WHO}, T_BOOL},
    [FN_LOWEST] = {"lowest", 1, {A_FACT}, T_NUM},
    [FN_ELAPSED] = {"elapsed", 1, {A_CLOCK, A_DATE}, T_BOOL},
    [FN_RUNNING] = {"running", 1, {A_CLOCK}, T_BOOL},
    [FN_TOTAL] = {"total", 1, {A_FACT}, T_NUM},
    [FN_OWED] = {"owed", 2, {A_FACT, A_CLOCK}, T_NUM},
    [FN_WAITED] = {"waited", 3, {A_DATE, A_WHOLE, A_UNIT, A_DATE}, T_BOOL},
};
#define FN_COUNT_ALL ((int)(sizeof(fns) / sizeof(fns[0])))

/* The most arguments function f takes: its arity, waited's optional 4th, the date
 * fact it counts to (by default the day of the action), done's optional 2nd, the
 * action it must come after, and elapsed's optional 2nd, the date fact of the day it
 * is judged on (a postmark: 在途时间, by default the action's instant). */
static int max_args(int f)
{
    return f == FN_WAITED ? 4 : f == FN_DONE || f == FN_ELAPSED ? 2 : fns[f].arity;
}

/* Exported, documented in guard-int.h */
const char *cf__guard_op_text(int op)
{
    return op_text[op];
}

/* Exported, documented in guard-int.h */
const char *cf__guard_fn_name(int fn)
{
    return fns[fn].name;
}

static void node_free(node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->kids_count; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->str);
    free(n);
}

/* ====================================================================================
 * 2. Lexer
 * ==================================================================================== */

/* clang-format off */
typedef enum tok_e {
    TK_END, TK_ERR, TK_NUM, TK_STR, TK_IDENT, TK_LPAREN, TK_RPAREN, TK_COMMA, TK_MINUS,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, /* same order as op_t */
    TK_AND, TK_OR, TK_NOT, TK_TRUE, TK_FALSE, TK_ACTOR, TK_ROLE
} tok_t;

/* Fixed spellings. Words match a whole name; symbols are tried in order, longest first. */
static const struct lexeme_s { const char *text; tok_t tok; } words[] = {
    {"and", TK_AND}, {"or", TK_OR}, {"not", TK_NOT}, {"true", TK_TRUE}, {"false", TK_FALSE},
    {"actor", TK_ACTOR}, {"role", TK_ROLE},
}, symbols[] = {
    {"==", TK_EQ}, {"!=", TK_NE}, {"<=", TK_LE}, {">=", TK_GE}, {"<", TK_LT}, {">", TK_GT},
    {"(", TK_LPAREN}, {")", TK_RPAREN}, {",", TK_COMMA}, {"-", TK_MINUS},
};

/* Hints for characters people bring from other languages or a Chinese keyboard. */
static const char *const hints[][2] = {
    {"=", " (use '==' to compare)"}, {"!", " (use 'not' to negate)"}, {"&", " (use 'and')"},
    {"|", " (use 'or')"}, {"'", " (strings use double quotes)"},
    {"\xef\xbc\x88", " (use ASCII '(')"}, {"\xef\xbc\x89", " (use ASCII ')')"},   /* （ ） */
    {"\xef\xbc\x8c", " (use ASCII ',')"}, {"\xe2\x80\x9c", " (use ASCII '\"')"}, /* ， “ */
    {"\xe2\x80\x9d", " (use ASCII '\"')"},                                         /* ” */
};
/* clang-format on */

typedef struct token_s {
    tok_t t;
    size_t start, len; /* bytes of text */
    int column;
    double num;              /* TK_NUM: the value */
    size_t canon, canon_len; /* TK_NUM: the canonical spelling, a part of the text */
} token_t;

typedef struct parser_s {
    const char *text;
    size_t pos; /* next byte to lex */
    int column; /* column of text[pos] */
    token_t tok;
    int depth;
    int rc; /* 0, or the first error */
    cf_error_t *err;
    int needs_done, needs_lowest, needs_elapsed, needs_running, needs_total, needs_owed;
    int needs_waited, needs_elapsed_on;
    char found[64]; /* scratch for found() */
} parser_t;

/* Records the first error; returns NULL so grammar functions can `return fail(...)`. */
static void *fail(parser_t *p, int column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *fail(parser_t *p, int column, const char *fmt, ...)
{
    if (p->rc)
        return NULL;
    p->rc = CF_EPARSE;
    if (p->err) {
        char buf[CF_ERROR_TEXT_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        cf_error_set(p->err, CF_EPARSE, NULL, 0, column, "%s", buf);
    }
    return NULL;
}

static void *oom(parser_t *p)
{
    if (!p->rc)
        p->rc = cf_error_set(p->err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
}

/* Describes the current token for the "(found ...)" part of messages. */
static const char *found(parser_t *p)
{
    const token_t *t = &p->tok;
    if (t->t == TK_END)
        return "end of input";
    size_t n = t->len > 24 ? 24 : t->len;
    while (n < t->len && ((unsigned char)p->text[t->start + n] & 0xC0) == 0x80)
        n--; /* do not cut a character in two */
    snprintf(p->found, sizeof(p->found), "'%.*s%s'", (int)n, p->text + t->start,
             n < t->len ? "..." : "");
    return p->found;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0], cp, min;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000;
    else
        return 0;
    cp = c & (0x3Fu >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    return cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0 : n;
}

/* Moves past n bytes; a column is one character, so only lead bytes count. */
static void advance(parser_t *p, size_t n)
{
    for (; n > 0; n--, p->pos++)
        if (((unsigned char)p->text[p->pos] & 0xC0) != 0x80)
            p->column++;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* NUMBER := digits ('.' digits)?. The canonical spelling drops leading zeros before
 * the point and trailing zeros after it ("007.50" -> "7.5", "1.0" -> "1"). */
static void lex_number(parser_t *p)
{
    const char *s = p->text + p->pos;
    token_t *t = &p->tok;
    size_t i = 0, dot = 0, a = 0, b;
    while (is_digit(s[i]))
        i++;
    if (s[i] == '.' && !is_digit(s[i + 1])) {
        advance(p, i + 1);
        fail(p, p->column, "expected a digit after '.' at column %d", p->column);
        return;
    }
    if (s[i] == '.')
        for (dot = i++; is_digit(s[i]); i++)
            ;
    for (b = i; dot && s[b - 1] == '0'; b--)
        ; /* stops at the '.' at the latest */
    b = dot && b == dot + 1 ? dot : b;
    while (a + 1 < (dot ? dot : i) && s[a] == '0')
        a++;
    int64_t mant = 0;
    int digits = 0, scale = 0;
    for (size_t k = a; k < b; k++) {
        if (s[k] == '.')
            continue;
        digits += mant != 0 || s[k] != '0';
        scale += dot && k > dot;
        if (digits > MAX_DIGITS || scale > MAX_DIGITS) {
            fail(p, t->column, "number at column %d is too long (at most %d digits)", t->column,
                 MAX_DIGITS);
            return;
        }
        mant = mant * 10 + (s[k] - '0');
    }
    double p10 = 1.0;
    while (scale-- > 0)
        p10 *= 10.0; /* exact up to 10^22 */
    t->t = TK_NUM;
    t->len = i;
    t->num = (double)mant / p10;
    t->canon = p->pos + a;
    t->canon_len = b - a;
    advance(p, i);
}

/* STRING := '"' (UTF-8 other than '"', '\' and controls | '\"' | '\\')* '"' */
static void lex_string(parser_t *p)
{
    const unsigned char *s = (const unsigned char *)p->text + p->pos;
    int col = p->column + 1;
    size_t i = 1, n;
    for (; s[i] != '"'; i += n, col++) {
        n = 1;
        if (s[i] == '\0') {
            fail(p, p->column, "unterminated string starting at column %d", p->column);
            return;
        } else if (s[i] == '\\' && s[i + 1] != '"' && s[i + 1] != '\\') {
            fail(p, col, "unknown escape at column %d (only \\\" and \\\\ are allowed)", col);
            return;
        } else if (s[i] == '\\') {
            n = 2, col++;
        } else if (s[i] < 0x20) {
            fail(p, col, "control character in string at column %d", col);
            return;
        } else if ((n = utf8_len(s + i)) == 0) {
            fail(p, col, "invalid UTF-8 in string at column %d", col);
            return;
        }
    }
    p->tok.t = TK_STR;
    p->tok.len = i + 1;
    advance(p, i + 1);
}

/* A name or keyword: [a-z_][a-z0-9_]* */
static void lex_word(parser_t *p)
{
    const char *s = p->text + p->pos;
    token_t *t = &p->tok;
    while ((s[t->len] >= 'a' && s[t->len] <= 'z') || s[t->len] == '_' || is_digit(s[t->len]))
        t->len++;
    t->t = TK_IDENT;
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
        if (strlen(words[k].text) == t->len && !memcmp(words[k].text, s, t->len))
            t->t = words[k].tok;
    advance(p, t->len);
}

/* A symbol, or an error naming the character. */
static void lex_symbol(parser_t *p)
{
    const char *s = p->text + p->pos, *hint = "";
    int col = p->column;
    for (size_t k = 0; k < sizeof(symbols) / sizeof(symbols[0]); k++) {
        size_t n = strlen(symbols[k].text);
        if (!strncmp(s, symbols[k].text, n)) {
            p->tok.t = symbols[k].tok;
            p->tok.len = n;
            advance(p, n);
            return;
        }
    }
    for (size_t k = 0; k < sizeof(hints) / sizeof(hints[0]); k++)
        hint = !strncmp(s, hints[k][0], strlen(hints[k][0])) ? hints[k][1] : hint;
    hint = s[0] >= 'A' && s[0] <= 'Z' ? " (names are lower case)" : hint;
    size_t n = utf8_len((const unsigned char *)s);
    if (n == 0)
        fail(p, col, "invalid UTF-8 at column %d", col);
    else if ((unsigned char)s[0] < 0x20 || s[0] == 0x7F)
        fail(p, col, "unexpected control character at column %d", col);
    else
        fail(p, col, "unexpected character '%.*s' at column %d%s", (int)n, s, col, hint);
}

/* Makes the next token current. A lexing error leaves TK_ERR (with the message
 * recorded) and every later call keeps it there. */
static void next(parser_t *p)
{
    if (p->tok.t == TK_ERR)
        return;
    while (p->text[p->pos] && strchr(" \t\r\n", p->text[p->pos]))
        advance(p, 1);
    char c = p->text[p->pos];
    p->tok = (token_t){.t = TK_ERR, .start = p->pos, .column = p->column};
    if (c == '\0')
        p->tok.t = TK_END;
    else if (is_digit(c))
        lex_number(p);
    else if (c == '"')
        lex_string(p);
    else if ((c >= 'a' && c <= 'z') || c == '_')
        lex_word(p);
    else
        lex_symbol(p);
}

/* ====================================================================================
 * 3. Parser
 * ==================================================================================== */

static node_t *parse_list(parser_t *p, kind_t kind);
static node_t *parse_cmp(parser_t *p);
static node_t *parse_unary(parser_t *p);

static node_t *new_node(parser_t *p, kind_t kind, type_t type, int column)
{
    node_t *n = calloc(1, sizeof(*n));
    if (!n)
        return oom(p);
    n->kind = kind;
    n->type = type;
    n->column = column;
    return n;
}

/* Appends kid to n, taking ownership of kid on every path. Returns 0 or -1. */
static int add_kid(parser_t *p, node_t *n, node_t *kid)
{
    if (n->kids_count == n->kids_cap) {
        size_t cap = n->kids_cap ? n->kids_cap * 2 : 2;
        node_t **kids = realloc(n->kids, cap * sizeof(*kids));
        if (!kids) {
            node_free(kid);
            oom(p);
            return -1;
        }
        n->kids = kids;
        n->kids_cap = cap;
    }
    n->kids[n->kids_count++] = kid;
    return 0;
}

/* A node of `kind` whose first kid is `kid`; consumes kid on every path. */
static node_t *wrap(parser_t *p, kind_t kind, type_t type, int column, node_t *kid)
{
    node_t *n = new_node(p, kind, type, column);
    if (!n) {
        node_free(kid);
        return NULL;
    }
    if (add_kid(p, n, kid)) {
        node_free(n);
        return NULL;
    }
    return n;
}

/* A leaf for token t: a string literal is decoded (only strings hold backslashes), a
 * number keeps its canonical spelling, anything else its text. */
static node_t *leaf(parser_t *p, const token_t *t, kind_t kind, type_t type)
{
    node_t *n = new_node(p, kind, type, t->column);
    size_t from = kind == K_STR ? t->start + 1 : kind == K_NUM ? t->canon : t->start;
    size_t to = kind == K_STR   ? t->start + t->len - 1
                : kind == K_NUM ? from + t->canon_len
                                : t->start + t->len;
    if (n && !(n->str = malloc(to - from + 1))) {
        node_free(n);
        return oom(p);
    }
    for (size_t i = from; n && i < to; i++)
        n->str[n->len++] = p->text[i] == '\\' ? p->text[++i] : p->text[i];
    if (n) {
        n->str[n->len] = '\0';
        n->num = t->num;
    }
    return n;
}

static int enter(parser_t *p)
{
    if (++p->depth <= MAX_DEPTH)
        return 0;
    fail(p, p->tok.column, "expression nested too deeply at column %d (at most %d levels)",
         p->tok.column, MAX_DEPTH);
    return -1;
}

static const char *type_name(type_t t)
{
    return t == T_NUM ? "a number" : t == T_STR ? "a string" : "true/false";
}

/* A number or string cannot stand where true/false is needed. Returns 0 or -1. */
static int need_cond(parser_t *p, const node_t *n)
{
    if (n->type != T_NUM && n->type != T_STR)
        return 0;
    fail(p, n->column, "expected a condition at column %d, not %s (compare it with a value)",
         n->column, type_name(n->type));
    return -1;
}

/* not := 'not' not | cmp */
static node_t *parse_not(parser_t *p)
{
    if (p->tok.t != TK_NOT)
        return parse_cmp(p);
    int column = p->tok.column;
    if (enter(p))
        return NULL;
    next(p);
    node_t *kid = parse_not(p);
    p->depth--;
    if (!kid || need_cond(p, kid)) {
        node_free(kid);
        return NULL;
    }
    return wrap(p, K_NOT, T_BOOL, column, kid);
}

/* Rejects comparisons whose outcome is known to be meaningless. Returns 0 or -1. */
static int check_cmp(parser_t *p, const node_t *n)
{
    type_t l = n->kids[0]->type, r = n->kids[1]->type;
    if (l != T_ANY && r != T_ANY && l != r) {
        fail(p, n->column, "cannot compare %s with %s at column %d", type_name(l), type_name(r),
             n->column);
        return -1;
    }
    if (n->op >= OP_LT && (l == T_BOOL || r == T_BOOL)) {
        fail(p, n->column, "'%s' cannot order true/false values at column %d (use == or !=)",
             op_text[n->op], n->column);
        return -1;
    }
    return 0;
}

/* cmp := unary (op unary)?  -- comparisons do not chain. */
static node_t *parse_cmp(parser_t *p)
{
    node_t *n = parse_unary(p);
    if (!n || p->tok.t < TK_EQ || p->tok.t > TK_GE)
        return n;
    int op = (int)(p->tok.t - TK_EQ), column = p->tok.column;
    if (!(n = wrap(p, K_CMP, T_BOOL, column, n)))
        return NULL;
    n->op = op;
    next(p);
    node_t *r = parse_unary(p);
    if (!r || add_kid(p, n, r) || check_cmp(p, n)) {
        node_free(n);
        return NULL;
    }
    if (p->tok.t >= TK_EQ && p->tok.t <= TK_GE) {
        fail(p, p->tok.column, "comparisons cannot be chained at column %d (use 'and')",
             p->tok.column);
        node_free(n);
        return NULL;
    }
    return n;
}

/* expr := and ('or' and)*  and := not ('and' not)*  -- one n-ary node per chain. */
static node_t *parse_list(parser_t *p, kind_t kind)
{
    tok_t sep = kind == K_OR ? TK_OR : TK_AND;
    node_t *n = kind == K_OR ? parse_list(p, K_AND) : parse_not(p);
    if (!n || p->tok.t != sep)
        return n;
    if (!(n = wrap(p, kind, T_BOOL, n->column, n)))
        return NULL;
    while (p->tok.t == sep) {
        next(p);
        node_t *kid = kind == K_OR ? parse_list(p, K_AND) : parse_not(p);
        if (!kid || add_kid(p, n, kid)) {
            node_free(n);
            return NULL;
        }
    }
    for (size_t i = 0; i < n->kids_count; i++) {
        if (need_cond(p, n->kids[i])) {
            node_free(n);
            return NULL;
        }
    }
    return n;
}

/* One argument of a call, checked against what its position accepts. Returns 0 or -1. */
static int parse_arg(parser_t *p, node_t *call)
{
    const struct fn_def_s *fn = &fns[call->op];
    const token_t *t = &p->tok;
    if (call->kids_count == (size_t)max_args(call->op)) {
        fail(p, t->column, "too many arguments to '%s' at column %d (it takes %d)", fn->name,
             t->column, max_args(call->op));
        return -1;
    }
    arg_t a = fn->args[call->kids_count];
    node_t *kid;
    static const kind_t name_kind[] = {
        [A_FACT] = K_FACT, [A_ACTION] = K_ACTION, [A_CLOCK] = K_CLOCK, [A_DATE] = K_DATE};
    if ((a == A_FACT || a == A_ACTION || a == A_CLOCK || a == A_DATE) && t->t == TK_IDENT)
        kid = leaf(p, t, name_kind[a], T_ANY);
    else if ((a == A_FIELD || a == A_WHO) && t->t == TK_STR)
        kid = leaf(p, t, K_STR, T_STR);
    else if (a == A_WHOLE && t->t == TK_NUM && t->num == (double)(long)t->num &&
             t->num <= WAITED_MAX)
        kid = leaf(p, t, K_NUM, T_NUM);
    else if (a == A_UNIT && t->t == TK_STR &&
             ((t->len == 6 && !memcmp(p->text + t->start, "\"days\"", 6)) ||
              (t->len == 14 && !memcmp(p->text + t->start, "\"working_days\"", 14)) ||
              (t->len == 8 && !memcmp(p->text + t->start, "\"months\"", 8))))
        kid = leaf(p, t, K_STR, T_STR);
    else if (a == A_WHO && t->t == TK_ACTOR)
        kid = leaf(p, t, K_ACTOR, T_STR);
    else
        kid = fail(p, t->column, "expected %s at column %d (found %s)", arg_want[a], t->column,
                   found(p));
    if (!kid || add_kid(p, call, kid))
        return -1;
    next(p);
    return 0;
}

/* call := FUNC '(' (arg (',' arg)*)? ')'; the current token is the '('. */
static node_t *parse_call(parser_t *p, const token_t *name)
{
    int f = 0;
    while (f < FN_COUNT_ALL && (strlen(fns[f].name) != name->len ||
                                memcmp(fns[f].name, p->text + name->start, name->len)))
        f++;
    if (f == FN_COUNT_ALL)
        return fail(p, name->column, "unknown function '%.*s' at column %d", (int)name->len,
                    p->text + name->start, name->column);
    node_t *n = new_node(p, K_CALL, fns[f].type, name->column);
    if (!n)
        return NULL;
    n->op = f;
    next(p);
    if (p->tok.t != TK_RPAREN)
        while (!parse_arg(p, n) && p->tok.t == TK_COMMA)
            next(p);
    if (!p->rc && p->tok.t != TK_RPAREN)
        fail(p, p->tok.column, "expected ',' or ')' at column %d (found %s)", p->tok.column,
             found(p));
    else if (!p->rc && n->kids_count < (size_t)fns[f].arity)
        fail(p, p->tok.column, "too few arguments to '%s' at column %d (it takes %d)", fns[f].name,
             p->tok.column, fns[f].arity);
    if (p->rc) {
        node_free(n);
        return NULL;
    }
    next(p);
    p->needs_done |= f == FN_DONE;
    p->needs_lowest |= f == FN_LOWEST;
    p->needs_elapsed |= f == FN_ELAPSED;
    p->needs_running |= f == FN_RUNNING;
    p->needs_total |= f == FN_TOTAL;
    p->needs_owed |= f == FN_OWED;
    p->needs_waited |= f == FN_WAITED;
    p->needs_elapsed_on |= f == FN_ELAPSED && n->kids_count > 1;
    return n;
}

/* primary := NUMBER | STRING | true | false | actor | role | FACT | call | '(' expr ')' */
static node_t *parse_primary(parser_t *p)
{
    static const struct {
        tok_t tok;
        kind_t kind;
        type_t type;
    } leaves[] = {{TK_NUM, K_NUM, T_NUM},     {TK_STR, K_STR, T_STR},     {TK_TRUE, K_BOOL, T_BOOL},
                  {TK_FALSE, K_BOOL, T_BOOL}, {TK_ACTOR, K_ACTOR, T_STR}, {TK_ROLE, K_ROLE, T_STR}};
    token_t t = p->tok;
    node_t *n = NULL;
    if (t.t == TK_IDENT) {
        next(p); /* a fact, unless a '(' follows */
        return p->tok.t == TK_LPAREN ? parse_call(p, &t) : leaf(p, &t, K_FACT, T_ANY);
    }
    for (size_t k = 0; k < sizeof(leaves) / sizeof(leaves[0]); k++)
        if (leaves[k].tok == t.t && (n = leaf(p, &t, leaves[k].kind, leaves[k].type)))
            next(p);
    if (n || p->rc)
        return n;
    if (t.t != TK_LPAREN)
        return fail(p, t.column, "expected a value at column %d (found %s)", t.column, found(p));
    if (enter(p))
        return NULL;
    next(p);
    n = parse_list(p, K_OR);
    p->depth--;
    if (n && p->tok.t != TK_RPAREN) {
        fail(p, p->tok.column, "expected ')' at column %d (found %s)", p->tok.column, found(p));
        node_free(n);
        return NULL;
    }
    next(p);
    return n;
}

/* unary := '-' unary | primary */
static node_t *parse_unary(parser_t *p)
{
    if (p->tok.t != TK_MINUS)
        return parse_primary(p);
    int column = p->tok.column;
    if (enter(p))
        return NULL;
    next(p);
    node_t *kid = parse_unary(p);
    p->depth--;
    if (kid && kid->type != T_NUM && kid->type != T_ANY) {
        fail(p, column, "unary '-' needs a number at column %d, not %s", column,
             type_name(kid->type));
        node_free(kid);
        return NULL;
    }
    return kid ? wrap(p, K_NEG, T_NUM, column, kid) : NULL;
}

/* ====================================================================================
 * 4. Compile
 * ==================================================================================== */

/* Exported, documented in guard.h */
int cf_guard_compile(const char *text, cf_guard_t **out, cf_error_t *err)
{
    if (!text || !out)
        return CF_EINVAL;
    if (strlen(text) >= INT_MAX)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 1, "guard text too long at column 1");
    parser_t p = {.text = text, .column = 1, .err = err};
    node_t *root = NULL;
    next(&p);
    if (p.tok.t == TK_END)
        fail(&p, 1, "empty guard at column 1 (write a condition such as 'fine <= 3000')");
    else if ((root = parse_list(&p, K_OR)) && p.tok.t != TK_END)
        fail(&p, p.tok.column, "expected 'and', 'or' or the end at column %d (found %s)",
             p.tok.column, found(&p));
    if (root && !p.rc)
        need_cond(&p, root);
    cf_guard_t *g = p.rc ? NULL : malloc(sizeof(*g));
    if (!g) {
        node_free(root);
        return p.rc ? p.rc : cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    g->root = root;
    g->needs_done = p.needs_done;
    g->needs_lowest = p.needs_lowest;
    g->needs_elapsed = p.needs_elapsed;
    g->needs_running = p.needs_running;
    g->needs_total = p.needs_total;
    g->needs_owed = p.needs_owed;
    g->needs_waited = p.needs_waited;
    g->needs_elapsed_on = p.needs_elapsed_on;
    *out = g;
    return 0;
}

/* Exported, documented in guard.h */
void cf_guard_free(cf_guard_t *g)
{
    if (!g)
        return;
    node_free(g->root);
    free(g);
}
