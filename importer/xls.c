/*
 * xls.c -- Excel 97-2003 workbooks (.xls, BIFF in an OLE2 compound file):
 * every worksheet, in the workbook's order, as tab-separated rows (a blank line
 * between two sheets: a list kept one sheet per power type is read whole; a sheet
 * left empty before the list is no "empty file"), through FreeXL.
 *
 * Recognized by content: the compound file's signature (D0 CF 11 E0 A1 B1 1A
 * E1) and a stream named "Workbook" (BIFF8) or "Book" (BIFF5) in its
 * directory, the names written in UTF-16; a Word .doc is the same container
 * without such a stream and is left to the other readers (which refuse it as
 * binary).
 *
 * FreeXL reads only from a path, so the bytes are written to a temporary file
 * (TMPDIR, else /tmp; mkstemp, removed at once after opening fails or the
 * reading ends). That is the importer's only file I/O; the alternative, a BIFF
 * reader of our own, was rejected: FreeXL handles BIFF2 to BIFF8, the shared
 * strings split over CONTINUE records, code pages and dates, and is in Debian.
 * FreeXL runs in a child process (fork, its text back through a pipe): fuzz-import
 * found workbooks on which FreeXL 1.0.6 reads and writes outside its own buffers
 * (a stack-buffer-underflow in its UTF-16 conversion, tests/fixtures/fuzz-regressions/
 * import/freexl-underflow.xls) and loses memory; what a crafted .xls does to FreeXL
 * then stays in that process, and the import answers an error naming the file.
 * Rejected: a BIFF reader of our own (below) and checking the BIFF records before
 * FreeXL sees them (the bug is in FreeXL's reading of records that look well-formed).
 * Cost: a fork per .xls imported (a few milliseconds).
 * Cost: FreeXL does not report merged cells, so a value merged down a column
 * (a 权力类型 over several rows) is only in the first row; the table reader's
 * rule for rows without 序号 that have their own name (they share the merged
 * cells above) covers the common case. Numbers are written as integers when
 * whole (a 序号 of 3.0 is "3"), dates as FreeXL gives them (YYYY-MM-DD).
 * A U+0000 inside a cell's text or a sheet's name is made a space in the copy FreeXL
 * reads (its strings are C strings: the rest of the cell was lost; "NUL characters"
 * below). Map: recognizing a workbook; a cell's text; the NULs (a BIFF record walker
 * over the workbook stream, patched where cfb.c says its sectors are); the child.
 */
#include "importer-int.h"

#include <errno.h>
#include <freexl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXCOLS       64
#define XLS_TEXT_MAX  (256 << 20) /* the most text a workbook may give */
#define TOO_MUCH_TEXT 1           /* run_child's return past XLS_TEXT_MAX */

/* The name, in UTF-16LE as a compound file's directory writes it, found in buf. */
static int has_utf16(const char *buf, size_t len, const char *name)
{
    char u[64];
    size_t n = strlen(name);
    if (n * 2 > sizeof(u))
        return 0;
    for (size_t i = 0; i < n; i++)
        u[2 * i] = name[i], u[2 * i + 1] = '\0';
    n *= 2;
    for (size_t i = 0; i + n + 2 <= len; i += 2) /* directory entries are 2-aligned */
        if (memcmp(buf + i, u, n) == 0 && buf[i + n] == '\0' && buf[i + n + 1] == '\0')
            return 1;
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__is_xls(const char *buf, size_t len)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    return len >= 512 && memcmp(buf, sig, 8) == 0 &&
           (has_utf16(buf, len, "Workbook") || has_utf16(buf, len, "Book"));
}

