/*
 * text.c -- from bytes to clean UTF-8 text: decoding (UTF-8, else GB18030 via
 * iconv), splitting into lines, stripping the HTML that web-page converters leave
 * in cells, joining cells broken across lines, and the small UTF-8 helpers the
 * rest of the importer uses.
 *
 * Design: the importer works on UTF-8 throughout and classifies text by looking
 * at code points (Han, punctuation) rather than with a regex engine: the patterns
 * it needs (list markers, 第X条, periods) are short and positional, and POSIX
 * regex has no notion of Han characters. The cost is hand-written scanners.
 *
 * Encoding: invalid UTF-8 is first checked for a sequence cut at the very end
 * (a truncated file, refused as such); otherwise the whole input is converted
 * from GB18030 (a superset of GBK and GB2312) and refused if iconv finds an
 * invalid sequence. Rejected alternative: guessing the encoding from byte
 * statistics, which would silently accept other encodings as garbage.
 *
 * HTML: only tag-shaped text (<p>, </p>, <ol style="…">) is removed, so a "<" in
 * running text survives; 《》 are not ASCII and never mistaken for tags.
 */
#include "importer-int.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- string builder ---- */

/* Exported, documented in importer-int.h */
void cf__sb_add(cf__sb_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Exported, documented in importer-int.h */
void cf__sb_adds(cf__sb_t *b, const char *s)
{
    cf__sb_add(b, s, strlen(s));
}

/* Exported, documented in importer-int.h */
char *cf__sb_take(cf__sb_t *b)
{
    if (b->oom) {
        cf__sb_free(b);
        return NULL;
    }
    char *s = b->s ? b->s : strdup("");
    memset(b, 0, sizeof(*b));
    return s;
}

/* Exported, documented in importer-int.h */
void cf__sb_free(cf__sb_t *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}

/* ---- UTF-8 ---- */

/* Exported, documented in importer-int.h */
int cf__u8_prev(const char *start, const char *s, unsigned *cp)
{
    const char *p = s - 1;
    while (p > start && ((unsigned char)*p & 0xC0) == 0x80 && s - p < 4)
        p--;
    cf__u8_next(p, cp);
    return (int)(s - p);
}

/* Exported, documented in importer-int.h */
int cf__is_han(unsigned cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2FFFF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

/* The Kangxi radicals (U+2F00-U+2FD5) and the CJK radicals supplement (U+2E80-U+2EF3)
 * as the ideographs they look like: a PDF's text layer gives 人 as ⼈, 民 as ⺠, 长 as ⻓
 * when the font draws both with one glyph and the PDF's ToUnicode map names the radical
 * (cairo, Word and WPS write such files), so a copy of a PDF holds ⼈力资源 for 人力资源.
 * The Kangxi radicals by Unicode's compatibility mappings; the supplement's by the
 * ideograph Noto Sans CJK draws with the same glyph (Unicode's
 * EquivalentUnifiedIdeograph.txt says the same; 0: none). The angle brackets U+2329 and
 * U+232A come so for 〈 〉 (《实施〈中华人民共和国社会保险法〉若干规定》), and are theirs
 * by Unicode's canonical mappings. */
static const unsigned short kangxi[214] = {
    0x4E00, 0x4E28, 0x4E36, 0x4E3F, 0x4E59, 0x4E85, 0x4E8C, 0x4EA0, 0x4EBA, 0x513F, 0x5165, 0x516B,
    0x5182, 0x5196, 0x51AB, 0x51E0, 0x51F5, 0x5200, 0x529B, 0x52F9, 0x5315, 0x531A, 0x5338, 0x5341,
    0x535C, 0x5369, 0x5382, 0x53B6, 0x53C8, 0x53E3, 0x56D7, 0x571F, 0x58EB, 0x5902, 0x590A, 0x5915,
    0x5927, 0x5973, 0x5B50, 0x5B80, 0x5BF8, 0x5C0F, 0x5C22, 0x5C38, 0x5C6E, 0x5C71, 0x5DDB, 0x5DE5,
    0x5DF1, 0x5DFE, 0x5E72, 0x5E7A, 0x5E7F, 0x5EF4, 0x5EFE, 0x5F0B, 0x5F13, 0x5F50, 0x5F61, 0x5F73,
    0x5FC3, 0x6208, 0x6236, 0x624B, 0x652F, 0x6534, 0x6587, 0x6597, 0x65A4, 0x65B9, 0x65E0, 0x65E5,
    0x66F0, 0x6708, 0x6728, 0x6B20, 0x6B62, 0x6B79, 0x6BB3, 0x6BCB, 0x6BD4, 0x6BDB, 0x6C0F, 0x6C14,
    0x6C34, 0x706B, 0x722A, 0x7236, 0x723B, 0x723F, 0x7247, 0x7259, 0x725B, 0x72AC, 0x7384, 0x7389,
    0x74DC, 0x74E6, 0x7518, 0x751F, 0x7528, 0x7530, 0x758B, 0x7592, 0x7676, 0x767D, 0x76AE, 0x76BF,
    0x76EE, 0x77DB, 0x77E2, 0x77F3, 0x793A, 0x79B8, 0x79BE, 0x7A74, 0x7ACB, 0x7AF9, 0x7C73, 0x7CF8,
    0x7F36, 0x7F51, 0x7F8A, 0x7FBD, 0x8001, 0x800C, 0x8012, 0x8033, 0x807F, 0x8089, 0x81E3, 0x81EA,
    0x81F3, 0x81FC, 0x820C, 0x821B, 0x821F, 0x826E, 0x8272, 0x8278, 0x864D, 0x866B, 0x8840, 0x884C,
    0x8863, 0x897E, 0x898B, 0x89D2, 0x8A00, 0x8C37, 0x8C46, 0x8C55, 0x8C78, 0x8C9D, 0x8D64, 0x8D70,
    0x8DB3, 0x8EAB, 0x8ECA, 0x8F9B, 0x8FB0, 0x8FB5, 0x9091, 0x9149, 0x91C6, 0x91CC, 0x91D1, 0x9577,
    0x9580, 0x961C, 0x96B6, 0x96B9, 0x96E8, 0x9751, 0x975E, 0x9762, 0x9769, 0x97CB, 0x97ED, 0x97F3,
    0x9801, 0x98A8, 0x98DB, 0x98DF, 0x9996, 0x9999, 0x99AC, 0x9AA8, 0x9AD8, 0x9ADF, 0x9B25, 0x9B2F,
    0x9B32, 0x9B3C, 0x9B5A, 0x9CE5, 0x9E75, 0x9E7F, 0x9EA5, 0x9EBB, 0x9EC3, 0x9ECD, 0x9ED1, 0x9EF9,
    0x9EFD, 0x9F0E, 0x9F13, 0x9F20, 0x9F3B, 0x9F4A, 0x9F52, 0x9F8D, 0x9F9C, 0x9FA0,
};
static const unsigned short supplement[0x2EF4 - 0x2E80] = {
    0,      0,      0x4E5B, 0x4E5A, 0,      0x4EBB, 0,      0,      0,      0x5202, 0,      0,
    0,      0,      0x5140, 0x5C23, 0x5C22, 0,      0x5DF3, 0x5E7A, 0x5F51, 0x5F50, 0x5FC4, 0,
    0x624C, 0x6535, 0,      0x65E1, 0,      0,      0x6B7A, 0x6BCD, 0x6C11, 0x6C35, 0,      0x706C,
    0x722B, 0,      0x4E2C, 0,      0x72AD, 0,      0,      0x7F52, 0,      0x793B, 0,      0x7CF9,
    0x7E9F, 0x7F53, 0x7F52, 0,      0,      0,      0,      0,      0,      0x8002, 0x8080, 0,
    0,      0,      0x8279, 0x8279, 0,      0,      0x8864, 0x8980, 0x897F, 0x89C1, 0x89D2, 0,
    0x8BA0, 0x8D1D, 0,      0x8F66, 0x8FB6, 0x8FB6, 0x8FB6, 0,      0x9485, 0x9577, 0x9578, 0x957F,
    0x95E8, 0,      0x961D, 0,      0x9752, 0x97E6, 0x9875, 0x98CE, 0x98DE, 0x98DF, 0,      0x98E0,
    0x9963, 0,      0x9A6C, 0x9AA8, 0x9B3C, 0x9C7C, 0x9E1F, 0x5364, 0x9EA6, 0x9EC4, 0x9EFE, 0x6589,
    0x9F50, 0x6B6F, 0x9F7F, 0x7ADC, 0x9F99, 0x9F9C, 0x4E80, 0x9F9F,
};

/* Exported, documented in importer-int.h */
size_t cf__fold_radicals(char *text)
{
    size_t n = 0;
    /* U+2329-U+232A, U+2E80-U+2EF3 and U+2F00-U+2FD5 all begin with E2 */
    for (char *p = text; (p = strchr(p, '\xE2')) != NULL; p++) {
        unsigned cp;
        if (cf__u8_next(p, &cp) != 3)
            continue;
        unsigned to = cp >= 0x2F00 && cp <= 0x2FD5   ? kangxi[cp - 0x2F00]
                      : cp >= 0x2E80 && cp <= 0x2EF3 ? supplement[cp - 0x2E80]
                      : cp == 0x2329 || cp == 0x232A ? cp - 0x2329 + 0x3008 /* 〈〉 as 〈〉 */
                                                     : 0;
        if (!to)
            continue;
        p[0] = (char)(0xE0 | (to >> 12)); /* a BMP ideograph: three bytes, as the radical */
        p[1] = (char)(0x80 | ((to >> 6) & 0x3F));
        p[2] = (char)(0x80 | (to & 0x3F));
        n++;
    }
    return n;
}

/* Han or full-width punctuation: text that is written without spaces. */
static int is_wide(unsigned cp)
{
    return cf__is_han(cp) || (cp >= 0x3001 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF60) ||
           cp == 0x201C || cp == 0x201D;
}

/* Exported, documented in importer-int.h */
int cf__is_clause_end(unsigned cp)
{
    switch (cp) {
    case 0x3002: /* 。 */
    case 0xFF1B: /* ； */
    case 0xFF0C: /* ， */
    case 0xFF1A: /* ： */
    case 0xFF01: /* ！ */
    case 0xFF1F: /* ？ */
    case ';':
    case ',':
    case ':':
    case '!':
    case '?':
        return 1;
    }
    return 0;
}

/* Exported, documented in importer-int.h */
size_t cf__u8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Length of the valid UTF-8 sequence at u (at most avail bytes): > 0 valid; 0
 * invalid; -1 a valid beginning cut short by the end of the input. */
static int u8_valid(const unsigned char *u, size_t avail)
{
    int n;
    unsigned min, cp;
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF)
        n = 2, min = 0x80, cp = u[0] & 0x1F;
    else if ((u[0] & 0xF0) == 0xE0)
        n = 3, min = 0x800, cp = u[0] & 0x0F;
    else if (u[0] >= 0xF0 && u[0] <= 0xF4)
        n = 4, min = 0x10000, cp = u[0] & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((size_t)i >= avail)
            return -1;
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* ---- decoding ---- */

static int line_of(const char *buf, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

/* Refuses empty and binary input. */
static int check_bytes(const char *buf, size_t len, const char *source, cf_error_t *err)
{
    size_t blank = 0, controls = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == 0)
            return cf_error_set(err, CF_EPARSE, source, line_of(buf, i), 0,
                                "binary file: NUL byte at offset %zu; expected the text of a "
                                "权责清单",
                                i);
        blank += c == ' ' || c == '\t' || c == '\n' || c == '\r';
        controls += c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f';
    }
    if (blank == len)
        return cf_error_set(err, CF_EPARSE, source, 0, 0, "empty file: no text to import");
    if (controls > len / 100)
        return cf_error_set(err, CF_EPARSE, source, 0, 0,
                            "binary file: %zu control bytes; expected the text of a 权责清单",
                            controls);
    return 0;
}

static int from_gb18030(const char *buf, size_t len, const char *source, size_t bad_utf8,
                        char **text, cf_error_t *err)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return cf_error_set(err, CF_EPARSE, source, line_of(buf, bad_utf8), 0,
                            "not UTF-8 (invalid byte 0x%02X at offset %zu) and GB18030 "
                            "conversion is unavailable",
                            (unsigned char)buf[bad_utf8], bad_utf8);
    size_t cap = len * 2 + 16, inleft = len, outleft = cap;
    char *out = malloc(cap), *in = (char *)buf, *o = out;
    if (!out) {
        iconv_close(cd);
        return CF_ENOMEM;
    }
    size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
    int e = errno;
    iconv_close(cd);
    if (rc == (size_t)-1) {
        size_t off = (size_t)(in - buf);
        free(out);
        return cf_error_set(err, CF_EPARSE, source, line_of(buf, bad_utf8), 0,
                            "not UTF-8 (invalid byte 0x%02X at offset %zu, line %d) and not "
                            "GB18030 either (%s at offset %zu, line %d); convert the file to "
                            "UTF-8",
                            (unsigned char)buf[bad_utf8], bad_utf8, line_of(buf, bad_utf8),
                            e == EINVAL ? "sequence cut at the end" : "invalid sequence", off,
                            line_of(buf, off));
    }
    *o = '\0';
    *text = out;
    return 0;
}

