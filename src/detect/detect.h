// Detection over collected items: indicator lists and hash banks, the scanner that follows the
// collected items as they arrive (and rescans when lists change), alerts and the review queue.
//
//   detect::DetectService detect(db, trail, cases, mandates, collect, blobs, clock, {});
//   ASSIGN_OR_RETURN(detect::IndicatorList list,
//                    detect.CreateList(who, origin, {.name = "Экстремизм"}));
//   ASSIGN_OR_RETURN(detect::StoredIndicator term,
//                    detect.AddIndicator(who, origin, list.id, {.pattern = "террор"}));
//   detect.StartBackground();   // or RunScheduledJobs() from a test's loop
//   ASSIGN_OR_RETURN(detect::AlertPage queue, detect.ListAlerts(who, {}));
//
// Matching. One TextMatcher is compiled from every active indicator of the active lists (allow
// lists as allow entries) and one PdqIndex per active PDQ bank (md5 and sha256 banks are hash
// sets). They are rebuilt when a list or bank changes, in this process or another one sharing
// the database (a fingerprint of the versions is read every tick); the old ones serve until the
// new ones are built.
//
// The scanner. Every tick the items collected after the arrival cursor (detect_state) are read
// in id order, in batches; each item's text goes through the TextMatcher, and each media file in
// the vault: MD5 and SHA-256 against the exact banks, and PDQ with its 8 dihedral hashes against
// the PDQ banks (each bank its threshold; a quality under the bank's gate marks the alert low
// confidence); a negative bank's match on a media file suppresses the other banks' matches on
// it. The batch's alerts and the advanced cursor are written in one transaction, conditional on
// the cursor not having moved (so two instances never both record a batch) and with alerts
// unique per (item, indicator) and (item, media file, bank hash) (so a crash that rescans a
// batch, or a rescan, duplicates nothing). On PostgreSQL the batch is read under a SHARE lock of
// collected_items, which waits for the transactions still inserting items: ids are handed out
// before commit, and without the lock an item committed late below the cursor would be skipped.
// A change of a list or bank starts a rescan of the items collected in the last
// `rescan_days` (detect_scans, its own cursor), run by the same worker in batches.
//
// Flood quarantine: a bank hash with more than `flood_per_hour` alerts in the last hour is
// quarantined; its later alerts are `held` until someone releases it (held -> open) or retires
// it (held -> dismissed, reason "flood").
//
// Review. Alerts follow the need-to-know of their item's mandate (MandateService::Get; kNotFound
// otherwise). Decisions: confirm (into a case the caller may add evidence to, or a new case made
// in the caller's agency; the item promoted to evidence through CollectService::Promote, or the
// alert linked to the evidence of an item promoted before), dismiss (reason required), escalate.
// A decided alert (confirmed, dismissed) answers kFailedPrecondition "already_decided". Every
// change is audited in its transaction.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "audit/audit.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "cases/cases.h"
#include "collect/collect.h"
#include "detect/indicator_files.h"
#include "detect/text_matcher.h"
#include "mandates/mandates.h"
#include "store/database.h"
#include "vault/blob_store.h"

namespace threathub::detect {

struct Origin {
  std::string client;
  std::string request_id;
};

struct IndicatorList {
  int64_t id = 0;
  std::string name;
  std::string kind;  // indicators, allow
  std::string description;
  bool active = true;
  int64_t version = 1;
  int64_t indicator_count = 0;  // active, not retired
  int64_t alert_count = 0;
  std::optional<cases::Person> created_by;
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
  std::vector<PatternProblem> problems;  // Get only: its patterns that do not compile
};

struct NewList {
  std::string name;
  std::string kind = "indicators";
  std::string description;
  bool active = true;
};

struct ListChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> active;
};

struct StoredIndicator {
  int64_t id = 0;
  int64_t list_id = 0;
  IndicatorRow row;
  bool active = true;
  int64_t alerts = 0;
  int64_t confirmed = 0;
  int64_t dismissed = 0;
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
};

struct IndicatorChanges {
  std::optional<std::string> kind, pattern, language, category, severity, notes;
  std::optional<bool> active;
};

struct IndicatorPage {
  std::vector<StoredIndicator> indicators;
  int64_t total = 0;
};

struct ImportMode {
  bool replace = false;  // replace: entries not in the file are retired
};

struct IndicatorImport {
  IndicatorList list;
  int64_t added = 0;
  int64_t updated = 0;
  int64_t retired = 0;
  std::vector<FileError> errors;
};

struct ListVersion {
  int64_t version = 0;
  base::Millis created_at = 0;
  std::optional<cases::Person> created_by;
  std::string change;
};

