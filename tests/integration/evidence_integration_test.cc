// The evidence vault end to end, against the real server: streamed uploads and byte-exact
// downloads, custody events anchored in the ledger, need-to-know, E01 images, integrity
// checks and alerts, disposal under the two-person rule, disclosure bundles checked offline,
// and the faults a vault must survive (interrupted uploads, concurrent identical uploads, a
// full disk, kill -9 in the middle of ingests).
#include <openssl/evp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "integration_test.h"

namespace threathub::integration {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kUploadPiece = 256 * 1024;
constexpr auto kUploadTimeout = std::chrono::seconds(60);
// How long a refusal may take when the body is never sent: the server must not wait for it.
constexpr auto kRefusalTimeout = std::chrono::seconds(5);
// How long the server may take to remove the temporary file of an abandoned upload.
constexpr auto kCleanupTimeout = std::chrono::seconds(10);
constexpr int64_t kDayMillis = 24LL * 60 * 60 * 1000;

constexpr char kLegalBasis[] = "Decision of the investigator No. 17 of 2026-11-20 (CPC art. 221)";
constexpr char kEmptyMd5[] = "d41d8cd98f00b204e9800998ecf8427e";
constexpr char kEmptySha1[] = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kOutsiderPassword[] = "Steppe-Battery-Staple-2026";

// ---------------------------------------------------------------------------------------------
// Content, hashes, files.

// Deterministic bytes that do not compress and differ for each seed (splitmix64).
std::string PseudoRandomBytes(size_t size, uint64_t seed) {
  std::string bytes(size, '\0');
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t offset = 0; offset < size; offset += 8) {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t mixed = state;
    mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ULL;
    mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBULL;
    mixed ^= mixed >> 31;
    std::memcpy(bytes.data() + offset, &mixed, std::min<size_t>(8, size - offset));
  }
  return bytes;
}

std::string Digest(const EVP_MD* algorithm, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, algorithm, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int byte_idx = 0; byte_idx < length; ++byte_idx) {
    hex += kHex[digest[byte_idx] >> 4];
    hex += kHex[digest[byte_idx] & 15];
  }
  return hex;
}

std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }

// Regular files under `dir`, recursively, sorted; empty when `dir` does not exist.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (fs::recursive_directory_iterator entry(dir, error), end; !error && entry != end;
       entry.increment(error)) {
    if (entry->is_regular_file()) files.push_back(entry->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> BlobFiles(const std::string& data_dir) {
  return FilesUnder(data_dir + "/vault/sha256");
}

// The on-disk name of a blob (vault/blob_store.h).
std::string BlobPath(const std::string& data_dir, const std::string& sha256) {
  return data_dir + "/vault/sha256/" + sha256.substr(0, 2) + "/" + sha256.substr(2, 2) + "/" +
         sha256;
}

// Waits until no upload is left in progress under <data>/vault/tmp; what remains then.
std::vector<std::string> WaitForNoTempFiles(const std::string& data_dir) {
  auto deadline = std::chrono::steady_clock::now() + kCleanupTimeout;
  std::vector<std::string> left;
  while (!(left = FilesUnder(data_dir + "/vault/tmp")).empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return left;
}

// Waits until an upload in progress under <data>/vault/tmp holds at least `bytes`.
bool WaitForTempFileOf(const std::string& data_dir, uintmax_t bytes) {
  auto deadline = std::chrono::steady_clock::now() + kRefusalTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const std::string& file : FilesUnder(data_dir + "/vault/tmp")) {
      std::error_code ignored;
      if (fs::file_size(file, ignored) >= bytes) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Flips the lowest bit of the byte at `offset` (the file may be read-only: it is made writable).
bool FlipByte(const std::string& path, size_t offset) {
  ::chmod(path.c_str(), 0600);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) return false;
  char byte = 0;
  file.seekg(static_cast<std::streamoff>(offset));
  if (!file.get(byte)) return false;
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(byte ^ 0x01));
  return static_cast<bool>(file.flush());
}

// "2026-11-20T09:30:00.000Z" (base::FormatUtc) as Unix milliseconds; -1 when malformed.
int64_t ParseUtcMillis(const std::string& text) {
  std::tm parts{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &millis) != 7) {
    return -1;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&parts)) * 1000 + millis;
}

// An executable on PATH, "" when there is none.
std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string FirstMatch(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex(pattern)) && match.size() > 1) return match[1];
  return "";
}

// ---------------------------------------------------------------------------------------------
// Uploads.

