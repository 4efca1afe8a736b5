/* test_montecarlo.c — eval/montecarlo.c: Monte-Carlo expectations over N(0, I) land within four
 * standard errors of known values (E z = 0, E z^2 = 1, E exp(z) = e^(1/2), E |z|^2 = dim, the
 * KL of two 2-D Gaussians as E_p[log p - log q] against its closed form); the standard error
 * shrinks as 1/sqrt(n) and matches the actual spread of independent estimates; Welford's
 * accumulator matches a two-pass computation where the naive sum-of-squares formula loses
 * every digit; merged accumulators equal one pass; the same seed reproduces the estimate bit
 * for bit; bad arguments and non-finite values are refused. Every estimate is deterministic
 * (seeded Philox), so these checks cannot flake. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/divergence.h"
#include "eval/montecarlo.h"

static double f_z(const double *z, int dim, void *ctx) {
    (void)dim;
    (void)ctx;
    return z[0];
}
static double f_z2(const double *z, int dim, void *ctx) {
    (void)dim;
    (void)ctx;
    return z[0] * z[0];
}
static double f_exp(const double *z, int dim, void *ctx) {
    (void)dim;
    (void)ctx;
    return exp(z[0]);
}
static double f_norm2(const double *z, int dim, void *ctx) {
    (void)ctx;
    double s = 0;
    for (int d = 0; d < dim; d++) s += z[d] * z[d];
    return s;
}
static double f_inf_at_positive(const double *z, int dim, void *ctx) {
    (void)dim;
    (void)ctx;
    return z[0] > 2.5 ? INFINITY : z[0];
}

/* Is the estimate within 4 standard errors of the truth (and is the error non-trivial)? */
static void within_4se(const char *what, const McEstimate *e, double truth) {
    double dev = fabs(e->mean - truth) / e->std_error;
    check_true(e->std_error > 0 && dev <= 4.0, "%s: %.6f +- %.6f (SE), truth %.6f: %.2f SE away", what, e->mean,
               e->std_error, truth, dev);
    printf("%-36s %.6f +- %.6f (truth %.6f, %.2f SE)\n", what, e->mean, e->std_error, truth, dev);
}

static void test_known_expectations(void) {
    McEstimate e;
    NashError err = {0};
    enum { N = 200000 };
    check_true(mc_expect_normal(f_z, NULL, 1, N, 7, 0, &e, &err) == NASH_OK, "E z: %s", err.msg);
    within_4se("E[z]", &e, 0.0);
    mc_expect_normal(f_z2, NULL, 1, N, 7, 1, &e, &err);
    within_4se("E[z^2]", &e, 1.0);
    check_true(fabs(e.variance - 2.0) < 0.05, "Var z^2 = 2 (%.4f)", e.variance);
    mc_expect_normal(f_exp, NULL, 1, N, 7, 2, &e, &err);
    within_4se("E[exp z]", &e, exp(0.5));
    mc_expect_normal(f_norm2, NULL, 5, N / 4, 7, 3, &e, &err);
    within_4se("E[|z|^2], dim 5", &e, 5.0);
}

/* KL(p || q) for 2-D Gaussians p = N(mp, Lp Lp^T), q = N(mq, Sq) as E_p[log p(x) - log q(x)]
 * with x = mp + Lp z: the closed form of eval/divergence.c must be within 4 SE. */
typedef struct {
    double mp[2], lp[4], mq[2], sq[4];
} GaussPair;

static double log_normal2(const double *x, const double *m, const double *s) {
    double det = s[0] * s[3] - s[1] * s[2], dx = x[0] - m[0], dy = x[1] - m[1];
    double quad = (s[3] * dx * dx - (s[1] + s[2]) * dx * dy + s[0] * dy * dy) / det;
    return -log(2 * 3.14159265358979323846) - 0.5 * log(det) - 0.5 * quad;
}

static double f_log_ratio(const double *z, int dim, void *ctx) {
    (void)dim;
    const GaussPair *g = ctx;
    double x[2] = {g->mp[0] + g->lp[0] * z[0], g->mp[1] + g->lp[2] * z[0] + g->lp[3] * z[1]};
    double sp[4] = {g->lp[0] * g->lp[0], g->lp[0] * g->lp[2], g->lp[0] * g->lp[2],
                    g->lp[2] * g->lp[2] + g->lp[3] * g->lp[3]};
    return log_normal2(x, g->mp, sp) - log_normal2(x, g->mq, g->sq);
}

static void test_kl_by_monte_carlo(void) {
    GaussPair g = {{0.5, -1.0}, {1.2, 0, 0.6, 0.8}, {0.0, 0.0}, {2.0, 0.7, 0.7, 1.5}};
    double sp[4] = {1.44, 0.72, 0.72, 0.36 + 0.64}, kl = NAN;
    NashError err = {0};
    check_true(kl_gauss_full(g.mp, sp, g.mq, g.sq, 2, &kl, &err) == NASH_OK, "closed form: %s", err.msg);
    McEstimate e;
    check_true(mc_expect_normal(f_log_ratio, &g, 2, 100000, 11, 0, &e, &err) == NASH_OK, "MC: %s", err.msg);
    within_4se("KL 2-D full, MC vs closed form", &e, kl);
}

