// Disclosure bundles: an "export" custody event for each chosen item, a checkpoint that covers
// them, then the archive (bundle/bundle.h) with every item's custody events and their inclusion
// proofs against that checkpoint.
#include <sys/stat.h>

#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "bundle/bundle.h"
#include "evidence/evidence.h"

namespace threathub::evidence {
namespace {

constexpr size_t kMaxBundleItems = 1000;

std::string JoinIdsForAudit(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) base::StrAppend(&out, out.empty() ? "" : ",", id);
  return out;
}

std::vector<std::pair<std::string, std::string>> MetadataRows(const Item& item) {
  const Metadata& meta = item.metadata;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"description", meta.description},
      {"source_type", meta.source_type},
      {"source_detail", meta.source_detail},
      {"acquisition_method", meta.acquisition_method},
      {"acquisition_tool", meta.acquisition_tool},
      {"examiner", meta.examiner},
      {"acquired_at", meta.acquired_at ? base::FormatUtc(*meta.acquired_at) : ""},
      {"acquired_place", meta.acquired_place},
      {"legal_basis", meta.legal_basis},
      {"categories", base::StrJoin(meta.categories, ",")},
      {"ingested_by", item.ingested_by.username},
      {"ingested_at", base::FormatUtc(item.ingested_at)},
  };
  if (!item.ewf_json.empty()) rows.emplace_back("ewf", item.ewf_json);
  if (item.sealed) rows.emplace_back("seal_number", item.seal_number);
  std::vector<std::pair<std::string, std::string>> kept;
  for (auto& row : rows) {
    if (!row.second.empty()) kept.push_back(std::move(row));
  }
  return kept;
}

}  // namespace

absl::StatusOr<Bundle> EvidenceService::ExportBundle(const auth::Principal& who,
                                                     const Origin& origin, int64_t case_id,
                                                     const std::vector<int64_t>& item_ids,
                                                     std::string purpose) {
  if (base::StripAsciiWhitespace(purpose).empty()) {
    return base::InvalidField("purpose", "required");
  }
  if (purpose.size() > 2000) return base::InvalidField("purpose", "at most 2000 bytes");
  if (item_ids.empty()) return base::InvalidField("item_ids", "choose at least one item");
  if (item_ids.size() > kMaxBundleItems) {
    return base::InvalidField("item_ids", base::StrCat("at most ", kMaxBundleItems, " items"));
  }
  RETURN_IF_ERROR(cases_.CheckAccess(who, case_id, auth::AccessMode::kWrite));
  ASSIGN_OR_RETURN(cases::Case opened, cases_.Get(who, case_id));
  std::vector<int64_t> ids = item_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  // 1. The export events, in one transaction with the checks.
  std::vector<Item> items;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    items.clear();
    for (int64_t id : ids) {
      absl::StatusOr<Item> item = LoadItem(tx, id);
      if (!item.ok() || item->case_id != case_id) {
        return base::InvalidField("item_ids", base::StrCat("no item ", id, " in this case"));
      }
      if (item->state == "disposed") {
        return base::WithField(
            absl::FailedPreconditionError(base::StrCat("item ", id, " has been disposed of")),
            "item_ids");
      }
      CustodyEvent event{.item_id = item->id,
                         .case_id = item->case_id,
                         .case_number = item->case_number,
                         .action = "export",
                         .actor_id = who.user_id,
                         .actor = who.username,
                         .where = origin.where,
                         .why = purpose,
                         .to = "disclosure bundle",
                         .hash_before = item->sha256,
                         .hash_after = item->sha256,
                         .item_sha256 = item->sha256};
      RETURN_IF_ERROR(AppendEvent(tx, event).status());
      items.push_back(*std::move(item));
    }
    return Audit(tx, &who, origin, "evidence.export", "case", case_id,
                 base::StrCat("items ", JoinIdsForAudit(ids)));
  }));

  // 2. A checkpoint covering every leaf so far (the export events included).
  RETURN_IF_ERROR(ledger_.MakeCheckpoint(ledger::CheckpointPolicy::kWhenNewLeaves).status());
  ASSIGN_OR_RETURN(std::optional<ledger::StoredCheckpoint> checkpoint, ledger_.LatestCheckpoint());
  if (!checkpoint) return absl::InternalError("the ledger has no checkpoint");
  uint64_t tree_size = checkpoint->checkpoint.size;

  // 3. The contents.
  bundle::BundleContents contents;
  contents.case_info =
      bundle::BundleCase{.id = opened.id,
                         .number = opened.number,
                         .title = opened.title,
                         .agency = who.agency_name,
                         .lead = "",
                         .status = std::string(cases::CaseStatusName(opened.status)),
                         .articles = opened.articles};
  for (const cases::Member& member : opened.members) {
    if (member.role == cases::MemberRole::kLead) {
      contents.case_info.lead = member.person.display_name;
    }
  }
  contents.checkpoint_note = checkpoint->note;
  contents.verifier_key = ledger_.signer().VerifierKey();
  ASSIGN_OR_RETURN(contents.public_key_pem, ledger_.signer().PublicKeyPem());
  contents.exported_by = base::StrCat(who.display_name, " (", who.username, ")");
  contents.exported_at = clock_.NowMillis();
  contents.purpose = purpose;
  for (const Item& item : items) {
    bundle::BundleItem entry;
    entry.id = item.id;
    entry.original_name = item.metadata.original_name;
    entry.size = item.size;
    entry.mime_type = item.mime_type;
    entry.md5 = item.md5;
    entry.sha1 = item.sha1;
    entry.sha256 = item.sha256;
    ASSIGN_OR_RETURN(entry.blob_path, blobs_.Path(item.sha256));
    entry.metadata = MetadataRows(item);
    entry.parent_id = item.metadata.parent_id;
    ASSIGN_OR_RETURN(std::vector<CustodyEvent> events, Custody(who, item.id));
    for (const CustodyEvent& event : events) {
      if (!event.leaf_index || *event.leaf_index >= tree_size) continue;
      ASSIGN_OR_RETURN(ledger::Leaf leaf, ledger_.GetLeaf(*event.leaf_index));
      ASSIGN_OR_RETURN(ledger::LeafInclusion inclusion,
                       ledger_.ProveInclusion(*event.leaf_index, tree_size));
      bundle::CustodyEntry custody{
          .event_id = event.id,
          .action = event.action,
          .at = event.at,
          .actor = event.actor_display_name.empty()
                       ? event.actor
                       : base::StrCat(event.actor_display_name, " (", event.actor, ")"),
          .where = event.where,
          .why = event.why,
          .from = event.from,
          .to = event.to,
          .result = event.result,
          .hash_before = event.hash_before,
          .hash_after = event.hash_after,
          .leaf_index = *event.leaf_index,
          .leaf_data = leaf.data,
          .proof = ledger::ToBytes(inclusion.path)};
      entry.custody.push_back(std::move(custody));
    }
    contents.items.push_back(std::move(entry));
  }

  // 4. The archive, then its record.
  RETURN_IF_ERROR(base::MakeDirectories(options_.bundle_dir));
  base::Millis now = clock_.NowMillis();
  std::string stamp = base::StrReplaceAll(base::FormatUtc(now), {{":", ""}, {"-", ""}});
  std::string safe_number;
  for (char symbol : opened.number) {
    bool plain = (symbol >= '0' && symbol <= '9') || (symbol >= 'a' && symbol <= 'z') ||
                 (symbol >= 'A' && symbol <= 'Z') || symbol == '-' || symbol == '_';
    safe_number += plain ? symbol : '_';
  }
  std::string file_name = base::StrCat("bundle-", safe_number, "-", stamp, ".tar");
  std::string path = base::StrCat(options_.bundle_dir, "/", case_id, "-", now, ".tar");
  ASSIGN_OR_RETURN(bundle::WrittenBundle written, bundle::WriteBundle(contents, path));
  Bundle made{.case_id = case_id,
              .file_name = file_name,
              .path = path,
              .size = written.size,
              .sha256 = written.sha256,
              .item_ids = ids,
              .purpose = purpose,
              .created_by = cases::Person{who.user_id, who.username, who.display_name},
              .created_at = now};
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO evidence_bundles(case_id, file_name, path, size, sha256, "
                   "item_ids, purpose, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                   "$7, $8, $9) RETURNING id",
                   {case_id, file_name, path, static_cast<int64_t>(written.size), written.sha256,
                    JoinIdsForAudit(ids), purpose, who.user_id, now}));
    made.id = inserted.rows[0].Int(0);
    return Audit(tx, &who, origin, "evidence.bundle", "bundle", made.id,
                 base::StrCat("sha256 ", written.sha256));
  }));
  return made;
}

