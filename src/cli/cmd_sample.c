/* cmd_sample.c — `nash sample`: run a weights file's generator on fresh noise and write the
 * samples as a PNG grid (images), a PNG scatter plot (2-D points) or an HDF5 file.
 *
 * z for sample i is sample i of the fixed noise stream of the seed (gan/noise.h), so the same
 * seed always draws the same z however the batch is split into chunks. In eval mode (the
 * default) batch norm uses its running statistics and samples are generated in chunks of at
 * most SAMPLE_CHUNK; with --train-mode it uses the statistics of all N samples at once.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "draw/jpeg.h"
#include "draw/png.h"
#include "gan/sampler.h"
#include "nn/net.h"
#include "store/samples.h"
#include "store/weights.h"

#define SAMPLE_MAX 4096
#define SAMPLE_JPEG_QUALITY 95 /* high: sample grids are small and their detail is the point */
#define SAMPLE_CHUNK 256
#define SCATTER_SIZE 512

typedef enum { OUTPUT_PNG, OUTPUT_JPEG, OUTPUT_H5 } OutputKind;

typedef struct {
    const char *weights, *out;
    OutputKind kind;
    int n, cols, scale;
    uint64_t seed;
    bool train_mode;
    const char *group; /* "generator", or "generator_ema" with --ema */
} SampleArgs;

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "nash sample: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see nash sample --help\n");
    return NASH_EXIT_USAGE;
}

static bool parse_int(const char *s, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

static bool parse_seed(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s)) return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = (uint64_t)v;
    return true;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    if (n <= m) return false;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s[n - m + i]) != suffix[i]) return false;
    return true;
}

/* Returns -1 when the arguments are good, else the exit code. */
static int parse_args(int argc, char **argv, SampleArgs *a) {
    *a = (SampleArgs){.n = 64, .scale = 1, .group = "generator"};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-n") || !strcmp(s, "-o") || !strcmp(s, "--seed") || !strcmp(s, "--cols") ||
            !strcmp(s, "--scale")) {
            if (i + 1 >= argc) return usage_error("%s needs a value", s);
            const char *v = argv[++i];
            if (!strcmp(s, "-n") && !parse_int(v, 1, SAMPLE_MAX, &a->n))
                return usage_error("-n takes a number of samples from 1 to 4096, not '%s'", v);
            if (!strcmp(s, "--cols") && !parse_int(v, 1, SAMPLE_MAX, &a->cols))
                return usage_error("--cols takes a number of tiles per row from 1 to 4096, not '%s'", v);
            if (!strcmp(s, "--scale") && !parse_int(v, 1, 64, &a->scale))
                return usage_error("--scale takes a whole zoom from 1 to 64, not '%s'", v);
            if (!strcmp(s, "--seed") && !parse_seed(v, &a->seed))
                return usage_error("--seed takes an unsigned 64-bit integer, not '%s'", v);
            if (!strcmp(s, "-o")) a->out = v;
        } else if (!strcmp(s, "--train-mode")) {
            a->train_mode = true;
        } else if (!strcmp(s, "--ema")) {
            a->group = "generator_ema";
        } else if (s[0] == '-' && s[1]) {
            return usage_error("unknown option '%s'", s);
        } else if (a->weights) {
            return usage_error("one weights file only (got a second: '%s')", s);
        } else {
            a->weights = s;
        }
    }
    if (!a->weights) return usage_error("%s", "no weights file given");
    if (!a->out) return usage_error("%s", "no output given (-o OUT.png, -o OUT.jpg or -o OUT.h5)");
    if (ends_with(a->out, ".png"))
        a->kind = OUTPUT_PNG;
    else if (ends_with(a->out, ".jpg") || ends_with(a->out, ".jpeg"))
        a->kind = OUTPUT_JPEG;
    else if (ends_with(a->out, ".h5") || ends_with(a->out, ".hdf5"))
        a->kind = OUTPUT_H5;
    else
        return usage_error("cannot tell the output format of '%s' (use .png, .jpg or .h5)", a->out);
    return -1;
}

