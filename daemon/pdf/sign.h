// Preparing a PDF signature with PoDoFo 0.9.8: one incremental update per signer that adds the signer's
// read-only field widgets, the signature field with its visible appearance and a zero-filled /Contents
// placeholder. Hashing and filling the placeholder is byte work in pdf/inject.h, so the daemon can sign
// without PoDoFo and without the key ever entering the worker.
//
// Runs in kinvault-pdf-worker (sandboxed) for the daemon, and in the kinvault CLI for sign-local.
#pragma once

#include "common/clock.h"
#include "common/hex.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "pdf/geometry.h"
#include "pdf/inject.h"
#include "pdf/render.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::pdf {

// 24 KiB of DER: a P-256 or RSA-2048 signer certificate with a two-level practice chain needs about 3 KiB;
// the rest leaves room for longer chains and a later RFC 3161 timestamp.
inline constexpr std::size_t k_default_contents_size = 24 * 1024;
inline constexpr const char* k_default_font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// A value the signer entered, drawn only into the appearance of its own read-only widget (never into page
// content, which would break earlier signatures in a strict reader).
struct FieldValue {
    FieldPlacement placement; // kind: initials, date, text or checkbox
    std::string text;         // UTF-8, for initials/date/text
    bool checked{false};      // for checkbox
};

struct SignatureRequest {
    std::string field_name;   // unique among the document's fields, no '.'; empty: "SignatureN"
    int page{0};              // 0-based page of the signature widget
    Rect rect{0, 0, 0, 0};    // zero width or height: invisible signature (e.g. the practice seal)
    std::string signer_name;  // appearance and /Name
    std::string capacity;     // appearance, e.g. "Parent", "Clinician", "Practice seal"
    std::string reason;       // /Reason
    std::string location;     // /Location (optional)
    std::string signature_id; // appearance; links the signature to the envelope's records
    UnixTime signing_time{0}; // /M and the appearance, in UTC (PAdES B-B claimed signing time)
    std::vector<FieldValue> fields;
    std::size_t contents_size{k_default_contents_size}; // DER bytes reserved in /Contents
    std::string font_path{k_default_font_path};         // TrueType font embedded (subset) for the appearances
    // When set, fonts->regular is embedded and font_path is not opened: the sandboxed worker reads the font
    // before its seccomp filter forbids opening files, as it does for render and stamp.
    std::shared_ptr<const FontSet> fonts;
};

// Loads `pdf` for update and appends one incremental update with the request's widgets and signature field.
// The original bytes are kept unchanged as the prefix of the result, so earlier signatures stay valid.
// Errors: Errc::invalid_input for a bad request (page out of range, bad field name or rectangle),
// Errc::conflict for a field name already in the document or a document certified against changes
// (DocMDP P=1), Errc::unsupported_media for non-PDF bytes, Errc::unprocessable for a PDF PoDoFo cannot
// load or update (encrypted, malformed).
[[nodiscard]] Result<PreparedPdf> prepare_signature(const Bytes& pdf, const SignatureRequest& request);

struct SignedPdf {
    Bytes pdf;
    std::string field_name;
    ByteRange byte_range;
};

// Signs on this machine with a PEM key, its certificate and optional chain: prepare, CMS (crypto/cms.h),
// inject; the same steps the daemon takes across the worker boundary. The request's signer_name defaults to
// the certificate's common name.
[[nodiscard]] Result<SignedPdf> sign_with_key(const Bytes& pdf, SignatureRequest request,
                                              const crypto::Secret& private_key_pem,
                                              const std::string& certificate_pem,
                                              const std::vector<std::string>& chain_pem);

// `kinvault sign-local --key KEY.pem --cert CERT.pem [--chain CHAIN.pem] IN.pdf OUT.pdf`.
struct SignLocalOptions {
    std::string key_path;
    std::string certificate_path;
    std::optional<std::string> chain_path; // PEM bundle of intermediates (and optionally the root)
    std::string input_path;
    std::string output_path; // written through a temporary file and renamed; must differ from input_path
    std::string reason{"Signed with kinvault sign-local"};
    std::string location;
    std::string capacity;
    std::optional<Rect> rect; // visible widget on `page`; unset: invisible signature
    int page{0};
    UnixTime signing_time{0};
    std::size_t contents_size{k_default_contents_size};
};

struct SignLocalResult {
    std::string field_name;
    std::string signer_name;
    std::string signature_id;
    ByteRange byte_range;
    std::size_t output_size{0};
};

[[nodiscard]] Result<SignLocalResult> sign_local(const SignLocalOptions& options);

} // namespace kinvault::pdf
