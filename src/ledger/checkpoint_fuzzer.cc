// libFuzzer target for the parsers of checkpoint.h, which read outside input (a checkpoint or a
// key handed to `threathub ledger verify`): signed notes, checkpoint texts, verifier and private
// keys. Built by fuzz/CMakeLists.txt with clang (no Asio, no database here).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/checkpoint.h"

namespace {

// The example key of golang.org/x/mod/sumdb/note, so that notes signed by it reach the signature
// check; seed the corpus with its note.
const threathub::ledger::NoteVerifier& Verifier() {
  static const auto* verifier =
      new threathub::ledger::NoteVerifier(*threathub::ledger::NoteVerifier::FromVerifierKey(
          "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  threathub::ledger::OpenNote(input, {&Verifier(), 1}).IgnoreError();
  threathub::ledger::OpenCheckpoint(input, {&Verifier(), 1}).IgnoreError();
  threathub::ledger::ParseCheckpoint(input).IgnoreError();
  threathub::ledger::NoteVerifier::FromVerifierKey(input).IgnoreError();
  threathub::ledger::NoteSigner::FromPrivateKey(input).IgnoreError();
  return 0;
}
