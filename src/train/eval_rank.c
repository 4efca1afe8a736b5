/* eval_rank.c — evaluation on a rank of its own (eval_rank.h). */
#include "train/eval_rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "data/dataset.h"
#include "gan/gan.h"
#include "score/score.h"
#include "train/run.h"

/* ---- rank 0 ---------------------------------------------------------------------------------- */

void eval_link_open(EvalLink *link) {
    memset(link, 0, sizeof *link);
    link->order_request = link->weights_request = link->reply_request = MPI_REQUEST_NULL;
    if (comm_eval_rank() < 0 || comm_world_rank() != 0) return;
    link->on = true;
    link->to = comm_eval_rank();
    comm_world_irecv(&link->reply, sizeof link->reply, link->to, COMM_TAG_EVAL_REPLY, &link->reply_request);
}

/* The reply that has come: the set-up status, or a step's scores to write. */
static NashStatus take_reply(EvalLink *link, Evaluator *ev, const Run *run, MetricsPublisher *pub, NashError *err) {
    EvalReply *r = &link->reply;
    r->message[sizeof r->message - 1] = '\0';
    if (r->status)
        return nash_fail(err, (NashStatus)r->status, "rank %d (the evaluation rank, cluster.eval_ranks): %s", link->to,
                         r->message);
    if (!link->ready) {
        link->ready = true;
        return NASH_OK;
    }
    link->pending = false;
    link->scored++;
    link->latency += clock_monotonic_s() - link->sent_at;
    if (r->count != ev->n_metrics - (ev->measured ? 1 : 0))
        return nash_fail(err, NASH_ERR_INTERNAL, "rank %d (the evaluation rank) sent %d values for %d columns",
                         link->to, r->count, ev->n_metrics);
    double values[EVAL_MAX_METRICS];
    memcpy(values, r->values, sizeof values);
    if (ev->measured) values[6] = link->value_measured;
    NashStatus st = evaluator_record(ev, run, r->step, values, err);
    if (!st) metrics_eval(pub, r->step, ev->names, values, ev->n_metrics);
    return st;
}

/* The reply, if it has come (with `wait`: once it has). */
static NashStatus collect(EvalLink *link, Evaluator *ev, const Run *run, MetricsPublisher *pub, bool wait,
                          NashError *err) {
    if (link->ready && !link->pending) return NASH_OK;
    if (!comm_test(&link->reply_request)) {
        if (!wait) return NASH_OK;
        double t0 = clock_monotonic_s();
        comm_wait(&link->reply_request);
        link->waited += clock_monotonic_s() - t0;
        link->waits++;
    }
    return take_reply(link, ev, run, pub, err);
}

NashStatus eval_link_collect(EvalLink *link, Evaluator *ev, const Run *run, MetricsPublisher *pub, bool wait,
                             NashError *err) {
    if (!link || !link->on) return NASH_OK;
    /* only a step's scores are worth waiting for here; the set-up reply is the first order's */
    return collect(link, ev, run, pub, wait && link->pending, err);
}

NashStatus eval_link_order(EvalLink *link, Evaluator *ev, const Run *run, MetricsPublisher *pub, const Net *g,
                           int64_t step, double value_measured, NashError *err) {
    if (!link || !link->on) return NASH_OK;
    NashStatus st = collect(link, ev, run, pub, true, err); /* the set-up reply, or the last step's scores */
    if (st) return st;
    /* the evaluation rank received the last order before it replied: these complete at once */
    comm_wait(&link->order_request);
    comm_wait(&link->weights_request);
    if (!link->weights) {
        link->n_weights = g->param_floats + g->buffer_floats;
        link->weights = malloc((link->n_weights ? link->n_weights : 1) * sizeof *link->weights);
        if (!link->weights)
            return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a copy of G for the evaluation rank");
    }
    memcpy(link->weights, g->params, g->param_floats * sizeof *link->weights);
    memcpy(link->weights + g->param_floats, g->buffers, g->buffer_floats * sizeof *link->weights);
    link->order[0] = step;
    link->order[1] = (int64_t)link->n_weights;
    link->value_measured = value_measured;
    comm_world_isend(link->order, sizeof link->order, link->to, COMM_TAG_EVAL_ORDER, &link->order_request);
    comm_world_isend(link->weights, link->n_weights * sizeof *link->weights, link->to, COMM_TAG_EVAL_WEIGHTS,
                     &link->weights_request);
    comm_world_irecv(&link->reply, sizeof link->reply, link->to, COMM_TAG_EVAL_REPLY, &link->reply_request);
    link->pending = true;
    link->sent_at = clock_monotonic_s();
    return NASH_OK;
}

void eval_link_report(const EvalLink *link, FILE *out) {
    if (!link || !link->on || !out || !link->scored) return;
    fprintf(out,
            "eval: %lld evaluations on rank %d, %.2f s each from order to reply; training waited %.2f s for them at "
            "%lld points\n",
            (long long)link->scored, link->to, link->latency / (double)link->scored, link->waited,
            (long long)link->waits);
    fflush(out);
}

void eval_link_close(EvalLink *link) {
    if (!link->on) return;
    /* the reply the evaluation rank is bound to send (its set-up's, or the step's in flight) is
     * received, even if nobody writes it: its send then completes, however MPI buffers */
    comm_wait(&link->reply_request);
    comm_wait(&link->order_request);
    comm_wait(&link->weights_request);
    int64_t stop[2] = {0, 0};
    comm_world_send(stop, sizeof stop, link->to, COMM_TAG_EVAL_ORDER);
    free(link->weights);
    memset(link, 0, sizeof *link);
}

/* ---- the evaluation rank --------------------------------------------------------------------- */

