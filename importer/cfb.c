/*
 * cfb.c -- Microsoft's compound file (OLE2, [MS-CFB]), the container of a Word 97-2003
 * .doc (doc.c reads its WordDocument and table streams) and of an Excel 97-2003 .xls
 * (xls.c finds its Workbook stream's sectors to make the NULs in its strings spaces in
 * place before FreeXL reads the file).
 *
 * One reader for both: the header (signature, sector size 512 or 4096), the FAT through
 * the header's 109 DIFAT entries and then the DIFAT chain, the directory, the mini FAT
 * and the mini stream (the root entry's stream, 64-byte mini sectors) for streams under
 * the header's cutoff. A stream is given as its bytes (cf__cfb_read) or as the file
 * offsets of its sectors or mini sectors (cf__cfb_where), which xls.c patches in place.
 * Every sector index is checked against the file and its table, and a chain that meets a
 * sector twice (a loop; the DIFAT chain's too) is refused, not followed: a crafted file is refused
 * with CF_EPARSE, never read out of bounds. A chain shorter than its stream's size is read as far
 * as it goes (doc.c reads what a damaged file still holds) but has no offsets (xls.c patches a
 * whole workbook stream or none of it). The mini stream is not copied: its sectors' offsets are
 * kept, a mini sector's offset is found through them. Rejected: libgsf (a GLib dependency for a few
 * hundred lines) and the two readers doc.c and xls.c had each (they differed in their bounds
 * checks; xls.c's read no DIFAT chain, leaving workbooks over 6.8 MB unpatched).
 */
#include "importer-int.h"

#include <stdlib.h>
#include <string.h>

#define ENDOFCHAIN 0xFFFFFFFEu
#define FREESECT   0xFFFFFFFFu
#define HEADER     512

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* The file offset of sector s (whole inside the file), or 0. */
static size_t sector_at(const cf__cfb_t *c, uint32_t s)
{
    size_t at = ((size_t)s + 1) * c->ssz;
    return s < ENDOFCHAIN - 16 && at + c->ssz <= c->len ? at : 0;
}

/* The chain from start through table (count entries): OUT *out (malloc'd, the sectors
 * in order) and *n; at most want sectors (0: to the end of the chain; a chain may end
 * before want). 0, CF_EPARSE (a sector past the table, a loop: a sector met twice) or
 * CF_ENOMEM. */
static int chain(const uint32_t *table, size_t count, uint32_t start, size_t want, uint32_t **out,
                 size_t *n)
{
    uint32_t *v = NULL;
    unsigned char *seen = calloc(count / 8 + 1, 1);
    size_t k = 0, cap = 0;
    int rc = seen ? 0 : CF_ENOMEM;
    for (uint32_t s = start; !rc && s != ENDOFCHAIN && (!want || k < want); s = table[s]) {
        if (s >= count || (seen[s / 8] >> (s % 8) & 1)) {
            rc = CF_EPARSE;
            break;
        }
        seen[s / 8] |= (unsigned char)(1u << (s % 8));
        uint32_t *t = k < cap ? v : realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(uint32_t));
        if (!t)
            rc = CF_ENOMEM;
        else
            v = t, v[k++] = s;
    }
    free(seen);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

/* The FAT sector s's entries into c->fat at k (of per each). 0 or CF_EPARSE. */
static int fat_sector(cf__cfb_t *c, uint32_t s, size_t k)
{
    size_t at = sector_at(c, s), per = c->ssz / 4;
    if (!at)
        return CF_EPARSE;
    for (size_t j = 0; j < per; j++)
        c->fat[k * per + j] = u32(c->buf + at + 4 * j);
    return 0;
}

/* The FAT sectors the DIFAT chain from difat names, into c->fat from *k (each DIFAT
 * sector's last entry the next) until nfs are read. 0, CF_EPARSE (a DIFAT sector outside
 * the file, the chain ending first, or meeting a DIFAT sector twice: a loop would read
 * the same FAT sectors again as the next ones) or CF_ENOMEM. */