/* "UTF-16LE" or "UTF-16BE" when buf is UTF-16 (Excel's 另存为 Unicode 文本, a
 * tab-separated list): after its byte order mark, or without one when every other byte
 * is often the NUL of an ASCII character (digits, tabs, line breaks) and the others
 * seldom are (U+4E00 一 is 00 4E); else NULL. A guess that does not convert is binary. */
static const char *utf16_of(const char *buf, size_t len)
{
    const unsigned char *u = (const unsigned char *)buf;
    size_t nul[2] = {0, 0}, end = len < 4096 ? len : 4096;
    for (size_t i = 0; i < end; i++)
        nul[i & 1] += u[i] == 0;
    int le = len >= 2 && u[0] == 0xFF && u[1] == 0xFE,
        be = len >= 2 && u[0] == 0xFE && u[1] == 0xFF;
    /* with the mark, some ASCII (a line break at least) at its place; without, much */
    size_t some = le || be ? 1 : end / 128 > 4 ? end / 128 : 4;
    int even = len % 2 == 0 || le || be; /* a marked file cut short is told so */
    if (even && !be && nul[1] >= some && nul[1] >= 16 * nul[0])
        return "UTF-16LE";
    if (even && !le && nul[0] >= some && nul[0] >= 16 * nul[1])
        return "UTF-16BE";
    return NULL;
}

