/* clnas — lookup in the tables of embedded files. */
#include "embedded.h"

#include <string.h>

const char *clnas_embedded_find(const struct clnas_embedded_file *table, const char *name)
{
    for (const struct clnas_embedded_file *f = table; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f->text;
    return NULL;
}
