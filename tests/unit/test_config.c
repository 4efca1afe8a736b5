/* test_config.c — the strict INI config (config/config.h): defaults, every shipped config under
 * configs/, write -> load round trips, each class of error with its exact FILE:LINE and key,
 * `--set` overrides, a failed load leaving the caller's Config untouched, and docs/config.md
 * holding the reference table generated from the schema.
 *
 * `test_config --print-reference` prints that table (to paste into docs/config.md).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "config/config_schema.h"

#define BASE "[data]\npath = d.h5\n[generator]\nlayer = dense 4\n[discriminator]\nlayer = dense 1\n" /* 6 lines */
#define SECTIONS                                                                                                       \
    "data, generator, discriminator, loss, train, optim.g, optim.d, output, cluster, monitor, eval, augment"
#define TRAIN_KEYS "steps, batch, seed, n_critic, ema, log_every, precision"

static char tmp_dir[256];
static int n_files;
static Config reference; /* a loaded config: what a failed load must leave in place */

static const char *put_file(const char *text) {
    static char path[8][512];
    char *p = path[n_files % 8];
    snprintf(p, sizeof path[0], "%s/c%03d.ini", tmp_dir, n_files);
    n_files++;
    FILE *f = fopen(p, "w");
    if (!check_true(f != NULL, "create %s", p)) return p;
    fputs(text, f);
    fclose(f);
    return p;
}

/* Load `text` (from a file; NULL = no file) with the overrides and expect `code` and the message
 * PATH + tail (or tail alone when it starts with "--set" or "("), whole or as a prefix. */
static void refused_as(const char *text, const char *const *sets, int n_sets, NashStatus code, const char *tail,
                       bool prefix) {
    const char *path = text ? put_file(text) : NULL;
    char want[2048];
    bool bare = !path || !strncmp(tail, "--set", 5);
    snprintf(want, sizeof want, "%s%s", bare ? "" : path, tail);
    Config cfg = reference;
    NashError err = {0};
    NashStatus st = config_load(path, sets, n_sets, &cfg, &err);
    printf("refused: %s\n", err.msg);
    check_true(st == code, "%s: status %s, expected %s", want, nash_status_name(st), nash_status_name(code));
    bool same = prefix ? !strncmp(err.msg, want, strlen(want)) : !strcmp(err.msg, want);
    check_true(same, "message\n   got: %s\n  want: %s%s", err.msg, want, prefix ? "..." : "");
    check_true(memcmp(&cfg, &reference, sizeof cfg) == 0, "%s: a failed load leaves the Config unchanged", want);
}

static void refused(const char *text, const char *tail) { refused_as(text, NULL, 0, NASH_ERR_CONFIG, tail, false); }

static void refused_set(const char *set, const char *tail, bool prefix) {
    refused_as(BASE, &set, 1, NASH_ERR_CONFIG, tail, prefix);
}

static bool loads(const char *text, const char *const *sets, int n_sets, Config *cfg) {
    const char *path = put_file(text);
    NashError err = {0};
    return check_true(config_load(path, sets, n_sets, cfg, &err) == NASH_OK, "%s loads: %s", path, err.msg);
}

static void check_defaults(void) {
    Config c;
    config_defaults(&c);
    check_true(!strcmp(c.source, "(defaults)") && c.data.path[0] == '\0' && !c.data.flip,
               "defaults: source, data.path, data.flip off");
    check_true(c.generator.latent == 100 && c.generator.noise == NOISE_GAUSSIAN && c.generator.net.init == INIT_DCGAN &&
                   c.generator.net.n_layers == 0,
               "defaults: [generator]");
    check_true(c.discriminator.net.init == INIT_DCGAN && c.discriminator.net.n_layers == 0,
               "defaults: [discriminator]");
    check_true(c.loss.kind == LOSS_NONSAT && c.loss.clip == 0.01, "defaults: [loss]");
    check_true(c.train.steps == 1000 && c.train.batch == 64 && c.train.seed == 1 && c.train.n_critic == 1 &&
                   c.train.ema == 0 && c.train.log_every == 10 && c.train.precision == PRECISION_FLOAT32,
               "defaults: [train]");
    const OptimSettings *o[2] = {&c.optim_g, &c.optim_d};
    for (int i = 0; i < 2; i++)
        check_true(o[i]->kind == OPTIM_ADAM && o[i]->lr == 2e-4 && o[i]->beta1 == 0.5 && o[i]->beta2 == 0.999 &&
                       o[i]->momentum == 0 && o[i]->alpha == 0.99 && o[i]->eps == 1e-8 && o[i]->weight_decay == 0,
                   "defaults: [optim.%c]", "gd"[i]);
    check_true(!strcmp(c.output.dir, "runs/default") && c.output.sample_every == 100 && c.output.samples == 64 &&
                   c.output.checkpoint_every == 0 && c.output.keep == 3,
               "defaults: [output]");
    check_true(c.cluster.generator_ranks == 1 && c.cluster.layout == LAYOUT_SPLIT &&
                   c.cluster.schedule == SCHEDULE_ALTERNATING && c.cluster.sync_bn,
               "defaults: [cluster]");
    check_true(c.monitor.enabled && !strcmp(c.monitor.endpoint, "tcp://127.0.0.1:5555"), "defaults: [monitor]");
}

