#include "requests/mailer.h"

#include <gtest/gtest.h>

namespace threathub::requests {
namespace {

TEST(FormatMessageTest, EndsWithCrlf) {
  std::string message = FormatMessage({.from = "th@police.kz"}, {.to = {"a@b.kz"}, .subject = "s", .body = "x"}, 0);
  EXPECT_TRUE(message.ends_with("\r\n"));
}

}  // namespace
}  // namespace threathub::requests
