/* test_wasserstein.c — exact 1-D W1 against scipy.stats.wasserstein_distance (fixtures/eval.h5,
 * made by tests/fixtures/make_eval_fixtures.py) within 1e-6 relative, and the sliced W1's known
 * values: equal to the exact W1 in one dimension, and 2|v|/pi for a 2-D sample against itself
 * shifted by v (E|cos theta| over uniform directions). */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "core/rng.h"
#include "eval/wasserstein.h"
#include "fixture.h"

static const double PI = 3.14159265358979323846;

static void test_against_scipy(void) {
    Fixture fx;
    if (!fixture_open(&fx, "eval.h5")) return;
    char **cases = NULL;
    int n = fixture_list(&fx, "/w1", &cases);
    check_true(n >= 6, "eval.h5 holds the W1 cases (%d)", n);
    for (int c = 0; c < n; c++) {
        char path[FIXTURE_PATH_MAX], obj[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/w1/%s", cases[c]);
        size_t na, nb;
        float *a = fixture_read_floats(&fx, fixture_fmt(path, "%s/a", obj), &na, NULL, NULL);
        float *b = fixture_read_floats(&fx, fixture_fmt(path, "%s/b", obj), &nb, NULL, NULL);
        double want, got = NAN;
        NashError err = {0};
        if (a && b && fixture_attr_double(&fx, obj, "w1", &want)) {
            check_true(w1_1d(a, (int64_t)na, b, (int64_t)nb, &got, &err) == NASH_OK, "%s: %s", obj, err.msg);
            check_true(fabs(got - want) <= 1e-6 * fabs(want), "%s: W1 %.12g vs scipy %.12g (rel %.2e)", obj, got, want,
                       fabs(got - want) / fabs(want));
            double back;
            w1_1d(b, (int64_t)nb, a, (int64_t)na, &back, &err);
            check_true(back == got, "%s: W1 is symmetric", obj);
        }
        free(a);
        free(b);
    }
    fixture_free_list(cases, n);
    fixture_close(&fx);
}

static void test_sliced(void) {
    enum { N = 4000 };
    float *x = malloc(2 * N * sizeof *x), *y = malloc(2 * N * sizeof *y);
    Rng rng = rng_make(3, 0);
    rng_normal_fill(&rng, x, 2 * N, 0.0f, 1.0f);
    const float v[2] = {0.6f, -0.8f}; /* |v| = 1 */
    for (int i = 0; i < N; i++) {
        y[2 * i] = x[2 * i] + v[0];
        y[2 * i + 1] = x[2 * i + 1] + v[1];
    }
    double sw, exact, w;
    NashError err = {0};
    check_true(sliced_w1(x, N, y, N, 2, 2000, 1, &sw, &err) == NASH_OK, "sliced W1 runs: %s", err.msg);
    check_true(fabs(sw - 2.0 / PI) < 0.01, "shift by a unit vector: sliced W1 %.5f, expected 2/pi = %.5f", sw,
               2.0 / PI);
    check_true(sliced_w1(x, N, x, N, 2, 50, 1, &w, &err) == NASH_OK && w == 0.0, "a sample against itself: %g", w);
    /* in one dimension every direction is +-1, so the sliced distance is the exact one */
    w1_1d(x, N, y, N, &exact, &err);
    sliced_w1(x, N, y, N, 1, 7, 1, &sw, &err);
    check_true(fabs(sw - exact) <= 1e-12 * exact, "1-D sliced %.9g equals exact %.9g", sw, exact);
    check_true(w1_1d(x, 0, y, N, &w, &err) == NASH_ERR_INVALID, "empty sample refused");
    free(x);
    free(y);
}

int main(void) {
    test_against_scipy();
    test_sliced();
    return check_finish("wasserstein");
}
