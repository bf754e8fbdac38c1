#include "detect/detect.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "detect/internal/excerpt.h"
#include "detect/pdq.h"
#include "detect/pdq_index.h"

namespace threathub::detect {

namespace {

using Json = nlohmann::json;

constexpr base::Millis kHourMillis = 60LL * 60 * 1000;
constexpr base::Millis kDayMillis = 24 * kHourMillis;
constexpr base::Millis kLeaseMillis = 30'000;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxDescriptionBytes = 2000;
constexpr size_t kMaxReasonBytes = 2000;
constexpr int kMaxListLimit = 500;
constexpr int kMaxVisibleMandates = 1000;  // MandateService::List's own limit
// Batches of arrivals per tick, so that rescans and a stop request get their turn.
constexpr int kArrivalBatchesPerTick = 20;

std::optional<cases::Person> OptionalPerson(const store::Row& row, size_t column) {
  if (row.IsNull(column)) return std::nullopt;
  return cases::Person{row.Int(column), row.Text(column + 1), row.Text(column + 2)};
}

absl::Status ListNotFound() { return absl::NotFoundError("indicator list not found"); }
absl::Status IndicatorNotFound() { return absl::NotFoundError("indicator not found"); }
absl::Status BankNotFound() { return absl::NotFoundError("hash bank not found"); }
absl::Status HashNotFound() { return absl::NotFoundError("bank hash not found"); }
absl::Status AlertNotFound() { return absl::NotFoundError("alert not found"); }

std::string LabelsJson(const std::vector<std::string>& labels) {
  return Json(labels).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<std::string> LabelsFromJson(const std::string& text) {
  std::vector<std::string> labels;
  Json parsed = Json::parse(text, nullptr, false);
  if (!parsed.is_array()) return labels;
  for (const Json& label : parsed) {
    if (label.is_string()) labels.push_back(label.get<std::string>());
  }
  return labels;
}

absl::Status CheckLabels(const std::vector<std::string>& labels) {
  if (labels.size() > 50) return base::InvalidField("labels", "at most 50");
  for (const std::string& label : labels)
    RETURN_IF_ERROR(
        base::CheckText("labels", label, 100, base::TextForm::kLines, base::Presence::kRequired));
  return absl::OkStatus();
}

absl::Status CheckThreshold(std::optional<int> threshold, std::optional<int> gate) {
  if (threshold && (*threshold < 0 || *threshold > 128)) {
    return base::InvalidField("threshold", "0 to 128");
  }
  if (gate && (*gate < 0 || *gate > 100)) return base::InvalidField("quality_gate", "0 to 100");
  return absl::OkStatus();
}

constexpr char kListColumns[] =
    "SELECT l.id, l.name, l.kind, l.description, l.active, l.version, l.created_by, u.username, "
    "u.display_name, l.created_at, l.updated_at, "
    "(SELECT COUNT(*) FROM indicators i WHERE i.list_id = l.id AND i.retired = 0 AND "
    "i.active = 1), "
    "(SELECT COUNT(*) FROM detect_alerts a WHERE a.list_id = l.id) "
    "FROM indicator_lists l LEFT JOIN users u ON u.id = l.created_by";

IndicatorList ListFromRow(const store::Row& row) {
  IndicatorList list;
  list.id = row.Int(0);
  list.name = row.Text(1);
  list.kind = row.Text(2);
  list.description = row.Text(3);
  list.active = row.Int(4) != 0;
  list.version = row.Int(5);
  list.created_by = OptionalPerson(row, 6);
  list.created_at = row.Int(9);
  list.updated_at = row.Int(10);
  list.indicator_count = row.Int(11);
  list.alert_count = row.Int(12);
  return list;
}

constexpr char kIndicatorColumns[] =
    "SELECT i.id, i.list_id, i.kind, i.pattern, i.language, i.category, i.severity, i.notes, "
    "i.active, i.created_at, i.updated_at, "
    "(SELECT COUNT(*) FROM detect_alerts a WHERE a.indicator_id = i.id), "
    "(SELECT COUNT(*) FROM detect_alerts a WHERE a.indicator_id = i.id AND a.state = "
    "'confirmed'), "
    "(SELECT COUNT(*) FROM detect_alerts a WHERE a.indicator_id = i.id AND a.state = "
    "'dismissed') "
    "FROM indicators i";

StoredIndicator IndicatorFromRow(const store::Row& row) {
  StoredIndicator indicator;
  indicator.id = row.Int(0);
  indicator.list_id = row.Int(1);
  indicator.row.kind = row.Text(2);
  indicator.row.pattern = row.Text(3);
  indicator.row.language = row.Text(4);
  indicator.row.category = row.Text(5);
  indicator.row.severity = row.Text(6);
  indicator.row.notes = row.Text(7);
  indicator.active = row.Int(8) != 0;
  indicator.created_at = row.Int(9);
  indicator.updated_at = row.Int(10);
  indicator.alerts = row.Int(11);
  indicator.confirmed = row.Int(12);
  indicator.dismissed = row.Int(13);
  return indicator;
}

constexpr char kBankColumns[] =
    "SELECT b.id, b.name, b.algorithm, b.negative, b.threshold, b.quality_gate, b.labels, "
    "b.description, b.active, b.version, b.created_by, u.username, u.display_name, b.created_at, "
    "b.updated_at, "
    "(SELECT COUNT(*) FROM bank_hashes h WHERE h.bank_id = b.id AND h.active = 1), "
    "(SELECT COUNT(*) FROM bank_hashes h WHERE h.bank_id = b.id AND h.active = 1 AND "
    "h.quarantined = 1), "
    "(SELECT COUNT(*) FROM detect_alerts a WHERE a.bank_id = b.id) "
    "FROM hash_banks b LEFT JOIN users u ON u.id = b.created_by";

Bank BankFromRow(const store::Row& row) {
  Bank bank;
  bank.id = row.Int(0);
  bank.name = row.Text(1);
  bank.algorithm = row.Text(2);
  bank.negative = row.Int(3) != 0;
  bank.threshold = static_cast<int>(row.Int(4));
  bank.quality_gate = static_cast<int>(row.Int(5));
  bank.labels = LabelsFromJson(row.Text(6));
  bank.description = row.Text(7);
  bank.active = row.Int(8) != 0;
  bank.version = row.Int(9);
  bank.created_by = OptionalPerson(row, 10);
  bank.created_at = row.Int(13);
  bank.updated_at = row.Int(14);
  bank.hash_count = row.Int(15);
  bank.quarantined_count = row.Int(16);
  bank.alert_count = row.Int(17);
  return bank;
}

constexpr char kHashColumns[] =
    "SELECT h.id, h.bank_id, h.hash, h.label, h.source, h.ideology, h.file_type, h.active, "
    "h.quarantined, h.reference_sha256, h.created_at, "
    "(SELECT COUNT(*) FROM detect_alerts a WHERE a.bank_hash_id = h.id) FROM bank_hashes h";

BankHash HashFromRow(const store::Row& row) {
  BankHash hash;
  hash.id = row.Int(0);
  hash.bank_id = row.Int(1);
  hash.hash = row.Text(2);
  hash.label = row.Text(3);
  hash.source = row.Text(4);
  hash.ideology = row.Text(5);
  hash.file_type = row.Text(6);
  hash.active = row.Int(7) != 0;
  hash.quarantined = row.Int(8) != 0;
  hash.reference_sha256 = row.Text(9);
  hash.created_at = row.Int(10);
  hash.alerts = row.Int(11);
  return hash;
}

constexpr char kAlertColumns[] =
    "SELECT a.id, a.item_id, a.mandate_id, a.kind, a.state, a.list_id, l.name, a.list_version, "
    "a.indicator_id, i.kind, i.pattern, i.category, i.severity, a.bank_id, b.name, "
    "a.bank_hash_id, h.hash, h.label, a.media_n, a.distance, a.quality, a.low_confidence, "
    "a.highlights, a.excerpt, a.severity, a.created_at, a.decided_by, du.username, "
    "du.display_name, a.decided_at, a.reason, a.case_id, a.evidence_id, a.removal_request "
    "FROM detect_alerts a LEFT JOIN indicator_lists l ON l.id = a.list_id "
    "LEFT JOIN indicators i ON i.id = a.indicator_id "
    "LEFT JOIN hash_banks b ON b.id = a.bank_id "
    "LEFT JOIN bank_hashes h ON h.id = a.bank_hash_id "
    "LEFT JOIN users du ON du.id = a.decided_by";

Alert AlertFromRow(const store::Row& row) {
  Alert alert;
  alert.id = row.Int(0);
  alert.item_id = row.Int(1);
  alert.mandate_id = row.Int(2);
  alert.kind = row.Text(3);
  alert.state = row.Text(4);
  alert.list_id = row.OptionalInt(5);
  alert.list_name = row.Text(6);
  alert.list_version = row.OptionalInt(7);
  if (row.Int(8) != 0) {
    StoredIndicator indicator;
    indicator.id = row.Int(8);
    indicator.list_id = alert.list_id.value_or(0);
    indicator.row.kind = row.Text(9);
    indicator.row.pattern = row.Text(10);
    indicator.row.category = row.Text(11);
    indicator.row.severity = row.Text(12);
    alert.indicator = std::move(indicator);
  }
  alert.bank_id = row.OptionalInt(13);
  alert.bank_name = row.Text(14);
  if (row.Int(15) != 0) {
    BankHash hash;
    hash.id = row.Int(15);
    hash.hash = row.Text(16);
    hash.label = row.Text(17);
    alert.bank_hash = std::move(hash);
  }
  if (row.Int(18) != 0) alert.media_n = static_cast<int>(row.Int(18));
  if (!row.IsNull(19)) alert.distance = static_cast<int>(row.Int(19));
  if (!row.IsNull(20)) alert.quality = static_cast<int>(row.Int(20));
  alert.low_confidence = row.Int(21) != 0;
  Json highlights = Json::parse(row.Text(22), nullptr, false);
  if (highlights.is_array()) {
    for (const Json& entry : highlights) {
      if (!entry.is_object()) continue;
      alert.highlights.push_back(Highlight{entry.value("start", 0u), entry.value("end", 0u),
                                           entry.value("text", std::string())});
    }
  }
  alert.excerpt = row.Text(23);
  alert.severity = row.Text(24);
  alert.created_at = row.Int(25);
  alert.decided_by = OptionalPerson(row, 26);
  alert.decided_at = row.OptionalInt(29);
  alert.reason = row.Text(30);
  alert.case_id = row.OptionalInt(31);
  alert.evidence_id = row.OptionalInt(32);
  if (!row.IsNull(33)) {
    Json request = Json::parse(row.Text(33), nullptr, false);
    if (request.is_object()) {
      RemovalRequest removal;
      removal.platform = request.value("platform", "");
      removal.reference = request.value("reference", "");
      removal.note = request.value("note", "");
      removal.requested_at = request.value("requested_at", base::Millis{0});
      removal.recorded_by.user_id = request.value("recorded_by", int64_t{0});
      removal.recorded_by.username = request.value("recorded_by_username", "");
      removal.recorded_by.display_name = request.value("recorded_by_name", "");
      alert.removal_request = std::move(removal);
    }
  }
  return alert;
}

bool IsRegexKind(std::string_view kind) { return kind == "regex"; }

IndicatorKind KindOf(std::string_view name) {
  return ParseIndicatorKind(name).value_or(IndicatorKind::kTerm);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The compiled matchers.

struct DetectService::Compiled {
  struct IndicatorInfo {
    int64_t list_id = 0;
    int64_t list_version = 0;
    std::string severity;
    bool allow = false;
  };
  struct BankIndex {
    int64_t id = 0;
    HashAlgorithm algorithm = HashAlgorithm::kPdq;
    bool negative = false;
    int threshold = 31;
    int quality_gate = 50;
    int64_t version = 0;
    PdqIndex pdq;
    std::unordered_map<std::string, int64_t> exact;  // hex -> bank hash id
  };
  std::unique_ptr<TextMatcher> matcher;
  std::unordered_map<int64_t, IndicatorInfo> indicators;
  std::vector<PatternProblem> problems;
  std::unordered_map<int64_t, int64_t> problem_lists;  // indicator id -> list id
  std::vector<BankIndex> banks;
  bool md5_banks = false;
  bool pdq_banks = false;
  int64_t hash_count = 0;
};

struct DetectService::ScanItem {
  int64_t id = 0;
  int64_t mandate_id = 0;
  std::string text;
  std::vector<collect::MediaFile> media;
};

struct DetectService::NewAlert {
  int64_t item_id = 0;
  int64_t mandate_id = 0;
  std::string kind;
  std::optional<int64_t> list_id, list_version;
  int64_t indicator_id = 0;
  std::optional<int64_t> bank_id;
  int64_t bank_hash_id = 0;
  int media_n = 0;
  std::optional<int> distance, quality;
  bool low_confidence = false;
  std::string highlights = "[]";
  std::string excerpt;
  std::string severity;
};

std::string DetectService::CompileProblem(const IndicatorRow& row) {
  std::vector<Indicator> one = {
      Indicator{.id = 1, .kind = KindOf(row.kind), .pattern = row.pattern}};
  absl::StatusOr<std::unique_ptr<TextMatcher>> compiled = TextMatcher::Compile(one, {});
  if (!compiled.ok()) return std::string(compiled.status().message());
  if (!(*compiled)->problems().empty()) return (*compiled)->problems()[0].error;
  return "";
}

DetectService::DetectService(store::Database& database, audit::AuditTrail& trail,
                             cases::CaseService& cases, mandates::MandateService& mandates,
                             collect::CollectService& collect, vault::BlobStore& blobs,
                             const base::Clock& clock, DetectOptions options)
    : database_(database),
      trail_(trail),
      cases_(cases),
      mandates_(mandates),
      collect_(collect),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)) {
  if (options_.batch_size == 0) options_.batch_size = 1;
  if (options_.instance.empty()) options_.instance = base::HexEncode(base::RandomBytes(8));
}

DetectService::~DetectService() {
  {
    absl::MutexLock lock(&background_mutex_);
    stopping_ = true;
  }
  if (background_.joinable()) background_.join();
}

void DetectService::StartBackground() {
  if (background_.joinable()) return;
  background_ = std::thread([this] {
    absl::MutexLock lock(&background_mutex_);
    while (!background_mutex_.AwaitWithTimeout(absl::Condition(&stopping_),
                                               absl::Milliseconds(options_.tick))) {
      background_mutex_.Unlock();
      absl::StatusOr<int64_t> scanned = RunScheduledJobs();
      background_mutex_.Lock();
      if (!scanned.ok()) spdlog::warn("detection scan failed: {}", scanned.status().ToString());
    }
  });
}

absl::Status DetectService::Audit(store::Transaction& tx, const auth::Principal* who,
                                  std::string_view client, std::string_view request_id,
                                  std::string action, std::string object_type, int64_t object_id,
                                  std::string detail) {
  audit::Record record{.actor_id = who ? std::optional<int64_t>(who->user_id) : std::nullopt,
                       .actor_name = who ? who->username : "system",
                       .agency_id = who ? std::optional<int64_t>(who->agency_id) : std::nullopt,
                       .action = std::move(action),
                       .object_type = std::move(object_type),
                       .object_id = std::to_string(object_id),
                       .client = std::string(client),
                       .request_id = std::string(request_id),
                       .detail = std::move(detail)};
  return trail_.Append(tx, record);
}

// ---------------------------------------------------------------------------------------------
// Indicator lists.

absl::StatusOr<IndicatorList> DetectService::LoadList(store::Transaction& tx, int64_t list_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kListColumns, " WHERE l.id = $1"), {list_id}));
  if (result.rows.empty()) return ListNotFound();
  return ListFromRow(result.rows[0]);
}

