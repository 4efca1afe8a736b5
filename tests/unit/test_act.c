/* test_act.c — elementwise activations (nn/act.c): values and derivatives at known points
 * (ReLU'(0) = 0, LeakyReLU'(0) = slope, sigmoid at +-100), in-place use, and derivatives
 * against central differences at random points. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "nn/act.h"

#define ATOL 1e-5
#define RTOL 1e-4

/* Forward and backward (dy = 1) at the given points against reference values. */
static void check_points(const char *name, Act l, const float *x, const float *y_ref, const float *d_ref, size_t n) {
    float y[16], dx[16], ones[16];
    char what[96];
    for (size_t i = 0; i < n; i++) ones[i] = 1.0f;
    act_forward(&l, x, y, n);
    act_backward(&l, x, y, ones, dx, n);
    snprintf(what, sizeof what, "%s: values at known points", name);
    check_close(what, y, y_ref, n, ATOL, RTOL);
    snprintf(what, sizeof what, "%s: derivatives at known points", name);
    check_close(what, dx, d_ref, n, ATOL, RTOL);
}

static void test_known_points(void) {
    const float x_relu[5] = {-2.0f, -0.5f, 0.0f, 0.5f, 3.0f};
    const float relu_y[5] = {0, 0, 0, 0.5f, 3};
    const float relu_d[5] = {0, 0, 0, 1, 1};
    check_points("relu", (Act){ACT_RELU, 0.0f}, x_relu, relu_y, relu_d, 5);

    const float leaky_y[5] = {-0.4f, -0.1f, 0, 0.5f, 3};
    const float leaky_d[5] = {0.2f, 0.2f, 0.2f, 1, 1};
    check_points("leaky_relu(0.2)", (Act){ACT_LEAKY_RELU, 0.2f}, x_relu, leaky_y, leaky_d, 5);

    const float x_tanh[5] = {-1.0f, 0.0f, 0.5f, 20.0f, -20.0f};
    const float tanh_y[5] = {-0.76159415595576489f, 0.0f, 0.46211715726000974f, 1.0f, -1.0f};
    const float tanh_d[5] = {0.41997434161402614f, 1.0f, 0.78644773296592741f, 0.0f, 0.0f};
    check_points("tanh", (Act){ACT_TANH, 0.0f}, x_tanh, tanh_y, tanh_d, 5);

    const float x_sig[7] = {-100.0f, -20.0f, -1.0f, 0.0f, 2.0f, 20.0f, 100.0f};
    const float sig_y[7] = {0.0f, 2.0611536181902037e-09f, 0.2689414213699951f, 0.5f, 0.88079707797788231f, 1.0f, 1.0f};
    const float sig_d[7] = {0.0f, 2.0611536e-09f, 0.19661193324148185f, 0.25f, 0.10499358540350662f, 0.0f, 0.0f};
    check_points("sigmoid", (Act){ACT_SIGMOID, 0.0f}, x_sig, sig_y, sig_d, 7);

    /* The tails: sigmoid(-100) = 3.7e-44 (a float subnormal), sigmoid(100) = 1 exactly in float.
     * e^x/(1+e^x) gives NaN at +100 (inf/inf); 1/(1+e^-x) gives 0 at -100 (e^100 overflows). */
    Act sig = {ACT_SIGMOID, 0.0f};
    const float tails[2] = {-100.0f, 100.0f};
    float y[2];
    act_forward(&sig, tails, y, 2);
    check_true(isfinite(y[0]) && fabs((double)y[0] - 3.7200759760208361e-44) <= 0.1 * 3.7200759760208361e-44,
               "sigmoid(-100) = 3.72e-44 to the 2%% resolution of float subnormals: got %g", (double)y[0]);
    check_true(y[1] == 1.0f, "sigmoid(100) == 1: got %.9g", (double)y[1]);
    const float far[2] = {-20.0f, -15.0f};
    const float far_ref[2] = {2.0611536181902037e-09f, 3.0590222692562472e-07f};
    act_forward(&sig, far, y, 2);
    check_close("sigmoid keeps relative accuracy in the left tail", y, far_ref, 2, 0.0, RTOL);
}

/* y may equal x in forward and dx may equal dy in backward. */
static void test_in_place(void) {
    const Act kinds[4] = {{ACT_RELU, 0.0f}, {ACT_LEAKY_RELU, 0.01f}, {ACT_TANH, 0.0f}, {ACT_SIGMOID, 0.0f}};
    const char *names[4] = {"relu", "leaky_relu", "tanh", "sigmoid"};
    enum { COUNT = 257 };
    float x[COUNT], y[COUNT], buf[COUNT], dy[COUNT], dx[COUNT], dbuf[COUNT];
    fill_uniform(x, COUNT, -4.0f, 4.0f, 61);
    fill_uniform(dy, COUNT, -1.0f, 1.0f, 62);
    for (int k = 0; k < 4; k++) {
        act_forward(&kinds[k], x, y, COUNT);
        act_backward(&kinds[k], x, y, dy, dx, COUNT);
        memcpy(buf, x, sizeof buf);
        act_forward(&kinds[k], buf, buf, COUNT);
        check_true(memcmp(buf, y, sizeof buf) == 0, "%s: in-place forward equals out-of-place", names[k]);
        memcpy(dbuf, dy, sizeof dbuf);
        act_backward(&kinds[k], x, y, dbuf, dbuf, COUNT);
        check_true(memcmp(dbuf, dx, sizeof dbuf) == 0, "%s: in-place backward equals out-of-place", names[k]);
    }
}

/* Derivatives at random points (kept 0.01 away from the ReLU kink) against central differences
 * computed in double from float forwards: step h = 1e-3, truncation ~h^2 f''' / 6 < 1e-6 and
 * rounding ~6e-8 / h = 6e-5, so atol 2e-4, rtol 1e-3. */
static void test_finite_differences(void) {
    const Act kinds[4] = {{ACT_RELU, 0.0f}, {ACT_LEAKY_RELU, 0.2f}, {ACT_TANH, 0.0f}, {ACT_SIGMOID, 0.0f}};
    const char *names[4] = {"relu", "leaky_relu", "tanh", "sigmoid"};
    enum { COUNT = 64 };
    float x[COUNT], y[COUNT], ones[COUNT], dx[COUNT], fd[COUNT];
    fill_uniform(x, COUNT, -3.0f, 3.0f, 63);
    for (int i = 0; i < COUNT; i++) {
        if (fabsf(x[i]) < 0.01f) x[i] = 0.5f;
        ones[i] = 1.0f;
    }
    const float h = 1e-3f;
    for (int k = 0; k < 4; k++) {
        act_forward(&kinds[k], x, y, COUNT);
        act_backward(&kinds[k], x, y, ones, dx, COUNT);
        for (int i = 0; i < COUNT; i++) {
            float plus = x[i] + h, minus = x[i] - h, yp, ym;
            act_forward(&kinds[k], &plus, &yp, 1);
            act_forward(&kinds[k], &minus, &ym, 1);
            fd[i] = (float)(((double)yp - ym) / ((double)plus - minus));
        }
        char what[64];
        snprintf(what, sizeof what, "%s: derivative vs finite difference", names[k]);
        check_close_nonzero(what, dx, fd, COUNT, 2e-4, 1e-3);
    }
}

int main(void) {
    test_known_points();
    test_in_place();
    test_finite_differences();
    return check_finish("act");
}
