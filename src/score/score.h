/* score.h — `nash eval`: how close generated samples are to the real data, by several measures.
 *
 * Generated samples come from a weights or checkpoint file's generator (gan/sampler.h, n samples
 * of the fixed noise stream of the seed, truncated if asked, batch norm in eval mode) or from a samples file
 * (store/samples.h). Real samples: set A = the first n of the data file, set B = the last n (for
 * labelled images within the classifier's held-out part: min(10000, half the file), so n is at
 * most that); every measure is also computed between B and A, the value a
 * perfect generator would get at this sample size ("real" column).
 *   images (labelled):  frechet       Fréchet distance of the local classifier's features
 *                                     (eval/frechet.h, score/classifier.h)
 *                       class_js      JS divergence (nats, at most log 2) between the histogram of
 *                                     the classes the classifier predicts for the samples and the
 *                                     label histogram of A (mode collapse shows here)
 *                       classes       classes holding at least 1/(10K) of the samples
 *                       sliced_w1     sliced W1 in pixel space (eval/wasserstein.h, 128 directions)
 *                       kid           kernel distance of the classifier's features (eval/manifold.h)
 *                       precision, recall, density, coverage
 *                                     of the samples against set A in the classifier's features,
 *                                     with 5-nearest-neighbour balls (eval/manifold.h)
 *   toy mixtures:       modes, high_quality (eval/modes.h: 3 std, share 1/(4K)), w1 (exact in
 *                       1-D, sliced in 2-D)
 *   other vectors:      sliced_w1
 */
#ifndef NASH_SCORE_SCORE_H
#define NASH_SCORE_SCORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/fsutil.h"
#include "core/shape.h"
#include "core/status.h"
#include "eval/frechet.h"
#include "eval/manifold.h"
#include "score/classifier.h"

#define SCORE_MAX_METRICS 12
#define SCORE_MAX_CLASSES 256 /* the classifier's (uint8 labels) */

typedef struct {
    const char *source;     /* weights/checkpoint or samples file */
    const char *group;      /* generator group of a weights file: "generator" or "generator_ema" */
    const char *data;       /* the real data file */
    const char *classifier; /* NULL: DATA with .h5 replaced by .classifier.h5 */
    int64_t n;              /* samples compared; 0: 10000, or half the data file when it is smaller */
    uint64_t seed;          /* noise, directions, classifier */
    int epochs;             /* when the classifier must be trained; 0: 2, or more on a small data set */
    double truncation;      /* > 0: a generator's z truncated to [-t, t] (gan/noise.h); 0: not */
    FILE *progress;         /* or NULL */
} ScoreOptions;

typedef struct {
    const char *name;  /* "frechet" */
    double value;      /* generated vs real A */
    double real;       /* real B vs real A (NaN when not defined) */
    bool lower_better; /* which way is better */
    const char *what;  /* one line saying what it measures */
} ScoreMetric;

typedef struct {
    const char *kind;        /* "images", "toy", "vectors" */
    const char *source_kind; /* "generator" or "samples" */
    int64_t n;
    ScoreMetric metrics[SCORE_MAX_METRICS];
    int count;
    char classifier[NASH_PATH_MAX]; /* images: the classifier file used */
    bool classifier_trained;        /* it was trained by this run (else loaded) */
    double classifier_accuracy;     /* on its held-out samples */
    /* a class-conditional generator (its sample i made for class i mod K): the share of each
     * class's samples the classifier gives that class, and of the real samples of each class */
    int conditional_classes; /* K, 0: not conditional */
    double class_accuracy[SCORE_MAX_CLASSES], class_accuracy_real[SCORE_MAX_CLASSES];
} ScoreReport;

NashStatus score_run(const ScoreOptions *opt, ScoreReport *report, NashError *err);

/* One generator after another scored against the same real images: evaluation during training
 * (train/eval_rank.c) and score_run's images. Set A (the first n images of opt->data, n as
 * score_run chooses it), its classifier features, their Gaussian fit and its label histogram are
 * computed once, by image_scorer_open (which trains and stores the classifier when it has to);
 * each image_scorer_score then measures n images against A: values[i] is score_image_metrics[i]
 * as score_run reports it. */
#define SCORE_IMAGE_METRICS 9
extern const char *const score_image_metrics[SCORE_IMAGE_METRICS]; /* "frechet", ..., "coverage" */

typedef struct {
    Classifier c;
    bool have_classifier, classifier_trained;
    char classifier[NASH_PATH_MAX]; /* its file */
    int64_t n, data_n;              /* samples compared; samples in the data file */
    int k;                          /* classes */
    Shape shape;
    uint64_t seed;         /* sliced W1's directions */
    float *a, *fa;         /* set A (n, shape) and its features (n, CLASSIFIER_FEATURES) */
    FeatureStats sa;       /* their fit */
    ManifoldReference ref; /* their k-NN radii and KID self-term */
    bool have_ref;
    double *ha;     /* A's label histogram (k) */
    float *f;       /* the features of the set scored last (n, CLASSIFIER_FEATURES) */
    int *predicted; /* its predicted classes (n) */
    double *h;      /* their histogram (k) */
} ImageScorer;

NashStatus image_scorer_open(ImageScorer **out, const ScoreOptions *opt, NashError *err);
/* x (n, shape): n images, scored against set A. */
NashStatus image_scorer_score(ImageScorer *sc, const float *x, double *values, NashError *err);
void image_scorer_close(ImageScorer *sc);

/* DATA.h5 -> DATA.classifier.h5 (DATA.classifier.h5 appended when the name has no .h5). */
void score_default_classifier(const char *data, char *out, size_t size);

#endif
