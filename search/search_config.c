/* clnas — search configuration: reading the JSON file, --set overrides, validation with defaults, resolved JSON. */
#include "search_config.h"

#include "clnas/network.h"
#include "file_io.h"
#include "number_text.h"
#include "text_input.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED_MAX 9007199254740991.0 /* 2^53 - 1: the largest integer a JSON number (a double) holds exactly */

/* The strategies strategy.h declares; the strategy itself validates the rest of its object. */
static const char *const strategy_names[] = {"rea", "random", "reinforce", "bo", "hyperband", "spos", "darts", "gdas"};
#define STRATEGY_COUNT (sizeof strategy_names / sizeof strategy_names[0])

/* "ran_on" is written by the run (the device it used: run_provenance.c) and read by people, not by the parser */
static const char *const top_keys[] = {"name",  "seed",      "device",   "memory_budget", "space",  "dataset",
                                       "proxy", "evaluator", "strategy", "objective",     "ran_on"};
static const char *const objective_keys[] = {"max_params", "max_latency_ms", "latency", "latency_batch",
                                             "latency_launches"};
static const char *const latency_kinds[] = {"inference", "train_step"};
static const char *const space_keys[] = {"name"};
static const char *const dataset_keys[] = {"dir", "validation_size", "train_subset"};
static const char *const proxy_keys[] = {"channels", "cells",  "layers", "epochs", "batch", "lr",
                                         "measured_kendall_tau", "measured_note"};
static const char *const evaluator_keys[] = {"kind", "table", "proxy"};
static const char *const zero_cost_proxies[] = {"snip",     "grad_norm", "params",   "flops",
                                                 "synflow", "naswot",    "jacob_cov"}; /* zero_cost.h's order */
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- error text ---- */

/* The value as compact JSON for an error message, shortened to fit. */
static void json_brief(const cJSON *item, char *buf, size_t cap)
{
    if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) { /* every digit: a seed of 2^53+1 is no 9.0e+15 */
        clnas_number_text(item->valuedouble, buf, cap);
        return;
    }
    char *text = cJSON_PrintUnformatted(item);
    if (!text) {
        snprintf(buf, cap, "(a value)");
        return;
    }
    if (strlen(text) > 80)
        snprintf(buf, cap, "%.77s...", text);
    else
        snprintf(buf, cap, "%s", text);
    cJSON_free(text);
}

static clnas_status expected(clnas_error *err, const char *path, const char *what, const cJSON *got)
{
    char brief[96];
    json_brief(got, brief, sizeof brief);
    return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: expected %s, got %s", path, what, brief);
}

/* "section.key", or "key" at the top level. */
static void join_path(char *out, size_t cap, const char *section, const char *key)
{
    if (section && section[0])
        snprintf(out, cap, "%s.%.64s", section, key);
    else
        snprintf(out, cap, "%.64s", key);
}

/* ---- field readers: an absent key keeps the default ---- */

/* Unknown and duplicate keys of an object are errors. */
static clnas_status check_keys(const cJSON *obj, const char *section, const char *const *known, int n,
                               clnas_error *err)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        char path[160];
        join_path(path, sizeof path, section, c->string);
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = strcmp(c->string, known[i]) == 0;
        if (!found) {
            char list[256] = "";
            for (int i = 0; i < n; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, known[i], sizeof list - strlen(list) - 1);
            }
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: unknown key (known: %s)", path, list);
        }
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0)
                return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: duplicate key", path);
    }
    return CLNAS_OK;
}

/* The object at `key` of root (NULL when absent); anything but an object is an error. */
static clnas_status get_section(const cJSON *root, const char *key, const cJSON **out, clnas_error *err)
{
    *out = cJSON_GetObjectItemCaseSensitive(root, key);
    if (*out && !cJSON_IsObject(*out))
        return expected(err, key, "an object", *out);
    return CLNAS_OK;
}

