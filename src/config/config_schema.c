/* config_schema.c — the table of every config key, and the parsing and writing of one value
 * (see config_schema.h; the keys are documented in docs/config.md, generated from this table). */
#include "config/config_schema.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/words.h"
#include "nn/spec.h"

/* One table row: NUM for numbers (with the bounds that apply and lo/hi), WORD for enums (with the
 * allowed words), TEXT for the other types. */
#define ROW(sec, nm, ty, words, n_words, bounds, lo, hi, def, m, help)                                                 \
    { sec, nm, ty, words, n_words, bounds, lo, hi, def, help, offsetof(Config, m), sizeof(((Config *)0)->m) }
#define NUM(sec, nm, ty, bounds, lo, hi, def, m, help) ROW(sec, nm, ty, NULL, 0, bounds, lo, hi, def, m, help)
#define WORD(sec, nm, words, def, m, help)                                                                             \
    ROW(sec, nm, CONFIG_ENUM, words, (int)(sizeof words / sizeof *words), 0, 0, 0, def, m, help)
#define TEXT(sec, nm, ty, def, m, help) ROW(sec, nm, ty, NULL, 0, 0, 0, 0, def, m, help)

const char *const config_loss_words[LOSS_KIND_COUNT] = {"minimax", "nonsat", "wgan", "hinge", "lsgan"};
const char *const config_penalty_words[PENALTY_KIND_COUNT] = {"none", "gp", "r1"};
const char *const config_augment_words[AUGMENT_OP_COUNT] = {"color", "translation", "cutout"};
const char *const config_noise_words[NOISE_KIND_COUNT] = {"gaussian", "uniform"};
const char *const config_layout_words[LAYOUT_KIND_COUNT] = {"split", "colocated"};
const char *const config_schedule_words[SCHEDULE_KIND_COUNT] = {"alternating", "simultaneous", "pipelined"};
const char *const config_precision_words[PRECISION_KIND_COUNT] = {"float32", "bf16"};
_Static_assert(LOSS_LSGAN + 1 == LOSS_KIND_COUNT && NOISE_UNIFORM + 1 == NOISE_KIND_COUNT &&
                   LAYOUT_COLOCATED + 1 == LAYOUT_KIND_COUNT && SCHEDULE_PIPELINED + 1 == SCHEDULE_KIND_COUNT &&
                   PRECISION_BF16 + 1 == PRECISION_KIND_COUNT,
               "one word per enum value");
/* An enum key's field is read and written as an int. */
_Static_assert(sizeof(LossKind) == sizeof(int) && sizeof(NoiseKind) == sizeof(int) &&
                   sizeof(LayoutKind) == sizeof(int) && sizeof(ScheduleKind) == sizeof(int) &&
                   sizeof(PrecisionKind) == sizeof(int) && sizeof(OptimKind) == sizeof(int) &&
                   sizeof(InitScheme) == sizeof(int),
               "enum keys are int-sized");

#define CLOSED (CONFIG_HAS_MIN | CONFIG_HAS_MAX)                      /* lo <= v <= hi */
#define AT_LEAST CONFIG_HAS_MIN                                       /* lo <= v */
#define ABOVE (CONFIG_HAS_MIN | CONFIG_MIN_OPEN)                      /* lo < v */
#define ABOVE_TO (CONFIG_HAS_MIN | CONFIG_MIN_OPEN | CONFIG_HAS_MAX)  /* lo < v <= hi */
#define BELOW_MAX (CONFIG_HAS_MIN | CONFIG_HAS_MAX | CONFIG_MAX_OPEN) /* lo <= v < hi */

#define INIT_WORDS init_scheme_words
#define INIT_HELP                                                                                                      \
    "weight initialisation: torch (PyTorch's defaults), dcgan (N(0, 0.02), Radford et al. 2016), xavier "              \
    "(Glorot uniform) or kaiming (He normal)"
#define LAYER_HELP "one `layer =` line per layer, in the grammar of docs/layers.md"

