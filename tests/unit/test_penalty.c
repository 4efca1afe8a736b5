/* test_penalty.c — the gradient penalties of a D step (src/gan/penalty.h) against PyTorch.
 *
 * 1. PyTorch (tests/fixtures/penalty.h5, group /gan, make_penalty_fixtures.py): one D step of a
 *    rank's slice, real then fake then the penalty (gan_d_real, gan_d_fake, gan_d_penalty), for
 *    WGAN-GP with spectral norm on every layer and for lazy R1 through a residual block. The
 *    interpolates drawn from Philox equal the fixture's (drawn by a Python Philox), and the D
 *    loss, the penalty, the mean input-gradient norm, every parameter gradient of the total and
 *    spectral norm's u and v after the three forwards equal torch's.
 * 2. The lazy schedule: which D steps are penalised, counted over the run.
 * 3. WGAN with a penalty does not clip D's weights; without one it does.
 * 4. A critic without second derivatives here (batch norm) is refused at set-up, naming the
 *    config, the layer and what to do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "fixture.h"
#include "gan/gan.h"

#define ATOL 1e-5
#define RTOL 1e-4

/* "a\nb" -> "a;b", the form of a --set layer list */
static void semicolons(char *s) {
    for (; *s; s++)
        if (*s == '\n') *s = ';';
}

static bool set_all(Config *cfg, const char *const *sets, int n) {
    NashError err = {0};
    for (int i = 0; i < n; i++)
        if (!check_true(config_set(cfg, sets[i], &err) == NASH_OK, "config %s: %s", sets[i], err.msg)) return false;
    return true;
}

static bool load_tensors(Fixture *fx, const char *obj, Net *net) {
    char path[FIXTURE_PATH_MAX];
    for (int k = 0; k < net->n_params + net->n_buffers; k++) {
        bool param = k < net->n_params;
        const NetTensor *t = param ? &net->param_info[k] : &net->buffer_info[k - net->n_params];
        float *v =
            fixture_read_exact(fx, fixture_fmt(path, "%s/%s/%s", obj, param ? "param" : "buffer", t->name), t->numel);
        if (!v) return false;
        memcpy((param ? net->params : net->buffers) + t->offset, v, t->numel * sizeof *v);
        free(v);
    }
    return true;
}