static void check_net(const NetConfig *net, const char *const *want, int n, const char *what) {
    bool ok = net->n_layers == n;
    for (int i = 0; ok && i < n; i++) ok = !strcmp(net->layers[i], want[i]) && net->layer_lines[i] > 0;
    check_true(ok, "%s: the %d layer lines of the reference DCGAN, with their line numbers", what, n);
}

static void check_shipped(void) {
    DIR *dir = opendir(NASH_SOURCE_DIR "/configs");
    if (!check_true(dir != NULL, "open %s/configs", NASH_SOURCE_DIR)) return;
    int count = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".ini")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/configs/%s", NASH_SOURCE_DIR, e->d_name);
        Config c;
        NashError err = {0};
        check_true(config_load(path, NULL, 0, &c, &err) == NASH_OK, "shipped %s loads: %s", e->d_name, err.msg);
        count++;
    }
    closedir(dir);
    check_true(count >= 4, "configs/ holds the 4 shipped configs (found %d)", count);

    Config c;
    NashError err = {0};
    if (!check_true(config_load(NASH_SOURCE_DIR "/configs/fashion-dcgan.ini", NULL, 0, &c, &err) == NASH_OK,
                    "fashion-dcgan loads: %s", err.msg))
        return;
    static const char *const g[] = {"dense 6272",
                                    "batchnorm",
                                    "relu",
                                    "reshape 128 7 7",
                                    "deconv2d 64 k=4 s=2 p=1",
                                    "batchnorm",
                                    "relu",
                                    "deconv2d 1 k=4 s=2 p=1",
                                    "tanh"};
    static const char *const d[] = {"conv2d 64 k=4 s=2 p=1",
                                    "leakyrelu 0.2",
                                    "conv2d 128 k=4 s=2 p=1",
                                    "batchnorm",
                                    "leakyrelu 0.2",
                                    "flatten",
                                    "dense 1"};
    check_net(&c.generator.net, g, 9, "fashion-dcgan G");
    check_net(&c.discriminator.net, d, 7, "fashion-dcgan D");
    check_true(!strcmp(c.data.path, "data/fashion-mnist.h5") && c.generator.latent == 100 &&
                   c.generator.noise == NOISE_GAUSSIAN && c.generator.net.init == INIT_DCGAN &&
                   c.discriminator.net.init == INIT_DCGAN && c.loss.kind == LOSS_NONSAT && c.train.batch == 64 &&
                   c.train.n_critic == 1 && c.train.steps == 3000 && c.output.sample_every == 250 &&
                   !strcmp(c.output.dir, "runs/fashion-dcgan"),
               "fashion-dcgan is the reference workload");
    const OptimSettings *o[2] = {&c.optim_g, &c.optim_d};
    for (int i = 0; i < 2; i++)
        check_true(o[i]->kind == OPTIM_ADAM && o[i]->lr == 2e-4 && o[i]->beta1 == 0.5 && o[i]->beta2 == 0.999,
                   "fashion-dcgan: Adam 2e-4 (0.5, 0.999) for %c", "GD"[i]);
    if (check_true(config_load(NASH_SOURCE_DIR "/configs/ring8-wgan.ini", NULL, 0, &c, &err) == NASH_OK,
                   "ring8-wgan loads: %s", err.msg))
        check_true(c.loss.kind == LOSS_WGAN && c.loss.clip == 0.01 && c.train.n_critic == 5 &&
                       c.optim_g.kind == OPTIM_RMSPROP && c.optim_d.kind == OPTIM_RMSPROP && c.optim_g.lr == 5e-5 &&
                       c.optim_d.lr == 5e-5,
                   "ring8-wgan: WGAN, clip 0.01, n_critic 5, RMSprop 5e-5");
}