const ConfigSection config_sections[CONFIG_N_SECTIONS] = {
    {"data", "the training data"},
    {"generator", "the generator G(z) and its input z"},
    {"discriminator", "the discriminator D(x); its last layer gives one logit per sample"},
    {"loss", "the GAN objective"},
    {"train", "the training loop"},
    {"optim.g", "the generator's optimizer"},
    {"optim.d", "the discriminator's optimizer"},
    {"output", "what a run writes under its run directory"},
    {"cluster", "how MPI ranks share the two players (ignored by a single-process run)"},
    {"monitor", "live metrics published over ZeroMQ for `nash monitor`"},
    {"eval",
     "periodic evaluation during training (toy mixtures; images with cluster.eval_ranks = 1: docs/training.md)"},
    {"augment", "differentiable augmentation of D's inputs, real and fake (DiffAugment; docs/training.md)"},
};

#define OPTIM_KEYS(sec, m)                                                                                             \
    WORD(sec, "kind", optim_kind_words, "adam", m.kind,                                                                \
         "adam (Kingma & Ba 2015), sgd (with momentum) or rmsprop (Tieleman & Hinton 2012)"),                          \
        NUM(sec, "lr", CONFIG_DOUBLE, ABOVE_TO, 0, 10, "2e-4", m.lr, "learning rate"),                                 \
        NUM(sec, "beta1", CONFIG_DOUBLE, BELOW_MAX, 0, 1, "0.5", m.beta1,                                              \
            "adam: decay of the running mean of the gradient"),                                                        \
        NUM(sec, "beta2", CONFIG_DOUBLE, BELOW_MAX, 0, 1, "0.999", m.beta2,                                            \
            "adam: decay of the running mean of the squared gradient"),                                                \
        NUM(sec, "momentum", CONFIG_DOUBLE, BELOW_MAX, 0, 1, "0", m.momentum, "sgd, rmsprop: momentum (0 = none)"),    \
        NUM(sec, "alpha", CONFIG_DOUBLE, BELOW_MAX, 0, 1, "0.99", m.alpha,                                             \
            "rmsprop: decay of the running mean of the squared gradient"),                                             \
        NUM(sec, "eps", CONFIG_DOUBLE, ABOVE, 0, 0, "1e-8", m.eps, "adam, rmsprop: added to the denominator"),         \
        NUM(sec, "weight_decay", CONFIG_DOUBLE, AT_LEAST, 0, 0, "0", m.weight_decay,                                   \
            "L2 penalty: weight_decay * w is added to the gradient (as in PyTorch)"),                                  \
        WORD(sec, "lr_decay", lr_decay_words, "none", m.lr_decay,                                                      \
             "none, or linear: lr * (1 - k / train.steps) at training step k + 1, for every update of that step "      \
             "(SNGAN's schedule, Miyato et al. 2018)")

