#include "requests/mailer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"

extern char** environ;

namespace threathub::requests {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
namespace fs = std::filesystem;

constexpr int64_t kJanuaryFirst2026 = 1'767'225'600'000;  // a Thursday, 00:00 UTC

// ---- helpers ------------------------------------------------------------------------------

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path MakeTempDir() {
  std::string pattern = (fs::path(::testing::TempDir()) / "mailer_test_XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return fs::path(pattern);
}

// Starts `args` with stdin from /dev/null and stdout and stderr into `log`; the child's id, or
// 0 when it could not be started.
pid_t Spawn(std::vector<std::string> args, const fs::path& log) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return spawned == 0 ? pid : 0;
}

// Runs a program to its end; the exit code, or -1.
int Run(std::vector<std::string> args, const fs::path& log) {
  pid_t pid = Spawn(std::move(args), log);
  if (pid == 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// tools/smtp_sink.py as a child process, on 127.0.0.1 with a port of its choosing.
class Sink {
 public:
  explicit Sink(std::vector<std::string> extra = {}) : dir_(MakeTempDir()) {
    const char* source = std::getenv("THREATHUB_SOURCE_DIR");
    std::string script =
        base::StrCat(source ? source : THREATHUB_SOURCE_DIR_PATH, "/tools/smtp_sink.py");
    fs::path port_file = dir_ / "port";
    std::vector<std::string> args = {"python3",     script,
                                     "--port",      "0",
                                     "--port-file", port_file.string(),
                                     "--dir",       (dir_ / "mail").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = Spawn(std::move(args), dir_ / "sink.log");
    if (pid_ == 0) {
      ADD_FAILURE() << "cannot start python3";
      return;
    }
    for (int attempt = 0; attempt < 200 && port_ == 0; ++attempt) {
      if (fs::exists(port_file)) {
        port_ = std::atoi(ReadFile(port_file).c_str());
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (port_ == 0) ADD_FAILURE() << "the sink did not start: " << ReadFile(dir_ / "sink.log");
  }
  ~Sink() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  int Port() const { return port_; }
  fs::path MailDir() const { return dir_ / "mail"; }
  nlohmann::json Envelope(int number) const {
    return nlohmann::json::parse(ReadFile(MailDir() / base::StrCat(number, ".json")));
  }
  std::string Eml(int number) const { return ReadFile(MailDir() / base::StrCat(number, ".eml")); }
  int MessageCount() const {
    int count = 0;
    if (!fs::exists(MailDir())) return 0;
    for (const auto& entry : fs::directory_iterator(MailDir())) {
      count += entry.path().extension() == ".eml";
    }
    return count;
  }
  std::string Log() const { return ReadFile(dir_ / "sink.log"); }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

// A TCP socket that listens on 127.0.0.1 and never accepts: the kernel completes connections
// into its backlog, and nobody ever says a word.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int Port() const { return port_; }
  int Fd() const { return fd_; }
  bool HasPendingConnection() const {
    pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
    return ::poll(&poll_fd, 1, 100) > 0;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A server on 127.0.0.1 that plays a fixed script for one connection: the first reply on
// connecting, then one reply per line read (after a "354" reply, the whole message up to the
// final "." counts as one), then it reads until the client closes. For replies the Python sink
// would never send.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> replies) : replies_(std::move(replies)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(listener_.Fd(), SHUT_RDWR);
    thread_.join();
  }
  int Port() const { return listener_.Port(); }
  // The lines the client sent, in order.
  std::vector<std::string> Received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  void Serve() {
    int connection = ::accept(listener_.Fd(), nullptr, nullptr);
    if (connection < 0) return;
    std::string pending;
    auto read_line = [&](std::string_view end) -> std::optional<std::string> {
      while (pending.find(end) == std::string::npos) {
        char chunk[4096];
        ssize_t count = ::read(connection, chunk, sizeof chunk);
        if (count <= 0) return std::nullopt;
        pending.append(chunk, count);
      }
      size_t length = pending.find(end) + end.size();
      std::string line = pending.substr(0, length);
      pending.erase(0, length);
      return line;
    };
    bool in_data = false;
    for (size_t index = 0; index < replies_.size(); ++index) {
      if (index > 0) {
        std::optional<std::string> line = read_line(in_data ? "\r\n.\r\n" : "\r\n");
        if (!line) break;
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(*line);
      }
      ::write(connection, replies_[index].data(), replies_[index].size());
      in_data = base::StartsWith(replies_[index], "354");
    }
    while (read_line("\r\n")) {
    }
    ::close(connection);
  }

  SilentListener listener_;
  std::vector<std::string> replies_;
  std::mutex mutex_;
  std::vector<std::string> received_;
  std::thread thread_;
};

// A port on 127.0.0.1 that nobody listens on (bound once, then closed).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A throwaway self-signed certificate for "localhost" (no IP address in it).
struct Certificate {
  fs::path dir;
  fs::path cert;
  fs::path key;
};
std::optional<Certificate> MakeCertificate() {
  Certificate made;
  made.dir = MakeTempDir();
  made.cert = made.dir / "cert.pem";
  made.key = made.dir / "key.pem";
  int code =
      Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-keyout", made.key.string(), "-out", made.cert.string(), "-days", "2",
           "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"},
          made.dir / "openssl.log");
  if (code != 0) return std::nullopt;
  return made;
}

SmtpOptions SinkOptions(int port) {
  return SmtpOptions{
      .host = "127.0.0.1", .port = port, .from = "threathub@police.kz", .timeout_seconds = 5};
}

// The header lines of a formatted message, unfolded lines kept apart.
std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

constexpr char kSubject[] =
    "Сақтау мерзімі аяқталады: срок сохранения данных у провайдера истекает через 7 дней";
constexpr char kBody[] =
    "Құрметті тергеуші!\n"
    "Уважаемый следователь, срок сохранения по запросу REQ-2026-0042 (Meta Platforms, Inc.) "
    "истекает 2026-12-04. Направьте запрос о продлении не позднее 2026-11-27.\n"
    ".Эта строка начинается с точки\n"
    ".\n"
    "..\n"
    "Trailing space here \n"
    "Равно = и табуляция\tвнутри\n";

// ---- FormatMessage ------------------------------------------------------------------------

TEST(FormatMessageTest, HasTheHeadersOfAPlainTextUtf8Message) {
  std::string message = FormatMessage({.from = "th@police.kz"},
                                      {.to = {"a@police.kz", "b@police.kz"},
                                       .subject = "Reminder",
                                       .body = "text",
                                       .message_id = "abc@police.kz"},
                                      kJanuaryFirst2026 + 3'723'000);
  std::vector<std::string> lines = Lines(message);
  EXPECT_THAT(
      lines, ::testing::IsSupersetOf({"Date: Thu, 01 Jan 2026 01:02:03 +0000", "From: th@police.kz",
                                      "To: a@police.kz, b@police.kz", "Subject: Reminder",
                                      "Message-ID: <abc@police.kz>", "MIME-Version: 1.0",
                                      "Content-Type: text/plain; charset=UTF-8",
                                      "Content-Transfer-Encoding: quoted-printable", "", "text"}));
}

TEST(FormatMessageTest, EveryLineEndsWithCrlf) {
  std::string message =
      FormatMessage({.from = "th@police.kz"},
                    {.to = {"a@police.kz"}, .subject = kSubject, .body = kBody}, kJanuaryFirst2026);
  ASSERT_TRUE(base::EndsWith(message, "\r\n"));
  for (size_t index = 0; index < message.size(); ++index) {
    if (message[index] == '\n') {
      ASSERT_GT(index, 0u);
      EXPECT_EQ(message[index - 1], '\r') << "bare LF at " << index;
    }
    if (message[index] == '\r') {
      EXPECT_EQ(message[index + 1], '\n') << "bare CR at " << index;
    }
  }
}

TEST(FormatMessageTest, SubjectIsEncodedWordsOfWholeCharactersOnShortLines) {
  std::string message =
      FormatMessage({.from = "th@police.kz"},
                    {.to = {"a@police.kz"}, .subject = kSubject, .body = ""}, kJanuaryFirst2026);
  std::vector<std::string> lines = Lines(message);
  auto subject_line = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return base::StartsWith(line, "Subject:");
  });
  ASSERT_NE(subject_line, lines.end());
  std::string decoded;
  int words = 0;
  for (auto line = subject_line; line != lines.end(); ++line) {
    if (line != subject_line && !base::StartsWith(*line, " ")) break;  // end of the folding
    EXPECT_LE(line->size(), 78u) << *line;
    std::string_view word = *line;
    word.remove_prefix(line == subject_line ? 9 : 1);
    EXPECT_LE(word.size(), 75u);
    ASSERT_TRUE(base::StartsWith(word, "=?UTF-8?B?") && base::EndsWith(word, "?=")) << word;
    std::optional<std::string> piece = base::Base64Decode(word.substr(10, word.size() - 12));
    ASSERT_TRUE(piece.has_value()) << word;
    EXPECT_TRUE(base::IsValidUtf8(*piece)) << "a character split between encoded words";
    decoded += *piece;
    ++words;
  }
  EXPECT_GT(words, 1);
  EXPECT_EQ(decoded, kSubject);
}

TEST(FormatMessageTest, AsciiSubjectThatLooksEncodedIsEncoded) {
  std::string message =
      FormatMessage({.from = "th@police.kz"}, {.to = {"a@police.kz"}, .subject = "=?x?= tricky"},
                    kJanuaryFirst2026);
  EXPECT_THAT(message, HasSubstr("Subject: =?UTF-8?B?"));
}

// RFC 2045 section 6.7, decoded here independently of the encoder's code.
std::string DecodeQuotedPrintable(std::string_view encoded) {
  std::string out;
  for (size_t index = 0; index < encoded.size(); ++index) {
    if (encoded[index] != '=') {
      out += encoded[index];
    } else if (encoded.substr(index + 1, 2) == "\r\n") {
      index += 2;
    } else {
      out += static_cast<char>(std::stoi(std::string(encoded.substr(index + 1, 2)), nullptr, 16));
      index += 2;
    }
  }
  return out;
}

std::string Unstuff(std::string_view body) {
  std::string out;
  for (const std::string& line : Lines(body)) {
    base::StrAppend(&out, base::StartsWith(line, ".") ? line.substr(1) : line, "\r\n");
  }
  return out;
}

TEST(FormatMessageTest, BodyIsQuotedPrintableInLinesOfAtMost76) {
  std::string long_line;
  for (int index = 0; index < 40; ++index) long_line += "Өтініш беру мерзімі ";
  std::string body = base::StrCat(long_line, "\n", kBody);
  std::string message =
      FormatMessage({.from = "th@police.kz"}, {.to = {"a@police.kz"}, .subject = "s", .body = body},
                    kJanuaryFirst2026);
  std::string_view encoded = message;
  encoded.remove_prefix(message.find("\r\n\r\n") + 4);
  for (const std::string& line : Lines(encoded)) {
    EXPECT_LE(line.size(), 77u) << line;  // 76 characters, plus one dot of dot-stuffing
    EXPECT_FALSE(base::EndsWith(line, " ") || base::EndsWith(line, "\t")) << line;
    for (char byte : line) EXPECT_TRUE((byte >= 0x20 && byte < 0x7F) || byte == '\t') << line;
  }
  std::string expected;
  for (char byte : body) base::StrAppend(&expected, byte == '\n' ? "\r\n" : std::string(1, byte));
  EXPECT_EQ(DecodeQuotedPrintable(Unstuff(encoded)), expected);
}

TEST(FormatMessageTest, TrailingWhitespaceAndEqualsAreEncoded) {
  std::string message = FormatMessage(
      {.from = "th@police.kz"}, {.to = {"a@police.kz"}, .subject = "s", .body = "a=b \nc\t\n"},
      kJanuaryFirst2026);
  EXPECT_TRUE(base::EndsWith(message, "\r\n\r\na=3Db=20\r\nc=09\r\n")) << message;
}

TEST(FormatMessageTest, LinesStartingWithADotAreDotStuffed) {
  std::string message =
      FormatMessage({.from = "th@police.kz"},
                    {.to = {"a@police.kz"}, .subject = "s", .body = "first\n.\n.hidden\n..two"},
                    kJanuaryFirst2026);
  EXPECT_TRUE(base::EndsWith(message, "\r\n\r\nfirst\r\n..\r\n..hidden\r\n...two\r\n")) << message;
}

TEST(FormatMessageTest, MessageIdIsGeneratedWhenEmpty) {
  Mail mail{.to = {"a@police.kz"}, .subject = "s", .body = "b"};
  auto id = [&] {
    for (const std::string& line : Lines(FormatMessage({.from = "t@p.kz"}, mail, 0))) {
      if (base::StartsWith(line, "Message-ID: ")) return line.substr(12);
    }
    return std::string();
  };
  std::string first = id();
  EXPECT_THAT(first, MatchesRegex("<[0-9a-f]{32}@threathub>"));
  EXPECT_NE(first, id());
}

TEST(FormatMessageTest, LongRecipientListIsFolded) {
  Mail mail{.subject = "s", .body = "b"};
  for (int index = 0; index < 8; ++index) {
    mail.to.push_back(base::StrCat("investigator", index, "@police.kz"));
  }
  std::string message = FormatMessage({.from = "t@p.kz"}, mail, 0);
  std::string to;
  for (const std::string& line : Lines(message)) {
    EXPECT_LE(line.size(), 78u) << line;
    if (base::StartsWith(line, "To:") || (!to.empty() && base::StartsWith(line, " "))) {
      to += line;
    } else if (!to.empty()) {
      break;
    }
  }
  EXPECT_EQ(to, base::StrCat("To: ", base::StrJoin(mail.to, ", ")));
}

// ---- SmtpMailer against a real server -----------------------------------------------------

TEST(SmtpMailerTest, DeliversKazakhAndRussianSubjectAndBody) {
  Sink sink;
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(SinkOptions(sink.Port()));
  absl::Status sent = mailer.Send({.to = {"investigator@police.kz", "supervisor@police.kz"},
                                   .subject = kSubject,
                                   .body = kBody,
                                   .message_id = "reminder-42@police.kz"});
  ASSERT_TRUE(sent.ok()) << sent << "\n" << sink.Log();
  ASSERT_EQ(sink.MessageCount(), 1);
  nlohmann::json envelope = sink.Envelope(1);
  EXPECT_EQ(envelope["mail_from"], "threathub@police.kz");
  EXPECT_EQ(envelope["rcpt_to"],
            nlohmann::json::array({"investigator@police.kz", "supervisor@police.kz"}));
  EXPECT_EQ(envelope["helo"], "threathub");
  // Decoded by Python's email package, not by our own code.
  EXPECT_EQ(envelope["subject"], kSubject);
  EXPECT_EQ(envelope["body"], kBody);
  EXPECT_EQ(envelope["message_id"], "<reminder-42@police.kz>");
  std::string eml = sink.Eml(1);
  EXPECT_THAT(eml, HasSubstr("Subject: =?UTF-8?B?"));
  // ".Эта строка...": the server took the stuffed dot off again.
  EXPECT_THAT(eml, HasSubstr("\r\n.=D0=AD=D1=82=D0=B0 "));
  EXPECT_THAT(eml, HasSubstr("\r\n.\r\n..\r\n"));
}

TEST(SmtpMailerTest, BodyLineOfASingleDotDoesNotEndTheMessage) {
  Sink sink;
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(SinkOptions(sink.Port()));
  std::string body = "before\n.\nafter\n.\n";
  ASSERT_TRUE(mailer.Send({.to = {"a@police.kz"}, .subject = "dots", .body = body}).ok());
  ASSERT_TRUE(mailer.Send({.to = {"a@police.kz"}, .subject = "next", .body = "x"}).ok());
  EXPECT_EQ(sink.Envelope(1)["body"], body);
  EXPECT_EQ(sink.Envelope(2)["subject"], "next");
}

TEST(SmtpMailerTest, TemporaryFailureIsUnavailableAndTheNextAttemptSucceeds) {
  Sink sink({"--fail-first", "1"});
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(SinkOptions(sink.Port()));
  Mail mail{.to = {"a@police.kz"}, .subject = "s", .body = "b"};
  absl::Status first = mailer.Send(mail);
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  EXPECT_THAT(first.message(), HasSubstr("MAIL FROM:<threathub@police.kz>"));
  EXPECT_THAT(first.message(), HasSubstr("451"));
  EXPECT_EQ(sink.MessageCount(), 0);
  absl::Status second = mailer.Send(mail);
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(sink.MessageCount(), 1);
}

TEST(SmtpMailerTest, RejectedRecipientIsFailedPrecondition) {
  Sink sink({"--reject-rcpt", "gone@police.kz"});
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(SinkOptions(sink.Port()));
  absl::Status sent =
      mailer.Send({.to = {"a@police.kz", "gone@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("RCPT TO:<gone@police.kz>: 550"));
  EXPECT_EQ(sink.MessageCount(), 0);
}

TEST(SmtpMailerTest, NonAsciiAddressGoesWithSmtpUtf8) {
  Sink sink;
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(SinkOptions(sink.Port()));
  absl::Status sent = mailer.Send({.to = {"тергеуші@полиция.kz"}, .subject = "s", .body = "b"});
  ASSERT_TRUE(sent.ok()) << sent;
  EXPECT_EQ(sink.Envelope(1)["rcpt_to"], nlohmann::json::array({"тергеуші@полиция.kz"}));
}

TEST(SmtpMailerTest, ServerWithoutEhloGetsHelo) {
  Sink sink({"--no-ehlo"});
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(SinkOptions(sink.Port()));
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = kSubject, .body = kBody});
  ASSERT_TRUE(sent.ok()) << sent;
  EXPECT_EQ(sink.Envelope(1)["helo"], "threathub");
  EXPECT_EQ(sink.Envelope(1)["body"], kBody);
}

TEST(SmtpMailerTest, MultiLineRepliesAreReadWhole) {
  ScriptedServer server({"220-mail.police.kz\r\n220-more text\r\n220 ready\r\n",
                         "250-mail.police.kz\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n", "250 ok\r\n",
                         "250 ok\r\n", "354 go on\r\n", "250 queued\r\n", "221 bye\r\n"});
  SmtpMailer mailer(SinkOptions(server.Port()));
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_TRUE(sent.ok()) << sent;
  std::vector<std::string> received = server.Received();
  ASSERT_EQ(received.size(), 6u);
  EXPECT_EQ(received[0], "EHLO threathub\r\n");
  EXPECT_EQ(received[1], "MAIL FROM:<threathub@police.kz>\r\n");
  EXPECT_EQ(received[2], "RCPT TO:<a@police.kz>\r\n");
  EXPECT_EQ(received[3], "DATA\r\n");
  EXPECT_TRUE(base::EndsWith(received[4], "\r\n\r\nb\r\n.\r\n"));
  EXPECT_EQ(received[5], "QUIT\r\n");
}

TEST(SmtpMailerTest, MalformedReplyIsUnavailable) {
  ScriptedServer server({"hello, this is not SMTP\r\n"});
  SmtpMailer mailer(SinkOptions(server.Port()));
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("malformed reply"));
}

TEST(SmtpMailerTest, RefusingGreetingIsFailedPreconditionAndNamesTheReply) {
  ScriptedServer server({"554 5.3.2 no service here\r\n", "221 bye\r\n"});
  SmtpMailer mailer(SinkOptions(server.Port()));
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("greeting: 554 5.3.2 no service here"));
}

TEST(SmtpMailerTest, ConnectionClosedMidwayIsUnavailable) {
  ScriptedServer server({"220 ready\r\n", "250 hello\r\n"});
  SmtpMailer mailer(SinkOptions(server.Port()));
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("MAIL FROM"));
}

