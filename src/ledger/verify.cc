// VerifyLedger: recompute the tree from the stored leaves and check everything against it.
#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "ledger/internal/leaf_format.h"
#include "ledger/ledger.h"

namespace threathub::ledger {
namespace {

// Leaf rows read per statement.
constexpr int64_t kPageSize = 20'000;

struct SignedCheckpoint {
  std::string label;  // "checkpoint 7", "trusted checkpoint 1"
  Checkpoint checkpoint;
};

// What a leaf says of the record it anchors, for comparison with the record's own table.
struct RecordDigest {
  uint64_t index = 0;
  Hash digest{};  // of the record's canonical JSON as the leaf holds it
  bool seen = false;
};

// "leaf 5 is" or "leaves 5 to 7 are".
std::string Leaves(uint64_t first, uint64_t last) {
  return first == last ? base::StrCat("leaf ", first, " is")
                       : base::StrCat("leaves ", first, " to ", last, " are");
}

std::string Checkpoints(int64_t first, int64_t last) {
  return first == last ? base::StrCat("checkpoint ", first, " is")
                       : base::StrCat("checkpoints ", first, " to ", last, " are");
}

// The "index" member of a leaf's data, when it can be read: to say where a moved leaf came from.
std::optional<uint64_t> IndexInData(std::string_view data) {
  constexpr std::string_view kMember = ",\"index\":";
  size_t start = data.find(kMember);
  if (start == std::string_view::npos) return std::nullopt;
  start += kMember.size();
  size_t end = data.find_first_not_of("0123456789", start);
  uint64_t index = 0;
  if (end == std::string_view::npos || !base::SimpleAtoi(data.substr(start, end - start), &index)) {
    return std::nullopt;
  }
  return index;
}

class Verification {
 public:
  Verification(std::vector<NoteVerifier> verifiers, const VerifyOptions& options)
      : verifiers_(std::move(verifiers)), options_(options) {}

  absl::StatusOr<VerifyReport> Run(store::Database& database) {
    RETURN_IF_ERROR(database.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
      return ReadSnapshot(database.engine(), tx);
    }));
    ReadTrustedCheckpoints();
    CheckCheckpoints();
    for (RecordSource* source : options_.sources) RETURN_IF_ERROR(CompareSource(database, *source));
    return std::move(report_);
  }

 private:
  void Problem(std::string text) {
    if (report_.problems.size() < kMaxReportedProblems) {
      report_.problems.push_back(std::move(text));
    } else {
      ++report_.problems_not_listed;
    }
  }

  // A problem that names a record: the one with the lowest index is the report's first_bad.
  void Bad(uint64_t index, std::string_view kind, std::string_view ref, std::string problem) {
    if (kind.empty()) {
      Problem(problem);
    } else {
      Problem(base::StrCat("leaf ", index, " (", kind, " ", ref, "): ", problem));
    }
    if (!report_.first_bad || index < report_.first_bad->index) {
      report_.first_bad = BadRecord{.index = index,
                                    .kind = std::string(kind),
                                    .ref = std::string(ref),
                                    .problem = std::move(problem)};
    }
  }

