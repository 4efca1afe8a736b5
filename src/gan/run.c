/* trainer.c — a whole single-process training run: data in memory, the step loop, metrics,
 * sample grids, the final weights and, for toy data, mode coverage (see trainer.h). */
#include "gan/trainer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fsutil.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/toy.h"
#include "eval/modes.h"
#include "eval/wasserstein.h"
#include "gan/gan.h"
#include "io/png.h"
#include "io/weights.h"

#define TRAINER_PATH_MAX 4096
#define EVAL_SAMPLES 2048

typedef struct {
    const Config *cfg;
    const TrainOptions *opt;
    char dir[TRAINER_PATH_MAX];
    Gan gan;
    DatasetInfo info;
    float *data;    /* the whole data set, (n, sample) */
    int64_t *order; /* this epoch's permutation of sample indices */
    int64_t epoch, cursor;
    float *batch; /* (batch, sample) */
    FILE *metrics;
    double t0;
    double w1_initial; /* toy data: sliced W1 of the untrained generator (NAN otherwise) */
} Run;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static NashStatus load_data(Run *run, NashError *err) {
    DatasetReader *reader;
    NashStatus st = dataset_open(run->cfg->data.path, &reader, &run->info, err);
    if (st) {
        /* a missing or unreadable data file is bad input, refused like a bad config (exit 2) */
        nash_fail_context(err, "data.path: ");
        err->code = NASH_ERR_DATA;
        return NASH_ERR_DATA;
    }
    if (run->info.n < run->cfg->train.batch) {
        dataset_close(reader);
        return nash_fail(err, NASH_ERR_DATA, "%s holds %lld samples, fewer than one batch of train.batch = %d",
                         run->cfg->data.path, (long long)run->info.n, run->cfg->train.batch);
    }
    size_t count = (size_t)run->info.n * shape_numel(run->info.sample);
    run->data = malloc(count * sizeof *run->data);
    run->order = malloc((size_t)run->info.n * sizeof *run->order);
    if (!run->data || !run->order) {
        dataset_close(reader);
        return nash_fail(err, NASH_ERR_NOMEM, "cannot hold %s in memory (%zu floats)", run->cfg->data.path, count);
    }
    st = dataset_read(reader, 0, run->info.n, run->data, err);
    dataset_close(reader);
    return st;
}

/* Fisher–Yates shuffle of all sample indices, keyed by (seed, epoch). */
static void shuffle_epoch(Run *run) {
    Rng rng = rng_make(run->cfg->train.seed, 0x5f0000000000ull + (uint64_t)run->epoch);
    for (int64_t i = 0; i < run->info.n; i++) run->order[i] = i;
    for (int64_t i = run->info.n - 1; i > 0; i--) {
        int64_t j = rng_below(&rng, (uint32_t)(i + 1));
        int64_t t = run->order[i];
        run->order[i] = run->order[j];
        run->order[j] = t;
    }
    run->cursor = 0;
}

/* The next batch of real samples; an epoch ends when fewer than a batch remain. */
static const float *next_batch(Run *run) {
    int b = run->cfg->train.batch;
    if (run->cursor + b > run->info.n) {
        run->epoch++;
        shuffle_epoch(run);
    }
    size_t width = shape_numel(run->info.sample);
    for (int i = 0; i < b; i++)
        memcpy(run->batch + (size_t)i * width, run->data + (size_t)run->order[run->cursor + i] * width,
               width * sizeof *run->batch);
    run->cursor += b;
    return run->batch;
}

/* Samples [0, n) of the fixed noise stream, generated `batch` at a time. */
static float *generate(Run *run, int n, bool use_ema) {
    size_t width = shape_numel(run->info.sample);
    float *out = malloc((size_t)n * width * sizeof *out);
    if (!out) return NULL;
    for (int first = 0; first < n; first += run->gan.batch) {
        int k = n - first < run->gan.batch ? n - first : run->gan.batch;
        gan_generate(&run->gan, NOISE_STREAM_FIXED, first, k, use_ema, out + (size_t)first * width);
    }
    return out;
}