using Query = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding; what ContentDisposition (evidence_api.cc) also produces for
// filename* (upper-case hex, only letters, digits, '.', '-' and '_' kept).
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char symbol : text) {
    unsigned char byte = static_cast<unsigned char>(symbol);
    if (std::isalnum(byte) || symbol == '.' || symbol == '-' || symbol == '_') {
      out += symbol;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

Query ItemQuery(const std::string& name) { return {{"name", name}, {"legal_basis", kLegalBasis}}; }

std::string UploadTarget(int64_t case_id, const Query& query) {
  std::string target = "/api/v1/cases/" + std::to_string(case_id) + "/evidence";
  char separator = '?';
  for (const auto& [key, value] : query) {
    target += separator + PercentEncode(key) + "=" + PercentEncode(value);
    separator = '&';
  }
  return target;
}

std::string AuthLines(const Auth& auth) {
  std::string lines;
  if (!auth.bearer.empty()) lines += "Authorization: Bearer " + auth.bearer + "\r\n";
  if (!auth.cookie.empty())
    lines += "Cookie: " + std::string(kSessionCookie) + "=" + auth.cookie + "\r\n";
  if (!auth.csrf.empty()) lines += "X-CSRF-Token: " + auth.csrf + "\r\n";
  return lines;
}

enum class Framing { kContentLength, kChunked };

std::string UploadHead(const std::string& target, const Auth& auth, Framing framing,
                       uint64_t content_length) {
  std::string head = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AuthLines(auth) +
                     "Content-Type: application/octet-stream\r\n";
  head += framing == Framing::kChunked
              ? std::string("Transfer-Encoding: chunked\r\n")
              : "Content-Length: " + std::to_string(content_length) + "\r\n";
  return head + "Connection: close\r\n\r\n";
}

std::string ChunkHeader(size_t size) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx\r\n", size);
  return text;
}

// Uploads `content` as the raw body, piece by piece like a browser would; stops sending as soon
// as the server answers (a refusal may come before or in the middle of the body).
HttpResponse Upload(int port, const Auth& auth, const std::string& target, std::string_view content,
                    Framing framing = Framing::kContentLength) {
  HttpConnection connection(port, kUploadTimeout);
  if (!connection.SendRaw(UploadHead(target, auth, framing, content.size()))) {
    return connection.ReadResponse();
  }
  for (size_t offset = 0; offset < content.size(); offset += kUploadPiece) {
    if (connection.WaitReadable(std::chrono::milliseconds(0))) return connection.ReadResponse();
    std::string_view piece = content.substr(offset, kUploadPiece);
    bool sent = framing == Framing::kChunked
                    ? connection.SendRaw(ChunkHeader(piece.size()) + std::string(piece) + "\r\n")
                    : connection.SendRaw(piece);
    if (!sent) return connection.ReadResponse();
  }
  if (framing == Framing::kChunked) connection.SendRaw("0\r\n\r\n");
  return connection.ReadResponse();
}

// Sends only the head of an upload announcing `content_length` bytes and waits for the answer,
// which must come without the body.
HttpResponse UploadHeadOnly(int port, const Auth& auth, const std::string& target,
                            uint64_t content_length) {
  HttpConnection connection(port, kRefusalTimeout);
  connection.SendRaw(UploadHead(target, auth, Framing::kContentLength, content_length));
  return connection.ReadResponse();
}

// The expectations every freshly ingested item meets.
::testing::AssertionResult IsItemOf(const HttpResponse& response, int expected_status,
                                    std::string_view content, const std::string& name) {
  if (response.status != expected_status) {
    return ::testing::AssertionFailure()
           << "expected HTTP " << expected_status << ", got " << response.Describe();
  }
  Json item = response.JsonBody();
  if (!item.is_object()) return ::testing::AssertionFailure() << "not an item: " << response.body;
  std::string problems;
  auto expect = [&](const char* key, const Json& wanted) {
    if (!item.contains(key) || item[key] != wanted) {
      problems += std::string(" ") + key + "=" + (item.contains(key) ? item[key].dump() : "?") +
                  " (expected " + wanted.dump() + ");";
    }
  };
  expect("size", content.size());
  expect("md5", Digest(EVP_md5(), content));
  expect("sha1", Digest(EVP_sha1(), content));
  expect("sha256", Sha256(content));
  expect("original_name", name);
  expect("state", "active");
  expect("sealed", false);
  if (!item.contains("id") || !item["id"].is_number_integer()) problems += " no id;";
  if (!problems.empty()) {
    return ::testing::AssertionFailure() << "item " << name << ":" << problems;
  }
  return ::testing::AssertionSuccess();
}

// The first event of a custody list, an empty object when there is none.
Json FirstEvent(const Json& events) {
  return events.is_array() && !events.empty() ? events.front() : Json::object();
}

std::vector<std::string> Actions(const Json& events) {
  std::vector<std::string> actions;
  for (const Json& event : events) actions.push_back(event.value("action", "?"));
  return actions;
}

// ---------------------------------------------------------------------------------------------
// The fixture.

class EvidenceTest : public IntegrationTest {
 protected:
  void TearDown() override {
    // Lazily, so a server still holding files open does not keep the mount (and the temporary
    // directory) busy.
    for (const std::string& mount : mounts_) ::umount2(mount.c_str(), MNT_DETACH);
    IntegrationTest::TearDown();
  }

  // A demo server, the investigator signed in (Bearer and cookie), and a case of theirs.
  struct Vault {
    TestServer* server = nullptr;
    int port = 0;
    SignedIn investigator;
    Auth as_investigator;
    int64_t case_id = 0;
    std::string case_number;
    // The files in the store when the test began (the demo case has an item).
    std::vector<std::string> blobs_at_start;
    const std::string& data() const { return server->data_dir(); }
  };

  // The blob files added since the vault was opened.
  static std::vector<std::string> NewBlobFiles(const Vault& vault) {
    std::vector<std::string> added;
    for (const std::string& blob : BlobFiles(vault.data())) {
      if (!std::binary_search(vault.blobs_at_start.begin(), vault.blobs_at_start.end(), blob)) {
        added.push_back(blob);
      }
    }
    return added;
  }

  std::optional<Vault> OpenVault(ServerOptions options = {}) {
    Vault vault;
    vault.server = StartServer(std::move(options));
    if (vault.server == nullptr) return std::nullopt;
    vault.port = vault.server->port();
    std::optional<SignedIn> investigator = SignInDemo(*vault.server, "investigator");
    if (!investigator) return std::nullopt;
    vault.investigator = *investigator;
    vault.as_investigator = Auth::Bearer(investigator->token);
    if (!OpenCase(vault)) return std::nullopt;
    vault.blobs_at_start = BlobFiles(vault.data());
    return vault;
  }

  bool OpenCase(Vault& vault) {
    HttpResponse created = Api(vault.port, "POST", "/api/v1/cases",
                               Json{{"title", "Phishing of bank customers"},
                                    {"description", "Evidence vault integration test"}},
                               vault.as_investigator);
    if (created.status != 201) {
      ADD_FAILURE() << "cannot open a case: " << created.Describe();
      return false;
    }
    vault.case_id = created.JsonBody().value("id", int64_t{0});
    vault.case_number = created.JsonBody().value("number", "");
    return true;
  }

  // The items listed for the case; a failure and an empty list when the listing fails.
  Json Items(const Vault& vault, const Auth& auth) {
    HttpResponse listed =
        Api(vault.port, "GET", "/api/v1/cases/" + std::to_string(vault.case_id) + "/evidence",
            std::nullopt, auth);
    if (listed.status != 200 || !listed.JsonBody().contains("items")) {
      ADD_FAILURE() << "cannot list the items: " << listed.Describe();
      return Json::array();
    }
    return listed.JsonBody()["items"];
  }

  Json Custody(const Vault& vault, int64_t item_id) {
    HttpResponse custody =
        Api(vault.port, "GET", "/api/v1/evidence/" + std::to_string(item_id) + "/custody",
            std::nullopt, vault.as_investigator);
    if (custody.status != 200 || !custody.JsonBody().contains("events")) {
      ADD_FAILURE() << "cannot read the custody of " << item_id << ": " << custody.Describe();
      return Json::array();
    }
    return custody.JsonBody()["events"];
  }

  // A signed-in demo account.
  std::optional<Auth> SignInAs(TestServer& server, const std::string& username) {
    std::optional<SignedIn> signed_in = SignInDemo(server, username);
    if (!signed_in) return std::nullopt;
    return Auth::Bearer(signed_in->token);
  }

  // An investigator of another agency (astana-cyber), made with `admin user add` and enrolled
  // in TOTP, so that the session is a full one.
  std::optional<Auth> SignInOutsider(TestServer& server) {
    CommandResult added = Cli(server, {"admin", "user", "add", "--agency", "astana-cyber",
                                       "--username", "outsider", "--name", "Astana Investigator",
                                       "--roles", "investigator", "--password", kOutsiderPassword});
    if (added.exit_code != 0) {
      ADD_FAILURE() << "admin user add: " << added.err;
      return std::nullopt;
    }
    HttpResponse login = Login(server.port(), "outsider", kOutsiderPassword);
    const Auth enrolling = Auth::Bearer(login.JsonBody().value("token", ""));
    HttpResponse enroll =
        Api(server.port(), "POST", "/api/v1/me/totp/enroll", std::nullopt, enrolling);
    const std::string secret = enroll.JsonBody().value("secret", "");
    HttpResponse confirmed = Api(server.port(), "POST", "/api/v1/me/totp/confirm",
                                 Json{{"code", TotpCode(secret, CurrentTotpStep())}}, enrolling);
    if (confirmed.status != 200 || confirmed.JsonBody().value("stage", "") != "full") {
      ADD_FAILURE() << "the outsider's enrolment failed: " << login.Describe() << " / "
                    << enroll.Describe() << " / " << confirmed.Describe();
      return std::nullopt;
    }
    return enrolling;
  }

  // Mounts a tmpfs of `size` (e.g. "8m") at `dir`; false when that is not allowed here.
  bool MountTmpfs(const std::string& dir, const std::string& size, std::string& why) {
    std::error_code ignored;
    fs::create_directories(dir, ignored);
    std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why = std::string("mount -t tmpfs: ") + std::strerror(errno);
      return false;
    }
    mounts_.push_back(dir);
    return true;
  }

  // Writes `content` to a file under this test's directory; its path.
  std::string WriteTempFile(const std::string& name, std::string_view content) {
    std::string dir = temp() + "/files";
    fs::create_directories(dir);
    std::string path = dir + "/" + name;
    EXPECT_TRUE(WriteFile(path, std::string(content))) << path;
    return path;
  }

 private:
  std::vector<std::string> mounts_;
};
THREATHUB_INSTANTIATE_FOR_ENGINES(EvidenceTest);

