// Intake inspection of untrusted PDFs (issue 2 item 8, security.md "PoDoFo 0.9.8 on hostile input").
//
// This header includes no PoDoFo on purpose: the daemon-side gateway (kv_pdf_gateway) shares the report and
// refusal types, while prescan() and inspect() are defined in kv_pdf and run only inside kinvault-pdf-worker,
// never in kinvaultd.
#pragma once

#include "common/result.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kinvault::pdf {

// Why an upload is refused. The names travel over the worker protocol and into logs; keep them stable.
enum class IntakeRefusal {
    empty,              // zero bytes
    not_a_pdf,          // no "%PDF-" within the first 1024 bytes (PDF 32000-1:2008 section 7.5.2, Annex H.3)
    malformed,          // PoDoFo cannot load it, the xref is broken, or the page tree is inconsistent
    password_protected, // encrypted and the empty user password does not open it
    too_deep,           // nesting or object counts beyond the limits the pre-scan enforces
    too_slow,           // the parser hit its CPU or wall-clock limit
    too_big_to_parse,   // the parser hit its address-space limit
};

inline constexpr std::array<IntakeRefusal, 7> all_intake_refusals{
    IntakeRefusal::empty,
    IntakeRefusal::not_a_pdf,
    IntakeRefusal::malformed,
    IntakeRefusal::password_protected,
    IntakeRefusal::too_deep,
    IntakeRefusal::too_slow,
    IntakeRefusal::too_big_to_parse,
};

[[nodiscard]] constexpr std::string_view refusal_name(IntakeRefusal refusal) noexcept {
    switch (refusal) {
    case IntakeRefusal::empty:
        return "empty";
    case IntakeRefusal::not_a_pdf:
        return "not_a_pdf";
    case IntakeRefusal::malformed:
        return "malformed";
    case IntakeRefusal::password_protected:
        return "password_protected";
    case IntakeRefusal::too_deep:
        return "too_deep";
    case IntakeRefusal::too_slow:
        return "too_slow";
    case IntakeRefusal::too_big_to_parse:
        return "too_big_to_parse";
    }
    return "malformed";
}

[[nodiscard]] constexpr std::optional<IntakeRefusal> parse_refusal(std::string_view name) noexcept {
    for (const IntakeRefusal refusal : all_intake_refusals) {
        if (refusal_name(refusal) == name) {
            return refusal;
        }
    }
    return std::nullopt;
}

// What the uploader reads. Each message is distinct, so refusal_of() can recover the reason from an Error.
[[nodiscard]] constexpr std::string_view refusal_message(IntakeRefusal refusal) noexcept {
    switch (refusal) {
    case IntakeRefusal::empty:
        return "The file is empty.";
    case IntakeRefusal::not_a_pdf:
        return "This file is not a PDF.";
    case IntakeRefusal::malformed:
        return "This PDF is damaged or malformed and cannot be read; please upload a fresh copy.";
    case IntakeRefusal::password_protected:
        return "This PDF is protected by a password; please upload an unprotected copy.";
    case IntakeRefusal::too_deep:
        return "This PDF is nested too deeply or has too many objects to be processed safely.";
    case IntakeRefusal::too_slow:
        return "This PDF took too long to process; it may be damaged or unusually complex.";
    case IntakeRefusal::too_big_to_parse:
        return "This PDF needs too much memory to process; please upload a simpler copy.";
    }
    return "This PDF cannot be processed.";
}

// Not a PDF at all is a media-type problem (415); a PDF we will not process is unprocessable (422).
[[nodiscard]] constexpr Errc refusal_errc(IntakeRefusal refusal) noexcept {
    switch (refusal) {
    case IntakeRefusal::empty:
    case IntakeRefusal::not_a_pdf:
        return Errc::unsupported_media;
    case IntakeRefusal::malformed:
    case IntakeRefusal::password_protected:
    case IntakeRefusal::too_deep:
    case IntakeRefusal::too_slow:
    case IntakeRefusal::too_big_to_parse:
        return Errc::unprocessable;
    }
    return Errc::unprocessable;
}

[[nodiscard]] inline Error refusal_error(IntakeRefusal refusal) {
    return make_error(refusal_errc(refusal), std::string(refusal_message(refusal)));
}

// The refusal behind an error made by refusal_error(), or nullopt for any other error (e.g. worker
// unavailable).
[[nodiscard]] inline std::optional<IntakeRefusal> refusal_of(const Error& error) noexcept {
    for (const IntakeRefusal refusal : all_intake_refusals) {
        if (error.code == refusal_errc(refusal) && error.message == refusal_message(refusal)) {
            return refusal;
        }
    }
    return std::nullopt;
}

struct InspectReport {
    int page_count{0};
    std::string pdf_version; // "1.7": the header version, raised by a catalog /Version (PDF 32000 7.7.2)
    bool encrypted{false};   // encrypted, yet readable with the empty user password (owner restrictions only)
    int signature_fields{0}; // terminal AcroForm fields of type /Sig (PDF 32000 12.7.4.5)
    int signatures{0};       // of those, how many already carry a signature value (/V)
};

struct IntakeLimits {
    // PoDoFo 0.9.8 parses nesting recursively at about n^3 cost and overflows its stack near 20,000 levels
    // (security.md). Real documents stay far below 64: page resources nest a handful of levels.
    int max_depth{64};
    // Counted from "obj" keywords, trailer /Size, xref subsection sizes and object-stream /N. Large scanned
    // or typeset documents have tens of thousands of objects; half a million is absurd for what therapists
    // upload.
    std::int64_t max_objects{500'000};
};

// Cheap lexical pre-scan that runs BEFORE PoDoFo sees the bytes: header sniffing, nesting depth of
// dictionaries and arrays (also inside Flate-compressed object streams), and object counts. No PoDoFo, no
// recursion; linear in the input. nullopt means "no objection", not "valid".
[[nodiscard]] std::optional<IntakeRefusal> prescan(std::span<const std::uint8_t> pdf,
                                                   const IntakeLimits& limits);

// Pre-scan, then load with PoDoFo and read page count, version, encryption and signature fields. Errors are
// refusal_error() values. `detail`, when given, receives a short technical reason for logs (never for users).
// Only call this inside the sandboxed worker: a hostile file may still crash PoDoFo.
[[nodiscard]] Result<InspectReport> inspect(std::span<const std::uint8_t> pdf,
                                            const IntakeLimits& limits = {}, std::string* detail = nullptr);

} // namespace kinvault::pdf