static void test_standard_error_scaling(void) {
    /* SE ~ 1/sqrt(n): each 4x more draws halve it */
    NashError err = {0};
    McEstimate e[5];
    int n = 1000, off = 0;
    for (int k = 0; k < 5; k++, n *= 4) mc_expect_normal(f_z2, NULL, 1, n, 3, 0, &e[k], &err);
    for (int k = 0; k + 1 < 5; k++) {
        double ratio = e[k].std_error / e[k + 1].std_error;
        off += !(fabs(ratio - 2.0) < 0.2);
        printf("standard error, %7lld -> %7lld draws: %.5f -> %.5f (ratio %.3f, 1/sqrt(n): 2)\n", (long long)e[k].n,
               (long long)e[k + 1].n, e[k].std_error, e[k + 1].std_error, ratio);
    }
    check_true(off == 0, "4x the draws halve the standard error (%d of 4 steps off by more than 10%%)", off);
    /* and the SE is the actual spread of the estimate: 200 independent estimates of E z^2 */
    Welford means, ses;
    welford_init(&means);
    welford_init(&ses);
    for (uint64_t stream = 100; stream < 300; stream++) {
        McEstimate one;
        mc_expect_normal(f_z2, NULL, 1, 1000, 5, stream, &one, &err);
        welford_add(&means, one.mean);
        welford_add(&ses, one.std_error);
    }
    double spread = sqrt(welford_estimate(&means).variance), reported = ses.mean;
    check_true(fabs(spread / reported - 1.0) < 0.15, "the spread of 200 estimates %.5f matches their SE %.5f", spread,
               reported);
    printf("spread of 200 estimates %.5f, mean reported SE %.5f\n", spread, reported);
    McEstimate small, again;
    mc_expect_normal(f_exp, NULL, 1, 4000, 3, 0, &small, &err);
    mc_expect_normal(f_exp, NULL, 1, 4000, 3, 0, &again, &err);
    check_true(!memcmp(&again, &small, sizeof again), "the same seed gives the same estimate");
    mc_expect_normal(f_exp, NULL, 1, 4000, 3, 9, &again, &err);
    check_true(again.mean != small.mean, "another stream gives another estimate");
}

static void test_welford(void) {
    enum { N = 10000 };
    float u[N];
    fill_uniform(u, N, -1, 1, 42);
    double x[N], mean = 0, m2 = 0, sum = 0, sumsq = 0;
    for (int i = 0; i < N; i++) x[i] = 1e9 + u[i]; /* a large offset: naive formulas cancel */
    for (int i = 0; i < N; i++) mean += x[i] / N;
    for (int i = 0; i < N; i++) m2 += (x[i] - mean) * (x[i] - mean);
    for (int i = 0; i < N; i++) {
        sum += x[i];
        sumsq += x[i] * x[i];
    }
    double two_pass = m2 / (N - 1), naive = (sumsq - sum * sum / N) / (N - 1);
    McEstimate e;
    NashError err = {0};
    check_true(mc_estimate_values(x, N, &e, &err) == NASH_OK, "values: %s", err.msg);
    check_true(fabs(e.variance - two_pass) <= 1e-6 * two_pass, "Welford variance %.12g = two-pass %.12g", e.variance,
               two_pass);
    check_true(fabs(naive - two_pass) > 0.01 * two_pass,
               "(the naive formula is really off here: %.6g, so the check above means something)", naive);
    Welford whole, a, b;
    welford_init(&whole);
    welford_init(&a);
    welford_init(&b);
    for (int i = 0; i < N; i++) {
        welford_add(&whole, x[i]);
        welford_add(i < 3000 ? &a : &b, x[i]);
    }
    welford_merge(&a, &b);
    McEstimate ew = welford_estimate(&whole), em = welford_estimate(&a);
    check_true(em.n == N && fabs(em.mean - ew.mean) <= 1e-15 * ew.mean &&
                   fabs(em.variance - two_pass) <= 1e-6 * two_pass,
               "merged halves = one pass (mean %.17g vs %.17g) and two-pass variance (%.12g vs %.12g)", em.mean,
               ew.mean, em.variance, two_pass);
    double one = 3.0;
    mc_estimate_values(&one, 1, &e, &err);
    check_true(e.n == 1 && e.mean == 3.0 && e.std_error == 0.0, "one value: mean 3, no standard error");
}

static void test_errors(void) {
    McEstimate e;
    NashError err = {0};
    check_true(mc_expect_normal(f_inf_at_positive, NULL, 1, 100000, 1, 0, &e, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "draw"),
               "an infinite f is refused, naming the draw: %s", err.msg);
    check_true(mc_expect_normal(f_z, NULL, 1, 1, 1, 0, &e, &err) == NASH_ERR_INVALID, "one draw is refused: %s",
               err.msg);
    check_true(mc_expect_normal(f_z, NULL, 0, 100, 1, 0, &e, &err) == NASH_ERR_INVALID, "dim 0 is refused: %s",
               err.msg);
    const double v[3] = {1, NAN, 2};
    check_true(mc_estimate_values(v, 3, &e, &err) == NASH_ERR_INVALID && strstr(err.msg, "value 1"),
               "a NaN value is refused: %s", err.msg);
}

int main(void) {
    test_known_expectations();
    test_kl_by_monte_carlo();
    test_standard_error_scaling();
    test_welford();
    test_errors();
    return check_finish("montecarlo");
}