absl::StatusOr<std::vector<IndicatorList>> DetectService::ListLists() {
  std::vector<IndicatorList> lists;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kListColumns, " ORDER BY l.name, l.id")));
    for (const store::Row& row : result.rows) lists.push_back(ListFromRow(row));
    return absl::OkStatus();
  }));
  return lists;
}

absl::StatusOr<IndicatorList> DetectService::GetList(int64_t list_id) {
  IndicatorList list;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(list, LoadList(tx, list_id));
    return absl::OkStatus();
  }));
  // The matchers as they are now (rebuilt after every change made through this service).
  RETURN_IF_ERROR(RefreshMatchers(false));
  std::shared_ptr<const Compiled> compiled = CurrentMatchers();
  if (compiled) {
    for (const PatternProblem& problem : compiled->problems) {
      auto found = compiled->problem_lists.find(problem.indicator_id);
      if (found != compiled->problem_lists.end() && found->second == list_id) {
        list.problems.push_back(problem);
      }
    }
  }
  return list;
}

absl::Status DetectService::BumpList(store::Transaction& tx, const auth::Principal* who,
                                     int64_t list_id, std::string change) {
  base::Millis now = clock_.NowMillis();
  ASSIGN_OR_RETURN(store::Result bumped,
                   tx.Execute("UPDATE indicator_lists SET version = version + 1, updated_at = $2 "
                              "WHERE id = $1 RETURNING version",
                              {list_id, now}));
  if (bumped.rows.empty()) return ListNotFound();
  if (change.size() > 2000) change.resize(2000);
  return tx
      .Execute(
          "INSERT INTO indicator_list_versions(list_id, version, created_at, created_by, change) "
          "VALUES ($1, $2, $3, $4, $5)",
          {list_id, bumped.rows[0].Int(0), now, who ? store::Value(who->user_id) : store::Value(),
           std::move(change)})
      .status();
}

absl::StatusOr<IndicatorList> DetectService::CreateList(const auth::Principal& who,
                                                        const Origin& origin, NewList fields) {
  fields.name = std::string(base::StripAsciiWhitespace(fields.name));
  RETURN_IF_ERROR(base::CheckText("name", fields.name, kMaxNameBytes, base::TextForm::kLines,
                                  base::Presence::kRequired));
  RETURN_IF_ERROR(base::CheckText("description", fields.description, kMaxDescriptionBytes,
                                  base::TextForm::kLines, base::Presence::kOptional));
  if (fields.kind.empty()) fields.kind = "indicators";
  if (fields.kind != "indicators" && fields.kind != "allow") {
    return base::InvalidField("kind", "expected indicators or allow");
  }
  IndicatorList created;
  base::Millis now = clock_.NowMillis();
  absl::Status status = database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO indicator_lists(name, kind, description, active, version, "
                   "created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $6) "
                   "RETURNING id",
                   {fields.name, fields.kind, fields.description, int64_t{fields.active},
                    who.user_id, now}));
    int64_t id = inserted.rows[0].Int(0);
    RETURN_IF_ERROR(tx.Execute("INSERT INTO indicator_list_versions(list_id, version, "
                               "created_at, created_by, change) VALUES ($1, 1, $2, $3, $4)",
                               {id, now, who.user_id, base::StrCat("created (", fields.kind, ")")})
                        .status());
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.list_create",
                          "indicator_list", id, base::StrCat(fields.kind, " ", fields.name)));
    ASSIGN_OR_RETURN(created, LoadList(tx, id));
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status)) {
    return base::WithReason(
        base::FieldError(absl::StatusCode::kAlreadyExists, "name", "a list of that name exists"),
        "name_taken");
  }
  RETURN_IF_ERROR(status);
  return created;
}

absl::StatusOr<IndicatorList> DetectService::UpdateList(const auth::Principal& who,
                                                        const Origin& origin, int64_t list_id,
                                                        ListChanges changes) {
  if (changes.name) {
    changes.name = std::string(base::StripAsciiWhitespace(*changes.name));
    RETURN_IF_ERROR(base::CheckText("name", *changes.name, kMaxNameBytes, base::TextForm::kLines,
                                    base::Presence::kRequired));
  }
  if (changes.description) {
    RETURN_IF_ERROR(base::CheckText("description", *changes.description, kMaxDescriptionBytes,
                                    base::TextForm::kLines, base::Presence::kOptional));
  }
  IndicatorList updated;
  absl::Status status = database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(IndicatorList list, LoadList(tx, list_id));
    std::vector<std::string> what;
    if (changes.name && *changes.name != list.name) {
      RETURN_IF_ERROR(
          tx.Execute("UPDATE indicator_lists SET name = $2 WHERE id = $1", {list_id, *changes.name})
              .status());
      what.push_back(base::StrCat("name: ", *changes.name));
    }
    if (changes.description && *changes.description != list.description) {
      RETURN_IF_ERROR(tx.Execute("UPDATE indicator_lists SET description = $2 WHERE id = $1",
                                 {list_id, *changes.description})
                          .status());
      what.push_back("description");
    }
    bool reactivated = false;
    if (changes.active && *changes.active != list.active) {
      RETURN_IF_ERROR(tx.Execute("UPDATE indicator_lists SET active = $2 WHERE id = $1",
                                 {list_id, int64_t{*changes.active}})
                          .status());
      what.push_back(*changes.active ? "activated" : "deactivated");
      reactivated = *changes.active;
    }
    if (!what.empty()) {
      std::string change = base::StrJoin(what, "; ");
      RETURN_IF_ERROR(BumpList(tx, &who, list_id, change));
      RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.list_update",
                            "indicator_list", list_id, change));
      // Turning an allow list off (or an indicator list on) can make new hits.
      if (reactivated || (changes.active && list.kind == "allow")) {
        RETURN_IF_ERROR(EnqueueRescan(tx, &who, "lists_changed", options_.rescan_days));
      }
    }
    ASSIGN_OR_RETURN(updated, LoadList(tx, list_id));
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status)) {
    return base::WithReason(
        base::FieldError(absl::StatusCode::kAlreadyExists, "name", "a list of that name exists"),
        "name_taken");
  }
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(RefreshMatchers(false));
  return updated;
}

