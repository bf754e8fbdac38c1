# Image decoding and PDQ hashing (src/detect/pdq.cc, internal/image_decode.cc): JPEG with EXIF,
# PNG, WebP. Seeds in corpus/detect_image.
pkg_check_modules(FUZZ_JPEG REQUIRED IMPORTED_TARGET libjpeg)
pkg_check_modules(FUZZ_PNG REQUIRED IMPORTED_TARGET libpng)
pkg_check_modules(FUZZ_WEBP REQUIRED IMPORTED_TARGET libwebp)
pkg_check_modules(FUZZ_EXIF REQUIRED IMPORTED_TARGET libexif)
add_executable(detect_image_fuzzer ${SRC}/detect/image_fuzzer.cc ${SRC}/detect/pdq.cc
               ${SRC}/detect/internal/image_decode.cc ${SRC}/detect/internal/pdq_filter.cc)
target_link_libraries(detect_image_fuzzer PRIVATE fuzz_parsers PkgConfig::FUZZ_JPEG
                      PkgConfig::FUZZ_PNG PkgConfig::FUZZ_WEBP PkgConfig::FUZZ_EXIF)
target_link_options(detect_image_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
