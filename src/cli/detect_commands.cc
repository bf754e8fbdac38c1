// `threathub scan --indicators FILE [--banks [pdq:|md5:|sha256:]FILE...] PATH...`: detection on
// files and folders alone, with no configuration or database (a quick check of seized data);
// and `threathub detect rescan|status` through the configured database.
//
// scan prints one JSON object per match per line on stdout:
//   {"path","line"?,"kind":"text","indicator":{"id","pattern","category","severity"},
//    "start","end","match"}
//   {"path","kind":"image","bank_hash":{"hash","label","bank"},"distance","quality","dihedral"}
//   {"path","kind":"exact","bank_hash":{"hash","label","bank"},"algorithm"}
// (`line`: JSON Lines files, whose "text" field is scanned line by line; start/end are byte
// offsets in the text), and a summary on stderr. Unreadable files and images are reported on
// stderr and the rest goes on; the exit status is 0 whether or not something matched, 1 for bad
// arguments or an indicator file that cannot be read.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "api/app.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "detect/indicator_files.h"
#include "detect/pdq.h"
#include "detect/pdq_index.h"
#include "detect/text_matcher.h"
#include "vault/multi_hash.h"

namespace threathub::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Files larger than this are hashed (MD5, SHA-256) but not read into memory as text.
constexpr uint64_t kMaxTextFileBytes = uint64_t{256} << 20;

struct ScanArguments {
  std::string indicators;
  std::vector<std::string> banks;
  std::vector<std::string> paths;
  int threshold = 31;
  int64_t max_pixels = 100'000'000;
};

struct BankEntry {
  detect::HashRow row;
  std::string file;
};

class Scanner {
 public:
  absl::Status Load(const ScanArguments& arguments) {
    if (arguments.threshold < 0 || arguments.threshold > 128) {
      return absl::InvalidArgumentError("--threshold: 0 to 128");
    }
    threshold_ = arguments.threshold;
    hasher_ = std::make_unique<detect::PdqHasher>(
        detect::PdqOptions{.max_pixels = static_cast<uint64_t>(arguments.max_pixels)});
    if (!arguments.indicators.empty()) RETURN_IF_ERROR(LoadIndicators(arguments.indicators));
    for (const std::string& spec : arguments.banks) RETURN_IF_ERROR(LoadBank(spec));
    if (!matcher_ && entries_.empty()) {
      return absl::InvalidArgumentError("nothing to look for: give --indicators or --banks");
    }
    pdq_.Build();
    return absl::OkStatus();
  }

  void ScanPath(const std::string& path) {
    std::error_code error;
    fs::file_status status = fs::status(path, error);
    if (error) {
      Error(path, error.message());
      return;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> files;
      for (fs::recursive_directory_iterator entry(path, error), end; !error && entry != end;
           entry.increment(error)) {
        std::error_code ignored;
        if (entry->is_regular_file(ignored)) files.push_back(entry->path().string());
      }
      if (error) Error(path, error.message());
      std::sort(files.begin(), files.end());
      for (const std::string& file : files) ScanFile(file);
      return;
    }
    ScanFile(path);
  }

  void PrintSummary(double seconds) const {
    std::fprintf(stderr,
                 "threathub scan: %lld files, %lld JSON lines, %lld matches, %lld errors, "
                 "%.2f s\n",
                 static_cast<long long>(files_), static_cast<long long>(lines_),
                 static_cast<long long>(matches_), static_cast<long long>(errors_), seconds);
  }

