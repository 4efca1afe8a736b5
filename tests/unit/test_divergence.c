/* test_divergence.c — eval/divergence.c against scipy and against itself.
 *
 *   histograms   KL = scipy.stats.entropy, sqrt(JS) = scipy.spatial.distance.jensenshannon
 *                (fixtures/distances.h5, tests/fixtures/make_distance_fixtures.py), 1e-6 relative,
 *                with the empty-bin rule: +inf KL, finite JS, log 2 for disjoint supports
 *   Gaussians    the closed-form KL equals the numerical integral (1e-10 relative), diagonal =
 *                sum of univariate = full with diagonal covariances, full = numpy's closed form
 *   mixtures     KL and JS by Gauss–Legendre equal scipy.integrate.quad, 1e-6 relative
 *   errors       negative, NaN and empty histograms; non-positive-definite covariances
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/divergence.h"
#include "fixture.h"

static const double LOG2 = 0.69314718055994530942;

/* The worst relative error against each kind of reference, for the summary. */
typedef struct {
    double rel;
    char what[160];
} Worst;

static Worst worst_scipy, worst_closed;

/* |got - want| <= atol + rtol |want| (infinities must match exactly); records the worst. */
static bool close_to(Worst *w, double got, double want, double rtol, double atol, const char *what) {
    bool ok;
    double diff = fabs(got - want);
    if (isinf(want) || isinf(got)) {
        ok = got == want;
        diff = ok ? 0.0 : INFINITY;
    } else {
        ok = diff <= atol + rtol * fabs(want);
    }
    double rel = want != 0 && isfinite(want) ? diff / fabs(want) : diff;
    if (w && rel >= w->rel) {
        w->rel = rel;
        snprintf(w->what, sizeof w->what, "%s", what);
    }
    return check_true(ok, "%s: %.15g vs reference %.15g (|diff| %.2e, allowed %.2e)", what, got, want, diff,
                      atol + rtol * fabs(want));
}

static void test_histograms(Fixture *fx) {
    char **cases = NULL;
    int n = fixture_list(fx, "/hist", &cases);
    check_true(n >= 8, "distances.h5 holds the histogram cases (%d)", n);
    for (int c = 0; c < n; c++) {
        char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/hist/%s", cases[c]);
        size_t np = 0, nq = 0;
        double *p = fixture_read_doubles(fx, fixture_fmt(path, "%s/p", obj), &np, NULL, NULL);
        double *q = fixture_read_doubles(fx, fixture_fmt(path, "%s/q", obj), &nq, NULL, NULL);
        double kl_pq, kl_qp, js_distance, got, back;
        NashError err = {0};
        if (p && q && np == nq && fixture_attr_double(fx, obj, "kl_pq", &kl_pq) &&
            fixture_attr_double(fx, obj, "kl_qp", &kl_qp) &&
            fixture_attr_double(fx, obj, "js_distance", &js_distance)) {
            check_true(kl_histogram(p, q, (int64_t)np, &got, &err) == NASH_OK, "%s: %s", obj, err.msg);
            close_to(&worst_scipy, got, kl_pq, 1e-6, 1e-12, fixture_fmt(what, "%s KL(p||q) vs scipy entropy", obj));
            check_true(kl_histogram(q, p, (int64_t)np, &got, &err) == NASH_OK, "%s: %s", obj, err.msg);
            close_to(&worst_scipy, got, kl_qp, 1e-6, 1e-12, fixture_fmt(what, "%s KL(q||p) vs scipy entropy", obj));
            check_true(js_histogram(p, q, (int64_t)np, &got, &err) == NASH_OK, "%s: %s", obj, err.msg);
            close_to(&worst_scipy, sqrt(got), js_distance, 1e-6, 1e-12,
                     fixture_fmt(what, "%s sqrt(JS) vs scipy jensenshannon", obj));
            js_histogram(q, p, (int64_t)np, &back, &err);
            check_true(back == got && got >= 0 && got <= LOG2 + 1e-15, "%s: JS symmetric and in [0, log 2] (%.17g)",
                       obj, got);
        }
        free(p);
        free(q);
    }
    fixture_free_list(cases, n);

    /* the empty-bin rule on small cases worked by hand */
    const double p[4] = {1, 1, 0, 0}, q[4] = {0, 1, 1, 0}, r[4] = {0, 0, 3, 5};
    double v;
    NashError err = {0};
    kl_histogram(p, q, 4, &v, &err);
    check_true(isinf(v) && v > 0, "KL is +inf when q is empty where p is not (%g)", v);
    kl_histogram(q, (const double[4]){1, 1, 1, 1}, 4, &v, &err);
    close_to(NULL, v, log(2.0), 1e-15, 0, "KL: empty bins of p contribute nothing");
    js_histogram(p, r, 4, &v, &err);
    check_true(v == LOG2, "JS of disjoint supports is log 2 exactly (%.17g)", v);
    js_histogram(p, q, 4, &v, &err); /* m = (1/4, 1/2, 1/4, 0): JS = 1/2 (log 2) + ... = log 2 / 2 */
    close_to(NULL, v, 0.5 * LOG2, 1e-15, 0, "JS of half-overlapping supports is log 2 / 2");
}

