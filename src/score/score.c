/* score.c — the measures of `nash eval` (score.h). */
#include "score/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/toy.h"
#include "eval/divergence.h"
#include "eval/frechet.h"
#include "eval/manifold.h"
#include "eval/modes.h"
#include "eval/wasserstein.h"
#include "gan/sampler.h"
#include "score/classifier.h"
#include "store/samples.h"

#define SCORE_PROJECTIONS 128
#define SCORE_CHUNK 256
/* Neighbours of precision/recall/density/coverage: Naeem et al. 2020's choice. */
#define SCORE_NEIGHBOURS 5
/* Samples compared by default, and the classifier's hold-out: 10000 (FID's usual figure), or half
 * of a smaller data set, so that set B and the classifier's held-out samples are the same ones. */
#define SCORE_DEFAULT_N 10000
/* Images the classifier sees in training by default: 2 epochs of Fashion-MNIST's 50000, or more
 * passes over a smaller set (its accuracy on 1024 images went from 64% after 2 epochs to 80%). */
#define SCORE_TRAIN_IMAGES 60000

void score_default_classifier(const char *data, char *out, size_t size) {
    size_t n = strlen(data);
    if (n > 3 && strcmp(data + n - 3, ".h5") == 0)
        snprintf(out, size, "%.*s.classifier.h5", (int)(n - 3), data);
    else
        snprintf(out, size, "%s.classifier.h5", data);
}

static void add(ScoreReport *r, const char *name, double value, double real, bool lower_better, const char *what) {
    if (r->count < SCORE_MAX_METRICS) r->metrics[r->count++] = (ScoreMetric){name, value, real, lower_better, what};
}

/* n generated samples (malloc'd) from a samples file or a generator; checks the shape. */
static NashStatus generated_samples(const ScoreOptions *opt, Shape want, float **out, ScoreReport *r, NashError *err) {
    char want_text[64], got_text[64];
    shape_format(want, want_text, sizeof want_text);
    if (samples_detect(opt->source)) {
        if (opt->truncation > 0.0)
            return nash_fail(err, NASH_ERR_INVALID,
                             "%s is a samples file: its latents were drawn when it was written (nash sample "
                             "--truncation); drop --truncation",
                             opt->source);
        int64_t n = 0;
        Shape shape;
        NashStatus st = samples_read(opt->source, out, &n, &shape, err);
        if (st) return st;
        r->source_kind = "samples";
        if (!shape_equal(shape, want) || n < opt->n) {
            free(*out);
            *out = NULL;
            return nash_fail(err, NASH_ERR_DATA, "%s: %lld samples of %s; eval needs %lld of the data's shape %s",
                             opt->source, (long long)n, shape_format(shape, got_text, sizeof got_text),
                             (long long)opt->n, want_text);
        }
        return NASH_OK;
    }
    Sampler s;
    NashStatus st = sampler_open(&s, opt->source, opt->group, SCORE_CHUNK, false, err);
    if (st) return st;
    if (opt->truncation > 0.0 && (st = sampler_truncate(&s, opt->source, opt->truncation, err))) {
        sampler_close(&s);
        return st;
    }
    r->source_kind = opt->group; /* "generator" or "generator_ema" */
    r->conditional_classes = s.net.classes;
    if (!shape_equal(s.net.out, want)) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: /%s makes samples of %s, the data has %s", opt->source, opt->group,
                       shape_format(s.net.out, got_text, sizeof got_text), want_text);
    } else {
        *out = malloc((size_t)opt->n * shape_numel(want) * sizeof **out);
        if (!*out) st = nash_fail(err, NASH_ERR_NOMEM, "cannot hold %lld generated samples", (long long)opt->n);
        if (!st) st = sampler_generate(&s, opt->seed, 0, (int)opt->n, *out, err);
    }
    sampler_close(&s);
    return st;
}

static NashStatus sliced(const float *x, const float *y, int64_t n, Shape s, uint64_t seed, double *out,
                         NashError *err) {
    return sliced_w1(x, n, y, n, (int)shape_numel(s), SCORE_PROJECTIONS, seed, out, err);
}

