/* clnas — tests of the `clnas space` and `clnas devices` commands, run as the built program through popen. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clnas/rng.h"
#include "clnas/darts_genotype.h"
#include "clnas/space.h"
#include "scratch_dir.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

/* Two cells NB201 counts as one (the conv moves from node 1 to node 2, the skip follows it) and one that differs. */
#define ISO_A "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"
#define ISO_B "|none~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|"
#define OTHER "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"
#define BAD_LINE "|nor_conv_3x3~0|+|bogus~0|none~1|+|none~0|none~1|none~2|"

typedef struct tool_run {
    char *out;      /* everything the program wrote to stdout */
    char *err;      /* everything it wrote to stderr */
    int status;     /* exit status; -1 when it did not exit normally */
} tool_run;

static void tool_run_free(tool_run *r)
{
    free(r->out);
    free(r->err);
}

/* A new file under the temporary directory holding content; the caller unlinks and frees the path. */
static char *write_temp(const char *content)
{
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/clnas_cli_XXXXXX", scratch_dir_base());
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fputs(content, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

static char *read_stream(FILE *f)
{
    size_t cap = 4096, len = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[len] = '\0';
    return buf;
}

/* Appends s to the command in single quotes, so paths and arch strings reach the program unchanged. */
static void append_quoted(char *cmd, size_t cap, const char *s)
{
    size_t n = strlen(cmd);
    n += (size_t)snprintf(cmd + n, cap - n, "'");
    for (; *s && n + 5 < cap; s++)
        n += (size_t)snprintf(cmd + n, cap - n, *s == '\'' ? "'\\''" : "%c", *s);
    assert_true(n + 2 < cap);
    snprintf(cmd + n, cap - n, "'");
}

/* Runs `env_prefix CLNAS_TOOL_PATH args... < stdin_path`, capturing stdout and stderr; args end with NULL. */
static tool_run run_tool_env(const char *env_prefix, const char *stdin_path, ...)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s ", env_prefix ? env_prefix : "");
    append_quoted(cmd, sizeof cmd, CLNAS_TOOL_PATH);
    va_list ap;
    va_start(ap, stdin_path);
    for (const char *arg; (arg = va_arg(ap, const char *)) != NULL;) {
        strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
        append_quoted(cmd, sizeof cmd, arg);
    }
    va_end(ap);
    char *err_path = write_temp("");
    strncat(cmd, " 2>", sizeof cmd - strlen(cmd) - 1);
    append_quoted(cmd, sizeof cmd, err_path);
    strncat(cmd, " <", sizeof cmd - strlen(cmd) - 1);
    append_quoted(cmd, sizeof cmd, stdin_path ? stdin_path : "/dev/null");

    tool_run r;
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    r.out = read_stream(p);
    int wait_status = pclose(p);
    r.status = wait_status != -1 && WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    FILE *e = fopen(err_path, "r");
    assert_non_null(e);
    r.err = read_stream(e);
    fclose(e);
    unlink(err_path);
    free(err_path);
    return r;
}

#define run_tool(stdin_path, ...) run_tool_env(NULL, stdin_path, __VA_ARGS__, (const char *)NULL)

/* Splits text into lines in place (the last line may lack its '\n'); returns the count. */
static int split_lines(char *text, char **lines, int max)
{
    int n = 0;
    for (char *s = text; *s && n < max;) {
        char *nl = strchr(s, '\n');
        lines[n++] = s;
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

static clnas_genotype parse_ok(const char *text)
{
    clnas_genotype g;
    clnas_error err = {0};
    if (clnas_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("the tool printed \"%s\", which does not parse: %s", text, err.message);
    return g;
}

static void test_enumerate_prints_every_cell_once_in_index_order(void **state)
{
    (void)state;
    tool_run r = run_tool(NULL, "space", "enumerate");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    static char *lines[CLNAS_NB201_CELLS + 1];
    assert_int_equal(split_lines(r.out, lines, CLNAS_NB201_CELLS + 1), CLNAS_NB201_CELLS);
    static unsigned char seen[CLNAS_NB201_CELLS];
    memset(seen, 0, sizeof seen);
    for (uint32_t i = 0; i < CLNAS_NB201_CELLS; i++) {
        clnas_genotype g = parse_ok(lines[i]);
        uint32_t index = clnas_genotype_to_index(&g);
        assert_int_equal(index, i);
        assert_int_equal(seen[index], 0);
        seen[index] = 1;
    }
    tool_run_free(&r);
}

/* Checks one "<arch>\t<hash>\t<canonical>" line against the library; returns the hash. */
static uint64_t check_canon_line(char *line, const char *arch)
{
    char *tab1 = strchr(line, '\t');
    assert_non_null(tab1);
    char *tab2 = strchr(tab1 + 1, '\t');
    assert_non_null(tab2);
    *tab1 = *tab2 = '\0';
    assert_string_equal(line, arch);
    const char *hex = tab1 + 1, *canonical = tab2 + 1;
    assert_int_equal(strlen(hex), 16);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 16);

    clnas_genotype g = parse_ok(arch);
    char want[CLNAS_GENOTYPE_STR_MAX], want_hex[17];
    uint64_t hash;
    clnas_error err = {0};
    assert_int_equal(clnas_genotype_canonical(&g, want, sizeof want, &hash, &err), CLNAS_OK);
    clnas_hash_to_hex(hash, want_hex);
    assert_string_equal(hex, want_hex);
    assert_string_equal(canonical, want);
    return hash;
}

static void check_canon_of_three(tool_run *r)
{
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    char *lines[4];
    assert_int_equal(split_lines(r->out, lines, 4), 3);
    uint64_t a = check_canon_line(lines[0], ISO_A);
    uint64_t b = check_canon_line(lines[1], ISO_B);
    uint64_t other = check_canon_line(lines[2], OTHER);
    assert_true(a == b);
    assert_true(a != other);
}

static void test_canon_gives_isomorphic_cells_equal_hashes(void **state)
{
    (void)state;
    char *path = write_temp(ISO_A "\n" ISO_B "\n" OTHER "\n");
    tool_run from_file = run_tool(NULL, "space", "canon", path);
    check_canon_of_three(&from_file);
    tool_run from_stdin = run_tool(path, "space", "canon");
    check_canon_of_three(&from_stdin);
    unlink(path);
    free(path);
    tool_run_free(&from_file);
    tool_run_free(&from_stdin);
}

static void test_canon_reports_bad_line_and_goes_on(void **state)
{
    (void)state;
    char *path = write_temp("# a comment\n\n" ISO_A "\n" BAD_LINE "\n   \n" OTHER "\r\n");
    tool_run r = run_tool(NULL, "space", "canon", path);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "clnas: line 4: "));
    assert_non_null(strstr(r.err, "position"));
    assert_non_null(strstr(r.err, "bogus"));
    char *err_lines[4];
    assert_int_equal(split_lines(r.err, err_lines, 4), 1); /* one message, for line 4 only */
    char *lines[4];
    assert_int_equal(split_lines(r.out, lines, 4), 2);
    check_canon_line(lines[0], ISO_A);
    check_canon_line(lines[1], OTHER);
    unlink(path);
    free(path);
    tool_run_free(&r);
}

static void test_canon_of_missing_file_fails(void **state)
{
    (void)state;
    tool_run r = run_tool(NULL, "space", "canon", "/nonexistent/clnas/arches.txt");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/clnas/arches.txt"));
    tool_run_free(&r);
}

static void test_sample_follows_the_seeded_generator(void **state)
{
    (void)state;
    enum { COUNT = 200 };
    tool_run r = run_tool(NULL, "space", "sample", "--count", "200", "--seed", "42");
    tool_run again = run_tool(NULL, "space", "sample", "--seed=42", "--count=200");
    tool_run other = run_tool(NULL, "space", "sample", "--count", "200", "--seed", "43");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, again.out);
    assert_string_not_equal(r.out, other.out);

    char *lines[COUNT + 1];
    assert_int_equal(split_lines(r.out, lines, COUNT + 1), COUNT);
    clnas_rng rng;
    clnas_rng_seed(&rng, 42);
    for (int k = 0; k < COUNT; k++) {
        clnas_genotype want, got = parse_ok(lines[k]);
        clnas_genotype_sample(&rng, &want);
        assert_memory_equal(got.ops, want.ops, sizeof want.ops);
    }
    tool_run_free(&r);
    tool_run_free(&again);
    tool_run_free(&other);
}

