// Signed checkpoints of the ledger: the C2SP tlog-checkpoint text
// (https://c2sp.org/tlog-checkpoint) signed as a C2SP signed note (https://c2sp.org/signed-note)
// with an Ed25519 key.
//
// A checkpoint names the log (origin), its size and its root hash:
//
//   threathub/ledger
//   1204
//   2mG5k0bX...base64 of 32 bytes...=
//
//   — threathub/ledger Vd2yJ5....base64(4-byte key ID || 64-byte Ed25519 signature)...
//
// The key's text forms are those of golang.org/x/mod/sumdb/note, so that the Go tools (and any
// C2SP implementation) read them: the private key "PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ||
// 32-byte seed)>", the verifier key "<name>+<key ID>+<base64(0x01 || 32-byte public key)>", where
// the key ID is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), in 8 hex digits.
//
//   ASSIGN_OR_RETURN(NoteSigner signer,
//                    LoadOrCreateKeyFile(path, "threathub/ledger", KeyCreation::kCreateIfMissing));
//   ASSIGN_OR_RETURN(std::string note, signer.Sign(FormatCheckpoint(checkpoint)));
//   ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(signer.VerifierKey()));
//   ASSIGN_OR_RETURN(Checkpoint opened, OpenCheckpoint(note, {&verifier, 1}));
//
// The parsers here read outside input (a checkpoint or key handed to `ledger verify`): each has a
// size limit and a clear error, and checkpoint_fuzzer.cc drives them. No Asio, no database.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/merkle.h"

namespace threathub::ledger {

// A signed note longer than this is refused unread.
inline constexpr size_t kMaxNoteSize = 64 << 10;
// A note with more signature lines than this is refused (as golang.org/x/mod/sumdb/note does).
inline constexpr size_t kMaxNoteSignatures = 100;

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  bool operator==(const Checkpoint&) const = default;
};

// "<origin>\n<size>\n<base64 root>\n", the note text of a checkpoint without extension lines.
std::string FormatCheckpoint(const Checkpoint& checkpoint);

// Parses a checkpoint note text. Extension lines after the root are allowed and ignored (they are
// covered by the signature all the same). InvalidArgument when malformed: an empty origin, a size
// that is not a decimal number without leading zeros, a root that is not canonical base64 of 32
// bytes, an empty line, text not ending in a newline.
absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);

// True for a key name as the signed-note specification allows it: non-empty UTF-8 without white
// space or '+'. Keys made here use only printable ASCII (IsValidNewKeyName).
bool IsValidKeyName(std::string_view name);
bool IsValidNewKeyName(std::string_view name);

// An Ed25519 private key with its name. A value type; copies share nothing.
class NoteSigner {
 public:
  // A new random key. InvalidArgument unless IsValidNewKeyName(name).
  static absl::StatusOr<NoteSigner> Generate(std::string_view name);
  // From the private key text ("PRIVATE+KEY+..."); surrounding white space is ignored.
  // InvalidArgument when malformed or when the key ID does not match the key.
  static absl::StatusOr<NoteSigner> FromPrivateKey(std::string_view private_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  std::string PrivateKey() const;
  std::string VerifierKey() const;
  // The public key as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo), for `openssl pkeyutl -verify`.
  absl::StatusOr<std::string> PublicKeyPem() const;

  // The signed note of `text`, which must be non-empty and end in a newline:
  // text, a blank line, and this key's signature line.
  absl::StatusOr<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner(std::string name, std::string seed, std::string public_key);

  std::string name_;
  std::string seed_;        // the 32-byte Ed25519 private key (RFC 8032 section 5.1.5)
  std::string public_key_;  // 32 bytes
  uint32_t key_id_ = 0;
};

// An Ed25519 public key with its name, read from the verifier key text.
class NoteVerifier {
 public:
  // InvalidArgument when malformed, when the algorithm is not Ed25519 (0x01) or when the key ID
  // does not match the key.
  static absl::StatusOr<NoteVerifier> FromVerifierKey(std::string_view verifier_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  std::string VerifierKey() const;
  absl::StatusOr<std::string> PublicKeyPem() const;
  // True when `signature` (64 bytes) is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  NoteVerifier(std::string name, std::string public_key);

  std::string name_;
  std::string public_key_;  // 32 bytes
  uint32_t key_id_ = 0;
};

struct OpenedNote {
  std::string text;       // the signed text, ending in a newline
  std::string signed_by;  // the name of the first of `verifiers` whose signature verified
};

// Checks a signed note and returns its text. Signatures by keys not among `verifiers` are
// ignored, as the specification asks. InvalidArgument when the note is malformed (too long, not
// UTF-8, a control character, no blank line before the signatures, a malformed signature line);
// DataLoss when a signature by one of `verifiers` does not verify; NotFound when no signature is
// by one of `verifiers`.
absl::StatusOr<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers);

// OpenNote, then ParseCheckpoint; also InvalidArgument when the origin is not the name of the key
// that signed it (C2SP tlog-checkpoint: the log's key is named after its origin).
absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note,
                                          std::span<const NoteVerifier> verifiers);

enum class KeyCreation {
  kCreateIfMissing,  // the server at first start
  kRequireExisting,  // tools: a missing key is an error, never silently replaced
};

// Reads the private key file at `path`, or, when it is missing and `creation` allows, makes a key
// named `name` and writes it there (directory made 0700, file 0600, written durably). When two
// processes create it at once, both end up with the one that landed first. FailedPrecondition
// when the file is readable or writable by group or others; NotFound when missing and
// kRequireExisting.
absl::StatusOr<NoteSigner> LoadOrCreateKeyFile(const std::string& path, std::string_view name,
                                               KeyCreation creation);

}  // namespace threathub::ledger
