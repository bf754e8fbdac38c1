// `threathub verify-bundle` through the real binary: a good bundle, a tampered one, another
// key, and files that are not bundles; with no configuration and no data directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "bundle/bundle.h"
#include "bundle/bundle_testing.h"
#include "process.h"

namespace threathub::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class VerifyBundleCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = std::getenv("THREATHUB_BINARY");
    std::filesystem::create_directories(work());
    bundle::testing::BundleBuilder builder(dir_.path());
    builder.AddItem("chat.json", "{\"a\":1}", {"view", "transfer"});
    builder.AddItem("Қасым хаттары.txt", std::string(100'000, 'q'), {"seal", "export"});
    absl::StatusOr<bundle::BundleContents> contents = builder.Build();
    ASSERT_TRUE(contents.ok()) << contents.status();
    key_ = contents->verifier_key;
    absl::StatusOr<bundle::WrittenBundle> written = bundle::WriteBundle(*contents, good());
    ASSERT_TRUE(written.ok()) << written.status();
  }

  // The working directory of every run: it must stay empty but for the captured output.
  std::string work() const { return dir_.path() + "/work"; }
  std::string good() const { return dir_.path() + "/good.tar"; }

  CommandResult Run(std::vector<std::string> arguments) {
    std::vector<std::string> argv = {binary_, "verify-bundle"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    std::string out = dir_.path() + "/out";
    std::string err = dir_.path() + "/err";
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    // No HOME, no THREATHUB_* variables (ChildEnvironment drops them): nothing to configure.
    Process process(argv, {{"HOME", work()}}, work(), out, err);
    CommandResult result;
    if (!process.started()) return result;
    result.exit_code = process.Wait(std::chrono::seconds(60)).value_or(-1);
    result.out = ReadFileOrEmpty(out);
    result.err = ReadFileOrEmpty(err);
    return result;
  }

  TempDir dir_;
  std::string binary_;
  std::string key_;
};

TEST_F(VerifyBundleCommandTest, AGoodBundleIsVerified) {
  CommandResult result = Run({good()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, StartsWith("VERIFIED: 2 items, 6 custody events, checkpoint "
                                     "\"ledger.test.kz/threathub\" tree size 15, key "));
  EXPECT_THAT(result.out, HasSubstr("from the bundle: compare its fingerprint"));
  EXPECT_THAT(result.out, HasSubstr(key_));

  result = Run({good(), "--key", key_});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("(pinned with --key)"));

  // --key also takes a file holding the key, such as the agency's public-key.txt.
  std::ofstream(dir_.path() + "/agency-key.txt") << key_ << "\n";
  result = Run({good(), "--key", dir_.path() + "/agency-key.txt"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;

  // It read no configuration and made no data directory.
  EXPECT_TRUE(std::filesystem::is_empty(work()));
}

TEST_F(VerifyBundleCommandTest, ATamperedBundleIsNotVerifiedAndSaysWhy) {
  std::vector<bundle::testing::Member> members = bundle::testing::ReadMembers(good()).value();
  for (bundle::testing::Member& member : members) {
    if (member.name == "files/101-chat.json") member.data[2] ^= 1;
  }
  ASSERT_TRUE(bundle::testing::WriteMembers(dir_.path() + "/tampered.tar", members).ok());
  CommandResult result = Run({dir_.path() + "/tampered.tar"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, StartsWith("NOT VERIFIED"));
  EXPECT_THAT(result.out, HasSubstr("problem: item 101 \"chat.json\": the file "
                                    "\"files/101-chat.json\" is not the one in the manifest"));
  EXPECT_THAT(result.err, HasSubstr("NOT VERIFIED"));
}

TEST_F(VerifyBundleCommandTest, AnotherPinnedKeyIsNotVerified) {
  ledger::NoteSigner other = *ledger::NoteSigner::Generate("ledger.test.kz/threathub");
  CommandResult result = Run({good(), "--key", other.VerifierKey()});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("not signed by the pinned key"));
}

TEST_F(VerifyBundleCommandTest, WhatCannotBeCheckedExitsWithTwo) {
  std::ofstream(dir_.path() + "/notes.txt") << "not a bundle\n";
  CommandResult result = Run({dir_.path() + "/notes.txt"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("not a disclosure bundle"));

  result = Run({dir_.path() + "/missing.tar"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("cannot open"));

  result = Run({good(), "--key", "not-a-key"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("not a verifier key"));

  result = Run({});
  EXPECT_EQ(result.exit_code, 2);  // FILE is required
}

}  // namespace
}  // namespace threathub::integration