/* buf as UTF-16 (from) converted to UTF-8 into *out (caller frees), its BOM dropped. */
static int from_utf16(const char *buf, size_t len, const char *from, const char *source, char **out,
                      size_t *out_len, cf_error_t *err)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return cf_error_set(err, CF_EPARSE, source, 0, 0,
                            "%s text, and the conversion is unavailable: save it as UTF-8", from);
    size_t cap = len / 2 * 3 + 16, inleft = len, outleft = cap;
    char *o = malloc(cap), *in = (char *)buf, *w = o;
    if (!o) {
        iconv_close(cd);
        return CF_ENOMEM;
    }
    size_t rc = iconv(cd, &in, &inleft, &w, &outleft);
    iconv_close(cd);
    if (rc == (size_t)-1) {
        size_t off = (size_t)(in - buf), lo = strcmp(from, "UTF-16LE") == 0 ? 0 : 1;
        int line = 1;
        for (size_t i = 0; i + 1 < off; i += 2)
            line += buf[i + lo] == '\n' && buf[i + 1 - lo] == 0;
        free(o);
        return cf_error_set(err, CF_EPARSE, source, line, 0,
                            "%s text with an invalid or cut sequence at byte offset %zu "
                            "(line %d): save it again as UTF-8 or Unicode text",
                            from, off, line);
    }
    *w = '\0';
    size_t n = (size_t)(w - o), skip = n >= 3 && memcmp(o, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    memmove(o, o + skip, n - skip + 1);
    *out = o;
    *out_len = n - skip;
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__decode(const char *buf, size_t len, const char *source, char **text, const char **encoding,
               cf_error_t *err)
{
    const char *wide = utf16_of(buf, len);
    int marked = len >= 2 && ((unsigned char)buf[0] ^ (unsigned char)buf[1]) == 0x01 &&
                 ((unsigned char)buf[0] & 0xFE) == 0xFE;
    if (wide) {
        char *u8 = NULL;
        size_t n = 0;
        int rc = from_utf16(buf, len, wide, source, &u8, &n, err);
        if (rc && !marked && rc != CF_ENOMEM) /* a guess that does not convert: binary */
            return check_bytes(buf, len, source, err) ? CF_EPARSE : rc;
        if (rc)
            return rc;
        rc = cf__decode(u8, n, source, text, encoding, err);
        free(u8);
        if (!rc)
            *encoding = wide;
        return rc;
    }
    int rc = check_bytes(buf, len, source, err);
    if (rc)
        return rc;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3, len -= 3;
    for (size_t i = 0; i < len;) {
        int n = u8_valid((const unsigned char *)buf + i, len - i);
        if (n > 0) {
            i += (size_t)n;
            continue;
        }
        if (n < 0)
            return cf_error_set(err, CF_EPARSE, source, line_of(buf, i), 0,
                                "truncated file: the text ends in the middle of a character "
                                "(offset %zu)",
                                i);
        *encoding = "GB18030";
        return from_gb18030(buf, len, source, i, text, err);
    }
    char *t = malloc(len + 1);
    if (!t)
        return CF_ENOMEM;
    memcpy(t, buf, len);
    t[len] = '\0';
    *text = t;
    *encoding = "UTF-8";
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__split_lines(char *text, cf__line_t **lines, size_t *count)
{
    size_t n = 1, k = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n' || (*p == '\r' && p[1] != '\n');
    cf__line_t *v = malloc(n * sizeof(*v));
    if (!v)
        return CF_ENOMEM;
    char *p = text;
    for (int no = 1;; no++) {
        char *e = p + strcspn(p, "\r\n");
        int last = *e == '\0';
        v[k].text = p;
        v[k++].no = no;
        if (last)
            break;
        p = e + (e[0] == '\r' && e[1] == '\n' ? 2 : 1);
        *e = '\0';
    }
    *lines = v;
    *count = k;
    return 0;
}

/* ---- cleaning ---- */

typedef struct clean_s {
    cf__sb_t sb;
    int pending; /* 0 none, 1 space, 2 line break */
    int paragraphs;
    /* counting only (cf__clean_longer): the code points the clean text would have
     * (as cf__u8_count counts them), up to max + 1; any: something was emitted */
    int count_only, any;
    size_t chars, max;
} clean_t;

static void emit(clean_t *c, const char *s, size_t n)
{
    if (c->count_only) {
        c->chars += c->pending && c->any;
        for (size_t i = 0; i < n; i++)
            c->chars += ((unsigned char)s[i] & 0xC0) != 0x80;
        c->pending = 0;
        c->any = 1;
        return;
    }
    if (c->pending && c->sb.len)
        cf__sb_adds(&c->sb, c->pending == 2 ? "\n" : " ");
    c->pending = 0;
    cf__sb_add(&c->sb, s, n);
}

static void brk(clean_t *c, int kind)
{
    if (kind == 2 && !c->paragraphs)
        kind = 1;
    if (kind > c->pending)
        c->pending = kind;
}

/* A tag at s: returns its length (0 if s is not a tag); OUT *block when it breaks
 * the line (p, br, li, div, tr, ol, ul, h1-h6). */
static size_t tag_at(const char *s, int *block)
{
    const char *p = s + 1;
    if (*p == '/')
        p++;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '!'))
        return 0;
    const char *e = p;
    while (*e && *e != '>' && *e != '<' && e - s < 400)
        e++;
    if (*e != '>')
        return 0;
    static const char *const blocks[] = {"p",  "br", "li", "div", "tr", "ol", "ul",
                                         "h1", "h2", "h3", "h4",  "h5", "h6", "table"};
    size_t nl = 0; /* the name's letters and digits (strspn over them cost ~300 instructions) */
    while ((p[nl] >= 'a' && p[nl] <= 'z') || (p[nl] >= 'A' && p[nl] <= 'Z') ||
           (p[nl] >= '0' && p[nl] <= '9'))
        nl++;
    *block = 0;
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
        if (strlen(blocks[i]) == nl && strncasecmp(p, blocks[i], nl) == 0)
            *block = 1;
    return (size_t)(e - s) + 1;
}

