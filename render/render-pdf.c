/*
 * render-pdf.c -- a filled 文书 (engine/wenshu.h) laid out as an A4 PDF with
 * cairo + pango: cf_render_pdf(). Built into the document module
 * (caseflow-docs.so, docmod/docmod.h), not into the binary, so that only a command
 * that renders loads cairo, pango and the fonts' libraries; render.c's
 * cf_render_pdf() forwards here through the module's table.
 *
 * Layout follows the national forms as printed by the bureaus (and GB/T
 * 9704's page: A4, margins 37 mm top, 28 mm left, 26 mm right): the bureau's
 * name and the title centred in bold, the 文号 under them on the right, then
 * the blocks top to bottom, a paragraph's first line indented two
 * characters; a form (审批表, 送达回证) sets its fields as a ruled two-column
 * table. The seal's place is a dashed circle beside the bureau's name and the
 * date, with the text the template gives. Text is set by pango, which shapes and breaks CJK lines
 * itself; cairo writes the PDF with the fonts subset and embedded.
 *
 * One pass, top to bottom: a block that does not fit on what is left of a
 * page starts the next one (blocks are short; a block taller than a page is
 * still set, running past the margin, rather than split). Stability: the PDF's
 * creation and modification dates are the document's date, its creator is
 * "caseflow", and cairo 1.16 writes no /ID, so two renders of one case are the
 * same bytes (tests/cli/doc.sh checks).
 */
#include "render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W  595.276
#define PAGE_H  841.890
#define MM      (72.0 / 25.4)
#define LEFT    (28 * MM)
#define RIGHT   (26 * MM)
#define TOP     (37 * MM)
#define BOTTOM  (30 * MM)
#define TEXT_W  (PAGE_W - LEFT - RIGHT)
#define BODY    "Noto Serif CJK SC 12"
#define BOLD    "Noto Serif CJK SC Bold 12"
#define TITLE   "Noto Serif CJK SC Bold 20"
#define LABEL_W (36 * MM)
#define SMALL   "Noto Serif CJK SC 10.5"
#define PAD     5.0

/* ---- laying out --------------------------------------------------------------- */

typedef struct page_s {
    cairo_t *cr;
    PangoContext *ctx; /* of a font map of this render's own (see cf_render_pdf) */
    double y;
    int number;
} page_t;

/* A layout of text in font, width w (points), aligned; bold_len bytes at the
 * start set in bold (a field's label). Caller unrefs. */
static PangoLayout *layout_of(page_t *pg, const char *text, const char *font, double w,
                              PangoAlignment align, double indent, size_t bold_len)
{
    PangoLayout *l = pango_layout_new(pg->ctx);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_set_indent(l, (int)(indent * PANGO_SCALE));
    pango_layout_set_line_spacing(l, 1.4f);
    pango_layout_set_text(l, text, -1);
    if (bold_len) {
        PangoAttrList *attrs = pango_attr_list_new();
        PangoAttribute *a = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
        a->start_index = 0;
        a->end_index = (guint)bold_len;
        pango_attr_list_insert(attrs, a);
        pango_layout_set_attributes(l, attrs);
        pango_attr_list_unref(attrs);
    }
    return l;
}

static double height_of(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

/* The page number at the foot, then a new page. */
static void foot(page_t *pg)
{
    char text[32];
    snprintf(text, sizeof(text), "— %d —", pg->number);
    PangoLayout *l = layout_of(pg, text, BODY, TEXT_W, PANGO_ALIGN_CENTER, 0, 0);
    cairo_move_to(pg->cr, LEFT, PAGE_H - BOTTOM + 20);
    pango_cairo_show_layout(pg->cr, l);
    g_object_unref(l);
}

/* Makes room for h points: a new page if what is left is too little. */
static void room(page_t *pg, double h)
{
    if (pg->y + h <= PAGE_H - BOTTOM || pg->y <= TOP)
        return;
    foot(pg);
    cairo_show_page(pg->cr);
    pg->number++;
    pg->y = TOP;
}

/* Sets l at x on the page, advancing y by its height plus after. */
static void place(page_t *pg, PangoLayout *l, double x, double after)
{
    double h = height_of(l);
    room(pg, h);
    cairo_move_to(pg->cr, x, pg->y);
    pango_cairo_show_layout(pg->cr, l);
    pg->y += h + after;
    g_object_unref(l);
}

/* A form's row: label cell and value cell, ruled. */
static void form_row(page_t *pg, const cf_wenshu_line_t *line)
{
    cairo_t *cr = pg->cr;
    PangoLayout *lab =
        layout_of(pg, line->label, BOLD, LABEL_W - 2 * PAD, PANGO_ALIGN_CENTER, 0, 0);
    PangoLayout *val =
        layout_of(pg, line->text, BODY, TEXT_W - LABEL_W - 2 * PAD, PANGO_ALIGN_LEFT, 0, 0);
    double h = height_of(lab) > height_of(val) ? height_of(lab) : height_of(val);
    h += 2 * PAD;
    if (h < 28)
        h = 28;
    room(pg, h);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, LEFT, pg->y, LABEL_W, h);
    cairo_rectangle(cr, LEFT + LABEL_W, pg->y, TEXT_W - LABEL_W, h);
    cairo_stroke(cr);
    cairo_move_to(cr, LEFT + PAD, pg->y + (h - height_of(lab)) / 2);
    pango_cairo_show_layout(cr, lab);
    cairo_move_to(cr, LEFT + LABEL_W + PAD, pg->y + (h - height_of(val)) / 2);
    pango_cairo_show_layout(cr, val);
    pg->y += h;
    g_object_unref(lab);
    g_object_unref(val);
}

