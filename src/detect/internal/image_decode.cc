#include "detect/internal/image_decode.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>

// clang-format off: jpeglib.h needs stdio.h first.
#include <jerror.h>
#include <jpeglib.h>
// clang-format on
#include <libexif/exif-data.h>
#include <png.h>
#include <webp/decode.h>

#include "base/errors.h"

namespace threathub::detect::internal {
namespace {

// The reference's luminance (pdqhashing.cpp: "standard RGB to luminance").
constexpr float kLumaR = 0.299f;
constexpr float kLumaG = 0.587f;
constexpr float kLumaB = 0.114f;

// A progressive JPEG may hold any number of scans, each a pass over the whole image; real ones
// have about ten. More than this is an attack on our time (libjpeg-turbo's djpeg -maxscans).
constexpr int kMaxJpegScans = 256;

inline float Luma(float red, float green, float blue) {
  return kLumaR * red + kLumaG * green + kLumaB * blue;
}

absl::Status Unreadable(std::string_view why) {
  return base::WithReason(
      absl::InvalidArgumentError(std::string("image unreadable: ") + std::string(why)),
      "image_unreadable");
}

absl::Status TooLarge(uint64_t width, uint64_t height, uint64_t max_pixels) {
  return base::WithReason(absl::InvalidArgumentError("image too large: " + std::to_string(width) +
                                                     "x" + std::to_string(height) + " is over " +
                                                     std::to_string(max_pixels) + " pixels"),
                          "image_too_large");
}

// ---------------------------------------------------------------------------------------------
// JPEG

struct JpegErrorManager {
  jpeg_error_mgr manager;
  jmp_buf jump;
};

[[noreturn]] void JpegErrorExit(j_common_ptr info) {
  longjmp(reinterpret_cast<JpegErrorManager*>(info->err)->jump, 1);
}

// Warnings are silent, except that a truncated file is an error: libjpeg would otherwise fill
// the missing rows with grey and hash an image that does not exist.
void JpegEmitMessage(j_common_ptr info, int level) {
  if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) JpegErrorExit(info);
}

void JpegOutputMessage(j_common_ptr) {}

void JpegProgress(j_common_ptr info) {
  if (info->is_decompressor &&
      reinterpret_cast<j_decompress_ptr>(info)->input_scan_number > kMaxJpegScans) {
    JpegErrorExit(info);
  }
}

// EXIF orientation (tag 0x0112 of IFD0) from an APP1 marker, 1 if absent or unreadable.
int ExifOrientation(const jpeg_saved_marker_ptr markers) {
  for (jpeg_saved_marker_ptr marker = markers; marker != nullptr; marker = marker->next) {
    if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 6 ||
        std::memcmp(marker->data, "Exif\0\0", 6) != 0) {
      continue;
    }
    ExifData* exif = exif_data_new();
    if (exif == nullptr) return 1;
    exif_data_unset_option(exif, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(exif, marker->data, marker->data_length);
    int orientation = 1;
    ExifEntry* entry = exif_content_get_entry(exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (entry != nullptr && entry->format == EXIF_FORMAT_SHORT && entry->components >= 1 &&
        entry->size >= 2 && entry->data != nullptr) {
      orientation = exif_get_short(entry->data, exif_data_get_byte_order(exif));
    }
    exif_data_unref(exif);
    return orientation >= 1 && orientation <= 8 ? orientation : 1;
  }
  return 1;
}

// The first byte of each JPEG marker code used below (ITU T.81 table B.1).
constexpr uint8_t kMarkerSos = 0xda;
constexpr uint8_t kMarkerEoi = 0xd9;
constexpr uint8_t kMarkerRst0 = 0xd0;
constexpr uint8_t kMarkerRst7 = 0xd7;
constexpr uint8_t kMarkerTem = 0x01;
constexpr uint8_t kMarkerSoi = 0xd8;
constexpr uint8_t kMarkerDht = 0xc4;

// One scan of a progressive JPEG as ProgressiveLumaStream found it.
struct ScanExtent {
  size_t begin, end;  // from its SOS marker to the marker after its entropy-coded data
  uint64_t band;      // bit k: the scan carries zig-zag coefficient k
  bool luma_or_dc;    // a DC scan, or an AC scan of the luminance component
};

// Of a progressive Huffman-coded JPEG (T.81 G.1.1), copies into `out` the stream without the
// scans a luminance-only output at a scale reading zig-zag coefficients 0..last_coefficient
// never needs: every AC scan of another component than `luma_id`, and the AC scans of `luma_id`
// whose coefficients are all past last_coefficient, unless a kept scan of successive
// approximation refines coefficients with them (T.81 G.1.1.1.1: a refinement scan decodes its
// band against the bits the earlier scans of the band gave, so a band is kept whole or not at
// all). Every other segment (tables, restart interval, APPn, COM) is kept in place. Returns
// whether a scan was left out (`out` is left empty otherwise). Anything unexpected (a marker
// where none may be, a segment running past the end, no EOI, a scan header libjpeg-turbo would
// refuse, an AC scan whose Huffman table is not yet defined, more than kMaxJpegScans scans)
// returns false, so the caller decodes the original bytes and libjpeg-turbo refuses or accepts
// them as it would have. `frame` is the decoder after jpeg_read_header (luminance is component
// 0). Plain C data only: it runs under the decoder's setjmp.
bool ProgressiveLumaStream(std::string_view bytes, const jpeg_decompress_struct& frame,
                           int last_coefficient, std::vector<uint8_t>& out) {
  const int luma_id = frame.comp_info[0].component_id;
  bool ac_table_defined[4] = {};
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  out.clear();
  if (size < 4 || data[0] != 0xff || data[1] != kMarkerSoi) return false;
  ScanExtent scans[kMaxJpegScans];
  int scan_count = 0;
  size_t position = 2, eoi = 0;
  while (eoi == 0) {
    if (position >= size || data[position] != 0xff) return false;
    while (position < size && data[position] == 0xff) ++position;  // fill bytes
    if (position >= size) return false;
    const size_t marker_at = position - 1;
    const uint8_t marker = data[position++];
    if (marker == kMarkerEoi) {
      eoi = marker_at;
      break;
    }
    if (marker == 0 || marker == kMarkerTem || marker == kMarkerSoi ||
        (marker >= kMarkerRst0 && marker <= kMarkerRst7) || position + 2 > size) {
      return false;
    }
    const size_t length = size_t{data[position]} << 8 | data[position + 1];
    if (length < 2 || position + length > size) return false;
    const size_t segment_end = position + length;
    if (marker == kMarkerDht) {
      // Tc/Th, 16 counts, the values (T.81 B.2.4.2), as many tables as the segment holds.
      for (size_t table = position + 2; table < segment_end;) {
        if (table + 17 > segment_end) return false;
        size_t values = 0;
        for (int bits = 1; bits <= 16; ++bits) values += data[table + bits];
        const int kind = data[table] >> 4, slot = data[table] & 15;
        if (values > 256 || slot > 3 || kind > 1) return false;
        if (kind == 1) ac_table_defined[slot] = true;
        table += 17 + values;
        if (table > segment_end) return false;
      }
    }
    if (marker != kMarkerSos) {
      position = segment_end;
      continue;
    }
    // SOS: Ls, Ns, Ns x (Cs, Td/Ta), Ss, Se, Ah/Al (T.81 B.2.3).
    const size_t components = data[position + 2];
    if (components < 1 || components > 4 || length != 6 + 2 * components ||
        scan_count == kMaxJpegScans) {
      return false;
    }
    // What libjpeg-turbo checks of a scan header (jdmarker.c get_sos, jdphuff.c
    // start_pass_phuff_decoder), so that a scan left out would not have been refused.
    const uint8_t* tail = data + position + 3 + 2 * components;
    const int start = tail[0], end = tail[1], high = tail[2] >> 4, low = tail[2] & 15;
    if (start > end || end > 63 || (start == 0 && end != 0) || (start > 0 && components != 1) ||
        (high != 0 && low != high - 1) || low > 13) {
      return false;
    }
    for (size_t scan_component = 0; scan_component < components; ++scan_component) {
      const int id = data[position + 3 + 2 * scan_component];
      bool in_frame = false;
      for (int component = 0; component < frame.num_components; ++component) {
        in_frame |= frame.comp_info[component].component_id == id;
      }
      for (size_t earlier = 0; earlier < scan_component; ++earlier) {
        if (data[position + 3 + 2 * earlier] == id) return false;
      }
      if (!in_frame) return false;
    }
    // A scan that may be left out must have its AC table (Ta) defined already.
    const int ac_table = data[position + 4] & 15;
    if (start > 0 && (ac_table > 3 || !ac_table_defined[ac_table])) return false;
    // The entropy-coded data runs to the next marker that is neither a stuffed 0xff00, a
    // restart marker nor a fill byte.
    size_t cursor = segment_end;
    while (true) {
      const void* found = std::memchr(data + cursor, 0xff, size - cursor);
      if (found == nullptr) return false;
      cursor = static_cast<size_t>(static_cast<const uint8_t*>(found) - data);
      if (cursor + 1 >= size) return false;
      const uint8_t next = data[cursor + 1];
      if (next == 0 || (next >= kMarkerRst0 && next <= kMarkerRst7)) {
        cursor += 2;
        continue;
      }
      if (next == 0xff) {
        ++cursor;
        continue;
      }
      break;
    }
    const uint64_t band =
        (end == 63 ? ~uint64_t{0} : (uint64_t{1} << (end + 1)) - 1) & ~((uint64_t{1} << start) - 1);
    scans[scan_count++] = {marker_at, cursor, band, start == 0 || data[position + 3] == luma_id};
    position = cursor;
  }
  // The luminance coefficients to decode: 1..last_coefficient, widened to whole bands.
  uint64_t needed =
      last_coefficient >= 63 ? ~uint64_t{1} : ((uint64_t{1} << (last_coefficient + 1)) - 2);
  for (bool widened = true; widened;) {
    widened = false;
    for (int scan_idx = 0; scan_idx < scan_count; ++scan_idx) {
      const ScanExtent& scan = scans[scan_idx];
      if (scan.luma_or_dc && (scan.band & 1) == 0 && (scan.band & needed) != 0 &&
          (scan.band & ~needed) != 0) {
        needed |= scan.band;
        widened = true;
      }
    }
  }
  size_t copied = 0;  // bytes[copied, scans[scan_idx].begin) are segments to keep
  bool left_out = false;
  for (int scan_idx = 0; scan_idx < scan_count; ++scan_idx) {
    const ScanExtent& scan = scans[scan_idx];
    if (scan.luma_or_dc && ((scan.band & 1) != 0 || (scan.band & needed) != 0)) continue;
    out.insert(out.end(), data + copied, data + scan.begin);
    copied = scan.end;
    left_out = true;
  }
  if (!left_out) return false;
  out.insert(out.end(), data + copied, data + eoi + 2);
  return true;
}

enum class JpegOutcome { kOk, kError, kTooLarge };

// Plain C data only between setjmp and longjmp: no destructor may be skipped.
JpegOutcome DecodeJpegPixels(std::string_view bytes, const DecodeOptions& options, LumaImage& out,
                             int& orientation, uint64_t& header_width, uint64_t& header_height) {
  jpeg_decompress_struct info;
  JpegErrorManager error;
  jpeg_progress_mgr progress;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = JpegErrorExit;
  error.manager.emit_message = JpegEmitMessage;
  error.manager.output_message = JpegOutputMessage;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    return JpegOutcome::kError;
  }
  jpeg_create_decompress(&info);
  out.stream.clear();
  progress.progress_monitor = JpegProgress;
  info.progress = &progress;
  // A progressive image keeps all its coefficients: bound the memory by the pixel cap.
  info.mem->max_memory_to_use = static_cast<long>(options.max_pixels * 8 + (64 << 20));
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&info, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&info, TRUE);
  header_width = info.image_width;
  header_height = info.image_height;
  if (header_width * header_height > options.max_pixels) {
    jpeg_destroy_decompress(&info);
    return JpegOutcome::kTooLarge;
  }
  orientation = ExifOrientation(info.marker_list);

