/* clnas tool — `clnas compile`: compiles a network and writes its kernels, plan.json and pictures to a folder. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clnas/device.h"
#include "clnas/network.h"
#include "clnas/space.h"
#include "memplan_check.h"
#include "net_genotype.h"
#include "plan.h"
#include "plan_write.h"
#include "profile_query.h"
#include "space_iface.h"

static const char compile_help[] =
    "usage: clnas compile --arch ARCH --out DIR [options]\n"
    "\n"
    "Compiles the network of ARCH, a genotype of the --space (NAS-Bench-201 by default: an arch string such as\n"
    "'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'; DARTS:\n"
    "its printed Genotype(...) or DARTS_V1, DARTS_V2, PC_DARTS, ALL_OPS; chain: docs/SPACE_CHAIN.md)\n"
    "into the OpenCL kernels of one training step and of evaluation, and writes into DIR:\n"
    "  <entry>__<n>.cl   the exact source of every distinct OpenCL program\n"
    "  plan.json         sizes, arenas, kernels, every launch with its buffer bindings, buffers, parameters\n"
    "  cell.dot          the cell (Graphviz: dot -Tsvg cell.dot > cell.svg); dashed grey edges generate nothing\n"
    "  graph.dot         the launches of one training step by phase and cell (dot -Tsvg; hover for buffers)\n"
    "  kernels.tsv       each .cl file, its kernels and the launches that run it\n"
    "No OpenCL device is needed: without --device the kernels are those of a default device of the family.\n"
    "\n"
    "options:\n"
    "  --arch ARCH         the genotype (required)\n"
    "  --space S           nb201 (default), darts or chain: the space ARCH is read in\n"
    "  --out DIR           where to write (created with its parents; required)\n"
    "  --channels C        channels of the first stage (default 16; chain: the stem's width)\n"
    "  --cells N           NB201: cells per stage (default 5)\n"
    "  --layers L          DARTS: cells in all (default 8)\n"
    "  --auxiliary         DARTS: with the auxiliary head (needs an 8-10 px map at cell 2L/3)\n"
    "  --batch B           batch size (default 256)\n"
    "  --height H          input height, a multiple of 4 (default 28)\n"
    "  --width W           input width, a multiple of 4 (default 28)\n"
    "  --in-channels K     input channels (default 1)\n"
    "  --classes K         classes (default 10)\n"
    "  --fp64              float64 elements instead of float32\n"
    "  --recompute         recompute every convolution output BatchNorm's backward reads, and the BatchNorm\n"
    "                      outputs it reads (from their saved statistics), instead of keeping them (about 85%\n"
    "                      less activation memory for one more forward convolution per edge); by default as\n"
    "                      few as make the network fit --memory-budget and --device's memory, the cheapest\n"
    "                      first: the BatchNorm outputs, then the convolutions of fewest multiply-adds per element\n"
    "  --no-recompute      never recompute them\n"
    "  --memory-budget SZ  device memory the network may take at most: bytes, or K, M, G (KiB, MiB, GiB),\n"
    "                      e.g. 512M; refused where it cannot fit (default: no budget but the device's)\n"
    "  --concat-copies     every channel concatenation copies its inputs (by default an input whose kernels can\n"
    "                      write a channel slice is computed straight into the output: DARTS' cell nodes)\n"
    "  --device D          lower for OpenCL device D (index or name substring, see 'clnas devices'): its\n"
    "                      profile (limits, vector widths, sub-group size) and family; the device is only queried\n"
    "  --family F          kernel family: cpu or gpu (default: CLNAS_FAMILY, else the device's type, else cpu)\n"
    "  --json              print one JSON object {ops, kernels, launches_per_step, programs, arena_bytes, family,\n"
    "                      recompute, recomputed, recomputed_nodes, wgrad_splits, bn_splits} instead of the summary\n"
    "                      (recompute: whether anything is recomputed in the backward pass, recomputed: how many\n"
    "                      convolution outputs, recomputed_nodes: how many BatchNorm outputs; wgrad_splits: the GPU\n"
    "                      family's weight gradients split over ranges of pixels, a split_sum launch each;\n"
    "                      bn_splits: its training BatchNorms and their backwards split over ranges of each\n"
    "                      channel, a launch of partial statistics each)\n"
    "\n"
    "exit status: 0 written, 1 the network or the files failed, 2 bad usage.\n";

typedef struct int_option {
    const char *name;
    int *value;
    long lo, hi;
} int_option;

static void print_device(const clnas_device_profile *p)
{
    printf("  kernel family     %s, for %s (%s %s%s%s)\n", clnas_family_name(p->family),
           strcmp(p->source, "device") == 0 ? "the device" : "a default device", p->type, p->name,
           p->vendor[0] ? ", " : "", p->vendor);
    printf("  device limits     %u compute units, work-group <= %zu, local memory %llu KiB, float vectors %u "
           "(native %u), sub-group %u\n", p->compute_units, p->max_work_group_size, p->local_mem_bytes / 1024,
           p->vector_width_preferred, p->vector_width_native, p->sub_group_size);
}

/* The activation arena beside the most that is live at one launch (no placement can go below it). */
static void print_activations(const clnas_plan *plan)
{
    const double mib = 1024.0 * 1024.0, es = (double)clnas_plan_elem_size(plan);
    size_t train = clnas_plan_live_peak(plan, plan->train, plan->ntrain);
    size_t eval = clnas_plan_live_peak(plan, plan->eval, plan->neval);
    printf("  activation arena  %.1f MiB (live at once at most: %.1f MiB training, %.1f MiB evaluation)\n",
           (double)plan->arena_elems[CLNAS_ARENA_ACT] * es / mib, (double)train * es / mib, (double)eval * es / mib);
}

