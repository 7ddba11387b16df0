/*
 * cmd-file.c -- `case file CASE SHA256 [--out FILE]`: the bytes of a file the case
 * cites (a document of an action, an evidence item's file) as stored, to FILE or
 * standard output (issue 17 item 3: what GET /v1/cases/{id}/files/{sha256} answers,
 * through the same code, cf_ops_case_file). `case show` lists the hashes.
 */
#include "cli.h"
#include "ops.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes len bytes of data to path (NULL: cli->out). */
static int write_out(cf_cli_t *cli, const char *path, const void *data, size_t len, cf_error_t *err)
{
    FILE *f = path ? fopen(path, "wb") : (fflush(cli->out), cli->raw);
    if (!f)
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    int bad = fwrite(data, 1, len, f) != len;
    if (path)
        bad |= fclose(f) != 0;
    return bad ? cf_error_set(err, CF_EIO, path, 0, 0, "cannot write the file") : 0;
}

/* Exported, documented in cli.h */
int cf__cmd_case_file(cf_cli_t *cli, int argc, char **argv)
{
    const char *id_text = cf__opt_positional(argc, argv, 0, NULL);
    const char *sha256 = cf__opt_positional(argc, argv, 1, NULL);
    const char *out = cf__opt_value(argc, argv, "--out");
    char *end = NULL;
    long long id = id_text ? strtoll(id_text, &end, 10) : 0;
    if (!id_text || !sha256 || *end || id < 1)
        return cf__cli_usage(cli, "case file CASE SHA256 [--out FILE]");
    cf__session_t s;
    cf_error_t err;
    cf_ops_file_t f = {0};
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0)
        rc = cf_ops_case_file(s.store, NULL, id, sha256, &f, &err);
    cf__session_close(&s);
    if (rc == 0)
        rc = write_out(cli, out, f.data, f.len, &err);
    if (rc == 0 && out) {
        if (cli->json) {
            json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s}", "case", (json_int_t)id, "sha256",
                                  sha256, "file", f.name, "size", (json_int_t)f.len, "out", out);
            cf__print_json(cli, o);
            json_decref(o);
        } else {
            fprintf(cli->out, "case %lld: %s, %zu bytes, written to %s\n", id, f.name, f.len, out);
        }
    }
    cf_ops_file_dispose(&f);
    return rc == 0 ? CF_EXIT_OK : cf__cli_fail(cli, rc, &err);
}
