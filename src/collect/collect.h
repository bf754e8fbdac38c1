// Collection under a monitoring mandate: sources (exports imported by hand, feeds polled by the
// server) attached to an approved mandate, the items collected from them, full-text search,
// promotion of an item to evidence, and the purge of what the mandate's storage period no longer
// covers.
//
//   collect::CollectService collect(db, trail, ledger, mandates, evidence, blobs, clock, {});
//   ASSIGN_OR_RETURN(collect::Source source,
//                    collect.CreateSource(who, origin, mandate_id, {.kind = "jsonl", .name =
//                    "X"}));
//   ASSIGN_OR_RETURN(collect::ImportReport report,
//                    collect.ImportPath(who, origin, source.id, "/mnt/exports/posts.jsonl"));
//   // report.stored, report.duplicates, report.refused["account_outside_mandate"], ...
//   ASSIGN_OR_RETURN(collect::ItemPage page, collect.List(who, {.q = "қауіпсіздік"}));
//
// Enforcement. The mandate is re-read (MandateService::GetForCollection) at the start of every
// import and every feed poll: one that is not approved, not yet in its window, past it or
// revoked refuses the import or poll as a whole (counted under its reason in the source's
// refusals), and an ended one (expired, revoked, no longer approved, gone) stops every source
// attached to it at once, with the reason. Then every record is judged by mandates::Evaluate
// with its platform, its author's id (or else its channel's; a record is taken when either is
// inside the mandate) and its URL; a record outside is not stored, only counted per reason
// ("312 items from accounts outside the mandate" is refused["account_outside_mandate"] = 312).
//
// Storage. Each accepted record becomes one collected item: its fields, its text in the
// full-text index (SQLite FTS5 with unicode61 remove_diacritics 2, PostgreSQL tsvector 'simple'
// over the text lower-cased here, so Kazakh and Russian are found case-insensitively, by word
// prefix), the SHA-256 of its original bytes, the original bytes themselves, and its media files
// (in the vault's content-addressed BlobStore, as evidence files are). Original bytes up to
// `inline_raw_limit` are kept in the item's row, larger ones in the BlobStore: a blob file per
// 300-byte post would cost an fsync and a 4 KiB block each, and the import speed target
// (docs/performance.md) would be out of reach. The item is purged at collected_at + the
// mandate's storage_days unless promoted. (platform, channel_id, post_id) identifies an item:
// importing the same export again stores nothing new and counts the duplicates.
//
// Durability. Records are stored in transactions of `batch_size`; an item's row, its media rows
// and its index entry are written in the same transaction, so a crash leaves whole items only,
// and every item of an import that has been answered is on disk. Media files are written to the
// vault before their transaction; a crash in between leaves a file nobody lists.
//
// Visibility: a source, its items and its imports are visible to whoever may see the mandate
// (MandateService::Get); the HTTP routes need monitoring.use as well.
//
// Background work (StartBackground, or RunScheduledJobs from a caller's loop): once a second,
// sources of ended mandates are stopped and due feeds are polled (each claimed through the
// database, so several instances never poll one twice); every purge_interval the purge job
// (claimed through scheduled_jobs) deletes items past purge_at that were not promoted, their
// index entries and media rows, and the files no other item and no evidence item holds, and
// records each purge in the audit trail and as a ledger leaf of kind "collect"
// (docs/formats/ledger.md).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "audit/audit.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "cases/cases.h"
#include "collect/formats.h"
#include "collect/http_fetch.h"
#include "evidence/evidence.h"
#include "ledger/ledger.h"
#include "mandates/mandates.h"
#include "store/database.h"
#include "vault/blob_store.h"

