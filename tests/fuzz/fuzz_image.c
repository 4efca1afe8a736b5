/* fuzz_image.c — libFuzzer target: the picture decoders of `nash data images` (image/decode.h)
 * and what the importer does next with a picture (image_to_channels, image_fit).
 *
 * Input: the bytes of a file, PNG or JPEG or anything else (the format comes from the first bytes,
 * as for a real file). Decoded from memory with a limit of 1 << 22 pixels, so a header that
 * claims a huge picture is refused before any allocation. Checked: a refusal has a status and a
 * message naming the input; an accepted picture has a positive size within the limit and 1 to 4
 * channels, and all its bytes are touched (ASan sees a short buffer); it is then brought to 3 and
 * to 1 channel at 17x17, cropped and not, as the importer does.
 */
#include <string.h>

#include "fuzz_util.h"
#include "image/decode.h"

#define FUZZ_MAX_PIXELS ((int64_t)1 << 22)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Image im;
    NashError err = {0};
    NashStatus st = image_decode_memory(data, size, "input", FUZZ_MAX_PIXELS, &im, &err);
    if (st != NASH_OK) {
        fuzz_require(err.code == st && strncmp(err.msg, "input: ", 7) == 0, "a refusal names the input");
        fuzz_require(im.px == NULL, "a refusal leaves no pixels");
        return 0;
    }
    fuzz_require(im.w > 0 && im.h > 0 && (int64_t)im.w * im.h <= FUZZ_MAX_PIXELS, "a size within the limit");
    fuzz_require(im.channels >= 1 && im.channels <= 4, "1 to 4 channels");
    unsigned sum = 0;
    size_t n = (size_t)im.w * (size_t)im.h * (size_t)im.channels;
    for (size_t i = 0; i < n; i++) sum += im.px[i];
    fuzz_require(sum <= 255u * n, "pixels read");
    for (int c = 1; c <= 3; c += 2) {
        for (int crop = 0; crop <= 1; crop++) {
            Image copy;
            fuzz_require(image_resize(&im, im.w, im.h, &copy), "a copy");
            fuzz_require(image_to_channels(&copy, c) && image_fit(&copy, 17, crop), "fit to 17x17");
            fuzz_require(copy.w == 17 && copy.h == 17 && copy.channels == c, "17x17 with the channels asked");
            image_free(&copy);
        }
    }
    image_free(&im);
    return 0;
}