absl::StatusOr<IndicatorPage> DetectService::ListIndicators(int64_t list_id, std::string_view q,
                                                            int limit, int offset) {
  if (limit < 1 || limit > 1000) return base::InvalidField("limit", "1 to 1000");
  if (offset < 0) return base::InvalidField("offset", "0 or more");
  if (q.size() > 500 || !base::IsValidUtf8(q)) return base::InvalidField("q", "at most 500 bytes");
  IndicatorPage page;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(LoadList(tx, list_id).status());
    std::vector<store::Value> params = {list_id};
    std::string where = " WHERE i.list_id = $1 AND i.retired = 0";
    if (!q.empty()) {
      // instr() on SQLite, strpos() on PostgreSQL would differ; LIKE with escapes is on both.
      std::string like = "%";
      for (char symbol : q) {
        if (symbol == '%' || symbol == '_' || symbol == '\\') like += '\\';
        like += symbol;
      }
      like += "%";
      params.emplace_back(like);
      where +=
          " AND (i.pattern LIKE $2 ESCAPE '\\' OR i.category LIKE $2 ESCAPE '\\' OR "
          "i.notes LIKE $2 ESCAPE '\\')";
    }
    ASSIGN_OR_RETURN(store::Result counted,
                     tx.Execute(base::StrCat("SELECT COUNT(*) FROM indicators i", where), params));
    page.total = counted.rows[0].Int(0);
    size_t n = params.size();
    params.emplace_back(int64_t{limit});
    params.emplace_back(int64_t{offset});
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kIndicatorColumns, where, " ORDER BY i.id LIMIT $",
                                             n + 1, " OFFSET $", n + 2),
                                params));
    for (const store::Row& row : result.rows) page.indicators.push_back(IndicatorFromRow(row));
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<StoredIndicator> DetectService::LoadIndicator(store::Transaction& tx,
                                                             int64_t indicator_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kIndicatorColumns, " WHERE i.id = $1 AND i.retired = 0"),
                              {indicator_id}));
  if (result.rows.empty()) return IndicatorNotFound();
  return IndicatorFromRow(result.rows[0]);
}

namespace {

absl::Status CheckRow(const IndicatorRow& row) {
  std::string field;
  std::string problem = CheckIndicatorRow(row, &field);
  if (!problem.empty()) {
    return base::InvalidField(field, problem.substr(std::min(problem.size(), field.size() + 2)));
  }
  if (IsRegexKind(row.kind)) {
    std::string error = DetectService::CompileProblem(row);
    if (!error.empty()) {
      return base::WithReason(
          base::InvalidField("pattern", base::StrCat("the regular expression \"", row.pattern,
                                                     "\" does not compile: ", error)),
          "pattern_invalid");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoredIndicator> DetectService::AddIndicator(const auth::Principal& who,
                                                            const Origin& origin, int64_t list_id,
                                                            IndicatorRow row) {
  RETURN_IF_ERROR(CheckRow(row));
  StoredIndicator added;
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(LoadList(tx, list_id).status());
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO indicators(list_id, kind, pattern, language, category, severity, "
                   "notes, active, retired, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                   "$6, $7, 1, 0, $8, $8) RETURNING id",
                   {list_id, row.kind, row.pattern, row.language, row.category, row.severity,
                    row.notes, now}));
    int64_t id = inserted.rows[0].Int(0);
    std::string change = base::StrCat("added ", row.kind, " ", row.pattern);
    RETURN_IF_ERROR(BumpList(tx, &who, list_id, change));
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.indicator_add",
                          "indicator", id, change));
    RETURN_IF_ERROR(EnqueueRescan(tx, &who, "lists_changed", options_.rescan_days));
    ASSIGN_OR_RETURN(added, LoadIndicator(tx, id));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RefreshMatchers(false));
  return added;
}

absl::StatusOr<StoredIndicator> DetectService::UpdateIndicator(const auth::Principal& who,
                                                               const Origin& origin,
                                                               int64_t indicator_id,
                                                               IndicatorChanges changes) {
  StoredIndicator updated;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(StoredIndicator current, LoadIndicator(tx, indicator_id));
    IndicatorRow row = current.row;
    if (changes.kind) row.kind = base::AsciiStrToLower(*changes.kind);
    if (changes.pattern) row.pattern = *changes.pattern;
    if (changes.language) row.language = base::AsciiStrToLower(*changes.language);
    if (changes.category) row.category = *changes.category;
    if (changes.severity) row.severity = base::AsciiStrToLower(*changes.severity);
    if (changes.notes) row.notes = *changes.notes;
    row.position.clear();
    RETURN_IF_ERROR(CheckRow(row));
    bool active = changes.active.value_or(current.active);
    if (row == current.row && active == current.active) {
      updated = current;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(tx.Execute("UPDATE indicators SET kind = $2, pattern = $3, language = $4, "
                               "category = $5, severity = $6, notes = $7, active = $8, "
                               "updated_at = $9 WHERE id = $1",
                               {indicator_id, row.kind, row.pattern, row.language, row.category,
                                row.severity, row.notes, int64_t{active}, clock_.NowMillis()})
                        .status());
    std::string change = base::StrCat("changed indicator ", indicator_id, ": ", row.kind, " ",
                                      row.pattern, active ? "" : " (inactive)");
    RETURN_IF_ERROR(BumpList(tx, &who, current.list_id, change));
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.indicator_update",
                          "indicator", indicator_id, change));
    if (active) RETURN_IF_ERROR(EnqueueRescan(tx, &who, "lists_changed", options_.rescan_days));
    ASSIGN_OR_RETURN(updated, LoadIndicator(tx, indicator_id));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RefreshMatchers(false));
  return updated;
}

absl::Status DetectService::RetireIndicator(const auth::Principal& who, const Origin& origin,
                                            int64_t indicator_id) {
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(StoredIndicator current, LoadIndicator(tx, indicator_id));
    RETURN_IF_ERROR(tx.Execute("UPDATE indicators SET retired = 1, active = 0, updated_at = $2 "
                               "WHERE id = $1",
                               {indicator_id, clock_.NowMillis()})
                        .status());
    std::string change = base::StrCat("retired ", current.row.kind, " ", current.row.pattern);
    RETURN_IF_ERROR(BumpList(tx, &who, current.list_id, change));
    return Audit(tx, &who, origin.client, origin.request_id, "detect.indicator_retire", "indicator",
                 indicator_id, change);
  }));
  return RefreshMatchers(false);
}

absl::StatusOr<IndicatorImport> DetectService::ImportIndicators(
    const auth::Principal& who, const Origin& origin, int64_t list_id, std::string_view bytes,
    IndicatorFormat format, ImportMode mode) {
  ParsedIndicators parsed = ParseIndicators(bytes, format);
  IndicatorImport report;
  report.errors = parsed.errors;
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    report.added = report.updated = report.retired = 0;
    RETURN_IF_ERROR(LoadList(tx, list_id).status());
    // The entries now, by (kind, pattern): the same entry in the file updates it.
    ASSIGN_OR_RETURN(store::Result existing,
                     tx.Execute("SELECT id, kind, pattern, language, category, severity, notes, "
                                "active FROM indicators WHERE list_id = $1 AND retired = 0",
                                {list_id}));
    std::map<std::pair<std::string, std::string>, std::pair<int64_t, IndicatorRow>> by_pattern;
    std::map<int64_t, bool> active_of;
    for (const store::Row& row : existing.rows) {
      IndicatorRow stored{.kind = row.Text(1),
                          .pattern = row.Text(2),
                          .language = row.Text(3),
                          .category = row.Text(4),
                          .severity = row.Text(5),
                          .notes = row.Text(6)};
      active_of[row.Int(0)] = row.Int(7) != 0;
      by_pattern[{stored.kind, stored.pattern}] = {row.Int(0), stored};
    }
    std::set<int64_t> seen;
    for (const IndicatorRow& row : parsed.rows) {
      IndicatorRow clean = row;
      clean.position.clear();
      auto found = by_pattern.find({clean.kind, clean.pattern});
      if (found != by_pattern.end()) {
        int64_t id = found->second.first;
        seen.insert(id);
        if (found->second.second == clean && active_of[id]) continue;
        RETURN_IF_ERROR(
            tx.Execute("UPDATE indicators SET language = $2, category = $3, "
                       "severity = $4, notes = $5, active = 1, updated_at = $6 "
                       "WHERE id = $1",
                       {id, clean.language, clean.category, clean.severity, clean.notes, now})
                .status());
        found->second.second = clean;
        active_of[id] = true;
        ++report.updated;
        continue;
      }
      ASSIGN_OR_RETURN(
          store::Result inserted,
          tx.Execute("INSERT INTO indicators(list_id, kind, pattern, language, category, "
                     "severity, notes, active, retired, created_at, updated_at) VALUES ($1, $2, "
                     "$3, $4, $5, $6, $7, 1, 0, $8, $8) RETURNING id",
                     {list_id, clean.kind, clean.pattern, clean.language, clean.category,
                      clean.severity, clean.notes, now}));
      int64_t id = inserted.rows[0].Int(0);
      seen.insert(id);
      by_pattern[{clean.kind, clean.pattern}] = {id, clean};
      active_of[id] = true;
      ++report.added;
    }
    if (mode.replace) {
      for (const auto& [key, entry] : by_pattern) {
        if (seen.count(entry.first)) continue;
        RETURN_IF_ERROR(tx.Execute("UPDATE indicators SET retired = 1, active = 0, updated_at = "
                                   "$2 WHERE id = $1",
                                   {entry.first, now})
                            .status());
        ++report.retired;
      }
    }
    std::string change =
        base::StrCat("import (", mode.replace ? "replace" : "append", "): ", report.added,
                     " added, ", report.updated, " updated, ", report.retired, " retired, ",
                     parsed.errors.size(), " errors");
    if (report.added + report.updated + report.retired > 0) {
      RETURN_IF_ERROR(BumpList(tx, &who, list_id, change));
      if (report.added + report.updated > 0) {
        RETURN_IF_ERROR(EnqueueRescan(tx, &who, "lists_changed", options_.rescan_days));
      }
    }
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.list_import",
                          "indicator_list", list_id, change));
    ASSIGN_OR_RETURN(report.list, LoadList(tx, list_id));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RefreshMatchers(false));
  return report;
}

absl::StatusOr<std::string> DetectService::ExportIndicators(int64_t list_id,
                                                            IndicatorFormat format) {
  std::vector<IndicatorRow> rows;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(LoadList(tx, list_id).status());
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute("SELECT kind, pattern, language, category, severity, notes FROM "
                                "indicators WHERE list_id = $1 AND retired = 0 AND active = 1 "
                                "ORDER BY id",
                                {list_id}));
    for (const store::Row& row : result.rows) {
      rows.push_back(IndicatorRow{.kind = row.Text(0),
                                  .pattern = row.Text(1),
                                  .language = row.Text(2),
                                  .category = row.Text(3),
                                  .severity = row.Text(4),
                                  .notes = row.Text(5)});
    }
    return absl::OkStatus();
  }));
  return format == IndicatorFormat::kJson ? WriteIndicatorsJson(rows) : WriteIndicatorsCsv(rows);
}

absl::StatusOr<std::vector<ListVersion>> DetectService::ListVersions(int64_t list_id) {
  std::vector<ListVersion> versions;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(LoadList(tx, list_id).status());
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute("SELECT v.version, v.created_at, v.created_by, u.username, "
                                "u.display_name, v.change FROM indicator_list_versions v LEFT "
                                "JOIN users u ON u.id = v.created_by WHERE v.list_id = $1 ORDER "
                                "BY v.version DESC",
                                {list_id}));
    for (const store::Row& row : result.rows) {
      versions.push_back(ListVersion{.version = row.Int(0),
                                     .created_at = row.Int(1),
                                     .created_by = OptionalPerson(row, 2),
                                     .change = row.Text(5)});
    }
    return absl::OkStatus();
  }));
  return versions;
}

// ---------------------------------------------------------------------------------------------
// Hash banks.

