/* test_weights.c — store/weights.c: save two networks, read the spec and /config back, load into a
 * net built from the read-back spec (parameters and buffers bitwise equal), and refuse, naming
 * the file, object and shapes and leaving the target net unchanged: another architecture, a
 * missing file, a file that is not HDF5, a missing group, a truncated file. No temporary file
 * is left behind. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/weights.h"

static char dir[] = "/tmp/nash_test_weights_XXXXXX";

static const char *g_layers = "dense 32\nbatchnorm\nrelu\nreshape 2 4 4\nconv2d 3 k=3 p=1\nbatchnorm\ntanh";
static const char *d_layers = "conv2d 4 k=3\nleakyrelu 0.2\nflatten\ndense 1";
static const char *config_text = "[generator]\nlatent = 5\nnoise = uniform\n\n[train]\nseed = 7\n";

static char *in_dir(const char *name) {
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static int count_entries(const char *path, bool *has_tmp) {
    int n = 0;
    *has_tmp = false;
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        if (strstr(e->d_name, ".tmp.")) *has_tmp = true;
    }
    closedir(d);
    return n;
}

static bool build(Net *net, Shape in, const char *layers) {
    NashError err = {0};
    return check_true(net_init_text(net, in, layers, 4, &err) == NASH_OK, "net builds: %s", err.msg);
}

/* A snapshot of a net's parameters and buffers, to prove a refused load changed nothing. */
typedef struct {
    float *params, *buffers;
} Snapshot;

static Snapshot snapshot(const Net *net) {
    Snapshot s = {malloc(net->param_floats * sizeof(float)), malloc((net->buffer_floats + 1) * sizeof(float))};
    memcpy(s.params, net->params, net->param_floats * sizeof(float));
    memcpy(s.buffers, net->buffers, net->buffer_floats * sizeof(float));
    return s;
}

static bool unchanged(const Net *net, Snapshot s) {
    bool same = !memcmp(s.params, net->params, net->param_floats * sizeof(float)) &&
                !memcmp(s.buffers, net->buffers, net->buffer_floats * sizeof(float));
    free(s.params);
    free(s.buffers);
    return same;
}

/* Every parameter and buffer of a and b bitwise equal (tensor by tensor, by name). */
static void expect_same_tensors(const Net *a, const Net *b) {
    int bad = 0, compared = 0;
    for (int t = 0; t < a->n_params; t++) {
        const NetTensor *ta = &a->param_info[t], *tb = net_find_param(b, ta->name);
        if (!tb || tb->numel != ta->numel ||
            memcmp(a->params + ta->offset, b->params + tb->offset, ta->numel * sizeof(float)))
            bad++;
        compared++;
    }
    for (int t = 0; t < a->n_buffers; t++) {
        const NetTensor *ta = &a->buffer_info[t], *tb = net_find_buffer(b, ta->name);
        if (!tb || tb->numel != ta->numel ||
            memcmp(a->buffers + ta->offset, b->buffers + tb->offset, ta->numel * sizeof(float)))
            bad++;
        compared++;
    }
    check_true(bad == 0 && compared == a->n_params + a->n_buffers && compared > 0,
               "all %d parameters and buffers are bitwise equal after the round trip (%d differ)", compared, bad);
}

