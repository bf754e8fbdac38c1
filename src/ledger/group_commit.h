// Group commit: the write transactions of many threads run as one database transaction, so that
// they share one commit (one fsync of the SQLite WAL, one WAL flush on PostgreSQL). With
// synchronous=FULL a commit costs a disk flush, which bounds one-transaction-per-event writers to
// a few hundred events a second; grouped, the same flush carries hundreds of events.
//
//   GroupCommitter committer(database);
//   // on each of many threads:
//   RETURN_IF_ERROR(committer.Transact([&](store::Transaction& tx) -> absl::Status {
//     RETURN_IF_ERROR(InsertCustodyEvent(tx, event));
//     return ledger.Append(tx, entry).status();
//   }));
//
// The first caller to arrive leads: it runs its body and those of everyone queued behind it (up
// to max_batch), in arrival order, in one transaction, then commits and wakes them; meanwhile
// the next group gathers. No thread of its own. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "store/database.h"

namespace threathub::ledger {

class GroupCommitter {
 public:
  explicit GroupCommitter(store::Database& database, size_t max_batch = 512)
      : database_(database), max_batch_(max_batch) {}

  // Like database.Transact(TxMode::kWrite, body), and OK means that body's writes are durable.
  // The bodies of a group see the writes of those before them, as if they had committed one
  // after another. A body that fails (returns an error, or one of its statements fails) is rolled
  // back alone and gets its error: the group runs again without it. So a body may run more than
  // once (as on PostgreSQL anyway): keep it free of effects outside the database. Bodies run on
  // the leader's thread. Do not nest.
  absl::Status Transact(absl::FunctionRef<absl::Status(store::Transaction&)> body);

 private:
  struct Waiter {
    absl::FunctionRef<absl::Status(store::Transaction&)> body;
    absl::Status status;
    bool done = false;
    absl::CondVar turn;  // signalled when done, or when this waiter comes first in line
  };

  // Runs the group's bodies until they are committed or each has its error.
  void Commit(std::vector<Waiter*> group);

  store::Database& database_;
  const size_t max_batch_;
  absl::Mutex mutex_;
  // Callers waiting, in arrival order; the front one leads the group being committed.
  std::deque<Waiter*> queue_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace threathub::ledger
