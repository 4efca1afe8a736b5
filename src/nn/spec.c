/* spec.c — parse and format one-line layer descriptions (grammar in spec.h). */
#include "nn/spec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX_WORDS 16
#define SPEC_WORD_MAX 64

static const struct {
    LayerKind kind;
    const char *name;
} kind_names[] = {
    {LAYER_DENSE, "dense"},         {LAYER_CONV2D, "conv2d"},
    {LAYER_DECONV2D, "deconv2d"},   {LAYER_MAXPOOL2D, "maxpool2d"},
    {LAYER_AVGPOOL2D, "avgpool2d"}, {LAYER_BATCHNORM, "batchnorm"},
    {LAYER_RELU, "relu"},           {LAYER_LEAKY_RELU, "leakyrelu"},
    {LAYER_TANH, "tanh"},           {LAYER_SIGMOID, "sigmoid"},
    {LAYER_RESHAPE, "reshape"},     {LAYER_FLATTEN, "flatten"},
    {LAYER_DROPOUT, "dropout"},     {LAYER_RNN, "rnn"},
    {LAYER_LSTM, "lstm"},
};
#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

const char *layer_kind_name(LayerKind kind) {
    for (size_t i = 0; i < N_KINDS; i++)
        if (kind_names[i].kind == kind) return kind_names[i].name;
    return "unknown";
}

static bool parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -1000000000L || v > 1000000000L) return false;
    *out = (int)v;
    return true;
}

static bool parse_float(const char *s, float *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return false;
    *out = (float)v;
    return true;
}

/* "4" -> (4,4); "3x5" -> (3,5) */
static bool parse_pair(const char *s, int *a, int *b) {
    char buf[SPEC_WORD_MAX];
    snprintf(buf, sizeof buf, "%s", s);
    char *x = strchr(buf, 'x');
    if (!x) {
        if (!parse_int(buf, a)) return false;
        *b = *a;
        return true;
    }
    *x = '\0';
    return parse_int(buf, a) && parse_int(x + 1, b);
}

static bool parse_bool(const char *s, bool *out) {
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static void spec_defaults(LayerSpec *spec, LayerKind kind) {
    memset(spec, 0, sizeof *spec);
    spec->kind = kind;
    spec->sh = spec->sw = 1;
    spec->bias = true;
    spec->seq = true;
    spec->count_include_pad = true;
    spec->slope = 0.01f;
    spec->eps = 1e-5f;
    spec->momentum = 0.1f;
}

typedef struct {
    int n;
    char word[SPEC_MAX_WORDS][SPEC_WORD_MAX];
} Words;

static NashStatus split_words(const char *line, Words *w, NashError *err) {
    w->n = 0;
    const char *p = line;
    while (*p) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != '#') p++;
        size_t len = (size_t)(p - start);
        if (w->n == SPEC_MAX_WORDS) return nash_fail(err, NASH_ERR_CONFIG, "too many words in layer '%s'", line);
        if (len >= SPEC_WORD_MAX)
            return nash_fail(err, NASH_ERR_CONFIG, "word '%.*s...' is too long", SPEC_WORD_MAX - 1, start);
        memcpy(w->word[w->n], start, len);
        w->word[w->n][len] = '\0';
        w->n++;
    }
    return NASH_OK;
}

/* The keys each kind accepts and how many positional words it takes (min..max). */
typedef struct {
    LayerKind kind;
    int pos_min, pos_max;
    const char *keys; /* space-separated */
    const char *usage;
} KindRule;

