/*
 * fold.c -- characters as published, matched as one: traditional characters
 * folded to simplified (OpenCC's t2s) for matching labels and power types, and
 * the pinyin a mirror site writes after characters (監(jiān)) removed.
 *
 * Why fold only for matching: a catalog keeps the text the bureau published
 * (a Hong Kong or Taiwan copy, or a county that prints traditional forms, keeps
 * its 行政處罰 as written); only the words the importer compares (column labels,
 * card labels, power types, section headings) are folded. A label is short, so
 * folding stays cheap: strings longer than FOLD_MAX bytes are never folded
 * (no label or power type is that long), and a string of ASCII or of
 * characters OpenCC leaves alone comes back equal.
 *
 * Pinyin is removed from the whole text once, before anything reads it: a run
 * of lower-case Latin letters with at least one tone mark, in ASCII or
 * full-width parentheses, right after a Han character. It is noise of the copy,
 * not of the list (no 权责清单 writes pinyin), so it is not kept.
 *
 * Rejected: a table of our own of traditional forms (OpenCC's is complete and
 * maintained, and Debian ships it). Cost: OpenCC's dictionaries are loaded on
 * the first fold (a few milliseconds); when the data package is missing, no
 * folding is done and traditional labels stay unrecognized (the header words
 * file can then list them).
 */
#include "importer-int.h"

#include <opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLD_MAX 256

static opencc_t cc = (opencc_t)-1;
static int cc_tried;

/* The characters OpenCC changes, one bit each, over the Han blocks below (BMP),
 * each learned the first time a string to fold holds it: converted alone, one call
 * (learned[] says which are known). A string without any of them is not handed to
 * OpenCC at all, which most strings the importer compares are (a call costs some
 * microseconds, and an import of 5,000 matters asked for a few hundred thousand).
 * Learned as asked, not the whole blocks at once on the first fold: converting
 * their 52,000 characters was 3% of an import of 5,000 matters, most of them never
 * seen; a list uses a few thousand. Cost: a phrase OpenCC converts only as a
 * whole (乾燥 -> 干燥, each character unchanged alone) is not folded; labels and
 * power types hold none. */
#define HAN_LO 0x2E80u
#define HAN_HI 0xFAFFu
static unsigned char changes[(HAN_HI - HAN_LO + 1) / 8 + 1];
static unsigned char learned[(HAN_HI - HAN_LO + 1) / 8 + 1];

static int utf8_put(char *o, unsigned cp)
{
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    return 0;
}

/* 1 when OpenCC changes cp (HAN_LO..HAN_HI) alone, asked once a character; a
 * conversion that fails counts as a change (the whole string is then asked). */
static int changes_cp(unsigned cp)
{
    size_t i = (cp - HAN_LO) / 8;
    unsigned char bit = (unsigned char)(1u << ((cp - HAN_LO) % 8));
    if (!(learned[i] & bit)) {
        char in[4];
        int n = utf8_put(in, cp);
        char *out = opencc_convert_utf8(cc, in, (size_t)n);
        if (!out || strlen(out) != (size_t)n || memcmp(out, in, (size_t)n) != 0)
            changes[i] |= bit;
        if (out)
            opencc_convert_utf8_free(out);
        learned[i] |= bit;
    }
    return (changes[i] & bit) != 0;
}

