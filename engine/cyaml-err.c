/*
 * cyaml-err.c -- locating libcyaml's errors. See cyaml-err.h.
 *
 * The unexpected key is found by its path: libcyaml's backtrace names the mapping
 * it was reading (built back to front, innermost entry first), the message names
 * the key, and yamlpos.c, which records keys as well as values, gives the key's
 * own position. Rejected: searching the text for the first scalar spelling the
 * key after libcyaml's position, which finds a value of that spelling as readily
 * as the key.
 */
#include "cyaml-err.h"
#include "yamlpos.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    cf__cyaml_log_t *b = ctx;
    (void)level;
    if (b->len + 1 >= sizeof(b->text))
        return;
    int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, args);
    if (n > 0)
        b->len = b->len + (size_t)n < sizeof(b->text) ? b->len + (size_t)n : sizeof(b->text) - 1;
}

/* Exported, documented in cyaml-err.h */
cyaml_config_t cf__cyaml_config(cf__cyaml_log_t *log)
{
    if (log) {
        log->text[0] = '\0';
        log->len = 0;
    }
    cyaml_config_t cfg = {.log_fn = log ? capture_log : NULL,
                          .log_ctx = log,
                          .mem_fn = cyaml_mem,
                          .log_level = CYAML_LOG_ERROR,
                          /* No YAML aliases: libcyaml replays an alias's events, so
                           * nested ones (a "billion laughs" of *a) grow without bound;
                           * no shipped file uses one (docs/security.md). */
                          .flags = CYAML_CFG_NO_ALIAS};
    return cfg;
}

/* libyaml's own account of a syntax error: its position and its words, into
 * message. OUT line, column: 1 and 1 (message untouched) when the bytes parse. */
static void syntax_mark(const char *buf, size_t len, int *line, int *column, char *message,
                        size_t size)
{
    yaml_parser_t p;
    yaml_event_t ev;
    *line = *column = 1;
    if (!yaml_parser_initialize(&p))
        return;
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    for (int end = 0; !end;) {
        if (!yaml_parser_parse(&p, &ev)) {
            *line = (int)p.problem_mark.line + 1;
            *column = (int)p.problem_mark.column + 1;
            snprintf(message, size, "YAML syntax error: %s", p.problem ? p.problem : "malformed");
            break;
        }
        end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
}

/* The position of the first alias (*name) in buf into line, column: 1, or 0 when there
 * is none. libcyaml, told CYAML_CFG_NO_ALIAS, refuses one without a message of its
 * own (only a backtrace): this says what and where. */
static int alias_mark(const char *buf, size_t len, int *line, int *column)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int found = 0;
    if (!yaml_parser_initialize(&p))
        return 0;
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    for (int end = 0; !end && !found && yaml_parser_parse(&p, &ev);) {
        end = ev.type == YAML_STREAM_END_EVENT;
        if (ev.type == YAML_ALIAS_EVENT) {
            *line = (int)ev.start_mark.line + 1;
            *column = (int)ev.start_mark.column + 1;
            found = 1;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return found;
}

/* The dotted path (yamlpos.h style, 0-based indexes) of the mapping libcyaml was
 * reading, from its backtrace: innermost entry first, so built back to front. */
static void backtrace_path(const char *log, char *path, size_t size)
{
    path[0] = '\0';
    const char *bt = strstr(log, "Backtrace:");
    for (const char *at = bt; at && (at = strstr(at, "\n  in ")) != NULL; at++) {
        char comp[128];
        unsigned index;
        if (sscanf(at, "\n  in mapping field '%127[^']'", comp) != 1) {
            if (sscanf(at, "\n  in sequence entry '%u'", &index) != 1 || index == 0)
                continue;
            snprintf(comp, sizeof(comp), "%u", index - 1); /* libcyaml counts from 1 */
        }
        size_t clen = strlen(comp), plen = strlen(path), sep = plen ? 1 : 0;
        if (clen + sep + plen + 1 > size)
            break; /* deeper than any document here: the path found so far will do */
        memmove(path + clen + sep, path, plen + 1);
        memcpy(path, comp, clen);
        if (sep)
            path[clen] = '.';
    }
}

/* An unexpected key's own position, by its path. */
static void key_mark(const cf__cyaml_log_t *log, const char *buf, size_t len, const char *key,
                     int *line, int *column)
{
    char tail[1024];
    cf__yamlpos_t map;
    backtrace_path(log->text, tail, sizeof(tail));
    cf__yamlpos_build(&map, buf, len);
    int l = 0, c = 0;
    cf__yamlpos_find_key(&map, &l, &c, "%s%s%s", tail, tail[0] ? "." : "", key);
    if (l)
        *line = l, *column = c;
    cf__yamlpos_free(&map);
}

/* Exported, documented in cyaml-err.h */
void cf__cyaml_locate(const cf__cyaml_log_t *log, const char *buf, size_t len, int *line,
                      int *column, char *message, size_t message_size, char *field,
                      size_t field_size)
{
    const char *at = strstr(log->text, "(line: ");
    const char *msg = strncmp(log->text, "Load: ", 6) == 0 ? log->text + 6 : log->text;
    int msg_len = (int)strcspn(msg, "\n");
    char key[128];
    *line = *column = 0;
    field[0] = '\0';
    snprintf(message, message_size, "%.*s", msg_len, msg);
    if (at)
        sscanf(at, "(line: %d, column: %d)", line, column);
    if (!at || strncmp(msg, "libyaml:", 8) == 0) {
        syntax_mark(buf, len, line, column, message, message_size);
        return;
    }
    if (strncmp(msg, "Backtrace:", 10) == 0 && alias_mark(buf, len, line, column)) {
        snprintf(message, message_size, "YAML aliases (*name) are not accepted");
        return;
    }
    if (sscanf(msg, "Unexpected key: %127[^\n]", key) == 1) {
        key_mark(log, buf, len, key, line, column);
        return; /* the backtrace names the mapping, not the key: it would mislead */
    }
    const char *in = strstr(log->text, "\n  in ");
    if (in && in + 6 < at)
        snprintf(field, field_size, "%.*s", (int)(at - (in + 6)) - 1, in + 6);
}

/* Exported, documented in cyaml-err.h */
int cf__cyaml_error(const cf__cyaml_log_t *log, const char *buf, size_t len, const char *source,
                    const char *what, cf_error_t *err)
{
    int line, column;
    char message[512], field[256];
    cf__cyaml_locate(log, buf, len, &line, &column, message, sizeof(message), field, sizeof(field));
    return cf_error_set(err, CF_EPARSE, source, line, column, "%s: %s", what, message);
}