/* Field by field (layer line numbers and the source name are where a config came from, not what
 * it says, and are not compared). */
static bool same_config(const Config *a, const Config *b) {
    bool ok = true;
#define SAME(f) ok &= check_true(a->f == b->f, "round trip keeps " #f)
#define SAME_STR(f) ok &= check_true(!strcmp(a->f, b->f), "round trip keeps " #f " ('%s' vs '%s')", a->f, b->f)
    SAME_STR(data.path);
    SAME(data.flip);
    SAME(generator.latent);
    SAME(generator.noise);
    SAME(loss.kind);
    SAME(loss.clip);
    SAME(train.steps);
    SAME(train.batch);
    SAME(train.seed);
    SAME(train.n_critic);
    SAME(train.ema);
    SAME(train.log_every);
    const OptimSettings *oa[2] = {&a->optim_g, &a->optim_d}, *ob[2] = {&b->optim_g, &b->optim_d};
    for (int i = 0; i < 2; i++)
        ok &= check_true(oa[i]->kind == ob[i]->kind && oa[i]->lr == ob[i]->lr && oa[i]->beta1 == ob[i]->beta1 &&
                             oa[i]->beta2 == ob[i]->beta2 && oa[i]->momentum == ob[i]->momentum &&
                             oa[i]->alpha == ob[i]->alpha && oa[i]->eps == ob[i]->eps &&
                             oa[i]->weight_decay == ob[i]->weight_decay,
                         "round trip keeps optim_%c", "gd"[i]);
    SAME_STR(output.dir);
    SAME(output.sample_every);
    SAME(output.samples);
    SAME(output.checkpoint_every);
    SAME(output.keep);
    SAME(cluster.generator_ranks);
    SAME(cluster.layout);
    SAME(cluster.schedule);
    SAME(train.precision);
    SAME(cluster.sync_bn);
    SAME(monitor.enabled);
    SAME_STR(monitor.endpoint);
    const NetConfig *na[2] = {&a->generator.net, &a->discriminator.net},
                    *nb[2] = {&b->generator.net, &b->discriminator.net};
    for (int i = 0; i < 2; i++) {
        bool net_ok = na[i]->n_layers == nb[i]->n_layers && na[i]->init == nb[i]->init;
        for (int l = 0; net_ok && l < na[i]->n_layers; l++)
            net_ok = !strcmp(na[i]->layers[l], nb[i]->layers[l]) && na[i]->specs[l].kind == nb[i]->specs[l].kind &&
                     na[i]->specs[l].units == nb[i]->specs[l].units;
        ok &= check_true(net_ok, "round trip keeps the %s's layers and init", i ? "discriminator" : "generator");
    }
#undef SAME
#undef SAME_STR
    return ok;
}

static void check_round_trip(void) {
    static char long_path[700];
    memset(long_path, 'p', 640);
    memcpy(long_path, "data.path=/", 11);
    const char *sets[] = {
        "train.seed=18446744073709551615",
        "train.steps=9000000000",
        "train.ema=0.999",
        "optim.g.lr=0.30000000000000004",
        "optim.d.eps=3.3e-12",
        "optim.d.kind=sgd",
        "optim.d.momentum=0.9",
        "loss.clip=0.1",
        "cluster.sync_bn=off",
        "data.flip=on",
        "monitor.enabled=no",
        "generator.noise=uniform",
        "output.dir=runs/a;b",
        "cluster.generator_ranks=0",
        "train.log_every=2147483647",
        long_path,
    };
    int n_sets = (int)(sizeof sets / sizeof sets[0]);
    Config a, b;
    NashError err = {0};
    if (!check_true(config_load(NASH_SOURCE_DIR "/configs/fashion-dcgan.ini", sets, n_sets, &a, &err) == NASH_OK,
                    "fashion-dcgan with overrides loads: %s", err.msg))
        return;
    check_true(a.train.seed == UINT64_MAX && a.train.steps == 9000000000LL && strlen(a.data.path) == 630 && a.data.flip,
               "overrides applied (uint64 max seed, int64 steps, 630-character path, data.flip on)");
    char *text = config_to_string(&a);
    if (!check_true(text != NULL, "config_to_string")) return;
    check_true(!strncmp(text, "# nash resolved config", 22), "the written config starts with its header comment");
    check_true(strstr(text, "\nlr = 0.30000000000000004\n") && strstr(text, "\nlayer = deconv2d 64 k=4 s=2 p=1\n") &&
                   strstr(text, "\ncheckpoint_every = 0\n") && strstr(text, "\n[monitor]\n"),
               "every key is written, defaults and layers included");
    check_true(a.cluster.generator_ranks == 0 && strstr(text, "\ngenerator_ranks = auto\n"),
               "generator_ranks = 0 is auto, and written as the word");
    if (loads(text, NULL, 0, &b)) {
        same_config(&a, &b);
        char *again = config_to_string(&b);
        const char *body_a = strchr(text, '\n'), *body_b = again ? strchr(again, '\n') : NULL;
        check_true(body_b && !strcmp(body_a, body_b), "write(load(write(cfg))) == write(cfg) below the header");
        free(again);
    }
    free(text);
}

