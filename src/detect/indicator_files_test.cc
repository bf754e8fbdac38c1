// The indicator and hash list formats: table-driven reads of good and bad files, positions of
// bad rows, and writing then reading back.
#include "detect/indicator_files.h"

#include <gtest/gtest.h>

namespace threathub::detect {
namespace {

TEST(IndicatorFilesTest, CsvRowsAreReadWithDefaultsAndBadRowsNamedByLine) {
  ParsedIndicators parsed = ParseIndicators(
      "kind,pattern,language,category,severity,notes\n"
      "term,террор,ru,terrorism,high,\n"
      ",\"джихад, газават\",,,,\"line one\nline two\"\n"
      "regex,бомб[аы],ru,explosives,critical,x\n"
      "\n"
      "word,x,ru,,high,\n"
      "term,,ru,,high,\n"
      "term,қару,kk,,urgent,\n",
      IndicatorFormat::kAuto);
  ASSERT_EQ(parsed.rows.size(), 3u);
  EXPECT_EQ(parsed.rows[0].pattern, "террор");
  EXPECT_EQ(parsed.rows[0].severity, "high");
  EXPECT_EQ(parsed.rows[0].position, "line 2");
  EXPECT_EQ(parsed.rows[1].kind, "term");
  EXPECT_EQ(parsed.rows[1].pattern, "джихад, газават");
  EXPECT_EQ(parsed.rows[1].language, "any");
  EXPECT_EQ(parsed.rows[1].severity, "medium");
  EXPECT_EQ(parsed.rows[1].notes, "line one\nline two");
  EXPECT_EQ(parsed.rows[2].kind, "regex");
  EXPECT_EQ(parsed.rows[2].position, "line 5");
  ASSERT_EQ(parsed.errors.size(), 3u);
  EXPECT_EQ(parsed.errors[0].position, "line 7");
  EXPECT_EQ(parsed.errors[0].error, "kind: expected term, phrase or regex");
  EXPECT_EQ(parsed.errors[1].position, "line 8");
  EXPECT_EQ(parsed.errors[1].error, "pattern: required");
  EXPECT_EQ(parsed.errors[2].position, "line 9");
}

TEST(IndicatorFilesTest, ColumnsMayComeInAnyOrderButPatternIsRequired) {
  ParsedIndicators parsed =
      ParseIndicators("Pattern,Severity\nтеррор,LOW\n", IndicatorFormat::kCsv);
  ASSERT_EQ(parsed.rows.size(), 1u);
  EXPECT_EQ(parsed.rows[0].severity, "low");
  ParsedIndicators no_pattern = ParseIndicators("kind,notes\nterm,x\n", IndicatorFormat::kCsv);
  EXPECT_TRUE(no_pattern.rows.empty());
  ASSERT_EQ(no_pattern.errors.size(), 1u);
  EXPECT_EQ(no_pattern.errors[0].position, "line 1");
}

TEST(IndicatorFilesTest, AnUnclosedQuoteIsReportedWhereItOpens) {
  ParsedIndicators parsed =
      ParseIndicators("kind,pattern\nterm,a\nterm,\"b\nterm,c\n", IndicatorFormat::kCsv);
  ASSERT_FALSE(parsed.errors.empty());
  EXPECT_EQ(parsed.errors[0].position, "line 3");
  EXPECT_EQ(parsed.rows.size(), 1u);
}

TEST(IndicatorFilesTest, JsonEntriesAreReadAndBadOnesNamedByIndex) {
  ParsedIndicators parsed = ParseIndicators(
      R"({"indicators":[{"kind":"phrase","pattern":"священная война","language":"ru"},)"
      R"({"pattern":5},{"pattern":"x","severity":"extreme"},"text",)"
      R"({"id":7,"pattern":"жиһад","active":true}]})",
      IndicatorFormat::kAuto);
  ASSERT_EQ(parsed.rows.size(), 2u);
  EXPECT_EQ(parsed.rows[0].kind, "phrase");
  EXPECT_EQ(parsed.rows[1].pattern, "жиһад");
  ASSERT_EQ(parsed.errors.size(), 3u);
  EXPECT_EQ(parsed.errors[0].position, "indicators[1]");
  EXPECT_EQ(parsed.errors[1].position, "indicators[2]");
  EXPECT_EQ(parsed.errors[2].position, "indicators[3]");
  EXPECT_EQ(ParseIndicators("{\"indicators\": [", IndicatorFormat::kJson).errors.size(), 1u);
  EXPECT_EQ(ParseIndicators("[]", IndicatorFormat::kJson).errors[0].position, "input");
}

// Found by the fuzzer: a number too large is nlohmann's out_of_range, not a parse_error.
TEST(IndicatorFilesTest, AnOverflowingJsonNumberIsAnErrorNotAnException) {
  ParsedIndicators parsed = ParseIndicators("{\"indicators\":[33e6339]}", IndicatorFormat::kJson);
  EXPECT_TRUE(parsed.rows.empty());
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].position, "input");
}

