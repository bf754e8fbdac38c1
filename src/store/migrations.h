// Versioned schema migrations. The list lives in schema.cc, newest last; each module's tables
// are created by migrations named after the module. Migrate() runs at start: it applies every
// pending migration, each in its own transaction together with the version bump, and refuses
// (kFailedPrecondition) a database whose version is newer than this binary knows.
//
// Migration SQL may use two tokens that differ between engines:
//   {{id}}    an auto-increment BIGINT primary key
//   {{blob}}  a byte-string column type
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace threathub::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;           // a script: statements separated by ';', run on both engines
  std::string sqlite_sql;    // then this, on SQLite only (e.g. triggers)
  std::string postgres_sql;  // or this, on PostgreSQL only
};

const std::vector<Migration>& SchemaMigrations();
int LatestSchemaVersion();

// Replaces the dialect tokens for `engine`.
std::string TranslateSql(Engine engine, std::string_view sql);

// Returns the schema version after migrating.
absl::StatusOr<int> Migrate(Database& database,
                            const std::vector<Migration>& migrations = SchemaMigrations());

absl::StatusOr<int> CurrentSchemaVersion(Database& database);

}  // namespace threathub::store
