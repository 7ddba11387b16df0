/*
 * matter.c -- from a record (kinds and texts, as the readers found them) to a
 * matter object for the catalog.
 *
 * Every field of the record ends up somewhere: the kinds the catalog has a key
 * for (name, power type, basis, responsibilities, ...) go to that key, cleaned of
 * HTML; every other column (部门职责, 追责对象范围, 责任事项依据, 备注, 监督电话, ...)
 * goes to `extra` under its label, placeholders (无, 无明确规定) left out. A record
 * with no 事项名称 is not a matter: it is reported, with its line and the start of
 * its text, never dropped silently. An unrecognized power type ("行政执行") keeps
 * the matter (power_type as written, power_types and workflows empty) and is
 * reported.
 *
 * Keys are inserted in the catalog's order (jansson keeps insertion order), so
 * the YAML reads the same way for every matter.
 */
#include "importer-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The clean text of all fields of kind, joined; "" when none. NULL on ENOMEM. */
static char *kind_text(const cf__record_t *r, int kind, int paragraphs)
{
    cf__sb_t sb = {0};
    for (size_t i = 0; i < r->fields_count; i++) {
        if (r->fields[i].kind != kind || cf__blank(r->fields[i].text))
            continue;
        char *c = cf__clean(r->fields[i].text, paragraphs);
        if (!c) {
            cf__sb_free(&sb);
            return NULL;
        }
        if (*c && sb.len)
            cf__sb_adds(&sb, "\n");
        cf__sb_adds(&sb, c);
        free(c);
    }
    return cf__sb_take(&sb);
}

/* A one-line value: placeholders become "". */
static char *short_text(const cf__record_t *r, int kind)
{
    char *t = kind_text(r, kind, 0);
    if (t && cf__placeholder(t))
        t[0] = '\0';
    return t;
}

static int set_str(json_t *o, const char *key, const char *value)
{
    return json_object_set_new(o, key, json_string(value ? value : "")) ? CF_ENOMEM : 0;
}

/* The matter's id: its official code when it has one, else prefix-NNN. */
static void make_id(const char *code, const char *prefix, int number, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = code; *p && o + 1 < size; p++) {
        char ch = *p;
        int ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 ch == '-' || ch == '_' || ch == '.';
        if (ok || (o && out[o - 1] != '-'))
            out[o++] = ok ? ch : '-';
    }
    while (o && out[o - 1] == '-')
        o--;
    out[o] = '\0';
    if (!o)
        snprintf(out, size, "%s-%03d", prefix, number);
}

static int add_extra(json_t *extra, const cf__field_t *f, size_t index)
{
    char key[256], *v = cf__clean(f->text, 1);
    if (!v)
        return CF_ENOMEM;
    if (f->label[0])
        snprintf(key, sizeof(key), "%s", f->label);
    else
        snprintf(key, sizeof(key), "column %zu", index + 1);
    int rc = 0;
    if (*v && !cf__placeholder(v)) {
        const char *old = json_string_value(json_object_get(extra, key));
        char *j = old ? cf__join(old, v) : strdup(v);
        rc = j && json_object_set_new(extra, key, json_string(j)) == 0 ? 0 : CF_ENOMEM;
        free(j);
    }
    free(v);
    return rc;
}

static int is_mapped(int kind)
{
    switch (kind) {
    case CF__K_NUMBER:
    case CF__K_NAME:
    case CF__K_SUB_ITEM:
    case CF__K_POWER:
    case CF__K_CODE:
    case CF__K_AGENCY:
    case CF__K_UNIT:
    case CF__K_BASIS:
    case CF__K_RESP:
    case CF__K_ACC:
        return 1;
    }
    return 0;
}