static clnas_status get_int(const cJSON *obj, const char *section, const char *key, long lo, long hi, int *out,
                            clnas_error *err)
{
    const cJSON *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!item)
        return CLNAS_OK;
    double v = item->valuedouble;
    if (!cJSON_IsNumber(item) || !isfinite(v) || v != floor(v) || v < (double)lo || v > (double)hi) {
        char path[160], what[96];
        join_path(path, sizeof path, section, key);
        snprintf(what, sizeof what, "an integer from %ld to %ld", lo, hi);
        return expected(err, path, what, item);
    }
    *out = (int)v;
    return CLNAS_OK;
}

/* A string shorter than cap; `what` describes it for the error. */
static clnas_status get_string(const cJSON *obj, const char *section, const char *key, char *out, size_t cap,
                               const char *what, clnas_error *err)
{
    const cJSON *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!item)
        return CLNAS_OK;
    if (!cJSON_IsString(item) || strlen(item->valuestring) >= cap) {
        char path[160];
        join_path(path, sizeof path, section, key);
        return expected(err, path, what, item);
    }
    snprintf(out, cap, "%s", item->valuestring);
    return CLNAS_OK;
}

/* One of the listed strings. */
static clnas_status get_choice(const cJSON *obj, const char *section, const char *key, const char *const *choices,
                               int n, char *out, size_t cap, clnas_error *err)
{
    const cJSON *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!item)
        return CLNAS_OK;
    for (int i = 0; i < n && cJSON_IsString(item); i++) {
        if (strcmp(item->valuestring, choices[i]) == 0) {
            snprintf(out, cap, "%s", choices[i]);
            return CLNAS_OK;
        }
    }
    char path[160], what[160] = "one of ";
    join_path(path, sizeof path, section, key);
    for (int i = 0; i < n; i++) {
        char quoted[48];
        snprintf(quoted, sizeof quoted, "%s\"%s\"", i ? ", " : "", choices[i]);
        strncat(what, quoted, sizeof what - strlen(what) - 1);
    }
    return expected(err, path, what, item);
}

/* ---- paths ---- */

/* "<base>/<rel>" into out; 0 when it does not fit. */
static int path_join(char *out, size_t cap, const char *base, const char *rel)
{
    int n = snprintf(out, cap, "%s%s%s", base, base[0] && base[strlen(base) - 1] == '/' ? "" : "/", rel);
    return n >= 0 && (size_t)n < cap;
}

/* A path field: relative paths are made absolute against the working directory, so the resolved config written
 * into a run directory means the same file wherever it is read from. */
static clnas_status get_path(const cJSON *obj, const char *section, const char *key, char *out, size_t cap,
                             clnas_error *err)
{
    char path[160], what[96];
    join_path(path, sizeof path, section, key);
    snprintf(what, sizeof what, "a path (a string of at most %zu bytes)", cap - 1);
    const cJSON *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!item)
        return CLNAS_OK;
    if (!cJSON_IsString(item) || strlen(item->valuestring) >= cap)
        return expected(err, path, what, item);
    const char *text = item->valuestring;
    if (text[0] == '\0' || text[0] == '/') {
        snprintf(out, cap, "%s", text);
        return CLNAS_OK;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot resolve the relative path \"%s\": getcwd: %s", path,
                               text, strerror(errno));
    if (!path_join(out, cap, cwd, text))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: \"%s/%s\" is longer than %zu bytes", path, cwd, text,
                               cap - 1);
    return CLNAS_OK;
}

/* want_dir: a directory, else a regular file. */
static clnas_status check_exists(const char *field, const char *path, int want_dir, clnas_error *err)
{
    const char *what = want_dir ? "directory" : "file";
    struct stat st;
    if (stat(path, &st) != 0)
        return clnas_error_set(err, errno == ENOENT ? CLNAS_ERR_NOT_FOUND : CLNAS_ERR_IO, "%s: %s \"%s\": %s", field,
                               what, path, errno == ENOENT ? "does not exist" : strerror(errno));
    if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: \"%s\" is not a %s", field, path, what);
    return CLNAS_OK;
}

/* ---- read and --set ---- */


