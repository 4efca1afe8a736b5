/* manifold.h — distances between two sets of feature vectors that need no Gaussian fit: the
 * kernel inception distance, and precision, recall, density and coverage.
 *
 * KID (Bińkowski et al. 2018, "Demystifying MMD GANs", §4): the unbiased estimate of the squared
 * maximum mean discrepancy with the cubic polynomial kernel k(x, y) = (x·y / d + 1)^3,
 *
 *   MMD² = Σ_{i≠j} k(x_i, x_j) / (m(m-1)) + Σ_{i≠j} k(y_i, y_j) / (n(n-1)) - 2 Σ_{i,j} k(x_i, y_j) / (mn).
 *
 * nash takes it over the whole sets at once; the papers' average over random subsets of 1000 has
 * the same expectation and a larger variance. Unbiased, so it can be slightly below zero.
 *
 * Precision, recall (Kynkäänniemi et al. 2019) and density, coverage (Naeem et al. 2020), with
 * the k-nearest-neighbour balls of the second paper's reference code (clovaai/generative-evaluation-
 * prdc): r(x) is the Euclidean distance from x to its k-th nearest neighbour in its own set, the
 * point itself not counted, and "inside" is strictly closer than the radius.
 *   precision  share of fake points inside some real ball (fakes that look real)
 *   recall     share of real points inside some fake ball (real data the fakes reach)
 *   density    real balls holding a fake point, counted with multiplicity, / (k · fakes)
 *   coverage   share of real balls that hold at least one fake point
 * Distances are computed in double precision from |a|² + |b|² - 2 a·b (blocked dgemm); the sets'
 * pairwise matrices are never held whole.
 */
#ifndef NASH_EVAL_MANIFOLD_H
#define NASH_EVAL_MANIFOLD_H

#include <stdint.h>

#include "core/status.h"

typedef struct {
    double precision, recall, density, coverage;
} ManifoldScores;

/* A real set prepared once for comparing one generated set after another (evaluation during
 * training): its points, their k-NN radii and its KID self-term. */
typedef struct {
    double *x, *norm2, *radius2; /* (n, dim), (n), (n) */
    double kernel_self;          /* Σ_{i≠j} k(r_i, r_j) */
    int64_t n;
    int dim, k;
} ManifoldReference;

NashStatus manifold_reference_init(ManifoldReference *ref, const float *real, int64_t n, int dim, int k,
                                   NashError *err);
void manifold_reference_free(ManifoldReference *ref);
/* KID and the four shares of fake (m, ref->dim) against the prepared real set, the cross terms
 * from one pass over their products; needs m > ref->k. */
NashStatus manifold_compare(const ManifoldReference *ref, const float *fake, int64_t m, double *kid,
                            ManifoldScores *out, NashError *err);

/* The same in one call: fake (m, dim) against real (n, dim), with k neighbours (Naeem et al. use
 * 5); needs n, m > k. */
NashStatus manifold_scores(const float *real, int64_t n, const float *fake, int64_t m, int dim, int k, double *kid,
                           ManifoldScores *out, NashError *err);

#endif
