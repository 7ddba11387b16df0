/*
 * ops-read.c -- what the operation layer accepts from outside before anything
 * is decided: files read whole under a limit (documents, configuration), and
 * JSON no deeper than what can be stored and read back. See ops.h.
 *
 * A file is opened with O_NONBLOCK so that a FIFO does not block the open
 * waiting for a writer, then checked with fstat: only a regular file is read
 * (a directory, a FIFO, a character device such as /dev/zero are refused before
 * a byte is read). Its size is checked against the limit before reading, and the
 * read still stops at limit + 1 bytes, in case the file grows meanwhile.
 * Rejected: trusting stat's size alone (a growing file, /proc files of size 0).
 *
 * A file is written whole through a temporary file renamed over it, unless the
 * path names something that is not a regular file: `--out /dev/null` run as
 * root once replaced the device with a plain file, and every later redirect to
 * /dev/null on the machine wrote into that file.
 */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads at most max + 1 bytes of fd into a new buffer. */
static int read_all(int fd, const char *path, size_t max, char **buf, size_t *len, cf_error_t *err)
{
    size_t cap = 8192, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (b && n + 1 == cap) {
            size_t grown = cap * 2;
            char *nb = realloc(b, grown);
            if (!nb)
                free(b);
            b = nb, cap = grown;
        }
        if (!b)
            return cf_error_set(err, CF_ENOMEM, path, 0, 0, "out of memory reading file");
        size_t want = cap - n - 1;
        if (max && want > max + 1 - n)
            want = max + 1 - n;
        ssize_t r = want ? read(fd, b + n, want) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            return cf_error_set(err, CF_EIO, path, 0, 0, "read error: %s", strerror(errno));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (max && n > max) {
            free(b);
            return cf_error_set(err, CF_EINVALID, path, 0, 0,
                                "larger than the limit of %zu bytes: not stored", max);
        }
    }
    b[n] = '\0';
    *buf = b;
    if (len)
        *len = n;
    return 0;
}

/* Exported, documented in ops.h */
int cf_ops_read_file(const char *path, size_t max, char **buf, size_t *len, cf_error_t *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = cf_error_set(err, CF_EIO, path, 0, 0, "cannot stat: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = cf_error_set(err, CF_EINVALID, path, 0, 0, "not a regular file (%s): not read",
                          S_ISDIR(st.st_mode)                          ? "a directory"
                          : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                          : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                       : "a special file");
    else if (max && (uint64_t)st.st_size > max)
        rc = cf_error_set(err, CF_EINVALID, path, 0, 0,
                          "%lld bytes, larger than the limit of %zu bytes: not stored",
                          (long long)st.st_size, max);
    if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        rc = cf_error_set(err, CF_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    if (rc == 0)
        rc = read_all(fd, path, max, buf, len, err);
    close(fd);
    return rc;
}

/* Writes all of text to fd. OUT errno on failure. */
static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, text, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        text += w, len -= (size_t)w;
    }
    return 0;
}

/* Writes text into the existing special file at path (a device, a FIFO). */
static int write_special(const char *path, const char *text, size_t len, cf_error_t *err)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    int bad = write_all(fd, text, len) != 0;
    int e = errno;
    close(fd);
    return bad ? cf_error_set(err, CF_EIO, path, 0, 0, "cannot write: %s", strerror(e)) : 0;
}

/* Exported, documented in ops.h */
int cf_ops_write_file(const char *path, const char *text, size_t len, cf_error_t *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode)
                   ? cf_error_set(err, CF_EINVALID, path, 0, 0, "a directory: not written")
                   : write_special(path, text, len, err);
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp)
        return cf_error_set(err, CF_ENOMEM, path, 0, 0, "out of memory writing file");
    snprintf(tmp, n, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int ok = fd >= 0 && write_all(fd, text, len) == 0 && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && ok)
        ok = 0, e = errno;
    if (ok && rename(tmp, path) != 0)
        ok = 0, e = errno;
    if (!ok && fd >= 0)
        unlink(tmp);
    free(tmp);
    return ok ? 0 : cf_error_set(err, CF_EIO, path, 0, 0, "cannot write: %s", strerror(e));
}

/* Exported, documented in ops.h */
int cf_ops_json_depth(const json_t *v, int limit)
{
    if (!json_is_array(v) && !json_is_object(v))
        return 0;
    if (limit <= 1)
        return 1; /* deep enough: the caller stops counting here */
    int deepest = 0;
    size_t i;
    json_t *m;
    const char *key;
    if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, m) {
            int d = cf_ops_json_depth(m, limit - 1);
            deepest = d > deepest ? d : deepest;
        }
    } else {
        json_object_foreach((json_t *)v, key, m) {
            int d = cf_ops_json_depth(m, limit - 1);
            deepest = d > deepest ? d : deepest;
        }
    }
    return 1 + deepest;
}

/* Exported, documented in ops.h */
int cf_ops_check_depth(const json_t *v, const char *what, cf_error_t *err)
{
    if (cf_ops_json_depth(v, CF_OPS_JSON_DEPTH + 1) <= CF_OPS_JSON_DEPTH)
        return 0;
    return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                        "%s nests JSON deeper than %d levels: refused", what, CF_OPS_JSON_DEPTH);
}
