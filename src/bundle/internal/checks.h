// The checks of a bundle's contents that need no archive: the shape of the contents, and the
// ledger side (the checkpoint's signature, each custody event's leaf and proof, and the hash
// rules between the events and the items). Shared by WriteBundle, which refuses to write a
// bundle that would not verify, and VerifyBundle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/bundle.h"
#include "ledger/checkpoint.h"

namespace threathub::bundle::internal {

struct Findings {
  std::vector<std::string> problems;
  std::vector<std::string> checked;
  std::vector<std::string> warnings;
  uint64_t events = 0;
  std::optional<ledger::Checkpoint> checkpoint;  // once its signature verified
};

// "item 12 "photo.jpg"".
std::string ItemLabel(const BundleItem& item);

// Item ids unique, names a file can have (no '/', no control characters, not "." or ".."),
// hashes lower-case hex of the right length, event ids unique.
void CheckShape(const BundleContents& contents, Findings& findings);

// The checkpoint (signed by `key`, origin = the key's name), then every custody event of every
// item: its leaf is in the checkpoint's tree (RFC 6962 inclusion proof), the leaf's envelope
// names the event (index, kind "custody", ref) and its record says what the manifest says; per
// item, the ingest event comes first and recorded the item's SHA-256, and no later event records
// another hash (a verification that found one is a warning). Also that the PEM is the key's.
// `key_description` names the key in messages ("the key in the bundle, example/log+0a1b2c3d").
void CheckLedgerSide(const BundleContents& contents, const ledger::NoteVerifier& key,
                     std::string_view key_description, Findings& findings);

// The bundle's own verifier key, when it parses; a problem when it does not, or when the PEM is
// not the same key.
std::optional<ledger::NoteVerifier> CheckKeyForms(const BundleContents& contents,
                                                  Findings& findings);

}  // namespace threathub::bundle::internal
