/* test_latent.c — spherical linear interpolation of latents (src/gan/latent.h) on vectors whose
 * answers are known in closed form:
 *
 * 1. Orthogonal and obtuse unit pairs: slerp at t is the unit vector at angle t * omega from a,
 *    (cos(t omega), sin(t omega)) in their plane; equal-norm pairs keep their norm on the way.
 * 2. Unequal norms: the coefficients are sin((1-t) omega) / sin omega and sin(t omega) / sin omega.
 * 3. Endpoints are exact (t = 0 gives a, t = 1 gives b, bit for bit) on random 100-d vectors.
 * 4. The fall-backs: nearly parallel, equal, zero and opposite vectors give the straight line,
 *    never nan (their rounded cosine can fall outside [-1, 1], where acos is nan).
 * 5. The grid: row r runs from ends[2r] to ends[2r+1] in cols steps of t = c / (cols - 1).
 *
 * Every result is float32 of a double computation, so comparisons allow 2 float32 roundings of the
 * values involved (atol 1e-7 at unit scale, rtol 2.4e-7).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gan/latent.h"

#define PI 3.14159265358979323846
#define ATOL 1e-7
#define RTOL 2.4e-7 /* two float32 epsilons, 2 * 2^-23 */
#define DIM 100

static double norm(const float *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s);
}

static void test_known_angles(void) {
    const float a[2] = {1.0f, 0.0f}, b[2] = {0.0f, 1.0f};
    const double ts[] = {0.0, 0.25, 1.0 / 3.0, 0.5, 0.9, 1.0};
    for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
        float got[2], want[2] = {(float)cos(ts[k] * PI / 2), (float)sin(ts[k] * PI / 2)};
        latent_slerp(a, b, 2, ts[k], got);
        char what[96];
        snprintf(what, sizeof what, "orthogonal unit vectors at t = %.3f: (cos, sin)(t * 90 deg)", ts[k]);
        check_close(what, got, want, 2, ATOL, RTOL);
    }
    /* 120 degrees apart: halfway is 60 degrees from each */
    const float c[2] = {(float)cos(2 * PI / 3), (float)sin(2 * PI / 3)};
    float got[2], want[2] = {(float)cos(PI / 3), (float)sin(PI / 3)};
    latent_slerp(a, c, 2, 0.5, got);
    check_close("120 degrees apart, t = 0.5: the unit vector at 60 degrees", got, want, 2, ATOL, RTOL);
    /* norm 3 in 3-d, 90 degrees apart: the norm stays 3 (a straight line's midpoint has 3/sqrt 2) */
    const float p[3] = {3.0f, 0.0f, 0.0f}, q[3] = {0.0f, 0.0f, 3.0f};
    double worst = 0.0;
    for (int i = 1; i < 10; i++) {
        float m[3];
        latent_slerp(p, q, 3, i / 10.0, m);
        double angle = atan2(m[2], m[0]);
        worst = fmax(worst, fabs(norm(m, 3) - 3.0));
        check_true(fabs(angle - i / 10.0 * PI / 2) < 1e-6 && m[1] == 0.0f,
                   "norm-3 pair at t = %.1f: angle %.7f rad from a, want %.7f, in the plane", i / 10.0, angle,
                   i / 10.0 * PI / 2);
    }
    check_true(worst < 3.0 * RTOL * 2, "equal norms stay equal along the path: |norm - 3| <= %.2g", worst);
}

static void test_unequal_norms(void) {
    const float a[2] = {2.0f, 0.0f}, b[2] = {0.0f, 1.0f};
    float got[2];
    latent_slerp(a, b, 2, 0.5, got);
    /* sin(45)/sin(90) of each: (2 sqrt(1/2), sqrt(1/2)) */
    const float want[2] = {(float)(2 * sqrt(0.5)), (float)sqrt(0.5)};
    check_close("norms 2 and 1, 90 degrees, t = 0.5: sin(45)/sin(90) of each", got, want, 2, ATOL, RTOL);
    const float c[3] = {1.0f, 2.0f, -0.5f}, d[3] = {-3.0f, 0.25f, 4.0f};
    double cosine = (1.0 * -3.0 + 2.0 * 0.25 + -0.5 * 4.0) / (sqrt(1 + 4 + 0.25) * sqrt(9 + 0.0625 + 16));
    double omega = acos(cosine), t = 0.3, ca = sin((1 - t) * omega) / sin(omega), cb = sin(t * omega) / sin(omega);
    float w3[3], g3[3];
    for (int i = 0; i < 3; i++) w3[i] = (float)(ca * c[i] + cb * d[i]);
    latent_slerp(c, d, 3, t, g3);
    check_close("a 3-d pair of unequal norms at t = 0.3: the slerp coefficients", g3, w3, 3, ATOL, RTOL);
}

