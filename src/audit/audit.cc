#include "audit/audit.h"
#include "base/strings.h"

#include "base/status_macros.h"

namespace threathub::audit {
namespace {

store::Value OptionalInt(const std::optional<int64_t>& value) {
  if (!value) return std::monostate{};
  return *value;
}

Outcome ParseOutcome(std::string_view name) {
  if (name == "failure") return Outcome::kFailure;
  if (name == "denied") return Outcome::kDenied;
  return Outcome::kSuccess;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailure:
      return "failure";
    case Outcome::kDenied:
      return "denied";
  }
  return "success";
}

absl::Status AuditTrail::Append(store::Transaction& tx, Record& record) {
  record.at = clock_.NowMillis();
  ASSIGN_OR_RETURN(
      store::Result result,
      tx.Execute("INSERT INTO audit_log(at_ms, actor_id, actor_name, agency_id, action, "
                 "object_type, object_id, client, outcome, request_id, detail) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                 {record.at, OptionalInt(record.actor_id), record.actor_name,
                  OptionalInt(record.agency_id), record.action, record.object_type,
                  record.object_id, record.client, std::string(OutcomeName(record.outcome)),
                  record.request_id, record.detail}));
  record.id = result.rows.at(0).Int(0);
  if (anchor_ != nullptr) RETURN_IF_ERROR(anchor_->OnAppend(tx, record));
  return absl::OkStatus();
}

absl::Status AuditTrail::Append(Record& record) {
  return database_.Transact(store::TxMode::kWrite,
                            [&](store::Transaction& tx) { return Append(tx, record); });
}

absl::StatusOr<Page> AuditTrail::Search(const Query& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return absl::InvalidArgumentError("limit: expected 1..1000");
  }
  std::string sql =
      "SELECT id, at_ms, actor_id, actor_name, agency_id, action, object_type, object_id, "
      "client, outcome, request_id, detail FROM audit_log WHERE 1 = 1";
  std::vector<store::Value> params;
  auto add = [&](std::string_view condition, store::Value value) {
    params.push_back(std::move(value));
    base::StrAppend(&sql, " AND ", condition, " $", params.size());
  };
  if (!query.actor.empty()) add("actor_name =", query.actor);
  if (!query.action.empty()) {
    if (query.action.back() == '.') {
      // A prefix: "user." finds user.create, user.disable, ...
      add("substr(action, 1, " + std::to_string(query.action.size()) + ") =", query.action);
    } else {
      add("action =", query.action);
    }
  }
  if (!query.object_type.empty()) add("object_type =", query.object_type);
  if (!query.object_id.empty()) add("object_id =", query.object_id);
  if (query.from) add("at_ms >=", *query.from);
  if (query.to) add("at_ms <", *query.to);
  if (query.agency_id) add("agency_id =", *query.agency_id);
  if (query.before_id) add("id <", *query.before_id);
  base::StrAppend(&sql, " ORDER BY id DESC LIMIT ", query.limit + 1);

  ASSIGN_OR_RETURN(store::Result result, database_.Execute(sql, params, store::TxMode::kRead));
  Page page;
  for (const store::Row& row : result.rows) {
    if (static_cast<int>(page.records.size()) == query.limit) {
      page.next_before_id = page.records.back().id;
      break;
    }
    Record record;
    record.id = row.Int(0);
    record.at = row.Int(1);
    record.actor_id = row.OptionalInt(2);
    record.actor_name = row.Text(3);
    record.agency_id = row.OptionalInt(4);
    record.action = row.Text(5);
    record.object_type = row.Text(6);
    record.object_id = row.Text(7);
    record.client = row.Text(8);
    record.outcome = ParseOutcome(row.Text(9));
    record.request_id = row.Text(10);
    record.detail = row.Text(11);
    page.records.push_back(std::move(record));
  }
  return page;
}

}  // namespace threathub::audit
