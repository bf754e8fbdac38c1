#include "requests/directory.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "absl/time/time.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "requests/internal/json_fields.h"
#include "requests/internal/seed.h"
#include "requests/internal/zones.h"

namespace threathub::requests {
namespace {

using internal::Fields;
using internal::Json;

// Member States of the European Union since 1 February 2020 (the United Kingdom left on 31
// January 2020): europa.eu, "EU countries" (european-union.europa.eu/principles-countries-
// history/eu-countries). ISO 3166-1 alpha-2 codes (Greece is GR; the EU's "EL" is mapped).
constexpr std::array<std::string_view, 27> kEuCountries = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};
// The European Economic Area: the EU and Iceland, Liechtenstein and Norway (EEA Agreement,
// Art. 2 and 126; efta.int/eea). Switzerland is not in the EEA.
constexpr std::array<std::string_view, 3> kEeaOnlyCountries = {"IS", "LI", "NO"};
// The United Kingdom as providers use it: GB (ISO 3166-1 "United Kingdom of Great Britain and
// Northern Ireland").
constexpr std::array<std::string_view, 1> kUkCountries = {"GB"};

bool Contains(const auto& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string HashHex(std::string_view text) { return base::HexEncode(base::Sha256(text)); }

// A provider id: 1-64 of [a-z0-9_-].
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "2026-11" or "2026-11-27".
bool ValidChecked(std::string_view text) {
  if (text.size() != 7 && text.size() != 10) return false;
  for (size_t index = 0; index < text.size(); ++index) {
    bool dash = index == 4 || index == 7;
    if (dash ? text[index] != '-' : (text[index] < '0' || text[index] > '9')) return false;
  }
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  if (month < 1 || month > 12) return false;
  if (text.size() == 10) {
    int day = (text[8] - '0') * 10 + (text[9] - '0');
    if (day < 1 || day > 31) return false;
  }
  return true;
}

absl::Status CheckTimeZone(const Fields& fields, std::string_view key, const std::string& name) {
  absl::TimeZone zone;
  if (!internal::LoadZone(name, &zone)) {
    return fields.Error(key, "is not a known IANA time zone (e.g. \"Europe/Dublin\")");
  }
  return absl::OkStatus();
}

absl::StatusOr<Confidence> ParseConfidence(const Fields& fields) {
  ASSIGN_OR_RETURN(std::string word, fields.String("confidence", /*required=*/true));
  if (word == "verified") return Confidence::kVerified;
  if (word == "unverified") return Confidence::kUnverified;
  return fields.Error("confidence", "must be \"verified\" or \"unverified\"");
}

// Reads source, confidence, checked and to_check from an object that has them.
absl::StatusOr<Provenance> ReadProvenance(const Fields& fields) {
  Provenance provenance;
  ASSIGN_OR_RETURN(provenance.source, fields.String("source", /*required=*/false));
  ASSIGN_OR_RETURN(provenance.confidence, ParseConfidence(fields));
  ASSIGN_OR_RETURN(provenance.checked, fields.String("checked", /*required=*/true));
  ASSIGN_OR_RETURN(provenance.to_check, fields.String("to_check", /*required=*/false));
  if (!ValidChecked(provenance.checked)) {
    return fields.Error("checked", "must be a date YYYY-MM or YYYY-MM-DD");
  }
  if (base::StripAsciiWhitespace(provenance.source).empty()) {
    if (provenance.confidence == Confidence::kVerified) {
      return fields.Error("source", "a verified fact needs its source");
    }
    if (base::StripAsciiWhitespace(provenance.to_check).empty()) {
      return fields.Error("source", "is empty: say in to_check what to confirm");
    }
  }
  return provenance;
}

absl::StatusOr<AppliesTo> ReadAppliesTo(const Fields& entity) {
  const Json* value = entity.Get("applies_to");
  if (value == nullptr) return entity.Error("applies_to", "is missing");
  ASSIGN_OR_RETURN(Fields fields, Fields::Of(*value, entity.FieldPath("applies_to"),
                                             {"default", "regions", "countries"}));
  AppliesTo rule;
  ASSIGN_OR_RETURN(rule.is_default, fields.Bool("default", false));
  ASSIGN_OR_RETURN(std::vector<std::string> regions, fields.Strings("regions", false));
  ASSIGN_OR_RETURN(std::vector<std::string> countries, fields.Strings("countries", false));
  for (const std::string& name : regions) {
    std::optional<Region> region = ParseRegion(name);
    if (!region) return fields.Error("regions", "must name EU, EEA or UK");
    rule.regions.push_back(*region);
  }
  for (const std::string& code : countries) {
    absl::StatusOr<std::string> normalized = NormalizeCountry(code);
    if (!normalized.ok()) {
      return fields.Error("countries", "must hold ISO 3166-1 alpha-2 codes such as \"US\"");
    }
    rule.countries.push_back(*normalized);
  }
  if (!rule.is_default && rule.regions.empty() && rule.countries.empty()) {
    return entity.Error("applies_to", "needs {\"default\":true}, regions or countries");
  }
  return rule;
}

template <class Enum>
absl::StatusOr<Enum> ReadEnum(const Fields& fields, std::string_view key,
                              std::optional<Enum> (*parse)(std::string_view),
                              std::string_view allowed) {
  ASSIGN_OR_RETURN(std::string word, fields.String(key, /*required=*/true));
  std::optional<Enum> value = parse(word);
  if (!value) return fields.Error(key, base::StrCat("must be one of ", allowed));
  return *value;
}

// Opens the object at `key` (a fact group); nullopt when absent.
absl::StatusOr<std::optional<Fields>> Group(const Fields& parent, std::string_view key,
                                            std::initializer_list<std::string_view> known,
                                            bool required) {
  const Json* value = parent.Get(key);
  if (value == nullptr) {
    if (required) return parent.Error(key, "is missing");
    return std::optional<Fields>();
  }
  ASSIGN_OR_RETURN(Fields fields, Fields::Of(*value, parent.FieldPath(key), known));
  return std::optional<Fields>(std::move(fields));
}

absl::Status ReadEntities(const Fields& entry, Provider& provider) {
  ASSIGN_OR_RETURN(std::optional<Fields> group,
                   Group(entry, "legal_entities",
                         {"entries", "source", "confidence", "checked", "to_check"}, true));
  ASSIGN_OR_RETURN(provider.entities_provenance, ReadProvenance(*group));
  ASSIGN_OR_RETURN(const Json* entries, group->Array("entries", true));
  if (entries->empty()) return group->Error("entries", "needs at least one legal entity");
  int defaults = 0;
  for (size_t index = 0; index < entries->size(); ++index) {
    ASSIGN_OR_RETURN(
        Fields fields,
        Fields::Of((*entries)[index], base::StrCat(group->FieldPath("entries"), "[", index, "]"),
                   {"name", "jurisdiction", "applies_to", "applies_to_text", "time_zone"}));
    LegalEntity entity;
    ASSIGN_OR_RETURN(entity.name, fields.String("name", true));
    ASSIGN_OR_RETURN(std::string jurisdiction, fields.String("jurisdiction", true));
    absl::StatusOr<std::string> country = NormalizeCountry(jurisdiction);
    if (!country.ok()) return fields.Error("jurisdiction", "must be an ISO 3166-1 alpha-2 code");
    entity.jurisdiction = *country;
    ASSIGN_OR_RETURN(entity.applies_to, ReadAppliesTo(fields));
    ASSIGN_OR_RETURN(entity.applies_to_text, fields.String("applies_to_text", true));
    ASSIGN_OR_RETURN(entity.time_zone, fields.String("time_zone", true));
    RETURN_IF_ERROR(CheckTimeZone(fields, "time_zone", entity.time_zone));
    if (entity.applies_to.is_default) ++defaults;
    provider.entities.push_back(std::move(entity));
  }
  if (defaults != 1) {
    return group->Error("entries",
                        "exactly one legal entity must have applies_to {\"default\":true}");
  }
  return absl::OkStatus();
}

absl::Status ReadChannels(const Fields& entry, Provider& provider) {
  ASSIGN_OR_RETURN(
      std::optional<Fields> group,
      Group(entry, "channels", {"entries", "source", "confidence", "checked", "to_check"}, false));
  if (!group) return absl::OkStatus();
  ASSIGN_OR_RETURN(provider.channels_provenance, ReadProvenance(*group));
  ASSIGN_OR_RETURN(const Json* entries, group->Array("entries", true));
  for (size_t index = 0; index < entries->size(); ++index) {
    ASSIGN_OR_RETURN(
        Fields fields,
        Fields::Of((*entries)[index], base::StrCat(group->FieldPath("entries"), "[", index, "]"),
                   {"kind", "text", "address"}));
    Channel channel;
    ASSIGN_OR_RETURN(channel.kind, fields.String("kind", true));
    if (channel.kind != "portal" && channel.kind != "emergency" && channel.kind != "email" &&
        channel.kind != "post") {
      return fields.Error("kind", "must be one of portal, emergency, email, post");
    }
    ASSIGN_OR_RETURN(channel.text, fields.String("text", true));
    ASSIGN_OR_RETURN(channel.address, fields.String("address", false));
    provider.channels.push_back(std::move(channel));
  }
  return absl::OkStatus();
}

absl::Status ReadPreservation(const Fields& entry, Provider& provider) {
  ASSIGN_OR_RETURN(std::optional<Fields> group,
                   Group(entry, "preservation",
                         {"days", "max_extensions", "extension_days", "extension_lead_days", "text",
                          "source", "confidence", "checked", "to_check"},
                         false));
  if (!group) return absl::OkStatus();
  PreservationRule rule;
  ASSIGN_OR_RETURN(std::optional<int> days, group->Int("days", 1, 3650, true));
  rule.days = *days;
  ASSIGN_OR_RETURN(rule.max_extensions, group->Int("max_extensions", 0, 100, false));
  ASSIGN_OR_RETURN(rule.extension_days, group->Int("extension_days", 1, 3650, false));
  ASSIGN_OR_RETURN(rule.extension_lead_days, group->Int("extension_lead_days", 0, 365, false));
  if (rule.extension_lead_days && *rule.extension_lead_days >= rule.days) {
    return group->Error("extension_lead_days", "must be shorter than the preservation period");
  }
  ASSIGN_OR_RETURN(rule.text, group->String("text", true));
  ASSIGN_OR_RETURN(rule.provenance, ReadProvenance(*group));
  provider.preservation = std::move(rule);
  return absl::OkStatus();
}

absl::Status ReadEmergency(const Fields& entry, Provider& provider) {
  ASSIGN_OR_RETURN(std::optional<Fields> group, Group(entry, "emergency",
                                                      {"criterion", "required_fields", "source",
                                                       "confidence", "checked", "to_check"},
                                                      false));
  if (!group) return absl::OkStatus();
  EmergencyRule rule;
  ASSIGN_OR_RETURN(rule.criterion, group->String("criterion", true));
  ASSIGN_OR_RETURN(const Json* fields_json, group->Array("required_fields", false));
  if (fields_json != nullptr) {
    for (size_t index = 0; index < fields_json->size(); ++index) {
      ASSIGN_OR_RETURN(Fields fields, Fields::Of((*fields_json)[index],
                                                 base::StrCat(group->FieldPath("required_fields"),
                                                              "[", index, "]"),
                                                 {"key", "text"}));
      EmergencyField field;
      ASSIGN_OR_RETURN(field.key, fields.String("key", true));
      if (!ValidId(field.key)) return fields.Error("key", "must be lower-case [a-z0-9_-]");
      ASSIGN_OR_RETURN(field.text, fields.String("text", true));
      rule.required_fields.push_back(std::move(field));
    }
  }
  ASSIGN_OR_RETURN(rule.provenance, ReadProvenance(*group));
  provider.emergency = std::move(rule);
  return absl::OkStatus();
}

absl::Status ReadRequirements(const Fields& entry, Provider& provider) {
  ASSIGN_OR_RETURN(std::optional<Fields> group,
                   Group(entry, "requirements",
                         {"required_in_request", "accepted_identifiers", "prefers_numeric_id",
                          "requires_english", "official_email_required", "source", "confidence",
                          "checked", "to_check"},
                         false));
  if (!group) return absl::OkStatus();
  Requirements rule;
  ASSIGN_OR_RETURN(rule.required_in_request, group->Strings("required_in_request", false));
  ASSIGN_OR_RETURN(std::vector<std::string> kinds, group->Strings("accepted_identifiers", false));
  for (const std::string& name : kinds) {
    std::optional<IdentifierKind> kind = ParseIdentifierKind(name);
    if (!kind) {
      return group->Error("accepted_identifiers",
                          "must hold phone, email, url, username, user_id, video_id or ip");
    }
    rule.accepted_identifiers.push_back(*kind);
  }
  ASSIGN_OR_RETURN(rule.prefers_numeric_id, group->Bool("prefers_numeric_id", false));
  ASSIGN_OR_RETURN(rule.requires_english, group->Bool("requires_english", false));
  ASSIGN_OR_RETURN(rule.official_email_required, group->Bool("official_email_required", false));
  ASSIGN_OR_RETURN(rule.provenance, ReadProvenance(*group));
  provider.requirements = std::move(rule);
  return absl::OkStatus();
}

absl::Status ReadCategories(const Fields& entry, Provider& provider) {
  ASSIGN_OR_RETURN(std::optional<Fields> group,
                   Group(entry, "data_categories",
                         {"entries", "source", "confidence", "checked", "to_check"}, false));
  if (!group) return absl::OkStatus();
  ASSIGN_OR_RETURN(provider.data_categories_provenance, ReadProvenance(*group));
  ASSIGN_OR_RETURN(const Json* entries, group->Array("entries", true));
  for (size_t index = 0; index < entries->size(); ++index) {
    ASSIGN_OR_RETURN(
        Fields fields,
        Fields::Of((*entries)[index], base::StrCat(group->FieldPath("entries"), "[", index, "]"),
                   {"category", "process", "text"}));
    CategoryProcess item;
    ASSIGN_OR_RETURN(item.category,
                     ReadEnum<DataCategory>(fields, "category", &ParseDataCategory,
                                            "subscriber, traffic, content, transaction"));
    ASSIGN_OR_RETURN(
        item.process,
        ReadEnum<Process>(fields, "process", &ParseProcess,
                          "voluntary_disclosure, mla_request, court_order, not_available"));
    ASSIGN_OR_RETURN(item.text, fields.String("text", true));
    for (const CategoryProcess& earlier : provider.data_categories) {
      if (earlier.category == item.category) return fields.Error("category", "is listed twice");
    }
    provider.data_categories.push_back(std::move(item));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Note>> ReadNote(const Fields& parent, std::string_view key,
                                             bool required) {
  ASSIGN_OR_RETURN(
      std::optional<Fields> group,
      Group(parent, key, {"text", "source", "confidence", "checked", "to_check"}, required));
  if (!group) return std::optional<Note>();
  Note note;
  ASSIGN_OR_RETURN(note.text, group->String("text", true));
  ASSIGN_OR_RETURN(note.provenance, ReadProvenance(*group));
  return std::optional<Note>(std::move(note));
}

absl::StatusOr<Provider> ReadProvider(const Json& value, std::string_view path_prefix,
                                      size_t index) {
  // Name the entry by its id when it has a usable one, else by its position.
  std::string label = base::StrCat(path_prefix, "[", index, "]");
  if (value.is_object()) {
    auto id = value.find("id");
    if (id != value.end() && id->is_string() && ValidId(id->get_ref<const std::string&>())) {
      label = base::StrCat(path_prefix, "[", id->get_ref<const std::string&>(), "]");
    }
  }
  ASSIGN_OR_RETURN(Fields entry, Fields::Of(value, label,
                                            {"id", "names", "legal_entities", "channels",
                                             "preservation", "emergency", "requirements",
                                             "data_categories", "notes", "retention"}));
  Provider provider;
  ASSIGN_OR_RETURN(provider.id, entry.String("id", true));
  if (!ValidId(provider.id)) return entry.Error("id", "must be 1-64 of [a-z0-9_-]");
  ASSIGN_OR_RETURN(provider.names, entry.Strings("names", true));
  RETURN_IF_ERROR(ReadEntities(entry, provider));
  RETURN_IF_ERROR(ReadChannels(entry, provider));
  RETURN_IF_ERROR(ReadPreservation(entry, provider));
  RETURN_IF_ERROR(ReadEmergency(entry, provider));
  RETURN_IF_ERROR(ReadRequirements(entry, provider));
  RETURN_IF_ERROR(ReadCategories(entry, provider));
  ASSIGN_OR_RETURN(provider.notes, ReadNote(entry, "notes", false));
  ASSIGN_OR_RETURN(provider.retention_ids, entry.Strings("retention", false));
  for (const std::string& id : provider.retention_ids) {
    if (!ValidId(id)) return entry.Error("retention", "must hold retention period ids");
  }
  // The value is a validated tree of bounded depth, so dump() cannot recurse deeply. nlohmann's
  // object keeps its keys sorted: the dump is canonical.
  provider.canonical_json = value.dump();
  provider.content_hash = HashHex(provider.canonical_json);
  return provider;
}

absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what) {
  if (text.size() > kMaxDirectoryJsonBytes) {
    return base::InvalidField(what, "is larger than 4 MiB");
  }
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again for the position of the error (the library reports it only by exception).
    try {
      Json unused = Json::parse(text);
      (void)unused;
    } catch (const Json::exception& error) {
      return base::InvalidField(what, base::StrCat("is not valid JSON: ", error.what()));
    }
    return base::InvalidField(what, "is not valid JSON");
  }
  return parsed;
}

// "legal_rules[us-2703f]" when the element has a usable id, else "legal_rules[3]".
std::string Label(const Json& value, std::string_view list, size_t index) {
  if (value.is_object()) {
    auto id = value.find("id");
    if (id != value.end() && id->is_string() && ValidId(id->get_ref<const std::string&>())) {
      return base::StrCat(list, "[", id->get_ref<const std::string&>(), "]");
    }
  }
  return base::StrCat(list, "[", index, "]");
}

absl::StatusOr<LegalRule> ReadRule(const Json& value, size_t index) {
  ASSIGN_OR_RETURN(Fields fields, Fields::Of(value, Label(value, "legal_rules", index),
                                             {"id", "text", "days", "extension_days", "hours",
                                              "source", "confidence", "checked", "to_check"}));
  LegalRule rule;
  ASSIGN_OR_RETURN(rule.id, fields.String("id", true));
  if (!ValidId(rule.id)) return fields.Error("id", "must be 1-64 of [a-z0-9_-]");
  ASSIGN_OR_RETURN(rule.text, fields.String("text", true));
  ASSIGN_OR_RETURN(rule.days, fields.Int("days", 1, 3650, false));
  ASSIGN_OR_RETURN(rule.extension_days, fields.Int("extension_days", 1, 3650, false));
  ASSIGN_OR_RETURN(rule.hours, fields.Int("hours", 1, 24 * 365, false));
  ASSIGN_OR_RETURN(rule.provenance, ReadProvenance(fields));
  return rule;
}

absl::StatusOr<RetentionPeriod> ReadRetention(const Json& value, size_t index) {
  ASSIGN_OR_RETURN(Fields fields,
                   Fields::Of(value, Label(value, "retention_periods", index),
                              {"id", "text", "applies_to", "provider", "operator_kind", "data",
                               "days", "source", "confidence", "checked", "to_check"}));
  RetentionPeriod period;
  ASSIGN_OR_RETURN(period.id, fields.String("id", true));
  if (!ValidId(period.id)) return fields.Error("id", "must be 1-64 of [a-z0-9_-]");
  ASSIGN_OR_RETURN(period.text, fields.String("text", true));
  ASSIGN_OR_RETURN(period.provider, fields.String("provider", false));
  if (!period.provider.empty() && !ValidId(period.provider)) {
    return fields.Error("provider", "must be a provider id, 1-64 of [a-z0-9_-]");
  }
  if (fields.Has("applies_to")) {
    ASSIGN_OR_RETURN(AppliesTo rule, ReadAppliesTo(fields));
    if (rule.is_default || !rule.regions.empty()) {
      return fields.Error("applies_to", "names countries only");
    }
    period.countries = std::move(rule.countries);
  }
  if (period.provider.empty() == period.countries.empty()) {
    return fields.Error("provider", "give either a provider or applies_to.countries");
  }
  ASSIGN_OR_RETURN(period.operator_kind, fields.String("operator_kind", false));
  ASSIGN_OR_RETURN(period.data, fields.String("data", true));
  ASSIGN_OR_RETURN(period.days, fields.Int("days", 1, 36500, false));
  ASSIGN_OR_RETURN(period.provenance, ReadProvenance(fields));
  return period;
}

absl::StatusOr<StatusFact> ReadStatusFact(const Fields& country, std::string_view key,
                                          std::initializer_list<std::string_view> statuses,
                                          bool required) {
  ASSIGN_OR_RETURN(
      std::optional<Fields> group,
      Group(country, key, {"status", "text", "source", "confidence", "checked", "to_check"},
            required));
  if (!group) return StatusFact{};
  StatusFact fact;
  ASSIGN_OR_RETURN(fact.status, group->String("status", true));
  bool known = false;
  std::string allowed;
  for (std::string_view status : statuses) {
    known = known || status == fact.status;
    base::StrAppend(&allowed, allowed.empty() ? "" : ", ", status);
  }
  if (!known) return group->Error("status", base::StrCat("must be one of ", allowed));
  ASSIGN_OR_RETURN(fact.text, group->String("text", true));
  ASSIGN_OR_RETURN(fact.provenance, ReadProvenance(*group));
  return fact;
}

absl::StatusOr<CountryProfile> ReadCountry(const Json& value, size_t index) {
  std::string label = base::StrCat("countries[", index, "]");
  if (value.is_object()) {
    auto code = value.find("code");
    if (code != value.end() && code->is_string()) {
      absl::StatusOr<std::string> normalized =
          NormalizeCountry(code->get_ref<const std::string&>());
      if (normalized.ok()) label = base::StrCat("countries[", *normalized, "]");
    }
  }
  ASSIGN_OR_RETURN(Fields fields, Fields::Of(value, label,
                                             {"code", "name", "budapest", "un_cybercrime",
                                              "cis_2018", "cloud_act_agreement", "instruments",
                                              "central_authority", "contact_24_7", "languages"}));
  CountryProfile profile;
  ASSIGN_OR_RETURN(std::string code, fields.String("code", true));
  absl::StatusOr<std::string> normalized = NormalizeCountry(code);
  if (!normalized.ok()) return fields.Error("code", "must be an ISO 3166-1 alpha-2 code");
  profile.code = *normalized;
  ASSIGN_OR_RETURN(profile.name, fields.String("name", true));
  ASSIGN_OR_RETURN(profile.budapest,
                   ReadStatusFact(fields, "budapest", {"party", "not_party", "unknown"}, true));
  ASSIGN_OR_RETURN(
      profile.un_cybercrime,
      ReadStatusFact(fields, "un_cybercrime",
                     {"party", "signed", "in_preparation", "not_party", "unknown"}, true));
  ASSIGN_OR_RETURN(profile.cis_2018,
                   ReadStatusFact(fields, "cis_2018", {"party", "not_member", "unknown"}, true));
  if (fields.Has("cloud_act_agreement")) {
    ASSIGN_OR_RETURN(
        profile.cloud_act_agreement,
        ReadStatusFact(fields, "cloud_act_agreement", {"in_force", "none", "unknown"}, true));
  }
  ASSIGN_OR_RETURN(const Json* instruments, fields.Array("instruments", true));
  for (size_t item = 0; item < instruments->size(); ++item) {
    ASSIGN_OR_RETURN(
        Fields instrument_fields,
        Fields::Of((*instruments)[item],
                   base::StrCat(fields.FieldPath("instruments"), "[", item, "]"),
                   {"name", "kind", "status", "source", "confidence", "checked", "to_check"}));
    Instrument instrument;
    ASSIGN_OR_RETURN(instrument.name, instrument_fields.String("name", true));
    ASSIGN_OR_RETURN(instrument.kind, instrument_fields.String("kind", true));
    ASSIGN_OR_RETURN(instrument.status, instrument_fields.String("status", false));
    ASSIGN_OR_RETURN(instrument.provenance, ReadProvenance(instrument_fields));
    profile.instruments.push_back(std::move(instrument));
  }
  ASSIGN_OR_RETURN(std::optional<Note> central, ReadNote(fields, "central_authority", true));
  profile.central_authority = *std::move(central);
  ASSIGN_OR_RETURN(std::optional<Note> contact, ReadNote(fields, "contact_24_7", true));
  profile.contact_24_7 = *std::move(contact);
  ASSIGN_OR_RETURN(
      std::optional<Fields> languages,
      Group(fields, "languages",
            {"codes", "english_accepted", "text", "source", "confidence", "checked", "to_check"},
            true));
  ASSIGN_OR_RETURN(profile.languages.codes, languages->Strings("codes", true));
  ASSIGN_OR_RETURN(profile.languages.english_accepted, languages->Bool("english_accepted", false));
  ASSIGN_OR_RETURN(profile.languages.text, languages->String("text", true));
  ASSIGN_OR_RETURN(profile.languages.provenance, ReadProvenance(*languages));
  return profile;
}

absl::Status ReadTemplate(const Fields& top, RequestTemplate& out) {
  ASSIGN_OR_RETURN(std::optional<Fields> group,
                   Group(top, "request_template",
                         {"fields", "source", "confidence", "checked", "to_check"}, false));
  if (!group) return absl::OkStatus();
  ASSIGN_OR_RETURN(out.provenance, ReadProvenance(*group));
  ASSIGN_OR_RETURN(const Json* fields_json, group->Array("fields", true));
  for (size_t index = 0; index < fields_json->size(); ++index) {
    ASSIGN_OR_RETURN(
        Fields fields,
        Fields::Of((*fields_json)[index], base::StrCat(group->FieldPath("fields"), "[", index, "]"),
                   {"key", "text"}));
    TemplateField field;
    ASSIGN_OR_RETURN(field.key, fields.String("key", true));
    if (!ValidId(field.key)) return fields.Error("key", "must be lower-case [a-z0-9_-]");
    for (const TemplateField& earlier : out.fields) {
      if (earlier.key == field.key) return fields.Error("key", "is used twice");
    }
    ASSIGN_OR_RETURN(field.text, fields.String("text", true));
    out.fields.push_back(std::move(field));
  }
  return absl::OkStatus();
}

absl::Status ReadRefusalReasons(const Fields& top, RefusalReasons& out) {
  ASSIGN_OR_RETURN(std::optional<Fields> group,
                   Group(top, "refusal_reasons",
                         {"entries", "source", "confidence", "checked", "to_check"}, false));
  if (!group) return absl::OkStatus();
  ASSIGN_OR_RETURN(out.provenance, ReadProvenance(*group));
  ASSIGN_OR_RETURN(out.entries, group->Strings("entries", true));
  return absl::OkStatus();
}

std::string Summary(const PreservationRule& rule) {
  std::string text = base::StrCat(rule.days, " days");
  if (rule.max_extensions)
    base::StrAppend(&text, "; at most ", *rule.max_extensions, " extension(s)");
  if (rule.extension_days) base::StrAppend(&text, "; extension ", *rule.extension_days, " days");
  if (rule.extension_lead_days) {
    base::StrAppend(&text, "; extension at least ", *rule.extension_lead_days,
                    " days before expiry");
  }
  base::StrAppend(&text, " (", rule.text, ")");
  return text;
}

// Leaves of a JSON tree by JSON pointer. Entries are validated, so depth is bounded.
void Flatten(const Json& value, const std::string& path, std::map<std::string, std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      std::string escaped = base::StrReplaceAll(key, {{"~", "~0"}, {"/", "~1"}});
      Flatten(child, base::StrCat(path, "/", escaped), out);
    }
  } else if (value.is_array() && !value.empty()) {
    for (size_t index = 0; index < value.size(); ++index) {
      Flatten(value[index], base::StrCat(path, "/", index), out);
    }
  } else {
    out[path] = value.is_string() ? value.get<std::string>() : value.dump();
  }
}

}  // namespace

