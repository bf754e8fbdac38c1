// The part of a Transaction both engines share: once a statement fails, the transaction is
// finished. PostgreSQL aborts a transaction at its first error; SQLite would carry on. Both
// engines behave like PostgreSQL here so that code tested on SQLite cannot rely on going on
// after an error and then lose its writes on PostgreSQL.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "store/database.h"

namespace threathub::store::internal {

class CheckedTransaction : public Transaction {
 public:
  absl::StatusOr<Result> Execute(std::string_view sql,
                                 const std::vector<Value>& params = {}) final {
    if (!first_error_.ok()) return AlreadyFailed();
    absl::StatusOr<Result> result = DoExecute(sql, params);
    if (!result.ok()) first_error_ = result.status();
    return result;
  }

  absl::Status ExecuteScript(std::string_view sql) final {
    if (!first_error_.ok()) return AlreadyFailed();
    absl::Status status = DoExecuteScript(sql);
    if (!status.ok()) first_error_ = status;
    return status;
  }

  // OK while no statement has failed; otherwise the first failure. Transact rolls back and
  // returns it even when the body returns OK.
  const absl::Status& first_error() const { return first_error_; }

 protected:
  virtual absl::StatusOr<Result> DoExecute(std::string_view sql,
                                           const std::vector<Value>& params) = 0;
  virtual absl::Status DoExecuteScript(std::string_view sql) = 0;

 private:
  absl::Status AlreadyFailed() const {
    return absl::Status(
        first_error_.code(),
        base::StrCat("an earlier statement of this transaction failed: ", first_error_.message()));
  }

  absl::Status first_error_;
};

}  // namespace threathub::store::internal
