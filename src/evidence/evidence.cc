#include "evidence/evidence.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "evidence/ewf_child.h"
#include "store/scheduled_jobs.h"
#include "vault/file_type.h"
#include "vault/multi_hash.h"
#include "vault/original_name.h"

namespace threathub::evidence {
namespace {

constexpr size_t kMaxTextField = 2000;
constexpr size_t kMaxShortField = 300;

// Retention periods. The Code of Criminal Procedure of Kazakhstan (art. 118, 221) keeps
// material evidence until the judgement enters into force and the limitation periods of the
// Criminal Code (art. 71: 5 to 20 years by gravity) decide how long a closed case's material
// may still be needed; the periods below follow those limitation periods by the gravity of the
// offences typical of each category. The longest applicable wins.
const std::vector<Category>& CategoryTable() {
  static const auto* table = new std::vector<Category>{
      {"general", 1825, "Жалпы", "Общая", "General"},
      {"personal_data", 1095, "Дербес деректер", "Персональные данные", "Personal data"},
      {"fraud", 3650, "Алаяқтық", "Мошенничество", "Fraud"},
      {"extremism", 5475, "Экстремизм", "Экстремизм", "Extremism"},
      {"terrorism", 7300, "Терроризм", "Терроризм", "Terrorism"},
      {"child_abuse", 7300, "Балаларға қатысты зорлық", "Насилие в отношении детей",
       "Child sexual abuse"},
  };
  return *table;
}

constexpr char kItemColumns[] =
    "SELECT i.id, i.case_id, c.number, i.agency_id, i.original_name, i.size, i.mime_type, "
    "i.md5, i.sha1, i.sha256, i.description, i.source_type, i.source_detail, "
    "i.acquisition_method, i.acquisition_tool, i.examiner, i.acquired_at, i.acquired_place, "
    "i.legal_basis, i.parent_id, i.categories, i.retention_until, i.state, i.sealed, "
    "i.seal_number, i.ewf, i.ingested_by, u.username, u.display_name, i.ingested_at, "
    "i.last_verified_at, i.last_verification, i.disposed_at "
    "FROM evidence_items i JOIN cases c ON c.id = i.case_id JOIN users u ON u.id = i.ingested_by";

Item ItemFromRow(const store::Row& row) {
  Item item;
  item.id = row.Int(0);
  item.case_id = row.Int(1);
  item.case_number = row.Text(2);
  item.agency_id = row.Int(3);
  item.metadata.original_name = row.Text(4);
  item.size = static_cast<uint64_t>(row.Int(5));
  item.mime_type = row.Text(6);
  item.md5 = row.Text(7);
  item.sha1 = row.Text(8);
  item.sha256 = row.Text(9);
  item.metadata.description = row.Text(10);
  item.metadata.source_type = row.Text(11);
  item.metadata.source_detail = row.Text(12);
  item.metadata.acquisition_method = row.Text(13);
  item.metadata.acquisition_tool = row.Text(14);
  item.metadata.examiner = row.Text(15);
  item.metadata.acquired_at = row.OptionalInt(16);
  item.metadata.acquired_place = row.Text(17);
  item.metadata.legal_basis = row.Text(18);
  item.metadata.parent_id = row.OptionalInt(19);
  if (!row.Text(20).empty()) {
    for (std::string_view code : base::StrSplit(row.Text(20), ',')) {
      item.metadata.categories.emplace_back(code);
    }
  }
  item.retention_until = row.OptionalInt(21);
  item.state = row.Text(22);
  item.sealed = row.Int(23) != 0;
  item.seal_number = row.Text(24);
  item.ewf_json = row.Text(25);
  item.ingested_by = cases::Person{row.Int(26), row.Text(27), row.Text(28)};
  item.ingested_at = row.Int(29);
  item.last_verified_at = row.OptionalInt(30);
  item.last_verification = row.Text(31);
  item.disposed_at = row.OptionalInt(32);
  return item;
}

constexpr char kEventColumns[] =
    "SELECT e.id, e.item_id, e.case_id, e.case_number, e.action, e.actor_id, e.actor, "
    "COALESCE(u.display_name, ''), e.at, e.place, e.why, e.from_party, e.to_party, "
    "e.hash_before, e.hash_after, e.result, e.item_sha256, l.idx "
    "FROM custody_events e LEFT JOIN users u ON u.id = e.actor_id "
    "LEFT JOIN ledger_leaves l ON l.kind = 'custody' AND l.ref = CAST(e.id AS TEXT)";

CustodyEvent EventFromRow(const store::Row& row) {
  CustodyEvent event;
  event.id = row.Int(0);
  event.item_id = row.Int(1);
  event.case_id = row.Int(2);
  event.case_number = row.Text(3);
  event.action = row.Text(4);
  event.actor_id = row.OptionalInt(5);
  event.actor = row.Text(6);
  event.actor_display_name = row.Text(7);
  event.at = row.Int(8);
  event.where = row.Text(9);
  event.why = row.Text(10);
  event.from = row.Text(11);
  event.to = row.Text(12);
  event.hash_before = row.Text(13);
  event.hash_after = row.Text(14);
  event.result = row.Text(15);
  event.item_sha256 = row.Text(16);
  if (!row.IsNull(17)) event.leaf_index = static_cast<uint64_t>(row.Int(17));
  return event;
}

constexpr char kDisposalColumns[] =
    "SELECT d.id, d.item_id, i.original_name, d.case_id, c.number, d.agency_id, d.reason, "
    "d.state, d.requested_by, ru.username, ru.display_name, d.requested_at, d.approved_by, "
    "au.username, au.display_name, d.approved_at, d.scheduled_for, d.decided_reason, d.done_at "
    "FROM evidence_disposals d JOIN evidence_items i ON i.id = d.item_id "
    "JOIN cases c ON c.id = d.case_id LEFT JOIN users ru ON ru.id = d.requested_by "
    "LEFT JOIN users au ON au.id = d.approved_by";

Disposal DisposalFromRow(const store::Row& row) {
  Disposal disposal;
  disposal.id = row.Int(0);
  disposal.item_id = row.Int(1);
  disposal.item_name = row.Text(2);
  disposal.case_id = row.Int(3);
  disposal.case_number = row.Text(4);
  disposal.agency_id = row.Int(5);
  disposal.reason = row.Text(6);
  disposal.state = row.Text(7);
  if (!row.IsNull(8)) disposal.requested_by = cases::Person{row.Int(8), row.Text(9), row.Text(10)};
  disposal.requested_at = row.Int(11);
  if (!row.IsNull(12))
    disposal.approved_by = cases::Person{row.Int(12), row.Text(13), row.Text(14)};
  disposal.approved_at = row.OptionalInt(15);
  disposal.scheduled_for = row.OptionalInt(16);
  disposal.decided_reason = row.Text(17);
  disposal.done_at = row.OptionalInt(18);
  return disposal;
}

constexpr char kAlertColumns[] =
    "SELECT a.id, a.item_id, i.original_name, a.case_id, c.number, a.kind, a.expected_sha256, "
    "a.found_sha256, a.detected_at, a.state, a.acknowledged_by, u.username, u.display_name "
    "FROM evidence_alerts a JOIN evidence_items i ON i.id = a.item_id "
    "JOIN cases c ON c.id = a.case_id LEFT JOIN users u ON u.id = a.acknowledged_by";

Alert AlertFromRow(const store::Row& row) {
  Alert alert;
  alert.id = row.Int(0);
  alert.item_id = row.Int(1);
  alert.item_name = row.Text(2);
  alert.case_id = row.Int(3);
  alert.case_number = row.Text(4);
  alert.kind = row.Text(5);
  alert.expected_sha256 = row.Text(6);
  alert.found_sha256 = row.Text(7);
  alert.detected_at = row.Int(8);
  alert.state = row.Text(9);
  if (!row.IsNull(10))
    alert.acknowledged_by = cases::Person{row.Int(10), row.Text(11), row.Text(12)};
  return alert;
}

absl::Status CheckRequired(std::string_view field, const std::string& value, size_t max_bytes) {
  return base::CheckText(field, value, max_bytes, base::TextForm::kLines,
                         base::Presence::kRequired);
}

absl::Status ValidateMetadata(Metadata& metadata) {
  ASSIGN_OR_RETURN(metadata.original_name, vault::SanitizeOriginalName(metadata.original_name));
  RETURN_IF_ERROR(base::CheckText("description", metadata.description, kMaxTextField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  if (metadata.source_type != "seized" && metadata.source_type != "received" &&
      metadata.source_type != "captured_online") {
    return base::InvalidField("source_type", "expected seized, received or captured_online");
  }
  RETURN_IF_ERROR(base::CheckText("source_detail", metadata.source_detail, kMaxTextField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  RETURN_IF_ERROR(base::CheckText("acquisition_method", metadata.acquisition_method, kMaxShortField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  RETURN_IF_ERROR(base::CheckText("acquisition_tool", metadata.acquisition_tool, kMaxShortField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  RETURN_IF_ERROR(base::CheckText("examiner", metadata.examiner, kMaxShortField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  RETURN_IF_ERROR(base::CheckText("acquired_place", metadata.acquired_place, kMaxShortField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  RETURN_IF_ERROR(CheckRequired("legal_basis", metadata.legal_basis, kMaxTextField));
  if (metadata.categories.empty()) metadata.categories = {"general"};
  std::sort(metadata.categories.begin(), metadata.categories.end());
  metadata.categories.erase(std::unique(metadata.categories.begin(), metadata.categories.end()),
                            metadata.categories.end());
  for (const std::string& code : metadata.categories) {
    bool known = std::any_of(CategoryTable().begin(), CategoryTable().end(),
                             [&](const Category& category) { return category.code == code; });
    if (!known) return base::InvalidField("categories", base::StrCat("unknown category ", code));
  }
  return absl::OkStatus();
}

int RetentionDays(const std::vector<std::string>& codes) {
  int days = 0;
  for (const Category& category : CategoryTable()) {
    if (std::find(codes.begin(), codes.end(), category.code) != codes.end()) {
      days = std::max(days, category.retention_days);
    }
  }
  return days;
}

bool IsSupervisorOf(const auth::Principal& who, int64_t agency_id) {
  return who.agency_id == agency_id &&
         auth::Has(who.permissions, auth::Permission::kEvidenceApprove);
}

absl::Status ItemNotFound() { return absl::NotFoundError("evidence item not found"); }

absl::Status Conflict(std::string message) {
  return absl::FailedPreconditionError(std::move(message));
}

}  // namespace

const std::vector<Category>& Categories() { return CategoryTable(); }

ledger::CanonicalObject CustodyRecordObject(const CustodyEvent& event) {
  ledger::CanonicalObject record;
  record.String("action", event.action)
      .String("actor", event.actor)
      .OptionalInt("actor_id", event.actor_id)
      .Int("at", event.at)
      .Int("case_id", event.case_id)
      .String("case_number", event.case_number)
      .String("from", event.from)
      .String("hash_after", event.hash_after)
      .String("hash_before", event.hash_before)
      .Int("id", event.id)
      .Int("item_id", event.item_id)
      .String("item_sha256", event.item_sha256)
      .String("result", event.result)
      .String("to", event.to)
      .String("where", event.where)
      .String("why", event.why);
  return record;
}

EvidenceService::EvidenceService(store::Database& database, audit::AuditTrail& trail,
                                 ledger::Ledger& ledger, cases::CaseService& cases,
                                 vault::BlobStore& blobs, const base::Clock& clock,
                                 EvidenceOptions options)
    : database_(database),
      trail_(trail),
      ledger_(ledger),
      cases_(cases),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)) {}

absl::Status EvidenceService::Audit(store::Transaction& tx, const auth::Principal* who,
                                    const Origin& origin, std::string action,
                                    std::string object_type, int64_t object_id,
                                    std::string detail) {
  audit::Record record{.actor_id = who ? std::optional<int64_t>(who->user_id) : std::nullopt,
                       .actor_name = who ? who->username : "system",
                       .agency_id = who ? std::optional<int64_t>(who->agency_id) : std::nullopt,
                       .action = std::move(action),
                       .object_type = std::move(object_type),
                       .object_id = std::to_string(object_id),
                       .client = origin.client,
                       .request_id = origin.request_id,
                       .detail = std::move(detail)};
  return trail_.Append(tx, record);
}

absl::StatusOr<CustodyEvent> EvidenceService::AppendEvent(store::Transaction& tx,
                                                          CustodyEvent event) {
  if (event.at == 0) event.at = clock_.NowMillis();
  ASSIGN_OR_RETURN(
      store::Result inserted,
      tx.Execute("INSERT INTO custody_events(item_id, case_id, action, actor_id, actor, at, place, "
                 "why, from_party, to_party, hash_before, hash_after, result, case_number, "
                 "item_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                 "$14, $15) RETURNING id",
                 {event.item_id, event.case_id, event.action,
                  event.actor_id ? store::Value(*event.actor_id) : store::Value(), event.actor,
                  event.at, event.where, event.why, event.from, event.to, event.hash_before,
                  event.hash_after, event.result, event.case_number, event.item_sha256}));
  event.id = inserted.rows[0].Int(0);
  ASSIGN_OR_RETURN(
      uint64_t index,
      ledger_.Append(tx, ledger::Entry{std::string(ledger::kCustodyKind), std::to_string(event.id),
                                       CustodyRecordObject(event)}));
  event.leaf_index = index;
  return event;
}

absl::StatusOr<Item> EvidenceService::LoadItem(store::Transaction& tx, int64_t item_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kItemColumns, " WHERE i.id = $1"), {item_id}));
  if (result.rows.empty()) return ItemNotFound();
  Item item = ItemFromRow(result.rows[0]);
  ASSIGN_OR_RETURN(
      store::Result children,
      tx.Execute("SELECT id FROM evidence_items WHERE parent_id = $1 ORDER BY id", {item_id}));
  for (const store::Row& row : children.rows) item.children.push_back(row.Int(0));
  return item;
}

absl::StatusOr<Item> EvidenceService::LoadReadable(const auth::Principal& who, int64_t item_id,
                                                   auth::AccessMode mode) {
  Item item;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(item, LoadItem(tx, item_id));
    return absl::OkStatus();
  }));
  absl::Status access = cases_.CheckAccess(who, item.case_id, mode);
  if (absl::IsNotFound(access)) return ItemNotFound();
  RETURN_IF_ERROR(access);
  return item;
}

absl::Status EvidenceService::CheckIngest(const auth::Principal& who, int64_t case_id,
                                          const Metadata& metadata) {
  RETURN_IF_ERROR(cases_.CheckAccess(who, case_id, auth::AccessMode::kWrite));
  Metadata copy = metadata;
  RETURN_IF_ERROR(ValidateMetadata(copy));
  if (copy.parent_id) {
    absl::StatusOr<Item> parent = LoadReadable(who, *copy.parent_id, auth::AccessMode::kRead);
    if (!parent.ok() || parent->case_id != case_id) {
      return base::InvalidField("parent_id", "no such item in this case");
    }
  }
  return absl::OkStatus();
}

namespace {
absl::Status NothingElse(store::Transaction&, int64_t) { return absl::OkStatus(); }
}  // namespace

absl::StatusOr<Item> EvidenceService::Ingest(const auth::Principal& who, const Origin& origin,
                                             int64_t case_id, Metadata metadata,
                                             const vault::PutResult& put) {
  return IngestItem(who, origin, case_id, std::move(metadata), put, nullptr, NothingElse);
}

absl::StatusOr<Item> EvidenceService::IngestCollected(const auth::Principal& who,
                                                      const Origin& origin, int64_t case_id,
                                                      Metadata metadata,
                                                      const vault::PutResult& put,
                                                      const Collection& collection) {
  return IngestItem(who, origin, case_id, std::move(metadata), put, &collection, NothingElse);
}

absl::StatusOr<Item> EvidenceService::IngestCollected(
    const auth::Principal& who, const Origin& origin, int64_t case_id, Metadata metadata,
    const vault::PutResult& put, const Collection& collection, AlsoInTransaction also) {
  return IngestItem(who, origin, case_id, std::move(metadata), put, &collection, also);
}

absl::StatusOr<Item> EvidenceService::IngestItem(const auth::Principal& who, const Origin& origin,
                                                 int64_t case_id, Metadata metadata,
                                                 const vault::PutResult& put,
                                                 const Collection* collection,
                                                 AlsoInTransaction also) {
  RETURN_IF_ERROR(CheckIngest(who, case_id, metadata));
  RETURN_IF_ERROR(ValidateMetadata(metadata));
  ASSIGN_OR_RETURN(std::string path, blobs_.Path(put.sha256));
  ASSIGN_OR_RETURN(std::string mime_type, vault::DetectMimeTypeOfFile(path));
  std::string ewf_json;
  if (IsEwfImage(path) && !options_.ewf_helper_binary.empty()) {
    absl::StatusOr<std::string> report = ReadEwfReport(path);
    if (report.ok()) {
      ewf_json = *std::move(report);
    } else {
      // Not readable as an image (truncated, damaged header): a finding, kept with the item.
      ewf_json = EwfErrorJson(report.status());
    }
  }
  base::Millis now = clock_.NowMillis();
  int days = RetentionDays(metadata.categories);
  Item created;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result owner,
                     tx.Execute("SELECT agency_id, number FROM cases WHERE id = $1", {case_id}));
    if (owner.rows.empty()) return absl::NotFoundError("case not found");
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute(
            "INSERT INTO evidence_items(case_id, agency_id, original_name, size, mime_type, md5, "
            "sha1, sha256, description, source_type, source_detail, acquisition_method, "
            "acquisition_tool, examiner, acquired_at, acquired_place, legal_basis, parent_id, "
            "categories, retention_until, state, sealed, seal_number, ewf, ingested_by, "
            "ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
            "$15, $16, $17, $18, $19, $20, 'active', 0, '', $21, $22, $23) RETURNING id",
            {case_id,
             owner.rows[0].Int(0),
             metadata.original_name,
             static_cast<int64_t>(put.size),
             mime_type,
             put.md5,
             put.sha1,
             put.sha256,
             metadata.description,
             metadata.source_type,
             metadata.source_detail,
             metadata.acquisition_method,
             metadata.acquisition_tool,
             metadata.examiner,
             metadata.acquired_at ? store::Value(*metadata.acquired_at) : store::Value(),
             metadata.acquired_place,
             metadata.legal_basis,
             metadata.parent_id ? store::Value(*metadata.parent_id) : store::Value(),
             base::StrJoin(metadata.categories, ","),
             now + days * kDayMillis,
             ewf_json.empty() ? store::Value() : store::Value(ewf_json),
             who.user_id,
             now}));
    int64_t item_id = inserted.rows[0].Int(0);
    if (collection != nullptr) {
      CustodyEvent collected{.item_id = item_id,
                             .case_id = case_id,
                             .case_number = owner.rows[0].Text(1),
                             .action = "collection",
                             .actor = "system",
                             .at = collection->at,
                             .where = collection->where,
                             .why = collection->why,
                             .from = collection->from,
                             .to = "collection store",
                             .hash_before = "",
                             .hash_after = put.sha256,
                             .result = "",
                             .item_sha256 = put.sha256};
      RETURN_IF_ERROR(AppendEvent(tx, collected).status());
    }
    CustodyEvent event{.item_id = item_id,
                       .case_id = case_id,
                       .case_number = owner.rows[0].Text(1),
                       .action = "ingest",
                       .actor_id = who.user_id,
                       .actor = who.username,
                       .at = now,
                       .where = origin.where,
                       .why = metadata.description,
                       .from = metadata.source_detail,
                       .to = "vault",
                       .hash_before = "",
                       .hash_after = put.sha256,
                       .result = ewf_json.empty() ? "" : EwfResultWord(ewf_json),
                       .item_sha256 = put.sha256};
    RETURN_IF_ERROR(AppendEvent(tx, event).status());
    RETURN_IF_ERROR(Audit(tx, &who, origin, "evidence.ingest", "evidence", item_id,
                          base::StrCat("case ", case_id, ", sha256 ", put.sha256)));
    RETURN_IF_ERROR(also(tx, item_id));
    ASSIGN_OR_RETURN(created, LoadItem(tx, item_id));
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<std::vector<Item>> EvidenceService::ListForCase(const auth::Principal& who,
                                                               int64_t case_id) {
  RETURN_IF_ERROR(cases_.CheckAccess(who, case_id, auth::AccessMode::kRead));
  std::vector<Item> items;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kItemColumns, " WHERE i.case_id = $1 ORDER BY i.id"), {case_id}));
    std::map<int64_t, size_t> position;
    for (const store::Row& row : result.rows) {
      position[row.Int(0)] = items.size();
      items.push_back(ItemFromRow(row));
    }
    for (Item& item : items) {
      if (item.metadata.parent_id) {
        auto parent = position.find(*item.metadata.parent_id);
        if (parent != position.end()) items[parent->second].children.push_back(item.id);
      }
    }
    return absl::OkStatus();
  }));
  return items;
}

