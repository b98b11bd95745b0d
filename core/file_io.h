/* clnas — file I/O: whole-file reads, atomic replacement (write a temporary, fsync, rename), mkdir -p. */
#ifndef CLNAS_FILE_IO_H
#define CLNAS_FILE_IO_H

#include <stddef.h>
#include <stdio.h>

#include "clnas/status.h"

/* Reads path into a malloc'ed, NUL-terminated buffer (*size bytes before the NUL). A missing file is
 * CLNAS_ERR_NOT_FOUND; other failures CLNAS_ERR_IO; both name the file. */
clnas_status clnas_file_read_all(const char *path, char **text, size_t *size, clnas_error *err);

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
