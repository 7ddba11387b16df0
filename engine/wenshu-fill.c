/*
 * wenshu-fill.c -- filling a 文书 template from a case, and checking a template
 * against a workflow (wenshu.h).
 *
 * Filling is one pass over each text: every {{NAME|FILTER}} is looked up
 * (resolve) and either replaced or, when the case lacks it, added to a list
 * of what is missing; the fill fails only at the end, so the refusal names
 * everything at once rather than one fact per try. Values are looked up on
 * demand rather than from a context object built up front: a template names a
 * handful of values, and each costs one lookup.
 */
#include "wenshu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
typedef struct sbuf_s {
    char *p;
    size_t len, cap;
    int oom;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* ---- values ------------------------------------------------------------------- */

/* The fact id as the case (or the action under way) has it, or NULL. */
static const json_t *fact_of(const cf_wenshu_input_t *in, const char *id)
{
    const json_t *v = in->extra ? json_object_get(in->extra, id) : NULL;
    return v ? v : json_object_get(in->c->facts, id);
}

/* A date or time fact, or an event's "at", as a Chinese date. */
static int date_text(const char *iso, char *out, size_t size)
{
    cf_time_t t;
    if (!iso || cf_time_parse(iso, &t, NULL) != 0)
        return -1;
    cf_wenshu_date(cf_time_china_date(t), out, size);
    return 0;
}

static int officers_list(const json_t *list, sbuf_t *b);

/* officers [{name, cert}] as "张三（执法证号：65010020001）、王五（...）"; the
 * list may also be its JSON text, as a command line's --fact gives it. */
static int officers_text(const json_t *list, sbuf_t *b)
{
    if (!json_is_string(list))
        return officers_list(list, b);
    json_t *parsed = json_loads(json_string_value(list), 0, NULL);
    int rc = officers_list(parsed, b);
    json_decref(parsed);
    return rc;
}

static int officers_list(const json_t *list, sbuf_t *b)
{
    size_t i;
    json_t *o;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return -1;
    json_array_foreach(list, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *cert = json_string_value(json_object_get(o, "cert"));
        if (!name)
            return -1;
        if (i)
            sb_str(b, "、");
        sb_str(b, name);
        if (cert) {
            sb_str(b, "（执法证号：");
            sb_str(b, cert);
            sb_str(b, "）");
        }
    }
    return 0;
}

/* A fact's value with filter applied (filter may be ""). -1: cannot. */
static int fact_text(const json_t *v, const char *filter, sbuf_t *b)
{
    char tmp[192];
    int64_t fen;
    if (strcmp(filter, "yuan") == 0 || strcmp(filter, "capitals") == 0) {
        if (cf_wenshu_fen(v, &fen) != 0)
            return -1;
        if (filter[0] == 'y')
            cf_wenshu_figures(fen, tmp, sizeof(tmp));
        else if (cf_wenshu_capitals(fen, tmp, sizeof(tmp)) != 0)
            return -1;
        sb_str(b, tmp);
        return 0;
    }
    if (strcmp(filter, "date") == 0) {
        if (date_text(json_string_value(v), tmp, sizeof(tmp)) != 0)
            return -1;
        sb_str(b, tmp);
        return 0;
    }
    if (json_is_string(v))
        sb_str(b, json_string_value(v));
    else if (json_is_integer(v))
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v)), sb_str(b, tmp);
    else if (json_is_real(v))
        snprintf(tmp, sizeof(tmp), "%.2f", json_real_value(v)), sb_str(b, tmp);
    else if (json_is_boolean(v))
        sb_str(b, json_is_true(v) ? "是" : "否");
    else if (json_is_array(v))
        return officers_text(v, b);
    else
        return -1;
    return 0;
}

/* The day action was last taken (events), or -1. */
static int action_date(const cf_wenshu_input_t *in, const char *action, char *out, size_t size)
{
    const char *at = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(in->events, i, ev) {
        const char *a = json_string_value(json_object_get(ev, "action"));
        if (a && strcmp(a, action) == 0)
            at = json_string_value(json_object_get(ev, "at"));
    }
    return date_text(at, out, size);
}

/* The legal basis the workflow gives for action (its first transition with
 * that action that has one), or NULL. */
static const char *action_basis(const cf_workflow_t *wf, const char *action)
{
    for (unsigned i = 0; wf && i < wf->doc->transitions_count; i++)
        if (strcmp(wf->doc->transitions[i].action, action) == 0 && wf->doc->transitions[i].basis)
            return wf->doc->transitions[i].basis;
    return NULL;
}

