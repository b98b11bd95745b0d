/* clnas tool — `clnas devices`: the OpenCL platforms and devices clnas can run on, as a table or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "devices_mpi.h"
#include "scale.h"
#include "clnas/device.h"

static const char devices_help[] =
    "usage: clnas devices [--json]\n"
    "\n"
    "Lists every device of every OpenCL platform: its index, type, name, vendor, platform, OpenCL C\n"
    "version, compute units, global memory, largest single allocation and whether it has fp64.\n"
    "The default device, marked '*', is the first GPU, else the first device. Commands that use a device\n"
    "take --device N|SUBSTRING (an index, or part of the platform, name or vendor, case-insensitive),\n"
    "else the environment variable CLNAS_DEVICE, else the default; when CLNAS_DEVICE is set this command\n"
    "says which device it selects.\n"
    "\n"
    "  --json   print one JSON array with an object per device instead of the table\n"
    "           (sizes in bytes; \"default\" marks the default device, \"selected\" the one commands use\n"
    "           without --device)\n"
    "\n"
    "Exit status 1 when OpenCL finds no platform or no device (the message says what to install).\n";

/* "1.5 GiB" from 1 GiB up, else whole MiB. */
static void format_bytes(unsigned long long bytes, char *out, size_t cap)
{
    const double mib = 1024.0 * 1024.0, gib = 1024.0 * mib;
    if ((double)bytes >= gib)
        snprintf(out, cap, "%.1f GiB", (double)bytes / gib);
    else
        snprintf(out, cap, "%.0f MiB", (double)bytes / mib);
}

/* "OpenCL C 1.2 PoCL" -> "1.2 PoCL"; "-" when the device did not say. */
static const char *opencl_c_short(const clnas_device_info *d)
{
    const char *prefix = "OpenCL C ";
    if (!d->opencl_c_version[0])
        return "-";
    if (strncmp(d->opencl_c_version, prefix, strlen(prefix)) == 0)
        return d->opencl_c_version + strlen(prefix);
    return d->opencl_c_version;
}

enum { COL_INDEX, COL_TYPE, COL_NAME, COL_VENDOR, COL_PLATFORM, COL_OPENCL_C, COL_UNITS, COL_MEMORY, COL_ALLOC,
       COL_FP64, COLUMNS };

static const char *const column_titles[COLUMNS] = {"#", "type", "name", "vendor", "platform", "OpenCL C",
                                                   "CUs", "memory", "max alloc", "fp64"};

typedef char table_cell[160];

static void fill_row(const clnas_device_info *d, table_cell row[COLUMNS])
{
    snprintf(row[COL_INDEX], sizeof row[0], "%d", d->index);
    snprintf(row[COL_TYPE], sizeof row[0], "%s", d->type);
    snprintf(row[COL_NAME], sizeof row[0], "%s", d->name);
    snprintf(row[COL_VENDOR], sizeof row[0], "%s", d->vendor);
    snprintf(row[COL_PLATFORM], sizeof row[0], "%s", d->platform);
    snprintf(row[COL_OPENCL_C], sizeof row[0], "%s", opencl_c_short(d));
    snprintf(row[COL_UNITS], sizeof row[0], "%u", d->compute_units);
    format_bytes(d->global_mem_bytes, row[COL_MEMORY], sizeof row[0]);
    format_bytes(d->max_alloc_bytes, row[COL_ALLOC], sizeof row[0]);
    snprintf(row[COL_FP64], sizeof row[0], "%s", d->has_fp64 ? "yes" : "no");
}

static int right_aligned(int column)
{
    return column == COL_INDEX || column == COL_UNITS || column == COL_MEMORY || column == COL_ALLOC;
}

static void print_row(char mark, const char *const cells[COLUMNS], const int width[COLUMNS])
{
    printf("%c", mark);
    for (int c = 0; c < COLUMNS; c++) {
        const char *sep = c == 0 ? " " : "  ";
        if (c == COLUMNS - 1 && !right_aligned(c))
            printf("%s%s", sep, cells[c]); /* no trailing blanks */
        else
            printf(right_aligned(c) ? "%s%*s" : "%s%-*s", sep, width[c], cells[c]);
    }
    printf("\n");
}