  // Everything read from the database, in one snapshot. Runs again from scratch when PostgreSQL
  // retries the transaction.
  absl::Status ReadSnapshot(store::Engine engine, store::Transaction& tx) {
    report_ = VerifyReport();
    tree_ = MerkleTree();
    next_index_ = 0;
    stored_.clear();
    records_by_kind_.clear();
    for (RecordSource* source : options_.sources) records_by_kind_[std::string(source->kind())];
    if (engine == store::Engine::kPostgres) {
      // One snapshot for all the statements below (READ COMMITTED takes one per statement).
      RETURN_IF_ERROR(
          tx.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    }
    ASSIGN_OR_RETURN(store::Result head,
                     tx.Execute("SELECT size, checkpoints FROM ledger_head WHERE id = 1"));
    if (head.rows.empty()) Problem("the ledger_head row is missing");
    const int64_t head_size = head.rows.empty() ? 0 : head.rows[0].Int(0);
    const int64_t head_checkpoints = head.rows.empty() ? 0 : head.rows[0].Int(1);
    RETURN_IF_ERROR(ReadCheckpoints(tx, head_checkpoints));
    RETURN_IF_ERROR(ReadLeaves(tx));
    const auto stored_size = static_cast<int64_t>(next_index_);
    if (head_size > stored_size) {
      Bad(next_index_, "", "",
          base::StrCat(Leaves(next_index_, head_size - 1), " missing: the ledger counts ",
                       head_size, " leaves, so the log was truncated"));
    } else if (head_size < stored_size) {
      Problem(base::StrCat("the ledger counts ", head_size, " leaves but ", stored_size,
                           " are stored: leaves were added around the ledger"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadCheckpoints(store::Transaction& tx, int64_t head_checkpoints) {
    ASSIGN_OR_RETURN(store::Result rows,
                     tx.Execute("SELECT seq, tree_size, root_hash, note FROM ledger_checkpoints "
                                "ORDER BY seq"));
    int64_t expected = 1;
    for (const store::Row& row : rows.rows) {
      const int64_t sequence = row.Int(0);
      if (sequence != expected) {
        Problem(sequence > expected
                    ? base::StrCat(Checkpoints(expected, sequence - 1), " missing: deleted")
                    : base::StrCat("checkpoint ", sequence, " is out of sequence"));
      }
      expected = sequence + 1;
      std::string label = base::StrCat("checkpoint ", sequence);
      absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(row.Text(3), verifiers_);
      if (!checkpoint.ok()) {
        Problem(base::StrCat(label, ": ", checkpoint.status().message()));
        continue;
      }
      ++report_.checkpoints;
      if (row.Int(1) != static_cast<int64_t>(checkpoint->size) ||
          row.Text(2) != HashBytes(checkpoint->root)) {
        Problem(base::StrCat(label, ": its tree_size or root_hash column differs from its note"));
      }
      stored_.push_back({std::move(label), *std::move(checkpoint)});
    }
    if (head_checkpoints > expected - 1) {
      Problem(base::StrCat(Checkpoints(expected, head_checkpoints), " missing: the ledger counts ",
                           head_checkpoints));
    } else if (head_checkpoints < expected - 1) {
      Problem(base::StrCat("the ledger counts ", head_checkpoints, " checkpoints but ",
                           expected - 1, " are stored: checkpoints were added around it"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadLeaves(store::Transaction& tx) {
    int64_t from = std::numeric_limits<int64_t>::min();
    while (true) {
      ASSIGN_OR_RETURN(store::Result page,
                       tx.Execute("SELECT idx, kind, ref, appended_at, data, leaf_hash "
                                  "FROM ledger_leaves WHERE idx >= $1 ORDER BY idx LIMIT $2",
                                  {from, kPageSize}));
      for (const store::Row& row : page.rows) CheckLeaf(row);
      if (static_cast<int64_t>(page.rows.size()) < kPageSize) break;
      from = page.rows.back().Int(0) + 1;
    }
    report_.leaves = tree_.size();
    return absl::OkStatus();
  }

  void CheckLeaf(const store::Row& row) {
    const int64_t stored_index = row.Int(0);
    const std::string& kind = row.Text(1);
    const std::string& ref = row.Text(2);
    const std::string& data = row.Text(4);
    if (stored_index < 0) {
      Problem(base::StrCat("a leaf is stored under the index ", stored_index));
      return;
    }
    const auto index = static_cast<uint64_t>(stored_index);
    if (index > next_index_) {
      Bad(next_index_, "", "", base::StrCat(Leaves(next_index_, index - 1), " missing: deleted"));
    }
    next_index_ = index + 1;

    const internal::Envelope envelope = internal::LeafEnvelope(index, kind, ref, row.Int(3));
    const bool envelope_matches = data.size() >= envelope.prefix.size() + envelope.suffix.size() &&
                                  base::StartsWith(data, envelope.prefix) &&
                                  base::EndsWith(data, envelope.suffix);
    const Hash leaf_hash = LeafHash(data);
    tree_.Append(leaf_hash);
    if (!envelope_matches) {
      std::optional<uint64_t> held = IndexInData(data);
      Bad(index, kind, ref,
          held && *held != index
              ? base::StrCat("it holds the data of leaf ", *held, ": leaves were moved")
              : std::string("its data disagrees with its index, kind, ref or time: the leaf was "
                            "changed"));
      return;
    }
    if (row.Text(5) != HashBytes(leaf_hash)) {
      Bad(index, kind, ref, "its data no longer gives its stored hash: the leaf was changed");
      return;
    }
    auto by_kind = records_by_kind_.find(kind);
    if (by_kind == records_by_kind_.end()) return;
    std::string_view record = std::string_view(data).substr(
        envelope.prefix.size(), data.size() - envelope.prefix.size() - envelope.suffix.size());
    auto [digest, inserted] = by_kind->second.try_emplace(ref);
    if (!inserted) {
      Bad(index, kind, ref, base::StrCat("leaf ", digest->second.index, " anchors it already"));
      return;
    }
    digest->second.index = index;
    digest->second.digest = LeafHash(record);
  }

  void ReadTrustedCheckpoints() {
    for (size_t note_idx = 0; note_idx < options_.trusted_checkpoints.size(); ++note_idx) {
      std::string label = base::StrCat("trusted checkpoint ", note_idx + 1);
      absl::StatusOr<Checkpoint> checkpoint =
          OpenCheckpoint(options_.trusted_checkpoints[note_idx], verifiers_);
      if (!checkpoint.ok()) {
        Problem(base::StrCat(label, ": ", checkpoint.status().message()));
        continue;
      }
      trusted_.push_back({base::StrCat(label, " (size ", checkpoint->size, ")"), *checkpoint});
    }
  }

  // Compares a checkpoint with the recomputed tree; true when it matches.
  bool MatchesTree(const SignedCheckpoint& signed_checkpoint) {
    const Checkpoint& checkpoint = signed_checkpoint.checkpoint;
    if (checkpoint.size > tree_.size()) {
      Bad(tree_.size(), "", "",
          base::StrCat(signed_checkpoint.label, " covers ", checkpoint.size, " leaves but only ",
                       tree_.size(), " are stored: leaves were deleted or the log truncated"));
      return false;
    }
    if (*tree_.RootAt(checkpoint.size) != checkpoint.root) {
      Problem(base::StrCat(signed_checkpoint.label, " (size ", checkpoint.size,
                           ") does not match the stored leaves: a leaf from ", verified_size_,
                           " to ", checkpoint.size - 1, " was changed, removed or reordered"));
      if (!report_.suspect_range) report_.suspect_range = {verified_size_, checkpoint.size};
      return false;
    }
    verified_size_ = std::max(verified_size_, checkpoint.size);
    return true;
  }

  void CheckCheckpoints() {
    const SignedCheckpoint* previous = nullptr;
    for (const SignedCheckpoint& current : stored_) {
      bool matches = MatchesTree(current);
      if (previous != nullptr) CheckConsistency(*previous, current, matches);
      previous = &current;
    }
    for (const SignedCheckpoint& trusted : trusted_) MatchesTree(trusted);
    for (const auto* list : {&stored_, &trusted_}) {
      for (const SignedCheckpoint& signed_checkpoint : *list) {
        if (!report_.latest_checkpoint ||
            signed_checkpoint.checkpoint.size > report_.latest_checkpoint->size) {
          report_.latest_checkpoint = signed_checkpoint.checkpoint;
        }
      }
    }
  }

  // RFC 9162 section 2.1.4: each checkpoint must extend the one before it. The proof comes from
  // the recomputed tree; it is checked against the two signed roots.
  void CheckConsistency(const SignedCheckpoint& older, const SignedCheckpoint& newer,
                        bool newer_matches) {
    const uint64_t old_size = older.checkpoint.size;
    const uint64_t new_size = newer.checkpoint.size;
    if (old_size > new_size) {
      Problem(base::StrCat(newer.label, " covers fewer leaves (", new_size, ") than ", older.label,
                           " (", old_size, "): the log was rolled back"));
      return;
    }
    // A checkpoint the tree does not reach has been reported; from the empty tree nothing follows.
    if (new_size > tree_.size() || old_size == 0) return;
    std::vector<Hash> proof;
    if (old_size < new_size) proof = *tree_.ConsistencyProof(old_size, new_size);
    absl::Status consistent =
        VerifyConsistency(old_size, new_size, ToBytes(proof), HashBytes(older.checkpoint.root),
                          HashBytes(newer.checkpoint.root));
    // When the newer one disagrees with the tree that is reported already; this is then its echo.
    if (!consistent.ok() && newer_matches) {
      Problem(base::StrCat(older.label, " and ", newer.label,
                           " are not consistent: ", consistent.message()));
    }
  }

  absl::Status CompareSource(store::Database& database, RecordSource& source) {
    const std::string kind(source.kind());
    absl::flat_hash_map<std::string, RecordDigest>& digests = records_by_kind_[kind];
    RETURN_IF_ERROR(
        source.ForEachRecord([&](std::string_view ref, std::string_view record) -> absl::Status {
          ++report_.records_compared;
          auto found = digests.find(std::string(ref));
          if (found == digests.end()) {
            // The record and its leaf may have been committed after the snapshot.
            ASSIGN_OR_RETURN(store::Result later,
                             database.Execute("SELECT idx FROM ledger_leaves "
                                              "WHERE kind = $1 AND ref = $2",
                                              {kind, std::string(ref)}, store::TxMode::kRead));
            if (later.rows.empty()) {
              Problem(base::StrCat("the ", kind, " record ", ref,
                                   " has no leaf: it was written around the ledger"));
            }
            return absl::OkStatus();
          }
          found->second.seen = true;
          if (LeafHash(record) != found->second.digest) {
            Bad(found->second.index, kind, ref,
                "the record in its own table differs from its leaf: the record was changed");
          }
          return absl::OkStatus();
        }));
    std::vector<std::pair<uint64_t, std::string>> gone;
    for (const auto& [ref, digest] : digests) {
      if (!digest.seen) gone.emplace_back(digest.index, ref);
    }
    std::sort(gone.begin(), gone.end());
    for (const auto& [index, ref] : gone) {
      Bad(index, kind, ref, "its record is gone from its own table: the record was deleted");
    }
    return absl::OkStatus();
  }

  const std::vector<NoteVerifier> verifiers_;
  const VerifyOptions& options_;
  VerifyReport report_;
  MerkleTree tree_;
  uint64_t next_index_ = 0;     // the index the next stored leaf should have
  uint64_t verified_size_ = 0;  // leaves below this match a checkpoint
  std::vector<SignedCheckpoint> stored_;
  std::vector<SignedCheckpoint> trusted_;
  // For the kinds with a source: ref -> what its leaf says.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, RecordDigest>> records_by_kind_;
};

}  // namespace

absl::StatusOr<VerifyReport> VerifyLedger(store::Database& database, const VerifyOptions& options) {
  std::vector<NoteVerifier> verifiers;
  for (const std::string& key : options.verifier_keys) {
    ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(key));
    verifiers.push_back(std::move(verifier));
  }
  if (verifiers.empty()) {
    return absl::InvalidArgumentError("no verifier key: checkpoints cannot be checked");
  }
  Verification verification(std::move(verifiers), options);
  return verification.Run(database);
}

}  // namespace threathub::ledger
