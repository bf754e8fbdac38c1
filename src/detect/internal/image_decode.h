// Image decoding for PDQ: JPEG (libjpeg-turbo), PNG (libpng) and WebP (libwebp) straight to a
// plane of luminance floats with the reference's coefficients (0.299 R + 0.587 G + 0.114 B),
// EXIF orientation applied (JPEG), alpha composited onto white, CMYK/YCCK and greyscale handled.
// The pixel count is checked against the limit from the header, before any pixel buffer is
// allocated. The decoders' error handlers longjmp back here; nothing exits or throws.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace threathub::detect::internal {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp };

ImageFormat SniffFormat(std::string_view bytes);

struct DecodeOptions {
  uint64_t max_pixels = 100'000'000;
  // JPEG only: 0 decodes at full size through RGB (as the reference pipeline does). N > 0 lets
  // libjpeg-turbo scale by M/8 in the DCT domain, keeping the shorter side at least N pixels,
  // and takes luminance from the JPEG's own Y channel (no chroma upsampling or colour
  // conversion).
  int jpeg_fast_min_side = 0;
  // JPEG only, with jpeg_fast_min_side > 0, for progressive Huffman-coded YCbCr or greyscale
  // JPEGs, whose scans libjpeg-turbo all entropy-decodes into a whole-image coefficient buffer
  // before any output. When >= 0, the scans the luminance output does not read are left out of
  // the stream before decoding: every AC scan of a chroma component (the output is the same),
  // and, when the image is scaled to 1/2 or less, the luminance AC scans whose coefficients are
  // all past this zig-zag index (those coefficients then read as zero). A band refined by
  // successive approximation is kept or left out whole. -1 decodes every scan. Either way a
  // fast progressive decode fills coefficients missing from the file with zeros (no block
  // smoothing), so leaving out what the output does not read changes nothing else.
  int jpeg_progressive_last_coefficient = -1;
  // When > 0 and the image has a side over it: JPEGs without an EXIF orientation come out
  // already resampled to sample_side x sample_side by the reference's nearest-neighbour rule
  // (output column x from decoded column floor(x * width / sample_side), rows likewise), with
  // `sampled` set, which spares converting the pixels the resampling would drop.
  int sample_side = 0;
};

// The decoded luminance plane, reused from call to call.
struct LumaImage {
  std::vector<float> pixels;  // height rows of width floats, 0..255
  int width = 0, height = 0;  // of `pixels` (oriented; smaller than the image if scaled)
  int image_width = 0, image_height = 0;  // of the image at full size, oriented
  bool sampled = false;                   // see DecodeOptions::sample_side
  // Scratch buffers kept between calls.
  std::vector<uint8_t> rows;
  // The last progressive JPEG as decoded when scans were left out of it (see
  // jpeg_progressive_last_coefficient), else empty.
  std::vector<uint8_t> stream;
  std::vector<float> rotate;
  std::vector<int> sample_columns;
};

// Errors: kInvalidArgument with reason "image_unreadable", "image_too_large" or "image_empty".
absl::Status DecodeToLuma(std::string_view bytes, const DecodeOptions& options, LumaImage& out);

// Reorients a row-major plane by EXIF orientation 1..8 (the transform that displays it upright);
// `width`/`height` become those of the result. Values outside 2..8 leave it as it is.
void ApplyExifOrientation(int orientation, std::vector<float>& pixels, std::vector<float>& scratch,
                          int& width, int& height);

}  // namespace threathub::detect::internal