TEST(SmtpMailerTest, ReplyInjectedBeforeTheTlsHandshakeIsRefused) {
  ScriptedServer server({"220 ready\r\n", "250-hello\r\n250 STARTTLS\r\n",
                         "220 go ahead\r\n250 injected before TLS\r\n"});
  SmtpOptions options = SinkOptions(server.Port());
  options.tls = "starttls";
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("before the TLS handshake"));
}

TEST(SmtpMailerTest, NoHostIsFailedPrecondition) {
  SmtpMailer mailer(SmtpOptions{.from = "th@police.kz"});
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
}

TEST(SmtpMailerTest, ConnectionRefusedIsUnavailable) {
  SmtpOptions options = SinkOptions(ClosedPort());
  options.timeout_seconds = 2;
  SmtpMailer mailer(options);
  auto start = std::chrono::steady_clock::now();
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("connect"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(SmtpMailerTest, SilentServerTimesOutWithinTheTimeout) {
  SilentListener silent;
  SmtpOptions options = SinkOptions(silent.Port());
  options.timeout_seconds = 1;
  SmtpMailer mailer(options);
  auto start = std::chrono::steady_clock::now();
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("greeting"));
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2500));
}

TEST(SmtpMailerTest, MalformedMailIsInvalidArgumentWithoutConnecting) {
  SilentListener silent;
  SmtpMailer mailer(SinkOptions(silent.Port()));
  const std::vector<Mail> malformed = {
      {.to = {}, .subject = "no recipients"},
      {.to = {""}, .subject = "empty address"},
      {.to = {"no-at-sign"}, .subject = "s"},
      {.to = {"a@"}, .subject = "s"},
      {.to = {"@police.kz"}, .subject = "s"},
      {.to = {"a@b@police.kz"}, .subject = "s"},
      {.to = {"two words@police.kz"}, .subject = "s"},
      {.to = {"<a@police.kz>"}, .subject = "s"},
      {.to = {"a@police.kz>"}, .subject = "s"},
      {.to = {"a@police.kz\r\nRCPT TO:<b@police.kz>"}, .subject = "s"},
      {.to = {"a@police.kz\n"}, .subject = "s"},
      {.to = {"a@police..kz"}, .subject = "s"},
      {.to = {"a@police.kz,b@police.kz"}, .subject = "s"},
      {.to = {"a@police.kz"}, .subject = "two\r\nBcc: b@police.kz"},
      {.to = {"a@police.kz"}, .subject = "line\nbreak"},
      {.to = {"a@police.kz"}, .subject = "s", .body = "\xff\xfe"},
      {.to = {"a@police.kz"}, .subject = "s", .message_id = "x\r\ny@z"},
  };
  for (const Mail& mail : malformed) {
    absl::Status sent = mailer.Send(mail);
    EXPECT_EQ(sent.code(), absl::StatusCode::kInvalidArgument)
        << (mail.to.empty() ? "" : mail.to[0]) << " / " << mail.subject << ": " << sent;
  }
  EXPECT_FALSE(silent.HasPendingConnection());
}

