#include "detect/pdq_index.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace threathub::detect {
namespace {

// The linear scan keeps the first halves of the hashes (words 0 and 1) in blocks of kLanes,
// word-major: word 0 of 8 hashes, then their word 1, 128 contiguous bytes. A stored hash within
// distance d of a query is within d on its first 128 bits too, and random hashes are about 64
// bits apart there, so the scan reads only these halves (half the memory traffic of the whole
// hashes) and checks the rare hashes whose half passes in full.
constexpr int kLanes = 8;
constexpr int kBlockWords = 2 * kLanes;  // words per block in each half

// Multi-index hashing: 16 substrings of 16 bits.
constexpr int kSubstrings = 16;
constexpr int kSubstringBits = 16;
constexpr size_t kBuckets = size_t{1} << kSubstringBits;
// Enumerating more than one flipped bit per substring costs more than the scan saves.
constexpr int kMaxMultiIndexRadius = 1;
// Below this many hashes the scan is cheap; tables are not worth their lookups.
constexpr size_t kMultiIndexMinSize = 4096;
// Candidates carry their index in 29 bits.
constexpr size_t kMultiIndexMaxSize = size_t{1} << 29;

inline uint32_t Substring(const PdqHash& hash, int substring_idx) {
  return static_cast<uint32_t>(hash.words[substring_idx / 4] >> (16 * (substring_idx % 4))) &
         0xffff;
}

using QueryWords = std::array<std::array<uint64_t, 4>, kDihedralCount>;

// Per block, a bit per lane whose first-half distance to some query hash is <= max_distance.
// The scans append (block, lanes) for the blocks with any.
struct Candidate {
  uint32_t block;
  uint32_t lanes;
};

void ScanPortable(const uint64_t* front, size_t blocks, const QueryWords& query, int query_count,
                  int max_distance, std::vector<Candidate>& out) {
  for (size_t block = 0; block < blocks; ++block) {
    const uint64_t* words = front + block * kBlockWords;
    uint32_t lanes = 0;
    for (int lane = 0; lane < kLanes; ++lane) {
      for (int query_idx = 0; query_idx < query_count; ++query_idx) {
        const int partial = __builtin_popcountll(words[lane] ^ query[query_idx][0]) +
                            __builtin_popcountll(words[kLanes + lane] ^ query[query_idx][1]);
        if (partial <= max_distance) {
          lanes |= 1u << lane;
          break;
        }
      }
    }
    if (lanes != 0) out.push_back({static_cast<uint32_t>(block), lanes});
  }
}

__attribute__((target("avx2"))) void ScanAvx2(const uint64_t* front, size_t blocks,
                                              const QueryWords& query, int query_count,
                                              int max_distance, std::vector<Candidate>& out) {
  // Population counts by nibble lookup (vpshufb), summed per 64-bit lane by vpsadbw.
  const __m256i lookup = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                          2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i limit = _mm256_set1_epi64x(max_distance);
  auto byte_counts = [&](__m256i value) __attribute__((target("avx2"))) {
    const __m256i low = _mm256_shuffle_epi8(lookup, _mm256_and_si256(value, low_nibbles));
    const __m256i high =
        _mm256_shuffle_epi8(lookup, _mm256_and_si256(_mm256_srli_epi16(value, 4), low_nibbles));
    return _mm256_add_epi8(low, high);
  };
  __m256i query0[kDihedralCount], query1[kDihedralCount];
  for (int query_idx = 0; query_idx < query_count; ++query_idx) {
    query0[query_idx] = _mm256_set1_epi64x(static_cast<long long>(query[query_idx][0]));
    query1[query_idx] = _mm256_set1_epi64x(static_cast<long long>(query[query_idx][1]));
  }
  for (size_t block = 0; block < blocks; ++block) {
    const uint64_t* words = front + block * kBlockWords;
    const __m256i word0a = _mm256_load_si256(reinterpret_cast<const __m256i*>(words));
    const __m256i word0b = _mm256_load_si256(reinterpret_cast<const __m256i*>(words + 4));
    const __m256i word1a = _mm256_load_si256(reinterpret_cast<const __m256i*>(words + 8));
    const __m256i word1b = _mm256_load_si256(reinterpret_cast<const __m256i*>(words + 12));
    __m256i best_a = _mm256_set1_epi64x(255), best_b = best_a;
    for (int query_idx = 0; query_idx < query_count; ++query_idx) {
      const __m256i count_a =
          _mm256_sad_epu8(_mm256_add_epi8(byte_counts(_mm256_xor_si256(word0a, query0[query_idx])),
                                          byte_counts(_mm256_xor_si256(word1a, query1[query_idx]))),
                          zero);
      const __m256i count_b =
          _mm256_sad_epu8(_mm256_add_epi8(byte_counts(_mm256_xor_si256(word0b, query0[query_idx])),
                                          byte_counts(_mm256_xor_si256(word1b, query1[query_idx]))),
                          zero);
      // The counts fit in the low 32 bits of each lane, whose high half is zero.
      best_a = _mm256_min_epu32(best_a, count_a);
      best_b = _mm256_min_epu32(best_b, count_b);
    }
    const int over_a = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(best_a, limit)));
    const int over_b = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(best_b, limit)));
    const uint32_t lanes = ~static_cast<uint32_t>(over_a | (over_b << 4)) & 0xff;
    if (lanes != 0) out.push_back({static_cast<uint32_t>(block), lanes});
  }
}