static const KindRule rules[] = {
    {LAYER_DENSE, 1, 1, "bias", "dense OUT [bias=0|1]"},
    {LAYER_CONV2D, 1, 1, "k s p bias", "conv2d OUT k=K [s=1] [p=0] [bias=1]"},
    {LAYER_DECONV2D, 1, 1, "k s p op bias", "deconv2d OUT k=K [s=1] [p=0] [op=0] [bias=1]"},
    {LAYER_MAXPOOL2D, 0, 0, "k s p", "maxpool2d k=K [s=K] [p=0]"},
    {LAYER_AVGPOOL2D, 0, 0, "k s p count_pad", "avgpool2d k=K [s=K] [p=0] [count_pad=1]"},
    {LAYER_BATCHNORM, 0, 0, "eps momentum", "batchnorm [eps=1e-5] [momentum=0.1]"},
    {LAYER_RELU, 0, 0, "", "relu"},
    {LAYER_LEAKY_RELU, 0, 1, "", "leakyrelu [SLOPE=0.01]"},
    {LAYER_TANH, 0, 0, "", "tanh"},
    {LAYER_SIGMOID, 0, 0, "", "sigmoid"},
    {LAYER_RESHAPE, 1, 3, "", "reshape D1 [D2 [D3]]"},
    {LAYER_FLATTEN, 0, 0, "", "flatten"},
    {LAYER_DROPOUT, 1, 1, "", "dropout P"},
    {LAYER_RNN, 1, 1, "seq bias", "rnn H [seq=1|0] [bias=1]"},
    {LAYER_LSTM, 1, 1, "seq bias", "lstm H [seq=1|0] [bias=1]"},
};

static const KindRule *rule_for(LayerKind kind) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].kind == kind) return &rules[i];
    return NULL;
}

static bool key_allowed(const KindRule *rule, const char *key) {
    size_t len = strlen(key);
    const char *p = rule->keys;
    while (*p) {
        while (*p == ' ') p++;
        const char *start = p;
        while (*p && *p != ' ') p++;
        if ((size_t)(p - start) == len && !strncmp(start, key, len)) return true;
    }
    return false;
}

static NashStatus bad_value(NashError *err, const KindRule *rule, const char *word, const char *why) {
    return nash_fail(err, NASH_ERR_CONFIG, "%s '%s' (%s; usage: %s)", why, word, layer_kind_name(rule->kind),
                     rule->usage);
}

static NashStatus apply_key(LayerSpec *spec, const KindRule *rule, const char *key, const char *val, const char *word,
                            NashError *err) {
    if (!key_allowed(rule, key)) return bad_value(err, rule, word, "unknown key");
    bool ok = true;
    if (!strcmp(key, "k"))
        ok = parse_pair(val, &spec->kh, &spec->kw) && spec->kh > 0 && spec->kw > 0;
    else if (!strcmp(key, "s"))
        ok = parse_pair(val, &spec->sh, &spec->sw) && spec->sh > 0 && spec->sw > 0;
    else if (!strcmp(key, "p"))
        ok = parse_pair(val, &spec->ph, &spec->pw) && spec->ph >= 0 && spec->pw >= 0;
    else if (!strcmp(key, "op"))
        ok = parse_pair(val, &spec->oph, &spec->opw) && spec->oph >= 0 && spec->opw >= 0;
    else if (!strcmp(key, "bias"))
        ok = parse_bool(val, &spec->bias);
    else if (!strcmp(key, "seq"))
        ok = parse_bool(val, &spec->seq);
    else if (!strcmp(key, "count_pad"))
        ok = parse_bool(val, &spec->count_include_pad);
    else if (!strcmp(key, "eps"))
        ok = parse_float(val, &spec->eps) && spec->eps > 0.0f;
    else if (!strcmp(key, "momentum"))
        ok = parse_float(val, &spec->momentum) && spec->momentum >= 0.0f && spec->momentum <= 1.0f;
    if (!ok) return bad_value(err, rule, word, "bad value in");
    return NASH_OK;
}