static void print_summary(const clnas_plan *plan, const clnas_plan_stats *s, const char *arch,
                          const clnas_net_config *cfg, const char *dir)
{
    char sizes[64];
    if (cfg->space == CLNAS_NET_DARTS)
        snprintf(sizes, sizeof sizes, "darts C=%d layers %d%s", cfg->channels, cfg->layers,
                 cfg->auxiliary ? " auxiliary" : "");
    else if (cfg->space == CLNAS_NET_CHAIN)
        snprintf(sizes, sizeof sizes, "chain C=%d", cfg->channels);
    else /* NB201's line as it always was */
        snprintf(sizes, sizeof sizes, "C=%d N=%d", cfg->channels, cfg->cells);
    printf("compiled %s\n", arch);
    printf("  network           %s, input %dx%dx%d, %d classes, batch %d, %s\n", sizes,
           cfg->in_channels, cfg->height, cfg->width, cfg->classes, cfg->batch, cfg->fp64 ? "float64" : "float32");
    printf("  ops before fusion %d\n", s->ops);
    printf("  distinct kernels  %d (training and evaluation)\n", s->kernels);
    printf("  launches per step %d\n", s->launches_per_step);
    printf("  programs          %d (OpenCL programs to build)\n", s->programs);
    char recomputed[256];
    cli_recompute_text(plan, cfg, recomputed, sizeof recomputed);
    printf("  arena bytes       %zu (%.1f MiB)\n", s->arena_bytes, (double)s->arena_bytes / (1024.0 * 1024.0));
    if (recomputed[0])
        printf("  recomputation     %s\n", recomputed);
    print_activations(plan);
    if (plan->concat_slices + plan->concat_copies > 0)
        printf("  concatenations    %d inputs computed in their slice of the output, %d copied; %d launches gone\n"
               "                    backward: %d input gradients read in their slice of the output's, %d copied\n",
               plan->concat_slices, plan->concat_copies, plan->concat_removed, plan->concat_grad_slices,
               plan->concat_grad_copies);
    else if (cfg->concat_copies)
        printf("  concatenations    every input copied (--concat-copies)\n");
    if (plan->wgrad_splits > 0)
        printf("  weight gradients  %d split over ranges of pixels, a split_sum launch each (more work-groups than "
               "the tiles alone give)\n", plan->wgrad_splits);
    if (plan->bn_splits > 0)
        printf("  batchnorms        %d split over ranges of each channel, a launch of partial statistics each (more "
               "work-groups than the channels alone give)\n", plan->bn_splits);
    print_device(&plan->profile);
    printf("wrote %s/plan.json, cell.dot, graph.dot, kernels.tsv and %d .cl files\n", dir, s->programs);
}

