#include "vault/ewf_image.h"

#include <libewf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "vault/internal/posix.h"

namespace threathub::vault {
namespace {

constexpr size_t kErrorMessageBytes = 2048;

// Owns a libewf error and renders it as text.
class EwfError {
 public:
  EwfError() = default;
  ~EwfError() { Clear(); }
  EwfError(const EwfError&) = delete;
  EwfError& operator=(const EwfError&) = delete;

  libewf_error_t** out() {
    Clear();
    return &error_;
  }
  // The message libewf recorded (its last line is the most specific), then cleared.
  std::string TakeMessage() {
    if (error_ == nullptr) return "unknown libewf error";
    char buffer[kErrorMessageBytes] = {};
    int length = libewf_error_sprint(error_, buffer, sizeof buffer);
    Clear();
    if (length <= 0) return "unknown libewf error";
    std::string message(buffer, std::min<size_t>(static_cast<size_t>(length), sizeof buffer - 1));
    std::replace(message.begin(), message.end(), '\n', ' ');
    return std::string(base::StripAsciiWhitespace(message));
  }

 private:
  void Clear() {
    if (error_ != nullptr) libewf_error_free(&error_);
    error_ = nullptr;
  }
  libewf_error_t* error_ = nullptr;
};

class EwfHandle {
 public:
  EwfHandle() = default;
  ~EwfHandle() {
    if (handle_ == nullptr) return;
    EwfError error;
    if (open_) libewf_handle_close(handle_, error.out());
    libewf_handle_free(&handle_, error.out());
  }
  EwfHandle(const EwfHandle&) = delete;
  EwfHandle& operator=(const EwfHandle&) = delete;

  absl::Status Open(const std::vector<std::string>& segment_files) {
    EwfError error;
    if (libewf_handle_initialize(&handle_, error.out()) != 1) {
      return absl::InternalError(base::StrCat("libewf: ", error.TakeMessage()));
    }
    std::vector<char*> names;
    names.reserve(segment_files.size());
    for (const std::string& name : segment_files) names.push_back(const_cast<char*>(name.c_str()));
    if (libewf_handle_open(handle_, names.data(), static_cast<int>(names.size()), LIBEWF_OPEN_READ,
                           error.out()) != 1) {
      return absl::InvalidArgumentError(base::StrCat(
          "not a readable EWF image (", segment_files.front(), "): ", error.TakeMessage()));
    }
    open_ = true;
    // A chunk that fails its checksum is read as stored (as ewfverify does by default, not
    // zeroed as EnCase does), so the computed hashes are those of the bytes in the image; the
    // chunk is listed as a checksum error either way.
    libewf_handle_set_read_zero_chunk_on_error(handle_, 0, error.out());
    libewf_handle_set_header_values_date_format(handle_, LIBEWF_DATE_FORMAT_ISO8601, error.out());
    return absl::OkStatus();
  }

  libewf_handle_t* get() const { return handle_; }

