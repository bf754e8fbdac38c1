// E01 (Expert Witness / EnCase) forensic images, read through libewf: the media data is read
// once and hashed with MD5, SHA-1 and SHA-256 (MultiHasher); MD5 and SHA-1 are compared with
// the hashes the acquiring tool stored in the image; SHA-256 is added; the acquisition header
// (case, evidence number, examiner, dates, notes, ...) comes along.
//
//   ASSIGN_OR_RETURN(EwfReport report, VerifyEwfImage("/evidence/disk.E01"));
//   if (!report.Verified()) { ... record report.md5 / report.sha1 / report.checksum_errors ... }
//   record(report.computed.Sha256Hex(), report.header.case_number, ...);
//
// A damaged image is a finding, not an error: a chunk whose stored checksum fails is read as it
// is stored (as ewfverify does by default) and listed in checksum_errors, and the stored MD5
// then no longer matches. An error status means the image could not be opened or read at all.
//
// libewf parses outside input and is an old C library (Debian 12: 20140813); it leaks memory on
// some damaged images (about the size of the missing chunks, per call). Callers that take
// images from outside should run this in a separate, short-lived process.
//
// Thread safety: each call uses its own libewf handle; calls may run concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vault/multi_hash.h"

namespace threathub::vault {

// The outcome of comparing a hash stored in the image with the one computed over its media.
enum class HashCheck {
  kAbsent,  // the image stores no such hash
  kMatch,
  kMismatch,
};
// "absent", "match", "mismatch"
std::string_view HashCheckName(HashCheck check);

// The acquisition header, as UTF-8. Dates are as the image stores them, in ISO 8601 form
// ("2026-11-27T00:59:34"), in the acquiring machine's local time (EWF stores no time zone).
struct EwfHeader {
  std::string case_number;
  std::string evidence_number;
  std::string examiner_name;
  std::string description;
  std::string notes;
  std::string acquiry_date;
  std::string system_date;
  std::string acquiry_operating_system;
  std::string acquiry_software_version;
  std::string model;
  std::string serial_number;
  // Every header value by its libewf identifier, the ones above included; never the password.
  std::map<std::string, std::string> values;
};

// Sectors whose chunk failed its stored checksum (or is missing from the image).
struct EwfSectorRange {
  uint64_t first_sector = 0;
  uint64_t sector_count = 0;
};

struct EwfReport {
  std::vector<std::string> segment_files;  // in order, as opened
  uint64_t media_size = 0;                 // bytes
  uint32_t bytes_per_sector = 0;
  Digests computed;  // of the media data, as read
  // As stored in the image, lower-case hex; empty when absent.
  std::string stored_md5;
  std::string stored_sha1;
  std::string stored_sha256;  // only EWF2 / ewfx images store one
  HashCheck md5 = HashCheck::kAbsent;
  HashCheck sha1 = HashCheck::kAbsent;
  HashCheck sha256 = HashCheck::kAbsent;
  std::vector<EwfSectorRange> checksum_errors;
  EwfHeader header;

  // True when the image stores at least one hash, every stored hash matches the media data,
  // and no chunk failed its checksum.
  bool Verified() const;
};

// Opens the image whose first segment file is `first_segment` (e.g. "disk.E01"), finding the
// others (.E02, ...) beside it by the EWF naming scheme. Errors: kNotFound for a missing file,
// kInvalidArgument when the file is not an EWF image, kDataLoss when its media data cannot be
// read (e.g. a missing or truncated segment).
absl::StatusOr<EwfReport> VerifyEwfImage(const std::string& first_segment,
                                         MultiHasherOptions options = {});
// The same with the segment files named explicitly, in order (for segments stored in the
// content-addressed vault, whose names are hashes).
absl::StatusOr<EwfReport> VerifyEwfSegments(const std::vector<std::string>& segment_files,
                                            MultiHasherOptions options = {});

}  // namespace threathub::vault