// ---------------------------------------------------------------------------------------------
// Uploads and downloads.

TEST_P(EvidenceTest, UploadsAreHashedStoredAndDownloadedByteForByte) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  struct Case {
    std::string name;
    std::string content;
    Framing framing;
    Auth auth;
  };
  // One with Content-Length and a Bearer token; one chunked from the web app (cookie and CSRF
  // token), under a Cyrillic name.
  const std::vector<Case> uploads = {
      {"disk-image-1.bin", PseudoRandomBytes(20 * kMiB, 1), Framing::kContentLength,
       vault->as_investigator},
      {"переписка подозреваемого.bin", PseudoRandomBytes(20 * kMiB + 12345, 2), Framing::kChunked,
       Auth::Cookie(vault->investigator.token, vault->investigator.csrf)},
  };
  std::vector<std::string> hashes;
  for (const Case& upload : uploads) {
    SCOPED_TRACE(upload.name);
    Query query = ItemQuery(upload.name);
    query.insert(query.end(), {{"description", "Image of the suspect's USB stick"},
                               {"source_type", "seized"},
                               {"source_detail", "Search of the flat at Abay ave. 10"},
                               {"acquisition_method", "dd"},
                               {"acquisition_tool", "dd (coreutils) 9.1"},
                               {"examiner", "Lt. Akhmetov"},
                               {"acquired_at", "2026-11-20T09:30:00Z"},
                               {"acquired_place", "Almaty"},
                               {"categories", "personal_data, fraud"}});
    HttpResponse created = Upload(vault->port, upload.auth, UploadTarget(vault->case_id, query),
                                  upload.content, upload.framing);
    ASSERT_TRUE(IsItemOf(created, 201, upload.content, upload.name));
    Json item = created.JsonBody();
    const int64_t item_id = item["id"].get<int64_t>();
    const std::string sha256 = item["sha256"].get<std::string>();
    hashes.push_back(sha256);
    EXPECT_EQ(item.value("case_id", int64_t{0}), vault->case_id);
    EXPECT_EQ(item.value("case_number", ""), vault->case_number);
    EXPECT_EQ(item.value("legal_basis", ""), kLegalBasis);
    EXPECT_EQ(item.value("acquired_at", ""), "2026-11-20T09:30:00.000Z");
    EXPECT_EQ(item["categories"], Json({"fraud", "personal_data"}));
    EXPECT_TRUE(item["ewf"].is_null()) << item["ewf"];

    HttpResponse read = Api(vault->port, "GET", "/api/v1/evidence/" + std::to_string(item_id),
                            std::nullopt, vault->as_investigator);
    ASSERT_EQ(read.status, 200) << read.Describe();
    EXPECT_EQ(read.JsonBody().value("sha256", ""), sha256);

    HttpResponse content =
        Fetch(vault->port, {.method = "GET",
                            .target = "/api/v1/evidence/" + std::to_string(item_id) + "/content",
                            .headers = {{"Authorization", "Bearer " + vault->investigator.token}},
                            .close = true});
    ASSERT_EQ(content.status, 200) << content.Describe();
    EXPECT_EQ(content.body.size(), upload.content.size());
    EXPECT_TRUE(content.body == upload.content) << "the download differs from the upload";
    const std::string disposition = content.Header("content-disposition");
    EXPECT_EQ(disposition.rfind("attachment", 0), 0u) << disposition;
    EXPECT_NE(disposition.find("filename*=UTF-8''" + PercentEncode(upload.name)), std::string::npos)
        << disposition;

    const Json events = Custody(*vault, item_id);
    EXPECT_EQ(Actions(events), std::vector<std::string>({"ingest", "view", "download"}));
    int64_t previous_leaf = -1;
    for (const Json& event : events) {
      ASSERT_TRUE(event["leaf_index"].is_number_integer()) << event;
      EXPECT_GT(event["leaf_index"].get<int64_t>(), previous_leaf) << event;
      previous_leaf = event["leaf_index"].get<int64_t>();
      EXPECT_EQ(event["actor"].value("username", ""), "investigator") << event;
    }
    EXPECT_EQ(FirstEvent(events).value("hash_after", ""), sha256);
    EXPECT_EQ(FirstEvent(events).value("to", ""), "vault");
  }

  // Each content once, read-only, under its SHA-256.
  std::vector<std::string> expected_blobs;
  for (const std::string& sha256 : hashes)
    expected_blobs.push_back(BlobPath(vault->data(), sha256));
  std::sort(expected_blobs.begin(), expected_blobs.end());
  EXPECT_EQ(NewBlobFiles(*vault), expected_blobs);
  for (const std::string& blob : expected_blobs) {
    struct stat info {};
    ASSERT_EQ(::stat(blob.c_str(), &info), 0) << blob;
    EXPECT_EQ(info.st_mode & 0222, 0u) << blob << " is writable";
  }
  EXPECT_EQ(WaitForNoTempFiles(vault->data()), std::vector<std::string>());

  // The command line sees the same items (the case named by its number).
  CommandResult listed = Cli(
      *vault->server, {"evidence", "list", "--case", vault->case_number, "--user", "investigator"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  for (const std::string& sha256 : hashes) {
    EXPECT_NE(listed.out.find(sha256), std::string::npos) << listed.out;
  }
  // Every custody event agrees with its ledger leaf, with the server still running.
  CommandResult ledger = Cli(*vault->server, {"ledger", "verify"});
  EXPECT_EQ(ledger.exit_code, 0) << ledger.out << ledger.err;
}

TEST_P(EvidenceTest, AnEmptyFileIsAnItemWithTheHashesOfNothing) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  std::vector<int64_t> ids;
  for (Framing framing : {Framing::kContentLength, Framing::kChunked}) {
    HttpResponse created =
        Upload(vault->port, vault->as_investigator,
               UploadTarget(vault->case_id, ItemQuery("empty.txt")), "", framing);
    ASSERT_TRUE(IsItemOf(created, 201, "", "empty.txt"));
    Json item = created.JsonBody();
    EXPECT_EQ(item.value("sha256", ""), kEmptySha256);
    EXPECT_EQ(item.value("md5", ""), kEmptyMd5);
    EXPECT_EQ(item.value("sha1", ""), kEmptySha1);
    ids.push_back(item["id"].get<int64_t>());
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_EQ(NewBlobFiles(*vault),
            std::vector<std::string>({BlobPath(vault->data(), kEmptySha256)}));
  HttpResponse content =
      Api(vault->port, "GET", "/api/v1/evidence/" + std::to_string(ids[0]) + "/content",
          std::nullopt, vault->as_investigator);
  EXPECT_EQ(content.status, 200) << content.Describe();
  EXPECT_EQ(content.body, "");
  HttpResponse verified =
      Api(vault->port, "POST", "/api/v1/evidence/" + std::to_string(ids[1]) + "/verify",
          std::nullopt, vault->as_investigator);
  ASSERT_EQ(verified.status, 200) << verified.Describe();
  EXPECT_EQ(verified.JsonBody().value("result", ""), "match");
}

TEST_P(EvidenceTest, BadMetadataIsRefusedNamingTheField) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  struct Case {
    std::string what;
    Query query;
    std::string field;
  };
  auto with = [](Query query, std::pair<std::string, std::string> extra) {
    query.push_back(std::move(extra));
    return query;
  };
  const std::vector<Case> cases = {
      {"a slash in the name", ItemQuery("../../etc/passwd"), "name"},
      {"a backslash in the name", ItemQuery("C:\\evidence\\a.bin"), "name"},
      {"invalid UTF-8 in the name (%FF)", ItemQuery("report\xff.pdf"), "name"},
      {"a truncated UTF-8 sequence", ItemQuery("\xd0"), "name"},
      {"a control character in the name", ItemQuery("a\x01.bin"), "name"},
      {"an empty name", ItemQuery(""), "name"},
      {"no name", {{"legal_basis", kLegalBasis}}, "name"},
      {"no legal basis", {{"name", "a.bin"}}, "legal_basis"},
      {"a blank legal basis", {{"name", "a.bin"}, {"legal_basis", "   "}}, "legal_basis"},
      {"an unknown parameter", with(ItemQuery("a.bin"), {"colour", "red"}), "colour"},
      {"an unknown source type", with(ItemQuery("a.bin"), {"source_type", "stolen"}),
       "source_type"},
      {"a malformed time", with(ItemQuery("a.bin"), {"acquired_at", "yesterday"}), "acquired_at"},
      {"an unknown category", with(ItemQuery("a.bin"), {"categories", "fraud,weather"}),
       "categories"},
      {"a parent that does not exist", with(ItemQuery("a.bin"), {"parent_id", "999999"}),
       "parent_id"},
  };
  const std::string body = PseudoRandomBytes(64 * 1024, 3);
  for (const Case& bad : cases) {
    HttpResponse refused =
        Upload(vault->port, vault->as_investigator, UploadTarget(vault->case_id, bad.query), body);
    EXPECT_TRUE(IsError(refused, 400, "invalid_argument", "", bad.field)) << bad.what;
  }
  // Refused before the body: the answer comes although the body never does. From the web app
  // (the session cookie), the CSRF token is required like for any other change.
  EXPECT_TRUE(IsError(UploadHeadOnly(vault->port, Auth::Cookie(vault->investigator.token),
                                     UploadTarget(vault->case_id, ItemQuery("a.bin")), 8 * kMiB),
                      403, "permission_denied", "csrf_missing"));
  EXPECT_TRUE(IsError(UploadHeadOnly(vault->port, vault->as_investigator,
                                     UploadTarget(vault->case_id, {{"name", "a.bin"}}), 8 * kMiB),
                      400, "invalid_argument", "", "legal_basis"));
  EXPECT_TRUE(Healthy(vault->port));
  EXPECT_EQ(Items(*vault, vault->as_investigator), Json::array());
  EXPECT_EQ(NewBlobFiles(*vault), std::vector<std::string>());
  EXPECT_EQ(WaitForNoTempFiles(vault->data()), std::vector<std::string>());
}

