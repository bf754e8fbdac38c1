// Evaluate() and what it needs, apart from the service: pure, no database, and nothing
// allocated per item (collection calls it for every record). The fuzzer builds this file alone.
#include "base/strings.h"
#include "mandates/internal/url.h"
#include "mandates/mandates.h"

namespace threathub::mandates {
namespace {

using internal::UrlParts;

struct RefusalInfo {
  Refusal refusal;
  std::string_view code;
};
constexpr RefusalInfo kRefusals[] = {{Refusal::kNone, ""},
                                     {Refusal::kNotApproved, "mandate_not_approved"},
                                     {Refusal::kBeforeWindow, "before_window"},
                                     {Refusal::kAfterWindow, "after_window"},
                                     {Refusal::kRevoked, "mandate_revoked"},
                                     {Refusal::kOutsideSites, "site_outside_mandate"},
                                     {Refusal::kOutsideAccounts, "account_outside_mandate"}};

bool InScope(const ScopeEntry& entry, const Target& target, const std::optional<UrlParts>& url) {
  if (entry.kind == "domain") return url && internal::IsWithinDomain(url->host, entry.value);
  if (entry.kind == "url_prefix") {
    if (!url) return false;
    std::optional<UrlParts> prefix = internal::SplitUrl(entry.value);
    return prefix && internal::HasUrlPrefix(*url, *prefix);
  }
  if (entry.kind == "account") {
    return !target.account_id.empty() && target.account_id == entry.value &&
           internal::EqualsIgnoreAsciiCase(target.platform, entry.platform);
  }
  if (entry.kind == "platform") {
    return !target.platform.empty() &&
           internal::EqualsIgnoreAsciiCase(target.platform, entry.platform);
  }
  return false;
}

}  // namespace

std::string_view RefusalCode(Refusal refusal) {
  for (const RefusalInfo& info : kRefusals) {
    if (info.refusal == refusal) return info.code;
  }
  return "";
}

std::optional<std::string> NormalizeUrl(std::string_view url) {
  std::optional<UrlParts> parts = internal::SplitUrl(url);
  if (!parts) return std::nullopt;
  std::string normalized = base::StrCat(base::AsciiStrToLower(parts->scheme), "://",
                                        parts->user_info, base::AsciiStrToLower(parts->host));
  std::string_view port = internal::EffectivePort(*parts);
  if (!port.empty()) base::StrAppend(&normalized, ":", port);
  if (parts->rest.empty() || parts->rest.front() != '/') normalized += '/';
  normalized += parts->rest;
  return normalized;
}

Refusal Evaluate(const Mandate& mandate, const Target& target) {
  switch (mandate.state) {
    case State::kRevoked:
      return Refusal::kRevoked;
    case State::kExpired:
      return Refusal::kAfterWindow;
    case State::kDraft:
    case State::kPending:
    case State::kRejected:
      return Refusal::kNotApproved;
    case State::kApproved:
      break;
  }
  if (target.at < mandate.starts_at) return Refusal::kBeforeWindow;
  if (target.at >= mandate.ends_at) return Refusal::kAfterWindow;
  std::optional<UrlParts> url = target.url.empty() ? std::nullopt : internal::SplitUrl(target.url);
  for (const ScopeEntry& entry : mandate.scope) {
    if (InScope(entry, target, url)) return Refusal::kNone;
  }
  return target.account_id.empty() ? Refusal::kOutsideSites : Refusal::kOutsideAccounts;
}

}  // namespace threathub::mandates
