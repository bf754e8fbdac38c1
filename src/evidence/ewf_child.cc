#include "evidence/ewf_child.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "vault/unique_fd.h"

extern char** environ;

namespace threathub::evidence {

bool IsEwfImage(const std::string& path) {
  static constexpr char kSignature[8] = {'E', 'V', 'F', '\x09', '\x0d', '\x0a', '\xff', '\x00'};
  vault::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  char head[8];
  return ::pread(fd.get(), head, sizeof head, 0) == static_cast<ssize_t>(sizeof head) &&
         std::memcmp(head, kSignature, sizeof head) == 0;
}

std::string EwfReportJson(const vault::EwfReport& report) {
  nlohmann::json errors = nlohmann::json::array();
  for (const vault::EwfSectorRange& range : report.checksum_errors) {
    errors.push_back({{"first_sector", range.first_sector}, {"sector_count", range.sector_count}});
  }
  const vault::EwfHeader& header = report.header;
  nlohmann::json json = {{"verified", report.Verified()},
                         {"md5", vault::HashCheckName(report.md5)},
                         {"sha1", vault::HashCheckName(report.sha1)},
                         {"stored_md5", report.stored_md5},
                         {"stored_sha1", report.stored_sha1},
                         {"computed_md5", report.computed.Md5Hex()},
                         {"computed_sha1", report.computed.Sha1Hex()},
                         {"computed_sha256", report.computed.Sha256Hex()},
                         {"media_size", report.media_size},
                         {"bytes_per_sector", report.bytes_per_sector},
                         {"checksum_errors", errors},
                         {"header",
                          {{"case_number", header.case_number},
                           {"evidence_number", header.evidence_number},
                           {"examiner_name", header.examiner_name},
                           {"description", header.description},
                           {"notes", header.notes},
                           {"acquiry_date", header.acquiry_date},
                           {"system_date", header.system_date},
                           {"acquiry_operating_system", header.acquiry_operating_system},
                           {"acquiry_software_version", header.acquiry_software_version},
                           {"model", header.model},
                           {"serial_number", header.serial_number}}}};
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string EwfErrorJson(const absl::Status& status) {
  nlohmann::json json = {{"verified", false}, {"error", std::string(status.message())}};
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string EwfResultWord(const std::string& json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || parsed.contains("error")) return "ewf unreadable";
  return parsed.value("verified", false) ? "ewf verified" : "ewf mismatch";
}

absl::StatusOr<std::string> RunEwfHelper(const std::string& binary, const std::string& path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(base::StrCat("pipe: ", std::strerror(errno)));
  }
  vault::UniqueFd read_end(pipe_fds[0]);
  vault::UniqueFd write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  std::string command = "internal";
  std::string verb = "ewf-report";
  char* argv[] = {const_cast<char*>(binary.c_str()), command.data(), verb.data(),
                  const_cast<char*>(path.c_str()), nullptr};
  pid_t child = 0;
  int spawned = ::posix_spawn(&child, binary.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::InternalError(
        base::StrCat("cannot start ", binary, " for the E01 image: ", std::strerror(spawned)));
  }
  write_end.Reset();
  std::string output;
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(read_end.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (output.size() < (size_t{16} << 20)) output.append(buffer, static_cast<size_t>(got));
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    nlohmann::json parsed = nlohmann::json::parse(output, nullptr, false);
    std::string message = parsed.is_object() && parsed.contains("error")
                              ? parsed["error"].get<std::string>()
                              : "the E01 reader failed";
    // libewf's messages end in NUL bytes and name the stored file: users see neither.
    message.erase(std::remove(message.begin(), message.end(), '\0'), message.end());
    message = base::StrReplaceAll(message, {{path, "the image"}});
    return absl::DataLossError(message);
  }
  return output;
}

}  // namespace threathub::evidence