TEST(SmtpMailerTest, PasswordOverPlainTextIsRefusedWithoutConnecting) {
  SilentListener silent;
  SmtpOptions options = SinkOptions(silent.Port());
  options.user = "threathub";
  options.password = "secret";
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_FALSE(silent.HasPendingConnection());
}

TEST(SmtpMailerTest, StartTlsRequiredButNotOfferedIsFailedPrecondition) {
  Sink sink;
  ASSERT_NE(sink.Port(), 0);
  SmtpOptions options = SinkOptions(sink.Port());
  options.tls = "starttls";
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("STARTTLS"));
  EXPECT_EQ(sink.MessageCount(), 0);
}

class SmtpMailerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certificate_ = MakeCertificate();
    if (!certificate_) GTEST_SKIP() << "openssl could not make a certificate";
  }
  void TearDown() override {
    if (certificate_) {
      std::error_code ignored;
      fs::remove_all(certificate_->dir, ignored);
    }
  }
  std::vector<std::string> TlsArgs() const {
    return {"--tls-cert", certificate_->cert.string(), "--tls-key", certificate_->key.string()};
  }
  SmtpOptions TlsOptions(int port, std::string tls) const {
    SmtpOptions options = SinkOptions(port);
    options.host = "localhost";
    options.tls = std::move(tls);
    options.ca_file = certificate_->cert.string();
    return options;
  }

  std::optional<Certificate> certificate_;
};