absl::StatusOr<Item> EvidenceService::Get(const auth::Principal& who, const Origin& origin,
                                          int64_t item_id, bool record_view) {
  ASSIGN_OR_RETURN(Item item, LoadReadable(who, item_id, auth::AccessMode::kRead));
  if (!record_view) return item;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    CustodyEvent event{.item_id = item.id,
                       .case_id = item.case_id,
                       .case_number = item.case_number,
                       .action = "view",
                       .actor_id = who.user_id,
                       .actor = who.username,
                       .where = origin.where,
                       .why = "metadata viewed",
                       .item_sha256 = item.sha256};
    return AppendEvent(tx, event).status();
  }));
  return item;
}

absl::StatusOr<std::vector<CustodyEvent>> EvidenceService::Custody(const auth::Principal& who,
                                                                   int64_t item_id) {
  RETURN_IF_ERROR(LoadReadable(who, item_id, auth::AccessMode::kRead).status());
  std::vector<CustodyEvent> events;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kEventColumns, " WHERE e.item_id = $1 ORDER BY e.id"), {item_id}));
    for (const store::Row& row : result.rows) events.push_back(EventFromRow(row));
    return absl::OkStatus();
  }));
  return events;
}

absl::StatusOr<CustodyEvent> EvidenceService::SimpleEvent(
    const auth::Principal& who, const Origin& origin, int64_t item_id, auth::AccessMode mode,
    CustodyEvent event, std::string audit_action,
    absl::FunctionRef<absl::Status(store::Transaction&, Item&)> change) {
  RETURN_IF_ERROR(LoadReadable(who, item_id, mode).status());
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(Item item, LoadItem(tx, item_id));
    RETURN_IF_ERROR(change(tx, item));
    event.item_id = item.id;
    event.case_id = item.case_id;
    event.case_number = item.case_number;
    event.actor_id = who.user_id;
    event.actor = who.username;
    event.actor_display_name = who.display_name;
    event.where = origin.where;
    event.item_sha256 = item.sha256;
    ASSIGN_OR_RETURN(event, AppendEvent(tx, event));
    if (!audit_action.empty()) {
      RETURN_IF_ERROR(Audit(tx, &who, origin, audit_action, "evidence", item.id, event.why));
    }
    return absl::OkStatus();
  }));
  return event;
}

