#include "ledger/group_commit.h"

#include <algorithm>

namespace threathub::ledger {
namespace {

// Notes the first failing statement of one body, so that the group knows whose it was.
class TrackingTransaction final : public store::Transaction {
 public:
  explicit TrackingTransaction(store::Transaction& inner) : inner_(inner) {}

  absl::StatusOr<store::Result> Execute(std::string_view sql,
                                        const std::vector<store::Value>& params) override {
    absl::StatusOr<store::Result> result = inner_.Execute(sql, params);
    if (!result.ok() && error_.ok()) error_ = result.status();
    return result;
  }

  absl::Status ExecuteScript(std::string_view sql) override {
    absl::Status status = inner_.ExecuteScript(sql);
    if (!status.ok() && error_.ok()) error_ = status;
    return status;
  }

  const absl::Status& error() const { return error_; }

 private:
  store::Transaction& inner_;
  absl::Status error_;
};

}  // namespace

absl::Status GroupCommitter::Transact(absl::FunctionRef<absl::Status(store::Transaction&)> body) {
  Waiter waiter{.body = body};
  mutex_.Lock();
  queue_.push_back(&waiter);
  // Until a leader has committed this body, or this caller is first in line and leads. Each
  // waiter has a condition variable of its own, so a wake-up costs nothing to the others.
  while (!waiter.done && queue_.front() != &waiter) waiter.turn.Wait(&mutex_);
  if (waiter.done) {
    mutex_.Unlock();
    return waiter.status;
  }
  const size_t count = std::min(queue_.size(), max_batch_);
  std::vector<Waiter*> group(queue_.begin(), queue_.begin() + count);
  // Callers arriving now queue behind the group and form the next one.
  mutex_.Unlock();

  Commit(group);

  mutex_.Lock();
  queue_.erase(queue_.begin(), queue_.begin() + count);
  for (Waiter* member : group) {
    member->done = true;
    member->turn.Signal();
  }
  if (!queue_.empty()) queue_.front()->turn.Signal();  // the next group's leader
  mutex_.Unlock();
  return waiter.status;
}

void GroupCommitter::Commit(std::vector<Waiter*> group) {
  while (!group.empty()) {
    size_t failed = group.size();  // the body whose failure ended the attempt, if any
    absl::Status failure;
    absl::Status status =
        database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
          failed = group.size();
          for (size_t waiter_idx = 0; waiter_idx < group.size(); ++waiter_idx) {
            TrackingTransaction tracked(tx);
            absl::Status body_status = group[waiter_idx]->body(tracked);
            if (body_status.ok()) body_status = tracked.error();
            if (!body_status.ok()) {
              failed = waiter_idx;
              failure = body_status;
              return body_status;
            }
          }
          return absl::OkStatus();
        });
    if (failed < group.size()) {
      // That body alone fails, as it would have on its own; the others run again without it.
      group[failed]->status = failure;
      group.erase(group.begin() + failed);
      continue;
    }
    // Committed, or the commit itself failed for all.
    for (Waiter* waiter : group) waiter->status = status;
    return;
  }
}

}  // namespace threathub::ledger
