/* clnas — file I/O: whole-file reads, atomic replacement (write a temporary, fsync, rename), mkdir -p. */
#ifndef CLNAS_FILE_IO_H
#define CLNAS_FILE_IO_H

#include <stddef.h>
#include <stdio.h>

#include "clnas/status.h"

/* Opens path for reading, and only when it is a regular file: it is opened with O_NONBLOCK (a FIFO or a device
 * cannot block the open), fstat'ed, refused when it is anything else (CLNAS_ERR_IO, naming the path and what it is:
 * a directory, a FIFO, a character device, ...), then O_NONBLOCK is cleared. A missing file is
 * CLNAS_ERR_NOT_FOUND. Every input file of clnas is opened through this (or the FILE* form below). */
clnas_status clnas_file_open_read(const char *path, int *fd, clnas_error *err);
clnas_status clnas_file_fopen_read(const char *path, FILE **f, clnas_error *err);

/* Reads path into a malloc'ed, NUL-terminated buffer (*size bytes before the NUL). A missing file is
 * CLNAS_ERR_NOT_FOUND; other failures CLNAS_ERR_IO; both name the file. Only regular files are read
 * (clnas_file_open_read). */
clnas_status clnas_file_read_all(const char *path, char **text, size_t *size, clnas_error *err);

/* clnas_file_read_all of a file of at most max_bytes: a larger one is refused before it is read (CLNAS_ERR_FORMAT,
 * naming its size and the limit). */
clnas_status clnas_file_read_capped(const char *path, size_t max_bytes, char **text, size_t *size, clnas_error *err);

/* Writes a file's content to an open stream; returns 0 on success (stream errors are also caught by the caller). */
typedef int (*clnas_file_writer)(FILE *f, void *ctx);

/* Replaces path atomically: write(f, ctx) fills <path>.tmp.<pid>, which is flushed, fsync'ed, closed and renamed
 * over path (the directory then fsync'ed, best effort), so a reader (or a kill at any point) never sees a torn file.
 * On failure the temporary is removed, path keeps its old content and err names the file and the reason (errno
 * text; the temporary too when it could not be created). */
clnas_status clnas_file_write_atomic(const char *path, clnas_file_writer write, void *ctx, clnas_error *err);

/* clnas_file_write_atomic of a byte range. */
clnas_status clnas_file_write_bytes_atomic(const char *path, const void *data, size_t size, clnas_error *err);

/* Whether path can be written later by clnas_file_write_atomic, checked before long work starts: its directory
 * exists, is a directory and is writable, and path itself is absent or a regular file (a directory, device or FIFO
 * under that name is refused: the atomic rename would replace it). err names the file and the reason. */
clnas_status clnas_file_check_writable(const char *path, clnas_error *err);

/* mkdir -p: creates every missing directory of path; an existing directory is fine. err names the directory that
 * could not be made and why. */
clnas_status clnas_dirs_make(const char *path, clnas_error *err);

#endif
