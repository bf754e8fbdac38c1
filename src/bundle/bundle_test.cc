#include "bundle/bundle.h"

#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "bundle/bundle_testing.h"
#include "vault/multi_hash.h"

namespace threathub::bundle {
namespace {

using ::testing::AllOf;
using testing::BundleBuilder;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Member;
using ::testing::Not;
using testing::ReadMembers;
using testing::WriteMembers;
using Json = nlohmann::ordered_json;

constexpr char kKazakhName[] = "Мұһиттың хаттары.txt";

std::string Text(const std::vector<std::string>& lines) { return base::StrJoin(lines, "\n"); }

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           base::StrCat("bundle_test_", base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(dir_);
    builder_ = std::make_unique<BundleBuilder>(dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(std::string_view name) const { return (dir_ / std::string(name)).string(); }

  // Three items: a Latin name with a view and a transfer, a Kazakh name that was sealed and
  // verified by the system, and an empty file.
  BundleContents Contents() {
    builder_->AddItem("chat-export.json", "{\"messages\":[\"сәлем\",\"привет\"]}");
    builder_->AddItem(kKazakhName, std::string(300'000, 'x') + "соңы",
                      {"seal", "verification", "export"});
    builder_->AddItem("empty.bin", "", {"view"});
    absl::StatusOr<BundleContents> contents = builder_->Build();
    EXPECT_TRUE(contents.ok()) << contents.status();
    return *contents;
  }

  // A good bundle written to good.tar; its members.
  std::vector<Member> GoodMembers() {
    absl::StatusOr<WrittenBundle> written = WriteBundle(Contents(), Path("good.tar"));
    EXPECT_TRUE(written.ok()) << written.status();
    return ReadMembers(Path("good.tar")).value();
  }

  BundleVerdict VerifyMembers(const std::vector<Member>& members,
                              std::string_view trusted_key = {}) {
    EXPECT_TRUE(WriteMembers(Path("tampered.tar"), members).ok());
    absl::StatusOr<BundleVerdict> verdict = VerifyBundle(Path("tampered.tar"), trusted_key);
    EXPECT_TRUE(verdict.ok()) << verdict.status();
    return verdict.ok() ? *verdict : BundleVerdict{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<BundleBuilder> builder_;
};

Member& Find(std::vector<Member>& members, std::string_view name) {
  for (Member& member : members) {
    if (member.name == name) return member;
  }
  ADD_FAILURE() << "no member " << name;
  static Member none;
  return none;
}

void EditManifest(std::vector<Member>& members, const std::function<void(Json&)>& edit) {
  Member& manifest = Find(members, "manifest.json");
  Json json = Json::parse(manifest.data);
  edit(json);
  manifest.data = json.dump(2, ' ', false) + "\n";
}

TEST_F(BundleTest, AGoodBundleVerifies) {
  BundleContents contents = Contents();
  absl::StatusOr<WrittenBundle> written = WriteBundle(contents, Path("good.tar"));
  ASSERT_TRUE(written.ok()) << written.status();

  absl::StatusOr<BundleVerdict> verdict = VerifyBundle(Path("good.tar"));
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_TRUE(verdict->ok) << Text(verdict->problems);
  EXPECT_THAT(verdict->problems, IsEmpty());
  EXPECT_THAT(verdict->warnings, IsEmpty());
  EXPECT_EQ(verdict->items, 3u);
  EXPECT_EQ(verdict->events, 3u + 4u + 2u);
  EXPECT_EQ(verdict->origin, "ledger.test.kz/threathub");
  EXPECT_EQ(verdict->tree_size, 2 * 9u + 3u);
  EXPECT_EQ(verdict->verifier_key, builder_->signer().VerifierKey());
  EXPECT_EQ(verdict->key_id.size(), 8u);
  EXPECT_TRUE(verdict->key_from_bundle);
  EXPECT_THAT(Text(verdict->checked), AllOf(HasSubstr("inclusion proof"), HasSubstr("SHA-256"),
                                            HasSubstr("taken from the bundle itself")));

  // The same key pinned by the user: verified, and the verdict says the key was pinned.
  verdict = VerifyBundle(Path("good.tar"), builder_->signer().VerifierKey());
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_TRUE(verdict->ok) << Text(verdict->problems);
  EXPECT_FALSE(verdict->key_from_bundle);
  EXPECT_THAT(Text(verdict->checked), HasSubstr("pinned by you"));

  // From memory, the same verdict.
  std::string bytes = base::ReadFile(Path("good.tar")).value();
  verdict = VerifyBundleBytes(bytes);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_TRUE(verdict->ok) << Text(verdict->problems);
}

TEST_F(BundleTest, WritesOnePrivateFileWithItsHashAndEveryMember) {
  absl::StatusOr<WrittenBundle> written = WriteBundle(Contents(), Path("good.tar"));
  ASSERT_TRUE(written.ok()) << written.status();
  std::string bytes = base::ReadFile(Path("good.tar")).value();
  EXPECT_EQ(written->size, bytes.size());
  EXPECT_EQ(written->sha256, base::HexEncode(base::Sha256(bytes)));
  struct stat info {};
  ASSERT_EQ(::stat(Path("good.tar").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // No temporary file left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    files += base::StrContains(entry.path().filename().string(), ".tmp") ? 100 : 1;
  }
  EXPECT_EQ(files, 1 + 3);  // the bundle and the three blobs

  std::vector<std::string> names;
  std::vector<Member> members = ReadMembers(Path("good.tar")).value();
  for (const Member& member : members) names.push_back(member.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "README.txt", "manifest.json", "checkpoint.txt", "public-key.txt",
                       "case-uco.jsonld", "custody-report.pdf", "files/101-chat-export.json",
                       base::StrCat("files/102-", kKazakhName), "files/103-empty.bin"}));
}

TEST_F(BundleTest, EventsAreWrittenInLeafOrder) {
  builder_->AddItem("a.txt", "a", {"view", "download", "transfer"});
  BundleContents contents = builder_->Build().value();
  std::swap(contents.items[0].custody[1], contents.items[0].custody[3]);
  ASSERT_TRUE(WriteBundle(contents, Path("good.tar")).ok());
  BundleVerdict verdict = VerifyBundle(Path("good.tar")).value();
  EXPECT_TRUE(verdict.ok) << Text(verdict.problems);
}

TEST_F(BundleTest, APastVerificationThatFoundAnotherHashIsAWarning) {
  BundleItem& item = builder_->AddItem("a.txt", "a", {"verification"});
  item.custody[1].hash_after = std::string(64, 'f');
  item.custody[1].result = "mismatch";
  BundleItem& other = builder_->AddItem("b.txt", "b", {"verification"});
  other.custody[1].hash_after = "";
  other.custody[1].result = "missing";
  ASSERT_TRUE(WriteBundle(builder_->Build().value(), Path("good.tar")).ok());
  BundleVerdict verdict = VerifyBundle(Path("good.tar")).value();
  EXPECT_TRUE(verdict.ok) << Text(verdict.problems);
  ASSERT_EQ(verdict.warnings.size(), 2u);
  EXPECT_THAT(verdict.warnings[0], AllOf(HasSubstr("item 101"), HasSubstr("\"mismatch\"")));
  EXPECT_THAT(verdict.warnings[1], AllOf(HasSubstr("item 102"), HasSubstr("found no file")));
}

// Each way of tampering with a good bundle, and the words the verdict must use.
struct Tampering {
  std::string name;
  std::function<void(std::vector<Member>&)> change;
  std::vector<std::string> expected;  // substrings of one problem line
};

class TamperingTest : public BundleTest, public ::testing::WithParamInterface<Tampering> {};

TEST_P(TamperingTest, IsCaughtAndNamed) {
  std::vector<Member> members = GoodMembers();
  ASSERT_TRUE(VerifyMembers(members).ok) << "the untouched bundle must verify";
  GetParam().change(members);
  BundleVerdict verdict = VerifyMembers(members);
  EXPECT_FALSE(verdict.ok);
  bool named = false;
  for (const std::string& problem : verdict.problems) {
    bool all = true;
    for (const std::string& part : GetParam().expected)
      all = all && base::StrContains(problem, part);
    named = named || all;
  }
  EXPECT_TRUE(named) << "no problem line with all of: " << Text(GetParam().expected)
                     << "\nproblems:\n"
                     << Text(verdict.problems);
}

const std::string kFirstFile = "files/101-chat-export.json";

INSTANTIATE_TEST_SUITE_P(
    Bundle, TamperingTest,
    ::testing::Values(
        Tampering{"OneByteOfAFile",
                  [](std::vector<Member>& members) { Find(members, kFirstFile).data[3] ^= 1; },
                  {"item 101", kFirstFile, "SHA-256 is"}},
        Tampering{"FileRemoved",
                  [](std::vector<Member>& members) {
                    std::erase_if(members, [](const Member& m) { return m.name == kFirstFile; });
                  },
                  {"item 101", "missing from the bundle"}},
        Tampering{"ExtraFile",
                  [](std::vector<Member>& members) {
                    members.push_back({.name = "files/999-planted.exe", .data = "MZ"});
                  },
                  {"files/999-planted.exe", "not in the manifest"}},
        Tampering{"ExtraTopLevelMember",
                  [](std::vector<Member>& members) {
                    members.push_back({.name = "notes.txt", .data = "hi"});
                  },
                  {"notes.txt", "not part of a bundle"}},
        Tampering{"DuplicateMember",
                  [](std::vector<Member>& members) {
                    members.push_back({.name = kFirstFile, .data = "other"});
                  },
                  {kFirstFile, "more than once"}},
        Tampering{"EventFieldInManifest",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      m["items"][0]["custody"][2]["where"] = "склад №2";
                    });
                  },
                  {"item 101", "event 1003 (transfer)", "\"where\"", "склад №2"}},
        Tampering{"EventActionInManifest",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      m["items"][0]["custody"][1]["action"] = "seal";
                    });
                  },
                  {"event 1002", "\"action\""}},
        Tampering{"EventTimeInWords",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      m["items"][0]["custody"][1]["at_utc"] = "2025-01-01T00:00:00.000Z";
                    });
                  },
                  {"items[0].custody[1].at_utc", "is not the time"}},
        Tampering{"LeafData",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      Json& event = m["items"][0]["custody"][2];
                      std::string data = event["leaf_data"];
                      event["leaf_data"] = base::StrReplaceAll(data, {{"ЦСЭ", "ЦСЭ-2"}});
                      event["to"] = "ЦСЭ-2 МЮ РК";
                    });
                  },
                  {"event 1003", "does not lead to the checkpoint's root"}},
        Tampering{"LeafMovedToAnotherIndex",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      m["items"][0]["custody"][1]["leaf_index"] = 5;
                    });
                  },
                  {"event 1002", "leaf_index 5"}},
        Tampering{"ProofHash",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      m["items"][1]["custody"][0]["proof"][1] =
                          base::Base64Encode(std::string(32, 'z'));
                    });
                  },
                  {"item 102", "event 1004 (ingest)", "inclusion proof"}},
        Tampering{"CheckpointRoot",
                  [](std::vector<Member>& members) {
                    auto change = [](std::string note) {
                      std::vector<std::string_view> lines = base::StrSplit(note, '\n');
                      std::string root(lines[2]);
                      root[0] = root[0] == 'A' ? 'B' : 'A';
                      return base::StrReplaceAll(note, {{lines[2], root}});
                    };
                    Member& checkpoint = Find(members, "checkpoint.txt");
                    checkpoint.data = change(checkpoint.data);
                    EditManifest(members, [&](Json& m) {
                      m["ledger"]["checkpoint"] = change(m["ledger"]["checkpoint"]);
                    });
                  },
                  {"checkpoint", "does not verify"}},
        Tampering{"CheckpointSignature",
                  [](std::vector<Member>& members) {
                    auto change = [](std::string note) {
                      note[note.size() - 10] = note[note.size() - 10] == 'A' ? 'B' : 'A';
                      return note;
                    };
                    Member& checkpoint = Find(members, "checkpoint.txt");
                    checkpoint.data = change(checkpoint.data);
                    EditManifest(members, [&](Json& m) {
                      m["ledger"]["checkpoint"] = change(m["ledger"]["checkpoint"]);
                    });
                  },
                  {"checkpoint", "does not verify"}},
        Tampering{"CheckpointCopyOnly",
                  [](std::vector<Member>& members) {
                    Find(members, "checkpoint.txt").data += "x";
                  },
                  {"checkpoint.txt is not the checkpoint in manifest.json"}},
        Tampering{"PublicKeyCopy",
                  [](std::vector<Member>& members) {
                    Find(members, "public-key.txt").data.insert(0, "#");
                  },
                  {"public-key.txt is not the key in manifest.json"}},
        Tampering{"DerivedReport",
                  [](std::vector<Member>& members) {
                    Find(members, "custody-report.pdf").data += "%% appended";
                  },
                  {"custody-report.pdf is not the one written with this manifest"}},
        Tampering{"DerivedGraph",
                  [](std::vector<Member>& members) {
                    std::string& graph = Find(members, "case-uco.jsonld").data;
                    graph = base::StrReplaceAll(graph, {{"chat-export", "chat-export2"}});
                  },
                  {"case-uco.jsonld is not the one written"}},
        Tampering{"ManifestUnknownMember",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) { m["items"][1]["note"] = "x"; });
                  },
                  {"items[1].note", "unknown member"}},
        Tampering{"ItemIdChanged",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) { m["items"][2]["id"] = 104; });
                  },
                  {"item 104", "\"item_id\""}},
        Tampering{"EventsReordered",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      Json& custody = m["items"][1]["custody"];
                      std::swap(custody[1], custody[2]);
                    });
                  },
                  {"item 102", "out of order"}},
        Tampering{"IngestEventRemoved",
                  [](std::vector<Member>& members) {
                    EditManifest(members, [](Json& m) {
                      Json& custody = m["items"][2]["custody"];
                      custody.erase(custody.begin());
                    });
                  },
                  {"item 103", "no ingest event"}},
        Tampering{"ManifestListsNoItems",
                  [](std::vector<Member>& members) {
                    // Keeps a manifest but of no items: every file is then extra.
                    EditManifest(members, [](Json& m) { m["items"] = Json::array(); });
                  },
                  {kFirstFile, "not in the manifest"}}),
    [](const ::testing::TestParamInfo<Tampering>& info) { return info.param.name; });