namespace threathub::collect {

enum class SourceKind { kTelegram, kVk, kJsonl, kFeed, kWarc };
std::string_view SourceKindName(SourceKind kind);  // telegram, vk, jsonl, feed, warc
std::optional<SourceKind> ParseSourceKind(std::string_view name);

// The collect module's own refusal reason, beside mandates::RefusalCode's: the source's mandate
// does not exist (any more).
inline constexpr std::string_view kNoMandate = "no_mandate";
// Why a source was stopped by hand.
inline constexpr std::string_view kStoppedByUser = "stopped_by_user";

// Where an action comes from (audit trail: client and request; custody: where).
struct Origin {
  std::string client;
  std::string request_id;
  std::string where;
};

struct SourceCounts {
  int64_t collected = 0;   // items stored from the source and still kept
  int64_t duplicates = 0;  // records skipped as already collected, over all imports and polls
  int64_t errors = 0;      // records the parsers refused, over all imports and polls
  std::map<std::string, int64_t> refused;  // reason -> records (or whole imports/polls) refused
};

struct Source {
  int64_t id = 0;
  int64_t mandate_id = 0;
  int64_t agency_id = 0;
  SourceKind kind = SourceKind::kJsonl;
  std::string name;
  std::string url;          // feeds
  int poll_minutes = 0;     // feeds
  std::string state;        // active, stopped
  std::string stop_reason;  // a refusal code or stopped_by_user; "" while active
  std::optional<base::Millis> last_polled_at;
  cases::Person created_by;
  base::Millis created_at = 0;
  SourceCounts counts;
};

struct NewSource {
  std::string kind;  // telegram, vk, jsonl, feed, warc
  std::string name;
  std::string url;  // required for feeds (http or https, inside the mandate); else empty
  std::optional<int> poll_minutes;  // feeds: 1 to 10080, default 60
};

struct RecordError {
  std::string position;
  std::string error;
};

// One import or poll and what became of its records.
struct ImportReport {
  int64_t id = 0;
  int64_t source_id = 0;
  std::string trigger;  // import, poll
  std::string format;   // what the parser saw: telegram, vk, jsonl, rss, atom, warc
  std::string state;    // running, done, refused (as a whole), failed (unreadable, fetch failed)
  base::Millis started_at = 0;
  std::optional<base::Millis> finished_at;
  int64_t records = 0;                     // records in the input, good or bad
  int64_t stored = 0;                      // new items
  int64_t duplicates = 0;                  // already collected
  int64_t errors = 0;                      // refused by the parser
  std::map<std::string, int64_t> refused;  // reason -> records outside the mandate
  std::vector<RecordError> error_sample;   // the first kMaxReportedErrors errors
};
inline constexpr size_t kMaxReportedErrors = 100;

struct MediaFile {
  int n = 0;           // 1, 2, ... in the record's order
  std::string sha256;  // the vault's key; "" when only its URL is known (not downloaded)
  std::string name;
  std::string mime_type;
  int64_t size = 0;
  std::string url;
};

struct Item {
  int64_t id = 0;
  int64_t mandate_id = 0;
  int64_t source_id = 0;
  std::string platform;
  std::string channel_id;
  std::string post_id;
  std::string author_id;
  std::string author_name;
  std::string url;
  std::string text;
  std::optional<base::Millis> created_at;
  base::Millis collected_at = 0;
  std::string sha256;  // of the original bytes, lower-case hex
  int64_t raw_size = 0;
  std::vector<MediaFile> media;
  base::Millis purge_at = 0;
  std::optional<int64_t> promoted_evidence_id;
  std::string snippet;  // with a text query: the text around the match, the match in «»
};

struct ItemFilter {
  std::string q;                         // full-text: every word must occur (as a word prefix)
  std::string platform;                  // exact
  std::string author;                    // author id or name, exact (the name case-insensitively)
  std::optional<base::Millis> from, to;  // created_at in [from, to)
  std::optional<int64_t> mandate_id;
  std::optional<int64_t> source_id;
  int limit = 50;  // 1..500
  int offset = 0;
};

struct ItemPage {
  std::vector<Item> items;
  int64_t total = 0;
};

// A file to send: either `path` (in the vault) or `bytes`.
struct Content {
  std::string path;
  std::optional<std::string> bytes;
  std::string name;
  std::string mime_type;
};

struct PurgeReport {
  int64_t items = 0;
  int64_t media = 0;
  int64_t files_deleted = 0;
  int64_t files_kept = 0;  // still held by another item or an evidence item
  std::vector<int64_t> purge_ids;
};

struct CollectOptions {
  // Where archives are unpacked and uploads wait (<data>/collect/tmp).
  std::string temp_dir;
  // Records per transaction, and the most bytes (originals and texts) one holds: a commit
  // costs an fsync and rewrites the index pages it touched, so the larger the batch the faster
  // the import (bench/collect_bench.sh: 38k posts/s at 500, 49k at 5,000 on a loaded 2-CPU
  // machine), while the write lock is held for a batch (about 0.1 s at 5,000 posts).
  size_t batch_size = 5000;
  size_t batch_bytes = size_t{16} << 20;
  // Original bytes up to this size are kept in the database, larger ones in the BlobStore.
  size_t inline_raw_limit = 64 * 1024;
  // The largest input read into memory (JSON Lines, VK responses, feeds).
  uint64_t max_memory_input_bytes = uint64_t{1} << 30;
  // Unpacking a Telegram export archive: at most this many bytes and entries.
  uint64_t max_unpacked_bytes = uint64_t{64} << 30;
  uint64_t max_unpacked_entries = 1'000'000;
  base::Millis purge_interval = 60 * 60 * 1000;
  // How often the background thread looks for ended mandates and due feeds.
  base::Millis tick = 1000;
  FetchOptions fetch;
  // Replaces HttpGet for the pollers (tests). Empty: HttpGet with `fetch`.
  std::function<absl::StatusOr<FetchResult>(const std::string& url)> fetcher;
};

// An upload on its way to CollectService::ImportPath: a file alone in a new folder under the
// service's temporary directory (so that media paths in it can name nothing else), removed with
// its folder on destruction.
class UploadFile {
 public:
  static absl::StatusOr<std::unique_ptr<UploadFile>> Create(const std::string& parent);
  ~UploadFile();
  UploadFile(const UploadFile&) = delete;
  UploadFile& operator=(const UploadFile&) = delete;

