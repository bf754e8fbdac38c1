#include "bundle/internal/checks.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "bundle/internal/manifest.h"
#include "ledger/merkle.h"

namespace threathub::bundle::internal {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxQuoted = 100;  // bytes of a value quoted in a message

// `text` in quotes, cut (at a character boundary) when long.
std::string Quote(std::string_view text) {
  if (text.size() <= kMaxQuoted) return base::StrCat("\"", text, "\"");
  size_t cut = kMaxQuoted;
  while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
  return base::StrCat("\"", text.substr(0, cut), "...\"");
}

bool IsLowerHex(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Why `name` cannot be a file's name in the bundle, or "" when it can.
std::string BadNameReason(std::string_view name) {
  if (name.empty()) return "empty";
  if (name == "." || name == "..") return "a directory name";
  if (!base::IsValidUtf8(name)) return "not UTF-8";
  for (char c : name) {
    if (c == '/' || c == '\\') return "contains a slash";
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) return "contains a control character";
  }
  return "";
}

std::string EventLabel(const BundleItem& item, const CustodyEntry& event) {
  return base::StrCat(ItemLabel(item), ", event ", event.event_id, " (", event.action, ")");
}

std::string Base64(const ledger::Hash& hash) { return base::Base64Encode(ledger::HashBytes(hash)); }

// The string members of a custody record and where the manifest keeps each.
struct StringMember {
  const char* key;
  std::string CustodyEntry::*field;
};
constexpr StringMember kStringMembers[] = {
    {"action", &CustodyEntry::action},
    {"actor", &CustodyEntry::actor},
    {"where", &CustodyEntry::where},
    {"why", &CustodyEntry::why},
    {"from", &CustodyEntry::from},
    {"to", &CustodyEntry::to},
    {"result", &CustodyEntry::result},
    {"hash_before", &CustodyEntry::hash_before},
    {"hash_after", &CustodyEntry::hash_after},
};

// The leaf's envelope names this event, and its record says what the manifest says.
void CheckLeaf(const BundleCase& info, const BundleItem& item, const CustodyEntry& event,
               Findings& findings) {
  std::string label = EventLabel(item, event);
  auto problem = [&](std::string_view what) {
    findings.problems.push_back(base::StrCat(label, ": ", what));
  };
  if (event.leaf_data.size() > kMaxLeafBytes || JsonDepth(event.leaf_data) > kMaxJsonDepth) {
    return problem("leaf_data is not a ledger leaf");
  }
  Json leaf = Json::parse(event.leaf_data, nullptr, /*allow_exceptions=*/false);
  if (leaf.is_discarded() || !leaf.is_object()) {
    return problem("leaf_data is not a JSON object, so not a ledger leaf");
  }
  auto member = [&](const char* key) -> const Json* {
    auto found = leaf.find(key);
    return found == leaf.end() ? nullptr : &*found;
  };
  const Json* version = member("v");
  if (version == nullptr || !version->is_number_unsigned() || *version != 1) {
    problem("the leaf's envelope is not version 1 (\"v\":1)");
  }
  const Json* index = member("index");
  if (index == nullptr || !index->is_number_unsigned()) {
    problem("the leaf has no index");
  } else if (index->get<uint64_t>() != event.leaf_index) {
    problem(base::StrCat("the leaf says it is leaf ", index->get<uint64_t>(),
                         ", the manifest puts it at leaf_index ", event.leaf_index));
  }
  const Json* kind = member("kind");
  if (kind == nullptr || !kind->is_string() || *kind != "custody") {
    problem("the leaf is not a custody record (kind \"custody\")");
  }
  const Json* ref = member("ref");
  std::string expected_ref = std::to_string(event.event_id);
  if (ref == nullptr || !ref->is_string() || *ref != expected_ref) {
    problem(base::StrCat("the leaf is the record of another event (ref ",
                         ref != nullptr && ref->is_string() ? Quote(ref->get<std::string>())
                                                            : std::string("missing"),
                         ")"));
  }
  const Json* appended_at = member("appended_at");
  if (appended_at == nullptr || !appended_at->is_number_integer()) {
    problem("the leaf has no appended_at time");
  }
  const Json* record = member("record");
  if (record == nullptr || !record->is_object()) return problem("the leaf has no record");

  auto record_member = [&](const char* key) -> const Json* {
    auto found = record->find(key);
    return found == record->end() ? nullptr : &*found;
  };
  auto compare_int = [&](const char* key, int64_t expected, std::string_view manifest_name) {
    const Json* value = record_member(key);
    if (value == nullptr || !value->is_number_integer()) {
      return problem(base::StrCat("the ledger record has no integer \"", key, "\""));
    }
    if (value->is_number_unsigned()
            ? value->get<uint64_t>() != static_cast<uint64_t>(expected) || expected < 0
            : value->get<int64_t>() != expected) {
      problem(base::StrCat("\"", key, "\" is ", value->dump(), " in the ledger record but ",
                           expected, " in the manifest (", manifest_name, ")"));
    }
  };
  compare_int("id", event.event_id, "event_id");
  compare_int("item_id", item.id, "the item's id");
  compare_int("case_id", info.id, "the case's id");
  compare_int("at", event.at, "at");
  const Json* case_number = record_member("case_number");
  if (case_number == nullptr || !case_number->is_string()) {
    problem("the ledger record has no case_number");
  } else if (*case_number != info.number) {
    problem(base::StrCat("the ledger record belongs to case ",
                         Quote(case_number->get<std::string>()), ", the manifest's case is ",
                         Quote(info.number)));
  }
  const Json* actor_id = record_member("actor_id");
  if (actor_id == nullptr || !(actor_id->is_null() || actor_id->is_number_integer())) {
    problem("the ledger record's actor_id is not an integer or null");
  }
  for (const StringMember& string_member : kStringMembers) {
    const Json* value = record_member(string_member.key);
    const std::string& expected = event.*string_member.field;
    if (value == nullptr || !value->is_string()) {
      problem(base::StrCat("the ledger record has no string \"", string_member.key, "\""));
    } else if (string_member.field == &CustodyEntry::actor &&
               base::EndsWith(expected, base::StrCat(" (", value->get<std::string>(), ")"))) {
      // The manifest may show "Display Name (username)"; the ledger records the username.
    } else if (*value != expected) {
      problem(base::StrCat("\"", string_member.key, "\" is ", Quote(expected),
                           " in the manifest but ", Quote(value->get<std::string>()),
                           " in the ledger record"));
    }
  }
}

// The leaf is leaf `leaf_index` of the signed tree.
void CheckProof(const BundleItem& item, const CustodyEntry& event,
                const ledger::Checkpoint& checkpoint, Findings& findings) {
  std::string label = EventLabel(item, event);
  if (event.leaf_index >= checkpoint.size) {
    findings.problems.push_back(base::StrCat(label, ": leaf ", event.leaf_index,
                                             " is not in the checkpoint's tree of ",
                                             checkpoint.size, " leaves"));
    return;
  }
  absl::Status proved = ledger::VerifyInclusion(
      ledger::HashBytes(ledger::LeafHash(event.leaf_data)), event.leaf_index, checkpoint.size,
      event.proof, ledger::HashBytes(checkpoint.root));
  if (proved.code() == absl::StatusCode::kDataLoss) {
    findings.problems.push_back(base::StrCat(
        label, ": the inclusion proof of leaf ", event.leaf_index,
        " does not lead to the checkpoint's root: the leaf data, its index or the proof was "
        "changed"));
  } else if (!proved.ok()) {
    findings.problems.push_back(
        base::StrCat(label, ": malformed inclusion proof: ", proved.message()));
  }
}

// The hashes the events record agree with the item's SHA-256.
void CheckHashRules(const BundleItem& item, Findings& findings) {
  int ingests = 0;
  for (size_t event_idx = 0; event_idx < item.custody.size(); ++event_idx) {
    const CustodyEntry& event = item.custody[event_idx];
    std::string label = EventLabel(item, event);
    if (event.action == "ingest") {
      ++ingests;
      if (ingests > 1) {
        findings.problems.push_back(base::StrCat(label, ": a second ingest event"));
      } else if (std::any_of(item.custody.begin(), item.custody.begin() + event_idx,
                             [](const CustodyEntry& before) {
                               // An item collected online under a mandate: custody starts at
                               // the collection (evidence::EvidenceService::IngestCollected).
                               return before.action != "collection";
                             })) {
        findings.problems.push_back(
            base::StrCat(label, ": the ingest event is not the item's first event"));
      }
      if (event.hash_after != item.sha256) {
        findings.problems.push_back(
            base::StrCat(label, ": the ingest event recorded SHA-256 ", Quote(event.hash_after),
                         " in the ledger, but the manifest gives the file SHA-256 ",
                         Quote(item.sha256), ": the file is not the one that was ingested"));
      }
    } else if (event.action == "verification") {
      // A verification records what it found; a mismatch or a missing file is history worth
      // showing, and the file in the bundle is judged by the ingest hash alone.
      bool other_hash = !event.hash_after.empty() && event.hash_after != item.sha256;
      bool bad_result = !event.result.empty() && event.result != "match";
      if (other_hash || bad_result) {
        findings.warnings.push_back(base::StrCat(
            label, " at ", base::FormatUtc(event.at), " found ",
            event.hash_after.empty() ? std::string("no file")
                                     : base::StrCat("SHA-256 ", event.hash_after),
            " (result ", Quote(event.result), "); the ingested SHA-256 is ", item.sha256));
      }
    } else if (base::StartsWith(event.action, "disposal")) {
      // Disposal events may name no hash or the last one seen; nothing to compare.
    } else {
      for (auto [name, hash] : {std::pair{"hash_before", &event.hash_before},
                                std::pair{"hash_after", &event.hash_after}}) {
        if (!hash->empty() && *hash != item.sha256) {
          findings.problems.push_back(base::StrCat(label, ": ", name, " ", Quote(*hash),
                                                   " is not the item's SHA-256 ",
                                                   Quote(item.sha256)));
        }
      }
    }
  }
  if (ingests == 0) {
    findings.problems.push_back(base::StrCat(
        ItemLabel(item), ": no ingest event, so nothing in the ledger records the file's hash"));
  }
}

}  // namespace

