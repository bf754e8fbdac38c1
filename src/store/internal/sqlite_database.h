// The SQLite engine behind store::Database. Use OpenDatabase("sqlite", data_dir) instead.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace threathub::store::internal {

// Opens (creating when missing) the database file at `path` with options.pool_size connections,
// each in WAL mode with synchronous=FULL and foreign keys on.
absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                             const OpenOptions& options);

}  // namespace threathub::store::internal