TEST_F(BundleTest, ForgedHashesOfAChangedFileStillFailOnTheIngestEvent) {
  // The forger plants a file and puts its true size and hashes in the manifest: the files then
  // match the manifest, but not the ledger, whose ingest leaf recorded the original SHA-256.
  std::vector<Member> members = GoodMembers();
  Member& file = Find(members, kFirstFile);
  file.data = "{\"messages\":[\"planted\"]}";
  vault::Digests planted = vault::HashBytes(file.data).value();
  EditManifest(members, [&](Json& m) {
    Json& item = m["items"][0];
    item["size"] = planted.size;
    item["md5"] = planted.Md5Hex();
    item["sha1"] = planted.Sha1Hex();
    item["sha256"] = planted.Sha256Hex();
  });
  BundleVerdict verdict = VerifyMembers(members);
  EXPECT_FALSE(verdict.ok);
  EXPECT_THAT(verdict.problems, Not(Contains(HasSubstr("is not the one in the manifest"))));
  EXPECT_THAT(verdict.problems,
              Contains(AllOf(HasSubstr("item 101"), HasSubstr("event 1001 (ingest)"),
                             HasSubstr("not the one that was ingested"))));
}

TEST_F(BundleTest, AnotherPinnedKeyFails) {
  std::vector<Member> members = GoodMembers();
  ledger::NoteSigner other = *ledger::NoteSigner::Generate("ledger.test.kz/threathub");
  BundleVerdict verdict = VerifyMembers(members, other.VerifierKey());
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(verdict.key_from_bundle);
  EXPECT_THAT(verdict.problems, Contains(HasSubstr("not signed by the pinned key")));
  EXPECT_THAT(verdict.problems, Contains(HasSubstr("is not the pinned key")));
}