  enum class Channels { kGrey, kRgb, kCmyk } channels;
  switch (info.jpeg_color_space) {
    case JCS_GRAYSCALE:
      info.out_color_space = JCS_GRAYSCALE;
      channels = Channels::kGrey;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      info.out_color_space = JCS_CMYK;
      channels = Channels::kCmyk;
      break;
    case JCS_YCbCr:
      if (options.jpeg_fast_min_side > 0) {
        info.out_color_space = JCS_GRAYSCALE;  // the Y channel as it is
        channels = Channels::kGrey;
        break;
      }
      [[fallthrough]];
    default:
      info.out_color_space = JCS_RGB;
      channels = Channels::kRgb;
      break;
  }
  if (options.jpeg_fast_min_side > 0) {
    const uint64_t min_side = static_cast<uint64_t>(options.jpeg_fast_min_side);
    unsigned scale = 8;
    for (unsigned candidate = 1; candidate < 8; ++candidate) {
      if ((header_width * candidate + 7) / 8 >= min_side &&
          (header_height * candidate + 7) / 8 >= min_side) {
        scale = candidate;
        break;
      }
    }
    info.scale_num = scale;
    info.scale_denom = 8;
    // A progressive file's scans are each entropy-decoded into a whole-image coefficient
    // buffer before any output: leave out those the Y channel at this scale does not read.
    if (info.progressive_mode && !info.arith_code &&
        options.jpeg_progressive_last_coefficient >= 0 &&
        (info.jpeg_color_space == JCS_YCbCr || info.jpeg_color_space == JCS_GRAYSCALE)) {
      const int last_coefficient = scale <= 4 ? options.jpeg_progressive_last_coefficient : 63;
      if (ProgressiveLumaStream(bytes, info, last_coefficient, out.stream)) {
        const J_COLOR_SPACE color_space = info.out_color_space;
        jpeg_abort_decompress(&info);
        jpeg_mem_src(&info, out.stream.data(), static_cast<unsigned long>(out.stream.size()));
        jpeg_read_header(&info, TRUE);
        info.out_color_space = color_space;
        info.scale_num = scale;
        info.scale_denom = 8;
      }
    }
    // Coefficients a progressive file lacks read as zero, whether the file or we left them
    // out (libjpeg would otherwise guess low AC coefficients from the neighbouring DC values).
    info.do_block_smoothing = FALSE;
  }
  jpeg_start_decompress(&info);

