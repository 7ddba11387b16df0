/*
 * cmd-import.c -- the matter catalog on the command line:
 *   caseflow import FILE... [--agency NAME] [--prefix P] [--headers WORDS.txt] [--strict]
 *                   [--verbose] [--explain] --out FILE.yaml
 *   caseflow catalog load FILE.yaml...      store a catalog's matters in the database
 *   caseflow matter list [--power-type T]   matters in the database
 *   caseflow matter show ID
 *
 * `import` reads each 权责清单 (importer.h does the reading; this file does the
 * file I/O), prints a summary per file (matters found, by power type, anything
 * left unplaced with file:line), merges the matters of all files with unique
 * ids and writes one catalog. It is all or nothing: if any file cannot be read
 * as a list (empty, binary, not UTF-8/GB18030, truncated, no header), every
 * file is still reported but no catalog is written and the exit code is 2
 * (invalid input). Unplaced text is a warning, or an error with --strict; lines
 * of a file that could not be read at all (a region outside every table) make
 * the import partial: the rest is written and the exit code is 8. --explain
 * prints how each file was read (shape, format, header columns, sections, which
 * line became which matter); --headers adds a bureau's column words. The
 * catalog is written to FILE.yaml.tmp and renamed, so a failed write never
 * leaves half a catalog behind.
 *
 * Rejected: storing the matters straight into the database from `import`. The
 * catalog file is the reviewable artifact (a person checks what the importer
 * made of a list before cases are opened on it), and `catalog load` is the step
 * that makes it live.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "importer.h"
#include "ops.h"

static const char *const import_flags[] = {"--strict", "--verbose", "--explain", NULL};

/* ---- import: reporting ---------------------------------------------------------- */

static json_t *errlist_json(const cf_errlist_t *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->items_count; i++)
        json_array_append_new(a, json_pack("{s:s, s:i, s:s}", "file", l->items[i].source, "line",
                                           l->items[i].line, "text", l->items[i].text));
    return a;
}

static void print_errlist(FILE *f, const char *what, const cf_errlist_t *l)
{
    for (size_t i = 0; i < l->items_count; i++) {
        const cf_error_t *e = &l->items[i];
        if (e->line)
            fprintf(f, "  %s: %s:%d: %s\n", what, e->source, e->line, e->text);
        else
            fprintf(f, "  %s: %s: %s\n", what, e->source, e->text);
    }
}

static void print_summary(cf_cli_t *cli, const char *path, const cf_import_result_t *r, int verbose)
{
    const char *k;
    json_t *v;
    int first = 1;
    fprintf(cli->out, "%s: %zu matters (%s, %s)", path, json_array_size(r->matters), r->format,
            r->encoding);
    if (r->declared_count)
        fprintf(cli->out, ", the document says %d", r->declared_count);
    json_object_foreach(r->by_power_type, k, v) {
        fprintf(cli->out, "%s%s %lld", first ? ": " : ", ", k, (long long)json_integer_value(v));
        first = 0;
    }
    fputc('\n', cli->out);
    if (r->shape)
        fprintf(cli->out, "  read as %s text\n", r->shape);
    print_errlist(cli->out, "unplaced", &r->unplaced);
    if (r->unread_lines)
        fprintf(cli->out, "  partial: %zu line(s) could not be read (unplaced above)\n",
                r->unread_lines);
    if (verbose & 2)
        print_errlist(cli->out, "explain", &r->explain);
    if (verbose & 1)
        print_errlist(cli->out, "repaired", &r->repairs);
    else if (r->repairs.items_count)
        fprintf(cli->out,
                "  %zu repairs (merged rows, inferred 序号, realigned cells; "
                "--verbose lists them)\n",
                r->repairs.items_count);
}

static json_t *summary_json(const char *path, const cf_import_result_t *r)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:i, s:O, s:o, s:o, s:o, s:I, s:o}", "file", path,
                     "format", r->format, "encoding", r->encoding, "matters",
                     (json_int_t)json_array_size(r->matters), "declared", r->declared_count,
                     "by_power_type", r->by_power_type, "unplaced", errlist_json(&r->unplaced),
                     "repairs", errlist_json(&r->repairs), "explain", errlist_json(&r->explain),
                     "unread_lines", (json_int_t)r->unread_lines, "shape",
                     r->shape ? json_string(r->shape) : json_null());
}

