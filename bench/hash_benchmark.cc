// vault_hash_bench: hashes one file the way the evidence vault does (MultiHasher: MD5, SHA-1
// and SHA-256 in one read), or with a single OpenSSL digest for reference, and prints the
// digests and the time taken. bench/hash_bench.sh runs it side by side with sha256sum and
// hashdeep on a 2 GiB file in the page cache.
//
//   vault_hash_bench [--threads balanced|per-algorithm|inline] [--chunk BYTES] [--ring N]
//                    [--only md5|sha1|sha256] FILE
//
// Output, one line: "<mode> <bytes> <seconds> <MB/s> <md5> <sha1> <sha256>" (digests that were
// not computed are "-").
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "vault/multi_hash.h"

namespace {

using threathub::vault::Digests;
using threathub::vault::HashThreads;
using threathub::vault::MultiHasherOptions;

constexpr size_t kSingleReadBytes = size_t{1} << 20;

int Usage() {
  std::fprintf(stderr,
               "usage: vault_hash_bench [--threads balanced|per-algorithm|inline] "
               "[--chunk BYTES] [--ring N] [--only md5|sha1|sha256] FILE\n");
  return 2;
}

// One OpenSSL digest on the caller's thread, reading 1 MiB at a time: "SHA-256 alone" at its
// fastest in this process.
bool HashSingle(int fd, const char* algorithm, std::string& hex, uint64_t& size) {
  EVP_MD* md = EVP_MD_fetch(nullptr, algorithm, nullptr);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (md == nullptr || context == nullptr || EVP_DigestInit_ex2(context, md, nullptr) != 1) {
    return false;
  }
  auto buffer = std::make_unique_for_overwrite<char[]>(kSingleReadBytes);
  size = 0;
  while (true) {
    ssize_t count = ::read(fd, buffer.get(), kSingleReadBytes);
    if (count < 0) return false;
    if (count == 0) break;
    EVP_DigestUpdate(context, buffer.get(), static_cast<size_t>(count));
    size += static_cast<uint64_t>(count);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest, &length);
  hex = threathub::base::HexEncode(std::string_view(reinterpret_cast<char*>(digest), length));
  EVP_MD_CTX_free(context);
  EVP_MD_free(md);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  MultiHasherOptions options;
  std::string mode = "balanced";
  std::string only;
  std::string path;
  for (int arg_idx = 1; arg_idx < argc; ++arg_idx) {
    std::string_view arg = argv[arg_idx];
    bool has_value = arg_idx + 1 < argc;
    if (arg == "--threads" && has_value) {
      mode = argv[++arg_idx];
      if (mode == "balanced") {
        options.threads = HashThreads::kBalanced;
      } else if (mode == "per-algorithm") {
        options.threads = HashThreads::kPerAlgorithm;
      } else if (mode == "inline") {
        options.threads = HashThreads::kInline;
      } else {
        return Usage();
      }
    } else if (arg == "--chunk" && has_value) {
      options.chunk_bytes = std::strtoull(argv[++arg_idx], nullptr, 10);
    } else if (arg == "--ring" && has_value) {
      options.ring_chunks = std::strtoull(argv[++arg_idx], nullptr, 10);
    } else if (arg == "--only" && has_value) {
      only = argv[++arg_idx];
      if (only != "md5" && only != "sha1" && only != "sha256") return Usage();
    } else if (!arg.empty() && arg[0] != '-' && path.empty()) {
      path = arg;
    } else {
      return Usage();
    }
  }
  if (path.empty()) return Usage();

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "vault_hash_bench: %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  std::string md5 = "-", sha1 = "-", sha256 = "-";
  uint64_t size = 0;
  auto start = std::chrono::steady_clock::now();
  if (!only.empty()) {
    std::string hex;
    const char* algorithm = only == "md5" ? "MD5" : only == "sha1" ? "SHA1" : "SHA256";
    if (!HashSingle(fd, algorithm, hex, size)) {
      std::fprintf(stderr, "vault_hash_bench: %s failed\n", algorithm);
      return 1;
    }
    (only == "md5" ? md5 : only == "sha1" ? sha1 : sha256) = hex;
    mode = "openssl-" + only;
  } else {
    absl::StatusOr<Digests> digests = threathub::vault::HashDescriptor(fd, options);
    if (!digests.ok()) {
      std::fprintf(stderr, "vault_hash_bench: %s\n", digests.status().ToString().c_str());
      return 1;
    }
    md5 = digests->Md5Hex();
    sha1 = digests->Sha1Hex();
    sha256 = digests->Sha256Hex();
    size = digests->size;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  std::printf("%s %llu %.4f %.1f %s %s %s\n", mode.c_str(), static_cast<unsigned long long>(size),
              seconds, static_cast<double>(size) / seconds / 1e6, md5.c_str(), sha1.c_str(),
              sha256.c_str());
  return 0;
}
