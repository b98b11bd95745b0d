/* clnas — the chain-structured space: a sequence of layers, each an op with its hyper-parameters, plus skips. */
#ifndef CLNAS_CHAIN_GENOTYPE_H
#define CLNAS_CHAIN_GENOTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/rng.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLNAS_CHAIN_MAX_LAYERS 20 /* n: the most layers a genotype has (the stem is not counted) */
#define CLNAS_CHAIN_MAX_SKIPS 7   /* skips one layer takes: with the previous layer, 8 inputs to one sum/concat */
#define CLNAS_CHAIN_FILTER_CHOICES 4
#define CLNAS_CHAIN_OPS 5
#define CLNAS_CHAIN_NEIGHBOURS_MAX 4096 /* more than any genotype's neighbours (about 2,200 at most) */

/* Enough for every string clnas_chain_genotype_format writes: at most 49 characters a layer ("sepconv5x5-128/s2 +
 * skip(18,17,16,15,14,13,12) | "), 20 layers, plus the NUL. */
#define CLNAS_CHAIN_GENOTYPE_STR_MAX 1024

/* The filter counts a conv or sepconv layer may have: 16, 32, 64, 128. */
extern const int clnas_chain_filters[CLNAS_CHAIN_FILTER_CHOICES];

typedef enum clnas_chain_op {
    CLNAS_CHAIN_CONV = 0, /* "convKxK-F": ReLU, conv K x K (K 1, 3, 5, 7) to F filters, BatchNorm */
    CLNAS_CHAIN_SEPCONV,  /* "sepconvKxK-F": ReLU, depthwise K x K (K 3, 5), pointwise 1x1 to F, BatchNorm */
    CLNAS_CHAIN_MAXPOOL,  /* "maxpool3x3": 3x3, padding 1 */
    CLNAS_CHAIN_AVGPOOL,  /* "avgpool3x3": 3x3, padding 1 not counted */
    CLNAS_CHAIN_IDENTITY  /* "identity": the layer's input as it is (never strided) */
} clnas_chain_op;

typedef enum clnas_chain_join {
    CLNAS_CHAIN_SUM = 0, /* "+ skip(a,b)": the previous output plus outputs a, b (same shape) */
    CLNAS_CHAIN_CAT      /* "+ cat(a,b)": previous, a, b concatenated on channels in that order (same size) */
} clnas_chain_join;

/* Layer i (1-based; output 0 is the stem's) reads output i-1 joined with outputs skip[0..nskips-1], each in
 * 0..i-2 and distinct. ksize and filters are 0 for pools and identity; stride is 1 or 2. */
typedef struct clnas_chain_layer {
    uint8_t op, ksize, stride, join, nskips;
    uint8_t skip[CLNAS_CHAIN_MAX_SKIPS];
    uint16_t filters;
} clnas_chain_layer;

typedef struct clnas_chain_genotype {
    int nlayers; /* 1 .. CLNAS_CHAIN_MAX_LAYERS */
    clnas_chain_layer layer[CLNAS_CHAIN_MAX_LAYERS];
} clnas_chain_genotype;

/* The shape of output i of a genotype as a function of the stem's width C: channels = c_stem * C + c_fixed,
 * spatial size the input's halved `level` times (rounding up). Two outputs can be summed iff all three agree
 * and concatenated iff the levels agree, whatever C and the input size are. */
typedef struct clnas_chain_shape {
    int c_stem, c_fixed, level;
} clnas_chain_shape;

/* "conv", "sepconv", "maxpool3x3", "avgpool3x3", "identity"; "unknown" outside the enum. */
const char *clnas_chain_op_name(clnas_chain_op op);

/* Parses "conv3x3-32 | sepconv5x5-64/s2 + skip(0) | maxpool3x3 | conv1x1-64 + cat(1,2)": layers separated by
 * '|', each an op, an optional "/s2", an optional "+ skip(...)" or "+ cat(...)"; blanks allowed between tokens.
 * The result is validated (clnas_chain_genotype_validate). CLNAS_ERR_PARSE names the 0-based character position
 * and what was expected there; CLNAS_ERR_INVALID_ARG names the layer whose shapes do not fit. */
clnas_status clnas_chain_genotype_parse(const char *text, clnas_chain_genotype *out, clnas_error *err);

/* Writes the form above with " | " between layers and " + " before a skip list; parse(format(g)) == g and
 * format(parse(s)) == s for every s that format wrote. */
clnas_status clnas_chain_genotype_format(const clnas_chain_genotype *g, char *buf, size_t cap, clnas_error *err);

/* Checks every field's range and every join's shapes: summed outputs of one shape, concatenated outputs of one
 * spatial size. Fills shapes[0..nlayers] (output 0 the stem's) when shapes is not NULL. */
clnas_status clnas_chain_genotype_validate(const clnas_chain_genotype *g, clnas_chain_shape *shapes,
                                           clnas_error *err);

/* Field-by-field equality of the used fields. */
int clnas_chain_genotype_equal(const clnas_chain_genotype *a, const clnas_chain_genotype *b);

/* The canonical form: identity layers without stride or skips removed (the later skips renumbered) where the
 * result stays valid, and sum skip lists sorted. Two genotypes with one canonical form compute the same function
 * with the same parameters; concatenation order is kept (it orders channels that a later sum can see). The hash
 * is FNV-1a 64 of the canonical string. buf may be NULL (cap 0) when only the hash is wanted. */
clnas_status clnas_chain_genotype_canonical(const clnas_chain_genotype *g, clnas_chain_genotype *canon, char *buf,
                                            size_t cap, uint64_t *hash, clnas_error *err);

/* A random valid genotype of 1..max_layers layers (max_layers clamped to 1..CLNAS_CHAIN_MAX_LAYERS): the count
 * uniform, then per layer the op, its kernel size and filters, the stride and the join each uniform, and each
 * earlier output whose shape fits the join taken as a skip with probability 1/2 (at most CLNAS_CHAIN_MAX_SKIPS). */
void clnas_chain_genotype_sample(clnas_rng *rng, int max_layers, clnas_chain_genotype *out);

/* One random valid change of parent, never equal to it: a layer's op, one hyper-parameter (kernel size, filters,
 * stride, join), a layer added or removed (skips renumbered, skips from a removed layer dropped), a skip added or
 * removed. max_layers bounds the added layers. */
void clnas_chain_genotype_mutate(const clnas_chain_genotype *parent, clnas_rng *rng, int max_layers,
                                 clnas_chain_genotype *child);

/* Every valid child clnas_chain_genotype_mutate can make of g (with the same max_layers), each once, in a fixed
 * order: op changes, hyper-parameter changes, inserted layers, removed layers, added skips, removed skips; the
 * first cap into out. Returns their number (at most CLNAS_CHAIN_NEIGHBOURS_MAX). Children reached two ways are
 * listed once (told apart by a 64-bit hash of their fields). */
int clnas_chain_genotype_neighbours(const clnas_chain_genotype *g, int max_layers, clnas_chain_genotype *out, int cap);

#ifdef __cplusplus
}
#endif
#endif