/* Load the classifier, or train and store it when the file does not exist. */
static int64_t score_holdout(int64_t n_data) { return n_data / 2 < SCORE_DEFAULT_N ? n_data / 2 : SCORE_DEFAULT_N; }

static NashStatus get_classifier(const ScoreOptions *opt, int64_t n_data, ImageScorer *sc, NashError *err) {
    Classifier *c = &sc->c;
    if (opt->classifier)
        snprintf(sc->classifier, sizeof sc->classifier, "%s", opt->classifier);
    else
        score_default_classifier(opt->data, sc->classifier, sizeof sc->classifier);
    uint64_t fingerprint = 0;
    NashStatus st = data_fingerprint(opt->data, &fingerprint, err);
    if (st) return st;
    if (access(sc->classifier, F_OK) == 0) {
        st = classifier_load(c, sc->classifier, fingerprint, err);
    } else {
        int64_t holdout = score_holdout(n_data), n_train = n_data - holdout;
        /* by default 2 epochs, or on a smaller set as many as it takes to see SCORE_TRAIN_IMAGES */
        int epochs = opt->epochs;
        if (!epochs) epochs = n_train > 0 && SCORE_TRAIN_IMAGES / n_train > 2 ? (int)(SCORE_TRAIN_IMAGES / n_train) : 2;
        if (epochs > 100) epochs = 100;
        ClassifierOptions co = {.epochs = epochs, .holdout = holdout, .seed = opt->seed, .progress = opt->progress};
        if (opt->progress)
            fprintf(opt->progress, "training the classifier on %s (%d epochs over %lld images)\n", opt->data, epochs,
                    (long long)n_train);
        st = classifier_train(c, opt->data, &co, err);
        if (!st) st = classifier_save(c, sc->classifier, opt->data, &co, err);
        if (!st && opt->progress)
            fprintf(opt->progress, "classifier: %.2f%% accuracy on %lld held-out images, saved %s\n",
                    100.0 * c->accuracy, (long long)c->tested_on, sc->classifier);
        sc->classifier_trained = !st;
    }
    sc->have_classifier = !st;
    return st;
}

/* The class histogram of predictions (or labels) as probabilities. */
static void histogram(const int *classes, int64_t n, int k, double *hist) {
    for (int j = 0; j < k; j++) hist[j] = 0.0;
    for (int64_t i = 0; i < n; i++)
        if (classes[i] >= 0 && classes[i] < k) hist[classes[i]] += 1.0 / (double)n;
}

static int covered(const double *hist, int k) {
    int c = 0;
    for (int j = 0; j < k; j++) c += hist[j] >= 0.1 / k;
    return c;
}

/* Per class j: the share of the samples meant to be of class j (`want`) the classifier gives j;
 * and the smallest share and the mean over classes. */
static void class_accuracy(const int *predicted, const int *want, int64_t n, int k, double *acc, double *lowest,
                           double *mean) {
    int64_t count[SCORE_MAX_CLASSES] = {0}, right[SCORE_MAX_CLASSES] = {0};
    for (int64_t i = 0; i < n; i++)
        if (want[i] >= 0 && want[i] < k) {
            count[want[i]]++;
            right[want[i]] += predicted[i] == want[i];
        }
    *lowest = 1.0;
    *mean = 0.0;
    for (int j = 0; j < k; j++) {
        acc[j] = count[j] ? (double)right[j] / (double)count[j] : NAN;
        if (count[j] && acc[j] < *lowest) *lowest = acc[j];
        *mean += count[j] ? acc[j] / k : 0.0;
    }
}

const char *const score_image_metrics[SCORE_IMAGE_METRICS] = {"frechet",   "class_js", "classes", "sliced_w1", "kid",
                                                              "precision", "recall",   "density", "coverage"};

