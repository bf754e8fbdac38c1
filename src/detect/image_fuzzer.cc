// libFuzzer target: image decoding and PDQ hashing of arbitrary bytes (JPEG, PNG, WebP, EXIF).
// Every input must give a hash or an InvalidArgument with one of the three reasons; nothing may
// crash, leak or run past the pixel cap.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/errors.h"
#include "detect/pdq.h"

namespace {

threathub::detect::PdqOptions Options(int jpeg_fast_min_side) {
  threathub::detect::PdqOptions options;
  options.max_pixels = 4'000'000;  // big enough for real images, small enough for the fuzzer
  options.jpeg_fast_min_side = jpeg_fast_min_side;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static threathub::detect::PdqHasher exact(Options(0));
  static threathub::detect::PdqHasher fast(Options(64));
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Both JPEG decoding paths, chosen by the length so that the bytes stay as they are.
  threathub::detect::PdqHasher& hasher = size % 2 == 0 ? exact : fast;
  absl::StatusOr<threathub::detect::PdqResult> result = hasher.HashBytes(bytes);
  if (result.ok()) {
    if (result->quality < 0 || result->quality > 100 || result->dihedral[0] != result->hash) {
      std::abort();
    }
  } else {
    const std::string reason = threathub::base::StatusReason(result.status()).value_or("");
    if (result.status().code() != absl::StatusCode::kInvalidArgument ||
        (reason != "image_unreadable" && reason != "image_too_large" && reason != "image_empty")) {
      std::abort();
    }
  }
  return 0;
}