absl::StatusOr<EvidenceService::Content> EvidenceService::OpenContent(const auth::Principal& who,
                                                                      const Origin& origin,
                                                                      int64_t item_id) {
  Content content;
  CustodyEvent event{.action = "download", .why = "file downloaded"};
  RETURN_IF_ERROR(SimpleEvent(who, origin, item_id, auth::AccessMode::kRead, event, "",
                              [&](store::Transaction&, Item& item) -> absl::Status {
                                if (item.state == "disposed") {
                                  return Conflict("this item has been disposed of");
                                }
                                if (item.sealed) {
                                  return Conflict("this item is sealed: unseal it first");
                                }
                                content.item = item;
                                return absl::OkStatus();
                              })
                      .status());
  ASSIGN_OR_RETURN(content.path, blobs_.Path(content.item.sha256));
  return content;
}

absl::StatusOr<CustodyEvent> EvidenceService::Transfer(const auth::Principal& who,
                                                       const Origin& origin, int64_t item_id,
                                                       std::string from, std::string to,
                                                       std::string purpose) {
  RETURN_IF_ERROR(CheckRequired("from", from, kMaxShortField));
  RETURN_IF_ERROR(CheckRequired("to", to, kMaxShortField));
  RETURN_IF_ERROR(CheckRequired("purpose", purpose, kMaxTextField));
  CustodyEvent event{.action = "transfer", .why = purpose, .from = from, .to = to};
  return SimpleEvent(who, origin, item_id, auth::AccessMode::kWrite, event, "evidence.transfer",
                     [&](store::Transaction&, Item& item) -> absl::Status {
                       if (item.state == "disposed")
                         return Conflict("this item has been disposed of");
                       return absl::OkStatus();
                     });
}