// ---- Names -------------------------------------------------------------------------------------

std::string_view ConfidenceName(Confidence confidence) {
  return confidence == Confidence::kVerified ? "verified" : "unverified";
}

std::string_view RegionName(Region region) {
  switch (region) {
    case Region::kEu:
      return "EU";
    case Region::kEea:
      return "EEA";
    case Region::kUk:
      return "UK";
  }
  return "";
}

std::optional<Region> ParseRegion(std::string_view name) {
  if (name == "EU") return Region::kEu;
  if (name == "EEA") return Region::kEea;
  if (name == "UK") return Region::kUk;
  return std::nullopt;
}

namespace {
constexpr std::array<std::pair<IdentifierKind, std::string_view>, 7> kIdentifierKinds = {{
    {IdentifierKind::kPhone, "phone"},
    {IdentifierKind::kEmail, "email"},
    {IdentifierKind::kUrl, "url"},
    {IdentifierKind::kUsername, "username"},
    {IdentifierKind::kUserId, "user_id"},
    {IdentifierKind::kVideoId, "video_id"},
    {IdentifierKind::kIp, "ip"},
}};
constexpr std::array<std::pair<DataCategory, std::string_view>, 4> kCategories = {{
    {DataCategory::kSubscriber, "subscriber"},
    {DataCategory::kTraffic, "traffic"},
    {DataCategory::kContent, "content"},
    {DataCategory::kTransaction, "transaction"},
}};
constexpr std::array<std::pair<Process, std::string_view>, 4> kProcesses = {{
    {Process::kVoluntaryDisclosure, "voluntary_disclosure"},
    {Process::kMlaRequest, "mla_request"},
    {Process::kCourtOrder, "court_order"},
    {Process::kNotAvailable, "not_available"},
}};

template <class Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "";
}
template <class Enum, size_t N>
std::optional<Enum> ValueOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) {
  for (const auto& [candidate, candidate_name] : table) {
    if (candidate_name == name) return candidate;
  }
  return std::nullopt;
}
}  // namespace

