/* sampler.c — load a generator from a weights or checkpoint file and draw samples (sampler.h). */
#include "gan/sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "gan/classes.h"
#include "store/weights.h"

/* The noise kind from the [generator] noise key of the file's /config (gaussian if absent). */
static NashStatus read_noise(const char *path, NoiseKind *kind, char *name, size_t size, NashError *err) {
    char *config = NULL;
    NashStatus st = weights_read_config(path, &config, err);
    if (st) return st;
    if (!config_text_value(config, "generator", "noise", name, size)) snprintf(name, size, "gaussian");
    free(config);
    st = noise_kind_parse(name, kind, err);
    if (st) return nash_fail_context(err, "%s: /config: [generator] noise: ", path);
    return NASH_OK;
}

NashStatus sampler_open(Sampler *s, const char *path, const char *group, int chunk, bool train_mode, NashError *err) {
    memset(s, 0, sizeof *s);
    NashStatus st = read_noise(path, &s->noise, s->noise_name, sizeof s->noise_name, err);
    if (st) return st;
    char *layers = NULL;
    Shape in;
    st = weights_read_spec(path, group, &layers, &in, err);
    if (st) return st;
    st = net_init_text(&s->net, in, layers, chunk, err);
    free(layers);
    if (st) return nash_fail_context(err, "%s: /%s: ", path, group);
    st = weights_load(path, group, &s->net, err);
    if (st) {
        net_free(&s->net);
        return st;
    }
    net_set_training(&s->net, train_mode);
    s->fixed_class = -1;
    if (s->net.classes && !(s->labels = malloc((size_t)chunk * sizeof *s->labels))) {
        net_free(&s->net);
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the classes of %d samples", chunk);
    }
    return NASH_OK;
}

NashStatus sampler_generate(Sampler *s, uint64_t seed, int64_t first, int n, float *samples, NashError *err) {
    Net *net = &s->net;
    size_t latent = shape_numel(net->in), out_numel = shape_numel(net->out);
    float *z = malloc((size_t)net->max_batch * latent * sizeof *z);
    if (!z) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the noise for %d samples", net->max_batch);
    for (int done = 0; done < n; done += net->max_batch) {
        int k = n - done < net->max_batch ? n - done : net->max_batch;
        sampler_noise(s, seed, first + done, k, z);
        sampler_classes(s, first + done, k, s->labels);
        sampler_forward(s, z, s->labels, k, samples + (size_t)done * out_numel);
    }
    free(z);
    return NASH_OK;
}

NashStatus sampler_truncate(Sampler *s, const char *path, double t, NashError *err) {
    if (!(t >= NOISE_TRUNCATION_MIN))
        return nash_fail(err, NASH_ERR_INVALID, "a truncation of %g: give %g or more", t, NOISE_TRUNCATION_MIN);
    if (s->noise != NOISE_GAUSSIAN)
        return nash_fail(err, NASH_ERR_INVALID,
                         "%s: its generator draws %s noise ([generator] noise of /config); truncation cuts a "
                         "Gaussian: drop --truncation",
                         path, s->noise_name);
    s->truncation = (float)t;
    return NASH_OK;
}

void sampler_noise(const Sampler *s, uint64_t seed, int64_t first, int n, float *z) {
    int latent = (int)shape_numel(s->net.in);
    if (s->truncation > 0.0f)
        noise_fill_truncated(seed, first, n, latent, s->truncation, z);
    else
        noise_fill(s->noise, seed, NOISE_STREAM_FIXED, first, n, latent, z);
}

void sampler_classes(const Sampler *s, int64_t first, int n, int32_t *out) {
    if (!s->net.classes) return;
    if (s->fixed_class >= 0)
        for (int i = 0; i < n; i++) out[i] = s->fixed_class;
    else
        classes_in_turn(s->net.classes, first, n, out);
}

void sampler_forward(Sampler *s, const float *z, const int32_t *labels, int n, float *samples) {
    Net *net = &s->net;
    size_t latent = shape_numel(net->in), out_numel = shape_numel(net->out);
    for (int done = 0; done < n; done += net->max_batch) {
        int k = n - done < net->max_batch ? n - done : net->max_batch;
        if (net->classes) net_set_labels(net, labels + done);
        const float *y = net_forward(net, z + (size_t)done * latent, k);
        memcpy(samples + (size_t)done * out_numel, y, (size_t)k * out_numel * sizeof *y);
    }
}

void sampler_close(Sampler *s) {
    net_free(&s->net);
    free(s->labels);
    s->labels = NULL;
}
