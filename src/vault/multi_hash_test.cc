#include "vault/multi_hash.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <tuple>

#include "base/encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vault/internal/test_files.h"

namespace threathub::vault {
namespace {

using testing::PseudoRandomBytes;

// The reference: OpenSSL's one-shot digest on one thread, independent of MultiHasher.
std::string OneShotHex(const char* algorithm, std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD* md = EVP_MD_fetch(nullptr, algorithm, nullptr);
  EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr), 1);
  EVP_MD_free(md);
  return base::HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

void ExpectMatchesOneShot(const Digests& digests, std::string_view bytes) {
  EXPECT_EQ(digests.Md5Hex(), OneShotHex("MD5", bytes));
  EXPECT_EQ(digests.Sha1Hex(), OneShotHex("SHA1", bytes));
  EXPECT_EQ(digests.Sha256Hex(), OneShotHex("SHA256", bytes));
  EXPECT_EQ(digests.size, bytes.size());
}

std::string LayoutName(HashThreads threads) {
  switch (threads) {
    case HashThreads::kInline:
      return "Inline";
    case HashThreads::kPerAlgorithm:
      return "PerAlgorithm";
    case HashThreads::kBalanced:
      return "Balanced";
  }
  return "Unknown";
}

struct KnownVector {
  std::string input;
  std::string md5;
  std::string sha1;
  std::string sha256;
};

// FIPS 180-2 appendix B (SHA-1, SHA-256) and RFC 1321 section A.5 (MD5).
const KnownVector kKnownVectors[] = {
    {"", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {std::string(1'000'000, 'a'), "7707d6ae4e027c70eea2a935c2296f21",
     "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

class KnownVectorTest : public ::testing::TestWithParam<HashThreads> {};

TEST_P(KnownVectorTest, MatchesPublishedDigests) {
  for (const KnownVector& vector : kKnownVectors) {
    // A small chunk so that the million 'a' go through the worker threads.
    MultiHasher hasher({.chunk_bytes = 4096, .ring_chunks = 3, .threads = GetParam()});
    hasher.Update(vector.input);
    absl::StatusOr<Digests> digests = hasher.Finish();
    ASSERT_TRUE(digests.ok()) << digests.status();
    EXPECT_EQ(digests->Md5Hex(), vector.md5);
    EXPECT_EQ(digests->Sha1Hex(), vector.sha1);
    EXPECT_EQ(digests->Sha256Hex(), vector.sha256);
    EXPECT_EQ(digests->size, vector.input.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, KnownVectorTest,
                         ::testing::Values(HashThreads::kInline, HashThreads::kPerAlgorithm,
                                           HashThreads::kBalanced),
                         [](const auto& info) { return LayoutName(info.param); });

TEST(MultiHasherTest, HashBytesMatchesKnownVectors) {
  for (const KnownVector& vector : kKnownVectors) {
    absl::StatusOr<Digests> digests = HashBytes(vector.input);
    ASSERT_TRUE(digests.ok());
    EXPECT_EQ(digests->Md5Hex(), vector.md5);
    EXPECT_EQ(digests->Sha1Hex(), vector.sha1);
    EXPECT_EQ(digests->Sha256Hex(), vector.sha256);
  }
}

TEST(MultiHasherTest, RawDigestsHaveTheirLengths) {
  absl::StatusOr<Digests> digests = HashBytes("abc");
  ASSERT_TRUE(digests.ok());
  EXPECT_EQ(digests->md5.size(), 16u);
  EXPECT_EQ(digests->sha1.size(), 20u);
  EXPECT_EQ(digests->sha256.size(), 32u);
}

// (layout, chunk bytes, ring chunks, update piece bytes)
using SplitParam = std::tuple<HashThreads, size_t, size_t, size_t>;

std::string SplitName(const ::testing::TestParamInfo<SplitParam>& info) {
  auto [threads, chunk_bytes, ring_chunks, piece_bytes] = info.param;
  return LayoutName(threads) + "_Chunk" + std::to_string(chunk_bytes) + "_Ring" +
         std::to_string(ring_chunks) + "_Piece" + std::to_string(piece_bytes);
}
class SplitTest : public ::testing::TestWithParam<SplitParam> {};

TEST_P(SplitTest, PseudoRandomInputMatchesOneShot) {
  auto [threads, chunk_bytes, ring_chunks, piece_bytes] = GetParam();
  // Tiny chunks publish once per byte or so; keep those inputs small enough to stay quick.
  size_t size = chunk_bytes < 1024 ? 30'000 : 10'000'000;
  std::string input = PseudoRandomBytes(size, static_cast<uint32_t>(chunk_bytes + piece_bytes));
  MultiHasher hasher({.chunk_bytes = chunk_bytes, .ring_chunks = ring_chunks, .threads = threads});
  for (size_t offset = 0; offset < input.size(); offset += piece_bytes) {
    hasher.Update(std::string_view(input).substr(offset, piece_bytes));
  }
  EXPECT_EQ(hasher.size(), input.size());
  absl::StatusOr<Digests> digests = hasher.Finish();
  ASSERT_TRUE(digests.ok()) << digests.status();
  ExpectMatchesOneShot(*digests, input);
}

INSTANTIATE_TEST_SUITE_P(
    ChunkAndPieceSizes, SplitTest,
    ::testing::Combine(::testing::Values(HashThreads::kInline, HashThreads::kPerAlgorithm,
                                         HashThreads::kBalanced),
                       ::testing::Values(size_t{1}, size_t{7}, size_t{65536}, size_t{1} << 20),
                       ::testing::Values(size_t{2}, size_t{5}),
                       ::testing::Values(size_t{1}, size_t{3}, size_t{4096}, size_t{1'048'579})),
    SplitName);

TEST(MultiHasherTest, WritableSpanAndCommitAvoidTheCopy) {
  std::string input = PseudoRandomBytes(3'000'001, 7);
  MultiHasher hasher({.chunk_bytes = 65536});
  size_t offset = 0;
  while (offset < input.size()) {
    std::span<char> buffer = hasher.WritableSpan();
    ASSERT_FALSE(buffer.empty());
    // Fill only part of what is offered now and then, as a short read would.
    size_t count =
        std::min({buffer.size(), input.size() - offset, offset % 3 == 0 ? 1000 : buffer.size()});
    std::copy_n(input.data() + offset, count, buffer.data());
    hasher.Commit(count);
    offset += count;
  }
  absl::StatusOr<Digests> digests = hasher.Finish();
  ASSERT_TRUE(digests.ok());
  ExpectMatchesOneShot(*digests, input);
}

TEST(MultiHasherTest, IsReusableAfterFinish) {
  MultiHasher hasher({.chunk_bytes = 1024});
  for (uint32_t round = 0; round < 5; ++round) {
    std::string input = PseudoRandomBytes(10'000 * round, round);
    hasher.Update(input);
    absl::StatusOr<Digests> digests = hasher.Finish();
    ASSERT_TRUE(digests.ok());
    ExpectMatchesOneShot(*digests, input);
    EXPECT_EQ(hasher.size(), 0u);
  }
}

TEST(MultiHasherTest, DestroyingWithoutFinishStopsTheWorkers) {
  std::string input = PseudoRandomBytes(100'000, 3);
  for (int round = 0; round < 20; ++round) {
    MultiHasher hasher({.chunk_bytes = 1000, .ring_chunks = 2});
    hasher.Update(input);
  }  // Must neither hang nor crash.
}

// A file with `contents` in its own temporary directory.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string_view contents)
      : path_(directory_.WriteFile("input", contents)) {}
  const std::string& path() const { return path_; }

 private:
  testing::TemporaryDirectory directory_;
  std::string path_;
};

TEST(HashFileTest, MatchesOneShot) {
  std::string input = PseudoRandomBytes(5'000'003, 11);
  TemporaryFile file(input);
  absl::StatusOr<Digests> digests = HashFile(file.path());
  ASSERT_TRUE(digests.ok()) << digests.status();
  ExpectMatchesOneShot(*digests, input);
}

TEST(HashFileTest, EmptyFile) {
  TemporaryFile file("");
  absl::StatusOr<Digests> digests = HashFile(file.path());
  ASSERT_TRUE(digests.ok());
  EXPECT_EQ(digests->Sha256Hex(), kKnownVectors[0].sha256);
  EXPECT_EQ(digests->size, 0u);
}

TEST(HashFileTest, DescriptorFromItsOffset) {
  TemporaryFile file("xxabc");
  int fd = ::open(file.path().c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 2, SEEK_SET), 2);
  absl::StatusOr<Digests> digests = HashDescriptor(fd);
  ::close(fd);
  ASSERT_TRUE(digests.ok());
  EXPECT_EQ(digests->Sha256Hex(), kKnownVectors[1].sha256);
}

TEST(HashFileTest, MissingFileIsNotFound) {
  absl::StatusOr<Digests> digests = HashFile(::testing::TempDir() + "/no/such/file");
  EXPECT_EQ(digests.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(digests.status().message()), ::testing::HasSubstr("no/such/file"));
}

TEST(HashFileTest, DirectoryIsAnError) {
  absl::StatusOr<Digests> digests = HashFile(::testing::TempDir());
  EXPECT_FALSE(digests.ok());
}

}  // namespace
}  // namespace threathub::vault
