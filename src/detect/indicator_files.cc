#include "detect/indicator_files.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::detect {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kIndicatorColumns[] = {"kind",     "pattern",  "language",
                                                  "category", "severity", "notes"};
constexpr std::string_view kKinds[] = {"term", "phrase", "regex"};
constexpr std::string_view kLanguages[] = {"kk", "ru", "en", "any"};
constexpr std::string_view kSeverities[] = {"low", "medium", "high", "critical"};
// More errors than this are counted in one last error rather than listed.
constexpr size_t kMaxErrors = 1000;

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&options)[N]) {
  return std::find(std::begin(options), std::end(options), value) != std::end(options);
}

bool HasControl(std::string_view value, bool allow_newlines) {
  for (char symbol : value) {
    unsigned char byte = static_cast<unsigned char>(symbol);
    if (allow_newlines && (symbol == '\n' || symbol == '\t')) continue;
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

void AddError(std::vector<FileError>& errors, std::string position, std::string error) {
  if (errors.size() < kMaxErrors) {
    errors.push_back({std::move(position), std::move(error)});
  } else if (errors.size() == kMaxErrors) {
    errors.push_back({"input", "too many errors: the rest are not listed"});
  }
}

std::string Lower(std::string_view text) {
  return base::AsciiStrToLower(base::StripAsciiWhitespace(text));
}

bool IsHex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char symbol) {
    return (symbol >= '0' && symbol <= '9') || (symbol >= 'a' && symbol <= 'f') ||
           (symbol >= 'A' && symbol <= 'F');
  });
}

std::string_view StripBom(std::string_view bytes) {
  if (base::StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  return bytes;
}

ParsedIndicators ParseCsv(std::string_view bytes) {
  ParsedIndicators parsed;
  std::vector<CsvRecord> records;
  FileError error;
  if (!ReadCsv(bytes, records, error)) parsed.errors.push_back(error);
  // Records with only blank fields (blank lines) are skipped.
  std::erase_if(records, [](const CsvRecord& record) {
    return std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& field) {
      return base::StripAsciiWhitespace(field).empty();
    });
  });
  if (records.empty()) return parsed;
  std::map<std::string, size_t> columns;
  for (size_t column = 0; column < records[0].fields.size(); ++column) {
    std::string name = Lower(records[0].fields[column]);
    if (!OneOf(name, kIndicatorColumns)) {
      AddError(parsed.errors, base::StrCat("line ", records[0].line),
               base::StrCat("unknown column \"", name,
                            "\" (expected kind, pattern, language, category, severity, notes)"));
      continue;
    }
    columns[name] = column;
  }
  if (!columns.count("pattern")) {
    AddError(parsed.errors, base::StrCat("line ", records[0].line),
             "the header has no \"pattern\" column (expected kind,pattern,language,category,"
             "severity,notes)");
    return parsed;
  }
  for (size_t index = 1; index < records.size(); ++index) {
    const CsvRecord& record = records[index];
    std::string position = base::StrCat("line ", record.line);
    if (record.fields.size() > records[0].fields.size()) {
      AddError(parsed.errors, position,
               base::StrCat(record.fields.size(), " fields where the header has ",
                            records[0].fields.size()));
      continue;
    }
    IndicatorRow row;
    auto field = [&](const char* name) -> std::optional<std::string> {
      auto found = columns.find(name);
      if (found == columns.end() || found->second >= record.fields.size()) return std::nullopt;
      return record.fields[found->second];
    };
    if (auto value = field("kind"); value && !Lower(*value).empty()) row.kind = Lower(*value);
    if (auto value = field("pattern")) row.pattern = *value;
    if (auto value = field("language"); value && !Lower(*value).empty()) {
      row.language = Lower(*value);
    }
    if (auto value = field("category")) row.category = base::StripAsciiWhitespace(*value);
    if (auto value = field("severity"); value && !Lower(*value).empty()) {
      row.severity = Lower(*value);
    }
    if (auto value = field("notes")) row.notes = *value;
    row.position = position;
    std::string problem = CheckIndicatorRow(row);
    if (!problem.empty()) {
      AddError(parsed.errors, position, problem);
      continue;
    }
    parsed.rows.push_back(std::move(row));
  }
  return parsed;
}

