// Outgoing e-mail through a configured SMTP server (RFC 5321), for deadline reminders. One
// connection per message: EHLO, optional STARTTLS (or implicit TLS), optional AUTH PLAIN (only
// over TLS), MAIL FROM, RCPT TO, DATA with a UTF-8 text/plain body (RFC 6532 / quoted-printable
// body, RFC 2047 encoded subject so Kazakh and Russian subjects survive), QUIT. Every server
// reply is checked; a 4xx/5xx reply or a timeout is an error naming the command and the reply.
//
//   requests::SmtpOptions options{.host = "mail.police.kz", .port = 25, .from = "th@police.kz"};
//   requests::SmtpMailer mailer(options);
//   RETURN_IF_ERROR(mailer.Send({.to = {"investigator@police.kz"},
//                                .subject = "Срок сохранения истекает через 7 дней",
//                                .body = "..."}));
//
// Thread-safe (no shared state between Send calls).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace threathub::requests {

struct SmtpOptions {
  std::string host;  // empty: Send fails with FailedPrecondition (e-mail not configured)
  int port = 25;
  std::string tls = "none";  // "none", "starttls", "tls"
  std::string user;          // AUTH PLAIN when not empty
  std::string password;
  std::string from;
  int timeout_seconds = 20;
  std::string helo_name = "threathub";
  // PEM file of the certificate authorities that may sign the server's certificate ("tls" and
  // "starttls"); empty: the system's trust store. The host name is checked either way.
  std::string ca_file;
};

struct Mail {
  std::vector<std::string> to;  // addresses; at least one
  std::string subject;          // UTF-8, one line
  std::string body;             // UTF-8 text
  std::string message_id;       // "" -> generated
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Delivers to the server (accepted with 250 after DATA). InvalidArgument for a malformed
  // address or a subject with a line break; Unavailable for connection problems and 4xx
  // replies (try again later); FailedPrecondition for 5xx replies (will not succeed as is).
  virtual absl::Status Send(const Mail& mail) = 0;
};

class SmtpMailer : public Mailer {
 public:
  explicit SmtpMailer(SmtpOptions options);
  absl::Status Send(const Mail& mail) override;

 private:
  SmtpOptions options_;
};

// The message as it goes after DATA (headers and body, CRLF lines, dot-stuffed, without the
// final "."), for tests and logs.
std::string FormatMessage(const SmtpOptions& options, const Mail& mail, int64_t date_millis);

}  // namespace threathub::requests
