// The file formats of indicator lists and hash lists (docs/formats/indicators.md): parsers and
// writers, pure functions over bytes (no database, no files), fuzzed by
// indicator_files_fuzzer.cc.
//
//   detect::ParsedIndicators parsed = detect::ParseIndicators(bytes, IndicatorFormat::kAuto);
//   // parsed.rows: the good rows, each with its position; parsed.errors: {"line 7", "..."}
//   std::string csv = detect::WriteIndicatorsCsv(parsed.rows);
//
//   detect::ParsedHashes hashes = detect::ParseHashList(bytes, HashAlgorithm::kPdq);
//
// Indicators: CSV with the header `kind,pattern,language,category,severity,notes` (RFC 4180
// quoting; only `pattern` is required, columns in any order), or JSON
// `{"indicators":[{"kind","pattern","language","category","severity","notes"}]}`. A bad row is an
// error with its position ("line 7" for CSV, where the record starts; "indicators[3]" for JSON)
// and the others are read. Defaults: kind term, language any, severity medium.
//
// Hash lists: hex lines (blank lines and lines starting with '#' skipped), or CSV with a header
// naming `hash` or `hash_digest` and optionally `label`, `source`, `algorithm`, `ideology`,
// `file_type` (the hash-sharing services' field names). Hashes are stored lower-case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threathub::detect {

enum class IndicatorFormat { kAuto, kCsv, kJson };
std::optional<IndicatorFormat> ParseIndicatorFormat(std::string_view name);  // csv, json

// One indicator as a file holds it (validated: known kind, language and severity; a pattern of
// 1 to kMaxPatternBytes bytes of UTF-8 without control characters).
struct IndicatorRow {
  std::string kind = "term";  // term, phrase, regex
  std::string pattern;
  std::string language = "any";  // kk, ru, en, any
  std::string category;
  std::string severity = "medium";  // low, medium, high, critical
  std::string notes;
  std::string position;  // where it was read ("line 3"); empty for rows to write
  bool operator==(const IndicatorRow&) const = default;
};

inline constexpr size_t kMaxPatternBytes = 1000;
inline constexpr size_t kMaxCategoryBytes = 100;
inline constexpr size_t kMaxNotesBytes = 2000;

struct FileError {
  std::string position;  // "line 7", "indicators[3]", or "input" for the file as a whole
  std::string error;
  bool operator==(const FileError&) const = default;
};

struct ParsedIndicators {
  std::vector<IndicatorRow> rows;
  std::vector<FileError> errors;
};

// kAuto: JSON when the first non-blank byte is '{', else CSV.
ParsedIndicators ParseIndicators(std::string_view bytes, IndicatorFormat format);
std::string WriteIndicatorsCsv(const std::vector<IndicatorRow>& rows);
std::string WriteIndicatorsJson(const std::vector<IndicatorRow>& rows);

// The checks of one row's fields (used by the parsers and by the service for single edits).
// Returns "" when good, else what is wrong, naming the field ("severity: expected low, ...").
std::string CheckIndicatorRow(const IndicatorRow& row, std::string* field = nullptr);

enum class HashAlgorithm { kPdq, kMd5, kSha256 };
std::string_view HashAlgorithmName(HashAlgorithm algorithm);  // pdq, md5, sha256
// pdq, md5, sha256 (also the services' spellings: PDQ, MD5, SHA256, SHA-256, sha-256).
std::optional<HashAlgorithm> ParseHashAlgorithm(std::string_view name);
// Hex digits of a hash of that algorithm (64, 32, 64).
size_t HashHexLength(HashAlgorithm algorithm);

struct HashRow {
  std::string hash;  // lower-case hex
  std::string label;
  std::string source;
  std::string algorithm;  // as named in the row ("" when the list does not say)
  std::string ideology;
  std::string file_type;
  std::string position;
  bool operator==(const HashRow&) const = default;
};

struct ParsedHashes {
  std::vector<HashRow> rows;
  std::vector<FileError> errors;
};

// Reads a hash list. With `expected`, every hash must have its length and a row whose
// `algorithm` names another algorithm is an error. Without, each row's algorithm is its
// `algorithm` column, else guessed from its length (32 md5; 64 pdq).
ParsedHashes ParseHashList(std::string_view bytes, std::optional<HashAlgorithm> expected);
// The algorithm of a parsed row (its column, else its length; 64 hex digits is PDQ).
std::optional<HashAlgorithm> RowAlgorithm(const HashRow& row);

// RFC 4180 CSV: records of fields. Quoted fields may hold commas, quotes ("") and line breaks.
// `line` is the 1-based line where each record starts. A quote left open is an error.
struct CsvRecord {
  std::vector<std::string> fields;
  size_t line = 0;
};
bool ReadCsv(std::string_view bytes, std::vector<CsvRecord>& records, FileError& error);
std::string CsvField(std::string_view value);

}  // namespace threathub::detect
