/* clnas — numbers as text that reads back exactly. */
#include "number_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void clnas_number_text(double v, char *buf, size_t cap)
{
    if (v == floor(v) && fabs(v) < 18446744073709551616.0) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}
