/* clnas — measured latencies per device in an append-only JSON-lines file under the cache directory. */
#include "latency_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "file_io.h"
#include "model_build.h"
#include "net_genotype.h"
#include "program_cache.h"

typedef struct latency_entry {
    char *key;
    clnas_latency lat;
} latency_entry;

struct clnas_latency_cache {
    char path[4096];
    latency_entry *entries;
    int count, cap;
};

static clnas_status remember(clnas_latency_cache *c, const char *key, const clnas_latency *lat, clnas_error *err)
{
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->entries[i].key, key) == 0) {
            c->entries[i].lat = *lat;
            return CLNAS_OK;
        }
    if (c->count == c->cap) {
        const int cap = c->cap ? 2 * c->cap : 64;
        latency_entry *grown = realloc(c->entries, (size_t)cap * sizeof *grown);
        if (!grown)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency cache: out of memory");
        c->entries = grown;
        c->cap = cap;
    }
    char *copy = strdup(key);
    if (!copy)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency cache: out of memory");
    c->entries[c->count].key = copy;
    c->entries[c->count].lat = *lat;
    c->count++;
    return CLNAS_OK;
}

static int number(const cJSON *o, const char *name, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0))
        return 0;
    *out = v->valuedouble;
    return 1;
}

/* One line into an entry; 0 when it is not a whole, valid one. */
static int parse_line(const char *line, char **key, clnas_latency *lat)
{
    cJSON *o = cJSON_Parse(line);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "key");
    double launches = 0, batch = 0;
    memset(lat, 0, sizeof *lat);
    const int ok = cJSON_IsString(k) && number(o, "train_step_ms", &lat->train_step_ms) &&
                   number(o, "inference_ms", &lat->inference_ms) && number(o, "launches", &launches) &&
                   number(o, "batch", &batch) && launches >= 1 && batch >= 1;
    if (ok) {
        lat->launches = (int)launches;
        lat->batch = (int)batch;
        lat->train_min_ms = lat->train_max_ms = lat->train_step_ms;
        lat->inference_min_ms = lat->inference_max_ms = lat->inference_ms;
        *key = strdup(k->valuestring);
    }
    cJSON_Delete(o);
    return ok && *key;
}

static clnas_status read_file(clnas_latency_cache *c, clnas_error *err)
{
    if (access(c->path, F_OK) != 0)
        return CLNAS_OK;
    char *text = NULL;
    size_t size = 0;
    clnas_status st = clnas_file_read_all(c->path, &text, &size, err);
    for (char *line = text, *next; st == CLNAS_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (!next)
            break; /* a last line without its newline was cut short */
        *next++ = '\0';
        char *key = NULL;
        clnas_latency lat;
        if (parse_line(line, &key, &lat))
            st = remember(c, key, &lat, err);
        free(key);
    }
    free(text);
    return st;
}

clnas_status clnas_latency_cache_open(const char *dir, const clnas_device_info *device, clnas_latency_cache **out,
                                      clnas_error *err)
{
    if (!device || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "latency cache: device and out are required");
    *out = NULL;
    clnas_latency_cache *c = calloc(1, sizeof *c);
    if (!c)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency cache: out of memory");
    char root[4000], devkey[96];
    clnas_status st = clnas_cache_root(dir, root, sizeof root, err);
    if (st == CLNAS_OK)
        st = clnas_device_key(device, "latency-1", devkey, sizeof devkey, err);
    if (st == CLNAS_OK) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/latency", root);
        clnas_error made;
        if (clnas_dirs_make(sub, &made) != CLNAS_OK)
            st = clnas_error_set(err, made.status, "latency cache directory %s (set CLNAS_CACHE_DIR to a writable "
                                 "directory)", made.message);
        else if (snprintf(c->path, sizeof c->path, "%s/%s.jsonl", sub, devkey) >= (int)sizeof c->path)
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "latency cache path is too long: \"%.200s...\"", sub);
    }
    if (st == CLNAS_OK)
        st = read_file(c, err);
    if (st != CLNAS_OK) {
        clnas_latency_cache_free(c);
        return st;
    }
    *out = c;
    return CLNAS_OK;
}

void clnas_latency_cache_free(clnas_latency_cache *cache)
{
    if (!cache)
        return;
    for (int i = 0; i < cache->count; i++)
        free(cache->entries[i].key);
    free(cache->entries);
    free(cache);
}