absl::StatusOr<Bank> DetectService::LoadBank(store::Transaction& tx, int64_t bank_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kBankColumns, " WHERE b.id = $1"), {bank_id}));
  if (result.rows.empty()) return BankNotFound();
  return BankFromRow(result.rows[0]);
}

absl::StatusOr<std::vector<Bank>> DetectService::ListBanks() {
  std::vector<Bank> banks;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kBankColumns, " ORDER BY b.name, b.id")));
    for (const store::Row& row : result.rows) banks.push_back(BankFromRow(row));
    return absl::OkStatus();
  }));
  return banks;
}

absl::StatusOr<Bank> DetectService::GetBank(int64_t bank_id) {
  Bank bank;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(bank, LoadBank(tx, bank_id));
    return absl::OkStatus();
  }));
  return bank;
}

absl::Status DetectService::BumpBank(store::Transaction& tx, int64_t bank_id) {
  return tx
      .Execute("UPDATE hash_banks SET version = version + 1, updated_at = $2 WHERE id = $1",
               {bank_id, clock_.NowMillis()})
      .status();
}

absl::StatusOr<Bank> DetectService::CreateBank(const auth::Principal& who, const Origin& origin,
                                               NewBank fields) {
  fields.name = std::string(base::StripAsciiWhitespace(fields.name));
  RETURN_IF_ERROR(base::CheckText("name", fields.name, kMaxNameBytes, base::TextForm::kLines,
                                  base::Presence::kRequired));
  RETURN_IF_ERROR(base::CheckText("description", fields.description, kMaxDescriptionBytes,
                                  base::TextForm::kLines, base::Presence::kOptional));
  std::optional<HashAlgorithm> algorithm = ParseHashAlgorithm(fields.algorithm);
  if (!algorithm) return base::InvalidField("algorithm", "expected pdq, md5 or sha256");
  RETURN_IF_ERROR(CheckThreshold(fields.threshold, fields.quality_gate));
  RETURN_IF_ERROR(CheckLabels(fields.labels));
  Bank created;
  base::Millis now = clock_.NowMillis();
  absl::Status status = database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO hash_banks(name, algorithm, negative, threshold, quality_gate, "
                   "labels, description, active, version, created_by, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) RETURNING id",
                   {fields.name, std::string(HashAlgorithmName(*algorithm)),
                    int64_t{fields.negative}, int64_t{fields.threshold.value_or(31)},
                    int64_t{fields.quality_gate.value_or(50)}, LabelsJson(fields.labels),
                    fields.description, int64_t{fields.active}, who.user_id, now}));
    int64_t id = inserted.rows[0].Int(0);
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.bank_create",
                          "hash_bank", id,
                          base::StrCat(HashAlgorithmName(*algorithm),
                                       fields.negative ? " negative" : "", " ", fields.name)));
    ASSIGN_OR_RETURN(created, LoadBank(tx, id));
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status)) {
    return base::WithReason(
        base::FieldError(absl::StatusCode::kAlreadyExists, "name", "a bank of that name exists"),
        "name_taken");
  }
  RETURN_IF_ERROR(status);
  return created;
}

absl::StatusOr<Bank> DetectService::UpdateBank(const auth::Principal& who, const Origin& origin,
                                               int64_t bank_id, BankChanges changes) {
  if (changes.name) {
    changes.name = std::string(base::StripAsciiWhitespace(*changes.name));
    RETURN_IF_ERROR(base::CheckText("name", *changes.name, kMaxNameBytes, base::TextForm::kLines,
                                    base::Presence::kRequired));
  }
  if (changes.description) {
    RETURN_IF_ERROR(base::CheckText("description", *changes.description, kMaxDescriptionBytes,
                                    base::TextForm::kLines, base::Presence::kOptional));
  }
  RETURN_IF_ERROR(CheckThreshold(changes.threshold, changes.quality_gate));
  if (changes.labels) RETURN_IF_ERROR(CheckLabels(*changes.labels));
  Bank updated;
  absl::Status status = database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(Bank bank, LoadBank(tx, bank_id));
    Bank next = bank;
    if (changes.name) next.name = *changes.name;
    if (changes.negative) next.negative = *changes.negative;
    if (changes.threshold) next.threshold = *changes.threshold;
    if (changes.quality_gate) next.quality_gate = *changes.quality_gate;
    if (changes.labels) next.labels = *changes.labels;
    if (changes.description) next.description = *changes.description;
    if (changes.active) next.active = *changes.active;
    RETURN_IF_ERROR(
        tx.Execute("UPDATE hash_banks SET name = $2, negative = $3, threshold = $4, "
                   "quality_gate = $5, labels = $6, description = $7, active = $8 WHERE id = $1",
                   {bank_id, next.name, int64_t{next.negative}, int64_t{next.threshold},
                    int64_t{next.quality_gate}, LabelsJson(next.labels), next.description,
                    int64_t{next.active}})
            .status());
    bool matching_changed = next.negative != bank.negative || next.threshold != bank.threshold ||
                            next.active != bank.active || next.quality_gate != bank.quality_gate;
    RETURN_IF_ERROR(BumpBank(tx, bank_id));
    RETURN_IF_ERROR(Audit(
        tx, &who, origin.client, origin.request_id, "detect.bank_update", "hash_bank", bank_id,
        base::StrCat(next.name, ", threshold ", next.threshold, ", gate ", next.quality_gate,
                     next.negative ? ", negative" : "", next.active ? "" : ", inactive")));
    if (matching_changed && next.active) {
      RETURN_IF_ERROR(EnqueueRescan(tx, &who, "lists_changed", options_.rescan_days));
    }
    ASSIGN_OR_RETURN(updated, LoadBank(tx, bank_id));
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status)) {
    return base::WithReason(
        base::FieldError(absl::StatusCode::kAlreadyExists, "name", "a bank of that name exists"),
        "name_taken");
  }
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(RefreshMatchers(false));
  return updated;
}

absl::StatusOr<BankHashPage> DetectService::ListBankHashes(int64_t bank_id,
                                                           const BankHashFilter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) return base::InvalidField("limit", "1 to 1000");
  if (filter.offset < 0) return base::InvalidField("offset", "0 or more");
  if (filter.q.size() > 200 || !base::IsValidUtf8(filter.q)) {
    return base::InvalidField("q", "at most 200 bytes");
  }
  BankHashPage page;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(LoadBank(tx, bank_id).status());
    std::vector<store::Value> params = {bank_id};
    std::string where = " WHERE h.bank_id = $1 AND h.active = 1";
    if (filter.quarantined) {
      params.emplace_back(int64_t{*filter.quarantined});
      where += base::StrCat(" AND h.quarantined = $", params.size());
    }
    if (!filter.q.empty()) {
      std::string escaped;
      for (char symbol : filter.q) {
        if (symbol == '%' || symbol == '_' || symbol == '\\') escaped += '\\';
        escaped += symbol;
      }
      params.emplace_back(base::StrCat(base::AsciiStrToLower(escaped), "%"));
      params.emplace_back(base::StrCat("%", escaped, "%"));
      where += base::StrCat(" AND (h.hash LIKE $", params.size() - 1,
                            " ESCAPE '\\' OR h.label "
                            "LIKE $",
                            params.size(), " ESCAPE '\\')");
    }
    ASSIGN_OR_RETURN(store::Result counted,
                     tx.Execute(base::StrCat("SELECT COUNT(*) FROM bank_hashes h", where), params));
    page.total = counted.rows[0].Int(0);
    size_t n = params.size();
    params.emplace_back(int64_t{filter.limit});
    params.emplace_back(int64_t{filter.offset});
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kHashColumns, where, " ORDER BY h.id LIMIT $", n + 1,
                                             " OFFSET $", n + 2),
                                params));
    for (const store::Row& row : result.rows) page.hashes.push_back(HashFromRow(row));
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<BankImport> DetectService::ImportHashes(const auth::Principal& who,
                                                       const Origin& origin, int64_t bank_id,
                                                       std::string_view bytes) {
  Bank bank;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(bank, LoadBank(tx, bank_id));
    return absl::OkStatus();
  }));
  ParsedHashes parsed = ParseHashList(bytes, ParseHashAlgorithm(bank.algorithm));
  BankImport report;
  report.errors = parsed.errors;
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    report.added = report.duplicates = 0;
    for (const HashRow& row : parsed.rows) {
      ASSIGN_OR_RETURN(
          store::Result inserted,
          tx.Execute("INSERT INTO bank_hashes(bank_id, hash, label, source, ideology, file_type, "
                     "active, quarantined, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7) "
                     "ON CONFLICT (bank_id, hash) DO NOTHING",
                     {bank_id, row.hash, row.label, row.source, row.ideology, row.file_type, now}));
      if (inserted.affected_rows == 1) {
        ++report.added;
      } else {
        ++report.duplicates;
      }
    }
    std::string change = base::StrCat(report.added, " added, ", report.duplicates, " duplicates, ",
                                      parsed.errors.size(), " errors");
    if (report.added > 0) {
      RETURN_IF_ERROR(BumpBank(tx, bank_id));
      if (bank.active) {
        RETURN_IF_ERROR(EnqueueRescan(tx, &who, "lists_changed", options_.rescan_days));
      }
    }
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.bank_import",
                          "hash_bank", bank_id, change));
    ASSIGN_OR_RETURN(report.bank, LoadBank(tx, bank_id));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RefreshMatchers(false));
  return report;
}

absl::StatusOr<BankHash> DetectService::AddBankHash(const auth::Principal* who,
                                                    const Origin& origin, int64_t bank_id,
                                                    HashRow row, std::string reference_sha256) {
  BankHash added;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(Bank bank, LoadBank(tx, bank_id));
    std::optional<HashAlgorithm> algorithm = ParseHashAlgorithm(bank.algorithm);
    row.hash = base::AsciiStrToLower(row.hash);
    if (!algorithm || row.hash.size() != HashHexLength(*algorithm) || !base::HexDecode(row.hash)) {
      return base::InvalidField("hash", base::StrCat("not a ", bank.algorithm, " hash"));
    }
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO bank_hashes(bank_id, hash, label, source, ideology, file_type, "
                   "active, quarantined, reference_sha256, created_at) VALUES ($1, $2, $3, $4, "
                   "$5, $6, 1, 0, $7, $8) ON CONFLICT (bank_id, hash) DO NOTHING",
                   {bank_id, row.hash, row.label, row.source, row.ideology, row.file_type,
                    reference_sha256.empty() ? store::Value() : store::Value(reference_sha256),
                    clock_.NowMillis()}));
    ASSIGN_OR_RETURN(store::Result found,
                     tx.Execute(base::StrCat(kHashColumns, " WHERE h.bank_id = $1 AND h.hash = $2"),
                                {bank_id, row.hash}));
    added = HashFromRow(found.rows.at(0));
    if (inserted.affected_rows == 1) {
      RETURN_IF_ERROR(BumpBank(tx, bank_id));
      RETURN_IF_ERROR(Audit(tx, who, origin.client, origin.request_id, "detect.bank_hash_add",
                            "bank_hash", added.id, base::StrCat(bank.name, " ", row.hash)));
      RETURN_IF_ERROR(EnqueueRescan(tx, who, "lists_changed", options_.rescan_days));
    }
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RefreshMatchers(false));
  return added;
}