// GCC 12 warns about the _mm512_undefined_epi32() inside _mm512_min_epu64: a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512vpopcntdq"))) void ScanAvx512(
    const uint64_t* front, size_t blocks, const QueryWords& query, int query_count,
    int max_distance, std::vector<Candidate>& out) {
  __m512i query0[kDihedralCount], query1[kDihedralCount];
  for (int query_idx = 0; query_idx < query_count; ++query_idx) {
    query0[query_idx] = _mm512_set1_epi64(static_cast<long long>(query[query_idx][0]));
    query1[query_idx] = _mm512_set1_epi64(static_cast<long long>(query[query_idx][1]));
  }
  const __m512i limit = _mm512_set1_epi64(max_distance);
  for (size_t block = 0; block < blocks; ++block) {
    const uint64_t* words = front + block * kBlockWords;
    const __m512i word0 = _mm512_load_si512(words);
    const __m512i word1 = _mm512_load_si512(words + kLanes);
    __m512i best = _mm512_set1_epi64(255);
    for (int query_idx = 0; query_idx < query_count; ++query_idx) {
      const __m512i count =
          _mm512_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(word0, query0[query_idx])),
                           _mm512_popcnt_epi64(_mm512_xor_si512(word1, query1[query_idx])));
      best = _mm512_min_epu64(best, count);
    }
    const uint32_t lanes = _mm512_cmple_epu64_mask(best, limit);
    if (lanes != 0) out.push_back({static_cast<uint32_t>(block), lanes});
  }
}
#pragma GCC diagnostic pop

// A found stored hash, before the matches are made unique per id.
struct Hit {
  uint32_t index;
  int distance;
  int dihedral;
};

// Multi-index candidates (index << 3 | query hash) checked in full. Their hashes are random
// reads, prefetched some way ahead so that the cache misses overlap. Cloned for POPCNT, which
// the generic x86-64 build may not assume.
__attribute__((target_clones("popcnt", "default"))) void CheckCandidates(
    const PdqHash* hashes, const uint32_t* candidates, size_t count, const QueryWords& query,
    int max_distance, std::vector<Hit>& hits) {
  constexpr size_t kPrefetchAhead = 16;
  for (size_t candidate_idx = 0; candidate_idx < count; ++candidate_idx) {
    if (candidate_idx + kPrefetchAhead < count) {
      __builtin_prefetch(&hashes[candidates[candidate_idx + kPrefetchAhead] >> 3]);
    }
    const uint32_t index = candidates[candidate_idx] >> 3;
    const int query_idx = static_cast<int>(candidates[candidate_idx] & 7);
    const PdqHash& stored = hashes[index];
    int distance = 0;
    for (int word_idx = 0; word_idx < 4; ++word_idx) {
      distance += __builtin_popcountll(stored.words[word_idx] ^ query[query_idx][word_idx]);
    }
    if (distance <= max_distance) hits.push_back({index, distance, query_idx});
  }
}

enum class Isa { kPortable, kAvx2, kAvx512 };

