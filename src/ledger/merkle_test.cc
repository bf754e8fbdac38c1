#include "ledger/merkle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::ledger {
namespace {

// The leaves of the standard 8-leaf test tree (RFC 6962 test data, transparency-dev/merkle) and
// the roots of its prefixes of 1 to 8 leaves.
const std::vector<std::string> kLeafHex = {"",
                                           "00",
                                           "10",
                                           "2021",
                                           "3031",
                                           "40414243",
                                           "5051525354555657",
                                           "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kRootHex = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::string Hex(const Hash& hash) { return base::HexEncode(HashBytes(hash)); }

std::vector<Hash> LeafHashes(size_t count) {
  std::vector<Hash> leaves;
  for (size_t leaf_idx = 0; leaf_idx < count; ++leaf_idx) {
    leaves.push_back(LeafHash(base::StrCat("leaf ", leaf_idx)));
  }
  return leaves;
}

TEST(MerkleTest, EmptyTreeRootIsSha256OfNothing) {
  EXPECT_EQ(Hex(RootHash({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(MerkleTree().Root()), Hex(EmptyTreeHash()));
}

TEST(MerkleTest, StandardTreeRootsMatchTheReference) {
  std::vector<Hash> leaves;
  MerkleTree tree;
  for (size_t leaf_idx = 0; leaf_idx < kLeafHex.size(); ++leaf_idx) {
    leaves.push_back(LeafHash(*base::HexDecode(kLeafHex[leaf_idx])));
    tree.Append(leaves.back());
    EXPECT_EQ(Hex(RootHash(leaves)), kRootHex[leaf_idx]) << "size " << leaves.size();
    EXPECT_EQ(Hex(tree.Root()), kRootHex[leaf_idx]) << "size " << leaves.size();
  }
  for (size_t size = 1; size <= leaves.size(); ++size) {
    EXPECT_EQ(Hex(*tree.RootAt(size)), kRootHex[size - 1]);
  }
}

// Every proof the tree and the pure functions make, for every index and pair of sizes up to 70
// leaves, is the same and verifies; and fails once any bit of it, or the leaf, is wrong.
TEST(MerkleTest, ProofsOfEveryShapeVerify) {
  constexpr uint64_t kMaxSize = 70;
  const std::vector<Hash> leaves = LeafHashes(kMaxSize);
  MerkleTree tree;
  for (const Hash& leaf : leaves) tree.Append(leaf);
  for (uint64_t size = 1; size <= kMaxSize; ++size) {
    std::span<const Hash> prefix(leaves.data(), size);
    const Hash root = RootHash(prefix);
    ASSERT_EQ(*tree.RootAt(size), root);
    for (uint64_t index = 0; index < size; ++index) {
      std::vector<Hash> path = *tree.InclusionProof(index, size);
      ASSERT_EQ(path, *InclusionProof(prefix, index)) << index << " of " << size;
      std::vector<std::string> bytes = ToBytes(path);
      ASSERT_TRUE(
          VerifyInclusion(HashBytes(leaves[index]), index, size, bytes, HashBytes(root)).ok())
          << index << " of " << size;
      if (!bytes.empty()) {
        bytes[index % bytes.size()][index % kHashSize] ^= 1;
        EXPECT_FALSE(
            VerifyInclusion(HashBytes(leaves[index]), index, size, bytes, HashBytes(root)).ok());
      }
      if (size > 1) {
        const Hash& other_leaf = leaves[(index + 1) % size];
        EXPECT_FALSE(
            VerifyInclusion(HashBytes(other_leaf), index, size, ToBytes(path), HashBytes(root))
                .ok());
      }
    }
    for (uint64_t old_size = 1; old_size <= size; ++old_size) {
      std::vector<Hash> path = *tree.ConsistencyProof(old_size, size);
      ASSERT_EQ(path, *ConsistencyProof(prefix, old_size)) << old_size << " to " << size;
      std::vector<std::string> bytes = ToBytes(path);
      const Hash old_root = RootHash(prefix.first(old_size));
      ASSERT_TRUE(
          VerifyConsistency(old_size, size, bytes, HashBytes(old_root), HashBytes(root)).ok())
          << old_size << " to " << size;
      if (!bytes.empty()) {
        bytes[old_size % bytes.size()][old_size % kHashSize] ^= 0x80;
        EXPECT_FALSE(
            VerifyConsistency(old_size, size, bytes, HashBytes(old_root), HashBytes(root)).ok());
      }
    }
  }
}

TEST(MerkleTest, OutOfRangeArgumentsAreRefused) {
  MerkleTree tree;
  for (const Hash& leaf : LeafHashes(5)) tree.Append(leaf);
  EXPECT_EQ(tree.InclusionProof(5, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.InclusionProof(0, 6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(0, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(4, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(3, 6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.RootAt(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(tree.ConsistencyProof(5, 5)->empty());
  const std::string not_a_hash = "short";
  EXPECT_EQ(
      VerifyInclusion(HashBytes(tree.LeafHashAt(0)), 0, 5, {&not_a_hash, 1}, HashBytes(tree.Root()))
          .code(),
      absl::StatusCode::kInvalidArgument);
}

// The transparency-dev/merkle test vectors (../shared/testdata/merkle): every case verifies
// exactly when wantErr is false.
struct VectorCase {
  std::string name;
  std::filesystem::path path;
};

std::string TestdataDirectory() {
  const char* source = std::getenv("THREATHUB_SOURCE_DIR");
  return base::StrCat(source != nullptr && *source != '\0' ? source : THREATHUB_DEFAULT_SOURCE_DIR,
                      "/../shared/testdata/merkle");
}

std::vector<VectorCase> VectorCases() {
  std::vector<VectorCase> cases;
  std::error_code error;
  for (auto entry = std::filesystem::recursive_directory_iterator(TestdataDirectory(), error);
       !error && entry != std::filesystem::recursive_directory_iterator(); ++entry) {
    // inclusion/additional/* are git tree listings, not cases.
    if (!entry->is_regular_file() || entry->path().extension() != ".json") continue;
    std::string name =
        std::filesystem::relative(entry->path(), TestdataDirectory()).replace_extension().string();
    std::replace_if(
        name.begin(), name.end(), [](char symbol) { return !std::isalnum(symbol); }, '_');
    cases.push_back({name, entry->path()});
  }
  std::sort(cases.begin(), cases.end(),
            [](const VectorCase& left, const VectorCase& right) { return left.name < right.name; });
  return cases;
}

std::string Decode(const nlohmann::json& value) {
  if (value.is_null()) return "";
  std::optional<std::string> bytes = base::Base64Decode(value.get<std::string>());
  EXPECT_TRUE(bytes) << value;
  return bytes.value_or("");
}

std::vector<std::string> DecodeAll(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_null()) return out;
  for (const nlohmann::json& element : value) out.push_back(Decode(element));
  return out;
}

class MerkleVectorTest : public ::testing::TestWithParam<VectorCase> {};

TEST_P(MerkleVectorTest, VerifiesExactlyWhenExpected) {
  std::ifstream file(GetParam().path);
  nlohmann::json vector = nlohmann::json::parse(file);
  absl::Status status;
  if (vector.contains("leafIdx")) {
    status = VerifyInclusion(Decode(vector["leafHash"]), vector["leafIdx"].get<uint64_t>(),
                             vector["treeSize"].get<uint64_t>(), DecodeAll(vector["proof"]),
                             Decode(vector["root"]));
  } else {
    status = VerifyConsistency(vector["size1"].get<uint64_t>(), vector["size2"].get<uint64_t>(),
                               DecodeAll(vector["proof"]), Decode(vector["root1"]),
                               Decode(vector["root2"]));
  }
  EXPECT_EQ(status.ok(), !vector["wantErr"].get<bool>()) << vector["desc"] << ": " << status;
}

INSTANTIATE_TEST_SUITE_P(TransparencyDev, MerkleVectorTest, ::testing::ValuesIn(VectorCases()),
                         [](const ::testing::TestParamInfo<VectorCase>& info) {
                           return info.param.name;
                         });

TEST(MerkleVectorsTest, AllVectorsAreFound) {
  // 53 inclusion and 57 consistency cases; fewer means the directory moved.
  EXPECT_GE(VectorCases().size(), 100u) << "looked in " << TestdataDirectory();
}

}  // namespace
}  // namespace threathub::ledger