static int load_difat(cf__cfb_t *c, uint32_t difat, size_t nfs, size_t *k)
{
    size_t per = c->ssz / 4, sectors = c->len / c->ssz;
    unsigned char *seen = calloc(sectors / 8 + 1, 1);
    int rc = seen ? 0 : CF_ENOMEM;
    while (!rc && *k < nfs) {
        size_t d = sector_at(c, difat);
        if (!d || (seen[difat / 8] >> (difat % 8) & 1)) {
            rc = CF_EPARSE;
            break;
        }
        seen[difat / 8] |= (unsigned char)(1u << (difat % 8));
        for (size_t i = 0; !rc && i + 1 < per && *k < nfs; i++, (*k)++)
            rc = fat_sector(c, u32(c->buf + d + 4 * i), *k);
        difat = u32(c->buf + d + 4 * (per - 1));
    }
    free(seen);
    return rc;
}

/* The FAT: the sectors the header's 109 DIFAT entries name, then the DIFAT chain's
 * (load_difat) for a file of more than 109 FAT sectors (6.8 MB in 512-byte sectors). */
static int load_fat(cf__cfb_t *c)
{
    size_t nfs = u32(c->buf + 0x2C), per = c->ssz / 4, k = 0;
    if (nfs == 0 || nfs > c->len / c->ssz + 1)
        return CF_EPARSE;
    if (!(c->fat = malloc(nfs * per * sizeof(uint32_t))))
        return CF_ENOMEM;
    for (size_t i = 0; i < 109 && k < nfs; i++, k++)
        if (fat_sector(c, u32(c->buf + 0x4C + 4 * i), k))
            return CF_EPARSE;
    int rc = k < nfs ? load_difat(c, u32(c->buf + 0x44), nfs, &k) : 0;
    if (rc)
        return rc;
    c->fat_count = nfs * per;
    return 0;
}

/* The directory (its whole chain) copied into c->dir. */
static int load_dir(cf__cfb_t *c)
{
    uint32_t *sec = NULL;
    size_t n = 0;
    int rc = chain(c->fat, c->fat_count, u32(c->buf + 0x30), 0, &sec, &n);
    if (!rc && n == 0)
        rc = CF_EPARSE;
    if (!rc && !(c->dir = malloc(n * c->ssz)))
        rc = CF_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t at = sector_at(c, sec[i]);
        if (at)
            memcpy(c->dir + i * c->ssz, c->buf + at, c->ssz);
        else
            rc = CF_EPARSE;
    }
    if (!rc)
        c->dir_len = n * c->ssz;
    free(sec);
    return rc;
}

/* The mini FAT (when the header names one) and the mini stream's sectors: the root
 * entry's chain, as many sectors as its size takes. */
static int load_mini(cf__cfb_t *c)
{
    uint32_t start = u32(c->buf + 0x3C), *sec = NULL;
    size_t n = 0, per = c->ssz / 4;
    if (start == ENDOFCHAIN || start == FREESECT)
        return 0;
    int rc = chain(c->fat, c->fat_count, start, 0, &sec, &n);
    if (!rc && !(c->mfat = malloc(n * per * sizeof(uint32_t) + 4)))
        rc = CF_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t at = sector_at(c, sec[i]);
        for (size_t j = 0; at && j < per; j++)
            c->mfat[i * per + j] = u32(c->buf + at + 4 * j);
        rc = at ? 0 : CF_EPARSE;
    }
    free(sec);
    if (rc)
        return rc;
    c->mfat_count = n * per;
    c->mini_len = u32(c->dir + 0x78);
    rc = chain(c->fat, c->fat_count, u32(c->dir + 0x74), (c->mini_len + c->ssz - 1) / c->ssz,
               &c->mini, &c->mini_count);
    if (!rc && c->mini_len > c->mini_count * c->ssz) /* a chain cut short: what it holds */
        c->mini_len = c->mini_count * c->ssz;
    return rc;
}

