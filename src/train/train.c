/* train.c — a training run over generator and discriminator ranks (see train.h and
 * docs/distributed.md): setting it up, the loop over its steps (each schedule's step is
 * step.c's) and the ranks' vote at each step's end; generator_ranks = auto's trials, which set
 * up and step runs of their own, are split_auto.c's.
 */
#include "train/train.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "comm/comm.h"
#include "comm/layout.h"
#include "comm/reduce.h"
#include "data/dataset.h"
#include "data/stream.h"
#include "nn/conv_onednn.h"
#include "publish/publish.h"
#include "store/checkpoint.h"
#include "train/trainer.h"

/* SIGUSR1, SIGTERM and a first SIGINT (Ctrl-C) only set this flag; the ranks agree on it at the
 * next step boundary, save a checkpoint and exit 75. A second SIGINT stops at once (exit 130, as
 * an uncaught Ctrl-C would), for when the step or the save takes too long to wait for. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void on_interrupt(int sig) {
    if (stop_requested) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_requested = 1;
    static const char msg[] =
        "\nnash train: stopping after this step with a checkpoint (Ctrl-C again to stop at once)\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1); /* async-signal-safe, unlike stdio */
    (void)ignored;
}

static void install_stop_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
}

/* ---- setup ---------------------------------------------------------------------------------- */

/* A data or checkpoint file that cannot be used is the input's fault, whatever the cause below
 * (NASH_ERR_DATA, docs/exit-codes.md): say which input (`what`, e.g. "data.path: ") and re-code. */
static NashStatus data_failure(NashError *err, const char *what) {
    nash_fail_context(err, "%s", what);
    err->code = NASH_ERR_DATA;
    return NASH_ERR_DATA;
}

/* The same for data.path, saying where a relative path was looked for (docs/config.md). */
static NashStatus data_path_failure(NashError *err, const char *path) {
    data_failure(err, "data.path: ");
    char cwd[NASH_PATH_MAX];
    if (path[0] != '/' && getcwd(cwd, sizeof cwd)) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used,
                 " (a relative data.path is taken from the working directory, %s, not from the config file's folder)",
                 cwd);
    }
    return NASH_ERR_DATA;
}

/* Which checkpoint to resume from: rank 0 decides (for "auto", the newest that verifies in the
 * run directory; none means a fresh start) and tells the others, then every rank verifies it. */
static NashStatus resolve_resume(Trainer *t, NashError *err) {
    const TrainOptions *opt = t->opt;
    t->first_step = 1;
    if (!opt->resume) return NASH_OK;
    NashStatus st = NASH_OK;
    if (t->lay.rank == 0) {
        if (strcmp(opt->resume, "auto") == 0) {
            const char *dir = opt->run_dir ? opt->run_dir : t->cfg->output.dir;
            char skipped[4096] = "";
            st =
                ckpt_find_latest(dir, t->resume_path, sizeof t->resume_path, &t->resumed, skipped, sizeof skipped, err);
            if (!st && skipped[0] && opt->progress) fprintf(opt->progress, "skipped checkpoints:\n%s\n", skipped);
            if (!st && !t->resume_path[0] && opt->progress)
                fprintf(opt->progress, "no checkpoint in %s/ckpt: starting from step 1\n", dir);
        } else {
            snprintf(t->resume_path, sizeof t->resume_path, "%s", opt->resume);
        }
    }
    int code = (int)st;
    comm_bcast_bytes(&code, sizeof code);
    if (code) return t->lay.rank == 0 ? st : nash_fail(err, (NashStatus)code, "rank 0 could not choose a checkpoint");
    comm_bcast_bytes(t->resume_path, sizeof t->resume_path);
    if (!t->resume_path[0]) return NASH_OK;
    if ((st = ckpt_verify(t->resume_path, &t->resumed, err))) return data_failure(err, "--resume: ");
    if (t->resumed.seed != t->cfg->train.seed)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s was trained with train.seed = %llu but the config says %llu; resume with the same seed",
                         t->resume_path, (unsigned long long)t->resumed.seed, (unsigned long long)t->cfg->train.seed);
    t->first_step = t->resumed.step + 1;
    return NASH_OK;
}