Isa DetectIsa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2")) return Isa::kAvx2;
  return Isa::kPortable;
}

Isa CpuIsa() {
  static const Isa isa = DetectIsa();
  return isa;
}

// 64-byte aligned storage of words (the vector loads need it).
struct AlignedWords {
  uint64_t* data = nullptr;
  size_t size = 0, capacity = 0;
  AlignedWords() = default;
  AlignedWords(const AlignedWords&) = delete;
  AlignedWords& operator=(const AlignedWords&) = delete;
  ~AlignedWords() { std::free(data); }
  void Grow(size_t wanted) {
    if (wanted <= capacity) return;
    size_t grown = std::max<size_t>(wanted, capacity * 2);
    grown = (grown + 7) / 8 * 8;
    auto* bigger = static_cast<uint64_t*>(std::aligned_alloc(64, grown * sizeof(uint64_t)));
    if (bigger == nullptr) std::abort();  // out of memory, as std::vector would throw
    if (size > 0) std::memcpy(bigger, data, size * sizeof(uint64_t));
    std::free(data);
    data = bigger;
    capacity = grown;
  }
  void AppendZeros(size_t count) {
    Grow(size + count);
    std::memset(data + size, 0, count * sizeof(uint64_t));
    size += count;
  }
};

}  // namespace

struct PdqIndex::Impl {
  std::vector<PdqHash> hashes;  // in order of Add
  std::vector<int64_t> ids;
  AlignedWords front;  // the scan's blocks of first halves (see kLanes)
  bool built = false;
  // Multi-index tables: for substring s, the indices of the hashes whose substring s is v are
  // entries[s][offsets[s][v] .. offsets[s][v + 1]).
  std::vector<std::vector<uint32_t>> offsets, entries;

  void Scan(Isa isa, const QueryWords& query, int query_count, int max_distance,
            std::vector<Hit>& hits) const {
    const size_t blocks = front.size / kBlockWords;
    thread_local std::vector<Candidate> candidates;
    candidates.clear();
    switch (isa) {
      case Isa::kAvx512:
        ScanAvx512(front.data, blocks, query, query_count, max_distance, candidates);
        break;
      case Isa::kAvx2:
        ScanAvx2(front.data, blocks, query, query_count, max_distance, candidates);
        break;
      case Isa::kPortable:
        ScanPortable(front.data, blocks, query, query_count, max_distance, candidates);
        break;
    }
    for (const Candidate& candidate : candidates) {
      for (uint32_t lanes = candidate.lanes; lanes != 0; lanes &= lanes - 1) {
        const uint32_t index = candidate.block * kLanes + __builtin_ctz(lanes);
        if (index >= hashes.size()) continue;  // padding of the last block
        Check(index, query, query_count, max_distance, hits);
      }
    }
  }

  // The smallest distance over the query hashes (the first dihedral on a tie).
  void Check(uint32_t index, const QueryWords& query, int query_count, int max_distance,
             std::vector<Hit>& hits) const {
    const PdqHash& stored = hashes[index];
    int best = 257, best_dihedral = 0;
    for (int query_idx = 0; query_idx < query_count; ++query_idx) {
      int distance = 0;
      for (int word_idx = 0; word_idx < 4; ++word_idx) {
        distance += __builtin_popcountll(stored.words[word_idx] ^ query[query_idx][word_idx]);
      }
      if (distance < best) best = distance, best_dihedral = query_idx;
    }
    if (best <= max_distance) hits.push_back({index, best, best_dihedral});
  }

