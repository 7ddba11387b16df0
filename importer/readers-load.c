/*
 * readers-load.c -- the format readers and the folding, as the binary sees them:
 * each function of importer-int.h whose code needs a document library (html.c,
 * office.c, pdf.c, xls.c, fold.c) forwards to that code in the document module
 * (caseflow-docs.so, docmod/docmod.h), loaded on the first call. Those files are
 * compiled into the module, not into cf_importer.
 *
 * Without the module, cf_import_text() fails at its start with the module's
 * error (cf__readers_need), so these forwarders then only give the answers of
 * "nothing recognized" (0, NULL, text left as it is) or CF_EIO.
 */
#include "importer-int.h"

#include "docmod.h"

/* Exported, documented in importer-int.h */
int cf__readers_need(cf_error_t *err)
{
    return cf_docmod_load(err) ? 0 : CF_EIO;
}

/* Exported, documented in importer-int.h */
int cf__is_html(const char *buf, size_t len)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->is_html(buf, len) : 0;
}

/* Exported, documented in importer-int.h */
int cf__html_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err)
{
    const cf_docmod_t *m = cf_docmod_load(err);
    return m ? m->html_text(buf, len, source, text, err) : CF_EIO;
}

/* Exported, documented in importer-int.h */
int cf__office_kind(const char *buf, size_t len)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->office_kind(buf, len) : 0;
}

/* Exported, documented in importer-int.h */
int cf__office_text(const char *buf, size_t len, int kind, const char *source, char **text,
                    cf__sheets_t *sheets, cf_error_t *err)
{
    const cf_docmod_t *m = cf_docmod_load(err);
    return m ? m->office_text(buf, len, kind, source, text, sheets, err) : CF_EIO;
}

/* Exported, documented in importer-int.h */
int cf__is_pdf(const char *buf, size_t len)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->is_pdf(buf, len) : 0;
}

/* Exported, documented in importer-int.h */
int cf__pdf_text(const char *buf, size_t len, const char *source, char **text, cf_error_t *err)
{
    const cf_docmod_t *m = cf_docmod_load(err);
    return m ? m->pdf_text(buf, len, source, text, err) : CF_EIO;
}

/* Exported, documented in importer-int.h */
int cf__is_xls(const char *buf, size_t len)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->is_xls(buf, len) : 0;
}

/* Exported, documented in importer-int.h */
int cf__xls_text(const char *buf, size_t len, const char *source, char **text, cf__sheets_t *sheets,
                 cf_error_t *err)
{
    const cf_docmod_t *m = cf_docmod_load(err);
    return m ? m->xls_text(buf, len, source, text, sheets, err) : CF_EIO;
}

/* Exported, documented in importer-int.h */
int cf__fold(const char *s, char *out, size_t size)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->fold(s, out, size) : 0;
}

/* Exported, documented in importer-int.h */
char *cf__opencc(const char *config, const char *s)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->opencc(config, s) : NULL;
}

/* Exported, documented in importer-int.h */
size_t cf__strip_pinyin(char *text)
{
    const cf_docmod_t *m = cf_docmod_load(NULL);
    return m ? m->strip_pinyin(text) : 0;
}