static void check_file_errors(void) {
    refused(BASE "[optimizer]\nlr = 1\n", ":7: [optimizer] unknown section (known: " SECTIONS ")");
    refused(BASE "[bogus]\n", ":7: [bogus] unknown section (known: " SECTIONS ")");
    refused(BASE "[train]\nbogus = 1\n", ":8: [train] bogus: unknown key (known keys in [train]: " TRAIN_KEYS ")");
    refused("batch = 64\n" BASE, ":1: batch: key before any [section]; put it under its section (known: " SECTIONS ")");
    refused(BASE "[train]\nbatch = many\n", ":8: [train] batch: expected an integer, got 'many'");
    refused(BASE "[train]\nbatch = 64x\n", ":8: [train] batch: expected an integer, got '64x'");
    refused(BASE "[train]\nbatch = 6.4\n", ":8: [train] batch: expected an integer, got '6.4'");
    refused(BASE "[optim.g]\nlr = 1e-4x\n", ":8: [optim.g] lr: expected a number, got '1e-4x'");
    refused(BASE "[train]\nema = nan\n", ":8: [train] ema: expected a finite number, got 'nan'");
    refused(BASE "[optim.d]\neps = inf\n", ":8: [optim.d] eps: expected a finite number, got 'inf'");
    refused(BASE "[train]\nbatch = 0\n", ":8: [train] batch: must be between 1 and 65536, got '0'");
    refused(BASE "[train]\nsteps = 0\n", ":8: [train] steps: must be >= 1, got '0'");
    refused(BASE "[train]\nema = 1\n", ":8: [train] ema: must be >= 0 and < 1, got '1'");
    refused(BASE "[optim.d]\nlr = 0\n", ":8: [optim.d] lr: must be > 0 and <= 10, got '0'");
    refused(BASE "[loss]\nclip = -1\n", ":8: [loss] clip: must be > 0, got '-1'");
    refused(BASE "[cluster]\ngenerator_ranks = -1\n",
            ":8: [cluster] generator_ranks: must be >= 0, or auto (0), got '-1'");
    refused(BASE "[cluster]\ngenerator_ranks = automatic\n",
            ":8: [cluster] generator_ranks: expected an integer or auto, got 'automatic'");
    refused(BASE "[train]\nbatch = 99999999999999999999\n",
            ":8: [train] batch: must be between 1 and 65536, got '99999999999999999999'");
    refused(BASE "[train]\nlog_every = 3000000000\n",
            ":8: [train] log_every: out of range for a 32-bit integer (-2147483648 to 2147483647), got '3000000000'");
    refused(BASE "[train]\nsteps = 9223372036854775808\n",
            ":8: [train] steps: out of range for a 64-bit integer (-9223372036854775808 to 9223372036854775807), got "
            "'9223372036854775808'");
    refused(BASE "[train]\nseed = 18446744073709551616\n",
            ":8: [train] seed: out of range for an unsigned 64-bit integer (0 to 18446744073709551615), got "
            "'18446744073709551616'");
    refused(BASE "[train]\nseed = -1\n",
            ":8: [train] seed: out of range for an unsigned 64-bit integer (0 to 18446744073709551615), got '-1'");
    refused(BASE "[optim.g]\nlr = 1e999\n", ":8: [optim.g] lr: must be > 0 and <= 10, got '1e999'");
    refused(BASE "[optim.g]\neps = 1e999\n", ":8: [optim.g] eps: too large for a double, got '1e999'");
    refused(BASE "[cluster]\nsync_bn = maybe\n",
            ":8: [cluster] sync_bn: expected true or false (or yes/no, on/off, 1/0), got 'maybe'");
    refused(BASE "[loss]\nkind = wasserstein\n",
            ":8: [loss] kind: expected one of minimax, nonsat, wgan, hinge, lsgan; got 'wasserstein'");
    refused(BASE "[train]\nbatch = 32\nsteps = 5\nbatch = 16\n",
            ":10: [train] batch: duplicate key (already set on line 8); give each key once");
    refused(BASE "[train]\nbatch = 32\n[train]\nbatch = 16\n",
            ":10: [train] batch: duplicate key (already set on line 8); give each key once");
    refused("[data]\npath = d.h5\n[discriminator]\nlayer = dense 1\n",
            ": [generator] layer: the generator has no layers; describe it with one `layer = ...` line per layer "
            "(docs/layers.md)");
    refused("[data]\npath = d.h5\n[generator]\nlayer = dense 4\n",
            ": [discriminator] layer: the discriminator has no layers; describe it with one `layer = ...` line per "
            "layer (docs/layers.md)");
    refused("[generator]\nlayer = dense 4\n[discriminator]\nlayer = dense 1\n",
            ": [data] path: not set; give the HDF5 file written by `nash data` (e.g. path = data/fashion-mnist.h5)");
    refused_as(BASE "[generator]\nlayer = convolution 3\n", NULL, 0, NASH_ERR_CONFIG,
               ":8: [generator] layer: unknown layer 'convolution'", true);
    refused(BASE "\n  # comment\n\njust words\n",
            ":10: expected 'key = value', '[section]' or a comment, got 'just words'");
    refused(BASE "[train\n", ":7: expected ']' to end the section name");
    refused(BASE "[train] batch = 3\n", ":7: unexpected text after ']': 'batch = 3'");
    refused(BASE "[monitor]\nendpoint =\n",
            ":8: [monitor] endpoint: empty while [monitor] enabled = true; give one (e.g. tcp://127.0.0.1:5555) or "
            "set enabled = false");
}