static NashStatus write_samples(Run *run, int64_t step, NashError *err) {
    Shape s = run->info.sample;
    bool images = s.ndim == 3 && (s.dim[0] == 1 || s.dim[0] == 3);
    bool points = s.ndim == 1 && s.dim[0] == 2;
    if (!images && !points) return NASH_OK;
    int n = run->cfg->output.samples;
    if (points && n < 512) n = 512;
    float *x = generate(run, n, true);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate %d samples", n);
    char name[64], path[TRAINER_PATH_MAX];
    snprintf(name, sizeof name, "samples/step_%08lld.png", (long long)step);
    NashStatus st = fs_join(run->dir, name, path, sizeof path, err);
    if (!st && images) {
        int cols = (int)ceil(sqrt((double)n));
        st = png_write_grid(path, x, n, s.dim[0], s.dim[1], s.dim[2], cols, -1.0f, 1.0f, err);
    } else if (!st) {
        int n_ref = run->info.n < 1024 ? (int)run->info.n : 1024;
        float bound = 0.0f;
        for (int i = 0; i < 2 * n_ref; i++) bound = fmaxf(bound, fabsf(run->data[i]));
        st = png_write_scatter(path, x, n, run->data, n_ref, ceilf(bound * 1.25f), 512, err);
    }
    free(x);
    return st;
}

static void progress(Run *run, int64_t step, const StepStats *s, double elapsed) {
    FILE *out = run->opt->progress;
    if (!out) return;
    int64_t total = run->cfg->train.steps;
    double rate = (double)step * run->cfg->train.batch / fmax(elapsed, 1e-9);
    double eta = (double)(total - step) * elapsed / fmax((double)step, 1.0);
    const char *lead = run->opt->progress_tty ? "\r\033[K" : "";
    fprintf(out, "%sstep %lld/%lld (%3.0f%%) | %7.1f img/s | ETA %4.0fs | D %.4f G %.4f | D(x) %.3f D(G(z)) %.3f%s",
            lead, (long long)step, (long long)total, 100.0 * (double)step / (double)total, rate, eta, s->loss_d,
            s->loss_g, s->d_real, s->d_fake, run->opt->progress_tty ? "" : "\n");
    fflush(out);
}

static void metrics_row(Run *run, int64_t step, const StepStats *s, double elapsed) {
    double rate = (double)step * run->cfg->train.batch / fmax(elapsed, 1e-9);
    fprintf(run->metrics, "%lld,%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.2f\n", (long long)step,
            (long long)run->epoch, s->loss_d, s->loss_g, s->d_real, s->d_fake, s->raw_real, s->raw_fake, s->grad_norm_d,
            s->grad_norm_g, rate);
}

/* Sliced W1 between EVAL_SAMPLES generated samples and as many real ones (exact W1 in 1-D). */
static NashStatus sample_distance(Run *run, double *w1, NashError *err) {
    int64_t m = run->info.n < EVAL_SAMPLES ? run->info.n : EVAL_SAMPLES;
    int dim = (int)shape_numel(run->info.sample);
    float *x = generate(run, EVAL_SAMPLES, true);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate evaluation samples");
    NashStatus st = dim == 1 ? w1_1d(x, EVAL_SAMPLES, run->data, m, w1, err)
                             : sliced_w1(x, EVAL_SAMPLES, run->data, m, dim, 64, run->cfg->train.seed, w1, err);
    free(x);
    return st;
}

/* For toy mixtures: modes covered, samples near a mode, and the sliced W1 before and after
 * training, written to eval.txt and printed. */
static NashStatus evaluate_toy(Run *run, NashError *err) {
    ToyMixture mix;
    NashError ignored = {0};
    if (toy_read(run->cfg->data.path, &mix, &ignored) != NASH_OK) return NASH_OK; /* not a toy mixture */
    float *x = generate(run, EVAL_SAMPLES, true);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate evaluation samples");
    ModeCoverage cov;
    mode_coverage(&mix, x, EVAL_SAMPLES, 3.0, 0.25 / mix.k, &cov);
    free(x);
    double w1;
    NashStatus st = sample_distance(run, &w1, err);
    char path[TRAINER_PATH_MAX];
    if (st || (st = fs_join(run->dir, "eval.txt", path, sizeof path, err))) return st;
    FILE *f = fopen(path, "w");
    if (!f) return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "samples %d\nmodes %d\nmodes_covered %d\nhigh_quality %.6f\nw1 %.6f\nw1_initial %.6f\n", EVAL_SAMPLES,
            cov.k, cov.covered, cov.high_quality, w1, run->w1_initial);
    if (ferror(f) | fclose(f)) return nash_fail(err, NASH_ERR_IO, "cannot write %s", path);
    if (run->opt->progress)
        fprintf(run->opt->progress,
                "%s: %d of %d modes covered, %.1f%% of samples within 3 std of a mode; %s W1 to the data %.4f "
                "(untrained generator %.4f)\n",
                mix.name, cov.covered, cov.k, 100.0 * cov.high_quality, mix.dim == 1 ? "exact" : "sliced", w1,
                run->w1_initial);
    return NASH_OK;
}