const ConfigKey config_keys[CONFIG_N_KEYS] = {
    TEXT("data", "path", CONFIG_PATH, "", data.path, "HDF5 data file written by `nash data` (required)"),
    NUM("data", "block", CONFIG_INT, CLOSED, 1, 1048576, "1024", data.block,
        "samples per block: the unit the reader reads and the epoch shuffles (docs/data.md)"),
    NUM("data", "window", CONFIG_INT, CLOSED, 1, 4096, "8", data.window,
        "blocks per shuffle window: samples are shuffled within a window of blocks"),
    NUM("data", "buffer_blocks", CONFIG_INT, CLOSED, 1, 1048576, "16", data.buffer_blocks,
        "memory cap of each discriminator rank's reader, in blocks (at least what one batch can touch)"),
    TEXT("data", "flip", CONFIG_BOOL, "false", data.flip,
         "mirror each real image left to right with probability 1/2, decided by (seed, batch, sample) so that any "
         "number of ranks sees the same flips (images only)"),

    NUM("generator", "latent", CONFIG_INT, CLOSED, 1, 65536, "100", generator.latent,
        "size of the noise vector z (of each step's, with latent_steps)"),
    NUM("generator", "latent_steps", CONFIG_INT, CLOSED, 0, 65536, "0", generator.latent_steps,
        "0: z is one vector (latent); T > 0: z is a sequence (T,latent), fresh noise at every step, for "
        "recurrent generators"),
    WORD("generator", "noise", config_noise_words, "gaussian", generator.noise,
         "distribution of z: gaussian N(0, 1) or uniform U[-1, 1)"),
    WORD("generator", "init", INIT_WORDS, "dcgan", generator.net.init, INIT_HELP),
    TEXT("generator", "layer", CONFIG_LAYERS, "", generator.net, LAYER_HELP ", from z to a sample (required)"),

    WORD("discriminator", "init", INIT_WORDS, "dcgan", discriminator.net.init, INIT_HELP),
    TEXT("discriminator", "layer", CONFIG_LAYERS, "", discriminator.net,
         LAYER_HELP ", from a sample to one logit (required)"),

    WORD("loss", "kind", config_loss_words, "nonsat", loss.kind,
         "minimax and nonsat (non-saturating G loss): Goodfellow et al. 2014; wgan: Arjovsky et al. 2017; "
         "hinge: Lim & Ye 2017; lsgan: Mao et al. 2017"),
    NUM("loss", "clip", CONFIG_DOUBLE, ABOVE, 0, 0, "0.01", loss.clip,
        "wgan with penalty = none: D's weights are clipped to [-clip, clip] after each D step"),
    WORD("loss", "penalty", config_penalty_words, "none", loss.penalty,
         "a gradient penalty on D, by double backprop: gp is weight * (‖∇D(x̂)‖ - 1)² at random "
         "interpolates x̂ of real and fake (Gulrajani et al. 2017); r1 is weight/2 * ‖∇D(x)‖² on real "
         "data (Mescheder et al. 2018)"),
    NUM("loss", "penalty_weight", CONFIG_DOUBLE, AT_LEAST, 0, 0, "10", loss.penalty_weight,
        "lambda of gp, gamma of r1"),
    NUM("loss", "penalty_every", CONFIG_INT, CLOSED, 1, 1000, "1", loss.penalty_every,
        "lazy regularisation: the penalty on every k-th D step only, weighted k (Karras et al. 2020)"),

    NUM("train", "steps", CONFIG_INT64, AT_LEAST, 1, 0, "1000", train.steps, "generator steps to train"),
    NUM("train", "batch", CONFIG_INT, CLOSED, 1, 65536, "64", train.batch,
        "global batch (real samples per D step, summed over ranks)"),
    TEXT("train", "seed", CONFIG_UINT64, "1", train.seed,
         "seed of every random stream (initialisation, noise, shuffling, dropout)"),
    NUM("train", "n_critic", CONFIG_INT, CLOSED, 1, 100, "1", train.n_critic, "D steps per G step"),
    NUM("train", "ema", CONFIG_DOUBLE, BELOW_MAX, 0, 1, "0", train.ema,
        "decay of an exponential moving average of G's weights, used for samples (0 = off), ramped up as min(ema, (1 + "
        "t) / (10 + t)) after G's t-th step"),
    NUM("train", "log_every", CONFIG_INT, AT_LEAST, 1, 0, "10", train.log_every,
        "steps between progress lines and metrics rows"),
    WORD("train", "precision", config_precision_words, "float32", train.precision,
         "bf16: mixed precision on CPUs with AVX512_BF16 or AMX: the convolutions that run on oneDNN multiply "
         "bf16-rounded inputs, weights and gradients and sum in float32; weights, optimizer and every other layer "
         "stay float32 (docs/training.md)"),

    OPTIM_KEYS("optim.g", optim_g),
    OPTIM_KEYS("optim.d", optim_d),

    TEXT("output", "dir", CONFIG_PATH, "runs/default", output.dir,
         "run directory (`nash train --run-dir` overrides it)"),
    NUM("output", "sample_every", CONFIG_INT, AT_LEAST, 0, 0, "100", output.sample_every,
        "steps between sample grids (0 = only at the end)"),
    NUM("output", "samples", CONFIG_INT, CLOSED, 1, 1024, "64", output.samples, "samples in a grid"),
    NUM("output", "checkpoint_every", CONFIG_INT, AT_LEAST, 0, 0, "0", output.checkpoint_every,
        "steps between checkpoints (0 = only at the end)"),
    NUM("output", "keep", CONFIG_INT, AT_LEAST, 1, 0, "3", output.keep, "checkpoints kept (older ones are deleted)"),

    NUM("cluster", "generator_ranks", CONFIG_INT, AT_LEAST | CONFIG_AUTO, 0, 0, "1", cluster.generator_ranks,
        "ranks in the generator group (split layout); the others form the discriminator group. auto: nash times "
        "G's and D's steps on this machine before training and takes the split with the shortest step "
        "(docs/distributed.md)"),
    WORD("cluster", "layout", config_layout_words, "split", cluster.layout,
         "split: G and D on separate groups of ranks; colocated: every rank holds both (data parallel)"),
    WORD("cluster", "schedule", config_schedule_words, "alternating", cluster.schedule,
         "alternating: D steps then a G step, as in one process; simultaneous: both step from the same point; "
         "pipelined: G makes the next step's fakes while D trains on these, one step stale (docs/distributed.md)"),
    TEXT("cluster", "sync_bn", CONFIG_BOOL, "true", cluster.sync_bn,
         "synchronise batch-norm statistics across the ranks of a group"),
    NUM("cluster", "discriminator_groups", CONFIG_INT, CLOSED, 1, 64, "1", cluster.discriminator_groups,
        "independent discriminators (MD-GAN, Hardy et al. 2019): the discriminator ranks form this many groups, each "
        "with its own D trained on its own shard of the data; G learns from all of them (docs/distributed.md)"),
    NUM("cluster", "swap_every", CONFIG_INT, AT_LEAST, 0, 0, "0", cluster.swap_every,
        "with discriminator_groups > 1: steps between passing each group's D on to the next group (0 = once per epoch "
        "of a group's shard)"),
    NUM("cluster", "eval_ranks", CONFIG_INT, CLOSED, 0, 1, "0", cluster.eval_ranks,
        "ranks set apart for evaluation: the last rank receives G's weights at each [eval] point and scores them "
        "while the others train on (docs/distributed.md)"),

    TEXT("monitor", "enabled", CONFIG_BOOL, "true", monitor.enabled,
         "publish metrics (never blocks training, even with no monitor listening)"),
    TEXT("monitor", "endpoint", CONFIG_STRING, "tcp://127.0.0.1:5555", monitor.endpoint,
         "ZeroMQ endpoint the trainer publishes to (the monitor binds it)"),
    TEXT("monitor", "allow_remote", CONFIG_BOOL, "false", monitor.allow_remote,
         "allow an endpoint off this machine (by default only loopback, ipc:// and inproc://)"),

    NUM("eval", "every", CONFIG_INT, AT_LEAST, 0, 0, "0", eval.every,
        "steps between evaluations, and one at the end (0 = off); written to eval.csv and the monitor"),
    NUM("eval", "samples", CONFIG_INT, CLOSED, 100, 1000000, "10000", eval.samples,
        "generated samples per evaluation (the fixed noise stream)"),

    TEXT("augment", "policy", CONFIG_STRING, "", augment.policy,
         "comma-separated, applied in order to every image D sees: color (brightness, saturation, contrast), "
         "translation, cutout (Zhao et al. 2020); empty: none"),
    NUM("augment", "translation", CONFIG_DOUBLE, ABOVE_TO, 0, 0.5, "0.125", augment.translation,
        "translation: shifts of up to this fraction of the side, in whole pixels, zeros shifted in"),
    NUM("augment", "cutout", CONFIG_DOUBLE, ABOVE_TO, 0, 1, "0.5", augment.cutout,
        "cutout: the side of the square set to zero, as a fraction of the image's"),
};

