// PDQ benchmarks, driven by bench/pdq_bench.sh:
//   pdq_bench generate DIR COUNT SEED      JPEGs of varied sizes (640x480 .. 4000x3000)
//   pdq_bench hash IMPL LIST [ROUNDS]      images/s of one implementation over the files of LIST
//                                          (one path a line; reading and decoding included).
//                                          IMPL: ours (defaults), ours-exact (full decode,
//                                          jpeg_fast_min_side 0), ours-min=N, plain
//   pdq_bench compare LIST [MIN_SIDE...]   hash distances: fast decodes against the exact one,
//                                          and the plain baseline against the exact one
//   pdq_bench match STRATEGY COUNT QUERIES queries/s of PdqIndex with COUNT random hashes and
//                                          planted neighbours, max distance 31, 8 dihedrals.
//                                          STRATEGY: auto, mih, linear-avx512, linear-avx2,
//                                          linear-portable
//   pdq_bench isas                         the linear scan's instruction sets on this CPU
#include <cstddef>
#include <cstdio>
// jpeglib.h needs size_t and FILE first.
#include <jpeglib.h>

#include <time.h>
#include <algorithm>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "detect/pdq.h"
#include "detect/pdq_index.h"

namespace bench {
struct PlainPdq {
  std::array<std::array<uint64_t, 4>, 8> dihedral;
  int quality = 0;
};
std::optional<PlainPdq> PlainPdqOfJpeg(const std::string& bytes);
}  // namespace bench

namespace {

using threathub::detect::PdqHash;
using threathub::detect::PdqHasher;
using threathub::detect::PdqOptions;
using Clock = std::chrono::steady_clock;

// This process's CPU time: on a shared machine, other work on our core stretches the wall clock
// but not this.
double CpuSeconds() {
  timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> ReadList(const std::string& path) {
  std::vector<std::string> files;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) files.push_back(line);
  }
  return files;
}

// A photograph-like test image: smooth shading from a few random waves, random rectangles and
// discs, and grain, so that its PDQ hash has quality and its JPEG costs what a photo costs.
void Synthesize(int width, int height, std::mt19937& random, std::vector<uint8_t>& rgb) {
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  rgb.resize(static_cast<size_t>(width) * height * 3);
  float waves[4][4];
  for (auto& wave : waves) {
    wave[0] = unit(random) * 12.0f / width, wave[1] = unit(random) * 12.0f / height;
    wave[2] = unit(random) * 6.28f, wave[3] = 40.0f + 40.0f * unit(random);
  }
  float tint[3] = {0.6f + 0.4f * unit(random), 0.6f + 0.4f * unit(random),
                   0.6f + 0.4f * unit(random)};
  std::vector<float> row_base(width);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      float value = 128.0f;
      for (const auto& wave : waves)
        value += wave[3] * std::sin(wave[0] * x + wave[1] * y + wave[2]);
      row_base[x] = value;
    }
    uint8_t* row = rgb.data() + static_cast<size_t>(y) * width * 3;
    for (int x = 0; x < width; ++x) {
      const int grain = static_cast<int>(random() % 17) - 8;
      for (int c = 0; c < 3; ++c) {
        row[3 * x + c] = static_cast<uint8_t>(
            std::clamp(static_cast<int>(row_base[x] * tint[c]) + grain, 0, 255));
      }
    }
  }
  for (int shape = 0; shape < 12; ++shape) {
    const int x0 = random() % width, y0 = random() % height;
    const int size = 1 + random() % std::max(1, std::min(width, height) / 3);
    const uint8_t color[3] = {static_cast<uint8_t>(random()), static_cast<uint8_t>(random()),
                              static_cast<uint8_t>(random())};
    const bool disc = shape % 2 == 0;
    for (int y = std::max(0, y0 - size); y < std::min(height, y0 + size); ++y) {
      for (int x = std::max(0, x0 - size); x < std::min(width, x0 + size); ++x) {
        if (disc && (x - x0) * (x - x0) + (y - y0) * (y - y0) > size * size) continue;
        uint8_t* pixel = rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
        for (int c = 0; c < 3; ++c) pixel[c] = static_cast<uint8_t>((pixel[c] + 3 * color[c]) / 4);
      }
    }
  }
}

bool WriteJpeg(const std::string& path, const std::vector<uint8_t>& rgb, int width, int height,
               int quality) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  jpeg_compress_struct info;
  jpeg_error_mgr error;
  info.err = jpeg_std_error(&error);
  jpeg_create_compress(&info);
  jpeg_stdio_dest(&info, file);
  info.image_width = width;
  info.image_height = height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    JSAMPROW row =
        const_cast<uint8_t*>(rgb.data()) + static_cast<size_t>(info.next_scanline) * width * 3;
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return std::fclose(file) == 0;
}

