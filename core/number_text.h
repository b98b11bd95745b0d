/* clnas — numbers as text that reads back exactly (cJSON's printer rounds to 15 digits: 2^53-1 printed as
 * 9.00719925474099e+15). */
#ifndef CLNAS_NUMBER_TEXT_H
#define CLNAS_NUMBER_TEXT_H

#include <stddef.h>

/* The shortest of %.15g, %.16g, %.17g that strtod reads back as exactly v; an integer-valued v below 2^64 is written
 * with all its digits (9007199254740991, not 9.00719925474099e+15). v must be finite. */
void clnas_number_text(double v, char *buf, size_t cap);

#endif
