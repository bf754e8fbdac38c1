// The ledger: an append-only Merkle tree (merkle.h, RFC 6962) over every custody event and every
// audit record, kept in the database next to the records it covers, with signed checkpoints
// (checkpoint.h), inclusion and consistency proofs, and a verification that recomputes the tree
// from the stored leaves. docs/formats/ledger.md describes every byte, and how to check a ledger
// offline without this program.
//
// A leaf's data is the canonical JSON (canonical_json.h) of an envelope around one record:
//
//   {"appended_at":1767225600000,"index":41,"kind":"audit","record":{...},"ref":"17","v":1}
//
// and its hash is SHA-256(0x00 || data). The envelope names the leaf's own index, so a row moved
// to another place in the table is caught even where no checkpoint covers it yet.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
//                    Ledger::Open(database, clock, LedgerOptions::InDataDir(config.data_dir)));
//   // in the transaction that writes the record, so that both commit or neither does:
//   ASSIGN_OR_RETURN(uint64_t index, ledger->Append(tx, Entry{"custody", "12/3", event}));
//   // from a background job, every few seconds:
//   ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> made, ledger->MaybeCheckpoint());
//   // `threathub ledger verify`:
//   ASSIGN_OR_RETURN(VerifyReport report, ledger->Verify({.sources = {&audit_source}}));
//
// Leaf indexes follow commit order without gaps, with any number of threads and instances: an
// append takes the lock of the one row of ledger_head (UPDATE ... RETURNING) and keeps it until its
// transaction ends, so appending transactions commit one after another. Append as late in a
// transaction as possible (audit::AuditTrail::Append usually comes last) to hold it briefly.
//
// Thread-safe. Holds the signing key in memory; the key file lives outside the database.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "store/database.h"

namespace threathub::ledger {

// The leaf kinds in use (docs/formats/ledger.md describes each kind's record).
inline constexpr std::string_view kAuditKind = "audit";      // audit_anchor.h
inline constexpr std::string_view kCustodyKind = "custody";  // evidence custody events (vault)
inline constexpr std::string_view kLedgerKind = "ledger";    // the ledger's own events
inline constexpr std::string_view kCollectKind = "collect";  // collection purges (collect)

// A record's canonical form may be at most this long.
inline constexpr size_t kMaxRecordSize = 1 << 20;

struct Entry {
  std::string kind;  // 1 to 32 characters: a lower-case letter, then [a-z0-9_]
  std::string ref;   // the record's id within its kind: 1 to 256 bytes of UTF-8, no control chars
  CanonicalObject record;
};

struct Leaf {
  uint64_t index = 0;
  std::string kind;
  std::string ref;
  base::Millis appended_at = 0;
  std::string data;  // the canonical JSON envelope; leaf_hash = SHA-256(0x00 || data)
  Hash leaf_hash{};
};

struct StoredCheckpoint {
  int64_t sequence = 0;  // 1, 2, 3, ... in the order they were signed
  Checkpoint checkpoint;
  std::string note;  // the signed note, as served and as an outside party keeps it
  base::Millis created_at = 0;
};

// Leaf `index` is in the tree of `tree_size` leaves whose root is `root`: check with
// VerifyInclusion(leaf_hash, index, tree_size, path, root) and compare root with a checkpoint.
struct LeafInclusion {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  Hash leaf_hash{};
  std::vector<Hash> path;  // leaf to root
  Hash root{};
};

// The tree of old_size leaves is a prefix of the tree of new_size leaves.
struct TreeConsistency {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::vector<Hash> path;
  Hash old_root{};
  Hash new_root{};
};

// A table whose records are anchored in the ledger, so that verification can compare each
// stored record with its leaf: a record edited or deleted in its own table is then caught too.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  virtual std::string_view kind() const = 0;
  // Calls `visit` once for every stored record of kind(), in any order, with its ref and its
  // canonical JSON (the "record" member of its leaf). Stops at and returns visit's first error.
  virtual absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
          visit) = 0;
};

struct VerifyOptions {
  // Verifier keys ("<name>+<key ID>+<base64>") trusted to sign checkpoints. Ledger::Verify adds
  // its own key.
  std::vector<std::string> verifier_keys;
  // Signed checkpoints kept outside the database (the checkpoint file, one handed to a court):
  // each must verify and match the stored leaves, so that a database rolled back or truncated
  // together with its checkpoints is caught. Ledger::Verify adds its checkpoint file.
  std::vector<std::string> trusted_checkpoints;
  // Tables to compare with their leaves. Not owned.
  std::vector<RecordSource*> sources;
};

struct BadRecord {
  uint64_t index = 0;  // the leaf's index
  std::string kind;    // empty when the leaf itself is missing
  std::string ref;
  std::string problem;
};

// Verification reports at most this many problems (and counts the rest).
inline constexpr size_t kMaxReportedProblems = 100;

struct VerifyReport {
  uint64_t leaves = 0;                          // leaf rows read
  uint64_t checkpoints = 0;                     // stored checkpoints whose signature verified
  std::optional<Checkpoint> latest_checkpoint;  // the largest verified one, stored or trusted
  uint64_t records_compared = 0;  // records compared with their leaves through the sources
  // The first bad record in leaf order, when one can be named: a leaf missing, out of place, or
  // whose data no longer gives its stored hash; a record that differs from its leaf or is gone.
  std::optional<BadRecord> first_bad;
  // When the leaves agree with their stored hashes but a checkpoint disagrees with them (data
  // and hash were both rewritten), the bad leaf can only be placed between two checkpoints:
  // [first, second) of the first checkpoint that fails.
  std::optional<std::pair<uint64_t, uint64_t>> suspect_range;
  std::vector<std::string> problems;  // in the order found; at most kMaxReportedProblems
  uint64_t problems_not_listed = 0;