/* One cell's text into b: tabs and line breaks made safe for a tab row. */
static void cell_text(cf__sb_t *b, const FreeXL_CellValue *v)
{
    char num[64];
    const char *t = NULL;
    switch (v->type) {
    case FREEXL_CELL_INT:
        snprintf(num, sizeof(num), "%d", v->value.int_value);
        t = num;
        break;
    case FREEXL_CELL_DOUBLE:
        if (v->value.double_value == (double)(long long)v->value.double_value &&
            v->value.double_value > -1e15 && v->value.double_value < 1e15)
            snprintf(num, sizeof(num), "%lld", (long long)v->value.double_value);
        else
            snprintf(num, sizeof(num), "%.15g", v->value.double_value);
        t = num;
        break;
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
    case FREEXL_CELL_DATE:
    case FREEXL_CELL_DATETIME:
    case FREEXL_CELL_TIME:
        t = v->value.text_value;
        break;
    default:
        return;
    }
    for (const char *p = t; p && *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        cf__sb_adds(b, *p == '\n' || *p == '\r' ? "<p>" : *p == '\t' ? " " : (char[]){*p, 0});
    }
}

/* The active worksheet's rows, trailing empty cells dropped. */
static int sheet_rows(const void *h, cf__sb_t *out)
{
    unsigned int rows = 0;
    unsigned short cols = 0;
    if (freexl_worksheet_dimensions(h, &rows, &cols) != FREEXL_OK)
        return CF_EPARSE;
    if (cols > MAXCOLS)
        cols = MAXCOLS;
    for (unsigned int r = 0; r < rows; r++) {
        cf__sb_t line = {0};
        size_t keep = 0; /* length up to the last non-empty cell */
        for (unsigned short c = 0; c < cols; c++) {
            FreeXL_CellValue v;
            if (c)
                cf__sb_adds(&line, "\t");
            if (freexl_get_cell_value(h, r, c, &v) == FREEXL_OK) {
                size_t before = line.len;
                cell_text(&line, &v);
                if (line.len > before)
                    keep = line.len;
            }
        }
        if (line.s)
            cf__sb_add(out, line.s, keep);
        cf__sb_adds(out, "\n");
        cf__sb_free(&line);
    }
    return out->oom ? CF_ENOMEM : 0;
}

/* ---- NUL characters made spaces before FreeXL reads -------------------------------------- */

/* FreeXL hands a cell's text over as a C string, so a U+0000 inside it (a crafted
 * or damaged file: nobody types one) ended the cell there, and what followed it in the
 * cell was dropped in silence (a 实施依据 "……条例》\0第四十一条" read as the law without
 * its article). The bytes FreeXL reads are patched first: every U+0000 of a cell's
 * text (LABEL, the shared strings SST with their CONTINUE records, BIFF8; LABEL,
 * BIFF5) and of a sheet's name (BOUNDSHEET) becomes a space, as a tab does in
 * cell_text. The compound file's reader (cfb.c) gives the file offsets of the workbook
 * stream's sectors (its FAT chain, or the mini stream's); a file it refuses (out of
 * bounds, looping) is left as it is (FreeXL then says what it says of them).
 * Rejected: reading past the NUL in FreeXL's string (its length is not given, the
 * bytes after the end are not ours); refusing such a file (a stray control character
 * is no reason to lose a whole list). */

static uint32_t rd16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

/* A BIFF record walker over the workbook stream, across CONTINUE records. */
typedef struct biff_s {
    unsigned char *s;
    size_t len, pos, end; /* end: the current record's data ends there */
} biff_t;

/* At the end of a record's data: into the CONTINUE record that follows, 1 (else 0). */
static int biff_continue(biff_t *b)
{
    if (b->end + 4 > b->len || rd16(b->s + b->end) != 0x003C)
        return 0;
    b->pos = b->end + 4;
    b->end = b->pos + rd16(b->s + b->end + 2);
    return b->end <= b->len;
}

static int biff_skip(biff_t *b, size_t n)
{
    while (n) {
        if (b->pos == b->end && !biff_continue(b))
            return 0;
        size_t k = n < b->end - b->pos ? n : b->end - b->pos;
        b->pos += k, n -= k;
    }
    return 1;
}

static int biff_get(biff_t *b, size_t n, uint32_t *v) /* n: 1, 2 or 4 bytes */
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (b->pos == b->end && !biff_continue(b))
            return 0;
        *v |= (uint32_t)b->s[b->pos++] << (8 * i);
    }
    return 1;
}

/* cch characters (16-bit when wide): each U+0000 made a space. A string split over a
 * CONTINUE restates its width in the continuation's first byte. */
