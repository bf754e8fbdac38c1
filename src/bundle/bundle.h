// Disclosure bundles: chosen evidence items of a case in one file that a prosecutor, a defence
// expert or a court can check WITHOUT our server or database. docs/formats/bundle.md is the
// specification; this is the code that writes and checks it.
//
// A bundle is a POSIX pax tar archive:
//
//   README.txt              how to check it by hand (English, Russian)
//   manifest.json           the case, the items, their hashes and custody events, each event
//                           with its ledger leaf and inclusion proof; the checkpoint and the key
//   files/<id>-<name>       the items' files, byte for byte
//   checkpoint.txt          the signed C2SP checkpoint the proofs lead to
//   public-key.txt          the ledger's verifier key and the same key as PEM
//   case-uco.jsonld         the same facts as a CASE/UCO 1.x JSON-LD graph
//   custody-report.pdf      a readable custody report in Kazakh and Russian
//
// What the signature covers: the checkpoint signs the root of the ledger's Merkle tree; each
// custody event's leaf is proved to be in that tree; the ingest event's leaf records the item's
// SHA-256, which the file's bytes must give. Item metadata (description, examiner...), the case
// title and the export details are copies from the server's database that no signature covers;
// the verifier checks that they agree with each other and says so.
//
// Writing (the evidence service, after collecting everything from the database and the ledger):
//
//   BundleContents contents;
//   contents.case_info = {...};
//   contents.items.push_back(item);               // blob_path: the stored file, read-only
//   contents.checkpoint_note = stored.note;       // covers every event's leaf_index
//   contents.verifier_key = signer.VerifierKey();
//   ASSIGN_OR_RETURN(contents.public_key_pem, signer.PublicKeyPem());
//   ASSIGN_OR_RETURN(WrittenBundle written, WriteBundle(contents, "/data/bundles/x.tar"));
//
// Checking (`threathub verify-bundle FILE [--key KEY]`), offline:
//
//   ASSIGN_OR_RETURN(BundleVerdict verdict, VerifyBundle(path, pinned_key));
//   if (!verdict.ok) for (const std::string& problem : verdict.problems) ...
//
// Files are streamed (hashed in 1 MiB pieces), never loaded whole and never extracted to disk,
// so items of many gigabytes cost no memory. Thread-compatible: no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace threathub::bundle {

// manifest.json's "format" and "version" members.
inline constexpr std::string_view kFormatName = "threathub-disclosure-bundle";
inline constexpr int kFormatVersion = 1;

// One custody event of an item, as anchored in the ledger.
struct CustodyEntry {
  int64_t event_id = 0;
  // ingest, view, download, export, transfer, seal, unseal, verification, disposal_request,
  // disposal_approval, disposal_rejection, disposal_cancel, disposal...
  std::string action;
  base::Millis at = 0;  // UTC ms
  std::string actor;    // display name (username), "system" for the server's own jobs
  std::string where, why, from, to, result;
  std::string hash_before, hash_after;  // sha256 hex or ""
  uint64_t leaf_index = 0;
  // The exact canonical JSON envelope of the ledger leaf:
  //   {"appended_at":...,"index":N,"kind":"custody","record":{...},"ref":"<event id>","v":1}
  std::string leaf_data;
  // The inclusion path, raw 32-byte hashes, leaf to root, against the checkpoint's tree.
  std::vector<std::string> proof;
};

struct BundleItem {
  int64_t id = 0;
  std::string original_name;  // UTF-8, already sanitised (no '/', no control characters)
  uint64_t size = 0;
  std::string mime_type, md5, sha1, sha256;  // hex, lower case
  std::string blob_path;                     // where to read the content (read-only file)
  // description, source, acquisition method/tool, examiner, acquired_at, place, legal_basis,
  // E01 verification... in display order. The key "legal_basis" becomes the item's
  // case-investigation:Authorization in the JSON-LD graph; keys the report knows
  // (custody_report.cc) get Kazakh and Russian labels, others are shown as they are.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<int64_t> parent_id;
  std::vector<CustodyEntry> custody;  // oldest first (ascending leaf_index)
};

struct BundleCase {
  int64_t id = 0;
  std::string number, title, agency, lead, status;
  std::vector<std::string> articles;
};

struct BundleContents {
  BundleCase case_info;
  std::vector<BundleItem> items;
  // The signed C2SP checkpoint (text note with signature lines) covering every leaf above.
  std::string checkpoint_note;
  std::string verifier_key;    // "<name>+<keyid>+<base64>" of the ledger key
  std::string public_key_pem;  // the same key as PEM
  std::string exported_by;
  base::Millis exported_at = 0;
  std::string purpose;
};

struct WrittenBundle {
  std::string sha256;  // of the whole bundle file, hex: record it in the export custody event
  uint64_t size = 0;
};

// Writes the bundle atomically (temporary file next to it, fsync, rename, directory fsync) to
// output_path, mode 0600. Before writing, checks the contents as VerifyBundle would (checkpoint
// signature, every proof, every leaf against its event, the ingest hashes) and refuses with
// FailedPrecondition, listing what is wrong, a bundle that would not verify; while copying each
// file it hashes it, and refuses with DataLoss a file whose bytes no longer give its hashes (the
// temporary file is then removed). InvalidArgument for malformed contents (a name with '/', a
// duplicate item id, hashes that are not lower-case hex...).
absl::StatusOr<WrittenBundle> WriteBundle(const BundleContents& contents,
                                          const std::string& output_path);

struct BundleVerdict {
  bool ok = false;
  std::vector<std::string> problems;  // one line each: which item/event/file, which check
  std::vector<std::string> checked;   // lines saying what was checked
  // Things worth a look that do not make the bundle fail (e.g. a past verification that found
  // a different hash, recorded in the ledger as such).
  std::vector<std::string> warnings;
  uint64_t items = 0, events = 0, tree_size = 0;
  std::string origin, key_id;
  // The full verifier key the checkpoint was checked with, and whether it came from the bundle
  // itself (then only comparing it with the key the agency publishes makes the check mean
  // anything) or was pinned by the user.
  std::string verifier_key;
  bool key_from_bundle = false;
};

// Checks the bundle at `path`, offline. trusted_key: a verifier key the user pins; when empty,
// the bundle's own key is used and the verdict says so (key_from_bundle, checked lines).
//
// A bundle that fails a check is not an error: the status is OK and the verdict lists the
// problems. Errors are for a file that cannot be checked at all: NotFound / PermissionDenied
// (cannot open), InvalidArgument (not a tar archive, no manifest.json, not a threathub
// disclosure bundle, or a malformed trusted_key), FailedPrecondition (a newer format version).
absl::StatusOr<BundleVerdict> VerifyBundle(const std::string& path,
                                           std::string_view trusted_key = {});

// The same for a bundle held in memory (an upload; the fuzzer).
absl::StatusOr<BundleVerdict> VerifyBundleBytes(std::string_view bundle,
                                                std::string_view trusted_key = {});

}  // namespace threathub::bundle