/* Comments, blanks, indentation, CRLF, long lines: accepted, and line numbers stay right. */
static void check_file_format(void) {
    Config c;
    if (loads("# top comment\n; another\n\n[data]\n  path = d.h5   # inline comment\n[generator]\r\n"
              "layer = dense 4 ; inline\r\n\t layer = relu\n[discriminator]\nlayer=dense 1\n[train]\n"
              "batch = 32 # half\n[cluster]\nsync_bn = Off\n[monitor]\nenabled = NO\n",
              NULL, 0, &c))
        check_true(!strcmp(c.data.path, "d.h5") && c.train.batch == 32 && c.generator.net.n_layers == 2 &&
                       !strcmp(c.generator.net.layers[0], "dense 4") && !strcmp(c.generator.net.layers[1], "relu") &&
                       c.generator.net.layer_lines[0] == 7 && c.generator.net.layer_lines[1] == 8 &&
                       !c.cluster.sync_bn && !c.monitor.enabled,
                   "comments, indentation and CRLF are read; layer lines keep their line numbers (7, 8)");
    char text[8192], path[700];
    memset(path, 'x', 600);
    path[600] = '\0';
    snprintf(text, sizeof text,
             "[data]\npath = /%s  ; a long path\n[generator]\nlayer = dense 4\n"
             "[discriminator]\nlayer = dense 1\n",
             path);
    if (loads(text, NULL, 0, &c))
        check_true(strlen(c.data.path) == 601 && c.data.path[0] == '/', "a 601-character path loads whole");
    snprintf(text, sizeof text, BASE "[output]\ndir = %s\nkeep = 0\n", path);
    refused(text, ":9: [output] keep: must be >= 1, got '0'");
    snprintf(text, sizeof text, BASE "[output]\n%s = 1\n", path);
    refused(text, ":8: line too long: the key alone has 600 characters");
    snprintf(text, sizeof text, "\xEF\xBB\xBF" BASE "# %s\n[train]   ; %s\nbatch = 3\n", path, path);
    if (loads(text, NULL, 0, &c))
        check_true(c.train.batch == 3, "a byte-order mark, long comments and a long comment after [train] are read");
    snprintf(text, sizeof text, BASE "# %s\n[train]\nbatch = 3x\n", path);
    refused(text, ":9: [train] batch: expected an integer, got '3x'");
    memset(text, 0, sizeof text);
    snprintf(text, sizeof text, BASE "[data]\npath = ");
    memset(text + strlen(text), 'y', 4200);
    refused_as(text, NULL, 0, NASH_ERR_CONFIG, ":8: [data] path: duplicate key", true);
    memset(text, 0, sizeof text);
    snprintf(text, sizeof text, "[data]\npath = ");
    memset(text + strlen(text), 'y', 4200);
    refused(text, ":2: [data] path: too long: 4200 characters, at most 4095 are allowed");

    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-such.ini", tmp_dir);
    Config cfg = reference;
    NashError err = {0};
    check_true(config_load(missing, NULL, 0, &cfg, &err) == NASH_ERR_IO &&
                   strstr(err.msg, "no-such.ini: cannot open") && memcmp(&cfg, &reference, sizeof cfg) == 0,
               "a missing file is an I/O error naming it (%s), the Config untouched", err.msg);
    refused_as(NULL, NULL, 0, NASH_ERR_CONFIG,
               "(defaults): [data] path: not set; give the HDF5 file written by `nash data` (e.g. path = "
               "data/fashion-mnist.h5)",
               false);
}