/* An entity at s: returns its length and writes the UTF-8 it stands for into out
 * (at least 5 bytes), or returns 0. */
static size_t entity_at(const char *s, char *out)
{
    static const struct {
        const char *name, *text;
    } named[] = {{"&nbsp;", " "},
                 {"&amp;", "&"},
                 {"&lt;", "<"},
                 {"&gt;", ">"},
                 {"&quot;", "\""},
                 {"&apos;", "'"},
                 {"&#39;", "'"},
                 {"&ldquo;", "\xE2\x80\x9C"},
                 {"&rdquo;", "\xE2\x80\x9D"},
                 {"&mdash;", "\xE2\x80\x94"},
                 {"&hellip;", "\xE2\x80\xA6"},
                 {"&middot;", "\xC2\xB7"}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (cf__starts(s, named[i].name)) {
            strcpy(out, named[i].text);
            return strlen(named[i].name);
        }
    if (s[1] != '#')
        return 0;
    int hex = s[2] == 'x' || s[2] == 'X';
    char *end;
    unsigned long cp = strtoul(s + 2 + hex, &end, hex ? 16 : 10);
    if (*end != ';' || end == s + 2 + hex || cp == 0 || cp > 0x10FFFF)
        return 0;
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp, o[1] = 0;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6)), o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        o[2] = 0;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F)), o[3] = 0;
    } else {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F)), o[4] = 0;
    }
    return (size_t)(end - s) + 1;
}

