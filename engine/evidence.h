/*
 * evidence.h -- the case's evidence register (证据目录) and its records (询问笔录,
 * 现场检查笔录), issue 20 item 2. Pure, like the rest of the engine.
 *
 * Evidence is items, not attached files. Each item is of one of the kinds of
 * 行政诉讼法 第三十三条 and 行政处罚法 第四十六条 (书证, 物证, 视听资料, 电子数据,
 * 证人证言, 当事人的陈述, 鉴定意见, 勘验笔录、现场笔录: the eighth kind is written
 * either 勘验笔录 or 现场笔录), with a title, where it came from, how it was obtained
 * (调取, 先行登记保存, 现场检查, 当事人提供 ...), by which officers, when, and its file
 * (the hash; the bytes are stored by the operation layer). A record is a 询问笔录
 * (who was asked) or a 现场检查笔录 (what place was inspected), made by two officers
 * (行政处罚法 第四十二条、第五十五条), when and where. A record counts as the evidence
 * kind it is: a 询问笔录 of the party as 当事人的陈述, of anyone else as 证人证言, a
 * 现场检查笔录 as 现场笔录.
 *
 * Each is an event on the case's chain, folded into the case (case.h):
 *   evidence.added: evidence {no, kind, title, source, method, officers [{name, cert}],
 *                   obtained_at, file? {file, sha256, size}, note?}, label
 *   record.added:   record {no, kind, officers, started_at, ended_at?, place,
 *                   person? {name, role (当事人 | 证人 | 有关人员), id?} (询问笔录),
 *                   site?, present? (现场检查笔录), summary?, file?, evidence_kind},
 *                   label
 * `no` numbers the items (and the records) 1, 2, ... in the order entered.
 *
 * A workflow may require evidence before an action (workflow.h, evidence_required):
 * the action is refused until the register holds an item (or a record) of one of
 * the kinds listed (any_of) or of each (all_of); the refusal names what is missing
 * and the rule's article.
 */
#ifndef CF_EVIDENCE_H
#define CF_EVIDENCE_H

#include <jansson.h>

#include "case.h"
#include "engine.h"
#include "workflow.h"

/* 1 if name is a kind of evidence (the eight kinds, the eighth under either name). */
int cf_evidence_kind_known(const char *name);

/* 1 if name is a kind of record (询问笔录, 现场检查笔录). */
int cf_record_kind_known(const char *name);

/* The kinds as one line of text, "书证, 物证, ..." (static). */
const char *cf_evidence_kinds_text(void);
const char *cf_record_kinds_text(void);

/* A request to enter an item of evidence or a record. item is what the front end
 * gave, before the engine numbers it: for evidence {kind, title, source, method,
 * officers, obtained_at?, file?, note?}; for a record {kind, officers, started_at,
 * ended_at?, place, person? | site?, present?, summary?, file?}. An officer is
 * {name, cert?}: without cert it is looked up by name among the case's officers.
 * A time left out (obtained_at) is the request's. Borrowed. */
typedef struct cf_evidence_req_s {
    const char *actor;
    const char *role;
    cf_time_t at;
    const json_t *item;
} cf_evidence_req_t;

/* Each returns 0 and OUT *events (a new array of one unsealed event), or refuses:
 *   CF_ECLOSED    the case is closed;
 *   CF_EINVALID   a field missing, empty, of the wrong type or unknown (naming it);
 *                 an unknown kind (naming the kinds); a time not ISO 8601, after
 *                 the request's time, or the request's time before the case's last
 *                 event; a record's started_at before the case was opened;
 *   CF_EREFUSED   fewer than two officers with distinct 执法证 numbers, or an
 *                 officer not among the case's officers (rule two-officers);
 *   CF_ENOMEM.
 * why as for cf_engine_act (no allowed list). */
int cf_engine_evidence(const cf_workflow_t *wf, const cf_case_t *c, const cf_evidence_req_t *req,
                       json_t **events, cf_refusal_t *why);
int cf_engine_record(const cf_workflow_t *wf, const cf_case_t *c, const cf_evidence_req_t *req,
                     json_t **events, cf_refusal_t *why);

/* The evidence kinds the register of c holds, items and records alike (a record
 * by its kind and its evidence kind): a new array, each kind once, or NULL
 * (ENOMEM). */
json_t *cf_evidence_kinds_held(const cf_case_t *c);

#endif