static json_t *extras(const cf__record_t *r)
{
    json_t *extra = json_object();
    int n;
    for (size_t i = 0; extra && i < r->fields_count; i++) {
        const cf__field_t *f = &r->fields[i];
        /* a 序号 that is not a plain number ("1-1") is kept as written */
        int odd_number =
            f->kind == CF__K_NUMBER && !cf__blank(f->text) && !cf__parse_number(f->text, &n);
        if ((!is_mapped(f->kind) || odd_number) && add_extra(extra, f, i)) {
            json_decref(extra);
            return NULL;
        }
    }
    return extra;
}

/* power_type, power_types, workflows; reports what it does not recognize. */
/* The power type a record implies when no column gives one: its section heading
 * (一、行政处罚), else a column whose label implies one (抽查事项: 行政检查). */
static const char *implied_power(const cf__record_t *r)
{
    if (r->section > 0)
        return cf__power_names[r->section - 1];
    for (size_t i = 0; i < r->fields_count; i++) {
        int p = cf__label_power(r->fields[i].label);
        if (p >= 0)
            return cf__power_names[p];
    }
    return NULL;
}

/* The one power type a list's title names ("某县医疗保障局行政检查事项清单", "涉企行政
 * 检查计划"): its name, NULL when it names none or several (行政检查和行政处罚). */
static const char *title_power(const char *title)
{
    const char *found = NULL;
    for (int i = 0; title && i < CF__POWER_TYPES - 1; i++)
        if (strstr(title, cf__power_names[i])) {
            if (found)
                return NULL;
            found = cf__power_names[i];
        }
    return found;
}

/* The power type a matter's name says by the form 权责清单 give names: "对…的处罚"
 * (行政处罚), "对…的检查" / "…监督检查" (行政检查), "…待遇给付" (行政给付), "…确认",
 * "…奖励"; NULL for any other name. The name is folded (處罰 is 处罚), a note in
 * parentheses at its end left out. */
static const char *name_power(const cf__record_t *r)
{
    static const struct {
        const char *end;
        int type;
    } forms[] = {{"处罚", 0}, {"检查", 2}, {"给付", 3}, {"确认", 4}, {"奖励", 5}};
    char *name = short_text(r, CF__K_NAME);
    char f[256], buf[256];
    const char *n = name && cf__fold(name, f, sizeof(f)) ? f : name;
    if (n && (cf__ends(n, "）") || cf__ends(n, ")"))) { /* 对…的处罚（含…） */
        const char *o = strstr(n, "（") ? strstr(n, "（") : strchr(n, '(');
        if (o && o > n && (size_t)(o - n) < sizeof(buf)) {
            memcpy(buf, n, (size_t)(o - n));
            buf[o - n] = '\0';
            n = buf;
        }
    }
    const char *type = NULL;
    for (size_t i = 0; n && !type && i < sizeof(forms) / sizeof(forms[0]); i++)
        if (cf__ends(n, forms[i].end) && cf__u8_count(n) > 4)
            type = cf__power_names[forms[i].type];
    free(name);
    return type;
}

