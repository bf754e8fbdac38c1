// Boost 1.74's Asio uses std::exchange without including <utility> (docs: known pitfalls).
#include <utility>

#include "requests/mailer.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string_view>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::requests {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// RFC 5321 section 4.5.3.1.5: a reply line is at most 512 octets; servers send longer EHLO
// lines now and then, so allow some room, but not an endless one.
constexpr size_t kMaxReplyLineBytes = 4096;
constexpr int kMaxReplyLines = 100;
constexpr size_t kMaxAddressBytes = 254;  // RFC 5321 section 4.5.3.1.3 with 4.5.3.1.1/2
// RFC 2045 section 6.7 rule 5: encoded lines of at most 76 characters.
constexpr size_t kQuotedPrintableLine = 76;
// RFC 2047 section 2: an encoded word is at most 75 characters. 39 bytes give 52 base64
// characters, 64 with "=?UTF-8?B?" and "?=", so "Subject: " and the first word stay within the
// 78 characters of RFC 5322 section 2.1.1.
constexpr size_t kEncodedWordBytes = 39;
constexpr size_t kHeaderLine = 78;

// ---- message ----------------------------------------------------------------------------

bool IsUtf8Continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// The address checks of Send: local@domain, no spaces, controls, angle brackets or list
// separators (which would let an address smuggle a second one or a header into the envelope).
absl::Status CheckAddress(std::string_view field, std::string_view address) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        base::StrCat(field, ": \"", address, "\" is not an e-mail address (", why, ")"));
  };
  if (address.empty()) return absl::InvalidArgumentError(base::StrCat(field, ": empty address"));
  if (address.size() > kMaxAddressBytes) return invalid("too long");
  if (!base::IsValidUtf8(address)) return invalid("not valid UTF-8");
  for (char raw : address) {
    unsigned char byte = static_cast<unsigned char>(raw);
    if (byte <= 0x20 || byte == 0x7F) return invalid("spaces and control characters");
    if (std::string_view("<>,;()\"\\[]:").find(raw) != std::string_view::npos) {
      return invalid(base::StrCat("'", std::string(1, raw), "'"));
    }
  }
  size_t at = address.find('@');
  if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) {
    return invalid("exactly one '@'");
  }
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.empty() || domain.empty()) return invalid("local@domain");
  if (domain.front() == '.' || domain.back() == '.' || base::StrContains(domain, "..") ||
      local.front() == '.' || local.back() == '.' || base::StrContains(local, "..")) {
    return invalid("misplaced '.'");
  }
  return absl::OkStatus();
}

bool IsAscii(std::string_view text) {
  for (char byte : text) {
    if (static_cast<unsigned char>(byte) >= 0x80) return false;
  }
  return true;
}

// RFC 5322 section 3.3: "Fri, 27 Nov 2026 09:15:19 +0000".
std::string FormatDate(int64_t date_millis) {
  int64_t seconds = date_millis / 1000;
  if (date_millis % 1000 < 0) --seconds;
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[64];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[parts.tm_wday],
                parts.tm_mday, kMonths[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour,
                parts.tm_min, parts.tm_sec);
  return text;
}