static int biff_chars(biff_t *b, uint32_t cch, int wide)
{
    while (cch) {
        if (b->pos == b->end) {
            if (!biff_continue(b) || b->pos == b->end)
                return 0;
            wide = b->s[b->pos++] & 1;
        }
        size_t w = wide ? 2 : 1;
        if (b->pos + w > b->end)
            return 0;
        if (b->s[b->pos] == 0 && (!wide || b->s[b->pos + 1] == 0))
            b->s[b->pos] = ' ';
        b->pos += w, cch--;
    }
    return 1;
}

/* One string of the SST: cch, flags, [runs], [phonetic size], characters, runs, phonetic. */
static int biff_sst_string(biff_t *b)
{
    uint32_t cch, flags, runs = 0, ext = 0;
    if (!biff_get(b, 2, &cch) || !biff_get(b, 1, &flags) ||
        ((flags & 8) && !biff_get(b, 2, &runs)) || ((flags & 4) && !biff_get(b, 4, &ext)))
        return 0;
    return biff_chars(b, cch, flags & 1) && biff_skip(b, 4 * (size_t)runs) && biff_skip(b, ext);
}

/* One record's strings (b at its data, n bytes): LABEL's text, BOUNDSHEET's name, the
 * SST's strings. */
static void biff_record(biff_t *b, uint32_t type, uint32_t n, int biff8)
{
    uint32_t cch = 0, flags = 0, unique;
    if (type == 0x0204 && n >= 8) { /* LABEL: row, column, format, the string */
        b->pos += 6;
        if (biff_get(b, 2, &cch) && (!biff8 || biff_get(b, 1, &flags)))
            biff_chars(b, cch, flags & 1);
    } else if (type == 0x0085 && biff8 && n >= 8) { /* BOUNDSHEET: offset, state, type */
        b->pos += 6;
        if (biff_get(b, 1, &cch) && biff_get(b, 1, &flags))
            biff_chars(b, cch, flags & 1);
    } else if (type == 0x00FC && biff8 && n >= 8) { /* SST: total, unique, the strings */
        unique = rd32(b->s + b->pos + 4);
        b->pos += 8;
        for (uint32_t i = 0; i < unique && biff_sst_string(b); i++)
            ;
    }
}

/* The workbook stream s (len bytes), its strings' NULs made spaces in place. */
static void biff_patch(unsigned char *s, size_t len)
{
    int biff8 = 0;
    for (size_t p = 0; p + 4 <= len;) {
        uint32_t type = rd16(s + p), n = rd16(s + p + 2);
        biff_t b = {s, len, p + 4, p + 4 + n};
        if (b.end > len)
            return;
        if (type == 0x0809 && n >= 2) /* BOF: BIFF8 or older */
            biff8 = rd16(s + b.pos) == 0x0600;
        else
            biff_record(&b, type, n, biff8);
        p += 4 + (size_t)n; /* the CONTINUEs an SST went on into: no strings of their own */
    }
}

/* The workbook stream's bytes, gathered from its sectors (unit bytes each, at the file
 * offsets where[]), patched, and put back. */
static void patch_stream(unsigned char *f, const size_t *where, size_t unit, size_t size)
{
    unsigned char *w = size ? malloc(size) : NULL;
    if (!w)
        return;
    for (size_t i = 0; i * unit < size; i++)
        memcpy(w + i * unit, f + where[i], size - i * unit < unit ? size - i * unit : unit);
    biff_patch(w, size);
    for (size_t i = 0; i * unit < size; i++)
        memcpy(f + where[i], w + i * unit, size - i * unit < unit ? size - i * unit : unit);
    free(w);
}

/* Every U+0000 in the text of the cells and sheet names of the workbook in f (len
 * bytes, a compound file: cf__is_xls) made a space, in place. Returns 0, or
 * cf__cfb_open's CF_EPARSE (its tables leave the file or loop) or CF_ENOMEM. */