static void test_mutate_changes_exactly_one_edge(void **state)
{
    (void)state;
    for (int seed = 0; seed < 5; seed++) {
        char seed_text[16];
        snprintf(seed_text, sizeof seed_text, "%d", seed);
        tool_run r = run_tool(NULL, "space", "mutate", ISO_A, "--seed", seed_text);
        assert_int_equal(r.status, 0);
        char *lines[2] = {NULL, NULL};
        assert_int_equal(split_lines(r.out, lines, 2), 1);
        clnas_genotype parent = parse_ok(ISO_A), child = parse_ok(lines[0]), want;
        int changed = 0;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            changed += child.ops[e] != parent.ops[e];
        assert_int_equal(changed, 1);
        clnas_rng rng;
        clnas_rng_seed(&rng, (uint64_t)seed);
        clnas_genotype_mutate(&parent, &rng, &want);
        assert_memory_equal(child.ops, want.ops, sizeof want.ops);
        tool_run_free(&r);
    }
    tool_run bad = run_tool(NULL, "space", "mutate", BAD_LINE);
    assert_int_equal(bad.status, 1);
    assert_non_null(strstr(bad.err, "position"));
    tool_run_free(&bad);
}

static void test_nb201_classes_counts_the_space(void **state)
{
    (void)state;
    tool_run r = run_tool(NULL, "space", "nb201-classes");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "15625 cells\n"));
    assert_non_null(strstr(r.out, "\n6466 NB201 classes"));
    assert_non_null(strstr(r.out, "\n5390 clnas canonical classes"));
    tool_run_free(&r);
}