/* Appends basis without the workflow's notes to its readers ("（条款待核）", or the
 * older "(to confirm)": cf_workflow_note_len), and the spaces before them: a document
 * cites the law, not the state of the workflow's sources. 1 when basis is NULL. */
static int basis_text(const char *basis, sbuf_t *b)
{
    if (!basis)
        return 1;
    for (const char *p = basis; *p;) {
        size_t spaces = strspn(p, " "), note = cf_workflow_note_len(p + spaces);
        if (note) {
            p += spaces + note;
            continue;
        }
        size_t keep = spaces ? spaces : 1;
        sb_add(b, p, keep);
        p += keep;
    }
    return 0;
}

/* ---- records: 询问笔录, 现场检查笔录 ------------------------------------------------ */

/* The case's latest record of the kind the document is named after (a 询问笔录 is
 * written from the last questioning entered), or NULL. */
static const json_t *record_of(const cf_case_t *c, const char *kind)
{
    const json_t *found = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(c->records, i, r) {
        if (kind && strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0)
            found = r;
    }
    return found;
}

/* record.FIELD of r into b: 0, 1 when r lacks it, -1 when FIELD is none a record
 * has. Times in Chinese form with the hour, 二〇二六年三月三日10时00分. */
static int record_text(const json_t *r, const char *field, sbuf_t *b)
{
    static const char *const texts[] = {"place",       "site",        "present",   "summary",
                                        "person.name", "person.role", "person.id", NULL};
    const char *const *k = texts;
    for (; *k && strcmp(*k, field) != 0; k++)
        ;
    const json_t *person = json_object_get(r, "person");
    if (*k) {
        const char *s = strncmp(field, "person.", 7) == 0
                            ? json_string_value(json_object_get(person, field + 7))
                            : json_string_value(json_object_get(r, field));
        if (!s)
            return 1;
        sb_str(b, s);
        return 0;
    }
    const json_t *officers = json_object_get(r, "officers");
    if (strcmp(field, "officers") == 0)
        return officers && officers_text(officers, b) == 0 ? 0 : 1;
    if (strcmp(field, "no") == 0) {
        char tmp[32];
        if (!json_object_get(r, "no"))
            return 1;
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(json_object_get(r, "no")));
        sb_str(b, tmp);
        return 0;
    }
    if (strcmp(field, "started") != 0 && strcmp(field, "ended") != 0)
        return -1;
    const char *iso =
        json_string_value(json_object_get(r, field[0] == 's' ? "started_at" : "ended_at"));
    cf_time_t t;
    char day[64], hm[32];
    if (!iso || cf_time_parse(iso, &t, NULL) != 0)
        return 1;
    cf_wenshu_date(cf_time_china_date(t), day, sizeof(day));
    int64_t local = (t + 8 * 3600) % 86400; /* China time */
    snprintf(hm, sizeof(hm), "%02d时%02d分", (int)(local / 3600), (int)(local % 3600 / 60));
    sb_str(b, day);
    sb_str(b, hm);
    return 0;
}

/* Bureau field k (name, abbr, review_organ, court) of bu: *s (NULL without a bureau).
 * Returns 0, or -1 when k is not one of them. */
static int bureau_value(const cf_wenshu_bureau_t *bu, const char *k, const char **s)
{
    if (strcmp(k, "name") != 0 && strcmp(k, "abbr") != 0 && strcmp(k, "review_organ") != 0 &&
        strcmp(k, "court") != 0)
        return -1;
    *s = !bu           ? NULL
         : k[0] == 'n' ? bu->name
         : k[0] == 'a' ? bu->abbr
         : k[0] == 'r' ? bu->review_organ
                       : bu->court;
    return 0;
}

/* The text of name, one of the case's, the document's or the bureau's values: OUT *s,
 * NULL when the case lacks it (tmp, size bytes, may hold the text). number is the
 * filled 文号. Returns 0, or -1 when name is unknown. */
