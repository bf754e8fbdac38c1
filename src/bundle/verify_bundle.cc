// VerifyBundle: reads the archive once as a stream (libarchive, tar only, nothing extracted),
// hashing every member on the way and keeping only the small ones (manifest, checkpoint, key),
// then checks the manifest against the ledger (internal/checks.h) and the members against the
// manifest.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>

#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "bundle/bundle.h"
#include "bundle/internal/checks.h"
#include "bundle/internal/manifest.h"
#include "bundle/internal/utf8_locale.h"
#include "ledger/checkpoint.h"
#include "vault/multi_hash.h"
#include "vault/unique_fd.h"

namespace threathub::bundle {
namespace {

using internal::ItemFileName;
using internal::ItemLabel;

// More members than this and the archive is not read further (a bundle has one per item and
// six more).
constexpr uint64_t kMaxEntries = 200'000;
constexpr size_t kMaxPublicKeyBytes = 64 << 10;
constexpr size_t kMaxQuotedName = 200;

struct EntryDigest {
  uint64_t size = 0;
  std::string md5, sha1, sha256;  // hex
};

struct Scan {
  std::map<std::string, EntryDigest, std::less<>> entries;  // regular files with safe names
  std::optional<std::string> manifest, checkpoint, public_key;
  uint64_t entry_count = 0;
  std::vector<std::string> problems;
};

// A member's name as it can be shown: quoted, with bytes that are not printable UTF-8 escaped.
std::string QuoteName(std::string_view name) {
  std::string out = "\"";
  size_t pos = 0;
  while (pos < name.size() && out.size() < kMaxQuotedName) {
    auto lead = static_cast<uint8_t>(name[pos]);
    size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    std::string_view piece = name.substr(pos, length);
    if (lead >= 0x20 && lead < 0x7F && lead != '"' && lead != '\\') {
      out += static_cast<char>(lead);
    } else if (lead >= 0x80 && piece.size() == length && base::IsValidUtf8(piece)) {
      out += piece;
      pos += length;
      continue;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", lead);
      out += escaped;
    }
    ++pos;
  }
  if (pos < name.size()) out += "...";
  return out + "\"";
}

// Why a member name must not be in a bundle (and must never be extracted), or "".
std::string UnsafeNameReason(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (!base::IsValidUtf8(name)) return "a name that is not UTF-8";
  if (name.front() == '/') return "an absolute path";
  for (char c : name) {
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) return "a control character in its name";
    if (c == '\\') return "a backslash in its name";
  }
  for (std::string_view part : base::StrSplit(name, '/')) {
    if (part == "..") return "a \"..\" component (path traversal)";
    if (part == ".") return "a \".\" component";
    if (part.empty()) return "an empty path component";
  }
  return "";
}

std::string_view FileTypeName(mode_t type) {
  switch (type) {
    case AE_IFLNK:
      return "a symbolic link";
    case AE_IFDIR:
      return "a directory";
    case AE_IFCHR:
      return "a character device";
    case AE_IFBLK:
      return "a block device";
    case AE_IFIFO:
      return "a FIFO";
    case AE_IFSOCK:
      return "a socket";
    default:
      return "not a regular file";
  }
}

// How many bytes of a member are kept in memory (0: only hashed).
size_t KeepLimit(std::string_view name) {
  if (name == internal::kManifestName) return internal::kMaxManifestBytes;
  if (name == internal::kCheckpointName) return ledger::kMaxNoteSize;
  if (name == internal::kPublicKeyName) return kMaxPublicKeyBytes;
  return 0;
}

std::string ArchiveError(struct archive* archive) {
  const char* message = archive_error_string(archive);
  return message != nullptr ? message : "unreadable";
}

// Reads every member. An error only when the input is not a tar archive at all.
absl::Status ScanArchive(struct archive* archive, Scan& scan) {
  vault::MultiHasher hasher;
  while (true) {
    struct archive_entry* entry = nullptr;
    int result = archive_read_next_header(archive, &entry);
    if (result == ARCHIVE_EOF) return absl::OkStatus();
    if (result != ARCHIVE_OK && result != ARCHIVE_WARN) {
      if (scan.entry_count == 0) {
        return absl::InvalidArgumentError(base::StrCat(
            "not a disclosure bundle: not a tar archive (", ArchiveError(archive), ")"));
      }
      scan.problems.push_back(base::StrCat("archive: damaged or cut short after member ",
                                           scan.entry_count, ": ", ArchiveError(archive)));
      return absl::OkStatus();
    }
    if (++scan.entry_count > kMaxEntries) {
      scan.problems.push_back(
          base::StrCat("archive: more than ", kMaxEntries, " members; the rest was not read"));
      return absl::OkStatus();
    }
    const char* utf8 = archive_entry_pathname_utf8(entry);
    const char* raw = utf8 != nullptr ? utf8 : archive_entry_pathname(entry);
    std::string name = raw != nullptr ? raw : "";
    auto refuse = [&](std::string_view why) {
      scan.problems.push_back(base::StrCat("archive: member ", QuoteName(name), ": ", why));
      archive_read_data_skip(archive);
    };
    if (std::string reason = UnsafeNameReason(name); !reason.empty()) {
      refuse(base::StrCat(reason, "; never extract this archive with tar"));
      continue;
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      refuse("is a hard link, not a file");
      continue;
    }
    mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR && (name == "files" || name == "files/")) {
      archive_read_data_skip(archive);  // harmless, though a bundle has none
      continue;
    }
    if (type != AE_IFREG) {
      refuse(base::StrCat("is ", FileTypeName(type), ", not a file"));
      continue;
    }
    if (archive_entry_sparse_count(entry) > 0) {
      refuse("is a sparse file; a bundle holds files byte for byte");
      continue;
    }
    if (scan.entries.contains(name)) {
      refuse("appears more than once");
      continue;
    }

    size_t keep_limit = KeepLimit(name);
    std::string kept;
    bool too_large = false;
    while (true) {
      std::span<char> buffer = hasher.WritableSpan();
      la_ssize_t got = archive_read_data(archive, buffer.data(), buffer.size());
      if (got < 0) {
        hasher.Finish().IgnoreError();  // empties the hasher
        scan.problems.push_back(base::StrCat("archive: damaged or cut short in member ",
                                             QuoteName(name), ": ", ArchiveError(archive)));
        return absl::OkStatus();
      }
      if (got == 0) break;
      if (keep_limit > 0) {
        if (kept.size() + static_cast<size_t>(got) > keep_limit) {
          too_large = true;
        } else if (!too_large) {
          kept.append(buffer.data(), static_cast<size_t>(got));
        }
      }
      hasher.Commit(static_cast<size_t>(got));
    }
    ASSIGN_OR_RETURN(vault::Digests digests, hasher.Finish());
    scan.entries[name] = EntryDigest{.size = digests.size,
                                     .md5 = digests.Md5Hex(),
                                     .sha1 = digests.Sha1Hex(),
                                     .sha256 = digests.Sha256Hex()};
    if (too_large) {
      scan.problems.push_back(
          base::StrCat("archive: ", name, " is larger than that member of a bundle can be"));
    } else if (name == internal::kManifestName) {
      scan.manifest = std::move(kept);
    } else if (name == internal::kCheckpointName) {
      scan.checkpoint = std::move(kept);
    } else if (name == internal::kPublicKeyName) {
      scan.public_key = std::move(kept);
    }
  }
}

