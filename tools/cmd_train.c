/* clnas tool — `clnas train`: trains an architecture with the NB201 recipe, shows progress, tests it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_stdout.h"
#include "clnas/data.h"
#include "clnas/model.h"
#include "model_build.h"
#include "clnas/train.h"
#include "file_io.h"
#include "program_cache.h"
#include "run_dir.h"
#include "space_iface.h"
#include "text_input.h"
#include "weights_cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas train --arch STR [options]\n"
            "Trains a network of a search space (NAS-Bench-201 by default) with the NB201 recipe (SGD, Nesterov\n"
            "momentum 0.9, weight decay 5e-4, per-step cosine learning rate, PyTorch's default initialisation) or\n"
            "DARTS' (--recipe darts), then reports test accuracy.\n\n"
            "  --space S           nb201 (default), darts or chain: the space --arch is read in (see 'clnas space')\n"
            "  --from DIR          train the best architecture of the search in DIR (DIR/best.json; its \"space\")\n"
            "  --arch STR          the space's genotype string. NB201: e.g. '|nor_conv_3x3~0|+|nor_conv_3x3~0|"
            "nor_conv_3x3~1|+\n"
            "                      |skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'; DARTS: its printed Genotype(...)\n"
            "                      or a name (DARTS_V1, DARTS_V2, PC_DARTS, ALL_OPS); chain: see docs/SPACE_CHAIN.md\n"
            "  --channels C        channels of the first stage (default 16; chain: the stem's width)\n"
            "  --cells N           NB201: cells per stage (default 5; NB201's full size is C=16 N=5)\n"
            "  --layers L          DARTS: cells in all, reductions at L/3 and 2L/3 (default 8, DARTS' search depth;\n"
            "                      its CIFAR network has 20)\n"
            "  --epochs E          epochs (default 1)\n"
            "  --steps S           train exactly S steps instead of whole epochs\n"
            "  --batch B           batch size (default 256; a short last batch of an epoch is skipped)\n"
            "  --lr LR             peak learning rate of the cosine schedule (default 0.1)\n"
            "  --lr-schedule K     step: the cosine over the steps (default); epoch: over the epochs, the rate held\n"
            "                      for an epoch (DARTS' CosineAnnealingLR)\n"
            "  --momentum M        SGD momentum (default 0.9)\n"
            "  --weight-decay W    weight decay (default 5e-4)\n"
            "  --nesterov, --no-nesterov  Nesterov momentum on (default) or off\n"
            "  --grad-clip G       clip the gradients' global L2 norm at G before each update (default 0: off)\n"
            "  --drop-path P       DARTS: drop-path probability, ramped per epoch as DARTS does (P * epoch / epochs)\n"
            "  --auxiliary         DARTS: the auxiliary head on cell 2L/3 in training (its maps must be 8-10 px:\n"
            "                      32-40 px images; refused on Fashion-MNIST's 28 px)\n"
            "  --auxiliary-weight W  DARTS: the auxiliary loss's weight (default 0.4, DARTS' own)\n"
            "  --augment LIST      training batches only: crop (random crop, 4 black pixels of padding), flip\n"
            "                      (horizontal, p 1/2), both as 'crop,flip', or none (default)\n"
            "  --cutout N          training batches only: DARTS' cutout, one N x N square zeroed (default 0: off)\n"
            "  --recipe R          nb201 (the defaults above) or darts: batch 96, lr 0.025 with the cosine per epoch,\n"
            "                      momentum 0.9, no Nesterov, weight decay 3e-4, grad clip 5, drop-path 0.2 (darts\n"
            "                      space only), cutout 16, crop,flip; options given as well override it\n"
            "  --seed S            initialisation, shuffling and augmentation seed (default 0)\n"
            "  --val N             hold out N training images as a validation split and report its accuracy\n"
            "  --train-subset N    train on the first N training images (after the hold-out)\n"
            "  --data DIR          Fashion-MNIST/MNIST IDX or CIFAR-10 binary directory\n"
            "                      (default /usr/share/datasets/fashion-mnist)\n"
            "  --mean M --std S    input normalisation (x/255 - M)/S for every channel (default: with --init, the\n"
            "                      file's; else the training set's per-channel statistics, cached; Fashion-MNIST's\n"
            "                      own files get its published 0.2860 and 0.3530)\n"
            "  --device D          OpenCL device index or name substring (default: CLNAS_DEVICE, else the first GPU,\n"
            "                      else the first device; see 'clnas devices')\n"
            "  --family F          kernel family: cpu or gpu (default: CLNAS_FAMILY, else the device's type)\n"
            "  --recompute         recompute convolution and BatchNorm outputs in the backward pass: ~85%% less\n"
            "                      activation memory for more work (default: as few as make the network fit the\n"
            "                      device's memory and --memory-budget, the cheapest first); --no-recompute: never\n"
            "  --memory-budget SZ  device memory the network may take at most: bytes, or K, M, G (KiB, MiB, GiB),\n"
            "                      e.g. 512M; refused where it cannot fit (default: no budget but the device's)\n"
            "  --concat-copies     copy every concatenation's inputs, as before concat slices (to compare)\n"
            "  --init FILE         start from weights (safetensors with the PyTorch module's names); a file saved by\n"
            "                      clnas names its network: --space, --arch, --channels, --cells, --layers may be\n"
            "                      left out\n"
            "  --ignore-metadata   load --init weights whose metadata names another network (they must still fit)\n"
            "  --save FILE         write the trained weights (safetensors, BatchNorm running statistics included;\n"
            "                      the metadata records the network, input shape and normalisation; '-': stdout,\n"
            "                      unless it is a terminal)\n"
            "  --result FILE       write a JSON summary ('-': stdout) (space, arch, channels, cells or layers,\n"
            "                      epochs, steps, the recipe, params, test_accuracy, train_images_per_second, ...)\n"
            "  --quiet             no progress lines\n"
            "  --verbose           show each kernel build's compiler log (always kept in <cache dir>/build.log)\n"
            "DARTS-only options (--layers, --drop-path, --auxiliary) with another space are refused.\n"
            "Ctrl-C stops training after the current step; the test and the files are still written, then it exits\n"
            "with status 130.\n");
}

static void print_progress(const clnas_train_progress *p, void *user)
{
    (void)user;
    int left = (int)p->seconds_left;
    if (p->step == 1 && p->images_per_second == 0) { /* no rate yet: the first step also compiles in the driver */
        fprintf(stderr, "step %6d/%d  loss %.4f  (first step %.1f s: the driver compiles kernels on first use)\n",
                p->step, p->steps, p->loss, p->seconds);
        return;
    }
    fprintf(stderr, "step %6d/%d  epoch %d/%d  loss %.4f  train acc %.4f  lr %.4f  %7.1f img/s  %dm%02ds left\n",
            p->step, p->steps, p->epoch + 1, p->epochs, p->loss, p->train_accuracy, p->lr, p->images_per_second,
            left / 60, left % 60);
}