  bool ok() const { return problems.empty(); }
};

// Recomputes the tree from the stored leaves and checks everything docs/formats/ledger.md lists:
// leaf indexes contiguous from 0, each leaf's envelope agreeing with its row, each leaf hash
// recomputed from its data, every stored checkpoint's signature (by one of the verifier keys),
// its root against the recomputed tree, the consistency of each checkpoint with the next, their
// sequence numbers, the trusted checkpoints, truncation (a checkpoint or the head counting more
// leaves than are stored), and, through the sources, every record against its leaf.
// A problem found goes into the report; an error status means verification could not run
// (InvalidArgument for a bad verifier key or none, or a database error).
// Reads one snapshot of the ledger tables (REPEATABLE READ on PostgreSQL). Needs no private key.
absl::StatusOr<VerifyReport> VerifyLedger(store::Database& database, const VerifyOptions& options);

struct LedgerOptions {
  // The Ed25519 private key file (PRIVATE+KEY+... text, mode 0600). Never in the database.
  std::string key_path;
  KeyCreation key_creation = KeyCreation::kCreateIfMissing;
  // The key's name when the key is made, and so the origin line of every checkpoint. An existing
  // key keeps its own name. Use something unique to the deployment ("ledger.cyber.example.kz").
  std::string origin = "threathub/ledger";
  // Where the latest checkpoint is also written, outside the database; empty: nowhere.
  std::string checkpoint_path;
  // MaybeCheckpoint signs at most this often.
  base::Millis checkpoint_interval_ms = 60'000;

  // key_path <data_dir>/keys/ledger-ed25519.key, checkpoint_path <data_dir>/ledger/checkpoint.
  static LedgerOptions InDataDir(const std::string& data_dir);
};

enum class CheckpointPolicy {
  kWhenDue,        // new leaves, and checkpoint_interval_ms since the last checkpoint
  kWhenNewLeaves,  // new leaves
};

class Ledger {
 public:
  // Loads (or makes) the key and the tree of the stored leaves (about 64 bytes per leaf in
  // memory). The database must be migrated. FailedPrecondition when the ledger tables are missing.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(store::Database& database,
                                                      const base::Clock& clock,
                                                      const LedgerOptions& options);

  // Appends one leaf inside the caller's write transaction and returns its index. The leaf
  // commits or rolls back with the transaction. InvalidArgument for a bad kind, ref or record;
  // AlreadyExists (the transaction is then spent) when kind and ref already have a leaf.
  absl::StatusOr<uint64_t> Append(store::Transaction& tx, const Entry& entry);
  // Appends several leaves with consecutive indexes and returns the first index.
  absl::StatusOr<uint64_t> AppendBatch(store::Transaction& tx, std::span<const Entry> entries);

  // Committed leaves.
  absl::StatusOr<uint64_t> Size();
  // NotFound when there is no such leaf.
  absl::StatusOr<Leaf> GetLeaf(uint64_t index);
  absl::StatusOr<Leaf> FindLeaf(std::string_view kind, std::string_view ref);

  // Signs a checkpoint of all committed leaves when `policy` says so, stores it, writes it to
  // checkpoint_path, and returns it; nullopt when none was due. Safe to call from several
  // instances at once: the checkpoints they make are ordered like leaves.
  absl::StatusOr<std::optional<StoredCheckpoint>> MakeCheckpoint(CheckpointPolicy policy);
  absl::StatusOr<std::optional<StoredCheckpoint>> MaybeCheckpoint() {
    return MakeCheckpoint(CheckpointPolicy::kWhenDue);
  }
  // The latest stored checkpoint, its signature checked; nullopt when there is none yet.
  absl::StatusOr<std::optional<StoredCheckpoint>> LatestCheckpoint();

  // Proofs against the tree of the first `tree_size` committed leaves (usually a checkpoint's
  // size). InvalidArgument for an index or old size out of range; OutOfRange when tree_size is
  // larger than the committed tree.
  absl::StatusOr<LeafInclusion> ProveInclusion(uint64_t index, uint64_t tree_size);
  absl::StatusOr<TreeConsistency> ProveConsistency(uint64_t old_size, uint64_t new_size);

  // The checkpoints' origin (the key's name) and the key, for export: signer().VerifierKey(),
  // signer().PublicKeyPem().
  const std::string& origin() const { return signer_.name(); }
  const NoteSigner& signer() const { return signer_; }
  store::Database& database() const { return database_; }

  // VerifyLedger with this ledger's key and checkpoint file added to `options`.
  absl::StatusOr<VerifyReport> Verify(VerifyOptions options = {});

 private:
  Ledger(store::Database& database, const base::Clock& clock, LedgerOptions options,
         NoteSigner signer, NoteVerifier verifier);

  // Extends tree_ with the committed leaves it lacks, read through `tx`.
  absl::Status SyncTree(store::Transaction& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(tree_mutex_);
  // Makes tree_ hold at least `tree_size` leaves if that many are committed; OutOfRange if not.
  absl::Status EnsureTree(uint64_t tree_size) ABSL_LOCKS_EXCLUDED(tree_mutex_);
  absl::Status WriteCheckpointFile(const StoredCheckpoint& made);

  store::Database& database_;
  const base::Clock& clock_;
  const LedgerOptions options_;
  const NoteSigner signer_;
  const NoteVerifier verifier_;  // signer_'s public half

  absl::Mutex tree_mutex_;
  // The leaves committed so far (or a prefix of them): a cache that SyncTree extends from the
  // database, never from an uncommitted transaction, so a rollback cannot leave a leaf in it.
  MerkleTree tree_ ABSL_GUARDED_BY(tree_mutex_);
};

}  // namespace threathub::ledger