  void MultiIndex(const QueryWords& query, int query_count, int max_distance,
                  std::vector<Hit>& hits) const {
    // Pigeonhole: 16 substrings sharing at most max_distance differing bits leave one substring
    // with at most floor(max_distance / 16) of them.
    const int radius = max_distance / kSubstrings;
    // Three stages, each prefetching what the next one reads at random: the buckets to visit
    // (substring << 16 | key, query hash), their ranges of entries, the candidates those list;
    // then CheckCandidates compares the candidates' hashes in full.
    thread_local std::vector<std::pair<uint32_t, uint32_t>> buckets;
    struct Range {
      uint32_t substring_idx, query_idx, begin, end;
    };
    thread_local std::vector<Range> ranges;
    thread_local std::vector<uint32_t> candidates;  // index << 3 | query hash
    buckets.clear();
    ranges.clear();
    candidates.clear();
    for (int query_idx = 0; query_idx < query_count; ++query_idx) {
      PdqHash one;
      one.words = query[query_idx];
      for (int substring_idx = 0; substring_idx < kSubstrings; ++substring_idx) {
        const uint32_t key = Substring(one, substring_idx);
        const uint32_t* offset = offsets[substring_idx].data();
        auto add = [&](uint32_t bucket) {
          __builtin_prefetch(&offset[bucket]);
          buckets.push_back({static_cast<uint32_t>(substring_idx) << 16 | bucket,
                             static_cast<uint32_t>(query_idx)});
        };
        add(key);
        if (radius >= 1) {
          for (int bit = 0; bit < kSubstringBits; ++bit) add(key ^ (1u << bit));
        }
      }
    }
    for (const auto& [bucket, query_idx] : buckets) {
      const uint32_t* offset = offsets[bucket >> 16].data();
      const uint32_t begin = offset[bucket & 0xffff], end = offset[(bucket & 0xffff) + 1];
      if (begin == end) continue;
      __builtin_prefetch(&entries[bucket >> 16][begin]);
      ranges.push_back({bucket >> 16, query_idx, begin, end});
    }
    for (const Range& range : ranges) {
      const uint32_t* entry = entries[range.substring_idx].data();
      for (uint32_t at = range.begin; at < range.end; ++at) {
        candidates.push_back(entry[at] << 3 | range.query_idx);
      }
    }
    CheckCandidates(hashes.data(), candidates.data(), candidates.size(), query, max_distance, hits);
  }

  void Run(const QueryWords& query, int query_count, int max_distance,
           std::vector<PdqMatch>& matches, PdqScan strategy, std::optional<Isa> isa) const {
    const Impl& impl = *this;
    if (max_distance < 0 || impl.hashes.empty()) return;
    max_distance = std::min(max_distance, 256);
    if (strategy == PdqScan::kAuto) {
      strategy = max_distance / kSubstrings <= kMaxMultiIndexRadius &&
                         impl.hashes.size() >= kMultiIndexMinSize
                     ? PdqScan::kMultiIndex
                     : PdqScan::kLinear;
    }
    // Tables that are missing or stale (an Add after Build) cannot be used.
    if (strategy == PdqScan::kMultiIndex &&
        (!impl.built || max_distance / kSubstrings > kMaxMultiIndexRadius ||
         impl.hashes.size() >= kMultiIndexMaxSize)) {
      strategy = PdqScan::kLinear;
    }
    thread_local std::vector<Hit> hits;
    hits.clear();
    if (strategy == PdqScan::kMultiIndex) {
      impl.MultiIndex(query, query_count, max_distance, hits);
    } else {
      impl.Scan(isa.value_or(CpuIsa()), query, query_count, max_distance, hits);
    }
    // One match per id: its smallest distance, then its first dihedral.
    std::sort(hits.begin(), hits.end(), [&](const Hit& left, const Hit& right) {
      const int64_t left_id = impl.ids[left.index], right_id = impl.ids[right.index];
      if (left_id != right_id) return left_id < right_id;
      if (left.distance != right.distance) return left.distance < right.distance;
      return left.dihedral < right.dihedral;
    });
    const size_t first = matches.size();
    for (size_t hit_idx = 0; hit_idx < hits.size(); ++hit_idx) {
      const Hit& hit = hits[hit_idx];
      const int64_t id = impl.ids[hit.index];
      if (matches.size() > first && matches.back().id == id) continue;
      matches.push_back({id, hit.distance, hit.dihedral});
    }
    std::sort(matches.begin() + static_cast<std::ptrdiff_t>(first), matches.end(),
              [](const PdqMatch& left, const PdqMatch& right) {
                if (left.distance != right.distance) return left.distance < right.distance;
                return left.id < right.id;
              });
  }
};

PdqIndex::PdqIndex() : impl_(std::make_unique<Impl>()) {}
PdqIndex::~PdqIndex() = default;
PdqIndex::PdqIndex(PdqIndex&&) noexcept = default;
PdqIndex& PdqIndex::operator=(PdqIndex&&) noexcept = default;

