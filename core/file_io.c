/* clnas — file I/O: whole-file reads, atomic replacement, mkdir -p. */
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a non-regular file is, for the message that refuses it. */
static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO (named pipe)"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

/* Opens and fstat's path; *st is its status. */
static clnas_status open_regular(const char *path, int *fd, struct stat *st, clnas_error *err)
{
    *fd = -1;
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever */
    int f = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (f < 0)
        return clnas_error_set(err, errno == ENOENT ? CLNAS_ERR_NOT_FOUND : CLNAS_ERR_IO, "%s: cannot open: %s", path,
                               strerror(errno));
    if (fstat(f, st) != 0) {
        int e = errno;
        close(f);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    if (!S_ISREG(st->st_mode)) {
        close(f);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot read: it is %s, expected a regular file", path,
                               file_kind(st->st_mode));
    }
    int flags = fcntl(f, F_GETFL);
    if (flags < 0 || fcntl(f, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(f);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    *fd = f;
    return CLNAS_OK;
}

clnas_status clnas_file_open_read(const char *path, int *fd, clnas_error *err)
{
    struct stat st;
    return open_regular(path, fd, &st, err);
}

clnas_status clnas_file_fopen_read(const char *path, FILE **f, clnas_error *err)
{
    *f = NULL;
    int fd;
    clnas_status status = clnas_file_open_read(path, &fd, err);
    if (status != CLNAS_OK)
        return status;
    *f = fdopen(fd, "rb");
    if (!*f) {
        int e = errno;
        close(fd);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return CLNAS_OK;
}

/* "12.3 MiB" or "512 bytes". */
static void size_text(unsigned long long bytes, char *out, size_t cap)
{
    if (bytes < (1u << 20))
        snprintf(out, cap, "%llu bytes", bytes);
    else
        snprintf(out, cap, "%.1f MiB", (double)bytes / (1 << 20));
}

static clnas_status too_large(const char *path, unsigned long long bytes, size_t max_bytes, int at_least,
                              clnas_error *err)
{
    char have[48], limit[48];
    size_text(bytes, have, sizeof have);
    size_text(max_bytes, limit, sizeof limit);
    return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: the file is %s%s, over the limit of %s for this kind of input",
                           path, at_least ? "at least " : "", have, limit);
}

clnas_status clnas_file_read_capped(const char *path, size_t max_bytes, char **text, size_t *size, clnas_error *err)
{
    *text = NULL;
    *size = 0;
    int fd;
    struct stat sb;
    clnas_status st = open_regular(path, &fd, &sb, err);
    if (st != CLNAS_OK)
        return st;
    if ((unsigned long long)sb.st_size > max_bytes) {
        close(fd);
        return too_large(path, (unsigned long long)sb.st_size, max_bytes, 0, err);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf && n <= max_bytes) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f), saved = errno;
    fclose(f);
    if (!buf)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory reading it", path);
    if (failed) {
        free(buf);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: read error: %s", path, strerror(saved));
    }
    if (n > max_bytes) { /* it grew while being read */
        free(buf);
        return too_large(path, n, max_bytes, 1, err);
    }
    buf[n] = '\0';
    *text = buf;
    *size = n;
    return CLNAS_OK;
}

clnas_status clnas_file_read_all(const char *path, char **text, size_t *size, clnas_error *err)
{
    return clnas_file_read_capped(path, SIZE_MAX - 1, text, size, err);
}

/* The directory holding path, malloc'ed: "." when path has no '/', "/" for a file in the root; NULL when out of
 * memory. */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir)
        return NULL;
    if (slash)
        memcpy(dir, path, n);
    else
        dir[0] = '.';
    dir[n] = '\0';
    return dir;
}

/* Makes a rename durable: fsyncs the directory holding path (best effort: a failure only loses durability). */
static void sync_parent_dir(const char *path)
{
    char *dir = parent_dir(path);
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

clnas_status clnas_file_write_atomic(const char *path, clnas_file_writer write, void *ctx, clnas_error *err)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        /* the temporary is what could not be made: name it (a missing or read-only directory shows there) */
        clnas_status st = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write (temporary %s): %s", path, tmp,
                                          strerror(errno));
        free(tmp);
        return st;
    }
    errno = 0;
    int ok = write(f, ctx) == 0 && fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
    int saved = errno;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) == 0) {
        free(tmp);
        sync_parent_dir(path);
        return CLNAS_OK;
    }
    saved = saved ? saved : errno;
    remove(tmp);
    free(tmp);
    return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write: %s", path, saved ? strerror(saved) : "write failed");
}

typedef struct byte_range {
    const void *data;
    size_t size;
} byte_range;

static int write_range(FILE *f, void *ctx)
{
    const byte_range *r = ctx;
    return r->size == 0 || fwrite(r->data, 1, r->size, f) == r->size ? 0 : -1;
}

clnas_status clnas_file_write_bytes_atomic(const char *path, const void *data, size_t size, clnas_error *err)
{
    byte_range r = {data, size};
    return clnas_file_write_atomic(path, write_range, &r, err);
}

clnas_status clnas_dirs_make(const char *path, clnas_error *err)
{
    size_t n = strlen(path);
    char *buf = malloc(n + 1);
    if (!buf)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            clnas_status st = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
            free(buf);
            return st;
        }
        *p = '/';
    }
    clnas_status st = CLNAS_OK;
    if (n > 0 && mkdir(buf, 0777) != 0 && errno != EEXIST)
        st = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
    free(buf);
    return st;
}

clnas_status clnas_file_check_writable(const char *path, clnas_error *err)
{
    if (!path[0])
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "an empty file name cannot be written");
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write: %s", path,
                               S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file");
    char *dir = parent_dir(path);
    if (!dir)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    clnas_status status = CLNAS_OK;
    if (stat(dir, &st) != 0)
        status = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write: directory %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        status = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write: %s is not a directory", path, dir);
    else if (access(dir, W_OK) != 0)
        status = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write: directory %s: %s", path, dir, strerror(errno));
    free(dir);
    return status;
}