TEST_F(SmtpMailerTlsTest, StartTlsDelivers) {
  Sink sink(TlsArgs());
  ASSERT_NE(sink.Port(), 0);
  SmtpMailer mailer(TlsOptions(sink.Port(), "starttls"));
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = kSubject, .body = kBody});
  ASSERT_TRUE(sent.ok()) << sent << "\n" << sink.Log();
  nlohmann::json envelope = sink.Envelope(1);
  EXPECT_EQ(envelope["tls"], true);
  EXPECT_EQ(envelope["subject"], kSubject);
  EXPECT_EQ(envelope["body"], kBody);
}

TEST_F(SmtpMailerTlsTest, UntrustedCertificateIsRefused) {
  Sink sink(TlsArgs());
  ASSERT_NE(sink.Port(), 0);
  SmtpOptions options = TlsOptions(sink.Port(), "starttls");
  options.ca_file.clear();  // the system's store does not know the throwaway certificate
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("TLS handshake"));
  EXPECT_EQ(sink.MessageCount(), 0);
}

TEST_F(SmtpMailerTlsTest, CertificateForAnotherHostNameIsRefused) {
  Sink sink(TlsArgs());
  ASSERT_NE(sink.Port(), 0);
  SmtpOptions options = TlsOptions(sink.Port(), "starttls");
  options.host = "127.0.0.1";  // the certificate names localhost only
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_EQ(sink.MessageCount(), 0);
}