struct Bank {
  int64_t id = 0;
  std::string name;
  std::string algorithm;  // pdq, md5, sha256
  bool negative = false;
  int threshold = 31;
  int quality_gate = 50;
  std::vector<std::string> labels;
  std::string description;
  bool active = true;
  int64_t version = 1;
  int64_t hash_count = 0;
  int64_t quarantined_count = 0;
  int64_t alert_count = 0;
  std::optional<cases::Person> created_by;
  base::Millis created_at = 0;
  base::Millis updated_at = 0;
};

struct NewBank {
  std::string name;
  std::string algorithm;
  bool negative = false;
  std::optional<int> threshold;
  std::optional<int> quality_gate;
  std::vector<std::string> labels;
  std::string description;
  bool active = true;
};

struct BankChanges {
  std::optional<std::string> name;
  std::optional<bool> negative;
  std::optional<int> threshold;
  std::optional<int> quality_gate;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::string> description;
  std::optional<bool> active;
};

struct BankHash {
  int64_t id = 0;
  int64_t bank_id = 0;
  std::string hash;
  std::string label, source, ideology, file_type;
  bool active = true;
  bool quarantined = false;
  std::string reference_sha256;  // an image in the vault, or ""
  int64_t alerts = 0;
  base::Millis created_at = 0;
};

struct BankHashFilter {
  std::string q;  // hash prefix or label substring
  std::optional<bool> quarantined;
  int limit = 50;
  int offset = 0;
};

struct BankHashPage {
  std::vector<BankHash> hashes;
  int64_t total = 0;
};

struct BankImport {
  Bank bank;
  int64_t added = 0;
  int64_t duplicates = 0;
  std::vector<FileError> errors;
};

struct Highlight {
  uint32_t start = 0;
  uint32_t end = 0;
  std::string text;
};

struct RemovalRequest {
  std::string platform;
  std::string reference;
  std::string note;
  base::Millis requested_at = 0;
  cases::Person recorded_by;
};

struct Alert {
  int64_t id = 0;
  int64_t item_id = 0;
  int64_t mandate_id = 0;
  std::string kind;   // text, image, exact
  std::string state;  // open, escalated, held, confirmed, dismissed
  std::optional<int64_t> list_id;
  std::string list_name;
  std::optional<int64_t> list_version;
  std::optional<StoredIndicator> indicator;  // row.kind, row.pattern, row.category, severity
  std::optional<int64_t> bank_id;
  std::string bank_name;
  std::optional<BankHash> bank_hash;  // id, hash, label
  std::optional<int> media_n;
  std::optional<int> distance;
  std::optional<int> quality;
  bool low_confidence = false;
  std::vector<Highlight> highlights;
  std::string excerpt;
  std::string severity;
  base::Millis created_at = 0;
  std::optional<cases::Person> decided_by;
  std::optional<base::Millis> decided_at;
  std::string reason;
  std::optional<int64_t> case_id;
  std::optional<int64_t> evidence_id;
  std::optional<RemovalRequest> removal_request;
};

struct AlertFilter {
  std::string state = "open";
  std::string kind;
  std::optional<int64_t> list_id, bank_id, indicator_id, mandate_id;
  int limit = 50;
  int offset = 0;
};

struct AlertPage {
  std::vector<Alert> alerts;
  int64_t total = 0;
};

struct Decision {
  std::string decision;  // confirm, dismiss, escalate
  std::optional<int64_t> case_id;
  std::optional<cases::NewCase> new_case;
  std::string legal_basis;
  std::string description;
  std::string reason;
};

struct Scan {
  int64_t id = 0;
  std::string reason;  // lists_changed, manual
  base::Millis from = 0;
  int64_t items = 0;
  int64_t scanned = 0;
  int64_t alerts = 0;
  std::string state;  // running, done
  base::Millis started_at = 0;
  std::optional<base::Millis> finished_at;
};

struct Status {
  int64_t scanned_through_item = 0;
  int64_t pending_items = 0;
  std::vector<Scan> scans;
  int64_t indicators = 0;
  int64_t problems = 0;
  int64_t bank_hashes = 0;
};

struct MetricsRow {
  int64_t id = 0;       // list, bank or indicator id
  int64_t list_id = 0;  // indicators
  std::string name;     // list or bank name; the pattern for indicators
  int64_t alerts = 0, confirmed = 0, dismissed = 0, open = 0;
  std::optional<double> precision;
};

struct Metrics {
  std::vector<MetricsRow> lists, banks, indicators;
};