static json_t *failure_json(const char *path, int code, const cf_error_t *err)
{
    return json_pack("{s:s, s:{s:s, s:s, s:i}}", "file", path, "error", "code", cf_errname(code),
                     "text", err->text, "line", err->line);
}

/* ---- import: the command ----------------------------------------------------------- */

typedef struct import_run_s {
    cf_import_opts_t opts;
    json_t *matters; /* all files, ids unique */
    json_t *sources; /* [{file, format, matters}] */
    json_t *files;   /* per-file summaries (JSON) */
    cf_errlist_t renames;
    int first_error; /* CF_E* of the first failed file, 0 if none */
    size_t unplaced;
    size_t unread; /* lines no file could read: a partial import */
} import_run_t;

/* Imports one file into run; failures are recorded, not returned. */
static int import_one(cf_cli_t *cli, import_run_t *run, const char *path, int verbose)
{
    char *buf = NULL;
    size_t len = 0;
    cf_error_t err;
    cf_import_result_t r;
    cf_error_clear(&err);
    int rc = cf__read_file(path, &buf, &len, &err);
    if (rc == 0)
        rc = cf_import_text(buf, len, path, &run->opts, &r, &err);
    free(buf);
    if (rc != 0) {
        if (!run->first_error)
            run->first_error = rc;
        if (!cli->json && err.line)
            fprintf(cli->err, "caseflow: %s:%d: %s\n", path, err.line, err.text);
        else if (!cli->json)
            fprintf(cli->err, "caseflow: %s: %s\n", path, err.text);
        return json_array_append_new(run->files, failure_json(path, rc, &err)) ? CF_ENOMEM : 0;
    }
    if (cli->json)
        json_array_append_new(run->files, summary_json(path, &r));
    else
        print_summary(cli, path, &r, verbose);
    run->unplaced += r.unplaced.items_count;
    run->unread += r.unread_lines;
    json_array_append_new(run->sources,
                          json_pack("{s:s, s:s, s:I}", "file", path, "format", r.format, "matters",
                                    (json_int_t)json_array_size(r.matters)));
    rc = cf_catalog_append(run->matters, r.matters, &run->renames);
    cf_import_result_free(&r);
    return rc;
}

static int finish_import(cf_cli_t *cli, import_run_t *run, const char *out, int strict)
{
    cf_error_t err;
    cf_error_clear(&err);
    int rc = run->first_error;
    if (!rc && strict && run->unplaced)
        rc = cf_error_set(&err, CF_EPARSE, NULL, 0, 0,
                          "%zu item(s) left unplaced; not writing %s (--strict)", run->unplaced,
                          out);
    char *yaml = NULL;
    size_t len = 0;
    if (!rc)
        rc = cf_catalog_dump(run->matters, run->sources, &yaml, &len, &err);
    if (!rc)
        rc = cf_ops_write_file(out, yaml, len, &err);
    free(yaml);
    if (cli->json) {
        json_t *o = json_pack("{s:o, s:I, s:o, s:s, s:b}", "files", json_incref(run->files),
                              "matters", (json_int_t)json_array_size(run->matters), "renamed",
                              errlist_json(&run->renames), "out", out, "written", rc == 0);
        if (o && rc && err.text[0])
            json_object_set_new(o, "error", json_string(err.text));
        if (o)
            json_object_set_new(o, "partial", json_boolean(!rc && run->unread));
        cf__print_json(cli, o);
        json_decref(o);
        return !rc && run->unread ? CF_EXIT_PARTIAL : cf__cli_exit_code(rc);
    }
    print_errlist(cli->out, "renamed", &run->renames);
    if (rc == run->first_error && rc)
        fprintf(cli->err, "caseflow: not writing %s: a file could not be imported\n", out);
    else if (rc)
        return cf__cli_fail(cli, rc, &err);
    else
        fprintf(cli->out, "wrote %zu matters to %s\n", json_array_size(run->matters), out);
    if (!rc && run->unread)
        fprintf(cli->err, "caseflow: partial import: %zu line(s) could not be read\n", run->unread);
    return !rc && run->unread ? CF_EXIT_PARTIAL : cf__cli_exit_code(rc);
}