_Static_assert(sizeof config_keys / sizeof config_keys[0] == CONFIG_N_KEYS, "CONFIG_N_KEYS matches the table");

const ConfigSection *config_section_find(const char *name) {
    for (int i = 0; i < CONFIG_N_SECTIONS; i++)
        if (!strcmp(config_sections[i].name, name)) return &config_sections[i];
    return NULL;
}

const ConfigKey *config_key_find(const char *section, const char *name) {
    for (int i = 0; i < CONFIG_N_KEYS; i++)
        if (!strcmp(config_keys[i].section, section) && !strcmp(config_keys[i].name, name)) return &config_keys[i];
    return NULL;
}

static void append(char *buf, size_t size, const char *word) {
    size_t used = strlen(buf);
    if (used < size) snprintf(buf + used, size - used, "%s%s", used ? ", " : "", word);
}

void config_list_keys(const char *section, char *buf, size_t size) {
    buf[0] = '\0';
    for (int i = 0; i < CONFIG_N_KEYS; i++)
        if (!strcmp(config_keys[i].section, section)) append(buf, size, config_keys[i].name);
}

void config_list_sections(char *buf, size_t size) {
    buf[0] = '\0';
    for (int i = 0; i < CONFIG_N_SECTIONS; i++) append(buf, size, config_sections[i].name);
}

