// Text indicator matching throughput (bench/detect_text_bench.sh runs it beside ripgrep, grep and
// YARA on the same input and patterns).
//
//   detect_text_bench generate --dir DIR [--bytes N] [--indicators N] [--seed N]
//       writes DIR/posts.txt (Russian and Kazakh-like posts of about 300 bytes, one per line, from
//       the hunspell dictionaries' words, one post in 50 with an evasion of an indicator),
//       DIR/patterns.txt (the indicators, one per line) and DIR/rules.yar (the same strings as
//       YARA rules of at most 1,000 strings each).
//   detect_text_bench scan --posts FILE --patterns FILE [--mode post|batch] [--batch N]
//                          [--rounds N]
//       compiles the indicators once, reads the posts into memory, then scans them: post by post
//       (TextMatcher::Scan on each) or batched (TextMatcher::ScanBatch on N posts at a time,
//       default 200, as the service scans the items it collected: DetectService batch_size).
//       Prints one line per round and a summary line with the best and median MB/s (10^6 bytes
//       per second of input); units are posts in both modes.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "detect/internal/evasion.h"
#include "detect/text_matcher.h"

namespace {

using threathub::detect::Indicator;
using threathub::detect::IndicatorKind;
using threathub::detect::TextHit;
using threathub::detect::TextMatcher;
using threathub::detect::TextScratch;
using threathub::detect::internal::EvasionGenerator;
using threathub::detect::internal::EvasionKind;

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

std::vector<std::string> ReadWords(const std::string& path) {
  std::vector<std::string> words;
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);  // the count
  while (std::getline(file, line)) {
    std::string word = line.substr(0, line.find('/'));
    while (!word.empty() && (word.back() == '\r' || word.back() == ' ')) word.pop_back();
    bool plain = !word.empty();
    for (unsigned char c : word) {
      // Letters only: ASCII letters or UTF-8 multi-byte (Cyrillic); no digits, dots, hyphens.
      plain = plain && (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    }
    if (plain) words.push_back(word);
  }
  return words;
}

// Lower-cases the Cyrillic and ASCII capitals of a dictionary word (2-byte UTF-8 only).
std::string Lower(std::string word) {
  for (size_t i = 0; i < word.size(); ++i) {
    unsigned char c = word[i];
    if (c >= 'A' && c <= 'Z') {
      word[i] = static_cast<char>(c + 32);
    } else if (c == 0xD0 && i + 1 < word.size()) {
      unsigned char next = word[i + 1];
      if (next >= 0x90 && next <= 0x9F) {
        word[i + 1] = static_cast<char>(next + 0x20);  // А..П -> а..п
      } else if (next >= 0xA0 && next <= 0xAF) {
        word[i] = static_cast<char>(0xD1);
        word[i + 1] = static_cast<char>(next - 0x20);  // Р..Я -> р..я
      }
      ++i;
    } else if (c >= 0xC0) {
      ++i;
    }
  }
  return word;
}

size_t Letters(const std::string& word) {
  size_t count = 0;
  for (unsigned char c : word) count += (c & 0xC0) != 0x80;
  return count;
}

int Generate(int argc, char** argv) {
  const std::string dir = Arg(argc, argv, "--dir", "");
  if (dir.empty()) {
    std::cerr << "generate: --dir is required\n";
    return 2;
  }
  const size_t bytes = std::stoull(Arg(argc, argv, "--bytes", std::to_string(128 << 20)));
  const size_t indicator_count = std::stoull(Arg(argc, argv, "--indicators", "10000"));
  EvasionGenerator random(std::stoull(Arg(argc, argv, "--seed", "1")));
  std::vector<std::string> russian = ReadWords("/usr/share/hunspell/ru_RU.dic");
  std::vector<std::string> kazakh = ReadWords("/usr/share/hunspell/kk_KZ.dic");
  if (russian.empty() || kazakh.empty()) {
    std::cerr << "generate: hunspell-ru and hunspell-kk are needed (apt-get install hunspell-ru "
                 "hunspell-kk)\n";
    return 1;
  }
  for (auto& word : russian) word = Lower(word);
  for (auto& word : kazakh) word = Lower(word);
  // The indicators: 9 in 10 single words of 6+ letters, 1 in 10 two-word phrases; the posts are
  // made of the other words, so that hits are the exception, as they are in real posts.
  std::set<std::string> chosen;
  std::vector<std::string> indicators;
  while (indicators.size() < indicator_count) {
    const std::vector<std::string>& words = random.Below(3) < 2 ? russian : kazakh;
    const std::string& word = words[random.Below(words.size())];
    if (Letters(word) < 7 || chosen.count(word)) continue;
    if (indicators.size() % 10 == 9) {
      const std::string& second = words[random.Below(words.size())];
      if (Letters(second) < 4) continue;
      chosen.insert(second);
      indicators.push_back(word + " " + second);
    } else {
      indicators.push_back(word);
    }
    chosen.insert(word);
  }
  auto drop_chosen = [&](std::vector<std::string>& words) {
    words.erase(std::remove_if(words.begin(), words.end(),
                               [&](const std::string& word) { return chosen.count(word) > 0; }),
                words.end());
  };
  drop_chosen(russian);
  drop_chosen(kazakh);
  // Nor words that hold an indicator (after normalisation): dictionary stems are everywhere in
  // inflected forms ("кристалл" in "кристаллический"), and real posts do not hit a list in
  // every other line. Hits then come from the sprinkled evasions and from words side by side.
  {
    std::vector<Indicator> list;
    for (const std::string& indicator : indicators) {
      list.push_back({.id = 1, .kind = IndicatorKind::kPhrase, .pattern = indicator});
    }
    auto matcher = TextMatcher::Compile(list, TextMatcher::Options());
    if (!matcher.ok()) {
      std::cerr << "generate: " << matcher.status() << "\n";
      return 1;
    }
    TextScratch scratch = (*matcher)->NewScratch();
    std::vector<TextHit> hits;
    size_t dropped = 0;
    for (std::vector<std::string>* words : {&russian, &kazakh}) {
      const size_t before = words->size();
      words->erase(std::remove_if(words->begin(), words->end(),
                                  [&](const std::string& word) {
                                    hits.clear();
                                    (*matcher)->Scan(word, scratch, hits);
                                    return !hits.empty();
                                  }),
                   words->end());
      dropped += before - words->size();
    }
    std::printf(
        "generate: %zu dictionary words hold an indicator and are left out of the posts "
        "(%zu Russian and %zu Kazakh words remain)\n",
        dropped, russian.size(), kazakh.size());
  }

  std::ofstream patterns(dir + "/patterns.txt");
  for (const std::string& indicator : indicators) patterns << indicator << '\n';
  // YARA: at most 1,000 strings per rule (well under its per-rule limit), same bytes as rg's.
  std::ofstream rules(dir + "/rules.yar");
  for (size_t first = 0; first < indicators.size(); first += 1000) {
    rules << "rule indicators_" << first / 1000 << " {\n  strings:\n";
    for (size_t i = first; i < std::min(first + 1000, indicators.size()); ++i) {
      rules << "    $s" << i << " = \"" << indicators[i] << "\"\n";
    }
    rules << "  condition:\n    any of them\n}\n";
  }

  std::ofstream posts(dir + "/posts.txt");
  size_t written = 0, post_count = 0, evasions = 0;
  static const char* const kPunctuation[] = {",", ".", "!", "?", ":", " -"};
  std::string post;
  while (written < bytes) {
    post.clear();
    // Two posts in three Russian, one in three Kazakh-like (Kazakh words, some Russian ones).
    const bool kazakh_post = random.Below(3) == 0;
    const size_t target = 240 + random.Below(120);
    bool capital = true;
    while (post.size() < target) {
      const std::vector<std::string>& words =
          kazakh_post && random.Below(5) != 0 ? kazakh : russian;
      std::string word = words[random.Below(words.size())];
      if (capital && !word.empty() && static_cast<unsigned char>(word[0]) == 0xD0 &&
          static_cast<unsigned char>(word[1]) >= 0xB0 &&
          static_cast<unsigned char>(word[1]) <= 0xBF) {
        word[1] = static_cast<char>(static_cast<unsigned char>(word[1]) - 0x20);  // а..п -> А..П
      }
      capital = false;
      if (!post.empty()) post += ' ';
      post += word;
      if (random.Below(8) == 0) {
        const char* mark = kPunctuation[random.Below(std::size(kPunctuation))];
        post += mark;
        capital = mark[0] == '.' || mark[0] == '!' || mark[0] == '?';
      }
    }
    if (random.Below(50) == 0) {  // a sprinkling of evasions
      const std::string& indicator = indicators[random.Below(indicators.size())];
      const auto kind = static_cast<EvasionKind>(random.Below(9));
      post += ' ';
      post += random.Make(indicator, kind);
      ++evasions;
    }
    post += '\n';
    posts << post;
    written += post.size();
    ++post_count;
  }
  std::printf("generate: %zu posts, %zu bytes, %zu with an evasion, %zu indicators\n", post_count,
              written, evasions, indicators.size());
  return 0;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int Scan(int argc, char** argv) {
  const std::string posts_path = Arg(argc, argv, "--posts", "");
  const std::string patterns_path = Arg(argc, argv, "--patterns", "");
  const std::string mode = Arg(argc, argv, "--mode", "post");
  const size_t batch_posts = std::max(1, std::stoi(Arg(argc, argv, "--batch", "200")));
  if (mode != "post" && mode != "batch") {
    std::cerr << "scan: --mode is post or batch\n";
    return 2;
  }
  const int rounds = std::stoi(Arg(argc, argv, "--rounds", "3"));
  const auto process_start = std::chrono::steady_clock::now();

  std::vector<Indicator> indicators;
  {
    std::ifstream file(patterns_path);
    std::string line;
    while (std::getline(file, line)) {
      if (line.empty()) continue;
      indicators.push_back({.id = static_cast<int64_t>(indicators.size() + 1),
                            .kind = line.find(' ') == std::string::npos ? IndicatorKind::kTerm
                                                                        : IndicatorKind::kPhrase,
                            .pattern = line});
    }
  }
  const auto compile_start = std::chrono::steady_clock::now();
  auto matcher = TextMatcher::Compile(indicators, TextMatcher::Options());
  if (!matcher.ok()) {
    std::cerr << "scan: " << matcher.status() << "\n";
    return 1;
  }
  const double compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_start).count();

  std::string text;
  {
    std::ifstream file(posts_path, std::ios::binary);
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  // Units: posts (lines).
  std::vector<std::string_view> units;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    units.emplace_back(text.data() + start, end - start);
    start = end + 1;
  }
  TextScratch scratch = (*matcher)->NewScratch();
  std::vector<TextHit> hits;
  std::vector<std::string_view> batch;
  std::vector<std::vector<TextHit>> batch_hits;
  auto count = [&](const std::vector<TextHit>& found, size_t& hit_count, size_t& units_with_hits,
                   size_t& compact_hits) {
    hit_count += found.size();
    units_with_hits += !found.empty();
    for (const TextHit& hit : found) compact_hits += hit.compact;
  };
  std::vector<double> rates;
  size_t hit_count = 0, units_with_hits = 0, compact_hits = 0;
  for (int round = 0; round < rounds; ++round) {
    hit_count = units_with_hits = compact_hits = 0;
    const double cpu_start = CpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    if (mode == "post") {
      for (std::string_view unit : units) {
        hits.clear();
        (*matcher)->Scan(unit, scratch, hits);
        count(hits, hit_count, units_with_hits, compact_hits);
      }
    } else {
      for (size_t first = 0; first < units.size(); first += batch_posts) {
        const size_t last = std::min(units.size(), first + batch_posts);
        batch.assign(units.begin() + first, units.begin() + last);
        (*matcher)->ScanBatch(batch, scratch, batch_hits);
        for (const std::vector<TextHit>& found : batch_hits) {
          count(found, hit_count, units_with_hits, compact_hits);
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = CpuSeconds() - cpu_start;
    rates.push_back(text.size() / seconds / 1e6);
    std::printf(
        "detect_text_bench round=%d mode=%s bytes=%zu seconds=%.3f cpu_seconds=%.3f "
        "mb_per_s=%.1f units=%zu units_with_hits=%zu hits=%zu compact_hits=%zu\n",
        round + 1, mode.c_str(), text.size(), seconds, cpu, rates.back(), units.size(),
        units_with_hits, hit_count, compact_hits);
  }
  std::vector<double> sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  const double process_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - process_start).count();
  std::printf(
      "detect_text_bench summary mode=%s indicators=%zu problems=%zu compile_s=%.2f "
      "median_mb_per_s=%.1f best_mb_per_s=%.1f hits=%zu units_with_hits=%zu "
      "process_s=%.2f\n",
      mode.c_str(), (*matcher)->size(), (*matcher)->problems().size(), compile_seconds,
      sorted[sorted.size() / 2], sorted.back(), hit_count, units_with_hits, process_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "generate") return Generate(argc, argv);
  if (command == "scan") return Scan(argc, argv);
  std::cerr << "usage: detect_text_bench generate --dir DIR [--bytes N] [--indicators N] "
               "[--seed N]\n       detect_text_bench scan --posts FILE --patterns FILE "
               "[--mode post|batch] [--batch N] [--rounds N]\n";
  return 2;
}
