#include "ledger/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::ledger {
namespace {

// RFC 6962 section 2.1: the domain separation bytes of leaf and interior node hashes.
constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// SHA-256 through a context kept per thread: the one-shot SHA256() of OpenSSL 3 looks the
// algorithm up on every call, which costs four times the hash of a node.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {}
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Hash Digest(uint8_t prefix, std::string_view first, std::string_view second = {}) {
    static EVP_MD* const kAlgorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    Hash out;
    unsigned int length = 0;
    // These fail only when memory runs out; there is no sensible way to go on (as RandomBytes).
    if (context_ == nullptr || kAlgorithm == nullptr ||
        EVP_DigestInit_ex2(context_, kAlgorithm, nullptr) != 1 ||
        EVP_DigestUpdate(context_, &prefix, 1) != 1 ||
        EVP_DigestUpdate(context_, first.data(), first.size()) != 1 ||
        EVP_DigestUpdate(context_, second.data(), second.size()) != 1 ||
        EVP_DigestFinal_ex(context_, out.data(), &length) != 1) {
      throw std::runtime_error("SHA-256 failed");
    }
    return out;
  }

 private:
  EVP_MD_CTX* const context_;
};

Sha256& ThreadHasher() {
  thread_local Sha256 hasher;
  return hasher;
}

// The k of RFC 6962 section 2.1: the largest power of two smaller than n, for n >= 2.
uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (std::bit_width(n - 1) - 1); }

// RFC 9162 section 2.1.3.1, PATH(m, D[n]), with MTH of a subtree given by range_hash(begin, end).
// The recursion appends each level's sibling after the path below it, so the siblings found from
// the root down are returned in reverse: leaf to root.
template <class RangeHashFn>
std::vector<Hash> AuditPath(uint64_t index, uint64_t tree_size, const RangeHashFn& range_hash) {
  std::vector<Hash> siblings;
  uint64_t begin = 0;
  uint64_t end = tree_size;
  while (end - begin > 1) {
    uint64_t split = begin + SplitPoint(end - begin);
    if (index < split) {
      siblings.push_back(range_hash(split, end));
      end = split;
    } else {
      siblings.push_back(range_hash(begin, split));
      begin = split;
    }
  }
  std::reverse(siblings.begin(), siblings.end());
  return siblings;
}

// RFC 9162 section 2.1.4.1, PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m <= n. The current
// subtree is [begin, end) and always holds the old tree's boundary: begin < old_size <= end.
template <class RangeHashFn>
std::vector<Hash> ConsistencyPath(uint64_t old_size, uint64_t new_size,
                                  const RangeHashFn& range_hash) {
  std::vector<Hash> siblings;
  uint64_t begin = 0;
  uint64_t end = new_size;
  bool whole_old_tree = true;  // SUBPROOF's b: the subtree is the whole old tree
  while (old_size != end) {
    uint64_t split = begin + SplitPoint(end - begin);
    if (old_size <= split) {
      siblings.push_back(range_hash(split, end));
      end = split;
    } else {
      siblings.push_back(range_hash(begin, split));
      begin = split;
      whole_old_tree = false;
    }
  }
  // SUBPROOF(m, D[m], b): nothing when the verifier knows this subtree's hash (the old root).
  std::vector<Hash> proof;
  if (!whole_old_tree) proof.push_back(range_hash(begin, end));
  proof.insert(proof.end(), siblings.rbegin(), siblings.rend());
  return proof;
}

// MTH(D[n]) over leaf hashes, straight from the definition.
Hash SubtreeHash(std::span<const Hash> leaf_hashes) {
  if (leaf_hashes.size() == 1) return leaf_hashes[0];
  uint64_t split = SplitPoint(leaf_hashes.size());
  return NodeHash(SubtreeHash(leaf_hashes.first(split)), SubtreeHash(leaf_hashes.subspan(split)));
}

