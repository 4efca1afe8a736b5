/* evaluate.c — evaluation during training ([eval] every = N): when it happens, the measured value
 * of the game V(D, G) = -loss_d summed over the discriminator ranks and averaged over the steps
 * since the previous evaluation, and publishing; rank 0 (which always holds G) evaluates and
 * writes eval.csv and readout.png (gan/evaluate.h, docs/training.md). Nothing here touches the
 * training state, so a run trains the same with and without evaluation.
 */
#include "dist/trainer.h"

NashStatus trainer_evaluate(Trainer *t, int64_t step, NashError *err) {
    const Config *cfg = t->cfg;
    if (cfg->eval.every <= 0) return NASH_OK;
    /* each discriminator rank's loss_d is its share of the batch mean (gan.h) */
    if (t->lay.has_d) t->eval_loss_d += t->stats.loss_d;
    t->eval_steps++;
    bool last = step == cfg->train.steps;
    if (step % cfg->eval.every != 0 && !last) return NASH_OK;
    double sum = t->eval_loss_d;
    MPI_Reduce(t->lay.rank == 0 ? MPI_IN_PLACE : &sum, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    double value_measured = -sum / (double)t->eval_steps;
    t->eval_loss_d = 0.0;
    t->eval_steps = 0;
    if (t->lay.rank != 0 || !t->eval.on) return NASH_OK;
    double values[EVAL_MAX_METRICS];
    NashStatus st = evaluator_run(&t->eval, &t->run, &t->gan, step, value_measured, values, err);
    if (!st) metrics_eval(t->pub, step, t->eval.names, values, t->eval.n_metrics);
    if (!st && last) st = evaluator_plot(&t->eval, &t->run, err);
    return st;
}