NashStatus image_scorer_open(ImageScorer **out, const ScoreOptions *opt, NashError *err) {
    *out = NULL;
    DatasetReader *data = NULL;
    DatasetInfo info;
    NashStatus st = dataset_open(opt->data, &data, &info, err);
    if (st) return st;
    if (info.kind != DATASET_IMAGES || !info.has_labels) {
        dataset_close(data);
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: the image measures need labelled images, for their classifier (nash data images with a "
                         "folder per class, or nash data fashion-mnist)",
                         opt->data);
    }
    ImageScorer *sc = calloc(1, sizeof *sc);
    if (!sc) {
        dataset_close(data);
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the image scorer");
    }
    sc->n = opt->n ? opt->n : score_holdout(info.n);
    sc->shape = info.sample;
    sc->seed = opt->seed;
    sc->data_n = info.n;
    if (sc->n < 100 || info.n < sc->n)
        st = nash_fail(err, NASH_ERR_DATA, "%s: %lld samples, %s the %lld compared", opt->data, (long long)info.n,
                       sc->n < 100 ? "too few for even" : "fewer than", (long long)sc->n);
    if (!st) st = get_classifier(opt, info.n, sc, err);
    int64_t n = sc->n;
    size_t numel = shape_numel(info.sample);
    uint8_t *labels = NULL;
    int *la = NULL;
    if (!st) {
        sc->k = sc->c.classes;
        sc->a = malloc((size_t)n * numel * sizeof *sc->a);
        sc->fa = malloc((size_t)n * CLASSIFIER_FEATURES * sizeof *sc->fa);
        sc->f = malloc((size_t)n * CLASSIFIER_FEATURES * sizeof *sc->f);
        sc->predicted = malloc((size_t)n * sizeof *sc->predicted);
        sc->ha = calloc((size_t)sc->k, sizeof *sc->ha);
        sc->h = calloc((size_t)sc->k, sizeof *sc->h);
        labels = malloc((size_t)n);
        la = malloc((size_t)n * sizeof *la);
        if (!sc->a || !sc->fa || !sc->f || !sc->predicted || !sc->ha || !sc->h || !labels || !la)
            st = nash_fail(err, NASH_ERR_NOMEM, "out of memory for the features of %lld samples", (long long)n);
    }
    if (!st) st = dataset_read(data, 0, n, sc->a, err);
    if (!st) st = dataset_read_labels(data, 0, n, labels, err);
    if (!st) {
        classifier_features(&sc->c, sc->a, n, sc->fa, NULL);
        for (int64_t i = 0; i < n; i++) la[i] = labels[i];
        histogram(la, n, sc->k, sc->ha);
        st = frechet_stats(sc->fa, n, CLASSIFIER_FEATURES, &sc->sa, err);
    }
    if (!st) st = manifold_reference_init(&sc->ref, sc->fa, n, CLASSIFIER_FEATURES, SCORE_NEIGHBOURS, err);
    sc->have_ref = !st;
    free(labels);
    free(la);
    dataset_close(data);
    if (st) {
        image_scorer_close(sc);
        return st;
    }
    *out = sc;
    return NASH_OK;
}

NashStatus image_scorer_score(ImageScorer *sc, const float *x, double *values, NashError *err) {
    int64_t n = sc->n;
    classifier_features(&sc->c, x, n, sc->f, sc->predicted);
    histogram(sc->predicted, n, sc->k, sc->h);
    FeatureStats sx = {0};
    ManifoldScores m = {0};
    double fid = NAN, js = NAN, w = NAN, kid = NAN;
    NashStatus st = frechet_stats(sc->f, n, CLASSIFIER_FEATURES, &sx, err);
    if (!st) st = frechet_distance(&sx, &sc->sa, &fid, err);
    if (!st) st = js_histogram(sc->h, sc->ha, sc->k, &js, err);
    if (!st) st = sliced(x, sc->a, n, sc->shape, sc->seed, &w, err);
    if (!st) st = manifold_compare(&sc->ref, sc->f, n, &kid, &m, err);
    frechet_stats_free(&sx);
    if (st) return st;
    double v[SCORE_IMAGE_METRICS] = {fid,       js,        covered(sc->h, sc->k), w, kid, m.precision, m.recall,
                                     m.density, m.coverage};
    memcpy(values, v, sizeof v);
    return NASH_OK;
}

