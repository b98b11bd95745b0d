/* clnas tool — option parsing helpers, error printing and result files shared by the subcommands. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "file_io.h"

int cli_fail(const clnas_error *err)
{
    fprintf(stderr, "clnas: %s\n", err->message[0] ? err->message : clnas_status_to_string(err->status));
    return 1;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "clnas %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'clnas %s --help')\n", command);
    va_end(ap);
    return 2;
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "clnas: option %s needs a value\n", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cli_int(const char *option, const char *text, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno == ERANGE && end != text && !*end) {
        fprintf(stderr, "clnas: %s: \"%s\" is too large; expected an integer from %ld to %ld\n", option, text, lo,
                hi);
        return -1;
    }
    if (errno || end == text || *end || v < lo || v > hi) {
        fprintf(stderr, "clnas: %s: expected an integer from %ld to %ld, got \"%s\"\n", option, lo, hi, text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cli_double(const char *option, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno == ERANGE && v != 0 && fabs(v) < DBL_MIN)
        errno = 0; /* a subnormal: representable, if not exactly */
    int range = errno == ERANGE;
    if (end != text && !*end && range && v == 0) { /* 1e-400: not 0, but no double is that small */
        fprintf(stderr, "clnas: %s: \"%s\" underflows: no double is that close to 0 (the smallest is about %g); "
                "expected a number from %g to %g\n", option, text, DBL_TRUE_MIN, lo, hi);
        return -1;
    }
    if (end != text && !*end && (range || isinf(v))) {
        fprintf(stderr, "clnas: %s: \"%s\" is too large to represent as a double (at most about %g); expected a "
                "number from %g to %g\n", option, text, DBL_MAX, lo, hi);
        return -1;
    }
    if (errno || end == text || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "clnas: %s: expected a number from %g to %g, got \"%s\"\n", option, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_bytes(const char *option, const char *text, double max, double *out)
{
    static const struct {
        const char *suffix;
        double scale;
    } units[] = {{"", 1}, {"K", 1024.0}, {"KiB", 1024.0}, {"M", 1048576.0}, {"MiB", 1048576.0},
                 {"G", 1073741824.0}, {"GiB", 1073741824.0}};
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    for (size_t u = 0; end != text && !errno && isfinite(v) && v >= 0 && u < sizeof units / sizeof units[0]; u++)
        if (strcmp(end, units[u].suffix) == 0 && v * units[u].scale < max) {
            *out = v * units[u].scale;
            return 0;
        }
    fprintf(stderr, "clnas: %s: expected a size in bytes >= 0, optionally followed by K, M or G (KiB, MiB, GiB), "
            "e.g. 512M, got \"%s\"\n", option, text);
    return -1;
}

static int write_text_line(FILE *f, void *text)
{
    return fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
}

int cli_write_json(const char *path, const struct cJSON *json)
{
    char *text = cJSON_Print(json);
    if (text && strcmp(path, "-") == 0) { /* "-": standard output */
        int ok = write_text_line(stdout, text) == 0 && fflush(stdout) == 0;
        cJSON_free(text);
        if (!ok)
            fprintf(stderr, "clnas: cannot write to standard output\n");
        return ok ? 0 : 1;
    }
    clnas_error err;
    clnas_status st = text ? clnas_file_write_atomic(path, write_text_line, text, &err)
                           : clnas_error_set(&err, CLNAS_ERR_NO_MEMORY, "%s: cannot write: out of memory", path);
    cJSON_free(text);
    return st == CLNAS_OK ? 0 : cli_fail(&err);
}

/* The one piece of mutable global state in clnas: a signal handler can reach nothing else. */
static volatile int interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* sigaction, not signal(): under strict C11 with _POSIX_C_SOURCE, glibc's signal() has System V semantics and
 * resets the handler after the first signal, so a second Ctrl-C killed the program in the middle of what the
 * first one let it finish (`clnas train`'s test pass and files). */
static void set_interrupt_handler(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

volatile int *cli_catch_interrupt(void)
{
    interrupted = 0;
    set_interrupt_handler(on_interrupt);
    return &interrupted;
}

int cli_interrupted(void)
{
    return interrupted;
}

void cli_release_interrupt(void)
{
    set_interrupt_handler(SIG_DFL);
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = isdigit((unsigned char)text[0]) ? strtoull(text, &end, 10) : 0;
    if (!isdigit((unsigned char)text[0]) || errno || *end) {
        fprintf(stderr, "clnas: --seed: expected a decimal integer from 0 to 18446744073709551615, got \"%s\"\n",
                text);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_seed_opt(int argc, char **argv, int *i, uint64_t *seed)
{
    const char *value;
    int m = cli_opt(argc, argv, i, "--seed", &value);
    if (m <= 0)
        return m;
    return cli_seed(value, seed) != 0 ? -1 : 1;
}

int cli_subcommand_help(int argc, char **argv, const char *usage)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    return -1;
}
