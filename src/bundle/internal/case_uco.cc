#include "bundle/internal/case_uco.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::bundle::internal {
namespace {

using Json = nlohmann::ordered_json;

Json Ref(const std::string& id) { return {{"@id", id}}; }

Json Typed(std::string_view type, std::string_view value) {
  return {{"@type", type}, {"@value", value}};
}

Json DateTime(base::Millis millis) { return Typed("xsd:dateTime", base::FormatUtc(millis)); }

// An IRI-safe form of free text (RFC 3986 unreserved characters kept, the rest %XX).
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<uint8_t>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

// 16 hex digits of SHA-256: a stable id for a node named by free text (a place, a warrant).
std::string ShortDigest(std::string_view text) {
  return base::HexEncode(base::Sha256(text)).substr(0, 16);
}

std::string MetadataValue(const BundleItem& item, std::string_view key) {
  for (const auto& [name, value] : item.metadata) {
    if (name == key) return value;
  }
  return "";
}

Json HashNode(const BundleItem& item, std::string_view method, const std::string& value) {
  return {{"@id", base::StrCat("kb:hash-", item.id, "-", base::AsciiStrToLower(method))},
          {"@type", "uco-types:Hash"},
          {"uco-types:hashMethod", Typed("uco-vocabulary:HashNameVocab", method)},
          {"uco-types:hashValue", Typed("xsd:hexBinary", value)}};
}

}  // namespace

