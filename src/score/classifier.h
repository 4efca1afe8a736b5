/* classifier.h — the local image classifier behind `nash eval`: trained on the real data with
 * nash's own layers, stored in HDF5, reused.
 *
 * Why: the FID (Heusel et al. 2017) compares Inception-v3 features of real and generated images;
 * nash downloads nothing, so it trains a small convolutional network on the labelled real data
 * instead and compares its features the same way (docs/distances.md, "Image quality"). Network
 * (CLASSIFIER_LAYERS), for (C,H,W) images and K classes:
 *   conv2d 16 k=5 s=2 p=2, relu, conv2d 32 k=5 s=2 p=2, relu, flatten, dense 64, relu, dense K
 * The 64 activations after the last ReLU are the features; the last layer's argmax is the class.
 * Trained with softmax cross-entropy and Adam (lr 1e-3, batch 128) for `epochs` passes over all
 * but the last `holdout` samples of the file, in an order drawn from the seed; its accuracy on
 * those held-out samples is measured and stored.
 *
 * File: a weights file (store/weights.h) with one group "classifier"; its /config text records
 * [classifier] data (the data file's path), samples, fingerprint (data_fingerprint below),
 * classes, epochs, seed, holdout and accuracy. classifier_load refuses a file made from other
 * data (different fingerprint).
 */
#ifndef NASH_SCORE_CLASSIFIER_H
#define NASH_SCORE_CLASSIFIER_H

#define CLASSIFIER_MIN_TRAIN 1000 /* samples it trains on, at the least */

#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "nn/net.h"

#define CLASSIFIER_GROUP "classifier"
#define CLASSIFIER_FEATURES 64
#define CLASSIFIER_BATCH 128

typedef struct {
    int epochs;      /* passes over the training part */
    int64_t holdout; /* last samples of the file kept out of training, for the accuracy */
    uint64_t seed;   /* initial weights and order */
    FILE *progress;  /* a line per epoch, or NULL */
} ClassifierOptions;

typedef struct {
    Net net;
    int classes;
    int feature_layer; /* the layer whose output is the feature vector */
    double accuracy;   /* on the held-out samples */
    int64_t trained_on, tested_on;
    uint64_t fingerprint;
} Classifier;

/* A 64-bit FNV-1a hash of the data file's sample count, shape and first 1000 stored samples. */
NashStatus data_fingerprint(const char *data_path, uint64_t *out, NashError *err);

/* Train on an images data file with labels; errors name the file and what is missing. */
NashStatus classifier_train(Classifier *c, const char *data_path, const ClassifierOptions *opt, NashError *err);
NashStatus classifier_save(const Classifier *c, const char *path, const char *data_path, const ClassifierOptions *opt,
                           NashError *err);
/* Load from path; refuses a classifier of other data (fingerprint) with a message saying to
 * delete the file or pass another --classifier. */
NashStatus classifier_load(Classifier *c, const char *path, uint64_t fingerprint, NashError *err);
void classifier_free(Classifier *c);

/* x (n, C,H,W) in [-1, 1] -> features (n, CLASSIFIER_FEATURES) and, unless NULL, the predicted
 * class of each (n). Any n: runs in batches. */
void classifier_features(Classifier *c, const float *x, int64_t n, float *features, int *classes);

#endif
