#include "ledger/checkpoint.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "base/encoding.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::ledger {
namespace {

// C2SP signed-note: the signature type byte of Ed25519, and the signature line's start,
// U+2014 EM DASH and a space.
constexpr char kEd25519Type = 0x01;
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SignatureSize = 64;
constexpr size_t kKeyIdSize = 4;
// A key file is a line of text; anything much longer is not one.
constexpr size_t kMaxKeyFileSize = 4096;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// C2SP signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4].
uint32_t KeyId(std::string_view name, std::string_view public_key) {
  std::string digest =
      base::Sha256(base::StrCat(name, "\n", std::string_view(&kEd25519Type, 1), public_key));
  return (uint32_t{static_cast<uint8_t>(digest[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(digest[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(digest[2])} << 8) |
         uint32_t{static_cast<uint8_t>(digest[3])};
}

std::string KeyIdHex(uint32_t key_id) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int digit_idx = 7; digit_idx >= 0; --digit_idx) {
    out[digit_idx] = kHexDigits[key_id & 15];
    key_id >>= 4;
  }
  return out;
}

std::string KeyIdBytes(uint32_t key_id) {
  return {static_cast<char>(key_id >> 24), static_cast<char>(key_id >> 16),
          static_cast<char>(key_id >> 8), static_cast<char>(key_id)};
}

// Base64 that decodes and is written the one canonical way (padding, zero trailing bits).
std::optional<std::string> DecodeCanonicalBase64(std::string_view text) {
  std::optional<std::string> bytes = base::Base64Decode(text);
  if (!bytes || base::Base64Encode(*bytes) != text) return std::nullopt;
  return bytes;
}

// The "<name>+<key ID>+<base64(type || key)>" tail of both key texts.
struct KeyText {
  std::string name;
  uint32_t key_id = 0;
  std::string key;  // 32 bytes
};

absl::StatusOr<KeyText> ParseKeyText(std::string_view text, std::string_view what) {
  // The name and the key ID hold no '+'; the base64 key may.
  size_t first_plus = text.find('+');
  size_t second_plus =
      first_plus == std::string_view::npos ? first_plus : text.find('+', first_plus + 1);
  if (second_plus == std::string_view::npos) {
    return absl::InvalidArgumentError(
        base::StrCat("the ", what, " is not <name>+<key ID>+<base64 key>"));
  }
  const std::string_view parts[] = {text.substr(0, first_plus),
                                    text.substr(first_plus + 1, second_plus - first_plus - 1),
                                    text.substr(second_plus + 1)};
  KeyText key;
  key.name = std::string(parts[0]);
  if (!IsValidKeyName(key.name)) {
    return absl::InvalidArgumentError(base::StrCat("the ", what, " has a bad key name"));
  }
  std::optional<std::string> id_bytes = base::HexDecode(parts[1]);
  if (parts[1].size() != 2 * kKeyIdSize || !id_bytes ||
      base::AsciiStrToLower(parts[1]) != parts[1]) {
    return absl::InvalidArgumentError(
        base::StrCat("the ", what, "'s key ID is not 8 lower-case hex digits"));
  }
  for (char byte : *id_bytes) key.key_id = (key.key_id << 8) | static_cast<uint8_t>(byte);
  std::optional<std::string> typed_key = DecodeCanonicalBase64(parts[2]);
  if (!typed_key || typed_key->size() != 1 + kEd25519KeySize) {
    return absl::InvalidArgumentError(
        base::StrCat("the ", what, "'s key is not base64 of 33 bytes"));
  }
  if ((*typed_key)[0] != kEd25519Type) {
    return absl::InvalidArgumentError(base::StrCat("the ", what, " is not an Ed25519 key"));
  }
  key.key = typed_key->substr(1);
  return key;
}

absl::Status OpenSslError(std::string_view what) {
  return absl::InternalError(base::StrCat("OpenSSL: ", what, " failed"));
}

absl::StatusOr<PkeyPtr> PublicKey(std::string_view public_key) {
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  if (key == nullptr) return OpenSslError("reading an Ed25519 public key");
  return key;
}

absl::StatusOr<std::string> PemOf(std::string_view public_key) {
  ASSIGN_OR_RETURN(PkeyPtr key, PublicKey(public_key));
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return OpenSslError("writing a PEM public key");
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

// A white-space character as Go's unicode.IsSpace sees it, at the start of `text` (valid UTF-8):
// its length in bytes, or 0.
size_t UnicodeSpaceAt(std::string_view text) {
  static constexpr std::string_view kSpaces[] = {"\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80",
                                                 "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF",
                                                 "\xE2\x81\x9F", "\xE3\x80\x80"};
  unsigned char lead = static_cast<unsigned char>(text[0]);
  if (lead == ' ' || (lead >= '\t' && lead <= '\r')) return 1;
  // U+2000 to U+200A.
  if (text.size() >= 3 && lead == 0xE2 && static_cast<unsigned char>(text[1]) == 0x80 &&
      static_cast<unsigned char>(text[2]) >= 0x80 && static_cast<unsigned char>(text[2]) <= 0x8A) {
    return 3;
  }
  for (std::string_view space : kSpaces) {
    if (base::StartsWith(text, space)) return space.size();
  }
  return 0;
}

absl::Status CheckNoteCharacters(std::string_view note) {
  if (!base::IsValidUtf8(note)) return absl::InvalidArgumentError("the note is not UTF-8");
  for (char byte : note) {
    if (static_cast<unsigned char>(byte) < 0x20 && byte != '\n') {
      return absl::InvalidArgumentError("the note holds a control character");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string FormatCheckpoint(const Checkpoint& checkpoint) {
  return base::StrCat(checkpoint.origin, "\n", checkpoint.size, "\n",
                      base::Base64Encode(HashBytes(checkpoint.root)), "\n");
}

absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.size() > kMaxNoteSize) return absl::InvalidArgumentError("the checkpoint is too long");
  RETURN_IF_ERROR(CheckNoteCharacters(text));
  if (!base::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("the checkpoint does not end in a newline");
  }
  std::vector<std::string_view> lines = base::StrSplit(text.substr(0, text.size() - 1), '\n');
  if (lines.size() < 3) {
    return absl::InvalidArgumentError("a checkpoint has an origin, a size and a root hash line");
  }
  for (std::string_view line : lines) {
    if (line.empty()) return absl::InvalidArgumentError("the checkpoint has an empty line");
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  bool digits_only = std::all_of(size.begin(), size.end(),
                                 [](char symbol) { return symbol >= '0' && symbol <= '9'; });
  if (!digits_only || (size.size() > 1 && size[0] == '0') ||
      !base::SimpleAtoi(size, &checkpoint.size)) {
    return absl::InvalidArgumentError("the checkpoint's size is not a decimal number");
  }
  std::optional<std::string> root = DecodeCanonicalBase64(lines[2]);
  std::optional<Hash> root_hash = root ? HashFromBytes(*root) : std::nullopt;
  if (!root_hash) {
    return absl::InvalidArgumentError("the checkpoint's root is not base64 of a SHA-256 hash");
  }
  checkpoint.root = *root_hash;
  return checkpoint;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !base::IsValidUtf8(name) || base::StrContains(name, "+")) return false;
  for (size_t pos = 0; pos < name.size(); ++pos) {
    if (UnicodeSpaceAt(name.substr(pos)) != 0) return false;
  }
  return true;
}

bool IsValidNewKeyName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char symbol) {
    return symbol > ' ' && symbol < 0x7F && symbol != '+';
  });
}

NoteSigner::NoteSigner(std::string name, std::string seed, std::string public_key)
    : name_(std::move(name)), seed_(std::move(seed)), public_key_(std::move(public_key)) {
  key_id_ = KeyId(name_, public_key_);
}

absl::StatusOr<NoteSigner> NoteSigner::Generate(std::string_view name) {
  if (!IsValidNewKeyName(name)) {
    return absl::InvalidArgumentError(base::StrCat(
        "key name \"", name, "\": use printable ASCII without spaces or '+', such as an origin"));
  }
  std::string seed = base::RandomBytes(kEd25519KeySize);
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  std::string public_key(kEd25519KeySize, '\0');
  size_t length = public_key.size();
  if (key == nullptr ||
      EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(public_key.data()),
                                  &length) != 1) {
    return OpenSslError("making an Ed25519 key");
  }
  return NoteSigner(std::string(name), std::move(seed), std::move(public_key));
}

absl::StatusOr<NoteSigner> NoteSigner::FromPrivateKey(std::string_view private_key) {
  private_key = base::StripAsciiWhitespace(private_key);
  if (!base::StartsWith(private_key, kPrivateKeyPrefix)) {
    return absl::InvalidArgumentError("the private key does not start with PRIVATE+KEY+");
  }
  ASSIGN_OR_RETURN(KeyText text,
                   ParseKeyText(private_key.substr(kPrivateKeyPrefix.size()), "private key"));
  PkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(text.key), text.key.size()));
  std::string public_key(kEd25519KeySize, '\0');
  size_t length = public_key.size();
  if (key == nullptr ||
      EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(public_key.data()),
                                  &length) != 1) {
    return OpenSslError("reading an Ed25519 private key");
  }
  NoteSigner signer(std::move(text.name), std::move(text.key), std::move(public_key));
  if (signer.key_id() != text.key_id) {
    return absl::InvalidArgumentError("the private key's key ID does not match the key");
  }
  return signer;
}

