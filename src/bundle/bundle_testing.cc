#include "bundle/bundle_testing.h"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>

#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "bundle/internal/utf8_locale.h"
#include "ledger/canonical_json.h"
#include "ledger/merkle.h"
#include "vault/multi_hash.h"

namespace threathub::bundle::testing {
namespace {

// How the evidence service records each action's hashes (evidence/evidence.cc).
void SetHashes(CustodyEntry& event, const std::string& sha256) {
  if (event.action == "ingest") {
    event.hash_after = sha256;
  } else if (event.action == "seal" || event.action == "unseal" || event.action == "export" ||
             event.action == "transfer" || event.action == "verification") {
    event.hash_before = sha256;
    event.hash_after = sha256;
  }
}

std::string AuditLeafData(uint64_t index) {
  ledger::CanonicalObject record;
  record.String("action", "case.read").Int("id", static_cast<int64_t>(index));
  ledger::CanonicalObject envelope;
  envelope.Int("appended_at", 1'767'261'600'000 + static_cast<int64_t>(index))
      .Int("index", static_cast<int64_t>(index))
      .String("kind", "audit")
      .Object("record", record)
      .String("ref", std::to_string(index))
      .Int("v", 1);
  return *envelope.Serialize();
}

}  // namespace

BundleBuilder::BundleBuilder(std::string directory, std::string key_name)
    : directory_(std::move(directory)), signer_(*ledger::NoteSigner::Generate(key_name)) {
  contents_.case_info = BundleCase{.id = 7,
                                   .number = "262700031000123",
                                   .title = "Интернет-алаяқтық / Интернет-мошенничество",
                                   .agency = "ДП г. Алматы",
                                   .lead = "Серік Әбенов (sabenov)",
                                   .status = "open",
                                   .articles = {"190 ч.2", "213"}};
  contents_.exported_by = "Айгүл Серікқызы (aigul)";
  contents_.exported_at = 1'767'348'000'000;  // 2026-01-02T10:00Z
  contents_.purpose = "для прокуратуры / прокуратура үшін";
}

BundleItem& BundleBuilder::AddItem(std::string original_name, std::string_view content,
                                   std::vector<std::string> later_actions) {
  BundleItem item;
  item.id = 101 + static_cast<int64_t>(contents_.items.size());
  item.original_name = std::move(original_name);
  item.size = content.size();
  item.mime_type = "application/octet-stream";
  vault::Digests digests = *vault::HashBytes(content);
  item.md5 = digests.Md5Hex();
  item.sha1 = digests.Sha1Hex();
  item.sha256 = digests.Sha256Hex();
  item.blob_path = base::StrCat(directory_, "/blob-", item.id);
  std::ofstream(item.blob_path, std::ios::binary).write(content.data(), content.size());
  item.metadata = {{"description", "Скриншот переписки / Хат алмасудың скриншоты"},
                   {"examiner", "Жанар Қасымова"},
                   {"legal_basis", "Постановление о выемке от 05.01.2026 № 45"}};
  std::vector<std::string> actions = {"ingest"};
  actions.insert(actions.end(), later_actions.begin(), later_actions.end());
  for (const std::string& action : actions) {
    CustodyEntry event;
    event.event_id = next_event_id_++;
    event.action = action;
    event.at = next_time_;
    next_time_ += 60'000;
    bool system = action == "verification";
    event.actor = system ? "system" : "Жанар Қасымова (zhanar)";
    event.where = system ? "server" : "web 10.1.2.3";
    event.why = action == "transfer" ? "экспертиза / сараптама" : "";
    if (action == "transfer") {
      event.from = "ДП г. Алматы";
      event.to = "ЦСЭ МЮ РК";
    }
    if (action == "verification") event.result = "match";
    SetHashes(event, item.sha256);
    item.custody.push_back(std::move(event));
  }
  contents_.items.push_back(std::move(item));
  return contents_.items.back();
}

std::string CustodyLeafData(const BundleCase& info, const BundleItem& item,
                            const CustodyEntry& event, uint64_t index) {
  // The ledger records the username: "Display Name (username)" -> "username".
  std::string actor = event.actor;
  if (size_t open = actor.rfind(" ("); open != std::string::npos && actor.back() == ')') {
    actor = actor.substr(open + 2, actor.size() - open - 3);
  }
  ledger::CanonicalObject record;
  record.String("action", event.action)
      .String("actor", actor)
      .OptionalInt("actor_id", actor == "system" ? std::nullopt : std::optional<int64_t>(17))
      .Int("at", event.at)
      .Int("case_id", info.id)
      .String("case_number", info.number)
      .String("from", event.from)
      .String("hash_after", event.hash_after)
      .String("hash_before", event.hash_before)
      .Int("id", event.event_id)
      .Int("item_id", item.id)
      .String("result", event.result)
      .String("to", event.to)
      .String("where", event.where)
      .String("why", event.why);
  ledger::CanonicalObject envelope;
  envelope.Int("appended_at", event.at + 5)
      .Int("index", static_cast<int64_t>(index))
      .String("kind", "custody")
      .Object("record", record)
      .String("ref", std::to_string(event.event_id))
      .Int("v", 1);
  return *envelope.Serialize();
}

absl::StatusOr<BundleContents> BundleBuilder::Build() {
  BundleContents contents = contents_;
  std::vector<std::string> leaves;
  for (BundleItem& item : contents.items) {
    for (CustodyEntry& event : item.custody) {
      leaves.push_back(AuditLeafData(leaves.size()));  // other records between the events
      event.leaf_index = leaves.size();
      event.leaf_data = CustodyLeafData(contents.case_info, item, event, event.leaf_index);
      leaves.push_back(event.leaf_data);
    }
  }
  for (int tail = 0; tail < 3; ++tail) leaves.push_back(AuditLeafData(leaves.size()));
  ledger::MerkleTree tree;
  for (const std::string& leaf : leaves) tree.Append(ledger::LeafHash(leaf));
  for (BundleItem& item : contents.items) {
    for (CustodyEntry& event : item.custody) {
      ASSIGN_OR_RETURN(std::vector<ledger::Hash> path,
                       tree.InclusionProof(event.leaf_index, tree.size()));
      event.proof = ledger::ToBytes(path);
    }
  }
  ledger::Checkpoint checkpoint{.origin = signer_.name(), .size = tree.size(), .root = tree.Root()};
  ASSIGN_OR_RETURN(contents.checkpoint_note, signer_.Sign(ledger::FormatCheckpoint(checkpoint)));
  contents.verifier_key = signer_.VerifierKey();
  ASSIGN_OR_RETURN(contents.public_key_pem, signer_.PublicKeyPem());
  return contents;
}

absl::StatusOr<std::vector<Member>> ReadMembers(const std::string& path) {
  internal::ScopedUtf8Locale utf8_locale;
  std::unique_ptr<struct archive, int (*)(struct archive*)> archive(archive_read_new(),
                                                                    archive_read_free);
  archive_read_support_format_tar(archive.get());
  if (archive_read_open_filename(archive.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(archive_error_string(archive.get()));
  }
  std::vector<Member> members;
  struct archive_entry* entry = nullptr;
  while (archive_read_next_header(archive.get(), &entry) == ARCHIVE_OK) {
    Member member;
    const char* name = archive_entry_pathname_utf8(entry);
    member.name = name != nullptr ? name : archive_entry_pathname(entry);
    member.type = archive_entry_filetype(entry);
    char buffer[65536];
    la_ssize_t got = 0;
    while ((got = archive_read_data(archive.get(), buffer, sizeof buffer)) > 0) {
      member.data.append(buffer, static_cast<size_t>(got));
    }
    if (got < 0) return absl::DataLossError(archive_error_string(archive.get()));
    members.push_back(std::move(member));
  }
  return members;
}

absl::Status WriteMembers(const std::string& path, const std::vector<Member>& members) {
  internal::ScopedUtf8Locale utf8_locale;
  std::unique_ptr<struct archive, int (*)(struct archive*)> archive(archive_write_new(),
                                                                    archive_write_free);
  archive_write_set_format_pax_restricted(archive.get());
  if (archive_write_open_filename(archive.get(), path.c_str()) != ARCHIVE_OK) {
    return absl::InternalError(archive_error_string(archive.get()));
  }
  for (const Member& member : members) {
    std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry(
        archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname_utf8(entry.get(), member.name.c_str());
    archive_entry_set_filetype(entry.get(), member.type);
    archive_entry_set_perm(entry.get(), 0644);
    if (member.type == AE_IFLNK) {
      archive_entry_set_symlink_utf8(entry.get(), member.link_target.c_str());
    } else if (!member.link_target.empty()) {
      archive_entry_set_hardlink_utf8(entry.get(), member.link_target.c_str());
    } else if (member.type == AE_IFREG) {
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.data.size()));
    }
    int result = archive_write_header(archive.get(), entry.get());
    if (result != ARCHIVE_OK && result != ARCHIVE_WARN) {
      return absl::InternalError(archive_error_string(archive.get()));
    }
    if (member.type == AE_IFREG && member.link_target.empty() && !member.data.empty()) {
      archive_write_data(archive.get(), member.data.data(), member.data.size());
    }
  }
  if (archive_write_close(archive.get()) != ARCHIVE_OK) {
    return absl::InternalError(archive_error_string(archive.get()));
  }
  return absl::OkStatus();
}

}  // namespace threathub::bundle::testing
