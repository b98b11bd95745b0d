/* clnas — the learning-rate schedule of every training loop. */
#include "schedule.h"

#include <math.h>

double clnas_schedule_cosine(double peak, long t, long steps)
{
    return 0.5 * peak * (1.0 + cos(3.14159265358979323846 * (double)t / (double)steps));
}
