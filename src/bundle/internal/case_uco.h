// case-uco.jsonld: the bundle's facts as a CASE/UCO JSON-LD graph (https://caseontology.org),
// for forensic tools that read CASE. Follows CASE 1.3 / UCO 1.3, the
// https://ontology.unifiedcyberontology.org/uco/<namespace>/ IRIs, and the shapes of the
// official examples (casework/CASE-Examples: examples/illustrations/file/file.json for files and
// hashes, forensic_lifecycle/forensic_lifecycle.json for investigative actions and provenance
// records). docs/formats/bundle.md lists the nodes.
#pragma once

#include <string>

#include "bundle/bundle.h"

namespace threathub::bundle::internal {

// The graph, pretty-printed. Deterministic: the same contents give the same bytes. @id values
// are stable: kb:investigation-<case id>, kb:file-<sha256>, kb:provenance-record-<item id>,
// kb:action-<event id>, kb:authorization-<sha256 of the legal basis, 16 hex digits>...
std::string CaseUcoJsonLd(const BundleContents& contents);

}  // namespace threathub::bundle::internal
