// Printable documents for people (the bundle's custody report, a mandate's written request):
// A4 pages drawn with cairo and pango in DejaVu Sans through fontconfig, so Kazakh and Russian
// text shows and stays text (it can be searched and copied). The writer lays blocks out top
// to bottom and starts a new page when one does not fit; every page has a footer with "n / N".
//
//   ASSIGN_OR_RETURN(std::string pdf,
//                    RenderPdf({.title = "Отчёт", .footer = "threathub · дело 17",
//                               .created_at = now, .what = "the custody report"},
//                              [&](PdfWriter& pdf) {
//                                pdf.Title("Отчёт");
//                                pdf.Field("Номер дела", "almaty-cyber-2026-00017");
//                              }));
//
// Not thread-safe per writer; RenderPdf may run on many threads at once.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "base/clock.h"

namespace threathub::bundle::internal {

// Page geometry, in points (A4).
inline constexpr double kPageWidth = 595.276;
inline constexpr double kPageHeight = 841.890;
inline constexpr double kMarginX = 42;
inline constexpr double kContentWidth = kPageWidth - 2 * kMarginX;

inline constexpr char kTitleFont[] = "DejaVu Sans Bold 14";
inline constexpr char kHeadingFont[] = "DejaVu Sans Bold 11";
inline constexpr char kBodyFont[] = "DejaVu Sans 8.5";
inline constexpr char kLabelFont[] = "DejaVu Sans Bold 8";
inline constexpr char kMonoFont[] = "DejaVu Sans Mono 7.5";
inline constexpr char kTableFont[] = "DejaVu Sans 7";
inline constexpr char kTableHeaderFont[] = "DejaVu Sans Bold 6.5";
inline constexpr char kTableMonoFont[] = "DejaVu Sans Mono 6.5";

// Text pango can draw: valid UTF-8 (bad bytes become U+FFFD), control characters other than
// the newline shown as spaces, cut at `max_bytes` (with "…").
std::string Displayable(std::string_view text, size_t max_bytes = 4000);

struct PdfColumn {
  std::string title;
  double width;  // points; the columns of a table add up to kContentWidth
  const char* font = kTableFont;
};

// Lays out and draws a document page by page; the cursor moves down, a block that does not fit
// goes to the next page.
class PdfWriter {
 public:
  // `total_pages` is 0 when not known yet (the footer then says "n / ?").
  PdfWriter(cairo_surface_t* surface, std::string footer, int total_pages);
  ~PdfWriter();
  PdfWriter(const PdfWriter&) = delete;
  PdfWriter& operator=(const PdfWriter&) = delete;

  void Title(std::string_view text);
  void Paragraph(std::string_view text, const char* font = kBodyFont);
  // A heading with a rule under it; never the last thing on a page.
  void Heading(std::string_view text);
  // A label and its value side by side; the value wraps.
  void Field(std::string_view label, std::string_view value, const char* value_font = kBodyFont);
  void Space(double points);
  // A table with a header row, repeated on every page the table continues on. Each row has one
  // cell per column.
  void Table(const std::vector<PdfColumn>& columns,
             const std::vector<std::vector<std::string>>& rows);
  void NewPage();

  // Draws the last page's footer; the number of pages.
  int Finish();
  cairo_status_t status() const;

 private:
  struct GObjectDeleter {
    void operator()(void* object) const;
  };
  using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;

  LayoutPtr Layout(std::string_view text, const char* font, double width) const;
  static double Height(PangoLayout* layout);
  void Draw(PangoLayout* layout, double x, double y);
  void Block(std::string_view text, const char* font, double space_after);
  void EnsureRoom(double height);
  bool Row(const std::vector<PdfColumn>& columns, const std::vector<std::string>& cells,
           bool header);
  void Footer();

  cairo_t* cairo_;
  PangoContext* context_;
  std::string footer_;
  int total_pages_;
  int page_ = 1;
  double y_;
};

// One visible text of a document in Kazakh, Russian and English; a document keeps all of its
// texts in one table of these (the one place to translate).
struct PdfText {
  std::string_view key, kk, ru, en;
};
// The text of `key` in `language` ("kk", "ru"; English for any other); nullopt when the table
// has no such key.
std::optional<std::string_view> Translate(std::span<const PdfText> table, std::string_view key,
                                          std::string_view language);

struct PdfInfo {
  std::string title;   // the document's metadata title
  std::string footer;  // on every page, left of "n / N"
  base::Millis created_at = 0;
  std::string what;  // for the error message: "drawing <what>: ..."
};

// The PDF's bytes. `draw` runs twice on writers of identical layout: the first pass counts the
// pages for the footers' "n / N", the second draws them. Internal when cairo fails (out of
// memory, no usable font).
absl::StatusOr<std::string> RenderPdf(const PdfInfo& info,
                                      absl::FunctionRef<void(PdfWriter&)> draw);

}  // namespace threathub::bundle::internal
