#include "vault/ewf_image.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vault/internal/test_files.h"

extern char** environ;

namespace threathub::vault {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::PseudoRandomBytes;
using testing::ReadWholeFile;
using ::testing::SizeIs;
using testing::TemporaryDirectory;

// Runs a program (found on PATH) with its output sent to `log`; returns its exit status, or
// -1 when it could not be started.
int RunProgram(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool HaveEwfacquire() {
  TemporaryDirectory directory("ewf_probe");
  return RunProgram({"ewfacquire", "-V"}, directory.Child("log")) == 0;
}

class EwfImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveEwfacquire()) {
      GTEST_SKIP() << "ewfacquire is missing (apt-get install ewf-tools); E01 tests skipped";
    }
  }

  // Acquires `content` into an E01 image with the case metadata of these tests; returns the
  // path of the first segment file.
  std::string Acquire(std::string_view content, std::vector<std::string> extra_flags = {}) {
    std::string source = directory_.WriteFile("source.raw", content);
    std::vector<std::string> argv = {"ewfacquire",
                                     "-u",
                                     "-q",
                                     "-t",
                                     directory_.Child("image"),
                                     "-c",
                                     "none",
                                     "-f",
                                     "encase6",
                                     "-C",
                                     "CASE-42",
                                     "-D",
                                     "Seized laptop, internal disk",
                                     "-E",
                                     "EV-7",
                                     "-e",
                                     "Examiner Name",
                                     "-N",
                                     "Notes: Қазақ тілі",
                                     "-d",
                                     "sha1"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    argv.push_back(source);
    std::string log = directory_.Child("ewfacquire.log");
    int status = RunProgram(argv, log);
    EXPECT_EQ(status, 0) << ReadWholeFile(log);
    return directory_.Child("image.E01");
  }

  TemporaryDirectory directory_{"ewf_test"};
};

TEST_F(EwfImageTest, IntactImageIsVerifiedWithItsHeader) {
  std::string content = PseudoRandomBytes(1 << 20, 42);
  std::string image = Acquire(content);
  absl::StatusOr<Digests> expected = HashBytes(content);
  ASSERT_TRUE(expected.ok());

  absl::StatusOr<EwfReport> report = VerifyEwfImage(image);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->Verified());
  EXPECT_EQ(report->media_size, content.size());
  EXPECT_EQ(report->bytes_per_sector, 512u);
  EXPECT_EQ(report->computed.Md5Hex(), expected->Md5Hex());
  EXPECT_EQ(report->computed.Sha1Hex(), expected->Sha1Hex());
  EXPECT_EQ(report->computed.Sha256Hex(), expected->Sha256Hex());
  EXPECT_EQ(report->stored_md5, expected->Md5Hex());
  EXPECT_EQ(report->stored_sha1, expected->Sha1Hex());
  EXPECT_EQ(report->md5, HashCheck::kMatch);
  EXPECT_EQ(report->sha1, HashCheck::kMatch);
  EXPECT_EQ(report->sha256, HashCheck::kAbsent);
  EXPECT_THAT(report->checksum_errors, IsEmpty());
  EXPECT_THAT(report->segment_files, SizeIs(1));

  EXPECT_EQ(report->header.case_number, "CASE-42");
  EXPECT_EQ(report->header.evidence_number, "EV-7");
  EXPECT_EQ(report->header.examiner_name, "Examiner Name");
  EXPECT_EQ(report->header.description, "Seized laptop, internal disk");
  EXPECT_FALSE(report->header.acquiry_date.empty());
  EXPECT_FALSE(report->header.system_date.empty());
  EXPECT_FALSE(report->header.acquiry_software_version.empty());
  EXPECT_EQ(report->header.values.count("password"), 0u);
  EXPECT_EQ(report->header.notes, "Notes: Қазақ тілі");
}