/* --headers FILE: a bureau's column words, added to the built-in ones. Returns 0
 * or the exit code of the failure it printed. */
static int add_headers(cf_cli_t *cli, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    cf_error_t err;
    cf_error_clear(&err);
    int rc = cf__read_file(path, &buf, &len, &err);
    if (rc == 0)
        rc = cf_import_headers_add(buf, len, path, &err);
    free(buf);
    return rc ? cf__cli_fail(cli, rc, &err) : 0;
}

/* Exported, documented in cli.h */
int cf__cmd_import(cf_cli_t *cli, int argc, char **argv)
{
    const char *out = cf__opt_value(argc, argv, "--out");
    if (!out || !cf__opt_positional(argc, argv, 0, import_flags))
        return cf__cli_usage(cli, "import FILE... [--agency NAME] [--prefix P] [--headers "
                                  "WORDS.txt] [--strict] [--verbose] [--explain] --out FILE.yaml");
    import_run_t run;
    memset(&run, 0, sizeof(run));
    run.opts.agency = cf__opt_value(argc, argv, "--agency");
    run.opts.prefix = cf__opt_value(argc, argv, "--prefix");
    run.matters = json_array();
    run.sources = json_array();
    run.files = json_array();
    int rc = run.matters && run.sources && run.files ? 0 : CF_ENOMEM;
    const char *path;
    int verbose = cf__opt_flag(argc, argv, "--verbose") | cf__opt_flag(argc, argv, "--explain")
                                                              << 1;
    const char *headers = cf__opt_value(argc, argv, "--headers");
    int exit_code = !rc && headers ? add_headers(cli, headers) : 0;
    for (int i = 0; !rc && !exit_code && (path = cf__opt_positional(argc, argv, i, import_flags));
         i++)
        rc = import_one(cli, &run, path, verbose);
    if (!exit_code)
        exit_code = rc ? cf__cli_fail(cli, rc, NULL)
                       : finish_import(cli, &run, out, cf__opt_flag(argc, argv, "--strict"));
    json_decref(run.matters);
    json_decref(run.sources);
    json_decref(run.files);
    cf_errlist_free(&run.renames);
    return exit_code;
}

/* ---- catalog load ------------------------------------------------------------------ */

typedef struct store_ctx_s {
    cf__session_t *s;
    cf_error_t *err;
    size_t count;
} store_ctx_t;

static int store_one(void *ctx, json_t *matter)
{
    store_ctx_t *c = ctx;
    int rc = cf_store_matter_put(c->s->store, matter, c->err);
    c->count += rc == 0;
    return rc;
}

static int load_catalog(cf__session_t *s, const char *path, size_t *count, cf_error_t *err)
{
    char *buf;
    size_t len;
    int rc = cf__read_file(path, &buf, &len, err);
    if (rc != 0)
        return rc;
    /* One transaction for the whole file: all of it is stored or none (a catalog
     * is never half loaded), and one commit instead of one per matter. The
     * matters are read one at a time and stored as they come (cf_catalog_each):
     * a catalog of 10,000 is never held whole. */
    store_ctx_t c = {s, err, 0};
    int tx = cf_store_tx_begin(s->store, err);
    if (tx == 0)
        rc = cf_catalog_each(buf, len, path, store_one, &c, err);
    free(buf);
    if (tx == 0 && rc == 0)
        rc = cf_store_tx_commit(s->store, err);
    else if (tx == 0)
        cf_store_tx_rollback(s->store);
    else
        rc = tx;
    *count = rc == 0 ? c.count : 0;
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_catalog_load(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "catalog load FILE.yaml...");
    cf__session_t s;
    cf_error_t err;
    int rc = cf__session_open(cli, &s, 0, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    json_t *report = json_array();
    const char *path;
    for (int i = 0; rc == 0 && (path = cf__opt_positional(argc, argv, i, NULL)); i++) {
        size_t n = 0;
        rc = load_catalog(&s, path, &n, &err);
        if (rc == 0 && cli->json)
            json_array_append_new(report,
                                  json_pack("{s:s, s:I}", "file", path, "stored", (json_int_t)n));
        else if (rc == 0)
            fprintf(cli->out, "%s: %zu matters stored\n", path, n);
    }
    cf__session_close(&s);
    if (rc == 0 && cli->json)
        cf__print_json(cli, report);
    json_decref(report);
    return rc ? cf__cli_fail(cli, rc, &err) : CF_EXIT_OK;
}

/* ---- matter list / show ------------------------------------------------------------ */

/* obj[key] as a string, "" when absent. */
static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void print_strings(FILE *f, const json_t *arr, const char *sep)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        fprintf(f, "%s%s", i ? sep : "", json_string_value(v));
}