// A subject that can go as it is: printable ASCII that cannot be mistaken for an encoded word
// and fits on the header line.
bool IsPlainSubject(std::string_view subject) {
  if (subject.size() + 9 > kHeaderLine || base::StrContains(subject, "=?")) return false;
  for (char byte : subject) {
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  return true;
}

// RFC 2047: "Subject: =?UTF-8?B?...?=" words of whole UTF-8 characters (section 6.3), each on
// its own folded line.
std::string SubjectHeader(std::string_view subject) {
  if (IsPlainSubject(subject)) return base::StrCat("Subject: ", subject, "\r\n");
  std::string header = "Subject:";
  size_t start = 0;
  while (start < subject.size()) {
    size_t end = std::min(subject.size(), start + kEncodedWordBytes);
    while (end < subject.size() && end > start + 1 && IsUtf8Continuation(subject[end])) --end;
    if (start > 0) header += "\r\n";
    base::StrAppend(&header, " =?UTF-8?B?", base::Base64Encode(subject.substr(start, end - start)),
                    "?=");
    start = end;
  }
  header += "\r\n";
  return header;
}

// "To: a@x.kz, b@x.kz", folded before an address that would pass the line length.
std::string ToHeader(const std::vector<std::string>& to) {
  std::string header = "To:";
  size_t line_length = header.size();
  for (size_t index = 0; index < to.size(); ++index) {
    std::string piece = base::StrCat(" ", to[index], index + 1 < to.size() ? "," : "");
    if (index > 0 && line_length + piece.size() > kHeaderLine) {
      header += "\r\n";
      line_length = 0;
    }
    header += piece;
    line_length += piece.size();
  }
  header += "\r\n";
  return header;
}

// RFC 2045 section 6.7. Line breaks ("\n" or "\r\n") become hard CRLF breaks; every encoded line
// is at most 76 characters, with soft breaks ("=") that never split an "=XX".
std::string QuotedPrintable(std::string_view body) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line_length = 0;
  auto put = [&](std::string_view piece) {
    // Room for the piece and a soft break's "=".
    if (line_length + piece.size() > kQuotedPrintableLine - 1) {
      out += "=\r\n";
      line_length = 0;
    }
    out += piece;
    line_length += piece.size();
  };
  for (size_t index = 0; index < body.size(); ++index) {
    char byte = body[index];
    if (byte == '\n' || (byte == '\r' && index + 1 < body.size() && body[index + 1] == '\n')) {
      if (byte == '\r') ++index;
      out += "\r\n";
      line_length = 0;
      continue;
    }
    bool line_end = index + 1 == body.size() || body[index + 1] == '\n' ||
                    (body[index + 1] == '\r' && index + 2 < body.size() && body[index + 2] == '\n');
    unsigned char value = static_cast<unsigned char>(byte);
    bool literal = (value >= 33 && value <= 126 && byte != '=') ||
                   ((byte == ' ' || byte == '\t') && !line_end);
    if (literal) {
      put(std::string_view(&byte, 1));
    } else {
      char encoded[3] = {'=', kHex[value >> 4], kHex[value & 0x0F]};
      put(std::string_view(encoded, 3));
    }
  }
  if (!out.empty() && !base::EndsWith(out, "\r\n")) out += "\r\n";
  return out;
}

// RFC 5321 section 4.5.2: a line that starts with "." gets another in front.
std::string DotStuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 16);
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find("\r\n", start);
    end = end == std::string_view::npos ? message.size() : end + 2;
    if (message[start] == '.') out += '.';
    out.append(message.substr(start, end - start));
    start = end;
  }
  return out;
}

std::string MessageId(std::string_view given) {
  if (given.empty()) {
    return base::StrCat("<", base::HexEncode(base::RandomBytes(16)), "@threathub>");
  }
  if (base::StartsWith(given, "<") && base::EndsWith(given, ">")) return std::string(given);
  return base::StrCat("<", given, ">");
}

absl::Status CheckMessageId(std::string_view id) {
  for (char raw : id) {
    unsigned char byte = static_cast<unsigned char>(raw);
    if (byte <= 0x20 || byte >= 0x7F) {
      return absl::InvalidArgumentError(
          "message_id: printable ASCII without spaces or line breaks only");
    }
  }
  std::string_view inner = id;
  if (base::StartsWith(inner, "<") && base::EndsWith(inner, ">") && inner.size() >= 2) {
    inner = inner.substr(1, inner.size() - 2);
  }
  if (!inner.empty() &&
      (inner.find('<') != std::string_view::npos || inner.find('>') != std::string_view::npos ||
       inner.find('@') == std::string_view::npos)) {
    return absl::InvalidArgumentError("message_id: expected id@domain, optionally in <>");
  }
  return absl::OkStatus();
}