 private:
  absl::Status LoadIndicators(const std::string& file) {
    absl::StatusOr<std::string> bytes = base::ReadFile(file);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("--indicators ", file, ": ", bytes.status().message()));
    }
    detect::IndicatorFormat format = base::EndsWith(file, ".json") ? detect::IndicatorFormat::kJson
                                     : base::EndsWith(file, ".csv")
                                         ? detect::IndicatorFormat::kCsv
                                         : detect::IndicatorFormat::kAuto;
    detect::ParsedIndicators parsed = detect::ParseIndicators(*bytes, format);
    for (const detect::FileError& problem : parsed.errors) {
      std::fprintf(stderr, "%s: %s: %s\n", file.c_str(), problem.position.c_str(),
                   problem.error.c_str());
    }
    if (parsed.rows.empty()) {
      return absl::InvalidArgumentError(
          base::StrCat("--indicators ", file, ": no indicator could be read"));
    }
    rows_ = std::move(parsed.rows);
    std::vector<detect::Indicator> indicators;
    for (size_t index = 0; index < rows_.size(); ++index) {
      indicators.push_back(detect::Indicator{
          .id = static_cast<int64_t>(index + 1),
          .kind =
              detect::ParseIndicatorKind(rows_[index].kind).value_or(detect::IndicatorKind::kTerm),
          .pattern = rows_[index].pattern});
    }
    absl::StatusOr<std::unique_ptr<detect::TextMatcher>> matcher =
        detect::TextMatcher::Compile(indicators, {});
    if (!matcher.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("--indicators ", file, ": ", matcher.status().message()));
    }
    matcher_ = *std::move(matcher);
    for (const detect::PatternProblem& problem : matcher_->problems()) {
      std::fprintf(stderr, "%s: %s: pattern \"%s\" left out: %s\n", file.c_str(),
                   rows_[static_cast<size_t>(problem.indicator_id - 1)].position.c_str(),
                   problem.pattern.c_str(), problem.error.c_str());
    }
    scratch_ = std::make_unique<detect::TextScratch>(matcher_->NewScratch());
    return absl::OkStatus();
  }

  absl::Status LoadBank(const std::string& spec) {
    std::optional<detect::HashAlgorithm> algorithm;
    std::string file = spec;
    size_t colon = spec.find(':');
    if (colon != std::string::npos) {
      algorithm = detect::ParseHashAlgorithm(spec.substr(0, colon));
      if (algorithm) file = spec.substr(colon + 1);
    }
    absl::StatusOr<std::string> bytes = base::ReadFile(file);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("--banks ", file, ": ", bytes.status().message()));
    }
    detect::ParsedHashes parsed = detect::ParseHashList(*bytes, algorithm);
    for (const detect::FileError& problem : parsed.errors) {
      std::fprintf(stderr, "%s: %s: %s\n", file.c_str(), problem.position.c_str(),
                   problem.error.c_str());
    }
    for (detect::HashRow& row : parsed.rows) {
      // A 64-digit hash is PDQ unless the file or the row says sha256.
      detect::HashAlgorithm kind =
          algorithm.value_or(detect::RowAlgorithm(row).value_or(detect::HashAlgorithm::kPdq));
      int64_t id = static_cast<int64_t>(entries_.size());
      if (kind == detect::HashAlgorithm::kPdq) {
        std::optional<detect::PdqHash> hash = detect::PdqHash::FromHex(row.hash);
        if (!hash) continue;
        pdq_.Add(*hash, id);
      } else if (kind == detect::HashAlgorithm::kMd5) {
        md5_.emplace(row.hash, id);
      } else {
        sha256_.emplace(row.hash, id);
      }
      entries_.push_back(BankEntry{std::move(row), file});
    }
    return absl::OkStatus();
  }

  void Error(const std::string& path, std::string_view message) {
    ++errors_;
    std::fprintf(stderr, "%s: %.*s\n", path.c_str(), static_cast<int>(message.size()),
                 message.data());
  }

  void Print(const Json& line) {
    ++matches_;
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
  }

  Json BankHash(int64_t id) const {
    const BankEntry& entry = entries_[static_cast<size_t>(id)];
    return Json{{"hash", entry.row.hash}, {"label", entry.row.label}, {"bank", entry.file}};
  }

  void ScanText(const std::string& path, std::optional<int64_t> line, std::string_view text) {
    if (!matcher_) return;
    hits_.clear();
    matcher_->Scan(text, *scratch_, hits_);
    for (const detect::TextHit& hit : hits_) {
      const detect::IndicatorRow& row = rows_[static_cast<size_t>(hit.indicator_id - 1)];
      Json match{{"path", path}};
      if (line) match["line"] = *line;
      match["kind"] = "text";
      match["indicator"] = {{"id", hit.indicator_id},
                            {"pattern", row.pattern},
                            {"category", row.category},
                            {"severity", row.severity}};
      match["start"] = hit.start;
      match["end"] = hit.end;
      match["match"] = std::string(text.substr(hit.start, hit.end - hit.start));
      Print(match);
    }
  }

  void ScanJsonLines(const std::string& path, std::string_view bytes) {
    int64_t number = 0;
    for (size_t pos = 0; pos < bytes.size();) {
      size_t end = bytes.find('\n', pos);
      if (end == std::string_view::npos) end = bytes.size();
      std::string_view line = bytes.substr(pos, end - pos);
      pos = end + 1;
      ++number;
      if (base::StripAsciiWhitespace(line).empty()) continue;
      ++lines_;
      Json record;
      try {  // parse_error, or out_of_range for a number too large (33e6339)
        record = Json::parse(line);
      } catch (const Json::exception&) {
        record = nullptr;
      }
      if (!record.is_object()) {
        Error(base::StrCat(path, ":", number), "not a JSON object");
        continue;
      }
      auto text = record.find("text");
      if (text == record.end() || !text->is_string()) continue;
      ScanText(path, number, text->get_ref<const std::string&>());
    }
  }

  void MatchExact(const std::string& path, const vault::Digests& digests) {
    for (auto [set, hex, name] : {std::tuple{&md5_, digests.Md5Hex(), "md5"},
                                  std::tuple{&sha256_, digests.Sha256Hex(), "sha256"}}) {
      auto [first, last] = set->equal_range(hex);
      for (auto found = first; found != last; ++found) {
        Print(Json{{"path", path},
                   {"kind", "exact"},
                   {"bank_hash", BankHash(found->second)},
                   {"algorithm", name}});
      }
    }
  }

  void ScanFile(const std::string& path) {
    ++files_;
    std::error_code error;
    uint64_t size = fs::file_size(path, error);
    if (error) {
      Error(path, error.message());
      return;
    }
    vault::MultiHasher hasher(vault::MultiHasherOptions{.threads = vault::HashThreads::kInline});
    if (size > kMaxTextFileBytes) {
      // Hashes only, read in pieces.
      std::ifstream stream(path, std::ios::binary);
      if (!stream) {
        Error(path, "cannot be opened");
        return;
      }
      while (stream) {
        std::span<char> buffer = hasher.WritableSpan();
        stream.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hasher.Commit(static_cast<size_t>(stream.gcount()));
      }
      absl::StatusOr<vault::Digests> digests = hasher.Finish();
      if (digests.ok()) MatchExact(path, *digests);
      return;
    }
    absl::StatusOr<std::string> bytes = base::ReadFile(path);
    if (!bytes.ok()) {
      Error(path, base::FromAbsl(bytes.status().message()));
      return;
    }
    if (!md5_.empty() || !sha256_.empty()) {
      hasher.Update(*bytes);
      absl::StatusOr<vault::Digests> digests = hasher.Finish();
      if (digests.ok()) MatchExact(path, *digests);
    }
    if (base::EndsWith(path, ".jsonl") || base::EndsWith(path, ".ndjson")) {
      ScanJsonLines(path, *bytes);
      return;
    }
    if (detect::LooksLikeImage(std::string_view(*bytes).substr(0, 16))) {
      if (pdq_.size() == 0) return;
      absl::StatusOr<detect::PdqResult> hashed = hasher_->HashBytes(*bytes);
      if (!hashed.ok()) {
        Error(path, base::FromAbsl(hashed.status().message()));
        return;
      }
      matches_pdq_.clear();
      pdq_.Query(hashed->dihedral, threshold_, matches_pdq_);
      for (const detect::PdqMatch& match : matches_pdq_) {
        Print(Json{{"path", path},
                   {"kind", "image"},
                   {"bank_hash", BankHash(match.id)},
                   {"distance", match.distance},
                   {"quality", hashed->quality},
                   {"dihedral", match.dihedral}});
      }
      return;
    }
    // Text, whatever its encoding; binary files (a NUL byte near the start) are not.
    std::string_view head = std::string_view(*bytes).substr(0, 8192);
    if (head.find('\0') != std::string_view::npos) return;
    ScanText(path, std::nullopt, *bytes);
  }

  std::vector<detect::IndicatorRow> rows_;
  std::unique_ptr<detect::TextMatcher> matcher_;
  std::unique_ptr<detect::TextScratch> scratch_;
  std::vector<detect::TextHit> hits_;
  std::unique_ptr<detect::PdqHasher> hasher_;
  detect::PdqIndex pdq_;
  std::vector<detect::PdqMatch> matches_pdq_;
  std::unordered_multimap<std::string, int64_t> md5_, sha256_;
  std::vector<BankEntry> entries_;
  int threshold_ = 31;
  int64_t files_ = 0, lines_ = 0, matches_ = 0, errors_ = 0;
};

