// manifest.json, public-key.txt and README.txt of a bundle: writing them, and reading the
// manifest back from outside input. docs/formats/bundle.md describes every member.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bundle/bundle.h"

namespace threathub::bundle::internal {

// The archive's members.
inline constexpr std::string_view kReadmeName = "README.txt";
inline constexpr std::string_view kManifestName = "manifest.json";
inline constexpr std::string_view kCheckpointName = "checkpoint.txt";
inline constexpr std::string_view kPublicKeyName = "public-key.txt";
inline constexpr std::string_view kUcoName = "case-uco.jsonld";
inline constexpr std::string_view kReportName = "custody-report.pdf";
inline constexpr std::string_view kFilesPrefix = "files/";

// Limits on outside input, so that a hostile bundle costs bounded memory.
inline constexpr size_t kMaxManifestBytes = size_t{64} << 20;
inline constexpr size_t kMaxLeafBytes = size_t{2} << 20;
inline constexpr size_t kMaxProofHashes = 64;  // a tree of 2^64 leaves needs no more
inline constexpr size_t kMaxJsonDepth = 16;

// The deepest nesting of arrays and objects in JSON text, counted without parsing, so that
// hostile input is refused before a parser or a destructor recurses.
size_t JsonDepth(std::string_view text);

// "files/<id>-<original name>".
std::string ItemFileName(const BundleItem& item);

// The SHA-256 (hex) of the members made from the manifest's contents (README.txt,
// case-uco.jsonld, custody-report.pdf), by member name. No signature covers them: the hashes
// let the verifier say that they are the ones written with this manifest.
using DerivedHashes = std::map<std::string, std::string, std::less<>>;

std::string ManifestJson(const BundleContents& contents, const DerivedHashes& derived);

// public-key.txt: the verifier key line, a blank line, the PEM.
std::string PublicKeyText(const BundleContents& contents);

// README.txt: what the bundle is and how to check it by hand, in English and Russian.
std::string ReadmeText(const BundleContents& contents);

struct ParsedManifest {
  BundleContents contents;  // blob_path empty
  // Parallel to contents.items: the manifest's "file" member of each item.
  std::vector<std::string> item_files;
  DerivedHashes derived;
  // Files the manifest names, including those of items too malformed to be checked (they are
  // not in contents.items), so that they are not reported as extra files as well.
  std::vector<std::string> named_files;
};

// Reads manifest.json. InvalidArgument when the text is not a threathub disclosure bundle's
// manifest at all (not JSON, not an object, another "format"); FailedPrecondition for a newer
// "version". Any other defect (a missing or mistyped member, an unknown member, a time in words
// that disagrees with the number) is appended to `problems` ("manifest.json: items[1].size:
// expected an unsigned integer") and the manifest is read as far as it goes: an item with such
// a defect is left out of contents.items.
absl::StatusOr<ParsedManifest> ParseManifest(std::string_view text,
                                             std::vector<std::string>& problems);

}  // namespace threathub::bundle::internal