static NashStatus write_picture(const SampleArgs *a, Shape out, const float *samples, char *what, size_t size,
                                NashError *err) {
    char shape[64];
    shape_format(out, shape, sizeof shape);
    if (out.ndim == 3 && (out.dim[0] == 1 || out.dim[0] == 3)) {
        int cols = a->cols ? a->cols : (int)ceil(sqrt((double)a->n));
        if (cols > a->n) cols = a->n;
        int rows = (a->n + cols - 1) / cols;
        snprintf(what, size, "a %dx%d grid of images %s%s", rows, cols, shape, a->scale > 1 ? ", zoomed" : "");
        if (a->kind == OUTPUT_JPEG)
            return jpeg_write_grid(a->out, samples, a->n, out.dim[0], out.dim[1], out.dim[2], cols, -1.0f, 1.0f,
                                   a->scale, SAMPLE_JPEG_QUALITY, err);
        return png_write_grid_scaled(a->out, samples, a->n, out.dim[0], out.dim[1], out.dim[2], cols, -1.0f, 1.0f,
                                     a->scale, err);
    }
    if (a->kind == OUTPUT_JPEG)
        return nash_fail(err, NASH_ERR_INVALID,
                         "%s: samples of shape %s are no image: a JPEG takes images (1,H,W) or "
                         "(3,H,W); write .png (2-D points) or .h5 instead",
                         a->out, shape);
    if (out.ndim == 1 && out.dim[0] == 2) {
        float m = 0.0f;
        for (size_t i = 0; i < 2 * (size_t)a->n; i++)
            if (isfinite(samples[i]) && fabsf(samples[i]) > m) m = fabsf(samples[i]);
        float bound = ceilf(m);
        if (bound < 1.0f) bound = 1.0f;
        snprintf(what, size, "a %dx%d scatter plot of 2-D points over [-%g,%g]^2", SCATTER_SIZE, SCATTER_SIZE, bound,
                 bound);
        return png_write_scatter(a->out, samples, a->n, NULL, 0, bound, SCATTER_SIZE, err);
    }
    return nash_fail(err, NASH_ERR_INVALID,
                     "%s: samples of shape %s cannot be drawn (a PNG takes images (1,H,W) or (3,H,W), or 2-D points "
                     "(2)); write .h5 instead",
                     a->out, shape);
}

static int sample_run(int argc, char **argv) {
    SampleArgs a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0) return code;

    NashError err = {0};
    Sampler sampler;
    int chunk = a.train_mode || a.n < SAMPLE_CHUNK ? a.n : SAMPLE_CHUNK;
    NashStatus st = sampler_open(&sampler, a.weights, a.group, chunk, a.train_mode, &err);
    Net *net = &sampler.net;
    if (st) {
        fprintf(stderr, "nash sample: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    float *samples = malloc((size_t)a.n * shape_numel(net->out) * sizeof *samples);
    if (!samples) st = nash_fail(&err, NASH_ERR_NOMEM, "cannot allocate %d samples", a.n);
    if (!st) st = sampler_generate(&sampler, a.seed, 0, a.n, samples, &err);
    char what[160] = "";
    if (!st && (a.kind == OUTPUT_PNG || a.kind == OUTPUT_JPEG))
        st = write_picture(&a, net->out, samples, what, sizeof what, &err);
    if (!st && a.kind == OUTPUT_H5) {
        SamplesInfo info = {.seed = a.seed,
                            .source = a.weights,
                            .group = a.group,
                            .noise = sampler.noise_name,
                            .train_mode = a.train_mode};
        char shape[64];
        snprintf(what, sizeof what, "/samples float32 (%d,%s", a.n, shape_format(net->out, shape, sizeof shape) + 1);
        st = samples_write(a.out, samples, a.n, net->out, &info, &err);
    }
    free(samples);
    sampler_close(&sampler);
    if (st) {
        fprintf(stderr, "nash sample: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    printf("wrote %s: %d samples of /%s, %s (seed %llu, %s noise, %s mode)\n", a.out, a.n, a.group, what,
           (unsigned long long)a.seed, sampler.noise_name, a.train_mode ? "train" : "eval");
    return NASH_EXIT_OK;
}

const NashCommand cmd_sample = {
    .name = "sample",
    .summary = "draw samples from a weights file's generator into a PNG or HDF5 file",
    .usage =
        "usage: nash sample WEIGHTS.h5 -o OUT.png|OUT.jpg|OUT.h5 [-n N] [--seed S] [--cols C] [--ema] [--train-mode]\n"
        "\n"
        "Run the generator stored in a weights file (docs/weights.md) on fresh noise and write\n"
        "the samples: images (1 or 3 channels, values in [-1,1]) as a PNG grid, 2-D points as a\n"
        "PNG scatter plot, or any samples as HDF5 (/samples float32 (N, ...), with the seed and\n"
        "the weights file as attributes). The noise kind is [generator] noise of the file's\n"
        "/config (gaussian if absent); the same seed always draws the same noise.\n"
        "\n"
        "  -n N           number of samples, 1 to 4096 (default 64)\n"
        "  -o FILE        output: FILE.png, FILE.jpg (images; quality 95) or FILE.h5\n"
        "  --seed S       noise seed (default 0)\n"
        "  --cols C       tiles per row of a grid (default: a square grid)\n"
        "  --scale K      draw each pixel of a grid as K x K (1 to 64; default 1)\n"
        "  --ema          use /generator_ema (the moving average of the weights, train.ema > 0)\n"
        "  --train-mode   batch norm uses the statistics of the N samples, not its running ones\n"
        "\n"
        "Exit codes: 0 done, 1 runtime failure, 2 bad weights file or usage (docs/exit-codes.md).\n",
    .run = sample_run,
    .blas = BLAS_SELECT_ANNOUNCE,
};
