/* cmd_sample.c — `nash sample`: run a weights file's generator on latents and write the samples
 * as a PNG or JPEG grid (images), a PNG scatter plot (2-D points) or an HDF5 file, with the
 * latents beside them (/z of OUT.h5, or --z-out FILE.h5).
 *
 * The latents z are, by default, samples 0 .. N-1 of the fixed noise stream of the seed
 * (gan/noise.h), so the same seed always draws the same z however the batch is split into
 * chunks; --z FILE.h5 reads them from FILE's /z instead (store/latents.h), and --interpolate
 * makes a grid whose rows are slerp paths between pairs of them (gan/latent.h). In eval mode (the
 * default) batch norm uses its running statistics and samples are generated in chunks of at most
 * SAMPLE_CHUNK; with --train-mode it uses the statistics of all N samples at once.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/fsutil.h"
#include "draw/jpeg.h"
#include "draw/png.h"
#include "gan/latent.h"
#include "gan/sampler.h"
#include "nn/net.h"
#include "store/latents.h"
#include "store/samples.h"
#include "store/weights.h"

#define SAMPLE_MAX 4096
#define SAMPLE_JPEG_QUALITY 95 /* high: sample grids are small and their detail is the point */
#define SAMPLE_CHUNK 256
#define SCATTER_SIZE 512
#define INTERPOLATE_COLS 8 /* --interpolate's steps per row (both endpoints included) without --cols */
#define INTERPOLATE_ROWS 8 /* ... and its rows without --rows or -n */

typedef enum { OUTPUT_PNG, OUTPUT_JPEG, OUTPUT_H5 } OutputKind;

