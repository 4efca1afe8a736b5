/* test_augment.c — DiffAugment (src/gan/augment.h) against PyTorch and in the GAN's steps.
 *
 * 1. PyTorch (tests/fixtures/augment.h5, make_augment_fixtures.py: DiffAugment_pytorch.py's
 *    operations with the draws passed in): nash's draws from Philox equal the fixture's (drawn
 *    by a Python Philox), the augmented images equal torch's, and the backward equals autograd's
 *    d <y, dy> / dx, for the whole policy on RGB, another order on a grey non-square image, and
 *    colour alone.
 * 2. The backward is the forward's transpose for any draws: <A x, dy> = <x, A^T dy>.
 * 3. In the GAN: the G step's input gradient with augmentation equals the transpose of the
 *    augmentation applied to D's gradient at the augmented fakes; R1 is taken at the augmented
 *    reals; a policy is refused for samples that are not images, and a bad policy (or a clip a
 *    penalty would ignore) at config load, naming the key.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "fixture.h"
#include "gan/augment.h"
#include "gan/gan.h"

/* L2 norm of n floats, accumulated in double. */
static double l2(const float *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s);
}

static bool config_with(Config *cfg, const char *const *sets, int n) {
    config_defaults(cfg);
    NashError err = {0};
    for (int i = 0; i < n; i++)
        if (!check_true(config_set(cfg, sets[i], &err) == NASH_OK, "config %s: %s", sets[i], err.msg)) return false;
    return true;
}

static void test_case(Fixture *fx, const char *name) {
    char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX + 64];
    fixture_fmt(obj, "/%s", name);
    char *policy = NULL, *base = NULL;
    double translation, cut;
    int seed, step, phase, first;
    size_t count, nd;
    size_t dims[4];
    int ndim = 0;
    float *x = fixture_read_floats(fx, fixture_fmt(path, "%s/x", obj), &count, &ndim, dims);
    if (!x || !fixture_attr_string(fx, obj, "policy", &policy) || !fixture_attr_string(fx, obj, "base", &base) ||
        !fixture_attr_double(fx, obj, "translation", &translation) || !fixture_attr_double(fx, obj, "cutout", &cut) ||
        !fixture_attr_int(fx, obj, "seed", &seed) || !fixture_attr_int(fx, obj, "step", &step) ||
        !fixture_attr_int(fx, obj, "phase", &phase) || !fixture_attr_int(fx, obj, "first", &first) ||
        !check_true(ndim == 4, "%s: x is (n, c, h, w)", name)) {
        free(x), free(policy), free(base);
        return;
    }
    const int n = (int)dims[0], c = (int)dims[1], h = (int)dims[2], w = (int)dims[3];
    char set_policy[96], set_t[64], set_c[64];
    snprintf(set_policy, sizeof set_policy, "augment.policy=%s", policy);
    snprintf(set_t, sizeof set_t, "augment.translation=%.17g", translation);
    snprintf(set_c, sizeof set_c, "augment.cutout=%.17g", cut);
    const char *sets[] = {set_policy, set_t, set_c};
    Config cfg;
    Augment a;
    if (!config_with(&cfg, sets, 3) || !check_true(augment_init(&a, &cfg, c, h, w), "%s: a policy", name)) {
        free(x), free(policy), free(base);
        return;
    }
    uint64_t stream = (!strcmp(base, "real") ? AUGMENT_REAL_STREAM : AUGMENT_FAKE_STREAM) +
                      noise_stream((uint64_t)step, (unsigned)phase);
    AugmentDraw *d = calloc((size_t)n, sizeof *d);
    augment_draw(&a, (uint64_t)seed, stream, first, n, d);
    float *colour = fixture_read_floats(fx, fixture_fmt(path, "%s/draws", obj), &nd, NULL, NULL);
    int64_t *shifts = fixture_read_int64(fx, fixture_fmt(path, "%s/shifts", obj), &nd);
    if (colour && shifts) {
        bool same = true;
        for (int i = 0; i < n; i++) {
            same &= d[i].brightness == colour[3 * i] && d[i].saturation == colour[3 * i + 1] &&
                    d[i].contrast == colour[3 * i + 2];
            same &= d[i].ty == shifts[4 * i] && d[i].tx == shifts[4 * i + 1] && d[i].oy == shifts[4 * i + 2] &&
                    d[i].ox == shifts[4 * i + 3];
        }
        check_true(same, "%s: the draws of Philox equal the fixture's, exactly", name);
    }
    float *dy = fixture_read_exact(fx, fixture_fmt(path, "%s/dy", obj), count);
    float *y_ref = fixture_read_exact(fx, fixture_fmt(path, "%s/y", obj), count);
    float *dx_ref = fixture_read_exact(fx, fixture_fmt(path, "%s/dx", obj), count);
    float *y = malloc(count * sizeof *y), *dx = malloc(count * sizeof *dx);
    float *work = malloc((size_t)c * h * w * sizeof *work);
    if (dy && y_ref && dx_ref && y && dx && work) {
        augment_forward(&a, d, x, y, work, n);
        snprintf(what, sizeof what, "%s (%s): the augmented images equal DiffAugment's", name, policy);
        check_close_nonzero(what, y, y_ref, count, 1e-6, 1e-5);
        augment_backward(&a, d, dy, dx, work, n);
        snprintf(what, sizeof what, "%s (%s): the backward equals autograd's", name, policy);
        check_close_nonzero(what, dx, dx_ref, count, 1e-6, 1e-5);
        /* the transpose, for these draws: <A x, dy> = <x, A^T dy>; brightness is the affine part */
        const float zero_brightness = 0.0f;
        for (int i = 0; i < n; i++) d[i].brightness = zero_brightness;
        augment_forward(&a, d, x, y, work, n);
        augment_backward(&a, d, dy, dx, work, n);
        double lhs = 0, rhs = 0, scale = 0;
        for (size_t k = 0; k < count; k++) {
            lhs += (double)y[k] * dy[k];
            rhs += (double)x[k] * dx[k];
            scale += fabs((double)y[k] * dy[k]);
        }
        check_true(fabs(lhs - rhs) <= 1e-6 * scale, "%s: <A x, dy> = %.9g equals <x, A^T dy> = %.9g", name, lhs, rhs);
    }
    free(x), free(dy), free(y_ref), free(dx_ref), free(y), free(dx), free(work), free(d), free(colour), free(shifts);
    free(policy), free(base);
}

