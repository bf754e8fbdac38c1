#include "auth/totp.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace threathub::auth {
namespace {

constexpr char kRfcSecret[] = "12345678901234567890";  // RFC 6238 appendix B, SHA-1

TEST(Totp, MatchesRfc6238Vectors) {
  // The RFC lists 8-digit codes; ours are their last 6 digits.
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
      {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
  for (const auto& [seconds, code] : vectors) {
    EXPECT_EQ(TotpCode(kRfcSecret, seconds / kTotpStepSeconds), code) << seconds;
  }
}

TEST(Totp, AcceptsAdjacentStepsOnlyOnce) {
  base::Millis now = 1'234'567'890'000;
  int64_t step = now / 1000 / kTotpStepSeconds;
  absl::StatusOr<int64_t> accepted = VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step), now, 0);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(*accepted, step);
  // The same code after it was used: refused.
  EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step), now, step).status().code(),
            absl::StatusCode::kUnauthenticated);
  // One step early or late is tolerated; two is not.
  EXPECT_TRUE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step - 1), now, 0).ok());
  EXPECT_TRUE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step + 1), now, 0).ok());
  EXPECT_FALSE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step + 2), now, 0).ok());
  EXPECT_FALSE(VerifyTotp(kRfcSecret, "12345", now, 0).ok());
}

TEST(Totp, OtpauthUriCarriesBase32Secret) {
  std::string uri = OtpauthUri("threathub", "d.akhmetov", kRfcSecret);
  EXPECT_EQ(uri,
            "otpauth://totp/threathub:d.akhmetov?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=threathub&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(GenerateTotpSecret().size(), 20u);
}

}  // namespace
}  // namespace threathub::auth
