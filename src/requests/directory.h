// The provider directory and the country profiles: what we know about each service provider's
// law-enforcement procedure (legal entities and which one serves a user, channels, preservation
// and extension rules, emergency criterion and fields, requirements, data categories and the
// legal process each needs, retention periods) and about each requested State (instruments in
// force with Kazakhstan, central authority, 24/7 point, languages). Every fact group carries its
// provenance: source, confidence (verified / unverified) and when it was checked.
//
// Pure: no database, no I/O. The seed is compiled in from data/requests/providers.json and
// data/requests/countries.json (LoadSeed); the database layer keeps administrators' edits as one
// JSON entry per provider (the same form as an element of "providers") and loads them with
// ParseProvider / Directory::Load.
//
//   ASSIGN_OR_RETURN(requests::Directory directory, requests::Directory::LoadSeed());
//   ASSIGN_OR_RETURN(const requests::Provider* tiktok, directory.GetProvider("TikTok"));
//   ASSIGN_OR_RETURN(const requests::LegalEntity* entity, requests::SelectEntity(*tiktok, "KZ"));
//   // entity->name == "TikTok Pte. Ltd.", entity->time_zone == "Asia/Singapore"
//   request.provider_hash = tiktok->content_hash;  // remembered with the draft
//   ...
//   if (requests::EntryChanged(request.provider_hash, *now_entry)) {
//     for (const requests::EntryChange& change : requests::CompareProviders(old_entry, *now_entry))
//       show(change.path, change.before, change.after);
//   }
//
// A Directory is immutable once loaded; const methods are thread-safe. Pointers it returns live
// as long as the Directory (moving it keeps them valid; a copy has its own).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace threathub::requests {

// ---- Provenance --------------------------------------------------------------------------------

enum class Confidence { kVerified, kUnverified };
std::string_view ConfidenceName(Confidence confidence);  // "verified", "unverified"

// Where a fact comes from. `checked` is "YYYY-MM" or "YYYY-MM-DD"; `to_check` says what to confirm
// before relying on an unverified fact ("" when nothing is said). `source` may be "" only for an
// unverified fact (then `to_check` is not empty: the loader enforces both).
struct Provenance {
  std::string source;
  Confidence confidence = Confidence::kUnverified;
  std::string checked;
  std::string to_check;
};

// ---- Where a user is ---------------------------------------------------------------------------

// Country groups that providers' entity rules name. Membership tables are in directory.cc.
enum class Region { kEu, kEea, kUk };
std::string_view RegionName(Region region);  // "EU", "EEA", "UK"
std::optional<Region> ParseRegion(std::string_view name);

// The country code as the tables use it: two ASCII letters upper-cased, "UK" -> "GB",
// "EL" -> "GR". InvalidArgument (field "country") for anything else, whatever the script.
absl::StatusOr<std::string> NormalizeCountry(std::string_view country);

// True when `country` (normalized) is in the region.
bool InRegion(std::string_view country, Region region);

// The machine-readable rule of a legal entity: {"default":true} (everyone no other entity of the
// provider takes), {"regions":["EEA"]}, {"countries":["US"]}, or regions and countries together.
struct AppliesTo {
  bool is_default = false;
  std::vector<Region> regions;
  std::vector<std::string> countries;  // normalized codes
};
// True when the rule names the country or one of its regions (never for a default-only rule).
bool AppliesExplicitly(const AppliesTo& rule, std::string_view country);

// ---- A provider's entry ------------------------------------------------------------------------

struct LegalEntity {
  std::string name;          // "Meta Platforms Ireland Ltd."
  std::string jurisdiction;  // its country, "IE"
  AppliesTo applies_to;
  std::string applies_to_text;  // the source's wording, "users in the EEA"
  std::string time_zone;        // IANA zone of its seat, used to count its deadlines
};

struct Channel {
  std::string kind;  // "portal", "emergency", "email", "post"
  std::string text;
  std::string address;  // URL or address; may be ""
};

// How long a provider preserves data and how it may be extended. Unknown rules are nullopt.
struct PreservationRule {
  int days = 0;
  std::optional<int> max_extensions;       // TikTok 1; nullopt: not limited (or not known)
  std::optional<int> extension_days;       // length of one extension
  std::optional<int> extension_lead_days;  // X 7: the extension must arrive this long before expiry
  std::string text;                        // the source's wording
  Provenance provenance;
};

struct EmergencyField {
  std::string key;   // "person_at_risk": the key a draft fills
  std::string text;  // "person at risk": the provider's wording
};

struct EmergencyRule {
  std::string criterion;
  std::vector<EmergencyField> required_fields;
  Provenance provenance;
};

