/* checkpoint.h — resumable training state in HDF5, one file per saved step (docs/checkpoint.md).
 *
 * A checkpoint is a weights file (store/weights.h: /generator, /discriminator, /generator_ema with
 * every parameter and buffer by name in PyTorch layout, /config) plus:
 *   /optim/<group>/m, /optim/<group>/v  the optimizer's moments, float32, flat in the network's
 *                     parameter-arena layout (param_floats long); attributes kind (string) and
 *                     steps (int64). A moment the optimizer does not use is absent.
 *   /state            attributes: step (steps completed), data_batch (global batches the data
 *                     stream has delivered: where it resumes), seed, layout ("split 1G+2D"),
 *                     world_size. nash's random numbers are counter-based and keyed by
 *                     (seed, step, phase, global sample index), so this is all the RNG state.
 *   root attributes   format = "nash-checkpoint", version = 1.
 * Every dataset carries an attribute crc32 (zlib's CRC-32 of its raw little-endian bytes), so a
 * flipped byte, a truncated file or a zero-length file is detected before anything is loaded.
 * Files are written to a hidden temporary name in the same directory, fsynced, renamed and the
 * directory fsynced: a file named step_NNNNNNNN.h5 is always complete.
 */
#ifndef NASH_STORE_CHECKPOINT_H
#define NASH_STORE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "nn/net.h"

#define CKPT_FORMAT "nash-checkpoint"
#define CKPT_VERSION 1

typedef struct {
    int64_t step;
    int64_t data_batch;
    uint64_t seed;
    char layout[64];
    int world_size;
} CheckpointState;

/* One player's state: its net (parameters and buffers), optionally other parameter values in
 * the net's layout (the EMA), and its optimizer (moments may be NULL when unused; a group without
 * an optimizer, like generator_ema, has opt_kind NULL). */
typedef struct {
    const char *group; /* "generator", "discriminator", "generator_ema" */
    const Net *net;
    const char *layers;             /* the layer lines the net was built from */
    const float *params;            /* NULL: net->params */
    const char *opt_kind;           /* "adam", "sgd", "rmsprop" or NULL */
    const float *moment1, *moment2; /* (net->param_floats) or NULL */
    int64_t opt_steps;
    const float *buffers; /* NULL: net->buffers; else values in the net's buffer layout */
} CheckpointPlayer;

/* "<run_dir>/ckpt/step_%08lld.h5" */
NashStatus ckpt_path(const char *run_dir, int64_t step, char *out, size_t size, NashError *err);

/* Write a checkpoint atomically (creates <dir> if needed). */
NashStatus ckpt_save(const char *path, const CheckpointState *state, const CheckpointPlayer *players, int n_players,
                     const char *config_text, NashError *err);

/* Open a checkpoint and check it whole: format, version, every dataset's checksum. Fills
 * *state. Errors say which dataset is corrupt, or that the file is truncated or not a checkpoint. */
NashStatus ckpt_verify(const char *path, CheckpointState *state, NashError *err);

/* Load one player into an already built net (all parameters and buffers, or nothing: a shape
 * mismatch names the tensor and both shapes) and its optimizer moments into moment1/moment2
 * (n floats each, may be NULL) with *opt_steps and opt_kind (room for 16 bytes). */
NashStatus ckpt_load_player(const char *path, const char *group, Net *net, float *moment1, float *moment2, size_t n,
                            int64_t *opt_steps, char *opt_kind, NashError *err);

/* The newest checkpoint in <run_dir>/ckpt that verifies; invalid newer ones are skipped and
 * described in `skipped` (a '\n'-separated list, may be NULL). NASH_OK with out[0] = '\0' when
 * there is none (a fresh start). */
NashStatus ckpt_find_latest(const char *run_dir, char *out, size_t size, CheckpointState *state, char *skipped,
                            size_t skipped_size, NashError *err);

/* Delete all but the newest `keep` checkpoints of <run_dir>/ckpt (by step number). */
NashStatus ckpt_prune(const char *run_dir, int keep, NashError *err);

/* ---- for `nash inspect` (checkpoint_info.c) --------------------------------------------------- */

/* ckpt_verify, also counting the checksums that held (every dataset, and /state). */
NashStatus ckpt_verify_count(const char *path, CheckpointState *state, int *n_checked, NashError *err);

typedef struct {
    char name[NET_NAME_MAX]; /* "0.weight" */
    int ndim;
    int64_t dim[8];
    int64_t numel;
    int buffer; /* a batch-norm running statistic rather than a parameter */
} CkptTensorInfo;

typedef struct {
    char name[64];
    char *layers; /* the layer lines, NULL if absent */
    CkptTensorInfo *tensors;
    int n_tensors;
    int64_t param_count, buffer_count;
    int has_optim; /* a /optim/<name> group: */
    char opt_kind[16];
    int64_t opt_steps;
    int64_t m_floats, v_floats; /* -1: that moment is absent */
} CkptGroupInfo;

/* What a nash file (a checkpoint or a plain weights file) holds, read without verifying. */
typedef struct {
    char format[32];
    int version;
    int has_state;
    CheckpointState state;
    CkptGroupInfo *groups; /* the network groups, in name order */
    int n_groups;
    char *config; /* /config, NULL if absent */
} CkptInfo;

NashStatus ckpt_describe(const char *path, CkptInfo *info, NashError *err);
void ckpt_info_free(CkptInfo *info);

#endif
