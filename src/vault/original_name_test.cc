#include "vault/original_name.h"

#include <string>

#include "base/errors.h"
#include "gtest/gtest.h"

namespace threathub::vault {
namespace {

TEST(OriginalNameTest, OrdinaryNamesAreKeptByteForByte) {
  for (std::string_view name :
       {"report.pdf", "IMG_0001.JPG", "  spaced  name .txt", "...", ".hidden", "a..b",
        "Қазақстан — отчёт.docx", "日本語.txt", "emoji 📁.zip", "no-extension"}) {
    absl::StatusOr<std::string> sanitized = SanitizeOriginalName(name);
    ASSERT_TRUE(sanitized.ok()) << name << ": " << sanitized.status();
    EXPECT_EQ(*sanitized, name);
  }
}

TEST(OriginalNameTest, LongestAcceptedNameIs255Bytes) {
  EXPECT_TRUE(SanitizeOriginalName(std::string(255, 'a')).ok());
  // 127 two-byte letters and one 'a': 255 bytes.
  std::string cyrillic;
  for (int letter_idx = 0; letter_idx < 127; ++letter_idx) cyrillic += "ж";
  EXPECT_TRUE(SanitizeOriginalName(cyrillic + "a").ok());
  EXPECT_FALSE(SanitizeOriginalName(cyrillic + "ж").ok());
}

struct BadName {
  std::string name;
  std::string why;  // part of the message
};

TEST(OriginalNameTest, UnsafeNamesAreRefusedWithTheReason) {
  const BadName kBadNames[] = {
      {"", "empty"},
      {".", "\".\""},
      {"..", "\".\""},
      {"../../etc/passwd", "path separator"},
      {"dir/file.txt", "path separator"},
      {"/absolute", "path separator"},
      {"C:\\Windows\\evil.exe", "path separator"},
      {"..\\up", "path separator"},
      {std::string("nul\0byte", 8), "NUL"},
      {"line\nbreak", "control character"},
      {"carriage\rreturn", "control character"},
      {"tab\there", "control character"},
      {"delete\x7f", "control character"},
      {"latin1 caf\xe9", "UTF-8"},
      {"truncated \xd0", "UTF-8"},
      {"overlong \xc0\xaf", "UTF-8"},
      {"surrogate \xed\xa0\x80", "UTF-8"},
      {std::string(256, 'a'), "longer than 255 bytes"},
  };
  for (const BadName& bad : kBadNames) {
    absl::StatusOr<std::string> sanitized = SanitizeOriginalName(bad.name);
    ASSERT_EQ(sanitized.status().code(), absl::StatusCode::kInvalidArgument) << bad.name;
    EXPECT_NE(sanitized.status().message().find(bad.why), absl::string_view::npos)
        << bad.name << ": " << sanitized.status();
    EXPECT_EQ(base::StatusField(sanitized.status()), "name");
  }
}

}  // namespace
}  // namespace threathub::vault
