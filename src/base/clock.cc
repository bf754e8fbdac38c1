#include "base/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace threathub::base {

Millis SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

std::string FormatUtc(Millis millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  int fraction = static_cast<int>(millis % 1000);
  if (fraction < 0) {
    fraction += 1000;
    --seconds;
  }
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                fraction);
  return text;
}

namespace {

bool ReadDigits(std::string_view text, size_t& pos, int count, int& value) {
  value = 0;
  for (int digit_idx = 0; digit_idx < count; ++digit_idx) {
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return false;
    value = value * 10 + (text[pos++] - '0');
  }
  return true;
}

bool Expect(std::string_view text, size_t& pos, char wanted) {
  if (pos >= text.size() || text[pos] != wanted) return false;
  ++pos;
  return true;
}

}  // namespace

bool ParseUtc(std::string_view text, Millis& out) {
  size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return false;
  }
  int offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return false;
    ++pos;
    if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, minute)) {
      return false;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, second)) return false;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int scale = 100;
        size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          millis += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
          ++digits;
        }
        if (digits == 0) return false;
      }
    }
    if (pos >= text.size()) return false;
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      int sign = text[pos] == '+' ? 1 : -1;
      ++pos;
      int offset_hours, offset_mins;
      if (!ReadDigits(text, pos, 2, offset_hours) || !Expect(text, pos, ':') ||
          !ReadDigits(text, pos, 2, offset_mins)) {
        return false;
      }
      offset_minutes = sign * (offset_hours * 60 + offset_mins);
    } else {
      return false;
    }
  }
  if (pos != text.size()) return false;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::tm parts{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  std::time_t seconds = timegm(&parts);
  out = (static_cast<Millis>(seconds) - offset_minutes * 60LL) * 1000 + millis;
  return true;
}

}  // namespace threathub::base