const char *clnas_latency_cache_path(const clnas_latency_cache *cache)
{
    return cache->path;
}

int clnas_latency_cache_count(const clnas_latency_cache *cache)
{
    return cache->count;
}

clnas_status clnas_latency_key(const clnas_net_config *cfg, char *buf, size_t cap, clnas_error *err)
{
    const clnas_space_iface *space = NULL;
    clnas_space_genotype g;
    clnas_status st = clnas_net_config_genotype(cfg, &space, &g, err);
    char canon[CLNAS_SPACE_STR_MAX];
    if (st == CLNAS_OK)
        st = space->canonical(&g, canon, sizeof canon, NULL, err);
    if (st != CLNAS_OK)
        return st;
    const int depth = cfg->space == CLNAS_NET_DARTS ? cfg->layers : cfg->space == CLNAS_NET_NB201 ? cfg->cells : 0;
    const int n = snprintf(buf, cap, "%s|%s|C%d|D%d|aux%d|in%dx%dx%d|k%d|b%d|%s", space->name, canon, cfg->channels,
                           depth, cfg->auxiliary, cfg->in_channels, cfg->height, cfg->width, cfg->classes,
                           cfg->batch, cfg->fp64 ? "f64" : "f32");
    if (n < 0 || (size_t)n >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "latency key: more than %zu bytes", cap - 1);
    return CLNAS_OK;
}

int clnas_latency_cache_get(const clnas_latency_cache *cache, const char *key, clnas_latency *out)
{
    for (int i = 0; i < cache->count; i++)
        if (strcmp(cache->entries[i].key, key) == 0) {
            *out = cache->entries[i].lat;
            return 1;
        }
    return 0;
}

clnas_status clnas_latency_cache_put(clnas_latency_cache *cache, const char *key, const clnas_latency *lat,
                                     clnas_error *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "key", key) || !cJSON_AddNumberToObject(o, "train_step_ms", lat->train_step_ms) ||
        !cJSON_AddNumberToObject(o, "inference_ms", lat->inference_ms) ||
        !cJSON_AddNumberToObject(o, "launches", lat->launches) || !cJSON_AddNumberToObject(o, "batch", lat->batch)) {
        cJSON_Delete(o);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency cache: out of memory");
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    const size_t len = text ? strlen(text) : 0;
    char *line = text ? realloc(text, len + 2) : NULL;
    if (!line) {
        free(text);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency cache: out of memory");
    }
    line[len] = '\n';
    line[len + 1] = '\0';
    /* One write of the whole line with O_APPEND: lines of concurrent writers do not interleave. */
    clnas_status st = CLNAS_OK;
    const int fd = open(cache->path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        st = clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open for appending: %s", cache->path, strerror(errno));
    else {
        const ssize_t w = write(fd, line, len + 1);
        if (w != (ssize_t)(len + 1))
            st = clnas_error_set(err, CLNAS_ERR_IO, "%s: write: %s", cache->path,
                                 w < 0 ? strerror(errno) : "short write");
        close(fd);
    }
    free(line);
    return st == CLNAS_OK ? remember(cache, key, lat, err) : st;
}

clnas_status clnas_latency_of(clnas_latency_cache *cache, clnas_device *dev, struct clnas_program_cache *programs,
                              const clnas_net_config *net, int launches, clnas_latency *out, int *cached,
                              clnas_error *err)
{
    char key[CLNAS_SPACE_STR_MAX + 256];
    clnas_status st = clnas_latency_key(net, key, sizeof key, err);
    if (st != CLNAS_OK)
        return st;
    if (clnas_latency_cache_get(cache, key, out) && out->launches == launches) {
        if (cached)
            *cached = 1;
        return CLNAS_OK;
    }
    clnas_model *model = NULL;
    st = clnas_model_build(dev, programs, net, &model, err);
    if (st == CLNAS_OK)
        st = clnas_model_init(model, 1, err);
    if (st == CLNAS_OK)
        st = clnas_latency_measure(model, launches, 1, out, err);
    clnas_model_free(model);
    if (st == CLNAS_OK)
        st = clnas_latency_cache_put(cache, key, out, err);
    if (st == CLNAS_OK && cached)
        *cached = 0;
    return st;
}