struct DetectOptions {
  int rescan_days = 30;
  int flood_per_hour = 50;
  uint64_t max_image_pixels = 100'000'000;
  size_t batch_size = 200;
  base::Millis tick = 1000;
  // Names this instance in the scanner's lease (held for 30 s, renewed every 10 s); the same name
  // after a restart takes the lease back at once. Empty: a random name.
  std::string instance;
};

class DetectService {
 public:
  DetectService(store::Database& database, audit::AuditTrail& trail, cases::CaseService& cases,
                mandates::MandateService& mandates, collect::CollectService& collect,
                vault::BlobStore& blobs, const base::Clock& clock, DetectOptions options);
  ~DetectService();  // stops the background thread

  // Indicator lists (shared by the installation; the caller's permission is checked by the
  // routes, who is recorded).
  absl::StatusOr<std::vector<IndicatorList>> ListLists();
  absl::StatusOr<IndicatorList> GetList(int64_t list_id);
  absl::StatusOr<IndicatorList> CreateList(const auth::Principal& who, const Origin& origin,
                                           NewList fields);
  absl::StatusOr<IndicatorList> UpdateList(const auth::Principal& who, const Origin& origin,
                                           int64_t list_id, ListChanges changes);
  absl::StatusOr<IndicatorPage> ListIndicators(int64_t list_id, std::string_view q, int limit,
                                               int offset);
  // kInvalidArgument field "pattern" reason "pattern_invalid" for a regex that does not compile.
  absl::StatusOr<StoredIndicator> AddIndicator(const auth::Principal& who, const Origin& origin,
                                               int64_t list_id, IndicatorRow row);
  absl::StatusOr<StoredIndicator> UpdateIndicator(const auth::Principal& who, const Origin& origin,
                                                  int64_t indicator_id, IndicatorChanges changes);
  absl::Status RetireIndicator(const auth::Principal& who, const Origin& origin,
                               int64_t indicator_id);
  absl::StatusOr<IndicatorImport> ImportIndicators(const auth::Principal& who, const Origin& origin,
                                                   int64_t list_id, std::string_view bytes,
                                                   IndicatorFormat format, ImportMode mode);
  absl::StatusOr<std::string> ExportIndicators(int64_t list_id, IndicatorFormat format);
  absl::StatusOr<std::vector<ListVersion>> ListVersions(int64_t list_id);

  // Hash banks.
  absl::StatusOr<std::vector<Bank>> ListBanks();
  absl::StatusOr<Bank> GetBank(int64_t bank_id);
  absl::StatusOr<Bank> CreateBank(const auth::Principal& who, const Origin& origin, NewBank fields);
  absl::StatusOr<Bank> UpdateBank(const auth::Principal& who, const Origin& origin, int64_t bank_id,
                                  BankChanges changes);
  absl::StatusOr<BankHashPage> ListBankHashes(int64_t bank_id, const BankHashFilter& filter);
  absl::StatusOr<BankImport> ImportHashes(const auth::Principal& who, const Origin& origin,
                                          int64_t bank_id, std::string_view bytes);
  // Adds one hash with a reference image already in the vault (the demo, tests).
  absl::StatusOr<BankHash> AddBankHash(const auth::Principal* who, const Origin& origin,
                                       int64_t bank_id, HashRow row, std::string reference_sha256);
  // Adds the media file of an image or exact alert `who` can see (as GetAlert) to the bank: its
  // hash by the bank's algorithm (PDQ with this service's options, or the file's MD5 / SHA-256),
  // with the file as its reference image, source "alert N", and `label` (empty: the alert's bank
  // hash label). Audited as AddBankHash; the bank's version bumps and a rescan follows.
  // kFailedPrecondition reason "no_media" for a text alert (or a file no longer in the vault);
  // the PDQ hasher's kInvalidArgument (reason "image_unreadable", ...) for a file it cannot
  // hash; kAlreadyExists reason "hash_in_bank" when the bank holds that hash (active or retired).
  absl::StatusOr<BankHash> AddAlertMediaToBank(const auth::Principal& who, const Origin& origin,
                                               int64_t alert_id, int64_t bank_id,
                                               std::string label);
  absl::StatusOr<BankHash> ReleaseHash(const auth::Principal& who, const Origin& origin,
                                       int64_t hash_id);
  absl::Status RetireHash(const auth::Principal& who, const Origin& origin, int64_t hash_id);
  // The reference image's path in the vault (kNotFound for hash-only entries).
  absl::StatusOr<std::string> HashImagePath(int64_t hash_id);