  const int width = static_cast<int>(info.output_width);
  const int height = static_cast<int>(info.output_height);
  const int components = info.output_components;
  const int batch = std::min(info.rec_outbuf_height > 0 ? info.rec_outbuf_height : 1, 16);
  const size_t row_bytes = static_cast<size_t>(width) * components;
  const int sample = options.sample_side;
  const bool sampling = sample > 0 && orientation == 1 &&
                        (header_width > static_cast<uint64_t>(sample) ||
                         header_height > static_cast<uint64_t>(sample));
  out.rows.resize(row_bytes * batch);
  out.sampled = sampling;
  if (sampling) {
    out.pixels.resize(static_cast<size_t>(sample) * sample);
    out.width = out.height = sample;
    out.sample_columns.resize(sample);
    for (int x = 0; x < sample; ++x) {
      out.sample_columns[x] = static_cast<int>(int64_t{x} * width / sample);
    }
  } else {
    out.pixels.resize(static_cast<size_t>(width) * height);
    out.width = width;
    out.height = height;
  }
  JSAMPROW row_pointers[16];
  for (int row = 0; row < batch; ++row) row_pointers[row] = out.rows.data() + row * row_bytes;
  const bool adobe_inverted = info.saw_Adobe_marker;
  // The luminance of the pixel at `in`.
  auto luma_of = [&](const uint8_t* in) -> float {
    switch (channels) {
      case Channels::kGrey:
        return in[0];
      case Channels::kRgb:
        return Luma(in[0], in[1], in[2]);
      case Channels::kCmyk:
        break;
    }
    int cyan = in[0], magenta = in[1], yellow = in[2], black = in[3];
    // Adobe's CMYK JPEGs store the inks inverted (255 = no ink).
    if (!adobe_inverted) {
      cyan = 255 - cyan, magenta = 255 - magenta, yellow = 255 - yellow, black = 255 - black;
    }
    return Luma(static_cast<float>(cyan * black / 255), static_cast<float>(magenta * black / 255),
                static_cast<float>(yellow * black / 255));
  };
  int next_sample_row = 0;
  while (info.output_scanline < info.output_height) {
    const int first = static_cast<int>(info.output_scanline);
    const int got = static_cast<int>(jpeg_read_scanlines(&info, row_pointers, batch));
    if (got == 0) JpegErrorExit(reinterpret_cast<j_common_ptr>(&info));
    for (int row = 0; row < got; ++row) {
      const uint8_t* in = row_pointers[row];
      if (sampling) {
        // Every output row whose source row this is (several when the rows are upsampled).
        while (next_sample_row < sample &&
               static_cast<int>(int64_t{next_sample_row} * height / sample) == first + row) {
          float* luma = out.pixels.data() + static_cast<size_t>(next_sample_row) * sample;
          for (int x = 0; x < sample; ++x) {
            luma[x] = luma_of(in + static_cast<size_t>(out.sample_columns[x]) * components);
          }
          ++next_sample_row;
        }
        continue;
      }
      float* luma = out.pixels.data() + static_cast<size_t>(first + row) * width;
      switch (channels) {
        case Channels::kGrey:
          for (int x = 0; x < width; ++x) luma[x] = in[x];
          break;
        case Channels::kRgb:
          for (int x = 0; x < width; ++x) luma[x] = Luma(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
          break;
        case Channels::kCmyk:
          for (int x = 0; x < width; ++x) luma[x] = luma_of(in + 4 * x);
          break;
      }
    }
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return JpegOutcome::kOk;
}

absl::Status DecodeJpeg(std::string_view bytes, const DecodeOptions& options, LumaImage& out) {
  int orientation = 1;
  uint64_t width = 0, height = 0;
  switch (DecodeJpegPixels(bytes, options, out, orientation, width, height)) {
    case JpegOutcome::kError:
      return Unreadable("corrupt or truncated JPEG");
    case JpegOutcome::kTooLarge:
      return TooLarge(width, height, options.max_pixels);
    case JpegOutcome::kOk:
      break;
  }
  out.image_width = static_cast<int>(width);
  out.image_height = static_cast<int>(height);
  if (orientation >= 5) std::swap(out.image_width, out.image_height);
  ApplyExifOrientation(orientation, out.pixels, out.rotate, out.width, out.height);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// PNG

struct PngSource {
  const unsigned char* data;
  size_t size;
  size_t position;
};

void PngRead(png_structp png, png_bytep into, png_size_t length) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (source->size - source->position < length) png_error(png, "truncated");
  std::memcpy(into, source->data + source->position, length);
  source->position += length;
}

void PngError(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void PngWarning(png_structp, png_const_charp) {}

// Luminance of one row of 8-bit samples with `channels` 1 (grey), 2 (grey, alpha), 3 (RGB) or
// 4 (RGBA); alpha is composited onto white.
void RowToLuma(const uint8_t* in, int channels, int width, float* luma) {
  switch (channels) {
    case 1:
      for (int x = 0; x < width; ++x) luma[x] = in[x];
      break;
    case 2:
      for (int x = 0; x < width; ++x) {
        const float alpha = in[2 * x + 1] / 255.0f;
        luma[x] = in[2 * x] * alpha + 255.0f * (1.0f - alpha);
      }
      break;
    case 3:
      for (int x = 0; x < width; ++x) luma[x] = Luma(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
      break;
    default:
      for (int x = 0; x < width; ++x) {
        const uint8_t* pixel = in + 4 * x;
        if (pixel[3] == 255) {
          luma[x] = Luma(pixel[0], pixel[1], pixel[2]);
          continue;
        }
        const float alpha = pixel[3] / 255.0f;
        const float white = 255.0f * (1.0f - alpha);
        luma[x] =
            Luma(pixel[0] * alpha + white, pixel[1] * alpha + white, pixel[2] * alpha + white);
      }
      break;
  }
}

enum class PngOutcome { kOk, kError, kTooLarge };

PngOutcome DecodePngPixels(std::string_view bytes, const DecodeOptions& options, LumaImage& out,
                           uint64_t& header_width, uint64_t& header_height) {
  PngSource source{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, PngError, PngWarning);
  if (png == nullptr) return PngOutcome::kError;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return PngOutcome::kError;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return PngOutcome::kError;
  }
  png_set_read_fn(png, &source, PngRead);
  png_read_info(png, info);
  header_width = png_get_image_width(png, info);
  header_height = png_get_image_height(png, info);
  if (header_width * header_height > options.max_pixels) {
    png_destroy_read_struct(&png, &info, nullptr);
    return PngOutcome::kTooLarge;
  }
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_scale_16(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  const int width = static_cast<int>(header_width);
  const int height = static_cast<int>(header_height);
  if (channels < 1 || channels > 4 || row_bytes < static_cast<size_t>(width) * channels) {
    png_error(png, "unexpected layout");
  }
  out.pixels.resize(static_cast<size_t>(width) * height);
  out.width = width;
  out.height = height;
  if (passes == 1) {
    out.rows.resize(row_bytes);
    for (int y = 0; y < height; ++y) {
      png_read_row(png, out.rows.data(), nullptr);
      RowToLuma(out.rows.data(), channels, width,
                out.pixels.data() + static_cast<size_t>(y) * width);
    }
  } else {
    // Interlaced: every pass touches every row, so the whole image is kept until the end.
    out.rows.resize(row_bytes * height);
    for (int pass = 0; pass < passes; ++pass) {
      for (int y = 0; y < height; ++y) png_read_row(png, out.rows.data() + y * row_bytes, nullptr);
    }
    for (int y = 0; y < height; ++y) {
      RowToLuma(out.rows.data() + y * row_bytes, channels, width,
                out.pixels.data() + static_cast<size_t>(y) * width);
    }
  }
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return PngOutcome::kOk;
}

absl::Status DecodePng(std::string_view bytes, const DecodeOptions& options, LumaImage& out) {
  uint64_t width = 0, height = 0;
  switch (DecodePngPixels(bytes, options, out, width, height)) {
    case PngOutcome::kError:
      return Unreadable("corrupt or truncated PNG");
    case PngOutcome::kTooLarge:
      return TooLarge(width, height, options.max_pixels);
    case PngOutcome::kOk:
      break;
  }
  out.image_width = out.width;
  out.image_height = out.height;
  out.sampled = false;
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// WebP

absl::Status DecodeWebp(std::string_view bytes, const DecodeOptions& options, LumaImage& out) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, bytes.size(), &features) != VP8_STATUS_OK || features.width <= 0 ||
      features.height <= 0) {
    return Unreadable("corrupt or truncated WebP");
  }
  const uint64_t pixels = static_cast<uint64_t>(features.width) * features.height;
  if (pixels > options.max_pixels) {
    return TooLarge(features.width, features.height, options.max_pixels);
  }
  if (features.has_animation) return Unreadable("animated WebP");
  const int channels = features.has_alpha ? 4 : 3;
  const size_t stride = static_cast<size_t>(features.width) * channels;
  out.rows.resize(stride * features.height);
  const uint8_t* decoded = channels == 4
                               ? WebPDecodeRGBAInto(data, bytes.size(), out.rows.data(),
                                                    out.rows.size(), static_cast<int>(stride))
                               : WebPDecodeRGBInto(data, bytes.size(), out.rows.data(),
                                                   out.rows.size(), static_cast<int>(stride));
  if (decoded == nullptr) return Unreadable("corrupt or truncated WebP");
  out.width = out.image_width = features.width;
  out.height = out.image_height = features.height;
  out.sampled = false;
  out.pixels.resize(pixels);
  for (int y = 0; y < features.height; ++y) {
    RowToLuma(out.rows.data() + y * stride, channels, features.width,
              out.pixels.data() + static_cast<size_t>(y) * features.width);
  }
  return absl::OkStatus();
}

}  // namespace

ImageFormat SniffFormat(std::string_view bytes) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) {
    return ImageFormat::kJpeg;
  }
  if (bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    return ImageFormat::kPng;
  }
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") {
    return ImageFormat::kWebp;
  }
  return ImageFormat::kUnknown;
}

