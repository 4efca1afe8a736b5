/* evaluate.c — evaluation during training ([eval] every = N): toy-mixture metrics and the Nash
 * readout, eval.csv and readout.png (see evaluate.h), and when they happen in the loop
 * (trainer_evaluate: the measured value of the game V(D, G) = -loss_d summed over the
 * discriminator ranks and averaged over the steps since the previous evaluation; rank 0, which
 * always holds G, evaluates). Nothing here touches the training state, so a run trains the same
 * with and without evaluation. The readout is V(D*, G) = 2 JS(p_data, p_g) - log 4 (Goodfellow
 * et al. 2014, Theorem 1) against the measured V(D, G) = -loss_d. */
#include "train/evaluate.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comm/comm.h"
#include "core/fsutil.h"
#include "draw/plot.h"
#include "eval/kde.h"
#include "eval/modes.h"
#include "eval/wasserstein.h"
#include "score/score.h"
#include "train/trainer.h"

static const double LOG4 = 1.38629436111989061883;

/* A line on the progress stream (clearing a redrawn progress line first). */
__attribute__((format(printf, 2, 3))) static void note(const Run *run, const char *fmt, ...) {
    FILE *out = run->opt->progress;
    if (!out) return;
    fprintf(out, "%s", run->opt->progress_tty ? "\r\033[K" : "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}

static void header(const Evaluator *ev, char *buf, size_t size) {
    snprintf(buf, size, "step");
    for (int i = 0; i < ev->n_metrics; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, ",%s", ev->names[i]);
    }
}

static int metric_index(const Evaluator *ev, const char *name) {
    for (int i = 0; i < ev->n_metrics; i++)
        if (!strcmp(ev->names[i], name)) return i;
    return -1;
}

static NashStatus remember(Evaluator *ev, double step, double theory, double measured, NashError *err) {
    if (ev->n_rows == ev->cap) {
        int64_t cap = ev->cap ? 2 * ev->cap : 64;
        double *s = realloc(ev->steps, (size_t)cap * sizeof *s);
        if (s) ev->steps = s;
        double *t = realloc(ev->theory, (size_t)cap * sizeof *t);
        if (t) ev->theory = t;
        double *m = realloc(ev->value_measured, (size_t)cap * sizeof *m);
        if (m) ev->value_measured = m;
        if (!s || !t || !m) return nash_fail(err, NASH_ERR_NOMEM, "cannot keep the readout of %s", ev->path);
        ev->cap = cap;
    }
    ev->steps[ev->n_rows] = step;
    ev->theory[ev->n_rows] = theory;
    ev->value_measured[ev->n_rows] = measured;
    ev->n_rows++;
    return NASH_OK;
}

/* The value of a CSV row's column (NaN when it is missing or not a number). */
static double column(const char *line, int col) {
    const char *p = line;
    for (int c = 0; c < col && p; c++) {
        p = strchr(p, ',');
        if (p) p++;
    }
    if (!p) return NAN;
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

/* Resuming: keep the rows of steps <= resume_step of an eval.csv with this run's columns. */
static NashStatus keep_rows(Evaluator *ev, int64_t resume_step, const char *want, NashError *err) {
    FILE *in = fopen(ev->path, "r");
    if (!in) return NASH_OK;
    char tmp[NASH_PATH_MAX + 8], line[1024];
    snprintf(tmp, sizeof tmp, "%s.trim", ev->path);
    if (!fgets(line, sizeof line, in)) line[0] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, want) != 0) {
        fclose(in);
        return nash_fail(err, NASH_ERR_DATA,
                         "%s has the columns '%s' but this run writes '%s' (another loss or data?); move the file away "
                         "to start it afresh",
                         ev->path, line, want);
    }
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fclose(in);
        return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    fprintf(out, "%s\n", want);
    int theory = metric_index(ev, "value_theory"), measured = metric_index(ev, "value_measured");
    NashStatus st = NASH_OK;
    while (!st && fgets(line, sizeof line, in)) {
        if (strtoll(line, NULL, 10) > resume_step) continue;
        fputs(line, out);
        if (ev->readout)
            st = remember(ev, column(line, 0), column(line, 1 + theory),
                          measured >= 0 ? column(line, 1 + measured) : NAN, err);
    }
    fclose(in);
    if (ferror(out) | fclose(out) || rename(tmp, ev->path) != 0)
        return st ? st : nash_fail(err, NASH_ERR_IO, "cannot rewrite %s", ev->path);
    return st;
}

