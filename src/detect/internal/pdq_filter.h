// The numeric core of PDQ: Jarosz tent filter and 64x64 decimation, the 16x16 DCT, the quality
// metric and the median threshold. Every value is computed by the same sequence of float
// operations as the reference (pdq/cpp/downscaling/downscaling.cpp, pdq/cpp/hashing/
// pdqhashing.cpp in facebook/ThreatExchange), so the hashes are bit-identical; only the order in
// which independent values are computed differs (several rows at once, columns as vectors, and
// only the outputs the decimation keeps).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace threathub::detect::internal {

// Scratch space for one image, grown as needed and kept between images.
struct PdqWork {
  std::vector<float> full;      // width*height: the first horizontal pass
  std::vector<float> row_sums;  // a few rows of running sums
  std::vector<float> narrow;    // height x 64: the second horizontal pass at the kept columns
  std::vector<float> column_sums;
  std::vector<int> counts;
};

using Matrix64 = std::array<std::array<float, 64>, 64>;
using Matrix16 = std::array<std::array<float, 16>, 16>;

// Blurs `luma` (width*height, row-major, overwritten) with two box-filter passes per axis, the
// windows the reference computes from the size, and samples the 64x64 result at the reference's
// points. Needs width, height >= 1.
void JaroszDecimate64(float* luma, int width, int height, PdqWork& work, Matrix64& out);

// The reference's quality metric (gradient sum) of the decimated image: 0..100.
int QualityMetric(const Matrix64& image);

// Coefficients (1..16)x(1..16) of the 2-D DCT of the 64x64 image.
void Dct64To16(const Matrix64& image, Matrix16& out);

// The 256 bits: coefficient (i, j) above the median (the 128th smallest) sets bit i*16+j, bit k
// being bit k%64 of words[k/64].
std::array<uint64_t, 4> ThresholdAtMedian(const Matrix16& coefficients);

// The DCT of a dihedral transform of the image, from the DCT of the image (sign flips and a
// transpose), `transform` in the reference's order 0..7.
void DihedralDct(const Matrix16& original, int transform, Matrix16& out);

}  // namespace threathub::detect::internal
