/* config.h — the training configuration: a strict INI schema read with inih.
 *
 * One table (config.c) lists every section and key with its type, range, default and help, and
 * drives parsing, defaults, `--set` overrides, validation and the resolved text stored with
 * every run, so the four can never disagree. Unknown sections or keys, wrong types and
 * out-of-range values are refused with FILE:LINE and the key before anything is written
 * (overrides are reported as `--set KEY`). See docs/config.md for every key.
 *
 * Networks are written one layer per line, as repeated `layer =` keys in [generator] and
 * [discriminator], in the grammar of nn/spec.h:
 *
 *     [generator]
 *     latent = 100
 *     layer = dense 6272
 *     layer = batchnorm
 *
 * config/ parses each layer line as it is read (spec_parse, so a bad line is refused with its
 * file:line) and keeps both the parsed LayerSpec, which nn/ builds the network from, and the line
 * as written, which run outputs record; each line's number stays, so that shape errors found when
 * the network is built still point at the config.
 *
 * Enumerated keys (loss, optimizer kind, noise, layout, ...) are parsed once, at load, into enums
 * (as redis's createEnumConfig does): a key's words are an array in its enum's order, owned by
 * the folder of the concept when it sits below config/ (nn/optim.h, nn/init.h) and declared here
 * otherwise. Code that uses a config compares enums, never words.
 */
#ifndef NASH_CONFIG_CONFIG_H
#define NASH_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/fsutil.h"
#include "core/status.h"
#include "nn/init.h"
#include "nn/optim.h"
#include "nn/spec.h"

/* The inih version nash was built against (its pkg-config version: inih has no runtime query). */
const char *config_inih_version(void);

#define CONFIG_MAX_LAYERS 128
#define CONFIG_LINE_MAX 160

/* The choices of a config that no folder below config/ owns, and their words. */
typedef enum { LOSS_MINIMAX, LOSS_NONSAT, LOSS_WGAN, LOSS_HINGE, LOSS_LSGAN } LossKind;
#define LOSS_KIND_COUNT 5
extern const char *const config_loss_words[LOSS_KIND_COUNT]; /* minimax nonsat wgan hinge lsgan */
typedef enum { PENALTY_NONE, PENALTY_GP, PENALTY_R1 } PenaltyKind;
typedef enum { AUGMENT_COLOR, AUGMENT_TRANSLATION, AUGMENT_CUTOUT } AugmentOp;
#define AUGMENT_OP_COUNT 3
extern const char *const config_augment_words[AUGMENT_OP_COUNT]; /* color translation cutout */
#define PENALTY_KIND_COUNT 3
extern const char *const config_penalty_words[PENALTY_KIND_COUNT]; /* none gp r1 */
typedef enum { NOISE_GAUSSIAN, NOISE_UNIFORM } NoiseKind;
#define NOISE_KIND_COUNT 2
extern const char *const config_noise_words[NOISE_KIND_COUNT]; /* gaussian uniform */
typedef enum { LAYOUT_SPLIT, LAYOUT_COLOCATED } LayoutKind;
#define LAYOUT_KIND_COUNT 2
extern const char *const config_layout_words[LAYOUT_KIND_COUNT]; /* split colocated */
typedef enum { SCHEDULE_ALTERNATING, SCHEDULE_SIMULTANEOUS, SCHEDULE_PIPELINED } ScheduleKind;
#define SCHEDULE_KIND_COUNT 3
extern const char *const config_schedule_words[SCHEDULE_KIND_COUNT]; /* alternating simultaneous pipelined */
typedef enum { PRECISION_FLOAT32, PRECISION_BF16 } PrecisionKind;
#define PRECISION_KIND_COUNT 2
extern const char *const config_precision_words[PRECISION_KIND_COUNT]; /* float32 bf16 */

typedef struct {
    int n_layers;
    LayerSpec specs[CONFIG_MAX_LAYERS];              /* parsed at load: what nn/ builds */
    char layers[CONFIG_MAX_LAYERS][CONFIG_LINE_MAX]; /* each line as written */
    int layer_lines[CONFIG_MAX_LAYERS];              /* line in the config file; 0 when it came from --set */
    InitScheme init;
} NetConfig;