static void print_testing(int images, int total, double seconds, void *user)
{
    (void)user;
    fprintf(stderr, "testing: %d/%d images (%.0f s)\n", images, total, seconds);
}

/* The space and architecture of DIR/best.json (written by clnas search; clnas_run_best_read_space checks the arch
 * with its space's parser); the text into arch for cli_common_space. */
static int read_best_arch(const char *dir, cli_common *c, char *arch, size_t cap)
{
    const clnas_space_iface *space = NULL;
    clnas_space_genotype g;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_run_best_read_space(dir, &space, &g, arch, cap, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (c->space && c->space != space)
        return cli_usage_error("train", "%s/best.json is a search of the %s space, not of --space %s: drop --space",
                               dir, space->name, c->space->name);
    c->space = space;
    c->arch = arch;
    c->have_arch = 1;
    fprintf(stderr, "clnas: retraining the best architecture (%s) of %s: %s\n", space->name, dir, arch);
    return 0;
}

/* Everything `clnas train` takes from the command line. */
typedef struct train_args {
    cli_common c;
    clnas_train_options opt;
    int val, subset, quiet, seed, ignore_metadata;
    int have_drop_path, darts_recipe;
    cli_norm norm;
    clnas_weights_info init_info;
    const char *init, *save, *result_path, *from;
    char from_arch[CLI_ARCH_MAX];
} train_args;

/* DARTS' train.py (cnn/): batch 96, lr 0.025 cosine per epoch, momentum 0.9, weight decay 3e-4, no Nesterov, grad
 * clip 5, drop-path 0.2, cutout 16, random crop (padding 4) and flip; auxiliary off as its flag's default. */
static void apply_darts_recipe(train_args *a)
{
    a->darts_recipe = 1;
    a->c.cfg.batch = 96;
    a->opt.lr = 0.025;
    a->opt.lr_per_epoch = 1;
    a->c.cfg.sgd_momentum = 0.9;
    a->c.cfg.weight_decay = 3e-4;
    a->c.cfg.nesterov = 0;
    a->c.cfg.grad_clip = 5;
    a->opt.drop_path = 0.2; /* kept for the darts space only (resolve_recipe) */
    a->opt.augment = (clnas_augment){.crop_padding = 4, .flip = 1, .cutout = 16};
}

/* --recipe NAME anywhere on the command line: its values are set first, so the options given override them. */
static int prescan_recipe(int argc, char **argv, train_args *a)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--recipe") != 0)
            continue;
        if (strcmp(argv[i + 1], "darts") == 0)
            apply_darts_recipe(a);
        else if (strcmp(argv[i + 1], "nb201") != 0)
            return cli_usage_error("train", "--recipe '%s': expected nb201 or darts", argv[i + 1]);
        i++;
    }
    return 0;
}

