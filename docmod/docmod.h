/*
 * docmod.h -- the document module: the code that needs the document libraries
 * (the importer's format readers on libxml2, libzip, poppler-glib and FreeXL, its
 * folding on OpenCC, and the 文书 layout on cairo + pango) built as one shared
 * object, caseflow-docs.so, loaded with dlopen() the first time a command needs it.
 *
 * Why: those libraries and what they pull in are 58 of the 105 shared
 * objects the binary used to link, and the dynamic linker's relocations of them
 * were two thirds of the instructions of every start (`caseflow --version`, any
 * command line, and the daemon before its first answer: docs/performance.md,
 * "Restart after downtime"). Only `caseflow import` and a render of a 文书 use them.
 *
 * The seam is the functions that call those libraries, not the importer or the
 * renderer as a whole: importer/readers-load.c and render/render.c define the same
 * functions (importer-int.h's cf__html_text ..., render.h's cf_render_pdf) as
 * forwarders into the table below, so the parsers and their callers are the same
 * code in both builds. The module's own code calls back into the binary for a few
 * helpers (docmod/docmod.list: the string builder, cf_error_set ...), which the
 * binary exports for it.
 *
 * Where the module is looked for, in order: $CASEFLOW_DOCS_MODULE (a file; when
 * set, only there), beside the running binary (the build tree: build/api/), then
 * BINDIR/../lib/caseflow of the running binary (an installation or an unpacked
 * package, moved as a whole), then the library folder compiled in (make install's
 * LIBDIR/caseflow). Missing, or built for another table (CF_DOCMOD_ABI), the caller
 * gets CF_EIO naming where it looked and what the loader said.
 * Rejected: a second binary for the daemon without the libraries (every script,
 * unit and package would have to know which binary to run, and the command line
 * would still pay); linking them with -Wl,-z,lazy (the libraries are still mapped,
 * relocated and initialized at start: lazy binding defers only function lookups).
 */
#ifndef CF_DOCMOD_H
#define CF_DOCMOD_H

#include <stddef.h>

#include "error.h"
#include "wenshu.h"

/* The module's file name. */
#define CF_DOCMOD_FILE "caseflow-docs.so"
/* Bumped whenever cf_docmod_t changes: a module of another table is refused. */
#define CF_DOCMOD_ABI 3
/* The symbol the module exports: a const cf_docmod_t. */
#define CF_DOCMOD_SYMBOL "cf_docmod_table"

/* What the module offers; each function as importer-int.h or render.h documents
 * the function of the same name. */
struct cf__sheets_s; /* importer-int.h: where each worksheet of a workbook begins */

typedef struct cf_docmod_s {
    int abi; /* CF_DOCMOD_ABI of the build that made the module */
    /* importer/html.c */
    int (*is_html)(const char *buf, size_t len);
    int (*html_text)(const char *buf, size_t len, const char *source, char **text, cf_error_t *err);
    /* importer/office.c */
    int (*office_kind)(const char *buf, size_t len);
    int (*office_text)(const char *buf, size_t len, int kind, const char *source, char **text,
                       struct cf__sheets_s *sheets, cf_error_t *err);
    /* importer/pdf.c */
    int (*is_pdf)(const char *buf, size_t len);
    int (*pdf_text)(const char *buf, size_t len, const char *source, char **text, cf_error_t *err);
    /* importer/xls.c */
    int (*is_xls)(const char *buf, size_t len);
    int (*xls_text)(const char *buf, size_t len, const char *source, char **text,
                    struct cf__sheets_s *sheets, cf_error_t *err);
    /* importer/fold.c */
    int (*fold)(const char *s, char *out, size_t size);
    char *(*opencc)(const char *config, const char *s);
    size_t (*strip_pinyin)(char *text);
    /* render/render-pdf.c */
    int (*render_pdf)(const cf_wenshu_doc_t *doc, unsigned char **pdf, size_t *len,
                      cf_error_t *err);
} cf_docmod_t;

/* The module's table, loading the module on the first call (thread-safe; the
 * module stays loaded until the process ends). NULL when it cannot be loaded,
 * with err (may be NULL) set to CF_EIO naming the paths tried and the loader's
 * message; a later call tries again. */
const cf_docmod_t *cf_docmod_load(cf_error_t *err);

/* 1 when the module is loaded in this process (a test's check that a command did
 * not load it), else 0. */
int cf_docmod_loaded(void);

#endif
