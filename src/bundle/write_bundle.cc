// WriteBundle: checks the contents, makes the derived members, and streams everything into a
// pax tar archive written to a temporary file that is renamed into place once synced.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <tuple>

#include "base/encoding.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "bundle/bundle.h"
#include "bundle/internal/case_uco.h"
#include "bundle/internal/checks.h"
#include "bundle/internal/custody_report.h"
#include "bundle/internal/manifest.h"
#include "bundle/internal/utf8_locale.h"
#include "vault/multi_hash.h"
#include "vault/unique_fd.h"

namespace threathub::bundle {
namespace {

using internal::ItemFileName;

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  int error = errno;
  std::string message = base::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  if (error == ENOSPC || error == EDQUOT) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

// Where libarchive's output goes: the file, and a running SHA-256 of every byte written.
struct Sink {
  int fd = -1;
  EVP_MD_CTX* sha256 = nullptr;
  uint64_t bytes = 0;
  int error = 0;  // errno of a failed write
};

la_ssize_t WriteToSink(struct archive* archive, void* client, const void* buffer, size_t length) {
  auto* sink = static_cast<Sink*>(client);
  const char* data = static_cast<const char*>(buffer);
  size_t written = 0;
  while (written < length) {
    ssize_t result = ::write(sink->fd, data + written, length - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      sink->error = errno;
      archive_set_error(archive, errno, "write: %s", std::strerror(errno));
      return -1;
    }
    written += static_cast<size_t>(result);
  }
  EVP_DigestUpdate(sink->sha256, buffer, length);
  sink->bytes += length;
  return static_cast<la_ssize_t>(length);
}

struct ArchiveDeleter {
  void operator()(struct archive* archive) const { archive_write_free(archive); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* entry) const { archive_entry_free(entry); }
};
struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// A pax archive being written to `sink`. Every member is a regular file, mode 0444, owned by
// nobody in particular, dated at the export, so the same contents give the same archive.
class TarWriter {
 public:
  TarWriter(Sink& sink, int64_t mtime) : archive_(archive_write_new()), mtime_(mtime) {
    archive_write_set_format_pax_restricted(archive_.get());
    archive_write_set_bytes_per_block(archive_.get(), 10240);
    opened_ = archive_write_open2(archive_.get(), &sink, nullptr, WriteToSink, nullptr, nullptr) ==
              ARCHIVE_OK;
  }

  absl::Status Begin(std::string_view name, uint64_t size) {
    if (!opened_) return Error("open the archive");
    std::unique_ptr<struct archive_entry, EntryDeleter> entry(archive_entry_new());
    std::string path(name);
    // UTF-8 names go into the pax header as they are, whatever the process's locale.
    archive_entry_set_pathname_utf8(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0444);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry.get(), mtime_, 0);
    int result = archive_write_header(archive_.get(), entry.get());
    // ARCHIVE_WARN: a name that the old ustar header cannot hold; the pax header holds it.
    if (result != ARCHIVE_OK && result != ARCHIVE_WARN) return Error(base::StrCat("add ", name));
    return absl::OkStatus();
  }

  absl::Status Data(std::string_view bytes) {
    la_ssize_t written = archive_write_data(archive_.get(), bytes.data(), bytes.size());
    if (written < 0 || static_cast<size_t>(written) != bytes.size()) return Error("write data");
    return absl::OkStatus();
  }

  absl::Status AddBytes(std::string_view name, std::string_view bytes) {
    RETURN_IF_ERROR(Begin(name, bytes.size()));
    return Data(bytes);
  }

  absl::Status Close() {
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) return Error("finish the archive");
    return absl::OkStatus();
  }

 private:
  absl::Status Error(std::string_view what) {
    const char* message = archive_error_string(archive_.get());
    std::string text = base::StrCat("bundle: cannot ", what, ": ",
                                    message != nullptr ? message : "libarchive failed");
    return archive_errno(archive_.get()) == ENOSPC ? absl::ResourceExhaustedError(text)
                                                   : absl::InternalError(text);
  }

  std::unique_ptr<struct archive, ArchiveDeleter> archive_;
  int64_t mtime_;
  bool opened_ = false;
};

// Copies an item's file into the archive, hashing it on the way; DataLoss when the bytes are
// not the ones the item's hashes name (the stored file changed or rotted).
absl::Status AddItemFile(TarWriter& tar, const BundleItem& item, vault::MultiHasher& hasher) {
  std::string label = base::StrCat("item ", item.id);
  vault::UniqueFd fd(::open(item.blob_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(base::StrCat(label, ": open"), item.blob_path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    return ErrnoError(base::StrCat(label, ": stat"), item.blob_path);
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        base::StrCat(label, ": ", item.blob_path, " is not a regular file"));
  }
  if (static_cast<uint64_t>(info.st_size) != item.size) {
    return absl::DataLossError(
        base::StrCat(label, ": the stored file is ", info.st_size, " bytes, the item ", item.size));
  }
  RETURN_IF_ERROR(tar.Begin(ItemFileName(item), item.size));
  uint64_t remaining = item.size;
  while (remaining > 0) {
    std::span<char> buffer = hasher.WritableSpan();
    size_t wanted = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining));
    ssize_t got = ::read(fd.get(), buffer.data(), wanted);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(base::StrCat(label, ": read"), item.blob_path);
    }
    if (got == 0) {
      return absl::DataLossError(
          base::StrCat(label, ": ", item.blob_path, " shrank while it was being copied"));
    }
    // The span stays valid until the next call on the hasher: write it out first.
    RETURN_IF_ERROR(tar.Data(std::string_view(buffer.data(), static_cast<size_t>(got))));
    hasher.Commit(static_cast<size_t>(got));
    remaining -= static_cast<uint64_t>(got);
  }
  ASSIGN_OR_RETURN(vault::Digests digests, hasher.Finish());
  for (auto [name, found, expected] : {std::tuple{"SHA-256", digests.Sha256Hex(), &item.sha256},
                                       std::tuple{"SHA-1", digests.Sha1Hex(), &item.sha1},
                                       std::tuple{"MD5", digests.Md5Hex(), &item.md5}}) {
    if (found != *expected) {
      return absl::DataLossError(base::StrCat(label, ": the stored file's ", name, " is ", found,
                                              ", the item's is ", *expected,
                                              ": the stored file is not the evidence"));
    }
  }
  return absl::OkStatus();
}

