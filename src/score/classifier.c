/* classifier.c — train, store and run the local image classifier (classifier.h).
 *
 * Softmax cross-entropy over K classes for logits z and label y:
 *   loss = log(sum_k exp(z_k)) - z_y,  dloss/dz_k = softmax(z)_k - [k == y]   (averaged over the batch)
 * computed with the maximum subtracted first, so exp never overflows.
 */
#include "score/classifier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "nn/optim.h"
#include "store/weights.h"

#define FINGERPRINT_SAMPLES 1000
#define ORDER_STREAM 0xC1A5

/* The layer lines for K classes, into buf. */
static void classifier_layers(int classes, char *buf, size_t size) {
    snprintf(buf, size, "conv2d 16 k=5 s=2 p=2\nrelu\nconv2d 32 k=5 s=2 p=2\nrelu\nflatten\ndense %d\nrelu\ndense %d\n",
             CLASSIFIER_FEATURES, classes);
}

static uint64_t fnv1a(uint64_t h, const void *bytes, size_t n) {
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

NashStatus data_fingerprint(const char *data_path, uint64_t *out, NashError *err) {
    DatasetReader *r = NULL;
    DatasetInfo info;
    NashStatus st = dataset_open(data_path, &r, &info, err);
    if (st) return st;
    int64_t k = info.n < FINGERPRINT_SAMPLES ? info.n : FINGERPRINT_SAMPLES;
    size_t bytes = (size_t)k * dataset_stored_bytes(&info);
    void *buf = malloc(bytes ? bytes : 1);
    if (!buf) st = nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for the fingerprint", data_path);
    if (!st) st = dataset_read_stored(r, 0, k, buf, err);
    if (!st) {
        uint64_t h = 0xcbf29ce484222325ULL;
        h = fnv1a(h, &info.n, sizeof info.n);
        h = fnv1a(h, info.sample.dim, sizeof info.sample.dim[0] * (size_t)info.sample.ndim);
        *out = fnv1a(h, buf, bytes);
    }
    free(buf);
    dataset_close(r);
    return st;
}

static NashStatus build_net(Classifier *c, Shape in, int classes, NashError *err) {
    char layers[512];
    classifier_layers(classes, layers, sizeof layers);
    NashStatus st = net_init_text(&c->net, in, layers, CLASSIFIER_BATCH, err);
    if (st) return nash_fail_context(err, "the classifier for images %dx%dx%d: ", in.dim[0], in.dim[1], in.dim[2]);
    c->classes = classes;
    c->feature_layer = c->net.n_layers - 2;
    return NASH_OK;
}

/* Mean softmax cross-entropy of logits (n, k) against labels; dlogits (n, k) its gradient. */
static double softmax_xent(const float *logits, const uint8_t *labels, int n, int k, float *dlogits) {
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        float *dz = dlogits + (size_t)i * k;
        float m = z[0];
        for (int j = 1; j < k; j++) m = z[j] > m ? z[j] : m;
        double sum = 0.0;
        for (int j = 0; j < k; j++) sum += exp((double)(z[j] - m));
        loss += log(sum) + m - z[labels[i]];
        for (int j = 0; j < k; j++)
            dz[j] = (float)(exp((double)(z[j] - m)) / sum / n) - (j == labels[i] ? 1.0f / n : 0.0f);
    }
    return loss / n;
}

static int argmax(const float *z, int k) {
    int best = 0;
    for (int j = 1; j < k; j++)
        if (z[j] > z[best]) best = j;
    return best;
}

/* Fraction of x (n) whose predicted class is the label. */
static double accuracy(Classifier *c, const float *x, const uint8_t *labels, int64_t n) {
    size_t numel = shape_numel(c->net.in);
    int64_t right = 0;
    net_set_training(&c->net, false);
    for (int64_t first = 0; first < n; first += CLASSIFIER_BATCH) {
        int b = n - first < CLASSIFIER_BATCH ? (int)(n - first) : CLASSIFIER_BATCH;
        const float *z = net_forward(&c->net, x + (size_t)first * numel, b);
        for (int i = 0; i < b; i++) right += argmax(z + (size_t)i * c->classes, c->classes) == labels[first + i];
    }
    return n > 0 ? (double)right / (double)n : NAN;
}