std::string CaseUcoJsonLd(const BundleContents& contents) {
  const BundleCase& info = contents.case_info;
  Json context = {
      {"case-investigation", "https://ontology.caseontology.org/case/investigation/"},
      {"kb", "urn:threathub:kb:"},
      {"uco-action", "https://ontology.unifiedcyberontology.org/uco/action/"},
      {"uco-core", "https://ontology.unifiedcyberontology.org/uco/core/"},
      {"uco-identity", "https://ontology.unifiedcyberontology.org/uco/identity/"},
      {"uco-location", "https://ontology.unifiedcyberontology.org/uco/location/"},
      {"uco-observable", "https://ontology.unifiedcyberontology.org/uco/observable/"},
      {"uco-types", "https://ontology.unifiedcyberontology.org/uco/types/"},
      {"uco-vocabulary", "https://ontology.unifiedcyberontology.org/uco/vocabulary/"},
      {"xsd", "http://www.w3.org/2001/XMLSchema#"},
  };

  // Two items with the same content would otherwise be one File node with two names.
  std::map<std::string, int> content_count;
  for (const BundleItem& item : contents.items) ++content_count[item.sha256];
  std::map<int64_t, std::string> file_ids;
  for (const BundleItem& item : contents.items) {
    file_ids[item.id] = content_count[item.sha256] > 1
                            ? base::StrCat("kb:file-", item.sha256, "-", item.id)
                            : base::StrCat("kb:file-", item.sha256);
  }

  Json authorizations = Json::array();
  Json files = Json::array();
  Json records = Json::array();
  Json actions = Json::array();
  Json people = Json::array();
  Json places = Json::array();
  Json relationships = Json::array();
  std::set<std::string> authorization_ids, people_ids, place_ids;
  Json objects = Json::array();  // every node the investigation holds

  for (const BundleItem& item : contents.items) {
    const std::string& file_id = file_ids[item.id];
    std::string record_id = base::StrCat("kb:provenance-record-", item.id);

    Json content_facet = {
        {"@id", base::StrCat("kb:content-data-facet-", item.id)},
        {"@type", "uco-observable:ContentDataFacet"},
        {"uco-observable:sizeInBytes", item.size},
    };
    if (!item.mime_type.empty()) content_facet["uco-observable:mimeType"] = item.mime_type;
    content_facet["uco-observable:hash"] =
        Json::array({HashNode(item, "MD5", item.md5), HashNode(item, "SHA1", item.sha1),
                     HashNode(item, "SHA256", item.sha256)});
    files.push_back(
        {{"@id", file_id},
         {"@type", "uco-observable:File"},
         {"uco-core:hasFacet", Json::array({{{"@id", base::StrCat("kb:file-facet-", item.id)},
                                             {"@type", "uco-observable:FileFacet"},
                                             {"uco-observable:fileName", item.original_name},
                                             {"uco-observable:sizeInBytes", item.size}},
                                            std::move(content_facet)})}});
    objects.push_back(Ref(file_id));

    if (std::string basis = MetadataValue(item, "legal_basis"); !basis.empty()) {
      std::string authorization_id = base::StrCat("kb:authorization-", ShortDigest(basis));
      if (authorization_ids.insert(authorization_id).second) {
        authorizations.push_back(
            {{"@id", authorization_id},
             {"@type", "case-investigation:Authorization"},
             {"uco-core:name", basis},
             {"case-investigation:authorizationIdentifier", Json::array({basis})}});
      }
      relationships.push_back({{"@id", base::StrCat("kb:relationship-authorized-", item.id)},
                               {"@type", "uco-core:Relationship"},
                               {"uco-core:source", Ref(file_id)},
                               {"uco-core:target", Ref(authorization_id)},
                               {"uco-core:kindOfRelationship", "Authorized_By"},
                               {"uco-core:isDirectional", true}});
    }
    if (item.parent_id && file_ids.contains(*item.parent_id)) {
      relationships.push_back({{"@id", base::StrCat("kb:relationship-derived-", item.id)},
                               {"@type", "uco-observable:ObservableRelationship"},
                               {"uco-core:source", Ref(file_id)},
                               {"uco-core:target", Ref(file_ids[*item.parent_id])},
                               {"uco-core:kindOfRelationship", "Derived_From"},
                               {"uco-core:isDirectional", true}});
    }

    Json record_objects = Json::array({Ref(file_id)});
    for (const CustodyEntry& event : item.custody) {
      std::string action_id = base::StrCat("kb:action-", event.event_id);
      record_objects.push_back(Ref(action_id));
      std::string performer_id = base::StrCat("kb:identity-", PercentEncode(event.actor));
      if (people_ids.insert(performer_id).second) {
        people.push_back(
            {{"@id", performer_id},
             {"@type", event.actor == "system" ? "uco-identity:Identity" : "uco-identity:Person"},
             {"uco-core:name", event.actor}});
      }
      std::vector<std::string> details;
      if (!event.why.empty()) details.push_back(base::StrCat("why: ", event.why));
      if (!event.from.empty()) details.push_back(base::StrCat("from: ", event.from));
      if (!event.to.empty()) details.push_back(base::StrCat("to: ", event.to));
      if (!event.result.empty()) details.push_back(base::StrCat("result: ", event.result));
      if (!event.hash_before.empty()) {
        details.push_back(base::StrCat("SHA-256 before: ", event.hash_before));
      }
      if (!event.hash_after.empty()) {
        details.push_back(base::StrCat("SHA-256 after: ", event.hash_after));
      }
      Json action = {{"@id", action_id},
                     {"@type", "case-investigation:InvestigativeAction"},
                     {"uco-core:name", event.action}};
      if (!details.empty()) action["uco-core:description"] = base::StrJoin(details, "; ");
      action["uco-action:startTime"] = DateTime(event.at);
      action["uco-action:performer"] = Ref(performer_id);
      if (!event.where.empty()) {
        std::string place_id = base::StrCat("kb:location-", ShortDigest(event.where));
        if (place_ids.insert(place_id).second) {
          places.push_back({{"@id", place_id},
                            {"@type", "uco-location:Location"},
                            {"uco-core:name", event.where}});
        }
        action["uco-action:location"] = Ref(place_id);
      }
      action["uco-action:object"] = Json::array({Ref(file_id)});
      action["uco-action:result"] = Json::array({Ref(record_id)});
      // Where the event is anchored: its leaf in the signed ledger (manifest.json has the proof).
      action["uco-core:externalReference"] = Json::array(
          {{{"@id", base::StrCat("kb:ledger-leaf-", event.leaf_index)},
            {"@type", "uco-core:ExternalReference"},
            {"uco-core:definingContext", "threathub custody ledger (RFC 6962), leaf index"},
            {"uco-core:externalIdentifier", std::to_string(event.leaf_index)}}});
      actions.push_back(std::move(action));
      objects.push_back(Ref(action_id));
    }

    std::string description = MetadataValue(item, "description");
    Json record = {{"@id", record_id},
                   {"@type", "case-investigation:ProvenanceRecord"},
                   {"case-investigation:exhibitNumber", base::StrCat(info.number, "/", item.id)},
                   {"uco-core:description", description.empty() ? item.original_name : description},
                   {"uco-core:object", std::move(record_objects)}};
    records.push_back(std::move(record));
    objects.push_back(Ref(record_id));
  }
  for (const Json* group : {&authorizations, &people, &places, &relationships}) {
    for (const Json& node : *group) objects.push_back(Ref(node["@id"].get<std::string>()));
  }

  Json investigation = {{"@id", base::StrCat("kb:investigation-", info.id)},
                        {"@type", "case-investigation:Investigation"},
                        {"uco-core:name", info.number},
                        {"uco-core:description", info.title},
                        {"case-investigation:focus", info.articles}};
  if (!info.status.empty()) investigation["case-investigation:investigationStatus"] = info.status;
  Json relevant = Json::array();
  for (const Json& node : authorizations) {
    relevant.push_back(Ref(node["@id"].get<std::string>()));
  }
  investigation["case-investigation:relevantAuthorization"] = std::move(relevant);
  investigation["uco-core:object"] = std::move(objects);

  Json graph = Json::array({std::move(investigation)});
  for (Json* group :
       {&authorizations, &files, &records, &actions, &people, &places, &relationships}) {
    for (Json& node : *group) graph.push_back(std::move(node));
  }
  Json document = {{"@context", std::move(context)}, {"@graph", std::move(graph)}};
  return document.dump(2, ' ', /*ensure_ascii=*/false) + "\n";
}

}  // namespace threathub::bundle::internal