// The members against the manifest: every item's file, the copies of the checkpoint and the
// key, the derived members, and nothing else.
void CheckMembers(const Scan& scan, const internal::ParsedManifest& parsed,
                  internal::Findings& findings) {
  const BundleContents& contents = parsed.contents;
  std::set<std::string, std::less<>> expected = {
      std::string(internal::kReadmeName),     std::string(internal::kManifestName),
      std::string(internal::kCheckpointName), std::string(internal::kPublicKeyName),
      std::string(internal::kUcoName),        std::string(internal::kReportName)};
  for (const std::string& file : parsed.named_files) expected.insert(file);

  for (size_t item_idx = 0; item_idx < contents.items.size(); ++item_idx) {
    const BundleItem& item = contents.items[item_idx];
    const std::string& file = parsed.item_files[item_idx];
    std::string label = ItemLabel(item);
    if (file != ItemFileName(item)) {
      findings.problems.push_back(base::StrCat(label, ": the manifest names its file ",
                                               QuoteName(file), ", but an item's file is ",
                                               QuoteName(ItemFileName(item))));
    }
    auto found = scan.entries.find(file);
    if (found == scan.entries.end()) {
      findings.problems.push_back(base::StrCat(label, ": its file ", QuoteName(file),
                                               " is listed in the manifest but missing from "
                                               "the bundle"));
      continue;
    }
    const EntryDigest& digest = found->second;
    std::vector<std::string> differing;
    if (digest.size != item.size) {
      differing.push_back(
          base::StrCat("its size is ", digest.size, " bytes, the manifest says ", item.size));
    }
    if (digest.sha256 != item.sha256) {
      differing.push_back(base::StrCat("its SHA-256 is ", digest.sha256, ", the manifest says ",
                                       QuoteName(item.sha256)));
    }
    if (digest.sha1 != item.sha1) {
      differing.push_back(
          base::StrCat("its SHA-1 is ", digest.sha1, ", the manifest says ", QuoteName(item.sha1)));
    }
    if (digest.md5 != item.md5) {
      differing.push_back(
          base::StrCat("its MD5 is ", digest.md5, ", the manifest says ", QuoteName(item.md5)));
    }
    if (!differing.empty()) {
      findings.problems.push_back(
          base::StrCat(label, ": the file ", QuoteName(file),
                       " is not the one in the manifest: ", base::StrJoin(differing, "; ")));
    }
  }

  for (const auto& [name, digest] : scan.entries) {
    if (expected.contains(name)) continue;
    findings.problems.push_back(
        base::StartsWith(name, internal::kFilesPrefix)
            ? base::StrCat("archive: ", QuoteName(name),
                           " is in the bundle but not in the manifest (an added file)")
            : base::StrCat("archive: ", QuoteName(name), " is not part of a bundle"));
  }
  for (std::string_view name :
       {internal::kReadmeName, internal::kCheckpointName, internal::kPublicKeyName,
        internal::kUcoName, internal::kReportName}) {
    if (!scan.entries.contains(name)) {
      findings.problems.push_back(base::StrCat("archive: ", name, " is missing"));
    }
  }

  if (scan.checkpoint && *scan.checkpoint != contents.checkpoint_note) {
    findings.problems.push_back(
        "checkpoint.txt is not the checkpoint in manifest.json (one of them was changed)");
  }
  if (scan.public_key && *scan.public_key != internal::PublicKeyText(contents)) {
    findings.problems.push_back(
        "public-key.txt is not the key in manifest.json (one of them was changed)");
  }

  for (std::string_view name : {internal::kReadmeName, internal::kUcoName, internal::kReportName}) {
    auto recorded = parsed.derived.find(name);
    if (recorded == parsed.derived.end()) {
      findings.problems.push_back(
          base::StrCat("manifest.json: derived_files has no SHA-256 for ", name));
      continue;
    }
    auto found = scan.entries.find(name);
    if (found != scan.entries.end() && found->second.sha256 != recorded->second) {
      findings.problems.push_back(base::StrCat(
          name, " is not the one written with this manifest (its SHA-256 is ", found->second.sha256,
          ", derived_files says ", QuoteName(recorded->second), ")"));
    }
  }
  for (const auto& [name, sha256] : parsed.derived) {
    if (name != internal::kReadmeName && name != internal::kUcoName &&
        name != internal::kReportName) {
      findings.problems.push_back(base::StrCat("manifest.json: derived_files names ",
                                               QuoteName(name), ", which is not a derived member"));
    }
  }
}