void evaluator_plan(Evaluator *ev, const Run *run) {
    memset(ev, 0, sizeof *ev);
    const Config *cfg = run->cfg;
    if (cfg->eval.every <= 0) return;
    ev->remote = cfg->cluster.eval_ranks > 0;
    if (!run->toy) {
        /* labelled images are scored with the local classifier, which only an evaluation rank
         * has time for */
        if (!ev->remote || !run->labelled_images) return;
        ev->on = ev->images = true;
        ev->n_metrics = SCORE_IMAGE_METRICS;
        for (int i = 0; i < ev->n_metrics; i++) ev->names[i] = score_image_metrics[i];
        return;
    }
    ev->on = true;
    ev->readout = run->mix.dim == 1;
    ev->measured = ev->readout && (cfg->loss.kind == LOSS_MINIMAX || cfg->loss.kind == LOSS_NONSAT);
    const char *names[] = {"modes",         "high_quality", "sliced_w1",     "js",
                           "kde_bandwidth", "value_theory", "value_measured"};
    ev->n_metrics = ev->measured ? 7 : ev->readout ? 6 : 3;
    for (int i = 0; i < ev->n_metrics; i++) ev->names[i] = names[i];
}

NashStatus evaluator_open(Evaluator *ev, const Run *run, int64_t resume_step, NashError *err) {
    const Config *cfg = run->cfg;
    evaluator_plan(ev, run);
    if (cfg->eval.every <= 0) return NASH_OK;
    if (!ev->on && ev->remote)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "cluster.eval_ranks = %d: %s is neither labelled images nor a toy mixture, so there is "
                         "nothing to evaluate; set eval_ranks = 0",
                         cfg->cluster.eval_ranks, cfg->data.path);
    if (ev->images && cfg->eval.samples > run->n_data)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "eval.samples = %d: %s holds %lld images, and each evaluation compares that many samples "
                         "with as many images; set eval.samples to %lld or less",
                         cfg->eval.samples, cfg->data.path, (long long)run->n_data, (long long)run->n_data);
    if (!ev->on) {
        note(run,
             "eval.every: evaluation in the training ranks covers toy mixtures only, not %s; nothing is evaluated "
             "(cluster.eval_ranks = 1 scores images on a rank of their own)",
             cfg->data.path);
        return NASH_OK;
    }
    if (ev->readout && !ev->measured)
        note(run, "eval: loss.kind = %s is not the minimax game; eval.csv has no value_measured",
             config_loss_words[cfg->loss.kind]);
    char want[512];
    header(ev, want, sizeof want);
    NashStatus st = fs_join(run->dir, "eval.csv", ev->path, sizeof ev->path, err);
    bool append = !st && resume_step > 0 && access(ev->path, F_OK) == 0;
    if (append) st = keep_rows(ev, resume_step, want, err);
    if (st) return st;
    ev->csv = fopen(ev->path, append ? "a" : "w");
    if (!ev->csv) return nash_fail(err, NASH_ERR_IO, "cannot write %s: %s", ev->path, strerror(errno));
    if (!append) fprintf(ev->csv, "%s\n", want);
    fflush(ev->csv);
    return NASH_OK;
}

/* js and its bandwidth, or NaN with a note (a collapsed generator can leave no spread). */
static void readout_js(const Run *run, const float *x, int n, double *js, double *h) {
    Kde1d kde;
    NashError err = {0};
    *js = *h = NAN;
    if (kde1d_init(&kde, x, n, 0.0, &err) == NASH_OK) {
        *h = kde.h;
        if (js_mixture1d_kde(&run->mix, &kde, js, &err) != NASH_OK) *js = NAN;
        kde1d_free(&kde);
    }
    if (isnan(*js)) note(run, "eval: no JS this time: %s", err.msg);
}

void evaluator_measure(const Evaluator *ev, const Run *run, const float *x, int n, double *values) {
    int dim = (int)shape_numel(run->sample);
    ModeCoverage cov;
    mode_coverage(&run->mix, x, n, 3.0, 0.25 / run->mix.k, &cov);
    double w1;
    NashError w1_err = {0};
    if ((dim == 1 ? w1_1d(x, n, run->ref, run->n_ref, &w1, &w1_err)
                  : sliced_w1(x, n, run->ref, run->n_ref, dim, 64, run->cfg->train.seed, &w1, &w1_err)) != NASH_OK) {
        note(run, "eval: no W1 this time: %s", w1_err.msg);
        w1 = NAN;
    }
    values[0] = cov.covered;
    values[1] = cov.high_quality;
    values[2] = w1;
    if (ev->readout) {
        readout_js(run, x, n, &values[3], &values[4]);
        values[5] = 2.0 * values[3] - LOG4;
    }
}

NashStatus evaluator_record(Evaluator *ev, const Run *run, int64_t step, const double *values, NashError *err) {
    fprintf(ev->csv, "%lld", (long long)step);
    for (int i = 0; i < ev->n_metrics; i++) fprintf(ev->csv, ",%.9g", values[i]);
    fputc('\n', ev->csv);
    if (fflush(ev->csv) != 0 || ferror(ev->csv)) return nash_fail(err, NASH_ERR_IO, "cannot write %s", ev->path);
    NashStatus st = ev->readout ? remember(ev, (double)step, values[5], ev->measured ? values[6] : NAN, err) : NASH_OK;
    if (st) return st;
    FILE *out = run->opt->progress;
    if (!out) return NASH_OK;
    fprintf(out, "%seval step %lld: ", run->opt->progress_tty ? "\r\033[K" : "", (long long)step);
    if (ev->images) {
        fprintf(out, "Fréchet %.3f, KID %.4f, precision %.3f, recall %.3f, density %.3f, coverage %.3f, %g classes",
                values[0], values[4], values[5], values[6], values[7], values[8], values[2]);
    } else {
        fprintf(out, "%g of %d modes, %.1f%% near a mode, W1 %.4f", values[0], run->mix.k, 100.0 * values[1],
                values[2]);
        if (ev->readout) fprintf(out, " | JS %.4f, V(D*,G) = 2 JS - log 4 = %.4f", values[3], values[5]);
        if (ev->measured) fprintf(out, ", measured V(D,G) %.4f", values[6]);
    }
    fputc('\n', out);
    fflush(out);
    return NASH_OK;
}

