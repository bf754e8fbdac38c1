// custody-report.pdf: the bundle's custody report for people, in Kazakh and Russian, drawn with
// cairo and pango (A4, DejaVu Sans through fontconfig; the text stays text, so it can be
// searched and copied). It is a readable copy of manifest.json, not the proof: the report says
// so on its first page.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "bundle/bundle.h"
#include "ledger/checkpoint.h"

namespace threathub::bundle::internal {

// The PDF's bytes. Internal when cairo fails (out of memory, no usable font).
absl::StatusOr<std::string> RenderCustodyReport(const BundleContents& contents,
                                                const ledger::Checkpoint& checkpoint);

}  // namespace threathub::bundle::internal