typedef struct {
    Config cfg; /* the run's, with a conditional GAN's classes filled in */
    Run run;
    bool run_prepared;
    Gan gan;
    bool gan_made;
    Evaluator ev;
    ImageScorer *scorer;
    float *weights;
} EvalRank;

static NashStatus eval_rank_setup(EvalRank *e, const TrainOptions *opt, NashError *err) {
    Config *cfg = &e->cfg;
    DatasetReader *reader;
    DatasetInfo info;
    NashStatus st = dataset_open(cfg->data.path, &reader, &info, err);
    if (st) return st;
    uint8_t *labels = NULL;
    if (config_is_conditional(cfg)) {
        labels = malloc(info.n ? (size_t)info.n : 1);
        if (!labels) st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the labels of %s", cfg->data.path);
        if (!st && !info.has_labels)
            st = nash_fail(err, NASH_ERR_DATA, "%s has no /labels for the conditional generator", cfg->data.path);
        if (!st) st = dataset_read_labels(reader, 0, info.n, labels, err);
        int classes = 0;
        for (int64_t i = 0; !st && i < info.n; i++)
            if (labels[i] >= classes) classes = labels[i] + 1;
        if (!st) st = config_set_classes(cfg, classes, err);
    }
    dataset_close(reader);
    if (!st) st = run_prepare(&e->run, cfg, opt, info.sample, err);
    e->run_prepared = !st;
    e->run.labelled_images = info.kind == DATASET_IMAGES && info.has_labels;
    e->run.n_data = info.n;
    if (!st) st = gan_init(&e->gan, cfg, info.sample, cfg->train.batch, true, false, err);
    e->gan_made = !st;
    if (!st && e->gan.classes) st = gan_set_class_prior(&e->gan, labels, info.n, cfg->data.path, err);
    free(labels);
    if (st) return st;
    evaluator_plan(&e->ev, &e->run); /* rank 0 refused data it cannot evaluate */
    if (e->ev.images) {
        ScoreOptions so = {.data = cfg->data.path, .n = cfg->eval.samples, .seed = cfg->train.seed};
        if ((st = image_scorer_open(&e->scorer, &so, err))) return st;
    }
    size_t n = e->gan.g.param_floats + e->gan.g.buffer_floats;
    e->weights = malloc((n ? n : 1) * sizeof *e->weights);
    if (!e->weights) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate G's weights");
    return NASH_OK;
}

static NashStatus eval_rank_score(EvalRank *e, EvalReply *reply, NashError *err) {
    Net *g = &e->gan.g;
    memcpy(g->params, e->weights, g->param_floats * sizeof *g->params);
    memcpy(g->buffers, e->weights + g->param_floats, g->buffer_floats * sizeof *g->buffers);
    int n = e->cfg.eval.samples;
    float *x = gan_generate_fixed(&e->gan, n, false);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate %d evaluation samples (eval.samples)", n);
    NashStatus st = NASH_OK;
    if (e->ev.images) {
        st = image_scorer_score(e->scorer, x, reply->values, err);
        reply->count = SCORE_IMAGE_METRICS;
    } else {
        evaluator_measure(&e->ev, &e->run, x, n, reply->values);
        reply->count = e->ev.n_metrics - (e->ev.measured ? 1 : 0);
    }
    free(x);
    return st;
}

NashStatus eval_rank_serve(const Config *cfg, const TrainOptions *opt, NashError *err) {
    EvalReply reply = {0};
    EvalRank *e = calloc(1, sizeof *e);
    NashStatus st = e ? NASH_OK : nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the evaluation rank");
    if (e) e->cfg = *cfg;
    if (e) st = eval_rank_setup(e, opt, err);
    /* rank 0 reads this at its first evaluation point, and fails the run if it says so */
    reply.status = (int32_t)st;
    snprintf(reply.message, sizeof reply.message, "%s", st ? err->msg : "");
    comm_world_send(&reply, sizeof reply, 0, COMM_TAG_EVAL_REPLY);
    size_t n = e && e->gan_made ? e->gan.g.param_floats + e->gan.g.buffer_floats : 0;
    for (;;) {
        int64_t order[2];
        comm_world_recv(order, sizeof order, 0, COMM_TAG_EVAL_ORDER);
        if (!order[1]) break;
        /* rank 0 orders nothing after a failed set-up; its G and this rank's come from one config */
        size_t sent = (size_t)order[1];
        float *into = sent == n ? e->weights : malloc(sent * sizeof *into);
        if (into) comm_world_recv(into, sent * sizeof *into, 0, COMM_TAG_EVAL_WEIGHTS);
        memset(&reply, 0, sizeof reply);
        reply.step = order[0];
        NashError step_err = {0};
        if (sent != n || !into)
            reply.status = (int32_t)nash_fail(&step_err, NASH_ERR_INTERNAL,
                                              "rank 0 sent a G of %zu floats, this rank built one of %zu", sent, n);
        else
            reply.status = (int32_t)eval_rank_score(e, &reply, &step_err);
        if (into != (e ? e->weights : NULL)) free(into);
        int at = snprintf(reply.message, sizeof reply.message, "step %lld: ", (long long)order[0]);
        snprintf(reply.message + at, sizeof reply.message - (size_t)at, "%.*s", (int)(sizeof reply.message) - at - 1,
                 step_err.msg);
        comm_world_send(&reply, sizeof reply, 0, COMM_TAG_EVAL_REPLY);
    }
    if (e) {
        image_scorer_close(e->scorer);
        if (e->gan_made) gan_free(&e->gan);
        if (e->run_prepared) run_close(&e->run);
        free(e->weights);
        free(e);
    }
    /* a failure here was rank 0's to report */
    return NASH_OK;
}