std::string ItemLabel(const BundleItem& item) {
  return base::StrCat("item ", item.id, " ", Quote(item.original_name));
}

std::optional<ledger::NoteVerifier> CheckKeyForms(const BundleContents& contents,
                                                  Findings& findings) {
  absl::StatusOr<ledger::NoteVerifier> key =
      ledger::NoteVerifier::FromVerifierKey(contents.verifier_key);
  if (!key.ok()) {
    findings.problems.push_back(
        base::StrCat("the bundle's verifier key is malformed: ", key.status().message()));
    return std::nullopt;
  }
  absl::StatusOr<std::string> pem = key->PublicKeyPem();
  if (!pem.ok() || *pem != contents.public_key_pem) {
    findings.problems.push_back(
        "the bundle's PEM public key is not the same key as its verifier key");
  }
  return *key;
}

void CheckShape(const BundleContents& contents, Findings& findings) {
  std::set<int64_t> item_ids;
  std::map<int64_t, std::string> event_owners;
  std::map<uint64_t, std::string> leaf_owners;
  for (const BundleItem& item : contents.items) {
    std::string label = ItemLabel(item);
    auto problem = [&](std::string_view what) {
      findings.problems.push_back(base::StrCat(label, ": ", what));
    };
    if (!item_ids.insert(item.id).second) problem("the item id appears twice");
    if (std::string reason = BadNameReason(item.original_name); !reason.empty()) {
      problem(base::StrCat("original_name is ", reason));
    }
    if (!IsLowerHex(item.md5, 32)) problem("md5 is not 32 lower-case hex digits");
    if (!IsLowerHex(item.sha1, 40)) problem("sha1 is not 40 lower-case hex digits");
    if (!IsLowerHex(item.sha256, 64)) problem("sha256 is not 64 lower-case hex digits");
    if (item.custody.empty()) problem("no custody events");
    uint64_t previous_leaf = 0;
    for (size_t event_idx = 0; event_idx < item.custody.size(); ++event_idx) {
      const CustodyEntry& event = item.custody[event_idx];
      std::string event_label = EventLabel(item, event);
      if (auto [owner, added] = event_owners.emplace(event.event_id, event_label); !added) {
        findings.problems.push_back(
            base::StrCat(event_label, ": the event appears twice (also as ", owner->second, ")"));
      } else if (auto [leaf_owner, leaf_added] = leaf_owners.emplace(event.leaf_index, event_label);
                 !leaf_added) {
        findings.problems.push_back(base::StrCat(event_label, ": leaf ", event.leaf_index,
                                                 " is also the leaf of ", leaf_owner->second));
      }
      if (event_idx > 0 && event.leaf_index <= previous_leaf) {
        findings.problems.push_back(base::StrCat(event_label, ": out of order (leaf ",
                                                 event.leaf_index, " after leaf ", previous_leaf,
                                                 "); events are listed oldest first"));
      }
      previous_leaf = event.leaf_index;
    }
  }
}