static void test_histogram_errors(void) {
    double v;
    NashError err = {0};
    const double ok[3] = {1, 2, 3}, neg[3] = {1, -2, 3}, zero[3] = {0, 0, 0}, nan3[3] = {1, NAN, 0};
    check_true(kl_histogram(ok, neg, 3, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "bin 1") &&
                   strstr(err.msg, "q"),
               "a negative bin is refused, naming it: %s", err.msg);
    check_true(js_histogram(zero, ok, 3, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "sums to 0"),
               "an empty histogram is refused: %s", err.msg);
    check_true(js_histogram(nan3, ok, 3, &v, &err) == NASH_ERR_INVALID, "a NaN bin is refused: %s", err.msg);
    check_true(kl_histogram(ok, ok, 0, &v, &err) == NASH_ERR_INVALID, "no bins is refused: %s", err.msg);
}

/* The closed forms against the integrals: the mixture code path on one-component mixtures. */
static void test_gaussians(void) {
    const double cases[][4] = {{0, 1, 0, 1},    {0, 1, 1.5, 0.7},  {-2, 0.05, 3, 3},
                               {0, 3, 0, 0.05}, {10, 0.4, -10, 2}, {0.3, 1e-3, 0.3005, 2e-3}};
    char what[200];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const double *g = cases[c];
        double closed = NAN, integral = NAN;
        NashError err = {0};
        ToyMixture p = mixture1d_gaussian(g[0], g[1]), q = mixture1d_gaussian(g[2], g[3]);
        check_true(kl_gauss1d(g[0], g[1], g[2], g[3], &closed, &err) == NASH_OK, "closed form: %s", err.msg);
        check_true(kl_mixture1d(&p, &q, &integral, &err) == NASH_OK, "integral: %s", err.msg);
        snprintf(what, sizeof what, "KL(N(%g,%g^2)||N(%g,%g^2)) closed form vs integral", g[0], g[1], g[2], g[3]);
        close_to(&worst_closed, integral, closed, 1e-10, 1e-13, what);
    }
    /* diagonal = sum of univariate = full with a diagonal covariance */
    const double mp[3] = {0.1, -1, 2}, vp[3] = {1, 0.25, 4}, mq[3] = {0, 0.5, 2.5}, vq[3] = {2, 0.5, 1};
    double diag, sum = 0, full, term;
    double cp[9] = {0}, cq[9] = {0};
    NashError err = {0};
    for (int i = 0; i < 3; i++) {
        kl_gauss1d(mp[i], sqrt(vp[i]), mq[i], sqrt(vq[i]), &term, &err);
        sum += term;
        cp[i * 4] = vp[i];
        cq[i * 4] = vq[i];
    }
    check_true(kl_gauss_diag(mp, vp, mq, vq, 3, &diag, &err) == NASH_OK, "diagonal: %s", err.msg);
    check_true(kl_gauss_full(mp, cp, mq, cq, 3, &full, &err) == NASH_OK, "full: %s", err.msg);
    close_to(&worst_closed, diag, sum, 1e-14, 0, "diagonal KL = sum of univariate KLs");
    close_to(&worst_closed, full, diag, 1e-13, 0, "full KL with diagonal covariances = diagonal KL");
    cq[1] = cq[3] = 10; /* not positive definite */
    check_true(kl_gauss_full(mp, cp, mq, cq, 3, &full, &err) == NASH_ERR_INVALID && strstr(err.msg, "of q"),
               "a covariance that is not positive definite is refused: %s", err.msg);
    check_true(kl_gauss1d(0, 0, 0, 1, &full, &err) == NASH_ERR_INVALID, "std 0 is refused: %s", err.msg);
}

static void test_full_against_numpy(Fixture *fx) {
    const char *names[] = {"dim3", "dim5"};
    for (int c = 0; c < 2; c++) {
        char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/gauss_full/%s", names[c]);
        size_t n1, n2, n3, n4;
        double *mp = fixture_read_doubles(fx, fixture_fmt(path, "%s/mean_p", obj), &n1, NULL, NULL);
        double *cp = fixture_read_doubles(fx, fixture_fmt(path, "%s/cov_p", obj), &n2, NULL, NULL);
        double *mq = fixture_read_doubles(fx, fixture_fmt(path, "%s/mean_q", obj), &n3, NULL, NULL);
        double *cq = fixture_read_doubles(fx, fixture_fmt(path, "%s/cov_q", obj), &n4, NULL, NULL);
        double want, got = NAN;
        NashError err = {0};
        if (mp && cp && mq && cq && n2 == n1 * n1 && fixture_attr_double(fx, obj, "kl", &want)) {
            check_true(kl_gauss_full(mp, cp, mq, cq, (int)n1, &got, &err) == NASH_OK, "%s: %s", obj, err.msg);
            close_to(&worst_scipy, got, want, 1e-6, 0, fixture_fmt(what, "%s full KL vs numpy", obj));
        }
        free(mp);
        free(cp);
        free(mq);
        free(cq);
    }
}

