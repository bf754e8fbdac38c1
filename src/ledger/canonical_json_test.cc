#include "ledger/canonical_json.h"

#include <gtest/gtest.h>

namespace threathub::ledger {
namespace {

TEST(CanonicalJsonTest, MembersAreSortedWithoutWhiteSpace) {
  CanonicalObject inner;
  inner.Int("b", 2).Int("a", -1);
  CanonicalObject object;
  object.String("zeta", "z").Null("alpha").Object("mid", inner).OptionalInt("none", std::nullopt);
  EXPECT_EQ(*object.Serialize(), R"({"alpha":null,"mid":{"a":-1,"b":2},"none":null,"zeta":"z"})");
  EXPECT_EQ(*CanonicalObject().Serialize(), "{}");
}

TEST(CanonicalJsonTest, StringsAreEscapedAsRfc8785Says) {
  CanonicalObject object;
  object.String("s", std::string("\"\\/\b\f\n\r\t\x01\x1f\x7f", 11) + "Қазақстан €𝄞");
  EXPECT_EQ(*object.Serialize(),
            "{\"s\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f"
            "Қазақстан €𝄞\"}");
  CanonicalObject with_nul;
  with_nul.String("s", std::string("a\0b", 3));
  EXPECT_EQ(*with_nul.Serialize(), "{\"s\":\"a\\u0000b\"}");
}

TEST(CanonicalJsonTest, IntegersStayWithinWhatADoubleHoldsExactly) {
  CanonicalObject edge;
  edge.Int("max", kMaxCanonicalInt).Int("min", -kMaxCanonicalInt).Int("zero", 0);
  EXPECT_EQ(*edge.Serialize(), R"({"max":9007199254740991,"min":-9007199254740991,"zero":0})");
  CanonicalObject too_big;
  too_big.Int("n", kMaxCanonicalInt + 1);
  EXPECT_EQ(too_big.Serialize().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CanonicalJsonTest, MistakesAreReported) {
  CanonicalObject repeated;
  repeated.Int("a", 1).String("a", "x");
  EXPECT_EQ(repeated.Serialize().status().code(), absl::StatusCode::kInvalidArgument);
  CanonicalObject upper_case_key;
  upper_case_key.Int("A", 1);
  EXPECT_EQ(upper_case_key.Serialize().status().code(), absl::StatusCode::kInvalidArgument);
  CanonicalObject bad_text;
  bad_text.String("s", "\xc3\x28");
  EXPECT_EQ(bad_text.Serialize().status().code(), absl::StatusCode::kInvalidArgument);
  CanonicalObject bad_inner;
  bad_inner.Int("", 1);
  CanonicalObject outer;
  outer.Object("inner", bad_inner);
  EXPECT_EQ(outer.Serialize().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threathub::ledger