static void test_every_subcommand_has_help(void **state)
{
    (void)state;
    const char *subcommands[] = {"canon", "enumerate", "sample", "mutate", "nb201-classes"};
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        tool_run r = run_tool(NULL, "space", subcommands[i], "--help");
        char want[64];
        snprintf(want, sizeof want, "usage: clnas space %s", subcommands[i]);
        assert_int_equal(r.status, 0);
        assert_int_equal(strncmp(r.out, want, strlen(want)), 0);
        tool_run_free(&r);
    }
    tool_run space = run_tool(NULL, "space", "--help");
    assert_int_equal(space.status, 0);
    assert_non_null(strstr(space.out, "nb201-classes"));
    tool_run devices = run_tool(NULL, "devices", "--help");
    assert_int_equal(devices.status, 0);
    assert_non_null(strstr(devices.out, "usage: clnas devices"));
    tool_run_free(&space);
    tool_run_free(&devices);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    tool_run unknown = run_tool(NULL, "space", "frobnicate");
    tool_run bad_count = run_tool(NULL, "space", "sample", "--count", "ten");
    tool_run bad_seed = run_tool(NULL, "space", "sample", "--seed", "-1");
    tool_run no_arch = run_tool(NULL, "space", "mutate");
    tool_run bad_option = run_tool(NULL, "devices", "--jsn");
    assert_int_equal(unknown.status, 2);
    assert_int_equal(bad_count.status, 2);
    assert_non_null(strstr(bad_count.err, "--count"));
    assert_int_equal(bad_seed.status, 2);
    assert_int_equal(no_arch.status, 2);
    assert_int_equal(bad_option.status, 2);
    assert_string_equal(bad_count.out, "");
    tool_run_free(&unknown);
    tool_run_free(&bad_count);
    tool_run_free(&bad_seed);
    tool_run_free(&no_arch);
    tool_run_free(&bad_option);
}