/* 1 when s may hold something OpenCC folds. */
static int foldable(const char *s)
{
    for (const char *p = s; *p;) {
        unsigned cp;
        p += cf__u8_next(p, &cp);
        if (cp > HAN_HI && cp >= 0x10000)
            return 1; /* beyond the blocks learned: ask OpenCC */
        if (cp >= HAN_LO && cp <= HAN_HI && changes_cp(cp))
            return 1;
    }
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__fold(const char *s, char *out, size_t size)
{
    size_t n = strlen(s);
    int wide = 0;
    for (size_t i = 0; i < n; i++)
        wide |= (unsigned char)s[i] >= 0x80;
    if (!wide || n > FOLD_MAX || size == 0)
        return 0;
    if (!cc_tried) {
        cc_tried = 1;
        cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
    }
    if (cc == (opencc_t)-1 || !foldable(s))
        return 0;
    char *f = opencc_convert_utf8(cc, s, n);
    if (!f)
        return 0;
    int changed = strcmp(f, s) != 0 && strlen(f) < size;
    if (changed)
        memcpy(out, f, strlen(f) + 1);
    opencc_convert_utf8_free(f);
    return changed;
}

static int tone_mark(unsigned cp)
{
    static const unsigned marks[] = {0x101, 0xE1,  0x1CE, 0xE0,  0x113, 0xE9,  0x11B, 0xE8,
                                     0x12B, 0xED,  0x1D0, 0xEC,  0x14D, 0xF3,  0x1D2, 0xF2,
                                     0x16B, 0xFA,  0x1D4, 0xF9,  0x1D6, 0x1D8, 0x1DA, 0x1DC,
                                     0xFC,  0x144, 0x148, 0x1F9, 0x1E3F};
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (cp == marks[i])
            return 1;
    return 0;
}

/* The length of a pinyin note at p ("(jiān)", "（yī）"), 0 if none. */
static size_t pinyin_at(const char *p)
{
    int full = cf__starts(p, "（");
    if (*p != '(' && !full)
        return 0;
    const char *q = p + (full ? 3 : 1);
    int marks = 0, letters = 0;
    while (*q) {
        unsigned cp;
        int n = cf__u8_next(q, &cp);
        if (cp >= 'a' && cp <= 'z')
            letters++;
        else if (tone_mark(cp))
            marks++, letters++;
        else
            break;
        q += n;
    }
    if (!marks || letters > 7)
        return 0;
    if (*q == ')')
        return (size_t)(q + 1 - p);
    if (cf__starts(q, "）"))
        return (size_t)(q + 3 - p);
    return 0;
}

/* 1 when text may hold a tone mark. Valid UTF-8 (cf__decode's text) writes every one
 * of tone_mark's with a lead byte C3, C4, C5 or C7, or as E1 B8 BF (U+1E3F): a text
 * with none of them has no note, and is left without decoding it character by
 * character (that walk was 4% of the instructions of an import of 5,000 matters). */
static int may_have_marks(const char *text)
{
    /* strpbrk: libc's scan, a fraction of an instruction a byte (a loop of ours: 12) */
    for (const char *p = text; (p = strpbrk(p, "\xC3\xC4\xC5\xC7\xE1")) != NULL; p++)
        if (*p != '\xE1' || (p[1] == '\xB8' && p[2] == '\xBF'))
            return 1;
    return 0;
}

/* Exported, documented in importer-int.h */
size_t cf__strip_pinyin(char *text)
{
    if (!may_have_marks(text))
        return 0;
    size_t removed = 0;
    char *w = text;
    unsigned prev = 0;
    for (const char *r = text; *r;) {
        size_t k = cf__is_han(prev) ? pinyin_at(r) : 0;
        if (k) {
            r += k;
            removed++;
            continue;
        }
        int n = cf__u8_next(r, &prev);
        if (w != r) /* nothing moves until a note was removed */
            memmove(w, r, (size_t)n);
        w += n;
        r += n;
    }
    *w = '\0';
    return removed;
}

/* Exported, documented in importer-int.h */
char *cf__opencc(const char *config, const char *s)
{
    /* one converter kept for the last configuration: opening one loads its
     * dictionaries, which costs far more than a conversion */
    static opencc_t o = (opencc_t)-1;
    static char name[64];
    if (o == (opencc_t)-1 || strcmp(name, config) != 0) {
        if (o != (opencc_t)-1)
            opencc_close(o);
        snprintf(name, sizeof(name), "%s", config);
        o = opencc_open(config);
    }
    if (o == (opencc_t)-1)
        return NULL;
    char *f = opencc_convert_utf8(o, s, strlen(s));
    char *copy = f ? strdup(f) : NULL;
    if (f)
        opencc_convert_utf8_free(f);
    return copy;
}
