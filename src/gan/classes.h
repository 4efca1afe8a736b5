/* classes.h — the class labels of a conditional GAN's fakes (Mirza & Osindero 2014; Miyato &
 * Koyama 2018).
 *
 * Fakes get classes drawn per sample from the data's class frequencies p_k (the empirical
 * distribution of /labels), so that D sees as many fakes of a class as reals of it. Sample i of
 * the global batch of noise stream s (gan/noise.h) takes u = Philox (train.seed, CLASSES_STREAM
 * + s), value i, and the smallest k with u < p_0 + ... + p_k: the labels of a sample depend on
 * the seed, the step, the phase and its global index, never on the rank that draws it.
 * Samples made for looking at (grids, evaluation) take class i mod K instead: every class, in
 * order.
 */
#ifndef NASH_GAN_CLASSES_H
#define NASH_GAN_CLASSES_H

#include <stdint.h>

#include "core/status.h"

#define CLASSES_STREAM 0x1abe000000000000ull /* + the noise stream (docs/rng.md) */

typedef struct {
    int classes;
    double *cdf; /* (classes): p_0 + ... + p_k, the last exactly 1 */
} ClassPrior;

/* The frequencies of labels (n) in [0, classes); refuses a label out of range, naming `what`
 * (the data file) and the sample. */
NashStatus class_prior_init(ClassPrior *p, const uint8_t *labels, int64_t n, int classes, const char *what,
                            NashError *err);
void class_prior_free(ClassPrior *p);
/* Labels of global samples [first, first + n) of noise stream `stream`. out (n) */
void class_prior_draw(const ClassPrior *p, uint64_t seed, uint64_t stream, int64_t first, int n, int32_t *out);
/* Class i mod K for samples [first, first + n). out (n) */
void classes_in_turn(int classes, int64_t first, int n, int32_t *out);

#endif
