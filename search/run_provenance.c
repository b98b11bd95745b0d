/* clnas — the device a run used, recorded in its config.json ("device" is only what the config asked for). */
#include "run_provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "file_io.h"

#ifndef CLNAS_VERSION_STRING
#define CLNAS_VERSION_STRING "unknown"
#endif

static int write_text(FILE *f, void *text)
{
    return fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
}

clnas_status clnas_run_record_device(const char *run_dir, const clnas_device *dev, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", run_dir);
    char *text = NULL;
    size_t n = 0;
    clnas_status st = clnas_file_read_all(path, &text, &n, err);
    if (st != CLNAS_OK)
        return st;
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: not a JSON object", path);
    }
    cJSON *on = cJSON_CreateObject();
    int ok = on && cJSON_AddStringToObject(on, "device", dev->info.name) &&
             cJSON_AddStringToObject(on, "driver", dev->info.driver_version) &&
             cJSON_AddStringToObject(on, "platform", dev->info.platform) &&
             cJSON_AddStringToObject(on, "clnas_version", CLNAS_VERSION_STRING);
    if (ok)
        ok = cJSON_HasObjectItem(root, "ran_on") ? cJSON_ReplaceItemInObjectCaseSensitive(root, "ran_on", on)
                                                 : cJSON_AddItemToObject(root, "ran_on", on);
    else
        cJSON_Delete(on);
    char *out = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    st = clnas_file_write_atomic(path, write_text, out, err);
    cJSON_free(out);
    return st;
}

clnas_status clnas_run_stamp(cJSON **extra, const char *device, const char *driver, clnas_error *err)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm utc;
    if (!gmtime_r(&now, &utc) || !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc))
        stamp[0] = '\0';
    if (!*extra)
        *extra = cJSON_CreateObject();
    int ok = *extra != NULL;
    if (ok && device)
        ok = cJSON_AddStringToObject(*extra, "device", device) &&
             cJSON_AddStringToObject(*extra, "driver", driver ? driver : "");
    ok = ok && cJSON_AddStringToObject(*extra, "clnas_version", CLNAS_VERSION_STRING) &&
         cJSON_AddStringToObject(*extra, "timestamp", stamp);
    return ok ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
}
