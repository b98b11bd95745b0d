/* clnas — text inputs: read with a size cap, refuse embedded NULs (raw or as JSON's \u0000), name positions. */
#include "text_input.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

void clnas_text_position(const char *text, size_t at, long *line, long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

clnas_status clnas_file_read_text(const char *path, size_t max_bytes, char **text, size_t *size, clnas_error *err)
{
    clnas_status st = clnas_file_read_capped(path, max_bytes, text, size, err);
    if (st != CLNAS_OK)
        return st;
    size_t at = strlen(*text);
    if (at == *size)
        return CLNAS_OK;
    long line, col;
    clnas_text_position(*text, at, &line, &col);
    free(*text);
    *text = NULL;
    *size = 0;
    return clnas_error_set(err, CLNAS_ERR_PARSE, "%s:%ld:%ld: a NUL byte (byte offset %zu); expected text", path, line,
                           col, at);
}

/* Whether text[at] .. is the escape \u0000 (any case of hex digits: all zeros either way). */
static int is_nul_escape(const char *text, size_t size, size_t at)
{
    return at + 6 <= size && text[at] == '\\' && text[at + 1] == 'u' && memcmp(text + at + 2, "0000", 4) == 0;
}

/* The length of the JSON number token at text[at] (sign, digits, fraction, exponent). */
static size_t number_length(const char *text, size_t size, size_t at)
{
    size_t n = at;
    while (n < size && (isdigit((unsigned char)text[n]) || text[n] == '-' || text[n] == '+' || text[n] == '.' ||
                        text[n] == 'e' || text[n] == 'E'))
        n++;
    return n - at;
}

/* Whether the number token text[0..len) is out of a double's range: 1 when its value underflows to 0 although it
 * has a non-zero digit before its exponent, 2 when it overflows; 0 otherwise (and for tokens strtod does not take,
 * which the parser reports). A JSON parser takes both silently (as 0 and as infinity). */
static int number_out_of_range(const char *token, size_t len)
{
    char small[64];
    char *copy = len < sizeof small ? small : malloc(len + 1);
    if (!copy)
        return 0;
    memcpy(copy, token, len);
    copy[len] = '\0';
    char *end;
    double v = strtod(copy, &end);
    int nonzero = 0;
    for (const char *d = copy; *d && *d != 'e' && *d != 'E'; d++)
        nonzero |= *d >= '1' && *d <= '9';
    int out = end != copy + len ? 0 : isinf(v) ? 2 : v == 0.0 && nonzero ? 1 : 0;
    if (copy != small)
        free(copy);
    return out;
}

clnas_status clnas_json_text_check(const char *text, size_t size, int max_depth, const char *what, clnas_error *err)
{
    int in_string = 0, depth = 0;
    long line, col;
    for (size_t i = 0; i < size; i++) {
        char c = text[i];
        if (!in_string && (c == '-' || isdigit((unsigned char)c))) {
            size_t len = number_length(text, size, i);
            int out = number_out_of_range(text + i, len);
            if (out) {
                clnas_text_position(text, i, &line, &col);
                return clnas_error_set(err, CLNAS_ERR_PARSE, "%s:%ld:%ld: the number %.*s%s %s", what, line, col,
                                       len > 40 ? 40 : (int)len, text + i, len > 40 ? "..." : "",
                                       out == 1 ? "underflows to 0 (a double's smallest magnitude is about 4.9e-324)"
                                                : "overflows a double (the largest is about 1.8e308)");
            }
            i += len - 1;
            continue;
        }
        if (!in_string) {
            in_string = c == '"';
            depth += c == '[' || c == '{';
            depth -= (c == ']' || c == '}') && depth > 0;
            if (depth > max_depth) {
                clnas_text_position(text, i, &line, &col);
                return clnas_error_set(err, CLNAS_ERR_PARSE, "%s:%ld:%ld: arrays and objects nested more than %d "
                                       "deep (the JSON parser's limit)", what, line, col, max_depth);
            }
        } else if (c == '"') {
            in_string = 0;
        } else if (c == '\\') {
            if (is_nul_escape(text, size, i)) {
                clnas_text_position(text, i, &line, &col);
                return clnas_error_set(err, CLNAS_ERR_PARSE, "%s:%ld:%ld: a string holds \\u0000 (a NUL character), "
                                       "which clnas does not accept in any string", what, line, col);
            }
            i++; /* the escaped character, so \\" and \\\\ never end or start anything */
        }
    }
    return CLNAS_OK;
}
