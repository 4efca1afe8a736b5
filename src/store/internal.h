/* internal.h — the pieces of the weights format (weights.c) that checkpoints (checkpoint.c,
 * checkpoint_info.c) and sample files (samples.c) reuse, the checkpoint pieces shared by
 * checkpoint.c and checkpoint_info.c, and what sample and latent files (samples.c, latents.c)
 * share (private to store/). Callers outside store/ use weights.h, checkpoint.h, samples.h and
 * latents.h; the HDF5 helpers everyone in store/ and data/ uses are h5util.h.
 *
 * None of these take the HDF5 lock (h5util_lock) or silence HDF5's error printing: the public
 * function that calls them does both.
 */
#ifndef NASH_STORE_INTERNAL_H
#define NASH_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/checkpoint.h"
#include "store/h5util.h"
#include "store/samples.h"
#include "store/weights.h"

/* Refuse group names that cannot be a network group ("config", "a/b", empty). */
NashStatus weights_check_group_name(const char *path, const char *group, NashError *err);
/* Check a list of entries before writing: valid, distinct names, a net and layer lines each. */
NashStatus weights_check_entries(const char *path, const WeightsEntry *entries, int n_entries, NashError *err);

/* Write one network group (attributes layers and input_shape, every parameter and buffer),
 * each tensor with a crc32 attribute when `checksum`. */
NashStatus weights_write_group(hid_t file, const char *path, const WeightsEntry *e, bool checksum, NashError *err);

/* Open a nash file (any root format "nash-*", a version this nash reads) read-only; an empty
 * file is reported as an interrupted write. */
NashStatus weights_open_file(const char *path, hid_t *file, NashError *err);
/* Open a network group of an open file; the error lists the groups there are. */
NashStatus weights_open_group(hid_t file, const char *path, const char *group, hid_t *g, NashError *err);

/* Read every parameter and buffer of net from the open group g into params (net->param_floats)
 * and buffers (net->buffer_floats), in the net's layout, checking each shape and that the group
 * holds no other tensor. The net itself is not touched, so the caller can load all or nothing. */
NashStatus weights_read_group(hid_t g, const char *path, const char *group, const Net *net, float *params,
                              float *buffers, NashError *err);

/* ---- sample and latent files (samples.c; latents.c) ---------------------------------------- */

/* The root attributes of a samples or latents file: format, version and those of info. */
herr_t samples_write_info(hid_t file, const char *format, const SamplesInfo *info);
/* /z float32 (n, *z_shape). */
herr_t samples_write_z(hid_t file, const float *z, int n, Shape z_shape);
/* A sealed samples or latents file written atomically: the attributes of info with `format`, then
 * /samples (n, shape) unless samples is NULL, and /z (n, z_shape) unless z is NULL. */
NashStatus samples_write_file(const char *path, const char *format, const float *samples, Shape shape, const float *z,
                              Shape z_shape, int n, const SamplesInfo *info, NashError *err);

/* ---- checkpoints (checkpoint.c) ---------------------------------------------------------- */

/* The attributes of /state (without checking its crc32). */
NashStatus ckpt_read_state(hid_t file, const char *path, CheckpointState *state, NashError *err);

#endif
