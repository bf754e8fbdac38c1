#include "detect/internal/pdq_filter.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

namespace threathub::detect::internal {
namespace {

constexpr int kOut = 64;      // the decimated image is 64x64
constexpr int kCoeffs = 16;   // the hash keeps 16x16 DCT coefficients
constexpr int kRowLanes = 4;  // rows summed at once: independent chains hide the add latency

// The reference's window: "Round up ... we want half that window size per pass", i.e.
// ceil(old / (2 * new)).
int WindowSize(int old_size) { return (old_size + 2 * kOut - 1) / (2 * kOut); }

// One box filter of `window` along a line of `length` values (downscaling.cpp, box1DFloat): the
// output at i averages the inputs i - (window - half) .. i + (half - 1), clipped to the line,
// with a running sum that adds the entering value and then subtracts the leaving one, in float,
// and divides by the number of values in the window.
struct BoxPhases {
  int warm_up;   // values added before the first output
  int growing;   // outputs while the window still grows
  int full;      // outputs with a full window (add and subtract)
  int draining;  // outputs while the window shrinks
};

BoxPhases Phases(int length, int window) {
  const int half = (window + 2) / 2;
  return {half - 1, window - half + 1, length - window, half - 1};
}

// counts[i]: how many values the window holds at output i.
void WindowCounts(int length, int window, std::vector<int>& counts) {
  const BoxPhases phases = Phases(length, window);
  counts.resize(length);
  int output = 0, count = phases.warm_up;
  for (int i = 0; i < phases.growing; ++i) counts[output++] = ++count;
  for (int i = 0; i < phases.full; ++i) counts[output++] = count;
  for (int i = 0; i < phases.draining; ++i) counts[output++] = --count;
}

// The running sums (not yet divided) of `kLanes` rows at once along their length.
template <int kLanes>
void RowRunningSums(const float* in, size_t in_stride, int length, const BoxPhases& phases,
                    float* out, size_t out_stride) {
  float sums[kLanes] = {};
  int right = 0, left = 0, output = 0;
  for (int i = 0; i < phases.warm_up; ++i, ++right) {
    for (int lane = 0; lane < kLanes; ++lane) sums[lane] += in[lane * in_stride + right];
  }
  for (int i = 0; i < phases.growing; ++i, ++right, ++output) {
    for (int lane = 0; lane < kLanes; ++lane) {
      sums[lane] += in[lane * in_stride + right];
      out[lane * out_stride + output] = sums[lane];
    }
  }
  for (int i = 0; i < phases.full; ++i, ++right, ++left, ++output) {
    for (int lane = 0; lane < kLanes; ++lane) {
      sums[lane] += in[lane * in_stride + right];
      sums[lane] -= in[lane * in_stride + left];
      out[lane * out_stride + output] = sums[lane];
    }
  }
  for (int i = 0; i < phases.draining; ++i, ++left, ++output) {
    for (int lane = 0; lane < kLanes; ++lane) {
      sums[lane] -= in[lane * in_stride + left];
      out[lane * out_stride + output] = sums[lane];
    }
  }
}

// Runs `rows` rows through RowRunningSums, kRowLanes at a time, and hands each block to
// `finish(first_row, lanes)`.
template <typename Finish>
void RowPass(const float* in, int rows, int columns, int window, float* sums, size_t sums_stride,
             bool sums_follow_rows, Finish finish) {
  const BoxPhases phases = Phases(columns, window);
  for (int row = 0; row < rows;) {
    float* out = sums_follow_rows ? sums + static_cast<size_t>(row) * sums_stride : sums;
    const float* source = in + static_cast<size_t>(row) * columns;
    if (rows - row >= kRowLanes) {
      RowRunningSums<kRowLanes>(source, columns, columns, phases, out, sums_stride);
      finish(row, kRowLanes);
      row += kRowLanes;
    } else {
      RowRunningSums<1>(source, columns, columns, phases, out, sums_stride);
      finish(row, 1);
      row += 1;
    }
  }
}

// The box filter down the columns of a rows x columns matrix, all columns at once: calls
// `emit(output_row, sums)` with the running sums of each output row.
template <typename Emit>
void ColumnPass(const float* in, int rows, int columns, int window, std::vector<float>& sums,
                Emit emit) {
  const BoxPhases phases = Phases(rows, window);
  sums.assign(columns, 0.0f);
  float* sum = sums.data();
  int right = 0, left = 0, output = 0;
  auto add = [&](int row) {
    const float* values = in + static_cast<size_t>(row) * columns;
    for (int column = 0; column < columns; ++column) sum[column] += values[column];
  };
  auto subtract = [&](int row) {
    const float* values = in + static_cast<size_t>(row) * columns;
    for (int column = 0; column < columns; ++column) sum[column] -= values[column];
  };
  for (int i = 0; i < phases.warm_up; ++i) add(right++);
  for (int i = 0; i < phases.growing; ++i) {
    add(right++);
    emit(output++, sum);
  }
  for (int i = 0; i < phases.full; ++i) {
    add(right++);
    subtract(left++);
    emit(output++, sum);
  }
  for (int i = 0; i < phases.draining; ++i) {
    subtract(left++);
    emit(output++, sum);
  }
}

// The reference's sample points: "target centers not corners".
std::array<int, kOut> DecimationPoints(int size) {
  std::array<int, kOut> points{};
  for (int i = 0; i < kOut; ++i) points[i] = static_cast<int>(((i + 0.5) * size) / kOut);
  return points;
}

// The reference's 16x64 DCT matrix: row i is cos((pi / 128) (i + 1) (2j + 1)) scaled by
// sqrt(2 / 64), the scale a float and the product computed in double.
struct DctMatrix {
  float rows[kCoeffs][kOut];        // D
  float transposed[kOut][kCoeffs];  // D^T
  DctMatrix() {
    const float scale = std::sqrt(2.0 / double{kOut});
    for (int i = 0; i < kCoeffs; ++i) {
      for (int j = 0; j < kOut; ++j) {
        rows[i][j] =
            scale * std::cos((std::numbers::pi / 2.0 / double{kOut}) * (i + 1) * (2 * j + 1));
        transposed[j][i] = rows[i][j];
      }
    }
  }
};

const DctMatrix& Dct() {
  static const DctMatrix matrix;
  return matrix;
}

}  // namespace

void JaroszDecimate64(float* luma, int width, int height, PdqWork& work, Matrix64& out) {
  const int window_x = WindowSize(width);   // along each row
  const int window_y = WindowSize(height);  // down each column
  const std::array<int, kOut> rows_kept = DecimationPoints(height);
  const std::array<int, kOut> columns_kept = DecimationPoints(width);
  const size_t pixels = static_cast<size_t>(width) * height;
  work.full.resize(pixels);
  std::vector<int>& counts = work.counts;

  // Pass 1, along the rows: luma -> full, every value.
  WindowCounts(width, window_x, counts);
  float* full = work.full.data();
  RowPass(luma, height, width, window_x, full, width, /*sums_follow_rows=*/true,
          [&](int first_row, int lanes) {
            for (int lane = 0; lane < lanes; ++lane) {
              float* row = full + static_cast<size_t>(first_row + lane) * width;
              for (int x = 0; x < width; ++x) row[x] = row[x] / counts[x];
            }
          });

  // Pass 2, down the columns: full -> luma, every value.
  {
    std::vector<int> column_counts;
    WindowCounts(height, window_y, column_counts);
    ColumnPass(full, height, width, window_y, work.column_sums, [&](int row, const float* sum) {
      float* target = luma + static_cast<size_t>(row) * width;
      const float count = static_cast<float>(column_counts[row]);
      for (int x = 0; x < width; ++x) target[x] = sum[x] / count;
    });
    counts.swap(column_counts);
    WindowCounts(width, window_x, counts);
  }

  // Pass 3, along the rows again: only the 64 columns the decimation keeps are needed, but the
  // running sum goes through every value.
  work.narrow.resize(static_cast<size_t>(height) * kOut);
  work.row_sums.resize(static_cast<size_t>(kRowLanes) * width);
  float* narrow = work.narrow.data();
  const float* row_sums = work.row_sums.data();
  RowPass(luma, height, width, window_x, work.row_sums.data(), width, /*sums_follow_rows=*/false,
          [&](int first_row, int lanes) {
            for (int lane = 0; lane < lanes; ++lane) {
              const float* sums = row_sums + static_cast<size_t>(lane) * width;
              float* target = narrow + static_cast<size_t>(first_row + lane) * kOut;
              for (int k = 0; k < kOut; ++k) {
                target[k] = sums[columns_kept[k]] / counts[columns_kept[k]];
              }
            }
          });

  // Pass 4, down the 64 kept columns, written only at the 64 kept rows.
  WindowCounts(height, window_y, counts);
  int next_kept = 0;
  ColumnPass(narrow, height, kOut, window_y, work.column_sums, [&](int row, const float* sum) {
    while (next_kept < kOut && rows_kept[next_kept] == row) {
      const float count = static_cast<float>(counts[row]);
      for (int k = 0; k < kOut; ++k) out[next_kept][k] = sum[k] / count;
      ++next_kept;
    }
  });
}

int QualityMetric(const Matrix64& image) {
  int gradient_sum = 0;
  for (int i = 0; i < kOut - 1; ++i) {
    for (int j = 0; j < kOut; ++j) {
      const int step = static_cast<int>(((image[i][j] - image[i + 1][j]) * 100) / 255);
      gradient_sum += std::abs(step);
    }
  }
  for (int i = 0; i < kOut; ++i) {
    for (int j = 0; j < kOut - 1; ++j) {
      const int step = static_cast<int>(((image[i][j] - image[i][j + 1]) * 100) / 255);
      gradient_sum += std::abs(step);
    }
  }
  return std::min(gradient_sum / 90, 100);
}

void Dct64To16(const Matrix64& image, Matrix16& out) {
  const DctMatrix& dct = Dct();
  // T = D A, summed over k in order for each (i, j), 64 j at a time.
  float partial[kCoeffs][kOut];
  for (int i = 0; i < kCoeffs; ++i) {
    float sums[kOut] = {};
    for (int k = 0; k < kOut; ++k) {
      const float weight = dct.rows[i][k];
      const float* values = image[k].data();
      for (int j = 0; j < kOut; ++j) sums[j] += weight * values[j];
    }
    std::copy(sums, sums + kOut, partial[i]);
  }
  // B = T D^T, again in order of k.
  for (int i = 0; i < kCoeffs; ++i) {
    float sums[kCoeffs] = {};
    for (int k = 0; k < kOut; ++k) {
      const float value = partial[i][k];
      const float* weights = dct.transposed[k];
      for (int j = 0; j < kCoeffs; ++j) sums[j] += value * weights[j];
    }
    std::copy(sums, sums + kCoeffs, out[i].data());
  }
}

std::array<uint64_t, 4> ThresholdAtMedian(const Matrix16& coefficients) {
  std::array<float, kCoeffs * kCoeffs> values;
  for (int i = 0; i < kCoeffs; ++i) {
    std::copy(coefficients[i].begin(), coefficients[i].end(), values.begin() + i * kCoeffs);
  }
  // Torben's median, as the reference uses, is the lower median of an even count.
  constexpr int kMedianRank = (kCoeffs * kCoeffs + 1) / 2 - 1;
  std::nth_element(values.begin(), values.begin() + kMedianRank, values.end());
  const float median = values[kMedianRank];
  std::array<uint64_t, 4> words{};
  for (int i = 0; i < kCoeffs; ++i) {
    for (int j = 0; j < kCoeffs; ++j) {
      if (coefficients[i][j] > median) {
        const int bit = i * kCoeffs + j;
        words[bit >> 6] |= uint64_t{1} << (bit & 63);
      }
    }
  }
  return words;
}

void DihedralDct(const Matrix16& original, int transform, Matrix16& out) {
  // Coefficient (i, j) is of frequencies (i + 1, j + 1): mirroring an axis negates the
  // coefficients of odd frequency along it (even index); a quarter turn is a mirror plus a
  // transpose (the sign patterns of pdqhashing.cpp's dct16OriginalTo* functions).
  for (int i = 0; i < kCoeffs; ++i) {
    for (int j = 0; j < kCoeffs; ++j) {
      const float value = original[i][j];
      const bool i_odd = i & 1, j_odd = j & 1, sum_odd = (i + j) & 1;
      switch (transform) {
        case 0:  // original
          out[i][j] = value;
          break;
        case 1:  // rotate 90
          out[j][i] = j_odd ? value : -value;
          break;
        case 2:  // rotate 180
          out[i][j] = sum_odd ? -value : value;
          break;
        case 3:  // rotate 270
          out[j][i] = i_odd ? value : -value;
          break;
        case 4:  // flip x
          out[i][j] = i_odd ? value : -value;
          break;
        case 5:  // flip y
          out[i][j] = j_odd ? value : -value;
          break;
        case 6:  // flip plus 1 (transpose)
          out[j][i] = value;
          break;
        default:  // flip minus 1 (anti-transpose)
          out[j][i] = sum_odd ? -value : value;
          break;
      }
    }
  }
}

}  // namespace threathub::detect::internal
