// The Merkle tree of the ledger, exactly as RFC 6962 section 2.1 defines it (the same tree as
// RFC 9162 section 2.1): SHA-256, leaf hash SHA-256(0x00 || data), interior node hash
// SHA-256(0x01 || left || right), and the tree of n leaves split at the largest power of two
// smaller than n. Pure functions, no database: ledger.h stores the leaves.
//
//   MerkleTree tree;
//   for (const std::string& data : records) tree.Append(LeafHash(data));
//   ASSIGN_OR_RETURN(std::vector<Hash> path, tree.InclusionProof(index, tree.size()));
//   RETURN_IF_ERROR(VerifyInclusion(HashBytes(LeafHash(records[index])), index, tree.size(),
//                                   ToBytes(path), HashBytes(tree.Root())));
//
// Verification takes hashes as byte strings, because they come from outside and may have any
// length; a proof element that is not 32 bytes long fails the proof.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::ledger {

inline constexpr size_t kHashSize = 32;
using Hash = std::array<uint8_t, kHashSize>;

// RFC 6962 section 2.1: MTH({d(0)}) = SHA-256(0x00 || d(0)).
Hash LeafHash(std::string_view leaf_data);
// RFC 6962 section 2.1: SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// MTH({}) = SHA-256(), the root of the empty tree.
const Hash& EmptyTreeHash();

// The 32 bytes of a hash as a byte string, and back (nullopt unless exactly 32 bytes).
std::string_view HashBytes(const Hash& hash);
std::optional<Hash> HashFromBytes(std::string_view bytes);
std::vector<std::string> ToBytes(std::span<const Hash> hashes);

// The root of the tree over these leaf hashes (RFC 6962 MTH). O(n).
Hash RootHash(std::span<const Hash> leaf_hashes);

// The audit path of leaf `index` in the tree over `leaf_hashes` (RFC 9162 section 2.1.3.1), leaf
// to root. InvalidArgument unless index < leaf_hashes.size(). O(n).
absl::StatusOr<std::vector<Hash>> InclusionProof(std::span<const Hash> leaf_hashes, uint64_t index);

// The proof that the tree of the first `old_size` leaves is a prefix of the tree of all of
// `leaf_hashes` (RFC 9162 section 2.1.4.1). Empty when old_size == leaf_hashes.size();
// InvalidArgument when old_size is 0 or larger than the tree. O(n).
absl::StatusOr<std::vector<Hash>> ConsistencyProof(std::span<const Hash> leaf_hashes,
                                                   uint64_t old_size);

// RFC 9162 section 2.1.3.2. OK when `proof` proves that `leaf_hash` is leaf `index` of the tree of
// `tree_size` leaves whose root is `root`. InvalidArgument for a malformed input (index out of
// range, a proof element that is not a hash); DataLoss when the proof does not lead to the root.
absl::Status VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                             std::span<const std::string> proof, std::string_view root);

// RFC 9162 section 2.1.4.2. OK when `proof` proves that the tree of size1 leaves with root1 is a
// prefix of the tree of size2 leaves with root2. Equal sizes need an empty proof and equal roots
// (and, at size 0, the empty tree's root); a proof from the empty tree proves nothing and fails.
// Error codes as VerifyInclusion.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const std::string> proof,
                               std::string_view root1, std::string_view root2);

// An append-only tree kept in memory with every complete subtree's hash, so that appending is
// O(1) amortised and the root, an inclusion proof or a consistency proof for any tree size up to
// size() costs O(log n) hashes (at most a few hundred at a million leaves). Memory: about 64 bytes
// per leaf. Not thread-safe: callers guard it.
class MerkleTree {
 public:
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  void Append(const Hash& leaf_hash);
  const Hash& LeafHashAt(uint64_t index) const { return levels_[0][index]; }

  // The root of the whole tree; of its first `tree_size` leaves (InvalidArgument past size()).
  Hash Root() const;
  absl::StatusOr<Hash> RootAt(uint64_t tree_size) const;

  // Proofs for the tree of the first `tree_size` leaves (new_size for consistency), with the
  // arguments and errors of the pure functions above; InvalidArgument past size().
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

 private:
  // The hash of leaves [begin, end). begin is a multiple of the largest power of two below
  // end - begin (always so in RFC 6962's recursion), so the left part comes from levels_.
  Hash RangeHash(uint64_t begin, uint64_t end) const;

  // levels_[height][position] is the hash of the complete subtree of 2^height leaves that starts
  // at leaf position * 2^height. levels_[0] holds the leaf hashes.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace threathub::ledger