/* --augment crop,flip | crop | flip | none. */
static int parse_augment(const char *v, clnas_augment *aug)
{
    aug->crop_padding = 0;
    aug->flip = 0;
    if (strcmp(v, "none") == 0)
        return 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "crop") == 0)
            aug->crop_padding = 4;
        else if (strcmp(t, "flip") == 0)
            aug->flip = 1;
        else {
            fprintf(stderr, "clnas: --augment '%s': expected crop, flip, crop,flip or none ('%s' is neither)\n", v, t);
            return -1;
        }
    }
    return 0;
}

/* One option of train's own at argv[*i]: 1 when taken, 0 when unknown, -1 on a bad value (message printed). */
static int train_option(int argc, char **argv, int *i, train_args *a)
{
    const char *v;
    int r;
    if (strcmp(argv[*i], "--quiet") == 0)
        return a->quiet = 1;
    if (strcmp(argv[*i], "--ignore-metadata") == 0)
        return a->ignore_metadata = 1;
    if ((r = cli_opt(argc, argv, i, "--epochs", &v)) != 0)
        return r < 0 || cli_int("--epochs", v, 1, 100000, &a->opt.epochs) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--steps", &v)) != 0)
        return r < 0 || cli_int("--steps", v, 1, 100000000, &a->opt.steps) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--lr", &v)) != 0)
        return r < 0 || cli_double("--lr", v, 0, 100, &a->opt.lr) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--seed", &v)) != 0)
        return r < 0 || cli_int("--seed", v, 0, 2147483647, &a->seed) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--val", &v)) != 0)
        return r < 0 || cli_int("--val", v, 0, 100000000, &a->val) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--train-subset", &v)) != 0)
        return r < 0 || cli_int("--train-subset", v, 1, 100000000, &a->subset) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--mean", &v)) != 0)
        return r < 0 || cli_double("--mean", v, -1e3, 1e3, &a->norm.mean) ? -1 : (a->norm.have_mean = 1);
    if ((r = cli_opt(argc, argv, i, "--std", &v)) != 0)
        return r < 0 || cli_double("--std", v, 1e-6, 1e3, &a->norm.std) ? -1 : (a->norm.have_std = 1);
    if ((r = cli_space_network_option(argc, argv, i, &a->c)) != 0)
        return r;
    if (strcmp(argv[*i], "--nesterov") == 0 || strcmp(argv[*i], "--no-nesterov") == 0)
        return a->c.cfg.nesterov = argv[*i][2] == 'n' && argv[*i][3] == 'e', 1;
    if (strcmp(argv[*i], "--auxiliary") == 0)
        return a->c.cfg.auxiliary = 1;
    if ((r = cli_opt(argc, argv, i, "--auxiliary-weight", &v)) != 0)
        return r < 0 || cli_double("--auxiliary-weight", v, 1e-6, 1e6, &a->c.cfg.auxiliary_weight) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--recipe", &v)) != 0)
        return r; /* applied by prescan_recipe */
    if ((r = cli_opt(argc, argv, i, "--momentum", &v)) != 0)
        return r < 0 || cli_double("--momentum", v, 0, 1, &a->c.cfg.sgd_momentum) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--weight-decay", &v)) != 0)
        return r < 0 || cli_double("--weight-decay", v, 0, 1, &a->c.cfg.weight_decay) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--grad-clip", &v)) != 0)
        return r < 0 || cli_double("--grad-clip", v, 0, 1e9, &a->c.cfg.grad_clip) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--drop-path", &v)) != 0)
        return r < 0 || cli_double("--drop-path", v, 0, 0.99, &a->opt.drop_path) ? -1 : (a->have_drop_path = 1);
    if ((r = cli_opt(argc, argv, i, "--cutout", &v)) != 0)
        return r < 0 || cli_int("--cutout", v, 0, 4096, &a->opt.augment.cutout) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--augment", &v)) != 0)
        return r < 0 || parse_augment(v, &a->opt.augment) ? -1 : 1;
    if ((r = cli_opt(argc, argv, i, "--lr-schedule", &v)) != 0) {
        if (r < 0)
            return -1;
        if (strcmp(v, "step") != 0 && strcmp(v, "epoch") != 0) {
            fprintf(stderr, "clnas: --lr-schedule '%s': expected step or epoch\n", v);
            return -1;
        }
        return a->opt.lr_per_epoch = strcmp(v, "epoch") == 0, 1;
    }
    if ((r = cli_opt(argc, argv, i, "--from", &a->from)) != 0 || (r = cli_opt(argc, argv, i, "--init", &a->init)) != 0
        || (r = cli_opt(argc, argv, i, "--save", &a->save)) != 0
        || (r = cli_opt(argc, argv, i, "--result", &a->result_path)) != 0)
        return r;
    return 0;
}