static int value_of(const cf_wenshu_input_t *in, const char *name, const char *number, char *tmp,
                    size_t size, const char **s)
{
    const cf_case_t *c = in->c;
    if (strcmp(name, "party.name") == 0)
        *s = json_string_value(json_object_get(c->party, "name"));
    else if (strcmp(name, "party.type") == 0)
        *s = json_string_value(json_object_get(c->party, "type"));
    else if (strcmp(name, "case.id") == 0)
        snprintf(tmp, size, "%lld", (long long)c->id), *s = tmp;
    else if (strcmp(name, "case.year") == 0)
        snprintf(tmp, size, "%04d", cf_time_china_date(c->opened_at).year), *s = tmp;
    else if (strcmp(name, "case.opened") == 0)
        cf_wenshu_date(cf_time_china_date(c->opened_at), tmp, size), *s = tmp;
    else if (strcmp(name, "date") == 0)
        cf_wenshu_date(cf_time_china_date(in->date), tmp, size), *s = tmp;
    else if (strcmp(name, "number") == 0)
        *s = number;
    else if (strcmp(name, "cause") == 0) { /* the 案由: name（situation）, else the fact */
        const char *cn = json_string_value(json_object_get(c->cause, "name"));
        const char *ct = json_string_value(json_object_get(c->cause, "text"));
        if (cn && ct)
            snprintf(tmp, size, "%s（%s）", cn, ct), *s = tmp;
        else
            *s = cn ? cn : json_string_value(fact_of(in, "cause"));
    } else if (strncmp(name, "bureau.", 7) == 0) {
        return bureau_value(in->bureau, name + 7, s);
    } else if (strncmp(name, "at.", 3) == 0) {
        *s = action_date(in, name + 3, tmp, size) == 0 ? tmp : NULL;
    } else if (strncmp(name, "deadline.", 9) == 0) {
        const cf_clock_rt_t *k = cf_case_clock(c, name + 9);
        if (k && k->deadline)
            cf_wenshu_date(cf_time_china_date(k->deadline), tmp, size), *s = tmp;
    } else
        return -1;
    return 0;
}

/* Appends the value of name (filter applied) to b. Returns 0, 1 when the case
 * lacks it, -1 when name or filter is unknown. number is the filled 文号; record
 * the record the document is written from (record.FIELD), or NULL. */
static int resolve(const cf_wenshu_input_t *in, const char *name, const char *filter,
                   const char *number, const json_t *record, sbuf_t *b)
{
    char tmp[160];
    if (strncmp(name, "record.", 7) == 0) /* no record: each field is missing */
        return *filter ? -1 : record_text(record, name + 7, b);
    if (strncmp(name, "fact.", 5) == 0) {
        const json_t *v = fact_of(in, name + 5);
        if (strcmp(filter, "") != 0 && strcmp(filter, "yuan") != 0 &&
            strcmp(filter, "capitals") != 0 && strcmp(filter, "date") != 0)
            return -1;
        return !v ? 1 : fact_text(v, filter, b) == 0 ? 0 : 1;
    }
    if (*filter)
        return -1;
    if (strcmp(name, "officers") == 0)
        return officers_text(fact_of(in, "officers"), b) == 0 ? 0 : 1;
    if (strncmp(name, "basis.", 6) == 0)
        return basis_text(action_basis(in->wf, name + 6), b);
    const char *s = NULL;
    if (value_of(in, name, number, tmp, sizeof(tmp), &s) != 0)
        return -1;
    if (!s)
        return 1;
    sb_str(b, s);
    return 0;
}

/* ---- filling ------------------------------------------------------------------ */

typedef struct fill_s {
    const cf_wenshu_input_t *in;
    const char *number;
    const json_t *record; /* the record the document is written from, or NULL */
    sbuf_t missing;       /* "fact.fine (罚款金额（元）), party.type" */
    sbuf_t unknown;
} fill_t;

static void note(const fill_t *f, sbuf_t *list, const char *name)
{
    char key[160];
    snprintf(key, sizeof(key), "%s", name);
    if (list->p && strstr(list->p, key)) /* each once */
        return;
    if (list->len)
        sb_str(list, ", ");
    sb_str(list, name);
    const cf_wf_fact_t *fd =
        strncmp(name, "fact.", 5) == 0 && f->in->wf ? cf_workflow_fact(f->in->wf, name + 5) : NULL;
    if (fd && fd->name) {
        sb_str(list, " (");
        sb_str(list, fd->name);
        sb_str(list, ")");
    }
}