void PdqIndex::Reserve(size_t count) {
  impl_->hashes.reserve(count);
  impl_->ids.reserve(count);
  const size_t words = (count + kLanes - 1) / kLanes * kBlockWords;
  impl_->front.Grow(words);
}

void PdqIndex::Add(const PdqHash& hash, int64_t id) {
  Impl& impl = *impl_;
  const size_t index = impl.hashes.size();
  impl.hashes.push_back(hash);
  impl.ids.push_back(id);
  impl.built = false;
  if (index % kLanes == 0) {
    impl.front.AppendZeros(kBlockWords);
  }
  const size_t block_start = index / kLanes * kBlockWords;
  const size_t lane = index % kLanes;
  impl.front.data[block_start + lane] = hash.words[0];
  impl.front.data[block_start + kLanes + lane] = hash.words[1];
}

void PdqIndex::Build() {
  Impl& impl = *impl_;
  const size_t count = impl.hashes.size();
  impl.offsets.assign(kSubstrings, std::vector<uint32_t>(kBuckets + 1, 0));
  impl.entries.assign(kSubstrings, std::vector<uint32_t>(count));
  for (int substring_idx = 0; substring_idx < kSubstrings; ++substring_idx) {
    std::vector<uint32_t>& offset = impl.offsets[substring_idx];
    for (const PdqHash& hash : impl.hashes) ++offset[Substring(hash, substring_idx) + 1];
    for (size_t bucket = 0; bucket < kBuckets; ++bucket) offset[bucket + 1] += offset[bucket];
    std::vector<uint32_t> next(offset.begin(), offset.end() - 1);
    std::vector<uint32_t>& entry = impl.entries[substring_idx];
    for (size_t index = 0; index < count; ++index) {
      entry[next[Substring(impl.hashes[index], substring_idx)]++] = static_cast<uint32_t>(index);
    }
  }
  impl.built = true;
}

size_t PdqIndex::size() const { return impl_->hashes.size(); }

void PdqIndex::Query(const std::array<PdqHash, kDihedralCount>& query, int max_distance,
                     std::vector<PdqMatch>& matches, PdqScan strategy) const {
  QueryWords words;
  for (int dihedral = 0; dihedral < kDihedralCount; ++dihedral)
    words[dihedral] = query[dihedral].words;
  impl_->Run(words, kDihedralCount, max_distance, matches, strategy, std::nullopt);
}

void PdqIndex::QueryOne(const PdqHash& query, int max_distance, std::vector<PdqMatch>& matches,
                        PdqScan strategy) const {
  QueryWords words{};
  words[0] = query.words;
  impl_->Run(words, 1, max_distance, matches, strategy, std::nullopt);
}

std::string_view PdqIndex::LinearScanIsa() {
  switch (CpuIsa()) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kPortable:
      break;
  }
  return "portable";
}

std::vector<std::string_view> PdqIndex::AvailableLinearScanIsas() {
  std::vector<std::string_view> isas = {"portable"};
  if (CpuIsa() == Isa::kAvx2 || CpuIsa() == Isa::kAvx512) isas.push_back("avx2");
  if (CpuIsa() == Isa::kAvx512) isas.push_back("avx512");
  return isas;
}

void PdqIndex::QueryLinearWithIsa(std::string_view isa,
                                  const std::array<PdqHash, kDihedralCount>& query, int query_count,
                                  int max_distance, std::vector<PdqMatch>& matches) const {
  QueryWords words{};
  query_count = std::clamp(query_count, 1, kDihedralCount);
  for (int dihedral = 0; dihedral < query_count; ++dihedral)
    words[dihedral] = query[dihedral].words;
  Isa chosen = Isa::kPortable;
  if (isa == "avx2") chosen = Isa::kAvx2;
  if (isa == "avx512") chosen = Isa::kAvx512;
  // Never run instructions the CPU lacks, whatever the caller asked for.
  if (chosen == Isa::kAvx512 && CpuIsa() != Isa::kAvx512) chosen = CpuIsa();
  if (chosen == Isa::kAvx2 && CpuIsa() == Isa::kPortable) chosen = Isa::kPortable;
  impl_->Run(words, query_count, max_distance, matches, PdqScan::kLinear, chosen);
}

}  // namespace threathub::detect