static NashStatus save_weights(Run *run, NashError *err) {
    char path[TRAINER_PATH_MAX];
    NashStatus st = fs_join(run->dir, "weights.h5", path, sizeof path, err);
    if (st) return st;
    char *config_text = config_to_string(run->cfg);
    if (!config_text) return nash_fail(err, NASH_ERR_NOMEM, "cannot format the config");
    WeightsEntry entries[3] = {{"generator", &run->gan.g, run->gan.g_layers, NULL},
                               {"discriminator", &run->gan.d, run->gan.d_layers, NULL},
                               {"generator_ema", &run->gan.g, run->gan.g_layers, run->gan.ema}};
    st = weights_save(path, entries, run->gan.ema ? 3 : 2, config_text, err);
    free(config_text);
    return st;
}

static NashStatus open_outputs(Run *run, NashError *err) {
    const char *dir = run->opt->run_dir ? run->opt->run_dir : run->cfg->output.dir;
    if (snprintf(run->dir, sizeof run->dir, "%s", dir) >= (int)sizeof run->dir)
        return nash_fail(err, NASH_ERR_IO, "run directory path too long");
    char path[TRAINER_PATH_MAX];
    NashStatus st;
    if ((st = fs_mkdir_p(run->dir, err)) || (st = fs_join(run->dir, "samples", path, sizeof path, err)) ||
        (st = fs_mkdir_p(path, err)) || (st = fs_join(run->dir, "config.ini", path, sizeof path, err)))
        return st;
    FILE *f = fopen(path, "w");
    if (!f) return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    config_write(run->cfg, f);
    if (ferror(f) | fclose(f)) return nash_fail(err, NASH_ERR_IO, "cannot write %s", path);
    if ((st = fs_join(run->dir, "metrics.csv", path, sizeof path, err))) return st;
    run->metrics = fopen(path, "w");
    if (!run->metrics) return nash_fail(err, NASH_ERR_IO, "cannot write %s", path);
    fprintf(run->metrics, "step,epoch,loss_d,loss_g,d_real,d_fake,raw_real,raw_fake,grad_norm_d,grad_norm_g,"
                          "images_per_s\n");
    return NASH_OK;
}

NashStatus trainer_run(const Config *cfg, const TrainOptions *opt, NashError *err) {
    Run run = {.cfg = cfg, .opt = opt};
    NashStatus st;
    /* everything that can be refused is checked before the run directory is touched */
    if ((st = load_data(&run, err)) || (st = gan_init(&run.gan, cfg, run.info.sample, err))) goto done;
    run.batch = malloc((size_t)cfg->train.batch * shape_numel(run.info.sample) * sizeof *run.batch);
    if (!run.batch) {
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a batch");
        goto done;
    }
    if ((st = open_outputs(&run, err))) goto done;
    run.w1_initial = NAN;
    if (run.info.kind == DATASET_VECTORS && (st = sample_distance(&run, &run.w1_initial, err))) goto done;
    shuffle_epoch(&run);
    run.t0 = now();
    StepStats stats = {0};
    for (int64_t step = 1; step <= cfg->train.steps; step++) {
        for (int k = 0; k < cfg->train.n_critic; k++)
            gan_d_step(&run.gan, next_batch(&run), cfg->train.batch, (uint64_t)step, (unsigned)k, 0, &stats);
        gan_g_step(&run.gan, cfg->train.batch, (uint64_t)step, 0, &stats);
        double elapsed = now() - run.t0;
        if (step % cfg->train.log_every == 0 || step == cfg->train.steps) {
            metrics_row(&run, step, &stats, elapsed);
            progress(&run, step, &stats, elapsed);
        }
        if (cfg->output.sample_every > 0 && step % cfg->output.sample_every == 0 && step != cfg->train.steps &&
            (st = write_samples(&run, step, err)))
            goto done;
    }
    if (opt->progress && opt->progress_tty) fputc('\n', opt->progress);
    if ((st = write_samples(&run, cfg->train.steps, err)) || (st = save_weights(&run, err)) ||
        (st = evaluate_toy(&run, err)))
        goto done;
    if (opt->progress)
        fprintf(opt->progress, "trained %lld steps in %.1f s; outputs in %s\n", (long long)cfg->train.steps,
                now() - run.t0, run.dir);
done:
    if (run.metrics && (ferror(run.metrics) | fclose(run.metrics)) && !st)
        st = nash_fail(err, NASH_ERR_IO, "cannot write %s/metrics.csv", run.dir);
    gan_free(&run.gan);
    free(run.data);
    free(run.order);
    free(run.batch);
    return st;
}