static void test_round_trip(const Net *g, const Net *d, const float *ema) {
    const char *path = in_dir("w.h5");
    NashError err = {0};
    char *layers = NULL, *config = NULL;
    Shape in;
    if (!check_true(weights_read_spec(path, "generator", &layers, &in, &err) == NASH_OK, "read spec: %s", err.msg))
        return;
    check_true(!strcmp(layers, g_layers), "the layer lines round trip: '%s'", layers);
    check_true(shape_equal(in, shape_1d(5)), "the input shape round trips");
    Net back;
    if (build(&back, in, layers)) {
        check_true(back.param_count == g->param_count && back.params[0] == 0.0f, "the new net starts at zero");
        NashStatus st = weights_load(path, "generator", &back, &err);
        if (check_true(st == NASH_OK, "load generator: %s", err.msg)) expect_same_tensors(g, &back);
        net_free(&back);
    }
    free(layers);
    if (check_true(weights_read_spec(path, "discriminator", &layers, &in, &err) == NASH_OK, "read D spec: %s",
                   err.msg)) {
        check_true(shape_equal(in, shape_3d(3, 4, 4)) && !strcmp(layers, d_layers), "the D spec round trips");
        if (build(&back, in, layers)) {
            if (check_true(weights_load(path, "discriminator", &back, &err) == NASH_OK, "load D: %s", err.msg))
                expect_same_tensors(d, &back);
            net_free(&back);
        }
        free(layers);
    }
    /* the EMA entry: the generator's layout with values from `params` */
    if (check_true(build(&back, shape_1d(5), g_layers), "build a net for the EMA group")) {
        NashStatus st = weights_load(path, "generator_ema", &back, &err);
        if (check_true(st == NASH_OK, "load generator_ema: %s", err.msg)) {
            int bad = 0;
            for (int t = 0; t < back.n_params; t++) {
                const NetTensor *e = &back.param_info[t];
                bad += memcmp(back.params + e->offset, ema + e->offset, e->numel * sizeof(float)) != 0;
            }
            check_true(bad == 0 && back.params[0] != g->params[0],
                       "generator_ema holds the `params` values, not the net's own (%d tensors differ)", bad);
        }
        net_free(&back);
    }
    if (check_true(weights_read_config(path, &config, &err) == NASH_OK, "read config: %s", err.msg))
        check_true(!strcmp(config, config_text), "/config round trips: '%s'", config);
    free(config);
}

/* A load into `net` that must fail with `code`, a message containing each of `needles`, and no
 * change to the net. */
static void expect_refused(const char *what, const char *path, const char *group, Net *net, NashStatus code,
                           const char *const *needles) {
    NashError err = {0};
    Snapshot s = snapshot(net);
    NashStatus st = weights_load(path, group, net, &err);
    check_true(st == code, "%s: refused as %s (got %s: %s)", what, nash_status_name(code), nash_status_name(st),
               err.msg);
    for (const char *const *n = needles; *n; n++)
        check_true(strstr(err.msg, *n) != NULL, "%s: the message names '%s': %s", what, *n, err.msg);
    check_true(unchanged(net, s), "%s: the net is unchanged", what);
    printf("  %s -> %s\n", what, err.msg);
}

static void test_refusals(void) {
    const char *path = in_dir("w.h5");
    Net other;
    /* conv2d with 5 output channels instead of 3: 4.weight (5,2,3,3) vs (3,2,3,3) in the file */
    if (build(&other, shape_1d(5), "dense 32\nbatchnorm\nrelu\nreshape 2 4 4\nconv2d 5 k=3 p=1\nbatchnorm\ntanh")) {
        net_init_params(&other, INIT_TORCH, 99);
        expect_refused("another architecture", path, "generator", &other, NASH_ERR_DATA,
                       (const char *const[]){"w.h5", "/generator/4.weight", "(3,2,3,3) in the file",
                                             "(5,2,3,3) in the network", NULL});
        net_free(&other);
    }
    if (build(&other, shape_1d(6), g_layers)) {
        net_init_params(&other, INIT_TORCH, 98);
        expect_refused("another input size", path, "generator", &other, NASH_ERR_DATA,
                       (const char *const[]){"/generator/0.weight", "(32,5)", "(32,6)", NULL});
        net_free(&other);
    }
    if (build(&other, shape_1d(5), "dense 32")) {
        expect_refused("a network with fewer layers", path, "generator", &other, NASH_ERR_DATA,
                       (const char *const[]){"/generator/1.", "not in the network", NULL});
        net_free(&other);
    }
    Net g;
    if (!build(&g, shape_1d(5), g_layers)) return;
    net_init_params(&g, INIT_TORCH, 3);
    expect_refused("a missing file", in_dir("nope.h5"), "generator", &g, NASH_ERR_IO,
                   (const char *const[]){"nope.h5", "No such file", NULL});
    FILE *f = fopen(in_dir("text.h5"), "w");
    if (f) {
        fputs("this is not HDF5\n", f);
        fclose(f);
    }
    expect_refused("a text file", in_dir("text.h5"), "generator", &g, NASH_ERR_DATA,
                   (const char *const[]){"text.h5", "not an HDF5 file", NULL});
    expect_refused(
        "a missing group", path, "critic", &g, NASH_ERR_DATA,
        (const char *const[]){"w.h5", "no group /critic", "/generator", "/discriminator", "/generator_ema", NULL});

    /* the first half of a good file */
    FILE *in = fopen(path, "rb"), *out = fopen(in_dir("half.h5"), "wb");
    if (check_true(in && out, "copy half of the weights file")) {
        fseek(in, 0, SEEK_END);
        long size = ftell(in);
        fseek(in, 0, SEEK_SET);
        char *buf = malloc((size_t)size);
        if (buf && fread(buf, 1, (size_t)size, in) == (size_t)size) fwrite(buf, 1, (size_t)size / 2, out);
        free(buf);
    }
    if (in) fclose(in);
    if (out) fclose(out);
    expect_refused("a truncated file", in_dir("half.h5"), "generator", &g, NASH_ERR_DATA,
                   (const char *const[]){"half.h5", "truncated", NULL});
    char *layers = NULL;
    Shape shape;
    NashError err = {0};
    NashStatus st = weights_read_spec(in_dir("half.h5"), "generator", &layers, &shape, &err);
    check_true(st == NASH_ERR_DATA && layers == NULL && strstr(err.msg, "half.h5"),
               "reading the spec of a truncated file is refused: %s", err.msg);
    st = weights_read_spec(path, "config", &layers, &shape, &err);
    check_true(st == NASH_ERR_INVALID, "'config' is not a network group: %s", err.msg);
    char *config = NULL;
    st = weights_read_config(in_dir("nope.h5"), &config, &err);
    check_true(st == NASH_ERR_IO && config == NULL, "no config from a missing file: %s", err.msg);
    net_free(&g);
}

