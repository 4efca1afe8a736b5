/* run.c — the run directory, metrics, progress line, sample pictures, final weights and toy
 * evaluation (see run.h). */
#include "train/run.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "data/dataset.h"
#include "draw/png.h"
#include "draw/seqplot.h"
#include "eval/modes.h"
#include "eval/sequence.h"
#include "eval/wasserstein.h"
#include "store/checkpoint.h"
#include "store/weights.h"

#define RUN_REF_SAMPLES 2048
#define EVAL_SAMPLES 2048

/* The real samples that W1, the eval and the plots compare against: only toy mixtures and sine
 * sequences have any (images are measured by `nash eval`), so image data reads none; 2048 images
 * held for nothing cost every rank 6.4 MB. */
static NashStatus read_reference(Run *run, NashError *err) {
    NashError ignored = {0};
    run->toy = toy_read(run->cfg->data.path, &run->mix, &ignored) == NASH_OK;
    int len = 0;
    if (toy_sines_detect(run->cfg->data.path, &len) && shape_equal(run->sample, shape_2d(len, 1))) run->seq_len = len;
    if (!run->toy && !run->seq_len) return NASH_OK;
    DatasetReader *reader;
    DatasetInfo info;
    NashStatus st = dataset_open(run->cfg->data.path, &reader, &info, err);
    if (st) return st;
    run->n_ref = info.n < RUN_REF_SAMPLES ? info.n : RUN_REF_SAMPLES;
    run->ref = malloc((size_t)run->n_ref * shape_numel(info.sample) * sizeof *run->ref);
    if (!run->ref)
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate reference samples");
    else
        st = dataset_read(reader, 0, run->n_ref, run->ref, err);
    dataset_close(reader);
    return st;
}

NashStatus run_prepare(Run *run, const Config *cfg, const TrainOptions *opt, Shape sample, NashError *err) {
    memset(run, 0, sizeof *run);
    run->cfg = cfg;
    run->opt = opt;
    run->sample = sample;
    run->w1_initial = NAN;
    const char *dir = opt->run_dir ? opt->run_dir : cfg->output.dir;
    if (snprintf(run->dir, sizeof run->dir, "%s", dir) >= (int)sizeof run->dir)
        return nash_fail(err, NASH_ERR_IO, "run directory path too long");
    return read_reference(run, err);
}

/* Keep the header and the rows of steps <= `step` of an existing metrics.csv. */
/* metrics.csv's columns; the last ones are the newest (docs/training.md, "The run directory") */
static const char metrics_header[] =
    "step,epoch,loss_d,loss_g,d_real,d_fake,raw_real,raw_fake,grad_norm_d,grad_norm_g,images_per_s,g_compute,"
    "g_exchange,g_allreduce,d_compute,d_exchange,d_allreduce,d_data,penalty,input_grad_norm\n";

static int count_commas(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == ',';
    return n;
}

/* Keep the rows up to `step`. A file written by an older nash, whose header is the start of
 * today's, gets today's header and its rows the missing columns as 0 (what they measured was
 * not there: no penalty), so the resumed rows line up under it; any other header is refused. */
