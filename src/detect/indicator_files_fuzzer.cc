// libFuzzer target: the indicator and hash list parsers (indicator_files.cc). Whatever the
// input, they return rows and errors without crashing; every row they accept passes the row
// checks, and a written list reads back as the same rows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detect/indicator_files.h"

using namespace threathub::detect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (IndicatorFormat format : {IndicatorFormat::kCsv, IndicatorFormat::kJson}) {
    ParsedIndicators parsed = ParseIndicators(input, format);
    for (const IndicatorRow& row : parsed.rows) {
      if (!CheckIndicatorRow(row).empty()) std::abort();
    }
    for (const std::string& written :
         {WriteIndicatorsCsv(parsed.rows), WriteIndicatorsJson(parsed.rows)}) {
      ParsedIndicators again = ParseIndicators(written, IndicatorFormat::kAuto);
      if (again.rows.size() != parsed.rows.size() || !again.errors.empty()) std::abort();
      for (size_t index = 0; index < again.rows.size(); ++index) {
        IndicatorRow left = again.rows[index];
        IndicatorRow right = parsed.rows[index];
        left.position.clear();
        right.position.clear();
        if (!(left == right)) std::abort();
      }
    }
  }
  for (auto expected : {std::optional<HashAlgorithm>(), std::optional(HashAlgorithm::kPdq),
                        std::optional(HashAlgorithm::kMd5)}) {
    ParsedHashes hashes = ParseHashList(input, expected);
    for (const HashRow& row : hashes.rows) {
      if (row.hash.size() != 32 && row.hash.size() != 64) std::abort();
    }
  }
  return 0;
}