/* A blank to the cleaner: a run of them is one space (a line break: '\n'). */
static int blank_cp(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0x3000 ||
           cp == 0xA0;
}

/* The bytes from s of the character there and the characters after it the cleaner
 * copies as they are (up to a tag or an entity's '<' or '&', a blank, a line break):
 * copied in one piece, not one character at a time (the same text). */
static size_t plain_run(const char *s)
{
    unsigned cp;
    size_t k = (size_t)cf__u8_next(s, &cp);
    for (;;) {
        unsigned char b = (unsigned char)s[k];
        if (b == '\0' || b == '<' || b == '&')
            return k;
        int n = b < 0x80 ? (cp = b, 1) : cf__u8_next(s + k, &cp);
        if (cp == '\n' || blank_cp(cp))
            return k;
        k += (size_t)n;
    }
}

/* The cleaning itself: into c->sb, or counted (c->count_only: stops once past c->max). */
static void walk(clean_t *c, const char *s)
{
    char ent[8];
    while (s && *s && !(c->count_only && c->chars > c->max)) {
        unsigned cp;
        int n = cf__u8_next(s, &cp), block;
        size_t k;
        if (*s == '<' && (k = tag_at(s, &block)) > 0) {
            if (block)
                brk(c, 2);
            s += k;
        } else if (*s == '&' && (k = entity_at(s, ent)) > 0) {
            if (strcmp(ent, " ") == 0)
                brk(c, 1);
            else
                emit(c, ent, strlen(ent));
            s += k;
        } else if (cp == '\n') {
            brk(c, 2);
            s += n;
        } else if (blank_cp(cp)) {
            brk(c, 1);
            s += n;
        } else {
            k = c->count_only ? (size_t)n : plain_run(s); /* counting stops early */
            emit(c, s, k);
            s += k;
        }
    }
}

