/* test_optim.c — nn/optim.c's chunked update against the plain elementwise loops it replaced,
 * bit for bit, for every optimizer and option; the logged squared norm against a plain double
 * sum; and the non-finite flag the divergence guard relies on: raised by a NaN or infinite
 * gradient, by one whose square overflows v, by a NaN already in a parameter or a moment (in a
 * full block of lanes and in the last, partial one), and by a parameter that overflows, and never
 * by a finite step. The update rules themselves are held to PyTorch in test_torch_gan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/optim.h"

/* The update rules of optim.h as plain loops over all n: the reference. */
static void reference_step(Optimizer *o, float *p, const float *grad, size_t n) {
    const double lr_now = optim_lr(o);
    o->t++;
    const float lr = (float)lr_now, wd = (float)o->weight_decay, mu = (float)o->momentum, eps = (float)o->eps;
    if (o->kind == OPTIM_SGD) {
        for (size_t i = 0; i < n; i++) {
            float g = grad[i] + wd * p[i];
            if (o->m) {
                o->m[i] = o->t == 1 ? g : mu * o->m[i] + g;
                g = o->m[i];
            }
            p[i] -= lr * g;
        }
    } else if (o->kind == OPTIM_ADAM) {
        const float b1 = (float)o->beta1, b2 = (float)o->beta2;
        const double bc1 = 1.0 - pow(o->beta1, (double)o->t), bc2 = 1.0 - pow(o->beta2, (double)o->t);
        const float step_size = (float)(lr_now / bc1), bc2_sqrt = (float)sqrt(bc2);
        for (size_t i = 0; i < n; i++) {
            float g = grad[i] + wd * p[i];
            o->m[i] = b1 * o->m[i] + (1.0f - b1) * g;
            o->v[i] = b2 * o->v[i] + (1.0f - b2) * g * g;
            float denom = sqrtf(o->v[i]) / bc2_sqrt + eps;
            p[i] -= step_size * o->m[i] / denom;
        }
    } else {
        const float a = (float)o->alpha;
        for (size_t i = 0; i < n; i++) {
            float g = grad[i] + wd * p[i];
            o->v[i] = a * o->v[i] + (1.0f - a) * g * g;
            float avg = sqrtf(o->v[i]) + eps;
            if (mu > 0.0f) {
                o->m[i] = mu * o->m[i] + g / avg;
                p[i] -= lr * o->m[i];
            } else {
                p[i] -= lr * g / avg;
            }
        }
    }
}

static const OptimSettings CASES[] = {
    {.kind = OPTIM_SGD, .lr = 0.1},
    {.kind = OPTIM_SGD, .lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3},
    {.kind = OPTIM_ADAM, .lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-8},
    {.kind = OPTIM_ADAM,
     .lr = 1e-3,
     .beta1 = 0.0,
     .beta2 = 0.9,
     .eps = 1e-8,
     .weight_decay = 1e-2,
     .lr_decay = LR_LINEAR},
    {.kind = OPTIM_RMSPROP, .lr = 1e-3, .alpha = 0.99, .eps = 1e-8},
    {.kind = OPTIM_RMSPROP, .lr = 1e-3, .alpha = 0.9, .eps = 1e-6, .momentum = 0.5, .weight_decay = 1e-4},
};
enum { N_CASES = sizeof CASES / sizeof CASES[0], STEPS = 4 };

static bool same_floats(const float *a, const float *b, size_t n) { return !a || !memcmp(a, b, n * sizeof *a); }

/* n crosses chunk boundaries and ends in a partial block of lanes */
static void test_against_reference(void) {
    const size_t n = 2 * 1024 + 37;
    float *p0 = malloc(n * sizeof(float)), *grads = malloc(STEPS * n * sizeof(float));
    float *p = malloc(n * sizeof(float)), *q = malloc(n * sizeof(float));
    fill_uniform(p0, n, -1.0f, 1.0f, 1);
    fill_uniform(grads, STEPS * n, -3.0f, 3.0f, 2);
    for (int c = 0; c < N_CASES; c++) {
        NashError err = {0};
        Optimizer got, want;
        if (!check_true(optim_init(&got, &CASES[c], n, &err) == NASH_OK &&
                            optim_init(&want, &CASES[c], n, &err) == NASH_OK,
                        "case %d: %s", c, err.msg))
            continue;
        optim_set_decay(&got, 10, 1);
        optim_set_decay(&want, 10, 1);
        memcpy(p, p0, n * sizeof(float));
        memcpy(q, p0, n * sizeof(float));
        bool same = true, norm_ok = true;
        for (int s = 0; s < STEPS; s++) {
            const float *g = grads + (size_t)s * n;
            optim_step(&got, p, g);
            reference_step(&want, q, g, n);
            same = same && !memcmp(p, q, n * sizeof(float)) && same_floats(got.m, want.m, n) &&
                   same_floats(got.v, want.v, n);
            double sq = 0.0;
            for (size_t i = 0; i < n; i++) sq += (double)g[i] * g[i];
            norm_ok = norm_ok && fabs(got.grad_sq - sq) <= 1e-13 * sq;
        }
        check_true(same, "%s case %d: parameters and state after %d steps == the plain loops' bit for bit",
                   optim_kind_name(CASES[c].kind), c, STEPS);
        check_true(norm_ok, "%s case %d: grad_sq is the gradient's sum of squares (1e-13 relative)",
                   optim_kind_name(CASES[c].kind), c);
        check_true(!got.nonfinite, "%s case %d: a finite run raises no flag", optim_kind_name(CASES[c].kind), c);
        optim_free(&got);
        optim_free(&want);
    }
    free(p0), free(grads), free(p), free(q);
}

