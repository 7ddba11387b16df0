/*
 * importer-int.h -- internals shared by the importer's files; not part of the
 * public API (importer.h, catalog.h).
 *
 * The pipeline, one file per stage:
 *   text.c      bytes -> UTF-8 text -> lines; HTML stripping, joining, UTF-8 helpers
 *   shape.c     plain-text shapes (pipes, aligned, one field per line, ...) -> tab forms;
 *               one file per shape (shape-*.c, sharing shape-int.h)
 *   headers.c   the words of each column (headers.txt, data) -> field kinds
 *   fold.c      traditional -> simplified for matching (OpenCC); pinyin noise removed
 *   html.c      a saved web page -> its tables as tab-separated rows
 *   office.c    .xlsx and .docx (libzip + libxml2) -> tables as tab-separated rows
 *   pdf.c       a PDF's text layer (poppler-glib) -> tables rebuilt from positions
 *   xls.c       an .xls workbook (FreeXL) -> its first worksheet as tab rows
 *   doc.c       a Word 97-2003 .doc (its piece-table reading) -> tab rows
 *   cfb.c       the OLE2 compound file of a .doc and an .xls: its streams
 *   classify.c  header labels -> field kinds; cell text -> cell classes; the score
 *               of a cell class in a column kind; power types
 *   detect.c    which format the lines are in; the document's title (count, agency)
 *   table.c     "table" lines -> records (headers, page breaks, realignment, merging)
 *   fields.c    "fields" and "cards" lines -> records
 *   lists.c     numbered lists (责任事项, 追责情形), citations, time limits
 *   matter.c    record -> matter object; import.c runs it all (cf_import_text)
 * A record is the importer's neutral form of one 事项: a list of fields, each a
 * kind (what the column or label means), the label as written, the text and the
 * line it started on.
 */
#ifndef CF_IMPORTER_INT_H
#define CF_IMPORTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "importer.h"

/* ---- string builder ---- */

/* A growing NUL-terminated string. oom is set (and later appends ignored) when an
 * allocation fails, so callers check once at the end. */
typedef struct cf__sb_s {
    char *s;
    size_t len;
    size_t cap;
    int oom;
} cf__sb_t;

void cf__sb_add(cf__sb_t *b, const char *s, size_t n);
void cf__sb_adds(cf__sb_t *b, const char *s);
/* Returns the string (the caller frees it; "" when nothing was added) and resets
 * b; NULL (b freed) if an allocation failed. */
char *cf__sb_take(cf__sb_t *b);
void cf__sb_free(cf__sb_t *b);

/* ---- UTF-8 and text (text.c) ---- */

/* The code point at s (valid UTF-8 assumed, s not at its NUL): OUT *cp; returns
 * its length in bytes (1..4). Inline: every reader walks its text with it, a call a
 * character (a tenth of an import's instructions when it was a call). */