typedef struct {
    const char *weights, *out;
    const char *z_in, *z_out; /* --z FILE.h5 (latents to use), --z-out FILE.h5 (latents to save) */
    OutputKind kind;
    int n, cols, rows, scale; /* rows: of an interpolation grid (--rows, else from -n or the file) */
    bool n_given, cols_given, seed_given;
    bool interpolate;
    int cls;           /* --class K, -1 without */
    int per_class;     /* --per-class C: a row of C samples per class (0: not) */
    double truncation; /* --truncation T: z truncated to [-T, T] (0: not) */
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

static bool is_h5(const char *path) { return ends_with(path, ".h5") || ends_with(path, ".hdf5"); }

/* --interpolate's grid: cols steps a row (>= 2), rows from --rows, -n / cols, or the default (the
 * file's pairs with --z are counted later, in plan_latents). Returns -1 when the counts agree. */
static int plan_grid(SampleArgs *a) {
    if (!a->cols_given) a->cols = INTERPOLATE_COLS;
    if (a->cols < 2)
        return usage_error("--interpolate needs --cols of at least 2 (the two endpoints), not %s",
                           a->cols == 1 ? "1" : "0");
    char why[96];
    if (a->rows && a->n_given && a->n != a->rows * a->cols) {
        snprintf(why, sizeof why, "-n %d is not --rows %d times --cols %d", a->n, a->rows, a->cols);
        return usage_error("--interpolate: %s (give one of -n and --rows)", why);
    }
    if (!a->rows && a->n_given) {
        if (a->n % a->cols) {
            snprintf(why, sizeof why, "-n %d is not a multiple of --cols %d", a->n, a->cols);
            return usage_error("--interpolate: %s (the grid has n / cols rows; or give --rows)", why);
        }
        a->rows = a->n / a->cols;
    }
    if (!a->rows && !a->z_in) a->rows = INTERPOLATE_ROWS;
    if (a->rows && (long)a->rows * a->cols > SAMPLE_MAX) {
        snprintf(why, sizeof why, "%d rows of %d steps are %ld samples", a->rows, a->cols, (long)a->rows * a->cols);
        return usage_error("--interpolate: %s, more than 4096", why);
    }
    if (a->rows) a->n = a->rows * a->cols;
    return -1;
}

/* Returns -1 when the arguments are good, else the exit code. */
static int parse_args(int argc, char **argv, SampleArgs *a) {
    *a = (SampleArgs){.n = 64, .scale = 1, .group = "generator", .cls = -1};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-n") || !strcmp(s, "-o") || !strcmp(s, "--seed") || !strcmp(s, "--cols") ||
            !strcmp(s, "--scale") || !strcmp(s, "--rows") || !strcmp(s, "--z") || !strcmp(s, "--z-out") ||
            !strcmp(s, "--class") || !strcmp(s, "--per-class") || !strcmp(s, "--truncation")) {
            if (i + 1 >= argc) return usage_error("%s needs a value", s);
            const char *v = argv[++i];
            if (!strcmp(s, "-n") && !parse_int(v, 1, SAMPLE_MAX, &a->n))
                return usage_error("-n takes a number of samples from 1 to 4096, not '%s'", v);
            if (!strcmp(s, "--cols") && !parse_int(v, 1, SAMPLE_MAX, &a->cols))
                return usage_error("--cols takes a number of tiles per row from 1 to 4096, not '%s'", v);
            if (!strcmp(s, "--rows") && !parse_int(v, 1, SAMPLE_MAX, &a->rows))
                return usage_error("--rows takes a number of interpolation rows from 1 to 4096, not '%s'", v);
            if (!strcmp(s, "--scale") && !parse_int(v, 1, 64, &a->scale))
                return usage_error("--scale takes a whole zoom from 1 to 64, not '%s'", v);
            if (!strcmp(s, "--class") && !parse_int(v, 0, 65535, &a->cls))
                return usage_error("--class takes a class number from 0 to K-1, not '%s'", v);
            if (!strcmp(s, "--per-class") && !parse_int(v, 1, SAMPLE_MAX, &a->per_class))
                return usage_error("--per-class takes a number of samples per class from 1 to 4096, not '%s'", v);
            if (!strcmp(s, "--truncation") && !noise_truncation_parse(v, &a->truncation))
                return usage_error("--truncation takes a bound of 0.05 to 10 standard deviations, not '%s'", v);
            if (!strcmp(s, "--seed") && !parse_seed(v, &a->seed))
                return usage_error("--seed takes an unsigned 64-bit integer, not '%s'", v);
            a->n_given |= !strcmp(s, "-n");
            a->cols_given |= !strcmp(s, "--cols");
            a->seed_given |= !strcmp(s, "--seed");
            if (!strcmp(s, "-o")) a->out = v;
            if (!strcmp(s, "--z")) a->z_in = v;
            if (!strcmp(s, "--z-out")) a->z_out = v;
        } else if (!strcmp(s, "--train-mode")) {
            a->train_mode = true;
        } else if (!strcmp(s, "--ema")) {
            a->group = "generator_ema";
        } else if (!strcmp(s, "--interpolate")) {
            a->interpolate = true;
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
    else if (is_h5(a->out))
        a->kind = OUTPUT_H5;
    else
        return usage_error("cannot tell the output format of '%s' (use .png, .jpg or .h5)", a->out);
    if (a->z_out && !is_h5(a->z_out))
        return usage_error("--z-out writes an HDF5 file: name it FILE.h5, not '%s'", a->z_out);
    if (a->z_out && !strcmp(a->z_out, a->out))
        return usage_error("--z-out and -o name the same file '%s' (-o OUT.h5 holds /z already)", a->out);
    if (a->z_in && a->seed_given)
        return usage_error("--seed draws latents and --z reads them from '%s': give one of the two", a->z_in);
    if (a->truncation > 0.0 && a->z_in)
        return usage_error("--truncation cuts the latents drawn from the seed, and --z reads them from '%s': give one "
                           "of the two",
                           a->z_in);
    if (a->rows && !a->interpolate) return usage_error("%s", "--rows counts the rows of --interpolate's grid");
    if (a->per_class && (a->cls >= 0 || a->interpolate || a->z_in || a->n_given || a->train_mode || a->cols_given))
        return usage_error("%s", "--per-class makes its own grid (a row per class, the same latents down each "
                                 "column): it takes none of --class, --interpolate, --z, -n, --cols, --train-mode");
    if (a->interpolate) return plan_grid(a);
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

/* Read the latents of --z (the rows the request takes, checked against the generator's input
 * `in`) into *given, and settle the counts the file decides: N without -n (one sample a row), an
 * interpolation's rows without --rows or -n (one grid row a pair of rows). */
static NashStatus plan_latents(SampleArgs *a, Shape in, float **given, NashError *err) {
    int64_t want = SAMPLE_MAX; /* enough for any request: a grid's endpoints are at most 4096 rows */
    if (!a->interpolate && a->n_given) want = a->n;
    if (a->interpolate && a->rows) want = 2 * (int64_t)a->rows;
    int64_t rows = 0;
    NashStatus st = latents_read(a->z_in, in, want, given, &rows, err);
    if (st) return st;
    const char *f = a->z_in;
    long long r = (long long)rows;
    if (!a->interpolate && a->n_given && rows < a->n)
        st = nash_fail(err, NASH_ERR_DATA, "%s: /z has %lld rows, fewer than -n %d: give -n %lld or less", f, r, a->n,
                       r);
    else if (!a->interpolate && !a->n_given && rows > SAMPLE_MAX)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: /z has %lld rows, more than the %d samples nash sample makes at once: take the first "
                       "ones with -n N",
                       f, r, SAMPLE_MAX);
    else if (!a->interpolate && !a->n_given)
        a->n = (int)rows;
    else if (a->interpolate && a->rows && rows < 2 * (int64_t)a->rows)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: /z has %lld rows, but an interpolation grid of %d rows takes %d (each row's two "
                       "endpoints, in pairs): give fewer rows (--rows, -n)",
                       f, r, a->rows, 2 * a->rows);
    else if (a->interpolate && !a->rows && (rows < 2 || rows % 2))
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: /z has %lld row%s: --interpolate takes them in pairs (each grid row's two endpoints), "
                       "so it needs an even number; use the first 2R with --rows R",
                       f, r, r == 1 ? "" : "s");
    else if (a->interpolate && !a->rows && rows / 2 * a->cols > SAMPLE_MAX)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: /z has %lld rows: %lld grid rows of %d steps are more than %d samples; use the first "
                       "2R rows with --rows R",
                       f, r, r / 2, a->cols, SAMPLE_MAX);
    else if (a->interpolate && !a->rows) {
        a->rows = (int)(rows / 2);
        a->n = a->rows * a->cols;
    }
    if (st) {
        free(*given);
        *given = NULL;
    }
    return st;
}