  // Appends; kResourceExhausted with reason "disk_full" when the disk is full.
  absl::Status Write(std::string_view bytes);
  // Ends the writing (closes the file).
  absl::Status Close();
  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  UploadFile(std::string folder, std::string path, int fd)
      : folder_(std::move(folder)), path_(std::move(path)), fd_(fd) {}
  std::string folder_;
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

class CollectService {
 public:
  CollectService(store::Database& database, audit::AuditTrail& trail, ledger::Ledger& ledger,
                 mandates::MandateService& mandates, evidence::EvidenceService& evidence,
                 vault::BlobStore& blobs, const base::Clock& clock, CollectOptions options);
  ~CollectService();  // stops the background thread

  // A source under a mandate the caller sees, which must be approved and within its window.
  // Feeds need a mandate whose mechanism is automated collection and a URL inside its scope.
  absl::StatusOr<Source> CreateSource(const auth::Principal& who, const Origin& origin,
                                      int64_t mandate_id, NewSource fields);
  absl::StatusOr<std::vector<Source>> ListSources(const auth::Principal& who, int64_t mandate_id);
  absl::StatusOr<Source> GetSource(const auth::Principal& who, int64_t source_id);
  // Stops a source (its poller, and imports into it); audited. A stopped source is returned as
  // it is.
  absl::StatusOr<Source> StopSource(const auth::Principal& who, const Origin& origin,
                                    int64_t source_id);

  // Whether `who` may import into the source now (visible, active, its mandate in force):
  // checked before an upload's body is read. The import checks again.
  // A mandate that refuses it as a whole is counted and recorded as for ImportPath.
  absl::Status CheckImport(const auth::Principal& who, const Origin& origin, int64_t source_id);
  // A new upload file under options.temp_dir, for ImportPath.
  absl::StatusOr<std::unique_ptr<UploadFile>> BeginUpload();
  // Imports a file or folder. Telegram: the export folder, its result.json, or a .zip/.tar(.gz)
  // of the folder; WARC: a .warc or .warc.gz file; the others: one file of their format. Media
  // files are taken only from inside the export's folder (Telegram) or the file's own folder.
  // A mandate that refuses the import as a whole gives kFailedPrecondition with the refusal code
  // as the reason (the refusal is counted and the import recorded as refused).
  absl::StatusOr<ImportReport> ImportPath(const auth::Principal& who, const Origin& origin,
                                          int64_t source_id, const std::string& path);
  // Imports input held in memory (JSON Lines, VK, a feed document; others through a file).
  absl::StatusOr<ImportReport> ImportBytes(const auth::Principal& who, const Origin& origin,
                                           int64_t source_id, std::string_view bytes);
  // Polls a feed source now, whatever its schedule.
  absl::StatusOr<ImportReport> PollNow(const auth::Principal& who, const Origin& origin,
                                       int64_t source_id);
  // The imports and polls of a source, newest first.
  absl::StatusOr<std::vector<ImportReport>> ListImports(const auth::Principal& who,
                                                        int64_t source_id, int limit);

  absl::StatusOr<ItemPage> List(const auth::Principal& who, const ItemFilter& filter);
  absl::StatusOr<Item> Get(const auth::Principal& who, int64_t item_id);
  // The item's original bytes.
  absl::StatusOr<std::string> RawBytes(const auth::Principal& who, int64_t item_id);
  absl::StatusOr<Content> OpenOriginal(const auth::Principal& who, int64_t item_id);
  absl::StatusOr<Content> OpenMedia(const auth::Principal& who, int64_t item_id, int n);

  // Makes the item an evidence item of the case (the caller must be able to add evidence to
  // it): its original bytes, with custody starting at the collection (a "collection" custody
  // event at collected_at before the ingest), and each stored media file as a child item. The
  // item is then never purged. kFailedPrecondition when it was promoted already.
  absl::StatusOr<evidence::Item> Promote(const auth::Principal& who, const Origin& origin,
                                         int64_t item_id, int64_t case_id, std::string legal_basis,
                                         std::string description);

