#include "requests/directory.h"

#include <gtest/gtest.h>

namespace threathub::requests {
namespace {

TEST(DirectoryTest, SeedLoads) { ASSERT_TRUE(Directory::LoadSeed().ok()); }

}  // namespace
}  // namespace threathub::requests
