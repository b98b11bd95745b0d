/* clnas tool — the `clnas bench device` result as one JSON object: checking a saved one, printing it as tables,
 * and printing two side by side with ratios. */
#ifndef CLNAS_BENCH_REPORT_H
#define CLNAS_BENCH_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

/* The value of "format" in every result; bump when a field changes meaning. */
#define BENCH_REPORT_FORMAT "clnas-bench-device-1"

int cmd_bench_device(int argc, char **argv);

/* Reads a saved result and checks it has every section and field the tables and --compare read; on failure prints
 * "clnas: FILE: ..." naming the field and what was expected, and returns NULL. */
cJSON *bench_report_load(const char *path);
/* NULL when j is a complete result, else a message naming the first missing or mistyped field (static buffer of
 * the caller: msg, cap). */
const char *bench_report_check(const cJSON *j, char *msg, size_t cap);

/* The tables for people. */
void bench_report_print(FILE *f, const cJSON *j);
/* Every number of a (this) beside the same number of b (other) and a / b. */
void bench_report_compare(FILE *f, const cJSON *a, const char *a_name, const cJSON *b, const char *b_name);

#endif
