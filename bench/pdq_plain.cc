// The baseline of bench/pdq_bench.sh: a plain, textbook PDQ of our own, written straight from
// the published description the way a first implementation would be, because the reference C++
// implementation (facebook/ThreatExchange pdq/cpp, with CImg) cannot be fetched and built here.
// It follows the reference pipeline step by step: full-resolution JPEG decode to RGB (libjpeg,
// as CImg does), nearest-neighbour resize to 512x512 when a side is over 512, luminance, the
// Jarosz tent filter as two box filters per axis over the whole image (a fresh running sum
// per row and per column, the columns walked with a stride), 64x64 decimation, the DCT as two
// matrix products, the quality metric, the median by std::sort, and the 8 dihedral hashes from
// the one DCT. Its hashes equal ours with jpeg_fast_min_side = 0 (checked by the benchmark).
#include <csetjmp>
#include <cstdio>
#include <string>
#include <vector>

#include <jpeglib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace bench {

struct PlainPdq {
  std::array<std::array<uint64_t, 4>, 8> dihedral;
  int quality = 0;
};

namespace {

struct ErrorManager {
  jpeg_error_mgr manager;
  jmp_buf jump;
};

void ErrorExit(j_common_ptr info) { longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1); }

bool DecodeRgb(const std::string& bytes, std::vector<uint8_t>& rgb, int& width, int& height) {
  jpeg_decompress_struct info;
  ErrorManager error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = ErrorExit;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(&info, TRUE);
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  width = static_cast<int>(info.output_width);
  height = static_cast<int>(info.output_height);
  rgb.assign(static_cast<size_t>(width) * height * 3, 0);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = rgb.data() + static_cast<size_t>(info.output_scanline) * width * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

void Box1D(const float* in, float* out, int length, int stride, int window) {
  const int half = (window + 2) / 2;
  for (int i = 0; i < length; ++i) {
    // The window of output i: from i - (window - half) to i + (half - 1), clipped.
    const int lo = std::max(0, i - (window - half));
    const int hi = std::min(length - 1, i + (half - 1));
    float sum = 0;
    for (int k = lo; k <= hi; ++k) sum += in[k * stride];
    out[i * stride] = sum / (hi - lo + 1);
  }
}

std::array<uint64_t, 4> Bits(const float (&dct)[16][16]) {
  std::vector<float> sorted(&dct[0][0], &dct[0][0] + 256);
  std::sort(sorted.begin(), sorted.end());
  const float median = sorted[127];
  std::array<uint64_t, 4> words{};
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      if (dct[i][j] > median) words[(i * 16 + j) / 64] |= uint64_t{1} << ((i * 16 + j) % 64);
    }
  }
  return words;
}

}  // namespace

std::optional<PlainPdq> PlainPdqOfJpeg(const std::string& bytes) {
  std::vector<uint8_t> rgb;
  int width = 0, height = 0;
  if (!DecodeRgb(bytes, rgb, width, height)) return std::nullopt;
  if (width > 512 || height > 512) {
    std::vector<uint8_t> resized(512 * 512 * 3);
    for (int y = 0; y < 512; ++y) {
      for (int x = 0; x < 512; ++x) {
        const size_t from = (static_cast<size_t>(int64_t{y} * height / 512) * width +
                             static_cast<size_t>(int64_t{x} * width / 512)) *
                            3;
        for (int c = 0; c < 3; ++c) resized[(y * 512 + x) * 3 + c] = rgb[from + c];
      }
    }
    rgb.swap(resized);
    width = height = 512;
  }
  std::vector<float> luma(static_cast<size_t>(width) * height), other(luma.size());
  for (size_t p = 0; p < luma.size(); ++p) {
    luma[p] = 0.299f * rgb[3 * p] + 0.587f * rgb[3 * p + 1] + 0.114f * rgb[3 * p + 2];
  }
  PlainPdq result;
  if (width < 5 || height < 5) {
    result.dihedral = {};
    return result;
  }
  const int window_x = (width + 127) / 128, window_y = (height + 127) / 128;
  for (int pass = 0; pass < 2; ++pass) {
    for (int y = 0; y < height; ++y) {
      Box1D(&luma[static_cast<size_t>(y) * width], &other[static_cast<size_t>(y) * width], width, 1,
            window_x);
    }
    for (int x = 0; x < width; ++x) Box1D(&other[x], &luma[x], height, width, window_y);
  }
  float image[64][64];
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) {
      const int y = static_cast<int>(((i + 0.5) * height) / 64);
      const int x = static_cast<int>(((j + 0.5) * width) / 64);
      image[i][j] = luma[static_cast<size_t>(y) * width + x];
    }
  }
  int gradient_sum = 0;
  for (int i = 0; i < 63; ++i) {
    for (int j = 0; j < 64; ++j)
      gradient_sum += std::abs(static_cast<int>((image[i][j] - image[i + 1][j]) * 100 / 255));
  }
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 63; ++j)
      gradient_sum += std::abs(static_cast<int>((image[i][j] - image[i][j + 1]) * 100 / 255));
  }
  result.quality = std::min(100, gradient_sum / 90);
  float d[16][64];
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 64; ++j) {
      d[i][j] =
          static_cast<float>(std::sqrt(2.0 / 64)) * std::cos(M_PI / 128.0 * (i + 1) * (2 * j + 1));
    }
  }
  float t[16][64], dct[16][16];
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 64; ++j) {
      float sum = 0;
      for (int k = 0; k < 64; ++k) sum += d[i][k] * image[k][j];
      t[i][j] = sum;
    }
  }
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      float sum = 0;
      for (int k = 0; k < 64; ++k) sum += t[i][k] * d[j][k];
      dct[i][j] = sum;
    }
  }
  for (int transform = 0; transform < 8; ++transform) {
    float out[16][16];
    for (int i = 0; i < 16; ++i) {
      for (int j = 0; j < 16; ++j) {
        const float v = dct[i][j];
        switch (transform) {
          case 0:
            out[i][j] = v;
            break;
          case 1:
            out[j][i] = (j & 1) ? v : -v;
            break;
          case 2:
            out[i][j] = ((i + j) & 1) ? -v : v;
            break;
          case 3:
            out[j][i] = (i & 1) ? v : -v;
            break;
          case 4:
            out[i][j] = (i & 1) ? v : -v;
            break;
          case 5:
            out[i][j] = (j & 1) ? v : -v;
            break;
          case 6:
            out[j][i] = v;
            break;
          default:
            out[j][i] = ((i + j) & 1) ? -v : v;
            break;
        }
      }
    }
    result.dihedral[transform] = Bits(out);
  }
  return result;
}

}  // namespace bench
