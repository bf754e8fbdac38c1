#include "detect/internal/evasion.h"

#include <gtest/gtest.h>

namespace threathub::detect::internal {
namespace {
TEST(EvasionTest, Placeholder) {}
}  // namespace
}  // namespace threathub::detect::internal