absl::Status DecodeToLuma(std::string_view bytes, const DecodeOptions& options, LumaImage& out) {
  if (bytes.empty()) {
    return base::WithReason(absl::InvalidArgumentError("image empty: no bytes"), "image_empty");
  }
  switch (SniffFormat(bytes)) {
    case ImageFormat::kJpeg:
      return DecodeJpeg(bytes, options, out);
    case ImageFormat::kPng:
      return DecodePng(bytes, options, out);
    case ImageFormat::kWebp:
      return DecodeWebp(bytes, options, out);
    case ImageFormat::kUnknown:
      break;
  }
  return Unreadable("not a JPEG, PNG or WebP image");
}

void ApplyExifOrientation(int orientation, std::vector<float>& pixels, std::vector<float>& scratch,
                          int& width, int& height) {
  if (orientation < 2 || orientation > 8) return;
  const int in_width = width, in_height = height;
  const bool transposed = orientation >= 5;
  const int out_width = transposed ? in_height : in_width;
  const int out_height = transposed ? in_width : in_height;
  scratch.resize(pixels.size());
  for (int y = 0; y < out_height; ++y) {
    float* row = scratch.data() + static_cast<size_t>(y) * out_width;
    for (int x = 0; x < out_width; ++x) {
      int source_x = x, source_y = y;
      switch (orientation) {
        case 2:  // mirrored horizontally
          source_x = in_width - 1 - x;
          break;
        case 3:  // rotated 180
          source_x = in_width - 1 - x, source_y = in_height - 1 - y;
          break;
        case 4:  // mirrored vertically
          source_y = in_height - 1 - y;
          break;
        case 5:  // transposed
          source_x = y, source_y = x;
          break;
        case 6:  // displayed rotated 90 clockwise
          source_x = y, source_y = in_height - 1 - x;
          break;
        case 7:  // transversed
          source_x = in_width - 1 - y, source_y = in_height - 1 - x;
          break;
        case 8:  // displayed rotated 90 counter-clockwise
          source_x = in_width - 1 - y, source_y = x;
          break;
      }
      row[x] = pixels[static_cast<size_t>(source_y) * in_width + source_x];
    }
  }
  pixels.swap(scratch);
  width = out_width;
  height = out_height;
}

}  // namespace threathub::detect::internal
