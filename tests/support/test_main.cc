// The main() of every GoogleTest executable: like gtest_main, and it also tells tests where the
// source tree (for ../shared/testdata) and the threathub binary (for integration tests) are,
// unless the environment already says so.
#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  ::setenv("THREATHUB_SOURCE_DIR", THREATHUB_SOURCE_DIR_PATH, /*overwrite=*/0);
  ::setenv("THREATHUB_BINARY", THREATHUB_BINARY_PATH, /*overwrite=*/0);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
