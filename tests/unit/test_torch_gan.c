/* test_torch_gan.c — the GAN losses and the optimizers against PyTorch 1.13 (fixtures/gan.h5,
 * made by tests/fixtures/make_gan_fixtures.py): loss values and gradients of all five
 * objectives, and six-step parameter trajectories of SGD, Adam and RMSprop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "gan/loss.h"
#include "nn/optim.h"

typedef double (*LossFn)(LossKind, const float *, int, double, float *);

static void test_losses(Fixture *fx) {
    size_t n;
    float *t = fixture_read_floats(fx, "/loss/logits", &n, NULL, NULL);
    if (!t) return;
    const char *kinds[] = {"minimax", "nonsat", "wgan", "hinge", "lsgan"};
    const char *parts[] = {"d_real", "d_fake", "g"};
    const LossFn fns[] = {loss_d_real, loss_d_fake, loss_g};
    float *grad = malloc(n * sizeof *grad);
    for (int k = 0; k < 5; k++) {
        LossKind kind;
        NashError err = {0};
        check_true(loss_kind_parse(kinds[k], &kind, &err) == NASH_OK, "loss '%s' parses", kinds[k]);
        for (int p = 0; p < 3; p++) {
            char obj[FIXTURE_PATH_MAX], label[FIXTURE_PATH_MAX];
            fixture_fmt(obj, "/loss/%s/%s", kinds[k], parts[p]);
            double want;
            size_t m;
            float *ref = fixture_read_floats(fx, fixture_fmt(label, "%s/grad", obj), &m, NULL, NULL);
            if (!ref || !fixture_attr_double(fx, obj, "value", &want)) {
                free(ref);
                continue;
            }
            double got = fns[p](kind, t, (int)n, 1.0 / (double)n, grad);
            check_true(fabs(got - want) <= 1e-6 + 1e-5 * fabs(want), "%s value %.9g vs torch %.9g", obj, got, want);
            check_close(fixture_fmt(label, "%s gradient", obj), grad, ref, n, 1e-7, 1e-5);
            free(ref);
        }
    }
    LossKind kind;
    NashError err = {0};
    check_true(loss_kind_parse("bce", &kind, &err) == NASH_ERR_CONFIG && strstr(err.msg, "'bce'"),
               "unknown loss refused: %s", err.msg);
    free(grad);
    free(t);
}

static void test_optimizers(Fixture *fx) {
    size_t n, total;
    size_t dims[FIXTURE_MAX_DIMS];
    int ndim;
    float *p0 = fixture_read_floats(fx, "/optim/p0", &n, NULL, NULL);
    float *grads = fixture_read_floats(fx, "/optim/grads", &total, &ndim, dims);
    char **cases = NULL;
    int n_cases = fixture_list(fx, "/optim", &cases);
    if (!p0 || !grads) goto done;
    int steps = (int)dims[0];
    for (int c = 0; c < n_cases; c++) {
        if (!strcmp(cases[c], "p0") || !strcmp(cases[c], "grads")) continue;
        char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/optim/%s", cases[c]);
        char *kind = NULL;
        OptimSettings oc = {0};
        bool ok = fixture_attr_string(fx, obj, "kind", &kind) && fixture_attr_double(fx, obj, "lr", &oc.lr) &&
                  fixture_attr_double(fx, obj, "beta1", &oc.beta1) &&
                  fixture_attr_double(fx, obj, "beta2", &oc.beta2) &&
                  fixture_attr_double(fx, obj, "momentum", &oc.momentum) &&
                  fixture_attr_double(fx, obj, "alpha", &oc.alpha) && fixture_attr_double(fx, obj, "eps", &oc.eps) &&
                  fixture_attr_double(fx, obj, "weight_decay", &oc.weight_decay);
        int decay_steps = 0, steps_per_step = 1;
        ok = ok && fixture_attr_int(fx, obj, "decay_steps", &decay_steps) &&
             fixture_attr_int(fx, obj, "steps_per_step", &steps_per_step);
        oc.lr_decay = decay_steps > 0 ? LR_LINEAR : LR_CONSTANT;
        size_t m;
        float *want = ok ? fixture_read_floats(fx, fixture_fmt(path, "%s/params", obj), &m, NULL, NULL) : NULL;
        int k = 0;
        while (want && k < OPTIM_KIND_COUNT && strcmp(optim_kind_words[k], kind)) k++;
        if (want && check_true(k < OPTIM_KIND_COUNT, "%s: optimizer '%s' is one nash has", obj, kind)) {
            oc.kind = (OptimKind)k;
            Optimizer opt;
            NashError err = {0};
            float *p = malloc(n * sizeof *p);
            memcpy(p, p0, n * sizeof *p);
            if (check_true(optim_init(&opt, &oc, n, &err) == NASH_OK, "%s: %s", obj, err.msg)) {
                optim_set_decay(&opt, decay_steps, steps_per_step);
                for (int s = 0; s < steps; s++) {
                    optim_step(&opt, p, grads + (size_t)s * n);
                    char label[FIXTURE_PATH_MAX];
                    check_close_nonzero(fixture_fmt(label, "%s after step %d", obj, s + 1), p, want + (size_t)s * n, n,
                                        1e-6, 1e-5);
                }
                optim_free(&opt);
            }
            free(p);
        }
        free(want);
        free(kind);
    }
done:
    fixture_free_list(cases, n_cases);
    free(p0);
    free(grads);
}

int main(void) {
    Fixture fx;
    if (!fixture_open(&fx, "gan.h5")) return check_finish("torch_gan");
    test_losses(&fx);
    test_optimizers(&fx);
    fixture_close(&fx);
    return check_finish("torch_gan");
}
