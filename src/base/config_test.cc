#include "base/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace threathub::base {
namespace {

std::string WriteTemporary(const std::string& text) {
  std::string path = std::filesystem::temp_directory_path() /
                     ("threathub-config-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

TEST(Config, FileThenEnvironmentOverride) {
  std::string path = WriteTemporary(
      "listen = \"0.0.0.0:9000\"\nsession_idle_minutes = 5\ntotp_required = false\n");
  Config config;
  ASSERT_TRUE(LoadConfigFile(path, config).ok());
  EXPECT_EQ(config.listen, "0.0.0.0:9000");
  EXPECT_EQ(config.session_idle_minutes, 5);
  EXPECT_FALSE(config.totp_required);
  ::setenv("THREATHUB_LISTEN", "127.0.0.1:9100", 1);
  ASSERT_TRUE(ApplyEnvironment(config).ok());
  ::unsetenv("THREATHUB_LISTEN");
  EXPECT_EQ(config.listen, "127.0.0.1:9100");
  std::filesystem::remove(path);
}

TEST(Config, UnknownKeyAndBadValueNameTheKey) {
  Config config;
  std::string path = WriteTemporary("listne = \"x\"\n");
  absl::Status status = LoadConfigFile(path, config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("listne"), std::string::npos);
  status = SetConfigValue(config, "session_idle_minutes", "soon");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("session_idle_minutes"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Config, SyntaxErrorGivesLine) {
  Config config;
  std::string path = WriteTemporary("a = \n");
  absl::Status status = LoadConfigFile(path, config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(":1:"), std::string::npos) << status.message();
  std::filesystem::remove(path);
}

TEST(Config, ValidateRefusesHalfTlsAndBadDatabase) {
  Config config;
  config.tls_cert = "cert.pem";
  EXPECT_EQ(ValidateConfig(config).code(), absl::StatusCode::kInvalidArgument);
  config.tls_cert.clear();
  config.db = "mysql://x";
  EXPECT_EQ(ValidateConfig(config).code(), absl::StatusCode::kInvalidArgument);
  config.db = "postgresql://u@127.0.0.1/db";
  EXPECT_TRUE(ValidateConfig(config).ok());
}

}  // namespace
}  // namespace threathub::base
