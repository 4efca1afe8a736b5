/* kde.h — a 1-D Gaussian kernel density estimate, and the Jensen–Shannon divergence between a
 * 1-D Gaussian mixture and it: how the Nash readout of training (train/evaluate.h) turns a
 * generator's samples into a density p_g for V(D*, G) = 2 JS(p_data, p_g) - log 4 (eval/game.h).
 *
 * The estimate of n samples x_i with bandwidth h (Rosenblatt 1956, Parzen 1962):
 *   p^(x) = 1/(n h) sum_i phi((x - x_i) / h),   phi the standard normal density,
 * i.e. a mixture of n Gaussians N(x_i, h^2) of weight 1/n. The default bandwidth is Sheather and
 * Jones' (1991) "solve-the-equation" plug-in rule, as R's bw.SJ(method = "ste") computes it:
 *   h = (R(K) / (n psi4(alpha2(h))))^(1/5),  R(K) = 1 / (2 sqrt(pi)),
 *   alpha2(h) = 1.357 (psi4(a) / -psi6(b))^(1/7) h^(5/7),
 *   a = 1.24 lambda n^(-1/7),  b = 1.23 lambda n^(-1/9),  lambda = min(s, IQR / 1.349),
 *   psi_r(g) = 1/(n (n-1)) sum_{i,j} phi^(r)((x_i - x_j) / g) / g^(r+1)  (pair distances binned
 *   into 1000 bins over the range, the diagonal i = j included),
 * solved by bisection (R's bracket: [0.1, 1] x 1.144 lambda n^(-1/5), widened when needed).
 * s is the sample standard deviation (n - 1), IQR the interquartile range with linearly
 * interpolated quantiles (numpy's and R's default); when IQR is 0, s alone.
 * Silverman's rule of thumb (Silverman 1986, eq. 3.31), h = 0.9 min(s, IQR / 1.34) n^(-1/5), is
 * near-optimal for one Gaussian and oversmooths a multimodal density: on 10000 samples of the
 * 1-D toy (three modes, stds 0.3 to 0.6) it is 2.8 times the Sheather–Jones bandwidth (0.26 vs
 * 0.093) and misses JS by up to 0.042 nats instead of 0.006 (tests/unit/test_kde.c). Any KDE
 * estimates p_g convolved with N(0, h^2), so a JS from it carries a smoothing bias as well as
 * sampling noise (at p_g = p_data: 0.0028 nats from 1000 samples, 0.0002 from 40000).
 *
 * log p^(x) is a log-sum-exp over the samples within sqrt(d0^2 + 80 h^2) of x (d0 the distance
 * to the nearest sample): every sample left out weighs less than e^-40 of the nearest one, so
 * far from every sample the log density stays finite and exact to rounding.
 *
 * JS(p, p^) = integral 1/2 p (log p - log m) + 1/2 p^ (log p^ - log m), log m = logaddexp(log p,
 * log p^) - log 2, by the 10-point Gauss–Legendre rule of eval/quad1d.h over the union of
 * p's components (+-10 std, panels std/2 wide) and of the clusters of samples (runs of samples
 * less than 20 h apart, +-10 h, panels h/2 wide); where the pieces overlap the finer panels win.
 */
#ifndef NASH_EVAL_KDE_H
#define NASH_EVAL_KDE_H

#include <stdint.h>

#include "core/status.h"
#include "data/toy.h"

typedef struct {
    double *x; /* (n) the samples, sorted ascending */
    int64_t n;
    double h; /* bandwidth */
} Kde1d;

/* Silverman's rule of thumb and the Sheather–Jones bandwidth for n >= 2 sorted samples (see
 * above); 0 when there is no spread (all equal, or too sparse for the plug-in estimates). */
double kde1d_bandwidth_silverman(const double *sorted, int64_t n);
double kde1d_bandwidth_sj(const double *sorted, int64_t n);

/* x (n): copied and sorted; h > 0 is the bandwidth, h = 0 asks for Sheather–Jones. Refused:
 * n < 2, a sample that is NaN or infinite (naming its index), no spread for the rule. */
NashStatus kde1d_init(Kde1d *kde, const float *x, int64_t n, double h, NashError *err);
void kde1d_free(Kde1d *kde);

/* log p^(x). */
double kde1d_log_density(const Kde1d *kde, double x);

/* JS(p, p^) in nats, for a 1-D mixture p (checked as eval/quad1d.h does); more than
 * QUAD_MAX_PANELS panels is refused with the spread that needs them. */
NashStatus js_mixture1d_kde(const ToyMixture *p, const Kde1d *q, double *out, NashError *err);

#endif
