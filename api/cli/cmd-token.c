/*
 * cmd-token.c -- `caseflow token list` and `caseflow token revoke`, and the
 * expiry that `token create --expires` sets (docs/operations.md "Tokens").
 *
 * What an operator sees of a token: its id (the first 12 hex digits of the
 * SHA-256 of the secret, which the database keeps instead of the secret), the
 * holder's name, role and agency, when it was created, when it expires, when it
 * was revoked and when the daemon last read it. Never the secret: it is printed
 * once by `token create` and stored nowhere. A revoked or expired token is
 * refused by the daemon at its next read of the tokens table, at most
 * token_cache_ms (5 s by default) after the change (docs/api.md).
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in cli.h */
int cf__token_expiry(const char *text, cf_time_t now, cf_time_t *out)
{
    char *end;
    long n = strtol(text, &end, 10);
    long unit = 0;
    if (end != text && n > 0 && n <= 36500 && end[0] && !end[1])
        unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'w' ? 7 * 86400 : 0;
    if (unit) {
        *out = now + (cf_time_t)n * unit;
        return 0;
    }
    cf_time_t t;
    if (cf_time_parse(text, &t, NULL) == 0 && t > now) {
        *out = t;
        return 0;
    }
    return CF_EINVAL;
}

static const char *or_dash(const json_t *row, const char *key)
{
    const char *v = json_string_value(json_object_get(row, key));
    return v ? v : "-";
}

/* Exported, documented in cli.h */
int cf__cmd_token_list(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {NULL};
    if (cf__opt_positional(argc, argv, 0, flags))
        return cf__cli_usage(cli, "token list");
    cf__session_t ses;
    cf_error_t err;
    json_t *list = NULL;
    int rc = cf__session_open(cli, &ses, 0, &err);
    if (rc == 0) {
        rc = cf_store_token_list(ses.store, &list, &err);
        cf__session_close(&ses);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json) {
        json_dumpf(list, cli->out, JSON_INDENT(2));
        fputc('\n', cli->out);
    } else {
        size_t i;
        json_t *row;
        fprintf(cli->out, "%-12s  %-8s  %-25s  %-25s  %-25s  %s\n", "ID", "ROLE", "CREATED",
                "EXPIRES", "LAST USED", "NAME (AGENCY)");
        json_array_foreach(list, i, row) {
            const char *revoked = json_string_value(json_object_get(row, "revoked_at"));
            fprintf(cli->out, "%-12s  %-8s  %-25s  %-25s  %-25s  %s (%s)%s%s\n", or_dash(row, "id"),
                    or_dash(row, "role"), or_dash(row, "created_at"), or_dash(row, "expires_at"),
                    or_dash(row, "last_used_at"), or_dash(row, "name"), or_dash(row, "agency"),
                    revoked ? "  REVOKED " : "", revoked ? revoked : "");
        }
    }
    json_decref(list);
    return CF_EXIT_OK;
}

/* Exported, documented in cli.h */
int cf__cmd_token_revoke(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {NULL};
    const char *id = cf__opt_positional(argc, argv, 0, flags);
    if (!id || cf__opt_positional(argc, argv, 1, flags))
        return cf__cli_usage(cli, "token revoke ID   (the ID `caseflow token list` shows)");
    cf__session_t ses;
    cf_error_t err;
    cf_error_clear(&err);
    int rc = cf__session_open(cli, &ses, 0, &err);
    if (rc == 0) {
        rc = cf_store_token_revoke(ses.store, id, cli->now, &err);
        cf__session_close(&ses);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    fprintf(cli->out, "token %s revoked\n", id);
    return CF_EXIT_OK;
}