void config_range_text(const ConfigKey *key, char *buf, size_t size) {
    unsigned b = key->bounds;
    if ((b & CONFIG_HAS_MIN) && (b & CONFIG_HAS_MAX) && !(b & (CONFIG_MIN_OPEN | CONFIG_MAX_OPEN)))
        snprintf(buf, size, "between %g and %g", key->min, key->max);
    else if ((b & CONFIG_HAS_MIN) && (b & CONFIG_HAS_MAX))
        snprintf(buf, size, "%s %g and %s %g", b & CONFIG_MIN_OPEN ? ">" : ">=", key->min,
                 b & CONFIG_MAX_OPEN ? "<" : "<=", key->max);
    else if (b & CONFIG_HAS_MIN)
        snprintf(buf, size, "%s %g", b & CONFIG_MIN_OPEN ? ">" : ">=", key->min);
    else if (b & CONFIG_HAS_MAX)
        snprintf(buf, size, "%s %g", b & CONFIG_MAX_OPEN ? "<" : "<=", key->max);
    else
        buf[0] = '\0';
    if (b & CONFIG_AUTO) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, ", or auto (0)");
    }
}

/* Is v inside the key's own range? (NaN never is; +-inf stand for an overflowed value.) */
static bool in_range(const ConfigKey *key, double v) {
    unsigned b = key->bounds;
    if ((b & CONFIG_HAS_MIN) && !((b & CONFIG_MIN_OPEN) ? v > key->min : v >= key->min)) return false;
    if ((b & CONFIG_HAS_MAX) && !((b & CONFIG_MAX_OPEN) ? v < key->max : v <= key->max)) return false;
    return true;
}

static bool out_of_range(const ConfigKey *key, const char *text, char *why, size_t why_size) {
    char range[96];
    config_range_text(key, range, sizeof range);
    snprintf(why, why_size, "must be %s, got '%s'", range, text);
    return false;
}

char *config_trim(char *text) {
    while (isspace((unsigned char)*text)) text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1])) text[--n] = '\0';
    return text;
}

static bool is_integer_text(const char *s) {
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) return false;
    while (isdigit((unsigned char)*s)) s++;
    return *s == '\0';
}

static bool set_integer(const ConfigKey *key, void *field, const char *text, char *why, size_t why_size) {
    if ((key->bounds & CONFIG_AUTO) && strcmp(text, "auto") == 0) text = "0";
    if (!is_integer_text(text)) {
        snprintf(why, why_size, "expected an integer%s, got '%s'", key->bounds & CONFIG_AUTO ? " or auto" : "", text);
        return false;
    }
    errno = 0;
    if (key->type == CONFIG_UINT64) {
        unsigned long long u = strtoull(text, NULL, 10);
        if (text[0] == '-' || errno == ERANGE) {
            snprintf(why, why_size, "out of range for an unsigned 64-bit integer (0 to %" PRIu64 "), got '%s'",
                     UINT64_MAX, text);
            return false;
        }
        if (!in_range(key, (double)u)) return out_of_range(key, text, why, why_size);
        uint64_t v = u;
        memcpy(field, &v, sizeof v);
        return true;
    }
    long long v = strtoll(text, NULL, 10);
    bool overflow = errno == ERANGE;
    if (!in_range(key, overflow ? (v < 0 ? -INFINITY : INFINITY) : (double)v))
        return out_of_range(key, text, why, why_size);
    if (key->type == CONFIG_INT64) {
        if (overflow) {
            snprintf(why, why_size, "out of range for a 64-bit integer (%" PRId64 " to %" PRId64 "), got '%s'",
                     INT64_MIN, INT64_MAX, text);
            return false;
        }
        int64_t v64 = v;
        memcpy(field, &v64, sizeof v64);
        return true;
    }
    if (overflow || v < INT_MIN || v > INT_MAX) {
        snprintf(why, why_size, "out of range for a 32-bit integer (%d to %d), got '%s'", INT_MIN, INT_MAX, text);
        return false;
    }
    int v32 = (int)v;
    memcpy(field, &v32, sizeof v32);
    return true;
}