/* Relative path fields of a config file name files beside it: rewrite them against the file's directory. */
static clnas_status resolve_file_paths(cJSON *root, const char *config_path, clnas_error *err)
{
    static const char *const fields[][2] = {{"dataset", "dir"}, {"evaluator", "table"}};
    char copy[PATH_MAX], base[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", config_path);
    const char *dir = dirname(copy);
    while (dir[0] == '.' && dir[1] == '/')
        dir += 2;
    if (dir[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot resolve its directory: getcwd: %s", config_path,
                                   strerror(errno));
        if (strcmp(dir, ".") == 0)
            dir = "";
        if (!path_join(base, sizeof base, cwd, dir))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: the path of its directory is too long", config_path);
    } else {
        snprintf(base, sizeof base, "%s", dir);
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        cJSON *section = cJSON_GetObjectItemCaseSensitive(root, fields[i][0]);
        cJSON *item = cJSON_IsObject(section) ? cJSON_GetObjectItemCaseSensitive(section, fields[i][1]) : NULL;
        if (!cJSON_IsString(item) || item->valuestring[0] == '\0' || item->valuestring[0] == '/')
            continue; /* validation reports anything that is not a path */
        char joined[PATH_MAX];
        if (!path_join(joined, sizeof joined, base, item->valuestring))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %s.%s: the path is too long", config_path,
                                   fields[i][0], fields[i][1]);
        cJSON *resolved = cJSON_CreateString(joined);
        if (!resolved || !cJSON_ReplaceItemInObjectCaseSensitive(section, fields[i][1], resolved)) {
            cJSON_Delete(resolved);
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", config_path);
        }
    }
    return CLNAS_OK;
}

clnas_status clnas_search_config_read(const char *path, cJSON **root, clnas_error *err)
{
    if (!path || !root)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_search_config_read: path and root must not be NULL");
    *root = NULL;
    char *text = NULL;
    size_t size = 0;
    clnas_status st = clnas_file_read_text(path, CLNAS_CONFIG_MAX_BYTES, &text, &size, err);
    if (st == CLNAS_OK && (st = clnas_json_text_check(text, size, CJSON_NESTING_LIMIT, path, err)) != CLNAS_OK)
        free(text);
    if (st != CLNAS_OK)
        return st;
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithOpts(text, &end, 1);
    if (!tree) {
        if (!end || end < text || end > text + size)
            end = text + size;
        if (text[strspn(text, " \t\r\n")] == '\0') {
            free(text);
            return clnas_error_set(err, CLNAS_ERR_PARSE, "%s: the file is empty; expected a JSON object", path);
        }
        long line = 1, col = 1;
        const char *line_start = text;
        for (const char *p = text; p < end; p++, col++)
            if (*p == '\n')
                line++, col = 0, line_start = p + 1;
        /* cJSON's error position can be a character late, so show a little on both sides */
        const char *from = end - line_start > 24 ? end - 24 : line_start, *to = end;
        while (to - end < 16 && *to && *to != '\n' && *to != '\r')
            to++;
        st = clnas_error_set(err, CLNAS_ERR_PARSE, "%s:%ld:%ld: invalid JSON near `%.*s`%s", path, line, col,
                             (int)(to - from), from, *end ? "" : " at the end of the file");
        free(text);
        return st;
    }
    free(text);
    if (!cJSON_IsObject(tree)) {
        char brief[96];
        json_brief(tree, brief, sizeof brief);
        cJSON_Delete(tree);
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: expected a JSON object at the top level, got %s", path,
                               brief);
    }
    st = resolve_file_paths(tree, path, err);
    if (st != CLNAS_OK) {
        cJSON_Delete(tree);
        return st;
    }
    *root = tree;
    return CLNAS_OK;
}