absl::StatusOr<CustodyEvent> EvidenceService::Seal(const auth::Principal& who, const Origin& origin,
                                                   int64_t item_id, std::string reason,
                                                   std::string seal_number) {
  RETURN_IF_ERROR(CheckRequired("reason", reason, kMaxTextField));
  RETURN_IF_ERROR(base::CheckText("seal_number", seal_number, kMaxShortField,
                                  base::TextForm::kLines, base::Presence::kOptional));
  CustodyEvent event{.action = "seal", .why = reason, .result = seal_number};
  return SimpleEvent(who, origin, item_id, auth::AccessMode::kWrite, event, "evidence.seal",
                     [&](store::Transaction& tx, Item& item) -> absl::Status {
                       if (item.state == "disposed")
                         return Conflict("this item has been disposed of");
                       if (item.sealed) return Conflict("this item is already sealed");
                       event.hash_before = item.sha256;
                       event.hash_after = item.sha256;
                       return tx
                           .Execute(
                               "UPDATE evidence_items SET sealed = 1, seal_number = $2 "
                               "WHERE id = $1",
                               {item.id, seal_number})
                           .status();
                     });
}

absl::StatusOr<CustodyEvent> EvidenceService::Unseal(const auth::Principal& who,
                                                     const Origin& origin, int64_t item_id,
                                                     std::string reason) {
  RETURN_IF_ERROR(CheckRequired("reason", reason, kMaxTextField));
  CustodyEvent event{.action = "unseal", .why = reason};
  return SimpleEvent(
      who, origin, item_id, auth::AccessMode::kWrite, event, "evidence.unseal",
      [&](store::Transaction& tx, Item& item) -> absl::Status {
        if (!item.sealed) return Conflict("this item is not sealed");
        event.result = item.seal_number;
        event.hash_before = item.sha256;
        event.hash_after = item.sha256;
        return tx.Execute("UPDATE evidence_items SET sealed = 0 WHERE id = $1", {item.id}).status();
      });
}

