/* clnas — text inputs: read with a size cap, refuse embedded NULs (raw or as JSON's \u0000), name positions. */
#include "text_input.h"

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

clnas_status clnas_json_text_check(const char *text, size_t size, int max_depth, const char *what, clnas_error *err)
{
    int in_string = 0, depth = 0;
    long line, col;
    for (size_t i = 0; i < size; i++) {
        char c = text[i];
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