static NashStatus apply_positional(LayerSpec *spec, const KindRule *rule, int index, const char *word, NashError *err) {
    switch (spec->kind) {
    case LAYER_DENSE:
    case LAYER_CONV2D:
    case LAYER_DECONV2D:
    case LAYER_RNN:
    case LAYER_LSTM:
        if (!parse_int(word, &spec->units) || spec->units <= 0)
            return bad_value(err, rule, word, "expected a positive size, got");
        return NASH_OK;
    case LAYER_LEAKY_RELU:
        if (!parse_float(word, &spec->slope)) return bad_value(err, rule, word, "expected a slope, got");
        return NASH_OK;
    case LAYER_DROPOUT:
        if (!parse_float(word, &spec->p) || spec->p < 0.0f || spec->p >= 1.0f)
            return bad_value(err, rule, word, "expected a probability in [0, 1), got");
        return NASH_OK;
    case LAYER_RESHAPE:
        if (!parse_int(word, &spec->target.dim[index]) || spec->target.dim[index] <= 0)
            return bad_value(err, rule, word, "expected a positive dimension, got");
        spec->target.ndim = index + 1;
        return NASH_OK;
    default: return bad_value(err, rule, word, "unexpected word");
    }
}

static NashStatus check_spec(const LayerSpec *spec, const KindRule *rule, const bool *seen_k, NashError *err) {
    bool windowed = spec->kind == LAYER_CONV2D || spec->kind == LAYER_DECONV2D || spec->kind == LAYER_MAXPOOL2D ||
                    spec->kind == LAYER_AVGPOOL2D;
    if (windowed && !*seen_k)
        return nash_fail(err, NASH_ERR_CONFIG, "%s needs a kernel size k= (usage: %s)", layer_kind_name(spec->kind),
                         rule->usage);
    if (spec->kind == LAYER_DECONV2D && (spec->oph >= spec->sh || spec->opw >= spec->sw))
        return nash_fail(err, NASH_ERR_CONFIG, "deconv2d output padding op=%dx%d must be smaller than the stride %dx%d",
                         spec->oph, spec->opw, spec->sh, spec->sw);
    if ((spec->kind == LAYER_MAXPOOL2D || spec->kind == LAYER_AVGPOOL2D) &&
        (2 * spec->ph > spec->kh || 2 * spec->pw > spec->kw))
        return nash_fail(err, NASH_ERR_CONFIG, "%s padding p=%dx%d must be at most half the kernel %dx%d",
                         layer_kind_name(spec->kind), spec->ph, spec->pw, spec->kh, spec->kw);
    return NASH_OK;
}

NashStatus spec_parse(const char *line, LayerSpec *spec, NashError *err) {
    Words w;
    NashStatus st = split_words(line, &w, err);
    if (st) return st;
    if (w.n == 0) return nash_fail(err, NASH_ERR_CONFIG, "empty layer description");
    size_t k;
    for (k = 0; k < N_KINDS; k++)
        if (!strcmp(w.word[0], kind_names[k].name)) break;
    if (k == N_KINDS)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "unknown layer '%s' (known: dense conv2d deconv2d maxpool2d avgpool2d batchnorm relu "
                         "leakyrelu tanh sigmoid reshape flatten dropout rnn lstm)",
                         w.word[0]);
    spec_defaults(spec, kind_names[k].kind);
    const KindRule *rule = rule_for(spec->kind);
    int positional = 0;
    bool seen_k = false, seen_s = false;
    for (int i = 1; i < w.n; i++) {
        char *eq = strchr(w.word[i], '=');
        if (eq) {
            char key[SPEC_WORD_MAX];
            snprintf(key, sizeof key, "%.*s", (int)(eq - w.word[i]), w.word[i]);
            st = apply_key(spec, rule, key, eq + 1, w.word[i], err);
            if (st) return st;
            seen_k |= !strcmp(key, "k");
            seen_s |= !strcmp(key, "s");
        } else {
            if (positional >= rule->pos_max) return bad_value(err, rule, w.word[i], "unexpected word");
            st = apply_positional(spec, rule, positional++, w.word[i], err);
            if (st) return st;
        }
    }
    if (positional < rule->pos_min)
        return nash_fail(err, NASH_ERR_CONFIG, "%s needs more arguments (usage: %s)", layer_kind_name(spec->kind),
                         rule->usage);
    if ((spec->kind == LAYER_MAXPOOL2D || spec->kind == LAYER_AVGPOOL2D) && !seen_s) {
        spec->sh = spec->kh;
        spec->sw = spec->kw;
    }
    return check_spec(spec, rule, &seen_k, err);
}

