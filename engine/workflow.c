/*
 * workflow.c -- loading a workflow definition: libcyaml schema, error capture,
 * content hash, lookups. The machine checks live in workflow-check.c.
 *
 * Design: libcyaml does the schema work (types, required keys, unknown keys,
 * enum values) so this file has no hand-written YAML walking; its error log is
 * captured through cfg.log_fn and turned into one located problem by
 * cyaml-err.c, shared with the other schema-checked loaders. libcyaml stops
 * at the first schema error, so a schema error is reported alone; the machine
 * checks that follow report everything they find. Rejected alternative: a
 * hand-written libyaml loader, which could report several schema errors at once
 * but would duplicate what the schema library already checks.
 */
#include "workflow.h"
#include "chain.h"
#include "cyaml-err.h"
#include "workflow-int.h"

#include <cyaml/cyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema ----------------------------------------------------------------- */

static const cyaml_strval_t unit_strings[] = {
    {"hours", CF_UNIT_HOURS},
    {"days", CF_UNIT_DAYS},
    {"working_days", CF_UNIT_WORKING_DAYS},
    {"months", CF_UNIT_MONTHS},
};

static const cyaml_strval_t fact_type_strings[] = {
    {"number", CF_FACT_NUMBER}, {"string", CF_FACT_STRING}, {"bool", CF_FACT_BOOL},
    {"date", CF_FACT_DATE},     {"list", CF_FACT_LIST},     {"amount", CF_FACT_AMOUNT},
};

static const cyaml_strval_t cause_strings[] = {
    {"none", CF_WF_CAUSE_NONE},
    {"dictionary", CF_WF_CAUSE_DICTIONARY},
};

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, CYAML_UNLIMITED),
};

#define STR(key, flags, type, member)                                                              \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | (flags), type, member, 0, CYAML_UNLIMITED)
#define STRLIST(key, flags, type, member)                                                          \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER | (flags), type, member, &string_entry, 0,        \
                         CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_field_t period_fields[] = {
    CYAML_FIELD_UINT("amount", CYAML_FLAG_DEFAULT, cf_wf_period_t, amount),
    CYAML_FIELD_ENUM("unit", CYAML_FLAG_STRICT, cf_wf_period_t, unit, unit_strings,
                     CYAML_ARRAY_LEN(unit_strings)),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t period_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_period_t, period_fields),
};

static const cyaml_schema_field_t fact_fields[] = {
    STR("id", 0, cf_wf_fact_t, id),
    STR("name", OPT, cf_wf_fact_t, name),
    CYAML_FIELD_ENUM("type", CYAML_FLAG_STRICT, cf_wf_fact_t, type, fact_type_strings,
                     CYAML_ARRAY_LEN(fact_type_strings)),
    STRLIST("only_by", OPT, cf_wf_fact_t, only_by),
    CYAML_FIELD_BOOL("past", OPT, cf_wf_fact_t, past),
    STR("since_clock", OPT, cf_wf_fact_t, since_clock),
    STRLIST("values", OPT, cf_wf_fact_t, values),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t fact_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_fact_t, fact_fields),
};

static const cyaml_schema_field_t state_fields[] = {
    STR("id", 0, cf_wf_state_t, id),
    STR("name", 0, cf_wf_state_t, name),
    STR("responsibility", OPT, cf_wf_state_t, responsibility),
    STR("basis", OPT, cf_wf_state_t, basis),
    CYAML_FIELD_BOOL("terminal", OPT, cf_wf_state_t, terminal),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t state_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_state_t, state_fields),
};

static const cyaml_schema_field_t requires_fields[] = {
    STRLIST("facts", OPT, cf_wf_requires_t, facts),
    STRLIST("documents", OPT, cf_wf_requires_t, documents),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t transition_fields[] = {
    STR("action", 0, cf_wf_transition_t, action),
    STR("label", 0, cf_wf_transition_t, label),
    STRLIST("from", 0, cf_wf_transition_t, from),
    STR("to", 0, cf_wf_transition_t, to),
    STRLIST("roles", 0, cf_wf_transition_t, roles),
    STR("guard", OPT, cf_wf_transition_t, guard),
    CYAML_FIELD_MAPPING_PTR("requires", OPT, cf_wf_transition_t, requires, requires_fields),
    STR("basis", OPT, cf_wf_transition_t, basis),
    STRLIST("documents", OPT, cf_wf_transition_t, documents),
    STR("assigns", OPT, cf_wf_transition_t, assigns),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t transition_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_transition_t, transition_fields),
};

