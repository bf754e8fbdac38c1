// Child processes and temporary directories for the integration tests.
//
//   TempDir dir;                                   // removed with everything in it at scope end
//   Process server({binary, "serve", ...}, env, dir.path() + "/out", dir.path() + "/err");
//   ...
//   server.Kill(SIGKILL);                          // the destructor does this too
//
// Children are started with fork/exec and PR_SET_PDEATHSIG, so they die with the test process
// even when it crashes. Start them from the main test thread only: the death signal fires when
// the *thread* that forked exits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace threathub::integration {

// A fresh directory under $TMPDIR (or /tmp); removed recursively by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The environment of a child: ours without any THREATHUB_* variable (so a developer's settings
// cannot leak into a test), plus `overrides`.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& overrides);

class Process {
 public:
  // Starts argv[0] (a path) with `argv`, in `working_dir`, with stdout and stderr appended to the
  // given files. `error` says why when started() is false afterwards.
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          const std::string& working_dir, const std::string& stdout_path,
          const std::string& stderr_path);
  // Kills the child (SIGKILL) when it still runs, and reaps it.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

  // True while the child has not exited. Reaps it when it has.
  bool Running();
  // Sends `signal` and waits up to `timeout` for the exit; SIGKILLs after that.
  void Kill(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits up to `timeout`; the exit code (128 + signal when killed), nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string error_;
};

struct CommandResult {
  int exit_code = -1;  // -1: did not start or timed out (then killed)
  std::string out;
  std::string err;
};

// Runs a command to completion (killed after `timeout`), capturing its output.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

std::string ReadFileOrEmpty(const std::string& path);
bool WriteFile(const std::string& path, const std::string& contents);

// Lower-case hex of `count` random bytes (for unique names).
std::string RandomHex(size_t count);

}  // namespace threathub::integration
