/* clnas — reading a whole file into memory. */
#ifndef CLNAS_FILE_IO_H
#define CLNAS_FILE_IO_H

#include <stddef.h>

#include "clnas/status.h"

/* Reads path into a malloc'ed, NUL-terminated buffer (*size bytes before the NUL). A missing file is
 * CLNAS_ERR_NOT_FOUND; other failures CLNAS_ERR_IO; both name the file. */
clnas_status clnas_file_read_all(const char *path, char **text, size_t *size, clnas_error *err);

#endif
