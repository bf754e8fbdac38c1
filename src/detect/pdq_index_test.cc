#include "detect/pdq_index.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace threathub::detect {
namespace {

using Query = std::array<PdqHash, kDihedralCount>;

PdqHash RandomHash(std::mt19937_64& random) {
  PdqHash hash;
  for (uint64_t& word : hash.words) word = random();
  return hash;
}

PdqHash FlipBits(PdqHash hash, int count, std::mt19937_64& random) {
  std::vector<int> bits(256);
  for (int bit = 0; bit < 256; ++bit) bits[bit] = bit;
  std::shuffle(bits.begin(), bits.end(), random);
  for (int flip = 0; flip < count; ++flip)
    hash.words[bits[flip] / 64] ^= uint64_t{1} << (bits[flip] % 64);
  return hash;
}

// The oracle: every stored hash against every query hash.
std::vector<PdqMatch> BruteForce(const std::vector<std::pair<PdqHash, int64_t>>& stored,
                                 const Query& query, int query_count, int max_distance) {
  std::vector<PdqMatch> matches;
  for (const auto& [hash, id] : stored) {
    int best = 1000, best_dihedral = 0;
    for (int dihedral = 0; dihedral < query_count; ++dihedral) {
      const int distance = hash.Distance(query[dihedral]);
      if (distance < best) best = distance, best_dihedral = dihedral;
    }
    if (best > max_distance) continue;
    auto same = std::find_if(matches.begin(), matches.end(),
                             [&](const PdqMatch& match) { return match.id == id; });
    if (same == matches.end()) {
      matches.push_back({id, best, best_dihedral});
    } else if (best < same->distance ||
               (best == same->distance && best_dihedral < same->dihedral)) {
      *same = {id, best, best_dihedral};
    }
  }
  std::sort(matches.begin(), matches.end(), [](const PdqMatch& left, const PdqMatch& right) {
    return left.distance != right.distance ? left.distance < right.distance : left.id < right.id;
  });
  return matches;
}

class PdqIndexTest : public ::testing::Test {
 protected:
  // Random stored hashes, and queries each with neighbours planted at many distances from one
  // of its dihedrals (some of them sharing an id, so that the per-id minimum is exercised).
  void Fill(size_t random_count, int query_count) {
    std::mt19937_64 random(42);
    for (size_t hash_idx = 0; hash_idx < random_count; ++hash_idx) {
      stored_.push_back({RandomHash(random), static_cast<int64_t>(hash_idx)});
    }
    int64_t next_id = 1'000'000;
    for (int query_idx = 0; query_idx < query_count; ++query_idx) {
      Query query;
      for (PdqHash& hash : query) hash = RandomHash(random);
      for (int distance :
           {0, 1, 2, 5, 10, 15, 16, 17, 20, 30, 31, 32, 33, 40, 47, 48, 60, 64, 70}) {
        const int dihedral = static_cast<int>(random() % kDihedralCount);
        const int64_t id = distance == 31 ? next_id - 1 : next_id++;  // 31 shares the 30's id
        stored_.push_back({FlipBits(query[dihedral], distance, random), id});
      }
      queries_.push_back(query);
    }
    std::shuffle(stored_.begin(), stored_.end(), random);
    index_.Reserve(stored_.size());
    for (const auto& [hash, id] : stored_) index_.Add(hash, id);
  }

  std::vector<std::pair<PdqHash, int64_t>> stored_;
  std::vector<Query> queries_;
  PdqIndex index_;
};

constexpr int kDistances[] = {0, 1, 10, 15, 16, 17, 31, 32, 40, 47, 64};

TEST_F(PdqIndexTest, EveryStrategyAndInstructionSetEqualsBruteForce) {
  Fill(20'003, 12);  // not a multiple of 8: the last block is padded
  index_.Build();
  std::cout << "linear scan on this CPU: " << PdqIndex::LinearScanIsa() << "\n";
  for (const Query& query : queries_) {
    for (int max_distance : kDistances) {
      for (int query_count : {1, kDihedralCount}) {
        const std::vector<PdqMatch> expected =
            BruteForce(stored_, query, query_count, max_distance);
        if (max_distance >= 31 && query_count == kDihedralCount) {
          EXPECT_FALSE(expected.empty());
        }
        for (std::string_view isa : PdqIndex::AvailableLinearScanIsas()) {
          std::vector<PdqMatch> got;
          index_.QueryLinearWithIsa(isa, query, query_count, max_distance, got);
          ASSERT_EQ(got, expected)
              << isa << " distance " << max_distance << " queries " << query_count;
        }
        for (PdqScan strategy : {PdqScan::kAuto, PdqScan::kLinear, PdqScan::kMultiIndex}) {
          std::vector<PdqMatch> got;
          if (query_count == kDihedralCount) {
            index_.Query(query, max_distance, got, strategy);
          } else {
            index_.QueryOne(query[0], max_distance, got, strategy);
          }
          ASSERT_EQ(got, expected) << "strategy " << static_cast<int>(strategy) << " distance "
                                   << max_distance << " queries " << query_count;
        }
      }
    }
  }
}

TEST_F(PdqIndexTest, AvailableInstructionSetsFollowTheCpu) {
  std::vector<std::string_view> isas = PdqIndex::AvailableLinearScanIsas();
  EXPECT_EQ(isas.front(), "portable");
  EXPECT_EQ(isas.back(), PdqIndex::LinearScanIsa());
  if (__builtin_cpu_supports("avx512vpopcntdq")) {
    EXPECT_THAT(isas, ::testing::Contains("avx512"));
  }
}

TEST_F(PdqIndexTest, AddAfterBuildIsStillFound) {
  Fill(5000, 2);
  index_.Build();
  std::mt19937_64 random(5);
  const PdqHash late = FlipBits(queries_[0][3], 7, random);
  index_.Add(late, 77);
  stored_.push_back({late, 77});
  for (PdqScan strategy : {PdqScan::kAuto, PdqScan::kMultiIndex}) {
    std::vector<PdqMatch> got;
    index_.Query(queries_[0], 31, got, strategy);
    EXPECT_EQ(got, BruteForce(stored_, queries_[0], kDihedralCount, 31));
  }
  index_.Build();
  std::vector<PdqMatch> got;
  index_.Query(queries_[0], 31, got, PdqScan::kMultiIndex);
  EXPECT_EQ(got, BruteForce(stored_, queries_[0], kDihedralCount, 31));
}

TEST_F(PdqIndexTest, MatchesAreAppendedAfterExistingOnes) {
  Fill(100, 1);
  std::vector<PdqMatch> got = {{-5, 99, 0}};
  index_.Query(queries_[0], 31, got);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got.front().id, -5);
  EXPECT_EQ(got[1].distance, 0);
}

TEST(PdqIndexEmptyTest, EmptyIndexAndNegativeDistanceFindNothing) {
  PdqIndex index;
  std::vector<PdqMatch> got;
  index.Query(Query{}, 31, got);
  index.Build();
  index.Query(Query{}, 31, got, PdqScan::kMultiIndex);
  EXPECT_TRUE(got.empty());
  index.Add(PdqHash{}, 1);
  index.Query(Query{}, -1, got);
  EXPECT_TRUE(got.empty());
  index.Query(Query{}, 0, got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 1);
  EXPECT_EQ(index.size(), 1u);
}

}  // namespace
}  // namespace threathub::detect
