// PDQ perceptual image hashing (our implementation of the published algorithm, Facebook's
// "The TMK+PDQF and PDQ hashing algorithms", hashing.pdf): luminance, Jarosz tent filter,
// 64x64 decimation, 16x16 DCT, median threshold, a quality score, and the 8 dihedral hashes
// (rotations and flips) from one DCT. Images are decoded by libjpeg-turbo, libpng and libwebp
// (EXIF orientation applied, alpha composited onto white, CMYK and greyscale handled) with the
// pixel count capped, so a decompression bomb is refused before its pixels are allocated.
//
//   detect::PdqHasher hasher({});                 // one per thread: it keeps its buffers
//   ASSIGN_OR_RETURN(detect::PdqResult result, hasher.HashFile("photo.jpg"));
//   std::string hex = result.hash.ToHex();       // 64 hex digits
//   int distance = result.hash.Distance(other);  // Hamming distance, 0..256
//
// As in the reference pipeline (pdq/cpp/io/pdqio.cpp), an image with a side over 512 pixels is
// first resized to 512x512 by nearest neighbour. With jpeg_fast_min_side = 0 the hashes and
// qualities equal the reference's bit for bit (tested on ../shared/testdata/pdq); the default
// fast JPEG decode stays within a few bits of them.
//
// Errors: kInvalidArgument with reason "image_unreadable" (corrupt, truncated, not an image, not
// a regular file), "image_too_large" (over max_pixels or max_file_bytes), "image_empty" (zero
// bytes); HashFile also kNotFound / kPermissionDenied / kInternal for a file it cannot open or
// read. Never throws. The hasher's own buffers are reused from image to image (the decoders
// allocate their working memory per image). Images smaller than 5 pixels on a side hash to zero
// with quality 0, as in the reference.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threathub::detect {

// A 256-bit PDQ hash. Its hex form is the reference implementation's (the form hash lists and
// ../shared/testdata/pdq use); `words` hold the same bits in an order fixed by pdq.cc.
struct PdqHash {
  std::array<uint64_t, 4> words{};

  static std::optional<PdqHash> FromHex(std::string_view hex);  // 64 hex digits, either case
  std::string ToHex() const;                                    // 64 lower-case hex digits
  int Distance(const PdqHash& other) const;                     // Hamming distance
  bool operator==(const PdqHash&) const = default;
};

// The dihedral transforms, in the reference's order: original, rotate 90, rotate 180,
// rotate 270, flip x, flip y, flip plus 1, flip minus 1.
inline constexpr int kDihedralCount = 8;

struct PdqResult {
  PdqHash hash;                                  // of the image as decoded (EXIF applied)
  std::array<PdqHash, kDihedralCount> dihedral;  // dihedral[0] == hash
  int quality = 0;                               // 0..100; below 50 is low confidence
  int width = 0, height = 0;                     // of the image (EXIF applied), at full size
};

struct PdqOptions {
  // Images with more pixels than this are refused ("image_too_large") from their header alone.
  uint64_t max_pixels = 100'000'000;
  // Files larger than this are refused before being read.
  uint64_t max_file_bytes = uint64_t{256} << 20;
  // JPEG speed-ups from libjpeg-turbo: decode scaled by M/8 in the DCT domain, keeping each
  // side at least min(its full size, this) pixels, and take luminance from the JPEG's own Y
  // channel (no chroma upsampling, no colour conversion); of a progressive JPEG, the scans
  // that channel does not read at that scale are not decoded (pdq.cc,
  // kProgressiveLastCoefficient). The hashes then differ from the reference's by a few bits
  // (bench/pdq_results.md has the distances). 0 decodes at full size through RGB, as the
  // reference pipeline does, for hashes identical to it.
  int jpeg_fast_min_side = 384;
};

class PdqHasher {
 public:
  explicit PdqHasher(PdqOptions options);
  ~PdqHasher();
  PdqHasher(const PdqHasher&) = delete;
  PdqHasher& operator=(const PdqHasher&) = delete;

  // JPEG, PNG or WebP by signature (anything else is "image_unreadable").
  absl::StatusOr<PdqResult> HashBytes(std::string_view encoded);
  absl::StatusOr<PdqResult> HashFile(const std::string& path);
  // Hashes decoded luminance directly (tests, benchmarks): `luma` row-major, width*height floats
  // in 0..255.
  PdqResult HashLuma(const float* luma, int width, int height);

 private:
  struct Buffers;
  PdqOptions options_;
  std::unique_ptr<Buffers> buffers_;
};

// Whether the bytes look like an image PdqHasher decodes (JPEG, PNG, WebP signature).
bool LooksLikeImage(std::string_view first_bytes);

}  // namespace threathub::detect