absl::Status CheckInclusionArguments(uint64_t index, uint64_t tree_size) {
  if (index >= tree_size) {
    return absl::InvalidArgumentError(
        base::StrCat("leaf index ", index, " is not below the tree size ", tree_size));
  }
  return absl::OkStatus();
}

absl::Status CheckConsistencyArguments(uint64_t old_size, uint64_t new_size) {
  if (old_size == 0) {
    return absl::InvalidArgumentError("a consistency proof from the empty tree proves nothing");
  }
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        base::StrCat("the old tree size ", old_size, " is larger than the new one, ", new_size));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Hash>> ParseProof(std::span<const std::string> proof) {
  std::vector<Hash> hashes;
  hashes.reserve(proof.size());
  for (size_t element_idx = 0; element_idx < proof.size(); ++element_idx) {
    std::optional<Hash> hash = HashFromBytes(proof[element_idx]);
    if (!hash) {
      return absl::InvalidArgumentError(base::StrCat("proof element ", element_idx, " is ",
                                                     proof[element_idx].size(),
                                                     " bytes long, not a SHA-256 hash"));
    }
    hashes.push_back(*hash);
  }
  return hashes;
}

absl::Status CheckWithinTree(uint64_t tree_size, uint64_t size) {
  if (tree_size > size) {
    return absl::InvalidArgumentError(
        base::StrCat("tree size ", tree_size, " is larger than the tree, ", size));
  }
  return absl::OkStatus();
}

// "Right-shift both fn and sn equally until either LSB(fn) is set or fn is 0" (RFC 9162).
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash LeafHash(std::string_view leaf_data) { return ThreadHasher().Digest(kLeafPrefix, leaf_data); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return ThreadHasher().Digest(kNodePrefix, HashBytes(left), HashBytes(right));
}

const Hash& EmptyTreeHash() {
  // SHA-256 of the empty string.
  static const Hash kEmpty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                              0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                              0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  return kEmpty;
}

std::string_view HashBytes(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

std::optional<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) return std::nullopt;
  Hash hash;
  std::memcpy(hash.data(), bytes.data(), kHashSize);
  return hash;
}

std::vector<std::string> ToBytes(std::span<const Hash> hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const Hash& hash : hashes) out.emplace_back(HashBytes(hash));
  return out;
}

Hash RootHash(std::span<const Hash> leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyTreeHash();
  return SubtreeHash(leaf_hashes);
}