/* One player's parameters, buffers and optimizer from the checkpoint, refusing another
 * optimizer than the config's. */
static NashStatus load_player(Trainer *t, const char *group, Net *net, Optimizer *o, NashError *err) {
    char kind[16] = "";
    int64_t steps = 0;
    NashStatus st =
        ckpt_load_player(t->resume_path, group, net, o ? o->m : NULL, o ? o->v : NULL, o ? o->n : 0, &steps, kind, err);
    if (st) return st;
    if (o && strcmp(kind, optim_kind_name(o->kind)) != 0)
        return nash_fail(err, NASH_ERR_CONFIG, "%s: /%s was trained with optimizer %s but the config says %s",
                         t->resume_path, group, kind, optim_kind_name(o->kind));
    if (o) o->t = steps;
    return NASH_OK;
}

static NashStatus load_checkpoint(Trainer *t, NashError *err) {
    Gan *gan = &t->gan;
    NashStatus st = NASH_OK;
    bool ema_loaded = false;
    if (gan->has_g && gan->ema) {
        /* the EMA goes through G's net first, then G's own parameters replace it */
        NashError ignored = {0};
        ema_loaded = load_player(t, "generator_ema", &gan->g, NULL, &ignored) == NASH_OK;
        if (ema_loaded) memcpy(gan->ema, gan->g.params, gan->g.param_floats * sizeof(float));
    }
    if (gan->has_g && (st = load_player(t, "generator", &gan->g, &gan->opt_g, err))) return st;
    /* a checkpoint made without EMA starts the average at the resumed parameters */
    if (gan->has_g && gan->ema && !ema_loaded) memcpy(gan->ema, gan->g.params, gan->g.param_floats * sizeof(float));
    if (gan->has_d && (st = load_player(t, t->d_group_name, &gan->d, &gan->opt_d, err))) {
        if (t->lay.d_groups > 1) {
            nash_fail_context(err, "cluster.discriminator_groups = %d: discriminator group %d's D: ", t->lay.d_groups,
                              t->lay.d_group > 0 ? t->lay.d_group : 0);
            size_t used = strlen(err->msg);
            snprintf(err->msg + used, sizeof err->msg - used,
                     "; resume with the discriminator_groups the checkpoint was saved with (its layout: %s)",
                     t->resumed.layout);
        }
        return st;
    }
    if (gan->has_g && gan->pipelined) {
        /* the parameters and buffers that made the fakes in flight; a checkpoint of another
         * schedule has none, and its pipeline starts from the resumed parameters */
        NashError ignored = {0};
        if (load_player(t, "generator_lag", &gan->g_twin, NULL, &ignored) != NASH_OK) {
            memcpy(gan->g_twin.params, gan->g.params, gan->g.param_floats * sizeof(float));
            memcpy(gan->g_twin.buffers, gan->g.buffers, gan->g.buffer_floats * sizeof(float));
        }
    }
    return NASH_OK;
}

/* The run id is the run directory's: its name and a hash of its absolute path ("ring8-3fa2c1d0"),
 * so runs in different directories show side by side in one monitor, and a run resumed in its
 * directory (or started again there) continues the same run there, from the step it starts at. */