std::string KeyId(const ledger::NoteVerifier& key) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08" PRIx32, key.key_id());
  return hex;
}

absl::StatusOr<BundleVerdict> Verify(struct archive* archive, std::string_view trusted_key) {
  // The user's key first: a mistyped --key is the user's error, not the bundle's.
  std::optional<ledger::NoteVerifier> pinned;
  if (!trusted_key.empty()) {
    absl::StatusOr<ledger::NoteVerifier> key =
        ledger::NoteVerifier::FromVerifierKey(base::StripAsciiWhitespace(trusted_key));
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("the trusted key is not a verifier key: ", key.status().message()));
    }
    pinned = *std::move(key);
  }

  Scan scan;
  RETURN_IF_ERROR(ScanArchive(archive, scan));
  if (!scan.manifest) {
    return absl::InvalidArgumentError(
        scan.entry_count == 0
            ? "not a disclosure bundle: the archive is empty"
            : "not a disclosure bundle: the archive has no (readable) manifest.json");
  }
  internal::Findings findings;
  findings.problems = std::move(scan.problems);
  ASSIGN_OR_RETURN(internal::ParsedManifest parsed,
                   internal::ParseManifest(*scan.manifest, findings.problems));
  const BundleContents& contents = parsed.contents;

  internal::CheckShape(contents, findings);
  std::optional<ledger::NoteVerifier> own = internal::CheckKeyForms(contents, findings);
  const ledger::NoteVerifier* key = pinned ? &*pinned : own ? &*own : nullptr;
  BundleVerdict verdict;
  if (key != nullptr) {
    std::string description = pinned ? base::StrCat("the pinned key ", pinned->VerifierKey())
                                     : base::StrCat("the key in the bundle, ", own->VerifierKey());
    if (pinned && own && own->VerifierKey() != pinned->VerifierKey()) {
      findings.problems.push_back(base::StrCat("key: the bundle's key ", own->VerifierKey(),
                                               " is not the pinned key ", pinned->VerifierKey()));
    }
    internal::CheckLedgerSide(contents, *key, description, findings);
    verdict.key_id = KeyId(*key);
    verdict.verifier_key = key->VerifierKey();
  } else {
    findings.problems.push_back("checkpoint: not checked, for want of a usable key");
  }
  CheckMembers(scan, parsed, findings);

  verdict.ok = findings.problems.empty();
  verdict.problems = std::move(findings.problems);
  verdict.warnings = std::move(findings.warnings);
  verdict.items = contents.items.size();
  verdict.events = findings.events;
  verdict.key_from_bundle = !pinned;
  if (findings.checkpoint) {
    verdict.tree_size = findings.checkpoint->size;
    verdict.origin = findings.checkpoint->origin;
  }
  verdict.checked.push_back(base::StrCat(
      "archive: ", scan.entry_count,
      " members read as a stream; names checked (no absolute paths, no \"..\"), no duplicates, "
      "no links or devices, nothing the manifest does not name"));
  verdict.checked.push_back(base::StrCat("files: ", contents.items.size(),
                                         " items; the size, MD5, SHA-1 and SHA-256 of each file "
                                         "compared with the manifest"));
  for (std::string& line : findings.checked) verdict.checked.push_back(std::move(line));
  verdict.checked.push_back(
      pinned ? base::StrCat("key: pinned by you, ", pinned->VerifierKey())
             : base::StrCat("key: taken from the bundle itself (key ID ", verdict.key_id,
                            "): compare the whole verifier key ", verdict.verifier_key,
                            " with the one the agency publishes, or pin it with --key"));
  verdict.checked.push_back(
      "copies: checkpoint.txt and public-key.txt are the manifest's; README.txt, "
      "case-uco.jsonld and custody-report.pdf are the ones written with it. No signature covers "
      "them, nor the items' metadata, the case title or the export details");
  return verdict;
}