static int print_table(const clnas_device_info *devices, int count)
{
    table_cell(*rows)[COLUMNS] = calloc((size_t)count, sizeof *rows);
    if (!rows) {
        fprintf(stderr, "clnas: out of host memory\n");
        return 1;
    }
    int width[COLUMNS];
    for (int c = 0; c < COLUMNS; c++)
        width[c] = (int)strlen(column_titles[c]);
    for (int i = 0; i < count; i++) {
        fill_row(&devices[i], rows[i]);
        for (int c = 0; c < COLUMNS; c++)
            if ((int)strlen(rows[i][c]) > width[c])
                width[c] = (int)strlen(rows[i][c]);
    }
    print_row(' ', column_titles, width);
    for (int i = 0; i < count; i++) {
        const char *cells[COLUMNS];
        for (int c = 0; c < COLUMNS; c++)
            cells[c] = rows[i][c];
        print_row(devices[i].is_default ? '*' : ' ', cells, width);
    }
    free(rows);
    printf("\n* default device (the first GPU, else the first device); choose another with --device N|SUBSTRING\n"
           "  or the environment variable CLNAS_DEVICE\n");
    return 0;
}

static cJSON *device_json(const clnas_device_info *d, int selected)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "index", d->index);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "vendor", d->vendor);
    cJSON_AddStringToObject(o, "platform", d->platform);
    cJSON_AddStringToObject(o, "type", d->type);
    cJSON_AddStringToObject(o, "device_version", d->device_version);
    cJSON_AddStringToObject(o, "driver_version", d->driver_version);
    cJSON_AddStringToObject(o, "opencl_c_version", d->opencl_c_version);
    cJSON_AddNumberToObject(o, "compute_units", d->compute_units);
    cJSON_AddNumberToObject(o, "global_mem_bytes", (double)d->global_mem_bytes);
    cJSON_AddNumberToObject(o, "max_alloc_bytes", (double)d->max_alloc_bytes);
    cJSON_AddNumberToObject(o, "max_work_group_size", (double)d->max_work_group_size);
    cJSON_AddBoolToObject(o, "fp64", d->has_fp64);
    cJSON_AddBoolToObject(o, "default", d->is_default);
    if (!cJSON_AddBoolToObject(o, "selected", selected)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int print_json(const clnas_device_info *devices, int count, int selected_index)
{
    cJSON *array = cJSON_CreateArray();
    for (int i = 0; array && i < count; i++) {
        cJSON *o = device_json(&devices[i], devices[i].index == selected_index);
        if (!o || !cJSON_AddItemToArray(array, o)) {
            cJSON_Delete(o);
            cJSON_Delete(array);
            array = NULL;
        }
    }
    char *text = array ? cJSON_Print(array) : NULL;
    cJSON_Delete(array);
    if (!text) {
        fprintf(stderr, "clnas: out of host memory writing JSON\n");
        return 1;
    }
    puts(text);
    cJSON_free(text);
    return 0;
}

static const char *device_name(const clnas_device_info *devices, int count, int index)
{
    for (int i = 0; i < count; i++)
        if (devices[i].index == index)
            return devices[i].name;
    return "?";
}

/* Which device CLNAS_DEVICE picks: asks clnas_device_open itself, so the answer is the one every command gets.
 * Returns its index, or -1 with *why filled when it picks none. */
static int env_selected_index(clnas_error *why)
{
    clnas_device *dev = NULL;
    if (clnas_device_open(NULL, &dev, why) != CLNAS_OK)
        return -1;
    int index = dev->info.index;
    clnas_device_free(dev);
    return index;
}

int cmd_devices(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(devices_help, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return cli_usage_error("devices", "unexpected argument '%s'", argv[i]);
    }
    if (clnas_scale_env_size() > 1) /* under mpirun or srun: one table of every node, printed by rank 0 */
        return devices_mpi(NULL);

    clnas_device_info *devices = NULL;
    int count = 0;
    clnas_error err = {0};
    if (clnas_device_list(&devices, &count, &err) != CLNAS_OK)
        return cli_fail(&err);

    int selected = -1;
    for (int i = 0; i < count; i++)
        if (devices[i].is_default)
            selected = devices[i].index;
    const char *env = getenv("CLNAS_DEVICE");
    clnas_error env_err = {0};
    if (env && *env)
        selected = env_selected_index(&env_err);

    int status = json ? print_json(devices, count, selected) : print_table(devices, count);
    if (status == 0 && env && *env) {
        if (selected < 0)
            fprintf(json ? stderr : stdout, "%sCLNAS_DEVICE=\"%s\": %s\n", json ? "clnas: " : "", env,
                    env_err.message);
        else if (!json)
            printf("CLNAS_DEVICE=\"%s\" selects [%d] %s\n", env, selected, device_name(devices, count, selected));
    }
    free(devices);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "clnas: writing to standard output failed\n");
        return 1;
    }
    return status;
}