static NashStatus trim_metrics(const char *path, int64_t step, NashError *err) {
    FILE *in = fopen(path, "r");
    if (!in) return NASH_OK; /* nothing logged yet */
    char tmp[NASH_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.trim", path);
    char line[4096];
    if (!fgets(line, sizeof line, in)) {
        fclose(in);
        remove(path); /* empty: run_open starts it afresh, header first */
        return NASH_OK;
    }
    size_t old_len = strcspn(line, "\n");
    if (strncmp(line, metrics_header, old_len) != 0 ||
        (metrics_header[old_len] != ',' && metrics_header[old_len] != '\n')) {
        fclose(in);
        return nash_fail(err, NASH_ERR_IO,
                         "%s: its columns (%.*s) are not this nash's; move the file aside to resume into a new one",
                         path, (int)(old_len > 200 ? 200 : old_len), line);
    }
    int missing = count_commas(metrics_header) - count_commas(line);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fclose(in);
        return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    fputs(metrics_header, out);
    while (fgets(line, sizeof line, in)) {
        if (strtoll(line, NULL, 10) > step) continue;
        line[strcspn(line, "\n")] = '\0';
        fputs(line, out);
        for (int k = 0; k < missing; k++) fputs(",0", out);
        fputc('\n', out);
    }
    fclose(in);
    if (ferror(out) | fclose(out) || rename(tmp, path) != 0)
        return nash_fail(err, NASH_ERR_IO, "cannot rewrite %s", path);
    return NASH_OK;
}

/* Temporary files of checkpoint saves that a killed writer left behind (".step_*.tmp.*": a
 * finished save renames its own) are removed when a run starts; nothing else is touched. */
static void remove_stale_temps(const char *run_dir) {
    char dir[NASH_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/ckpt", run_dir);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, ".step_", 6) != 0 || !strstr(e->d_name, ".tmp.")) continue;
        char path[NASH_PATH_MAX + 8 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

NashStatus run_open(Run *run, int64_t resume_step, NashError *err) {
    const Config *cfg = run->cfg;
    char path[NASH_PATH_MAX];
    NashStatus st;
    if ((st = fs_mkdir_p(run->dir, err)) || (st = fs_join(run->dir, "samples", path, sizeof path, err)) ||
        (st = fs_mkdir_p(path, err)) || (st = fs_join(run->dir, "config.ini", path, sizeof path, err)))
        return st;
    FILE *f = fopen(path, "w");
    if (!f) return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    config_write(cfg, f);
    if (ferror(f) | fclose(f)) return nash_fail(err, NASH_ERR_IO, "cannot write %s", path);
    if ((st = fs_join(run->dir, "metrics.csv", path, sizeof path, err))) return st;
    if (resume_step > 0 && (st = trim_metrics(path, resume_step, err))) return st;
    bool fresh = resume_step == 0 || access(path, F_OK) != 0;
    run->metrics = fopen(path, fresh ? "w" : "a");
    if (!run->metrics) return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    if (fresh) fputs(metrics_header, run->metrics);
    remove_stale_temps(run->dir);
    run->t0 = clock_monotonic_s();
    run->step0 = resume_step;
    return NASH_OK;
}

NashStatus run_checkpoint(Run *run, Gan *gan, const CheckpointPlayer *extra, int n_extra, int64_t step,
                          int64_t data_batch, const char *layout, int world_size, char *path, size_t size,
                          NashError *err) {
    NashStatus st = ckpt_path(run->dir, step, path, size, err);
    if (st) return st;
    char *config_text = config_to_string(run->cfg);
    if (!config_text) return nash_fail(err, NASH_ERR_NOMEM, "cannot format the config");
    CheckpointState state = {
        .step = step, .data_batch = data_batch, .seed = run->cfg->train.seed, .world_size = world_size};
    snprintf(state.layout, sizeof state.layout, "%s", layout);
    CheckpointPlayer *players = calloc((size_t)(4 + n_extra), sizeof *players);
    if (!players) {
        free(config_text);
        return nash_fail(err, NASH_ERR_NOMEM, "cannot list the checkpoint's %d players", 4 + n_extra);
    }
    players[0] = (CheckpointPlayer){.group = "generator",
                                    .net = &gan->g,
                                    .layers = gan->g_layers,
                                    .opt_kind = optim_kind_name(gan->opt_g.kind),
                                    .moment1 = gan->opt_g.m,
                                    .moment2 = gan->opt_g.v,
                                    .opt_steps = gan->opt_g.t};
    players[1] = (CheckpointPlayer){.group = "discriminator",
                                    .net = &gan->d,
                                    .layers = gan->d_layers,
                                    .opt_kind = optim_kind_name(gan->opt_d.kind),
                                    .moment1 = gan->opt_d.m,
                                    .moment2 = gan->opt_d.v,
                                    .opt_steps = gan->opt_d.t};
    int n = 2;
    if (gan->ema)
        players[n++] =
            (CheckpointPlayer){.group = "generator_ema", .net = &gan->g, .layers = gan->g_layers, .params = gan->ema};
    /* pipelined: what made the fakes in flight, to make them again on resume (gan.h) */
    if (gan->pipelined)
        players[n++] = (CheckpointPlayer){.group = "generator_lag",
                                          .net = &gan->g,
                                          .layers = gan->g_layers,
                                          .params = gan->g_twin.params,
                                          .buffers = gan->lag_buffers};
    /* The file is assembled in memory (11 MB for the reference DCGAN): make room for it first, so
     * that a save does not raise the run's peak memory. */
    for (int i = 0; i < n_extra; i++) players[n++] = extra[i];
    gan_release_workspace(gan);
    st = ckpt_save(path, &state, players, n, config_text, err);
    free(players);
    free(config_text);
    if (!st) st = ckpt_prune(run->dir, run->cfg->output.keep, err);
    return st;
}

/* W1 between EVAL_SAMPLES generated samples and the reference (sliced in 2-D and up, exact in 1-D;
 * for sequences, exact between their dominant frequencies). */
static NashStatus sample_distance(Run *run, Gan *gan, double *w1, NashError *err) {
    int dim = (int)shape_numel(run->sample);
    float *x = gan_generate_fixed(gan, EVAL_SAMPLES, true);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate evaluation samples");
    NashStatus st = run->seq_len ? seq_freq_w1(x, EVAL_SAMPLES, run->ref, run->n_ref, run->seq_len, w1, err)
                    : dim == 1
                        ? w1_1d(x, EVAL_SAMPLES, run->ref, run->n_ref, w1, err)
                        : sliced_w1(x, EVAL_SAMPLES, run->ref, run->n_ref, dim, 64, run->cfg->train.seed, w1, err);
    free(x);
    return st;
}

NashStatus run_start(Run *run, Gan *gan, NashError *err) {
    if (!run->toy && !run->seq_len) return NASH_OK;
    return sample_distance(run, gan, &run->w1_initial, err);
}

NashStatus run_log(Run *run, int64_t step, int64_t epoch, const StepStats *s, const TimeSplit *t, NashError *err) {
    double elapsed = clock_monotonic_s() - run->t0;
    double rate = (double)(step - run->step0) * run->cfg->train.batch / fmax(elapsed, 1e-9);
    run->images_per_s = rate;
    fprintf(run->metrics,
            "%lld,%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.2f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.9g,%.9g\n",
            (long long)step, (long long)epoch, s->loss_d, s->loss_g, s->d_real, s->d_fake, s->raw_real, s->raw_fake,
            s->grad_norm_d, s->grad_norm_g, rate, t->g_compute, t->g_exchange, t->g_allreduce, t->d_compute,
            t->d_exchange, t->d_allreduce, t->d_data, s->penalty, s->input_grad_norm);
    if (ferror(run->metrics)) return nash_fail(err, NASH_ERR_IO, "cannot write %s/metrics.csv", run->dir);
    FILE *out = run->opt->progress;
    if (!out) return NASH_OK;
    int64_t total = run->cfg->train.steps;
    double eta = (double)(total - step) * elapsed / fmax((double)(step - run->step0), 1.0);
    const char *lead = run->opt->progress_tty ? "\r\033[K" : "";
    fprintf(out, "%sstep %lld/%lld (%3.0f%%) | %7.1f img/s | ETA %4.0fs | D %.4f G %.4f | D(x) %.3f D(G(z)) %.3f%s",
            lead, (long long)step, (long long)total, 100.0 * (double)step / (double)total, rate, eta, s->loss_d,
            s->loss_g, s->d_real, s->d_fake, run->opt->progress_tty ? "" : "\n");
    fflush(out);
    return NASH_OK;
}

NashStatus run_samples(Run *run, Gan *gan, int64_t step, NashError *err) {
    Shape s = run->sample;
    bool images = s.ndim == 3 && (s.dim[0] == 1 || s.dim[0] == 3);
    bool points = s.ndim == 1 && s.dim[0] == 2;
    if (!images && !points && !run->seq_len) return NASH_OK;
    int n = run->cfg->output.samples;
    if (points && n < 512) n = 512;
    float *x = gan_generate_fixed(gan, n, true);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate %d samples", n);
    char name[64], path[NASH_PATH_MAX];
    snprintf(name, sizeof name, "samples/step_%08lld.png", (long long)step);
    NashStatus st = fs_join(run->dir, name, path, sizeof path, err);
    if (!st && run->seq_len) {
        int rows = n < 6 ? n : 6;
        st = seqplot_write_png(path, run->ref, x, rows < run->n_ref ? rows : (int)run->n_ref, run->seq_len, 1.25f, err);
    } else if (!st && images) {
        int cols = (int)ceil(sqrt((double)n));
        st = png_write_grid(path, x, n, s.dim[0], s.dim[1], s.dim[2], cols, -1.0f, 1.0f, err);
    } else if (!st) {
        int n_ref = run->n_ref < 1024 ? (int)run->n_ref : 1024;
        float bound = 0.0f;
        for (int i = 0; i < 2 * n_ref; i++) bound = fmaxf(bound, fabsf(run->ref[i]));
        st = png_write_scatter(path, x, n, run->ref, n_ref, ceilf(bound * 1.25f), 512, err);
    }
    free(x);
    if (!st) snprintf(run->last_samples, sizeof run->last_samples, "%s", path);
    return st;
}

/* For toy mixtures: modes covered, samples near a mode, and W1 before and after training. */
static NashStatus evaluate_toy(Run *run, Gan *gan, NashError *err) {
    float *x = gan_generate_fixed(gan, EVAL_SAMPLES, true);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate evaluation samples");
    ModeCoverage cov;
    mode_coverage(&run->mix, x, EVAL_SAMPLES, 3.0, 0.25 / run->mix.k, &cov);
    free(x);
    double w1;
    NashStatus st = sample_distance(run, gan, &w1, err);
    char path[NASH_PATH_MAX];
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
                run->mix.name, cov.covered, cov.k, 100.0 * cov.high_quality, run->mix.dim == 1 ? "exact" : "sliced", w1,
                run->w1_initial);
    return NASH_OK;
}

/* For the sines toy: W1 of the dominant frequencies before and after training. */
static NashStatus evaluate_sequences(Run *run, Gan *gan, NashError *err) {
    double w1;
    char path[NASH_PATH_MAX];
    NashStatus st = sample_distance(run, gan, &w1, err);
    if (st || (st = fs_join(run->dir, "eval.txt", path, sizeof path, err))) return st;
    FILE *f = fopen(path, "w");
    if (!f) return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "samples %d\nmeasure dominant_frequency\nw1 %.6f\nw1_initial %.6f\n", EVAL_SAMPLES, w1, run->w1_initial);
    if (ferror(f) | fclose(f)) return nash_fail(err, NASH_ERR_IO, "cannot write %s", path);
    if (run->opt->progress)
        fprintf(run->opt->progress,
                "sines: W1 between the dominant frequencies of generated and real sequences %.4f cycles "
                "(untrained generator %.4f)\n",
                w1, run->w1_initial);
    return NASH_OK;
}

static NashStatus save_weights(Run *run, Gan *gan, NashError *err) {
    char path[NASH_PATH_MAX];
    NashStatus st = fs_join(run->dir, "weights.h5", path, sizeof path, err);
    if (st) return st;
    char *config_text = config_to_string(run->cfg);
    if (!config_text) return nash_fail(err, NASH_ERR_NOMEM, "cannot format the config");
    WeightsEntry entries[3] = {{.group = "generator", .net = &gan->g, .layers = gan->g_layers},
                               {.group = "discriminator", .net = &gan->d, .layers = gan->d_layers},
                               {.group = "generator_ema", .net = &gan->g, .layers = gan->g_layers, .params = gan->ema}};
    gan_release_workspace(gan);
    st = weights_save(path, entries, gan->ema ? 3 : 2, config_text, err);
    free(config_text);
    return st;
}

NashStatus run_finish(Run *run, Gan *gan, NashError *err) {
    FILE *out = run->opt->progress;
    if (out && run->opt->progress_tty) fputc('\n', out);
    NashStatus st;
    if ((st = run_samples(run, gan, run->cfg->train.steps, err)) || (st = save_weights(run, gan, err)) ||
        (run->toy && (st = evaluate_toy(run, gan, err))) || (run->seq_len && (st = evaluate_sequences(run, gan, err))))
        return st;
    int64_t steps = run->cfg->train.steps;
    if (out && run->step0 > 0)
        fprintf(out, "trained steps %lld to %lld (%lld steps, resumed after step %lld) in %.1f s; outputs in %s\n",
                (long long)run->step0 + 1, (long long)steps, (long long)(steps - run->step0), (long long)run->step0,
                clock_monotonic_s() - run->t0, run->dir);
    else if (out)
        fprintf(out, "trained %lld steps in %.1f s; outputs in %s\n", (long long)steps, clock_monotonic_s() - run->t0,
                run->dir);
    return NASH_OK;
}

void run_close(Run *run) {
    if (run->metrics) fclose(run->metrics);
    free(run->ref);
    run->metrics = NULL;
    run->ref = NULL;
}