TEST_F(EwfImageTest, SegmentsAreFoundByTheNamingScheme) {
  std::string content = PseudoRandomBytes(3 << 20, 43);
  std::string image = Acquire(content, {"-S", "1048576"});
  absl::StatusOr<EwfReport> report = VerifyEwfImage(image);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->segment_files.size(), 1u);
  EXPECT_TRUE(report->Verified());
  absl::StatusOr<Digests> expected = HashBytes(content);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(report->computed.Sha256Hex(), expected->Sha256Hex());

  // The same segments named explicitly, as they would be when stored in the vault.
  absl::StatusOr<EwfReport> explicit_report = VerifyEwfSegments(report->segment_files);
  ASSERT_TRUE(explicit_report.ok()) << explicit_report.status();
  EXPECT_TRUE(explicit_report->Verified());
}

TEST_F(EwfImageTest, FlippedByteInTheMediaDataIsReported) {
  std::string content = PseudoRandomBytes(1 << 20, 44);
  std::string image = Acquire(content);
  std::string bytes = ReadWholeFile(image);
  // Uncompressed chunks hold the media bytes verbatim: find a run from the second half of the
  // source in the image and flip one byte of it.
  size_t media_offset = 700'000;
  size_t position = bytes.find(content.substr(media_offset, 64));
  ASSERT_NE(position, std::string::npos);
  bytes[position + 10] = static_cast<char>(bytes[position + 10] ^ 0x01);
  std::string damaged = directory_.WriteFile("damaged.E01", bytes);

  absl::StatusOr<EwfReport> report = VerifyEwfImage(damaged);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->Verified());
  EXPECT_EQ(report->md5, HashCheck::kMismatch);
  EXPECT_EQ(report->sha1, HashCheck::kMismatch);
  ASSERT_THAT(report->checksum_errors, SizeIs(1));
  // The damaged byte lies in the failed range of sectors.
  uint64_t damaged_sector = (media_offset + 10) / 512;
  EXPECT_LE(report->checksum_errors[0].first_sector, damaged_sector);
  EXPECT_GT(report->checksum_errors[0].first_sector + report->checksum_errors[0].sector_count,
            damaged_sector);
  EXPECT_EQ(report->media_size, content.size());
  // The header still comes through.
  EXPECT_EQ(report->header.case_number, "CASE-42");
}

TEST_F(EwfImageTest, TruncatedImageIsAnErrorNotACrash) {
  std::string content = PseudoRandomBytes(1 << 20, 45);
  std::string bytes = ReadWholeFile(Acquire(content));
  std::string truncated = directory_.WriteFile("truncated.E01", bytes.substr(0, bytes.size() / 2));
  absl::StatusOr<EwfReport> report = VerifyEwfImage(truncated);
  if (report.ok()) {
    // The lost half reads as failed chunks and the hash section is gone with it.
    EXPECT_FALSE(report->Verified());
    EXPECT_NE(report->md5, HashCheck::kMatch);
    EXPECT_THAT(report->checksum_errors, ::testing::Not(IsEmpty()));
  } else {
    EXPECT_THAT(report.status().code(),
                ::testing::AnyOf(absl::StatusCode::kInvalidArgument, absl::StatusCode::kDataLoss));
  }
}

TEST(EwfImageErrorTest, NotAnImage) {
  TemporaryDirectory directory;
  std::string path = directory.WriteFile("plain.E01", "this is not an EWF image at all");
  absl::StatusOr<EwfReport> report = VerifyEwfImage(path);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("plain.E01"));
}

TEST(EwfImageErrorTest, MissingFile) {
  absl::StatusOr<EwfReport> report = VerifyEwfImage(::testing::TempDir() + "/no/such.E01");
  EXPECT_EQ(report.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(VerifyEwfSegments({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EwfImageErrorTest, HashCheckNames) {
  EXPECT_EQ(HashCheckName(HashCheck::kMatch), "match");
  EXPECT_EQ(HashCheckName(HashCheck::kMismatch), "mismatch");
  EXPECT_EQ(HashCheckName(HashCheck::kAbsent), "absent");
}

}  // namespace
}  // namespace threathub::vault
