#include "detect/pdq.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/errors.h"
#include "base/status_macros.h"
#include "detect/internal/image_decode.h"
#include "detect/internal/pdq_filter.h"

namespace threathub::detect {
namespace {

// The reference hashes nothing smaller (pdqhashing.cpp, MIN_HASHABLE_DIM).
constexpr int kMinHashableSide = 5;
// The reference pipeline (pdqio.cpp, DOWNSAMPLE_DIMS) first resizes an image with a side over
// 512 to 512x512, aspect ratio not kept, by CImg's default nearest-neighbour resize: output
// column x takes input column floor(x * width / 512), and likewise for rows.
constexpr int kDownsampleSide = 512;

// Resamples `luma` (width x height) to kDownsampleSide squared as the reference does.
void NearestTo512(const float* luma, int width, int height, std::vector<float>& out) {
  out.resize(size_t{kDownsampleSide} * kDownsampleSide);
  int columns[kDownsampleSide];
  for (int x = 0; x < kDownsampleSide; ++x) {
    columns[x] = static_cast<int>(int64_t{x} * width / kDownsampleSide);
  }
  for (int y = 0; y < kDownsampleSide; ++y) {
    const float* row = luma + static_cast<size_t>(int64_t{y} * height / kDownsampleSide) * width;
    float* target = out.data() + static_cast<size_t>(y) * kDownsampleSide;
    for (int x = 0; x < kDownsampleSide; ++x) target[x] = row[columns[x]];
  }
}

// A progressive JPEG decoded fast at 1/2 scale or less (so at least 768 pixels a side at full
// size) keeps of its luminance AC coefficients only the zig-zag indices 1..5, the (u, v) with
// u + v <= 2, up to one cycle per 8x8 block; the scans of the others are not decoded. Each block
// is then at most 1/96 of a side, under 6 pixels of the 512x512 image PDQ filters with two
// passes of an 8-pixel box (the Jarosz tent) down to 64x64, which leaves almost nothing of the
// higher frequencies. Measured (bench/pdq_results.md): the same hashes on the test data's
// progressive JPEGs as decoding every scan, and on 100 generated JPEGs made progressive with the
// test data's scan script the same worst distance to the exact decode (8 bits, mean 3.00 against
// 3.02). Index 0 (the DC alone) cost up to 2 more bits.
constexpr int kProgressiveLastCoefficient = 5;

int HexValue(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

absl::Status FileError(const std::string& path, int error) {
  const std::string message = "cannot read " + path + ": " + std::strerror(error);
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

// The reference prints its sixteen 16-bit words from the last to the first (pdqhashtypes.cpp);
// word w holds bits 16w..16w+15, which are bits 16(w%4).. of words[w/4] here, so the hex form is
// words[3], words[2], words[1], words[0], each as 16 hex digits.
std::optional<PdqHash> PdqHash::FromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  PdqHash hash;
  for (int digit_idx = 0; digit_idx < 64; ++digit_idx) {
    const int value = HexValue(hex[digit_idx]);
    if (value < 0) return std::nullopt;
    uint64_t& word = hash.words[3 - digit_idx / 16];
    word = (word << 4) | static_cast<uint64_t>(value);
  }
  return hash;
}

std::string PdqHash::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (int digit_idx = 0; digit_idx < 64; ++digit_idx) {
    const uint64_t word = words[3 - digit_idx / 16];
    hex[digit_idx] = kDigits[(word >> (60 - 4 * (digit_idx % 16))) & 0xf];
  }
  return hex;
}

int PdqHash::Distance(const PdqHash& other) const {
  int distance = 0;
  for (int word_idx = 0; word_idx < 4; ++word_idx) {
    distance += __builtin_popcountll(words[word_idx] ^ other.words[word_idx]);
  }
  return distance;
}

struct PdqHasher::Buffers {
  internal::LumaImage image;
  internal::PdqWork work;
  std::vector<float> luma_copy;
  std::vector<float> downsampled;
  std::string file;
  internal::Matrix64 decimated;
  internal::Matrix16 coefficients;
  internal::Matrix16 transformed;