absl::StatusOr<BankHash> DetectService::AddAlertMediaToBank(const auth::Principal& who,
                                                            const Origin& origin, int64_t alert_id,
                                                            int64_t bank_id, std::string label) {
  ASSIGN_OR_RETURN(Alert alert, LoadVisibleAlert(who, alert_id));
  auto no_media = [](const char* why) {
    return base::WithReason(absl::FailedPreconditionError(why), "no_media");
  };
  if (!alert.media_n) return no_media("a text alert has no media file");
  label = std::string(base::StripAsciiWhitespace(label));
  RETURN_IF_ERROR(
      base::CheckText("label", label, 500, base::TextForm::kLines, base::Presence::kOptional));
  if (label.empty() && alert.bank_hash) label = alert.bank_hash->label;
  Bank bank;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(bank, LoadBank(tx, bank_id));
    return absl::OkStatus();
  }));
  // The item's media list (the caller must still see the item).
  ASSIGN_OR_RETURN(collect::Item item, collect_.Get(who, alert.item_id));
  std::string sha256;
  for (const collect::MediaFile& file : item.media) {
    if (file.n == *alert.media_n) sha256 = file.sha256;
  }
  if (sha256.empty()) return no_media("the alert's media file is not in the vault");
  absl::StatusOr<std::string> path = blobs_.Path(sha256);
  if (!path.ok()) return no_media("the alert's media file is not in the vault");
  HashRow row;
  row.label = label;
  row.source = base::StrCat("alert ", alert.id);
  if (bank.algorithm == "pdq") {
    PdqHasher hasher(PdqOptions{.max_pixels = options_.max_image_pixels});
    ASSIGN_OR_RETURN(PdqResult hashed, hasher.HashFile(*path));
    row.hash = hashed.hash.ToHex();
  } else if (bank.algorithm == "md5") {
    ASSIGN_OR_RETURN(vault::Digests digests, blobs_.Verify(sha256));
    row.hash = digests.Md5Hex();
  } else {
    row.hash = sha256;
  }
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result found,
                     tx.Execute("SELECT active FROM bank_hashes WHERE bank_id = $1 AND hash = $2",
                                {bank_id, row.hash}));
    if (found.rows.empty()) return absl::OkStatus();
    return base::WithReason(absl::AlreadyExistsError(base::StrCat(
                                "the bank holds this hash already",
                                found.rows[0].Int(0) ? "" : " (retired)", ": ", row.hash)),
                            "hash_in_bank");
  }));
  return AddBankHash(&who, origin, bank_id, std::move(row), sha256);
}

absl::StatusOr<BankHash> DetectService::LoadHash(store::Transaction& tx, int64_t hash_id) {
  ASSIGN_OR_RETURN(
      store::Result result,
      tx.Execute(base::StrCat(kHashColumns, " WHERE h.id = $1 AND h.active = 1"), {hash_id}));
  if (result.rows.empty()) return HashNotFound();
  return HashFromRow(result.rows[0]);
}

absl::StatusOr<BankHash> DetectService::ReleaseHash(const auth::Principal& who,
                                                    const Origin& origin, int64_t hash_id) {
  BankHash released;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(BankHash hash, LoadHash(tx, hash_id));
    RETURN_IF_ERROR(
        tx.Execute("UPDATE bank_hashes SET quarantined = 0 WHERE id = $1", {hash_id}).status());
    ASSIGN_OR_RETURN(store::Result opened,
                     tx.Execute("UPDATE detect_alerts SET state = 'open' WHERE bank_hash_id = $1 "
                                "AND state = 'held'",
                                {hash_id}));
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.bank_hash_release",
                          "bank_hash", hash_id,
                          base::StrCat(hash.hash, ": ", opened.affected_rows, " alerts opened")));
    ASSIGN_OR_RETURN(released, LoadHash(tx, hash_id));
    return absl::OkStatus();
  }));
  return released;
}

absl::Status DetectService::RetireHash(const auth::Principal& who, const Origin& origin,
                                       int64_t hash_id) {
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(BankHash hash, LoadHash(tx, hash_id));
    RETURN_IF_ERROR(
        tx.Execute("UPDATE bank_hashes SET active = 0 WHERE id = $1", {hash_id}).status());
    ASSIGN_OR_RETURN(store::Result dismissed,
                     tx.Execute("UPDATE detect_alerts SET state = 'dismissed', reason = 'flood', "
                                "decided_by = $2, decided_at = $3 WHERE bank_hash_id = $1 AND "
                                "state = 'held'",
                                {hash_id, who.user_id, now}));
    RETURN_IF_ERROR(BumpBank(tx, hash.bank_id));
    return Audit(tx, &who, origin.client, origin.request_id, "detect.bank_hash_retire", "bank_hash",
                 hash_id,
                 base::StrCat(hash.hash, ": ", dismissed.affected_rows, " held alerts dismissed"));
  }));
  return RefreshMatchers(false);
}

absl::StatusOr<std::string> DetectService::HashImagePath(int64_t hash_id) {
  BankHash hash;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(hash, LoadHash(tx, hash_id));
    return absl::OkStatus();
  }));
  if (hash.reference_sha256.empty()) {
    return absl::NotFoundError("this bank hash has no reference image");
  }
  return blobs_.Path(hash.reference_sha256);
}

// ---------------------------------------------------------------------------------------------
// Alerts and decisions.

absl::StatusOr<std::vector<int64_t>> DetectService::VisibleMandates(const auth::Principal& who) {
  mandates::MandateService::Filter filter;
  filter.limit = kMaxVisibleMandates;
  ASSIGN_OR_RETURN(std::vector<mandates::Mandate> visible, mandates_.List(who, filter));
  std::vector<int64_t> ids;
  ids.reserve(visible.size());
  for (const mandates::Mandate& mandate : visible) ids.push_back(mandate.id);
  return ids;
}

absl::StatusOr<Alert> DetectService::LoadAlert(store::Transaction& tx, int64_t alert_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kAlertColumns, " WHERE a.id = $1"), {alert_id}));
  if (result.rows.empty()) return AlertNotFound();
  return AlertFromRow(result.rows[0]);
}

absl::StatusOr<Alert> DetectService::LoadVisibleAlert(const auth::Principal& who,
                                                      int64_t alert_id) {
  Alert alert;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(alert, LoadAlert(tx, alert_id));
    return absl::OkStatus();
  }));
  absl::StatusOr<mandates::Mandate> mandate = mandates_.Get(who, alert.mandate_id);
  if (!mandate.ok()) {
    if (absl::IsNotFound(mandate.status()) || absl::IsPermissionDenied(mandate.status())) {
      return AlertNotFound();
    }
    return mandate.status();
  }
  return alert;
}

absl::StatusOr<AlertPage> DetectService::ListAlerts(const auth::Principal& who,
                                                    const AlertFilter& filter) {
  static const std::set<std::string> kStates = {"open", "escalated", "held", "confirmed",
                                                "dismissed"};
  if (!filter.state.empty() && !kStates.count(filter.state)) {
    return base::InvalidField("state", "expected open, escalated, held, confirmed or dismissed");
  }
  if (!filter.kind.empty() && filter.kind != "text" && filter.kind != "image" &&
      filter.kind != "exact") {
    return base::InvalidField("kind", "expected text, image or exact");
  }
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return base::InvalidField("limit", base::StrCat("1 to ", kMaxListLimit));
  }
  if (filter.offset < 0) return base::InvalidField("offset", "0 or more");
  std::vector<store::Value> params;
  auto param = [&](store::Value value) {
    params.push_back(std::move(value));
    return base::StrCat("$", params.size());
  };
  std::vector<std::string> conditions;
  ASSIGN_OR_RETURN(std::vector<int64_t> visible, VisibleMandates(who));
  if (filter.mandate_id) {
    if (std::find(visible.begin(), visible.end(), *filter.mandate_id) == visible.end()) {
      return absl::NotFoundError("mandate not found");
    }
    visible = {*filter.mandate_id};
  }
  if (visible.empty()) return AlertPage{};
  std::vector<std::string> placeholders;
  for (int64_t id : visible) placeholders.push_back(param(id));
  conditions.push_back(base::StrCat("a.mandate_id IN (", base::StrJoin(placeholders, ", "), ")"));
  if (!filter.state.empty()) conditions.push_back(base::StrCat("a.state = ", param(filter.state)));
  if (!filter.kind.empty()) conditions.push_back(base::StrCat("a.kind = ", param(filter.kind)));
  if (filter.list_id) conditions.push_back(base::StrCat("a.list_id = ", param(*filter.list_id)));
  if (filter.bank_id) conditions.push_back(base::StrCat("a.bank_id = ", param(*filter.bank_id)));
  if (filter.indicator_id) {
    conditions.push_back(base::StrCat("a.indicator_id = ", param(*filter.indicator_id)));
  }
  std::string where = base::StrCat(" WHERE ", base::StrJoin(conditions, " AND "));
  AlertPage page;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result counted,
        tx.Execute(base::StrCat("SELECT COUNT(*) FROM detect_alerts a", where), params));
    page.total = counted.rows[0].Int(0);
    std::vector<store::Value> page_params = params;
    page_params.emplace_back(int64_t{filter.limit});
    page_params.emplace_back(int64_t{filter.offset});
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kAlertColumns, where, " ORDER BY a.id LIMIT $",
                                             params.size() + 1, " OFFSET $", params.size() + 2),
                                page_params));
    for (const store::Row& row : result.rows) page.alerts.push_back(AlertFromRow(row));
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<Alert> DetectService::GetAlert(const auth::Principal& who, int64_t alert_id) {
  return LoadVisibleAlert(who, alert_id);
}

