/* clnas tests — creating, naming files in and removing private scratch directories. */
#include "scratch_dir.h"

#include "file_io.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRATCH_PATH_MAX 4096

const char *scratch_dir_base(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && dir[0] == '/' ? dir : "/tmp";
}

char *scratch_dir_new(const char *prefix)
{
    char *dir = malloc(SCRATCH_PATH_MAX);
    if (!dir)
        return NULL;
    snprintf(dir, SCRATCH_PATH_MAX, "%s/%s-XXXXXX", scratch_dir_base(), prefix);
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

int scratch_dir_remove(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 ? 0 : -1;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int failed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[SCRATCH_PATH_MAX];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        failed |= scratch_dir_remove(child) != 0;
    }
    closedir(d);
    return rmdir(path) == 0 && !failed ? 0 : -1;
}

const char *scratch_dir_path(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

int scratch_dir_setup(void **state)
{
    char *dir = scratch_dir_new("clnas-test");
    if (!dir)
        return -1;
    *state = dir;
    return 0;
}

int scratch_dir_teardown(void **state)
{
    int rc = scratch_dir_remove(*state);
    free(*state);
    return rc;
}

char *test_read_file(const char *path, size_t *size)
{
    char *text = NULL;
    size_t n = 0;
    clnas_error err;
    if (clnas_file_read_all(path, &text, &n, &err) != CLNAS_OK)
        return NULL;
    if (size)
        *size = n;
    return text;
}
