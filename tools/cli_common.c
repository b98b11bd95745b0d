/* clnas tool — options every network command shares (--arch, --channels, --cells, --batch, --device, --data)
 * and opening the device with its program cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/data.h"
#include "cli.h"
#include "clock.h"
#include "context_internal.h"
#include "program_cache.h"
#include "device_profile.h"
#include "net_genotype.h"
#include "plan.h"
#include "space_iface.h"

int cli_family_opt(int argc, char **argv, int *i)
{
    const char *v = NULL;
    int r = cli_opt(argc, argv, i, "--family", &v);
    if (r <= 0)
        return r;
    clnas_error err;
    clnas_family family;
    if (clnas_family_parse(v, "--family", &family, &err) != CLNAS_OK) {
        fprintf(stderr, "clnas: %s\n", err.message);
        return -1;
    }
    /* the library reads the forced family from CLNAS_FAMILY wherever it compiles for a device (searches open
     * their own), so the flag is that variable for this process */
    if (setenv("CLNAS_FAMILY", clnas_family_name(family), 1) != 0) {
        fprintf(stderr, "clnas: --family: cannot set CLNAS_FAMILY\n");
        return -1;
    }
    return 1;
}

int cli_plan_option(int argc, char **argv, int *i, clnas_net_config *cfg)
{
    const char *arg = argv[*i], *v;
    int r;
    if ((r = cli_opt(argc, argv, i, "--memory-budget", &v)) != 0)
        return r < 0 || cli_bytes("--memory-budget", v, CLNAS_MEMORY_BUDGET_MAX, &cfg->memory_budget) ? -1 : 1;
    if (strcmp(arg, "--recompute") == 0 || strcmp(arg, "--no-recompute") == 0) {
        /* less activation memory for more convolution work, always or never (clnas_net_config) */
        cfg->recompute = strcmp(arg, "--recompute") == 0;
        return 1;
    }
    if (strcmp(arg, "--concat-copies") == 0) {
        cfg->concat_copies = 1;
        return 1;
    }
    return 0;
}

void cli_recompute_text(const clnas_plan *plan, const clnas_net_config *asked, char *buf, size_t cap)
{
    const clnas_recompute_stats *r = &plan->recompute;
    char why[128];
    if (asked->recompute == 1)
        snprintf(why, sizeof why, "as --recompute asks");
    else if (plan->recompute_for_budget)
        snprintf(why, sizeof why, "to fit the memory budget (%.1f MiB)%s", asked->memory_budget / 1048576.0,
                 plan->recompute_for_fits ? " and the device's memory" : "");
    else
        snprintf(why, sizeof why, "to fit the device's memory");
    char nodes[64] = "";
    if (r->nodes > 0)
        snprintf(nodes, sizeof nodes, "%s%d BatchNorm outputs", r->recomputed ? " and " : "", r->nodes);
    if (r->recomputed == 0 && r->nodes == 0)
        buf[0] = 0;
    else if (r->recomputed == 0)
        snprintf(buf, cap, "%s recomputed in the backward pass (from their saved statistics), %s", nodes, why);
    else if (r->recomputed == r->candidates)
        snprintf(buf, cap, "every convolution output BatchNorm reads (%d)%s recomputed in the backward pass, %s",
                 r->recomputed, nodes, why);
    else
        snprintf(buf, cap, "%d of %d convolution outputs (the cheapest: at most %d multiply-adds per element)%s "
                 "recomputed in the backward pass, %s", r->recomputed, r->candidates, r->macs_max, nodes, why);
}

void cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof *c);
    clnas_net_config_default(&c->cfg);
    c->data_dir = CLNAS_DEFAULT_DATA_DIR;
}

int cli_common_option(int argc, char **argv, int *i, cli_common *c)
{
    const char *v = NULL;
    int r;
    if ((r = cli_opt(argc, argv, i, "--arch", &v)) != 0) {
        if (r < 0)
            return -1;
        if (c->any_space) { /* read once the space is known (cli_common_space) */
            c->arch = v;
            c->have_arch = 1;
            return 1;
        }
        clnas_error err;
        if (clnas_genotype_parse(v, &c->cfg.genotype, &err) != CLNAS_OK) {
            fprintf(stderr, "clnas: --arch: %s\n", err.message);
            return -1;
        }
        c->have_arch = 1;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--channels", &v)) != 0)
        return r < 0 || cli_int("--channels", v, 1, 4096, &c->cfg.channels) ? -1 : (c->have_channels = 1);
    if ((r = cli_opt(argc, argv, i, "--cells", &v)) != 0)
        return r < 0 || cli_int("--cells", v, 1, 64, &c->cfg.cells) ? -1 : (c->have_cells = 1);
    if ((r = cli_opt(argc, argv, i, "--batch", &v)) != 0)
        return r < 0 || cli_int("--batch", v, 2, 65536, &c->cfg.batch) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--device", &v)) != 0) {
        c->device = v;
        return r < 0 ? -1 : 1;
    }
    if ((r = cli_family_opt(argc, argv, i)) != 0)
        return r;
    if ((r = cli_plan_option(argc, argv, i, &c->cfg)) != 0)
        return r;
    if (strcmp(argv[*i], "--verbose") == 0) {
        c->build.verbose = 1;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--data", &v)) != 0) {
        c->data_dir = v;
        return r < 0 ? -1 : 1;
    }
    return 0;
}