static void test_devices_marks_the_default(void **state)
{
    (void)state;
    tool_run r = run_tool_env("env -u CLNAS_DEVICE", NULL, "devices", (const char *)NULL);
    assert_int_equal(r.status, 0);
    char *lines[64];
    int n = split_lines(r.out, lines, 64), marked = 0;
    for (int i = 0; i < n; i++)
        marked += lines[i][0] == '*' && lines[i][1] == ' ' && lines[i][2] >= '0' && lines[i][2] <= '9';
    assert_int_equal(marked, 1);
    tool_run_free(&r);
}

static void test_devices_json_is_one_array(void **state)
{
    (void)state;
    tool_run r = run_tool_env("env -u CLNAS_DEVICE", NULL, "devices", "--json", (const char *)NULL);
    assert_int_equal(r.status, 0);
    cJSON *array = cJSON_Parse(r.out);
    assert_non_null(array);
    assert_true(cJSON_IsArray(array));
    int n = cJSON_GetArraySize(array), defaults = 0;
    assert_true(n >= 1);
    for (int i = 0; i < n; i++) {
        const cJSON *d = cJSON_GetArrayItem(array, i);
        assert_int_equal(cJSON_GetObjectItem(d, "index")->valuedouble, i);
        assert_true(cJSON_IsString(cJSON_GetObjectItem(d, "name")));
        assert_true(cJSON_GetObjectItem(d, "global_mem_bytes")->valuedouble > 0);
        defaults += cJSON_IsTrue(cJSON_GetObjectItem(d, "default"));
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(d, "selected")),
                         cJSON_IsTrue(cJSON_GetObjectItem(d, "default")));
    }
    assert_int_equal(defaults, 1);
    cJSON_Delete(array);
    tool_run_free(&r);
}

static void test_devices_names_what_clnas_device_selects(void **state)
{
    (void)state;
    tool_run r = run_tool_env("CLNAS_DEVICE=0", NULL, "devices", (const char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "CLNAS_DEVICE=\"0\" selects [0] "));
    tool_run none = run_tool_env("CLNAS_DEVICE=no-such-device-anywhere", NULL, "devices", (const char *)NULL);
    assert_int_equal(none.status, 0);
    assert_non_null(strstr(none.out, "no OpenCL device matches \"no-such-device-anywhere\""));
    tool_run_free(&r);
    tool_run_free(&none);
}

/* With the ICD loader pointed at an empty vendor directory there is no platform: the library's message says what
 * to install. A loader that ignores OCL_ICD_VENDORS still finds the real platforms; the test is skipped there. */
static void test_devices_without_platform_says_what_to_install(void **state)
{
    const char *empty_dir = *state;
    char env[4200] = "env -u OCL_ICD_FILENAMES OCL_ICD_VENDORS=";
    append_quoted(env, sizeof env, empty_dir);
    tool_run r = run_tool_env(env, NULL, "devices", (const char *)NULL);
    if (r.status == 0) {
        tool_run_free(&r);
        skip();
    }
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "pocl-opencl-icd"));
    assert_string_equal(r.out, "");
    tool_run_free(&r);
}

/* --space darts: sample, canon and mutate work on DARTS genotypes; enumerate and nb201-classes refuse; an unknown
 * space is refused naming the known ones; --space nb201 is the default. */
