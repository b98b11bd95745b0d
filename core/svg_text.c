/* clnas — text inside SVG and other XML output. */
#include "svg_text.h"

void clnas_svg_put_escaped(FILE *f, const char *s)
{
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '<')
            fputs("&lt;", f);
        else if (*c == '>')
            fputs("&gt;", f);
        else if (*c == '&')
            fputs("&amp;", f);
        else
            fputc(*c, f);
    }
}
