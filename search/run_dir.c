/* clnas — run directories: naming, the lock, creation with the config snapshot, best.json. */
#define _DEFAULT_SOURCE /* flock (BSD, in glibc and every BSD): a lock of the open file, not the process */
#include "run_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_io.h"
#include "text_input.h"
#include "space_nb201.h"

void clnas_run_dir_name(const char *name, const char *out, char *run_dir, size_t cap)
{
    if (out) {
        snprintf(run_dir, cap, "%s", out);
        return;
    }
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(run_dir, cap, "runs/%s-%s", name, stamp);
}

clnas_status clnas_run_dir_lock(const char *run_dir, int *fd, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/" CLNAS_RUN_LOCK_FILE, run_dir);
    *fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (*fd < 0)
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot create the run directory's lock file: %s", path,
                               strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(*fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(*fd);
        *fd = -1;
        if (e != EWOULDBLOCK)
            return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot lock: %s", path, strerror(e));
        return clnas_error_set(err, CLNAS_ERR_IO, "%s is in use by another search (process %s holds %s); wait for "
                               "it to end, or choose another directory", run_dir, pid[0] ? pid : "(unknown)", path);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    int written = ftruncate(*fd, 0) == 0 && pwrite(*fd, pid, (size_t)n, 0) == n;
    (void)written; /* the PID only makes the second search's message better */
    return CLNAS_OK;
}

void clnas_run_dir_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

static int put_text(FILE *f, void *ctx)
{
    return fputs(ctx, f) < 0 || fputc('\n', f) == EOF;
}

clnas_status clnas_run_json_write(const char *path, const cJSON *json, clnas_error *err)
{
    char *text = cJSON_Print(json);
    if (!text)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    clnas_status st = clnas_file_write_atomic(path, put_text, text, err);
    cJSON_free(text);
    return st;
}

clnas_status clnas_run_json_read(const char *path, cJSON **json, clnas_error *err)
{
    *json = NULL;
    char *text = NULL;
    size_t n = 0;
    clnas_status st = clnas_file_read_text(path, CLNAS_CONFIG_MAX_BYTES, &text, &n, err);
    if (st == CLNAS_OK)
        st = clnas_json_text_check(text, n, CJSON_NESTING_LIMIT, path, err);
    if (st == CLNAS_OK && !(*json = cJSON_ParseWithLength(text, n)))
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: invalid JSON", path);
    free(text);
    return st;
}

clnas_status clnas_run_dir_create(const char *run_dir, const char *marker, const clnas_search_config *cfg,
                                  const cJSON *resolved_strategy, clnas_error *err)
{
    char path[1100];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", run_dir, marker);
    if (stat(path, &sb) == 0) {
        if (strcmp(marker, "config.json") == 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s already holds a search; continue it with --resume "
                                   "%s or choose another --out", run_dir, run_dir);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s already holds a search (%s); continue it with --resume "
                               "%s or choose another --out", run_dir, marker, run_dir);
    }
    clnas_status st = clnas_dirs_make(run_dir, err);
    if (st != CLNAS_OK)
        return st;
    cJSON *resolved = clnas_search_config_to_json(cfg, resolved_strategy);
    /* the seed with all its digits: cJSON prints 15, and a seed of 2^53-1 came back from config.json as another */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)cfg->seed);
    cJSON *exact = cJSON_CreateRaw(seed);
    if (!resolved || !exact || !cJSON_ReplaceItemInObjectCaseSensitive(resolved, "seed", exact)) {
        cJSON_Delete(exact);
        cJSON_Delete(resolved);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", run_dir);
    }
    snprintf(path, sizeof path, "%s/config.json", run_dir);
    st = clnas_run_json_write(path, resolved, err);
    cJSON_Delete(resolved);
    return st;
}