absl::Status CheckMail(const Mail& mail) {
  if (mail.to.empty()) return absl::InvalidArgumentError("to: at least one recipient");
  for (const std::string& address : mail.to) RETURN_IF_ERROR(CheckAddress("to", address));
  if (mail.subject.find_first_of("\r\n") != std::string::npos) {
    return absl::InvalidArgumentError("subject: one line (no CR or LF)");
  }
  if (!base::IsValidUtf8(mail.subject)) return absl::InvalidArgumentError("subject: not UTF-8");
  if (!base::IsValidUtf8(mail.body)) return absl::InvalidArgumentError("body: not UTF-8");
  return CheckMessageId(mail.message_id);
}

// ---- SMTP conversation --------------------------------------------------------------------

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // without the code and separator

  // "250 first line / second line", for error messages.
  std::string Text() const { return base::StrCat(code, " ", base::StrJoin(lines, " / ")); }
};

// One connection to the server: every step (resolution, connection, handshake, each read and
// write) has its own deadline of options.timeout_seconds, so a server that stops answering is
// given up on within that time; after STARTTLS (or from the start with "tls") the same TCP stream
// carries TLS.
class Session {
 public:
  explicit Session(const SmtpOptions& options)
      : options_(options),
        timeout_(std::chrono::seconds(std::max(1, options.timeout_seconds))),
        tcp_(io_) {}

  absl::Status Connect() {
    tcp::resolver resolver(io_);
    std::optional<beast::error_code> resolved;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(options_.host, std::to_string(options_.port),
                           [&](const beast::error_code& error, tcp::resolver::results_type found) {
                             resolved = error;
                             endpoints = std::move(found);
                           });
    io_.restart();
    io_.run_for(timeout_);
    if (!resolved) {
      resolver.cancel();
      RunAll();
      return absl::UnavailableError(base::StrCat(Where(), ": name resolution timed out"));
    }
    if (*resolved) return NetworkError("resolve", *resolved);
    beast::error_code error;
    tcp_.expires_after(timeout_);
    tcp_.async_connect(
        endpoints, [&](const beast::error_code& result, const tcp::endpoint&) { error = result; });
    RunAll();
    if (error) return NetworkError("connect", error);
    return absl::OkStatus();
  }

