# PDQ image hashing (pdq.h) and the PDQ index (pdq_index.h). The decoders come through
# pkg-config: libjpeg(-turbo), libpng, libwebp, libexif.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PDQ_JPEG REQUIRED IMPORTED_TARGET libjpeg)
pkg_check_modules(PDQ_PNG REQUIRED IMPORTED_TARGET libpng)
pkg_check_modules(PDQ_WEBP REQUIRED IMPORTED_TARGET libwebp)
pkg_check_modules(PDQ_EXIF REQUIRED IMPORTED_TARGET libexif)

threathub_module(detect_pdq
  SOURCES pdq.cc pdq_index.cc internal/image_decode.cc internal/pdq_filter.cc
  DEPS threathub_base absl::status absl::statusor PkgConfig::PDQ_JPEG PkgConfig::PDQ_PNG
       PkgConfig::PDQ_WEBP PkgConfig::PDQ_EXIF)
# The hashes equal the reference's bit for bit only if every float operation happens as written:
# no fused multiply-add, whatever -march a build uses.
target_compile_options(threathub_detect_pdq PRIVATE -ffp-contract=off)

find_package(ZLIB REQUIRED)  # the tests write PNG chunks with their CRCs
threathub_test(detect_pdq_test
  SOURCES pdq_test.cc
  DEPS threathub_detect_pdq ZLIB::ZLIB)
threathub_test(detect_pdq_index_test
  SOURCES pdq_index_test.cc
  DEPS threathub_detect_pdq)

# bench/pdq_bench.sh: our hasher beside a plain textbook one (bench/pdq_plain.cc), and the index.
add_executable(pdq_bench ${PROJECT_SOURCE_DIR}/bench/pdq_benchmark.cc
               ${PROJECT_SOURCE_DIR}/bench/pdq_plain.cc)
target_link_libraries(pdq_bench PRIVATE threathub_detect_pdq)
