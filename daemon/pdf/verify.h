// Offline verification of the signatures in a PDF, for `kinvault verify FILE.pdf [--ca ROOT.pem]`.
//
// The file is read with a bounds-checked lexical scan, not PoDoFo: a PDF handed to a verifier may be hostile,
// and PoDoFo 0.9.8 can crash on crafted nesting (security.md). Signature dictionaries are found by their
// /ByteRange and never live in object streams (the /Contents gap must be visible in the file), so a scan
// finds every one. For each: the covered bytes are hashed, the CMS is checked (crypto/cms.h) including the
// chain to the given roots, and the revision it covers is reported. Bytes after the last signed revision are
// reported as a change after the last signature.
#pragma once

#include "common/clock.h"
#include "common/hex.h"
#include "common/result.h"
#include "crypto/cms.h"
#include "pdf/inject.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::pdf {

struct VerifyOptions {
    std::vector<std::string> trusted_roots_pem; // empty: chains are not checked (reported, not a failure)
    std::optional<UnixTime> validation_time;    // certificate validity is judged at this time; unset: now
};

struct SignatureReport {
    std::string field_name;   // fully qualified; empty if the field could not be found lexically
    std::string signer_name;  // common name of the signer certificate
    std::string signer_email; // from the signer certificate
    std::string name_entry;   // the signature dictionary's /Name, as the signing software wrote it
    std::string reason;
    std::string signing_time_text;        // /M as written
    std::optional<UnixTime> signing_time; // /M parsed (claimed time, not a timestamp)
    std::string sub_filter;
    ByteRange byte_range;
    std::uint64_t revision_end{0}; // end of the covered bytes (= start2 + length2)
    int revision{0};               // 1-based revision of the file this signature covers
    bool covers_whole_file{false};
    std::optional<crypto::CmsVerification> cms; // absent when the CMS could not be parsed
    std::vector<std::string> problems;
    bool ok{false};
};

struct VerifyReport {
    std::uint64_t file_size{0};
    int revision_count{0};
    std::vector<SignatureReport> signatures; // ordered by the revision they cover
    std::uint64_t bytes_after_last_signature{0};
    bool modified_after_last_signature{false}; // non-whitespace bytes after the last signed revision
    bool chain_checked{false};                 // trusted roots were given
    std::vector<std::string> problems;         // file-level problems (no signatures, changes after them)
    bool ok{false}; // at least one signature, every signature ok, no change after the last one
};

// Errors only when the input is not a PDF at all; everything else is reported in the VerifyReport.
[[nodiscard]] Result<VerifyReport> verify_pdf(const Bytes& pdf, const VerifyOptions& options);

// Reads the PDF and the PEM root files (each may hold several certificates).
[[nodiscard]] Result<VerifyReport> verify_pdf_file(const std::string& pdf_path,
                                                   const std::vector<std::string>& root_pem_paths,
                                                   std::optional<UnixTime> validation_time = std::nullopt);

// The human-readable report the CLI prints.
[[nodiscard]] std::string format_report(const VerifyReport& report);

} // namespace kinvault::pdf
