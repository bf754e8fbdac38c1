#include "ledger/ledger.h"

#include <filesystem>

#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "ledger/internal/leaf_format.h"

namespace threathub::ledger {
namespace {

// Leaf hashes read per statement when the tree catches up.
constexpr int64_t kSyncPageSize = 50'000;

constexpr char kSelectLeaf[] =
    "SELECT idx, kind, ref, appended_at, data, leaf_hash FROM ledger_leaves";
constexpr char kInsertLeaf[] =
    "INSERT INTO ledger_leaves(idx, kind, ref, appended_at, data, leaf_hash) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
// Taking the head row's lock (held to the end of the transaction) orders every appending
// transaction, and every checkpoint, after the one before it.
constexpr char kReserveIndexes[] =
    "UPDATE ledger_head SET size = size + $1 WHERE id = 1 RETURNING size";
constexpr char kLockHead[] =
    "UPDATE ledger_head SET checkpoints = checkpoints WHERE id = 1 RETURNING size, checkpoints";

absl::Status MissingHead() {
  return absl::DataLossError("the ledger_head row is missing: run `threathub ledger verify`");
}

absl::StatusOr<Leaf> LeafFromRow(const store::Row& row) {
  Leaf leaf;
  leaf.index = static_cast<uint64_t>(row.Int(0));
  leaf.kind = row.Text(1);
  leaf.ref = row.Text(2);
  leaf.appended_at = row.Int(3);
  leaf.data = row.Text(4);
  std::optional<Hash> hash = HashFromBytes(row.Text(5));
  if (!hash) {
    return absl::DataLossError(base::StrCat("leaf ", leaf.index, " has a malformed hash"));
  }
  leaf.leaf_hash = *hash;
  return leaf;
}

absl::StatusOr<StoredCheckpoint> OpenStoredCheckpoint(const store::Row& row,
                                                      const NoteVerifier& verifier) {
  StoredCheckpoint stored;
  stored.sequence = row.Int(0);
  stored.note = row.Text(1);
  stored.created_at = row.Int(2);
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(stored.note, {&verifier, 1});
  if (!checkpoint.ok()) {
    return absl::DataLossError(base::StrCat("stored checkpoint ", stored.sequence,
                                            " does not verify: ", checkpoint.status().message()));
  }
  stored.checkpoint = *std::move(checkpoint);
  return stored;
}

}  // namespace

LedgerOptions LedgerOptions::InDataDir(const std::string& data_dir) {
  LedgerOptions options;
  options.key_path = (std::filesystem::path(data_dir) / "keys" / "ledger-ed25519.key").string();
  options.checkpoint_path = (std::filesystem::path(data_dir) / "ledger" / "checkpoint").string();
  return options;
}

Ledger::Ledger(store::Database& database, const base::Clock& clock, LedgerOptions options,
               NoteSigner signer, NoteVerifier verifier)
    : database_(database),
      clock_(clock),
      options_(std::move(options)),
      signer_(std::move(signer)),
      verifier_(std::move(verifier)) {}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(store::Database& database,
                                                     const base::Clock& clock,
                                                     const LedgerOptions& options) {
  if (options.key_path.empty()) return absl::InvalidArgumentError("no ledger key path given");
  absl::StatusOr<store::Result> head =
      database.Execute("SELECT size FROM ledger_head WHERE id = 1", {}, store::TxMode::kRead);
  if (!head.ok()) {
    return absl::FailedPreconditionError(
        base::StrCat("the ledger tables are missing or unreadable (migrate the database): ",
                     head.status().message()));
  }
  ASSIGN_OR_RETURN(NoteSigner signer,
                   LoadOrCreateKeyFile(options.key_path, options.origin, options.key_creation));
  ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(signer.VerifierKey()));
  std::unique_ptr<Ledger> ledger(
      new Ledger(database, clock, options, std::move(signer), std::move(verifier)));
  absl::Status loaded =
      database.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        absl::MutexLock lock(&ledger->tree_mutex_);
        return ledger->SyncTree(tx);
      });
  // A damaged ledger must not keep the rest of the system from starting: the tree holds the
  // leaves before the damage, and checkpoints and proofs beyond it keep failing with DataLoss
  // until someone looks (`threathub ledger verify` names the place).
  if (!loaded.ok() && loaded.code() != absl::StatusCode::kDataLoss) return loaded;
  return ledger;
}

absl::StatusOr<uint64_t> Ledger::Append(store::Transaction& tx, const Entry& entry) {
  return AppendBatch(tx, {&entry, 1});
}

