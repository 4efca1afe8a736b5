/* test_kde.c — eval/kde.c: the Gaussian kernel density estimate behind the Nash readout.
 *
 *   - Silverman's bandwidth and log p^(x) against numpy / scipy.stats.gaussian_kde (values
 *     computed once with /usr/bin/python3 and written here), including points so far from every
 *     sample that the density underflows: the log stays exact;
 *   - the estimate integrates to 1;
 *   - the Sheather–Jones bandwidth (the default) is the normal-optimal one for a Gaussian sample
 *     and far below Silverman's on the multimodal toy, where it estimates JS better;
 *   - the point of the estimate: n samples drawn from a known 1-D mixture q give JS(gauss1d,
 *     p^) close to the exact JS(gauss1d, q) (eval/divergence.h), for q = gauss1d itself, gauss1d
 *     shifted by 0.25 to 8, a single Gaussian and a collapsed generator (one narrow mode); the
 *     readout's 2 JS - log 4 is then within 2 x the JS error of the exact value;
 *   - more samples shrink the error at the equilibrium q = p (the noise floor of the readout);
 *   - bad input is refused: too few samples, NaN, all samples equal, a 2-D mixture.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/divergence.h"
#include "eval/kde.h"
#include "eval/quad1d.h"

static bool close_to(double got, double ref, double tol) { return fabs(got - ref) <= tol * (1.0 + fabs(ref)); }

static void test_reference_values(void) {
    static const double seq[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double h = kde1d_bandwidth_silverman(seq, 10);
    check_true(close_to(h, 1.719286404692283, 1e-14), "Silverman's h of 1..10: %.15g (numpy 1.719286404692283)", h);
    static const double tied[7] = {2, 2, 2, 2, 2, 2, 9}; /* IQR 0: the standard deviation alone */
    h = kde1d_bandwidth_silverman(tied, 7);
    check_true(close_to(h, 1.6135109662688978, 1e-14), "Silverman's h with IQR 0: %.15g (1.6135109662688978)", h);

    const float x[8] = {0.5f, -1.25f, 3.0f, 3.0f, 3.0f, 2.0f, 7.5f, -0.25f};
    Kde1d kde;
    NashError err = {0};
    if (!check_true(kde1d_init(&kde, x, 8, 1.1908805071574395, &err) == NASH_OK, "init 8 samples: %s", err.msg)) return;
    h = kde1d_bandwidth_silverman(kde.x, 8);
    check_true(close_to(h, 1.1908805071574395, 1e-14), "Silverman's h of 8 samples: %.15g (1.1908805071574395)", h);
    /* scipy.stats.gaussian_kde(x, bw_method=h / std(x, ddof=1)), and logsumexp far away */
    static const double at[6] = {-3.0, 0.0, 2.5, 10.0, 200.0, -150.0};
    static const double ref[6] = {-4.034217987097659, -2.129270637326678,  -1.7909613713202706,
                                  -5.376575186909352, -13067.742430901279, -7804.124611097919};
    for (int i = 0; i < 6; i++) {
        double got = kde1d_log_density(&kde, at[i]);
        check_true(close_to(got, ref[i], 1e-12), "log p^(%g) = %.15g (scipy %.15g)", at[i], got, ref[i]);
    }
    kde1d_free(&kde);
}

static double kde_density(double x, void *ctx) { return exp(kde1d_log_density(ctx, x)); }

static void test_integrates_to_one(void) {
    ToyMixture m;
    NashError err = {0};
    toy_mixture("gauss1d", &m, &err);
    int n = 5000;
    float *x = malloc((size_t)n * sizeof *x);
    toy_sample(&m, 7, 0, n, x);
    Kde1d kde;
    if (check_true(kde1d_init(&kde, x, n, 0.0, &err) == NASH_OK, "init gauss1d samples: %s", err.msg)) {
        double mass = quad_gauss_legendre(kde_density, &kde, kde.x[0] - 12 * kde.h, kde.x[n - 1] + 12 * kde.h, 2000);
        check_true(fabs(mass - 1.0) < 1e-10, "the estimate integrates to 1: %.15g", mass);
        kde1d_free(&kde);
    }
    free(x);
}

