/* check.c — assertions for nash's C tests (see check.h). */
#include "check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/rng.h"

static int passed, failed;
static double last_ratio, last_relerr;

bool check_true(bool ok, const char *what, ...) {
    if (ok) {
        passed++;
        return true;
    }
    failed++;
    va_list ap;
    va_start(ap, what);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, what, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return false;
}

static bool compare(const char *what, const float *got, const float *ref, size_t n, double atol, double rtol,
                    bool nonzero) {
    double worst = -1.0, worst_relerr = 0.0, ref_max = 0.0;
    size_t worst_i = 0;
    bool finite = true;
    for (size_t i = 0; i < n; i++) {
        double a = got[i], b = ref[i];
        if (!isfinite(a) || !isfinite(b)) {
            finite = false;
            worst_i = i;
            break;
        }
        double d = fabs(a - b);
        double r = d / (atol + rtol * fabs(b));
        double rel = d / fmax(fabs(b), atol);
        if (rel > worst_relerr) worst_relerr = rel;
        if (r > worst) {
            worst = r;
            worst_i = i;
        }
        if (fabs(b) > ref_max) ref_max = fabs(b);
    }
    last_ratio = worst;
    last_relerr = worst_relerr;
    if (!finite)
        return check_true(false, "%s: non-finite value at [%zu]: got %g ref %g", what, worst_i, (double)got[worst_i],
                          (double)ref[worst_i]);
    if (n == 0) return check_true(false, "%s: nothing to compare", what);
    if (nonzero && ref_max == 0.0) return check_true(false, "%s: reference is all zero (%zu values)", what, n);
    if (worst > 1.0) {
        double b = ref[worst_i];
        return check_true(false, "%s: worst [%zu] got %.8g ref %.8g |diff| %.3g > allowed %.3g (%zu values)", what,
                          worst_i, (double)got[worst_i], b, fabs((double)got[worst_i] - b), atol + rtol * fabs(b), n);
    }
    return check_true(true, "%s", what);
}

bool check_close(const char *what, const float *got, const float *ref, size_t n, double atol, double rtol) {
    return compare(what, got, ref, n, atol, rtol, false);
}

bool check_close_nonzero(const char *what, const float *got, const float *ref, size_t n, double atol, double rtol) {
    return compare(what, got, ref, n, atol, rtol, true);
}

double check_last_ratio(void) { return last_ratio; }
double check_last_relerr(void) { return last_relerr; }

int check_finish(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

void fill_uniform(float *x, size_t n, float lo, float hi, unsigned long long seed) {
    Rng rng = rng_make(seed, 0x7e57);
    rng_uniform_fill(&rng, x, n, lo, hi);
}
