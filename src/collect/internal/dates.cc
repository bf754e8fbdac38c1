#include "collect/internal/dates.h"

#include <cstdint>
#include <optional>

#include "base/strings.h"

namespace threathub::collect::internal {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool Consume(char wanted) {
    if (pos_ < text_.size() && text_[pos_] == wanted) {
      ++pos_;
      return true;
    }
    return false;
  }
  // 1 to max_digits digits; the count read is returned through `digits`.
  bool Number(int max_digits, int& value, int& digits) {
    value = 0;
    digits = 0;
    while (pos_ < text_.size() && digits < max_digits && text_[pos_] >= '0' && text_[pos_] <= '9') {
      value = value * 10 + (text_[pos_++] - '0');
      ++digits;
    }
    return digits > 0;
  }
  std::string_view Word() {
    const size_t start = pos_;
    while (pos_ < text_.size() && ((text_[pos_] >= 'a' && text_[pos_] <= 'z') ||
                                   (text_[pos_] >= 'A' && text_[pos_] <= 'Z'))) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::optional<unsigned> MonthNumber(std::string_view word) {
  if (word.size() < 3) return std::nullopt;
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string prefix = base::AsciiStrToLower(word.substr(0, 3));
  for (unsigned month_idx = 0; month_idx < 12; ++month_idx) {
    if (prefix == kMonths[month_idx]) return month_idx + 1;
  }
  return std::nullopt;
}

// RFC 2822 section 4.3: the obsolete zone names, offsets in minutes.
std::optional<int> ZoneOffset(std::string_view name) {
  const std::string zone = base::AsciiStrToUpper(name);
  struct Zone {
    std::string_view name;
    int minutes;
  };
  static constexpr Zone kZones[] = {{"GMT", 0},       {"UT", 0},        {"UTC", 0},
                                    {"Z", 0},         {"EST", -5 * 60}, {"EDT", -4 * 60},
                                    {"CST", -6 * 60}, {"CDT", -5 * 60}, {"MST", -7 * 60},
                                    {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}};
  for (const Zone& known : kZones) {
    if (zone == known.name) return known.minutes;
  }
  return std::nullopt;
}

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

bool ParseRfc822Date(std::string_view text, base::Millis& out) {
  Scanner scan(base::StripAsciiWhitespace(text));
  // [day-name ","]
  if (!(scan.Peek() >= '0' && scan.Peek() <= '9')) {
    if (scan.Word().empty()) return false;
    scan.SkipSpaces();
    if (!scan.Consume(',')) return false;
    scan.SkipSpaces();
  }
  int day, year, hour, minute, second = 0, digits;
  if (!scan.Number(2, day, digits)) return false;
  scan.SkipSpaces();
  std::optional<unsigned> month = MonthNumber(scan.Word());
  if (!month) return false;
  scan.SkipSpaces();
  if (!scan.Number(4, year, digits) || digits == 1 || digits == 3) return false;
  if (digits == 2) year += year >= 50 ? 1900 : 2000;
  scan.SkipSpaces();
  if (!scan.Number(2, hour, digits) || !scan.Consume(':') || !scan.Number(2, minute, digits)) {
    return false;
  }
  if (scan.Consume(':') && !scan.Number(2, second, digits)) return false;
  scan.SkipSpaces();
  int offset_minutes = 0;
  if (!scan.AtEnd()) {
    const char sign = scan.Peek();
    if (sign == '+' || sign == '-') {
      scan.Consume(sign);
      int hours_part, minutes_part;
      if (!scan.Number(2, hours_part, digits) || digits != 2) return false;
      scan.Consume(':');
      if (!scan.Number(2, minutes_part, digits) || digits != 2 || minutes_part > 59) return false;
      offset_minutes = (sign == '+' ? 1 : -1) * (hours_part * 60 + minutes_part);
    } else {
      std::optional<int> zone = ZoneOffset(scan.Word());
      if (!zone) return false;
      offset_minutes = *zone;
    }
    scan.SkipSpaces();
    if (!scan.AtEnd()) return false;
  }
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, *month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  const int64_t seconds = DaysFromCivil(year, *month, static_cast<unsigned>(day)) * 86400 +
                          hour * 3600 + minute * 60 + second - offset_minutes * 60;
  out = seconds * 1000;
  return true;
}

bool ParseFeedDate(std::string_view text, base::Millis& out) {
  text = base::StripAsciiWhitespace(text);
  if (ParseRfc822Date(text, out)) return true;
  return base::ParseUtc(text, out);
}

}  // namespace threathub::collect::internal