static inline int cf__u8_next(const char *s, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xE0) == 0xC0 && u[1]) {
        *cp = ((unsigned)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
        return 2;
    }
    if ((u[0] & 0xF0) == 0xE0 && u[1] && u[2]) {
        *cp = ((unsigned)(u[0] & 0x0F) << 12) | ((unsigned)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
        return 3;
    }
    if ((u[0] & 0xF8) == 0xF0 && u[1] && u[2] && u[3]) {
        *cp = ((unsigned)(u[0] & 0x07) << 18) | ((unsigned)(u[1] & 0x3F) << 12) |
              ((unsigned)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
        return 4;
    }
    *cp = u[0];
    return 1;
}

/* Copies s into out (size bytes, at least 1, NUL-terminated), cut at a whole character:
 * the sheets' names of the workbook readers (office.c, xls.c). Inline: the document
 * module sees only the host's exported functions. */
static inline void cf__u8_copy(char *out, size_t size, const char *s)
{
    size_t n = 0;
    for (unsigned cp; *s;) {
        size_t k = (size_t)cf__u8_next(s, &cp);
        if (n + k >= size)
            break;
        for (size_t b = 0; b < k; b++)
            out[n++] = *s++;
    }
    out[n] = '\0';
}
/* The code point ending just before s (s > start): OUT *cp; returns its length. */
int cf__u8_prev(const char *start, const char *s, unsigned *cp);
int cf__is_han(unsigned cp);
/* The Kangxi radicals and the CJK radicals supplement in text (a PDF's ⼈ for 人, ⺠ for
 * 民, 〈 for 〈) replaced in place by the characters they stand for; returns how many. */
size_t cf__fold_radicals(char *text);
/* Punctuation that ends a clause or a sentence: 。；;，,：:！？!? */
int cf__is_clause_end(unsigned cp);
/* Number of code points in s. */
size_t cf__u8_count(const char *s);

/* Checks and converts the input bytes into UTF-8 text without NUL bytes.
 * OUT *text (malloc'd, NUL-terminated, BOM removed), *encoding ("UTF-8" or
 * "GB18030"). Returns 0, CF_EPARSE (empty, binary, undecodable, a character cut
 * at the end) with err located, or CF_ENOMEM. */
int cf__decode(const char *buf, size_t len, const char *source, char **text, const char **encoding,
               cf_error_t *err);

typedef struct cf__line_s {
    char *text; /* NUL-terminated, no line break, trailing \r removed */
    int no;     /* 1-based line number */
} cf__line_t;

/* Splits text in place at line breaks. OUT *lines (malloc'd array). Returns 0 or
 * CF_ENOMEM. */
int cf__split_lines(char *text, cf__line_t **lines, size_t *count);

/* A clean copy of s: HTML tags removed (<p>, <br>, <li> and </p> become line
 * breaks when paragraphs, else spaces), entities decoded, runs of blanks
 * (including U+3000 and U+00A0) made one space, blank lines dropped, trimmed.
 * Returns NULL on ENOMEM. */
char *cf__clean(const char *s, int paragraphs);
/* 1 when cf__clean(s, 0) would have more than max code points (cf__u8_count), without
 * making it: it counts, and stops past max. 0 otherwise. */
int cf__clean_longer(const char *s, size_t max);

/* a continued by b, as one cell broken across lines or pages: joined with no
 * separator inside a word of Han text, with a line break after a finished clause
 * or before a list item, else with a space. Returns a new string or NULL. */
char *cf__join(const char *a, const char *b);

/* Copy of s[0..n) without leading and trailing ASCII blanks; NULL on ENOMEM. */
char *cf__strndup_trim(const char *s, size_t n);
int cf__starts(const char *s, const char *prefix);
int cf__ends(const char *s, const char *suffix);
/* 1 if s holds nothing but ASCII blanks (or is NULL). */
int cf__blank(const char *s);
/* A short excerpt of s for messages: at most max code points, "…" appended when
 * cut, line breaks shown as spaces. Writes into out (size bytes). */
const char *cf__excerpt(const char *s, size_t max, char *out, size_t size);

/* ---- kinds, classes, power types (classify.c) ---- */

/* What a column or label means. */
enum {
    CF__K_OTHER = 0, /* unknown label: kept in `extra` */
    CF__K_NUMBER,    /* 序号 */
    CF__K_NAME,      /* 事项名称 */
    CF__K_SUB_ITEM,  /* 子项名称 */
    CF__K_POWER,     /* 权力类型 */
    CF__K_CODE,      /* 地方权力编码 */
    CF__K_SUB_CODE,  /* 子项地方权力编码 */
    CF__K_AGENCY,    /* 行使主体 */
    CF__K_UNIT,      /* 承办机构 */
    CF__K_LEVEL,     /* 行使层级 */
    CF__K_BASIS,     /* 实施依据 */
    CF__K_DUTY,      /* 部门职责 */
    CF__K_RESP,      /* 责任事项 */
    CF__K_RESP_BASIS,
    CF__K_ACC_SUBJECT, /* 追责对象范围 */
    CF__K_ACC,         /* 追责情形 */
    CF__K_ACC_BASIS,   /* 追究依据 */
    CF__K_ACC_MODE,    /* 担责方式 */
    CF__K_CONDITION,   /* 受理条件 */
    CF__K_TIME_LIMIT,  /* 法定期限 */
    CF__K_PHONE,       /* 监督电话 */
    CF__K_NOTE,        /* 备注, 受理地点, 结果公示, 检查方式, ... */
    CF__K_COUNT
};

/* What a cell looks like. */
enum {
    CF__C_EMPTY = 0,
    CF__C_PLACEHOLDER, /* 无, 无明确规定, /, ... */
    CF__C_NUMBER,
    CF__C_POWER,
    CF__C_CODE,
    CF__C_PHONE,
    CF__C_AGENCY,
    CF__C_UNIT,
    CF__C_LEVEL,
    CF__C_BASIS,
    CF__C_RESP,
    CF__C_ACC,
    CF__C_ACC_SUBJECT,
    CF__C_TIME,
    CF__C_TEXT,
    CF__C_COUNT
};

/* The label without blanks and parenthesized notes ("行使主体 (所属部门)" ->
 * "行使主体"), into out (size bytes). */
void cf__label_norm(const char *label, char *out, size_t size);
/* The kind a header label names (blanks and parenthesized notes ignored), or -1
 * when the label is not known. */
int cf__label_kind(const char *label);
/* The kind a normalized label is in the header words (headers.c), -1 if none. */
int cf__label_word(const char *norm);
/* The power type (index in cf__power_names) a column label implies (抽查事项:
 * 行政检查), -1 if none. */
int cf__label_power(const char *label);
/* The kind's name in headers.txt ("name", "power", ...). */
const char *cf__kind_name(int kind);
/* The class of a cell's text (raw: HTML allowed). */
int cf__classify(const char *cell);
/* How well a cell of class cls fits a column of kind kind: positive fits,
 * negative does not, in half points. */
int cf__score(int kind, int cls);
/* 1 for kinds whose value is one short token (序号, 权力类型, 主体, ...), which
 * are not concatenated when a broken row is merged. */
int cf__kind_atomic(int kind);

#define CF__POWER_TYPES 8
/* The normalized power types, in catalog order: 行政处罚 ... 其他行政权力. */
extern const char *const cf__power_names[CF__POWER_TYPES];
/* Bit i set when cf__power_names[i] is written in text. OUT *looks (may be
 * NULL): 1 when the whole text is shaped like a power type ("行政执行") even if
 * no normalized type is recognized. */
unsigned cf__power_mask(const char *text, int *looks);
/* 1 when text is only a placeholder (无, 无明确规定, 暂无, /, -, 空). */
int cf__placeholder(const char *text);

/* ---- records and documents ---- */

typedef struct cf__field_s {
    int kind;
    char *label; /* as written (trimmed) */
    char *text;  /* raw text, continuation lines joined */
    int line;
} cf__field_t;

typedef struct cf__record_s {
    cf__field_t *fields;
    size_t fields_count;
    size_t fields_cap;
    int line;            /* where the record starts */
    int number;          /* 序号, 0 when none */
    int number_inferred; /* 1 when number was inferred */
    int section;         /* 1 + index in cf__power_names of the section heading above
                            (一、行政处罚), 0 if none */
} cf__record_t;

struct cf__sheets_s;
typedef struct cf__doc_s {
    const char *source;
    cf__line_t *lines;
    size_t lines_count;
    int ends_with_newline;
    cf__record_t *records;
    size_t records_count;
    size_t records_cap;
    cf_errlist_t *unplaced;
    cf_errlist_t *repairs;
    char *title;               /* first title line, NULL if none */
    char *title_agency;        /* agency the title names, NULL if none */
    int declared_count;        /* 共N项, 0 if none */
    int section;               /* the current section heading's power type (1 + index), 0 */
    cf_errlist_t *explain;     /* how the document was read, for --explain */
    const char *preset_header; /* a header the text lacks (CF__HEADERLESS), NULL */
    int *unread_lines;         /* lines reported by cf__doc_unplaced_line */
    size_t unread_count, unread_cap;
    /* a workbook's sheets (where each begins, its tab's name), borrowed; NULL or
     * empty for other documents. The table reader starts a table at each sheet and
     * takes a tab named for a power type (行政处罚(48)) as a section heading. */
    const struct cf__sheets_s *sheets;
    /* the text of a PDF: a cell merged down rows is printed once, in the middle of them
     * (the table reader gives its value to the rows around it, table.c) */
    int from_pdf;
} cf__doc_t;

/* Appends a field (label and text copied). Returns 0 or CF_ENOMEM. */
int cf__record_add(cf__record_t *r, int kind, const char *label, const char *text, int line);
/* The first field of kind (NULL if none); its text may be empty. */
cf__field_t *cf__record_get(const cf__record_t *r, int kind);
/* Number of fields with non-blank text. */
size_t cf__record_filled(const cf__record_t *r);
void cf__record_free(cf__record_t *r);
/* Appends an empty record starting at line; NULL on ENOMEM. The pointer is valid
 * until the next call. */
cf__record_t *cf__doc_record(cf__doc_t *d, int line);
/* Parses a leading 序号 ("12", "12.") into *number; returns 1 if text is one. */
int cf__parse_number(const char *text, int *number);
/* Parses a 子项's 序号 written with its 主项's, "3-1" (also 3－1, 3—1, 3.1, 3．1, 3_1)
 * into *number (3) and *sub (1); returns 1 if text is one (a plain "3" is not). */
int cf__parse_sub_number(const char *text, int *number, int *sub);
/* Numbers records without 序号 from the one before (+1) and notes each. Returns 0
 * or CF_ENOMEM. */
int cf__doc_infer_numbers(cf__doc_t *d);
/* Refuses a truncated document: the last record (starting at line) has fewer
 * parts (cells, fields) than every other record and the text does not end with
 * a line break. sizes[n] holds each record's parts. Returns 0 or CF_EPARSE. */
int cf__doc_truncated(const cf__doc_t *d, const size_t *sizes, size_t n, int line,
                      const char *parts, cf_error_t *err);

/* ---- the document module (readers-load.c) ---- */

/* The functions of fold.c, html.c, office.c, pdf.c and xls.c below live in the
 * document module (caseflow-docs.so, docmod/docmod.h); readers-load.c forwards to
 * them. Returns 0 when the module is loaded (loading it), else CF_EIO with err
 * naming where it was looked for. */
int cf__readers_need(cf_error_t *err);

/* ---- folding (fold.c) ---- */

/* s with traditional characters folded to simplified (OpenCC t2s), into out
 * (size bytes). Returns 1 when that changed s (out filled), 0 otherwise (out
 * untouched): ASCII, longer than 256 bytes, nothing to fold, or OpenCC's data
 * missing. For matching only; the catalog keeps the published text. */
int cf__fold(const char *s, char *out, size_t size);
/* s converted with an OpenCC configuration ("s2t.json"): a new string, NULL when
 * OpenCC or its data is missing. For tests that render traditional text. */
char *cf__opencc(const char *config, const char *s);
/* Removes in place the pinyin a mirror site writes after Han characters
 * (監(jiān) -> 監); returns how many notes were removed. text: valid UTF-8 (as
 * cf__decode makes it). */
size_t cf__strip_pinyin(char *text);

/* ---- shapes (shape.c, shape-headerless.c) ---- */

/* Rewrites plain text in one of the shapes a copy gives (cells between pipes,
 * Markdown, aligned by blanks, run together, one cell per line, one field per
 * line, a header broken mid-row) into the tab forms the readers know, line for
 * line. *text (malloc'd) is replaced when a shape was found, and *shape names
 * it (static); else both are left as they were. Returns 0 or CF_ENOMEM. */
int cf__reshape(char **text, const char **shape);
/* For a text with no header at all (a fragment of a list): rows led by a 序号
 * and holding a power type (`12 对…的处罚 行政处罚 《…》`, in any separation) are
 * rewritten `N<TAB>name<TAB>type<TAB>rest`, the lines after a row as the rest's
 * continuation; OUT *rows: how many. *text is replaced only when *rows > 0.
 * The caller reads it under the header CF__HEADERLESS. Returns 0 or CF_ENOMEM. */
int cf__headerless(char **text, int *rows);
#define CF__HEADERLESS "序号\t事项名称\t权力类型\t备注"

/* ---- web pages (html.c) ---- */

/* 1 when the bytes are a web page (they start with '<' and hold <table, <html,
 * <tr or <!doctype near the start). */
int cf__is_html(const char *buf, size_t len);
/* The page's tables as tab-separated rows (rowspan repeated, colspan kept as
 * empty cells), the text around them as lines: OUT *text (malloc'd UTF-8).
 * Returns 0, CF_EPARSE (not readable) or CF_ENOMEM, with err set. */
int cf__html_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err);

/* ---- spreadsheets and Word files (office.c) ---- */

/* 1 for an .xlsx, 2 for a .docx (a zip archive holding a worksheet or
 * word/document.xml), 0 otherwise. */
int cf__office_kind(const char *buf, size_t len);
/* The tables of the workbook's sheets (a blank line between two) or of the document
 * (merged cells shared down, spans kept empty), paragraphs as lines: OUT *text
 * (malloc'd) and, for a workbook, *sheets (where each sheet begins, its tab's name;
 * may be NULL; cf__sheets_t is declared below). Returns 0, CF_EPARSE or CF_ENOMEM
 * with err set. */
struct cf__sheets_s;
int cf__office_text(const char *buf, size_t len, int kind, const char *source, char **text,
                    struct cf__sheets_s *sheets, cf_error_t *err);

/* ---- PDF with a text layer (pdf.c) ---- */

/* 1 when the bytes are a PDF ("%PDF-" within the first 1024 bytes). */
int cf__is_pdf(const char *buf, size_t len);
/* The PDF's tables rebuilt from the positions of its text (columns from the
 * left edges, rows from the vertical gaps, wrapped cells joined) as
 * tab-separated rows, other text as lines: OUT *text (malloc'd UTF-8). Returns 0,
 * CF_EPARSE (not readable, encrypted, no text layer) or CF_ENOMEM, with err set. */
int cf__pdf_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err);

