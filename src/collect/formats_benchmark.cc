// JSON Lines parsing throughput, not a test: N posts of about 300 bytes (Cyrillic and Kazakh
// text, ids, a time, a media URL) parsed from memory by ParseJsonLines, best of several rounds.
// The import target is 50,000 posts per second on one core including the database work, so
// the parser alone should stay far above that.
//
//   collect_parse_bench [LINES] [ROUNDS]      (defaults 200000 and 5)
//
// Prints one line: "collect_parse_bench lines=200000 bytes_per_line=301 lines_per_s=...
// MB_per_s=...".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/strings.h"
#include "collect/formats.h"

namespace {

std::string MakeLines(size_t count, size_t& bytes_per_line) {
  // Texts of varied length so lines average about 300 bytes.
  static constexpr const char* kTexts[] = {
      "Ертең сағат 10:00-де Алматыда жиналыс болады, бәріңіз келіңіздер!",
      "Завтра в 10:00 собрание у памятника, приходите все и зовите друзей.",
      "Подробности по ссылке, распространите пожалуйста",
      "Құрметті достар! Бүгін кешке кездесеміз.",
  };
  std::string out;
  out.reserve(count * 320);
  for (size_t line_idx = 0; line_idx < count; ++line_idx) {
    threathub::base::StrAppend(
        &out, R"({"platform":"telegram","post_id":")", 1000000 + line_idx,
        R"(","channel_id":"1712345678","author_id":"user)", 5550000 + line_idx % 977,
        R"(","created_at":")", "2026-03-15T10:", 10 + line_idx % 50, ":00+05:00", R"(","text":")",
        kTexts[line_idx % 4], R"(","media":["https://t.me/c/1712345678/)", line_idx, "\"]}\n");
  }
  bytes_per_line = out.size() / std::max<size_t>(count, 1);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  size_t bytes_per_line = 0;
  const std::string input = MakeLines(lines, bytes_per_line);
  double best_seconds = 1e30;
  for (int round_idx = 0; round_idx < std::max(rounds, 1); ++round_idx) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<threathub::collect::ParseOutput> out = threathub::collect::ParseJsonLines(input);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!out.ok() || out->records.size() != lines || !out->records.back().ok()) {
      std::fprintf(stderr, "collect_parse_bench: parsing failed\n");
      return 1;
    }
    best_seconds = std::min(best_seconds, seconds);
  }
  std::printf("collect_parse_bench lines=%zu bytes_per_line=%zu lines_per_s=%.0f MB_per_s=%.1f\n",
              lines, bytes_per_line, lines / best_seconds,
              static_cast<double>(input.size()) / best_seconds / 1e6);
  return 0;
}
