/* clnas — the learning-rate schedule of every training loop (stand-alone, proxy, SPOS and DARTS supernets). */
#ifndef CLNAS_SCHEDULE_H
#define CLNAS_SCHEDULE_H

/* Per-step cosine: lr_t = 0.5 peak (1 + cos(pi t / steps)) for t = 0 .. steps-1 (NB201's recipe). */
double clnas_schedule_cosine(double peak, long t, long steps);

#endif
