/* seqplot.h — a picture of generated sequences next to real ones (the sequence GAN's samples).
 *
 * A grid of line charts drawn with draw/plot.h: `rows` rows of two panels, a real sequence on the
 * left (grey) and a generated one on the right (blue), each over its steps 0..T-1 with the y axis
 * fixed to [-lim, lim] so that amplitudes compare across panels; column titles "real" and
 * "generated". Written atomically as an RGB PNG (errors name the path).
 */
#ifndef NASH_DRAW_SEQPLOT_H
#define NASH_DRAW_SEQPLOT_H

#include "core/status.h"

/* real (rows, len), fake (rows, len): one sequence per panel; rows 1..16, len >= 2. */
NashStatus seqplot_write_png(const char *path, const float *real, const float *fake, int rows, int len, float lim,
                             NashError *err);

#endif
