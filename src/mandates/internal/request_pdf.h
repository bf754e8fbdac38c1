// The written request of a monitoring mandate as a PDF, in Kazakh, Russian or English: the
// agency, purpose, case or predicate, level, mechanism, time frame, storage period,
// justification, requester, the scope as a table, the approvals (and a rejection or revocation
// with its reason), the version, and lines for signatures.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "mandates/mandates.h"

namespace threathub::mandates::internal {

// kk, ru or en.
bool IsRequestLanguage(std::string_view language);

// The PDF's bytes. Internal when cairo fails.
absl::StatusOr<std::string> RenderRequestPdf(const Mandate& mandate, std::string_view agency_name,
                                             std::string_view language, base::Millis generated_at);

}  // namespace threathub::mandates::internal