  // The TLS handshake on the connected stream (implicit TLS, or after STARTTLS's 220).
  absl::Status StartTls() {
    // RFC 3207 section 4.2 (and CVE-2011-0411): nothing the server sent before the handshake
    // may be taken as an answer after it.
    talking_ = false;
    if (!buffer_.empty()) {
      return absl::UnavailableError(
          base::StrCat(Where(), ": STARTTLS: the server sent data before the TLS handshake"));
    }
    ssl_context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ssl_context_->set_options(asio::ssl::context::default_workarounds |
                              asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                              asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    beast::error_code error;
    if (options_.ca_file.empty()) {
      ssl_context_->set_default_verify_paths(error);
    } else {
      ssl_context_->load_verify_file(options_.ca_file, error);
    }
    if (error) {
      return absl::FailedPreconditionError(
          base::StrCat("SMTP: cannot load the trusted certificates: ", error.message()));
    }
    ssl_context_->set_verify_mode(asio::ssl::verify_peer);
    tls_ = std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(tcp_, *ssl_context_);
    // SNI, and the name the certificate must carry.
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), options_.host.c_str())) {
      return absl::FailedPreconditionError(
          base::StrCat(options_.host, ": not usable as a TLS server name"));
    }
    tls_->set_verify_callback(asio::ssl::host_name_verification(options_.host));
    tcp_.expires_after(timeout_);
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [&](const beast::error_code& result) { error = result; });
    RunAll();
    if (error) return NetworkError("TLS handshake", error);
    talking_ = true;
    return absl::OkStatus();
  }

  bool Encrypted() const { return tls_ != nullptr; }

  absl::Status Write(std::string_view data, std::string_view command) {
    beast::error_code error;
    auto done = [&](const beast::error_code& result, size_t) { error = result; };
    tcp_.expires_after(timeout_);
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(data.data(), data.size()), done);
    } else {
      asio::async_write(tcp_, asio::buffer(data.data(), data.size()), done);
    }
    RunAll();
    if (error) return NetworkError(command, error);
    return absl::OkStatus();
  }

  // One reply (RFC 5321 section 4.2: "250-..." lines, then "250 ..."), to `command`.
  absl::StatusOr<Reply> Read(std::string_view command) {
    Reply reply;
    for (int line_index = 0;; ++line_index) {
      if (line_index >= kMaxReplyLines) return Malformed(command, "too many lines");
      ASSIGN_OR_RETURN(std::string line, ReadLine(command));
      if (line.size() < 3 || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
        return Malformed(command, line);
      }
      int code = 0;
      if (!base::SimpleAtoi(line.substr(0, 3), &code) || code < 200 || code > 599 ||
          (reply.code != 0 && code != reply.code)) {
        return Malformed(command, line);
      }
      reply.code = code;
      reply.lines.push_back(line.size() > 4 ? line.substr(4) : "");
      if (line.size() == 3 || line[3] == ' ') {
        talking_ = true;
        return reply;
      }
    }
  }

  // Writes `line` (without CRLF) and reads the reply, which must be one of `expected`; `command`
  // names it in errors (AUTH's line carries the password, its name does not).
  absl::StatusOr<Reply> Command(std::string_view line, std::string_view command,
                                std::initializer_list<int> expected) {
    RETURN_IF_ERROR(Write(base::StrCat(line, "\r\n"), command));
    ASSIGN_OR_RETURN(Reply reply, Read(command));
    RETURN_IF_ERROR(Expect(reply, command, expected));
    return reply;
  }

  absl::Status Expect(const Reply& reply, std::string_view command,
                      std::initializer_list<int> expected) {
    for (int code : expected) {
      if (reply.code == code) return absl::OkStatus();
    }
    std::string message = base::StrCat(Where(), ": ", command, ": ", reply.Text());
    if (reply.code >= 500) return absl::FailedPreconditionError(message);
    return absl::UnavailableError(message);
  }

  // After an error the server may still be listening (it answered the last command): say
  // goodbye, but do not wait long for it.
  void QuitIfTalking() {
    if (!talking_) return;
    timeout_ = std::min(timeout_, std::chrono::steady_clock::duration(std::chrono::seconds(2)));
    if (Write("QUIT\r\n", "QUIT").ok()) Read("QUIT").IgnoreError();
  }

 private:
  std::string Where() const { return base::StrCat("SMTP ", options_.host, ":", options_.port); }

  absl::Status NetworkError(std::string_view step, const beast::error_code& error) {
    talking_ = false;
    std::string what = error == beast::error::timeout
                           ? base::StrCat("no answer within ", options_.timeout_seconds, " s")
                           : error.message();
    return absl::UnavailableError(base::StrCat(Where(), ": ", step, ": ", what));
  }

  absl::Status Malformed(std::string_view command, std::string_view line) {
    talking_ = false;
    return absl::UnavailableError(
        base::StrCat(Where(), ": ", command, ": malformed reply \"", line.substr(0, 200), "\""));
  }

  absl::StatusOr<std::string> ReadLine(std::string_view command) {
    size_t end = buffer_.find('\n');
    if (end == std::string::npos) {
      beast::error_code error;
      size_t length = 0;
      auto done = [&](const beast::error_code& result, size_t count) {
        error = result;
        length = count;
      };
      auto buffer = asio::dynamic_buffer(buffer_, kMaxReplyLineBytes);
      tcp_.expires_after(timeout_);
      if (tls_) {
        asio::async_read_until(*tls_, buffer, '\n', done);
      } else {
        asio::async_read_until(tcp_, buffer, '\n', done);
      }
      RunAll();
      if (error == asio::error::not_found) return Malformed(command, "line too long");
      if (error == asio::error::eof) {
        talking_ = false;
        return absl::UnavailableError(
            base::StrCat(Where(), ": ", command, ": the server closed the connection"));
      }
      if (error) return NetworkError(command, error);
      end = length - 1;
    }
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }

  void RunAll() {
    io_.restart();
    io_.run();
  }

  const SmtpOptions& options_;
  std::chrono::steady_clock::duration timeout_;
  asio::io_context io_;
  beast::tcp_stream tcp_;
  std::unique_ptr<asio::ssl::context> ssl_context_;
  std::unique_ptr<asio::ssl::stream<beast::tcp_stream&>> tls_;
  std::string buffer_;    // read but not yet taken
  bool talking_ = false;  // the server answered the last command and the stream is sound
};