typedef struct {
    char source[NASH_PATH_MAX]; /* the file read, or "(defaults)" */

    struct {
        char path[NASH_PATH_MAX]; /* HDF5 data file written by `nash data` */
        int block;                /* samples per streamed block (data/stream.h) */
        int window;               /* blocks per shuffle window */
        int buffer_blocks;        /* memory cap of each reader, in blocks */
        bool flip;                /* random horizontal flips of the real images (data/stream.h) */
    } data;

    struct {
        int latent;       /* size of z (of each step of z when latent_steps > 0) */
        int latent_steps; /* 0: z is (latent); T > 0: z is (T, latent) */
        NoiseKind noise;
        NetConfig net;
    } generator;

    struct {
        NetConfig net;
    } discriminator;

    struct {
        LossKind kind;
        double clip;           /* wgan without a penalty: clip D weights to [-clip, clip] after each D step */
        PenaltyKind penalty;   /* a gradient penalty on D (gan/penalty.h) */
        double penalty_weight; /* lambda of gp, gamma of r1 */
        int penalty_every;     /* lazy regularisation: every k-th D step, weighted k */
    } loss;

    struct {
        int64_t steps; /* generator steps */
        int batch;     /* global batch */
        uint64_t seed;
        int n_critic;  /* D steps per G step */
        double ema;    /* decay of the EMA of G's weights used for sampling; 0 = off */
        int log_every; /* steps between progress lines and metrics rows */
        PrecisionKind precision; /* bf16: the convolutions' products in bf16 (nn/conv_onednn.h) */
    } train;

    OptimSettings optim_g, optim_d; /* [optim.g], [optim.d] */

    struct {
        char dir[NASH_PATH_MAX]; /* run directory; `nash train --run-dir` overrides */
        int sample_every;        /* steps between sample grids; 0 = only at the end */
        int samples;             /* samples in a grid */
        int checkpoint_every;    /* steps between checkpoints; 0 = only at the end */
        int keep;                /* checkpoints kept */
    } output;

    struct {
        int generator_ranks; /* ranks in the generator group (split layout) */
        LayoutKind layout;
        ScheduleKind schedule;
        bool sync_bn;             /* synchronise batch-norm statistics across a group */
        int eval_ranks;           /* 0, or 1: the last rank evaluates G while the others train */
        int discriminator_groups; /* MD-GAN: independent discriminators, each on its own data shard */
        int swap_every;           /* steps between passing the groups' Ds on (0: an epoch of a shard) */
    } cluster;

    struct {
        bool enabled;
        char endpoint[NASH_PATH_MAX]; /* ZeroMQ endpoint the trainer publishes to */
        bool allow_remote;            /* allow an endpoint that is not loopback */
    } monitor;

    struct {
        char policy[64];    /* "color,translation,cutout": DiffAugment's operations, in order; "" = off */
        double translation; /* the largest shift, as a fraction of the side */
        double cutout;      /* the side of the square cut out, as a fraction of the image's */
    } augment;

    struct {
        int every;   /* steps between evaluations during training; 0 = off */
        int samples; /* generated samples per evaluation */
    } eval;
} Config;

/* The defaults of every key (what an empty file gives). */
void config_defaults(Config *cfg);

/* Read `path` over the defaults, then apply `n_overrides` strings "section.key=value" (the last
 * dot before '=' separates section and key: "optim.g.lr=1e-4"). A `layer` override replaces the
 * whole list with one layer per ';'-separated item. `path` may be NULL (defaults and overrides
 * only; source "(defaults)"). Errors: "FILE:LINE: [section] key: why" or
 * "--set section.key=value: why"; nothing is left half-applied in `cfg` on error. */
NashStatus config_load(const char *path, const char *const *overrides, int n_overrides, Config *cfg, NashError *err);

/* Apply one "section.key=value" to cfg (used by config_load; exposed for tests). */
NashStatus config_set(Config *cfg, const char *assignment, NashError *err);

/* Write the resolved config as INI text that config_load reads back to an equal Config. */
void config_write(const Config *cfg, FILE *out);
/* Does G or D have a conditional layer (cbatchnorm, projection)? */
bool config_is_conditional(const Config *cfg);
/* Give every conditional layer left at classes=0 the data's K (its line rewritten in canonical
 * form with classes=K, so checkpoints and weights carry it); a layer that says another K is
 * refused, naming its line. */
NashStatus config_set_classes(Config *cfg, int classes, NashError *err);
/* The same into a malloc'd string (caller frees); NULL on allocation failure. */
char *config_to_string(const Config *cfg);
/* The value of `key` in section [section] of INI text (a file's stored /config) into buf,
 * trimmed, inline ';'/'#' comments removed; false when absent. The last occurrence wins, as in
 * config_load. For reading single keys back without a full Config. */
bool config_text_value(const char *text, const char *section, const char *key, char *buf, size_t size);

/* The config key a mistyped command-line word most likely meant: "steps" or "step" gives
 * "train.steps" (the key's name exactly, or one edit away for names of 4 letters or more; the
 * first section's, for a name in several). False when none is that close. */
bool config_suggest_key(const char *word, char *out, size_t size);

/* The Markdown reference of every section and key (type, allowed values, default, meaning), as
 * it appears in docs/config.md between the generated-table markers; test_config checks that the
 * two agree, and `test_config --print-reference` prints it. */
void config_write_reference(FILE *out);

/* [augment] policy as operations (ops[AUGMENT_OP_COUNT], *n of them, each at most once, in the
 * order written); false with the reason in why otherwise. */
bool config_augment_ops(const char *policy, AugmentOp *ops, int *n, char *why, size_t size);

#endif
