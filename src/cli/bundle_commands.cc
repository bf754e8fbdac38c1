// `threathub verify-bundle FILE [--key KEY]`: checks a disclosure bundle offline. It reads no
// configuration and opens no data directory or database: a prosecutor runs it on any machine.
//
// Exit codes, like cmp(1) and diff(1): 0 verified, 1 not verified (one line per problem), 2 the
// file cannot be checked at all (not a bundle, unreadable, a malformed --key) or bad arguments.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/file.h"
#include "base/strings.h"
#include "bundle/bundle.h"
#include "cli/commands.h"

namespace threathub::cli {
namespace {

constexpr int kExitCannotCheck = 2;

struct VerifyBundleArguments {
  std::string file;
  std::string key;
};

// --key takes the verifier key itself, or a file whose first line is one (such as the agency's
// published public-key.txt).
std::string TrustedKey(const std::string& argument) {
  struct stat info {};
  if (argument.empty() || ::stat(argument.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return argument;
  }
  absl::StatusOr<std::string> text = base::ReadFile(argument);
  if (!text.ok()) return argument;
  for (std::string_view line : base::StrSplit(*text, '\n')) {
    std::string_view key = base::StripAsciiWhitespace(line);
    if (!key.empty()) return std::string(key);
  }
  return argument;
}

[[noreturn]] void CannotCheck(std::string_view message) {
  std::fflush(stdout);
  std::fprintf(stderr, "threathub verify-bundle: %s\n", std::string(message).c_str());
  // Main maps every error to 1, which here means "not verified"; 2 must stay distinct.
  std::exit(kExitCannotCheck);
}

absl::Status VerifyBundleCommand(const VerifyBundleArguments& arguments) {
  absl::StatusOr<bundle::BundleVerdict> checked =
      bundle::VerifyBundle(arguments.file, TrustedKey(arguments.key));
  if (!checked.ok()) CannotCheck(base::FromAbsl(checked.status().message()));
  const bundle::BundleVerdict& verdict = *checked;

  std::string key_note =
      verdict.key_from_bundle
          ? "from the bundle: compare its fingerprint with the one published by the agency, or "
            "pin it with --key"
          : "pinned with --key";
  if (verdict.ok) {
    std::printf(
        "VERIFIED: %llu items, %llu custody events, checkpoint \"%s\" tree size %llu, key %s "
        "(%s)\n",
        static_cast<unsigned long long>(verdict.items),
        static_cast<unsigned long long>(verdict.events), verdict.origin.c_str(),
        static_cast<unsigned long long>(verdict.tree_size), verdict.key_id.c_str(),
        key_note.c_str());
    std::printf("  key fingerprint (the whole verifier key): %s\n", verdict.verifier_key.c_str());
  } else {
    std::printf("NOT VERIFIED: %s (%zu problems)\n", arguments.file.c_str(),
                verdict.problems.size());
    for (const std::string& problem : verdict.problems) {
      std::printf("  problem: %s\n", problem.c_str());
    }
  }
  for (const std::string& warning : verdict.warnings) {
    std::printf("  warning: %s\n", warning.c_str());
  }
  for (const std::string& line : verdict.checked) std::printf("  checked: %s\n", line.c_str());
  std::fflush(stdout);
  if (verdict.ok) return absl::OkStatus();
  return absl::DataLossError(
      base::StrCat("the bundle is NOT VERIFIED (", verdict.problems.size(), " problems)"));
}

}  // namespace

std::function<absl::Status()> AddVerifyBundleCommand(CLI::App& command) {
  // Shared by the option bindings and the returned runner, which outlives this function.
  auto arguments = std::make_shared<VerifyBundleArguments>();
  command.add_option("FILE", arguments->file, "the bundle (.tar)")->required();
  command.add_option("--key", arguments->key,
                     "the ledger's verifier key as the agency publishes it (or a file holding "
                     "it); without it the bundle's own key is used");
  return [arguments] { return VerifyBundleCommand(*arguments); };
}

}  // namespace threathub::cli