static ToyMixture shifted(const ToyMixture *m, double delta) {
    ToyMixture s = *m;
    for (int c = 0; c < s.k; c++) s.means[c][0] += delta;
    return s;
}

/* |JS(p, p^) - JS(p, q)| for n samples of q. */
static double js_error(const ToyMixture *p, const ToyMixture *q, int n, uint64_t seed, double *est, double *exact) {
    NashError err = {0};
    float *x = malloc((size_t)n * sizeof *x);
    toy_sample(q, seed, 0, n, x);
    Kde1d kde;
    *est = *exact = NAN;
    if (kde1d_init(&kde, x, n, 0.0, &err) || js_mixture1d_kde(p, &kde, est, &err) || js_mixture1d(p, q, exact, &err))
        check_true(false, "JS of %s samples: %s", q->name, err.msg);
    kde1d_free(&kde);
    free(x);
    return fabs(*est - *exact);
}

/* Measured with the Sheather–Jones bandwidth: worst 0.0060 nats at n = 10000 (gauss1d shifted by
 * 1, where JS is largest among the overlapping cases); Silverman's bandwidth misses by 0.043. */
#define JS_TOL 0.01

static void test_js_of_samples(void) {
    ToyMixture p, g;
    NashError err = {0};
    toy_mixture("gauss1d", &p, &err);
    ToyMixture cases[9];
    const char *names[9] = {"gauss1d",      "shift 0.25", "shift 0.5",     "shift 1",
                            "shift 2",      "shift 8",    "N(0.3, 1.8^2)", "N(0.5, 0.6^2) collapse",
                            "N(-2, 0.05^2)"};
    double shifts[5] = {0.25, 0.5, 1, 2, 8};
    cases[0] = p;
    for (int i = 0; i < 5; i++) cases[1 + i] = shifted(&p, shifts[i]);
    cases[6] = mixture1d_gaussian(0.3, 1.8);
    cases[7] = mixture1d_gaussian(0.5, 0.6);
    cases[8] = mixture1d_gaussian(-2.0, 0.05);
    (void)g;
    double worst = 0.0;
    printf("  q                         JS exact    JS from 10000 samples   error\n");
    for (int i = 0; i < 9; i++) {
        double est, exact, e = js_error(&p, &cases[i], 10000, 11 + (uint64_t)i, &est, &exact);
        printf("  %-24s  %.6f    %.6f                %.6f\n", names[i], exact, est, e);
        check_true(e <= JS_TOL, "%s: |JS(p, p^) - JS(p, q)| = %.5f <= %.3f", names[i], e, JS_TOL);
        if (e > worst) worst = e;
    }
    printf("  worst JS error %.5f nats: the readout 2 JS - log 4 within %.5f\n", worst, 2 * worst);
    /* the noise floor at the equilibrium falls with more samples (bias h^4, variance 1/(n h)) */
    double est, exact, e_small = js_error(&p, &p, 1000, 3, &est, &exact),
                       e_large = js_error(&p, &p, 40000, 3, &est, &exact);
    printf("  q = p: JS(p, p^) %.5f from 1000 samples, %.5f from 40000\n", e_small, e_large);
    check_true(e_large < e_small, "at q = p more samples give a smaller JS: %.5f < %.5f", e_large, e_small);
}

/* Sheather–Jones on one Gaussian finds about the normal-optimal 1.06 s n^(-1/5) (Silverman's
 * 0.9 min(...) is a little smaller by design); on the multimodal toy it is much smaller than
 * Silverman's, which is the point. */