namespace {

// The verdict on one item's file: "match", "mismatch" or "missing", with the SHA-256 found.
struct Rehash {
  std::string result;
  std::string found_sha256;
};

// `digests` of the item's file as read (NotFound: the file is gone).
Rehash Judge(const absl::StatusOr<vault::Digests>& digests, const Item& item) {
  if (!digests.ok()) return Rehash{"missing", ""};
  bool same = digests->Sha256Hex() == item.sha256 && digests->Md5Hex() == item.md5 &&
              digests->Sha1Hex() == item.sha1;
  return Rehash{same ? "match" : "mismatch", digests->Sha256Hex()};
}

}  // namespace

absl::StatusOr<CustodyEvent> EvidenceService::RecordVerification(
    store::Transaction& tx, const auth::Principal* who, const Origin& origin, const Item& item,
    const std::string& result, const std::string& found_sha256, std::string why) {
  base::Millis now = clock_.NowMillis();
  CustodyEvent event{.item_id = item.id,
                     .case_id = item.case_id,
                     .case_number = item.case_number,
                     .action = "verification",
                     .actor_id = who ? std::optional<int64_t>(who->user_id) : std::nullopt,
                     .actor = who ? who->username : "system",
                     .actor_display_name = who ? who->display_name : "",
                     .at = now,
                     .where = origin.where,
                     .why = std::move(why),
                     .hash_before = item.sha256,
                     .hash_after = found_sha256,
                     .result = result,
                     .item_sha256 = item.sha256};
  ASSIGN_OR_RETURN(event, AppendEvent(tx, event));
  RETURN_IF_ERROR(tx.Execute("UPDATE evidence_items SET last_verified_at = $2, "
                             "last_verification = $3 WHERE id = $1",
                             {item.id, now, result})
                      .status());
  if (result != "match") {
    // An alert for the agency's supervisors (evidence.approve).
    RETURN_IF_ERROR(tx.Execute("INSERT INTO evidence_alerts(item_id, case_id, agency_id, kind, "
                               "expected_sha256, found_sha256, detected_at, state) VALUES ($1, "
                               "$2, $3, $4, $5, $6, $7, 'open')",
                               {item.id, item.case_id, item.agency_id,
                                result == "missing" ? "missing" : "hash_mismatch", item.sha256,
                                found_sha256, now})
                        .status());
  }
  // A scheduled check that finds nothing is recorded by its custody event alone.
  if (who == nullptr && result == "match") return event;
  RETURN_IF_ERROR(Audit(tx, who, origin,
                        result == "match" ? "evidence.verify" : "evidence.integrity_alert",
                        "evidence", item.id,
                        base::StrCat(result, ": expected ", item.sha256, ", found ",
                                     found_sha256.empty() ? "no file" : found_sha256)));
  return event;
}

absl::StatusOr<VerifyOutcome> EvidenceService::Verify(const auth::Principal& who,
                                                      const Origin& origin, int64_t item_id) {
  ASSIGN_OR_RETURN(Item item, LoadReadable(who, item_id, auth::AccessMode::kRead));
  if (item.state == "disposed") return Conflict("this item has been disposed of");
  ASSIGN_OR_RETURN(std::string path, blobs_.Path(item.sha256));
  absl::StatusOr<vault::Digests> digests = vault::HashFile(path);
  if (!digests.ok() && !absl::IsNotFound(digests.status())) return digests.status();
  Rehash rehash = Judge(digests, item);
  VerifyOutcome outcome{.result = rehash.result, .found_sha256 = rehash.found_sha256};
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(outcome.event,
                     RecordVerification(tx, &who, origin, item, rehash.result, rehash.found_sha256,
                                        "verification on request"));
    ASSIGN_OR_RETURN(outcome.item, LoadItem(tx, item.id));
    return absl::OkStatus();
  }));
  return outcome;
}