TEST_F(SmtpMailerTlsTest, ImplicitTlsWithAuthPlainDelivers) {
  std::vector<std::string> args = TlsArgs();
  args.insert(args.end(), {"--implicit-tls", "--auth", "reminders:s3cret pass"});
  Sink secure(args);
  ASSERT_NE(secure.Port(), 0);
  SmtpOptions options = TlsOptions(secure.Port(), "tls");
  options.user = "reminders";
  options.password = "s3cret pass";
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  ASSERT_TRUE(sent.ok()) << sent << "\n" << secure.Log();
  EXPECT_EQ(secure.Envelope(1)["auth_user"], "reminders");
  EXPECT_EQ(secure.Envelope(1)["tls"], true);
}

TEST_F(SmtpMailerTlsTest, WrongPasswordIsFailedPrecondition) {
  std::vector<std::string> args = TlsArgs();
  args.insert(args.end(), {"--auth", "reminders:right"});
  Sink sink(args);
  ASSERT_NE(sink.Port(), 0);
  SmtpOptions options = TlsOptions(sink.Port(), "starttls");
  options.user = "reminders";
  options.password = "wrong";
  SmtpMailer mailer(options);
  absl::Status sent = mailer.Send({.to = {"a@police.kz"}, .subject = "s", .body = "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("AUTH PLAIN: 535"));
  EXPECT_THAT(sent.message(), ::testing::Not(HasSubstr("wrong")));
  EXPECT_EQ(sink.MessageCount(), 0);
}

}  // namespace
}  // namespace threathub::requests