/* ---- OLE2 compound files (cfb.c) ---- */

/* An open compound file: its tables, read from the caller's buffer (kept, not copied). */
typedef struct cf__cfb_s {
    const unsigned char *buf; /* borrowed */
    size_t len;
    size_t ssz;    /* the sector size: 512 or 4096 */
    size_t cutoff; /* a stream under it is in the mini stream */
    uint32_t *fat; /* malloc'd */
    size_t fat_count;
    uint32_t *mfat; /* the mini FAT, malloc'd; NULL when the file has none */
    size_t mfat_count;
    uint32_t *mini; /* the mini stream's sectors (the root entry's chain), malloc'd */
    size_t mini_count;
    size_t mini_len;    /* the mini stream's size in bytes */
    unsigned char *dir; /* the directory, 128-byte entries, malloc'd */
    size_t dir_len;
} cf__cfb_t;

/* Opens the compound file in buf (len bytes, kept by c until cf__cfb_close): the header,
 * the FAT (through the DIFAT), the directory, the mini FAT and mini stream. Returns 0,
 * CF_EPARSE (not a compound file, or a table out of the file's bounds or looping: c
 * then holds nothing) or CF_ENOMEM. */
int cf__cfb_open(cf__cfb_t *c, const void *buf, size_t len);
void cf__cfb_close(cf__cfb_t *c);
/* The stream named name (ASCII; a directory entry of type stream): OUT *out (malloc'd,
 * *out_len bytes: its size, or what its chain holds when the chain ends short of it).
 * Returns 0, CF_ENOTFOUND (no such stream), CF_EPARSE (its chain leaves the file or its
 * table, or loops) or CF_ENOMEM; the outputs untouched on failure. */