static bool read_mixture(Fixture *fx, const char *obj, char side, ToyMixture *m) {
    char attr[16];
    int nw = 0, nm = 0, ns = 0;
    snprintf(attr, sizeof attr, "%c_weights", side);
    double *w = fixture_attr_doubles(fx, obj, attr, &nw);
    snprintf(attr, sizeof attr, "%c_means", side);
    double *mu = fixture_attr_doubles(fx, obj, attr, &nm);
    snprintf(attr, sizeof attr, "%c_stds", side);
    double *sd = fixture_attr_doubles(fx, obj, attr, &ns);
    bool ok = w && mu && sd && nw == nm && nw == ns && nw >= 1 && nw <= TOY_MAX_COMPONENTS;
    if (ok) {
        memset(m, 0, sizeof *m);
        m->dim = 1;
        m->k = nw;
        for (int c = 0; c < nw; c++) {
            m->weights[c] = w[c];
            m->means[c][0] = mu[c];
            m->stds[c] = sd[c];
        }
    }
    free(w);
    free(mu);
    free(sd);
    return check_true(ok, "%s: mixture %c readable", obj, side);
}

static void test_mixtures(Fixture *fx) {
    char **cases = NULL;
    int n = fixture_list(fx, "/mixture", &cases);
    check_true(n >= 5, "distances.h5 holds the mixture cases (%d)", n);
    ToyMixture toy;
    NashError err = {0};
    toy_mixture("gauss1d", &toy, &err);
    for (int c = 0; c < n; c++) {
        char obj[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/mixture/%s", cases[c]);
        ToyMixture p, q;
        double kl_want, js_want, kl = NAN, js = NAN, js_back = NAN;
        if (!read_mixture(fx, obj, 'p', &p) || !read_mixture(fx, obj, 'q', &q) ||
            !fixture_attr_double(fx, obj, "kl_pq", &kl_want) || !fixture_attr_double(fx, obj, "js", &js_want))
            continue;
        if (!strncmp(cases[c], "gauss1d", 7)) /* the fixture's data mixture is nash's gauss1d */
            check_true(p.k == toy.k && !memcmp(p.weights, toy.weights, sizeof p.weights) &&
                           p.means[1][0] == toy.means[1][0] && !memcmp(p.stds, toy.stds, sizeof p.stds),
                       "%s: p is data/toy.c's gauss1d", obj);
        check_true(kl_mixture1d(&p, &q, &kl, &err) == NASH_OK, "%s: %s", obj, err.msg);
        check_true(js_mixture1d(&p, &q, &js, &err) == NASH_OK, "%s: %s", obj, err.msg);
        check_true(js_mixture1d(&q, &p, &js_back, &err) == NASH_OK, "%s: %s", obj, err.msg);
        close_to(&worst_scipy, kl, kl_want, 1e-6, 1e-12, fixture_fmt(what, "%s KL vs scipy quad", obj));
        close_to(&worst_scipy, js, js_want, 1e-6, 1e-12, fixture_fmt(what, "%s JS vs scipy quad", obj));
        close_to(NULL, js_back, js, 1e-12, 1e-15, fixture_fmt(what, "%s JS is symmetric", obj));
    }
    fixture_free_list(cases, n);

    /* JS saturates at log 2 for far-apart Gaussians; KL(p||p) = 0 */
    ToyMixture a = mixture1d_gaussian(0, 1), b = mixture1d_gaussian(60, 1);
    double v = NAN;
    js_mixture1d(&a, &b, &v, &err);
    close_to(NULL, v, LOG2, 1e-12, 0, "JS of Gaussians 60 std apart is log 2");
    kl_mixture1d(&toy, &toy, &v, &err);
    check_true(fabs(v) < 1e-14, "KL(gauss1d || gauss1d) = 0 (%g)", v);
    ToyMixture ring;
    toy_mixture("ring8", &ring, &err);
    check_true(kl_mixture1d(&ring, &toy, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "dim 2"),
               "a 2-D mixture is refused: %s", err.msg);
    ToyMixture bad = toy;
    bad.stds[1] = -0.5;
    check_true(js_mixture1d(&toy, &bad, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "component 1"),
               "a negative std is refused, naming the component: %s", err.msg);
}

int main(void) {
    Fixture fx;
    if (fixture_open(&fx, "distances.h5")) {
        test_histograms(&fx);
        test_full_against_numpy(&fx);
        test_mixtures(&fx);
        fixture_close(&fx);
    }
    test_histogram_errors();
    test_gaussians();
    printf("worst relative error vs scipy/numpy: %.2e (%s)\n", worst_scipy.rel, worst_scipy.what);
    printf("worst relative error, closed form vs integral: %.2e (%s)\n", worst_closed.rel, worst_closed.what);
    return check_finish("divergence");
}