static void test_save_errors(const WeightsEntry *entries) {
    NashError err = {0};
    const char *path = in_dir("missing/w.h5");
    NashStatus st = weights_save(path, entries, 1, "", &err);
    check_true(st == NASH_ERR_IO && strstr(err.msg, path), "saving into a missing directory fails naming it: %s",
               err.msg);
    WeightsEntry twice[2] = {entries[0], entries[0]};
    st = weights_save(in_dir("twice.h5"), twice, 2, "", &err);
    check_true(st == NASH_ERR_INVALID && access(in_dir("twice.h5"), F_OK) != 0,
               "the same group twice is refused before writing: %s", err.msg);
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    Net g, d;
    if (!build(&g, shape_1d(5), g_layers) || !build(&d, shape_3d(3, 4, 4), d_layers)) return check_finish("weights");
    net_init_params(&g, INIT_TORCH, 11);
    net_init_params(&d, INIT_DCGAN, 12);
    fill_uniform(g.buffers, g.buffer_floats, 0.1f, 2.0f, 13); /* running statistics, not the 0/1 defaults */
    float *ema = malloc(g.param_floats * sizeof(float));
    for (size_t i = 0; i < g.param_floats; i++) ema[i] = 0.5f * g.params[i] + 0.25f;
    WeightsEntry entries[3] = {{.group = "generator", .net = &g, .layers = g_layers},
                               {.group = "discriminator", .net = &d, .layers = d_layers},
                               {.group = "generator_ema", .net = &g, .layers = g_layers, .params = ema}};
    NashError err = {0};
    /* saved twice: the second save replaces the first */
    check_true(weights_save(in_dir("w.h5"), entries, 2, "old", &err) == NASH_OK, "first save: %s", err.msg);
    if (!check_true(weights_save(in_dir("w.h5"), entries, 3, config_text, &err) == NASH_OK, "save: %s", err.msg))
        return check_finish("weights");
    bool has_tmp;
    int n = count_entries(dir, &has_tmp);
    check_true(n == 1 && !has_tmp, "only w.h5 is in the directory after saving (%d entries)", n);
    test_round_trip(&g, &d, ema);
    test_refusals();
    test_save_errors(entries);
    n = count_entries(dir, &has_tmp);
    check_true(!has_tmp, "no temporary file is left (%d entries)", n);
    if (getenv("NASH_KEEP_WEIGHTS")) {
        printf("files kept in %s\n", dir);
    } else {
        static const char *const files[] = {"w.h5", "text.h5", "half.h5"};
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) unlink(in_dir(files[i]));
        rmdir(dir);
    }
    net_free(&g);
    net_free(&d);
    free(ema);
    return check_finish("weights");
}