/* z (a->n, latent): given's first rows, the seed's stream, or the slerp grid between pairs of
 * either; *z is given itself or malloc'd. */
static NashStatus make_latents(const SampleArgs *a, const Sampler *sampler, float *given, float **z, NashError *err) {
    size_t latent = shape_numel(sampler->net.in);
    *z = given;
    if (given && !a->interpolate) return NASH_OK;
    float *drawn = NULL; /* the grid's endpoints drawn from the seed */
    if (!given && a->interpolate) drawn = malloc(2 * (size_t)a->rows * latent * sizeof *drawn);
    *z = malloc((size_t)a->n * latent * sizeof **z);
    if (!*z || (a->interpolate && !given && !drawn)) {
        free(*z);
        free(drawn);
        *z = NULL;
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the latents of %d samples", a->n);
    }
    if (a->per_class) { /* column j of every row: latent j */
        sampler_noise(sampler, a->seed, 0, a->per_class, *z);
        for (int i = a->per_class; i < a->n; i++)
            memcpy(*z + (size_t)i * latent, *z + (size_t)(i % a->per_class) * latent, latent * sizeof **z);
        return NASH_OK;
    }
    if (!a->interpolate) {
        sampler_noise(sampler, a->seed, 0, a->n, *z);
        return NASH_OK;
    }
    if (drawn) sampler_noise(sampler, a->seed, 0, 2 * a->rows, drawn);
    latent_slerp_grid(given ? given : drawn, a->rows, a->cols, latent, *z);
    free(drawn);
    return NASH_OK;
}

/* --class and --per-class against the generator: it must be conditional, K in range; a
 * --per-class grid is K rows of C. A conditional generator without them makes class i mod K. */
