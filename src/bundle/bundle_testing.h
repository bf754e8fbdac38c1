// Test support for bundles: a builder of valid BundleContents over a real Merkle tree and a real
// Ed25519 checkpoint key (no database), and helpers that read and rewrite a tar archive member
// by member, to tamper with a bundle the way an attacker would.
//
//   BundleBuilder builder(temp_dir);
//   builder.AddItem("photo.jpg", "bytes...", {"view", "transfer"});
//   ASSIGN_OR_RETURN(BundleContents contents, builder.Build());
//   ASSIGN_OR_RETURN(WrittenBundle written, WriteBundle(contents, temp_dir + "/b.tar"));
//   std::vector<Member> members = ReadMembers(temp_dir + "/b.tar").value();
//   ... change a member ...
//   WriteMembers(temp_dir + "/tampered.tar", members);
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bundle/bundle.h"
#include "ledger/checkpoint.h"

namespace threathub::bundle::testing {

class BundleBuilder {
 public:
  // Item files are written under `directory` (which must exist). The key is made fresh.
  explicit BundleBuilder(std::string directory, std::string key_name = "ledger.test.kz/threathub");

  // An item holding `content`, whose custody is an ingest event followed by one event for each
  // of `later_actions` ("view", "transfer", "seal", "verification"...), recorded the way the
  // evidence service records them. The reference stays valid until the next AddItem.
  BundleItem& AddItem(std::string original_name, std::string_view content,
                      std::vector<std::string> later_actions = {"view", "transfer"});

  // Anchors every event as a custody leaf (between unrelated audit leaves), signs a checkpoint
  // over the tree, and fills in leaf_index, leaf_data and proof of every event.
  absl::StatusOr<BundleContents> Build();

  const ledger::NoteSigner& signer() const { return signer_; }

 private:
  std::string directory_;
  ledger::NoteSigner signer_;
  BundleContents contents_;
  int64_t next_event_id_ = 1001;
  base::Millis next_time_ = 1'767'261'600'000;  // 2026-01-01T10:00Z
};

// The leaf data of a custody event as the evidence service writes it: the canonical JSON
// envelope of kind "custody" around the event's record.
std::string CustodyLeafData(const BundleCase& info, const BundleItem& item,
                            const CustodyEntry& event, uint64_t index);

// One member of a tar archive.
struct Member {
  std::string name;
  std::string data;
  mode_t type = 0100000;    // AE_IFREG
  std::string link_target;  // for symbolic and hard links
};

// Every member, in order, data in memory (small archives only).
absl::StatusOr<std::vector<Member>> ReadMembers(const std::string& path);
// A pax archive of exactly these members, names as given (even unsafe ones).
absl::Status WriteMembers(const std::string& path, const std::vector<Member>& members);

}  // namespace threathub::bundle::testing
