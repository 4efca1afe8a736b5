/* evaluate.h — evaluation during training ([eval] every = N), on the process that holds G and
 * writes the run (world rank 0; train/evaluate.c decides when and publishes the results).
 *
 * For toy mixtures (data files written by `nash data toy`), every eval.every steps and at the
 * end, eval.samples samples of the fixed noise stream (NOISE_STREAM_FIXED, so training's streams
 * are untouched) from G as it plays (its own weights, not the EMA; eval mode, so batch norm uses
 * its running statistics and dropout is off; training mode is restored) are scored:
 *   modes           components covered (eval/modes.h: 3 std, at least 1/(4k) of the samples)
 *   high_quality    the fraction of samples within 3 std of a component
 *   sliced_w1       W1 to the run's reference samples (exact in 1-D, 64 directions in 2-D;
 *                   eval/wasserstein.h), as eval.txt measures at the end
 * and for a 1-D mixture, the Nash readout (Goodfellow et al. 2014, Theorem 1; eval/game.h):
 *   js              JS(p_data, p_g), p_data the exact mixture, p_g the Gaussian kernel density
 *                   estimate of the samples (eval/kde.h: Sheather–Jones bandwidth), integrated
 *   kde_bandwidth   that bandwidth h
 *   value_theory    V(D*, G) = 2 js - log 4: the game's value against the optimal discriminator
 *   value_measured  V(D, G) = E log D(x) + E log(1 - D(G(z))) = -loss_d of the minimax/nonsat
 *                   losses (binary cross-entropy), averaged over the steps since the previous
 *                   evaluation (or the resume): the value the trained D actually achieves. Other
 *                   losses do not play this game; the column is left out for them.
 * At the equilibrium p_g = p_data both are -log 4 = -1.386; V(D, G) <= V(D*, G) for every D, so
 * the measured value sits at or below the theory, up to sampling noise.
 *
 * Each evaluation is a row of <run>/eval.csv (step, then the metrics above in that order); a
 * resumed run keeps the rows up to its checkpoint and appends. readout.png draws value_theory
 * and value_measured over the steps with the equilibrium -log 4 (draw/plot.h).
 */
#ifndef NASH_TRAIN_EVALUATE_H
#define NASH_TRAIN_EVALUATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/fsutil.h"
#include "core/status.h"
#include "gan/gan.h"
#include "train/run.h"

#define EVAL_MAX_METRICS 10

typedef struct {
    bool on;       /* eval.every > 0, and the data is a toy mixture or an evaluation rank scores images */
    bool remote;   /* cluster.eval_ranks > 0: an evaluation rank computes the metrics (eval_rank.c) */
    bool images;   /* images: score/score.h's image measures (score_image_metrics) */
    bool readout;  /* a 1-D mixture: js, kde_bandwidth, value_theory (and value_measured) */
    bool measured; /* the loss is minimax or nonsat: value_measured */
    int n_metrics;
    const char *names[EVAL_MAX_METRICS];
    FILE *csv;
    char path[NASH_PATH_MAX];
    int64_t n_rows, cap; /* the readout so far, for the picture */
    double *steps, *theory, *value_measured;
} Evaluator;

/* Decide what is evaluated (on, readout, measured, the names), writing nothing. */
void evaluator_plan(Evaluator *ev, const Run *run);
/* Decide what is evaluated, and create <run>/eval.csv (resume_step > 0: keep its rows up to that
 * step, which must have this run's columns, and append). Off (nothing written) when eval.every is
 * 0; for data that is not a toy mixture a note goes to the progress stream. */
NashStatus evaluator_open(Evaluator *ev, const Run *run, int64_t resume_step, NashError *err);

/* Evaluate G after `step`: values[n_metrics] receives the metrics in the order of names[] (NaN
 * where one could not be computed, with a note on the progress stream), one row is written.
 * value_measured is the mean V(D, G) since the last evaluation (ignored unless ev->measured). */
NashStatus evaluator_run(Evaluator *ev, const Run *run, Gan *gan, int64_t step, double value_measured, double *values,
                         NashError *err);

/* The toy measures of samples x (n, run->sample) into values[0 .. 6), value_measured aside. */
void evaluator_measure(const Evaluator *ev, const Run *run, const float *x, int n, double *values);
/* Write the row of `step` (values in the order of names[]) and say it on the progress stream. */
NashStatus evaluator_record(Evaluator *ev, const Run *run, int64_t step, const double *values, NashError *err);

/* Draw readout.png in the run directory (1-D mixtures with rows; otherwise nothing). */
NashStatus evaluator_plot(const Evaluator *ev, const Run *run, NashError *err);

void evaluator_close(Evaluator *ev);

#endif