struct ReaderDeleter {
  void operator()(struct archive* archive) const { archive_read_free(archive); }
};

std::unique_ptr<struct archive, ReaderDeleter> NewReader() {
  std::unique_ptr<struct archive, ReaderDeleter> archive(archive_read_new());
  // Tar only (ustar, pax, GNU), no compression: a bundle is a plain pax archive, and a filter
  // would let a small hostile file expand without bound.
  archive_read_support_format_tar(archive.get());
  return archive;
}

}  // namespace

absl::StatusOr<BundleVerdict> VerifyBundle(const std::string& path, std::string_view trusted_key) {
  vault::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int error = errno;
    std::string message = base::StrCat("cannot open ", path, ": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
    return absl::InvalidArgumentError(message);
  }
  internal::ScopedUtf8Locale utf8_locale;
  std::unique_ptr<struct archive, ReaderDeleter> archive = NewReader();
  if (archive_read_open_fd(archive.get(), fd.get(), size_t{1} << 20) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(base::StrCat("not a disclosure bundle: not a tar archive (",
                                                   ArchiveError(archive.get()), ")"));
  }
  return Verify(archive.get(), trusted_key);
}

absl::StatusOr<BundleVerdict> VerifyBundleBytes(std::string_view bundle,
                                                std::string_view trusted_key) {
  internal::ScopedUtf8Locale utf8_locale;
  std::unique_ptr<struct archive, ReaderDeleter> archive = NewReader();
  if (archive_read_open_memory(archive.get(), bundle.data(), bundle.size()) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(base::StrCat("not a disclosure bundle: not a tar archive (",
                                                   ArchiveError(archive.get()), ")"));
  }
  return Verify(archive.get(), trusted_key);
}

}  // namespace threathub::bundle
