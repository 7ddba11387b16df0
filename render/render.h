/*
 * render.h -- 文书 as PDF: finding a document's template (and the bureau file)
 * on the template path, filling it from a case (engine/wenshu.h) and laying it
 * out on A4 with cairo and pango in Noto Serif CJK SC (Debian fonts-noto-cjk).
 *
 * Kept out of the engine because it reads files and fonts. The output is
 * stable: the same case and templates give the same bytes (the PDF's dates are
 * the document's date from the case, cairo writes no random id), so a
 * rendered document's SHA-256 can go on the chain and be checked by rendering
 * again.
 *
 * The template path is a list of folders separated by ':' searched in order,
 * a bureau's own folder first: "bureau/templates:workflows/templates". The
 * first folder holding NAME.yaml gives the template, the first holding
 * bureau.yaml gives the bureau.
 */
#ifndef CF_RENDER_H
#define CF_RENDER_H

#include <stddef.h>

#include "error.h"
#include "wenshu.h"

/* The default template path when none is given. */
#define CF_RENDER_DEFAULT_PATH "workflows/templates"

/* given if not NULL, else $CASEFLOW_TEMPLATES if set, else
 * CF_RENDER_DEFAULT_PATH. Borrowed. */
const char *cf_render_path(const char *given);

/* Loads template name from the first folder of path that has name.yaml. OUT
 * *tpl (cf_wenshu_tpl_free). CF_ENOTFOUND naming the folders searched, or the
 * template's parse error. */
int cf_render_template_find(const char *path, const char *name, cf_wenshu_tpl_t **tpl,
                            cf_error_t *err);

/* Loads bureau.yaml from the first folder of path that has one. OUT *b. */
int cf_render_bureau_find(const char *path, cf_wenshu_bureau_t **b, cf_error_t *err);

/* As cf_render_template_find, for a case of workflow workflow_id: CF_ENOTFOUND
 * also when the template found does not serve that workflow. */
int cf_render_template_for(const char *path, const char *name, const char *workflow_id,
                           cf_wenshu_tpl_t **tpl, cf_error_t *err);

/* 1 if path has a template for name that serves workflow_id. */
int cf_render_has_template(const char *path, const char *name, const char *workflow_id);

/* Lays doc out as an A4 PDF. OUT *pdf (malloc'd, free()) and *len. Returns 0,
 * CF_ENOMEM, or CF_EIO when cairo fails (err says why). */
int cf_render_pdf(const cf_wenshu_doc_t *doc, unsigned char **pdf, size_t *len, cf_error_t *err);

/* The whole step: finds name's template (for in->c's workflow) and the bureau
 * on path, fills it from
 * in (whose bureau is ignored: the one found is used) and renders it. OUT
 * *pdf, *len. Errors as the steps give them (CF_EINVALID listing what the case
 * lacks). */
int cf_render_case_doc(const char *path, const char *name, const cf_wenshu_input_t *in,
                       unsigned char **pdf, size_t *len, cf_error_t *err);

/* The date a document of case c bears: the time of the last event that
 * attached a document called name (events: the case's, as stored), else the
 * case's last change (updated_at), so a render of an unchanged case is the same
 * bytes whenever it runs. */
cf_time_t cf_render_doc_date(const cf_case_t *c, const json_t *events, const char *name);

#endif
