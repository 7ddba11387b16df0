/*
 * render.c -- the template path (render.h): a 文书's template and the bureau
 * found on it, filled from a case (engine/wenshu.h) and handed to the layout.
 *
 * The layout itself (cf_render_pdf: cairo + pango) is in render-pdf.c, built into
 * the document module caseflow-docs.so (docmod/docmod.h) and loaded on the first
 * render: the binary does not link cairo, pango or their fonts' libraries, so a
 * command that renders nothing (and the daemon until it renders) does not load
 * them. Here cf_render_pdf() forwards to the module; without the module it fails
 * naming where it looked.
 */
#include "render.h"

#include "docmod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the template path -------------------------------------------------------- */

/* Exported, documented in render.h */
const char *cf_render_path(const char *given)
{
    const char *env = getenv("CASEFLOW_TEMPLATES");
    return given ? given : env && *env ? env : CF_RENDER_DEFAULT_PATH;
}

/* The first "dir/file" on path that exists, into out; 0 or -1. */
static int find_on_path(const char *path, const char *file, char *out, size_t size)
{
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        snprintf(out, size, "%.*s/%s", (int)n, p, file);
        FILE *f = n ? fopen(out, "rb") : NULL;
        if (f) {
            fclose(f);
            return 0;
        }
        p += n + (end ? 1 : 0);
    }
    return -1;
}

static int read_all(const char *file, char **buf, size_t *len, cf_error_t *err)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return cf_error_set(err, CF_EIO, file, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 4096, n = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0)
        if ((n += r) + 1 == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    fclose(f);
    if (!b)
        return CF_ENOMEM;
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

/* Exported, documented in render.h */
int cf_render_template_find(const char *path, const char *name, cf_wenshu_tpl_t **tpl,
                            cf_error_t *err)
{
    char file[1024], fname[512], *buf = NULL;
    size_t len = 0;
    snprintf(fname, sizeof(fname), "%s.yaml", name);
    if (strchr(name, '/') || find_on_path(path, fname, file, sizeof(file)) != 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no template for '%s' in %s", name,
                            path);
    int rc = read_all(file, &buf, &len, err);
    if (rc == 0)
        rc = cf_wenshu_tpl_load(buf, len, file, tpl, err);
    free(buf);
    return rc;
}

/* Exported, documented in render.h */
int cf_render_template_for(const char *path, const char *name, const char *workflow_id,
                           cf_wenshu_tpl_t **tpl, cf_error_t *err)
{
    cf_wenshu_tpl_t *t = NULL;
    int rc = cf_render_template_find(path, name, &t, err);
    if (rc == 0 && workflow_id && !cf_wenshu_tpl_serves(t, workflow_id)) {
        rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                          "the template for '%s' in %s does not serve workflow %s", name, path,
                          workflow_id);
        cf_wenshu_tpl_free(t);
    }
    if (rc == 0)
        *tpl = t;
    return rc;
}

/* Exported, documented in render.h */
int cf_render_has_template(const char *path, const char *name, const char *workflow_id)
{
    cf_wenshu_tpl_t *t = NULL;
    if (cf_render_template_for(path, name, workflow_id, &t, NULL) != 0)
        return 0;
    cf_wenshu_tpl_free(t);
    return 1;
}

/* Exported, documented in render.h */
int cf_render_bureau_find(const char *path, cf_wenshu_bureau_t **b, cf_error_t *err)
{
    char file[1024], *buf = NULL;
    size_t len = 0;
    if (find_on_path(path, "bureau.yaml", file, sizeof(file)) != 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no bureau.yaml in %s", path);
    int rc = read_all(file, &buf, &len, err);
    if (rc == 0)
        rc = cf_wenshu_bureau_load(buf, len, file, b, err);
    free(buf);
    return rc;
}

/* Exported, documented in render.h: laid out by the document module (render-pdf.c) */
int cf_render_pdf(const cf_wenshu_doc_t *doc, unsigned char **pdf, size_t *len, cf_error_t *err)
{
    const cf_docmod_t *m = cf_docmod_load(err);
    return m ? m->render_pdf(doc, pdf, len, err) : CF_EIO;
}

/* Exported, documented in render.h */
int cf_render_case_doc(const char *path, const char *name, const cf_wenshu_input_t *in,
                       unsigned char **pdf, size_t *len, cf_error_t *err)
{
    cf_wenshu_tpl_t *tpl = NULL;
    cf_wenshu_bureau_t *bureau = NULL;
    cf_wenshu_doc_t doc;
    int rc = cf_render_template_for(path, name, in->c->workflow_id, &tpl, err);
    if (rc == 0)
        rc = cf_render_bureau_find(path, &bureau, err);
    if (rc == 0) {
        cf_wenshu_input_t with = *in;
        with.bureau = bureau;
        rc = cf_wenshu_fill(tpl, &with, &doc, err);
    }
    if (rc == 0) {
        rc = cf_render_pdf(&doc, pdf, len, err);
        cf_wenshu_doc_dispose(&doc);
    }
    cf_wenshu_bureau_free(bureau);
    cf_wenshu_tpl_free(tpl);
    return rc;
}

/* Exported, documented in render.h */
cf_time_t cf_render_doc_date(const cf_case_t *c, const json_t *events, const char *name)
{
    cf_time_t at = c->updated_at;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        cf_time_t t;
        const char *when = json_string_value(json_object_get(ev, "at"));
        if (json_object_get(json_object_get(ev, "documents"), name) && when &&
            cf_time_parse(when, &t, NULL) == 0)
            at = t;
    }
    return at;
}