clnas_status clnas_search_config_apply_set(cJSON *root, const char *assignment, clnas_error *err)
{
    if (!root || !assignment)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_search_config_apply_set: arguments must not be NULL");
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return clnas_error_set(err, CLNAS_ERR_PARSE, "--set \"%.200s\": expected key=value (e.g. proxy.epochs=3)",
                               assignment);
    size_t key_len = (size_t)(eq - assignment);
    if (key_len == 0)
        return clnas_error_set(err, CLNAS_ERR_PARSE, "--set \"%.200s\": the key before '=' is empty", assignment);
    if (key_len >= 256)
        return clnas_error_set(err, CLNAS_ERR_PARSE, "--set \"%.200s...\": the key is longer than 255 bytes",
                               assignment);
    char key[256];
    memcpy(key, assignment, key_len);
    key[key_len] = '\0';
    /* checked before anything changes, so a rejected assignment leaves the tree as it was */
    if (key[0] == '.' || key[key_len - 1] == '.' || strstr(key, ".."))
        return clnas_error_set(err, CLNAS_ERR_PARSE, "--set \"%.200s\": the key has an empty part (expected names "
                               "joined by '.', e.g. proxy.epochs)", assignment);
    if (!cJSON_IsObject(root))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "--set %s: the config is not a JSON object", key);

    /* value: JSON when it parses as JSON, else the text itself */
    const char *text = eq + 1;
    const char *end = NULL;
    cJSON *value = cJSON_ParseWithOpts(text, &end, 1);
    const char *lead = text + strspn(text, " \t\r\n");
    if (value || *lead == '[' || *lead == '{') { /* JSON, or meant to be: no \u0000, no nesting beyond cJSON's */
        char what[300];
        snprintf(what, sizeof what, "--set %.280s", assignment);
        clnas_status st = clnas_json_text_check(text, strlen(text), CJSON_NESTING_LIMIT, what, err);
        if (st != CLNAS_OK) {
            cJSON_Delete(value);
            return st;
        }
    }
    if (!value)
        value = cJSON_CreateString(text);
    if (!value)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "--set %s: out of memory", key);

    cJSON *obj = root;
    char *seg = key;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, seg);
        if (!dot) {
            int ok = item ? cJSON_ReplaceItemInObjectCaseSensitive(obj, seg, value)
                          : cJSON_AddItemToObject(obj, seg, value);
            if (!ok) {
                cJSON_Delete(value);
                return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "--set %s: out of memory", seg);
            }
            return CLNAS_OK;
        }
        if (!item) {
            item = cJSON_AddObjectToObject(obj, seg);
            if (!item) {
                cJSON_Delete(value);
                return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "--set: out of memory");
            }
        } else if (!cJSON_IsObject(item)) {
            char brief[96];
            json_brief(item, brief, sizeof brief);
            cJSON_Delete(value);
            return clnas_error_set(err, CLNAS_ERR_PARSE, "--set \"%.200s\": %.*s is %s, not an object, so it has no "
                                   "key \"%.*s\"", assignment, (int)(dot - key), assignment, brief,
                                   (int)(key_len - (size_t)(dot + 1 - key)), assignment + (dot + 1 - key));
        }
        obj = item;
        seg = dot + 1;
    }
}

/* ---- parse ---- */

void clnas_search_config_defaults(clnas_search_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->name, sizeof cfg->name, "search");
    cfg->seed = 0;
    snprintf(cfg->space, sizeof cfg->space, "nb201");
    snprintf(cfg->dataset.dir, sizeof cfg->dataset.dir, "/usr/share/datasets/fashion-mnist");
    cfg->dataset.validation_size = 5000;
    cfg->dataset.train_subset = 10000;
    cfg->proxy.channels = 8;
    cfg->proxy.cells = 1;
    cfg->proxy.layers = 3;
    cfg->proxy.epochs = 1;
    cfg->proxy.batch = 128;
    cfg->proxy.lr = 0.1;
    cfg->proxy.measured_kendall_tau = NAN;
    snprintf(cfg->evaluator.kind, sizeof cfg->evaluator.kind, "train");
    snprintf(cfg->evaluator.proxy, sizeof cfg->evaluator.proxy, "snip");
    snprintf(cfg->strategy_name, sizeof cfg->strategy_name, "rea");
    cfg->strategy = NULL;
    cfg->objective.max_params = 0;
    cfg->objective.max_latency_ms = NAN;
    snprintf(cfg->objective.latency, sizeof cfg->objective.latency, "inference");
    cfg->objective.latency_batch = 0;
    cfg->objective.latency_launches = 10;
}

