/* clnas — NAS-Bench-201 arch strings: the exact parser (errors name the position) and the printer. */
#include "clnas/space.h"

#include <stdio.h>
#include <string.h>

#define OP_NAME_LIST "none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3"

/* Writes text[0..len) as a double-quoted C-style literal, cut after 24 characters. */
static void quote_text(const char *text, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    const size_t shown = len > 24 ? 24 : len;
    n += (size_t)snprintf(out + n, cap - n, "\"");
    for (size_t i = 0; i < shown && n < cap; i++) {
        const unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\')
            n += (size_t)snprintf(out + n, cap - n, "\\%c", c);
        else if (c == '\n')
            n += (size_t)snprintf(out + n, cap - n, "\\n");
        else if (c == '\t')
            n += (size_t)snprintf(out + n, cap - n, "\\t");
        else if (c < 0x20 || c >= 0x7f)
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
        else
            n += (size_t)snprintf(out + n, cap - n, "%c", c);
    }
    if (n < cap)
        snprintf(out + n, cap - n, "%s", shown < len ? "\"..." : "\"");
}

/* What sits at text[pos], for "got ..." in messages: a quoted character or "end of string". */
static void describe_char(const char *text, size_t pos, char *out, size_t cap)
{
    const unsigned char c = (unsigned char)text[pos];
    if (c == '\0')
        snprintf(out, cap, "end of string");
    else if (c == ' ')
        snprintf(out, cap, "' ' (a space; arch strings contain no whitespace)");
    else if (c < 0x20 || c >= 0x7f)
        snprintf(out, cap, "byte 0x%02x", c);
    else
        snprintf(out, cap, "'%c'", c);
}

static clnas_status parse_error(clnas_error *err, size_t pos, const char *expected, const char *got)
{
    return clnas_error_set(err, CLNAS_ERR_PARSE, "arch string position %zu: expected %s, got %s", pos, expected,
                           got);
}

static clnas_status expect_char(const char *text, size_t *pos, char want, const char *expected, clnas_error *err)
{
    if (text[*pos] != want) {
        char got[96];
        describe_char(text, *pos, got, sizeof got);
        return parse_error(err, *pos, expected, got);
    }
    (*pos)++;
    return CLNAS_OK;
}

/* An op name runs up to the next '~', '|', '+' or the end; it must be one of the five names exactly. */
static clnas_status parse_op(const char *text, size_t *pos, int node, int input, uint8_t *op, clnas_error *err)
{
    const size_t start = *pos;
    const size_t len = strcspn(text + start, "~|+");
    for (int k = 0; k < CLNAS_NB201_OPS; k++) {
        const char *name = clnas_nb201_op_name((clnas_nb201_op)k);
        if (len == strlen(name) && memcmp(text + start, name, len) == 0) {
            *op = (uint8_t)k;
            *pos += len;
            return CLNAS_OK;
        }
    }
    char got[160];
    if (len > 0)
        quote_text(text + start, len, got, sizeof got);
    else
        describe_char(text, start, got, sizeof got);
    char expected[256];
    snprintf(expected, sizeof expected, "an op name (" OP_NAME_LIST ") for node %d's edge from node %d", node,
             input);
    if (len == 0 && (text[start] == '+' || text[start] == '\0'))
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected),
                 " (node %d takes exactly %d input edge%s)", node, node, node == 1 ? "" : "s");
    return parse_error(err, start, expected, got);
}

static clnas_status parse_input_index(const char *text, size_t *pos, int node, int input, clnas_error *err)
{
    char expected[128], got[96];
    snprintf(expected, sizeof expected, "'~%d'", input);
    clnas_status st = expect_char(text, pos, '~', expected, err);
    if (st != CLNAS_OK)
        return st;
    if (text[*pos] != '0' + input) {
        describe_char(text, *pos, got, sizeof got);
        snprintf(expected, sizeof expected, "input index %d ('~%d': node %d's edges come from nodes 0..%d in order)",
                 input, input, node, node - 1);
        return parse_error(err, *pos, expected, got);
    }
    (*pos)++;
    return CLNAS_OK;
}

clnas_status clnas_genotype_parse(const char *text, clnas_genotype *out, clnas_error *err)
{
    if (!text || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_genotype_parse: text and out must not be NULL");
    clnas_genotype g;
    size_t pos = 0;
    int e = 0;
    clnas_status st;
    for (int node = 1; node < CLNAS_NB201_NODES; node++) {
        if (node > 1) {
            char expected[128];
            snprintf(expected, sizeof expected,
                     text[pos] == '\0' ? "'+' and node %d (a cell has nodes 1, 2 and 3)"
                                       : "'+' before node %d (node %d takes exactly %d input edge%s)",
                     node, node - 1, node - 1, node - 1 == 1 ? "" : "s");
            if ((st = expect_char(text, &pos, '+', expected, err)) != CLNAS_OK)
                return st;
        }
        if ((st = expect_char(text, &pos, '|', "'|'", err)) != CLNAS_OK)
            return st;
        for (int input = 0; input < node; input++, e++) {
            if ((st = parse_op(text, &pos, node, input, &g.ops[e], err)) != CLNAS_OK)
                return st;
            if ((st = parse_input_index(text, &pos, node, input, err)) != CLNAS_OK)
                return st;
            if ((st = expect_char(text, &pos, '|', "'|'", err)) != CLNAS_OK)
                return st;
        }
    }
    if (text[pos] != '\0') {
        char got[160];
        quote_text(text + pos, strlen(text + pos), got, sizeof got);
        return parse_error(err, pos, "end of string after node 3 (a cell has nodes 1, 2 and 3)", got);
    }
    *out = g;
    return CLNAS_OK;
}

clnas_status clnas_genotype_format(const clnas_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    if (!g || !buf)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_genotype_format: g and buf must not be NULL");
    char text[CLNAS_GENOTYPE_STR_MAX];
    size_t n = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const int from = clnas_nb201_edge_from[e], to = clnas_nb201_edge_to[e];
        if (g->ops[e] >= CLNAS_NB201_OPS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "genotype edge %d (node %d -> node %d): op %u is not one of 0..%d", e, from, to,
                                   (unsigned)g->ops[e], CLNAS_NB201_OPS - 1);
        const char *node_start = from > 0 ? "" : to > 1 ? "+|" : "|";
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s~%d|", node_start,
                              clnas_nb201_op_name((clnas_nb201_op)g->ops[e]), from);
    }
    if (n + 1 > cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "clnas_genotype_format: the arch string needs %zu bytes, the buffer has %zu", n + 1,
                               cap);
    memcpy(buf, text, n + 1);
    return CLNAS_OK;
}
