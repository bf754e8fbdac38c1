#include "store/database.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/numbers.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/internal/postgres_database.h"
#include "store/internal/sqlite_database.h"

namespace threathub::store {
namespace {

const std::string& EmptyText() {
  static const auto* empty = new std::string();
  return *empty;
}

// A double outside the int64 range saturates instead of being undefined behaviour.
int64_t SaturatingInt(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (value <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

}  // namespace

bool Row::IsNull(size_t column) const {
  return column >= values_.size() || std::holds_alternative<std::monostate>(values_[column]);
}

std::optional<int64_t> Row::OptionalInt(size_t column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

int64_t Row::Int(size_t column) const {
  if (column >= values_.size()) return 0;
  const Value& value = values_[column];
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  if (const auto* real = std::get_if<double>(&value)) return SaturatingInt(*real);
  if (const auto* text = std::get_if<std::string>(&value)) {
    int64_t parsed = 0;
    if (base::SimpleAtoi(*text, &parsed)) return parsed;
    double real_parsed = 0;
    if (absl::SimpleAtod(*text, &real_parsed)) return SaturatingInt(real_parsed);
  }
  return 0;
}

double Row::Double(size_t column) const {
  if (column >= values_.size()) return 0;
  const Value& value = values_[column];
  if (const auto* real = std::get_if<double>(&value)) return *real;
  if (const auto* integer = std::get_if<int64_t>(&value)) return static_cast<double>(*integer);
  if (const auto* text = std::get_if<std::string>(&value)) {
    double parsed = 0;
    if (absl::SimpleAtod(*text, &parsed)) return parsed;
  }
  return 0;
}

const std::string& Row::Text(size_t column) const {
  if (column >= values_.size()) return EmptyText();
  const Value& value = values_[column];
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* blob = std::get_if<Blob>(&value)) return blob->bytes;
  return EmptyText();
}

absl::StatusOr<Result> Database::Execute(std::string_view sql, const std::vector<Value>& params,
                                         TxMode mode) {
  Result result;
  RETURN_IF_ERROR(Transact(mode, [&](Transaction& transaction) -> absl::Status {
    ASSIGN_OR_RETURN(result, transaction.Execute(sql, params));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& spec,
                                                       const std::string& data_dir,
                                                       const OpenOptions& options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        base::StrCat("database pool size must be at least 1, not ", options.pool_size));
  }
  if (options.busy_timeout_ms < 0) {
    return absl::InvalidArgumentError(
        base::StrCat("database busy timeout must not be negative: ", options.busy_timeout_ms));
  }
  if (spec == "sqlite") {
    if (data_dir.empty()) return absl::InvalidArgumentError("no data directory for the database");
    RETURN_IF_ERROR(base::MakeDirectories(data_dir));
    return internal::OpenSqliteDatabase(base::StrCat(data_dir, "/threathub.db"), options);
  }
  if (base::StartsWith(spec, "postgresql://") || base::StartsWith(spec, "postgres://")) {
    return internal::OpenPostgresDatabase(spec, options);
  }
  // The spec may be a URI with a password in it, so it is not repeated in the message.
  return absl::InvalidArgumentError(
      "unknown database: expected \"sqlite\" or a URI starting with postgresql://");
}

}  // namespace threathub::store