static const cyaml_schema_field_t extension_fields[] = {
    STR("approver", 0, cf_wf_extension_t, approver),
    CYAML_FIELD_MAPPING("max", CYAML_FLAG_DEFAULT, cf_wf_extension_t, max, period_fields),
    CYAML_FIELD_UINT("times", OPT, cf_wf_extension_t, times),
    STR("further_after", OPT, cf_wf_extension_t, further_after),
    STR("after", OPT, cf_wf_extension_t, after),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t clock_fields[] = {
    STR("id", 0, cf_wf_clock_t, id),
    STR("name", 0, cf_wf_clock_t, name),
    CYAML_FIELD_MAPPING("period", CYAML_FLAG_DEFAULT, cf_wf_clock_t, period, period_fields),
    CYAML_FIELD_BOOL("from_matter", OPT, cf_wf_clock_t, from_matter),
    CYAML_FIELD_BOOL("party", OPT, cf_wf_clock_t, party),
    STRLIST("start", 0, cf_wf_clock_t, start),
    STRLIST("stop", OPT, cf_wf_clock_t, stop),
    STRLIST("pause", OPT, cf_wf_clock_t, pause),
    STRLIST("resume", OPT, cf_wf_clock_t, resume),
    CYAML_FIELD_SEQUENCE("warn", CYAML_FLAG_POINTER | OPT, cf_wf_clock_t, warn, &period_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("extension", OPT, cf_wf_clock_t, extension, extension_fields),
    STRLIST("exclude", OPT, cf_wf_clock_t, exclude),
    STR("basis", 0, cf_wf_clock_t, basis),
    STR("accountability", OPT, cf_wf_clock_t, accountability),
    STR("from_end_of", OPT, cf_wf_clock_t, from_end_of),
    CYAML_FIELD_BOOL("pause_from_deadline", OPT, cf_wf_clock_t, pause_from_deadline),
    STR("from_fact", OPT, cf_wf_clock_t, from_fact),
    STR("posted", OPT, cf_wf_clock_t, posted),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t clock_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_clock_t, clock_fields),
};

static const cyaml_schema_field_t rule_fields[] = {
    STR("id", 0, cf_wf_rule_t, id),           STRLIST("on", 0, cf_wf_rule_t, on),
    STR("check", 0, cf_wf_rule_t, check),     STR("article", 0, cf_wf_rule_t, article),
    STR("message", 0, cf_wf_rule_t, message), CYAML_FIELD_END,
};
static const cyaml_schema_value_t rule_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_rule_t, rule_fields),
};

static const cyaml_schema_field_t base_fields[] = {
    STR("id", 0, cf_wf_base_t, id),
    STR("hash", 0, cf_wf_base_t, hash),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t party_kind_fields[] = {
    STR("id", 0, cf_wf_party_kind_t, id),
    STR("name", 0, cf_wf_party_kind_t, name),
    STRLIST("types", 0, cf_wf_party_kind_t, types),
    STRLIST("also", OPT, cf_wf_party_kind_t, also),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t party_kind_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_party_kind_t, party_kind_fields),
};

static const cyaml_schema_field_t children_fields[] = {
    STRLIST("on", 0, cf_wf_children_t, on),
    STRLIST("done_states", OPT, cf_wf_children_t, done_states),
    STR("article", 0, cf_wf_children_t, article),
    STR("message", 0, cf_wf_children_t, message),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t evidence_rule_fields[] = {
    STR("id", 0, cf_wf_evidence_rule_t, id),
    STRLIST("on", 0, cf_wf_evidence_rule_t, on),
    STRLIST("any_of", OPT, cf_wf_evidence_rule_t, any_of),
    STRLIST("all_of", OPT, cf_wf_evidence_rule_t, all_of),
    STR("article", 0, cf_wf_evidence_rule_t, article),
    STR("message", 0, cf_wf_evidence_rule_t, message),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t evidence_rule_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_wf_evidence_rule_t, evidence_rule_fields),
};

