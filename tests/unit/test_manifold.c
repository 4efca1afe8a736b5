/* test_manifold.c — eval/manifold.c against numpy and scipy (fixtures/manifold.h5, made by
 * make_manifold_fixtures.py the way Bińkowski et al.'s KID code and clovaai's compute_prdc do):
 *   - KID equals the unbiased MMD² with the cubic kernel to 1e-9 relative;
 *   - precision, recall, density and coverage equal compute_prdc's exactly (they are counts) on
 *     same-distribution, collapsed, spread-out and ReLU-like sets, with k = 5 and k = 3;
 *   - a set against itself: precision, recall and coverage are 1; against a copy moved away, all
 *     four are 0; two halves of one set have a KID far below a moved copy's;
 *   - a real set prepared once (manifold_reference_init) and compared twice gives bitwise the
 *     same both times (evaluation during training compares one generator after another);
 *   - too few vectors, and k out of range, are refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/manifold.h"
#include "fixture.h"

static void test_cases(Fixture *fx) {
    char **cases = NULL;
    int n = fixture_list(fx, "/", &cases);
    check_true(n == 4, "manifold.h5 holds the 4 cases (%d)", n);
    for (int c = 0; c < n; c++) {
        char path[FIXTURE_PATH_MAX], obj[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/%s", cases[c]);
        size_t nr = 0, nf = 0, dims_r[4], dims_f[4];
        int ndr = 0, ndf = 0;
        float *real = fixture_read_floats(fx, fixture_fmt(path, "%s/real", obj), &nr, &ndr, dims_r);
        float *fake = fixture_read_floats(fx, fixture_fmt(path, "%s/fake", obj), &nf, &ndf, dims_f);
        double k = 0, kid = 0, want[4] = {0};
        const char *names[4] = {"precision", "recall", "density", "coverage"};
        bool readable = real && fake && ndr == 2 && ndf == 2 && dims_r[1] == dims_f[1] &&
                        fixture_attr_double(fx, obj, "k", &k) && fixture_attr_double(fx, obj, "kid", &kid);
        for (int i = 0; i < 4; i++) readable = readable && fixture_attr_double(fx, obj, names[i], &want[i]);
        check_true(readable, "%s: fixture readable", cases[c]);
        if (readable) {
            int dim = (int)dims_r[1];
            int64_t rows_r = (int64_t)dims_r[0], rows_f = (int64_t)dims_f[0];
            NashError err = {0};
            double got = NAN;
            ManifoldScores s = {0};
            NashStatus st = manifold_scores(real, rows_r, fake, rows_f, dim, (int)k, &got, &s, &err);
            check_true(st == NASH_OK && fabs(got - kid) <= 1e-9 * fabs(kid) + 1e-12, "%s: KID %.12g vs numpy %.12g",
                       cases[c], got, kid);
            double have[4] = {s.precision, s.recall, s.density, s.coverage};
            for (int i = 0; i < 4; i++)
                check_true(st == NASH_OK && fabs(have[i] - want[i]) < 1e-12, "%s: %s %.6f vs compute_prdc %.6f (k %d)",
                           cases[c], names[i], have[i], want[i], (int)k);
            /* one real set prepared once, compared twice: the second comparison is the first */
            ManifoldReference ref;
            ManifoldScores t = {0};
            double kid2 = NAN;
            st = manifold_reference_init(&ref, real, rows_r, dim, (int)k, &err);
            if (!st) st = manifold_compare(&ref, fake, rows_f, &kid2, &t, &err);
            if (!st) st = manifold_compare(&ref, fake, rows_f, &kid2, &t, &err);
            check_true(st == NASH_OK && kid2 == got && t.precision == s.precision && t.recall == s.recall &&
                           t.density == s.density && t.coverage == s.coverage,
                       "%s: a prepared real set compared again gives bitwise the same", cases[c]);
            if (!st) manifold_reference_free(&ref);
        }
        free(real);
        free(fake);
    }
    fixture_free_list(cases, n);
}

static void test_properties(void) {
    enum { N = 200, D = 6 };
    float *x = malloc(sizeof(float) * N * D), *y = malloc(sizeof(float) * N * D);
    unsigned s = 777u;
    for (int i = 0; i < N * D; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (float)((s >> 8) % 10000) / 5000.0f - 1.0f;
        y[i] = x[i] + 3.0f;
    }
    NashError err = {0};
    ManifoldScores self = {0};
    double kid_self = NAN;
    check_true(manifold_scores(x, N, x, N, D, 5, &kid_self, &self, &err) == NASH_OK && self.precision == 1.0 &&
                   self.recall == 1.0 && self.coverage == 1.0,
               "a set against itself: precision %.3f, recall %.3f, coverage %.3f are 1", self.precision, self.recall,
               self.coverage);
    ManifoldScores apart = {0};
    double near = NAN, far = NAN;
    check_true(manifold_scores(x, N, y, N, D, 5, &far, &apart, &err) == NASH_OK && apart.precision == 0.0 &&
                   apart.recall == 0.0 && apart.density == 0.0 && apart.coverage == 0.0,
               "fakes moved 3 away in every coordinate: all four are 0");
    check_true(manifold_scores(x + (N / 2) * D, N / 2, x, N / 2, D, 5, &near, &apart, &err) == NASH_OK &&
                   far > 100.0 * fabs(near),
               "KID: two halves of one set %.3g, a moved copy %.3g", near, far);
    check_true(manifold_scores(x, N, y, 5, D, 5, &far, &apart, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "more than 5 generated"),
               "5 generated vectors with k = 5 are refused: %s", err.msg);
    check_true(manifold_scores(x, 5, y, N, D, 5, &far, &apart, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "more than 5 real"),
               "5 real vectors with k = 5 are refused: %s", err.msg);
    check_true(manifold_scores(x, N, y, N, D, 0, &far, &apart, &err) == NASH_ERR_INVALID && strstr(err.msg, "k = 0"),
               "k = 0 is refused: %s", err.msg);
    free(x);
    free(y);
}

int main(void) {
    Fixture fx;
    if (fixture_open(&fx, "manifold.h5")) {
        test_cases(&fx);
        fixture_close(&fx);
    }
    test_properties();
    return check_finish("manifold");
}