int cf__cfb_read(const cf__cfb_t *c, const char *name, unsigned char **out, size_t *out_len);
/* Where the stream named name lies in the file: OUT *where (malloc'd, *where_count file
 * offsets, in order, of its sectors or mini sectors of *unit bytes, the last one holding
 * the rest of its *size bytes). Returns as cf__cfb_read, and CF_EPARSE for a chain
 * shorter than the stream. */
int cf__cfb_where(const cf__cfb_t *c, const char *name, size_t **where, size_t *where_count,
                  size_t *unit, size_t *size);

/* ---- Word 97-2003 documents (doc.c) ---- */

/* 1 when the bytes are an OLE2 compound file holding a "WordDocument" stream. */
int cf__is_doc(const char *buf, size_t len);
/* The document's main text: its tables as tab-separated rows (a cell's paragraphs
 * joined with <p>), other paragraphs as lines: OUT *text (malloc'd UTF-8). Returns 0,
 * CF_EPARSE (damaged, encrypted, not Word 97 or later) or CF_ENOMEM, with err set. */
int cf__doc_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err);

/* ---- Excel 97-2003 workbooks (xls.c) ---- */

/* 1 when the bytes are an OLE2 compound file holding a "Workbook" or "Book"
 * stream (an .xls). */
int cf__is_xls(const char *buf, size_t len);
/* Where each worksheet of a workbook begins in its page of tab-separated rows: the
 * page's line of the sheet's first row and the sheet's name, so that a message about
 * line N can say "sheet NAME, row R" (import.c, locate). */
