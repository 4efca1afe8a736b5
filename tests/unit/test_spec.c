/* test_spec.c — the one-line layer grammar: parsing, defaults, refusals, round trips. */
#include <string.h>

#include "check.h"
#include "nn/spec.h"

static void parses(const char *line, LayerSpec *spec) {
    NashError err = {0};
    check_true(spec_parse(line, spec, &err) == NASH_OK, "'%s' parses (%s)", line, err.msg);
}

static void refused(const char *line, const char *needle) {
    LayerSpec spec;
    NashError err = {0};
    NashStatus st = spec_parse(line, &spec, &err);
    check_true(st == NASH_ERR_CONFIG, "'%s' is refused", line);
    check_true(strstr(err.msg, needle) != NULL, "'%s': message '%s' mentions '%s'", line, err.msg, needle);
}

static void round_trip(const char *line) {
    LayerSpec a, b;
    char text[160];
    parses(line, &a);
    spec_format(&a, text, sizeof text);
    parses(text, &b);
    check_true(memcmp(&a, &b, sizeof a) == 0, "'%s' -> '%s' parses back to the same spec", line, text);
}

int main(void) {
    LayerSpec s;
    parses("deconv2d 64 k=4 s=2 p=1", &s);
    check_true(s.kind == LAYER_DECONV2D && s.units == 64 && s.kh == 4 && s.kw == 4 && s.sh == 2 && s.pw == 1 &&
                   s.oph == 0 && s.bias,
               "deconv2d fields");
    parses("conv2d 8 k=3x5 s=2x1 p=1x2 bias=0", &s);
    check_true(s.kh == 3 && s.kw == 5 && s.sh == 2 && s.sw == 1 && s.ph == 1 && s.pw == 2 && !s.bias,
               "rectangular conv2d fields");
    parses("maxpool2d k=3", &s);
    check_true(s.sh == 3 && s.sw == 3 && s.ph == 0, "pool stride defaults to the kernel");
    parses("avgpool2d k=2 s=1 count_pad=0", &s);
    check_true(s.sh == 1 && !s.count_include_pad, "avgpool2d count_pad");
    parses("  leakyrelu 0.2   # negative slope", &s);
    check_true(s.kind == LAYER_LEAKY_RELU && s.slope == 0.2f, "leakyrelu slope, comment ignored");
    parses("leakyrelu", &s);
    check_true(s.slope == 0.01f, "leakyrelu default slope is PyTorch's 0.01");
    parses("batchnorm", &s);
    check_true(s.eps == 1e-5f && s.momentum == 0.1f, "batchnorm defaults are PyTorch's");
    parses("reshape 128 7 7", &s);
    check_true(s.target.ndim == 3 && s.target.dim[0] == 128 && s.target.dim[2] == 7, "reshape target");
    parses("dropout 0.5", &s);
    check_true(s.p == 0.5f, "dropout p");
    parses("lstm 32", &s);
    check_true(s.kind == LAYER_LSTM && s.units == 32 && s.seq && s.bias, "lstm: H, all states and bias by default");
    parses("rnn 8 seq=0 bias=0", &s);
    check_true(s.kind == LAYER_RNN && s.units == 8 && !s.seq && !s.bias, "rnn seq=0 bias=0");

    refused("", "empty");
    refused("convolution 3", "unknown layer 'convolution'");
    refused("dense", "needs more arguments");
    refused("dense -3", "positive size");
    refused("dense 3 4", "unexpected word '4'");
    refused("dense 3 k=2", "unknown key 'k=2'");
    refused("conv2d 3 s=2", "needs a kernel size");
    refused("conv2d 3 k=0", "bad value in 'k=0'");
    refused("conv2d 3 k=3 p=-1", "bad value in 'p=-1'");
    refused("conv2d 3 k=3x", "bad value in 'k=3x'");
    refused("deconv2d 3 k=4 s=2 op=2", "output padding");
    refused("maxpool2d k=2 p=2", "at most half the kernel");
    refused("dropout 1", "probability");
    refused("batchnorm momentum=2", "bad value");
    refused("relu 3", "unexpected word '3'");
    refused("dense 4 bias=maybe", "bad value in 'bias=maybe'");
    refused("lstm", "needs more arguments");
    refused("lstm 0", "positive size");
    refused("rnn 4 seq=2", "bad value in 'seq=2'");
    refused("rnn 4 k=3", "unknown key 'k=3'");
    refused("dense 4 seq=0", "unknown key 'seq=0'");

    round_trip("dense 7 bias=0");
    round_trip("conv2d 8 k=3x5 s=2x1 p=1x2 bias=0");
    round_trip("deconv2d 1 k=4 s=2 p=1 op=1");
    round_trip("avgpool2d k=3 s=2 p=1 count_pad=0");
    round_trip("maxpool2d k=2");
    round_trip("batchnorm eps=0.001 momentum=0.3");
    round_trip("leakyrelu 0.2");
    round_trip("reshape 128 7 7");
    round_trip("dropout 0.25");
    round_trip("lstm 32");
    round_trip("lstm 16 seq=0 bias=0");
    round_trip("rnn 5 seq=0");

    LayerSpec many[4];
    int n = 0;
    NashError err = {0};
    check_true(spec_parse_lines("dense 10\n\n  # a comment line\nrelu\ntanh\n", many, 4, &n, &err) == NASH_OK && n == 3,
               "three layers from a block with blank and comment lines (%d, %s)", n, err.msg);
    check_true(spec_parse_lines("dense 10\nrelu\nconv2d 3\n", many, 4, &n, &err) == NASH_ERR_CONFIG &&
                   strstr(err.msg, "line 3: ") == err.msg,
               "errors in a block name the line: '%s'", err.msg);
    check_true(spec_parse_lines("relu\nrelu\nrelu\nrelu\nrelu\n", many, 4, &n, &err) == NASH_ERR_CONFIG,
               "too many layers refused");
    return check_finish("spec");
}