std::string_view IdentifierKindName(IdentifierKind kind) { return NameOf(kIdentifierKinds, kind); }
std::optional<IdentifierKind> ParseIdentifierKind(std::string_view name) {
  return ValueOf(kIdentifierKinds, name);
}
std::string_view DataCategoryName(DataCategory category) { return NameOf(kCategories, category); }
std::optional<DataCategory> ParseDataCategory(std::string_view name) {
  return ValueOf(kCategories, name);
}
std::string_view ProcessName(Process process) { return NameOf(kProcesses, process); }
std::optional<Process> ParseProcess(std::string_view name) { return ValueOf(kProcesses, name); }

// ---- Countries, entities -----------------------------------------------------------------------

absl::StatusOr<std::string> NormalizeCountry(std::string_view country) {
  std::string_view trimmed = base::StripAsciiWhitespace(country);
  bool letters = trimmed.size() == 2 && std::all_of(trimmed.begin(), trimmed.end(), [](char c) {
                   return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
                 });
  if (!letters) {
    return base::InvalidField("country", "must be a two-letter ISO 3166-1 code such as \"KZ\"");
  }
  std::string code = base::AsciiStrToUpper(trimmed);
  if (code == "UK") return std::string("GB");
  if (code == "EL") return std::string("GR");
  return code;
}

