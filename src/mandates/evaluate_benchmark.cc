// Evaluate() throughput: `mandate_evaluate_bench [ITEMS]` checks ITEMS collected items (default
// 2,000,000: URLs inside and outside a scope of 60 entries, accounts) against one mandate and
// prints the time per item. Not a test: run it by hand (docs/performance.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/strings.h"
#include "mandates/mandates.h"

int main(int argc, char** argv) {
  using threathub::mandates::Refusal;
  using threathub::mandates::ScopeEntry;
  constexpr int kDefaultItems = 2'000'000;
  constexpr int kEntriesOfEachKind = 20;
  long items = argc > 1 ? std::atol(argv[1]) : kDefaultItems;

  threathub::mandates::Mandate mandate;
  mandate.state = threathub::mandates::State::kApproved;
  mandate.starts_at = 0;
  mandate.ends_at = 1'000'000;
  for (int entry_idx = 0; entry_idx < kEntriesOfEachKind; ++entry_idx) {
    mandate.scope.push_back(
        ScopeEntry{"domain", "", threathub::base::StrCat("site", entry_idx, ".example.kz")});
    mandate.scope.push_back(ScopeEntry{
        "url_prefix", "", threathub::base::StrCat("https://vk.com/club", 1000 + entry_idx)});
    mandate.scope.push_back(
        ScopeEntry{"account", "telegram", threathub::base::StrCat(5'000'000 + entry_idx)});
  }
  std::vector<threathub::mandates::Target> targets = {
      {"web", "", "https://news.site7.example.kz/2026/11/27/story.html", 10},
      {"web", "", "https://evil-site7.example.kz/2026/11/27/story.html", 10},
      {"vk", "", "https://VK.com:443/club1013?w=wall-1013_77", 10},
      {"vk", "-99", "https://vk.com/club9999?w=wall-9999_1", 10},
      {"telegram", "5000019", "https://t.me/c/5000019/4242", 10},
      {"telegram", "7777777", "https://t.me/c/7777777/1", 10},
  };

  long admitted = 0;
  auto start = std::chrono::steady_clock::now();
  for (long item_idx = 0; item_idx < items; ++item_idx) {
    const auto& target = targets[static_cast<size_t>(item_idx) % targets.size()];
    admitted += threathub::mandates::Evaluate(mandate, target) == Refusal::kNone;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%ld items, %ld admitted, %.1f ns per item (%zu scope entries)\n", items, admitted,
              seconds * 1e9 / static_cast<double>(items), mandate.scope.size());
  return 0;
}
