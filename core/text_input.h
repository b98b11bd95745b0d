/* clnas — text inputs (configs, tables, journals, best.json): size caps, refusal of embedded NULs, positions. */
#ifndef CLNAS_TEXT_INPUT_H
#define CLNAS_TEXT_INPUT_H

#include <stddef.h>

#include "clnas/status.h"

/* Size caps of the text inputs (clnas_file_read_text): a config or best.json is a few KiB, a table of NB201's
 * 15,625 architectures about 1.5 MiB, a journal about 300 bytes a trial. Anything larger is refused unread. */
#define CLNAS_CONFIG_MAX_BYTES ((size_t)16 << 20) /* search configs, config.json, best.json: 16 MiB */
#define CLNAS_TABLE_MAX_BYTES ((size_t)256 << 20) /* accuracy tables (CSV or JSON): 256 MiB */
#define CLNAS_JOURNAL_MAX_BYTES ((size_t)1 << 30) /* journals (journal.jsonl, supernet.jsonl): 1 GiB */

/* Line and column (both from 1) of byte offset `at` of text. */
void clnas_text_position(const char *text, size_t at, long *line, long *col);

/* clnas_file_read_all of a text input: a file over max_bytes is refused before it is read (CLNAS_ERR_FORMAT, naming
 * its size and the cap), and so is one holding a NUL byte (CLNAS_ERR_PARSE, naming line:column and byte offset),
 * so that no parser silently stops at an embedded NUL. */
clnas_status clnas_file_read_text(const char *path, size_t max_bytes, char **text, size_t *size, clnas_error *err);

/* Checks JSON text for what a JSON parser would take silently or report only as "invalid JSON": a string escape
 * \u0000 (cJSON keeps the NUL, so the string silently ends there), arrays or objects nested deeper than max_depth
 * (cJSON's CJSON_NESTING_LIMIT), and numbers out of a double's range (1e-400 would read as 0, 1e400 as infinity). CLNAS_ERR_PARSE naming `what` (a file name, or "--set k=v") and line:column;
 * CLNAS_OK otherwise (other errors are left to the parser). */
clnas_status clnas_json_text_check(const char *text, size_t size, int max_depth, const char *what, clnas_error *err);

#endif