absl::StatusOr<VerifyAllReport> EvidenceService::VerifyAll(const Origin& origin) {
  // Each content once: the items sharing a file are judged by one reading of it (each against
  // its own recorded MD5 and SHA-1 too).
  std::map<std::string, std::vector<Item>> by_hash;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kItemColumns, " WHERE i.state <> 'disposed' ORDER BY i.id")));
    for (const store::Row& row : result.rows) {
      Item item = ItemFromRow(row);
      by_hash[item.sha256].push_back(std::move(item));
    }
    return absl::OkStatus();
  }));
  VerifyAllReport report;
  for (auto& [sha256, items] : by_hash) {
    ++report.blobs;
    ASSIGN_OR_RETURN(std::string path, blobs_.Path(sha256));
    absl::StatusOr<vault::Digests> digests = vault::HashFile(path);
    if (!digests.ok() && !absl::IsNotFound(digests.status())) {
      spdlog::error("re-verification of {} failed: {}", sha256, digests.status().ToString());
      continue;
    }
    if (digests.ok()) report.bytes += digests->size;
    RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
      for (const Item& item : items) {
        ++report.items;
        Rehash rehash = Judge(digests, item);
        if (rehash.result == "mismatch") ++report.mismatches;
        if (rehash.result == "missing") ++report.missing;
        RETURN_IF_ERROR(RecordVerification(tx, nullptr, origin, item, rehash.result,
                                           rehash.found_sha256, "scheduled re-verification")
                            .status());
      }
      return absl::OkStatus();
    }));
  }
  return report;
}

absl::StatusOr<std::vector<Alert>> EvidenceService::ListAlerts(const auth::Principal& who,
                                                               std::string_view state) {
  if (!auth::Has(who.permissions, auth::Permission::kEvidenceApprove)) {
    return absl::PermissionDeniedError("only supervisors see integrity alerts");
  }
  if (!state.empty() && state != "open" && state != "acknowledged") {
    return base::InvalidField("state", "expected open or acknowledged");
  }
  std::vector<Alert> alerts;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    std::string sql = base::StrCat(kAlertColumns, " WHERE a.agency_id = $1");
    std::vector<store::Value> params = {who.agency_id};
    if (!state.empty()) {
      sql += " AND a.state = $2";
      params.emplace_back(std::string(state));
    }
    sql += " ORDER BY a.id DESC LIMIT 500";
    ASSIGN_OR_RETURN(store::Result result, tx.Execute(sql, params));
    for (const store::Row& row : result.rows) alerts.push_back(AlertFromRow(row));
    return absl::OkStatus();
  }));
  return alerts;
}

absl::StatusOr<Alert> EvidenceService::AcknowledgeAlert(const auth::Principal& who,
                                                        const Origin& origin, int64_t alert_id) {
  if (!auth::Has(who.permissions, auth::Permission::kEvidenceApprove)) {
    return absl::PermissionDeniedError("only supervisors acknowledge integrity alerts");
  }
  Alert alert;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kAlertColumns, " WHERE a.id = $1"), {alert_id}));
    if (result.rows.empty()) return absl::NotFoundError("alert not found");
    ASSIGN_OR_RETURN(store::Result agency,
                     tx.Execute("SELECT agency_id FROM evidence_alerts WHERE id = $1", {alert_id}));
    if (agency.rows[0].Int(0) != who.agency_id) return absl::NotFoundError("alert not found");
    if (result.rows[0].Text(9) != "open") return Conflict("this alert is already acknowledged");
    RETURN_IF_ERROR(tx.Execute("UPDATE evidence_alerts SET state = 'acknowledged', "
                               "acknowledged_by = $2, acknowledged_at = $3 WHERE id = $1",
                               {alert_id, who.user_id, clock_.NowMillis()})
                        .status());
    RETURN_IF_ERROR(
        Audit(tx, &who, origin, "evidence.alert_acknowledge", "evidence_alert", alert_id, ""));
    ASSIGN_OR_RETURN(result,
                     tx.Execute(base::StrCat(kAlertColumns, " WHERE a.id = $1"), {alert_id}));
    alert = AlertFromRow(result.rows[0]);
    return absl::OkStatus();
  }));
  return alert;
}

absl::StatusOr<Disposal> EvidenceService::LoadDisposal(store::Transaction& tx,
                                                       int64_t disposal_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kDisposalColumns, " WHERE d.id = $1"), {disposal_id}));
  if (result.rows.empty()) return absl::NotFoundError("disposal request not found");
  return DisposalFromRow(result.rows[0]);
}

absl::StatusOr<Disposal> EvidenceService::RequestDisposal(const auth::Principal& who,
                                                          const Origin& origin, int64_t item_id,
                                                          std::string reason) {
  RETURN_IF_ERROR(CheckRequired("reason", reason, kMaxTextField));
  ASSIGN_OR_RETURN(Item item, LoadReadable(who, item_id, auth::AccessMode::kWrite));
  Disposal made;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(item, LoadItem(tx, item_id));
    if (item.state != "active") {
      return Conflict(item.state == "disposed" ? "this item has been disposed of"
                                               : "a disposal of this item is already under way");
    }
    base::Millis now = clock_.NowMillis();
    ASSIGN_OR_RETURN(store::Result inserted,
                     tx.Execute("INSERT INTO evidence_disposals(item_id, case_id, agency_id, "
                                "reason, state, requested_by, requested_at) VALUES ($1, $2, $3, "
                                "$4, 'pending', $5, $6) RETURNING id",
                                {item.id, item.case_id, item.agency_id, reason, who.user_id, now}));
    int64_t disposal_id = inserted.rows[0].Int(0);
    RETURN_IF_ERROR(
        tx.Execute("UPDATE evidence_items SET state = 'disposal_pending' WHERE id = $1", {item.id})
            .status());
    CustodyEvent event{.item_id = item.id,
                       .case_id = item.case_id,
                       .case_number = item.case_number,
                       .action = "disposal_request",
                       .actor_id = who.user_id,
                       .actor = who.username,
                       .at = now,
                       .where = origin.where,
                       .why = reason,
                       .hash_before = item.sha256,
                       .hash_after = item.sha256,
                       .item_sha256 = item.sha256};
    RETURN_IF_ERROR(AppendEvent(tx, event).status());
    RETURN_IF_ERROR(
        Audit(tx, &who, origin, "evidence.disposal_request", "evidence", item.id, reason));
    ASSIGN_OR_RETURN(made, LoadDisposal(tx, disposal_id));
    return absl::OkStatus();
  }));
  return made;
}

