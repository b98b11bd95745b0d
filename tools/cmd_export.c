/* clnas tool — `clnas export`: a found network as a self-contained PyTorch module file, with its weights. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pytorch_export.h"
#include "space_iface.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas export [--space nb201|darts|chain] --arch STR [--weights FILE.safetensors] --out DIR\n"
            "                    [--channels C] [--cells N | --layers L] [--in-channels K] [--classes K]\n"
            "                    [--height H] [--width W] [--auxiliary | --no-auxiliary]\n"
            "Writes DIR/model.py, a PyTorch module in one file (plain torch and the standard library, no clnas),\n"
            "with the architecture and sizes written into it, and with --weights a byte copy of the weights as\n"
            "DIR/weights.safetensors, which model.py's load() reads with load_state_dict(strict=True).\n"
            "`python3 DIR/model.py` checks itself: the parameter count and one forward pass.\n"
            "  --space nb201   (default) --arch an NB201 arch string; --cells N cells per stage. The weights are a\n"
            "                  file of clnas train --save: their metadata gives the arch, sizes and the input\n"
            "                  normalisation (written into model.py as MEAN and STD) where options leave them out;\n"
            "                  options that differ from it are refused.\n"
            "  --space darts   --arch DARTS' printed form, Genotype(normal=[('sep_conv_3x3', 0), ...], ...), or a\n"
            "                  name: DARTS_V1, DARTS_V2, PC_DARTS, ALL_OPS; --layers L cells in all. The weights'\n"
            "                  names are DARTS' own state_dict keys (a DARTS checkpoint converted to safetensors\n"
            "                  loads); their shapes give C, the layers, the input channels, the classes and the\n"
            "                  auxiliary head where options leave them out. --auxiliary adds DARTS' auxiliary\n"
            "                  head (32-40 px images only).\n"
            "  --space chain   --arch a chain genotype (docs/SPACE_CHAIN.md), e.g. \"conv3x3-32 | sepconv5x5-64/s2 |\n"
            "                  maxpool3x3 + cat(1)\"; --channels C the stem's width. The weights' names are\n"
            "                  clnas's (layers.0.conv, layers.I.bn, classifier, ...); a file of clnas train --save\n"
            "                  records C, the input channels, the classes, the image size and the normalisation\n"
            "                  (written into model.py as MEAN and STD) where options leave them out, else the\n"
            "                  tensors' shapes give C, the input channels and the classes.\n"
            "Weights whose tensor names or shapes are not exactly the network's are refused, naming the tensor.\n"
            "Defaults without weights: NB201 C=16 N=5, DARTS C=16 and 8 layers, chain C=16; 1 input channel,\n"
            "10 classes.\n"
            "--height and --width (default: the size NB201 and chain weights were trained on, else 28x28 for 1\n"
            "channel and 32x32 for more) are the images the network is checked for (NB201: multiples of 4; DARTS:\n"
            "even at each reduction cell; chain: any), written into model.py as HEIGHT and WIDTH, and the\n"
            "self-check's batch.\n");
}

typedef struct export_args {
    clnas_export_request req;
    const clnas_space_iface *space; /* NULL: nb201 */
    int have_cells, have_layers, have_aux;
} export_args;

/* A size option at argv[*i]: 1 when taken, 0 when argv[*i] is another option, -1 on a bad value. */
static int size_option(int argc, char **argv, int *i, export_args *a)
{
    static const struct {
        const char *name;
        long hi;
    } opts[] = {{"--channels", 4096}, {"--cells", 64}, {"--layers", 200}, {"--in-channels", 64},
                {"--classes", 100000}, {"--height", 4096}, {"--width", 4096}};
    int *dest[] = {&a->req.channels, &a->req.depth, &a->req.depth, &a->req.in_channels, &a->req.classes,
                   &a->req.height, &a->req.width};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        const char *v = NULL;
        int r = cli_opt(argc, argv, i, opts[k].name, &v);
        if (r == 0)
            continue;
        if (r < 0 || cli_int(opts[k].name, v, 1, opts[k].hi, dest[k]))
            return -1;
        a->have_cells |= k == 1;
        a->have_layers |= k == 2;
        return 1;
    }
    return 0;
}