static int set_power(cf__doc_t *d, const cf__record_t *r, json_t *m)
{
    char *pt = short_text(r, CF__K_POWER);
    const char *implied = pt && !*pt ? implied_power(r) : NULL;
    /* a list without a power-type column, no section or label giving it: the list's
     * title, else the matter's name (an empty cell of such a column is reported instead) */
    int none = pt && !*pt && !implied && !cf__record_get(r, CF__K_POWER);
    const char *by_title = none ? title_power(d->title) : NULL;
    const char *by_name = none && !by_title ? name_power(r) : NULL;
    if (by_title || by_name) {
        implied = by_title ? by_title : by_name;
        if (cf_errlist_add(d->repairs, d->source, r->line, 0, "no 权力类型: %s, as the %s says",
                           implied, by_title ? "list's title" : "matter's name")) {
            free(pt);
            return CF_ENOMEM;
        }
    }
    /* a column left empty under a heading (or a sheet's tab) naming the type: said, as
     * the cell is there to give it */
    if (implied && !by_title && !by_name && r->section > 0 && cf__record_get(r, CF__K_POWER) &&
        cf_errlist_add(d->repairs, d->source, r->line, 0,
                       "权力类型 empty: %s, as the section heading (or the sheet's tab) says",
                       implied)) {
        free(pt);
        return CF_ENOMEM;
    }
    if (implied) {
        free(pt);
        pt = strdup(implied);
    }
    json_t *types = pt ? cf_import_power_types(pt) : NULL, *flows = json_array();
    int rc = pt && types && flows ? 0 : CF_ENOMEM;
    for (size_t i = 0; !rc && i < json_array_size(types); i++) {
        json_t *w = cf_import_workflows(json_string_value(json_array_get(types, i)));
        rc = w && json_array_extend(flows, w) == 0 ? 0 : CF_ENOMEM;
        json_decref(w);
    }
    /* named with the column it was read from (or that is empty), when a column gives it */
    const cf__field_t *col = cf__record_get(r, CF__K_POWER);
    char where[300] = "";
    if (col && col->label && col->label[0] && !implied)
        snprintf(where, sizeof(where), " (column %s)", col->label);
    if (!rc && json_array_size(types) == 0)
        rc = cf_errlist_add(d->unplaced, d->source, col && *pt ? col->line : r->line, 0,
                            *pt ? "unknown 权力类型 \"%s\"%s: matter kept without a workflow"
                                : "no 权力类型%s%s: matter kept without a workflow",
                            pt, where);
    if (!rc)
        rc = set_str(m, "power_type", pt);
    if (!rc && (json_object_set(m, "power_types", types) || json_object_set(m, "workflows", flows)))
        rc = CF_ENOMEM;
    json_decref(types);
    json_decref(flows);
    free(pt);
    return rc;
}

/* agency, honoring opts->agency and the title's agency. */
static int set_agency(cf__doc_t *d, const cf__record_t *r, const cf_import_opts_t *o, json_t *m,
                      json_t *extra)
{
    char *a = short_text(r, CF__K_AGENCY);
    const cf__field_t *f = cf__record_get(r, CF__K_AGENCY);
    int rc = a ? 0 : CF_ENOMEM;
    if (!rc && o && o->agency && *a && strcmp(a, o->agency) != 0 && f)
        rc = json_object_set_new(extra, f->label[0] ? f->label : "行使主体", json_string(a))
                 ? CF_ENOMEM
                 : 0;
    const char *v = o && o->agency ? o->agency : *a ? a : d->title_agency;
    if (!rc)
        rc = set_str(m, "agency", v);
    free(a);
    return rc;
}

/* legal_basis {text, citations}; OUT *text (the clean basis, caller frees). */
static int set_basis(const cf__record_t *r, json_t *m, char **text)
{
    *text = kind_text(r, CF__K_BASIS, 1);
    json_t *cites = *text ? cf__citations(*text) : NULL;
    json_t *b = cites ? json_pack("{s:s, s:o}", "text", *text, "citations", cites) : NULL;
    return b && json_object_set_new(m, "legal_basis", b) == 0 ? 0 : CF_ENOMEM;
}

