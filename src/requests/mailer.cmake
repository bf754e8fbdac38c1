# Outgoing e-mail (mailer.h: SMTP over Boost.Asio, TLS through OpenSSL). Included by
# CMakeLists.txt. The test talks to tools/smtp_sink.py (python3, standard library only) and, for
# TLS, makes a throwaway certificate with the openssl command.
threathub_module(requests_mailer
  SOURCES mailer.cc
  DEPS threathub_base Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads
       absl::status absl::statusor absl::strings)
threathub_test(requests_mailer_test
  SOURCES mailer_test.cc
  DEPS threathub_requests_mailer nlohmann_json::nlohmann_json)