#define CF__SHEET_NAME_MAX 96
typedef struct cf__sheet_s {
    int line;                      /* 1-based line of the page: the sheet's row 1 */
    char name[CF__SHEET_NAME_MAX]; /* UTF-8, cut at a character */
} cf__sheet_t;
typedef struct cf__sheets_s {
    cf__sheet_t *items; /* malloc'd, in page order; free with free() */
    size_t items_count;
} cf__sheets_t;

/* Every worksheet's rows, tab-separated, a blank line between two (FreeXL, through a
 * temporary file, in a child process): OUT *text (malloc'd UTF-8) and *sheets (where
 * each sheet begins; may be NULL). Returns 0, CF_EPARSE (unreadable: a sheet that
 * cannot be read is named), CF_EIO (no temporary file) or CF_ENOMEM, with err set. */
int cf__xls_text(const char *buf, size_t len, const char *source, char **text, cf__sheets_t *sheets,
                 cf_error_t *err);

/* ---- formats (detect.c, table.c, fields.c) ---- */

enum { CF__FMT_NONE = 0, CF__FMT_TABLE, CF__FMT_FIELDS, CF__FMT_CARDS };

/* Two tab-separated rows joined cell by cell ("事项\t权力" + "名称\t类型" ->
 * "事项名称\t权力类型"): a header whose labels are split over two rows. Returns a
 * new string or NULL on ENOMEM. */
