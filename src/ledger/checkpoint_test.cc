#include "ledger/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"

namespace threathub::ledger {
namespace {

// The example of golang.org/x/mod/sumdb/note (the reference implementation of C2SP signed-note):
// Ed25519 signatures are deterministic, so signing the same text must give this note exactly.
constexpr char kGoPrivateKey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kGoNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

// The example of the C2SP signed-note specification.
constexpr char kSpecVerifierKey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kSpecNote[] =
    "This is an example message.\n"
    "\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

Checkpoint SampleCheckpoint(std::string origin) {
  Checkpoint checkpoint{.origin = std::move(origin), .size = 1204};
  checkpoint.root = LeafHash("sample");
  return checkpoint;
}

TEST(CheckpointTest, SignsLikeTheGoReferenceImplementation) {
  absl::StatusOr<NoteSigner> signer = NoteSigner::FromPrivateKey(kGoPrivateKey);
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer->PrivateKey(), kGoPrivateKey);
  EXPECT_EQ(signer->VerifierKey(), kGoVerifierKey);
  EXPECT_EQ(*signer->Sign(kGoText), kGoNote);

  absl::StatusOr<NoteVerifier> verifier = NoteVerifier::FromVerifierKey(kGoVerifierKey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  absl::StatusOr<OpenedNote> opened = OpenNote(kGoNote, {&*verifier, 1});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, kGoText);
  EXPECT_EQ(opened->signed_by, "PeterNeumann");
}

TEST(CheckpointTest, OpensTheSpecificationExample) {
  absl::StatusOr<NoteVerifier> verifier = NoteVerifier::FromVerifierKey(kSpecVerifierKey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  absl::StatusOr<OpenedNote> opened = OpenNote(kSpecNote, {&*verifier, 1});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, "This is an example message.\n");
}

TEST(CheckpointTest, CheckpointTextIsTheC2spForm) {
  Checkpoint checkpoint = SampleCheckpoint("threathub/ledger");
  EXPECT_EQ(FormatCheckpoint(checkpoint),
            base::StrCat("threathub/ledger\n1204\n", base::Base64Encode(HashBytes(checkpoint.root)),
                         "\n"));
  EXPECT_EQ(*ParseCheckpoint(FormatCheckpoint(checkpoint)), checkpoint);
  // Extension lines are signed along but not interpreted.
  EXPECT_EQ(*ParseCheckpoint(FormatCheckpoint(checkpoint) + "extension line\n"), checkpoint);
}

TEST(CheckpointTest, MalformedCheckpointsAreRefused) {
  const std::string root = base::Base64Encode(std::string(32, 'r'));
  for (const std::string& text : {
           base::StrCat("\n5\n", root, "\n"),                      // no origin
           base::StrCat("o\n05\n", root, "\n"),                    // leading zero
           base::StrCat("o\n-5\n", root, "\n"),                    // negative
           base::StrCat("o\n18446744073709551616\n", root, "\n"),  // past 2^64 - 1
           base::StrCat("o\n5\n", root),                           // no final newline
           base::StrCat("o\n5\n", root, "\n\nx\n"),                // empty line
           std::string("o\n5\nAAAA\n"),                            // root too short
           base::StrCat("o\n5\n", root.substr(0, 42), "B=\n"),     // non-canonical base64
           std::string("o\n5\n"),
       }) {
    EXPECT_EQ(ParseCheckpoint(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(CheckpointTest, SignedCheckpointOpens) {
  NoteSigner signer = *NoteSigner::Generate("ledger.example.kz/threathub");
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(signer.VerifierKey());
  Checkpoint checkpoint = SampleCheckpoint(signer.name());
  std::string note = *signer.Sign(FormatCheckpoint(checkpoint));
  EXPECT_TRUE(base::StartsWith(note, FormatCheckpoint(checkpoint) + "\n\xE2\x80\x94 "));
  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(note, {&verifier, 1});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, checkpoint);
}

TEST(CheckpointTest, EveryChangedBitFailsVerification) {
  NoteSigner signer = *NoteSigner::Generate("threathub/ledger");
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(signer.VerifierKey());
  const std::string note = *signer.Sign(FormatCheckpoint(SampleCheckpoint(signer.name())));
  for (size_t byte_idx = 0; byte_idx < note.size(); ++byte_idx) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = note;
      changed[byte_idx] = static_cast<char>(changed[byte_idx] ^ (1 << bit));
      EXPECT_FALSE(OpenCheckpoint(changed, {&verifier, 1}).ok())
          << "byte " << byte_idx << " bit " << bit;
    }
  }
}

TEST(CheckpointTest, SignatureByAnotherKeyIsNotTrusted) {
  NoteSigner signer = *NoteSigner::Generate("threathub/ledger");
  NoteSigner impostor = *NoteSigner::Generate("threathub/ledger");
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(signer.VerifierKey());
  std::string forged = *impostor.Sign(FormatCheckpoint(SampleCheckpoint("threathub/ledger")));
  EXPECT_EQ(OpenCheckpoint(forged, {&verifier, 1}).status().code(), absl::StatusCode::kNotFound);
}

TEST(CheckpointTest, UnknownSignaturesAreIgnored) {
  NoteSigner signer = *NoteSigner::Generate("threathub/ledger");
  NoteSigner witness = *NoteSigner::Generate("witness.example");
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(signer.VerifierKey());
  const std::string text = FormatCheckpoint(SampleCheckpoint("threathub/ledger"));
  std::string witnessed = *witness.Sign(text);
  std::string own = *signer.Sign(text);
  // Both signature lines after one blank line.
  std::string both = witnessed + own.substr(text.size() + 1);
  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(both, {&verifier, 1});
  EXPECT_TRUE(opened.ok()) << opened.status();
}

TEST(CheckpointTest, OriginMustBeTheKeyName) {
  NoteSigner signer = *NoteSigner::Generate("threathub/ledger");
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(signer.VerifierKey());
  std::string note = *signer.Sign(FormatCheckpoint(SampleCheckpoint("another/log")));
  EXPECT_EQ(OpenCheckpoint(note, {&verifier, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, MalformedKeysAreRefused) {
  for (const std::string& key : {
           std::string("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),  // ID
           std::string(
               "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),  // case
           std::string(
               "PeterNeumann+c74f20a3+Alpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),  // type
           std::string(
               "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10"),  // short
           std::string(
               "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),  // space
           std::string("PeterNeumann+c74f20a3"),
           std::string(""),
       }) {
    EXPECT_EQ(NoteVerifier::FromVerifierKey(key).status().code(),
              absl::StatusCode::kInvalidArgument)
        << key;
  }
  EXPECT_EQ(NoteSigner::FromPrivateKey(kGoVerifierKey).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NoteSigner::Generate("has space").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NoteSigner::Generate("has+plus").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, MalformedNotesAreRefused) {
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(kGoVerifierKey);
  const std::string signature_line = std::string(kGoNote).substr(std::string(kGoText).size() + 1);
  for (const std::string& note : {
           std::string(kGoText),                   // no signatures
           std::string(kGoText) + signature_line,  // no blank line
           std::string(kGoText) + "\n" + signature_line.substr(0, signature_line.size() - 1),
           std::string(kGoText) + "\n- PeterNeumann AAAA\n",             // hyphen, not em dash
           std::string(kGoText) + "\n\xE2\x80\x94 PeterNeumann !!!!\n",  // not base64
           std::string("a\x01\n\n") + signature_line,                    // control character
           std::string("a\xff\n\n") + signature_line,                    // not UTF-8
           std::string(kMaxNoteSize + 1, 'a'),
       }) {
    EXPECT_EQ(OpenNote(note, {&verifier, 1}).status().code(), absl::StatusCode::kInvalidArgument)
        << note;
  }
}

TEST(CheckpointTest, PublicKeyPemIsSubjectPublicKeyInfo) {
  NoteVerifier verifier = *NoteVerifier::FromVerifierKey(kGoVerifierKey);
  std::string pem = *verifier.PublicKeyPem();
  EXPECT_TRUE(base::StartsWith(pem, "-----BEGIN PUBLIC KEY-----\n")) << pem;
  NoteSigner signer = *NoteSigner::FromPrivateKey(kGoPrivateKey);
  EXPECT_EQ(*signer.PublicKeyPem(), pem);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-key-" + base::HexEncode(base::RandomBytes(6)));
    path_ = (directory_ / "keys" / "ledger-ed25519.key").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path directory_;
  std::string path_;
};

TEST_F(KeyFileTest, CreatedOwnerOnlyAndReusedAcrossRestarts) {
  absl::StatusOr<NoteSigner> first =
      LoadOrCreateKeyFile(path_, "threathub/ledger", KeyCreation::kCreateIfMissing);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat info;
  ASSERT_EQ(::stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((directory_ / "keys").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(*base::ReadFile(path_), first->PrivateKey() + "\n");
  // No draft file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_ / "keys"),
                          std::filesystem::directory_iterator()),
            1);

  absl::StatusOr<NoteSigner> again =
      LoadOrCreateKeyFile(path_, "another-name", KeyCreation::kRequireExisting);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->VerifierKey(), first->VerifierKey());
  EXPECT_EQ(again->name(), "threathub/ledger");
}

TEST_F(KeyFileTest, MissingKeyIsNotMadeWhenItMustExist) {
  EXPECT_EQ(
      LoadOrCreateKeyFile(path_, "threathub/ledger", KeyCreation::kRequireExisting).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(KeyFileTest, KeyOpenToOthersIsRefused) {
  ASSERT_TRUE(LoadOrCreateKeyFile(path_, "threathub/ledger", KeyCreation::kCreateIfMissing).ok());
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  EXPECT_EQ(
      LoadOrCreateKeyFile(path_, "threathub/ledger", KeyCreation::kCreateIfMissing).status().code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST_F(KeyFileTest, DamagedKeyIsRefused) {
  ASSERT_TRUE(LoadOrCreateKeyFile(path_, "threathub/ledger", KeyCreation::kCreateIfMissing).ok());
  std::string key = *base::ReadFile(path_);
  key[key.size() - 3] = key[key.size() - 3] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(base::WriteFileDurably(path_, key, 0600).ok());
  EXPECT_EQ(
      LoadOrCreateKeyFile(path_, "threathub/ledger", KeyCreation::kCreateIfMissing).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threathub::ledger