bool InRegion(std::string_view country, Region region) {
  switch (region) {
    case Region::kEu:
      return Contains(kEuCountries, country);
    case Region::kEea:
      return Contains(kEuCountries, country) || Contains(kEeaOnlyCountries, country);
    case Region::kUk:
      return Contains(kUkCountries, country);
  }
  return false;
}

bool AppliesExplicitly(const AppliesTo& rule, std::string_view country) {
  if (Contains(rule.countries, country)) return true;
  return std::any_of(rule.regions.begin(), rule.regions.end(),
                     [&](Region region) { return InRegion(country, region); });
}

absl::StatusOr<const LegalEntity*> SelectEntity(const Provider& provider,
                                                std::string_view country) {
  ASSIGN_OR_RETURN(std::string code, NormalizeCountry(country));
  const LegalEntity* fallback = nullptr;
  for (const LegalEntity& entity : provider.entities) {
    if (AppliesExplicitly(entity.applies_to, code)) return &entity;
    if (entity.applies_to.is_default && fallback == nullptr) fallback = &entity;
  }
  if (fallback == nullptr) {
    // The loader refuses an entry without a default entity; a hand-built Provider may lack one.
    return base::FieldError(absl::StatusCode::kNotFound, "country",
                            base::StrCat("no legal entity of ", provider.id, " serves ", code));
  }
  return fallback;
}

