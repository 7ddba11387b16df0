/*
 * cli-text.c -- control characters on the command line: refused in what an operator
 * types (the rule of the HTTP API, engine/text.h), shown as visible escapes in what
 * the tool prints (a database written before the rule, or imported, may hold them).
 */
#define _GNU_SOURCE /* fopencookie */
#include "cli.h"

#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The filter: writes to the stream it wraps, a control character as \xHH (C0 but tab and
 * LF, DEL) or \u00HH (C1, UTF-8 C2 80..C2 9F). A C2 at the end of one write waits for
 * the next byte. */
typedef struct {
    FILE *to;
    int c2; /* the previous write ended on a C2 byte, not written yet */
} visible_t;

static int put_byte(visible_t *v, unsigned char c)
{
    if (v->c2) {
        v->c2 = 0;
        if (c >= 0x80 && c < 0xa0)
            return fprintf(v->to, "\\u%04x", c) < 0 ? -1 : 0;
        if (fputc(0xc2, v->to) == EOF)
            return -1;
    }
    if (c == 0xc2) {
        v->c2 = 1;
        return 0;
    }
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
        return fprintf(v->to, "\\x%02x", c) < 0 ? -1 : 0;
    return fputc(c, v->to) == EOF ? -1 : 0;
}

static ssize_t visible_write(void *cookie, const char *buf, size_t size)
{
    visible_t *v = cookie;
    for (size_t i = 0; i < size; i++)
        if (put_byte(v, (unsigned char)buf[i]) != 0)
            return i ? (ssize_t)i : -1;
    /* a flush of the filter (serve's "listening on" line) is one of the stream below */
    return fflush(v->to) != 0 ? -1 : (ssize_t)size;
}

static int visible_close(void *cookie)
{
    visible_t *v = cookie;
    int bad = v->c2 && fputc(0xc2, v->to) == EOF;
    bad |= fflush(v->to) != 0;
    free(v);
    return bad ? -1 : 0;
}

/* Exported, documented in cli.h */
FILE *cf__cli_visible(FILE *to)
{
    visible_t *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->to = to;
    cookie_io_functions_t io = {.write = visible_write, .close = visible_close};
    FILE *f = fopencookie(v, "w", io);
    if (!f) {
        free(v);
        return NULL;
    }
    /* buffered as `to` is: a line at a time to a terminal, else a buffer at a time */
    int fd = fileno(to);
    setvbuf(f, NULL, fd >= 0 && isatty(fd) ? _IOLBF : _IOFBF, BUFSIZ);
    return f;
}

/* Exported, documented in cli.h */
int cf__cli_check_text(cf_cli_t *cli, const char *cmd, int argc, char **argv, int *code)
{
    for (int i = 0; i < argc; i++) {
        unsigned cp = cf_text_control(argv[i], strlen(argv[i]));
        if (!cp)
            continue;
        char name[128];
        const char *eq = strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
        if (eq)
            snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[i]), argv[i]);
        else if (i > 0 && strncmp(argv[i - 1], "--", 2) == 0)
            snprintf(name, sizeof(name), "%s", argv[i - 1]);
        else
            snprintf(name, sizeof(name), "argument %d", i + 1);
        *code = cf__cli_usage_error(cli, cmd, CF_TEXT_CONTROL_FMT, name, cp);
        return 1;
    }
    return 0;
}