absl::Status Scan(const ScanArguments& arguments) {
  if (arguments.paths.empty()) return absl::InvalidArgumentError("scan: give files or folders");
  Scanner scanner;
  RETURN_IF_ERROR(scanner.Load(arguments));
  auto started = std::chrono::steady_clock::now();
  for (const std::string& path : arguments.paths) scanner.ScanPath(path);
  std::fflush(stdout);
  scanner.PrintSummary(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return absl::OkStatus();
}

}  // namespace

std::function<absl::Status()> AddScanCommand(CLI::App& command) {
  auto arguments = std::make_shared<ScanArguments>();
  command.add_option("--indicators", arguments->indicators,
                     "indicator list (CSV or JSON, as exported)");
  command
      .add_option("--banks", arguments->banks,
                  "hash list (hex lines or CSV); prefix pdq:, md5: or sha256: to say which "
                  "(64 hex digits are PDQ otherwise)")
      ->allow_extra_args(false);
  command.add_option("--threshold", arguments->threshold, "PDQ distance (default 31)");
  command.add_option("--max-pixels", arguments->max_pixels,
                     "largest image hashed (default 100000000)");
  command.add_option("paths", arguments->paths, "files and folders (recursively)");
  return [arguments] { return Scan(*arguments); };
}

namespace {

struct DetectArguments {
  std::optional<int> days;
  std::string user;
};

}  // namespace