namespace {

constexpr char kBundleColumns[] =
    "SELECT b.id, b.case_id, b.file_name, b.path, b.size, b.sha256, b.item_ids, b.purpose, "
    "b.created_by, u.username, u.display_name, b.created_at FROM evidence_bundles b "
    "JOIN users u ON u.id = b.created_by";

Bundle BundleFromRow(const store::Row& row) {
  Bundle bundle{.id = row.Int(0),
                .case_id = row.Int(1),
                .file_name = row.Text(2),
                .path = row.Text(3),
                .size = static_cast<uint64_t>(row.Int(4)),
                .sha256 = row.Text(5),
                .purpose = row.Text(7),
                .created_by = cases::Person{row.Int(8), row.Text(9), row.Text(10)},
                .created_at = row.Int(11)};
  for (std::string_view id : base::StrSplit(row.Text(6), ',')) {
    int64_t value = 0;
    if (base::SimpleAtoi(id, &value)) bundle.item_ids.push_back(value);
  }
  return bundle;
}

}  // namespace

absl::StatusOr<std::vector<Bundle>> EvidenceService::ListBundles(const auth::Principal& who,
                                                                 int64_t case_id) {
  RETURN_IF_ERROR(cases_.CheckAccess(who, case_id, auth::AccessMode::kRead));
  std::vector<Bundle> bundles;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kBundleColumns, " WHERE b.case_id = $1 ORDER BY b.id"), {case_id}));
    for (const store::Row& row : result.rows) bundles.push_back(BundleFromRow(row));
    return absl::OkStatus();
  }));
  return bundles;
}

absl::StatusOr<Bundle> EvidenceService::OpenBundle(const auth::Principal& who, const Origin& origin,
                                                   int64_t bundle_id) {
  std::optional<Bundle> found;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat(kBundleColumns, " WHERE b.id = $1"), {bundle_id}));
    if (!result.rows.empty()) found = BundleFromRow(result.rows[0]);
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError("bundle not found");
  absl::Status access = cases_.CheckAccess(who, found->case_id, auth::AccessMode::kRead);
  if (absl::IsNotFound(access)) return absl::NotFoundError("bundle not found");
  RETURN_IF_ERROR(access);
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    return Audit(tx, &who, origin, "evidence.bundle_download", "bundle", bundle_id, "");
  }));
  return *found;
}

}  // namespace threathub::evidence