absl::StatusOr<uint64_t> Ledger::AppendBatch(store::Transaction& tx,
                                             std::span<const Entry> entries) {
  if (entries.empty()) return absl::InvalidArgumentError("no entries to append");
  // Everything that bad input can fail is checked before the head row is locked.
  std::vector<std::string> records;
  records.reserve(entries.size());
  for (const Entry& entry : entries) {
    RETURN_IF_ERROR(internal::CheckKind(entry.kind));
    RETURN_IF_ERROR(internal::CheckRef(entry.ref));
    ASSIGN_OR_RETURN(std::string record, entry.record.Serialize());
    if (record.size() > kMaxRecordSize) {
      return absl::InvalidArgumentError(
          base::StrCat("the ", entry.kind, " record ", entry.ref, " is longer than 1 MiB"));
    }
    records.push_back(std::move(record));
  }
  const auto count = static_cast<int64_t>(entries.size());
  ASSIGN_OR_RETURN(store::Result head, tx.Execute(kReserveIndexes, {count}));
  if (head.rows.empty()) return MissingHead();
  const auto first = static_cast<uint64_t>(head.rows[0].Int(0) - count);
  const base::Millis now = clock_.NowMillis();
  for (size_t entry_idx = 0; entry_idx < entries.size(); ++entry_idx) {
    const Entry& entry = entries[entry_idx];
    const uint64_t index = first + entry_idx;
    internal::Envelope envelope = internal::LeafEnvelope(index, entry.kind, entry.ref, now);
    std::string data = base::StrCat(envelope.prefix, records[entry_idx], envelope.suffix);
    Hash leaf_hash = LeafHash(data);
    RETURN_IF_ERROR(tx.Execute(kInsertLeaf, {static_cast<int64_t>(index), entry.kind, entry.ref,
                                             now, store::Blob{std::move(data)},
                                             store::Blob{std::string(HashBytes(leaf_hash))}})
                        .status());
  }
  return first;
}

absl::StatusOr<uint64_t> Ledger::Size() {
  ASSIGN_OR_RETURN(
      store::Result head,
      database_.Execute("SELECT size FROM ledger_head WHERE id = 1", {}, store::TxMode::kRead));
  if (head.rows.empty()) return MissingHead();
  return static_cast<uint64_t>(head.rows[0].Int(0));
}

absl::StatusOr<Leaf> Ledger::GetLeaf(uint64_t index) {
  ASSIGN_OR_RETURN(store::Result result,
                   database_.Execute(base::StrCat(kSelectLeaf, " WHERE idx = $1"),
                                     {static_cast<int64_t>(index)}, store::TxMode::kRead));
  if (result.rows.empty()) return absl::NotFoundError(base::StrCat("no leaf ", index));
  return LeafFromRow(result.rows[0]);
}

absl::StatusOr<Leaf> Ledger::FindLeaf(std::string_view kind, std::string_view ref) {
  ASSIGN_OR_RETURN(store::Result result,
                   database_.Execute(base::StrCat(kSelectLeaf, " WHERE kind = $1 AND ref = $2"),
                                     {std::string(kind), std::string(ref)}, store::TxMode::kRead));
  if (result.rows.empty()) {
    return absl::NotFoundError(base::StrCat("no leaf for ", kind, " ", ref));
  }
  return LeafFromRow(result.rows[0]);
}

absl::Status Ledger::SyncTree(store::Transaction& tx) {
  while (true) {
    ASSIGN_OR_RETURN(store::Result page,
                     tx.Execute("SELECT idx, leaf_hash FROM ledger_leaves WHERE idx >= $1 "
                                "ORDER BY idx LIMIT $2",
                                {static_cast<int64_t>(tree_.size()), kSyncPageSize}));
    for (const store::Row& row : page.rows) {
      if (row.Int(0) != static_cast<int64_t>(tree_.size())) {
        return absl::DataLossError(base::StrCat("ledger leaf ", tree_.size(),
                                                " is missing (the next stored leaf is ", row.Int(0),
                                                "): run `threathub ledger verify`"));
      }
      std::optional<Hash> leaf_hash = HashFromBytes(row.Text(1));
      if (!leaf_hash) {
        return absl::DataLossError(
            base::StrCat("ledger leaf ", tree_.size(), " has a malformed hash"));
      }
      tree_.Append(*leaf_hash);
    }
    if (static_cast<int64_t>(page.rows.size()) < kSyncPageSize) return absl::OkStatus();
  }
}

