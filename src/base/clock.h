// Time source. Every module reads time through a Clock so that tests can move time on
// (session idle timeouts, lockout windows, TOTP steps) without sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace threathub::base {

// Milliseconds since the Unix epoch, UTC.
using Millis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis NowMillis() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  Millis NowMillis() const override;
  static SystemClock& Instance();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Millis start = 1'767'225'600'000) : now_(start) {}  // 2026-01-01T00:00Z
  Millis NowMillis() const override { return now_.load(); }
  void Advance(Millis delta) { now_ += delta; }
  void Set(Millis now) { now_ = now; }

 private:
  std::atomic<Millis> now_;
};

// "2026-11-27T00:24:38.123Z"
std::string FormatUtc(Millis millis);

// Parses RFC 3339 / ISO 8601 UTC times ("2026-11-27T00:24:38Z", with optional fraction and
// "+hh:mm" offset) or a plain date ("2026-11-27", midnight UTC). Returns false on bad input.
bool ParseUtc(std::string_view text, Millis& out);

}  // namespace threathub::base