// Kinds of target identifiers.
enum class IdentifierKind { kPhone, kEmail, kUrl, kUsername, kUserId, kVideoId, kIp };
std::string_view IdentifierKindName(IdentifierKind kind);  // phone, email, url, username, user_id,
                                                           // video_id, ip
std::optional<IdentifierKind> ParseIdentifierKind(std::string_view name);

struct Requirements {
  std::vector<std::string> required_in_request;  // the provider's wording
  std::vector<IdentifierKind> accepted_identifiers;
  bool prefers_numeric_id = false;  // a username alone is a reason for refusal
  bool requires_english = false;    // English or an English translation
  bool official_email_required = false;
  Provenance provenance;
};

enum class DataCategory { kSubscriber, kTraffic, kContent, kTransaction };
std::string_view DataCategoryName(DataCategory category);  // subscriber, traffic, content,
                                                           // transaction
std::optional<DataCategory> ParseDataCategory(std::string_view name);

// The legal process a data category needs from a requester in Kazakhstan.
enum class Process { kVoluntaryDisclosure, kMlaRequest, kCourtOrder, kNotAvailable };
std::string_view ProcessName(Process process);  // voluntary_disclosure, mla_request, court_order,
                                                // not_available
std::optional<Process> ParseProcess(std::string_view name);

struct CategoryProcess {
  DataCategory category = DataCategory::kSubscriber;
  Process process = Process::kMlaRequest;
  std::string text;
};

struct Note {
  std::string text;
  Provenance provenance;
};

struct Provider {
  std::string id;                     // "meta": lower-case ASCII, digits, '-', '_'
  std::vector<std::string> names;     // "Facebook", "Instagram", ...
  std::vector<LegalEntity> entities;  // at least one; exactly one is_default
  Provenance entities_provenance;
  std::vector<Channel> channels;
  std::optional<Provenance> channels_provenance;  // set when there are channels
  std::optional<PreservationRule> preservation;
  std::optional<EmergencyRule> emergency;
  std::optional<Requirements> requirements;
  std::vector<CategoryProcess> data_categories;
  std::optional<Provenance> data_categories_provenance;
  std::optional<Note> notes;
  std::vector<std::string> retention_ids;  // ids of RetentionPeriod entries

  // The entry as canonical JSON (keys sorted, no spaces) and the hex SHA-256 of it: the entry's
  // version. Two entries with equal facts have equal hashes whatever the key order or spacing
  // of their source.
  std::string canonical_json;
  std::string content_hash;
};

// Picks the legal entity that serves a user in `country`: the first entity whose rule names the
// country or one of its regions, else the default entity. InvalidArgument (field "country") for
// a code that is not two letters.
absl::StatusOr<const LegalEntity*> SelectEntity(const Provider& provider, std::string_view country);

// The entry's fact groups with their provenance, for display ("preservation: 90 days; ...").
struct Fact {
  std::string field;  // "legal_entities", "channels", "preservation", "emergency", ...
  std::string text;
  Provenance provenance;
};
std::vector<Fact> ListFacts(const Provider& provider);

// ---- Versions ----------------------------------------------------------------------------------

// True when the provider's entry is no longer the one with `drafted_hash` (a request remembers
// Provider::content_hash when drafted).
bool EntryChanged(std::string_view drafted_hash, const Provider& now);

// What differs between two versions of an entry, leaf by leaf of their JSON, in path order
// ("/preservation/days": "90" -> "60"; a leaf only in one side has "" on the other and
// `added`/`removed` set).
struct EntryChange {
  std::string path;  // JSON pointer, "/legal_entities/entries/1/name"
  std::string before;
  std::string after;
  bool added = false;
  bool removed = false;
};
std::vector<EntryChange> CompareProviders(const Provider& before, const Provider& after);

// ---- Legal rules, retention periods ------------------------------------------------------------

// A legal time limit ("us-2703f"); the rule engine cites these by id.
struct LegalRule {
  std::string id;
  std::string text;
  std::optional<int> days;
  std::optional<int> extension_days;
  std::optional<int> hours;
  Provenance provenance;
};

// How long some operators keep some data. Either `provider` names one provider, or `countries`
// and `operator_kind` describe a class of operators ("telecom" in RU). `days` nullopt: "a very
// brief period" without a number.
struct RetentionPeriod {
  std::string id;
  std::string text;
  std::string provider;
  std::vector<std::string> countries;
  std::string operator_kind;  // "telecom", "information_distribution_organiser", ""
  std::string data;           // "traffic", "metadata", "content", "ip_logs", "all"
  std::optional<int> days;
  Provenance provenance;
};

// ---- Request documents -------------------------------------------------------------------------