void image_scorer_close(ImageScorer *sc) {
    if (!sc) return;
    if (sc->have_classifier) classifier_free(&sc->c);
    frechet_stats_free(&sc->sa);
    if (sc->have_ref) manifold_reference_free(&sc->ref);
    free(sc->a);
    free(sc->fa);
    free(sc->f);
    free(sc->predicted);
    free(sc->ha);
    free(sc->h);
    free(sc);
}

static NashStatus score_images(const ScoreOptions *opt, DatasetReader *data, const DatasetInfo *info, const float *gen,
                               const float *b, ScoreReport *r, NashError *err) {
    ImageScorer *sc;
    NashStatus st = image_scorer_open(&sc, opt, err);
    if (st) return st;
    snprintf(r->classifier, sizeof r->classifier, "%s", sc->classifier);
    r->classifier_trained = sc->classifier_trained;
    r->classifier_accuracy = sc->c.accuracy;
    int64_t n = sc->n;
    int k = sc->k;
    if (n > sc->c.tested_on) {
        st = nash_fail(err, NASH_ERR_DATA,
                       "-n %lld: the real column compares the last n samples of %s, which must be among the "
                       "%lld its classifier (%s) never saw; use -n %lld or less",
                       (long long)n, opt->data, (long long)sc->c.tested_on, r->classifier, (long long)sc->c.tested_on);
        image_scorer_close(sc);
        return st;
    }
    double got[SCORE_IMAGE_METRICS], real[SCORE_IMAGE_METRICS];
    int *cg = malloc((size_t)n * sizeof *cg);
    if (!cg) st = nash_fail(err, NASH_ERR_NOMEM, "out of memory for %lld classes", (long long)n);
    if (!st) st = image_scorer_score(sc, gen, got, err);
    if (!st) memcpy(cg, sc->predicted, (size_t)n * sizeof *cg);
    if (!st) st = image_scorer_score(sc, b, real, err); /* sc->predicted: b's classes from here on */
    if (!st) {
        static const char *const what[SCORE_IMAGE_METRICS] = {
            "Fréchet distance of the local classifier's features",
            "JS divergence of the predicted class histogram from the labels' (nats)",
            "classes holding at least 1/(10K) of the samples",
            "sliced Wasserstein-1 in pixel space (128 directions)",
            "kernel distance (unbiased MMD², cubic kernel) of the classifier's features",
            "share of samples inside the data's 5-NN balls",
            "share of the data inside the samples' 5-NN balls",
            "data 5-NN balls holding each sample, / 5 (1: as the data)",
            "share of the data's 5-NN balls holding a sample"};
        for (int i = 0; i < SCORE_IMAGE_METRICS; i++)
            add(r, score_image_metrics[i], got[i], real[i], i != 2 && i < 5, what[i]);
    }
    if (!st && r->conditional_classes && r->conditional_classes != k)
        st = nash_fail(err, NASH_ERR_DATA, "%s: the generator has %d classes, the data %s %d", opt->source,
                       r->conditional_classes, opt->data, k);
    if (!st && r->conditional_classes) {
        /* generated sample i was made for class i mod K; the real column: b's own labels */
        int *want = malloc((size_t)n * sizeof *want);
        uint8_t *lb = malloc((size_t)n);
        if (!want || !lb) st = nash_fail(err, NASH_ERR_NOMEM, "out of memory for %lld labels", (long long)n);
        if (!st) st = dataset_read_labels(data, info->n - n, n, lb, err);
        double low, mean, low_real, mean_real;
        if (!st) {
            for (int64_t i = 0; i < n; i++) want[i] = (int)(i % k);
            class_accuracy(cg, want, n, k, r->class_accuracy, &low, &mean);
            for (int64_t i = 0; i < n; i++) want[i] = lb[i];
            class_accuracy(sc->predicted, want, n, k, r->class_accuracy_real, &low_real, &mean_real);
            add(r, "class_acc", mean, mean_real, false,
                "conditional: the classifier gives a sample the class it was made for (mean over classes)");
            add(r, "class_acc_min", low, low_real, false, "conditional: the same for the worst class");
        }
        free(want);
        free(lb);
    }
    free(cg);
    image_scorer_close(sc);
    return st;
}