// The EHLO keywords (RFC 5321 section 4.1.1.1: the lines after the first), upper case, with
// their parameters.
bool Offers(const Reply& ehlo, std::string_view keyword, std::string_view parameter = "") {
  for (size_t index = 1; index < ehlo.lines.size(); ++index) {
    std::vector<std::string_view> words = base::StrSplit(ehlo.lines[index], ' ', true);
    if (words.empty() || base::AsciiStrToUpper(words[0]) != keyword) continue;
    if (parameter.empty()) return true;
    for (size_t word = 1; word < words.size(); ++word) {
      if (base::AsciiStrToUpper(words[word]) == parameter) return true;
    }
  }
  return false;
}

absl::Status CheckOptions(const SmtpOptions& options) {
  if (options.host.empty()) {
    return absl::FailedPreconditionError("e-mail is not configured (no SMTP host)");
  }
  if (options.tls != "none" && options.tls != "starttls" && options.tls != "tls") {
    return absl::FailedPreconditionError(
        base::StrCat("SMTP tls \"", options.tls, "\": expected none, starttls or tls"));
  }
  if (options.port <= 0 || options.port > 65535) {
    return absl::FailedPreconditionError(
        base::StrCat("SMTP port ", options.port, ": out of range"));
  }
  if (!options.user.empty() && options.tls == "none") {
    return absl::FailedPreconditionError(
        "SMTP: refusing to send the password without TLS (set tls to starttls or tls)");
  }
  absl::Status from = CheckAddress("from", options.from);
  if (!from.ok()) {
    return absl::FailedPreconditionError(base::StrCat("SMTP sender: ", from.message()));
  }
  for (char byte : options.helo_name) {
    if (byte <= 0x20 || byte >= 0x7F) {
      return absl::FailedPreconditionError("SMTP helo_name: printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

// EHLO; RFC 5321 section 3.2: a server that does not know it gets HELO, unless what we need
// (STARTTLS, AUTH) exists only with EHLO. The reply's lines after the first are the extensions.
absl::StatusOr<Reply> Hello(Session& session, const SmtpOptions& options,
                            std::string_view ehlo_line) {
  RETURN_IF_ERROR(session.Write(base::StrCat(ehlo_line, "\r\n"), "EHLO"));
  ASSIGN_OR_RETURN(Reply ehlo, session.Read("EHLO"));
  if (ehlo.code == 250) return ehlo;
  bool plain = options.tls == "none" && options.user.empty();
  if (!plain || (ehlo.code != 500 && ehlo.code != 502 && ehlo.code != 504 && ehlo.code != 550)) {
    RETURN_IF_ERROR(session.Expect(ehlo, "EHLO", {250}));
  }
  std::string helo_line = base::StrCat("HELO", ehlo_line.substr(4));
  return session.Command(helo_line, "HELO", {250});
}

absl::Status Converse(Session& session, const SmtpOptions& options, const Mail& mail,
                      std::string_view message) {
  RETURN_IF_ERROR(session.Connect());
  if (options.tls == "tls") RETURN_IF_ERROR(session.StartTls());
  ASSIGN_OR_RETURN(Reply greeting, session.Read("greeting"));
  RETURN_IF_ERROR(session.Expect(greeting, "greeting", {220}));
  std::string helo_name = options.helo_name.empty() ? "threathub" : options.helo_name;
  std::string ehlo_line = base::StrCat("EHLO ", helo_name);
  ASSIGN_OR_RETURN(Reply ehlo, Hello(session, options, ehlo_line));
  if (options.tls == "starttls") {
    if (!Offers(ehlo, "STARTTLS")) {
      return absl::FailedPreconditionError(base::StrCat("SMTP ", options.host, ":", options.port,
                                                        ": the server does not offer STARTTLS"));
    }
    RETURN_IF_ERROR(session.Command("STARTTLS", "STARTTLS", {220}).status());
    RETURN_IF_ERROR(session.StartTls());
    // RFC 3207 section 4.2: forget what the server said before TLS and ask again.
    ASSIGN_OR_RETURN(ehlo, session.Command(ehlo_line, "EHLO", {250}));
  }
  if (!options.user.empty()) {
    if (!session.Encrypted()) {
      return absl::FailedPreconditionError("SMTP: refusing to send the password without TLS");
    }
    if (!Offers(ehlo, "AUTH", "PLAIN")) {
      return absl::FailedPreconditionError(base::StrCat("SMTP ", options.host, ":", options.port,
                                                        ": the server does not offer AUTH PLAIN"));
    }
    // RFC 4616: authzid NUL authcid NUL passwd, with the initial response (RFC 4954).
    std::string credentials =
        base::StrCat(std::string(1, '\0'), options.user, std::string(1, '\0'), options.password);
    RETURN_IF_ERROR(session
                        .Command(base::StrCat("AUTH PLAIN ", base::Base64Encode(credentials)),
                                 "AUTH PLAIN", {235})
                        .status());
  }
  // RFC 6531: SMTPUTF8 only when an address needs it, and only when offered.
  bool needs_utf8 = !IsAscii(options.from);
  for (const std::string& address : mail.to) needs_utf8 = needs_utf8 || !IsAscii(address);
  if (needs_utf8 && !Offers(ehlo, "SMTPUTF8")) {
    return absl::FailedPreconditionError(
        base::StrCat("SMTP ", options.host, ":", options.port,
                     ": an address is not ASCII and the server does not offer SMTPUTF8"));
  }
  std::string mail_from = base::StrCat("MAIL FROM:<", options.from, ">");
  if (needs_utf8) mail_from += " SMTPUTF8";
  RETURN_IF_ERROR(session.Command(mail_from, mail_from, {250}).status());
  for (const std::string& address : mail.to) {
    std::string rcpt = base::StrCat("RCPT TO:<", address, ">");
    RETURN_IF_ERROR(session.Command(rcpt, rcpt, {250, 251}).status());
  }
  RETURN_IF_ERROR(session.Command("DATA", "DATA", {354}).status());
  RETURN_IF_ERROR(session.Write(base::StrCat(message, ".\r\n"), "message"));
  ASSIGN_OR_RETURN(Reply accepted, session.Read("end of DATA"));
  RETURN_IF_ERROR(session.Expect(accepted, "end of DATA", {250}));
  // The message is the server's now: a failed QUIT must not make the caller send it again.
  if (session.Write("QUIT\r\n", "QUIT").ok()) session.Read("QUIT").IgnoreError();
  return absl::OkStatus();
}

}  // namespace

SmtpMailer::SmtpMailer(SmtpOptions options) : options_(std::move(options)) {}

absl::Status SmtpMailer::Send(const Mail& mail) {
  RETURN_IF_ERROR(CheckOptions(options_));
  RETURN_IF_ERROR(CheckMail(mail));
  std::string message = FormatMessage(options_, mail, base::SystemClock::Instance().NowMillis());
  Session session(options_);
  absl::Status status = Converse(session, options_, mail, message);
  if (!status.ok()) session.QuitIfTalking();
  return status;
}

std::string FormatMessage(const SmtpOptions& options, const Mail& mail, int64_t date_millis) {
  std::string headers;
  base::StrAppend(&headers, "Date: ", FormatDate(date_millis), "\r\n");
  base::StrAppend(&headers, "From: ", options.from, "\r\n");
  headers += ToHeader(mail.to);
  headers += SubjectHeader(mail.subject);
  base::StrAppend(&headers, "Message-ID: ", MessageId(mail.message_id), "\r\n");
  // RFC 3834 section 5: reminders are sent by a program, not answered by one.
  headers += "Auto-Submitted: auto-generated\r\n";
  headers += "MIME-Version: 1.0\r\n";
  headers += "Content-Type: text/plain; charset=UTF-8\r\n";
  headers += "Content-Transfer-Encoding: quoted-printable\r\n";
  return DotStuff(base::StrCat(headers, "\r\n", QuotedPrintable(mail.body)));
}

}  // namespace threathub::requests