// Removes the temporary file unless disarmed.
class RemoveOnFailure {
 public:
  explicit RemoveOnFailure(std::string path) : path_(std::move(path)) {}
  ~RemoveOnFailure() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void Disarm() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

absl::StatusOr<WrittenBundle> WriteBundle(const BundleContents& input,
                                          const std::string& output_path) {
  // Events in leaf order: the order they were committed in, which the verifier expects (events
  // committed by concurrent transactions may have ids in the other order).
  BundleContents contents = input;
  for (BundleItem& item : contents.items) {
    std::stable_sort(item.custody.begin(), item.custody.end(),
                     [](const CustodyEntry& left, const CustodyEntry& right) {
                       return left.leaf_index < right.leaf_index;
                     });
  }

  internal::Findings findings;
  internal::CheckShape(contents, findings);
  if (!findings.problems.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("bundle: malformed contents: ", base::StrJoin(findings.problems, "; ")));
  }
  std::optional<ledger::NoteVerifier> key = internal::CheckKeyForms(contents, findings);
  if (key) {
    internal::CheckLedgerSide(contents, *key, base::StrCat("the ledger key ", key->VerifierKey()),
                              findings);
  }
  if (!findings.problems.empty() || !findings.checkpoint) {
    return absl::FailedPreconditionError(
        base::StrCat("bundle: refusing to write a bundle that would not verify: ",
                     base::StrJoin(findings.problems, "; ")));
  }

  std::string readme = internal::ReadmeText(contents);
  std::string uco = internal::CaseUcoJsonLd(contents);
  ASSIGN_OR_RETURN(std::string report,
                   internal::RenderCustodyReport(contents, *findings.checkpoint));
  internal::DerivedHashes derived;
  derived[std::string(internal::kReadmeName)] = base::HexEncode(base::Sha256(readme));
  derived[std::string(internal::kUcoName)] = base::HexEncode(base::Sha256(uco));
  derived[std::string(internal::kReportName)] = base::HexEncode(base::Sha256(report));
  std::string manifest = internal::ManifestJson(contents, derived);

  std::filesystem::path target(output_path);
  std::string directory = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string temporary = base::StrCat(output_path, ".tmp-", base::HexEncode(base::RandomBytes(8)));
  vault::UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoError("bundle: create", temporary);
  RemoveOnFailure cleanup(temporary);

  std::unique_ptr<EVP_MD_CTX, DigestDeleter> sha256(EVP_MD_CTX_new());
  if (!sha256 || EVP_DigestInit_ex(sha256.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("bundle: SHA-256 is not available");
  }
  Sink sink{.fd = fd.get(), .sha256 = sha256.get()};
  internal::ScopedUtf8Locale utf8_locale;
  if (!utf8_locale.active()) {
    for (const BundleItem& item : contents.items) {
      for (char c : item.original_name) {
        if (static_cast<uint8_t>(c) >= 0x80) {
          return absl::FailedPreconditionError(
              "bundle: the system has no UTF-8 locale (C.UTF-8) to write non-ASCII names with");
        }
      }
    }
  }
  {
    TarWriter tar(sink, contents.exported_at / 1000);
    RETURN_IF_ERROR(tar.AddBytes(internal::kReadmeName, readme));
    RETURN_IF_ERROR(tar.AddBytes(internal::kManifestName, manifest));
    RETURN_IF_ERROR(tar.AddBytes(internal::kCheckpointName, contents.checkpoint_note));
    RETURN_IF_ERROR(tar.AddBytes(internal::kPublicKeyName, internal::PublicKeyText(contents)));
    RETURN_IF_ERROR(tar.AddBytes(internal::kUcoName, uco));
    RETURN_IF_ERROR(tar.AddBytes(internal::kReportName, report));
    vault::MultiHasher hasher;
    for (const BundleItem& item : contents.items) {
      RETURN_IF_ERROR(AddItemFile(tar, item, hasher));
    }
    RETURN_IF_ERROR(tar.Close());
  }
  if (::fsync(fd.get()) != 0) return ErrnoError("bundle: fsync", temporary);
  if (::close(fd.Release()) != 0) return ErrnoError("bundle: close", temporary);
  if (::rename(temporary.c_str(), output_path.c_str()) != 0) {
    return ErrnoError("bundle: rename", temporary);
  }
  cleanup.Disarm();
  RETURN_IF_ERROR(base::SyncDirectory(directory));

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_DigestFinal_ex(sha256.get(), digest, &digest_size);
  return WrittenBundle{
      .sha256 = base::HexEncode(std::string_view(reinterpret_cast<char*>(digest), digest_size)),
      .size = sink.bytes};
}

}  // namespace threathub::bundle
