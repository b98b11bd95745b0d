/* clnas tests — a private scratch directory under $TMPDIR (or /tmp), and cmocka fixtures that hold one. */
#ifndef CLNAS_SCRATCH_DIR_H
#define CLNAS_SCRATCH_DIR_H

#include <stddef.h>

/* The directory scratch directories go in: $TMPDIR when it is an absolute path, else /tmp. */
const char *scratch_dir_base(void);
/* Creates <base>/<prefix>-XXXXXX (mkdtemp); returns its malloc'ed path, NULL on failure. */
char *scratch_dir_new(const char *prefix);
/* Removes path and everything below it (symbolic links are removed, not followed); 0 when it is all gone. */
int scratch_dir_remove(const char *path);
/* "<dir>/<name>" into buf; returns buf. */
const char *scratch_dir_path(char *buf, size_t size, const char *dir, const char *name);

/* cmocka setup and teardown: *state is a fresh scratch directory's path (char *) for the test's length. */
int scratch_dir_setup(void **state);
int scratch_dir_teardown(void **state);
/* A cmocka test run in its own scratch directory. */
#define scratch_dir_unit_test(f) cmocka_unit_test_setup_teardown(f, scratch_dir_setup, scratch_dir_teardown)

/* The whole file at path, NUL-terminated, malloc'ed (NULL when it cannot be read); its size in *size if not NULL. */
char *test_read_file(const char *path, size_t *size);

#endif
