// E01 images are read by libewf in a separate, short-lived process: libewf is old C code that
// parses outside input and leaks memory on damaged images (vault/ewf_image.h). The server runs
// `threathub internal ewf-report FILE`, which prints the report as one JSON object on standard
// output, and keeps that JSON with the item.
//
//   if (IsEwfImage(path)) ASSIGN_OR_RETURN(std::string json, RunEwfHelper(binary, path));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "vault/ewf_image.h"

namespace threathub::evidence {

// Whether the file starts with the EWF (E01) signature.
bool IsEwfImage(const std::string& path);

// The report as JSON: {"verified":..., "md5":"match", "sha1":..., "stored_md5":...,
// "computed_md5":..., "computed_sha1":..., "computed_sha256":..., "media_size":...,
// "bytes_per_sector":..., "checksum_errors":[{"first_sector","sector_count"}],
// "header":{"case_number",...}}.
std::string EwfReportJson(const vault::EwfReport& report);
// {"verified":false,"error":"<message>"} for an image libewf could not read.
std::string EwfErrorJson(const absl::Status& status);
// A short word for the ingest custody event: "ewf verified", "ewf mismatch", "ewf unreadable".
std::string EwfResultWord(const std::string& json);

// Runs `<binary> internal ewf-report <path>` and returns what it printed. Internal when the
// program cannot be started; the child's own message when it fails.
absl::StatusOr<std::string> RunEwfHelper(const std::string& binary, const std::string& path);

}  // namespace threathub::evidence