std::vector<Fact> ListFacts(const Provider& provider) {
  std::vector<Fact> facts;
  std::string entities;
  for (const LegalEntity& entity : provider.entities) {
    base::StrAppend(&entities, entities.empty() ? "" : "; ", entity.name, " (", entity.jurisdiction,
                    "): ", entity.applies_to_text);
  }
  facts.push_back({"legal_entities", entities, provider.entities_provenance});
  if (provider.channels_provenance) {
    std::string channels;
    for (const Channel& channel : provider.channels) {
      base::StrAppend(&channels, channels.empty() ? "" : "; ", channel.kind, ": ", channel.text);
    }
    facts.push_back({"channels", channels, *provider.channels_provenance});
  }
  if (provider.preservation) {
    facts.push_back(
        {"preservation", Summary(*provider.preservation), provider.preservation->provenance});
  }
  if (provider.emergency) {
    std::string text = provider.emergency->criterion;
    if (!provider.emergency->required_fields.empty()) {
      base::StrAppend(&text, "; required: ");
      for (size_t index = 0; index < provider.emergency->required_fields.size(); ++index) {
        base::StrAppend(&text, index == 0 ? "" : ", ",
                        provider.emergency->required_fields[index].text);
      }
    }
    facts.push_back({"emergency", text, provider.emergency->provenance});
  }
  if (provider.requirements) {
    facts.push_back({"requirements",
                     base::StrJoin(provider.requirements->required_in_request, "; "),
                     provider.requirements->provenance});
  }
  if (provider.data_categories_provenance) {
    std::string text;
    for (const CategoryProcess& item : provider.data_categories) {
      base::StrAppend(&text, text.empty() ? "" : "; ", DataCategoryName(item.category), ": ",
                      ProcessName(item.process), " (", item.text, ")");
    }
    facts.push_back({"data_categories", text, *provider.data_categories_provenance});
  }
  if (provider.notes) facts.push_back({"notes", provider.notes->text, provider.notes->provenance});
  return facts;
}

