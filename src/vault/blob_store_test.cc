#include "vault/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vault/internal/test_files.h"

namespace threathub::vault {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::PseudoRandomBytes;
using testing::ReadWholeFile;
using testing::TemporaryDirectory;

constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::vector<std::string> DirectoryEntries(const std::string& path) {
  std::vector<std::string> names;
  DIR* directory = ::opendir(path.c_str());
  if (directory == nullptr) return names;
  while (const dirent* entry = ::readdir(directory)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(directory);
  return names;
}

// A reader over `bytes` that hands out at most `piece` bytes per call and, when fail_after is
// set, fails once that many bytes have gone out (an upload cut off half-way).
ReadFunction PieceReader(std::string_view bytes, size_t piece, size_t fail_after = SIZE_MAX) {
  auto offset = std::make_shared<size_t>(0);
  return [bytes, piece, fail_after, offset](std::span<char> buffer) -> absl::StatusOr<size_t> {
    if (*offset >= fail_after) return absl::AbortedError("the client disconnected");
    size_t count = std::min({buffer.size(), piece, bytes.size() - *offset});
    std::memcpy(buffer.data(), bytes.data() + *offset, count);
    *offset += count;
    return count;
  };
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<BlobStore>> store = BlobStore::Create(directory_.Child("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::vector<std::string> TempFiles() const { return DirectoryEntries(store_->root() + "/tmp"); }

  TemporaryDirectory directory_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, PutStoresUnderTheSha256WithAllThreeDigests) {
  absl::StatusOr<PutResult> put = store_->PutBytes("abc");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->sha256, kAbcSha256);
  EXPECT_EQ(put->sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(put->md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(put->size, 3u);
  EXPECT_FALSE(put->already_present);

  absl::StatusOr<std::string> path = store_->Path(kAbcSha256);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, store_->root() + "/sha256/ba/78/" + kAbcSha256);
  EXPECT_EQ(ReadWholeFile(*path), "abc");
  struct stat info;
  ASSERT_EQ(::stat(path->c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0440u);
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, IdenticalContentIsStoredOnce) {
  ASSERT_TRUE(store_->PutBytes("abc").ok());
  absl::StatusOr<PutResult> again = store_->PutBytes("abc");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_present);
  EXPECT_EQ(again->sha256, kAbcSha256);
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, ElementsAre(kAbcSha256));
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, ZeroByteFile) {
  std::string path = directory_.WriteFile("empty", "");
  absl::StatusOr<PutResult> put = store_->PutFile(path);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->sha256, kEmptySha256);
  EXPECT_EQ(put->size, 0u);
  absl::StatusOr<Digests> verified = store_->Verify(kEmptySha256);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->size, 0u);
}

TEST_F(BlobStoreTest, LargeFileThroughEveryEntryPoint) {
  std::string content = PseudoRandomBytes(5'000'017, 1);
  absl::StatusOr<Digests> expected = HashBytes(content);
  ASSERT_TRUE(expected.ok());

  std::string path = directory_.WriteFile("large", content);
  absl::StatusOr<PutResult> from_file = store_->PutFile(path);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->sha256, expected->Sha256Hex());
  EXPECT_EQ(from_file->sha1, expected->Sha1Hex());
  EXPECT_EQ(from_file->md5, expected->Md5Hex());
  EXPECT_EQ(from_file->size, content.size());
  EXPECT_FALSE(from_file->already_present);