absl::Status Ledger::EnsureTree(uint64_t tree_size) {
  {
    absl::ReaderMutexLock lock(&tree_mutex_);
    if (tree_size <= tree_.size()) return absl::OkStatus();
  }
  absl::MutexLock lock(&tree_mutex_);
  if (tree_size <= tree_.size()) return absl::OkStatus();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead,
                                     [&](store::Transaction& tx) { return SyncTree(tx); }));
  if (tree_size > tree_.size()) {
    return absl::OutOfRangeError(base::StrCat("the ledger has ", tree_.size(),
                                              " leaves; tree size ", tree_size, " is beyond it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LeafInclusion> Ledger::ProveInclusion(uint64_t index, uint64_t tree_size) {
  RETURN_IF_ERROR(EnsureTree(tree_size));
  absl::ReaderMutexLock lock(&tree_mutex_);
  LeafInclusion proof;
  ASSIGN_OR_RETURN(proof.path, tree_.InclusionProof(index, tree_size));
  ASSIGN_OR_RETURN(proof.root, tree_.RootAt(tree_size));
  proof.index = index;
  proof.tree_size = tree_size;
  proof.leaf_hash = tree_.LeafHashAt(index);
  return proof;
}

absl::StatusOr<TreeConsistency> Ledger::ProveConsistency(uint64_t old_size, uint64_t new_size) {
  RETURN_IF_ERROR(EnsureTree(new_size));
  absl::ReaderMutexLock lock(&tree_mutex_);
  TreeConsistency proof;
  ASSIGN_OR_RETURN(proof.path, tree_.ConsistencyProof(old_size, new_size));
  ASSIGN_OR_RETURN(proof.old_root, tree_.RootAt(old_size));
  ASSIGN_OR_RETURN(proof.new_root, tree_.RootAt(new_size));
  proof.old_size = old_size;
  proof.new_size = new_size;
  return proof;
}

absl::StatusOr<std::optional<StoredCheckpoint>> Ledger::MakeCheckpoint(CheckpointPolicy policy) {
  const base::Millis now = clock_.NowMillis();
  std::optional<StoredCheckpoint> made;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        made.reset();
        // With the head row locked no leaf can be appended until this transaction ends, so the
        // `size` leaves read below are exactly the committed ones.
        ASSIGN_OR_RETURN(store::Result head, tx.Execute(kLockHead));
        if (head.rows.empty()) return MissingHead();
        const auto size = static_cast<uint64_t>(head.rows[0].Int(0));
        const int64_t count = head.rows[0].Int(1);
        uint64_t last_size = 0;
        base::Millis last_at = 0;
        if (count > 0) {
          ASSIGN_OR_RETURN(store::Result last,
                           tx.Execute("SELECT tree_size, created_at FROM ledger_checkpoints "
                                      "WHERE seq = $1",
                                      {count}));
          if (last.rows.empty()) {
            return absl::DataLossError(base::StrCat("checkpoint ", count, " is missing"));
          }
          last_size = static_cast<uint64_t>(last.rows[0].Int(0));
          last_at = last.rows[0].Int(1);
        }
        if (size < last_size) {
          return absl::DataLossError(base::StrCat(
              "the ledger has ", size, " leaves but checkpoint ", count, " covers ", last_size));
        }
        if (size == last_size) return absl::OkStatus();
        if (policy == CheckpointPolicy::kWhenDue && count > 0 &&
            now - last_at < options_.checkpoint_interval_ms) {
          return absl::OkStatus();
        }
        Checkpoint checkpoint{.origin = origin(), .size = size};
        {
          absl::MutexLock lock(&tree_mutex_);
          RETURN_IF_ERROR(SyncTree(tx));
          ASSIGN_OR_RETURN(checkpoint.root, tree_.RootAt(size));
        }
        ASSIGN_OR_RETURN(std::string note, signer_.Sign(FormatCheckpoint(checkpoint)));
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO ledger_checkpoints(seq, tree_size, root_hash, note, "
                       "created_at) VALUES ($1, $2, $3, $4, $5)",
                       {count + 1, static_cast<int64_t>(size),
                        store::Blob{std::string(HashBytes(checkpoint.root))}, note, now})
                .status());
        RETURN_IF_ERROR(
            tx.Execute("UPDATE ledger_head SET checkpoints = $1 WHERE id = 1", {count + 1})
                .status());
        made = StoredCheckpoint{.sequence = count + 1,
                                .checkpoint = std::move(checkpoint),
                                .note = std::move(note),
                                .created_at = now};
        return absl::OkStatus();
      }));
  if (made && !options_.checkpoint_path.empty()) RETURN_IF_ERROR(WriteCheckpointFile(*made));
  return made;
}

absl::Status Ledger::WriteCheckpointFile(const StoredCheckpoint& made) {
  const std::string& path = options_.checkpoint_path;
  // Another instance sharing the data directory may have written a newer checkpoint already.
  absl::StatusOr<std::string> existing = base::ReadFile(path);
  if (existing.ok()) {
    absl::StatusOr<Checkpoint> written = OpenCheckpoint(*existing, {&verifier_, 1});
    if (written.ok() && written->size > made.checkpoint.size) return absl::OkStatus();
  }
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (!directory.empty()) RETURN_IF_ERROR(base::MakeDirectories(directory, 0750));
  return base::WriteFileDurably(path, made.note, 0644);
}

absl::StatusOr<std::optional<StoredCheckpoint>> Ledger::LatestCheckpoint() {
  ASSIGN_OR_RETURN(store::Result result,
                   database_.Execute("SELECT seq, note, created_at FROM ledger_checkpoints "
                                     "ORDER BY seq DESC LIMIT 1",
                                     {}, store::TxMode::kRead));
  if (result.rows.empty()) return std::nullopt;
  return OpenStoredCheckpoint(result.rows[0], verifier_);
}

absl::StatusOr<VerifyReport> Ledger::Verify(VerifyOptions options) {
  options.verifier_keys.push_back(signer_.VerifierKey());
  if (!options_.checkpoint_path.empty()) {
    absl::StatusOr<std::string> written = base::ReadFile(options_.checkpoint_path);
    if (written.ok()) {
      options.trusted_checkpoints.push_back(*std::move(written));
    } else if (written.status().code() != absl::StatusCode::kNotFound) {
      return written.status();
    }
  }
  return VerifyLedger(database_, options);
}

}  // namespace threathub::ledger