/* One option at argv[*i]: 1 when taken, 0 when unknown, -1 on a bad value (message printed). */
static int export_option(int argc, char **argv, int *i, export_args *a)
{
    int r;
    if ((r = cli_space_opt(argc, argv, i, &a->space)) != 0 ||
        (r = cli_opt(argc, argv, i, "--arch", &a->req.arch)) != 0 ||
        (r = cli_opt(argc, argv, i, "--weights", &a->req.weights)) != 0 ||
        (r = cli_opt(argc, argv, i, "--out", &a->req.out_dir)) != 0)
        return r;
    if (strcmp(argv[*i], "--auxiliary") == 0 || strcmp(argv[*i], "--no-auxiliary") == 0) {
        a->req.auxiliary = strcmp(argv[*i], "--auxiliary") == 0;
        return a->have_aux = 1;
    }
    return size_option(argc, argv, i, a);
}

/* The options that belong to the other space, and the required ones; 0 to go on, else the exit status. */
static int check_args(export_args *a)
{
    const char *space = a->space ? a->space->name : "nb201";
    if (strcmp(space, "nb201") == 0)
        a->req.space = CLNAS_EXPORT_NB201;
    else if (strcmp(space, "darts") == 0)
        a->req.space = CLNAS_EXPORT_DARTS;
    else if (strcmp(space, "chain") == 0)
        a->req.space = CLNAS_EXPORT_CHAIN;
    else
        return cli_usage_error("export", "--space %s: clnas export writes nb201, darts and chain networks, not yet %s "
                               "ones", space, space);
    int darts = a->req.space == CLNAS_EXPORT_DARTS;
    if (a->req.space == CLNAS_EXPORT_CHAIN && (a->have_cells || a->have_layers || a->have_aux))
        return cli_usage_error("export", "%s: a chain network's layers are its genotype's (--arch), and it has no "
                               "auxiliary head",
                               a->have_cells ? "--cells" : a->have_layers ? "--layers" : "--auxiliary");
    if (darts && a->have_cells)
        return cli_usage_error("export", "--cells is NB201's cells per stage: a DARTS network takes --layers");
    if (a->req.space == CLNAS_EXPORT_NB201 && (a->have_layers || a->have_aux))
        return cli_usage_error("export", "%s is for --space darts: an NB201 network takes --cells (cells per stage) "
                               "and has no auxiliary head", a->have_layers ? "--layers" : "--auxiliary");
    if (!a->req.out_dir)
        return cli_usage_error("export", "--out DIR is required (where model.py is written)");
    int nb201 = a->req.space == CLNAS_EXPORT_NB201;
    if (!a->req.arch && (!nb201 || !a->req.weights))
        return cli_usage_error("export", "--arch is required%s", nb201 ? " (or --weights that record it)" : "");
    return 0;
}

int cmd_export(int argc, char **argv)
{
    export_args a;
    memset(&a, 0, sizeof a);
    a.req.auxiliary = -1;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        int r = export_option(argc, argv, &i, &a);
        if (r < 0)
            return 2;
        if (r == 0)
            return cli_usage_error("export", "unknown option '%s'", argv[i]);
    }
    int rc = check_args(&a);
    if (rc)
        return rc;
    clnas_export_result res;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_export_pytorch(&a.req, &res, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (a.req.space == CLNAS_EXPORT_NB201)
        printf("wrote %s: NB201 %s C=%d N=%d", res.module_path, res.arch, res.channels, res.depth);
    else if (a.req.space == CLNAS_EXPORT_CHAIN)
        printf("wrote %s: chain %s C=%d, %d layers", res.module_path, res.arch, res.channels, res.depth);
    else
        printf("wrote %s: DARTS C=%d, %d layers%s", res.module_path, res.channels, res.depth,
               res.auxiliary ? ", auxiliary head" : "");
    printf(", %dx%dx%d input, %d classes, %lld parameters\n", res.in_channels, res.height, res.width, res.classes,
           res.params);
    if (res.weights_path[0])
        printf("wrote %s (a copy of %s)%s\n", res.weights_path, a.req.weights,
               res.has_norm ? "; model.py records the input normalisation as MEAN and STD" : "");
    printf("check: python3 %s\n", res.module_path);
    return 0;
}