// ---------------------------------------------------------------------------------------------
// Faults.

TEST_P(EvidenceTest, AnInterruptedUploadLeavesNoItemAndNoFile) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  const std::string kept = PseudoRandomBytes(100 * 1024, 4);
  ASSERT_TRUE(IsItemOf(Upload(vault->port, vault->as_investigator,
                              UploadTarget(vault->case_id, ItemQuery("kept.bin")), kept),
                       201, kept, "kept.bin"));
  const std::vector<std::string> blobs_before = BlobFiles(vault->data());
  ASSERT_EQ(NewBlobFiles(*vault).size(), 1u);

  const std::string partial = PseudoRandomBytes(kMiB, 5);
  const std::string target = UploadTarget(vault->case_id, ItemQuery("cut-off.bin"));
  struct Case {
    std::string what;
    std::string wire;
  };
  const std::vector<Case> cases = {
      {"1 MiB of an announced 10 MiB",
       UploadHead(target, vault->as_investigator, Framing::kContentLength, 10 * kMiB) + partial},
      {"chunked, cut inside a chunk",
       UploadHead(target, vault->as_investigator, Framing::kChunked, 0) + ChunkHeader(2 * kMiB) +
           partial},
      {"chunked, cut after whole chunks",
       UploadHead(target, vault->as_investigator, Framing::kChunked, 0) +
           ChunkHeader(partial.size()) + partial + "\r\n"},
  };
  for (const Case& cut : cases) {
    SCOPED_TRACE(cut.what);
    {
      HttpConnection connection(vault->port);
      ASSERT_TRUE(connection.SendRaw(cut.wire)) << connection.error();
      // The body goes to disk as it arrives, long before its end.
      EXPECT_TRUE(WaitForTempFileOf(vault->data(), partial.size() / 2))
          << "no upload in progress under " << vault->data() << "/vault/tmp";
    }  // closes the socket mid-body
    EXPECT_EQ(WaitForNoTempFiles(vault->data()), std::vector<std::string>())
        << "the temporary file of the abandoned upload is still there";
    EXPECT_TRUE(Healthy(vault->port));
    EXPECT_EQ(Items(*vault, vault->as_investigator).size(), 1u);
    EXPECT_EQ(BlobFiles(vault->data()), blobs_before);
  }
  EXPECT_FALSE(fs::exists(BlobPath(vault->data(), Sha256(partial))));
}