/* Exported, documented in cli.h */
int cf__cmd_matter_list(cf_cli_t *cli, int argc, char **argv)
{
    if (cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "matter list [--power-type T]");
    cf__session_t s;
    cf_error_t err;
    json_t *list = NULL;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0) {
        rc = cf_store_matter_list(s.store, cf__opt_value(argc, argv, "--power-type"), &list, &err);
        cf__session_close(&s);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    size_t i;
    json_t *m;
    if (cli->json)
        cf__print_json(cli, list);
    else
        json_array_foreach(list, i, m) {
            fprintf(cli->out, "%-28s ", str(m, "id"));
            print_strings(cli->out, json_object_get(m, "power_types"), "+");
            fprintf(cli->out, "  %s\n", str(m, "name"));
        }
    json_decref(list);
    return CF_EXIT_OK;
}

static void print_matter(FILE *f, const json_t *m)
{
    size_t i;
    json_t *v;
    fprintf(f, "%s  %s\n", str(m, "id"), str(m, "name"));
    fprintf(f, "power type: %s  (workflows: ", str(m, "power_type"));
    print_strings(f, json_object_get(m, "workflows"), ", ");
    fprintf(f, ")\nagency: %s / %s\nbasis:", str(m, "agency"), str(m, "unit"));
    json_array_foreach(json_object_get(json_object_get(m, "legal_basis"), "citations"), i, v) {
        fprintf(f, "%s《%s》", i ? "；" : " ", str(v, "law"));
        print_strings(f, json_object_get(v, "articles"), "、");
    }
    fprintf(f, "\nresponsibilities:\n");
    json_array_foreach(json_object_get(m, "responsibilities"), i, v)
        fprintf(f, "  %zu. %s%s%s\n", i + 1, str(v, "step"), *str(v, "step") ? ": " : "",
                str(v, "text"));
    fprintf(f, "accountability:\n");
    json_array_foreach(json_object_get(m, "accountability"), i, v)
        fprintf(f, "  %zu. %s\n", i + 1, json_string_value(v) ? json_string_value(v) : "");
    fprintf(f, "time limits:");
    json_array_foreach(json_object_get(m, "time_limits"), i, v)
        fprintf(f, "%s%s (%lld %s)", i ? "; " : " ", str(v, "text"),
                (long long)json_integer_value(json_object_get(v, "amount")), str(v, "unit"));
    json_t *src = json_object_get(m, "source");
    fprintf(f, "\nsource: %s:%lld\n", str(src, "file"),
            (long long)json_integer_value(json_object_get(src, "line")));
}

/* Exported, documented in cli.h */
int cf__cmd_matter_show(cf_cli_t *cli, int argc, char **argv)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    if (!id)
        return cf__cli_usage(cli, "matter show ID");
    cf__session_t s;
    cf_error_t err;
    json_t *m = NULL;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0) {
        rc = cf_store_matter_get(s.store, id, &m, &err);
        cf__session_close(&s);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json)
        cf__print_json(cli, m);
    else
        print_matter(cli->out, m);
    json_decref(m);
    return CF_EXIT_OK;
}
