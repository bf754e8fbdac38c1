// An index of stored PDQ hashes, queried with all 8 dihedral hashes of an image at once: which
// stored hashes lie within a Hamming distance of any of them.
//
//   detect::PdqIndex index;
//   index.Add(hash, /*id=*/42);  ...  index.Build();   // Build after the last Add
//   std::vector<detect::PdqMatch> matches;
//   index.Query(result.dihedral, /*max_distance=*/31, matches);
//   // matches: each stored id at most once, with its smallest distance over the 8 and which
//   // dihedral gave it, sorted by distance then id.
//
// Two strategies, chosen per query by Build's statistics: a SIMD linear scan (AVX-512 VPOPCNTDQ,
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace threathub::detect
