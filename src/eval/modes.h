/* modes.h — how well samples cover a known Gaussian mixture (mode collapse on toy data).
 *
 * A sample is "high quality" when it lies within n_std standard deviations (Euclidean distance
 * n_std * std_k) of the mean of its nearest component k; a component is "covered" when at least
 * min_share of all samples are high-quality samples of it (Srivastava et al. 2017, VEEGAN;
 * Lin et al. 2018, PacGAN — they use 3 standard deviations).
 */
#ifndef NASH_EVAL_MODES_H
#define NASH_EVAL_MODES_H

#include <stdint.h>

#include "data/toy.h"

typedef struct {
    int k;                            /* components */
    int covered;                      /* components covered */
    double high_quality;              /* fraction of samples that are high quality */
    double share[TOY_MAX_COMPONENTS]; /* fraction of samples that are high-quality samples of k */
} ModeCoverage;

/* x (n, m->dim) */
void mode_coverage(const ToyMixture *m, const float *x, int64_t n, double n_std, double min_share, ModeCoverage *out);

#endif
