/*
 * doc.c -- Word 97-2003 documents (.doc): the main text read through the piece
 * table, tables written as tab-separated rows (a cell's paragraphs joined with
 * <p>, as office.c writes a .docx), other paragraphs as lines.
 *
 * Many bureaus publish their 权责清单 as a .doc attachment. The file is an OLE2
 * compound file (the container an .xls uses) holding a WordDocument stream (the
 * FIB, the text) and a 0Table or 1Table stream (the piece table, the paragraph
 * properties). The reading, after [MS-CFB] and [MS-DOC]:
 *   - the compound file: its streams read by cfb.c (the container an .xls shares);
 *   - the text: the CLX's piece table maps character positions to bytes of the
 *     WordDocument stream, UTF-16 or 8-bit ("compressed", cp1252); only the main
 *     document (ccpText characters) is read, not footnotes or headers;
 *   - tables: a cell ends with 0x07, and a row ends with one more 0x07 paragraph
 *     whose properties say it ends a row (sprmPFTtp in the paragraph's PAPX, found
 *     through the PlcfBtePapx's FKP pages). An empty cell is also a lone 0x07, so
 *     the properties decide; when they cannot be read, a row ends at the second of
 *     two 0x07 in a row, the rule that holds when no cell is empty;
 *   - fields (0x13 instruction 0x14 result 0x15) keep their result only.
 *
 * Alternatives rejected: a library (wvWare, antiword) is one more dependency for
 * one reader, and its text loses the table structure or needs a second parse;
 * converting with LibreOffice is not on a bureau's server. Cost: horizontally
 * merged cells (a row with fewer cells) are not spread over their columns; the
 * table reader realigns such rows by content. Encrypted files are refused.
 */
#include "importer-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* ---- paragraph properties: which paragraph marks end a table row ---- */

#define P_TTP   1 /* the paragraph ends a table row */
#define P_TABLE 2 /* the paragraph is in a table (a cell's) */

typedef struct para_s {
    uint32_t end;  /* the byte offset (fc) just past the paragraph's mark */
    int flags;     /* P_TTP, P_TABLE */
    uint64_t cont; /* a row end's cells that continue a vertical merge */
} para_t;

typedef struct ttp_s {
    para_t *p; /* the paragraphs in tables, sorted by end once read */
    size_t n, cap;
} ttp_t;

/* Bytes of a sprm's operand at p (its sprm code s), or 0 when it cannot be told. */
static size_t operand_len(unsigned s, const unsigned char *p, size_t left)
{
    switch (s >> 13) {
    case 0:
    case 1:
        return 1;
    case 2:
    case 4:
    case 5:
        return 2;
    case 3:
        return 4;
    case 7:
        return 3;
    default:
        if (s == 0xD608 && left >= 2) /* sprmTDefTable: a 2-byte size */
            return u16(p) + 1;
        return left >= 1 ? (size_t)p[0] + 1 : 0;
    }
}

/* P_TTP when the grpprl (after the istd) holds sprmPFTtp (0x2417) or sprmPFInnerTtp
 * (0x244C), P_TABLE for sprmPFInTable (0x2416) or sprmPItap (0x6649), with a nonzero
 * operand. */
/* The cells of a row that continue the cell above (fVertMerge without fVertRestart), from
 * the operand of sprmTDefTable at p (n bytes): itcMac, the cells' edges, TC80s of 20
 * bytes whose first word holds the flags. */
static uint64_t vmerged(const unsigned char *p, size_t n)
{
    if (n < 3)
        return 0;
    size_t k = p[2], at = 3 + 2 * (k + 1);
    uint64_t m = 0;
    for (size_t c = 0; c < k && c < 64 && at + 20 * (c + 1) <= n; c++) {
        unsigned fl = u16(p + at + 20 * c);
        if ((fl & 0x20) && !(fl & 0x40))
            m |= (uint64_t)1 << c;
    }
    return m;
}

static int sprm_flags(const unsigned char *p, size_t n, const unsigned char *data, size_t data_len,
                      uint64_t *cont)
{
    int f = 0;
    for (size_t i = 0; i + 2 <= n;) {
        unsigned s = u16(p + i);
        size_t ol = operand_len(s, p + i + 2, n - i - 2);
        if (!ol || i + 2 + ol > n)
            break;
        if ((s == 0x2417 || s == 0x244C) && p[i + 2])
            f |= P_TTP;
        if ((s == 0x2416 || s == 0x6649) && p[i + 2])
            f |= P_TABLE;
        if (s == 0xD608)
            *cont = vmerged(p + i + 2, ol);
        /* sprmPHugePapx: the properties are in the Data stream (a long sprmTDefTable) */
        uint32_t at = s == 0x6646 ? u32(p + i + 2) : 0;
        if (s == 0x6646 && data && (size_t)at + 2 <= data_len &&
            (size_t)at + 2 + u16(data + at) <= data_len)
            f |= sprm_flags(data + at + 2, u16(data + at), NULL, 0, cont);
        i += 2 + ol;
    }
    return f;
}