static void test_case(Fixture *fx, const char *name) {
    char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX + 96];
    fixture_fmt(obj, "/gan/%s", name);
    char *spec = NULL, *loss = NULL, *penalty = NULL;
    Shape in;
    int every, seed, step, phase, n_critic, first, global_batch;
    double weight, want_loss, want_penalty, want_norm;
    if (!fixture_attr_string(fx, obj, "spec", &spec) || !fixture_attr_string(fx, obj, "loss", &loss) ||
        !fixture_attr_string(fx, obj, "penalty", &penalty) || !fixture_attr_shape(fx, obj, "input_shape", &in) ||
        !fixture_attr_int(fx, obj, "every", &every) || !fixture_attr_int(fx, obj, "seed", &seed) ||
        !fixture_attr_int(fx, obj, "step", &step) || !fixture_attr_int(fx, obj, "phase", &phase) ||
        !fixture_attr_int(fx, obj, "n_critic", &n_critic) || !fixture_attr_int(fx, obj, "first", &first) ||
        !fixture_attr_int(fx, obj, "global_batch", &global_batch) || !fixture_attr_double(fx, obj, "weight", &weight) ||
        !fixture_attr_double(fx, obj, "loss_d", &want_loss) ||
        !fixture_attr_double(fx, obj, "penalty_value", &want_penalty) ||
        !fixture_attr_double(fx, obj, "input_grad_norm", &want_norm)) {
        free(spec), free(loss), free(penalty);
        return;
    }
    const int n = 5;
    semicolons(spec);
    char set_d[1024], set_g[64], set_loss[64], set_pen[64], set_w[64], set_every[64], set_seed[64], set_nc[64];
    snprintf(set_d, sizeof set_d, "discriminator.layer=%s", spec);
    /* a G of the sample's shape, only so that the GAN builds */
    if (in.ndim == 1)
        snprintf(set_g, sizeof set_g, "generator.layer=dense %d", in.dim[0]);
    else
        snprintf(set_g, sizeof set_g, "generator.layer=dense %zu;reshape %d %d", shape_numel(in), in.dim[0], in.dim[1]);
    snprintf(set_loss, sizeof set_loss, "loss.kind=%s", loss);
    snprintf(set_pen, sizeof set_pen, "loss.penalty=%s", penalty);
    snprintf(set_w, sizeof set_w, "loss.penalty_weight=%.17g", weight);
    snprintf(set_every, sizeof set_every, "loss.penalty_every=%d", every);
    snprintf(set_seed, sizeof set_seed, "train.seed=%d", seed);
    snprintf(set_nc, sizeof set_nc, "train.n_critic=%d", n_critic);
    const char *sets[] = {set_d, set_g, set_loss, set_pen, set_w, set_every, set_seed, set_nc, "generator.latent=2"};
    Config cfg;
    config_defaults(&cfg);
    NashError err = {0};
    Gan gan;
    if (!set_all(&cfg, sets, 9) ||
        !check_true(gan_init(&gan, &cfg, in, n, true, true, &err) == NASH_OK, "%s: gan_init: %s", name, err.msg)) {
        free(spec), free(loss), free(penalty);
        return;
    }
    size_t width = shape_numel(in), count = (size_t)n * width;
    float *real = fixture_read_exact(fx, fixture_fmt(path, "%s/real", obj), count);
    float *fake = fixture_read_exact(fx, fixture_fmt(path, "%s/fake", obj), count);
    float *points = fixture_read_exact(fx, fixture_fmt(path, "%s/points", obj), count);
    float *mine = malloc(count * sizeof *mine);
    if (real && fake && points && mine && load_tensors(fx, obj, &gan.d)) {
        if (gan.penalty == PENALTY_GP) {
            penalty_interpolate(gan.seed, noise_stream((uint64_t)step, (unsigned)phase), first, real, fake, n, width,
                                mine);
            snprintf(what, sizeof what, "%s: the interpolates of Philox equal the fixture's", name);
            check_close(what, mine, points, count, 1e-7, 1e-6);
        }
        check_true(gan_penalty_due(&gan, (uint64_t)step, (unsigned)phase), "%s: the penalty is due in D step (%d, %d)",
                   name, step, phase);
        const double norm = 1.0 / global_batch;
        const DropoutKey key = {.step = noise_stream((uint64_t)step, (unsigned)phase), .sample_base = (uint64_t)first};
        StepStats stats = {0};
        gan_d_zero(&gan);
        gan_d_real(&gan, real, NULL, n, norm, key, &stats);
        gan_d_fake(&gan, fake, NULL, n, norm, key, &stats);
        gan_d_penalty(&gan, real, fake, NULL, n, norm, key, &stats);
        check_true(fabs(stats.loss_d - want_loss) <= 1e-6 + 1e-5 * fabs(want_loss), "%s: loss_d %.9g vs torch %.9g",
                   name, stats.loss_d, want_loss);
        check_true(fabs(stats.penalty - want_penalty) <= 1e-6 + 1e-5 * fabs(want_penalty),
                   "%s: penalty %.9g vs torch %.9g", name, stats.penalty, want_penalty);
        check_true(fabs(stats.input_grad_norm - want_norm) <= 1e-6 + 1e-5 * fabs(want_norm),
                   "%s: mean |grad_x D| %.9g vs torch %.9g", name, stats.input_grad_norm, want_norm);
        for (int k = 0; k < gan.d.n_params + gan.d.n_buffers; k++) {
            bool param = k < gan.d.n_params;
            const NetTensor *t = param ? &gan.d.param_info[k] : &gan.d.buffer_info[k - gan.d.n_params];
            float *ref = fixture_read_exact(
                fx, fixture_fmt(path, "%s/%s/%s", obj, param ? "grad" : "buffer_after", t->name), t->numel);
            if (!ref) continue;
            snprintf(what, sizeof what, "%s: %s %s equals torch's", name, param ? "d loss / d" : "after the step,",
                     t->name);
            /* (check_close: the last bias's gradient of the hinge loss is 0 when as many reals as
             * fakes are inside the margin) */
            check_close(what, (param ? gan.d.grads : gan.d.buffers) + t->offset, ref, t->numel, ATOL, RTOL);
            free(ref);
        }
    }
    free(real), free(fake), free(points), free(mine);
    free(spec), free(loss), free(penalty);
    gan_free(&gan);
}

