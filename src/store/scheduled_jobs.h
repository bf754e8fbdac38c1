// Periodic jobs shared by the instances of one database (table scheduled_jobs): whoever claims a
// job runs it, and only one instance claims it per interval.
//
//   ASSIGN_OR_RETURN(bool due, store::ClaimScheduledJob(db, "collect.purge", now, hour));
//   if (due) RETURN_IF_ERROR(Purge());
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "store/database.h"

namespace threathub::store {

// True when the job `name` last ran at least `interval` before `now`; its last run is then `now`
// (in the same transaction, so two instances never both get true). A job seen for the first time
// is recorded as run at `now`: its first run comes one interval later, not at once (a new
// installation has nothing to re-verify or purge).
absl::StatusOr<bool> ClaimScheduledJob(Database& database, std::string_view name, base::Millis now,
                                       base::Millis interval);

}  // namespace threathub::store