static void check_overrides(void) {
    refused_set("train.bogus=1",
                "--set train.bogus=1: [train] bogus: unknown key (known keys in [train]: " TRAIN_KEYS ")", false);
    refused_set("optimizer.lr=1", "--set optimizer.lr=1: [optimizer] unknown section (known: " SECTIONS ")", false);
    refused_set("optim.g.lr=fast", "--set optim.g.lr=fast: [optim.g] lr: expected a number, got 'fast'", false);
    refused_set("optim.g.lr=11", "--set optim.g.lr=11: [optim.g] lr: must be > 0 and <= 10, got '11'", false);
    refused_set("train.batch", "--set train.batch: expected SECTION.KEY=VALUE (e.g. --set train.batch=128)", false);
    refused_set("batch=32", "--set batch=32: 'batch' needs its section: --set train.batch=32", false);
    refused_set("kind=adam", "--set kind=adam: 'kind' needs its section: SECTION.KEY=VALUE (sections: " SECTIONS ")",
                false);
    refused_set("generator.layer= ; ",
                "--set generator.layer= ; : [generator] layer: no layers: give one or more layer lines separated by "
                "';'",
                false);
    refused_set("discriminator.layer=dense 10;convolution 3",
                "--set discriminator.layer=dense 10;convolution 3: [discriminator] layer: item 2 ('convolution 3'): "
                "unknown layer 'convolution'",
                true);
    refused_set("data.path=a #b",
                "--set data.path=a #b: [data] path: '#' at the start of a word would start a comment in the config "
                "file",
                false);
    refused_set("data.path=", "--set data.path=: [data] path: not set; give the HDF5 file", true);

    Config c;
    const char *sets[] = {"train.batch=128", "generator.layer=dense 10;relu; dense 3", "train.batch = 256",
                          "optim.g.lr=1e-4"};
    if (loads(BASE "[train]\nbatch = 32\n", sets, 4, &c))
        check_true(c.train.batch == 256 && c.optim_g.lr == 1e-4 && c.generator.net.n_layers == 3 &&
                       !strcmp(c.generator.net.layers[0], "dense 10") && !strcmp(c.generator.net.layers[1], "relu") &&
                       !strcmp(c.generator.net.layers[2], "dense 3") && c.generator.net.layer_lines[0] == 0 &&
                       c.discriminator.net.n_layers == 1,
                   "--set beats the file, the last --set wins, a layer override replaces the whole list");

    Config before = reference, after = reference;
    NashError err = {0};
    check_true(config_set(&after, "train.batch=0", &err) == NASH_ERR_CONFIG &&
                   config_set(&after, "generator.layer=dense 4;bogus", &err) == NASH_ERR_CONFIG &&
                   memcmp(&before, &after, sizeof before) == 0,
               "a refused config_set leaves the Config unchanged");
    check_true(config_set(&after, "train.n_critic=5", &err) == NASH_OK && after.train.n_critic == 5,
               "config_set applies a value");
}