static clnas_status parse_top(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    clnas_status st = get_string(root, "", "name", cfg->name, sizeof cfg->name,
                                 "a run name of 1 to 63 characters from A-Z a-z 0-9 . _ - (not starting with '.')",
                                 err);
    if (st != CLNAS_OK)
        return st;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (name) {
        int ok = cfg->name[0] != '\0' && cfg->name[0] != '.';
        for (const char *p = cfg->name; *p && ok; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                 *p == '_' || *p == '-';
        if (!ok)
            return expected(err, "name",
                            "a run name of 1 to 63 characters from A-Z a-z 0-9 . _ - (not starting with '.')", name);
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (seed) {
        double v = seed->valuedouble;
        if (!cJSON_IsNumber(seed) || !isfinite(v) || v != floor(v) || v < 0 || v > SEED_MAX)
            return expected(err, "seed", "an integer from 0 to 9007199254740991", seed);
        cfg->seed = (uint64_t)v;
    }
    const cJSON *device = cJSON_GetObjectItemCaseSensitive(root, "device");
    if (device) {
        const char *what = "a device index (an integer from 0 to 1023) or a name substring (at most 127 bytes)";
        double v = device->valuedouble;
        if (cJSON_IsNumber(device) && isfinite(v) && v == floor(v) && v >= 0 && v <= 1023)
            snprintf(cfg->device, sizeof cfg->device, "%d", (int)v);
        else if (!cJSON_IsString(device) || strlen(device->valuestring) >= sizeof cfg->device)
            return expected(err, "device", what, device);
        else
            snprintf(cfg->device, sizeof cfg->device, "%s", device->valuestring);
    }
    const cJSON *budget = cJSON_GetObjectItemCaseSensitive(root, "memory_budget");
    if (budget) {
        double v = budget->valuedouble;
        if (!cJSON_IsNumber(budget) || !isfinite(v) || v < 0 || v >= CLNAS_MEMORY_BUDGET_MAX)
            return expected(err, "memory_budget", "a number of bytes >= 0 (0: no budget)", budget);
        cfg->memory_budget = v;
    }
    return CLNAS_OK;
}

static clnas_status parse_space(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    const cJSON *space;
    clnas_status st = get_section(root, "space", &space, err);
    if (st == CLNAS_OK && space)
        st = check_keys(space, "space", space_keys, COUNT(space_keys), err);
    const cJSON *name = space && st == CLNAS_OK ? cJSON_GetObjectItemCaseSensitive(space, "name") : NULL;
    if (!name)
        return st;
    char names[128], what[160];
    clnas_space_names(names, sizeof names);
    snprintf(what, sizeof what, "a search space's name (%s)", names);
    if (!cJSON_IsString(name))
        return expected(err, "space.name", what, name);
    const clnas_space_iface *found;
    clnas_error why;
    if (clnas_space_by_name(name->valuestring, &found, &why) != CLNAS_OK) /* the registry's message: the known names */
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "space.name: %s", why.message);
    snprintf(cfg->space, sizeof cfg->space, "%s", found->name);
    return CLNAS_OK;
}

static clnas_status parse_dataset(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    const cJSON *ds;
    clnas_status st = get_section(root, "dataset", &ds, err);
    if (st == CLNAS_OK && ds)
        st = check_keys(ds, "dataset", dataset_keys, COUNT(dataset_keys), err);
    if (st == CLNAS_OK)
        st = get_path(ds, "dataset", "dir", cfg->dataset.dir, sizeof cfg->dataset.dir, err);
    if (st == CLNAS_OK)
        st = get_int(ds, "dataset", "validation_size", 0, 59999, &cfg->dataset.validation_size, err);
    if (st == CLNAS_OK)
        st = get_int(ds, "dataset", "train_subset", 0, 10000000, &cfg->dataset.train_subset, err);
    return st;
}

static clnas_status parse_proxy(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    const cJSON *px;
    clnas_status st = get_section(root, "proxy", &px, err);
    if (st == CLNAS_OK && px)
        st = check_keys(px, "proxy", proxy_keys, COUNT(proxy_keys), err);
    if (st == CLNAS_OK)
        st = get_int(px, "proxy", "channels", 1, 1024, &cfg->proxy.channels, err);
    if (st == CLNAS_OK)
        st = get_int(px, "proxy", "cells", 1, 16, &cfg->proxy.cells, err);
    if (st == CLNAS_OK)
        st = get_int(px, "proxy", "layers", 1, 64, &cfg->proxy.layers, err);
    if (st == CLNAS_OK)
        st = get_int(px, "proxy", "epochs", 1, 1000, &cfg->proxy.epochs, err);
    if (st == CLNAS_OK)
        st = get_int(px, "proxy", "batch", 2, 4096, &cfg->proxy.batch, err);
    if (st != CLNAS_OK || !px)
        return st;
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(px, "lr");
    if (lr) {
        if (!cJSON_IsNumber(lr) || !isfinite(lr->valuedouble) || !(lr->valuedouble > 0) || lr->valuedouble > 10)
            return expected(err, "proxy.lr", "a number greater than 0 and at most 10", lr);
        cfg->proxy.lr = lr->valuedouble;
    }
    const cJSON *tau = cJSON_GetObjectItemCaseSensitive(px, "measured_kendall_tau");
    if (tau && !cJSON_IsNull(tau)) {
        if (!cJSON_IsNumber(tau) || !isfinite(tau->valuedouble) || tau->valuedouble < -1 || tau->valuedouble > 1)
            return expected(err, "proxy.measured_kendall_tau", "a number from -1 to 1, or null", tau);
        cfg->proxy.measured_kendall_tau = tau->valuedouble;
    }
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(px, "measured_note");
    if (note && !cJSON_IsNull(note))
        st = get_string(px, "proxy", "measured_note", cfg->proxy.measured_note, sizeof cfg->proxy.measured_note,
                        "a string of at most 255 bytes, or null", err);
    return st;
}

static clnas_status parse_evaluator(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    static const char *const kinds[] = {"train", "table", "zero-cost"};
    const cJSON *ev;
    clnas_status st = get_section(root, "evaluator", &ev, err);
    if (st == CLNAS_OK && ev)
        st = check_keys(ev, "evaluator", evaluator_keys, COUNT(evaluator_keys), err);
    if (st == CLNAS_OK)
        st = get_choice(ev, "evaluator", "kind", kinds, COUNT(kinds), cfg->evaluator.kind, sizeof cfg->evaluator.kind,
                        err);
    if (st == CLNAS_OK)
        st = get_path(ev, "evaluator", "table", cfg->evaluator.table, sizeof cfg->evaluator.table, err);
    if (st == CLNAS_OK)
        st = get_choice(ev, "evaluator", "proxy", zero_cost_proxies, COUNT(zero_cost_proxies), cfg->evaluator.proxy,
                        sizeof cfg->evaluator.proxy, err);
    return st;
}

/* objective.max_params: 0 (none) .. 10^12; objective.max_latency_ms: null (none) or milliseconds > 0, of the figure
 * objective.latency names, measured at objective.latency_batch over objective.latency_launches launches. */
static clnas_status parse_objective(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    const cJSON *ob;
    clnas_status st = get_section(root, "objective", &ob, err);
    if (st == CLNAS_OK && ob)
        st = check_keys(ob, "objective", objective_keys, COUNT(objective_keys), err);
    if (st != CLNAS_OK || !ob)
        return st;
    const cJSON *mp = cJSON_GetObjectItemCaseSensitive(ob, "max_params");
    if (mp && !cJSON_IsNull(mp)) {
        const double v = mp->valuedouble;
        if (!cJSON_IsNumber(mp) || !isfinite(v) || v != floor(v) || v < 0 || v > 1e12)
            return expected(err, "objective.max_params", "an integer from 0 (no limit) to 1000000000000, or null", mp);
        cfg->objective.max_params = (long)v;
    }
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(ob, "max_latency_ms");
    if (ml && !cJSON_IsNull(ml)) {
        if (!cJSON_IsNumber(ml) || !isfinite(ml->valuedouble) || !(ml->valuedouble > 0) || ml->valuedouble > 1e9)
            return expected(err, "objective.max_latency_ms", "milliseconds above 0, or null (no budget)", ml);
        cfg->objective.max_latency_ms = ml->valuedouble;
    }
    st = get_choice(ob, "objective", "latency", latency_kinds, COUNT(latency_kinds), cfg->objective.latency,
                    sizeof cfg->objective.latency, err);
    if (st == CLNAS_OK) {
        const cJSON *lb = cJSON_GetObjectItemCaseSensitive(ob, "latency_batch");
        if (lb && !cJSON_IsNull(lb))
            st = get_int(ob, "objective", "latency_batch", 2, 4096, &cfg->objective.latency_batch, err);
    }
    if (st == CLNAS_OK)
        st = get_int(ob, "objective", "latency_launches", 1, 1000, &cfg->objective.latency_launches, err);
    return st;
}

static clnas_status parse_strategy(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    const cJSON *sg;
    clnas_status st = get_section(root, "strategy", &sg, err);
    if (st == CLNAS_OK)
        st = get_choice(sg, "strategy", "name", strategy_names, (int)STRATEGY_COUNT, cfg->strategy_name,
                        sizeof cfg->strategy_name, err);
    if (st != CLNAS_OK)
        return st;
    cfg->strategy = sg ? cJSON_Duplicate(sg, 1) : cJSON_CreateObject();
    if (!cfg->strategy)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    if (!cJSON_GetObjectItemCaseSensitive(cfg->strategy, "name") &&
        !cJSON_AddStringToObject(cfg->strategy, "name", cfg->strategy_name))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    return CLNAS_OK;
}

/* Files are checked last, so a config with both a typo and a missing file reports the typo. */
static clnas_status check_files(const clnas_search_config *cfg, clnas_error *err)
{
    if (strcmp(cfg->evaluator.kind, "table") == 0) {
        if (cfg->evaluator.table[0] == '\0')
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "evaluator.table: required when evaluator.kind is \"table\" "
                                   "(a CSV file with the header arch,accuracy or a JSON object {arch: accuracy})");
        return check_exists("evaluator.table", cfg->evaluator.table, 0, err);
    }
    return check_exists("dataset.dir", cfg->dataset.dir, 1, err);
}