// ---- Versions ----------------------------------------------------------------------------------

bool EntryChanged(std::string_view drafted_hash, const Provider& now) {
  return drafted_hash != now.content_hash;
}

std::vector<EntryChange> CompareProviders(const Provider& before, const Provider& after) {
  std::map<std::string, std::string> left, right;
  // Both were produced by dump() of a validated entry; a hand-built Provider without JSON
  // compares as empty.
  Json left_json = Json::parse(before.canonical_json, nullptr, false);
  Json right_json = Json::parse(after.canonical_json, nullptr, false);
  if (!left_json.is_discarded()) Flatten(left_json, "", left);
  if (!right_json.is_discarded()) Flatten(right_json, "", right);
  std::vector<EntryChange> changes;
  auto left_it = left.begin();
  auto right_it = right.begin();
  while (left_it != left.end() || right_it != right.end()) {
    if (right_it == right.end() || (left_it != left.end() && left_it->first < right_it->first)) {
      changes.push_back({left_it->first, left_it->second, "", false, true});
      ++left_it;
    } else if (left_it == left.end() || right_it->first < left_it->first) {
      changes.push_back({right_it->first, "", right_it->second, true, false});
      ++right_it;
    } else {
      if (left_it->second != right_it->second) {
        changes.push_back({left_it->first, left_it->second, right_it->second, false, false});
      }
      ++left_it;
      ++right_it;
    }
  }
  return changes;
}

