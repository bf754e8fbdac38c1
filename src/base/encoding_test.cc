#include "base/encoding.h"
#include "base/strings.h"

#include <gtest/gtest.h>

namespace threathub::base {
namespace {

TEST(Hex, RoundTrips) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0"));
  EXPECT_FALSE(HexDecode("zz"));
}

TEST(Base64, MatchesRfc4648Vectors) {
  // RFC 4648 section 10.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::string(plain));
  }
  EXPECT_FALSE(Base64Decode("Zg="));
  EXPECT_FALSE(Base64Decode("Z=g="));
}

TEST(Base32, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), std::string("foobar"));
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), std::string("foobar"));
  EXPECT_FALSE(Base32Decode("M1"));
}

TEST(Utf8, AcceptsKazakhAndRefusesMalformed) {
  EXPECT_TRUE(IsValidUtf8("Қазақстан Республикасы"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xE2\x82"));       // truncated
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8ToLower, FoldsLatinCyrillicAndKazakhLetters) {
  EXPECT_EQ(Utf8ToLower("ABC Мошенничество ҚАРЖЫ ӘҒҢӨҰҮҺІ Ёж"),
            "abc мошенничество қаржы әғңөұүһі ёж");
  EXPECT_EQ(Utf8ToLower("x\xff"), "x\xff");  // not UTF-8: bytes pass through
}

TEST(Sha256, MatchesKnownDigest) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RandomBytes, AreFreshEachTime) {
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

}  // namespace
}  // namespace threathub::base
