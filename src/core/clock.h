/* clock.h — seconds as a double: on the monotonic clock (durations, rates, ETAs) and on the wall
 * clock (timestamps other processes read, such as the metrics channel's "time"). */
#ifndef NASH_CORE_CLOCK_H
#define NASH_CORE_CLOCK_H

/* CLOCK_MONOTONIC: never jumps; only differences mean anything. */
double clock_monotonic_s(void);
/* CLOCK_REALTIME: seconds since the Unix epoch. */
double clock_wall_s(void);

#endif
