/* montecarlo.h — Monte-Carlo estimates of expectations, with their standard errors.
 *
 * E[f(Z)] is estimated by the sample mean of f over n draws, its uncertainty by the standard
 * error s / sqrt(n), s^2 the unbiased sample variance. Mean and variance are accumulated with
 * Welford's update (Welford 1962; Knuth TAOCP vol. 2, 4.2.2), which does not lose precision
 * the way sum(x^2) - n mean^2 does:
 *   n += 1;  delta = x - mean;  mean += delta / n;  m2 += delta * (x - mean)
 * and two accumulators (from two ranks, or two halves) combine exactly (Chan, Golub & LeVeque
 * 1979): n = na + nb, delta = mean_b - mean_a, mean = mean_a + delta nb / n,
 * m2 = m2_a + m2_b + delta^2 na nb / n.
 *
 * Draws Z ~ N(0, I_dim) come from Philox (core/rng.h): draw i is values [i*dim, (i+1)*dim) of
 * stream (seed, stream) — reproducible, and any range can be computed on its own. The RNG's
 * normals are floats with |z| <= 6.66, so tails beyond that are not sampled (probability 3e-11).
 */
#ifndef NASH_EVAL_MONTECARLO_H
#define NASH_EVAL_MONTECARLO_H

#include <stdint.h>

#include "core/status.h"

typedef struct {
    int64_t n;
    double mean;
    double m2; /* sum of squared deviations from the mean */
} Welford;

typedef struct {
    int64_t n;
    double mean;
    double variance;  /* unbiased sample variance (0 when n < 2) */
    double std_error; /* sqrt(variance / n) */
} McEstimate;

void welford_init(Welford *w);
void welford_add(Welford *w, double x);
/* w = the accumulator of both samples. */
void welford_merge(Welford *w, const Welford *other);
McEstimate welford_estimate(const Welford *w);

/* f(z, dim, ctx) for z ~ N(0, I_dim). */
typedef double (*McFunction)(const double *z, int dim, void *ctx);

/* The mean of f over draws [0, n) of (seed, stream), dim in [1, 4096], n >= 2. A NaN or
 * infinite f value is refused with its draw index (an infinite mean has no standard error). */
NashStatus mc_expect_normal(McFunction f, void *ctx, int dim, int64_t n, uint64_t seed, uint64_t stream,
                            McEstimate *out, NashError *err);

/* The mean and standard error of n given values (n >= 1; NaN and infinities refused). */
NashStatus mc_estimate_values(const double *values, int64_t n, McEstimate *out, NashError *err);

#endif