/* Exported, documented in importer-int.h */
int cf__cfb_open(cf__cfb_t *c, const void *buf, size_t len)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    memset(c, 0, sizeof(*c));
    c->buf = buf;
    c->len = len;
    unsigned shift = len >= HEADER && memcmp(buf, sig, 8) == 0 ? u16(c->buf + 0x1E) : 0;
    if (shift != 9 && shift != 12)
        return CF_EPARSE;
    c->ssz = (size_t)1 << shift;
    c->cutoff = u32(c->buf + 0x38);
    int rc = load_fat(c);
    if (!rc)
        rc = load_dir(c);
    if (!rc)
        rc = load_mini(c);
    if (rc)
        cf__cfb_close(c);
    return rc;
}

/* Exported, documented in importer-int.h */
void cf__cfb_close(cf__cfb_t *c)
{
    free(c->fat);
    free(c->mfat);
    free(c->mini);
    free(c->dir);
    c->fat = c->mfat = c->mini = NULL;
    c->dir = NULL;
}

/* The directory entry of the stream named name (ASCII), or NULL. */
static const unsigned char *entry(const cf__cfb_t *c, const char *name)
{
    size_t nl = strlen(name);
    for (size_t e = 0; e + 128 <= c->dir_len; e += 128) {
        const unsigned char *d = c->dir + e;
        if (d[0x42] != 2 || u16(d + 0x40) != (nl + 1) * 2 || u16(d + 2 * nl) != 0)
            continue;
        size_t i = 0;
        while (i < nl && u16(d + 2 * i) == (unsigned char)name[i])
            i++;
        if (i == nl)
            return d;
    }
    return NULL;
}

/* The file offset of mini sector m (64 bytes inside the mini stream), or 0. */
static size_t mini_at(const cf__cfb_t *c, uint32_t m)
{
    size_t at = (size_t)m * 64;
    if (at + 64 > c->mini_len || at / c->ssz >= c->mini_count)
        return 0;
    size_t base = sector_at(c, c->mini[at / c->ssz]);
    return base ? base + at % c->ssz : 0;
}

/* The file offsets of the stream name's sectors (cf__cfb_where); partial: a chain shorter
 * than the stream's size gives what it holds (*size cut to it), else it is refused. */
static int units(const cf__cfb_t *c, const char *name, int partial, size_t **where,
                 size_t *where_count, size_t *unit, size_t *size)
{
    const unsigned char *d = entry(c, name);
    if (!d)
        return CF_ENOTFOUND;
    size_t sz = u32(d + 0x78), n = 0;
    int in_mini = sz < c->cutoff && c->mfat;
    size_t u = in_mini ? 64 : c->ssz;
    uint32_t *sec = NULL;
    int rc = sz ? chain(in_mini ? c->mfat : c->fat, in_mini ? c->mfat_count : c->fat_count,
                        u32(d + 0x74), (sz + u - 1) / u, &sec, &n)
                : 0;
    if (!rc && n * u < sz)
        rc = partial ? (sz = n * u, 0) : CF_EPARSE;
    size_t *w = !rc ? malloc((n ? n : 1) * sizeof(size_t)) : NULL;
    if (!rc && !w)
        rc = CF_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        if (!(w[i] = in_mini ? mini_at(c, sec[i]) : sector_at(c, sec[i])))
            rc = CF_EPARSE;
    free(sec);
    if (rc) {
        free(w);
        return rc;
    }
    *where = w;
    *where_count = n;
    *unit = u;
    *size = sz;
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__cfb_where(const cf__cfb_t *c, const char *name, size_t **where, size_t *where_count,
                  size_t *unit, size_t *size)
{
    return units(c, name, 0, where, where_count, unit, size);
}

/* Exported, documented in importer-int.h */
int cf__cfb_read(const cf__cfb_t *c, const char *name, unsigned char **out, size_t *out_len)
{
    size_t *w, n, unit, size;
    int rc = units(c, name, 1, &w, &n, &unit, &size);
    if (rc)
        return rc;
    unsigned char *b = malloc(size ? size : 1);
    for (size_t i = 0; b && i < n; i++)
        memcpy(b + i * unit, c->buf + w[i], size - i * unit < unit ? size - i * unit : unit);
    free(w);
    if (!b)
        return CF_ENOMEM;
    *out = b;
    *out_len = size;
    return 0;
}
