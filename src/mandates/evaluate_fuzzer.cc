// libFuzzer target: Evaluate() and NormalizeUrl() on arbitrary URLs, scope values and accounts
// (collected items come from outside). Input: "URL\nPREFIX\nDOMAIN\nPLATFORM\nACCOUNT".
// Besides not crashing, it checks that NormalizeUrl is idempotent, that a URL and its normal
// form evaluate alike, and that a url_prefix entry admits a URL exactly when the normalised URL
// starts with the normalised prefix (the documented rule, computed here the slow way).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "mandates/mandates.h"

namespace {

using threathub::mandates::Evaluate;
using threathub::mandates::Mandate;
using threathub::mandates::NormalizeUrl;
using threathub::mandates::Refusal;
using threathub::mandates::ScopeEntry;
using threathub::mandates::State;
using threathub::mandates::Target;

constexpr threathub::base::Millis kStart = 1000;
constexpr threathub::base::Millis kEnd = 2000;
constexpr threathub::base::Millis kInside = 1500;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts = threathub::base::StrSplit(input, '\n');
  parts.resize(5);
  const std::string url(parts[0]), prefix(parts[1]), domain(parts[2]), platform(parts[3]),
      account(parts[4]);

  Mandate mandate;
  mandate.state = State::kApproved;
  mandate.starts_at = kStart;
  mandate.ends_at = kEnd;
  mandate.scope = {ScopeEntry{"url_prefix", "", prefix}, ScopeEntry{"domain", "", domain},
                   ScopeEntry{"account", platform, account}};
  Target target{platform, account, url, kInside};
  Refusal refusal = Evaluate(mandate, target);
  (void)threathub::mandates::RefusalCode(refusal);
  Target outside = target;
  outside.at = kEnd;
  Check(Evaluate(mandate, outside) == Refusal::kAfterWindow);

  std::optional<std::string> normalized = NormalizeUrl(url);
  if (!normalized) return 0;
  Check(NormalizeUrl(*normalized) == normalized);
  Target normal_form = target;
  normal_form.url = *normalized;
  Check(Evaluate(mandate, normal_form) == refusal);

  std::optional<std::string> normalized_prefix = NormalizeUrl(prefix);
  if (!normalized_prefix) return 0;
  Mandate prefix_only = mandate;
  prefix_only.scope = {ScopeEntry{"url_prefix", "", prefix}};
  bool admitted = Evaluate(prefix_only, Target{"", "", url, kInside}) == Refusal::kNone;
  Check(admitted == threathub::base::StartsWith(*normalized, *normalized_prefix));
  return 0;
}