static bool set_double(const ConfigKey *key, void *field, const char *text, char *why, size_t why_size) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end) {
        snprintf(why, why_size, "expected a number, got '%s'", text);
        return false;
    }
    bool overflow = errno == ERANGE && isinf(v);
    if (isnan(v) || (isinf(v) && !overflow)) {
        snprintf(why, why_size, "expected a finite number, got '%s'", text);
        return false;
    }
    if (!in_range(key, v)) return out_of_range(key, text, why, why_size);
    if (overflow) {
        snprintf(why, why_size, "too large for a double, got '%s'", text);
        return false;
    }
    memcpy(field, &v, sizeof v);
    return true;
}

static bool set_bool(void *field, const char *text, char *why, size_t why_size) {
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        bool v = !strcasecmp(text, yes[i]);
        if (v || !strcasecmp(text, no[i])) {
            memcpy(field, &v, sizeof v);
            return true;
        }
    }
    snprintf(why, why_size, "expected true or false (or yes/no, on/off, 1/0), got '%s'", text);
    return false;
}

/* Would the text read back unchanged from an INI file? */
static bool representable(const char *text, char *why, size_t why_size) {
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, why_size, "contains a control character (byte 0x%02x)", c);
            return false;
        }
        if ((c == '#' || c == ';') && (i == 0 || isblank((unsigned char)text[i - 1]))) {
            snprintf(why, why_size, "'%c' at the start of a word would start a comment in the config file", c);
            return false;
        }
    }
    if (n && (isblank((unsigned char)text[0]) || isblank((unsigned char)text[n - 1]))) {
        snprintf(why, why_size, "starts or ends with a blank");
        return false;
    }
    return true;
}

const char *config_enum_word(const ConfigKey *key, int value) {
    return value >= 0 && value < key->n_words ? key->words[value] : "unknown";
}

/* The index of `text` among an enum key's words, -1 when it is none of them. */
static int enum_index(const ConfigKey *key, const char *text) {
    for (int i = 0; i < key->n_words; i++)
        if (!strcmp(key->words[i], text)) return i;
    return -1;
}

static bool set_enum(const ConfigKey *key, void *field, const char *text, char *why, size_t why_size) {
    int index = enum_index(key, text);
    if (index < 0) {
        char words[160] = "";
        for (int i = 0; i < key->n_words; i++) {
            size_t used = strlen(words);
            snprintf(words + used, sizeof words - used, "%s%s", i ? ", " : "", key->words[i]);
        }
        snprintf(why, why_size, "expected one of %s; got '%s'", words, text);
        return false;
    }
    *(int *)field = index;
    return true;
}

static bool set_string(const ConfigKey *key, void *field, const char *text, char *why, size_t why_size) {
    size_t n = strlen(text);
    if (n >= key->size) {
        snprintf(why, why_size, "too long: %zu characters, at most %zu are allowed", n, key->size - 1);
        return false;
    }
    if (!representable(text, why, why_size)) return false;
    memset(field, 0, key->size);
    memcpy(field, text, n);
    return true;
}

/* Check one layer line and add it to net. */
static bool add_layer(NetConfig *net, const char *text, int line, char *why, size_t why_size) {
    size_t n = strlen(text);
    if (net->n_layers == CONFIG_MAX_LAYERS) {
        snprintf(why, why_size, "too many layers (at most %d)", CONFIG_MAX_LAYERS);
        return false;
    }
    if (n >= CONFIG_LINE_MAX) {
        snprintf(why, why_size, "layer line too long: %zu characters, at most %d are allowed", n, CONFIG_LINE_MAX - 1);
        return false;
    }
    if (!representable(text, why, why_size)) return false;
    LayerSpec spec;
    NashError err = {0};
    if (spec_parse(text, &spec, &err) != NASH_OK) {
        snprintf(why, why_size, "%s", err.msg);
        return false;
    }
    net->specs[net->n_layers] = spec;
    memset(net->layers[net->n_layers], 0, CONFIG_LINE_MAX);
    memcpy(net->layers[net->n_layers], text, n);
    net->layer_lines[net->n_layers++] = line;
    return true;
}