/* The options of one space against the space: DARTS' own refused elsewhere, the recipe's drop-path kept for DARTS
 * only; the network compiled for drop-path when it ramps. -1 to go on, else the exit status. */
static int resolve_recipe(train_args *a)
{
    clnas_net_config *cfg = &a->c.cfg;
    if (cfg->space != CLNAS_NET_DARTS) {
        const char *name = cfg->space == CLNAS_NET_CHAIN ? "chain" : "nb201";
        if (a->have_drop_path && a->opt.drop_path > 0)
            return cli_usage_error("train", "--drop-path is DARTS' (its cells' paths); the %s space has none", name);
        if (cfg->auxiliary)
            return cli_usage_error("train", "--auxiliary is DARTS' (a head on cell 2L/3); the %s space has none", name);
        if (a->darts_recipe && a->opt.drop_path > 0)
            fprintf(stderr, "clnas: --recipe darts on the %s space: no drop-path (DARTS' cells only)\n", name);
        a->opt.drop_path = 0;
    }
    cfg->drop_path = a->opt.drop_path; /* the masks exist only in a network compiled with drop-path */
    return -1;
}

/* Parses the command line and resolves --from; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    cli_common_init(&a->c);
    a->c.any_space = 1;
    clnas_train_options_default(&a->opt);
    if (prescan_recipe(argc, argv, a))
        return 2;
    for (int i = 1; i < argc; i++) {
        cli_step step = cli_common_or_help(argc, argv, &i, &a->c, usage);
        if (step == CLI_HELP || step == CLI_BAD)
            return step == CLI_HELP ? 0 : 2;
        if (step == CLI_TAKEN)
            continue;
        int r = train_option(argc, argv, &i, a);
        if (r < 0)
            return 2;
        if (r == 0)
            return cli_usage_error("train", "unknown option '%s'", argv[i]);
    }
    if (a->from && a->c.have_arch)
        return cli_usage_error("train", "--from DIR names the architecture: drop --arch");
    int rc;
    if (a->from && (rc = read_best_arch(a->from, &a->c, a->from_arch, sizeof a->from_arch)) != 0)
        return rc;
    if (a->init) { /* the network the weights were saved for, where the options leave it out */
        if ((rc = cli_weights_network("train", a->init, a->ignore_metadata, &a->c, &a->init_info)) >= 0)
            return rc;
    } else if (!a->c.have_arch) {
        return cli_usage_error("train", "--arch (or --from DIR, or --init FILE saved by clnas) is required");
    } else if ((rc = cli_common_space("train", &a->c)) != 0) {
        return rc;
    }
    return resolve_recipe(a);
}

