#include "requests/document.h"

#include <gtest/gtest.h>

namespace threathub::requests {
namespace {

TEST(DocumentTest, RendersPreservation) {
  absl::StatusOr<Directory> directory = Directory::LoadSeed();
  ASSERT_TRUE(directory.ok()) << directory.status();
  DocumentInput input;
  input.reference = "REQ-1";
  absl::StatusOr<std::string> pdf = RenderRequestDocument(*directory, input, "ru");
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_TRUE(pdf->starts_with("%PDF"));
}

}  // namespace
}  // namespace threathub::requests