static const cyaml_schema_field_t doc_fields[] = {
    STR("id", 0, cf_wf_doc_t, id),
    CYAML_FIELD_UINT("version", CYAML_FLAG_DEFAULT, cf_wf_doc_t, version),
    STR("power_type", 0, cf_wf_doc_t, power_type),
    STR("title", 0, cf_wf_doc_t, title),
    STRLIST("basis", OPT, cf_wf_doc_t, basis),
    STR("initial", 0, cf_wf_doc_t, initial),
    STRLIST("roles", OPT, cf_wf_doc_t, roles),
    CYAML_FIELD_SEQUENCE("facts", CYAML_FLAG_POINTER | OPT, cf_wf_doc_t, facts, &fact_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("states", CYAML_FLAG_POINTER, cf_wf_doc_t, states, &state_entry, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("transitions", CYAML_FLAG_POINTER, cf_wf_doc_t, transitions,
                         &transition_entry, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("clocks", CYAML_FLAG_POINTER | OPT, cf_wf_doc_t, clocks, &clock_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("rules", CYAML_FLAG_POINTER | OPT, cf_wf_doc_t, rules, &rule_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("overlay_of", OPT, cf_wf_doc_t, overlay_of, base_fields),
    CYAML_FIELD_SEQUENCE("party_kinds", CYAML_FLAG_POINTER | OPT, cf_wf_doc_t, party_kinds,
                         &party_kind_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("children_closed", OPT, cf_wf_doc_t, children_closed, children_fields),
    CYAML_FIELD_ENUM("cause", CYAML_FLAG_STRICT | OPT, cf_wf_doc_t, cause, cause_strings,
                     CYAML_ARRAY_LEN(cause_strings)),
    CYAML_FIELD_SEQUENCE("evidence_required", CYAML_FLAG_POINTER | OPT, cf_wf_doc_t,
                         evidence_required, &evidence_rule_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, cf_wf_doc_t, doc_fields),
};

/* ---- libcyaml errors -------------------------------------------------------------- */

/* Turns the captured log into one located problem: the message and, where it
 * helps, the innermost field, at the position cyaml-err.c corrects. */
static void report_schema_error(const cf__cyaml_log_t *log, const char *buf, size_t len,
                                const char *source, cf_errlist_t *problems)
{
    int line, column;
    char message[512], field[256];
    cf__cyaml_locate(log, buf, len, &line, &column, message, sizeof(message), field, sizeof(field));
    cf_errlist_add(problems, source, line, column, "%s%s%s%s", message, field[0] ? " (in " : "",
                   field, field[0] ? ")" : "");
}

/* ---- hash, lifecycle, lookups ------------------------------------------------- */

static int load_doc(const char *buf, size_t len, const char *source, cf_wf_doc_t **doc,
                    cf_errlist_t *problems)
{
    cf__cyaml_log_t log;
    cyaml_config_t cfg = cf__cyaml_config(&log);
    cyaml_err_t rc =
        cyaml_load_data((const uint8_t *)buf, len, &cfg, &doc_schema, (cyaml_data_t **)doc, NULL);
    if (rc == CYAML_OK && !*doc) { /* an empty document loads as nothing (fuzz-workflow) */
        cf_errlist_add(problems, source, 1, 1, "the document is empty: a workflow is a mapping");
        return CF_EPARSE;
    }
    if (rc == CYAML_OK)
        return 0;
    if (rc == CYAML_ERR_OOM)
        return CF_ENOMEM;
    report_schema_error(&log, buf, len, source, problems);
    return CF_EPARSE;
}

/* Exported, documented in workflow.h */
int cf_workflow_parse(const char *buf, size_t len, const char *source, cf_workflow_t **out,
                      cf_errlist_t *problems)
{
    cf_errlist_t local = {0};
    cf_errlist_t *list = problems ? problems : &local;
    size_t before = list->items_count;
    cf_workflow_t *wf = calloc(1, sizeof(*wf));
    int rc = wf ? 0 : CF_ENOMEM;
    if (rc == 0 && !(wf->source = malloc(len + 1)))
        rc = CF_ENOMEM;
    if (rc == 0) {
        memcpy(wf->source, buf, len);
        wf->source[len] = '\0';
        wf->source_len = len;
        rc = cf_chain_sha256_hex(buf, len, wf->hash);
    }
    if (rc == 0)
        rc = load_doc(buf, len, source, &wf->doc, list);
    if (rc == 0)
        rc = cf__workflow_check(wf, source, list);
    if (rc == 0 && list->items_count > before)
        rc = CF_EINVALID;
    cf_errlist_free(&local);
    if (rc != 0) {
        cf_workflow_free(wf);
        return rc;
    }
    *out = wf;
    return 0;
}

/* Exported, documented in workflow.h */
void cf_workflow_free(cf_workflow_t *wf)
{
    if (!wf)
        return;
    if (wf->doc) {
        for (unsigned i = 0; wf->guards && i < wf->doc->transitions_count; i++)
            cf_guard_free(wf->guards[i]);
        for (unsigned i = 0; wf->checks && i < wf->doc->rules_count; i++)
            cf_guard_free(wf->checks[i]);
        cyaml_config_t cfg = cf__cyaml_config(NULL);
        cyaml_free(&cfg, &doc_schema, wf->doc, 0);
    }
    free(wf->guards);
    free(wf->checks);
    free(wf->source);
    free(wf);
}

/* Exported, documented in workflow.h */
const cf_wf_state_t *cf_workflow_state(const cf_workflow_t *wf, const char *id)
{
    for (unsigned i = 0; id && i < wf->doc->states_count; i++)
        if (strcmp(wf->doc->states[i].id, id) == 0)
            return &wf->doc->states[i];
    return NULL;
}

/* Exported, documented in workflow.h */
const cf_wf_fact_t *cf_workflow_fact(const cf_workflow_t *wf, const char *id)
{
    for (unsigned i = 0; id && i < wf->doc->facts_count; i++)
        if (strcmp(wf->doc->facts[i].id, id) == 0)
            return &wf->doc->facts[i];
    return NULL;
}

/* Exported, documented in workflow.h */
const cf_wf_clock_t *cf_workflow_clock(const cf_workflow_t *wf, const char *id)
{
    for (unsigned i = 0; id && i < wf->doc->clocks_count; i++)
        if (strcmp(wf->doc->clocks[i].id, id) == 0)
            return &wf->doc->clocks[i];
    return NULL;
}

/* Exported, documented in workflow.h */
int cf_workflow_list_has(char *const *list, unsigned count, const char *action)
{
    for (unsigned i = 0; i < count; i++)
        if (strcmp(list[i], action) == 0)
            return 1;
    return 0;
}

/* Exported, documented in workflow.h */
int cf_workflow_from_matches(const cf_workflow_t *wf, const cf_wf_transition_t *t,
                             const char *state)
{
    if (t->from_count == 1 && strcmp(t->from[0], "*") == 0) {
        const cf_wf_state_t *s = cf_workflow_state(wf, state);
        return s && !s->terminal && strcmp(state, t->to) != 0 && strcmp(t->to, "@stay") != 0;
    }
    return cf_workflow_list_has(t->from, t->from_count, state);
}

/* Exported, documented in workflow.h */
cf_period_t cf_wf_period(cf_wf_period_t p)
{
    return (cf_period_t){.amount = p.amount, .unit = p.unit};
}

/* Exported, documented in workflow.h */
size_t cf_workflow_note_len(const char *p)
{
    static const char fw_open[] = "（", fw_close[] = "）";
    if (*p == '(') {
        const char *close = strchr(p, ')'), *mark = strstr(p, "confirm");
        return close && mark && mark < close ? (size_t)(close + 1 - p) : 0;
    }
    if (strncmp(p, fw_open, sizeof fw_open - 1) != 0)
        return 0;
    const char *body = p + sizeof fw_open - 1;
    const char *close = strstr(body, fw_close), *inner = strstr(body, fw_open);
    const char *mark = strstr(body, "待核");
    if (!close || (inner && inner < close) || !mark || mark > close) /* nested, or not one */
        return 0;
    return (size_t)(close + sizeof fw_close - 1 - p);
}
