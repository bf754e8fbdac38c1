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
