// libarchive converts member names between UTF-8 (pax headers) and the locale's character set,
// and in the "C" locale a non-ASCII name cannot be converted (and makes libarchive 3.6's pax
// writer crash). The server never calls setlocale, which is process-wide anyway: this switches
// the calling thread, and only it, to C.UTF-8 while an archive is read or written.
#pragma once

#include <clocale>

#include <locale.h>

namespace threathub::bundle::internal {

class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale() {
    for (const char* name : {"C.UTF-8", "C.utf8", "en_US.UTF-8"}) {
      locale_ = ::newlocale(LC_CTYPE_MASK, name, static_cast<locale_t>(0));
      if (locale_ != static_cast<locale_t>(0)) break;
    }
    if (locale_ != static_cast<locale_t>(0)) previous_ = ::uselocale(locale_);
  }
  ~ScopedUtf8Locale() {
    if (locale_ == static_cast<locale_t>(0)) return;
    ::uselocale(previous_);
    ::freelocale(locale_);
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

  // False when the system has no UTF-8 locale: non-ASCII names then cannot be handled.
  bool active() const { return locale_ != static_cast<locale_t>(0); }

 private:
  locale_t locale_ = static_cast<locale_t>(0);
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace threathub::bundle::internal