static void test_schedule(void) {
    /* every = 4, n_critic = 2: D steps 1, 2 | 3, 4 | 5, 6 | 7, 8 -> the 4th and 8th */
    bool want[8] = {false, false, false, true, false, false, false, true}, ok = true;
    for (int s = 1; s <= 4; s++)
        for (int j = 0; j < 2; j++)
            ok &= penalty_due(PENALTY_R1, 4, 2, (uint64_t)s, (unsigned)j) == want[2 * s + j - 2];
    check_true(ok, "every = 4 with n_critic = 2: D steps 4 and 8 (steps 2 and 4, second D step) are penalised");
    ok = true;
    for (int s = 1; s <= 5; s++) ok &= penalty_due(PENALTY_GP, 1, 1, (uint64_t)s, 0);
    check_true(ok, "every = 1: every D step");
    check_true(!penalty_due(PENALTY_NONE, 1, 1, 1, 0), "no penalty: never due");
}

static Gan *wgan(Gan *gan, const char *penalty) {
    Config cfg;
    config_defaults(&cfg);
    char set_pen[64];
    snprintf(set_pen, sizeof set_pen, "loss.penalty=%s", penalty);
    const char *sets[] = {"discriminator.layer=dense 4;relu;dense 1",
                          "generator.layer=dense 3",
                          "loss.kind=wgan",
                          set_pen,
                          "loss.clip=0.01",
                          "generator.latent=2"};
    NashError err = {0};
    if (!set_all(&cfg, sets, 6) ||
        !check_true(gan_init(gan, &cfg, shape_1d(3), 4, true, true, &err) == NASH_OK, "wgan: %s", err.msg))
        return NULL;
    return gan;
}

static void test_clipping(void) {
    const char *penalties[] = {"none", "gp"};
    for (int p = 0; p < 2; p++) {
        Gan gan;
        if (!wgan(&gan, penalties[p])) continue;
        float largest = 0.0f;
        for (size_t i = 0; i < gan.d.param_floats; i++) gan.d.params[i] = i % 2 ? 0.5f : -0.5f;
        StepStats stats = {0};
        gan_d_zero(&gan);
        gan_d_update(&gan, &stats);
        for (size_t i = 0; i < gan.d.param_floats; i++) largest = fmaxf(largest, fabsf(gan.d.params[i]));
        if (p == 0)
            check_true(largest <= 0.01f, "wgan, penalty = none: D's weights clipped to 0.01 (largest %g)", largest);
        else
            check_true(largest == 0.5f, "wgan, penalty = gp: D's weights are not clipped (largest %g)", largest);
        gan_free(&gan);
    }
}

static void test_refusal(void) {
    Config cfg;
    config_defaults(&cfg);
    const char *sets[] = {"discriminator.layer=dense 4;batchnorm;relu;dense 1", "generator.layer=dense 3",
                          "loss.penalty=r1", "generator.latent=2"};
    NashError err = {0};
    Gan gan;
    if (!set_all(&cfg, sets, 4)) return;
    NashStatus st = gan_init(&gan, &cfg, shape_1d(3), 4, true, true, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "[discriminator]") && strstr(err.msg, "penalty = r1") &&
                   strstr(err.msg, "layer 1 (batchnorm)") && strstr(err.msg, "dense"),
               "a batch-norm critic with r1 is refused, naming the section, the layer and what has kernels: %s",
               err.msg);
}

int main(void) {
    Fixture fx;
    if (check_true(fixture_open(&fx, "penalty.h5"), "open penalty.h5")) {
        test_case(&fx, "wgan_gp");
        test_case(&fx, "hinge_r1_lazy");
        fixture_close(&fx);
    }
    test_schedule();
    test_clipping();
    test_refusal();
    return check_finish("penalty");
}