absl::StatusOr<Alert> DetectService::Decide(const auth::Principal& who,
                                            const collect::Origin& origin, int64_t alert_id,
                                            Decision decision) {
  ASSIGN_OR_RETURN(Alert alert, LoadVisibleAlert(who, alert_id));
  auto already_decided = [&] {
    return base::WithReason(absl::FailedPreconditionError(
                                base::StrCat("the alert was decided already (", alert.state, ")")),
                            "already_decided");
  };
  if (alert.state == "confirmed" || alert.state == "dismissed") return already_decided();
  base::Millis now = clock_.NowMillis();
  std::string detail;
  std::optional<int64_t> case_id, evidence_id;
  std::string new_state;
  if (decision.decision == "dismiss") {
    decision.reason = std::string(base::StripAsciiWhitespace(decision.reason));
    RETURN_IF_ERROR(base::CheckText("reason", decision.reason, kMaxReasonBytes,
                                    base::TextForm::kLines, base::Presence::kRequired));
    new_state = "dismissed";
    detail = base::StrCat("dismissed: ", decision.reason);
  } else if (decision.decision == "escalate") {
    RETURN_IF_ERROR(base::CheckText("reason", decision.reason, kMaxReasonBytes,
                                    base::TextForm::kLines, base::Presence::kOptional));
    new_state = "escalated";
    detail = base::StrCat("escalated", decision.reason.empty() ? "" : ": ", decision.reason);
  } else if (decision.decision == "confirm") {
    RETURN_IF_ERROR(base::CheckText("legal_basis", decision.legal_basis, 2000,
                                    base::TextForm::kLines, base::Presence::kRequired));
    if (decision.case_id.has_value() == decision.new_case.has_value()) {
      return base::InvalidField("case_id", "give case_id or new_case (one of them)");
    }
    RETURN_IF_ERROR(base::CheckText("description", decision.description, 2000,
                                    base::TextForm::kLines, base::Presence::kOptional));
    // The item must still be there (and visible) before a case is made for it.
    ASSIGN_OR_RETURN(collect::Item item, collect_.Get(who, alert.item_id));
    if (decision.new_case) {
      if (base::StripAsciiWhitespace(decision.new_case->title).empty()) {
        return base::InvalidField("new_case.title", "required");
      }
      ASSIGN_OR_RETURN(
          cases::Case made,
          cases_.Create(who, cases::Origin{origin.client, origin.request_id}, *decision.new_case));
      case_id = made.id;
    } else {
      RETURN_IF_ERROR(cases_.CheckAccess(who, *decision.case_id, auth::AccessMode::kWrite));
      case_id = decision.case_id;
    }
    if (item.promoted_evidence_id) {
      evidence_id = item.promoted_evidence_id;
    } else {
      absl::StatusOr<evidence::Item> promoted = collect_.Promote(
          who, origin, alert.item_id, *case_id, decision.legal_basis, decision.description);
      if (promoted.ok()) {
        evidence_id = promoted->id;
      } else if (base::StatusReason(promoted.status()) == "already_promoted") {
        ASSIGN_OR_RETURN(collect::Item again, collect_.Get(who, alert.item_id));
        evidence_id = again.promoted_evidence_id;
      } else {
        return promoted.status();
      }
    }
    new_state = "confirmed";
    detail =
        base::StrCat("confirmed: case ", *case_id, ", evidence item ", evidence_id.value_or(0));
  } else {
    return base::InvalidField("decision", "expected confirm, dismiss or escalate");
  }
  Alert decided;
  bool lost_race = false;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    lost_race = false;
    ASSIGN_OR_RETURN(
        store::Result updated,
        tx.Execute("UPDATE detect_alerts SET state = $2, decided_by = $3, decided_at = $4, "
                   "reason = $5, case_id = $6, evidence_id = $7 WHERE id = $1 AND state NOT IN "
                   "('confirmed', 'dismissed')",
                   {alert_id, new_state, who.user_id, now, decision.reason,
                    case_id ? store::Value(*case_id) : store::Value(),
                    evidence_id ? store::Value(*evidence_id) : store::Value()}));
    if (updated.affected_rows != 1) {
      lost_race = true;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.alert_decide",
                          "detect_alert", alert_id, detail));
    ASSIGN_OR_RETURN(decided, LoadAlert(tx, alert_id));
    return absl::OkStatus();
  }));
  if (lost_race) return already_decided();
  return decided;
}

absl::StatusOr<Alert> DetectService::RecordRemovalRequest(const auth::Principal& who,
                                                          const Origin& origin, int64_t alert_id,
                                                          RemovalRequest request) {
  ASSIGN_OR_RETURN(Alert alert, LoadVisibleAlert(who, alert_id));
  RETURN_IF_ERROR(base::CheckText("platform", request.platform, 100, base::TextForm::kLines,
                                  base::Presence::kRequired));
  RETURN_IF_ERROR(base::CheckText("reference", request.reference, 500, base::TextForm::kLines,
                                  base::Presence::kOptional));
  RETURN_IF_ERROR(base::CheckText("note", request.note, 2000, base::TextForm::kLines,
                                  base::Presence::kOptional));
  if (alert.state != "confirmed") {
    return base::WithReason(
        absl::FailedPreconditionError("a removal request is recorded for confirmed alerts only"),
        "not_confirmed");
  }
  if (request.requested_at == 0) request.requested_at = clock_.NowMillis();
  Json stored{{"platform", request.platform},
              {"reference", request.reference},
              {"note", request.note},
              {"requested_at", request.requested_at},
              {"recorded_by", who.user_id},
              {"recorded_by_username", who.username},
              {"recorded_by_name", who.display_name}};
  Alert updated;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(tx.Execute("UPDATE detect_alerts SET removal_request = $2 WHERE id = $1",
                               {alert_id, stored.dump()})
                        .status());
    RETURN_IF_ERROR(Audit(tx, &who, origin.client, origin.request_id, "detect.removal_request",
                          "detect_alert", alert_id,
                          base::StrCat(request.platform, " ", request.reference)));
    ASSIGN_OR_RETURN(updated, LoadAlert(tx, alert_id));
    return absl::OkStatus();
  }));
  return updated;
}

absl::StatusOr<collect::Content> DetectService::AlertMedia(const auth::Principal& who,
                                                           int64_t alert_id) {
  ASSIGN_OR_RETURN(Alert alert, LoadVisibleAlert(who, alert_id));
  if (!alert.media_n) return absl::NotFoundError("a text alert has no media file");
  return collect_.OpenMedia(who, alert.item_id, *alert.media_n);
}

// ---------------------------------------------------------------------------------------------
// Scans, status and metrics.

absl::Status DetectService::EnqueueRescan(store::Transaction& tx, const auth::Principal* who,
                                          std::string reason, int days) {
  base::Millis now = clock_.NowMillis();
  base::Millis from = now - static_cast<base::Millis>(days) * kDayMillis;
  if (reason == "lists_changed") {
    // A rescan not started yet covers this change too (its range is fixed when it starts).
    ASSIGN_OR_RETURN(store::Result pending,
                     tx.Execute("SELECT COUNT(*) FROM detect_scans WHERE state = 'running' AND "
                                "scanned = 0 AND to_item = 0 AND from_time <= $1",
                                {from}));
    if (pending.rows[0].Int(0) > 0) return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(store::Result bounds,
                   tx.Execute("SELECT COALESCE(MIN(i.id), 0), COUNT(*) FROM collected_items i "
                              "WHERE i.collected_at >= $1 AND i.id <= (SELECT scanned_through "
                              "FROM detect_state WHERE id = 1)",
                              {from}));
  int64_t first = bounds.rows[0].Int(0);
  return tx
      .Execute(
          "INSERT INTO detect_scans(reason, from_time, from_item, to_item, next_item, items, "
          "scanned, alerts, state, started_by, started_at) VALUES ($1, $2, $3, 0, $3, $4, 0, "
          "0, 'running', $5, $6)",
          {reason, from, first, bounds.rows[0].Int(1),
           who ? store::Value(who->user_id) : store::Value(), now})
      .status();
}

namespace {

constexpr char kScanColumns[] =
    "SELECT id, reason, from_time, items, scanned, alerts, state, started_at, finished_at FROM "
    "detect_scans";

Scan ScanFromRow(const store::Row& row) {
  return Scan{.id = row.Int(0),
              .reason = row.Text(1),
              .from = row.Int(2),
              .items = row.Int(3),
              .scanned = row.Int(4),
              .alerts = row.Int(5),
              .state = row.Text(6),
              .started_at = row.Int(7),
              .finished_at = row.OptionalInt(8)};
}

}  // namespace

absl::StatusOr<Scan> DetectService::StartRescan(const auth::Principal* who, const Origin& origin,
                                                std::optional<int> days, std::string reason) {
  int span = days.value_or(options_.rescan_days);
  if (span < 1 || span > 365) return base::InvalidField("days", "1 to 365");
  Scan scan;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(EnqueueRescan(tx, who, reason, span));
    ASSIGN_OR_RETURN(store::Result last,
                     tx.Execute(base::StrCat(kScanColumns, " ORDER BY id DESC LIMIT 1")));
    scan = ScanFromRow(last.rows.at(0));
    return Audit(tx, who, origin.client, origin.request_id, "detect.rescan", "detect_scan", scan.id,
                 base::StrCat(span, " days"));
  }));
  return scan;
}

absl::StatusOr<Status> DetectService::GetStatus() {
  Status status;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result state,
                     tx.Execute("SELECT scanned_through FROM detect_state WHERE id = 1"));
    status.scanned_through_item = state.rows.empty() ? 0 : state.rows[0].Int(0);
    ASSIGN_OR_RETURN(store::Result pending,
                     tx.Execute("SELECT COUNT(*) FROM collected_items WHERE id > $1",
                                {status.scanned_through_item}));
    status.pending_items = pending.rows[0].Int(0);
    ASSIGN_OR_RETURN(store::Result scans,
                     tx.Execute(base::StrCat(kScanColumns, " ORDER BY id DESC LIMIT 20")));
    for (const store::Row& row : scans.rows) status.scans.push_back(ScanFromRow(row));
    ASSIGN_OR_RETURN(store::Result hashes,
                     tx.Execute("SELECT COUNT(*) FROM bank_hashes h JOIN hash_banks b ON b.id = "
                                "h.bank_id WHERE h.active = 1 AND b.active = 1"));
    status.bank_hashes = hashes.rows[0].Int(0);
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RefreshMatchers(false));
  std::shared_ptr<const Compiled> compiled = CurrentMatchers();
  if (compiled) {
    status.indicators = static_cast<int64_t>(compiled->indicators.size());
    status.problems = static_cast<int64_t>(compiled->problems.size());
  }
  return status;
}

absl::StatusOr<Metrics> DetectService::GetMetrics(std::optional<base::Millis> from,
                                                  std::optional<base::Millis> to) {
  std::vector<store::Value> params = {from.value_or(0),
                                      to.value_or(std::numeric_limits<int64_t>::max())};
  constexpr char kCounts[] =
      "COUNT(a.id), COALESCE(SUM(CASE WHEN a.state = 'confirmed' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN a.state = 'dismissed' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN a.state IN ('open', 'escalated') THEN 1 ELSE 0 END), 0)";
  auto fill = [](const store::Row& row, size_t first, MetricsRow& out) {
    out.alerts = row.Int(first);
    out.confirmed = row.Int(first + 1);
    out.dismissed = row.Int(first + 2);
    out.open = row.Int(first + 3);
    if (out.confirmed + out.dismissed > 0) {
      out.precision =
          static_cast<double>(out.confirmed) / static_cast<double>(out.confirmed + out.dismissed);
    }
  };
  std::string window = "a.created_at >= $1 AND a.created_at < $2";
  Metrics metrics;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result lists,
        tx.Execute(base::StrCat("SELECT l.id, l.name, ", kCounts,
                                " FROM indicator_lists l LEFT JOIN detect_alerts a ON a.list_id "
                                "= l.id AND ",
                                window, " GROUP BY l.id, l.name ORDER BY l.id"),
                   params));
    for (const store::Row& row : lists.rows) {
      MetricsRow out{.id = row.Int(0), .name = row.Text(1)};
      fill(row, 2, out);
      metrics.lists.push_back(std::move(out));
    }
    ASSIGN_OR_RETURN(
        store::Result banks,
        tx.Execute(base::StrCat("SELECT b.id, b.name, ", kCounts,
                                " FROM hash_banks b LEFT JOIN detect_alerts a ON a.bank_id = b.id "
                                "AND ",
                                window, " GROUP BY b.id, b.name ORDER BY b.id"),
                   params));
    for (const store::Row& row : banks.rows) {
      MetricsRow out{.id = row.Int(0), .name = row.Text(1)};
      fill(row, 2, out);
      metrics.banks.push_back(std::move(out));
    }
    ASSIGN_OR_RETURN(
        store::Result indicators,
        tx.Execute(base::StrCat("SELECT i.id, i.list_id, i.pattern, ", kCounts,
                                " FROM detect_alerts a JOIN indicators i ON i.id = a.indicator_id "
                                "WHERE ",
                                window,
                                " GROUP BY i.id, i.list_id, i.pattern ORDER BY COUNT(a.id) DESC, "
                                "i.id LIMIT 200"),
                   params));
    for (const store::Row& row : indicators.rows) {
      MetricsRow out{.id = row.Int(0), .list_id = row.Int(1), .name = row.Text(2)};
      fill(row, 3, out);
      metrics.indicators.push_back(std::move(out));
    }
    return absl::OkStatus();
  }));
  return metrics;
}