// ---- Loading -----------------------------------------------------------------------------------

absl::StatusOr<Provider> ParseProvider(std::string_view entry_json) {
  ASSIGN_OR_RETURN(Json value, ParseJson(entry_json, "provider"));
  return ReadProvider(value, "providers", 0);
}

absl::StatusOr<Directory> Directory::Load(std::string_view providers_json,
                                          std::string_view countries_json) {
  Directory directory;
  ASSIGN_OR_RETURN(Json providers_doc, ParseJson(providers_json, "providers.json"));
  ASSIGN_OR_RETURN(Fields top, Fields::Of(providers_doc, "providers.json",
                                          {"format", "about", "request_template", "refusal_reasons",
                                           "legal_rules", "retention_periods", "providers"}));
  ASSIGN_OR_RETURN(std::string format, top.String("format", true));
  if (format != "threathub-providers/1") {
    return top.Error("format", "must be \"threathub-providers/1\"");
  }
  RETURN_IF_ERROR(ReadTemplate(top, directory.template_));
  RETURN_IF_ERROR(ReadRefusalReasons(top, directory.refusal_reasons_));
  ASSIGN_OR_RETURN(const Json* rules, top.Array("legal_rules", false));
  if (rules != nullptr) {
    for (size_t index = 0; index < rules->size(); ++index) {
      ASSIGN_OR_RETURN(LegalRule rule, ReadRule((*rules)[index], index));
      if (directory.FindRule(rule.id) != nullptr) {
        return base::InvalidField(base::StrCat("legal_rules[", rule.id, "].id"), "is used twice");
      }
      directory.rules_.push_back(std::move(rule));
    }
  }
  ASSIGN_OR_RETURN(const Json* retention, top.Array("retention_periods", false));
  if (retention != nullptr) {
    for (size_t index = 0; index < retention->size(); ++index) {
      ASSIGN_OR_RETURN(RetentionPeriod period, ReadRetention((*retention)[index], index));
      if (directory.FindRetention(period.id) != nullptr) {
        return base::InvalidField(base::StrCat("retention_periods[", period.id, "].id"),
                                  "is used twice");
      }
      directory.retention_.push_back(std::move(period));
    }
  }
  ASSIGN_OR_RETURN(const Json* providers, top.Array("providers", true));
  std::set<std::string> names;
  for (size_t index = 0; index < providers->size(); ++index) {
    ASSIGN_OR_RETURN(Provider provider, ReadProvider((*providers)[index], "providers", index));
    const std::string label = base::StrCat("providers[", provider.id, "]");
    if (directory.FindProvider(provider.id) != nullptr &&
        directory.FindProvider(provider.id)->id == provider.id) {
      return base::InvalidField(base::StrCat(label, ".id"), "is used twice");
    }
    for (const std::string& name : provider.names) {
      if (!names.insert(base::AsciiStrToLower(name)).second) {
        return base::InvalidField(base::StrCat(label, ".names"),
                                  base::StrCat("\"", name, "\" names another provider too"));
      }
    }
    for (const std::string& id : provider.retention_ids) {
      if (directory.FindRetention(id) == nullptr) {
        return base::InvalidField(base::StrCat(label, ".retention"),
                                  base::StrCat("no retention period \"", id, "\""));
      }
    }
    directory.providers_.push_back(std::move(provider));
  }
  // A retention period may name a provider the directory no longer has (an administrator may
  // remove an entry); it is then unused.

  ASSIGN_OR_RETURN(Json countries_doc, ParseJson(countries_json, "countries.json"));
  ASSIGN_OR_RETURN(Fields country_top,
                   Fields::Of(countries_doc, "countries.json",
                              {"format", "about", "requesting_state", "countries"}));
  ASSIGN_OR_RETURN(std::string country_format, country_top.String("format", true));
  if (country_format != "threathub-countries/1") {
    return country_top.Error("format", "must be \"threathub-countries/1\"");
  }
  ASSIGN_OR_RETURN(const Json* countries, country_top.Array("countries", true));
  for (size_t index = 0; index < countries->size(); ++index) {
    ASSIGN_OR_RETURN(CountryProfile profile, ReadCountry((*countries)[index], index));
    if (directory.FindCountry(profile.code) != nullptr) {
      return base::InvalidField(base::StrCat("countries[", profile.code, "].code"),
                                "is used twice");
    }
    directory.countries_.push_back(std::move(profile));
  }

  // The version: every provider's hash in id order, and the other documents as parsed.
  std::vector<const Provider*> ordered;
  for (const Provider& provider : directory.providers_) ordered.push_back(&provider);
  std::sort(ordered.begin(), ordered.end(),
            [](const Provider* left, const Provider* right) { return left->id < right->id; });
  std::string material;
  for (const Provider* provider : ordered) {
    base::StrAppend(&material, provider->id, "=", provider->content_hash, "\n");
  }
  Json rest = providers_doc;
  rest.erase("providers");
  rest.erase("about");
  base::StrAppend(&material, rest.dump(), "\n");
  Json country_rest = countries_doc;
  country_rest.erase("about");
  base::StrAppend(&material, country_rest.dump());
  directory.version_ = HashHex(material);
  return directory;
}

