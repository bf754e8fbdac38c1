// The PostgreSQL engine behind store::Database. Use OpenDatabase("postgresql://...") instead.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace threathub::store::internal {

// Checks the libpq URI, connects once to make sure the server answers, and returns a pool of up
// to options.pool_size connections (the others connect when first needed).
absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& uri,
                                                               const OpenOptions& options);

}  // namespace threathub::store::internal
