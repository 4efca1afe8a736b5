/* divergence.c — KL and JS divergences of histograms, Gaussians and 1-D Gaussian mixtures
 * (formulas and the empty-bin rule in divergence.h). */
#include "eval/divergence.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eval/quad1d.h"

static const double LOG2 = 0.69314718055994530942;

/* ---- histograms ----------------------------------------------------------------------------- */

static NashStatus histogram_sum(const double *h, int64_t n, const char *name, double *sum, NashError *err) {
    if (n <= 0 || !h) return nash_fail(err, NASH_ERR_INVALID, "histogram %s is empty (%lld bins)", name, (long long)n);
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (!(h[i] >= 0) || !isfinite(h[i]))
            return nash_fail(err, NASH_ERR_INVALID, "histogram %s: bin %lld holds %g; counts must be >= 0 and finite",
                             name, (long long)i, h[i]);
        total += h[i];
    }
    if (!(total > 0) || !isfinite(total))
        return nash_fail(err, NASH_ERR_INVALID, "histogram %s sums to %g; it needs some mass", name, total);
    *sum = total;
    return NASH_OK;
}

static NashStatus histogram_pair(const double *p, const double *q, int64_t n, double *sp, double *sq, NashError *err) {
    NashStatus st = histogram_sum(p, n, "p", sp, err);
    return st ? st : histogram_sum(q, n, "q", sq, err);
}

/* x log(x / y) with the conventions of the empty-bin rule: 0 when x = 0, +inf when y = 0 < x. */
static double rel_entropy(double x, double y) {
    if (x == 0) return 0.0;
    if (y == 0) return INFINITY;
    return x * log(x / y);
}

NashStatus kl_histogram(const double *p, const double *q, int64_t n, double *out, NashError *err) {
    double sp, sq;
    NashStatus st = histogram_pair(p, q, n, &sp, &sq, err);
    if (st) return st;
    double kl = 0.0;
    for (int64_t i = 0; i < n; i++) kl += rel_entropy(p[i] / sp, q[i] / sq);
    *out = kl;
    return NASH_OK;
}

NashStatus js_histogram(const double *p, const double *q, int64_t n, double *out, NashError *err) {
    double sp, sq;
    NashStatus st = histogram_pair(p, q, n, &sp, &sq, err);
    if (st) return st;
    double js = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double pi = p[i] / sp, qi = q[i] / sq, mi = 0.5 * (pi + qi);
        js += 0.5 * (rel_entropy(pi, mi) + rel_entropy(qi, mi));
    }
    *out = js > 0 ? js : 0.0;
    return NASH_OK;
}

/* ---- Gaussians ------------------------------------------------------------------------------ */

NashStatus kl_gauss1d(double mean_p, double std_p, double mean_q, double std_q, double *out, NashError *err) {
    if (!(std_p > 0) || !(std_q > 0) || !isfinite(std_p) || !isfinite(std_q) || !isfinite(mean_p) || !isfinite(mean_q))
        return nash_fail(err, NASH_ERR_INVALID,
                         "KL of Gaussians: N(%g, %g^2) and N(%g, %g^2) need finite means and stds > 0", mean_p, std_p,
                         mean_q, std_q);
    double d = mean_p - mean_q, r = std_p / std_q;
    *out = -log(r) + 0.5 * (r * r + d * d / (std_q * std_q)) - 0.5;
    return NASH_OK;
}

NashStatus kl_gauss_diag(const double *mean_p, const double *var_p, const double *mean_q, const double *var_q, int dim,
                         double *out, NashError *err) {
    if (dim <= 0) return nash_fail(err, NASH_ERR_INVALID, "KL of Gaussians: dimension %d", dim);
    double kl = 0.0;
    for (int i = 0; i < dim; i++) {
        if (!(var_p[i] > 0) || !(var_q[i] > 0) || !isfinite(var_p[i]) || !isfinite(var_q[i]))
            return nash_fail(err, NASH_ERR_INVALID, "KL of Gaussians: variances %g (p) and %g (q) at %d must be > 0",
                             var_p[i], var_q[i], i);
        double term = 0.0;
        NashStatus st = kl_gauss1d(mean_p[i], sqrt(var_p[i]), mean_q[i], sqrt(var_q[i]), &term, err);
        if (st) return st;
        kl += term;
    }
    *out = kl;
    return NASH_OK;
}

/* In-place lower Cholesky factor of a (dim, dim) (lower triangle read); false if not positive definite. */
static bool cholesky(double *a, int dim) {
    for (int j = 0; j < dim; j++) {
        double d = a[j * dim + j];
        for (int k = 0; k < j; k++) d -= a[j * dim + k] * a[j * dim + k];
        if (!(d > 0) || !isfinite(d)) return false;
        d = sqrt(d);
        a[j * dim + j] = d;
        for (int i = j + 1; i < dim; i++) {
            double s = a[i * dim + j];
            for (int k = 0; k < j; k++) s -= a[i * dim + k] * a[j * dim + k];
            a[i * dim + j] = s / d;
        }
        for (int i = 0; i < j; i++) a[i * dim + j] = 0.0;
    }
    return true;
}