absl::StatusOr<Directory> Directory::LoadWithEntries(const std::vector<std::string>& entry_jsons) {
  Json document = Json::parse(internal::kSeedProvidersJson, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InternalError("the compiled-in providers.json is not JSON");
  }
  Json entries = Json::array();
  for (size_t index = 0; index < entry_jsons.size(); ++index) {
    absl::StatusOr<Json> entry =
        ParseJson(entry_jsons[index], base::StrCat("providers[", index, "]"));
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  document["providers"] = std::move(entries);
  return Load(document.dump(), internal::kSeedCountriesJson);
}

absl::StatusOr<Directory> Directory::LoadSeed() {
  return Load(internal::kSeedProvidersJson, internal::kSeedCountriesJson);
}

std::string_view SeedProvidersJson() { return internal::kSeedProvidersJson; }
std::string_view SeedCountriesJson() { return internal::kSeedCountriesJson; }

const Provider* Directory::FindProvider(std::string_view id_or_name) const {
  for (const Provider& provider : providers_) {
    if (provider.id == id_or_name) return &provider;
  }
  std::string wanted = base::AsciiStrToLower(base::StripAsciiWhitespace(id_or_name));
  if (wanted.empty()) return nullptr;
  for (const Provider& provider : providers_) {
    if (provider.id == wanted) return &provider;
    for (const std::string& name : provider.names) {
      if (base::AsciiStrToLower(name) == wanted) return &provider;
    }
  }
  return nullptr;
}

absl::StatusOr<const Provider*> Directory::GetProvider(std::string_view id_or_name) const {
  const Provider* provider = FindProvider(id_or_name);
  if (provider == nullptr) {
    std::string shown(id_or_name.substr(0, 64));
    if (!base::IsValidUtf8(shown)) shown = "(not UTF-8)";
    return base::FieldError(absl::StatusCode::kNotFound, "provider",
                            base::StrCat("no provider \"", shown, "\" in the directory"));
  }
  return provider;
}

const LegalRule* Directory::FindRule(std::string_view id) const {
  for (const LegalRule& rule : rules_) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

const RetentionPeriod* Directory::FindRetention(std::string_view id) const {
  for (const RetentionPeriod& period : retention_) {
    if (period.id == id) return &period;
  }
  return nullptr;
}

const CountryProfile* Directory::FindCountry(std::string_view code) const {
  absl::StatusOr<std::string> normalized = NormalizeCountry(code);
  if (!normalized.ok()) return nullptr;
  for (const CountryProfile& profile : countries_) {
    if (profile.code == *normalized) return &profile;
  }
  return nullptr;
}

}  // namespace threathub::requests
