/* test_frechet.c — eval/frechet.c against numpy and scipy (fixtures/frechet.h5, made by
 * make_frechet_fixtures.py the way pytorch-fid computes the FID):
 *   - the Gaussian fit (mean, unbiased covariance) equals numpy's to 1e-9 relative;
 *   - the Fréchet distance equals |mu_a-mu_b|^2 + tr(S_a + S_b - 2 sqrtm(S_a S_b)) to 1e-6
 *     relative, on same-distribution, shifted, ReLU-like and rank-deficient feature sets;
 *   - the Jacobi eigensolver's eigenvalues equal numpy.linalg.eigvalsh's, and its eigenvectors
 *     reconstruct the matrix;
 *   - d(a, a) = 0, d(a, b) = d(b, a), and a pure shift by m adds |m|^2;
 *   - fewer than 2 vectors and different dimensions are refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/frechet.h"
#include "fixture.h"

static bool close_rel(double got, double want, double rtol, double atol) {
    return fabs(got - want) <= atol + rtol * fabs(want);
}

static void test_fid_cases(Fixture *fx) {
    char **cases = NULL;
    int n = fixture_list(fx, "/fid", &cases);
    check_true(n == 4, "frechet.h5 holds the 4 distance cases (%d)", n);
    double worst = 0.0;
    for (int c = 0; c < n; c++) {
        char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/fid/%s", cases[c]);
        size_t na = 0, nb = 0, dims_a[4], dims_b[4], nm = 0, nc = 0;
        int nda = 0, ndb = 0;
        float *a = fixture_read_floats(fx, fixture_fmt(path, "%s/a", obj), &na, &nda, dims_a);
        float *b = fixture_read_floats(fx, fixture_fmt(path, "%s/b", obj), &nb, &ndb, dims_b);
        double *mean = fixture_read_doubles(fx, fixture_fmt(path, "%s/mean_a", obj), &nm, NULL, NULL);
        double *cov = fixture_read_doubles(fx, fixture_fmt(path, "%s/cov_a", obj), &nc, NULL, NULL);
        double want = 0.0;
        if (a && b && mean && cov && nda == 2 && ndb == 2 && fixture_attr_double(fx, obj, "fid", &want)) {
            int dim = (int)dims_a[1];
            FeatureStats sa, sb;
            NashError err = {0};
            bool ok = frechet_stats(a, (int64_t)dims_a[0], dim, &sa, &err) == NASH_OK &&
                      frechet_stats(b, (int64_t)dims_b[0], dim, &sb, &err) == NASH_OK;
            check_true(ok, "%s: fits (%s)", cases[c], err.msg);
            if (ok) {
                bool fit = nm == (size_t)dim && nc == (size_t)dim * (size_t)dim;
                for (int i = 0; fit && i < dim; i++) fit = close_rel(sa.mean[i], mean[i], 1e-9, 1e-12);
                for (size_t i = 0; fit && i < nc; i++) fit = close_rel(sa.cov[i], cov[i], 1e-9, 1e-12);
                check_true(fit, "%s: mean and covariance equal numpy's", cases[c]);
                double got = NAN, back = NAN, self = NAN;
                ok = frechet_distance(&sa, &sb, &got, &err) == NASH_OK &&
                     frechet_distance(&sb, &sa, &back, &err) == NASH_OK &&
                     frechet_distance(&sa, &sa, &self, &err) == NASH_OK;
                double rel = fabs(got - want) / fabs(want);
                if (rel > worst) worst = rel;
                check_true(ok && close_rel(got, want, 1e-6, 1e-9),
                           "%s: Fréchet distance %.12g vs scipy %.12g (rel %.2e)", cases[c], got, want, rel);
                check_true(close_rel(back, got, 1e-6, 1e-9), "%s: symmetric (%.12g vs %.12g)", cases[c], back, got);
                check_true(fabs(self) < 1e-6 * (1.0 + fabs(want)),
                           "%s: d(a, a) = %.3g (square roots of rounding-level eigenvalues)", cases[c], self);
                frechet_stats_free(&sa);
                frechet_stats_free(&sb);
            }
        } else {
            check_true(false, "%s: fixture data readable", cases[c]);
        }
        free(a);
        free(b);
        free(mean);
        free(cov);
    }
    printf("Fréchet distance: worst relative error vs scipy %.2e\n", worst);
    fixture_free_list(cases, n);
}

static void test_eigen(Fixture *fx) {
    char **cases = NULL;
    int n = fixture_list(fx, "/eigen", &cases);
    check_true(n == 5, "frechet.h5 holds the 5 eigen cases (%d)", n);
    for (int c = 0; c < n; c++) {
        char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/eigen/%s", cases[c]);
        size_t count = 0, dims[4];
        int nd = 0, nv = 0;
        double *a = fixture_read_doubles(fx, fixture_fmt(path, "%s/a", obj), &count, &nd, dims);
        double *want = fixture_attr_doubles(fx, obj, "values", &nv);
        if (!a || !want || nd != 2) {
            check_true(false, "%s: fixture readable", cases[c]);
            free(a);
            free(want);
            continue;
        }
        int m = (int)dims[0];
        double *work = malloc(count * sizeof *work), *v = malloc(count * sizeof *v),
               *values = malloc((size_t)m * sizeof *values);
        memcpy(work, a, count * sizeof *work);
        NashError err = {0};
        bool ok = frechet_symmetric_eigen(work, m, values, v, &err) == NASH_OK && nv == m;
        double scale = 0.0, worst = 0.0, recon = 0.0;
        for (size_t i = 0; i < count; i++) scale = fmax(scale, fabs(a[i]));
        for (int i = 0; ok && i < m; i++) worst = fmax(worst, fabs(values[i] - want[i]));
        for (int i = 0; ok && i < m; i++)
            for (int j = 0; j < m; j++) {
                double sum = 0.0;
                for (int k = 0; k < m; k++) sum += v[i * m + k] * values[k] * v[j * m + k];
                recon = fmax(recon, fabs(sum - a[i * m + j]));
            }
        check_true(ok && worst <= 1e-10 * scale, "%s: eigenvalues equal numpy's (worst %.2e)", cases[c], worst);
        check_true(ok && recon <= 1e-10 * scale, "%s: V diag(l) V^T rebuilds the matrix (worst %.2e)", cases[c], recon);
        free(a);
        free(want);
        free(work);
        free(v);
        free(values);
    }
    fixture_free_list(cases, n);
}

static void test_properties(void) {
    enum { N = 400, D = 5 };
    float *x = malloc(sizeof(float) * N * D), *y = malloc(sizeof(float) * N * D);
    unsigned s = 12345;
    for (int i = 0; i < N * D; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (float)((s >> 8) % 10000) / 1000.0f;
        y[i] = x[i] + (i % D == 2 ? 3.0f : 0.0f) + (i % D == 4 ? -1.0f : 0.0f);
    }
    FeatureStats a, b;
    NashError err = {0};
    double d = NAN;
    bool ok = frechet_stats(x, N, D, &a, &err) == NASH_OK && frechet_stats(y, N, D, &b, &err) == NASH_OK &&
              frechet_distance(&a, &b, &d, &err) == NASH_OK;
    check_true(ok && fabs(d - 10.0) < 1e-6, "a shift by (0,0,3,0,-1) gives |m|^2 = 10 (got %.9g)", d);
    frechet_stats_free(&a);
    frechet_stats_free(&b);
    check_true(frechet_stats(x, 1, D, &a, &err) == NASH_ERR_INVALID && strstr(err.msg, "at least 2"),
               "one vector is refused: %s", err.msg);
    FeatureStats c;
    ok = frechet_stats(x, N, D, &a, &err) == NASH_OK && frechet_stats(x, N, D - 1, &c, &err) == NASH_OK;
    check_true(ok && frechet_distance(&a, &c, &d, &err) == NASH_ERR_INVALID && strstr(err.msg, "dimensions"),
               "different dimensions are refused: %s", err.msg);
    frechet_stats_free(&a);
    frechet_stats_free(&c);
    free(x);
    free(y);
}

int main(void) {
    Fixture fx;
    if (fixture_open(&fx, "frechet.h5")) {
        test_fid_cases(&fx);
        test_eigen(&fx);
        fixture_close(&fx);
    }
    test_properties();
    return check_finish("frechet");
}