/* Solve L x = b in place (forward substitution), L lower triangular (dim, dim). */
static void forward_solve(const double *l, int dim, double *b) {
    for (int i = 0; i < dim; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++) s -= l[i * dim + k] * b[k];
        b[i] = s / l[i * dim + i];
    }
}

NashStatus kl_gauss_full(const double *mean_p, const double *cov_p, const double *mean_q, const double *cov_q, int dim,
                         double *out, NashError *err) {
    if (dim <= 0 || dim > 4096) return nash_fail(err, NASH_ERR_INVALID, "KL of Gaussians: dimension %d", dim);
    size_t dd = (size_t)dim * (size_t)dim;
    double *lp = malloc(dd * sizeof *lp), *lq = malloc(dd * sizeof *lq), *col = malloc((size_t)dim * sizeof *col);
    NashStatus st = NASH_OK;
    if (!lp || !lq || !col) st = nash_fail(err, NASH_ERR_NOMEM, "KL of Gaussians: no memory for dimension %d", dim);
    if (!st) {
        memcpy(lp, cov_p, dd * sizeof *lp);
        memcpy(lq, cov_q, dd * sizeof *lq);
        if (!cholesky(lp, dim))
            st = nash_fail(err, NASH_ERR_INVALID, "KL of Gaussians: the covariance of p is not positive definite");
        else if (!cholesky(lq, dim))
            st = nash_fail(err, NASH_ERR_INVALID, "KL of Gaussians: the covariance of q is not positive definite");
    }
    if (!st) {
        double trace = 0.0, quad = 0.0, logdet = 0.0;
        for (int j = 0; j < dim; j++) { /* column j of Lq^-1 Lp */
            for (int i = 0; i < dim; i++) col[i] = lp[i * dim + j];
            forward_solve(lq, dim, col);
            for (int i = 0; i < dim; i++) trace += col[i] * col[i];
        }
        for (int i = 0; i < dim; i++) col[i] = mean_q[i] - mean_p[i];
        forward_solve(lq, dim, col);
        for (int i = 0; i < dim; i++) {
            quad += col[i] * col[i];
            logdet += 2.0 * (log(lq[i * dim + i]) - log(lp[i * dim + i]));
        }
        *out = 0.5 * (trace + quad - dim + logdet);
        if (!isfinite(*out)) st = nash_fail(err, NASH_ERR_INVALID, "KL of Gaussians: the means are not finite");
    }
    free(lp);
    free(lq);
    free(col);
    return st;
}

/* ---- 1-D mixtures --------------------------------------------------------------------------- */

typedef struct {
    const ToyMixture *p, *q;
} MixturePair;

static double kl_integrand(double x, void *ctx) {
    const MixturePair *m = ctx;
    double lp = mixture1d_log_density(m->p, x), lq = mixture1d_log_density(m->q, x);
    return lp == -INFINITY ? 0.0 : exp(lp) * (lp - lq);
}

/* log(exp(a) + exp(b)) without overflow or underflow. */
static double log_add_exp(double a, double b) {
    double top = a > b ? a : b;
    if (top == -INFINITY) return -INFINITY;
    return top + log(exp(a - top) + exp(b - top));
}

static double js_integrand(double x, void *ctx) {
    const MixturePair *m = ctx;
    double lp = mixture1d_log_density(m->p, x), lq = mixture1d_log_density(m->q, x);
    double lm = log_add_exp(lp, lq) - LOG2, sum = 0.0;
    if (lp > -INFINITY) sum += exp(lp) * (lp - lm);
    if (lq > -INFINITY) sum += exp(lq) * (lq - lm);
    return 0.5 * sum;
}

static NashStatus mixture_integral(const ToyMixture *p, const ToyMixture *q, QuadFunction f, double *out,
                                   NashError *err) {
    NashStatus st = mixture1d_check(p, "mixture p", err);
    if (!st) st = mixture1d_check(q, "mixture q", err);
    double a, b;
    int panels;
    if (!st) st = mixture1d_range(p, q, &a, &b, &panels, err);
    if (st) return st;
    MixturePair pair = {p, q};
    *out = quad_gauss_legendre(f, &pair, a, b, panels);
    return NASH_OK;
}

NashStatus kl_mixture1d(const ToyMixture *p, const ToyMixture *q, double *out, NashError *err) {
    NashStatus st = mixture_integral(p, q, kl_integrand, out, err);
    if (!st && *out < 0) *out = 0.0; /* rounding around KL(p || p) = 0 */
    return st;
}

NashStatus js_mixture1d(const ToyMixture *p, const ToyMixture *q, double *out, NashError *err) {
    NashStatus st = mixture_integral(p, q, js_integrand, out, err);
    if (!st && *out < 0) *out = 0.0;
    return st;
}

ToyMixture mixture1d_gaussian(double mean, double std) {
    ToyMixture m;
    memset(&m, 0, sizeof m);
    memcpy(m.name, "gaussian", sizeof "gaussian");
    m.dim = 1;
    m.k = 1;
    m.weights[0] = 1.0;
    m.means[0][0] = mean;
    m.stds[0] = std;
    return m;
}