static int xls_patch_nul(unsigned char *f, size_t len)
{
    cf__cfb_t c;
    size_t *where = NULL, units = 0, unit = 0, size = 0;
    int rc = cf__cfb_open(&c, f, len);
    if (rc != 0)
        return rc;
    if (cf__cfb_where(&c, "Workbook", &where, &units, &unit, &size) == CF_ENOTFOUND)
        cf__cfb_where(&c, "Book", &where, &units, &unit, &size);
    if (where)
        patch_stream(f, where, unit, size);
    free(where);
    cf__cfb_close(&c);
    return 0;
}

/* bytes into a temporary file: OUT path (size bytes). Returns 0 or CF_EIO. */
static int temp_copy(const char *buf, size_t len, char *path, size_t size)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/caseflow-xls-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return CF_EIO;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int ok = close(fd) == 0 && done == len;
    if (!ok)
        unlink(path);
    return ok ? 0 : CF_EIO;
}

/* The child's work: FreeXL reads the workbook at path, every sheet, a blank line
 * between two; the text goes to fd, then a NUL byte and the trailer: "LINE\tNAME\n"
 * for each sheet (the page's line of its row 1). Never returns: exit status 0 (read), 2 (FreeXL
 * read the file but not its sheets), 3 (out of memory), 64 + -error (freexl_open's error). */
static void child_read(const char *path, int fd)
{
    const void *h = NULL;
    cf__sb_t out = {0}, trailer = {0};
    unsigned int sheets = 0;
    int x = freexl_open(path, &h), line = 1;
    int rc = x == FREEXL_OK ? 0 : CF_EPARSE;
    if (!rc && (freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &sheets) != FREEXL_OK || !sheets))
        rc = CF_EPARSE;
    for (unsigned int i = 0; !rc && i < sheets; i++) {
        const char *name = NULL;
        char mark[32];
        if (freexl_get_worksheet_name(h, (unsigned short)i, &name) != FREEXL_OK || !name)
            name = "";
        if (i)
            cf__sb_adds(&out, "\n"), line++;
        size_t before = out.len;
        rc = freexl_select_active_worksheet(h, (unsigned short)i) == FREEXL_OK ? sheet_rows(h, &out)
                                                                               : CF_EPARSE;
        snprintf(mark, sizeof(mark), "%d\t", line);
        cf__sb_adds(&trailer, mark);
        for (const char *p = name; *p; p++) /* a name is one line of the trailer */
            cf__sb_adds(&trailer, *p == '\n' || *p == '\t' ? " " : (char[]){*p, 0});
        cf__sb_adds(&trailer, "\n");
        for (size_t k = before; k < out.len; k++)
            line += out.s[k] == '\n';
    }
    if (h)
        freexl_close(h);
    if (!rc) {
        cf__sb_add(&out, "", 1); /* the NUL before the trailer */
        if (trailer.s)
            cf__sb_add(&out, trailer.s, trailer.len);
    }
    for (size_t done = 0; !rc && !out.oom && done < out.len;) {
        ssize_t w = write(fd, out.s + done, out.len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (out.oom || trailer.oom)
        rc = CF_ENOMEM;
    _exit(rc == 0 ? 0 : rc == CF_ENOMEM ? 3 : x != FREEXL_OK ? 64 + (-x & 63) : 2);
}

/* Runs child_read on path in a child process and gathers its text into out (at most
 * XLS_TEXT_MAX bytes: past that the child is stopped). OUT *status: the child's, from
 * waitpid. 0, CF_EIO (no pipe or process), CF_ENOMEM, or TOO_MUCH_TEXT. */
static int run_child(const char *path, cf__sb_t *out, int *status)
{
    int fds[2];
    if (pipe(fds) != 0)
        return CF_EIO;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return CF_EIO;
    }
    if (pid == 0) {
        close(fds[0]);
        child_read(path, fds[1]);
    }
    close(fds[1]);
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len + (size_t)n > XLS_TEXT_MAX) {
            rc = TOO_MUCH_TEXT;
            break;
        }
        cf__sb_add(out, buf, (size_t)n);
    }
    if (rc)
        kill(pid, SIGKILL);
    close(fds[0]);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return rc ? rc : out->oom ? CF_ENOMEM : 0;
}