// One field of the Council of Europe T-CY request templates ("case_reference").
struct TemplateField {
  std::string key;   // stable, lower-case: what a document generator fills
  std::string text;  // the template's wording
};

// The fields a preservation or MLA request carries (T-CY(2018)11 and T-CY(2018)10), and the
// reasons providers give for refusing requests; each list with its provenance.
struct RequestTemplate {
  std::vector<TemplateField> fields;
  Provenance provenance;
};
struct RefusalReasons {
  std::vector<std::string> entries;
  Provenance provenance;
};

// ---- Country profiles --------------------------------------------------------------------------

// A status with its wording: budapest "party" | "not_party" | "unknown"; un_cybercrime "party" |
// "signed" | "in_preparation" | "unknown"; cis_2018 "party" | "not_member" | "unknown".
struct StatusFact {
  std::string status;
  std::string text;
  Provenance provenance;
};

struct Instrument {
  std::string name;
  std::string kind;    // bilateral_mla, cis_2018, multilateral_mla, domestic_law, provider_note
  std::string status;  // in_force, unknown, "" (not said)
  Provenance provenance;
};

struct Languages {
  std::vector<std::string> codes;  // "en", "ru", ...
  bool english_accepted = false;
  std::string text;
  Provenance provenance;
};

struct CountryProfile {
  std::string code;  // "US"
  std::string name;
  StatusFact budapest;
  StatusFact un_cybercrime;
  StatusFact cis_2018;
  std::optional<StatusFact> cloud_act_agreement;
  std::vector<Instrument> instruments;
  Note central_authority;  // text "unknown" with provenance.to_check when not known
  Note contact_24_7;
  Languages languages;
};

// ---- The directory -----------------------------------------------------------------------------

// Size limit of one JSON document given to the loader.
inline constexpr size_t kMaxDirectoryJsonBytes = 4 << 20;

class Directory {
 public:
  // Parses and validates both documents. InvalidArgument naming the field and the provider or
  // country ("providers[tiktok].preservation.days: must be an integer from 1 to 3650") for
  // malformed JSON, a missing or mistyped field, an unknown enum word, a bad country code or
  // time zone, no or two default entities, duplicate ids or names, a retention id that does not
  // exist, a verified fact without a source. Unknown fields are refused (a typo must not drop a
  // fact silently).
  static absl::StatusOr<Directory> Load(std::string_view providers_json,
                                        std::string_view countries_json);
  // The seed compiled in from data/requests.
  static absl::StatusOr<Directory> LoadSeed();
  // The seed's legal rules, retention periods and country profiles with these provider entries
  // (e.g. the database's current version of each, as ParseProvider takes it) instead of the
  // seed's providers. Errors as Load, an entry that is not JSON named "providers[<index>]".
  static absl::StatusOr<Directory> LoadWithEntries(const std::vector<std::string>& entry_jsons);

  // By id ("tiktok"), else by name, ASCII case-insensitive ("twitter" -> x); nullptr when none.
  const Provider* FindProvider(std::string_view id_or_name) const;
  // The same, NotFound (field "provider") naming what was asked.
  absl::StatusOr<const Provider*> GetProvider(std::string_view id_or_name) const;
  const LegalRule* FindRule(std::string_view id) const;
  const RetentionPeriod* FindRetention(std::string_view id) const;
  // By code, normalized ("gb", "UK" -> GB); nullptr when none.
  const CountryProfile* FindCountry(std::string_view code) const;

  const std::vector<Provider>& providers() const { return providers_; }
  const std::vector<LegalRule>& rules() const { return rules_; }
  const std::vector<RetentionPeriod>& retention_periods() const { return retention_; }
  const std::vector<CountryProfile>& countries() const { return countries_; }
  // Empty lists when the providers document has none.
  const RequestTemplate& request_template() const { return template_; }
  const RefusalReasons& refusal_reasons() const { return refusal_reasons_; }

  // Hex SHA-256 over the providers' content hashes in id order, the rules, retention periods and
  // country profiles: changes when any fact changes.
  const std::string& version() const { return version_; }

 private:
  std::vector<Provider> providers_;
  std::vector<LegalRule> rules_;
  std::vector<RetentionPeriod> retention_;
  std::vector<CountryProfile> countries_;
  RequestTemplate template_;
  RefusalReasons refusal_reasons_;
  std::string version_;
};

// One provider entry (an element of "providers"), e.g. as an administrator edited it. The same
// checks as Directory::Load except those across entries (retention ids are checked only for
// their form). Errors name the field as "providers[<id>].<field>".
absl::StatusOr<Provider> ParseProvider(std::string_view entry_json);

// The compiled-in seed documents.
std::string_view SeedProvidersJson();
std::string_view SeedCountriesJson();

}  // namespace threathub::requests