static void test_space_darts(void **state)
{
    (void)state;
    tool_run r = run_tool(NULL, "space", "sample", "--space", "darts", "--count", "20", "--seed", "4");
    tool_run again = run_tool(NULL, "space", "sample", "--space=darts", "--count=20", "--seed=4");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, again.out);
    char *lines[32];
    assert_int_equal(split_lines(r.out, lines, 32), 20);
    clnas_darts_genotype g;
    clnas_error err = {0};
    for (int i = 0; i < 20; i++)
        assert_int_equal(clnas_darts_genotype_parse(lines[i], &g, &err), CLNAS_OK);

    /* DARTS_V2 with node 2's edges swapped and nodes 0 and 1 (both reading only the inputs) relabelled */
    char *path = write_temp("DARTS_V2\n"
                            "# a comment\n"
                            "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0), "
                            "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), "
                            "('dil_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
                            "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
                            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
                            "reduce_concat=range(2, 6))\n"
                            "DARTS_V1\n"
                            "Genotype(normal=[('sep_conv_3x3', 3)\n");
    tool_run canon = run_tool(NULL, "space", "canon", "--space", "darts", path);
    assert_int_equal(canon.status, 1);
    assert_non_null(strstr(canon.err, "clnas: line 5: genotype position 34: normal: edge 0 of node 0 reads state 3; "
                                      "node 0 may read states 0..1"));
    char *out[8], *hash[3];
    assert_int_equal(split_lines(canon.out, out, 8), 3);
    for (int i = 0; i < 3; i++) {
        hash[i] = strchr(out[i], '\t');
        assert_non_null(hash[i]);
        *strchr(hash[i] + 1, '\t') = '\0';
    }
    assert_string_equal(hash[0], hash[1]);
    assert_string_not_equal(hash[0], hash[2]);

    tool_run child = run_tool(NULL, "space", "mutate", "DARTS_V2", "--space", "darts", "--seed", "9");
    assert_int_equal(child.status, 0);
    assert_non_null(strstr(child.out, "Genotype(normal=["));
    assert_int_equal(clnas_darts_genotype_parse(child.out, &g, &err), CLNAS_OK);

    tool_run enumerate = run_tool(NULL, "space", "enumerate", "--space", "darts");
    tool_run classes = run_tool(NULL, "space", "nb201-classes", "--space", "darts");
    tool_run unknown = run_tool(NULL, "space", "sample", "--space", "chains");
    assert_int_equal(enumerate.status, 2);
    assert_non_null(strstr(enumerate.err, "the darts space has no index order to enumerate"));
    assert_int_equal(classes.status, 2);
    assert_non_null(strstr(classes.err, "the darts space has no such table"));
    assert_int_equal(unknown.status, 2);
    assert_non_null(strstr(unknown.err, "unknown search space \"chains\" (known: nb201, darts"));

    tool_run nb201 = run_tool(NULL, "space", "sample", "--space", "nb201", "--count", "5");
    tool_run plain = run_tool(NULL, "space", "sample", "--count", "5");
    assert_int_equal(nb201.status, 0);
    assert_string_equal(nb201.out, plain.out);
    unlink(path);
    free(path);
    tool_run *all[] = {&r, &again, &canon, &child, &enumerate, &classes, &unknown, &nb201, &plain};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tool_run_free(all[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumerate_prints_every_cell_once_in_index_order),
        cmocka_unit_test(test_canon_gives_isomorphic_cells_equal_hashes),
        cmocka_unit_test(test_canon_reports_bad_line_and_goes_on),
        cmocka_unit_test(test_canon_of_missing_file_fails),
        cmocka_unit_test(test_sample_follows_the_seeded_generator),
        cmocka_unit_test(test_mutate_changes_exactly_one_edge),
        cmocka_unit_test(test_nb201_classes_counts_the_space),
        cmocka_unit_test(test_every_subcommand_has_help),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_space_darts),
        cmocka_unit_test(test_devices_marks_the_default),
        cmocka_unit_test(test_devices_json_is_one_array),
        cmocka_unit_test(test_devices_names_what_clnas_device_selects),
        scratch_dir_unit_test(test_devices_without_platform_says_what_to_install),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