int cmd_compile(int argc, char **argv)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    const char *arch = NULL, *out = NULL, *device = NULL;
    const clnas_space_iface *space = &clnas_space_nb201;
    int json = 0, have_cells = 0, have_layers = 0;
    cfg.layers = 8; /* DARTS' default (the search network's depth) */
    const int_option ints[] = {
        {"--channels", &cfg.channels, 1, 4096}, {"--cells", &cfg.cells, 1, 64},
        {"--batch", &cfg.batch, 1, 1 << 20},    {"--height", &cfg.height, 1, 1 << 16},
        {"--width", &cfg.width, 1, 1 << 16},    {"--in-channels", &cfg.in_channels, 1, 4096},
        {"--classes", &cfg.classes, 1, 1 << 20}, {"--layers", &cfg.layers, 1, 64},
    };
    for (int i = 1; i < argc; i++) {
        const char *value;
        int m;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(compile_help, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(argv[i], "--fp64") == 0) {
            cfg.fp64 = 1;
            continue;
        }
        if ((m = cli_plan_option(argc, argv, &i, &cfg)) != 0) {
            if (m < 0)
                return 2;
            continue;
        }
        if (strcmp(argv[i], "--auxiliary") == 0) {
            cfg.auxiliary = 1;
            continue;
        }
        if ((m = cli_space_opt(argc, argv, &i, &space)) != 0) {
            if (m < 0)
                return 2;
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--arch", &value)) != 0) {
            if (m < 0)
                return 2;
            arch = value;
            continue;
        }
        if ((m = cli_family_opt(argc, argv, &i)) != 0) {
            if (m < 0)
                return 2;
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--device", &value)) != 0) {
            if (m < 0)
                return 2;
            device = value;
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--out", &value)) != 0) {
            if (m < 0)
                return 2;
            out = value;
            continue;
        }
        int matched = 0;
        for (size_t k = 0; k < sizeof ints / sizeof ints[0] && !matched; k++) {
            if ((m = cli_opt(argc, argv, &i, ints[k].name, &value)) == 0)
                continue;
            if (m < 0 || cli_int(ints[k].name, value, ints[k].lo, ints[k].hi, ints[k].value) != 0)
                return 2;
            matched = 1;
            have_cells |= ints[k].value == &cfg.cells;
            have_layers |= ints[k].value == &cfg.layers;
        }
        if (!matched)
            return cli_usage_error("compile", "unexpected argument '%s'", argv[i]);
    }
    if (!arch)
        return cli_usage_error("compile", "missing --arch ARCH (a genotype of the --space, e.g. %s)", space->example);
    if (!out)
        return cli_usage_error("compile", "missing --out DIR (the folder to write the plan into)");
    if (have_layers && space != &clnas_space_darts)
        return cli_usage_error("compile", "--layers is DARTS' (cells in all); --space %s takes %s", space->name,
                               space == &clnas_space_nb201 ? "--cells" : "--channels only");
    if (have_cells && space != &clnas_space_nb201)
        return cli_usage_error("compile", "--cells is NB201's (cells per stage)%s",
                               space == &clnas_space_darts ? "; DARTS takes --layers (cells in all)" : "");
    if (cfg.auxiliary && space != &clnas_space_darts)
        return cli_usage_error("compile", "--auxiliary is DARTS' (a head on cell 2L/3); --space %s has none",
                               space->name);

    clnas_error err = {0};
    clnas_space_genotype g;
    if (space->parse(arch, &g, &err) != CLNAS_OK) {
        clnas_error_prefix(&err, "--arch");
        return cli_fail(&err);
    }
    if (clnas_net_config_set_genotype(&cfg, space, &g, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (clnas_net_config_check(&cfg, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_device *dev = NULL;
    if (device && clnas_device_open(device, &dev, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_plan *plan = NULL;
    clnas_plan_stats stats;
    clnas_status st = clnas_plan_compile_on(dev, &cfg, &plan, &err);
    clnas_device_free(dev);
    if (st != CLNAS_OK || clnas_plan_write_dir(plan, out, &err) != CLNAS_OK
        || clnas_plan_stats_get(plan, &stats, &err) != CLNAS_OK) {
        clnas_plan_free(plan);
        return cli_fail(&err);
    }
    if (json)
        printf("{\"ops\": %d, \"kernels\": %d, \"launches_per_step\": %d, \"programs\": %d, \"arena_bytes\": %zu, "
               "\"family\": \"%s\", \"recompute\": %s, \"recomputed\": %d, \"recomputed_nodes\": %d, "
               "\"wgrad_splits\": %d, \"bn_splits\": %d}\n",
               stats.ops, stats.kernels, stats.launches_per_step, stats.programs, stats.arena_bytes,
               clnas_family_name(plan->profile.family), plan->config.recompute ? "true" : "false",
               plan->recompute.recomputed, plan->recompute.nodes, plan->wgrad_splits, plan->bn_splits);
    else
        print_summary(plan, &stats, arch, &cfg, out);
    clnas_plan_free(plan);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "clnas: writing to standard output failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
