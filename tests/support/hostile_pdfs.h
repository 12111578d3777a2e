// A corpus of hostile and valid PDFs, generated in C++ so every test suite (unit tests of the worker,
// integration tests that upload to a running kinvaultd) exercises the same bytes. Generation is
// deterministic: each call yields identical files, so a failure can be reproduced from the entry's name.
#pragma once

#include "common/hex.h"
#include "pdf/inspect.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::test {

struct HostilePdf {
    std::string name;        // stable and file-name safe, e.g. "deep-dicts-20000"
    std::string description; // what is wrong with it, for test output
    Bytes bytes;
    // nullopt: the file is valid and must be accepted with expected_report; otherwise the refusal it must
    // get.
    std::optional<pdf::IntakeRefusal> expected_refusal;
    pdf::InspectReport expected_report;
};

// The whole corpus: deep nesting (20,000 dictionaries; 1,000 and 2,000 arrays; nesting hidden in a compressed
// object stream), absurd object counts, a lying page /Count, a page-tree cycle, truncations, xref loops and
// bogus offsets, bogus stream /Length values, an empty file, non-PDFs, password-protected and owner-only
// encrypted files, and valid files with 1, 3 and 50 pages and with signature fields for comparison.
// Built once on first use (thread-safe); about 25 MB, most of it the object-count entry.
[[nodiscard]] const std::vector<HostilePdf>& hostile_corpus();

// The entry with this name; throws std::out_of_range for an unknown name.
[[nodiscard]] const HostilePdf& hostile_pdf(std::string_view name);

// A valid, uncompressed PDF with `pages` pages (a two-level page tree above 10 pages). Page n shows
// "<text> <n>" in Helvetica, so `text` appears verbatim in the file bytes (useful as a plaintext marker).
// `catalog_extra` is spliced into the document catalog, e.g. "/Version /1.7".
[[nodiscard]] Bytes valid_pdf(int pages, std::string_view text = "Kinvault test page",
                              std::string_view header_version = "1.4", std::string_view catalog_extra = "");

// One page carrying `unsigned_fields` empty signature fields and `signed_fields` fields whose /V holds a
// signature dictionary (with a dummy /Contents; it is not cryptographically valid).
[[nodiscard]] Bytes pdf_with_signature_fields(int unsigned_fields, int signed_fields);

// A one-page PDF encrypted with the standard security handler, revision 2 (40-bit RC4, PDF 32000-1:2008
// section 7.6.3, algorithms 1 to 4). An empty user password gives a file anyone can open (owner restrictions
// only); a non-empty one gives a password-protected file.
[[nodiscard]] Bytes encrypted_pdf(std::string_view user_password, std::string_view owner_password);

} // namespace kinvault::test