clnas_status clnas_run_best_write(const char *run_dir, const clnas_journal_entry *e, const char *rule,
                                  clnas_error *err)
{
    char path[1100], arch[CLNAS_SPACE_STR_MAX], hex[17];
    const clnas_space_iface *space = clnas_space_or_nb201(e->space);
    snprintf(path, sizeof path, "%s/best.json", run_dir);
    space->format(&e->arch, arch, sizeof arch, NULL);
    clnas_hash_to_hex(e->hash, hex);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "arch", arch);
    cJSON_AddNumberToObject(j, "fitness", e->fitness);
    cJSON_AddNumberToObject(j, "trial", e->trial);
    cJSON_AddStringToObject(j, "hash", hex);
    cJSON_AddNumberToObject(j, "params", (double)e->params);
    cJSON_AddStringToObject(j, "space", space->name);
    if (rule)
        cJSON_AddStringToObject(j, "rule", rule);
    clnas_status st = clnas_run_json_write(path, j, err);
    cJSON_Delete(j);
    return st;
}

clnas_status clnas_run_best_read(const char *run_dir, clnas_genotype *arch, char *arch_text, size_t cap,
                                 clnas_error *err)
{
    const clnas_space_iface *space = NULL;
    clnas_space_genotype g;
    clnas_status st = clnas_run_best_read_space(run_dir, &space, &g, arch_text, cap, err);
    if (st == CLNAS_OK && space != &clnas_space_nb201)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s/best.json: an architecture of space %s, where an NB201 "
                               "cell was expected", run_dir, space->name);
    if (st == CLNAS_OK)
        *arch = clnas_nb201_of(&g);
    return st;
}

clnas_status clnas_run_best_read_space(const char *run_dir, const clnas_space_iface **space, clnas_space_genotype *arch,
                                       char *arch_text, size_t cap, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/best.json", run_dir);
    cJSON *j = NULL;
    clnas_status st = clnas_run_json_read(path, &j, err);
    if (st == CLNAS_ERR_NOT_FOUND)
        clnas_error_set(err, st, "%s: no such file (is %s a search run directory, and did the search finish a "
                        "trial?)", path, run_dir);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j, "arch");
    const cJSON *space_item = cJSON_GetObjectItemCaseSensitive(j, "space");
    clnas_error why;
    *space = &clnas_space_nb201;
    if (st == CLNAS_OK && !cJSON_IsString(item))
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: expected a JSON object with a string \"arch\"", path);
    else if (st == CLNAS_OK && space_item && !cJSON_IsString(space_item))
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: space: expected a string (a space's name)", path);
    else if (st == CLNAS_OK && space_item && clnas_space_by_name(space_item->valuestring, space, &why) != CLNAS_OK)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: space: %s", path, why.message);
    else if (st == CLNAS_OK && (*space)->parse(item->valuestring, arch, &why) != CLNAS_OK)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: arch: %s", path, why.message);
    if (st == CLNAS_OK)
        snprintf(arch_text, cap, "%s", item->valuestring);
    cJSON_Delete(j);
    return st;
}

clnas_status clnas_run_dir_space(const char *run_dir, const clnas_space_iface **space, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", run_dir);
    *space = &clnas_space_nb201;
    cJSON *j = NULL;
    clnas_status st = clnas_run_json_read(path, &j, err);
    if (st == CLNAS_ERR_NOT_FOUND)
        return CLNAS_OK;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "space"), "name");
    clnas_error why;
    if (st == CLNAS_OK && name && !cJSON_IsString(name))
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: space.name: expected a string (a space's name)", path);
    else if (st == CLNAS_OK && name && clnas_space_by_name(name->valuestring, space, &why) != CLNAS_OK)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: space.name: %s", path, why.message);
    cJSON_Delete(j);
    return st;
}

size_t clnas_run_file_prefix_bytes(const char *path, int lines)
{
    FILE *f;
    clnas_error ignored;
    if (clnas_file_fopen_read(path, &f, &ignored) != CLNAS_OK)
        return 0;
    size_t bytes = 0;
    int c, seen = 0;
    while (seen < lines && (c = fgetc(f)) != EOF) {
        bytes++;
        seen += c == '\n';
    }
    fclose(f);
    return bytes;
}
