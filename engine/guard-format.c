/*
 * guard-format.c -- reading a compiled guard back: the names it references
 * (cf_guard_refs, for `workflow check`) and its text in canonical form
 * (cf_guard_format). See guard.h; the tree is in guard-int.h.
 *
 * Why apart from guard.c: both only walk a finished tree, and need none of the lexer
 * or grammar that make up guard.c; kept there they made it a file of two concerns
 * over the size limit. Formatting is compile's inverse: format then compile gives
 * the same tree (guard.c prints nothing itself; the spellings come from its tables
 * through cf__guard_op_text and cf__guard_fn_name, so the two cannot drift).
 *
 * Design: the formatter writes through an snprintf-like sink that counts what does
 * not fit, so a caller learns the length it needs from one call; parentheses are
 * put only where a kid binds looser than its place (prec), never echoed from the
 * source.
 *
 * Division map:
 *   1. Refs                refs(), cf_guard_refs
 *   2. Format              writer_t, fmt(), cf_guard_format
 */
#include "guard-int.h"

#include <limits.h>
#include <string.h>

/* ====================================================================================
 * 1. Refs
 * ==================================================================================== */

static void refs(const node_t *n, cf_guard_ref_cb cb, void *ctx)
{
    if (n->kind == K_FACT || n->kind == K_ACTION || n->kind == K_CLOCK || n->kind == K_DATE)
        cb(ctx,
           n->kind == K_FACT     ? CF_GUARD_REF_FACT
           : n->kind == K_ACTION ? CF_GUARD_REF_ACTION
           : n->kind == K_CLOCK  ? CF_GUARD_REF_CLOCK
                                 : CF_GUARD_REF_DATE,
           n->str, n->column);
    for (size_t i = 0; i < n->kids_count; i++)
        refs(n->kids[i], cb, ctx);
}

/* Exported, documented in guard.h */
void cf_guard_refs(const cf_guard_t *g, cf_guard_ref_cb cb, void *ctx)
{
    if (g && cb)
        refs(g->root, cb, ctx);
}

/* ====================================================================================
 * 2. Format
 * ==================================================================================== */

/* An snprintf-like sink: copies what fits, counts everything. */
typedef struct writer_s {
    char *out;
    size_t size;
    size_t len;
} writer_t;

static void put(writer_t *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, w->len++)
        if (w->len + 1 < w->size)
            w->out[w->len] = s[i];
}

static void puts_(writer_t *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Binding strength, loosest first; a kid looser than its place gets parentheses. */
static int prec(const node_t *n)
{
    static const int by_kind[] = {[K_OR] = 1, [K_AND] = 2, [K_NOT] = 3, [K_CMP] = 4};
    return n->kind <= K_CMP ? by_kind[n->kind] : 5;
}

static void fmt(writer_t *w, const node_t *n, int min_prec)
{
    const char *sep = n->kind == K_OR ? " or " : n->kind == K_AND ? " and " : ", ";
    if (prec(n) < min_prec) {
        puts_(w, "(");
        fmt(w, n, 0);
        puts_(w, ")");
    } else if (n->kind == K_STR) {
        puts_(w, "\"");
        for (size_t i = 0; i < n->len; i++) {
            put(w, "\\", n->str[i] == '"' || n->str[i] == '\\'); /* escape if needed */
            put(w, n->str + i, 1);
        }
        puts_(w, "\"");
    } else if (n->kind > K_CALL) {
        put(w, n->str, n->len); /* canonical number, name or keyword */
    } else if (n->kind == K_CMP) {
        fmt(w, n->kids[0], 5);
        puts_(w, " ");
        puts_(w, cf__guard_op_text(n->op));
        puts_(w, " ");
        fmt(w, n->kids[1], 5);
    } else if (n->kind == K_NOT || n->kind == K_NEG) {
        puts_(w, n->kind == K_NOT ? "not " : "-");
        fmt(w, n->kids[0], n->kids[0]->kind == K_NOT ? 3 : 5); /* "not (x < 3)" */
    } else {                                                   /* K_OR, K_AND, K_CALL */
        if (n->kind == K_CALL) {
            puts_(w, cf__guard_fn_name(n->op));
            puts_(w, "(");
        }
        for (size_t i = 0; i < n->kids_count; i++) {
            puts_(w, i ? sep : "");
            fmt(w, n->kids[i], n->kind == K_CALL ? 5 : prec(n) + 1);
        }
        puts_(w, n->kind == K_CALL ? ")" : "");
    }
}

/* Exported, documented in guard.h */
int cf_guard_format(const cf_guard_t *g, char *out, size_t size)
{
    writer_t w = {out, out ? size : 0, 0};
    if (g)
        fmt(&w, g->root, 0);
    if (w.size > 0)
        out[w.len < w.size ? w.len : w.size - 1] = '\0';
    return w.len > INT_MAX ? INT_MAX : (int)w.len;
}
