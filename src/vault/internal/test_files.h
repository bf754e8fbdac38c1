// Helpers for the vault's tests only: a temporary directory removed at the end of the test,
// files in it, and reproducible pseudo-random content.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace threathub::vault::testing {

inline std::string PseudoRandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::string bytes(size, '\0');
  size_t idx = 0;
  for (; idx + 8 <= size; idx += 8) {
    uint64_t word = generator();
    for (size_t byte_idx = 0; byte_idx < 8; ++byte_idx) {
      bytes[idx + byte_idx] = static_cast<char>((word >> (8 * byte_idx)) & 0xff);
    }
  }
  for (; idx < size; ++idx) bytes[idx] = static_cast<char>(generator() & 0xff);
  return bytes;
}

class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(std::string_view prefix = "vault_test") {
    std::string pattern = ::testing::TempDir() + "/" + std::string(prefix) + ".XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::string& path() const { return path_; }
  std::string Child(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Writes `contents` to a file in the directory and returns its path.
  std::string WriteFile(std::string_view name, std::string_view contents) const {
    std::string path = Child(name);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0) << path;
    size_t written = 0;
    while (fd >= 0 && written < contents.size()) {
      ssize_t result = ::write(fd, contents.data() + written, contents.size() - written);
      if (result <= 0) break;
      written += static_cast<size_t>(result);
    }
    EXPECT_EQ(written, contents.size());
    if (fd >= 0) ::close(fd);
    return path;
  }

 private:
  std::string path_;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::string contents;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return contents;
  char buffer[65536];
  ssize_t count;
  while ((count = ::read(fd, buffer, sizeof buffer)) > 0) contents.append(buffer, count);
  ::close(fd);
  return contents;
}

}  // namespace threathub::vault::testing