static void format_pair(char *buf, size_t size, const char *key, int a, int b) {
    if (a == b)
        snprintf(buf, size, " %s=%d", key, a);
    else
        snprintf(buf, size, " %s=%dx%d", key, a, b);
}

void spec_format(const LayerSpec *spec, char *buf, size_t size) {
    char part[64];
    int used = snprintf(buf, size, "%s", layer_kind_name(spec->kind));
#define APPEND()                                                                                                       \
    do {                                                                                                               \
        if (used >= 0 && (size_t)used < size) used += snprintf(buf + used, size - (size_t)used, "%s", part);           \
    } while (0)
    switch (spec->kind) {
    case LAYER_DENSE:
        snprintf(part, sizeof part, " %d%s", spec->units, spec->bias ? "" : " bias=0");
        APPEND();
        break;
    case LAYER_CONV2D:
    case LAYER_DECONV2D:
        snprintf(part, sizeof part, " %d", spec->units);
        APPEND();
        format_pair(part, sizeof part, "k", spec->kh, spec->kw);
        APPEND();
        format_pair(part, sizeof part, "s", spec->sh, spec->sw);
        APPEND();
        format_pair(part, sizeof part, "p", spec->ph, spec->pw);
        APPEND();
        if (spec->kind == LAYER_DECONV2D && (spec->oph || spec->opw)) {
            format_pair(part, sizeof part, "op", spec->oph, spec->opw);
            APPEND();
        }
        if (!spec->bias) {
            snprintf(part, sizeof part, " bias=0");
            APPEND();
        }
        break;
    case LAYER_MAXPOOL2D:
    case LAYER_AVGPOOL2D:
        format_pair(part, sizeof part, "k", spec->kh, spec->kw);
        APPEND();
        format_pair(part, sizeof part, "s", spec->sh, spec->sw);
        APPEND();
        format_pair(part, sizeof part, "p", spec->ph, spec->pw);
        APPEND();
        if (spec->kind == LAYER_AVGPOOL2D && !spec->count_include_pad) {
            snprintf(part, sizeof part, " count_pad=0");
            APPEND();
        }
        break;
    case LAYER_BATCHNORM:
        snprintf(part, sizeof part, " eps=%g momentum=%g", (double)spec->eps, (double)spec->momentum);
        APPEND();
        break;
    case LAYER_LEAKY_RELU:
        snprintf(part, sizeof part, " %g", (double)spec->slope);
        APPEND();
        break;
    case LAYER_DROPOUT:
        snprintf(part, sizeof part, " %g", (double)spec->p);
        APPEND();
        break;
    case LAYER_RNN:
    case LAYER_LSTM:
        snprintf(part, sizeof part, " %d%s%s", spec->units, spec->seq ? "" : " seq=0", spec->bias ? "" : " bias=0");
        APPEND();
        break;
    case LAYER_RESHAPE:
        for (int i = 0; i < spec->target.ndim; i++) {
            snprintf(part, sizeof part, " %d", spec->target.dim[i]);
            APPEND();
        }
        break;
    default: break;
    }
#undef APPEND
}

NashStatus spec_parse_lines(const char *text, LayerSpec *specs, int max, int *count, NashError *err) {
    *count = 0;
    int line_no = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        line_no++;
        char line[512];
        if (len >= sizeof line) return nash_fail(err, NASH_ERR_CONFIG, "line %d: layer description too long", line_no);
        memcpy(line, p, len);
        line[len] = '\0';
        Words w;
        NashStatus st = split_words(line, &w, err);
        if (st) return nash_fail_context(err, "line %d: ", line_no);
        if (w.n > 0) {
            if (*count == max) return nash_fail(err, NASH_ERR_CONFIG, "line %d: more than %d layers", line_no, max);
            if (spec_parse(line, &specs[*count], err)) return nash_fail_context(err, "line %d: ", line_no);
            (*count)++;
        }
        p += len;
        if (*p == '\n') p++;
    }
    return NASH_OK;
}