/* docs/config.md holds the reference table exactly as the schema writes it. */
static void check_docs(void) {
    FILE *f = fopen(NASH_SOURCE_DIR "/docs/config.md", "r");
    if (!check_true(f != NULL, "open docs/config.md")) return;
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = '\0';
    fclose(f);
    char *table = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&table, &size);
    if (!check_true(out != NULL, "open_memstream")) return;
    config_write_reference(out);
    fclose(out);
    const char *begin = strstr(doc, "<!-- BEGIN KEYS -->\n"), *end = strstr(doc, "<!-- END KEYS -->");
    if (check_true(begin && end && end > begin, "docs/config.md has the BEGIN KEYS / END KEYS markers")) {
        begin += strlen("<!-- BEGIN KEYS -->\n");
        bool same = (size_t)(end - begin) == size && !memcmp(begin, table, size);
        size_t i = 0;
        while (i < size && begin + i < end && begin[i] == table[i]) i++;
        const char *line = table + i;
        while (line > table && line[-1] != '\n') line--;
        check_true(same,
                   "docs/config.md lists every key as the schema does; first difference in the line\n  %.*s\n"
                   "  (regenerate with: test_config --print-reference)",
                   (int)strcspn(line, "\n"), line);
    }
    free(table);
}

/* Enum keys are parsed once, at load: every word of every enum key sets its field to the word's
 * index (the enum value), writes back as the same word, and parses the layer lines into specs. */
static void check_enums(void) {
    int keys = 0;
    for (int k = 0; k < CONFIG_N_KEYS; k++) {
        const ConfigKey *key = &config_keys[k];
        if (key->type != CONFIG_ENUM) continue;
        keys++;
        check_true(key->size == sizeof(int) && key->n_words >= 2, "[%s] %s is an int-sized enum of %d words",
                   key->section, key->name, key->n_words);
        for (int w = 0; w < key->n_words; w++) {
            Config c;
            config_defaults(&c);
            char set[160], line[160];
            snprintf(set, sizeof set, "%s.%s=%s", key->section, key->name, key->words[w]);
            NashError err = {0};
            bool ok = check_true(config_set(&c, set, &err) == NASH_OK, "--set %s: %s", set, err.msg);
            int value;
            memcpy(&value, (const char *)&c + key->offset, sizeof value);
            ok &= check_true(value == w, "--set %s gives value %d, want %d", set, value, w);
            char *text = config_to_string(&c);
            snprintf(line, sizeof line, "\n%s = %s\n", key->name, key->words[w]);
            if (ok)
                check_true(text && strstr(text, line), "%s writes back as '%s = %s'", set, key->name, key->words[w]);
            free(text);
        }
    }
    check_true(keys == 12,
               "12 enum keys: 2 optimizers, 2 lr decays, 2 inits, noise, loss, penalty, layout, schedule, precision "
               "(got %d)",
               keys);
    /* the words of the enums below config/ are those nn/ names them by */
    check_true(!strcmp(optim_kind_name(OPTIM_SGD), "sgd") && !strcmp(init_scheme_name(INIT_XAVIER), "xavier"),
               "nn/'s names are the config's words");
    Config c;
    if (loads("[data]\npath = d.h5\n[generator]\nlayer = conv2d 8 k=3 p=1\n[discriminator]\nlayer = dense 1\n", NULL, 0,
              &c))
        check_true(c.generator.net.specs[0].kind == LAYER_CONV2D && c.generator.net.specs[0].units == 8 &&
                       c.generator.net.specs[0].kh == 3 && c.generator.net.specs[0].ph == 1 &&
                       c.discriminator.net.specs[0].kind == LAYER_DENSE,
                   "layer lines are parsed into specs at load");
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--print-reference")) {
        config_write_reference(stdout);
        return 0;
    }
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/nash-config-XXXXXX");
    if (!check_true(mkdtemp(tmp_dir) != NULL, "mkdtemp")) return check_finish("config");
    NashError err = {0};
    check_true(config_load(NASH_SOURCE_DIR "/configs/fashion-dcgan.ini", NULL, 0, &reference, &err) == NASH_OK,
               "the reference config loads: %s", err.msg);

    check_defaults();
    check_shipped();
    check_round_trip();
    check_file_errors();
    check_file_format();
    check_overrides();
    check_enums();
    check_docs();

    for (int i = 0; i < n_files; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/c%03d.ini", tmp_dir, i);
        unlink(path);
    }
    rmdir(tmp_dir);
    return check_finish("config");
}