// ---------------------------------------------------------------------------------------------
// The matchers.

absl::StatusOr<std::string> DetectService::Fingerprint() {
  std::string fingerprint;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result lists,
                     tx.Execute("SELECT COUNT(*), COALESCE(SUM(version), 0), "
                                "COALESCE(SUM(active), 0) FROM indicator_lists"));
    ASSIGN_OR_RETURN(store::Result banks, tx.Execute("SELECT COUNT(*), COALESCE(SUM(version), 0), "
                                                     "COALESCE(SUM(active), 0) FROM hash_banks"));
    fingerprint = base::StrCat(lists.rows[0].Int(0), ":", lists.rows[0].Int(1), ":",
                               lists.rows[0].Int(2), "/", banks.rows[0].Int(0), ":",
                               banks.rows[0].Int(1), ":", banks.rows[0].Int(2));
    return absl::OkStatus();
  }));
  return fingerprint;
}

std::shared_ptr<const DetectService::Compiled> DetectService::CurrentMatchers() {
  absl::MutexLock lock(&matchers_mutex_);
  return matchers_;
}

absl::Status DetectService::RefreshMatchers(bool force) {
  ASSIGN_OR_RETURN(std::string fingerprint, Fingerprint());
  {
    absl::MutexLock lock(&matchers_mutex_);
    if (!force && matchers_ && fingerprint == fingerprint_) return absl::OkStatus();
  }
  auto compiled = std::make_shared<Compiled>();
  std::vector<Indicator> indicators;
  struct BankRow {
    int64_t id;
    std::string algorithm;
    bool negative;
    int threshold, quality_gate;
    int64_t version;
  };
  std::vector<BankRow> banks;
  std::vector<std::tuple<int64_t, int64_t, std::string>> hashes;  // id, bank id, hex
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    indicators.clear();
    banks.clear();
    hashes.clear();
    compiled->indicators.clear();
    ASSIGN_OR_RETURN(
        store::Result rows,
        tx.Execute("SELECT i.id, i.kind, i.pattern, i.severity, l.id, l.version, l.kind FROM "
                   "indicators i JOIN indicator_lists l ON l.id = i.list_id WHERE i.active = 1 "
                   "AND i.retired = 0 AND l.active = 1 ORDER BY i.id"));
    indicators.reserve(rows.rows.size());
    for (const store::Row& row : rows.rows) {
      indicators.push_back(Indicator{.id = row.Int(0),
                                     .kind = KindOf(row.Text(1)),
                                     .pattern = row.Text(2),
                                     .allow = row.Text(6) == "allow"});
      compiled->indicators[row.Int(0)] =
          Compiled::IndicatorInfo{row.Int(4), row.Int(5), row.Text(3), row.Text(6) == "allow"};
    }
    ASSIGN_OR_RETURN(store::Result bank_rows,
                     tx.Execute("SELECT id, algorithm, negative, threshold, quality_gate, version "
                                "FROM hash_banks WHERE active = 1 ORDER BY id"));
    for (const store::Row& row : bank_rows.rows) {
      banks.push_back(BankRow{row.Int(0), row.Text(1), row.Int(2) != 0,
                              static_cast<int>(row.Int(3)), static_cast<int>(row.Int(4)),
                              row.Int(5)});
    }
    ASSIGN_OR_RETURN(store::Result hash_rows,
                     tx.Execute("SELECT h.id, h.bank_id, h.hash FROM bank_hashes h JOIN "
                                "hash_banks b ON b.id = h.bank_id WHERE h.active = 1 AND "
                                "b.active = 1 ORDER BY h.id"));
    for (const store::Row& row : hash_rows.rows) {
      hashes.emplace_back(row.Int(0), row.Int(1), row.Text(2));
    }
    return absl::OkStatus();
  }));
  if (!indicators.empty()) {
    absl::StatusOr<std::unique_ptr<TextMatcher>> matcher = TextMatcher::Compile(indicators, {});
    if (matcher.ok()) {
      compiled->matcher = *std::move(matcher);
      compiled->problems = compiled->matcher->problems();
    } else {
      // Nothing compiled: every pattern is a problem, named with the compiler's error.
      for (const Indicator& indicator : indicators) {
        compiled->problems.push_back(PatternProblem{indicator.id, indicator.pattern,
                                                    std::string(matcher.status().message())});
      }
    }
    for (const PatternProblem& problem : compiled->problems) {
      auto found = compiled->indicators.find(problem.indicator_id);
      if (found != compiled->indicators.end()) {
        compiled->problem_lists[problem.indicator_id] = found->second.list_id;
      }
    }
  }
  std::unordered_map<int64_t, size_t> bank_index;
  for (const BankRow& row : banks) {
    std::optional<HashAlgorithm> algorithm = ParseHashAlgorithm(row.algorithm);
    if (!algorithm) continue;
    Compiled::BankIndex bank;
    bank.id = row.id;
    bank.algorithm = *algorithm;
    bank.negative = row.negative;
    bank.threshold = row.threshold;
    bank.quality_gate = row.quality_gate;
    bank.version = row.version;
    bank_index[row.id] = compiled->banks.size();
    compiled->md5_banks |= *algorithm == HashAlgorithm::kMd5;
    compiled->pdq_banks |= *algorithm == HashAlgorithm::kPdq;
    compiled->banks.push_back(std::move(bank));
  }
  for (const auto& [id, bank_id, hex] : hashes) {
    auto found = bank_index.find(bank_id);
    if (found == bank_index.end()) continue;
    Compiled::BankIndex& bank = compiled->banks[found->second];
    if (bank.algorithm == HashAlgorithm::kPdq) {
      std::optional<PdqHash> hash = PdqHash::FromHex(hex);
      if (!hash) continue;
      bank.pdq.Add(*hash, id);
    } else {
      bank.exact[hex] = id;
    }
    ++compiled->hash_count;
  }
  for (Compiled::BankIndex& bank : compiled->banks) {
    if (bank.algorithm == HashAlgorithm::kPdq) bank.pdq.Build();
  }
  absl::MutexLock lock(&matchers_mutex_);
  matchers_ = std::move(compiled);
  fingerprint_ = std::move(fingerprint);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// The scanner.

absl::StatusOr<std::vector<DetectService::ScanItem>> DetectService::ReadItems(
    store::Transaction& tx, int64_t after, int64_t through, size_t limit) {
  if (database_.engine() == store::Engine::kPostgres) {
    // See the file comment of detect.h: waits for the transactions still inserting items.
    RETURN_IF_ERROR(tx.Execute("LOCK TABLE collected_items IN SHARE MODE").status());
  }
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute("SELECT id, mandate_id, text FROM collected_items WHERE id > $1 "
                              "AND id <= $2 ORDER BY id LIMIT $3",
                              {after, through, static_cast<int64_t>(limit)}));
  std::vector<ScanItem> items;
  items.reserve(result.rows.size());
  std::unordered_map<int64_t, size_t> position;
  for (const store::Row& row : result.rows) {
    position[row.Int(0)] = items.size();
    items.push_back(ScanItem{row.Int(0), row.Int(1), row.Text(2), {}});
  }
  if (items.empty()) return items;
  ASSIGN_OR_RETURN(store::Result media,
                   tx.Execute("SELECT item_id, n, sha256, name, mime_type FROM collected_media "
                              "WHERE item_id >= $1 AND item_id <= $2 AND sha256 <> '' ORDER BY "
                              "item_id, n",
                              {items.front().id, items.back().id}));
  for (const store::Row& row : media.rows) {
    auto found = position.find(row.Int(0));
    if (found == position.end()) continue;
    items[found->second].media.push_back(collect::MediaFile{.n = static_cast<int>(row.Int(1)),
                                                            .sha256 = row.Text(2),
                                                            .name = row.Text(3),
                                                            .mime_type = row.Text(4)});
  }
  return items;
}

std::vector<DetectService::NewAlert> DetectService::ScanItems(const Compiled& compiled,
                                                              const std::vector<ScanItem>& items) {
  std::vector<NewAlert> alerts;
  std::optional<TextScratch> scratch;
  if (compiled.matcher) scratch.emplace(compiled.matcher->NewScratch());
  // The texts of the batch in one batched scan (each gets what Scan alone would give it).
  std::vector<std::vector<TextHit>> hits_per_item;
  if (compiled.matcher) {
    std::vector<std::string_view> texts;
    texts.reserve(items.size());
    for (const ScanItem& item : items) texts.emplace_back(item.text);
    compiled.matcher->ScanBatch(texts, *scratch, hits_per_item);
  }
  std::unique_ptr<PdqHasher> hasher;
  std::vector<PdqMatch> matches;
  for (size_t index = 0; index < items.size(); ++index) {
    const ScanItem& item = items[index];
    if (compiled.matcher && !item.text.empty()) {
      const std::vector<TextHit>& hits = hits_per_item[index];
      // One alert per indicator, with every span it matched.
      std::map<int64_t, std::vector<const TextHit*>> by_indicator;
      for (const TextHit& hit : hits) by_indicator[hit.indicator_id].push_back(&hit);
      for (const auto& [indicator_id, spans] : by_indicator) {
        auto info = compiled.indicators.find(indicator_id);
        // Allow entries only suppress (the matcher removes the hits they cover).
        if (info == compiled.indicators.end() || info->second.allow) continue;
        NewAlert alert;
        alert.item_id = item.id;
        alert.mandate_id = item.mandate_id;
        alert.kind = "text";
        alert.list_id = info->second.list_id;
        alert.list_version = info->second.list_version;
        alert.indicator_id = indicator_id;
        alert.severity = info->second.severity;
        Json highlights = Json::array();
        std::vector<std::pair<uint32_t, uint32_t>> ranges;
        for (const TextHit* hit : spans) {
          uint32_t end = std::min<uint32_t>(hit->end, static_cast<uint32_t>(item.text.size()));
          uint32_t start = std::min(hit->start, end);
          ranges.emplace_back(start, end);
          highlights.push_back(
              {{"start", start}, {"end", end}, {"text", item.text.substr(start, end - start)}});
        }
        alert.highlights = highlights.dump(-1, ' ', false, Json::error_handler_t::replace);
        alert.excerpt = internal::Excerpt(item.text, ranges);
        alerts.push_back(std::move(alert));
      }
    }
    if (compiled.banks.empty()) continue;
    for (const collect::MediaFile& file : item.media) {
      absl::StatusOr<std::string> path = blobs_.Path(file.sha256);
      if (!path.ok()) continue;
      std::string md5;
      if (compiled.md5_banks) {
        absl::StatusOr<vault::Digests> digests = blobs_.Verify(file.sha256);
        if (digests.ok()) md5 = digests->Md5Hex();
      }
      std::optional<PdqResult> pdq;
      if (compiled.pdq_banks) {
        // Only images are hashed (by their signature): a video is never read whole here.
        char head[16] = {};
        std::ifstream stream(*path, std::ios::binary);
        stream.read(head, sizeof head);
        std::string_view first(head,
                               static_cast<size_t>(std::max<std::streamsize>(0, stream.gcount())));
        if (LooksLikeImage(first)) {
          if (!hasher) {
            hasher =
                std::make_unique<PdqHasher>(PdqOptions{.max_pixels = options_.max_image_pixels});
          }
          absl::StatusOr<PdqResult> hashed = hasher->HashFile(*path);
          if (hashed.ok()) pdq = *hashed;
        }
      }
      // Matches per bank; a negative bank's match drops the others for this file.
      std::vector<NewAlert> found;
      bool suppressed = false;
      for (const Compiled::BankIndex& bank : compiled.banks) {
        auto add = [&](int64_t hash_id, std::string kind, std::optional<int> distance) {
          if (bank.negative) {
            suppressed = true;
            return;
          }
          NewAlert alert;
          alert.item_id = item.id;
          alert.mandate_id = item.mandate_id;
          alert.kind = std::move(kind);
          alert.bank_id = bank.id;
          alert.bank_hash_id = hash_id;
          alert.media_n = file.n;
          alert.distance = distance;
          if (pdq && alert.kind == "image") {
            alert.quality = pdq->quality;
            alert.low_confidence = pdq->quality < bank.quality_gate;
          }
          alert.severity = alert.low_confidence ? "medium" : "high";
          found.push_back(std::move(alert));
        };
        if (bank.algorithm == HashAlgorithm::kPdq) {
          if (!pdq) continue;
          matches.clear();
          bank.pdq.Query(pdq->dihedral, bank.threshold, matches);
          for (const PdqMatch& match : matches) add(match.id, "image", match.distance);
        } else {
          const std::string& key = bank.algorithm == HashAlgorithm::kMd5 ? md5 : file.sha256;
          if (key.empty()) continue;
          auto hit = bank.exact.find(key);
          if (hit != bank.exact.end()) add(hit->second, "exact", std::nullopt);
        }
      }
      if (suppressed) continue;
      for (NewAlert& alert : found) alerts.push_back(std::move(alert));
    }
  }
  return alerts;
}