absl::StatusOr<std::vector<Disposal>> EvidenceService::ListDisposals(const auth::Principal& who,
                                                                     std::string_view state) {
  static const std::set<std::string_view> kStates = {"pending", "approved", "done", "rejected",
                                                     "cancelled"};
  if (!state.empty() && !kStates.count(state)) {
    return base::InvalidField("state", "expected pending, approved, done, rejected or cancelled");
  }
  std::vector<Disposal> disposals;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    std::string sql = kDisposalColumns;
    std::vector<store::Value> params;
    if (auth::Has(who.permissions, auth::Permission::kEvidenceApprove)) {
      sql += " WHERE d.agency_id = $1";
      params.emplace_back(who.agency_id);
    } else {
      sql += " WHERE d.requested_by = $1";
      params.emplace_back(who.user_id);
    }
    if (!state.empty()) {
      sql += " AND d.state = $2";
      params.emplace_back(std::string(state));
    }
    sql += " ORDER BY d.id DESC LIMIT 500";
    ASSIGN_OR_RETURN(store::Result result, tx.Execute(sql, params));
    for (const store::Row& row : result.rows) disposals.push_back(DisposalFromRow(row));
    return absl::OkStatus();
  }));
  return disposals;
}

absl::StatusOr<Disposal> EvidenceService::DecideDisposal(
    const auth::Principal& who, const Origin& origin, int64_t disposal_id,
    absl::FunctionRef<absl::Status(store::Transaction&, Disposal&, CustodyEvent&)> decide) {
  Disposal decided;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(decided, LoadDisposal(tx, disposal_id));
    bool requester = decided.requested_by && decided.requested_by->user_id == who.user_id;
    if (!IsSupervisorOf(who, decided.agency_id) && !requester) {
      return absl::NotFoundError("disposal request not found");
    }
    ASSIGN_OR_RETURN(Item item, LoadItem(tx, decided.item_id));
    CustodyEvent event{.item_id = item.id,
                       .case_id = item.case_id,
                       .case_number = item.case_number,
                       .actor_id = who.user_id,
                       .actor = who.username,
                       .at = clock_.NowMillis(),
                       .where = origin.where,
                       .hash_before = item.sha256,
                       .hash_after = item.sha256,
                       .item_sha256 = item.sha256};
    RETURN_IF_ERROR(decide(tx, decided, event));
    RETURN_IF_ERROR(AppendEvent(tx, event).status());
    RETURN_IF_ERROR(Audit(tx, &who, origin, base::StrCat("evidence.", event.action), "evidence",
                          item.id, event.why));
    ASSIGN_OR_RETURN(decided, LoadDisposal(tx, disposal_id));
    return absl::OkStatus();
  }));
  return decided;
}

absl::StatusOr<Disposal> EvidenceService::ApproveDisposal(const auth::Principal& who,
                                                          const Origin& origin,
                                                          int64_t disposal_id) {
  return DecideDisposal(
      who, origin, disposal_id,
      [&](store::Transaction& tx, Disposal& disposal, CustodyEvent& event) -> absl::Status {
        if (!IsSupervisorOf(who, disposal.agency_id)) {
          return absl::PermissionDeniedError("only a supervisor of the agency approves disposal");
        }
        if (disposal.requested_by && disposal.requested_by->user_id == who.user_id) {
          return base::WithReason(
              absl::PermissionDeniedError(
                  "a second person must approve: you asked for this disposal yourself"),
              "two_person_rule");
        }
        if (disposal.state != "pending") return Conflict("this request is not pending");
        base::Millis now = clock_.NowMillis();
        event.action = "disposal_approval";
        event.why = disposal.reason;
        event.result = base::StrCat("scheduled for ", base::FormatUtc(now + kDisposalDelay));
        return tx
            .Execute(
                "UPDATE evidence_disposals SET state = 'approved', approved_by = $2, "
                "approved_at = $3, scheduled_for = $4 WHERE id = $1",
                {disposal.id, who.user_id, now, now + kDisposalDelay})
            .status();
      });
}

absl::StatusOr<Disposal> EvidenceService::RejectDisposal(const auth::Principal& who,
                                                         const Origin& origin, int64_t disposal_id,
                                                         std::string reason) {
  RETURN_IF_ERROR(CheckRequired("reason", reason, kMaxTextField));
  return DecideDisposal(
      who, origin, disposal_id,
      [&](store::Transaction& tx, Disposal& disposal, CustodyEvent& event) -> absl::Status {
        if (!IsSupervisorOf(who, disposal.agency_id)) {
          return absl::PermissionDeniedError("only a supervisor of the agency rejects disposal");
        }
        if (disposal.state != "pending") return Conflict("this request is not pending");
        event.action = "disposal_rejection";
        event.why = reason;
        RETURN_IF_ERROR(tx.Execute("UPDATE evidence_disposals SET state = 'rejected', "
                                   "decided_reason = $2 WHERE id = $1",
                                   {disposal.id, reason})
                            .status());
        return tx
            .Execute("UPDATE evidence_items SET state = 'active' WHERE id = $1", {disposal.item_id})
            .status();
      });
}

absl::StatusOr<Disposal> EvidenceService::CancelDisposal(const auth::Principal& who,
                                                         const Origin& origin,
                                                         int64_t disposal_id) {
  return DecideDisposal(
      who, origin, disposal_id,
      [&](store::Transaction& tx, Disposal& disposal, CustodyEvent& event) -> absl::Status {
        if (disposal.state != "pending" && disposal.state != "approved") {
          return Conflict("only a pending or scheduled disposal can be recovered");
        }
        event.action = "disposal_cancel";
        event.why = "recovered from the disposal queue";
        RETURN_IF_ERROR(tx.Execute("UPDATE evidence_disposals SET state = 'cancelled', "
                                   "decided_reason = $2 WHERE id = $1",
                                   {disposal.id, base::StrCat("recovered by ", who.username)})
                            .status());
        return tx
            .Execute("UPDATE evidence_items SET state = 'active' WHERE id = $1", {disposal.item_id})
            .status();
      });
}