/* Exported, documented in importer-int.h */
char *cf__clean(const char *s, int paragraphs)
{
    clean_t c = {.paragraphs = paragraphs};
    walk(&c, s);
    return cf__sb_take(&c.sb);
}

/* Exported, documented in importer-int.h */
int cf__clean_longer(const char *s, size_t max)
{
    clean_t c = {.count_only = 1, .max = max};
    walk(&c, s);
    return c.chars > max;
}

/* 1 if s starts a list item: "1." "1、" "（一）" "(1)" or a tag. */
static int starts_item(const char *s)
{
    size_t d = strspn(s, "0123456789"), used;
    if (d > 0 && d < 3)
        return s[d] == '.' || cf__starts(s + d, "、") || cf__starts(s + d, "．");
    size_t open = *s == '(' ? 1 : cf__starts(s, "（") ? strlen("（") : 0;
    if (open && cf__numeral(s + open, &used) >= 0)
        return s[open + used] == ')' || cf__starts(s + open + used, "）");
    return *s == '<';
}

/* Length of a without the blanks and tags at its end. */
static size_t visible_end(const char *a, size_t la)
{
    for (;;) {
        while (la && (a[la - 1] == ' ' || a[la - 1] == '\t'))
            la--;
        if (!la || a[la - 1] != '>')
            return la;
        size_t k = la - 1;
        int block;
        while (k > 0 && a[k] != '<')
            k--;
        if (a[k] != '<' || tag_at(a + k, &block) != la - k)
            return la;
        la = k;
    }
}