absl::Status DetectService::InsertAlerts(store::Transaction& tx,
                                         const std::vector<NewAlert>& alerts, int64_t& inserted) {
  base::Millis now = clock_.NowMillis();
  for (const NewAlert& alert : alerts) {
    std::string state = "open";
    if (alert.bank_hash_id != 0) {
      // Flood quarantine: more than flood_per_hour alerts of one hash within the hour.
      ASSIGN_OR_RETURN(
          store::Result hash,
          tx.Execute("SELECT quarantined FROM bank_hashes WHERE id = $1", {alert.bank_hash_id}));
      bool quarantined = !hash.rows.empty() && hash.rows[0].Int(0) != 0;
      if (!quarantined) {
        ASSIGN_OR_RETURN(store::Result recent,
                         tx.Execute("SELECT COUNT(*) FROM detect_alerts WHERE bank_hash_id = $1 "
                                    "AND created_at > $2",
                                    {alert.bank_hash_id, now - kHourMillis}));
        if (recent.rows[0].Int(0) >= options_.flood_per_hour) {
          RETURN_IF_ERROR(tx.Execute("UPDATE bank_hashes SET quarantined = 1 WHERE id = $1",
                                     {alert.bank_hash_id})
                              .status());
          RETURN_IF_ERROR(
              Audit(tx, nullptr, "scanner", "", "detect.bank_hash_quarantine", "bank_hash",
                    alert.bank_hash_id,
                    base::StrCat("more than ", options_.flood_per_hour, " alerts within an hour")));
          quarantined = true;
        }
      }
      if (quarantined) state = "held";
    }
    auto optional = [](const auto& value) {
      return value ? store::Value(static_cast<int64_t>(*value)) : store::Value();
    };
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute("INSERT INTO detect_alerts(item_id, mandate_id, kind, state, list_id, "
                   "list_version, indicator_id, bank_id, bank_hash_id, media_n, distance, "
                   "quality, low_confidence, highlights, excerpt, severity, created_at) VALUES "
                   "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
                   "ON CONFLICT (item_id, indicator_id, media_n, bank_hash_id) DO NOTHING",
                   {alert.item_id, alert.mandate_id, alert.kind, state, optional(alert.list_id),
                    optional(alert.list_version), alert.indicator_id, optional(alert.bank_id),
                    alert.bank_hash_id, int64_t{alert.media_n}, optional(alert.distance),
                    optional(alert.quality), int64_t{alert.low_confidence}, alert.highlights,
                    alert.excerpt, alert.severity, now}));
    inserted += result.affected_rows;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> DetectService::HoldLease() {
  base::Millis now = clock_.NowMillis();
  // Renewed when less than two thirds of it is left, not at every tick.
  if (lease_until_ - now > kLeaseMillis / 3 * 2) return true;
  ASSIGN_OR_RETURN(
      store::Result updated,
      database_.Execute("UPDATE detect_state SET lease_owner = $1, lease_until = $2 WHERE id = 1 "
                        "AND (lease_owner = $1 OR lease_until < $3)",
                        {options_.instance, now + kLeaseMillis, now}));
  if (updated.affected_rows != 1) return false;
  lease_until_ = now + kLeaseMillis;
  return true;
}

absl::StatusOr<int64_t> DetectService::ScanArrivals() {
  std::shared_ptr<const Compiled> compiled = CurrentMatchers();
  if (!compiled) return 0;
  int64_t cursor = 0;
  std::vector<ScanItem> items;
  // PostgreSQL's LOCK TABLE needs a transaction that may write; on SQLite a read does (and
  // leaves the write lock to imports).
  const store::TxMode mode =
      database_.engine() == store::Engine::kPostgres ? store::TxMode::kWrite : store::TxMode::kRead;
  RETURN_IF_ERROR(database_.Transact(mode, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result state,
                     tx.Execute("SELECT scanned_through FROM detect_state WHERE id = 1"));
    cursor = state.rows.at(0).Int(0);
    ASSIGN_OR_RETURN(
        items, ReadItems(tx, cursor, std::numeric_limits<int64_t>::max(), options_.batch_size));
    return absl::OkStatus();
  }));
  if (items.empty()) return 0;
  std::vector<NewAlert> alerts = ScanItems(*compiled, items);
  bool moved = false;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result advanced,
                     tx.Execute("UPDATE detect_state SET scanned_through = $2 WHERE id = 1 AND "
                                "scanned_through = $1",
                                {cursor, items.back().id}));
    moved = advanced.affected_rows == 1;
    // Another instance recorded this batch first: nothing to write.
    if (!moved) return absl::OkStatus();
    int64_t inserted = 0;
    return InsertAlerts(tx, alerts, inserted);
  }));
  return moved ? static_cast<int64_t>(items.size()) : 0;
}

absl::StatusOr<int64_t> DetectService::RunRescans() {
  std::shared_ptr<const Compiled> compiled = CurrentMatchers();
  if (!compiled) return 0;
  // Most ticks have no rescan: a read finds that without taking the write lock.
  ASSIGN_OR_RETURN(store::Result running,
                   database_.Execute("SELECT COUNT(*) FROM detect_scans WHERE state = 'running'",
                                     {}, store::TxMode::kRead));
  if (running.rows[0].Int(0) == 0) return 0;
  std::optional<Scan> scan;
  int64_t next = 0, through = 0;
  std::vector<ScanItem> items;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    scan.reset();
    items.clear();
    ASSIGN_OR_RETURN(store::Result running,
                     tx.Execute("SELECT id, from_time, next_item, to_item, scanned FROM "
                                "detect_scans WHERE state = 'running' ORDER BY id LIMIT 1"));
    if (running.rows.empty()) return absl::OkStatus();
    const store::Row& row = running.rows[0];
    scan = Scan{.id = row.Int(0)};
    next = row.Int(2);
    through = row.Int(3);
    if (row.Int(4) == 0 && through == 0) {
      // Starting: the range is fixed now, after the matchers were rebuilt for the change, up to
      // what the arrival scanner has done (items after it are scanned with these matchers).
      ASSIGN_OR_RETURN(store::Result state,
                       tx.Execute("SELECT scanned_through FROM detect_state WHERE id = 1"));
      through = state.rows.at(0).Int(0);
      ASSIGN_OR_RETURN(store::Result bounds,
                       tx.Execute("SELECT COALESCE(MIN(id), 0), COUNT(*) FROM collected_items "
                                  "WHERE collected_at >= $1 AND id <= $2",
                                  {row.Int(1), through}));
      next = bounds.rows[0].Int(0);
      if (next == 0) through = 0;
      RETURN_IF_ERROR(tx.Execute("UPDATE detect_scans SET from_item = $2, next_item = $2, "
                                 "to_item = $3, items = $4 WHERE id = $1",
                                 {scan->id, next, through, bounds.rows[0].Int(1)})
                          .status());
    }
    if (next > 0 && next <= through) {
      ASSIGN_OR_RETURN(items, ReadItems(tx, next - 1, through, options_.batch_size));
    }
    return absl::OkStatus();
  }));
  if (!scan) return 0;
  base::Millis now = clock_.NowMillis();
  if (items.empty()) {
    RETURN_IF_ERROR(database_
                        .Execute("UPDATE detect_scans SET state = 'done', finished_at = $2 WHERE "
                                 "id = $1 AND state = 'running'",
                                 {scan->id, now})
                        .status());
    return 0;
  }
  std::vector<NewAlert> alerts = ScanItems(*compiled, items);
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    int64_t new_next = items.back().id + 1;
    bool last = new_next > through;
    ASSIGN_OR_RETURN(
        store::Result advanced,
        tx.Execute(base::StrCat("UPDATE detect_scans SET next_item = $3, scanned = scanned + $4",
                                last ? ", state = 'done', finished_at = $5" : "",
                                " WHERE id = $1 AND next_item = $2 AND state = 'running'",
                                last ? "" : " AND $5 >= 0"),
                   {scan->id, next, new_next, static_cast<int64_t>(items.size()), now}));
    if (advanced.affected_rows != 1) return absl::OkStatus();
    int64_t inserted = 0;
    RETURN_IF_ERROR(InsertAlerts(tx, alerts, inserted));
    return tx
        .Execute("UPDATE detect_scans SET alerts = alerts + $2 WHERE id = $1", {scan->id, inserted})
        .status();
  }));
  return static_cast<int64_t>(items.size());
}

absl::StatusOr<int64_t> DetectService::RunScheduledJobs() {
  absl::MutexLock tick(&tick_mutex_);
  ASSIGN_OR_RETURN(bool leased, HoldLease());
  if (!leased) return 0;
  RETURN_IF_ERROR(RefreshMatchers(false));
  int64_t scanned = 0;
  for (int batch = 0; batch < kArrivalBatchesPerTick; ++batch) {
    ASSIGN_OR_RETURN(int64_t count, ScanArrivals());
    scanned += count;
    if (count < static_cast<int64_t>(options_.batch_size)) break;
  }
  for (int batch = 0; batch < kArrivalBatchesPerTick; ++batch) {
    ASSIGN_OR_RETURN(int64_t count, RunRescans());
    if (count == 0) break;
    scanned += count;
  }
  return scanned;
}

}  // namespace threathub::detect
