// The written request as a PDF (cairo + pango through the shared writer in
// src/bundle/internal/pdf_writer.h), in Kazakh, Russian or English. Every request carries the
// fields of the Council of Europe T-CY templates (T-CY(2018)11 preservation, T-CY(2018)10 MLA:
// Directory::request_template(), one labelled section per template key, in the template's
// order: date, case_reference, request_status, requested_authority, requesting_authority,
// confirmation_contact, investigative_authority, prosecution_and_court, earlier_requests,
// identifiers, data_categories, offence, necessity, confidentiality, urgency), and an
// emergency request also the provider's emergency fields (EmergencyRule::required_fields with
// the provider's wording, plus the criterion and why it is met). A field with no value says
// so ("not given" in the document's language) rather than disappearing. Labels are translated
// (kk/ru/en tables in document.cc); values are printed as the user wrote them (any script).
//
// A draft (not yet frozen) is marked "DRAFT" / "ПРОЕКТ" / "ЖОБА" in the title and footer; the
// frozen, sent version is not.
//
// Pure: no database, no clock. Thread-safe.
//
//   requests::DocumentInput input = ...;  // from the stored request
//   ASSIGN_OR_RETURN(std::string pdf, requests::RenderRequestDocument(directory, input, "kk"));
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "requests/directory.h"
#include "requests/linter.h"
#include "requests/rules.h"

namespace threathub::requests {

struct DocumentPerson {
  std::string name;
  std::string title;  // function, e.g. "senior investigator"
  std::string email;
  std::string phone;
};

// An earlier request of the chain, as the document cites it.
struct EarlierRequest {
  RequestType type = RequestType::kPreservation;
  std::string reference;  // our reference, "REQ-17"
  std::optional<base::Millis> sent_at;
  std::string channel;
  std::string ticket;  // the provider's ticket
  std::optional<base::Millis> preserved_until;
};

struct DocumentInput {
  RequestType type = RequestType::kPreservation;
  std::string reference;  // "REQ-17" (our id)
  bool draft = true;      // false for the frozen, sent version
  base::Millis date = 0;  // the document's date (when frozen: the sending date)
  std::string user_zone = "Asia/Almaty";

  // Requested authority: a provider and its legal entity, or a State (MLA, 24/7).
  std::string provider_name;  // "TikTok" ("" for a State)
  std::string entity_name;    // "TikTok Pte. Ltd."
  std::string entity_jurisdiction;
  std::string channel_text;  // where it goes (portal, address)
  std::string country_code;  // the requested State for MLA and 24/7 ("" otherwise)
  std::string country_name;
  std::string central_authority;         // from the country profile
  std::vector<std::string> instruments;  // instruments in force with Kazakhstan, named

  // Requesting authority.
  std::string agency_name;
  std::string agency_address;
  DocumentPerson requester;
  std::optional<DocumentPerson> approver;  // who approved (supervisor or prosecutor)
  std::optional<base::Millis> approved_at;
  std::string preferred_reply_channel;  // "e-mail", ...

  // Case.
  std::string case_number;
  std::string investigative_authority;
  std::string prosecution_and_court;    // prosecution office and court, numbers and decisions
  std::vector<EarlierRequest> earlier;  // the chain before this request, oldest first

  // What is asked for.
  std::vector<Identifier> identifiers;
  std::optional<base::Millis> range_from;
  std::optional<base::Millis> range_to;
  std::vector<DataCategory> categories;
  bool all_data = false;
  std::string legal_basis;
  std::string offence_article;
  std::string offence_summary;  // legal classification, maximum penalty, summary of facts
  std::string necessity;
  bool confidential = true;  // non-disclosure to the user asked
  std::string urgency;

  // Extension: the preservation being extended.
  std::optional<base::Millis> preserved_until;

  // Emergency: the provider's criterion and fields; values by EmergencyField::key and
  // "criterion" (why the criterion is met).
  std::string emergency_criterion;
  std::vector<EmergencyField> emergency_required;
  std::map<std::string, std::string> emergency_fields;
};

// Languages a document can be written in.
inline constexpr std::string_view kDocumentLanguages[] = {"kk", "ru", "en"};

// The PDF. InvalidArgument (field "language") for a language other than kk, ru, en.
absl::StatusOr<std::string> RenderRequestDocument(const Directory& directory,
                                                  const DocumentInput& input,
                                                  std::string_view language);

// The translated label of a T-CY template key or emergency field key ("case_reference" ->
// "Номер дела" in ru); the key itself when there is none. Used by the document and tests.
std::string DocumentLabel(std::string_view key, std::string_view language);

}  // namespace threathub::requests