char *cf__join_rows(const char *a, const char *b);
/* The format the lines are in, or CF__FMT_NONE. */
int cf__detect(const cf__doc_t *d);
/* A title line outside the records: records the declared count and the agency it
 * names, keeps the first as d->title. Returns 1 when the line looks like a title
 * (a repeat of the first, or naming 清单/目录/单位/共…项), else 0. */
int cf__doc_title(cf__doc_t *d, const char *text);
/* A section heading naming a power type ("一、行政处罚（5项）", "（二）行政检查类"):
 * sets d->section, notes it in d->explain and returns 1; else 0 (-1 on ENOMEM). */
int cf__doc_section(cf__doc_t *d, const char *text, int line);
/* 1 if text repeats the document's first title (a page header). */
int cf__doc_title_repeat(const cf__doc_t *d, const char *text);
/* Adds an unplaced item for a line of text outside the records. */
int cf__doc_unplaced_line(cf__doc_t *d, const cf__line_t *l, const char *why);

/* Each reader fills d->records from d->lines. Returns 0; CF_EPARSE (no header,
 * truncated) with err located; CF_ENOMEM. */
int cf__read_table(cf__doc_t *d, cf_error_t *err);
int cf__read_fields(cf__doc_t *d, cf_error_t *err);
int cf__read_cards(cf__doc_t *d, cf_error_t *err);

/* ---- lists, citations, time limits (lists.c) ---- */

/* Splits a numbered list ("1.立案阶段责任：… 2.…", "（一）…") into items, the
 * lead-in before item 1 dropped. resp: items become {step, text} with the stage
 * label ("立案阶段责任：" -> "立案"), else plain strings. A text with no
 * numbering is one item. Returns a new array or NULL on ENOMEM. */
json_t *cf__split_list(const char *clean, int resp);
/* The laws cited in a clean legal basis: [{law, articles}]. NULL on ENOMEM. */
json_t *cf__citations(const char *clean);
/* Appends to arr the time limits in clean text ({text, amount, unit, from});
 * whole: the text is a 法定期限 cell, so a bare period counts. Duplicates (same
 * text, amount, unit) are skipped. Returns 0 or CF_ENOMEM. */
int cf__time_limits(json_t *arr, const char *clean, const char *from, int whole);
/* Appends to arr the period of a 法定期限 cell that is a bare number ("20") whose
 * column's label gives the unit in parentheses (法定期限（工作日）): {text "20",
 * amount 20, unit working_days}. Nothing when the cell or the label is otherwise.
 * Returns 0 or CF_ENOMEM. */
int cf__time_limit_bare(json_t *arr, const char *clean, const char *label, const char *from);
/* A number written in digits or Chinese numerals at s (十五, 二十四, 一百零四, 两,
 * 24). OUT *used: bytes consumed (0 if none). Returns the value, -1 if none. */
long cf__numeral(const char *s, size_t *used);

/* ---- matters (matter.c) ---- */

/* Builds the matter object for record r. id is left for import.c. Appends to
 * d->unplaced what it cannot use (no name, unknown power type). Returns a new
 * object, or NULL with *skip set when the record is not a matter (reported), or
 * NULL with *skip 0 on ENOMEM. */
json_t *cf__matter_build(cf__doc_t *d, const cf__record_t *r, const cf_import_opts_t *opts,
                         int *skip);

#endif