clnas_status clnas_search_config_parse(const cJSON *root, clnas_search_config *cfg, clnas_error *err)
{
    if (!root || !cfg)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_search_config_parse: root and cfg must not be NULL");
    clnas_search_config_defaults(cfg);
    if (!cJSON_IsObject(root))
        return expected(err, "config", "a JSON object", root);
    clnas_status st = check_keys(root, "", top_keys, COUNT(top_keys), err);
    if (st == CLNAS_OK)
        st = parse_top(root, cfg, err);
    if (st == CLNAS_OK)
        st = parse_space(root, cfg, err);
    if (st == CLNAS_OK)
        st = parse_dataset(root, cfg, err);
    if (st == CLNAS_OK)
        st = parse_proxy(root, cfg, err);
    if (st == CLNAS_OK)
        st = parse_evaluator(root, cfg, err);
    if (st == CLNAS_OK)
        st = parse_strategy(root, cfg, err);
    if (st == CLNAS_OK)
        st = parse_objective(root, cfg, err);
    if (st == CLNAS_OK)
        st = check_files(cfg, err);
    if (st != CLNAS_OK)
        clnas_search_config_free(cfg);
    return st;
}

/* ---- resolved JSON ---- */

cJSON *clnas_search_config_to_json(const clnas_search_config *cfg, const cJSON *strategy)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int ok = cJSON_AddStringToObject(root, "name", cfg->name) &&
             cJSON_AddNumberToObject(root, "seed", (double)cfg->seed) &&
             cJSON_AddStringToObject(root, "device", cfg->device) &&
             cJSON_AddNumberToObject(root, "memory_budget", cfg->memory_budget);
    cJSON *space = ok ? cJSON_AddObjectToObject(root, "space") : NULL;
    ok = space && cJSON_AddStringToObject(space, "name", cfg->space);
    cJSON *ds = ok ? cJSON_AddObjectToObject(root, "dataset") : NULL;
    ok = ds && cJSON_AddStringToObject(ds, "dir", cfg->dataset.dir) &&
         cJSON_AddNumberToObject(ds, "validation_size", cfg->dataset.validation_size) &&
         cJSON_AddNumberToObject(ds, "train_subset", cfg->dataset.train_subset);
    cJSON *px = ok ? cJSON_AddObjectToObject(root, "proxy") : NULL;
    ok = px && cJSON_AddNumberToObject(px, "channels", cfg->proxy.channels) &&
         cJSON_AddNumberToObject(px, "cells", cfg->proxy.cells) &&
         (strcmp(cfg->space, "darts") != 0 || cJSON_AddNumberToObject(px, "layers", cfg->proxy.layers)) &&
         cJSON_AddNumberToObject(px, "epochs", cfg->proxy.epochs) &&
         cJSON_AddNumberToObject(px, "batch", cfg->proxy.batch) && cJSON_AddNumberToObject(px, "lr", cfg->proxy.lr) &&
         (isfinite(cfg->proxy.measured_kendall_tau)
              ? cJSON_AddNumberToObject(px, "measured_kendall_tau", cfg->proxy.measured_kendall_tau) != NULL
              : cJSON_AddNullToObject(px, "measured_kendall_tau") != NULL) &&
         cJSON_AddStringToObject(px, "measured_note", cfg->proxy.measured_note);
    cJSON *ev = ok ? cJSON_AddObjectToObject(root, "evaluator") : NULL;
    ok = ev && cJSON_AddStringToObject(ev, "kind", cfg->evaluator.kind) &&
         cJSON_AddStringToObject(ev, "table", cfg->evaluator.table) &&
         cJSON_AddStringToObject(ev, "proxy", cfg->evaluator.proxy);
    cJSON *ob = ok ? cJSON_AddObjectToObject(root, "objective") : NULL;
    ok = ob && cJSON_AddNumberToObject(ob, "max_params", (double)cfg->objective.max_params) &&
         (isnan(cfg->objective.max_latency_ms) ? cJSON_AddNullToObject(ob, "max_latency_ms") != NULL
                                               : cJSON_AddNumberToObject(ob, "max_latency_ms",
                                                                         cfg->objective.max_latency_ms) != NULL) &&
         cJSON_AddStringToObject(ob, "latency", cfg->objective.latency) &&
         (cfg->objective.latency_batch ? cJSON_AddNumberToObject(ob, "latency_batch", cfg->objective.latency_batch)
                                             != NULL
                                       : cJSON_AddNullToObject(ob, "latency_batch") != NULL) &&
         cJSON_AddNumberToObject(ob, "latency_launches", cfg->objective.latency_launches);
    /* "name" first, then the strategy's own keys in their order */
    cJSON *sg = ok ? cJSON_AddObjectToObject(root, "strategy") : NULL;
    ok = sg && cJSON_AddStringToObject(sg, "name", cfg->strategy_name);
    const cJSON *params = strategy ? strategy : cfg->strategy;
    for (const cJSON *c = params ? params->child : NULL; c && ok; c = c->next) {
        if (c->string && strcmp(c->string, "name") == 0)
            continue;
        cJSON *copy = cJSON_Duplicate(c, 1);
        ok = copy && cJSON_AddItemToObject(sg, c->string, copy);
        if (!ok)
            cJSON_Delete(copy);
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

const clnas_space_iface *clnas_search_config_space(const clnas_search_config *cfg)
{
    const clnas_space_iface *space = &clnas_space_nb201;
    if (cfg && cfg->space[0])
        clnas_space_by_name(cfg->space, &space, NULL);
    return space;
}

void clnas_search_config_free(clnas_search_config *cfg)
{
    if (!cfg)
        return;
    cJSON_Delete(cfg->strategy);
    cfg->strategy = NULL;
}