ParsedIndicators ParseJson(std::string_view bytes) {
  ParsedIndicators parsed;
  // Parsed with exceptions, for the error's position; a number too large (33e6339) is not a
  // parse_error but out_of_range 406, caught as well.
  Json document;
  try {
    document = Json::parse(bytes.begin(), bytes.end());
  } catch (const Json::parse_error& failure) {
    parsed.errors.push_back({base::StrCat("byte ", failure.byte), "not valid JSON"});
    return parsed;
  } catch (const Json::exception& failure) {
    parsed.errors.push_back({"input", base::StrCat("not valid JSON: ", failure.what())});
    return parsed;
  }
  if (!document.is_object() || !document.contains("indicators") ||
      !document["indicators"].is_array()) {
    parsed.errors.push_back({"input", "expected {\"indicators\": [...]}"});
    return parsed;
  }
  const Json& list = document["indicators"];
  for (size_t index = 0; index < list.size(); ++index) {
    std::string position = base::StrCat("indicators[", index, "]");
    const Json& entry = list[index];
    if (!entry.is_object()) {
      AddError(parsed.errors, position, "expected an object");
      continue;
    }
    IndicatorRow row;
    row.position = position;
    std::string problem;
    for (const auto& [key, value] : entry.items()) {
      // Fields a list's export adds (id, active, counts) are read over.
      if (!OneOf(key, kIndicatorColumns)) continue;
      if (!value.is_string()) {
        problem = base::StrCat(key, ": expected a string");
        break;
      }
      std::string text = value.get<std::string>();
      if (key == "kind") {
        if (!Lower(text).empty()) row.kind = Lower(text);
      } else if (key == "pattern") {
        row.pattern = text;
      } else if (key == "language") {
        if (!Lower(text).empty()) row.language = Lower(text);
      } else if (key == "category") {
        row.category = base::StripAsciiWhitespace(text);
      } else if (key == "severity") {
        if (!Lower(text).empty()) row.severity = Lower(text);
      } else if (key == "notes") {
        row.notes = text;
      }
    }
    if (problem.empty()) problem = CheckIndicatorRow(row);
    if (!problem.empty()) {
      AddError(parsed.errors, position, problem);
      continue;
    }
    parsed.rows.push_back(std::move(row));
  }
  return parsed;
}

}  // namespace

std::optional<IndicatorFormat> ParseIndicatorFormat(std::string_view name) {
  if (name == "csv") return IndicatorFormat::kCsv;
  if (name == "json") return IndicatorFormat::kJson;
  return std::nullopt;
}

std::string CheckIndicatorRow(const IndicatorRow& row, std::string* field) {
  auto fail = [&](const char* name, std::string message) {
    if (field != nullptr) *field = name;
    return base::StrCat(name, ": ", message);
  };
  if (!OneOf(row.kind, kKinds)) return fail("kind", "expected term, phrase or regex");
  if (base::StripAsciiWhitespace(row.pattern).empty()) return fail("pattern", "required");
  if (row.pattern.size() > kMaxPatternBytes) {
    return fail("pattern", base::StrCat("at most ", kMaxPatternBytes, " bytes"));
  }
  if (!base::IsValidUtf8(row.pattern)) return fail("pattern", "not valid UTF-8");
  if (HasControl(row.pattern, false)) return fail("pattern", "control characters");
  if (!OneOf(row.language, kLanguages)) return fail("language", "expected kk, ru, en or any");
  if (!OneOf(row.severity, kSeverities)) {
    return fail("severity", "expected low, medium, high or critical");
  }
  if (row.category.size() > kMaxCategoryBytes || !base::IsValidUtf8(row.category) ||
      HasControl(row.category, false)) {
    return fail("category", base::StrCat("at most ", kMaxCategoryBytes, " bytes of text"));
  }
  if (row.notes.size() > kMaxNotesBytes || !base::IsValidUtf8(row.notes) ||
      HasControl(row.notes, true)) {
    return fail("notes", base::StrCat("at most ", kMaxNotesBytes, " bytes of text"));
  }
  return "";
}

ParsedIndicators ParseIndicators(std::string_view bytes, IndicatorFormat format) {
  bytes = StripBom(bytes);
  if (format == IndicatorFormat::kAuto) {
    std::string_view start = base::StripAsciiWhitespace(bytes);
    format =
        !start.empty() && start.front() == '{' ? IndicatorFormat::kJson : IndicatorFormat::kCsv;
  }
  return format == IndicatorFormat::kJson ? ParseJson(bytes) : ParseCsv(bytes);
}

std::string WriteIndicatorsCsv(const std::vector<IndicatorRow>& rows) {
  std::string out = "kind,pattern,language,category,severity,notes\r\n";
  for (const IndicatorRow& row : rows) {
    base::StrAppend(&out, CsvField(row.kind), ",", CsvField(row.pattern), ",",
                    CsvField(row.language), ",", CsvField(row.category), ",",
                    CsvField(row.severity), ",", CsvField(row.notes), "\r\n");
  }
  return out;
}

