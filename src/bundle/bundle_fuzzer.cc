// libFuzzer target for VerifyBundleBytes, which reads outside input: a disclosure bundle handed
// to `threathub verify-bundle` (a tar archive, its manifest's JSON, leaves, proofs, the signed
// checkpoint and key). Built by fuzz/CMakeLists.txt with clang; seeds in fuzz/corpus/bundle
// (written by `THREATHUB_BUNDLE_FUZZ_SEED=DIR build/src/bundle/bundle_test
// --gtest_filter=*FuzzSeed`).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bundle/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  threathub::bundle::VerifyBundleBytes(input).IgnoreError();
  return 0;
}