int Generate(const std::string& dir, int count, unsigned seed) {
  static const int kSizes[][2] = {{640, 480},   {800, 600},   {1024, 768},  {1280, 720},
                                  {1280, 960},  {1600, 1200}, {1920, 1080}, {2048, 1536},
                                  {2560, 1440}, {3000, 2000}, {3264, 2448}, {4000, 3000},
                                  {480, 640},   {1080, 1920}, {3000, 4000}};
  std::mt19937 random(seed);
  std::vector<uint8_t> rgb;
  for (int image_idx = 0; image_idx < count; ++image_idx) {
    const auto& size = kSizes[image_idx % std::size(kSizes)];
    Synthesize(size[0], size[1], random, rgb);
    char name[64];
    std::snprintf(name, sizeof(name), "/gen-%04d-%dx%d.jpg", image_idx, size[0], size[1]);
    if (!WriteJpeg(dir + name, rgb, size[0], size[1], 80 + static_cast<int>(random() % 16))) {
      std::cerr << "cannot write " << dir << name << "\n";
      return 1;
    }
  }
  return 0;
}

PdqHash Words(const std::array<uint64_t, 4>& words) {
  PdqHash hash;
  hash.words = words;
  return hash;
}

int Hash(const std::string& impl, const std::string& list, int rounds) {
  const std::vector<std::string> files = ReadList(list);
  PdqOptions options;
  if (impl == "ours-exact") options.jpeg_fast_min_side = 0;
  if (impl.rfind("ours-min=", 0) == 0) options.jpeg_fast_min_side = std::stoi(impl.substr(9));
  PdqHasher hasher(options);
  const bool plain = impl == "plain";
  uint64_t checksum = 0;
  size_t failures = 0;
  const double cpu_start = CpuSeconds();
  const auto start = Clock::now();
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& file : files) {
      if (plain) {
        std::optional<bench::PlainPdq> result = bench::PlainPdqOfJpeg(ReadFile(file));
        if (!result)
          ++failures;
        else
          checksum += result->dihedral[0][0] + result->quality;
      } else {
        absl::StatusOr<threathub::detect::PdqResult> result = hasher.HashFile(file);
        if (!result.ok())
          ++failures;
        else
          checksum += result->hash.words[0] + result->quality;
      }
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_seconds = CpuSeconds() - cpu_start;
  const double images = static_cast<double>(files.size()) * rounds;
  std::printf(
      "impl=%s images=%.0f seconds=%.3f images_per_s=%.2f cpu_seconds=%.3f "
      "images_per_cpu_s=%.2f failures=%zu checksum=%llx\n",
      impl.c_str(), images, seconds, images / seconds, cpu_seconds, images / cpu_seconds, failures,
      static_cast<unsigned long long>(checksum));
  return failures == 0 ? 0 : 1;
}

int Compare(const std::string& list, const std::vector<int>& min_sides) {
  const std::vector<std::string> files = ReadList(list);
  PdqOptions exact_options;
  exact_options.jpeg_fast_min_side = 0;
  PdqHasher exact(exact_options);
  std::vector<threathub::detect::PdqResult> reference;
  int plain_worst = 0, plain_total = 0, plain_quality_flips = 0;
  for (const std::string& file : files) {
    absl::StatusOr<threathub::detect::PdqResult> result = exact.HashFile(file);
    if (!result.ok()) {
      std::cerr << file << ": " << result.status() << "\n";
      return 1;
    }
    reference.push_back(*result);
    std::optional<bench::PlainPdq> plain = bench::PlainPdqOfJpeg(ReadFile(file));
    if (!plain) return 1;
    int worst = 0;
    for (int transform = 0; transform < 8; ++transform) {
      worst =
          std::max(worst, Words(plain->dihedral[transform]).Distance(result->dihedral[transform]));
    }
    plain_worst = std::max(plain_worst, worst);
    plain_total += worst;
    plain_quality_flips += (plain->quality >= 50) != (result->quality >= 50);
  }
  std::printf("plain-vs-exact files=%zu worst=%d mean=%.3f quality_verdict_flips=%d\n",
              files.size(), plain_worst, static_cast<double>(plain_total) / files.size(),
              plain_quality_flips);
  for (int min_side : min_sides) {
    PdqOptions options;
    options.jpeg_fast_min_side = min_side;
    PdqHasher fast(options);
    int worst = 0, total = 0, over10 = 0, flips = 0;
    int histogram[5] = {};  // 0, 1-2, 3-5, 6-10, >10
    for (size_t file_idx = 0; file_idx < files.size(); ++file_idx) {
      absl::StatusOr<threathub::detect::PdqResult> result = fast.HashFile(files[file_idx]);
      if (!result.ok()) return 1;
      const int distance = result->hash.Distance(reference[file_idx].hash);
      worst = std::max(worst, distance);
      total += distance;
      over10 += distance > 10;
      flips += (result->quality >= 50) != (reference[file_idx].quality >= 50);
      histogram[distance == 0    ? 0
                : distance <= 2  ? 1
                : distance <= 5  ? 2
                : distance <= 10 ? 3
                                 : 4]++;
    }
    std::printf(
        "fast-vs-exact min_side=%d files=%zu worst=%d mean=%.3f over_10=%d "
        "quality_verdict_flips=%d "
        "histogram[0|1-2|3-5|6-10|>10]=%d|%d|%d|%d|%d\n",
        min_side, files.size(), worst, static_cast<double>(total) / files.size(), over10, flips,
        histogram[0], histogram[1], histogram[2], histogram[3], histogram[4]);
  }
  return 0;
}