/* b past the blanks and tags at its start. */
static const char *visible_start(const char *b)
{
    for (;;) {
        b += strspn(b, " \t");
        int block;
        size_t k = *b == '<' ? tag_at(b, &block) : 0;
        if (!k)
            return b;
        b += k;
    }
}

/* Exported, documented in importer-int.h */
char *cf__join(const char *a, const char *b)
{
    while (*b == ' ' || *b == '\t')
        b++;
    size_t la = strlen(a);
    while (la && (a[la - 1] == ' ' || a[la - 1] == '\t'))
        la--;
    if (la == 0 || !*b)
        return la ? cf__strndup_trim(a, la) : strdup(b);
    size_t va = visible_end(a, la);
    const char *vb = visible_start(b);
    unsigned last = 0, first = 0;
    if (va)
        cf__u8_prev(a, a + va, &last);
    if (*vb)
        cf__u8_next(vb, &first);
    const char *sep = " ";
    if (is_wide(last) && is_wide(first) && !cf__is_clause_end(last) && last != 0x3002 &&
        !starts_item(vb)) {
        sep = ""; /* inside a word: the tags at the break are the converter's */
        la = va;
        b = vb;
    } else if (starts_item(b) || cf__is_clause_end(last) || last == 0x3002) {
        sep = "\n";
    }
    cf__sb_t sb = {0};
    cf__sb_add(&sb, a, la);
    cf__sb_adds(&sb, sep);
    cf__sb_adds(&sb, b);
    return cf__sb_take(&sb);
}

/* ---- small helpers ---- */

/* Exported, documented in importer-int.h */
char *cf__strndup_trim(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Exported, documented in importer-int.h */
int cf__starts(const char *s, const char *prefix)
{
    /* the first byte first: most calls fail there (a hot path of the shapes) */
    return *s == *prefix && (!*prefix || strncmp(s + 1, prefix + 1, strlen(prefix) - 1) == 0);
}

/* Exported, documented in importer-int.h */
int cf__ends(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

/* Exported, documented in importer-int.h */
int cf__blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n")] == '\0';
}

/* Exported, documented in importer-int.h */
const char *cf__excerpt(const char *s, size_t max, char *out, size_t size)
{
    size_t o = 0, chars = 0;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    while (*s && chars < max) {
        unsigned cp;
        int n = cf__u8_next(s, &cp);
        if (o + (size_t)n + 4 >= size)
            break;
        if (cp == '\n' || cp == '\t') {
            out[o++] = ' ';
        } else {
            memcpy(out + o, s, (size_t)n);
            o += (size_t)n;
        }
        s += n;
        chars++;
    }
    if (*s && o + 4 <= size) {
        memcpy(out + o, "\xE2\x80\xA6", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
