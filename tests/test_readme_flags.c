/* clnas — README.md and --help agree (issue 17): every option a command's --help names appears on a README line that
 * names the command, and every environment variable the program reads is documented. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratch_dir.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define README CLNAS_TEST_DATA "/../../README.md"

/* `clnas <command> --help`'s stdout, malloc'ed. */
static char *help_of(const char *command)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' %s --help 2>/dev/null", CLNAS_TOOL_PATH, command);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n = fread(text, 1, cap - 1, p);
    text[n] = '\0';
    assert_int_equal(pclose(p), 0);
    return text;
}

/* The README lines that name `clnas <command>`, joined. */
static char *lines_naming(const char *readme, const char *command)
{
    char needle[128];
    snprintf(needle, sizeof needle, "clnas %s", command);
    char *out = calloc(strlen(readme) + 1, 1);
    assert_non_null(out);
    for (const char *p = readme; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *hit = strstr(p, needle);
        if (hit && hit < p + n)
            strncat(out, p, n + (nl != NULL));
        p += n + (nl != NULL);
    }
    return out;
}

/* Whether text holds the option as a whole word ("--seed", not "--seeds"). */
static int has_option(const char *text, const char *opt, size_t len)
{
    for (const char *p = text; (p = strstr(p, opt)) != NULL; p += len) {
        char next = p[len];
        if (!(isalnum((unsigned char)next) || next == '-'))
            return 1;
    }
    return 0;
}

static int check_command(const char *readme, const char *command)
{
    char *help = help_of(command), *lines = lines_naming(readme, command);
    int missing = 0;
    for (const char *p = help; (p = strstr(p, "--")) != NULL;) {
        const char *q = p + 2;
        while (isalnum((unsigned char)*q) || *q == '-')
            q++;
        size_t len = (size_t)(q - p);
        char opt[64];
        if (len > 2 && len < sizeof opt && isalpha((unsigned char)p[2]) && strncmp(p, "--help", 6) != 0) {
            memcpy(opt, p, len);
            opt[len] = '\0';
            if (!has_option(lines, opt, len)) {
                printf("README: `clnas %s` lacks %s (its --help names it)\n", command, opt);
                missing++;
            }
        }
        p = q;
    }
    free(help);
    free(lines);
    return missing;
}

static void test_readme_has_every_flag(void **state)
{
    (void)state;
    char *readme = test_read_file(README, NULL);
    assert_non_null(readme);
    const char *commands[] = {"search", "report", "proxy-check", "groundtruth", "rank-eval", "table generate", "devices", "space",
                              "compile", "train", "eval", "export", "bench train", "bench device", "tune"};
    int missing = 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        missing += check_command(readme, commands[i]);
    const char *env[] = {"CLNAS_DEVICE",   "CLNAS_CACHE_DIR",   "CLNAS_ALGO",    "XDG_CACHE_HOME",
                         "CLNAS_TUNE",     "CLNAS_TUNE_BUDGET", "CLNAS_TUNE_MAX"};
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        if (!strstr(readme, env[i])) {
            printf("README: the environment variable %s is not documented\n", env[i]);
            missing++;
        }
    free(readme);
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_has_every_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