std::string NoteSigner::PrivateKey() const {
  return base::StrCat(kPrivateKeyPrefix, name_, "+", KeyIdHex(key_id_), "+",
                      base::Base64Encode(base::StrCat(std::string_view(&kEd25519Type, 1), seed_)));
}

std::string NoteSigner::VerifierKey() const {
  return base::StrCat(
      name_, "+", KeyIdHex(key_id_), "+",
      base::Base64Encode(base::StrCat(std::string_view(&kEd25519Type, 1), public_key_)));
}

absl::StatusOr<std::string> NoteSigner::PublicKeyPem() const { return PemOf(public_key_); }

absl::StatusOr<std::string> NoteSigner::Sign(std::string_view text) const {
  if (text.empty() || !base::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("a note's text must be non-empty and end in a newline");
  }
  RETURN_IF_ERROR(CheckNoteCharacters(text));
  if (base::StrContains(text, "\n\n")) {
    return absl::InvalidArgumentError("a note's text must not hold a blank line");
  }
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed_), seed_.size()));
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> context(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureSize, '\0');
  size_t length = signature.size();
  // Ed25519 signs the message itself (no digest named: RFC 8032 PureEdDSA).
  if (key == nullptr || context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(text), text.size()) != 1 ||
      length != kEd25519SignatureSize) {
    return OpenSslError("Ed25519 signing");
  }
  return base::StrCat(text, "\n", kSignaturePrefix, name_, " ",
                      base::Base64Encode(base::StrCat(KeyIdBytes(key_id_), signature)), "\n");
}

