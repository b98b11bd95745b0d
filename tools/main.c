/* clnas — the command-line program: dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    clnas_cmd_fn fn;
    const char *help;
} commands[] = {
    {"search", cmd_search, "search architectures, resumable: rea (regularized evolution), random, reinforce, bo,\n"
                           "            hyperband, spos, darts, gdas (strategy.name in the config)"},
    {"report", cmd_report, "the best architectures of searches; --html: a page of plots and cells"},
    {"proxy-check", cmd_proxy_check, "does a training proxy rank architectures? (Kendall tau between seeds)"},
    {"groundtruth", cmd_groundtruth, "train K architectures with two seeds: the reference table for rank-eval"},
    {"rank-eval", cmd_rank_eval, "rank quality of a one-shot supernet (Kendall tau against stand-alone training)"},
    {"table", cmd_table, "generate the synthetic accuracy table for studying strategies"},
    {"simulate", cmd_simulate, "many asynchronous workers on a table, simulated: how far one master scales"},
    {"devices", cmd_devices, "list OpenCL platforms and devices"},
    {"space", cmd_space, "NAS-Bench-201 arch strings: canon, enumerate, sample"},
    {"compile", cmd_compile, "generate a network's kernels, plan.json and pictures"},
    {"train", cmd_train, "train an architecture on Fashion-MNIST (or other data) and test it"},
    {"eval", cmd_eval, "test accuracy of saved weights"},
    {"export", cmd_export, "a network (and its weights) as a self-contained PyTorch module file"},
    {"bench", cmd_bench, "measure training speed"},
    {"tune", cmd_tune, "choose the convolution kernels' variants on this device ahead of a search"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: clnas COMMAND [options]   (clnas COMMAND --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nevery command that uses a device takes --device N|SUBSTRING (or the environment variable "
               "CLNAS_DEVICE);\nkernels are cached under $CLNAS_CACHE_DIR, else $XDG_CACHE_HOME/clnas, else "
               "~/.cache/clnas.\nprogress and diagnostics go to stderr, results to stdout; a file option given \"-\" "
               "writes to stdout.\nexit status: 0 done, 1 failed, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("clnas 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "clnas: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
