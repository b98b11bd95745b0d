/* clnas — the one wall clock: monotonic seconds for durations (trial times, images/s, timeouts). */
#ifndef CLNAS_CLOCK_H
#define CLNAS_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC): only differences mean anything. */
double clnas_clock_seconds(void);

#endif
