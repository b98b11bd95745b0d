/* clnas tool — shared pieces of the subcommands: the dispatch signature and option parsing helpers. */
#ifndef CLNAS_CLI_H
#define CLNAS_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "clnas/status.h"

typedef int (*clnas_cmd_fn)(int argc, char **argv);

int cmd_devices(int argc, char **argv);
int cmd_space(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_proxy_check(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_rank_eval(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_groundtruth(int argc, char **argv);
int cmd_rank_eval_reference(int argc, char **argv); /* clnas rank-eval --reference */

/* A config that loads without the --set overrides but not with them: prints the message as a usage error of
 * command (the config file's path dropped from its front, "--set: " added unless the library names the --set) and
 * returns exit status 2. */
int cli_set_error(const char *command, const char *path, const char *message);
/* Prints "clnas: <message>" to stderr and returns exit status 1. */
int cli_fail(const clnas_error *err);
int cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "--help" or "-h". */
int cli_is_help(const char *arg);
/* A --seed value: a decimal integer from 0 to 2^64-1, digits only; prints the error and returns -1 otherwise. */
int cli_seed(const char *text, uint64_t *out);
/* --seed N at argv[*i] (cli_opt, then cli_seed): 1 when *seed was read, 0 when argv[*i] is not --seed, -1 when the
 * value is missing or bad (message printed). */
int cli_seed_opt(int argc, char **argv, int *i, uint64_t *seed);
/* The start of a command with subcommands: without one, usage to stderr and 2; for help, usage to stdout and 0;
 * -1 when argv[1] is to be looked up as a subcommand. */
int cli_subcommand_help(int argc, char **argv, const char *usage);

/* From now on Ctrl-C and SIGTERM set the returned flag (long commands poll it and stop after the step or trial
 * in progress, keeping what is written) instead of killing the process; release restores the defaults. */
volatile int *cli_catch_interrupt(void);
void cli_release_interrupt(void);
/* Whether Ctrl-C or SIGTERM came since cli_catch_interrupt: the command then exits CLI_EXIT_INTERRUPTED after writing
 * what it has. */
int cli_interrupted(void);
#define CLI_EXIT_INTERRUPTED 130

/* Option parsing: returns 1 when argv[*i] is `name` (consuming its value into *value), 0 otherwise;
 * -1 when the value is missing (message printed). */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **value);
/* Strict number parsing: the whole string must be a number within [lo, hi]; prints a message naming the option. */
int cli_int(const char *option, const char *text, long lo, long hi, int *out);
int cli_double(const char *option, const char *text, double lo, double hi, double *out);
/* A size below max: bytes, or a number followed by K, M or G (KiB, MiB, GiB: powers of 1024). 0, or -1 with a
 * message. */
int cli_bytes(const char *option, const char *text, double max, double *out);

struct cJSON;
/* Writes json and a newline to path atomically (clnas_file_write_atomic), or to stdout when path is "-"; returns 0,
 * or 1 with the message printed. */
int cli_write_json(const char *path, const struct cJSON *json);

/* --family cpu|gpu at argv[*i]: forces the kernel family (sets CLNAS_FAMILY for this process); 1 when taken, 0
 * when argv[*i] is another option, -1 on a missing or bad value (message printed). */
int cli_family_opt(int argc, char **argv, int *i);

/* --space NAME at argv[*i] (a registered search space, space/space_iface.h): 1 with *space set, 0 when argv[*i] is
 * another option, -1 on a missing or unknown name (message listing the names printed). */
struct clnas_space_iface;
int cli_space_opt(int argc, char **argv, int *i, const struct clnas_space_iface **space);

/* Network, device and data options shared by train, eval and bench. */
#include "clnas/device.h"
#include "clnas/network.h"

struct clnas_program_cache;

/* The options that shape a network's plan, shared by compile and the commands that build networks: --recompute and
 * --no-recompute (convolution outputs recomputed always or never; by default as many as the device's memory and
 * the budget need), --memory-budget SIZE (clnas_net_config.memory_budget) and --concat-copies (concatenations copy
 * their inputs, as before concat slices; to compare). cli_opt's convention: 1 with cfg set when argv[*i] is one of
 * them, 0 when not, -1 with a message when its value is bad. */
int cli_plan_option(int argc, char **argv, int *i, clnas_net_config *cfg);

struct clnas_plan;
/* Which of plan's convolution and BatchNorm outputs its backward recomputes and why (asked: the config the user gave),
 * for a summary: "" where none, else e.g. "27 of 80 convolution outputs (those of at most 144 multiply-adds per
 * element) and 45 BatchNorm outputs recomputed in the backward pass, to fit the memory budget (472.5 MiB)". */
void cli_recompute_text(const struct clnas_plan *plan, const clnas_net_config *asked, char *buf, size_t cap);

/* What a command shows of the kernels it builds (cli_common_open). */
typedef struct cli_build_view {
    int verbose;            /* --verbose: each build's log (compiler warnings) too */
    double start, last;     /* of the first build, and of the last line printed */
} cli_build_view;

typedef struct cli_common {
    clnas_net_config cfg;
    int have_arch;
    int any_space;        /* set before parsing: --arch is kept as text (arch) and read with the --space's parser by
                           * cli_common_space; else --arch is an NB201 arch, parsed at once (bench) */
    const char *arch;     /* --arch's text (any_space) */
    const struct clnas_space_iface *space; /* --space (NULL: not given, nb201) */
    int have_layers;      /* --layers given (DARTS) */
    int have_channels, have_cells; /* given on the command line (a weights file's metadata fills the others) */
    cli_build_view build;
    const char *device;   /* --device, else CLNAS_DEVICE, else the default */
    const char *data_dir; /* --data */
} cli_common;

void cli_common_init(cli_common *c);
/* Consumes argv[*i] when it is --arch, --channels, --cells, --batch, --device, --family or --data; returns 1 when it
 * did, 0 when the option is not one of them, -1 on a bad value (message printed). */
int cli_common_option(int argc, char **argv, int *i, cli_common *c);
/* --space NAME and --layers N (commands that set any_space); 1 when taken, 0 when not one of them, -1 on a bad
 * value (message printed). */
int cli_space_network_option(int argc, char **argv, int *i, cli_common *c);
/* After the options: the space (--space, else nb201) into c->cfg.space, its defaults (DARTS: 8 layers), options of
 * another space refused (--layers off DARTS), and --arch read with the space's parser into the config's genotype
 * field (codegen/net_genotype.h). 0 to go on, else the exit status (message printed as a usage error of command). */
int cli_common_space(const char *command, cli_common *c);
/* The config's genotype in its space's string form ("?" when it cannot be formatted). */
#define CLI_ARCH_MAX 1024
void cli_arch_string(const clnas_net_config *cfg, char *buf, size_t cap);
/* The head of a network command's option loop: argv[*i] is a shared option (cli_common_option: CLI_TAKEN, or
 * CLI_BAD with the message printed), --help/-h (CLI_HELP, usage(stdout) printed) or the command's own (CLI_OWN). */
typedef enum cli_step { CLI_OWN, CLI_TAKEN, CLI_HELP, CLI_BAD } cli_step;
cli_step cli_common_or_help(int argc, char **argv, int *i, cli_common *c, void (*usage)(FILE *));
/* cli_open_device with c's device, then kernel builds shown on stderr: the count, progress every few seconds, and
 * with --verbose each build log (they are always appended to the cache's build.log). */
int cli_common_open(cli_common *c, clnas_device **dev, struct clnas_program_cache **cache);
/* Opens the device and its program cache, printing the error on failure (returns 0 on success). */
int cli_open_device(const char *selector, clnas_device **dev, struct clnas_program_cache **cache);

#endif
