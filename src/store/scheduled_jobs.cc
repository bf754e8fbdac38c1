#include "store/scheduled_jobs.h"

#include <string>

#include "base/status_macros.h"

namespace threathub::store {

absl::StatusOr<bool> ClaimScheduledJob(Database& database, std::string_view name, base::Millis now,
                                       base::Millis interval) {
  bool claimed = false;
  RETURN_IF_ERROR(database.Transact(TxMode::kWrite, [&](Transaction& tx) {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO scheduled_jobs(name, last_run_at) VALUES ($1, $2) "
                               "ON CONFLICT (name) DO NOTHING",
                               {std::string(name), now})
                        .status());
    ASSIGN_OR_RETURN(Result updated,
                     tx.Execute("UPDATE scheduled_jobs SET last_run_at = $2 WHERE name = $1 AND "
                                "last_run_at <= $3",
                                {std::string(name), now, now - interval}));
    claimed = updated.affected_rows == 1;
    return absl::OkStatus();
  }));
  return claimed;
}

}  // namespace threathub::store