static NashStatus train_epochs(Classifier *c, const float *x, const uint8_t *labels, int64_t n_train,
                               const ClassifierOptions *opt, NashError *err) {
    size_t numel = shape_numel(c->net.in);
    OptimSettings adam = {.kind = OPTIM_ADAM, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    Optimizer o;
    NashStatus st = optim_init(&o, &adam, c->net.param_floats, err);
    if (st) return st;
    int64_t *order = malloc((size_t)n_train * sizeof *order);
    float *xb = malloc((size_t)CLASSIFIER_BATCH * numel * sizeof *xb);
    float *dz = malloc((size_t)CLASSIFIER_BATCH * (size_t)c->classes * sizeof *dz);
    uint8_t yb[CLASSIFIER_BATCH];
    if (!order || !xb || !dz) st = nash_fail(err, NASH_ERR_NOMEM, "out of memory training the classifier");
    for (int epoch = 0; !st && epoch < opt->epochs; epoch++) {
        Rng rng = rng_make(opt->seed, ORDER_STREAM + (uint64_t)epoch);
        for (int64_t i = 0; i < n_train; i++) order[i] = i;
        for (int64_t i = n_train - 1; i > 0; i--) { /* Fisher-Yates */
            int64_t j = rng_below(&rng, (uint32_t)(i + 1));
            int64_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        net_set_training(&c->net, true);
        double loss = 0.0, t0 = (double)clock();
        int64_t batches = 0;
        for (int64_t first = 0; first + CLASSIFIER_BATCH <= n_train; first += CLASSIFIER_BATCH, batches++) {
            for (int i = 0; i < CLASSIFIER_BATCH; i++) {
                memcpy(xb + (size_t)i * numel, x + (size_t)order[first + i] * numel, numel * sizeof *xb);
                yb[i] = labels[order[first + i]];
            }
            const float *z = net_forward(&c->net, xb, CLASSIFIER_BATCH);
            loss += softmax_xent(z, yb, CLASSIFIER_BATCH, c->classes, dz);
            net_zero_grad(&c->net);
            net_backward(&c->net, xb, dz, NULL, CLASSIFIER_BATCH, true);
            optim_step(&o, c->net.params, c->net.grads);
        }
        if (opt->progress)
            fprintf(opt->progress, "classifier: epoch %d/%d, mean loss %.4f, %.1f s CPU\n", epoch + 1, opt->epochs,
                    batches ? loss / (double)batches : NAN, ((double)clock() - t0) / CLOCKS_PER_SEC);
    }
    free(order);
    free(xb);
    free(dz);
    optim_free(&o);
    return st;
}

NashStatus classifier_train(Classifier *c, const char *data_path, const ClassifierOptions *opt, NashError *err) {
    memset(c, 0, sizeof *c);
    DatasetReader *r = NULL;
    DatasetInfo info;
    NashStatus st = dataset_open(data_path, &r, &info, err);
    if (st) return st;
    if (info.kind != DATASET_IMAGES || !info.has_labels || info.sample.ndim != 3) {
        dataset_close(r);
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: the classifier needs labelled images (/images and /labels, e.g. from nash data "
                         "fashion-mnist); this file has %s",
                         data_path, info.kind != DATASET_IMAGES ? "vectors" : "no /labels");
    }
    int64_t n_train = info.n - opt->holdout;
    if (opt->holdout < 100 || n_train < CLASSIFIER_MIN_TRAIN) {
        dataset_close(r);
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: %lld labelled images are too few for the local classifier: it trains on at least %d "
                         "and holds out as many as it compares (at least %d in all)",
                         data_path, (long long)info.n, CLASSIFIER_MIN_TRAIN, 2 * CLASSIFIER_MIN_TRAIN);
    }
    size_t numel = shape_numel(info.sample);
    float *x = malloc((size_t)info.n * numel * sizeof *x);
    uint8_t *labels = malloc((size_t)info.n);
    if (!x || !labels)
        st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot hold %lld images in memory", data_path, (long long)info.n);
    if (!st) st = dataset_read(r, 0, info.n, x, err);
    if (!st) st = dataset_read_labels(r, 0, info.n, labels, err);
    dataset_close(r);
    int classes = 0;
    for (int64_t i = 0; !st && i < info.n; i++) classes = labels[i] + 1 > classes ? labels[i] + 1 : classes;
    if (!st && classes < 2) st = nash_fail(err, NASH_ERR_DATA, "%s: /labels holds fewer than 2 classes", data_path);
    if (!st) st = data_fingerprint(data_path, &c->fingerprint, err);
    if (!st) st = build_net(c, info.sample, classes, err);
    if (!st) {
        net_init_params(&c->net, INIT_TORCH, opt->seed);
        st = train_epochs(c, x, labels, n_train, opt, err);
        if (st) net_free(&c->net);
    }
    if (!st) {
        c->trained_on = n_train;
        c->tested_on = opt->holdout;
        c->accuracy = accuracy(c, x + (size_t)n_train * numel, labels + n_train, opt->holdout);
    }
    free(x);
    free(labels);
    return st;
}

NashStatus classifier_save(const Classifier *c, const char *path, const char *data_path, const ClassifierOptions *opt,
                           NashError *err) {
    char layers[512], config[2048];
    classifier_layers(c->classes, layers, sizeof layers);
    snprintf(config, sizeof config,
             "[classifier]\ndata = %s\nfingerprint = %llu\nclasses = %d\nepochs = %d\nseed = %llu\ntrained_on = "
             "%lld\nholdout = %lld\naccuracy = %.6f\n",
             data_path, (unsigned long long)c->fingerprint, c->classes, opt->epochs, (unsigned long long)opt->seed,
             (long long)c->trained_on, (long long)c->tested_on, c->accuracy);
    WeightsEntry entry = {.group = CLASSIFIER_GROUP, .net = &c->net, .layers = layers};
    return weights_save(path, &entry, 1, config, err);
}

/* A number from the [classifier] section of the file's /config, or -1 when absent. */
static double config_number(const char *text, const char *key) {
    char buf[64];
    if (!config_text_value(text, "classifier", key, buf, sizeof buf)) return -1.0;
    char *end = NULL;
    double v = strtod(buf, &end);
    return end != buf ? v : -1.0;
}

NashStatus classifier_load(Classifier *c, const char *path, uint64_t fingerprint, NashError *err) {
    memset(c, 0, sizeof *c);
    char *config = NULL, *layers = NULL, buf[64];
    NashStatus st = weights_read_config(path, &config, err);
    if (st) return st;
    if (!config_text_value(config, "classifier", "fingerprint", buf, sizeof buf)) {
        free(config);
        return nash_fail(err, NASH_ERR_DATA, "%s: not a nash classifier file (no [classifier] fingerprint in /config)",
                         path);
    }
    c->fingerprint = strtoull(buf, NULL, 10);
    c->accuracy = config_number(config, "accuracy");
    c->trained_on = (int64_t)config_number(config, "trained_on");
    c->tested_on = (int64_t)config_number(config, "holdout");
    free(config);
    if (c->fingerprint != fingerprint)
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: this classifier was trained on other data (fingerprint %llu, the data file has %llu); "
                         "delete it to train a new one, or pass another --classifier",
                         path, (unsigned long long)c->fingerprint, (unsigned long long)fingerprint);
    Shape in;
    st = weights_read_spec(path, CLASSIFIER_GROUP, &layers, &in, err);
    if (st) return st;
    st = net_init_text(&c->net, in, layers, CLASSIFIER_BATCH, err);
    free(layers);
    if (st) return nash_fail_context(err, "%s: /%s: ", path, CLASSIFIER_GROUP);
    st = weights_load(path, CLASSIFIER_GROUP, &c->net, err);
    if (st) {
        net_free(&c->net);
        return st;
    }
    c->classes = (int)shape_numel(c->net.out);
    c->feature_layer = c->net.n_layers - 2;
    net_set_training(&c->net, false);
    return NASH_OK;
}

void classifier_free(Classifier *c) { net_free(&c->net); }

void classifier_features(Classifier *c, const float *x, int64_t n, float *features, int *classes) {
    size_t numel = shape_numel(c->net.in);
    net_set_training(&c->net, false);
    for (int64_t first = 0; first < n; first += CLASSIFIER_BATCH) {
        int b = n - first < CLASSIFIER_BATCH ? (int)(n - first) : CLASSIFIER_BATCH;
        const float *z = net_forward(&c->net, x + (size_t)first * numel, b);
        const float *f = c->net.layers[c->feature_layer].result;
        memcpy(features + (size_t)first * CLASSIFIER_FEATURES, f, (size_t)b * CLASSIFIER_FEATURES * sizeof *f);
        for (int i = 0; classes && i < b; i++) classes[first + i] = argmax(z + (size_t)i * c->classes, c->classes);
    }
}