/* The row ends of one 512-byte FKP page of PAPX. */
static int fkp_rows(const unsigned char *pg, const unsigned char *data, size_t data_len, ttp_t *t)
{
    unsigned crun = pg[511];
    if (crun == 0 || 4 * (crun + 1) + 13 * crun > 511)
        return 0;
    for (unsigned i = 0; i < crun; i++) {
        unsigned off = 2u * pg[4 * (crun + 1) + 13 * i];
        if (!off || off >= 511)
            continue;
        size_t cb = pg[off], at = off + 1;
        if (cb == 0) {
            cb = 2 * (size_t)pg[off + 1];
            at = off + 2;
        } else {
            cb = 2 * cb - 1;
        }
        uint64_t cont = 0;
        int fl =
            cb >= 2 && at + cb <= 511 ? sprm_flags(pg + at + 2, cb - 2, data, data_len, &cont) : 0;
        if (!fl)
            continue;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 64;
            para_t *e = realloc(t->p, cap * sizeof(*e));
            if (!e)
                return CF_ENOMEM;
            t->p = e;
            t->cap = cap;
        }
        t->p[t->n++] = (para_t){u32(pg + 4 * (i + 1)), fl, cont};
    }
    return 0;
}

static int by_end(const void *a, const void *b)
{
    uint32_t x = ((const para_t *)a)->end, y = ((const para_t *)b)->end;
    return x < y ? -1 : x > y;
}

/* Row ends from the PlcfBtePapx (fc, lcb in the table stream tbl); an unreadable
 * table leaves t empty (the rule of two 0x07 then applies). */
static int row_ends(const unsigned char *wd, size_t wdl, const unsigned char *tbl, size_t tbll,
                    const unsigned char *data, size_t data_len, uint32_t fc, uint32_t lcb, ttp_t *t)
{
    if (lcb < 8 || (lcb - 4) % 8 || (size_t)fc + lcb > tbll)
        return 0;
    size_t n = (lcb - 4) / 8;
    for (size_t i = 0; i < n; i++) {
        size_t pn = u32(tbl + fc + 4 * (n + 1) + 4 * i) & 0x3FFFFF;
        if ((pn + 1) * 512 > wdl)
            continue;
        int rc = fkp_rows(wd + pn * 512, data, data_len, t);
        if (rc)
            return rc;
    }
    if (t->n)
        qsort(t->p, t->n, sizeof(*t->p), by_end);
    return 0;
}

/* The flags of the paragraph whose mark ends just before fc_after, 0 if none; OUT
 * *cont (may be NULL): its row's vertically merged cells. */
static int para_flags(const ttp_t *t, uint32_t fc_after, uint64_t *cont)
{
    para_t key = {fc_after, 0, 0};
    const para_t *p = t->n ? bsearch(&key, t->p, t->n, sizeof(*t->p), by_end) : NULL;
    if (p && cont)
        *cont = p->cont;
    return p ? p->flags : 0;
}

/* ---- text ---- */

typedef struct out_s {
    cf__sb_t page;  /* the result */
    cf__sb_t row;   /* the table row being built */
    cf__sb_t cell;  /* the cell or paragraph being built */
    cf__sb_t above; /* the last row written, for merged cells */
    int in_row;     /* cells written to row */
    int last7;      /* the previous mark was a cell's 0x07 */
    int field;      /* depth of fields whose instruction is being skipped */
} out_t;