static void choose_run_id(Trainer *t) {
    const char *dir = t->opt->run_dir ? t->opt->run_dir : t->cfg->output.dir;
    char cwd[NASH_PATH_MAX] = "";
    if (dir[0] != '/' && !getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
    uint32_t h = 2166136261u; /* FNV-1a over cwd "/" dir */
    for (const char *p = cwd; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ '/') * 16777619u;
    for (const char *p = dir; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    const char *base = dir + len;
    while (base > dir && base[-1] != '/') base--;
    snprintf(t->run_id, sizeof t->run_id, "%.*s-%08x",
             (int)(len - (size_t)(base - dir) < 100 ? len - (size_t)(base - dir) : 100), base, (unsigned)h);
}

/* Rank 0 publishes the run's metrics (publish/publish.h). */
static NashStatus open_publisher(Trainer *t, NashError *err) {
    const char *role = !t->lay.split ? "GD" : t->lay.has_g ? "G" : "D";
    NashStatus st =
        metrics_open(&t->pub, t->cfg->monitor.endpoint, t->cfg->monitor.allow_remote, t->run_id, 0, role, err);
    if (st) nash_fail_context(err, "monitor.endpoint: ");
    return st;
}

/* A conditional GAN: every label of the data file (for the reals' classes and the fakes' class
 * frequencies), and the config with the data's number of classes filled in. */
static NashStatus read_labels(Trainer *t, DatasetReader *reader, const DatasetInfo *info, NashError *err) {
    const char *path = t->cfg->data.path;
    if (!info->has_labels)
        return nash_fail(err, NASH_ERR_DATA,
                         "%s has no /labels, and the config's cbatchnorm or projection layers need a class per "
                         "sample; import labelled data (a folder per class, or nash data fashion-mnist)",
                         path);
    t->labels = malloc(info->n ? (size_t)info->n : 1);
    if (!t->labels)
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the %lld labels of %s", (long long)info->n, path);
    NashStatus st = dataset_read_labels(reader, 0, info->n, t->labels, err);
    if (st) return st;
    int classes = 0;
    for (int64_t i = 0; i < info->n; i++)
        if (t->labels[i] >= classes) classes = t->labels[i] + 1;
    t->resolved = malloc(sizeof *t->resolved);
    if (!t->resolved) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the resolved config");
    *t->resolved = *t->cfg;
    if ((st = config_set_classes(t->resolved, classes, err))) return st;
    t->cfg = t->resolved;
    return NASH_OK;
}

/* train.precision, set for nn/ before any layer sizes its work. bf16 is oneDNN's, on CPUs with its
 * bf16 kernels; emulated elsewhere it would be slower than float32, so it is refused there. */
static NashStatus set_precision(const Config *cfg, NashError *err) {
    if (cfg->train.precision == PRECISION_FLOAT32) {
        conv_precision_set(CONV_FLOAT32);
        return NASH_OK;
    }
    char about[160];
    if (!conv_bf16_supported())
        return nash_fail(err, NASH_ERR_CONFIG,
                         "train.precision = bf16 needs oneDNN's bf16 kernels, which run on CPUs with AVX512_BF16 or "
                         "AMX, and this CPU gets none (%s); set train.precision = float32",
                         conv_onednn_describe(about, sizeof about));
    if (conv_path() == CONV_PATH_IM2COL)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "train.precision = bf16 runs the convolutions on oneDNN, and NASH_CONV=im2col keeps them off "
                         "it: unset NASH_CONV, or set train.precision = float32");
    conv_precision_set(CONV_BF16);
    return NASH_OK;
}

NashStatus trainer_setup(Trainer *t, NashError *err) {
    const Config *cfg = t->cfg;
    NashStatus st = layout_init(&t->lay, cfg, err);
    if (st) return st;
    if ((st = set_precision(cfg, err))) return st;
    Layout *lay = &t->lay;
    t->simultaneous = cfg->cluster.schedule == SCHEDULE_SIMULTANEOUS;
    t->pipelined = cfg->cluster.schedule == SCHEDULE_PIPELINED;
    t->batches_per_step = t->simultaneous ? 1 : cfg->train.n_critic;
    if (t->simultaneous && cfg->train.n_critic != 1)
        return nash_fail(err, NASH_ERR_CONFIG, "cluster.schedule = simultaneous needs train.n_critic = 1 (got %d)",
                         cfg->train.n_critic);
    Shape sample;
    int64_t n = 0;
    DatasetReader *reader;
    DatasetInfo info;
    if ((st = dataset_open(cfg->data.path, &reader, &info, err))) return data_path_failure(err, cfg->data.path);
    st = config_is_conditional(cfg) ? read_labels(t, reader, &info, err) : NASH_OK;
    dataset_close(reader);
    if (st) return st;
    cfg = t->cfg;
    /* rank 0 reads its reference samples before the reader thread starts using HDF5 */
    bool writer = lay->rank == 0 && !t->trial; /* the rank that writes the run directory */
    if (writer && (st = run_prepare(&t->run, cfg, t->opt, info.sample, err))) return st;
    t->run_prepared = writer;
    t->run.labelled_images = info.kind == DATASET_IMAGES && info.has_labels;
    t->run.n_data = info.n;
    sample = info.sample;
    n = info.n;
    t->first_step = 1;
    if (!t->trial && (st = resolve_resume(t, err))) return st;
    if ((st = trainer_setup_groups(t, info.n, err))) return st;
    if (lay->has_d) {
        /* each discriminator group streams its own shard, in an order of its own (seed + group) */
        StreamConfig sc = {.path = cfg->data.path,
                           .seed = cfg->train.seed + (uint64_t)lay->d_group,
                           .batch = lay->group_batch,
                           .parts = lay->group_size,
                           .part = lay->d_index % lay->group_size,
                           .shards = lay->d_groups,
                           .shard = lay->d_group,
                           .block = cfg->data.block,
                           .window = cfg->data.window,
                           .buffer_blocks = cfg->data.buffer_blocks,
                           .start_batch = t->resumed.data_batch,
                           .flip = cfg->data.flip};
        if ((st = stream_open(&sc, &t->stream, &sample, &n, err))) return data_failure(err, "data.path: ");
    }
    if (n < lay->batch)
        return nash_fail(err, NASH_ERR_DATA, "%s holds %lld samples, fewer than one batch of train.batch = %d",
                         cfg->data.path, (long long)n, lay->batch);
    int slice = lay->max_slice;
    /* rank 0 also holds D's parameters at the end, to write weights.h5 */
    if ((st = gan_init(&t->gan, cfg, sample, slice, lay->has_g, lay->has_d || lay->rank == 0, err))) return st;
    if (lay->has_d) gan_init_discriminator_group(&t->gan, cfg, lay->d_group);
    if ((st = trainer_alloc_copies(t, err))) return st;
    if (t->gan.classes) {
        if ((st = gan_set_class_prior(&t->gan, t->labels, n, cfg->data.path, err))) return st;
        t->real_labels = nash_alloc_zeroed((size_t)slice * sizeof(int32_t));
        t->fake_labels = nash_alloc_zeroed((size_t)slice * sizeof(int32_t));
        t->label_rows = nash_alloc_zeroed((size_t)slice * sizeof(float));
        if (!t->real_labels || !t->fake_labels || !t->label_rows)
            return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the label buffers");
    }
    if (cfg->cluster.sync_bn) {
        t->g_reducer = reduce_stat_reducer(&lay->g_comm);
        t->d_reducer = reduce_stat_reducer(&lay->d_comm);
        if (lay->has_g) net_set_stat_reducer(&t->gan.g, &t->g_reducer);
        if (lay->has_g && t->gan.pipelined) net_set_stat_reducer(&t->gan.g_twin, &t->g_reducer);
        if (lay->has_d) net_set_stat_reducer(&t->gan.d, &t->d_reducer);
    }
    t->width = shape_numel(sample);
    t->norm = 1.0 / lay->batch;
    t->d_norm = lay->has_d ? 1.0 / lay->group_batch : t->norm;
    t->rows = nash_alloc_zeroed((size_t)slice * t->width * sizeof(float));
    if (!t->rows) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the exchange buffer");
    if (t->pipelined) {
        size_t rows = (size_t)(cfg->train.n_critic + 1) * slice;
        t->pipe = nash_alloc_zeroed(rows * t->width * sizeof(float));
        t->pipe_labels = nash_alloc_zeroed(rows * sizeof(float));
        if (!t->pipe || !t->pipe_labels) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the pipelined fakes");
    }
    t->sample = sample;
    if (writer) choose_run_id(t);
    if (writer && cfg->monitor.enabled && (st = open_publisher(t, err))) return st;
    /* the untrained generator's distance to the data (eval.txt's w1_initial): G is as gan_init
     * made it from the seed, which a resumed run's first segment started from too */
    if (writer && (st = run_start(&t->run, &t->gan, err))) return st;
    return t->resume_path[0] ? load_checkpoint(t, err) : NASH_OK;
}

/* The step's vote: has any rank been asked to stop (SIGUSR1/SIGTERM), and which is the lowest
 * rank that found a non-finite value (the divergence guard, guard.c: *bad_rank, -1 when none, at
 * *bad_step, described by *what on that rank)? Every rank gets the same answers.
 * In the pipelined split the groups end a step at different times (G's backward runs while D
 * starts the next step), and a vote every step would make D wait for it: there the vote is
 * started at the step's end and read at the next one's (the answers are then the last step's),
 * except when the step itself must be agreed on before anything is written (`sync`: a
 * checkpoint or the last step) or the late answer says stop. */
static void agree_step(Trainer *t, int64_t step, bool bad, const char **what, bool sync, bool *stop, int *bad_rank,
                       int64_t *bad_step) {
    int size = t->lay.size;
    *stop = false;
    *bad_rank = -1;
    *bad_step = step;
    if (t->vote_pending) {
        comm_wait(&t->vote_request);
        t->vote_pending = false;
        if (t->vote[1]) {
            *bad_rank = size - t->vote[1];
            *bad_step = t->vote_step;
            *what = t->vote_what;
            return;
        }
        sync = sync || t->vote[0];
    }
    t->vote[0] = stop_requested ? 1 : 0;
    t->vote[1] = bad ? size - t->lay.rank : 0; /* max: the lowest bad rank */
    if (t->pipelined && t->lay.split && !sync) {
        snprintf(t->vote_what, sizeof t->vote_what, "%s", *what);
        t->vote_step = step;
        t->vote_request = comm_max_ints_start(t->vote, 2);
        t->vote_pending = true;
        return;
    }
    comm_max_ints(t->vote, 2);
    *stop = t->vote[0] != 0;
    *bad_rank = t->vote[1] ? size - t->vote[1] : -1;
}

void trainer_teardown(Trainer *t) {
    if (t->pub && t->opt->progress)
        fprintf(t->opt->progress, "metrics: %llu messages to %s, %llu dropped, %llu monitor joins\n",
                (unsigned long long)metrics_messages(t->pub), t->cfg->monitor.endpoint,
                (unsigned long long)metrics_dropped(t->pub), (unsigned long long)metrics_joins(t->pub));
    metrics_close(t->pub);
    evaluator_close(&t->eval);
    if (t->run_prepared) run_close(&t->run);
    if (t->stream) stream_close(t->stream);
    trainer_free_copies(t);
    gan_free(&t->gan);
    nash_free(t->rows);
    nash_free(t->real_labels);
    nash_free(t->fake_labels);
    nash_free(t->label_rows);
    nash_free(t->pipe);
    nash_free(t->pipe_labels);
    free(t->labels);
    free(t->resolved);
    layout_free(&t->lay);
}

/* The run on the training ranks, given the link to the evaluation rank (off when there is none). */
static NashStatus train_ranks(const Config *cfg, const TrainOptions *opt, EvalLink *link, int *first_failed,
                              NashError *err) {
    if (cfg->cluster.layout == LAYOUT_SPLIT && cfg->cluster.generator_ranks == 0 && comm_size() > 1) {
        Config *chosen = malloc(sizeof *chosen);
        if (!chosen) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the config");
        *chosen = *cfg;
        NashStatus st = trainer_choose_generator_ranks(cfg, opt, &chosen->cluster.generator_ranks, first_failed, err);
        if (!st) st = train_ranks(chosen, opt, link, first_failed, err);
        free(chosen);
        return st;
    }
    Trainer *t = calloc(1, sizeof *t);
    if (!t) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the trainer");
    t->cfg = cfg;
    t->opt = opt;
    t->eval_link = link;
    install_stop_handlers();
    /* every refusal is agreed on before anything is written: first the layout, data and
     * networks on every rank, then the run directory, which only rank 0 creates */
    NashStatus st = trainer_setup(t, err);
    int failed;
    NashStatus all = comm_agree(st, &failed);
    if (!all && t->lay.rank == 0) {
        st = run_open(&t->run, t->first_step - 1, err);
        if (!st) st = evaluator_open(&t->eval, &t->run, t->first_step - 1, err);
        t->run_open = true;
    }
    if (!all) all = comm_agree(st, &failed);
    *first_failed = failed;
    if (all) {
        if (!st) st = nash_fail(err, all, "rank %d refused the run (see its message)", failed);
        trainer_teardown(t);
        free(t);
        return st;
    }
    /* what the run is spread over, as the terminal and the monitor say it */
    char layout[96];
    layout_describe(&t->lay, layout, sizeof layout);
    if (comm_eval_rank() >= 0) {
        size_t used = strlen(layout);
        snprintf(layout + used, sizeof layout - used, " + %d evaluation rank", comm_world_size() - comm_eval_rank());
    }
    if (t->pub) {
        char *text = config_to_string(t->cfg);
        metrics_run_start(t->pub, text ? text : "", layout, cfg->train.steps, cfg->train.batch, t->first_step - 1);
        free(text);
    }
    /* Which layout, and on one machine the faster one when it is not in use. */
    int hosts = t->lay.size > 1 ? comm_host_count() : 1;
    if (t->lay.rank == 0 && opt->progress && comm_world_size() > 1) {
        fprintf(opt->progress, "layout: %s on %d machine%s (cluster.layout = %s)\n", layout, hosts,
                hosts > 1 ? "s" : "", config_layout_words[cfg->cluster.layout]);
        if (t->lay.split && hosts == 1)
            fprintf(opt->progress,
                    "layout: on one machine every rank holding both players trains faster (2 ranks: 1037 against "
                    "943 images/s split and pipelined, 617 alternating, on an AMD EPYC; 1380 against 1150 and 761 on an "
                    "Intel Xeon with AMX; docs/benchmarks.md): --set "
                    "cluster.layout=colocated\n");
    }
    /* Where a run resumed from is said even with --quiet (then on stderr): a resumed run that
     * does not say so looks like a fresh one. */
    if (t->lay.rank == 0 && t->resume_path[0])
        fprintf(opt->progress ? opt->progress : stderr, "resuming from %s (step %lld)\n", t->resume_path,
                (long long)t->resumed.step);
    char ckpt[NASH_PATH_MAX] = "";
    int64_t every = cfg->output.checkpoint_every, done_step = t->first_step - 1;
    for (int64_t step = t->first_step; !st && step <= cfg->train.steps; step++) {
        done_step = step;
        st = trainer_step(t, step, err);
        if (!st && (step % cfg->train.log_every == 0 || step == cfg->train.steps)) st = trainer_log_step(t, step, err);
        if (!st) st = trainer_evaluate(t, step, err);
        /* the last step's picture is run_finish's, after the loop */
        bool sample_step =
            cfg->output.sample_every > 0 && step % cfg->output.sample_every == 0 && step != cfg->train.steps;
        if (!st && t->lay.rank == 0 && sample_step) {
            st = run_samples(&t->run, &t->gan, step, err);
            if (!st && t->pub) metrics_samples(t->pub, step, t->run.last_samples);
        }
        char bad_what[256] = "";
        const char *what = bad_what;
        bool bad = !st && trainer_nonfinite(t, bad_what, sizeof bad_what);
        bool saving = step == cfg->train.steps || (every > 0 && step % every == 0);
        int bad_rank = -1;
        int64_t bad_step = step;
        bool stop = false;
        if (!st) agree_step(t, step, bad, &what, saving, &stop, &bad_rank, &bad_step);
        if (!st && bad_rank >= 0) {
            st = trainer_diverged(t, bad_step, bad_rank, what, err);
            *first_failed = bad_rank;
            break;
        }
        if (!st && (saving || stop)) st = trainer_save_checkpoint(t, step, ckpt, sizeof ckpt, err);
        if (!st && t->pub && ckpt[0] && (saving || stop)) metrics_checkpoint(t->pub, step, ckpt);
        if (!st && stop) {
            st = nash_fail(err, NASH_CHECKPOINTED,
                           "stopped by a signal after step %lld; saved %s; run again with --resume auto to continue",
                           (long long)step, t->lay.rank == 0 ? ckpt : "a checkpoint");
            break;
        }
    }
    if (st == NASH_CHECKPOINTED || st == NASH_DIVERGED) { /* every rank agreed: nothing to abort */
        if (st == NASH_DIVERGED) metrics_warning(t->pub, err->msg);
        metrics_run_end(t->pub, st == NASH_DIVERGED ? "failed" : "checkpointed", err->msg, done_step);
        if (st == NASH_CHECKPOINTED) *first_failed = 0;
        trainer_teardown(t);
        free(t);
        return st;
    }
    /* rank 0 needs D's final state for weights.h5; a final checkpoint has already fetched it */
    if (!st && t->first_step > cfg->train.steps) trainer_gather_discriminator(t);
    /* the reader thread stops before rank 0 writes weights.h5: one HDF5 user at a time */
    if (t->stream) stream_close(t->stream);
    t->stream = NULL;
    if (!st && t->lay.rank == 0) st = run_finish(&t->run, &t->gan, err);
    if (!st && t->pub && t->run.last_samples[0]) metrics_samples(t->pub, cfg->train.steps, t->run.last_samples);
    metrics_run_end(t->pub, st ? "failed" : "done", st ? err->msg : "", cfg->train.steps);
    if (st) *first_failed = t->lay.rank;
    if (st && opt->fatal && comm_size() > 1) opt->fatal(err); /* the others cannot be told: end the job */
    trainer_teardown(t);
    free(t);
    return st;
}

NashStatus train_run(const Config *cfg, const TrainOptions *opt, int *first_failed, NashError *err) {
    if (cfg->cluster.eval_ranks > 0) {
        *first_failed = 0;
        if (comm_world_size() <= cfg->cluster.eval_ranks)
            return nash_fail(err, NASH_ERR_CONFIG,
                             "cluster.eval_ranks = %d needs a rank to train besides: run at least %d ranks (mpirun "
                             "-n %d), or set eval_ranks = 0",
                             cfg->cluster.eval_ranks, cfg->cluster.eval_ranks + 1, cfg->cluster.eval_ranks + 1);
        if (comm_reserve_eval_ranks(cfg->cluster.eval_ranks)) {
            install_stop_handlers(); /* a stop is rank 0's to pass on */
            *first_failed = -1;
            return eval_rank_serve(cfg, opt, err);
        }
    }
    /* opened before anything can fail, closed on every way out: the evaluation rank is told to
     * stop whatever happens here (generator_ranks = auto's trials included) */
    EvalLink link;
    eval_link_open(&link);
    NashStatus st = train_ranks(cfg, opt, &link, first_failed, err);
    eval_link_close(&link);
    return st;
}