PdqHash RandomHash(std::mt19937_64& random) {
  PdqHash hash;
  for (uint64_t& word : hash.words) word = random();
  return hash;
}

int Match(const std::string& strategy, size_t count, int query_count) {
  std::mt19937_64 random(1234);
  std::vector<std::array<PdqHash, threathub::detect::kDihedralCount>> queries(query_count);
  for (auto& query : queries) {
    for (PdqHash& hash : query) hash = RandomHash(random);
  }
  threathub::detect::PdqIndex index;
  index.Reserve(count + queries.size() * 4);
  for (size_t hash_idx = 0; hash_idx < count; ++hash_idx) {
    index.Add(RandomHash(random), static_cast<int64_t>(hash_idx));
  }
  // Planted neighbours: for every query, stored hashes at distances 0, 10, 25 and 31 from one of
  // its dihedrals.
  int64_t id = static_cast<int64_t>(count);
  for (const auto& query : queries) {
    for (int distance : {0, 10, 25, 31}) {
      PdqHash near = query[random() % threathub::detect::kDihedralCount];
      for (int flip = 0; flip < distance; ++flip) {
        near.words[flip / 64] ^= uint64_t{1} << (flip * 7 % 64);  // distinct bits
      }
      index.Add(near, id++);
    }
  }
  const auto build_start = Clock::now();
  index.Build();
  const double build_seconds = std::chrono::duration<double>(Clock::now() - build_start).count();
  std::vector<threathub::detect::PdqMatch> matches;
  size_t found = 0;
  const double cpu_start = CpuSeconds();
  const auto start = Clock::now();
  for (const auto& query : queries) {
    matches.clear();
    if (strategy == "auto") {
      index.Query(query, 31, matches, threathub::detect::PdqScan::kAuto);
    } else if (strategy == "mih") {
      index.Query(query, 31, matches, threathub::detect::PdqScan::kMultiIndex);
    } else if (strategy.rfind("linear-", 0) == 0) {
      index.QueryLinearWithIsa(strategy.substr(7), query, threathub::detect::kDihedralCount, 31,
                               matches);
    } else {
      std::cerr << "unknown strategy " << strategy << "\n";
      return 2;
    }
    found += matches.size();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_seconds = CpuSeconds() - cpu_start;
  std::printf(
      "strategy=%s stored=%zu queries=%d seconds=%.3f queries_per_s=%.1f "
      "queries_per_cpu_s=%.1f matches=%zu build_seconds=%.2f cpu_isa=%s\n",
      strategy.c_str(), index.size(), query_count, seconds, query_count / seconds,
      query_count / cpu_seconds, found, build_seconds,
      std::string(threathub::detect::PdqIndex::LinearScanIsa()).c_str());
  // Every planted neighbour must be found.
  return found >= queries.size() * 4 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 4 && args[0] == "generate") {
    return Generate(args[1], std::stoi(args[2]), static_cast<unsigned>(std::stoul(args[3])));
  }
  if (args.size() >= 3 && args[0] == "hash") {
    return Hash(args[1], args[2], args.size() >= 4 ? std::stoi(args[3]) : 1);
  }
  if (args.size() >= 2 && args[0] == "compare") {
    std::vector<int> min_sides;
    for (size_t arg_idx = 2; arg_idx < args.size(); ++arg_idx)
      min_sides.push_back(std::stoi(args[arg_idx]));
    return Compare(args[1], min_sides);
  }
  if (args.size() == 1 && args[0] == "isas") {
    for (std::string_view isa : threathub::detect::PdqIndex::AvailableLinearScanIsas()) {
      std::printf("%s\n", std::string(isa).c_str());
    }
    return 0;
  }
  if (args.size() >= 4 && args[0] == "match") {
    return Match(args[1], std::stoul(args[2]), std::stoi(args[3]));
  }
  std::cerr << "usage: see bench/pdq_benchmark.cc\n";
  return 2;
}