/* The trailer (after the NUL in out, which then ends the text): the sheets into
 * *sheets (when not NULL). Returns 0 or CF_ENOMEM. */
static int read_trailer(cf__sb_t *out, cf__sheets_t *sheets)
{
    char *nul = out->s ? memchr(out->s, '\0', out->len) : NULL;
    if (!nul)
        return 0;
    char *p = nul + 1, *end = out->s + out->len;
    out->len = (size_t)(nul - out->s);
    for (char *eol; p < end && (eol = memchr(p, '\n', (size_t)(end - p))); p = eol + 1) {
        *eol = '\0';
        char *tab = strchr(p, '\t');
        if (!tab || !sheets)
            continue;
        cf__sheet_t *more = realloc(sheets->items, (sheets->items_count + 1) * sizeof(*more));
        if (!more)
            return CF_ENOMEM;
        sheets->items = more;
        cf__sheet_t *sh = &more[sheets->items_count++];
        sh->line = atoi(p);
        cf__u8_copy(sh->name, sizeof(sh->name), tab + 1); /* FreeXL gives UTF-8 */
    }
    return 0;
}

/* Exported, documented in importer-int.h */
int cf__xls_text(const char *buf, size_t len, const char *source, char **text, cf__sheets_t *sheets,
                 cf_error_t *err)
{
    char path[4096];
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return cf_error_set(err, CF_ENOMEM, source, 0, 0, "out of memory");
    memcpy(copy, buf, len);
    /* A compound file whose tables leave it or loop is refused here, saying so, rather
     * than handed to FreeXL (which reads its own way, or not). */
    int open_rc = xls_patch_nul(copy, len);
    int copied = open_rc ? 0 : temp_copy((const char *)copy, len, path, sizeof(path));
    free(copy);
    if (open_rc)
        return cf_error_set(err, open_rc, source, 0, 0, "%s",
                            open_rc == CF_ENOMEM
                                ? "out of memory"
                                : "an .xls workbook whose compound file is damaged: a sector "
                                  "table (the FAT, its DIFAT chain, the directory or the mini "
                                  "FAT) leaves the file or loops; nothing of it is imported");
    if (copied != 0)
        return cf_error_set(err, CF_EIO, source, 0, 0,
                            "cannot write a temporary copy of the workbook for FreeXL (TMPDIR)");
    cf__sb_t out = {0};
    int status = 0, rc = run_child(path, &out, &status);
    unlink(path);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (!rc && code == 0 && read_trailer(&out, sheets) != 0)
        rc = CF_ENOMEM;
    if (rc == CF_EIO)
        cf_error_set(err, rc, source, 0, 0, "cannot start a process to read the workbook in");
    else if (rc == CF_ENOMEM || (!rc && code == 3))
        rc = cf_error_set(err, CF_ENOMEM, source, 0, 0, "out of memory");
    else if (rc == TOO_MUCH_TEXT)
        rc = cf_error_set(err, CF_EPARSE, source, 0, 0,
                          "an .xls workbook whose text runs past %d MiB", XLS_TEXT_MAX >> 20);
    else if (code == 2 || code >= 64)
        rc = cf_error_set(err, CF_EPARSE, source, 0, 0,
                          "an .xls workbook FreeXL cannot read (error %d: encrypted, damaged "
                          "or not a worksheet)",
                          code >= 64 ? -(code - 64) : 0);
    else if (code != 0)
        rc = cf_error_set(err, CF_EPARSE, source, 0, 0,
                          "an .xls workbook FreeXL stopped on (%s %d): damaged or crafted; it "
                          "was read in a process of its own, and nothing of it is imported",
                          WIFSIGNALED(status) ? "signal" : "exit status",
                          WIFSIGNALED(status) ? WTERMSIG(status) : code);
    if (rc || code != 0) {
        cf__sb_free(&out);
        if (sheets) {
            free(sheets->items);
            sheets->items = NULL;
            sheets->items_count = 0;
        }
        return rc ? rc : CF_EPARSE;
    }
    char *t = cf__sb_take(&out);
    if (!t)
        return cf_error_set(err, CF_ENOMEM, source, 0, 0, "out of memory");
    *text = t;
    return 0;
}