static bool set_layers(NetConfig *net, const char *text, bool append_one, int line, char *why, size_t why_size) {
    if (append_one) return add_layer(net, text, line, why, why_size);
    NetConfig next = *net;
    next.n_layers = 0;
    memset(next.layers, 0, sizeof next.layers);
    memset(next.layer_lines, 0, sizeof next.layer_lines);
    for (int item = 1; *text; item++) {
        size_t len = strcspn(text, ";");
        char buf[2 * CONFIG_LINE_MAX];
        if (len >= sizeof buf) {
            snprintf(why, why_size, "item %d: layer line too long, at most %d characters are allowed", item,
                     CONFIG_LINE_MAX - 1);
            return false;
        }
        memcpy(buf, text, len);
        buf[len] = '\0';
        char *word = config_trim(buf);
        if (*word && !add_layer(&next, word, line, why, why_size)) {
            char inner[NASH_ERROR_MSG_MAX];
            snprintf(inner, sizeof inner, "%s", why);
            snprintf(why, why_size, "item %d ('%s'): %s", item, word, inner);
            return false;
        }
        text += len;
        if (*text == ';') text++;
    }
    *net = next;
    return true;
}

bool config_value_set(const ConfigKey *key, Config *cfg, const char *text, bool append_one, int line, char *why,
                      size_t why_size) {
    void *field = (char *)cfg + key->offset;
    switch (key->type) {
    case CONFIG_INT:
    case CONFIG_INT64:
    case CONFIG_UINT64: return set_integer(key, field, text, why, why_size);
    case CONFIG_DOUBLE: return set_double(key, field, text, why, why_size);
    case CONFIG_BOOL: return set_bool(field, text, why, why_size);
    case CONFIG_ENUM: return set_enum(key, field, text, why, why_size);
    case CONFIG_STRING:
    case CONFIG_PATH: return set_string(key, field, text, why, why_size);
    case CONFIG_LAYERS: return set_layers(field, text, append_one, line, why, why_size);
    }
    snprintf(why, why_size, "key of unknown type %d (a bug in nash)", (int)key->type);
    return false;
}

/* The shortest %.Ng that reads back to exactly v. */
static void format_double(double v, char *buf, size_t size) {
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) return;
    }
}

void config_value_write(const ConfigKey *key, const Config *cfg, FILE *out) {
    const void *field = (const char *)cfg + key->offset;
    char buf[64];
    switch (key->type) {
    case CONFIG_INT:
        if ((key->bounds & CONFIG_AUTO) && *(const int *)field == 0)
            fprintf(out, "%s = auto\n", key->name);
        else
            fprintf(out, "%s = %d\n", key->name, *(const int *)field);
        break;
    case CONFIG_INT64: fprintf(out, "%s = %" PRId64 "\n", key->name, *(const int64_t *)field); break;
    case CONFIG_UINT64: fprintf(out, "%s = %" PRIu64 "\n", key->name, *(const uint64_t *)field); break;
    case CONFIG_DOUBLE:
        format_double(*(const double *)field, buf, sizeof buf);
        fprintf(out, "%s = %s\n", key->name, buf);
        break;
    case CONFIG_BOOL: fprintf(out, "%s = %s\n", key->name, *(const bool *)field ? "true" : "false"); break;
    case CONFIG_ENUM: fprintf(out, "%s = %s\n", key->name, config_enum_word(key, *(const int *)field)); break;
    case CONFIG_STRING:
    case CONFIG_PATH: {
        const char *s = field;
        fprintf(out, "%s =%s%.*s\n", key->name, *s ? " " : "", (int)strnlen(s, key->size), s);
        break;
    }
    case CONFIG_LAYERS: {
        const NetConfig *net = field;
        for (int i = 0; i < net->n_layers; i++) fprintf(out, "%s = %.*s\n", key->name, CONFIG_LINE_MAX, net->layers[i]);
        break;
    }
    }
}

char *config_clean_value(char *text) {
    for (char *p = text; *p; p++)
        if ((*p == '#' || *p == ';') && (p == text || isblank((unsigned char)p[-1]))) {
            *p = '\0';
            break;
        }
    return config_trim(text);
}

bool config_suggest_key(const char *word, char *out, size_t size) {
    const ConfigKey *best = NULL;
    int best_distance = 2;
    for (int k = 0; k < CONFIG_N_KEYS; k++) {
        int d = words_distance(word, config_keys[k].name);
        if (d < best_distance && (d == 0 || strlen(config_keys[k].name) >= 4)) {
            best = &config_keys[k];
            best_distance = d;
        }
    }
    if (best) snprintf(out, size, "%s.%s", best->section, best->name);
    return best != NULL;
}
