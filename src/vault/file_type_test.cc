#include "vault/file_type.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "vault/internal/test_files.h"

namespace threathub::vault {
namespace {

const std::string kPngHead("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 29);
const std::string kPdfHead = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
const std::string kGzipHead("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);

struct TypeCase {
  std::string content;
  std::string mime_type;
};

const TypeCase kCases[] = {
    {kPngHead, "image/png"},         {kPdfHead, "application/pdf"},
    {kGzipHead, "application/gzip"}, {"plain words in a line\nand another line\n", "text/plain"},
    {"", "application/x-empty"},
};

TEST(FileTypeTest, DetectsCommonTypesFromTheirBytes) {
  for (const TypeCase& type_case : kCases) {
    absl::StatusOr<std::string> mime_type = DetectMimeType(type_case.content);
    ASSERT_TRUE(mime_type.ok()) << mime_type.status();
    EXPECT_EQ(*mime_type, type_case.mime_type) << type_case.content;
  }
}

TEST(FileTypeTest, DetectsFromAFileWhateverTheOffset) {
  testing::TemporaryDirectory directory;
  std::string path = directory.WriteFile("document", kPdfHead);
  absl::StatusOr<std::string> from_path = DetectMimeTypeOfFile(path);
  ASSERT_TRUE(from_path.ok()) << from_path.status();
  EXPECT_EQ(*from_path, "application/pdf");

  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 5, SEEK_SET), 5);
  absl::StatusOr<std::string> from_fd = DetectMimeTypeOfDescriptor(fd);
  ::close(fd);
  ASSERT_TRUE(from_fd.ok());
  EXPECT_EQ(*from_fd, "application/pdf");
}

TEST(FileTypeTest, MissingFileIsNotFound) {
  EXPECT_EQ(DetectMimeTypeOfFile(::testing::TempDir() + "/no/such/file").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FileTypeTest, RandomBytesAreOctetStream) {
  absl::StatusOr<std::string> mime_type = DetectMimeType(testing::PseudoRandomBytes(3 << 20, 9));
  ASSERT_TRUE(mime_type.ok());
  EXPECT_EQ(*mime_type, "application/octet-stream");
}

TEST(FileTypeTest, ThreadsDetectConcurrently) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t thread_idx = 0; thread_idx < failures.size(); ++thread_idx) {
    threads.emplace_back([&failures, thread_idx] {
      for (int round = 0; round < 200; ++round) {
        const TypeCase& type_case = kCases[(thread_idx + round) % std::size(kCases)];
        absl::StatusOr<std::string> mime_type = DetectMimeType(type_case.content);
        if (!mime_type.ok() || *mime_type != type_case.mime_type) ++failures[thread_idx];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int failure_count : failures) EXPECT_EQ(failure_count, 0);
}

}  // namespace
}  // namespace threathub::vault
