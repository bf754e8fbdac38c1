// An index of stored PDQ hashes, queried with all 8 dihedral hashes of an image at once: which
// stored hashes lie within a Hamming distance of any of them.
//
//   detect::PdqIndex index;
//   index.Add(hash, /*id=*/42);  ...  index.Build();   // Build after the last Add
//   std::vector<detect::PdqMatch> matches;
//   index.Query(result.dihedral, /*max_distance=*/31, matches);
//   // matches: each stored id at most once, with its smallest distance over the 8 and which
//   // dihedral gave it (the first one on a tie), sorted by distance then id.
//
// Two strategies, chosen per query (kAuto: multi-index hashing for max_distance <= 31 on a built
// index of at least 4096 hashes, else the scan): a SIMD linear scan (AVX-512 VPOPCNTDQ,
// AVX2, or portable popcount, picked at run time from the CPU), which compares each stored hash
// with the 8 query hashes held in registers; and multi-index hashing (Norouzi et al., "Fast
// Search in Hamming Space with Multi-Index Hashing", CVPR 2012): the 256 bits cut into 16
// 16-bit words, each with its own table, so a hash within distance d of a query agrees with it
// within floor(d/16) bits on at least one word; candidates are then checked in full. Both give
// exactly what a brute-force comparison gives (tested against one on random data).
//
// Thread-safety: Add and Build need exclusive access; Query is const and may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "detect/pdq.h"

namespace threathub::detect {

struct PdqMatch {
  int64_t id = 0;
  int distance = 0;
  int dihedral = 0;  // 0..7: which of the query's hashes matched at that distance
  bool operator==(const PdqMatch&) const = default;
};

enum class PdqScan { kAuto, kLinear, kMultiIndex };

class PdqIndex {
 public:
  PdqIndex();
  ~PdqIndex();
  PdqIndex(PdqIndex&&) noexcept;
  PdqIndex& operator=(PdqIndex&&) noexcept;

  void Reserve(size_t count);
  void Add(const PdqHash& hash, int64_t id);
  // Builds the multi-index tables; queries before Build use the linear scan.
  void Build();
  size_t size() const;

  // Appends to `matches` (see the file comment). `strategy` kAuto picks multi-index hashing for
  // distances it prunes well, else the linear scan.
  void Query(const std::array<PdqHash, kDihedralCount>& query, int max_distance,
             std::vector<PdqMatch>& matches, PdqScan strategy = PdqScan::kAuto) const;
  // A single query hash (no dihedrals).
  void QueryOne(const PdqHash& query, int max_distance, std::vector<PdqMatch>& matches,
                PdqScan strategy = PdqScan::kAuto) const;

  // The linear scan's instruction set on this CPU: "avx512", "avx2" or "portable".
  static std::string_view LinearScanIsa();

  // Tests and benchmarks: the instruction sets the linear scan can use on this CPU (always
  // "portable"; "avx2", "avx512" when the CPU has them), and a linear scan with one of them for
  // the first `query_count` (1..8) hashes of `query`. An unavailable set falls back to the best
  // one available.
  static std::vector<std::string_view> AvailableLinearScanIsas();
  void QueryLinearWithIsa(std::string_view isa, const std::array<PdqHash, kDihedralCount>& query,
                          int query_count, int max_distance, std::vector<PdqMatch>& matches) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace threathub::detect