/* The seal's place: a dashed circle with the template's text in it, set
 * beside the lines that follow (the bureau's name and the date, which a seal
 * is stamped over), taking no height of its own: a seal does not push the
 * date down. Left of the right-set lines, so its text is not printed over
 * theirs. */
static void seal(page_t *pg, const cf_wenshu_line_t *line)
{
    cairo_t *cr = pg->cr;
    double r = 17 * MM, cx = LEFT + TEXT_W - 165 - r, cy;
    room(pg, r + 24);
    cy = pg->y + 8;
    static const double dash[] = {4.0, 3.0};
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_set_line_width(cr, 1.0);
    cairo_new_path(cr); /* not joined to where the last text ended */
    cairo_arc(cr, cx, cy, r, 0, 2 * G_PI);
    cairo_stroke(cr);
    PangoLayout *l = layout_of(pg, line->text, SMALL, 2 * r - 24, PANGO_ALIGN_CENTER, 0, 0);
    cairo_move_to(cr, cx - r + 12, cy - height_of(l) / 2);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
    cairo_restore(cr);
}

/* "label：text" with the label in bold; sign lines get a rule to sign on. */
static void labelled(page_t *pg, const cf_wenshu_line_t *line, int sign)
{
    size_t n = strlen(line->label) + strlen(line->text) + 8;
    char *text = malloc(n);
    if (!text)
        return;
    snprintf(text, n, "%s：%s", line->label, line->text);
    PangoLayout *l =
        layout_of(pg, text, BODY, TEXT_W, PANGO_ALIGN_LEFT, 0, strlen(line->label) + 3);
    free(text);
    double h = height_of(l);
    room(pg, h + 6);
    if (sign) {
        int w, lh;
        pango_layout_get_pixel_size(l, &w, &lh);
        cairo_set_line_width(pg->cr, 0.6);
        cairo_move_to(pg->cr, LEFT + w + 4, pg->y + lh - 4);
        cairo_line_to(pg->cr, LEFT + w + 160, pg->y + lh - 4);
        cairo_stroke(pg->cr);
    }
    place(pg, l, LEFT, sign ? 14 : 4);
}

static void block(page_t *pg, const cf_wenshu_doc_t *doc, const cf_wenshu_line_t *line)
{
    switch (line->kind) {
    case CF_WENSHU_HEADING:
        place(pg, layout_of(pg, line->text, BOLD, TEXT_W, PANGO_ALIGN_LEFT, 0, 0), LEFT, 4);
        break;
    case CF_WENSHU_PARA:
        place(pg, layout_of(pg, line->text, BODY, TEXT_W, PANGO_ALIGN_LEFT, 24, 0), LEFT, 6);
        break;
    case CF_WENSHU_RIGHT:
        place(pg, layout_of(pg, line->text, BODY, TEXT_W, PANGO_ALIGN_RIGHT, 0, 0), LEFT, 2);
        break;
    case CF_WENSHU_SEAL:
        seal(pg, line);
        break;
    case CF_WENSHU_FIELD:
        if (doc->form)
            form_row(pg, line);
        else
            labelled(pg, line, 0);
        break;
    case CF_WENSHU_SIGN:
        labelled(pg, line, 1);
        break;
    }
}

static void head(page_t *pg, const cf_wenshu_doc_t *doc)
{
    if (doc->bureau && *doc->bureau)
        place(pg, layout_of(pg, doc->bureau, TITLE, TEXT_W, PANGO_ALIGN_CENTER, 0, 0), LEFT, 4);
    place(pg, layout_of(pg, doc->title, TITLE, TEXT_W, PANGO_ALIGN_CENTER, 0, 0), LEFT, 10);
    if (doc->number)
        place(pg, layout_of(pg, doc->number, BODY, TEXT_W, PANGO_ALIGN_RIGHT, 0, 0), LEFT, 14);
    else
        pg->y += 8;
}

/* ---- the PDF ------------------------------------------------------------------ */

typedef struct sink_s {
    unsigned char *p;
    size_t len, cap;
    int oom;
} sink_t;

static cairo_status_t sink_write(void *ctx, const unsigned char *data, unsigned int n)
{
    sink_t *s = ctx;
    if (s->len + n > s->cap) {
        size_t cap = (s->len + n) * 2;
        unsigned char *p = realloc(s->p, cap);
        if (!p) {
            s->oom = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, data, n);
    s->len += n;
    return CAIRO_STATUS_SUCCESS;
}

/* Exported, documented in render.h */
int cf_render_pdf(const cf_wenshu_doc_t *doc, unsigned char **pdf, size_t *len, cf_error_t *err)
{
    sink_t sink = {0};
    char date[CF_TIME_BUFSZ];
    cf_time_format(doc->date, date);
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(sink_write, &sink, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, doc->title);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "caseflow");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, date);
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    /* A font map of its own, dropped after: pango's default one lives as long
     * as the thread and keeps fontconfig's patterns, which the leak checker
     * counts against every command that renders. */
    PangoFontMap *fm = pango_cairo_font_map_new();
    PangoContext *ctx = pango_font_map_create_context(fm);
    pango_cairo_update_context(cr, ctx);
    page_t pg = {cr, ctx, TOP, 1};
    head(&pg, doc);
    for (size_t i = 0; i < doc->lines_count; i++)
        block(&pg, doc, &doc->lines[i]);
    foot(&pg);
    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    g_object_unref(ctx);
    g_object_unref(fm);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (sink.oom || st != CAIRO_STATUS_SUCCESS) {
        free(sink.p);
        return sink.oom ? CF_ENOMEM
                        : cf_error_set(err, CF_EIO, doc->name, 0, 0, "cairo: %s",
                                       cairo_status_to_string(st));
    }
    *pdf = sink.p;
    *len = sink.len;
    return 0;
}