TEST_F(BundleTest, AKeyReplacedInsideTheBundleIsCaughtByThePinnedKey) {
  // A forger re-signs everything with a key of their own: consistent inside, so only a pinned
  // key (or comparing the printed key with the agency's) catches it.
  BundleContents contents = Contents();
  BundleBuilder forger(dir_.string());
  forger.AddItem("chat-export.json", "{\"messages\":[\"сәлем\",\"привет\"]}");
  ASSERT_TRUE(WriteBundle(forger.Build().value(), Path("forged.tar")).ok());
  BundleVerdict unpinned = VerifyBundle(Path("forged.tar")).value();
  EXPECT_TRUE(unpinned.ok);
  EXPECT_TRUE(unpinned.key_from_bundle);
  EXPECT_NE(unpinned.verifier_key, builder_->signer().VerifierKey());
  BundleVerdict pinned = VerifyBundle(Path("forged.tar"), builder_->signer().VerifierKey()).value();
  EXPECT_FALSE(pinned.ok);
}

TEST_F(BundleTest, AMalformedPinnedKeyIsAnError) {
  GoodMembers();
  EXPECT_EQ(VerifyBundle(Path("good.tar"), "not a key").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BundleTest, UnsafeMemberNamesAreReportedNotFollowed) {
  std::vector<Member> members = GoodMembers();
  members.push_back({.name = "../evil.sh", .data = "rm -rf /"});
  members.push_back({.name = "/etc/cron.d/evil", .data = "x"});
  members.push_back({.name = "files/../../outside", .data = "x"});
  members.push_back({.name = "files/./101-chat-export.json", .data = "x"});
  members.push_back({.name = "files/link", .type = AE_IFLNK, .link_target = "/etc/passwd"});
  members.push_back({.name = "files/hard", .type = AE_IFREG, .link_target = "manifest.json"});
  members.push_back({.name = "files/\x01"
                             "ctl",
                     .data = "x"});
  BundleVerdict verdict = VerifyMembers(members);
  EXPECT_FALSE(verdict.ok);
  std::string problems = Text(verdict.problems);
  EXPECT_THAT(problems, HasSubstr("\"../evil.sh\": a \"..\" component (path traversal)"));
  EXPECT_THAT(problems, HasSubstr("\"/etc/cron.d/evil\": an absolute path"));
  EXPECT_THAT(problems, HasSubstr("\"files/../../outside\": a \"..\" component"));
  EXPECT_THAT(problems, HasSubstr("\"files/./101-chat-export.json\": a \".\" component"));
  EXPECT_THAT(problems, HasSubstr("\"files/link\": is a symbolic link"));
  EXPECT_THAT(problems, HasSubstr("\"files/hard\": is a hard link"));
  EXPECT_THAT(problems, HasSubstr("\"files/\\x01ctl\": a control character"));
  // Nothing was written outside the test's directory.
  EXPECT_FALSE(std::filesystem::exists(dir_.parent_path() / "evil.sh"));
}

TEST_F(BundleTest, WhatIsNotABundleIsAnError) {
  EXPECT_EQ(VerifyBundle(Path("missing.tar")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(VerifyBundleBytes("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyBundleBytes(std::string(5000, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(WriteMembers(Path("other.tar"), {{.name = "hello.txt", .data = "hi"}}).ok());
  absl::StatusOr<BundleVerdict> verdict = VerifyBundle(Path("other.tar"));
  EXPECT_EQ(verdict.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(verdict.status().message(), HasSubstr("no (readable) manifest.json"));
  ASSERT_TRUE(
      WriteMembers(Path("other.tar"), {{.name = "manifest.json", .data = "{\"a\":1}"}}).ok());
  EXPECT_EQ(VerifyBundle(Path("other.tar")).status().code(), absl::StatusCode::kInvalidArgument);

  std::vector<Member> members = GoodMembers();
  EditManifest(members, [](Json& m) { m["version"] = 2; });
  ASSERT_TRUE(WriteMembers(Path("newer.tar"), members).ok());
  EXPECT_EQ(VerifyBundle(Path("newer.tar")).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(BundleTest, AManifestThatIsNotJsonFails) {
  std::vector<Member> members = GoodMembers();
  Find(members, "manifest.json").data.insert(0, "[");
  ASSERT_TRUE(WriteMembers(Path("bad.tar"), members).ok());
  EXPECT_EQ(VerifyBundle(Path("bad.tar")).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BundleTest, ACutShortBundleFails) {
  GoodMembers();
  std::string bytes = base::ReadFile(Path("good.tar")).value();
  absl::StatusOr<BundleVerdict> verdict = VerifyBundleBytes(bytes.substr(0, bytes.size() - 20000));
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_FALSE(verdict->ok);
  EXPECT_THAT(Text(verdict->problems), HasSubstr("cut short"));
}

TEST_F(BundleTest, WriteBundleRefusesWhatWouldNotVerify) {
  BundleContents contents = Contents();

  BundleContents bad_name = contents;
  bad_name.items[0].original_name = "../x";
  EXPECT_EQ(WriteBundle(bad_name, Path("x.tar")).status().code(),
            absl::StatusCode::kInvalidArgument);

  BundleContents duplicate = contents;
  duplicate.items[1].id = duplicate.items[0].id;
  EXPECT_EQ(WriteBundle(duplicate, Path("x.tar")).status().code(),
            absl::StatusCode::kInvalidArgument);

  BundleContents disagreeing = contents;
  disagreeing.items[0].custody[2].why = "other";  // the database says other than the ledger
  absl::Status status = WriteBundle(disagreeing, Path("x.tar")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("\"why\""));

  BundleContents bad_proof = contents;
  bad_proof.items[0].custody[0].proof.pop_back();
  EXPECT_EQ(WriteBundle(bad_proof, Path("x.tar")).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // The stored file rotted: nothing is left behind.
  BundleContents rotten = contents;
  std::ofstream(rotten.items[0].blob_path, std::ios::binary | std::ios::in | std::ios::out)
      .write("X", 1);
  status = WriteBundle(rotten, Path("x.tar")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("item 101"));
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_FALSE(base::StartsWith(entry.path().filename().string(), "x.tar")) << entry.path();
  }
}

TEST_F(BundleTest, TheCaseUcoGraphHasEveryHashAndOneActionPerEvent) {
  BundleContents contents = Contents();
  ASSERT_TRUE(WriteBundle(contents, Path("good.tar")).ok());
  std::vector<Member> members = ReadMembers(Path("good.tar")).value();
  nlohmann::json graph_document = nlohmann::json::parse(Find(members, "case-uco.jsonld").data);
  for (const char* prefix : {"case-investigation", "uco-core", "uco-observable", "uco-types",
                             "uco-vocabulary", "xsd", "kb"}) {
    EXPECT_TRUE(graph_document["@context"].contains(prefix)) << prefix;
  }
  const nlohmann::json& graph = graph_document["@graph"];
  std::map<std::string, int> types;
  std::set<std::string> ids;
  for (const nlohmann::json& node : graph) {
    ++types[node["@type"].get<std::string>()];
    EXPECT_TRUE(ids.insert(node["@id"].get<std::string>()).second) << node["@id"];
  }
  EXPECT_EQ(types["case-investigation:Investigation"], 1);
  EXPECT_EQ(types["case-investigation:Authorization"], 1);  // the same legal basis for all
  EXPECT_EQ(types["uco-observable:File"], 3);
  EXPECT_EQ(types["case-investigation:ProvenanceRecord"], 3);
  EXPECT_EQ(types["case-investigation:InvestigativeAction"], 9);
  for (const BundleItem& item : contents.items) {
    const nlohmann::json* file = nullptr;
    for (const nlohmann::json& node : graph) {
      if (node["@id"] == "kb:file-" + item.sha256) file = &node;
    }
    ASSERT_NE(file, nullptr) << item.id;
    std::map<std::string, std::string> hashes;
    std::string name;
    for (const nlohmann::json& facet : (*file)["uco-core:hasFacet"]) {
      if (facet["@type"] == "uco-observable:FileFacet") name = facet["uco-observable:fileName"];
      if (facet["@type"] != "uco-observable:ContentDataFacet") continue;
      for (const nlohmann::json& hash : facet["uco-observable:hash"]) {
        EXPECT_EQ(hash["uco-types:hashValue"]["@type"], "xsd:hexBinary");
        EXPECT_EQ(hash["uco-types:hashMethod"]["@type"], "uco-vocabulary:HashNameVocab");
        hashes[hash["uco-types:hashMethod"]["@value"]] = hash["uco-types:hashValue"]["@value"];
      }
    }
    EXPECT_EQ(name, item.original_name);
    EXPECT_EQ(hashes, (std::map<std::string, std::string>{
                          {"MD5", item.md5}, {"SHA1", item.sha1}, {"SHA256", item.sha256}}));
    for (const CustodyEntry& event : item.custody) {
      bool found = false;
      for (const nlohmann::json& node : graph) {
        if (node["@id"] != base::StrCat("kb:action-", event.event_id)) continue;
        found = true;
        EXPECT_EQ(node["uco-core:name"], event.action);
        EXPECT_EQ(node["uco-action:startTime"]["@value"], base::FormatUtc(event.at));
        EXPECT_EQ(node["uco-action:object"][0]["@id"], "kb:file-" + item.sha256);
      }
      EXPECT_TRUE(found) << event.event_id;
    }
  }
}

TEST_F(BundleTest, TheCustodyReportIsSearchableKazakhAndRussianText) {
  if (std::system("command -v pdftotext > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  }
  BundleContents contents = Contents();
  ASSERT_TRUE(WriteBundle(contents, Path("good.tar")).ok());
  std::vector<Member> members = ReadMembers(Path("good.tar")).value();
  const std::string& pdf = Find(members, "custody-report.pdf").data;
  EXPECT_TRUE(base::StartsWith(pdf, "%PDF-"));
  std::ofstream(Path("report.pdf"), std::ios::binary).write(pdf.data(), pdf.size());
  ASSERT_EQ(std::system(base::StrCat("pdftotext -enc UTF-8 '", Path("report.pdf"), "' '",
                                     Path("report.txt"), "'")
                            .c_str()),
            0);
  // pdftotext breaks lines where the layout wrapped them: compare with white space as one space.
  std::string raw = base::ReadFile(Path("report.txt")).value();
  std::string text;
  for (char c : raw) {
    bool space = c == '\n' || c == ' ' || c == '\f';
    if (!space) {
      text += c;
    } else if (!text.empty() && text.back() != ' ') {
      text += ' ';
    }
  }
  auto has = [&](std::string_view part) { return base::StrContains(text, part); };
  // The Kazakh letters (ә ғ қ ң ө ұ ү і from the headings, һ from the Kazakh file name).
  for (const char* letter : {"ә", "ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і"}) {
    EXPECT_TRUE(has(letter)) << letter;
  }
  EXPECT_TRUE(has("Заттай дәлелдемелерді сақтау тізбегі туралы есеп"));
  EXPECT_TRUE(has("Отчёт о цепочке хранения вещественных доказательств"));
  EXPECT_TRUE(has(contents.items[1].sha256));
  EXPECT_TRUE(has(kKazakhName));
  EXPECT_TRUE(has("Опечатывание"));  // the seal event's action, translated
  EXPECT_TRUE(has(contents.case_info.number));
  // One page for the case and one per item, numbered "n / N" (pdftotext may drop the spaces).
  std::string unspaced = base::StrReplaceAll(text, {{" ", ""}});
  EXPECT_TRUE(base::StrContains(unspaced, "1/4"));
  EXPECT_TRUE(base::StrContains(unspaced, "4/4"));
  EXPECT_FALSE(base::StrContains(unspaced, "5/4"));
}

// README.txt's steps, run as written: the openssl signature check and the Python script.
TEST_F(BundleTest, TheReadmeStepsCheckTheBundleByHand) {
  if (std::system("command -v python3 > /dev/null && command -v openssl > /dev/null") != 0) {
    GTEST_SKIP() << "python3 or openssl is not installed";
  }
  ASSERT_TRUE(WriteBundle(Contents(), Path("good.tar")).ok());
  std::filesystem::create_directories(Path("by-hand"));
  std::vector<Member> members = ReadMembers(Path("good.tar")).value();
  for (const Member& member : members) {
    if (base::StartsWith(member.name, "files/")) continue;
    std::ofstream(Path("by-hand/" + member.name), std::ios::binary) << member.data;
  }
  const std::string& readme = Find(members, "README.txt").data;
  size_t begin = readme.find("import base64");
  size_t end = readme.find("\n\n", readme.find("ingest hash"));
  ASSERT_NE(begin, std::string::npos);
  std::ofstream(Path("by-hand/check.py")) << readme.substr(begin, end - begin) << "\n";
  std::string shell = base::StrCat(
      "cd '", Path("by-hand"), "' && ", "sed -n '/BEGIN/,/END/p' public-key.txt > key.pem && ",
      "head -n 3 checkpoint.txt > signed.txt && ",
      "tail -n 1 checkpoint.txt | awk '{print $3}' | base64 -d | tail -c 64 > signature.bin && ",
      "openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in signed.txt -sigfile "
      "signature.bin > openssl.txt 2>&1; python3 check.py > check.txt 2>&1");
  ASSERT_EQ(std::system(shell.c_str()), 0);
  EXPECT_THAT(base::ReadFile(Path("by-hand/openssl.txt")).value(),
              HasSubstr("Signature Verified Successfully"));
  std::string report = base::ReadFile(Path("by-hand/check.txt")).value();
  std::vector<std::string_view> lines = base::StrSplit(report, '\n', /*skip_empty=*/true);
  EXPECT_EQ(lines.size(), 9u + 3u) << report;  // one per event, one per item
  for (std::string_view line : lines) EXPECT_TRUE(base::StartsWith(line, "OK ")) << line;
}

// An item over 8 GiB (the old tar header's limit; the pax header holds the size). Writes and
// reads 8 GiB, so it runs only when asked: THREATHUB_BUNDLE_BIG_TEST=1.
TEST_F(BundleTest, AnItemLargerThanEightGibRoundTrips) {
  if (std::getenv("THREATHUB_BUNDLE_BIG_TEST") == nullptr) {
    GTEST_SKIP() << "THREATHUB_BUNDLE_BIG_TEST is not set";
  }
  constexpr uint64_t kSize = (uint64_t{8} << 30) + 4097;
  BundleItem& item = builder_->AddItem("disk.img", "");
  // A sparse file: zeros cost no disk space to store, only time to hash.
  std::filesystem::resize_file(item.blob_path, kSize);
  vault::Digests digests = vault::HashFile(item.blob_path).value();
  item.size = kSize;
  item.md5 = digests.Md5Hex();
  item.sha1 = digests.Sha1Hex();
  item.sha256 = digests.Sha256Hex();
  item.custody[0].hash_after = item.sha256;
  for (CustodyEntry& event : item.custody) {
    if (!event.hash_before.empty()) event.hash_before = item.sha256;
    if (!event.hash_after.empty()) event.hash_after = item.sha256;
  }
  absl::StatusOr<WrittenBundle> written = WriteBundle(builder_->Build().value(), Path("big.tar"));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_GT(written->size, kSize);
  absl::StatusOr<BundleVerdict> verdict = VerifyBundle(Path("big.tar"));
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_TRUE(verdict->ok) << Text(verdict->problems);
}

// Not a test of behaviour: writes the fuzzer's seeds when asked,
//   THREATHUB_BUNDLE_FUZZ_SEED=fuzz/corpus/bundle build/src/bundle/bundle_test
//   --gtest_filter=*FuzzSeed
// good.tar is a whole bundle; small.tar only its manifest, checkpoint, key and file, so that
// mutations are cheap.
TEST_F(BundleTest, FuzzSeed) {
  const char* directory = std::getenv("THREATHUB_BUNDLE_FUZZ_SEED");
  if (directory == nullptr) GTEST_SKIP() << "THREATHUB_BUNDLE_FUZZ_SEED is not set";
  builder_->AddItem("a.txt", "a", {"view"});
  BundleContents contents = builder_->Build().value();
  std::string good = base::StrCat(directory, "/good.tar");
  ASSERT_TRUE(WriteBundle(contents, good).ok());
  std::vector<Member> members = ReadMembers(good).value();
  std::erase_if(members, [](const Member& member) {
    return member.name == "README.txt" || member.name == "case-uco.jsonld" ||
           member.name == "custody-report.pdf";
  });
  ASSERT_TRUE(WriteMembers(base::StrCat(directory, "/small.tar"), members).ok());
}

}  // namespace
}  // namespace threathub::bundle