static void test_endpoints_exact(void) {
    float a[DIM], b[DIM], got[DIM];
    fill_uniform(a, DIM, -2.0f, 2.0f, 11);
    fill_uniform(b, DIM, -2.0f, 2.0f, 12);
    latent_slerp(a, b, DIM, 0.0, got);
    check_true(!memcmp(got, a, sizeof a), "t = 0 gives a bit for bit (100-d)");
    latent_slerp(a, b, DIM, 1.0, got);
    check_true(!memcmp(got, b, sizeof b), "t = 1 gives b bit for bit (100-d)");
}

static void test_fallbacks(void) {
    const float a[2] = {1.0f, 0.0f}, near[2] = {1.0f, 1e-6f}, zero[2] = {0.0f, 0.0f}, b[2] = {1.0f, 2.0f},
                opp[2] = {-1.0f, 0.0f};
    float got[2];
    latent_slerp(a, near, 2, 0.5, got);
    const float mid[2] = {1.0f, 0.5e-6f};
    check_close("nearly parallel (1e-6 rad): the straight line's midpoint", got, mid, 2, ATOL, RTOL);
    latent_slerp(a, a, 2, 0.7, got);
    check_close("a equal to b: a all the way", got, a, 2, ATOL, RTOL);
    latent_slerp(zero, b, 2, 0.25, got);
    const float quarter[2] = {0.25f, 0.5f};
    check_close("from the zero vector: t * b", got, quarter, 2, ATOL, RTOL);
    latent_slerp(a, opp, 2, 0.25, got);
    const float line[2] = {0.5f, 0.0f};
    check_close("opposite vectors: the straight line (no one arc between them)", got, line, 2, ATOL, RTOL);
    /* equal random vectors: the rounded cosine can exceed 1, where acos is nan */
    int nans = 0;
    for (unsigned long long seed = 1; seed <= 200; seed++) {
        float x[DIM], y[DIM];
        fill_uniform(x, DIM, -3.0f, 3.0f, seed);
        latent_slerp(x, x, DIM, 0.5, y);
        for (int i = 0; i < DIM; i++) nans += !isfinite(y[i]) || fabsf(y[i] - x[i]) > 1e-6f * (1 + fabsf(x[i]));
    }
    check_true(nans == 0, "200 random 100-d vectors slerped with themselves: themselves, never nan (%d off)", nans);
}

static void test_grid(void) {
    enum { ROWS = 2, COLS = 5, D = 3 };
    const float ends[2 * ROWS * D] = {1, 0, 0, 0, 1, 0, 2, -1, 0.5f, -1, 3, 1};
    float z[ROWS * COLS * D], want[D];
    latent_slerp_grid(ends, ROWS, COLS, D, z);
    for (int r = 0; r < ROWS; r++) {
        const float *a = ends + 2 * r * D, *b = a + D;
        check_true(!memcmp(z + r * COLS * D, a, sizeof want) && !memcmp(z + (r * COLS + COLS - 1) * D, b, sizeof want),
                   "grid row %d starts on ends[%d] and ends on ends[%d] exactly", r, 2 * r, 2 * r + 1);
        for (int c = 1; c < COLS - 1; c++) {
            latent_slerp(a, b, D, c / (double)(COLS - 1), want);
            char what[64];
            snprintf(what, sizeof what, "grid row %d, step %d: slerp at t = %d/4", r, c, c);
            check_close(what, z + (r * COLS + c) * D, want, D, 0.0, 0.0);
        }
    }
    /* the first row is the quarter circle in 4 equal angles */
    const float mid[D] = {(float)cos(PI / 4), (float)sin(PI / 4), 0.0f};
    check_close("grid row 0, the middle step: 45 degrees", z + 2 * D, mid, D, ATOL, RTOL);
}

int main(void) {
    test_known_angles();
    test_unequal_norms();
    test_endpoints_exact();
    test_fallbacks();
    test_grid();
    return check_finish("latent");
}
