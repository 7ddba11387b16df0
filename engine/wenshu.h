/*
 * wenshu.h -- 文书: the enforcement documents a case produces, as data filled
 * from the case. Pure: no I/O, no fonts; the PDF is render/render.h's work.
 *
 * A template (one YAML file per 文书, named after the document as the workflow
 * names it: workflows/templates/行政处罚决定书.yaml) is a title, a 文号 pattern
 * and a list of blocks; a bureau file (bureau.yaml beside the templates) names
 * the bureau, its 文号 abbreviation, its 复议机关 and its court. Filling a
 * template against a case gives a cf_wenshu_doc_t: plain lines of text, in
 * order, that a renderer lays out. docs/documents.md has the format field by
 * field; in short:
 *
 *   name: 行政处罚决定书          the document, as the workflow's actions name it
 *   workflows: [penalty-general] the workflows whose cases it serves (optional: all)
 *   title: 行政处罚决定书         the heading printed on it
 *   number: "{{bureau.abbr}}医保罚〔{{case.year}}〕{{case.id}}号"   the 文号 (optional)
 *   layout: letter | form        a letter (paragraphs) or a form (a ruled table)
 *   blocks:                      each one of heading, para, field (+ value), right,
 *     - field: 当事人            seal, sign; optional when / unless: a bool fact
 *       value: "{{party.name}}"
 *     - para: "..."
 *       when: hearing_eligible
 *
 * Placeholders are {{NAME}} or {{NAME|FILTER}}. Names: party.name, party.type,
 * case.id, case.year (the year the case was opened), case.opened, number (this
 * document's 文号), date (this document's date), officers, cause, bureau.name,
 * bureau.abbr, bureau.review_organ, bureau.court, fact.ID, at.ACTION (the day
 * that action was last taken), basis.ACTION (the legal basis the workflow
 * gives that action), deadline.CLOCK, record.FIELD (the case's latest record,
 * evidence.h, of the kind the template is named after: place, site, present,
 * summary, person.name, person.role, person.id, officers, no, started, ended).
 * Filters: yuan (2,000.00),
 * capitals (贰仟元整), date (a date or time fact as 二〇二五年九月三十日).
 * A placeholder whose value the case lacks makes the fill fail, naming every
 * missing one; a block whose when/unless fact is absent counts it as false.
 */
#ifndef CF_WENSHU_H
#define CF_WENSHU_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "cftime.h"
#include "error.h"
#include "workflow.h"

/* ---- amounts and dates in Chinese form ---- */

/* The amount fen (1/100 yuan, >= 0, < 10^16 yuan) in capitals, as a bank or a
 * decision writes it: 0 -> 零元整, 1005 -> 壹拾元零伍分, 2000000 -> 贰万元整,
 * 10000000000 -> 壹亿元整. Writes NUL-terminated UTF-8 into out (size bytes; 160
 * is always enough). Returns 0, or CF_EINVAL (out is then "") when fen is out
 * of range or out too small. */
int cf_wenshu_capitals(int64_t fen, char *out, size_t size);

/* The amount fen in figures with thousands separators: 2000000 -> "20,000.00".
 * out needs 32 bytes. fen < 0 is written with a leading '-'. */
void cf_wenshu_figures(int64_t fen, char *out, size_t size);

/* A yuan amount (a JSON number, integer or real, or a string holding one, as
 * a command line's --fact gives it) as fen, rounded to the nearest fen.
 * Returns 0, or CF_EINVAL (*fen untouched) for anything else, a negative or an
 * amount past 10^16 yuan. */
int cf_wenshu_fen(const json_t *yuan, int64_t *fen);

/* The date in Chinese form, 二〇二五年九月三十日 (year digit by digit, 〇 for
 * zero; month and day as numbers are read: 十, 十一, 二十, 三十一). out needs 64
 * bytes. */
void cf_wenshu_date(cf_date_t d, char *out, size_t size);

/* ---- templates ---- */

typedef struct cf_wenshu_block_s {
    char *heading; /* a line in bold */
    char *para;    /* a paragraph, its first line indented two characters */
    char *field;   /* a label; value holds the text beside it */
    char *value;
    char *right;  /* a line set to the right (the bureau, the date) */
    char *seal;   /* the place for the seal or 电子签章; the text printed in it */
    char *sign;   /* a line to sign on: the label before the blank */
    char *when;   /* a bool fact: the block is kept only when it is true */
    char *unless; /* a bool fact: the block is dropped when it is true */
} cf_wenshu_block_t;

