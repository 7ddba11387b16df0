/*
 * headers.c -- the words for each column, read from data (headers.txt, compiled
 * in; more from a bureau's own file through cf_import_headers_add()).
 *
 * Why data: every bureau names its columns its own way (执法事项名称, 抽查事项,
 * 权利类型 (sic), 责任科室 ...), and the person who meets a new word is the one
 * importing a list, not a C programmer. The file maps each word to a field kind
 * and, optionally, to a power type the column implies (an inspection plan's
 * 抽查事项 gives 行政检查 matters).
 *
 * Design: one process-wide table, built from the compiled-in text on first use
 * and extended by cf_import_headers_add(); a lookup is a linear scan of about
 * two hundred normalized words, their lengths compared first (a strcmp each was
 * 5% of an import's instructions: every cell of a list is asked about).
 * Rejected: a hash table (not needed at this size) and a per-import table
 * passed down every call (every classifier would need the document). Cost: the
 * table is shared by the imports of one process, so words added for one list
 * hold for the next, and adding words while another thread imports is not
 * safe (the command line imports from one thread).
 */
#include "importer-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char cf__headers_builtin[];

typedef struct word_s {
    char text[96]; /* normalized */
    size_t len;    /* strlen(text): compared first */
    int kind;
    int power; /* index in cf__power_names, -1 if none */
} word_t;

static word_t *words;
static size_t words_count, words_cap;
static int loaded;

static const char *const kind_names[CF__K_COUNT] = {
    [CF__K_OTHER] = "other",
    [CF__K_NUMBER] = "number",
    [CF__K_NAME] = "name",
    [CF__K_SUB_ITEM] = "sub_item",
    [CF__K_POWER] = "power",
    [CF__K_CODE] = "code",
    [CF__K_SUB_CODE] = "sub_code",
    [CF__K_AGENCY] = "agency",
    [CF__K_UNIT] = "unit",
    [CF__K_LEVEL] = "level",
    [CF__K_BASIS] = "basis",
    [CF__K_DUTY] = "duty",
    [CF__K_RESP] = "resp",
    [CF__K_RESP_BASIS] = "resp_basis",
    [CF__K_ACC_SUBJECT] = "acc_subject",
    [CF__K_ACC] = "acc",
    [CF__K_ACC_BASIS] = "acc_basis",
    [CF__K_ACC_MODE] = "acc_mode",
    [CF__K_CONDITION] = "condition",
    [CF__K_TIME_LIMIT] = "time_limit",
    [CF__K_PHONE] = "phone",
    [CF__K_NOTE] = "note",
};

/* Exported, documented in importer-int.h */
const char *cf__kind_name(int kind)
{
    return kind >= 0 && kind < CF__K_COUNT && kind_names[kind] ? kind_names[kind] : "other";
}

static int add_word(const char *w, size_t n, int kind, int power)
{
    char raw[256];
    if (n == 0 || n >= sizeof(raw))
        return 0;
    memcpy(raw, w, n);
    raw[n] = '\0';
    if (words_count == words_cap) {
        size_t cap = words_cap ? words_cap * 2 : 256;
        word_t *x = realloc(words, cap * sizeof(*x));
        if (!x)
            return CF_ENOMEM;
        words = x;
        words_cap = cap;
    }
    word_t *e = &words[words_count];
    cf__label_norm(raw, e->text, sizeof(e->text));
    if (!e->text[0])
        return 0;
    e->len = strlen(e->text);
    e->kind = kind;
    e->power = power;
    words_count++;
    return 0;
}

/* The kind and power type named before the colon: "name 行政检查". */
static int parse_head(const char *s, size_t n, int *kind, int *power)
{
    char head[128];
    if (n >= sizeof(head))
        return 0;
    memcpy(head, s, n);
    head[n] = '\0';
    char *sp = strchr(head, ' ');
    char *pw = sp ? sp + strspn(sp, " ") : NULL;
    if (sp)
        *sp = '\0';
    *kind = -1;
    for (int k = 1; k < CF__K_COUNT; k++)
        if (strcmp(head, kind_names[k]) == 0)
            *kind = k;
    *power = -1;
    for (int i = 0; pw && *pw && i < CF__POWER_TYPES; i++)
        if (strncmp(pw, cf__power_names[i], strlen(cf__power_names[i])) == 0 &&
            cf__blank(pw + strlen(cf__power_names[i])))
            *power = i;
    return *kind > 0 && (!pw || !*pw || *power >= 0);
}