absl::StatusOr<int64_t> EvidenceService::RunDueDisposals(const Origin& origin) {
  std::vector<int64_t> due;
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute("SELECT id FROM evidence_disposals WHERE state = 'approved' AND "
                                "scheduled_for <= $1 ORDER BY id",
                                {now}));
    for (const store::Row& row : result.rows) due.push_back(row.Int(0));
    return absl::OkStatus();
  }));
  int64_t done = 0;
  for (int64_t disposal_id : due) {
    std::string sha256;
    bool last_holder = false;
    RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
      ASSIGN_OR_RETURN(Disposal disposal, LoadDisposal(tx, disposal_id));
      if (disposal.state != "approved") return absl::OkStatus();  // another instance did it
      ASSIGN_OR_RETURN(Item item, LoadItem(tx, disposal.item_id));
      sha256 = item.sha256;
      base::Millis at = clock_.NowMillis();
      RETURN_IF_ERROR(tx.Execute("UPDATE evidence_disposals SET state = 'done', done_at = $2 "
                                 "WHERE id = $1 AND state = 'approved'",
                                 {disposal_id, at})
                          .status());
      RETURN_IF_ERROR(tx.Execute("UPDATE evidence_items SET state = 'disposed', disposed_at = $2 "
                                 "WHERE id = $1",
                                 {item.id, at})
                          .status());
      ASSIGN_OR_RETURN(store::Result holders,
                       tx.Execute("SELECT COUNT(*) FROM evidence_items WHERE sha256 = $1 AND "
                                  "state <> 'disposed'",
                                  {sha256}));
      last_holder = holders.rows[0].Int(0) == 0;
      CustodyEvent event{.item_id = item.id,
                         .case_id = item.case_id,
                         .case_number = item.case_number,
                         .action = "disposal",
                         .actor = "system",
                         .at = at,
                         .where = origin.where,
                         .why = disposal.reason,
                         .hash_before = item.sha256,
                         .hash_after = "",
                         .result = last_holder ? "file deleted" : "file kept for other items",
                         .item_sha256 = item.sha256};
      RETURN_IF_ERROR(AppendEvent(tx, event).status());
      RETURN_IF_ERROR(Audit(tx, nullptr, origin, "evidence.dispose", "evidence", item.id,
                            base::StrCat("sha256 ", item.sha256)));
      ++done;
      return absl::OkStatus();
    }));
    // After the commit: the record says disposed before the file goes, so a crash in between
    // leaves a file nobody lists, never a listed item without its file.
    if (last_holder && !sha256.empty()) {
      ASSIGN_OR_RETURN(std::string path, blobs_.Path(sha256));
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        spdlog::error("disposal: could not delete {}: {}", path, std::strerror(errno));
      }
    }
  }
  return done;
}

absl::StatusOr<int64_t> EvidenceService::ProposeRetentionDisposals(const Origin& origin) {
  int64_t proposed = 0;
  base::Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    // Never an item of a case that is not closed.
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kItemColumns,
                                " WHERE i.state = 'active' AND i.retention_until <= $1 AND "
                                "c.status = 'closed' ORDER BY i.id LIMIT 1000"),
                   {now}));
    for (const store::Row& row : result.rows) {
      Item item = ItemFromRow(row);
      std::string reason = base::StrCat("retention period ended ",
                                        base::FormatUtc(*item.retention_until), " (case closed)");
      RETURN_IF_ERROR(tx.Execute("INSERT INTO evidence_disposals(item_id, case_id, agency_id, "
                                 "reason, state, requested_by, requested_at) VALUES ($1, $2, $3, "
                                 "$4, 'pending', NULL, $5)",
                                 {item.id, item.case_id, item.agency_id, reason, now})
                          .status());
      RETURN_IF_ERROR(
          tx.Execute("UPDATE evidence_items SET state = 'disposal_pending' WHERE id = $1",
                     {item.id})
              .status());
      CustodyEvent event{.item_id = item.id,
                         .case_id = item.case_id,
                         .case_number = item.case_number,
                         .action = "disposal_request",
                         .actor = "system",
                         .at = now,
                         .where = origin.where,
                         .why = reason,
                         .hash_before = item.sha256,
                         .hash_after = item.sha256,
                         .item_sha256 = item.sha256};
      RETURN_IF_ERROR(AppendEvent(tx, event).status());
      ++proposed;
    }
    return absl::OkStatus();
  }));
  return proposed;
}

absl::StatusOr<bool> EvidenceService::ClaimJob(std::string_view name, base::Millis interval) {
  return store::ClaimScheduledJob(database_, name, clock_.NowMillis(), interval);
}

absl::Status EvidenceService::RunScheduledJobs() {
  Origin origin{.client = "scheduler", .request_id = "", .where = "scheduler"};
  ASSIGN_OR_RETURN(bool verify_due, ClaimJob("evidence.verify", options_.verify_interval));
  if (verify_due) {
    ASSIGN_OR_RETURN(VerifyAllReport report, VerifyAll(origin));
    spdlog::info("evidence re-verification: {} items, {} files, {} mismatches, {} missing",
                 report.items, report.blobs, report.mismatches, report.missing);
  }
  ASSIGN_OR_RETURN(bool disposal_due, ClaimJob("evidence.disposal", options_.disposal_interval));
  if (disposal_due) {
    RETURN_IF_ERROR(ProposeRetentionDisposals(origin).status());
    RETURN_IF_ERROR(RunDueDisposals(origin).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EvidenceService::ReadEwfReport(const std::string& path) {
  return RunEwfHelper(options_.ewf_helper_binary, path);
}

absl::Status CustodyRecordSource::ForEachRecord(
    absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
        visit) {
  return database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
    int64_t after = 0;
    for (;;) {
      ASSIGN_OR_RETURN(
          store::Result result,
          tx.Execute(base::StrCat(kEventColumns, " WHERE e.id > $1 ORDER BY e.id LIMIT 5000"),
                     {after}));
      if (result.rows.empty()) return absl::OkStatus();
      for (const store::Row& row : result.rows) {
        CustodyEvent event = EventFromRow(row);
        after = event.id;
        ASSIGN_OR_RETURN(std::string canonical, CustodyRecordObject(event).Serialize());
        RETURN_IF_ERROR(visit(std::to_string(event.id), canonical));
      }
    }
  });
}

}  // namespace threathub::evidence