/* A GAN on (3,4,4) images, batch 3, with a small conv critic and the whole policy; `extra` (an
 * assignment) and `seed` on top. */
static bool image_gan(Gan *gan, const char *extra, const char *seed) {
    const char *sets[] = {"discriminator.layer=conv2d 2 k=3 p=1;tanh;flatten;dense 1",
                          "generator.layer=dense 48;reshape 3 4 4",
                          "generator.latent=2",
                          "augment.policy=color,translation,cutout",
                          seed,
                          extra};
    Config cfg;
    NashError err = {0};
    return config_with(&cfg, sets, extra ? 6 : 5) &&
           check_true(gan_init(gan, &cfg, shape_3d(3, 4, 4), 3, true, true, &err) == NASH_OK, "gan_init: %s", err.msg);
}

/* The G step through the augmentation: gan_g_input_grad's dfake is A^T of D's gradient at A x. */
static void test_g_step(void) {
    Gan gan;
    if (!image_gan(&gan, NULL, "train.seed=4")) return;
    const int n = 3;
    const size_t count = (size_t)n * 48;
    float fake[144], dfake[144], seen[144], dseen[144], want[144], work[48], dlogit[3];
    fill_uniform(fake, count, -1.0f, 1.0f, 5);
    const DropoutKey key = {.step = noise_stream(7, NOISE_PHASE_GENERATOR), .sample_base = 9};
    StepStats stats = {0};
    gan_g_input_grad(&gan, fake, NULL, n, 1.0 / n, key, dfake, &stats);
    /* by hand: the same draws, D at the augmented fakes, back through A^T */
    AugmentDraw d[3];
    augment_draw(&gan.aug, gan.seed, AUGMENT_FAKE_STREAM + key.step, 9, n, d);
    augment_forward(&gan.aug, d, fake, seen, work, n);
    const float *t = net_forward(&gan.d, seen, n);
    double lg = loss_g(gan.loss, t, n, 1.0 / n, dlogit);
    net_backward(&gan.d, seen, dlogit, dseen, n, false);
    augment_backward(&gan.aug, d, dseen, want, work, n);
    check_true(lg == stats.loss_g, "the G loss is taken at the augmented fakes (%.9g, %.9g)", lg, stats.loss_g);
    check_close_nonzero("G's input gradient goes back through the augmentation", dfake, want, count, 0, 0);
    /* and it is not the gradient without augmentation */
    net_forward(&gan.d, fake, n);
    loss_g(gan.loss, net_forward(&gan.d, fake, n), n, 1.0 / n, dlogit);
    net_backward(&gan.d, fake, dlogit, dseen, n, false);
    double diff = 0;
    for (size_t k = 0; k < count; k++) diff += fabs((double)dseen[k] - dfake[k]);
    check_true(diff > 1e-3, "... which differs from the unaugmented one (sum |diff| %.3g)", diff);
    gan_free(&gan);
}