static NashStatus score_vectors(const ScoreOptions *opt, const ToyMixture *mix, Shape s, const float *gen,
                                const float *a, const float *b, ScoreReport *r, NashError *err) {
    int64_t n = opt->n;
    double w = NAN, w_real = NAN;
    NashStatus st = NASH_OK;
    if (mix && mix->dim == 1) {
        st = w1_1d(gen, n, a, n, &w, err);
        if (!st) st = w1_1d(b, n, a, n, &w_real, err);
    } else {
        st = sliced(gen, a, n, s, opt->seed, &w, err);
        if (!st) st = sliced(b, a, n, s, opt->seed, &w_real, err);
    }
    if (st) return st;
    if (mix) {
        ModeCoverage cg, cb;
        mode_coverage(mix, gen, n, 3.0, 0.25 / mix->k, &cg);
        mode_coverage(mix, b, n, 3.0, 0.25 / mix->k, &cb);
        add(r, "modes", cg.covered, cb.covered, false, "mixture components covered (3 std, share >= 1/(4K))");
        add(r, "high_quality", cg.high_quality, cb.high_quality, false, "fraction of samples within 3 std of a mode");
    }
    add(r, mix && mix->dim == 1 ? "w1" : "sliced_w1", w, w_real, true,
        mix && mix->dim == 1 ? "Wasserstein-1, exact in 1-D" : "sliced Wasserstein-1 (128 directions)");
    return NASH_OK;
}

NashStatus score_run(const ScoreOptions *asked, ScoreReport *report, NashError *err) {
    memset(report, 0, sizeof *report);
    DatasetReader *data = NULL;
    DatasetInfo info;
    NashStatus st = dataset_open(asked->data, &data, &info, err);
    if (st) return st;
    ScoreOptions resolved = *asked;
    const ScoreOptions *opt = &resolved;
    if (!resolved.n) resolved.n = score_holdout(info.n);
    report->n = opt->n;
    if (opt->n < 100 || info.n < opt->n) {
        dataset_close(data);
        return nash_fail(err, NASH_ERR_DATA, "%s: %lld samples, %s the %lld compared (-n)", opt->data,
                         (long long)info.n, opt->n < 100 ? "too few for even" : "fewer than", (long long)opt->n);
    }
    size_t numel = shape_numel(info.sample);
    /* labelled images: the scorer reads set A itself (image_scorer_open) */
    bool images = info.kind == DATASET_IMAGES && info.has_labels;
    float *a = images ? NULL : malloc((size_t)opt->n * numel * sizeof *a),
          *b = malloc((size_t)opt->n * numel * sizeof *b);
    float *gen = NULL;
    if ((!images && !a) || !b)
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot hold 2 x %lld real samples", (long long)opt->n);
    if (!st && !images) st = dataset_read(data, 0, opt->n, a, err);
    if (!st) st = dataset_read(data, info.n - opt->n, opt->n, b, err);
    if (!st) st = generated_samples(opt, info.sample, &gen, report, err);
    if (!st && images) {
        report->kind = "images";
        st = score_images(opt, data, &info, gen, b, report, err);
    } else if (!st) {
        ToyMixture mix;
        NashError ignored = {0};
        bool toy = toy_read(opt->data, &mix, &ignored) == NASH_OK;
        report->kind = toy ? "toy" : "vectors";
        st = score_vectors(opt, toy ? &mix : NULL, info.sample, gen, a, b, report, err);
    }
    free(a);
    free(b);
    free(gen);
    dataset_close(data);
    return st;
}
