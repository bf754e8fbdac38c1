# The written request as a PDF in Kazakh, Russian or English (document.h), drawn with the shared
# cairo + pango writer (threathub_pdf). The test reads the PDFs back with poppler's pdftotext
# (poppler-utils).
threathub_module(requests_document
  SOURCES document.cc
  DEPS threathub_requests_core threathub_pdf threathub_base absl::status absl::statusor)
threathub_test(requests_document_test
  SOURCES document_test.cc
  DEPS threathub_requests_document)