  // Hashes `luma` (overwritten unless resampled) into `result`, all but width and height;
  // `resample` is whether the image (at full size) has a side over kDownsampleSide.
  void Hash(float* luma, int width, int height, bool resample, PdqResult& result) {
    result.quality = 0;
    result.hash = PdqHash{};
    result.dihedral.fill(PdqHash{});
    if (resample && width > 0 && height > 0) {
      NearestTo512(luma, width, height, downsampled);
      luma = downsampled.data();
      width = height = kDownsampleSide;
    }
    if (width < kMinHashableSide || height < kMinHashableSide) return;
    internal::JaroszDecimate64(luma, width, height, work, decimated);
    result.quality = internal::QualityMetric(decimated);
    internal::Dct64To16(decimated, coefficients);
    for (int transform = 0; transform < kDihedralCount; ++transform) {
      internal::DihedralDct(coefficients, transform, transformed);
      result.dihedral[transform].words = internal::ThresholdAtMedian(transformed);
    }
    result.hash = result.dihedral[0];
  }
};

PdqHasher::PdqHasher(PdqOptions options)
    : options_(options), buffers_(std::make_unique<Buffers>()) {}

PdqHasher::~PdqHasher() = default;

absl::StatusOr<PdqResult> PdqHasher::HashBytes(std::string_view encoded) {
  if (encoded.size() > options_.max_file_bytes) {
    return base::WithReason(
        absl::InvalidArgumentError("image too large: " + std::to_string(encoded.size()) +
                                   " bytes is over " + std::to_string(options_.max_file_bytes)),
        "image_too_large");
  }
  internal::DecodeOptions decode;
  decode.max_pixels = options_.max_pixels;
  decode.jpeg_fast_min_side = options_.jpeg_fast_min_side;
  decode.sample_side = kDownsampleSide;
  if (options_.jpeg_fast_min_side > 0) {
    decode.jpeg_progressive_last_coefficient = kProgressiveLastCoefficient;
  }
  internal::LumaImage& image = buffers_->image;
  RETURN_IF_ERROR(internal::DecodeToLuma(encoded, decode, image));
  PdqResult result;
  // The reference resamples by the size of the image itself; a JPEG may have been decoded
  // smaller, or already resampled by the decoder.
  const bool resample = !image.sampled && (image.image_width > kDownsampleSide ||
                                           image.image_height > kDownsampleSide);
  buffers_->Hash(image.pixels.data(), image.width, image.height, resample, result);
  result.width = image.image_width;
  result.height = image.image_height;
  return result;
}

absl::StatusOr<PdqResult> PdqHasher::HashFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, errno);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return FileError(path, error);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return base::WithReason(
        absl::InvalidArgumentError("image unreadable: " + path + " is not a regular file"),
        "image_unreadable");
  }
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (size > options_.max_file_bytes) {
    ::close(fd);
    return base::WithReason(
        absl::InvalidArgumentError("image too large: " + path + " has " + std::to_string(size) +
                                   " bytes, over " + std::to_string(options_.max_file_bytes)),
        "image_too_large");
  }
  std::string& bytes = buffers_->file;
  bytes.resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t got = ::read(fd, bytes.data() + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return FileError(path, error);
    }
    if (got == 0) break;  // the file shrank while we read it
    done += static_cast<size_t>(got);
  }
  ::close(fd);
  bytes.resize(done);
  return HashBytes(bytes);
}

PdqResult PdqHasher::HashLuma(const float* luma, int width, int height) {
  PdqResult result;
  result.width = width;
  result.height = height;
  if (width <= 0 || height <= 0) {
    buffers_->Hash(nullptr, 0, 0, false, result);
    return result;
  }
  if (width > kDownsampleSide || height > kDownsampleSide) {
    // Hash only reads the image it resamples.
    buffers_->Hash(const_cast<float*>(luma), width, height, true, result);
    return result;
  }
  std::vector<float>& copy = buffers_->luma_copy;
  copy.assign(luma, luma + static_cast<size_t>(width) * height);
  buffers_->Hash(copy.data(), width, height, false, result);
  return result;
}

bool LooksLikeImage(std::string_view first_bytes) {
  return internal::SniffFormat(first_bytes) != internal::ImageFormat::kUnknown;
}

}  // namespace threathub::detect
