// The request linter: checks a draft request against the provider directory before it is sent
// and says, for every problem, what is wrong (in Kazakh, Russian and English), why it matters
// and where the rule comes from. The checks follow the reasons providers refuse requests
// (reference: common_refusal_reasons) and the providers' own requirements.
//
// Pure: no database, no clock (the caller passes `now`). Never fails: bad input of any kind
// (unknown provider, malformed identifiers, text in any script or not UTF-8) becomes warnings.
//
//   requests::Draft draft;
//   draft.type = requests::RequestType::kPreservation;
//   draft.provider = "tiktok";
//   draft.entity_name = "TikTok Inc.";
//   draft.user_country = "KZ";
//   draft.identifiers = {{requests::IdentifierKind::kPhone, "87012345678"}};
//   for (const requests::Warning& warning : requests::Lint(draft, directory, now))
//     show(warning.field, warning.message.Get("ru"), warning.reason, warning.source);
//   // wrong_entity (entity_name): TikTok Pte. Ltd. serves users in KZ
//   // phone_not_e164 (identifiers[0]): write +77012345678
//   // no_legal_basis, no_offence_article, no_date_range, no_categories
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "requests/directory.h"
#include "requests/rules.h"

namespace threathub::requests {

struct Identifier {
  IdentifierKind kind = IdentifierKind::kUsername;
  std::string value;
};

// What the linter reads of a draft. Strings are UTF-8 (any script); instants UTC milliseconds.
struct Draft {
  RequestType type = RequestType::kPreservation;
  std::string provider;      // id or name in the directory; "" for an MLA or 24/7 request
                             // to a State
  std::string entity_name;   // the legal entity it is addressed to; "" not chosen yet
  std::string user_country;  // ISO 3166-1 alpha-2 of where the target user lives; "" unknown
  std::string legal_basis;   // the article of law the request rests on
  std::string offence_article;
  std::optional<base::Millis> range_from;  // the data's date range [from, to]
  std::optional<base::Millis> range_to;
  bool all_data = false;  // "all data" asked for instead of categories
  std::vector<DataCategory> categories;
  std::vector<Identifier> identifiers;
  std::string language = "en";       // of the request text: "kk", "ru", "en"
  bool english_translation = false;  // an English translation is attached
  // Emergency: the facts the provider asks for, by EmergencyField::key ("person_at_risk"), and
  // "criterion": why the provider's emergency criterion is met.
  std::map<std::string, std::string> emergency_fields;
  // Extension: when the preservation being extended ends, and how many extensions came before.
  std::optional<base::Millis> preserved_until;
  int extensions_so_far = 0;
  std::optional<base::Millis> send_at;  // when it will be sent; nullopt: now
  std::string user_zone = "Asia/Almaty";
};

enum class Severity { kError, kWarning };          // an error blocks sending; a warning informs
std::string_view SeverityName(Severity severity);  // "error", "warning"

struct Message {
  std::string en;
  std::string ru;
  std::string kk;
  // By language code; English for any other code.
  const std::string& Get(std::string_view language) const;
};

struct Warning {
  std::string code;   // stable, e.g. "wrong_entity" (the list is in docs/requests.md)
  std::string field;  // the draft's field: "entity_name", "identifiers[2]", "emergency_fields.x"
  Severity severity = Severity::kError;
  Message message;     // what is wrong and what to do, with the values involved
  std::string reason;  // why it matters (English), e.g. the provider's refusal reason
  std::string source;  // where the rule comes from: a provider guideline, statute, the reference
};

// Every check on the draft, in the order of the draft's fields. Codes:
//   unknown_provider, invalid_country, no_user_country, entity_missing, unknown_entity,
//   wrong_entity, no_legal_basis, no_offence_article, no_date_range, reversed_range,
//   range_in_future, range_ends_in_future, over_broad_range, all_data, no_categories,
//   no_identifier, empty_identifier, invalid_phone, phone_not_e164, invalid_email,
//   invalid_url, invalid_user_id, wrong_identifier_kind, identifier_not_accepted,
//   username_needs_numeric_id, content_needs_mla, no_preserved_until,
//   extension_after_expiry, extension_too_late, extension_limit, negative_extensions,
//   no_translation, no_emergency_criterion, missing_emergency_field, invalid_text,
//   invalid_zone.
// The entity checks compare entity_name with SelectEntity(provider, user_country); the
// voluntary check uses the addressed entity (else the right one) and the provider's
// data_categories; the extension checks count days in the entity's zone.
std::vector<Warning> Lint(const Draft& draft, const Directory& directory, base::Millis now);

// The longest date range not flagged as over-broad.
inline constexpr int kMaxRangeDays = 366;
// Text fields longer than this are flagged (invalid_text).
inline constexpr size_t kMaxFieldBytes = 16 * 1024;

// The E.164 form of a phone number ("+77012345678") when libphonenumber finds it valid, parsed
// as written (international form) or, failing that, in `default_region` ("KZ"); nullopt
// otherwise. Lint flags any number not already written so.
std::optional<std::string> ToE164(std::string_view phone, std::string_view default_region);

}  // namespace threathub::requests