absl::StatusOr<std::vector<Hash>> InclusionProof(std::span<const Hash> leaf_hashes,
                                                 uint64_t index) {
  RETURN_IF_ERROR(CheckInclusionArguments(index, leaf_hashes.size()));
  return AuditPath(index, leaf_hashes.size(), [&](uint64_t begin, uint64_t end) {
    return SubtreeHash(leaf_hashes.subspan(begin, end - begin));
  });
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(std::span<const Hash> leaf_hashes,
                                                   uint64_t old_size) {
  RETURN_IF_ERROR(CheckConsistencyArguments(old_size, leaf_hashes.size()));
  return ConsistencyPath(old_size, leaf_hashes.size(), [&](uint64_t begin, uint64_t end) {
    return SubtreeHash(leaf_hashes.subspan(begin, end - begin));
  });
}

absl::Status VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                             std::span<const std::string> proof, std::string_view root) {
  // RFC 9162 section 2.1.3.2, step 1.
  RETURN_IF_ERROR(CheckInclusionArguments(index, tree_size));
  std::optional<Hash> computed = HashFromBytes(leaf_hash);
  if (!computed) return absl::InvalidArgumentError("the leaf hash is not a SHA-256 hash");
  ASSIGN_OR_RETURN(std::vector<Hash> path, ParseProof(proof));
  // Steps 2 to 4.
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  for (const Hash& sibling : path) {
    if (sn == 0) return absl::DataLossError("the inclusion proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      computed = NodeHash(sibling, *computed);
      ShiftWhileEven(fn, sn);
    } else {
      computed = NodeHash(*computed, sibling);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  if (sn != 0) return absl::DataLossError("the inclusion proof is too short");
  if (HashBytes(*computed) != root) {
    return absl::DataLossError("the inclusion proof does not lead to the root");
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const std::string> proof,
                               std::string_view root1, std::string_view root2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        base::StrCat("the old tree size ", size1, " is larger than the new one, ", size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) return absl::DataLossError("equal tree sizes need an empty proof");
    if (root1 != root2) return absl::DataLossError("equal tree sizes but different roots");
    if (size1 == 0 && root1 != HashBytes(EmptyTreeHash())) {
      return absl::DataLossError("the root of the empty tree is not SHA-256 of nothing");
    }
    return absl::OkStatus();
  }
  // RFC 9162 section 2.1.4.2 holds for 0 < first < second.
  if (size1 == 0) {
    return absl::InvalidArgumentError("a consistency proof from the empty tree proves nothing");
  }
  // Step 1.
  if (proof.empty()) return absl::DataLossError("the consistency proof is empty");
  ASSIGN_OR_RETURN(std::vector<Hash> path, ParseProof(proof));
  // Step 2.
  if (std::has_single_bit(size1)) {
    std::optional<Hash> first_hash = HashFromBytes(root1);
    if (!first_hash) return absl::DataLossError("the old root is not a SHA-256 hash");
    path.insert(path.begin(), *first_hash);
  }
  // Steps 3 to 5.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash first_root = path[0];
  Hash second_root = path[0];
  // Step 6.
  for (size_t element_idx = 1; element_idx < path.size(); ++element_idx) {
    const Hash& element = path[element_idx];
    if (sn == 0) return absl::DataLossError("the consistency proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      first_root = NodeHash(element, first_root);
      second_root = NodeHash(element, second_root);
      ShiftWhileEven(fn, sn);
    } else {
      second_root = NodeHash(second_root, element);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7.
  if (sn != 0) return absl::DataLossError("the consistency proof is too short");
  if (HashBytes(first_root) != root1) {
    return absl::DataLossError("the consistency proof does not lead to the old root");
  }
  if (HashBytes(second_root) != root2) {
    return absl::DataLossError("the consistency proof does not lead to the new root");
  }
  return absl::OkStatus();
}

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // A level that now ends in a complete pair gives its parent one level up.
  for (size_t height = 0; levels_[height].size() % 2 == 0; ++height) {
    if (height + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<Hash>& level = levels_[height];
    Hash parent = NodeHash(level[level.size() - 2], level.back());
    levels_[height + 1].push_back(parent);
  }
}

Hash MerkleTree::RangeHash(uint64_t begin, uint64_t end) const {
  uint64_t count = end - begin;
  if (std::has_single_bit(count)) {
    int height = std::countr_zero(count);
    return levels_[height][begin >> height];
  }
  uint64_t split = begin + SplitPoint(count);
  return NodeHash(RangeHash(begin, split), RangeHash(split, end));
}

Hash MerkleTree::Root() const {
  if (size() == 0) return EmptyTreeHash();
  return RangeHash(0, size());
}

absl::StatusOr<Hash> MerkleTree::RootAt(uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckWithinTree(tree_size, size()));
  if (tree_size == 0) return EmptyTreeHash();
  return RangeHash(0, tree_size);
}

absl::StatusOr<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index,
                                                             uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckWithinTree(tree_size, size()));
  RETURN_IF_ERROR(CheckInclusionArguments(index, tree_size));
  return AuditPath(index, tree_size,
                   [this](uint64_t begin, uint64_t end) { return RangeHash(begin, end); });
}

absl::StatusOr<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t old_size,
                                                               uint64_t new_size) const {
  RETURN_IF_ERROR(CheckConsistencyArguments(old_size, new_size));
  RETURN_IF_ERROR(CheckWithinTree(new_size, size()));
  return ConsistencyPath(old_size, new_size,
                         [this](uint64_t begin, uint64_t end) { return RangeHash(begin, end); });
}

}  // namespace threathub::ledger
