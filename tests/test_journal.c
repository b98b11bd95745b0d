/* clnas — tests of the search journal: line format, round trip, torn last lines at every offset, corruption. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "scratch_dir.h"

#define ARCH_A "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"

/* ---- helpers ---- */

static void spill(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Entry i of a varied sample: every status, nulls, extras of every JSON type and awkward numbers. */
static void make_entry(int i, clnas_journal_entry *e)
{
    memset(e, 0, sizeof *e);
    e->trial = i;
    clnas_space_nb201.from_index((uint32_t)(i * 2477 + 11) % CLNAS_NB201_CELLS, &e->arch);
    assert_int_equal(clnas_space_nb201.canonical(&e->arch, NULL, 0, &e->hash, NULL), CLNAS_OK);
    e->status = (clnas_trial_status)(i % 4);
    e->fitness = e->status == CLNAS_TRIAL_OK || e->status == CLNAS_TRIAL_CACHED ? 0.1 + 0.2 * (i % 4) / 3.0 : NAN;
    e->params = 1000L * i + 7;
    e->flops = i == 2 ? 0.0 : 1.2345678901234567e9 * (i + 1);
    e->seconds = 0.1 + 0.2 + i;
    if (e->status == CLNAS_TRIAL_FAILED)
        snprintf(e->error, sizeof e->error, "kernel \"conv\" failed to build:\n\tline 3\\ \x01 caf\xc3\xa9");
    if (i % 2 == 0) {
        e->extra = cJSON_CreateObject();
        cJSON_AddNumberToObject(e->extra, "train_seconds", 1.0 / 3.0 + i);
        cJSON_AddNullToObject(e->extra, "val_loss");
        cJSON_AddBoolToObject(e->extra, "flag", i == 0);
        cJSON_AddStringToObject(e->extra, "note", "a \"quoted\" note");
        cJSON *arr = cJSON_AddArrayToObject(e->extra, "probabilities");
        for (int k = 0; k < 3; k++)
            cJSON_AddItemToArray(arr, cJSON_CreateNumber(k == 0 ? 1e-300 : k == 1 ? 123456789012345.0 : -2.5));
        cJSON *obj = cJSON_AddObjectToObject(e->extra, "nested");
        cJSON_AddNumberToObject(obj, "cached_from", i);
        cJSON_AddItemToObject(obj, "empty", cJSON_CreateObject());
    }
}

static void free_entry(clnas_journal_entry *e)
{
    cJSON_Delete(e->extra);
    e->extra = NULL;
}

static void assert_same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        assert_true(isnan(a) && isnan(b));
    else
        assert_memory_equal(&a, &b, sizeof a); /* bit for bit */
}

static void assert_entry_equal(const clnas_journal_entry *a, const clnas_journal_entry *b)
{
    assert_int_equal(a->trial, b->trial);
    assert_memory_equal(a->arch.u.bytes, b->arch.u.bytes, sizeof a->arch.u.bytes);
    assert_true(a->hash == b->hash);
    assert_same_double(a->fitness, b->fitness);
    assert_int_equal(a->params, b->params);
    assert_same_double(a->flops, b->flops);
    assert_same_double(a->seconds, b->seconds);
    assert_int_equal(a->status, b->status);
    assert_string_equal(a->error, b->error);
    if (!a->extra || !b->extra)
        assert_true(a->extra == NULL && b->extra == NULL);
    else
        assert_true(cJSON_Compare(a->extra, b->extra, 1));
}