  absl::StatusOr<PutResult> from_reader = store_->Put(PieceReader(content, 12'345));
  ASSERT_TRUE(from_reader.ok()) << from_reader.status();
  EXPECT_EQ(from_reader->sha256, expected->Sha256Hex());
  EXPECT_TRUE(from_reader->already_present);

  absl::StatusOr<UniqueFd> blob = store_->Open(expected->Sha256Hex());
  ASSERT_TRUE(blob.ok()) << blob.status();
  absl::StatusOr<Digests> reread = HashDescriptor(blob->get());
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(reread->Sha256Hex(), expected->Sha256Hex());
}

TEST_F(BlobStoreTest, PutDescriptorReadsFromTheCurrentOffset) {
  std::string path = directory_.WriteFile("offset", "xxabc");
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(::lseek(fd.get(), 2, SEEK_SET), 2);
  absl::StatusOr<PutResult> put = store_->PutDescriptor(fd.get());
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->sha256, kAbcSha256);
}

TEST_F(BlobStoreTest, SameContentUploadedConcurrentlyIsStoredOnce) {
  std::string content = PseudoRandomBytes(3'000'000, 2);
  constexpr int kUploads = 6;
  std::vector<absl::StatusOr<PutResult>> results(kUploads, absl::UnknownError("not run"));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int upload_idx = 0; upload_idx < kUploads; ++upload_idx) {
    threads.emplace_back([&, upload_idx] {
      ready.fetch_add(1);
      while (ready.load() < kUploads) std::this_thread::yield();
      results[upload_idx] = store_->Put(PieceReader(content, 100'000));
    });
  }
  for (std::thread& thread : threads) thread.join();

  int installed = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    if (!result->already_present) ++installed;
  }
  EXPECT_EQ(installed, 1);
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(store_->Verify(keys->front()).ok());
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, InterruptedUploadLeavesNothing) {
  std::string content = PseudoRandomBytes(4'000'000, 3);
  absl::StatusOr<PutResult> put = store_->Put(PieceReader(content, 65'536, 2'500'000));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(put.status().message()), HasSubstr("disconnected"));
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, IsEmpty());
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, SizeLimitIsEnforcedWhetherOrNotTheSizeIsKnown) {
  std::string content = PseudoRandomBytes(300'000, 4);
  absl::StatusOr<PutResult> known = store_->PutBytes(content, {.max_bytes = 100'000});
  EXPECT_EQ(known.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(base::StatusReason(known.status()), "too_large");

  absl::StatusOr<PutResult> streamed =
      store_->Put(PieceReader(content, 7'000), {.max_bytes = 100'000});
  EXPECT_EQ(streamed.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(base::StatusReason(streamed.status()), "too_large");
  EXPECT_THAT(std::string(streamed.status().message()), HasSubstr("100000 bytes"));

  absl::StatusOr<PutResult> exactly =
      store_->PutBytes(content.substr(0, 100'000), {.max_bytes = 100'000});
  EXPECT_TRUE(exactly.ok()) << exactly.status();
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, ReaderErrorIsPassedThrough) {
  absl::StatusOr<PutResult> put = store_->Put([](std::span<char>) -> absl::StatusOr<size_t> {
    return absl::DeadlineExceededError("slow");
  });
  EXPECT_EQ(put.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, WriterStoresPiecesAsOneBlob) {
  std::string content = PseudoRandomBytes(3'000'001, 7);
  absl::StatusOr<Digests> expected = HashBytes(content);
  ASSERT_TRUE(expected.ok());
  absl::StatusOr<std::unique_ptr<BlobWriter>> writer =
      store_->Begin({.expected_bytes = content.size()});
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ(TempFiles().size(), 1u);  // the upload in progress
  // Pieces of uneven sizes, some larger than the hasher's chunk, one empty.
  const size_t kPieces[] = {1, 0, 65'536, 2'000'000, 7, 12'345};
  size_t offset = 0;
  for (size_t piece : kPieces) {
    ASSERT_TRUE((*writer)->Write(std::string_view(content).substr(offset, piece)).ok());
    offset += piece;
    EXPECT_EQ((*writer)->size(), offset);
  }
  ASSERT_TRUE((*writer)->Write(std::string_view(content).substr(offset)).ok());
  absl::StatusOr<PutResult> put = (*writer)->Commit();
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->sha256, expected->Sha256Hex());
  EXPECT_EQ(put->sha1, expected->Sha1Hex());
  EXPECT_EQ(put->md5, expected->Md5Hex());
  EXPECT_EQ(put->size, content.size());
  EXPECT_FALSE(put->already_present);
  EXPECT_THAT(TempFiles(), IsEmpty());
  EXPECT_TRUE(store_->Verify(put->sha256).ok());

  // A writer is spent once committed; dropping it then removes nothing.
  EXPECT_EQ((*writer)->Write("more").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().status().code(), absl::StatusCode::kFailedPrecondition);
  writer->reset();
  absl::StatusOr<bool> contains = store_->Contains(put->sha256);
  ASSERT_TRUE(contains.ok());
  EXPECT_TRUE(*contains);
}

TEST_F(BlobStoreTest, WriterOfEmptyContentAndOfContentPresentAlready) {
  absl::StatusOr<std::unique_ptr<BlobWriter>> empty = store_->Begin();
  ASSERT_TRUE(empty.ok());
  absl::StatusOr<PutResult> put = (*empty)->Commit();
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->sha256, kEmptySha256);

  ASSERT_TRUE(store_->PutBytes("abc").ok());
  absl::StatusOr<std::unique_ptr<BlobWriter>> again = store_->Begin();
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Write("ab").ok());
  ASSERT_TRUE((*again)->Write("c").ok());
  absl::StatusOr<PutResult> second = (*again)->Commit();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->sha256, kAbcSha256);
  EXPECT_TRUE(second->already_present);
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, DroppingAnUncommittedWriterRemovesTheUpload) {
  std::string content = PseudoRandomBytes(2'500'000, 8);
  {
    absl::StatusOr<std::unique_ptr<BlobWriter>> writer = store_->Begin();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(content).ok());
    EXPECT_EQ(TempFiles().size(), 1u);
  }
  EXPECT_THAT(TempFiles(), IsEmpty());
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, IsEmpty());
}

TEST_F(BlobStoreTest, WriterOverTheLimitFailsMidStreamAndStaysFailed) {
  std::string content = PseudoRandomBytes(300'000, 9);
  absl::StatusOr<std::unique_ptr<BlobWriter>> writer = store_->Begin({.max_bytes = 100'000});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(std::string_view(content).substr(0, 60'000)).ok());
  ASSERT_TRUE((*writer)->Write(std::string_view(content).substr(60'000, 40'000)).ok());
  absl::Status over = (*writer)->Write(std::string_view(content).substr(100'000, 1));
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(base::StatusReason(over), "too_large");
  EXPECT_THAT(std::string(over.message()), HasSubstr("100000 bytes"));
  // Removed at the error, not only when the writer goes away.
  EXPECT_THAT(TempFiles(), IsEmpty());
  EXPECT_EQ(base::StatusReason((*writer)->Write("x")), "too_large");
  EXPECT_EQ(base::StatusReason((*writer)->Commit().status()), "too_large");
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, IsEmpty());
}

TEST_F(BlobStoreTest, BeginRefusesAnExpectedSizeOverTheLimit) {
  absl::StatusOr<std::unique_ptr<BlobWriter>> writer =
      store_->Begin({.max_bytes = 10, .expected_bytes = 11});
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(base::StatusReason(writer.status()), "too_large");
  EXPECT_THAT(TempFiles(), IsEmpty());
  // More than the disk has free, and below the store's limit of 1 TiB.
  uint64_t available = std::filesystem::space(store_->root()).available;
  ASSERT_LT(available, (uint64_t{1} << 40) - (uint64_t{1} << 30)) << "a disk this large";
  absl::StatusOr<std::unique_ptr<BlobWriter>> huge =
      store_->Begin({.expected_bytes = available + (uint64_t{1} << 30)});
  EXPECT_EQ(base::StatusReason(huge.status()), "disk_full") << huge.status();
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, WritersRunConcurrently) {
  constexpr int kWriters = 4;
  std::vector<std::string> contents;
  for (int writer_idx = 0; writer_idx < kWriters; ++writer_idx) {
    contents.push_back(PseudoRandomBytes(1'500'000, 100 + writer_idx));
  }
  std::vector<absl::StatusOr<PutResult>> results(kWriters, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int writer_idx = 0; writer_idx < kWriters; ++writer_idx) {
    threads.emplace_back([&, writer_idx] {
      absl::StatusOr<std::unique_ptr<BlobWriter>> writer = store_->Begin();
      if (!writer.ok()) {
        results[writer_idx] = writer.status();
        return;
      }
      std::string_view rest = contents[writer_idx];
      while (!rest.empty()) {
        size_t piece = std::min<size_t>(rest.size(), 40'000);
        absl::Status written = (*writer)->Write(rest.substr(0, piece));
        if (!written.ok()) {
          results[writer_idx] = written;
          return;
        }
        rest.remove_prefix(piece);
      }
      results[writer_idx] = (*writer)->Commit();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int writer_idx = 0; writer_idx < kWriters; ++writer_idx) {
    ASSERT_TRUE(results[writer_idx].ok()) << results[writer_idx].status();
    absl::StatusOr<Digests> expected = HashBytes(contents[writer_idx]);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(results[writer_idx]->sha256, expected->Sha256Hex());
  }
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), static_cast<size_t>(kWriters));
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(BlobStoreTest, VerifyDetectsChangedContent) {
  absl::StatusOr<PutResult> put = store_->PutBytes("original evidence");
  ASSERT_TRUE(put.ok());
  ASSERT_TRUE(store_->Verify(put->sha256).ok());

  absl::StatusOr<std::string> path = store_->Path(put->sha256);
  ASSERT_TRUE(path.ok());
  ASSERT_EQ(::chmod(path->c_str(), 0640), 0);
  directory_.WriteFile(path->substr(directory_.path().size() + 1), "tampered evidence");
  absl::StatusOr<Digests> verified = store_->Verify(put->sha256);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(verified.status().message()), HasSubstr(put->sha256));
}

TEST_F(BlobStoreTest, LookupsOfMissingOrMalformedKeys) {
  std::string missing(64, '0');
  EXPECT_EQ(store_->Open(missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Verify(missing).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<bool> contains = store_->Contains(missing);
  ASSERT_TRUE(contains.ok());
  EXPECT_FALSE(*contains);

  const std::string kBadKeys[] = {"abc", "", "../../../../etc/passwd", "g" + std::string(63, '0'),
                                  std::string(65, 'a')};
  for (const std::string& bad : kBadKeys) {
    EXPECT_EQ(store_->Open(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Path(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(BlobStoreTest, UpperCaseKeysAreAccepted) {
  ASSERT_TRUE(store_->PutBytes("abc").ok());
  std::string upper = kAbcSha256;
  for (char& digit : upper) digit = static_cast<char>(std::toupper(digit));
  absl::StatusOr<bool> contains = store_->Contains(upper);
  ASSERT_TRUE(contains.ok());
  EXPECT_TRUE(*contains);
}

TEST_F(BlobStoreTest, StaleTemporaryFilesAreRemovedAtStart) {
  std::string temp_dir = store_->root() + "/tmp";
  std::string stale = temp_dir + "/0123456789abcdef0123456789abcdef.part";
  std::string fresh = temp_dir + "/fedcba9876543210fedcba9876543210.part";
  directory_.WriteFile("store/tmp/0123456789abcdef0123456789abcdef.part", "half an upload");
  directory_.WriteFile("store/tmp/fedcba9876543210fedcba9876543210.part", "in progress");
  struct timespec two_days_ago[2] = {{::time(nullptr) - 2 * 86400, 0},
                                     {::time(nullptr) - 2 * 86400, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, stale.c_str(), two_days_ago, 0), 0);

  absl::StatusOr<std::unique_ptr<BlobStore>> reopened = BlobStore::Create(store_->root());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->stale_temp_files_removed(), 1u);
  EXPECT_THAT(TempFiles(), ElementsAre("fedcba9876543210fedcba9876543210.part"));
  absl::StatusOr<std::vector<std::string>> keys = (*reopened)->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, IsEmpty());
}

TEST(BlobStoreCreateTest, EmptyRootIsRefused) {
  EXPECT_EQ(BlobStore::Create("").status().code(), absl::StatusCode::kInvalidArgument);
}

// A file larger than the free disk: a clear error and no partial item. Needs a small file
// system of its own, a 1 MiB tmpfs, which only root may mount.
class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = directory_.Child("small");
    ASSERT_EQ(::mkdir(mount_point_.c_str(), 0700), 0);
    if (::geteuid() != 0) GTEST_SKIP() << "not root: cannot mount a 1 MiB tmpfs to fill up";
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "); the full-disk test needs CAP_SYS_ADMIN";
    }
    mounted_ = true;
    absl::StatusOr<std::unique_ptr<BlobStore>> store = BlobStore::Create(mount_point_ + "/store");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    if (mounted_) {
      EXPECT_EQ(::umount(mount_point_.c_str()), 0) << std::strerror(errno);
    }
  }

  TemporaryDirectory directory_;
  std::string mount_point_;
  bool mounted_ = false;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(FullDiskTest, StreamedUploadLargerThanTheDiskFailsCleanly) {
  std::string content = PseudoRandomBytes(2 << 20, 5);
  absl::StatusOr<PutResult> put = store_->Put(PieceReader(content, 64 << 10));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kResourceExhausted) << put.status();
  EXPECT_THAT(std::string(put.status().message()),
              HasSubstr("not enough disk space: the evidence store at " + store_->root()));
  EXPECT_EQ(base::StatusReason(put.status()), "disk_full");
  EXPECT_THAT(DirectoryEntries(store_->root() + "/tmp"), IsEmpty());
  absl::StatusOr<std::vector<std::string>> keys = store_->List();
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, IsEmpty());

  // The space is given back: a small file still fits.
  absl::StatusOr<PutResult> small = store_->PutBytes("abc");
  EXPECT_TRUE(small.ok()) << small.status();
}

TEST_F(FullDiskTest, WriterFillingTheDiskFailsCleanly) {
  std::string content = PseudoRandomBytes(2 << 20, 10);
  absl::StatusOr<std::unique_ptr<BlobWriter>> writer = store_->Begin();
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status written;
  for (size_t offset = 0; offset < content.size() && written.ok(); offset += 64 << 10) {
    written = (*writer)->Write(std::string_view(content).substr(offset, 64 << 10));
  }
  if (written.ok()) written = (*writer)->Commit().status();
  EXPECT_EQ(base::StatusReason(written), "disk_full") << written;
  EXPECT_THAT(DirectoryEntries(store_->root() + "/tmp"), IsEmpty());
}

TEST_F(FullDiskTest, FileOfKnownSizeIsRefusedBeforeWriting) {
  std::string path = directory_.WriteFile("big", PseudoRandomBytes(2 << 20, 6));
  absl::StatusOr<PutResult> put = store_->PutFile(path);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kResourceExhausted) << put.status();
  EXPECT_THAT(std::string(put.status().message()), HasSubstr("not enough disk space"));
  EXPECT_THAT(DirectoryEntries(store_->root() + "/tmp"), IsEmpty());
}

}  // namespace
}  // namespace threathub::vault