static NashStatus plan_classes(SampleArgs *a, Sampler *s, NashError *err) {
    int k = s->net.classes;
    if ((a->cls >= 0 || a->per_class) && !k)
        return nash_fail(err, NASH_ERR_INVALID, "%s: /%s is not class-conditional (no cbatchnorm layer): drop %s",
                         a->weights, a->group, a->per_class ? "--per-class" : "--class");
    if (a->cls >= k && k)
        return nash_fail(err, NASH_ERR_INVALID, "%s: --class %d, but /%s knows classes 0 to %d", a->weights, a->cls,
                         a->group, k - 1);
    if (a->per_class && (int64_t)a->per_class * k > SAMPLE_MAX)
        return nash_fail(err, NASH_ERR_INVALID, "--per-class %d times %d classes is more than %d samples", a->per_class,
                         k, SAMPLE_MAX);
    if (a->per_class) {
        a->n = a->per_class * k;
        a->cols = a->per_class;
    }
    s->fixed_class = a->cls;
    return NASH_OK;
}

static int sample_run(int argc, char **argv) {
    SampleArgs a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0) return code;

    NashError err = {0};
    NashStatus st = NASH_OK;
    float *given = NULL, *z = NULL, *samples = NULL;
    if (a.z_in) { /* the file's rows decide N: read them before the generator is built for N */
        char *layers = NULL;
        Shape in;
        st = weights_read_spec(a.weights, a.group, &layers, &in, &err);
        free(layers);
        if (!st) st = plan_latents(&a, in, &given, &err);
        if (st) {
            fprintf(stderr, "nash sample: %s\n", err.msg);
            return nash_status_exit_code(st);
        }
    }
    Sampler sampler;
    int chunk = a.per_class ? SAMPLE_CHUNK : a.train_mode || a.n < SAMPLE_CHUNK ? a.n : SAMPLE_CHUNK;
    st = sampler_open(&sampler, a.weights, a.group, chunk, a.train_mode, &err);
    if (!st) st = plan_classes(&a, &sampler, &err);
    if (!st && a.truncation > 0.0) st = sampler_truncate(&sampler, a.weights, a.truncation, &err);
    if (st) {
        free(given);
        if (sampler.net.layers) sampler_close(&sampler);
        fprintf(stderr, "nash sample: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    Net *net = &sampler.net;
    int32_t *labels = NULL;
    st = make_latents(&a, &sampler, given, &z, &err);
    if (!st && !(samples = malloc((size_t)a.n * shape_numel(net->out) * sizeof *samples)))
        st = nash_fail(&err, NASH_ERR_NOMEM, "cannot allocate %d samples", a.n);
    if (!st && net->classes && !(labels = malloc((size_t)a.n * sizeof *labels)))
        st = nash_fail(&err, NASH_ERR_NOMEM, "cannot allocate the classes of %d samples", a.n);
    if (!st && labels) {
        sampler_classes(&sampler, 0, a.n, labels);
        for (int i = 0; a.per_class && i < a.n; i++) labels[i] = i / a.per_class;
    }
    if (!st) sampler_forward(&sampler, z, labels, a.n, samples);
    SamplesInfo info = {.seed = a.seed,
                        .z_file = a.z_in,
                        .source = a.weights,
                        .group = a.group,
                        .noise = sampler.noise_name,
                        .train_mode = a.train_mode,
                        .grid_rows = a.interpolate ? a.rows : 0,
                        .grid_cols = a.interpolate ? a.cols : 0,
                        .labels = labels,
                        .truncation = a.truncation};
    char what[256] = "", shape[64], zshape[64];
    shape_format(net->out, shape, sizeof shape);
    shape_format(net->in, zshape, sizeof zshape);
    if (!st && (a.kind == OUTPUT_PNG || a.kind == OUTPUT_JPEG))
        st = write_picture(&a, net->out, samples, what, sizeof what, &err);
    if (!st && a.kind == OUTPUT_H5) {
        snprintf(what, sizeof what, "/samples float32 (%d,%s and /z float32 (%d,%s", a.n, shape + 1, a.n, zshape + 1);
        st = samples_write(a.out, samples, z, a.n, net->out, net->in, &info, &err);
    }
    if (!st && a.z_out) st = latents_write(a.z_out, z, a.n, net->in, &info, &err);
    free(samples);
    free(labels);
    if (z != given) free(z);
    free(given);
    sampler_close(&sampler);
    if (st) {
        fprintf(stderr, "nash sample: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    char from[NASH_PATH_MAX + 64], grid[96] = "", cut[64] = "";
    if (a.truncation > 0.0) snprintf(cut, sizeof cut, " truncated to [-%g, %g]", a.truncation, a.truncation);
    if (a.z_in)
        snprintf(from, sizeof from, "z from %s", a.z_in);
    else
        snprintf(from, sizeof from, "seed %llu, %s noise%s", (unsigned long long)a.seed, sampler.noise_name, cut);
    if (a.interpolate)
        snprintf(grid, sizeof grid, "; %d rows of slerp between two latents, %d steps each", a.rows, a.cols);
    printf("wrote %s: %d samples of /%s, %s%s (%s, %s mode)\n", a.out, a.n, a.group, what, grid, from,
           a.train_mode ? "train" : "eval");
    if (a.z_out) printf("wrote %s: /z float32 (%d,%s, the latents of those samples\n", a.z_out, a.n, zshape + 1);
    return NASH_EXIT_OK;
}

const NashCommand cmd_sample = {
    .name = "sample",
    .summary = "draw samples from a weights file's generator into a PNG or HDF5 file",
    .usage = "usage: nash sample WEIGHTS.h5 -o OUT.png|OUT.jpg|OUT.h5 [-n N] [--seed S | --z Z.h5] [--interpolate]\n"
             "                   [--cols C] [--rows R] [--scale K] [--z-out Z.h5] [--ema] [--train-mode]\n"
             "                   [--class K | --per-class C] [--truncation T]\n"
             "\n"
             "Run the generator stored in a weights file (docs/weights.md) on latents z and write the\n"
             "samples: images (1 or 3 channels, values in [-1,1]) as a PNG or JPEG grid, 2-D points as a\n"
             "PNG scatter plot, or any samples as HDF5 (/samples float32 (N, ...) and the latents /z\n"
             "float32 (N, latent), with the seed and the weights file as attributes). z is drawn from\n"
             "the seed ([generator] noise of the file's /config, gaussian if absent; the same seed always\n"
             "draws the same z, and -n 10 the first ten of -n 1000) or read with --z.\n"
             "\n"
             "  -n N           number of samples, 1 to 4096 (default 64; with --z, the file's rows)\n"
             "  -o FILE        output: FILE.png, FILE.jpg (images; quality 95) or FILE.h5 (with /z)\n"
             "  --seed S       noise seed (default 0)\n"
             "  --z FILE.h5    read z from FILE's /z, float (N, latent) (a nash sample -o OUT.h5 or --z-out\n"
             "                 file, or one written with h5py) instead of drawing it; -n takes its first N rows\n"
             "  --z-out FILE.h5  also write the latents used as FILE's /z (for a PNG or JPEG output)\n"
             "  --interpolate  a grid whose rows walk the latent space: row r is the spherical linear\n"
             "                 interpolation (slerp) from latent 2r to latent 2r+1 of the seed (or of\n"
             "                 --z's rows, in pairs), in C steps that include both endpoints\n"
             "  --cols C       tiles per row of a grid (default: a square grid; with --interpolate, 8)\n"
             "  --rows R       rows of an --interpolate grid (default -n / C, else 8; with --z, its\n"
             "                 rows / 2)\n"
             "  --scale K      draw each pixel of a grid as K x K (1 to 64; default 1)\n"
             "  --class K      a class-conditional generator: every sample of class K (default: sample i\n"
             "                 of class i mod the number of classes; the classes go to OUT.h5's /labels)\n"
             "  --per-class C  a class-conditional generator: a grid of one row of C samples per class,\n"
             "                 column j of every row from the same latent j\n"
             "  --truncation T the truncation trick (Brock et al. 2019): z drawn from the Gaussian cut to\n"
             "                 [-T, T] (each value outside drawn again), 0.05 <= T; fewer, more typical\n"
             "                 samples as T shrinks (docs/training.md, \"Truncation\")\n"
             "  --ema          use /generator_ema (the moving average of the weights, train.ema > 0)\n"
             "  --train-mode   batch norm uses the statistics of the N samples, not its running ones\n"
             "\n"
             "Exit codes: 0 done, 1 runtime failure, 2 bad weights or latents file, or usage\n"
             "(docs/exit-codes.md).\n",
    .run = sample_run,
    .blas = BLAS_SELECT_ANNOUNCE,
};