 private:
  libewf_handle_t* handle_ = nullptr;
  bool open_ = false;
};

using ValueGetter = int (*)(libewf_handle_t*, const uint8_t*, size_t, uint8_t*, size_t,
                            libewf_error_t**);
using ValueSizeGetter = int (*)(libewf_handle_t*, const uint8_t*, size_t, size_t*,
                                libewf_error_t**);

// A header or hash value by identifier; empty when the image has none.
std::string GetValue(libewf_handle_t* handle, std::string_view identifier, ValueSizeGetter get_size,
                     ValueGetter get_value) {
  EwfError error;
  const auto* id = reinterpret_cast<const uint8_t*>(identifier.data());
  size_t size = 0;
  if (get_size(handle, id, identifier.size(), &size, error.out()) != 1 || size <= 1) return "";
  std::string value(size, '\0');
  if (get_value(handle, id, identifier.size(), reinterpret_cast<uint8_t*>(value.data()), size,
                error.out()) != 1) {
    return "";
  }
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  // libewf converts the header's code page to UTF-8; keep the promise even if it did not.
  if (!base::IsValidUtf8(value)) value = base::StrCat("(not UTF-8) ", base::HexEncode(value));
  return value;
}

std::string HeaderValue(libewf_handle_t* handle, std::string_view identifier) {
  return GetValue(handle, identifier, libewf_handle_get_utf8_header_value_size,
                  libewf_handle_get_utf8_header_value);
}

std::string HashValue(libewf_handle_t* handle, std::string_view identifier) {
  return base::AsciiStrToLower(GetValue(handle, identifier, libewf_handle_get_utf8_hash_value_size,
                                        libewf_handle_get_utf8_hash_value));
}

EwfHeader ReadHeader(libewf_handle_t* handle) {
  EwfHeader header;
  EwfError error;
  uint32_t count = 0;
  if (libewf_handle_get_number_of_header_values(handle, &count, error.out()) == 1) {
    for (uint32_t value_idx = 0; value_idx < count; ++value_idx) {
      size_t size = 0;
      if (libewf_handle_get_header_value_identifier_size(handle, value_idx, &size, error.out()) !=
              1 ||
          size <= 1) {
        continue;
      }
      std::string identifier(size, '\0');
      if (libewf_handle_get_header_value_identifier(handle, value_idx,
                                                    reinterpret_cast<uint8_t*>(identifier.data()),
                                                    size, error.out()) != 1) {
        continue;
      }
      identifier.resize(size - 1);
      if (identifier == "password") continue;
      std::string value = HeaderValue(handle, identifier);
      if (!value.empty()) header.values[identifier] = std::move(value);
    }
  }
  auto named = [&header](const char* identifier) {
    auto found = header.values.find(identifier);
    return found == header.values.end() ? std::string() : found->second;
  };
  header.case_number = named("case_number");
  header.evidence_number = named("evidence_number");
  header.examiner_name = named("examiner_name");
  header.description = named("description");
  header.notes = named("notes");
  header.acquiry_date = named("acquiry_date");
  header.system_date = named("system_date");
  header.acquiry_operating_system = named("acquiry_operating_system");
  header.acquiry_software_version = named("acquiry_software_version");
  header.model = named("model");
  header.serial_number = named("serial_number");
  return header;
}

HashCheck Compare(const std::string& stored, const std::string& computed_hex) {
  if (stored.empty()) return HashCheck::kAbsent;
  return stored == computed_hex ? HashCheck::kMatch : HashCheck::kMismatch;
}

}  // namespace

std::string_view HashCheckName(HashCheck check) {
  switch (check) {
    case HashCheck::kAbsent:
      return "absent";
    case HashCheck::kMatch:
      return "match";
    case HashCheck::kMismatch:
      return "mismatch";
  }
  return "absent";
}

bool EwfReport::Verified() const {
  HashCheck checks[] = {md5, sha1, sha256};
  bool any_present = std::any_of(std::begin(checks), std::end(checks),
                                 [](HashCheck check) { return check != HashCheck::kAbsent; });
  bool none_mismatched = std::none_of(std::begin(checks), std::end(checks), [](HashCheck check) {
    return check == HashCheck::kMismatch;
  });
  return any_present && none_mismatched && checksum_errors.empty();
}

absl::StatusOr<EwfReport> VerifyEwfSegments(const std::vector<std::string>& segment_files,
                                            MultiHasherOptions options) {
  if (segment_files.empty()) return absl::InvalidArgumentError("an EWF image needs a segment file");
  for (const std::string& path : segment_files) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) return internal::ErrnoStatus(errno, "open", path);
    if (!S_ISREG(info.st_mode)) {
      return absl::InvalidArgumentError(base::StrCat("not a regular file: ", path));
    }
  }

  EwfHandle handle;
  RETURN_IF_ERROR(handle.Open(segment_files));
  EwfError error;
  EwfReport report;
  report.segment_files = segment_files;
  size64_t media_size = 0;
  if (libewf_handle_get_media_size(handle.get(), &media_size, error.out()) != 1) {
    return absl::InvalidArgumentError(
        base::StrCat("EWF image without a media size: ", error.TakeMessage()));
  }
  report.media_size = media_size;
  libewf_handle_get_bytes_per_sector(handle.get(), &report.bytes_per_sector, error.out());
  report.header = ReadHeader(handle.get());

  MultiHasher hasher(options);
  uint64_t offset = 0;
  while (offset < report.media_size) {
    std::span<char> buffer = hasher.WritableSpan();
    size_t wanted =
        static_cast<size_t>(std::min<uint64_t>(buffer.size(), report.media_size - offset));
    ssize_t count = libewf_handle_read_buffer(handle.get(), buffer.data(), wanted, error.out());
    if (count < 0) {
      return absl::DataLossError(base::StrCat("reading the media data of ", segment_files.front(),
                                              " failed at byte ", offset, ": ",
                                              error.TakeMessage()));
    }
    if (count == 0) {
      return absl::DataLossError(base::StrCat("the media data of ", segment_files.front(),
                                              " ends at byte ", offset, " of ", report.media_size));
    }
    hasher.Commit(static_cast<size_t>(count));
    offset += static_cast<uint64_t>(count);
  }
  ASSIGN_OR_RETURN(report.computed, hasher.Finish());

  // The stored hashes are read after the media: libewf reads the hash sections of the last
  // segment when it gets there.
  report.stored_md5 = HashValue(handle.get(), "MD5");
  report.stored_sha1 = HashValue(handle.get(), "SHA1");
  report.stored_sha256 = HashValue(handle.get(), "SHA256");
  report.md5 = Compare(report.stored_md5, report.computed.Md5Hex());
  report.sha1 = Compare(report.stored_sha1, report.computed.Sha1Hex());
  report.sha256 = Compare(report.stored_sha256, report.computed.Sha256Hex());

  uint32_t error_count = 0;
  if (libewf_handle_get_number_of_checksum_errors(handle.get(), &error_count, error.out()) == 1) {
    for (uint32_t error_idx = 0; error_idx < error_count; ++error_idx) {
      EwfSectorRange range;
      if (libewf_handle_get_checksum_error(handle.get(), error_idx, &range.first_sector,
                                           &range.sector_count, error.out()) == 1) {
        report.checksum_errors.push_back(range);
      }
    }
  }
  return report;
}

absl::StatusOr<EwfReport> VerifyEwfImage(const std::string& first_segment,
                                         MultiHasherOptions options) {
  struct stat info;
  if (::stat(first_segment.c_str(), &info) != 0) {
    return internal::ErrnoStatus(errno, "open", first_segment);
  }
  EwfError error;
  char** names = nullptr;
  int count = 0;
  if (libewf_glob(first_segment.c_str(), first_segment.size(), LIBEWF_FORMAT_UNKNOWN, &names,
                  &count, error.out()) != 1) {
    return absl::InvalidArgumentError(base::StrCat("not the first segment of an EWF image (",
                                                   first_segment, "): ", error.TakeMessage()));
  }
  std::vector<std::string> segment_files(names, names + count);
  libewf_glob_free(names, count, error.out());
  return VerifyEwfSegments(segment_files, options);
}

}  // namespace threathub::vault