NashStatus evaluator_run(Evaluator *ev, const Run *run, Gan *gan, int64_t step, double value_measured, double *values,
                         NashError *err) {
    if (!ev->on) return NASH_OK;
    int n = run->cfg->eval.samples;
    float *x = gan_generate_fixed(gan, n, false);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate %d evaluation samples (eval.samples)", n);
    evaluator_measure(ev, run, x, n, values);
    free(x);
    if (ev->measured) values[6] = value_measured;
    return evaluator_record(ev, run, step, values, err);
}

NashStatus evaluator_plot(const Evaluator *ev, const Run *run, NashError *err) {
    if (!ev->on || !ev->readout || ev->n_rows == 0) return NASH_OK;
    char path[NASH_PATH_MAX];
    NashStatus st = fs_join(run->dir, "readout.png", path, sizeof path, err);
    if (st) return st;
    double ends[2] = {ev->steps[0], ev->steps[ev->n_rows - 1]}, level[2] = {-LOG4, -LOG4};
    if (ends[1] == ends[0]) ends[0] = 0.0;
    PlotSeries series[3] = {
        {.x = ends, .y = level, .n = 2, .rgb = {120, 120, 120}, .label = "equilibrium -log 4", .dashed = true},
        {.x = ev->steps,
         .y = ev->theory,
         .n = (int)ev->n_rows,
         .rgb = {200, 60, 40},
         .label = "theory V(D*,G) = 2 JS - log 4"},
        {.x = ev->steps,
         .y = ev->value_measured,
         .n = (int)ev->n_rows,
         .rgb = {40, 90, 200},
         .label = "measured V(D,G) = -loss_d"},
    };
    char title[96];
    snprintf(title, sizeof title, "The Nash readout: the value of the game (%s)", run->mix.name);
    PlotOptions opts = {.width = 800,
                        .height = 480,
                        .title = title,
                        .x_label = "step",
                        .y_label = "V (nats)",
                        .legend = PLOT_LEGEND_TOP_RIGHT};
    return plot_lines_png(path, series, ev->measured ? 3 : 2, &opts, err);
}

void evaluator_close(Evaluator *ev) {
    if (ev->csv) fclose(ev->csv);
    free(ev->steps);
    free(ev->theory);
    free(ev->value_measured);
    memset(ev, 0, sizeof *ev);
}

/* ---- in the loop (every rank) ---------------------------------------------------------------- */

NashStatus trainer_evaluate(Trainer *t, int64_t step, NashError *err) {
    const Config *cfg = t->cfg;
    if (cfg->eval.every <= 0) return NASH_OK;
    /* each discriminator rank's loss_d is its share of the batch mean (gan.h) */
    if (t->lay.has_d) t->eval_loss_d += trainer_d_share(t, t->stats.loss_d);
    t->eval_steps++;
    bool last = step == cfg->train.steps;
    if (step % cfg->eval.every != 0 && !last) /* an evaluation rank's reply is written when it comes */
        return t->lay.rank == 0 ? eval_link_collect(t->eval_link, &t->eval, &t->run, t->pub, false, err) : NASH_OK;
    double sum = t->eval_loss_d;
    comm_sum_to_root(&sum, 1);
    double value_measured = -sum / (double)t->eval_steps;
    t->eval_loss_d = 0.0;
    t->eval_steps = 0;
    if (t->lay.rank != 0 || !t->eval.on) return NASH_OK;
    if (t->eval.remote) {
        NashStatus st = eval_link_order(t->eval_link, &t->eval, &t->run, t->pub, &t->gan.g, step, value_measured, err);
        if (!st && last) st = eval_link_collect(t->eval_link, &t->eval, &t->run, t->pub, true, err);
        if (!st && last) eval_link_report(t->eval_link, t->opt->progress);
        if (!st && last) st = evaluator_plot(&t->eval, &t->run, err);
        return st;
    }
    double values[EVAL_MAX_METRICS];
    NashStatus st = evaluator_run(&t->eval, &t->run, &t->gan, step, value_measured, values, err);
    if (!st) metrics_eval(t->pub, step, t->eval.names, values, t->eval.n_metrics);
    if (!st && last) st = evaluator_plot(&t->eval, &t->run, err);
    return st;
}