/* The splits of the data directory: the training set (after the hold-out, maybe cut), validation and test. */
typedef struct train_data {
    clnas_dataset full, train, valset, test, sub;
    const clnas_dataset *train_data; /* train, or sub with --train-subset */
} train_data;

static void train_data_free(train_data *d)
{
    clnas_dataset_free(&d->full);
    clnas_dataset_free(&d->train);
    clnas_dataset_free(&d->valset);
    clnas_dataset_free(&d->test);
    clnas_dataset_free(&d->sub);
}

/* Loads the splits, sets the normalisation and the network's input shape from them. */
static clnas_status load_data(train_args *a, train_data *d, clnas_error *err)
{
    memset(d, 0, sizeof *d);
    if (clnas_dataset_load_dir(a->c.data_dir, CLNAS_SPLIT_TRAIN, &d->full, err) != CLNAS_OK ||
        clnas_dataset_load_dir(a->c.data_dir, CLNAS_SPLIT_TEST, &d->test, err) != CLNAS_OK ||
        clnas_dataset_split(&d->full, a->val, (uint64_t)a->seed, &d->train, &d->valset, err) != CLNAS_OK)
        return err->status;
    d->train_data = &d->train;
    if (a->subset && a->subset < d->train.count) {
        if (clnas_dataset_head(&d->train, a->subset, &d->sub, err) != CLNAS_OK)
            return err->status;
        d->train_data = &d->sub;
    }
    clnas_train_options *opt = &a->opt;
    /* statistics of the whole training split (before the hold-out), as eval computes them for a file without any */
    if ((a->init && cli_weights_input(a->init, &a->init_info, &d->full)) ||
        cli_norm_choose(&a->norm, a->init ? &a->init_info : NULL, a->init, a->c.data_dir, &d->full, NULL,
                        d->full.channels, opt->mean, opt->std))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s", ""); /* message printed */
    a->c.cfg.in_channels = d->train.channels;
    a->c.cfg.height = d->train.height;
    a->c.cfg.width = d->train.width;
    if (!a->init_info.classes)
        a->c.cfg.classes = d->train.classes > 10 ? d->train.classes : 10;
    opt->seed = (uint64_t)a->seed;
    /* sizes the space's network cannot take (a DARTS reduction of an odd map, the auxiliary head off 8-10 px) are
     * refused before the kernels */
    return clnas_net_config_check(&a->c.cfg, err);
}