/* One line of a headers file: "KIND[ POWER]: w, w". */
static int parse_line(const char *s, size_t n, const char *source, int line, cf_error_t *err)
{
    const char *colon = memchr(s, ':', n);
    const char *wide = NULL;
    for (size_t i = 0; i + 3 <= n && !wide; i++)
        if (memcmp(s + i, "：", 3) == 0)
            wide = s + i;
    size_t cl = 1;
    if (wide && (!colon || wide < colon))
        colon = wide, cl = 3;
    int kind, power;
    size_t hn = colon ? (size_t)(colon - s) : 0;
    while (hn && s[hn - 1] == ' ')
        hn--;
    if (!colon || !parse_head(s + strspn(s, " "), hn - strspn(s, " "), &kind, &power))
        return cf_error_set(err, CF_EPARSE, source, line, 0,
                            "expected 'KIND: word, word' (KIND one of number, name, sub_item, "
                            "power, code, sub_code, agency, unit, level, basis, duty, resp, "
                            "resp_basis, acc_subject, acc, acc_basis, acc_mode, condition, "
                            "time_limit, phone, note, optionally followed by a power type)");
    const char *p = colon + cl, *end = s + n;
    while (p < end) {
        static const char *const seps[] = {",", "，", "、", " ", "\t", ";", "；"};
        size_t sl = 0;
        const char *q = p;
        while (q < end && !sl) {
            for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]) && !sl; i++)
                if ((size_t)(end - q) >= strlen(seps[i]) && !memcmp(q, seps[i], strlen(seps[i])))
                    sl = strlen(seps[i]);
            if (!sl)
                q++;
        }
        if (add_word(p, (size_t)(q - p), kind, power))
            return CF_ENOMEM;
        p = q + sl;
    }
    return 0;
}

static int parse_text(const char *text, size_t len, const char *source, cf_error_t *err)
{
    const char *p = text, *end = text + len;
    for (int line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *hash = memchr(p, '#', n);
        size_t used = hash ? (size_t)(hash - p) : n;
        while (used && (p[used - 1] == ' ' || p[used - 1] == '\r' || p[used - 1] == '\t'))
            used--;
        if (used && strspn(p, " \t") < used) {
            int rc = parse_line(p, used, source, line, err);
            if (rc)
                return rc;
        }
        p += n + 1;
    }
    return 0;
}

static int ensure_loaded(void)
{
    if (loaded)
        return 0;
    cf_error_t err;
    int rc = parse_text(cf__headers_builtin, strlen(cf__headers_builtin), "headers.txt", &err);
    loaded = rc == 0;
    return rc;
}

/* Exported, documented in importer.h */
int cf_import_headers_add(const char *text, size_t len, const char *source, cf_error_t *err)
{
    if (!text)
        return cf_error_set(err, CF_EINVAL, source, 0, 0, "no headers text");
    int rc = ensure_loaded();
    if (rc)
        return cf_error_set(err, rc, source, 0, 0, "built-in headers: out of memory");
    size_t before = words_count;
    rc = parse_text(text, len, source ? source : "headers", err);
    if (rc) /* all or nothing: a broken file adds no word */
        words_count = before;
    if (rc == CF_ENOMEM)
        cf_error_set(err, rc, source, 0, 0, "out of memory");
    return rc;
}

/* The entry for a normalized label; NULL if none. Later words win, so a bureau's
 * file can give a built-in word another kind. */
static const word_t *find(const char *norm)
{
    if (ensure_loaded())
        return NULL;
    size_t n = strlen(norm);
    for (size_t i = words_count; i-- > 0;)
        if (words[i].len == n && memcmp(words[i].text, norm, n) == 0)
            return &words[i];
    return NULL;
}

/* Exported, documented in importer-int.h */
int cf__label_word(const char *norm)
{
    const word_t *w = find(norm);
    return w ? w->kind : -1;
}

/* Exported, documented in importer-int.h */
int cf__label_power(const char *label)
{
    char l[256], f[256];
    cf__label_norm(label, l, sizeof(l));
    const word_t *w = l[0] ? find(l) : NULL;
    if (!w && l[0] && cf__fold(l, f, sizeof(f))) /* 抽查事項名稱 */
        w = find(f);
    return w ? w->power : -1;
}
