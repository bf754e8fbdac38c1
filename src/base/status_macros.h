// Project-wide helpers for absl::Status / absl::StatusOr.
//
//   RETURN_IF_ERROR(store.Commit());
//   ASSIGN_OR_RETURN(User user, users.Find(id));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define THREATHUB_CONCAT_INNER(a, b) a##b
#define THREATHUB_CONCAT(a, b) THREATHUB_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::absl::Status threathub_status_ = (expr);             \
    if (!threathub_status_.ok()) return threathub_status_; \
  } while (false)

#define THREATHUB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  THREATHUB_ASSIGN_OR_RETURN_IMPL(THREATHUB_CONCAT(threathub_statusor_, __LINE__), lhs, expr)
