#include "auth/password.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace threathub::auth {
namespace {

std::string ReasonOf(const absl::Status& status) { return base::StatusReason(status).value_or(""); }

TEST(PasswordPolicy, LengthInCharactersNotBytes) {
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("short-pass1", "user")), "password_too_short");
  // 12 Cyrillic letters are 24 bytes but 12 characters: long enough.
  EXPECT_TRUE(CheckPasswordPolicy("бүркітқазақж", "user").ok());
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("бүркітқазақ", "user")), "password_too_short");
}

TEST(PasswordPolicy, AcceptsLongPassphrasesWithoutCompositionRules) {
  EXPECT_TRUE(CheckPasswordPolicy(std::string(64, 'x') + "y", "user").ok());
  EXPECT_TRUE(CheckPasswordPolicy("correct horse battery staple", "user").ok());
  EXPECT_TRUE(CheckPasswordPolicy(std::string(256, 'q'), "user").ok());
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy(std::string(257, 'q'), "user")), "password_too_long");
}

TEST(PasswordPolicy, RefusesCommonPasswordsAndTheUsername) {
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("password1234", "user")), "password_common");
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("QwertyUiop123", "user")), "password_common");
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("123456789012", "user")), "password_common");
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("my-name-is-investigator", "investigator")),
            "password_contains_username");
  absl::Status status = CheckPasswordPolicy("password1234", "user", "new_password");
  EXPECT_EQ(base::StatusField(status), "new_password");
}

TEST(PasswordPolicy, RefusesInvalidUtf8) {
  EXPECT_EQ(ReasonOf(CheckPasswordPolicy("abcdefghijkl\xff", "user")), "password_invalid_utf8");
}

TEST(PasswordHash, IsArgon2idAndVerifies) {
  Argon2Cost cost{.ops = 1, .memory_bytes = 64 << 10};
  absl::StatusOr<std::string> hash = HashPassword("correct horse battery", cost);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterY", *hash));
  EXPECT_NE(*hash, *HashPassword("correct horse battery", cost));  // salted
}

TEST(PasswordGenerator, PassesThePolicy) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    EXPECT_TRUE(CheckPasswordPolicy(GeneratePassword(), "someone").ok());
  }
}

}  // namespace
}  // namespace threathub::auth