static void put_cp(cf__sb_t *b, unsigned cp)
{
    char u[4];
    size_t n = 0;
    if (cp < 0x80)
        u[n++] = (char)cp;
    else if (cp < 0x800) {
        u[n++] = (char)(0xC0 | cp >> 6);
        u[n++] = (char)(0x80 | (cp & 0x3F));
    } else {
        u[n++] = (char)(0xE0 | cp >> 12);
        u[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[n++] = (char)(0x80 | (cp & 0x3F));
    }
    cf__sb_add(b, u, n);
}

/* The row built in o->row written to the page, the cells that continue a vertical merge
 * (cont) taken from the row above, as office.c does with a .docx's vMerge. */
static void end_row(out_t *o, uint64_t cont)
{
    char *row = cf__sb_take(&o->row);
    cf__sb_t keep = {0};
    const char *above = o->above.s ? o->above.s : "";
    size_t c = 0;
    for (const char *p = row ? row : "";; c++) {
        size_t n = strcspn(p, "\t");
        const char *a = above;
        for (size_t k = 0; k < c && a; k++)
            a = strchr(a, '\t') ? strchr(a, '\t') + 1 : NULL;
        size_t an = a ? strcspn(a, "\t") : 0;
        int take = n == 0 && c < 64 && (cont >> c & 1) && an;
        if (c)
            cf__sb_adds(&keep, "\t");
        cf__sb_add(&keep, take ? a : p, take ? an : n);
        if (!p[n])
            break;
        p += n + 1;
    }
    free(row);
    char *line = cf__sb_take(&keep);
    cf__sb_adds(&o->page, line ? line : "");
    cf__sb_adds(&o->page, "\n");
    cf__sb_free(&o->above);
    if (line)
        cf__sb_adds(&o->above, line);
    free(line);
}

/* One character of the main text; fc_after is the byte just past it. */
static void one_char(out_t *o, unsigned c, const ttp_t *t, int ttp_known, uint32_t fc_after)
{
    if (c == 0x13) { /* field begin: its instruction is skipped */
        o->field++;
        return;
    }
    if (c == 0x14 || c == 0x15) { /* separator (the result follows) or end */
        if (o->field > 0 && c == 0x14)
            o->field--;
        else if (o->field > 0 && c == 0x15)
            o->field--;
        return;
    }
    if (o->field > 0)
        return;
    if (c == 0x07) {
        uint64_t cont = 0;
        int row_end = ttp_known ? (para_flags(t, fc_after, &cont) & P_TTP) != 0
                                : o->last7 && o->cell.len == 0;
        if (row_end) {
            end_row(o, cont);
            o->row.len = 0;
            o->in_row = 0;
            o->last7 = 0;
            o->cell.len = 0;
            return;
        }
        if (o->in_row++)
            cf__sb_adds(&o->row, "\t");
        cf__sb_add(&o->row, o->cell.s ? o->cell.s : "", o->cell.len);
        o->cell.len = 0;
        o->last7 = 1;
        return;
    }
    o->last7 = 0;
    if (c == 0x0D) {
        if (ttp_known ? (para_flags(t, fc_after, NULL) & P_TABLE) != 0 : o->in_row > 0) {
            cf__sb_adds(&o->cell, "<p>");
            return;
        }
        cf__sb_add(&o->page, o->cell.s ? o->cell.s : "", o->cell.len);
        cf__sb_adds(&o->page, "\n");
        o->cell.len = 0;
        return;
    }
    if (c == 0x0B) { /* a line break inside a paragraph */
        cf__sb_adds(&o->cell, "<p>");
        return;
    }
    if (c == 0x09) {
        cf__sb_adds(&o->cell, " ");
        return;
    }
    if (c < 0x20 || (c >= 0xD800 && c < 0xE000) || c == 0xFFFE || c == 0xFFFF)
        return; /* pictures, page breaks, footnote marks, surrogate halves */
    put_cp(&o->cell, c);
}

static unsigned cp1252(unsigned char b)
{
    static const unsigned short hi[32] = {
        0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
    return b >= 0x80 && b < 0xA0 ? hi[b - 0x80] : b;
}

/* The pieces of the CLX at tbl + fc (lcb bytes), their text up to ccp characters into o. */
static int pieces(const unsigned char *wd, size_t wdl, const unsigned char *tbl, size_t tbll,
                  uint32_t fc, uint32_t lcb, uint32_t ccp, const ttp_t *t, out_t *o)
{
    if ((size_t)fc + lcb > tbll)
        return CF_EPARSE;
    const unsigned char *clx = tbl + fc;
    size_t at0 = 0;
    while (at0 < lcb && clx[at0] == 1) { /* Prc: property modifiers, not needed for the text */
        if (lcb - at0 < 3)
            return CF_EPARSE;
        at0 += 3 + (size_t)u16(clx + at0 + 1);
    }
    if (at0 + 5 > lcb || clx[at0] != 2)
        return CF_EPARSE;
    uint32_t plen = u32(clx + at0 + 1);
    const unsigned char *p = clx + at0 + 5;
    if (plen < 16 || plen > lcb - at0 - 5 || (plen - 4) % 12)
        return CF_EPARSE;
    size_t n = (plen - 4) / 12;
    for (size_t i = 0; i < n; i++) {
        uint32_t a = u32(p + 4 * i), b = u32(p + 4 * (i + 1));
        uint32_t pfc = u32(p + 4 * (n + 1) + 8 * i + 2);
        int compressed = (pfc & 0x40000000u) != 0;
        uint32_t at = compressed ? (pfc & ~0x40000000u) / 2 : pfc;
        if (a >= ccp)
            break;
        if (b > ccp)
            b = ccp;
        for (uint32_t k = 0; a + k < b; k++) {
            size_t off = compressed ? (size_t)at + k : (size_t)at + 2 * (size_t)k;
            if (off + (compressed ? 1 : 2) > wdl)
                return CF_EPARSE;
            unsigned c = compressed ? cp1252(wd[off]) : u16(wd + off);
            one_char(o, c, t, t->n > 0, (uint32_t)(off + (compressed ? 1 : 2)));
        }
    }
    return 0;
}

/* ---- entry ---- */

/* Exported, documented in importer-int.h */
int cf__is_doc(const char *buf, size_t len)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    static const char name[] = "W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
    if (len < 1024 || memcmp(buf, sig, 8) != 0)
        return 0;
    for (size_t i = 512; i + sizeof(name) <= len; i += 128)
        if (memcmp(buf + i, name, sizeof(name) - 1) == 0)
            return 1;
    return 0;
}

static int read_doc(const cf__cfb_t *f, out_t *o, const char **why)
{
    unsigned char *wd = NULL, *tbl = NULL, *data = NULL;
    size_t wdl = 0, tbll = 0, datal = 0;
    ttp_t t = {0};
    int rc = cf__cfb_read(f, "WordDocument", &wd, &wdl);
    *why = "no readable WordDocument stream";
    if (!rc && (wdl < 0x200 || u16(wd) != 0xA5EC))
        rc = CF_EPARSE, *why = "a WordDocument stream without a Word 97 FIB";
    if (!rc && (u16(wd + 0x0A) & 0x0100))
        rc = CF_EPARSE, *why = "an encrypted Word file (saved with a password)";
    size_t csw = !rc ? u16(wd + 0x20) : 0, lw = 0x22 + 2 * csw, cslw = 0, fl = 0;
    if (!rc) {
        cslw = lw + 2 <= wdl ? u16(wd + lw) : 0;
        fl = lw + 2 + 4 * cslw + 2; /* FibRgFcLcb */
        if (cslw < 4 || fl + 34 * 8 > wdl)
            rc = CF_EPARSE, *why = "a Word FIB too short for a piece table";
    }
    if (!rc) {
        rc = cf__cfb_read(f, (u16(wd + 0x0A) & 0x0200) ? "1Table" : "0Table", &tbl, &tbll);
        *why = "no readable table stream (1Table / 0Table)";
    }
    if (!rc) {
        uint32_t ccp = u32(wd + lw + 2 + 4 * 3);
        if (cf__cfb_read(f, "Data", &data, &datal) != 0) /* optional: huge PAPX only */
            data = NULL, datal = 0;
        rc = row_ends(wd, wdl, tbl, tbll, data, datal, u32(wd + fl + 13 * 8),
                      u32(wd + fl + 13 * 8 + 4), &t);
        if (!rc)
            rc = pieces(wd, wdl, tbl, tbll, u32(wd + fl + 33 * 8), u32(wd + fl + 33 * 8 + 4), ccp,
                        &t, o);
        *why = "a piece table (CLX) that does not fit the file";
    }
    if (!rc && o->cell.len) { /* the last paragraph, without its mark */
        cf__sb_add(&o->page, o->cell.s, o->cell.len);
        cf__sb_adds(&o->page, "\n");
    }
    free(t.p);
    free(data);
    free(wd);
    free(tbl);
    return rc == CF_ENOTFOUND ? CF_EPARSE : rc;
}

/* Exported, documented in importer-int.h */
int cf__doc_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err)
{
    cf__cfb_t f;
    out_t o;
    memset(&o, 0, sizeof(o));
    const char *why = "a damaged compound file (its sector tables do not fit the file)";
    int rc = cf__cfb_open(&f, buf, len);
    if (!rc)
        rc = read_doc(&f, &o, &why);
    cf__cfb_close(&f);
    char *t = cf__sb_take(&o.page);
    cf__sb_free(&o.row);
    cf__sb_free(&o.cell);
    cf__sb_free(&o.above);
    if (!rc && !t)
        rc = CF_ENOMEM;
    if (rc) {
        free(t);
        return cf_error_set(err, rc, source, 0, 0, "a Word 97-2003 file (.doc): %s",
                            rc == CF_ENOMEM ? "out of memory" : why);
    }
    *text = t;
    return 0;
}