/* A batch the training data cannot fill is refused before the kernels are built (clnas_train would, after). */
static clnas_status check_batch(const train_args *a, const train_data *d, clnas_error *err)
{
    if (d->train_data->count >= a->c.cfg.batch)
        return CLNAS_OK;
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "--batch %d is larger than the %d training images%s: use "
                           "--batch %d or less", a->c.cfg.batch, d->train_data->count,
                           d->train_data == &d->sub ? " (--train-subset)" : "", d->train_data->count);
}

/* What a finished run measured. */
typedef struct train_outcome {
    char arch[CLI_ARCH_MAX];
    clnas_train_result res;
    double test_acc, test_loss, val_acc, val_loss;
} train_outcome;

/* Builds the model, trains it, evaluates it on validation and test, saves the weights. */
static clnas_status train_and_test(const train_args *a, const train_data *d, clnas_device *dev,
                                   struct clnas_program_cache *cache, clnas_model **model, train_outcome *o,
                                   clnas_error *err)
{
    clnas_train_options opt = a->opt;
    if (clnas_model_build(dev, cache, &a->c.cfg, model, err) != CLNAS_OK ||
        (a->init ? clnas_model_load_flags(*model, a->init, a->ignore_metadata ? CLNAS_LOAD_IGNORE_METADATA : 0, err)
                 : clnas_model_init(*model, (uint64_t)a->seed, err)) != CLNAS_OK)
        return err->status;
    /* From "kernels ready" on, Ctrl-C stops training after the step in progress; the handler stays until the program
     * exits, so a Ctrl-C during the test pass lets the test finish instead of losing
     * a finished training's weights and result. */
    opt.stop = cli_catch_interrupt();
    clnas_program_cache_stats cs;
    clnas_program_cache_stats_get(cache, &cs);
    fprintf(stderr, "clnas: %ld parameters; kernels ready (%d built, %d from disk, %.1f s)\n",
            clnas_model_param_count(*model), cs.builds, cs.disk_hits, cs.build_seconds);
    char recomputed[256];
    cli_recompute_text(clnas_model_plan(*model), &a->c.cfg, recomputed, sizeof recomputed);
    if (recomputed[0] && a->c.cfg.recompute == CLNAS_RECOMPUTE_AUTO)
        fprintf(stderr, "clnas: %s on %s (less memory, more work; --no-recompute refuses)\n", recomputed,
                dev->info.name);
    if (!a->quiet)
        opt.progress = print_progress;
    clnas_status st = clnas_train(*model, d->train_data, &opt, &o->res, err);
    if (st != CLNAS_OK)
        return st;
    if (o->res.stopped)
        fprintf(stderr, "clnas: stopped after %d steps (Ctrl-C)\n", o->res.steps);
    if (d->valset.count > 0 &&
        clnas_evaluate(*model, &d->valset, opt.mean, opt.std, &o->val_acc, &o->val_loss, err) != CLNAS_OK)
        return err->status;
    if (clnas_evaluate_report(*model, &d->test, opt.mean, opt.std, a->quiet ? NULL : print_testing, 10, NULL,
                              &o->test_acc, &o->test_loss, err) != CLNAS_OK)
        return err->status;
    if (a->save && clnas_model_save_with_norm(*model, a->save, opt.mean, opt.std, err) != CLNAS_OK)
        return err->status;
    return CLNAS_OK;
}