/* responsibilities, accountability, time_limits. */
static int set_lists(const cf__record_t *r, json_t *m, const char *basis)
{
    char *resp = kind_text(r, CF__K_RESP, 1), *acc = kind_text(r, CF__K_ACC, 1);
    char *tl = kind_text(r, CF__K_TIME_LIMIT, 0), *cond = kind_text(r, CF__K_CONDITION, 0);
    json_t *limits = json_array();
    int rc = resp && acc && tl && cond && limits ? 0 : CF_ENOMEM;
    json_t *rl = rc || !*resp ? json_array() : cf__split_list(resp, 1);
    json_t *al = rc || !*acc ? json_array() : cf__split_list(acc, 0);
    if (!rc && (!rl || !al || json_object_set(m, "responsibilities", rl) ||
                json_object_set(m, "accountability", al)))
        rc = CF_ENOMEM;
    /* most authoritative first: a consumer taking "the first in its unit" gets the
     * 法定期限 column before a period quoted from the law */
    /* a bare number under 法定期限（工作日）: the label gives the unit */
    for (size_t i = 0; !rc && i < r->fields_count; i++) {
        const cf__field_t *f = &r->fields[i];
        if (f->kind != CF__K_TIME_LIMIT || !f->label || cf__blank(f->text))
            continue;
        char *c = cf__clean(f->text, 0);
        rc = c ? cf__time_limit_bare(limits, c, f->label, "time_limit") : CF_ENOMEM;
        free(c);
    }
    if (!rc)
        rc = cf__time_limits(limits, tl, "time_limit", 1);
    if (!rc)
        rc = cf__time_limits(limits, cond, "conditions", 1);
    if (!rc)
        rc = cf__time_limits(limits, resp, "responsibilities", 0);
    if (!rc)
        rc = cf__time_limits(limits, basis, "legal_basis", 0);
    if (!rc && json_object_set(m, "time_limits", limits))
        rc = CF_ENOMEM;
    json_decref(rl);
    json_decref(al);
    json_decref(limits);
    free(resp);
    free(acc);
    free(tl);
    free(cond);
    return rc;
}

/* id, number, name, sub_item; OUT *code (the 地方权力编码, caller frees). */
static int set_head(const cf__record_t *r, json_t *m, const char *name, const char *carried,
                    const char *prefix, char **code)
{
    char *sub_code = short_text(r, CF__K_SUB_CODE), *sub = short_text(r, CF__K_SUB_ITEM), id[256];
    if (sub && !*sub && carried) { /* the 子项 the name carried (主项：… 子项：…) */
        free(sub);
        sub = strdup(carried);
    }
    *code = short_text(r, CF__K_CODE);
    int rc = *code && sub_code && sub ? 0 : CF_ENOMEM;
    if (!rc) {
        make_id(*sub_code ? sub_code : *code, prefix, r->number, id, sizeof(id));
        const cf__field_t *printed = cf__record_get(r, CF__K_NUMBER);
        int n, k;
        size_t len = strlen(id);
        if (!**code && !*sub_code && printed && cf__parse_sub_number(printed->text, &n, &k) &&
            len + 12 < sizeof(id)) /* "3-1": prefix-003-1, not the 主项's id made unique */
            snprintf(id + len, sizeof(id) - len, "-%d", k);
        if (set_str(m, "id", id) || json_object_set_new(m, "number", json_integer(r->number)))
            rc = CF_ENOMEM;
        if (!rc && r->number_inferred && json_object_set_new(m, "number_inferred", json_true()))
            rc = CF_ENOMEM;
        if (!rc)
            rc = set_str(m, "name", name);
        if (!rc)
            rc = set_str(m, "sub_item", sub);
    }
    free(sub_code);
    free(sub);
    return rc;
}

static int report_nameless(cf__doc_t *d, const cf__record_t *r)
{
    char ex[160] = "";
    for (size_t i = 0; i < r->fields_count; i++)
        if (!cf__blank(r->fields[i].text) && r->fields[i].kind != CF__K_NUMBER) {
            cf__excerpt(r->fields[i].text, 40, ex, sizeof(ex));
            break;
        }
    return cf_errlist_add(d->unplaced, d->source, r->line, 0,
                          "record without 事项名称 (序号 %d) not imported: \"%s\"", r->number, ex);
}