int cli_space_network_option(int argc, char **argv, int *i, cli_common *c)
{
    const char *v = NULL;
    int r = cli_space_opt(argc, argv, i, &c->space);
    if (r != 0)
        return r;
    if ((r = cli_opt(argc, argv, i, "--layers", &v)) != 0)
        return r < 0 || cli_int("--layers", v, 1, 64, &c->cfg.layers) ? -1 : (c->have_layers = 1);
    return 0;
}

int cli_common_space(const char *command, cli_common *c)
{
    const clnas_space_iface *space = c->space ? c->space : &clnas_space_nb201;
    clnas_error err;
    clnas_error_clear(&err);
    if (space != &clnas_space_darts && c->have_layers)
        return cli_usage_error(command, "--layers is DARTS' (cells in all); --space %s takes %s", space->name,
                               space == &clnas_space_nb201 ? "--cells (cells per stage)" : "--channels only");
    if (space == &clnas_space_darts && c->have_cells)
        return cli_usage_error(command, "--cells is NB201's (cells per stage); DARTS takes --layers (cells in all)");
    if (space == &clnas_space_darts && !c->have_layers)
        c->cfg.layers = 8; /* DARTS' CIFAR network has 20; 8 is its search network's depth and trains in minutes */
    if (space == &clnas_space_chain && c->have_cells)
        return cli_usage_error(command, "--cells is NB201's; a chain genotype names its layers");
    c->cfg.space = space == &clnas_space_darts ? CLNAS_NET_DARTS
                   : space == &clnas_space_chain ? CLNAS_NET_CHAIN : CLNAS_NET_NB201;
    if (!c->arch)
        return 0;
    clnas_space_genotype g;
    if (space->parse(c->arch, &g, &err) != CLNAS_OK) {
        fprintf(stderr, "clnas %s: --arch (%s): %s\n(see 'clnas %s --help')\n", command, space->name, err.message,
                command);
        return 2;
    }
    if (clnas_net_config_set_genotype(&c->cfg, space, &g, &err) != CLNAS_OK)
        return cli_fail(&err);
    return 0;
}

void cli_arch_string(const clnas_net_config *cfg, char *buf, size_t cap)
{
    const clnas_space_iface *space = NULL;
    clnas_space_genotype g;
    clnas_error err;
    if (clnas_net_config_genotype(cfg, &space, &g, &err) != CLNAS_OK || space->format(&g, buf, cap, &err) != CLNAS_OK)
        snprintf(buf, cap, "?");
}

cli_step cli_common_or_help(int argc, char **argv, int *i, cli_common *c, void (*usage)(FILE *))
{
    int r = cli_common_option(argc, argv, i, c);
    if (r != 0)
        return r < 0 ? CLI_BAD : CLI_TAKEN;
    if (!cli_is_help(argv[*i]))
        return CLI_OWN;
    usage(stdout);
    return CLI_HELP;
}

static void show_build(const clnas_program_build_event *e, void *user)
{
    cli_build_view *v = user;
    if (e->done < 0) { /* compilation outside the cache (CLBlast) */
        fprintf(stderr, "clnas: %s\n", e->label);
        return;
    }
    double now = clnas_clock_seconds();
    if (e->done <= 1 && v->start == 0)
        v->start = v->last = now - e->seconds;
    if (e->done == 0) {
        fprintf(stderr, "clnas: building %d kernels (once per device and driver; later runs load them from the "
                "cache)\n", e->total);
        return;
    }
    if (v->verbose && e->log[0])
        fprintf(stderr, "clnas: build log of kernel %s:\n%s\n", e->label, e->log);
    int last = e->total > 1 && e->done == e->total;
    if (now - v->last >= 2 || last) { /* a line every 2 s at most while building, and one at the end */
        if (e->total > 0)
            fprintf(stderr, "clnas: building kernels: %d/%d (%.0f s)%s\n", e->done, e->total, now - v->start,
                    last ? ", done" : "");
        else
            fprintf(stderr, "clnas: building kernels: %d built (%.0f s)\n", e->done, now - v->start);
        v->last = now;
    }
}

int cli_common_open(cli_common *c, clnas_device **dev, struct clnas_program_cache **cache)
{
    if (cli_open_device(c->device, dev, cache))
        return 1;
    clnas_program_cache_set_observer(*cache, show_build, &c->build);
    return 0;
}

int cli_open_device(const char *selector, clnas_device **dev, struct clnas_program_cache **cache)
{
    clnas_error err;
    clnas_error_clear(&err);
    return clnas_context_open_device(selector, NULL, dev, cache, &err) != CLNAS_OK ? cli_fail(&err) : 0;
}

int cli_set_error(const char *command, const char *path, const char *message)
{
    size_t n = path ? strlen(path) : 0;
    if (n && strncmp(message, path, n) == 0 && message[n] == ':' && message[n + 1] == ' ')
        message += n + 2;
    fprintf(stderr, "clnas %s: %s%s\n(see 'clnas %s --help')\n", command, strncmp(message, "--set ", 6) ? "--set: " : "",
            message, command);
    return 2;
}
