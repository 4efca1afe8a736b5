/* test_ema.c — the EMA of G's weights (gan.h): its decay ramps up as min(decay, (1 + t) / (10 + t))
 * after G's t-th update, and over 60 updates of a small generator the average equals that
 * recursion computed in double from the parameters after each step, |nash - ref| <= 1e-6 + 1e-5 |ref|.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "gan/gan.h"

int main(void) {
    check_true(gan_ema_decay(0.999, 1) == 2.0 / 11.0, "after the first update the decay is 2/11");
    check_true(gan_ema_decay(0.999, 50) == 51.0 / 60.0, "after 50 updates 51/60 (a window of ~7 steps)");
    check_true(gan_ema_decay(0.99, 100000) == 0.99, "late in a run the configured decay");

    Config cfg;
    config_defaults(&cfg);
    const char *sets[] = {"generator.latent=3", "generator.layer=dense 5;tanh;dense 4", "discriminator.layer=dense 1",
                          "train.ema=0.999", "train.batch=4", "optim.g.lr=0.05"};
    NashError err = {0};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        check_true(config_set(&cfg, sets[i], &err) == NASH_OK, "%s: %s", sets[i], err.msg);
    Gan gan;
    if (!check_true(gan_init(&gan, &cfg, shape_1d(4), 4, true, true, &err) == NASH_OK, "gan_init: %s", err.msg))
        return check_finish("ema");
    size_t n = gan.g.param_floats;
    double *ref = malloc(n * sizeof *ref);
    float *got = malloc(n * sizeof *got);
    for (size_t i = 0; i < n; i++) ref[i] = gan.g.params[i];
    StepStats stats = {0};
    for (int t = 1; t <= 60; t++) {
        fill_uniform(gan.g.grads, n, -1.0f, 1.0f, 100 + (unsigned)t);
        gan_g_update(&gan, &stats);
        double a = fmin(0.999, (1.0 + t) / (10.0 + t));
        for (size_t i = 0; i < n; i++) ref[i] = a * ref[i] + (1.0 - a) * gan.g.params[i];
    }
    for (size_t i = 0; i < n; i++) got[i] = (float)ref[i];
    check_close_nonzero("EMA after 60 updates against the ramped recursion", gan.ema, got, n, 1e-6, 1e-5);
    /* and it follows the generator: much nearer its parameters than the untrained ones are */
    double to_g = 0, to_start = 0;
    Gan fresh;
    if (check_true(gan_init(&fresh, &cfg, shape_1d(4), 4, true, true, &err) == NASH_OK, "gan_init: %s", err.msg)) {
        for (size_t i = 0; i < n; i++) {
            to_g += fabs((double)gan.ema[i] - gan.g.params[i]);
            to_start += fabs((double)fresh.g.params[i] - gan.g.params[i]);
        }
        check_true(to_g < 0.2 * to_start, "after 60 steps the EMA is near G (%.3g) not its start (%.3g)", to_g,
                   to_start);
        gan_free(&fresh);
    }
    free(ref);
    free(got);
    gan_free(&gan);
    return check_finish("ema");
}