static int build(cf__doc_t *d, const cf__record_t *r, const cf_import_opts_t *o, const char *prefix,
                 const char *name, const char *carried, json_t *m)
{
    char *unit = short_text(r, CF__K_UNIT), *basis = NULL, *code = NULL;
    json_t *extra = extras(r);
    int rc = unit && extra ? 0 : CF_ENOMEM;
    if (!rc)
        rc = set_head(r, m, name, carried, prefix, &code);
    if (!rc)
        rc = set_power(d, r, m);
    if (!rc)
        rc = set_str(m, "code", code);
    if (!rc)
        rc = set_agency(d, r, o, m, extra);
    if (!rc)
        rc = set_str(m, "unit", unit);
    if (!rc)
        rc = set_basis(r, m, &basis);
    if (!rc)
        rc = set_lists(r, m, basis);
    if (!rc) {
        json_t *wf = json_object_get(m, "workflows");
        json_incref(wf);
        json_object_del(m, "workflows"); /* keep the catalog's key order */
        if (json_object_set_new(m, "workflows", wf) || json_object_set(m, "extra", extra))
            rc = CF_ENOMEM;
    }
    if (!rc && json_object_set_new(m, "source",
                                   json_pack("{s:s, s:i}", "file", d->source, "line", r->line)))
        rc = CF_ENOMEM;
    json_decref(extra);
    free(unit);
    free(basis);
    free(code);
    return rc;
}

/* Where a name carries its 子项 after a label (主项：A 子项：B, a cell of two paragraphs):
 * OUT *sub points at B in name, and the label is cut off (name becomes A, without its own
 * 主项 label); NULL when it carries none. */
static void split_sub(char *name, const char **sub)
{
    static const char *const labels[] = {"子项：", "子项:", "子项名称：", "子项名称:"};
    *sub = NULL;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]) && !*sub; i++) {
        char *at = strstr(name, labels[i]);
        if (!at || cf__blank(at + strlen(labels[i])))
            continue;
        *sub = at + strlen(labels[i]);
        *at = '\0';
    }
    if (!*sub)
        return;
    size_t n = strlen(name); /* the blanks between the two */
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\n'))
        name[--n] = '\0';
    static const char *const main_labels[] = {"主项：", "主项:", "主项名称：", "主项名称:"};
    for (size_t i = 0; i < sizeof(main_labels) / sizeof(main_labels[0]); i++)
        if (cf__starts(name, main_labels[i])) {
            memmove(name, name + strlen(main_labels[i]), n - strlen(main_labels[i]) + 1);
            break;
        }
}

/* The 主项 of a row whose name is only its 子项 (子项：B under 主项：A 子项：…): the name of
 * the nearest record above that has one; NULL if none (malloc'd). */
static char *main_above(const cf__doc_t *d, const cf__record_t *r)
{
    for (const cf__record_t *p = r; p > d->records;) {
        char *name = kind_text(--p, CF__K_NAME, 0);
        const char *sub = NULL;
        if (name)
            split_sub(name, &sub);
        if (name && sub && !cf__blank(name))
            return name;
        free(name);
        if (!sub) /* a record without a 子项 label: no 主项 runs on past it */
            return NULL;
    }
    return NULL;
}

/* Exported, documented in importer-int.h */
json_t *cf__matter_build(cf__doc_t *d, const cf__record_t *r, const cf_import_opts_t *opts,
                         int *skip)
{
    char prefix[128];
    *skip = 0;
    if (opts && opts->prefix && *opts->prefix)
        snprintf(prefix, sizeof(prefix), "%s", opts->prefix);
    else
        cf_import_prefix(d->source, prefix, sizeof(prefix));
    char *name = kind_text(r, CF__K_NAME, 0);
    if (!name)
        return NULL;
    if (cf__blank(name) || cf__placeholder(name)) {
        free(name);
        *skip = report_nameless(d, r) == 0;
        return NULL;
    }
    const char *carried = NULL;
    split_sub(name, &carried);
    char *above = carried && cf__blank(name) ? main_above(d, r) : NULL;
    if (carried && cf__blank(name) && !above) { /* no 主项 above: the 子项 names it */
        memmove(name, carried, strlen(carried) + 1);
        carried = NULL;
    }
    json_t *m = json_object();
    if (!m || build(d, r, opts, prefix, above ? above : name, carried, m)) {
        json_decref(m);
        m = NULL;
    }
    free(above);
    free(name);
    return m;
}