TEST(IndicatorFilesTest, WrittenFilesReadBackTheSame) {
  std::vector<IndicatorRow> rows = {
      {.kind = "term", .pattern = "террор", .language = "ru", .category = "t", .severity = "high"},
      {.kind = "regex", .pattern = "a,\"b\"", .notes = "two\nlines"},
      {.kind = "phrase", .pattern = " leading space", .category = "=cmd()"}};
  for (IndicatorFormat format : {IndicatorFormat::kCsv, IndicatorFormat::kJson}) {
    std::string written =
        format == IndicatorFormat::kCsv ? WriteIndicatorsCsv(rows) : WriteIndicatorsJson(rows);
    ParsedIndicators parsed = ParseIndicators(written, IndicatorFormat::kAuto);
    EXPECT_TRUE(parsed.errors.empty()) << written;
    ASSERT_EQ(parsed.rows.size(), rows.size()) << written;
    for (size_t index = 0; index < rows.size(); ++index) {
      IndicatorRow read = parsed.rows[index];
      read.position.clear();
      EXPECT_EQ(read, rows[index]) << written;
    }
  }
}

struct HashCase {
  std::string name;
  std::string input;
  std::optional<HashAlgorithm> expected;
  size_t rows;
  std::vector<std::string> error_positions;
};

class HashListTest : public ::testing::TestWithParam<HashCase> {};

TEST_P(HashListTest, ReadsRowsAndNamesBadOnes) {
  const HashCase& test = GetParam();
  ParsedHashes parsed = ParseHashList(test.input, test.expected);
  EXPECT_EQ(parsed.rows.size(), test.rows);
  std::vector<std::string> positions;
  for (const FileError& error : parsed.errors) positions.push_back(error.position);
  EXPECT_EQ(positions, test.error_positions);
}

const std::string kPdq = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
const std::string kMd5 = "0123456789ABCDEF0123456789abcdef";

INSTANTIATE_TEST_SUITE_P(
    Formats, HashListTest,
    ::testing::Values(
        HashCase{"HexLines",
                 "# comment\n" + kPdq + "\n\n" + kPdq + " bridge\nxyz\n",
                 HashAlgorithm::kPdq,
                 2,
                 {"line 5"}},
        HashCase{"WrongLength", kMd5 + "\n", HashAlgorithm::kPdq, 0, {"line 1"}},
        HashCase{
            "GuessedAlgorithms", kMd5 + "\n" + kPdq + "\n" + "abc\n", std::nullopt, 2, {"line 3"}},
        HashCase{"CsvWithServiceNames",
                 "hash_digest,algorithm,label,ideology,file_type\n" + kPdq + ",PDQ,demo,x,photo\n" +
                     kMd5 + ",MD5,m,,\n" + kPdq + ",sha-256,s,,\n" + "zz,pdq,,,\n",
                 std::nullopt,
                 3,
                 {"line 5"}},
        HashCase{"CsvAlgorithmMismatch",
                 "hash,algorithm\n" + kMd5 + ",md5\n",
                 HashAlgorithm::kPdq,
                 0,
                 {"line 2"}},
        HashCase{"CsvAfterComments",
                 "# list\n# v2\nhash,label\n" + kPdq + ",a\nbad,b\n",
                 HashAlgorithm::kPdq,
                 1,
                 {"line 5"}},
        HashCase{"Empty", "", HashAlgorithm::kSha256, 0, {}}),
    [](const ::testing::TestParamInfo<HashCase>& info) { return info.param.name; });

TEST(IndicatorFilesTest, HashesAreStoredLowerCaseWithTheirFields) {
  ParsedHashes parsed =
      ParseHashList("hash,label,source,ideology,file_type\n" + kMd5 + ",лейбл,tx,violent,video\n",
                    HashAlgorithm::kMd5);
  ASSERT_EQ(parsed.rows.size(), 1u);
  EXPECT_EQ(parsed.rows[0].hash, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(parsed.rows[0].label, "лейбл");
  EXPECT_EQ(parsed.rows[0].source, "tx");
  EXPECT_EQ(parsed.rows[0].ideology, "violent");
  EXPECT_EQ(parsed.rows[0].file_type, "video");
  EXPECT_EQ(RowAlgorithm(parsed.rows[0]), HashAlgorithm::kMd5);
}

}  // namespace
}  // namespace threathub::detect