  // Alerts.
  absl::StatusOr<AlertPage> ListAlerts(const auth::Principal& who, const AlertFilter& filter);
  absl::StatusOr<Alert> GetAlert(const auth::Principal& who, int64_t alert_id);
  absl::StatusOr<Alert> Decide(const auth::Principal& who, const collect::Origin& origin,
                               int64_t alert_id, Decision decision);
  absl::StatusOr<Alert> RecordRemovalRequest(const auth::Principal& who, const Origin& origin,
                                             int64_t alert_id, RemovalRequest request);
  // The media file an image or exact alert is about.
  absl::StatusOr<collect::Content> AlertMedia(const auth::Principal& who, int64_t alert_id);

  // Scans and metrics.
  absl::StatusOr<Scan> StartRescan(const auth::Principal* who, const Origin& origin,
                                   std::optional<int> days, std::string reason);
  absl::StatusOr<Status> GetStatus();
  absl::StatusOr<Metrics> GetMetrics(std::optional<base::Millis> from,
                                     std::optional<base::Millis> to);

  // One tick: rebuild the matchers when lists or banks changed, scan new items (up to a few
  // batches) and run the rescans. Returns the items scanned.
  absl::StatusOr<int64_t> RunScheduledJobs();
  // Runs RunScheduledJobs every options.tick on a thread of its own until destruction.
  void StartBackground();

  // The patterns of a single indicator that would not compile ("" when it compiles).
  static std::string CompileProblem(const IndicatorRow& row);

 private:
  struct Compiled;
  struct ScanItem;
  struct NewAlert;

  absl::Status Audit(store::Transaction& tx, const auth::Principal* who, std::string_view client,
                     std::string_view request_id, std::string action, std::string object_type,
                     int64_t object_id, std::string detail);
  absl::Status BumpList(store::Transaction& tx, const auth::Principal* who, int64_t list_id,
                        std::string change);
  absl::Status BumpBank(store::Transaction& tx, int64_t bank_id);
  absl::StatusOr<IndicatorList> LoadList(store::Transaction& tx, int64_t list_id);
  absl::StatusOr<Bank> LoadBank(store::Transaction& tx, int64_t bank_id);
  absl::StatusOr<StoredIndicator> LoadIndicator(store::Transaction& tx, int64_t indicator_id);
  absl::StatusOr<BankHash> LoadHash(store::Transaction& tx, int64_t hash_id);
  absl::StatusOr<Alert> LoadAlert(store::Transaction& tx, int64_t alert_id);
  absl::StatusOr<Alert> LoadVisibleAlert(const auth::Principal& who, int64_t alert_id);
  absl::StatusOr<std::vector<int64_t>> VisibleMandates(const auth::Principal& who);
  // A rescan after a change (the caller's transaction), unless one is still to start.
  absl::Status EnqueueRescan(store::Transaction& tx, const auth::Principal* who, std::string reason,
                             int days);

  // The matchers: rebuilt when the fingerprint of lists and banks changed.
  absl::StatusOr<std::string> Fingerprint();
  absl::Status RefreshMatchers(bool force);
  std::shared_ptr<const Compiled> CurrentMatchers();
  // Scans the items and returns their alerts (no database writes).
  std::vector<NewAlert> ScanItems(const Compiled& compiled, const std::vector<ScanItem>& items);
  absl::StatusOr<std::vector<ScanItem>> ReadItems(store::Transaction& tx, int64_t after,
                                                  int64_t through, size_t limit);
  absl::Status InsertAlerts(store::Transaction& tx, const std::vector<NewAlert>& alerts,
                            int64_t& inserted);
  absl::StatusOr<int64_t> ScanArrivals();
  absl::StatusOr<int64_t> RunRescans();
  absl::StatusOr<bool> HoldLease() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tick_mutex_);

  store::Database& database_;
  audit::AuditTrail& trail_;
  cases::CaseService& cases_;
  mandates::MandateService& mandates_;
  collect::CollectService& collect_;
  vault::BlobStore& blobs_;
  const base::Clock& clock_;
  DetectOptions options_;

  absl::Mutex matchers_mutex_;
  // Shared with the scans in progress: a rebuild swaps in a new one while the old one finishes
  // the batch it is scanning (and GetList reads its problems), then it is freed with its last
  // user.
  std::shared_ptr<const Compiled> matchers_ ABSL_GUARDED_BY(matchers_mutex_);
  std::string fingerprint_ ABSL_GUARDED_BY(matchers_mutex_);
  // One tick at a time in this process (the background thread and a test's calls).
  absl::Mutex tick_mutex_;
  // Until when this instance holds the scanner's lease (detect_state.lease_until).
  base::Millis lease_until_ ABSL_GUARDED_BY(tick_mutex_) = 0;

  std::thread background_;
  absl::Mutex background_mutex_;
  bool stopping_ ABSL_GUARDED_BY(background_mutex_) = false;
};

}  // namespace threathub::detect