/* R1 under augmentation is taken at the augmented reals, the images D judged. */
static void test_penalty_at_what_d_saw(void) {
    Gan gan;
    if (!image_gan(&gan, "loss.penalty=r1", "train.seed=6")) return;
    const int n = 3;
    float real[144], fake[144], seen[144], g[144], work[48], ones[3] = {1, 1, 1};
    fill_uniform(real, 144, -1.0f, 1.0f, 8);
    fill_uniform(fake, 144, -1.0f, 1.0f, 9);
    const DropoutKey key = {.step = noise_stream(2, 0), .sample_base = 4};
    StepStats stats = {0};
    gan_d_zero(&gan);
    gan_d_real(&gan, real, NULL, n, 1.0 / n, key, &stats);
    gan_d_fake(&gan, fake, NULL, n, 1.0 / n, key, &stats);
    gan_d_penalty(&gan, real, fake, NULL, n, 1.0 / n, key, &stats);
    AugmentDraw d[3];
    augment_draw(&gan.aug, gan.seed, AUGMENT_REAL_STREAM + key.step, 4, n, d);
    augment_forward(&gan.aug, d, real, seen, work, n);
    net_forward(&gan.d, seen, n);
    net_backward(&gan.d, seen, ones, g, n, false);
    double mean = 0;
    for (int i = 0; i < n; i++) mean += l2(g + 48 * i, 48) / n;
    net_forward(&gan.d, real, n);
    net_backward(&gan.d, real, ones, g, n, false);
    double plain = 0;
    for (int i = 0; i < n; i++) plain += l2(g + 48 * i, 48) / n;
    check_true(fabs(stats.input_grad_norm - mean) <= 1e-6 * mean && fabs(plain - mean) > 1e-4 * mean,
               "R1 is taken at the augmented reals: mean |grad D| %.9g there (%.9g by hand), %.9g at the raw ones",
               stats.input_grad_norm, mean, plain);
    gan_free(&gan);
}

/* config_load of augment-bad.ini: a minimal config (7 lines) followed by `tail`. */
static NashStatus load_bad(const char *tail, Config *cfg, NashError *err) {
    FILE *f = fopen("augment-bad.ini", "w");
    if (!check_true(f != NULL, "write augment-bad.ini")) return NASH_ERR_IO;
    fputs("[data]\npath = x.h5\n[generator]\nlayer = dense 2\n[discriminator]\nlayer = dense 1\n", f);
    fputs(tail, f);
    fclose(f);
    return config_load("augment-bad.ini", NULL, 0, cfg, err);
}

static void test_refusals(void) {
    const char *sets[] = {"discriminator.layer=dense 1", "generator.layer=dense 2", "augment.policy=translation"};
    Config cfg;
    NashError err = {0};
    Gan gan;
    if (config_with(&cfg, sets, 3)) {
        NashStatus st = gan_init(&gan, &cfg, shape_1d(2), 4, true, true, &err);
        check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "[augment] policy = translation") &&
                       strstr(err.msg, "images (C,H,W)"),
                   "augmentation of 2-D points is refused: %s", err.msg);
        if (st == NASH_OK) gan_free(&gan);
    }
    NashStatus st = load_bad("[augment]\npolicy = color, flip\n", &cfg, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "augment-bad.ini:8") && strstr(err.msg, "'flip'") &&
                   strstr(err.msg, "color, translation, cutout"),
               "an unknown operation is refused at load, naming file, line and the known ones: %s", err.msg);
    st = load_bad("[augment]\npolicy = cutout,cutout\n", &cfg, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "listed twice"), "an operation twice is refused: %s", err.msg);
    st = load_bad("[augment]\npolicy = , ,\n[loss]\npenalty = r1\n", &cfg, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "only separators"),
               "a policy of separators only is refused, not taken for none: %s", err.msg);
    st = load_bad("[loss]\nkind = wgan\nclip = 0.01\npenalty = gp\n", &cfg, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "augment-bad.ini:9") && strstr(err.msg, "nothing is clipped"),
               "(the loss, likewise) a clip that a penalty would ignore is refused, naming its line: %s", err.msg);
    remove("augment-bad.ini");
}

int main(void) {
    Fixture fx;
    if (check_true(fixture_open(&fx, "augment.h5"), "open augment.h5")) {
        test_case(&fx, "all_rgb");
        test_case(&fx, "grey_wide");
        test_case(&fx, "color_only");
        fixture_close(&fx);
    }
    test_g_step();
    test_penalty_at_what_d_saw();
    test_refusals();
    return check_finish("augment");
}