  // Deletes what is past purge_at and not promoted (see the file comment). As the system.
  absl::StatusOr<PurgeReport> PurgeDue(const Origin& origin);
  // Stops the sources of ended mandates. Returns how many were stopped.
  absl::StatusOr<int64_t> StopEndedSources();
  // Polls the active feeds that are due (each claimed through the database). Returns how many.
  absl::StatusOr<int64_t> PollDueFeeds();
  // One tick of the background work: StopEndedSources, PollDueFeeds, and PurgeDue when the
  // purge job is due.
  absl::Status RunScheduledJobs();
  // Runs RunScheduledJobs every options.tick on a thread of its own until destruction.
  void StartBackground();

 private:
  class Importer;
  absl::StatusOr<Source> LoadSource(store::Transaction& tx, int64_t source_id);
  absl::StatusOr<Source> LoadVisibleSource(const auth::Principal& who, int64_t source_id);
  absl::Status CheckMandateVisible(const auth::Principal& who, int64_t mandate_id);
  absl::StatusOr<Item> LoadVisibleItem(const auth::Principal& who, int64_t item_id);
  // The mandate as collection sees it, or the refusal code that refuses the source as a whole.
  absl::StatusOr<mandates::Mandate> MandateInForce(const Source& source, std::string& refusal);
  absl::Status StopSourcesOfMandate(int64_t mandate_id, std::string_view reason);
  // FailedPrecondition for a stopped source, with why it stopped as the reason.
  static absl::Status CheckActive(const Source& source);
  absl::StatusOr<ImportReport> RefuseWhole(const Source& source, const auth::Principal* who,
                                           const Origin& origin, std::string_view trigger,
                                           const std::string& reason);
  // A parser hands what it read to `emit`, in one piece or in several (JSON Lines, in chunks,
  // so that a large file is never held parsed in memory at once). Its own error means the input
  // could not be read at all.
  using Emit = absl::FunctionRef<absl::Status(ParseOutput&)>;
  using Parse = absl::FunctionRef<absl::Status(Emit)>;
  absl::StatusOr<ImportReport> RunImport(const auth::Principal* who, const Origin& origin,
                                         const Source& source, std::string_view trigger,
                                         Parse parse, const std::string& media_root);
  // JSON Lines (in chunks), VK responses or a feed document held in memory.
  static absl::Status ParseInMemory(const Source& source, std::string_view bytes, Emit emit);
  absl::StatusOr<ImportReport> Poll(const Source& source, const auth::Principal* who,
                                    const Origin& origin);
  absl::Status Audit(store::Transaction& tx, const auth::Principal* who, const Origin& origin,
                     std::string action, std::string object_type, int64_t object_id,
                     std::string detail);
  absl::StatusOr<bool> ClaimJob(std::string_view name, base::Millis interval);
  absl::StatusOr<std::vector<int64_t>> VisibleMandates(const auth::Principal& who);
  absl::Status LoadCounts(store::Transaction& tx, Source& source);

  store::Database& database_;
  audit::AuditTrail& trail_;
  ledger::Ledger& ledger_;
  mandates::MandateService& mandates_;
  evidence::EvidenceService& evidence_;
  vault::BlobStore& blobs_;
  const base::Clock& clock_;
  CollectOptions options_;

  std::thread background_;
  absl::Mutex background_mutex_;
  bool stopping_ ABSL_GUARDED_BY(background_mutex_) = false;
};

// The canonical ledger record of a purge (kind "collect", ref "purge-<id>").
struct PurgeRecord {
  int64_t id = 0;
  base::Millis at = 0;
  int64_t media = 0;
  std::vector<std::pair<int64_t, std::string>> items;  // item id, SHA-256 of its original bytes
};
ledger::CanonicalObject PurgeRecordObject(const PurgeRecord& purge);

// The collect_purges table as a ledger RecordSource (`ledger verify` compares each purge with
// its leaf).
class PurgeRecordSource final : public ledger::RecordSource {
 public:
  explicit PurgeRecordSource(store::Database& database) : database_(database) {}
  std::string_view kind() const override { return ledger::kCollectKind; }
  absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
          visit) override;

 private:
  store::Database& database_;
};

// Turns a search text into the engine's full-text query: every word (split at white space and
// punctuation, lower-cased) must occur as a word prefix. Empty when the text has no word.
std::string Fts5Query(std::string_view text);
std::string TsQuery(std::string_view text);

}  // namespace threathub::collect