std::function<absl::Status()> AddDetectCommands(
    CLI::App& group, std::function<absl::StatusOr<base::Config>()> load_config) {
  group.require_subcommand(1);
  auto arguments = std::make_shared<DetectArguments>();
  CLI::App* rescan = group.add_subcommand(
      "rescan", "scan the collected items of the last N days again (done by the server)");
  rescan->add_option("--days", arguments->days, "1 to 365 (default detect_rescan_days)");
  CLI::App* status = group.add_subcommand("status", "the scanner's progress and rescans");
  return [arguments, rescan, status, load_config]() -> absl::Status {
    ASSIGN_OR_RETURN(base::Config config, load_config());
    ASSIGN_OR_RETURN(std::unique_ptr<api::App> app, api::App::Open(config));
    if (rescan->parsed()) {
      std::string login = getlogin() != nullptr ? getlogin() : "operator";
      ASSIGN_OR_RETURN(detect::Scan scan,
                       app->detect().StartRescan(nullptr, {base::StrCat("cli:", login), ""},
                                                 arguments->days, "manual"));
      std::printf("rescan %lld: %lld items from %s (the server scans them)\n",
                  static_cast<long long>(scan.id), static_cast<long long>(scan.items),
                  base::FormatUtc(scan.from).c_str());
      return absl::OkStatus();
    }
    (void)status;
    ASSIGN_OR_RETURN(detect::Status state, app->detect().GetStatus());
    std::printf("scanned through item %lld, %lld items waiting\n",
                static_cast<long long>(state.scanned_through_item),
                static_cast<long long>(state.pending_items));
    std::printf("%lld indicators loaded, %lld patterns that do not compile, %lld bank hashes\n",
                static_cast<long long>(state.indicators), static_cast<long long>(state.problems),
                static_cast<long long>(state.bank_hashes));
    for (const detect::Scan& scan : state.scans) {
      std::printf("rescan %lld (%s): %s, %lld of %lld items, %lld alerts\n",
                  static_cast<long long>(scan.id), scan.reason.c_str(), scan.state.c_str(),
                  static_cast<long long>(scan.scanned), static_cast<long long>(scan.items),
                  static_cast<long long>(scan.alerts));
    }
    return absl::OkStatus();
  };
}

}  // namespace threathub::cli
