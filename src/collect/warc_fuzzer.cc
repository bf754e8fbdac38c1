// libFuzzer target for the collection parser of WARC files, plain or gzip per record (digests,
// HTTP, HTML text): arbitrary bytes must give records or clear errors, never a crash, a hang or
// unbounded memory. Built by fuzz/CMakeLists.txt with clang (`make fuzz`); seeds in
// fuzz/corpus/collect_warc (copies of src/collect/testdata).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  threathub::collect::ParseWarcBytes(input).IgnoreError();
  return 0;
}