/* Writes entries 0 .. n-1 through the append path. */
static void write_journal(const char *path, int n)
{
    clnas_journal j;
    clnas_error err = {0};
    if (clnas_journal_open(path, SIZE_MAX, &j, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    for (int i = 0; i < n; i++) {
        clnas_journal_entry e;
        make_entry(i, &e);
        if (clnas_journal_append(&j, &e, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        free_entry(&e);
    }
    clnas_journal_close(&j);
}

/* ---- format ---- */

static void test_format_exact(void **state)
{
    (void)state;
    clnas_journal_entry e;
    memset(&e, 0, sizeof e);
    assert_int_equal(clnas_space_nb201.parse(ARCH_A, &e.arch, NULL), CLNAS_OK);
    assert_int_equal(clnas_space_nb201.canonical(&e.arch, NULL, 0, &e.hash, NULL), CLNAS_OK);
    char hex[17], want[1024];
    clnas_hash_to_hex(e.hash, hex);
    e.trial = 12;
    e.fitness = 0.5;
    e.params = 1234;
    e.flops = 2e6;
    e.seconds = 1.5;
    e.status = CLNAS_TRIAL_OK;
    char *line = clnas_journal_format(&e);
    snprintf(want, sizeof want,
             "{\"trial\":12,\"arch\":\"" ARCH_A "\",\"hash\":\"%s\",\"fitness\":0.5,\"params\":1234,\"flops\":2000000,"
             "\"seconds\":1.5,\"status\":\"ok\",\"error\":null}",
             hex);
    assert_string_equal(line, want);
    free(line);

    /* failed: fitness null, error text escaped; extras follow in their order */
    e.status = CLNAS_TRIAL_FAILED;
    e.fitness = NAN;
    e.seconds = 0.1 + 0.2; /* needs 17 digits to read back exactly */
    snprintf(e.error, sizeof e.error, "out of memory: \"big\"\n");
    e.extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(e.extra, "train_seconds", 2);
    cJSON_AddStringToObject(e.extra, "phase", "x");
    line = clnas_journal_format(&e);
    snprintf(want, sizeof want,
             "{\"trial\":12,\"arch\":\"" ARCH_A "\",\"hash\":\"%s\",\"fitness\":null,\"params\":1234,\"flops\":2000000,"
             "\"seconds\":0.30000000000000004,\"status\":\"failed\",\"error\":\"out of memory: \\\"big\\\"\\n\","
             "\"train_seconds\":2,\"phase\":\"x\"}",
             hex);
    assert_string_equal(line, want);
    free(line);

    /* an extra key that repeats a fixed key cannot be formatted */
    cJSON_AddNumberToObject(e.extra, "fitness", 1);
    assert_null(clnas_journal_format(&e));
    cJSON_Delete(e.extra);
    e.extra = cJSON_CreateArray();
    assert_null(clnas_journal_format(&e));
    cJSON_Delete(e.extra);
}

/* ---- round trip ---- */

static void test_round_trip(void **state)
{
    char path[1024];
    scratch_dir_path(path, sizeof path, *state, "journal.jsonl");
    enum { N = 9 };
    write_journal(path, N);

    clnas_journal_entry *got;
    int count, torn;
    size_t good;
    clnas_error err = {0};
    if (clnas_journal_read(path, &got, &count, &torn, &good, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(count, N);
    assert_int_equal(torn, 0);
    size_t size;
    char *text = test_read_file(path, &size);
    assert_int_equal(good, size);

    const char *line = text;
    for (int i = 0; i < N; i++) {
        clnas_journal_entry want;
        make_entry(i, &want);
        assert_entry_equal(&got[i], &want);
        /* format(read(line)) is the line */
        char *again = clnas_journal_format(&got[i]);
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_int_equal(strlen(again), (size_t)(nl - line));
        assert_memory_equal(again, line, strlen(again));
        /* the fixed keys come first, in order */
        cJSON *obj = cJSON_Parse(again);
        static const char *const keys[] = {"trial", "arch", "hash", "fitness", "params",
                                           "flops", "seconds", "status", "error"};
        const cJSON *c = obj->child;
        for (int k = 0; k < 9; k++, c = c->next)
            assert_string_equal(c->string, keys[k]);
        assert_int_equal(strlen(cJSON_GetObjectItem(obj, "hash")->valuestring), 16);
        cJSON_Delete(obj);
        free(again);
        free_entry(&want);
        line = nl + 1;
    }
    free(text);
    clnas_journal_entries_free(got, count);

    /* a missing file is an empty journal */
    scratch_dir_path(path, sizeof path, *state, "absent.jsonl");
    assert_int_equal(clnas_journal_read(path, &got, &count, &torn, &good, &err), CLNAS_OK);
    assert_null(got);
    assert_int_equal(count, 0);
    assert_int_equal(torn, 0);
    assert_int_equal(good, 0);
}

/* ---- torn lines: a cut at every byte offset ---- */

static void test_cut_at_every_offset(void **state)
{
    char path[1024], cut[1024];
    scratch_dir_path(path, sizeof path, *state, "journal.jsonl");
    scratch_dir_path(cut, sizeof cut, *state, "cut.jsonl");
    enum { N = 5 };
    write_journal(path, N);
    size_t size;
    char *text = test_read_file(path, &size);
    size_t starts[N + 1];
    starts[0] = 0;
    for (int i = 0, k = 0; k < (int)size; k++)
        if (text[k] == '\n')
            starts[++i] = (size_t)k + 1;
    assert_int_equal(starts[N], size);

    /* k runs over the whole file, so the last line is cut at each of its offsets, and so is every other line
     * (what is left of it is then the last line); shrinking one copy is much cheaper than rewriting it */
    spill(cut, text, size);
    for (size_t k = size + 1; k-- > 0;) {
        assert_int_equal(truncate(cut, (off_t)k), 0);
        int whole = 0;
        while (whole < N && starts[whole + 1] <= k)
            whole++;
        clnas_journal_entry *got;
        int count, torn;
        size_t good;
        clnas_error err = {0};
        if (clnas_journal_read(cut, &got, &count, &torn, &good, &err) != CLNAS_OK)
            fail_msg("cut at %zu of %zu: %s", k, size, err.message);
        assert_int_equal(count, whole);
        assert_int_equal(torn, k != starts[whole]);
        assert_int_equal(good, starts[whole]);
        for (int i = 0; i < count; i++) {
            clnas_journal_entry want;
            make_entry(i, &want);
            assert_entry_equal(&got[i], &want);
            free_entry(&want);
        }
        clnas_journal_entries_free(got, count);
    }

    /* resume: keep the intact prefix, append the lost trial again: the same bytes as never stopped */
    size_t k = starts[N - 1] + (starts[N] - starts[N - 1]) / 2;
    spill(cut, text, k);
    clnas_journal_entry *got;
    int count, torn;
    size_t good;
    clnas_error err = {0};
    assert_int_equal(clnas_journal_read(cut, &got, &count, &torn, &good, &err), CLNAS_OK);
    clnas_journal_entries_free(got, count);
    assert_int_equal(torn, 1);
    clnas_journal j;
    assert_int_equal(clnas_journal_open(cut, good, &j, &err), CLNAS_OK);
    clnas_journal_entry e;
    make_entry(N - 1, &e);
    assert_int_equal(clnas_journal_append(&j, &e, &err), CLNAS_OK);
    free_entry(&e);
    clnas_journal_close(&j);
    size_t resumed_size;
    char *resumed = test_read_file(cut, &resumed_size);
    assert_int_equal(resumed_size, size);
    assert_memory_equal(resumed, text, size);
    free(resumed);

    /* a complete last line of garbage (zeros left by a crash) is torn too */
    char *junk = malloc(size + 8);
    memcpy(junk, text, size);
    memcpy(junk + size, "\0\0\0\0\n", 5);
    spill(cut, junk, size + 5);
    assert_int_equal(clnas_journal_read(cut, &got, &count, &torn, &good, &err), CLNAS_OK);
    assert_int_equal(count, N);
    assert_int_equal(torn, 1);
    assert_int_equal(good, size);
    clnas_journal_entries_free(got, count);
    memcpy(junk + size, "{\"tri\n", 6);
    spill(cut, junk, size + 6);
    assert_int_equal(clnas_journal_read(cut, &got, &count, &torn, &good, &err), CLNAS_OK);
    assert_int_equal(count, N);
    assert_int_equal(torn, 1);
    clnas_journal_entries_free(got, count);
    free(junk);
    free(text);
}

/* ---- corruption: an error naming the line ---- */

/* Replaces the text of line `line_no` (1-based) with `replacement` and expects an error that contains `message`. */
static void expect_corrupt(const char *dir, int line_no, const char *replacement, const char *message)
{
    char path[1024], bad[1024];
    scratch_dir_path(path, sizeof path, dir, "journal.jsonl");
    scratch_dir_path(bad, sizeof bad, dir, "bad.jsonl");
    size_t size;
    char *text = test_read_file(path, &size);
    char *start = text;
    for (int i = 1; i < line_no; i++)
        start = strchr(start, '\n') + 1;
    char *end = strchr(start, '\n');
    FILE *f = fopen(bad, "wb");
    fwrite(text, 1, (size_t)(start - text), f);
    fputs(replacement, f);
    fputs(end, f);
    fclose(f);
    free(text);

    clnas_journal_entry *got = (clnas_journal_entry *)1;
    int count = -1, torn = -1;
    size_t good;
    clnas_error err = {0};
    clnas_status s = clnas_journal_read(bad, &got, &count, &torn, &good, &err);
    char want[2048];
    snprintf(want, sizeof want, "%s: line %d: %s", bad, line_no, message);
    if (s != CLNAS_ERR_FORMAT || !strstr(err.message, want))
        fail_msg("line %d = %s\n  expected: %s\n  got (%s): %s", line_no, replacement, want, clnas_status_to_string(s),
                 err.message);
    assert_null(got);
    assert_int_equal(count, 0);
}

static void test_corrupt_lines(void **state)
{
    const char *dir = *state;
    char path[1024];
    scratch_dir_path(path, sizeof path, dir, "journal.jsonl");
    write_journal(path, 4);

    clnas_journal_entry e;
    make_entry(1, &e);
    char *good_line = clnas_journal_format(&e);
    free_entry(&e);
    char hex[17], line[4096];

    expect_corrupt(dir, 2, "{\"trial\":1,\"arch", "not a complete JSON object");
    expect_corrupt(dir, 2, "", "not a complete JSON object");
    expect_corrupt(dir, 2, "[1]", "expected a JSON object");
    /* numbering */
    snprintf(line, sizeof line, "{\"trial\":5%s", strchr(good_line, ','));
    expect_corrupt(dir, 2, line, "trial is 5, expected 1 (trials are numbered 0, 1, 2, ...)");
    /* a hash that is not the arch's */
    clnas_hash_to_hex(0x0123456789abcdefULL, hex);
    char *h = strstr(good_line, "\"hash\":\"") + 8;
    snprintf(line, sizeof line, "%.*s%s%s", (int)(h - good_line), good_line, hex, h + 16);
    expect_corrupt(dir, 2, line, "hash 0123456789abcdef is not the canonical hash of the arch");
    snprintf(line, sizeof line, "%.*s%s%s", (int)(h - good_line), good_line, "0123456789ABCDEF", h + 16);
    expect_corrupt(dir, 2, line, "hash: expected 16 lower-case hex digits");
    /* a bad arch string */
    char *a = strstr(good_line, "\"arch\":\"|") + 9;
    snprintf(line, sizeof line, "%.*sbogus%s", (int)(a - good_line), good_line, strchr(a, '~'));
    expect_corrupt(dir, 2, line, "arch: ");
    /* keys out of order, missing, repeated */
    expect_corrupt(dir, 2, "{\"arch\":\"x\",\"trial\":1}", "expected the key \"trial\" as key 1, got \"arch\"");
    expect_corrupt(dir, 2, "{\"trial\":1}", "expected the key \"arch\" as key 2, got the end");
    snprintf(line, sizeof line, "%.*s,\"seconds\":1}", (int)strlen(good_line) - 1, good_line);
    expect_corrupt(dir, 2, line, "the key \"seconds\" appears twice");
    /* field types */
    char *st = strstr(good_line, "\"status\":\"");
    snprintf(line, sizeof line, "%.*s\"status\":\"lost\"%s", (int)(st - good_line), good_line,
             strstr(st, ",\"error\""));
    expect_corrupt(dir, 2, line, "status: expected \"ok\", \"failed\", \"diverged\" or \"cached\"");
    char *fit = strstr(good_line, "\"fitness\":");
    snprintf(line, sizeof line, "%.*s\"fitness\":\"0.5\"%s", (int)(fit - good_line), good_line,
             strstr(fit, ",\"params\""));
    expect_corrupt(dir, 2, line, "fitness: expected a number or null");
    /* a bad complete last line is an error, not a torn line */
    snprintf(line, sizeof line, "{\"trial\":9%s", strchr(good_line, ','));
    expect_corrupt(dir, 4, line, "trial is 9, expected 3");
    free(good_line);
}

/* ---- open, truncate, durability ---- */

static void test_open_truncate_and_durable(void **state)
{
    char path[1024];
    scratch_dir_path(path, sizeof path, *state, "journal.jsonl");
    write_journal(path, 3);
    size_t size;
    char *text = test_read_file(path, &size);
    size_t second = (size_t)(strchr(text, '\n') - text) + 1;

    clnas_journal j;
    clnas_error err = {0};
    /* keeping more than the file holds is an error, and the file is left alone */
    assert_int_equal(clnas_journal_open(path, size + 1, &j, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, path));
    assert_null(j.f);
    clnas_journal_close(&j); /* closing a journal that never opened is harmless */

    /* SIZE_MAX keeps everything */
    assert_int_equal(clnas_journal_open(path, SIZE_MAX, &j, &err), CLNAS_OK);
    clnas_journal_close(&j);
    size_t n;
    char *same = test_read_file(path, &n);
    assert_int_equal(n, size);
    free(same);

    /* keep the first line only, then append: the new line is on disk before close */
    assert_int_equal(clnas_journal_open(path, second, &j, &err), CLNAS_OK);
    char *kept = test_read_file(path, &n);
    assert_int_equal(n, second);
    assert_memory_equal(kept, text, second);
    free(kept);
    clnas_journal_entry e;
    make_entry(1, &e);
    assert_int_equal(clnas_journal_append(&j, &e, &err), CLNAS_OK);
    free_entry(&e);
    clnas_journal_entry *got;
    int count, torn;
    size_t good;
    assert_int_equal(clnas_journal_read(path, &got, &count, &torn, &good, &err), CLNAS_OK);
    assert_int_equal(count, 2);
    clnas_journal_entries_free(got, count);

    /* an extra key that clashes is refused with a message, and nothing is written */
    make_entry(2, &e);
    cJSON_AddNumberToObject(e.extra, "status", 1);
    assert_int_equal(clnas_journal_append(&j, &e, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "\"status\""));
    free_entry(&e);
    make_entry(2, &e);
    assert_int_equal(clnas_journal_append(&j, &e, &err), CLNAS_OK);
    free_entry(&e);
    clnas_journal_close(&j);
    assert_null(j.f);

    /* re-read after close: the same bytes as the uninterrupted write */
    char *again = test_read_file(path, &n);
    assert_int_equal(n, size);
    assert_memory_equal(again, text, size);
    free(again);
    free(text);

    /* a journal in a directory that does not exist cannot be opened */
    assert_int_equal(clnas_journal_open("/nonexistent-clnas/journal.jsonl", SIZE_MAX, &j, &err), CLNAS_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent-clnas/journal.jsonl"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test_setup_teardown(test_round_trip, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_cut_at_every_offset, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_lines, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_open_truncate_and_durable, scratch_dir_setup, scratch_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
