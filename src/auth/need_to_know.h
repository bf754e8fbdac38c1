// Need-to-know: may this person see this object? Later modules (cases, vault, collection...)
// describe each object's scope and call CanAccess on every read.
//
//   auth::ObjectScope scope{.agency_id = case_row.agency_id,
//                           .member_user_ids = members, .shared_with_user_ids = prosecutors};
//   if (!auth::CanAccess(principal, scope)) return absl::NotFoundError("case not found");
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "auth/principal.h"

namespace threathub::auth {

struct ObjectScope {
  int64_t agency_id = 0;                      // the agency that owns the object
  std::vector<int64_t> member_user_ids;       // members of the object's case (or the object)
  std::vector<int64_t> shared_with_user_ids;  // explicitly shared with (e.g. prosecutors)
  bool agency_wide = false;                   // visible to everyone in the owning agency
};

enum class AccessMode { kRead, kWrite };

// Read: members, explicitly shared users, supervisors of the owning agency, and everyone in the
// agency when agency_wide. Administrators manage accounts, not cases: they get no access here.
// Write: members, and supervisors of the owning agency (shared users read only).
bool CanAccess(const Principal& principal, const ObjectScope& scope,
               AccessMode mode = AccessMode::kRead);

// NotFound (so that existence is not revealed) when CanAccess is false.
absl::Status CheckAccess(const Principal& principal, const ObjectScope& scope,
                         AccessMode mode = AccessMode::kRead);

}  // namespace threathub::auth