/* The results, on stdout (stderr when stdout carries the weights: --save -). */
static void print_outcome(FILE *f, const train_data *d, const train_outcome *o)
{
    fprintf(f, "arch %s\n", o->arch);
    fprintf(f, "steps %d  train loss %.4f  train acc %.4f  %.1f images/s  %.1f s\n", o->res.steps, o->res.final_loss,
            o->res.train_accuracy, o->res.train_images_per_second, o->res.seconds);
    if (d->valset.count > 0)
        fprintf(f, "validation accuracy %.4f (%d images)\n", o->val_acc, d->valset.count);
    fprintf(f, "test accuracy %.4f (%d images)  test loss %.4f\n", o->test_acc, d->test.count, o->test_loss);
}

static const char *space_name(const clnas_net_config *cfg)
{
    return cfg->space == CLNAS_NET_DARTS ? "darts" : cfg->space == CLNAS_NET_CHAIN ? "chain" : "nb201";
}

/* The --result summary. */
static int write_result(const train_args *a, const train_data *d, const train_outcome *o, const clnas_model *model,
                        const char *device_name)
{
    const clnas_train_result *res = &o->res;
    const clnas_net_config *cfg = &a->c.cfg;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "space", space_name(cfg));
    cJSON_AddStringToObject(j, "arch", o->arch);
    cJSON_AddNumberToObject(j, "channels", cfg->channels);
    if (cfg->space == CLNAS_NET_NB201)
        cJSON_AddNumberToObject(j, "cells", cfg->cells);
    if (cfg->space == CLNAS_NET_DARTS) {
        cJSON_AddNumberToObject(j, "layers", cfg->layers);
        cJSON_AddBoolToObject(j, "auxiliary", cfg->auxiliary);
        cJSON_AddNumberToObject(j, "drop_path", a->opt.drop_path);
    }
    /* what ran, not what was asked: a stopped run's epochs are a fraction */
    int per_epoch = d->train_data->count / a->c.cfg.batch;
    cJSON_AddNumberToObject(j, "epochs", per_epoch > 0 ? (double)res->steps / per_epoch : 0);
    cJSON_AddNumberToObject(j, "steps", res->steps);
    cJSON_AddNumberToObject(j, "batch", a->c.cfg.batch);
    cJSON_AddNumberToObject(j, "lr", a->opt.lr);
    cJSON_AddStringToObject(j, "lr_schedule", a->opt.lr_per_epoch ? "cosine per epoch" : "cosine per step");
    cJSON_AddNumberToObject(j, "momentum", cfg->sgd_momentum);
    cJSON_AddBoolToObject(j, "nesterov", cfg->nesterov);
    cJSON_AddNumberToObject(j, "weight_decay", cfg->weight_decay);
    cJSON_AddNumberToObject(j, "grad_clip", cfg->grad_clip);
    cJSON *aug = cJSON_AddObjectToObject(j, "augment");
    cJSON_AddNumberToObject(aug, "crop_padding", a->opt.augment.crop_padding);
    cJSON_AddBoolToObject(aug, "flip", a->opt.augment.flip);
    cJSON_AddNumberToObject(aug, "cutout", a->opt.augment.cutout);
    cJSON_AddNumberToObject(j, "seed", a->seed);
    cJSON_AddNumberToObject(j, "params", (double)clnas_model_param_count(model));
    cJSON_AddNumberToObject(j, "test_accuracy", o->test_acc);
    cJSON_AddNumberToObject(j, "test_loss", o->test_loss);
    if (d->valset.count > 0) {
        cJSON_AddNumberToObject(j, "val_accuracy", o->val_acc);
        cJSON_AddNumberToObject(j, "val_images", d->valset.count);
    }
    cJSON_AddNumberToObject(j, "train_loss", res->final_loss);
    cJSON_AddNumberToObject(j, "train_accuracy", res->train_accuracy);
    cJSON_AddNumberToObject(j, "train_images", (double)res->images); /* steps x batch */
    cJSON_AddNumberToObject(j, "train_set_images", d->train_data->count);
    cJSON_AddNumberToObject(j, "train_images_per_second", res->train_images_per_second); /* after the first step */
    cJSON_AddNumberToObject(j, "first_step_seconds", res->first_step_seconds);
    cJSON_AddNumberToObject(j, "seconds", res->seconds);
    cJSON_AddBoolToObject(j, "stopped", res->stopped);
    cJSON *norm = cJSON_AddObjectToObject(j, "normalization");
    cJSON_AddItemToObject(norm, "mean", cJSON_CreateDoubleArray(a->opt.mean, d->train.channels));
    cJSON_AddItemToObject(norm, "std", cJSON_CreateDoubleArray(a->opt.std, d->train.channels));
    cJSON_AddStringToObject(j, "data", a->c.data_dir);
    cJSON_AddStringToObject(j, "device", device_name);
    int rc = cli_write_json(a->result_path, j);
    cJSON_Delete(j);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.save && a.result_path && strcmp(a.save, "-") == 0 && strcmp(a.result_path, "-") == 0)
        return cli_usage_error("train", "--save - and --result - both name standard output: give one a file name");
    cli_stdout_file save_out = {.active = 0}; /* --save -: the weights on stdout (not onto a terminal) */
    if (a.save && (rc = cli_stdout_open("train", "--save", a.save, 1, &save_out, &a.save)) != 0)
        return rc;
    clnas_error err;
    clnas_error_clear(&err);
    /* The output files are checked before the data, the kernels and the training: a path that cannot be written
     * fails now, not after the whole run (the files are still written atomically at the end). */
    if ((a.save && clnas_file_check_writable(a.save, &err) != CLNAS_OK) ||
        (a.result_path && strcmp(a.result_path, "-") != 0 &&
         clnas_file_check_writable(a.result_path, &err) != CLNAS_OK)) {
        cli_stdout_discard(&save_out);
        return cli_fail(&err);
    }
    train_data d;
    if (load_data(&a, &d, &err) != CLNAS_OK || check_batch(&a, &d, &err) != CLNAS_OK) {
        train_data_free(&d);
        cli_stdout_discard(&save_out);
        return err.message[0] ? cli_fail(&err) : 1;
    }
    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_common_open(&a.c, &dev, &cache)) {
        train_data_free(&d);
        cli_stdout_discard(&save_out);
        return 1;
    }
    train_outcome o = {.val_acc = -1};
    cli_arch_string(&a.c.cfg, o.arch, sizeof o.arch);
    char sizes[64];
    if (a.c.cfg.space == CLNAS_NET_DARTS)
        snprintf(sizes, sizeof sizes, "darts C=%d layers %d%s", a.c.cfg.channels, a.c.cfg.layers,
                 a.c.cfg.auxiliary ? " auxiliary" : "");
    else if (a.c.cfg.space == CLNAS_NET_CHAIN)
        snprintf(sizes, sizeof sizes, "chain C=%d", a.c.cfg.channels);
    else
        snprintf(sizes, sizeof sizes, "C=%d N=%d", a.c.cfg.channels, a.c.cfg.cells);
    fprintf(stderr, "clnas: training %s  %s batch %d on %s\n", o.arch, sizes, a.c.cfg.batch, dev->info.name);
    clnas_model *model = NULL;
    rc = 1;
    if (train_and_test(&a, &d, dev, cache, &model, &o, &err) == CLNAS_OK) {
        print_outcome(save_out.active ? stderr : stdout, &d, &o);
        rc = a.result_path ? write_result(&a, &d, &o, model, dev->info.name) : 0;
        if (rc == 0)
            rc = cli_stdout_finish(&save_out);
        if (rc == 0 && cli_interrupted()) /* training stopped early, or the test ran on: the files are written */
            rc = CLI_EXIT_INTERRUPTED;
    } else if (err.message[0]) {
        cli_fail(&err);
    }
    cli_stdout_discard(&save_out);
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    train_data_free(&d);
    return rc;
}