std::string WriteIndicatorsJson(const std::vector<IndicatorRow>& rows) {
  Json list = Json::array();
  for (const IndicatorRow& row : rows) {
    list.push_back({{"kind", row.kind},
                    {"pattern", row.pattern},
                    {"language", row.language},
                    {"category", row.category},
                    {"severity", row.severity},
                    {"notes", row.notes}});
  }
  return Json{{"indicators", list}}.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string CsvField(std::string_view value) {
  // A field a spreadsheet would take for a formula stays as it is: the file is read by this
  // program and by people, and a changed pattern would be a different indicator.
  if (value.find_first_of(",\"\r\n") == std::string_view::npos &&
      (value.empty() || (value.front() != ' ' && value.back() != ' '))) {
    return std::string(value);
  }
  std::string quoted = "\"";
  for (char symbol : value) {
    if (symbol == '"') quoted += '"';
    quoted += symbol;
  }
  quoted += '"';
  return quoted;
}

bool ReadCsv(std::string_view bytes, std::vector<CsvRecord>& records, FileError& error) {
  size_t pos = 0;
  size_t line = 1;
  while (pos < bytes.size()) {
    CsvRecord record;
    record.line = line;
    std::string field;
    bool in_record = true;
    while (in_record) {
      field.clear();
      if (pos < bytes.size() && bytes[pos] == '"') {
        size_t quote_line = line;
        ++pos;
        bool closed = false;
        while (pos < bytes.size()) {
          char symbol = bytes[pos];
          if (symbol == '"') {
            if (pos + 1 < bytes.size() && bytes[pos + 1] == '"') {
              field += '"';
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          if (symbol == '\n') ++line;
          field += symbol;
          ++pos;
        }
        if (!closed) {
          error = {base::StrCat("line ", quote_line), "a quoted field is not closed"};
          return false;
        }
        // Text after the closing quote up to the separator is kept (lenient).
        while (pos < bytes.size() && bytes[pos] != ',' && bytes[pos] != '\n') {
          if (bytes[pos] != '\r') field += bytes[pos];
          ++pos;
        }
      } else {
        while (pos < bytes.size() && bytes[pos] != ',' && bytes[pos] != '\n') {
          field += bytes[pos];
          ++pos;
        }
        if (!field.empty() && field.back() == '\r') field.pop_back();
      }
      record.fields.push_back(field);
      if (pos >= bytes.size()) {
        in_record = false;
      } else if (bytes[pos] == ',') {
        ++pos;
        if (pos >= bytes.size()) record.fields.emplace_back();
      } else {  // '\n'
        ++pos;
        ++line;
        in_record = false;
      }
    }
    records.push_back(std::move(record));
  }
  return true;
}

std::string_view HashAlgorithmName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kPdq:
      return "pdq";
    case HashAlgorithm::kMd5:
      return "md5";
    case HashAlgorithm::kSha256:
      return "sha256";
  }
  return "pdq";
}

std::optional<HashAlgorithm> ParseHashAlgorithm(std::string_view name) {
  std::string lower = Lower(name);
  if (lower == "pdq") return HashAlgorithm::kPdq;
  if (lower == "md5") return HashAlgorithm::kMd5;
  if (lower == "sha256" || lower == "sha-256") return HashAlgorithm::kSha256;
  return std::nullopt;
}

size_t HashHexLength(HashAlgorithm algorithm) { return algorithm == HashAlgorithm::kMd5 ? 32 : 64; }

std::optional<HashAlgorithm> RowAlgorithm(const HashRow& row) {
  if (!row.algorithm.empty()) return ParseHashAlgorithm(row.algorithm);
  if (row.hash.size() == 32) return HashAlgorithm::kMd5;
  if (row.hash.size() == 64) return HashAlgorithm::kPdq;
  return std::nullopt;
}

ParsedHashes ParseHashList(std::string_view bytes, std::optional<HashAlgorithm> expected) {
  ParsedHashes parsed;
  bytes = StripBom(bytes);
  auto check = [&](HashRow& row) -> std::string {
    row.hash = base::AsciiStrToLower(base::StripAsciiWhitespace(row.hash));
    if (!IsHex(row.hash)) return "the hash is not hexadecimal";
    std::optional<HashAlgorithm> algorithm;
    if (!row.algorithm.empty()) {
      algorithm = ParseHashAlgorithm(row.algorithm);
      if (!algorithm) {
        return base::StrCat("algorithm \"", row.algorithm, "\": expected pdq, md5 or sha256");
      }
      if (expected && *algorithm != *expected) {
        return base::StrCat("a ", HashAlgorithmName(*algorithm), " hash in a ",
                            HashAlgorithmName(*expected), " list");
      }
    }
    if (!algorithm) algorithm = expected;
    if (algorithm) {
      if (row.hash.size() != HashHexLength(*algorithm)) {
        return base::StrCat("a ", HashAlgorithmName(*algorithm), " hash has ",
                            HashHexLength(*algorithm), " hex digits, this one ", row.hash.size());
      }
    } else if (row.hash.size() != 32 && row.hash.size() != 64) {
      return base::StrCat("expected 32 (md5) or 64 (pdq, sha256) hex digits, not ",
                          row.hash.size());
    }
    for (std::string* text : {&row.label, &row.source, &row.ideology, &row.file_type}) {
      *text = std::string(base::StripAsciiWhitespace(*text));
      if (text->size() > 500 || !base::IsValidUtf8(*text) || HasControl(*text, false)) {
        return "label, source, ideology and file_type: at most 500 bytes of text each";
      }
    }
    return "";
  };
  // The first line that is neither blank nor a comment decides: a header naming a hash column
  // makes it CSV.
  std::string_view first;
  size_t first_start = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = base::StripAsciiWhitespace(bytes.substr(pos, end - pos));
    if (!line.empty() && line.front() != '#') {
      first = line;
      first_start = pos;
      break;
    }
    pos = end + 1;
  }
  bool csv = false;
  for (std::string_view name : base::StrSplit(first, ',')) {
    std::string column = Lower(name);
    if (column.size() >= 2 && column.front() == '"' && column.back() == '"') {
      column = column.substr(1, column.size() - 2);
    }
    if (column == "hash" || column == "hash_digest") csv = true;
  }
  if (!csv) {
    size_t line_number = 1;
    for (size_t pos = 0; pos < bytes.size(); ++line_number) {
      size_t end = bytes.find('\n', pos);
      if (end == std::string_view::npos) end = bytes.size();
      std::string_view line = base::StripAsciiWhitespace(bytes.substr(pos, end - pos));
      pos = end + 1;
      if (line.empty() || line.front() == '#') continue;
      HashRow row;
      // A hex line may carry a label after white space or a comma ("<hash> label").
      size_t split = line.find_first_of(" \t,");
      row.hash = std::string(line.substr(0, split));
      if (split != std::string_view::npos) {
        row.label = std::string(base::StripAsciiWhitespace(line.substr(split + 1)));
      }
      row.position = base::StrCat("line ", line_number);
      std::string problem = check(row);
      if (!problem.empty()) {
        AddError(parsed.errors, row.position, problem);
        continue;
      }
      parsed.rows.push_back(std::move(row));
    }
    return parsed;
  }
  // Lines before the header (comments) keep their numbers.
  size_t skipped_lines = static_cast<size_t>(
      std::count(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(first_start), '\n'));
  std::vector<CsvRecord> records;
  FileError error;
  if (!ReadCsv(bytes.substr(first_start), records, error)) {
    size_t line = 0;
    if (base::SimpleAtoi(error.position.substr(5), &line)) {
      error.position = base::StrCat("line ", line + skipped_lines);
    }
    parsed.errors.push_back(error);
  }
  if (records.empty()) return parsed;
  std::map<std::string, size_t> columns;
  for (size_t column = 0; column < records[0].fields.size(); ++column) {
    std::string name = Lower(records[0].fields[column]);
    if (name == "hash_digest") name = "hash";
    if (name == "hash_type" || name == "signal_type") name = "algorithm";
    columns.emplace(name, column);
  }
  for (size_t index = 1; index < records.size(); ++index) {
    const CsvRecord& record = records[index];
    if (std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& field) {
          return base::StripAsciiWhitespace(field).empty();
        })) {
      continue;
    }
    HashRow row;
    row.position = base::StrCat("line ", record.line + skipped_lines);
    if (!record.fields.empty() && base::StartsWith(record.fields[0], "#")) continue;
    auto field = [&](const char* name) -> std::string {
      auto found = columns.find(name);
      if (found == columns.end() || found->second >= record.fields.size()) return "";
      return record.fields[found->second];
    };
    row.hash = field("hash");
    row.label = field("label");
    row.source = field("source");
    row.algorithm = std::string(base::StripAsciiWhitespace(field("algorithm")));
    row.ideology = field("ideology");
    row.file_type = field("file_type");
    std::string problem = check(row);
    if (!problem.empty()) {
      AddError(parsed.errors, row.position, problem);
      continue;
    }
    parsed.rows.push_back(std::move(row));
  }
  return parsed;
}

}  // namespace threathub::detect
