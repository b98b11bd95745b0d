/* clnas — text inside SVG and other XML output. */
#ifndef CLNAS_SVG_TEXT_H
#define CLNAS_SVG_TEXT_H

#include <stdio.h>

/* Writes s (NULL as "") to f with <, > and & escaped. */
void clnas_svg_put_escaped(FILE *f, const char *s);

#endif
