/* clnas — text inside SVG and other XML output. */
#include "svg_text.h"

#include <string.h>

void clnas_svg_put_escaped(FILE *f, const char *s)
{
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '<')
            fputs("&lt;", f);
        else if (*c == '>')
            fputs("&gt;", f);
        else if (*c == '&')
            fputs("&amp;", f);
        else if (*c == '"')
            fputs("&quot;", f);
        else
            fputc(*c, f);
    }
}

double clnas_svg_text_width(const char *s, int size)
{
    return (double)strlen(s ? s : "") * 0.58 * size; /* sans-serif averages about 0.55 em a character */
}

void clnas_svg_put_text_fit(FILE *f, double x, double y, int size, double room, const char *attrs, const char *s)
{
    /* a smaller font first (down to 9): squeezing glyphs to an estimated width can stretch a text that fitted */
    int fitted = size;
    while (fitted > 9 && room > 0 && clnas_svg_text_width(s, fitted) > room)
        fitted--;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\"%s", x, y, fitted, attrs ? attrs : "");
    if (clnas_svg_text_width(s, fitted) > room && room > 0)
        fprintf(f, " textLength=\"%.0f\" lengthAdjust=\"spacingAndGlyphs\"", room);
    fputc('>', f);
    clnas_svg_put_escaped(f, s);
    fputs("</text>\n", f);
}
