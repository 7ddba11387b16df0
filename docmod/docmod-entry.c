/*
 * docmod-entry.c -- the document module's one exported symbol: its table of the
 * functions that need the document libraries (docmod.h). Compiled into
 * caseflow-docs.so only, beside importer/{html,office,pdf,xls,fold}.c and
 * render/render-pdf.c; everything else in the module is hidden
 * (docmod/docmod-module.map), so the module's functions never stand in for the
 * binary's forwarders of the same names.
 */
#include "docmod.h"

#include "importer-int.h"
#include "render.h"

__attribute__((visibility("default"))) const cf_docmod_t cf_docmod_table = {
    .abi = CF_DOCMOD_ABI,
    .is_html = cf__is_html,
    .html_text = cf__html_text,
    .office_kind = cf__office_kind,
    .office_text = cf__office_text,
    .is_pdf = cf__is_pdf,
    .pdf_text = cf__pdf_text,
    .is_xls = cf__is_xls,
    .xls_text = cf__xls_text,
    .fold = cf__fold,
    .opencc = cf__opencc,
    .strip_pinyin = cf__strip_pinyin,
    .render_pdf = cf_render_pdf,
};
