/*
 * cmd-cause.h -- what `case open` borrows from the 案由 commands (cmd-cause.c):
 * resolving --cause against the stored dictionaries, and --officer into the
 * officers fact. Internal to the command line.
 */
#ifndef CF_CMD_CAUSE_H
#define CF_CMD_CAUSE_H

#include "engine.h"
#include "store.h"

/* Reads the options of `case open` that this file owns, for a case on workflow
 * wf: --officer NAME:CERTNO (repeatable) sets facts' "officers" to [{"name",
 * "cert"}, ...] (the last ':' separates them; a full-width '：' is taken when there
 * is no ':'); --cause ID ("js-2024:14", or "14" while one dictionary is stored)
 * looks the situation up and checks the party's type (--party-type, an id or a
 * name of the dictionary's subject types) against the cause's subject type.
 * OUT *cause: the record the case.opened event keeps (cf_cause_ref_json; new
 * reference), or NULL when --cause is not given. Returns 0;
 *   CF_EINVALID  --officer while wf declares no list fact officers;
 *   CF_EINVAL    an --officer that is not NAME:CERTNO, --officer with --fact
 *                officers=, --cause on a workflow that is not 行政处罚, or a bare
 *                number while several dictionaries are stored;
 *   CF_ENOTFOUND an unknown cause (err says which);
 *   CF_EREFUSED  the party is not of the cause's subject type, with OUT why
 *                filled (text in Chinese and English naming both types, rule
 *                "cause-subject", article the dictionary's document);
 * or a storage error. On failure facts is unchanged and *cause untouched. */
int cf__open_options(cf_store_t *store, const cf_workflow_t *wf, int argc, char **argv,
                     json_t *facts, json_t **cause, cf_refusal_t *why, cf_error_t *err);

/* `case act ... --fact cause=ID` (filing, issue 18 item 6): when 案由 dictionaries are
 * stored and the workflow is a 行政处罚 one, the fact must name a situation (its id,
 * js-2024:14) of the party's subject type. OUT *cause: its record (new reference) for
 * cf_act_t.cause, or NULL when the facts name no cause or no dictionary is stored.
 * Returns 0; CF_EINVALID (err) for free text or an unknown id; CF_EREFUSED (why, rule
 * cause-subject) for a party of another subject type; or a store error. */
int cf__act_cause(cf_store_t *store, const cf_workflow_t *wf, const cf_case_t *c,
                  const json_t *facts, json_t **cause, cf_refusal_t *why, cf_error_t *err);

#endif
