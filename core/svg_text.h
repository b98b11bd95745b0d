/* clnas — text inside SVG and other XML output. */
#ifndef CLNAS_SVG_TEXT_H
#define CLNAS_SVG_TEXT_H

#include <stdio.h>

/* Writes s (NULL as "") to f with <, >, & and " escaped (so it also serves inside attribute values). */
void clnas_svg_put_escaped(FILE *f, const char *s);

/* A generous width in pixels of s in sans-serif at font-size `size`. */
double clnas_svg_text_width(const char *s, int size);

/* <text x y font-size attrs>s</text> that fits in `room` pixels: a smaller font (down to 9) when it would be wider
 * at `size`, squeezed with textLength when even that is too wide, so it is never clipped. attrs ("" or
 * " name=\"value\"...") is written as is. */
void clnas_svg_put_text_fit(FILE *f, double x, double y, int size, double room, const char *attrs, const char *s);

#endif
