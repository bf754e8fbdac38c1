// libFuzzer target for the Telegram Desktop export parser (result.json of one chat): arbitrary
// bytes must give records or clear errors, never a crash. Media paths are resolved against a
// small export folder made once, so that escapes, symbolic links and missing files are
// exercised. Built by fuzz/CMakeLists.txt with clang (`make fuzz`); seeds in
// fuzz/corpus/collect_telegram.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "collect/formats.h"

namespace {

std::string MakeExportFolder() {
  std::string pattern = "/tmp/threathub-telegram-fuzz-XXXXXX";
  const char* folder = ::mkdtemp(pattern.data());
  if (folder == nullptr) return "/nonexistent";
  const std::string photos = std::string(folder) + "/photos";
  ::mkdir(photos.c_str(), 0700);
  std::ofstream(photos + "/photo_1@01-01-2026_00-00-00.jpg") << "\xFF\xD8\xFF\xD9";
  ::symlink("/etc/hostname", (photos + "/outside.jpg").c_str());
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string folder = MakeExportFolder();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  threathub::collect::ParseTelegramResultJson(input, folder).IgnoreError();
  return 0;
}
