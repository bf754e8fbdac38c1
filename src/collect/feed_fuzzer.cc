// libFuzzer target for the collection parser of RSS 2.0, RSS 1.0 and Atom feeds (libxml2, HTML
// descriptions): arbitrary bytes must give records or clear errors, never a crash, a hang or
// unbounded memory. Built by fuzz/CMakeLists.txt with clang (`make fuzz`); seeds in
// fuzz/corpus/collect_feed (copies of src/collect/testdata).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  threathub::collect::ParseFeed(input, "https://feed.example/rss").IgnoreError();
  return 0;
}