static void test_bandwidths(void) {
    ToyMixture p, normal = mixture1d_gaussian(1.0, 2.0);
    NashError err = {0};
    toy_mixture("gauss1d", &p, &err);
    int n = 10000;
    float *x = malloc((size_t)n * sizeof *x);
    Kde1d kde;
    toy_sample(&normal, 5, 0, n, x);
    if (kde1d_init(&kde, x, n, 0.0, &err) == NASH_OK) {
        double ref = 1.06 * 2.0 * pow(n, -0.2), silverman = kde1d_bandwidth_silverman(kde.x, n);
        printf("  N(1, 2^2), n %d: Sheather-Jones h %.4f, normal-optimal %.4f, Silverman %.4f\n", n, kde.h, ref,
               silverman);
        check_true(fabs(kde.h / ref - 1.0) < 0.1, "Sheather-Jones h of a Gaussian %.4f within 10%% of %.4f", kde.h,
                   ref);
        kde1d_free(&kde);
    }
    toy_sample(&p, 5, 0, n, x);
    if (kde1d_init(&kde, x, n, 0.0, &err) == NASH_OK) {
        double silverman = kde1d_bandwidth_silverman(kde.x, n);
        printf("  gauss1d, n %d: Sheather-Jones h %.4f, Silverman %.4f (%.1f x)\n", n, kde.h, silverman,
               silverman / kde.h);
        check_true(kde.h < 0.5 * silverman, "on gauss1d Sheather-Jones (%.4f) < half of Silverman (%.4f)", kde.h,
                   silverman);
        double js_sj, js_silverman, exact;
        Kde1d wide;
        ToyMixture q = shifted(&p, 1.0);
        toy_sample(&q, 5, 0, n, x);
        kde1d_free(&kde);
        if (!kde1d_init(&kde, x, n, 0.0, &err) && !kde1d_init(&wide, x, n, kde1d_bandwidth_silverman(kde.x, n), &err) &&
            !js_mixture1d_kde(&p, &kde, &js_sj, &err) && !js_mixture1d_kde(&p, &wide, &js_silverman, &err) &&
            !js_mixture1d(&p, &q, &exact, &err)) {
            printf("  gauss1d vs shift 1: JS exact %.4f, Sheather-Jones %.4f, Silverman %.4f\n", exact, js_sj,
                   js_silverman);
            check_true(fabs(js_sj - exact) < fabs(js_silverman - exact), "Sheather-Jones beats Silverman on gauss1d");
            kde1d_free(&wide);
        }
        kde1d_free(&kde);
    }
    free(x);
}

static void test_refusals(void) {
    NashError err = {0};
    Kde1d kde;
    const float one[1] = {1.0f}, bad[3] = {0.0f, NAN, 1.0f}, same[4] = {2.5f, 2.5f, 2.5f, 2.5f};
    check_true(kde1d_init(&kde, one, 1, 0.0, &err) == NASH_ERR_INVALID, "one sample refused: %s", err.msg);
    check_true(kde1d_init(&kde, bad, 3, 0.0, &err) == NASH_ERR_INVALID && strstr(err.msg, "sample 1"),
               "NaN refused, naming it: %s", err.msg);
    check_true(kde1d_init(&kde, same, 4, 0.0, &err) == NASH_ERR_INVALID, "no spread refused: %s", err.msg);
    check_true(kde1d_init(&kde, same, 4, -1.0, &err) == NASH_ERR_INVALID, "negative bandwidth refused: %s", err.msg);
    if (check_true(kde1d_init(&kde, same, 4, 0.5, &err) == NASH_OK, "equal samples with a given bandwidth")) {
        ToyMixture ring;
        toy_mixture("ring8", &ring, &err);
        double js;
        check_true(js_mixture1d_kde(&ring, &kde, &js, &err) == NASH_ERR_INVALID, "2-D mixture refused: %s", err.msg);
        kde1d_free(&kde);
    }
}

int main(void) {
    test_reference_values();
    test_integrates_to_one();
    test_bandwidths();
    test_js_of_samples();
    test_refusals();
    return check_finish("kde");
}