typedef struct cf_wenshu_tpl_s {
    char *name;
    char **workflows; /* the workflows (ids) whose cases it serves; none: every one */
    unsigned workflows_count;
    char *title;
    char *number; /* the 文号 pattern, or NULL: the document has none */
    char *layout; /* "letter" (default) or "form" */
    cf_wenshu_block_t *blocks;
    unsigned blocks_count;
} cf_wenshu_tpl_t;

typedef struct cf_wenshu_bureau_s {
    char *name; /* 某市医疗保障局 */
    char *abbr; /* the 文号's prefix: 某医保 */
    char *review_organ; /* the 复议机关 (行政复议法 2023: for a local bureau, 本级人民政府) */
    char *court; /* the court a suit goes to */
} cf_wenshu_bureau_t;

/* Parses a template (len bytes of YAML; source names it in errors). OUT *tpl
 * (free with cf_wenshu_tpl_free). CF_EPARSE with err at the line, or
 * CF_EINVALID (a block that is not exactly one kind, a layout not letter or
 * form, a placeholder not closed). */
int cf_wenshu_tpl_load(const char *buf, size_t len, const char *source, cf_wenshu_tpl_t **tpl,
                       cf_error_t *err);
void cf_wenshu_tpl_free(cf_wenshu_tpl_t *tpl);

/* 1 if t serves cases of workflow_id (its workflows list names it, or is empty). */
int cf_wenshu_tpl_serves(const cf_wenshu_tpl_t *t, const char *workflow_id);

/* Parses a bureau file. OUT *b (free with cf_wenshu_bureau_free). Every field is
 * required: CF_EPARSE naming the one missing. */
int cf_wenshu_bureau_load(const char *buf, size_t len, const char *source, cf_wenshu_bureau_t **b,
                          cf_error_t *err);
void cf_wenshu_bureau_free(cf_wenshu_bureau_t *b);

/* Adds to problems every placeholder of t that names a fact wf does not
 * declare, an unknown name or an unknown filter, and every when/unless naming
 * a fact wf does not declare or that is not a bool. Returns the number added
 * (or CF_ENOMEM). */
int cf_wenshu_check(const cf_wenshu_tpl_t *t, const cf_workflow_t *wf, const char *source,
                    cf_errlist_t *problems);

/* ---- a filled document ---- */

typedef enum cf_wenshu_kind_e {
    CF_WENSHU_HEADING,
    CF_WENSHU_PARA,
    CF_WENSHU_FIELD,
    CF_WENSHU_RIGHT,
    CF_WENSHU_SEAL,
    CF_WENSHU_SIGN,
} cf_wenshu_kind_t;

typedef struct cf_wenshu_line_s {
    cf_wenshu_kind_t kind;
    char *label; /* FIELD and SIGN; NULL otherwise */
    char *text;
} cf_wenshu_line_t;

typedef struct cf_wenshu_doc_s {
    char *name;
    char *bureau; /* the bureau's name, printed above the title */
    char *title;
    char *number; /* the filled 文号, or NULL */
    int form;     /* 1: laid out as a ruled form */
    cf_time_t date;
    cf_wenshu_line_t *lines;
    size_t lines_count;
} cf_wenshu_doc_t;

/* What a template is filled from. */
typedef struct cf_wenshu_input_s {
    const cf_workflow_t *wf; /* the case's workflow: fact names in errors (may be NULL) */
    const cf_case_t *c;      /* the case */
    const json_t *events;    /* its events, for at.ACTION (may be NULL) */
    const json_t *extra;     /* facts given with the action under way, over c's (or NULL) */
    const cf_wenshu_bureau_t *bureau;
    cf_time_t date; /* the document's date */
} cf_wenshu_input_t;

/* Fills t from in into OUT *doc (initialized here; free with
 * cf_wenshu_doc_dispose). Returns 0; CF_EINVALID when the case lacks facts the
 * template names (err's text lists every one, with its name from the workflow:
 * "行政处罚决定书 needs what the case lacks: fact.fine (罚款金额（元）)"), or
 * names an unknown placeholder; CF_ENOMEM. doc is untouched on failure. */
int cf_wenshu_fill(const cf_wenshu_tpl_t *t, const cf_wenshu_input_t *in, cf_wenshu_doc_t *doc,
                   cf_error_t *err);
void cf_wenshu_doc_dispose(cf_wenshu_doc_t *doc);

/* The document's text, one line per line (title, 文号, each block as
 * "label：text"), for a reader without a PDF viewer and for tests. New string
 * (free()), or NULL on ENOMEM. */
char *cf_wenshu_doc_text(const cf_wenshu_doc_t *doc);

#endif