/* text with every placeholder replaced: a new string, or NULL on ENOMEM. */
static char *expand(fill_t *f, const char *text)
{
    sbuf_t b = {0};
    sb_str(&b, "");
    const char *p = text;
    while (!b.oom) {
        const char *open = strstr(p, "{{");
        if (!open) {
            sb_str(&b, p);
            break;
        }
        sb_add(&b, p, (size_t)(open - p));
        const char *close = strstr(open, "}}"); /* closed: checked at load */
        char name[160] = "", filter[32] = "";
        size_t n = (size_t)(close - open - 2);
        snprintf(name, sizeof(name), "%.*s", (int)n, open + 2);
        char *bar = strchr(name, '|');
        if (bar) {
            snprintf(filter, sizeof(filter), "%s", bar + 1);
            *bar = '\0';
        }
        int rc = resolve(f->in, name, filter, f->number, f->record, &b);
        if (rc > 0)
            note(f, &f->missing, name);
        else if (rc < 0)
            note(f, &f->unknown, name);
        p = close + 2;
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* 1 if the bool fact id is true for the case. */
static int is_true(const cf_wenshu_input_t *in, const char *id)
{
    const json_t *v = fact_of(in, id);
    return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static int add_line(fill_t *f, cf_wenshu_doc_t *d, const cf_wenshu_block_t *bl)
{
    cf_wenshu_line_t *l = &d->lines[d->lines_count];
    const char *text = bl->heading ? bl->heading
                       : bl->para  ? bl->para
                       : bl->field ? (bl->value ? bl->value : "")
                       : bl->right ? bl->right
                       : bl->seal  ? bl->seal
                                   : "";
    l->kind = bl->heading ? CF_WENSHU_HEADING
              : bl->para  ? CF_WENSHU_PARA
              : bl->field ? CF_WENSHU_FIELD
              : bl->right ? CF_WENSHU_RIGHT
              : bl->seal  ? CF_WENSHU_SEAL
                          : CF_WENSHU_SIGN;
    l->label = bl->field ? expand(f, bl->field) : bl->sign ? expand(f, bl->sign) : NULL;
    l->text = expand(f, text);
    d->lines_count++;
    return l->text && (l->label || (!bl->field && !bl->sign)) ? 0 : CF_ENOMEM;
}

static int fill_doc(fill_t *f, const cf_wenshu_tpl_t *t, cf_wenshu_doc_t *d)
{
    const cf_wenshu_input_t *in = f->in;
    d->date = in->date;
    d->form = t->layout && strcmp(t->layout, "form") == 0;
    if (!(d->name = strdup(t->name)) || !(d->title = strdup(t->title)) ||
        !(d->bureau = strdup(in->bureau ? in->bureau->name : "")))
        return CF_ENOMEM;
    if (t->number && !(d->number = expand(f, t->number)))
        return CF_ENOMEM;
    f->number = d->number;
    if (!(d->lines = calloc(t->blocks_count + 1, sizeof(*d->lines))))
        return CF_ENOMEM;
    for (unsigned i = 0; i < t->blocks_count; i++) {
        const cf_wenshu_block_t *bl = &t->blocks[i];
        if ((bl->when && !is_true(in, bl->when)) || (bl->unless && is_true(in, bl->unless)))
            continue;
        if (add_line(f, d, bl) != 0)
            return CF_ENOMEM;
    }
    return 0;
}

/* Exported, documented in wenshu.h */
int cf_wenshu_fill(const cf_wenshu_tpl_t *t, const cf_wenshu_input_t *in, cf_wenshu_doc_t *doc,
                   cf_error_t *err)
{
    fill_t f = {.in = in, .record = record_of(in->c, t->name)};
    cf_wenshu_doc_t d = {0};
    int rc = fill_doc(&f, t, &d);
    if (rc == 0 && (f.missing.oom || f.unknown.oom))
        rc = CF_ENOMEM;
    if (rc == 0 && f.unknown.len)
        rc = cf_error_set(err, CF_EINVALID, t->name, 0, 0, "%s names what no template may: %s",
                          t->name, f.unknown.p);
    else if (rc == 0 && f.missing.len)
        rc = cf_error_set(err, CF_EINVALID, t->name, 0, 0, "%s needs what the case lacks: %s",
                          t->name, f.missing.p);
    free(f.missing.p);
    free(f.unknown.p);
    if (rc != 0) {
        cf_wenshu_doc_dispose(&d);
        return rc;
    }
    *doc = d;
    return 0;
}

/* Exported, documented in wenshu.h */
void cf_wenshu_doc_dispose(cf_wenshu_doc_t *doc)
{
    for (size_t i = 0; i < doc->lines_count; i++) {
        free(doc->lines[i].label);
        free(doc->lines[i].text);
    }
    free(doc->lines);
    free(doc->name);
    free(doc->bureau);
    free(doc->title);
    free(doc->number);
    memset(doc, 0, sizeof(*doc));
}

/* Exported, documented in wenshu.h */
char *cf_wenshu_doc_text(const cf_wenshu_doc_t *doc)
{
    sbuf_t b = {0};
    sb_str(&b, doc->bureau);
    sb_str(&b, "\n");
    sb_str(&b, doc->title);
    sb_str(&b, "\n");
    if (doc->number) {
        sb_str(&b, doc->number);
        sb_str(&b, "\n");
    }
    for (size_t i = 0; i < doc->lines_count; i++) {
        if (doc->lines[i].label) {
            sb_str(&b, doc->lines[i].label);
            sb_str(&b, "：");
        }
        sb_str(&b, doc->lines[i].text);
        sb_str(&b, "\n");
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- checking against a workflow ---------------------------------------------- */

/* Checks the placeholders of one text; returns how many problems it added. */
static int check_text(const char *text, const cf_workflow_t *wf, const char *source,
                      const char *where, cf_errlist_t *problems)
{
    int added = 0;
    static const cf_case_t empty = {0};
    cf_wenshu_input_t in = {.c = &empty};
    for (const char *p = text; p && (p = strstr(p, "{{"));) {
        const char *close = strstr(p, "}}");
        char name[160], filter[32] = "";
        snprintf(name, sizeof(name), "%.*s", (int)(close - p - 2), p + 2);
        char *bar = strchr(name, '|');
        if (bar) {
            snprintf(filter, sizeof(filter), "%s", bar + 1);
            *bar = '\0';
        }
        p = close + 2;
        sbuf_t scratch = {0};
        int rc = strncmp(name, "fact.", 5) == 0 || strcmp(name, "officers") == 0
                     ? 0
                     : resolve(&in, name, filter, "", NULL, &scratch);
        if (strncmp(name, "fact.", 5) == 0 && *filter && strcmp(filter, "yuan") &&
            strcmp(filter, "capitals") && strcmp(filter, "date"))
            rc = -1;
        free(scratch.p);
        if (rc < 0 && cf_errlist_add(problems, source, 0, 0, "%s: unknown placeholder {{%s%s%s}}",
                                     where, name, *filter ? "|" : "", filter) == 0)
            added++;
        if (strncmp(name, "basis.", 6) == 0 && !action_basis(wf, name + 6) &&
            cf_errlist_add(problems, source, 0, 0, "%s: no action '%s' with a basis in %s", where,
                           name + 6, wf->doc->id) == 0)
            added++;
        const char *fact = strncmp(name, "fact.", 5) == 0  ? name + 5
                           : strcmp(name, "officers") == 0 ? "officers"
                                                           : NULL;
        if (fact && !cf_workflow_fact(wf, fact) &&
            cf_errlist_add(problems, source, 0, 0, "%s: fact '%s' is not a fact of workflow %s",
                           where, fact, wf->doc->id) == 0)
            added++;
    }
    return added;
}

/* Exported, documented in wenshu.h */
int cf_wenshu_check(const cf_wenshu_tpl_t *t, const cf_workflow_t *wf, const char *source,
                    cf_errlist_t *problems)
{
    int added = check_text(t->number, wf, source, "number", problems);
    for (unsigned i = 0; i < t->blocks_count; i++) {
        const cf_wenshu_block_t *b = &t->blocks[i];
        char where[32];
        snprintf(where, sizeof(where), "block %u", i + 1);
        const char *texts[] = {b->heading, b->para, b->field, b->value, b->right, b->seal, b->sign};
        for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
            added += check_text(texts[k], wf, source, where, problems);
        const char *conds[] = {b->when, b->unless};
        for (size_t k = 0; k < 2; k++) {
            const cf_wf_fact_t *fd = conds[k] ? cf_workflow_fact(wf, conds[k]) : NULL;
            if (conds[k] && (!fd || fd->type != CF_FACT_BOOL) &&
                cf_errlist_add(problems, source, 0, 0, "%s: %s '%s' is not a bool fact of %s",
                               where, k ? "unless" : "when", conds[k], wf->doc->id) == 0)
                added++;
        }
    }
    return added;
}