TEST_P(EvidenceTest, TheSameContentUploadedTwiceAtOnceIsStoredOnce) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  constexpr int kRounds = 3;
  constexpr int kUploaders = 2;
  std::set<std::string> expected_blobs;
  for (int round_idx = 0; round_idx < kRounds; ++round_idx) {
    SCOPED_TRACE("round " + std::to_string(round_idx));
    const std::string content = PseudoRandomBytes(4 * kMiB, 100 + round_idx);
    expected_blobs.insert(BlobPath(vault->data(), Sha256(content)));
    std::vector<HttpResponse> answers(kUploaders);
    std::latch start(kUploaders);
    std::vector<std::thread> uploaders;
    for (int uploader_idx = 0; uploader_idx < kUploaders; ++uploader_idx) {
      uploaders.emplace_back([&, uploader_idx] {
        const std::string name = "copy-" + std::to_string(uploader_idx) + ".bin";
        start.arrive_and_wait();
        answers[uploader_idx] = Upload(vault->port, vault->as_investigator,
                                       UploadTarget(vault->case_id, ItemQuery(name)), content);
      });
    }
    for (std::thread& uploader : uploaders) uploader.join();
    std::set<int64_t> ids;
    for (int uploader_idx = 0; uploader_idx < kUploaders; ++uploader_idx) {
      const std::string name = "copy-" + std::to_string(uploader_idx) + ".bin";
      ASSERT_TRUE(IsItemOf(answers[uploader_idx], 201, content, name));
      ids.insert(answers[uploader_idx].JsonBody()["id"].get<int64_t>());
    }
    EXPECT_EQ(ids.size(), static_cast<size_t>(kUploaders)) << "two uploads, two items";
  }
  EXPECT_EQ(NewBlobFiles(*vault),
            std::vector<std::string>(expected_blobs.begin(), expected_blobs.end()));
  EXPECT_EQ(WaitForNoTempFiles(vault->data()), std::vector<std::string>());
  EXPECT_EQ(Items(*vault, vault->as_investigator).size(),
            static_cast<size_t>(kRounds * kUploaders));
  CommandResult verified = Cli(*vault->server, {"evidence", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST_P(EvidenceTest, AFullDiskIsA507AndLeavesNothingBehind) {
  if (postgres()) GTEST_SKIP() << "the vault is on the file system whatever the engine";
  const std::string data_dir = NextDataDir();
  std::string why;
  if (!MountTmpfs(data_dir + "/vault", "8m", why)) GTEST_SKIP() << why << " (needs root)";
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  ASSERT_EQ(vault->data(), data_dir);
  const std::string big = PseudoRandomBytes(20 * kMiB, 6);

  // Announced: refused at once (before the body) from the free space.
  HttpResponse announced =
      UploadHeadOnly(vault->port, vault->as_investigator,
                     UploadTarget(vault->case_id, ItemQuery("announced.bin")), big.size());
  EXPECT_TRUE(IsError(announced, 507, "resource_exhausted", "disk_full"));
  // Chunked: the size is unknown until the disk fills up in the middle of the body.
  HttpResponse streamed =
      Upload(vault->port, vault->as_investigator,
             UploadTarget(vault->case_id, ItemQuery("streamed.bin")), big, Framing::kChunked);
  EXPECT_TRUE(IsError(streamed, 507, "resource_exhausted", "disk_full"));
  EXPECT_TRUE(Healthy(vault->port));
  EXPECT_EQ(Items(*vault, vault->as_investigator), Json::array());
  EXPECT_EQ(WaitForNoTempFiles(vault->data()), std::vector<std::string>());
  EXPECT_EQ(NewBlobFiles(*vault), std::vector<std::string>());

  // The space came back: a small upload goes through.
  const std::string small = PseudoRandomBytes(256 * 1024, 7);
  EXPECT_TRUE(IsItemOf(
      Upload(vault->port, vault->as_investigator,
             UploadTarget(vault->case_id, ItemQuery("small.bin")), small, Framing::kChunked),
      201, small, "small.bin"));
  // And a file that fits only barely (6 of the 8 MiB) as well.
  const std::string fits = PseudoRandomBytes(6 * kMiB, 8);
  EXPECT_TRUE(IsItemOf(Upload(vault->port, vault->as_investigator,
                              UploadTarget(vault->case_id, ItemQuery("fits.bin")), fits),
                       201, fits, "fits.bin"));
  EXPECT_EQ(Items(*vault, vault->as_investigator).size(), 2u);
}

TEST_P(EvidenceTest, AcknowledgedItemsSurviveKill9AndEveryListedItemHasItsFile) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  TestServer& server = *vault->server;
  constexpr size_t kMaxUploads = 2000;
  constexpr auto kUploadFor = std::chrono::seconds(2);

  struct Acknowledged {
    int64_t id;
    std::string sha256;
  };
  std::mutex mutex;
  std::vector<Acknowledged> acknowledged;
  std::string unexpected;  // an answer other than 201 or a dead connection
  const int port = vault->port;
  const Auth auth = vault->as_investigator;
  const int64_t case_id = vault->case_id;
  std::thread writer([&] {
    for (size_t upload_idx = 0; upload_idx < kMaxUploads; ++upload_idx) {
      const std::string content = PseudoRandomBytes(64 * 1024 + upload_idx, 1000 + upload_idx);
      HttpResponse created =
          Upload(port, auth,
                 UploadTarget(case_id, ItemQuery("burst-" + std::to_string(upload_idx) + ".bin")),
                 content);
      std::lock_guard<std::mutex> lock(mutex);
      if (created.status == 201) {
        acknowledged.push_back(
            {created.JsonBody().value("id", int64_t{0}), created.JsonBody().value("sha256", "")});
        if (created.JsonBody().value("sha256", "") != Sha256(content)) {
          unexpected = "wrong hash acknowledged: " + created.body;
          return;
        }
        continue;
      }
      if (created.status != 0) unexpected = created.Describe();
      return;  // the server is gone
    }
  });
  std::this_thread::sleep_for(kUploadFor);
  server.Kill(SIGKILL);  // in the middle of the uploads
  writer.join();
  EXPECT_TRUE(unexpected.empty()) << unexpected;
  RecordProperty("acknowledged_before_kill", static_cast<int>(acknowledged.size()));
  ASSERT_GE(acknowledged.size(), 5u) << "too few uploads went through to test anything";

  std::string error;
  ASSERT_TRUE(server.Start(error)) << "restart after kill -9: " << error;
  std::optional<SignedIn> again = SignInDemo(server, "investigator");
  ASSERT_TRUE(again);
  vault->port = server.port();
  vault->as_investigator = Auth::Bearer(again->token);
  std::map<int64_t, std::string> listed;
  for (const Json& item : Items(*vault, vault->as_investigator)) {
    listed[item.value("id", int64_t{0})] = item.value("sha256", "");
  }
  for (const Acknowledged& item : acknowledged) {
    auto found = listed.find(item.id);
    ASSERT_NE(found, listed.end()) << "item " << item.id << " was acknowledged but is gone";
    EXPECT_EQ(found->second, item.sha256) << "item " << item.id;
  }
  for (const auto& [id, sha256] : listed) {
    const std::string blob = BlobPath(vault->data(), sha256);
    EXPECT_EQ(Sha256(ReadFileOrEmpty(blob)), sha256) << "item " << id << ": " << blob;
  }
  CommandResult verified = Cli(server, {"evidence", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("evidence verified: OK"), std::string::npos) << verified.out;
  CommandResult ledger = Cli(server, {"ledger", "verify"});
  EXPECT_EQ(ledger.exit_code, 0) << ledger.out << ledger.err;
  // And the vault still takes uploads.
  const std::string after = PseudoRandomBytes(1000, 9);
  EXPECT_TRUE(IsItemOf(Upload(vault->port, vault->as_investigator,
                              UploadTarget(vault->case_id, ItemQuery("after.bin")), after),
                       201, after, "after.bin"));
}

// ---------------------------------------------------------------------------------------------
// Need-to-know.

TEST_P(EvidenceTest, OutsidersGetNotFoundForEverythingOfTheCase) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  const std::string content = PseudoRandomBytes(32 * 1024, 10);
  HttpResponse created = Upload(vault->port, vault->as_investigator,
                                UploadTarget(vault->case_id, ItemQuery("secret.bin")), content);
  ASSERT_TRUE(IsItemOf(created, 201, content, "secret.bin"));
  const std::string item = std::to_string(created.JsonBody()["id"].get<int64_t>());
  const std::string case_path = "/api/v1/cases/" + std::to_string(vault->case_id);

  std::optional<Auth> outsider = SignInOutsider(*vault->server);
  ASSERT_TRUE(outsider);
  // A colleague of the same agency who is no member of the case sees nothing either.
  std::optional<Auth> colleague = SignInAs(*vault->server, "analyst");
  ASSERT_TRUE(colleague);
  for (const auto& [who, auth] :
       {std::pair{"astana investigator", *outsider}, std::pair{"almaty analyst", *colleague}}) {
    SCOPED_TRACE(who);
    // The upload is refused from its head: the server does not wait for the 8 MiB.
    EXPECT_TRUE(
        IsError(UploadHeadOnly(vault->port, auth,
                               UploadTarget(vault->case_id, ItemQuery("planted.bin")), 8 * kMiB),
                404, "not_found"));
    const std::vector<std::pair<std::string, std::string>> requests = {
        {"GET", case_path + "/evidence"},
        {"GET", "/api/v1/evidence/" + item},
        {"GET", "/api/v1/evidence/" + item + "/custody"},
        {"GET", "/api/v1/evidence/" + item + "/content"},
        {"POST", "/api/v1/evidence/" + item + "/verify"},
    };
    for (const auto& [method, target] : requests) {
      EXPECT_TRUE(IsError(Api(vault->port, method, target, std::nullopt, auth), 404, "not_found"))
          << method << " " << target;
    }
    EXPECT_TRUE(IsError(Api(vault->port, "POST", "/api/v1/evidence/" + item + "/disposal",
                            Json{{"reason", "no longer needed"}}, auth),
                        404, "not_found"));
    EXPECT_TRUE(IsError(Api(vault->port, "POST", case_path + "/bundles",
                            Json{{"item_ids", {std::stoll(item)}}, {"purpose", "curiosity"}}, auth),
                        404, "not_found"));
  }
  // A case that does not exist gets the same answer as one that is not yours.
  EXPECT_TRUE(IsError(UploadHeadOnly(vault->port, vault->as_investigator,
                                     UploadTarget(999999, ItemQuery("x.bin")), 8 * kMiB),
                      404, "not_found"));
  // Nothing was added, and the refused reads left no custody events.
  EXPECT_EQ(Items(*vault, vault->as_investigator).size(), 1u);
  EXPECT_EQ(Actions(Custody(*vault, std::stoll(item))), std::vector<std::string>({"ingest"}));
  EXPECT_EQ(WaitForNoTempFiles(vault->data()), std::vector<std::string>());
}

// ---------------------------------------------------------------------------------------------
// E01 images.

class E01Image {
 public:
  // Acquires `content` with ewfacquire into `dir`/image.E01; path() is "" (and `why` set) when
  // that fails.
  E01Image(const std::string& dir, std::string_view content, const std::string& case_number,
           const std::string& examiner, std::string& why) {
    std::string ewfacquire = FindProgram("ewfacquire");
    if (ewfacquire.empty()) {
      why = "ewfacquire is missing (apt-get install ewf-tools)";
      return;
    }
    fs::create_directories(dir);
    std::string source = dir + "/source.raw";
    WriteFile(source, std::string(content));
    CommandResult acquired = RunCommand({ewfacquire,
                                         "-u",
                                         "-q",
                                         "-t",
                                         dir + "/image",
                                         "-c",
                                         "none",
                                         "-f",
                                         "encase6",
                                         "-C",
                                         case_number,
                                         "-D",
                                         "Seized laptop, internal disk",
                                         "-E",
                                         "EV-7",
                                         "-e",
                                         examiner,
                                         "-N",
                                         "Integration test",
                                         "-d",
                                         "sha1",
                                         source},
                                        {});
    if (acquired.exit_code != 0 || !fs::exists(dir + "/image.E01")) {
      why = "ewfacquire failed: " + acquired.out + acquired.err;
      return;
    }
    path_ = dir + "/image.E01";
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_P(EvidenceTest, E01ImagesAreVerifiedOnIngestAndDamagedOnesAreKeptWithTheFinding) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  std::string why;
  E01Image image(temp() + "/e01", PseudoRandomBytes(kMiB, 11), "ALM-2026-0042", "Examiner Name",
                 why);
  if (image.path().empty()) GTEST_SKIP() << why;
  const std::string bytes = ReadFileOrEmpty(image.path());
  const std::string sha256 = Sha256(bytes);

  auto expect_verified = [&](const Json& item, const std::string& how) {
    SCOPED_TRACE(how);
    EXPECT_EQ(item.value("sha256", ""), sha256);
    EXPECT_EQ(item.value("size", uint64_t{0}), bytes.size());
    const Json ewf = item.value("ewf", Json());
    ASSERT_TRUE(ewf.is_object()) << item.dump();
    EXPECT_EQ(ewf.value("verified", false), true) << ewf;
    EXPECT_EQ(ewf.value("md5", ""), "match") << ewf;
    EXPECT_EQ(ewf.value("sha1", ""), "match") << ewf;
    const Json header = ewf.value("header", Json::object());
    EXPECT_EQ(header.value("case_number", ""), "ALM-2026-0042") << ewf;
    EXPECT_EQ(header.value("examiner_name", ""), "Examiner Name") << ewf;
    EXPECT_EQ(ewf.value("media_size", uint64_t{0}), kMiB) << ewf;
  };

  // From the command line (the case named by its number).
  CommandResult added =
      Cli(*vault->server, {"evidence", "add", "--case", vault->case_number, "--user",
                           "investigator", "--legal-basis", kLegalBasis, "--examiner",
                           "Examiner Name", "--tool", "ewfacquire", image.path()});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  const std::string cli_id = FirstMatch(added.out, R"(item (\d+)  )");
  ASSERT_FALSE(cli_id.empty()) << added.out;
  EXPECT_NE(added.out.find(sha256 + "  " + std::to_string(bytes.size()) + " bytes"),
            std::string::npos)
      << added.out;
  HttpResponse cli_item =
      Api(vault->port, "GET", "/api/v1/evidence/" + cli_id, std::nullopt, vault->as_investigator);
  ASSERT_EQ(cli_item.status, 200) << cli_item.Describe();
  expect_verified(cli_item.JsonBody(), "evidence add");
  EXPECT_EQ(FirstEvent(Custody(*vault, std::stoll(cli_id))).value("result", ""), "ewf verified");

  // Through HTTP.
  HttpResponse uploaded = Upload(vault->port, vault->as_investigator,
                                 UploadTarget(vault->case_id, ItemQuery("image.E01")), bytes);
  ASSERT_TRUE(IsItemOf(uploaded, 201, bytes, "image.E01"));
  expect_verified(uploaded.JsonBody(), "upload");

  // Cut in the middle: still ingested (it is what was seized), with the finding recorded.
  const std::string truncated = bytes.substr(0, bytes.size() / 2);
  for (Framing framing : {Framing::kContentLength, Framing::kChunked}) {
    HttpResponse damaged =
        Upload(vault->port, vault->as_investigator,
               UploadTarget(vault->case_id, ItemQuery("truncated.E01")), truncated, framing);
    ASSERT_TRUE(IsItemOf(damaged, 201, truncated, "truncated.E01"));
    const Json ewf = damaged.JsonBody()["ewf"];
    ASSERT_TRUE(ewf.is_object()) << damaged.body;
    EXPECT_EQ(ewf.value("verified", true), false) << ewf;
    EXPECT_TRUE(ewf.contains("error") || ewf.value("md5", "match") != "match") << ewf;
    EXPECT_TRUE(Healthy(vault->port));
  }
  const std::string truncated_file = WriteTempFile("truncated-cli.E01", truncated);
  CommandResult added_damaged =
      Cli(*vault->server, {"evidence", "add", "--case", std::to_string(vault->case_id), "--user",
                           "investigator", "--legal-basis", kLegalBasis, truncated_file});
  EXPECT_EQ(added_damaged.exit_code, 0) << added_damaged.out << added_damaged.err;
  EXPECT_NE(added_damaged.out.find("\"verified\":false"), std::string::npos) << added_damaged.out;
  EXPECT_TRUE(Healthy(vault->port));
  EXPECT_EQ(Items(*vault, vault->as_investigator).size(), 5u);
}

// ---------------------------------------------------------------------------------------------
// The command line.

TEST_P(EvidenceTest, EvidenceAddNamesEveryFileItCouldNotAdd) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  const std::string good_content = PseudoRandomBytes(10'000, 12);
  const std::string good = WriteTempFile("chat-export.json", good_content);
  const std::string bad = WriteTempFile("bad\x01name.bin", "x");
  CommandResult added =
      Cli(*vault->server, {"evidence", "add", "--case", std::to_string(vault->case_id), "--user",
                           "investigator", "--legal-basis", kLegalBasis, "--category", "fraud",
                           "--category", "personal_data", good, bad});
  EXPECT_GT(added.exit_code, 0) << added.out;
  EXPECT_NE(added.err.find(bad), std::string::npos) << added.err;
  EXPECT_EQ(FirstMatch(added.out, R"(item \d+  ([0-9a-f]{64})  10000 bytes  )"),
            Sha256(good_content))
      << added.out << added.err;
  Json items = Items(*vault, vault->as_investigator);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].value("original_name", ""), "chat-export.json");
  // Each --category takes one value: the files after it are files.
  EXPECT_EQ(items[0]["categories"], Json({"fraud", "personal_data"}));
  EXPECT_EQ(FirstEvent(Custody(*vault, items[0]["id"].get<int64_t>()))
                .value("where", "")
                .rfind("cli ", 0),
            0u);

  // Someone who may not see the case adds nothing.
  ASSERT_TRUE(SignInOutsider(*vault->server));
  CommandResult refused =
      Cli(*vault->server, {"evidence", "add", "--case", std::to_string(vault->case_id), "--user",
                           "outsider", "--legal-basis", kLegalBasis, good});
  EXPECT_GT(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.err.find(good), std::string::npos) << refused.err;
  EXPECT_EQ(Items(*vault, vault->as_investigator).size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Integrity.

TEST_P(EvidenceTest, ATamperedOrMissingFileIsReportedAndSupervisorsAreAlerted) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  const std::string content = PseudoRandomBytes(300 * 1024, 13);
  const std::string file = WriteTempFile("ledger-export.csv", content);
  CommandResult added =
      Cli(*vault->server, {"evidence", "add", "--case", std::to_string(vault->case_id), "--user",
                           "investigator", "--legal-basis", kLegalBasis, file});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  const std::string tampered_id = FirstMatch(added.out, R"(item (\d+)  )");
  ASSERT_FALSE(tampered_id.empty()) << added.out;
  const std::string sha256 = Sha256(content);
  const std::string other = PseudoRandomBytes(1000, 14);
  HttpResponse uploaded = Upload(vault->port, vault->as_investigator,
                                 UploadTarget(vault->case_id, ItemQuery("gone.bin")), other);
  ASSERT_TRUE(IsItemOf(uploaded, 201, other, "gone.bin"));
  const std::string missing_id = std::to_string(uploaded.JsonBody()["id"].get<int64_t>());

  CommandResult clean = Cli(*vault->server, {"evidence", "verify"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  // One bit of the stored file changes; another stored file disappears.
  const std::string blob = BlobPath(vault->data(), sha256);
  ASSERT_TRUE(FlipByte(blob, 1000)) << blob;
  ASSERT_EQ(::unlink(BlobPath(vault->data(), Sha256(other)).c_str()), 0);

  CommandResult all = Cli(*vault->server, {"evidence", "verify"});
  EXPECT_GT(all.exit_code, 0) << all.out << all.err;
  EXPECT_NE(all.out.find("1 mismatches"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("1 missing"), std::string::npos) << all.out;
  EXPECT_NE(all.err.find("FAILED"), std::string::npos) << all.err;
  CommandResult one =
      Cli(*vault->server, {"evidence", "verify", "--item", tampered_id, "--user", "investigator"});
  EXPECT_GT(one.exit_code, 0) << one.out << one.err;
  EXPECT_NE(one.out.find("mismatch"), std::string::npos) << one.out;
  HttpResponse checked = Api(vault->port, "POST", "/api/v1/evidence/" + missing_id + "/verify",
                             std::nullopt, vault->as_investigator);
  ASSERT_EQ(checked.status, 200) << checked.Describe();
  EXPECT_EQ(checked.JsonBody().value("result", ""), "missing");
  checked = Api(vault->port, "POST", "/api/v1/evidence/" + tampered_id + "/verify", std::nullopt,
                vault->as_investigator);
  ASSERT_EQ(checked.status, 200) << checked.Describe();
  EXPECT_EQ(checked.JsonBody().value("result", ""), "mismatch");
  EXPECT_EQ(checked.JsonBody().value("found_sha256", ""), Sha256(ReadFileOrEmpty(blob)));
  EXPECT_EQ(checked.JsonBody()["item"].value("last_verification", ""), "mismatch");

  // The custody shows each verification with its result, the system's among them.
  std::vector<std::pair<std::string, std::string>> verifications;  // actor, result
  for (const Json& event : Custody(*vault, std::stoll(tampered_id))) {
    if (event.value("action", "") != "verification") continue;
    verifications.emplace_back(event["actor"].value("username", ""), event.value("result", ""));
    if (event.value("result", "") == "mismatch") {
      EXPECT_EQ(event.value("hash_before", ""), sha256) << event;
      EXPECT_NE(event.value("hash_after", ""), sha256) << event;
    }
  }
  EXPECT_EQ(verifications,
            (std::vector<std::pair<std::string, std::string>>{{"system", "match"},
                                                              {"system", "mismatch"},
                                                              {"investigator", "mismatch"},
                                                              {"investigator", "mismatch"}}));

  // Supervisors of the agency see the alerts; investigators may not list them.
  std::optional<Auth> supervisor = SignInAs(*vault->server, "supervisor");
  ASSERT_TRUE(supervisor);
  HttpResponse alerts =
      Api(vault->port, "GET", "/api/v1/evidence-alerts?state=open", std::nullopt, *supervisor);
  ASSERT_EQ(alerts.status, 200) << alerts.Describe();
  std::set<std::pair<int64_t, std::string>> kinds;
  const Json listed_alerts = alerts.JsonBody().value("alerts", Json::array());
  for (const Json& alert : listed_alerts) {
    kinds.emplace(alert.value("item_id", int64_t{0}), alert.value("kind", ""));
    if (alert.value("kind", "") == "hash_mismatch") {
      EXPECT_EQ(alert.value("expected_sha256", ""), sha256) << alert;
      EXPECT_EQ(alert.value("case_number", ""), vault->case_number) << alert;
    }
  }
  EXPECT_TRUE(kinds.contains({std::stoll(tampered_id), "hash_mismatch"})) << alerts.body;
  EXPECT_TRUE(kinds.contains({std::stoll(missing_id), "missing"})) << alerts.body;
  EXPECT_TRUE(IsError(
      Api(vault->port, "GET", "/api/v1/evidence-alerts", std::nullopt, vault->as_investigator), 403,
      "permission_denied"));
  CommandResult ledger = Cli(*vault->server, {"ledger", "verify"});
  EXPECT_EQ(ledger.exit_code, 0) << ledger.out << ledger.err;
}

// ---------------------------------------------------------------------------------------------
// Disposal.

TEST_P(EvidenceTest, DisposalNeedsASecondPersonAndCanBeRecoveredFromTheQueue) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  std::optional<Auth> supervisor = SignInAs(*vault->server, "supervisor");
  ASSERT_TRUE(supervisor);
  std::vector<int64_t> ids;
  for (int item_idx = 0; item_idx < 2; ++item_idx) {
    const std::string content = PseudoRandomBytes(5000, 20 + item_idx);
    HttpResponse created =
        Upload(vault->port, vault->as_investigator,
               UploadTarget(vault->case_id, ItemQuery("item-" + std::to_string(item_idx) + ".bin")),
               content);
    ASSERT_EQ(created.status, 201) << created.Describe();
    ids.push_back(created.JsonBody()["id"].get<int64_t>());
  }
  const std::string item = "/api/v1/evidence/" + std::to_string(ids[0]);

  HttpResponse asked = Api(vault->port, "POST", item + "/disposal",
                           Json{{"reason", "duplicate of item 7"}}, vault->as_investigator);
  ASSERT_EQ(asked.status, 201) << asked.Describe();
  EXPECT_EQ(asked.JsonBody().value("state", ""), "pending");
  const std::string disposal =
      "/api/v1/disposals/" + std::to_string(asked.JsonBody()["id"].get<int64_t>());
  HttpResponse pending = Api(vault->port, "GET", item, std::nullopt, vault->as_investigator);
  EXPECT_EQ(pending.JsonBody().value("state", ""), "disposal_pending");
  EXPECT_TRUE(IsError(Api(vault->port, "POST", item + "/disposal", Json{{"reason", "again"}},
                          vault->as_investigator),
                      409, "failed_precondition"));

  // The one who asked cannot approve.
  EXPECT_TRUE(
      IsError(Api(vault->port, "POST", disposal + "/approve", std::nullopt, vault->as_investigator),
              403, "permission_denied"));
  HttpResponse listed =
      Api(vault->port, "GET", "/api/v1/disposals?state=pending", std::nullopt, *supervisor);
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  ASSERT_EQ(listed.JsonBody()["disposals"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.JsonBody()["disposals"][0].value("item_id", int64_t{0}), ids[0]);

  HttpResponse approved =
      Api(vault->port, "POST", disposal + "/approve", std::nullopt, *supervisor);
  ASSERT_EQ(approved.status, 200) << approved.Describe();
  Json decided = approved.JsonBody();
  EXPECT_EQ(decided.value("state", ""), "approved");
  EXPECT_EQ(decided["approved_by"].value("username", ""), "supervisor");
  const int64_t approved_at = ParseUtcMillis(decided.value("approved_at", ""));
  const int64_t scheduled_for = ParseUtcMillis(decided.value("scheduled_for", ""));
  ASSERT_GT(approved_at, 0) << decided;
  EXPECT_EQ(scheduled_for - approved_at, 7 * kDayMillis) << decided;
  EXPECT_TRUE(IsError(Api(vault->port, "POST", disposal + "/approve", std::nullopt, *supervisor),
                      409, "failed_precondition"));

  // Recovered from the queue before the week is over.
  HttpResponse cancelled =
      Api(vault->port, "POST", disposal + "/cancel", std::nullopt, vault->as_investigator);
  ASSERT_EQ(cancelled.status, 200) << cancelled.Describe();
  EXPECT_EQ(cancelled.JsonBody().value("state", ""), "cancelled");
  HttpResponse active = Api(vault->port, "GET", item, std::nullopt, vault->as_investigator);
  EXPECT_EQ(active.JsonBody().value("state", ""), "active");
  EXPECT_EQ(Api(vault->port, "GET", item + "/content", std::nullopt, vault->as_investigator).status,
            200);
  std::vector<std::string> actions = Actions(Custody(*vault, ids[0]));
  for (const char* wanted : {"disposal_request", "disposal_approval", "disposal_cancel"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), wanted), actions.end()) << wanted;
  }

  // A supervisor who asks cannot approve their own request either.
  const std::string second = "/api/v1/evidence/" + std::to_string(ids[1]);
  HttpResponse own = Api(vault->port, "POST", second + "/disposal",
                         Json{{"reason", "no longer needed"}}, *supervisor);
  ASSERT_EQ(own.status, 201) << own.Describe();
  EXPECT_TRUE(IsError(
      Api(vault->port, "POST",
          "/api/v1/disposals/" + std::to_string(own.JsonBody()["id"].get<int64_t>()) + "/approve",
          std::nullopt, *supervisor),
      403, "permission_denied", "two_person_rule"));
  CommandResult ledger = Cli(*vault->server, {"ledger", "verify"});
  EXPECT_EQ(ledger.exit_code, 0) << ledger.out << ledger.err;
}

// ---------------------------------------------------------------------------------------------
// Disclosure bundles.

TEST_P(EvidenceTest, ABundleVerifiesOfflineAndATamperedOneDoesNot) {
  std::optional<Vault> vault = OpenVault();
  ASSERT_TRUE(vault);
  std::vector<std::string> contents = {PseudoRandomBytes(200 * 1024, 30),
                                       PseudoRandomBytes(3000, 31)};
  const std::vector<std::string> names = {"screenshots.zip", "заявление.txt"};
  std::vector<int64_t> ids;
  for (size_t item_idx = 0; item_idx < contents.size(); ++item_idx) {
    HttpResponse created =
        Upload(vault->port, vault->as_investigator,
               UploadTarget(vault->case_id, ItemQuery(names[item_idx])), contents[item_idx]);
    ASSERT_TRUE(IsItemOf(created, 201, contents[item_idx], names[item_idx]));
    ids.push_back(created.JsonBody()["id"].get<int64_t>());
  }
  HttpResponse exported =
      Api(vault->port, "POST", "/api/v1/cases/" + std::to_string(vault->case_id) + "/bundles",
          Json{{"item_ids", ids}, {"purpose", "Disclosure to the defence (CPC art. 296)"}},
          vault->as_investigator);
  ASSERT_EQ(exported.status, 201) << exported.Describe();
  const Json bundle = exported.JsonBody();
  HttpResponse downloaded =
      Api(vault->port, "GET",
          "/api/v1/bundles/" + std::to_string(bundle["id"].get<int64_t>()) + "/download",
          std::nullopt, vault->as_investigator);
  ASSERT_EQ(downloaded.status, 200) << downloaded.Describe();
  EXPECT_EQ(downloaded.Header("content-type").rfind("application/x-tar", 0), 0u)
      << downloaded.Header("content-type");
  EXPECT_EQ(downloaded.body.size(), bundle.value("size", uint64_t{0}));
  EXPECT_EQ(Sha256(downloaded.body), bundle.value("sha256", ""));
  EXPECT_NE(downloaded.Header("content-disposition").find(bundle.value("file_name", "?")),
            std::string::npos)
      << downloaded.Header("content-disposition");
  for (int64_t id : ids) {
    std::vector<std::string> actions = Actions(Custody(*vault, id));
    EXPECT_NE(std::find(actions.begin(), actions.end(), "export"), actions.end()) << id;
  }

  const std::string path = WriteTempFile("bundle.tar", downloaded.body);
  CommandResult verified = RunCommand({binary(), "verify-bundle", path}, {});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out.rfind("VERIFIED: 2 items", 0), 0u) << verified.out;
  // With the key pinned (as the agency publishes it) instead of the bundle's own.
  const std::string key = FirstMatch(verified.out, R"(key fingerprint[^:]*: (\S+))");
  ASSERT_FALSE(key.empty()) << verified.out;
  CommandResult pinned = RunCommand({binary(), "verify-bundle", path, "--key", key}, {});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.out << pinned.err;
  EXPECT_NE(pinned.out.find("pinned with --key"), std::string::npos) << pinned.out;

  // One bit in the middle of the first item's file.
  const size_t offset = downloaded.body.find(contents[0].substr(0, 4096));
  ASSERT_NE(offset, std::string::npos) << "the item's bytes are not in the bundle as they are";
  std::string tampered = downloaded.body;
  tampered[offset + contents[0].size() / 2] ^= 0x01;
  const std::string tampered_path = WriteTempFile("tampered.tar", tampered);
  CommandResult refused = RunCommand({binary(), "verify-bundle", tampered_path}, {});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_EQ(refused.out.rfind("NOT VERIFIED", 0), 0u) << refused.out;
  EXPECT_NE((refused.out + refused.err).find(names[0]), std::string::npos)
      << "the verdict does not name the damaged file:\n"
      << refused.out << refused.err;

  // Not a bundle at all.
  const std::string junk = WriteTempFile("junk.tar", PseudoRandomBytes(10'000, 32));
  CommandResult not_bundle = RunCommand({binary(), "verify-bundle", junk}, {});
  EXPECT_EQ(not_bundle.exit_code, 2) << not_bundle.out << not_bundle.err;
}

}  // namespace
}  // namespace threathub::integration