/* the flag: a NaN gradient, an overflowing square, a NaN at the very end; each kind of optimizer */
static void test_nonfinite(void) {
    const size_t n = 1024 + 5;
    float *p = malloc(n * sizeof(float)), *g = malloc(n * sizeof(float));
    struct {
        size_t at;
        float value;
        const char *what;
    } bad[] = {{17, NAN, "a NaN gradient"},
               {n - 1, NAN, "a NaN in the last, partial block"},
               {500, 1e30f, "a gradient of 1e30 (its square overflows)"},
               {3, INFINITY, "an infinite gradient"}};
    for (int c = 0; c < N_CASES; c++)
        for (int b = 0; b < 4; b++) {
            NashError err = {0};
            Optimizer o;
            if (!check_true(optim_init(&o, &CASES[c], n, &err) == NASH_OK, "%s", err.msg)) continue;
            fill_uniform(p, n, -1.0f, 1.0f, 5);
            fill_uniform(g, n, -1.0f, 1.0f, 6);
            optim_step(&o, p, g);
            bool clean = !o.nonfinite;
            g[bad[b].at] = bad[b].value;
            optim_step(&o, p, g);
            /* 1e30 overflows only what squares it (Adam's and RMSprop's v); plain SGD takes it finitely */
            bool expect = !(bad[b].value == 1e30f && o.kind == OPTIM_SGD);
            check_true(clean && o.nonfinite == expect, "%s case %d, %s: the flag is %s", optim_kind_name(o.kind), c,
                       bad[b].what, expect ? "raised" : "not raised");
            optim_free(&o);
        }
    free(p), free(g);
}

/* a finite gradient, with the bad value already in a parameter or in the state, in a full block
 * of lanes (index 40) and in the last, partial one (n - 2); and SGD's parameter overflowing */
static void test_nonfinite_state(void) {
    const size_t n = 1024 + 5, at[2] = {40, 1024 + 5 - 2};
    float *p = malloc(n * sizeof(float)), *g = malloc(n * sizeof(float));
    for (int c = 0; c < N_CASES; c++)
        for (int where = 0; where < 3; where++)
            for (int k = 0; k < 2; k++) {
                NashError err = {0};
                Optimizer o;
                if (!check_true(optim_init(&o, &CASES[c], n, &err) == NASH_OK, "%s", err.msg)) continue;
                float *target = where == 0 ? p : where == 1 ? o.m : o.v;
                if (!target) {
                    optim_free(&o);
                    continue;
                }
                fill_uniform(p, n, -1.0f, 1.0f, 7);
                fill_uniform(g, n, -1.0f, 1.0f, 8);
                optim_step(&o, p, g); /* SGD's first step sets its momentum buffer to g */
                target[at[k]] = NAN;
                optim_step(&o, p, g);
                check_true(o.nonfinite, "%s case %d: a NaN in %s at %zu raises the flag", optim_kind_name(o.kind), c,
                           where == 0   ? "a parameter"
                           : where == 1 ? "m"
                                        : "v",
                           at[k]);
                optim_free(&o);
            }
    NashError err = {0};
    Optimizer o;
    if (check_true(optim_init(&o, &(OptimSettings){.kind = OPTIM_SGD, .lr = 1e10}, n, &err) == NASH_OK, "%s",
                   err.msg)) {
        fill_uniform(p, n, -1.0f, 1.0f, 9);
        fill_uniform(g, n, -1.0f, 1.0f, 10);
        g[n - 1] = 1e30f; /* finite, but p - 1e10 * 1e30 is not */
        optim_step(&o, p, g);
        check_true(o.nonfinite && isinf(p[n - 1]), "sgd: a parameter that overflows raises the flag");
        optim_free(&o);
    }
    free(p), free(g);
}

int main(void) {
    test_against_reference();
    test_nonfinite();
    test_nonfinite_state();
    return check_finish("test_optim");
}
