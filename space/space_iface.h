/* clnas — one interface over the search spaces: a genotype as an opaque fixed-size value, and each space's parse,
 * format, sample, mutate, canonical hash and description; the registry of spaces by name. */
#ifndef CLNAS_SPACE_IFACE_H
#define CLNAS_SPACE_IFACE_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/rng.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for any space's genotype, and for any space's strings plus the NUL. */
#define CLNAS_SPACE_GENOTYPE_BYTES 512
#define CLNAS_SPACE_STR_MAX 1024
/* More than any space's decision count (space_iface.decisions), for arrays of choices on the stack. */
#define CLNAS_SPACE_DECISIONS_MAX 512

/* A genotype of some space, opaque to everything but that space's functions. A space writes the whole value,
 * bytes past its own genotype zero, so two genotypes of one space are equal exactly when their bytes are
 * (clnas_space_genotype_equal). */
typedef struct clnas_space_genotype {
    union {
        uint64_t align;
        uint8_t bytes[CLNAS_SPACE_GENOTYPE_BYTES];
    } u;
} clnas_space_genotype;

typedef struct clnas_space_iface clnas_space_iface;

struct clnas_space_iface {
    const char *name;        /* "nb201", "darts": what --space and the config's space.name take */
    const char *description; /* one line: what a genotype is and how many there are */
    const char *example;     /* a genotype string of the space, for messages and help */
    size_t str_max;          /* the longest string format and canonical write, plus the NUL (<= CLNAS_SPACE_STR_MAX) */
    uint64_t size;           /* the number of genotypes when enumerable (from_index covers 0..size-1), else 0 */
    /* The space's genotype string; CLNAS_ERR_PARSE names the 0-based position and what was expected there. */
    clnas_status (*parse)(const char *text, clnas_space_genotype *out, clnas_error *err);
    /* The string parse reads back to the same genotype. */
    clnas_status (*format)(const clnas_space_genotype *g, char *buf, size_t cap, clnas_error *err);
    /* A uniform draw over the space (each space documents what uniform means for it); `space` is this interface,
     * whose ctx a space made at run time samples from. */
    void (*sample)(const clnas_space_iface *space, clnas_rng *rng, clnas_space_genotype *out);
    /* A child differing from parent by one mutation (each space documents which); child may be parent. */
    void (*mutate)(const clnas_space_genotype *parent, clnas_rng *rng, clnas_space_genotype *child);
    /* The canonical string (buf may be NULL with cap 0) and its FNV-1a 64 hash (hash may be NULL): isomorphic
     * genotypes, those that provably compute the same function, get the same string. */
    clnas_status (*canonical)(const clnas_space_genotype *g, char *buf, size_t cap, uint64_t *hash,
                              clnas_error *err);
    /* Every child mutate can make of g, the first cap of them into out (in a fixed order); returns their number. */
    int (*neighbours)(const clnas_space_genotype *g, clnas_space_genotype *out, int cap);
    /* The genotype with index i < size; NULL when the space is not enumerable. */
    void (*from_index)(uint64_t index, clnas_space_genotype *out);
    /* A genotype as a fixed sequence of `decisions` categorical decisions (<= CLNAS_SPACE_DECISIONS_MAX), decision
     * i taking decision_options(i) >= 1 values 0 .. options-1, for strategies that model any space (REINFORCE's
     * per-decision policy, BO's encoding). Each space documents its sequence. from_decisions maps every vector of
     * in-range choices to a valid genotype (a decision the result does not depend on is ignored: chain layers past
     * the depth, the filters of a pool ...). to_decisions writes g's choices, -1 for each decision g does not
     * depend on, and returns 1 when from_decisions gives back g exactly, 0 when it gives the nearest genotype the
     * decisions reach (each space says which that is); every genotype sample draws is reached exactly, up to what
     * the space documents. decision_name writes a short name ("edge 2<-1", "normal.node3.inputs"). */
    int decisions;
    int (*decision_options)(int i);
    void (*decision_name)(int i, char *buf, size_t cap);
    int (*to_decisions)(const clnas_space_genotype *g, int *choice);
    void (*from_decisions)(const int *choice, clnas_space_genotype *out);
    /* NULL for the registered spaces; a space made at run time (the paths of the chain space's supernet,
     * chain_paths.h) keeps what it samples from here. */
    const void *ctx;
};

extern const clnas_space_iface clnas_space_nb201, clnas_space_darts, clnas_space_chain;

/* The space called name; CLNAS_ERR_NOT_FOUND listing the known names otherwise. */
clnas_status clnas_space_by_name(const char *name, const clnas_space_iface **out, clnas_error *err);

/* The registered spaces in order (nb201 first, the default), *count of them. */
const clnas_space_iface *const *clnas_space_list(size_t *count);

/* "nb201, darts": the names, for messages and help. */
void clnas_space_names(char *buf, size_t cap);

/* An enumerable space's canonical classes, each by its smallest index among the genotypes keep accepts (keep NULL:
 * all), in increasing order into index_out (room for space->size); returns their number, or -1 when the space is
 * not enumerable or memory runs out. O(size log size). */
int64_t clnas_space_class_representatives(const clnas_space_iface *space,
                                          int (*keep)(const clnas_space_genotype *g, const void *ctx),
                                          const void *ctx, uint64_t *index_out);

/* 1 when a and b (of one space) are the same genotype. */
int clnas_space_genotype_equal(const clnas_space_genotype *a, const clnas_space_genotype *b);

#ifdef __cplusplus
}
#endif
#endif