void CheckLedgerSide(const BundleContents& contents, const ledger::NoteVerifier& key,
                     std::string_view key_description, Findings& findings) {
  // The checkpoint: C2SP signed-note signature by the key, then the checkpoint text.
  absl::StatusOr<ledger::OpenedNote> opened = ledger::OpenNote(contents.checkpoint_note, {&key, 1});
  if (!opened.ok()) {
    switch (opened.status().code()) {
      case absl::StatusCode::kNotFound:
        findings.problems.push_back(base::StrCat("checkpoint: not signed by ", key_description));
        break;
      case absl::StatusCode::kDataLoss:
        findings.problems.push_back(base::StrCat(
            "checkpoint: the signature by ", key_description,
            " does not verify: the checkpoint's origin, size or root was changed, or the "
            "signature damaged"));
        break;
      default:
        findings.problems.push_back(
            base::StrCat("checkpoint: malformed signed note: ", opened.status().message()));
    }
  } else if (absl::StatusOr<ledger::Checkpoint> parsed = ledger::ParseCheckpoint(opened->text);
             !parsed.ok()) {
    findings.problems.push_back(
        base::StrCat("checkpoint: malformed checkpoint: ", parsed.status().message()));
  } else if (parsed->origin != key.name()) {
    findings.problems.push_back(base::StrCat("checkpoint: the origin ", Quote(parsed->origin),
                                             " is not the name of the key that signed it (",
                                             Quote(key.name()), ")"));
  } else {
    findings.checkpoint = *parsed;
    findings.checked.push_back(base::StrCat(
        "checkpoint: signed by ", key_description, "; origin \"", parsed->origin,
        "\" is the key's name; tree size ", parsed->size, ", root ", Base64(parsed->root)));
  }
  if (!findings.checkpoint) {
    findings.problems.push_back(
        "custody: the inclusion proofs were not checked, for want of a valid checkpoint");
  }

  for (const BundleItem& item : contents.items) {
    for (const CustodyEntry& event : item.custody) {
      ++findings.events;
      if (findings.checkpoint) CheckProof(item, event, *findings.checkpoint, findings);
      CheckLeaf(contents.case_info, item, event, findings);
    }
    CheckHashRules(item, findings);
  }
  findings.checked.push_back(base::StrCat(
      "custody: ", findings.events,
      " events; each one's ledger leaf is in the checkpoint's tree (RFC 6962 inclusion proof), "
      "names its event and item, and records what the manifest says"));
  findings.checked.push_back(
      "ingest: each item's ingest event recorded the SHA-256 its file has; no later event "
      "records another (past verifications that found another are warnings)");
}

}  // namespace threathub::bundle::internal