NoteVerifier::NoteVerifier(std::string name, std::string public_key)
    : name_(std::move(name)), public_key_(std::move(public_key)) {
  key_id_ = KeyId(name_, public_key_);
}

absl::StatusOr<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view verifier_key) {
  verifier_key = base::StripAsciiWhitespace(verifier_key);
  if (verifier_key.size() > kMaxKeyFileSize) {
    return absl::InvalidArgumentError("the verifier key is too long");
  }
  ASSIGN_OR_RETURN(KeyText text, ParseKeyText(verifier_key, "verifier key"));
  NoteVerifier verifier(std::move(text.name), std::move(text.key));
  if (verifier.key_id() != text.key_id) {
    return absl::InvalidArgumentError("the verifier key's key ID does not match the key");
  }
  return verifier;
}

std::string NoteVerifier::VerifierKey() const {
  return base::StrCat(
      name_, "+", KeyIdHex(key_id_), "+",
      base::Base64Encode(base::StrCat(std::string_view(&kEd25519Type, 1), public_key_)));
}

absl::StatusOr<std::string> NoteVerifier::PublicKeyPem() const { return PemOf(public_key_); }

bool NoteVerifier::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) return false;
  absl::StatusOr<PkeyPtr> key = PublicKey(public_key_);
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> context(EVP_MD_CTX_new());
  return key.ok() && context != nullptr &&
         EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key->get()) == 1 &&
         EVP_DigestVerify(context.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

absl::StatusOr<OpenedNote> OpenNote(std::string_view note,
                                    std::span<const NoteVerifier> verifiers) {
  if (note.size() > kMaxNoteSize) return absl::InvalidArgumentError("the note is too long");
  RETURN_IF_ERROR(CheckNoteCharacters(note));
  // The signatures follow the last blank line; the text keeps its final newline.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return absl::InvalidArgumentError("the note has no blank line before its signatures");
  }
  OpenedNote opened;
  std::string_view text = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + 2);
  if (signatures.empty() || !base::EndsWith(signatures, "\n")) {
    return absl::InvalidArgumentError("the note's signatures do not end in a newline");
  }
  std::vector<std::string_view> lines =
      base::StrSplit(signatures.substr(0, signatures.size() - 1), '\n');
  if (lines.size() > kMaxNoteSignatures) {
    return absl::InvalidArgumentError("the note has too many signatures");
  }
  std::vector<std::string> unknown_names;
  for (std::string_view line : lines) {
    if (!base::StartsWith(line, kSignaturePrefix)) {
      return absl::InvalidArgumentError("a signature line does not start with an em dash");
    }
    line.remove_prefix(kSignaturePrefix.size());
    size_t space = line.find(' ');
    std::string_view name = line.substr(0, space);
    std::string_view encoded = space == std::string_view::npos ? "" : line.substr(space + 1);
    // Canonical base64 only, so that no changed character (even in the unused low bits of the
    // last one) leaves a signature valid.
    std::optional<std::string> signature = DecodeCanonicalBase64(encoded);
    if (!IsValidKeyName(name) || encoded.empty() || !signature ||
        signature->size() < kKeyIdSize + 1) {
      return absl::InvalidArgumentError("a signature line is malformed");
    }
    uint32_t key_id = 0;
    for (size_t byte_idx = 0; byte_idx < kKeyIdSize; ++byte_idx) {
      key_id = (key_id << 8) | static_cast<uint8_t>((*signature)[byte_idx]);
    }
    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier& candidate : verifiers) {
      if (candidate.name() == name && candidate.key_id() == key_id) verifier = &candidate;
    }
    if (verifier == nullptr) {
      unknown_names.emplace_back(name);
      continue;
    }
    if (!verifier->Verify(text, std::string_view(*signature).substr(kKeyIdSize))) {
      return absl::DataLossError(
          base::StrCat("the signature by ", name, " does not verify: the note was changed"));
    }
    if (opened.signed_by.empty()) opened.signed_by = std::string(name);
  }
  if (opened.signed_by.empty()) {
    return absl::NotFoundError(
        unknown_names.empty()
            ? std::string("the note has no signature")
            : base::StrCat("the note has no signature by a trusted key (signed by ",
                           base::StrJoin(unknown_names, ", "), ")"));
  }
  opened.text = std::string(text);
  return opened;
}

absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note,
                                          std::span<const NoteVerifier> verifiers) {
  ASSIGN_OR_RETURN(OpenedNote opened, OpenNote(note, verifiers));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpoint(opened.text));
  if (checkpoint.origin != opened.signed_by) {
    return absl::InvalidArgumentError(base::StrCat("the checkpoint's origin \"", checkpoint.origin,
                                                   "\" is not its key's name \"", opened.signed_by,
                                                   "\""));
  }
  return checkpoint;
}

absl::StatusOr<NoteSigner> LoadOrCreateKeyFile(const std::string& path, std::string_view name,
                                               KeyCreation creation) {
  // At most twice: a second pass reads the key another process created first.
  for (int attempt = 0; attempt < 2; ++attempt) {
    struct stat info;
    if (::stat(path.c_str(), &info) == 0) {
      if ((info.st_mode & 077) != 0) {
        return absl::FailedPreconditionError(
            base::StrCat("the ledger key ", path,
                         " is open to group or others; allow only its owner (chmod 600)"));
      }
      if (info.st_size > static_cast<off_t>(kMaxKeyFileSize)) {
        return absl::InvalidArgumentError(base::StrCat("the ledger key ", path, " is too long"));
      }
      ASSIGN_OR_RETURN(std::string contents, base::ReadFile(path));
      absl::StatusOr<NoteSigner> signer = NoteSigner::FromPrivateKey(contents);
      if (!signer.ok()) {
        return absl::Status(signer.status().code(),
                            base::StrCat("the ledger key ", path, ": ", signer.status().message()));
      }
      return signer;
    }
    if (errno != ENOENT) {
      return absl::InternalError(base::StrCat("stat ", path, ": ", std::strerror(errno)));
    }
    if (creation == KeyCreation::kRequireExisting) {
      return absl::NotFoundError(base::StrCat("there is no ledger key at ", path));
    }
    ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Generate(name));
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::string directory = parent.empty() ? std::string(".") : parent.string();
    RETURN_IF_ERROR(base::MakeDirectories(directory, 0700));
    // Written whole under a name of its own, then linked into place: link(2), unlike rename(2),
    // fails when the key exists, so a key another process made a moment ago is never replaced.
    std::string draft = base::StrCat(path, ".new.", base::HexEncode(base::RandomBytes(6)));
    RETURN_IF_ERROR(base::WriteFileDurably(draft, signer.PrivateKey() + "\n", 0600));
    int linked = ::link(draft.c_str(), path.c_str());
    int link_error = errno;
    ::unlink(draft.c_str());
    if (linked == 0) {
      RETURN_IF_ERROR(base::SyncDirectory(directory));
      return signer;
    }
    if (link_error != EEXIST) {
      return absl::InternalError(
          base::StrCat("cannot create the ledger key ", path, ": ", std::strerror(link_error)));
    }
  }
  return absl::AbortedError(base::StrCat("the ledger key ", path, " appeared and vanished"));
}

}  // namespace threathub::ledger
